"""``tracehound export misp`` writes the indicator hits of a results folder as a MISP event,
valid against MISP's own JSON schemas (tests/data/misp/, see ORIGIN.md there), holding
indicator values and times only."""

from __future__ import annotations

import copy
import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from tracehound.cli import main
from tracehound.demo.generate import ATTACKER_EMAIL, write_demo
from tracehound.iocs.stix import IocKind
from tracehound.pipeline import CheckOptions, run_check
from tracehound.reports.misp import NAMESPACE, misp_type

from .conftest import EVIL_SMS_LINK, HOSTILE_DEVICE

DATA = Path(__file__).resolve().parents[1] / "data" / "misp"


def _schema(name: str) -> dict[str, Any]:
    data = json.loads((DATA / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _validate(event: dict[str, Any]) -> None:
    """Against the RFC's strict 2.5 schema, PyMISP's lax schema, and PyMISP's strict 2.4 schema
    once the three attribute keys it predates are taken out (it would refuse them)."""
    jsonschema.Draft4Validator(_schema("misp-core-format-2.5.schema.json")).validate(event)
    jsonschema.Draft4Validator(_schema("schema-lax.json")).validate(event)
    old = copy.deepcopy(event)
    for attribute in old["Event"]["Attribute"]:
        for key in ("first_seen", "last_seen", "Sighting"):
            attribute.pop(key, None)
    jsonschema.Draft4Validator(_schema("schema.json")).validate(old)


def _export(folder: Path, target: Path, code: int = 0) -> tuple[dict[str, Any], str]:
    done = CliRunner().invoke(main, ["export", "misp", str(folder), "-o", str(target)])
    assert done.exit_code == code, done.output
    assert "Traceback" not in done.output
    event = json.loads(target.read_text(encoding="utf-8"))
    assert isinstance(event, dict)
    return event, done.output


def test_the_demo_hits_become_one_attribute_per_indicator(
    demo_results: Path, tmp_path: Path
) -> None:
    event, said = _export(demo_results, tmp_path / "e.json")
    _validate(event)
    assert (tmp_path / "e.json").stat().st_mode & 0o777 == 0o600
    body = event["Event"]
    attributes = {(a["type"], a["value"]): a for a in body["Attribute"]}
    assert sorted(attributes) == [
        ("domain", "free247downloads.com"),
        ("domain", "opposedarrangement.net"),
        ("domain", "urlpush.net"),
        ("email-src", ATTACKER_EMAIL),
        ("filename", "bh"),
        ("filename", "msgacntd"),
        ("filename", "roleaccountd.plist"),
    ]
    assert body["distribution"] == "0" and body["analysis"] == "0" and body["published"] is False
    assert body["threat_level_id"] == "1"  # critical and high hits
    assert body["attribute_count"] == "7" and body["date"] == "2021-07-11"
    assert [t["name"] for t in body["Tag"]] == ['tracehound:malware="Pegasus"']
    assert uuid.UUID(body["uuid"]).version == 5
    assert body["timestamp"].isdigit() and body["info"].startswith("tracehound: 7 indicator(s)")

    domain = attributes[("domain", "free247downloads.com")]
    assert domain["category"] == "Network activity" and domain["to_ids"] is True
    assert domain["first_seen"] == "2021-07-12T09:14:03.120000+00:00"
    assert domain["last_seen"] == "2021-07-12T09:18:03.120000+00:00"
    assert [s["date_sighting"] for s in domain["Sighting"]] == [
        "1626081243",
        "1626081243",
        "1626081483",
    ]
    assert all(s["type"] == "0" and s["source"] == "tracehound" for s in domain["Sighting"])
    assert "ios.safari_history url (url_subdomain)" in domain["comment"]
    process = attributes[("filename", "msgacntd")]
    assert process["to_ids"] is False and len(process["Sighting"]) == 2
    assert sum(len(a["Sighting"]) for a in body["Attribute"]) == 10  # one per indicator hit
    assert len({s["uuid"] for a in body["Attribute"] for s in a["Sighting"]}) == 10
    assert "7 heuristic detection(s)" in said  # not exported, and said so


def test_every_type_is_valid_for_its_category() -> None:
    """Each (type, category) pair the export can write is one MISP knows
    (describeTypes.json: category_type_mappings)."""
    mappings = _schema("describeTypes.json")["result"]["category_type_mappings"]
    samples = ["x", "a" * 32, "a" * 40, "a" * 64, "a" * 128, ":".join(["ab"] * 32)]
    for kind in [*IocKind, "unknown"]:
        for value in samples:
            mtype, category, to_ids = misp_type(str(kind), value)
            assert mtype in mappings[category], (kind, value, mtype, category)
            assert not (mtype == "text" and to_ids)
    assert misp_type("file_hash", "a" * 64)[0] == "sha256"
    assert misp_type("cert_hash", ":".join(["ab"] * 32))[0] == "x509-fingerprint-sha256"


def test_no_private_field_leaks(hostile_results: Path, tmp_path: Path) -> None:
    """The hostile SMS holds the indicator domain inside a link with a script; the event holds
    the domain only, and nothing of the message, its link, the sender or the device."""
    event, _ = _export(hostile_results, tmp_path / "e.json")
    _validate(event)
    text = (tmp_path / "e.json").read_text(encoding="utf-8")
    for secret in (
        EVIL_SMS_LINK,
        "pay here",
        "<script",
        "__pwned",
        HOSTILE_DEVICE,
        "+1202",
        "@evil.example",
        "urlpush.net/",
        "Demo iPhone",
        "sms.db",
        str(hostile_results),
    ):
        assert secret not in text, secret
    values = [a["value"] for a in event["Event"]["Attribute"]]
    assert "urlpush.net" in values
    assert text.count("urlpush.net") == values.count("urlpush.net")  # only as the value


def test_uuids_are_stable_across_exports_and_checks(tmp_path: Path) -> None:
    acq = write_demo(tmp_path / "acq", "androidqf")
    first, second = tmp_path / "one", tmp_path / "two"
    run_check(CheckOptions(target=acq, output=first))
    run_check(CheckOptions(target=acq, output=second))
    a, _ = _export(first, tmp_path / "a.json")
    again, _ = _export(first, tmp_path / "again.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "again.json").read_bytes()
    b, _ = _export(second, tmp_path / "b.json")  # the same acquisition checked again

    def uuids(event: dict[str, Any]) -> list[str]:
        found = [event["Event"]["uuid"]]
        for attribute in event["Event"]["Attribute"]:
            found.append(attribute["uuid"])
            found.extend(s["uuid"] for s in attribute["Sighting"])
        return found

    assert a["Event"]["Attribute"] and uuids(a) == uuids(b) == uuids(again)
    assert len(set(uuids(a))) == len(uuids(a))
    _validate(a)

    # In a case store the event is named by the case's acquisition SHA-256 (case.json).
    case = tmp_path / "store" / "cases" / "0123456789abcdef"
    shutil.copytree(first, case / "results")
    sha = "0123456789abcdef" + "0" * 48
    (case / "case.json").write_text(json.dumps({"id": sha[:16], "sha256": sha}), "utf-8")
    c, _ = _export(case / "results", tmp_path / "c.json")
    assert c["Event"]["uuid"] == str(uuid.uuid5(NAMESPACE, f"acquisition:{sha}"))
    assert c["Event"]["uuid"] != a["Event"]["uuid"]


def test_a_folder_without_hits_gives_an_event_without_attributes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_check(
        CheckOptions(target=write_demo(tmp_path / "acq", "backup", infected=False), output=out)
    )
    event, said = _export(out, tmp_path / "e.json")
    _validate(event)
    assert event["Event"]["Attribute"] == [] and event["Event"]["Tag"] == []
    assert event["Event"]["attribute_count"] == "0" and event["Event"]["threat_level_id"] == "4"
    assert "no indicator hits" in said and "the event has no attributes" in said


def _with_detections(source: Path, folder: Path, lines: list[str]) -> Path:
    shutil.copytree(source, folder)
    (folder / "detections.jsonl").write_text("".join(line + "\n" for line in lines), "utf-8")
    return folder


def test_hostile_values_are_escaped_and_a_damaged_line_is_counted(
    demo_results: Path, tmp_path: Path
) -> None:
    """A results folder may come from anyone: hostile indicator values, malware names and
    artifact names stay JSON strings; a line that is not JSON is counted (exit 2)."""
    value = 'evil.example"\n\u2028</script>\\'
    hit = {
        "id": "x1",
        "type": "indicator",
        "severity": "high",
        "artifact": "ios.sms\nX",
        "ts": "2021-07-12T09:14:03+00:00",
        "field": "links",
        "rule": "url_host",
        "indicator": {"kind": "domain", "value": value, "malware": ['Peg"asus\n', "\x00"]},
    }
    no_id = {k: v for k, v in hit.items() if k != "id"}
    lines = [json.dumps(hit), json.dumps(no_id), json.dumps(no_id), "{not json", "[1]"]
    folder = _with_detections(demo_results, tmp_path / "r", lines)
    event, said = _export(folder, tmp_path / "e.json", code=2)
    _validate(event)
    (attribute,) = event["Event"]["Attribute"]
    assert attribute["value"] == value
    assert "\n" not in attribute["comment"] and "\n" not in event["Event"]["info"]
    assert [t["name"] for t in attribute["Tag"]] == ['tracehound:malware="Peg\'asus"']
    assert len({s["uuid"] for s in attribute["Sighting"]}) == 3  # one per hit, with or without id
    assert "2 line(s)" in said and "detections.jsonl" in said and "exit code 2" in said


@pytest.mark.parametrize("broken", ["missing", "run.json"])
def test_not_a_results_folder_is_one_line(broken: str, demo_results: Path, tmp_path: Path) -> None:
    folder = tmp_path / "missing"
    if broken == "run.json":
        folder = _with_detections(demo_results, tmp_path / "r", [])
        (folder / "run.json").write_text("{", "utf-8")
    done = CliRunner().invoke(main, ["export", "misp", str(folder), "-o", str(tmp_path / "e")])
    assert done.exit_code == 4, done.output
    assert len(done.output.strip().splitlines()) == 1 and "Traceback" not in done.output
    assert not (tmp_path / "e").exists()

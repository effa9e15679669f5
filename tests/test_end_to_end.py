"""End to end: the CLI on the demo backups (infected, clean, damaged), as an analyst runs it."""

from __future__ import annotations

import csv
import hashlib
import json
import plistlib
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tracehound.cli import main
from tracehound.core.registry import record_types
from tracehound.demo import generate
from tracehound.demo.ios.manifest import file_id
from tracehound.iocs.bundled import load_bundled
from tracehound.iocs.index import IndicatorIndex
from tracehound.store.records import read_records, record_files

EXPECTED = Counter(
    {
        ("indicator", "ios.idstatuscache", "critical", generate.ATTACKER_EMAIL): 1,
        ("indicator", "ios.datausage", "critical", "bh"): 1,
        ("indicator", "ios.datausage", "critical", "msgacntd"): 1,
        ("indicator", "ios.osanalytics_addaily", "critical", "msgacntd"): 1,
        ("indicator", "ios.manifest", "critical", "roleaccountd.plist"): 1,
        ("indicator", "ios.sms", "high", "urlpush.net"): 1,
        ("indicator", "ios.whatsapp", "high", "opposedarrangement.net"): 1,
        ("indicator", "ios.safari_history", "high", "free247downloads.com"): 1,
        ("indicator", "ios.safari_browser_state", "high", "free247downloads.com"): 1,
        ("indicator", "ios.webkit_resource_load_statistics", "high", "free247downloads.com"): 1,
        ("heuristic", "ios.safari_history", "medium", "safari_redirect"): 1,
        ("heuristic", "ios.datausage", "high", "datausage_deleted_process"): 1,
        ("heuristic", "ios.datausage", "low", "datausage_pk_gap"): 1,
        # bh and msgacntd: not in the bundled iOS baseline, not an app
        ("heuristic", "ios.datausage", "low", "unknown_process"): 2,
        # iOS 14.6 (18F72): behind security releases of the bundled build table (as of its date)
        ("heuristic", "ios.system_version", "low", "ios_version_outdated"): 1,
        # lookup -23 s, redirect 0 s, bh +6 s, msgacntd +17 s, deleted row +40 s; with indicators
        ("heuristic", "ios.idstatuscache", "critical", "infection_sequence"): 1,
    }
)
#: Without indicators the same heuristics, the chain HIGH (bh 6 s after the redirect).
NO_IOCS = (
    Counter({k: v for k, v in EXPECTED.items() if k[0] == "heuristic"})
    - Counter({("heuristic", "ios.idstatuscache", "critical", "infection_sequence"): 1})
    + Counter({("heuristic", "ios.idstatuscache", "high", "infection_sequence"): 1})
)
CHAIN = (
    "Possible infection sequence (5 events within 1 min 3 s): identity services "
    f"(iMessage/FaceTime) lookup of mailto:{generate.ATTACKER_EMAIL}, 23 s later HTTP redirect "
    f"from {generate.INJECTED_PAGE} to {generate.EXPLOIT_URL} in 3 ms, 6 s later first use of "
    "network by bh (DataUsage), 11 s later first use of network by msgacntd (DataUsage), 23 s "
    "later network usage of deleted process row 56 (DataUsage)"
)


def tree_state(root: Path) -> dict[str, str]:
    """Every file under ``root`` with its SHA-256."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def check(target: Path, out: Path, *extra: str) -> Any:
    return CliRunner().invoke(main, ["check", str(target), "--output", str(out), *extra])


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def key(d: dict[str, Any]) -> tuple[str, str, str, str]:
    label = d["indicator"]["value"] if d["type"] == "indicator" else d["detector"]
    return (d["type"], d["artifact"], d["severity"], label)


@pytest.fixture(scope="module")
def infected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate.write_demo_backup(tmp_path_factory.mktemp("infected") / "backup")


@pytest.fixture(scope="module")
def infected_run(
    infected: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Any, Path, dict[str, str]]:
    before = tree_state(infected)
    out = tmp_path_factory.mktemp("results") / "out"
    result = check(infected, out, "--timeline-csv")
    return result, out, before


def test_infected_exact_detections_and_exit_1(infected_run: Any) -> None:
    result, out, _ = infected_run
    assert result.exit_code == 1, result.output
    detections = read_jsonl(out / "detections.jsonl")
    assert Counter(key(d) for d in detections) == EXPECTED
    assert "Pegasus" in result.output and "DETECTIONS" in result.output


def test_detection_fields_and_evidence(infected_run: Any, infected: Path) -> None:
    _, out, _ = infected_run
    detections = read_jsonl(out / "detections.jsonl")
    run = json.loads((out / "run.json").read_text())
    hashes = {i["device_path"]: i["sha256"] for i in run["inputs"]}
    for d in detections:
        assert {
            "id",
            "type",
            "severity",
            "artifact",
            "ts",
            "message",
            "evidence",
            "record",
        } <= d.keys()
        assert d["evidence"]["sha256"] == hashes[d["evidence"]["path"]]
        assert d["evidence"]["source"] == "ios_backup"
    email = next(d for d in detections if d["artifact"] == "ios.idstatuscache")
    assert email["ts"] == "2021-07-12T09:13:40.120000+00:00"
    assert email["indicator"]["malware"] == ["Pegasus"]
    assert email["indicator"]["kind"] == "email"
    assert email["indicator"]["source"] == "bundled:pegasus/pegasus.stix2"
    assert email["indicator"]["id"].startswith("indicator--")
    visit = next(
        d for d in detections if d["artifact"] == "ios.safari_history" and d["type"] == "indicator"
    )
    assert visit["value"] == generate.EXPLOIT_URL
    assert visit["reason"] == "host of URL is a subdomain of indicator domain free247downloads.com"
    assert visit["evidence"]["path"] == "/private/var/mobile/Library/Safari/History.db"
    assert visit["evidence"]["row"] == visit["record"]["visit_id"]
    redirect = next(d for d in detections if d.get("detector") == "safari_redirect")
    assert redirect["related"][0]["row"] == visit["evidence"]["row"]
    deleted = next(d for d in detections if d.get("detector") == "datausage_deleted_process")
    assert deleted["value"] == str(generate.DELETED_PROCESS_PK)
    # The sha256 in run.json is the real hash of the stored backup file.
    sms_file = file_id("HomeDomain", "Library/SMS/sms.db")
    actual = hashlib.sha256((infected / sms_file[:2] / sms_file).read_bytes()).hexdigest()
    assert hashes["/private/var/mobile/Library/SMS/sms.db"] == actual


def test_evidence_is_untouched(infected_run: Any, infected: Path) -> None:
    _, out, before = infected_run
    assert tree_state(infected) == before  # same files, same bytes: no -wal/-shm, no writes
    run = json.loads((out / "run.json").read_text())
    assert run["evidence_check"]["unchanged"] is True
    assert run["evidence_check"]["inputs_checked"] == len(run["inputs"]) >= 15
    names = {i["device_path"] for i in run["inputs"]}
    assert {"backup:Manifest.db", "backup:Manifest.plist", "backup:Status.plist"} <= names


def test_run_json(infected_run: Any) -> None:
    _, out, _ = infected_run
    run = json.loads((out / "run.json").read_text())
    assert run["output_format_version"] == "2.2" and run["exit_code"] == 1
    assert run["acquisition"]["kind"] == "ios_backup"
    assert run["acquisition"]["os_version"] == "14.6" and run["acquisition"]["encrypted"] is False
    assert len(run["indicators"]["files"]) == 17 and run["indicators"]["total"] > 16_000
    assert run["indicators"]["default_set"] == "bundled"
    assert run["indicators"]["files"][-1]["path"] == "bundled:stalkerware/samples.csv"
    assert all(len(f["sha256"]) == 64 for f in run["indicators"]["files"])
    arts = run["artifacts"]
    assert arts["ios.sms"]["status"] == "ran" and arts["ios.sms"]["records"] == 601
    assert arts["ios.configuration_profiles"]["status"] == "not_present"
    assert all(a["status"] in ("ran", "not_present") for a in arts.values())
    assert run["detections"]["total"] == sum(EXPECTED.values())
    assert run["detections"]["malware"] == {"Pegasus": 10}


def test_records_read_back_and_rehunt(infected_run: Any) -> None:
    """Records from the result folder alone give the same indicator hits (re-hunting)."""
    _, out, _ = infected_run
    types = record_types()
    index = IndicatorIndex.build(load_bundled().indicators)
    hits = Counter()
    total = 0
    files = record_files(out / "records")
    assert files and all(p.suffix == ".parquet" for p in files.values())
    for path in files.values():
        cls = types[path.stem]
        for record, prov in read_records(path, cls):
            total += 1
            assert prov is not None and prov.parser == path.stem
            for m in index.match_record(record):
                hits[(record.TYPE, m.indicator.raw)] += 1
    assert total > 3000
    indicator_hits = Counter({(k[1], k[3]): v for k, v in EXPECTED.items() if k[0] == "indicator"})
    assert hits == indicator_hits


def test_timeline_sorted_with_detections(infected_run: Any) -> None:
    _, out, _ = infected_run
    rows = list(csv.DictReader((out / "timeline.csv").open(encoding="utf-8")))
    stamps = [int(r["timestamp"]) for r in rows]
    assert stamps == sorted(stamps) and len(rows) > 3000
    marked = [r for r in rows if r["timestamp_desc"] == "Detection"]
    # every detection but ios_version_outdated, which has no time (a state, not an event)
    assert len(marked) == sum(EXPECTED.values()) - 1
    injection = [
        r for r in rows if r["artifact"] == "ios.safari_history" and r["detection"] == "high"
    ]
    assert injection and injection[0]["datetime"] == "2021-07-12T09:14:03.123000+00:00"


def test_infected_chain_found_with_and_without_indicators(
    infected_run: Any, infected: Path, tmp_path: Path
) -> None:
    _, out, _ = infected_run
    chains = [
        d for d in read_jsonl(out / "detections.jsonl") if d.get("detector") == "infection_sequence"
    ]
    assert len(chains) == 1 and chains[0]["message"] == CHAIN + (
        f"; indicators in the chain: {generate.ATTACKER_EMAIL}, free247downloads.com, bh, msgacntd"
    )
    assert [s["artifact"] for s in chains[0]["chain"]] == [
        "ios.idstatuscache", "ios.safari_history", "ios.datausage", "ios.datausage",
        "ios.datausage",
    ]  # fmt: skip
    assert chains[0]["value"] == "bh, msgacntd"
    result = check(infected, tmp_path / "out", "--no-bundled-iocs")
    assert result.exit_code == 1, result.output  # the HIGH chain and the deleted process row
    detections = read_jsonl(tmp_path / "out" / "detections.jsonl")
    assert Counter(key(d) for d in detections) == NO_IOCS
    chain = next(d for d in detections if d.get("detector") == "infection_sequence")
    assert chain["message"] == CHAIN and chain["severity"] == "high"
    # record, then the related records in time order
    assert [r["artifact"] for r in chain["related"]] == [
        "ios.safari_history", "ios.safari_history", "ios.datausage", "ios.datausage",
        "ios.datausage",
    ]  # fmt: skip


#: The clean phone runs the same iOS 14.6: its one finding is the LOW note that newer
#: security releases exist (the bundled build table's), which never sets the exit code.
CLEAN = Counter({("heuristic", "ios.system_version", "low", "ios_version_outdated"): 1})


def test_clean_backup_without_indicators_has_only_the_version_note(tmp_path: Path) -> None:
    backup = generate.write_demo_backup(tmp_path / "clean", infected=False)
    result = check(backup, tmp_path / "out", "--no-bundled-iocs")
    assert result.exit_code == 0, result.output
    assert Counter(key(d) for d in read_jsonl(tmp_path / "out" / "detections.jsonl")) == CLEAN


def test_clean_backup_exit_0(tmp_path: Path) -> None:
    backup = generate.write_demo_backup(tmp_path / "clean", infected=False)
    result = check(backup, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert Counter(key(d) for d in read_jsonl(tmp_path / "out" / "detections.jsonl")) == CLEAN
    assert "exit code 0: complete, nothing detected" in result.output
    assert "1 lower-severity finding needs review" in result.output
    assert "cannot prove" in result.output


def test_damaged_artifact_is_reported_and_others_still_run(tmp_path: Path, infected: Path) -> None:
    backup = tmp_path / "backup"
    shutil.copytree(infected, backup)
    sms_file = file_id("HomeDomain", "Library/SMS/sms.db")
    (backup / sms_file[:2] / sms_file).write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    result = check(backup, tmp_path / "out")
    # Both bits: the detections of the other artifacts are not hidden by the damaged one.
    assert result.exit_code == 3, result.output
    assert "exit code 3: detected: 11 indicator matches or serious findings; incomplete: 2 " in (
        result.output
    )
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert run["exit_code"] == 3 and len(run["exit_reasons"]) == 2
    assert run["artifacts"]["ios.sms"]["status"] == "error"
    assert "sms.db" in run["artifacts"]["ios.sms"]["errors"][0]
    detections = read_jsonl(tmp_path / "out" / "detections.jsonl")
    assert Counter(key(d) for d in detections) == EXPECTED - Counter(
        {("indicator", "ios.sms", "high", "urlpush.net"): 1}
    )
    assert "INCOMPLETE" in result.output
    assert "not checked: ios.sms /private/var/mobile/Library/SMS/sms.db: error" in result.output


def test_encrypted_backup_without_password_exit_4(tmp_path: Path, infected: Path) -> None:
    backup = tmp_path / "backup"
    shutil.copytree(infected, backup)
    manifest = plistlib.loads((backup / "Manifest.plist").read_bytes())
    manifest["IsEncrypted"] = True
    (backup / "Manifest.plist").write_bytes(plistlib.dumps(manifest, fmt=plistlib.FMT_BINARY))
    result = check(backup, tmp_path / "out")
    assert result.exit_code == 4
    assert "encrypted" in result.output
    assert not (tmp_path / "out").exists()


def test_not_a_backup_exit_4(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    result = check(tmp_path / "photos", tmp_path / "out")
    assert (
        result.exit_code == 4
        and not (tmp_path / "out").exists()
        and "not an acquisition tracehound knows" in result.output
    )


def test_output_inside_evidence_refused(tmp_path: Path, infected: Path) -> None:
    backup = tmp_path / "backup"
    shutil.copytree(infected, backup)
    before = tree_state(backup)
    result = check(backup, backup / "results")
    assert result.exit_code == 4 and "inside the acquisition" in result.output
    assert tree_state(backup) == before and not (backup / "results").exists()


def test_output_inside_the_given_folder_refused(tmp_path: Path, infected: Path) -> None:
    """PATH may be a folder holding the backup: results may not go inside it either."""
    outer = tmp_path / "case"
    shutil.copytree(infected, outer / "backup")
    result = check(outer, outer / "results")
    assert result.exit_code == 4 and "inside the acquisition" in result.output
    assert sorted(p.name for p in outer.iterdir()) == ["backup"]


def test_existing_results_not_overwritten(tmp_path: Path, infected: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "run.json").write_text("{}")
    result = check(infected, out)
    assert result.exit_code == 4 and "exists and is not empty" in result.output
    assert (out / "run.json").read_text() == "{}"


def test_broken_ioc_file_refused_before_reading_evidence(
    tmp_path: Path, infected: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check without one of the indicator files asked for would read as clean for what
    that file finds: it is refused (exit 4), naming the file, and no evidence is opened."""
    import tracehound.pipeline as pipeline

    opened: list[Path] = []
    monkeypatch.setattr(pipeline, "open_source", lambda path, opts: opened.append(path))
    bad = tmp_path / "bad.stix2"
    bad.write_text("{not json")
    result = check(infected, tmp_path / "out", "--iocs", str(bad))
    assert result.exit_code == 4, result.output
    assert f"{bad}: indicator file cannot be used: invalid JSON" in " ".join(result.output.split())
    assert opened == [] and not (tmp_path / "out").exists()


def test_empty_or_missing_iocs_path_is_an_indicator_file_error(
    tmp_path: Path, infected: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = tmp_path / "missing.stix2"
    for path, error in ((empty, "no indicator file in this folder"), (missing, "no such file")):
        result = check(infected, tmp_path / "out", "--iocs", str(path))
        assert result.exit_code == 4, result.output
        line = " ".join(result.output.split())
        assert f"{path}: indicator file cannot be used: {error}" in line
        assert not (tmp_path / "out").exists()


def test_extra_iocs_only(tmp_path: Path, infected: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--no-bundled-iocs with a custom bundle from $TRACEHOUND_IOCS matches just that indicator."""
    bundle = {
        "type": "bundle",
        "id": "bundle--1",
        "objects": [
            {
                "type": "malware",
                "id": "malware--1",
                "name": "LabTest",
                "is_family": False,
                "spec_version": "2.1",
            },
            {
                "type": "indicator",
                "id": "indicator--1",
                "pattern": "[domain-name:value = 'bbc.co.uk']",
                "pattern_type": "stix",
                "spec_version": "2.1",
            },
            {
                "type": "relationship",
                "id": "relationship--1",
                "relationship_type": "indicates",
                "source_ref": "indicator--1",
                "target_ref": "malware--1",
                "spec_version": "2.1",
            },
        ],
    }
    path = tmp_path / "lab.stix2"
    path.write_text(json.dumps(bundle))
    monkeypatch.setenv("TRACEHOUND_IOCS", str(path))
    result = check(infected, tmp_path / "out", "--no-bundled-iocs")
    assert result.exit_code == 1
    detections = read_jsonl(tmp_path / "out" / "detections.jsonl")
    indicators = [d for d in detections if d["type"] == "indicator"]
    assert indicators and {d["indicator"]["malware"][0] for d in indicators} == {"LabTest"}
    assert {d["artifact"] for d in indicators} >= {
        "ios.safari_history",
        "ios.webkit_resource_load_statistics",
    }


def test_demo_command_refuses_non_empty_dir(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "f").write_text("keep")
    result = CliRunner().invoke(main, ["demo", str(tmp_path / "x")])
    assert result.exit_code == 4 and (tmp_path / "x" / "f").read_text() == "keep"


def test_unexpected_error_is_one_line_exit_4(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tracehound.cli as cli

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli, "run_check", explode)
    monkeypatch.delenv("TRACEHOUND_DEBUG", raising=False)
    result = check(tmp_path, tmp_path / "out", "--quiet")
    assert result.exit_code == 4
    assert "internal error: RuntimeError: a bug" in result.output
    assert "Traceback" not in result.output


def test_full_disk_is_one_clear_line_not_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tracehound.cli as cli

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device", str(tmp_path / "out" / "timeline.csv"))

    monkeypatch.setattr(cli, "run_check", explode)
    monkeypatch.delenv("TRACEHOUND_DEBUG", raising=False)
    result = check(tmp_path, tmp_path / "out", "--quiet")
    assert result.exit_code == 4
    assert result.output.strip().splitlines() == [
        f"error: {tmp_path / 'out' / 'timeline.csv'}: No space left on device; no results "
        "were published"
    ]

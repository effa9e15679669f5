"""The stalkerware source's ioc.yaml and samples.csv become indicators."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tracehound.core.records import AppId, Kind, Record
from tracehound.iocs.bundled import BUNDLED_DIR, load_bundled
from tracehound.iocs.index import IndicatorIndex
from tracehound.iocs.load import load_iocs
from tracehound.iocs.stix import IocKind

YAML = """\
- name: DemoSpy
  type: stalkerware
  packages:
  - com.demo.spy
  - Com.Demo.Helper
  certificates:
  - 31A6ECECD97CF39BC4126B8745CD94A7C30BF81C
  websites:
  - demospy.example
  - https://github.com/someone/demo-spy
  c2:
    domains:
    - c2.demospy.example
    ips:
    - 198.51.100.7
    ip:
    - 198.51.100.8
- name: Broken
  packages: com.not.a.list
- just a string
"""

SAMPLES = """\
SHA256,Package Name,Certificate,Version,App
2f3bc9ebe8c249f0416f5b0367f34b4b8f6aaa7d351dc5b4912fe2558491b6b7,com.demo.spy,31A6ECECD97CF39BC4126B8745CD94A7C30BF81C,9,DemoSpy
6977e6e1050aa884ebc4732859c9c239218847ddd492a86dfdc19fbc3748a109,com.demo.spy,31A6ECECD97CF39BC4126B8745CD94A7C30BF81C,10,DemoSpy
nothex,com.other,,1,Other
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class App(Record):
    TYPE = "test.app"
    TS_DESC = "none"
    package: AppId


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_ioc_yaml(tmp_path: Path) -> None:
    iocs = load_iocs([write(tmp_path, "ioc.yaml", YAML)])
    by_kind: dict[IocKind, set[str]] = {}
    for ind in iocs.indicators:
        by_kind.setdefault(ind.kind, set()).add(ind.value)
        assert ind.malware == ("DemoSpy",) and ind.id.startswith("indicator--")
    assert by_kind[IocKind.APP_ID] == {"com.demo.spy", "com.demo.helper"}
    assert by_kind[IocKind.CERT_HASH] == {"31a6ececd97cf39bc4126b8745cd94a7c30bf81c"}
    assert by_kind[IocKind.DOMAIN] == {"demospy.example", "c2.demospy.example"}
    assert by_kind[IocKind.IP] == {"198.51.100.7", "198.51.100.8"}
    # A page on a shared host is a URL indicator: github.com itself must not become one.
    assert by_kind[IocKind.URL] == {"https://github.com/someone/demo-spy"}
    assert iocs.warning_count == 2  # "Broken" packages not a list; a string entry
    assert iocs.files[0].counts == {"app_id": 2, "cert_hash": 1, "domain": 2, "ip": 2, "url": 1}


def test_ids_are_stable(tmp_path: Path) -> None:
    path = write(tmp_path, "ioc.yaml", YAML)
    first = [i.id for i in load_iocs([path]).indicators]
    assert first == [i.id for i in load_iocs([path]).indicators]
    assert len(set(first)) == len(first)


def test_samples_csv_deduplicates(tmp_path: Path) -> None:
    iocs = load_iocs([write(tmp_path, "samples.csv", SAMPLES)])
    kinds = sorted((i.kind.value, i.value[:12]) for i in iocs.indicators)
    assert kinds == [
        ("app_id", "com.demo.spy"),
        ("app_id", "com.other"),
        ("cert_hash", "31a6ececd97c"),
        ("file_hash", "2f3bc9ebe8c2"),
        ("file_hash", "6977e6e1050a"),
    ]
    assert iocs.warning_count == 1  # "nothex" is not a hash


@pytest.mark.parametrize(
    ("name", "text", "error"),
    [
        ("ioc.yaml", "a: [", "invalid YAML"),
        ("ioc.yaml", "a: 1\n", "expected a list of apps"),
        ("samples.csv", "x,y\n1,2\n", "header needs"),
    ],
)
def test_broken_files_are_recorded(tmp_path: Path, name: str, text: str, error: str) -> None:
    iocs = load_iocs([write(tmp_path, name, text)])
    assert iocs.indicators == []
    assert iocs.files[0].error is not None and error in iocs.files[0].error


def test_bundled_stalkerware_files_load_and_match_once() -> None:
    iocs = load_bundled()
    names = [f.path for f in iocs.files]
    assert "bundled:stalkerware/ioc.yaml" in names and "bundled:stalkerware/samples.csv" in names
    assert (BUNDLED_DIR / "stalkerware" / "LICENSE.txt").is_file()
    index = IndicatorIndex.build(iocs.indicators)
    # Listed by stalkerware.stix2 and ioc.yaml for the same app: one match per malware.
    matches = index.match_record(App(ts=None, package="com.thetruth"))
    assert [m.indicator.malware for m in matches] == [("TheTruthSpy",)]
    assert index.match_value(Kind.APP_ID, "com.thetruth")  # both files list it

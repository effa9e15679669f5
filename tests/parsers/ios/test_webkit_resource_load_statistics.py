from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.ios import webkit_resource_load_statistics as rls
from tracehound.parsers.ios.webkit_resource_load_statistics import container_of

T0 = datetime(2021, 10, 18, 12, 30, 50, tzinfo=UTC)
U0 = T0.timestamp()
SAFARI = (
    "/private/var/mobile/Containers/Data/Application/com.apple.mobilesafari"
    "/Library/WebKit/WebsiteData/ResourceLoadStatistics/observations.db"
)


def _write(path: Path, modern: bool = True) -> Path:
    rls.write(
        path,
        [
            {
                "domainID": 1,
                "registrableDomain": "example.com",
                "lastSeen": U0,
                "hadUserInteraction": 1,
                "mostRecentUserInteractionTime": U0 - 220.5,
            },
            {
                "domainID": 2,
                "registrableDomain": "tracker.example",
                "lastSeen": U0 + 1,
                "isPrevalent": 1,
                "mostRecentUserInteractionTime": -1.0,
            },
            {"domainID": 3, "registrableDomain": "free247downloads.example", "lastSeen": U0 + 2},
        ],
        redirects=[(1, 3), (2, 3)],
        modern=modern,
    )
    return path


@pytest.mark.parametrize("modern", [True, False])
def test_good(tmp_path: Path, parse, modern: bool) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse(
        "ios.webkit_resource_load_statistics", _write(tmp_path / "observations.db", modern), SAFARI
    )
    assert ctx.warnings == 0
    assert [r.domain for r in records] == [
        "example.com",
        "tracker.example",
        "free247downloads.example",
    ]
    first, tracker, exploit = records
    assert first.ts == T0 and first.row == 1 and first.domain_id == 1
    assert first.had_user_interaction is True
    assert first.last_interaction == datetime(2021, 10, 18, 12, 27, 9, 500000, tzinfo=UTC)
    assert first.redirects_to == ("free247downloads.example",) and first.redirects_from == ()
    assert tracker.is_prevalent is True and tracker.last_interaction is None
    assert tracker.had_user_interaction is False
    assert exploit.redirects_from == ("example.com", "tracker.example")
    assert exploit.ts == datetime(2021, 10, 18, 12, 30, 52, tzinfo=UTC)
    assert first.app == "com.apple.mobilesafari"
    assert (
        first.container == "/private/var/mobile/Containers/Data/Application/com.apple.mobilesafari"
    )


def test_minimal_old_table(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "observations.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE ObservedDomains (domainID INTEGER PRIMARY KEY, registrableDomain TEXT,"
        " lastSeen REAL, hadUserInteraction INTEGER);"
        f"INSERT INTO ObservedDomains VALUES (4, 'old.example', {U0}, 0);"
    )
    conn.close()
    records, ctx = parse("ios.webkit_resource_load_statistics", path)
    assert ctx.warnings == 0 and len(records) == 1
    assert records[0].domain == "old.example" and records[0].ts == T0
    assert records[0].is_prevalent is None and records[0].redirects_to == ()


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "observations.db"
    rls.write(
        path,
        [
            {"domainID": 1, "registrableDomain": b"\xff", "lastSeen": "soon"},
            {
                "domainID": 2,
                "registrableDomain": "ok.example",
                "lastSeen": 1e300,
                "mostRecentUserInteractionTime": "x",
            },
        ],
    )
    records, ctx = parse("ios.webkit_resource_load_statistics", path)
    assert len(records) == 2
    assert records[0].domain is None and records[0].ts is None
    assert records[1].domain == "ok.example" and records[1].ts is None
    assert records[1].last_interaction is None
    assert ctx.warnings == 4


def test_container_of() -> None:
    assert container_of(SAFARI) == (
        "/private/var/mobile/Containers/Data/Application/com.apple.mobilesafari",
        "com.apple.mobilesafari",
    )
    svc = (
        "/private/var/mobile/Containers/Data/Application/0A1B2C3D-1111-2222-3333-444455556666"
        "/SystemData/com.apple.SafariViewService/Library/WebKit/WebsiteData/observations.db"
    )
    assert container_of(svc)[1] == "0A1B2C3D-1111-2222-3333-444455556666"
    assert container_of(svc)[0] is not None and container_of(svc)[0].endswith(  # type: ignore[union-attr]
        "/SystemData/com.apple.SafariViewService"
    )
    home = "/private/var/mobile/Library/WebKit/WebsiteData/ResourceLoadStatistics/observations.db"
    assert container_of(home) == ("/private/var/mobile", None)


def test_missing_table_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "observations.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE ObservedDomains (domainID INTEGER PRIMARY KEY, registrableDomain TEXT)"
    )
    conn.close()
    with pytest.raises(SchemaMismatch, match=r"column ObservedDomains\.lastSeen"):
        parse("ios.webkit_resource_load_statistics", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "observations.db"
    path.write_bytes(b"")
    with pytest.raises(InputError):
        parse("ios.webkit_resource_load_statistics", path)

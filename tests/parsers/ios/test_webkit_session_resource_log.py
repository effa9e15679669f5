from __future__ import annotations

import plistlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.ios import webkit_session_resource_log as wk

T0 = datetime(2020, 1, 29, 17, 2, 11, 250000, tzinfo=UTC)
SAFARI = (
    "/private/var/mobile/Containers/Data/Application/com.apple.mobilesafari/Library/WebKit"
    "/WebsiteData/ResourceLoadStatistics/full_browsing_session_resourceLog.plist"
)


def _stats() -> list[wk.DomainStats]:
    return [
        wk.DomainStats(
            domain="yahoo.fr",
            last_seen=T0,
            had_user_interaction=True,
            last_interaction=datetime(2020, 1, 29, 17, 2, 10, tzinfo=UTC),
            redirects_to=["free247downloads.example"],
            subresource_under=["news.example", "news.example"],
        ),
        wk.DomainStats(
            domain="free247downloads.example",
            last_seen=datetime(2020, 1, 29, 17, 2, 12, tzinfo=UTC),
            redirects_from=["yahoo.fr"],
            subframe_under=["a.example"],
            subresource_redirects_to=["cdn.example"],
            subresource_redirects_from=["b.example"],
            prevalent=True,
        ),
    ]


@pytest.mark.parametrize("old_style", [False, True])
def test_good(tmp_path: Path, parse, old_style: bool) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "full_browsing_session_resourceLog.plist"
    wk.write(path, _stats(), old_style=old_style, operating_dates=[T0])
    assert path.read_bytes().startswith(b"bplist00")
    records, ctx = parse("ios.webkit_session_resource_log", path, SAFARI)
    assert ctx.warnings == 0 and len(records) == 2
    yahoo, exploit = records
    assert yahoo.origin == "yahoo.fr" and yahoo.ts == T0
    assert yahoo.had_user_interaction is True
    assert yahoo.last_interaction == datetime(2020, 1, 29, 17, 2, 10, tzinfo=UTC)
    assert yahoo.redirects_to == ("free247downloads.example",) and yahoo.redirects_from == ()
    assert yahoo.subresource_origins == ("news.example",) and yahoo.is_prevalent is False
    assert exploit.origin == "free247downloads.example"
    assert exploit.ts == datetime(2020, 1, 29, 17, 2, 12, tzinfo=UTC)
    assert exploit.last_interaction is None and exploit.is_prevalent is True
    assert exploit.redirects_from == ("yahoo.fr",) and exploit.subframe_origins == ("a.example",)
    assert exploit.subresource_redirects_to == ("cdn.example",)
    assert exploit.subresource_redirects_from == ("b.example",)
    assert exploit.app == "com.apple.mobilesafari"


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "full_browsing_session_resourceLog.plist"
    wk.write(
        path,
        [
            "not a dict",
            {
                "PrevalentResourceOrigin": 5,
                "lastSeen": "yesterday",
                "topFrameUniqueRedirectsTo": [{"origin": "ok.example", "count": 1}, {"count": 2}],
            },
            {
                "PrevalentResourceDomain": "fine.example",
                "lastSeen": 1e300,
                "subframeUnderTopFrameOrigins": {"domain": "x"},
                "mostRecentUserInteraction": datetime(2020, 1, 1),
            },
        ],  # type: ignore[list-item]
    )
    records, ctx = parse("ios.webkit_session_resource_log", path)
    assert len(records) == 2
    assert records[0].origin is None and records[0].ts is None
    assert records[0].redirects_to == ("ok.example",)
    assert records[1].origin == "fine.example" and records[1].ts is None
    assert records[1].subframe_origins == ()
    assert records[1].last_interaction == datetime(2020, 1, 1, tzinfo=UTC)
    # not a dict, origin not text, bad lastSeen, redirect without domain, huge lastSeen, not a list
    assert ctx.warnings == 6


def test_missing_key_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "full_browsing_session_resourceLog.plist"
    path.write_bytes(plistlib.dumps({"version": 1}, fmt=plistlib.FMT_BINARY))
    with pytest.raises(SchemaMismatch, match="browsingStatistics"):
        parse("ios.webkit_session_resource_log", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "full_browsing_session_resourceLog.plist"
    path.write_bytes(b"bplist00" + b"\xff" * 30)
    with pytest.raises(InputError):
        parse("ios.webkit_session_resource_log", path)

from __future__ import annotations

from datetime import UTC, datetime

from tracehound.core.records import Provenance
from tracehound.core.registry import Severity
from tracehound.detectors.idstatuscache_nulls import IdStatusCacheNulls
from tracehound.parsers.ios.idstatuscache import IdStatusLookup

T0 = datetime(2020, 7, 10, 6, 15, 30, tzinfo=UTC)
PROV = Provenance(
    source="ios_backup",
    path="/private/var/mobile/Library/Preferences/com.apple.identityservices.idstatuscache.plist",
    sha256=None,
    parser="ios.idstatuscache",
    parser_version="1",
)


def lookup(user: str) -> IdStatusLookup:
    return IdStatusLookup(
        ts=T0,
        service="com.apple.madrid",
        user=user,
        email=None,
        phone=None,
        id_status=1,
        from_user=None,
        occurrences=1,
    )


def run(record: IdStatusLookup) -> list:  # type: ignore[type-arg]
    return list(IdStatusCacheNulls().feed(record, PROV))


def test_double_nul_is_high() -> None:
    findings = run(lookup("mailto:a\x00\x00b@example.com"))
    assert len(findings) == 1
    assert findings[0].severity is Severity.HIGH and findings[0].ts == T0
    assert findings[0].value == "mailto:a\\x00\\x00b@example.com"
    # the escaped spelling MVT writes is matched too
    assert len(run(lookup("mailto:a\\x00\\x00b@example.com"))) == 1


def test_negative_cases() -> None:
    assert run(lookup("mailto:a@example.com")) == []
    assert run(lookup("tel:+1555\x00123")) == []
    assert run(lookup("mailto:a\\x00b@example.com")) == []

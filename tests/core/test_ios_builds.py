"""The bundled iOS build table and its look-ups."""

from __future__ import annotations

import json
from datetime import date

from tracehound.core.ios_builds import TABLE_PATH, BuildTable, bundled_table, version_key


def test_version_key_compares_only_dotted_numbers() -> None:
    assert version_key("14.6") == (14, 6) == version_key("14.6.0")
    assert version_key(" 26.6.1 ") == (26, 6, 1)
    assert version_key(None) is None and version_key("14.6 beta") is None
    assert version_key("") is None and version_key("iPhone OS 14.6") is None


def test_bundled_table_facts() -> None:
    table = bundled_table()
    assert table.built == date(2026, 12, 2)
    demo = table.find("18f72")
    assert demo is not None and (demo.version, demo.released) == ("14.6", date(2021, 5, 24))
    assert demo.security is None  # no source tells for releases before iOS 16
    top = table.newest()
    assert (top.version, top.build, top.released) == ("26.6.1", "23G83", date(2026, 8, 17))
    assert top.security is True and top.cves == 29
    assert top.advisory == "https://support.apple.com/en-us/148282"
    assert table.label() == (
        "table built 2026-12-02 (338 builds, newest iOS 26.6.1 (23G83) of 2026-08-17)"
    )


def test_newer_than_gives_one_release_per_version() -> None:
    newer = bundled_table().newer_than("26.5")
    assert [r.version for r in newer] == ["26.5.1", "26.5.2", "26.6", "26.6.1"]
    assert bundled_table().newer_than("26.6.1") == []
    assert bundled_table().newer_than("27.0") == []
    assert bundled_table().newer_than("unknown") == []


def test_table_records_its_sources() -> None:
    data = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    assert set(data["sources"]) == {"mvt", "sofa", "cfw"}
    assert data["sources"]["mvt"]["license"] == "MVT License 1.1"
    assert (TABLE_PATH.parent / "SOURCES.md").is_file()


def test_bad_rows_are_skipped() -> None:
    table = BuildTable.from_json(
        {
            "built": "2026-01-01",
            "builds": [
                {"build": "1A1", "version": "1.0", "released": "2007-06-29"},
                {"build": 5, "version": "2.0"},
                {"build": "X", "version": "beta"},
                "nonsense",
            ],
        }
    )
    assert [r.build for r in table.releases] == ["1A1"]

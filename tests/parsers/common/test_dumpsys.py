from __future__ import annotations

from datetime import UTC, datetime

from tracehound.core.context import ParseContext
from tracehound.demo.android.dumpsys import render_dumpstate, render_dumpsys
from tracehound.parsers.common.dumpsys import (
    DeviceClock,
    find_sections,
    full_component,
    package_of_component,
    resolver_table,
    sections,
)

SECTIONS = {
    "accessibility": "ACCESSIBILITY MANAGER (dumpsys accessibility)\n\ncurrentUserId=0\n",
    "appops": "Current AppOps Service state:\n  Uid 1000:\n    state=pers\n",
    "package": "Packages:\n  Package [com.example.app] (1a2b3c4):\n    userId=10100\n",
}


def ctx(device: dict[str, object] | None = None) -> ParseContext:
    return ParseContext(artifact="test", path="androidqf:dumpsys.txt", device=device or {})


def test_androidqf_layout() -> None:
    text = render_dumpsys(SECTIONS, ending_at=datetime(2024, 3, 5, 14, 30)).decode()
    assert text.startswith("Currently running services:\n  accessibility\n")
    found = dict(sections(text))
    assert found == SECTIONS  # headers, separators and footers are not part of a section
    listed = list(find_sections(text))
    assert [s.name for s in listed] == ["accessibility", "appops", "package"]
    assert all(s.priority == "" and s.ended_at == "2024-03-05 14:30:00" for s in listed)
    assert text[listed[1].start : listed[1].end] == SECTIONS["appops"]


def test_only_requested_services_are_copied() -> None:
    text = render_dumpsys(SECTIONS).decode()
    assert list(sections(text, ("appops",))) == [("appops", SECTIONS["appops"])]
    assert list(sections(text, ("batterystats",))) == []


def test_dumpstate_layout_with_priorities() -> None:
    data = render_dumpstate(
        {"package": SECTIONS["package"]},
        {"ro.build.fingerprint": "google/demo/demo:14/AP1A/1:user/release-keys"},
        critical={"SurfaceFlinger": "Display 0 (HWC display 0): port=0\n"},
    )
    text = data.decode()
    assert "------ DUMPSYS CRITICAL (/system/bin/dumpsys) ------" in text
    assert "DUMP OF SERVICE CRITICAL SurfaceFlinger:" in text
    assert "[ro.build.fingerprint]: [google/demo/demo:14/AP1A/1:user/release-keys]" in text
    listed = {s.name: s for s in find_sections(text)}
    assert listed["SurfaceFlinger"].priority == "CRITICAL"
    assert listed["package"].priority == ""
    assert dict(sections(text, ("package",))) == {"package": SECTIONS["package"]}
    assert list(sections(text, priorities=("CRITICAL",))) == [
        ("SurfaceFlinger", "Display 0 (HWC display 0): port=0\n")
    ]
    # The section stops at its footer: the end of the dumpstate is not part of it.
    assert "dumpstate: done" not in listed["package"].body(text)


def test_sections_without_footer_and_crlf() -> None:
    # Layout of MVT's androidqf test fixture: no footer after some sections.
    text = (
        "some text\r\n\r\nDUMP OF SERVICE accessibility:\r\nline a\r\n"
        "-------------------------------------------------------------------------------\r\n"
        "DUMP OF SERVICE dbinfo:\r\nline b\r\n"
    )
    found = dict(sections(text))
    assert found["accessibility"] == "line a\r\n"
    assert found["dbinfo"] == "line b\r\n"
    assert [s.ended_at for s in find_sections(text)] == [None, None]


def test_header_lookalikes_are_not_sections() -> None:
    text = "  DUMP OF SERVICE package: (indented)\nxDUMP OF SERVICE a:\nnothing here\n"
    assert list(find_sections(text)) == []
    assert list(sections("")) == []


def test_device_clock() -> None:
    rome = ctx({"timezone": "Europe/Rome"})
    clock = DeviceClock(rome)
    assert clock.parse("2024-03-05 14:30:00.054") == datetime(2024, 3, 5, 13, 30, 0, 54000, UTC)
    assert clock.parse("2024-07-05-14-30-00") == datetime(2024, 7, 5, 12, 30, tzinfo=UTC)
    assert clock.parse("2024-02-30 10:00:00") is None
    assert clock.parse("yesterday") is None
    assert rome.warnings == 2
    unknown = ctx()
    clock = DeviceClock(unknown)
    assert clock.parse("2024-03-05 14:30:00") == datetime(2024, 3, 5, 14, 30, tzinfo=UTC)
    assert clock.parse("2024-03-05 15:30:00") == datetime(2024, 3, 5, 15, 30, tzinfo=UTC)
    assert unknown.warnings == 1 and "time zone unknown" in unknown.messages[0]


def test_device_clock_out_of_range_is_a_warning() -> None:
    """Found by tests/fuzz: year 1 in a zone east of Greenwich raised OverflowError."""
    rome = ctx({"timezone": "Europe/Rome"})
    assert DeviceClock(rome).parse("0001-01-01 00:00:00") is None
    assert rome.warnings == 1 and "out of range" in rome.messages[0]


def test_components() -> None:
    assert full_component("com.a.b/.Svc") == "com.a.b/com.a.b.Svc"
    assert full_component("com.a.b/org.x.Svc") == "com.a.b/org.x.Svc"
    assert package_of_component("com.a.b/.Svc") == "com.a.b"
    assert package_of_component("android/.Svc") is None


def test_resolver_table_and_bad_entries() -> None:
    body = (
        "Activity Resolver Table:\n  Non-Data Actions:\n      android.intent.action.MAIN:\n"
        "        5c3a2e1 com.example.app/.Main filter 8b1a3c2\n"
        '          Action: "android.intent.action.MAIN"\n'
        "        garbage\n\n  Schemes:\n      https:\n        1a2b3c4 org.example.browser/.Open\n"
        "\nReceiver Resolver Table:\n  Non-Data Actions:\n      x:\n        1 a.b/.C\n"
    )
    c = ctx()
    rows = list(resolver_table(body, "Activity Resolver Table:", c))
    assert rows == [
        ("Non-Data Actions", "android.intent.action.MAIN", "com.example.app/.Main"),
        ("Schemes", "https", "org.example.browser/.Open"),
    ]
    assert c.warnings == 1  # "garbage"; the deeper filter detail line is skipped silently
    assert list(resolver_table(body, "Service Resolver Table:", c)) == []

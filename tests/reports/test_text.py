from __future__ import annotations

from tracehound.reports.text import printable


def test_printable_makes_controls_visible() -> None:
    assert printable("plain text, é, 中文") == "plain text, é, 中文"
    assert printable("\x1b[2J\x1b]0;owned\x07") == "\\u{001b}[2J\\u{001b}]0;owned\\u{0007}"
    assert printable("invoice\u202egpj.exe") == "invoice\\u{202e}gpj.exe"
    assert printable("a\nb\u2028c") == "a\\u{000a}b\\u{2028}c"


def test_counted_and_noun() -> None:
    from tracehound.reports.text import counted, noun

    assert [counted(n, "detection") for n in (0, 1, 2, 12345)] == [
        "0 detections",
        "1 detection",
        "2 detections",
        "12,345 detections",
    ]
    assert counted(1, "indicator match", "indicator matches") == "1 indicator match"
    assert counted(3, "indicator match", "indicator matches") == "3 indicator matches"
    assert (noun(1, "hour"), noun(1.5, "hour"), noun(1.0, "hour")) == ("hour", "hours", "hour")

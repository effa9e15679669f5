from __future__ import annotations

from tracehound.reports.text import printable


def test_printable_makes_controls_visible() -> None:
    assert printable("plain text, é, 中文") == "plain text, é, 中文"
    assert printable("\x1b[2J\x1b]0;owned\x07") == "\\u{001b}[2J\\u{001b}]0;owned\\u{0007}"
    assert printable("invoice\u202egpj.exe") == "invoice\\u{202e}gpj.exe"
    assert printable("a\nb\u2028c") == "a\\u{000a}b\\u{2028}c"

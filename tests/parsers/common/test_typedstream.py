from __future__ import annotations

import pytest

from tracehound.parsers.common.typedstream import archive_text, attributed_text


@pytest.mark.parametrize(
    "text", ["hi", "x" * 127, "y" * 128, "é" * 40000, "link https://a.example/?q=1"]
)
def test_round_trip_all_length_forms(text: str) -> None:
    assert attributed_text(archive_text(text)) == text


def test_not_a_typedstream() -> None:
    assert attributed_text(b"bplist00\x00") is None
    assert attributed_text(b"") is None
    assert attributed_text(b"\x04\x0bstreamtyped no string here") is None


def test_truncated_or_hostile_lengths() -> None:
    blob = archive_text("hello world")
    assert attributed_text(blob[: blob.find(b"hello") + 3]) is None  # length runs past the end
    huge = blob.replace(b"\x01\x2b\x0b", b"\x01\x2b\x82\xff\xff\xff\x7f")
    assert attributed_text(huge) is None
    odd = blob.replace(b"\x01\x2b\x0b", b"\x01\x2b\x83")
    assert attributed_text(odd) is None

"""The plain text of an NSAttributedString archived as a NeXT/Apple ``typedstream``.

Since iOS 16 Messages often leaves ``message.text`` NULL and keeps the body only in
``message.attributedBody``, an NSArchiver typedstream (header ``\\x04\\x0bstreamtyped``). Facts
(public reverse-engineering of the format, e.g. the documentation of open-source iMessage
exporters): the string data follows the class name ``NSString``, then the bytes ``0x01 0x2B``
(``+``: "C string follows"), then a length: one byte below 0x80, or ``0x81`` + 2 bytes, or
``0x82`` + 4 bytes, little-endian; then that many bytes of UTF-8.
"""

from __future__ import annotations

_HEADER = b"streamtyped"
_MARKER = b"NSString"
_STRING_START = b"\x01\x2b"
#: How far after the class name the string may start (class version and references between).
_SEARCH_WINDOW = 16
#: Longest body accepted; anything larger is a damaged or hostile length field.
MAX_TEXT_BYTES = 1 << 20


def attributed_text(blob: bytes) -> str | None:
    """The string of an archived NSAttributedString, or None if ``blob`` is not one."""
    if not isinstance(blob, bytes | bytearray) or _HEADER not in blob[:16]:
        return None
    at = blob.find(_MARKER)
    if at < 0:
        return None
    start = blob.find(_STRING_START, at + len(_MARKER), at + len(_MARKER) + _SEARCH_WINDOW)
    if start < 0:
        return None
    pos = start + len(_STRING_START)
    if pos >= len(blob):
        return None
    length, pos = _length(blob, pos)
    if length is None or length > MAX_TEXT_BYTES or pos + length > len(blob):
        return None
    return bytes(blob[pos : pos + length]).decode("utf-8", errors="replace")


def _length(blob: bytes, pos: int) -> tuple[int | None, int]:
    first = blob[pos]
    if first < 0x80:
        return first, pos + 1
    size = {0x81: 2, 0x82: 4}.get(first)
    if size is None or pos + 1 + size > len(blob):
        return None, pos
    return int.from_bytes(blob[pos + 1 : pos + 1 + size], "little"), pos + 1 + size


def archive_text(text: str) -> bytes:
    """A minimal typedstream NSAttributedString holding ``text`` (demo and test fixtures)."""
    data = text.encode("utf-8")
    if len(data) < 0x80:
        length = bytes([len(data)])
    elif len(data) < 0x10000:
        length = b"\x81" + len(data).to_bytes(2, "little")
    else:
        length = b"\x82" + len(data).to_bytes(4, "little")
    return (
        b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x12NSAttributedString\x00"
        b"\x84\x84\x08NSObject\x00\x85\x92\x84\x84\x84\x08NSString\x01\x94\x84\x01\x2b"
        + length
        + data
        + b"\x86\x84\x02iI\x01\x05\x92\x84\x84\x84\x0cNSDictionary\x00\x94\x84\x01i\x00\x86\x86"
    )

"""A small reader of the protobuf wire format (no artifact is registered here).

Facts (protobuf "Encoding" documentation, developers.google.com/protocol-buffers/docs/encoding):
a message is a sequence of records ``tag value`` where ``tag`` is a varint
``(field_number << 3) | wire_type``; wire types are 0 VARINT (up to 10 bytes, 7 bits each, low
groups first), 1 I64 (8 bytes little endian), 2 LEN (a varint length, then that many bytes:
strings, bytes, embedded messages, packed repeated fields), 3 SGROUP and 4 EGROUP (deprecated
groups) and 5 I32 (4 bytes). Negative ``int32``/``int64`` values are written as 10-byte varints
(two's complement on 64 bits). Unknown fields are skipped; for a scalar field seen twice the last
value wins. A ``map<K, V>`` field is a repeated LEN field whose entries are messages with the key
as field 1 and the value as field 2.

Lengths are checked against what is left of the buffer, so a damaged file raises ProtoError
instead of allocating memory; slices are memoryviews (no copy).
"""

from __future__ import annotations

from collections.abc import Iterator

VARINT, I64, LEN, SGROUP, EGROUP, I32 = 0, 1, 2, 3, 4, 5
_MAX_VARINT_BYTES = 10
_MAX_FIELD = (1 << 29) - 1

#: A field's value: an integer (VARINT, I64, I32) or the bytes of a LEN field.
Value = int | memoryview


class ProtoError(ValueError):
    """The bytes are not a well-formed protobuf message."""


def _varint(data: memoryview, pos: int) -> tuple[int, int]:
    result = 0
    for index in range(_MAX_VARINT_BYTES):
        if pos + index >= len(data):
            raise ProtoError(f"varint cut at byte {pos + index}")
        byte = data[pos + index]
        result |= (byte & 0x7F) << (7 * index)
        if byte < 0x80:
            return result & 0xFFFF_FFFF_FFFF_FFFF, pos + index + 1
    raise ProtoError(f"varint longer than {_MAX_VARINT_BYTES} bytes at byte {pos}")


def fields(data: bytes | memoryview) -> Iterator[tuple[int, int, Value]]:
    """Yield ``(field number, wire type, value)`` for every field of one message, in order."""
    view = memoryview(data).cast("B") if not isinstance(data, memoryview) else data
    pos = 0
    end = len(view)
    while pos < end:
        start = pos
        tag, pos = _varint(view, pos)
        number, wire = tag >> 3, tag & 7
        if number == 0 or number > _MAX_FIELD:
            raise ProtoError(f"invalid field number {number} at byte {start}")
        if wire == VARINT:
            value, pos = _varint(view, pos)
            yield number, wire, value
        elif wire == LEN:
            size, pos = _varint(view, pos)
            if size > end - pos:
                raise ProtoError(f"field {number} at byte {start}: length {size} beyond the end")
            yield number, wire, view[pos : pos + size]
            pos += size
        elif wire in (I64, I32):
            width = 8 if wire == I64 else 4
            if width > end - pos:
                raise ProtoError(f"field {number} at byte {start}: cut fixed-width value")
            yield number, wire, int.from_bytes(view[pos : pos + width], "little")
            pos += width
        else:
            raise ProtoError(f"field {number} at byte {start}: unsupported wire type {wire}")


def signed(value: int, bits: int = 64) -> int:
    """A varint read as a two's complement ``int32``/``int64``."""
    value &= (1 << 64) - 1
    if value >= 1 << 63:
        value -= 1 << 64
    if bits == 32:
        value = (value + (1 << 31)) % (1 << 32) - (1 << 31)
    return value


def text(value: memoryview) -> str:
    """A ``string`` field (UTF-8; undecodable bytes replaced)."""
    return bytes(value).decode("utf-8", errors="replace")

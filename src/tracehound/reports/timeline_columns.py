"""The timeline rows of a batch of records, built on its Arrow columns instead of row by row.

Each time column of the record (``ts`` and the declaration's ``EXTRA_TIMES``) gives one
``timeline.csv`` row per record where it is set. The message is the record's ``describe()``
text (``name=value`` for every non-empty field but ``ts`` and ``row``, a list's first five
values, at most 1,000 characters), neutralised for spreadsheets and quoted as ``csv`` does; the
line is the same, byte for byte, as ``TimelineWriter.add_record`` writes, and a test compares
them. Values a column cannot show exactly as Python prints them (doubles, lists of times, rows
whose values went to ``_extra``) are formatted in Python, so only those cost a step per row.

With ``jsonl=True`` each staged row also carries its Timesketch JSON line (``timeline_json``),
built here on the columns too and equal, byte for byte, to the one the row writer builds: text
without a character JSON escapes is only quoted, the rest (rare) goes through ``json.dumps``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

from tracehound.core.records import Record, field_names
from tracehound.reports.timeline import _KEY_OFFSET, _KEY_WIDTH, _csv_text, safe_cell
from tracehound.reports.timeline_json import (
    LENGTH_WIDTH,
    field_key,
    json_field_names,
    json_text,
    json_value,
)

#: ``safe_cell``'s rule: a cell starting with one of these gets a leading quote.
_FORMULA = r"^[=+\-@\t\r\n]"
_NEEDS_QUOTES = r'[",\r\n]'
#: Characters ``json.dumps`` escapes (RFC 8259, section 7: the quote, the backslash and the
#: control characters U+0000 to U+001F); text without them is its own JSON string, quoted.
_JSON_ESCAPED = r'["\\\x00-\x1f]'


def _iso(times: pa.Array) -> pa.Array:
    """ISO 8601 text of UTC times as ``iso_text`` writes it: microseconds only when not 0.
    The times are cast as wall-clock UTC first: Arrow formats a zoned time through the time
    zone database, 35 times slower than a plain one (measured, pyarrow 26)."""
    plain = pc.cast(
        pc.cast(times, pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us")), pa.string()
    )
    plain = pc.replace_substring(plain, pattern=" ", replacement="T", max_replacements=1)
    whole = pc.ends_with(plain, ".000000")
    plain = pc.if_else(whole, pc.utf8_slice_codeunits(plain, 0, len("YYYY-MM-DDTHH:MM:SS")), plain)
    return pc.binary_join_element_wise(plain, "+00:00", "")


def _part(name: str, column: pa.Array) -> pa.Array:
    """``name=value`` per row, null where ``describe`` shows nothing for the field."""
    kind = column.type
    prefix = f"{name}="
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        shown = pc.and_(pc.is_valid(column), pc.not_equal(pc.utf8_length(column), 0))
        return pc.if_else(shown, pc.binary_join_element_wise(prefix, column, ""), None)
    if pa.types.is_integer(kind):
        return pc.binary_join_element_wise(prefix, pc.cast(column, pa.string()), "")
    if pa.types.is_boolean(kind):
        return pc.if_else(column, f"{prefix}True", f"{prefix}False")
    if pa.types.is_timestamp(kind):
        return pc.binary_join_element_wise(prefix, _iso(column), "")
    if pa.types.is_list(kind) and pa.types.is_string(kind.value_type):
        joined = pc.binary_join(pc.list_slice(column, 0, 5), ", ")
        more = pc.greater(pc.list_value_length(column), 5)
        joined = pc.if_else(more, pc.binary_join_element_wise(joined, " ...", ""), joined)
        shown = pc.greater(pc.list_value_length(column), 0)
        return pc.if_else(shown, pc.binary_join_element_wise(prefix, joined, ""), None)
    # Doubles (Python's repr is not Arrow's) and lists of other values: as Python prints them.
    values = column.to_pylist()
    return pa.array([None if _empty(v) else f"{prefix}{_shown(v)}" for v in values], pa.string())


def _empty(value: object) -> bool:
    return value is None or value == () or value == [] or value == ""


def _shown(value: object) -> str:
    if isinstance(value, list | tuple):
        text = ", ".join(str(v) for v in value[:5])
        return f"{text}{' ...' if len(value) > 5 else ''}"
    return str(value)


def _cell(text: pa.Array) -> pa.Array:
    """``_csv_text(safe_cell(text))`` on a column."""
    formula = pc.match_substring_regex(text, _FORMULA)
    text = pc.if_else(formula, pc.binary_join_element_wise("'", text, ""), text)
    quoted = pc.binary_join_element_wise(
        '"', pc.replace_substring(text, pattern='"', replacement='""'), '"', ""
    )
    return pc.if_else(pc.match_substring_regex(text, _NEEDS_QUOTES), quoted, text)


def messages(cls: type[Record], batch: pa.RecordBatch) -> pa.Array:
    """Each record's ``describe()`` text, as a finished CSV cell."""
    return _cell(message_text(cls, batch))


def message_text(cls: type[Record], batch: pa.RecordBatch) -> pa.Array:
    """Each record's ``describe()`` text."""
    names = field_names(cls)[2:]
    parts = [_part(name, batch.column(name)) for name in names]
    joined = pa.nulls(batch.num_rows, pa.string())
    for part in parts:
        # Arrow's null_handling="skip" join returns a short array when a whole argument is
        # null (pyarrow 26), so the parts are folded one at a time instead.
        both = pc.and_(pc.is_valid(joined), pc.is_valid(part))
        joined = pc.if_else(
            both, pc.binary_join_element_wise(joined, part, " "), pc.coalesce(joined, part)
        )
    return pc.utf8_slice_codeunits(pc.fill_null(joined, ""), 0, 1000)


def json_strings(text: pa.Array) -> pa.Array:
    """``json_text`` of each value of a string column (null stays null)."""
    quoted = pc.binary_join_element_wise('"', text, '"', "")
    escaped = pc.fill_null(pc.match_substring_regex(text, _JSON_ESCAPED), False)
    if not pc.any(escaped).as_py():
        return quoted
    chosen = pc.filter(text, escaped).to_pylist()
    fixed = pa.array([json_text(v) for v in chosen], pa.string())
    return pc.replace_with_mask(quoted, escaped, fixed)


def _json_column(column: pa.Array) -> pa.Array:
    """Each value of a record column as JSON text, null where the value is null."""
    kind = column.type
    if pa.types.is_string(kind):
        return json_strings(column)
    if pa.types.is_integer(kind):
        return pc.cast(column, pa.string())
    if pa.types.is_boolean(kind):
        return pc.if_else(column, "true", "false")
    if pa.types.is_timestamp(kind):
        return pc.binary_join_element_wise('"', _iso(column), '"', "")
    if pa.types.is_list(kind) and pa.types.is_string(kind.value_type):
        values = pc.fill_null(json_strings(column.values), "null")
        lists = pa.ListArray.from_arrays(column.offsets, values, mask=pc.is_null(column))
        joined = pc.binary_join(lists, ",")
        return pc.binary_join_element_wise("[", joined, "]", "")
    # Doubles (Python's repr is not Arrow's) and lists of other values: as Python writes them.
    return pa.array([None if v is None else json_value(v) for v in column.to_pylist()], pa.string())


def json_fields(cls: type[Record], batch: pa.RecordBatch) -> pa.Array:
    """Each record's ``record_fields`` text: ``,"key":value`` per non-null field."""
    out = pa.array([""] * batch.num_rows, pa.string())
    for name in json_field_names(cls):
        if name not in batch.schema.names:
            continue
        part = pc.binary_join_element_wise(
            f',"{field_key(cls.TYPE, name)}":', _json_column(batch.column(name)), ""
        )
        out = pc.binary_join_element_wise(out, pc.fill_null(part, ""), "")
    return out


def _json_lines(
    cls: type[Record],
    desc: str,
    when: pa.Array,
    us: pa.Array,
    text: pa.Array,
    severities: pa.Array,
    path: str,
    rows: pa.Array,
    fields: pa.Array,
) -> pa.Array:
    """``json_line`` of each chosen row (every argument already filtered to those rows)."""
    return pc.binary_join_element_wise(
        '{"message":',
        json_strings(text),
        ',"datetime":"',
        _iso(when),
        '","timestamp":',
        pc.cast(us, pa.string()),
        f',"timestamp_desc":{json_text(desc)},"artifact":{json_text(cls.TYPE)},"detection":',
        json_strings(severities),
        f',"device_path":{json_text(path)},"row":',
        pc.fill_null(pc.cast(rows, pa.string()), "null"),
        fields,
        "}",
        "",
    )


def timeline_lines(
    cls: type[Record],
    batch: pa.RecordBatch,
    severities: Sequence[str],
    path: str,
    skip: Sequence[int] = (),
    jsonl: bool = False,
) -> list[bytes]:
    """The staged timeline rows of ``batch`` (sort key, then the CSV line; for ``jsonl`` then
    the JSON line and its length), leaving out the rows in ``skip`` (those the caller stages in
    Python); ``severities`` holds each record's highest detection severity ("" for none)."""
    times = [("ts", cls.TS_DESC), *cls.EXTRA_TIMES]
    times = [(n, d) for n, d in times if n in batch.schema.names]
    if not times or batch.num_rows == 0:
        return []
    text = message_text(cls, batch)
    message = _cell(text)
    rows = pc.fill_null(pc.cast(batch.column("row"), pa.string()), "")
    marks = pa.array(severities, pa.string())
    fields = json_fields(cls, batch) if jsonl else None
    tail = pc.binary_join_element_wise(
        "",
        f",{cls.TYPE},",
        marks,
        f",{_csv_text(safe_cell(path))},",
        rows,
        "\r\n",
        "",
    )
    keep = pa.array([True] * batch.num_rows)
    if skip:
        flags = [True] * batch.num_rows
        for number in skip:
            flags[number] = False
        keep = pa.array(flags)
    out: list[bytes] = []
    for name, desc in times:
        when = batch.column(name)
        if not pa.types.is_timestamp(when.type):
            continue
        mask = pc.and_(pc.is_valid(when), keep)
        if not pc.any(mask).as_py():
            continue
        chosen = pc.filter(when, mask)
        us = pc.cast(pc.cast(chosen, pa.timestamp("us", tz="UTC")), pa.int64())
        key = pc.utf8_lpad(pc.cast(pc.add(us, _KEY_OFFSET), pa.string()), _KEY_WIDTH, "0")
        line = pc.binary_join_element_wise(
            key,
            _iso(chosen),
            f",{_csv_text(desc)},",
            pc.filter(message, mask),
            ",",
            pc.cast(us, pa.string()),
            pc.filter(tail, mask),
            "",
        )
        if fields is not None:
            payload = _json_lines(
                cls,
                desc,
                chosen,
                us,
                pc.filter(text, mask),
                pc.filter(marks, mask),
                path,
                pc.filter(batch.column("row"), mask),
                pc.filter(fields, mask),
            )
            size = pc.utf8_lpad(pc.cast(pc.binary_length(payload), pa.string()), LENGTH_WIDTH, "0")
            line = pc.binary_join_element_wise(line, payload, size, "")
        out.extend(pc.cast(line, pa.binary()).to_pylist())
    return out

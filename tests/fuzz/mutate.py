"""Structural mutators drawn by hypothesis: trees (plist, JSON), text lines, bytes, SQLite files.

Each mutator starts from a valid seed in the artifact's real format and changes it a little, so
most inputs still reach the parser's deeper code instead of failing at the first header check.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.fuzz.values import ANY_TEXT, INTS, JSON_VALUES, SHAPED_TEXT, SQL_VALUES, TEXT, BadText
from tracehound.parsers.common.runner import load_json

Draw = Callable[[st.SearchStrategy[Any]], Any]

# --- trees (plist and JSON) -------------------------------------------------------------------


def tree_paths(tree: Any, limit: int = 400) -> list[tuple[Any, ...]]:
    """Paths (keys and indexes) to every node of ``tree``, the root first, at most ``limit``."""
    out: list[tuple[Any, ...]] = []
    todo: list[tuple[tuple[Any, ...], Any]] = [((), tree)]
    while todo and len(out) < limit:
        path, node = todo.pop(0)
        out.append(path)
        if isinstance(node, dict):
            todo.extend(((*path, k), v) for k, v in node.items())
        elif isinstance(node, list):
            todo.extend(((*path, i), v) for i, v in enumerate(node))
    return out


def _replace(tree: Any, path: tuple[Any, ...], value: Any, delete: bool) -> Any:
    if not path:
        return value
    parent = tree
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return tree


def mutate_tree(draw: Draw, tree: Any, values: st.SearchStrategy[Any], max_ops: int = 4) -> Any:
    """Replace, delete or retype a few nodes of a copy of ``tree`` with values of ``values``."""
    tree = copy.deepcopy(tree)
    for _ in range(draw(st.integers(min_value=1, max_value=max_ops))):
        paths = tree_paths(tree)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(("replace", "replace", "delete", "empty", "wrap")))
        if action == "delete" and path:
            tree = _replace(tree, path, None, delete=True)
            continue
        node = _get(tree, path)
        if action == "empty" and isinstance(node, dict | list | str | bytes):
            value: Any = type(node)()
        elif action == "wrap":
            value = [node] if not isinstance(node, list) else {"x": node}
        else:
            value = draw(values)
        tree = _replace(tree, path, value, delete=False)
    return tree


def _get(tree: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        tree = tree[key]
    return tree


# --- bytes and text ---------------------------------------------------------------------------


def corrupt_bytes(draw: Draw, data: bytes, keep: int = 0, max_ops: int = 6) -> bytes:
    """Overwrite, insert, delete or truncate bytes of ``data`` (the first ``keep`` stay intact
    unless hypothesis decides otherwise)."""
    buf = bytearray(data)
    for _ in range(draw(st.integers(min_value=1, max_value=max_ops))):
        low = keep if buf and draw(st.integers(0, 9)) else 0
        low = min(low, len(buf))
        pos = draw(st.integers(min_value=low, max_value=max(low, len(buf))))
        action = draw(st.sampled_from(("set", "set", "insert", "delete", "truncate", "zero")))
        chunk = draw(st.binary(min_size=1, max_size=8))
        if action == "set":
            buf[pos : pos + len(chunk)] = chunk
        elif action == "insert":
            buf[pos:pos] = chunk
        elif action == "delete":
            del buf[pos : pos + draw(st.integers(1, 512))]
        elif action == "truncate":
            del buf[pos:]
        else:
            end = pos + draw(st.integers(1, 4096))
            buf[pos:end] = bytes(len(buf[pos:end]))
    return bytes(buf)


def mutate_lines(draw: Draw, text: str, max_ops: int = 6) -> str:
    """Delete, duplicate, replace or splice lines of ``text``; change numbers inside lines."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(min_value=1, max_value=max_ops))):
        index = draw(st.integers(min_value=0, max_value=max(0, len(lines) - 1)))
        action = draw(st.sampled_from(("number", "number", "splice", "delete", "dup", "new")))
        line = lines[index] if lines else ""
        if action == "number":
            lines[index : index + 1] = [_renumber(draw, line)]
        elif action == "splice":
            at = draw(st.integers(min_value=0, max_value=len(line)))
            cut = draw(st.integers(min_value=0, max_value=8))
            lines[index : index + 1] = [line[:at] + draw(ANY_TEXT) + line[at + cut :]]
        elif action == "delete":
            del lines[index : index + 1]
        elif action == "dup":
            lines[index:index] = [line] * draw(st.integers(1, 3))
        else:
            lines[index:index] = [draw(st.one_of(TEXT, SHAPED_TEXT))]
    return "\n".join(lines)


def _renumber(draw: Draw, line: str) -> str:
    """Replace one run of digits in ``line`` by an edge-case number."""
    runs = [i for i, c in enumerate(line) if c.isdigit() and (i == 0 or not line[i - 1].isdigit())]
    if not runs:
        return line
    start = draw(st.sampled_from(runs))
    end = start
    while end < len(line) and line[end].isdigit():
        end += 1
    number = draw(
        st.one_of(INTS.map(str), st.sampled_from(("", "-", "9" * 40, "0" * 12, "0001", "9999")))
    )
    return line[:start] + number + line[end:]


def mutate_json(draw: Draw, raw: bytes) -> bytes:
    """A JSON document (or JSON lines) with random subtrees, mutated lines or damaged bytes."""
    value = load_json(raw)  # the seed: one document or JSON lines, as the runner reads it
    choice = draw(st.sampled_from(("tree", "tree", "lines", "bytes")))
    if choice == "lines":
        return mutate_lines(draw, raw.decode("utf-8")).encode("utf-8")
    if choice == "bytes":
        return corrupt_bytes(draw, raw)
    value = mutate_tree(draw, value, JSON_VALUES)
    if isinstance(value, list) and draw(st.booleans()):
        return "\n".join(json.dumps(v) for v in value).encode("utf-8")  # JSON lines
    return json.dumps(value).encode("utf-8")


# --- SQLite -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DbShape:
    """What a seed database holds: its tables and columns, and the columns the parser read."""

    tables: dict[str, tuple[str, ...]]
    rows: dict[str, int]
    read: tuple[tuple[str, str], ...]


def _target(draw: Draw, shape: DbShape) -> tuple[str, str]:
    """A (table, column) to change; mostly one the parser reads, sometimes any other."""
    read = [rc for rc in shape.read if rc[0] in shape.tables]
    if read and draw(st.integers(0, 9)) < 8:
        return tuple(draw(st.sampled_from(read)))  # type: ignore[return-value]
    table = draw(st.sampled_from(sorted(shape.tables)))
    cols = shape.tables[table] or ("rowid",)
    return table, draw(st.sampled_from(cols))


def sqlite_ops(draw: Draw, shape: DbShape, max_ops: int = 8) -> list[tuple[Any, ...]]:
    """A list of changes: set cells, insert rows, drop or rename columns, drop tables."""
    ops: list[tuple[Any, ...]] = []
    for _ in range(draw(st.integers(min_value=1, max_value=max_ops))):
        table, column = _target(draw, shape)
        action = draw(st.sampled_from(("set",) * 6 + ("insert", "insert", "drop_column", "drop")))
        if action == "set":
            rows = max(1, shape.rows.get(table, 1))
            ops.append(("set", table, column, draw(st.integers(0, rows - 1)), draw(SQL_VALUES)))
        elif action == "insert":
            cols = sorted({c for t, c in shape.read if t == table} | {column})
            ops.append(("insert", table, tuple(cols), tuple(draw(SQL_VALUES) for _ in cols)))
        elif action == "drop_column":
            ops.append(("drop_column", table, column))
        else:
            ops.append(("drop", table))
    return ops


def _param(value: Any) -> tuple[str, Any]:
    if isinstance(value, BadText):
        return "CAST(? AS TEXT)", value.raw
    return "?", value


def _apply_one(conn: sqlite3.Connection, op: tuple[Any, ...]) -> None:
    kind, table = op[0], op[1]
    if kind == "set":
        _, _, column, offset, value = op
        mark, param = _param(value)
        conn.execute(
            f'UPDATE OR IGNORE "{table}" SET "{column}" = {mark} '
            f'WHERE rowid = (SELECT rowid FROM "{table}" ORDER BY rowid LIMIT 1 OFFSET ?)',
            (param, offset),
        )
    elif kind == "insert":
        _, _, cols, values = op
        marks, params = zip(*(_param(v) for v in values), strict=True)
        names = ", ".join(f'"{c}"' for c in cols)
        conn.execute(
            f'INSERT OR IGNORE INTO "{table}" ({names}) VALUES ({", ".join(marks)})', params
        )
    elif kind == "drop_column":
        try:
            conn.execute(f'ALTER TABLE "{table}" DROP COLUMN "{op[2]}"')
        except sqlite3.Error:  # a key or indexed column: rename it instead
            conn.execute(f'ALTER TABLE "{table}" RENAME COLUMN "{op[2]}" TO "{op[2]}_gone"')
    else:
        conn.execute(f'DROP TABLE "{table}"')


def apply_sqlite_ops(path: Path, ops: list[tuple[Any, ...]]) -> None:
    """Apply ``ops`` to the private copy at ``path``; an op SQLite refuses is skipped."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        for op in ops:
            try:
                _apply_one(conn, op)
            except (sqlite3.Error, OverflowError):
                continue
        conn.commit()
    finally:
        conn.close()

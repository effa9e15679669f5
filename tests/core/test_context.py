from __future__ import annotations

from datetime import UTC, datetime

from tracehound.core.context import MAX_KEPT_WARNINGS, ParseContext
from tracehound.core.timeutil import from_unix


def test_typed_value_checks_count_warnings() -> None:
    ctx = ParseContext(artifact="ios.x", path="/p/x.db")
    assert ctx.text("a") == "a" and ctx.text(None) is None
    assert ctx.text(b"\xff", 3, "title") is None
    assert ctx.integer(5) == 5 and ctx.integer(True, 4, "n") is None
    assert ctx.number(2) == 2.0 and ctx.number("many", 5, "bytes") is None
    assert ctx.time(from_unix, 0) == datetime(1970, 1, 1, tzinfo=UTC)
    assert ctx.time(from_unix, "soon", 6, "last_modified") is None
    assert ctx.warnings == 4
    assert ctx.messages[0] == "/p/x.db row 3: title is not text: \"b'\\\\xff'\""
    assert ctx.messages[3].startswith("/p/x.db row 6: last_modified is not a valid time")


def test_only_first_messages_kept_but_all_counted() -> None:
    ctx = ParseContext(artifact="ios.x", path="/p")
    for n in range(MAX_KEPT_WARNINGS + 20):
        ctx.warn(f"bad {n}")
    assert ctx.warnings == MAX_KEPT_WARNINGS + 20 and len(ctx.messages) == MAX_KEPT_WARNINGS

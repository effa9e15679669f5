"""Chrome for iOS visits from its Chromium History database, one record per visit.

Facts: MVT's ``ChromeHistory`` module (backup file ``faf971ce...`` =
SHA1("AppDomain-com.google.chrome.ios-Library/Application Support/Google/Chrome/Default/History"))
and Chromium's history schema: ``urls(id, url, title, visit_count, typed_count, last_visit_time,
hidden)`` and ``visits(id, url -> urls.id, visit_time, from_visit, transition, segment_id,
visit_duration, ...)``. Times are microseconds since 1601-01-01 UTC (Chromium ``base::Time``);
``visit_duration`` is microseconds. ``transition`` is a ``ui::PageTransition`` stored as a signed
32-bit integer: the low byte is the core type, the high bits qualifiers such as
``CLIENT_REDIRECT`` (0x40000000) and ``SERVER_REDIRECT`` (0x80000000)
(Chromium ``ui/base/page_transition_types.h``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from tracehound.core.context import ParseContext
from tracehound.core.records import Record, Url
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_webkit
from tracehound.parsers.common import columnar
from tracehound.parsers.common.sqlite import select_optional


@dataclass(frozen=True, slots=True, kw_only=True)
class ChromeVisit(Record):
    """One Chrome visit with the URL it loaded."""

    TYPE = "ios.chrome_history"
    MEANING = "Chrome's browsing history: Chrome loaded this page, by a link, typing or a redirect."
    NETWORK_HIT = "loaded"  # the page or resource was loaded on the phone
    PUBLIC_FIELDS = ("transition_type", "redirect")
    TS_DESC = "Chrome visit"

    url: Url | None
    title: str | None
    visit_id: int
    url_id: int | None
    from_visit: int | None  # the visit that led here (link or redirect); None if none
    transition: int | None  # PageTransition as an unsigned 32-bit value
    transition_type: str | None  # core type name, e.g. "link", "typed"
    redirect: str | None  # "server" or "client" when this visit was reached by a redirect
    duration: float | None  # seconds


PATHS = (
    "/private/var/mobile/Containers/Data/Application/*/Library/Application Support/Google/Chrome"
    "/Default/History",
)

_CORE_TYPES = (
    "link",
    "typed",
    "auto_bookmark",
    "auto_subframe",
    "manual_subframe",
    "generated",
    "auto_toplevel",
    "form_submit",
    "reload",
    "keyword",
    "keyword_generated",
)
_SERVER_REDIRECT = 0x80000000
_CLIENT_REDIRECT = 0x40000000

_VISIT_COLUMNS = {
    "v_id": "id",
    "v_url": "url",
    "v_time": "visit_time",
    "v_from": "from_visit",
    "v_transition": "transition",
    "v_duration": "visit_duration",
}
_URL_COLUMNS = {"u_url": "url", "u_title": "title"}


def _transition(raw: int | None) -> tuple[int | None, str | None, str | None]:
    """(unsigned value, core type name, redirect kind) of a stored PageTransition."""
    if raw is None:
        return None, None, None
    value = raw & 0xFFFFFFFF
    core = value & 0xFF
    name = _CORE_TYPES[core] if core < len(_CORE_TYPES) else f"unknown_{core}"
    redirect = None
    if value & _SERVER_REDIRECT:
        redirect = "server"
    elif value & _CLIENT_REDIRECT:
        redirect = "client"
    return value, name, redirect


@artifact(
    record=ChromeVisit,
    input="sqlite",
    paths=PATHS,
    requires={"urls": ("id", "url"), "visits": ("id", "url", "visit_time")},
)
def parse(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[ChromeVisit | pa.RecordBatch]:
    """Chrome for iOS visits, with how each was reached (History database)."""
    visits = select_optional(conn, "visits", _VISIT_COLUMNS)
    urls = select_optional(conn, "urls", _URL_COLUMNS)
    query = (
        f"SELECT {visits}, {urls} FROM visits LEFT JOIN urls ON urls.id = visits.url "
        "ORDER BY visits.id"
    )
    conn.row_factory = None
    yield from columnar.read(conn, query, _columns, lambda r: _record(ctx, r))


def _record(ctx: ParseContext, r: dict[str, Any]) -> ChromeVisit:
    row = r["v_id"]
    transition, name, redirect = _transition(ctx.integer(r["v_transition"], row, "transition"))
    duration = ctx.integer(r["v_duration"], row, "visit_duration")
    from_visit = ctx.integer(r["v_from"], row, "from_visit")
    return ChromeVisit(
        ts=ctx.time(from_webkit, r["v_time"], row, "visit_time"),
        row=row,
        url=ctx.text(r["u_url"], row, "url"),
        title=ctx.text(r["u_title"], row, "title"),
        visit_id=row,
        url_id=ctx.integer(r["v_url"], row, "visits.url"),
        from_visit=from_visit or None,
        transition=transition,
        transition_type=name,
        redirect=redirect,
        duration=duration / 1_000_000 if duration else None,
    )


_NO_INT = pa.scalar(None, pa.int64())
_NO_TEXT = pa.scalar(None, pa.string())


def _columns(c: dict[str, Sequence[Any]]) -> pa.RecordBatch:
    """The batch as columns, exactly as ``_record`` would make each visit (columnar.py)."""
    visit = columnar.integers(c["v_id"])
    if visit.null_count:
        raise columnar.Unclean
    raw = columnar.integers(c["v_transition"])
    value = pc.bit_wise_and(raw, 0xFFFFFFFF)
    core = pc.bit_wise_and(value, 0xFF)
    if pc.any(pc.greater_equal(core, len(_CORE_TYPES))).as_py():
        raise columnar.Unclean  # "unknown_<n>": rare, row by row
    name = pc.take(pa.array(_CORE_TYPES, pa.string()), core)
    redirect = pc.if_else(
        pc.not_equal(pc.bit_wise_and(value, _SERVER_REDIRECT), 0),
        "server",
        pc.if_else(pc.not_equal(pc.bit_wise_and(value, _CLIENT_REDIRECT), 0), "client", _NO_TEXT),
    )
    duration = columnar.integers(c["v_duration"])
    if duration.null_count < len(duration):
        low, high = pc.min_max(duration).values()
        if max(abs(low.as_py()), abs(high.as_py())) > 2**53:
            raise columnar.Unclean  # a float division would round twice
    seconds = pc.divide(pc.cast(duration, pa.float64()), 1e6)
    from_visit = columnar.integers(c["v_from"])
    return columnar.record_batch(
        ChromeVisit,
        {
            "ts": columnar.webkit(c["v_time"]),
            "row": visit,
            "url": columnar.text(c["u_url"]),
            "title": columnar.text(c["u_title"]),
            "visit_id": visit,
            "url_id": columnar.integers(c["v_url"]),
            "from_visit": pc.if_else(pc.equal(from_visit, 0), _NO_INT, from_visit),
            "transition": value,
            "transition_type": name,
            "redirect": redirect,
            "duration": pc.if_else(pc.equal(duration, 0), pa.scalar(None, pa.float64()), seconds),
        },
    )

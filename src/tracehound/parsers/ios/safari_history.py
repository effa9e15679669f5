"""Safari visits from History.db (history_items and history_visits), one record per visit.

Facts: MVT's ``SafariHistory`` module (paths, the join, redirect columns) and the Amnesty 2021
Pegasus forensic methodology (network injection seen as redirect chains in History.db). The
schema is the one Safari creates (``WBSHistorySQLiteSchema`` strings in SafariShared):
``history_items(id, url, domain_expansion, visit_count, ...)`` and ``history_visits(id,
history_item -> history_items.id, visit_time, title, load_successful, http_non_get, synthesized,
redirect_source, redirect_destination, origin, generation, attributes, score)``. ``visit_time``
is Cocoa seconds (float). ``redirect_source``/``redirect_destination`` are ids of other visits
in the same database. iOS 17 Safari profiles keep their own database under
``Library/Safari/Profiles/<profile UUID>/History.db``.

Visits are read in visit-id order with a LEFT JOIN, so a visit whose history item is gone is
still reported (with no URL), unlike an inner join.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from tracehound.core.context import ParseContext
from tracehound.core.records import Record, Url
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_cocoa
from tracehound.parsers.common import columnar
from tracehound.parsers.common.sqlite import select_optional


@dataclass(frozen=True, slots=True, kw_only=True)
class SafariVisit(Record):
    """One Safari visit with the URL of its history item."""

    TYPE = "ios.safari_history"
    MEANING = (
        "Safari's history (History.db): Safari loaded this URL, possibly through a redirect the"
        " user did not see."
    )
    NETWORK_HIT = "loaded"  # the page or resource was loaded on the phone
    TS_DESC = "Safari visit"

    url: Url | None
    title: str | None
    visit_id: int
    item_id: int | None
    redirect_source: int | None  # id of the visit that redirected here
    redirect_destination: int | None  # id of the visit this one redirected to
    load_successful: bool | None
    http_non_get: bool | None
    origin: int | None  # history_visits.origin as stored (which device recorded the visit)
    visit_count: int | None  # history_items.visit_count
    profile: str | None  # Safari profile UUID from the path; None for the default profile


PATHS = (
    "/private/var/mobile/Library/Safari/History.db",
    "/private/var/mobile/Library/Safari/Profiles/*/History.db",
    "/private/var/mobile/Containers/Data/Application/*/Library/Safari/History.db",
    "/private/var/mobile/Containers/Data/Application/*/Library/Safari/Profiles/*/History.db",
)

_VISIT_COLUMNS = {
    "v_id": "id",
    "v_item": "history_item",
    "v_time": "visit_time",
    "v_title": "title",
    "v_ok": "load_successful",
    "v_non_get": "http_non_get",
    "v_src": "redirect_source",
    "v_dst": "redirect_destination",
    "v_origin": "origin",
}
_ITEM_COLUMNS = {"i_url": "url", "i_count": "visit_count"}
_PROFILE = re.compile(r"/Safari/Profiles/([^/]+)/History\.db$")


def _flag(value: object) -> bool | None:
    return None if value is None else bool(value)


@artifact(
    record=SafariVisit,
    input="sqlite",
    paths=PATHS,
    requires={
        "history_items": ("id", "url"),
        "history_visits": ("id", "history_item", "visit_time"),
    },
)
def parse(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[SafariVisit | pa.RecordBatch]:
    """Safari visits with their redirect links (History.db, also per profile and per app)."""
    found = _PROFILE.search(ctx.path)
    profile = found.group(1) if found else None
    visits = select_optional(conn, "history_visits", _VISIT_COLUMNS)
    items = select_optional(conn, "history_items", _ITEM_COLUMNS)
    query = (
        f"SELECT {visits}, {items} FROM history_visits "
        "LEFT JOIN history_items ON history_items.id = history_visits.history_item "
        "ORDER BY history_visits.id"
    )
    conn.row_factory = None
    yield from columnar.read(
        conn,
        query,
        lambda c: _columns(c, profile),
        lambda r: _record(ctx, r, profile),
    )


def _record(ctx: ParseContext, r: dict[str, Any], profile: str | None) -> SafariVisit:
    row = r["v_id"]
    return SafariVisit(
        ts=ctx.time(from_cocoa, r["v_time"], row, "visit_time"),
        row=row,
        url=ctx.text(r["i_url"], row, "url"),
        title=ctx.text(r["v_title"], row, "title"),
        visit_id=row,
        item_id=ctx.integer(r["v_item"], row, "history_item"),
        redirect_source=ctx.integer(r["v_src"], row, "redirect_source"),
        redirect_destination=ctx.integer(r["v_dst"], row, "redirect_destination"),
        load_successful=_flag(r["v_ok"]),
        http_non_get=_flag(r["v_non_get"]),
        origin=ctx.integer(r["v_origin"], row, "origin"),
        visit_count=ctx.integer(r["i_count"], row, "visit_count"),
        profile=profile,
    )


def _columns(c: dict[str, Sequence[Any]], profile: str | None) -> pa.RecordBatch:
    """The batch as columns, exactly as ``_record`` would make each visit (columnar.py)."""
    visit = columnar.integers(c["v_id"])
    if visit.null_count:
        raise columnar.Unclean
    return columnar.record_batch(
        SafariVisit,
        {
            "ts": columnar.cocoa_seconds(c["v_time"]),
            "row": visit,
            "url": columnar.text(c["i_url"]),
            "title": columnar.text(c["v_title"]),
            "visit_id": visit,
            "item_id": columnar.integers(c["v_item"]),
            "redirect_source": columnar.integers(c["v_src"]),
            "redirect_destination": columnar.integers(c["v_dst"]),
            "load_successful": columnar.truthy(c["v_ok"]),
            "http_non_get": columnar.truthy(c["v_non_get"]),
            "origin": columnar.integers(c["v_origin"]),
            "visit_count": columnar.integers(c["i_count"]),
            "profile": columnar.constant(profile, len(visit), pa.string()),
        },
    )

"""Siri Shortcuts from Shortcuts.sqlite: name, dates, actions and the URLs the actions use.

Facts: MVT's ``Shortcuts`` module (backup file ``5b4d0b44...`` =
SHA1("HomeDomain-Library/Shortcuts/Shortcuts.sqlite")): ``ZSHORTCUT`` (Z_PK, ZNAME,
ZCREATIONDATE and ZMODIFICATIONDATE in Cocoa seconds, ZACTIONSDESCRIPTION) left-joined with
``ZSHORTCUTACTIONS`` (ZSHORTCUT -> ZSHORTCUT.Z_PK, ZDATA). ZDATA is a binary property list: an
array of actions, each a dictionary with ``WFWorkflowActionIdentifier`` (e.g.
``is.workflow.actions.openurl``) and ``WFWorkflowActionParameters``; MVT runs its link regex over
the parameters. Here the plist is decoded and every string inside the parameters goes through
the SMS parser's ``extract_links``. Some databases wrap the array in a dictionary under
``WFWorkflowActions`` (the .shortcut file layout); both are read. Columns absent from a given iOS
version read as NULL.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import InputError
from tracehound.core.records import AppId, Record, Url
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_cocoa
from tracehound.parsers.common import plist
from tracehound.parsers.common.sqlite import columns, select_optional, tables
from tracehound.parsers.ios.sms import extract_links


@dataclass(frozen=True, slots=True, kw_only=True)
class Shortcut(Record):
    """One shortcut with its actions and the http(s) URLs found in their parameters."""

    TYPE = "ios.shortcuts"
    MEANING = "A Siri shortcut, with the actions and URLs it runs."
    TS_DESC = "Shortcut created"
    EXTRA_TIMES = (("modified", "Shortcut modified"),)

    name: str | None
    description: str | None
    workflow_id: str | None
    associated_app: AppId | None
    tombstoned: bool | None  # deleted, kept for sync
    action_count: int  # actions decoded from ZDATA
    action_ids: tuple[str, ...]  # WFWorkflowActionIdentifier of each action, in order
    action_urls: tuple[Url, ...]
    modified: datetime | None


PATHS = ("/private/var/mobile/Library/Shortcuts/Shortcuts.sqlite",)

_SHORTCUT = {
    "pk": "Z_PK",
    "name": "ZNAME",
    "created": "ZCREATIONDATE",
    "modified": "ZMODIFICATIONDATE",
    "description": "ZACTIONSDESCRIPTION",
    "workflow_id": "ZWORKFLOWID",
    "app": "ZASSOCIATEDAPPBUNDLEIDENTIFIER",
    "tombstoned": "ZTOMBSTONED",
}
_MAX_DEPTH = 32


def _query(conn: sqlite3.Connection) -> str:
    shortcut = select_optional(conn, "ZSHORTCUT", _SHORTCUT)
    if "ZSHORTCUTACTIONS" in tables(conn) and {"ZSHORTCUT", "ZDATA"} <= columns(
        conn, "ZSHORTCUTACTIONS"
    ):
        return (
            f"SELECT {shortcut}, ZSHORTCUTACTIONS.ZDATA AS data FROM ZSHORTCUT LEFT JOIN "
            "ZSHORTCUTACTIONS ON ZSHORTCUTACTIONS.ZSHORTCUT = ZSHORTCUT.Z_PK "
            "ORDER BY ZSHORTCUT.Z_PK, ZSHORTCUTACTIONS.rowid"  # Z_PK is the rowid (Core Data)
        )
    return f"SELECT {shortcut}, NULL AS data FROM ZSHORTCUT ORDER BY ZSHORTCUT.Z_PK"


def _strings(value: Any, depth: int = 0) -> Iterator[str]:
    """Every string in a decoded plist value (dictionary keys excepted)."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item, depth + 1)


def _actions(ctx: ParseContext, data: object, row: int) -> list[Any]:
    """The action array of one ZDATA blob; damaged data is a warning and no actions."""
    if data is None:
        return []
    if not isinstance(data, bytes):
        ctx.warn(f"ZDATA is not a property list blob: {str(data)[:80]!r}", row)
        return []
    try:
        obj = plist.load(data)
        if plist.is_keyed_archive(obj):
            obj = plist.unarchive(obj)
    except InputError as exc:
        ctx.warn(f"ZDATA: {exc}", row)
        return []
    if isinstance(obj, dict) and isinstance(obj.get("WFWorkflowActions"), list):
        obj = obj["WFWorkflowActions"]  # the .shortcut file layout, seen in some databases
    if not isinstance(obj, list):
        ctx.warn(f"ZDATA holds a {type(obj).__name__}, not an action array", row)
        return []
    return obj


def _summary(ctx: ParseContext, blobs: list[object], row: int) -> tuple[list[str], list[str], int]:
    ids: list[str] = []
    urls: dict[str, None] = {}
    count = 0
    for blob in blobs:
        for action in _actions(ctx, blob, row):
            count += 1
            if not isinstance(action, dict):
                ctx.warn("an action is not a dictionary", row)
                continue
            ident = action.get("WFWorkflowActionIdentifier")
            if isinstance(ident, str):
                ids.append(ident)
            for text in _strings(action.get("WFWorkflowActionParameters")):
                urls.update(dict.fromkeys(extract_links(text)))
    return ids, list(urls), count


@artifact(record=Shortcut, input="sqlite", paths=PATHS, requires={"ZSHORTCUT": ("Z_PK", "ZNAME")})
def parse(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[Shortcut]:
    """Siri Shortcuts: name, creation and change dates, actions and the URLs they open."""
    conn.row_factory = sqlite3.Row
    for pk, group in itertools.groupby(conn.execute(_query(conn)), key=lambda r: r["pk"]):
        rows = list(group)
        r = rows[0]
        ids, urls, count = _summary(ctx, [x["data"] for x in rows], pk)
        tomb = ctx.integer(r["tombstoned"], pk, "ZTOMBSTONED")
        yield Shortcut(
            ts=ctx.time(from_cocoa, r["created"], pk, "ZCREATIONDATE"),
            row=pk,
            name=ctx.text(r["name"], pk, "ZNAME"),
            description=ctx.text(r["description"], pk, "ZACTIONSDESCRIPTION"),
            workflow_id=ctx.text(r["workflow_id"], pk, "ZWORKFLOWID"),
            associated_app=ctx.text(r["app"], pk, "ZASSOCIATEDAPPBUNDLEIDENTIFIER"),
            tombstoned=None if tomb is None else tomb != 0,
            action_count=count,
            action_ids=tuple(ids),
            action_urls=tuple(urls),
            modified=ctx.time(from_cocoa, r["modified"], pk, "ZMODIFICATIONDATE"),
        )

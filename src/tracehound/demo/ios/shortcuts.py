"""Shortcuts.sqlite (the Shortcuts app's library) in Apple's Core Data layout.

Facts: ``ZSHORTCUT`` (Z_PK, ZNAME, ZCREATIONDATE, ZMODIFICATIONDATE, ZACTIONSDESCRIPTION...) and
``ZSHORTCUTACTIONS`` (ZSHORTCUT, ZDATA) as read by MVT's ``Shortcuts`` module; ZDATA is a binary
plist array of ``{"WFWorkflowActionIdentifier": ..., "WFWorkflowActionParameters": {...}}``.
Further ZSHORTCUT columns (ZACTIONCOUNT, ZWORKFLOWSUBTITLE, ZINPUTCLASSESDATA,
ZHASSHORTCUTINPUTVARIABLES, ZLASTRUNEVENTDATE, ZWORKFLOWID, ZTOMBSTONED...) are recalled from
public tools that read or edit the database, not verified one by one. ``minimal=True`` writes a
smaller, older-style ZSHORTCUT without the columns added over time (description, subtitle,
associated app, tombstone...), to exercise the parser's handling of absent columns.
"""

from __future__ import annotations

import plistlib
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tracehound.demo.sqlite_util import write_sqlite

_FULL = """
CREATE TABLE ZSHORTCUT ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZACTIONCOUNT INTEGER, ZGALLERYIDENTIFIER INTEGER, ZHASOUTPUTFALLBACK INTEGER,
  ZHASSHORTCUTINPUTVARIABLES INTEGER, ZHIDDEN INTEGER, ZHIDDENFROMLIBRARYANDSYNC INTEGER,
  ZMINIMUMCLIENTVERSION INTEGER, ZREMOTEQUARANTINESTATUS INTEGER, ZRUNEVENTSCOUNT INTEGER,
  ZSYNCHASH INTEGER, ZTOMBSTONED INTEGER, ZACTIONS INTEGER, ZICON INTEGER,
  ZCREATIONDATE TIMESTAMP, ZLASTRUNEVENTDATE TIMESTAMP, ZMODIFICATIONDATE TIMESTAMP,
  ZACTIONSDESCRIPTION VARCHAR, ZASSOCIATEDAPPBUNDLEIDENTIFIER VARCHAR,
  ZLASTMIGRATEDCLIENTVERSION VARCHAR, ZLEGACYNAME VARCHAR, ZNAME VARCHAR, ZSOURCE VARCHAR,
  ZWORKFLOWID VARCHAR, ZWORKFLOWSUBTITLE VARCHAR, ZIMPORTQUESTIONSDATA BLOB,
  ZINPUTCLASSESDATA BLOB, ZOUTPUTCLASSESDATA BLOB, ZWORKFLOWTYPESDATA BLOB );
"""

_MINIMAL = """
CREATE TABLE ZSHORTCUT ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZACTIONCOUNT INTEGER, ZHIDDEN INTEGER, ZACTIONS INTEGER, ZICON INTEGER,
  ZCREATIONDATE TIMESTAMP, ZMODIFICATIONDATE TIMESTAMP, ZNAME VARCHAR, ZWORKFLOWID VARCHAR,
  ZINPUTCLASSESDATA BLOB, ZWORKFLOWTYPESDATA BLOB );
"""

_COMMON = """
CREATE TABLE ZSHORTCUTACTIONS ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZSHORTCUT INTEGER, ZDATA BLOB );
CREATE TABLE ZSHORTCUTICON ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZBACKGROUNDCOLORVALUE INTEGER, ZGLYPHCHARACTER INTEGER, ZSHORTCUT INTEGER,
  ZCUSTOMIMAGEDATA BLOB );
CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER,
  Z_MAX INTEGER);
CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB);
CREATE INDEX ZSHORTCUTACTIONS_ZSHORTCUT_INDEX ON ZSHORTCUTACTIONS (ZSHORTCUT);
"""

_MINIMAL_COLUMNS = frozenset(
    {"Z_PK", "Z_ENT", "Z_OPT", "ZACTIONCOUNT", "ZHIDDEN", "ZACTIONS", "ZICON", "ZCREATIONDATE",
     "ZMODIFICATIONDATE", "ZNAME", "ZWORKFLOWID", "ZINPUTCLASSESDATA", "ZWORKFLOWTYPESDATA"}
)  # fmt: skip


def action(identifier: str, **parameters: Any) -> dict[str, Any]:
    """One action as Shortcuts stores it, e.g. ``action("is.workflow.actions.openurl",
    WFInput="https://example.org/")``."""
    return {"WFWorkflowActionIdentifier": identifier, "WFWorkflowActionParameters": parameters}


def action_data(actions: Sequence[Mapping[str, Any]], *, wrapped: bool = False) -> bytes:
    """ZDATA: the binary plist of an action array (``wrapped``: inside ``WFWorkflowActions``)."""
    value: Any = {"WFWorkflowActions": list(actions)} if wrapped else list(actions)
    return plistlib.dumps(value, fmt=plistlib.FMT_BINARY)


def write(path: Path, shortcuts: Sequence[Mapping[str, Any]], *, minimal: bool = False) -> None:
    """Write Shortcuts.sqlite.

    Each shortcut is a dict of ZSHORTCUT columns (``Z_PK``, ``ZNAME``, ``ZCREATIONDATE`` and
    ``ZMODIFICATIONDATE`` in Cocoa seconds, ``ZACTIONSDESCRIPTION``...) plus, not a column,
    either ``actions`` (a list of ``action(...)`` dicts, stored as one ZSHORTCUTACTIONS row) or
    ``ZDATA`` (raw bytes for that row; None writes no actions row).
    """
    rows: list[dict[str, Any]] = []
    actions_rows: list[dict[str, Any]] = []
    for index, given in enumerate(shortcuts, start=1):
        row = dict(given)
        pk = row.setdefault("Z_PK", index)
        acts = row.pop("actions", None)
        data = row.pop("ZDATA", action_data(acts) if acts is not None else None)
        row.setdefault("ZWORKFLOWID", str(uuid.uuid5(uuid.NAMESPACE_OID, f"sc-{pk}")).upper())
        row.setdefault("ZACTIONCOUNT", len(acts) if acts is not None else 0)
        row = {"Z_ENT": 5, "Z_OPT": 1, "ZHIDDEN": 0, **row}
        if not minimal:
            row.setdefault("ZTOMBSTONED", 0)
        else:
            row = {k: v for k, v in row.items() if k in _MINIMAL_COLUMNS}
        if data is not None:
            actions_rows.append({"Z_PK": len(actions_rows) + 1, "Z_ENT": 6, "Z_OPT": 1,
                                 "ZSHORTCUT": pk, "ZDATA": data})  # fmt: skip
            row["ZACTIONS"] = len(actions_rows)
        rows.append(row)
    keys = [
        {"Z_ENT": 5, "Z_NAME": "Shortcut", "Z_SUPER": 0, "Z_MAX": len(rows)},
        {"Z_ENT": 6, "Z_NAME": "ShortcutActions", "Z_SUPER": 0, "Z_MAX": len(actions_rows)},
    ]
    write_sqlite(
        path,
        (_MINIMAL if minimal else _FULL) + _COMMON,
        {"ZSHORTCUT": rows, "ZSHORTCUTACTIONS": actions_rows, "Z_PRIMARYKEY": keys},
    )

"""interactionC.db (CoreDuet People) in Apple's Core Data layout.

Facts: tables and columns as queried by MVT's ``InteractionC`` (from APOLLO) and iLEAPP:
``ZINTERACTIONS``, ``ZCONTACTS``, ``ZATTACHMENT``, link tables ``Z_1INTERACTIONS(Z_1ATTACHMENTS,
Z_3INTERACTIONS)`` and ``Z_2INTERACTIONRECIPIENT(Z_2RECIPIENTS, Z_3INTERACTIONRECIPIENT)``,
``ZKEYWORDS``/``Z_3KEYWORDS``; dates in Cocoa seconds. Variants, matching MVT's four queries:

- ``"current"``: everything, including ZGROUPNAME, ZDERIVEDINTENTIDENTIFIER and
  ZATTACHMENT.ZPHOTOLOCALIDENTIFIER (MVT's first query);
- ``"no_group"``: without those three columns (MVT's second query);
- ``"no_links"``: as ``"no_group"`` and without attachment/recipient tables (MVT's third and
  fourth queries);
- ``"renumbered"``: the current schema with other Core Data entity numbers in the link tables
  (``Z_2INTERACTIONS(Z_2ATTACHMENTS, Z_4INTERACTIONS)``, ``Z_3INTERACTIONRECIPIENT(Z_3RECIPIENTS,
  Z_4INTERACTIONRECIPIENT)``): a model change renumbers them; not taken from a real device.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from tracehound.demo.sqlite_util import Rows, write_sqlite

Variant = Literal["current", "no_group", "no_links", "renumbered"]

_CONTACTS = """
CREATE TABLE ZCONTACTS ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZDISPLAYTYPE INTEGER, ZINCOMINGRECIPIENTCOUNT INTEGER, ZINCOMINGSENDERCOUNT INTEGER,
  ZOUTGOINGRECIPIENTCOUNT INTEGER, ZTYPE INTEGER, ZCREATIONDATE TIMESTAMP,
  ZFIRSTINCOMINGRECIPIENTDATE TIMESTAMP, ZFIRSTINCOMINGSENDERDATE TIMESTAMP,
  ZFIRSTOUTGOINGRECIPIENTDATE TIMESTAMP, ZLASTINCOMINGRECIPIENTDATE TIMESTAMP,
  ZLASTINCOMINGSENDERDATE TIMESTAMP, ZLASTOUTGOINGRECIPIENTDATE TIMESTAMP,
  ZCUSTOMIDENTIFIER VARCHAR, ZDISPLAYNAME VARCHAR, ZIDENTIFIER VARCHAR, ZPERSONID VARCHAR,
  ZPERSONIDTYPE INTEGER );
CREATE TABLE ZKEYWORDS ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZKEYWORD VARCHAR );
CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER,
  Z_MAX INTEGER);
CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB);
CREATE TABLE Z_MODELCACHE (Z_CONTENT BLOB);
"""

_INTERACTIONS = """
CREATE TABLE ZINTERACTIONS ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZDIRECTION INTEGER, ZISRESPONSE INTEGER, ZMECHANISM INTEGER, ZRECIPIENTCOUNT INTEGER,
  ZSENDER INTEGER, ZCREATIONDATE TIMESTAMP, ZENDDATE TIMESTAMP, ZSTARTDATE TIMESTAMP,
  ZACCOUNT VARCHAR, ZBUNDLEID VARCHAR, ZCONTENTURL VARCHAR, {extra}ZDOMAINIDENTIFIER VARCHAR,
  ZLOCATIONUUID VARCHAR, ZTARGETBUNDLEID VARCHAR, ZUUID VARCHAR );
CREATE INDEX ZINTERACTIONS_ZSENDER_INDEX ON ZINTERACTIONS (ZSENDER);
"""
_INTERACTIONS_EXTRA = "ZDERIVEDINTENTIDENTIFIER VARCHAR, ZGROUPNAME VARCHAR, "

_ATTACHMENT = """
CREATE TABLE ZATTACHMENT ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZSIZEINBYTES INTEGER, ZCREATIONDATE TIMESTAMP, ZCLOUDIDENTIFIER VARCHAR,
  ZCONTENTTEXT VARCHAR, ZCONTENTURL VARCHAR, {extra}ZUTI VARCHAR, ZIDENTIFIER BLOB );
CREATE TABLE {att} ( {att_a} INTEGER, {att_i} INTEGER, PRIMARY KEY ({att_a}, {att_i}) );
CREATE TABLE {rcp} ( {rcp_c} INTEGER, {rcp_i} INTEGER, PRIMARY KEY ({rcp_c}, {rcp_i}) );
CREATE INDEX {att}_{att_i}_INDEX ON {att} ({att_i}, {att_a});
CREATE INDEX {rcp}_{rcp_i}_INDEX ON {rcp} ({rcp_i}, {rcp_c});
"""

_LINKS = {
    "current": ("Z_1INTERACTIONS", "Z_1ATTACHMENTS", "Z_3INTERACTIONS", "Z_2INTERACTIONRECIPIENT",
                "Z_2RECIPIENTS", "Z_3INTERACTIONRECIPIENT"),
    "renumbered": ("Z_2INTERACTIONS", "Z_2ATTACHMENTS", "Z_4INTERACTIONS",
                   "Z_3INTERACTIONRECIPIENT", "Z_3RECIPIENTS", "Z_4INTERACTIONRECIPIENT"),
}  # fmt: skip

INCOMING, OUTGOING = 0, 1
_DROPPED_WITHOUT_GROUP = ("ZGROUPNAME", "ZDERIVEDINTENTIDENTIFIER", "ZPHOTOLOCALIDENTIFIER")


def write(
    path: Path,
    contacts: Rows,
    interactions: Rows,
    attachments: Rows = (),
    *,
    variant: Variant = "current",
) -> None:
    """Write interactionC.db.

    ``contacts``: ZCONTACTS dicts (``Z_PK``, ``ZIDENTIFIER``, ``ZDISPLAYNAME``...).
    ``interactions``: ZINTERACTIONS dicts (``Z_PK``, ``ZSTARTDATE``/``ZENDDATE``/
    ``ZCREATIONDATE`` in Cocoa seconds, ``ZBUNDLEID``, ``ZDIRECTION``, ``ZSENDER``...) with two
    extra keys that are not columns: ``recipients`` (contact Z_PKs) and ``attachments``
    (attachment Z_PKs); they make the link-table rows. ``attachments``: ZATTACHMENT dicts.
    Columns a variant lacks are dropped from the given dicts.
    """
    names = _LINKS["renumbered" if variant == "renumbered" else "current"]
    att, att_a, att_i, rcp, rcp_c, rcp_i = names
    full = variant in ("current", "renumbered")
    schema = _CONTACTS + _INTERACTIONS.format(extra=_INTERACTIONS_EXTRA if full else "")
    if variant != "no_links":
        schema += _ATTACHMENT.format(
            extra="ZPHOTOLOCALIDENTIFIER VARCHAR, " if full else "",
            att=att, att_a=att_a, att_i=att_i, rcp=rcp, rcp_c=rcp_c, rcp_i=rcp_i,
        )  # fmt: skip
    inter_rows: list[dict[str, Any]] = []
    att_links: list[dict[str, Any]] = []
    rcp_links: list[dict[str, Any]] = []
    for i in interactions:
        row = {"Z_ENT": 3, "Z_OPT": 1, **i}
        for pk in row.pop("recipients", ()):
            rcp_links.append({rcp_c: pk, rcp_i: row["Z_PK"]})
        for pk in row.pop("attachments", ()):
            att_links.append({att_a: pk, att_i: row["Z_PK"]})
        inter_rows.append(row)
    att_rows = [{"Z_ENT": 1, "Z_OPT": 1, **a} for a in attachments]
    if not full:
        inter_rows = [_drop(r) for r in inter_rows]
        att_rows = [_drop(r) for r in att_rows]
    keys = [
        {"Z_ENT": 1, "Z_NAME": "Attachment", "Z_SUPER": 0, "Z_MAX": len(att_rows)},
        {"Z_ENT": 2, "Z_NAME": "Contact", "Z_SUPER": 0, "Z_MAX": len(contacts)},
        {"Z_ENT": 3, "Z_NAME": "Interaction", "Z_SUPER": 0, "Z_MAX": len(inter_rows)},
    ]
    tables: dict[str, Rows] = {
        "ZCONTACTS": [{"Z_ENT": 2, "Z_OPT": 1, **c} for c in contacts],
        "ZINTERACTIONS": inter_rows,
        "Z_PRIMARYKEY": keys,
    }
    if variant != "no_links":
        tables.update({"ZATTACHMENT": att_rows, att: att_links, rcp: rcp_links})
    write_sqlite(path, schema, tables)


def _drop(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in _DROPPED_WITHOUT_GROUP}

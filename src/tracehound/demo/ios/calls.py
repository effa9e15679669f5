"""CallHistory.storedata in Apple's Core Data layout (``ZCALLRECORD`` plus Core Data bookkeeping).

Facts: table and column names as read by MVT's ``Calls`` and iLEAPP's ``callHistory``; the extra
columns (call category, disconnect cause, handle type, junk confidence...) are those of iOS 15-17
databases as seen in public fixtures and forensic write-ups, recalled rather than verified column
by column. ``legacy=True`` writes an older, smaller ZCALLRECORD (no junk/verification columns, no
remote-participant handle tables), the shape of iOS 12-13 databases.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from tracehound.demo.sqlite_util import Rows, write_sqlite

_CORE_DATA = """
CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER,
  Z_MAX INTEGER);
CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB);
CREATE TABLE Z_MODELCACHE (Z_CONTENT BLOB);
"""

SCHEMA = (
    """
CREATE TABLE ZCALLRECORD ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZANSWERED INTEGER, ZCALL_CATEGORY INTEGER, ZCALLTYPE INTEGER, ZDISCONNECTED_CAUSE INTEGER,
  ZFACE_TIME_DATA BLOB, ZHANDLE_TYPE INTEGER, ZJUNKCONFIDENCE INTEGER,
  ZJUNKIDENTIFICATIONCATEGORY VARCHAR, ZNUMBER_AVAILABILITY INTEGER, ZORIGINATED INTEGER,
  ZREAD INTEGER, ZVERIFICATIONSTATUS INTEGER, ZWASEMERGENCYCALL INTEGER, ZDATE TIMESTAMP,
  ZDURATION FLOAT, ZADDRESS VARCHAR, ZDEVICE_ID VARCHAR, ZISO_COUNTRY_CODE VARCHAR,
  ZLOCATION VARCHAR, ZNAME VARCHAR, ZSERVICE_PROVIDER VARCHAR, ZUNIQUE_ID VARCHAR,
  ZLOCALPARTICIPANTUUID BLOB, ZOUTGOINGLOCALPARTICIPANTUUID BLOB,
  ZPARTICIPANTGROUPUUID BLOB );
CREATE TABLE ZHANDLE ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZTYPE INTEGER,
  ZNORMALIZEDVALUE VARCHAR, ZVALUE VARCHAR );
CREATE TABLE Z_2REMOTEPARTICIPANTHANDLES ( Z_2REMOTEPARTICIPANTCALLS INTEGER,
  Z_4REMOTEPARTICIPANTHANDLES INTEGER,
  PRIMARY KEY (Z_2REMOTEPARTICIPANTCALLS, Z_4REMOTEPARTICIPANTHANDLES) );
CREATE INDEX ZCALLRECORD_ZDATE_INDEX ON ZCALLRECORD (ZDATE);
"""
    + _CORE_DATA
)

LEGACY_SCHEMA = (
    """
CREATE TABLE ZCALLRECORD ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZANSWERED INTEGER, ZCALLTYPE INTEGER, ZDISCONNECTED_CAUSE INTEGER, ZFACE_TIME_DATA BLOB,
  ZNUMBER_AVAILABILITY INTEGER, ZORIGINATED INTEGER, ZREAD INTEGER, ZDATE TIMESTAMP,
  ZDURATION FLOAT, ZADDRESS VARCHAR, ZDEVICE_ID VARCHAR, ZISO_COUNTRY_CODE VARCHAR,
  ZLOCATION VARCHAR, ZNAME VARCHAR, ZSERVICE_PROVIDER VARCHAR, ZUNIQUE_ID VARCHAR );
"""
    + _CORE_DATA
)

#: ZCALLTYPE values (iLEAPP ``callHistory``).
THIRD_PARTY, PHONE, FACETIME_VIDEO, FACETIME_AUDIO = 0, 1, 8, 16


def write(path: Path, calls: Rows, *, legacy: bool = False) -> None:
    """Write CallHistory.storedata.

    ``calls`` are dicts of ZCALLRECORD columns (``Z_PK``, ``ZDATE`` Cocoa seconds, ``ZDURATION``,
    ``ZADDRESS`` str or bytes, ``ZORIGINATED``, ``ZANSWERED``, ``ZCALLTYPE``,
    ``ZSERVICE_PROVIDER``...). Unset columns get plausible defaults (a phone call over
    com.apple.Telephony, read, with a generated ZUNIQUE_ID). For the current schema each call's
    address is also written as a ZHANDLE row joined through Z_2REMOTEPARTICIPANTHANDLES.
    """
    rows: list[dict[str, Any]] = []
    handles: list[dict[str, Any]] = []
    joins: list[dict[str, Any]] = []
    for index, call in enumerate(calls, start=1):
        pk = call.get("Z_PK", index)
        row: dict[str, Any] = {
            "Z_PK": pk,
            "Z_ENT": 2,
            "Z_OPT": 1,
            "ZANSWERED": 1,
            "ZCALLTYPE": PHONE,
            "ZORIGINATED": 0,
            "ZREAD": 1,
            "ZDURATION": 0.0,
            "ZNUMBER_AVAILABILITY": 0,
            "ZDISCONNECTED_CAUSE": 0,
            "ZSERVICE_PROVIDER": "com.apple.Telephony",
            "ZUNIQUE_ID": str(uuid.uuid5(uuid.NAMESPACE_OID, f"tracehound-call-{pk}")).upper(),
        }
        if not legacy:
            row.update({"ZCALL_CATEGORY": 1, "ZHANDLE_TYPE": 2, "ZJUNKCONFIDENCE": 0})
            row["ZVERIFICATIONSTATUS"] = 0
        row.update(call)
        rows.append(row)
        address = row.get("ZADDRESS")
        if not legacy and address is not None:
            text = address.decode("utf-8", "replace") if isinstance(address, bytes) else address
            handles.append({"Z_PK": index, "Z_ENT": 4, "Z_OPT": 1, "ZTYPE": 2, "ZVALUE": text})
            joins.append({"Z_2REMOTEPARTICIPANTCALLS": pk, "Z_4REMOTEPARTICIPANTHANDLES": index})
    keys = [{"Z_ENT": 2, "Z_NAME": "CallRecord", "Z_SUPER": 0, "Z_MAX": len(rows)}]
    tables: dict[str, Rows] = {"ZCALLRECORD": rows, "Z_PRIMARYKEY": keys}
    if not legacy:
        keys.append({"Z_ENT": 4, "Z_NAME": "Handle", "Z_SUPER": 0, "Z_MAX": len(handles)})
        tables["ZHANDLE"] = handles
        tables["Z_2REMOTEPARTICIPANTHANDLES"] = joins
    write_sqlite(path, LEGACY_SCHEMA if legacy else SCHEMA, tables)

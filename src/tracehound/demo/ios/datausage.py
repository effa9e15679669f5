"""DataUsage.sqlite in Apple's Core Data schema (columns as in iOS 14-17 DataUsage.sqlite)."""

from __future__ import annotations

from pathlib import Path

from tracehound.demo.sqlite_util import Rows, write_sqlite

SCHEMA = """
CREATE TABLE ZPROCESS ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZFIRSTTIMESTAMP TIMESTAMP, ZTIMESTAMP TIMESTAMP, ZBUNDLENAME VARCHAR, ZPROCNAME VARCHAR );
CREATE TABLE ZLIVEUSAGE ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZKIND INTEGER, ZMETADATA INTEGER, ZTAG INTEGER, ZHASPROCESS INTEGER, ZBILLCYCLEEND TIMESTAMP,
  ZTIMESTAMP TIMESTAMP, ZWIFIIN FLOAT, ZWIFIOUT FLOAT, ZWWANIN FLOAT, ZWWANOUT FLOAT );
CREATE INDEX ZLIVEUSAGE_ZHASPROCESS_INDEX ON ZLIVEUSAGE (ZHASPROCESS);
CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER,
  Z_MAX INTEGER);
CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB);
"""


def write(path: Path, processes: Rows, usage: Rows) -> None:
    """Write DataUsage.sqlite. ``processes``/``usage`` are dicts of ZPROCESS/ZLIVEUSAGE columns."""
    proc_rows = [{"Z_ENT": 9, "Z_OPT": 1, **p} for p in processes]
    usage_rows = [
        {"Z_ENT": 6, "Z_OPT": 1, "ZKIND": 0, "ZMETADATA": 0, "ZTAG": 0, **u} for u in usage
    ]
    max_proc = max((int(p["Z_PK"]) for p in proc_rows), default=0)
    max_usage = max((int(u["Z_PK"]) for u in usage_rows), default=0)
    keys = [
        {"Z_ENT": 6, "Z_NAME": "LiveUsage", "Z_SUPER": 0, "Z_MAX": max_usage},
        {"Z_ENT": 9, "Z_NAME": "Process", "Z_SUPER": 0, "Z_MAX": max_proc},
    ]
    write_sqlite(
        path, SCHEMA, {"ZPROCESS": proc_rows, "ZLIVEUSAGE": usage_rows, "Z_PRIMARYKEY": keys}
    )

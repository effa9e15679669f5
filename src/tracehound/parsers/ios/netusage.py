"""Per-process network usage from networkd's netusage.sqlite (ZPROCESS and ZLIVEUSAGE).

Facts: MVT's ``Netusage`` module (``net_netusage.py``) reads
``private/var/networkd/netusage.sqlite`` and ``private/var/networkd/db/netusage.sqlite`` with
the same ``NetBase`` code as DataUsage; plaso's ``ios_netusage`` plugin gives the layout:
``ZPROCESS(Z_PK, ZFIRSTTIMESTAMP, ZTIMESTAMP, ZBUNDLENAME, ZPROCNAME)`` and ``ZLIVEUSAGE(Z_PK,
ZHASPROCESS, ZTIMESTAMP, ZWIFIIN, ZWIFIOUT, ZWWANIN, ZWWANOUT, ZWIREDIN, ZWIREDOUT, ...)``,
Cocoa seconds. The file is on the filesystem only (not in iTunes backups) and keeps more history
than DataUsage.sqlite. Wired traffic (ZWIREDIN/OUT) is not read: the DataUsage record has no
field for it.

The rows are read by the DataUsage parser (same query, same handling of usage rows whose
process row was deleted), so both artifacts behave identically; records are re-typed so that
indicators, detectors and the timeline can tell the two files apart.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa

from tracehound.core.context import ParseContext
from tracehound.core.registry import artifact
from tracehound.parsers.ios import datausage
from tracehound.parsers.ios.datausage import DataUsage


@dataclass(frozen=True, slots=True, kw_only=True)
class NetUsage(DataUsage):
    """One netusage process row with one of its usage rows, or a usage row of a deleted process.

    A subclass of DataUsage: the DataUsage detectors (deleted process rows, Z_PK gaps) accept it
    once its TYPE is in their TYPES.
    """

    TYPE = "ios.netusage"
    MEANING = (
        "netusage.sqlite lists processes that used the network: a name here means a program of "
        "that name ran on the phone."
    )
    TS_DESC = "Network usage (netusage)"


PATHS = (
    "/private/var/networkd/netusage.sqlite",
    "/private/var/networkd/db/netusage.sqlite",
)


@artifact(
    record=NetUsage,
    input="sqlite",
    paths=PATHS,
    requires={"ZPROCESS": ("Z_PK", "ZPROCNAME"), "ZLIVEUSAGE": ("Z_PK", "ZHASPROCESS")},
)
def parse(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[NetUsage | pa.RecordBatch]:
    """Processes that used the network per netusage.sqlite, and usage rows of deleted processes."""
    return datausage.read_usage(conn, ctx, NetUsage)

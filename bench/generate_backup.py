"""Write a large synthetic iOS backup in Apple's formats, with planted traces and a truth file.

Run: ``.venv/bin/python bench/generate_backup.py --scale N --out DIR [--seed S]``. Scale 1 holds
about 12,000 records, scale 10 about 120,000, scale 100 about 1.2 million: SMS, Safari and Chrome
visits, WhatsApp messages, interactionC interactions, calls, Manifest.db files and DataUsage rows.
``DIR/backup`` is the backup folder (plaintext, iOS 17); ``DIR/truth.json`` lists the planted
traces, what each tool is expected to report for them and why, and the row counts.

Each database is created empty by its demo builder (``tracehound.demo.ios.*``, Apple's table and
column names), then filled by streaming rows in batches with ``executemany``, so that memory does
not grow with the scale. Bookkeeping columns (visit counts, Core Data ``Z_PRIMARYKEY.Z_MAX``) are
set afterwards in SQL.

All values are synthetic: phone numbers come from fictional ranges (+1 202-555-01xx, +44 7700
900xxx), e-mail addresses from example.com, web hosts from the demo's benign site list. The
planted indicator values come from the bundled public STIX2 files and are checked to be there.
"""

from __future__ import annotations

import argparse
import json
import plistlib
import random
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tracehound.core.glob import GlobSet
from tracehound.core.ios_domains import device_path
from tracehound.core.registry import artifacts
from tracehound.core.timeutil import to_cocoa, to_webkit
from tracehound.demo import content
from tracehound.demo.backup import BackupWriter
from tracehound.demo.ios import (
    backup_info,
    calls,
    chrome_history,
    datausage,
    interaction_c,
    manifest,
    safari_history,
    sms,
    whatsapp,
)
from tracehound.demo.ios.manifest import FLAG_DIR, FLAG_FILE, ManifestEntry
from tracehound.iocs.bundled import bundled_stix_paths

BACKUP_DATE = datetime(2024, 3, 15, 8, 0, tzinfo=UTC)
DAYS = 365
START = BACKUP_DATE - timedelta(days=DAYS)
BATCH = 5000

#: Records per scale unit; the sum is 12,000.
PER_SCALE = {
    "sms": 3000,
    "safari_visits": 2500,
    "chrome_visits": 1000,
    "whatsapp_messages": 2000,
    "interactions": 1000,
    "calls": 500,
    "manifest_files": 1000,
    "datausage": 1000,
}

# Cocoa time counts from 2001-01-01 UTC, WebKit/Chromium time (microseconds) from 1601-01-01 UTC.
# The per-row conversions below use these offsets; they are checked against core/timeutil.
COCOA_OFFSET = 978_307_200.0
WEBKIT_OFFSET = 11_644_473_600

LOCKDOWN = {
    "ProductType": "iPhone15,2",
    "ProductVersion": "17.3.1",
    "BuildVersion": "21D61",
    "DeviceName": "Bench iPhone",
    "UniqueDeviceID": "00008120-000B1C2D3E4F501E",
}

# --- planted traces (values from the bundled STIX2 files) -----------------------------------
SMS_AT = datetime(2023, 11, 2, 18, 2, 11, tzinfo=UTC)
SMS_LINK = "https://urlpush.net/n8Kd2xq"
INJECTION = datetime(2023, 11, 3, 9, 14, 3, 120000, tzinfo=UTC)
INJECTED_PAGE = "http://www.lemonde.fr/"
EXPLOIT_URL = "https://bun54l2b67.get1tn0w.free247downloads.com:30495/szev4hz"
WHATSAPP_AT = datetime(2023, 12, 4, 20, 41, 5, tzinfo=UTC)
PREDATOR_LINK = "https://exclusivo24h.com/noticia/8812"
CHROME_AT = datetime(2023, 12, 4, 20, 41, 37, tzinfo=UTC)
PEGASUS_PROCESSES = ("bh", "msgacntd")
TRIANGULATION_PROCESS = "BackupAgent"
PEGASUS_FILE = "Library/Preferences/roleaccountd.plist"
TRIANGULATION_EMAIL = "nonbaguette@yahoo.com"
IMESSAGE_AT = datetime(2024, 1, 9, 3, 12, 44, tzinfo=UTC)
# Probes of known MVT matching defects (see shared/ARTIFACTS.md, "Indicator semantics").
SUBDOMAIN_URL = "https://static.cdn.uacounter.com/stat.js"  # IOC cdn.uacounter.com (Coruna)
SUBDOMAIN_AT = datetime(2024, 2, 1, 11, 5, 9, tzinfo=UTC)
IP_URL = "http://62.72.21.105/login"  # benign; IOC 62.72.21.10 (DarkSword) is a prefix of it
IP_AT = datetime(2024, 2, 7, 16, 30, 2, tzinfo=UTC)

_WORDS = (
    "ok sure thanks see you later tomorrow tonight meeting lunch coffee train late home work "
    "call me back when free great news photo address sent received love it running minutes "
    "please check the document before friday weekend plans sounds good happy birthday"
)
WORDS = _WORDS.split()


@dataclass(frozen=True)
class Trace:
    """One planted trace (or probe) and what each tool should report."""

    id: str
    description: str
    artifact: str  # tracehound record TYPE
    mvt_module: str  # MVT module slug (name of its *_detected.json)
    pattern: str  # the STIX2 pattern that must be in the indicator files
    observed: str  # the value as stored on the phone
    expect_tracehound: bool
    expect_mvt: bool
    why: str = ""

    @property
    def indicator(self) -> str:
        return self.pattern.split("'")[1]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "description": self.description,
            "artifact": self.artifact,
            "mvt_module": self.mvt_module,
            "pattern": self.pattern,
            "indicator": self.indicator,
            "observed": self.observed,
            "expect": {"tracehound": self.expect_tracehound, "mvt": self.expect_mvt},
            "why": self.why,
        }


TRACES = (
    Trace(
        "sms-pegasus-link",
        "SMS with a link to a Pegasus domain (1-click attempt)",
        "ios.sms",
        "sms",
        "[domain-name:value='urlpush.net']",
        SMS_LINK,
        True,
        True,
    ),
    Trace(
        "safari-pegasus-visit",
        "Safari visit to a Pegasus exploit URL, 3 ms after an http:// page (network injection)",
        "ios.safari_history",
        "safari_history",
        "[domain-name:value='free247downloads.com']",
        EXPLOIT_URL,
        True,
        True,
    ),
    Trace(
        "whatsapp-predator-link",
        "WhatsApp message with a link (and link preview) to a Predator domain",
        "ios.whatsapp",
        "whatsapp",
        "[domain-name:value='exclusivo24h.com']",
        PREDATOR_LINK,
        True,
        True,
    ),
    Trace(
        "chrome-predator-visit",
        "Chrome visit to the same Predator link",
        "ios.chrome_history",
        "chrome_history",
        "[domain-name:value='exclusivo24h.com']",
        PREDATOR_LINK,
        True,
        True,
    ),
    Trace(
        "datausage-pegasus-bh",
        "DataUsage process 'bh' (Pegasus)",
        "ios.datausage",
        "datausage",
        "[process:name='bh']",
        "bh",
        True,
        True,
    ),
    Trace(
        "datausage-pegasus-msgacntd",
        "DataUsage process 'msgacntd' (Pegasus)",
        "ios.datausage",
        "datausage",
        "[process:name='msgacntd']",
        "msgacntd",
        True,
        True,
    ),
    Trace(
        "datausage-triangulation-backupagent",
        "DataUsage process 'BackupAgent' (Operation Triangulation; the real one is BackupAgent2)",
        "ios.datausage",
        "datausage",
        "[process:name='BackupAgent']",
        TRIANGULATION_PROCESS,
        True,
        True,
    ),
    Trace(
        "manifest-pegasus-roleaccountd",
        "Manifest.db file Library/Preferences/roleaccountd.plist (Pegasus)",
        "ios.manifest",
        "manifest",
        "[file:name='roleaccountd.plist']",
        PEGASUS_FILE,
        True,
        True,
    ),
    Trace(
        "interactionc-triangulation-email",
        "interactionC: iMessage from an Operation Triangulation sender address",
        "ios.interaction_c",
        "interaction_c",
        f"[email-addr:value='{TRIANGULATION_EMAIL}']",
        TRIANGULATION_EMAIL,
        True,
        False,
        "MVT's InteractionC module extracts interactions but checks no indicator against them",
    ),
    Trace(
        "probe-subdomain",
        "Safari visit to a host one label below an indicator domain that is itself a subdomain",
        "ios.safari_history",
        "safari_history",
        "[domain-name:value='cdn.uacounter.com']",
        SUBDOMAIN_URL,
        True,
        False,
        "MVT compares only the whole host and the registrable domain (uacounter.com) with the "
        "indicator, so static.cdn.uacounter.com misses cdn.uacounter.com; tracehound matches "
        "every label suffix",
    ),
    Trace(
        "probe-ip-prefix",
        "Chrome visit to a benign IP address that merely starts with an indicator IP",
        "ios.chrome_history",
        "chrome_history",
        "[ipv4-addr:value='62.72.21.10']",
        IP_URL,
        False,
        True,
        "false positive in MVT: a host that is an IP address fails its domain parsing and falls "
        "back to a substring test, so 62.72.21.105 matches 62.72.21.10; tracehound compares "
        "addresses",
    ),
)


def check_traces() -> None:
    """Fail if a planted trace's pattern is not in the bundled indicator files."""
    text = "".join(path.read_text("utf-8") for path in bundled_stix_paths())
    missing = [t.pattern for t in TRACES if json.dumps(t.pattern)[1:-1] not in text]
    if missing:
        raise SystemExit(f"planted indicators not in the bundled files: {missing}")
    assert abs(to_cocoa(BACKUP_DATE) - (BACKUP_DATE.timestamp() - COCOA_OFFSET)) < 1e-6
    assert to_webkit(BACKUP_DATE) == int((BACKUP_DATE.timestamp() + WEBKIT_OFFSET) * 1_000_000)


# --- helpers ----------------------------------------------------------------------------------


def cocoa(ts: float) -> float:
    """Unix seconds to Cocoa seconds."""
    return ts - COCOA_OFFSET


def webkit(ts: float) -> int:
    """Unix seconds to WebKit microseconds."""
    return int((ts + WEBKIT_OFFSET) * 1_000_000)


def spread(rng: random.Random, count: int) -> Iterator[float]:
    """``count`` increasing Unix times over the year before the backup."""
    start = START.timestamp()
    step = (BACKUP_DATE.timestamp() - 3600 - start) / max(count, 1)
    for i in range(count):
        yield start + (i + rng.random()) * step


def guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4)).upper()


def phone(i: int) -> str:
    """Fictional numbers: +1 202-555-0100..0199, then +44 7700 900000..900999."""
    if i < 100:
        return f"+1202555{100 + i:04d}"
    return f"+447700900{(i - 100) % 1000:03d}"


def hosts() -> list[str]:
    return sorted({s.split("/")[2] for s in content.SITES})


def benign_url(rng: random.Random, host_list: Sequence[str], unique: int | None = None) -> str:
    slug = "-".join(rng.choice(WORDS) for _ in range(3))
    tail = f"-{unique}" if unique is not None else f"-{rng.getrandbits(32):x}"
    return f"https://{rng.choice(host_list)}/{slug}{tail}"


def sentence(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return rng.choice(content.SMS_TEXTS)
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 14))).capitalize()


def insert(conn: sqlite3.Connection, table: str, cols: Sequence[str], rows: Iterable[Any]) -> int:
    """Insert ``rows`` (tuples in ``cols`` order) in batches; return how many."""
    sql = f'INSERT INTO "{table}" ({", ".join(cols)}) VALUES ({", ".join("?" * len(cols))})'
    total = 0
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            conn.executemany(sql, batch)
            total += len(batch)
            batch.clear()
    conn.executemany(sql, batch)
    return total + len(batch)


def open_db(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    return conn


def set_max(conn: sqlite3.Connection, table: str, entity: str) -> None:
    """Core Data bookkeeping: Z_PRIMARYKEY.Z_MAX = the table's highest Z_PK."""
    conn.execute(
        f'UPDATE Z_PRIMARYKEY SET Z_MAX = (SELECT coalesce(max(Z_PK), 0) FROM "{table}") '
        "WHERE Z_NAME = ?",
        (entity,),
    )


@dataclass
class Plan:
    """Generation state: the random source, the scale, and the Manifest entries of real files."""

    rng: random.Random
    scale: int
    root: Path
    rows: dict[str, int] = field(default_factory=dict)
    entries: list[ManifestEntry] = field(default_factory=list)
    dirs: set[tuple[str, str]] = field(default_factory=set)
    inode: int = 1000

    def n(self, key: str) -> int:
        return PER_SCALE[key] * self.scale

    def entry(self, domain: str, rel: str, flags: int, size: int, when: float) -> ManifestEntry:
        self.inode += 1
        return ManifestEntry(
            domain=domain,
            relative_path=rel,
            flags=flags,
            size=size,
            birth=int(when),
            modified=int(when),
            status_changed=int(when),
            mode=0o100644 if flags == FLAG_FILE else 0o40755,
            inode=self.inode,
        )

    def parents(self, domain: str, rel: str, when: float) -> Iterator[ManifestEntry]:
        """Folder entries for the not yet listed parents of ``rel``."""
        parts = rel.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            folder = "/".join(parts[:i])
            if (domain, folder) not in self.dirs:
                self.dirs.add((domain, folder))
                yield self.entry(domain, folder, FLAG_DIR, 0, when)

    def stored(self, domain: str, rel: str) -> Path:
        """Where ``domain``/``rel`` lives in the backup; listed in the Manifest (in memory: only
        a dozen files go this way, the bulk is streamed by ``write_manifest_files``)."""
        fid = manifest.file_id(domain, rel)
        path = self.root / fid[:2] / fid
        path.parent.mkdir(parents=True, exist_ok=True)
        when = START.timestamp()
        self.entries.extend(self.parents(domain, rel, when))
        self.entries.append(self.entry(domain, rel, FLAG_FILE, 0, when))
        return path

    def sized_entries(self) -> list[ManifestEntry]:
        """The listed files with their real sizes and a last-modified time near the backup."""
        out = []
        for e in self.entries:
            if e.flags == FLAG_FILE:
                size = (self.root / e.file_id[:2] / e.file_id).stat().st_size
                modified = int(BACKUP_DATE.timestamp()) - 600
                e = replace(e, size=size, modified=modified, status_changed=modified)
            out.append(e)
        return out


def merged(
    times: Iterable[float], planted: Sequence[tuple[float, Any]]
) -> Iterator[tuple[float, Any]]:
    """Benign times (payload None) and planted events, in time order."""
    todo = sorted(planted, key=lambda p: p[0])
    i = 0
    for ts in times:
        while i < len(todo) and todo[i][0] <= ts:
            yield todo[i]
            i += 1
        yield ts, None
    yield from todo[i:]


# --- SMS ----------------------------------------------------------------------------------------


def write_sms(plan: Plan) -> None:
    rng = plan.rng
    path = plan.stored("HomeDomain", "Library/SMS/sms.db")
    count = min(60 + 4 * plan.scale, 999)
    handles: list[dict[str, Any]] = []
    for i in range(count):
        if i % 5 == 4:
            handles.append({"ROWID": i + 1, "id": f"user{i}@example.com", "service": "iMessage"})
        else:
            service = "iMessage" if i % 2 else "SMS"
            handles.append({"ROWID": i + 1, "id": phone(i), "service": service})
    attacker = count + 1
    handles.append({"ROWID": attacker, "id": "+447700900999", "service": "SMS"})
    sms.write(path, [], handles=handles)
    host_list = hosts()
    services = [h["service"] for h in handles]
    text = f"Your parcel is held at customs, pay the fee: {SMS_LINK}"

    def rows() -> Iterator[tuple[Any, ...]]:
        planted = [(SMS_AT.timestamp(), (attacker, text, 0))]
        for rowid, (ts, extra) in enumerate(merged(spread(rng, plan.n("sms")), planted), 1):
            if extra is None:
                handle = rng.randint(1, count)
                body = sentence(rng)
                if rng.random() < 0.12:
                    body = f"{body} {benign_url(rng, host_list)}"
                from_me = int(rng.random() < 0.4)
            else:
                handle, body, from_me = extra
            date = int(cocoa(ts) * 1e9)
            read = None if from_me else date + rng.randint(5, 3600) * 1_000_000_000
            imessage = services[handle - 1] == "iMessage"
            account = "E:owner@example.com" if imessage else "P:+12025550100"
            yield (
                rowid, guid(rng), body, handle, services[handle - 1], account, date, read,
                date + 1_000_000_000, from_me, int(not from_me), from_me, 1, 1,
            )  # fmt: skip

    conn = open_db(path)
    with conn:
        plan.rows["sms"] = insert(
            conn,
            "message",
            (
                "ROWID", "guid", "text", "handle_id", "service", "account", "date", "date_read",
                "date_delivered", "is_from_me", "is_read", "is_sent", "is_delivered",
                "is_finished",
            ),
            rows(),
        )  # fmt: skip
        # Each handle has the one-to-one chat of the same ROWID (sms.write makes them so).
        conn.execute(
            "INSERT INTO chat_message_join (chat_id, message_id, message_date) "
            "SELECT handle_id, ROWID, date FROM message"
        )
        conn.execute(
            "UPDATE _SqliteDatabaseProperties SET value = ? WHERE key = 'counter_in_all'",
            (str(plan.rows["sms"]),),
        )
    conn.close()


# --- Safari -------------------------------------------------------------------------------------


def write_safari(plan: Plan) -> None:
    rng = plan.rng
    path = plan.stored("HomeDomain", "Library/Safari/History.db")
    safari_history.write(path, [], [])
    host_list = hosts()
    pool = max(plan.n("safari_visits") // 3, 50)
    upgrades = host_list[:4]  # http:// -> https:// upgrades of the same site (benign redirects)
    special = [INJECTED_PAGE, EXPLOIT_URL, SUBDOMAIN_URL]
    special += [f"http://{h}/" for h in upgrades] + [f"https://{h}/" for h in upgrades]
    item_of = {url: pool + i for i, url in enumerate(special, 1)}

    def items() -> Iterator[tuple[Any, ...]]:
        for i in range(1, pool + 1):
            url = benign_url(rng, host_list, i)
            yield i, url, url.split("/")[2].removeprefix("www."), 0, b"", 0, 0
        for url, i in item_of.items():
            host = url.split("/")[2].split(":")[0]
            yield i, url, host.removeprefix("www."), 0, b"", 0, 0

    span = BACKUP_DATE.timestamp() - START.timestamp()
    planted: list[tuple[float, Any]] = [
        (INJECTION.timestamp(), ("redirect", INJECTED_PAGE, EXPLOIT_URL, 0.003)),
        (SUBDOMAIN_AT.timestamp(), ("visit", SUBDOMAIN_URL)),
    ]
    for k, host in enumerate(upgrades, 1):
        when = START.timestamp() + span * k / 6
        planted.append((when, ("redirect", f"http://{host}/", f"https://{host}/", 0.09)))

    def visits() -> Iterator[tuple[Any, ...]]:
        vid = 0
        for ts, extra in merged(spread(rng, plan.n("safari_visits") - 10), planted):
            vid += 1
            if extra is None:
                item = rng.randint(1, 50) if rng.random() < 0.4 else rng.randint(1, pool)
                yield vid, item, cocoa(ts), "", 1, None, None
            elif extra[0] == "visit":
                yield vid, item_of[extra[1]], cocoa(ts), "", 1, None, None
            else:
                _, origin, target, delay = extra
                yield vid, item_of[origin], cocoa(ts), "", 1, None, vid + 1
                vid += 1
                ok = int(target != EXPLOIT_URL)
                yield vid, item_of[target], cocoa(ts + delay), "", ok, vid - 1, None

    conn = open_db(path)
    with conn:
        insert(
            conn,
            "history_items",
            (
                "id", "url", "domain_expansion", "visit_count", "daily_visit_counts",
                "should_recompute_derived_visit_counts", "visit_count_score",
            ),
            items(),
        )  # fmt: skip
        plan.rows["safari_visits"] = insert(
            conn,
            "history_visits",
            (
                "id", "history_item", "visit_time", "title", "load_successful",
                "redirect_source", "redirect_destination",
            ),
            visits(),
        )  # fmt: skip
        conn.execute(
            "UPDATE history_items SET visit_count = "
            "(SELECT count(*) FROM history_visits WHERE history_item = history_items.id)"
        )
        conn.execute("DELETE FROM history_items WHERE visit_count = 0")
    conn.close()


# --- Chrome -------------------------------------------------------------------------------------


def write_chrome(plan: Plan) -> None:
    rng = plan.rng
    path = plan.stored(
        "AppDomain-com.google.chrome.ios",
        "Library/Application Support/Google/Chrome/Default/History",
    )
    chrome_history.write(path, [], [])
    host_list = hosts()
    pool = max(plan.n("chrome_visits") // 3, 50)
    item_of = {PREDATOR_LINK: pool + 1, IP_URL: pool + 2}

    def urls() -> Iterator[tuple[Any, ...]]:
        for i in range(1, pool + 1):
            url = benign_url(rng, host_list, i)
            yield i, url, url.split("/")[2], 0, 0, 0, 0
        for url, i in item_of.items():
            yield i, url, "", 0, 0, 0, 0

    link = chrome_history.signed(
        chrome_history.LINK | chrome_history.CHAIN_START | chrome_history.CHAIN_END
    )
    typed = chrome_history.signed(
        chrome_history.TYPED | chrome_history.CHAIN_START | chrome_history.CHAIN_END
    )
    planted = [(CHROME_AT.timestamp(), PREDATOR_LINK), (IP_AT.timestamp(), IP_URL)]

    def visits() -> Iterator[tuple[Any, ...]]:
        for vid, (ts, extra) in enumerate(merged(spread(rng, plan.n("chrome_visits")), planted), 1):
            url = item_of[extra] if extra else rng.randint(1, pool)
            transition = typed if rng.random() < 0.1 else link
            yield vid, url, webkit(ts), 0, transition, 0, rng.randint(0, 600_000_000)

    conn = open_db(path)
    with conn:
        insert(
            conn,
            "urls",
            ("id", "url", "title", "visit_count", "typed_count", "last_visit_time", "hidden"),
            urls(),
        )
        plan.rows["chrome_visits"] = insert(
            conn,
            "visits",
            ("id", "url", "visit_time", "from_visit", "transition", "segment_id",
             "visit_duration"),
            visits(),
        )  # fmt: skip
        conn.execute(
            "UPDATE urls SET visit_count = "
            "(SELECT count(*) FROM visits WHERE visits.url = urls.id), "
            "last_visit_time = (SELECT coalesce(max(visit_time), 0) FROM visits "
            "WHERE visits.url = urls.id)"
        )
        conn.execute("DELETE FROM urls WHERE visit_count = 0")
    conn.close()


# --- WhatsApp -----------------------------------------------------------------------------------


def jid(number: str) -> str:
    return f"{number.lstrip('+')}@s.whatsapp.net"


#: Group chats' table, which whatsapp.write does not make but MVT's chat-session query joins.
#: Columns recalled from public descriptions of ChatStorage.sqlite (not verified one by one);
#: every chat here is one-to-one, so it stays empty, as on a phone without groups.
GROUP_INFO = """
CREATE TABLE ZWAGROUPINFO ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZSTATE INTEGER, ZCHATSESSION INTEGER, ZLASTMESSAGEOWNER INTEGER, ZCREATIONDATE TIMESTAMP,
  ZSUBJECTTIMESTAMP TIMESTAMP, ZCREATORJID VARCHAR, ZOWNERJID VARCHAR, ZPICTUREID VARCHAR,
  ZPICTUREPATH VARCHAR, ZSOURCEJID VARCHAR, ZSUBJECTOWNERJID VARCHAR );
CREATE INDEX ZWAGROUPINFO_ZCHATSESSION_INDEX ON ZWAGROUPINFO (ZCHATSESSION);
"""


def write_whatsapp(plan: Plan) -> None:
    rng = plan.rng
    path = plan.stored("AppDomainGroup-group.net.whatsapp.WhatsApp.shared", "ChatStorage.sqlite")
    count = min(40 + 2 * plan.scale, 900)
    sessions = [
        {"Z_PK": i, "ZCONTACTJID": jid(phone(i)), "ZPARTNERNAME": f"Contact {i}"}
        for i in range(1, count + 1)
    ]
    attacker = count + 1
    sessions.append({"Z_PK": attacker, "ZCONTACTJID": jid("+447700900998"), "ZPARTNERNAME": ""})
    whatsapp.write(path, [], sessions=sessions)
    host_list = hosts()
    message_cols = (
        "Z_PK", "Z_ENT", "Z_OPT", "ZISFROMME", "ZMESSAGESTATUS", "ZMESSAGETYPE", "ZFLAGS",
        "ZCHATSESSION", "ZMESSAGEDATE", "ZSENTDATE", "ZFROMJID", "ZTOJID", "ZPUSHNAME",
        "ZSTANZAID", "ZTEXT", "ZMEDIAITEM", "ZSORT",
    )  # fmt: skip
    media_cols = ("Z_PK", "Z_ENT", "Z_OPT", "ZMESSAGE", "ZMEDIAURL", "ZMEDIALOCALPATH", "ZFILESIZE")
    item_cols = (
        "Z_PK", "Z_ENT", "Z_OPT", "ZINDEX", "ZMESSAGE", "ZDATE", "ZCONTENT1", "ZMATCHEDTEXT",
        "ZTITLE", "ZSUMMARY",
    )  # fmt: skip
    messages: list[tuple[Any, ...]] = []
    media: list[tuple[Any, ...]] = []
    items: list[tuple[Any, ...]] = []
    planted = [(WHATSAPP_AT.timestamp(), PREDATOR_LINK)]
    conn = open_db(path)

    def flush() -> None:
        insert(conn, "ZWAMESSAGE", message_cols, messages)
        insert(conn, "ZWAMEDIAITEM", media_cols, media)
        insert(conn, "ZWAMESSAGEDATAITEM", item_cols, items)
        messages.clear()
        media.clear()
        items.clear()

    total = 0
    with conn:
        item_pk = 0
        stream = merged(spread(rng, plan.n("whatsapp_messages")), planted)
        for pk, (ts, extra) in enumerate(stream, 1):
            total += 1
            session = attacker if extra else rng.randint(1, count)
            other = sessions[session - 1]["ZCONTACTJID"]
            from_me = 0 if extra else int(rng.random() < 0.45)
            text: str | None = sentence(rng)
            kind, media_pk = whatsapp.TEXT, None
            roll = rng.random()
            url = extra or (benign_url(rng, host_list) if roll < 0.05 else None)
            if url:
                kind, text = whatsapp.LINK, f"{'Look' if extra else sentence(rng)} {url}"
                item_pk += 1
                items.append((item_pk, 10, 1, 0, pk, cocoa(ts), url, url, "News", None))
            elif roll < 0.13:
                kind, text, media_pk = whatsapp.IMAGE, None, pk
                media.append(
                    (
                        pk, 8, 1, pk,
                        f"https://mmg.whatsapp.net/v/t62.7118-24/{rng.getrandbits(48)}.enc",
                        f"Media/{other}/{pk % 16:x}/{guid(rng)}.jpg",
                        rng.randint(20_000, 3_000_000),
                    )
                )  # fmt: skip
            messages.append(
                (
                    pk, 9, 1, from_me, 8 if from_me else 0, kind, 0, session, cocoa(ts),
                    cocoa(ts), None if from_me else other, other if from_me else None,
                    None if from_me else f"Contact {session}", guid(rng)[:20], text, media_pk, pk,
                )
            )  # fmt: skip
            if len(messages) >= BATCH:
                flush()
        flush()
        set_max(conn, "ZWAMESSAGE", "WAMessage")
        set_max(conn, "ZWAMEDIAITEM", "WAMediaItem")
        conn.execute(
            "UPDATE ZWACHATSESSION SET ZARCHIVED = 0, ZREMOVED = 0, ZHIDDEN = 0, "
            "ZMESSAGECOUNTER = (SELECT count(*) FROM ZWAMESSAGE m WHERE m.ZCHATSESSION = "
            "ZWACHATSESSION.Z_PK), ZLASTMESSAGEDATE = (SELECT max(ZMESSAGEDATE) FROM ZWAMESSAGE m "
            "WHERE m.ZCHATSESSION = ZWACHATSESSION.Z_PK)"
        )
        conn.executescript(GROUP_INFO)
    conn.close()
    plan.rows["whatsapp_messages"] = total


# --- interactionC -------------------------------------------------------------------------------

BUNDLES = (
    ("com.apple.MobileSMS", 4),
    ("net.whatsapp.WhatsApp", 4),
    ("com.apple.mobilephone", 1),
    ("com.apple.mobilemail", 6),
)


def write_interactions(plan: Plan) -> None:
    rng = plan.rng
    path = plan.stored("HomeDomain", "Library/CoreDuet/People/interactionC.db")
    count = min(100 + 5 * plan.scale, 999)
    created = cocoa(START.timestamp())
    contacts = [
        {
            "Z_PK": i,
            "ZIDENTIFIER": phone(i) if i % 4 else f"friend{i}@example.com",
            "ZDISPLAYNAME": "Me" if i == 1 else f"Contact {i}",
            "ZPERSONID": guid(rng),
            "ZPERSONIDTYPE": 1,
            "ZTYPE": 0,
            "ZDISPLAYTYPE": 0,
            "ZCREATIONDATE": created,
        }
        for i in range(1, count + 1)
    ]
    attacker = count + 1
    contacts.append(
        {
            "Z_PK": attacker,
            "ZIDENTIFIER": TRIANGULATION_EMAIL,
            "ZDISPLAYNAME": "",
            "ZTYPE": 0,
            "ZDISPLAYTYPE": 0,
            "ZCREATIONDATE": cocoa(IMESSAGE_AT.timestamp()),
        }
    )
    interaction_c.write(path, contacts, [])
    cols = (
        "Z_PK", "Z_ENT", "Z_OPT", "ZDIRECTION", "ZISRESPONSE", "ZMECHANISM", "ZRECIPIENTCOUNT",
        "ZSENDER", "ZCREATIONDATE", "ZSTARTDATE", "ZENDDATE", "ZACCOUNT", "ZBUNDLEID",
        "ZDOMAINIDENTIFIER", "ZUUID", "ZTARGETBUNDLEID", "ZDERIVEDINTENTIDENTIFIER",
    )  # fmt: skip
    rows: list[tuple[Any, ...]] = []
    links: list[tuple[int, int]] = []
    conn = open_db(path)
    total = 0
    with conn:
        stream = merged(spread(rng, plan.n("interactions")), [(IMESSAGE_AT.timestamp(), True)])
        for pk, (ts, extra) in enumerate(stream, 1):
            total += 1
            bundle, mechanism = BUNDLES[0] if extra else rng.choice(BUNDLES)
            other = attacker if extra else rng.randint(2, count)
            outgoing = 0 if extra else int(rng.random() < 0.45)
            sender, recipient = (1, other) if outgoing else (other, 1)
            start = cocoa(ts)
            rows.append(
                (
                    pk, 3, 1, outgoing, 0, mechanism, 1, sender, start + rng.uniform(0.1, 5),
                    start, start + rng.uniform(0, 900), None, bundle,
                    contacts[other - 1]["ZIDENTIFIER"], guid(rng), None,
                    "INSendMessageIntent" if mechanism == 4 else None,
                )
            )  # fmt: skip
            links.append((recipient, pk))
            if len(rows) >= BATCH:
                insert(conn, "ZINTERACTIONS", cols, rows)
                insert(
                    conn,
                    "Z_2INTERACTIONRECIPIENT",
                    ("Z_2RECIPIENTS", "Z_3INTERACTIONRECIPIENT"),
                    links,
                )
                rows.clear()
                links.clear()
        insert(conn, "ZINTERACTIONS", cols, rows)
        insert(conn, "Z_2INTERACTIONRECIPIENT", ("Z_2RECIPIENTS", "Z_3INTERACTIONRECIPIENT"), links)
        set_max(conn, "ZINTERACTIONS", "Interaction")
    conn.close()
    plan.rows["interactions"] = total


# --- calls --------------------------------------------------------------------------------------


def write_calls(plan: Plan) -> None:
    rng = plan.rng
    path = plan.stored("HomeDomain", "Library/CallHistoryDB/CallHistory.storedata")
    calls.write(path, [])
    count = min(60 + 4 * plan.scale, 999)
    cols = (
        "Z_PK", "Z_ENT", "Z_OPT", "ZANSWERED", "ZCALL_CATEGORY", "ZCALLTYPE",
        "ZDISCONNECTED_CAUSE", "ZHANDLE_TYPE", "ZJUNKCONFIDENCE", "ZNUMBER_AVAILABILITY",
        "ZORIGINATED", "ZREAD", "ZVERIFICATIONSTATUS", "ZWASEMERGENCYCALL", "ZDATE", "ZDURATION",
        "ZADDRESS", "ZISO_COUNTRY_CODE", "ZLOCATION", "ZSERVICE_PROVIDER", "ZUNIQUE_ID",
    )  # fmt: skip
    kinds = (
        (calls.PHONE, "com.apple.Telephony"),
        (calls.FACETIME_AUDIO, "com.apple.FaceTime"),
        (calls.THIRD_PARTY, "net.whatsapp.WhatsApp"),
    )
    rows: list[tuple[Any, ...]] = []
    handles: list[tuple[Any, ...]] = []
    joins: list[tuple[int, int]] = []
    conn = open_db(path)

    def flush() -> None:
        insert(conn, "ZCALLRECORD", cols, rows)
        insert(
            conn,
            "ZHANDLE",
            ("Z_PK", "Z_ENT", "Z_OPT", "ZTYPE", "ZNORMALIZEDVALUE", "ZVALUE"),
            handles,
        )
        insert(
            conn,
            "Z_2REMOTEPARTICIPANTHANDLES",
            ("Z_2REMOTEPARTICIPANTCALLS", "Z_4REMOTEPARTICIPANTHANDLES"),
            joins,
        )
        rows.clear()
        handles.clear()
        joins.clear()

    total = 0
    with conn:
        for pk, ts in enumerate(spread(rng, plan.n("calls")), 1):
            total += 1
            number = phone(rng.randint(1, count))
            call_type, provider = rng.choice(kinds)
            answered = int(rng.random() < 0.8)
            duration = float(rng.randint(5, 2400)) if answered else 0.0
            originated = int(rng.random() < 0.5)
            rows.append(
                (
                    pk, 2, 1, answered, 1, call_type, 0, 2, 0, 0, originated, 1, 0, 0, cocoa(ts),
                    duration, number, "us" if number.startswith("+1") else "gb",
                    "Washington, DC" if number.startswith("+1") else "United Kingdom", provider,
                    guid(rng),
                )
            )  # fmt: skip
            handles.append((pk, 4, 1, 2, number, number))
            joins.append((pk, pk))
            if len(rows) >= BATCH:
                flush()
        flush()
        set_max(conn, "ZCALLRECORD", "CallRecord")
        set_max(conn, "ZHANDLE", "Handle")
    conn.close()
    plan.rows["calls"] = total


# --- DataUsage ----------------------------------------------------------------------------------


def write_datausage(plan: Plan) -> None:
    rng = plan.rng
    path = plan.stored("WirelessDomain", "Library/Databases/DataUsage.sqlite")
    names: list[tuple[str, str | None]] = [*content.PROCESSES, ("BackupAgent2", None)]
    extra = 100 + 10 * plan.scale - len(names)
    names += [(f"App{k}", f"com.example.app{k}") for k in range(1, extra + 1)]
    first = cocoa(START.timestamp())
    processes: list[dict[str, Any]] = [
        {
            "Z_PK": pk,
            "ZPROCNAME": f"{name}/{bundle}" if bundle else name,
            "ZBUNDLENAME": bundle,
            "ZFIRSTTIMESTAMP": first + pk * 60,
            "ZTIMESTAMP": cocoa(BACKUP_DATE.timestamp()) - 3600,
        }
        for pk, (name, bundle) in enumerate(names, 1)
    ]
    benign = len(processes)
    planted: list[tuple[float, Any]] = []
    for name, when in (
        (PEGASUS_PROCESSES[0], INJECTION + timedelta(seconds=6)),
        (PEGASUS_PROCESSES[1], INJECTION + timedelta(seconds=17)),
        (TRIANGULATION_PROCESS, IMESSAGE_AT + timedelta(seconds=30)),
    ):
        pk = len(processes) + 1
        processes.append(
            {
                "Z_PK": pk,
                "ZPROCNAME": name,
                "ZBUNDLENAME": None,
                "ZFIRSTTIMESTAMP": cocoa(when.timestamp()),
                "ZTIMESTAMP": cocoa(when.timestamp()) + 1500,
            }
        )
        planted += [(when.timestamp(), pk), (when.timestamp() + 1500, pk)]
    datausage.write(path, processes, [])

    def rows() -> Iterator[tuple[Any, ...]]:
        stream = merged(spread(rng, plan.n("datausage") - len(planted)), planted)
        for upk, (ts, proc) in enumerate(stream, 1):
            if proc is None:
                proc = upk if upk <= benign else rng.randint(1, benign)
            wifi = float(rng.randint(1_000, 90_000_000))
            wwan = float(rng.randint(0, 9_000_000)) if rng.random() < 0.5 else 0.0
            yield upk, 6, 1, 0, 0, 0, proc, cocoa(ts), wifi, wifi / 10, wwan, wwan / 10

    conn = open_db(path)
    with conn:
        plan.rows["datausage"] = insert(
            conn,
            "ZLIVEUSAGE",
            (
                "Z_PK", "Z_ENT", "Z_OPT", "ZKIND", "ZMETADATA", "ZTAG", "ZHASPROCESS",
                "ZTIMESTAMP", "ZWIFIIN", "ZWIFIOUT", "ZWWANIN", "ZWWANOUT",
            ),
            rows(),
        )  # fmt: skip
        set_max(conn, "ZLIVEUSAGE", "LiveUsage")
    conn.close()


# --- Manifest and small files -------------------------------------------------------------------


def write_small_files(plan: Plan) -> None:
    """A few preference plists, and the Pegasus roleaccountd.plist."""
    for name in ("com.apple.mobilesafari", "com.apple.Maps", "com.apple.MobileSMS"):
        path = plan.stored("HomeDomain", f"Library/Preferences/{name}.plist")
        path.write_bytes(plistlib.dumps({"Bench": True}, fmt=plistlib.FMT_BINARY))
    path = plan.stored("HomeDomain", PEGASUS_FILE)
    path.write_bytes(plistlib.dumps({}, fmt=plistlib.FMT_BINARY))


FILLER_DOMAIN = "CameraRollDomain"


def filler_path(k: int) -> str:
    return f"Media/DCIM/{100 + k // 1000}APPLE/IMG_{k % 9999 + 1:04d}.HEIC"


def check_filler_globs() -> None:
    """The bulk files must not be inputs of any artifact (they hold no real content)."""
    arts = [a for a in artifacts(platform="ios") if a.input != "listing"]
    globs = GlobSet([p for a in arts for p in a.paths])
    for k in (0, 999, 1000, 123_456):
        path = device_path(FILLER_DOMAIN, filler_path(k))
        if globs.matches(path):
            raise SystemExit(f"filler path {path} is an artifact input: {globs.matches(path)}")


def write_manifest_files(plan: Plan, manifest_db: Path, listed: int) -> int:
    """Stream the bulk Files rows (photos, with their folders) into Manifest.db and write their
    small files; return how many rows were added."""
    rng = plan.rng
    wanted = max(plan.n("manifest_files") - listed, 0)

    def rows() -> Iterator[tuple[Any, ...]]:
        made = 0
        k = 0
        while made < wanted:
            rel = filler_path(k)
            when = START.timestamp() + rng.random() * DAYS * 86400
            for folder in plan.parents(FILLER_DOMAIN, rel, when):
                made += 1
                yield (
                    folder.file_id, FILLER_DOMAIN, folder.relative_path, FLAG_DIR,
                    manifest.mbfile_blob(folder),
                )  # fmt: skip
            data = f"synthetic photo {k}\n".encode()
            e = plan.entry(FILLER_DOMAIN, rel, FLAG_FILE, len(data), when)
            target = plan.root / e.file_id[:2] / e.file_id
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(data)
            made += 1
            k += 1
            yield e.file_id, FILLER_DOMAIN, rel, FLAG_FILE, manifest.mbfile_blob(e)

    conn = open_db(manifest_db)
    with conn:
        added = insert(conn, "Files", ("fileID", "domain", "relativePath", "flags", "file"), rows())
    conn.close()
    return added


# --- main ---------------------------------------------------------------------------------------


def generate(out: Path, scale: int, seed: int = 2024) -> dict[str, Any]:
    """Write ``out/backup`` and ``out/truth.json``; return the truth."""
    check_traces()
    check_filler_globs()
    root = out / "backup"
    if root.exists() and any(root.iterdir()):
        raise SystemExit(f"{root}: not empty; generate into a new folder")
    plan = Plan(random.Random(seed), scale, root)
    writer = BackupWriter(root, BACKUP_DATE)
    for step in (
        write_sms,
        write_safari,
        write_chrome,
        write_whatsapp,
        write_interactions,
        write_calls,
        write_datausage,
        write_small_files,
    ):
        step(plan)
    writer.entries = plan.sized_entries()
    writer.finish(LOCKDOWN)
    listed = len(writer.entries)
    plan.rows["manifest_files"] = listed + write_manifest_files(plan, root / "Manifest.db", listed)
    apps = [
        backup_info.App(bundle_id=b, name=n, artist=a, purchase_date=START)
        for b, n, a in content.APPS
    ]
    backup_info.write(
        root / "Info.plist",
        apps,
        device_name=LOCKDOWN["DeviceName"],
        product_type=LOCKDOWN["ProductType"],
        product_version=LOCKDOWN["ProductVersion"],
        build_version=LOCKDOWN["BuildVersion"],
        udid=LOCKDOWN["UniqueDeviceID"],
        last_backup=BACKUP_DATE,
    )
    truth = {
        "generator": "bench/generate_backup.py",
        "scale": scale,
        "seed": seed,
        "backup": "backup",
        "backup_date": BACKUP_DATE.isoformat(),
        "rows": plan.rows,
        "records": sum(plan.rows.values()),
        "traces": [t.to_json() for t in TRACES],
    }
    (out / "truth.json").write_text(json.dumps(truth, indent=2) + "\n", "utf-8")
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scale", type=int, default=1, help="1 = about 12,000 records")
    parser.add_argument("--out", type=Path, required=True, help="new folder for backup/ + truth")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    if args.scale < 1:
        parser.error("--scale must be at least 1")
    started = time.perf_counter()
    truth = generate(args.out, args.scale, args.seed)
    print(
        f"{args.out / 'backup'}: {truth['records']:,} records {truth['rows']} "
        f"in {time.perf_counter() - started:.1f} s; truth in {args.out / 'truth.json'}"
    )


if __name__ == "__main__":
    main()

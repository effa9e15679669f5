"""The synthetic iPhone backup behind ``tracehound demo``, ``make demo`` and the end-to-end tests.

An iOS 14.6 phone, backed up on 2021-07-20, with two months of benign activity (a few thousand
records) and, unless ``infected=False``, the traces the Amnesty 2021 forensic methodology
describes, all on 2021-07-11/12 (UTC):

- an SMS with a link to a Pegasus domain (1-click attempt, Citizen Lab/Amnesty v4 infrastructure);
- a lookup of an attacker iCloud account in IDStatusCache (zero-click iMessage precursor);
- a Safari visit to an ``http://`` page redirected within 3 ms to a Pegasus exploit URL (the
  network injection seen against Moroccan journalists), also left in a tab's back list and in
  WebKit's resource load statistics;
- Pegasus process names in DataUsage and OSAnalyticsADDaily, and a deleted process row whose
  usage rows remain; the Pegasus ``roleaccountd.plist`` file in the Manifest;
- a WhatsApp message with a link to a Pegasus domain (``demo/ios_apps.py``, with the benign
  calls, contacts, interactionC, Calendar, Shortcuts and favicon databases).

All indicator values come from the public, bundled STIX2 files. Nothing here is real user data.
"""

from __future__ import annotations

import plistlib
import random
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tracehound.core.errors import TracehoundError
from tracehound.core.timeutil import to_cocoa, to_webkit
from tracehound.demo import content
from tracehound.demo.backup import BackupWriter
from tracehound.demo.ffs import FilesystemWriter, container_uuid, pack_tar, pack_zip
from tracehound.demo.ios import (
    backup_info,
    chrome_history,
    datausage,
    global_preferences,
    idstatuscache,
    locationd_clients,
    osanalytics_addaily,
    safari_browser_state,
    safari_history,
    shutdown_log,
    sms,
    tcc,
    webkit_resource_load_statistics,
    webkit_session_resource_log,
    webkit_website_data,
)
from tracehound.demo.ios.backup_info import itunes_metadata
from tracehound.demo.ios_apps import write_apps
from tracehound.demo.writer import Writer

BACKUP_DATE = datetime(2021, 7, 20, 8, 0, tzinfo=UTC)
START = BACKUP_DATE - timedelta(days=60)
INJECTION = datetime(2021, 7, 12, 9, 14, 3, 120000, tzinfo=UTC)

# Planted traces (values from the bundled pegasus.stix2).
SMS_LINK = "https://urlpush.net/n8Kd2xq"
SMS_AT = datetime(2021, 7, 11, 18, 2, 11, tzinfo=UTC)
ATTACKER_EMAIL = "bogaardlisa803@gmail.com"
LOOKUP_AT = INJECTION - timedelta(seconds=23)
INJECTED_PAGE = "http://www.lemonde.fr/"
EXPLOIT_URL = "https://bun54l2b67.get1tn0w.free247downloads.com:30495/szev4hz"
PEGASUS_PROCESSES = ("bh", "msgacntd")
# Benign processes take Z_PK 1..N; then bh, msgacntd, the deleted row, and one later process.
DELETED_PROCESS_PK = len(content.PROCESSES) + 3
PEGASUS_FILE = "Library/Preferences/roleaccountd.plist"
WHATSAPP_LINK = "https://opposedarrangement.net/3u5fSl"
WHATSAPP_AT = INJECTION - timedelta(hours=3, minutes=12)

LOCKDOWN = {
    "ProductType": "iPhone12,1",
    "ProductVersion": "14.6",
    "BuildVersion": "18F72",
    "DeviceName": "Demo iPhone",
    "UniqueDeviceID": "00008030-000A1B2C3D4E002E",
}


@dataclass
class _Plan:
    rng: random.Random
    infected: bool

    def when(self) -> datetime:
        """A random benign moment in the two months before the backup."""
        seconds = self.rng.uniform(0, (BACKUP_DATE - START).total_seconds() - 3600)
        return START + timedelta(seconds=seconds)


DEMO_PASSWORD = "tracehound-demo"  # noqa: S105 - the synthetic encrypted demo backup's password
IOS_KINDS = ("backup", "encrypted", "ffs", "ffs-tar", "ffs-zip", "ffs-var")
#: When the demo phone rebooted (shutdown.log on filesystem dumps); the infected one kept a
#: Pegasus process alive from the roleaccountd staging folder (Kaspersky iShutdown's finding).
REBOOTS = (datetime(2021, 6, 2, 23, 10, tzinfo=UTC), datetime(2021, 7, 14, 6, 40, tzinfo=UTC))
STAGED_PROCESS = "/private/var/db/com.apple.xpc.roleaccountd.staging/mptbd"
STAGED_UUID = "8A2F7C1E-5D44-4B1B-9E0F-3C6A1D2B7E90"


def _new_folder(directory: Path) -> None:
    if directory.exists() and any(directory.iterdir()):
        raise TracehoundError(f"{directory}: not empty; the demo writes into a new folder")


def _write_phone(writer: Writer, plan: _Plan) -> None:
    """Every database and file of the phone, through a backup or a filesystem-dump writer."""
    for add in (
        _safari,
        _browser_state,
        _chrome,
        _webkit,
        _sms,
        _datausage,
        _addaily,
        _idstatus,
        _tcc,
        _locationd,
        _preferences,
        _files,
    ):
        add(writer, plan)
    write_apps(writer, plan, WHATSAPP_LINK, WHATSAPP_AT)


def _apps(plan: _Plan) -> list[backup_info.App]:
    return [
        backup_info.App(bundle_id=b, name=n, artist=a, purchase_date=plan.when())
        for b, n, a in content.APPS
    ]


def write_demo_backup(
    directory: Path, infected: bool = True, seed: int = 2021, password: str | None = None
) -> Path:
    """Write the synthetic backup into ``directory`` (new or empty) and return its path."""
    _new_folder(directory)
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not a security use
    plan = _Plan(rng, infected)
    writer = BackupWriter(directory, BACKUP_DATE, password=password)
    _write_phone(writer, plan)
    apps = _apps(plan)
    writer.finish(LOCKDOWN)
    backup_info.write(
        directory / "Info.plist",
        apps,
        device_name="Demo iPhone",
        product_type="iPhone12,1",
        product_version="14.6",
        build_version="18F72",
        last_backup=BACKUP_DATE,
    )
    return directory


def write_demo_ffs(
    directory: Path, infected: bool = True, seed: int = 2021, packing: str = "folder"
) -> Path:
    """Write the same phone as a full filesystem dump: a folder, or a ``tar``/``zip`` of it
    (members under ``private/...``, as extraction tools deliver them), or (``var``) a folder
    holding only ``filesystem2/``, a dump of ``/private/var``. Returns what to check."""
    _new_folder(directory)
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not a security use
    plan = _Plan(rng, infected)
    root = directory if packing == "folder" else directory / "filesystem"
    writer = FilesystemWriter(root, BACKUP_DATE)
    _write_phone(writer, plan)
    for app in _apps(plan):
        # The app's bundle container (not in any backup domain), named by a UUID.
        folder = container_uuid(f"Bundle-{app.bundle_id}")
        writer.add_path(
            f"/private/var/containers/Bundle/Application/{folder}/iTunesMetadata.plist",
            itunes_metadata(app),
            app.purchase_date,
        )
    _shutdown_log(writer, plan)
    _dump_only_traces(writer, plan)
    writer.finish(LOCKDOWN)
    if packing == "folder":
        return directory
    if packing == "var":
        # A dump of the data partition alone, Cellebrite style: filesystem2/ is /private/var.
        (root / "private" / "var").rename(directory / "filesystem2")
        shutil.rmtree(root)
        return directory
    archive = directory / f"iphone-filesystem.{packing}"
    if packing == "tar":
        pack_tar(root, archive)
    elif packing == "zip":
        pack_zip(root, archive)
    else:
        raise TracehoundError(f"unknown packing {packing!r}: folder, tar or zip")
    shutil.rmtree(root)
    return archive


def _shutdown_log(writer: FilesystemWriter, plan: _Plan) -> None:
    """shutdown.log: benign daemons slow to stop; the infected phone also a staged process."""
    benign = [
        (118, "/usr/libexec/nehelper"),
        (402, "/System/Library/PrivateFrameworks/x.framework/y"),
    ]
    reboots = [shutdown_log.Reboot.simple(REBOOTS[0], benign[:1])]
    last = list(benign)
    if plan.infected:
        last.append((1812, f"{STAGED_PROCESS}/{STAGED_UUID}"))
    reboots.append(shutdown_log.Reboot.simple(REBOOTS[1], last, delays=(0.01, 0.52)))
    writer.add_built(
        "DatabaseDomain",
        "diagnostics/shutdown.log",
        lambda p: shutdown_log.write(p, reboots),
        birth=REBOOTS[0],
        modified=REBOOTS[1],
    )


def _dump_only_traces(writer: FilesystemWriter, plan: _Plan) -> None:
    """What only a dump keeps: WebKit website data of visited origins, and (infected) the
    staged Pegasus binary the shutdown.log names (Kaspersky iShutdown)."""
    visited = [webkit_website_data.Origin(s.rstrip("/"), plan.when()) for s in content.SITES[:12]]
    if plan.infected:
        exploit = EXPLOIT_URL.rsplit("/", 1)[0]
        visited.append(webkit_website_data.Origin(exploit, INJECTION + timedelta(seconds=1)))
    webkit_website_data.add(writer, "HomeDomain", indexeddb=visited)
    if plan.infected:
        when = INJECTION + timedelta(seconds=5)
        writer.add_path(f"{STAGED_PROCESS}/{STAGED_UUID}", b"\xcf\xfa\xed\xfe", when)


def write_demo(
    directory: Path, kind: str = "backup", infected: bool = True, seed: int = 2021
) -> Path:
    """Write the demo phone as ``kind`` (iOS: backup, encrypted, ffs, ffs-tar, ffs-zip, ffs-var;
    Android: androidqf, androidqf-zip, bugreport, ab) and return the path to check."""
    if kind == "backup":
        return write_demo_backup(directory, infected, seed)
    if kind == "encrypted":
        return write_demo_backup(directory, infected, seed, password=DEMO_PASSWORD)
    if kind.startswith("ffs"):
        packing = kind.partition("-")[2] or "folder"
        return write_demo_ffs(directory, infected, seed, packing)
    from tracehound.demo.sysdiagnose import KINDS as SD_KINDS
    from tracehound.demo.sysdiagnose import write_demo_sysdiagnose

    if kind in SD_KINDS:
        _new_folder(directory)
        return write_demo_sysdiagnose(directory, kind, infected)
    from tracehound.demo.android_phone import KINDS, write_demo_android

    if kind in KINDS:
        return write_demo_android(directory, kind, infected)
    raise TracehoundError(
        f"unknown demo kind {kind!r}; choose one of {', '.join((*IOS_KINDS, *KINDS))}"
    )


def _safari(writer: Writer, plan: _Plan) -> None:
    visits: list[dict[str, Any]] = []
    times = sorted(plan.when() for _ in range(1500))
    if plan.infected:
        times.append(INJECTION)
        times.sort()
    urls = list(dict.fromkeys((*content.SITES, INJECTED_PAGE, EXPLOIT_URL)))
    item_of = {u: i for i, u in enumerate(urls, 1)}
    for ts in times:
        vid = len(visits) + 1
        if plan.infected and ts == INJECTION:
            visits.append(
                {
                    "id": vid,
                    "history_item": item_of[INJECTED_PAGE],
                    "visit_time": to_cocoa(ts),
                    "title": "",
                    "redirect_destination": vid + 1,
                    "load_successful": 1,
                }
            )
            visits.append(
                {
                    "id": vid + 1,
                    "history_item": item_of[EXPLOIT_URL],
                    "visit_time": to_cocoa(ts + timedelta(milliseconds=3)),
                    "title": "",
                    "redirect_source": vid,
                    "load_successful": 0,
                }
            )
            continue
        url = plan.rng.choice(content.SITES)
        visits.append(
            {
                "id": vid,
                "history_item": item_of[url],
                "visit_time": to_cocoa(ts),
                "title": url.split("/")[2],
                "load_successful": 1,
            }
        )
    used = {v["history_item"] for v in visits}
    items = [{"id": i, "url": u} for u, i in item_of.items() if i in used]
    writer.add_built(
        "HomeDomain", "Library/Safari/History.db", lambda p: safari_history.write(p, items, visits)
    )


def _browser_state(writer: Writer, plan: _Plan) -> None:
    tabs: list[dict[str, Any]] = []
    for tab_id in range(1, 9):
        pages = plan.rng.sample(content.SITES, 3)
        entries = [{"url": u, "title": u.split("/")[2]} for u in pages]
        if plan.infected and tab_id == 3:
            entries.insert(1, {"url": EXPLOIT_URL, "title": ""})
        viewed = INJECTION + timedelta(minutes=4) if plan.infected and tab_id == 3 else plan.when()
        tabs.append(
            {
                "id": tab_id,
                "url": pages[-1],
                "user_visible_url": pages[-1],
                "title": pages[-1].split("/")[2],
                "last_viewed_time": to_cocoa(viewed),
                "session_entries": entries,
            }
        )
    writer.add_built(
        "HomeDomain",
        "Library/Safari/BrowserState.db",
        lambda p: safari_browser_state.write(p, tabs),
    )


def _chrome(writer: Writer, plan: _Plan) -> None:
    urls = [{"id": i, "url": u, "title": u.split("/")[2]} for i, u in enumerate(content.SITES, 1)]
    visits = [
        {
            "id": n,
            "url": plan.rng.randint(1, len(urls)),
            "visit_time": to_webkit(ts),
            "transition": chrome_history.LINK,
        }
        for n, ts in enumerate(sorted(plan.when() for _ in range(300)), 1)
    ]
    writer.add_built(
        "AppDomain-com.google.chrome.ios",
        "Library/Application Support/Google/Chrome/Default/History",
        lambda p: chrome_history.write(p, urls, visits),
    )


def _webkit(writer: Writer, plan: _Plan) -> None:
    domains = list(content.RLS_DOMAINS) + (["free247downloads.com"] if plan.infected else [])
    rows = [
        {
            "domainID": i,
            "registrableDomain": d,
            "lastSeen": (INJECTION if d == "free247downloads.com" else plan.when()).timestamp(),
        }
        for i, d in enumerate(domains, 1)
    ]
    writer.add_built(
        "HomeDomain",
        "Library/WebKit/WebsiteData/ResourceLoadStatistics/observations.db",
        lambda p: webkit_resource_load_statistics.write(p, rows),
    )
    stats = [
        webkit_session_resource_log.DomainStats(d, plan.when(), had_user_interaction=True)
        for d in content.RLS_DOMAINS[:25]
    ]
    writer.add_built(
        "HomeDomain",
        "Library/WebKit/WebsiteData/ResourceLoadStatistics/full_browsing_session_resourceLog.plist",
        lambda p: webkit_session_resource_log.write(p, stats),
    )


def _sms(writer: Writer, plan: _Plan) -> None:
    handles = [
        {"ROWID": i, "id": c, "service": "iMessage" if "@" in c else "SMS"}
        for i, c in enumerate(content.CONTACTS, 1)
    ]
    events = sorted((plan.when(), False) for _ in range(600))
    if plan.infected:
        events = sorted([*events, (SMS_AT, True)])
    messages: list[dict[str, Any]] = []
    for row, (ts, planted) in enumerate(events, 1):
        handle = plan.rng.randint(1, len(handles))
        text = plan.rng.choice(content.SMS_TEXTS)
        if planted:
            handles.append({"ROWID": len(handles) + 1, "id": "+12025550199", "service": "SMS"})
            handle, text = len(handles), f"Your parcel is held at customs, pay the fee: {SMS_LINK}"
        messages.append(
            {
                "ROWID": row,
                "handle_id": handle,
                "text": text,
                "date": int(to_cocoa(ts) * 1e9),
                "is_from_me": int(plan.rng.random() < 0.4),
                "service": handles[handle - 1]["service"],
            }
        )
    attachments = [
        {
            "ROWID": 1,
            "message_id": 5,
            "filename": "~/Library/SMS/Attachments/0a/10/IMG_0420.HEIC",
            "mime_type": "image/heic",
            "transfer_name": "IMG_0420.HEIC",
            "is_outgoing": 0,
            "total_bytes": 912345,
        }
    ]
    writer.add_built(
        "HomeDomain",
        "Library/SMS/sms.db",
        lambda p: sms.write(p, messages, handles=handles, attachments=attachments),
    )


def _datausage(writer: Writer, plan: _Plan) -> None:
    processes: list[dict[str, Any]] = []
    usage: list[dict[str, Any]] = []

    def add_usage(pk: int, ts: datetime) -> None:
        usage.append(
            {
                "Z_PK": len(usage) + 1,
                "ZHASPROCESS": pk,
                "ZTIMESTAMP": to_cocoa(ts),
                "ZWIFIIN": float(plan.rng.randint(1_000, 9_000_000)),
                "ZWIFIOUT": float(plan.rng.randint(500, 900_000)),
                "ZWWANIN": 0.0,
                "ZWWANOUT": 0.0,
            }
        )

    def add_process(pk: int, name: str, bundle: str | None, first: datetime, rows: int) -> None:
        times = sorted(
            [first] + [first + (BACKUP_DATE - first) * plan.rng.random() for _ in range(rows - 1)]
        )
        processes.append(
            {
                "Z_PK": pk,
                "ZPROCNAME": f"{name}/{bundle}" if bundle else name,
                "ZBUNDLENAME": bundle,
                "ZFIRSTTIMESTAMP": to_cocoa(first),
                "ZTIMESTAMP": to_cocoa(times[-1]),
            }
        )
        for ts in times:
            add_usage(pk, ts)

    for pk, (name, bundle) in enumerate(content.PROCESSES, 1):
        add_process(
            pk,
            name,
            bundle,
            START + timedelta(hours=plan.rng.uniform(0, 200)),
            plan.rng.randint(1, 6),
        )
    if plan.infected:
        first_pk = len(content.PROCESSES) + 1
        add_process(first_pk, PEGASUS_PROCESSES[0], None, INJECTION + timedelta(seconds=6), 1)
        add_process(first_pk + 1, PEGASUS_PROCESSES[1], None, INJECTION + timedelta(seconds=17), 1)
        # The row DELETED_PROCESS_PK (= first_pk + 2) is gone; its usage rows stay behind.
        add_usage(DELETED_PROCESS_PK, INJECTION + timedelta(seconds=40))
        add_usage(DELETED_PROCESS_PK, INJECTION + timedelta(minutes=25))
        add_process(first_pk + 3, "nehelper", None, INJECTION + timedelta(hours=2), 2)
    writer.add_built(
        "WirelessDomain",
        "Library/Databases/DataUsage.sqlite",
        lambda p: datausage.write(p, processes, usage),
    )


def _addaily(writer: Writer, plan: _Plan) -> None:
    baseline: dict[str, tuple[Any, ...]] = {
        name: (plan.when(), plan.rng.randint(1, 10**7), plan.rng.randint(1, 10**6), 0, 0)
        for name, _ in content.PROCESSES[:30]
    }
    if plan.infected:
        baseline[PEGASUS_PROCESSES[1]] = (INJECTION + timedelta(hours=20), 81234, 9876, 0, 0)
    writer.add_built(
        "HomeDomain",
        "Library/Preferences/com.apple.osanalytics.addaily.plist",
        lambda p: osanalytics_addaily.write(p, baseline),
    )


def _idstatus(writer: Writer, plan: _Plan) -> None:
    lookups = [
        {
            "service": plan.rng.choice(("com.apple.madrid", "com.apple.ess")),
            "user": u,
            "lookup_date": plan.when(),
            "id_status": plan.rng.choice((1, 2)),
        }
        for u in content.IDS_USERS
    ]
    if plan.infected:
        lookups.append(
            {
                "service": "com.apple.madrid",
                "user": f"mailto:{ATTACKER_EMAIL}",
                "lookup_date": LOOKUP_AT,
                "id_status": 1,
            }
        )
    writer.add_built(
        "HomeDomain",
        "Library/Preferences/com.apple.identityservices.idstatuscache.plist",
        lambda p: idstatuscache.write(p, lookups),
    )


def _tcc(writer: Writer, plan: _Plan) -> None:
    rows = [
        {
            "service": service,
            "client": client,
            "client_type": 0,
            "auth_value": 2,
            "auth_reason": 2,
            "last_modified": int(plan.when().timestamp()),
        }
        for service, client in content.TCC_GRANTS
    ]
    writer.add_built("HomeDomain", "Library/TCC/TCC.db", lambda p: tcc.write(p, rows))


def _locationd(writer: Writer, plan: _Plan) -> None:
    clients: dict[str, dict[str, Any]] = {
        f"{bundle}:": {
            "BundleId": bundle,
            "Authorization": 2,
            "LocationTimeStopped": plan.when(),
            "ConsumptionPeriodBegin": START,
        }
        for bundle in ("com.apple.Maps", "com.apple.weather", "com.ubercab.UberClient")
    }
    clients["com.apple.locationd.bundle-/System/Library/LocationBundles/TimeZone.bundle"] = {
        "BundlePath": "/System/Library/LocationBundles/TimeZone.bundle",
        "Authorization": 2,
        "LocationTimeStopped": plan.when(),
    }
    writer.add_built(
        "RootDomain",
        "Library/Caches/locationd/clients.plist",
        lambda p: locationd_clients.write(p, clients),
    )


def _preferences(writer: Writer, plan: _Plan) -> None:
    # Lockdown Mode did not exist in iOS 14: the key is absent, as on the real phone.
    values = {"AppleLanguages": ["en-US", "fr-FR"], "AppleLocale": "en_FR"}
    writer.add_built(
        global_preferences.DOMAIN,
        global_preferences.RELATIVE_PATH,
        lambda p: global_preferences.write(p, values),
    )


def _files(writer: Writer, plan: _Plan) -> None:
    for n in range(1, 401):
        when = plan.when()
        writer.add(
            "CameraRollDomain",
            f"Media/DCIM/100APPLE/IMG_{n:04d}.HEIC",
            f"synthetic photo {n}".encode(),
            birth=when,
        )
    for name in (
        "com.apple.mobilesafari",
        "com.apple.Maps",
        "com.apple.weather",
        "com.apple.MobileSMS",
        "com.apple.Preferences",
        "com.apple.camera",
    ):
        writer.add(
            "HomeDomain",
            f"Library/Preferences/{name}.plist",
            plistlib.dumps({"Demo": True}, fmt=plistlib.FMT_BINARY),
            birth=plan.when(),
        )
    if plan.infected:
        writer.add(
            "HomeDomain",
            PEGASUS_FILE,
            plistlib.dumps({}, fmt=plistlib.FMT_BINARY),
            birth=INJECTION + timedelta(seconds=27),
        )

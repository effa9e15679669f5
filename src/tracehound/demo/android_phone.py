"""The synthetic Android phone behind ``tracehound demo --kind androidqf`` (and the other kinds).

A Pixel 6 on Android 13, acquired on 2024-05-06 (androidqf, then a bugreport), with benign apps
and, unless ``infected=False``:

- the stalkerware TheTruthSpy (package ``com.apspy.app`` and its signing certificate SHA-1, both
  in the bundled stalkerware indicators), installed outside any store, with an enabled
  accessibility service (its usual way to read the screen);
- a process of RCS Lab's spyware (package ``com.androidservices.support``, rcs.stix2);
- Play Protect's package verifier turned off, and a security patch a year old;
- an SMS with a link to a domain of the 2023 mercenary spyware campaign (Amnesty/Google TAG,
  ``android_campaign_2023/malware.stix2``), kept in an Android backup (``backup.ab``), 40 s
  before TheTruthSpy was installed (androidqf: the sequence ``android_infection_sequence`` finds);
- a crash of a privileged process in the bugreport's tombstones;
- in the bugreport, the same processes and settings (dumpstate's PROCESSES AND THREADS and
  ``dumpsys settings``) and ``/system`` remounted read-write (``FS/proc/1/mountinfo``).

Everything is written in the real formats by the builders of ``demo/android``. Nothing here is
real user data.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from tracehound.core.errors import TracehoundError
from tracehound.demo.android import (
    containers,
    getprop,
    intrusion_log,
    mounts,
    packages,
    processes,
    settings,
)
from tracehound.demo.android import dumpsys as dd

KINDS = ("androidqf", "androidqf-zip", "bugreport", "ab", "intrusionlog")
CAMPAIGN_DOMAIN = "movingstinger.link"  # of SMS_LINK
STALKERWARE = "com.apspy.app"  # TheTruthSpy (bundled stalkerware ioc.yaml and STIX2)
STALKERWARE_CERT = "F9181C6CF9AACB3AB1092F5338C3198A8D833431"
SPYWARE_PROCESS = "com.androidservices.support"  # RCS Lab (bundled rcs.stix2)
SMS_LINK = "https://movingstinger.link/c/8Hq2"  # android_campaign_2023/malware.stix2
BACKUP_PASSWORD = "demo-backup-password"  # noqa: S105 - the demo's own synthetic backup
PATCH = "2023-05-05"
TIMEZONE = "Europe/Rome"
DUMP_LOCAL = datetime(2024, 5, 6, 11, 38, 2)  # device-local wall clock of the bugreport
SMS_AT = datetime(2024, 4, 29, 15, 3, 11, tzinfo=UTC)  # the SMS with the campaign link
INSTALL_LOCAL = datetime(2024, 4, 29, 17, 3, 51)  # TheTruthSpy installed (Europe/Rome, UTC+2)

BENIGN = (
    "com.whatsapp",
    "org.thoughtcrime.securesms",
    "org.telegram.messenger",
    "com.spotify.music",
    "com.google.android.apps.maps",
    "com.instagram.android",
    "com.microsoft.teams",
    "ch.protonmail.android",
)


def _props() -> dict[str, str]:
    return getprop.device_properties(security_patch=PATCH, timezone=TIMEZONE)


def _packages(infected: bool) -> bytes:
    items = [packages.package(name, uid=10150 + n) for n, name in enumerate(BENIGN)]
    items.append(packages.package("com.google.android.gms", system=True, uid=10060))
    if infected:
        items.append(
            packages.package(STALKERWARE, installer="null", uid=10311, cert_sha1=STALKERWARE_CERT)
        )
    return packages.render(items)


def _procs(infected: bool) -> list[processes.Proc]:
    procs = list(processes.BASELINE)
    for n, name in enumerate(BENIGN):
        procs.append(processes.Proc(3000 + n, name, ppid=640, user=f"u0_a{150 + n}"))
    if infected:
        procs.append(processes.Proc(4242, STALKERWARE, ppid=640, user="u0_a311", uid=10311))
        procs.append(processes.Proc(4243, SPYWARE_PROCESS, ppid=640, user="u0_a312", uid=10312))
    return procs


def _processes(infected: bool) -> bytes:
    return processes.render(_procs(infected), collector=True)


def _namespaces(infected: bool) -> dict[str, dict[str, str]]:
    secure: dict[str, str | None] = {}
    glob: dict[str, str | None] = {}
    if infected:
        secure = {
            "accessibility_enabled": "1",
            "enabled_accessibility_services": f"{STALKERWARE}/{STALKERWARE}.AccService",
        }
        glob = {"package_verifier_enable": "0"}
    return {
        "system": settings.merged("system"),
        "secure": settings.merged("secure", secure),
        "global": settings.merged("global", glob),
    }


def _settings(infected: bool) -> dict[str, bytes]:
    return {
        f"settings_{name}.txt": settings.render(values)
        for name, values in _namespaces(infected).items()
    }


def _bugreport_fs(infected: bool) -> dict[str, bytes]:
    """FS/ members: tombstones, and init's mountinfo (dumpstate's add_mountinfo)."""
    rows = [*mounts.MOUNTINFO_STOCK, *([mounts.MOUNTINFO_SYSTEM_RW] if infected else [])]
    return {**_tombstones(infected), "proc/1/mountinfo": mounts.render_mountinfo(rows)}


def _sections(infected: bool) -> dict[str, str]:
    services = [f"{STALKERWARE}/{STALKERWARE}.AccService"] if infected else []
    specs = [dd.PackageSpec(name, 10150 + n) for n, name in enumerate(BENIGN)]
    if infected:
        # Installed 40 s after the SMS link arrived (device-local time): the chain that
        # android_infection_sequence finds.
        specs.append(dd.PackageSpec(STALKERWARE, 10311, installer=None, timestamp=INSTALL_LOCAL))
    return {
        "accessibility": dd.accessibility_section(services),
        "package": dd.packages_section(specs),
    }


def _sms_backup(infected: bool) -> dict[str, bytes]:
    """The telephony provider's backup: SMS with links (see demo/android/sms_backup.py)."""
    from tracehound.demo.android import sms_backup

    sent = int(SMS_AT.timestamp() * 1000)
    messages = [
        {"address": f"+3933355501{n:02d}", "body": text, "date": str(sent - n * 3_600_000)}
        for n, text in enumerate(("Ci vediamo alle 8?", "Ok grazie", "Arrivo tra 10 minuti"))
    ]
    if infected:
        messages.append(
            {"address": "+393335550999", "body": f"Il tuo pacco: {SMS_LINK}", "date": str(sent)}
        )
    name = "apps/com.android.providers.telephony/d_f/000000_sms_backup"
    return {name: sms_backup.render(messages)}


def _tombstones(infected: bool) -> dict[str, bytes]:
    from tracehound.demo.android import tombstones

    if not infected:
        return {}
    # system_server-owned daemon (uid 1000) crashing on a bad pointer: what exploitation attempts
    # against privileged processes leave behind (MVT's tombstone rule).
    crash = tombstones.render_text(
        when=datetime(2024, 4, 29, 17, 4, 2),
        command_line=("/system/bin/mediaserver",),
        pid=1312,
        uid=1000,
        signal=11,
        cause="null pointer dereference",
        zone=TIMEZONE,
    )
    return {"data/tombstones/tombstone_00": crash}


def write_demo_android(
    directory: Path, kind: str = "androidqf", infected: bool = True, password: str | None = None
) -> Path:
    """Write the phone as ``kind`` into ``directory`` (new or empty); return the path to check."""
    if kind not in KINDS:
        raise TracehoundError(f"unknown demo kind {kind!r}; choose one of {', '.join(KINDS)}")
    if directory.exists() and any(directory.iterdir()):
        raise TracehoundError(f"{directory}: not empty; the demo writes into a new folder")
    directory.mkdir(parents=True, exist_ok=True)
    props = _props()
    if kind == "bugreport":
        sections = {
            **_sections(infected),
            "settings": settings.render_dumpsys(_namespaces(infected)),
        }
        ps = (processes.PS_THREADS_TITLE, processes.PS_THREADS_COMMAND)
        text = dd.render_dumpstate(
            sections,
            props,
            dump_time=DUMP_LOCAL,
            commands=[(*ps, processes.render_ps_threads(_procs(infected)))],
        )
        return containers.write_bugreport_zip(
            directory / "bugreport.zip",
            text.decode("utf-8"),
            _bugreport_fs(infected),
            when=DUMP_LOCAL,
        )
    if kind == "intrusionlog":
        path = directory / "intrusion_log.jsonl"
        path.write_bytes(intrusion_log.render(infected, CAMPAIGN_DOMAIN, SMS_AT))
        return path
    if kind == "ab":
        return containers.write_ab(
            directory / "backup.ab", _sms_backup(infected), password=password or BACKUP_PASSWORD
        )
    files = {
        "getprop.txt": getprop.render(props),
        "packages.json": _packages(infected),
        "processes.txt": _processes(infected),
        "dumpsys.txt": dd.render_dumpsys(_sections(infected), ending_at=DUMP_LOCAL),
        "intrusion_logs/intrusion_log.jsonl": intrusion_log.render(
            infected, CAMPAIGN_DOMAIN, SMS_AT
        ),
        **_settings(infected),
    }
    with tempfile.TemporaryDirectory(prefix="tracehound-demo-") as tmp:
        containers.write_ab(Path(tmp) / "backup.ab", _sms_backup(infected))
        files["backup.ab"] = (Path(tmp) / "backup.ab").read_bytes()
    folder = containers.write_androidqf(directory / containers.DEMO_UUID, files)
    if kind == "androidqf":
        return folder
    archive = containers.zip_folder(folder, directory / f"{containers.DEMO_UUID}.zip")
    _remove_tree(folder)
    return archive


def _remove_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), key=lambda p: -len(p.parts)):
        path.rmdir() if path.is_dir() else path.unlink()
    folder.rmdir()

"""The demo phone's sysdiagnose (``.tar.gz`` or folder) and a folder of its crash logs.

Layout and formats as the parsers cite them (EC-DIGIT-CSIRC sysdiagnose framework; plaso's
``apple_ps_txt``; Apple's .ips JSON format). The infected phone runs, logs at shutdown and
crashes a process from the roleaccountd staging folder (Kaspersky iShutdown's Pegasus finding);
it also crashes a process from root's home folder, a management restriction forbids Lockdown
Mode, and an app claims a Pegasus domain as an associated domain (swcutil_show.txt). Both
phones know two Wi-Fi networks and log mobile activation (text the sweep reads).
``ps.txt`` and ``ps_thread.txt`` (``ps -M``, the layout of the EC-DIGIT-CSIRC ``psthread``
parser) both list it.
"""

from __future__ import annotations

import json
import plistlib
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tracehound.core.errors import TracehoundError
from tracehound.demo.ffs import pack_tar
from tracehound.demo.ios import shutdown_log

TAKEN = datetime(2021, 7, 20, 8, 0, tzinfo=UTC)
FOLDER = "sysdiagnose_2021.07.20_08-00-00+0000_iPhone-OS_iPhone_18F72"
REBOOTS = (datetime(2021, 6, 2, 23, 10, tzinfo=UTC), datetime(2021, 7, 14, 6, 40, tzinfo=UTC))
STAGED = "/private/var/db/com.apple.xpc.roleaccountd.staging/mptbd"
STAGED_UUID = "8A2F7C1E-5D44-4B1B-9E0F-3C6A1D2B7E90"
CRASH_AT = datetime(2021, 7, 12, 9, 15, 0, tzinfo=UTC)
KINDS = ("sysdiagnose", "sysdiagnose-folder", "crashlogs")
#: An app installed and one removed, then a reboot (MobileInstallation log, local time +0000).
MOBILE_INSTALLATION = (
    "Mon Jul 12 11:10:02 2021 [76] <notice> (0x16fbef000) -[MIInstaller performInstallation"
    "WithError:]: Install Successful for (Placeholder:com.example.notes); Staging: 0.03s\n"
    "Mon Jul 12 11:12:40 2021 [76] <notice> (0x16fbef000) -[MIUninstaller _uninstallBundle"
    "WithIdentity:]: Uninstalling identifier com.example.game\n"
    "Tue Jul 13 06:00:00 2021 [70] <notice> (0x1f0000000) main: Reboot detected\n"
)

ROOT_HOME_PROCESS = "/private/var/root/Library/Caches/com.apple.ctcategories/ctcd"
CAMPAIGN_DOMAIN = "free247downloads.com"  # in the bundled pegasus.stix2
ACTIVATION_URL = "https://albert.apple.com/deviceservices/deviceActivation"
WIFI_ADDED = datetime(2021, 5, 30, 17, 4, 12, tzinfo=UTC)
WIFI_JOINED = datetime(2021, 7, 19, 7, 58, 40, tzinfo=UTC)
WIFI_BSSID = "a4:2b:b0:11:22:33"

PS_HEADER = (
    "USER             UID PRSNA   PID  PPID        F  %CPU %MEM PRI NI      VSZ    RSS WCHAN    "
    "TT  STAT STARTED      TIME COMMAND"
)
BENIGN_PS = (
    ("root", 0, 1, 0, "/sbin/launchd"),
    ("mobile", 501, 66, 1, "/System/Library/CoreServices/SpringBoard.app/SpringBoard"),
    ("root", 0, 118, 1, "/usr/libexec/nehelper"),
    ("mobile", 501, 402, 1, "/usr/sbin/mediaserverd"),
)


def ps_text(infected: bool) -> str:
    """ps.txt as sysdiagnose writes it (plaso's header line, one process per line)."""
    rows = list(BENIGN_PS)
    if infected:
        rows.append(("root", 0, 1812, 1, STAGED))
    lines = [PS_HEADER]
    for user, uid, pid, ppid, command in rows:
        lines.append(
            f"{user:<16} {uid:>3}     - {pid:>5} {ppid:>5}  4004004   0.0  0.1  31  0  "
            f"4212352   9520 -        ??  Ss    8:01AM   0:00.51 {command}"
        )
    return "\n".join(lines) + "\n"


PS_THREAD_HEADER = (
    "USER               PID   TT   %CPU STAT PRI     STIME     UTIME COMMAND  PPID %MEM PRI NI"
    "      VSZ    RSS WCHAN  STARTED      TIME COMMAND"
)


def _ps_thread_row(user: str, pid: int, ppid: int, command: str, head: bool) -> str:
    who, tty, cut = (user, "??", command[:7]) if head else ("", "  ", "")
    return (
        f"{who:<16} {pid:>5}   {tty}    0.0 S    31T   0:00.02   0:00.01 {cut:<7} {ppid:>5}"
        f"  0.1 31T  0  4212352   9520 -       8:01AM   0:00.51 {command if head else ''}"
    )


def ps_thread_text(infected: bool, threads: int = 2) -> str:
    """ps_thread.txt (``ps -M``): per process its line, then ``threads - 1`` thread lines."""
    rows = [(user, pid, ppid, command) for user, _, pid, ppid, command in BENIGN_PS]
    if infected:
        rows.append(("root", 1812, 1, STAGED))
    lines = [PS_THREAD_HEADER]
    for user, pid, ppid, command in rows:
        lines.append(_ps_thread_row(user, pid, ppid, command, True))
        lines += [_ps_thread_row(user, pid, ppid, command, False)] * (threads - 1)
    return "\n".join(lines) + "\n"


def ips_text(proc: str, path: str, pid: int, when: datetime, incident: str) -> str:
    """One .ips crash report: the metadata line, then the report body (Apple's JSON format)."""
    stamp = when.strftime("%Y-%m-%d %H:%M:%S.00 +0000")
    meta = {
        "bug_type": "309",
        "timestamp": stamp,
        "name": proc,
        "incident_id": incident,
        "os_version": "iPhone OS 14.6 (18F72)",
    }
    body = {
        "procName": proc,
        "procPath": path,
        "pid": pid,
        "parentProc": "launchd",
        "parentPid": 1,
        "incident": incident,
        "captureTime": stamp,
    }
    return json.dumps(meta) + "\n" + json.dumps(body, indent=2) + "\n"


def _crashes(folder: Path, infected: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    benign = ips_text(
        "mediaserverd",
        "/usr/sbin/mediaserverd",
        402,
        CRASH_AT - timedelta(days=9),
        "0D3C1B5A-6E2F-4A7B-8C9D-0E1F2A3B4C5D",
    )
    (folder / "mediaserverd-2021-07-03-091500.ips").write_text(benign, "utf-8")
    if infected:
        text = ips_text("mptbd", STAGED, 1812, CRASH_AT, "7B1E2D3C-4A5F-4E6D-9C8B-1A2B3C4D5E6F")
        (folder / "mptbd-2021-07-12-091500.ips").write_text(text, "utf-8")
        when = CRASH_AT + timedelta(days=1)
        text = ips_text(
            "ctcd", ROOT_HOME_PROCESS, 1907, when, "5C4B3A29-1807-4F6E-9D5C-4B3A29180716"
        )
        (folder / "ctcd-2021-07-13-091500.ips").write_text(text, "utf-8")


def known_networks() -> bytes:
    """WiFi/com.apple.wifi.known-networks.plist (iOS 14+ layout, plaso's plugin), binary."""
    home = {
        "SSID": b"DemoHome",
        "AddedAt": WIFI_ADDED.replace(tzinfo=None),
        "JoinedByUserAt": WIFI_JOINED.replace(tzinfo=None),
        "SupportedSecurityTypes": 16,
        "BSSList": [
            {
                "BSSID": WIFI_BSSID,
                "Channel": 36,
                "LastAssociatedAt": WIFI_JOINED.replace(tzinfo=None),
            }
        ],
    }
    cafe = {"SSID": b"Cafe Guest", "AddedAt": (WIFI_ADDED + timedelta(days=3)).replace(tzinfo=None)}
    data = {"wifi.network.ssid.DemoHome": home, "wifi.network.ssid.Cafe Guest": cafe}
    return plistlib.dumps(data, fmt=plistlib.FMT_BINARY)


def effective_settings(infected: bool) -> bytes:
    """logs/MCState/User/EffectiveUserSettings.plist (EC-DIGIT-CSIRC summary analyser)."""
    data = {
        "restrictedBool": {
            "allowLockdownMode": {"value": not infected},
            "allowCamera": {"value": True},
        },
        "restrictedValue": {"maxGracePeriod": {"value": 1}},
    }
    return plistlib.dumps(data)


def swcutil_text(infected: bool) -> str:
    """swcutil_show.txt: apps' associated domains (Apple TN3155), one block per service."""
    blocks = [("applinks", "ABCDE12345.com.example.notes", "notes.example.com")]
    if infected:
        blocks.append(("webcredentials", "ABCDE12345.com.example.notes", CAMPAIGN_DOMAIN))
    return "".join(
        f"Service:              {service}\nApp ID:               {app}\n"
        f"Domain:               {domain}\nUser Approval:        unspecified\n\n"
        for service, app, domain in blocks
    )


ACTIVATION_LOG = (
    "Tue Jul 20 07:59:01 2021 mobileactivationd[52] <Notice>: handleActivationInfo: "
    f"sending request to {ACTIVATION_URL}\n"
)


def _settings_and_text(root: Path, infected: bool) -> None:
    wifi = root / "WiFi" / "com.apple.wifi.known-networks.plist"
    wifi.parent.mkdir(parents=True)
    wifi.write_bytes(known_networks())
    mcstate = root / "logs" / "MCState" / "User" / "EffectiveUserSettings.plist"
    mcstate.parent.mkdir(parents=True)
    mcstate.write_bytes(effective_settings(infected))
    (root / "swcutil_show.txt").write_text(swcutil_text(infected), "utf-8")
    activation = root / "logs" / "MobileActivation" / "mobileactivationd.log.0"
    activation.parent.mkdir(parents=True)
    activation.write_text(ACTIVATION_LOG, "utf-8")


def write_folder(root: Path, infected: bool) -> Path:
    """Write the unpacked sysdiagnose folder ``root`` (named like iOS names it)."""
    root.mkdir(parents=True)
    (root / "sysdiagnose.log").write_text("sysdiagnose 3.0 (demo)\n", "utf-8")
    (root / "ps.txt").write_text(ps_text(infected), "utf-8")
    (root / "ps_thread.txt").write_text(ps_thread_text(infected), "utf-8")
    version = {"ProductName": "iPhone OS", "ProductVersion": "14.6", "ProductBuildVersion": "18F72"}
    plist = root / "logs" / "SystemVersion" / "SystemVersion.plist"
    plist.parent.mkdir(parents=True)
    plist.write_bytes(plistlib.dumps(version))
    clients = [(118, "/usr/libexec/nehelper")]
    if infected:
        clients.append((1812, f"{STAGED}/{STAGED_UUID}"))
    reboots = [
        shutdown_log.Reboot.simple(REBOOTS[0], clients[:1]),
        shutdown_log.Reboot.simple(REBOOTS[1], clients, delays=(0.01, 0.52)),
    ]
    shutdown_log.write(root / "system_logs.logarchive" / "Extra" / "shutdown.log", reboots)
    _crashes(root / "crashes_and_spins", infected)
    installs = root / "logs" / "MobileInstallation" / "mobile_installation.log.0"
    installs.parent.mkdir(parents=True)
    installs.write_text(MOBILE_INSTALLATION, "utf-8")
    _settings_and_text(root, infected)
    return root


def write_demo_sysdiagnose(directory: Path, kind: str, infected: bool = True) -> Path:
    """Write ``kind`` (sysdiagnose: .tar.gz; sysdiagnose-folder; crashlogs) into ``directory``."""
    if kind not in KINDS:
        raise TracehoundError(f"unknown sysdiagnose demo kind {kind!r}")
    if kind == "crashlogs":
        folder = directory / "CrashLogs"
        _crashes(folder, infected)
        return folder
    root = write_folder(directory / FOLDER, infected)
    if kind == "sysdiagnose-folder":
        return root
    archive = directory / f"{FOLDER}.tar.gz"
    pack_tar(root, archive, gz=True, prefix=FOLDER)
    shutil.rmtree(root)
    return archive

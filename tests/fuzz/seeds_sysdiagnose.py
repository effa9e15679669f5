"""Fuzz seeds for the sysdiagnose branch's parsers: each writes one valid input in its real
format (registered in seed_files.EXTRA; the parser tests use them too)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tracehound.demo.sysdiagnose import (
    STAGED,
    effective_settings,
    ips_text,
    known_networks,
    ps_text,
    ps_thread_text,
)


def seed_sysdiagnose_ps(path: Path) -> Path:
    """ios.sysdiagnose_ps: a ps.txt with the sysdiagnose header and five processes."""
    path.write_text(ps_text(infected=True), "utf-8")
    return path


def seed_sysdiagnose_ps_thread(path: Path) -> Path:
    """ios.sysdiagnose_ps_thread: a ps_thread.txt (ps -M) with five processes of 3 threads."""
    path.write_text(ps_thread_text(infected=True, threads=3), "utf-8")
    return path


def seed_crash_reports(path: Path) -> Path:
    """ios.crash_reports: one .ips crash report (metadata line and JSON body)."""
    when = datetime(2021, 7, 12, 9, 15, tzinfo=UTC)
    path.write_text(ips_text("mptbd", STAGED, 1812, when, "7B1E2D3C-4A5F-4E6D-9C8B-1A2B3C4D5E6F"))
    return path


def seed_crash_reports_jetsam(path: Path) -> Path:
    """ios.crash_reports: a JetsamEvent (bug type 298) with its process list."""
    path.write_text(JETSAM, "utf-8")
    return path


JETSAM = (
    '{"bug_type":"298","timestamp":"2021-07-12 09:20:00.00 +0200","os_version":"iPhone OS 14.6 '
    '(18F72)","incident_id":"11111111-2222-3333-4444-555555555555"}\n'
    '{"crashReporterKey":"k","processes":[{"name":"SpringBoard","pid":66,"reason":"highwater"},'
    '{"name":"mptbd","pid":1812,"reason":"per-process-limit"},"junk"]}\n'
)


MOBILE_INSTALLATION = (
    "Mon Jul 12 11:10:02 2021 [76] <notice> (0x16fbef000) -[MIInstaller performInstallation"
    "WithError:]: Install Successful for (Placeholder:com.example.notes); Staging: 0.03s\n"
    "Mon Jul 12 11:12:40 2021 [76] <notice> (0x16fbef000) -[MIUninstaller _uninstallBundle"
    "WithIdentity:]: Uninstalling identifier com.example.spy\n"
    "Mon Jul 12 11:12:40 2021 [76] <err> (0x16fbef000) -[MIUninstaller _uninstallBundle"
    "WithIdentity:]: Destroying container com.example.spy with persona (null) at "
    "/private/var/containers/Bundle/Application/1EC20F02-0000-4000-8000-000000000001\n"
    "Tue Jul 13 06:00:00 2021 [70] <notice> (0x1f0000000) main: Reboot detected\n"
    "   continuation line without a time\n"
)


def seed_mobile_installation(path: Path) -> Path:
    """ios.mobile_installation: a mobile_installation.log.0 with install, removal, reboot."""
    path.write_text(MOBILE_INSTALLATION, "utf-8")
    return path


def seed_wifi_known_networks(path: Path) -> Path:
    """ios.wifi_known_networks: the demo's known-networks.plist (two networks, one BSS)."""
    path.write_bytes(known_networks())
    return path


def seed_managed_settings(path: Path) -> Path:
    """ios.managed_settings: EffectiveUserSettings.plist forbidding Lockdown Mode."""
    path.write_bytes(effective_settings(infected=True))
    return path


#: A text log with every kind the sweep extracts, and lines that must give nothing.
SWEEP_TEXT = (
    "2021-07-12 09:14:03 nsurlsessiond[118] <Notice>: task for https://urlpush.net/n8Kd2xq.\n"
    "connection host=Bun54L2B67.get1tn0w.free247downloads.com port 443\n"
    "loaded /private/var/db/com.apple.xpc.roleaccountd.staging/msgacntd (pid 1813)\n"
    "version 14.6 build 18F72 example.com is not in a host context\n"
    "again https://urlpush.net/n8Kd2xq\n"
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
    '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
)


def seed_sysdiagnose_text(path: Path) -> Path:
    """ios.sysdiagnose_text: a text log naming a URL, a host, a path and a process."""
    path.write_text(SWEEP_TEXT, "utf-8")
    return path

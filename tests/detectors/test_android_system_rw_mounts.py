from __future__ import annotations

from tracehound.core.records import Provenance
from tracehound.core.registry import Finding, Severity
from tracehound.detectors.android_system_rw_mounts import SystemRwMounts
from tracehound.parsers.android.mounts import Mount, parse_line

PROV = Provenance(source="androidqf", path="androidqf:mounts.json", sha256=None,
                  parser="android.mounts", parser_version="1")  # fmt: skip


def mount(line: str) -> Mount:
    parsed = parse_line(line)
    assert parsed is not None
    device, point, fs_type, options, listing = parsed
    return Mount(ts=None, device=device, mount_point=point, fs_type=fs_type, options=options,
                 listing=listing)  # fmt: skip


def run(*lines: str) -> list[Finding]:
    det = SystemRwMounts()
    return [f for line in lines for f in det.feed(mount(line), PROV)]


def test_system_rw_is_high_once() -> None:
    findings = run(
        "/dev/block/dm-5 on /system type ext4 (rw,seclabel,relatime)",
        "/dev/block/dm-5 /system ext4 rw,seclabel,relatime 0 0",
    )
    assert [(f.severity, f.value) for f in findings] == [(Severity.HIGH, "/system")]
    assert "read-write (rw)" in findings[0].message


def test_other_system_partitions_and_root() -> None:
    findings = run(
        "/dev/block/dm-8 on /vendor type ext4 (rw,seclabel)",
        "/dev/block/dm-7 /system_ext ext4 ro,remount 0 0",
        "/dev/block/bootdevice/by-name/system on / type ext4 (rw,seclabel)",
        "/dev/block/dm-2 on /system/bin/app type ext4 (rw)",
    )
    assert [f.value for f in findings] == ["/vendor", "/system_ext", "/", "/system/bin/app"]


def test_read_only_and_other_mounts_are_quiet() -> None:
    assert (
        run(
            "/dev/block/dm-7 on /system_ext type ext4 (ro,seclabel,noatime)",
            "/dev/block/dm-13 on /system type ext4 (ro,seclabel,noatime)",
            "/dev/block/dm-9 on /system_dlkm type erofs (rw,seclabel)",
            "/dev/block/dm-14 on /data type ext4 (rw,seclabel,noatime)",
            "rootfs on / type rootfs (rw,seclabel)",
            "tmpfs on /mnt/system type tmpfs (rw)",
        )
        == []
    )


def test_bugreport_mount_namespaces_count_once() -> None:
    from dataclasses import replace

    det = SystemRwMounts()
    rw = mount("/dev/block/dm-5 /system ext4 rw,seclabel 0 0")
    findings = [
        f
        for pid in (1, 640, 1203)
        for f in det.feed(
            rw, replace(PROV, source="bugreport", path=f"bugreport:FS/proc/{pid}/mountinfo")
        )
    ]
    assert [(f.severity, f.value, f.prov.path) for f in findings] == [
        (Severity.HIGH, "/system", "bugreport:FS/proc/1/mountinfo")
    ]

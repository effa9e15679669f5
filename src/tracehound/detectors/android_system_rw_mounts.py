"""System partitions mounted read-write: the system image was (or can be) modified.

Facts: MVT ``Mounts.check_indicators`` (``src/mvt/android/artifacts/mounts.py``): a mount point in
or under ``/system``, ``/vendor``, ``/product`` or ``/system_ext`` with the ``rw`` option → HIGH.
MVT also alerts on ``remount``, ``noatime`` and ``nodiratime`` there, except ``noatime`` on its
allow-list (``/system_dlkm``, ``/system_ext``, ``/product``, ``/vendor``, ``/vendor_dlkm``); stock
phones mount ``/system`` and ``/`` with ``noatime``, so only ``rw`` and ``remount`` are flagged
here. Mount points are compared on whole path segments (MVT's string prefix also catches
``/system_dlkm`` under ``/system``). On system-as-root phones (Android 10+) the system image is
mounted at ``/``, so ``/`` from a block device is a system mount too. androidqf keeps only lines
containing ``/system`` (``modules/mounts.go``), and lists most mounts twice (mount and
/proc/mounts), so one finding is made per device and mount point. A bugreport holds one
``FS/proc/<pid>/mountinfo`` per mount namespace (dumpstate's ``add_mountinfo``), each listing
/system again: they count as one file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.android.mounts import Mount

SYSTEM_MOUNTS = ("/system", "/vendor", "/product", "/system_ext")
WRITABLE = frozenset({"rw", "remount"})
_NAMESPACE_FILE = re.compile(r"bugreport:FS/proc/\d+/mountinfo")


def _file_group(path: str) -> str:
    """The file a mount is deduplicated within: all mount namespaces of a bugreport are one."""
    return "bugreport:FS/proc/*/mountinfo" if _NAMESPACE_FILE.fullmatch(path) else path


def is_system_mount(record: Mount) -> bool:
    """Whether the mount holds (part of) the system image."""
    point = record.mount_point.rstrip("/") or "/"
    if point == "/":
        return record.device.startswith("/dev/") and record.fs_type not in ("rootfs", "tmpfs")
    return any(point == p or point.startswith(p + "/") for p in SYSTEM_MOUNTS)


@detector
class SystemRwMounts(Detector):
    NAME = "android_system_rw_mounts"
    TYPES = (Mount.TYPE,)
    DESCRIPTION = "/system, /vendor, /product or /system_ext mounted read-write (HIGH)"

    def __init__(self) -> None:
        self.seen: set[tuple[str, str, str]] = set()

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if not isinstance(record, Mount) or not is_system_mount(record):
            return
        flags = sorted(WRITABLE.intersection(record.options))
        key = (_file_group(prov.path), record.device, record.mount_point)
        if not flags or key in self.seen:
            return
        self.seen.add(key)
        yield Finding(
            detector=self.NAME,
            severity=Severity.HIGH,
            message=(
                f"System partition {record.mount_point} ({record.device}) is mounted "
                f"read-write ({', '.join(flags)}): stock Android mounts it read-only, so the "
                "phone is rooted or its system files were modified"
            ),
            ts=record.ts,
            record=record,
            prov=prov,
            value=record.mount_point,
        )

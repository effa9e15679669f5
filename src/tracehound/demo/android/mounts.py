"""androidqf mounts.json: ``mount | grep '/system'`` lines, then new ``/proc/mounts`` lines.

Facts: androidqf ``modules/mounts.go`` keeps only lines containing ``/system``; toybox ``mount``
prints ``DEVICE on MOUNT_POINT type FS_TYPE (OPTIONS)``, /proc/mounts ``DEVICE MOUNT_POINT
FS_TYPE OPTIONS 0 0``; the list is saved with ``saveCommandOutputJson`` (``null`` when empty).
Stock Android 13 (system-as-root) mounts ``/system_ext`` and ``/system_dlkm`` read-only.
"""

from __future__ import annotations

from collections.abc import Iterable

from tracehound.demo.android._go import go_json


def mount_line(device: str, mount_point: str, fs_type: str, options: str) -> str:
    """A line of toybox ``mount`` output."""
    return f"{device} on {mount_point} type {fs_type} ({options})"


def proc_line(device: str, mount_point: str, fs_type: str, options: str) -> str:
    """A line of /proc/mounts."""
    return f"{device} {mount_point} {fs_type} {options} 0 0"


_STOCK = (
    ("/dev/block/dm-7", "/system_ext", "ext4", "ro,seclabel,relatime"),
    ("/dev/block/dm-9", "/system_dlkm", "erofs", "ro,seclabel,relatime"),
)
#: What androidqf saves for a stock phone: both listings of the same two mounts.
STOCK = tuple(mount_line(*m) for m in _STOCK) + tuple(proc_line(*m) for m in _STOCK)
#: The line of a /system remounted read-write (root).
SYSTEM_RW = mount_line("/dev/block/dm-5", "/system", "ext4", "rw,seclabel,relatime")


def render(lines: Iterable[str] | None) -> bytes:
    """mounts.json bytes (``null`` when ``lines`` is None, as Go writes a nil slice)."""
    return go_json(None if lines is None else list(lines))


# --- bugreport: FS/proc/<pid>/mountinfo ------------------------------------------------------

#: A stock Android 13 mount namespace (subset) as /proc/1/mountinfo shows it (proc(5) layout:
#: ID PARENT MAJOR:MINOR ROOT MOUNT_POINT OPTIONS OPTIONAL... - FS_TYPE SOURCE SUPER_OPTIONS).
MOUNTINFO_STOCK = (
    (1, 0, "254:4", "/", "ro,relatime", "shared:1", "ext4", "/dev/block/dm-4", "ro,seclabel"),
    (20, 1, "0:6", "/dev", "rw,nosuid,relatime", "shared:2", "tmpfs", "tmpfs", "rw,seclabel"),
    (31, 1, "254:7", "/system_ext", "ro,relatime", "shared:9", "ext4", "/dev/block/dm-7", "ro"),
    (32, 1, "254:9", "/system_dlkm", "ro,relatime", "shared:10", "erofs", "/dev/block/dm-9", "ro"),
    (
        48,
        1,
        "254:45",
        "/data",
        "rw,nosuid,nodev,noatime",
        "shared:30",
        "f2fs",
        "/dev/block/dm-45",
        "rw,seclabel,background_gc=on",
    ),
)
#: /system remounted read-write (root): mount and super block both rw.
MOUNTINFO_SYSTEM_RW = (
    60, 1, "254:5", "/system", "rw,relatime", "shared:40", "ext4", "/dev/block/dm-5", "rw,seclabel"
)  # fmt: skip


def render_mountinfo(rows: Iterable[tuple[int, int, str, str, str, str, str, str, str]]) -> bytes:
    """/proc/<pid>/mountinfo bytes; paths with spaces are written as octal escapes (\\040)."""
    lines = []
    for mount_id, parent, dev, point, opts, optional, fs, source, sopts in rows:
        escaped = point.replace(" ", "\\040")
        lines.append(
            f"{mount_id} {parent} {dev} / {escaped} {opts} {optional} - {fs} {source} {sopts}"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")

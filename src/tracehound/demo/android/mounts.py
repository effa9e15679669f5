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

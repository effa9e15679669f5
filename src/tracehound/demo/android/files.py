"""androidqf files.json: the file listing made with the collector (JSON array or JSON lines).

Facts: androidqf ``adb/collector.go`` ``FileInfo`` (field order: path, size, mode, user_id,
user_name, group_id, group_name, changed_time, modified_time, access_time, error, context, sha1,
sha256, sha512, md5); ``mode`` is Go's ``FileMode.String()`` (``-rwxr-xr-x``); times are Unix
seconds (``Time.Unix()``). ``modules/files.go`` saves the whole list with
``saveCommandOutputJson``; the collector itself prints one compact JSON object a line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from tracehound.demo.android._go import go_json, go_json_line

COLLECTOR = "/data/local/tmp/collector"  # where androidqf pushes its collector binary


def _unix(value: datetime | int) -> int:
    return value if isinstance(value, int) else int(value.timestamp())


def file_entry(
    path: str,
    *,
    modified: datetime | int,
    accessed: datetime | int | None = None,
    changed: datetime | int | None = None,
    size: int = 4096,
    mode: str = "-rw-r--r--",
    uid: int = 0,
    gid: int = 0,
    context: str = "u:object_r:system_file:s0",
    content: bytes | None = None,
    mime_type: str | None = None,
) -> dict[str, Any]:
    """One files.json entry; hashes are filled when ``content`` is given (collector ``-H``)."""
    mtime = _unix(modified)
    entry: dict[str, Any] = {
        "path": path,
        "size": len(content) if content is not None else size,
        "mode": mode,
        "user_id": uid,
        "user_name": "",
        "group_id": gid,
        "group_name": "",
        "changed_time": _unix(changed) if changed is not None else mtime,
        "modified_time": mtime,
        "access_time": _unix(accessed) if accessed is not None else mtime,
        "error": "",
        "context": context,
    }
    for algo in ("sha1", "sha256", "sha512", "md5"):
        entry[algo] = hashlib.new(algo, content).hexdigest() if content is not None else ""
    if mime_type is not None:
        entry["mime_type"] = mime_type
    return entry


def render(entries: Iterable[dict[str, Any]], *, ndjson: bool = False) -> bytes:
    """files.json bytes: one indented JSON array, or JSON lines when ``ndjson``."""
    if ndjson:
        return "".join(go_json_line(e) + "\n" for e in entries).encode("utf-8")
    return go_json(list(entries))

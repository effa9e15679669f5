"""androidqf ``acquisition.json``: when and how the acquisition was made.

Fields (mvt-project/androidqf ``acquisition/acquisition.go``, struct ``Acquisition``, written
with Go's ``json.MarshalIndent``): ``uuid``, ``androidqf_version``, ``adb_host_public_key``
(recent versions), ``storage_path`` (a folder on the analyst's computer), ``started`` and
``completed`` (Go ``time.Time``, RFC 3339 in UTC; the zero time ``0001-01-01T00:00:00Z`` means
unset), ``collector``, ``tmp_dir``, ``sdcard``, ``cpu``, ``streaming_mode`` and
``module_results`` (``name``, ``status``, ``error``, ``started``, ``completed``). One record for
the acquisition, then one per module result.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.core.records import Record
from tracehound.core.registry import artifact


@dataclass(frozen=True, slots=True, kw_only=True)
class AqfAcquisition(Record):
    """The acquisition (``kind="acquisition"``) or one androidqf module's run (``"module"``)."""

    TYPE = "android.aqf_acquisition"
    TS_DESC = "Acquisition or module started"
    EXTRA_TIMES = (("completed", "Acquisition or module completed"),)

    kind: str
    uuid: str | None
    androidqf_version: str | None
    module: str | None
    status: str | None
    error: str | None
    completed: datetime | None
    storage_path: str | None
    tmp_dir: str | None
    sdcard: str | None
    cpu: str | None
    streaming_mode: bool | None
    adb_host_public_key: str | None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _go_time(value: Any, ctx: ParseContext, name: str) -> datetime | None:
    """A Go ``time.Time`` JSON value as aware UTC; the zero time is None."""
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        ctx.warn(f"{name} is not an RFC 3339 time: {str(value)[:80]!r}")
        return None
    if parsed.year <= 1:
        return None
    return parsed.astimezone(UTC)


@artifact(record=AqfAcquisition, input="json", paths=("androidqf:acquisition.json",))
def parse(doc: Any, ctx: ParseContext) -> Iterator[AqfAcquisition]:
    """androidqf acquisition.json: acquisition times, versions, modules run."""
    if not isinstance(doc, dict):
        raise SchemaMismatch(f"top level is {type(doc).__name__}, not an object")
    if "uuid" not in doc and "androidqf_version" not in doc:
        raise SchemaMismatch("missing key uuid and androidqf_version")
    uuid = _text(doc.get("uuid"))
    version = _text(doc.get("androidqf_version"))
    streaming = doc.get("streaming_mode")
    yield AqfAcquisition(
        ts=_go_time(doc.get("started"), ctx, "started"),
        kind="acquisition",
        uuid=uuid,
        androidqf_version=version,
        module=None,
        status=None,
        error=None,
        completed=_go_time(doc.get("completed"), ctx, "completed"),
        storage_path=_text(doc.get("storage_path")),
        tmp_dir=_text(doc.get("tmp_dir")),
        sdcard=_text(doc.get("sdcard")),
        cpu=_text(doc.get("cpu")),
        streaming_mode=streaming if isinstance(streaming, bool) else None,
        adb_host_public_key=_text(doc.get("adb_host_public_key")),
    )
    results = doc.get("module_results")
    if results is not None and not isinstance(results, list):
        ctx.warn(f"module_results is not a list: {str(results)[:80]!r}")
        results = []
    for number, item in enumerate(results or [], 1):
        if not isinstance(item, dict):
            ctx.warn(f"module result is not an object: {str(item)[:80]!r}", number)
            continue
        yield AqfAcquisition(
            ts=_go_time(item.get("started"), ctx, "module started"),
            row=number,
            kind="module",
            uuid=uuid,
            androidqf_version=version,
            module=_text(item.get("name")),
            status=_text(item.get("status")),
            error=_text(item.get("error")),
            completed=_go_time(item.get("completed"), ctx, "module completed"),
            storage_path=None,
            tmp_dir=None,
            sdcard=None,
            cpu=None,
            streaming_mode=None,
            adb_host_public_key=None,
        )

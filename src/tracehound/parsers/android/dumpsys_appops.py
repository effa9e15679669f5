"""App operations (permission uses) per package, from ``dumpsys appops``.

Facts: AOSP ``AppOpsService.dump`` prints ``  Uid <uid>:`` blocks (``u0a103``, ``1000``...),
``    Package <name>:`` and, per op, ``      <OP> (<mode>):`` (``allow``, ``ignore``, ``deny``,
``default``, ``foreground``; ``(allow / switch COARSE_LOCATION=allow)`` for switched ops).
Below come entries ``Access: [<uid state>-<flags>] yyyy-MM-dd HH:mm:ss.SSS (<relative>)
[duration=...] [proxy[uid=, pkg=, attributionTag=]]`` and ``Reject: [...]`` (Android 10 writes no
space after the bracket), since Android 11 inside ``<attributionTag>=[`` ... ``]`` groups
(AOSP ``appop/AppOps.md``; MVT ``dumpsys_appops.py`` and its fixtures). Entry times are
device-local (SimpleDateFormat); Android 8-9 prints ``<OP>: mode=<mode>; time=+1h ago`` with
relative times only, kept as text. Uid-level modes (before any ``Package``) are not yielded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from tracehound.core.context import ParseContext
from tracehound.core.records import AppId, Record
from tracehound.core.registry import artifact
from tracehound.parsers.common.dumpsys import DUMPSYS, DeviceClock, Dumpsys, indent, sections

_UID_RE = re.compile(r"^\s*Uid (\S+):$")
_ANY_UID_RE = re.compile(r"^\s*Uid \S+:\r?$", re.M)
_PACKAGE_RE = re.compile(r"^\s*Package (\S+):$")
_OP_RE = re.compile(r"^\s*([A-Z][A-Z0-9_]*) \(([^)]*)\):$")
_OLD_OP_RE = re.compile(r"^\s*([A-Z][A-Z0-9_]*): mode=(\w+)(.*)$")
_TAG_RE = re.compile(r"^\s*(\S+)=\[$")
_ENTRY_RE = re.compile(
    r"^\s*(Access|Reject): \[([^\]]*)\]\s*(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)?"
    r"(?:\s*\(([^)]*)\))?(.*)$"
)
_DURATION_RE = re.compile(r"duration=(\S+)")
_PROXY_RE = re.compile(r"proxy\[[^\]]*pkg=([^,\]\s]+)")


@dataclass(frozen=True, slots=True, kw_only=True)
class AppOp(Record):
    """One op of one package: its mode, and one access or rejection if any were recorded."""

    TYPE = "android.dumpsys_appops"
    PUBLIC_FIELDS = ("access",)
    TS_DESC = "App op access or rejection"

    package: AppId
    uid: str | None  # as printed: u0a103, 1000...
    op: str
    mode: str | None  # allow, ignore, deny, default, foreground...
    access: str | None  # "Access" or "Reject"; None for an op without recorded entries
    uid_state: str | None  # e.g. "fg-s", "top-s"
    relative: str | None  # time relative to the dump, as printed (e.g. "-4h50m23s772ms")
    duration: str | None
    attribution: str | None  # attribution tag (Android 11+), None for "null"
    proxy: AppId | None  # the package that proxied the access, if any


class _State:
    def __init__(self) -> None:
        self.uid: str | None = None
        self.package: str | None = None
        self.package_depth = 0
        self.op: str | None = None
        self.mode: str | None = None
        self.relative: str | None = None
        self.attribution: str | None = None
        self.has_entry = False

    def op_record(self) -> AppOp | None:
        if self.op is None or self.package is None or self.has_entry:
            return None
        return self.entry(None, None, None, None, None, None)

    def entry(self, ts: datetime | None, access: str | None, state: str | None,
              relative: str | None, duration: str | None, proxy: str | None) -> AppOp:  # fmt: skip
        assert self.package is not None and self.op is not None
        return AppOp(
            ts=ts,
            package=self.package, uid=self.uid, op=self.op, mode=self.mode, access=access,
            uid_state=state, relative=relative or self.relative, duration=duration,
            attribution=self.attribution, proxy=proxy,
        )  # fmt: skip


def _parse(text: str, ctx: ParseContext, clock: DeviceClock) -> Iterator[AppOp]:
    st = _State()
    for line in text.splitlines():
        if (match := _UID_RE.match(line)) or (match := _PACKAGE_RE.match(line)):
            if (rec := st.op_record()) is not None:
                yield rec
            is_uid = line.lstrip().startswith("Uid ")
            st.op, st.attribution = None, None
            if is_uid:
                st.uid, st.package = match.group(1), None
            else:
                st.package, st.package_depth = match.group(1), indent(line)
        elif (
            st.package
            and indent(line) > st.package_depth
            and ((match := _OP_RE.match(line)) or (match := _OLD_OP_RE.match(line)))
        ):
            if (rec := st.op_record()) is not None:
                yield rec
            st.op, st.mode, st.attribution, st.has_entry = match.group(1), None, None, False
            st.mode = (match.group(2).split() or [None])[0]
            old = re.search(r"time=([^;]+)", match.group(3)) if match.re is _OLD_OP_RE else None
            st.relative = old.group(1).strip() if old else None
        elif match := _ENTRY_RE.match(line):
            if st.op is None or st.package is None:
                ctx.warn(f"app op entry outside an op: {line.strip()[:80]!r}")
                continue
            st.has_entry = True
            tail = match.group(5)
            duration, proxy = _DURATION_RE.search(tail), _PROXY_RE.search(tail)
            yield st.entry(
                clock.parse(match.group(3), "app op time") if match.group(3) else None,
                match.group(1), match.group(2) or None, match.group(4),
                duration.group(1) if duration else None,
                proxy.group(1) if proxy and proxy.group(1) != "null" else None,
            )  # fmt: skip
        elif st.op and (match := _TAG_RE.match(line)):
            st.attribution = None if match.group(1) == "null" else match.group(1)
    if (rec := st.op_record()) is not None:
        yield rec


@artifact(record=AppOp, reader=DUMPSYS)
def parse(dump: Dumpsys, ctx: ParseContext) -> Iterator[AppOp]:
    """App ops per package: mode, and each recorded access or rejection (dumpsys appops)."""
    clock = DeviceClock(ctx)
    for _, body in sections(dump, ("appops",)):
        if body.strip() and not _ANY_UID_RE.search(body):
            ctx.warn("appops section not understood: no 'Uid' blocks")
            continue
        yield from _parse(body, ctx, clock)

"""URLs, domains, device paths and process names in the sysdiagnose's other text files.

Every text file of the sysdiagnose that no other artifact reads (``sources.sysdiagnose_sweep``
decides which, and the coverage notes list what was left and why) is swept line by line:

- URLs with a scheme (RFC 3986 ``scheme://authority``): the index matches their hosts too;
- domains only where the text names a host (``host=``, ``hostname:``, ``domain:``,
  ``server=``, ``sni=``; ``applinks:``/``webcredentials:`` service prefixes of
  associated domains, Apple TN3155 and ``swcutil_show.txt``), never every dotted word;
- absolute device paths under iOS's top folders (``/private``, ``/var``, ``/System``,
  ``/usr``, ``/Library``, ``/Applications``, ``/Developer``, ``/bin``, ``/sbin``, ``/tmp``);
- process names written ``name[pid]``, the form of syslog and of Apple's log lines
  (EC-DIGIT-CSIRC sysdiagnose ``lockdownd`` and ``mobileactivation`` parsers read it).

Binary plists (``bplist00``, Apple's format) are decoded and their strings swept (``key`` is
the key path). Each value is kept once per file with its first line and how often it was seen;
a file over ``MAX_VALUES`` distinct values is cut, with a warning. Other binary content is not
swept (a warning). XML plist ``<!DOCTYPE`` lines (Apple's DTD URL) are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import InputError
from tracehound.core.records import DevicePath, Domain, ProcessName, Record, Url
from tracehound.core.registry import artifact
from tracehound.parsers.common import plist
from tracehound.sources.sysdiagnose_sweep import GLOBS, PREFIX, reason_left

MAX_VALUES = 5000
CONTEXT = 200
_URL = re.compile(r"\b(?:https?|wss?|ftps?)://[^\s\"'<>\\^`{|}]+", re.I)
_HOST = re.compile(
    r"\b(?:host(?:name)?|domain|server|sni|applinks|webcredentials|activitycontinuation"
    r"|appclips)\s*[=:]\s*\"?((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})?\.)+[A-Za-z]{2,63})\b",
    re.I,
)
_PATH = re.compile(
    r"(?<![\w/.~:-])(/(?:private|var|System|usr|Library|Applications|Developer|bin|sbin|tmp)"
    r"(?:/[^\s\"'<>,;()\[\]{}|=]+)+)"
)
_PROCESS = re.compile(r"(?<![\w/.-])([A-Za-z][\w.-]{1,63})\[(\d{1,7})\]")
_TRAILING = ".,;:!?)]}'\""


@dataclass(frozen=True, slots=True, kw_only=True)
class SysdiagnoseText(Record):
    """One URL, domain, path or process name found in a text file (``row``: first line)."""

    TYPE = "ios.sysdiagnose_text"
    TS_DESC = "No time (value found in a sysdiagnose text file)"

    kind: str  # url, domain, path, process
    url: Url | None
    domain: Domain | None
    path: DevicePath | None
    process: ProcessName | None
    key: str | None  # binary plists: the key path of the string
    count: int  # times seen in the file
    context: str  # the first line it was seen on, cut to 200 characters


def _found(text: str) -> Iterator[tuple[str, str]]:
    for match in _URL.finditer(text):
        yield "url", match.group(0).rstrip(_TRAILING)
    for match in _HOST.finditer(text):
        yield "domain", match.group(1).lower()
    for match in _PATH.finditer(text):
        yield "path", match.group(1).rstrip(_TRAILING)
    for match in _PROCESS.finditer(text):
        yield "process", match.group(1)


class _Seen:
    """Distinct values of one file: first row, key and line, and a count."""

    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self.values: dict[tuple[str, str], list[Any]] = {}
        self.cut = False

    def add(self, text: str, row: int | None, key: str | None) -> None:
        if text.lstrip().startswith("<!DOCTYPE"):
            return
        for kind, value in _found(text):
            item = self.values.get((kind, value))
            if item is not None:
                item[0] += 1
            elif len(self.values) < MAX_VALUES:
                self.values[(kind, value)] = [1, row, key, text.strip()[:CONTEXT]]
            elif not self.cut:
                self.cut = True
                self.ctx.warn(f"over {MAX_VALUES} distinct values: the rest not kept", row)

    def records(self) -> Iterator[SysdiagnoseText]:
        for (kind, value), (count, row, key, context) in self.values.items():
            yield SysdiagnoseText(
                ts=None,
                row=row,
                kind=kind,
                url=value if kind == "url" else None,
                domain=value if kind == "domain" else None,
                path=value if kind == "path" else None,
                process=value if kind == "process" else None,
                key=key,
                count=count,
                context=context,
            )


def _strings(value: Any, key: str, depth: int = 0) -> Iterator[tuple[str, str]]:
    """Every string of a decoded plist with its key path (nesting bounded)."""
    if depth > 50:
        return
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{key}/{k}" if key else str(k), depth + 1)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{key}/{i}", depth + 1)


@artifact(record=SysdiagnoseText, input="bytes", paths=GLOBS, sources=("sysdiagnose",))
def parse(data: bytes, ctx: ParseContext) -> Iterator[SysdiagnoseText]:
    """URLs, host names, device paths and process names in the sysdiagnose's other text files."""
    rel = ctx.path.removeprefix(PREFIX)
    if ctx.path.startswith(PREFIX) and reason_left(rel, len(data)) is not None:
        return  # read by its own artifact, or not a text file: the coverage notes say so
    seen = _Seen(ctx)
    if data.startswith(b"bplist00"):
        try:
            decoded = plist.load(data)
        except InputError as exc:
            ctx.warn(f"binary plist not readable: {exc}")
            return
        for key, text in _strings(decoded, ""):
            for line in text.splitlines() or [text]:
                seen.add(line, None, key or None)
    elif b"\x00" in data[:8192]:
        ctx.warn("binary content in a text-named file: not swept")
        return
    else:
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            seen.add(line, number, None)
    yield from seen.records()

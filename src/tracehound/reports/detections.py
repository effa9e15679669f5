"""The detections of the HTML report: detections.jsonl read once, in bounded memory, into
groups (one per indicator or heuristic), the hits shown (capped), and the index the timeline
windows are built from."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracehound.core.records import Record
from tracehound.core.registry import artifacts, detectors, record_types
from tracehound.reports import explain
from tracehound.reports.charts import Mark
from tracehound.reports.derived import NO_TIME, fmt_us, fmt_us_utc, iter_jsonl, to_us
from tracehound.reports.derived import as_dict as _dict
from tracehound.reports.derived import as_list as _list
from tracehound.reports.derived import as_str as _str
from tracehound.reports.derived import cut as _text
from tracehound.reports.derived import severity_of as _sev
from tracehound.reports.derived import severity_rank as _rank
from tracehound.reports.jsonl import record_from_json
from tracehound.reports.limits import Limits
from tracehound.reports.timeline import safe_cell

#: Identity of one row of timeline.csv: artifact, device_path cell, row cell, microseconds.
TimelineKey = tuple[str, str, str, int]
#: A timeline row's identity and its message cell (None: matches any message).
MessageKey = tuple[str, str, str, int, str | None]


def record_key(artifact: str, path: str, record: dict[str, Any]) -> str:
    """Identity of one record (same in detections.jsonl and records/)."""
    body = {k: v for k, v in record.items() if k != "_provenance"}
    text = json.dumps([artifact, path, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def key_token(artifact: str, path: str, record: dict[str, Any]) -> tuple[str, str, str]:
    """What two records with the same :func:`record_key` share at least: artifact, path and
    their ``row`` as that key writes it."""
    return artifact, path, json.dumps(record.get("row"), sort_keys=True, default=str)


def row_key(artifact: str, path: str, row: Any) -> tuple[str, str, int] | None:
    """Identity of one SQLite row of an input file (None when ``row`` is not a row id)."""
    return (artifact, path, row) if isinstance(row, int) and not isinstance(row, bool) else None


def timeline_keys(
    artifact: str, path: str, record: dict[str, Any], cls: type[Record] | None
) -> tuple[list[TimelineKey], str | None]:
    """The rows a record (in its JSON form; ``cls`` its class, if known) has in timeline.csv:
    one per timestamp (``ts`` and the type's EXTRA_TIMES), with the message cell they share.
    The message is the record's ``describe()`` as the timeline writes it; None when the record
    type is unknown here or the record cannot be rebuilt from its JSON."""
    names = ["ts", *(name for name, _ in (cls.EXTRA_TIMES if cls else ()))]
    row = record.get("row")
    base = (artifact, safe_cell(path), "" if row is None else str(row))
    keys = [(*base, us) for us in (to_us(record.get(name)) for name in names) if us is not None]
    message = None
    if cls is not None and keys:
        try:
            message = safe_cell(record_from_json(record, cls)[0].describe())
        except Exception:  # a damaged record of a results folder: match it without message
            message = None
    return keys, message


def _keep_worst(table: dict[Any, tuple[str, str]], key: Any, severity: str, anchor: str) -> None:
    """Record the detection (severity, anchor) under ``key``, keeping the most severe."""
    old = table.get(key)
    if old is None or _rank(severity) > _rank(old[0]):
        table[key] = (severity, anchor or (old[1] if old else ""))


@dataclass
class Hit:
    """One detection as the report shows it."""

    anchor: str
    severity: str
    when: str
    ts_desc: str
    artifact: str
    meaning: str
    message: str
    value: str
    field: str
    reason: str
    weight: explain.Weight | None
    path: str
    row: str
    sha256: str
    source: str
    related: list[str]
    record: list[tuple[str, str]]
    id: str = ""  # the detection's stable id (for prevalence.json's counts)


@dataclass
class Group:
    """Detections of the same indicator (or the same heuristic)."""

    key: str
    kind: str  # "indicator" or "heuristic"
    title: str
    severity: str = "info"
    count: int = 0
    first: int | None = None
    last: int | None = None
    artifacts: dict[str, int] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    # indicator groups
    ioc_kind: str = ""
    ioc_value: str = ""
    ioc_id: str = ""
    ioc_source: str = ""
    malware: str = ""
    malware_names: list[str] = field(default_factory=list)
    weight: explain.Weight | None = None
    # heuristic groups
    description: str = ""

    @property
    def hidden(self) -> int:
        return self.count - len(self.hits)

    @property
    def span(self) -> str:
        if self.first is None or self.last is None:
            return NO_TIME
        if self.first == self.last:
            return fmt_us_utc(self.first)
        return f"{fmt_us(self.first)} to {fmt_us_utc(self.last)}"


@dataclass
class Section:
    """The indicator groups of one malware name (or the heuristics)."""

    title: str
    groups: list[Group]
    count: int
    severity: str


@dataclass
class DetectionIndex:
    """What the detections tell the record pass: which records are involved, and where."""

    by_key: dict[str, tuple[str, str]] = field(default_factory=dict)  # -> (severity, anchor)
    # (artifact, path, row) of every record of by_key (``key_token``): only a record holding
    # one of them can have its key there, so the others are not hashed (None: not known, as
    # for an index built with by_key alone: every record is hashed).
    key_rows: set[tuple[str, str, str]] | None = None
    involved_rows: set[tuple[str, str, int]] = field(default_factory=set)
    # The same in the terms of timeline.csv (cells: device path as written, row as text).
    by_time: dict[MessageKey, tuple[str, str]] = field(default_factory=dict)
    involved_cells: set[tuple[str, str, str]] = field(default_factory=set)
    times: list[Mark] = field(default_factory=list)
    tracked: int = 0
    untimed: int = 0
    untracked: int = 0


def _related(det: dict[str, Any], limit: int) -> list[str]:
    """The records related to a detection, one line each (the first ten)."""
    return [
        f"{_text(r.get('artifact'), 80)} {_text(r.get('path'), limit)} row "
        f"{_text(r.get('row'), 20) or '-'}"
        for r in map(_dict, _list(det.get("related"))[:10])
    ]


def _record_fields(det: dict[str, Any], limit: int) -> list[tuple[str, str]]:
    """The fields of a detection's record (the first 80, empty ones left out)."""
    record = _dict(det.get("record"))
    return [
        (_text(k, 80), _text(v, limit))
        for k, v in itertools.islice(record.items(), 80)
        if k != "type" and v not in (None, "", [])
    ]


class Detections:
    """Reads detections.jsonl once into groups, hits (capped) and the index for windows."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.groups: dict[str, Group] = {}
        self.index = DetectionIndex()
        self.total = 0
        self.shown = 0
        self.bad_lines = [0]
        self.malware: Counter[str] = Counter()
        self.classes = record_types()
        self.ts_desc = {name: cls.TS_DESC for name, cls in self.classes.items()}
        self.art_desc = {a.name: a.description for a in artifacts()}
        self.det_desc = {d.NAME: d.DESCRIPTION for d in detectors()}

    def read(self, path: Path) -> None:
        for det in iter_jsonl(path, self.bad_lines):
            self.total += 1
            self._add(det, f"det-{self.total}")

    def _group(self, det: dict[str, Any]) -> Group:
        ind = _dict(det.get("indicator"))
        if det.get("type") == "indicator" and ind:
            return self._indicator_group(ind)
        name = _text(det.get("detector"), 80) or "heuristic"
        key = f"h|{name}"
        if key not in self.groups:
            self.groups[key] = Group(
                key=key,
                kind="heuristic",
                title=name,
                description=self.det_desc.get(name, ""),
            )
        return self.groups[key]

    def _indicator_group(self, ind: dict[str, Any]) -> Group:
        names = [_text(m, 80) for m in _list(ind.get("malware"))] or ["unnamed malware"]
        malware = ", ".join(names)
        key = f"i|{malware}|{_str(ind.get('id'))}|{_str(ind.get('value'))}"
        group = self.groups.get(key)
        if group is None:
            kind = _text(ind.get("kind"), 40)
            group = self.groups[key] = Group(
                key=key,
                kind="indicator",
                title=f"{kind} {_text(ind.get('value'), 200)}",
                ioc_kind=kind,
                ioc_value=_text(ind.get("value"), self.limits.text_chars),
                ioc_id=_text(ind.get("id"), 100),
                ioc_source=_text(ind.get("source"), 300),
                malware=malware,
                malware_names=names,
                weight=explain.kind_weight(kind),
            )
        return group

    def _add(self, det: dict[str, Any], anchor: str) -> None:
        group = self._group(det)
        severity = _sev(det.get("severity"))
        artifact = _text(det.get("artifact"), 80)
        us = to_us(det.get("ts"))
        group.count += 1
        if _rank(severity) > _rank(group.severity) or group.count == 1:
            group.severity = severity
        group.artifacts[artifact] = group.artifacts.get(artifact, 0) + 1
        if us is not None:
            group.first = us if group.first is None else min(group.first, us)
            group.last = us if group.last is None else max(group.last, us)
        if group.kind == "indicator":
            for name in group.malware_names:
                self.malware[name] += 1
        shown = len(group.hits) < self.limits.hits_per_group and self.shown < self.limits.max_hits
        if shown:
            self.shown += 1
            group.hits.append(self._hit(det, anchor, severity, artifact, us))
        self._track(det, artifact, severity, us, anchor if shown else "")

    def _hit(
        self, det: dict[str, Any], anchor: str, severity: str, artifact: str, us: int | None
    ) -> Hit:
        limit = self.limits.text_chars
        ev = _dict(det.get("evidence"))
        ind = _dict(det.get("indicator"))
        reason = _text(det.get("reason"), 300)
        weight = None
        if det.get("type") == "indicator":
            rule = explain.rule_of(det.get("rule"), reason)
            length = _matched_length(_str(det.get("matched")), reason)
            weight = explain.hit_weight(_str(ind.get("kind")), rule, artifact, length)
        return Hit(
            anchor=anchor,
            severity=severity,
            when=fmt_us_utc(us),
            ts_desc=self.ts_desc.get(artifact, "Time"),
            artifact=artifact,
            meaning=explain.artifact_meaning(artifact, self.art_desc.get(artifact, "")),
            message=_text(det.get("message"), limit * 2),
            value=_text(det.get("value"), limit),
            field=_text(det.get("field"), 80),
            reason=reason,
            weight=weight,
            path=_text(ev.get("path"), limit),
            row=_text(ev.get("row"), 20) or "-",
            sha256=_text(ev.get("sha256"), 80) or "-",
            source=_text(ev.get("source"), 80),
            related=_related(det, limit),
            record=_record_fields(det, self.limits.field_chars),
            id=_str(det.get("id"))[:64],
        )

    def _track(
        self, det: dict[str, Any], artifact: str, severity: str, us: int | None, anchor: str
    ) -> None:
        index = self.index
        if index.tracked >= self.limits.max_tracked:
            index.untracked += 1
            return
        index.tracked += 1
        ev = _dict(det.get("evidence"))
        path = _str(ev.get("path"))
        record = _dict(det.get("record"))
        if record:
            _keep_worst(index.by_key, record_key(artifact, path, record), severity, anchor)
            if index.key_rows is None:
                index.key_rows = set()
            index.key_rows.add(key_token(artifact, path, record))
            keys, message = timeline_keys(artifact, path, record, self.classes.get(artifact))
            for key in keys:
                _keep_worst(index.by_time, (*key, message), severity, anchor)
        for item in [ev, *map(_dict, _list(det.get("related")))]:
            found = row_key(
                _str(item.get("artifact")) or artifact, _str(item.get("path")), item.get("row")
            )
            if found:
                index.involved_rows.add(found)
                index.involved_cells.add((found[0], safe_cell(found[1]), str(found[2])))
        if us is None:
            index.untimed += 1
            return
        label = f"{severity}: {_text(det.get('message'), 200)}"
        index.times.append((us, severity, label, anchor))


def sections(det: Detections) -> list[Section]:
    """The groups by malware name (most severe, then largest first), heuristics last."""
    by_malware: dict[str, list[Group]] = {}
    heuristics: list[Group] = []
    for group in det.groups.values():
        if group.kind == "indicator":
            by_malware.setdefault(group.malware, []).append(group)
        else:
            heuristics.append(group)

    def order(g: Group) -> tuple[int, int]:
        return (-_rank(g.severity), g.first if g.first is not None else 2**62)

    out = []
    for name, groups in by_malware.items():
        groups.sort(key=order)
        out.append(Section(f"{name}", groups, sum(g.count for g in groups), groups[0].severity))
    out.sort(key=lambda s: (-_rank(s.severity), -s.count))
    if heuristics:
        heuristics.sort(key=order)
        worst = heuristics[0].severity
        out.append(Section("Heuristics", heuristics, sum(g.count for g in heuristics), worst))
    return out


def _matched_length(matched: str, reason: str) -> int:
    """The length of the value that hit: ``matched``, or for a 1.x folder (which wrote only
    the sentence) the length a truncation sentence names ("truncated to 15 characters")."""
    if matched:
        return len(matched)
    words = reason.split()
    if len(words) > 2 and words[-1] == "characters" and words[-2].isdigit():
        return int(words[-2])
    return 0

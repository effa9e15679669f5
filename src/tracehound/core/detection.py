"""A detection as a typed value: what was found, how serious, and the row it points at.

The engine makes one :class:`Detection` per indicator hit (:func:`from_match`) and per
heuristic finding (:func:`from_finding`); the writers turn it into a line of
``detections.jsonl`` (:meth:`Detection.to_json`) and a row of ``detections.parquet``. Its id is
stable: a hash of what was found and where (indicator or detector, artifact, field, value,
device path, row, time), never of the message's wording, so a reworded message keeps the id,
and a re-hunt recognises a detection it has seen.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tracehound.core.records import Provenance, Record, record_json
from tracehound.core.timeutil import iso

if TYPE_CHECKING:
    from tracehound.core.registry import Finding, Severity
    from tracehound.iocs.index import Match


class DetectionType(StrEnum):
    INDICATOR = "indicator"  # a value matched an indicator of compromise
    HEURISTIC = "heuristic"  # a detector saw something suspicious without an indicator


class Rule(StrEnum):
    """Which matching rule made an indicator hit (ARTIFACTS.md, "Indicator semantics"); written
    as ``rule`` in detections and read by the report's weighing."""

    URL = "url"  # the URL equals an indicator URL
    URL_HOST = "url_host"  # the URL's host equals an indicator domain
    URL_SUBDOMAIN = "url_subdomain"  # the URL's host is below an indicator domain
    DOMAIN = "domain"
    SUBDOMAIN = "subdomain"
    IP = "ip"
    IP_NETWORK = "ip_network"  # the address lies in an indicator network
    EMAIL = "email"
    PROCESS = "process"
    PROCESS_TRUNCATED = "process_truncated"  # a kernel-truncated name starts the indicator's
    PROCESS_IN_PATH = "process_in_path"  # a segment of an executable path is the name
    PATH = "path"
    PATH_BELOW = "path_below"  # below an indicator directory
    RELATIVE_PATH = "relative_path"  # ends with an indicator's relative path
    BELOW_RELATIVE_PATH = "below_relative_path"
    FILE_NAME = "file_name"
    FILE_HASH = "file_hash"
    CERT_HASH = "cert_hash"
    APP_ID = "app_id"
    PROFILE_ID = "profile_id"
    ANDROID_PROPERTY = "android_property"


@dataclass(frozen=True, slots=True)
class Evidence:
    """The row a detection points at: acquisition kind, device path, file hash, row id."""

    source: str
    path: str
    sha256: str | None
    row: int | None
    wal_sha256: str | None = None  # the row may have been read from the database's -wal
    artifact: str | None = None  # for related rows: their artifact

    @classmethod
    def of(cls, record: Record, prov: Provenance, related: bool = False) -> Evidence:
        return cls(
            prov.source,
            prov.path,
            prov.sha256,
            record.row,
            prov.wal_sha256,
            record.TYPE if related else None,
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "path": self.path,
            "sha256": self.sha256,
            "row": self.row,
        }
        if self.wal_sha256 is not None:
            out["wal_sha256"] = self.wal_sha256
        if self.artifact is not None:
            out["artifact"] = self.artifact
        return out


@dataclass(frozen=True, slots=True)
class IndicatorRef:
    """The indicator behind a hit, as its file gives it."""

    kind: str
    value: str
    id: str
    malware: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True)
class Detection:
    """One detection (see the module docstring)."""

    id: str
    type: DetectionType
    severity: str
    artifact: str
    ts: datetime | None
    message: str
    value: str | None
    evidence: Evidence
    record: Record
    field: str | None = None
    indicator: IndicatorRef | None = None
    rule: Rule | None = None
    reason: str | None = None
    matched: str | None = None  # the normalised value that hit (a host, a name, a path)
    detector: str | None = None
    related: tuple[Evidence, ...] = ()
    chain: tuple[tuple[datetime | None, str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The ``detections.jsonl`` object (keys in the documented order)."""
        out: dict[str, Any] = {
            "id": self.id,
            "type": self.type.value,
            "severity": self.severity,
            "artifact": self.artifact,
            "ts": iso(self.ts),
            "message": self.message,
            "value": self.value,
        }
        if self.type is DetectionType.INDICATOR and self.indicator is not None:
            ind = self.indicator
            out["field"] = self.field
            out["indicator"] = {
                "kind": ind.kind,
                "value": ind.value,
                "id": ind.id,
                "malware": list(ind.malware),
                "source": ind.source,
            }
            out["rule"] = self.rule.value if self.rule else None
            out["matched"] = self.matched
            out["reason"] = self.reason
        else:
            out["detector"] = self.detector
        out["evidence"] = self.evidence.to_json()
        if self.type is DetectionType.HEURISTIC:
            out["related"] = [r.to_json() for r in self.related]
        out["record"] = record_json(self.record)
        if self.chain:
            out["chain"] = [{"ts": iso(ts), "artifact": a, "what": w} for ts, a, w in self.chain]
        return out


#: Indicator kinds whose hits weigh one step less: a network indicator (domain, URL, IP) may be
#: hit by a visit to a vendor page or a link never opened; the others name the spyware's own
#: code or accounts (see README, "Severities").
NETWORK_KINDS = frozenset({"domain", "url", "ip"})


def is_serious(kind: str, severity: str) -> bool:
    """Whether a detection sets the exit code's detected bit: an indicator match, or a
    heuristic of severity high or critical (README, "Exit codes")."""
    return kind == DetectionType.INDICATOR.value or severity in ("high", "critical")


def indicator_severity(kind: str) -> str:
    """Severity of an indicator hit, by the kind of indicator (an ``IocKind`` value)."""
    return "high" if kind in NETWORK_KINDS else "critical"


def stable_id(*parts: Any) -> str:
    """16 hex digits of SHA-256 over ``parts`` as canonical JSON."""
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def from_match(match: Match, record: Record, prov: Provenance) -> Detection:
    """The detection of one indicator hit on ``record``."""
    ind = match.indicator
    malware = ", ".join(ind.malware) or "unnamed malware"
    message = (
        f"{record.TYPE}: {match.field} {match.observed!r} matches a {malware} indicator "
        f"({ind.kind.value} {ind.raw!r}; {match.reason})"
    )
    return Detection(
        id=stable_id(
            "indicator", record.TYPE, ind.id, match.field, match.observed, prov.path, record.row
        ),
        type=DetectionType.INDICATOR,
        severity=indicator_severity(ind.kind.value),
        artifact=record.TYPE,
        ts=record.ts,
        message=message,
        value=match.observed,
        evidence=Evidence.of(record, prov),
        record=record,
        field=match.field,
        indicator=IndicatorRef(ind.kind.value, ind.raw, ind.id, ind.malware, ind.source),
        rule=match.rule,
        reason=match.reason,
        matched=match.matched,
    )


def from_finding(finding: Finding) -> Detection:
    """The detection of one heuristic finding. Its id hashes the detector, the finding's value
    (or key), the row and the time, not the message."""
    record, prov = finding.record, finding.prov
    severity: Severity = finding.severity
    key = finding.key if finding.key is not None else finding.value
    return Detection(
        id=stable_id(
            "heuristic", finding.detector, record.TYPE, key, prov.path, record.row, iso(finding.ts)
        ),
        type=DetectionType.HEURISTIC,
        severity=severity.value,
        artifact=record.TYPE,
        ts=finding.ts,
        message=finding.message,
        value=finding.value,
        evidence=Evidence.of(record, prov),
        record=record,
        detector=finding.detector,
        related=tuple(Evidence.of(r, p, related=True) for r, p in finding.related),
        chain=finding.steps,
    )

"""Indicator index: per-kind dictionaries, so a lookup is a handful of dict operations.

Matching rules, and where they deliberately differ from MVT (see ``ARTIFACTS.md``, "Indicator
semantics"): domains match on every label suffix (``a.sub.example.org`` hits ``sub.example.org``)
but never on a bare TLD; IP addresses are compared as addresses and networks (``198.51.100.10``
does not hit ``198.51.100.1``); paths match on whole segments (``/a/b.stagingX`` does not hit
``/a/b.staging``); profile ids are compared whole.

Process name truncation: XNU keeps ``p_comm[MAXCOMLEN + 1]`` with ``MAXCOMLEN = 16``
(``bsd/sys/param.h``, ``osfmk/mach/resource_monitors.h``), so iOS logs show at most 16
characters; MVT's ``check_process`` treats an observed name of exactly 16 characters as a
possible truncation. Linux/Android keep ``comm[TASK_COMM_LEN]`` with ``TASK_COMM_LEN = 16``
including the NUL, so 15 visible characters. We treat observed names of 16 *and* 15 characters
as possible truncations; the reason of the match names the length, so an analyst can weigh a
15-character hit on an iOS device accordingly.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tracehound.core.records import Kind, Record, semantic_values
from tracehound.iocs.normalise import (
    normalise_domain,
    normalise_email,
    normalise_hash,
    normalise_path,
    normalise_url,
    parse_ip,
    split_url,
)
from tracehound.iocs.stix import Indicator, IocKind

#: Observed process name lengths that may be kernel truncations (see the module docstring).
TRUNCATION_LENGTHS = (16, 15)

_Address = ipaddress.IPv4Address | ipaddress.IPv6Address
#: Distinct observed values remembered with their matches, and the longest value remembered:
#: together they bound the memo (about 15 MB at most), whatever lengths device values have.
_MEMO_SIZE = 20_000
_MEMO_MAX_LEN = 512


@dataclass(frozen=True, slots=True)
class Match:
    """One indicator hit on one observed value, and why."""

    indicator: Indicator
    field: str  # record field name
    observed: str  # the value as seen on the device
    matched: str  # the normalised key that hit
    reason: str  # human-readable


class IndicatorIndex:
    """Indicators grouped by kind and keyed by normalised value."""

    __slots__ = (
        "_by_kind",
        "_ip_exact",
        "_ip_nets",
        "_len",
        "_memo",
        "_proc_prefix",
        "_relative",
    )

    def __init__(self) -> None:
        self._by_kind: dict[IocKind, dict[str, list[Indicator]]] = {k: {} for k in IocKind}
        self._ip_exact: dict[_Address, list[Indicator]] = {}
        # (IP version, prefix length) -> network address as int, shifted -> indicators
        self._ip_nets: dict[tuple[int, int], dict[int, list[Indicator]]] = {}
        # truncation length -> name prefix -> indicators whose (longer) name starts with it
        self._proc_prefix: dict[int, dict[str, list[Indicator]]] = {
            n: {} for n in TRUNCATION_LENGTHS
        }
        # first segment -> (segments, indicator) of relative file_path indicators
        self._relative: dict[str, list[tuple[tuple[str, ...], Indicator]]] = {}
        self._len = 0
        # (kind, value, field) -> matches: a phone repeats the same hosts, handles and process
        # names on thousands of rows, so each distinct value is normalised and looked up once.
        self._memo: dict[tuple[Kind, str, str], tuple[Match, ...]] = {}

    @classmethod
    def build(cls, indicators: Iterable[Indicator]) -> IndicatorIndex:
        """Index indicators (values are already normalised by the loader)."""
        index = cls()
        for ind in indicators:
            index._add(ind)
        return index

    def _add(self, ind: Indicator) -> None:
        self._memo.clear()
        self._len += 1
        kind, value = ind.kind, ind.value
        if kind is IocKind.IP:
            self._add_ip(ind)
        elif kind is IocKind.FILE_PATH and not value.startswith("/"):
            segments = tuple(value.split("/"))
            self._relative.setdefault(segments[0], []).append((segments, ind))
        else:
            self._by_kind[kind].setdefault(value, []).append(ind)
        if kind is IocKind.PROCESS:
            for n, prefixes in self._proc_prefix.items():
                if len(value) > n:
                    prefixes.setdefault(value[:n], []).append(ind)

    def _add_ip(self, ind: Indicator) -> None:
        ip = parse_ip(ind.value)
        if isinstance(ip, ipaddress.IPv4Network | ipaddress.IPv6Network):
            shift = ip.max_prefixlen - ip.prefixlen
            nets = self._ip_nets.setdefault((ip.version, ip.prefixlen), {})
            nets.setdefault(int(ip.network_address) >> shift, []).append(ind)
        elif ip is not None:
            self._ip_exact.setdefault(ip, []).append(ind)

    def __len__(self) -> int:
        return self._len

    def counts(self) -> dict[str, int]:
        """Number of indicators per IocKind value."""
        out = {k.value: sum(len(v) for v in d.values()) for k, d in self._by_kind.items()}
        out[IocKind.IP.value] = sum(len(v) for v in self._ip_exact.values()) + sum(
            len(v) for nets in self._ip_nets.values() for v in nets.values()
        )
        out[IocKind.FILE_PATH.value] += sum(len(v) for v in self._relative.values())
        return out

    # ----------------------------------------------------------------------------------------

    def match_record(self, record: Record) -> list[Match]:
        """Matches on every semantic field of ``record``, once per (indicator, field, value).

        The same indicator value for the same malware listed by several files (the stalkerware
        source's STIX2 export and its ioc.yaml) counts once: the first loaded file is named.
        """
        out: list[Match] = []
        seen: set[tuple[str, ...]] = set()
        for name, kind, value in semantic_values(record):
            for match in self.match_value(kind, value, name):
                ind = match.indicator
                key = (ind.kind.value, ind.value, *ind.malware, "\0", name, value)
                if key not in seen:
                    seen.add(key)
                    out.append(match)
        return out

    def match_value(self, kind: Kind, value: str, field: str = "") -> list[Match]:
        """Matches of one observed value of the given kind; never raises on odd input."""
        if not value or not isinstance(value, str):
            return []
        handler = _HANDLERS.get(kind)
        if handler is None:
            return []
        if len(value) > _MEMO_MAX_LEN:  # long values are rare and seldom repeat
            return list(handler(self, value, field))
        key = (kind, value, field)
        found = self._memo.get(key)
        if found is None:
            found = tuple(handler(self, value, field))
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()  # bounded memory: start afresh rather than track recency
            self._memo[key] = found
        return list(found)

    # -- network ------------------------------------------------------------------------------

    def _url(self, value: str, field: str) -> Iterator[Match]:
        parts = split_url(value)
        if parts is None:
            return
        key = normalise_url(parts)
        keys = [key]
        if parts.scheme:  # an indicator written without a scheme
            keys.append(key[len(parts.scheme) + 3 :])
        urls = self._by_kind[IocKind.URL]
        for k in keys:
            for ind in urls.get(k, ()):
                yield Match(ind, field, value, k, "exact URL")
        yield from self._host(parts.host, value, field, url=True)

    def _domain(self, value: str, field: str) -> Iterator[Match]:
        text = value.strip()
        if "/" in text or text.count(":") == 1 or text.startswith("["):
            parts = split_url(text)  # a URL or host:port given as a domain
            if parts is None:
                return
            text = parts.host
        yield from self._host(text, value, field, url=False)

    def _host(self, host: str, observed: str, field: str, url: bool) -> Iterator[Match]:
        """IP rules if ``host`` is an address, else the label-suffix walk."""
        if host[-1:].isdigit() or ":" in host:
            ip = parse_ip(host)
            if isinstance(ip, ipaddress.IPv4Address | ipaddress.IPv6Address):
                yield from self._ip_addr(ip, observed, field)
                return
        name = normalise_domain(host)
        domains = self._by_kind[IocKind.DOMAIN]
        candidate = name
        while True:
            dot = candidate.find(".")
            if dot < 0:  # a single label (a TLD) is never looked up
                return
            for ind in domains.get(candidate, ()):
                yield Match(ind, field, observed, candidate, _domain_reason(candidate, name, url))
            candidate = candidate[dot + 1 :]

    def _ip(self, value: str, field: str) -> Iterator[Match]:
        ip = parse_ip(value)
        if ip is None:  # maybe address:port or [v6]:port
            parts = split_url(value)
            ip = parse_ip(parts.host) if parts is not None else None
        if isinstance(ip, ipaddress.IPv4Address | ipaddress.IPv6Address):
            yield from self._ip_addr(ip, value, field)

    def _ip_addr(self, ip: _Address, observed: str, field: str) -> Iterator[Match]:
        for ind in self._ip_exact.get(ip, ()):
            yield Match(ind, field, observed, str(ip), "IP address")
        if not self._ip_nets:
            return
        number, bits = int(ip), ip.max_prefixlen
        for (version, prefixlen), nets in self._ip_nets.items():
            if version != ip.version:
                continue
            for ind in nets.get(number >> (bits - prefixlen), ()):
                reason = f"IP address in network {ind.value}"
                yield Match(ind, field, observed, ind.value, reason)

    def _email(self, value: str, field: str) -> Iterator[Match]:
        key = normalise_email(value)
        for ind in self._by_kind[IocKind.EMAIL].get(key, ()):
            yield Match(ind, field, value, key, "email address")

    # -- processes and paths ------------------------------------------------------------------

    def _process(self, value: str, field: str) -> Iterator[Match]:
        name = value.strip()
        if name.startswith("/"):  # a full path: its basename
            name = name.rpartition("/")[2]
        elif "/" in name:  # DataUsage style "process/bundle.id"
            name = name.partition("/")[0]
        if not name:
            return
        for ind in self._by_kind[IocKind.PROCESS].get(name, ()):
            yield Match(ind, field, value, name, "process name")
        prefixes = self._proc_prefix.get(len(name))
        if prefixes:
            reason = f"process name truncated to {len(name)} characters"
            for ind in prefixes.get(name, ()):
                yield Match(ind, field, value, name, reason)

    def _device_path(self, value: str, field: str) -> Iterator[Match]:
        path = normalise_path(value)
        if not path:
            return
        paths = self._by_kind[IocKind.FILE_PATH]
        if path.startswith("/"):
            for ind in paths.get(path, ()):
                yield Match(ind, field, value, path, "path equals indicator path")
            cut = path.rfind("/")
            while cut > 0:  # every ancestor directory except the root
                parent = path[:cut]
                for ind in paths.get(parent, ()):
                    yield Match(
                        ind, field, value, parent, f"path below indicator directory {parent}"
                    )
                cut = path.rfind("/", 0, cut)
        segments = [s for s in path.split("/") if s]
        if self._relative:
            yield from self._relative_paths(segments, value, field)
        if segments:
            base = segments[-1]
            for ind in self._by_kind[IocKind.FILE_NAME].get(base, ()):
                yield Match(ind, field, value, base, "file name")

    def _relative_paths(self, segments: list[str], observed: str, field: str) -> Iterator[Match]:
        """Relative indicators equal to a run of whole segments ending anywhere in the path."""
        for start, segment in enumerate(segments):
            for rel, ind in self._relative.get(segment, ()):
                stop = start + len(rel)
                if tuple(segments[start:stop]) != rel:
                    continue
                if stop == len(segments):
                    reason = "path ends with indicator relative path"
                else:
                    reason = (
                        f"path below a directory ending with indicator relative path {ind.value}"
                    )
                yield Match(ind, field, observed, ind.value, reason)

    def _exec_path(self, value: str, field: str) -> Iterator[Match]:
        yield from self._device_path(value, field)
        processes = self._by_kind[IocKind.PROCESS]
        seen: set[str] = set()
        for segment in normalise_path(value).split("/"):
            if segment and segment not in seen:
                seen.add(segment)
                for ind in processes.get(segment, ()):
                    yield Match(ind, field, value, segment, "process name in executable path")

    def _file_name(self, value: str, field: str) -> Iterator[Match]:
        name = value.strip().rpartition("/")[2]
        for ind in self._by_kind[IocKind.FILE_NAME].get(name, ()):
            yield Match(ind, field, value, name, "file name")

    # -- identifiers --------------------------------------------------------------------------

    def _exact(
        self, kind: IocKind, key: str, value: str, field: str, reason: str
    ) -> Iterator[Match]:
        for ind in self._by_kind[kind].get(key, ()):
            yield Match(ind, field, value, key, reason)

    def _file_hash(self, value: str, field: str) -> Iterator[Match]:
        return self._exact(IocKind.FILE_HASH, normalise_hash(value), value, field, "hash")

    def _cert_hash(self, value: str, field: str) -> Iterator[Match]:
        key = normalise_hash(value)
        return self._exact(IocKind.CERT_HASH, key, value, field, "certificate hash")

    def _app_id(self, value: str, field: str) -> Iterator[Match]:
        return self._exact(IocKind.APP_ID, value.strip().lower(), value, field, "app id")

    def _profile_id(self, value: str, field: str) -> Iterator[Match]:
        return self._exact(IocKind.PROFILE_ID, value.strip().upper(), value, field, "profile id")

    def _prop_name(self, value: str, field: str) -> Iterator[Match]:
        key = value.strip()
        return self._exact(IocKind.ANDROID_PROPERTY, key, value, field, "android property")


def _domain_reason(candidate: str, name: str, url: bool) -> str:
    if candidate == name:
        return "host of URL matches indicator domain" if url else "exact domain"
    if url:
        return f"host of URL is a subdomain of indicator domain {candidate}"
    return f"subdomain of indicator domain {candidate}"


_HANDLERS = {
    Kind.URL: IndicatorIndex._url,
    Kind.DOMAIN: IndicatorIndex._domain,
    Kind.IP: IndicatorIndex._ip,
    Kind.EMAIL: IndicatorIndex._email,
    Kind.PROCESS: IndicatorIndex._process,
    Kind.DEVICE_PATH: IndicatorIndex._device_path,
    Kind.EXEC_PATH: IndicatorIndex._exec_path,
    Kind.FILE_NAME: IndicatorIndex._file_name,
    Kind.FILE_HASH: IndicatorIndex._file_hash,
    Kind.CERT_HASH: IndicatorIndex._cert_hash,
    Kind.APP_ID: IndicatorIndex._app_id,
    Kind.PROFILE_ID: IndicatorIndex._profile_id,
    Kind.PROP_NAME: IndicatorIndex._prop_name,
}

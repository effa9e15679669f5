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
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from tracehound.core.columns import EXTRA_COLUMN
from tracehound.core.detection import Rule
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
# A URL whose host split_url reads without ambiguity: scheme http(s), an ASCII host of
# dot-separated labels (no user info, no trailing dot, no brackets), an optional numeric port,
# then the end or the path, query or fragment. RE2 syntax (Arrow's regex engine).
_SIMPLE_URL = r"^(?i:https?)://(?P<host>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)(?::[0-9]+)?(?:[/?#]|$)"
_MEMO_MAX_LEN = 512


_REASONS = {
    Rule.URL: "exact URL",
    Rule.URL_HOST: "host of URL matches indicator domain",
    Rule.URL_SUBDOMAIN: "host of URL is a subdomain of indicator domain {matched}",
    Rule.DOMAIN: "exact domain",
    Rule.SUBDOMAIN: "subdomain of indicator domain {matched}",
    Rule.IP: "IP address",
    Rule.IP_NETWORK: "IP address in network {indicator}",
    Rule.EMAIL: "email address",
    Rule.PROCESS: "process name",
    Rule.PROCESS_TRUNCATED: "process name truncated to {length} characters",
    Rule.PROCESS_IN_PATH: "process name in executable path",
    Rule.PATH: "path equals indicator path",
    Rule.PATH_BELOW: "path below indicator directory {matched}",
    Rule.RELATIVE_PATH: "path ends with indicator relative path",
    Rule.BELOW_RELATIVE_PATH: "path below a directory ending with indicator relative path "
    "{indicator}",
    Rule.FILE_NAME: "file name",
    Rule.FILE_HASH: "hash",
    Rule.CERT_HASH: "certificate hash",
    Rule.APP_ID: "app id",
    Rule.PROFILE_ID: "profile id",
    Rule.ANDROID_PROPERTY: "android property",
}


@dataclass(frozen=True, slots=True)
class Match:
    """One indicator hit on one observed value, and the rule that made it."""

    indicator: Indicator
    field: str  # record field name
    observed: str  # the value as seen on the device
    matched: str  # the normalised key that hit
    rule: Rule

    @property
    def reason(self) -> str:
        """The rule as a sentence, e.g. "subdomain of indicator domain example.org"."""
        return _REASONS[self.rule].format(
            matched=self.matched, indicator=self.indicator.value, length=len(self.matched)
        )


class IndicatorIndex:
    """Indicators grouped by kind and keyed by normalised value."""

    __slots__ = (
        "_by_kind",
        "_hot_hosts",
        "_ip_exact",
        "_ip_nets",
        "_len",
        "_memo",
        "_needles",
        "_proc_prefix",
        "_relative",
        "_url_hosts",
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
        # Hosts of the URL indicators (None: not computed yet; False: an indicator URL with no
        # host, so URL columns are not prefiltered) and, per observed host, whether a URL with
        # that host can match anything (see ``_url_candidates``).
        self._url_hosts: frozenset[str] | bool | None = None
        self._hot_hosts: dict[str, bool] = {}
        # Per kind of path column, the RE2 pattern of the texts one of which every value that
        # can match must contain (None: not computed yet; "": no prefilter), see
        # ``_path_candidates``.
        self._needles: dict[Kind, str] = {}

    @classmethod
    def build(cls, indicators: Iterable[Indicator]) -> IndicatorIndex:
        """Index indicators (values are already normalised by the loader)."""
        index = cls()
        for ind in indicators:
            index._add(ind)
        return index

    def _add(self, ind: Indicator) -> None:
        self._memo.clear()
        self._url_hosts = None
        self._needles.clear()
        self._hot_hosts.clear()
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
        return _unique(
            m
            for name, kind, value in semantic_values(record)
            for m in self.match_value(kind, value, name)
        )

    def match_batch(self, batch: pa.RecordBatch) -> dict[int, list[Match]]:
        """Matches of a batch of records (``core.columns`` schema), by row: each column's
        distinct values are looked up once and the hits joined back to their rows (a phone
        repeats hosts, handles and process names), with the rules and the order of
        :meth:`match_record` (fields in declaration order, a tuple's values in order). Values
        Arrow could not hold (in ``_extra``) are matched too."""
        per_row: dict[int, list[Match]] = {}
        for number, field in enumerate(batch.schema):
            kind_name = (field.metadata or {}).get(b"kind")
            if kind_name is None:
                continue
            kind = Kind(kind_name.decode())
            for row, match in self._column_hits(batch.column(number), kind, field.name):
                per_row.setdefault(row, []).append(match)
        if EXTRA_COLUMN in batch.schema.names:
            self._extra_hits(batch, per_row)
        return {row: _unique(found) for row, found in sorted(per_row.items())}

    def _column_hits(self, column: pa.Array, kind: Kind, name: str) -> Iterator[tuple[int, Match]]:
        """(row, match) for every hit in one column, rows ascending, a row's values in order."""
        is_list = pa.types.is_list(column.type)
        values = pc.list_flatten(column) if is_list else column
        hits: dict[str, list[Match]] = {}
        distinct = pc.unique(values)
        if kind is Kind.URL:
            distinct = self._url_candidates(distinct)
        elif kind in _PATH_KINDS:
            distinct = self._path_candidates(distinct, kind)
        for value in distinct.to_pylist():
            if value:
                found = self.match_value(kind, value, name)
                if found:
                    hits[value] = found
        if not hits:
            return
        # Which record each flattened value came from, only when a value hit.
        rows = pc.list_parent_indices(column).to_pylist() if is_list else None
        where = pc.indices_nonzero(pc.is_in(values, value_set=pa.array(list(hits), pa.string())))
        for position in where.to_pylist():
            value = values[position].as_py()
            row = rows[position] if rows is not None else position
            for match in hits[value]:
                yield row, match

    def _url_candidates(self, urls: pa.Array) -> pa.Array:
        """The URLs of ``urls`` that can match an indicator: a phone's history holds hundreds
        of thousands of distinct URLs on a few hundred hosts. A URL of the plain form
        ``http(s)://host[:port][/?#...]`` with an ASCII host (no ``xn--`` label, not an
        address) matches an indicator only if its host, or a parent of it, is an indicator
        domain, or it is the host of an indicator URL (``_url``); so hosts are judged once each
        and only those URLs, and every URL of another form, go through the full rules."""
        if self._url_hosts is None:
            hosts = [split_url(key) for key in self._by_kind[IocKind.URL]]
            valid = all(h is not None for h in hosts)
            self._url_hosts = frozenset(h.host for h in hosts if h) if valid else False
        if self._url_hosts is False or not len(urls):
            return urls
        # flatten() carries the non-matches (null structs) into the host column as nulls.
        simple = pc.extract_regex(urls, _SIMPLE_URL).flatten()[0]
        hosts = pc.utf8_lower(simple)
        hot = [h for h in pc.unique(hosts).to_pylist() if h is not None and self._hot_host(h)]
        keep = pc.or_(pc.is_null(hosts), pc.is_in(hosts, value_set=pa.array(hot, pa.string())))
        return urls.filter(keep)

    def _path_candidates(self, values: pa.Array, kind: Kind) -> pa.Array:
        """The values of a path column (device path, executable path, file name) that can
        match an indicator: a backup lists a hundred thousand distinct paths, and only the
        few holding an indicator's text are worth the rules of ``_device_path``.

        Every path rule compares whole segments of the normalised path (``normalise_path``
        only trims whitespace, drops empty segments and a leading ``/private``): an indicator
        path or its ancestors end in the indicator's last segment; a relative indicator's
        segments are a run of the path's; a file name is the last segment; an executable's
        segment may name a process. Each such segment therefore stands in the observed value
        between two boundaries (its start or end, a ``/``, or whitespace ``str.strip``
        removes), so a value holding none of them so bounded matches nothing (a hypothesis
        test checks the filter against the rules on odd paths)."""
        pattern = self._needles.get(kind)
        if pattern is None:
            pattern = self._needles[kind] = self._needle_pattern(kind)
        if not pattern or not len(values):
            return values
        try:
            hit = pc.match_substring_regex(values, pattern)
        except pa.ArrowException:  # a pattern RE2 refuses: every value goes through the rules
            self._needles[kind] = ""
            return values
        return values.filter(pc.fill_null(hit, False))

    def _needle_pattern(self, kind: Kind) -> str:
        """The RE2 alternation of the texts ``_path_candidates`` looks for ("" for none: then
        no value is filtered out, as when an indicator is the root ``/``)."""
        texts: set[str] = set()
        if kind is not Kind.FILE_NAME:
            texts.update(key.rpartition("/")[2] for key in self._by_kind[IocKind.FILE_PATH])
            texts.update(max(rel, key=len) for group in self._relative.values() for rel, _ in group)
        texts.update(self._by_kind[IocKind.FILE_NAME])
        if kind is Kind.EXEC_PATH:
            texts.update(self._by_kind[IocKind.PROCESS])
        if not texts:
            return _NOTHING
        if "" in texts:
            return ""
        alternatives = "|".join(_re2_literal(text) for text in sorted(texts))
        return f"(?:^|{_BOUNDARY})(?:{alternatives})(?:{_BOUNDARY}|$)"

    def _hot_host(self, host: str) -> bool:
        """Whether a plain URL on ``host`` (lower-case ASCII) can match an indicator."""
        hot = self._hot_hosts.get(host)
        if hot is None:
            assert isinstance(self._url_hosts, frozenset)
            hot = (
                host in self._url_hosts
                or host[-1:].isdigit()  # an address: the IP rules
                or "xn--" in host
                or any(True for _ in self._host(host, host, "", url=True))
            )
            if len(self._hot_hosts) >= _MEMO_SIZE:
                self._hot_hosts.clear()
            self._hot_hosts[host] = hot
        return hot

    def _extra_hits(self, batch: pa.RecordBatch, per_row: dict[int, list[Match]]) -> None:
        kinds = {
            f.name: Kind(f.metadata[b"kind"].decode())
            for f in batch.schema
            if f.metadata and b"kind" in f.metadata
        }
        extra = batch.column(EXTRA_COLUMN)
        for row in pc.indices_nonzero(pc.is_valid(extra)).to_pylist():
            for name, value in json.loads(extra[row].as_py()).items():
                if name not in kinds:
                    continue
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, str):
                        per_row.setdefault(row, []).extend(
                            self.match_value(kinds[name], item, name)
                        )

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
                yield Match(ind, field, value, k, Rule.URL)
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
                yield Match(ind, field, observed, candidate, _domain_rule(candidate, name, url))
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
            yield Match(ind, field, observed, str(ip), Rule.IP)
        if not self._ip_nets:
            return
        number, bits = int(ip), ip.max_prefixlen
        for (version, prefixlen), nets in self._ip_nets.items():
            if version != ip.version:
                continue
            for ind in nets.get(number >> (bits - prefixlen), ()):
                yield Match(ind, field, observed, ind.value, Rule.IP_NETWORK)

    def _email(self, value: str, field: str) -> Iterator[Match]:
        key = normalise_email(value)
        for ind in self._by_kind[IocKind.EMAIL].get(key, ()):
            yield Match(ind, field, value, key, Rule.EMAIL)

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
            yield Match(ind, field, value, name, Rule.PROCESS)
        prefixes = self._proc_prefix.get(len(name))
        if prefixes:
            for ind in prefixes.get(name, ()):
                yield Match(ind, field, value, name, Rule.PROCESS_TRUNCATED)

    def _device_path(self, value: str, field: str) -> Iterator[Match]:
        path = normalise_path(value)
        if not path:
            return
        paths = self._by_kind[IocKind.FILE_PATH]
        if path.startswith("/"):
            for ind in paths.get(path, ()):
                yield Match(ind, field, value, path, Rule.PATH)
            cut = path.rfind("/")
            while cut > 0:  # every ancestor directory except the root
                parent = path[:cut]
                for ind in paths.get(parent, ()):
                    yield Match(ind, field, value, parent, Rule.PATH_BELOW)
                cut = path.rfind("/", 0, cut)
        segments = [s for s in path.split("/") if s]
        if self._relative:
            yield from self._relative_paths(segments, value, field)
        if segments:
            base = segments[-1]
            for ind in self._by_kind[IocKind.FILE_NAME].get(base, ()):
                yield Match(ind, field, value, base, Rule.FILE_NAME)

    def _relative_paths(self, segments: list[str], observed: str, field: str) -> Iterator[Match]:
        """Relative indicators equal to a run of whole segments ending anywhere in the path."""
        for start, segment in enumerate(segments):
            for rel, ind in self._relative.get(segment, ()):
                stop = start + len(rel)
                if tuple(segments[start:stop]) != rel:
                    continue
                rule = Rule.RELATIVE_PATH if stop == len(segments) else Rule.BELOW_RELATIVE_PATH
                yield Match(ind, field, observed, ind.value, rule)

    def _exec_path(self, value: str, field: str) -> Iterator[Match]:
        yield from self._device_path(value, field)
        processes = self._by_kind[IocKind.PROCESS]
        seen: set[str] = set()
        for segment in normalise_path(value).split("/"):
            if segment and segment not in seen:
                seen.add(segment)
                for ind in processes.get(segment, ()):
                    yield Match(ind, field, value, segment, Rule.PROCESS_IN_PATH)

    def _file_name(self, value: str, field: str) -> Iterator[Match]:
        name = value.strip().rpartition("/")[2]
        for ind in self._by_kind[IocKind.FILE_NAME].get(name, ()):
            yield Match(ind, field, value, name, Rule.FILE_NAME)

    # -- identifiers --------------------------------------------------------------------------

    def _exact(
        self, kind: IocKind, key: str, value: str, field: str, rule: Rule
    ) -> Iterator[Match]:
        for ind in self._by_kind[kind].get(key, ()):
            yield Match(ind, field, value, key, rule)

    def _file_hash(self, value: str, field: str) -> Iterator[Match]:
        return self._exact(IocKind.FILE_HASH, normalise_hash(value), value, field, Rule.FILE_HASH)

    def _cert_hash(self, value: str, field: str) -> Iterator[Match]:
        key = normalise_hash(value)
        return self._exact(IocKind.CERT_HASH, key, value, field, Rule.CERT_HASH)

    def _app_id(self, value: str, field: str) -> Iterator[Match]:
        return self._exact(IocKind.APP_ID, value.strip().lower(), value, field, Rule.APP_ID)

    def _profile_id(self, value: str, field: str) -> Iterator[Match]:
        return self._exact(IocKind.PROFILE_ID, value.strip().upper(), value, field, Rule.PROFILE_ID)

    def _prop_name(self, value: str, field: str) -> Iterator[Match]:
        key = value.strip()
        return self._exact(IocKind.ANDROID_PROPERTY, key, value, field, Rule.ANDROID_PROPERTY)


def _unique(matches: Iterable[Match]) -> list[Match]:
    """Matches once per (indicator value and malware, field, observed value), first kept."""
    out: list[Match] = []
    seen: set[tuple[str, ...]] = set()
    for match in matches:
        ind = match.indicator
        key = (ind.kind.value, ind.value, *ind.malware, "\0", match.field, match.observed)
        if key not in seen:
            seen.add(key)
            out.append(match)
    return out


def _domain_rule(candidate: str, name: str, url: bool) -> Rule:
    if candidate == name:
        return Rule.URL_HOST if url else Rule.DOMAIN
    return Rule.URL_SUBDOMAIN if url else Rule.SUBDOMAIN


#: Column kinds whose values go through the path rules (``_path_candidates`` prefilters them).
_PATH_KINDS = frozenset({Kind.DEVICE_PATH, Kind.EXEC_PATH, Kind.FILE_NAME})
#: An RE2 pattern no text matches (no path indicator: nothing can match a path column).
_NOTHING = r"[^\x{0}-\x{10FFFF}]"
#: What may stand next to a path segment in an observed value: ``/``, or a character that
#: ``str.strip`` removes (``normalise_path`` trims the value with it).
_BOUNDARY = "[/" + "".join(f"\\x{{{c:x}}}" for c in range(0x3001) if chr(c).isspace()) + "]"


def _re2_literal(text: str) -> str:
    """``text`` as an RE2 pattern matching exactly it: letters and digits as they are, every
    other character as its code point (``\\x{..}``), so no character has a meaning."""
    return "".join(c if c.isascii() and c.isalnum() else f"\\x{{{ord(c):x}}}" for c in text)


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

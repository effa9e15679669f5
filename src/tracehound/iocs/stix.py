"""Load STIX2 indicator bundles: pattern tokenizer, object path mapping and value normalisation.

Facts: OASIS "STIX Version 2.1", section 9 (Patterning): a pattern is observation expressions
(``[ ... ]``) joined by ``AND``/``OR``/``FOLLOWEDBY`` and followed by optional qualifiers
(``WITHIN n SECONDS``, ``START t'..' STOP t'..'``, ``REPEATS n TIMES``); inside a bracket,
comparisons ``<object-type>:<property-path> <operator> <value>`` are joined by ``AND``/``OR``.
String literals are single-quoted; inside them only ``\\'`` and ``\\\\`` are escapes. Property
path components may be quoted (``hashes.'SHA-256'``) and list steps are ``[n]`` or ``[*]``.
The bundle layout (malware, indicator and ``indicates`` relationship objects) and the object paths
used by the mobile-spyware files (``app:id``, ``configuration-profile:id``...) are MVT's: see the
mvt-project/mvt-indicators files and ``data/iocs/SOURCES.md``.

Only patterns that OR simple ``=`` comparisons together can be turned into lookups; anything else
raises :class:`PatternError` and becomes a counted load warning, never a crash.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple

from tracehound.core.errors import TracehoundError

#: How many warning messages an IocSet keeps (all are counted).
MAX_WARNINGS = 200


class IocKind(StrEnum):
    """What an indicator value is."""

    DOMAIN = "domain"
    URL = "url"
    IP = "ip"
    EMAIL = "email"
    PROCESS = "process"
    FILE_NAME = "file_name"
    FILE_PATH = "file_path"
    FILE_HASH = "file_hash"
    APP_ID = "app_id"
    CERT_HASH = "cert_hash"
    PROFILE_ID = "profile_id"
    ANDROID_PROPERTY = "android_property"


@dataclass(frozen=True, slots=True)
class Indicator:
    """One ``object_path = value`` comparison of a STIX2 indicator, ready for lookup."""

    id: str
    kind: IocKind
    value: str  # normalised for lookup
    raw: str  # the value as written in the pattern
    object_path: str  # as written, e.g. file:hashes.'SHA-256'
    malware: tuple[str, ...]  # names of the malware the indicator indicates
    source: str  # path of the file it came from


class PatternError(ValueError):
    """A STIX pattern that is malformed or cannot be turned into lookups."""


class IocFileError(TracehoundError):
    """An indicator file that cannot be read or is not a STIX2 bundle."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


# --------------------------------------------------------------------------------------------
# Tokenizer (STIX 2.1 section 9)
# --------------------------------------------------------------------------------------------


class Token(NamedTuple):
    """A pattern token. ``text`` is the decoded value for strings, the raw text otherwise."""

    kind: str  # "[", "]", "(", ")", ",", PATH, OP, NOT, STR, NUM, BOOL, TS, HEX, BIN, or keyword
    text: str
    pos: int


_WS = " \t\r\n"
_WORD = re.compile(r"[A-Za-z0-9_-]+")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_LIST_STEP = re.compile(r"\[(?:\*|\d+)\]")
_WORD_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NUMBER_START = frozenset("0123456789+-.")
#: Keywords joining expressions or forming qualifiers: their token kind is the word itself.
_KEYWORDS = frozenset(
    {"AND", "OR", "FOLLOWEDBY", "WITHIN", "SECONDS", "START", "STOP", "REPEATS", "TIMES"}
)
#: Word comparison operators (the symbolic ones are read as characters).
_WORD_OPERATORS = frozenset({"IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"})
_TYPED_LITERALS = {"t": "TS", "h": "HEX", "b": "BIN"}
_PUNCT = frozenset("[](),")


def _read_string(s: str, i: int) -> tuple[str, int]:
    """Decode the string literal whose opening quote is at ``s[i]``; return it and the end."""
    parts: list[str] = []
    j = i + 1
    while True:
        quote = s.find("'", j)
        if quote < 0:
            raise PatternError(f"unterminated string starting at position {i}")
        slash = s.find("\\", j, quote)
        if slash < 0:
            parts.append(s[j:quote])
            return "".join(parts), quote + 1
        parts.append(s[j:slash])
        escaped = s[slash + 1 : slash + 2]
        if escaped not in ("'", "\\"):
            raise PatternError(
                f"invalid escape \\{escaped} at position {slash} (only \\' and \\\\)"
            )
        parts.append(escaped)
        j = slash + 2


def _read_path(s: str, start: int, colon: int) -> int:
    """Read the property path after ``<object-type>:``; return the end of the object path."""
    i = colon + 1
    while True:
        if s.startswith("'", i):
            _, i = _read_string(s, i)
        else:
            m = _WORD.match(s, i)
            if m is None:
                raise PatternError(f"bad property path in object path at position {start}")
            i = m.end()
        while (step := _LIST_STEP.match(s, i)) is not None:
            i = step.end()
        if not s.startswith(".", i):
            return i
        i += 1


def _symbol(s: str, i: int) -> tuple[Token, int] | None:
    """Punctuation and symbolic comparison operators at ``s[i]``."""
    c = s[i]
    if c in _PUNCT:
        return Token(c, c, i), i + 1
    two = s[i : i + 2]
    if two in ("!=", "<>"):
        return Token("OP", "!=", i), i + 2
    if two in ("<=", ">=", "=="):
        return Token("OP", two[0] if two == "==" else two, i), i + 2
    if c in "=<>":
        return Token("OP", c, i), i + 1
    return None


def _word(s: str, i: int) -> tuple[Token, int]:
    """An object path, keyword, boolean or typed literal starting at ``s[i]``."""
    m = _WORD.match(s, i)
    assert m is not None  # s[i] is in _WORD_START
    word, end = m.group(), m.end()
    if s.startswith(":", end):
        stop = _read_path(s, i, end)
        return Token("PATH", s[i:stop], i), stop
    if word in _KEYWORDS:
        return Token(word, word, i), end
    if word in _WORD_OPERATORS:
        return Token("OP", word, i), end
    if word == "NOT":
        return Token("NOT", word, i), end
    if word in ("true", "false"):
        return Token("BOOL", word, i), end
    if word in _TYPED_LITERALS and s.startswith("'", end):
        text, stop = _read_string(s, end)
        return Token(_TYPED_LITERALS[word], text, i), stop
    raise PatternError(f"unexpected word {word!r} at position {i}")


def tokenize(pattern: str) -> list[Token]:
    """Split a STIX 2.1 pattern into tokens; raise PatternError on a lexical error."""
    tokens: list[Token] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c in _WS:
            i += 1
        elif c == "'":
            text, end = _read_string(pattern, i)
            tokens.append(Token("STR", text, i))
            i = end
        elif c in _WORD_START:
            tok, i = _word(pattern, i)
            tokens.append(tok)
        elif (sym := _symbol(pattern, i)) is not None:
            tokens.append(sym[0])
            i = sym[1]
        elif c in _NUMBER_START and (m := _NUMBER.match(pattern, i)) is not None:
            tokens.append(Token("NUM", m.group(), i))
            i = m.end()
        else:
            raise PatternError(f"unexpected character {c!r} at position {i}")
    return tokens


# --------------------------------------------------------------------------------------------
# Parser: only ORs of `path = 'string'` comparisons become lookups
# --------------------------------------------------------------------------------------------

_QUALIFIERS = frozenset({"WITHIN", "START", "STOP", "REPEATS"})


class _Parser:
    """Recursive descent over the tokens of one pattern."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, what: str) -> Token:
        tok = self.peek()
        if tok is None:
            raise PatternError(f"unexpected end of pattern: expected {what} (unbalanced brackets?)")
        self.i += 1
        return tok

    def expect(self, kind: str) -> None:
        tok = self.take(f"'{kind}'")
        if tok.kind != kind:
            raise PatternError(f"expected '{kind}' at position {tok.pos}, got {tok.text!r}")

    def refuse_join(self, inside: bool) -> None:
        tok = self.peek()
        if tok is not None and tok.kind in ("AND", "FOLLOWEDBY"):
            where = "inside an observation" if inside else "between observations"
            raise PatternError(f"{tok.kind} {where} is not supported (only OR)")

    def observations(self) -> list[tuple[str, str]]:
        out = self.observation()
        self.refuse_join(inside=False)
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.i += 1
            out += self.observation()
            self.refuse_join(inside=False)
        return out

    def observation(self) -> list[tuple[str, str]]:
        tok = self.take("'[' or '('")
        if tok.kind == "[":
            out = self.comparisons()
            self.expect("]")
        elif tok.kind == "(":
            out = self.observations()
            self.expect(")")
        else:
            raise PatternError(f"expected '[' at position {tok.pos}, got {tok.text!r}")
        nxt = self.peek()
        if nxt is not None and nxt.kind in _QUALIFIERS:
            raise PatternError(f"qualifier {nxt.kind} at position {nxt.pos} is not supported")
        return out

    def comparisons(self) -> list[tuple[str, str]]:
        out = self.comparison()
        self.refuse_join(inside=True)
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.i += 1
            out += self.comparison()
            self.refuse_join(inside=True)
        return out

    def comparison(self) -> list[tuple[str, str]]:
        tok = self.take("an object path")
        if tok.kind == "(":
            out = self.comparisons()
            self.expect(")")
            return out
        if tok.kind != "PATH":
            raise PatternError(f"expected an object path at position {tok.pos}, got {tok.text!r}")
        op = self.take("a comparison operator")
        if op.kind == "NOT":
            raise PatternError(f"NOT at position {op.pos} is not supported")
        if op.kind != "OP":
            raise PatternError(f"expected an operator at position {op.pos}, got {op.text!r}")
        if op.text != "=":
            raise PatternError(f"operator {op.text} at position {op.pos} is not supported (only =)")
        value = self.take("a value")
        if value.kind != "STR":
            raise PatternError(f"value at position {value.pos} is {value.kind}, not a string")
        return [(tok.text, value.text)]


def parse_pattern_full(pattern: str) -> list[tuple[str, str]]:
    """``parse_pattern`` through the full tokenizer, without the fast path."""
    parser = _Parser(tokenize(pattern))
    out = parser.observations()
    extra = parser.peek()
    if extra is not None:
        raise PatternError(f"unexpected {extra.text!r} at position {extra.pos}")
    return out


_FAST_PATH_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:")


def _parse_fast(s: str) -> list[tuple[str, str]] | None:
    """The common ``[type:prop = 'value']`` shape without escapes, or None to use the tokenizer.

    Returns None for anything it is not sure of, so it never disagrees with the tokenizer (tested
    on every bundled pattern).
    """
    if not s.startswith("[") or not s.endswith("']"):
        return None
    eq = s.find("=")
    if eq < 0:
        return None
    path = s[1:eq].strip(_WS)
    if not path or path[0] not in _WORD_START or not _FAST_PATH_CHARS.issuperset(path):
        return None
    obj, _, prop = path.partition(":")
    if "." in obj or ":" in prop or not prop or "" in prop.split("."):
        return None
    rest = s[eq + 1 :].lstrip(_WS)
    if not rest.startswith("'") or len(rest) < 3:
        return None
    value = rest[1:-2]
    if "'" in value or "\\" in value:
        return None
    return [(path, value)]


def parse_pattern(pattern: str) -> list[tuple[str, str]]:
    """The (object path, value) comparisons that ``pattern`` ORs together.

    Raises PatternError for anything else: AND, FOLLOWEDBY, operators other than ``=``,
    non-string values, qualifiers, unbalanced brackets, unterminated strings.
    """
    fast = _parse_fast(pattern)
    return fast if fast is not None else parse_pattern_full(pattern)


# --------------------------------------------------------------------------------------------
# Object paths and normalisation
# --------------------------------------------------------------------------------------------

_SIMPLE_PATHS = {
    "domain-name:value": IocKind.DOMAIN,
    "url:value": IocKind.URL,
    "ipv4-addr:value": IocKind.IP,
    "ipv6-addr:value": IocKind.IP,
    "email-addr:value": IocKind.EMAIL,
    "process:name": IocKind.PROCESS,
    "file:name": IocKind.FILE_NAME,
    "file:path": IocKind.FILE_PATH,
    "app:id": IocKind.APP_ID,
    "configuration-profile:id": IocKind.PROFILE_ID,
    "android-property:name": IocKind.ANDROID_PROPERTY,
}
#: Hex length of each hash algorithm (STIX hash names, any case, with or without "-").
HASH_LENGTHS = {"MD5": 32, "SHA1": 40, "SHA256": 64, "SHA512": 128}
_HASH_PARENTS = {"file:hashes": IocKind.FILE_HASH, "app:cert": IocKind.CERT_HASH}
_HEX = frozenset("0123456789abcdef")
_path_cache: dict[str, tuple[IocKind, int] | None] = {}


def path_kind(object_path: str) -> tuple[IocKind, int] | None:
    """The kind of an object path and, for hashes, the expected hex length (else 0)."""
    try:
        return _path_cache[object_path]
    except KeyError:
        pass
    found: tuple[IocKind, int] | None = None
    if object_path in _SIMPLE_PATHS:
        found = (_SIMPLE_PATHS[object_path], 0)
    else:
        parent, _, alg = object_path.partition(".")
        alg = alg.strip("'").upper().replace("-", "")
        if parent in _HASH_PARENTS and alg in HASH_LENGTHS:
            found = (_HASH_PARENTS[parent], HASH_LENGTHS[alg])
    _path_cache[object_path] = found
    return found


class SplitUrl(NamedTuple):
    """A URL cut into lower-case scheme (may be empty), host, port and the rest as written."""

    scheme: str
    host: str
    port: str
    rest: str  # path, query and fragment, as written


_DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443", "ftp": "21"}


def split_url(value: str) -> SplitUrl | None:
    """Cut a URL (with or without scheme) into parts; None if it has no usable host."""
    text = value.strip()
    scheme, sep, after = text.partition("://")
    if not sep:
        scheme, after = "", text
    elif not scheme or not scheme.replace("+", "").replace("-", "").replace(".", "").isalnum():
        return None
    cut = len(after)
    for ch in "/?#":
        pos = after.find(ch)
        if 0 <= pos < cut:
            cut = pos
    authority, rest = after[:cut], after[cut:]
    authority = authority.rpartition("@")[2]  # drop user:password@
    port = ""
    if authority.startswith("["):  # [IPv6]:port
        close = authority.find("]")
        if close < 0:
            return None
        host, tail = authority[1:close], authority[close + 1 :]
        if tail.startswith(":"):
            port = tail[1:]
    else:
        host, colon, port = authority.partition(":")
        if not colon:
            port = ""
    if port and not port.isdigit():
        return None
    host = host.lower().rstrip(".")
    if not host or " " in host:
        return None
    return SplitUrl(scheme.lower(), host, port, rest)


def normalise_url(parts: SplitUrl) -> str:
    """Lower-case scheme and host, no default port, no ``/`` alone as path; rest as written."""
    port = "" if not parts.port or _DEFAULT_PORTS.get(parts.scheme) == parts.port else parts.port
    host = f"[{parts.host}]" if ":" in parts.host else parts.host
    rest = parts.rest
    if rest == "/" or rest.startswith(("/?", "/#")):
        rest = rest[1:]
    netloc = f"{host}:{port}" if port else host
    return f"{parts.scheme}://{netloc}{rest}" if parts.scheme else f"{netloc}{rest}"


def normalise_domain(value: str) -> str:
    """Lower-case; strip trailing dots, a leading ``*.`` and a leading ``www.`` (if a dot stays).

    ``www.`` goes because indicator lists write ``www.evil.com`` and ``evil.com`` for the same
    site; the parent-domain walk then covers every subdomain of ``evil.com``.
    """
    host = value.strip().lower().rstrip(".")
    if host.startswith("*."):
        host = host[2:]
    if host.startswith("www.") and "." in host[4:]:
        host = host[4:]
    return host


IPValue = (
    ipaddress.IPv4Address | ipaddress.IPv6Address | ipaddress.IPv4Network | ipaddress.IPv6Network
)


def parse_ip(value: str) -> IPValue | None:
    """An address, or a network for CIDR notation (a /32 or /128 network is an address)."""
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        if "/" in text:
            net = ipaddress.ip_network(text, strict=False)
            if net.prefixlen == net.max_prefixlen:
                return net.network_address
            return net
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped  # ::ffff:a.b.c.d is the IPv4 address a.b.c.d
    return addr


def normalise_email(value: str) -> str:
    """Lower-case, without a ``mailto:`` prefix."""
    text = value.strip().lower()
    return text[7:] if text.startswith("mailto:") else text


def normalise_path(value: str) -> str:
    """Collapse ``//``; no trailing ``/`` (except root); ``/private/var|etc/`` -> ``/var|etc/``.

    On iOS ``/var`` and ``/etc`` are symlinks into ``/private``, so indicators and records may
    write either form. Relative paths stay relative.
    """
    path = value.strip()
    while "//" in path:
        path = path.replace("//", "/")
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    if path.startswith(("/private/var/", "/private/etc/")) or path in (
        "/private/var",
        "/private/etc",
    ):
        path = path[8:]
    return path


def normalise_hash(value: str) -> str:
    """Lower-case hex without ``:`` separators or spaces."""
    return value.strip().lower().replace(":", "").replace(" ", "")


def _normalise(kind: IocKind, raw: str, hash_len: int) -> tuple[IocKind, str | None, str | None]:
    """(kind, normalised value or None to drop it, warning or None) for one indicator value.

    Rules (the index applies the same helpers to observed values):
    - domain: see ``_normalise_domain_ioc`` and ``normalise_domain``;
    - url: lower-case scheme and host, no userinfo, no default port, ``/`` alone as path
      dropped, path/query/fragment kept as written (``split_url``, ``normalise_url``);
    - ip: ``ipaddress`` canonical text; CIDR kept as a network (host bits cleared);
    - email: lower-case, no ``mailto:``;
    - file_path: ``normalise_path`` (segments, ``/private`` symlinks, relative kept relative);
    - hashes: lower-case hex without ``:``; a length that does not fit the algorithm warns;
    - app_id: lower-case (Android package names and iOS bundle ids are case-insensitive in
      MVT's comparison); profile_id: upper-case (UUIDs);
    - process, file_name, android_property: as written (case-sensitive), outer spaces removed.
    """
    if kind is IocKind.DOMAIN:
        return _normalise_domain_ioc(raw)
    if kind is IocKind.URL:
        parts = split_url(raw)
        return (
            (kind, None, "URL has no host") if parts is None else (kind, normalise_url(parts), None)
        )
    if kind is IocKind.IP:
        ip = parse_ip(raw)
        return (kind, None, "not an IP address") if ip is None else (kind, str(ip), None)
    if kind is IocKind.EMAIL:
        return kind, normalise_email(raw), None
    if kind is IocKind.FILE_PATH:
        return kind, normalise_path(raw), None
    if kind in (IocKind.FILE_HASH, IocKind.CERT_HASH):
        value = normalise_hash(raw)
        if not value or not _HEX.issuperset(value):
            return kind, None, "hash is not hexadecimal"
        warning = None if len(value) == hash_len else f"{len(value)} hex digits for this algorithm"
        return kind, value, warning
    if kind is IocKind.APP_ID:
        return kind, raw.strip().lower(), None
    if kind is IocKind.PROFILE_ID:
        return kind, raw.strip().upper(), None  # profile ids are UUIDs: compare upper-case
    # process names (case-sensitive), file names and Android properties are kept as written.
    return kind, raw.strip(), None


def _normalise_domain_ioc(raw: str) -> tuple[IocKind, str | None, str | None]:
    """Domain indicator: a URL or ``host/path`` gives its host; an IP becomes an IP indicator."""
    warning = None
    text = raw.strip()
    if "/" in text or "://" in text:
        parts = split_url(text)
        if parts is None:
            return IocKind.DOMAIN, None, "domain value is an unusable URL"
        warning, text = "domain value is a URL: its host is used", parts.host
    ip = parse_ip(text) if text[-1:].isdigit() or ":" in text else None
    if ip is not None:
        return IocKind.IP, str(ip), warning
    host = normalise_domain(text)
    if "." not in host or " " in host:
        return IocKind.DOMAIN, None, "domain without a dot (or with spaces) ignored"
    return IocKind.DOMAIN, host, warning


# --------------------------------------------------------------------------------------------
# Bundles
# --------------------------------------------------------------------------------------------


def load_bundle(path: Path) -> tuple[list[Indicator], list[str]]:
    """Read one STIX2 bundle: its indicators and the load warnings (messages)."""
    indicators, warnings, _ = _load_bytes(path, _read(path))
    return indicators, warnings


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise IocFileError(path, f"cannot read: {exc.strerror or exc}") from exc


def _load_bytes(path: Path, data: bytes) -> tuple[list[Indicator], list[str], int]:
    """Indicators, warnings and the number of duplicate indicator objects skipped."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise IocFileError(path, f"invalid JSON: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("objects"), list):
        raise IocFileError(path, "not a STIX2 bundle (no 'objects' list)")
    if doc.get("type", "bundle") != "bundle":
        raise IocFileError(path, f"not a STIX2 bundle (type {doc.get('type')!r})")
    warnings: list[str] = []
    indicators, malware, relations = _classify(path, doc["objects"], warnings)
    names = _resolve(path, indicators, malware, relations, warnings)
    out: list[Indicator] = []
    seen: dict[str, str] = {}
    duplicates = 0
    src = str(path)
    for obj in indicators:
        oid, pattern = obj["id"], obj["pattern"]
        if oid in seen:
            if seen[oid] == pattern:
                duplicates += 1  # the same object twice (stalkerware.stix2 has 38)
                continue
            warnings.append(f"{path}: indicator {oid} appears with two patterns; both loaded")
        seen[oid] = pattern
        _add_indicator(out, warnings, path, src, oid, pattern, names.get(oid, ()))
    return out, warnings, duplicates


def _classify(
    path: Path, objects: list[Any], warnings: list[str]
) -> tuple[list[dict[str, Any]], dict[str, str], list[dict[str, Any]]]:
    """Indicator objects, malware names by id, and ``indicates`` relationships."""
    indicators: list[dict[str, Any]] = []
    malware: dict[str, str] = {}
    relations: list[dict[str, Any]] = []
    for obj in objects:
        if not isinstance(obj, dict):
            warnings.append(f"{path}: an entry of 'objects' is not a JSON object")
            continue
        otype = obj.get("type")
        if otype == "indicator":
            oid, pattern = obj.get("id"), obj.get("pattern")
            if not isinstance(oid, str) or not isinstance(pattern, str):
                warnings.append(f"{path}: indicator {oid} has no id or no pattern")
            elif obj.get("pattern_type", "stix") != "stix":
                warnings.append(f"{path}: indicator {oid}: pattern type is not 'stix'")
            else:
                indicators.append(obj)
        elif otype == "malware":
            oid, name = obj.get("id"), obj.get("name")
            if isinstance(oid, str):
                malware[oid] = name if isinstance(name, str) and name else oid
        elif otype == "relationship" and obj.get("relationship_type") == "indicates":
            relations.append(obj)
    return indicators, malware, relations


def _resolve(
    path: Path,
    indicators: list[dict[str, Any]],
    malware: dict[str, str],
    relations: list[dict[str, Any]],
    warnings: list[str],
) -> dict[str, tuple[str, ...]]:
    """Malware names of each indicator id, in relationship order, without repeats."""
    ids = {obj["id"] for obj in indicators}
    names: dict[str, list[str]] = {}
    for rel in relations:
        src, dst = rel.get("source_ref"), rel.get("target_ref")
        if src not in ids or dst not in malware:
            missing = f"source_ref {src}" if src not in ids else f"target_ref {dst}"
            warnings.append(f"{path}: relationship {rel.get('id')}: {missing} is not in the bundle")
            continue
        assert isinstance(src, str) and isinstance(dst, str)
        found = names.setdefault(src, [])
        if malware[dst] not in found:
            found.append(malware[dst])
    return {oid: tuple(found) for oid, found in names.items()}


def _add_indicator(
    out: list[Indicator],
    warnings: list[str],
    path: Path,
    src: str,
    oid: str,
    pattern: str,
    malware: tuple[str, ...],
) -> None:
    """Append the indicators of one pattern, or warn why it cannot be used."""
    try:
        comparisons = parse_pattern(pattern)
    except PatternError as exc:
        warnings.append(f"{path}: indicator {oid}: unsupported pattern {pattern!r}: {exc}")
        return
    for object_path, raw in comparisons:
        found = path_kind(object_path)
        if found is None:
            warnings.append(f"{path}: indicator {oid}: unknown object path {object_path!r}")
            continue
        kind, value, warning = _normalise(found[0], raw, found[1])
        if warning is not None:
            warnings.append(f"{path}: indicator {oid}: {object_path} {raw!r}: {warning}")
        if value == "" and warning is None:
            warnings.append(f"{path}: indicator {oid}: {object_path} has an empty value")
        if value:
            out.append(Indicator(oid, kind, value, raw, object_path, malware, src))


@dataclass
class IocFile:
    """What one indicator file gave."""

    path: str
    sha256: str
    indicators: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # per IocKind value
    malware: tuple[str, ...] = ()  # sorted names
    warnings: int = 0
    error: str | None = None
    duplicates: int = 0  # duplicate indicator objects (same id and pattern) loaded once


@dataclass
class IocSet:
    """Indicators from several files, with per-file summaries and warnings."""

    indicators: list[Indicator] = field(default_factory=list)
    files: list[IocFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # the first MAX_WARNINGS messages
    warning_count: int = 0

    def warn(self, message: str) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)


def _expand(paths: Sequence[Path]) -> list[Path]:
    """Files named, and ``.stix2``/``.json`` files under directories (sorted), once each."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = [p for p in path.rglob("*") if p.suffix in (".stix2", ".json") and p.is_file()]
            files += sorted(found)
        elif path.exists():
            files.append(path)
        else:
            raise IocFileError(path, "no such file or directory")
    seen: set[Path] = set()
    unique: list[Path] = []
    for path in files:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def load_iocs(paths: Sequence[Path]) -> IocSet:
    """Load indicator files and directories; a bad file is recorded and loading goes on."""
    result = IocSet()
    for path in _expand(paths):
        entry = IocFile(path=str(path), sha256="")
        result.files.append(entry)
        try:
            data = _read(path)
            entry.sha256 = hashlib.sha256(data).hexdigest()
            indicators, warnings, entry.duplicates = _load_bytes(path, data)
        except IocFileError as exc:
            entry.error = exc.reason
            result.warn(str(exc))
            continue
        counts: dict[str, int] = {}
        names: set[str] = set()
        for ind in indicators:
            counts[ind.kind.value] = counts.get(ind.kind.value, 0) + 1
            names.update(ind.malware)
        entry.indicators, entry.counts = len(indicators), counts
        entry.malware, entry.warnings = tuple(sorted(names)), len(warnings)
        result.indicators += indicators
        for message in warnings:
            result.warn(message)
    return result

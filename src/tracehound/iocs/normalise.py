"""Normalisation of indicator and observed values (URLs, domains, IPs, e-mails, paths, hashes).

Indicators and device values go through the same functions, so that they meet in one form.
"""

from __future__ import annotations

import encodings.idna
import ipaddress
import unicodedata
from typing import NamedTuple


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
    host = idna_host(host.lower()).rstrip(".")
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
    host = idna_host(value.strip().lower()).rstrip(".")
    if host.startswith("*."):
        host = host[2:]
    if host.startswith("www.") and "." in host[4:]:
        host = host[4:]
    return host


# IDNA: a device writes a host as typed (Unicode, ``пример.рф``) or as sent on the wire (the
# A-label, ``xn--e1afmkfd.xn--p1ai``); indicator feeds use either. Both sides are brought to the
# A-label form, label by label. ``idna`` (UTS #46 / IDNA 2008) is not a dependency, so Python's
# ``encodings.idna`` codec is used, with care for its IDNA 2003 limits:
# - it maps the four "deviation" characters (RFC 5892 / UTS #46 section 4.4: sharp s, final
#   sigma, ZWJ, ZWNJ) away (``faß.de`` -> ``fass.de``), whereas browsers since 2023 and IDNA 2008
#   keep them: ``faß.de`` is a different domain, ``xn--fa-hia.de``. A label holding one is
#   therefore encoded as IDNA 2008 does (NFC, lower case, Punycode) so it never meets the other
#   domain;
# - it refuses unassigned code points, empty and over-long (> 63 octet) labels: such a hostile
#   label is kept as written (lower case) and so matches only an indicator written the same way;
#   nothing raises.
# ASCII labels other than ``xn--`` ones are returned unchanged (the fast path for most values).
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})  # IDNA label separators
_DEVIATIONS = frozenset("\u00df\u03c2\u200c\u200d")
_ACE = "xn--"


def idna_host(host: str) -> str:
    """``host`` with every Unicode label as its lower-case A-label (see the notes above)."""
    if host.isascii() and _ACE not in host.lower():
        return host
    labels = host.translate(_DOTS).split(".")
    return ".".join(_idna_label(label) for label in labels)


def _idna_label(label: str) -> str:
    text = label.lower()
    if not text:
        return text
    if text.isascii():
        return _canonical_ace(text) if text.startswith(_ACE) else text
    try:
        if _DEVIATIONS.intersection(text):
            ace = _ACE + unicodedata.normalize("NFC", text).encode("punycode").decode("ascii")
            return ace if len(ace) <= 63 else text
        return encodings.idna.ToASCII(text).decode("ascii").lower()
    except UnicodeError:
        return text


def _canonical_ace(text: str) -> str:
    """An ``xn--`` label decoded and encoded again, so an upper-case or odd one meets its peer."""
    try:
        unicode = text[len(_ACE) :].encode("ascii").decode("punycode")
    except (UnicodeError, ValueError, IndexError):
        return text  # not valid Punycode: kept as written
    return _idna_label(unicode) if not unicode.isascii() else text


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

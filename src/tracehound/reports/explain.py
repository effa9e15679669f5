"""Plain-English texts for the HTML report: what a trace in each artifact means, and how much
weight an indicator hit carries given the indicator's kind and why it matched.

The weights follow the reasoning of the public forensic methodology: process names, files and
accounts of the spyware itself are strong evidence; network indicators (domains, URLs, IPs) also
match a link that was received but never opened, or a visit to a vendor's public page, so they
weigh less on their own (Amnesty International, "Forensic Methodology Report: How to catch NSO
Group's Pegasus", 2021, sections on Safari history, DataUsage and IDStatusCache; MVT
documentation, "Indicators of Compromise"). Process name truncation: see ``iocs/index.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracehound.core.detection import Rule
from tracehound.core.records import Record
from tracehound.core.registry import record_types

#: Weight levels, strongest first (CSS classes of the report use the same words).
STRONG, MODERATE, WEAK = "strong", "moderate", "weak"


_KIND_TEXT: dict[str, tuple[str, str]] = {
    "process": (
        STRONG,
        "A process name of the spyware's own programs: a program with this name ran on the "
        "phone. Strong evidence, unless the name is short or common enough for a legitimate "
        "program to share it.",
    ),
    "file_name": (
        STRONG,
        "A file name the spyware uses: a file with this name existed on the phone. Only the name "
        "was compared, not the folder.",
    ),
    "file_path": (
        STRONG,
        "A file or folder the spyware creates: something existed at this path on the phone.",
    ),
    "file_hash": (
        STRONG,
        "A file with exactly the content of a known spyware file (hash equality).",
    ),
    "app_id": (
        STRONG,
        "The identifier of a spyware or stalkerware app: an app with this id was on the phone.",
    ),
    "cert_hash": (
        STRONG,
        "The certificate that signed known spyware or stalkerware: code or a profile signed with "
        "it was on the phone.",
    ),
    "profile_id": (
        STRONG,
        "The id of a configuration profile used by the attackers.",
    ),
    "email": (
        STRONG,
        "An account the attackers used to send exploits or control the spyware. A lookup of it "
        "or a message from it means it reached this phone.",
    ),
    "android_property": (
        STRONG,
        "A system property that the spyware sets.",
    ),
    "domain": (
        MODERATE,
        "Network infrastructure of the attackers. A hit means the phone loaded, stored or "
        "received this domain, but a link that was never opened, or a visit to the vendor's "
        "public web page, match too: it weighs less than a spyware process or file name. Look "
        "for process and file traces near the same time.",
    ),
    "url": (
        MODERATE,
        "A URL of the attackers' infrastructure. As for domains, a received but unopened link "
        "matches too, so it weighs less than a spyware process or file name.",
    ),
    "ip": (
        MODERATE,
        "An IP address of the attackers' infrastructure. Addresses are reused by hosting "
        "providers, so the time of the hit matters: compare it with the indicator's period.",
    ),
}


@dataclass(frozen=True, slots=True)
class Weight:
    """How much a hit counts: ``level`` (strong/moderate/weak), the indicator kind's ``text``,
    and ``notes`` on this particular match (why it counts more or less than the kind says)."""

    level: str
    text: str
    notes: str = ""


def _declared(name: str) -> type[Record] | None:
    return record_types().get(name)


def artifact_meaning(name: str, fallback: str = "") -> str:
    """What a trace in the artifact ``name`` means: its declaration's ``MEANING``, else
    ``fallback`` (the parser's description)."""
    cls = _declared(name)
    text = cls.MEANING if cls is not None else ""
    if text:
        return text
    if fallback:
        return f"{fallback.rstrip('.')}."
    return "Records extracted from this artifact."


def kind_weight(kind: str) -> Weight:
    """The weight of a hit on an indicator of ``kind`` before looking at why it matched."""
    level, text = _KIND_TEXT.get(
        kind, (MODERATE, "An indicator of a kind tracehound has no explanation for yet.")
    )
    return Weight(level, text)


#: Match rules of results folders of format 1.x, which wrote only the rule's sentence.
_LEGACY_RULES = (
    ("process name truncated to", Rule.PROCESS_TRUNCATED),
    ("process name in executable path", Rule.PROCESS_IN_PATH),
    ("IP address in network", Rule.IP_NETWORK),
    ("host of URL is a subdomain", Rule.URL_SUBDOMAIN),
    ("subdomain of indicator domain", Rule.SUBDOMAIN),
)


def rule_of(rule: object, reason: str) -> Rule | None:
    """The match rule of a detection: its ``rule``, or for a 1.x folder the rule its
    ``reason`` sentence names (only the rules that change a weight)."""
    if isinstance(rule, str) and rule in Rule._value2member_map_:
        return Rule(rule)
    for start, legacy in _LEGACY_RULES:
        if reason.startswith(start):
            return legacy
    return None


def hit_weight(kind: str, rule: Rule | None, artifact: str, length: int = 0) -> Weight:
    """The weight of one hit: the indicator's ``kind``, the match ``rule``, the ``artifact``,
    and the ``length`` of the value that matched (a truncated process name's length counts)."""
    base = kind_weight(kind)
    level, notes = base.level, list[str]()
    truncated = rule is Rule.PROCESS_TRUNCATED
    if truncated and length == 15 and artifact.startswith("ios."):
        level = WEAK
        notes.append(
            "The name seen is 15 characters long and starts the indicator's name. iOS cuts "
            "process names at 16 characters, not 15, so on an iPhone this is probably another "
            "program: check the full name elsewhere."
        )
    elif truncated:
        level = _lower(level)
        notes.append(
            "The name seen is as long as the kernel keeps process names and starts the "
            "indicator's name: another program with the same beginning would match too."
        )
    elif rule is Rule.PROCESS_IN_PATH:
        level = _lower(level)
        notes.append(
            "A folder or file in the executable's path has the spyware process's name; the "
            "program itself may have another name."
        )
    elif rule is Rule.IP_NETWORK:
        level = WEAK
        notes.append("The address lies in an indicator network, not on an indicator address.")
    cls = _declared(artifact)
    network = cls.NETWORK_HIT if cls is not None else ""
    if kind in ("domain", "url", "ip"):
        if network == "received":
            notes.append(
                "Here the address was received or stored, not loaded: it shows a delivery attempt "
                "at most. Look for a browser visit near the same time to know if it was opened."
            )
        elif network == "loaded":
            notes.append("Here the page or resource was loaded on the phone.")
    if rule in (Rule.SUBDOMAIN, Rule.URL_SUBDOMAIN):
        notes.append(
            "The host is a subdomain of the indicator domain; attackers use random subdomains "
            "for each target."
        )
    return Weight(level, base.text, " ".join(notes))


def _lower(level: str) -> str:
    return MODERATE if level == STRONG else WEAK


def severity_words(severity: str) -> str:
    """A short gloss of a severity for the report's legend."""
    return {
        "critical": "names the spyware's own code or accounts",
        "high": "network indicator hit, or a strong heuristic",
        "medium": "suspicious, needs review",
        "low": "worth a look, often benign",
        "info": "context for the analyst",
    }.get(severity, "")

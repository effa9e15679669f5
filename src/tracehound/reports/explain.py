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

#: Weight levels, strongest first (CSS classes of the report use the same words).
STRONG, MODERATE, WEAK = "strong", "moderate", "weak"

#: What a trace in each artifact means for the analyst (iOS). Other artifacts fall back to the
#: parser's own one-line description.
ARTIFACT_MEANING: dict[str, str] = {
    "ios.applications": (
        "The backup's list of installed apps (Info.plist): the app was installed when the "
        "backup was made."
    ),
    "ios.applications_fs": (
        "The installed apps of a file system dump: the app was installed when the dump was made."
    ),
    "ios.cache_files": (
        "CFNetwork's HTTP cache of an app: the app received a response from this URL."
    ),
    "ios.calendar": (
        "A calendar event: QuaDream's spyware was delivered through calendar invitations."
    ),
    "ios.calls": "The call history: a call with this number or account took place.",
    "ios.chrome_favicon": (
        "Chrome's favicon cache: Chrome loaded a page of this site, even if history was cleared."
    ),
    "ios.contacts": (
        "The address book: the user saved this number, address or URL; it shows no contact."
    ),
    "ios.filesystem": (
        "The file list of a file system dump: a file at this path existed when the dump was made."
    ),
    "ios.firefox_favicon": (
        "Firefox's favicon cache: Firefox loaded a page of this site, even if history was cleared."
    ),
    "ios.firefox_history": "Firefox's browsing history: Firefox loaded this page.",
    "ios.interaction_c": (
        "CoreDuet's interaction log: an app exchanged messages or calls with this account."
    ),
    "ios.netusage": (
        "netusage.sqlite lists processes that used the network: a name here means a program of "
        "that name ran on the phone."
    ),
    "ios.safari_favicon": (
        "Safari's favicon cache: Safari loaded a page of this site, even if history was cleared."
    ),
    "ios.shortcuts": "A Siri shortcut, with the actions and URLs it runs.",
    "ios.shutdown_log": (
        "shutdown.log lists processes still running when the phone was shut down: a name here "
        "means the program was running; Pegasus processes were found this way."
    ),
    "ios.webkit_indexeddb": "WebKit kept IndexedDB data of this web origin: a page of it ran.",
    "ios.webkit_localstorage": (
        "WebKit kept LocalStorage data of this web origin: a page of it ran."
    ),
    "ios.webkit_safariviewservice": (
        "An app's in-app Safari view kept data of this web origin: a page of it was loaded."
    ),
    "ios.whatsapp": (
        "A WhatsApp message held this link or came from this account; a received link shows an "
        "attempt, browser traces near the same time show whether it was opened."
    ),
    "ios.backup_info": "Facts about the backed-up device (model, iOS version, backup date).",
    "ios.chrome_history": (
        "Chrome's browsing history: Chrome loaded this page, by a link, typing or a redirect."
    ),
    "ios.configuration_profiles": (
        "A configuration profile installed on the phone: it can change settings, certificates "
        "and network routing."
    ),
    "ios.datausage": (
        "DataUsage.sqlite lists every process that used the network, with when it was first and "
        "last seen: a name here means a program of that name ran on the phone."
    ),
    "ios.global_preferences": "A system-wide preference of the phone.",
    "ios.idstatuscache": (
        "The phone asked Apple whether this address can receive iMessage or FaceTime. It happens "
        "when the user writes to, or receives a message from, that account; Pegasus zero-click "
        "attacks left lookups of attacker accounts here."
    ),
    "ios.locationd_clients": (
        "Programs that used location services: an entry means the program ran and asked for "
        "the phone's location."
    ),
    "ios.manifest": (
        "The backup's list of files (Manifest.db): a file at this path existed on the phone when "
        "the backup was made; its times say when it was created and changed."
    ),
    "ios.osanalytics_addaily": (
        "The daily network-usage baseline of iOS analytics: a process name here means a program "
        "of that name ran and used the network."
    ),
    "ios.profile_events": (
        "The log of configuration profile installs and removals, with the process that did it."
    ),
    "ios.safari_browser_state": (
        "An open Safari tab, or a page in its back/forward list: the page was opened in a tab."
    ),
    "ios.safari_history": (
        "Safari's history (History.db): Safari loaded this URL, possibly through a redirect the "
        "user did not see."
    ),
    "ios.sms": (
        "A message (SMS or iMessage) held this link or came from this account. A received link "
        "shows an attempt; browser traces near the same time show whether it was opened."
    ),
    "ios.sms_attachments": "A file attached to a message, with where the phone stored it.",
    "ios.tcc": (
        "The privacy permission database (TCC.db): the program was granted or denied access to "
        "the camera, microphone, photos or other data."
    ),
    "ios.webkit_resource_load_statistics": (
        "WebKit's tracking prevention database saw this domain in Safari or in an app; the entry "
        "survives clearing the browsing history."
    ),
    "ios.webkit_session_resource_log": (
        "WebKit's per-domain statistics (older iOS): pages or resources of this domain were "
        "loaded, or redirected to, in Safari or in an app."
    ),
}

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

#: Artifacts where a network hit only shows that a link arrived or was stored, not followed.
_RECEIVED_ONLY = {
    "ios.sms",
    "ios.sms_attachments",
    "ios.whatsapp",
    "ios.calendar",
    "ios.interaction_c",
    "ios.contacts",
}
#: Artifacts where a network hit means the page or resource was actually loaded.
_LOADED = {
    "ios.safari_history",
    "ios.safari_browser_state",
    "ios.chrome_history",
    "ios.webkit_resource_load_statistics",
    "ios.webkit_session_resource_log",
    "ios.cache_files",
    "ios.chrome_favicon",
    "ios.firefox_favicon",
    "ios.firefox_history",
    "ios.safari_favicon",
    "ios.webkit_indexeddb",
    "ios.webkit_localstorage",
    "ios.webkit_safariviewservice",
}


@dataclass(frozen=True, slots=True)
class Weight:
    """How much a hit counts: ``level`` (strong/moderate/weak), the indicator kind's ``text``,
    and ``notes`` on this particular match (why it counts more or less than the kind says)."""

    level: str
    text: str
    notes: str = ""


def artifact_meaning(name: str, fallback: str = "") -> str:
    """What a trace in the artifact ``name`` means (``fallback``: the parser's description)."""
    text = ARTIFACT_MEANING.get(name)
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
    if kind in ("domain", "url", "ip"):
        if artifact in _RECEIVED_ONLY:
            notes.append(
                "Here the address was received or stored, not loaded: it shows a delivery attempt "
                "at most. Look for a browser visit near the same time to know if it was opened."
            )
        elif artifact in _LOADED:
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

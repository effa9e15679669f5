"""More of the demo phone: calls, contacts, WhatsApp, interactionC, Calendar, Shortcuts, favicons.

Benign rows for the timeline, plus one planted trace: a WhatsApp message carrying a link to a
Pegasus domain of the bundled pegasus.stix2, a few hours before the Safari injection (the
1-click messages of the 2021 methodology report). Domains and paths follow the backup layout
(see each builder in ``demo/ios``); the filesystem-dump writer maps them to device paths.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from tracehound.core.timeutil import to_cocoa, to_webkit
from tracehound.demo import content
from tracehound.demo.ios import (
    calendar,
    calls,
    chrome_favicon,
    contacts,
    interaction_c,
    safari_favicon,
    shortcuts,
    whatsapp,
    whatsapp_contacts,
)
from tracehound.demo.writer import Writer

WHATSAPP_DOMAIN = "AppDomainGroup-group.net.whatsapp.WhatsApp.shared"
WA_SENDER = "12025550177@s.whatsapp.net"


class Plan(Protocol):
    """The demo's random plan (see generate._Plan)."""

    infected: bool

    @property
    def rng(self) -> Any: ...

    def when(self) -> datetime: ...


def write_apps(writer: Writer, plan: Plan, link: str, link_at: datetime) -> None:
    """Write every database of this module; ``link`` is the planted WhatsApp link."""
    for add in (_calls, _contacts, _interactions, _calendar, _shortcuts, _favicons):
        add(writer, plan)
    _whatsapp(writer, plan, link, link_at)


def _calls(writer: Writer, plan: Plan) -> None:
    numbers = [c for c in content.CONTACTS if c.startswith("+")]
    rows = [
        {
            "Z_PK": n,
            "ZDATE": to_cocoa(ts),
            "ZADDRESS": plan.rng.choice(numbers),
            "ZORIGINATED": int(plan.rng.random() < 0.5),
            "ZANSWERED": int(plan.rng.random() < 0.8),
            "ZDURATION": float(plan.rng.randint(0, 1800)),
        }
        for n, ts in enumerate(sorted(plan.when() for _ in range(120)), 1)
    ]
    writer.add_built(
        "HomeDomain",
        "Library/CallHistoryDB/CallHistory.storedata",
        lambda p: calls.write(p, rows),
    )


_NAMES = ("Amira", "Jonas", "Lea", "Omar", "Sofia", "Yusuf", "Clara", "Malik", "Ines", "Tomas")


def _contacts(writer: Writer, plan: Plan) -> None:
    people = [
        {"ROWID": n, "First": name, "Last": "Example", "CreationDate": int(to_cocoa(plan.when()))}
        for n, name in enumerate(_NAMES, 1)
    ]
    values = [
        {"record_id": n, "property": contacts.EMAIL, "value": f"{name.lower()}@example.org"}
        for n, name in enumerate(_NAMES, 1)
    ]
    writer.add_built(
        "HomeDomain",
        "Library/AddressBook/AddressBook.sqlitedb",
        lambda p: contacts.write(p, people, values),
    )


def _interactions(writer: Writer, plan: Plan) -> None:
    people = [
        {"Z_PK": n, "ZIDENTIFIER": c, "ZDISPLAYNAME": c} for n, c in enumerate(content.CONTACTS, 1)
    ]
    rows = []
    for n, ts in enumerate(sorted(plan.when() for _ in range(200)), 1):
        rows.append(
            {
                "Z_PK": n,
                "ZSTARTDATE": to_cocoa(ts),
                "ZENDDATE": to_cocoa(ts + timedelta(seconds=5)),
                "ZCREATIONDATE": to_cocoa(ts + timedelta(seconds=1)),
                "ZBUNDLEID": plan.rng.choice(("com.apple.MobileSMS", "net.whatsapp.WhatsApp")),
                "ZDIRECTION": plan.rng.choice((interaction_c.INCOMING, interaction_c.OUTGOING)),
                "ZSENDER": plan.rng.randint(1, len(people)),
                "recipients": [],
                "attachments": [],
            }
        )
    writer.add_built(
        "HomeDomain",
        "Library/CoreDuet/People/interactionC.db",
        lambda p: interaction_c.write(p, people, rows),
    )


def _calendar(writer: Writer, plan: Plan) -> None:
    titles = ("Team call", "Dentist", "Interview", "Editorial meeting", "Flight", "Lunch")
    events = []
    for n in range(1, 41):
        start = plan.when()
        events.append(
            {
                "ROWID": n,
                "summary": plan.rng.choice(titles),
                "start_date": to_cocoa(start),
                "end_date": to_cocoa(start + timedelta(hours=1)),
                "creation_date": to_cocoa(start - timedelta(days=plan.rng.randint(1, 9))),
            }
        )
    writer.add_built(
        "HomeDomain",
        "Library/Calendar/Calendar.sqlitedb",
        lambda p: calendar.write(p, events),
    )


def _shortcuts(writer: Writer, plan: Plan) -> None:
    items = [
        {
            "Z_PK": 1,
            "ZNAME": "Morning news",
            "ZCREATIONDATE": to_cocoa(plan.when()),
            "actions": [shortcuts.action("is.workflow.actions.openurl", WFInput=content.SITES[0])],
        }
    ]
    writer.add_built(
        "HomeDomain", "Library/Shortcuts/Shortcuts.sqlite", lambda p: shortcuts.write(p, items)
    )


def _favicons(writer: Writer, plan: Plan) -> None:
    sites = content.SITES[:40]
    safari = [
        {"page_url": s, "icon_url": s.rstrip("/") + "/favicon.ico", "timestamp": plan.when()}
        for s in sites
    ]
    writer.add_built(
        "HomeDomain",
        "Library/Image Cache/Favicons/Favicons.db",
        lambda p: safari_favicon.write(p, safari),
    )
    chrome = [
        {
            "url": s.rstrip("/") + "/favicon.ico",
            "pages": [s],
            "last_updated": to_webkit(plan.when()),
        }
        for s in sites[:20]
    ]
    writer.add_built(
        "AppDomain-com.google.chrome.ios",
        "Library/Application Support/Google/Chrome/Default/Favicons",
        lambda p: chrome_favicon.write(p, chrome),
    )


def _whatsapp(writer: Writer, plan: Plan, link: str, link_at: datetime) -> None:
    chats = [f"1202555{n:04d}@s.whatsapp.net" for n in range(100, 112)]
    sessions = [
        {"Z_PK": n, "ZCONTACTJID": jid, "ZPARTNERNAME": _NAMES[n % len(_NAMES)]}
        for n, jid in enumerate(chats, 1)
    ]
    texts = list(content.SMS_TEXTS)
    events: list[tuple[datetime, bool]] = sorted((plan.when(), False) for _ in range(300))
    if plan.infected:
        sessions.append({"Z_PK": len(sessions) + 1, "ZCONTACTJID": WA_SENDER, "ZPARTNERNAME": ""})
        events = sorted([*events, (link_at, True)])
    messages: list[dict[str, Any]] = []
    for n, (ts, planted) in enumerate(events, 1):
        session = len(sessions) if planted else plan.rng.randint(1, len(chats))
        mine = 0 if planted else int(plan.rng.random() < 0.4)
        jid = sessions[session - 1]["ZCONTACTJID"]
        messages.append(
            {
                "Z_PK": n,
                "ZMESSAGEDATE": to_cocoa(ts),
                "ZISFROMME": mine,
                "ZFROMJID": None if mine else jid,
                "ZTOJID": jid if mine else None,
                "ZTEXT": f"Breaking: read before it is deleted {link}"
                if planted
                else plan.rng.choice(texts),
                "ZCHATSESSION": session,
            }
        )
    writer.add_built(
        WHATSAPP_DOMAIN,
        "ChatStorage.sqlite",
        lambda p: whatsapp.write(p, messages, sessions=sessions),
    )
    people = [
        {"Z_PK": n, "ZWHATSAPPID": jid, "ZFULLNAME": f"{_NAMES[n % len(_NAMES)]} Example"}
        for n, jid in enumerate(chats, 1)
    ]
    writer.add_built(
        WHATSAPP_DOMAIN, "ContactsV2.sqlite", lambda p: whatsapp_contacts.write(p, people)
    )

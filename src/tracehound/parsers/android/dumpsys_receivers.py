"""Broadcast receivers for SMS and call intents, from the ``Receiver Resolver Table``.

Facts: MVT ``dumpsys_receivers.py`` reads the ``Non-Data Actions`` of ``Receiver Resolver
Table:`` in ``dumpsys package`` and logs (at info level) receivers of
``android.provider.Telephony.SMS_RECEIVED``, ``android.provider.Telephony.NEW_OUTGOING_SMS``,
``android.intent.action.DATA_SMS_RECEIVED``, ``android.intent.action.PHONE_STATE`` and
``android.intent.action.NEW_OUTGOING_CALL``: the intents that let an app read incoming SMS or
watch calls. The table layout is AOSP ``IntentResolver.dump`` (see parsers/common/dumpsys.py).
Filters indexed under an action (``Non-Data Actions``, ``MIME Typed Actions``) are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tracehound.core.context import ParseContext
from tracehound.core.records import AppId, Record
from tracehound.core.registry import artifact
from tracehound.parsers.common.dumpsys import (
    DUMPSYS,
    Dumpsys,
    package_of_component,
    resolver_table,
    sections,
)

#: Intent action -> what a receiver of it can do (MVT's messages).
INTENTS = {
    "android.provider.Telephony.SMS_RECEIVED": "intercept incoming SMS messages",
    "android.provider.Telephony.NEW_OUTGOING_SMS": "intercept outgoing SMS messages",
    "android.intent.action.DATA_SMS_RECEIVED": "intercept incoming data SMS messages",
    "android.intent.action.PHONE_STATE": "monitor telephony state and incoming calls",
    "android.intent.action.NEW_OUTGOING_CALL": "monitor outgoing calls",
}
_ACTION_TABLES = ("Non-Data Actions", "MIME Typed Actions")


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageReceiver(Record):
    """One broadcast receiver registered for an SMS or call intent."""

    TYPE = "android.dumpsys_receivers"
    TS_DESC = "No time (intent filter)"

    intent: str
    package: AppId
    receiver: str  # the component as printed: pkg/.Class


@artifact(record=PackageReceiver, reader=DUMPSYS)
def parse(dump: Dumpsys, ctx: ParseContext) -> Iterator[PackageReceiver]:
    """Receivers of SMS and call intents (dumpsys package, receiver resolver table)."""
    for _, body in sections(dump, ("package",)):
        seen: set[tuple[str, str]] = set()
        for table, intent, component in resolver_table(body, "Receiver Resolver Table:", ctx):
            if table not in _ACTION_TABLES or intent not in INTENTS:
                continue
            package = package_of_component(component)
            if package is None:
                ctx.warn(f"receiver is not a component: {component[:80]!r}")
                continue
            if (intent, component) in seen:
                continue
            seen.add((intent, component))
            yield PackageReceiver(ts=None, intent=intent, package=package, receiver=component)

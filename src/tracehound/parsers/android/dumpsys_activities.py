"""Activities and the intents they handle, from the ``Activity Resolver Table`` of dumpsys package.

Facts: AOSP ``IntentResolver.dump`` as printed by ``dumpsys package`` (``Activity Resolver
Table:``, then sub-tables ``Full MIME Types``, ``Base MIME Types``, ``Wild MIME Types``,
``Schemes``, ``Non-Data Actions``, ``MIME Typed Actions``; each key followed by one
``<hash> <package>/<class>`` line per filter). MVT ``dumpsys_package_activities.py`` reads the
``Non-Data Actions`` part and checks each package against app id indicators.
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


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageActivity(Record):
    """One activity registered for an intent action, data scheme or MIME type."""

    TYPE = "android.dumpsys_activities"
    TS_DESC = "No time (intent filter)"

    intent: str  # the action, scheme or MIME type the filter is indexed under
    table: str  # e.g. "Non-Data Actions", "Schemes"
    package: AppId
    activity: str  # the component as printed: pkg/.Class


@artifact(record=PackageActivity, reader=DUMPSYS)
def parse(dump: Dumpsys, ctx: ParseContext) -> Iterator[PackageActivity]:
    """Activities and the intents they handle (dumpsys package, activity resolver table)."""
    for _, body in sections(dump, ("package",)):
        for table, intent, component in resolver_table(body, "Activity Resolver Table:", ctx):
            package = package_of_component(component)
            if package is None:
                ctx.warn(f"activity is not a component: {component[:80]!r}")
                continue
            yield PackageActivity(
                ts=None, intent=intent, table=table, package=package, activity=component
            )

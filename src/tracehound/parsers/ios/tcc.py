"""Privacy permissions (camera, microphone, photos...) granted or denied to apps, from TCC.db.

Facts: MVT's ``TCC`` module. Table ``access`` has three shapes: v3 (iOS 14+) with
``auth_value`` (0 denied, 1 unknown, 2 allowed, 3 limited), ``auth_reason`` (1 error, 2 user
consent, 3 user set, 4 system set, 5 service policy, 6 MDM policy, 7 override policy, 8 missing
usage string, 9 prompt timeout, 10 preflight unknown, 11 entitled, 12 app type policy) and
``last_modified``; v2 with ``allowed`` (0/1), ``prompt_count`` and ``last_modified``; v1 without
``last_modified``. ``last_modified`` is Unix seconds. ``client_type`` 0 means ``client`` is a
bundle identifier, 1 an absolute path to an executable.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

from tracehound.core.context import ParseContext
from tracehound.core.records import AppId, ExecPath, ProcessName, Record
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_unix
from tracehound.parsers.common.sqlite import columns, select_optional


@dataclass(frozen=True, slots=True, kw_only=True)
class TccAccess(Record):
    """One permission decision for one service and one client."""

    TYPE = "ios.tcc"
    MEANING = (
        "The privacy permission database (TCC.db): the program was granted or denied access to "
        "the camera, microphone, photos or other data."
    )
    PUBLIC_FIELDS = ("service", "access", "schema")
    TS_DESC = "Permission last changed"

    service: str | None  # e.g. kTCCServiceCamera
    client: str | None  # as stored
    client_type: int | None
    client_bundle: AppId | None
    client_path: ExecPath | None
    client_name: ProcessName | None  # bundle id, or the executable's file name
    allowed: bool | None
    access: str | None  # denied / unknown / allowed / limited
    auth_value: int | None  # v3
    auth_reason: int | None  # v3
    reason: str | None  # auth_reason as text
    prompt_count: int | None  # v1, v2
    indirect_object: str | None
    schema: str  # "v1", "v2" or "v3"


PATHS = ("/private/var/mobile/Library/TCC/TCC.db",)

AUTH_VALUES = {0: "denied", 1: "unknown", 2: "allowed", 3: "limited"}
AUTH_REASONS = {
    1: "error",
    2: "user_consent",
    3: "user_set",
    4: "system_set",
    5: "service_policy",
    6: "mdm_policy",
    7: "override_policy",
    8: "missing_usage_string",
    9: "prompt_timeout",
    10: "preflight_unknown",
    11: "entitled",
    12: "app_type_policy",
}
_COLUMNS = {
    "service": "service",
    "client": "client",
    "client_type": "client_type",
    "auth_value": "auth_value",
    "auth_reason": "auth_reason",
    "allowed": "allowed",
    "prompt_count": "prompt_count",
    "indirect": "indirect_object_identifier",
    "last_modified": "last_modified",
}


def _schema(conn: sqlite3.Connection) -> str:
    have = columns(conn, "access")
    if "auth_value" in have:
        return "v3"
    return "v2" if "last_modified" in have else "v1"


def _client(client: str | None, ctype: int | None) -> tuple[str | None, str | None, str | None]:
    """(bundle id, path, name) of a client; an unknown type is guessed from a leading "/"."""
    if not client:
        return None, None, None
    is_path = ctype == 1 or (ctype != 0 and client.startswith("/"))
    if is_path:
        return None, client, client.rstrip("/").rsplit("/", 1)[-1] or None
    return client, None, client


def _allowed(
    schema: str, auth_value: int | None, allowed: int | None
) -> tuple[bool | None, str | None]:
    if schema == "v3":
        text = AUTH_VALUES.get(auth_value) if auth_value is not None else None
        return {"denied": False, "allowed": True, "limited": True}.get(text or ""), text
    if allowed in (0, 1):
        return allowed == 1, "allowed" if allowed == 1 else "denied"
    return None, None


@artifact(record=TccAccess, input="sqlite", paths=PATHS, requires={"access": ("service", "client")})
def parse(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[TccAccess]:
    """Apps and executables granted or denied camera, microphone, photos and other access."""
    schema = _schema(conn)
    conn.row_factory = sqlite3.Row
    cols = select_optional(conn, "access", _COLUMNS)
    for r in conn.execute(f"SELECT access.rowid AS rid, {cols} FROM access ORDER BY access.rowid"):
        row = r["rid"]
        client = r["client"] if isinstance(r["client"], str) else None
        if r["client"] is not None and client is None:
            ctx.warn(f"client is not text: {r['client']!r:.80}", row)
        ctype = ctx.integer(r["client_type"], row, "client_type")
        bundle, path, name = _client(client, ctype)
        auth_value = ctx.integer(r["auth_value"], row, "auth_value")
        auth_reason = ctx.integer(r["auth_reason"], row, "auth_reason")
        allowed, access = _allowed(schema, auth_value, ctx.integer(r["allowed"], row, "allowed"))
        modified = r["last_modified"]
        yield TccAccess(
            ts=None if modified == 0 else ctx.time(from_unix, modified, row, "last_modified"),
            row=row,
            service=r["service"] if isinstance(r["service"], str) else None,
            client=client,
            client_type=ctype,
            client_bundle=bundle,
            client_path=path,
            client_name=name,
            allowed=allowed,
            access=access,
            auth_value=auth_value,
            auth_reason=auth_reason,
            reason=AUTH_REASONS.get(auth_reason) if auth_reason is not None else None,
            prompt_count=ctx.integer(r["prompt_count"], row, "prompt_count"),
            indirect_object=r["indirect"] if isinstance(r["indirect"], str) else None,
            schema=schema,
        )

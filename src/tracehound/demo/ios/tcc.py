"""TCC.db (privacy consent database) in its three iOS schemas.

Facts: MVT's ``TCC`` module and public descriptions of TCC.db. Table ``access``:
- v3 (iOS 14+): ``service, client, client_type, auth_value, auth_reason, auth_version, csreq,
  policy_id, indirect_object_identifier_type, indirect_object_identifier,
  indirect_object_code_identity, flags, last_modified`` (Unix seconds);
- v2 (iOS 12-13): ``allowed, prompt_count`` instead of the ``auth_*`` columns, with
  ``last_modified``;
- v1 (iOS 11 and older): ``service, client, client_type, allowed, prompt_count, csreq`` only.
``client_type`` 0 is a bundle identifier, 1 an absolute path. Other tables: ``admin``,
``policies``, ``active_policy``, ``access_overrides``, ``expired``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tracehound.demo.sqlite_util import Rows, write_sqlite

_COMMON = """
CREATE TABLE admin (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL);
CREATE TABLE policies (id INTEGER NOT NULL PRIMARY KEY, bundle_id TEXT NOT NULL,
  uuid TEXT NOT NULL, display TEXT NOT NULL, UNIQUE (bundle_id, uuid));
CREATE TABLE active_policy (client TEXT NOT NULL, client_type INTEGER NOT NULL,
  policy_id INTEGER NOT NULL, PRIMARY KEY (client, client_type),
  FOREIGN KEY (policy_id) REFERENCES policies(id) ON DELETE CASCADE ON UPDATE CASCADE);
CREATE TABLE access_overrides (service TEXT NOT NULL PRIMARY KEY);
"""

_ACCESS = {
    3: """
CREATE TABLE access (service TEXT NOT NULL, client TEXT NOT NULL, client_type INTEGER NOT NULL,
  auth_value INTEGER NOT NULL, auth_reason INTEGER NOT NULL, auth_version INTEGER NOT NULL,
  csreq BLOB, policy_id INTEGER, indirect_object_identifier_type INTEGER,
  indirect_object_identifier TEXT NOT NULL DEFAULT 'UNUSED', indirect_object_code_identity BLOB,
  flags INTEGER, last_modified INTEGER NOT NULL DEFAULT (CAST(strftime('%s','now') AS INTEGER)),
  PRIMARY KEY (service, client, client_type, indirect_object_identifier),
  FOREIGN KEY (policy_id) REFERENCES policies(id) ON DELETE CASCADE ON UPDATE CASCADE);
CREATE TABLE expired (service TEXT NOT NULL, client TEXT NOT NULL, client_type INTEGER NOT NULL,
  csreq BLOB, last_modified INTEGER NOT NULL, expired_at INTEGER NOT NULL
  DEFAULT (CAST(strftime('%s','now') AS INTEGER)), PRIMARY KEY (service, client, client_type));
""",
    2: """
CREATE TABLE access (service TEXT NOT NULL, client TEXT NOT NULL, client_type INTEGER NOT NULL,
  allowed INTEGER NOT NULL, prompt_count INTEGER NOT NULL, csreq BLOB, policy_id INTEGER,
  indirect_object_identifier_type INTEGER, indirect_object_identifier TEXT,
  indirect_object_code_identity BLOB, flags INTEGER,
  last_modified INTEGER NOT NULL DEFAULT (CAST(strftime('%s','now') AS INTEGER)),
  PRIMARY KEY (service, client, client_type, indirect_object_identifier),
  FOREIGN KEY (policy_id) REFERENCES policies(id) ON DELETE CASCADE ON UPDATE CASCADE);
""",
    1: """
CREATE TABLE access (service TEXT NOT NULL, client TEXT NOT NULL, client_type INTEGER NOT NULL,
  allowed INTEGER NOT NULL, prompt_count INTEGER NOT NULL, csreq BLOB,
  CONSTRAINT key PRIMARY KEY (service, client, client_type));
""",
}

#: ``admin.version`` written per schema (illustrative values).
_ADMIN_VERSION = {1: 8, 2: 15, 3: 19}


def write(path: Path, access: Rows, version: int = 3) -> None:
    """Write TCC.db with ``access`` rows (Apple's column names) in schema ``version`` 1, 2 or 3.

    Missing NOT NULL columns get defaults: ``client_type`` 0, v3 ``auth_value`` 2 (allowed),
    ``auth_reason`` 2 (user consent), ``auth_version`` 1, ``indirect_object_identifier``
    ``UNUSED``; v1/v2 ``allowed`` 1 and ``prompt_count`` 1; ``last_modified`` 0 (not "now", so
    files are reproducible).
    """
    if version not in _ACCESS:
        raise ValueError(f"TCC schema version must be 1, 2 or 3, not {version}")
    defaults: dict[str, Any] = {"client_type": 0}
    if version == 3:
        defaults |= {
            "auth_value": 2,
            "auth_reason": 2,
            "auth_version": 1,
            "flags": 0,
            "indirect_object_identifier": "UNUSED",
            "last_modified": 0,
        }
    else:
        defaults |= {"allowed": 1, "prompt_count": 1}
        if version == 2:
            defaults |= {"indirect_object_identifier": "UNUSED", "flags": 0, "last_modified": 0}
    rows = [{**defaults, **row} for row in access]
    admin = [{"key": "version", "value": _ADMIN_VERSION[version]}]
    write_sqlite(path, _COMMON + _ACCESS[version], {"admin": admin, "access": rows})

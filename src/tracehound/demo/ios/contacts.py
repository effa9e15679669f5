"""AddressBook.sqlitedb (the Contacts database) with Apple's table and column names.

Facts: tables and columns as read by MVT's ``Contacts`` and iLEAPP's ``addressBook``: ``ABPerson``,
``ABMultiValue`` (property 3 phone, 4 e-mail, 5 address, 22 URL...), ``ABMultiValueLabel``
(labels such as ``_$!<Mobile>!$_``), ``ABMultiValueEntry``/``ABMultiValueEntryKey`` (parts of
postal addresses), ``ABStore``, ``ABGroup``/``ABGroupMembers``; dates are Cocoa seconds. The
remaining ABPerson columns are recalled from iOS 15-17 databases, not verified one by one.
``legacy=True`` writes a trimmed, older-style ABPerson (no Nickname, CreationDate,
ModificationDate or DisplayName; given values for them are dropped) and no ABMultiValueLabel
table, to exercise the parser's handling of absent columns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tracehound.demo.sqlite_util import Rows, write_sqlite

_PERSON_LEGACY = """
CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, First TEXT, Last TEXT,
  Middle TEXT, FirstPhonetic TEXT, MiddlePhonetic TEXT, LastPhonetic TEXT, Organization TEXT,
  Department TEXT, Note TEXT, Kind INTEGER, Birthday TEXT, JobTitle TEXT, Prefix TEXT,
  Suffix TEXT, FirstSort TEXT, LastSort TEXT, CompositeNameFallback TEXT,
  ExternalIdentifier TEXT, StoreID INTEGER, guid TEXT);
"""

_PERSON = """
CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, First TEXT, Last TEXT,
  Middle TEXT, FirstPhonetic TEXT, MiddlePhonetic TEXT, LastPhonetic TEXT, Organization TEXT,
  Department TEXT, Note TEXT, Kind INTEGER, Birthday TEXT, JobTitle TEXT, Nickname TEXT,
  Prefix TEXT, Suffix TEXT, FirstSort TEXT, LastSort TEXT, CreationDate INTEGER,
  ModificationDate INTEGER, CompositeNameFallback TEXT, ExternalIdentifier TEXT,
  ExternalModificationTag TEXT, ExternalUUID TEXT, StoreID INTEGER, DisplayName TEXT,
  ExternalRepresentation BLOB, FirstSortSection TEXT, LastSortSection TEXT,
  FirstSortLanguageIndex INTEGER DEFAULT 2147483647,
  LastSortLanguageIndex INTEGER DEFAULT 2147483647, PersonLink INTEGER DEFAULT -1,
  ImageURI TEXT, IsPreferredName INTEGER DEFAULT 1, guid TEXT, PhonemeData TEXT,
  AlternateBirthday TEXT, MapsData TEXT, FirstPronunciation TEXT, MiddlePronunciation TEXT,
  LastPronunciation TEXT, OrganizationPhonetic TEXT, OrganizationPronunciation TEXT,
  PreviousFamilyName TEXT, PreferredLikenessSource TEXT, PreferredPersonaIdentifier TEXT,
  DowntimeWhitelist TEXT, ImageType TEXT, ImageHash BLOB, MemojiMetadata BLOB,
  WallpaperData BLOB, DisplayFlags INTEGER DEFAULT 0, SensitiveContentConfiguration BLOB);
"""

_COMMON = """
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id INTEGER, property INTEGER,
  identifier INTEGER, label INTEGER, value TEXT, guid TEXT);
CREATE TABLE ABMultiValueEntry (parent_id INTEGER, key INTEGER, value TEXT,
  UNIQUE(parent_id, key));
CREATE TABLE ABMultiValueEntryKey (value TEXT, UNIQUE(value));
CREATE TABLE ABStore (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, Name TEXT, ExternalIdentifier TEXT,
  Type INTEGER, ConstraintsPath TEXT, ExternalModificationTag TEXT, ExternalSyncTag TEXT,
  AccountID INTEGER, Enabled INTEGER DEFAULT 1, SyncData BLOB, MeIdentifier INTEGER DEFAULT -1,
  Capabilities INTEGER DEFAULT 0);
CREATE TABLE ABGroup (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, Name TEXT, ExternalIdentifier TEXT,
  StoreID INTEGER, ExternalModificationTag TEXT, ExternalRepresentation BLOB,
  ExternalUUID TEXT, guid TEXT);
CREATE TABLE ABGroupMembers (UID INTEGER PRIMARY KEY, group_id INTEGER, member_type INTEGER,
  member_id INTEGER, UNIQUE(group_id, member_type, member_id));
CREATE INDEX ABMultiValueRecordIDIndex ON ABMultiValue(record_id);
"""

_NOT_LEGACY = frozenset({"Nickname", "CreationDate", "ModificationDate", "DisplayName"})

_LABELS = "CREATE TABLE ABMultiValueLabel (value TEXT, UNIQUE(value));\n"

#: ABMultiValue.property codes (iLEAPP ``addressBook``).
PHONE, EMAIL, ADDRESS, URL = 3, 4, 5, 22

#: Apple's built-in labels as stored in ABMultiValueLabel.
MOBILE, HOME, WORK, HOMEPAGE = "_$!<Mobile>!$_", "_$!<Home>!$_", "_$!<Work>!$_", "_$!<HomePage>!$_"


def write(path: Path, people: Rows, values: Rows = (), *, legacy: bool = False) -> None:
    """Write AddressBook.sqlitedb.

    ``people``: ABPerson column dicts (``ROWID``, ``First``, ``Last``, ``Organization``,
    ``CreationDate``/``ModificationDate`` in Cocoa seconds...). ``values``: ABMultiValue dicts
    (``record_id``, ``property`` e.g. ``EMAIL``, ``value``, optional ``UID``) whose ``label`` is
    the label *text* (e.g. ``MOBILE``); the builder stores it in ABMultiValueLabel and writes its
    row id, as Contacts does. With ``legacy`` the label ids are written without the label table.
    """
    labels: dict[str, int] = {}
    value_rows: list[dict[str, Any]] = []
    for index, v in enumerate(values, start=1):
        row: dict[str, Any] = {"UID": index, "identifier": index - 1, **v}
        text = row.pop("label", None)
        if isinstance(text, str):
            row["label"] = labels.setdefault(text, len(labels) + 1)
        value_rows.append(row)
    person_rows = [{"StoreID": 0, "Kind": 0, **p} for p in people]
    if legacy:  # columns the older table lacks are dropped, not an error
        person_rows = [{k: v for k, v in p.items() if k not in _NOT_LEGACY} for p in person_rows]
    schema = (_PERSON_LEGACY if legacy else _PERSON) + _COMMON + ("" if legacy else _LABELS)
    tables: dict[str, Rows] = {
        "_SqliteDatabaseProperties": [{"key": "__ABVersion__", "value": "75"}],
        "ABStore": [{"ROWID": 0, "Name": "Local", "Type": 0}],
        "ABPerson": person_rows,
        "ABMultiValue": value_rows,
    }
    if not legacy:
        tables["ABMultiValueLabel"] = [{"rowid": i, "value": t} for t, i in labels.items()]
    write_sqlite(path, schema, tables)

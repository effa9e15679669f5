"""Chrome for iOS ``History`` in Chromium's schema (tables and columns as Chromium creates them)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tracehound.demo.sqlite_util import Rows, write_sqlite

_COMMON = """
CREATE TABLE meta(key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR);
CREATE TABLE urls(id INTEGER PRIMARY KEY AUTOINCREMENT,url LONGVARCHAR,title LONGVARCHAR,
  visit_count INTEGER DEFAULT 0 NOT NULL,typed_count INTEGER DEFAULT 0 NOT NULL,
  last_visit_time INTEGER NOT NULL,hidden INTEGER DEFAULT 0 NOT NULL);
CREATE TABLE visit_source(id INTEGER PRIMARY KEY,source INTEGER NOT NULL);
CREATE TABLE keyword_search_terms (keyword_id INTEGER NOT NULL,url_id INTEGER NOT NULL,
  term LONGVARCHAR NOT NULL,normalized_term LONGVARCHAR NOT NULL);
CREATE TABLE segments (id INTEGER PRIMARY KEY,name VARCHAR,url_id INTEGER NON NULL);
CREATE TABLE segment_usage (id INTEGER PRIMARY KEY,segment_id INTEGER NOT NULL,
  time_slot INTEGER NOT NULL,visit_count INTEGER DEFAULT 0 NOT NULL);
CREATE TABLE typed_url_sync_metadata (storage_key INTEGER PRIMARY KEY NOT NULL,value BLOB);
CREATE INDEX urls_url_index ON urls (url);
CREATE INDEX visits_url_index ON visits (url);
CREATE INDEX visits_from_index ON visits (from_visit);
CREATE INDEX visits_time_index ON visits (visit_time);
"""

#: The visits table of current Chromium releases.
VISITS = """
CREATE TABLE visits(id INTEGER PRIMARY KEY AUTOINCREMENT,url INTEGER NOT NULL,
  visit_time INTEGER NOT NULL,from_visit INTEGER,external_referrer_url TEXT,
  transition INTEGER DEFAULT 0 NOT NULL,segment_id INTEGER,
  visit_duration INTEGER DEFAULT 0 NOT NULL,
  incremented_omnibox_typed_score BOOLEAN DEFAULT FALSE NOT NULL,opener_visit INTEGER,
  originator_cache_guid TEXT,originator_visit_id INTEGER,originator_from_visit INTEGER,
  originator_opener_visit INTEGER,is_known_to_sync BOOLEAN DEFAULT FALSE NOT NULL,
  consider_for_ntp_most_visited BOOLEAN DEFAULT FALSE NOT NULL,
  visited_link_id INTEGER DEFAULT 0 NOT NULL,app_id TEXT);
"""

#: The visits table of about 2019 Chromium releases (no external referrer or opener columns).
VISITS_2019 = """
CREATE TABLE visits(id INTEGER PRIMARY KEY,url INTEGER NOT NULL,visit_time INTEGER NOT NULL,
  from_visit INTEGER,transition INTEGER DEFAULT 0 NOT NULL,segment_id INTEGER,
  visit_duration INTEGER DEFAULT 0 NOT NULL,
  incremented_omnibox_typed_score BOOLEAN DEFAULT FALSE NOT NULL);
"""

#: Transition values (``ui::PageTransition``): core type in the low byte, qualifiers above.
LINK = 0
TYPED = 1
CHAIN_START = 0x10000000
CHAIN_END = 0x20000000
CLIENT_REDIRECT = 0x40000000
SERVER_REDIRECT = 0x80000000


def signed(transition: int) -> int:
    """A PageTransition as Chromium stores it: a signed 32-bit integer."""
    transition &= 0xFFFFFFFF
    return transition - (1 << 32) if transition & 0x80000000 else transition


def write(path: Path, urls: Rows, visits: Rows, *, old_schema: bool = False) -> None:
    """Write History.

    ``urls`` are dicts of urls columns (``id``, ``url``, ``title``...; ``last_visit_time``
    defaults to the latest visit); ``visits`` dicts of visits columns (``id``, ``url``,
    ``visit_time`` in WebKit microseconds, ``from_visit``, ``transition`` (use ``signed()`` for
    redirect qualifiers), ``visit_duration``...). ``old_schema`` writes the 2019 visits table.
    """
    counts = Counter(v.get("url") for v in visits)
    last: dict[object, int] = {}
    for v in visits:
        time = v.get("visit_time")
        if isinstance(time, int):
            last[v.get("url")] = max(time, last.get(v.get("url"), 0))
    url_rows = [
        {
            "visit_count": counts.get(u.get("id"), 0),
            "last_visit_time": last.get(u.get("id"), 0),
            **u,
        }
        for u in urls
    ]
    meta = [
        {"key": "mmap_status", "value": "-1"},
        {"key": "version", "value": "43" if old_schema else "69"},
        {"key": "last_compatible_version", "value": "16"},
    ]
    schema = (VISITS_2019 if old_schema else VISITS) + _COMMON
    write_sqlite(path, schema, {"meta": meta, "urls": url_rows, "visits": list(visits)})

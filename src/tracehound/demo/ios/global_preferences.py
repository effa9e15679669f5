""".GlobalPreferences.plist of the mobile user (language, locale, keyboards, Lockdown Mode).

Facts: MVT ``GlobalPreferences`` (backup id 0dc926a1... = HomeDomain-Library/Preferences/
.GlobalPreferences.plist; key ``LDMGlobalEnabled`` is the Lockdown Mode switch). A binary plist
written by cfprefsd; the other keys below are the usual iOS locale keys.
"""

from __future__ import annotations

import plistlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DOMAIN = "HomeDomain"
RELATIVE_PATH = "Library/Preferences/.GlobalPreferences.plist"

DEFAULTS: dict[str, Any] = {
    "AppleLanguages": ["en-US"],
    "AppleLocale": "en_US",
    "AppleKeyboards": ["en_US@sw=QWERTY;hw=Automatic", "emoji@sw=Emoji"],
    "AppleKeyboardsExpanded": 1,
    "AppleLanguagesDidMigrate": "20F66",
    "AppleLanguagesSchemaVersion": 3000,
    "AppleICUForce24HourTime": False,
    "NSInterfaceStyle": "macintosh",
}


def write(
    path: Path, values: Mapping[str, Any] | None = None, *, lockdown: bool | None = None
) -> None:
    """Write the plist: :data:`DEFAULTS` updated with ``values`` (None removes a key).

    ``lockdown`` sets ``LDMGlobalEnabled`` (absent when None).
    """
    data = dict(DEFAULTS)
    if lockdown is not None:
        data["LDMGlobalEnabled"] = lockdown
    for key, value in (values or {}).items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(plistlib.dumps(data, fmt=plistlib.FMT_BINARY))

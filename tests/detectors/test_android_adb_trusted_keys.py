from __future__ import annotations

import base64

from tracehound.core.records import Provenance
from tracehound.core.registry import Severity
from tracehound.detectors.android_adb_trusted_keys import AdbTrustedKeys
from tracehound.parsers.android.dumpsys_adb import AdbKey, fingerprint

PROV = Provenance(source="androidqf", path="androidqf:dumpsys.txt", sha256=None,
                  parser="android.dumpsys_adb", parser_version="1")  # fmt: skip
KEY = base64.b64encode(bytes(range(256))).decode()


def test_each_key_once_low() -> None:
    det = AdbTrustedKeys()
    user = AdbKey(ts=None, user="mallory@laptop", fingerprint=fingerprint(KEY), key=KEY,
                  source="user_keys")  # fmt: skip
    again = AdbKey(ts=None, user="mallory@laptop", fingerprint=fingerprint(KEY), key=KEY,
                   source="keystore")  # fmt: skip
    findings = [f for r in (user, again) for f in det.feed(r, PROV)]
    assert [(f.severity, f.value) for f in findings] == [(Severity.LOW, fingerprint(KEY))]
    assert findings[0].message.startswith("mallory@laptop (key ")

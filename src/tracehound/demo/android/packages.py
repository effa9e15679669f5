"""androidqf packages.json: one object per package, in the field order of androidqf's Go structs.

Facts: androidqf ``adb/packages.go`` (``Package``: name, files, installer, uid, disabled, system,
third_party; ``PackageFile``: path, local_name, md5, sha1, sha256, sha512, error,
verified_certificate, certificate, certificate_error, trusted_certificate) and apkverifier's
``CertInfo`` (keys Md5, Sha1, Sha256, ValidFrom, ValidTo, Issuer, Subject, SignatureAlgorithm,
SerialNumber); example values as in MVT's ``tests/artifacts/androidqf/packages.json``. APK paths
of user apps look like ``/data/app/~~<random>==/<package>-<random>==/base.apk`` (Android 11+).
Hashes not given are derived from the package name, so the output is deterministic.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from tracehound.demo.android._go import go_json

PLAY_STORE = "com.android.vending"
BROWSER_INSTALLER = "com.google.android.packageinstaller"
NO_INSTALLER = "null"  # what pm prints when no installer is recorded (adb install, preloads)


def _digest(seed: str, algo: str) -> str:
    return hashlib.new(algo, seed.encode("utf-8")).hexdigest()


def _token(seed: str) -> str:
    raw = hashlib.sha256(seed.encode("utf-8")).digest()[:16]
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def certificate(
    signer: str,
    *,
    sha1: str | None = None,
    sha256: str | None = None,
    md5: str | None = None,
    valid_from: datetime = datetime(2019, 3, 1, 10, 0, 0, tzinfo=UTC),
) -> dict[str, Any]:
    """An apkverifier CertInfo for ``signer`` (a subject such as "CN=Example, O=Example")."""
    until = valid_from + timedelta(days=25 * 365)
    return {
        "Md5": (md5 or _digest("cert:" + signer, "md5")).lower(),
        "Sha1": (sha1 or _digest("cert:" + signer, "sha1")).lower(),
        "Sha256": (sha256 or _digest("cert:" + signer, "sha256")).lower(),
        "ValidFrom": valid_from.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ValidTo": until.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Issuer": signer,
        "Subject": signer,
        "SignatureAlgorithm": "SHA256-RSA",
        "SerialNumber": int(_digest("serial:" + signer, "md5")[:12], 16),
    }


def package(
    name: str,
    *,
    installer: str = PLAY_STORE,
    uid: int = 10150,
    system: bool = False,
    disabled: bool = False,
    path: str | None = None,
    apk_sha256: str | None = None,
    signer: str | None = None,
    cert_sha1: str | None = None,
    cert_sha256: str | None = None,
    trusted: bool = False,
) -> dict[str, Any]:
    """One packages.json entry with one APK; unset hashes are derived from ``name``."""
    if path is None:
        if system:
            short = name.rsplit(".", 1)[-1].capitalize()
            path = f"/system/app/{short}/{short}.apk"
        else:
            path = f"/data/app/~~{_token('a' + name)}==/{name}-{_token('b' + name)}==/base.apk"
    seed = "apk:" + name
    apk = {
        "path": path,
        "local_name": "",
        "md5": _digest(seed, "md5"),
        "sha1": _digest(seed, "sha1"),
        "sha256": (apk_sha256 or _digest(seed, "sha256")).lower(),
        "sha512": _digest(seed, "sha512"),
        "error": "",
        "verified_certificate": True,
        "certificate": certificate(
            signer or f"C=US, O={name}, CN={name}", sha1=cert_sha1, sha256=cert_sha256
        ),
        "certificate_error": "",
        "trusted_certificate": trusted,
    }
    return {
        "name": name,
        "files": [apk],
        "installer": installer,
        "uid": uid,
        "disabled": disabled,
        "system": system,
        "third_party": not system,
    }


def render(packages: Iterable[dict[str, Any]]) -> bytes:
    """packages.json bytes for ``packages`` (dicts from ``package()`` or hand-made)."""
    return go_json(list(packages))

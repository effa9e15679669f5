"""Installed packages from androidqf's packages.json: installer, flags, APK and certificate hashes.

Facts: androidqf ``adb/packages.go`` (``Package``/``PackageFile`` structs) fills one object per
line of ``pm list packages -U -u -i``: ``name``, ``installer`` (the installer package; ``pm``
prints ``null`` when none is recorded, androidqf writes ``""`` when the phone does not support
``-i``), ``uid``, ``disabled``/``system``/``third_party`` (from ``pm list packages -d/-s/-3``), and
``files``: one per ``pm path`` entry with ``path``, ``local_name``, ``md5``/``sha1``/``sha256``/
``sha512``, ``error``, ``verified_certificate``, ``certificate`` (apkverifier ``CertInfo`` with Go
field names as keys: ``Md5``, ``Sha1``, ``Sha256``, ``ValidFrom``, ``ValidTo``, ``Issuer``,
``Subject``, ``SignatureAlgorithm``, ``SerialNumber``), ``certificate_error`` and
``trusted_certificate``. Recent versions add ``user_id`` and ``installed`` (per Android user).
MVT ``AQFPackages`` matches app ids on ``name``, file hashes on each ``sha256`` and certificate
hashes on ``Md5``/``Sha1``/``Sha256``. packages.json holds no install time, so ``ts`` is None.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.records import AppId, CertHash, DevicePath, FileHash, Record
from tracehound.core.registry import artifact
from tracehound.parsers.android._aqf import bool_or_none, int_or_none, json_items, text_or_none

#: Go's zero time: apkverifier leaves it in ValidFrom/ValidTo when no certificate was read.
_GO_ZERO_YEAR = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Package(Record):
    """One package (per Android user in recent androidqf) with its APK files and signers."""

    TYPE = "android.packages"
    TS_DESC = "No time (installed package)"

    name: AppId
    installer: str | None  # as written: "null" = no installer recorded; None = unknown
    uid: int | None
    user_id: int | None
    disabled: bool | None
    system: bool | None
    third_party: bool | None
    installed: bool | None
    apk_paths: tuple[DevicePath, ...]
    apk_md5: tuple[FileHash, ...]
    apk_sha1: tuple[FileHash, ...]
    apk_sha256: tuple[FileHash, ...]
    apk_sha512: tuple[FileHash, ...]
    cert_md5: tuple[CertHash, ...]
    cert_sha1: tuple[CertHash, ...]
    cert_sha256: tuple[CertHash, ...]
    cert_subjects: tuple[str, ...]
    cert_valid_from: tuple[datetime, ...]
    trusted_certificate: bool | None  # every pulled APK signed by a certificate androidqf trusts


def _add(values: list[str], value: Any) -> None:
    text = text_or_none(value)
    text = text.strip() if text is not None else None
    if text and text not in values:
        values.append(text)


def _go_time(value: Any, ctx: ParseContext, row: int) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        ctx.warn(f"certificate ValidFrom is not a time: {value[:80]!r}", row)
        return None
    if parsed.year == _GO_ZERO_YEAR:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _files(files: Any, ctx: ParseContext, row: int) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {k: [] for k in ("path", "md5", "sha1", "sha256", "sha512")}
    out.update({k: [] for k in ("Md5", "Sha1", "Sha256", "Subject", "ValidFrom", "trusted")})
    if files is None:
        return out
    if not isinstance(files, list):
        ctx.warn(f"files is not a list: {str(files)[:80]!r}", row)
        return out
    for item in files:
        if not isinstance(item, dict):
            ctx.warn(f"file entry is not an object: {str(item)[:80]!r}", row)
            continue
        for key in ("path", "md5", "sha1", "sha256", "sha512"):
            _add(out[key], item.get(key))
        cert = item.get("certificate")
        if isinstance(cert, dict):
            for key in ("Md5", "Sha1", "Sha256", "Subject"):
                _add(out[key], cert.get(key))
            valid_from = _go_time(cert.get("ValidFrom"), ctx, row)
            if valid_from is not None and valid_from not in out["ValidFrom"]:
                out["ValidFrom"].append(valid_from)
        if isinstance(item.get("trusted_certificate"), bool) and text_or_none(item.get("sha256")):
            out["trusted"].append(item["trusted_certificate"])
    return out


@artifact(record=Package, input="json", paths=("androidqf:packages.json",))
def parse(data: Any, ctx: ParseContext) -> Iterator[Package]:
    """Installed packages: installer, system/disabled flags, APK hashes and signing certificates."""
    for row, item in enumerate(json_items(data, "packages.json")):
        if not isinstance(item, dict):
            ctx.warn(f"package entry is not an object: {str(item)[:80]!r}", row)
            continue
        name = text_or_none(item.get("name"))
        if name is None:
            ctx.warn("package entry without a name", row)
            continue
        installer = ctx.text(item.get("installer"), row, "installer")
        files = _files(item.get("files"), ctx, row)
        trusted = files["trusted"]
        yield Package(
            ts=None,
            row=row,
            name=name.strip(),
            installer=(installer or "").strip() or None,
            uid=ctx.integer(item.get("uid"), row, "uid"),
            user_id=int_or_none(item.get("user_id")),
            disabled=bool_or_none(item.get("disabled")),
            system=bool_or_none(item.get("system")),
            third_party=bool_or_none(item.get("third_party")),
            installed=bool_or_none(item.get("installed")),
            apk_paths=tuple(files["path"]),
            apk_md5=tuple(files["md5"]),
            apk_sha1=tuple(files["sha1"]),
            apk_sha256=tuple(files["sha256"]),
            apk_sha512=tuple(files["sha512"]),
            cert_md5=tuple(files["Md5"]),
            cert_sha1=tuple(files["Sha1"]),
            cert_sha256=tuple(files["Sha256"]),
            cert_subjects=tuple(files["Subject"]),
            cert_valid_from=tuple(files["ValidFrom"]),
            trusted_certificate=all(trusted) if trusted else None,
        )

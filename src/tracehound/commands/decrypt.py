"""``tracehound decrypt BACKUP DEST``: write a decrypted copy of an encrypted iOS backup.

The copy has the layout of an unencrypted backup, so other tools (and ``tracehound check``) read
it as one:

- every regular file listed in Manifest.db, decrypted, at ``<xx>/<fileID>`` (folders and links
  have no stored file; files missing from the backup stay missing and are counted);
- ``Manifest.db``: the decrypted file index, byte for byte (its ``file`` blobs keep their
  ``EncryptionKey`` entries: they are wrapped keys, useless without the password or key);
- ``Manifest.plist`` with ``IsEncrypted`` false and without ``BackupKeyBag`` and ``ManifestKey``
  (every other key kept: Lockdown, Applications, dates...);
- ``Info.plist`` and ``Status.plist`` copied unchanged (they are not encrypted).

DEST must be a new or empty folder outside the backup; it is created with mode 0700 because it
holds the plaintext. A file that does not decrypt is named and left out; the exit code is then 2.
"""

from __future__ import annotations

import plistlib
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from tracehound.cli_options import make_source_options, password_options
from tracehound.commands.ios_input import ios_backup_root
from tracehound.core.errors import EXIT_INTERRUPTED, EXIT_NOT_RUN, InputError, TracehoundError
from tracehound.reports.text import counted, printable
from tracehound.sources.ios_backup import IOSBackup
from tracehound.store.results import make_private

COPIED = ("Info.plist", "Status.plist")
DROPPED_KEYS = ("BackupKeyBag", "ManifestKey")


@dataclass
class DecryptResult:
    """What ``write_decrypted`` did."""

    files: int = 0
    missing: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def check_destination(dest: Path, root: Path) -> None:
    """Refuse a DEST inside the backup, or one that already holds something."""
    target, backup = dest.resolve(), root.resolve()
    if target == backup or target.is_relative_to(backup):
        raise TracehoundError(f"{dest}: the decrypted copy must not be written inside the backup")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise TracehoundError(f"{dest}: not an empty folder; choose a new one")


def write_decrypted(source: IOSBackup, dest: Path) -> DecryptResult:
    """Decrypt every file of ``source`` (an unlocked encrypted backup) into ``dest``."""
    result = DecryptResult()
    dest.mkdir(mode=0o700, parents=True, exist_ok=True)
    for file_id, blob in source.manifest_files():
        if file_id.isalnum() and not (source.root / file_id[:2] / file_id).exists():
            result.missing.append(file_id)
            continue
        try:
            stored = source.stored_file(file_id, file_id)
        except InputError as exc:
            result.failed.append(str(exc))
            continue
        folder = dest / file_id[:2]
        folder.mkdir(exist_ok=True)
        try:
            source.decrypt_to(file_id, blob, stored, folder / file_id)
        except (InputError, OSError) as exc:
            result.failed.append(f"{file_id[:2]}/{file_id}: {exc}")
            continue
        result.files += 1
    shutil.copyfile(source.manifest_db, dest / "Manifest.db")
    manifest = {k: v for k, v in (source.manifest_plist or {}).items() if k not in DROPPED_KEYS}
    manifest["IsEncrypted"] = False
    (dest / "Manifest.plist").write_bytes(plistlib.dumps(manifest, fmt=plistlib.FMT_BINARY))
    for name in COPIED:
        if (source.root / name).is_file():
            shutil.copyfile(source.root / name, dest / name)
    # The copy is the phone's content in clear: owner-only, like a results folder.
    make_private(dest)
    return result


def decrypt_backup(backup: Path, dest: Path, **source_args: Any) -> DecryptResult:
    """Open, unlock and decrypt ``backup`` into ``dest`` (raises TracehoundError)."""
    root = ios_backup_root(backup, "decrypt")
    options = make_source_options(**source_args)
    check_destination(dest, root)
    source = IOSBackup(root, options)
    try:
        if source.keys is None:
            raise TracehoundError(f"{root}: this backup is not encrypted; nothing to decrypt")
        return write_decrypted(source, dest)
    finally:
        source.close()


@click.command(name="decrypt")
@click.argument("backup", type=click.Path(path_type=Path))
@click.argument("dest", type=click.Path(path_type=Path))
@password_options
def decrypt(backup: Path, dest: Path, **source_args: Any) -> None:
    """Write a decrypted copy of an encrypted iOS backup into DEST (new or empty folder).

    The copy is laid out like an unencrypted backup (Manifest.db, <xx>/<fileID> files,
    Manifest.plist with IsEncrypted false), for tools that cannot decrypt. Exit code 2 when a
    file could not be decrypted.
    """
    try:
        result = decrypt_backup(backup, dest, **source_args)
    except TracehoundError as exc:
        click.echo(f"error: {printable(str(exc))}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo(f"interrupted: {dest} is incomplete; delete it", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except OSError as exc:
        click.echo(f"error: cannot write {dest}: {printable(str(exc))}", err=True)
        sys.exit(EXIT_NOT_RUN)
    click.echo(f"Decrypted {counted(result.files, 'file')} into {printable(str(dest))}")
    if result.missing:
        missing = counted(len(result.missing), "file")
        click.echo(f"Not in the backup: {missing} listed in Manifest.db", err=True)
    for line in result.failed[:20]:
        click.echo(f"not decrypted: {printable(line)}", err=True)
    if len(result.failed) > 20:
        click.echo(f"... and {len(result.failed) - 20} more not decrypted", err=True)
    sys.exit(2 if result.failed else 0)


COMMAND = decrypt

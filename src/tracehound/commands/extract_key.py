"""``tracehound extract-key BACKUP``: print an encrypted iOS backup's key.

The key is the one derived from the password (PBKDF2 rounds set by the backup's keybag, see
sources/ios_crypto.py); it unwraps the backup's class keys, so with ``--key-file`` later runs skip
the password and its slow derivation. It is the same key MVT's ``extract-key`` prints.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from tracehound.cli_options import make_source_options, password_options
from tracehound.commands.ios_input import ios_backup_root
from tracehound.core.errors import EXIT_INTERRUPTED, TracehoundError
from tracehound.reports.text import printable
from tracehound.sources.ios_backup import read_plist, unlock_keybag


def backup_key(path: Path, **source_args: Any) -> bytes:
    """The backup key of the encrypted backup at ``path`` (raises TracehoundError)."""
    root = ios_backup_root(path, "extract-key")
    options = make_source_options(**source_args)
    manifest = read_plist(root / "Manifest.plist") or {}
    if manifest.get("IsEncrypted") is not True:
        raise TracehoundError(f"{root}: this backup is not encrypted; it has no key")
    return unlock_keybag(root, manifest, options).key


@click.command(name="extract-key")
@click.argument("backup", type=click.Path(path_type=Path))
@password_options
def extract_key(backup: Path, **source_args: Any) -> None:
    """Print an encrypted iOS backup's key (hex) for later use with --key-file.

    Only the key is written to standard output, so it can be redirected to a file. Keep it as
    safe as the password: it decrypts the backup.
    """
    try:
        key = backup_key(backup, **source_args)
    except TracehoundError as exc:
        click.echo(f"error: {printable(str(exc))}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    click.echo(key.hex())
    click.echo(
        "This key decrypts the backup without its password (--key-file); keep it as safe.",
        err=True,
    )


COMMAND = extract_key

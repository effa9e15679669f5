"""Command-line options shared by the commands that open an acquisition.

Secrets never appear in run.json or the command line recorded there when they come from a file,
the environment or the prompt; ``--password`` on the command line is allowed for scripts but
documented as visible to other local users.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from tracehound.core.errors import TracehoundError
from tracehound.core.timeutil import known_zone
from tracehound.sources.base import SourceOptions

ENV_PASSWORD = "TRACEHOUND_BACKUP_PASSWORD"  # noqa: S105 - the variable's name, not a secret
F = TypeVar("F", bound=Callable[..., Any])


_PASSWORD_OPTIONS = (
    click.option(
        "--password",
        help="Backup password (visible to other local users; prefer --password-file, "
        f"${ENV_PASSWORD} or the prompt).",
    ),
    click.option(
        "--password-file",
        type=click.Path(path_type=Path, dir_okay=False),
        help="File whose first line is the backup password (a UTF-8 BOM and the line ending "
        "are dropped, spaces are kept).",
    ),
    click.option(
        "--key-file",
        type=click.Path(path_type=Path, dir_okay=False),
        help="File with the key printed by 'tracehound extract-key' (instead of a password).",
    ),
)
_ANDROID_OPTIONS = (
    click.option(
        "--age-identity",
        type=click.Path(path_type=Path, dir_okay=False),
        help="age identity (private key) file, for an androidqf .zip.age acquisition.",
    ),
    click.option(
        "--timezone",
        help="Device time zone (IANA name, e.g. Europe/Rome) for device-local times; "
        "default: read from the acquisition.",
    ),
)


def _decorate(func: F, decorators: tuple[Callable[[F], F], ...]) -> F:
    for decorate in reversed(decorators):
        func = decorate(func)
    return func


_IOC_OPTIONS: tuple[Callable[[Any], Any], ...] = (
    click.option(
        "--iocs",
        "ioc_paths",
        multiple=True,
        type=click.Path(path_type=Path),
        help="Extra STIX2 file or folder of them (repeatable). Also: $TRACEHOUND_IOCS.",
    ),
    click.option(
        "--no-bundled-iocs",
        is_flag=True,
        help="Do not load the default indicator set (downloaded, else bundled).",
    ),
)


def ioc_options(func: F) -> F:
    """Add --iocs and --no-bundled-iocs (``check`` and ``hunt`` load indicators alike)."""
    return _decorate(func, _IOC_OPTIONS)


def source_options(func: F) -> F:
    """Add --password, --password-file, --key-file, --age-identity and --timezone."""
    return _decorate(func, (*_PASSWORD_OPTIONS, *_ANDROID_OPTIONS))


def password_options(func: F) -> F:
    """Add --password, --password-file and --key-file only: for the commands that read iOS
    backups alone (decrypt, extract-key), where an age identity or a time zone does nothing."""
    return _decorate(func, _PASSWORD_OPTIONS)


def _first_line(path: Path, what: str) -> str:
    """The first line of a secret file, without its line ending and without the UTF-8 byte
    order mark that Windows Notepad writes; any other character (spaces included) is part of
    the secret, so nothing else is stripped."""
    try:
        text = path.read_text("utf-8-sig")  # decodes and drops a leading BOM
    except (OSError, UnicodeDecodeError) as exc:
        raise TracehoundError(f"{path}: cannot read the {what}: {exc}") from exc
    # Only "\n" or "\r\n" end the line: str.splitlines() would also cut at \x0b, \x0c,
    # \x1c-\x1e, \x85, U+2028 and U+2029, which can be part of a password.
    line = text.split("\n", 1)[0].removesuffix("\r")
    if not line:
        raise TracehoundError(f"{path}: the {what} file is empty")
    return line


def _prompt() -> str:
    return str(click.prompt("Backup password", hide_input=True, err=True))


def make_source_options(
    password: str | None = None,
    password_file: Path | None = None,
    key_file: Path | None = None,
    age_identity: Path | None = None,
    timezone: str | None = None,
) -> SourceOptions:
    """Build SourceOptions from the command line, the environment and the terminal."""
    if password is None and password_file is not None:
        password = _first_line(password_file, "password")
    if password is None:
        password = os.environ.get(ENV_PASSWORD) or None
    key: bytes | None = None
    if key_file is not None:
        text = _first_line(key_file, "key").strip()
        try:
            key = bytes.fromhex(text)
        except ValueError:
            raise TracehoundError(f"{key_file}: the key must be hexadecimal digits") from None
    if age_identity is not None and not age_identity.is_file():
        raise TracehoundError(f"{age_identity}: age identity file not found")
    if timezone is not None and not known_zone(timezone):
        raise TracehoundError(f"--timezone {timezone}: not a known IANA time zone name")
    prompt = _prompt if password is None and key is None and sys.stdin.isatty() else None
    return SourceOptions(
        password=password,
        key=key,
        password_prompt=prompt,
        age_identity=age_identity,
        timezone=timezone,
    )


#: Options whose value is itself a secret: run.json and the report record that they were
#: given, never what was given. (File options name a file, which is not secret.)
SECRET_OPTIONS = ("--password",)
REDACTED = "<redacted>"


def redact_argv(argv: list[str]) -> list[str]:
    """The command line with the value of every secret option replaced by ``<redacted>``, in
    both spellings (``--password PW`` and ``--password=PW``), and anything after ``--``
    kept."""
    out: list[str] = []
    hide_next = False
    for arg in argv:
        if hide_next:
            out.append(REDACTED)
            hide_next = False
        elif arg in SECRET_OPTIONS:
            out.append(arg)
            hide_next = True
        elif arg.startswith(tuple(f"{name}=" for name in SECRET_OPTIONS)):
            out.append(arg.split("=", 1)[0] + "=" + REDACTED)
        else:
            out.append(arg)
    return out


def secret_sources(
    options: SourceOptions,
    password: str | None = None,
    password_file: Path | None = None,
    key_file: Path | None = None,
    age_identity: Path | None = None,
    **_: Any,
) -> dict[str, str]:
    """How each secret was given (for run.json), never its value: e.g.
    ``{"password": "--password-file", "age_identity": "--age-identity"}``."""
    given: dict[str, str] = {}
    how = None
    if password is not None:
        how = "--password"
    elif password_file is not None:
        how = "--password-file"
    elif options.password is not None:
        how = f"${ENV_PASSWORD}"
    elif options.password_prompt is not None:
        how = "prompt (if the acquisition asked for one)"
    if how is not None:
        given["password"] = how
    if key_file is not None:
        given["key"] = "--key-file"
    if age_identity is not None:
        given["age_identity"] = "--age-identity"
    return given

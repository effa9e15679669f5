"""The results folder on disk: checked before anything is read, written privately under a
staging name, published whole at the end.

A results folder holds message bodies, contacts and web history of a person at risk, so it is
created owner-only (folders 0700, files 0600) whatever the umask. It is written under a hidden
staging name beside its final place (``.NAME.partial-XXXX``, made by ``mkdtemp``, so 0700 from
the start) and renamed into place in one ``rename(2)`` when every file is written: a run that
stops at any moment (an error, Ctrl-C, SIGTERM, a crash) leaves no result file under the final
name, only a staging folder that ``discard`` removes, or that a crash leaves hidden and marked
partial.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

from tracehound.core.errors import TracehoundError

FOLDER_MODE = 0o700
FILE_MODE = 0o600
STAGING_MARK = ".partial-"


class OutputError(TracehoundError):
    """The output folder cannot be used; the message is one line saying why."""


def _show(path: Path) -> str:
    """A path for a message, even when its name is not valid UTF-8."""
    return os.fsdecode(path).encode("utf-8", "backslashreplace").decode("utf-8")


def check_output(output: Path, evidence: list[Path]) -> Path:
    """The absolute output folder, or OutputError with the reason it cannot be used.

    Refused: a name that is not valid UTF-8 (every file of the results names it, and JSON
    cannot hold it), an existing file, an existing folder that is not empty, a place inside any
    of ``evidence`` (the acquisition is read-only), and a parent that cannot be written.
    """
    require_utf8(output, "the output folder's name")
    for root in evidence:
        require_utf8(root, "the acquisition's path")
    out = Path(os.path.abspath(output))
    for root in evidence:
        base = Path(os.path.abspath(root))
        if out == base or out.is_relative_to(base) or out.resolve().is_relative_to(base.resolve()):
            raise OutputError(
                f"{_show(output)}: the output folder must not be inside the acquisition"
            )
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise OutputError(
            f"{_show(output)}: exists and is not a folder; choose a new output folder"
        )
    if out.is_dir():
        try:
            empty = not any(out.iterdir())
        except OSError as exc:
            raise OutputError(f"{_show(output)}: cannot be read: {exc.strerror}") from None
        if not empty:
            raise OutputError(
                f"{_show(output)}: exists and is not empty; choose a new output folder"
            )
    parent = _existing_parent(out)
    if not parent.is_dir():
        raise OutputError(f"{_show(output)}: {_show(parent)} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(
            f"{_show(output)}: cannot create the results folder there: "
            f"{_show(parent)} is not writable"
        )
    return out


def require_utf8(path: Path, what: str) -> None:
    """Refuse a path that is not valid UTF-8: run.json, the report and the timeline name it, and
    JSON cannot hold such a name; renaming it (or linking to it) is the user's one-line fix."""
    try:
        os.fsencode(path).decode("utf-8")
    except UnicodeDecodeError:
        raise OutputError(
            f"{_show(path)}: {what} is not valid UTF-8; rename it or give a link with a UTF-8 name"
        ) from None


def _existing_parent(path: Path) -> Path:
    for parent in path.parents:
        if parent.exists():
            return parent
    return Path(path.anchor)


class ResultsStaging:
    """A private folder where one run writes its results, published in one rename."""

    def __init__(self, output: Path) -> None:
        self.output = output
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            self.path = Path(
                tempfile.mkdtemp(prefix=f".{output.name}{STAGING_MARK}", dir=output.parent)
            )
        except OSError as exc:
            raise OutputError(
                f"{_show(output)}: cannot create the results folder: {exc.strerror or exc}"
            ) from None
        self.published = False

    def publish(self) -> Path:
        """Make every file owner-only and move the folder to its final name."""
        make_private(self.path)
        try:
            # rename(2) replaces an empty folder and fails on anything else, so a folder that
            # somebody filled during the run is never merged into.
            os.rename(self.path, self.output)
        except OSError as exc:
            reason = (
                "it was created and filled during the run"
                if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR)
                else exc.strerror or str(exc)
            )
            raise OutputError(
                f"{_show(self.output)}: the results could not be moved into place ({reason}); "
                f"they are complete in {_show(self.path)}"
            ) from None
        self.published = True
        return self.output

    def discard(self) -> None:
        """Remove the staging folder (a stopped run publishes nothing)."""
        if not self.published:
            shutil.rmtree(self.path, ignore_errors=True)


def make_private(folder: Path) -> None:
    """Folders 0700 and files 0600 under ``folder`` (links are not followed)."""
    os.chmod(folder, FOLDER_MODE)
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            os.chmod(os.path.join(root, name), FOLDER_MODE, follow_symlinks=False)
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                os.chmod(path, FILE_MODE)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a private sibling renamed into place, so the file is
    0600 from its first byte and a reader never sees it half written."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

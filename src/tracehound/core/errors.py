"""Errors with messages meant for the analyst, each tied to an exit code."""

from __future__ import annotations

# Exit codes are a bit set, as fsck(8) and smartctl(8) use, so that no condition hides another:
# a script testing ``code & DETECTED`` never misses an infected phone whose acquisition was also
# incomplete.
EXIT_CLEAN = 0  # the run completed and nothing was detected
EXIT_DETECTED = 1  # an indicator matched, or a heuristic of severity high or critical fired
EXIT_INCOMPLETE = 2  # some input was missing, damaged or unreadable, or the evidence changed
EXIT_NOT_RUN = 4  # the check could not run at all; nothing was read or written
EXIT_INTERRUPTED = 130  # stopped by Ctrl-C or SIGTERM (128 + SIGINT); no result was published


class TracehoundError(Exception):
    """Base error: the message is shown to the user as is, as one line; the check did not run."""

    exit_code = EXIT_NOT_RUN


class NotAnAcquisition(TracehoundError):
    """The path is not an acquisition tracehound knows; the message says what is missing."""


class EncryptedBackup(TracehoundError):
    """The iOS backup is encrypted and cannot be read without decryption."""


class SchemaMismatch(Exception):
    """An input does not have the tables/columns/keys a parser requires."""


class InputError(Exception):
    """An input file is corrupt or unreadable; the message names the problem."""


class MissingInput(InputError):
    """An input the acquisition's own index lists (Manifest.db, a hash list) is not in it.

    Its artifact's status is ``missing``: distinct from a damaged file (``error``) and from a
    file the phone never had (``not_present``)."""

"""Errors with messages meant for the analyst, each tied to an exit code."""

from __future__ import annotations


class TracehoundError(Exception):
    """Base error: the message is shown to the user as is."""

    exit_code = 2


class NotAnAcquisition(TracehoundError):
    """The path is not an acquisition tracehound knows; the message says what is missing."""


class EncryptedBackup(TracehoundError):
    """The iOS backup is encrypted and cannot be read without decryption."""


class SchemaMismatch(Exception):
    """An input does not have the tables/columns/keys a parser requires."""


class InputError(Exception):
    """An input file is corrupt or unreadable; the message names the problem."""

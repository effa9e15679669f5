"""The context a parser receives: device facts, the file being read, and a warning counter."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tracehound.core.timeutil import as_utc

#: Warnings kept verbatim per input file; the rest are only counted.
MAX_KEPT_WARNINGS = 50


@dataclass
class ParseContext:
    """Passed to every parser call. Parsers report bad rows through ``warn`` and go on."""

    artifact: str
    path: str  # canonical device path of the input being parsed
    device: dict[str, Any] = field(default_factory=dict)
    warnings: int = 0
    messages: list[str] = field(default_factory=list)

    def warn(self, message: str, row: int | None = None) -> None:
        """Count one skipped or damaged value/row; keep the first few messages for the report."""
        self.warnings += 1
        if len(self.messages) < MAX_KEPT_WARNINGS:
            where = f"{self.path}" + (f" row {row}" if row is not None else "")
            self.messages.append(f"{where}: {message}")

    def time(
        self,
        convert: Callable[[Any], datetime | None],
        value: Any,
        row: int | None = None,
        name: str = "timestamp",
        unset: Collection[float] = (),
    ) -> datetime | None:
        """Convert ``value`` with a named converter; a present but invalid value is a warning.

        A datetime (plist NSDate) is taken as UTC; values in ``unset`` (e.g. 0, the "never" of
        sms.db and WebKit) mean no time and are not warnings.
        """
        if value is None:
            return None
        if isinstance(value, datetime):
            return as_utc(value)
        if value in unset and not isinstance(value, bool):
            return None
        result = convert(value)
        if result is None:
            self.warn(f"{name} is not a valid time: {str(value)[:80]!r}", row)
        return result

    def text(self, value: Any, row: int | None = None, name: str = "value") -> str | None:
        """``value`` if it is text or NULL; anything else is a counted warning and None."""
        if value is None or isinstance(value, str):
            return value
        self.warn(f"{name} is not text: {str(value)[:80]!r}", row)
        return None

    def integer(self, value: Any, row: int | None = None, name: str = "value") -> int | None:
        """``value`` if it is an integer or NULL; anything else is a counted warning and None."""
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        self.warn(f"{name} is not an integer: {str(value)[:80]!r}", row)
        return None

    def number(self, value: Any, row: int | None = None, name: str = "value") -> float | None:
        """``value`` as a float if it is a number or NULL; else a counted warning and None."""
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        self.warn(f"{name} is not a number: {str(value)[:80]!r}", row)
        return None

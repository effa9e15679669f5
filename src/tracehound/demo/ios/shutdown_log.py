"""shutdown.log of iOS (``/private/var/db/diagnostics/shutdown.log``; ``shutdown.0.log`` on iOS 26).

Facts: the format shown in MVT PR #196 and parsed by Kaspersky's iShutdown: per shutdown, one or
more ``After X.XXs, these clients are still here:`` headers, each followed by tab-indented
``remaining client pid: N (path)`` lines, then ``SIGTERM: [<Unix seconds>] All buffers
flushed``. iOS 26 (and the Pegasus example in iShutdown's README) append a ``/<UUID>`` component
to client paths. Example infected client: ``/private/var/db/com.apple.xpc.roleaccountd.staging/
mptbd/<UUID>`` (iShutdown README).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

Client = tuple[int, str]  # (pid, path)


@dataclass(frozen=True)
class Reboot:
    """One shutdown: ``steps`` are (seconds after shutdown began, clients still there); ``when``
    is the SIGTERM time, or None for a last block without its SIGTERM line yet."""

    when: datetime | None
    steps: Sequence[tuple[float, Sequence[Client]]]

    @classmethod
    def simple(
        cls, when: datetime | None, clients: Sequence[Client], delays: Sequence[float] = (0.01,)
    ) -> Reboot:
        """A shutdown where the same ``clients`` are listed under every delay header."""
        return cls(when, [(d, clients) for d in delays])


def with_uuid(path: str, seed: str = "") -> str:
    """``path`` with a trailing ``/<UUID>`` component, as iOS 26 logs client paths."""
    return f"{path}/{str(uuid.uuid5(uuid.NAMESPACE_OID, seed or path)).upper()}"


def render(reboots: Sequence[Reboot]) -> str:
    """The log text for ``reboots``, oldest first."""
    lines: list[str] = []
    for reboot in reboots:
        for seconds, clients in reboot.steps:
            lines.append(f"After {seconds:.2f}s, these clients are still here:")
            lines += [f"\t\tremaining client pid: {pid} ({path})" for pid, path in clients]
        if reboot.when is not None:
            lines.append(f"SIGTERM: [{int(reboot.when.timestamp())}] All buffers flushed")
    return "".join(line + "\n" for line in lines)


def write(path: Path, reboots: Sequence[Reboot]) -> None:
    """Write a shutdown log (any of its names: shutdown.log, shutdown.0.log...)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(reboots), encoding="utf-8")

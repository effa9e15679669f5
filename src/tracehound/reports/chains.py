"""The report's drawing of each infection sequence: its steps on a line, with the gaps between.

Read from ``detections.jsonl`` alone (the ``chain`` list that sequence findings carry), one line
at a time, at most ``MAX_CHAINS`` chains of at most ``MAX_STEPS`` steps. Steps are evenly
spaced (gaps range from milliseconds to minutes, so a time scale would stack the fast ones);
each gap is written above its segment. The geometry is inline SVG with presentation attributes
only (no script, no style attribute, nothing loaded), and every text is escaped by the template.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tracehound.detectors.sequences import gap_text
from tracehound.reports.derived import as_dict, as_list, cut, iter_jsonl

MAX_CHAINS = 20
MAX_STEPS = 20
STEP_WIDTH = 150
HEIGHT = 70


@dataclass
class Step:
    number: int
    ts: str
    artifact: str
    what: str
    gap: str  # time since the previous step ("" for the first)
    x: float


@dataclass
class ChainView:
    severity: str
    detector: str
    message: str
    steps: list[Step] = field(default_factory=list)
    hidden: int = 0  # steps beyond MAX_STEPS

    @property
    def width(self) -> int:
        return max(1, len(self.steps)) * STEP_WIDTH

    @property
    def segments(self) -> list[tuple[float, float, str]]:
        """(x1, x2, gap label) between consecutive steps."""
        return [(a.x, b.x, b.gap) for a, b in zip(self.steps, self.steps[1:], strict=False)]


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _view(det: dict[str, Any], limit: int) -> ChainView | None:
    chain = [as_dict(s) for s in as_list(det.get("chain"))]
    if not chain:
        return None
    view = ChainView(
        severity=cut(det.get("severity"), 20),
        detector=cut(det.get("detector"), 80),
        message=cut(det.get("message"), limit * 4),
        hidden=max(0, len(chain) - MAX_STEPS),
    )
    before: datetime | None = None
    for number, step in enumerate(chain[:MAX_STEPS], 1):
        when = _time(step.get("ts"))
        gap = ""
        if when is not None and before is not None:
            gap = gap_text(max(0.0, (when - before).total_seconds()))
        before = when or before
        view.steps.append(
            Step(
                number=number,
                ts=cut(step.get("ts"), 40),
                artifact=cut(step.get("artifact"), 80),
                what=cut(step.get("what"), limit),
                gap=gap,
                x=(number - 0.5) * STEP_WIDTH,
            )
        )
    return view


def read_chains(path: Path, limit: int = 400) -> tuple[list[ChainView], int]:
    """The chains to draw (most severe first) and how many more were left out."""
    found: list[ChainView] = []
    more = 0
    for det in iter_jsonl(path):
        view = _view(det, limit)
        if view is None:
            continue
        if len(found) < MAX_CHAINS:
            found.append(view)
        else:
            more += 1
    order = ["critical", "high", "medium", "low", "info"]
    found.sort(key=lambda c: order.index(c.severity) if c.severity in order else len(order))
    return found, more

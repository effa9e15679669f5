"""Outputs derived from a finished results folder (HTML report, STIX sightings).

They read only the results folder (run.json, detections.jsonl, records/, timeline.csv), so
``tracehound report DIR`` can rebuild them later, e.g. after new indicators.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

#: Writers called in order after a check; each takes the results folder. Filled by the report
#: modules (html, sightings) as they register.
DERIVED_WRITERS: list[Callable[[Path], None]] = []


def write_derived(output: Path) -> None:
    """Write every derived output of the results folder ``output``."""
    for writer in DERIVED_WRITERS:
        writer(output)

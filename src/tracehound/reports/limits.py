"""The bounds of the HTML report (``report.html``): its size and memory stay flat however big
the results folder is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass
class Limits:
    """Bounds that keep the report's size and memory flat however big the results are."""

    window: timedelta = timedelta(hours=1)  # records shown either side of a detection
    max_windows: int = 20  # detection windows shown (most severe first)
    rows_per_window: int = 150  # record rows per window (closest to a detection first)
    hits_per_group: int = 25  # detections shown per indicator / heuristic group
    max_hits: int = 600  # detections shown in all
    max_tracked: int = 100_000  # detections whose times and keys are used
    text_chars: int = 400  # a device value in tables
    field_chars: int = 2_000  # a device value in a detection's record
    max_days: int = 200_000  # distinct days counted for the activity chart
    max_inputs: int = 400  # input files listed

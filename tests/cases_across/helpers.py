"""Cases made exactly as the store layout says (cases/store.py): the ordinary check
(``pipeline.run_check``) into ``store.staging()``, then ``store.commit(Case(...))`` under
``store.lock()`` with a ``checks`` entry. One small helper, so the lead can swap it for the
casestore branch's ``check_case`` when both are merged."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracehound.cases.acquisition import acquisition_sha256
from tracehound.cases.store import Case, CaseStore, case_id, verdict_of
from tracehound.pipeline import CheckOptions, run_check


def add_case(
    store: CaseStore, acquisition: Path, label: str, hunts: list[dict[str, Any]] | None = None
) -> Case:
    """Check ``acquisition`` into ``store`` as a case named ``label``; return the case."""
    sha = acquisition_sha256(acquisition)
    results = store.staging()
    result = run_check(CheckOptions(target=acquisition, output=results, jobs=1))
    run = result.run
    acq = run["acquisition"]
    case = Case(
        id=case_id(sha),
        label=label,
        acquisition=str(acquisition),
        sha256=sha,
        kind=str(acq.get("kind", "")),
        device={k: v for k, v in acq.items() if k not in ("path", "kind", "errors")},
        created=datetime.now(UTC).isoformat(),
        checks=[
            {
                "at": run["finished"],
                "tool_version": run["tool"]["version"],
                "indicator_files": [
                    {"path": f["path"], "sha256": f["sha256"]} for f in run["indicators"]["files"]
                ],
                "exit_code": result.exit_code,
                "verdict": verdict_of(result.exit_code),
            }
        ],
        hunts=list(hunts or []),
    )
    with store.lock():
        store.commit(case, results)
    return case

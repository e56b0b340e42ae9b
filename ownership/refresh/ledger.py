"""The run ledger: every refresh run, as a JSON file and as a ``(:Run)`` node.

``OWNERSHIP_HOME/runs/<run_id>.json`` holds the run's full report (contract section 4). It is
written when the run starts (status ``running``), after each source, and when the run ends, each
time atomically (a temporary file renamed over the old one), so a run killed midway leaves a
report that says how far it got. The next run, which holds the refresh lock and so knows nothing
else is running, marks such a report ``failed`` with the error ``interrupted``, as are its
unfinished sources (a run stopped while it compared or kept answers may have none).

The graph keeps ``(:Run {run_id, started_at, finished_at, status, sources_ok, sources_failed})``
so that whoever queries the graph sees when it was last refreshed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ownership import cypher
from ownership.config import private_home
from ownership.graph import Graph
from ownership.output import to_json

INTERRUPTED = "interrupted: the refresh process stopped before this source finished"
RUN_INTERRUPTED = "interrupted: the refresh process stopped before the run finished"


def runs_dir(home: Path) -> Path:
    return Path(home) / "runs"


def save_report(home: Path, report: dict[str, Any]) -> Path:
    """Write ``runs/<run_id>.json`` atomically."""
    folder = runs_dir(private_home(Path(home)))
    folder.mkdir(exist_ok=True)
    target = folder / f"{report['run_id']}.json"
    handle, temp = tempfile.mkstemp(prefix=".run-", suffix=".json", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(to_json(report) + "\n")
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return target


def load_reports(home: Path | str, limit: int | None = 20) -> list[dict[str, Any]]:
    """The saved run reports of ``home``, newest first (at most ``limit``; ``None``: all).

    Each is the contract's report dict (``run_id``, ``started_at``, ``finished_at``, ``status``,
    ``sources``, ``chains_new``, ``chains_gone``, ``newly_blocked``, ``no_longer_blocked``);
    ``status`` is ``running`` for a run in progress. Unreadable files are skipped.
    """
    folder = runs_dir(Path(home))
    reports = []
    for path in folder.glob("*.json") if folder.is_dir() else ():
        report = _read(path)
        if report is not None:
            reports.append(report)
    reports.sort(key=lambda r: (str(r.get("started_at") or ""), str(r["run_id"])), reverse=True)
    return reports if limit is None else reports[:limit]


def load_report(home: Path | str, run_id: str) -> dict[str, Any] | None:
    return _read(runs_dir(Path(home)) / f"{Path(run_id).name}.json")


def _read(path: Path) -> dict[str, Any] | None:
    if path.name.startswith("."):
        return None
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(report, dict) or "run_id" not in report or "status" not in report:
        return None
    return report


def repair_interrupted(home: Path) -> list[str]:
    """Mark the saved reports still ``running`` as failed; call only with the refresh lock held.

    Returns their run ids (to update their ``Run`` nodes too).
    """
    repaired = []
    for report in load_reports(home, limit=None):
        if report["status"] != "running":
            continue
        for source in report.get("sources", []):
            if source.get("status") in ("pending", "running"):
                source["status"] = "failed"
                source["error"] = INTERRUPTED
        report["status"], report["error"] = "failed", RUN_INTERRUPTED
        save_report(home, report)
        repaired.append(report["run_id"])
    return repaired


def record_run(graph: Graph, report: dict[str, Any]) -> None:
    """Create or update the run's ``(:Run)`` node."""
    sources = report.get("sources", [])
    graph.write(
        cypher.REFRESH_SAVE_RUN,
        run_id=report["run_id"],
        started_at=_when(report["started_at"]),
        finished_at=_when(report.get("finished_at")),
        status=report["status"],
        sources_ok=sum(s["status"] == "ok" for s in sources),
        sources_failed=sum(s["status"] == "failed" for s in sources),
    )


def fail_runs(graph: Graph, run_ids: list[str]) -> None:
    if run_ids:
        graph.write(cypher.REFRESH_FAIL_RUNS, run_ids=run_ids, status="failed")


def _when(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None

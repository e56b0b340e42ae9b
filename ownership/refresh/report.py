"""The report of a refresh run (contract section 4), and what it compares.

``--format json`` prints :meth:`RunReport.as_dict` exactly::

    {"run_id", "started_at", "finished_at", "status": "ok"|"partial"|"failed", "error",
     "sources": [{"name", "status", "error", "added": {"entities", "relationships"},
                  "removed": {…}, "changed": {…}}],
     "chains_new": [chain…], "chains_gone": [chain…],
     "newly_blocked": [entity…], "no_longer_blocked": [entity…],
     "answers_kept": null | {"as_of", "because", "seconds": {step: s} | null, "error"}}

Per source, *entities* counts the source's entity records and *relationships* its ownership and
officer edges and sanction listings: *added* were created by this run (or first seen by a
refresh, or back after having been retired), *changed* had their fingerprint change, *removed*
were retired by this run. The run's own ``error`` (more than the contract asks) is null unless
the run itself failed: the graph lost, or the process stopped after its sources were imported,
while it compared or kept answers (each source still says how far it got). Chains (shape of ``ownership chains`` JSON, :meth:`Chain.as_dict`) are
those of the ``[[watch]]`` entries, compared as of the run date before and after the run by their
sequence of entity keys; blocked entities (:meth:`Finding.as_dict`) are compared by entity key.
``answers_kept`` (more than the contract asks) says whether the run kept the whole-graph answers
for its date again and why (:class:`AnswersKept`): null when they were kept already for that
day and data, so that nothing was computed.

Each report is kept in ``OWNERSHIP_HOME/runs/<run_id>.json`` (see :mod:`ownership.refresh.ledger`,
whose :func:`~ownership.refresh.ledger.load_reports` reads them back for the explorer).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from ownership import clock
from ownership.analysis.history import Snapshot, compare_snapshots
from ownership.refresh.ledger import load_reports  # noqa: F401 (the explorer imports it here too)
from ownership.refresh.replace import Changes, Counts
from ownership.refresh.sources import RefreshConfig

OK, PARTIAL, FAILED, RUNNING, PENDING = "ok", "partial", "failed", "running", "pending"


def new_run_id(started: dt.datetime) -> str:
    """Sortable to the microsecond, and unique: ``20240607T120000.123456Z-1a2b3c`` (two runs in
    one second must still list newest first)."""
    return f"{started.astimezone(dt.UTC):%Y%m%dT%H%M%S.%fZ}-{secrets.token_hex(3)}"


@dataclass
class SourceReport:
    name: str
    status: str = PENDING  # pending, running while the run works on it; then ok or failed
    error: str | None = None
    added: Counts = field(default_factory=Counts)
    removed: Counts = field(default_factory=Counts)
    changed: Counts = field(default_factory=Counts)

    def record(self, changes: Changes) -> None:
        self.added, self.removed, self.changed = changes.added, changes.removed, changes.changed

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "error": self.error,
            "added": self.added.as_dict(),
            "removed": self.removed.as_dict(),
            "changed": self.changed.as_dict(),
        }


@dataclass
class AnswersKept:
    """The whole-graph answers a run kept for its date (:mod:`ownership.analysis.upkeep`): why
    (the data changed, or they were not kept for that day and data, or were kept in a layout
    this ``ownership`` cannot read), the seconds each took, or why they could not be kept."""

    as_of: dt.date
    because: str
    seconds: dict[str, float] | None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "because": self.because,
            "seconds": self.seconds,
            "error": self.error,
        }


@dataclass
class RunReport:
    run_id: str
    started_at: dt.datetime
    run_date: dt.date
    sources: list[SourceReport] = field(default_factory=list)
    finished_at: dt.datetime | None = None
    status: str = RUNNING
    error: str | None = None
    chains_new: list[dict[str, Any]] = field(default_factory=list)
    chains_gone: list[dict[str, Any]] = field(default_factory=list)
    newly_blocked: list[dict[str, Any]] = field(default_factory=list)
    no_longer_blocked: list[dict[str, Any]] = field(default_factory=list)
    answers_kept: AnswersKept | None = None  # None: they were current, nothing was computed

    @classmethod
    def start(cls, config: RefreshConfig, run_date: dt.date | None = None) -> RunReport:
        precise = dt.datetime.now(dt.UTC)
        return cls(
            run_id=new_run_id(precise),
            started_at=precise.replace(microsecond=0),
            run_date=run_date or clock.today(),
            sources=[SourceReport(spec.name) for spec in config.sources],
        )

    def compare(self, before: Snapshot, after: Snapshot) -> None:
        changes = compare_snapshots(before, after)
        self.chains_new, self.chains_gone = changes["chains_new"], changes["chains_gone"]
        self.newly_blocked = changes["newly_blocked"]
        self.no_longer_blocked = changes["no_longer_blocked"]

    def finish(self, error: str | None = None) -> None:
        """Close the run. With ``error`` the run itself failed: it is ``failed`` and the sources
        it did not get to fail with that error."""
        for source in self.sources:
            if source.status in (PENDING, RUNNING):
                source.status = FAILED
                source.error = error or "not refreshed"
        failed = sum(s.status == FAILED for s in self.sources)
        self.status = OK if not failed else FAILED if failed == len(self.sources) else PARTIAL
        if error:
            self.status, self.error = FAILED, error
        self.finished_at = clock.now()

    @property
    def failed_sources(self) -> list[SourceReport]:
        return [s for s in self.sources if s.status == FAILED]

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "status": self.status,
            "error": self.error,
            "sources": [s.as_dict() for s in self.sources],
            "chains_new": self.chains_new,
            "chains_gone": self.chains_gone,
            "newly_blocked": self.newly_blocked,
            "no_longer_blocked": self.no_longer_blocked,
            "answers_kept": self.answers_kept.as_dict() if self.answers_kept else None,
        }


# -- text --------------------------------------------------------------------------------------


def _counts(counts: dict[str, int]) -> str:
    return f"{counts.get('entities', 0)} entities, {counts.get('relationships', 0)} relationships"


def chain_text(chain: dict[str, Any]) -> str:
    path = " -> ".join(f"{e['name']} ({e.get('jurisdiction') or '?'})" for e in chain["entities"])
    share = chain.get("effective_share")
    return f"{path}  [effective share {share:g}%]" if share is not None else path


def entity_text(finding: dict[str, Any]) -> str:
    return f"{finding['name']} ({finding['id']}): {finding['status']}"


def render_text(report: dict[str, Any]) -> str:
    """A report (as saved) for a terminal."""
    lines = [
        f"refresh {report['run_id']}: {report['status']}",
        f"  started {report['started_at']}, finished {report.get('finished_at') or '-'}",
    ]
    if report.get("error"):
        lines.append(f"  {report['error']}")
    for source in report["sources"]:
        if source["status"] == OK:
            lines.append(f"  source {source['name']}: ok")
            for what in ("added", "changed", "removed"):
                lines.append(f"    {what:<8} {_counts(source[what])}")
        else:
            lines.append(
                f"  source {source['name']}: {source['status']}: {source.get('error') or ''}"
            )
    for key, title in (
        ("chains_new", "new watched chains"),
        ("chains_gone", "watched chains gone"),
    ):
        lines.append(f"  {title}: {len(report[key])}")
        lines.extend(f"    {chain_text(chain)}" for chain in report[key])
    for key, title in (
        ("newly_blocked", "newly blocked"),
        ("no_longer_blocked", "no longer blocked"),
    ):
        lines.append(f"  {title}: {len(report[key])}")
        lines.extend(f"    {entity_text(finding)}" for finding in report[key])
    answers = answers_text(report)
    if answers:
        lines.append(f"  {answers}")
    return "\n".join(lines)


def answers_text(report: dict[str, Any]) -> str | None:
    """Whether the run kept the whole-graph answers again, and why, in a line (the text
    report, the explorer's Changes page); None for reports saved before ``answers_kept``
    existed and for runs that ended before."""
    kept = report.get("answers_kept")
    if kept is None:
        if "answers_kept" not in report or report.get("error"):
            return None
        return "whole-graph answers: already kept for this day and data, none computed"
    done = (
        f"not kept: {kept['error']}"
        if kept.get("error")
        else f"kept in {sum((kept.get('seconds') or {}).values()):.1f} s"
    )
    return f"whole-graph answers for {kept['as_of']}: {done} ({kept['because']})"


def summary_row(report: dict[str, Any]) -> dict[str, Any]:
    """One line of ``ownership runs``."""
    sources = report.get("sources", [])
    failed = [s["name"] for s in sources if s["status"] != OK]

    def total(what: str) -> int:
        return sum(s[what]["entities"] + s[what]["relationships"] for s in sources)

    return {
        "run_id": report["run_id"],
        "started_at": report["started_at"],
        "finished_at": report.get("finished_at"),
        "status": report["status"],
        "sources": f"{len(sources) - len(failed)}/{len(sources)} ok",
        "failed": ", ".join(failed),
        "added": total("added"),
        "changed": total("changed"),
        "removed": total("removed"),
        "chains": f"+{len(report.get('chains_new', []))} -{len(report.get('chains_gone', []))}",
        "blocked": f"+{len(report.get('newly_blocked', []))} "
        f"-{len(report.get('no_longer_blocked', []))}",
    }


SUMMARY_COLUMNS = [
    "run_id",
    "started_at",
    "finished_at",
    "status",
    "sources",
    "added",
    "changed",
    "removed",
    "chains",
    "blocked",
    "failed",
]

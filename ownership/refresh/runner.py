"""One refresh run: every source imported, replaced per source, compared, and recorded.

:func:`run_refresh` takes the refresh lock, opens the graph, and for each ``[[source]]`` in turn

1. fetches it when it is a URL (:mod:`ownership.refresh.fetch`);
2. compares it with what the graph holds of it and writes only the difference, in one
   transaction: new and changed records, and what it no longer contains retired
   (:mod:`ownership.refresh.replace`; a source not yet in the graph is imported first).

The run then keeps the whole-graph answers (red flags, ownership gaps, the landing page, the
50 percent rule) for its date (:mod:`ownership.analysis.upkeep`) when the data changed, or when
they are not kept for that date and data yet (or were kept by another version of ``ownership``,
in a layout this one cannot read); its report says which (``answers_kept``). A run that changed
nothing on a day whose answers are kept computes nothing. The watched chains and the 50 percent
rule's findings are taken before the first source that changes writes and again at the end; a
run that changes nothing has nothing to compare and computes neither.

A source that fails at any step (unreadable, invalid, unknown format, download error, a
statement the server rejects) is reported with its error and keeps its previous data; the others
go on. Losing the graph server (:class:`~ownership.graph.GraphUnavailable`) ends the run: its
report is saved as failed and the exception goes to the caller (the scheduler retries).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable
from pathlib import Path

from ownership.analysis import matching, upkeep
from ownership.analysis.history import Snapshot, take_snapshot
from ownership.analysis.sanctions import keep_findings
from ownership.analysis.stats import data_version
from ownership.analysis.timelines import Touched
from ownership.graph import Graph, GraphUnavailable
from ownership.loader import finish_bulk_loads
from ownership.locks import exclusive
from ownership.problems import InvalidData
from ownership.refresh import ledger
from ownership.refresh import state as kept_state
from ownership.refresh.fetch import cache_dir, fetch
from ownership.refresh.lock import refresh_lock
from ownership.refresh.replace import refresh_source
from ownership.refresh.report import FAILED, OK, RUNNING, AnswersKept, RunReport, SourceReport
from ownership.refresh.sources import RefreshConfig, SourceSpec
from ownership.refresh.state import Left

log = logging.getLogger("ownership.refresh")
IMPORT_WAIT_S = 600.0  # how long a source waits for a manual ``ownership import`` to finish

GraphFactory = Callable[[], Graph]


def run_refresh(
    config: RefreshConfig,
    home: Path,
    open_graph: GraphFactory,
    run_date: dt.date | None = None,
) -> RunReport:
    """Refresh every source of ``config`` once; the report is also saved in ``home/runs``.

    Raises :class:`~ownership.refresh.lock.RefreshLocked` when another refresh runs and
    :class:`~ownership.graph.GraphUnavailable` when the graph cannot be reached (before the run
    starts: nothing recorded; during it: the report is saved as failed first).
    """
    home = Path(home)
    with refresh_lock(home):
        graph = open_graph()
        try:
            return _run(graph, config, home, run_date)
        finally:
            graph.close()


def _run(graph: Graph, config: RefreshConfig, home: Path, run_date: dt.date | None) -> RunReport:
    report = RunReport.start(config, run_date)
    log.info("refresh %s: %d sources from %s", report.run_id, len(config.sources), config.file)
    try:
        repaired = ledger.repair_interrupted(home)
        finish_bulk_loads(graph)  # the schema, and a first load by neo4j-admin completed
        if repaired:
            log.warning("runs %s had been interrupted: marked failed", ", ".join(repaired))
            ledger.fail_runs(graph, repaired)
        _save(home, report, graph)
        version, key = kept_state.versions(graph)
        before = _Before(graph, config, report.run_date)
        left: list[tuple[str, Left]] = []  # the states the sources were left in
        for spec, source in zip(config.sources, report.sources, strict=True):
            source.status = RUNNING
            ledger.save_report(home, report.as_dict())
            if state := _refresh_source(graph, spec, source, home, report, before.take):
                left.append((spec.name, state))
            ledger.save_report(home, report.as_dict())
        merged = 0
        if before.snapshot is not None:  # something was about to change
            merged = _apply_match_decisions(graph)
        touched = None
        if _keep_states(graph, (version, key), left, merged):  # only this run wrote
            touched = Touched(version, frozenset().union(*(s.entities for _, s in left)))
        # a source's state is ~0.8 GB at a million companies: not held through what follows
        left.clear()
        now = data_version(graph)[0]
        if before.snapshot is not None:
            started = time.perf_counter()
            if now != version:  # the answers are kept below: the rule's findings on the new
                # data kept first, which the picture after reads and the upkeep finds kept
                keep_findings(graph, report.run_date, now)
            report.compare(before.snapshot, take_snapshot(graph, config.watches, report.run_date))
            log.info("watched chains and 50 %% rule after: %.1f s", time.perf_counter() - started)
        if now != version:
            because: str | None = "this run changed the data"
        else:
            because = upkeep.not_current_because(graph, report.run_date)
        if because:
            seconds, failed = upkeep.maintain_after_import(
                graph, report.run_date, config.watches, touched
            )
            report.answers_kept = AnswersKept(report.run_date, because, seconds, failed)
            log.info("answers kept for %s (%s): %s", report.run_date, because, seconds)
            if failed:
                log.warning("refresh %s: answers for %s not kept: %s", report.run_id,
                            report.run_date, failed)  # fmt: skip
        report.finish()
    except BaseException as exc:  # the graph lost, a signal, a bug: the ledger says so first
        reason = "interrupted" if not isinstance(exc, Exception) else describe(exc)
        report.finish(f"run failed: {reason}")
        ledger.save_report(home, report.as_dict())
        if isinstance(exc, Exception) and not isinstance(exc, GraphUnavailable):
            with contextlib.suppress(Exception):
                ledger.record_run(graph, report.as_dict())
        log.error("refresh %s failed: %s", report.run_id, reason)
        raise
    _save(home, report, graph)
    log.info(
        "refresh %s: %s (%d sources, %d failed)",
        report.run_id,
        report.status,
        len(report.sources),
        len(report.failed_sources),
    )
    return report


class _Before:
    """The watched chains and the 50 percent rule's findings before the run changes anything,
    taken when a source is about to (a run that changes nothing has nothing to compare)."""

    def __init__(self, graph: Graph, config: RefreshConfig, run_date: dt.date) -> None:
        self.graph, self.config, self.run_date = graph, config, run_date
        self.snapshot: Snapshot | None = None

    def take(self) -> None:
        if self.snapshot is None:
            started = time.perf_counter()
            try:
                self.snapshot = take_snapshot(self.graph, self.config.watches, self.run_date)
            except GraphUnavailable:
                raise
            except Exception as exc:  # the run's failure, not the source's
                raise SnapshotFailed(f"watched chains before the run: {describe(exc)}") from exc
            log.info("watched chains and 50 %% rule before: %.1f s", time.perf_counter() - started)


class SnapshotFailed(Exception):
    """The picture before the run could not be taken: the run fails, as it did when it was
    taken first thing."""


def _keep_states(
    graph: Graph, began: tuple[str, str], left: list[tuple[str, Left]], merged: int
) -> bool:
    """Keep the states the run left its sources in, for the data version it ends with, so that
    the next run need not read them back (:mod:`ownership.refresh.state`); the states kept of
    the sources it did not change hold for that version too. Only when nothing but this run
    wrote since it began: each source's transaction began on the version the previous one
    ended with, and no accepted name match was applied again (that merges entities without
    moving the version); otherwise the next run reads the graph. Whether they were kept: only
    then is what the run touched all that changed (the answers' upkeep patches with it)."""
    started = time.perf_counter()
    expected = began[1]
    for name, state in left:
        if state.began != expected:
            log.info("states not kept: the data changed under source %s", name)
            return False
        expected = state.ended
    try:
        now, key = kept_state.versions(graph)
        if merged or key != expected:
            log.info("states not kept: the data changed during the run")
            return False
        kept_state.restamp(graph, began[0], now)
        for name, state in left:
            if state.state is not None:
                kept_state.keep(graph, name, state.state, now)
    except GraphUnavailable:
        raise
    except Exception as exc:  # the data is in: the next run reads the graph instead
        log.warning("states not kept: %s", describe(exc))
        return False
    log.info("states kept: %.1f s", time.perf_counter() - started)
    return True


def _save(home: Path, report: RunReport, graph: Graph) -> None:
    document = report.as_dict()
    ledger.save_report(home, document)
    ledger.record_run(graph, document)


def _refresh_source(
    graph: Graph,
    spec: SourceSpec,
    source: SourceReport,
    home: Path,
    report: RunReport,
    before_writing: Callable[[], None],
) -> Left | None:
    """Refresh one source and fill in its report; the state it left the source in, when it
    compared it with the graph."""
    log.info("source %s: refreshing from %s", spec.name, spec.location)
    try:
        url = sha256 = None
        if spec.url:
            fetched = fetch(spec.url, cache_dir(home, spec.name), spec.timeout)
            url, sha256 = spec.url, fetched.sha256
            log.info(
                "source %s: %s (sha256 %s)",
                spec.name,
                "not modified, cached copy reused" if fetched.not_modified else "downloaded",
                fetched.sha256[:12],
            )
            paths = [Path(fetched.path)]
        else:
            paths = spec.local_paths()
        with exclusive(home, "import", wait_s=IMPORT_WAIT_S):  # not with `ownership import`
            changes = refresh_source(
                graph,
                paths,
                spec.name,
                spec.format,
                report.run_id,
                report.run_date,
                url,
                sha256,
                before_writing,
            )
    except (GraphUnavailable, SnapshotFailed):
        raise
    except Exception as exc:  # the source's own failure (data, files, download): reported
        source.status = FAILED
        source.error = describe(exc)
        log.error("source %s: failed: %s", spec.name, source.error)
        log.debug("source %s: failure details", spec.name, exc_info=True)
        return None
    source.status = OK
    source.record(changes)
    log.info(
        "source %s: ok; %d records written; entities/relationships added %d/%d, changed %d/%d, "
        "removed %d/%d%s",
        spec.name,
        changes.written,
        changes.added.entities,
        changes.added.relationships,
        changes.changed.entities,
        changes.changed.relationships,
        changes.removed.entities,
        changes.removed.relationships,
        f"; {changes.entities_retired} entities retired" if changes.entities_retired else "",
    )
    return changes.left


def _apply_match_decisions(graph: Graph) -> int:
    """Analysts' accepted name matches are re-applied after imports (as ``ownership import``
    does); a failure here is logged, it does not fail the run. How many entities were merged
    (-1: unknown, it failed)."""
    try:
        merged = matching.apply_decisions(graph)
    except GraphUnavailable:
        raise
    except Exception as exc:
        log.error("re-applying accepted name matches failed: %s", describe(exc))
        return -1
    if merged:
        log.info("re-applied %d accepted name matches", merged)
    return merged


def describe(exc: BaseException) -> str:
    """A one-line reason."""
    if isinstance(exc, InvalidData):
        return exc.summary()
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, OSError | ValueError) or type(exc).__module__.startswith("ownership"):
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

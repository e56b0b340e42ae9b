"""Per-source replacement by difference: what changed is written, what is gone is retired.

:func:`refresh_source` refreshes one source that is already in the graph in one transaction:

1. it reads what the graph holds of the source, streamed once (``refresh_state_*``): every
   record, ownership and officer edge and sanction listing with its key, its fingerprint, the
   fingerprint the last run reported (``seen_fingerprint``) and whether it is in force, kept
   compactly in memory (:class:`_Held`);
2. it reads the source's files once, validating every record as ``ownership import`` does (a
   problem anywhere: nothing is written) and comparing each with what the graph holds;
3. it writes only the difference: new and changed records through the loader (the statements
   and the entity resolution of an import), then stamps what is new, changed or back
   (``last_seen_run`` = the run, ``seen_fingerprint``), retires what the new data no longer
   contains (``retired_on`` = the run date; kept for as-of queries before that day) and the
   entities left without a live record.

An unchanged source therefore writes nothing but its Source node's refresh mark (the run and the
time), and the data version does not move (:func:`ownership.analysis.stats.data_version`). What a
plain ``ownership import`` wrote and no run has stamped counts as seen with its own fingerprint:
a refresh after an import of the same data reports and writes nothing, while a change that an
import made to something a run had stamped is still reported by the next run.

What a run adds is stamped with the fingerprint it reported, so that a later change by a plain
import is reported too. A source not yet in the graph is loaded by
:func:`ownership.loader.import_paths` (a large first load commits in chunks, undone if it fails)
and then compared the same way, which counts and stamps all of it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ownership import __version__, clock, cypher, holdings
from ownership.cypher import Query
from ownership.graph import Graph, Transaction
from ownership.loader import (
    BATCH_SIZE,
    BatchWriter,
    ImportSummary,
    import_paths,
    prepare,
    record_row,
)
from ownership.problems import ProblemLog
from ownership.refresh import state as kept_state
from ownership.refresh.state import EDGES, LIVE, SEEN, Key, State, pack, unpack
from ownership.sources import SourceFormat, resolve_format

log = logging.getLogger("ownership.refresh")
KEEP_ROWS = 50_000  # rows to write kept from the comparing pass; beyond, the files are read again
WRITE_BATCH = 5000  # keys per stamping or retiring statement


@dataclass
class Counts:
    """Per-source numbers of entities (source records) and relationships (ownership and officer
    edges, sanction listings)."""

    entities: int = 0
    relationships: int = 0

    def add(self, kind: str, n: int) -> None:
        setattr(self, kind, getattr(self, kind) + int(n or 0))

    def as_dict(self) -> dict[str, int]:
        return {"entities": self.entities, "relationships": self.relationships}

    @property
    def total(self) -> int:
        return self.entities + self.relationships


@dataclass
class Changes:
    """What one source's refresh changed: first seen or back, fingerprint changed, retired."""

    added: Counts = field(default_factory=Counts)
    changed: Counts = field(default_factory=Counts)
    removed: Counts = field(default_factory=Counts)
    entities_retired: int = 0  # entity nodes left without a live record
    owners: set[str] = field(default_factory=set)  # whose ownership statements came or went
    # the entities whose rows, holdings in or out, or listings the run may have changed (the
    # owners among them; not officers' ends): the kept dated graph is patched with them
    entities: set[str] = field(default_factory=set)
    written: int = 0  # records the loader wrote (new or changed)
    left: kept_state.Left | None = None  # the state it left the source in, to keep

    @property
    def any(self) -> bool:
        """Whether the refresh wrote anything into the source's data."""
        total = self.added.total + self.changed.total + self.removed.total
        return bool(total or self.written or self.entities_retired)


@dataclass(frozen=True)
class _Kind:
    """One loader statement's items: how they are counted, stamped and retired (how they are
    read: :data:`ownership.refresh.state.STATE_QUERIES`)."""

    counted_as: str
    stamp: Query
    retire: Query


_KINDS = {
    "entities": _Kind(
        "entities",
        cypher.REFRESH_STAMP_RECORDS,
        cypher.REFRESH_RETIRE_RECORDS,
    ),
    "upsert_ownership": _Kind(
        "relationships",
        cypher.REFRESH_STAMP_OWNERSHIP,
        cypher.REFRESH_RETIRE_OWNERSHIP,
    ),
    "upsert_officers": _Kind(
        "relationships",
        cypher.REFRESH_STAMP_OFFICERS,
        cypher.REFRESH_RETIRE_OFFICERS,
    ),
    "upsert_sanctions": _Kind(
        "relationships",
        cypher.REFRESH_STAMP_SANCTIONS,
        cypher.REFRESH_RETIRE_SANCTIONS,
    ),
}


class _Held:
    """What the graph holds of one source, compared record by record with its new data.

    Edges are keyed with the entities at their ends: an edge whose record now names another
    owner is a new edge (the loader draws it) and the old one is retired, as a fresh import
    would have only the new one.
    """

    def __init__(self, created_by_run: bool, state: State) -> None:
        self.created_by_run = created_by_run  # the source was loaded by this very run
        self.state = state
        self.items, self.entity_of, self.listed = state.items, state.entity_of, state.listed
        self.changes = Changes()
        self.stamps: dict[str, list[dict[str, str]]] = {name: [] for name in _KINDS}
        self.revive: list[str] = []  # records new or back: their entity is in force again
        self.to_write: set[tuple[str, str]] = set()  # (statement, uid) of records to write
        self.kept: list[tuple[str, dict[str, Any]]] | None = []  # their rows, while few
        # what this run writes, stamps or retires (uids per statement; for edges also the
        # record naming their owner): read again at its end for the state it leaves
        self.touched: dict[str, set[str]] = {name: set() for name in _KINDS}
        self.owners_named: dict[str, set[tuple[str, str]]] = {name: set() for name in EDGES}

    def _entity(self, record_uid: str) -> str:
        return self.entity_of.get(record_uid, record_uid)

    def _key(self, name: str, row: dict[str, Any]) -> Key:
        if name in EDGES:
            return (row["uid"], self._entity(row["from_uid"]), self._entity(row["to_uid"]))
        return row["uid"]

    def compare(self, name: str, row: dict[str, Any]) -> None:
        """One record of the new data: note what to write, stamp and count."""
        kind = _KINDS[name]
        items = self.items[name]
        key = self._key(name, row)
        incoming = int(row["fingerprint"], 16)
        held = items.get(key)
        if held is None:  # new (or an edge whose ends changed)
            write = stamp = True  # reported as added with this fingerprint
            self.changes.added.add(kind.counted_as, 1)
            self._added(name, row, key)
        else:
            fingerprint, seen, flags = unpack(held)
            live = bool(flags & LIVE)
            write = fingerprint != incoming
            if flags & SEEN:  # twice in the new data: the last one wins, as in an import
                stamp = write
            else:
                moved = name == "upsert_sanctions" and self._entity(
                    row["entity_uid"]
                ) not in self.listed.get(row["uid"], ())
                write = write or moved
                stamp = not live or seen != incoming or moved or self.created_by_run
                if not live or self.created_by_run:
                    self.changes.added.add(kind.counted_as, 1)
                    if not live:
                        self._added(name, row, key)
                elif seen != incoming or moved:
                    self.changes.changed.add(kind.counted_as, 1)
        items[key] = pack(incoming, incoming, LIVE | SEEN)  # as this run leaves it
        if stamp:
            self._stamp(name, row)
        if write:
            self._write(name, row)
        if stamp or write:
            self.touched[name].add(row["uid"])
            if name in EDGES:
                self.owners_named[name].add((row["uid"], row["from_uid"]))

    def _added(self, name: str, row: dict[str, Any], key: Key) -> None:
        if name == "entities":
            self.revive.append(row["uid"])
        elif name == "upsert_ownership":
            self.changes.owners.add(key[1])

    def _stamp(self, name: str, row: dict[str, Any]) -> None:
        stamp = {"uid": row["uid"]}
        if name in EDGES:
            stamp["from_uid"] = row["from_uid"]
        self.stamps[name].append(stamp)

    def _write(self, name: str, row: dict[str, Any]) -> None:
        self.to_write.add((name, row["uid"]))
        if self.kept is not None:
            self.kept.append((name, row))
            if len(self.kept) > KEEP_ROWS:
                self.kept = None  # too many to hold: the files are read again to write them

    def gone(self) -> Iterator[tuple[str, Key]]:
        """What the graph holds in force that the new data no longer contains."""
        for name, items in self.items.items():
            for key, value in items.items():
                if value & (LIVE | SEEN) == LIVE:
                    yield name, key

    def after(self, tx: Transaction, source: str, gone: list[tuple[str, Key]]) -> State:
        """What the graph holds of the source once this run's writes are in (read inside its
        transaction): what it saw, as it saw it; what it touched (written, stamped, retired),
        read again."""
        for name, key in gone:
            self.touched[name].add(key[0] if isinstance(key, tuple) else key)
        for items in self.items.values():
            for key, value in items.items():
                if value & SEEN:
                    items[key] = value ^ SEEN
        before = self._entities_touched()
        self.state.read_again(tx, source, self.touched, self.owners_named)
        self.changes.entities = before | self._entities_touched() | self.changes.owners
        return self.state

    def _entities_touched(self) -> set[str]:
        """The entities of what this run touched (records, the ends of ownership and officer
        edges, the listed of sanction listings) as the state has them now: called before and
        after the state is read again, so that an entity a record or an edge left is among
        them too (the dated graph patches their holdings and officer roles)."""
        state = self.state
        found = {state.entity_of.get(uid, uid) for uid in self.touched["entities"]}
        for name in ("upsert_ownership", "upsert_officers"):
            if uids := self.touched[name]:
                ends = (key[1:] for key in state.items[name] if key[0] in uids)  # type: ignore[index]
                found.update(end for pair in ends for end in pair)
        for uid in self.touched["upsert_sanctions"]:
            found.update(state.listed.get(uid, ()))
        return found


def refresh_source(
    graph: Graph,
    paths: Iterable[Path],
    source: str,
    fmt: str,
    run_id: str,
    run_date: dt.date,
    url: str | None = None,
    sha256: str | None = None,
    before_writing: Callable[[], None] = lambda: None,
) -> Changes:
    """Bring ``source`` in the graph to what its files now contain, writing only the
    difference; all of it or (on any problem in the files or any failed statement) nothing.
    ``before_writing`` is called once the difference is known, before the first write (a run
    takes its "before" picture of the watched chains then, and only when something changes)."""
    paths = list(paths)
    plan = [(path, resolve_format(path, fmt)) for path in paths]
    summary = ImportSummary(source, [f.name for _, f in plan], [str(p) for p, _ in plan])
    laps = _Laps()
    digest = files_digest(plan)
    created_by_run = not prepare(graph, source)
    mark = {
        "name": source,
        "run_id": run_id,
        "url": url,
        "sha256": sha256,
        "paths": summary.paths,
        "format": ",".join(sorted(set(summary.formats))),
        "digest": digest,
    }
    if not created_by_run and _digest_of(graph, source) == digest:
        # the very files the last refresh brought the source to, and nothing wrote it since
        now = clock.now()
        graph.write(cypher.REFRESH_MARK_SOURCE, now=now, generation=None, **mark)
        log.info("source %s: files unchanged since the last refresh (sha256 %s)", source, digest)
        return Changes()
    if created_by_run:  # a first load: the loader's own path (chunked when large)
        before_writing()
        summary = import_paths(graph, paths, source, fmt)
        if summary.imported_at is None:  # no records, none before: nothing to speak of
            return Changes()
    kept, (version, key) = None, kept_state.versions(graph)
    if not created_by_run:
        kept = kept_state.load(graph, source, version)
        laps.lap("kept state read" if kept else "no kept state")
    now = clock.now()
    with graph.transaction() as tx:
        began = kept_state.versions(tx)[1]
        if kept is not None and began == key:  # no one wrote since it was kept
            held = _Held(created_by_run, kept)
        else:
            held = _Held(created_by_run, State.read(tx, source))
            laps.lap("graph read")
        problems = ProblemLog()
        for path, source_format in plan:
            for record in source_format.read(path, source, problems):
                if not problems:  # past a problem, only further problems are looked for
                    held.compare(*record_row(record))
                if created_by_run:  # already validated by the import: stamped as it goes
                    _stamp(tx, held, run_id, WRITE_BATCH)
        problems.raise_if_any()
        gone = list(held.gone())
        laps.lap("files read and compared")
        changes = held.changes
        if created_by_run or held.to_write or held.revive or gone or any(held.stamps.values()):
            before_writing()
            laps.lap("watched chains before")
        if held.to_write:
            changes.written = len(held.to_write)
            changes.owners |= _write(tx, plan, source, held, summary, now)
        laps.lap(f"{changes.written} records written")
        _stamp(tx, held, run_id)
        for start in range(0, len(held.revive), WRITE_BATCH):
            tx.run(cypher.REFRESH_REVIVE_ENTITIES, uids=held.revive[start : start + WRITE_BATCH])
        _retire(tx, held, gone, run_id, run_date)
        laps.lap("stamped and retired")
        if changes.owners:
            tx.run(cypher.MARK_HOLDINGS_PENDING, name=source)
        generation = time.time_ns() if changes.any or created_by_run else None
        tx.run(cypher.REFRESH_MARK_SOURCE, now=now, generation=generation, **mark)
        if not created_by_run:  # a first load stamped everything: its state is read next time
            touched = any(held.touched.values()) or bool(gone)
            left = held.after(tx, source, gone) if touched or kept is None else None
            changes.left = kept_state.Left(
                left, began, kept_state.versions(tx)[1], changes.entities
            )
            laps.lap("state left noted")
    laps.lap("committed")
    holdings.settle(graph, changes.owners, [source])
    laps.lap(f"holdings of {len(changes.owners)} owners derived")
    log.info("source %s: %s", source, laps)
    return changes


def files_digest(plan: Iterable[tuple[Path, SourceFormat]]) -> str:
    """One sha256 over every file a source reads (a folder: every file in it, by name), its
    format and the version of this package (which decides how records are read): equal
    digests mean the same records."""
    digest = hashlib.sha256(f"ownership {__version__}\n".encode())
    for path, source_format in plan:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            name = file.relative_to(path) if path.is_dir() else file.name
            digest.update(f"{source_format.name}\t{name}\t{file.stat().st_size}\n".encode())
            with file.open("rb") as f:
                while chunk := f.read(1 << 20):
                    digest.update(chunk)
    return digest.hexdigest()


def _digest_of(graph: Graph, source: str) -> str | None:
    rows = graph.read(cypher.REFRESH_SOURCE_DIGEST, name=source)
    return rows[0]["digest"] if rows else None


class _Laps:
    """Seconds per step, for the log: where a refresh spends its time."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.steps: list[str] = []

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.steps.append(f"{step} {now - self.last:.1f} s")
        self.last = now

    def __str__(self) -> str:
        return "; ".join(self.steps)


def _write(
    tx: Transaction,
    plan: list[tuple[Path, SourceFormat]],
    source: str,
    held: _Held,
    summary: ImportSummary,
    now: dt.datetime,
) -> set[str]:
    """New and changed records, through the loader in file order; the owners whose ownership
    statements it wrote."""
    writer = BatchWriter(tx, now, summary, None, BATCH_SIZE, 0)
    if held.kept is not None:
        for name, row in held.kept:
            writer.add_row(name, row)
    else:
        for path, source_format in plan:
            problems = ProblemLog()
            for record in source_format.read(path, source, problems):
                name, row = record_row(record)
                if (name, row["uid"]) in held.to_write:
                    writer.add_row(name, row)
            problems.raise_if_any()  # only if a file changed between the two passes
    writer.flush_all()
    return writer.owners_changed


def _stamp(tx: Transaction, held: _Held, run_id: str, at_least: int = 1) -> None:
    """Write the stamps noted so far (of each kind with ``at_least`` of them)."""
    for name, rows in held.stamps.items():
        if len(rows) >= at_least:
            for start in range(0, len(rows), WRITE_BATCH):
                tx.run(_KINDS[name].stamp, rows=rows[start : start + WRITE_BATCH], run_id=run_id)
            rows.clear()


def _retire(
    tx: Transaction, held: _Held, gone: list[tuple[str, Key]], run_id: str, run_date: dt.date
) -> None:
    rows: dict[str, list[dict[str, str]]] = {name: [] for name in _KINDS}
    for name, key in gone:
        if isinstance(key, tuple):
            rows[name].append({"uid": key[0], "owner": key[1], "owned": key[2]})
            if name == "upsert_ownership":
                held.changes.owners.add(key[1])
        else:
            rows[name].append({"uid": key})
        held.changes.removed.add(_KINDS[name].counted_as, 1)
    for name, batch in rows.items():
        for start in range(0, len(batch), WRITE_BATCH):
            part = batch[start : start + WRITE_BATCH]
            tx.run(_KINDS[name].retire, rows=part, run_id=run_id, run_date=run_date)
    records = [row["uid"] for row in rows["entities"]]
    for start in range(0, len(records), WRITE_BATCH):
        part = records[start : start + WRITE_BATCH]
        for row in tx.read(cypher.REFRESH_RETIRE_ENTITIES, uids=part, run_date=run_date):
            held.changes.entities_retired += int(row["retired"] or 0)

"""Per-source replacement: what a source's new data no longer contains is retired, not deleted.

After a source's import has committed (:func:`ownership.loader.import_paths`, one transaction),
:func:`stamp_and_retire` reads the source once more to learn the keys of everything it contains
(the loader skips unchanged records, so it cannot be the one to say what it saw) and, in a second
transaction:

1. stamps every record, ownership and officer edge and sanction listing of the new data with the
   run id (``last_seen_run``) and un-retires it (it may be back after having been dropped);
2. retires (``retired_on`` = the run date) everything of that source with an older stamp; the
   in-force predicate of every as-of query (:func:`ownership.cypher.in_force`) then stops seeing
   it from that day, while queries as of an earlier day still do;
3. retires the entities whose records are all retired (and un-retires those with one back).

The stamps are keyed on the run id, so this step is idempotent: a run killed after the import and
before this transaction leaves the previous stamps in place, and the next run's stamping and
retiring compute the right state from scratch.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ownership import cypher, holdings
from ownership.graph import Graph, Transaction
from ownership.loader import _row
from ownership.problems import ProblemLog
from ownership.sources import resolve_format

BATCH_SIZE = 5000

# loader statement name -> (stamp query, counted as)
_STAMPS = {
    "entities": (cypher.REFRESH_STAMP_RECORDS, "entities"),
    "upsert_ownership": (cypher.REFRESH_STAMP_OWNERSHIP, "relationships"),
    "upsert_officers": (cypher.REFRESH_STAMP_OFFICERS, "relationships"),
    "upsert_sanctions": (cypher.REFRESH_STAMP_SANCTIONS, "relationships"),
}
_RETIRES = (
    (cypher.REFRESH_RETIRE_RECORDS, "entities"),
    (cypher.REFRESH_RETIRE_OWNERSHIP, "relationships"),
    (cypher.REFRESH_RETIRE_OFFICERS, "relationships"),
    (cypher.REFRESH_RETIRE_SANCTIONS, "relationships"),
)


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


IMPORTED = "imported"  # the last_seen_run of what a plain import wrote, once a run adopts it


def adopt_plain_imports(graph: Graph, source: str) -> int:
    """Before a run imports ``source``: what ``ownership import`` wrote of it is taken as already
    seen, so the run's report counts as added only what the run itself brings (a refresh after
    a plain import of the same data reports nothing added). Returns how many were adopted."""
    with graph.transaction() as tx:
        return sum(
            int(row["adopted"] or 0)
            for query in cypher.REFRESH_ADOPT
            for row in tx.read(query, source=source, imported=IMPORTED)
        )


def source_keys(
    paths: Iterable[Path], source: str, fmt: str = "auto"
) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(loader statement name, key row)`` for every record the source's files contain, read
    exactly as the loader reads them (same format resolution, same keys)."""
    for path in paths:
        path = Path(path)
        problems = ProblemLog()
        for record in resolve_format(path, fmt).read(path, source, problems):
            name, row = _row(record)
            key: dict[str, Any] = {"uid": row["uid"]}
            if "from_uid" in row:
                key["from_uid"] = row["from_uid"]
            yield name, key
        problems.raise_if_any()  # the file changed since it was imported: stamp nothing


def stamp_and_retire(
    graph: Graph,
    paths: Iterable[Path],
    source: str,
    fmt: str,
    run_id: str,
    run_date: dt.date,
    url: str | None = None,
    sha256: str | None = None,
    batch_size: int = BATCH_SIZE,
) -> Changes:
    """Stamp what ``source`` now contains, retire what it no longer does; one transaction."""
    changes = Changes()
    paths = list(paths)
    with graph.transaction() as tx:
        buffers: dict[str, list[dict[str, Any]]] = {}
        for name, key in source_keys(paths, source, fmt):
            buffer = buffers.setdefault(name, [])
            buffer.append(key)
            if len(buffer) >= batch_size:
                _stamp(tx, name, buffers.pop(name), run_id, changes)
        for name, rows in buffers.items():
            _stamp(tx, name, rows, run_id, changes)
        params = {"source": source, "run_id": run_id, "run_date": run_date}
        for query, kind in _RETIRES:
            for row in tx.read(query, **params):
                changes.removed.add(kind, row["retired"])
                changes.owners.update(row.get("owners") or [])
        if changes.owners:
            tx.run(cypher.MARK_HOLDINGS_PENDING, name=source)
        tx.run(cypher.REFRESH_RETIRE_SUBJECT_TO, **params)
        for row in tx.read(cypher.REFRESH_RETIRE_ENTITIES, **params):
            changes.entities_retired += int(row["retired"] or 0)
        tx.run(
            cypher.REFRESH_MARK_SOURCE,
            name=source,
            run_id=run_id,
            now=dt.datetime.now(dt.UTC).replace(microsecond=0),
            generation=time.time_ns(),
            url=url,
            sha256=sha256,
        )
    holdings.settle(graph, changes.owners, [source])
    return changes


def _stamp(
    tx: Transaction, name: str, rows: list[dict[str, Any]], run_id: str, changes: Changes
) -> None:
    query, kind = _STAMPS[name]
    for row in tx.read(query, rows=rows, run_id=run_id):
        changes.added.add(kind, row["added"])
        changes.changed.add(kind, row["changed"])
        changes.owners.update(o for o in row.get("owners") or [] if o)
        if name == "entities" and row["added_uids"]:
            tx.run(cypher.REFRESH_REVIVE_ENTITIES, uids=row["added_uids"])
    if name == "upsert_sanctions":
        tx.run(cypher.REFRESH_STAMP_SUBJECT_TO, rows=rows, run_id=run_id)

"""Load normalized records into the graph: validate everything, then write in batches.

Two passes over the source files. The first validates the whole dataset and collects every
problem; if there is one, nothing is written. The second turns records into rows and writes them
with ``UNWIND $rows`` batches inside one transaction, so a failure half-way (a lost connection)
leaves the graph as it was. Neither pass holds the dataset in memory.

One exception to the single transaction: a source's *first* load of more than ``commit_every``
records commits every ``commit_every`` records, because the server keeps a transaction's changes
in memory (a 100k-company registry in one transaction took 3.6 GB of server memory). Everything
such a load writes belongs to the new source, so a failure is undone by taking the source out
again (:mod:`ownership.unload`); until it has finished, other readers see it arrive.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ownership import clock, cypher, holdings
from ownership.graph import Graph, GraphUnavailable, QueryFailed, Transaction
from ownership.problems import ProblemLog
from ownership.records import (
    Entity,
    Officer,
    Ownership,
    Record,
    Sanction,
    address_uid,
    fingerprint,
    uid,
)
from ownership.sources import SourceFormat, resolve_format
from ownership.text import normalize, normalize_address
from ownership.unload import recover_interrupted_loads, unload_source

if TYPE_CHECKING:
    from ownership.refresh.state import Written

log = logging.getLogger(__name__)

BATCH_SIZE = 2000
COMMIT_EVERY = 50_000  # records per transaction in a chunked first load (embedded server)
# Neo4j caps a transaction's memory (db.memory.transaction.total.max, 70 % of the heap by
# default): on a 2 GB heap one 50,000-record chunk of a 100k-company registry is refused.
NEO4J_COMMIT_EVERY = 10_000
FILL_BATCH = 10_000  # nodes per transaction when finishing a bulk load
Progress = Callable[[int, int], None]  # called with (records written so far, records in all)


@dataclass
class ImportSummary:
    """What an import read and what it changed."""

    source: str
    formats: list[str]
    paths: list[str]
    read: Counter[str] = field(default_factory=Counter)  # records per kind
    written: Counter[str] = field(default_factory=Counter)  # created or changed, per kind
    created: Counter[str] = field(default_factory=Counter)  # nodes / relationships
    seconds: float = 0.0
    transactions: int = 0  # more than one only for a chunked first load
    imported_at: dt.datetime | None = None  # the time stamp this import wrote (None: nothing)

    @property
    def total_read(self) -> int:
        return sum(self.read.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "formats": self.formats,
            "paths": self.paths,
            "read": dict(self.read),
            "written": {kind: self.written.get(kind, 0) for kind in self.read},
            "created": dict(self.created),
            "holdings_derived": self.written.get("holdings", 0),
            "transactions": self.transactions,
            "seconds": round(self.seconds, 3),
            "records_per_second": round(self.total_read / self.seconds) if self.seconds else None,
        }


def validate(paths: Iterable[Path], source: str, fmt: str = "auto") -> ImportSummary:
    """Read every path once; raise :class:`~ownership.problems.InvalidData` on any problem."""
    plan = _plan(paths, fmt)
    summary = ImportSummary(source, [f.name for _, f in plan], [str(p) for p, _ in plan])
    problems = ProblemLog()
    for path, source_format in plan:
        for record in source_format.read(path, source, problems):
            summary.read[_kind(record)] += 1
    problems.raise_if_any()
    return summary


def default_commit_every(graph: Graph) -> int:
    """Records per transaction of a chunked first load on this server: the embedded server
    takes :data:`COMMIT_EVERY`, Neo4j's transaction memory cap :data:`NEO4J_COMMIT_EVERY`."""
    return COMMIT_EVERY if graph.is_arcadedb else NEO4J_COMMIT_EVERY


def import_paths(
    graph: Graph,
    paths: Iterable[Path],
    source: str,
    fmt: str = "auto",
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
    commit_every: int | None = None,
    written: Written | None = None,
) -> ImportSummary:
    """Validate, then write; re-importing the same data changes nothing. ``commit_every``
    None is the server's default (:func:`default_commit_every`). On a source's first load,
    ``written`` notes the state it leaves the source in, batch by batch, for the next refresh
    (:class:`ownership.refresh.state.Written`; after any other import it notes nothing).

    Callers hold the import lock (:func:`ownership.locks.exclusive`): the first thing done is
    to undo any chunked load an earlier, killed import left half-way.
    """
    started = time.perf_counter()
    paths = list(paths)
    summary = validate(paths, source, fmt)
    present = prepare(graph, source)
    if not summary.total_read and not present:
        return summary  # a header-only file: no records, so no source to speak of
    now = clock.now()
    summary.imported_at = now
    if commit_every is None:
        commit_every = default_commit_every(graph)
    every = commit_every if 0 < commit_every < summary.total_read else 0  # 0: one transaction
    if every and present:
        every = 0  # only a first load may commit in chunks: unloading the source is its undo
    if every:
        graph.write(cypher.MARK_SOURCE_LOADING, name=source, now=now)
    plan = _plan(paths, fmt)
    noting = None if present else written
    try:
        with graph.transaction() as tx:
            if noting:
                noting.begin(tx)
            batch = min(batch_size, every) if every else batch_size  # within one transaction
            writer = BatchWriter(tx, now, summary, progress, batch, every, noting)
            for path, source_format in plan:
                problems = ProblemLog()
                for record in source_format.read(path, source, problems):
                    writer.add(record)
                problems.raise_if_any()  # only if a file changed between the two passes
            writer.flush_all()
            if writer.owners_changed:
                tx.run(cypher.MARK_HOLDINGS_PENDING, name=source)
            tx.run(
                cypher.UPSERT_SOURCE,
                name=source,
                now=now,
                generation=time.time_ns(),
                paths=summary.paths,
                format=",".join(sorted(set(summary.formats))),
            )
            if noting:
                noting.end(tx)
            summary.transactions = tx.checkpoints + 1
    except BaseException:
        if every:
            _undo(graph, source)
        raise
    summary.written["holdings"] = holdings.settle(graph, writer.owners_changed, [source])
    summary.seconds = time.perf_counter() - started
    return summary


def prepare(graph: Graph, source: str) -> bool:
    """Before writing ``source``: the schema, any bulk load to finish, a chunked load an earlier,
    killed import left half-way undone, holdings left underived derived. Whether ``source``
    already has records in the graph."""
    finish_bulk_loads(graph)
    recover_interrupted_loads(graph)
    holdings.recover(graph)
    return bool(graph.read(cypher.SOURCE_PRESENT, source=source))


@dataclass
class BulkFinished:
    """What :func:`finish_bulk_loads` did."""

    sources: list[str]
    lists_filled: int = 0
    entities_merged: int = 0
    states_kept: list[str] = field(default_factory=list)  # the export's noted state, stamped
    seconds: dict[str, float] = field(default_factory=dict)  # schema, lists, merge, state

    def as_dict(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "lists_filled": self.lists_filled,
            "entities_merged": self.entities_merged,
            "states_kept": self.states_kept,
            "seconds": self.seconds,
        }


def finish_bulk_loads(
    graph: Graph, batch: int = FILL_BATCH, keep_state: bool = True
) -> BulkFinished:
    """Create the schema, and complete every source loaded by neo4j-admin from
    ``ownership export --neo4j-admin`` (:mod:`ownership.bulk` says what is left to do) into
    the graph ``import_paths`` would have written; the refresh state the export noted is kept
    for the data version the load left (dropped when not ``keep_state``:
    :func:`ownership.refresh.state.keep_bulk`). A no-op beyond the schema on any other graph;
    every step is idempotent, so an interrupted or concurrent run does no harm."""
    started = time.perf_counter()
    graph.ensure_schema()
    pending = graph.read(cypher.BULK_PENDING)
    done = BulkFinished([row["name"] for row in pending])
    done.seconds["schema"] = round(time.perf_counter() - started, 3)
    if not pending:
        return done
    started = time.perf_counter()
    while written := graph.write(cypher.BULK_FILL_LISTS, limit=batch)["written"]:
        done.lists_filled += written
    done.seconds["lists"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    from ownership.refresh import state as kept_state  # noqa: PLC0415 - imported when used, as Written

    done.seconds["state"] = 0.0
    for row in pending:
        uids = sorted(row["merge"])
        for i in range(0, len(uids), BATCH_SIZE):
            graph.write(cypher.MERGE_RECORDS, uids=uids[i : i + BATCH_SIZE])
        done.entities_merged += len(uids)
        stamped = time.perf_counter()
        if kept_state.keep_bulk(graph, row["name"], row["generation"], keep_state):
            done.states_kept.append(row["name"])
        done.seconds["state"] += time.perf_counter() - stamped
        graph.write(cypher.BULK_DONE, name=row["name"])  # last: a run cut short is run again
    done.seconds["state"] = round(done.seconds["state"], 3)
    done.seconds["merge"] = round(time.perf_counter() - started - done.seconds["state"], 3)
    return done


def _undo(graph: Graph, source: str) -> None:
    """Take a failed chunked first load out again; if the server is gone, the next import will
    (the source keeps its ``loading`` mark)."""
    try:
        unload_source(graph, source)
    except (GraphUnavailable, QueryFailed) as exc:
        log.error(
            "source %s: could not undo the partial load now (%s); the next import will", source, exc
        )


def _plan(paths: Iterable[Path], fmt: str) -> list[tuple[Path, SourceFormat]]:
    return [(Path(path), resolve_format(Path(path), fmt)) for path in paths]


def _kind(record: Record) -> str:
    return {Entity: "entities", Ownership: "ownership", Officer: "officers", Sanction: "sanctions"}[
        type(record)
    ]


class Batches:
    """Buffers rows per statement and hands them on in batches; entities always go before the
    edges that need them.

    The one batching of an import: the graph writer below and the bulk export
    (:mod:`ownership.bulk`) both see the same rows in the same batches, so entity resolution
    (:func:`resolve_rows`, which depends on what earlier batches created) comes out the same.
    """

    def __init__(self, batch_size: int) -> None:
        self.batch_size = batch_size
        self.buffers: dict[str, list[dict[str, Any]]] = {}

    def add(self, record: Record) -> None:
        self.add_row(*record_row(record))

    def add_row(self, name: str, row: dict[str, Any]) -> None:
        """Add the row of one record (:func:`record_row`): a refresh hands on only the rows
        of the records that are new or changed."""
        buffer = self.buffers.setdefault(name, [])
        buffer.append(row)
        if len(buffer) >= self.batch_size:
            if name != "entities":
                self._flush("entities")
            self._flush(name)

    def flush_all(self) -> None:
        self._flush("entities")
        for name in list(self.buffers):
            self._flush(name)

    def _flush(self, name: str) -> None:
        rows = self.buffers.pop(name, [])
        if rows:
            self.write(name, rows)

    def write(self, name: str, rows: list[dict[str, Any]]) -> None:
        """Write one batch of rows for statement ``name`` (``entities`` or an edge upsert)."""
        raise NotImplementedError


class BatchWriter(Batches):
    """Writes the batches into the graph, inside the import's (or a refresh's) transaction."""

    def __init__(
        self,
        tx: Transaction,
        now: dt.datetime,
        summary: ImportSummary,
        progress: Progress | None,
        batch_size: int,
        commit_every: int,  # 0: never
        noting: Written | None = None,  # told of every batch written (a first load's state)
    ) -> None:
        super().__init__(batch_size)
        self.noting = noting
        self.tx = tx
        self.now = now
        self.summary = summary
        self.progress = progress
        self.commit_every = commit_every
        self.done = 0
        self.committed = 0  # records written by the transactions committed so far
        self.owners_changed: set[str] = set()  # entities whose OWNS statements were written

    def write(self, name: str, rows: list[dict[str, Any]]) -> None:
        if name == "entities":
            counters = self._write_entities(rows)
        else:
            result, counters = self.tx.execute(cypher.LIBRARY[name], rows=rows, now=self.now)
            if name == "upsert_ownership":
                self.owners_changed.update(o for row in result for o in row["owners"])
        if self.noting:
            self.noting.note(name, rows, counters["written"])
        self.summary.written[_QUERY_KIND[name]] += counters["written"]
        self.summary.created["relationships"] += counters["relationships_created"]
        self.done += len(rows)
        if self.commit_every and self.done - self.committed >= self.commit_every:
            self.tx.checkpoint()
            self.committed = self.done
        if self.progress:
            self.progress(self.done, self.summary.total_read)

    def _write_entities(self, rows: list[dict[str, Any]]) -> dict[str, int]:
        merged, new = self._resolve(rows)
        for kind, query in (
            ("company", cypher.CREATE_COMPANIES),
            ("person", cypher.CREATE_PERSONS),
        ):
            fresh = [{"entity_uid": r["entity_uid"]} for r in new if r["props"]["kind"] == kind]
            if fresh:
                self.tx.run(query, rows=fresh, now=self.now)
                self.summary.created["entities"] += len(fresh)
        counters = self.tx.run(cypher.UPSERT_RECORDS, rows=rows, now=self.now)
        self._link_identifiers(rows)
        if merged:
            self.tx.run(cypher.MERGE_RECORDS, uids=sorted(merged))
        return counters

    def _resolve(self, rows: list[dict[str, Any]]) -> tuple[set[str], list[dict[str, Any]]]:
        """What the graph already knows of each row's record and identifiers, then
        :func:`resolve_rows`."""
        found = {
            r["uid"]: r
            for r in self.tx.read(
                cypher.RESOLVE_RECORDS,
                rows=[
                    {
                        "uid": row["uid"],
                        "kind": row["props"]["kind"],
                        "identifiers": row["identifiers"],
                    }
                    for row in rows
                ],
            )
        }
        return resolve_rows(rows, found)

    def _link_identifiers(self, rows: list[dict[str, Any]]) -> None:
        links = identifier_links(rows)
        if links:
            self.tx.run(cypher.LINK_IDENTIFIERS, rows=links)
        addresses = address_links(rows)
        if addresses:
            self.tx.run(cypher.LINK_ADDRESSES, rows=addresses)


def identifier_links(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The ``Identifier`` nodes and ``IDENTIFIES`` links of resolved entity rows."""
    links = []
    for row in rows:
        for key in row["identifiers"]:
            scheme, _, value = key.rpartition(":")
            links.append(
                {"key": key, "scheme": scheme, "value": value, "entity_uid": row["entity_uid"]}
            )
    return links


def address_links(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The ``Address`` nodes and ``REGISTERED_AT`` links of resolved entity rows."""
    return [
        {
            "address_uid": address_uid(row["props"]["address_norm"]),
            "key": row["props"]["address_norm"],
            "text": row["props"]["address"],
            "entity_uid": row["entity_uid"],
        }
        for row in rows
        if row["props"].get("address_norm")
    ]


def resolve_rows(
    rows: list[dict[str, Any]], found: dict[str, dict[str, Any]]
) -> tuple[set[str], list[dict[str, Any]]]:
    """Give each entity row of one batch the entity it describes (``entity_uid``, ``primary``).

    ``found`` holds, per record uid, what the graph knew before the batch (the columns of
    ``cypher.RESOLVE_RECORDS``: ``known``, the entity the record already describes, with its
    number of ``records``; ``same``, an entity with the record's own uid; ``matches``, the
    entities of the row's kind that share one of its identifiers).

    A record keeps the entity it was attached to before. A new record joins the entity
    that shares one of its strong identifiers (the lowest key when several do); otherwise
    it founds an entity of its own. Returns the entities described by several records
    (to recompute) and the rows that found new entities (to create).
    """
    claimed: dict[str, str] = {}  # identifier -> entity, for records of this same batch
    placed: dict[str, str] = {}  # record -> entity, for a record twice in one batch
    merged: set[str] = set()
    new: list[dict[str, Any]] = []
    for row in rows:
        hit = found.get(row["uid"], {})
        matches = sorted(hit.get("matches") or [])
        batch_matches = sorted({claimed[k] for k in row["identifiers"] if k in claimed})
        if hit.get("known"):
            entity = hit["known"]
            if (hit.get("records") or 0) > 1:
                merged.add(entity)
        elif row["uid"] in placed:  # two files of one import give the same record
            entity = placed[row["uid"]]
        elif matches or batch_matches:
            entity = (matches or batch_matches)[0]
            merged.add(entity)
        else:
            entity = row["uid"]
            if not hit.get("same"):
                new.append(row)
        row["entity_uid"] = entity
        placed.setdefault(row["uid"], entity)
        row["primary"] = entity == row["uid"]
        for key in row["identifiers"]:
            claimed.setdefault(key, entity)
    return merged, new


_QUERY_KIND = {
    "entities": "entities",
    "upsert_ownership": "ownership",
    "upsert_officers": "officers",
    "upsert_sanctions": "sanctions",
}


def _base(record: Record) -> dict[str, Any]:
    prov = record.provenance
    return {"source": prov.source, "record_id": prov.record_id, "file": prov.file}


def _keyed(key: str, props: dict[str, Any], **ends: str) -> dict[str, Any]:
    """A row for an upsert statement; the fingerprint ignores where in the file it was."""
    stable = props.copy()  # a copy and one deletion: faster than a comprehension over all
    stable.pop("file", None)
    return {"uid": key, "fingerprint": fingerprint(stable), "props": props, **ends}


def record_row(record: Record) -> tuple[str, dict[str, Any]]:
    """The statement name and the row that writes ``record``."""
    source = record.provenance.source
    if isinstance(record, Entity):
        terms = sorted({normalize(n) for n in (record.name, *record.aliases)} - {""})
        props = {
            **record.extra,
            **_base(record),
            "kind": record.kind,
            "name": record.name,
            "name_norm": normalize(record.name),
            "jurisdiction": record.jurisdiction,
            "registration_number": record.registration_number,
            "incorporation_date": record.incorporation_date,
            "dissolution_date": record.dissolution_date,
            "address": record.address,
            "address_norm": normalize_address(record.address) or None,
            "operates_in": list(record.operates_in),
            "tags": list(record.tags),
            "aliases": list(record.aliases),
            "identifiers": list(record.identifiers),
            "search_terms": terms,
            "sources": [source],
            "names": [record.name],
        }
        row = _keyed(uid(source, record.id), props)
        row["identifiers"] = list(record.identifiers)
        return "entities", row
    if isinstance(record, Ownership):
        props = {
            **record.extra,
            **_base(record),
            "kind": record.kind,
            "interest_type": record.interest_type,
            "direct": record.direct,
            "share": record.share,
            "share_min": record.share_min,
            "share_max": record.share_max,
            "start_date": record.start_date,
            "end_date": record.end_date,
        }
        key = uid(source, record.provenance.record_id)
        ends = {"from_uid": uid(source, record.owner_id), "to_uid": uid(source, record.owned_id)}
        return "upsert_ownership", _keyed(key, {**props, "uid": key}, **ends)
    if isinstance(record, Officer):
        props = {
            **record.extra,
            **_base(record),
            "role": record.role,
            "start_date": record.start_date,
            "end_date": record.end_date,
        }
        key = uid(source, record.provenance.record_id)
        ends = {"from_uid": uid(source, record.person_id), "to_uid": uid(source, record.company_id)}
        return "upsert_officers", _keyed(key, {**props, "uid": key}, **ends)
    props = {
        **record.extra,
        **_base(record),
        "authority": record.authority,
        "program": record.program,
        "listed_on": record.listed_on,
        "delisted_on": record.delisted_on,
    }
    key = uid(source, record.provenance.record_id)
    return "upsert_sanctions", _keyed(
        key, {**props, "uid": key}, entity_uid=uid(source, record.entity_id)
    )

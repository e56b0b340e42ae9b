"""The two peers our import is compared with, run on the same data in the same server.

* :func:`per_record` -- one transaction per record, a ``MERGE`` of one node or one edge, the way
  tutorials load Neo4j. It runs on a *sample* (the ends of the first ownership rows, then those
  rows), and its rate is extrapolated to the whole dataset.
* :func:`raw_ceiling` -- ``UNWIND $rows AS r CREATE …`` of the raw CSV rows in the loader's batch
  size, edges matched through an index on the row id: no validation, no resolution, no
  provenance, no fingerprints. What the store takes over Bolt at best, for the full dataset.

Both write into their own labels and relationship types (``BenchTx``, ``BenchRaw``…), so they
never touch the ``Entity`` graph the latencies are measured on; :func:`cleanup` removes them.
Rows are streamed from the CSV files; nothing holds a whole file.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import neo4j

LABELS = ("BenchTx", "BenchRaw", "BenchRawSanction")

# -- per record (the tutorial way) -------------------------------------------------------------

TX_SCHEMA = "CREATE CONSTRAINT bench_tx_id IF NOT EXISTS FOR (n:BenchTx) REQUIRE n.id IS UNIQUE"
TX_NODE = "MERGE (n:BenchTx {id: $id}) SET n += $props"
TX_EDGE = """
MATCH (a:BenchTx {id: $from_id})
MATCH (b:BenchTx {id: $to_id})
MERGE (a)-[r:BENCH_TX_OWNS {uid: $uid}]->(b)
SET r += $props
"""

# -- raw ceiling --------------------------------------------------------------------------------

RAW_SCHEMA = (
    "CREATE CONSTRAINT bench_raw_id IF NOT EXISTS FOR (n:BenchRaw) REQUIRE n.id IS UNIQUE",
)
RAW_NODES = "UNWIND $rows AS r CREATE (n:BenchRaw) SET n += r"
RAW_EDGES = """
UNWIND $rows AS r
MATCH (a:BenchRaw {id: r.from_id})
MATCH (b:BenchRaw {id: r.to_id})
CREATE (a)-[e:%s]->(b)
SET e += r.props
"""
RAW_SANCTIONS = """
UNWIND $rows AS r
MATCH (a:BenchRaw {id: r.from_id})
CREATE (a)-[:BENCH_RAW_SUBJECT_TO]->(s:BenchRawSanction)
SET s += r.props
"""

# file, the columns that are the two ends, the statement
EDGE_FILES = (
    ("ownership.csv", ("owner_id", "owned_id"), RAW_EDGES % "BENCH_RAW_OWNS"),
    ("officers.csv", ("person_id", "company_id"), RAW_EDGES % "BENCH_RAW_OFFICER_OF"),
    ("sanctions.csv", ("entity_id", None), RAW_SANCTIONS),
)


@dataclass
class PeerResult:
    """Records written, seconds spent, and per-statement detail."""

    name: str
    records: int
    seconds: float
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "records": self.records,
            "seconds": round(self.seconds, 3),
            "records_per_second": round(self.rate, 1),
            **self.detail,
        }


def _rows(path: Path) -> Iterator[dict[str, str]]:
    if not path.exists():
        return
    with open(path, encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _props(row: dict[str, str], skip: Iterable[str | None] = ()) -> dict[str, str]:
    """The non-empty cells of a row, as raw strings (no parsing: that is the point)."""
    skipped = set(skip)
    return {k: v for k, v in row.items() if v and k not in skipped}


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _write(session: neo4j.Session, text: str, **params: Any) -> None:
    session.execute_write(lambda tx: tx.run(text, params).consume())


def per_record(
    driver: neo4j.Driver, database: str | None, data_dir: Path, sample: int
) -> PeerResult:
    """One ``execute_write`` per record on about ``sample`` records: entities, then edges.

    The sample is the first ownership rows together with the entities at their ends (so every
    edge finds both ends), as many rows as make about ``sample`` records in all.
    """
    edges: list[dict[str, str]] = []
    ends: set[str] = set()
    for row in _rows(data_dir / "ownership.csv"):
        new_ends = {row["owner_id"], row["owned_id"]} - ends
        if len(edges) + len(ends) + 1 + len(new_ends) > sample:
            break
        edges.append(row)
        ends |= new_ends
    entities = [row for row in _rows(data_dir / "entities.csv") if row["id"] in ends]
    with driver.session(database=database) as session:
        _write(session, TX_SCHEMA)
        started = time.perf_counter()
        for row in entities:
            _write(session, TX_NODE, id=row["id"], props=_props(row, ("id",)))
        nodes_done = time.perf_counter()
        for number, row in enumerate(edges, start=1):
            _write(
                session,
                TX_EDGE,
                from_id=row["owner_id"],
                to_id=row["owned_id"],
                uid=f"ownership:{number}",
                props=_props(row, ("owner_id", "owned_id")),
            )
        finished = time.perf_counter()
    return PeerResult(
        "per-record",
        len(entities) + len(edges),
        finished - started,
        {
            "sampled": True,
            "nodes": len(entities),
            "edges": len(edges),
            "node_seconds": round(nodes_done - started, 3),
            "edge_seconds": round(finished - nodes_done, 3),
        },
    )


def raw_ceiling(
    driver: neo4j.Driver,
    database: str | None,
    data_dir: Path,
    batch_size: int,
    one_transaction: bool = False,
) -> PeerResult:
    """``UNWIND … CREATE`` of every row, one transaction per batch (or one for everything)."""
    seconds: dict[str, float] = {}
    records = 0
    with driver.session(database=database) as session:
        for statement in RAW_SCHEMA:
            _write(session, statement)
        started = time.perf_counter()
        tx = session.begin_transaction() if one_transaction else None

        def run(text: str, rows: list[dict[str, Any]]) -> None:
            if tx is not None:
                tx.run(text, {"rows": rows}).consume()
            else:
                _write(session, text, rows=rows)

        try:
            mark = time.perf_counter()
            for batch in _batches(_rows(data_dir / "entities.csv"), batch_size):
                run(RAW_NODES, [_props(row) for row in batch])
                records += len(batch)
            seconds["entities.csv"] = time.perf_counter() - mark
            for name, (from_col, to_col), text in EDGE_FILES:
                mark = time.perf_counter()
                shaped = (
                    {
                        "from_id": row[from_col],
                        "to_id": row[to_col] if to_col else None,
                        "props": _props(row, (from_col, to_col)),
                    }
                    for row in _rows(data_dir / name)
                )
                for batch in _batches(shaped, batch_size):
                    run(text, batch)
                    records += len(batch)
                seconds[name] = time.perf_counter() - mark
            if tx is not None:
                mark = time.perf_counter()
                tx.commit()
                seconds["commit"] = time.perf_counter() - mark
        except BaseException:
            if tx is not None:
                tx.rollback()
            raise
        finished = time.perf_counter()
    return PeerResult(
        "raw-ceiling" + (" (one transaction)" if one_transaction else ""),
        records,
        finished - started,
        {
            "batch_size": batch_size,
            "one_transaction": one_transaction,
            "seconds_per_file": {k: round(v, 3) for k, v in seconds.items()},
        },
    )


def cleanup(driver: neo4j.Driver, database: str | None, chunk: int = 10_000) -> int:
    """Delete the peers' nodes (and their relationships) in chunks; returns how many."""
    deleted = 0
    with driver.session(database=database) as session:
        for label in LABELS:
            text = f"MATCH (n:{label}) WITH n LIMIT $chunk DETACH DELETE n RETURN count(*) AS n"
            while True:
                record = session.execute_write(lambda tx, t=text: tx.run(t, chunk=chunk).single())
                count = int(record["n"]) if record else 0
                deleted += count
                if count == 0:
                    break
    return deleted

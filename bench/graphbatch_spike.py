"""Spike (issue 14, session 11): an embedded database built in process by ArcadeDB's GraphBatch.

    python -m bench.graphbatch_spike EXPORT_DIR NEW_DATABASE_DIR [--schema first|after]

reads the CSV files of ``ownership export --neo4j-admin`` (the same graph ``ownership import``
builds, resolved by the same code) and writes them, with the embedded server stopped, into a
new ArcadeDB database opened in this process through the ``arcadedb-embedded`` wheel (JPype):
vertices through ``VertexBatcher.createVerticesJson`` and edges through
``EdgeBatcher.newEdgesJson`` (the wheel's bridge classes: one JSON text per 20,000 rows), in a
``GraphBatch`` that manages its own transactions. What it needs to give the graph of the
import, as the driver reads it over Bolt:

- the types ArcadeDB's Cypher makes of labels (``Company~Entity``: the sorted labels joined
  by ``~``, with ``Company`` and ``Entity`` as super types), made by a Cypher ``CREATE`` that
  is rolled back, before the batch opens (a Cypher command waits forever beside an open batch);
- dates and time stamps: JSON has neither, so every typed column of the headers is declared on
  its type while the load runs (``DATE``, ``DATETIME``, ``DOUBLE``, ``LONG``, ``BOOLEAN``: the
  engine converts the JSON text to them), and the declarations are dropped again at the end
  (the import's types declare no property);
- the empty lists the CSV cannot hold (nodes labelled ``BulkLists``) given back as ``[]``;
- the constraints and indexes of ``cypher.SCHEMA``, run in process before or after the load.

Measured, not kept: see docs/benchmarks.md, "A bulk path for the embedded server: GraphBatch,
measured" (2026-12-07, session 11).
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

import arcadedb_embedded as adb
import jpype

from ownership import cypher
from ownership.records import ENTITY_KINDS, ENTITY_LIST_PROPERTIES

SEPARATOR = "\x1f"  # the export's array delimiter (and between labels)
ROWS = 20_000  # rows per JSON text
TABLE_LABELS = {
    "entity": [("Entity", kind) for kind in sorted(set(ENTITY_KINDS.values()))],
    "record": [("Record",)],
    "identifier": [("Identifier",)],
    "address": [("Address",)],
    "sanction": [("Sanction",)],
    "source": [("Source",)],
}
RID_BITS = 40  # a RID kept as bucket << 40 | position


def _columns(data: Path) -> list[tuple[str, str]]:
    header = data.with_name(data.name.replace(".csv", ".header.csv")).read_text(encoding="utf-8")
    return [tuple(field.partition(":")[::2]) for field in header.strip().split(",")]  # type: ignore[misc]


def _converter(kind: str) -> Any:
    base = kind.split("(")[0]
    if base == "datetime":  # the engine stores a UTC wall clock, as the driver's values are
        return lambda text: text.removesuffix("+00:00")
    if base == "double":
        return float
    if base == "long":
        return int
    if base == "boolean":
        return lambda text: text == "true"
    if base.endswith("[]"):
        return lambda text: text.split(SEPARATOR)
    return str


def _space(kind: str) -> str:
    return kind.split("(")[1].rstrip(")")


class Loader:
    def __init__(self, path: str, schema_first: bool) -> None:
        shutil.rmtree(path, ignore_errors=True)
        self.db = adb.create_database(path)
        self.java = self.db.get_java_database()
        self.schema = self.java.getSchema()
        kinds = jpype.JClass("com.arcadedb.schema.Type")
        self.declarable = {
            "date": kinds.DATE,
            "datetime": kinds.DATETIME,
            "double": kinds.DOUBLE,
            "long": kinds.LONG,
            "boolean": kinds.BOOLEAN,
        }
        self.declared: list[tuple[str, str]] = []
        self.rids: dict[str, dict[str, int]] = {}
        self.vertices = jpype.JClass("com.arcadedb.python.VertexBatcher")
        self.edges = jpype.JClass("com.arcadedb.python.EdgeBatcher")
        self.counts: Counter[str] = Counter()
        self.seconds: dict[str, float] = {}
        if schema_first:
            self._schema()

    def _schema(self) -> None:
        started = time.perf_counter()
        for statement in cypher.SCHEMA:
            self.db.command("opencypher", statement.text)
        self.seconds["schema"] = round(time.perf_counter() - started, 1)

    def _type(self, labels: tuple[str, ...]) -> str:
        name = "~".join(sorted(labels))
        if not self.schema.existsType(name):
            self.db.begin()
            self.db.command("opencypher", f"CREATE (n:{':'.join(sorted(labels))}) DELETE n")
            self.db.rollback()
        return name

    def _declare(self, name: str, columns: list[tuple[str, str]]) -> None:
        kind = self.schema.getType(name)
        for column, text in columns:
            declared = self.declarable.get(text.split("(")[0])
            if declared is not None and not kind.existsPolymorphicProperty(column):
                kind.createProperty(column, declared)
                self.declared.append((name, column))

    def prepare(self, export: Path) -> None:
        """Every type and declaration, before the batch opens."""
        for data in sorted(export.glob("*.csv")):
            if data.name.endswith(".header.csv"):
                continue
            kind, _, rest = data.name.partition("-")
            table = rest.rsplit("-", 1)[0]
            columns = _columns(data)
            if kind == "nodes":
                for labels in TABLE_LABELS[table]:
                    self._declare(self._type(labels), columns[2:])
            else:
                edge = table.upper().replace("-", "_")
                if not self.schema.existsType(edge):
                    self.db.command(
                        "opencypher", f"CREATE (a:SpikeEnd)-[r:{edge}]->(b:SpikeEnd) DELETE r, a, b"
                    )
                self._declare(edge, columns[3:])

    def load(self, export: Path) -> None:
        started = time.perf_counter()
        batch = self.db.graph_batch(light_edges=False, bidirectional=True)
        for data in sorted(export.glob("nodes-*.csv")):
            if not data.name.endswith(".header.csv"):
                self._nodes(batch, data)
        self.seconds["vertices"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        for data in sorted(export.glob("relationships-*.csv")):
            if not data.name.endswith(".header.csv"):
                self._relationships(batch, data)
        self.seconds["edges"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        batch.close()
        self.seconds["close"] = round(time.perf_counter() - started, 1)

    def _nodes(self, batch: Any, data: Path) -> None:
        columns = _columns(data)
        key, space = columns[0][0], _space(columns[0][1])
        known = self.rids.setdefault(space, {})
        names = [name for name, _ in columns[2:]]
        converters = [_converter(kind) for _, kind in columns[2:]]
        waiting: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        with data.open(encoding="utf-8", newline="") as handle:
            for values in csv.reader(handle):
                labels = values[1].split(SEPARATOR)
                props: dict[str, Any] = {key: values[0]}
                for name, convert, text in zip(names, converters, values[2:], strict=True):
                    if text:
                        props[name] = convert(text)
                if "BulkLists" in labels:
                    labels.remove("BulkLists")
                    for name in ENTITY_LIST_PROPERTIES:
                        props.setdefault(name, [])
                rows = waiting.setdefault("~".join(sorted(labels)), [])
                rows.append((values[0], props))
                if len(rows) >= ROWS:
                    self._create(batch, "~".join(sorted(labels)), rows, known)
        for name, rows in waiting.items():
            self._create(batch, name, rows, known)

    def _create(
        self, batch: Any, name: str, rows: list[tuple[str, dict[str, Any]]], known: dict[str, int]
    ) -> None:
        if not rows:
            return
        text = json.dumps([props for _, props in rows])
        rids = str(self.vertices.createVerticesJson(batch._java_graph_batch, name, text))
        for (key, _), rid in zip(rows, rids.split(";"), strict=True):
            bucket, position = rid[1:].split(":")
            known[key] = int(bucket) << RID_BITS | int(position)
        self.counts[name] += len(rows)
        rows.clear()

    def _relationships(self, batch: Any, data: Path) -> None:
        columns = _columns(data)
        starts, ends = self.rids[_space(columns[0][1])], self.rids[_space(columns[1][1])]
        names = [name for name, _ in columns[3:]]
        converters = [_converter(kind) for _, kind in columns[3:]]
        mask = (1 << RID_BITS) - 1
        rows: list[dict[str, Any]] = []
        kind = ""
        with data.open(encoding="utf-8", newline="") as handle:
            for values in csv.reader(handle):
                kind = values[2]
                start, end = starts[values[0]], ends[values[1]]
                row: dict[str, Any] = {
                    "_src": f"#{start >> RID_BITS}:{start & mask}",
                    "_dst": f"#{end >> RID_BITS}:{end & mask}",
                }
                for name, convert, text in zip(names, converters, values[3:], strict=True):
                    if text:
                        row[name] = convert(text)
                rows.append(row)
                if len(rows) >= ROWS:
                    self.edges.newEdgesJson(batch._java_graph_batch, kind, json.dumps(rows))
                    self.counts[kind] += len(rows)
                    rows = []
        if rows:
            self.edges.newEdgesJson(batch._java_graph_batch, kind, json.dumps(rows))
            self.counts[kind] += len(rows)

    def finish(self, schema_after: bool) -> None:
        if schema_after:
            self._schema()
        for name, column in self.declared:
            self.schema.getType(name).dropProperty(column)
        if self.schema.existsType("SpikeEnd"):
            self.schema.dropType("SpikeEnd")
        self.db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("export", type=Path)
    parser.add_argument("database")
    parser.add_argument("--schema", choices=("first", "after"), default="after")
    args = parser.parse_args(argv)
    started, cpu = time.perf_counter(), time.process_time()
    loader = Loader(args.database, args.schema == "first")
    loader.prepare(args.export)
    loader.load(args.export)
    loader.finish(args.schema == "after")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    report = {
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
        "peak_rss_mb": usage.ru_maxrss // 1024,
        "steps": loader.seconds,
        "written": dict(loader.counts),
    }
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

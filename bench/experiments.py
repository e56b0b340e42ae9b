"""Import experiments behind the findings in ``docs/benchmarks.md`` (each in a fresh server).

    python -m bench.experiments --size 10k [--only raw,shape,edges] [--out bench/out]

* ``raw``: the raw ``UNWIND … CREATE`` ceiling (:func:`bench.peers.raw_ceiling`) at several batch
  sizes, in one transaction, and with two parallel writers: how high the store's ceiling goes.
* ``shape``: our own graph (Entity, Record, DESCRIBES, Identifier, Address, OWNS … with the
  loader's rows, properties, schema and labels) written with plain ``CREATE`` in one statement
  per batch: no validation pass, no resolution read, no MERGE, no fingerprint check. The
  ceiling for *this data model*, against which the loader's own overhead can be judged.
* ``edges``: the ownership edge statement in three shapes, on a graph holding the entities:
  the loader's (ends found through ``Record-[:DESCRIBES]->Entity``, ``MERGE`` on the edge uid),
  ends found by ``Entity.uid`` directly with ``MERGE``, and by ``Entity.uid`` with ``CREATE``.
* ``memory``: the importer's peak RSS as the loader is, and with each consumed result released
  from the driver's transaction (:mod:`bench.import_child`).
* ``latency``: chains and subsidiaries split into server execution, driver transfer and
  decoding, and Python; run it once plainly and once with ``neo4j-rust-ext`` importable to see
  what the driver's Rust extension changes (results are keyed by experiment, with
  "(neo4j-rust-ext)" appended when the extension was importable).

Results are printed and merged into ``<out>/experiments-<size>.json`` (an experiment run again
replaces its own entry; the others are kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import neo4j

from bench import peers
from bench.run import DATA_ROOT, OUT_DIR, SEED, ensure_data, load_average, parse_size
from bench.server import fresh_server
from ownership import cypher, loader
from ownership.graph import Graph
from ownership.problems import ProblemLog
from ownership.records import Entity, Officer, Ownership, Sanction
from ownership.sources import FORMATS

NOW = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _write(session: neo4j.Session, text: str, **params: Any) -> None:
    session.execute_write(lambda tx: tx.run(text, params).consume())


def _batches(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# -- raw ceiling variants --------------------------------------------------------------------------


def raw_parallel(
    driver: neo4j.Driver, database: str | None, data_dir: Path, batch_size: int, writers: int
) -> dict[str, Any]:
    """The raw ceiling with ``writers`` threads, each with its own session, sharing the batches
    of one file at a time (nodes first, then each edge file)."""
    with driver.session(database=database) as session:
        for statement in peers.RAW_SCHEMA:
            _write(session, statement)
    errors: list[str] = []
    records = 0
    seconds: dict[str, float] = {}

    def drain(text: str, batches: Iterator[list[dict[str, Any]]], lock: threading.Lock) -> None:
        nonlocal records
        with driver.session(database=database) as session:
            while True:
                with lock:
                    batch = next(batches, None)
                if batch is None:
                    return
                try:
                    _write(session, text, rows=batch)
                    with lock:
                        records += len(batch)
                except neo4j.exceptions.Neo4jError as exc:  # e.g. a write conflict
                    errors.append(str(exc)[:200])

    def run_file(text: str, rows: Iterator[dict[str, Any]]) -> None:
        lock = threading.Lock()
        batches = _batches(rows, batch_size)
        threads = [
            threading.Thread(target=drain, args=(text, batches, lock)) for _ in range(writers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    started = time.perf_counter()
    mark = time.perf_counter()
    run_file(peers.RAW_NODES, (peers._props(r) for r in peers._rows(data_dir / "entities.csv")))
    seconds["entities.csv"] = time.perf_counter() - mark
    for name, (from_col, to_col), text in peers.EDGE_FILES:
        mark = time.perf_counter()
        shaped = (
            {
                "from_id": r[from_col],
                "to_id": r[to_col] if to_col else None,
                "props": peers._props(r, (from_col, to_col)),
            }
            for r in peers._rows(data_dir / name)
        )
        run_file(text, shaped)
        seconds[name] = time.perf_counter() - mark
    total = time.perf_counter() - started
    return {
        "name": f"raw ceiling, {writers} writers",
        "records": records,
        "seconds": round(total, 3),
        "records_per_second": round(records / total, 1),
        "batch_size": batch_size,
        "writers": writers,
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "seconds_per_file": {k: round(v, 3) for k, v in seconds.items()},
    }


def experiment_raw(data_dir: Path, work_dir: Path | None, log: Callable[[str], None]) -> list:
    results = []
    variants: list[tuple[str, Callable[[neo4j.Driver, str | None], dict[str, Any]]]] = [
        (f"batch {size}", lambda d, db, s=size: peers.raw_ceiling(d, db, data_dir, s).as_dict())
        for size in (500, 2000, 10000)
    ]
    variants.append(
        (
            "one transaction, batch 2000",
            lambda d, db: peers.raw_ceiling(d, db, data_dir, 2000, one_transaction=True).as_dict(),
        )
    )
    variants.append(("2 writers, batch 2000", lambda d, db: raw_parallel(d, db, data_dir, 2000, 2)))
    for title, fn in variants:
        with fresh_server(work_dir) as server, server.open() as graph:
            cpu, client = server.cpu_seconds(), time.process_time()
            result = fn(graph.driver, graph.database)
            _cpu(result, server, cpu, client)
            result["variant"] = title
            result["server_peak_rss_kb"] = server.peak_rss_kb()
            results.append(result)
            log(
                f"raw {title}: {result['records_per_second']:,.0f} records/s "
                f"({result['seconds']} s) {result.get('seconds_per_file')}"
            )
    return results


# -- our graph shape, CREATE only ------------------------------------------------------------------

SHAPE_ENTITIES = """
UNWIND $rows AS row
CREATE (e:Entity:%s)
SET e += row.props, e.uid = row.uid, e.imported_at = $now, e.updated_at = $now
CREATE (r:Record)
SET r += row.props, r.uid = row.uid, r.fingerprint = row.fingerprint, r.imported_at = $now,
    r.updated_at = $now
CREATE (r)-[:DESCRIBES]->(e)
WITH e, row
UNWIND row.identifiers AS key
CREATE (i:Identifier {key: key})-[:IDENTIFIES]->(e)
SET i.scheme = split(key, ':')[0], i.value = last(split(key, ':'))
"""
SHAPE_ADDRESSES = """
UNWIND $rows AS row
MATCH (e:Entity {uid: row.entity_uid})
MERGE (a:Address {uid: row.address_uid})
ON CREATE SET a.text = row.text, a.key = row.key
CREATE (e)-[:REGISTERED_AT]->(a)
"""
SHAPE_EDGES = """
UNWIND $rows AS row
MATCH (a:Entity {uid: row.from_uid})
MATCH (b:Entity {uid: row.to_uid})
CREATE (a)-[r:%s]->(b)
SET r += row.props, r.fingerprint = row.fingerprint, r.imported_at = $now, r.updated_at = $now
"""
SHAPE_SANCTIONS = """
UNWIND $rows AS row
MATCH (e:Entity {uid: row.entity_uid})
CREATE (e)-[r:SUBJECT_TO]->(s:Sanction)
SET s += row.props, s.fingerprint = row.fingerprint, s.imported_at = $now,
    r.uid = row.uid, r.source = row.props.source, r.record_id = row.props.record_id
"""


def _records(data_dir: Path, source: str = "bench") -> Iterator[Any]:
    problems = ProblemLog()
    yield from FORMATS["csv"].read(data_dir, source, problems)


def write_shape(graph: Graph, data_dir: Path, batch_size: int) -> dict[str, Any]:
    """Our graph written with CREATE only (see the module doc)."""
    graph.ensure_schema()
    seconds: dict[str, float] = {}
    count = 0
    started = time.perf_counter()
    with graph.driver.session(database=graph.database) as session:

        def timed(name: str, text: str, rows: list[dict[str, Any]]) -> None:
            mark = time.perf_counter()
            _write(session, text, rows=rows, now=NOW)
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - mark

        def flush(kind: type, rows: list[dict[str, Any]]) -> None:
            if kind is Entity:
                for label in ("Company", "Person"):
                    mine = [r for r in rows if r["props"]["kind"] == label.lower()]
                    if mine:
                        timed("entities+records+identifiers", SHAPE_ENTITIES % label, mine)
                addresses = [
                    {
                        "address_uid": "address:" + r["props"]["address_norm"],
                        "key": r["props"]["address_norm"],
                        "text": r["props"]["address"],
                        "entity_uid": r["uid"],
                    }
                    for r in rows
                    if r["props"].get("address_norm")
                ]
                if addresses:
                    timed("addresses", SHAPE_ADDRESSES, addresses)
            elif kind is Ownership:
                timed("ownership", SHAPE_EDGES % "OWNS", rows)
            elif kind is Officer:
                timed("officers", SHAPE_EDGES % "OFFICER_OF", rows)
            elif kind is Sanction:
                timed("sanctions", SHAPE_SANCTIONS, rows)

        buffer: list[dict[str, Any]] = []
        current: type | None = None
        for record in _records(data_dir):
            if type(record) is not current and buffer:
                flush(current, buffer)  # type: ignore[arg-type]
                buffer = []
            current = type(record)
            buffer.append(loader._row(record)[1])
            count += 1
            if len(buffer) >= batch_size:
                flush(current, buffer)
                buffer = []
        if buffer:
            flush(current, buffer)  # type: ignore[arg-type]
    total = time.perf_counter() - started
    return {
        "name": "our graph shape, CREATE only",
        "records": count,
        "seconds": round(total, 3),
        "records_per_second": round(count / total, 1),
        "batch_size": batch_size,
        "seconds_per_statement": {k: round(v, 3) for k, v in seconds.items()},
        "client_seconds": round(total - sum(seconds.values()), 3),
    }


def experiment_shape(data_dir: Path, work_dir: Path | None, log: Callable[[str], None]) -> list:
    results = []
    for batch_size in (2000,):
        with fresh_server(work_dir) as server, server.open() as graph:
            cpu, client = server.cpu_seconds(), time.process_time()
            result = write_shape(graph, data_dir, batch_size)
            _cpu(result, server, cpu, client)
            result["server_peak_rss_kb"] = server.peak_rss_kb()
            results.append(result)
            log(
                f"shape batch {batch_size}: {result['records_per_second']:,.0f} records/s "
                f"({result['seconds']} s) {result['seconds_per_statement']}"
            )
    return results


# -- ownership edge shapes -------------------------------------------------------------------------

EDGE_SHAPES = {
    "loader: Record-[:DESCRIBES]->Entity ends, MERGE": cypher.UPSERT_OWNERSHIP.text.replace(
        ":OWNS", ":OWNS_A"
    ),
    "Entity.uid ends, MERGE": """
UNWIND $rows AS row
MATCH (a:Entity {uid: row.from_uid})
MATCH (b:Entity {uid: row.to_uid})
MERGE (a)-[r:OWNS_B {uid: row.uid}]->(b)
ON CREATE SET r.imported_at = $now
WITH r, row
WHERE r.fingerprint IS NULL OR r.fingerprint <> row.fingerprint
SET r += row.props, r.fingerprint = row.fingerprint, r.updated_at = $now
RETURN count(r) AS written
""",
    "Entity.uid ends, CREATE": """
UNWIND $rows AS row
MATCH (a:Entity {uid: row.from_uid})
MATCH (b:Entity {uid: row.to_uid})
CREATE (a)-[r:OWNS_C]->(b)
SET r += row.props, r.uid = row.uid, r.fingerprint = row.fingerprint, r.imported_at = $now,
    r.updated_at = $now
RETURN count(r) AS written
""",
}


def experiment_edges(
    data_dir: Path,
    work_dir: Path | None,
    log: Callable[[str], None],
    batch_sizes: tuple[int, ...] = (2000,),
) -> list:
    """Load the entities with the loader, then time each edge shape over all ownership rows."""
    results = []
    entities_only = Path(tempfile.mkdtemp(prefix="bench-entities-"))
    try:
        shutil.copy(data_dir / "entities.csv", entities_only / "entities.csv")
        with fresh_server(work_dir) as server, server.open() as graph:
            loader.import_paths(graph, [entities_only], "bench")
            rows = [loader._row(r)[1] for r in _records(data_dir) if isinstance(r, Ownership)]
            with graph.driver.session(database=graph.database) as session:
                # warm the server's JIT up with every shape first (into throwaway types), so
                # that the order of the measurements does not decide them
                for text in EDGE_SHAPES.values():
                    for batch in _batches(rows, 2000):
                        _write(session, text.replace(":OWNS_", ":WARM_"), rows=batch, now=NOW)
                for batch_size in batch_sizes:
                    for title, text in EDGE_SHAPES.items():
                        cpu, client = server.cpu_seconds(), time.process_time()
                        started = time.perf_counter()
                        typed = text.replace(":OWNS_", f":OWNS{batch_size}_")  # fresh type
                        for batch in _batches(rows, batch_size):
                            _write(session, typed, rows=batch, now=NOW)
                        seconds = time.perf_counter() - started
                        result = {
                            "shape": title,
                            "batch_size": batch_size,
                            "rows": len(rows),
                            "seconds": round(seconds, 3),
                            "us_per_row": round(1e6 * seconds / len(rows), 1),
                            "records": len(rows),
                        }
                        _cpu(result, server, cpu, client)
                        results.append(result)
                        log(
                            f"edges, {title}, batch {batch_size}: "
                            f"{1e6 * seconds / len(rows):,.0f} µs per row, server CPU "
                            f"{result['server_cpu_us_per_record']} µs per row"
                        )
    finally:
        shutil.rmtree(entities_only, ignore_errors=True)
    return results


def experiment_latency(
    data_dir: Path, work_dir: Path | None, log: Callable[[str], None], repeat: int = 5
) -> list:
    """Where a latency goes: server execution (PROFILE's own figure), transfer and decoding
    by the driver (``graph.read`` minus execution), and Python after the rows arrived."""
    from bench.run import AS_OF, choose_subjects, percentile
    from ownership.analysis.chains import find_chains
    from ownership.analysis.owners import subsidiaries

    results = []
    with fresh_server(work_dir) as server, server.open() as graph:
        loader.import_paths(graph, [data_dir], "bench")
        head = choose_subjects(graph)["head"]["ref"]
        cases = [
            (
                "chains JP → RU",
                cypher.CHAINS,
                6,
                dict(from_country="JP", to_country="RU", via=[], as_of=AS_OF),
                lambda: find_chains(graph, "JP", "RU", (), AS_OF, 6),
            ),
            (
                # the query is the per-path one subsidiaries() used to run: execution and read
                # are that query's, "function" is today's level-by-level walk
                "subsidiaries of the largest group (subsidiary_paths vs the walk)",
                cypher.SUBSIDIARY_PATHS,
                10,
                dict(uid=head.uid, as_of=AS_OF),
                lambda: subsidiaries(graph, head, AS_OF),
            ),
        ]
        for title, query, hops, params, call in cases:
            text = query.render(hops)
            samples: dict[str, list[float]] = {"execution": [], "read": [], "function": []}
            for i in range(repeat + 1):
                with graph.driver.session(database=graph.database) as session:
                    summary = session.run("PROFILE " + text, params).consume()
                found = re.search(
                    r"Execution Time: ([\d.]+) ms", str((summary.profile or {}).get("args", {}))
                )
                started = time.perf_counter()
                rows = graph.read(query, max_hops=hops, **params)
                read = time.perf_counter() - started
                started = time.perf_counter()
                call()
                function = time.perf_counter() - started
                if i and found:  # the first round warms up
                    samples["execution"].append(float(found.group(1)) / 1000)
                    samples["read"].append(read)
                    samples["function"].append(function)
            p50 = {k: round(percentile(v, 50), 4) for k, v in samples.items() if v}
            result = {
                "query": title,
                "rows": len(rows),
                "p50_seconds": p50,
                "rust_ext": _rust_ext(),
            }
            results.append(result)
            log(f"{title}: {len(rows)} rows, p50 {p50} (rust ext: {result['rust_ext']})")
    return results


def experiment_memory(data_dir: Path, work_dir: Path | None, log: Callable[[str], None]) -> list:
    """Peak RSS of the importing process, as the loader is and with consumed results released
    (:mod:`bench.import_child`), each in a fresh server."""
    from bench.run import measure_import

    results = []
    for release in (False, True):
        command = [sys.executable, "-m", "bench.import_child", str(data_dir)]
        if release:
            command.append("--release-results")
        with fresh_server(work_dir) as server:
            measured = measure_import(data_dir, server.env, 7200, command)
            measured["release_results"] = release
            measured["server_peak_rss_kb"] = server.peak_rss_kb()
            results.append(measured)
            log(
                f"memory, release results {release}: importer peak RSS "
                f"{measured['peak_rss_kb'] / 1024:,.0f} MB, {measured['wall_seconds']} s"
            )
    return results


def _rust_ext() -> bool:
    try:
        import neo4j._rust  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return False
    return True


def _cpu(result: dict[str, Any], server: Any, before: float | None, client: float) -> None:
    """Add the server's and this process's CPU seconds spent since ``before`` / ``client``."""
    after = server.cpu_seconds()
    records = result.get("records") or 0
    result["client_cpu_seconds"] = round(time.process_time() - client, 3)
    result["server_cpu_seconds"] = round(after - before, 3) if before is not None else None
    if records and result["server_cpu_seconds"] is not None:
        result["server_cpu_us_per_record"] = round(1e6 * result["server_cpu_seconds"] / records)
        result["client_cpu_us_per_record"] = round(1e6 * result["client_cpu_seconds"] / records)


EXPERIMENTS = {
    "raw": experiment_raw,
    "shape": experiment_shape,
    "edges": lambda d, w, log: experiment_edges(d, w, log, (500, 2000, 10000)),
    "latency": experiment_latency,
    "memory": experiment_memory,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.experiments")
    parser.add_argument("--size", default="10k")
    parser.add_argument("--only", default=",".join(EXPERIMENTS))
    parser.add_argument("--data-dir", type=Path, default=DATA_ROOT)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--work-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    label, companies = parse_size(args.size)
    data_dir, _ = ensure_data(args.data_dir, label, companies, SEED)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    path = args.out / f"experiments-{label}.json"
    results: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    results.update({"size": label, "load_average_start": load_average()})  # keeps other runs
    for name in args.only.split(","):
        key = name + (" (neo4j-rust-ext)" if _rust_ext() else "")
        results[key] = EXPERIMENTS[name](data_dir, args.work_dir, log)
    results["load_average_end"] = load_average()
    args.out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str))
    log(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Where the import time goes: the loader run in-process with every statement timed by name.

``python -m bench.run --sizes 10k --profile-import [--batch-sizes 500,2000,5000]`` imports the
data once per batch size, each into a fresh server, with :class:`ownership.graph.Transaction`
``run``/``read``, ``Graph.write`` (schema) and the final commit wrapped by timers. Statements are
timed from send to the last row (the loader consumes every result), so a statement's time is
the server's execution plus the round trip. What is left of the wall time is the client: the
validation pass, row building (normalization, fingerprints) and the driver's packing.
"""

from __future__ import annotations

import contextlib
import cProfile
import pstats
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import neo4j

from ownership import graph as graph_module
from ownership import loader
from ownership.cypher import Query


class StatementTimer:
    """Calls, seconds and rows per statement name."""

    def __init__(self, server_cpu: Callable[[], float | None] = lambda: None) -> None:
        self.server_cpu = server_cpu
        self.calls: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.rows: dict[str, int] = defaultdict(int)

    def add(
        self,
        name: str,
        seconds: float,
        params: dict[str, Any],
        cpu: tuple[float | None, float | None] = (None, None),
    ) -> None:
        self.calls[name] += 1
        self.seconds[name] += seconds
        if cpu[0] is not None and cpu[1] is not None:
            self.cpu[name] += cpu[1] - cpu[0]
        rows = params.get("rows", params.get("uids"))
        self.rows[name] += len(rows) if isinstance(rows, list) else 1

    def table(self) -> list[dict[str, Any]]:
        return [
            {
                "statement": name,
                "calls": self.calls[name],
                "rows": self.rows[name],
                "seconds": round(self.seconds[name], 3),
                "ms_per_call": round(1000 * self.seconds[name] / self.calls[name], 2),
                "us_per_row": round(1e6 * self.seconds[name] / max(self.rows[name], 1), 1),
                "server_cpu_seconds": round(self.cpu[name], 3) if name in self.cpu else None,
                "server_cpu_us_per_row": (
                    round(1e6 * self.cpu[name] / max(self.rows[name], 1), 1)
                    if name in self.cpu
                    else None
                ),
            }
            for name in sorted(self.seconds, key=lambda n: -self.seconds[n])
        ]


@contextlib.contextmanager
def timed_statements(
    server_cpu: Callable[[], float | None] = lambda: None,
) -> Iterator[StatementTimer]:
    """Patch the graph layer (only inside this block) to time every statement by name, in wall
    time and, when ``server_cpu`` can tell, in the server's CPU time."""
    timer = StatementTimer(server_cpu)
    tx_run, tx_read = graph_module.Transaction.run, graph_module.Transaction.read
    graph_write = graph_module.Graph.write
    commit = neo4j.Transaction.commit
    validate = loader.validate

    def wrap(method: Any) -> Any:
        def timed(self: Any, query: Query, **params: Any) -> Any:
            cpu = server_cpu()
            started = time.perf_counter()
            try:
                return method(self, query, **params)
            finally:
                timer.add(query.name, time.perf_counter() - started, params, (cpu, server_cpu()))

        return timed

    def timed_commit(self: Any) -> Any:
        cpu = server_cpu()
        started = time.perf_counter()
        try:
            return commit(self)
        finally:
            timer.add("(commit)", time.perf_counter() - started, {}, (cpu, server_cpu()))

    def timed_validate(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return validate(*args, **kwargs)
        finally:
            timer.add("(validation pass, client)", time.perf_counter() - started, {})

    graph_module.Transaction.run = wrap(tx_run)  # type: ignore[method-assign]
    graph_module.Transaction.read = wrap(tx_read)  # type: ignore[method-assign]
    graph_module.Graph.write = wrap(graph_write)  # type: ignore[method-assign]
    neo4j.Transaction.commit = timed_commit  # type: ignore[method-assign]
    loader.validate = timed_validate  # type: ignore[assignment]
    try:
        yield timer
    finally:
        graph_module.Transaction.run = tx_run  # type: ignore[method-assign]
        graph_module.Transaction.read = tx_read  # type: ignore[method-assign]
        graph_module.Graph.write = graph_write  # type: ignore[method-assign]
        neo4j.Transaction.commit = commit  # type: ignore[method-assign]
        loader.validate = validate  # type: ignore[assignment]


def profile_import(
    graph: graph_module.Graph,
    data_dir: Path,
    batch_size: int,
    server_cpu: Callable[[], float | None] = lambda: None,
    profile_client: bool = False,
    commit_every: int | None = None,
) -> dict[str, Any]:
    """Import ``data_dir`` into ``graph`` (empty) with timers; the breakdown as a dict.

    With ``profile_client`` the client's CPU is also attributed, with :mod:`cProfile` on CPU
    time, to the driver, the source reader, the loader's row building and the rest
    (:func:`client_buckets`); cProfile slows the client down, so the wall time grows."""
    profiler = cProfile.Profile(time.process_time) if profile_client else None
    with timed_statements(server_cpu) as timer:
        cpu = time.process_time()
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        try:
            summary = loader.import_paths(
                graph,
                [data_dir],
                "bench",
                batch_size=batch_size,
                commit_every=loader.COMMIT_EVERY if commit_every is None else commit_every,
            )
        finally:
            if profiler:
                profiler.disable()
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu
    statements = timer.table()
    in_db = sum(
        row["seconds"] for row in statements if not row["statement"].startswith("(validation")
    )
    validation = sum(
        row["seconds"] for row in statements if row["statement"].startswith("(validation")
    )
    return {
        "batch_size": batch_size,
        "commit_every": loader.COMMIT_EVERY if commit_every is None else commit_every,
        "transactions": summary.transactions,
        "records": summary.total_read,
        "wall_seconds": round(wall, 3),
        "records_per_second": round(summary.total_read / wall, 1) if wall else None,
        "client_cpu_seconds": round(cpu, 3),
        "statement_seconds": round(in_db, 3),
        "validation_seconds": round(validation, 3),
        "client_write_pass_seconds": round(wall - in_db - validation, 3),
        "client_cpu_by_part": client_buckets(profiler) if profiler else None,
        "statements": statements,
    }


BUCKETS = (
    ("neo4j driver (packing, unpacking, socket I/O)", ("/neo4j/",)),
    (
        "source reader and validation (registry CSV)",
        ("/ownership/sources/", "/csv.py", "pycountry"),
    ),
    (
        "row building (normalize, fingerprint)",
        (
            "/ownership/loader.py",
            "/ownership/records.py",
            "/ownership/text.py",
            "/json/",
            "unicodedata",
        ),
    ),
)


def client_buckets(profiler: cProfile.Profile) -> dict[str, float]:
    """The client CPU seconds of an import by part, from a cProfile on CPU time (own time of
    each function, so nothing is counted twice; C builtins go with the module calling them)."""
    stats = pstats.Stats(profiler)
    totals: dict[str, float] = defaultdict(float)
    callers_of: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, _line, name), (_cc, _nc, tottime, _ct, callers) in callers_of.items():
        where = filename
        if filename == "~" and callers:  # a builtin: charge it to its heaviest caller's file
            where = max(callers.items(), key=lambda item: item[1][2])[0][0]
        part = next((title for title, keys in BUCKETS if any(k in where for k in keys)), "other")
        if filename == "~" and name in ("<method 'recv_into' of '_socket.socket' objects>",):
            part = "neo4j driver (packing, unpacking, socket I/O)"
        totals[part] += tottime
    return {k: round(v, 3) for k, v in sorted(totals.items(), key=lambda kv: -kv[1])}

"""Where the kept answers' upkeep spends its time: per step of ``upkeep.maintain``, the
seconds waiting on the server's reads (rows fetched and made into Python values), on writes
(statements and commits) and the rest (the client's computation).

``python -m bench.upkeep_profile`` against the graph of ``OWNERSHIP_HOME`` / ``NEO4J_URI``
keeps the answers as an import or refresh would and prints one JSON document: per step its
wall seconds, ``read``, ``write`` and ``compute`` seconds and the reads by query name. The
graph's methods are wrapped for the run only (a measurement: nothing of it is in the
package). ``--refresh SOURCES.toml`` runs ``ownership refresh`` of that file instead, in this
process, and profiles the whole run the same way (the steps before the answers under
``refresh``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ownership import graph as graph_module
from ownership.analysis import upkeep

STEPS = {  # the functions upkeep.maintain's steps call, by the step's name
    "flags": "keep_flag_timeline",
    "gaps": "keep_gap_timeline",
    "landing": "keep_landing",
    "groups": "keep_largest",
    "periods": "keep_periods",
    "blocked": "keep_findings",
    "chains": "keep_asked",
    "counts": "keep_counts",
    "search": "keep_search_index",
}


class Profile:
    """Seconds per (step, what, query name), the step being the one running now."""

    def __init__(self) -> None:
        self.step = "refresh"
        self.seconds: dict[tuple[str, str, str], float] = defaultdict(float)
        self.wall: dict[str, float] = defaultdict(float)

    def add(self, what: str, name: str, seconds: float) -> None:
        self.seconds[(self.step, what, name)] += seconds

    def timed(self, what: str, name: Callable[..., str], fn: Callable[..., Any]) -> Callable:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(what, name(*args, **kwargs), time.perf_counter() - started)

        return wrapper

    def streamed(self, fn: Callable[..., Iterator[Any]], name: Callable[..., str]) -> Callable:
        def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
            rows = fn(*args, **kwargs)
            label = name(*args, **kwargs)
            while True:
                started = time.perf_counter()
                try:
                    row = next(rows)
                except StopIteration:
                    self.add("read", label, time.perf_counter() - started)
                    return
                self.add("read", label, time.perf_counter() - started)
                yield row

        return wrapper

    def in_step(self, step: str, fn: Callable[..., Any]) -> Callable:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            outer, self.step = self.step, step
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.wall[step] += time.perf_counter() - started
                self.step = outer

        return wrapper

    def summary(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for step in dict.fromkeys([*self.wall, *(s for s, _, _ in self.seconds)]):
            read = sum(v for (s, w, _), v in self.seconds.items() if s == step and w == "read")
            write = sum(v for (s, w, _), v in self.seconds.items() if s == step and w == "write")
            wall = self.wall.get(step)
            found[step] = {
                "wall": None if wall is None else round(wall, 2),
                "read": round(read, 2),
                "write": round(write, 2),
                "compute": None if wall is None else round(wall - read - write, 2),
                "reads": {
                    n: round(v, 2)
                    for (s, w, n), v in sorted(self.seconds.items(), key=lambda kv: -kv[1])
                    if s == step and w == "read" and v >= 0.05
                },
            }
        return found


def install(profile: Profile) -> None:
    """Wrap the graph's reads and writes and upkeep's steps."""
    g, t = graph_module.Graph, graph_module.Transaction

    def query_name(_self: Any, query: Any, *_: Any, **__: Any) -> str:
        return getattr(query, "name", "?")

    g.read = profile.timed("read", query_name, g.read)
    g.stream = profile.streamed(g.stream, query_name)
    g.write = profile.timed("write", query_name, g.write)
    t.read = profile.timed("read", query_name, t.read)
    t.stream = profile.streamed(t.stream, query_name)
    t.execute = profile.timed("write", query_name, t.execute)
    t.commit = profile.timed("write", lambda *_: "commit", t.commit)
    for step, function in STEPS.items():
        setattr(upkeep, function, profile.in_step(step, getattr(upkeep, function)))
    upkeep.dated_graph = profile.in_step("dated graph", upkeep.dated_graph)
    upkeep.keep_dated_graph = profile.in_step("dated graph kept", upkeep.keep_dated_graph)
    upkeep.maintain = profile.in_step("answers", upkeep.maintain)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refresh", type=Path, help="a sources file: profile a refresh of it")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    profile = Profile()
    install(profile)
    from ownership.config import Settings  # after install: the CLI's imports are wrapped too
    from ownership.graph import Graph

    started = time.perf_counter()
    if args.refresh:
        from ownership.refresh.runner import run_refresh
        from ownership.refresh.sources import load_config

        settings = Settings.from_env()
        report = run_refresh(load_config(args.refresh), settings.home, Graph.open)
        result: Any = report.as_dict().get("answers_kept")
    else:
        with Graph.open() as graph:
            result = upkeep.maintain(graph)
    profile.wall["total"] = time.perf_counter() - started
    json.dump({"result": result, "steps": profile.summary()}, sys.stdout, indent=1, default=str)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())

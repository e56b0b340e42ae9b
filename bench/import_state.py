"""What keeping a source's refresh state costs an import (ownership/refresh/state.py), on an
existing home, with the process's resident set sampled every 50 ms; one JSON line with the
seconds (wall and CPU), the start and peak (MiB) and the load average. Run on a copy of a
home, under ``/usr/bin/time -v`` for the whole process's peak::

    OWNERSHIP_HOME=/tmp/me/home-1m python -m bench.import_state read
    OWNERSHIP_HOME=/tmp/me/home-1m python -m bench.import_state noted /work/data/1m

``read``: the state read back from the graph and kept, as after an import over an earlier
one (:func:`~ownership.refresh.state.keep_after_import` without a noted state). ``noted``: a
first load's noting (:class:`~ownership.refresh.state.Written`) of every row of the dataset's
files, in the import's batches, as if each record founded its own entity and every row were
written (no graph write: an import of a million companies takes half an hour), then that
state kept under the source name ``SOURCE-noted`` (so it never stands for the real source);
the seconds of the noting alone, the rest being the reading the import does anyway.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.maintain_memory import resident_mib
from ownership.commandline import open_graph
from ownership.graph import Graph
from ownership.loader import BATCH_SIZE, Batches
from ownership.problems import ProblemLog
from ownership.refresh import state as kept_state
from ownership.sources import resolve_format


class _Noting(Batches):
    """The import's batches, handed to a :class:`~ownership.refresh.state.Written` only."""

    def __init__(self, written: kept_state.Written) -> None:
        super().__init__(BATCH_SIZE)
        self.written = written
        self.wall = self.cpu = 0.0

    def write(self, name: str, rows: list[dict[str, Any]]) -> None:
        if name == "entities":  # as if resolution found every record new
            for row in rows:
                row["entity_uid"] = row["uid"]
        wall, cpu = time.perf_counter(), time.process_time()
        self.written.note(name, rows, len(rows))
        self.wall += time.perf_counter() - wall
        self.cpu += time.process_time() - cpu


def _noted(graph: Graph, data: Path, source: str) -> dict[str, float]:
    written = kept_state.Written()
    noting = _Noting(written)
    for record in resolve_format(data, "auto").read(data, source, ProblemLog()):
        noting.add(record)
    noting.flush_all()
    wall, cpu = time.perf_counter(), time.process_time()
    written.began = written.ended = kept_state.versions(graph)[1]
    assert written.keep(graph, f"{source}-noted")
    return {
        "note_s": round(noting.wall, 1),
        "note_cpu_s": round(noting.cpu, 1),
        "keep_s": round(time.perf_counter() - wall, 1),
        "keep_cpu_s": round(time.process_time() - cpu, 1),
    }


def measure(step: Callable[[], dict[str, float] | None]) -> dict[str, Any]:
    """``step``'s own figures, its seconds and the resident set before and at its peak."""
    samples: list[int] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append(resident_mib())
            time.sleep(0.05)

    start = resident_mib()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    wall, cpu = time.perf_counter(), time.process_time()
    figures = step() or {}
    done.set()
    sampler.join()
    return {
        **figures,
        "seconds": round(time.perf_counter() - wall, 1),
        "cpu_s": round(time.process_time() - cpu, 1),
        "start_mib": start,
        "peak_mib": max(samples, default=start),
        "load": Path("/proc/loadavg").read_text().split()[:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("how", choices=("read", "noted"))
    parser.add_argument("data", nargs="?", type=Path, help="the dataset (noted)")
    parser.add_argument("--source", default="bench")
    args = parser.parse_args()
    with open_graph() as graph:
        if args.how == "read":
            result = measure(lambda: kept_state.keep_after_import(graph, args.source))
        else:
            result = measure(lambda: _noted(graph, args.data, args.source))
    print(json.dumps(result))


if __name__ == "__main__":
    main()

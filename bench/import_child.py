"""``ownership import`` in a child process, optionally with one change, to measure its memory.

    python -m bench.import_child DIR [--release-results] [--batch-size N]

``--release-results`` makes :meth:`ownership.graph.Transaction.run`/``read`` drop the driver's
reference to each result once it has been consumed. The driver's explicit transaction keeps
every :class:`neo4j.Result` it ran until commit, and each result keeps its parameters (the whole
batch of rows) in its metadata; in the loader's single transaction that is the whole dataset.
This is how ``bench.experiments --only memory`` shows it (the fix belongs in the loader).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def release_results() -> None:
    from ownership import graph

    run, read = graph.Transaction.run, graph.Transaction.read

    def released(method: Any) -> Any:
        def call(self: graph.Transaction, query: Any, **params: Any) -> Any:
            try:
                return method(self, query, **params)
            finally:
                self._tx._results.clear()  # consumed already; frees their parameters

        return call

    graph.Transaction.run = released(run)  # type: ignore[method-assign]
    graph.Transaction.read = released(read)  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_child")
    parser.add_argument("path", type=Path)
    parser.add_argument("--release-results", action="store_true")
    parser.add_argument("--batch-size", type=int, default=None)
    args = parser.parse_args(argv)
    if args.release_results:
        release_results()
    from ownership.config import Settings
    from ownership.graph import Graph
    from ownership.loader import BATCH_SIZE, import_paths

    with Graph.open(Settings.from_env()) as graph:
        summary = import_paths(
            graph, [args.path], "bench", batch_size=args.batch_size or BATCH_SIZE
        )
    print(json.dumps(summary.as_dict(), default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

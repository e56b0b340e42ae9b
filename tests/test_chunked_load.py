"""A source's first load too large for one transaction commits in chunks and is undone as a
whole: when it fails, and (by the next import) when the importer is killed."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import graph_dump

from bench.generate import generate
from ownership import cypher
from ownership.graph import Graph
from ownership.loader import import_paths
from ownership.unload import unload_source

# when (the source's generation is the load's clock) and from where, not what
VOLATILE = {"imported_at", "updated_at", "generation", "file"}


def dump(graph: Graph) -> tuple[list[str], list[str]]:
    """The graph without volatile timestamps, in a stable order."""
    return graph_dump(
        graph, lambda props: repr(sorted((k, v) for k, v in props.items() if k not in VOLATILE))
    )


def records_of(graph: Graph, source: str) -> int:
    rows = graph.run_read_only(
        "MATCH (r:Record {source: $source}) RETURN count(r) AS n", {"source": source}
    ).rows
    return rows[0]["n"]


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 1,200 records: companies, persons, bands, officers, sanctions, shared addresses."""
    folder = tmp_path_factory.mktemp("big")
    generate(folder, companies=300, seed=7)
    return folder


@pytest.fixture(scope="module")
def overlap(big: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An earlier source holding 40 of the same companies (same register numbers), so the big
    source's records join its entities instead of founding their own."""
    folder = tmp_path_factory.mktemp("overlap")
    with open(big / "entities.csv", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [row for row in reader if row["type"] == "company" and row["registration_number"]]
        fields = reader.fieldnames
    assert fields
    with open(folder / "entities.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for row in rows[:40]:
            writer.writerow({**row, "name": row["name"] + " (earlier filing)", "tags": "early"})
    return folder


def test_chunked_first_load_equals_one_transaction(graph, big):
    whole = import_paths(graph, [big], "big", commit_every=0)
    assert whole.transactions == 1
    expected = dump(graph)
    graph.empty()
    chunked = import_paths(graph, [big], "big", commit_every=100)
    assert chunked.transactions > 5
    assert chunked.total_read == whole.total_read > 1000
    assert dump(graph) == expected
    # a re-import is not a first load: one transaction, nothing written
    again = import_paths(graph, [big], "big", commit_every=100)
    assert again.transactions == 1
    assert sum(again.written.values()) == 0
    assert not graph.read(cypher.INTERRUPTED_LOADS)


def test_failed_chunked_load_is_undone(graph, big, overlap):
    import_paths(graph, [overlap], "earlier")
    before = dump(graph)
    # the big source joins the earlier one's companies: check that it really does
    import_paths(graph, [big], "big", commit_every=100)
    joined = graph.run_read_only(
        "MATCH (:Record {source: 'big'})-[:DESCRIBES]->(e:Entity)<-[:DESCRIBES]-"
        "(:Record {source: 'earlier'}) RETURN count(DISTINCT e) AS n",
        {},
    ).rows[0]["n"]
    assert joined == 40
    unload_source(graph, "big")
    assert dump(graph) == before  # unloading a source restores the graph exactly

    class Interrupted(Exception):
        pass

    def interrupt(done: int, total: int) -> None:
        if done >= 600:  # several chunks committed, entities and edges among them
            raise Interrupted

    assert records_of(graph, "big") == 0
    with pytest.raises(Interrupted):
        import_paths(graph, [big], "big", progress=interrupt, commit_every=100)
    assert records_of(graph, "big") == 0
    assert dump(graph) == before


def test_killed_chunked_load_is_undone_by_the_next_import(graph, big, overlap, cli_env):
    import_paths(graph, [overlap], "earlier")
    before = dump(graph)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}, **cli_env}
    importer = subprocess.Popen(
        [sys.executable, "-m", "ownership", "import", str(big), "--source", "big"]
        + ["--commit-every", "20"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while records_of(graph, "big") < 200:  # some chunks are committed
            assert importer.poll() is None, "the import finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        importer.send_signal(signal.SIGKILL)
    finally:
        importer.wait(timeout=60)
    assert records_of(graph, "big") >= 200  # left behind, marked as an interrupted load
    assert [row["name"] for row in graph.read(cypher.INTERRUPTED_LOADS)] == ["big"]
    # the next import of anything takes it out first
    import_paths(graph, [overlap], "earlier")
    assert records_of(graph, "big") == 0
    assert not graph.read(cypher.INTERRUPTED_LOADS)
    assert dump(graph) == before

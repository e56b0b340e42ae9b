"""The benchmark's first load by the bulk path (``python -m bench.run --server neo4j-kit
--first-load bulk``), end to end at a tiny size: the graph it measures is the source's, and the
report's import rows show the bulk load's parts.

It starts a kit server of its own and runs the kit's neo4j-admin, so it runs in the suite on
Neo4j (``make test-neo4j``, where the kit is) and is skipped elsewhere, like tests/test_bulk.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import assert_answers_kept_only_when_changed

from bench import run as bench_run
from bench.server import DEFAULT_KIT


@pytest.fixture(scope="module")
def bulk_bench(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str, Path]:
    if not (DEFAULT_KIT / "server").is_file():
        pytest.skip(f"no Neo4j kit at {DEFAULT_KIT} (its neo4j-admin is what this runs)")
    if not os.environ.get("NEO4J_URI"):
        pytest.skip("the bulk path is Neo4j's: run in the suite on Neo4j (make test-neo4j)")
    root = tmp_path_factory.mktemp("bench-bulk")
    out = root / "benchmarks.md"
    status = bench_run.main(
        [
            "--sizes=300",
            "--repeat=1",
            "--cap=60",
            "--server=neo4j-kit",
            "--first-load=bulk",
            "--skip-peers",
            f"--kit={DEFAULT_KIT}",
            f"--out={out}",
            f"--data-dir={root / 'data'}",
            f"--results-dir={root / 'results'}",
            f"--work-dir={root / 'work'}",
        ]
    )
    assert status == 0
    result = json.loads((root / "results" / "300-neo4j.json").read_text())
    return result, out.read_text(), root


def test_the_graph_measured_is_the_bulk_loaded_source(bulk_bench: tuple[dict, str, Path]) -> None:
    result, _, root = bulk_bench
    imp = result["import"]
    assert imp["first_load"] == "bulk" and not imp.get("failed"), imp
    assert imp["records"] == sum(result["data"]["counts"].values())
    parts = imp["bulk"]
    assert list(parts) == ["export", "stop", "neo4j_admin", "start", "db_init"]
    assert parts["db_init"]["maintained_seconds"]  # db init kept today's answers …
    assert result["graph"]["kept_nodes"] > 0  # … as nodes of their own, the only ones added
    state = parts["export"]["state_nodes"]  # but the refresh state, noted by the export
    assert state > 0 and parts["db_init"]["states_kept"] == ["bench"]
    added = result["graph"]["kept_nodes"] - state
    assert result["graph"]["nodes"] - parts["export"]["nodes"] == added
    assert result["graph"]["relationships"] == parts["export"]["relationships"]
    assert parts["db_init"]["lists_filled"] > 0  # the load was completed
    assert imp["wall_seconds"] == pytest.approx(sum(p["wall_seconds"] for p in parts.values()))
    assert "error" not in json.dumps(result["latency"]["results"])  # measured on that graph
    assert not list((root / "work").glob("ownership-bulk-export-*"))  # the CSV files are gone


def test_an_unchanged_refresh_after_the_bulk_load_keeps_no_answer_again(
    bulk_bench: tuple[dict, str, Path],
) -> None:
    """After the bulk path and ``db init`` (which keeps today's answers), the benchmark's
    unchanged refreshes write nothing and keep nothing again, as after ``ownership import``
    (the 1M run's 447 s of answers kept again came from a code change in mid-run:
    docs/bulk-load.md); the 1 % changed refresh keeps them because it changed the data."""
    result, text, _ = bulk_bench
    assert_answers_kept_only_when_changed(result["refresh"])
    assert result["code"]["start"] == result["code"]["end"]
    assert "| 1 % changed |" in text


def test_the_report_shows_the_parts(bulk_bench: tuple[dict, str, Path]) -> None:
    _, text, _ = bulk_bench
    assert "| ours: bulk load: export, neo4j-admin, restart, `db init`" in text
    for part in ("`ownership export --neo4j-admin`", "`neo4j-admin database import full`"):
        assert f"| {part}" in text
    assert "| `ownership db init` (schema, empty lists" in text

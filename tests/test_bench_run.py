"""The benchmark harness end to end, at a tiny size (``python -m bench.run``).

It starts its own embedded server in a temporary OWNERSHIP_HOME (or, with NEO4J_URI set, EMPTIES
that database, as the rest of the suite does) and must stop it when done.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from pathlib import Path

import pytest
from conftest import assert_answers_kept_only_when_changed, slow_query

from bench import run as bench_run
from bench.server import BenchServer, fresh_server
from ownership.config import Settings

HAND_WRITTEN = "## Findings\n\nKept across runs: written by hand.\n"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = Path(f"/proc/{pid}/cmdline")
    return cmdline.exists() and b"ArcadeDBServer" in cmdline.read_bytes()


def _rate(table_row: str) -> float:
    cells = [c.strip() for c in table_row.strip().strip("|").split("|")]
    return float(cells[3].replace(",", ""))


@pytest.fixture(scope="module")
def bench_output(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, str]:
    root = tmp_path_factory.mktemp("bench")
    out = root / "benchmarks.md"
    out.write_text(
        f"# Benchmarks\n\nIntro by hand.\n\n{bench_run.START}\nold figures\n{bench_run.END}\n\n"
        + HAND_WRITTEN
    )
    status = bench_run.main(
        [
            "--sizes",
            "300",
            "--repeat",
            "1",
            "--peer-sample",
            "200",
            "--cap",
            "60",
            "--out",
            str(out),
            "--data-dir",
            str(root / "data"),
            "--results-dir",
            str(root / "results"),
            "--work-dir",
            str(root / "homes"),
        ]
    )
    assert status == 0
    neo4j = "-neo4j" if os.environ.get("NEO4J_URI") else ""  # a Neo4j run has its own file
    result = json.loads((root / "results" / f"300{neo4j}.json").read_text())
    return out, result, out.read_text()


def test_report_keeps_the_hand_written_parts(bench_output: tuple[Path, dict, str]) -> None:
    _, _, text = bench_output
    assert text.startswith("# Benchmarks\n\nIntro by hand.")
    assert text.rstrip().endswith(HAND_WRITTEN.rstrip())
    assert "old figures" not in text
    assert text.count(bench_run.START) == 1 and text.count(bench_run.END) == 1
    kind = "neo4j" if os.environ.get("NEO4J_URI") else "size"
    assert f"<!-- block:{kind}:300 -->" in text


def test_report_has_every_table_row(bench_output: tuple[Path, dict, str]) -> None:
    _, _, text = bench_output
    for row in (
        "| ours: `ownership import`",
        "| per record: one `execute_write` per record",
        "| raw ceiling: `UNWIND … CREATE`",
        "| import vs per record (wall)",
        "| raw ceiling vs import (wall)",
        "| import time for 1M companies",
        "| peak RSS of the importing process",
    ):
        assert row in text, row
    for spec in bench_run.LATENCIES:
        assert f"| {spec.title} |" in text, spec.title
    assert "| > cap" not in text
    assert re.search(r"AMD|Intel|ARM|aarch64|x86_64|\w", text.split("Measured", 1)[1])


def test_rates_are_positive(bench_output: tuple[Path, dict, str]) -> None:
    _, result, text = bench_output
    lines = {
        line.split("|")[1].strip()[:12]: line
        for line in text.splitlines()
        if line.startswith("| ours:")
        or line.startswith("| per record:")
        or line.startswith("| raw ceiling:")
    }
    assert len(lines) == 3
    for line in lines.values():
        assert _rate(line) > 0
    imp = result["import"]
    records = sum(result["data"]["counts"].values())
    assert imp["records"] == records > 1000
    assert imp["records_per_second"] > 0 and imp["wall_seconds"] > 0
    assert 10_000 < imp["peak_rss_kb"] < 2 * 1024 * 1024  # kB: a Python process, not a leak
    assert result["raw"]["records"] == records
    assert 0 < result["per_record"]["records"] <= 200
    assert result["graph"]["nodes"] > result["data"]["counts"]["entities.csv"]


def test_latencies_measured_on_real_subjects(bench_output: tuple[Path, dict, str]) -> None:
    _, result, _ = bench_output
    latency = result["latency"]
    assert set(latency["subjects"]) == {"head", "member", "mid"}
    for spec in bench_run.LATENCIES:
        measured = latency["results"][spec.key]
        assert not measured.get("capped") and "skipped" not in measured, spec.key
        assert measured["runs"] == 1
        assert 0 < measured["p50_seconds"] <= measured["p95_seconds"] < 60
    results = latency["results"]
    assert results["subsidiaries"]["result_size"] >= latency["subjects"]["head"]["direct"]
    assert results["chains"]["result_size"] >= results["chains_via"]["result_size"]
    # the summary's total, the pruned search and the server's exhaustive query agree
    total = results["chains_summary"]["result_size"]
    assert total == results["chains"]["result_size"] == results["chains_exhaustive"]["result_size"]
    assert results["chains_first_ask"]["result_size"] == total  # the kept answer is the same


def test_side_by_side_table_has_every_latency(bench_output: tuple[Path, dict, str]) -> None:
    _, result, _ = bench_output
    other = {
        **result,
        "server": {
            "kind": "neo4j-kit",
            "agent": "Neo4j/5.26.0",
            "kit_memory": {"NEO4J_KIT_HEAP": "2g", "NEO4J_KIT_PAGECACHE": "1g"},
        },
    }
    table = bench_run.render_compare(result, other)
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    for spec in bench_run.LATENCIES:
        firsts = [row.split(" | ")[0].removeprefix("| ").split(" (goal")[0] for row in rows]
        assert firsts.count(spec.title) == 1, spec.title
    assert "| server | " in table and "heap 2g, page cache 1g" in table


def test_the_server_it_started_is_stopped(bench_output: tuple[Path, dict, str]) -> None:
    _, result, _ = bench_output
    if result["server"]["kind"] != "embedded":
        pytest.skip("NEO4J_URI is set: the harness used that server")
    assert result["server_pids"]
    for pid in result["server_pids"]:
        assert not _alive(pid)


def test_sizes_parse() -> None:
    assert bench_run.parse_size("10k") == ("10k", 10_000)
    assert bench_run.parse_size("1M") == ("1m", 1_000_000)
    assert bench_run.parse_size("1.5m") == ("1.5m", 1_500_000)
    assert bench_run.parse_size("300") == ("300", 300)
    with pytest.raises(Exception, match="not a size"):
        bench_run.parse_size("lots")


def test_percentile_is_nearest_rank() -> None:
    samples = [0.5, 0.1, 0.3, 0.2, 0.4]
    assert bench_run.percentile(samples, 50) == 0.3
    assert bench_run.percentile(samples, 95) == 0.5
    assert bench_run.percentile([0.7], 95) == 0.7


def test_a_capped_measurement_stops_its_query_and_the_next_is_measured(
    tmp_path: Path, settings: Settings
) -> None:
    """A run past the cap is stopped on the server while its thread still holds the driver's
    connection; the harness must go on with a new driver (at 1M on Neo4j, closing the old one
    under the thread raised BufferError and ended the whole benchmark: a race this small query
    does not always lose, so the test checks the recovery, not the race)."""
    with contextlib.ExitStack() as stack:
        if os.environ.get("NEO4J_URI"):  # the suite's Neo4j: its runaway query is terminated
            server = BenchServer(settings=settings, env=dict(os.environ))
        else:  # an embedded server of its own: recovering restarts it
            server = stack.enter_context(fresh_server(tmp_path))
        latencies = bench_run.Latencies(server, repeat=2, cap=0.3)
        stack.callback(latencies.close)
        capped = latencies.measure(lambda graph: graph.run_read_only(slow_query(graph), {}))
        # the next one under a cap no loaded machine reaches: the first query on a restarted
        # server took more than 0.3 s at load 4-6
        latencies.cap = 60.0
        after = latencies.measure(lambda graph: graph.run_read_only("RETURN 1 AS n", {}))
    assert capped == {"capped": True, "cap_seconds": 0.3, "runs": 0, "result_size": None}
    assert not after["capped"] and after["runs"] == 2 and after["result_size"] == 1


def test_a_childs_peak_memory_is_its_own() -> None:
    """A child's ``ru_maxrss`` starts from its parent's size (the refresh rows of the 1M
    benchmark all said 4.5 GB, the harness's own size then); the harness reports the child's."""
    parent = bytearray(300_000_000)
    parent[::4096] = b"\x01" * len(range(0, len(parent), 4096))  # resident, not only reserved
    command = [sys.executable, "-c", "import time; x = bytearray(60_000_000); time.sleep(0.5)"]
    child = bench_run.run_child(command, dict(os.environ), cap=60)
    assert child["usage"].ru_maxrss > 300_000  # kB: what rusage says, the parent's size
    assert 60_000 < child["peak_rss_kb"] < 200_000  # the child's own 60 MB and Python
    del parent


def test_report_keeps_blocks_of_sizes_not_measured_again(tmp_path: Path) -> None:
    out = tmp_path / "b.md"
    bench_run.write_report(out, {"size:100k": "### 100k\nold\n", "profile:10k": "### p\n"})
    bench_run.write_report(out, {"size:10k": "### 10k\nnew\n", "size:100k": "### 100k\nnew\n"})
    text = out.read_text()
    assert "## Findings" in text  # the template's hand-written section
    generated = text.split(bench_run.START)[1].split(bench_run.END)[0]
    assert "old" not in generated
    order = [
        generated.index(f"<!-- block:{name} -->")
        for name in ("size:10k", "size:100k", "profile:10k")
    ]
    assert order == sorted(order)


def test_refreshes_measured_and_reported(bench_output: tuple[Path, dict, str]) -> None:
    """The unchanged refreshes (compared, then vouched for by the files' digest) find nothing
    to change; the 1 % one finds the edits the copy made (counted here from the files, not from
    the refresh) and all appear in the report."""
    _, result, text = bench_output
    found = result["refresh"]
    changed = found["changed"]
    for unchanged in (found["unchanged"], found["again"]):
        assert unchanged["report"]["status"] == "ok", unchanged
        assert sum(unchanged["report"]["changed"].values()) == 0
        assert sum(unchanged["report"]["added"].values()) == 0
        assert sum(unchanged["report"]["removed"].values()) == 0
    assert changed["report"]["status"] == "ok", changed
    assert sum(changed["edits"].values()) > 0
    touched = sum(changed["report"][k]["entities"] + changed["report"][k]["relationships"]
                  for k in ("added", "removed", "changed"))  # fmt: skip
    assert touched >= changed["edits"]["entities.csv"]
    assert "#### Refresh" in text and "| 1 % changed |" in text
    assert "| the same files once more (digest) |" in text
    assert_answers_kept_only_when_changed(found)
    [row] = [line for line in text.splitlines() if line.startswith("| 1 % changed |")]
    assert "answers kept again in" in row and "(this run changed the data)" in row


def test_the_code_measured_is_recorded_and_a_change_is_reported(
    bench_output: tuple[Path, dict, str],
) -> None:
    """A checkout changed under a running benchmark changes what its children run (the 1M
    Neo4j run of 2026-12-07: db init and refresh ran code a commit apart): the block says so."""
    _, result, text = bench_output
    assert result["code"]["start"] == result["code"]["end"] == bench_run.code_digest()
    assert "code changed during this run" not in text
    moved = {**result, "code": {"start": "aaaaaaaaaaaa", "end": "bbbbbbbbbbbb"}}
    assert "code changed during this run** (source digest aaaaaaaaaaaa" in bench_run.render_size(
        moved
    )


def test_changed_copy_changes_the_fraction_asked(tmp_path: Path) -> None:
    from bench.generate import generate
    from bench.refresh import changed_copy

    data = tmp_path / "data"
    generate(data, 2000, seed=7)
    edits = changed_copy(data, tmp_path / "changed", fraction=0.05, seed=1)
    before = (data / "entities.csv").read_text().splitlines()
    after = (tmp_path / "changed" / "entities.csv").read_text().splitlines()
    assert len(before) == len(after)
    renamed = sum(a != b for a, b in zip(before, after, strict=True))
    assert renamed == edits["entities.csv"] and 0.02 * len(before) < renamed < 0.1 * len(before)
    kept = (tmp_path / "changed" / "ownership.csv").read_text().splitlines()
    removed = len((data / "ownership.csv").read_text().splitlines()) - len(kept)
    assert removed == edits["ownership.csv"] // 2

"""The scheduled refresh (``ownership refresh``, contract section 4): per-source replacement,
the change report, the run ledger, the lock, URL sources and the ``--every`` schedule."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import (
    ENTITY_HEADER,
    OWNERSHIP_HEADER,
    REPO,
    company,
    graph_dump,
    owns,
    person,
    write_csv,
)

from bench import refresh as bench_refresh
from ownership import clock, cypher
from ownership.analysis import timelines, upkeep
from ownership.analysis.chains import find_chains
from ownership.analysis.stats import data_version, graph_stats
from ownership.cypher import Query
from ownership.graph import Graph, GraphUnavailable
from ownership.loader import import_paths
from ownership.locks import exclusive
from ownership.refresh import ledger, runner
from ownership.refresh import state as kept_state
from ownership.refresh.command import refresh_command, runs_command
from ownership.refresh.lock import RefreshLocked, refresh_lock
from ownership.refresh.report import render_text
from ownership.refresh.runner import run_refresh
from ownership.refresh.schedule import Scheduler, Stop, parse_duration
from ownership.refresh.sources import SourcesFileError, load_config

TODAY = clock.today()
YESTERDAY = TODAY - dt.timedelta(days=1)
REPORT_KEYS = {
    "run_id",
    "started_at",
    "finished_at",
    "status",
    "sources",
    "chains_new",
    "chains_gone",
    "newly_blocked",
    "no_longer_blocked",
    "error",  # more than the contract: the run's own failure, null when it has none
    "answers_kept",  # more than the contract: why the whole-graph answers were kept again
}
SOURCE_KEYS = {"name", "status", "error", "added", "removed", "changed"}
ZERO = {"entities": 0, "relationships": 0}

RETIRED = Query(
    "test_retired",
    """
CALL () {
  MATCH (x:Record) WHERE x.retired_on IS NOT NULL RETURN x.uid AS uid, x.retired_on AS day
  UNION ALL
  MATCH (x:Entity) WHERE x.retired_on IS NOT NULL RETURN x.uid AS uid, x.retired_on AS day
  UNION ALL
  MATCH ()-[x]->() WHERE x.retired_on IS NOT NULL RETURN x.uid AS uid, x.retired_on AS day
}
RETURN uid, day ORDER BY uid
""",
    "test",
)
FINGERPRINTS = Query(
    "test_fingerprints",
    """
CALL () {
  MATCH (x:Record) WHERE x.source = $source RETURN x.uid AS uid, x.fingerprint AS fp
  UNION ALL
  MATCH ()-[x:OWNS]->() WHERE x.source = $source RETURN x.uid AS uid, x.fingerprint AS fp
}
RETURN uid, fp ORDER BY uid
""",
    "test",
)


# -- helpers -----------------------------------------------------------------------------------


@pytest.fixture()
def home(settings, graph) -> Path:
    """The session's OWNERSHIP_HOME with no run ledger, cache or lock left by another test."""
    for name in ("runs", "cache"):
        shutil.rmtree(settings.home / name, ignore_errors=True)
    return settings.home


class Borrowed(Graph):
    """The session's connection, which a run must not close."""

    def close(self) -> None:
        pass


@pytest.fixture()
def borrow(graph) -> Callable[[], Graph]:
    return lambda: Borrowed(graph.driver, graph.database, graph.embedded)


@pytest.fixture()
def invoke(cli_env) -> Callable[..., Result]:
    runner = CliRunner()

    def run(command, *args: str) -> Result:
        return runner.invoke(command, list(args), env=cli_env, catch_exceptions=False)

    return run


def sources_toml(folder: Path, *sources: dict[str, str], watch: bool = True) -> Path:
    lines = []
    for source in sources:
        lines.append("[[source]]")
        lines.extend(f'{key} = "{value}"' for key, value in source.items())
    if watch:
        lines += ["[[watch]]", 'from = "JP"', 'to = "RU"']
    path = folder / "sources.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def refresh_json(invoke, toml: Path, code: int = 0) -> dict:
    result = invoke(refresh_command, "--sources", str(toml), "--format", "json")
    assert result.exit_code == code, result.output
    report = json.loads(result.stdout)
    assert set(report) == REPORT_KEYS
    assert all(set(s) == SOURCE_KEYS for s in report["sources"])
    return report


def chain_keys(chains: list[dict]) -> list[list[str]]:
    return [[e["uid"] for e in chain["entities"]] for chain in chains]


SCENARIO_ENTITIES = [
    company("jp1", "JP", name="Tsubame Exchange K.K."),
    company("sg1", "SG", name="Northbridge Pte"),
    company("ru1", "RU", name="OOO Angara"),
    company("jp2", "JP", name="Raijin K.K."),
    company("ru2", "RU", name="OOO Sayan"),
    company("gb1", "GB", name="Dormant Ltd"),
    person("p1", "RU", name="Ivan Petrov"),
]
SCENARIO_OWNERSHIP = [
    owns("jp1", "sg1", 100),
    owns("sg1", "ru1", 60),
    owns("jp2", "ru2", 40),
    owns("p1", "jp2", 55),
]
SCENARIO_SANCTIONS = [{"entity_id": "p1", "authority": "OFAC", "program": "RUSSIA-EO14024"}]


def scenario(make_dataset, name: str = "registry") -> Path:
    return make_dataset(SCENARIO_ENTITIES, SCENARIO_OWNERSHIP, [], SCENARIO_SANCTIONS, name=name)


# -- the sources file and durations (no graph) -------------------------------------------------


def test_sources_file_is_checked_with_file_and_key(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text(
        '[[source]]\nname = "a"\npath = "x"\n[[source]]\nname = "b"\nurl = "https://e.org/f.csv"\n'
        'format = "ofac"\ntimeout = 5\n[[watch]]\nfrom = "jp"\nto = "RU"\nvia = ["sg"]\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert [(s.name, s.path, s.url, s.format) for s in config.sources] == [
        ("a", "x", None, "auto"),
        ("b", None, "https://e.org/f.csv", "ofac"),
    ]
    assert config.sources[0].base == tmp_path and config.sources[1].timeout == 5.0
    assert (config.watches[0].from_country, config.watches[0].via) == ("JP", ("SG",))
    bad = {
        '[[source]]\nname = "a"\npath = "x"\n[[source]]\nname = "a"\npath = "y"\n': "already",
        '[[source]]\nname = "a"\n': "exactly one of path and url",
        '[[source]]\nname = "a"\npath = "x"\nfromat = "csv"\n': "unknown key 'fromat'",
        '[[source]]\npath = "x"\n': "name is required",
        '[[watch]]\nfrom = "JPN"\nto = "RU"\n': "[[watch]] #1 from",
        '[[watch]]\nfrom = "JP"\nto = "RU"\nmax_hops = 99\n': "max_hops",
        '[[source]]\nname = "a"\nurl = "ftp://x"\n': "url",
        "[[source]\n": "not valid TOML",
    }
    for text, message in bad.items():
        path.write_text(text, encoding="utf-8")
        with pytest.raises(SourcesFileError) as caught:
            load_config(path)
        assert str(path) in str(caught.value) and message in str(caught.value), text
    with pytest.raises(SourcesFileError, match="no such sources file"):
        load_config(tmp_path / "missing.toml")


def test_durations():
    assert [parse_duration(t) for t in ("30s", "15m", "6h", "1d", "1h30m")] == [
        30,
        900,
        21600,
        86400,
        5400,
    ]
    for text in ("", "6", "h", "-1h", "0s", "6 hours"):
        with pytest.raises(ValueError):
            parse_duration(text)


# -- replacement and the change report ---------------------------------------------------------


def test_two_runs_in_a_row_report_no_change(home, make_dataset, tmp_path, invoke):
    scenario(make_dataset)
    toml = sources_toml(tmp_path, {"name": "reg", "path": "registry", "format": "csv"})
    first = refresh_json(invoke, toml)
    assert first["status"] == "ok"
    [source] = first["sources"]
    assert source["added"] == {"entities": 7, "relationships": 5}
    assert chain_keys(first["chains_new"]) == [
        ["reg:jp1", "reg:sg1", "reg:ru1"],
        ["reg:jp2", "reg:ru2"],
    ]
    assert {f["id"] for f in first["newly_blocked"]} == {"p1", "jp2"}

    assert first["answers_kept"]["because"] == "this run changed the data"
    assert first["answers_kept"]["as_of"] == TODAY.isoformat() and first["answers_kept"]["seconds"]

    second = refresh_json(invoke, toml)
    assert second["status"] == "ok" and second["run_id"] != first["run_id"]
    assert second["answers_kept"] is None  # kept by the first run for this day and data
    [source] = second["sources"]
    assert (source["added"], source["changed"], source["removed"]) == (ZERO, ZERO, ZERO)
    assert second["chains_new"] == second["chains_gone"] == []
    assert second["newly_blocked"] == second["no_longer_blocked"] == []
    # the ledger: files (full reports) and Run nodes, newest first
    saved = ledger.load_reports(home)
    assert [r["run_id"] for r in saved] == [second["run_id"], first["run_id"]]
    assert saved[0] == second
    assert f"whole-graph answers for {TODAY}: kept in" in render_text(first)
    assert "(this run changed the data)" in render_text(first)
    assert "whole-graph answers: already kept for this day and data" in render_text(second)
    result = invoke(runs_command, "--format", "json")
    assert [r["run_id"] for r in json.loads(result.stdout)] == [second["run_id"], first["run_id"]]
    table = invoke(runs_command).stdout
    assert second["run_id"] in table.splitlines()[2] and "1/1 ok" in table


def test_an_edited_source_reports_exactly_its_changes(home, graph, make_dataset, tmp_path, invoke):
    folder = scenario(make_dataset)
    toml = sources_toml(tmp_path, {"name": "reg", "path": "registry"})
    refresh_json(invoke, toml)

    # remove sg1 -> ru1 (the watched chain), change p1's share in jp2, drop the dormant company
    edited = [owns("jp1", "sg1", 100), owns("jp2", "ru2", 40), owns("p1", "jp2", 45)]
    write_csv(folder / "ownership.csv", OWNERSHIP_HEADER, edited)
    entities = [e for e in SCENARIO_ENTITIES if e["id"] != "gb1"]
    write_csv(folder / "entities.csv", ENTITY_HEADER, entities)
    report = refresh_json(invoke, toml)
    [source] = report["sources"]
    assert source["added"] == ZERO
    assert source["changed"] == {"entities": 0, "relationships": 1}
    assert source["removed"] == {"entities": 1, "relationships": 1}
    assert chain_keys(report["chains_gone"]) == [["reg:jp1", "reg:sg1", "reg:ru1"]]
    assert report["chains_new"] == []
    assert [f["id"] for f in report["no_longer_blocked"]] == ["jp2"]  # 45 % < 50 %
    retired = graph.read(RETIRED)
    [gone_edge] = [row["uid"] for row in retired if "sg1" in row["uid"] and "ru1" in row["uid"]]
    assert sorted((row["uid"], row["day"]) for row in retired) == sorted(
        [("reg:gb1", TODAY), ("reg:gb1", TODAY), (gone_edge, TODAY)]  # the record and its entity
    )

    # kept for as-of queries before the run date, gone on and after it
    def keys(as_of: dt.date) -> list[list[str]]:
        return chain_keys([c.as_dict() for c in find_chains(graph, "JP", "RU", as_of=as_of)])

    assert keys(YESTERDAY) == [["reg:jp1", "reg:sg1", "reg:ru1"], ["reg:jp2", "reg:ru2"]]
    assert keys(TODAY) == [["reg:jp2", "reg:ru2"]]

    # the row comes back: un-retired, reported as added, the chain is new again
    write_csv(folder / "ownership.csv", OWNERSHIP_HEADER, [*edited, owns("sg1", "ru1", 60)])
    report = refresh_json(invoke, toml)
    [source] = report["sources"]
    assert source["added"] == {"entities": 0, "relationships": 1}
    assert source["removed"] == source["changed"] == ZERO
    assert chain_keys(report["chains_new"]) == [["reg:jp1", "reg:sg1", "reg:ru1"]]
    assert set(row["uid"] for row in graph.read(RETIRED)) == {"reg:gb1"}
    assert keys(TODAY) == keys(YESTERDAY)


def test_a_refresh_after_a_plain_import_reports_only_its_own_changes(
    home, graph, make_dataset, tmp_path, invoke
):
    folder = scenario(make_dataset)
    import_paths(graph, [folder], "reg")  # `ownership import`: no run stamps it
    toml = sources_toml(tmp_path, {"name": "reg", "path": "registry"})
    [source] = refresh_json(invoke, toml)["sources"]
    assert (source["added"], source["changed"], source["removed"]) == (ZERO, ZERO, ZERO)


def test_a_refresh_after_a_plain_import_still_reports_the_runs_changes(
    home, graph, make_dataset, tmp_path, invoke
):
    folder = scenario(make_dataset)
    import_paths(graph, [folder], "reg")
    # the run's data: jp1 renamed, gb1 gone, hk1 new
    renamed = {**SCENARIO_ENTITIES[0], "name": "Tsubame Digital Exchange K.K."}
    entities = [renamed, *SCENARIO_ENTITIES[1:5], SCENARIO_ENTITIES[6], company("hk1", "HK")]
    write_csv(folder / "entities.csv", ENTITY_HEADER, entities)
    toml = sources_toml(tmp_path, {"name": "reg", "path": "registry"})
    [source] = refresh_json(invoke, toml)["sources"]
    assert source["added"] == {"entities": 1, "relationships": 0}
    assert source["changed"] == {"entities": 1, "relationships": 0}
    assert source["removed"] == {"entities": 1, "relationships": 0}


def test_a_header_only_source_creates_nothing(home, graph, make_dataset, tmp_path, invoke):
    make_dataset([], name="empty")
    toml = sources_toml(tmp_path, {"name": "empty", "path": "empty"}, watch=False)
    report = refresh_json(invoke, toml)
    assert report["status"] == "ok" and report["sources"][0]["added"] == ZERO
    assert graph_stats(graph)["nodes"] == {"Run": 1}  # the run is recorded; no Source


def test_refresh_against_neo4j_requires_sources(cli_env):
    env = {**cli_env, "NEO4J_URI": "bolt://127.0.0.1:9", "NEO4J_USER": "u", "NEO4J_PASSWORD": "p"}
    result = CliRunner().invoke(refresh_command, [], env=env)
    assert result.exit_code != 0
    assert "--sources is required when NEO4J_URI is set" in result.output


def test_a_corrupt_source_keeps_its_data_and_the_others_go_on(
    home, graph, make_dataset, tmp_path, invoke
):
    good = make_dataset(
        [company("jp1", "JP"), company("ru1", "RU")], [owns("jp1", "ru1", 100)], name="good"
    )
    bad = make_dataset(
        [company("sg1", "SG"), company("ru9", "RU")], [owns("sg1", "ru9", 70)], name="bad"
    )
    toml = sources_toml(tmp_path, {"name": "good", "path": "good"}, {"name": "bad", "path": "bad"})
    refresh_json(invoke, toml)
    before = graph.read(FINGERPRINTS, source="bad")

    (bad / "entities.csv").write_text("id,type,name\nsg1,spaceship,\n", encoding="utf-8")
    write_csv(good / "ownership.csv", OWNERSHIP_HEADER, [owns("jp1", "ru1", 90)])
    result = invoke(refresh_command, "--sources", str(toml), "--format", "json")
    assert result.exit_code == 1
    assert "1 of 2 sources failed: bad: " in result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "partial"
    by_name = {s["name"]: s for s in report["sources"]}
    assert by_name["good"]["status"] == "ok" and by_name["good"]["error"] is None
    assert by_name["good"]["changed"] == {"entities": 0, "relationships": 1}
    assert by_name["bad"]["status"] == "failed"
    assert (
        "problem" in by_name["bad"]["error"] and "nothing was imported" in by_name["bad"]["error"]
    )
    assert by_name["bad"]["removed"] == ZERO
    assert graph.read(FINGERPRINTS, source="bad") == before  # previous data unchanged, not retired
    assert graph.read(RETIRED) == []
    assert len(find_chains(graph, "SG", "RU", as_of=TODAY)) == 1

    # every source failing (here: one missing, one unknown format) is status failed
    toml = sources_toml(
        tmp_path,
        {"name": "bad", "path": "nowhere"},
        {"name": "good", "path": "good", "format": "nonesuch"},
    )
    report = refresh_json(invoke, toml, code=1)
    assert report["status"] == "failed"
    errors = [s["error"] for s in report["sources"]]
    assert "no such file or folder" in errors[0] and "unknown format 'nonesuch'" in errors[1]
    assert graph.read(RETIRED) == []


def test_a_run_killed_between_import_and_stamping_is_repaired(
    home, graph, make_dataset, tmp_path, invoke
):
    folder = scenario(make_dataset)
    toml = sources_toml(tmp_path, {"name": "reg", "path": "registry"})
    refresh_json(invoke, toml)
    edited = [owns("jp1", "sg1", 100), owns("jp2", "ru2", 40), owns("p1", "jp2", 45)]
    write_csv(folder / "ownership.csv", OWNERSHIP_HEADER, edited)
    import_paths(graph, [folder], "reg")  # the import committed, then the process died

    report = refresh_json(invoke, toml)
    [source] = report["sources"]
    assert (source["added"], source["changed"], source["removed"]) == (
        ZERO,
        {"entities": 0, "relationships": 1},
        {"entities": 0, "relationships": 1},
    )
    assert chain_keys(report["chains_gone"]) == [["reg:jp1", "reg:sg1", "reg:ru1"]]
    assert [r["kind"] for r in graph.read(cypher.REFRESH_RETIRED, source="reg")] == ["OWNS"]


# -- robustness: a killed run, two runs at once -------------------------------------------------


@pytest.fixture(scope="module")
def big_dataset(tmp_path_factory) -> Path:
    from bench.generate import generate

    folder = tmp_path_factory.mktemp("bench") / "registry"
    generate(folder, companies=1000)
    return folder


def subprocess_env(cli_env: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    return {**env, **cli_env}


def test_a_killed_run_is_repaired_by_the_next(home, graph, big_dataset, tmp_path, cli_env, borrow):
    toml = sources_toml(tmp_path, {"name": "bench", "path": str(big_dataset)}, watch=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ownership.refresh", "--sources", str(toml)],
        cwd=REPO,
        env=subprocess_env(cli_env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while not any(
            s["status"] == "running" for r in ledger.load_reports(home) for s in r["sources"]
        ):
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "the refresh never started its source"
            time.sleep(0.05)
        time.sleep(0.3)  # inside the import, or after it (CI's machine imports in < 1 s)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    [killed] = ledger.load_reports(home)
    assert killed["status"] == "running"

    report = run_refresh(load_config(toml), home, borrow)
    assert report.status == "ok"
    repaired = ledger.load_report(home, killed["run_id"])
    assert repaired is not None and repaired["status"] == "failed"
    assert repaired["error"].startswith("interrupted")
    [source] = repaired["sources"]
    assert source["status"] in ("ok", "failed")  # imported, or stopped during its import
    if source["status"] == "failed":
        assert source["error"].startswith("interrupted")
    runs = {
        r["run_id"]: r["status"]
        for r in graph.read(
            Query("t", "MATCH (r:Run) RETURN r.run_id AS run_id, r.status AS status", "")
        )
    }
    assert runs == {killed["run_id"]: "failed", report.run_id: "ok"}
    assert graph.read(RETIRED) == []

    def without_runs(stats: dict) -> dict:
        """The data only: not the run ledger, nor the answers the refresh kept."""
        kept = ("Run", "Maintained")
        return {**stats, "nodes": {k: v for k, v in stats["nodes"].items() if k not in kept}}

    refreshed = without_runs(graph_stats(graph))
    graph.write(Query("wipe", "MATCH (n) DETACH DELETE n", "", write=True))
    import_paths(graph, [big_dataset], "bench")
    assert refreshed == graph_stats(graph)


IMPORTED = {"added": {"entities": 2, "relationships": 1}, "removed": ZERO, "changed": ZERO}


def test_a_run_stopped_after_its_sources_says_so(home):
    """A run killed while it compared or kept answers has no unfinished source; the repair
    still tells why it failed, on the run."""
    ledger.save_report(
        home,
        {
            "run_id": "20240101T000000.000000Z-aaaaaa",
            "started_at": "2024-01-01T00:00:00+00:00",
            "finished_at": None,
            "status": "running",
            "sources": [{"name": "a", "status": "ok", "error": None, **IMPORTED}],
            **{key: [] for key in ("chains_new", "chains_gone", "newly_blocked")},
            "no_longer_blocked": [],
        },
    )
    assert ledger.repair_interrupted(home) == ["20240101T000000.000000Z-aaaaaa"]
    [report] = ledger.load_reports(home)
    assert report["status"] == "failed" and report["error"] == ledger.RUN_INTERRUPTED
    assert report["sources"][0] == {"name": "a", "status": "ok", "error": None, **IMPORTED}
    assert ledger.RUN_INTERRUPTED in render_text(report)


# -- refreshing by difference ------------------------------------------------------------------

# written by every run, changed or not: when the source was last looked at, by which run, and
# the digest of the files it found
SOURCE_MARK = {"last_run", "refreshed_at", "refreshed_digest"}
# what a fresh import cannot have: when things were written, and which run reported them
BOOKKEEPING = {"imported_at", "updated_at", "last_seen_run", "seen_fingerprint", "retired_run"}


def data_dump(graph: Graph) -> tuple[list[str], list[str]]:
    """Every node and relationship with every property (time stamps and kept answers
    included), but the run ledger, the Source's refresh mark and the states kept for the next
    refresh (ownership/refresh/state.py)."""

    def clean(props: dict) -> str:
        if "run_id" in props and "status" in props:  # a Run node
            return "RUN"
        if props.get("kind") == kept_state.KIND:  # the refresh's own note of what it compares
            return "RUN"
        if "name" in props and "generation" in props:  # the Source node
            props = {k: v for k, v in props.items() if k not in SOURCE_MARK}
        return repr(sorted(props.items()))

    nodes, rels = graph_dump(graph, clean)
    return [n for n in nodes if not n.endswith("RUN")], rels


def live_dump(graph: Graph, run_date: dt.date) -> tuple[list[str], list[str]]:
    """The data in force after ``run_date`` without the bookkeeping of imports and runs: what
    a fresh import of the same data holds. Retired items, and holdings that ended by the run
    date (a retired statement's period ends on it), are left out; so are the Source, the run
    ledger and the kept answers."""

    def clean(props: dict) -> str:
        if props.get("retired_on") is not None:
            return "GONE"
        end = props.get("end_date")
        if "statements" in props and end is not None and end <= run_date:  # a HOLDS
            return "GONE"
        return repr(sorted((k, v) for k, v in props.items() if k not in BOOKKEEPING))

    nodes, rels = graph_dump(graph, clean)
    skipped = ("['Run']", "['Source']", "['Maintained']")
    return (
        [n for n in nodes if not n.endswith("GONE") and not n.startswith(skipped)],
        [r for r in rels if not r.endswith("GONE")],
    )


def counts(report: dict) -> tuple[dict, dict, dict]:
    [source] = report["sources"]
    return source["added"], source["changed"], source["removed"]


def reverse_rows(folder: Path) -> None:
    """The same records, every file's rows in the opposite order (other bytes, same data)."""
    for path in folder.glob("*.csv"):
        header, *rows = path.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join([header, *reversed(rows)]) + "\n", encoding="utf-8")


def test_an_unchanged_source_writes_nothing(home, graph, big_dataset, tmp_path, borrow):
    source = tmp_path / "registry"
    shutil.copytree(big_dataset, source)
    config = load_config(sources_toml(tmp_path, {"name": "bench", "path": str(source)}))
    first = run_refresh(config, home, borrow).as_dict()
    assert counts(first)[0]["entities"] > 1000
    version, before = data_version(graph)[0], data_dump(graph)
    assert any(n.startswith("['Maintained']") for n in before[0])  # the answers kept for today

    # the very files (their digest says so), then the same records in other files (compared)
    for rewrite in (lambda: None, lambda: reverse_rows(source)):
        rewrite()
        report = run_refresh(config, home, borrow).as_dict()
        assert report["status"] == "ok" and counts(report) == (ZERO, ZERO, ZERO)
        assert data_version(graph)[0] == version
        assert data_dump(graph) == before  # not a property written, not an answer recomputed
        [row] = graph.read(cypher.SOURCES)
        assert row["last_run"] == report["run_id"]  # only the mark of when it was looked at


def test_a_plain_import_in_between_is_undone_by_a_refresh_of_the_same_files(
    home, graph, make_dataset, tmp_path, invoke
):
    scenario(make_dataset)
    toml = sources_toml(tmp_path, {"name": "reg", "path": "registry"})
    refresh_json(invoke, toml)
    other = make_dataset(
        [*SCENARIO_ENTITIES, company("hk1", "HK")], [owns("hk1", "ru1", 70)], name="other"
    )
    import_paths(graph, [other], "reg")  # other data under the same name: the files vouch no more
    report = refresh_json(invoke, toml)
    assert counts(report) == (ZERO, ZERO, {"entities": 1, "relationships": 1})
    assert {r["uid"] for r in graph.read(RETIRED)} >= {"reg:hk1"}


def test_a_refresh_after_a_plain_import_of_the_same_data_writes_nothing(
    home, graph, big_dataset, tmp_path, borrow
):
    import_paths(graph, [big_dataset], "bench")
    upkeep.maintain(graph, TODAY)  # as `ownership import` does
    version, before = data_version(graph)[0], data_dump(graph)
    assert upkeep.is_current(graph, TODAY)
    config = load_config(sources_toml(tmp_path, {"name": "bench", "path": str(big_dataset)}))
    report = run_refresh(config, home, borrow).as_dict()
    assert counts(report) == (ZERO, ZERO, ZERO)
    assert data_version(graph)[0] == version
    assert data_dump(graph) == before  # the kept answers too: nothing was computed again
    assert report["answers_kept"] is None


UNSTAMP = Query("test_unstamp", "MATCH (m:Maintained) SET m.version = $version", "", write=True)


def kept_by_another_version(graph: Graph, make_dataset) -> None:
    """What a graph whose answers an earlier ``ownership`` kept looks like to this one: their
    version without this layout's stamp (as the 1M benchmark's was, 2026-12-07: its ``db init``
    ran the code before the stamp, its refresh the code after)."""
    upkeep.maintain(graph, TODAY)
    graph.write(UNSTAMP, version=data_version(graph)[0])


def kept_before_the_data_changed(graph: Graph, make_dataset) -> None:
    upkeep.maintain(graph, TODAY)
    other = make_dataset([company("hk1", "HK")], name="other")
    import_paths(graph, [other], "other")  # `ownership import --no-maintain`


@pytest.mark.parametrize(
    ("keep", "because"),
    [
        (kept_by_another_version, "kept by another version of ownership, in a layout"),
        (lambda graph, _: upkeep.maintain(graph, YESTERDAY), f"kept for {YESTERDAY}, not for"),
        (kept_before_the_data_changed, "no answers are kept on this data (they were kept before"),
        (lambda graph, _: None, "no answers are kept on this data"),  # import --no-maintain
    ],
    ids=["another-version", "another-day", "other-data", "none"],
)
def test_an_unchanged_refresh_keeps_answers_that_are_not_current_and_says_why(
    home, graph, make_dataset, tmp_path, borrow, keep, because
):
    """An unchanged refresh writes nothing and keeps the answers again only when they are not
    kept for its day and data in this version's layout; its report says which (the 1M
    benchmark's unchanged refresh spent 447 s of its 778 s keeping them again, unexplained)."""
    import_paths(graph, [scenario(make_dataset)], "reg")
    keep(graph, make_dataset)
    assert because in (upkeep.not_current_because(graph, TODAY) or "")
    version = data_version(graph)[0]
    config = load_config(sources_toml(tmp_path, {"name": "reg", "path": "registry"}))
    report = run_refresh(config, home, borrow).as_dict()
    assert counts(report) == (ZERO, ZERO, ZERO) and data_version(graph)[0] == version
    kept = report["answers_kept"]
    assert because in kept["because"] and kept["as_of"] == TODAY.isoformat()
    assert kept["seconds"] and kept["error"] is None
    assert upkeep.is_current(graph, TODAY)
    assert run_refresh(config, home, borrow).as_dict()["answers_kept"] is None


def test_a_changed_source_ends_as_a_fresh_import_of_its_new_data(
    home, graph, big_dataset, tmp_path, borrow
):
    source = tmp_path / "registry"  # records keep the path of the file they were read from
    shutil.copytree(big_dataset, source)
    edits = bench_refresh.changed_copy(big_dataset, tmp_path / "changed")  # the bench's 1 %
    renamed, owned, roles = (edits[f] for f in ("entities.csv", "ownership.csv", "officers.csv"))
    assert renamed and owned > 1 and roles
    config = load_config(sources_toml(tmp_path, {"name": "bench", "path": str(source)}))
    run_refresh(config, home, borrow)
    version = data_version(graph)[0]

    shutil.copytree(tmp_path / "changed", source, dirs_exist_ok=True)
    report = run_refresh(config, home, borrow).as_dict()
    # an officer's row id includes its role: a new role is a new row, the old one is gone;
    # every other chosen ownership row is gone, the others have a new share
    assert counts(report) == (
        {"entities": 0, "relationships": roles},
        {"entities": renamed, "relationships": owned - owned // 2},
        {"entities": 0, "relationships": owned // 2 + roles},
    )
    assert data_version(graph)[0] != version
    refreshed = live_dump(graph, TODAY)

    graph.empty()
    import_paths(graph, [source], "bench")
    imported = live_dump(graph, TODAY)
    for ours, theirs in zip(refreshed, imported, strict=True):  # the lines that differ, if any
        assert (sorted(set(ours) - set(theirs)), sorted(set(theirs) - set(ours))) == ([], [])
    assert imported == refreshed


KEPT_DOCUMENTS = Query(
    "test_kept_documents",
    """
MATCH (m:Maintained)
WHERE m.kind <> 'refresh-state'
RETURN m.kind AS kind, m.key AS key, m.part AS part, m.parts AS parts, m.as_of AS as_of,
       m.version AS version, m.data AS data
""",
    "",
)
FORGET_ANSWERS = Query(
    "test_forget_answers",
    "MATCH (m:Maintained) WHERE NOT m.kind IN ['refresh-state', 'chains'] DETACH DELETE m",
    "",
    write=True,
)


def kept_digests(graph: Graph) -> dict[tuple, str]:
    """Every kept answer's document (not the refresh's states) by kind, key and part, with
    its date, data version and count of parts: the sha256 of its text (when it was computed
    left out)."""
    return {
        (r["kind"], r["key"], r["part"], r["parts"], str(r["as_of"]), r["version"]): (
            hashlib.sha256(r["data"].encode()).hexdigest()
        )
        for r in graph.read(KEPT_DOCUMENTS)
    }


def test_the_answers_a_changed_refresh_keeps_are_a_full_maintains(
    home, graph, big_dataset, tmp_path, borrow
):
    """After the bench's 1 % change the kept answers are byte for byte those of a ``maintain``
    from nothing on the same graph: the steps that take what another found (the dated graph,
    the counts, the watched chains the run enumerated after its change) find what they would
    have found themselves. The dated graph, kept by the upkeep before, is patched with the
    entities each run touched (:meth:`DatedGraph.patch`), and is itself among the documents
    compared. Then again after a second run that adds a company and a person, moves an
    ownership row to another owner and lists one entity while delisting another."""
    source = tmp_path / "registry"
    shutil.copytree(big_dataset, source)
    import_paths(graph, [source], "bench")
    upkeep.maintain(graph, TODAY)  # as `ownership import` does
    bench_refresh.changed_copy(big_dataset, tmp_path / "changed")
    shutil.copytree(tmp_path / "changed", source, dirs_exist_ok=True)
    config = load_config(sources_toml(tmp_path, {"name": "bench", "path": str(source)}))
    assert_refresh_keeps_a_full_maintains_answers(graph, config, home, borrow)
    move_list_and_add(source)
    assert_refresh_keeps_a_full_maintains_answers(graph, config, home, borrow)


def assert_refresh_keeps_a_full_maintains_answers(graph, config, home, borrow) -> None:
    report = run_refresh(config, home, borrow).as_dict()
    assert report["answers_kept"]["because"] == "this run changed the data"
    # the dated graph kept by the upkeep before, patched with what the run touched
    assert "dated patched" in report["answers_kept"]["seconds"]
    version = data_version(graph)[0]
    after_refresh = kept_digests(graph)
    kinds = {*upkeep.EVERY_DATE, *upkeep.ON_THE_DAY, "chains", timelines.KIND}
    assert {k[0] for k in after_refresh} >= kinds
    assert all(k[5].startswith(version) for k in after_refresh)

    graph.write(FORGET_ANSWERS)  # the chain questions stay asked, on the data before
    graph.write(UNSTAMP_CHAINS, version="asked before")
    upkeep.maintain(graph, TODAY)
    assert data_version(graph)[0] == version
    assert kept_digests(graph) == after_refresh


def move_list_and_add(folder: Path) -> None:
    """Edit a generated registry in place: a new company held by a new person and holding an
    existing company; the first ownership row's owner replaced by another company; the first
    listing gone and a new one for a company no listing named before."""

    def rows(name: str) -> tuple[list[str], list[dict[str, str]]]:
        with (folder / name).open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            return list(reader.fieldnames or []), list(reader)

    def write(name: str, header: list[str], found: list[dict[str, str]]) -> None:
        with (folder / name).open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
            writer.writeheader()
            writer.writerows(found)

    header, entities = rows("entities.csv")
    companies = [e["id"] for e in entities if e["type"] == "company"]
    blank = dict.fromkeys(header, "")
    entities += [
        {**blank, "id": "cnew0001", "type": "company", "name": "Novaya Holding", "jurisdiction": "RU",
         "incorporation_date": "2023-01-10"},
        {**blank, "id": "pnew0001", "type": "person", "name": "Ivan Novy"},
    ]  # fmt: skip
    write("entities.csv", header, entities)
    header, owned = rows("ownership.csv")
    blank = dict.fromkeys(header, "")
    mover = next(c for c in companies if c not in (owned[0]["owner_id"], owned[0]["owned_id"]))
    owned[0] = {**owned[0], "owner_id": mover}
    owned += [
        {**blank, "owner_id": "pnew0001", "owned_id": "cnew0001", "share": "60",
         "start_date": "2023-01-10"},
        {**blank, "owner_id": "cnew0001", "owned_id": companies[0], "share": "30",
         "start_date": "2023-02-01"},
    ]  # fmt: skip
    write("ownership.csv", header, owned)
    header, listed = rows("sanctions.csv")
    blank = dict.fromkeys(header, "")
    already = {row["entity_id"] for row in listed}
    newly = next(c for c in reversed(companies) if c not in already)  # touched by nothing else
    listed = listed[1:] + [
        {**blank, "entity_id": newly, "authority": "UK", "program": "Russia",
         "listed_on": "2023-03-01"},
    ]  # fmt: skip
    write("sanctions.csv", header, listed)


UNSTAMP_CHAINS = Query(
    "test_unstamp_chains",
    "MATCH (m:Maintained {kind: 'chains'}) SET m.version = $version",
    "",
    write=True,
)


FORGET_STATES = Query(
    "test_forget_states",
    "MATCH (m:Maintained {kind: 'refresh-state'}) DETACH DELETE m",
    "",
    write=True,
)


def graph_state(graph: Graph, source: str) -> kept_state.State:
    """What a refresh without a kept state reads of ``source``."""
    with graph.transaction() as tx:
        return kept_state.State.read(tx, source)


def kept_now(graph: Graph, source: str) -> kept_state.State | None:
    return kept_state.load(graph, source, data_version(graph)[0])


def test_a_kept_state_gives_the_runs_of_a_graph_read(home, graph, big_dataset, tmp_path, borrow):
    """The same steps twice: with the states that import and refresh keep (a refresh then
    reads no item from the graph), and with them dropped before every refresh (each reads the
    graph). Every report and the graph after every step are the same; the kept state is at
    each step exactly what the graph holds, and a plain import in between (which moves the data
    version) is not trusted to one: the next refresh reads the graph, and keeps a state again."""
    source = tmp_path / "registry"  # records keep the path of the file they were read from
    edited = {seed: tmp_path / f"changed-{seed}" for seed in (42, 7)}
    for seed, folder in edited.items():
        bench_refresh.changed_copy(big_dataset, folder, seed=seed)
    config = load_config(sources_toml(tmp_path, {"name": "bench", "path": str(source)}))

    def refresh() -> tuple[dict, dict, dict]:
        return counts(run_refresh(config, home, borrow).as_dict())

    def bring(folder: Path) -> Callable[[], tuple[dict, dict, dict]]:
        return lambda: (shutil.copytree(folder, source, dirs_exist_ok=True), refresh())[1]

    steps: list[tuple[str, Callable[[], object], bool]] = [  # what, how, kept state after
        ("import", lambda: import_paths(graph, [source], "bench"), True),
        ("the same records in other bytes", lambda: (reverse_rows(source), refresh())[1], True),
        ("1 % changed", bring(edited[42]), True),
        ("a plain import of other data", lambda: import_paths(graph, [edited[7]], "bench"), False),
        ("back to the files of the last run", refresh, True),
        ("another 1 % changed", bring(edited[7]), True),
    ]
    runs: dict[bool, list[tuple[object, tuple, kept_state.State]]] = {}
    for keeping in (True, False):
        graph.empty()
        shutil.rmtree(source, ignore_errors=True)
        shutil.copytree(big_dataset, source)
        runs[keeping] = []
        for what, step, kept_after in steps:
            if not keeping:
                graph.write(FORGET_STATES)
            outcome = step()
            if what == "import" or what.startswith("a plain import"):
                outcome = "imported"
                if keeping and what == "import":  # as `ownership import` does
                    kept_state.keep_after_import(graph, "bench")
            state = graph_state(graph, "bench")
            if keeping:
                kept = kept_now(graph, "bench")
                assert (kept is not None) == kept_after, what
                assert kept is None or kept == state, what  # the very state the graph holds
            runs[keeping].append((outcome, live_dump(graph, TODAY), state))
    for what, with_kept, without in zip(
        [w for w, _, _ in steps], runs[True], runs[False], strict=True
    ):
        assert with_kept[0] == without[0], what  # the report's counts
        assert with_kept[1] == without[1], what  # the data in force
        assert with_kept[2] == without[2], what  # every item, fingerprints, in force or not
    changed = [outcome for outcome, _, _ in runs[True] if outcome != "imported"]
    assert changed[0] == (ZERO, ZERO, ZERO) and changed[1] != changed[0]
    assert changed[2] != (ZERO, ZERO, ZERO)  # the plain import's change is undone, and said


def test_a_run_keeps_the_states_of_the_sources_it_did_not_change_for_its_data(
    home, graph, make_dataset, tmp_path, borrow
):
    reg = scenario(make_dataset)
    other = make_dataset(
        [company("hk1", "HK"), company("hk2", "HK")], [owns("hk1", "hk2", 30)], name="other"
    )
    names = ("reg", "other")
    config = load_config(
        sources_toml(
            tmp_path, {"name": "reg", "path": str(reg)}, {"name": "other", "path": str(other)}
        )
    )
    run_refresh(config, home, borrow)  # both loaded by the run: their states are read next
    assert all(kept_now(graph, name) is None for name in names)
    reverse_rows(reg), reverse_rows(other)
    run_refresh(config, home, borrow)  # compared with the graph read: states kept
    for name in names:
        assert kept_now(graph, name) == graph_state(graph, name)

    fewer = [e for e in SCENARIO_ENTITIES if e["id"] != "gb1"]
    edited = make_dataset(fewer, SCENARIO_OWNERSHIP, [], SCENARIO_SANCTIONS, name="edited")
    shutil.copytree(edited, reg, dirs_exist_ok=True)
    version = data_version(graph)[0]
    report = run_refresh(config, home, borrow).as_dict()  # reg from its state, other untouched
    assert counts({"sources": report["sources"][:1]})[2] == {"entities": 1, "relationships": 0}
    assert data_version(graph)[0] != version
    for name in names:  # both true for the new data version
        kept = kept_now(graph, name)
        assert kept is not None and kept == graph_state(graph, name), name


SEED = Path(__file__).resolve().parent.parent / "seed" / "registry"


def test_a_first_load_keeps_the_state_it_wrote_which_is_the_graphs(graph, big_dataset, tmp_path):
    """A first load notes the state it leaves its source in as it writes (no read of the
    graph afterwards), and that state is the one a read of the graph gives: on the seed, on a
    generated dataset, on a second source whose records join the first's entities (the same
    registration numbers) so that its edges run between those, and one that gives every row
    twice (noted twice, or read back where the server counts the second rows as writing
    nothing: the embedded server does, Neo4j's eager plan does not). An import over an earlier
    one notes nothing; the state is then read back."""
    edited = tmp_path / "edited"
    bench_refresh.changed_copy(big_dataset, edited, seed=7)

    def first_load(paths: list[Path], source: str) -> kept_state.Written:
        written = kept_state.Written()
        import_paths(graph, paths, source, written=written)
        assert written.keep(graph, source), source  # kept from what was written
        assert kept_now(graph, source) == graph_state(graph, source), source
        return written

    first_load([SEED], "seed-registry")
    graph.empty()
    first_load([big_dataset], "bench")
    joined = first_load([big_dataset], "copy")
    assert joined.entity_of  # its records describe the first source's entities
    state = graph_state(graph, "copy")
    assert state.entity_of and state.items["upsert_ownership"] and state.listed

    again = kept_state.Written()
    import_paths(graph, [edited], "bench", written=again)  # over the earlier import
    assert not again.keep(graph, "bench")
    kept_state.keep_after_import(graph, "bench", again)  # read back instead
    assert kept_now(graph, "bench") == graph_state(graph, "bench")

    twice = kept_state.Written()  # every row given twice, the same
    import_paths(graph, [SEED, SEED], "twice", written=twice)
    kept_state.keep_after_import(graph, "twice", twice)
    assert kept_now(graph, "twice") == graph_state(graph, "twice")


def test_a_state_survives_being_packed(monkeypatch):
    state = kept_state.State()
    fp = [int(hashlib.sha1(str(i).encode()).hexdigest(), 16) for i in range(4)]
    state.items["entities"] = {"s:a\tb\n": kept_state.pack(fp[0], fp[1], kept_state.LIVE),
                               "s:é": kept_state.pack(fp[2], fp[2], 0)}  # fmt: skip
    state.entity_of["s:é"] = "t:x"
    state.items["upsert_ownership"] = {("s:o", "s:a", "s:é"): kept_state.pack(fp[3], fp[3], 1)}
    state.items["upsert_sanctions"] = {"s:l": kept_state.pack(fp[1], fp[0], 1)}
    state.listed["s:l"] = ("s:a", "t:x")
    documents = list(kept_state.encode(state))
    assert kept_state.decode(documents) == state
    monkeypatch.setattr(kept_state, "DOC_CHARS", 16)  # many documents
    monkeypatch.setattr(kept_state, "FRAME", 1)  # of many frames
    assert kept_state.decode(list(kept_state.encode(state))) == state


def test_two_concurrent_runs_one_gets_the_lock(
    home, make_dataset, tmp_path, invoke, borrow, monkeypatch
):
    scenario(make_dataset)
    toml = sources_toml(tmp_path, {"name": "reg", "path": "registry"})
    holding, release = threading.Event(), threading.Event()
    reports = []

    def slow_graph() -> Graph:  # the first run holds the lock while it "connects"
        holding.set()
        release.wait(30)
        return borrow()

    first = threading.Thread(
        target=lambda: reports.append(run_refresh(load_config(toml), home, slow_graph))
    )
    first.start()
    try:
        assert holding.wait(30)
        result = invoke(refresh_command, "--sources", str(toml))
        assert result.exit_code == 1
        assert f"another refresh is running (pid {os.getpid()})" in result.stderr
        with pytest.raises(RefreshLocked):
            with refresh_lock(home):
                pass
    finally:
        release.set()
        first.join(60)
    [report] = reports
    assert report.status == "ok"
    assert [r["run_id"] for r in ledger.load_reports(home)] == [report.run_id]
    with refresh_lock(home):  # released
        pass

    # a manual `ownership import` in progress: the source waits for it, then gives up
    monkeypatch.setattr(runner, "IMPORT_WAIT_S", 0.3)
    with exclusive(home, "import"):
        busy = run_refresh(load_config(toml), home, borrow)
    assert busy.status == "failed"
    assert busy.sources[0].error.startswith(f"another import is running (pid {os.getpid()})")


# -- URL sources ---------------------------------------------------------------------------------


def sdn_row(ent: int, name: str, program: str = "SDGT") -> str:
    empty = ",".join(["-0- "] * 7)
    return f'{ent},"{name}",-0- ,"{program}",{empty},-0- \r\n'


class Server:
    """A local HTTP server on 127.0.0.1 with ETags, recording what it was asked."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[tuple[str, str | None, int]] = []  # path, If-None-Match, status
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                file = server.root / self.path.lstrip("/")
                condition = self.headers.get("If-None-Match")
                if not file.is_file():
                    status, body = 404, b"not found"
                else:
                    body = file.read_bytes()
                    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                    status = 304 if condition == etag else 200
                server.requests.append((self.path, condition, status))
                self.send_response(status)
                if status != 304:
                    if status == 200:
                        self.send_header("ETag", etag)
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def server(tmp_path, monkeypatch) -> Iterator[Server]:
    for key in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(key, raising=False)
    root = tmp_path / "www"
    root.mkdir()
    served = Server(root)
    yield served
    served.close()


def test_url_sources_are_cached_with_etags(home, graph, tmp_path, server, borrow, make_dataset):
    sdn = server.root / "sdn.csv"
    sdn.write_bytes((sdn_row(1, "ALPHA LTD") + sdn_row(2, "BETA LLC") + "\x1a").encode())
    registry = make_dataset(
        [company("jp1", "JP"), company("ru1", "RU")], [owns("jp1", "ru1", 100)], name="zipped"
    )
    with zipfile.ZipFile(server.root / "registry.zip", "w") as archive:
        for file in registry.iterdir():
            archive.write(file, f"registry/{file.name}")
    toml = sources_toml(
        tmp_path,
        {"name": "ofac", "url": f"{server.url}/sdn.csv", "format": "ofac"},
        {"name": "zipped", "url": f"{server.url}/registry.zip"},
    )
    config = load_config(toml)

    first = run_refresh(config, home, borrow).as_dict()
    assert first["status"] == "ok", first
    ofac, zipped = first["sources"]
    assert ofac["added"] == {"entities": 2, "relationships": 2}
    assert zipped["added"] == {"entities": 2, "relationships": 1}
    cache = home / "cache" / "ofac"
    meta = json.loads((cache / "meta.json").read_text())
    assert (cache / "sdn.csv").read_bytes() == sdn.read_bytes()
    assert meta["sha256"] == hashlib.sha256(sdn.read_bytes()).hexdigest() and meta["etag"]
    assert (home / "cache" / "zipped" / "unpacked" / "registry" / "entities.csv").is_file()
    assert [status for path, _, status in server.requests] == [200, 200]

    second = run_refresh(config, home, borrow).as_dict()  # 304: the cached copies are reused
    assert second["status"] == "ok"
    assert all(s["added"] == s["changed"] == s["removed"] == ZERO for s in second["sources"])
    assert [(cond, status) for _, cond, status in server.requests[2:]] == [
        (meta["etag"], 304),
        (json.loads((home / "cache/zipped/meta.json").read_text())["etag"], 304),
    ]

    sdn.write_bytes((sdn_row(1, "ALPHA LTD") + "\x1a").encode())  # BETA is delisted
    (server.root / "registry.zip").unlink()  # and the other source's server loses its file
    third = run_refresh(config, home, borrow).as_dict()
    assert third["status"] == "partial"
    ofac, zipped = third["sources"]
    assert ofac["removed"] == {"entities": 1, "relationships": 1}
    assert zipped["status"] == "failed" and "HTTP 404" in zipped["error"]
    assert (home / "cache" / "zipped" / "registry.zip").is_file()  # the good copy is kept
    assert [status for _, _, status in server.requests[4:]] == [200, 404]


# -- the schedule --------------------------------------------------------------------------------


def test_every_runs_n_times_with_jitter_then_stops():
    calls, sleeps = [], []
    scheduler = Scheduler(lambda: calls.append(1), interval=3600, sleep=sleeps.append)
    assert scheduler.run(max_runs=4) == 4
    assert len(calls) == 4 and len(sleeps) == 3
    assert all(3240 <= s <= 3960 for s in sleeps) and len(set(sleeps)) > 1

    calls.clear()

    def sleep_then_stop(seconds: float) -> None:  # what a SIGTERM during the sleep does
        scheduler.stop.set()

    scheduler = Scheduler(lambda: calls.append(1), interval=60, sleep=sleep_then_stop)
    assert scheduler.run() == 1 and calls == [1]


def test_a_signal_during_the_sleep_stops_it_at_once():
    """The stop a SIGTERM handler asks for wakes the scheduler's sleep (a signal handler may
    make it: no lock the interrupted sleep could be holding), and later sleeps return at once."""
    stop = Stop()
    assert stop.wait(0.01) is False and not stop.is_set()
    previous = signal.signal(signal.SIGALRM, lambda *_: stop.set())
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        started = time.monotonic()
        assert stop.wait(30) is True
        assert time.monotonic() - started < 10
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert stop.wait(30) is True and stop.is_set()


def test_a_database_that_is_down_is_retried_with_backoff(
    home, make_dataset, tmp_path, borrow, caplog
):
    scenario(make_dataset)
    config = load_config(sources_toml(tmp_path, {"name": "reg", "path": "registry"}))
    attempts, sleeps, reports = [], [], []

    def flaky_graph() -> Graph:
        attempts.append(1)
        if len(attempts) <= 2:
            raise GraphUnavailable("cannot reach the graph server at bolt://127.0.0.1:1")
        return borrow()

    scheduler = Scheduler(
        lambda: reports.append(run_refresh(config, home, flaky_graph)), 21600, sleep=sleeps.append
    )
    with caplog.at_level("INFO", logger="ownership.refresh"):
        assert scheduler.run(max_runs=2) == 2
    assert sleeps[:2] == [5.0, 10.0] and 19440 <= sleeps[2] <= 23760 and len(sleeps) == 3
    assert [r.status for r in reports] == ["ok", "ok"] and len(attempts) == 4
    assert "graph unavailable (attempt 2)" in caplog.text and "Traceback" not in caplog.text
    assert len(ledger.load_reports(home)) == 2  # attempts that never reached the graph: no run


def test_every_stops_cleanly_on_sigterm(home, make_dataset, tmp_path, cli_env):
    scenario(make_dataset)
    toml = sources_toml(tmp_path, {"name": "reg", "path": "registry"})
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ownership.refresh",
            "--sources",
            str(toml),
            "--every",
            "1h",
            "--format",
            "json",
        ],
        cwd=REPO,
        env=subprocess_env(cli_env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        logged = []
        while not logged or "next refresh in" not in logged[-1]:
            logged.append(proc.stderr.readline())
            assert logged[-1], "".join(logged)
        line = proc.stdout.readline()  # one compact JSON report per run
        assert json.loads(line)["status"] == "ok"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "SIGTERM received" in err and "schedule stopped after 1 runs" in err
    assert "Traceback" not in "".join(logged) + err

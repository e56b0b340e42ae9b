"""Shared fixtures: one graph server for the whole session, emptied before each test that uses it.

With ``NEO4J_URI`` unset the suite starts the embedded server in a temporary ``OWNERSHIP_HOME``;
with it set, the suite runs against that Neo4j and EMPTIES the configured database.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ownership.cli import main
from ownership.clock import TODAY_VARIABLE
from ownership.config import Settings
from ownership.embedded import EmbeddedServer
from ownership.graph import Graph
from ownership.sources.registry_csv import ENTITIES, OFFICERS, OWNERSHIP, SANCTIONS

REPO = Path(__file__).resolve().parent.parent
REAL_DATA = REPO.parent / "shared" / "data" / "real"

# One today for the whole run, in this process and in every process it starts (ownership.clock):
# a run that crosses midnight would otherwise keep answers for one day and look for the next's.
os.environ.setdefault(TODAY_VARIABLE, dt.date.today().isoformat())

ENTITY_HEADER = list(ENTITIES.columns)
OWNERSHIP_HEADER = list(OWNERSHIP.columns)
OFFICER_HEADER = list(OFFICERS.columns)
SANCTION_HEADER = list(SANCTIONS.columns)


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    if os.environ.get("NEO4J_URI"):
        yield Settings.from_env()
        return
    home = tmp_path_factory.mktemp("ownership-home")
    server = EmbeddedServer(home)
    server.ensure_running()
    try:
        yield Settings(home=home)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def session_graph(settings: Settings) -> Iterator[Graph]:
    graph = Graph.open(settings)
    graph.ensure_schema()
    yield graph
    graph.close()


@pytest.fixture()
def graph(session_graph: Graph) -> Graph:
    """The session's graph, emptied."""
    session_graph.empty()
    return session_graph


@pytest.fixture()
def cli_env(settings: Settings) -> dict[str, str]:
    """Environment for commands that must reach the session's graph."""
    env = {"OWNERSHIP_HOME": str(settings.home)}
    for key in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE"):
        if os.environ.get(key):
            env[key] = os.environ[key]
    return env


@pytest.fixture()
def run_cli(cli_env: dict[str, str]) -> Callable[..., Result]:
    """Invoke ``ownership …`` in-process against the session's graph."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(main, list(args), env=cli_env, catch_exceptions=False)

    return invoke


def write_csv(path: Path, header: list[str], rows: list[dict[str, object]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})


@pytest.fixture()
def make_dataset(tmp_path: Path) -> Callable[..., Path]:
    """Write a registry-CSV dataset from lists of dicts; returns its folder."""
    counter = iter(range(1_000_000))

    def make(
        entities: list[dict[str, object]],
        ownership: list[dict[str, object]] | None = None,
        officers: list[dict[str, object]] | None = None,
        sanctions: list[dict[str, object]] | None = None,
        name: str | None = None,
    ) -> Path:
        folder = tmp_path / (name or f"dataset{next(counter)}")
        folder.mkdir()
        extra = sorted({k for e in entities for k in e} - set(ENTITY_HEADER))
        write_csv(folder / "entities.csv", ENTITY_HEADER + extra, entities)
        if ownership is not None:
            write_csv(folder / "ownership.csv", OWNERSHIP_HEADER, ownership)
        if officers is not None:
            write_csv(folder / "officers.csv", OFFICER_HEADER, officers)
        if sanctions is not None:
            write_csv(folder / "sanctions.csv", SANCTION_HEADER, sanctions)
        return folder

    return make


def company(id: str, jurisdiction: str, **fields: object) -> dict[str, object]:
    return {
        "id": id,
        "type": "company",
        "name": fields.pop("name", f"{id} Ltd"),
        "jurisdiction": jurisdiction,
        **fields,
    }


def person(id: str, nationality: str, **fields: object) -> dict[str, object]:
    return {
        "id": id,
        "type": "person",
        "name": fields.pop("name", f"Person {id}"),
        "jurisdiction": nationality,
        **fields,
    }


def owns(owner: str, owned: str, share: object = None, **fields: object) -> dict[str, object]:
    return {"owner_id": owner, "owned_id": owned, "share": share, **fields}


def nta_merger(path: Path, absorbed: str, heir: str) -> Path:
    """An NTA file (jp-nta) of two corporate numbers: ``absorbed`` (旧社株式会社) merged into
    ``heir`` (新社株式会社) and was dissolved on 2020-04-01."""
    path.write_text(
        f'1,{absorbed},21,0,2020-04-10,2020-04-01,"旧社株式会社",,301,"東京都","千代田区",'
        f'"一丁目",,13,101,1000001,,,2020-04-01,11,{heir},"新社株式会社に合併し解散",2015-10-05\n'
        f'2,{heir},71,0,2020-04-10,2020-04-01,"新社株式会社",,301,"東京都","港区",'
        f'"二丁目",,13,103,1050001,,,,,,,2015-10-05\n',
        encoding="utf-8",
    )
    return path


def slow_query(graph: Graph) -> str:
    """A count that takes seconds, far past a 1 s timeout on a fast machine: 49 million rows on
    ArcadeDB (about 4 s on our 2-core machine; 9 million took under a second on CI's; ArcadeDB
    finishes the work in the background after its connection is closed, so no more), 400 million
    on Neo4j (which counts 9 million in well under a second, and stops this one)."""
    n = 7000 if graph.is_arcadedb else 20000
    return f"UNWIND range(1, {n}) AS a UNWIND range(1, {n}) AS b RETURN count(*) AS n"


def graph_dump(graph: Graph, clean: Callable[[dict[str, Any]], str]) -> tuple[list[str], list[str]]:
    """Every node (labels, properties) and relationship (type, ends by their key, properties) as
    sorted lines, properties written by ``clean``: two graphs with equal dumps hold the same
    data, whatever their internal ids."""
    nodes = graph.run_read_only(
        "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props", {}, limit=10**7
    )
    rels = graph.run_read_only(
        "MATCH (a)-[r]->(b) RETURN labels(a) AS al, coalesce(a.uid, a.key, a.name) AS a, "
        "type(r) AS type, labels(b) AS bl, coalesce(b.uid, b.key, b.name) AS b, "
        "properties(r) AS props",
        {},
        limit=10**7,
    )
    assert not nodes.truncated and not rels.truncated
    return (
        sorted(f"{sorted(row['labels'])} {clean(row['props'])}" for row in nodes.rows),
        sorted(
            f"{sorted(row['al'])}{row['a']} {row['type']} {sorted(row['bl'])}{row['b']} "
            f"{clean(row['props'])}"
            for row in rels.rows
        ),
    )


def assert_answers_kept_only_when_changed(refreshes: dict[str, Any]) -> None:
    """The benchmark's refreshes after its first load (``bench.run.measure_refreshes``): the
    unchanged ones keep no whole-graph answer again (the first load kept them for today on
    this data), the 1 % changed one does, because it changed the data."""
    for label in ("unchanged", "again"):
        report = refreshes[label]["report"]
        assert report["answers_kept"] is None, (label, report)
        assert not any("answers kept" in line for line in refreshes[label]["log"]), label
        for what in ("added", "removed", "changed"):
            assert sum(report[what].values()) == 0, (label, report)
    kept = refreshes["changed"]["report"]["answers_kept"]
    assert kept["because"] == "this run changed the data" and kept["seconds"], kept

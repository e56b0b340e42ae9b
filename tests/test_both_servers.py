"""The same commands give the same JSON on Neo4j 5 and on the embedded ArcadeDB server.

The suite runs on one server at a time; this test starts the *other* one beside it (the Neo4j
kit of ``../shared/neo4j`` when the suite runs on the embedded server, an embedded server in a
temporary home when it runs on Neo4j), imports the seed into both and compares the documents.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO

from ownership.cli import main
from ownership.config import Settings
from ownership.embedded import EmbeddedServer
from ownership.graph import Graph

KIT = REPO.parent / "shared" / "neo4j" / "server"
SEED = REPO / "seed" / "registry"
NEO4J_KEYS = ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE")


def _kit_env(state: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("NEO4J_KIT_CACHE", str(Path.home() / ".cache" / "ownership" / "neo4j-kit"))
    out = subprocess.run(
        [str(KIT), "start", str(state)], env=env, capture_output=True, text=True, check=True
    ).stdout
    exports = {}
    for line in out.splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        exports[key] = shlex.split(value)[0]
    return exports


@pytest.fixture(scope="module")
def other_env(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Environment variables that reach the server the suite is not running on."""
    home = tmp_path_factory.mktemp("other-home")
    if settings.embedded:
        if not KIT.exists():
            pytest.skip("no Neo4j kit at ../shared/neo4j to compare with")
        state = tmp_path_factory.mktemp("neo4j-kit")
        try:
            yield {"OWNERSHIP_HOME": str(home), **_kit_env(state)}
        finally:
            subprocess.run([str(KIT), "stop", str(state)], capture_output=True, check=False)
        return
    server = EmbeddedServer(home)
    server.ensure_running()
    try:
        yield {"OWNERSHIP_HOME": str(home)}
    finally:
        server.stop()


def _runner(env: dict[str, str]) -> Callable[..., str]:
    full = {key: None for key in NEO4J_KEYS} | env  # None: unset in the command's environment

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, list(args), env=full, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    return run


@pytest.fixture(scope="module")
def both(
    settings: Settings, session_graph: Graph, other_env: dict[str, str]
) -> tuple[Callable[..., str], Callable[..., str]]:
    """Commands on this suite's server and on the other one, each holding the seed alone."""
    here_env = {"OWNERSHIP_HOME": str(settings.home)}
    here_env |= {k: os.environ[k] for k in NEO4J_KEYS if os.environ.get(k)}
    here, there = _runner(here_env), _runner(other_env)
    session_graph.empty()
    with Graph.open(Settings.from_env(other_env)) as other:
        other.empty()
    for run in (here, there):
        run("import", str(SEED), "--source", "seed-registry")
    return here, there


@pytest.mark.parametrize(
    "command",
    [
        ("flags", "--as-of", "2022-07-01"),
        ("blocked", "--as-of", "2022-07-01"),
        ("chains", "--from-country", "JP", "--to-country", "RU", "--as-of", "2022-07-01"),
        ("owners", "ru-host-01", "--as-of", "2022-07-01"),
        ("subsidiaries", "jp-hd-01", "--as-of", "2022-07-01"),
        ("show", "sg-shell-01", "--as-of", "2022-07-01"),
    ],
    ids=lambda c: c[0],
)
def test_same_json_on_both_servers(
    command: tuple[str, ...], both: tuple[Callable[..., str], Callable[..., str]]
) -> None:
    here, there = both
    mine = json.loads(here(*command, "--format", "json"))
    theirs = json.loads(there(*command, "--format", "json"))
    assert mine, command  # the seed has an answer to each question
    assert _stable(mine) == _stable(theirs)


def _stable(document: object) -> object:
    """The document without import timestamps (the two imports ran at different instants)."""
    if isinstance(document, dict):
        return {
            k: _stable(v) for k, v in document.items() if k not in ("imported_at", "updated_at")
        }
    if isinstance(document, list):
        return [_stable(v) for v in document]
    return document

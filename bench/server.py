"""The graph server a benchmark runs against: a fresh embedded server, a fresh Neo4j from the
test kit, or NEO4J_URI emptied.

``fresh_server()`` starts the embedded ArcadeDB server in a new temporary ``OWNERSHIP_HOME`` and
stops it (and deletes the home) afterwards. ``fresh_server(kind="neo4j-kit")`` does the same
with a Neo4j 5.26 server of the kit in ``../shared/neo4j`` (``kit/server start STATE_DIR`` in a
temporary folder, ``server stop`` and the folder deleted afterwards), so that both engines are
measured the same way. With ``NEO4J_URI`` set (and no kind given) it uses that server instead
and EMPTIES its database first, in chunks.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ownership.config import Settings
from ownership.embedded import EmbeddedServer
from ownership.graph import Graph

NEO4J_KEYS = ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE")
KINDS = ("embedded", "neo4j-kit")
# The kit: NEO4J_KIT, as for scripts/with-neo4j-kit, or ../shared/neo4j beside the repository.
DEFAULT_KIT = Path(
    os.environ.get("NEO4J_KIT")
    or Path(__file__).resolve().parent.parent.parent / "shared" / "neo4j"
)
# The kit's memory for benchmarks: heap + page cache = 3 GB, the embedded server's default heap.
KIT_MEMORY = {"NEO4J_KIT_HEAP": "2g", "NEO4J_KIT_PAGECACHE": "1g"}


@dataclass
class BenchServer:
    """Settings and environment that reach the server under test."""

    settings: Settings
    env: dict[str, str]
    embedded: EmbeddedServer | None = None
    pid: int | None = None
    pids: list[int] = field(default_factory=list)  # every embedded server pid started

    kit_memory: dict[str, str] | None = None  # heap and page cache of a kit server
    kit: Path | None = None  # the kit and the STATE_DIR of a kit server (bench/bulk_load.py
    state: Path | None = None  # stops it, runs neo4j-admin on it and starts it again)

    @property
    def kind(self) -> str:
        if self.embedded:
            return "embedded"
        return "neo4j-kit" if self.kit_memory else "neo4j"

    def open(self) -> Graph:
        return Graph.open(self.settings)

    def peak_rss_kb(self) -> int | None:
        """The server process's peak resident memory so far (VmHWM), when it runs here."""
        return vm_hwm_kb(self.pid) if self.pid else None

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) the server process has used so far, when it runs here.

        On a shared machine, wall times swing with the load; the CPU a piece of work costs the
        server barely does, so the harness reports both."""
        if not self.pid:
            return None
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def recover(self) -> None:
        """Stop whatever a runaway query still does on the server (after a time cap)."""
        if self.embedded:
            self.embedded.stop()
            self.pid = self.embedded.ensure_running().pid
            if self.pid:
                self.pids.append(self.pid)
            return
        with contextlib.suppress(Exception), self.open() as graph:
            with graph.driver.session(database=graph.database) as session:
                rows = session.run(
                    "SHOW TRANSACTIONS YIELD transactionId, currentQuery "
                    "WHERE NOT currentQuery STARTS WITH 'SHOW' RETURN transactionId"
                ).data()
                ids = [row["transactionId"] for row in rows]
                if ids:
                    session.run("TERMINATE TRANSACTIONS $ids", ids=ids).consume()


def vm_hwm_kb(pid: int) -> int | None:
    """A running process's peak resident memory so far, in kB (``VmHWM``), or None once it is
    gone. Unlike a child's ``ru_maxrss``, which starts from its parent's size at the fork (Linux
    keeps the larger across ``exec``: a 50 MB child of a 400 MB process reports 400 MB), this
    is the process's own."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def empty_database(graph: Graph, chunk: int = 10_000) -> int:
    """Delete every node in chunks (one huge DETACH DELETE can exhaust a server's memory)."""
    deleted = 0
    text = "MATCH (n) WITH n LIMIT $chunk DETACH DELETE n RETURN count(*) AS n"
    with graph.driver.session(database=graph.database) as session:
        while True:
            record = session.execute_write(lambda tx: tx.run(text, chunk=chunk).single())
            count = int(record["n"]) if record else 0
            deleted += count
            if count == 0:
                return deleted


@contextlib.contextmanager
def fresh_server(
    work_dir: Path | None = None, kind: str | None = None, kit: Path | None = None
) -> Iterator[BenchServer]:
    """A server with an empty database for one benchmark size: ``kind`` "embedded" or
    "neo4j-kit"; by default the embedded one, or the server of ``NEO4J_URI`` when it is set."""
    if kind == "neo4j-kit":
        with kit_server(kit or DEFAULT_KIT, work_dir) as server:
            yield server
        return
    if kind is None and os.environ.get("NEO4J_URI"):
        settings = Settings.from_env()
        with Graph.open(settings) as graph:
            empty_database(graph)
        yield BenchServer(settings=settings, env=dict(os.environ))
        return
    if work_dir is not None:
        work_dir.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="ownership-bench-", dir=work_dir))
    env = {k: v for k, v in os.environ.items() if k not in NEO4J_KEYS}
    env["OWNERSHIP_HOME"] = str(home)
    server = EmbeddedServer(home)
    bench = BenchServer(settings=Settings(home=home), env=env, embedded=server)
    try:
        bench.pid = server.ensure_running().pid
        if bench.pid:
            bench.pids.append(bench.pid)
        yield bench
    finally:
        with contextlib.suppress(Exception):
            server.stop()
        shutil.rmtree(home, ignore_errors=True)


@contextlib.contextmanager
def kit_server(kit: Path, work_dir: Path | None = None) -> Iterator[BenchServer]:
    """A fresh Neo4j 5.26 from the test kit in a temporary STATE_DIR, stopped and deleted after.

    Its heap and page cache come from ``KIT_MEMORY`` unless ``NEO4J_KIT_HEAP`` /
    ``NEO4J_KIT_PAGECACHE`` are set; the Java runtime is cached in ``NEO4J_KIT_CACHE`` (default
    ``~/.cache/ownership/neo4j-kit``, as for ``make test-neo4j``)."""
    script = kit / "server"
    if not os.access(script, os.X_OK):
        raise OSError(f"no Neo4j kit at {kit} (give --kit DIR)")
    if work_dir is not None:
        work_dir.mkdir(parents=True, exist_ok=True)
    state = Path(tempfile.mkdtemp(prefix="ownership-bench-neo4j-", dir=work_dir))
    memory = {k: os.environ.get(k, v) for k, v in KIT_MEMORY.items()}
    env = {k: v for k, v in os.environ.items() if k not in NEO4J_KEYS}
    env.update(memory)
    env.setdefault("NEO4J_KIT_CACHE", str(Path.home() / ".cache" / "ownership" / "neo4j-kit"))
    Path(env["NEO4J_KIT_CACHE"]).mkdir(parents=True, exist_ok=True)
    env["OWNERSHIP_HOME"] = str(state / "ownership-home")  # the run ledger, nothing else
    try:
        started = subprocess.run(
            [str(script), "start", str(state)], env=env, capture_output=True, text=True
        )
        if started.returncode != 0:
            raise OSError(f"the Neo4j kit did not start: {started.stderr.strip()[-500:]}")
        env.update(kit_exports(started.stdout))
        pid = kit_pid(state)
        yield BenchServer(
            settings=Settings.from_env(env),
            env=env,
            pid=pid,
            pids=[pid] if pid else [],
            kit_memory=memory,
            kit=kit,
            state=state,
        )
    finally:
        subprocess.run([str(script), "stop", str(state)], env=env, capture_output=True)
        shutil.rmtree(state, ignore_errors=True)


def kit_exports(stdout: str) -> dict[str, str]:
    """The connection variables ``kit/server start`` prints (``export NEO4J_URI=…``)."""
    found = {}
    for line in stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        if name in NEO4J_KEYS:
            found[name] = shlex.split(value)[0]
    return found


def kit_pid(state: Path) -> int | None:
    """The pid of the kit server of ``state``, when it runs."""
    pid_file = state / "run" / "neo4j.pid"
    return int(pid_file.read_text().strip()) if pid_file.exists() else None

"""Faults: two imports at once, and a graph server lost in the middle of an import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from bench.generate import generate
from ownership.analysis.stats import graph_stats
from ownership.config import Settings
from ownership.embedded import EmbeddedServer
from ownership.graph import Graph, GraphUnavailable
from ownership.locks import Busy, exclusive


def test_lock_is_exclusive_and_released(tmp_path):
    with exclusive(tmp_path, "import"):
        with pytest.raises(Busy) as caught:
            with exclusive(tmp_path, "import", wait_s=0.3):
                pass
        assert f"pid {os.getpid()}" in str(caught.value)
    with exclusive(tmp_path, "import", wait_s=0):
        pass


def test_lock_of_a_killed_process_is_free(tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from ownership.locks import exclusive\n"
            f"with exclusive(Path({str(tmp_path)!r}), 'import'):\n    print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    holder.kill()
    holder.wait()
    with exclusive(tmp_path, "import", wait_s=2):
        pass


def test_second_import_waits_or_gives_up(run_cli, graph, make_dataset, settings):
    from conftest import company

    folder = make_dataset([company("a", "JP")])
    with exclusive(settings.home, "import"):
        result = run_cli("import", str(folder), "--wait", "0.5")
    assert result.exit_code == 1
    assert "another import is running" in result.stderr
    assert run_cli("import", str(folder)).exit_code == 0


@pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")), reason="kills the embedded server")
def test_server_lost_mid_import_leaves_nothing(tmp_path):
    home = tmp_path / "home"
    data = tmp_path / "data"
    generate(data, companies=10000)  # ~40k records: still writing when the server is killed
    server = EmbeddedServer(home)
    server.ensure_running()
    try:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")},
            "OWNERSHIP_HOME": str(home),
        }
        importer = subprocess.Popen(
            [sys.executable, "-m", "ownership", "import", str(data), "--source", "big"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        pid = server.status().pid
        bolt = server.status().bolt_port
        assert pid and bolt
        deadline = time.monotonic() + 60
        while not _connected(bolt) and time.monotonic() < deadline:
            time.sleep(0.1)  # until the importer holds a Bolt connection (startup may be slow)
        assert importer.poll() is None, "the import finished before the server could be killed"
        time.sleep(1)
        os.kill(pid, 9)  # the server dies mid-import
        out, err = importer.communicate(timeout=120)
        assert importer.returncode == 1
        assert err.startswith("ownership: error:"), err
        assert "Traceback" not in err
        assert server.password() not in err
        # the next command restarts the server; the half-written transaction is gone
        with Graph.open(Settings(home=home)) as graph:
            stats = graph_stats(graph)
        assert stats["nodes"].get("Entity", 0) == 0, stats
        assert server.status().pid != pid  # restarted by the next command
    finally:
        server.stop()


def _connected(port: int) -> bool:
    """True when some process has an established TCP connection to 127.0.0.1:``port``."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as handle:
            next(handle)
            for line in handle:
                fields = line.split()
                if fields[3] == "01" and int(fields[2].split(":")[1], 16) == port:
                    return True
    return False


def test_unreachable_server_is_one_line(tmp_path):
    with pytest.raises(GraphUnavailable) as caught:
        Graph.open(
            Settings(home=tmp_path, uri="bolt://127.0.0.1:9", user="neo4j", password="pw-secret")
        )
    assert "pw-secret" not in str(caught.value)
    json.dumps(str(caught.value))

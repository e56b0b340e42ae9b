"""The first load by the bulk path on the Neo4j kit, measured part by part (docs/bulk-load.md).

``python -m bench.run --server neo4j-kit --first-load bulk`` loads the benchmark's graph this
way instead of with ``ownership import``: ``ownership export --neo4j-admin`` (a child process),
the kit server stopped, the kit's ``neo4j-admin database import full`` (a child process), the
server started again, and ``ownership db init`` (a child process; it completes the load and
keeps today's answers, as an import does). Each part's wall time, CPU and peak memory are
recorded; the whole is reported in the place of the import, so that the latencies after it are
measured on a graph loaded that way.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.server import BenchServer, kit_exports, kit_pid
from ownership.config import Settings

REPO = Path(__file__).resolve().parent.parent
KIT_ADMIN = REPO / "scripts" / "neo4j-kit-admin"
PARTS = ("export", "stop", "neo4j_admin", "start", "db_init")


def measure_bulk_load(
    data_dir: Path, server: BenchServer, cap: float, work_dir: Path | None = None
) -> dict[str, Any]:
    """Load ``data_dir`` as source ``bench`` into the (empty) kit server by the bulk path.

    The result has the keys of ``bench.run.measure_import``'s (``wall_seconds`` is the sum of
    the parts, ``peak_rss_kb`` the export's two processes together, since they run at the same
    time) and ``bulk``: each part's measurements. The server's env, settings and pid are
    updated for the restarted server."""
    from bench.run import _child_failure, run_child  # one way of running children

    if server.kit is None or server.state is None:
        raise ValueError("the bulk path needs a kit server (--server neo4j-kit)")
    folder = Path(tempfile.mkdtemp(prefix="ownership-bulk-export-", dir=work_dir))
    out = folder / "export"
    parts: dict[str, dict[str, Any]] = {}
    try:
        python = [sys.executable, "-m", "ownership"]
        export = [*python, "export", "--neo4j-admin", str(out), str(data_dir)]
        child = run_child([*export, "--source", "bench", "--json"], server.env, cap)
        if child["capped"] or child["returncode"] != 0:
            return {**_child_failure(child), "part": "export"}
        summary = json.loads(child["stdout"])
        parts["export"] = {
            **_usage(child),
            "processes": summary["processes"],
            "peak_rss_kb_per_process": summary["peak_rss_kb"],
            "cpu_seconds_per_process": summary["cpu_seconds"],
            "nodes": sum(summary["nodes"].values()),
            "state_nodes": summary["nodes"].get("Maintained", 0),  # the refresh state noted
            "relationships": sum(summary["relationships"].values()),
            "bytes": sum(p.stat().st_size for p in out.glob("*.csv")),
        }
        parts["stop"] = _kit(server, "stop")
        admin = [str(KIT_ADMIN), str(server.state), "database", "import", "full", "neo4j"]
        env = {**server.env, "NEO4J_KIT": str(server.kit)}
        child = run_child([*admin, f"@{out / 'import.args'}"], env, cap)
        if child["capped"] or child["returncode"] != 0:
            _kit(server, "start")
            return {**_child_failure(child), "part": "neo4j_admin"}
        parts["neo4j_admin"] = _usage(child)
        parts["start"] = _kit(server, "start")
        cpu = server.cpu_seconds()
        child = run_child([*python, "db", "init", "--json"], server.env, cap)
        if child["capped"] or child["returncode"] != 0:
            return {**_child_failure(child), "part": "db_init"}
        done = json.loads(child["stdout"])
        parts["db_init"] = {
            **_usage(child),
            "server_cpu_seconds": _delta(cpu, server.cpu_seconds()),
            **{k: v for k, v in done.items() if k != "sources"},
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    records = sum(summary["read"].values())
    wall = sum(part["wall_seconds"] for part in parts.values())
    return {
        "capped": False,
        "first_load": "bulk",
        "records": records,
        "read": summary["read"],
        "created": {},
        "wall_seconds": round(wall, 3),
        "loader_seconds": summary["seconds"],
        "maintained_seconds": parts["db_init"].get("maintained_seconds"),
        "records_per_second": round(records / wall, 1),
        "peak_rss_kb": sum(parts["export"]["peak_rss_kb_per_process"].values()),
        "user_cpu_seconds": parts["export"]["user_cpu_seconds"],  # both its processes
        "system_cpu_seconds": parts["export"]["system_cpu_seconds"],
        "server_cpu_seconds": _server_cpu(parts),
        "batch_size": None,
        "bulk": parts,
    }


def _server_cpu(parts: dict[str, dict[str, Any]]) -> float | None:
    """The database's side: neo4j-admin's CPU and the restarted server's during db init."""
    admin, init = parts["neo4j_admin"], parts["db_init"].get("server_cpu_seconds")
    if init is None:
        return None
    return round(admin["user_cpu_seconds"] + admin["system_cpu_seconds"] + init, 3)


def _usage(child: dict[str, Any]) -> dict[str, Any]:
    usage = child["usage"]
    return {
        "wall_seconds": round(child["wall"], 3),
        "user_cpu_seconds": round(usage.ru_utime, 3),
        "system_cpu_seconds": round(usage.ru_stime, 3),
        "peak_rss_kb": usage.ru_maxrss,  # the largest of the child and its children
        "load_average": _load(),
    }


def _kit(server: BenchServer, command: str) -> dict[str, Any]:
    """``kit/server stop|start STATE_DIR``; after a start, the server's new connection."""
    from bench.run import run_child

    child = run_child([str(server.kit / "server"), command, str(server.state)], server.env, 600)
    if child["capped"] or child["returncode"] != 0:
        raise OSError(f"kit server {command} failed: {child.get('stderr', '')[-500:]}")
    if command == "start":
        server.env.update(kit_exports(child["stdout"]))
        server.settings = Settings.from_env(server.env)
        server.pid = kit_pid(server.state)
        if server.pid:
            server.pids.append(server.pid)
    return {"wall_seconds": round(child["wall"], 3), "load_average": _load()}


def _load() -> float | None:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError):
        return None


def _delta(before: float | None, after: float | None) -> float | None:
    return round(after - before, 3) if before is not None and after is not None else None


def _time(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds:,.0f} s ({seconds / 60:.1f} min)" if seconds >= 120 else f"{seconds:.1f} s"


def render_parts(imp: dict[str, Any]) -> list[str]:
    """The rows of the import table that show the bulk load's parts (after the whole)."""
    parts = imp.get("bulk") or {}
    if not parts:
        return []
    export = parts["export"]
    rss = export["peak_rss_kb_per_process"]
    cpu = export["cpu_seconds_per_process"]
    rows = [
        (
            "`ownership export --neo4j-admin` "
            f"({export['processes']} processes; {export['nodes']:,} nodes, "
            f"{export['relationships']:,} relationships, {export['bytes'] / 1e9:.2f} GB of CSV)",
            export,
            f"CPU {' + '.join(f'{k} {v:.0f} s' for k, v in cpu.items())}; peak RSS "
            + " + ".join(f"{k} {v / 1024:.0f} MB" for k, v in rss.items()),
        ),
        ("kit server stop", parts["stop"], ""),
        (
            "`neo4j-admin database import full`",
            parts["neo4j_admin"],
            f"CPU {parts['neo4j_admin']['user_cpu_seconds'] + parts['neo4j_admin']['system_cpu_seconds']:.0f} s; "
            f"peak RSS {parts['neo4j_admin']['peak_rss_kb'] / 1024:.0f} MB",
        ),
        ("kit server start", parts["start"], ""),
        (
            "`ownership db init` (schema, empty lists, merged entities, today's answers)",
            parts["db_init"],
            f"{parts['db_init'].get('lists_filled', 0):,} nodes given their empty lists; "
            f"server CPU {parts['db_init'].get('server_cpu_seconds') or 0:.0f} s"
            + (
                f"; answers kept in {sum(parts['db_init']['maintained_seconds'].values()):.0f} s"
                if parts["db_init"].get("maintained_seconds")
                else ""
            ),
        ),
    ]
    lines = ["", "| part of the bulk load | wall time | load average after | notes |"]
    lines.append("|---|---:|---:|---|")
    for title, part, note in rows:
        lines.append(
            f"| {title} | {_time(part['wall_seconds'])} | {part.get('load_average')} | {note} |"
        )
    return lines

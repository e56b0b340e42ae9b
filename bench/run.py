"""The benchmark harness (``make bench``): import throughput against two peers, and latencies.

    python -m bench.run --sizes 10k,100k[,1m] [--repeat 5] [--out docs/benchmarks.md]
                        [--peer-sample 2000] [--cap 120] [--profile-import --batch-sizes 500,2000]

For each size it generates the data (cached in ``bench/data/<size>/``), starts a FRESH embedded
server in a temporary ``OWNERSHIP_HOME`` (or, with ``NEO4J_URI`` set, EMPTIES that database) and
measures, in this order, on that one server:

1. our import end to end: ``python -m ownership import DIR --source bench --json`` as a child
   process, its wall time and peak resident memory (``os.wait4`` rusage), records/s;
2. the latencies, p50/p95 over ``--repeat`` runs after one warm-up, of the real analysis
   functions on the imported graph (chains, owners, subsidiaries, the 50 percent rule, flags,
   the explorer's profile page data), each run capped at ``--cap`` seconds;
2b. ``ownership refresh`` of the imported source, unchanged and then with 1 % of its records
   changed (``bench/refresh.py``), as child processes like the import (``--skip-refresh``);
3. the raw ceiling peer (``UNWIND … CREATE``, no validation, same batch size, all rows);
4. the per-record peer (one transaction per record, on a sample of ``--peer-sample`` records,
   extrapolated).

The peers write into their own labels (``BenchRaw``, ``BenchTx``) after the latencies, so they
never disturb the graph the queries run on. ``docs/benchmarks.md`` gets the figures between
``<!-- generated:start -->`` and ``<!-- generated:end -->``; everything outside (the findings)
is written by hand and kept. Raw results also go to ``bench/out/<size>.json`` (git-ignored).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import neo4j

from bench import peers, refresh
from bench.bulk_load import measure_bulk_load, render_parts
from bench.generate import generate
from bench.server import DEFAULT_KIT, KINDS, BenchServer, fresh_server, vm_hwm_kb
from ownership import clock, cypher
from ownership.analysis import kept_chains
from ownership.analysis.chains import exhaustive_chains, find_chains, search_chains
from ownership.analysis.entities import find, resolve
from ownership.analysis.flags import FlagSettings, compute_red_flags, flag_page, red_flags
from ownership.analysis.gaps import company_gaps, gap_page
from ownership.analysis.history import compare_dates
from ownership.analysis.kept_holdings import ranked
from ownership.analysis.landing import landing
from ownership.analysis.owners import owners, subsidiaries
from ownership.analysis.profile import entity_profile
from ownership.analysis.sanctions import blocked_entities
from ownership.analysis.stats import data_version, graph_stats
from ownership.graph import Graph
from ownership.loader import BATCH_SIZE

REPO = Path(__file__).resolve().parent.parent
DATA_ROOT = REPO / "bench" / "data"
OUT_DIR = REPO / "bench" / "out"
DEFAULT_OUT = REPO / "docs" / "benchmarks.md"
AS_OF = dt.date(2024, 1, 1)
DIFF_FROM = dt.date(2022, 3, 1)  # the explorer's default start of a comparison
SEARCHED = "holdings"  # a name fragment thousands of generated names share
SEED = 42
START, END = "<!-- generated:start -->", "<!-- generated:end -->"

# Targets (issue text). Import and memory targets are stated for 1M companies.
TARGET_1M_SECONDS = 300.0
TARGET_RSS_KB = 1024 * 1024
REFRESH_TARGETS = {"unchanged": 120.0, "again": 120.0, "changed": 180.0}  # s, at 1M companies
REFRESH_TITLES = {
    "unchanged": "unchanged, compared record by record",
    "again": "the same files once more (digest)",
    "changed": "1 % changed",
}
TARGET_PER_RECORD_RATIO = 40.0
TARGET_RAW_RATIO = 2.0


@dataclass(frozen=True)
class Latency:
    """One latency measurement: what it runs and its p95 target in seconds (None: no target)."""

    key: str
    title: str
    target: float | None


LATENCIES = (
    Latency(
        "chains_first_ask",
        "chains JP → RU, ≤ 6 hops: first ask on new data (enumerated, then kept)",
        None,
    ),
    Latency(
        "chains_summary",
        "chains JP → RU, ≤ 6 hops: total, start entities, first 50 (kept answer)",
        1.0,
    ),
    Latency(
        "chains_next_page",
        "chains JP → RU: next page, `ownership chains --limit 50 --offset 50` (new process)",
        1.0,
    ),
    Latency("chains", "chains JP → RU, ≤ 6 hops: every chain (pruned search)", None),
    Latency("chains_exhaustive", "chains JP → RU: the server's exhaustive path query", None),
    Latency("chains_via", "chains JP → RU via SG, ≤ 6 hops: every chain", None),
    Latency("owners", "owners of the largest group's deepest member", 0.3),
    Latency("subsidiaries", "subsidiaries of the largest group's head: every one, named", None),
    Latency(
        "subsidiaries_ranked",
        "subsidiaries of the largest group's head: total and first 50 by share (in process)",
        0.3,
    ),
    Latency(
        "subsidiaries_page",
        "subsidiaries of the largest group's head: first 50, `ownership subsidiaries --limit 50` "
        "(new process)",
        0.3,
    ),
    Latency("help", "`ownership --help` (new process)", 0.3),
    Latency("blocked", "50 % rule, whole graph (OFAC)", 60.0),
    Latency("flags", "red flags, whole graph, computed (the reference)", 60.0),
    Latency("flags_kept", "red flags, whole graph, as kept by the import (today)", 1.0),
    Latency("flags_other", "red flags for a non-kept date (2024-01-01; kept for every date)", 2.0),
    Latency(
        "flags_page", "red flags: counts of each kind and the first 50 (kept, 2024-01-01)", 1.0
    ),
    Latency("landing", "landing page data (as kept by the import, today)", 2.0),
    Latency("gaps", "ownership gaps filter: no ultimate owner found (kept, today)", 2.0),
    Latency("gaps_other", "gaps filter for a non-kept date (2024-01-01; kept for every date)", 2.0),
    Latency("gaps_page", "gaps filter: how many and the first 50 (kept, 2024-01-01)", 1.0),
    Latency("diff", "`diff` 2022-03-01 → today: every list (the contract's JSON)", None),
    Latency(
        "diff_page",
        "`diff` 2022-03-01 → today: counts and the first 100 of each list (the Compare page)",
        2.0,
    ),
    Latency("profile", "profile page data (resolve + entity_profile)", 2.0),
    Latency("search", "search 'holdings': the search box's first 50 (kept index)", 1.0),
    Latency("search_scan", "search 'holdings': the server's scan of every entity", None),
)


# -- sizes and data ------------------------------------------------------------------------------


def parse_size(text: str) -> tuple[str, int]:
    """``"10k"`` → ``("10k", 10000)``; ``"1m"``, ``"1.5m"``, ``"300"`` likewise."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 300, 10k, 1m)")
    number = float(match.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    companies = int(number)
    if companies < 10:
        raise argparse.ArgumentTypeError(f"size {text!r} is too small (at least 10 companies)")
    return match.group(1) + match.group(2).lower(), companies


def ensure_data(root: Path, label: str, companies: int, seed: int = SEED) -> tuple[Path, dict]:
    """The generated dataset for a size, generated once and reused while its stamp matches."""
    folder = root / label
    stamp = folder / ".bench.json"
    wanted = {"companies": companies, "seed": seed}
    if stamp.exists():
        try:
            known = json.loads(stamp.read_text())
            if {k: known.get(k) for k in wanted} == wanted:
                return folder, known
        except ValueError:
            pass
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    counts = generate(folder, companies=companies, seed=seed)
    info = {**wanted, "counts": counts, "generate_seconds": round(time.perf_counter() - started, 2)}
    stamp.write_text(json.dumps(info, indent=2))
    return folder, info


# -- machine -------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_kb = None
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_kb = int(line.split()[1])
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "ram_gb": round(ram_kb / 1024 / 1024, 1) if ram_kb else None,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "neo4j_driver": neo4j.__version__,
    }


def code_digest() -> str:
    """A short sha256 of the ``ownership`` source on disk now. The harness's children (the
    import, ``db init``, the refreshes, the CLI latencies) import it anew when they start, so
    a commit or merge in the checkout during a run changes the code measured midway: on
    2026-12-07 the 1M Neo4j run's ``db init`` kept the answers with the code before the
    kept-answer layout stamp and its unchanged refresh, 25 minutes later, ran the code after,
    found them unreadable and kept them all again (447 of its 778 s). Taken at the start and
    the end of each size; the report says when they differ."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "ownership").rglob("*.py")):
        digest.update(f"{path.relative_to(REPO).as_posix()}\0".encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def _code_note(result: dict[str, Any]) -> list[str]:
    """A warning in a size's block when the code changed while it was measured."""
    code = result.get("code") or {}
    if code.get("start") == code.get("end"):
        return []
    return [
        f"**The `ownership` code changed during this run** (source digest {code.get('start')} "
        f"at the start, {code.get('end')} at the end): parts measured after the change ran "
        "other code than those before; measure again on a checkout left alone.",
        "",
    ]


def load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


# -- 1. our import, as a child process -------------------------------------------------------------


def measure_import(
    data_dir: Path, env: dict[str, str], cap: float, command: list[str] | None = None
) -> dict[str, Any]:
    """Run ``ownership import`` as a child; wall time, peak RSS (rusage of that child), summary.

    ``command`` replaces the child's command line (it must print the import summary as JSON)."""
    command = command or [
        sys.executable,
        "-m",
        "ownership",
        "import",
        str(data_dir),
        "--source",
        "bench",
        "--json",
    ]
    child = run_child(command, env, cap)
    if child["capped"] or child["returncode"] != 0:
        return _child_failure(child)
    stdout, wall, usage = child["stdout"], child["wall"], child["usage"]
    summary = json.loads(stdout)
    records = sum(summary["read"].values())
    return {
        "capped": False,
        "records": records,
        "read": summary["read"],
        "created": summary.get("created", {}),
        "wall_seconds": round(wall, 3),
        "loader_seconds": summary["seconds"],
        # today's red flags, gaps, landing page and 50 % rule, kept after the load (included
        # in wall_seconds)
        "maintained_seconds": summary.get("maintained_seconds"),
        "records_per_second": round(records / wall, 1),
        "peak_rss_kb": child["peak_rss_kb"],  # kilobytes
        "user_cpu_seconds": round(usage.ru_utime, 3),
        "system_cpu_seconds": round(usage.ru_stime, 3),
        "batch_size": BATCH_SIZE,
    }


def run_child(command: list[str], env: dict[str, str], cap: float) -> dict[str, Any]:
    """Run a command of ours as a child: wall time, rusage (CPU), its own peak RSS (polled:
    :func:`bench.server.vm_hwm_kb`), output; killed after ``cap`` seconds."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env, cwd=REPO
        )
        deadline = started + cap
        peak_kb = 0
        while True:
            peak_kb = max(peak_kb, vm_hwm_kb(process.pid) or 0)
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                os.wait4(process.pid, 0)
                return {"capped": True, "cap": cap}
            time.sleep(0.05)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return {
            "capped": False,
            "returncode": os.waitstatus_to_exitcode(status),
            "wall": wall,
            "usage": usage,
            "peak_rss_kb": peak_kb or usage.ru_maxrss,  # the child's own, not its parent's
            "stdout": out.read().decode(),
            "stderr": err.read().decode(),
        }


def _child_failure(child: dict[str, Any]) -> dict[str, Any]:
    if child["capped"]:
        return {"capped": True, "cap_seconds": child["cap"], "wall_seconds": None}
    return {
        "capped": False,
        "failed": True,
        "wall_seconds": round(child["wall"], 3),
        "error": f"exit status {child['returncode']}: " + child["stderr"].strip()[-2000:],
        "peak_rss_kb": child["peak_rss_kb"],
    }


def measure_refreshes(data_dir: Path, env: dict[str, str], cap: float) -> dict[str, Any]:
    """``ownership refresh`` of the source just imported: unchanged (compared record by record:
    no refresh has vouched for the files yet), the same files once more (their digest is the
    one the first refresh recorded), then with 1 % changed (bench/refresh.py); wall time, peak
    RSS and what each reported."""
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-refresh-") as work:
        folder = Path(work)
        changed_dir = folder / "changed"
        edits = refresh.changed_copy(data_dir, changed_dir)
        runs = (("unchanged", data_dir), ("again", data_dir), ("changed", changed_dir))
        for label, source_dir in runs:
            sources = refresh.sources_file(folder, source_dir)
            command = [sys.executable, "-m", "ownership", "refresh", "--sources", str(sources),
                       "--format", "json", "--verbose"]  # fmt: skip
            child = run_child(command, env, cap)
            if child["capped"] or child["returncode"] not in (0,):
                results[label] = _child_failure(child)
                continue
            results[label] = {
                "capped": False,
                "wall_seconds": round(child["wall"], 3),
                "peak_rss_kb": child["peak_rss_kb"],
                "report": refresh.summary(json.loads(child["stdout"])),
                "log": child["stderr"].strip().splitlines(),  # where the time went, per step
            }
        results["changed"]["edits"] = edits
    return results


# -- 2. latencies ----------------------------------------------------------------------------------


class Capped(Exception):
    """A run exceeded the time cap."""


def run_capped(fn: Callable[[], Any], cap: float) -> tuple[float, Any]:
    """``fn()`` in a worker thread; its seconds and result, or :class:`Capped` after ``cap``."""
    box: dict[str, Any] = {}

    def work() -> None:
        started = time.perf_counter()
        try:
            box["result"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc
        box["seconds"] = time.perf_counter() - started

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(cap)
    if thread.is_alive():
        raise Capped()
    if "error" in box:
        raise box["error"]
    return box["seconds"], box["result"]


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile (with 5 samples, p95 is the slowest run)."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _size_of(result: Any) -> int:
    return len(result) if isinstance(result, list) else 1


class Latencies:
    """Runs each measurement warm-up + repeats on a graph that is reopened after a cap."""

    def __init__(self, server: BenchServer, repeat: int, cap: float) -> None:
        self.server = server
        self.repeat = repeat
        self.cap = cap
        self.budget = max(cap * 2, 60.0)  # total seconds of repeats per measurement
        self.graph = server.open()

    def close(self) -> None:
        self.graph.close()

    def measure(self, fn: Callable[[Graph], Any], size: Callable[[Any], int] = _size_of) -> dict:
        samples: list[float] = []
        result_size = None
        try:
            warm, result = run_capped(lambda: fn(self.graph), self.cap)
            result_size = size(result)
            spent = 0.0
            for _ in range(self.repeat):
                seconds, _result = run_capped(lambda: fn(self.graph), self.cap)
                samples.append(seconds)
                spent += seconds
                if spent > self.budget:
                    break
        except Capped:
            self._recover()
            return {
                "capped": True,
                "cap_seconds": self.cap,
                "runs": len(samples),
                "result_size": result_size,
            }
        except Exception as exc:  # a query the server refuses: recorded, the run goes on
            return {"error": f"{type(exc).__name__}: {exc}"[:500], "runs": len(samples)}
        return {
            "capped": False,
            "runs": len(samples),
            "warmup_seconds": round(warm, 4),
            "p50_seconds": round(percentile(samples, 50), 4),
            "p95_seconds": round(percentile(samples, 95), 4),
            "mean_seconds": round(statistics.fmean(samples), 4),
            "result_size": result_size,
        }

    def _recover(self) -> None:
        """Stop the runaway query on the server, then drop its driver: the capped worker thread
        may still be using that driver's connection (the driver is not thread-safe, and closing
        it under the thread raised ``BufferError`` at 1M on Neo4j), so closing is best effort."""
        abandoned = self.graph
        self.server.recover()
        self.graph = self.server.open()
        with contextlib.suppress(Exception):
            abandoned.close()


LARGEST_GROUP = """
MATCH (c:Company)-[r:OWNS]->(:Entity)
RETURN c.uid AS uid, count(r) AS subsidiaries
ORDER BY subsidiaries DESC, uid
LIMIT 1
"""

MID_SIZED = """
MATCH (c:Company)-[r:OWNS]->(:Entity)
WITH c, count(r) AS subsidiaries
WHERE subsidiaries >= 2 AND EXISTS { (:Entity)-[:OWNS]->(c) }
RETURN c.uid AS uid, subsidiaries
ORDER BY subsidiaries, uid
"""


def _read(graph: Graph, text: str) -> list[dict[str, Any]]:
    with graph.driver.session(database=graph.database) as session:
        return session.execute_read(lambda tx: tx.run(text).data())


def choose_subjects(graph: Graph) -> dict[str, Any]:
    """The largest group's head (most direct subsidiaries), its deepest member, and a
    mid-sized company (median number of direct holdings among companies that have an owner
    and at least two holdings)."""
    subjects: dict[str, Any] = {}
    head = _read(graph, LARGEST_GROUP)
    if head:
        ref = resolve(graph, head[0]["uid"])
        subjects["head"] = {"ref": ref, "direct": head[0]["subsidiaries"]}
        below = subsidiaries(graph, ref, AS_OF)
        subjects["head"]["group_size"] = len(below)
        if below:
            deepest = max(below, key=lambda h: (h.hops, h.uid))
            subjects["member"] = {"ref": resolve(graph, deepest.uid), "hops": deepest.hops}
    mids = _read(graph, MID_SIZED)
    if mids:
        middle = mids[len(mids) // 2]
        subjects["mid"] = {"ref": resolve(graph, middle["uid"]), "direct": middle["subsidiaries"]}
    return subjects


QUESTION = kept_chains.Question("JP", "RU", (), 6, AS_OF)


def _first_ask(graph: Graph) -> dict[str, Any]:
    """What ``ownership chains`` does for a question not kept on this data: enumerate it,
    keep it, show the summary and first page."""
    version = data_version(graph)[0]
    found = search_chains(graph, "JP", "RU", (), AS_OF, 6)
    kept_chains.keep(graph, QUESTION, found, version)
    return {**found.summary(), "page": found.page(50, 0)}


def _summary_and_page(graph: Graph) -> dict[str, Any]:
    """What ``ownership chains --summary`` and the explorer's first page need, as they get it:
    the kept answer (kept by the first ask)."""
    found = kept_chains.answer(graph, QUESTION)
    return {**found.summary(), "page": found.page(50, 0)}


def _cli(env: dict[str, str], *args: str, json_output: bool = True) -> Callable[[Graph], Any]:
    """A run of ``ownership ARGS`` in a new process, as a script would do it (start-up
    included); its JSON document, or its output lines."""
    command = [
        sys.executable,
        "-m",
        "ownership",
        *args,
        *(["--format", "json"] if json_output else []),
    ]

    def run(_graph: Graph) -> Any:
        done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])}: {done.stderr.strip()[-300:]}")
        return json.loads(done.stdout) if json_output else done.stdout.splitlines()

    return run


def measure_latencies(server: BenchServer, repeat: int, cap: float) -> dict[str, Any]:
    runner = Latencies(server, repeat, cap)
    try:
        subjects = choose_subjects(runner.graph)
        head = subjects.get("head", {}).get("ref")
        member = subjects.get("member", {}).get("ref")
        mid = subjects.get("mid", {}).get("ref")
        question = ["--from-country", "JP", "--to-country", "RU", "--as-of", AS_OF.isoformat()]
        plans: dict[str, Callable[[Graph], Any] | None] = {
            "chains_first_ask": _first_ask,
            "chains_summary": _summary_and_page,
            "chains_next_page": _cli(
                server.env, "chains", *question, "--limit", "50", "--offset", "50"
            ),
            "chains": lambda g: find_chains(g, "JP", "RU", (), AS_OF, 6),
            "chains_exhaustive": lambda g: exhaustive_chains(g, "JP", "RU", (), AS_OF, 6),
            "chains_via": lambda g: find_chains(g, "JP", "RU", ("SG",), AS_OF, 6),
            "owners": (lambda g: owners(g, member, AS_OF)) if member else None,
            "subsidiaries": (lambda g: subsidiaries(g, head, AS_OF)) if head else None,
            "subsidiaries_ranked": (lambda g: ranked(g, head, False, AS_OF, limit=50)[1])
            if head
            else None,
            "subsidiaries_page": _cli(
                server.env, "subsidiaries", head.uid, "--as-of", AS_OF.isoformat(), "--limit", "50"
            )
            if head
            else None,
            "help": _cli(server.env, "--help", json_output=False),
            "blocked": lambda g: blocked_entities(g, AS_OF),
            "flags": lambda g: compute_red_flags(g, FlagSettings(), AS_OF),
            # `ownership import` keeps these (ownership.analysis.upkeep): red flags and gaps
            # for every date, the landing page and the 50 % rule for the day it ran
            "flags_kept": lambda g: red_flags(g, as_of=clock.today()),
            "flags_other": lambda g: red_flags(g, as_of=AS_OF),
            "flags_page": lambda g: flag_page(g, as_of=AS_OF, limit=50).flags,
            "landing": lambda g: landing(g, clock.today()),
            "gaps": lambda g: company_gaps(g, clock.today()),
            "gaps_other": lambda g: company_gaps(g, AS_OF),
            "gaps_page": lambda g: gap_page(g, AS_OF, limit=50).gaps,
            "diff": lambda g: compare_dates(g, DIFF_FROM, clock.today()),
            "diff_page": lambda g: compare_dates(g, DIFF_FROM, clock.today(), None, 100),
            "profile": (lambda g: entity_profile(g, resolve(g, mid.uid), AS_OF)) if mid else None,
            "search": lambda g: find(g, SEARCHED),
            "search_scan": lambda g: g.read(
                cypher.SEARCH_ENTITIES, norm=SEARCHED, compact=SEARCHED.upper(), limit=50
            ),
        }
        results: dict[str, Any] = {}
        for latency in LATENCIES:
            plan = plans[latency.key]
            if plan is None:
                results[latency.key] = {"skipped": "no suitable subject in this graph"}
                continue
            if latency.key == "profile":
                measured = runner.measure(plan, size=lambda p: len(p.owners) + len(p.subsidiaries))
            elif latency.key in ("chains_first_ask", "chains_summary"):
                measured = runner.measure(plan, size=lambda s: s["total"])
            else:
                measured = runner.measure(plan)
            results[latency.key] = measured
        described = {
            name: {
                "uid": info["ref"].uid,
                "name": info["ref"].name,
                **{k: v for k, v in info.items() if k != "ref"},
            }
            for name, info in subjects.items()
        }
        return {"as_of": AS_OF.isoformat(), "subjects": described, "results": results}
    finally:
        runner.close()


# -- one size --------------------------------------------------------------------------------------


def bench_size(
    label: str,
    companies: int,
    *,
    data_root: Path,
    repeat: int,
    cap: float,
    import_cap: float,
    peer_sample: int,
    work_dir: Path | None,
    seed: int = SEED,
    log: Callable[[str], None] = print,
    server_kind: str | None = None,
    kit: Path | None = None,
    skip_peers: bool = False,
    skip_refresh: bool = False,
    import_commit_every: int | None = None,
    first_load: str = "import",
) -> dict[str, Any]:
    data_dir, data = ensure_data(data_root, label, companies, seed)
    result: dict[str, Any] = {
        "size": label,
        "companies": companies,
        "data": data,
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average_start": load_average(),
        "code": {"start": code_digest()},
    }
    with fresh_server(work_dir, server_kind, kit) as server:
        result["server_pids"] = server.pids
        with server.open() as graph:
            result["server"] = {
                "kind": server.kind,
                "agent": graph.driver.get_server_info().agent,
                "heap": os.environ.get("OWNERSHIP_SERVER_HEAP", "3g") if server.embedded else None,
                "kit_memory": server.kit_memory,
            }
        log(f"[{label}] importing {sum(data['counts'].values()):,} records …")
        cpu = server.cpu_seconds()
        command = None
        if import_commit_every is not None:
            command = [sys.executable, "-m", "ownership", "import", str(data_dir), "--source",
                       "bench", "--json", "--commit-every", str(import_commit_every)]  # fmt: skip
        if first_load == "bulk":  # its server CPU: neo4j-admin's and the restarted server's
            log(f"[{label}] first load by the bulk path (export, neo4j-admin, db init) …")
            result["import"] = measure_bulk_load(data_dir, server, import_cap, work_dir)
        else:
            result["import"] = measure_import(data_dir, server.env, import_cap, command)
            result["import"]["commit_every"] = import_commit_every
            result["import"]["server_cpu_seconds"] = _delta(cpu, server.cpu_seconds())
        result["server_peak_rss_kb_after_import"] = server.peak_rss_kb()
        imported = not result["import"]["capped"] and not result["import"].get("failed")
        if result["import"].get("failed") and server.embedded:
            result["import"]["server_log_tail"] = server.embedded.log_tail(30)
            server.recover()  # a server that ran out of memory may be unusable
        if imported:
            with server.open() as graph:
                result["graph"] = count_graph(graph)
        log(f"[{label}] import: {_fmt_import(result['import'])}")
        if imported:
            log(f"[{label}] latencies ({repeat} runs after a warm-up, cap {cap:g} s) …")
            result["latency"] = measure_latencies(server, repeat, cap)
            if skip_refresh:
                log(f"[{label}] refresh skipped")
            else:
                log(f"[{label}] refresh: unchanged, then 1 % changed …")
                result["refresh"] = measure_refreshes(data_dir, server.env, import_cap)
                log(f"[{label}] refresh: {_fmt_refresh(result['refresh'])}")
        with server.open() as graph:
            if skip_peers:
                log(f"[{label}] peers skipped")
            else:
                log(f"[{label}] raw ceiling peer …")
                cpu, client = server.cpu_seconds(), time.process_time()
                raw = peers.raw_ceiling(graph.driver, graph.database, data_dir, BATCH_SIZE)
                result["raw"] = raw.as_dict()
                result["raw"]["server_cpu_seconds"] = _delta(cpu, server.cpu_seconds())
                result["raw"]["client_cpu_seconds"] = round(time.process_time() - client, 3)
                log(f"[{label}] raw: {raw.records:,} records in {raw.seconds:.1f} s")
                log(f"[{label}] per-record peer on {peer_sample:,} records …")
                cpu, client = server.cpu_seconds(), time.process_time()
                tx = peers.per_record(graph.driver, graph.database, data_dir, peer_sample)
                result["per_record"] = tx.as_dict()
                result["per_record"]["server_cpu_seconds"] = _delta(cpu, server.cpu_seconds())
                result["per_record"]["client_cpu_seconds"] = round(time.process_time() - client, 3)
                log(f"[{label}] per record: {tx.records:,} records in {tx.seconds:.1f} s")
                if not server.embedded:
                    peers.cleanup(graph.driver, graph.database)
        result["server_peak_rss_kb"] = server.peak_rss_kb()
        result["server_pids"] = server.pids
    result["load_average_end"] = load_average()
    result["code"]["end"] = code_digest()
    if result["code"]["end"] != result["code"]["start"]:
        log(f"[{label}] WARNING: the ownership code changed during this run ({result['code']})")
    return result


def _delta(before: float | None, after: float | None) -> float | None:
    return round(after - before, 3) if before is not None and after is not None else None


def count_graph(graph: Graph) -> dict[str, Any]:
    """Nodes and relationships in the graph after our import (what it wrote, in elements)."""
    started = time.perf_counter()
    nodes = _read(graph, "MATCH (n) RETURN count(n) AS n")[0]["n"]
    relationships = _read(graph, "MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]
    return {
        "nodes": nodes,
        "relationships": relationships,
        # the answers kept by import and `db init` (flags, gaps, …): nodes our load adds
        "kept_nodes": graph_stats(graph)["nodes"].get("Maintained", 0),
        "count_seconds": round(time.perf_counter() - started, 3),
    }


def profile_size(
    label: str,
    companies: int,
    *,
    data_root: Path,
    batch_sizes: list[int],
    work_dir: Path | None,
    seed: int = SEED,
    profile_client: bool = False,
    commit_every: list[int | None] | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    from bench.profile_import import profile_import

    data_dir, data = ensure_data(data_root, label, companies, seed)
    result: dict[str, Any] = {
        "size": label,
        "companies": companies,
        "data": data,
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average_start": load_average(),
        "runs": [],
    }
    for batch_size in batch_sizes:
        for every in commit_every or [None]:
            with fresh_server(work_dir) as server, server.open() as graph:
                how = (
                    "the loader's own commits"
                    if every is None
                    else f"commit every {every:,} records"
                    if every
                    else "one transaction"
                )
                log(f"[{label}] profiling the import, batch size {batch_size}, {how} …")
                cpu = server.cpu_seconds()
                run = profile_import(
                    graph,
                    data_dir,
                    batch_size,
                    server.cpu_seconds,
                    profile_client=profile_client,
                    commit_every=every,
                )
                run["server_cpu_seconds"] = _delta(cpu, server.cpu_seconds())
                run["server_peak_rss_kb"] = server.peak_rss_kb()
                result["runs"].append(run)
                log(
                    f"[{label}] batch {batch_size}, {how}: {run['wall_seconds']} s, "
                    f"{run['records_per_second']} records/s, server CPU "
                    f"{run['server_cpu_seconds']} s"
                )
    result["load_average_end"] = load_average()
    result["code"]["end"] = code_digest()
    if result["code"]["end"] != result["code"]["start"]:
        log(f"[{label}] WARNING: the ownership code changed during this run ({result['code']})")
    return result


# -- report ----------------------------------------------------------------------------------------


def _n(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 1:
        return f"{value * 1000:,.0f} ms" if value >= 0.01 else f"{value * 1000:,.1f} ms"
    if value >= 120:
        return f"{value:,.0f} s ({value / 60:,.1f} min)"
    return f"{value:,.2f} s"


def _mb(kb: int | None) -> str:
    return "—" if kb is None else f"{kb / 1024:,.0f} MB"


def _mark(ok: bool | None) -> str:
    return "" if ok is None else ("✓" if ok else "✗")


def _fmt_import(imp: dict[str, Any]) -> str:
    if imp.get("capped"):
        return f"> cap ({imp['cap_seconds']:g} s)"
    if imp.get("failed"):
        return f"FAILED after {imp['wall_seconds']:.1f} s: {imp['error'].splitlines()[0]}"
    return (
        f"{imp['records']:,} records in {imp['wall_seconds']:.1f} s "
        f"({imp['records_per_second']:,.0f}/s), peak RSS {_mb(imp['peak_rss_kb'])}"
    )


def _fmt_refresh(found: dict[str, Any]) -> str:
    return ", ".join(
        f"{label} {_seconds(found[label].get('wall_seconds'))}"
        for label in REFRESH_TITLES
        if label in found
    )


def _machine_line(result: dict[str, Any]) -> str:
    m = result["machine"]
    server = result.get("server", {})
    heap = f", heap {server['heap']}" if server.get("heap") else ""
    if server.get("kit_memory"):
        memory = server["kit_memory"]
        heap = f", heap {memory['NEO4J_KIT_HEAP']}, page cache {memory['NEO4J_KIT_PAGECACHE']}"
    return (
        f"{m['cpu']}, {m['usable_cores']} cores usable of {m['cores']}, {m['ram_gb']} GB RAM, "
        f"{m['os']}, Python {m['python']}, neo4j driver {m['neo4j_driver']}; "
        f"server {server.get('agent', '?')} ({server.get('kind', '?')}{heap})"
    )


def render_size(result: dict[str, Any]) -> str:
    label, companies = result["size"], result["companies"]
    counts = result["data"]["counts"]
    records = sum(counts.values())
    imp = result["import"]
    peers_run = "raw" in result  # --skip-peers leaves them out
    raw, tx = result.get("raw", {}), result.get("per_record", {})
    engine = ENGINES.get(result.get("server", {}).get("kind", "embedded"), "")
    lines = [
        f"### {label}: {companies:,} companies, {records:,} records{engine}",
        "",
        f"Measured {result['date']} on {_machine_line(result)}. Load average "
        f"{result['load_average_start']} at the start, {result['load_average_end']} at the end.",
        "",
        *_code_note(result),
        "Data (`bench/generate.py`, seed "
        + str(result["data"]["seed"])
        + "): "
        + ", ".join(f"{n:,} {name.removesuffix('.csv')}" for name, n in counts.items())
        + ".",
        "",
        "#### Import",
        "",
        "Wall time swings with the machine's load; CPU time (client process + server process, "
        "ms per 1,000 records) barely does, so both are shown.",
        "",
        "| way | records | wall time | records/s | rate ÷ ours | CPU client + server "
        "per 1k records |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    ours_rate = imp.get("records_per_second")
    ours_cpu = _cpu_per_k(
        imp.get("user_cpu_seconds", 0) + imp.get("system_cpu_seconds", 0)
        if not imp.get("capped")
        else None,
        imp.get("server_cpu_seconds"),
        imp.get("records"),
    )
    tx_cpu = _cpu_per_k(
        tx.get("client_cpu_seconds"), tx.get("server_cpu_seconds"), tx.get("records")
    )
    raw_cpu = _cpu_per_k(
        raw.get("client_cpu_seconds"), raw.get("server_cpu_seconds"), raw.get("records")
    )
    if imp.get("capped"):
        lines.append(
            f"| ours: `ownership import` (child process) | {records:,} | "
            f"> cap ({imp['cap_seconds']:g} s) | — | — | — |"
        )
    elif imp.get("failed"):
        first = imp["error"].strip().splitlines()[-1][:200].replace("|", "\\|")
        lines.append(
            f"| ours: `ownership import` (child process) | {records:,} | "
            f"failed after {_seconds(imp['wall_seconds'])}: {first} | — | — | — |"
        )
    else:
        way = (
            "bulk load: export, neo4j-admin, restart, `db init` (CPU: the export's)"
            if imp.get("first_load") == "bulk"
            else f"`ownership import` (child process, batch {imp['batch_size']:,})"
        )
        lines.append(
            f"| ours: {way} | {imp['records']:,} | {_seconds(imp['wall_seconds'])} | "
            f"{_n(ours_rate)} | 1 | {_fmt_cpu(ours_cpu)} |"
        )
    tx_rate = tx.get("records_per_second")
    if peers_run:
        tx_full = records / tx_rate if tx_rate else None
        lines.append(
            f"| per record: one `execute_write` per record (sample of {tx['records']:,}: "
            f"{tx['nodes']:,} nodes, {tx['edges']:,} edges; extrapolated) | {records:,} | "
            f"≈ {_seconds(tx_full)} | {_n(tx_rate)} | "
            f"{_ratio(tx_rate, ours_rate)} | {_fmt_cpu(tx_cpu)} |"
        )
        lines.append(
            f"| raw ceiling: `UNWIND … CREATE`, batch {raw['batch_size']:,}, one transaction "
            f"per batch, no validation | {raw['records']:,} | {_seconds(raw['seconds'])} | "
            f"{_n(raw['records_per_second'])} | {_ratio(raw['records_per_second'], ours_rate)} "
            f"| {_fmt_cpu(raw_cpu)} |"
        )
    else:
        lines.append("| peers | not run (`--skip-peers`) | | | | |")
    lines += render_parts(imp)
    graph = result.get("graph")
    if graph:
        per = (graph["nodes"] + graph["relationships"]) / records
        lines += [
            "",
            f"Our import wrote {graph['nodes']:,} nodes and {graph['relationships']:,} "
            f"relationships ({per:.1f} graph elements per record: entity, source record, "
            "identifier and address nodes with their links); the raw peer writes one node "
            "or one relationship per record.",
        ]
    lines += ["", "| target | figure | goal | met |", "|---|---:|---:|:-:|"]
    per_record_ratio = ours_rate / tx_rate if ours_rate and tx_rate else None
    raw_rate = raw.get("records_per_second")
    raw_ratio = raw_rate / ours_rate if ours_rate and raw_rate else None
    projected = (
        imp["wall_seconds"] * 1_000_000 / companies
        if imp.get("records") and imp.get("wall_seconds")
        else None
    )
    rss = imp.get("peak_rss_kb")
    raw_total, ours_total = _total(raw_cpu), _total(ours_cpu)
    raw_cpu_ok = ours_total <= TARGET_RAW_RATIO * raw_total if raw_total and ours_total else None
    if peers_run:
        lines += [
            f"| import vs per record (wall) | {_ratio(ours_rate, tx_rate)} | ≥ 40× | "
            f"{_mark(per_record_ratio >= TARGET_PER_RECORD_RATIO if per_record_ratio else False)} |",
            f"| raw ceiling vs import (wall) | {_ratio(raw_rate, ours_rate)} | ≤ 2× "
            f"| {_mark(raw_ratio <= TARGET_RAW_RATIO if raw_ratio else False)} |",
            f"| import vs per record (CPU per record) | {_ratio(_total(tx_cpu), _total(ours_cpu))} | "
            f"≥ 40× | {_mark(_ok(_total(tx_cpu), _total(ours_cpu), TARGET_PER_RECORD_RATIO))} |",
            f"| raw ceiling vs import (CPU per record) | {_ratio(_total(ours_cpu), _total(raw_cpu))} "
            f"| ≤ 2× | {_mark(raw_cpu_ok)} |",
        ]
    lines += [
        f"| import time for 1M companies "
        f"{'(measured)' if companies >= 1_000_000 else '(linear projection, optimistic)'} | "
        f"{_seconds(projected)} | ≤ 5 min | "
        f"{_mark(projected <= TARGET_1M_SECONDS if projected else False)} |",
        f"| peak RSS of the importing process | {_mb(rss)} | ≤ 1 GB | "
        f"{_mark(rss <= TARGET_RSS_KB if rss else False)} |",
        f"| peak RSS of the server process (not a target) | "
        f"{_mb(result.get('server_peak_rss_kb_after_import'))} after import, "
        f"{_mb(result.get('server_peak_rss_kb'))} at the end | — | |",
    ]
    latency = result.get("latency")
    if latency:
        subjects = latency["subjects"]
        lines += [
            "",
            f"#### Latencies (as of {latency['as_of']})",
            "",
            "| query | result rows | runs | p50 | p95 | goal (p95) | met |",
            "|---|---:|---:|---:|---:|---:|:-:|",
        ]
        for spec in LATENCIES:
            r = latency["results"].get(spec.key, {})
            goal = f"< {_seconds(spec.target)}" if spec.target else "—"
            if "skipped" in r:
                lines.append(f"| {spec.title} | — | 0 | — | — | {goal} | |")
            elif "error" in r:
                message = r["error"].split(". ")[0].replace("|", "\\|")
                lines.append(
                    f"| {spec.title} | — | {r['runs']} | error: {message} | — | {goal} "
                    f"| {_mark(False) if spec.target else '✗'} |"
                )
            elif r.get("capped"):
                lines.append(
                    f"| {spec.title} | {_n(r.get('result_size'))} | {r['runs']} | "
                    f"> cap ({r['cap_seconds']:g} s) | > cap | {goal} | "
                    f"{_mark(False) if spec.target else ''} |"
                )
            else:
                ok = r["p95_seconds"] < spec.target if spec.target else None
                lines.append(
                    f"| {spec.title} | {_n(r['result_size'])} | {r['runs']} | "
                    f"{_seconds(r['p50_seconds'])} | {_seconds(r['p95_seconds'])} | "
                    f"{goal} | {_mark(ok)} |"
                )
        described = []
        if "head" in subjects:
            h = subjects["head"]
            described.append(
                f"largest group head `{h['uid']}` ({h['name']}: {h['direct']} direct "
                f"holdings, {h['group_size']} entities below it)"
            )
        if "member" in subjects:
            m = subjects["member"]
            described.append(f"deepest member `{m['uid']}` ({m['hops']} hops below the head)")
        if "mid" in subjects:
            m = subjects["mid"]
            described.append(
                f"profile subject `{m['uid']}` ({m['name']}, {m['direct']} direct "
                "holdings, has owners)"
            )
        lines += ["", "Subjects: " + "; ".join(described) + "." if described else ""]
    lines += _refresh_lines(result.get("refresh"))
    return "\n".join(lines).rstrip() + "\n"


def _refresh_lines(found: dict[str, Any] | None) -> list[str]:
    """The refresh table of a size's block (targets: unchanged ≤ 2 min, 1 % changed ≤ 3 min)."""
    if not found:
        return []
    lines = [
        "",
        "#### Refresh (`ownership refresh` of the imported source, watch JP → RU)",
        "",
        "| refresh | wall time | peak RSS | reported | goal | met |",
        "|---|---:|---:|---|---:|:-:|",
    ]
    for label, title in REFRESH_TITLES.items():
        r = found.get(label)
        if r is None:  # results of a harness that did not measure it
            continue
        goal = REFRESH_TARGETS[label]
        if r.get("capped") or r.get("failed"):
            lines.append(f"| {title} | {'> cap' if r.get('capped') else 'failed'} | | | "
                         f"≤ {_seconds(goal)} | ✗ |")  # fmt: skip
            continue
        report = r["report"]
        said = ", ".join(
            f"{what} {sum((report.get(what) or {}).values())}"
            for what in ("added", "removed", "changed")
        )
        kept = report.get("answers_kept")
        if kept:  # the answers kept again: why, and how long it took
            took = sum((kept.get("seconds") or {}).values())
            said += f"; answers kept again in {_seconds(took)} ({kept['because']})"
        ok = r["wall_seconds"] <= goal
        lines.append(
            f"| {title} | {_seconds(r['wall_seconds'])} | {_mb(r['peak_rss_kb'])} | "
            f"{report['status']}: {said} | ≤ {_seconds(goal)} | {_mark(ok)} |"
        )
    edits = found.get("changed", {}).get("edits")
    if edits:
        lines += ["", "Changed: " + ", ".join(f"{n:,} rows of {f}" for f, n in edits.items())
                  + " (every other chosen ownership row removed)."]  # fmt: skip
    return lines


def _cpu_per_k(
    client: float | None, server: float | None, records: int | None
) -> tuple[float, float | None] | None:
    """(client, server) CPU milliseconds per 1,000 records; server None when not measurable."""
    if client is None or not records:
        return None
    return (1e6 * client / records, 1e6 * server / records if server is not None else None)


def _total(cpu: tuple[float, float | None] | None) -> float | None:
    if cpu is None or cpu[1] is None:
        return None
    return cpu[0] + cpu[1]


def _fmt_cpu(cpu: tuple[float, float | None] | None) -> str:
    if cpu is None:
        return "—"
    if cpu[1] is None:
        return f"{cpu[0]:,.0f} ms + ?"
    return f"{cpu[0]:,.0f} + {cpu[1]:,.0f} = {cpu[0] + cpu[1]:,.0f} ms"


def _ok(numerator: float | None, denominator: float | None, at_least: float) -> bool | None:
    if not numerator or not denominator:
        return None
    return numerator / denominator >= at_least


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "—"
    value = a / b
    if value < 0.1:
        return f"{value:.3f}×"
    return f"{value:,.1f}×" if value < 100 else f"{value:,.0f}×"


def _commits(run: dict[str, Any]) -> str:
    count = run.get("transactions")
    every = run.get("commit_every")
    if count == 1 or not every:
        return "one"
    return f"{count} (every {every:,} records)" if count else f"every {every:,} records"


def render_profile(result: dict[str, Any]) -> str:
    label = result["size"]
    records = sum(result["data"]["counts"].values())
    lines = [
        f"### Import profile, {label} ({records:,} records)",
        "",
        f"Measured {result['date']} (`--profile-import`), load average "
        f"{result['load_average_start']} → {result['load_average_end']}. The loader runs "
        "in-process; each statement is timed from send to its last row, by name.",
        "",
        "| batch size | transactions | wall | records/s | validation pass | statements "
        "| client, write pass | client CPU | server CPU | server peak RSS |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in result["runs"]:
        lines.append(
            f"| {run['batch_size']:,} | {_commits(run)} | {_seconds(run['wall_seconds'])} | "
            f"{_n(run['records_per_second'])} | {_seconds(run['validation_seconds'])} | "
            f"{_seconds(run['statement_seconds'])} | {_seconds(run['client_write_pass_seconds'])} "
            f"| {_seconds(run['client_cpu_seconds'])} | {_seconds(run.get('server_cpu_seconds'))} "
            f"| {_mb(run.get('server_peak_rss_kb'))} |"
        )
    for run in result["runs"]:
        parts = run.get("client_cpu_by_part") or {}
        if parts:
            lines += [
                "",
                f"Client CPU by part, batch size {run['batch_size']:,}, {_commits(run)} "
                "(cProfile on CPU "
                "time, which slows the client down): "
                + "; ".join(f"{name} {_seconds(sec)}" for name, sec in parts.items())
                + ".",
            ]
    for run in result["runs"]:
        lines += [
            "",
            f"Batch size {run['batch_size']:,}, {_commits(run)}, per statement:",
            "",
            "| statement | calls | rows | total | per call | per row | share of wall "
            "| server CPU per row |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in run["statements"]:
            share = 100 * row["seconds"] / run["wall_seconds"] if run["wall_seconds"] else 0
            cpu = row.get("server_cpu_us_per_row")
            lines.append(
                f"| {row['statement']} | {row['calls']:,} | {row['rows']:,} | "
                f"{_seconds(row['seconds'])} | {row['ms_per_call']:,.1f} ms | "
                f"{row['us_per_row']:,.0f} µs | {share:.0f} % | "
                f"{'—' if cpu is None else f'{cpu:,.0f} µs'} |"
            )
    return "\n".join(lines) + "\n"


ENGINES = {"embedded": ", embedded server", "neo4j-kit": ", Neo4j (test kit)", "neo4j": ", Neo4j"}


def _latency_cell(r: dict[str, Any] | None) -> str:
    """p50 / p95 of one latency, or why there is none."""
    if not r or "skipped" in r:
        return "—"
    if "error" in r:
        return "error"
    if r.get("capped"):
        return f"> cap ({r['cap_seconds']:g} s)"
    return f"{_seconds(r['p50_seconds'])} / {_seconds(r['p95_seconds'])}"


def _server_cell(server: dict[str, Any]) -> str:
    memory = server.get("kit_memory")
    if memory:
        return f"{server.get('agent', '?')}, heap {memory['NEO4J_KIT_HEAP']}, page cache " + str(
            memory["NEO4J_KIT_PAGECACHE"]
        )
    return f"{server.get('agent', '?')}, heap {server.get('heap') or '?'}"


def render_compare(embedded: dict[str, Any], neo4j: dict[str, Any]) -> str:
    """The two engines side by side on the same data: import, every latency, server memory."""
    label = embedded["size"]
    runs = (embedded, neo4j)
    lines = [
        f"### {label}: the two engines side by side",
        "",
        "Same generated data (seed "
        + str(embedded["data"]["seed"])
        + "), same harness, one fresh server each, one after the other. Measured "
        + f"{embedded['date']} (embedded, load average {embedded['load_average_start']} → "
        + f"{embedded['load_average_end']}) and {neo4j['date']} (Neo4j, load average "
        + f"{neo4j['load_average_start']} → {neo4j['load_average_end']}). Latencies are "
        + "p50 / p95 over the runs after a warm-up.",
        "",
        "| | embedded ArcadeDB | Neo4j 5.26 (kit) |",
        "|---|---:|---:|",
        "| server | " + " | ".join(_server_cell(r["server"]) for r in runs) + " |",
        "| import: `ownership import` wall time | "
        + " | ".join(_seconds(r["import"].get("wall_seconds")) for r in runs)
        + " |",
        "| import: records/s | "
        + " | ".join(_n(r["import"].get("records_per_second")) for r in runs)
        + " |",
        "| import: importer peak RSS | "
        + " | ".join(_mb(r["import"].get("peak_rss_kb")) for r in runs)
        + " |",
        "| import: server CPU | "
        + " | ".join(_seconds(r["import"].get("server_cpu_seconds")) for r in runs)
        + " |",
        "| server peak RSS after import / at the end | "
        + " | ".join(
            f"{_mb(r.get('server_peak_rss_kb_after_import'))} / {_mb(r.get('server_peak_rss_kb'))}"
            for r in runs
        )
        + " |",
    ]
    for spec in LATENCIES:
        cells = [_latency_cell(r.get("latency", {}).get("results", {}).get(spec.key)) for r in runs]
        goal = f" (goal p95 < {_seconds(spec.target)})" if spec.target else ""
        lines.append(f"| {spec.title}{goal} | " + " | ".join(cells) + " |")
    for label, title in REFRESH_TITLES.items():
        title = f"refresh, {title}"
        cells = [_seconds(r.get("refresh", {}).get(label, {}).get("wall_seconds")) for r in runs]
        goal = f" (goal ≤ {_seconds(REFRESH_TARGETS[label])})"
        lines.append(f"| {title}{goal} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


TEMPLATE = """# Benchmarks

Figures from `make bench` (`python -m bench.run --sizes …`, see `bench/run.py`). Everything
between the `generated` markers is rewritten by the harness; the rest of this file is written
by hand and kept.

{start}
{end}

## Findings

(written by hand)
"""


def _blocks(generated: str) -> dict[str, str]:
    """The ``<!-- block:NAME -->…<!-- /block:NAME -->`` sections of a generated part."""
    found = re.findall(r"<!-- block:(\S+) -->\n(.*?)<!-- /block:\1 -->", generated, flags=re.S)
    return dict(found)


BLOCK_KINDS = ("compare", "size", "neo4j", "profile")  # the order of the report's blocks


def _block_order(name: str) -> tuple[int, float, str]:
    kind, _, label = name.partition(":")
    try:
        companies = float(parse_size(label)[1])
    except argparse.ArgumentTypeError:
        companies = math.inf
    rank = BLOCK_KINDS.index(kind) if kind in BLOCK_KINDS else len(BLOCK_KINDS)
    return (rank, companies, name)


def write_report(out: Path, new_blocks: dict[str, str]) -> None:
    """Replace the generated part of ``out``; blocks of sizes not measured now are kept."""
    text = out.read_text() if out.exists() else TEMPLATE.format(start=START, end=END)
    if START not in text or END not in text:
        text = text.rstrip() + f"\n\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    old, tail = rest.split(END, 1)
    blocks = {**_blocks(old), **new_blocks}
    body = [
        "",
        "<!-- This part is generated by `python -m bench.run`; edit outside the markers. -->",
        "",
        "Targets (issue): import ≥ 40× the per-record way and within 2× of the raw `UNWIND … "
        "CREATE` ceiling; 1M companies (about 3.9M records) in ≤ 5 min with ≤ 1 GB resident "
        "memory in the importer; chains p95 < 1 s, owners/subsidiaries < 300 ms, the whole-graph "
        "50 % rule < 60 s, profile page data < 2 s (at 1M). Latencies are p50/p95 by nearest "
        "rank over the runs after one warm-up (with 5 runs, p95 is the slowest); a run longer "
        'than the cap is abandoned and shown as "> cap". The per-record peer runs on a sample '
        "and its rate is extrapolated to the whole dataset.",
        "",
    ]
    for name in sorted(blocks, key=_block_order):
        body += [f"<!-- block:{name} -->", blocks[name].rstrip(), f"<!-- /block:{name} -->", ""]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(head + START + "\n" + "\n".join(body) + END + tail)


# -- command line ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100k", help="comma-separated: 300, 10k, 100k, 1m")
    parser.add_argument("--repeat", type=int, default=5, help="measured runs per latency")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the Markdown report")
    parser.add_argument(
        "--peer-sample", type=int, default=2000, help="records written by the per-record peer"
    )
    parser.add_argument("--cap", type=float, default=120.0, help="seconds one query run may take")
    parser.add_argument(
        "--import-cap", type=float, default=3600.0, help="seconds the import may take"
    )
    parser.add_argument("--data-dir", type=Path, default=DATA_ROOT, help="generated data cache")
    parser.add_argument(
        "--results-dir", type=Path, default=OUT_DIR, help="where the raw JSON results go"
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=None,
        help="where temporary OWNERSHIP_HOMEs go (default: the system's tmp)",
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--server",
        choices=KINDS,
        default=None,
        help="embedded (a fresh embedded server per size) or neo4j-kit (a fresh Neo4j 5.26 from "
        "the test kit per size); default: embedded, or the server of NEO4J_URI (EMPTIED) when set",
    )
    parser.add_argument(
        "--import-commit-every",
        type=int,
        default=None,
        help="our import's --commit-every (default: the loader's for the server, 50,000 on the "
        "embedded one, 10,000 on Neo4j, whose transaction memory limit refuses larger chunks)",
    )
    parser.add_argument(
        "--first-load",
        choices=("import", "bulk"),
        default="import",
        help="how the graph is loaded before the latencies: `ownership import`, or (with "
        "--server neo4j-kit) the bulk path of docs/bulk-load.md, measured part by part",
    )
    parser.add_argument(
        "--skip-peers",
        action="store_true",
        help="measure only our import and the latencies (not the raw and per-record peers)",
    )
    parser.add_argument(
        "--skip-refresh",
        action="store_true",
        help="do not measure the two refreshes (unchanged, 1 %% changed) after the latencies",
    )
    parser.add_argument(
        "--kit", type=Path, default=DEFAULT_KIT, help="the Neo4j test kit (default ../shared/neo4j)"
    )
    parser.add_argument(
        "--profile-import",
        action="store_true",
        help="only profile the import: time per statement, per batch size",
    )
    parser.add_argument(
        "--batch-sizes",
        default=str(BATCH_SIZE),
        help="batch sizes for --profile-import, comma-separated",
    )
    parser.add_argument(
        "--commit-every",
        default="",
        help="with --profile-import: commit a first load every N records "
        "(comma-separated; 0 = one transaction; default: the loader's own setting)",
    )
    parser.add_argument(
        "--profile-client",
        action="store_true",
        help="with --profile-import: cProfile the client (slows it down)",
    )
    args = parser.parse_args(argv)
    if args.first_load == "bulk" and args.server != "neo4j-kit":
        parser.error("--first-load bulk needs --server neo4j-kit (neo4j-admin of the kit)")
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    args.results_dir.mkdir(parents=True, exist_ok=True)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    blocks: dict[str, str] = {}
    for label, companies in sizes:
        if args.profile_import:
            batch_sizes = [int(b) for b in args.batch_sizes.split(",") if b.strip()]
            commits = [int(c) for c in args.commit_every.split(",") if c.strip()]
            result = profile_size(
                label,
                companies,
                data_root=args.data_dir,
                batch_sizes=batch_sizes,
                work_dir=args.work_dir,
                seed=args.seed,
                profile_client=args.profile_client,
                commit_every=commits or None,
                log=log,
            )
            (args.results_dir / f"profile-{label}.json").write_text(
                json.dumps(result, indent=2, default=str)
            )
            blocks[f"profile:{label}"] = render_profile(result)
        else:
            result = bench_size(
                label,
                companies,
                data_root=args.data_dir,
                repeat=args.repeat,
                cap=args.cap,
                import_cap=args.import_cap,
                peer_sample=args.peer_sample,
                work_dir=args.work_dir,
                seed=args.seed,
                log=log,
                server_kind=args.server,
                kit=args.kit,
                skip_peers=args.skip_peers,
                skip_refresh=args.skip_refresh,
                import_commit_every=args.import_commit_every,
                first_load=args.first_load,
            )
            neo4j = result["server"]["kind"] != "embedded"
            (args.results_dir / f"{label}{'-neo4j' if neo4j else ''}.json").write_text(
                json.dumps(result, indent=2, default=str)
            )
            blocks[f"{'neo4j' if neo4j else 'size'}:{label}"] = render_size(result)
            both = [args.results_dir / f"{label}{suffix}.json" for suffix in ("", "-neo4j")]
            if all(path.exists() for path in both):
                blocks[f"compare:{label}"] = render_compare(
                    *(json.loads(path.read_text()) for path in both)
                )
        write_report(args.out, blocks)
        log(f"[{label}] written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``upkeep.maintain`` on an existing home with its memory per step: the process's resident
set sampled every 50 ms, and each step's seconds and peak (MiB), printed as one JSON line with
the process's start and peak and the load average. What docs/benchmarks.md's figures of
``maintain``'s memory come from; run it on a copy of a home, under ``/usr/bin/time -v`` for the
whole process's peak::

    OWNERSHIP_HOME=/tmp/me/home-1m /usr/bin/time -v python -m bench.maintain_memory
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from ownership.analysis.upkeep import maintain
from ownership.commandline import open_graph


def resident_mib() -> int:
    """This process's resident set (``VmRSS``), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) // 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main() -> None:
    samples: list[tuple[float, int]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append((time.perf_counter(), resident_mib()))
            time.sleep(0.05)

    with open_graph() as graph:
        start = resident_mib()
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        began = time.perf_counter()
        seconds = maintain(graph)
        done.set()
        sampler.join()
    steps, at = {}, began
    for name, took in seconds.items():  # the steps ran one after another, in this order
        during = [mib for t, mib in samples if at <= t <= at + took]
        steps[name] = [round(took, 1), max(during, default=None)]
        at += took
    print(json.dumps({
        "steps": steps, "start_mib": start, "peak_mib": max(m for _, m in samples),
        "load": Path("/proc/loadavg").read_text().split()[0],
    }))  # fmt: skip


if __name__ == "__main__":
    main()

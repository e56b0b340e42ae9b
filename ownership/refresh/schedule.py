"""``ownership refresh --every DURATION``: run, sleep the interval (± 10 percent), repeat.

A graph server that cannot be reached is retried with exponential backoff (5 s, 10 s, 20 s, …,
capped at 5 minutes or the interval, whichever is shorter), with one log line per attempt and
never a stack trace. SIGTERM and SIGINT stop the loop between runs: a run in progress finishes
first (a second signal stops at once). The sleeping function is injectable so tests run fast.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import random
import re
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

from ownership.embedded import EmbeddedServerError
from ownership.graph import GraphUnavailable
from ownership.refresh.lock import RefreshLocked

log = logging.getLogger("ownership.refresh")

JITTER = 0.10
BACKOFF_BASE = 5.0
BACKOFF_CAP = 300.0
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhd])")


def parse_duration(text: str) -> float:
    """Seconds in ``30s``, ``15m``, ``6h``, ``1d`` (or combined: ``1h30m``)."""
    compact = re.sub(r"\s+", "", text.lower())
    if not compact or _PART.sub("", compact):
        raise ValueError(f"{text!r} is not a duration like 30s, 15m, 6h or 1d")
    seconds = sum(float(n) * _UNITS[unit] for n, unit in _PART.findall(compact))
    if seconds <= 0:
        raise ValueError(f"{text!r}: the interval must be longer than zero")
    return seconds


def format_duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.1f}m"
    return f"{seconds / 3600:.1f}h"


class Stop:
    """A request to stop that a signal handler may make, and a sleep it cuts short.

    Not a :class:`threading.Event`: the handler runs in the main thread between two bytecodes,
    and should that be while the main thread is inside ``Event.wait`` holding the event's
    lock, ``Event.set`` waits for that same lock for ever (a scheduled refresh told to stop
    right as it went to sleep hung; CI saw it once under load). ``queue.SimpleQueue.put`` is
    reentrant, documented as safe to call from a signal handler."""

    def __init__(self) -> None:
        self._requested = False
        self._wake: queue.SimpleQueue[None] = queue.SimpleQueue()

    def set(self) -> None:
        self._requested = True
        self._wake.put(None)

    def is_set(self) -> bool:
        return self._requested

    def wait(self, timeout: float) -> bool:
        """Sleep ``timeout`` seconds or until :meth:`set`; whether stopping was asked."""
        if not self._requested:
            with contextlib.suppress(queue.Empty):
                self._wake.get(timeout=timeout)
        return self._requested


class Scheduler:
    """Calls ``run_once`` every ``interval`` seconds until stopped.

    ``sleep(seconds)`` defaults to waiting on :attr:`stop` (so a signal wakes it); tests pass
    their own. ``run_once`` raising :class:`GraphUnavailable` is retried with backoff; other
    exceptions are logged (one line) and the schedule goes on.
    """

    def __init__(
        self,
        run_once: Callable[[], Any],
        interval: float,
        sleep: Callable[[float], Any] | None = None,
        jitter: float = JITTER,
        backoff_base: float = BACKOFF_BASE,
        backoff_cap: float = BACKOFF_CAP,
        rng: random.Random | None = None,
    ) -> None:
        self.run_once = run_once
        self.interval = interval
        self.stop = Stop()
        self.sleep = sleep or self.stop.wait
        self.jitter = jitter
        self.backoff_base = backoff_base
        self.backoff_cap = min(backoff_cap, max(interval, backoff_base))
        self.rng = rng or random.Random()
        self.runs = 0  # completed runs (whatever their status)
        self.retries = 0  # attempts that found the graph unavailable

    def next_delay(self) -> float:
        return self.interval * self.rng.uniform(1 - self.jitter, 1 + self.jitter)

    def backoff(self, failures: int) -> float:
        return min(self.backoff_cap, self.backoff_base * 2 ** (failures - 1))

    def run(self, max_runs: int | None = None) -> int:
        """Loop until :attr:`stop` is set (or ``max_runs`` runs are done); returns the runs."""
        failures = 0
        while not self.stop.is_set():
            try:
                self.run_once()
            except (GraphUnavailable, EmbeddedServerError) as exc:
                failures += 1
                self.retries += 1
                delay = self.backoff(failures)
                log.warning(
                    "graph unavailable (attempt %d): %s; retrying in %s",
                    failures,
                    exc,
                    format_duration(delay),
                )
                self.sleep(delay)
                continue
            except RefreshLocked as exc:
                log.warning("%s; skipping this run", exc)
            except Exception as exc:  # a daemon must not die of one bad run
                log.error("refresh failed: %s: %s", type(exc).__name__, exc)
            failures = 0
            self.runs += 1
            if max_runs is not None and self.runs >= max_runs:
                break
            if self.stop.is_set():
                break
            delay = self.next_delay()
            log.info("next refresh in %s", format_duration(delay))
            self.sleep(delay)
        log.info("refresh schedule stopped after %d runs", self.runs)
        return self.runs


@contextlib.contextmanager
def stop_on_signals(stop: Stop) -> Iterator[None]:
    """SIGTERM/SIGINT set ``stop`` (finish the run, then leave); a second one stops at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise SystemExit(128 + signum)
        log.info("%s received: stopping after the current run", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)

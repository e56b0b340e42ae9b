"""Serializing writers that share one ``OWNERSHIP_HOME``.

Two imports at once would interleave their transactions (ArcadeDB fails one with a
concurrent-modification error, Neo4j makes one wait on locks); taking a file lock first makes the
second one wait its turn, or give up with a clear message. ``fcntl.flock`` locks are released by
the kernel when the holder dies, so a crashed import never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from ownership.config import private_home


class Busy(Exception):
    """Another process holds the lock and did not let go in time."""


@contextlib.contextmanager
def exclusive(home: Path, name: str, wait_s: float = 600.0, poll_s: float = 0.2) -> Iterator[None]:
    """Hold ``<home>/<name>.lock`` for the block; wait up to ``wait_s`` seconds for it."""
    path = private_home(home) / f"{name}.lock"
    with open(path, "a+") as handle:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "?"
                    raise Busy(
                        f"another {name} is running (pid {holder}); try again later"
                    ) from None
                time.sleep(poll_s)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)

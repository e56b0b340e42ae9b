"""One refresh at a time per ``OWNERSHIP_HOME``: an exclusive ``flock`` on ``refresh.lock``.

The kernel drops the lock when its holder exits, however it exits, so the lock of a crashed or
killed run is simply taken by the next one; there is nothing stale to clean up. The holder writes
its pid into the file so the one turned away can say who holds it. The descriptor is not
inherited by child processes (an embedded server started during a run must not keep it).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from ownership.config import private_home

LOCK_FILE = "refresh.lock"


class RefreshLocked(Exception):
    """Another refresh holds the lock."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        super().__init__(f"another refresh is running (pid {pid if pid else 'unknown'})")


def lock_path(home: Path) -> Path:
    return Path(home) / LOCK_FILE


def holder(home: Path) -> int | None:
    """The pid written by the current (or last) holder, if any."""
    try:
        text = lock_path(home).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


@contextlib.contextmanager
def refresh_lock(home: Path) -> Iterator[None]:
    """Hold the refresh lock of ``home`` for the block; :class:`RefreshLocked` if taken."""
    private_home(Path(home))
    path = lock_path(home)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RefreshLocked(holder(home)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the only descriptor releases the lock

"""The embedded graph server: ArcadeDB with its Bolt plugin, run as a child process.

Why a separate process and not the in-process JPype binding: the server must outlive a single
command (``ownership db start`` then many ``ownership`` calls), several processes (the CLI, the
explorer, the scheduled importer) must share it, and everything talks to it through the same
official ``neo4j`` driver over Bolt as it would to a production Neo4j. The JRE and the jars come
from the ``arcadedb-embedded`` wheel, so nothing else needs installing.

State for one ``OWNERSHIP_HOME`` lives in ``<home>/server``: ``pid``, ``ports.json``, ``password``
(mode 0600), ``server.log`` and the ``databases`` folder. Two homes never share a port or data.
The home and everything the server writes in it are readable by their owner only (0700 folders,
umask 077), and the password never appears on a command line: the JVM reads its settings from an
argument file (``java @file``, mode 0600) that is deleted once the server is up, because
``/proc/PID/cmdline`` and ``ps`` show every process's arguments to every local user.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ownership.config import private_home

DATABASE = "ownership"
SERVER_CLASS = "com.arcadedb.server.ArcadeDBServer"
BOLT_PLUGIN = "Bolt:com.arcadedb.bolt.BoltProtocolPlugin"
START_TIMEOUT_S = float(os.environ.get("OWNERSHIP_SERVER_START_TIMEOUT", "90"))
STOP_TIMEOUT_S = 30.0


class EmbeddedServerError(Exception):
    """The embedded server could not be started, reached or stopped."""


@dataclass(frozen=True)
class Status:
    """What ``ownership db status`` reports."""

    running: bool
    home: str
    started_before: bool = True  # False: no server has ever run for this home
    pid: int | None = None
    bolt_port: int | None = None
    http_port: int | None = None
    log: str | None = None

    @property
    def uri(self) -> str | None:
        return f"bolt://127.0.0.1:{self.bolt_port}" if self.bolt_port else None

    @property
    def state(self) -> str:
        """``running``, ``stopped``, or ``never started`` (no database in this home yet)."""
        if self.running:
            return "running"
        return "stopped" if self.started_before else "never started"

    def as_dict(self) -> dict[str, object]:
        return {
            "running": self.running,
            "state": self.state,
            "home": self.home,
            "pid": self.pid,
            "uri": self.uri,
            "bolt_port": self.bolt_port,
            "http_port": self.http_port,
            "database": DATABASE,
            "log": self.log,
        }


def _package_dir() -> Path:
    spec = importlib.util.find_spec("arcadedb_embedded")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServerError(
            "the arcadedb-embedded package is not installed (pip install arcadedb-embedded)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _java_arg(text: str) -> str:
    """One argument of a java ``@argfile``: quoted, so that paths with spaces stay whole."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _alive(pid: int) -> bool:
    """True when ``pid`` is a live ArcadeDB server process (not a reused pid)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        try:
            text = cmdline.read_bytes()
        except OSError:
            return False
        if not text:  # a zombie: exited, not yet reaped
            return False
        return SERVER_CLASS.encode() in text
    return True


class EmbeddedServer:
    """Start, stop and describe the ArcadeDB server of one ``OWNERSHIP_HOME``."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.dir = home / "server"
        self.pid_file = self.dir / "pid"
        self.ports_file = self.dir / "ports.json"
        self.password_file = self.dir / "password"
        self.log_file = self.dir / "server.log"
        self.lock_file = self.dir / "lock"
        self.args_file = self.dir / "jvm.args"

    # -- state files ---------------------------------------------------------------------------

    def _make_dir(self) -> None:
        """``<home>/server``, inside a home that only its owner can enter."""
        private_home(self.home)
        self.dir.mkdir(mode=0o700, exist_ok=True)

    def password(self) -> str:
        """The generated root password, created on first use with mode 0600."""
        self._make_dir()
        if not self.password_file.exists():
            fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(24))
        os.chmod(self.password_file, 0o600)
        return self.password_file.read_text().strip()

    def _read_pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def _read_ports(self) -> tuple[int | None, int | None]:
        try:
            ports = json.loads(self.ports_file.read_text())
            return int(ports["bolt"]), int(ports["http"])
        except (OSError, ValueError, KeyError, TypeError):
            return None, None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialize start and stop between processes sharing this home."""
        self._make_dir()
        with open(self.lock_file, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- public API ----------------------------------------------------------------------------

    def status(self) -> Status:
        pid = self._read_pid()
        bolt, http = self._read_ports()
        running = bool(pid and _alive(pid) and bolt and _port_open(bolt))
        return Status(
            running=running,
            home=str(self.home),
            started_before=running or (self.dir / "databases").is_dir(),
            pid=pid if running else None,
            bolt_port=bolt if running else None,
            http_port=http if running else None,
            log=str(self.log_file),
        )

    def ensure_running(self) -> Status:
        """Start the server unless it already runs; restart it after a crash."""
        status = self.status()
        if status.running:
            return status
        with self._locked():
            status = self.status()  # another process may have started it meanwhile
            if status.running:
                return status
            self._clear_stale()
            return self._start()

    def stop(self) -> bool:
        """Stop the server; returns False when it was not running."""
        with self._locked():
            pid = self._read_pid()
            if not pid or not _alive(pid):
                self._clear_stale()
                return False
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT_S
            while time.monotonic() < deadline and _alive(pid):
                time.sleep(0.2)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
            self._clear_stale()
            return True

    # -- internals -----------------------------------------------------------------------------

    def _clear_stale(self) -> None:
        for path in (self.pid_file, self.ports_file):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def _command(self, bolt: int, http: int) -> list[str]:
        """The java command line; the settings (with the password) go to :attr:`args_file`."""
        pkg = _package_dir()
        heap = os.environ.get("OWNERSHIP_SERVER_HEAP", "3g")
        root = self.dir
        settings = {
            "arcadedb.server.rootPath": str(root),
            "arcadedb.server.databaseDirectory": str(root / "databases"),
            "arcadedb.server.rootPassword": self.password(),
            "arcadedb.server.httpIncomingHost": "127.0.0.1",
            "arcadedb.server.httpIncomingPort": str(http),
            "arcadedb.server.plugins": BOLT_PLUGIN,
            "arcadedb.bolt.host": "127.0.0.1",
            "arcadedb.bolt.port": str(bolt),
            "arcadedb.server.defaultDatabases": f"{DATABASE}[root]",
        }
        with contextlib.suppress(FileNotFoundError):
            self.args_file.unlink()
        fd = os.open(self.args_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.writelines(
                _java_arg(f"-D{key}={value}") + "\n" for key, value in settings.items()
            )
        return [
            str(pkg / "jre" / "bin" / "java"),
            f"-Xmx{heap}",
            "-Djava.awt.headless=true",
            f"@{self.args_file}",
            "-cp",
            str(pkg / "jars" / "*"),
            SERVER_CLASS,
        ]

    def _start(self) -> Status:
        bolt, http = _free_port(), _free_port()
        self._make_dir()
        try:
            return self._launch(bolt, http)
        finally:
            with contextlib.suppress(FileNotFoundError):
                self.args_file.unlink()  # read by the JVM at launch; the password stays in one file

    def _launch(self, bolt: int, http: int) -> Status:
        command = self._command(bolt, http)
        log_offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        with open(self.log_file, "ab") as log:
            process = subprocess.Popen(
                command,
                cwd=self.dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # outlives the command that started it
                umask=0o077,  # database files readable by their owner only
            )
        self.pid_file.write_text(str(process.pid))
        self.ports_file.write_text(json.dumps({"bolt": bolt, "http": http}))
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self._clear_stale()
                raise EmbeddedServerError(
                    f"the embedded server exited with status {process.returncode}; "
                    f"last lines of {self.log_file}:\n{self.log_tail()}"
                )
            if _port_open(bolt) and self._database_ready(log_offset):
                return self.status()
            time.sleep(0.3)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        self._clear_stale()
        raise EmbeddedServerError(
            f"the embedded server did not come up within {START_TIMEOUT_S:.0f} s; "
            f"last lines of {self.log_file}:\n{self.log_tail()}"
        )

    def _database_ready(self, log_offset: int) -> bool:
        """The default database is created after Bolt starts listening: wait for the log line
        this start wrote (``log_offset`` skips the lines of earlier runs)."""
        try:
            with open(self.log_file, "rb") as handle:
                handle.seek(log_offset)
                tail = handle.read().decode("utf-8", "replace")
        except OSError:
            return False
        return "ArcadeDB Server started" in tail

    def log_tail(self, lines: int = 15) -> str:
        """The last lines of the server log, for error messages (it never holds the password)."""
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

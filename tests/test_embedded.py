"""The embedded server's life cycle, in homes of its own (not the session's server)."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time

import pytest

from ownership.embedded import EmbeddedServer

pytestmark = pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")), reason="embedded server only")


LOOPBACK = {"0100007F", "0000000000000000FFFF00000100007F", "00000000000000000000000001000000"}


def listening_addresses(port: int) -> list[str]:
    """Local addresses (kernel hex form) listening on ``port``, from /proc/net/tcp{,6}."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as handle:
            next(handle)
            for line in handle:
                fields = line.split()
                address, hex_port = fields[1].split(":")
                if fields[3] == "0A" and int(hex_port, 16) == port:
                    found.append(address)
    return found


def test_start_status_stop_and_restart_after_crash(tmp_path):
    server = EmbeddedServer(tmp_path / "home")
    assert not server.status().running
    status = server.ensure_running()
    try:
        assert status.running and status.bolt_port and status.pid
        mode = stat.S_IMODE(os.stat(server.password_file).st_mode)
        assert mode == 0o600
        assert server.ensure_running().pid == status.pid  # already running: no second server
        with socket.create_connection(("127.0.0.1", status.bolt_port), timeout=5):
            pass
        # loopback only: the port is not bound on other addresses
        for port in (status.bolt_port, status.http_port):
            addresses = listening_addresses(port)
            assert addresses and all(a in LOOPBACK for a in addresses), addresses
        assert server.password() not in server.log_file.read_text()

        os.kill(status.pid, 9)  # a crash: seen once the process is gone (SIGKILL is not instant)
        deadline = time.monotonic() + 30
        while server.status().running and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not server.status().running
        restarted = server.ensure_running()
        assert restarted.running and restarted.pid != status.pid
    finally:
        assert server.stop()
    assert not server.status().running
    assert not server.stop()


def test_stale_pid_file_is_ignored(tmp_path):
    server = EmbeddedServer(tmp_path / "home")
    server.dir.mkdir(parents=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    server.pid_file.write_text(str(dead.pid))
    server.ports_file.write_text('{"bolt": 1, "http": 2}')
    assert not server.status().running
    try:
        assert server.ensure_running().running
    finally:
        server.stop()


def test_two_homes_never_share_a_port(tmp_path, settings):
    if os.environ.get("NEO4J_URI"):
        pytest.skip("embedded only")
    other = EmbeddedServer(tmp_path / "other")
    try:
        mine = EmbeddedServer(settings.home).status()
        theirs = other.ensure_running()
        assert theirs.bolt_port != mine.bolt_port
        assert theirs.home != mine.home
    finally:
        other.stop()


def test_failure_to_start_shows_the_log(tmp_path, monkeypatch):
    server = EmbeddedServer(tmp_path / "home")
    monkeypatch.setenv("OWNERSHIP_SERVER_HEAP", "not-a-size")
    with pytest.raises(Exception) as caught:
        server.ensure_running()
    message = str(caught.value)
    assert "exited with status" in message and "last lines of" in message
    assert not server.status().running


def _process_texts(name: str) -> dict[int, bytes]:
    """``/proc/PID/<name>`` of every process this test can read."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/{name}", "rb") as handle:
                    found[int(entry)] = handle.read()
            except OSError:
                continue
    return found


def test_password_is_on_no_command_line_and_the_home_is_private(tmp_path):
    """``ps`` shows every process's arguments to every local user; the home holds the database."""
    home = tmp_path / "home"
    server = EmbeddedServer(home)
    status = server.ensure_running()
    try:
        secret = server.password().encode()
        cmdlines = _process_texts("cmdline")
        assert b"ArcadeDBServer" in cmdlines[status.pid]  # the server is among those read
        assert [pid for pid, text in cmdlines.items() if secret in text] == []
        assert secret not in _process_texts("environ").get(status.pid, b"")
        assert not server.args_file.exists()  # the JVM's argument file is gone once it is up
        assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(server.dir).st_mode) == 0o700
        exposed = [
            path
            for path in (server.dir / "databases").rglob("*")
            if stat.S_IMODE(path.stat().st_mode) & 0o077
        ]
        assert list((server.dir / "databases").rglob("*")) and exposed == []
    finally:
        server.stop()


def test_an_existing_open_home_is_made_private(tmp_path):
    home = tmp_path / "shared"
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    EmbeddedServer(home).password()
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700

"""The command line as scripts use it: exit codes, stderr reasons, one JSON document."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO, company, owns

from ownership.analysis import maintained
from ownership.analysis.stats import data_version
from ownership.config import Settings
from ownership.embedded import EmbeddedServer
from ownership.explorer import serve
from ownership.output import display_width, to_table
from ownership.refresh import state as kept_state


def test_import_then_stats_json(run_cli, graph, make_dataset):
    folder = make_dataset([company("a", "JP"), company("b", "SG")], [owns("a", "b", 100)])
    result = run_cli("import", str(folder), "--source", "cli")
    assert result.exit_code == 0, result.output
    assert "read 2 entities, 1 ownership" in result.stdout
    stats = json.loads(run_cli("stats", "--format", "json").stdout)
    kept = stats["nodes"].pop("Maintained")  # the answers the import kept, one or more nodes each
    assert stats == {
        "nodes": {"Company": 2, "Entity": 2, "Record": 2, "Source": 1},
        "relationships": {"DESCRIBES": 2, "HOLDS": 1, "OWNS": 1},
    }
    kinds = {kind for kind, _, _ in maintained.kept(graph)}
    assert kinds == {
        "chain-reach",  # Russia's: nothing watched or asked yet (the red flags' watched country)
        "dated-graph",  # patched by the next refresh instead of read again
        "flags",
        "gaps",
        "graph-counts",
        "group-candidates",
        "holding-periods",
        "landing",
        "refresh-state",  # what the graph holds of the source, for the next refresh
        "rule-findings",
        "search-index",  # the search box's
    }
    assert kept >= len(kinds)
    with graph.transaction() as tx:  # the state the first load noted is the graph's
        held = kept_state.State.read(tx, "cli")
    assert kept_state.load(graph, "cli", data_version(graph)[0]) == held
    assert len(held.items["upsert_ownership"]) == 1


def test_import_json_summary(run_cli, graph, make_dataset):
    folder = make_dataset([company("a", "JP")])
    result = run_cli("import", str(folder), "--source", "cli", "--json")
    summary = json.loads(result.stdout)
    assert summary["read"] == {"entities": 1} and summary["written"] == {"entities": 1}
    again = json.loads(run_cli("import", str(folder), "--source", "cli", "--json").stdout)
    assert again["written"] == {"entities": 0}


def test_invalid_import_exits_non_zero_with_reasons(run_cli, graph, make_dataset):
    folder = make_dataset([company("a", "JP")], [owns("a", "zzz", 10), owns("a", "a", 10)])
    result = run_cli("import", str(folder))
    assert result.exit_code == 1
    first, *rest = result.stderr.splitlines()
    assert first.startswith("ownership: error: 2 problems in the input, nothing was imported")
    assert any("ownership.csv:2: owned_id: 'zzz' is not an id" in line for line in rest)
    assert result.stdout == ""
    stats = json.loads(run_cli("stats", "--format", "json").stdout)
    assert stats["nodes"] == {}


def test_default_source_name_is_the_folder(run_cli, graph, make_dataset):
    folder = make_dataset(
        [company("a", "JP"), company("b", "JP")], [owns("a", "b", 51)], name="acra-2024"
    )
    run_cli("import", str(folder))
    chains = json.loads(
        run_cli("chains", "--from-country", "JP", "--to-country", "JP", "--format", "json").stdout
    )
    assert [e["uid"] for e in chains[0]["entities"]] == ["acra-2024:a", "acra-2024:b"]


def one_line_error(result) -> str:
    """The reason of a failed command: exactly one line on stderr, nothing on stdout."""
    assert result.exit_code != 0 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ownership: error: ")
    return lines[0]


def test_bad_arguments_exit_non_zero_in_one_line(run_cli):
    result = run_cli("chains", "--from-country", "JP", "--to-country", "RU", "--max-hops", "99")
    assert "--max-hops" in one_line_error(result)
    result = run_cli(
        "chains", "--from-country", "JP", "--to-country", "RU", "--as-of", "2022-02-30"
    )
    assert "2022-02-30 is not a date (YYYY-MM-DD)" in one_line_error(result)
    assert "--to-country" in one_line_error(run_cli("chains", "--from-country", "JP"))


def test_unknown_named_query_is_not_sent_as_cypher(run_cli):
    message = one_line_error(run_cli("query", "nosuchquery"))
    assert "no named query 'nosuchquery'" in message and "ownership queries" in message
    assert "did you mean chains" in one_line_error(run_cli("query", "chain"))
    assert "did you mean owner_paths" in one_line_error(run_cli("queries", "--show", "owner_path"))


def test_a_reader_that_goes_away_is_not_an_error():
    """``ownership queries | head``: the pipe closes early; no "Broken pipe" message."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "ownership", "queries"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert result.stderr == ""
    assert result.returncode == 141  # as a process killed by SIGPIPE


def _cli_process(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ownership", *args],
        env={k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")} | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_unreachable_or_non_bolt_addresses_fail_in_one_line():
    credentials = {"NEO4J_USER": "neo4j", "NEO4J_PASSWORD": "secret-pw"}
    http = _cli_process({"NEO4J_URI": "http://127.0.0.1:1", **credentials}, "stats")
    assert http.returncode == 1 and http.stdout == ""
    assert http.stderr.splitlines() == [
        "ownership: error: NEO4J_URI=http://127.0.0.1:1 is not a Bolt address: it must start "
        "with bolt://, bolt+s://, bolt+ssc://, neo4j://, neo4j+s://, neo4j+ssc://"
    ]
    refused = _cli_process({"NEO4J_URI": "bolt://127.0.0.1:1", **credentials}, "stats")
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.splitlines() == [
        "ownership: error: cannot reach the graph server at bolt://127.0.0.1:1: connection refused"
    ]


def test_console_script_reports_unreachable_server(tmp_path):
    env = {
        **os.environ,
        "NEO4J_URI": "bolt://127.0.0.1:9",
        "NEO4J_USER": "neo4j",
        "NEO4J_PASSWORD": "secret-pw",
    }
    result = subprocess.run(
        [sys.executable, "-m", "ownership", "stats", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(
        "ownership: error: cannot reach the graph server at bolt://127.0.0.1:9"
    )
    assert "secret-pw" not in result.stderr


def test_uri_without_credentials_is_refused(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env["NEO4J_URI"] = "bolt://127.0.0.1:9"
    result = subprocess.run(
        [sys.executable, "-m", "ownership", "stats"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "NEO4J_USER and NEO4J_PASSWORD must be set" in result.stderr


def test_country_codes_are_checked_and_the_likely_one_named(run_cli):
    message = one_line_error(run_cli("chains", "--from-country", "JP", "--to-country", "RUS"))
    assert "'RUS' is not a two-letter ISO 3166-1 country code (did you mean RU?)" in message
    message = one_line_error(run_cli("chains", "--from-country", "Japan", "--to-country", "RU"))
    assert "(did you mean JP?)" in message
    via = run_cli("chains", "--from-country", "JP", "--to-country", "RU", "--via-country", "S G")
    assert "'S G' is not a two-letter" in one_line_error(via)


def test_an_empty_graph_is_said_to_be_empty(run_cli, graph, make_dataset):
    chains = run_cli("chains", "--from-country", "jp", "--to-country", "ru", "--format", "json")
    assert chains.exit_code == 0 and json.loads(chains.stdout) == []
    assert "ownership: note: the graph is empty" in chains.stderr
    assert "the graph is empty" in one_line_error(run_cli("show", "jp-ex-01"))
    assert "the graph is empty" in run_cli("blocked").stderr
    run_cli("import", str(make_dataset([company("a", "JP")])), "--source", "one")
    answered = run_cli("chains", "--from-country", "JP", "--to-country", "RU")
    assert answered.stdout.strip() == "(no results)" and answered.stderr == ""
    assert "the graph is empty" not in one_line_error(run_cli("show", "nobody"))


def test_a_header_only_import_creates_no_source(run_cli, graph, make_dataset):
    folder = make_dataset([])
    result = run_cli("import", str(folder), "--source", "empty")
    assert result.exit_code == 0
    assert "no records in" in result.stdout and "nothing was written" in result.stdout
    assert json.loads(run_cli("stats", "--format", "json").stdout)["nodes"] == {}


@pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")), reason="the embedded server's status")
def test_db_status_of_a_home_never_started(tmp_path):
    home = tmp_path / "never"
    result = _cli_process({"OWNERSHIP_HOME": str(home)}, "db", "status")
    assert result.returncode == 3  # not running, as LSB status commands say it
    assert "state: never started" in result.stdout.splitlines()
    assert all(line.split(": ", 1)[1] for line in result.stdout.splitlines())  # no blank field
    assert result.stderr.splitlines() == [
        f"ownership: error: the embedded server has never been started for "
        f"OWNERSHIP_HOME={home} (`ownership db start` starts it; any command does too)"
    ]
    document = json.loads(
        _cli_process({"OWNERSHIP_HOME": str(home)}, "db", "status", "--format", "json").stdout
    )
    assert document["running"] is False and document["state"] == "never started"
    assert not home.exists()  # asking did not start anything


def test_tables_fit_the_width_and_hide_nothing():
    chain = "Tsubame Digital Exchange K.K. (JP) -> Northbridge Lattice Pte. Ltd. (SG) -> OOO Angara Hosting (RU)"
    rows = [
        {"chain": chain, "hops": 2},
        {"chain": "株式会社さくらデジタル (JP) -> ООО Байкал (RU)", "hops": 1},
    ]
    for width in (40, 80, 300):
        table = to_table(rows, ["chain", "hops"], width=width)
        assert max(display_width(line) for line in table.splitlines()) <= width
        words = " ".join(table.split())
        assert "OOO Angara Hosting (RU)" in words and "Байкал (RU)" in words  # ends kept
    assert len(to_table(rows, ["chain", "hops"], width=300).splitlines()) == 4  # no wrapping
    assert len(to_table(rows, ["chain", "hops"], width=None).splitlines()[2]) > 100  # a pipe


def test_cli_tables_follow_columns(run_cli, graph, make_dataset, monkeypatch):
    names = {
        "a": "Alpha Exchange Kabushiki Kaisha",
        "b": "Bravo Holdings Pte. Ltd.",
        "c": "OOO Charlie Hosting",
    }
    folder = make_dataset(
        [
            company("a", "JP", name=names["a"]),
            company("b", "SG", name=names["b"]),
            company("c", "RU", name=names["c"]),
        ],
        [owns("a", "b", 100), owns("b", "c", 60)],
    )
    run_cli("import", str(folder), "--source", "t")
    for columns in ("60", "250"):
        monkeypatch.setenv("COLUMNS", columns)
        table = run_cli("chains", "--from-country", "JP", "--to-country", "RU").stdout
        assert max(len(line) for line in table.splitlines()) <= int(columns)
        assert "OOO Charlie Hosting (RU)" in " ".join(table.split())
    assert len(table.splitlines()) == 3  # 250 columns: one line per chain


def test_a_taken_port_is_refused_before_anything_starts(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        for command in ("app", "demo"):
            result = _cli_process({"OWNERSHIP_HOME": str(tmp_path)}, command, "--port", port)
            assert result.returncode == 1
            assert result.stderr.splitlines() == [
                f"ownership: error: port {port} on 127.0.0.1 is taken (address already in use): "
                "another explorer or program uses it; choose another with --port (make demo PORT=…)"
            ]
    assert not (tmp_path / "server").exists()  # the demo started no graph server


def test_the_command_line_imports_no_heavy_library_before_a_command_needs_it():
    """``ownership --help`` should take at most 0.3 s (issue 14): numpy (0.1 s), pandas and the
    driver are imported by the commands that compute, not by the command line's own import
    (ownership.numeric, Graph's driver loading). A module that uses numpy at import time (a
    dtype in a constant, say) brings it back and fails this."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, ownership.cli; print(' '.join(sys.modules))"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "ownership.analysis.kept_chains" in loaded  # the commands' modules are there
    assert [m for m in loaded if m.split(".")[0] in {"numpy", "pandas", "neo4j"}] == []


# the explorer's first run, once the server has imported the pages' libraries (serve.warm)
_NEW_ON_FIRST_RUN = """
import sys, streamlit.web.cli
from ownership.explorer import serve
serve.warm()
before = set(sys.modules)
import ownership.explorer.main
print("\\n".join(sorted(set(sys.modules) - before)))
"""


def test_the_explorer_server_imports_the_pages_libraries_before_it_listens():
    """The first analyst after a start does not wait for pandas, the driver, pyvis or the
    analyses: with them imported by the server, the first run adds only the explorer's own
    modules, Streamlit's and the standard library's."""
    found = subprocess.run(
        [sys.executable, "-c", _NEW_ON_FIRST_RUN],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "ownership.explorer.main" in found
    ours = {"ownership", "streamlit"} | set(sys.stdlib_module_names)
    assert [m for m in found if m.split(".")[0] not in ours] == []
    assert not [m for m in found if m.startswith("ownership.analysis")]


@pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")), reason="starts an embedded server")
def test_the_explorer_server_starts_and_warms_the_graph_before_the_first_page(tmp_path):
    """``ownership app`` warms the graph beside the server (serve.warm_graph): on a home whose
    embedded server is not running it starts it and runs the first pages' statements, so the
    first analyst does not wait for the server's start (16.4 s against 4.3 s for a first
    search at 100k, docs/benchmarks.md)."""
    server = EmbeddedServer(tmp_path)
    assert not server.status().running
    try:
        assert serve.warm_graph(Settings(home=tmp_path)) is None
        assert server.status().running
    finally:
        server.stop()


def test_warming_the_graph_returns_why_it_could_not(tmp_path):
    """An unreachable server is the first page's to report: the warm-up returns the reason
    and raises nothing (it runs in a thread beside Streamlit)."""
    port = _free_port()  # nothing listens there
    unreachable = Settings(
        home=tmp_path, uri=f"bolt://127.0.0.1:{port}", user="neo4j", password="x"
    )
    reason = serve.warm_graph(unreachable)
    assert reason is not None and reason.startswith("GraphUnavailable: cannot reach")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")), reason="the demo's embedded server")
def test_interrupting_the_demo_stops_what_it_started(tmp_path):
    """`make demo`, then Ctrl-C: the explorer and the graph server the demo started both stop."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    demo = subprocess.Popen(
        [sys.executable, "-m", "ownership", "demo", "--port", str(port)],
        env={**env, "OWNERSHIP_HOME": str(tmp_path)},
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
                    if page.status == 200:
                        break
            except OSError:
                time.sleep(1)
        else:
            pytest.fail("the demo's explorer did not come up")
        server_pid = EmbeddedServer(tmp_path).status().pid
        assert server_pid
        os.killpg(demo.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground job
        _, stderr = demo.communicate(timeout=120)
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
        EmbeddedServer(tmp_path).stop()
    assert "stopped the embedded server the demo started" in stderr
    assert not EmbeddedServer(tmp_path).status().running
    cmdline = Path(f"/proc/{server_pid}/cmdline")
    assert not cmdline.exists() or cmdline.read_bytes() == b""  # gone, or a zombie not reaped
    with pytest.raises(ConnectionRefusedError):  # nothing listens on the explorer's port
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_an_unknown_entity_gets_a_did_you_mean(run_cli, graph, make_dataset):
    folder = make_dataset(
        [
            company("ru", "RU", name="OOO Angara Hosting"),
            company("jp", "JP", name="Tsubame Digital Exchange K.K."),
            company("jp2", "JP", name="Seiran Digital K.K."),
        ]
    )
    run_cli("import", str(folder), "--source", "f")
    message = one_line_error(run_cli("show", "angara hostng"))
    assert message.endswith(
        "no entity matches 'angara hostng'; did you mean OOO Angara Hosting (ru)?"
    )
    message = one_line_error(run_cli("owners", "Tsubame Digital Exchange KK"))
    assert message.endswith(
        "did you mean Tsubame Digital Exchange K.K. (jp)?"
    )  # only the close one
    assert "did you mean" not in one_line_error(run_cli("show", "zzzz qqqq"))

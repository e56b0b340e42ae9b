"""The command line as scripts use it: exit codes, stderr reasons, one JSON document."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import company, owns


def test_import_then_stats_json(run_cli, graph, make_dataset):
    folder = make_dataset([company("a", "JP"), company("b", "SG")], [owns("a", "b", 100)])
    result = run_cli("import", str(folder), "--source", "cli")
    assert result.exit_code == 0, result.output
    assert "read 2 entities, 1 ownership" in result.stdout
    stats = run_cli("stats", "--format", "json")
    assert json.loads(stats.stdout) == {
        "nodes": {"Company": 2, "Entity": 2, "Record": 2, "Source": 1},
        "relationships": {"DESCRIBES": 2, "HOLDS": 1, "OWNS": 1},
    }


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


def test_bad_arguments_exit_non_zero(run_cli):
    result = run_cli("chains", "--from-country", "JP", "--to-country", "RU", "--max-hops", "99")
    assert result.exit_code != 0
    result = run_cli(
        "chains", "--from-country", "JP", "--to-country", "RU", "--as-of", "2022-02-30"
    )
    assert result.exit_code != 0


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

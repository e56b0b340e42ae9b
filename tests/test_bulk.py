"""The bulk path for first loads (``ownership export --neo4j-admin``, docs/bulk-load.md) builds the
graph ``ownership import`` builds, and later imports on it stay incremental.

The comparison needs two Neo4j servers of their own and the kit's ``neo4j-admin``: it runs in the
suite on Neo4j (``make test-neo4j``, which CI runs where the kit ``../shared/neo4j`` is) and is
skipped in the suite on the embedded server (it would start the same two servers again, ten
minutes on a 2-core machine) and where there is no kit. The all-or-nothing tests need no server.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import graph_dump

from bench.generate import generate
from ownership.analysis.stats import data_version
from ownership.bulk import ARGUMENTS_FILE, BulkUnsupported, _field, _Table, export_neo4j_admin
from ownership.cli import main
from ownership.config import Settings
from ownership.graph import Graph
from ownership.problems import InvalidData
from ownership.refresh import state as kept_state

REPO = Path(__file__).resolve().parent.parent
KIT = Path(os.environ.get("NEO4J_KIT") or REPO.parent / "shared" / "neo4j")
KIT_ADMIN = REPO / "scripts" / "neo4j-kit-admin"
KIT_CACHE = os.environ.get("NEO4J_KIT_CACHE") or str(Path.home() / ".cache/ownership/neo4j-kit")

# What differs between two loads of the same data by nature, and nothing else: when each graph
# was written. Each must still be a time stamp on both sides (the source's generation: a clock
# in nanoseconds, ownership.analysis.stats.data_version).
RUN_SPECIFIC = ("imported_at", "updated_at")
GENERATION = "generation"

# Entity records that share a strong identifier become one entity, as in real sources: across
# the loader's batches of 2,000 rows (resolved against what the graph already holds: the twin is
# appended after the 600 persons) and within one batch (against the batch itself).
CROSS, SAME = "LEI0000000000000CROSS", "LEI00000000000000SAME"
SHARED_LEI = {"c0000005": CROSS, "c0000010": SAME, "c0000020": SAME}
TWIN = {"id": "c9000001", "type": "company", "name": "Cross Batch Twin Ltd", "lei": CROSS}


def _kit(command: str, state: Path) -> dict[str, str]:
    """Run the kit's server script; the exports that ``start`` prints."""
    done = subprocess.run(
        [str(KIT / "server"), command, str(state)],
        capture_output=True,
        text=True,
        env={**os.environ, "NEO4J_KIT_CACHE": KIT_CACHE},
        check=True,
    )
    exports = {}
    for line in done.stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        exports[name] = value
    return exports


def _ownership(env: dict[str, str], *args: str) -> str:
    """``ownership ARGS`` in a process of its own, against the server of ``env``."""
    done = subprocess.run(
        [sys.executable, "-m", "ownership", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _dataset(folder: Path) -> Path:
    """2,000 generated companies, some of whose records share an LEI (an extra column)."""
    generate(folder, companies=2000, seed=11)
    entities = folder / "entities.csv"
    with entities.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["lei"] = SHARED_LEI.get(row["id"], "")
    assert all(any(r["id"] == key for r in rows) for key in SHARED_LEI)
    rows.append({column: "" for column in rows[0]} | TWIN)
    with entities.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, [*rows[0]])
        writer.writeheader()
        writer.writerows(rows)
    return folder


def _change(folder: Path) -> None:
    """What a later delivery of the source changes: a name, some shares, a new company."""
    entities = folder / "entities.csv"
    text = entities.read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    name_at = header.index("name")
    fields = text[1].split(",")
    fields[name_at] = "Renamed Holdings Ltd"
    text[1] = ",".join(fields)
    extra = {c: "" for c in header} | {"id": "c9999999", "type": "company", "name": "Newco Ltd"}
    extra |= {"jurisdiction": "CY", "registration_number": "HE999999"}
    text.append(",".join(extra[c] for c in header))
    entities.write_text("\n".join(text) + "\n", encoding="utf-8")
    ownership = folder / "ownership.csv"
    with ownership.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    changed = 0
    for row in rows:
        if row["share"] and changed < 25:
            row["share"] = str(round(float(row["share"]) / 2, 2))
            changed += 1
    rows.append(
        {**{c: "" for c in rows[0]}, "owner_id": rows[0]["owner_id"]}
        | {"owned_id": "c9999999", "share": "40", "start_date": "2024-03-01"}
    )
    with ownership.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, [*rows[0]])
        writer.writeheader()
        writer.writerows(rows)


def dump(graph: Graph) -> tuple[list[str], list[str]]:
    """The whole graph; run-specific values are checked to be UTC time stamps, then replaced by
    a placeholder."""

    def clean(props: dict[str, Any]) -> str:
        for name in RUN_SPECIFIC:
            if name in props:
                assert isinstance(props[name], dt.datetime), (name, props[name])
                assert props[name].utcoffset() == dt.timedelta(0), props[name]
                props[name] = "<time of the load>"
        if GENERATION in props:
            assert isinstance(props[GENERATION], int) and props[GENERATION] > 1.7e18, props
            props[GENERATION] = "<clock of the load>"
        return repr(sorted(props.items()))

    return graph_dump(graph, clean)


def assert_same(normal: tuple[list[str], list[str]], bulk: tuple[list[str], list[str]]) -> None:
    """Equal dumps; on failure, the first lines that differ rather than two huge lists."""
    for what, a, b in (("node", normal[0], bulk[0]), ("relationship", normal[1], bulk[1])):
        only_normal = sorted(set(a) - set(b))[:3]
        only_bulk = sorted(set(b) - set(a))[:3]
        assert not only_normal and not only_bulk, (what, only_normal, only_bulk)
        assert a == b, f"{what}s: the same lines, repeated differently"


@dataclass
class Loaded:
    """One of the two graphs, and the environment of commands that reach it."""

    graph: Graph
    env: dict[str, str]


def _needs_kit() -> None:
    if not (KIT / "server").is_file():
        pytest.skip(f"no Neo4j kit at {KIT} (its neo4j-admin is what this compares against)")
    if not os.environ.get("NEO4J_URI"):
        pytest.skip("the bulk path is Neo4j's: compared in the suite on Neo4j (make test-neo4j)")


def _bulk_load(env: dict[str, str], state: Path, data: Path, out: Path) -> None:
    """Export ``data`` as source ``bench`` and load it with neo4j-admin into the kit server of
    ``state``, which is left stopped (start it again, then ``db init``)."""
    _ownership(env, "export", "--neo4j-admin", str(out), str(data), "--source", "bench")
    _kit("stop", state)
    admin = [str(KIT_ADMIN), str(state), "database", "import", "full", "neo4j"]
    subprocess.run(
        [*admin, f"@{out / ARGUMENTS_FILE}"],
        capture_output=True,
        env={**os.environ, "NEO4J_KIT_CACHE": KIT_CACHE},
        check=True,
    )


@pytest.fixture(scope="module")
def two_graphs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The same generated source loaded into two fresh Neo4j servers: by ``ownership import``
    ("normal"), and by ``ownership export --neo4j-admin``, ``neo4j-admin database import full``
    and ``ownership db init`` ("bulk"); "data" is the source's folder."""
    _needs_kit()
    root = tmp_path_factory.mktemp("bulk")
    data = _dataset(root / "data")
    states = {name: root / f"neo4j-{name}" for name in ("normal", "bulk")}
    envs: dict[str, dict[str, str]] = {}
    loaded: dict[str, Loaded] = {}

    def start(name: str) -> None:
        envs[name] = _kit("start", states[name]) | {"OWNERSHIP_HOME": str(root / f"home-{name}")}

    try:
        for name in states:
            start(name)
        # --no-maintain: the answers an import keeps (Maintained nodes) are derived from the
        # data and computed after it; the bulk path leaves them to the first import or refresh
        _ownership(envs["normal"], "import", str(data), "--source", "bench", "--no-maintain")

        _bulk_load(envs["bulk"], states["bulk"], data, root / "export")
        start("bulk")
        _ownership(envs["bulk"], "db", "init", "--no-maintain")
        for name, env in envs.items():
            settings = Settings.from_env(env)
            loaded[name] = Loaded(Graph.open(settings), env)
        yield {**loaded, "data": data}
    finally:
        for one in loaded.values():
            one.graph.close()
        for state in states.values():
            if state.exists():
                _kit("stop", state)


def test_bulk_load_builds_the_graph_import_builds(two_graphs: dict[str, Any]) -> None:
    normal, bulk = dump(two_graphs["normal"].graph), dump(two_graphs["bulk"].graph)
    assert len(normal[0]) > 8000 and len(normal[1]) > 14000  # the whole source
    for lei, first in ((CROSS, "bench:c0000005"), (SAME, "bench:c0000010")):
        # cases the export must get right: one entity, founded by the first record
        [merged] = [n for n in normal[0] if f"'lei:{lei}'" in n and "'Entity'" in n]
        assert f"'uid', '{first}'" in merged
    assert_same(normal, bulk)


def test_later_imports_stay_incremental(two_graphs: dict[str, Any]) -> None:
    """The same changed delivery imported into both graphs changes them alike, and only where
    it changed (the import finds the bulk-loaded records already there)."""
    data: Path = two_graphs["data"]
    changed = data.parent / "changed"
    changed.mkdir()
    for file in data.iterdir():
        (changed / file.name).write_bytes(file.read_bytes())
    _change(changed)
    summaries = {}
    for name in ("normal", "bulk"):
        env = two_graphs[name].env
        output = _ownership(
            env, "import", str(changed), "--source", "bench", "--json", "--no-maintain"
        )
        summaries[name] = {
            k: v
            for k, v in json.loads(output).items()
            if k not in ("seconds", "records_per_second", "maintained_seconds")
        }
    assert summaries["bulk"] == summaries["normal"]
    assert summaries["bulk"]["written"]["entities"] == 2  # the renamed and the new company
    assert summaries["bulk"]["written"]["ownership"] == 26  # 25 shares halved, one new
    assert_same(dump(two_graphs["normal"].graph), dump(two_graphs["bulk"].graph))


def test_db_init_keeps_the_state_the_export_noted_which_is_the_graphs(tmp_path: Path) -> None:
    """The refresh state is noted by the export as it writes the files (no read of the graph
    back in ``db init``), and once ``db init`` has stamped it with the data version it is what
    a refresh reading the graph would find, records that joined another's entity included."""
    _needs_kit()
    data = _dataset(tmp_path / "data")
    state = tmp_path / "neo4j"
    env = _kit("start", state)
    graph = None
    try:
        _bulk_load(env, state, data, tmp_path / "export")
        env = _kit("start", state) | {"OWNERSHIP_HOME": str(tmp_path / "home")}
        done = json.loads(_ownership(env, "db", "init", "--json"))
        assert done["states_kept"] == ["bench"]
        graph = Graph.open(Settings.from_env(env))
        with graph.transaction() as tx:
            held = kept_state.State.read(tx, "bench")
        assert held.entity_of and len(held.items["upsert_ownership"]) > 1000
        assert kept_state.load(graph, "bench", data_version(graph)[0]) == held
    finally:
        if graph is not None:
            graph.close()
        _kit("stop", state)


# -- all or nothing ----------------------------------------------------------------------------


def test_invalid_input_leaves_no_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    generate(data, companies=50, seed=3)
    ownership = data / "ownership.csv"
    lines = ownership.read_text(encoding="utf-8").splitlines()
    fields = lines[7].split(",")
    fields[2] = "150"  # share: out of range, on line 8
    lines[7] = ",".join(fields)
    ownership.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "export"

    with pytest.raises(InvalidData) as failed:
        export_neo4j_admin([data], "bench", out)
    assert str(failed.value.problems[0]) == f"{ownership}:8: share: 150 is outside (0, 100] percent"

    result = CliRunner().invoke(main, ["export", "--neo4j-admin", str(out), str(data)])
    assert result.exit_code == 1
    [line, *_] = result.stderr.splitlines()
    assert f"{ownership}:8: share:" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # no DIR, no partial DIR


def test_export_never_writes_into_a_folder_with_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    generate(data, companies=20, seed=3)
    out = tmp_path / "export"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(main, ["export", "--neo4j-admin", str(out), str(data)])
    assert result.exit_code == 1
    assert "not an empty folder" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


# -- the export itself (no server) --------------------------------------------------------------


def _files(folder: Path) -> dict[str, str]:
    """The exported CSV files, the run's time stamps and the source's clock (also in the
    placeholder version of the refresh state) taken out."""
    found = {}
    for path in sorted(folder.glob("*.csv")):
        text = path.read_text(encoding="utf-8")
        found[path.name] = re.sub(
            r'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"|"\d{19}"|bulk\|\d{19}', "T", text
        )
    return found


def test_reading_in_a_process_of_its_own_changes_nothing(tmp_path: Path) -> None:
    data = _dataset(tmp_path / "data")
    one = export_neo4j_admin([data], "bench", tmp_path / "one", processes=1)
    two = export_neo4j_admin([data], "bench", tmp_path / "two", processes=2)
    assert (one.processes, two.processes) == (1, 2)
    assert set(two.peak_rss_kb) == {"export", "reader"}
    assert one.read == two.read and one.nodes == two.nodes
    assert one.relationships == two.relationships
    assert _files(tmp_path / "one") == _files(tmp_path / "two")
    assert len(_files(tmp_path / "one")) > 10
    arguments = (tmp_path / "two" / ARGUMENTS_FILE).read_text(encoding="utf-8")
    assert arguments == (tmp_path / "one" / ARGUMENTS_FILE).read_text(encoding="utf-8").replace(
        str(tmp_path / "one"), str(tmp_path / "two")
    )
    assert "--multiline-fields" not in arguments  # no value spans lines: the fast parser


@pytest.mark.parametrize("processes", [1, 2])
def test_a_record_given_twice_is_refused(tmp_path: Path, processes: int) -> None:
    data = tmp_path / "data"
    generate(data, companies=20, seed=3)
    with pytest.raises(BulkUnsupported, match="comes twice in the input"):
        export_neo4j_admin([data, data], "bench", tmp_path / "out", processes=processes)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_invalid_input_read_apart_is_reported_whole(tmp_path: Path) -> None:
    data = tmp_path / "data"
    generate(data, companies=30, seed=3)
    ownership = data / "ownership.csv"
    lines = ownership.read_text(encoding="utf-8").splitlines()
    for at in (3, 5):
        fields = lines[at].split(",")
        fields[2] = "-4"
        lines[at] = ",".join(fields)
    ownership.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InvalidData) as failed:
        export_neo4j_admin([data], "bench", tmp_path / "out", processes=2)
    assert [p.line for p in failed.value.problems] == [4, 6]


ODD_VALUES: list[dict[str, Any]] = [
    {"name": 'say "hi"', "n": 1, "x": 0.1, "ok": True, "day": dt.date(2020, 1, 2)},
    {"name": "", "n": None, "x": 2.5e-07, "ok": False, "tags": ["a", "b"]},
    {"name": "two\nlines", "tags": ["only"], "at": dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)},
    {"name": "sep\x1einside", "note": "nul\x00inside", "tags": ["c", "d", "e"]},
    {"name": "unit\x1fseparator in text", "tags": ["x"]},
    {"name": "\x00"},
    {"name": None, "tags": None, "n": 7},
    {"name": 'a "" b', "tags": ['q"uote', ""]},
]


def test_fast_rows_are_the_rows_written_value_by_value(tmp_path: Path) -> None:
    """Each row as the fast way writes it equals the row written field by field."""
    table = _Table(tmp_path, "thing", "nodes", ("uid:ID(Thing)", ":LABEL"))
    for number, props in enumerate(ODD_VALUES):
        table.write((f"t{number}", ["Thing"]), props)
    table.close()
    written = b"".join(p.read_bytes() for p, _ in table.parts).decode("utf-8")
    expected = []
    columns: list[str] = []
    for number, props in enumerate(ODD_VALUES):
        columns += [k for k, v in props.items() if v is not None and k not in columns]
        values = [f"t{number}", ["Thing"], *(props.get(c) for c in columns)]
        expected.append(",".join(map(_field, values)) + "\n")
    assert written == "".join(expected)
    assert table.multiline


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"tags": ["a"]}, {"tags": []}], "an empty list"),
        ([{"tags": ["a"]}, {"tags": ["b", 3]}], "different or unknown types"),
        ([{"tags": ["a"]}, {"tags": ["b\x1fc"]}], "array delimiter"),
        ([{"n": 1}, {"n": 1.5}], "is double here and long elsewhere"),
        ([{"tags": ["a"]}, {"tags": [1]}], "is long\\[\\] here and string\\[\\] elsewhere"),
    ],
)
def test_what_a_csv_column_cannot_hold_is_refused(
    tmp_path: Path, rows: list[dict[str, Any]], message: str
) -> None:
    table = _Table(tmp_path, "thing", "nodes", ("uid:ID(Thing)", ":LABEL"))
    with pytest.raises(BulkUnsupported, match=message):
        for number, props in enumerate(rows * 2):  # the second time: a shape seen before
            table.write((f"t{number}", ["Thing"]), props)
    table.close()

"""The hostile-input corpus of tests/hostile: every case refused cleanly or stored verbatim."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ownership.analysis.flags import red_flags
from ownership.analysis.stats import graph_stats
from ownership.cypher import Query
from ownership.loader import import_paths, validate
from ownership.problems import InvalidData

CORPUS = Path(__file__).resolve().parent / "hostile"
NAMES = Query(
    "test_names",
    "MATCH (e:Entity) RETURN e.record_id AS id, e.name AS name, e.aliases AS aliases ORDER BY id",
    "test",
)

REFUSED = {
    "latin1": [("entities.csv", None, None, "cannot tell the text encoding")],
    "unclosed_quote": [("entities.csv", 2, None, "malformed CSV")],
    "wrong_column_count": [
        ("entities.csv", 2, None, "5 fields where the header has 4"),
        ("entities.csv", 3, None, "2 fields where the header has 4"),
    ],
    "missing_required_column": [("entities.csv", 1, "type", "required column is missing")],
    "duplicate_ids": [("entities.csv", 3, "id", "duplicate id 'a' (first on line 2)")],
    "unknown_reference": [("ownership.csv", 2, "owned_id", "'ghost' is not an id in entities.csv")],
    "shares_out_of_range": [
        ("ownership.csv", 2, "share", "0 is outside (0, 100]"),
        ("ownership.csv", 3, "share", "150 is outside (0, 100]"),
        ("ownership.csv", 4, "share", "-5 is outside (0, 100]"),
        ("ownership.csv", 5, "share", "nan is outside (0, 100]"),
        ("ownership.csv", 6, "share", "inf is outside (0, 100]"),
    ],
    "band_min_above_max": [
        ("ownership.csv", 2, "share_min", "band minimum 60.0 is above its maximum 40.0")
    ],
    "impossible_date": [
        ("entities.csv", 2, "incorporation_date", "'2022-02-30' is not a real calendar date"),
        ("entities.csv", 3, "incorporation_date", "'22/03/2022' is not a date in YYYY-MM-DD form"),
    ],
    "self_ownership": [("ownership.csv", 2, "owned_id", "'a' cannot own itself")],
    "absurd_field": [("entities.csv", 2, "name", "20000 characters (at most 10000)")],
    "binary": [("entities.csv", 2, None, "contains NUL bytes")],
    "several_problems": [
        ("entities.csv", 2, "jurisdiction", "'XX' is not an ISO 3166-1"),
        ("entities.csv", 3, "type", "'trust' is not 'company' or 'person'"),
        ("entities.csv", 3, "name", "required, but empty"),
        ("entities.csv", 3, "id", "duplicate id 'a'"),
        ("ownership.csv", 2, "owned_id", "'zzz' is not an id"),
        ("ownership.csv", 2, "share", "200 is outside"),
        ("ownership.csv", 2, "start_date", "'2022-13-01' is not a real calendar date"),
    ],
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_with_file_line_field_and_reason(case):
    with pytest.raises(InvalidData) as caught:
        validate([CORPUS / case], "hostile")
    found = caught.value.problems
    assert len(found) == len(REFUSED[case]), [str(p) for p in found]
    for problem, (file, line, field, reason) in zip(found, REFUSED[case], strict=True):
        assert problem.file == str(CORPUS / case / file)
        assert (problem.line, problem.field) == (line, field), str(problem)
        assert reason in problem.message, str(problem)


def test_refused_corpus_writes_nothing(graph):
    before = graph_stats(graph)
    for case in REFUSED:
        with pytest.raises(InvalidData):
            import_paths(graph, [CORPUS / case], "hostile")
    assert graph_stats(graph) == before


@pytest.mark.parametrize(
    ("case", "names"),
    [
        ("utf8_bom", {"a": "Société Générale"}),
        ("shift_jis", {"a": "株式会社ビットバンク", "b": "ＧＭＯコイン株式会社"}),
        ("cp1251", {"a": "ООО «Иркутская Энергосбытовая Компания»"}),
        (
            "injection_names",
            {
                "a": "Robert'); MATCH (n) DETACH DELETE n; //",
                "b": "`x` {a:1}",
                "c": '<img src=x onerror="window.__xss=1">',
            },
        ),
    ],
)
def test_imported_verbatim(graph, case, names):
    import_paths(graph, [CORPUS / case], "hostile")
    stored = {row["id"]: row["name"] for row in graph.read(NAMES)}
    assert stored == names
    if case == "injection_names":
        aliases = {row["id"]: row["aliases"] for row in graph.read(NAMES)}
        assert aliases["b"] == ["$param", "{{7*7}}"]
        assert aliases["c"] == ["<script>window.__xss=2</script>"]
        assert graph_stats(graph)["relationships"]["OWNS"] == 2  # nothing was deleted


def test_shares_over_100_import_and_are_flagged(graph):
    import_paths(graph, [CORPUS / "shares_over_100"], "hostile")
    flags = [f for f in red_flags(graph, as_of=dt.date(2024, 1, 1)) if f.flag == "shares-over-100"]
    assert [(f.id, "110%" in f.detail) for f in flags] == [("t", True)]


CELL = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12) | st.sampled_from(
    [
        "",
        "0",
        "100",
        "50.5",
        "-1",
        "1e309",
        "2022-02-30",
        "2022-01-01",
        "JP",
        "RU",
        "company",
        "person",
        "a",
        "b",
        '"',
        "\n",
        ";",
    ]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    entities=st.lists(st.lists(CELL, min_size=1, max_size=6), max_size=6),
    ownership=st.lists(st.lists(CELL, min_size=1, max_size=8), max_size=6),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp932", "cp1251", "utf-16"]),
)
def test_random_rows_import_or_fail_cleanly(tmp_path_factory, entities, ownership, encoding):
    folder = tmp_path_factory.mktemp("random")
    header = "id,type,name,jurisdiction,share_of_something,incorporation_date\n"
    own_header = "owner_id,owned_id,share,share_min,share_max,start_date,end_date,note\n"

    def write(name: str, head: str, rows: list[list[str]]) -> None:
        text = head + "".join(",".join(_quote(c) for c in row) + "\n" for row in rows)
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            data = text.encode("utf-8")
        (folder / name).write_bytes(data)

    write("entities.csv", header, entities)
    write("ownership.csv", own_header, ownership)
    try:
        summary = validate([folder], "random")
    except InvalidData as exc:
        assert exc.problems and all(p.file.startswith(str(folder)) for p in exc.problems)
    else:
        assert summary.read["entities"] <= len(entities)
    shutil.rmtree(folder)


def _quote(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\n\r') else cell


def test_json_with_a_giant_number_is_a_problem_not_a_crash(tmp_path):
    from ownership.problems import ProblemLog
    from ownership.sources import bods

    path = tmp_path / "statements.jsonl"
    path.write_text(
        '{"statementId": "s1", "recordType": "entity", "recordDetails": {"n": '
        + "9" * 5000
        + "}}\n"
    )
    problems = ProblemLog()
    assert list(bods.FORMAT.read(path, "x", problems)) == []
    assert problems.problems and problems.problems[0].line == 1

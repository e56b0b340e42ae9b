"""The ``jp-nta`` format: the NTA corporate-number files (real samples), updates, succession,
resolution with a registry CSV, and bad input.

Counts on the real samples are worked out here with ``zipfile`` and ``csv`` over the raw bytes,
never with the importer (checked by hand first with ``unzip -p … | wc -l`` and ``cut -d, -f2``).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import zipfile
from pathlib import Path

import pytest
from conftest import ENTITY_HEADER, REAL_DATA, company, write_csv

from ownership.cypher import Query
from ownership.loader import import_paths
from ownership.problems import InvalidData, ProblemLog
from ownership.records import Entity
from ownership.sources import resolve_format
from ownership.sources.jp_nta import FORMAT

NTA = REAL_DATA / "jp_nta"
TOTTORI_ZIP = NTA / "31_tottori_all_20170402.zip"
KOKUGAI_ZIP = NTA / "99_kokugai_all_20160229.zip"
NOT01 = NTA / "31_tottori_all_20170402_process_not01_rows.csv"
FIRST2000 = NTA / "31_tottori_all_20170402_first2000rows.csv"
CNPARSER = NTA / "cnparser_31_tottori_test_20240329.csv"
SJIS_DIFF = NTA / "webapi_v2_diff_20170101-20170110_type01_sjis.csv"
SJIS_NUM = NTA / "webapi_v2_num_1180301018771_type01_sjis.csv"
XML_V4 = NTA / "webapi_v4_num_1290001089235_chanshige_ClientTest_excerpt.xml"

pytestmark = pytest.mark.real_data

ENTITIES_OF_IDENTIFIER = Query(
    "test_entities_of_identifier",
    "MATCH (:Identifier {key: $key})-[:IDENTIFIES]->(e:Entity) "
    "RETURN collect(DISTINCT e.uid) AS entities",
    "",
)
SOURCES_OF_ENTITY = Query(
    "test_sources_of_entity",
    "MATCH (r:Record)-[:DESCRIBES]->(:Entity {uid: $uid}) RETURN collect(r.source) AS s",
    "",
)
CLOSURE_OF = Query(
    "test_closure_of",
    "MATCH (e:Entity {uid: $uid}) RETURN e.dissolution_date AS d, e.nta_process AS p",
    "",
)
ENTITY_COUNT = Query("test_entity_count", "MATCH (e:Entity) RETURN count(e) AS n", "")


def needs(*paths: Path) -> None:
    for path in paths:
        if not path.exists():
            pytest.skip(f"real-data sample {path} is absent (see ../shared/data/real/README.md)")


def read(path: Path, source: str = "nta") -> tuple[list[Entity], ProblemLog]:
    problems = ProblemLog()
    records = list(FORMAT.read(path, source, problems))
    assert all(isinstance(r, Entity) for r in records)
    return records, problems  # type: ignore[return-value]


def raw_rows(data: bytes, encoding: str = "utf-8", webapi: bool = False) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(data.decode(encoding))))
    return rows[1:] if webapi else rows


def zipped_csv(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".csv")]
        return archive.read(name)


def last_rows(rows: list[list[str]]) -> dict[str, list[str]]:
    """Each corporate number's last row, the way the NTA's diff is meant to be applied."""
    return {row[1]: row for row in rows}


@pytest.mark.parametrize(
    ("path", "columns"), [(TOTTORI_ZIP, 28), (KOKUGAI_ZIP, 23)], ids=["v2-28", "v1-23"]
)
def test_bulk_zips_read_directly_with_counts_checked_by_csv(path: Path, columns: int) -> None:
    needs(path)
    rows = raw_rows(zipped_csv(path))
    assert {len(r) for r in rows} == {columns}
    assert resolve_format(path).name == "jp-nta"
    entities, problems = read(path)
    assert not problems.problems
    by_id = {e.id: e for e in entities}
    expected = last_rows(rows)
    assert len(entities) == len(expected)
    assert set(by_id) == set(expected)
    closed = {n for n, r in expected.items() if r[18]}
    assert {e.id for e in entities if e.dissolution_date} == closed
    successors = {n: r[20] for n, r in expected.items() if r[20]}
    assert {
        e.id: e.extra["successor_corporate_number"]
        for e in entities
        if "successor_corporate_number" in e.extra
    } == successors
    assert all(e.provenance.file.endswith(".zip!" + path.stem + ".csv") for e in entities[:3])
    foreign = {n for n, r in expected.items() if r[8] == "401"}
    assert {e.id for e in entities if e.jurisdiction is None} == foreign
    assert all("JP" in e.operates_in for e in entities if e.id in foreign)


def test_closures_and_successors_on_the_filtered_tottori_rows() -> None:
    needs(NOT01)
    rows = raw_rows(NOT01.read_bytes())
    entities, problems = read(NOT01)
    assert not problems.problems
    assert len(entities) == len(last_rows(rows)) == 771
    merged = [r for r in rows if r[20]]
    assert len(merged) == 22
    by_id = {e.id: e for e in entities}
    for row in merged:
        e = by_id[row[1]]
        assert e.dissolution_date == dt.date.fromisoformat(row[18])
        assert e.extra["successor_identifier"] == f"reg:JP:{row[20]}"
        assert e.extra["close_cause"] == row[19]
        assert e.extra["change_cause"] == row[21]


def test_shift_jis_webapi_diff_applies_each_numbers_last_row() -> None:
    needs(SJIS_DIFF)
    data = SJIS_DIFF.read_bytes()
    rows = raw_rows(data, "cp932", webapi=True)
    assert len(rows) == 2000 and {len(r) for r in rows} == {28}
    expected = last_rows(rows)
    repeated = {n for n in expected if sum(1 for r in rows if r[1] == n) > 1}
    assert repeated  # the diff lists some companies more than once
    entities, problems = read(SJIS_DIFF)
    assert not problems.problems
    assert len(entities) == len(expected)
    by_id = {e.id: e for e in entities}
    for number in repeated:
        row, e = expected[number], by_id[number]
        assert e.extra["nta_process"] == row[2]
        assert e.dissolution_date == (dt.date.fromisoformat(row[18]) if row[18] else None)
    withdrawn = {n for n, r in expected.items() if r[2] == "99"}
    assert withdrawn
    for number in withdrawn:
        assert by_id[number].identifiers == ()
        assert by_id[number].extra["nta_withdrawn"] is True
    toyota, _ = read(SJIS_NUM)
    assert [(e.id, e.name, e.address) for e in toyota] == [
        ("1180301018771", "トヨタ自動車株式会社", "愛知県豊田市トヨタ町１番地")
    ]


def test_current_30_column_layout_and_xml() -> None:
    needs(CNPARSER, XML_V4)
    rows = raw_rows(CNPARSER.read_bytes())
    assert {len(r) for r in rows} == {30}
    entities, problems = read(CNPARSER)
    assert not problems.problems and len(entities) == len(rows)
    court = next(e for e in entities if e.id == "1000013050238")
    assert court.aliases == ("Tottori Summary Court",)  # enName
    assert court.extra["furigana"] == "トットリカンイサイバンショ"
    assert court.extra["nta_kind"] == "101"
    closed = [e for e in entities if e.dissolution_date]
    assert [(e.id, e.dissolution_date) for e in closed] == [
        (r[1], dt.date.fromisoformat(r[18])) for r in rows if r[18]
    ]
    (xml,), problems = read(XML_V4)
    assert not problems.problems
    assert (xml.id, xml.name, xml.address) == (
        "1290001089235",
        "株式会社リクメディア",
        "福岡県福岡市中央区天神１",
    )
    assert xml.provenance.line == 7  # the <corporation> element's line
    assert xml.extra["furigana"] == "リクメディア"


def test_gzip_and_zip_packing_is_read_by_content(tmp_path: Path) -> None:
    needs(CNPARSER)
    data = CNPARSER.read_bytes()
    packed = tmp_path / "nta-export.bin"
    packed.write_bytes(gzip.compress(data))
    assert resolve_format(packed).name == "jp-nta"
    entities, problems = read(packed)
    assert not problems.problems and len(entities) == 5
    unpacked = tmp_path / "unpacked"  # what a refresh makes of a downloaded zip
    unpacked.mkdir()
    (unpacked / "31_tottori.csv").write_bytes(data)
    (unpacked / "31_tottori.csv.asc").write_text("-----BEGIN PGP SIGNATURE-----\n")
    entities, problems = read(unpacked)
    assert not problems.problems and len(entities) == 5


def test_bad_rows_are_reported_with_file_line_and_column(tmp_path: Path) -> None:
    good = '1,1180301018771,01,0,2015-11-13,2015-10-05,"トヨタ自動車株式会社",,301,"愛知県","豊田市","トヨタ町１番地",,23,211,4710826,,,,,,,2015-10-05'
    bad_digit = good.replace("1180301018771", "1180301018772")
    bad_date = good.replace("2015-11-13", "2015-13-13")
    narrow = "1,1180301018771,01,0"
    bad_successor = (
        '2,9180301018772,21,0,2015-11-13,2015-10-05,"X",,301,"愛知県","豊田市","1",,23,211,'
        "4710826,,,2016-01-01,11,1234567890123,,2015-10-05"
    )
    path = tmp_path / "nta.csv"
    path.write_text("\n".join([good, bad_digit, bad_date, narrow, bad_successor]) + "\n")
    assert resolve_format(path).name == "jp-nta"
    _, problems = read(path)
    found = {(p.line, p.field) for p in problems.problems}
    assert found == {
        (2, "corporateNumber (column 2)"),
        (3, "updateDate (column 5)"),
        (4, None),
        (5, "successorCorporateNumber (column 21)"),
    }
    assert "4 columns: not an NTA layout" in str(
        problems.problems[[p.line for p in problems.problems].index(4)]
    )


def test_a_broken_xml_is_a_problem_with_its_line(tmp_path: Path) -> None:
    needs(XML_V4)
    text = XML_V4.read_text(encoding="utf-8")
    cut = tmp_path / "cut.xml"
    cut.write_text(text[: text.index("<furigana>")], encoding="utf-8")
    _, problems = read(cut)
    assert len(problems.problems) == 1
    assert problems.problems[0].line is not None
    assert "not well-formed" in problems.problems[0].message


# -- in the graph ------------------------------------------------------------------------------


def test_nta_and_registry_csv_resolve_to_one_entity_and_succession_shows(
    graph, tmp_path: Path, run_cli
) -> None:
    needs(NOT01)
    rows = raw_rows(NOT01.read_bytes())
    numbers = {r[1] for r in rows}
    # merged into a company this file does not describe: the registry CSV brings it
    closed = next(r for r in rows if r[20] and r[20] not in numbers)
    predecessor, successor = closed[1], closed[20]
    registry = tmp_path / "registry"
    registry.mkdir()
    write_csv(
        registry / "entities.csv",
        ENTITY_HEADER,
        [
            company("acme-jp", "JP", name="Acme Japan", registration_number=predecessor),
            company("heir-jp", "JP", name="Heir Japan", registration_number=successor),
        ],
    )
    import_paths(graph, [NOT01], "jp-nta")
    import_paths(graph, [registry], "registry")
    ids = graph.read(ENTITIES_OF_IDENTIFIER, key=f"reg:JP:{predecessor}")[0]["entities"]
    assert len(ids) == 1  # the NTA record and the registry row are one entity
    records = graph.read(SOURCES_OF_ENTITY, uid=ids[0])[0]["s"]
    assert sorted(records) == ["jp-nta", "registry"]

    result = run_cli("show", "acme-jp", "--format", "json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["entity"]["dissolution_date"] == closed[18]
    (link,) = shown["merged_into"]
    assert link["identifier"] == f"reg:JP:{successor}"
    assert link["id"] == "heir-jp" and link["name"] == "Heir Japan"
    result = run_cli("show", "heir-jp", "--format", "json")
    (back,) = json.loads(result.output)["absorbed"]
    assert back["id"] in (predecessor, "acme-jp") and back["date"] == closed[18]
    text = run_cli("show", "acme-jp").output
    assert "merged into:" in text and "Heir Japan" in text


def test_diff_files_update_the_same_records(graph, tmp_path: Path) -> None:
    needs(CNPARSER)
    rows = raw_rows(CNPARSER.read_bytes())
    alive = next(r for r in rows if not r[18])
    full = tmp_path / "full.csv"
    full.write_bytes(CNPARSER.read_bytes())
    diff_row = list(alive)
    diff_row[2], diff_row[18], diff_row[19] = "21", "2024-05-01", "01"
    diff = tmp_path / "diff.csv"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(diff_row)
    diff.write_text(buffer.getvalue(), encoding="utf-8")
    import_paths(graph, [full], "jp-nta")
    summary = import_paths(graph, [diff], "jp-nta")
    assert summary.written["entities"] == 1
    (row,) = graph.read(CLOSURE_OF, uid=f"jp-nta:{alive[1]}")
    assert (str(row["d"]), row["p"]) == ("2024-05-01", "21")
    again = import_paths(graph, [diff], "jp-nta")
    assert again.written["entities"] == 0


def test_bad_file_imports_nothing(graph, tmp_path: Path) -> None:
    path = tmp_path / "nta.csv"
    path.write_text(
        '1,1180301018771,01,0,2015-11-13,2015-10-05,"トヨタ自動車株式会社",,301,"愛知県","豊田市","x",,23,211,4710826,,,,,,,2015-10-05\n'
        '2,1180301018772,01,0,2015-11-13,2015-10-05,"X",,301,"愛知県","豊田市","x",,23,211,4710826,,,,,,,2015-10-05\n'
    )
    with pytest.raises(InvalidData) as caught:
        import_paths(graph, [path], "jp-nta")
    assert f"{path}:2: corporateNumber (column 2)" in str(caught.value)
    assert graph.read(ENTITY_COUNT)[0]["n"] == 0


def test_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    """A prefecture file of a million rows must not be held: reading 20,000 synthetic rows
    peaks under 3 MiB (the last-row index is 9 bytes a row); holding their records would take
    tens of megabytes."""
    import tracemalloc

    from ownership.identifiers import jp_corporate_number

    path = tmp_path / "13_tokyo_all.csv"
    with open(path, "w", encoding="utf-8") as handle:
        for n in range(20_000):
            number = jp_corporate_number(f"{10000000000 + n:012d}")
            handle.write(
                f'{n + 1},{number},01,0,2015-11-13,2015-10-05,"株式会社{n}",,301,"東京都",'
                f'"千代田区","丸の内{n}",,13,101,1000005,,,,,,,2015-10-05,1,,,,\n'
            )
    tracemalloc.start()
    try:
        count = sum(1 for _ in FORMAT.read(path, "nta", ProblemLog()))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 20_000
    assert peak < 3 * 2**20, f"peak {peak / 2**20:.1f} MiB"


def test_a_chain_through_an_absorbed_company_says_where_it_went(
    graph, tmp_path: Path, make_dataset, run_cli
) -> None:
    """Synthetic NTA rows (valid corporate numbers): A was absorbed by B on 2020-04-01; a
    registry CSV has A owning a Russian company. The chain is still A's (ownership is not
    moved by a merger the registry of shares has not recorded), and it says A merged into B."""
    from conftest import company as registry_company
    from conftest import nta_merger, owns

    from ownership.identifiers import jp_corporate_number

    absorbed, heir = jp_corporate_number("180301000001"), jp_corporate_number("180301000002")
    nta = nta_merger(tmp_path / "nta.csv", absorbed, heir)
    registry = make_dataset(
        [
            registry_company("jp-old", "JP", name="Kyusha K.K.", registration_number=absorbed),
            registry_company("ru-op", "RU", name="Irkutsk Hosting LLC"),
        ],
        [owns("jp-old", "ru-op", 60, start_date="2019-01-01")],
    )
    import_paths(graph, [nta], "jp-nta")
    import_paths(graph, [registry], "registry")
    result = run_cli("chains", "--from-country", "JP", "--to-country", "RU", "--format", "json")
    assert result.exit_code == 0, result.output
    (chain,) = json.loads(result.output)
    assert chain["effective_share"] == 60  # succession changes no share
    (link,) = chain["entities"][0]["merged_into"]
    assert (link["name"], link["identifier"], link["date"]) == (
        "新社株式会社",
        f"reg:JP:{heir}",
        "2020-04-01",
    )
    assert "merged_into" not in chain["entities"][1]
    table = run_cli("chains", "--from-country", "JP", "--to-country", "RU").output
    assert "merged into 新社株式会社 on 2020-04-01" in table

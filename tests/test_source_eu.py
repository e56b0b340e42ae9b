"""The EU sanctions annex importer (``ownership.sources.eu_sanctions``): real annex, hostile input.

Counts asserted on the real file are computed here with the plain ``csv`` module or were checked
by hand, never taken from the importer:

    F=eu_reg_269-2014_consolidated_opensanctions.csv
    awk -F, 'NR>1 && $1=="32014R0269"' $F | wc -l   -> 2802 rows
    grep -c ',I.PERSONS,' $F                          -> 1984
    grep -c ',I.ENTITIES,' $F                         -> 818
    grep -c 'Garantex' $F                             -> 1 (entry I.ENTITIES 541, 24.2.2025)
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
from pathlib import Path

import pytest

from ownership.problems import ProblemLog
from ownership.records import Entity, Sanction
from ownership.sources.eu_sanctions import FORMAT, numbers, program_of, split_names

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
ANNEX = REAL / "sanctions" / "eu_reg_269-2014_consolidated_opensanctions.csv"
SDN = REAL / "sanctions" / "ofac_sdn_2024-05-03.csv"
ID = "eu-32014R0269-"


def read(path: Path) -> tuple[list, ProblemLog]:
    problems = ProblemLog()
    return list(FORMAT.read(path, "src", problems)), problems


@pytest.fixture(scope="module")
def annex() -> tuple[list, ProblemLog]:
    if not ANNEX.is_file():
        pytest.skip(f"real EU annex sample absent: {ANNEX} (shared data folder not mounted)")
    return read(ANNEX)


@pytest.fixture(scope="module")
def entities(annex) -> dict[str, Entity]:
    return {r.id: r for r in annex[0] if isinstance(r, Entity)}


@pytest.fixture(scope="module")
def sanctions(annex) -> dict[str, Sanction]:
    return {r.entity_id: r for r in annex[0] if isinstance(r, Sanction)}


# -- the real annex ----------------------------------------------------------------------------


@pytest.mark.real_data
def test_real_annex_counts_match_a_plain_csv_count(annex, entities, sanctions):
    records, problems = annex
    assert not problems.problems, [str(p) for p in problems.problems[:5]]
    with open(ANNEX, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2802
    subjects = {(r["annex"], r["recordId"]) for r in rows}
    schemas = collections.Counter(r["schema"] for r in rows)
    assert schemas == {"Person": 1984, "LegalEntity": 622, "Company": 196}
    assert len(entities) == len(subjects) == len(sanctions)
    kinds = collections.Counter(e.kind for e in entities.values())
    assert kinds == {"person": schemas["Person"], "company": len(rows) - schemas["Person"]}
    assert {s.program for s in sanctions.values()} == {"269/2014"}
    assert {s.authority for s in sanctions.values()} == {"EU"}
    # Every subject with a startDate has it as listed_on (one real entry has none).
    dated = {(r["annex"], r["recordId"]) for r in rows if r["startDate"]}
    assert sum(s.listed_on is not None for s in sanctions.values()) == len(dated) == 2801


@pytest.mark.real_data
def test_known_entries(entities, sanctions):
    first = entities[ID + "I.PERSONS-1"]
    assert (first.kind, first.name) == ("person", "Sergey Valeryevich AKSYONOV")
    # "Sergei Valerievich AKSENOV (Сергей Валерьевич АКСЁНОВ); Serhiy … (Сергiй …)": 4 names.
    assert "Сергей Валерьевич АКСЁНОВ" in first.aliases and len(first.aliases) == 4
    assert sanctions[first.id].listed_on == dt.date(2014, 3, 17)
    assert sanctions[first.id].extra["reason"].startswith("Sergey Aksyonov was elected")

    garantex = entities[ID + "I.ENTITIES-541"]
    assert (garantex.name, garantex.kind, garantex.jurisdiction) == ("Garantex", "company", "RU")
    assert sanctions[garantex.id].listed_on == dt.date(2025, 2, 24)

    # innCode 9729299794, ogrnCode "1207700324941, KPP 772901001" (line 2027).
    stroygaz = entities[ID + "I.ENTITIES-45"]
    assert {"inn:9729299794", "reg:RU:1207700324941"} <= set(stroygaz.identifiers)
    # Grouped digits: innCode "1 402 015 986", ogrnCode "1 121 402 000 213" (line 2031).
    berkakit = entities[ID + "I.ENTITIES-49"]
    assert {"inn:1402015986", "reg:RU:1121402000213"} <= set(berkakit.identifiers)
    assert "lei:6556009FCJ7O8QPFTC19" in entities[ID + "I.ENTITIES-692"].identifiers

    nightwolves = entities[ID + "I.ENTITIES-103"]  # the one entry without a startDate
    assert sanctions[nightwolves.id].listed_on is None
    assert nightwolves.extra["incorporation_date_text"] == "1989"  # a year is not a date

    # A Ukrainian personal tax number (10 digits) is never taken for a Russian INN.
    siguta = [e for e in entities.values() if e.name == "Andrey Leonidovich SIGUTA"]
    assert siguta and not any(i.startswith("inn:") for i in siguta[0].identifiers)


@pytest.mark.real_data
def test_detect_and_read_twice(tmp_path):
    if not ANNEX.is_file():
        pytest.skip(f"real EU annex sample absent: {ANNEX}")
    assert FORMAT.detect(ANNEX)
    if SDN.is_file():
        assert not FORMAT.detect(SDN)
    assert not FORMAT.detect(tmp_path)
    small = tmp_path / "annex.csv"
    with open(ANNEX, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[:40]
    with open(small, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    problems = ProblemLog()
    first = list(FORMAT.read(small, "src", problems))
    assert first == list(FORMAT.read(small, "src", problems)) and not problems
    assert len(first) == 2 * 39


# -- hostile and edge-case input -----------------------------------------------------------------

HEADER = [
    "celex",
    "recordId",
    "programKey",
    "annex",
    "startDate",
    "schema",
    "name",
    "alias",
    "innCode",
    "ogrnCode",
    "taxNumber",
    "registrationNumber",
    "nationality",
    "address",
]


def row(
    record_id: str, name: str, annex: str = "I.ENTITIES", schema: str = "LegalEntity", **fields: str
) -> list[str]:
    values = {
        "celex": "32014R0269",
        "recordId": record_id,
        "programKey": "EU-UKR",
        "annex": annex,
        "startDate": "8.4.2022",
        "schema": schema,
        "name": name,
        **fields,
    }
    return [values.get(column, "") for column in HEADER]


def write(tmp_path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    path = tmp_path / "annex.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_rows_of_one_entry_become_one_entity(tmp_path):
    path = write(
        tmp_path,
        [
            row("7", "OOO Alpha", alias="ООО Альфа", innCode="3805731961", startDate="9.3.2022"),
            row("8", "Beta JSC"),
            row("7", "Alpha LLC", ogrnCode="1 173 850 041 749", startDate="23.2.2022"),
            row(
                "7",
                "Ivan IVANOV",
                annex="I.PERSONS",
                schema="Person",
                nationality="Russian, Ukrainian",
            ),
        ],
    )
    records, problems = read(path)
    assert not problems
    ents = {r.id: r for r in records if isinstance(r, Entity)}
    assert set(ents) == {ID + "I.ENTITIES-7", ID + "I.ENTITIES-8", ID + "I.PERSONS-7"}
    alpha = ents[ID + "I.ENTITIES-7"]
    assert alpha.name == "OOO Alpha" and alpha.aliases == ("ООО Альфа", "Alpha LLC")
    assert set(alpha.identifiers) == {
        "eu:32014R0269:I.ENTITIES:7",
        "inn:3805731961",
        "reg:RU:1173850041749",
    }
    [sanction] = [r for r in records if isinstance(r, Sanction) and r.entity_id == alpha.id]
    assert sanction.listed_on == dt.date(2022, 2, 23)  # the earliest of the entry's rows
    assert ents[ID + "I.PERSONS-7"].jurisdiction is None  # two nationalities: not one country
    # Each entity comes before its sanction, so the loader can attach it.
    seen: set[str] = set()
    for record in records:
        if isinstance(record, Entity):
            seen.add(record.id)
        else:
            assert record.entity_id in seen


def test_wrong_column_count_undecodable_bytes_and_bad_fields_each_reported(tmp_path):
    path = write(
        tmp_path,
        [
            row("1", "Good One"),
            row("2", "Short")[:5],  # line 3
            row("3", "Bad startDate", startDate="2022-04-08"),  # line 4
            row("4", "Odd schema", schema="Spaceship"),  # line 5
            row("", "No id"),  # line 6
            row("6", "Bytes PLACEHOLDER"),  # line 7
        ],
    )
    path.write_bytes(path.read_bytes().replace(b"PLACEHOLDER", b"\xff\xfe"))
    records, problems = read(path)
    found = {(p.line, p.field) for p in problems.problems}
    assert found == {(3, None), (4, "startDate"), (5, "schema"), (6, "recordId"), (7, None)}
    assert all(p.file == str(path) for p in problems.problems)
    assert [r.name for r in records if isinstance(r, Entity)] == ["Good One"]


def test_unclosed_quote_missing_columns_and_empty_files_do_not_raise(tmp_path):
    path = write(tmp_path, [row("1", "Good One"), row("2", "Open")])
    path.write_bytes(path.read_bytes().replace(b",Open,", b',"Open,'))
    records, problems = read(path)
    [problem] = problems.problems
    assert (problem.line, "unclosed quote" in problem.message) == (3, True)
    assert len([r for r in records if isinstance(r, Entity)]) == 1

    no_schema = write(tmp_path, [["1", "x"]], header=["recordId", "name"])
    fields = {p.field for p in read(no_schema)[1].problems}
    assert fields == {"schema", "annex"}
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert read(empty)[1].problems and not FORMAT.detect(empty)
    assert read(tmp_path / "missing.csv")[1].problems[0].message.startswith("cannot read")


def test_helpers():
    assert program_of("32014R0269") == "269/2014" and program_of("EU-UKR") is None
    assert numbers("1207700324941, KPP 772901001", (13,)) == ["1207700324941"]
    assert numbers("1 121 402 000 213", (13,)) == ["1121402000213"]
    assert split_names("Ivan PETROV (Иван ПЕТРОВ); JSC ‘Alpha (Group)’") == [
        "Ivan PETROV",
        "Иван ПЕТРОВ",
        "JSC ‘Alpha (Group)’",
    ]

"""The OFAC SDN CSV importer (``ownership.sources.ofac``): the real list, hostile input, a graph.

Counts asserted on the real file are computed here with the plain ``csv`` module or were checked
by hand with grep, never taken from the importer:

    grep -c '^[0-9]' ofac_sdn_2024-05-03.csv                 -> 14965 rows
    grep -c ',"individual",' ofac_sdn_2024-05-03.csv         -> 6854
    grep -c ',"vessel",' / ',"aircraft",'                    -> 851 / 376
    grep -o 'Linked To: ' ofac_sdn_2024-05-03.csv | wc -l    -> 6375
    grep -c 'Linked To: BITRIVER AG\\.' ofac_sdn_2024-05-03.csv -> 10
    grep -o '\\] \\[' ofac_sdn_2024-05-03.csv | wc -l          -> 2417 (extra programs: 14965 + 2417
                                                                 = 17382 sanctions)
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
from pathlib import Path

import pytest

import ownership.sources
from ownership.cypher import Query
from ownership.loader import import_paths
from ownership.problems import ProblemLog
from ownership.records import Entity, Officer, Ownership, Sanction
from ownership.sources.ofac import FORMAT

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
SDN = REAL / "sanctions" / "ofac_sdn_2024-05-03.csv"
EU = REAL / "sanctions" / "eu_reg_269-2014_consolidated_opensanctions.csv"

needs_sdn = pytest.mark.skipif(
    not SDN.is_file(), reason=f"real OFAC sample absent: {SDN} (shared data folder not mounted)"
)


def read(path: Path) -> tuple[list, ProblemLog]:
    problems = ProblemLog()
    return list(FORMAT.read(path, "src", problems)), problems


def of_type(records: list, kind: type) -> list:
    return [r for r in records if isinstance(r, kind)]


@pytest.fixture(scope="module")
def sdn() -> tuple[list, ProblemLog]:
    """The whole real list, parsed once for the module (no database)."""
    if not SDN.is_file():
        pytest.skip(f"real OFAC sample absent: {SDN}")
    return read(SDN)


@pytest.fixture(scope="module")
def entities(sdn) -> dict[str, Entity]:
    return {e.id: e for e in of_type(sdn[0], Entity)}


# -- the real list ---------------------------------------------------------------------------


@pytest.mark.real_data
@needs_sdn
def test_real_list_counts_match_a_plain_csv_count(sdn):
    records, problems = sdn
    assert not problems.problems, [str(p) for p in problems.problems[:5]]
    # Independent count: the csv module over the raw file (the last line is the DOS EOF byte).
    with open(SDN, encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.reader(handle) if len(r) == 12]
    types = collections.Counter(r[2].strip() for r in rows)
    assert len(rows) == 14965
    assert types == {"-0-": 6884, "individual": 6854, "vessel": 851, "aircraft": 376}
    programs = sum(len(r[3].split("] [")) for r in rows)
    linked = sum(r[11].count("Linked To: ") for r in rows)
    assert (programs, linked) == (17382, 6375)  # as grep says (module docstring)

    ents = of_type(records, Entity)
    assert len(ents) == len(rows)
    kinds = collections.Counter(e.kind for e in ents)
    assert kinds == {"person": types["individual"], "company": len(rows) - types["individual"]}
    tags = collections.Counter(t for e in ents for t in e.tags if t in ("vessel", "aircraft"))
    assert tags == {"vessel": types["vessel"], "aircraft": types["aircraft"]}
    assert len(of_type(records, Sanction)) == programs
    # Every "Linked To" becomes exactly one of: control edge, officer edge, or a kept name.
    kept = sum(len(e.extra.get("linked_to", [])) for e in ents)
    edges = len(of_type(records, Ownership)) + len(of_type(records, Officer))
    assert edges + kept == linked
    assert all(e.identifiers[0] == f"ofac:{e.id.removeprefix('ofac-')}" for e in ents)


@pytest.mark.real_data
@needs_sdn
def test_bitriver_ag_controls_its_russian_subsidiaries(sdn, entities):
    records, _ = sdn
    bitriver = entities["ofac-36456"]
    assert bitriver.name == "BITRIVER AG" and bitriver.kind == "company"
    assert "RUSSIA-EO14024" in bitriver.tags
    assert bitriver.incorporation_date == dt.date(2021, 4, 14)  # "Organization Established Date"
    assert bitriver.jurisdiction == "CH"
    [sanction] = [s for s in of_type(records, Sanction) if s.entity_id == bitriver.id]
    assert (sanction.authority, sanction.program, sanction.listed_on) == (
        "OFAC",
        "RUSSIA-EO14024",
        None,
    )

    # grep 'Linked To: BITRIVER AG\.' finds 10 rows (ent_num 36457-36458, 36465-36472).
    with open(SDN, encoding="utf-8", newline="") as handle:
        linked = {f"ofac-{r[0]}" for r in csv.reader(handle) if "Linked To: BITRIVER AG." in r[-1]}
    assert len(linked) == 10
    edges = [o for o in of_type(records, Ownership) if o.owner_id == bitriver.id]
    assert {o.owned_id for o in edges} == linked
    for edge in edges:
        assert (edge.kind, edge.interest_type, edge.share) == ("control", "ofac-linked-to", None)
        assert entities[edge.owned_id].jurisdiction == "RU"


@pytest.mark.real_data
@needs_sdn
def test_identifiers_dates_and_aliases_from_remarks(entities):
    rus = entities["ofac-36458"]  # OOO BITRIVER RUS
    # Remarks: "Tax ID No. 3805731961 (Russia); Registration Number 1173850041749 (Russia)"
    assert "inn:3805731961" in rus.identifiers
    assert "reg:RU:1173850041749" in rus.identifiers
    assert rus.registration_number == "1173850041749"
    assert rus.incorporation_date == dt.date(2017, 11, 15)

    garantex = entities["ofac-36025"]
    assert garantex.name == "GARANTEX EUROPE OU"
    assert "RUSSIA-EO14024" in garantex.tags
    assert "reg:EE:14850239" in garantex.identifiers  # "Business Registration Number … (Estonia)"

    assert entities["ofac-306"].aliases == ("BNC",)  # BANCO NACIONAL DE CUBA, "a.k.a. 'BNC'."
    vessel = entities["ofac-4238"]  # MAR AZUL, a Cuban tug
    assert vessel.kind == "company" and "vessel" in vessel.tags and vessel.jurisdiction == "CU"
    assert vessel.extra["vessel_owner"] == "Samir de Navegacion S.A."


@pytest.mark.real_data
@needs_sdn
def test_unresolvable_links_are_kept_not_errors(sdn, entities):
    # Rosneft is on the sectoral (SSI) list, not the SDN list: nothing in the file to link to.
    rosneft_linked = [
        e
        for e in entities.values()
        if "OPEN JOINT-STOCK COMPANY ROSNEFT OIL COMPANY" in e.extra.get("linked_to", [])
    ]
    assert rosneft_linked
    # A person linked to a company acts for it: an officer edge, not ownership of a person.
    officers = of_type(sdn[0], Officer)
    assert officers and all(entities[o.person_id].kind == "person" for o in officers)
    assert all(entities[o.company_id].kind == "company" for o in officers)
    owned = {o.owned_id for o in of_type(sdn[0], Ownership)}
    assert all(entities[i].kind == "company" for i in owned)


@pytest.mark.real_data
@needs_sdn
def test_detect_and_read_twice(tmp_path):
    assert FORMAT.detect(SDN)
    if EU.is_file():
        assert not FORMAT.detect(EU)
    assert not FORMAT.detect(tmp_path)
    small = tmp_path / "sdn.csv"
    with open(SDN, "rb") as handle:
        small.write_bytes(b"".join(line for _, line in zip(range(50), handle, strict=False)))
    problems = ProblemLog()
    first = list(FORMAT.read(small, "src", problems))
    assert first == list(FORMAT.read(small, "src", problems)) and not problems


# -- hostile input -----------------------------------------------------------------------------


def sdn_row(
    ent: int, name: str, sdn_type: str = "-0- ", program: str = "SDGT", remarks: str = "-0- "
) -> str:
    """One row the way OFAC writes it."""
    quoted = sdn_type if sdn_type.startswith("-0-") else f'"{sdn_type}"'
    text = f'"{remarks}"' if remarks != "-0- " else remarks
    empty = ",".join(["-0- "] * 7)
    return f'{ent},"{name}",{quoted},"{program}",{empty},{text}\r\n'


def write(tmp_path: Path, *lines: str | bytes) -> Path:
    path = tmp_path / "sdn.csv"
    path.write_bytes(b"".join(x if isinstance(x, bytes) else x.encode() for x in lines))
    return path


def test_wrong_column_count_undecodable_bytes_and_bad_fields_each_reported(tmp_path):
    path = write(
        tmp_path,
        sdn_row(1, "ALPHA LTD"),
        '2,"SHORT ROW",-0- ,"SDGT"\r\n',  # line 2: 4 fields
        sdn_row(3, "BAD\xff BYTES").encode("latin-1"),  # line 3: not UTF-8
        sdn_row(4, "NOT A NUMBER").replace("4,", "4x,", 1),  # line 4
        sdn_row(5, "ODD TYPE", sdn_type="spaceship"),  # line 5
        sdn_row(1, "DUPLICATE"),  # line 6
        sdn_row(7, "OMEGA LTD", remarks="Linked To: ALPHA LTD."),
        "\x1a",  # OFAC's DOS end-of-file byte: not a problem
    )
    records, problems = read(path)
    found = {(p.line, p.field) for p in problems.problems}
    assert found == {(2, None), (3, None), (4, "ent_num"), (5, "SDN_Type"), (6, "ent_num")}
    assert all(p.file == str(path) for p in problems.problems)
    assert {e.name for e in of_type(records, Entity)} == {"ALPHA LTD", "OMEGA LTD"}
    [edge] = of_type(records, Ownership)
    assert (edge.owner_id, edge.owned_id) == ("ofac-1", "ofac-7")


def test_unclosed_quote_is_reported_with_its_line(tmp_path):
    at_end = write(tmp_path, sdn_row(1, "ALPHA LTD"), sdn_row(2, "BETA", remarks="DOB 1970"))
    at_end.write_bytes(at_end.read_bytes().replace(b'1970"', b"1970"))
    records, problems = read(at_end)
    [problem] = problems.problems
    assert (problem.file, problem.line) == (str(at_end), 2) and "unclosed quote" in problem.message
    assert [e.name for e in of_type(records, Entity)] == ["ALPHA LTD"]

    # Mid-file, the open field swallows the next line; the problem names the row it began in.
    mid = write(
        tmp_path,
        sdn_row(1, "ALPHA"),
        sdn_row(2, "BETA", remarks="DOB 1970").replace('1970"', "1970"),
        sdn_row(3, "GAMMA"),
    )
    records, problems = read(mid)
    [problem] = problems.problems
    assert problem.line == 2 and "quote" in problem.message and "line 3" in problem.message
    assert [e.name for e in of_type(records, Entity)] == ["ALPHA"]


def test_stray_quote_mid_file_stops_with_a_problem(tmp_path):
    path = write(tmp_path, sdn_row(1, "ALPHA"), sdn_row(2, 'BE"TA'), sdn_row(3, "GAMMA"))
    records, problems = read(path)
    assert [(p.line, "quote" in p.message) for p in problems.problems] == [(2, True)]


def test_binary_empty_and_missing_files_do_not_raise(tmp_path):
    binary = write(tmp_path, "1,\x00\x00\r\n")
    assert "NUL" in read(binary)[1].problems[0].message
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    records, problems = read(empty)
    assert records == [] and problems.problems and not FORMAT.detect(empty)
    assert read(tmp_path / "missing.csv")[1].problems[0].message.startswith("cannot read")
    assert read(tmp_path)[1].problems  # a folder


def test_links_resolve_by_case_folded_name_and_ambiguity_is_kept(tmp_path):
    path = write(
        tmp_path,
        sdn_row(1, "TWIN LTD"),
        sdn_row(2, "TWIN LTD."),  # the same name once punctuation is stripped: ambiguous
        sdn_row(3, "Parent Holding, Inc."),
        sdn_row(4, "CHILD LLC", remarks="Linked To: TWIN LTD; Linked To: PARENT HOLDING, INC."),
        sdn_row(5, "DOE, John", sdn_type="individual", remarks="Linked To: CHILD LLC."),
        sdn_row(6, "DOE, Jane", "individual", remarks="a.k.a. 'JJ'; Linked To: DOE, John."),
    )
    records, problems = read(path)
    assert not problems
    ents = {e.id: e for e in of_type(records, Entity)}
    [edge] = of_type(records, Ownership)
    assert (edge.owner_id, edge.owned_id, edge.kind) == ("ofac-3", "ofac-4", "control")
    assert ents["ofac-4"].extra["linked_to"] == ["TWIN LTD"]
    [officer] = of_type(records, Officer)
    assert (officer.person_id, officer.company_id) == ("ofac-5", "ofac-4")
    assert officer.role == "ofac-linked-to"
    assert ents["ofac-6"].extra["linked_to"] == ["DOE, John"]  # person to person: no edge type
    assert ents["ofac-6"].aliases == ("JJ", "Jane DOE")


def test_remarks_keys_are_checked_before_they_become_identifiers(tmp_path):
    path = write(
        tmp_path,
        sdn_row(
            1,
            "OOO PRIMER",
            remarks="Organization Established Date 2010; Tax ID No. 3805731962 (Russia); "
            "Registration Number 1173850041749 (Russia); "
            "Legal Entity Number 851683897 (Netherlands); alt. Legal Entity Number "
            "253400V1H6ART1UQ0N98 (Russia).",
        ),
    )
    [entity] = of_type(read(path)[0], Entity)
    assert "reg:RU:1173850041749" in entity.identifiers
    assert "inn:3805731962" not in entity.identifiers  # wrong check digit
    assert entity.extra["unverified_identifiers"] == ["inn:3805731962"]
    assert not any(i.startswith("lei:8516") for i in entity.identifiers)  # not an LEI
    assert entity.incorporation_date is None and entity.extra["established"] == ["2010"]


# -- into the graph ------------------------------------------------------------------------------

CONTROLLED = Query(
    "test_ofac_controlled",
    "MATCH (:Entity {uid: $uid})-[r:OWNS]->(s:Entity) RETURN s.uid AS uid, r.kind AS kind",
    "test",
)


@pytest.mark.real_data
@needs_sdn
def test_bitriver_slice_imports_as_control_edges(graph, tmp_path, monkeypatch):
    monkeypatch.setitem(ownership.sources.FORMATS, FORMAT.name, FORMAT)
    with open(SDN, "rb") as handle:
        lines = [ln for ln in handle if b'"BITRIVER AG"' in ln or b"Linked To: BITRIVER AG." in ln]
    assert len(lines) == 11
    path = tmp_path / "sdn_bitriver.csv"
    path.write_bytes(b"".join(lines))

    summary = import_paths(graph, [path], "ofac")  # format detected
    assert summary.formats == ["ofac"]
    assert summary.read == {"entities": 11, "sanctions": 11, "ownership": 10}
    rows = graph.read(CONTROLLED, uid="ofac:ofac-36456")
    assert len(rows) == 10 and {r["kind"] for r in rows} == {"control"}
    assert "ofac:ofac-36458" in {r["uid"] for r in rows}

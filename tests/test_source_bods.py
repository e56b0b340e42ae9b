"""The BODS importer: real 0.4 and 0.2 samples, counts checked by hand, and hostile input.

Expected counts were computed outside the importer, with jq over the sample files:

    jq: distinct recordIds of entity/person records per file -> entities;
        latest statement (max statementDate, then file order) of each relationship record with a
        string interestedParty; each interest (a relationship with none counts as one unknown
        interest) -> ownership if shareholding/votingRights or held by an entity, otherwise an
        officer role of the person.

and then by reading each file (see the comments on PER_FILE).
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from ownership import sources
from ownership.cypher import Query
from ownership.loader import import_paths, validate
from ownership.problems import InvalidData, ProblemLog
from ownership.records import Entity, Officer, Ownership
from ownership.sources import bods, uk_psc
from ownership.sources.bods import FORMAT

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
V04 = REAL / "bods" / "data-standard_examples_v0.4"
V02 = REAL / "bods" / "bodspipelines_gleif_to_bods_0.2"

# (entities, ownership edges, officer roles) per 0.4 example file.
PER_FILE = {
    "bods-package-annotations.json": (2, 1, 0),  # relationship with no interests: 1 control edge
    "bods-package-entity-owning-entity.json": (2, 1, 0),
    "bods-package-fi-soe.json": (4, 5, 0),  # 4 shareholdings + state's otherInfluenceOrControl
    "bods-package-linking-annotations.json": (2, 1, 0),
    "bods-package.json": (2, 1, 0),
    "fermcat.json": (4, 3, 2),  # 23 statements of 4 people/entity records and 3 relationships
    "full-pep-declaration.json": (2, 2, 0),  # shareholding + votingRights
    "indirect-ownership.json": (3, 2, 1),  # the component person->B link has no interest type
    "joint-ownership.json": (4, 3, 0),
    "levent.json": (4, 0, 4),  # trustee, settlor + trustee, beneficiary: all officer roles
    "listed-company-exempt-from-disclosure.json": (1, 0, 0),  # unspecified party: skipped
    "mixed-direct-and-indirect-ownership.json": (3, 3, 1),
    "multiple-indirect-ownership.json": (4, 3, 2),
    "multiple-tax-residencies.json": (2, 1, 0),
    "mutilple-indirect-ownership-2.json": (4, 3, 2),
    "nomination.json": (4, 1, 3),  # boardMember held by the nomination arrangement: control
    "plc-entity-statement.json": (1, 0, 0),
    "simple-pep-declaration.json": (2, 2, 0),
    "tecido.json": (3, 4, 1),  # latest statements only: 2 relationships, 3 + 2 interests
}


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"real-data sample {path} is absent (see shared/data/real/README.md)")
    return path


def read(path: Path) -> tuple[list, ProblemLog]:
    problems = ProblemLog()
    return list(FORMAT.read(path, "src", problems)), problems


def counts(records: list) -> tuple[int, int, int]:
    kinds = Counter(type(r) for r in records)
    return kinds[Entity], kinds[Ownership], kinds[Officer]


def by_id(records: list) -> dict[str, object]:
    return {r.id if isinstance(r, Entity) else r.provenance.record_id: r for r in records}


def write_json(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value, indent=2), encoding="utf-8")
    return path


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The format is not registered by the project yet: make ``validate`` find it."""
    monkeypatch.setitem(sources.FORMATS, FORMAT.name, FORMAT)


# -- real 0.4 examples -----------------------------------------------------------------------


@pytest.mark.real_data
def test_v04_examples_give_the_counted_records_and_no_problems():
    need(V04)
    assert sorted(p.name for p in V04.glob("*.json")) == sorted(PER_FILE)
    totals = [0, 0, 0]
    for name, expected in PER_FILE.items():
        records, problems = read(V04 / name)
        assert problems.problems == [], name
        assert counts(records) == expected, name
        totals = [a + b for a, b in zip(totals, expected, strict=True)]
    assert totals == [53, 36, 16]  # the jq totals over the 19 files


@pytest.mark.real_data
def test_v04_entity_and_person_values():
    records, _ = read(need(V04 / "plc-entity-statement.json"))
    [plc] = records
    assert plc.kind == "company" and plc.name == "AstraZeneca PLC"
    assert plc.id == "70044236"  # the recordId, not the statementId
    assert plc.jurisdiction == "GB"
    assert set(plc.identifiers) == {"reg:GB:02723534", "lei:PY6ZZQWO2IZFZC3IOL08"}
    assert plc.registration_number == "02723534"
    assert str(plc.incorporation_date) == "1992-06-17"
    assert plc.extra["publicly_listed"] is True

    people = by_id(read(need(V04 / "bods-package.json"))[0])
    person = people["10478c6cf6de"]
    assert person.kind == "person" and person.name == "Jennifer Hewitson-Smith"
    assert person.jurisdiction == "GB" and person.aliases == ("Jenny Hewitson-Smith",)
    assert person.address == "76 York Road Bournemouth, BH81 3LO, GB"

    tecido = by_id(read(need(V04 / "tecido.json"))[0])["01B68D7633"]
    assert tecido.jurisdiction == "US" and tecido.extra["jurisdiction_code"] == "US-DE"


@pytest.mark.real_data
def test_v04_share_bands_keep_exclusive_bounds():
    edges = by_id(read(need(V04 / "bods-package-entity-owning-entity.json"))[0])
    edge = edges["0f31559c6eec#shareholding#1"]  # {"minimum": 75, "exclusiveMaximum": 100}
    assert (edge.owner_id, edge.owned_id) == ("e83cce729ada", "12b7dd0770ce")  # MVJ owns JENEX
    assert (edge.share, edge.share_min, edge.share_max) == (None, 75, 100)
    assert edge.extra["share_max_exclusive"] is True and "share_min_exclusive" not in edge.extra
    assert edge.kind == "shareholding" and edge.interest_type == "shareholding" and edge.direct

    edges = by_id(read(need(V04 / "bods-package-linking-annotations.json"))[0])
    edge = edges["331342ec3940#shareholding#1"]  # {"exclusiveMinimum": 25, "exclusiveMaximum": 50}
    assert (edge.share_min, edge.share_max) == (25, 50)
    assert edge.extra["share_min_exclusive"] and edge.extra["share_max_exclusive"]
    assert edge.direct is None  # no directOrIndirect given


@pytest.mark.real_data
def test_v04_latest_statement_wins_and_closed_records_end_their_edges():
    records, _ = read(need(V04 / "fermcat.json"))
    found = by_id(records)
    # rel-3fc02d9b6bdfd5ca: 50% in 2019, updated to 100% on 2022-01-21 (its last statement).
    assert found["rel-3fc02d9b6bdfd5ca#shareholding#1"].share == 100
    assert found["rel-3fc02d9b6bdfd5ca#shareholding#1"].end_date is None
    # rel-b05e7c91e0a04e4f: closed 2021-09-11 with interests ending 2021-04-03.
    closed = found["rel-b05e7c91e0a04e4f#shareholding#1"]
    assert str(closed.end_date) == "2021-04-03" and closed.extra["record_status"] == "closed"
    assert str(found["rel-b05e7c91e0a04e4f#boardMember#1"].end_date) == "2021-04-03"
    assert found["per-5faa4103dee78621"].extra["record_status"] == "closed"
    assert found["per-5faa4103dee78621"].extra["nationalities"] == ["IQ", "IE"]

    found = by_id(read(need(V04 / "tecido.json"))[0])
    # 022EBEB66B closed on 2023-03-03 without an endDate: the closing statement's date ends it.
    for key in (
        "022EBEB66B#shareholding#1",
        "022EBEB66B#votingRights#1",
        "022EBEB66B#boardChair#1",
    ):
        assert str(found[key].end_date) == "2023-03-03", key
    assert found["022EBEB66B#shareholding#1"].share == 30
    assert isinstance(found["022EBEB66B#boardChair#1"], Officer)
    # 02089A4E68: 60% -> 70% -> 80%, the last from 2023-03-01 and still open.
    latest = found["02089A4E68#shareholding#1"]
    assert (latest.share, str(latest.start_date), latest.end_date) == (80, "2023-03-01", None)
    assert found["02089A4E68#votingRights#1"].kind == "voting"


@pytest.mark.real_data
def test_v04_indirect_flag():
    found = by_id(read(need(V04 / "indirect-ownership.json"))[0])
    indirect = found["d8d75ccf40e4#shareholding#1"]
    assert (indirect.owner_id, indirect.owned_id, indirect.share) == (
        "c25d4d612c2c",
        "ad3f6c2fcc9e",
        30,
    )
    assert indirect.direct is False
    assert found["4cf2837bd01f#shareholding#1"].direct is True
    component = found["05e81af035e4#unknownInterest#1"]  # no interest type: unknown interest
    assert isinstance(component, Officer) and component.role == "unknownInterest"

    found = by_id(read(need(V04 / "mixed-direct-and-indirect-ownership.json"))[0])
    first, second = found["f5a45a6daf31#shareholding#1"], found["f5a45a6daf31#shareholding#2"]
    assert (first.direct, str(first.start_date)) == (False, "2017-11-01")
    assert (second.direct, str(second.start_date)) == (True, "2019-05-01")


@pytest.mark.real_data
def test_v04_other_interests_are_officer_roles_or_control_edges():
    found = by_id(read(need(V04 / "levent.json"))[0])
    roles = sorted(r.role for r in found.values() if isinstance(r, Officer))
    assert roles == ["beneficiaryOfLegalArrangement", "settlor", "trustee", "trustee"]
    assert found["81337a6e"].name == "(anonymous person 81337a6e)"  # anonymousPerson, no names

    found = by_id(read(need(V04 / "nomination.json"))[0])
    board = found["107AC1984F#boardMember#1"]  # held by an arrangement (an entity)
    assert isinstance(board, Ownership) and board.kind == "control"
    assert board.interest_type == "boardMember" and board.share is None
    influence = found["108AC1984E#otherInfluenceOrControl#1"]
    assert isinstance(influence, Officer) and influence.role == "otherInfluenceOrControl"

    found = by_id(read(need(V04 / "bods-package-fi-soe.json"))[0])
    state = found["324d0f570675#otherInfluenceOrControl#1"]
    assert state.kind == "control" and state.owner_id == "05ce06ec97b1"


@pytest.mark.real_data
def test_unspecified_parties_are_skipped_without_problems():
    records, problems = read(need(V04 / "listed-company-exempt-from-disclosure.json"))
    assert counts(records) == (1, 0, 0) and not problems
    # 0.2: unknownPerson/unknownEntity statements from GLEIF reporting exceptions, 7 each way.
    records, problems = read(need(V02 / "repex-updates-data2-out.json"))
    assert records == [] and not problems


# -- real 0.2 sample (GLEIF through bodspipelines) -------------------------------------------


@pytest.mark.real_data
def test_v02_entities_identifiers():
    records, problems = read(need(V02 / "lei-data-out.json"))
    assert not problems and counts(records) == (5, 0, 0)  # 5 entityStatements (jq length)
    dentsu = next(r for r in records if r.name == "DENTSU INTERNATIONAL LIMITED")
    # GLEIF's RA000585 is Companies House: the number becomes a GB register key.
    assert set(dentsu.identifiers) == {"lei:213800FERQ5LE3H7WJ58", "reg:GB:01403668"}
    assert dentsu.jurisdiction == "GB" and str(dentsu.incorporation_date) == "1978-12-05"
    fidelity = next(r for r in records if r.id == "04c98917-93f2-bd6d-1c9b-40411dc9b8b3")
    assert fidelity.jurisdiction == "US" and fidelity.extra["jurisdiction_code"] == "US-MA"


@pytest.mark.real_data
def test_v02_folder_resolves_references_across_files(tmp_path: Path):
    for name in ("lei-updates-data2-out.json", "rr-updates-data2-out.json"):
        shutil.copy(need(V02 / name), tmp_path / name)
    records, problems = read(tmp_path)
    assert problems.problems == []
    assert counts(records) == (12, 11, 0)  # jq: 12 entityStatements, 11 ownershipOrControl
    kinds = Counter(r.kind for r in records if isinstance(r, Ownership))
    # details "LEI RelationshipType: IS_{DIRECTLY,ULTIMATELY}_CONSOLIDATED_BY" x7, FUND-MANAGED x4
    assert kinds == {"consolidation": 7, "control": 4}
    [edge] = [
        r
        for r in records
        if isinstance(r, Ownership) and r.provenance.record_id.startswith("458cea07")
    ]
    assert edge.owned_id == "1865157c-c635-bb1b-cebf-9edcf88c7938"  # VÚB Generali d.s.s.
    assert edge.owner_id == "eca994a4-c50a-62b4-1308-9077410ee7b2"  # Všeobecná úverová banka
    assert str(edge.start_date) == "2022-10-24" and edge.direct is None  # interestLevel unknown
    assert edge.interest_type == "otherInfluenceOrControl"  # 0.2 "other-influence-or-control"


@pytest.mark.real_data
def test_v02_dangling_references_are_problems_with_paths(registered):
    path = need(V02 / "rr-data-out.json")
    records, problems = read(path)
    assert records == []
    # 10 relationships whose subject and party are both in no file of the sample: 20 problems.
    assert len(problems.problems) == 20
    first = problems.problems[0]
    assert first.file == str(path) and first.line == 2
    assert first.field == "[0].interestedParty.describedByEntityStatement"
    assert "97e2090a-9a29-3d48-3229-6cf390a8cf55" in first.message
    with pytest.raises(InvalidData):
        validate([path], "src", "bods")
    # Read as one folder, rr-updates finds its entities in lei-updates; rr-data still cannot.
    with pytest.raises(InvalidData) as caught:
        validate([V02], "src", "bods")
    assert len(caught.value.problems) == 20
    assert {p.file for p in caught.value.problems} == {str(path)}


# -- behaviour -------------------------------------------------------------------------------


@pytest.mark.real_data
def test_detect_and_repeatable_read():
    assert FORMAT.detect(need(V04 / "fermcat.json")) and FORMAT.detect(need(V02))
    psc = REAL / "uk_psc" / "psc_snapshot_sample_bods-uk-psc-pipeline.jsonl"
    if psc.exists():
        assert not FORMAT.detect(psc) and not uk_psc.FORMAT.detect(V04 / "fermcat.json")
    first, _ = read(V04 / "tecido.json")
    second, _ = read(V04 / "tecido.json")
    assert first == second


def entity(record_id: str, name: str = "Acme Ltd", **details: object) -> dict:
    return {
        "statementId": f"s-{record_id}",
        "statementDate": "2024-01-01",
        "recordId": record_id,
        "recordType": "entity",
        "recordStatus": "new",
        "recordDetails": {"entityType": {"type": "registeredEntity"}, "name": name, **details},
    }


def person(record_id: str, name: str = "Ann Example") -> dict:
    return {
        "statementId": f"s-{record_id}",
        "statementDate": "2024-01-01",
        "recordId": record_id,
        "recordType": "person",
        "recordDetails": {"personType": "knownPerson", "names": [{"fullName": name}]},
    }


def relationship(record_id: str, subject: str, party: object, *interests: dict) -> dict:
    return {
        "statementId": f"s-{record_id}",
        "statementDate": "2024-01-01",
        "recordId": record_id,
        "recordType": "relationship",
        "recordDetails": {
            "subject": subject,
            "interestedParty": party,
            "interests": list(interests),
        },
    }


def test_jsonlines_work_like_arrays(tmp_path: Path):
    lines = [
        json.dumps(entity("c1")),
        json.dumps(person("p1")),
        json.dumps(
            relationship("r1", "c1", "p1", {"type": "shareholding", "share": {"exact": 40}})
        ),
    ]
    records, problems = read(write_lines(tmp_path / "s.jsonl", lines))
    assert not problems and counts(records) == (2, 1, 0)
    assert FORMAT.detect(tmp_path / "s.jsonl")
    edge = by_id(records)["r1#shareholding#1"]
    assert edge.share == 40 and edge.provenance.line == 3


# -- hostile input ---------------------------------------------------------------------------


def test_truncated_json_array_is_a_problem(tmp_path: Path, registered):
    text = json.dumps([entity("c1"), person("p1"), relationship("r1", "c1", "p1")], indent=2)
    path = tmp_path / "cut.json"
    third = text.index('"recordId": "r1"')
    path.write_text(text[: third + 30], encoding="utf-8")  # the file ends inside element [2]
    records, problems = read(path)
    [problem] = problems.problems
    assert problem.file == str(path) and problem.line is not None and problem.line > 1
    assert problem.field == "[2]" and "truncated" in problem.message
    with pytest.raises(InvalidData):
        validate([path], "src", "bods")


def test_json_line_that_is_not_an_object_or_not_json(tmp_path: Path, registered):
    path = write_lines(
        tmp_path / "bad.jsonl",
        [json.dumps(entity("c1")), '["a", "list"]', '{"recordId": "x", "recordType": ', "42"],
    )
    records, problems = read(path)
    assert counts(records) == (1, 0, 0)
    assert [(p.line, p.field) for p in problems.problems] == [(2, None), (3, None), (4, None)]
    assert "must be a JSON object, not a list" in problems.problems[0].message
    assert "not valid JSON" in problems.problems[1].message
    with pytest.raises(InvalidData) as caught:
        validate([path], "src", "bods")
    assert len(caught.value.problems) == 3


def test_relationship_to_an_unknown_statement(tmp_path: Path, registered):
    path = write_json(
        tmp_path / "ghost.json",
        [
            entity("c1"),
            relationship("r1", "ghost-company", "c1"),
            relationship("r2", "c1", "ghost"),
        ],
    )
    records, problems = read(path)
    assert counts(records) == (1, 0, 0)
    fields = [p.field for p in problems.problems]
    assert fields == ["[1].recordDetails.subject", "[2].recordDetails.interestedParty"]
    assert "'ghost-company' is not the id of any statement" in problems.problems[0].message
    with pytest.raises(InvalidData):
        validate([path], "src", "bods")

    lines = write_lines(tmp_path / "ghost.jsonl", [json.dumps(relationship("r1", "nope", "c1"))])
    _, problems = read(lines)
    assert {(p.line, p.field) for p in problems.problems} == {
        (1, "recordDetails.subject"),
        (1, "recordDetails.interestedParty"),
    }


def test_share_of_150_percent(tmp_path: Path, registered):
    path = write_json(
        tmp_path / "share.json",
        [
            entity("c1"),
            person("p1"),
            relationship("r1", "c1", "p1", {"type": "shareholding", "share": {"exact": 150}}),
        ],
    )
    records, problems = read(path)
    assert counts(records) == (2, 0, 0)
    [problem] = problems.problems
    assert problem.field == "[2].recordDetails.interests[0].share.exact"
    assert problem.message == "150 is outside (0, 100] percent"
    starts = [n for n, text in enumerate(path.read_text().splitlines(), 1) if text == "  {"]
    assert problem.file == str(path) and problem.line == starts[2]  # where element [2] begins
    with pytest.raises(InvalidData):
        validate([path], "src", "bods")


def test_other_bad_values_are_reported_with_paths(tmp_path: Path):
    path = write_json(
        tmp_path / "bad.json",
        [
            entity("c1", jurisdiction={"code": "ZZ"}, foundingDate="2020-02-30"),
            person("p1"),
            relationship(
                "r1",
                "c1",
                "p1",
                {"type": "votingRights", "share": {"minimum": 60, "maximum": 20}},
                {"type": "shareholding", "directOrIndirect": "sideways", "startDate": "2020-13-01"},
            ),
            relationship("r2", "p1", "c1", {"type": "shareholding"}),  # a person cannot be owned
            {**person("c1"), "statementId": "s-x"},  # the company's recordId reused for a person
        ],
    )
    records, problems = read(path)
    fields = {p.field for p in problems.problems}
    assert fields == {
        "[0].recordDetails.jurisdiction.code",
        "[0].recordDetails.foundingDate",
        "[2].recordDetails.interests[0].share",
        "[2].recordDetails.interests[1].directOrIndirect",
        "[2].recordDetails.interests[1].startDate",
        "[3].recordDetails.subject",
        "[4].recordId",
    }
    assert all(p.file == str(path) and p.line for p in problems.problems)
    assert [r.id for r in records if isinstance(r, Entity)] == ["p1"]


def test_empty_and_not_bods(tmp_path: Path):
    empty = tmp_path / "empty.json"
    empty.write_text("  \n", encoding="utf-8")
    _, problems = read(empty)
    assert [p.message for p in problems.problems] == ["empty file: no JSON in it"]
    other = write_json(tmp_path / "other.json", [{"hello": "world"}])
    assert not FORMAT.detect(other)
    _, problems = read(other)
    assert (
        problems.problems[0].field == "[0]"
        and "neither a BODS 0.4 record" in problems.problems[0].message
    )


# -- into the graph --------------------------------------------------------------------------

OWNS = Query(
    "test_bods_owns",
    "MATCH (a:Entity)-[r:OWNS]->(b:Entity) "
    "RETURN a.name AS owner, b.name AS owned, r.share AS share, r.end_date AS end_date "
    "ORDER BY owner, share",
    "test",
)


@pytest.mark.real_data
def test_import_fermcat_into_the_graph(graph, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sources.FORMATS, bods.FORMAT.name, bods.FORMAT)
    path = need(V04 / "fermcat.json")
    summary = import_paths(graph, [path], "bods-test", "bods")
    assert dict(summary.read) == {"entities": 4, "ownership": 3, "officers": 2}
    rows = graph.read(OWNS)
    assert [(r["owner"], r["owned"], r["share"]) for r in rows] == [
        ("Declan Byrne-Amin", "Fermcat Ltd", 50.0),
        ("Patrick O'Donohue", "Fermcat Ltd", 100.0),
        ("Riyadh Byrne-Amin", "Fermcat Ltd", 50.0),
    ]
    ended = {r["owner"]: str(r["end_date"]) if r["end_date"] else None for r in rows}
    assert ended == {
        "Declan Byrne-Amin": "2022-01-21",
        "Patrick O'Donohue": None,
        "Riyadh Byrne-Amin": "2021-04-03",
    }
    again = import_paths(graph, [path], "bods-test", "bods")
    assert sum(again.written.values()) == 0  # same statements, same records: nothing rewritten

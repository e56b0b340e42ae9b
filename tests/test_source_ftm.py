"""The ``ftm`` format: FollowTheMoney JSON lines, on the real KEK sample and on hostile input.

Counts on the real sample are worked out here with plain ``json`` (never with the importer), and
were checked by hand first with::

    jq -r .schema kek_german_media_ownership.ftm.jsonl | sort | uniq -c
    #   2705 Company
    #   2902 Ownership
    grep '"schema": "Ownership"' kek_german_media_ownership.ftm.jsonl | grep -vc '"percentage"'
    #   47
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from pathlib import Path

import pytest

import ownership.sources
from ownership.analysis.stats import graph_stats
from ownership.cypher import Query
from ownership.identifiers import inn10, ogrn
from ownership.loader import import_paths
from ownership.problems import ProblemLog
from ownership.records import Entity, Officer, Ownership, Sanction
from ownership.sources.ftm import FORMAT

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
KEK = REAL / "ftm" / "kek_german_media_ownership.ftm.jsonl"
GLEIF_L1 = REAL / "gleif" / "gleif_api_lei_records.jsonl"

AXEL_SPRINGER_BG = "b4ca1c3b183bdb39e7dde98f10f2c537552ed739"  # line 1
ULLSTEIN = "50ae22b2866bf642240eccc52c5b21ae3cacd64a"  # line 2
CONSTANTIN = "31e6f8a1ff13bdea0e471c08e455f2b4c65f9f41"  # line 759
HIGHLIGHT = "0731db072cc212cbaa434ea514133479548f806a"  # line 761
NRJ = "31f59111fea39673185e9e054f18406de77612a2"  # line 412; holds 1.81 % of itself (line 3483)
SBERBANK_INN = inn10("770708389")  # 7707083893
SBERBANK_OGRN = ogrn("102770013219")  # 1027700132195
SBERBANK_LEI = "549300WE6TAF5EEWQS81"


def needs(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"real-data sample {path} is absent (see ../shared/data/real/README.md)")


def read(path: Path, source: str = "src") -> tuple[list, ProblemLog]:
    problems = ProblemLog()
    return list(FORMAT.read(path, source, problems)), problems


def write_lines(path: Path, entities: list[object]) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for entity in entities:
            handle.write(entity if isinstance(entity, str) else json.dumps(entity))
            handle.write("\n")
    return path


def ftm(id: str, schema: str, **properties: object) -> dict[str, object]:
    props = {k: v if isinstance(v, list) else [v] for k, v in properties.items()}
    return {"id": id, "schema": schema, "properties": props}


def kek_by_hand() -> tuple[Counter[str], int, int]:
    """Schema counts, owner→asset pairs (self-holdings left out) and Ownerships without %."""
    schemas: Counter[str] = Counter()
    pairs = no_percentage = 0
    with open(KEK, encoding="utf-8") as handle:
        for line in handle:
            data = json.loads(line)
            schemas[data["schema"]] += 1
            if data["schema"] == "Ownership":
                props = data["properties"]
                pairs += sum(1 for o in props["owner"] for a in props["asset"] if o != a)
                no_percentage += "percentage" not in props
    return schemas, pairs, no_percentage


# -- the real sample --------------------------------------------------------------------------


@pytest.mark.real_data
def test_kek_sample_counts_match_a_plain_json_count():
    needs(KEK)
    schemas, pairs, no_percentage = kek_by_hand()
    assert schemas == {"Company": 2705, "Ownership": 2902}  # as jq said, see the docstring
    assert (pairs, no_percentage) == (2903, 47)  # 2900 single pairs - 1 self + 2 × 2 cross

    records, problems = read(KEK)
    assert problems.problems == []
    kinds = Counter(type(r).__name__ for r in records)
    assert kinds == {"Entity": schemas["Company"], "Ownership": pairs}
    # Entities first: the loader can write every edge's ends before the edge.
    first_edge = next(i for i, r in enumerate(records) if not isinstance(r, Entity))
    assert first_edge == schemas["Company"]
    # 47 Ownerships carry no percentage; the 2 cross-holdings (4 edges) cannot pair theirs.
    assert sum(1 for r in records if isinstance(r, Ownership) and r.share is None) == 47 + 4


@pytest.mark.real_data
def test_kek_sample_known_values():
    needs(KEK)
    records, _ = read(KEK, "kek")
    entities = {r.id: r for r in records if isinstance(r, Entity)}
    edges = {(r.owner_id, r.owned_id): r for r in records if isinstance(r, Ownership)}

    ullstein = entities[ULLSTEIN]
    assert (ullstein.name, ullstein.kind, ullstein.address) == (
        "Ullstein GmbH",
        "company",
        "Berlin",
    )
    assert ullstein.provenance.line == 2 and ullstein.provenance.source == "kek"
    assert ullstein.extra["ftm_schema"] == "Company"

    first = edges[(AXEL_SPRINGER_BG, ULLSTEIN)]  # line 3
    assert first.share == 100.0 and first.provenance.line == 3
    assert first.provenance.record_id == "b14b23c16cacf228102cc1236aab1b15fc9eea93"
    assert (
        edges[
            ("7b7165a1635f99569df1d79f13a2f9d310c37674", "91b9e6cd735a36c2b0e98da5ea2c86b316fc845e")
        ].share
        == 24.9
    )  # line 1218

    # Line 939: one FtM Ownership holds both directions of a cross-holding (47.3 % and 8.7 %).
    assert entities[CONSTANTIN].name == "Constantin Medien AG"
    assert entities[HIGHLIGHT].name == "Highlight Communications AG"
    for pair in ((CONSTANTIN, HIGHLIGHT), (HIGHLIGHT, CONSTANTIN)):
        edge = edges[pair]
        assert edge.share is None and edge.extra["percentage_text"] == "47.3; 8.7"
        assert edge.provenance.line == 939

    # Line 3483: NRJ Group owns 1.81 % of itself (treasury shares): a fact, not an edge.
    assert (NRJ, NRJ) not in edges
    assert entities[NRJ].name == "NRJ Group S.A."
    assert entities[NRJ].extra["own_shares_percentage"] == "1.81"


@pytest.mark.real_data
def test_kek_read_is_repeatable_and_detected():
    needs(KEK)
    first, _ = read(KEK)
    again, _ = read(KEK)
    assert first == again
    assert FORMAT.detect(KEK)
    if GLEIF_L1.exists():
        assert not FORMAT.detect(GLEIF_L1)
    for csv in (REAL / "sanctions").glob("*.csv"):
        assert not FORMAT.detect(csv)


ENTITY_PROPS = Query(
    "test_ftm_entity_props",
    "MATCH (:Record {uid: $uid})-[:DESCRIBES]->(e:Entity) RETURN properties(e) AS p",
    "test",
)
OWNS_PROPS = Query(
    "test_ftm_owns_props",
    "MATCH (:Record {uid: $a})-[:DESCRIBES]->(:Entity)-[r:OWNS]->(:Entity)"
    "<-[:DESCRIBES]-(:Record {uid: $b}) RETURN properties(r) AS p",
    "test",
)


@pytest.mark.real_data
def test_kek_sample_imports_into_the_graph(graph, monkeypatch):
    needs(KEK)
    monkeypatch.setitem(ownership.sources.FORMATS, FORMAT.name, FORMAT)
    started = time.perf_counter()
    summary = import_paths(graph, [KEK], "kek", fmt="ftm")
    seconds = time.perf_counter() - started
    assert seconds < 60, f"the KEK import took {seconds:.1f} s"
    assert summary.read == {"entities": 2705, "ownership": 2903}
    stats = graph_stats(graph)
    assert stats["nodes"]["Company"] == 2705
    assert stats["relationships"]["OWNS"] == 2903

    [row] = graph.read(ENTITY_PROPS, uid=f"kek:{ULLSTEIN}")
    assert row["p"]["name"] == "Ullstein GmbH"
    [row] = graph.read(OWNS_PROPS, a=f"kek:{AXEL_SPRINGER_BG}", b=f"kek:{ULLSTEIN}")
    assert row["p"]["share"] == 100.0 and row["p"]["source"] == "kek"
    [row] = graph.read(ENTITY_PROPS, uid=f"kek:{NRJ}")
    assert row["p"]["own_shares_percentage"] == "1.81"


# -- mapping, on small hand-made files --------------------------------------------------------


def test_schemata_properties_and_relationships(tmp_path):
    path = write_lines(
        tmp_path / "mixed.ftm.jsonl",
        [
            # Relationships come first: FtM files are not ordered.
            ftm(
                "own1",
                "Ownership",
                owner="p1",
                asset="c1",
                percentage="25,5",
                startDate="2020-02-01",
                endDate="2023",
                ownershipType="beneficial",
            ),
            ftm(
                "dir1",
                "Directorship",
                director="p1",
                organization="c1",
                role="CEO",
                startDate="2019-05",
            ),
            {
                **ftm(
                    "san1",
                    "Sanction",
                    entity="c1",
                    authority="OFAC",
                    program="RUSSIA-EO14024",
                    listingDate="2022-04-20",
                    endDate="2024-01-02",
                ),
                "datasets": ["us_ofac_sdn"],
            },
            {
                **ftm(
                    "c1",
                    "Company",
                    name=["Sberbank", "PAO Sberbank"],
                    alias="Сбербанк",
                    previousName="Sberbank of Russia",
                    weakAlias="SBER",
                    jurisdiction="ru",
                    registrationNumber=SBERBANK_OGRN,
                    innCode=SBERBANK_INN,
                    ogrnCode=SBERBANK_OGRN,
                    leiCode=SBERBANK_LEI,
                    incorporationDate="1991-06-20",
                    address="Vavilova 19, Moscow",
                    topics=["sanction", "fin.bank"],
                ),
                "datasets": ["us_ofac_sdn", "eu_fsf"],
            },
            ftm("p1", "Person", name="Herman Gref", nationality="ru", birthDate="1964"),
            ftm(
                "o1",
                "Organization",
                name="Some Foundation",
                country="gb",
                registrationNumber="01234567",
                incorporationDate="2011",
            ),
            ftm("pb1", "PublicBody", name="Ministry of Finance", country="ru"),
            ftm(
                "le1",
                "LegalEntity",
                name="Vague Holder",
                country="us",
                registrationNumber="4763016",
                leiCode="2138004VFYZFYLELHT93",
            ),
            ftm("pe1", "Person", name="Listed Person", topics="sanction"),
            # Skipped without error: schemata the graph does not hold, and edges to them.
            ftm("addr1", "Address", full="Vavilova 19, Moscow"),
            ftm("note1", "Note", description="a note", entity="c1"),
            ftm("v1", "Vessel", name="Ship", flag="ru"),
            ftm("own2", "Ownership", owner="c1", asset="v1", percentage="100"),
        ],
    )
    records, problems = read(path)
    assert problems.problems == []
    entities = {r.id: r for r in records if isinstance(r, Entity)}
    assert set(entities) == {"c1", "p1", "o1", "pb1", "le1", "pe1"}
    assert {k: e.kind for k, e in entities.items()} == {
        "c1": "company",
        "p1": "person",
        "o1": "company",
        "pb1": "company",
        "le1": "company",
        "pe1": "person",
    }
    kinds = [type(r) for r in records]
    assert kinds.index(Ownership) > max(i for i, k in enumerate(kinds) if k is Entity)

    bank = entities["c1"]
    assert bank.name == "Sberbank" and bank.jurisdiction == "RU"
    assert bank.aliases == ("PAO Sberbank", "Сбербанк", "Sberbank of Russia", "SBER")
    assert set(bank.identifiers) == {
        f"reg:RU:{SBERBANK_OGRN}",
        f"inn:{SBERBANK_INN}",
        f"lei:{SBERBANK_LEI}",
    }
    assert bank.incorporation_date == dt.date(1991, 6, 20)
    assert bank.address == "Vavilova 19, Moscow"
    assert bank.tags == ("sanction", "fin.bank")
    assert entities["p1"].jurisdiction == "RU"  # a person's nationality
    foundation = entities["o1"]
    assert foundation.incorporation_date is None  # "2011" is a year, not a date
    assert foundation.extra["incorporation_date_partial"] == "2011"
    assert foundation.identifiers == ("reg:GB:01234567",)
    vague = entities["le1"]
    assert vague.identifiers == ()  # a US number is not national; the LEI's check digits fail
    assert vague.registration_number == "4763016"
    assert vague.extra["invalid_identifiers"] == ["leiCode:2138004VFYZFYLELHT93"]

    [own] = [r for r in records if isinstance(r, Ownership)]
    assert (own.owner_id, own.owned_id, own.share) == ("p1", "c1", 25.5)
    assert own.start_date == dt.date(2020, 2, 1) and own.end_date is None
    assert own.extra["end_date_partial"] == "2023"
    assert own.interest_type == "beneficial" and own.provenance.line == 1

    [officer] = [r for r in records if isinstance(r, Officer)]
    assert (officer.person_id, officer.company_id, officer.role) == ("p1", "c1", "CEO")
    assert officer.start_date is None and officer.extra["start_date_partial"] == "2019-05"

    sanctions = {r.provenance.record_id: r for r in records if isinstance(r, Sanction)}
    assert set(sanctions) == {"san1", "topic:c1", "topic:pe1"}
    explicit = sanctions["san1"]
    assert (explicit.entity_id, explicit.authority, explicit.program) == (
        "c1",
        "OFAC",
        "RUSSIA-EO14024",
    )
    assert explicit.listed_on == dt.date(2022, 4, 20)
    assert explicit.delisted_on == dt.date(2024, 1, 2)
    assert sanctions["topic:c1"].authority == "us_ofac_sdn; eu_fsf"
    assert sanctions["topic:pe1"].authority == "FtM topics"
    assert sanctions["topic:pe1"].program is None


# -- hostile input ----------------------------------------------------------------------------


def test_hostile_lines_are_problems_with_file_and_line(tmp_path):
    path = write_lines(
        tmp_path / "hostile.ftm.jsonl",
        [
            ftm("c1", "Company", name="Good GmbH"),
            '{"id": "c2", "schema": "Company", "properties": {"name": ["Cut',  # line 2
            ftm("own1", "Ownership", owner="c1", asset="ghost", percentage="10"),  # line 3
            ftm("c3", "Company", name="Other GmbH"),
            ftm("own2", "Ownership", owner="c1", asset="c3", percentage="150"),  # line 5
            ftm("own3", "Ownership", owner="c3", asset="p1"),  # line 6: a person is not owned
            ftm("p1", "Person", name="Someone"),
            ftm("c1", "Company", name="Fragment"),  # line 8: a second line for one id
            {"id": "x", "schema": "Spaceship", "properties": {}},  # line 9
            ftm("c4", "Company", name="Bad Date", incorporationDate="2011-02-30"),  # line 10
            {"id": "c5", "schema": "Company", "properties": {"name": [1]}},  # line 11
            "[1, 2, 3]",  # line 12
            ftm("dir1", "Directorship", director="p1"),  # line 13: no organization
            ftm("own4", "Ownership", owner="c3", asset="c1", percentage="majority"),  # fine
        ],
    )
    records, problems = read(path)
    found = {(p.line, p.field) for p in problems.problems}
    assert found == {
        (2, None),
        (3, "properties.asset"),
        (5, "properties.percentage"),
        (6, "properties.asset"),
        (8, "id"),
        (9, "schema"),
        (10, "properties.incorporationDate"),
        (11, "properties.name"),
        (12, None),
        (13, "properties.organization"),
    }
    assert all(p.file == str(path) for p in problems.problems)
    by_line = {p.line: p.message for p in problems.problems}
    assert "malformed JSON" in by_line[2]
    assert "'ghost' is not an entity in this file" in by_line[3]
    assert "150" in by_line[5] and "(0, 100]" in by_line[5]
    assert "first on line 1" in by_line[8]
    # Every problem is reported once although the file is read three times.
    assert len(problems.problems) == len(found)
    # The good lines are still read; the bad ones are not emitted.
    ids = {r.provenance.record_id for r in records}
    assert {"c1", "c3", "p1", "own4"} <= ids
    assert not {"own1", "own2", "own3", "c4", "c5"} & ids
    [majority] = [r for r in records if r.provenance.record_id == "own4"]
    assert majority.share is None and majority.extra["percentage_text"] == "majority"


def test_unreadable_files_are_problems(tmp_path):
    records, problems = read(tmp_path / "absent.jsonl")
    assert records == [] and problems.problems[0].message == "file not found"

    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b'{"id": "a", "schema": "Company", "properties": {"name": ["\xff"]}}\n')
    records, problems = read(binary)
    assert records == []
    [problem] = problems.problems
    assert problem.line == 1 and "UTF-8" in problem.message

    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    records, problems = read(empty)
    assert records == [] and not problems
    assert not FORMAT.detect(empty)

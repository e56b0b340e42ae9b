"""The ``gleif`` format: API v1 JSON lines, Golden Copy XML and JSON; real samples, hostile input.

Counts on the real samples are worked out in the tests with plain ``json`` and regular
expressions over the raw text, never with the importer. They were checked by hand first::

    wc -l gleif_api_*.jsonl                                  # 94 LEI, 121 relationship, 17 repex
    jq -r '.attributes.relationship | .startNode.id, .endNode.id' \\
        gleif_api_relationship_records.jsonl | sort -u | wc -l          # 84 LEIs named
    grep -c '<lei:LEIRecord ' lei-data.xml                              # 13
    grep -c '<rr:RelationshipRecord ' rr-data.xml rr-updates-data2.xml  # 10, 11
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import pytest

import ownership.sources
from ownership.analysis.stats import graph_stats
from ownership.cypher import Query
from ownership.loader import import_paths
from ownership.problems import ProblemLog
from ownership.records import Entity, Ownership
from ownership.sources.gleif import FORMAT, PLACEHOLDER_PREFIX, gleif_date

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
GLEIF = REAL / "gleif"
API_LEI = GLEIF / "gleif_api_lei_records.jsonl"
API_RR = GLEIF / "gleif_api_relationship_records.jsonl"
API_REPEX = GLEIF / "gleif_api_reporting_exceptions.jsonl"
GOLDEN = GLEIF / "bodspipelines_goldencopy_fixtures"

BRAZIL_SHIPPING = "2138004VFYZFYLELHT92"  # API line 1
PUMA_SEA = "529900TDXM6P1Z03OM28"  # API LEI line 19; child in relationship line 1
PUMA_SE = "529900GRZ2BQY5ZM9N49"  # API LEI line 35; parent of 24 relationships
SHELL = "21380068P1DRHMJ8KU70"  # API LEI line 34; two reporting exceptions
FIDELITY_FUND = "001GPB6A9XPE8XJICC14"  # first record of the Golden Copy fixtures
HUTCHIN_HILL = "004L5FPTUREIWK9T2N63"


def needs(*paths: Path) -> None:
    for path in paths:
        if not path.exists():
            pytest.skip(f"real-data sample {path} is absent (see ../shared/data/real/README.md)")


def read(path: Path, source: str = "src") -> tuple[list, ProblemLog]:
    problems = ProblemLog()
    return list(FORMAT.read(path, source, problems)), problems


def json_lines(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def api_endpoints(path: Path) -> set[str]:
    return {
        node["id"]
        for line in json_lines(path)
        for node in (
            line["attributes"]["relationship"]["startNode"],
            line["attributes"]["relationship"]["endNode"],
        )
    }


def without_provenance(records: list) -> list[dict]:
    rows = []
    for record in records:
        row = asdict(record)
        row.pop("provenance")
        rows.append(row)
    return rows


# -- API v1 JSON lines ------------------------------------------------------------------------


@pytest.mark.real_data
def test_api_level1_counts_and_known_values():
    needs(API_LEI)
    lines = json_lines(API_LEI)
    leis = {line["attributes"]["lei"] for line in lines}
    assert (len(lines), len(leis)) == (94, 94)

    records, problems = read(API_LEI)
    assert problems.problems == []
    assert all(isinstance(r, Entity) for r in records)
    assert {r.id for r in records} == leis

    entities = {r.id: r for r in records}
    brazil = entities[BRAZIL_SHIPPING]
    assert brazil.name == "BRAZIL SHIPPING I LIMITED" and brazil.kind == "company"
    assert brazil.jurisdiction == "GB" and brazil.registration_number == "07211438"
    assert brazil.identifiers == (f"lei:{BRAZIL_SHIPPING}", "reg:GB:07211438")
    assert brazil.aliases == ("BG OIL SERVICES LIMITED",)  # its PREVIOUS_LEGAL_NAME
    assert brazil.incorporation_date == dt.date(2010, 4, 1)
    assert brazil.address == "SHELL CENTRE, YORK ROAD, LONDON, SE1 7NA, GB"
    assert brazil.extra["registration_authority"] == "RA000585"
    assert brazil.extra["lei_registration_status"] == "ISSUED"
    assert brazil.provenance.line == 1

    puma = entities[PUMA_SE]
    assert puma.name == "PUMA SE" and puma.jurisdiction == "DE"
    # A German HRB number is unique only at its local court: no reg:DE key.
    assert puma.identifiers == (f"lei:{PUMA_SE}",)

    by_code = Counter(r.extra.get("legal_jurisdiction") for r in records)
    assert by_code["US-DE"] == 9  # jq: select(.attributes.entity.jurisdiction == "US-DE")
    for entity in records:
        if entity.extra.get("legal_jurisdiction") == "US-DE":
            assert entity.jurisdiction == "US"
            assert [i for i in entity.identifiers if i.startswith("reg:")] == []


@pytest.mark.real_data
def test_api_level2_counts_placeholders_and_known_values():
    needs(API_RR)
    lines = json_lines(API_RR)
    named = api_endpoints(API_RR)
    types = Counter(line["attributes"]["relationship"]["type"] for line in lines)
    assert (len(lines), len(named)) == (121, 84)
    assert types == {"IS_ULTIMATELY_CONSOLIDATED_BY": 62, "IS_DIRECTLY_CONSOLIDATED_BY": 59}

    records, problems = read(API_RR)
    assert problems.problems == []  # unknown LEIs are placeholders, not errors
    entities = [r for r in records if isinstance(r, Entity)]
    edges = [r for r in records if isinstance(r, Ownership)]
    assert len(edges) == 121 and len(entities) == len(named)
    assert records.index(edges[0]) == len(entities)  # entities first
    assert {e.id for e in entities} == {PLACEHOLDER_PREFIX + lei for lei in named}
    for entity in entities:
        lei = entity.id.removeprefix(PLACEHOLDER_PREFIX)
        assert (entity.name, entity.identifiers, entity.kind) == (lei, (f"lei:{lei}",), "company")
        assert entity.extra["placeholder"] is True
    assert Counter(e.interest_type for e in edges) == types
    assert all(e.kind == "consolidation" and e.share is None for e in edges)

    # Line 1: PUMA Sports SEA Trading is ultimately consolidated by PUMA SE.
    first = edges[0]
    assert first.provenance.line == 1
    assert (first.owned_id, first.owner_id) == (
        PLACEHOLDER_PREFIX + PUMA_SEA,
        PLACEHOLDER_PREFIX + PUMA_SE,
    )
    assert first.interest_type == "IS_ULTIMATELY_CONSOLIDATED_BY" and first.direct is False
    # RELATIONSHIP_PERIOD startDate 2019-01-13T23:00:00Z is midnight of 14 January in Germany.
    assert first.start_date == dt.date(2019, 1, 14) and first.end_date is None
    assert first.extra["accounting_period_start"] == dt.date(2019, 1, 1)
    assert first.extra["accounting_period_end"] == dt.date(2019, 12, 31)
    assert first.extra["registration_status"] == "LAPSED"
    direct = [e for e in edges if e.interest_type == "IS_DIRECTLY_CONSOLIDATED_BY"]
    assert all(e.direct is True for e in direct)


@pytest.mark.real_data
def test_reporting_exceptions_are_facts_of_the_entity_in_the_same_file(tmp_path):
    needs(API_LEI, API_RR, API_REPEX)
    repex = json_lines(API_REPEX)
    assert len(repex) == 17
    # On its own, a reporting-exception file names LEIs without entities: nothing, no error.
    records, problems = read(API_REPEX)
    assert records == [] and problems.problems == []

    # One file with all three kinds of line (the API serves them so).
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(
        "".join(p.read_text(encoding="utf-8") for p in (API_REPEX, API_RR, API_LEI)),
        encoding="utf-8",
    )
    records, problems = read(mixed)
    assert problems.problems == []
    entities = {r.id: r for r in records if isinstance(r, Entity)}
    leis = {line["attributes"]["lei"] for line in json_lines(API_LEI)}
    missing = api_endpoints(API_RR) - leis
    assert len(missing) == 30
    assert set(entities) == leis | {PLACEHOLDER_PREFIX + lei for lei in missing}
    shell = entities[SHELL]
    assert shell.name == "SHELL PLC"
    assert shell.extra["reporting_exception_ultimate_accounting_consolidation_parent"] == (
        "NO_KNOWN_PERSON"
    )
    assert shell.extra["reporting_exception_direct_accounting_consolidation_parent"] == (
        "NO_KNOWN_PERSON"
    )
    # With the parent's LEI record in the file, the edge points at it, not at a placeholder.
    puma_edges = [r for r in records if isinstance(r, Ownership) and r.owned_id == PUMA_SEA]
    assert {e.owner_id for e in puma_edges} == {PUMA_SE}
    assert {e.interest_type for e in puma_edges} == {
        "IS_DIRECTLY_CONSOLIDATED_BY",
        "IS_ULTIMATELY_CONSOLIDATED_BY",
    }


# -- Golden Copy XML and JSON -----------------------------------------------------------------


@pytest.mark.real_data
def test_golden_copy_xml_counts_and_known_values():
    needs(GOLDEN)
    for name, records_re in (
        ("lei-data.xml", r"<lei:LEIRecord\b"),
        ("lei-updates-data2.xml", r"<lei:LEIRecord\b"),
        ("rr-data.xml", r"<rr:RelationshipRecord\b"),
        ("rr-updates-data2.xml", r"<rr:RelationshipRecord\b"),
        ("repex-data.xml", r"<repex:Exception\b"),
    ):
        text = (GOLDEN / name).read_text(encoding="utf-8")
        expected = len(re.findall(records_re, text))
        nodes = set(re.findall(r"<rr:NodeID>(\w+)</rr:NodeID>", text))
        records, problems = read(GOLDEN / name)
        assert problems.problems == [], name
        kinds = Counter(
            "placeholder" if r.extra.get("placeholder") else type(r).__name__ for r in records
        )
        if name.startswith("lei"):
            assert kinds == {"Entity": expected}, name
        elif name.startswith("rr"):
            assert kinds == {"Ownership": expected, "placeholder": len(nodes)}, name
        else:
            assert expected == 10 and kinds == {}, name  # repex on its own: nothing
    assert len(re.findall(r"<lei:LEIRecord\b", (GOLDEN / "lei-data.xml").read_text())) == 13

    records, _ = read(GOLDEN / "lei-data.xml")
    entities = {r.id: r for r in records}
    fund = entities[FIDELITY_FUND]
    assert fund.name == "Fidelity Advisor Leveraged Company Stock Fund"
    assert fund.jurisdiction == "US" and fund.extra["legal_jurisdiction"] == "US-MA"
    assert fund.identifiers == (f"lei:{FIDELITY_FUND}",)
    assert fund.registration_number == "S000005113"
    assert fund.incorporation_date == dt.date(2012, 11, 29)
    assert fund.extra["entity_category"] == "FUND"
    assert fund.aliases == (
        "FIDELITY ADVISOR SERIES I - Fidelity Advisor Leveraged Company Stock Fund",
    )
    assert fund.provenance.line is None  # XML: problems name the element path instead
    # "1997-06-05T02:00:00+02:00" is 5 June where it was written.
    assert entities["213800BJPX8V9HVY1Y11"].incorporation_date == dt.date(1997, 6, 5)
    assert "reg:SE:556543-1193" in entities["213800BJPX8V9HVY1Y11"].identifiers

    records, _ = read(GOLDEN / "rr-data.xml")
    edges = [r for r in records if isinstance(r, Ownership)]
    first = edges[0]
    assert (first.owned_id, first.owner_id) == (
        PLACEHOLDER_PREFIX + FIDELITY_FUND,
        PLACEHOLDER_PREFIX + "5493001Z012YSB2A0K51",
    )
    assert first.interest_type == "IS_FUND-MANAGED_BY" and first.direct is None
    assert first.start_date == dt.date(2012, 11, 29)
    assert first.provenance.record_id == (
        f"{FIDELITY_FUND}|IS_FUND-MANAGED_BY|5493001Z012YSB2A0K51"
    )

    records, _ = read(GOLDEN / "rr-updates-data2.xml")
    quantified = [r for r in records if "quantifier_accounting_consolidation" in r.extra]
    assert len(quantified) == 5  # grep -c QuantifierAmount rr-updates-data2.xml
    assert all(r.share is None for r in quantified)  # consolidation, not a shareholding


@pytest.mark.real_data
def test_golden_copy_json_reads_like_its_xml():
    needs(GOLDEN)
    for stem in ("lei-updates-data2", "rr-data", "rr-updates-data2", "repex-data"):
        xml, problems_xml = read(GOLDEN / f"{stem}.xml")
        js, problems_js = read(GOLDEN / f"{stem}.json")
        assert problems_xml.problems == problems_js.problems == []
        assert without_provenance(xml) == without_provenance(js), stem
        # A JSON record's line is where its object opens (the files are indented by 2).
        starts = [
            number
            for number, line in enumerate(
                (GOLDEN / f"{stem}.json").read_text(encoding="utf-8").splitlines(), start=1
            )
            if line == "  {"
        ]
        assert [r.provenance.line for r in js if not r.extra.get("placeholder")] == (
            starts if stem.startswith(("lei", "rr")) else []
        )

    # lei-data.json was converted from the XML by a tool that kept only the last of repeated
    # AdditionalAddressLine elements; everything else agrees.
    text = (GOLDEN / "lei-data.xml").read_text(encoding="utf-8")
    repeated = [
        re.search(r"<lei:LEI>(\w+)</lei:LEI>", block).group(1)  # type: ignore[union-attr]
        for block in text.split("<lei:LEIRecord ")[1:]
        if re.search(r"<lei:LegalAddress.*?</lei:LegalAddress>", block, re.S)
        .group(0)  # type: ignore[union-attr]
        .count("<lei:AdditionalAddressLine>")
        > 1
    ]
    assert len(repeated) == 3 and HUTCHIN_HILL in repeated
    xml, _ = read(GOLDEN / "lei-data.xml")
    js, _ = read(GOLDEN / "lei-data.json")
    assert [r.id for r in xml] == [r.id for r in js]
    differ = [a.id for a, b in zip(xml, js, strict=True) if a.address != b.address]
    assert differ == repeated
    [hutchin] = [r for r in xml if r.id == HUTCHIN_HILL]
    assert "2711 Centerville Road, Suite 400" in (hutchin.address or "")
    for a, b in zip(xml, js, strict=True):  # (one of them lost a headquarters line too)
        a.address = b.address
        a.extra.pop("headquarters_address", None)
        b.extra.pop("headquarters_address", None)
    assert without_provenance(xml) == without_provenance(js)


@pytest.mark.real_data
def test_every_variant_is_detected_by_content(tmp_path):
    needs(API_LEI, GOLDEN)
    samples = [API_LEI, API_RR, API_REPEX, *sorted(GOLDEN.iterdir())]
    for number, sample in enumerate(samples):
        renamed = tmp_path / f"sample{number}.dat"  # the name tells nothing
        renamed.write_bytes(sample.read_bytes())
        assert FORMAT.detect(renamed), sample.name
    others = [
        *(REAL / "ftm").glob("*"),
        *(REAL / "bods").rglob("*.json"),
        *(REAL / "uk_psc").glob("*"),
        *(REAL / "sanctions").glob("*.csv"),
    ]
    for other in others:
        assert not FORMAT.detect(other), other.name
    not_gleif = tmp_path / "other.xml"
    not_gleif.write_text("<?xml version='1.0'?><catalog><book/></catalog>", encoding="utf-8")
    assert not FORMAT.detect(not_gleif)


def test_dates_are_the_calendar_dates_gleif_meant():
    assert gleif_date("2018-12-31T23:00:00Z") == dt.date(2019, 1, 1)  # CET midnight
    assert gleif_date("2019-06-26T22:00:00Z") == dt.date(2019, 6, 27)  # CEST midnight
    assert gleif_date("2020-01-30T18:30:00Z") == dt.date(2020, 1, 31)  # IST midnight
    assert gleif_date("2012-11-04T05:00:00Z") == dt.date(2012, 11, 4)  # EST midnight
    assert gleif_date("2012-11-29T00:00:00.000Z") == dt.date(2012, 11, 29)
    assert gleif_date("2005-03-23T08:00:00+01:00") == dt.date(2005, 3, 23)  # its own offset
    assert gleif_date("2019-01-28T11:20:06Z") == dt.date(2019, 1, 28)  # a real timestamp
    assert gleif_date("2019-01-28T19:51:13Z") == dt.date(2019, 1, 28)
    assert gleif_date("2019-01-28") == dt.date(2019, 1, 28)
    for bad in ("2019-13-01", "28/01/2019", "2019"):
        with pytest.raises(ValueError):
            gleif_date(bad)


# -- hostile input ----------------------------------------------------------------------------


@pytest.mark.real_data
def test_xml_cut_in_the_middle_is_a_problem_with_its_line(tmp_path):
    needs(GOLDEN)
    data = (GOLDEN / "lei-data.xml").read_bytes()
    cut = data[: len(data) // 2]
    complete = cut.count(b"</lei:LEIRecord>")
    assert 0 < complete < 13
    path = tmp_path / "cut.xml"
    path.write_bytes(cut)
    records, problems = read(path)
    [problem] = problems.problems
    assert problem.file == str(path)
    assert problem.line == cut.count(b"\n") + 1  # where the text stops
    assert "not well-formed" in problem.message and f"LEIRecord {complete}" in problem.message
    assert len(records) == complete  # what came before the cut is read (and then refused)

    data = (GOLDEN / "rr-data.json").read_bytes()
    path = tmp_path / "cut.json"
    path.write_bytes(data[: len(data) // 2])
    records, problems = read(path)
    [problem] = problems.problems
    assert problem.line == data[: len(data) // 2].count(b"\n") + 1
    assert "cut short" in problem.message


@pytest.mark.real_data
def test_bad_values_in_xml_name_their_element(tmp_path):
    needs(GOLDEN)
    text = (GOLDEN / "lei-data.xml").read_text(encoding="utf-8")
    text = text.replace(
        "<lei:EntityCreationDate>2012-11-29T00:00:00.000Z", "<lei:EntityCreationDate>2012-13-45", 1
    )
    text = text.replace("<lei:LEI>004L5FPTUREIWK9T2N63", "<lei:LEI>004L5FPTUREIWK9T2N64", 1)
    path = tmp_path / "bad.xml"
    path.write_text(text, encoding="utf-8")
    records, problems = read(path)
    found = {(p.line, p.field) for p in problems.problems}
    assert found == {
        (None, "LEIRecord[1]/Entity/EntityCreationDate"),
        (None, "LEIRecord[2]/LEI"),
    }
    assert len(records) == 11


def test_hostile_json_lines_are_problems_with_file_and_line(tmp_path):
    def lei_record(lei: str, name: str = "X LTD", jurisdiction: str = "GB") -> dict:
        return {
            "type": "lei-records",
            "attributes": {
                "lei": lei,
                "entity": {"legalName": {"name": name}, "jurisdiction": jurisdiction},
            },
        }

    def relationship(
        child: str,
        parent: str,
        kind: str = "IS_DIRECTLY_CONSOLIDATED_BY",
        periods: list | None = None,
    ) -> dict:
        return {
            "type": "relationship-records",
            "attributes": {
                "relationship": {
                    "startNode": {"id": child, "type": "LEI"},
                    "endNode": {"id": parent, "type": "LEI"},
                    "type": kind,
                    "status": "ACTIVE",
                    "periods": periods or [],
                }
            },
        }

    lines = [
        lei_record(BRAZIL_SHIPPING),  # 1
        '{"type": "lei-records", "attributes": {"lei": "21380068P1DRHMJ8KU70", ',  # 2: cut
        lei_record("2138004VFYZFYLELHT93"),  # 3: wrong check digits
        lei_record(PUMA_SE, name=""),  # 4: no name
        relationship(BRAZIL_SHIPPING, SHELL, kind="IS_BEST_FRIEND_OF"),  # 5
        relationship(BRAZIL_SHIPPING, BRAZIL_SHIPPING),  # 6: its own parent
        relationship(
            BRAZIL_SHIPPING,
            SHELL,
            periods=[  # 7: a date that is no date
                {"startDate": "2019-02-30T00:00:00Z", "type": "RELATIONSHIP_PERIOD"}
            ],
        ),
        {"type": "fund-jurisdictions", "attributes": {}},  # 8: not a record we know
        lei_record(BRAZIL_SHIPPING),  # 9: the same LEI again
        lei_record(SHELL, jurisdiction="XX-YY"),  # 10: no such country
        relationship(
            PUMA_SEA,
            SHELL,
            periods=[  # 11: ends before it starts
                {"startDate": "2020-01-01", "endDate": "2019-01-01", "type": "RELATIONSHIP_PERIOD"}
            ],
        ),
        relationship(PUMA_SEA, PUMA_SE),  # 12: fine, PUMA SE's record has problems
    ]
    path = tmp_path / "hostile.jsonl"
    path.write_text(
        "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines),
        encoding="utf-8",
    )
    assert FORMAT.detect(path)
    records, problems = read(path)
    found = {(p.line, p.field) for p in problems.problems}
    assert found == {
        (2, None),
        (3, "attributes.lei"),
        (4, "attributes.entity.legalName.name"),
        (5, "attributes.relationship.type"),
        (6, "attributes.relationship.endNode.id"),
        (7, "attributes.relationship.periods[0]"),
        (8, None),
        (9, "attributes.lei"),
        (10, "attributes.entity.jurisdiction"),
        (11, "attributes.relationship.periods"),
    }
    assert len(problems.problems) == len(found)  # each once, although read three times
    assert all(p.file == str(path) for p in problems.problems)
    messages = {p.line: p.message for p in problems.problems}
    assert "malformed JSON" in messages[2]
    assert "check digits" in messages[3]
    assert "appears twice" in messages[9]
    [edge] = [r for r in records if isinstance(r, Ownership)]
    assert (edge.owned_id, edge.owner_id) == (PLACEHOLDER_PREFIX + PUMA_SEA, PUMA_SE)


def test_cut_and_foreign_json_documents(tmp_path):
    array = tmp_path / "array.json"
    array.write_text('[\n  {"LEI": "2138004VFYZFYLELHT92",\n  "Entity": {"LegalName": "A"', "utf-8")
    records, problems = read(array)
    [problem] = problems.problems
    assert records == [] and problem.line == 3 and "cut short" in problem.message

    wrapped = tmp_path / "wrapped.json"  # GLEIF's own JSON: {"$": …} values under "records"
    wrapped.write_text(
        json.dumps(
            {
                "header": {"RecordCount": 1},
                "records": [
                    {
                        "LEI": {"$": BRAZIL_SHIPPING},
                        "Entity": {
                            "LegalName": {"@xml:lang": "en", "$": "BRAZIL SHIPPING I LIMITED"},
                            "OtherEntityNames": {
                                "OtherEntityName": [
                                    {"@type": "PREVIOUS_LEGAL_NAME", "$": "BG OIL SERVICES LIMITED"}
                                ]
                            },
                            "LegalJurisdiction": {"$": "GB"},
                            "RegistrationAuthority": {
                                "RegistrationAuthorityID": {"$": "RA000585"},
                                "RegistrationAuthorityEntityID": {"$": "07211438"},
                            },
                        },
                    }
                ],
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    assert FORMAT.detect(wrapped)
    records, problems = read(wrapped)
    assert problems.problems == []
    [entity] = records
    assert (entity.name, entity.aliases, entity.identifiers) == (
        "BRAZIL SHIPPING I LIMITED",
        ("BG OIL SERVICES LIMITED",),
        (f"lei:{BRAZIL_SHIPPING}", "reg:GB:07211438"),
    )

    foreign = tmp_path / "foreign.json"
    foreign.write_text('[{"statementID": "x"}]', encoding="utf-8")
    assert not FORMAT.detect(foreign)
    records, problems = read(foreign)
    assert records == [] and problems.problems[0].line == 1

    for name, content in (("absent.json", None), ("text.txt", "hello\n"), ("root.xml", "<a/>")):
        path = tmp_path / name
        if content is not None:
            path.write_text(content, encoding="utf-8")
        records, problems = read(path)
        assert records == [] and len(problems.problems) == 1, name


# -- into the graph ---------------------------------------------------------------------------

ENTITY_OF = Query(
    "test_gleif_entity_of",
    "MATCH (:Record {uid: $uid})-[:DESCRIBES]->(e:Entity) RETURN properties(e) AS p",
    "test",
)
CONSOLIDATED_BY = Query(
    "test_gleif_consolidated_by",
    "MATCH (:Record {uid: $child})-[:DESCRIBES]->(:Entity)<-[r:OWNS]-(p:Entity) "
    "RETURN p.name AS parent, r.kind AS kind, r.interest_type AS type, r.start_date AS start "
    "ORDER BY type",
    "test",
)


@pytest.mark.real_data
def test_api_files_import_into_the_graph(graph, monkeypatch):
    needs(API_LEI, API_RR, API_REPEX)
    monkeypatch.setitem(ownership.sources.FORMATS, FORMAT.name, FORMAT)
    leis = {line["attributes"]["lei"] for line in json_lines(API_LEI)}
    missing = api_endpoints(API_RR) - leis
    started = time.perf_counter()
    summary = import_paths(graph, [API_LEI, API_RR, API_REPEX], "gleif", fmt="gleif")
    assert time.perf_counter() - started < 60
    assert summary.read == {"entities": 94 + 84, "ownership": 121}
    stats = graph_stats(graph)
    # A placeholder and the LEI record of the same LEI share lei:<LEI>: one entity.
    assert stats["nodes"]["Company"] == len(leis) + len(missing) == 124
    assert stats["relationships"]["OWNS"] == 121

    [puma] = graph.read(ENTITY_OF, uid=f"gleif:{PUMA_SE}")
    assert puma["p"]["name"] == "PUMA SE"  # not overwritten by the Level 2 placeholder
    [same] = graph.read(ENTITY_OF, uid=f"gleif:{PLACEHOLDER_PREFIX}{PUMA_SE}")
    assert same["p"]["uid"] == puma["p"]["uid"]
    rows = graph.read(CONSOLIDATED_BY, child=f"gleif:{PUMA_SEA}")
    assert [(r["parent"], r["kind"], r["type"]) for r in rows] == [
        ("PUMA SE", "consolidation", "IS_DIRECTLY_CONSOLIDATED_BY"),
        ("PUMA SE", "consolidation", "IS_ULTIMATELY_CONSOLIDATED_BY"),
    ]
    assert rows[1]["start"] == dt.date(2019, 1, 14)

"""Registry-CSV import: validation before writing, idempotence, provenance."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import company, owns, person

from ownership.analysis.stats import graph_stats
from ownership.cypher import Query
from ownership.loader import import_paths, validate
from ownership.problems import InvalidData
from ownership.sources import UnknownFormat

ENTITY_PROPS = Query(
    "test_entity_props",
    "MATCH (e:Entity {uid: $uid}) RETURN properties(e) AS p, labels(e) AS labels",
    "test",
)
EDGE_PROPS = Query(
    "test_edge_props",
    "MATCH (:Entity {uid: $a})-[r:OWNS]->(:Entity {uid: $b}) RETURN properties(r) AS p",
    "test",
)


def small(make_dataset):
    return make_dataset(
        [
            company(
                "jp1",
                "JP",
                registration_number="1180301018771",
                tags="crypto-exchange;listed",
                aliases="株式会社テスト;Test KK",
                incorporation_date="2015-04-01",
                lei="529900T8BM49AURSDO55",
            ),
            company("sg1", "SG", address="10 Anson Road #05-01"),
            person("p1", "RU", name="Ivan Petrov"),
        ],
        [
            owns("jp1", "sg1", 100, start_date="2022-03-01"),
            owns("p1", "jp1", None, share_min=25, share_max=50),
        ],
        [{"person_id": "p1", "company_id": "sg1", "role": "director"}],
        [
            {
                "entity_id": "p1",
                "authority": "OFAC",
                "program": "RUSSIA-EO14024",
                "listed_on": "2022-04-20",
            }
        ],
    )


def test_import_writes_entities_edges_and_provenance(graph, make_dataset):
    folder = small(make_dataset)
    summary = import_paths(graph, [folder], "test-src")
    assert summary.read == {"entities": 3, "ownership": 2, "officers": 1, "sanctions": 1}
    stats = graph_stats(graph)
    assert stats["nodes"] == {
        "Address": 1,
        "Company": 2,
        "Entity": 3,
        "Identifier": 2,
        "Person": 1,
        "Record": 3,
        "Sanction": 1,
        "Source": 1,
    }
    assert stats["relationships"] == {
        "DESCRIBES": 3,
        "HOLDS": 2,
        "IDENTIFIES": 2,
        "OFFICER_OF": 1,
        "OWNS": 2,
        "REGISTERED_AT": 1,
        "SUBJECT_TO": 1,
    }

    [row] = graph.read(ENTITY_PROPS, uid="test-src:jp1")
    props = row["p"]
    assert set(row["labels"]) == {"Entity", "Company"}
    assert props["source"] == "test-src" and props["record_id"] == "jp1"
    assert props["file"].endswith("entities.csv")
    assert isinstance(props["imported_at"], dt.datetime)
    assert props["incorporation_date"] == dt.date(2015, 4, 1)
    assert props["tags"] == ["crypto-exchange", "listed"]
    assert props["aliases"] == ["株式会社テスト", "Test KK"]
    assert props["lei"] == "529900T8BM49AURSDO55"  # an unknown extra column is kept
    assert "lei:529900T8BM49AURSDO55" in props["identifiers"]
    assert "reg:JP:1180301018771" in props["identifiers"]

    [edge] = graph.read(EDGE_PROPS, a="test-src:p1", b="test-src:jp1")
    assert "share" not in edge["p"]  # unknown: no property at all
    assert (edge["p"]["share_min"], edge["p"]["share_max"]) == (25.0, 50.0)
    assert edge["p"]["source"] == "test-src"
    [edge] = graph.read(EDGE_PROPS, a="test-src:jp1", b="test-src:sg1")
    assert edge["p"]["start_date"] == dt.date(2022, 3, 1)


def test_reimport_changes_nothing(graph, make_dataset):
    folder = small(make_dataset)
    import_paths(graph, [folder], "test-src")
    before = graph.read(ENTITY_PROPS, uid="test-src:jp1")[0]["p"]
    again = import_paths(graph, [folder], "test-src")
    assert sum(again.written.values()) == 0
    assert again.created["entities"] == 0 and again.created["relationships"] == 0
    after = graph.read(ENTITY_PROPS, uid="test-src:jp1")[0]["p"]
    assert after == before


def test_changed_record_is_updated_in_place(graph, make_dataset):
    import_paths(graph, [small(make_dataset)], "test-src")
    changed = make_dataset(
        [company("jp1", "JP", name="Renamed KK"), company("sg1", "SG"), person("p1", "RU")]
    )
    summary = import_paths(graph, [changed], "test-src")
    assert summary.written["entities"] == 3  # jp1 renamed; sg1 and p1 lost fields
    [row] = graph.read(ENTITY_PROPS, uid="test-src:jp1")
    assert row["p"]["name"] == "Renamed KK"
    assert row["p"]["tags"] == []
    assert graph_stats(graph)["nodes"]["Entity"] == 3


def test_two_sources_with_the_same_identifiers_resolve_to_one_entity(graph, make_dataset):
    folder = small(make_dataset)
    import_paths(graph, [folder], "a")
    import_paths(graph, [folder], "b")
    nodes = graph_stats(graph)["nodes"]
    # jp1 (corporate number, LEI) and sg1? no: sg1 has no identifier; p1 none either
    assert nodes["Record"] == 6
    assert nodes["Entity"] == 5
    [row] = graph.read(ENTITY_PROPS, uid="a:jp1")
    assert row["p"]["sources"] == ["a", "b"]


def test_same_name_different_identifiers_stay_apart(graph, make_dataset):
    one = make_dataset(
        [company("x", "JP", name="Same Name KK", registration_number="1180301018771")]
    )
    two = make_dataset(
        [company("x", "JP", name="Same Name KK", registration_number="7000012050002")]
    )
    import_paths(graph, [one], "a")
    import_paths(graph, [two], "b")
    assert graph_stats(graph)["nodes"]["Entity"] == 2


def test_merged_entity_keeps_both_names_and_fills_gaps(graph, make_dataset):
    one = make_dataset([company("x", "GB", name="Alpha Ltd", registration_number="01234567")])
    two = make_dataset(
        [
            company(
                "y",
                "GB",
                name="ALPHA LIMITED",
                registration_number="01234567",
                address="1 High St",
                aliases="Alpha Trading",
            )
        ]
    )
    import_paths(graph, [one], "a")
    import_paths(graph, [two], "b")
    [row] = graph.read(ENTITY_PROPS, uid="a:x")
    props = row["p"]
    assert props["name"] == "Alpha Ltd"  # the first record's value
    assert props["names"] == ["Alpha Ltd", "ALPHA LIMITED"]  # the conflict stays visible
    assert props["address"] == "1 High St"  # a gap filled by the second source
    assert "alpha trading" in props["search_terms"]
    assert graph_stats(graph)["nodes"]["Entity"] == 1


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(InvalidData) as caught:
        validate([folder], "t")
    return [str(p) for p in caught.value.problems]


def test_every_problem_is_reported_with_file_line_and_field(make_dataset):
    folder = make_dataset(
        [
            company("a", "JP", incorporation_date="2022-02-30"),
            company("a", "XX"),
            {"id": "", "type": "trust", "name": ""},
            company("b", "SG", operates_in="RU;ZZ"),
            person("p", "RU"),
        ],
        [
            owns("a", "ghost", 10),
            owns("a", "b", 0),
            owns("a", "b", 150, start_date="2020-01-01"),
            owns("b", "b", 50),
            owns("a", "b", None, share_min=60, share_max=40, start_date="2021-01-01"),
            owns("a", "b", 20, start_date="2022-05-01", end_date="2022-01-01"),
            owns("a", "p", 20, start_date="2019-01-01"),
            owns("a", "b", "ten", start_date="2018-01-01"),
        ],
    )
    found = problems_of(folder)
    entities, ownership = str(folder / "entities.csv"), str(folder / "ownership.csv")
    expected = [
        f"{entities}:2: incorporation_date: '2022-02-30' is not a real calendar date",
        f"{entities}:3: id: duplicate id 'a' (first on line 2)",
        f"{entities}:3: jurisdiction: 'XX' is not an ISO 3166-1 alpha-2 country code",
        f"{entities}:4: id: required, but empty",
        f"{entities}:4: type: 'trust' is not 'company' or 'person'",
        f"{entities}:4: name: required, but empty",
        f"{entities}:5: operates_in: 'ZZ' is not an ISO 3166-1 alpha-2 country code",
        f"{ownership}:2: owned_id: 'ghost' is not an id in entities.csv",
        f"{ownership}:3: share: 0 is outside (0, 100] percent",
        f"{ownership}:4: share: 150 is outside (0, 100] percent",
        f"{ownership}:5: owned_id: 'b' cannot own itself",
        f"{ownership}:6: share_min: band minimum 60.0 is above its maximum 40.0",
        f"{ownership}:7: end_date: 2022-01-01 is not after start_date 2022-05-01",
        f"{ownership}:8: owned_id: 'p' is a person and cannot be owned",
        f"{ownership}:9: share: 'ten' is not a number (percent, without a % sign)",
    ]
    assert found == expected


def test_invalid_dataset_writes_nothing(graph, make_dataset):
    import_paths(graph, [small(make_dataset)], "keep")
    before = graph_stats(graph)
    bad = make_dataset([company("x", "JP")], [owns("x", "nobody", 50)])
    with pytest.raises(InvalidData):
        import_paths(graph, [bad], "keep")
    assert graph_stats(graph) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('id,type,name\n"a,company,Unclosed\n', "malformed CSV"),
        ("id,type,name\na,company,A,extra\n", "4 fields where the header has 3"),
        ("id,type\na,company\n", "name: required column is missing from the header"),
        ("id,type,name,name\na,company,A,B\n", "name: column appears twice in the header"),
        ("id,type,name,uid\na,company,A,x\n", "uid: column name is reserved"),
        ("", "empty file"),
    ],
)
def test_malformed_files(tmp_path, content, message):
    (tmp_path / "entities.csv").write_text(content, encoding="utf-8")
    found = problems_of(tmp_path)
    assert any(message in problem for problem in found), found


def test_not_utf8_is_reported(tmp_path):
    (tmp_path / "entities.csv").write_bytes("id,type,name\na,company,Général\n".encode("latin-1"))
    found = problems_of(tmp_path)
    assert any("cannot tell the text encoding" in p for p in found), found  # never mojibake


def test_bom_and_blank_lines_are_accepted(tmp_path):
    (tmp_path / "entities.csv").write_text("\ufeffid,type,name\na,company,A\n\n", encoding="utf-8")
    assert validate([tmp_path], "t").read == {"entities": 1}


def test_missing_entities_file(tmp_path):
    (tmp_path / "ownership.csv").write_text("owner_id,owned_id\n", encoding="utf-8")
    with pytest.raises(UnknownFormat):
        validate([tmp_path], "t")  # auto-detection needs entities.csv
    with pytest.raises(InvalidData) as caught:
        validate([tmp_path], "t", fmt="csv")
    assert "entities.csv: file not found" in str(caught.value.problems[0])


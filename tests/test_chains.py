"""Chains on a small graph whose answers were worked out by hand.

jp1 (JP) ─100% from 2022-03-01─▶ sg1 (SG) ─60% from 2022-04-01─▶ ru1 (RU) ─10%─▶ sg1 (cycle)
jp1 ─30% until 2022-03-15─▶ ru2 (RU)
sg1 ─50%─▶ ae1 (AE, operates in RU)
jp2 (JP) ─80%─▶ hk1 (HK) ─50%─▶ cy1 (CY) ─100%─▶ sg2 (SG) ─40%─▶ ru3 (RU)    16% in all
jp3 (JP) ─100%─▶ sg3 (SG)                                                     a decoy
p1 (person, JP national) ─100%─▶ ru4 (RU)                                    not a company
sg1 ─band 25–50%─▶ ru5 (RU)
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import company, owns, person

from ownership.analysis.chains import find_chains
from ownership.loader import import_paths

D = dt.date


@pytest.fixture()
def story(graph, make_dataset):
    folder = make_dataset(
        [
            company("jp1", "JP"),
            company("jp2", "JP"),
            company("jp3", "JP"),
            company("sg1", "SG"),
            company("sg2", "SG"),
            company("sg3", "SG"),
            company("ru1", "RU"),
            company("ru2", "RU"),
            company("ru3", "RU"),
            company("ru4", "RU"),
            company("ru5", "RU"),
            company("hk1", "HK"),
            company("cy1", "CY"),
            company("ae1", "AE", operates_in="RU"),
            person("p1", "JP"),
        ],
        [
            owns("jp1", "sg1", 100, start_date="2022-03-01"),
            owns("sg1", "ru1", 60, start_date="2022-04-01"),
            owns("ru1", "sg1", 10),
            owns("jp1", "ru2", 30, end_date="2022-03-15"),
            owns("sg1", "ae1", 50),
            owns("jp2", "hk1", 80),
            owns("hk1", "cy1", 50),
            owns("cy1", "sg2", 100),
            owns("sg2", "ru3", 40),
            owns("jp3", "sg3", 100),
            owns("p1", "ru4", 100),
            owns("sg1", "ru5", None, share_min=25, share_max=50),
        ],
    )
    import_paths(graph, [folder], "t")
    return graph


def ids(chains):
    return [[e["id"] for e in c.entities] for c in chains]


def test_chains_as_of_may_2022(story):
    chains = find_chains(story, "JP", "RU", as_of=D(2022, 5, 1))
    assert ids(chains) == [
        ["jp1", "sg1", "ru1"],
        ["jp1", "sg1", "ae1"],
        ["jp1", "sg1", "ru5"],  # a band ranks by its upper bound (50), then by names
        ["jp2", "hk1", "cy1", "sg2", "ru3"],
    ]
    assert [c.effective_share for c in chains] == [60.0, 50.0, None, 16.0]
    assert (chains[2].effective_share_min, chains[2].effective_share_max) == (25.0, 50.0)
    assert chains[0].shares == [100.0, 60.0]


def test_edge_validity_end_is_exclusive(story):
    before = ids(find_chains(story, "JP", "RU", as_of=D(2022, 3, 14)))
    on_end = ids(find_chains(story, "JP", "RU", as_of=D(2022, 3, 15)))
    assert ["jp1", "ru2"] in before
    assert ["jp1", "ru2"] not in on_end
    assert ["jp1", "sg1", "ru1"] not in before  # sg1 -> ru1 starts in April


def test_before_any_start_date(story):
    assert ids(find_chains(story, "JP", "RU", as_of=D(2022, 2, 1))) == [
        ["jp1", "ru2"],
        ["jp2", "hk1", "cy1", "sg2", "ru3"],
    ]


def test_via_countries_are_inner_entities(story):
    via_sg = ids(find_chains(story, "JP", "RU", via=["SG"], as_of=D(2022, 5, 1)))
    assert via_sg == [
        ["jp1", "sg1", "ru1"],
        ["jp1", "sg1", "ae1"],
        ["jp1", "sg1", "ru5"],  # a band ranks by its upper bound (50), then by names
        ["jp2", "hk1", "cy1", "sg2", "ru3"],
    ]
    both = ids(find_chains(story, "JP", "RU", via=["SG", "hk"], as_of=D(2022, 5, 1)))
    assert both == [["jp2", "hk1", "cy1", "sg2", "ru3"]]
    # the start itself does not count as "via": JP is not an inner country here
    assert find_chains(story, "JP", "RU", via=["JP"], as_of=D(2022, 5, 1)) == []


def test_max_hops_bounds_the_chain(story):
    chains = find_chains(story, "JP", "RU", via=["CY"], as_of=D(2022, 5, 1), max_hops=3)
    assert chains == []
    assert len(find_chains(story, "JP", "RU", via=["CY"], as_of=D(2022, 5, 1), max_hops=4)) == 1


def test_cycles_never_repeat_an_entity(story):
    # SG -> RU chains: sg1 -> ru1 -> sg1 -> ... must not appear; ru1 -> sg1 -> ru1 neither
    for chain in find_chains(story, "SG", "RU", as_of=D(2022, 5, 1), max_hops=8):
        keys = [e["uid"] for e in chain.entities]
        assert len(keys) == len(set(keys))
    ru_to_ru = ids(find_chains(story, "RU", "RU", as_of=D(2022, 5, 1)))
    assert ["ru1", "sg1", "ru1"] not in ru_to_ru
    assert ["ru1", "sg1", "ru5"] in ru_to_ru


def test_cli_chains_json_shape(story, run_cli):
    result = run_cli(
        "chains",
        "--from-country",
        "JP",
        "--to-country",
        "RU",
        "--via-country",
        "SG",
        "--as-of",
        "2022-05-01",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [len(c["entities"]) for c in document] == [3, 3, 3, 5]
    first = document[0]
    assert set(first) >= {"entities", "shares", "effective_share"}
    assert first["entities"][0] == {
        "id": "jp1",
        "name": "jp1 Ltd",
        "jurisdiction": "JP",
        "uid": "t:jp1",
    }
    assert first["shares"] == [100.0, 60.0] and first["effective_share"] == 60.0


def test_cli_chains_csv_and_table(story, run_cli):
    csv_out = run_cli(
        "chains",
        "--from-country",
        "jp",
        "--to-country",
        "ru",
        "--as-of",
        "2022-05-01",
        "--format",
        "csv",
    )
    lines = csv_out.stdout.splitlines()
    assert lines[0] == "chain,shares,effective_share,hops,ids,records"
    assert len(lines) == 5
    assert all(":own:" in line for line in lines[1:])  # each link's source record
    table = run_cli("chains", "--from-country", "JP", "--to-country", "RU", "--as-of", "2022-05-01")
    assert "jp1 > sg1 > ru1" in table.stdout

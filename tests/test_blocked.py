"""The OFAC 50 percent rule, on the worked examples of OFAC FAQ 401 and harder cases."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import company, owns, person

from ownership.analysis.sanctions import blocked_entities
from ownership.loader import import_paths

AS_OF = dt.date(2023, 1, 1)


def listing(
    entity: str,
    listed_on: str = "2022-04-20",
    authority: str = "OFAC",
    delisted_on: str | None = None,
):
    return {
        "entity_id": entity,
        "authority": authority,
        "program": "RUSSIA-EO14024",
        "listed_on": listed_on,
        "delisted_on": delisted_on,
    }


def statuses(graph, as_of=AS_OF, **kwargs):
    return {
        f.id: (f.status, f.blocked_share_min, f.blocked_share_max)
        for f in blocked_entities(graph, as_of, **kwargs)
    }


def load(graph, make_dataset, entities, ownership, sanctions):
    import_paths(graph, [make_dataset(entities, ownership, sanctions=sanctions)], "t")


def test_faq_401_example_1_blocked_down_the_chain(graph, make_dataset):
    # X (blocked) owns 50% of A; A owns 50% of B: A and B are blocked.
    load(
        graph,
        make_dataset,
        [person("X", "RU"), company("A", "CY"), company("B", "RU")],
        [owns("X", "A", 50), owns("A", "B", 50)],
        [listing("X")],
    )
    assert statuses(graph) == {
        "X": ("listed", None, None),
        "A": ("blocked", 50.0, 50.0),
        "B": ("blocked", 50.0, 50.0),
    }


def test_faq_401_example_2_aggregate_of_two_blocked_owners(graph, make_dataset):
    # X and Y (both blocked) own 25% each of A: 50% in the aggregate, A is blocked.
    load(
        graph,
        make_dataset,
        [person("X", "RU"), person("Y", "RU"), company("A", "CY")],
        [owns("X", "A", 25), owns("Y", "A", 25)],
        [listing("X"), listing("Y")],
    )
    assert statuses(graph)["A"] == ("blocked", 50.0, 50.0)


def test_faq_401_example_3_direct_and_through_a_blocked_entity(graph, make_dataset):
    # X owns 50% of A (so A is blocked) and 25% of B; A owns 25% of B: B is blocked (25 + 25).
    load(
        graph,
        make_dataset,
        [person("X", "RU"), company("A", "CY"), company("B", "RU")],
        [owns("X", "A", 50), owns("X", "B", 25), owns("A", "B", 25)],
        [listing("X")],
    )
    found = {f.id: f for f in blocked_entities(graph, AS_OF)}
    assert found["B"].status == "blocked" and found["B"].blocked_share_min == 50.0
    assert {b["owner"] for b in found["B"].because} == {"X", "A"}


def test_below_fifty_through_an_unblocked_entity_is_not_blocked(graph, make_dataset):
    # X owns 40% of A (A not blocked); A owns 100% of B: neither is blocked.
    load(
        graph,
        make_dataset,
        [person("X", "RU"), company("A", "CY"), company("B", "RU")],
        [owns("X", "A", 40), owns("A", "B", 100)],
        [listing("X")],
    )
    assert statuses(graph) == {"X": ("listed", None, None)}


def test_shares_are_not_multiplied_down_the_chain(graph, make_dataset):
    # Multiplying would give X 50% x 60% = 30% of B (not blocked). The rule: A is blocked,
    # and a blocked owner's 60% counts in full, so B is blocked.
    load(
        graph,
        make_dataset,
        [person("X", "RU"), company("A", "CY"), company("B", "RU")],
        [owns("X", "A", 50), owns("A", "B", 60)],
        [listing("X")],
    )
    assert statuses(graph)["B"] == ("blocked", 60.0, 60.0)


def test_bands_give_possibly_blocked_and_propagate(graph, make_dataset):
    # X owns 40-60% of C: possibly blocked. C owns 100% of D: D possibly blocked too.
    load(
        graph,
        make_dataset,
        [person("X", "RU"), company("C", "RU"), company("D", "RU")],
        [owns("X", "C", None, share_min=40, share_max=60), owns("C", "D", 100)],
        [listing("X")],
    )
    assert statuses(graph) == {
        "X": ("listed", None, None),
        "C": ("possibly-blocked", 40.0, 60.0),
        "D": ("possibly-blocked", 0.0, 100.0),
    }


def test_listing_dates_and_ended_edges(graph, make_dataset):
    load(
        graph,
        make_dataset,
        [person("X", "RU"), company("A", "CY"), company("B", "CY")],
        [owns("X", "A", 100, end_date="2022-12-01"), owns("X", "B", 100)],
        [listing("X", listed_on="2022-04-20", delisted_on="2024-01-01")],
    )
    assert statuses(graph, dt.date(2022, 1, 1)) == {}
    assert set(statuses(graph, dt.date(2022, 6, 1))) == {"X", "A", "B"}
    assert set(statuses(graph, dt.date(2023, 1, 1))) == {"X", "B"}  # the A holding ended
    assert statuses(graph, dt.date(2024, 6, 1)) == {}  # delisted


def test_eu_rule_needs_more_than_half(graph, make_dataset):
    load(
        graph,
        make_dataset,
        [person("X", "RU"), company("A", "CY")],
        [owns("X", "A", 50)],
        [listing("X", authority="EU")],
    )
    assert statuses(graph)["A"][0] == "blocked"
    assert "A" not in statuses(graph, rule="eu")
    assert "A" not in statuses(graph, authorities=["OFAC"])  # only EU lists X


def test_cycles_terminate(graph, make_dataset):
    load(
        graph,
        make_dataset,
        [person("X", "RU"), company("A", "CY"), company("B", "CY")],
        [owns("X", "A", 50), owns("A", "B", 50), owns("B", "A", 50)],
        [listing("X")],
    )
    assert statuses(graph) == {
        "X": ("listed", None, None),
        "A": ("blocked", 100.0, 100.0),
        "B": ("blocked", 50.0, 50.0),
    }


def test_cli_blocked_json(graph, make_dataset, run_cli):
    load(
        graph,
        make_dataset,
        [person("X", "RU"), company("A", "CY")],
        [owns("X", "A", 50)],
        [listing("X")],
    )
    result = run_cli("blocked", "--as-of", "2023-01-01", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [(d["id"], d["status"]) for d in document] == [("X", "listed"), ("A", "blocked")]
    assert set(document[1]) >= {
        "id",
        "name",
        "status",
        "blocked_share_min",
        "blocked_share_max",
        "because",
    }
    assert document[1]["because"][0]["owner"] == "X"


@pytest.mark.parametrize("bad", ["--rule=us", "--as-of=2023-13-01"])
def test_cli_blocked_bad_options(run_cli, bad):
    assert run_cli("blocked", bad).exit_code != 0


def test_show_states_the_rule_status_down_to_the_listing(graph, make_dataset, run_cli):
    """`ownership show` (table and JSON) says blocked, and why: each blocked owner's stake and
    that owner's own reasons, down to the listing."""
    folder = make_dataset(
        [company("L", "RU"), company("M", "RU"), company("T", "RU"), company("Z", "RU")],
        [owns("L", "M", 50), owns("M", "T", 30), owns("L", "T", 25), owns("L", "Z", 10)],
        [],
        [{"entity_id": "L", "authority": "OFAC", "program": "RUSSIA", "listed_on": "2022-04-20"}],
    )
    import_paths(graph, [folder], "s")
    shown = run_cli("show", "T", "--as-of", "2022-07-01", "--format", "json")
    status = json.loads(shown.stdout)["rule_status"]
    assert status["status"] == "blocked" and status["blocked_share_min"] == 55
    [via_m, direct] = status["because"]
    assert (via_m["owner"], via_m["share"], via_m["owner_status"]) == ("M", 30, "blocked")
    [m_owner] = via_m["because"]
    assert (m_owner["owner"], m_owner["share"]) == ("L", 50)
    assert m_owner["listings"][0]["program"] == "RUSSIA"
    assert (direct["owner"], direct["listings"][0]["authority"]) == ("L", "OFAC")
    table = run_cli("show", "T", "--as-of", "2022-07-01").stdout.splitlines()
    assert table[1].strip() == (
        "Blocked under the OFAC 50% rule on 2022-07-01: listed or blocked parties own 55% of "
        "it in aggregate (at least 50% blocks)."
    )
    assert table[2:5] == [
        "    30% held by M Ltd [M, RU]: blocked (50% held by blocked parties)",
        "      50% held by L Ltd [L, RU]: listed",
        "        listed: OFAC RUSSIA since 2022-04-20",
    ]
    assert status["text"][:2] == [  # the same tree as text, from its root
        "T Ltd [T, RU]: blocked (55% held by blocked parties)",
        "  30% held by M Ltd [M, RU]: blocked (50% held by blocked parties)",
    ]
    assert [o["id"] for o in status["tree"]["owners"]] == ["M", "L"]
    not_blocked = json.loads(
        run_cli("show", "Z", "--as-of", "2022-07-01", "--format", "json").stdout
    )
    assert not_blocked["rule_status"]["status"] == "not-blocked"
    assert (
        "own 10% of it in aggregate; at least 50% blocks" in not_blocked["rule_status"]["summary"]
    )


def test_a_possibly_blocked_owner_that_becomes_blocked_later_blocks_what_it_holds(
    graph, make_dataset
):
    """X is possibly blocked after the first round (L1's 40–60 % band) and its stake in Y
    makes Y possibly blocked; L2, blocked only two rounds later (L3 → L4 → L2), adds 20 % to
    X, which then is blocked: Y, settled while X was only possibly blocked, must follow."""
    load(
        graph,
        make_dataset,
        [
            person("L1", "RU"),
            person("L3", "RU"),
            company("L4", "RU"),
            company("L2", "RU"),
            company("X", "CY"),
            company("Y", "RU"),
        ],
        [
            owns("L1", "X", None, share_min=40, share_max=60),
            owns("L3", "L4", 100),
            owns("L4", "L2", 100),
            owns("L2", "X", 20),
            owns("X", "Y", 100),
        ],
        [listing("L1"), listing("L3")],
    )
    found = statuses(graph)
    assert found["L2"] == ("blocked", 100.0, 100.0)
    assert found["X"] == ("blocked", 60.0, 80.0)
    assert found["Y"] == ("blocked", 100.0, 100.0)

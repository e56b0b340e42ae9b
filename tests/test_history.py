"""``ownership history`` and ``ownership diff`` on the seed scenario and on small hand-made
stories; every expected answer below was worked out by hand from ``seed/registry/ownership.csv``
(see ``seed/README.md``)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest
from conftest import REPO, company, owns, person

from ownership import cypher
from ownership.holdings import recompute
from ownership.identifiers import lei
from ownership.loader import import_paths

D = dt.date


@pytest.fixture()
def seed(graph):
    import_paths(graph, [REPO / "seed" / "registry"], "seed-registry", "csv")
    return graph


def test_history_of_ru_host_01_shows_the_direct_stake_that_ended(seed, run_cli):
    result = run_cli("history", "ru-host-01", "--format", "json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)
    assert [
        (i["direction"], i["id"], i["share"], i["start_date"], i["end_date"], i["sources"])
        for i in items
    ] == [
        ("owner", "jp-ex-01", 100.0, "2019-05-14", "2022-04-01", ["seed-registry"]),
        ("owner", "sg-shell-01", 100.0, "2022-04-01", None, ["seed-registry"]),
    ]
    # every item names the statement behind it, with its file and import time
    statement = items[0]["statements"][0]
    assert statement["record_id"] == "own:jp-ex-01|ru-host-01|2019-05-14"
    assert statement["file"].endswith("ownership.csv") and statement["imported_at"]


def test_history_of_jp_ex_01_both_directions_and_table(seed, run_cli):
    items = json.loads(run_cli("history", "jp-ex-01", "--format", "json").output)
    assert [(i["direction"], i["id"], i["start_date"], i["end_date"]) for i in items] == [
        ("owner", "jp-hd-01", "2018-04-01", None),
        ("holding", "ru-host-01", "2019-05-14", "2022-04-01"),
        ("holding", "sg-shell-01", "2022-03-10", None),
    ]
    table = run_cli("history", "jp-ex-01", "--as-of", "2022-07-01").output
    line = next(x for x in table.splitlines() if "ru-host-01" in x)
    assert "2019-05-14" in line and "2022-04-01" in line and not line.rstrip().endswith("yes")
    assert next(x for x in table.splitlines() if "sg-shell-01" in x).rstrip().endswith("yes")


def test_history_without_the_statements_details_names_the_same_statements(seed):
    """The explorer's History section reads the periods without the statements' details
    (claims=False); every period, and the keys of the statements behind it, are the same."""
    from ownership.analysis.entities import resolve
    from ownership.analysis.history import history

    checked = 0
    for row in seed.read(cypher.SEARCH_INDEX_ENTITIES):  # every entity
        ref = resolve(seed, row["uid"])
        whole, light = history(seed, ref), history(seed, ref, claims=False)
        assert [replace(p, statements=[]) for p in whole] == light
        assert all(p.records == [s.uid for s in p.statements] and p.records for p in whole)
        checked += len(whole)
    assert checked > 50


def test_history_splits_a_share_change_into_two_periods(seed, run_cli):
    items = json.loads(run_cli("history", "ru-otc-01", "--format", "json").output)
    lozhkin = [(i["share"], i["start_date"], i["end_date"]) for i in items if i["id"] == "p-07"]
    assert lozhkin == [(30.0, "2019-10-08", "2022-03-14"), (100.0, "2022-03-14", None)]


def test_history_band_and_unknown_entity(seed, run_cli):
    items = json.loads(run_cli("history", "ru-sub-05", "--format", "json").output)
    assert {(i["id"], i["share"], i["share_min"], i["share_max"]) for i in items} == {
        ("ru-mine-01", None, 40.0, 60.0),
        ("p-12", None, 40.0, 60.0),
    }
    missing = run_cli("history", "no-such-entity")
    assert missing.exit_code == 1 and "no entity matches" in missing.output


def test_two_sources_on_one_holding_are_one_period_with_both(graph, make_dataset, run_cli):
    """Two registries name the same two companies (same LEIs); the second states 55 % from
    2021 where the first states 60 % from 2020: two periods, the second a band of both."""
    entities = [
        company("a", "JP", lei=lei("5299000000000000A1")),
        company("b", "SG", lei=lei("5299000000000000B2")),
    ]
    first = make_dataset(entities, [owns("a", "b", 60, start_date="2020-01-01")])
    other = make_dataset(entities, [owns("a", "b", 55, start_date="2021-01-01")])
    import_paths(graph, [first], "registry-one", "csv")
    import_paths(graph, [other], "registry-three", "csv")
    items = json.loads(run_cli("history", "registry-one:a", "--format", "json").output)
    holdings = [i for i in items if i["direction"] == "holding"]
    assert [
        (h["start_date"], h["share"], h["share_min"], h["share_max"], h["sources"])
        for h in holdings
    ] == [
        ("2020-01-01", 60.0, None, None, ["registry-one"]),
        ("2021-01-01", None, 55.0, 60.0, ["registry-one", "registry-three"]),
    ]
    assert holdings[1]["disagree"] is True


def test_diff_tells_the_seed_story(seed, run_cli):
    result = run_cli(
        "diff",
        "--from-date",
        "2022-03-01",
        "--to-date",
        "2022-07-01",
        "--from-country",
        "JP",
        "--to-country",
        "RU",
        "--via-country",
        "SG",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert set(found) >= {
        "holdings_started",
        "holdings_ended",
        "holdings_changed",
        "chains_new",
        "chains_gone",
        "newly_blocked",
        "no_longer_blocked",
    }

    def pairs(key: str) -> list[tuple[str, str]]:
        return [(h["owner"]["id"], h["owned"]["id"]) for h in found[key]]

    # in the order they happened
    assert pairs("holdings_started") == [
        ("jp-ex-01", "sg-shell-01"),  # the shell, 2022-03-10
        ("sg-shell-01", "ru-host-01"),  # takes the hosting company, 2022-04-01
        ("jp-mine-02", "kz-01"),  # 2022-04-11
    ]
    assert pairs("holdings_ended") == [
        ("sg-sub-03", "ru-otc-01"),  # 2022-03-14
        ("jp-mine-02", "ru-mine-03"),  # 2022-03-31
        ("jp-ex-01", "ru-host-01"),  # 2022-04-01
        ("sg-mine-01", "ru-mine-02"),  # the miner exits, 2022-06-15
    ]
    assert found["holdings_ended"][-1]["dates"] == ["2022-06-15"]
    changed = {
        (h["owner"]["id"], h["before"]["share"], h["after"]["share"])
        for h in found["holdings_changed"]
    }
    assert changed == {("p-07", 30.0, 100.0), ("p-08", 49.0, 100.0)}
    chain_ids = lambda key: {tuple(e["id"] for e in c["entities"]) for c in found[key]}  # noqa: E731
    assert chain_ids("chains_new") == {
        ("jp-ex-01", "sg-shell-01", "ru-host-01"),
        ("jp-hd-01", "jp-ex-01", "sg-shell-01", "ru-host-01"),
    }
    assert chain_ids("chains_gone") == {
        ("jp-ex-03", "sg-sub-03", "ru-otc-01"),
        ("jp-mine-01", "sg-mine-01", "ru-mine-02"),
    }
    assert {f["id"]: f["status"] for f in found["newly_blocked"]} == {
        "ru-mine-01": "listed",
        "p-10": "listed",
        "ru-svc-01": "listed",
        "ru-sub-01": "blocked",
        "ru-sub-02": "blocked",
        "ru-sub-03": "blocked",
        "ru-sub-06": "blocked",
        "ru-sub-07": "blocked",
        "ru-sub-08": "blocked",
        "ru-svc-02": "blocked",
        "ru-sub-05": "possibly-blocked",
    }
    assert found["no_longer_blocked"] == []


def test_diff_names_the_red_flags_raised_and_cleared(seed, run_cli):
    """Between 2022-03-01 and 2022-07-01 (seed/registry): the Singapore shell, incorporated
    2022-03-10, bought into OOO Angara Hosting 22 days later, and p-04 became its director (a
    third company); sg-sub-03's Russian holding ended on 2022-03-14 and the miner's
    (sg-mine-01) on 2022-06-15, so neither leads to Russia any more."""
    result = run_cli(
        "diff", "--from-date", "2022-03-01", "--to-date", "2022-07-01", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert sorted((f["id"], f["flag"]) for f in found["flags_raised"]) == [
        ("p-04", "officer-hub"),
        ("sg-shell-01", "new-intermediary"),
    ]
    assert sorted((f["id"], f["flag"]) for f in found["flags_cleared"]) == [
        ("sg-mine-01", "new-intermediary"),
        ("sg-sub-03", "new-intermediary"),
    ]
    text = run_cli("diff", "--from-date", "2022-03-01", "--to-date", "2022-07-01").output
    assert "red flags raised: 2" in text and "red flags cleared: 2" in text
    assert "Kenji Tsubota (p-04): officer-hub: officer of 3 companies" in text


def test_diff_delisting_and_no_chain_question(seed, run_cli):
    found = json.loads(
        run_cli(
            "diff", "--from-date", "2023-08-01", "--to-date", "2023-10-01", "--format", "json"
        ).output
    )
    assert {f["id"] for f in found["no_longer_blocked"]} == {"ru-svc-01", "ru-svc-02"}
    assert found["newly_blocked"] == [] and found["chains_new"] == [] and found["chains_gone"] == []
    # sg-mine-01 dissolved, its holding company's stake ended 2023-01-31: not in this window
    assert found["holdings_ended"] == []
    text = run_cli("diff", "--from-date", "2022-03-01", "--to-date", "2022-07-01").output
    assert "holdings ended: 4" in text and "chains new" not in text
    assert (
        "Hokuto Compute Singapore Pte. Ltd. (SG) → OOO Baikal Hash (RU): 51% → — on 2022-06-15"
        in text
    )


def test_diff_refuses_reversed_dates_and_half_questions(seed, run_cli):
    reversed_ = run_cli("diff", "--from-date", "2022-07-01", "--to-date", "2022-03-01")
    assert reversed_.exit_code == 1 and "before --from-date" in reversed_.output
    half = run_cli(
        "diff", "--from-date", "2022-03-01", "--to-date", "2022-07-01", "--from-country", "JP"
    )
    assert half.exit_code != 0 and "go together" in half.output


def test_diff_sees_a_refresh_retiring_a_statement(graph, make_dataset, run_cli):
    """A statement a refresh retired stops counting on the day it was retired."""
    folder = make_dataset(
        [company("x", "JP"), company("y", "RU"), person("p", "RU")],
        [owns("x", "y", 100, start_date="2020-01-01"), owns("p", "x", 100)],
    )
    import_paths(graph, [folder], "reg", "csv")
    # what a refresh does on 2024-05-01 when the source no longer has these records
    gone = [
        {k: row[k] for k in ("uid", "owner", "owned")}
        for row in graph.read(cypher.REFRESH_STATE_OWNERSHIP, source="reg")
    ]
    assert len(gone) == 2
    graph.write(cypher.REFRESH_RETIRE_OWNERSHIP, rows=gone, run_id="r1", run_date=D(2024, 5, 1))
    with graph.transaction() as tx:
        recompute(tx, ["reg:x", "reg:p"])
    found = json.loads(
        run_cli(
            "diff", "--from-date", "2024-01-01", "--to-date", "2024-06-01", "--format", "json"
        ).output
    )
    assert sorted(
        (h["owner"]["id"], h["owned"]["id"], h["dates"]) for h in found["holdings_ended"]
    ) == [("p", "x", ["2024-05-01"]), ("x", "y", ["2024-05-01"])]
    before = json.loads(run_cli("history", "reg:y", "--format", "json").output)
    assert [(i["id"], i["start_date"], i["end_date"]) for i in before] == [
        ("x", "2020-01-01", "2024-05-01")
    ]


def test_diff_pages_and_summary_add_up_to_the_whole(seed, run_cli):
    window = ["diff", "--from-date", "2015-01-01", "--to-date", "2024-01-01"]
    whole = json.loads(run_cli(*window, "--format", "json").output)
    lists = [k for k, v in whole.items() if isinstance(v, list)]
    assert whole["counts"] == {k: len(whole[k]) for k in lists}
    assert whole["counts"]["holdings_started"] > 6 and whole["counts"]["newly_blocked"] > 6
    summary = json.loads(run_cli(*window, "--summary", "--format", "json").output)
    assert summary["counts"] == whole["counts"] and "holdings_started" not in summary
    pages = {k: [] for k in lists}
    for offset in range(0, max(whole["counts"].values()), 4):
        page = json.loads(
            run_cli(*window, "--limit", "4", "--offset", str(offset), "--format", "json").output
        )
        assert page["counts"] == whole["counts"]
        for k in lists:
            assert len(page[k]) <= 4
            pages[k] += page[k]
    assert pages == {k: whole[k] for k in lists}
    text = run_cli(*window, "--limit", "2", "--offset", "1").output
    assert f"holdings started: {whole['counts']['holdings_started']} (2–3 shown)" in text
    assert "holdings started:" in run_cli(*window, "--summary").output


def test_diff_classifies_every_pair_as_their_history_says(graph, tmp_path):
    """The server's classification (changed_holdings) against each owned entity's periods
    (``ownership history``), compared on the two dates here, on a generated registry."""
    from bench.generate import generate
    from ownership.analysis.entities import resolve
    from ownership.analysis.history import OWNER, compare_dates, history

    generate(tmp_path, 300, seed=11)
    import_paths(graph, [tmp_path], "bench")
    start, end = D(2021, 6, 1), D(2024, 1, 1)
    found = compare_dates(graph, start, end)
    listed = {
        (h.owner["uid"], h.owned["uid"], kind, h.before, h.after)
        for kind, items in (
            ("started", found.holdings_started),
            ("ended", found.holdings_ended),
            ("changed", found.holdings_changed),
        )
        for h in items
    }
    expected = set()
    rows = [r["holding"] for r in graph.read(cypher.LIBRARY["dated_holdings"])]
    for owned in sorted({r[1] for r in rows}):
        periods = [h for h in history(graph, resolve(graph, owned)) if h.direction == OWNER]
        for owner in {h.uid for h in periods}:
            mine = [h for h in periods if h.uid == owner]
            then = next((h.stated for h in mine if h.in_force(start)), None)
            now = next((h.stated for h in mine if h.in_force(end)), None)
            if then != now:
                kind = "started" if then is None else "ended" if now is None else "changed"
                expected.add((owner, owned, kind, then, now))
    assert len(expected) > 20
    assert listed == expected
    paged = compare_dates(graph, start, end, limit=5, offset=5)
    assert paged.holdings_started == found.holdings_started[5:10]
    assert paged.counts == found.counts


def test_kept_periods_answer_every_window_as_the_pass_over_the_graph(graph, tmp_path, monkeypatch):
    """The dated holding periods kept by import (``holding_periods``, in parts of 25 days of
    change here) give every window the rows the pass over every holding gives: windows
    inside a part, across parts, before and after every date, and empty."""
    from bench.generate import generate
    from ownership.analysis import holding_periods, maintained
    from ownership.analysis.stats import data_version
    from ownership.analysis.timelines import DatedGraph

    monkeypatch.setattr(holding_periods, "EVENTS_PER_PART", 25)
    generate(tmp_path, 300, seed=11)
    import_paths(graph, [tmp_path], "bench")
    version = data_version(graph)[0]
    kept = holding_periods.keep_periods(graph, DatedGraph.read(graph), version)
    assert kept > 100 and (holding_periods.KIND, None, data_version(graph)[0]) in maintained.kept(
        graph
    )

    def rows(found: list[list]) -> list[tuple]:
        return sorted(tuple(p) for p in found)

    windows = [
        (D(2021, 6, 1), D(2024, 1, 1)),
        (D(1990, 1, 1), D(2030, 1, 1)),
        (D(2023, 3, 1), D(2023, 3, 31)),
        (D(2022, 5, 17), D(2022, 5, 17)),
        (D(1900, 1, 1), D(1901, 1, 1)),
        (D(2040, 1, 1), D(2041, 1, 1)),
    ]
    for start, end in windows:
        [passed] = graph.read(cypher.CHANGED_HOLDINGS, from_date=start, to_date=end)
        assert rows(holding_periods.in_window(graph, start, end)) == rows(passed["periods"])
    # the kept answer is what is read: a holding taken out behind its back is still there
    [passed] = graph.read(cypher.CHANGED_HOLDINGS, from_date=windows[1][0], to_date=windows[1][1])
    owner, _, owned = passed["periods"][0][:3]
    graph.write(
        cypher.Query(
            "t", "MATCH (:Entity {uid: $a})-[h:HOLDS]->(:Entity {uid: $b}) DELETE h", "", write=True
        ),
        a=owner,
        b=owned,
    )
    found = holding_periods.in_window(graph, *windows[1])
    assert any(p[0] == owner and p[2] == owned for p in found)


def test_flags_raised_and_cleared_read_from_the_kept_header_equal_those_computed(graph, tmp_path):
    """Two dates' flags compared on the kept flags' header (which flag each piece is of)
    give the lists, order, counts and pages that comparing the two dates' computed flags
    gives, on a generated graph whose flags start and end on many days."""
    from bench.generate import generate
    from ownership.analysis import flags, maintained
    from ownership.analysis.stats import data_version
    from ownership.analysis.timelines import DatedGraph, keep_flag_timeline

    generate(tmp_path, 300, seed=11)
    import_paths(graph, [tmp_path], "bench")
    keep_flag_timeline(graph, DatedGraph.read(graph), data_version(graph)[0])
    kept = flags.KeptFlags.load(graph, flags.FlagSettings())
    assert kept is not None and kept.changes(D(2015, 1, 1), D(2024, 1, 1)) is not None
    assert (flags.KIND, None, data_version(graph)[0]) in maintained.kept(graph)

    def computed(before: dt.date, after: dt.date) -> tuple[list, list]:
        then, now = (
            flags.compute_red_flags(graph, flags.FlagSettings(), d) for d in (before, after)
        )
        was, became = ({(f.uid, f.flag) for f in day} for day in (then, now))
        return (
            [f for f in now if (f.uid, f.flag) not in was],
            [f for f in then if (f.uid, f.flag) not in became],
        )

    seen = 0
    for before, after in [
        (D(2015, 1, 1), D(2024, 1, 1)),
        (D(2021, 6, 1), D(2023, 6, 1)),
        (D(2022, 5, 17), D(2022, 5, 17)),
        (D(1900, 1, 1), D(2040, 1, 1)),
    ]:
        raised, cleared = computed(before, after)
        whole = flags.flag_changes(graph, before, after)
        assert (whole.raised, whole.cleared) == (raised, cleared)
        assert whole.counts == {"raised": len(raised), "cleared": len(cleared)}
        page = flags.flag_changes(graph, before, after, limit=3, offset=2)
        assert (page.raised, page.cleared) == (raised[2:5], cleared[2:5])
        assert page.counts == whole.counts
        seen += len(raised) + len(cleared)
    assert seen > 20  # the windows did raise and clear flags

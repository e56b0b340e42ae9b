"""The explorer's investigation features through Streamlit's AppTest, on the seed scenario:
the profile's history tab, ownership gap, "why" of a verdict and report button, and the
two-date comparison. Expected answers are the hand-checked ones of ``seed/README.md``."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import REPO
from test_explorer import app, explorer_env, frame_by_key, frame_with, texts, url  # noqa: F401

from ownership.analysis import upkeep
from ownership.analysis.landing import dated_flags
from ownership.loader import import_paths


@pytest.fixture()
def seed(graph, explorer_env):  # noqa: F811 (the fixture imported above)
    import_paths(graph, [REPO / "seed" / "registry"], "seed-registry", "csv")
    return graph


def _html(at) -> str:
    """The inline SVG pictures (drawn as Markdown with HTML allowed)."""
    return "\n".join(m.value for m in at.markdown if "<svg" in m.value)


def test_profile_history_shows_the_ended_direct_stake(seed):
    at = app(entity="ru-host-01", as_of="2022-07-01", section="history")
    history = frame_by_key(at, "profile_history")
    rows = [
        (r["direction"], r["id"], r["share"], r["start_date"], r["end_date"], r["in_force"])
        for _, r in history.iterrows()
    ]
    assert rows == [
        ("owner", "jp-ex-01", "100%", "2019-05-14", "2022-04-01", False),
        ("owner", "sg-shell-01", "100%", "2022-04-01", "", True),
    ]
    pictures = _html(at)
    assert "as of 2022-07-01" in pictures  # the timeline's as-of line
    assert "Tsubame Digital Exchange K.K. (JP)" in pictures
    assert "Ownership: 100 % known; 0 % unaccounted for" in texts(at).replace("\\", "")
    assert "Report" in [b.proto.label for b in at.get("download_button")]


def test_timeline_draws_the_first_counterparts_and_says_how_many_more(seed):
    """A group head's 1,318 holdings were a 34,000 px timeline: the picture draws the first
    ``most`` counterparts (ru-host-01's: jp-ex-01, then sg-shell-01) and says how many more."""
    from ownership.analysis.entities import resolve
    from ownership.analysis.history import history
    from ownership.explorer.pictures import timeline_svg

    found = history(seed, resolve(seed, "ru-host-01"))
    whole = timeline_svg(found, dt.date(2022, 7, 1))
    assert "Northbridge Lattice" in whole and "more counterparts" not in whole
    first = timeline_svg(found, dt.date(2022, 7, 1), most=1)
    assert "Tsubame Digital Exchange" in first and "Northbridge Lattice" not in first
    assert "… and 1 more counterpart, not drawn (every period is in the table)" in first


def test_profile_gap_and_why_of_a_blocked_company(seed):
    at = app(entity="ru-sub-07", as_of="2022-07-01")
    shown = texts(at).replace("\\", "")
    assert "Why: sanctions and the 50% rule" in shown
    code = "\n".join(c.value for c in at.code)
    assert "25% held by OOO Kedr Hosting Bratsk [ru-sub-02, RU]: blocked" in code
    assert "listed: OFAC RUSSIA-EO14024 since 2022-04-20" in code
    assert "<svg" in _html(at) and "AO Kedr Hashpower (RU)" in _html(at)
    gap = "Ownership: 100 % known; 0 % unaccounted for; natural person reached"
    assert gap in shown
    at = app(entity="jp-ex-01", as_of="2022-07-01")
    shown = texts(at).replace("\\", "")
    assert "Ownership: 62 % known; 38 % unaccounted for; no natural person reached" in shown
    assert "Why: sanctions" not in shown


def test_compare_view_tells_the_seed_story(seed):
    at = app(
        view="compare",
        from_date="2022-03-01",
        to_date="2022-07-01",
        **{"from": "JP", "to": "RU", "via": "SG"},
    )
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Chains appeared"] == "2" and metrics["Chains disappeared"] == "2"
    assert metrics["Newly caught (50% rule)"] == "11" and metrics["Red flags raised"] == "2"
    ended = frame_by_key(at, "compare_ended")
    assert list(zip(ended["owner"], ended["owned"], ended["on"], strict=True))[-1] == (
        "Hokuto Compute Singapore Pte. Ltd.",
        "OOO Baikal Hash",
        "2022-06-15",
    )
    started = frame_by_key(at, "compare_started")
    assert list(started["owned"])[:2] == ["Northbridge Lattice Pte. Ltd.", "OOO Angara Hosting"]
    new = [e.value for e in at.dataframe if list(e.value.columns) == ["chain", "links"]]
    assert len(new) == 2
    assert any(
        "Northbridge Lattice Pte. Ltd. (SG) -> OOO Angara Hosting" in c for c in new[0]["chain"]
    )
    assert any("Hokuto Hashworks K.K." in c for c in new[1]["chain"])
    assert "100% (seed-registry); 100% (seed-registry)" in list(new[0]["links"])
    blocked = frame_by_key(at, "compare_newly_blocked")
    assert len(blocked) == 11 and "ru-sub-07" in set(blocked["id"])
    raised = frame_by_key(at, "compare_flags_raised")
    assert sorted(zip(raised["id"], raised["flag"], strict=True)) == [
        ("p-04", "officer-hub"),
        ("sg-shell-01", "new-intermediary"),
    ]
    cleared = frame_by_key(at, "compare_flags_cleared")
    assert set(cleared["id"]) == {"sg-mine-01", "sg-sub-03"}
    assert url(at)["from_date"] == "2022-03-01" and url(at)["view"] == "compare"


def test_compare_view_refuses_reversed_dates(seed):
    at = app(view="compare", from_date="2022-07-01", to_date="2022-03-01")
    assert "The second date is before the first." in texts(at)


def test_landing_page_says_what_the_graph_holds(seed):
    at = app(as_of="2022-07-01")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Companies"] == "80" and metrics["Persons"] == "14"  # seed README: 94 rows
    assert metrics["Ownership statements"] == "64"
    sources = frame_with(at, "source", "entity_records", "imported_at")
    assert list(sources["source"]) == ["seed-registry"]
    assert list(sources["entity_records"]) == [94]
    groups = frame_by_key(at, "landing_groups")
    # ru-mine-01 holds 5 (ru-sub-01 … ru-sub-05), the most on 2022-07-01; then p-12 with 4
    assert list(groups["id"])[:2] == ["ru-mine-01", "p-12"]
    assert list(groups["holdings"])[:2] == [5, 4]
    assert "landing_flags" not in [d.key for d in at.dataframe]  # only when asked (slow)
    at.toggle(key="landing_show_flags").set_value(True).run()
    flags = frame_by_key(at, "landing_flags")
    assert "sg-shell-01" in set(flags["id"])  # the shell that took ru-host-01 three weeks in
    shown = texts(at)
    assert "2017-08-30" in shown  # the earliest start: p-10's stake in ru-mine-01


def test_landing_page_shows_the_dated_flags_an_import_kept(seed):
    """Kept by the import for its day (here 2022-07-01), the dated flags show at once."""
    upkeep.maintain(seed, dt.date(2022, 7, 1))
    at = app(as_of="2022-07-01")
    assert "landing_show_flags" not in [t.key for t in at.toggle]
    flags = frame_by_key(at, "landing_flags")
    assert "sg-shell-01" in set(flags["id"])
    assert list(flags["id"]) == [f.id for f in dated_flags(seed, dt.date(2022, 7, 1))]
    at = app(as_of="2022-03-01")  # another day: computed only when asked
    assert "landing_show_flags" in [t.key for t in at.toggle]


def test_landing_page_lists_the_first_dated_flags_and_counts_them(seed, monkeypatch):
    """A starting point, not the whole list: the first flags in their order, and how many."""
    from ownership.explorer.views import landing

    day = dt.date(2022, 7, 1)
    upkeep.maintain(seed, day)
    every = dated_flags(seed, day)
    assert len(every) > 1
    monkeypatch.setattr(landing, "STARTING_FLAGS", 1)
    at = app(as_of=day.isoformat())
    assert list(frame_by_key(at, "landing_flags")["id"]) == [every[0].id]
    assert f"The first 1 of {len(every)} rows are shown" in texts(at)


def test_gaps_view_lists_companies_no_person_reaches(seed):
    at = app(view="gaps", as_of="2022-07-01")
    table = frame_by_key(at, "gaps_table")
    assert len(table) == 55  # 80 companies, 25 reached by a natural person (test_report.py)
    row = table[table["id"] == "jp-ex-01"].iloc[0]
    assert (row["known"], row["unaccounted"]) == ("62%", "38%")
    assert "ru-sub-07" not in set(table["id"])  # p-11 and p-12 reach it
    at.toggle(key="gaps_all").set_value(True).run()
    assert len(frame_by_key(at, "gaps_table")) == 80
    assert url(at)["all"] == "1"


def test_profile_flag_evidence_opens_the_other_shells(seed):
    at = app(entity="sg-shell-01", as_of="2022-07-01")
    address = frame_by_key(at, "profile_evidence_0")
    assert len(address) == 6 and "sg-cs-01" in set(address["id"])
    officers = frame_by_key(at, "profile_evidence_1")
    assert set(officers["id"]) == {"sg-shell-02", "sg-shell-03", "sg-shell-04", "sg-shell-05"}
    shown = texts(at).replace("\\", "")
    assert "Desmond Quek Jun Hao (nominee-director here) is an officer of 5 companies" in shown


def test_chain_finder_names_each_links_source_statement(seed):
    """JP → RU on 2022-07-01: chain 3 is Tsubame → Northbridge Lattice → OOO Angara Hosting,
    its links stated by seed/registry/ownership.csv (own:… records, 100 % each)."""
    at = app(view="chains", **{"from": "JP", "to": "RU", "as_of": "2022-07-01"})
    table = frame_with(at, "record_id", "link", "owner", "owned")
    third = [
        (r["link"], r["owner"], r["record_id"], r["share"], r["start_date"], r["source"])
        for _, r in table.iterrows()
        if r["#"] == 3
    ]
    assert third == [
        (1, "Tsubame Digital Exchange K.K.", "own:jp-ex-01|sg-shell-01|2022-03-10", "100%",
         "2022-03-10", "seed-registry"),
        (2, "Northbridge Lattice Pte. Ltd.", "own:sg-shell-01|ru-host-01|2022-04-01", "100%",
         "2022-04-01", "seed-registry"),
    ]  # fmt: skip
    assert sorted(set(table["#"])) == list(range(1, 8))  # the 7 chains of the page
    assert all(table["file"].str.endswith("ownership.csv"))


def test_flags_and_gaps_pages_draw_the_first_rows_and_count_them_all(seed, monkeypatch):
    """The red flags and gaps pages read the counts and the first rows only (kept at import),
    in the order of ``ownership flags`` and ``ownership gaps``; a filter looks at them all."""
    from ownership.analysis.flags import red_flags
    from ownership.analysis.gaps import company_gaps
    from ownership.explorer import ui

    monkeypatch.setattr(ui, "MAX_SHOWN", 7)
    day = dt.date(2022, 6, 15)  # a day no other test caches
    upkeep.maintain(seed, day)
    every = red_flags(seed, as_of=day)
    at = app(view="flags", as_of=day.isoformat())
    assert not at.exception
    assert list(frame_by_key(at, "flags_table")["uid"]) == [f.uid for f in every[:7]]
    assert f"The first 7 of {len(every):,} rows are shown" in texts(at)
    at.text_input(key="flags_text").set_value("shell").run()
    found = frame_by_key(at, "flags_table")
    assert len(found) and all(
        "shell" in " ".join(r).lower() for r in found[["name", "id", "detail"]].values
    )
    gaps = company_gaps(seed, day)
    at = app(view="gaps", as_of=day.isoformat())
    assert list(frame_by_key(at, "gaps_table")["uid"]) == [c.uid for c in gaps[:7]]
    assert f"{len(gaps)} companies no natural person reaches" in texts(at)


def test_compare_view_shows_counts_and_one_page_at_a_time(seed, monkeypatch):
    """A long window: the counts of every kind, and each list a page at a time (four a page
    here, a hundred in the explorer), in the order of ``ownership diff``."""
    from ownership.analysis.history import compare_dates
    from ownership.explorer.views import compare

    monkeypatch.setattr(compare, "PAGE", 4)
    whole = compare_dates(seed, dt.date(2015, 1, 1), dt.date(2024, 1, 1))
    started = [h.owned["name"] for h in whole.holdings_started]
    assert len(started) > 8
    at = app(view="compare", from_date="2015-01-01", to_date="2024-01-01")
    assert list(frame_by_key(at, "compare_started")["owned"]) == started[:4]
    assert f"**Holdings that started:** {len(started)} (1–4 shown)" in texts(at)
    assert [m.value for m in at.metric][0] == str(len(started))
    at.number_input[0].set_value(2).run()
    assert not at.exception
    assert list(frame_by_key(at, "compare_started")["owned"]) == started[4:8]
    assert "(5–8 shown)" in texts(at)


def test_flags_thresholds_change_the_flags(seed):
    """A threshold set on the page applies to the flags listed (the seed's shared addresses
    are flagged at the default 3 companies, none at 10)."""

    def counted(at) -> str:  # "On 2022-07-01: circular-ownership 3, …"
        return next(c.value for c in at.caption if c.value.startswith("On 2022-07-01:"))

    at = app(view="flags", as_of="2022-07-01")
    assert "shared-address" in counted(at)
    at.number_input(key="flags_address").set_value(10).run()
    assert not at.exception and "shared-address" not in counted(at)
    assert "circular-ownership" in counted(at)  # the other detectors still run

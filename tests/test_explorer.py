"""The explorer's pages, driven through Streamlit's AppTest against the session's graph.

A small story, worked out by hand (shares in percent):

    p1 (person) ─100%─▶ jp1 (JP) ─100% from 2022-03-01─▶ sg1 (SG) ─60% from 2022-04-01─▶ ru1 (RU)
    jp2 (JP) ─100%─▶ ru2 (RU)                                        direct, no Singapore
    jp3 (JP) ─80%─▶ hk1 (HK) ─100%─▶ sg2 (SG) ─50% until 2022-06-01─▶ ru3 (RU)
    ru9 (RU, OFAC-listed 2022-04-20) ─60%─▶ ru10 (blocked)   ─30%─▶ ru11 (not blocked)

Chains JP → RU via SG on 2022-07-01: jp1 → sg1 → ru1 (60). On 2022-05-01 also
jp3 → hk1 → sg2 → ru3 (80 × 100 × 50 = 40).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import streamlit as st
from conftest import company, owns, person, slow_query
from streamlit.testing.v1 import AppTest

from bench.generate import generate
from ownership import clock
from ownership.analysis import entities, kept_chains
from ownership.analysis.chains import find_chains, search_chains
from ownership.analysis.stats import graph_stats
from ownership.embedded import EmbeddedServer
from ownership.explorer import data, exports, graphview, links, state
from ownership.explorer import subgraph as subgraph_mod
from ownership.explorer.subgraph import Edge, Node, Subgraph
from ownership.loader import import_paths

APP = str(Path(__file__).resolve().parent.parent / "app.py")
XSS = '<img src=x onerror="window.__xss=1">'


@pytest.fixture()
def explorer_env(monkeypatch, cli_env):
    """The app's environment: the session's graph, no cached results from other tests."""
    for key in (
        "NEO4J_URI",
        "NEO4J_USER",
        "NEO4J_PASSWORD",
        "NEO4J_DATABASE",
        "OWNERSHIP_BROWSER_URL",
    ):
        monkeypatch.delenv(key, raising=False)
    for key, value in cli_env.items():
        monkeypatch.setenv(key, value)
    st.cache_data.clear()
    st.cache_resource.clear()  # chain searches are kept as resources
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture()
def story(graph, make_dataset, explorer_env):
    folder = make_dataset(
        [
            company(
                "jp1",
                "JP",
                name="Sakura Digital K.K.",
                aliases="株式会社さくらデジタル",
                registration_number="1010001999999",
            ),
            company("jp2", "JP", name="Hinode Mining K.K."),
            company("jp3", "JP", name="Kaede Exchange K.K."),
            company("sg1", "SG", name="Lattice Harbour Pte. Ltd."),
            company("sg2", "SG", name="Coral Quay Pte. Ltd."),
            company("hk1", "HK", name="Peak Crest Limited"),
            company("ru1", "RU", name="OOO Baikal Compute", aliases="ООО «Байкал Компьют»"),
            company("ru2", "RU", name="OOO Lena Data"),
            company("ru3", "RU", name="OOO Angara Power"),
            company("ru9", "RU", name="AO Taiga Holding"),
            company("ru10", "RU", name="OOO Taiga Energo"),
            company("ru11", "RU", name="OOO Taiga Minor"),
            person("p1", "JP", name="Haruto Sato"),
        ],
        [
            owns("p1", "jp1", 100),
            owns("jp1", "sg1", 100, start_date="2022-03-01"),
            owns("sg1", "ru1", 60, start_date="2022-04-01"),
            owns("jp2", "ru2", 100),
            owns("jp3", "hk1", 80),
            owns("hk1", "sg2", 100),
            owns("sg2", "ru3", 50, end_date="2022-06-01"),
            owns("ru9", "ru10", 60),
            owns("ru9", "ru11", 30),
        ],
        [{"person_id": "p1", "company_id": "jp1", "role": "director", "start_date": "2020-01-01"}],
        [
            {
                "entity_id": "ru9",
                "authority": "OFAC",
                "program": "RUSSIA-EO14024",
                "listed_on": "2022-04-20",
            }
        ],
    )
    import_paths(graph, [folder], "story")
    return graph


def app(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_section(at: AppTest, word: str) -> AppTest:
    """Show the profile's section ``word`` (state.PROFILE_SECTIONS), as a click on its tab
    does: only the section shown is computed."""
    at.session_state["profile_section"] = state.PROFILE_SECTIONS[word]
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    parts = [
        e.value
        for kind in (
            "title",
            "header",
            "subheader",
            "caption",
            "markdown",
            "error",
            "warning",
            "info",
            "success",
        )
        for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)


def url(at: AppTest) -> dict[str, str]:
    """The address bar's parameters after the run (first value of each)."""
    values = {k: at.query_params[k] for k in at.query_params}
    return {k: (v[0] if isinstance(v, list) else v) for k, v in values.items()}


def titles(at: AppTest) -> list[str]:
    """Page titles as read (the app escapes Markdown in names)."""
    return [t.value.replace("\\", "") for t in at.title]


def frame_by_key(at: AppTest, key: str):
    """A table whose rows can be selected (those have their key in the tree)."""
    for element in at.dataframe:
        if element.key == key:
            return element.value
    raise AssertionError(f"no table {key}: {[d.key for d in at.dataframe]}")


def frame_with(at: AppTest, *columns: str):
    """The first table with all of ``columns``."""
    for element in at.dataframe:
        if set(columns) <= set(element.value.columns):
            return element.value
    raise AssertionError(f"no table with {columns}")


def iframes(at: AppTest) -> list[str]:
    return [e.proto.srcdoc for e in at.get("iframe")]


# -- deep links --------------------------------------------------------------------------------


def test_entity_deep_link_shows_profile(story):
    at = app(entity="ru1", as_of="2022-07-01")
    assert "OOO Baikal Compute" in titles(at)
    identity = frame_with(at, "property", "value", "sources")
    assert "ООО «Байкал Компьют»" in " ".join(identity["value"])
    assert set(identity["sources"]) == {"story:ru1"}
    assert url(at) == {"entity": "ru1", "as_of": "2022-07-01"}
    # only the Overview is computed until another section is chosen
    assert not iframes(at) and "profile_owners" not in [d.key for d in at.dataframe]
    owners = frame_by_key(open_section(at, "holdings"), "profile_owners")
    shares = dict(zip(owners["id"], owners["effective_share"], strict=True))
    assert shares == {"sg1": 60.0, "jp1": 60.0, "p1": 60.0}
    assert dict(zip(owners["id"], owners["hops"], strict=True)) == {"sg1": 1, "jp1": 2, "p1": 3}
    assert url(at) == {"entity": "ru1", "as_of": "2022-07-01", "section": "holdings"}
    records = frame_with(open_section(at, "provenance"), "property", "story:ru1")
    assert "story:ru1" in records.columns
    pages = iframes(open_section(at, "graph"))
    assert len(pages) == 1 and "OOO Baikal Compute" in pages[0] and "Lattice Harbour" in pages[0]
    assert url(at) == {"entity": "ru1", "as_of": "2022-07-01", "section": "graph"}
    linked = app(entity="ru1", as_of="2022-07-01", section="graph")  # the link opens it
    assert iframes(linked) == pages
    assert "Identity" not in [h.value for h in linked.subheader]  # the Overview is not run


def test_profile_respects_the_as_of_date(story):
    at = app(entity="ru1", as_of="2022-03-15", section="holdings")  # sg1 → ru1 from 2022-04-01
    assert "no owner known on 2022-03-15" in texts(at)


def test_entity_link_by_exact_name_and_unknown_entity(story):
    at = app(entity="Sakura Digital K.K.", as_of="2022-07-01", section="holdings")
    assert "Sakura Digital K.K." in titles(at)
    subsidiaries = frame_by_key(at, "profile_subsidiaries")
    assert set(subsidiaries["id"]) == {"sg1", "ru1"}
    officers = frame_by_key(open_section(at, "officers"), "profile_officers")
    assert list(officers["name"]) == ["Haruto Sato"]
    at = app(entity="no-such-entity")
    assert "No entity is called or identified by" in texts(at)


def test_profile_pages_a_large_group_strongest_first(story, monkeypatch):
    """Owners beyond a page are shown a page at a time, in the order of `ownership owners`."""
    from ownership.explorer.views import profile

    monkeypatch.setattr(profile, "HOLDINGS_PAGE", 2)
    at = app(entity="ru1", as_of="2022-07-01", section="holdings")
    assert list(frame_by_key(at, "profile_owners")["id"]) == ["sg1", "jp1"]  # 60 % each, nearest
    assert "1–2 of 3, strongest first" in texts(at)
    at.number_input(key="profile_owners_page").set_value(2).run()
    assert list(frame_by_key(at, "profile_owners")["id"]) == ["p1"]
    # subsidiaries are read a page at a time (kept_holdings.ranked), in the same order
    monkeypatch.setattr(profile, "HOLDINGS_PAGE", 1)
    at = app(entity="p1", as_of="2022-07-01", section="holdings")
    assert "Subsidiaries (3)" in [h.value for h in at.subheader]
    assert [m.value for m in at.metric][:2] == ["0", "3"]  # owners, subsidiaries
    shown = []
    for page in (1, 2, 3):
        at.number_input(key="profile_subsidiaries_page").set_value(page).run()
        shown += list(frame_by_key(at, "profile_subsidiaries")["id"])
        assert f"{page}–{page} of 3, strongest first" in texts(at)
    assert shown == ["jp1", "sg1", "ru1"]  # 100 %, 100 % (2 hops), 60 %


def test_chains_deep_link_shows_the_chains(story):
    question = kept_chains.Question("JP", "RU", ("SG",), 6, dt.date(2022, 7, 1))
    assert kept_chains.load(story, question) is None
    at = app(view="chains", **{"from": "JP", "to": "RU", "via": "SG", "as_of": "2022-07-01"})
    table = frame_by_key(at, "chains_table")
    assert list(table["ids"]) == ["jp1 → sg1 → ru1"]
    assert kept_chains.load(story, question) is not None  # kept once the page was drawn
    assert data.PENDING == []
    assert list(table["effective_share"]) == [60.0]
    assert list(table["shares"]) == ["100% → 60%"]
    assert list(table["in_force_since"]) == ["2022-04-01"]
    assert "1 chain JP → RU via SG on 2022-07-01" in texts(at)
    assert len(iframes(at)) == 1 and "Lattice Harbour" in iframes(at)[0]

    at = app(view="chains", **{"from": "JP", "to": "RU", "via": "SG", "as_of": "2022-05-01"})
    table = frame_by_key(at, "chains_table")
    assert list(table["ids"]) == ["jp1 → sg1 → ru1", "jp3 → hk1 → sg2 → ru3"]
    assert list(table["effective_share"]) == [60.0, 40.0]

    at = app(view="chains", **{"from": "JP", "to": "RU", "as_of": "2022-07-01"})
    table = frame_by_key(at, "chains_table")
    assert set(table["ids"]) == {"jp1 → sg1 → ru1", "jp2 → ru2"}
    assert url(at)["view"] == "chains"


def test_chains_country_codes_are_checked_with_a_suggestion(story):
    at = app(view="chains", **{"from": "Japan", "to": "RUS"})
    errors = " ".join(e.value for e in at.error)
    assert "did you mean JP?" in errors and "did you mean RU?" in errors
    assert not at.dataframe


def test_an_import_shows_at_once_on_every_page(story, make_dataset):
    """Cached results are keyed on the data version: no page shows data from before an import
    (which may come from the CLI, another process), and the sidebar says how old the data is."""
    at = app(view="chains", **{"from": "JP", "to": "RU", "via": "SG", "as_of": "2022-07-01"})
    assert len(frame_by_key(at, "chains_table")) == 1
    assert "Data: last imported" in " ".join(c.value for c in at.sidebar.caption)
    more = make_dataset(
        [company("jp8", "JP"), company("sg8", "SG"), company("ru8", "RU")],
        [owns("jp8", "sg8", 100), owns("sg8", "ru8", 100)],
    )
    import_paths(story, [more], "more")
    time.sleep(data.VERSION_TTL)  # the version itself is re-read every few seconds
    at.run()
    assert len(frame_by_key(at, "chains_table")) == 2


def test_chain_finder_pages_through_the_fixed_order(graph, explorer_env, tmp_path):
    """Totals, start entities and pages of the chain finder are those of the full computation."""
    generate(tmp_path / "registry", companies=3000, seed=7)
    import_paths(graph, [tmp_path / "registry"], "bench")
    expected = search_chains(graph, "JP", "RU", [], dt.date(2024, 6, 1), 6)
    assert expected.total > 100

    def chain_ids(first: int) -> list[str]:
        return [" → ".join(e["id"] for e in c.entities) for c in expected.page(50, first)]

    at = app(view="chains", **{"from": "JP", "to": "RU", "as_of": "2024-06-01"})
    assert f"{expected.total} chains JP → RU on 2024-06-01" in texts(at)
    starts = frame_with(at, "chains", "max_effective_share")
    assert list(starts["id"]) == [s["id"] for s in expected.starts()]
    table = frame_by_key(at, "chains_table")
    assert list(table["rank"]) == list(range(1, 51)) and list(table["ids"]) == chain_ids(0)
    at.number_input(key="chains_page").set_value(2).run()
    table = frame_by_key(at, "chains_table")
    assert list(table["rank"]) == list(range(51, 101)) and list(table["ids"]) == chain_ids(50)
    assert len(iframes(at)) == 1  # the page drawn, not every chain


def test_chains_form_updates_the_url(story):
    at = app(view="chains", as_of="2022-07-01")
    at.text_input(key="chains_from").set_value("jp")
    at.text_input(key="chains_to").set_value("ru")
    at.text_input(key="chains_via").set_value("sg")
    submit = [b for b in at.button if b.label == "Find chains"][0]
    submit.click().run()
    assert not at.exception
    assert list(frame_by_key(at, "chains_table")["ids"]) == ["jp1 → sg1 → ru1"]
    assert url(at) == {
        "view": "chains",
        "from": "JP",
        "to": "RU",
        "via": "SG",
        "as_of": "2022-07-01",
    }


def test_profile_states_the_50_percent_rule_status_and_why(story):
    """ru10 is blocked because listed ru9 holds 60% of it; ru11 is not (30% from ru9)."""
    at = app(entity="ru10", as_of="2022-07-01")
    errors = " ".join(e.value for e in at.error).replace("\\", "")  # shown as Markdown
    assert "listed or blocked parties own 60% of it in aggregate" in errors
    why = "\n".join(c.value for c in at.code)
    assert "  60% held by AO Taiga Holding [ru9, RU]: listed" in why
    assert "    listed: OFAC" in why  # down to the listing
    at = app(entity="ru11", as_of="2022-07-01")
    assert (
        "Not blocked under the OFAC 50% rule on 2022-07-01: listed or blocked parties own 30% "
        "of it in aggregate; at least 50% blocks." in texts(at).replace("\\", "")
    )
    owners = frame_by_key(open_section(at, "holdings"), "profile_owners")
    assert dict(zip(owners["id"], owners["status"], strict=True)) == {"ru9": "listed"}


def test_url_follows_the_view_and_the_date(story):
    at = app(entity="ru10", as_of="2022-07-01")
    assert "Blocked under the OFAC 50% rule on 2022-07-01" in texts(at).replace("\\", "")
    at.date_input(key="as_of").set_value(dt.date(2022, 3, 1)).run()
    assert url(at) == {"entity": "ru10", "as_of": "2022-03-01"}
    at.radio(key="view").set_value("blocked").run()
    assert url(at) == {"view": "blocked", "as_of": "2022-03-01"}
    assert "Nothing is listed or blocked on 2022-03-01." in texts(at)
    at.radio(key="view").set_value("entity").run()  # back: the same entity, the new date
    assert url(at) == {"entity": "ru10", "as_of": "2022-03-01"}
    assert "OOO Taiga Energo" in titles(at)


def test_blocked_page_lists_listed_and_blocked_with_reasons(story):
    at = app(view="blocked", as_of="2022-07-01")
    table = frame_by_key(at, "blocked_table")
    status = dict(zip(table["id"], table["status"], strict=True))
    assert status == {"ru9": "listed", "ru10": "blocked"}
    because = dict(zip(table["id"], table["because"], strict=True))
    assert "OFAC RUSSIA-EO14024 since 2022-04-20" in because["ru9"]
    assert because["ru10"] == "60% held by AO Taiga Holding (listed)"
    assert not [e for e in at.dataframe if "owner_name" in e.value.columns]  # not chosen yet
    at.session_state["blocked_section"] = "Justification"
    at.run()
    reasons = frame_with(at, "reason", "owner_name")
    assert set(reasons["reason"]) == {"listing", "owned by blocked party"}
    assert set(reasons["id"]) == {"ru9", "ru10"}
    at = app(view="blocked", as_of="2022-03-01")
    assert "Nothing is listed or blocked on 2022-03-01." in texts(at)


def test_typos_get_a_did_you_mean(story):
    """A search or a link that matches nothing offers the names close to it (rapidfuzz)."""
    at = app(q="Baikal Compte")
    assert "No entity matches" in texts(at)
    assert at.selectbox(key="search_suggest").value == "story:ru1"  # OOO Baikal Compute
    at.button(key="search_suggest.open").click().run()
    assert "OOO Baikal Compute" in titles(at)
    at = app(entity="Sakura Digital KK")
    assert at.selectbox(key="profile_suggest").value == "story:jp1"


def test_flags_page_runs_every_detector(story):
    at = app(view="flags", as_of="2022-07-01")
    assert not at.exception
    assert any(h.value == "Red flags" for h in at.header)


# -- search and navigation ---------------------------------------------------------------------


def test_search_then_open_a_result(story):
    at = app(view="search", as_of="2022-07-01")
    at.text_input(key="search_q").set_value("sakura").run()
    results = frame_by_key(at, "search_results")
    assert list(results["id"]) == ["jp1"]
    at.button(key="search_pick.open").click().run()
    assert not at.exception
    assert "Sakura Digital K.K." in titles(at)
    assert url(at) == {"entity": "story:jp1", "as_of": "2022-07-01"}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("байкал", "ru1"),  # Cyrillic alias, any case
        ("さくら", "jp1"),  # Japanese alias
        ("1010001999999", "jp1"),  # registration number
        ("LATTICE harbour", "sg1"),  # case and punctuation
    ],
)
def test_search_finds_aliases_and_identifiers(story, text, expected):
    at = app(view="search", q=text)
    assert expected in list(frame_by_key(at, "search_results")["id"])


def test_search_lists_a_record_id_that_no_name_contains(story):
    """The names search and the exact references are asked side by side (``entities.find``):
    a record id is found by the second alone, and listed once."""
    assert "story:jp1" not in {r["uid"] for r in entities.search(story, "story:jp1")}
    at = app(view="search", q="story:jp1")
    assert list(frame_by_key(at, "search_results")["id"]) == ["jp1"]
    name = "Sakura Digital K.K."  # found by both: listed once
    assert [c.uid for c in entities.candidates(story, name)] == ["story:jp1"]
    assert [r["uid"] for r in entities.find(story, name)].count("story:jp1") == 1


# -- console -----------------------------------------------------------------------------------


def test_console_refuses_writes_and_changes_nothing(story):
    before = graph_stats(story)
    at = app(view="console")
    at.radio(key="console_mode").set_value("Ad hoc Cypher").run()
    at.text_area(key="console_text").set_value("MATCH (n) DETACH DELETE n").run()
    at.button(key="console_run_button").click().run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "Refused" in errors and ("DETACH" in errors or "DELETE" in errors)
    assert graph_stats(story) == before


def test_console_runs_a_named_query_and_draws_its_graph(story):
    at = app(
        view="console", query="nodes_by_uid", params=json.dumps({"uids": ["story:jp1"]}), run="1"
    )
    table = frame_with(at, "uid", "id", "name", "sanctioned", "degree")
    assert list(table["id"]) == ["jp1"]
    at = app(
        view="console", cypher="MATCH (a:Company)-[r:OWNS]->(b:Entity) RETURN a, r, b", run="1"
    )
    table = frame_with(at, "a", "r", "b")
    assert len(table) == 8
    assert iframes(at) and "Peak Crest Limited" in iframes(at)[0]


def test_console_reports_bad_parameters_and_failed_queries(story):
    at = app(view="console", query="nodes_by_uid", params="{not json", run="1")
    assert "parameters are not valid JSON" in " ".join(e.value for e in at.error)
    at = app(view="console", cypher="MATCH (n RETURN n", run="1")
    errors = " ".join(e.value for e in at.error)
    assert errors.startswith("The query failed") and "Traceback" not in errors
    assert not at.exception


def test_console_timeout_stops_the_query(story):
    """A count that takes seconds (``slow_query``); a 1 s timeout must cut it off."""
    at = app(view="console", cypher=slow_query(story))
    at.number_input(key="console_timeout").set_value(1).run()
    at.button(key="console_run_button").click().run()
    errors = " ".join(e.value for e in at.error)
    assert "stopped at its 1 s timeout" in errors, errors
    assert not at.dataframe  # no answer shown


# -- failures ----------------------------------------------------------------------------------


def test_unreachable_database_shows_a_notice_not_a_traceback(monkeypatch, tmp_path):
    monkeypatch.setenv("OWNERSHIP_HOME", str(tmp_path))
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:9")
    monkeypatch.setenv("NEO4J_USER", "neo4j")
    monkeypatch.setenv("NEO4J_PASSWORD", "wrong")
    for params in ({}, {"entity": "x"}, {"view": "chains", "from": "JP", "to": "RU"}):
        at = app(**params)
        assert not at.exception
        errors = " ".join(e.value for e in at.error)
        assert "not reachable" in errors and "Traceback" not in errors
        assert "wrong" not in errors  # never the password


@pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")), reason="stops an embedded server")
def test_a_stopped_server_is_one_sentence_and_reconnect_restarts_it(monkeypatch, tmp_path):
    monkeypatch.setenv("OWNERSHIP_HOME", str(tmp_path))
    for key in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE"):
        monkeypatch.delenv(key, raising=False)
    st.cache_resource.clear()
    server = EmbeddedServer(tmp_path)
    try:
        at = app(q="anything")
        assert "No entity matches" in texts(at)
        os.kill(server.status().pid, signal.SIGKILL)  # the server dies
        time.sleep(data.VERSION_TTL)  # until then, pages are answered from the cache
        at.run()
        assert not at.exception
        [error] = [e.value for e in at.error]
        assert error == (
            "The graph server is not reachable (it may have stopped): press Reconnect to start "
            "it again."
        )
        at.button(key="reconnect_Search").click().run()
        assert not at.error and "No entity matches" in texts(at)
        assert server.status().running
    finally:
        server.stop()
        st.cache_resource.clear()


def test_bad_as_of_in_link_is_a_warning(story):
    at = app(view="blocked", as_of="2022-13-40")
    assert "is not a date" in " ".join(w.value for w in at.warning)
    assert url(at)["as_of"] == clock.today().isoformat()


# -- Neo4j Browser links -----------------------------------------------------------------------


def _browser_link_script() -> None:
    import streamlit as st

    from ownership import cypher
    from ownership.explorer import ui

    class Remote:
        embedded = False

    class Embedded:
        embedded = True

    ui.browser_link(Remote(), cypher.CHAINS, {"from_country": "JP"}, 4, key="remote")
    ui.browser_link(Embedded(), cypher.CHAINS, {}, 4, key="embedded")
    st.write("done")


def test_neo4j_browser_link_only_when_not_embedded(monkeypatch):
    monkeypatch.setenv("OWNERSHIP_BROWSER_URL", "http://neo4j.example:7474/")
    at = AppTest.from_function(_browser_link_script, default_timeout=30).run()
    assert not at.exception
    buttons = at.get("link_button")
    assert len(buttons) == 1
    url = buttons[0].proto.url
    assert url.startswith("http://neo4j.example:7474/browser?cmd=edit&arg=")
    assert "%3Aparam%20from_country%20%3D%3E%20%27JP%27" in url and "HOLDS%2A1..4" in url


def test_browser_url_default(monkeypatch):
    monkeypatch.delenv("OWNERSHIP_BROWSER_URL", raising=False)
    from ownership import cypher

    url = links.browser_url(cypher.NODES_BY_UID, {"uids": ["a"]})
    assert url.startswith("http://localhost:7474/browser?cmd=edit&arg=%3Aparam%20uids")


# -- graph caps ----------------------------------------------------------------------------------


@pytest.fixture()
def hub_story(graph, make_dataset, explorer_env):
    """o ─100%─▶ h (a formation agent) ─100%─▶ t, and h holds 1% of 40 client companies."""
    entities = [
        company("t", "SG", name="Target Pte. Ltd."),
        company("h", "VG", name="Formation Agent Ltd"),
        person("o", "GB", name="Owner Person"),
    ]
    entities += [company(f"c{i:02d}", "VG", name=f"Client {i:02d} Ltd") for i in range(40)]
    ownership = [owns("h", "t", 100), owns("o", "h", 100)] + [
        owns("h", f"c{i:02d}", 1) for i in range(40)
    ]
    import_paths(graph, [make_dataset(entities, ownership)], "hub")
    return graph


def test_subgraph_caps_per_node_hubs_and_total(hub_story):
    from ownership.explorer.subgraph import build

    today = clock.today()
    sub = build(hub_story, ["hub:t"], ["hub:h", "hub:o"], today, per_node=15, expand=["hub:h"])
    ids = [n.id for n in sub.nodes]
    assert ids[:3] == ["hub:t", "hub:h", "hub:o"] and len(ids) == 17  # o, then 14 clients
    assert sub.node("hub:h").more == 26 and sub.left_out == 26
    assert all(e.source in ids and e.target in ids for e in sub.edges) and len(sub.edges) == 16

    sub = build(
        hub_story, ["hub:t"], ["hub:h", "hub:o"], today, per_node=15, hub_limit=30, expand=["hub:h"]
    )
    assert [n.id for n in sub.nodes] == ["hub:t", "hub:h", "hub:o"]  # the paths pass the hub
    assert sub.node("hub:h").hub and sub.node("hub:h").more == 40

    sub = build(
        hub_story,
        ["hub:t"],
        ["hub:h", "hub:o"],
        today,
        per_node=None,
        max_nodes=5,
        expand=["hub:h"],
    )
    assert len(sub.nodes) == 5 and sub.left_out == 38


def test_profile_graph_caps_in_the_app(hub_story):
    at = app(entity="hub:t", section="graph")
    page = iframes(at)[0]
    assert "and 40 more" in page  # the hub, suppressed by default
    at.toggle(key="profile_graph.hubs").set_value(False).run()
    at.multiselect(key="profile_expand.hub:t").set_value(["hub:h"]).run()
    assert not at.exception
    page = iframes(at)[0]
    assert "and 26 more" in page and "Client 00 Ltd" in page and "Client 39 Ltd" not in page


# -- drawing and exports (no server) -----------------------------------------------------------


def _sub() -> Subgraph:
    return Subgraph(
        nodes=[
            Node(
                id="s:x",
                name=XSS,
                record_id="x",
                jurisdiction="JP",
                kind="company",
                focus=True,
                tags=["<b>tag</b>"],
                status="listed",
            ),
            Node(
                id="s:y",
                name="A & B <Holdings> href",
                record_id="y",
                jurisdiction="RU",
                kind="company",
                more=3,
            ),
            Node(id="s:p", name="Ivan", record_id="p", jurisdiction="RU", kind="person"),
        ],
        edges=[
            Edge("s:x", "s:y", share=60.0, start_date=dt.date(2022, 4, 1)),
            Edge("s:p", "s:x", share=None, share_min=40.0, share_max=60.0),
        ],
        as_of=dt.date(2022, 7, 1),
    )


def test_graph_page_escapes_names_and_is_offline():
    page = graphview.render(_sub())
    assert XSS not in page and "<b>tag</b>" not in page
    # inside the page's JSON, & and < are \u0026 and \u003c: the names arrive escaped
    assert "\\u0026lt;img src=x onerror=\\u0026quot;window.__xss=1" in page  # tooltip: html.escape
    # labels are canvas text (no markup mode), carried as JSON strings: "<" is \u003c there
    assert (  # the focus: a star (graphview.FOCUS_MARK); a long name wrapped and shortened
        '"label": "\\u2605 \\u003cimg src=x\\nonerror=\\"window.__x\\u2026\\nJP \\u00b7 '
        'LISTED"' in page
    )
    assert '"multi": false' in page
    assert "hre\\u0026#102;" in page  # never pyvis's innerHTML tooltip mode
    assert "cdn.jsdelivr" not in page and "cdnjs" not in page
    assert "Content-Security-Policy" in page
    assert "stabilizationIterationsDone" in page and "physics: {enabled: false}" in page
    assert "and 3 more" in page
    assert "40\\u201360%" in page


def test_graph_exports():
    sub = _sub()
    root = ET.fromstring(exports.graphml_bytes(sub))
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    assert len(root.findall(".//g:node", ns)) == 3 and len(root.findall(".//g:edge", ns)) == 2
    names = [d.text for d in root.findall(".//g:data[@key='n_name']", ns)]
    assert XSS in names  # the data itself, as XML text
    try:
        import networkx as nx
    except ImportError:  # pragma: no cover
        nx = None
    if nx is not None:
        g = nx.read_graphml(__import__("io").BytesIO(exports.graphml_bytes(sub)))
        assert g.number_of_edges() == 2 and g.nodes["s:x"]["name"] == XSS
    data = json.loads(exports.json_bytes(sub))
    assert data["as_of"] == "2022-07-01" and data["edges"][0]["start_date"] == "2022-04-01"


def test_csv_export_defuses_formulas():
    import pandas as pd

    text = exports.csv_bytes(pd.DataFrame({"name": ['=HYPERLINK("x")', "Кедр"], "n": [1, -2]}))
    decoded = text.decode("utf-8-sig")
    assert "'=HYPERLINK" in decoded and "Кедр" in decoded and ",-2" in decoded


def test_deep_link_format():
    assert (
        links.query_string({"view": "chains", "from": "JP", "via": ["SG", "HK"], "hops": None})
        == "?view=chains&from=JP&via=SG&via=HK"
    )
    assert (
        links.absolute({"entity": "a b"}, "http://127.0.0.1:8501/?x=1")
        == "http://127.0.0.1:8501/?entity=a+b"
    )
    assert (
        state.parse_date("2022-07-01") == dt.date(2022, 7, 1) and state.parse_date("nope") is None
    )


def test_app_py_is_a_two_line_entry():
    lines = [
        line
        for line in Path(APP).read_text().splitlines()
        if line.strip() and not line.startswith('"""')
    ]
    assert lines == ["from ownership.explorer.main import run", "run()"]
    assert os.path.exists(APP)


def test_changes_page_shows_the_last_refresh(graph, make_dataset, explorer_env, settings, tmp_path):
    from ownership.refresh.runner import run_refresh
    from ownership.refresh.sources import load_config

    folder = make_dataset(
        [
            company("jpx", "JP", name="Hoshi Exchange K.K."),
            company("rux", "RU", name="OOO Sever Data"),
        ],
        [owns("jpx", "rux", 100)],
        name="registry",
    )
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[[source]]\nname = "changes-test"\npath = "{folder}"\nformat = "csv"\n\n[[watch]]\nfrom = "JP"\nto = "RU"\n'
    )
    report = run_refresh(load_config(sources), settings.home, lambda: type(graph).open(settings))
    at = app(view="changes")
    shown = texts(at)
    assert f"Run {report.run_id}: ok" in shown
    assert "Watched chains that appeared:** 1" in shown
    # a first load changed the data: the answers were kept again, and the page says why
    assert report.answers_kept is not None
    [line] = [t for t in shown.splitlines() if "graph answers for" in t]
    assert "kept in" in line and line.endswith("this run changed the data\\)")
    table = frame_with(at, "chain", "effective share")
    assert table["chain"].tolist() == ["Hoshi Exchange K.K. (JP) → OOO Sever Data (RU)"]
    assert url(at)["run"] == report.run_id


def test_chain_graph_provenance_counts_source_records(graph, make_dataset):
    """A holding on two chains is one edge stated by one record; a holding two sources state is
    one edge stated by two (the tooltip and GraphML say so), whatever the number of chains."""
    a = make_dataset(
        [
            company("jp1", "JP"),
            company("sg1", "SG", registration_number="S1"),
            company("ru1", "RU", registration_number="R1"),
            company("ru2", "RU"),
        ],
        [owns("jp1", "sg1", 100), owns("sg1", "ru1", 60), owns("sg1", "ru2", 50)],
    )
    b = make_dataset(
        [
            company("x", "SG", registration_number="S1"),
            company("y", "RU", registration_number="R1"),
        ],
        [owns("x", "y", 60)],
    )
    import_paths(graph, [a], "a")
    import_paths(graph, [b], "b")
    found = find_chains(graph, "JP", "RU", as_of=dt.date(2024, 1, 1))
    assert len(found) == 2  # both through jp1 -> sg1
    sub = subgraph_mod.from_chains(graph, found, dt.date(2024, 1, 1))
    records = {(e.source, e.target): e.records for e in sub.edges}
    assert records == {("a:jp1", "a:sg1"): 1, ("a:sg1", "a:ru1"): 2, ("a:sg1", "a:ru2"): 1}
    html = graphview.render(sub, title="chains")
    assert html.count("stated by 2 source records") == 1
    graphml = exports.graphml_bytes(sub).decode()
    assert graphml.count('<data key="e_records">2</data>') == 1


def test_exports_are_named_by_question_and_date_and_say_what_they_show(story):
    at = app(view="chains", **{"from": "JP", "to": "RU", "via": "SG", "as_of": "2022-07-01"})
    names = {b.proto.label: b.proto for b in at.get("download_button")}  # noqa: F841
    files = [b.proto.url or "" for b in at.get("download_button")]
    assert files, "no download buttons"
    html = graphview.render(
        subgraph_mod.from_chains(
            story, find_chains(story, "JP", "RU", ["SG"], dt.date(2022, 7, 1)), dt.date(2022, 7, 1)
        ),
        title="Ownership chains JP → RU via SG",
        heading=True,
    )
    assert "<h1" in html and "Ownership chains JP → RU via SG" in html
    assert "as of 2022-07-01" in html and "sources: story" in html


def test_tables_say_one_entity_and_leave_unknowns_empty(story):
    at = app(q="Hinode")
    assert "1 entity. Select a row to open its profile." in [c.value for c in at.caption]
    table = frame_by_key(at, "search_results")
    assert list(table["registration_number"]) == [""]  # not "None"
    at = app(view="chains", **{"from": "JP", "to": "RU", "via": "SG", "as_of": "2022-07-01"})
    assert any(h.value.startswith("1 chain JP → RU via SG") for h in at.subheader)
    assert "1 start entity reaches the target" in [e.label for e in at.expander]
    assert "1 entity, 1 ownership link" in graphview._heading(
        Subgraph(nodes=[Node("a", "A")], edges=[Edge("a", "a", share=1.0)]), "t"
    )


def test_graph_focus_is_marked_not_bordered_and_operations_abroad_are_named():
    """The thick border means listed/blocked only; the start of a chain is the ★ (in the
    legend); a Cypriot company that operates in Russia says so on its label."""
    sub = Subgraph(
        nodes=[
            Node("a", "Start K.K.", jurisdiction="JP", focus=True),
            Node("b", "Lefkara Compute Ltd", jurisdiction="CY", operates_in=["RU"]),
        ],
        edges=[Edge("a", "b", share=100.0)],
    )
    net = graphview.network(sub)
    start, end = net.get_node("a"), net.get_node("b")
    assert start["borderWidth"] == end["borderWidth"] == 1
    assert start["label"].startswith("★ Start K.K.")
    assert end["label"] == "Lefkara Compute Ltd\nCY, operates in RU"
    assert "★ start of a chain / the entity shown" in graphview.render(sub)


def test_chain_levels_leave_room_for_the_share_labels():
    """Between two levels: the widest box and the share label, which sits halfway between the
    centres on the side-to-side curves of a hierarchical picture."""
    long = "Tsubame Financial Group Kabushiki Kaisha"
    sub = Subgraph(
        nodes=[Node("a", long, jurisdiction="JP", focus=True), Node("b", long, jurisdiction="JP")],
        edges=[Edge("a", "b", share=62.0)],
    )
    options = graphview.network(sub, layout="hierarchical").options
    separation = options["layout"]["hierarchical"]["levelSeparation"]
    widest = max(len(line) for line in graphview.network(sub).get_node("a")["label"].split("\n"))
    assert separation >= graphview.CHAR_PX * widest + graphview.LABEL_ROOM_PX
    assert options["edges"]["smooth"]["type"] == "cubicBezier"


def test_node_labels_are_narrow_with_the_whole_name_in_the_tooltip():
    """#15: a 40-node picture stays readable when boxes are narrow: a name takes at most two
    lines of 22 characters, a longer one ends in "…", and the tooltip has it whole."""
    assert graphview.name_lines("OOO Usolye Data Center") == ["OOO Usolye Data Center"]
    assert graphview.name_lines("Tsubame Digital Exchange K.K.") == [
        "Tsubame Digital",
        "Exchange K.K.",
    ]
    long = "Limited Liability Company Very Long Name Holdings International Group"
    assert graphview.name_lines(long) == ["Limited Liability", "Company Very Long Nam…"]
    assert graphview.name_lines("A" * 50) == ["A" * 21 + "…"]
    sub = Subgraph(nodes=[Node("a", long, jurisdiction="RU", status="blocked")], edges=[])
    node = graphview.network(sub).get_node("a")
    assert node["label"] == "Limited Liability\nCompany Very Long Nam…\nRU · BLOCKED"
    assert long in node["title"]


def test_legend_explains_every_mark():
    """Every fill, border, shape and line of the picture is in its legend."""
    sub = _sub()
    legend = graphview.legend(sub)
    for code in {n.jurisdiction for n in sub.nodes}:
        assert f"</span>{code}</span>" in legend
    for word in ("listed", "blocked", "possibly blocked", "company", "person"):
        assert f"</span>{word}</span>" in legend or f"{word}</span>" in legend
    assert "thicker: a larger share" in legend and "dashed: unknown share" in legend
    assert "and N more: links not drawn" in legend  # _sub has a node with more links
    assert "★ start of a chain / the entity shown" in legend


def test_blocked_tables_show_one_share_and_no_none():
    """#14 in the 50% rule view: the share held by blocked parties is one text column ("59%",
    "40–60%") and each stake one "share"; a reason without an authority (a stake) has empty
    authority cells, not "None" (pandas 3 keeps text columns as "str" with NaN for missing)."""
    from ownership.analysis.sanctions import Finding
    from ownership.explorer import formatting

    listed = Finding(
        "s:a", "a", "Listed Co", "RU", "listed",
        because=[{"authority": "OFAC", "program": "RUSSIA-EO14024", "listed_on": "2022-04-20"}],
    )  # fmt: skip
    blocked = Finding(
        "s:b", "b", "Held Co", "RU", "blocked", 40.0, 60.0,
        because=[{"owner": "s:a", "owner_name": "Listed Co", "owner_status": "listed",
                  "share": None, "share_min": 40.0, "share_max": 60.0}],
    )  # fmt: skip
    table = formatting.blocked_frame([listed, blocked])
    assert list(table["blocked_share"]) == ["", "40–60%"]
    assert list(table.columns[:4]) == ["name", "status", "blocked_share", "because"]
    reasons = formatting.because_frame([listed, blocked])
    assert list(reasons["share"]) == ["", "40–60%"]
    assert list(reasons["authority"]) == ["OFAC", ""]  # not NaN, which shows as "None"
    assert list(reasons["listed_on"]) == ["2022-04-20", ""]
    shown = [c for c in reasons.columns if c not in formatting.BECAUSE_HIDDEN]
    assert not {"share_min", "share_max", "owner", "uid"} & set(shown)


def test_wrapped_key_columns_get_rows_tall_enough():
    """#14: a table's key column is wrapped, never cut: the rows are as tall as its longest
    text needs (estimated from the grid's font), and one-line tables keep the grid's row."""
    import pandas as pd

    from ownership.explorer import ui

    chain = " → ".join(["Tsubame Digital Exchange K.K.", "Northbridge Lattice Pte. Ltd."] * 3)
    assert ui.wrapped_lines("OOO Angara Hosting", 440) == 1
    assert ui.wrapped_lines(chain, 440) == 3  # 185 characters, ~67 a line
    assert ui.wrapped_lines("a path\nand another", 440) == 2  # a path a line
    assert ui.wrapped_lines("x" * 200, 440) == 3  # a word longer than a line is cut across
    assert ui.row_height(pd.DataFrame({"chain": ["short"]}), {"chain": 440}) is None
    tall = ui.row_height(pd.DataFrame({"chain": ["short", chain]}), {"chain": 440})
    assert tall is not None and tall >= ui.WRAP_MIN_PX and tall >= 3 * ui.LINE_PX


def _long_table() -> None:
    import pandas as pd

    from ownership.explorer import ui

    rows = [{"name": f"Company {i:05d}", "uid": f"u{i}"} for i in range(2_500)]
    ui.table(pd.DataFrame(rows), "long", "long", open_column="uid")


def test_a_long_table_draws_its_first_rows_and_says_so():
    """A table of 2,500 rows draws the first MAX_SHOWN in its order and says how many there
    are; the CSV download is made only when clicked, with every row."""
    from ownership.explorer import ui

    at = AppTest.from_function(_long_table).run()
    assert not at.exception
    [grid] = at.dataframe
    assert len(grid.value) == ui.MAX_SHOWN == 500
    assert list(grid.value["name"])[:2] == ["Company 00000", "Company 00001"]
    assert "The first 500 of 2,500 rows are shown; the CSV has them all." in [
        c.value for c in at.caption
    ]

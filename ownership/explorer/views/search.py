"""Search: a name fragment (any case, accents, punctuation; aliases in Japanese or Cyrillic), a
record id or an identifier (LEI, registration number, INN)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ownership import cypher
from ownership.explorer import data, formatting, state, ui
from ownership.explorer.views import landing
from ownership.graph import Graph
from ownership.text import normalize

LIMIT = 50


def render(graph: Graph, url: dict[str, Any]) -> None:
    st.header("Search")
    state.seed("search_q", "")
    cols = st.columns([6, 1], vertical_alignment="bottom")
    text = cols[0].text_input(
        "Name, alias, record id, registration number or other identifier",
        key="search_q",
        placeholder="e.g. tsubame, Ангара, 株式会社ツバメ, 3010001930117, jp-ex-01",
    )
    # Streamlit sends a text field on Enter or when it loses focus: the button is that click
    cols[1].button("Search", type="primary", key="search_button", width="stretch")
    state.keep("search_q")
    url["q"] = text.strip()
    if not text.strip():
        st.caption(
            "Matching ignores case, accents, punctuation and full-width forms; aliases in "
            "other scripts are searched too."
        )
        with ui.guard("The landing page"):
            landing.render(graph)
        return
    rows = data.find(graph, data.key(), text.strip(), LIMIT)
    if not rows:
        st.info("No entity matches. Try fewer words, another spelling, or an identifier.")
        ui.did_you_mean(data.suggestions(graph, data.key(), text.strip()), "search_suggest")
        return
    more = " (the first 50: refine the search to see others)" if len(rows) >= LIMIT else ""
    st.caption(
        f"{formatting.count(len(rows), 'entity', 'entities')}{more}. "
        "Select a row to open its profile."
    )
    table = formatting.search_frame(rows)
    ui.table(table, "search_results", "search", open_column="uid")
    ui.entity_picker(
        [(r["uid"], f"{r['name']} ({r.get('jurisdiction') or '?'}, {r['id']})") for r in rows],
        "search_pick",
    )
    compact = "".join(text.split()).upper()
    ui.browser_link(
        graph,
        cypher.SEARCH_ENTITIES,
        {"norm": normalize(text) or compact, "compact": compact or normalize(text), "limit": LIMIT},
    )

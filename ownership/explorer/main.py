"""The explorer's first page: what the graph holds and the chain finder."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from ownership.analysis.chains import find_chains
from ownership.analysis.stats import graph_stats
from ownership.config import Settings
from ownership.graph import Graph, GraphUnavailable, QueryFailed


@st.cache_resource
def graph() -> Graph:
    """One driver for the whole app."""
    return Graph.open(Settings.from_env())


def run() -> None:
    st.set_page_config(page_title="ownership explorer", layout="wide")
    st.title("Ownership explorer")
    try:
        g = graph()
        stats = graph_stats(g)
    except (GraphUnavailable, QueryFailed) as exc:
        st.error(f"The graph database is not reachable: {exc}")
        return
    cols = st.columns(4)
    nodes, rels = stats["nodes"], stats["relationships"]
    cols[0].metric("Companies", nodes.get("Company", 0))
    cols[1].metric("Persons", nodes.get("Person", 0))
    cols[2].metric("Ownership links", rels.get("OWNS", 0))
    cols[3].metric("Sanction listings", nodes.get("Sanction", 0))

    st.header("Chain finder")
    params = st.query_params
    c1, c2, c3, c4, c5 = st.columns(5)
    origin = c1.text_input("From country", params.get("from", "JP"))
    target = c2.text_input("To country", params.get("to", "RU"))
    via = c3.text_input("Via country (optional)", params.get("via", "SG"))
    hops = c4.number_input("Max hops", 1, 12, 6)
    as_of = c5.date_input("As of", dt.date.fromisoformat(params.get("as_of", dt.date.today().isoformat())))
    chains = find_chains(g, origin, target, [via] if via else [], as_of, int(hops))
    st.caption(f"{len(chains)} chains")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "chain": " → ".join(f"{e['name']} ({e['jurisdiction']})" for e in c.entities),
                    "effective share %": c.effective_share,
                    "hops": len(c.links),
                }
                for c in chains
            ]
        ),
        use_container_width=True,
    )

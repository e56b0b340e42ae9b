"""What the graph holds: counts per label and per relationship type, and the sources."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ownership.explorer import data, exports, formatting, ui
from ownership.graph import Graph


def render(graph: Graph, url: dict[str, Any]) -> None:
    st.header("What the graph holds")
    stats = data.stats(graph, data.key())
    nodes, rels = stats["nodes"], stats["relationships"]
    cols = st.columns(5)
    cols[0].metric("Companies", f"{nodes.get('Company', 0):,}")
    cols[1].metric("Persons", f"{nodes.get('Person', 0):,}")
    cols[2].metric("Holdings", f"{rels.get('HOLDS', 0):,}")
    cols[3].metric("Officer roles", f"{rels.get('OFFICER_OF', 0):,}")
    cols[4].metric("Sanction listings", f"{nodes.get('Sanction', 0):,}")
    left, right = st.columns(2)
    node_table = pd.DataFrame(sorted(nodes.items()), columns=["label", "count"])
    rel_table = pd.DataFrame(sorted(rels.items()), columns=["type", "count"])
    left.dataframe(node_table, hide_index=True, key="overview_nodes")
    left.download_button(
        "Download CSV",
        exports.csv_bytes(node_table),
        file_name="nodes.csv",
        key="overview_nodes.csv",
        on_click="ignore",
        icon=":material/download:",
    )
    right.dataframe(rel_table, hide_index=True, key="overview_rels")
    right.download_button(
        "Download CSV",
        exports.csv_bytes(rel_table),
        file_name="relationships.csv",
        key="overview_rels.csv",
        on_click="ignore",
        icon=":material/download:",
    )
    st.subheader("Sources", anchor=False)
    found = data.sources(graph, data.key())
    if found:
        ui.table(
            formatting.sources_frame(found),
            "overview_sources",
            "sources",
            hide=(),
            caption="a holding several sources state counts once; remove a source with "
            "`ownership sources remove NAME --yes`",
        )
    else:
        st.caption("no source imported yet")
    st.caption(f"Connected to the {data.describe()}.")

"""Ownership gaps: companies no natural person reaches ("no ultimate owner found"), with how much
of each its known direct owners account for (``ownership gaps``)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ownership.explorer import data, state, ui
from ownership.graph import Graph


def render(graph: Graph, url: dict[str, Any]) -> None:
    st.header("Ownership gaps")
    state.seed("gaps_all", False)
    show_all = st.toggle(
        "Every company (off: only those with no ultimate owner found)", key="gaps_all"
    )
    state.keep("gaps_all")
    as_of = state.as_of()
    person_reached = None if show_all else False
    total, table = data.gaps_first(graph, data.key(), as_of, person_reached)
    what = "companies" if show_all else "companies no natural person reaches"
    st.subheader(f"{total} {what} on {as_of.isoformat()}", anchor=False)
    ui.table(
        table,
        "gaps_table",
        "ownership-gaps",
        open_column="uid",
        caption="known: the sum of the direct holdings in force (a band by its bounds); "
        "largest unaccounted share first; select a row to open the profile",
        everything=(lambda: data.gaps_table(graph, data.key(), as_of, person_reached))
        if len(table) < total
        else None,
        total=total,
    )
    if show_all:
        url["all"] = 1
    ui.share_box(url)

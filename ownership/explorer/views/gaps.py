"""Ownership gaps: companies no natural person reaches ("no ultimate owner found"), with how much
of each its known direct owners account for (``ownership gaps``)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ownership.explorer import data, formatting, state, ui
from ownership.graph import Graph

COLUMNS = [
    "name",
    "jurisdiction",
    "known",
    "unaccounted",
    "direct_owners",
    "person_reached",
    "id",
    "uid",
]


def render(graph: Graph, url: dict[str, Any]) -> None:
    st.header("Ownership gaps")
    state.seed("gaps_all", False)
    show_all = st.toggle(
        "Every company (off: only those with no ultimate owner found)", key="gaps_all"
    )
    state.keep("gaps_all")
    as_of = state.as_of()
    found = data.company_gaps(graph, data.key(), as_of, None if show_all else False)
    what = "companies" if show_all else "companies no natural person reaches"
    st.subheader(f"{len(found)} {what} on {as_of.isoformat()}", anchor=False)
    rows = [
        {
            "name": c.name,
            "jurisdiction": c.jurisdiction,
            "known": _range(c.gap.known_min, c.gap.known_max),
            "unaccounted": _range(c.gap.unaccounted_min, c.gap.unaccounted_max),
            "direct_owners": c.gap.direct_owners,
            "person_reached": c.gap.person_reached,
            "id": c.id,
            "uid": c.uid,
        }
        for c in found
    ]
    ui.table(
        formatting.frame(rows, COLUMNS),
        "gaps_table",
        "ownership-gaps",
        open_column="uid",
        caption="known: the sum of the direct holdings in force (a band by its bounds); "
        "largest unaccounted share first; select a row to open the profile",
    )
    if show_all:
        url["all"] = 1
    ui.share_box(url)


def _range(low: float, high: float) -> str:
    return formatting.pct(low) if abs(high - low) < 1e-9 else f"{low:g}–{high:g}%"

"""The 50 percent rule: listed entities, entities blocked through the aggregate holdings of
blocked parties (applied until nothing changes), and those band maxima could block; each with
the listings or direct stakes that justify it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd
import streamlit as st

from ownership import cypher
from ownership.analysis import sanctions
from ownership.analysis.sanctions import RULES
from ownership.explorer import data, formatting, state, ui
from ownership.graph import Graph
from ownership.text import normalize

STATUSES = list(sanctions.STATUSES)
RULE_LABELS = {
    "ofac": "OFAC: 50% or more, shareholdings",
    "eu": "EU/UK: more than 50%, also voting rights and control",
}


BECAUSE_PX = 360  # the reasons, wrapped: whole beside the name, status and share at 1280 px
SECTION = "blocked_section"  # the chosen section's label (a tab): only that one is drawn
SECTIONS = ("Entities", "Justification")  # the entities, then one row per listing or stake


def _filter(table: pd.DataFrame, statuses: list[str], text: str) -> pd.DataFrame:
    keep = table["status"].isin(statuses) if statuses else pd.Series(True, index=table.index)
    needle = normalize(text)
    if needle:
        names = (
            table["name"].fillna("").map(normalize) + " " + table["id"].fillna("").map(normalize)
        )
        keep &= names.str.contains(needle, regex=False)
    return table[keep].reset_index(drop=True)


def render(graph: Graph, url: dict[str, Any]) -> None:
    st.header("50% rule")
    state.seed("blocked_rule", "ofac")
    state.seed("blocked_authorities", "")
    state.seed("blocked_status", [])
    state.seed("blocked_text", "")
    cols = st.columns([2, 1.2, 1.6, 1.2])
    rule = cols[0].radio("Rule", list(RULES), format_func=RULE_LABELS.get, key="blocked_rule")
    authorities_text = cols[1].text_input(
        "Authorities (empty: all)", key="blocked_authorities", placeholder="OFAC, EU"
    )
    statuses = cols[2].multiselect(
        "Show", STATUSES, key="blocked_status", placeholder="all statuses"
    )
    text = cols[3].text_input("Filter by name or id", key="blocked_text")
    state.keep("blocked_rule", "blocked_authorities", "blocked_status", "blocked_text")
    authorities = tuple(
        a for a in (x.strip().upper() for x in re.split(r"[,;]+", authorities_text)) if a
    )
    as_of = state.as_of()
    url.update(
        {"rule": rule if rule != "ofac" else "", "authority": list(authorities), "status": statuses}
    )

    # the counts first, from the kept answer's header: the findings follow
    counts = data.blocked_counts(graph, data.key(), as_of, rule, authorities)
    metrics = st.columns(3)
    for column, name in zip(metrics, STATUSES, strict=True):
        column.metric(name, f"{counts[name]:,}")
    st.caption(
        f"On {as_of.isoformat()}. A blocked party's direct stake counts in full (never "
        "multiplied down a chain); a band counts with its minimum for “blocked” and its "
        "maximum for “possibly blocked”."
    )
    findings = data.blocked(graph, data.key(), as_of, rule, authorities)
    table = _filter(formatting.blocked_frame(findings), statuses, text)
    config = {
        "blocked_share": st.column_config.TextColumn(
            "blocked share", help="held by listed or blocked parties (a band: from–to)"
        ),
    }
    if table.empty:
        st.info(
            "Nothing listed or blocked matches."
            if findings
            else f"Nothing is listed or blocked on {as_of.isoformat()}."
        )
    else:
        # Two sections, only the chosen one drawn: the justification (one row per listing or
        # blocked owner's stake, 2,363 rows at 100,000 companies) sent with the entities made
        # 0.8 MB that a new browser decoded before it showed the counts above them.
        labels = list(SECTIONS)
        state.seed(SECTION, labels[0])
        tabs = dict(zip(labels, st.tabs(labels, key=SECTION, on_change="rerun"), strict=True))
        state.keep(SECTION)
        with tabs[labels[0]]:
            if tabs[labels[0]].open:
                _entities(table, rule, as_of, config)
        with tabs[labels[1]]:
            if tabs[labels[1]].open:
                _justification(findings, table, rule, as_of)
    cols = st.columns(3)
    with cols[0]:
        ui.browser_link(
            graph,
            cypher.LISTED_ENTITIES,
            {"as_of": as_of, "authorities": list(authorities)},
            key="nb_listed",
        )
    with cols[1]:
        ui.browser_link(
            graph,
            cypher.HOLDINGS_OF,
            {
                "owners": [f.uid for f in findings if f.status != "possibly-blocked"],
                "as_of": as_of,
                "kinds": list(RULES[rule].kinds),
            },
            key="nb_holdings",
        )
    ui.share_box(url)


def _entities(table: pd.DataFrame, rule: str, as_of: dt.date, config: dict[str, Any]) -> None:
    """The entities listed or caught, each with why in a line, and a picker to open one."""
    ui.table(
        table,
        "blocked_table",
        f"blocked-{rule}-{as_of.isoformat()}",
        open_column="uid",
        hide=("uid", "blocked_share_min", "blocked_share_max"),
        column_config=config,
        wrap={"because": BECAUSE_PX},
        caption="select a row to open its profile",
    )
    ui.entity_picker(
        [  # columns zipped: a row at a time through pandas took 0.13 s for 1,852 rows
            (uid, f"{name} ({status})")
            for uid, name, status in zip(table["uid"], table["name"], table["status"], strict=True)
        ],
        "blocked_pick",
    )


def _justification(
    findings: list[sanctions.Finding], table: pd.DataFrame, rule: str, as_of: dt.date
) -> None:
    """One row per listing or per blocked owner's direct stake, of the entities shown."""
    reasons = formatting.because_frame(findings)
    reasons = reasons[reasons["uid"].isin(set(table["uid"]))].reset_index(drop=True)
    ui.table(
        reasons,
        "blocked_reasons",
        f"blocked-{rule}-{as_of.isoformat()}-because",
        hide=formatting.BECAUSE_HIDDEN,
        caption="one row per listing or per blocked owner's direct stake",
    )

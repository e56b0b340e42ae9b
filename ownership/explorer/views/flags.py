"""Red flags: every detector of :mod:`ownership.analysis.flags`, with its thresholds, the
evidence sentence for each flagged entity, filters and CSV export."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import streamlit as st

from ownership import cypher
from ownership.analysis.flags import DETECTORS, FlagSettings
from ownership.explorer import data, state, ui
from ownership.graph import Graph
from ownership.text import normalize

DEFAULTS = FlagSettings()
# the named query behind each detector, for "Open in Neo4j Browser"
QUERIES = {
    "shared-address": cypher.SHARED_ADDRESSES,
    "officer-hub": cypher.OFFICER_HUBS,
    "circular-ownership": cypher.CYCLES,
    "new-intermediary": cypher.NEW_INTERMEDIARIES,
    "restructured-after-listing": cypher.RESTRUCTURED_AFTER_LISTING,
    "secrecy-jurisdiction-intermediary": cypher.TRANSIT_INTERMEDIARIES,
    "shares-over-100": cypher.OVER_OWNED,
}


def _codes(text: str) -> tuple[str, ...]:
    return tuple(c for c in (x.strip().upper() for x in re.split(r"[,;\s]+", text or "")) if c)


def _settings() -> FlagSettings:
    with st.expander("Thresholds", expanded=False):
        cols = st.columns(4)
        for key, value in (
            ("flags_address", DEFAULTS.address_threshold),
            ("flags_officer", DEFAULTS.officer_threshold),
            ("flags_new_days", DEFAULTS.new_intermediary_days),
            ("flags_restructuring_days", DEFAULTS.restructuring_days),
            ("flags_max_hops", DEFAULTS.max_hops),
            ("flags_watched", ", ".join(DEFAULTS.watched_countries)),
            ("flags_secrecy", ", ".join(DEFAULTS.secrecy_jurisdictions)),
        ):
            state.seed(key, value)
        address = cols[0].number_input("Companies at one address", 2, 10_000, key="flags_address")
        officer = cols[1].number_input("Companies per officer", 2, 10_000, key="flags_officer")
        new_days = cols[2].number_input("New intermediary: days", 1, 3650, key="flags_new_days")
        restructuring = cols[3].number_input(
            "Restructuring: days after listing", 1, 3650, key="flags_restructuring_days"
        )
        cols = st.columns([1, 2, 3])
        hops = cols[0].number_input("Max hops", 1, cypher.MAX_HOPS_LIMIT, key="flags_max_hops")
        watched = cols[1].text_input("Watched countries", key="flags_watched")
        secrecy = cols[2].text_input("Secrecy / transit jurisdictions", key="flags_secrecy")
    state.keep(
        "flags_address",
        "flags_officer",
        "flags_new_days",
        "flags_restructuring_days",
        "flags_max_hops",
        "flags_watched",
        "flags_secrecy",
    )
    return FlagSettings(
        address_threshold=int(address),
        officer_threshold=int(officer),
        new_intermediary_days=int(new_days),
        restructuring_days=int(restructuring),
        watched_countries=_codes(watched) or DEFAULTS.watched_countries,
        secrecy_jurisdictions=_codes(secrecy) or DEFAULTS.secrecy_jurisdictions,
        max_hops=int(hops),
    )


def render(graph: Graph, url: dict[str, Any]) -> None:
    st.header("Red flags")
    st.caption("A flag is a reason to look, not a finding.")
    state.seed("flags_only", [])
    state.seed("flags_text", "")
    cols = st.columns([3, 2])
    st.session_state["flags_only"] = [f for f in st.session_state["flags_only"] if f in DETECTORS]
    only = cols[0].multiselect(
        "Detectors", list(DETECTORS), key="flags_only", placeholder="all detectors"
    )
    text = cols[1].text_input("Filter by name, id or detail", key="flags_text")
    state.keep("flags_only", "flags_text")
    settings = _settings()
    as_of = state.as_of()
    url["flag"] = list(only)
    needle = normalize(text)
    counts, table = data.flags_first(graph, data.key(), settings, as_of, tuple(only))

    def everything() -> pd.DataFrame:
        return data.flags_table(graph, data.key(), settings, as_of, tuple(only))

    if needle and not table.empty:  # a filter looks at every flag
        table = everything()
        hay = (
            table["name"].fillna("")
            + " "
            + table["id"].fillna("")
            + " "
            + table["detail"].fillna("")
        )
        table = table[hay.map(normalize).str.contains(needle, regex=False)].reset_index(drop=True)
        counts = table["flag"].value_counts().to_dict()
    total = sum(counts.values())
    if counts:
        st.caption(
            f"On {as_of.isoformat()}: " + ", ".join(f"{name} {n}" for name, n in counts.items())
        )
    if table.empty:
        st.info("No flag raised with these settings.")
    else:
        ui.table(
            table,
            "flags_table",
            f"flags-{as_of.isoformat()}",
            open_column="uid",
            column_config={
                "flag": st.column_config.TextColumn("flag", width="medium"),
                "detail": st.column_config.TextColumn("detail", width="large"),
            },
            caption="select a row to open its profile",
            everything=None if needle or len(table) == total else everything,
            total=total,
        )
        shown = table.head(ui.MAX_SHOWN)  # the rows the table lists (a filter finds others)
        ui.entity_picker(
            list(
                {
                    uid: f"{name} ({flag})"
                    for uid, name, flag in zip(
                        shown["uid"], shown["name"], shown["flag"], strict=True
                    )
                }.items()
            ),
            "flags_pick",
        )
    if not graph.embedded:
        params = {
            "shared-address": {"threshold": settings.address_threshold},
            "officer-hub": {"threshold": settings.officer_threshold, "as_of": as_of},
            "circular-ownership": {"as_of": as_of},
            "new-intermediary": {
                "days": settings.new_intermediary_days,
                "countries": list(settings.watched_countries),
                "as_of": as_of,
            },
            "restructured-after-listing": {"days": settings.restructuring_days, "as_of": as_of},
            "secrecy-jurisdiction-intermediary": {
                "secrecy": list(settings.secrecy_jurisdictions),
                "countries": list(settings.watched_countries),
                "as_of": as_of,
            },
            "shares-over-100": {"as_of": as_of},
        }
        st.caption("The detectors' queries:")
        cols = st.columns(4)
        for index, name in enumerate(only or list(DETECTORS)):
            with cols[index % 4]:
                ui.browser_link(
                    graph, QUERIES[name], params[name], settings.max_hops, key=f"nb_flag_{name}"
                )
                st.caption(name)
    ui.share_box(url)

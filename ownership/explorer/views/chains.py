"""Chain finder: ownership chains from a company registered in one country to an entity
registered or operating in another, optionally through given countries, on the as-of date."""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from ownership import cypher
from ownership.analysis.chains import DEFAULT_MAX_HOPS
from ownership.analysis.countries import country_code
from ownership.cypher import MAX_HOPS_LIMIT
from ownership.explorer import data, exports, formatting, state, ui
from ownership.graph import Graph


def codes(text: str) -> list[str]:
    """Country codes typed in one field ("SG, HK")."""
    return [c for c in (x.strip().upper() for x in re.split(r"[,;\s]+", text or "")) if c]


def country_problems(*typed: str) -> list[str]:
    """Why each typed country is not a code (the chain finder and the date comparison)."""
    problems = []
    for code in typed:
        try:
            country_code(code)
        except ValueError as exc:
            problems.append(str(exc))
    return problems


def render(graph: Graph, url: dict[str, Any]) -> None:
    st.header("Chain finder")
    state.seed("chains_from", "")
    state.seed("chains_to", "")
    state.seed("chains_via", "")
    state.seed("chains_hops", DEFAULT_MAX_HOPS)
    if not 1 <= int(st.session_state.get("chains_hops") or 0) <= MAX_HOPS_LIMIT:
        st.session_state["chains_hops"] = DEFAULT_MAX_HOPS
    with st.form("chains_form", border=False):
        cols = st.columns([1, 1, 1.4, 1, 1], vertical_alignment="bottom")
        cols[0].text_input(
            "From country",
            key="chains_from",
            placeholder="JP",
            help="ISO 3166-1 alpha-2 code where the chain's first company is registered",
        )
        cols[1].text_input(
            "To country",
            key="chains_to",
            placeholder="RU",
            help="the last entity is registered, or operates, there",
        )
        cols[2].text_input(
            "Via countries (optional)",
            key="chains_via",
            placeholder="SG or SG, HK",
            help="each must be the jurisdiction of an inner entity of the chain",
        )
        cols[3].number_input("Max hops", 1, MAX_HOPS_LIMIT, step=1, key="chains_hops")
        cols[4].form_submit_button("Find chains", type="primary")
    state.keep("chains_from", "chains_to", "chains_via", "chains_hops")
    origin = st.session_state["chains_from"].strip().upper()
    target = st.session_state["chains_to"].strip().upper()
    via = tuple(codes(st.session_state["chains_via"]))
    hops = int(st.session_state["chains_hops"])
    as_of = state.as_of()
    url.update({"from": origin, "to": target, "via": list(via)})
    if hops != DEFAULT_MAX_HOPS:
        url["hops"] = hops
    if not origin or not target:
        st.caption(
            f"Give both countries. Dates: an ownership link counts on {as_of.isoformat()} when it "
            "started on or before that day and had not ended (change the date in the sidebar)."
        )
        return
    problems = country_problems(origin, target, *via)
    if problems:
        st.error("Countries are two-letter ISO codes: " + "; ".join(ui.md(p) for p in problems))
        return
    found = data.chains(graph, data.key(), origin, target, via, as_of, hops)
    question = f"chains-{origin}-{target}" + "".join(f"-via-{cc}" for cc in via)
    through = f" via {', '.join(via)}" if via else ""
    st.subheader(
        f"{formatting.count(len(found), 'chain')} {origin} → {target}{through} on "
        f"{as_of.isoformat()}",
        anchor=False,
    )
    if not found:
        st.info(
            "No chain in force on that date. Try another date, more hops, or fewer via countries."
        )
    else:
        table = formatting.chains_frame(found)
        config = {
            "chain": st.column_config.TextColumn("chain", width="large"),
            "effective_share": st.column_config.NumberColumn("effective %", format="%.4g"),
            "effective_share_min": st.column_config.NumberColumn("min %", format="%.4g"),
            "effective_share_max": st.column_config.NumberColumn("max %", format="%.4g"),
            "in_force_since": st.column_config.TextColumn(
                "in force since", help="latest start date of its links"
            ),
            "ends": st.column_config.TextColumn("ends", help="earliest end date of its links"),
        }
        st.dataframe(
            table,
            hide_index=True,
            key="chains_table",
            on_select="rerun",
            selection_mode="multi-row",
            column_config=config,
        )
        left, right = st.columns([3, 1])
        left.caption(
            "effective share = product of the shares along the chain. Select rows to draw "
            "only those chains."
        )
        right.download_button(
            "Download CSV",
            exports.csv_bytes(table),
            file_name=f"{ui.dated(question)}.csv",
            mime="text/csv",
            key="chains_table.csv",
            on_click="ignore",
            icon=":material/download:",
        )
        selected = _selected_rows()
        st.subheader(
            "Chains drawn"
            + (f" (rows {', '.join(str(i + 1) for i in selected)})" if selected else ""),
            anchor=False,
        )
        with ui.guard("The chain graph"):
            settings = ui.graph_controls(
                "chains_graph", hubs=False, per_node=False, layout="hierarchical"
            )
            sub = data.chains_subgraph(
                graph,
                data.key(),
                origin,
                target,
                via,
                as_of,
                hops,
                tuple(selected) if selected else None,
                settings["max_nodes"],
            )
            ui.graph_panel(
                sub,
                "chains_graph",
                question,
                title=f"Ownership chains {origin} → {target}"
                + (f" via {', '.join(via)}" if via else ""),
                layout=settings["layout"],
                height=max(280, min(700, 160 + 90 * len(selected or found))),
            )
        entities = {
            e["uid"]: f"{e['name']} ({e['jurisdiction'] or '?'}, {e['id']})"
            for c in found
            for e in c.entities
        }
        ui.entity_picker(list(entities.items()), "chains_pick")
    ui.browser_link(
        graph,
        cypher.CHAIN_PATHS,
        {"from_country": origin, "to_country": target, "via": list(via), "as_of": as_of},
        hops,
        key="nb_chains",
    )
    ui.share_box(url)


def _selected_rows() -> list[int]:
    selection = st.session_state.get("chains_table")
    try:
        return sorted(int(i) for i in selection["selection"]["rows"])  # type: ignore[index]
    except (KeyError, TypeError):
        return []

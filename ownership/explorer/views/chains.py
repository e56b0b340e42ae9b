"""Chain finder: ownership chains from a company registered in one country to an entity
registered or operating in another, optionally through given countries, on the as-of date."""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from ownership import cypher
from ownership.analysis.chains import DEFAULT_MAX_HOPS, Chain, ChainAnswer
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
        f"{formatting.count(found.total, 'chain')} {origin} → {target}{through} on "
        f"{as_of.isoformat()}",
        anchor=False,
    )
    if not found.total:
        st.info(
            "No chain in force on that date. Try another date, more hops, or fewer via countries."
        )
    else:
        _starts(found)
        first, chains = _page(found, (origin, target, via, as_of, hops))
        table = formatting.chains_frame(chains)
        table.insert(0, "rank", range(first + 1, first + len(chains) + 1))
        config = {
            "rank": st.column_config.NumberColumn(
                "#", help="place in the order of effective share"
            ),
            "chain": st.column_config.TextColumn("chain", width=CHAIN_PX),
            "effective": st.column_config.TextColumn(
                "effective share", help="product of the shares along the chain"
            ),
            "in_force_since": st.column_config.TextColumn(
                "in force since", help="latest start date of its links"
            ),
            "ends": st.column_config.TextColumn("ends", help="earliest end date of its links"),
        }
        row = ui.row_height(table, {"chain": CHAIN_PX})  # the whole chain, to its far end
        st.dataframe(
            table,
            hide_index=True,
            column_order=[c for c in table.columns if c not in formatting.SHARE_NUMBERS],
            row_height=row,
            height=ui.grid_height(len(table), row) if len(table) <= 20 else 600,
            key="chains_table",
            on_select="rerun",
            selection_mode="multi-row",
            column_config=config,
        )
        left, right = st.columns([3, 1])
        left.caption(
            "effective share = product of the shares along the chain; strongest first (a band "
            "by its upper bound), then fewer hops. Select rows to draw only those chains. "
            "Every chain at once: `ownership chains … --out FILE`."
        )
        right.download_button(
            "Download page (CSV)",
            exports.csv_bytes(table),
            file_name=f"{ui.dated(question)}-{first + 1}.csv",
            mime="text/csv",
            key="chains_table.csv",
            on_click="ignore",
            icon=":material/download:",
        )
        selected = _selected_rows(len(chains))
        st.subheader(
            "Chains drawn"
            + (
                f" (rows {', '.join(str(first + i + 1) for i in selected)})"
                if selected
                else f" ({first + 1}–{first + len(chains)})"
            ),
            anchor=False,
        )
        with ui.guard("The chain graph"):
            settings = ui.graph_controls(
                "chains_graph", hubs=False, per_node=False, layout="hierarchical"
            )
            shown = [first + i for i in (selected or range(len(chains)))]
            sub = data.chains_subgraph(
                graph,
                data.key(),
                origin,
                target,
                via,
                as_of,
                hops,
                tuple(shown),
                settings["max_nodes"],
            )
            ui.graph_panel(
                sub,
                "chains_graph",
                question,
                title=f"Ownership chains {origin} → {target}"
                + (f" via {', '.join(via)}" if via else ""),
                layout=settings["layout"],
                height=max(280, min(700, 160 + 90 * len(shown))),
            )
        _statements(chains, first, selected, question)
        entities = {
            e["uid"]: f"{e['name']} ({e['jurisdiction'] or '?'}, {e['id']})"
            for c in chains
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
    data.keep_pending()  # last: the answer is on the page before it is kept


PAGE_SIZES = (25, 50, 100, 200)
CHAIN_PX = 440  # the chain column: with the rank and selection, half of a 1280 px window


def _starts(found: ChainAnswer) -> None:
    """The start entities that reach the target, strongest first: what an analyst reads first."""
    starts = found.starts()
    reach = "reaches" if len(starts) == 1 else "reach"
    title = f"{formatting.count(len(starts), 'start entity', 'start entities')} {reach} the target"
    with st.expander(title, expanded=len(starts) > 1):
        st.dataframe(
            formatting.frame(
                starts, ["name", "jurisdiction", "chains", "max_effective_share", "id"]
            ),
            hide_index=True,
            key="chains_starts",
            column_config={
                "max_effective_share": st.column_config.NumberColumn(
                    "strongest %", format="%.4g", help="its strongest chain (upper bound)"
                )
            },
        )


def _page(found: ChainAnswer, question: tuple[Any, ...]) -> tuple[int, list[Chain]]:
    """The page of chains shown (the first one for a new question): its offset and chains."""
    if st.session_state.get("chains_question") != question:
        st.session_state["chains_question"] = question
        st.session_state["chains_page"] = 1
    state.seed("chains_page_size", 50)
    size = int(st.session_state["chains_page_size"])
    pages = max(1, -(-found.total // size))
    if int(st.session_state.get("chains_page") or 1) > pages:  # fewer pages after a size change
        st.session_state["chains_page"] = pages
    if found.total > PAGE_SIZES[0]:
        cols = st.columns([1, 1, 4], vertical_alignment="bottom")
        cols[0].selectbox("Chains per page", PAGE_SIZES, key="chains_page_size")
        cols[1].number_input(f"Page (of {pages:,})", 1, pages, step=1, key="chains_page")
    page = min(int(st.session_state.get("chains_page") or 1), pages)
    first = (page - 1) * size
    chains = found.page(size, first)
    if pages > 1:
        st.caption(f"Chains {first + 1:,}–{first + len(chains):,} of {found.total:,}.")
    return first, chains


STATEMENT_COLUMNS = [
    "#", "link", "owner", "owned", "share", "source", "record_id", "file", "start_date",
    "end_date", "imported_at",
]  # fmt: skip


def _statements(chains: list[Chain], first: int, selected: list[int], question: str) -> None:
    """The source statement(s) each link of the chains drawn rests on (the selected rows, else
    the page): they were looked up with the page, never for every chain of the search."""
    rows = [
        {
            **row,
            "#": first + i + 1,
            **{k: formatting.iso(row[k]) for k in ("start_date", "end_date", "imported_at")},
        }
        for i in (selected or range(len(chains)))
        for row in chains[i].statement_rows()
    ]
    with st.expander(f"Source statements of each link ({len(rows)})", expanded=bool(selected)):
        ui.table(
            formatting.frame(rows, STATEMENT_COLUMNS),
            "chains_statements",
            f"{ui.dated(question)}-{first + 1}-statements",
            hide=(),
            caption="#: the chain's place in the order; link 1 starts at the chain's first "
            "entity; one row per source statement (several when sources state the same holding)",
        )


def _selected_rows(shown: int) -> list[int]:
    """The rows of the shown page the user selected (positions within the page)."""
    selection = st.session_state.get("chains_table")
    try:
        rows = sorted(int(i) for i in selection["selection"]["rows"])  # type: ignore[index]
    except (KeyError, TypeError):
        return []
    return [i for i in rows if i < shown]

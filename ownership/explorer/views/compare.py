"""Compare two dates (``ownership diff``): holdings that started, ended or changed, chains of a
from/to/via question that appeared or disappeared, entities newly or no longer caught by the
OFAC 50 percent rule."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import streamlit as st

from ownership.analysis.chains import DEFAULT_MAX_HOPS
from ownership.analysis.history import ChainQuestion, HoldingChange
from ownership.explorer import data, formatting, state, ui
from ownership.explorer.views.blocked import BECAUSE_PX
from ownership.explorer.views.chains import codes, country_problems
from ownership.graph import Graph
from ownership.refresh.report import chain_text
from ownership.shares import share_text

DETAIL_PX = 360  # a flag's detail, wrapped: whole beside name, id and flag at 1280 px


def _changes(found: list[HoldingChange]) -> list[dict[str, Any]]:
    return [
        {
            "on": ", ".join(d.isoformat() for d in h.dates),
            "owner": h.owner["name"],
            "owner_jurisdiction": h.owner["jurisdiction"],
            "owned": h.owned["name"],
            "owned_jurisdiction": h.owned["jurisdiction"],
            "before": h.before.text() if h.before else "",
            "after": h.after.text() if h.after else "",
            "sources": ", ".join(h.sources),
            "owned_uid": h.owned["uid"],
        }
        for h in found
    ]


def _links(chain: dict[str, Any]) -> str:
    """'100% (seed-registry); 62% (reg-a, reg-b)': each link's share and its sources."""
    return "; ".join(
        link.get("stated")  # the sources disagree: what each one states
        or f"{share_text(link['share'], link['share_min'], link['share_max'])} "
        f"({', '.join(link.get('sources') or ()) or '?'})"
        for link in chain.get("links", [])
    )


def render(graph: Graph, url: dict[str, Any]) -> None:
    st.header("Compare two dates")
    state.seed("compare_from", dt.date(2022, 3, 1))
    state.seed("compare_to", state.as_of())
    state.seed("chains_from", "")
    state.seed("chains_to", "")
    state.seed("chains_via", "")
    with st.form("compare_form", border=False):
        cols = st.columns([1, 1, 0.7, 0.7, 1, 0.8], vertical_alignment="bottom")
        cols[0].date_input(
            "From date",
            key="compare_from",
            min_value=state.MIN_DATE,
            max_value=state.MAX_DATE,
            format="YYYY-MM-DD",
        )
        cols[1].date_input(
            "To date",
            key="compare_to",
            min_value=state.MIN_DATE,
            max_value=state.MAX_DATE,
            format="YYYY-MM-DD",
        )
        cols[2].text_input("Chains from", key="chains_from", placeholder="JP")
        cols[3].text_input("to", key="chains_to", placeholder="RU")
        cols[4].text_input("via (optional)", key="chains_via", placeholder="SG")
        cols[5].form_submit_button("Compare", type="primary")
    state.keep("compare_from", "compare_to", "chains_from", "chains_to", "chains_via")
    start, end = st.session_state["compare_from"], st.session_state["compare_to"]
    origin = st.session_state["chains_from"].strip().upper()
    target = st.session_state["chains_to"].strip().upper()
    via = tuple(codes(st.session_state["chains_via"]))
    url.update(
        {"from_date": start.isoformat(), "to_date": end.isoformat(), "from": origin, "to": target}
    )
    url["via"] = list(via)
    if end < start:
        st.error("The second date is before the first.")
        return
    problems = country_problems(*(c for c in (origin, target, *via) if c))
    if problems:
        st.error("Countries are two-letter ISO codes: " + "; ".join(ui.md(p) for p in problems))
        return
    question = ChainQuestion(origin, target, via, DEFAULT_MAX_HOPS) if origin and target else None
    if (origin or target) and not question:
        st.caption("Give both countries to compare chains; holdings and the 50% rule follow.")
    found = data.comparison(graph, data.key(), start, end, question)
    st.subheader(f"From {start.isoformat()} to {end.isoformat()}", anchor=False)
    cols = st.columns(5)
    cols[0].metric("Holdings started", len(found.holdings_started))
    cols[1].metric("Holdings ended", len(found.holdings_ended))
    cols[2].metric("Holdings changed", len(found.holdings_changed))
    cols[3].metric("Newly caught (50% rule)", len(found.newly_blocked))
    cols[4].metric("No longer caught", len(found.no_longer_blocked))
    if question:
        through = f" via {', '.join(via)}" if via else ""
        for title, items, key in (
            (f"Chains {origin} → {target}{through} that appeared", found.chains_new, "new"),
            (f"Chains {origin} → {target}{through} that disappeared", found.chains_gone, "gone"),
        ):
            st.markdown(f"**{ui.md(title)}:** {len(items)}")
            if items:
                rows = [{"chain": chain_text(c), "links": _links(c)} for c in items]
                ui.table(
                    formatting.frame(rows, ["chain", "links"]),
                    f"compare_chains_{key}",
                    key,
                    hide=(),
                    caption="links: each link's share and the sources that state it",
                )
    columns = [
        "on",
        "owner",
        "owner_jurisdiction",
        "owned",
        "owned_jurisdiction",
        "before",
        "after",
        "sources",
        "owned_uid",
    ]
    for title, items, key in (
        ("Holdings that started", found.holdings_started, "started"),
        ("Holdings that ended", found.holdings_ended, "ended"),
        ("Holdings stated differently", found.holdings_changed, "changed"),
    ):
        st.markdown(f"**{title}:** {len(items)}")
        if items:
            ui.table(
                formatting.frame(_changes(items), columns),
                f"compare_{key}",
                f"holdings-{key}-{start}-{end}",
                open_column="owned_uid",
                hide=("owned_uid",),
                caption="select a row to open the owned company",
            )
    for title, items, key in (
        ("Newly listed or blocked", found.newly_blocked, "newly_blocked"),
        ("No longer listed or blocked", found.no_longer_blocked, "no_longer_blocked"),
    ):
        st.markdown(f"**{title}:** {len(items)}")
        if items:
            rows = [
                {
                    "name": f["name"],
                    "id": f["id"],
                    "status": f["status"],
                    "because": formatting.because_text(SimpleNamespace(**f)),
                    "uid": f["uid"],
                }
                for f in items
            ]
            ui.table(
                formatting.frame(rows, ["name", "id", "status", "because", "uid"]),
                f"compare_{key}",
                key,
                open_column="uid",
                wrap={"because": BECAUSE_PX},
            )
    for title, items, key in (
        ("Red flags raised", found.flags_raised, "flags_raised"),
        ("Red flags cleared", found.flags_cleared, "flags_cleared"),
    ):
        st.markdown(f"**{title}:** {len(items)}")
        if items:
            ui.table(
                formatting.frame(items, ["name", "id", "flag", "detail", "uid"]),
                f"compare_{key}",
                key,
                open_column="uid",
                wrap={"detail": DETAIL_PX},
            )
    ui.share_box(url)

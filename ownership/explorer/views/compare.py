"""Compare two dates (``ownership diff``): holdings that started, ended or changed, chains of a
from/to/via question that appeared or disappeared, entities newly or no longer caught by the
OFAC 50 percent rule, red flags raised or cleared.

Over a long window (2022-03-01 to today: 46,593 changed holdings at 100,000 companies) the page
asks for how many changes there are of each kind and one page of each list (:data:`PAGE`), and
draws only those; another page is another request, and a table's CSV has its whole list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pandas as pd
import streamlit as st

from ownership.analysis.chains import DEFAULT_MAX_HOPS
from ownership.analysis.history import HoldingChange
from ownership.analysis.kept_chains import Question
from ownership.explorer import data, formatting, state, ui
from ownership.explorer.views.blocked import BECAUSE_PX
from ownership.explorer.views.chains import codes, country_problems
from ownership.graph import Graph
from ownership.refresh.report import chain_text
from ownership.shares import share_text

DETAIL_PX = 360  # a flag's detail, wrapped: whole beside name, id and flag at 1280 px
PAGE = 100  # changes of each kind a page shows


Rows = Callable[[list[Any]], list[dict[str, Any]]]  # a list of a comparison as table rows

CHANGE_COLUMNS = [
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


def _chains(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"chain": chain_text(c), "links": _links(c)} for c in found]


def _blocked(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "name": f["name"],
            "id": f["id"],
            "status": f["status"],
            "because": formatting.because_text(SimpleNamespace(**f)),
            "uid": f["uid"],
        }
        for f in found
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
    state.keep(
        "compare_from", "compare_to", "chains_from", "chains_to", "chains_via", "compare_page"
    )
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
    question = Question(origin, target, via, DEFAULT_MAX_HOPS) if origin and target else None
    if (origin or target) and not question:
        st.caption("Give both countries to compare chains; holdings and the 50% rule follow.")
    state.seed("compare_page", 1)
    page = max(1, int(st.session_state["compare_page"]))
    found = data.comparison(graph, data.key(), start, end, question, PAGE, (page - 1) * PAGE)
    counts = found.counts
    pages = max(1, -(-max(counts.values()) // PAGE))
    if page > pages:  # other dates, fewer changes: back to the first page
        page, st.session_state["compare_page"] = 1, 1
        found = data.comparison(graph, data.key(), start, end, question, PAGE, 0)
    st.subheader(f"From {start.isoformat()} to {end.isoformat()}", anchor=False)
    cols = st.columns(5)
    cols[0].metric("Holdings started", f"{counts['holdings_started']:,}")
    cols[1].metric("Holdings ended", f"{counts['holdings_ended']:,}")
    cols[2].metric("Holdings changed", f"{counts['holdings_changed']:,}")
    cols[3].metric("Newly caught (50% rule)", f"{counts['newly_blocked']:,}")
    cols[4].metric("No longer caught", f"{counts['no_longer_blocked']:,}")
    cols = st.columns(5)  # every kind's count at a glance, its list below
    cols[0].metric("Red flags raised", f"{counts['flags_raised']:,}")
    cols[1].metric("Red flags cleared", f"{counts['flags_cleared']:,}")
    if question:
        cols[2].metric("Chains appeared", f"{counts['chains_new']:,}")
        cols[3].metric("Chains disappeared", f"{counts['chains_gone']:,}")
    if pages > 1:
        st.columns([1, 3])[0].number_input(
            f"Page (of {pages:,})",
            min_value=1,
            max_value=pages,
            key="compare_page",
            help=f"{PAGE} changes of each kind a page, in the order of `ownership diff`",
        )

    def section(text: str, name: str, rows: Rows, columns: list[str], **options: Any) -> None:
        """The title of list ``name`` with how many it has (and which are shown), and its
        page as a table whose CSV has the whole list."""
        shown, total = getattr(found, name), counts[name]
        part = f" ({found.offset + 1:,}–{found.offset + len(shown):,} shown)" if shown else ""
        st.markdown(f"**{ui.md(text)}:** {total:,}{part if len(shown) < total else ''}")
        if not shown:
            return

        def everything() -> pd.DataFrame:
            whole = data.comparison(graph, data.key(), start, end, question)
            return formatting.frame(rows(getattr(whole, name)), columns)

        ui.table(
            formatting.frame(rows(shown), columns),
            f"compare_{name.removeprefix('holdings_')}",
            f"{name.replace('_', '-')}-{start}-{end}",
            everything=everything if len(shown) < total else None,
            **options,
        )

    if question:
        through = f" via {', '.join(via)}" if via else ""
        for text, name in (
            (f"Chains {origin} → {target}{through} that appeared", "chains_new"),
            (f"Chains {origin} → {target}{through} that disappeared", "chains_gone"),
        ):
            section(
                text,
                name,
                _chains,
                ["chain", "links"],
                hide=(),
                caption="links: each link's share and the sources that state it",
            )
    for text, name in (
        ("Holdings that started", "holdings_started"),
        ("Holdings that ended", "holdings_ended"),
        ("Holdings stated differently", "holdings_changed"),
    ):
        section(
            text,
            name,
            _changes,
            CHANGE_COLUMNS,
            open_column="owned_uid",
            hide=("owned_uid",),
            caption="select a row to open the owned company",
        )
    for text, name in (
        ("Newly listed or blocked", "newly_blocked"),
        ("No longer listed or blocked", "no_longer_blocked"),
    ):
        section(
            text,
            name,
            _blocked,
            ["name", "id", "status", "because", "uid"],
            open_column="uid",
            wrap={"because": BECAUSE_PX},
        )
    for text, name in (
        ("Red flags raised", "flags_raised"),
        ("Red flags cleared", "flags_cleared"),
    ):
        section(
            text,
            name,
            list,
            ["name", "id", "flag", "detail", "uid"],
            open_column="uid",
            wrap={"detail": DETAIL_PX},
        )
    ui.share_box(url)

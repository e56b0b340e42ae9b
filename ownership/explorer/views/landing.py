"""The landing page under the empty search box: what the graph holds (sources, counts, dates)
and where to start (the largest groups, the dated red flags, the last refresh's watched chains).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from ownership.explorer import data, formatting, state, ui
from ownership.graph import Graph
from ownership.refresh.ledger import load_reports
from ownership.refresh.report import chain_text

# dated red flags listed as starting points (1,352 at 100,000 companies: their table alone
# took a third of a second more to draw, and every one is on the Red flags page)
STARTING_FLAGS = 50


def _go(view: str) -> None:
    st.session_state["view"] = view


def render(graph: Graph) -> None:
    as_of = state.as_of()
    found = data.landing(graph, data.key(), as_of)
    counts = found.counts
    st.subheader("What the graph holds", anchor=False)
    cols = st.columns(5)
    cols[0].metric("Companies", f"{counts['companies']:,}")
    cols[1].metric("Persons", f"{counts['persons']:,}")
    cols[2].metric("Ownership statements", f"{counts['statements']:,}")
    cols[3].metric("Officer roles", f"{counts['roles']:,}")
    cols[4].metric("Sanction listings", f"{counts['sanctions']:,}")
    dates = found.dates
    if dates.get("statements"):
        st.caption(
            f"Ownership statements start between {formatting.iso(dates.get('first_start')) or '?'} "
            f"and {formatting.iso(dates.get('last_start')) or '?'}; the latest ends on "
            f"{formatting.iso(dates.get('last_end')) or '?'}. Everything below is as of "
            f"{as_of.isoformat()} (sidebar)."
        )
    if found.sources:
        rows = [
            {
                "source": s["name"],
                "format": s.get("format"),
                "entity_records": s.get("records"),
                "imported_at": formatting.iso(s.get("imported_at")),
                "refreshed_at": formatting.iso(s.get("refreshed_at")),
            }
            for s in found.sources
        ]
        ui.table(formatting.frame(rows, list(rows[0])), "landing_sources", "sources", hide=())
    else:
        st.info("The graph is empty: `ownership import PATH` or `ownership demo` loads data.")
        return
    st.subheader("Where to start", anchor=False)
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Largest groups** (most direct holdings on {as_of.isoformat()})")
        if found.groups:
            ui.table(
                formatting.frame(
                    found.groups, ["name", "jurisdiction", "kind", "holdings", "id", "uid"]
                ),
                "landing_groups",
                "largest-groups",
                open_column="uid",
                caption="select a row to open its profile",
            )
        else:
            st.caption("no ownership in force on this date")
    with right:
        st.markdown("**Dated red flags** (new intermediaries, restructuring after a listing)")
        found_flags = found.flags  # kept by the last import or refresh for this date
        if found_flags is None:
            state.seed("landing_show_flags", False)
            if not st.toggle(
                "Look for them",
                key="landing_show_flags",
                help="walks ownership chains across the whole graph: minutes on a large one "
                "(the last import or refresh keeps them for its own date)",
            ):
                st.caption("off: the page stays fast on large graphs")
            else:
                found_flags = data.dated_flags(graph, data.key(), as_of)
            state.keep("landing_show_flags")
        if found_flags:
            ui.table(  # the first made into rows, the rest only for the CSV (19,560 at 1M)
                formatting.flags_frame(found_flags[:STARTING_FLAGS]),
                "landing_flags",
                "dated-flags",
                open_column="uid",
                caption="select a row to open its profile; every flag is under Red flags.",
                everything=lambda: formatting.flags_frame(found_flags),
                total=len(found_flags),
                most=STARTING_FLAGS,
            )
        elif found_flags is not None:
            st.caption("none on this date")
    _watched(data.settings().home)


def _watched(home: Any) -> None:
    reports = [r for r in load_reports(home, 5) if r.get("status") != "running"]
    st.markdown("**Watched chains** (the last refresh)")
    if not reports:
        st.caption("no refresh has run: `ownership refresh` watches the chains of its sources file")
        return
    last = reports[0]
    lines = [f"+ {chain_text(c)}" for c in last.get("chains_new", [])]
    lines += [f"− {chain_text(c)}" for c in last.get("chains_gone", [])]
    st.caption(
        f"run {ui.md(last['run_id'])} ({ui.md(last['status'])}): "
        f"{len(last.get('chains_new', []))} new, {len(last.get('chains_gone', []))} gone"
    )
    if lines:
        st.code("\n".join(lines), language=None)
    st.button("Open the Changes page", key="landing_changes", on_click=_go, args=("changes",))

"""The profile's investigation sections: the ownership gap, the "why" of a sanctions verdict,
the ownership history (timeline and table) and the "Report" button.

Kept apart from :mod:`ownership.explorer.views.profile` so the profile calls one function per
section; each draws what an analysis function returns (``analysis/gaps``, ``analysis/why``,
``analysis/history``) and the report is the CLI's own (``ownership report``).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from ownership.analysis.entities import EntityRef
from ownership.analysis.history import OWNER
from ownership.analysis.why import RuleStatus
from ownership.explorer import data, formatting, pictures, ui
from ownership.explorer.report import report_html
from ownership.graph import Graph


def picture(svg: str) -> None:
    """An inline SVG picture (its tooltips work: it is part of the page, not an image).

    ``st.html`` would strip the SVG (its sanitizer allows HTML only); the SVG is built by
    :mod:`ownership.explorer.pictures`, which escapes every data value as XML text.
    """
    st.markdown(f'<div style="overflow-x:auto">{svg}</div>', unsafe_allow_html=True)


def gap_line(graph: Graph, ref: EntityRef, as_of: dt.date) -> None:
    """ "62 % known; 38 % unaccounted for; natural person reached: …" under the title."""
    found = data.gap(graph, data.key(), ref, as_of)
    icon = ":material/check_circle:" if found.person_reached else ":material/help:"
    st.caption(f"{icon} Ownership: {ui.md(found.text())}")


def report_button(graph: Graph, ref: EntityRef, as_of: dt.date) -> None:
    """Download the HTML report of this entity on this date; written when clicked."""
    st.download_button(
        "Report",
        lambda: report_html(graph, ref, as_of),
        file_name=f"report-{_slug(ref.id)}-{as_of.isoformat()}.html",
        mime="text/html",
        key="profile_report",
        on_click="ignore",
        icon=":material/description:",
        help="one self-contained HTML file: question, answer, pictures, justifications and "
        "every source record; opens offline, prints to PDF",
    )


def why_section(rule: RuleStatus | None) -> None:
    """The tree of blocked owners and stakes down to each listing (picture and text): for an
    entity the rule catches, and for one whose blocked owners fall short of the threshold."""
    if rule is None or rule.tree is None or not rule.relevant:
        return
    tree = rule.tree
    st.subheader("Why: sanctions and the 50% rule", anchor=False)
    st.caption(
        "each arrow is a stake held by a listed or blocked party, counted in full "
        "(OFAC FAQ 401); each listing names its authority, program and date"
    )
    picture(pictures.why_svg(tree))
    st.code(tree.text(), language=None)


def flag_evidence_section(graph: Graph, ref: EntityRef, as_of: dt.date) -> None:
    """The entities behind each red flag (the companies at the address, the officers' other
    companies, the cycle's members), each row opening that entity's profile."""
    found = data.flag_evidence(graph, data.key(), ref, as_of)
    if not found:
        return
    st.subheader("Red flag evidence", anchor=False)
    for i, item in enumerate(found):
        more = (
            f" (the first {len(item.entities)} of {item.total})"
            if item.total > len(item.entities)
            else ""
        )
        st.markdown(f"**{ui.md(item.flag)}**: {ui.md(item.title)}{more}")
        ui.table(
            formatting.frame(item.entities, ["name", "id", "jurisdiction", "note", "uid"]),
            f"profile_evidence_{i}",
            f"{_slug(ref.id)}-evidence-{i}",
            open_column="uid",
            caption="select a row to open its profile",
        )


def history_tab(graph: Graph, ref: EntityRef, as_of: dt.date) -> None:
    """Every holding into and out of the entity over time, the as-of date marked."""
    found = data.holdings_history(graph, data.key(), ref)
    st.subheader(f"Ownership history ({formatting.count(len(found), 'period')})", anchor=False)
    if not found:
        st.caption("no ownership statement into or out of this entity")
        return
    picture(pictures.timeline_svg(found, as_of))
    rows = [
        {
            "direction": "owner" if h.direction == OWNER else "holds",
            "name": h.name,
            "id": h.id,
            "jurisdiction": h.jurisdiction,
            "share": h.stated.text(),
            "disagree": h.stated.disagree,
            "start_date": formatting.iso(h.start_date),
            "end_date": formatting.iso(h.end_date),
            "in_force": h.in_force(as_of),
            "sources": ", ".join(h.sources),
            "records": ", ".join(h.records),
            "uid": h.uid,
        }
        for h in found
    ]
    ui.table(
        formatting.frame(rows, list(rows[0])),
        "profile_history",
        f"{_slug(ref.id)}-history",
        open_column="uid",
        caption="one row per period in which the holding was stated the same way; "
        "in_force: on the as-of date; select a row to open the other party",
    )


def _slug(raw: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in raw)[:60]

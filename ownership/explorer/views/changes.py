"""Changes: the reports of the scheduled refresh (``ownership refresh``), newest first.

What appeared and disappeared in the last runs: per-source counts, watched chains that are new or
gone, entities newly blocked or no longer blocked, and whether the run kept the whole-graph
answers again (and why). The reports are the files the refresh keeps in
``OWNERSHIP_HOME/runs``; this page only reads them.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from ownership.explorer import data, formatting, ui
from ownership.graph import Graph
from ownership.refresh.ledger import load_reports
from ownership.refresh.report import SUMMARY_COLUMNS, answers_text, summary_row

SHOWN_RUNS = 20


def _chain_rows(chains: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "chain": " → ".join(
                f"{e['name']} ({e.get('jurisdiction') or '?'})" for e in chain["entities"]
            ),
            "effective share": formatting.pct(chain.get("effective_share")),
            "ids": " > ".join(str(e.get("id")) for e in chain["entities"]),
        }
        for chain in chains
    ]


def render(graph: Graph, url: dict[str, Any]) -> None:
    st.header("Changes")
    reports = load_reports(data.settings().home, SHOWN_RUNS)
    if not reports:
        st.info(
            "No refresh has run for this graph yet. `ownership refresh --sources seed/sources.toml` "
            "imports every source and records what changed; `--every 6h` keeps doing it."
        )
        return
    summary = formatting.frame([summary_row(r) for r in reports], SUMMARY_COLUMNS)
    ui.table(summary, "changes_runs", "refresh-runs", hide=())
    run_ids = [r["run_id"] for r in reports]
    chosen = st.selectbox("Run", run_ids, key="changes_run")
    report = reports[run_ids.index(chosen)] if chosen in run_ids else reports[0]
    url["run"] = report["run_id"]
    st.subheader(f"Run {report['run_id']}: {report['status']}", anchor=False)
    if report.get("error"):
        st.error(report["error"])
    answers = answers_text(report)
    if answers:
        st.caption(ui.md(answers[0].upper() + answers[1:]))
    sources = [
        {
            "source": s["name"],
            "status": s["status"],
            "error": s.get("error") or "",
            **{
                f"{what} {kind}": s[what][kind]
                for what in ("added", "changed", "removed")
                for kind in ("entities", "relationships")
            },
        }
        for s in report.get("sources", [])
    ]
    ui.table(
        formatting.frame(sources, list(sources[0]) if sources else ["source"]),
        "changes_sources",
        "refresh-sources",
        hide=(),
    )
    for title, key in (
        ("Watched chains that appeared", "chains_new"),
        ("Watched chains that disappeared", "chains_gone"),
    ):
        rows = _chain_rows(report.get(key, []))
        st.markdown(f"**{title}:** {len(rows)}")
        if rows:
            ui.table(
                formatting.frame(rows, ["chain", "effective share", "ids"]),
                f"changes_{key}",
                key,
                hide=(),
            )
    for title, key in (
        ("Newly blocked", "newly_blocked"),
        ("No longer blocked", "no_longer_blocked"),
    ):
        rows = [
            {
                "id": e.get("id"),
                "name": e.get("name"),
                "status": e.get("status"),
                "uid": e.get("uid"),
            }
            for e in report.get(key, [])
        ]
        st.markdown(f"**{title}:** {len(rows)}")
        if rows:
            ui.table(
                formatting.frame(rows, ["id", "name", "status", "uid"]),
                f"changes_{key}",
                key,
                open_column="uid",
            )

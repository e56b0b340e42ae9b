"""The explorer: a sidebar (view, as-of date, connection) and one page per view.

``run()`` is the entry point of ``app.py`` and ``ownership app``. Each run reads the URL on a
session's first visit (deep links), draws the chosen view inside an error boundary, and writes
the URL of what is on screen.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from typing import Any

import streamlit as st

from ownership import clock
from ownership.config import ConfigError
from ownership.explorer import data, state, ui
from ownership.explorer.views import (
    blocked,
    chains,
    changes,
    compare,
    console,
    flags,
    gaps,
    overview,
    profile,
    search,
)
from ownership.graph import Graph, GraphUnavailable, QueryFailed

# Printing a page prints the page: no sidebar, no toolbar, the main column full width.
PRINT_STYLE = """<style>
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"] { display: none !important; }
  [data-testid="stMain"] { margin-left: 0 !important; }
}
</style>"""

# Streamlit's date field (react-aria segments) takes a typed date only on Esc or when focus
# leaves the whole field; the calendar button inside it keeps a Tab from leaving. An analyst
# types a date and presses Enter (or Tab past the day): both are turned into the Esc the field
# understands, so the date applies at once; in a form, Enter then submits it (as it does in a
# text field). A static script of ours: no data value in it.
DATE_KEYS_SCRIPT = """<script>
(function () {
  if (window.__ownershipDateKeys) { return; }
  window.__ownershipDateKeys = true;
  document.addEventListener("keydown", function (event) {
    var field = event.target && event.target.closest
      ? event.target.closest('[data-testid="stDateInputField"]') : null;
    if (!field || event.isComposing) { return; }
    var segments = field.querySelectorAll('[role="spinbutton"]');
    var last = segments.length && event.target === segments[segments.length - 1];
    var enter = event.key === "Enter";
    if (!enter && !(event.key === "Tab" && !event.shiftKey && last)) { return; }
    if (enter) { event.preventDefault(); }
    event.target.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape", bubbles: true}));
    var form = enter && field.closest('[data-testid="stForm"]');
    var submit = form && form.querySelector('[data-testid="stFormSubmitButton"] button');
    if (submit) { setTimeout(function () { submit.click(); }, 50); }  // Enter submits, as in a text field
  }, true);
})();
</script>"""

PAGES: dict[str, Callable[[Graph, dict[str, Any]], None]] = {
    "search": search.render,
    "entity": profile.render,
    "chains": chains.render,
    "blocked": blocked.render,
    "flags": flags.render,
    "console": console.render,
    "changes": changes.render,
    "compare": compare.render,
    "gaps": gaps.render,
    "overview": overview.render,
}


def _sidebar() -> None:
    with st.sidebar:
        st.title("Ownership explorer", anchor=False)
        st.radio("View", list(state.VIEWS), format_func=state.VIEWS.get, key="view")
        st.date_input(
            "As of",
            key="as_of",
            min_value=state.MIN_DATE,
            max_value=state.MAX_DATE,
            format="YYYY-MM-DD",
            help="every view shows ownership, listings and roles in force on this day; a typed "
            "date applies when you press Enter or Tab past the day (or pick it in the calendar)",
        )
        st.button("Today", key="as_of_today", on_click=_today)
        st.divider()
        cols = st.columns(2)
        cols[0].button(
            "Reload data",
            on_click=data.clear,
            key="reload",
            help="forget cached results (imports and refreshes already show at once)",
        )
        cols[1].button(
            "Reconnect",
            on_click=data.reconnect,
            key="reconnect",
            help="open a new connection to the graph",
        )
        with ui.guard("Reading the settings"):
            st.caption(f"Graph: {ui.md(data.describe())}")
        with contextlib.suppress(GraphUnavailable, ConfigError, QueryFailed):
            st.caption(_data_age(data.version()[1]))  # else the page says what is wrong
        st.html(DATE_KEYS_SCRIPT, unsafe_allow_javascript=True)  # last: no gap in the sidebar


def _data_age(last: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """When the data last changed, and how long ago, in words."""
    if last is None:
        return "Data: nothing imported yet"
    now = now or dt.datetime.now(dt.UTC)
    if last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)
    minutes = max(0, int((now - last).total_seconds() // 60))
    ago = (
        "just now"
        if minutes < 1
        else f"{minutes} min ago"
        if minutes < 120
        else f"{minutes // 60} h ago"
        if minutes < 48 * 60
        else f"{minutes // 1440} days ago"
    )
    return f"Data: last imported {last.strftime('%Y-%m-%d %H:%M')} UTC ({ago})"


def _today() -> None:
    st.session_state["as_of"] = clock.today()


def run() -> None:
    # no page_icon: Streamlit fetches Material and emoji favicons from the internet
    st.set_page_config(page_title="Ownership explorer", layout="wide")
    st.html(PRINT_STYLE)
    state.load_url()
    _sidebar()
    for warning in state.warnings():
        st.warning(warning)
    view = state.view()
    url: dict[str, Any] = {}
    with ui.guard(state.VIEWS.get(view, "The page")):
        with st.spinner("Reading the graph…", show_time=True):  # never a blank page
            PAGES.get(view, search.render)(data.graph(), url)
    state.publish(url)

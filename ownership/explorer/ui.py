"""Pieces every page uses: safe text, tables with CSV export, entity pickers, graph panels,
Neo4j Browser links, and the error boundary that turns failures into one-line messages."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from ownership import cypher, readonly
from ownership.analysis.entities import AmbiguousEntity, EntityNotFound
from ownership.config import ConfigError, Settings
from ownership.explorer import exports, formatting, graphview, links, state
from ownership.explorer.subgraph import Subgraph
from ownership.graph import Graph, GraphUnavailable, QueryFailed

log = logging.getLogger("ownership.explorer")

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$=&\"'])")


def md(text: Any) -> str:
    """A data value inside Markdown: every Markdown/HTML-significant character escaped."""
    return _MD_SPECIAL.sub(r"\\\1", "" if text is None else str(text)).replace("\n", " ")


def first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:500]


@contextlib.contextmanager
def guard(what: str) -> Iterator[None]:
    """Show a failure as one line (never a stack trace); the log keeps the details."""
    try:
        yield
    except ConfigError as exc:
        st.error(f"The graph database is not reachable: {first_line(exc)}")
        st.caption("Check NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD, then press Reconnect.")
    except GraphUnavailable as exc:
        st.cache_resource.clear()  # the next run opens a new connection
        settings = Settings.from_env()
        way_out = (
            "press Reconnect to start it again"
            if settings.embedded
            else f"check that Neo4j at {settings.uri} runs, then press Reconnect"
        )
        st.error(
            f"The graph server is not reachable (it may have stopped): {way_out}.",
            icon=":material/power_off:",
        )
        st.button("Reconnect", key=f"reconnect_{what}", on_click=st.cache_resource.clear)
        st.caption(f"details: {md(first_line(exc))}")
    except QueryFailed as exc:
        st.error(f"{what} failed: {first_line(exc)}")
    except readonly.NotReadOnly as exc:
        st.error(first_line(exc))
    except (EntityNotFound, AmbiguousEntity, ValueError) as exc:
        st.error(first_line(exc))
    except Exception as exc:  # noqa: BLE001 - the boundary: anything else, one line
        log.exception("explorer: %s failed", what)
        st.error(f"{what} failed ({type(exc).__name__}): {first_line(exc)}")


def did_you_mean(near: list[dict[str, Any]], key: str) -> None:
    """Entities with a name close to what was typed (``entities.suggestions``), to open."""
    if near:
        st.caption("Did you mean:")
        entity_picker(
            [(n["uid"], f"{n['name']} ({n.get('jurisdiction') or '?'}, {n['id']})") for n in near],
            key,
        )


def open_from_table(key: str, uids: list[str]) -> None:
    """Row-selection callback: open the profile of the selected row's entity."""
    selection = st.session_state.get(key)
    rows = []
    if selection is not None:
        try:
            rows = list(selection["selection"]["rows"])
        except (KeyError, TypeError, AttributeError):
            rows = list(getattr(getattr(selection, "selection", None), "rows", []) or [])
    if rows and 0 <= rows[0] < len(uids) and uids[rows[0]]:
        state.open_entity(uids[rows[0]])


# Table text is drawn on a canvas (glide-data-grid) in 14 px Source Sans, ~6 px a character;
# a cell wraps its text only when rows are taller than 4rem (64 px).
CHAR_PX = 6.2  # a character (measured: 5.9 on average; capitals and "K.K." are wider)
CELL_PAD_PX = 20  # a cell's left and right padding, with room to spare
LINE_PX = 20  # a wrapped line
ROW_PX = 35  # the grid's own one-line row
WRAP_MIN_PX = 65  # the shortest row in which the grid wraps text


def wrapped_lines(text: str, width: int) -> int:
    """How many lines ``text`` takes in a cell ``width`` pixels wide, wrapped at spaces (and
    at its own line breaks)."""
    per_line = max(1, int((width - CELL_PAD_PX) / CHAR_PX))
    lines = 0
    for paragraph in str(text).split("\n"):
        used = 0
        lines += 1
        for word in paragraph.split(" "):
            needed = len(word) if used == 0 else used + 1 + len(word)
            if needed <= per_line or used == 0:
                used = needed
            else:
                lines += 1
                used = len(word)
            while used > per_line:  # a word longer than the line is cut across lines
                lines += 1
                used -= per_line
    return lines


def row_height(data: pd.DataFrame, wrap: Mapping[str, int]) -> int | None:
    """The row height that shows the whole text of the ``wrap`` columns ({column: width in
    pixels}) wrapped, or None when one line is enough: the key column of a table (a chain,
    its paths) is never cut, also in a 1280 px window."""
    lines = max(
        (wrapped_lines(v, width) for c, width in wrap.items() if c in data for v in data[c]),
        default=1,
    )
    return None if lines <= 1 else max(WRAP_MIN_PX, LINE_PX * lines + 16)


def grid_height(rows: int, row: int | None) -> int:
    """The height of a grid that shows ``rows`` rows of ``row`` pixels whole (up to 20 rows;
    a longer table scrolls)."""
    return (row or ROW_PX) * min(rows, 20) + ROW_PX + 3


# Rows a table draws; its CSV has them all. 500, not 2,000: the red flags' first 2,000 took a
# new browser 0.3 s more to show (2.11 against 1.79 s p50, interleaved, load 3; session 11),
# and nobody scrolls through either (a table's filters find the others).
MAX_SHOWN = 500


def table(
    data: pd.DataFrame,
    key: str,
    filename: str,
    *,
    open_column: str | None = None,
    hide: tuple[str, ...] = ("uid",),
    column_config: Mapping[str, Any] | None = None,
    height: int | str = "auto",
    caption: str | None = None,
    wrap: Mapping[str, int] | None = None,
    everything: Callable[[], pd.DataFrame] | None = None,
    total: int | None = None,
    most: int | None = None,
) -> None:
    """A table with its CSV download; with ``open_column``, selecting a row opens that entity;
    the ``wrap`` columns ({column: width in pixels}) are shown whole, wrapped.

    At most ``most`` (:data:`MAX_SHOWN`) rows are drawn, in the table's order (30,000 red flags
    at 100,000 companies took seconds to send and draw, and nobody scrolls through them); the
    CSV, made only when it is downloaded, has every row: those of ``everything`` when ``data``
    is one page of a longer list (of ``total`` rows)."""
    total = len(data) if total is None else total
    most = MAX_SHOWN if most is None else most
    shown_rows = data.head(most) if total > most else data
    shown = [c for c in data.columns if c not in hide]
    row = row_height(shown_rows, wrap or {})
    if height == "auto":  # short tables whole, long ones scroll
        height = grid_height(len(shown_rows), row) if len(shown_rows) <= 20 else 600
    kwargs: dict[str, Any] = {
        "hide_index": True,
        "column_order": shown,
        "key": key,
        "height": height,
    }
    if row:
        kwargs["row_height"] = row
    config = dict(column_config or {})
    for column, width in (wrap or {}).items():
        config[column] = {**config.get(column, {}), "width": width}
    if config:
        kwargs["column_config"] = config
    if open_column and len(shown_rows):
        uids = [str(u) if u is not None else "" for u in shown_rows[open_column].tolist()]
        kwargs["on_select"] = partial(open_from_table, key, uids)
        kwargs["selection_mode"] = "single-row"
    st.dataframe(shown_rows, **kwargs)
    left, right = st.columns([3, 1])
    notes = [caption] if caption else []
    if total > most:
        notes.append(f"The first {most:,} of {total:,} rows are shown; the CSV has them all.")
    if notes:
        left.caption(" ".join(notes))
    right.download_button(
        "Download CSV",
        (lambda: exports.csv_bytes(everything()))
        if everything
        else partial(exports.csv_bytes, data),
        file_name=f"{dated(filename)}.csv",
        mime="text/csv",
        key=f"{key}.csv",
        on_click="ignore",
        icon=":material/download:",
    )


def _open_choice(key: str) -> None:
    choice = st.session_state.get(key)
    if choice:
        state.open_entity(choice)


def entity_picker(
    options: list[tuple[str, str]], key: str, label: str = "Open the profile of"
) -> None:
    """A select box and a button: the keyboard way to open one of the listed entities."""
    if not options:
        return
    labels = {uid: text for uid, text in options}
    if st.session_state.get(key) not in labels:
        st.session_state.pop(key, None)
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    left.selectbox(label, list(labels), format_func=lambda uid: labels.get(uid, uid), key=key)
    right.button("Open profile", key=f"{key}.open", on_click=_open_choice, args=(key,))


def browser_link(
    graph: Graph,
    query: cypher.Query,
    params: Mapping[str, Any] | None = None,
    max_hops: int = 6,
    key: str | None = None,
) -> None:
    """The "Open in Neo4j Browser" button for ``query`` with its parameters (a Neo4j server only:
    the embedded server has no Browser)."""
    if graph.embedded:
        return
    st.link_button(
        "Open in Neo4j Browser",
        links.browser_url(query, params, max_hops),
        key=key,
        icon=":material/open_in_new:",
        help=f"the named query {query.name} with its parameters",
    )


def show_html(page: str, height: int) -> None:
    """An HTML page in an iframe (scripts run, same as components.v1.html)."""
    if hasattr(st, "iframe"):
        st.iframe(page, height=height)
    else:  # older Streamlit
        import streamlit.components.v1 as components

        components.html(page, height=height)


def dated(filename: str) -> str:
    """An export's file name with the as-of date: a second export (another date) does not
    overwrite the first."""
    return f"{filename}-{state.as_of().isoformat()}"


def graph_panel(
    sub: Subgraph,
    key: str,
    filename: str,
    *,
    height: int = 600,
    title: str = "ownership graph",
    layout: str = "force",
) -> None:
    """Draw ``sub``, say what the caps left out, and offer it as HTML, GraphML and JSON."""
    if not sub.nodes:
        st.info("Nothing to draw.")
        return
    page = graphview.render(sub, height=height, layout=layout, title=title)
    show_html(page, graphview.frame_height(height))
    filename = dated(filename)
    exported = graphview.render(sub, height=height, layout=layout, title=title, heading=True)
    notes = [
        f"{formatting.count(len(sub.nodes), 'node')}, "
        f"{formatting.count(len(sub.edges), 'ownership link')} drawn"
    ]
    if sub.left_out:
        notes.append(f"{sub.left_out} more left out by the caps")
    hubs = [n.name for n in sub.nodes if n.hub]
    if hubs:
        notes.append(f"{formatting.count(len(hubs), 'hub')} not expanded")
    cols = st.columns([3, 1, 1, 1])
    cols[0].caption("; ".join(notes))
    cols[1].download_button(
        "HTML",
        exports.html_bytes(exported),
        file_name=f"{filename}.html",
        mime="text/html",
        key=f"{key}.html",
        on_click="ignore",
        icon=":material/download:",
    )
    cols[2].download_button(
        "GraphML",
        exports.graphml_bytes(sub),
        file_name=f"{filename}.graphml",
        mime="application/xml",
        key=f"{key}.graphml",
        on_click="ignore",
        icon=":material/download:",
    )
    cols[3].download_button(
        "JSON",
        exports.json_bytes(sub),
        file_name=f"{filename}.json",
        mime="application/json",
        key=f"{key}.json",
        on_click="ignore",
        icon=":material/download:",
    )


def graph_controls(
    key: str, *, hubs: bool = True, per_node: bool = True, layout: str = "force"
) -> dict[str, Any]:
    """Caps and layout for a graph: returns the values chosen."""
    with st.expander("Graph settings", expanded=False):
        cols = st.columns(4)
        state.seed(f"{key}.max_nodes", 120)
        max_nodes = cols[0].number_input("Max nodes drawn", 5, 500, step=5, key=f"{key}.max_nodes")
        values: dict[str, Any] = {"max_nodes": int(max_nodes), "per_node": None, "hub_limit": None}
        if per_node:
            state.seed(f"{key}.per_node", 15)
            values["per_node"] = int(
                cols[1].number_input("Max neighbours per node", 1, 200, key=f"{key}.per_node")
            )
        if hubs:
            state.seed(f"{key}.hubs", True)
            state.seed(f"{key}.hub_limit", 30)
            suppress = cols[2].toggle(
                "Suppress hubs",
                key=f"{key}.hubs",
                help="do not walk through nodes with more ownership links than the limit",
            )
            limit = cols[2].number_input(
                "Hub: more links than", 2, 10_000, key=f"{key}.hub_limit", disabled=not suppress
            )
            values["hub_limit"] = int(limit) if suppress else None
        state.seed(f"{key}.layout", layout)
        values["layout"] = cols[3].radio(
            "Layout", ["force", "hierarchical"], key=f"{key}.layout", horizontal=True
        )
        state.keep(
            *(
                k
                for k in (
                    f"{key}.max_nodes",
                    f"{key}.per_node",
                    f"{key}.hubs",
                    f"{key}.hub_limit",
                    f"{key}.layout",
                )
                if k in st.session_state
            )
        )
    return values


def share_box(page: Mapping[str, Any]) -> None:
    """The shareable link of what is on screen."""
    st.caption("Link to this view")
    st.code(state.share_link(page), language=None)

"""Cypher console: a named query of the library with its parameters (JSON), or ad hoc Cypher.

Read-only, always: the graph layer checks the text, asks the server for the plan, and runs it
in a read transaction that is rolled back (see :mod:`ownership.readonly`); a refused query shows
the reason and changes nothing. Rows come back as a table, and the nodes and relationships in
them as a graph.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import streamlit as st

from ownership import cypher, readonly
from ownership.explorer import data, formatting, state, ui
from ownership.explorer import subgraph as subgraph_mod
from ownership.graph import Graph, GraphUnavailable, QueryFailed

NAMED, AD_HOC = "Named query", "Ad hoc Cypher"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DEFAULT_LIMIT, DEFAULT_TIMEOUT = 1000, 30
READ_QUERIES = {name: q for name, q in sorted(cypher.LIBRARY.items()) if not q.write}
_RESULT = "console_result"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _dates(value: Any) -> Any:
    """JSON back to query values: "YYYY-MM-DD" strings become dates."""
    if isinstance(value, str) and _DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, list):
        return [_dates(v) for v in value]
    if isinstance(value, dict):
        return {k: _dates(v) for k, v in value.items()}
    return value


def example_params(query: cypher.Query, as_of: dt.date) -> str:
    params = dict(query.params)
    if "as_of" in params:
        params["as_of"] = as_of
    return json.dumps(_jsonable(params), ensure_ascii=False, indent=1)


def parse_params(text: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"parameters are not valid JSON: {exc.msg} (line {exc.lineno})") from exc
    if not isinstance(value, dict):
        raise ValueError('parameters must be a JSON object, e.g. {"uid": "…"}')
    return _dates(value)


def _on_mode_change() -> None:
    if st.session_state.get("console_mode") == AD_HOC:
        st.session_state["console_params"] = "{}"
    else:
        _on_query_change()


def _on_query_change() -> None:
    query = READ_QUERIES.get(st.session_state.get("console_query", ""))
    if query is not None:
        st.session_state["console_params"] = example_params(query, state.as_of())
    st.session_state.pop(_RESULT, None)


def render(graph: Graph, url: dict[str, Any]) -> None:
    st.header("Cypher console")
    st.caption("Read-only: queries that would write are refused and change nothing.")
    linked_text = state.remembered("console_text")
    state.seed(
        "console_mode", AD_HOC if linked_text and not state.remembered("console_query") else NAMED
    )
    state.seed("console_query", "chains" if "chains" in READ_QUERIES else next(iter(READ_QUERIES)))
    if st.session_state["console_query"] not in READ_QUERIES:
        st.warning(
            f"No read query named {ui.md(st.session_state['console_query'])} in the library."
        )
        st.session_state["console_query"] = next(iter(READ_QUERIES))
    state.seed("console_text", "MATCH (c:Company)-[r:HOLDS]->(t:Entity)\nRETURN c, r, t\nLIMIT 25")
    if st.session_state["console_mode"] == AD_HOC:
        state.seed("console_params", "{}")
    else:
        state.seed(
            "console_params",
            example_params(READ_QUERIES[st.session_state["console_query"]], state.as_of()),
        )
    state.seed("console_limit", DEFAULT_LIMIT)
    state.seed("console_timeout", DEFAULT_TIMEOUT)
    state.seed("console_hops", 6)
    mode = st.radio(
        "Query",
        [NAMED, AD_HOC],
        key="console_mode",
        horizontal=True,
        label_visibility="collapsed",
        on_change=_on_mode_change,
    )
    query: cypher.Query
    hops = 6
    if mode == NAMED:
        name = st.selectbox(
            "Named query", list(READ_QUERIES), key="console_query", on_change=_on_query_change
        )
        query = READ_QUERIES[name]
        st.caption(ui.md(query.doc))
        if query.templated:
            hops = int(st.number_input("Max hops", 1, cypher.MAX_HOPS_LIMIT, key="console_hops"))
        st.code(query.render(hops), language="cypher")
        url["query"] = name
    else:
        text = st.text_area("Cypher", key="console_text", height=160)
        query = cypher.Query(name="ad hoc", text=text.strip(), doc="")
        url["cypher"] = text.strip()
    params_text = st.text_area(
        'Parameters (JSON object; "YYYY-MM-DD" strings are sent as dates)',
        key="console_params",
        height=170,
    )
    cols = st.columns([1, 1, 1, 2], vertical_alignment="bottom")
    limit = int(cols[0].number_input("Row limit", 1, 100_000, key="console_limit"))
    timeout = int(cols[1].number_input("Timeout (s)", 1, 600, key="console_timeout"))
    run = cols[2].button("Run", type="primary", key="console_run_button")
    state.keep(
        "console_mode",
        "console_query",
        "console_text",
        "console_params",
        "console_limit",
        "console_timeout",
        "console_hops",
    )
    if mode == NAMED and params_text.strip() != example_params(query, state.as_of()).strip():
        url["params"] = params_text.strip()
    elif mode == AD_HOC and params_text.strip() not in ("", "{}"):
        url["params"] = params_text.strip()
    if limit != DEFAULT_LIMIT:
        url["limit"] = limit

    signature = (mode, query.name, query.text, hops, params_text, limit, timeout)
    auto = st.session_state.pop("_keep.console_run", False) and _RESULT not in st.session_state
    if run or auto:
        st.session_state[_RESULT] = _execute(
            graph, query, hops, params_text, limit, timeout, signature
        )
    outcome = st.session_state.get(_RESULT)
    if outcome and outcome["signature"] == signature:
        _show(graph, outcome, url)
    elif outcome:
        st.caption("The query or its settings changed: press Run.")
    with ui.guard("The Neo4j Browser link"):
        if query.text:
            ui.browser_link(graph, query, parse_params(params_text), hops, key="nb_console")
    ui.share_box(url)


def _execute(
    graph: Graph,
    query: cypher.Query,
    hops: int,
    params_text: str,
    limit: int,
    timeout: int,
    signature: tuple[Any, ...],
) -> dict[str, Any]:
    try:
        params = parse_params(params_text)
        text = query.render(hops)
        result = graph.run_read_only(text, params, limit=limit, timeout=float(timeout))
    except readonly.NotReadOnly as exc:
        return {"signature": signature, "refused": ui.first_line(exc)}
    except GraphUnavailable as exc:
        return {
            "signature": signature,
            "error": f"the graph is not reachable: {ui.first_line(exc)}",
        }
    except (QueryFailed, ValueError) as exc:
        return {"signature": signature, "error": ui.first_line(exc)}
    except Exception as exc:  # noqa: BLE001 - shown as one line by _show
        return {"signature": signature, "error": f"{type(exc).__name__}: {ui.first_line(exc)}"}
    return {"signature": signature, "result": result}


def _show(graph: Graph, outcome: dict[str, Any], url: dict[str, Any]) -> None:
    if "refused" in outcome:
        reason = outcome["refused"].removeprefix("refused: ")
        st.error(f"Refused, nothing was run: {reason}", icon=":material/block:")
        return
    if "error" in outcome:
        st.error(f"The query failed: {outcome['error']}")
        return
    result = outcome["result"]
    url["run"] = 1
    more = " (stopped at the row limit)" if result.truncated else ""
    st.subheader(f"{len(result.rows)} rows{more}", anchor=False)
    table = formatting.result_frame(result.columns, result.rows)
    ui.table(table, "console_table", "query-result", hide=())
    if result.nodes:
        st.subheader(
            f"Graph: {len(result.nodes)} nodes, {len(result.relationships)} relationships",
            anchor=False,
        )
        settings = ui.graph_controls("console_graph", hubs=False, per_node=False)
        statuses = data.statuses(graph, data.key(), state.as_of())
        sub = subgraph_mod.from_result(
            result.nodes, result.relationships, max_nodes=settings["max_nodes"], status=statuses
        )
        ui.graph_panel(
            sub, "console_graph", "query-graph", title="query result", layout=settings["layout"]
        )

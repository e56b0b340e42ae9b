"""One cached driver, and cached analysis results keyed by their parameters and the as-of date.

Every function takes the graph as ``_graph`` (not hashed) and ``key``, a string naming the
database it talks to, so two connections never share results. The analysis functions are the
CLI's own; nothing here knows Cypher.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from ownership.analysis import chains as chains_mod
from ownership.analysis import entities, sanctions
from ownership.analysis import flags as flags_mod
from ownership.analysis import profile as profile_mod
from ownership.analysis import stats as stats_mod
from ownership.config import Settings
from ownership.explorer import subgraph as subgraph_mod
from ownership.graph import Graph

TTL = 600  # seconds; "Reload data" in the sidebar clears everything at once


@st.cache_resource(show_spinner="Connecting to the graph…")
def _open(settings: Settings) -> Graph:
    return Graph.open(settings)


def settings() -> Settings:
    return Settings.from_env()


def graph() -> Graph:
    """The app's one driver (raises GraphUnavailable / ConfigError)."""
    return _open(settings())


def key() -> str:
    """Which database the cached results belong to (never contains a password)."""
    s = settings()
    return f"{s.uri or s.home}|{s.database or ''}"


def describe() -> str:
    s = settings()
    return f"embedded server in {s.home}" if s.embedded else f"{s.uri} as {s.user}"


def clear() -> None:
    st.cache_data.clear()
    chains.clear()


def reconnect() -> None:
    clear()
    _open.clear()


@st.cache_data(ttl=TTL, show_spinner=False)
def stats(_graph: Graph, key: str) -> dict[str, dict[str, int]]:
    return stats_mod.graph_stats(_graph)


@st.cache_data(ttl=TTL, show_spinner=False)
def search(_graph: Graph, key: str, text: str, limit: int) -> list[dict]:
    return entities.search(_graph, text, limit=limit)


@st.cache_data(ttl=TTL, show_spinner=False)
def candidates(_graph: Graph, key: str, ref: str) -> list[entities.EntityRef]:
    """What ``ref`` may mean (resolution happens in :func:`resolve`)."""
    return entities.candidates(_graph, ref)


def resolve(_graph: Graph, key: str, ref: str) -> entities.EntityRef:
    """The entity ``ref`` names; EntityNotFound / AmbiguousEntity as in the CLI."""
    found = candidates(_graph, key, ref)
    if len(found) == 1:
        return found[0]
    return entities.resolve(_graph, ref)


@st.cache_data(ttl=TTL, show_spinner=False)
def profile(
    _graph: Graph, key: str, ref: entities.EntityRef, as_of: dt.date
) -> profile_mod.Profile:
    return profile_mod.entity_profile(_graph, ref, as_of)


@st.cache_resource(ttl=TTL, show_spinner=False)
def chains(
    _graph: Graph,
    key: str,
    origin: str,
    target: str,
    via: tuple[str, ...],
    as_of: dt.date,
    max_hops: int,
) -> chains_mod.ChainSearch:
    """Every chain of the question, kept as one shared object (never changed once made):
    ``cache_data`` would unpickle the tens of thousands of chains of a large graph on every
    rerun, where a page turn needs only fifty of them."""
    return chains_mod.search_chains(_graph, origin, target, list(via), as_of, max_hops)


@st.cache_data(ttl=TTL, show_spinner=False)
def blocked(
    _graph: Graph, key: str, as_of: dt.date, rule: str = "ofac", authorities: tuple[str, ...] = ()
) -> list[sanctions.Finding]:
    return sanctions.blocked_entities(_graph, as_of, rule=rule, authorities=authorities)


def statuses(_graph: Graph, key: str, as_of: dt.date) -> dict[str, str]:
    """{uid: listed | blocked | possibly-blocked} under the OFAC rule on ``as_of``."""
    return {f.uid: f.status for f in blocked(_graph, key, as_of)}


@st.cache_data(ttl=TTL, show_spinner=False)
def flags(
    _graph: Graph, key: str, settings: flags_mod.FlagSettings, as_of: dt.date, only: tuple[str, ...]
) -> list[flags_mod.Flag]:
    return flags_mod.red_flags(_graph, settings, as_of, only=only)


@st.cache_data(ttl=TTL, show_spinner=False)
def subgraph(
    _graph: Graph,
    key: str,
    focus: tuple[str, ...],
    candidates: tuple[str, ...],
    as_of: dt.date,
    per_node: int | None,
    max_nodes: int,
    hub_limit: int | None,
    expand: tuple[str, ...] = (),
) -> subgraph_mod.Subgraph:
    return subgraph_mod.build(
        _graph,
        focus,
        candidates,
        as_of,
        per_node=per_node,
        max_nodes=max_nodes,
        hub_limit=hub_limit,
        expand=expand,
        status=statuses(_graph, key, as_of),
    )


@st.cache_data(ttl=TTL, show_spinner=False)
def chains_subgraph(
    _graph: Graph,
    key: str,
    origin: str,
    target: str,
    via: tuple[str, ...],
    as_of: dt.date,
    max_hops: int,
    rows: tuple[int, ...],
    max_nodes: int,
) -> subgraph_mod.Subgraph:
    """The chains at positions ``rows`` of the fixed order, drawn."""
    found = chains(_graph, key, origin, target, via, as_of, max_hops)
    chosen = found.chains(list(rows))
    return subgraph_mod.from_chains(
        _graph, chosen, as_of, max_nodes=max_nodes, status=statuses(_graph, key, as_of)
    )

"""What the graph holds (``ownership stats``)."""

from __future__ import annotations

import datetime as dt

from ownership import cypher
from ownership.graph import Graph

EMPTY_GRAPH = "the graph is empty: nothing has been imported into it"


def graph_stats(graph: Graph) -> dict[str, dict[str, int]]:
    """Counts per node label and per relationship type, in the contract's JSON shape."""
    nodes = {row["label"]: row["count"] for row in graph.read(cypher.STATS_NODES)}
    rels = {row["type"]: row["count"] for row in graph.read(cypher.STATS_RELATIONSHIPS)}
    return {"nodes": dict(sorted(nodes.items())), "relationships": dict(sorted(rels.items()))}


def is_empty(graph: Graph) -> bool:
    """True when the graph holds no entity at all: an answer of "nothing" then means "nothing
    was imported here", which the analyst must be told (``docs``: a mistyped OWNERSHIP_HOME)."""
    return not graph.read(cypher.ANY_ENTITY)


def data_version(graph: Graph) -> tuple[str, dt.datetime | None]:
    """A version of the data that every import, unload, match decision and refresh that
    changes something changes, and the time of the last import or refresh (None for an empty
    graph): cached results keyed on the version are never stale, and the time tells the
    analyst the data's age. A refresh that finds its sources unchanged leaves the version as
    it was (it moves the time only), so the answers kept for it stay valid."""
    [row] = graph.read(cypher.DATA_VERSION)
    times = [t for t in (row["imported"], row["refreshed"]) if t is not None]
    return version_of(row), max(times) if times else None


def version_of(row: dict[str, object]) -> str:
    """The data version in a row of ``data_version`` (read by a transaction too: a refresh
    notes the version its own writes leave)."""
    return "|".join(
        str(row[k]) for k in ("sources", "imported", "generation", "decisions", "decided")
    )

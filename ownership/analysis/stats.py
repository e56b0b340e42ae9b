"""What the graph holds (``ownership stats``)."""

from __future__ import annotations

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

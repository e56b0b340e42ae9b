"""What the graph holds (``ownership stats``)."""

from __future__ import annotations

from ownership import cypher
from ownership.graph import Graph


def graph_stats(graph: Graph) -> dict[str, dict[str, int]]:
    """Counts per node label and per relationship type, in the contract's JSON shape."""
    nodes = {row["label"]: row["count"] for row in graph.read(cypher.STATS_NODES)}
    rels = {row["type"]: row["count"] for row in graph.read(cypher.STATS_RELATIONSHIPS)}
    return {"nodes": dict(sorted(nodes.items())), "relationships": dict(sorted(rels.items()))}

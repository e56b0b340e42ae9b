"""How much the graph holds: nodes per label, relationships per type, and each source's
records, entities and relationships (``ownership stats``, ``ownership sources``, the
explorer's "What the graph holds").

Counting them is a pass over the whole graph (2.5 s at 100,000 companies on the embedded
server) and they change only with the data, so import and refresh keep them
(:func:`keep_counts`, :mod:`ownership.analysis.maintained`) and readers take the kept counts
while the data version is unchanged. The nodes that hold kept answers (``Maintained``) come
and go without the data changing: they are counted when asked, never kept.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ownership import cypher
from ownership.analysis import maintained
from ownership.graph import Graph

KIND, KEY = "graph-counts", "all"
UNKEPT = "Maintained"  # the label not kept (see the module's docstring)


def counts(graph: Graph) -> dict[str, Any]:
    """``{"nodes": {label: n}, "relationships": {type: n}, "sources": {name: {"records",
    "live_records", "entities", "relationships": {type: n}}}}``: kept, or counted now."""
    kept = maintained.load(graph, KIND, KEY)
    if kept is None:
        return compute_counts(graph)
    [row] = graph.read(cypher.MAINTAINED_COUNT)
    if row["count"]:
        kept["nodes"] = dict(sorted({**kept["nodes"], UNKEPT: row["count"]}.items()))
    return kept


def graph_counts(graph: Graph) -> dict[str, dict[str, int]]:
    """Nodes per label and relationships per type (``ownership stats``'s JSON)."""
    found = counts(graph)
    return {"nodes": found["nodes"], "relationships": found["relationships"]}


def compute_counts(graph: Graph) -> dict[str, Any]:
    """The counts of :func:`counts`, counted now (the nodes and relationships as
    :func:`ownership.analysis.stats.graph_stats` counts them, which tests check)."""
    nodes = {row["label"]: row["count"] for row in graph.read(cypher.STATS_NODES)}
    relationships: dict[str, int] = defaultdict(int)
    by_type: dict[str, dict[str, int]] = defaultdict(dict)
    for row in graph.read(cypher.RELATIONSHIP_COUNTS):
        relationships[row["type"]] += int(row["count"])
        if row["source"]:
            by_type[row["source"]][row["type"]] = int(row["count"])
    found: dict[str, Any] = {
        "nodes": dict(sorted(nodes.items())),
        "relationships": dict(sorted(relationships.items())),
    }
    found["sources"] = {
        row["name"]: {
            "records": int(row["records"]),
            "live_records": int(row["live_records"]),
            "entities": int(row["entities"]),
            "relationships": by_type.get(row["name"], {}),
        }
        for row in graph.read(cypher.SOURCE_COUNTS)
    }
    return found


def keep_counts(graph: Graph, version: str) -> None:
    """Count the graph and keep the counts (but :data:`UNKEPT`'s) for data ``version``."""
    found = compute_counts(graph)
    found["nodes"].pop(UNKEPT, None)
    maintained.store(graph, KIND, KEY, None, found, version)

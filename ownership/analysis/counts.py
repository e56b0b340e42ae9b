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
    return count_graph(graph)[0]


def count_graph(graph: Graph) -> tuple[dict[str, Any], dict[str, Any]]:
    """The counts of :func:`counts`, and the time the ownership statements cover
    (``ownership_dates``'s row: the landing page's dates), found in the same pass over every
    relationship: a refresh keeps both, and on the embedded server at 100,000 companies the
    second pass took 5.4 s (docs/benchmarks.md)."""
    nodes = {row["label"]: row["count"] for row in graph.read(cypher.STATS_NODES)}
    relationships: dict[str, int] = defaultdict(int)
    by_type: dict[str, dict[str, int]] = defaultdict(dict)
    owns = []  # the rows of ownership statements, by source: their dates
    for row in graph.read(cypher.RELATIONSHIP_COUNTS):
        relationships[row["type"]] += int(row["count"])
        if row["source"]:
            by_type[row["source"]][row["type"]] = int(row["count"])
        if row["type"] == "OWNS":
            owns.append(row)
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
    starts = [row["first_start"] for row in owns if row["first_start"] is not None]
    lasts = [row["last_start"] for row in owns if row["last_start"] is not None]
    ends = [row["last_end"] for row in owns if row["last_end"] is not None]
    dates = {  # as ownership_dates returns them: min and max ignore statements without one
        "first_start": min(starts, default=None),
        "last_start": max(lasts, default=None),
        "last_end": max(ends, default=None),
        "statements": sum(int(row["count"]) for row in owns),
    }
    return found, dates


def keep_counts(graph: Graph, version: str) -> dict[str, Any]:
    """Count the graph and keep the counts (but :data:`UNKEPT`'s) for data ``version``; the
    time the ownership statements cover, found on the way (:func:`count_graph`)."""
    found, dates = count_graph(graph)
    found["nodes"].pop(UNKEPT, None)
    maintained.store(graph, KIND, KEY, None, found, version)
    return {"counts": found, "dates": dates}

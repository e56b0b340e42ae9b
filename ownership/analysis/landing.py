"""What the graph holds and where to start (the explorer's landing page).

Sources with their record counts and import times, node and relationship counts, the time the
ownership statements cover and the heads of the largest groups: cheap counts, for a page that
opens fast. The dated red flags (shells that took a holding weeks after incorporation,
restructuring right after a listing) walk chains across the whole graph (minutes at 100k
companies on the embedded server), so :func:`dated_flags` runs only when asked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ownership import cypher
from ownership.analysis.flags import Flag, FlagSettings, red_flags
from ownership.analysis.stats import graph_stats
from ownership.graph import Graph

DATED_FLAGS = ("new-intermediary", "restructured-after-listing")


@dataclass
class Landing:
    sources: list[dict[str, Any]]
    stats: dict[str, dict[str, int]]
    dates: dict[str, Any]
    groups: list[dict[str, Any]]


def landing(graph: Graph, as_of: dt.date, limit: int = 10) -> Landing:
    """The landing page's facts on ``as_of``."""
    dates = graph.read(cypher.OWNERSHIP_DATES)
    return Landing(
        sources=graph.read(cypher.SOURCES_SUMMARY),
        stats=graph_stats(graph),
        dates=dates[0] if dates else {},
        groups=graph.read(cypher.LARGEST_GROUPS, as_of=as_of, limit=limit),
    )


def dated_flags(graph: Graph, as_of: dt.date) -> list[Flag]:
    """The red flags that carry a date: new intermediaries, restructuring after a listing."""
    return red_flags(graph, FlagSettings(), as_of, only=DATED_FLAGS)

"""The sources in the graph, as analysts manage them (``ownership sources``).

Which sources the graph combines, how much each brings and when it was last imported or
refreshed; and taking one out again completely (:func:`ownership.unload.unload_source`: its
records, the entities only it describes, its statements, listings and the holdings derived from
them; entities other sources describe stay, recomputed from what remains).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ownership import cypher
from ownership.analysis.counts import counts
from ownership.graph import Graph
from ownership.unload import unload_source


class UnknownSource(ValueError):
    """No source of that name is in the graph."""


@dataclass
class SourceSummary:
    """One source as the graph holds it."""

    name: str
    format: str | None
    paths: list[str]
    url: str | None
    records: int
    live_records: int  # not retired by a refresh
    entities: int
    relationships: dict[str, int] = field(default_factory=dict)  # per type
    imported_at: dt.datetime | None = None
    refreshed_at: dt.datetime | None = None
    last_run: str | None = None
    loading: dt.datetime | None = None  # a chunked first load under way or interrupted

    @property
    def last_change(self) -> dt.datetime | None:
        """The later of its last import and its last refresh."""
        times = [t for t in (self.imported_at, self.refreshed_at) if t is not None]
        return max(times) if times else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "format": self.format,
            "paths": self.paths,
            "url": self.url,
            "records": self.records,
            "live_records": self.live_records,
            "entities": self.entities,
            "relationships": sum(self.relationships.values()),
            "relationships_by_type": self.relationships,
            "imported_at": self.imported_at,
            "refreshed_at": self.refreshed_at,
            "last_run": self.last_run,
            "loading": self.loading,
        }


def list_sources(graph: Graph) -> list[SourceSummary]:
    """Every source in the graph, by name: as its node says now, with its counts (kept by
    the last import or refresh while the data is unchanged: :mod:`ownership.analysis.counts`)."""
    counted = counts(graph)["sources"]
    return [
        SourceSummary(
            name=row["name"],
            format=row["format"],
            paths=list(row["paths"] or []),
            url=row["url"],
            **counted.get(
                row["name"], {"records": 0, "live_records": 0, "entities": 0, "relationships": {}}
            ),
            imported_at=row["imported_at"],
            refreshed_at=row["refreshed_at"],
            last_run=row["last_run"],
            loading=row["loading"],
        )
        for row in graph.read(cypher.SOURCES)
    ]


def remove_source(graph: Graph, name: str) -> int:
    """Take source ``name`` out of the graph completely; the number of records removed.

    Callers hold the import lock, as imports and refreshes do, so nothing writes meanwhile.
    """
    if name not in {s.name for s in list_sources(graph)}:
        raise UnknownSource(f"no source {name!r} in the graph; see `ownership sources`")
    return unload_source(graph, name)

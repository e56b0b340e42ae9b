"""Whole-graph answers kept in the graph, valid for one version of the data.

Red flags, ownership gaps and the landing page's facts look at every company; at a million
companies computing them takes minutes, while an analyst waits a second. ``ownership import``
and ``ownership refresh`` therefore compute them once, for the day they run, and keep them
(:mod:`ownership.analysis.upkeep`); reading them back is one small query. Each kept answer
carries the data version it was computed on (:func:`ownership.analysis.stats.data_version`:
every import, refresh, unload and match decision changes it), so an answer is used only while
the data is exactly what it was computed from; anything else (another date, other thresholds,
data changed since) is computed on demand, the same way as before.

An answer is stored as ``(:Maintained {kind, key, version, part, parts, data})`` nodes: its
JSON text cut into parts (one large string reads back in one go; a node per flag took seconds
to read at 100,000 companies). Dates travel as ``{"$date": …}`` / ``{"$time": …}`` objects and
come back as dates.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ownership import cypher
from ownership.analysis.stats import data_version
from ownership.graph import Graph

PART_CHARS = 1_000_000  # characters of JSON per node
PARTS_PER_STATEMENT = 8  # parts sent in one statement (a few megabytes)


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$time": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    raise TypeError(f"cannot keep a {type(value).__name__}")


def _decode(value: dict[str, Any]) -> Any:
    if len(value) == 1:
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
        if "$time" in value:
            return dt.datetime.fromisoformat(value["$time"])
    return value


def store(
    graph: Graph, kind: str, key: str, as_of: dt.date | None, answer: Any, version: str
) -> None:
    """Keep ``answer`` (JSON-able, dates allowed) as the one answer of ``kind``, for ``key``,
    computed on data ``version``; the previous answer of that kind goes in the same
    transaction."""
    text = json.dumps(answer, ensure_ascii=False, separators=(",", ":"), default=_encode)
    parts = [
        {"part": i, "data": text[start : start + PART_CHARS]}
        for i, start in enumerate(range(0, max(len(text), 1), PART_CHARS))
    ]
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with graph.transaction() as tx:
        tx.run(cypher.MAINTAINED_CLEAR, kind=kind)
        for start in range(0, len(parts), PARTS_PER_STATEMENT):
            tx.run(
                cypher.MAINTAINED_WRITE,
                kind=kind,
                key=key,
                as_of=as_of,
                version=version,
                now=now,
                count=len(parts),
                parts=parts[start : start + PARTS_PER_STATEMENT],
            )


def load(graph: Graph, kind: str, key: str) -> Any | None:
    """The kept answer of ``kind`` for ``key``, or None when there is none, it is incomplete,
    or the data changed since it was computed."""
    version = data_version(graph)[0]
    rows = graph.read(cypher.MAINTAINED_READ, kind=kind, key=key, version=version)
    if not rows or len(rows) != rows[0]["parts"]:
        return None
    return json.loads("".join(r["data"] for r in rows), object_hook=_decode)


def kept(graph: Graph) -> set[tuple[str, dt.date | None, str]]:
    """Every kept answer's (kind, date, data version)."""
    return {(r["kind"], r["as_of"], r["version"]) for r in graph.read(cypher.MAINTAINED_KEPT)}

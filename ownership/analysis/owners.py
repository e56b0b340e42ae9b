"""Owners and subsidiaries of one entity, with effective ownership (``ownership owners``).

The effective share of A in B sums, over every simple path from A to B, the product of the
shares along the path. The in-force holdings around the subject are fetched level by level; the
paths and the arithmetic are worked out here, so bands, duplicates and indirect interests are
handled in one place:

- a holding stated by several sources is one relationship (``HOLDS``, :mod:`ownership.holdings`)
  whose share is the band of what they state, so it counts once;
- an edge a source marked indirect (BODS ``directOrIndirect: indirect``) is dropped when the
  same two ends are also joined by a path of direct edges, so it is not counted twice;
- a band contributes its minimum to ``effective_share_min`` and its maximum to ``_max``; an
  edge without any share (control, consolidation) contributes 0 and 100.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ownership import cypher
from ownership.analysis.chains import product_percent
from ownership.analysis.entities import EntityRef
from ownership.graph import Graph

DEFAULT_MAX_HOPS = 10


@dataclass
class Holding:
    """One entity upstream (an owner) or downstream (a subsidiary) of the subject."""

    uid: str
    id: str
    name: str
    jurisdiction: str | None
    kind: str | None
    hops: int
    paths: int
    effective_share: float | None
    effective_share_min: float | None
    effective_share_max: float | None
    ultimate: bool = False
    via: list[list[str]] = field(default_factory=list)  # names along each path, for display

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uid": self.uid,
            "name": self.name,
            "jurisdiction": self.jurisdiction,
            "kind": self.kind,
            "effective_share": self.effective_share,
            "effective_share_min": self.effective_share_min,
            "effective_share_max": self.effective_share_max,
            "hops": self.hops,
            "paths": self.paths,
            "ultimate": self.ultimate,
        }


def _low(link: dict[str, Any]) -> float:
    value = link["share"] if link["share"] is not None else link["share_min"]
    return float(value) if value is not None else 0.0


def _high(link: dict[str, Any]) -> float:
    value = link["share"] if link["share"] is not None else link["share_max"]
    return float(value) if value is not None else 100.0


def _drop_double_counted(paths: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop paths through an indirect edge whose two ends a run of direct edges also joins."""
    joined: set[tuple[str, str]] = set()  # (x, y) joined by two or more direct edges
    for path in paths:
        uids = [e["uid"] for e in path["entities"]]
        links = path["links"]
        for i in range(len(uids)):
            for j in range(i + 2, len(uids)):
                if all(links[k].get("direct") is not False for k in range(i, j)):
                    joined.add((uids[i], uids[j]))

    def doubled(path: dict[str, Any]) -> bool:
        uids = [e["uid"] for e in path["entities"]]
        return any(
            link.get("direct") is False and (uids[i], uids[i + 1]) in joined
            for i, link in enumerate(path["links"])
        )

    return [path for path in paths if not doubled(path)]


def _aggregate(paths: list[dict[str, Any]], far_end: int) -> list[Holding]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path in paths:
        groups[path["entities"][far_end]["uid"]].append(path)
    holdings = []
    for members in groups.values():
        entity = members[0]["entities"][far_end]
        exact = [product_percent([link["share"] for link in p["links"]]) for p in members]
        low = sum(product_percent([_low(link) for link in p["links"]]) or 0.0 for p in members)
        high = sum(product_percent([_high(link) for link in p["links"]]) or 0.0 for p in members)
        holdings.append(
            Holding(
                uid=entity["uid"],
                id=entity["id"],
                name=entity["name"],
                jurisdiction=entity["jurisdiction"],
                kind=entity["kind"],
                hops=min(len(p["links"]) for p in members),
                paths=len(members),
                effective_share=None if None in exact else round(sum(exact), 6),  # type: ignore[arg-type]
                effective_share_min=round(min(low, 100.0), 6),
                effective_share_max=round(min(high, 100.0), 6),
                via=[[e["name"] for e in p["entities"]] for p in members],
            )
        )
    return sorted(
        holdings, key=lambda h: (h.hops, -(h.effective_share_min or 0.0), h.name or "", h.uid)
    )


def by_share(holdings: list[Holding]) -> list[Holding]:
    """Strongest first: effective share (upper bound) descending, then fewer hops, then name —
    the order in which ``ownership owners`` and ``subsidiaries`` page a large group, as chains
    are ranked (profiles keep the nearest-first order of :func:`owners`)."""
    return sorted(
        holdings, key=lambda h: (-(h.effective_share_max or 0.0), h.hops, h.name or "", h.uid)
    )


def _edges(
    graph: Graph, step: cypher.Query, subject: EntityRef, as_of: dt.date, max_hops: int
) -> dict[str, list[tuple[dict[str, Any], dict[str, Any]]]]:
    """The in-force edges within ``max_hops`` of ``subject``, by the entity nearer to it.

    Breadth first, one query per level, each entity expanded once: the server returns every
    edge once, where returning whole paths would repeat each prefix (and its entities) for
    every path that extends it.
    """
    adjacency: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = defaultdict(list)
    seen = {subject.uid}
    frontier = [subject.uid]
    for _ in range(max_hops):
        if not frontier:
            break
        rows = graph.read(step, uids=frontier, as_of=as_of)
        edges = rows[0]["edges"] if rows else []
        frontier = []
        for row in sorted(
            (dict(zip(cypher.STEP_FIELDS, edge, strict=True)) for edge in edges),
            key=lambda r: (r["near"], r["uid"]),
        ):
            far = {k: row[k] for k in _ENTITY_FIELDS}
            link = {k: row[k] for k in _LINK_FIELDS}
            adjacency[row["near"]].append((link, far))
            if far["uid"] not in seen:
                seen.add(far["uid"])
                frontier.append(far["uid"])
    return adjacency


_ENTITY_FIELDS = ("uid", "id", "name", "jurisdiction", "kind")
_LINK_FIELDS = ("share", "share_min", "share_max", "direct")


def _paths(
    graph: Graph, upward: bool, subject: EntityRef, as_of: dt.date | None, max_hops: int
) -> list[dict[str, Any]]:
    """Every simple path of at most ``max_hops`` in-force edges between ``subject`` and an
    owner (``upward``) or a subsidiary, entities ordered from owner to owned."""
    step = cypher.OWNERS_STEP if upward else cypher.HOLDINGS_STEP
    adjacency = _edges(graph, step, subject, as_of or dt.date.today(), max_hops)
    start = {k: getattr(subject, k) for k in _ENTITY_FIELDS}
    paths: list[dict[str, Any]] = []
    entities = [start]
    links: list[dict[str, Any]] = []
    on_path = {subject.uid}

    def walk(uid: str) -> None:
        for link, far in adjacency.get(uid, ()):
            if far["uid"] in on_path:
                continue
            entities.append(far)
            links.append(link)
            if upward:
                paths.append({"entities": entities[::-1], "links": links[::-1]})
            else:
                paths.append({"entities": list(entities), "links": list(links)})
            if len(links) < max_hops:
                on_path.add(far["uid"])
                walk(far["uid"])
                on_path.discard(far["uid"])
            entities.pop()
            links.pop()

    walk(subject.uid)
    return _drop_double_counted(paths)


def owners(
    graph: Graph, subject: EntityRef, as_of: dt.date | None = None, max_hops: int = DEFAULT_MAX_HOPS
) -> list[Holding]:
    """Everyone who owns ``subject`` on ``as_of``, directly or through others."""
    paths = _paths(graph, True, subject, as_of, max_hops)
    holdings = _aggregate(paths, far_end=0)
    for holding in holdings:
        holding.ultimate = holding.kind == "person"
    return holdings


def subsidiaries(
    graph: Graph, subject: EntityRef, as_of: dt.date | None = None, max_hops: int = DEFAULT_MAX_HOPS
) -> list[Holding]:
    """Everything ``subject`` owns on ``as_of``, directly or through subsidiaries."""
    paths = _paths(graph, False, subject, as_of, max_hops)
    return _aggregate(paths, far_end=-1)

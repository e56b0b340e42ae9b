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

from ownership import clock, cypher
from ownership.analysis.chains import entity_names, product_percent
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


Edge = tuple[float | None, float | None, float | None, bool | None]  # share, min, max, direct
Path = tuple[tuple[str, ...], tuple[Edge, ...]]  # entity uids from owner to owned; their links


def _low(edge: Edge) -> float:
    value = edge[0] if edge[0] is not None else edge[1]
    return float(value) if value is not None else 0.0


def _high(edge: Edge) -> float:
    value = edge[0] if edge[0] is not None else edge[2]
    return float(value) if value is not None else 100.0


def _drop_double_counted(paths: list[Path]) -> list[Path]:
    """Drop paths through an indirect edge whose two ends a run of direct edges also joins."""
    if all(edge[3] is not False for _, links in paths for edge in links):
        return paths  # nothing declared indirect: nothing can be counted twice
    joined: set[tuple[str, str]] = set()  # (x, y) joined by two or more direct edges
    for uids, links in paths:
        for i in range(len(uids)):
            for j in range(i + 2, len(uids)):
                if all(links[k][3] is not False for k in range(i, j)):
                    joined.add((uids[i], uids[j]))

    def doubled(path: Path) -> bool:
        uids, links = path
        return any(
            edge[3] is False and (uids[i], uids[i + 1]) in joined for i, edge in enumerate(links)
        )

    return [path for path in paths if not doubled(path)]


@dataclass
class _Reached:
    """One entity found upstream or downstream, with its arithmetic done, before its name is
    looked up (names are read only for what is shown)."""

    uid: str
    kind: str | None
    hops: int
    paths: list[tuple[str, ...]]  # the uids along each path, owner first
    effective_share: float | None
    effective_share_min: float
    effective_share_max: float

    @property
    def strength(self) -> tuple[float, int]:
        """The ranking of :func:`by_share` before names: upper bound descending, fewer hops."""
        return (-self.effective_share_max, self.hops)


def _aggregate(paths: list[Path], far_end: int, kinds: dict[str, str | None]) -> list[_Reached]:
    groups: dict[str, list[Path]] = defaultdict(list)
    for path in paths:
        groups[path[0][far_end]].append(path)
    found = []
    for uid, members in groups.items():
        exact = [product_percent([edge[0] for edge in links]) for _, links in members]
        low = sum(product_percent([_low(edge) for edge in links]) or 0.0 for _, links in members)
        high = sum(product_percent([_high(edge) for edge in links]) or 0.0 for _, links in members)
        found.append(
            _Reached(
                uid=uid,
                kind=kinds.get(uid),
                hops=min(len(links) for _, links in members),
                paths=[uids for uids, _ in members],
                effective_share=None if None in exact else round(sum(exact), 6),  # type: ignore[arg-type]
                effective_share_min=round(min(low, 100.0), 6),
                effective_share_max=round(min(high, 100.0), 6),
            )
        )
    return found


def named(graph: Graph, subject: EntityRef, found: list[_Reached], upward: bool) -> list[Holding]:
    """Holdings for ``found``, their names (and those along their paths) looked up at once."""
    names: dict[str, tuple[str, str, str | None]] = {
        subject.uid: (subject.id, subject.name, subject.jurisdiction)
    }
    wanted = {uid for r in found for path in r.paths for uid in path} - set(names)
    for uid, record_id, name, jurisdiction in entity_names(graph, wanted):
        names[uid] = (record_id, name, jurisdiction)
    return [
        Holding(
            uid=r.uid,
            id=names[r.uid][0],
            name=names[r.uid][1],
            jurisdiction=names[r.uid][2],
            kind=r.kind,
            hops=r.hops,
            paths=len(r.paths),
            effective_share=r.effective_share,
            effective_share_min=r.effective_share_min,
            effective_share_max=r.effective_share_max,
            ultimate=upward and r.kind == "person",
            via=[[names[uid][1] for uid in path] for path in r.paths],
        )
        for r in found
    ]


def nearest_first(holdings: list[Holding]) -> list[Holding]:
    """Fewest hops first, then the largest lower bound, then name: the order of profiles."""
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
) -> tuple[dict[str, list[tuple[Edge, str]]], dict[str, str | None]]:
    """The in-force edges within ``max_hops`` of ``subject``, by the entity nearer to it, as
    (link, far uid); and the kind of each entity reached.

    Breadth first, one query per level, each entity expanded once: the server returns every
    edge once, where returning whole paths would repeat each prefix (and its entities) for
    every path that extends it. Each edge carries only what the arithmetic needs (cypher.
    STEP_FIELDS): names are looked up for what is shown.
    """
    adjacency: dict[str, list[tuple[Edge, str]]] = defaultdict(list)
    kinds: dict[str, str | None] = {subject.uid: subject.kind}
    frontier = [subject.uid]
    for _ in range(max_hops):
        if not frontier:
            break
        rows = graph.read(step, uids=frontier, as_of=as_of)
        frontier = []
        for near, far, kind, share, low, high, direct in sorted(
            rows[0]["edges"] if rows else [], key=lambda e: (e[0], e[1])
        ):
            adjacency[near].append(((share, low, high, direct), far))
            if far not in kinds:
                kinds[far] = kind
                frontier.append(far)
    return adjacency, kinds


def reached(
    graph: Graph, upward: bool, subject: EntityRef, as_of: dt.date | None, max_hops: int
) -> list[_Reached]:
    """Every entity joined to ``subject`` by simple paths of at most ``max_hops`` in-force
    edges, upward (owners) or downward (subsidiaries), with the arithmetic over those paths."""
    step = cypher.OWNERS_STEP if upward else cypher.HOLDINGS_STEP
    adjacency, kinds = _edges(graph, step, subject, as_of or clock.today(), max_hops)
    paths: list[Path] = []
    uids = [subject.uid]
    links: list[Edge] = []
    on_path = {subject.uid}

    def walk(uid: str) -> None:
        for edge, far in adjacency.get(uid, ()):
            if far in on_path:
                continue
            uids.append(far)
            links.append(edge)
            if upward:
                paths.append((tuple(uids[::-1]), tuple(links[::-1])))
            else:
                paths.append((tuple(uids), tuple(links)))
            if len(links) < max_hops:
                on_path.add(far)
                walk(far)
                on_path.discard(far)
            uids.pop()
            links.pop()

    walk(subject.uid)
    return _aggregate(_drop_double_counted(paths), 0 if upward else -1, kinds)


def owners(
    graph: Graph, subject: EntityRef, as_of: dt.date | None = None, max_hops: int = DEFAULT_MAX_HOPS
) -> list[Holding]:
    """Everyone who owns ``subject`` on ``as_of``, directly or through others, nearest first."""
    return nearest_first(
        named(graph, subject, reached(graph, True, subject, as_of, max_hops), True)
    )


def subsidiaries(
    graph: Graph, subject: EntityRef, as_of: dt.date | None = None, max_hops: int = DEFAULT_MAX_HOPS
) -> list[Holding]:
    """Everything ``subject`` owns on ``as_of``, directly or through subsidiaries, nearest
    first."""
    found = reached(graph, False, subject, as_of, max_hops)
    return nearest_first(named(graph, subject, found, False))


def rank_page(
    graph: Graph,
    subject: EntityRef,
    found: list[_Reached],
    upward: bool,
    limit: int | None = None,
    offset: int = 0,
) -> list[Holding]:
    """The page ``offset`` to ``offset + limit`` of ``found`` strongest first (:func:`by_share`):
    a large group's first page without looking up every name. Only the page, and the
    entities tied with its first and last on share and hops (their names decide the order),
    are named. (:func:`ownership.analysis.kept_holdings.ranked` answers from a kept answer
    first.)"""
    found = sorted(found, key=lambda r: (r.strength, r.uid))
    end = len(found) if limit is None else min(len(found), offset + limit)
    if offset >= end:
        return []
    low, high = offset, end
    while low > 0 and found[low - 1].strength == found[offset].strength:
        low -= 1
    while high < len(found) and found[high].strength == found[end - 1].strength:
        high += 1
    page = by_share(named(graph, subject, found[low:high], upward))
    return page[offset - low : end - low]

"""Backward reaches of chain targets kept in the graph, packed, for the next new question.

A chain question asked for the first time waits for the backward pass from its targets
(:func:`ownership.analysis.chains.reach`): at a million companies every holding into a Russian
entity and their owners', 320,000 edges, which the embedded server returns in 22–36 s (one
edge costs it about 0.1 ms; docs/benchmarks.md, "A new chain question reads a kept reach").
The pass depends only on the target country, the date and the hop limit, not on where chains
start or which countries they pass through. So once found it is kept (:mod:`maintained`, for
the data version it was found on) as columns of numbers and compressed names: 8 MB at 1M, read
back and unpacked in under a second. Another question with the same target, date and hop limit
(``--from-country CN``, ``--via SG``) then starts from it: the edges that can lie on a chain
from the origin's companies are picked out here (a forward pass over the kept columns) and only
they become :class:`~ownership.analysis.chains.Link` objects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:
    from ownership.numeric import np

from ownership.analysis import maintained
from ownership.analysis.chains import Link, Reach, reach
from ownership.analysis.timelines import NO_DAY, DatedGraph, kept_dated_graph, ordinal
from ownership.graph import Graph, QueryFailed

KIND = "chain-reach"
ENTITY_TEXTS = ("uid", "id", "name", "jurisdiction", "kind")  # per entity, as compressed JSON
NUMBERS = {  # per edge (owner and owned: positions in the entity columns); numpy dtype names
    "owner": "int32",
    "owned": "int32",
    "share": "float64",
    "share_min": "float64",
    "share_max": "float64",
    "start_date": "int32",  # proleptic ordinal, 0 for none
    "end_date": "int32",
    "disagree": "uint8",
}


def key(to_country: str, as_of: dt.date, max_hops: int) -> str:
    """What a reach is kept under: 'RU|hops=6|2024-01-01'."""
    return f"{to_country.upper()}|hops={max_hops}|{as_of}"


@dataclass
class ReachColumns:
    """A reach as columns, the form it is kept in and cut from: the entities' texts
    (:data:`ENTITY_TEXTS`, lists by position), each one's fewest hops to a target
    (``distance``) and the edges (:data:`NUMBERS`, their ends as positions), owners in the
    order of their uids and each owner's edges in the order the backward pass found them."""

    entities: dict[str, list[Any]]
    distance: np.ndarray
    edges: dict[str, np.ndarray]

    @classmethod
    def of(cls, found: Reach) -> ReachColumns:
        """The columns of ``found``, a reach the backward pass found."""
        uids = sorted(found.entities)
        position = {uid: i for i, uid in enumerate(uids)}
        rows = [
            (position[uid], position[far], link) for uid in uids for link, far in found.owned[uid]
        ]
        none = float("nan")
        columns = {
            "owner": [r[0] for r in rows],
            "owned": [r[1] for r in rows],
            "share": [none if r[2].share is None else r[2].share for r in rows],
            "share_min": [none if r[2].share_min is None else r[2].share_min for r in rows],
            "share_max": [none if r[2].share_max is None else r[2].share_max for r in rows],
            "start_date": [ordinal(r[2].start_date) for r in rows],
            "end_date": [ordinal(r[2].end_date) for r in rows],
            "disagree": [int(r[2].disagree) for r in rows],
        }
        return cls(
            {field: [found.entities[uid].get(field) for uid in uids] for field in ENTITY_TEXTS},
            np.array([found.distance[uid] for uid in uids], dtype=np.int64),
            {name: np.array(columns[name], dtype) for name, dtype in NUMBERS.items()},
        )

    def cut(self, origin: str, max_hops: int) -> Reach:
        """The :class:`Reach` chains from the companies of ``origin`` can use.

        An edge from entity u to v can lie on such a chain only when u is at most i hops from a
        start company and i + 1 + (v's distance to a target) fits the hop limit; the walk
        (:func:`ownership.analysis.chains._walk`) never takes any other, so the paths found
        among the edges kept here are those found among all of them."""
        owner, owned, distance = self.edges["owner"], self.edges["owned"], self.distance
        start = (np.array(self.entities["jurisdiction"], dtype=object) == origin) & (
            np.array(self.entities["kind"], dtype=object) == "company"
        )
        far = max_hops + 1
        depth = np.where(start, 0, far)  # fewest hops from a start company, as the walk may go
        for hops in range(max_hops):
            step = (depth[owner] == hops) & (hops + 1 + distance[owned] <= max_hops)
            np.minimum.at(depth, owned[step], hops + 1)
        usable = np.flatnonzero(depth[owner] + 1 + distance[owned] <= max_hops)
        with maintained.gc_paused():  # tens of thousands of links and entities made at once
            return _reach(self.entities, distance, self.edges, usable)


def keep(
    graph: Graph, to_country: str, as_of: dt.date, max_hops: int, found: ReachColumns, version: str
) -> None:
    """Keep ``found``, the reach of ``to_country`` on ``as_of`` within ``max_hops`` found on
    data ``version``, with every entity named (the order of any chain needs the names)."""
    documents = [
        {"entities": len(found.distance), "edges": len(found.edges["owner"])},
        {field: maintained.pack_json(found.entities[field]) for field in ENTITY_TEXTS}
        | {"distance": maintained.pack(found.distance.astype(np.int8))},
        {name: maintained.pack(found.edges[name].astype(dtype)) for name, dtype in NUMBERS.items()},
    ]
    maintained.store_documents(
        graph, KIND, key(to_country, as_of, max_hops), as_of, documents, version
    )


def find(
    graph: Graph,
    to_country: str,
    as_of: dt.date,
    max_hops: int,
    version: str,
    later: list[Callable[[], None]] | None = None,
) -> ReachColumns:
    """The reach of ``to_country`` on ``as_of`` within ``max_hops`` on data ``version``, found
    now and kept for the next question (unless the server refuses the write: a read-only
    account), or, with ``later``, with the write that keeps it put on that list for after the
    answer is shown (:func:`ownership.analysis.kept_chains.answer`). It is worked out in
    process from the dated graph the upkeep keeps for every data version (:func:`from_dated`)
    when that is kept for ``version``, else by the backward pass
    (:func:`ownership.analysis.chains.reach`), whose round trip per level cost 0.5-1.8 s at
    100,000 companies and 15-32 s at a million for a first question into a country nobody
    had asked about (docs/benchmarks.md, "A first question into any country")."""
    dated = kept_dated_graph(graph, version)
    if dated is not None:
        found = from_dated(dated, to_country, as_of, max_hops)
    else:
        found = ReachColumns.of(reach(graph, to_country, as_of, max_hops))

    def keeping() -> None:
        keep(graph, to_country, as_of, max_hops, found, version)

    if later is not None:
        later.append(keeping)
        return found
    try:
        keeping()
    except QueryFailed:
        pass  # not kept: the next question finds it again
    return found


def from_dated(dated: DatedGraph, to_country: str, as_of: dt.date, max_hops: int) -> ReachColumns:
    """The reach :func:`ownership.analysis.chains.reach` finds, worked out from ``dated``.

    The same rules, over the columns: the targets are the entities registered in the country
    or operating there that a holding in force on ``as_of`` goes into (distance 0); an owner
    is one hop further than the nearest entity it holds in force, up to ``max_hops``; the
    edges are the holdings in force into every entity fewer than ``max_hops`` hops away (the
    pass reads the holdings into each entity once, when it reaches it, and not into those of
    its last level). An entity's kind is said only of owners, as the pass says it."""
    country, day = to_country.upper(), as_of.toordinal()
    live = np.flatnonzero((dated.since <= day) & (day < dated.until))
    owner, owned = dated.owner[live], dated.owned[live]
    registered = np.array([c == country for c in dated.jurisdictions] + [False], dtype=bool)
    operating = np.array([country in ops for ops in dated.operating] + [False], dtype=bool)
    target = registered[dated.jurisdiction] | operating[dated.operates_in]
    distance = np.full(len(dated.uid), max_hops + 1, dtype=np.int64)
    held = np.zeros(len(dated.uid), dtype=bool)
    held[owned] = True
    distance[target & held] = 0
    for level in range(1, max_hops + 1):
        owners = owner[distance[owned] == level - 1]
        owners = owners[distance[owners] > level]
        if not len(owners):
            break
        distance[owners] = level
    edges = np.flatnonzero(distance[owned] < max_hops)
    members = np.unique(np.concatenate([owner[edges], owned[edges]]))
    members = members[np.argsort(dated.uid[members], kind="stable")]  # by uid, as kept
    position = np.full(len(dated.uid), -1, dtype=np.int64)
    position[members] = np.arange(len(members))
    a, b = owner[edges], owned[edges]
    order = np.lexsort((position[b], distance[b], position[a]))  # by owner, level, owned
    edges, a, b = live[edges][order], a[order], b[order]
    owns = np.zeros(len(dated.uid), dtype=bool)
    owns[a] = True
    kinds = np.where(dated.company, 1, np.where(dated.person, 2, 0))
    kind_names = (None, "company", "person")
    chosen = members.tolist()
    entities = {
        "uid": [u.decode() for u in dated.uid[members].tolist()],
        "id": [dated.ids[i] for i in chosen],
        "name": [dated.names[i] for i in chosen],
        "jurisdiction": [dated.jurisdictions[c] for c in dated.jurisdiction[members].tolist()],
        "kind": [kind_names[k] if o else None for k, o in zip(kinds[members].tolist(),
                                                             owns[members].tolist(), strict=True)],
    }  # fmt: skip
    columns = {
        "owner": position[a],
        "owned": position[b],
        "share": dated.share[edges],
        "share_min": dated.share_min[edges],
        "share_max": dated.share_max[edges],
        "start_date": dated.since[edges],  # BEFORE (no start) is NO_DAY: both 0
        "end_date": dated.ended[edges],
        "disagree": (dated.disagree[edges] == 1).astype(np.uint8),
    }
    return ReachColumns(
        entities,
        distance[members],
        {name: columns[name].astype(dtype) for name, dtype in NUMBERS.items()},
    )


def is_kept(graph: Graph, to_country: str, as_of: dt.date, max_hops: int, version: str) -> bool:
    """Whether the reach of ``to_country`` on ``as_of`` within ``max_hops`` is kept for data
    ``version`` (its small first document read, not the reach: the three are written in one
    transaction)."""
    first = maintained.load_documents(graph, KIND, key(to_country, as_of, max_hops), [0], version)
    return first is not None


def load(
    graph: Graph, to_country: str, as_of: dt.date, max_hops: int, origin: str, version: str
) -> Reach | None:
    """The kept reach of ``to_country`` on ``as_of`` within ``max_hops``, cut to what chains
    from the companies of ``origin`` can use (:meth:`ReachColumns.cut`), or None when it is
    not kept for data ``version``."""
    documents = maintained.load_documents(
        graph, KIND, key(to_country, as_of, max_hops), [1, 2], version
    )
    if documents is None:
        return None
    texts, packed = documents
    found = ReachColumns(
        {field: maintained.unpack_json(texts[field]) for field in ENTITY_TEXTS},
        maintained.unpack(texts["distance"], np.int8).astype(np.int64),
        {name: maintained.unpack(packed[name], dtype) for name, dtype in NUMBERS.items()},
    )
    return found.cut(origin, max_hops)


def _reach(
    entities: dict[str, list[Any]],
    distance: np.ndarray,
    edges: dict[str, np.ndarray],
    usable: np.ndarray,
) -> Reach:
    """A :class:`Reach` of the edges ``usable`` and their entities, in the kept order."""
    uids = entities["uid"]
    found = Reach()
    days: dict[int, dt.date | None] = {NO_DAY: None}

    def day(ordinal: int) -> dt.date | None:
        if ordinal not in days:
            days[ordinal] = dt.date.fromordinal(ordinal)
        return days[ordinal]

    def number(value: float) -> float | None:
        return None if value != value else value  # NaN: not known

    columns = [edges[name][usable].tolist() for name in NUMBERS]
    for u, v, share, low, high, begins, ends, disagree in zip(*columns, strict=True):
        link = Link(number(share), number(low), number(high), day(begins), day(ends),
                    disagree=bool(disagree))  # fmt: skip
        found.owned[uids[u]].append((link, uids[v]))
    touched = np.unique(np.concatenate([edges["owner"][usable], edges["owned"][usable]]))
    fields = [entities[field] for field in ENTITY_TEXTS]
    for i, d in zip(touched.tolist(), distance[touched].tolist(), strict=True):
        found.entities[uids[i]] = {f: c[i] for f, c in zip(ENTITY_TEXTS, fields, strict=True)}
        found.distance[uids[i]] = d
    return found

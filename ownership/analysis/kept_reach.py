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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:
    from ownership.numeric import np

from ownership.analysis import maintained
from ownership.analysis.chains import Link, Reach
from ownership.graph import Graph

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
NO_DAY = 0


def key(to_country: str, as_of: dt.date, max_hops: int) -> str:
    """What a reach is kept under: 'RU|hops=6|2024-01-01'."""
    return f"{to_country.upper()}|hops={max_hops}|{as_of}"


def keep(
    graph: Graph, to_country: str, as_of: dt.date, max_hops: int, found: Reach, version: str
) -> None:
    """Keep ``found``, the reach of ``to_country`` on ``as_of`` within ``max_hops`` found on
    data ``version``, with every entity named (the backward pass names them: the order of
    any chain needs the names)."""
    uids = sorted(found.entities)
    position = {uid: i for i, uid in enumerate(uids)}
    rows = [(position[uid], position[far], link) for uid in uids for link, far in found.owned[uid]]
    none = float("nan")
    columns = {
        "owner": [r[0] for r in rows],
        "owned": [r[1] for r in rows],
        "share": [none if r[2].share is None else r[2].share for r in rows],
        "share_min": [none if r[2].share_min is None else r[2].share_min for r in rows],
        "share_max": [none if r[2].share_max is None else r[2].share_max for r in rows],
        "start_date": [r[2].start_date.toordinal() if r[2].start_date else NO_DAY for r in rows],
        "end_date": [r[2].end_date.toordinal() if r[2].end_date else NO_DAY for r in rows],
        "disagree": [int(r[2].disagree) for r in rows],
    }
    entities = {
        field: maintained.pack_json([found.entities[uid].get(field) for uid in uids])
        for field in ENTITY_TEXTS
    }
    distance = maintained.pack(np.array([found.distance[uid] for uid in uids], dtype=np.int8))
    edges = {
        name: maintained.pack(np.array(columns[name], dtype)) for name, dtype in NUMBERS.items()
    }
    documents = [
        {"entities": len(uids), "edges": len(rows)},
        entities | {"distance": distance},
        edges,
    ]
    maintained.store_documents(
        graph, KIND, key(to_country, as_of, max_hops), as_of, documents, version
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
    from the companies of ``origin`` can use, or None when it is not kept for data ``version``.

    An edge from entity u to v can lie on such a chain only when u is at most i hops from a
    start company and i + 1 + (v's distance to a target) fits the hop limit; the walk
    (:func:`ownership.analysis.chains._walk`) never takes any other, so the paths found among
    the edges kept here are those found among all of them."""
    documents = maintained.load_documents(
        graph, KIND, key(to_country, as_of, max_hops), [1, 2], version
    )
    if documents is None:
        return None
    texts, packed = documents
    entities = {field: maintained.unpack_json(texts[field]) for field in ENTITY_TEXTS}
    distance = maintained.unpack(texts["distance"], np.int8).astype(np.int64)
    edges = {name: maintained.unpack(packed[name], dtype) for name, dtype in NUMBERS.items()}
    owner, owned = edges["owner"], edges["owned"]
    start = (np.array(entities["jurisdiction"], dtype=object) == origin) & (
        np.array(entities["kind"], dtype=object) == "company"
    )
    far = max_hops + 1
    depth = np.where(start, 0, far)  # fewest hops from a start company, as the walk may go
    for hops in range(max_hops):
        step = (depth[owner] == hops) & (hops + 1 + distance[owned] <= max_hops)
        np.minimum.at(depth, owned[step], hops + 1)
    usable = np.flatnonzero(depth[owner] + 1 + distance[owned] <= max_hops)
    with maintained.gc_paused():  # tens of thousands of links and entities made at once
        return _reach(entities, distance, edges, usable)


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

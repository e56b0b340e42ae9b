"""Finding the entity an analyst means (``ENTITY`` arguments, the explorer's search box)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from ownership import cypher
from ownership.analysis import search_index
from ownership.analysis.matching import name_key
from ownership.analysis.stats import EMPTY_GRAPH, is_empty
from ownership.graph import Graph
from ownership.text import normalize

SUGGESTION_ROWS = 2000  # candidates read for "did you mean" (names sharing a word's start)


class EntityNotFound(LookupError):
    """Nothing in the graph matches the reference."""


class AmbiguousEntity(LookupError):
    """Several entities match; the message lists them so the analyst can pick one."""

    def __init__(self, ref: str, candidates: list[EntityRef]) -> None:
        self.candidates = candidates
        listed = "; ".join(f"{c.uid} ({c.name}, {c.jurisdiction or '?'})" for c in candidates[:20])
        more = f" and {len(candidates) - 20} more" if len(candidates) > 20 else ""
        super().__init__(f"{ref!r} is ambiguous: {len(candidates)} candidates: {listed}{more}")


@dataclass(frozen=True)
class EntityRef:
    """Enough to name an entity in a list of candidates."""

    uid: str
    id: str
    source: str
    name: str
    jurisdiction: str | None
    kind: str


def candidates(graph: Graph, ref: str) -> list[EntityRef]:
    """Every entity ``ref`` may mean: keys and identifiers first, aliases only if none match."""
    ref = ref.strip()
    norm = normalize(ref)
    rows = graph.read(cypher.FIND_ENTITY_BY_KEY, ref=ref, norm=norm)
    if not rows and norm:
        index = search_index.current(graph)
        if index is None:
            rows = graph.read(cypher.FIND_ENTITY_BY_ALIAS, norm=norm)
        elif uids := index.named(norm):
            rows = graph.read(cypher.FIND_ENTITY_BY_UIDS, uids=uids)
    return [EntityRef(**row) for row in rows]


def resolve(graph: Graph, ref: str) -> EntityRef:
    """The one entity ``ref`` means, or :class:`EntityNotFound` / :class:`AmbiguousEntity`."""
    found = candidates(graph, ref)
    if not found:
        if is_empty(graph):
            raise EntityNotFound(f"no entity matches {ref!r}: {EMPTY_GRAPH}")
        near = suggestions(graph, ref)
        if near:
            listed = "; ".join(f"{n['name']} ({n['id']})" for n in near)
            raise EntityNotFound(f"no entity matches {ref!r}; did you mean {listed}?")
        raise EntityNotFound(
            f"no entity matches {ref!r} (try a record id, SOURCE:ID, an identifier or an exact name)"
        )
    exact = [c for c in found if c.uid == ref]
    if len(found) > 1 and len(exact) == 1:
        return exact[0]
    if len(found) > 1:
        raise AmbiguousEntity(ref, found)
    return found[0]


SUGGESTION_CUTOFF = 80.0  # rapidfuzz WRatio (0-100) a name or alias must reach to be suggested
SUGGESTION_SPREAD = 8.0  # suggested: the best score and those within this many points of it


def suggestions(graph: Graph, text: str, limit: int = 5) -> list[dict[str, Any]]:
    """Entities whose name or an alias is close to ``text`` (typos, missing letters, "KK" for
    "K.K."), best first: the "did you mean" of a search or reference that matches nothing.

    The graph narrows the candidates to names sharing a word's first three letters with
    ``text``; rapidfuzz (as in :mod:`ownership.analysis.matching`) scores them.
    """
    norm, key = normalize(text), name_key(text)
    prefixes = sorted({w[:3] for w in norm.split() if len(w) >= 3})
    if not prefixes:
        return []
    rows = graph.read(cypher.NEAR_NAMES, prefixes=prefixes, space=" ", limit=SUGGESTION_ROWS)
    scored = []
    for row in rows:
        score = max(
            (
                max(fuzz.WRatio(norm, term), fuzz.WRatio(key, name_key(term)) if key else 0.0)
                for term in row["terms"]
            ),
            default=0.0,
        )
        if score >= SUGGESTION_CUTOFF:
            scored.append((-score, row["name"] or "", row["uid"], row))
    scored.sort(key=lambda item: item[:3])
    best = -scored[0][0] if scored else 0.0
    return [  # the best and those nearly as good, not every name sharing a word
        {k: row[k] for k in ("uid", "id", "name", "jurisdiction")} | {"score": round(-neg, 1)}
        for neg, _, _, row in scored[:limit]
        if -neg >= best - SUGGESTION_SPREAD
    ]


def search(graph: Graph, text: str, limit: int = 50) -> list[dict[str, object]]:
    """Entities whose name or alias contains ``text``, or with ``text`` as an identifier: from
    the kept search index (:mod:`ownership.analysis.search_index`) when there is one for the
    data as it is, else by the server's scan of every entity; the same answer either way."""
    norm = normalize(text)
    compact = "".join(text.split()).upper()
    if not norm and not compact:
        return []
    norm, compact = norm or compact, compact or norm
    index = search_index.current(graph)
    if index is None:
        return graph.read(cypher.SEARCH_ENTITIES, norm=norm, compact=compact, limit=limit)
    uids = index.search(norm, compact, limit)
    rows = {row["uid"]: row for row in graph.read(cypher.SEARCH_ROWS_OF, uids=uids)}
    return [rows[uid] for uid in uids if uid in rows]


def find(graph: Graph, text: str, limit: int = 50) -> list[dict[str, object]]:
    """What a search box finds: the entities :func:`search` lists, then those ``text`` names
    exactly (a record id, ``SOURCE:ID``, an identifier: :func:`candidates`) that it does not.
    The two are asked side by side: three statements one after the other were 0.3 s of a
    search page's first run at 100k."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        named = pool.submit(search, graph, text, limit)
        exact = pool.submit(candidates, graph, text)
        rows = named.result()
        known = {r["uid"] for r in rows}
        return rows + [
            {
                "uid": c.uid,
                "id": c.id,
                "name": c.name,
                "jurisdiction": c.jurisdiction,
                "kind": c.kind,
                "tags": [],
                "sources": [c.source],
                "registration_number": None,
            }
            for c in exact.result()
            if c.uid not in known
        ]

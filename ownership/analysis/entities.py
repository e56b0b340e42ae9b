"""Finding the entity an analyst means (``ENTITY`` arguments, the explorer's search box)."""

from __future__ import annotations

from dataclasses import dataclass

from ownership import cypher
from ownership.analysis.stats import EMPTY_GRAPH, is_empty
from ownership.graph import Graph
from ownership.text import normalize


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
        rows = graph.read(cypher.FIND_ENTITY_BY_ALIAS, norm=norm)
    return [EntityRef(**row) for row in rows]


def resolve(graph: Graph, ref: str) -> EntityRef:
    """The one entity ``ref`` means, or :class:`EntityNotFound` / :class:`AmbiguousEntity`."""
    found = candidates(graph, ref)
    if not found:
        if is_empty(graph):
            raise EntityNotFound(f"no entity matches {ref!r}: {EMPTY_GRAPH}")
        raise EntityNotFound(
            f"no entity matches {ref!r} (try a record id, SOURCE:ID, an identifier or an exact name)"
        )
    exact = [c for c in found if c.uid == ref]
    if len(found) > 1 and len(exact) == 1:
        return exact[0]
    if len(found) > 1:
        raise AmbiguousEntity(ref, found)
    return found[0]


def search(graph: Graph, text: str, limit: int = 50) -> list[dict[str, object]]:
    """Entities whose name or alias contains ``text``, or with ``text`` as an identifier."""
    norm = normalize(text)
    compact = "".join(text.split()).upper()
    if not norm and not compact:
        return []
    return graph.read(
        cypher.SEARCH_ENTITIES, norm=norm or compact, compact=compact or norm, limit=limit
    )

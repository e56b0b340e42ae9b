"""Ownership chains between countries (``ownership chains``).

The graph query finds the simple paths in force on the as-of date; the effective share (the
product of the shares along the chain) and the deterministic order are computed here, in one
place, so table, JSON and CSV output and the explorer agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from ownership import cypher
from ownership.analysis import statements
from ownership.graph import Graph

DEFAULT_MAX_HOPS = 6
CHAIN_ENTITY_FIELDS = ("uid", "id", "name", "jurisdiction")  # the order cypher.CHAINS returns


@dataclass(frozen=True)
class Link:
    """One holding of a chain: an exact share, or only a band (several sources disagreeing,
    or a source giving a band), or nothing known; with the sources behind it."""

    share: float | None
    share_min: float | None = None
    share_max: float | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    sources: tuple[str, ...] = ()
    statements: tuple[str, ...] = ()
    disagree: bool = False
    stated: str = ""  # when the sources disagree: "70% (reg-a), 60% (reg-c)"

    @property
    def low(self) -> float | None:
        return self.share if self.share is not None else self.share_min

    @property
    def high(self) -> float | None:
        return self.share if self.share is not None else self.share_max


def product_percent(shares: list[float | None]) -> float | None:
    """The product of percentages, as a percentage; unknown when any factor is unknown."""
    result = 100.0
    for share in shares:
        if share is None:
            return None
        result *= share / 100.0
    return round(result, 6)


@dataclass
class Chain:
    """A path of ownership from a company to a target entity."""

    entities: list[dict[str, Any]]
    links: list[Link] = field(default_factory=list)

    @property
    def shares(self) -> list[float | None]:
        return [link.share for link in self.links]

    @property
    def effective_share(self) -> float | None:
        return product_percent(self.shares)

    @property
    def effective_share_min(self) -> float | None:
        return product_percent([link.low for link in self.links])

    @property
    def effective_share_max(self) -> float | None:
        return product_percent([link.high for link in self.links])

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(e["uid"] for e in self.entities)

    def disagreements(self) -> list[str]:
        """'Lion Gate Ventures → OOO Angara Hash: 70% (reg-a), 60% (reg-c)' for each link whose
        sources state different shares."""
        return [
            f"{owner['name']} → {owned['name']}: {link.stated}"
            for owner, owned, link in zip(
                self.entities, self.entities[1:], self.links, strict=False
            )
            if link.stated
        ]

    def successions(self) -> list[str]:
        """A line "A merged into B" for each entity of the chain that was absorbed (the chain
        does not end there: its business went on at B)."""
        return [
            f"{e['name']} merged into {m['name'] or m['identifier']}"
            + (f" on {m['date']}" if m.get("date") else "")
            for e in self.entities
            for m in e.get("merged_into", ())
        ]

    def as_dict(self) -> dict[str, Any]:
        """The contract's JSON shape, plus band bounds, edge dates and successors."""
        return {
            "entities": [
                {
                    "id": e["id"],
                    "name": e["name"],
                    "jurisdiction": e["jurisdiction"],
                    "uid": e["uid"],
                    **({"merged_into": e["merged_into"]} if e.get("merged_into") else {}),
                }
                for e in self.entities
            ],
            "shares": self.shares,
            "effective_share": self.effective_share,
            "effective_share_min": self.effective_share_min,
            "effective_share_max": self.effective_share_max,
            "links": [
                {
                    "share": link.share,
                    "share_min": link.share_min,
                    "share_max": link.share_max,
                    "start_date": link.start_date.isoformat() if link.start_date else None,
                    "end_date": link.end_date.isoformat() if link.end_date else None,
                    "sources": list(link.sources),
                    "stated": link.stated or None,
                }
                for link in self.links
            ],
        }


def sort_key(chain: Chain) -> tuple[Any, ...]:
    """Largest effective share first (unknown last), then shorter, then by entity keys."""
    share = chain.effective_share
    low = chain.effective_share_min
    return (share is None, -(share or 0.0), -(low or 0.0), len(chain.entities), chain.key)


def find_chains(
    graph: Graph,
    from_country: str,
    to_country: str,
    via: list[str] | tuple[str, ...] = (),
    as_of: dt.date | None = None,
    max_hops: int = DEFAULT_MAX_HOPS,
) -> list[Chain]:
    """Chains in force on ``as_of`` (default today), sorted deterministically."""
    rows = graph.read(
        cypher.CHAINS,
        max_hops=max_hops,
        from_country=from_country.upper(),
        to_country=to_country.upper(),
        via=[cc.upper() for cc in via],
        as_of=as_of or dt.date.today(),
    )
    chains = [
        Chain(
            entities=[
                dict(zip(CHAIN_ENTITY_FIELDS, entity, strict=True)) for entity in row["entities"]
            ],
            links=[_link(*link) for link in row["links"]],  # the fields in Link's order
        )
        for row in rows
    ]
    return sorted(_with_successors(graph, _with_disagreements(graph, chains)), key=sort_key)


def _link(
    share: float | None,
    share_min: float | None,
    share_max: float | None,
    start_date: dt.date | None,
    end_date: dt.date | None,
    sources: list[str] | None,
    statements: list[str] | None,
    disagree: bool | None,
) -> Link:
    return Link(
        share,
        share_min,
        share_max,
        start_date,
        end_date,
        tuple(sources or ()),
        tuple(statements or ()),
        bool(disagree),
    )


def _with_disagreements(graph: Graph, chains: list[Chain]) -> list[Chain]:
    """Say which source states what on every link whose sources disagree (few links: one
    look-up for all of them)."""
    wanted = {uid for c in chains for link in c.links if link.disagree for uid in link.statements}
    if not wanted:
        return chains
    found = statements.claims(graph, wanted)
    for chain in chains:
        chain.links = [
            replace(link, stated=statements.stated(found[u] for u in link.statements if u in found))
            if link.disagree
            else link
            for link in chain.links
        ]
    return chains


def _with_successors(graph: Graph, chains: list[Chain]) -> list[Chain]:
    """Mark the entities of the chains that were merged into another company (one look-up for
    all of them): ``merged_into`` = [{identifier, id, name, uid, date}]. Succession is not
    ownership, so it changes no share; it says where an absorbed company's business went."""
    uids = sorted({e["uid"] for c in chains for e in c.entities})
    if not uids:
        return chains
    found: dict[str, list[dict[str, Any]]] = {}
    for row in graph.read(cypher.SUCCESSORS_OF, uids=uids):
        if row["successor_uid"] != row["uid"]:
            found.setdefault(row["uid"], []).append(
                {
                    "identifier": row["identifier"],
                    "id": row["id"],
                    "name": row["name"],
                    "uid": row["successor_uid"],
                    "date": row["date"],
                }
            )
    if found:
        for chain in chains:
            for entity in chain.entities:
                if entity["uid"] in found:
                    entity["merged_into"] = found[entity["uid"]]
    return chains

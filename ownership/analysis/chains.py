"""Ownership chains between countries (``ownership chains``).

The graph query finds the simple paths in force on the as-of date; the effective share (the
product of the shares along the chain) and the deterministic order are computed here, in one
place, so table, JSON and CSV output and the explorer agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ownership import cypher
from ownership.graph import Graph

DEFAULT_MAX_HOPS = 6
CHAIN_ENTITY_FIELDS = ("uid", "id", "name", "jurisdiction")  # the order cypher.CHAINS returns


@dataclass(frozen=True)
class Link:
    """One ownership edge of a chain: an exact share, or only a band, or nothing known."""

    share: float | None
    share_min: float | None = None
    share_max: float | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None

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

    def as_dict(self) -> dict[str, Any]:
        """The contract's JSON shape, plus band bounds and edge dates."""
        return {
            "entities": [
                {
                    "id": e["id"],
                    "name": e["name"],
                    "jurisdiction": e["jurisdiction"],
                    "uid": e["uid"],
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
            links=[Link(*link) for link in row["links"]],  # the fields in Link's order
        )
        for row in rows
    ]
    return sorted(chains, key=sort_key)

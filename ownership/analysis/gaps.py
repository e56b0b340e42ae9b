"""Ownership gaps: how much of an entity its known direct owners account for, and whether any
natural person was reached going up (``62 % known; 38 % unaccounted for``).

Registries often record only some shareholders; an analyst needs to see what is missing before
trusting "no sanctioned owner". Known = the sum of the direct holdings in force (``HOLDS``: one
per owner, whatever the number of sources stating it); a band contributes its bounds, a holding
with no share at all 0 and 100 (the query ``entity_known_share`` states this once, for one
entity and for every company). Unaccounted = 100 minus known.

The filter looks at every company; ``ownership import`` and ``refresh`` keep its answer for
every date (:mod:`ownership.analysis.timelines`), so any date is one read.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ownership import cypher
from ownership.analysis import maintained
from ownership.analysis.entities import EntityRef
from ownership.analysis.owners import Holding
from ownership.graph import Graph


@dataclass
class Gap:
    known_min: float
    known_max: float
    direct_owners: int
    persons: list[str] = field(default_factory=list)  # natural persons reached (ultimate owners)
    person_reached: bool = False

    @classmethod
    def of(cls, row: dict[str, Any], persons: list[str], reached: bool) -> Gap:
        return cls(
            round(min(100.0, float(row["known_min"] or 0.0)), 6),
            round(min(100.0, float(row["known_max"] or 0.0)), 6),
            int(row["owners"] or 0),
            persons,
            reached,
        )

    @property
    def unaccounted_min(self) -> float:
        return round(max(0.0, 100.0 - self.known_max), 6)

    @property
    def unaccounted_max(self) -> float:
        return round(max(0.0, 100.0 - self.known_min), 6)

    def text(self) -> str:
        known = _range(self.known_min, self.known_max)
        missing = _range(self.unaccounted_min, self.unaccounted_max)
        if self.persons:
            person = "natural person reached: " + ", ".join(self.persons)
        else:
            person = (
                "natural person reached" if self.person_reached else "no natural person reached"
            )
        return f"{known} known; {missing} unaccounted for; {person}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "known_min": self.known_min,
            "known_max": self.known_max,
            "unaccounted_min": self.unaccounted_min,
            "unaccounted_max": self.unaccounted_max,
            "direct_owners": self.direct_owners,
            "person_reached": self.person_reached,
            "persons": self.persons,
        }


def _range(low: float, high: float) -> str:
    return f"{low:g} %" if abs(high - low) < 1e-9 else f"{low:g}–{high:g} %"


def ownership_gap(graph: Graph, ref: EntityRef, as_of: dt.date, owners: Sequence[Holding]) -> Gap:
    """The gap of ``ref`` on ``as_of``; ``owners`` is its owner list (``owners.owners``), which
    names the natural persons reached."""
    rows = graph.read(cypher.ENTITY_KNOWN_SHARE, uid=ref.uid, as_of=as_of)
    persons = sorted({h.name for h in owners if h.ultimate})
    return Gap.of(rows[0], persons, bool(persons))


@dataclass
class CompanyGap:
    """One company of the ownership-gaps filter."""

    uid: str
    id: str
    name: str
    jurisdiction: str | None
    gap: Gap

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uid": self.uid,
            "name": self.name,
            "jurisdiction": self.jurisdiction,
            **self.gap.as_dict(),
        }


def reached_by_persons(graph: Graph, as_of: dt.date) -> set[str]:
    """Every entity some natural person holds on ``as_of``, directly or through others: walked
    down level by level from the persons' direct holdings, each entity once."""
    rows = graph.read(cypher.PERSON_HOLDINGS, as_of=as_of)
    frontier = set(rows[0]["uids"]) if rows else set()
    reached = set(frontier)
    while frontier:
        rows = graph.read(cypher.HELD_BY, uids=sorted(frontier), as_of=as_of)
        frontier = set(rows[0]["uids"] if rows else ()) - reached
        reached |= frontier
    return reached


KIND = "gaps"  # what the maintained filter is kept under
TIMELINE_KEY = "every date"  # one kept answer for every date (ownership.analysis.timelines)


def company_gaps(
    graph: Graph, as_of: dt.date, person_reached: bool | None = False
) -> list[CompanyGap]:
    """Companies with their ownership gap on ``as_of``; ``person_reached=False`` keeps those
    no natural person reaches ("no ultimate owner found"), True those one does, None all.
    Largest unaccounted share first, then name. Read from the gaps of every date the last
    import or refresh kept while the data has not changed since, else
    :func:`compute_company_gaps`."""
    kept = maintained.load(graph, KIND, TIMELINE_KEY)
    if kept is not None:
        return gaps_on(kept, as_of, person_reached)
    found = compute_company_gaps(graph, as_of)
    if person_reached is not None:
        found = [c for c in found if c.gap.person_reached == person_reached]
    return found


def gaps_on(
    timeline: list[list[Any]], as_of: dt.date, person_reached: bool | None = False
) -> list[CompanyGap]:
    """The filter on ``as_of`` from a kept timeline: rows ``[uid, id, name, jurisdiction,
    cuts, values]``, where ``cuts`` are the days (ordinals) on which the company's second and
    later pieces begin and ``values`` holds ``known_min, known_max, direct_owners,
    person_reached`` for each piece in turn (whole shares kept as integers)."""
    day = as_of.toordinal()
    found = []
    for uid, id_, name, jurisdiction, cuts, values in timeline:
        at = 4 * bisect.bisect_right(cuts, day)
        low, high, owners, reached = values[at : at + 4]
        if person_reached is None or reached == person_reached:
            found.append(
                CompanyGap(
                    uid, id_, name, jurisdiction, Gap(float(low), float(high), owners, [], reached)
                )
            )
    return sorted(found, key=_order)


def _order(c: CompanyGap) -> tuple[float, str, str]:
    return (-c.gap.unaccounted_max, c.name or "", c.uid)


def compute_company_gaps(graph: Graph, as_of: dt.date) -> list[CompanyGap]:
    """Every company with its gap on ``as_of``, in the filter's order, computed."""
    reached = reached_by_persons(graph, as_of)
    found = [
        CompanyGap(
            row["uid"],
            row["id"],
            row["name"],
            row["jurisdiction"],
            Gap.of(row, [], row["uid"] in reached),
        )
        for row in graph.read(cypher.COMPANIES_KNOWN_SHARE, as_of=as_of)
    ]
    return sorted(found, key=_order)

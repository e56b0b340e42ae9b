"""Ownership gaps: how much of an entity its known direct owners account for, and whether any
natural person was reached going up (``62 % known; 38 % unaccounted for``).

Registries often record only some shareholders; an analyst needs to see what is missing before
trusting "no sanctioned owner". Known = the sum of the direct holdings in force (``HOLDS``: one per
owner, whatever the number of sources stating it); a band contributes its bounds, a holding
with no share at all 0 and 100. Unaccounted = 100 minus known.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ownership import cypher
from ownership.analysis.entities import EntityRef
from ownership.analysis.owners import Holding
from ownership.graph import Graph


@dataclass
class Gap:
    known_min: float
    known_max: float
    direct_owners: int
    persons: list[str] = field(default_factory=list)  # natural persons reached (ultimate owners)

    @property
    def unaccounted_min(self) -> float:
        return round(max(0.0, 100.0 - self.known_max), 6)

    @property
    def unaccounted_max(self) -> float:
        return round(max(0.0, 100.0 - self.known_min), 6)

    @property
    def person_reached(self) -> bool:
        return bool(self.persons)

    def text(self) -> str:
        known = _range(self.known_min, self.known_max)
        missing = _range(self.unaccounted_min, self.unaccounted_max)
        person = (
            "natural person reached: " + ", ".join(self.persons)
            if self.persons
            else "no natural person reached"
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
    says whether a natural person was reached."""
    rows = graph.read(cypher.OWNERS_STEP, uids=[ref.uid], as_of=as_of)
    strongest: dict[str, tuple[float, float]] = {}  # owner -> (low, high)
    for edge in rows[0]["edges"] if rows else []:
        if edge["direct"] is False:  # a source's indirect interest: counted through its chain
            continue
        share, low, high = edge["share"], edge["share_min"], edge["share_max"]
        bounds = (
            (float(share), float(share))
            if share is not None
            else (float(low or 0.0), float(high if high is not None else 100.0))
        )
        strongest[edge["uid"]] = max(strongest.get(edge["uid"], (0.0, 0.0)), bounds)
    known_min = min(100.0, sum(low for low, _ in strongest.values()))
    known_max = min(100.0, sum(high for _, high in strongest.values()))
    persons = sorted({h.name for h in owners if h.ultimate})
    return Gap(round(known_min, 6), round(known_max, 6), len(strongest), persons)

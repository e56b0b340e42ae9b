"""The evidence behind an entity's red flags, entity by entity, so that an analyst can follow
each one: the other companies at a shared address, the other companies its officers serve, the
members of a circular ownership it belongs to.

The flags themselves (and their thresholds) are :mod:`ownership.analysis.flags`; this module
lists the entities that make them true, for the profile and the report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ownership import cypher
from ownership.analysis.flags import FlagSettings
from ownership.analysis.profile import Profile
from ownership.graph import Graph
from ownership.records import in_force

LIMIT = 50  # entities listed per piece of evidence (a formation agent's address holds thousands)


@dataclass
class Evidence:
    """One piece of evidence: what it shows, and the entities (with a note each)."""

    flag: str
    title: str
    entities: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0  # entities behind it, of which at most LIMIT are listed

    def as_dict(self) -> dict[str, Any]:
        return {
            "flag": self.flag,
            "title": self.title,
            "entities": self.entities,
            "total": self.total,
        }


def flag_evidence(
    graph: Graph, profile: Profile, as_of: dt.date, settings: FlagSettings | None = None
) -> list[Evidence]:
    """The evidence around ``profile``'s entity on ``as_of``: shared addresses at or above the
    address threshold, officers who serve at least ``officer_threshold`` companies in all, and
    the circular ownership through it."""
    settings = settings or FlagSettings()
    found: list[Evidence] = []
    for address in profile.addresses:
        if address["companies"] >= settings.address_threshold:
            rows = graph.read(cypher.ADDRESS_COMPANIES, address=address["uid"], limit=LIMIT)
            found.append(
                Evidence(
                    "shared-address",
                    f"{address['companies']} companies registered at {address['text']}",
                    [{**r, "note": f"incorporated {r['incorporated'] or '?'}"} for r in rows],
                    address["companies"],
                )
            )
    own = {
        r["uid"]: r
        for r in profile.roles
        if in_force(r.get("start_date"), r.get("end_date"), as_of, r.get("retired_on"))
    }
    if len(own) >= settings.officer_threshold:
        found.append(
            Evidence(
                "officer-hub",
                f"{profile.entity.get('name')} is an officer of {len(own)} companies",
                [
                    {
                        "uid": r["uid"],
                        "id": r["id"],
                        "name": r["name"],
                        "jurisdiction": None,
                        "note": r["role"],
                    }
                    for r in sorted(own.values(), key=lambda r: (r["name"] or "", r["uid"]))[:LIMIT]
                ],
                len(own),
            )
        )
    for row in graph.read(cypher.OFFICERS_OTHER_ROLES, uid=profile.uid, as_of=as_of):
        served = len(row["roles"]) + 1
        if served >= settings.officer_threshold:
            roles = sorted(row["roles"], key=lambda r: (r["name"] or "", r["uid"]))
            found.append(
                Evidence(
                    "officer-hub",
                    f"{row['officer_name']} ({row['role'] or 'officer'} here) is an officer of "
                    f"{served} companies",
                    [
                        {
                            **{k: r[k] for k in ("uid", "id", "name", "jurisdiction")},
                            "note": r["role"],
                        }
                        for r in roles[:LIMIT]
                    ],
                    len(roles),
                )
            )
    cycles = graph.read(
        cypher.ENTITY_CYCLES, max_hops=settings.max_hops, uid=profile.uid, as_of=as_of
    )
    if cycles:
        members = cycles[0]["members"][:-1]
        found.append(
            Evidence(
                "circular-ownership",
                "circular ownership: " + " → ".join(m["name"] for m in [*members, members[0]]),
                [
                    {**m, "jurisdiction": None, "note": f"member {i + 1}"}
                    for i, m in enumerate(members)
                ],
                len(members),
            )
        )
    return found

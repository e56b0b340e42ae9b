"""One entity, everything known about it (the explorer's profile page, ``ownership show``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from ownership import clock, cypher
from ownership.analysis import matching, statements
from ownership.analysis import owners as holdings
from ownership.analysis.entities import EntityNotFound, EntityRef
from ownership.analysis.flags import (
    Flag,
    FlagSettings,
    circular_detail,
    new_intermediary,
    officer_hub_detail,
    over_owned,
    shared_address_detail,
    transit,
)
from ownership.analysis.why import RuleStatus, rule_status
from ownership.graph import Graph
from ownership.records import in_force

# What a merged-into / absorbed link shows (cypher.ENTITY_SUCCESSION), in the CLI and the explorer.
SUCCESSION_COLUMNS = ["identifier", "id", "name", "jurisdiction", "date", "cause"]
INTERNAL = frozenset(
    {"fingerprint", "search_terms", "name_norm", "address_norm", "names", "sources"}
)


@dataclass
class Profile:
    entity: dict[str, Any]
    labels: list[str]
    records: list[dict[str, Any]]
    sanctions: list[dict[str, Any]]
    officers: list[dict[str, Any]]
    roles: list[dict[str, Any]]
    addresses: list[dict[str, Any]]
    owners: list[holdings.Holding] = field(default_factory=list)
    subsidiaries: list[holdings.Holding] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    rule: RuleStatus | None = None  # the OFAC 50 % rule status and why
    # direct holdings whose sources disagree, each as the claims of every source
    disagreements: list[list[statements.Claim]] = field(default_factory=list)
    # other entities that may be this one (name matches an analyst has not yet decided)
    possibly_same: list[matching.Candidate] = field(default_factory=list)
    # Succession (cypher.ENTITY_SUCCESSION): merged into / absorbed, not ownership.
    successors: list[dict[str, Any]] = field(default_factory=list)
    predecessors: list[dict[str, Any]] = field(default_factory=list)

    def judged(self, found: Verdicts) -> Profile:
        """This profile with the verdicts ``found`` on it (a copy: the facts may be shared)."""
        return replace(self, flags=found.flags, rule=found.rule, disagreements=found.disagreements)

    @property
    def uid(self) -> str:
        return str(self.entity["uid"])

    def facts(self) -> dict[str, Any]:
        """The entity's own properties without the loader's bookkeeping."""
        return {k: v for k, v in sorted(self.entity.items()) if k not in INTERNAL}

    def conflicts(self) -> dict[str, list[tuple[str, Any]]]:
        """Properties on which the source records disagree: {property: [(record uid, value)]}."""
        found: dict[str, list[tuple[str, Any]]] = {}
        keys = (
            {k for r in self.records for k in r}
            - INTERNAL
            - {"uid", "record_id", "source", "file", "imported_at", "updated_at", "identifiers"}
        )
        for key in sorted(keys):
            values = [
                (r["uid"], r.get(key)) for r in self.records if r.get(key) not in (None, [], "")
            ]
            if len({repr(v) for _, v in values}) > 1:
                found[key] = values
        return found


@dataclass(frozen=True)
class Verdicts:
    """What a profile judges of its entity on a date: the red flags found from it outwards,
    the OFAC 50 % rule's status and why, and the direct holdings whose sources disagree.

    Apart from the facts because they take the time: the walks out of a group head took about
    a second at a million companies, when its facts take a few milliseconds, and the explorer
    draws the facts first (docs/benchmarks.md, session 11)."""

    flags: list[Flag]
    rule: RuleStatus | None
    disagreements: list[list[statements.Claim]]


def entity_profile(
    graph: Graph,
    ref: EntityRef,
    as_of: dt.date | None = None,
    settings: FlagSettings | None = None,
) -> Profile:
    """The profile of ``ref`` on ``as_of``: identity, provenance, holdings both ways, flags,
    every subsidiary and the possible matches (``ownership show``, the report).

    The explorer reads it in parts instead: :func:`entity_facts` first, then
    :func:`verdicts`; a group head's subsidiaries (20,000 at a million companies) a page at a
    time from :func:`ownership.analysis.kept_holdings.ranked` instead of naming every one
    first, and the possible matches once the rest is on screen."""
    as_of = as_of or clock.today()
    facts = entity_facts(graph, ref, as_of)
    profile = facts.judged(verdicts(graph, facts, as_of, settings))
    profile.subsidiaries = holdings.subsidiaries(graph, ref, as_of)
    profile.possibly_same = matching.possible_matches(graph, profile.uid)
    return profile


def entity_facts(graph: Graph, ref: EntityRef, as_of: dt.date) -> Profile:
    """The profile of ``ref`` without its :class:`Verdicts` (and without subsidiaries and
    possible matches): identity, provenance, listings, officers, addresses, succession and
    owners on ``as_of``."""
    rows = graph.read(cypher.ENTITY_PROFILE, uid=ref.uid)
    if not rows:
        raise EntityNotFound(f"no entity {ref.uid!r}")
    row = rows[0]
    profile = Profile(
        entity=row["entity"],
        labels=row["labels"],
        records=sorted(row["records"], key=lambda r: r.get("uid") or ""),
        sanctions=one_per_listing(s for s in row["sanctions"] if s),
        officers=one_per_role(o for o in row["officers"] if o.get("uid")),
        roles=one_per_role(o for o in row["roles"] if o.get("uid")),
        addresses=[a for a in row["addresses"] if a.get("uid")],
    )
    succession = graph.read(cypher.ENTITY_SUCCESSION, uid=ref.uid)[0]
    profile.successors = [s for s in succession["successors"] if s.get("uid") != ref.uid]
    profile.predecessors = [p for p in succession["predecessors"] if p.get("uid") != ref.uid]
    profile.owners = holdings.owners(graph, ref, as_of)
    return profile


def verdicts(
    graph: Graph, facts: Profile, as_of: dt.date, settings: FlagSettings | None = None
) -> Verdicts:
    """The :class:`Verdicts` on the entity of ``facts`` (:func:`entity_facts`) on ``as_of``."""
    return Verdicts(
        flags=_local_flags(graph, facts, settings or FlagSettings(), as_of),
        rule=rule_status(graph, facts.uid, as_of),
        disagreements=_disagreements(graph, facts.uid, as_of),
    )


def _disagreements(graph: Graph, uid: str, as_of: dt.date) -> list[list[statements.Claim]]:
    """The claims behind each direct holding of ``uid`` on which its sources disagree."""
    rows = graph.read(cypher.ENTITY_DISAGREEMENTS, uid=uid, as_of=as_of)
    found = statements.claims(graph, ((r["owner"], r["owned"], r["statements"]) for r in rows))
    groups = [[found[u] for u in row["statements"] if u in found] for row in rows]
    return sorted((g for g in groups if g), key=lambda g: (g[0].owner_name or "", g[0].owned))


def one_per_listing(listings: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per listing (authority, program, listing and delisting dates), however many
    sources carry it, with the list of those sources; retired only when every copy is."""
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for listing in listings:
        key = tuple(listing.get(k) for k in ("authority", "program", "listed_on", "delisted_on"))
        known = merged.setdefault(key, {**listing, "sources": []})
        known["sources"].append(listing.get("source"))
        if None in (known.get("retired_on"), listing.get("retired_on")):
            known["retired_on"] = None
    for row in merged.values():
        row["sources"] = sorted({s for s in row["sources"] if s})
    return sorted(merged.values(), key=lambda r: tuple(str(x) for x in r.values()))


def one_per_role(edges: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (counterpart, role), however many sources state it: the widest period any
    of them gives (an open end stays open), and the list of those sources."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for edge in edges:
        key = (edge["uid"], (edge.get("role") or "").strip().lower())
        known = merged.get(key)
        if known is None:
            merged[key] = {**edge, "sources": [edge.get("source")]}
            continue
        known["sources"].append(edge.get("source"))
        starts = [d for d in (known.get("start_date"), edge.get("start_date")) if d]
        known["start_date"] = min(starts) if starts else None
        for end in ("end_date", "retired_on"):
            both = (known.get(end), edge.get(end))
            known[end] = None if None in both else max(both)
    for row in merged.values():
        row["sources"] = sorted({s for s in row["sources"] if s})
    return sorted(
        merged.values(), key=lambda r: (r.get("name") or "", r.get("role") or "", r["uid"])
    )


def _local_flags(
    graph: Graph, profile: Profile, settings: FlagSettings, as_of: dt.date
) -> list[Flag]:
    """The red flags of this one entity, each found from the entity outwards (no graph scan)."""
    e = profile.entity

    def flag(kind: str, detail: str) -> Flag:
        return Flag(profile.uid, e.get("record_id", ""), e.get("name", ""), kind, detail)

    flags = []
    if e.get("kind") == "company":
        for address in profile.addresses:
            if address["companies"] >= settings.address_threshold:
                detail = shared_address_detail(
                    address["companies"], address["text"], settings.address_threshold
                )
                flags.append(flag("shared-address", detail))
    served = sorted({r["uid"]: r["name"] for r in profile.roles if _in_force(r, as_of)}.values())
    if len(served) >= settings.officer_threshold:
        flags.append(flag("officer-hub", officer_hub_detail(served, settings.officer_threshold)))
    # four walks out from the entity, independent of each other: side by side (one after the
    # other took their sum, 0.5-0.96 s for a group head at a million companies)
    with ThreadPoolExecutor(max_workers=4) as pool:
        cycles = pool.submit(
            graph.read, cypher.ENTITY_CYCLES, settings.max_hops, uid=profile.uid, as_of=as_of
        )
        found = [
            pool.submit(detect, graph, settings, as_of, profile.uid)
            for detect in (new_intermediary, transit, over_owned)
        ]
        if cycles.result():
            names = [m["name"] for m in cycles.result()[0]["members"][:-1]]
            flags.append(flag("circular-ownership", circular_detail(names)))
        for detected in found:
            flags.extend(detected.result())
    return flags


def _in_force(edge: dict[str, Any], as_of: dt.date) -> bool:
    return in_force(edge.get("start_date"), edge.get("end_date"), as_of, edge.get("retired_on"))

"""Red flags and ownership gaps for every date at once, kept as pieces valid between two dates.

Both look at the whole graph, and both depend on the date only through which holdings and
officer roles are in force and which listings have begun: between two consecutive days on
which one of these starts or stops, the answer is the same. So ``ownership import`` and
``refresh`` work out, once, each flagged entity's flags and each company's gap as *pieces*
``[since, until)`` with the value they have on every day in between, and keep them
(:func:`ownership.analysis.flags.keep`, :func:`ownership.analysis.gaps.keep`); the answer for
ANY date is then a small read, a filter and the texts of the page shown
(:class:`ownership.analysis.flags.KeptFlags`, :class:`ownership.analysis.gaps.KeptGaps`),
where computing it took 11–20 s at 100,000 companies.

The pieces are worked out here, in Python, from the graph with its dates read whole (every
holding and entity in one query each, streamed; the officer roles of possible hubs, the cycles
and the restructurings by the queries of their own rule). The on-date detectors of
:mod:`ownership.analysis.flags` and :mod:`ownership.analysis.gaps` stay the reference: the
tests compare both on every day where something changes, on the seed and on generated
registries. The flags' texts are built by the same functions in both.

Days are ordinals (``date.toordinal``): ``BEFORE`` stands for "since always", ``AFTER`` for
"never ends". A piece holds on day D when ``since <= D < until``, the contract's rule.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ownership import cypher
from ownership.analysis.flags import (
    Flag,
    FlagSettings,
    circular_detail,
    new_intermediary_flag,
    officer_hub_detail,
    over_owned_flag,
    restructured_flag,
    restructuring,
    shared_address,
    transit_flag,
)
from ownership.analysis.flags import keep as keep_flags
from ownership.analysis.gaps import keep as keep_gaps
from ownership.analysis.maintained import gc_paused
from ownership.graph import Graph

BEFORE, AFTER = 0, dt.date.max.toordinal() + 1
Span = tuple[int, int]
ALWAYS: Span = (BEFORE, AFTER)
V = TypeVar("V")


def span(start: dt.date | None, end: dt.date | None, retired: dt.date | None = None) -> Span:
    """The days a fact is in force: from its start, until its end or its retirement."""
    until = min((d.toordinal() for d in (end, retired) if d is not None), default=AFTER)
    return (start.toordinal() if start is not None else BEFORE, until)


def meet(a: Span, b: Span) -> Span | None:
    since, until = max(a[0], b[0]), min(a[1], b[1])
    return (since, until) if since < until else None


def union(spans: Iterable[Span]) -> list[Span]:
    """Disjoint, sorted spans covering the same days."""
    merged: list[Span] = []
    for since, until in sorted(spans):
        if merged and since <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], until))
        else:
            merged.append((since, until))
    return merged


def minus(spans: list[Span], taken: list[Span]) -> list[Span]:
    """The days of ``spans`` not in ``taken`` (both disjoint and sorted)."""
    left: list[Span] = []
    for since, until in spans:
        for t_since, t_until in taken:
            if t_until <= since or until <= t_since:
                continue
            if t_since > since:
                left.append((since, t_since))
            since = max(since, t_until)
            if since >= until:
                break
        if since < until:
            left.append((since, until))
    return left


def pieces(
    items: list[tuple[Span, Any]], value: Callable[[list[Any]], V | None]
) -> list[tuple[int, int, V]]:
    """The timeline of ``value`` over the items in force: cut wherever an item starts or
    stops, ``value`` of the items in force on each stretch (None: nothing there), and
    neighbouring stretches with the same value joined."""
    items = [(days, item) for days, item in items if days[0] < days[1]]  # never in force
    cuts = sorted({d for (since, until), _ in items for d in (since, until)} | {BEFORE, AFTER})
    found: list[tuple[int, int, V]] = []
    for since, until, live in zip(cuts, cuts[1:], _live(items, cuts), strict=False):
        if not live:
            continue
        found_value = value(live)
        if found_value is None:
            continue
        if found and found[-1][1] == since and found[-1][2] == found_value:
            found[-1] = (found[-1][0], until, found_value)
        else:
            found.append((since, until, found_value))
    return found


def _live(items: list[tuple[Span, Any]], cuts: list[int]) -> Iterable[list[Any]]:
    """The items in force from each cut to the next, in the order given: looked for among
    all of them when they are few (a company's owners), swept when many (an officer's roles)."""
    if len(items) <= 8:
        for cut in cuts:
            yield [item for (since, until), item in items if since <= cut < until]
        return
    starting: dict[int, list[int]] = defaultdict(list)
    ending: dict[int, list[int]] = defaultdict(list)
    for i, ((since, until), _) in enumerate(items):
        starting[since].append(i)
        ending[until].append(i)
    live: dict[int, Any] = {}
    for cut in cuts:
        for i in ending.get(cut, ()):
            live.pop(i, None)
        for i in starting.get(cut, ()):
            live[i] = items[i][1]
        yield [live[i] for i in sorted(live)]


# -- the graph with its dates --------------------------------------------------------------


@dataclass(slots=True)  # a million of each at a million companies: no __dict__ apiece
class Entity:
    uid: str
    id: str
    name: str
    jurisdiction: str | None
    operates_in: tuple[str, ...]
    incorporated: dt.date | None
    company: bool
    person: bool
    listed: bool  # on some sanctions list, whatever the dates (as the flags' targets are)


@dataclass(slots=True)
class Holding:
    owner: str
    owned: str
    span: Span
    share: float | None
    share_min: float | None
    share_max: float | None
    kind: str
    direct: bool
    held_since: dt.date | None


class _Shared(dict[Any, Any]):
    """One object for each distinct value among many equal ones: the driver makes a new
    string, date or float for every value it reads, and :func:`span` a new tuple of new
    integers for every holding. At 100,000 companies 151,131 holdings have 14,428 distinct
    spans, 7,304 distinct ``held_since`` days and 3,723 distinct shares, the 130,000
    entities 30 jurisdictions and 18,983 incorporation days, and every holding's kind is
    one of two words; sharing them takes the dated graph from 110 MB to 71 MB there
    (``tracemalloc``; 123 MB before it was streamed, with lists where there are tuples and a
    new empty list for each entity operating nowhere else)."""

    def __call__(self, value: V) -> V:
        return value if value is None else self.setdefault(value, value)

    def share(self, value: V) -> V:
        """A float shared with the equal ones: only among floats (``50 == 50.0 == True``
        would hand back another type), and never 0.0 (equal to -0.0)."""
        if type(value) is not float or not value:
            return value
        return self.setdefault(value, value)


@dataclass
class DatedGraph:
    """Every entity and every holding with its dates: the holdings by owner (``out``) and by
    owned entity (``into``), each a tuple (a list built by appending holds up to twice the
    room it needs, and a million entities have a list or two each)."""

    entities: dict[str, Entity]
    out: dict[str, tuple[Holding, ...]] = field(default_factory=dict)
    into: dict[str, tuple[Holding, ...]] = field(default_factory=dict)

    @property
    def holdings(self) -> Iterator[Holding]:
        """Every holding once."""
        for found in self.out.values():
            yield from found

    @classmethod
    def read(cls, graph: Graph) -> DatedGraph:
        """Read the graph with its dates, a row at a time (:meth:`Graph.stream`): at a million
        companies the two queries' rows collected into one list each peaked at 2.72 GB, streamed
        1.01 GB, and the read takes 89 s instead of 123 s (``docs/benchmarks.md``). Equal values
        are shared (:class:`_Shared`); the collector is paused while millions of objects that
        cannot form cycles are made."""
        shared, floats = _Shared(), _Shared()
        entities: dict[str, Entity] = {}
        out: dict[str, list[Holding]] = defaultdict(list)
        into: dict[str, list[Holding]] = defaultdict(list)
        with gc_paused():
            for row in graph.stream(cypher.DATED_ENTITIES):
                uid, id_, name, country, operates, incorporated, *kinds = row["entity"]
                entities[uid] = Entity(
                    uid, id_, name, shared(country), shared(tuple(operates or ())),
                    shared(incorporated), *kinds,
                )  # fmt: skip
            for row in graph.stream(cypher.DATED_HOLDINGS):
                r = row["holding"]
                # the ends' uids are the entities' own strings, not a copy per holding
                owner, owned = entities.get(r[0]), entities.get(r[1])
                h = Holding(
                    owner.uid if owner else r[0], owned.uid if owned else r[1],
                    shared(span(r[2], r[3], r[4])),
                    floats.share(r[5]), floats.share(r[6]), floats.share(r[7]),
                    shared(r[8]), r[9], shared(r[10]),
                )  # fmt: skip
                out[h.owner].append(h)
                into[h.owned].append(h)
            return cls(entities, _tuples(out), _tuples(into))

    def reach(self, start: str, max_hops: int, first: list[Span] | None = None) -> dict:
        """The days on which each entity is reachable from ``start`` along holdings in force
        (all of a path's holdings on the same day), in 1 to ``max_hops`` steps; with ``first``
        also ``start`` itself on those days (0 steps). Breadth first; the days on which an
        entity was already reached in fewer steps are not walked on from again (whatever lies
        beyond is reached from there in fewer steps)."""
        reached: dict[str, list[Span]] = {start: first} if first else {}
        walked: dict[str, list[Span]] = {start: [ALWAYS]}
        frontier: dict[str, list[Span]] = {start: [ALWAYS]}
        for _ in range(max_hops):
            found: dict[str, list[Span]] = defaultdict(list)
            for uid, days in frontier.items():
                for h in self.out.get(uid, ()):
                    found[h.owned].extend(m for d in days if (m := meet(d, h.span)))
            frontier = {}
            for uid, spans in found.items():
                days = union(spans)
                if not days:
                    continue
                reached[uid] = union([*reached.get(uid, ()), *days])
                new = minus(days, walked.get(uid, []))
                if new:
                    walked[uid] = union([*walked.get(uid, ()), *new])
                    frontier[uid] = new
            if not frontier:
                break
        return reached


def _tuples(lists: dict[str, list[Holding]]) -> dict[str, tuple[Holding, ...]]:
    """Each list as a tuple, emptied as it goes (both are never alive whole at once)."""
    found = {}
    for uid, holdings in lists.items():
        found[uid] = tuple(holdings)
        holdings.clear()
    return found


# -- red flags -------------------------------------------------------------------------------

FlagValue = tuple[str, dict[str, Any]]  # a flag's detail and evidence on a stretch of days


def flag_timeline(graph: Graph, dated: DatedGraph, s: FlagSettings) -> list[list[Any]]:
    """Every flag with the days it holds: ``[since, until, uid, id, name, flag, detail,
    evidence]`` rows (the flag's text may change from one piece to the next)."""
    rows: list[list[Any]] = []

    def add(uid: str, kind: str, found: list[tuple[int, int, FlagValue]]) -> None:
        entity = dated.entities[uid]
        for since, until, (detail, evidence) in found:
            rows.append([since, until, uid, entity.id, entity.name, kind, detail, evidence])

    for f in shared_address(graph, s):  # no date in this rule
        rows.append([BEFORE, AFTER, f.uid, f.id, f.name, f.flag, f.detail, f.evidence])
    for uid, found in _officer_hubs(graph, s):
        add(uid, "officer-hub", found)
    for uid, found in _cycles(graph, s):
        add(uid, "circular-ownership", found)
    for uid, found in _new_intermediaries(dated, s):
        add(uid, "new-intermediary", found)
    for uid, found in _restructured(graph, s):
        add(uid, "restructured-after-listing", found)
    for uid, found in _transit(dated, s):
        add(uid, "secrecy-jurisdiction-intermediary", found)
    for uid, found in _over_owned(dated):
        add(uid, "shares-over-100", found)
    return rows


Timeline = Iterable[tuple[str, list[tuple[int, int, FlagValue]]]]


def _value(flag: Flag) -> FlagValue:
    return flag.detail, flag.evidence


def _officer_hubs(graph: Graph, s: FlagSettings) -> Timeline:
    def hub(roles: list[tuple[str, str]]) -> FlagValue | None:
        companies = dict(roles)  # each company once, however many roles
        if len(companies) < s.officer_threshold:
            return None
        names = list(companies.values())
        return officer_hub_detail(names, s.officer_threshold), {"count": len(companies)}

    for row in graph.read(cypher.DATED_OFFICER_ROLES, threshold=s.officer_threshold):
        roles = [(span(r[2], r[3], r[4]), (r[0], r[1])) for r in row["roles"]]
        yield row["uid"], pieces(roles, hub)


def _cycles(graph: Graph, s: FlagSettings) -> Timeline:
    cycles: dict[tuple[str, ...], tuple[list[dict[str, Any]], list[Span]]] = {}
    for row in graph.read(cypher.DATED_CYCLES, max_hops=s.max_hops):
        days: Span | None = ALWAYS
        for start, end, retired in row["spans"]:
            days = meet(days, span(start, end, retired)) if days else None
        if days is None:
            continue
        members = row["members"][:-1]
        uids = [m["uid"] for m in members]
        first = min(range(len(members)), key=lambda i: (members[i]["name"] or "", uids[i]))
        key = tuple(uids[first:] + uids[:first])
        cycles.setdefault(key, (members[first:] + members[:first], []))[1].append(days)
    by_member: dict[str, list[tuple[Span, tuple[str, ...]]]] = defaultdict(list)
    for key, (_, spans) in cycles.items():
        for days in union(spans):
            for uid in key:
                by_member[uid].append((days, key))

    def member(keys: list[tuple[str, ...]]) -> FlagValue:
        ordered = sorted(set(keys))  # the whole-graph detector merges them in this order
        detail = "; ".join(circular_detail([m["name"] for m in cycles[k][0]]) for k in ordered)
        return detail, {"size": len(ordered[0])}

    for uid, found in by_member.items():
        yield uid, pieces(found, member)


def _targets(dated: DatedGraph, s: FlagSettings) -> set[str]:
    """Entities in a watched country (registered or operating) or on a sanctions list."""
    watched = set(s.watched_countries)
    return {
        e.uid
        for e in dated.entities.values()
        if e.jurisdiction in watched or watched & set(e.operates_in) or e.listed
    }


def _reaches(
    dated: DatedGraph, targets: set[str], found: dict[str, list[Span]]
) -> list[tuple[Span, tuple[str, str]]]:
    return [
        (days, (uid, dated.entities[uid].name))
        for uid, spans in found.items()
        if uid in targets
        for days in spans
    ]


def _new_intermediaries(dated: DatedGraph, s: FlagSettings) -> Timeline:
    targets = _targets(dated, s)
    for e in dated.entities.values():
        if not (e.company and e.incorporated and dated.into.get(e.uid)):
            continue
        items: list[tuple[Span, tuple[Any, ...]]] = []
        for h in dated.out.get(e.uid, ()):
            since = h.held_since
            if since is None or since < e.incorporated:
                continue
            days = (since - e.incorporated).days
            if days > s.new_intermediary_days:
                continue
            n = dated.entities[h.owned]
            acquisition = (days, n.name, since)
            for reach_days, target in _reaches(
                dated, targets, dated.reach(n.uid, s.max_hops, [h.span])
            ):
                if both := meet(reach_days, h.span):
                    items.append((both, (acquisition, target)))
        if not items:
            continue

        def acquisitions(live: list[Any], e: Any = e) -> FlagValue:
            reaches: dict[tuple[Any, ...], set[str]] = defaultdict(set)
            for acquisition, (_, name) in live:
                reaches[acquisition].add(name)
            rows = [
                {
                    "uid": e.uid,
                    "id": e.id,
                    "name": e.name,
                    "incorporated": e.incorporated,
                    "acquired_name": acquired_name,
                    "acquired": acquired,
                    "days": days,
                    "reaches": list(names),
                }
                for (days, acquired_name, acquired), names in reaches.items()
            ]
            flags = [
                new_intermediary_flag(r, s.new_intermediary_days)
                for r in sorted(
                    rows,
                    key=lambda r: (r["days"], r["uid"], r["acquired_name"] or "", r["acquired"]),
                )
            ]
            return "; ".join(f.detail for f in flags), flags[0].evidence

        yield e.uid, pieces(items, acquisitions)


def _restructured(graph: Graph, s: FlagSettings) -> Timeline:
    """The rule's rows for the last day there is: a restructuring flags from its listing on."""
    by_entity: dict[str, list[tuple[Span, dict[str, Any]]]] = defaultdict(list)
    for r in graph.read(
        cypher.RESTRUCTURED_AFTER_LISTING, days=s.restructuring_days, as_of=dt.date.max
    ):
        by_entity[r["uid"]].append(((r["listed_on"].toordinal(), AFTER), r))

    def restructurings(live: list[dict[str, Any]]) -> FlagValue:
        flags = [
            restructured_flag(r, s.restructuring_days) for r in sorted(live, key=restructuring)
        ]
        return "; ".join(f.detail for f in flags), flags[0].evidence

    for uid, items in by_entity.items():
        yield uid, pieces(items, restructurings)


def _transit(dated: DatedGraph, s: FlagSettings) -> Timeline:
    targets, secrecy = _targets(dated, s), set(s.secrecy_jurisdictions)
    for e in dated.entities.values():
        owners = dated.into.get(e.uid)
        if e.jurisdiction not in secrecy or not owners:
            continue
        reaches = _reaches(dated, targets, dated.reach(e.uid, s.max_hops))
        if not reaches:
            continue
        items = [(h.span, ("owner", h.owner)) for h in owners] + [
            (days, ("target", target)) for days, target in reaches
        ]

        def chains(live: list[Any], e: Entity = e) -> FlagValue | None:
            held_by = {uid for what, uid in live if what == "owner"}
            names = {
                name
                for what, target in live
                if what == "target"
                for uid, name in [target]
                if held_by - {uid}  # the chain leads back to the intermediary's only owner
            }
            if not names:
                return None
            return _value(transit_flag(e.uid, e.id, e.name, e.jurisdiction or "", list(names)))

        yield e.uid, pieces(items, chains)


def _over_owned(dated: DatedGraph) -> Timeline:
    for uid, into in dated.into.items():
        stated = [
            (h.span, (h.owner, h.share))
            for h in into
            if h.share is not None and h.kind == "shareholding" and h.direct
        ]
        if sum(share for _, (_, share) in stated) <= 100.0001:
            continue  # never over 100 on any one day either
        e = dated.entities[uid]

        def over(live: list[tuple[str, float]], e: Entity = e) -> FlagValue | None:
            total = sum(share for _, share in live)
            if total <= 100.0001:
                return None
            owners = [{"name": dated.entities[o].name, "share": share} for o, share in live]
            return _value(over_owned_flag(e.uid, e.id, e.name, total, owners))

        yield uid, pieces(stated, over)


# -- ownership gaps --------------------------------------------------------------------------


def gap_timeline(dated: DatedGraph) -> list[list[Any]]:
    """Every company with its gap over time: ``[uid, id, name, jurisdiction, cuts, values]``.
    A gap is known on every day, so its pieces follow one another: ``cuts`` are the days on
    which the second and later pieces begin, ``values`` holds ``known_min, known_max,
    direct_owners, person_reached`` for each piece in turn (flat, whole shares as integers:
    100,000 companies' nested pieces of floats took seconds to parse)."""
    reached = _reached_by_persons(dated)
    rows = []
    for e in dated.entities.values():
        if not e.company:
            continue
        items: list[tuple[Span, Any]] = [
            (h.span, ("owner", h)) for h in dated.into.get(e.uid, ()) if h.direct
        ]
        items += [(days, ("reached", None)) for days in reached.get(e.uid, ())]
        found = pieces([(ALWAYS, ("company", None)), *items], _gap)
        cuts = [since for since, _, _ in found[1:]]
        values = [_compact(v) for p in found for v in p[2]]
        rows.append([e.uid, e.id, e.name, e.jurisdiction, cuts, values])
    return rows


def _compact(value: float | int | bool) -> float | int | bool:
    """A whole share as an integer: JSON integers parse several times faster than floats,
    and nearly every share is whole (:class:`ownership.analysis.gaps.KeptGaps` makes them floats
    again)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _gap(live: list[tuple[str, Any]]) -> tuple[float, float, int, bool]:
    """A company's gap on a stretch of days: the rule of ``entity_known_share``."""
    owners = [h for what, h in live if what == "owner"]
    low = sum(h.share if h.share is not None else (h.share_min or 0.0) for h in owners)
    high = sum(
        h.share if h.share is not None else (h.share_max if h.share_max is not None else 100.0)
        for h in owners
    )
    return (
        round(min(100.0, float(low)), 6),
        round(min(100.0, float(high)), 6),
        len(owners),
        any(what == "reached" for what, _ in live),
    )


def _reached_by_persons(dated: DatedGraph) -> dict[str, list[Span]]:
    """The days on which a natural person holds each entity, directly or through others
    (``gaps.reached_by_persons`` for every date): spread down from the persons' holdings
    until nothing more is reached."""
    reached: dict[str, list[Span]] = {}
    todo: dict[str, list[Span]] = {
        e.uid: [ALWAYS] for e in dated.entities.values() if e.person and dated.out.get(e.uid)
    }
    while todo:
        uid, days = todo.popitem()
        for h in dated.out.get(uid, ()):
            new = minus(union(m for d in days if (m := meet(d, h.span))), reached.get(h.owned, []))
            if new:
                reached[h.owned] = union([*reached.get(h.owned, ()), *new])
                todo[h.owned] = union([*todo.get(h.owned, ()), *new])
    return reached


# -- keeping them ----------------------------------------------------------------------------


def keep_flag_timeline(graph: Graph, dated: DatedGraph, version: str) -> None:
    """Work out the red flags (default thresholds) of every date and keep them for data
    ``version`` (read before ``dated``: a change meanwhile makes them stale, never wrong)."""
    settings = FlagSettings()
    keep_flags(graph, settings, flag_timeline(graph, dated, settings), version)


def keep_gap_timeline(graph: Graph, dated: DatedGraph, version: str) -> list[list[Any]]:
    """Work out the ownership gaps of every date and keep them for data ``version``."""
    gaps = gap_timeline(dated)
    keep_gaps(graph, gaps, version)
    return gaps

"""Red flags (``ownership flags``): patterns that deserve an analyst's look, with the evidence.

Each detector is one named query plus a sentence that names the evidence and the threshold.
A flag is a reason to look, not a finding.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:
    from ownership.numeric import np

from ownership import clock, cypher
from ownership.analysis import maintained
from ownership.analysis.stats import data_version
from ownership.graph import Graph

KIND = "flags"  # what maintained red flags are kept under

# Secrecy or transit jurisdictions commonly used to route ownership (configurable).
DEFAULT_SECRECY = ("VG", "KY", "SC", "BZ", "PA", "AE", "CY", "HK", "MH", "BS")


@dataclass(frozen=True)
class FlagSettings:
    """Thresholds, each with its documented default."""

    address_threshold: int = 3  # companies at one registered address
    officer_threshold: int = 3  # companies one officer serves
    new_intermediary_days: int = 90  # incorporated this close to entering a chain
    restructuring_days: int = 90  # ownership changed this soon after a related listing
    watched_countries: tuple[str, ...] = ("RU",)
    secrecy_jurisdictions: tuple[str, ...] = DEFAULT_SECRECY
    max_hops: int = 6


@dataclass
class Flag:
    uid: str
    id: str
    name: str
    flag: str
    detail: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uid": self.uid,
            "name": self.name,
            "flag": self.flag,
            "detail": self.detail,
        }

    def to_row(self) -> list[Any]:
        """The flag as kept by :mod:`ownership.analysis.maintained` (:meth:`from_row`)."""
        return [self.uid, self.id, self.name, self.flag, self.detail, self.evidence]

    @classmethod
    def from_row(cls, row: list[Any]) -> Flag:
        return cls(*row)


def shared_address_detail(count: int, text: str, threshold: int) -> str:
    return f"one of {count} companies registered at {text!r} (threshold {threshold})"


def officer_hub_detail(names: list[str], threshold: int) -> str:
    names = sorted(names)
    listed = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return f"officer of {len(names)} companies (threshold {threshold}): {listed}"


def circular_detail(names: list[str]) -> str:
    return "member of a circular ownership: " + " -> ".join([*names, names[0]])


def shared_address(graph: Graph, s: FlagSettings, as_of: dt.date | None = None) -> list[Flag]:
    """Companies at a crowded registered address (a rule without a date: ``as_of`` is
    ignored)."""
    return [
        Flag(
            r["uid"],
            r["id"],
            r["name"],
            "shared-address",
            shared_address_detail(r["count"], r["text"], s.address_threshold),
            {"address": r["address"], "count": r["count"]},
        )
        for r in graph.read(cypher.SHARED_ADDRESSES, threshold=s.address_threshold)
    ]


def _officer_hub(graph: Graph, s: FlagSettings, as_of: dt.date) -> list[Flag]:
    flags = []
    for r in graph.read(cypher.OFFICER_HUBS, threshold=s.officer_threshold, as_of=as_of):
        flags.append(
            Flag(
                r["uid"],
                r["id"],
                r["name"],
                "officer-hub",
                officer_hub_detail(r["companies"], s.officer_threshold),
                {"count": r["count"]},
            )
        )
    return flags


def _circular(graph: Graph, s: FlagSettings, as_of: dt.date) -> list[Flag]:
    cycles: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in graph.read(cypher.CYCLES, max_hops=s.max_hops, as_of=as_of):
        members = row["members"][:-1]
        uids = [m["uid"] for m in members]
        # one rotation per cycle, starting at the first name (a reader's order, and the same
        # whichever source's key an entity carries)
        start = min(range(len(members)), key=lambda i: (members[i]["name"] or "", uids[i]))
        cycles.setdefault(tuple(uids[start:] + uids[:start]), members[start:] + members[:start])
    flags = []
    for _, members in sorted(cycles.items()):  # the server returns cycles in no fixed order
        detail = circular_detail([m["name"] for m in members])
        for m in members:
            flags.append(
                Flag(
                    m["uid"],
                    m["id"],
                    m["name"],
                    "circular-ownership",
                    detail,
                    {"size": len(members)},
                )
            )
    return flags


def new_intermediary(
    graph: Graph, s: FlagSettings, as_of: dt.date, uid: str | None = None
) -> list[Flag]:
    """Shells that acquired a holding leading to watched or sanctioned entities within days of
    their incorporation (all of them, or only entity ``uid``)."""
    query = cypher.NEW_INTERMEDIARIES if uid is None else cypher.ENTITY_NEW_INTERMEDIARY
    rows = graph.read(
        query,
        **({} if uid is None else {"uid": uid}),
        max_hops=s.max_hops,
        days=s.new_intermediary_days,
        countries=list(s.watched_countries),
        as_of=as_of,
    )
    return [new_intermediary_flag(r, s.new_intermediary_days) for r in sorted(rows, key=_acquired)]


def _acquired(r: dict[str, Any]) -> tuple[Any, ...]:
    """The order of one entity's acquisitions (several merge into one flag in this order)."""
    return (r["days"], r["uid"], r["acquired_name"] or "", r["acquired"])


def new_intermediary_flag(r: dict[str, Any], threshold: int) -> Flag:
    """The flag of one acquisition ``r`` (uid, id, name, incorporated, acquired_name,
    acquired, days, reaches)."""
    return Flag(
        r["uid"],
        r["id"],
        r["name"],
        "new-intermediary",
        f"incorporated {r['incorporated']}, acquired {r['acquired_name']} on {r['acquired']} "
        f"({r['days']} days later, threshold {threshold}); leads to "
        + ", ".join(sorted(r["reaches"])[:5]),
        {"days": r["days"]},
    )


def _restructured(graph: Graph, s: FlagSettings, as_of: dt.date) -> list[Flag]:
    rows = graph.read(cypher.RESTRUCTURED_AFTER_LISTING, days=s.restructuring_days, as_of=as_of)
    return [restructured_flag(r, s.restructuring_days) for r in sorted(rows, key=restructuring)]


def restructuring(r: dict[str, Any]) -> tuple[Any, ...]:
    """The order of the restructurings of one entity (they merge into one flag in this
    order): by listing date, then every other column, so that the merged text never depends
    on the order the server returned them in."""
    return (r["uid"], r["listed_on"], *((r[k] is None, r[k] or "") for k in _RESTRUCTURING))


_RESTRUCTURING = ("listed", "owner", "authority", "start_date", "end_date")


def restructured_flag(r: dict[str, Any], threshold: int) -> Flag:
    """The flag of one restructuring ``r`` (a row of ``restructured_after_listing``)."""
    change = (
        f"ended {r['end_date']}"
        if r["end_date"] and r["end_date"] >= r["listed_on"]
        else f"began {r['start_date']}"
    )
    return Flag(
        r["uid"],
        r["id"],
        r["name"],
        "restructured-after-listing",
        f"ownership by {r['owner']} {change}, within {threshold} days after "
        f"{r['listed']} was listed by {r['authority']} on {r['listed_on']}",
    )


def transit(graph: Graph, s: FlagSettings, as_of: dt.date, uid: str | None = None) -> list[Flag]:
    """Secrecy-jurisdiction intermediaries in chains to watched or sanctioned entities (all of
    them, or only entity ``uid``)."""
    query = cypher.TRANSIT_INTERMEDIARIES if uid is None else cypher.ENTITY_TRANSIT
    rows = graph.read(
        query,
        **({} if uid is None else {"uid": uid}),
        max_hops=s.max_hops,
        secrecy=list(s.secrecy_jurisdictions),
        countries=list(s.watched_countries),
        as_of=as_of,
    )
    return [
        transit_flag(r["uid"], r["id"], r["name"], r["jurisdiction"], r["reaches"]) for r in rows
    ]


def transit_flag(uid: str, id_: str, name: str, jurisdiction: str, reaches: list[str]) -> Flag:
    return Flag(
        uid,
        id_,
        name,
        "secrecy-jurisdiction-intermediary",
        f"intermediary registered in {jurisdiction} (a listed secrecy or transit "
        f"jurisdiction) in a chain leading to " + ", ".join(sorted(reaches)[:5]),
    )


def over_owned(graph: Graph, s: FlagSettings, as_of: dt.date, uid: str | None = None) -> list[Flag]:
    """Entities whose direct incoming shares add up to more than 100 percent (all of them, or
    only entity ``uid``)."""
    query = cypher.OVER_OWNED if uid is None else cypher.ENTITY_OVER_OWNED
    return [
        over_owned_flag(r["uid"], r["id"], r["name"], r["total"], r["owners"])
        for r in graph.read(query, as_of=as_of, **({} if uid is None else {"uid": uid}))
    ]


def over_owned_flag(
    uid: str, id_: str, name: str, total: float, owners: list[dict[str, Any]]
) -> Flag:
    """The flag of an entity whose direct shares add up to ``total`` (rounded: a sum of
    floats depends on the order of its terms)."""
    total = round(total, 6)
    return Flag(
        uid,
        id_,
        name,
        "shares-over-100",
        f"direct shares held in it add up to {total:g}% (data quality): "
        + ", ".join(sorted(f"{o['name']} {o['share']:g}%" for o in owners)),
        {"total": total},
    )


DETECTORS: dict[str, Callable[[Graph, FlagSettings, dt.date], list[Flag]]] = {
    "shared-address": shared_address,
    "officer-hub": _officer_hub,
    "circular-ownership": _circular,
    "new-intermediary": new_intermediary,
    "restructured-after-listing": _restructured,
    "secrecy-jurisdiction-intermediary": transit,
    "shares-over-100": over_owned,
}


def settings_key(settings: FlagSettings) -> str:
    """What kept flags were computed for: every threshold (they hold for every date)."""
    return json.dumps(dataclasses.asdict(settings), sort_keys=True)


CHUNK = 1_000  # kept flags per document: a page of 50 reads one, the explorer's 2,000 three


@dataclass
class FlagPage:
    """The red flags of one date: how many of each flag there are, and flags ``offset`` to
    ``offset + len(flags)`` of the fixed order (flag, name, uid)."""

    as_of: dt.date
    counts: dict[str, int]  # flag: how many, for every flag raised that day
    flags: list[Flag]
    offset: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> dict[str, Any]:
        return {"as_of": self.as_of, "total": self.total, "counts": self.counts}


def keep(graph: Graph, settings: FlagSettings, rows: Iterable[list[Any]], version: str) -> None:
    """Keep the flags of every date, the pieces ``[since, until, uid, id, name, flag, detail,
    evidence]`` of :func:`ownership.analysis.timelines.flag_timeline`, for data ``version``
    so that one page of any date is read without the rest (:class:`KeptFlags`): a header
    of packed columns (each piece's days, its kind and its rank in the fixed order, flag then
    name then uid), then the pieces' texts, :data:`CHUNK` to a document: those that never end
    first, the others after them, each in the fixed order, so that today's whole list (the
    date asked most) reads only the documents of the flags still raised; last, which flag
    (entity and kind) each piece is of, by number, for :meth:`KeptFlags.changes`. A piece of
    an entity's flag never overlaps another of the same flag, so the order of a date is that
    of the pieces holding on it.

    The pieces are taken one at a time (``rows`` may be a generator): each one's text is
    written away as it comes (:class:`maintained.Spool`) and only numbers are held to order
    them: the entity of each by its (name, uid), numbered, its kind and days."""
    since, until, kind, who = array("i"), array("i"), array("i"), array("i")
    kinds_seen: dict[str, int] = {}
    entities: dict[tuple[str, str], int] = {}  # (name or "", uid) of the flagged entities
    with maintained.Spool() as spool:
        for r in rows:
            spool.add([r[2], r[3], r[4], r[6], r[7]])
            since.append(r[0])
            until.append(r[1])
            kind.append(kinds_seen.setdefault(r[5], len(kinds_seen)))
            who.append(entities.setdefault((r[4] or "", r[2]), len(entities)))
        kinds = sorted(kinds_seen)
        kind_rank = maintained.ranks(list(kinds_seen))[np.frombuffer(kind, np.int32)]
        pairs = list(entities)  # by number
        del entities
        entity_rank = maintained.ranks(pairs)
        uid_rank = maintained.ranks([uid for _, uid in pairs])
        del pairs
        who_ = np.frombuffer(who, np.int32)
        since_, until_ = np.frombuffer(since, np.int32), np.frombuffer(until, np.int32)
        last = int(until_.max()) if len(until_) else 0
        named = entity_rank[who_]
        order = np.lexsort((since_, named, kind_rank, until_ < last))  # the kept order
        rank = np.empty(len(order), dtype=np.int32)
        rank[np.lexsort((since_[order], named[order], kind_rank[order]))] = np.arange(len(order))
        flag = uid_rank[who_] * max(len(kinds), 1) + kind_rank  # (uid, kind) in their order
        numbered = np.unique(flag, return_inverse=True)[1].astype(np.int32)
        firsts = range(0, len(order), CHUNK)
        header = {
            "kinds": kinds,
            "flags": 1 + len(firsts),  # the document of each piece's flag, after the chunks
            "kind": maintained.pack(kind_rank[order].astype(np.int8)),
            "since": maintained.pack(since_[order]),
            "until": maintained.pack(until_[order]),
            "rank": maintained.pack(np.diff(rank, prepend=0).astype(np.int32)),  # small steps
        }
        # which flag (entity and kind) each piece is of, numbered: two dates compared on it alone
        which = {"flag": maintained.pack(numbered[order])}
        chunks = spool.documents(order.tolist(), CHUNK)  # read back as they are written
        maintained.store_documents(
            graph, KIND, settings_key(settings), None, chain([header], chunks, [which]), version,
            count=2 + len(firsts),
        )  # fmt: skip


@dataclass
class KeptFlags:
    """The flags of every date kept by :func:`keep`, their header read: which pieces hold on
    a date, and their order, are worked out from the header alone, and only the documents of
    the pieces shown are read (each once)."""

    graph: Graph
    key: str
    version: str
    kinds: list[str]
    kind: np.ndarray  # per piece (in the kept order): its flag, a position in ``kinds``
    since: np.ndarray  # each piece's first day and the day after its last, as ordinals
    until: np.ndarray
    rank: np.ndarray  # each piece's place in the fixed order
    flags_at: int  # the document numbering each piece's flag (:meth:`changes`)
    _chunks: dict[int, list[list[Any]]] = field(default_factory=dict)

    @classmethod
    def load(cls, graph: Graph, settings: FlagSettings) -> KeptFlags | None:
        """The kept flags for ``settings`` while the data has not changed since, or None."""
        key, version = settings_key(settings), data_version(graph)[0]
        documents = maintained.load_documents(graph, KIND, key, [0], version)
        if documents is None:
            return None
        [header] = documents
        return cls(
            graph,
            key,
            version,
            header["kinds"],
            maintained.unpack(header["kind"], np.int8),
            maintained.unpack(header["since"], np.int32),
            maintained.unpack(header["until"], np.int32),
            np.cumsum(maintained.unpack(header["rank"], np.int32)),
            header["flags"],
        )

    def on(self, as_of: dt.date, only: list[str] | tuple[str, ...] = ()) -> tuple[dict, Any]:
        """How many flags of each kind hold on ``as_of`` and those pieces (positions in the
        kept order) in the fixed order; only the kinds ``only``, when given."""
        day = as_of.toordinal()
        live = (self.since <= day) & (day < self.until)
        if only:
            live &= np.isin(self.kind, [i for i, k in enumerate(self.kinds) if k in only])
        found = np.flatnonzero(live)
        counts = np.bincount(self.kind[found], minlength=len(self.kinds)).tolist()
        in_order = found[np.argsort(self.rank[found])]
        return {k: n for k, n in zip(self.kinds, counts, strict=True) if n}, in_order

    def changes(self, before: dt.date, after: dt.date) -> tuple[Any, Any] | None:
        """The pieces of the flags raised between ``before`` and ``after`` (holding on
        ``after``, their entity without that flag on ``before``) and of those cleared, each in
        the fixed order; worked out from the header and one more document (the flags of two
        dates read whole took 2.5 s at a million companies). None when the data changed."""
        documents = maintained.load_documents(
            self.graph, KIND, self.key, [self.flags_at], self.version
        )
        if documents is None:
            return None
        flag = maintained.unpack(documents[0]["flag"], np.int32)
        then, now = self.on(before)[1], self.on(after)[1]
        raised = now[~np.isin(flag[now], flag[then])]
        cleared = then[~np.isin(flag[then], flag[now])]
        return raised, cleared

    def flags(self, positions: Any) -> list[Flag] | None:
        """The flags of the pieces at ``positions``; None when the data changed since the
        header was read (the pieces kept then are gone)."""
        wanted = sorted({int(p) // CHUNK + 1 for p in positions} - set(self._chunks))
        if wanted:
            documents = maintained.load_documents(self.graph, KIND, self.key, wanted, self.version)
            if documents is None:
                return None
            self._chunks.update(zip(wanted, documents, strict=True))
        kinds = [self.kinds[k] for k in self.kind[positions].tolist()]
        with maintained.gc_paused():
            return [
                Flag(uid, id_, name, flag, detail, evidence)
                for p, flag in zip(positions.tolist(), kinds, strict=True)
                for uid, id_, name, detail, evidence in [self._chunks[p // CHUNK + 1][p % CHUNK]]
            ]

    def page(
        self,
        as_of: dt.date,
        only: list[str] | tuple[str, ...] = (),
        limit: int | None = None,
        offset: int = 0,
    ) -> FlagPage | None:
        counts, positions = self.on(as_of, only)
        end = None if limit is None else offset + limit
        shown = self.flags(positions[offset:end])
        return None if shown is None else FlagPage(as_of, counts, shown, offset)


def red_flags(
    graph: Graph,
    settings: FlagSettings | None = None,
    as_of: dt.date | None = None,
    only: list[str] | tuple[str, ...] = (),
) -> list[Flag]:
    """Every flag, one item per entity and flag, sorted by flag then name (:func:`flag_page`
    without a limit)."""
    return flag_page(graph, settings, as_of, only).flags


def flag_page(
    graph: Graph,
    settings: FlagSettings | None = None,
    as_of: dt.date | None = None,
    only: list[str] | tuple[str, ...] = (),
    limit: int | None = None,
    offset: int = 0,
) -> FlagPage:
    """How many flags of each kind there are, and flags ``offset`` to ``offset + limit`` of
    the fixed order (all from ``offset`` without a limit): read from the flags of every date
    the last import or refresh kept for these thresholds (:class:`KeptFlags`) while the data
    has not changed since, otherwise :func:`compute_red_flags`."""
    if offset < 0 or (limit is not None and limit < 0):
        raise ValueError("--limit and --offset must not be negative")
    settings = settings or FlagSettings()
    as_of = as_of or clock.today()
    kept = KeptFlags.load(graph, settings)
    found = kept.page(as_of, only, limit, offset) if kept is not None else None
    if found is not None:
        return found
    computed = compute_red_flags(graph, settings, as_of, only)
    counts: dict[str, int] = {}
    for flag in computed:
        counts[flag.flag] = counts.get(flag.flag, 0) + 1
    end = None if limit is None else offset + limit
    return FlagPage(as_of, counts, computed[offset:end], offset)


def red_flags_on(graph: Graph, days: tuple[dt.date, ...]) -> list[list[Flag]]:
    """The flags (default thresholds) of each of ``days``: the kept flags read once for all
    of them (each document once), or each computed when none are kept."""
    settings = FlagSettings()
    kept = KeptFlags.load(graph, settings)
    if kept is not None:
        found = [kept.flags(kept.on(day)[1]) for day in days]
        if all(day is not None for day in found):
            return found  # type: ignore[return-value]
    return [compute_red_flags(graph, settings, day) for day in days]


@dataclass
class FlagChanges:
    """The red flags raised and cleared between two dates (an entity's flag whose detail
    changed, say more companies at the address, is the same flag): how many of each, and the
    part of each list asked for, in the fixed order."""

    raised: list[Flag]
    cleared: list[Flag]
    counts: dict[str, int]


def flag_changes(
    graph: Graph, before: dt.date, after: dt.date, limit: int | None = None, offset: int = 0
) -> FlagChanges:
    """The flags (default thresholds) raised and cleared between ``before`` and ``after``,
    each list cut by ``offset``/``limit`` (None: all): from the kept flags' header, only the
    pieces shown read, or from the flags of both dates computed when none are kept."""
    end = None if limit is None else offset + limit
    kept = KeptFlags.load(graph, FlagSettings())
    found = kept.changes(before, after) if kept is not None else None
    if kept is not None and found is not None:
        raised, cleared = (kept.flags(positions[offset:end]) for positions in found)
        if raised is not None and cleared is not None:
            counts = {"raised": len(found[0]), "cleared": len(found[1])}
            return FlagChanges(raised, cleared, counts)
    then, now = red_flags_on(graph, (before, after))
    was, became = ({(f.uid, f.flag) for f in day} for day in (then, now))
    raised = [f for f in now if (f.uid, f.flag) not in was]
    cleared = [f for f in then if (f.uid, f.flag) not in became]
    counts = {"raised": len(raised), "cleared": len(cleared)}
    return FlagChanges(raised[offset:end], cleared[offset:end], counts)


def _order(flag: Flag) -> tuple[str, str, str]:
    return (flag.flag, flag.name or "", flag.uid)


def compute_red_flags(
    graph: Graph,
    settings: FlagSettings,
    as_of: dt.date,
    only: list[str] | tuple[str, ...] = (),
) -> list[Flag]:
    """Every flag, computed over the whole graph by each detector in turn."""
    found: dict[tuple[str, str], Flag] = {}
    for name, detect in DETECTORS.items():
        if only and name not in only:
            continue
        for flag in detect(graph, settings, as_of):
            key = (flag.uid, flag.flag)
            if key in found:
                found[key].detail += "; " + flag.detail
            else:
                found[key] = flag
    return sorted(found.values(), key=_order)

"""Holdings over time (``ownership history``) and what changed between two dates
(``ownership diff``).

A *holding* of A in B during a period is a derived ``HOLDS`` relationship
(:mod:`ownership.holdings` states the rule once): all source statements (``OWNS``) about the pair
that are in force on the same days, with the share they state (exact, or the band of what they
say), the sources and the statement uids. A share change (30 % until 2022-03-14, 100 % from
then) is two periods; two sources reporting one holding are one period listing both. Here the
periods of one entity are listed with their statements' provenance (file, import time), and
two dates are compared pair by pair.

Ends are exclusive, as everywhere (``records.in_force``): a holding whose ``end_date`` is
2022-04-01 is no longer in force on 2022-04-01.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ownership import cypher
from ownership.analysis import holding_periods
from ownership.analysis.entities import EntityRef
from ownership.analysis.flags import flag_changes
from ownership.analysis.kept_chains import Question, answer
from ownership.analysis.sanctions import blocked_entities
from ownership.analysis.statements import Claim
from ownership.graph import Graph
from ownership.records import in_force
from ownership.shares import share_text

OWNER, HOLDING = "owner", "holding"


@dataclass(frozen=True)
class Stated:
    """How a holding is stated in one period: one exact share, or the band [lowest, highest]
    of what its statements say (``disagree`` when they state different shares)."""

    share: float | None
    share_min: float | None
    share_max: float | None
    disagree: bool = False

    @classmethod
    def of(cls, holding: dict[str, Any]) -> Stated:
        return cls(
            holding.get("share"),
            holding.get("share_min"),
            holding.get("share_max"),
            bool(holding.get("disagree")),
        )

    def text(self) -> str:
        return share_text(self.share, self.share_min, self.share_max)

    def as_dict(self) -> dict[str, Any]:
        return {
            "share": self.share,
            "share_min": self.share_min,
            "share_max": self.share_max,
            "disagree": self.disagree,
        }


@dataclass
class HoldingPeriod:
    """One holding into (``direction`` "owner": the counterpart owns the subject) or out of
    ("holding": the subject owns the counterpart) an entity, during one period."""

    direction: str
    uid: str
    id: str
    name: str
    jurisdiction: str | None
    kind: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    stated: Stated
    sources: list[str] = field(default_factory=list)
    records: list[str] = field(default_factory=list)  # the keys of the statements behind it
    statements: list[Claim] = field(default_factory=list)  # their details (history(claims=True))

    def in_force(self, day: dt.date) -> bool:
        return in_force(self.start_date, self.end_date, day)

    def as_dict(self) -> dict[str, Any]:
        """The contract's JSON item, plus the counterpart's key and the statements behind it."""
        return {
            "direction": self.direction,
            "id": self.id,
            "uid": self.uid,
            "name": self.name,
            "jurisdiction": self.jurisdiction,
            **self.stated.as_dict(),
            "start_date": self.start_date,
            "end_date": self.end_date,
            "sources": self.sources,
            "statements": [_claim(c) for c in self.statements],
        }


def _claim(claim: Claim) -> dict[str, Any]:
    """A statement behind a holding: its key, source record, file and import time."""
    return {"uid": claim.uid, **claim.as_dict(), "imported_at": claim.imported_at}


def history(graph: Graph, ref: EntityRef, claims: bool = True) -> list[HoldingPeriod]:
    """Every holding into and out of ``ref`` over time: owners first, then holdings, each by
    start date (open starts first), then the other party's name. ``claims=False`` leaves
    :attr:`HoldingPeriod.statements` empty (their keys stay in ``records``): reading the
    statements' details took two thirds of a group head's history at a million companies."""
    rows = graph.read(
        cypher.ENTITY_HISTORY if claims else cypher.ENTITY_HISTORY_PERIODS, uid=ref.uid
    )
    found = [
        HoldingPeriod(
            direction=HOLDING if row["outgoing"] else OWNER,
            uid=row["uid"],
            id=row["id"],
            name=row["name"],
            jurisdiction=row["jurisdiction"],
            kind=row["kind"],
            start_date=h["start_date"],
            end_date=h["end_date"],
            stated=Stated.of(h),
            sources=list(h["sources"] or []),
            records=list(h["statements"] or []),
            statements=[behind[u] for u in h["statements"] or () if u in behind],
        )
        for row in rows
        for behind in [_claims(ref, row) if claims else {}]
        for h in row["holdings"]
    ]
    return sorted(found, key=_order)


def _claims(ref: EntityRef, row: dict[str, Any]) -> dict[str, Claim]:
    """The statements between ``ref`` and the other party of ``row``, by uid."""
    me, other = (ref.uid, ref.name), (row["uid"], row["name"])
    (owner, owner_name), (owned, owned_name) = (me, other) if row["outgoing"] else (other, me)
    return {
        s["uid"]: Claim(owner=owner, owner_name=owner_name, owned=owned, owned_name=owned_name, **s)
        for s in row["statements"]
    }


def _order(h: HoldingPeriod) -> tuple[Any, ...]:
    return (
        h.direction != OWNER,
        h.start_date or dt.date.min,
        h.name or "",
        h.uid,
        h.end_date or dt.date.max,
    )


# -- two dates ---------------------------------------------------------------------------------


@dataclass
class HoldingChange:
    """A holding of ``owner`` in ``owned`` that differs between two dates."""

    owner: dict[str, Any]
    owned: dict[str, Any]
    before: Stated | None
    after: Stated | None
    sources: list[str]
    dates: list[dt.date] = field(default_factory=list)  # when, in between, a period began or ended

    def as_dict(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "owned": self.owned,
            "dates": self.dates,
            "before": self.before.as_dict() if self.before else None,
            "after": self.after.as_dict() if self.after else None,
            "sources": self.sources,
        }

    def text(self) -> str:
        owner, owned = self.owner, self.owned
        pair = (
            f"{owner['name']} ({owner['jurisdiction'] or '?'}) → "
            f"{owned['name']} ({owned['jurisdiction'] or '?'})"
        )
        before = self.before.text() if self.before else "—"
        after = self.after.text() if self.after else "—"
        when = ", ".join(d.isoformat() for d in self.dates)
        return f"{pair}: {before} → {after}" + (f" on {when}" if when else "")


@dataclass
class Comparison:
    """What changed between two dates (``ownership diff``)."""

    from_date: dt.date
    to_date: dt.date
    holdings_started: list[HoldingChange]
    holdings_ended: list[HoldingChange]
    holdings_changed: list[HoldingChange]
    chains_new: list[dict[str, Any]]
    chains_gone: list[dict[str, Any]]
    newly_blocked: list[dict[str, Any]]
    no_longer_blocked: list[dict[str, Any]]
    question: dict[str, Any] | None = None
    flags_raised: list[dict[str, Any]] = field(default_factory=list)
    flags_cleared: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # every list's length, unpaged
    offset: int = 0
    limit: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The contract's JSON: the seven lists (chains only when a question was given), the
        red flags raised and cleared (``ownership flags`` items), and how many items each
        list has in all (``counts``: a page, ``offset``/``limit``, shows part of each)."""
        return {
            "from_date": self.from_date,
            "to_date": self.to_date,
            "question": self.question,
            **{name: getattr(self, name) for name in LISTS},
            "holdings_started": [h.as_dict() for h in self.holdings_started],
            "holdings_ended": [h.as_dict() for h in self.holdings_ended],
            "holdings_changed": [h.as_dict() for h in self.holdings_changed],
            "counts": self.counts,
            "offset": self.offset,
            "limit": self.limit,
        }

    def summary(self) -> dict[str, Any]:
        """The dates, the question and how many changes of each kind (``diff --summary``)."""
        return {
            "from_date": self.from_date,
            "to_date": self.to_date,
            "question": self.question,
            "counts": self.counts,
        }


LISTS = (  # the lists of a comparison, in the contract's order
    "holdings_started",
    "holdings_ended",
    "holdings_changed",
    "chains_new",
    "chains_gone",
    "newly_blocked",
    "no_longer_blocked",
    "flags_raised",
    "flags_cleared",
)


@dataclass
class Snapshot:
    """Chains (for some questions) and blocked entities on one date, keyed for comparison."""

    chains: dict[tuple[str, ...], dict[str, Any]]
    blocked: dict[str, dict[str, Any]]


def take_snapshot(graph: Graph, questions: Iterable[Any], as_of: dt.date) -> Snapshot:
    """The chains of each question (anything with ``from_country``, ``to_country``, ``via``
    and ``max_hops``: a :class:`~ownership.analysis.kept_chains.Question` or a refresh's
    watch) and the entities the OFAC 50 percent rule catches, on ``as_of``. The chains are the
    kept answers where there are (:mod:`ownership.analysis.kept_chains`), and are kept for
    the next comparison where there are not."""
    chains: dict[tuple[str, ...], dict[str, Any]] = {}
    for q in questions:
        asked = Question(q.from_country, q.to_country, tuple(q.via), q.max_hops, as_of)
        for chain in answer(graph, asked).page(cite=False):
            chains.setdefault(chain.key, chain.as_dict())
    return Snapshot(chains, blocked_on(graph, as_of))


def blocked_on(graph: Graph, as_of: dt.date) -> dict[str, dict[str, Any]]:
    """The entities the OFAC 50 percent rule catches on ``as_of`` (``ownership blocked``
    JSON items by entity key): kept by the last import or refresh for its day (the date a
    comparison most often ends on) while the data has not changed, else computed."""
    return {f.uid: f.as_dict() for f in blocked_entities(graph, as_of)}


def compare_snapshots(before: Snapshot, after: Snapshot) -> dict[str, list[dict[str, Any]]]:
    """Chains new and gone (by their sequence of entity keys) and entities newly caught by
    the 50 percent rule and no longer caught (by entity key), in the order of the snapshots."""
    return {
        "chains_new": [c for key, c in after.chains.items() if key not in before.chains],
        "chains_gone": [c for key, c in before.chains.items() if key not in after.chains],
        "newly_blocked": [f for uid, f in after.blocked.items() if uid not in before.blocked],
        "no_longer_blocked": [f for uid, f in before.blocked.items() if uid not in after.blocked],
    }


HOLDING_KINDS = ("started", "ended", "changed")


@dataclass
class HoldingChanges:
    """Holdings started, ended and stated differently between two dates: how many of each,
    and the part of each list asked for."""

    started: list[HoldingChange]
    ended: list[HoldingChange]
    changed: list[HoldingChange]
    counts: dict[str, int]


def holding_changes(
    graph: Graph, from_date: dt.date, to_date: dt.date, limit: int | None = None, offset: int = 0
) -> HoldingChanges:
    """Holdings started, ended and stated differently between the two dates, each list in the
    order the changes happened (``offset``/``limit`` cut each; None: all). A period that only
    changes which sources state the same share (a second registry starts reporting it) is not
    a change of the holding. The periods are read from those kept by import and refresh (or
    cross the wire as short lists); only the changes shown are completed (keys, countries,
    sources) by a second query."""
    low, high = from_date.isoformat(), to_date.isoformat()  # the periods' dates are ISO text
    pairs: dict[tuple[str, str], list[list[Any]]] = {}
    for period in holding_periods.in_window(graph, from_date, to_date):
        pairs.setdefault((period[0], period[2]), []).append(period)
    # Classified on the text of the dates (ISO text orders as the dates do) and only the changes
    # shown made into objects: at a million companies 43,091 pairs changed between 2022-03-01
    # and 2022-07-01, and making each into dates and objects took 1.2 s.
    found: dict[str, list[tuple[Any, ...]]] = {kind: [] for kind in HOLDING_KINDS}
    for (owner, owned), periods in pairs.items():
        then = next((p for p in periods if in_force(p[4], p[5], low)), None)
        now = next((p for p in periods if in_force(p[4], p[5], high)), None)
        if _stated(then) == _stated(now):
            continue
        first = min(d for p in periods for d in p[4:6] if d is not None and low < d <= high)
        kind = "started" if then is None else "ended" if now is None else "changed"
        found[kind].append((first, periods[0][1] or "", periods[0][3] or "", owner, owned,
                            periods, then, now))  # fmt: skip
    end = None if limit is None else offset + limit
    shown = {
        kind: (sorted(items) if end is None else heapq.nsmallest(end, items))[offset:end]
        for kind, items in found.items()
    }  # as they happened (first day changed), then names and keys: first five, unique per pair
    made = {kind: [_made(i, low, high) for i in items] for kind, items in shown.items()}
    details = _details(graph, [i for items in made.values() for i in items], from_date, to_date)
    return HoldingChanges(
        *([_change(i, details) for i in made[kind]] for kind in HOLDING_KINDS),
        counts={kind: len(items) for kind, items in found.items()},
    )


def _stated(period: list[Any] | None) -> tuple[Any, ...] | None:
    """What a period states (share, band, disagreement), comparable; None for no period."""
    return None if period is None else (*period[6:9], bool(period[9]))


def _made(item: tuple[Any, ...], low: str, high: str) -> tuple[Any, ...]:
    """A change as :func:`_change` takes it: dates as dates, what was stated as :class:`Stated`."""
    first, owner_name, owned_name, owner, owned, periods, then, now = item
    day = dt.date.fromisoformat
    dates = sorted({day(d) for p in periods for d in p[4:6] if d is not None and low < d <= high})
    then, now = ([*p[:4], *(day(d) if d else None for d in p[4:6]), *p[6:]] if p else None
                 for p in (then, now))  # fmt: skip
    before, after = (Stated(*p[6:9], bool(p[9])) if p else None for p in (then, now))
    return (first, owner_name, owned_name, owner, owned, dates, before, after, then, now)


def _details(
    graph: Graph, shown: list[tuple[Any, ...]], from_date: dt.date, to_date: dt.date
) -> dict[tuple[str, str], dict[str, Any]]:
    """Keys, countries and the sources of each period of the changes ``shown``, by pair."""
    if not shown:
        return {}
    rows = graph.read(
        cypher.CHANGED_HOLDING_DETAILS,
        pairs=[[i[3], i[4]] for i in shown],
        from_date=from_date,
        to_date=to_date,
    )
    return {(r["owner_uid"], r["owned_uid"]): r for r in rows}


def _change(item: tuple[Any, ...], details: dict[tuple[str, str], dict[str, Any]]) -> HoldingChange:
    _, owner_name, owned_name, owner, owned, dates, before, after, then, now = item
    row = details[(owner, owned)]
    sources = {(p[0], p[1]): p[2] or () for p in row["periods"]}
    return HoldingChange(
        owner={"uid": owner, "id": row["owner_id"], "name": owner_name or None,
               "jurisdiction": row["owner_jurisdiction"]},
        owned={"uid": owned, "id": row["owned_id"], "name": owned_name or None,
               "jurisdiction": row["owned_jurisdiction"]},
        before=before,
        after=after,
        sources=sorted({s for p in (then, now) if p for s in sources.get((p[4], p[5]), ())}),
        dates=dates,
    )  # fmt: skip


def compare_dates(
    graph: Graph,
    from_date: dt.date,
    to_date: dt.date,
    question: Question | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> Comparison:
    """Everything ``ownership diff`` reports between ``from_date`` and ``to_date``; with
    ``limit`` (and ``offset``) one page of each list, in its fixed order, and how many
    there are in all."""
    if to_date < from_date:
        raise ValueError(f"--to-date {to_date} is before --from-date {from_date}")
    questions = [question] if question else []
    # independent reads, each a pass over the whole graph or a kept answer: run side by side
    # (the server answers them in parallel; one after the other took their sum)
    with ThreadPoolExecutor(max_workers=4) as pool:
        before = pool.submit(take_snapshot, graph, questions, from_date)
        after = pool.submit(take_snapshot, graph, questions, to_date)
        flags = pool.submit(flag_changes, graph, from_date, to_date, limit, offset)
        holdings = pool.submit(holding_changes, graph, from_date, to_date, limit, offset)
        changes = compare_snapshots(before.result(), after.result())
        found, flagged = holdings.result(), flags.result()
    counts = {f"holdings_{k}": n for k, n in found.counts.items()}
    counts |= {name: len(items) for name, items in changes.items()}
    counts |= {f"flags_{k}": n for k, n in flagged.counts.items()}
    page = slice(offset, None if limit is None else offset + limit)
    return Comparison(
        from_date=from_date,
        to_date=to_date,
        holdings_started=found.started,
        holdings_ended=found.ended,
        holdings_changed=found.changed,
        question=(
            {
                "from_country": question.from_country,
                "to_country": question.to_country,
                "via": list(question.via),
                "max_hops": question.max_hops,
            }
            if question
            else None
        ),
        counts={name: counts.get(name, 0) for name in LISTS},
        offset=offset,
        limit=limit,
        flags_raised=[f.as_dict() for f in flagged.raised],
        flags_cleared=[f.as_dict() for f in flagged.cleared],
        **{name: items[page] for name, items in changes.items()},
    )

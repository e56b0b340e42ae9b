"""Holdings over time (``ownership history``) and what changed between two dates
(``ownership diff``).

A *holding* of A in B is what the sources state about A owning B during a *period*: a maximal
interval in which the same set of ownership statements (OWNS relationships, one per source
record) is in force. A new statement, an ending one or a retired one starts a new period, so a
share change (30 % until 2022-03-14, 100 % from then) is two periods, and two sources reporting
one holding are one period with both sources. This is the definition of the derived ``HOLDS``
relationship (docs/data-model.md); :func:`periods` is the one place that cuts statements into
periods, so switching to stored ``HOLDS`` relationships changes this module only.

Ends are exclusive, as everywhere (``records.in_force``): a statement with ``end_date``
2022-04-01 is no longer in force on 2022-04-01, and a statement a refresh retired on day R is not
in force from R on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ownership import cypher
from ownership.analysis.chains import find_chains
from ownership.analysis.entities import EntityRef
from ownership.analysis.sanctions import blocked_entities
from ownership.graph import Graph
from ownership.records import in_force

OWNER, HOLDING = "owner", "holding"


@dataclass(frozen=True)
class Statement:
    """One source record's ownership statement (an OWNS relationship)."""

    uid: str
    share: float | None
    share_min: float | None
    share_max: float | None
    start_date: dt.date | None
    end_date: dt.date | None
    retired_on: dt.date | None
    kind: str | None
    source: str | None
    record_id: str | None
    file: str | None
    imported_at: Any

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Statement:
        return cls(
            uid=row["statement"],
            share=row.get("share"),
            share_min=row.get("share_min"),
            share_max=row.get("share_max"),
            start_date=row.get("start_date"),
            end_date=row.get("end_date"),
            retired_on=row.get("retired_on"),
            kind=row.get("kind"),
            source=row.get("source"),
            record_id=row.get("record_id"),
            file=row.get("file"),
            imported_at=row.get("imported_at"),
        )

    @property
    def until(self) -> dt.date | None:
        """The first day it is no longer in force: its end date or the day it was retired."""
        ends = [d for d in (self.end_date, self.retired_on) if d is not None]
        return min(ends) if ends else None

    def in_force(self, day: dt.date) -> bool:
        return in_force(self.start_date, self.end_date, day, self.retired_on)

    def as_dict(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "share": self.share,
            "share_min": self.share_min,
            "share_max": self.share_max,
            "start_date": self.start_date,
            "end_date": self.end_date,
            "retired_on": self.retired_on,
            "kind": self.kind,
            "source": self.source,
            "record_id": self.record_id,
            "file": self.file,
            "imported_at": self.imported_at,
        }


@dataclass(frozen=True)
class Stated:
    """How a set of statements in force together states a holding: one exact share when they
    all give the same one, otherwise the band from the lowest to the highest value stated
    (``None`` where a statement gives no bound at all)."""

    share: float | None
    share_min: float | None
    share_max: float | None
    disagree: bool

    @classmethod
    def of(cls, statements: Iterable[Statement]) -> Stated:
        stated = list(statements)
        exact = {s.share for s in stated}
        if len(exact) == 1 and None not in exact:
            share = exact.pop()
            return cls(share, None, None, False)
        lows = [s.share if s.share is not None else s.share_min for s in stated]
        highs = [s.share if s.share is not None else s.share_max for s in stated]
        values = {(s.share, s.share_min, s.share_max) for s in stated}
        return cls(
            None,
            min(lows) if lows and None not in lows else None,
            max(highs) if highs and None not in highs else None,
            len(values) > 1,
        )

    def text(self) -> str:
        if self.share is not None:
            return f"{self.share:g}%"
        low = "?" if self.share_min is None else f"{self.share_min:g}"
        high = "?" if self.share_max is None else f"{self.share_max:g}"
        return f"{low}–{high}%"


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
    statements: list[Statement] = field(default_factory=list)

    @property
    def sources(self) -> list[str]:
        return sorted({s.source for s in self.statements if s.source})

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
            "share": self.stated.share,
            "share_min": self.stated.share_min,
            "share_max": self.stated.share_max,
            "disagree": self.stated.disagree,
            "start_date": self.start_date,
            "end_date": self.end_date,
            "sources": self.sources,
            "statements": [s.as_dict() for s in self.statements],
        }


def periods(
    statements: Iterable[Statement],
) -> list[tuple[dt.date | None, dt.date | None, list[Statement]]]:
    """Cut statements about one owner/owned pair into maximal periods in which the same set of
    them is in force: ``[(start or None, end or None, statements)]`` in time order, gaps left
    out. The boundaries are the days on which some statement starts or stops being in force."""
    stated = list(statements)
    days = sorted(
        {s.start_date for s in stated if s.start_date} | {s.until for s in stated if s.until}
    )
    # each elementary interval [bounds[i], bounds[i+1]) with None standing for "always"
    bounds: list[dt.date | None] = [None, *days, None]
    found: list[tuple[dt.date | None, dt.date | None, list[Statement]]] = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        probe = start if start is not None else (end - dt.timedelta(days=1) if end else None)
        if probe is None:  # no dates at all: every statement is in force always
            inside = stated
        else:
            inside = [s for s in stated if s.in_force(probe)]
        if not inside:
            continue
        if found and found[-1][1] == start and _same(found[-1][2], inside):
            found[-1] = (found[-1][0], end, found[-1][2])
        else:
            found.append((start, end, inside))
    return found


def _same(a: list[Statement], b: list[Statement]) -> bool:
    return {s.uid for s in a} == {s.uid for s in b}


def _holdings(direction: str, other: dict[str, Any], rows: list[dict]) -> list[HoldingPeriod]:
    statements = sorted((Statement.from_row(r) for r in rows), key=lambda s: s.uid)
    return [
        HoldingPeriod(
            direction=direction,
            uid=other["uid"],
            id=other["id"],
            name=other["name"],
            jurisdiction=other["jurisdiction"],
            kind=other.get("kind"),
            start_date=start,
            end_date=end,
            stated=Stated.of(inside),
            statements=inside,
        )
        for start, end, inside in periods(statements)
    ]


def history(graph: Graph, ref: EntityRef) -> list[HoldingPeriod]:
    """Every holding into and out of ``ref`` over time: owners first, then holdings, each by
    start date (open starts first), then counterpart name."""
    found: list[HoldingPeriod] = []
    for row in graph.read(cypher.HOLDING_STATEMENTS, uid=ref.uid):
        found.extend(_holdings(HOLDING if row["outgoing"] else OWNER, row, row["statements"]))
    return sorted(found, key=_order)


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
    statements: list[Statement]
    dates: list[dt.date] = field(
        default_factory=list
    )  # when, in between, a statement began or stopped

    def as_dict(self) -> dict[str, Any]:
        def stated(value: Stated | None) -> dict[str, Any] | None:
            if value is None:
                return None
            return {
                "share": value.share,
                "share_min": value.share_min,
                "share_max": value.share_max,
                "disagree": value.disagree,
            }

        return {
            "owner": self.owner,
            "owned": self.owned,
            "dates": self.dates,
            "before": stated(self.before),
            "after": stated(self.after),
            "sources": sorted({s.source for s in self.statements if s.source}),
            "statements": [s.as_dict() for s in self.statements],
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

    def as_dict(self) -> dict[str, Any]:
        """The contract's JSON: the seven lists (chains only when a question was given)."""
        return {
            "from_date": self.from_date,
            "to_date": self.to_date,
            "question": self.question,
            "holdings_started": [h.as_dict() for h in self.holdings_started],
            "holdings_ended": [h.as_dict() for h in self.holdings_ended],
            "holdings_changed": [h.as_dict() for h in self.holdings_changed],
            "chains_new": self.chains_new,
            "chains_gone": self.chains_gone,
            "newly_blocked": self.newly_blocked,
            "no_longer_blocked": self.no_longer_blocked,
        }


@dataclass(frozen=True)
class ChainQuestion:
    """A from/to/via chain question, as a ``[[watch]]`` entry or the diff's options ask it."""

    from_country: str
    to_country: str
    via: tuple[str, ...] = ()
    max_hops: int = 6


@dataclass
class Snapshot:
    """Chains (for some questions) and blocked entities on one date, keyed for comparison."""

    chains: dict[tuple[str, ...], dict[str, Any]]
    blocked: dict[str, dict[str, Any]]


def take_snapshot(graph: Graph, questions: Iterable[Any], as_of: dt.date) -> Snapshot:
    """The chains of each question (anything with ``from_country``, ``to_country``, ``via``
    and ``max_hops``: a :class:`ChainQuestion` or a refresh's watch) and the entities the OFAC
    50 percent rule catches, on ``as_of``."""
    chains: dict[tuple[str, ...], dict[str, Any]] = {}
    for q in questions:
        for chain in find_chains(graph, q.from_country, q.to_country, q.via, as_of, q.max_hops):
            chains.setdefault(chain.key, chain.as_dict())
    blocked = {f.uid: f.as_dict() for f in blocked_entities(graph, as_of)}
    return Snapshot(chains, blocked)


def compare_snapshots(before: Snapshot, after: Snapshot) -> dict[str, list[dict[str, Any]]]:
    """Chains new and gone (by their sequence of entity keys), entities newly caught by the 50
    percent rule and no longer caught (by entity key): in the order of the snapshots."""
    return {
        "chains_new": [c for key, c in after.chains.items() if key not in before.chains],
        "chains_gone": [c for key, c in before.chains.items() if key not in after.chains],
        "newly_blocked": [f for uid, f in after.blocked.items() if uid not in before.blocked],
        "no_longer_blocked": [f for uid, f in before.blocked.items() if uid not in after.blocked],
    }


def holding_changes(
    graph: Graph, from_date: dt.date, to_date: dt.date
) -> tuple[list[HoldingChange], list[HoldingChange], list[HoldingChange]]:
    """Holdings started, ended and stated differently between the two dates.

    Only pairs with a statement that started, ended or was retired in between can differ; for
    each, the statements in force on each date are compared as :func:`periods` groups them.
    """
    started, ended, changed = [], [], []
    for row in graph.read(cypher.CHANGED_HOLDINGS, from_date=from_date, to_date=to_date):
        statements = sorted((Statement.from_row(r) for r in row["statements"]), key=lambda s: s.uid)
        then = [s for s in statements if s.in_force(from_date)]
        now = [s for s in statements if s.in_force(to_date)]
        if _same(then, now):
            continue
        change = HoldingChange(
            owner=_party(row, "owner"),
            owned=_party(row, "owned"),
            before=Stated.of(then) if then else None,
            after=Stated.of(now) if now else None,
            statements=[s for s in statements if s in then or s in now],
            dates=sorted(
                {
                    d
                    for s in statements
                    for d in (s.start_date, s.until)
                    if d is not None and from_date < d <= to_date
                }
            ),
        )
        if not then:
            started.append(change)
        elif not now:
            ended.append(change)
        elif change.before != change.after:
            changed.append(change)

    def when(change: HoldingChange) -> tuple[Any, ...]:
        return (change.dates[:1], change.owner["name"] or "", change.owned["name"] or "")

    return sorted(started, key=when), sorted(ended, key=when), sorted(changed, key=when)


def _party(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {k: row[f"{prefix}_{k}"] for k in ("uid", "id", "name", "jurisdiction")}


def compare_dates(
    graph: Graph,
    from_date: dt.date,
    to_date: dt.date,
    question: ChainQuestion | None = None,
) -> Comparison:
    """Everything ``ownership diff`` reports between ``from_date`` and ``to_date``."""
    if to_date < from_date:
        raise ValueError(f"--to-date {to_date} is before --from-date {from_date}")
    questions = [question] if question else []
    changes = compare_snapshots(
        take_snapshot(graph, questions, from_date), take_snapshot(graph, questions, to_date)
    )
    started, ended, changed = holding_changes(graph, from_date, to_date)
    return Comparison(
        from_date=from_date,
        to_date=to_date,
        holdings_started=started,
        holdings_ended=ended,
        holdings_changed=changed,
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
        **changes,
    )

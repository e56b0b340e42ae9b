"""The holding of A in B on day D: one truth across sources, stated once.

Sources overlap. A national registry, a BODS file and OpenSanctions may each state that A owns
60 percent of B; that is one holding, not three. Every source statement stays in the graph as an
``OWNS`` relationship (provenance: one per source record), and this module derives from them the
relationship every analysis traverses, ``(a)-[:HOLDS]->(b)``:

* All statements about one (owner, owned) pair that are in force on the same days make one
  holding. The timeline of a pair is cut wherever a statement starts or stops being in force
  (its ``start_date``, its ``end_date``, or the day a refresh retired it), and each maximal
  period with the same set of statements in force is one ``HOLDS`` relationship with that
  period as its ``start_date``/``end_date``. The in-force predicate of every query
  (:func:`ownership.cypher.in_force`) then applies to ``HOLDS`` unchanged.
* The share of a holding is the band [lowest, highest] of what its statements say: an exact
  share s counts as [s, s], a band as itself (an open end as 0 or 100), a statement without a
  share says nothing about it. When the band is one value, that is ``share``; otherwise
  ``share_min``/``share_max`` and ``disagree`` when the statements state different shares.
* Statements of different kinds about one pair (shares, votes, control, accounting
  consolidation; direct or declared indirect) are one holding too; its ``kind``/``direct``
  and its band come from the first group present in :data:`KIND_ORDER` (a direct shareholding
  wins), and ``kinds`` lists every kind stated.
* ``statements``/``sources`` list the ``OWNS`` uids and the sources behind the holding;
  ``held_since``/``held_until`` are the ends of the unbroken run of periods the holding belongs
  to, so that "A began to hold B" is not confused with "a second source began to say so".

Every import, refresh, unload and match acceptance that touches an ``OWNS`` relationship derives
the holdings of the owners it touched with :func:`settle`, in transactions of their own started
once the change has committed. Deriving inside the writing transaction was tried first: on the
embedded ArcadeDB server, an entity that had gained relationships earlier in the same large
transaction (a second source's import of a 10,000-company registry) kept some of its old
``HOLDS`` through ``delete_holdings``, which left two holdings for one pair. Imports and refreshes
mark their source ``holdings_pending`` in the writing transaction, so a process killed in between
leaves a mark that :func:`recover` (run by the next import or refresh) acts on.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from ownership import cypher
from ownership.graph import Graph

KIND_ORDER: tuple[tuple[str, bool], ...] = (
    ("shareholding", True),
    ("shareholding", False),
    ("voting", True),
    ("voting", False),
    ("control", True),
    ("control", False),
    ("consolidation", True),
    ("consolidation", False),
)
BATCH = 2000  # owners per statement when recomputing
# holdings per statement written: the embedded server's Bolt plugin drops a message over 16 MB,
# and 2,000 owners that include group heads (thousands of holdings each) held more (the 1 %
# changed refresh at a million companies failed so, 2026-12-07)
ROWS = 10_000


@dataclass(frozen=True)
class Statement:
    """One source's ``OWNS`` relationship, as far as the holding rule needs it."""

    uid: str
    source: str
    share: float | None = None
    share_min: float | None = None
    share_max: float | None = None
    start: dt.date | None = None
    end: dt.date | None = None  # the earlier of its end_date and the day it was retired
    kind: str = "shareholding"
    direct: bool = True

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Statement:
        ends = [d for d in (row.get("end_date"), row.get("retired_on")) if d is not None]
        return cls(
            uid=row["uid"],
            source=row.get("source") or "",
            share=row.get("share"),
            share_min=row.get("share_min"),
            share_max=row.get("share_max"),
            start=row.get("start_date"),
            end=min(ends) if ends else None,
            kind=row.get("kind") or "shareholding",
            direct=row.get("direct") is not False,
        )

    @functools.cached_property  # asked several times per holding; a frozen value
    def band(self) -> tuple[float, float] | None:
        """What the statement says of the share as [low, high]; None when it says nothing."""
        if self.share is not None:
            return float(self.share), float(self.share)
        if self.share_min is None and self.share_max is None:
            return None
        low = float(self.share_min) if self.share_min is not None else 0.0
        high = float(self.share_max) if self.share_max is not None else 100.0
        return low, high

    def in_force_over(self, low: dt.date | None, high: dt.date | None) -> bool:
        """In force on every day of [low, high) (None: unbounded), given that no statement
        starts or ends strictly inside it."""
        starts_in_time = self.start is None or (low is not None and self.start <= low)
        lasts = self.end is None or (high is not None and high <= self.end)
        return starts_in_time and lasts


@dataclass(frozen=True)
class Holding:
    """One period of one (owner, owned) pair; the properties of its ``HOLDS`` relationship."""

    owner: str
    owned: str
    start: dt.date | None
    end: dt.date | None
    statements: tuple[Statement, ...]
    held_since: dt.date | None = None
    held_until: dt.date | None = None

    @functools.cached_property  # asked several times per holding; a frozen value
    def primary(self) -> tuple[Statement, ...]:
        """The statements the share, kind and direction come from (see :data:`KIND_ORDER`)."""
        for kind, direct in KIND_ORDER:
            group = tuple(s for s in self.statements if s.kind == kind and s.direct == direct)
            if group:
                return group
        return self.statements  # kinds outside the list: all of them

    @property
    def band(self) -> tuple[float, float] | None:
        bands = [b for b in (s.band for s in self.primary) if b is not None]
        if not bands:
            return None
        return min(b[0] for b in bands), max(b[1] for b in bands)

    @property
    def disagree(self) -> bool:
        return len({s.band for s in self.primary if s.band is not None}) > 1

    def properties(self) -> dict[str, Any]:
        band = self.band
        exact = band is not None and band[0] == band[1]
        first = self.primary[0]
        return {
            "uid": f"holds:{self.owner}>{self.owned}@{self.start or ''}",
            "start_date": self.start,
            "end_date": self.end,
            "held_since": self.held_since,
            "held_until": self.held_until,
            "share": band[0] if exact else None,
            "share_min": band[0] if band and not exact else None,
            "share_max": band[1] if band and not exact else None,
            "kind": first.kind,
            "direct": first.direct,
            "kinds": sorted({s.kind for s in self.statements}),
            "statements": sorted(s.uid for s in self.statements),
            "sources": sorted({s.source for s in self.statements}),
            "disagree": self.disagree,
        }


def periods(owner: str, owned: str, statements: Iterable[Statement]) -> list[Holding]:
    """The holdings of one pair: one per maximal period with the same statements in force."""
    live = [s for s in statements if s.start is None or s.end is None or s.start < s.end]
    cuts = sorted({d for s in live for d in (s.start, s.end) if d is not None})
    bounds: list[dt.date | None] = [None, *cuts, None]
    found: list[Holding] = []
    for low, high in zip(bounds, bounds[1:], strict=False):
        if low is not None and high is not None and low >= high:
            continue
        here = tuple(sorted((s for s in live if s.in_force_over(low, high)), key=lambda s: s.uid))
        if not here:
            continue
        last = found[-1] if found else None
        if last and last.end == low and last.statements == here:
            found[-1] = Holding(owner, owned, last.start, high, here)  # same statements go on
        else:
            found.append(Holding(owner, owned, low, high, here))
    return _with_runs(found)


def _with_runs(found: list[Holding]) -> list[Holding]:
    """Stamp each period with the ends of the unbroken run of periods it belongs to."""
    result: list[Holding] = []
    run: list[Holding] = []
    for holding in [*found, None]:
        if holding is not None and (not run or run[-1].end == holding.start):
            run.append(holding)
            continue
        for member in run:
            result.append(
                Holding(
                    member.owner,
                    member.owned,
                    member.start,
                    member.end,
                    member.statements,
                    held_since=run[0].start,
                    held_until=run[-1].end,
                )
            )
        run = [holding] if holding is not None else []
    return result


def settle(
    graph: Graph, owners: Iterable[str], sources: Iterable[str] = (), batch: int = BATCH
) -> int:
    """Derive the holdings of ``owners`` again, ``batch`` owners per transaction, then clear
    the ``holdings_pending`` mark of ``sources``; returns the number of holdings written."""
    pending = sorted(set(owners))
    written = 0
    for i in range(0, len(pending), batch):
        with graph.transaction() as tx:
            written += recompute(tx, pending[i : i + batch], batch)
    names = sorted(set(sources))
    if names:
        graph.write(cypher.CLEAR_HOLDINGS_PENDING, names=names)
    return written


def recover(graph: Graph) -> list[str]:
    """Derive the holdings of every source left ``holdings_pending``; their names. Callers hold
    the import lock, as imports and refreshes do."""
    names = [row["name"] for row in graph.read(cypher.PENDING_HOLDINGS)]
    for name in names:
        owners = [row["uid"] for row in graph.read(cypher.SOURCE_OWNERS, source=name)]
        settle(graph, owners, [name])
    return names


class _Runner(Protocol):
    def run(self, query: cypher.Query, **params: Any) -> dict[str, int]: ...
    def read(self, query: cypher.Query, **params: Any) -> list[dict]: ...


def recompute(tx: _Runner, owners: Iterable[str], batch: int = BATCH) -> int:
    """Rebuild every ``HOLDS`` relationship out of the entities ``owners`` from their ``OWNS``
    statements; returns the number of holdings written. Owners that no longer exist are
    skipped. Runs in the caller's transaction, so a failure undoes it with the rest."""
    pending = sorted(set(owners))
    written = 0
    for i in range(0, len(pending), batch):
        chunk = pending[i : i + batch]
        by_pair: dict[tuple[str, str], list[Statement]] = defaultdict(list)
        for row in tx.read(cypher.HOLDING_STATEMENTS, owners=chunk):
            by_pair[(row["owner"], row["owned"])].append(Statement.from_row(row))
        rows = [
            {"owner": owner, "owned": owned, "props": holding.properties()}
            for (owner, owned), statements in sorted(by_pair.items())
            for holding in periods(owner, owned, statements)
        ]
        tx.run(cypher.DELETE_HOLDINGS, owners=chunk)
        for start in range(0, len(rows), ROWS):
            tx.run(cypher.CREATE_HOLDINGS, rows=rows[start : start + ROWS])
        written += len(rows)
    return written

"""Owners and subsidiaries of large groups, ranked, kept in the graph and read a page at a time.

At a million companies the largest group's head has about 20,000 subsidiaries; walking them
takes the server most of a second (one step per level, every edge in force looked at), where an
analyst paging through them (``ownership subsidiaries HEAD --limit 50 --offset 50``, the
explorer) waits a page at a time. So, as for chains (:mod:`ownership.analysis.kept_chains`), an
answer of at least :data:`KEEP_FROM` entities is kept once computed, in the fixed order of
:func:`ownership.analysis.owners.by_share`, named, :data:`CHUNK` to a part, for the data version
it was computed on; smaller answers take less time to compute than to keep. ``ownership
import`` and ``refresh`` keep the subsidiaries of the landing page's largest groups for their
day (:func:`keep_largest`), the groups an analyst is offered first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from ownership import clock
from ownership.analysis import maintained
from ownership.analysis.entities import EntityRef, resolve
from ownership.analysis.owners import (
    DEFAULT_MAX_HOPS,
    Holding,
    by_share,
    named,
    rank_page,
    reached,
)
from ownership.analysis.stats import data_version
from ownership.graph import Graph, QueryFailed

KIND = "holdings"
CHUNK = 1000  # holdings per kept part: a page of 50 reads one or two parts
KEEP_FROM = 1000  # entities reached: fewer are computed in a few tens of milliseconds
HOLDING_FIELDS = tuple(f.name for f in dataclasses.fields(Holding))


@dataclass(frozen=True)
class Question:
    """The owners (``upward``) or subsidiaries of one entity on one day."""

    uid: str
    upward: bool
    as_of: dt.date | None = None  # None: today
    max_hops: int = DEFAULT_MAX_HOPS

    @property
    def key(self) -> str:
        """What the answer is kept under: 'subsidiaries|reg:jp-ex-01|hops=10|2022-07-01'."""
        direction = "owners" if self.upward else "subsidiaries"
        day = self.as_of or clock.today()
        return f"{direction}|{self.uid}|hops={self.max_hops}|{day}"


def ranked(
    graph: Graph,
    subject: EntityRef,
    upward: bool,
    as_of: dt.date | None = None,
    max_hops: int = DEFAULT_MAX_HOPS,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[int, list[Holding]]:
    """How many owners (``upward``) or subsidiaries ``subject`` has, and the page ``offset`` to
    ``offset + limit`` of them strongest first (:func:`~ownership.analysis.owners.by_share`):
    read from the kept answer, or computed (and kept when large)."""
    if offset < 0 or (limit is not None and limit < 0):
        raise ValueError("--limit and --offset must not be negative")
    q = Question(subject.uid, upward, as_of, max_hops)
    version = data_version(graph)[0]
    kept = _read(graph, q, version, limit, offset)
    if kept is not None:
        return kept
    found = reached(graph, upward, subject, as_of, max_hops)
    if len(found) < KEEP_FROM:
        return len(found), rank_page(graph, subject, found, upward, limit, offset)
    ordered = by_share(named(graph, subject, found, upward))
    try:
        _keep(graph, q, ordered, version)
    except QueryFailed:
        pass  # not kept (a read-only account): the next reader computes it again
    end = len(ordered) if limit is None else offset + limit
    return len(ordered), ordered[offset:end]


def _keep(graph: Graph, q: Question, ordered: list[Holding], version: str) -> None:
    parts: list[Any] = [{"total": len(ordered)}]
    for first in range(0, len(ordered), CHUNK):
        parts.append(
            [[getattr(h, k) for k in HOLDING_FIELDS] for h in ordered[first : first + CHUNK]]
        )
    maintained.store_documents(graph, KIND, q.key, q.as_of or clock.today(), parts, version)


def _read(
    graph: Graph, q: Question, version: str, limit: int | None, offset: int
) -> tuple[int, list[Holding]] | None:
    """The total and page of the kept answer to ``q`` on data ``version``, or None."""
    header = maintained.load_documents(graph, KIND, q.key, [0], version)
    if header is None:
        return None
    total = header[0]["total"]
    end = total if limit is None else min(total, offset + limit)
    if offset >= end:
        return total, []
    parts = list(range(offset // CHUNK + 1, (end - 1) // CHUNK + 2))
    documents = maintained.load_documents(graph, KIND, q.key, parts, version)
    if documents is None:
        return None  # the data changed since the header was read
    rows = [row for document in documents for row in document]
    first = (parts[0] - 1) * CHUNK
    return total, [
        Holding(**dict(zip(HOLDING_FIELDS, row, strict=True)))
        for row in rows[offset - first : end - first]
    ]


def keep_largest(graph: Graph, heads: list[str], as_of: dt.date) -> int:
    """Compute and keep, for ``as_of``, the subsidiaries of ``heads`` (the uids of the landing
    page's largest groups) that reach at least :data:`KEEP_FROM` entities; how many."""
    kept = 0
    for uid in heads:
        total, _ = ranked(graph, resolve(graph, uid), False, as_of, limit=0)
        kept += total >= KEEP_FROM
    return kept

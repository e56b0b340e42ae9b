"""The holding periods that began or ended in a window of dates: what ``ownership diff`` and
the explorer's Compare page start from, kept in the graph sorted by those days.

A comparison of two dates looks only at the holdings that began or ended between them
(:func:`ownership.analysis.history.holding_changes`). Finding them is a pass over every
holding: 1.2–4 s at 100,000 companies on the embedded server, longer than the page may take.
So ``ownership import`` and ``refresh`` keep every dated period once
(:mod:`ownership.analysis.maintained`), each under the days it began and ended, sorted, cut
into parts of :data:`EVENTS_PER_PART` days with the first and last day of each part in a
header: a window reads the header and the parts it overlaps, whatever its length. While the
data is not what they were kept from (an import with ``--no-maintain``, a match decision),
the pass over the graph answers, with the same rows.
"""

from __future__ import annotations

import datetime as dt
from array import array
from itertools import chain
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:
    from ownership.numeric import np

from ownership import cypher
from ownership.analysis import maintained
from ownership.analysis.stats import data_version
from ownership.analysis.timelines import BEFORE, NO_DAY, DatedGraph
from ownership.graph import Graph

KIND, KEY = "holding-periods", "all"
EVENTS_PER_PART = 5_000  # starts and ends of periods: a part is under a megabyte of JSON
START, END = 4, 5  # the positions of the dates (text) in a period: see cypher.CHANGED_HOLDINGS


def in_window(graph: Graph, from_date: dt.date, to_date: dt.date) -> list[list[Any]]:
    """Every period of a holding that began or ended after ``from_date`` and on or before
    ``to_date``, as the rows of :data:`cypher.CHANGED_HOLDINGS` (dates as text)."""
    version = data_version(graph)[0]
    header = maintained.load_documents(graph, KIND, KEY, [0], version)
    if header is not None:
        low, high = from_date.isoformat(), to_date.isoformat()
        parts = [
            number
            for number, (first, last) in enumerate(header[0]["days"], start=1)
            if last > low and first <= high
        ]
        documents = maintained.load_documents(graph, KIND, KEY, parts, version)
        if documents is not None:
            seen: set[tuple[Any, ...]] = set()
            found = []
            for period in (p for document in documents for p in document):
                key = (period[0], period[2], period[START], period[END])
                if key not in seen and _changed(period, low, high):
                    seen.add(key)
                    found.append(period)
            return found
    rows = graph.read(cypher.CHANGED_HOLDINGS, from_date=from_date, to_date=to_date)
    return rows[0]["periods"] if rows else []


def _changed(period: list[Any], low: str, high: str) -> bool:
    """The window rule of cypher.CHANGED_HOLDINGS, on ISO dates compared as text."""
    return any(d is not None and low < d <= high for d in (period[START], period[END]))


def keep_periods(graph: Graph, dated: DatedGraph, version: str) -> int:
    """Keep every dated holding period for data ``version``; how many. The periods are those
    of the graph with its dates already read for the red flags and gaps (``dated``, read after
    ``version``): reading every holding again took 5.6 s of the 8.5 s at 100,000 companies
    (docs/benchmarks.md). Each is written away as it is made (:class:`maintained.Spool`);
    only the days they begin and end are held to sort them by."""
    v = dated.views
    stated = np.flatnonzero((dated.since != BEFORE) | (dated.ended != NO_DAY))
    day, number = array("i"), array("i")
    with maintained.Spool() as spool:
        for j in stated.tolist():
            start, end = v.since[j], int(dated.ended[j])
            for ordinal in {start, end} - {BEFORE, NO_DAY}:
                day.append(ordinal)
                number.append(len(spool))
            owner, owned = v.owner[j], v.owned[j]
            disagree = int(dated.disagree[j])
            spool.add(  # the row of cypher.CHANGED_HOLDINGS
                [
                    dated.uid_of(owner),
                    dated.names[owner],
                    dated.uid_of(owned),
                    dated.names[owned],
                    _iso(start),
                    _iso(end),
                    *dated.shares(j),
                    None if disagree < 0 else bool(disagree),
                ]
            )
        days_ = np.frombuffer(day, np.int32)
        numbers = np.frombuffer(number, np.int32)
        order = np.lexsort((numbers, days_))  # by day, then as made
        days_, numbers = days_[order], numbers[order]
        firsts = range(0, len(order), EVENTS_PER_PART)
        days = [
            [
                _iso(int(days_[first])),
                _iso(int(days_[min(first + EVENTS_PER_PART, len(order)) - 1])),
            ]
            for first in firsts
        ]
        parts = (  # each period once to a part, in the order of its first day there
            spool.document(dict.fromkeys(numbers[first : first + EVENTS_PER_PART].tolist()))
            for first in firsts
        )
        maintained.store_documents(
            graph, KIND, KEY, None, chain([{"days": days}], parts), version, count=1 + len(days)
        )
        return len(spool)


def _iso(ordinal: int) -> str | None:
    """A day as cypher.CHANGED_HOLDINGS sends it (``toString`` of a date), None for none."""
    return None if ordinal == NO_DAY else dt.date.fromordinal(ordinal).isoformat()

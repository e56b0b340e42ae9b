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
from typing import Any

from ownership import cypher
from ownership.analysis import maintained
from ownership.analysis.stats import data_version
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


def keep_periods(graph: Graph, version: str) -> int:
    """Keep every dated holding period for data ``version``; how many."""
    [row] = graph.read(cypher.DATED_HOLDING_PERIODS)
    periods = row["periods"]
    events = sorted(
        (day, number)
        for number, period in enumerate(periods)
        for day in {period[START], period[END]}
        if day is not None
    )
    days, parts = [], []
    for first in range(0, len(events), EVENTS_PER_PART):
        chunk = events[first : first + EVENTS_PER_PART]
        days.append([chunk[0][0], chunk[-1][0]])
        parts.append([periods[number] for number in dict.fromkeys(n for _, n in chunk)])
    maintained.store_documents(graph, KIND, KEY, None, [{"days": days}, *parts], version)
    return len(periods)

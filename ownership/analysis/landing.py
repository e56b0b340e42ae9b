"""What the graph holds and where to start (the explorer's landing page).

Sources with their record counts and import times, the numbers of companies, persons,
statements, officer roles and listings, the time the ownership statements cover, the heads of
the largest groups and the dated red flags (shells that took a holding weeks after
incorporation, restructuring right after a listing).

Counting a graph of 100,000 companies takes seconds and the dated flags walk chains across the
whole graph, so ``ownership import`` and ``refresh`` keep this page's answer for their day
(:mod:`ownership.analysis.maintained`): the page then reads one kept answer. On another date
the kept counts still hold (they do not depend on the date) and only the largest groups are
computed, the dated flags only when asked (:func:`dated_flags`); data changed since the answer
was kept computes everything.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from ownership import cypher
from ownership.analysis import maintained
from ownership.analysis.flags import Flag, FlagSettings, red_flags
from ownership.graph import Graph

DATED_FLAGS = ("new-intermediary", "restructured-after-listing")
KIND, KEY = "landing", "page"  # what the maintained page is kept under (one, for its date)
LIMIT = 10  # largest groups listed
CANDIDATES_KIND = "group-candidates"  # the entities with the most holdings ever, kept
CANDIDATES = 1_000  # of them: at a million companies the 1,000th held 34 on a day, the 10th 1,128
BATCH = 50  # candidates counted in one statement


@dataclass
class Landing:
    as_of: dt.date
    sources: list[dict[str, Any]]
    counts: dict[str, int]  # companies, persons, sanctions, statements, roles
    dates: dict[str, Any]
    groups: list[dict[str, Any]]
    flags: list[Flag] | None = None  # the dated red flags, when they were kept for this date

    def to_row(self) -> dict[str, Any]:
        """The page as kept by :mod:`ownership.analysis.maintained` (:meth:`from_row`)."""
        row = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        row["flags"] = None if self.flags is None else [f.to_row() for f in self.flags]
        return row

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Landing:
        flags = row.pop("flags")
        return cls(**row, flags=None if flags is None else [Flag.from_row(f) for f in flags])


def landing(graph: Graph, as_of: dt.date) -> Landing:
    """The landing page's facts on ``as_of``, from the answer the last import or refresh kept
    when the data has not changed since (see the module's docstring), else computed."""
    kept = maintained.load(graph, KIND, KEY)
    if kept is None:
        return compute_landing(graph, as_of)
    page = Landing.from_row(kept)
    if page.as_of != as_of:
        page = dataclasses.replace(
            page, as_of=as_of, groups=largest_groups(graph, as_of), flags=None
        )
    return page


def compute_landing(graph: Graph, as_of: dt.date, counted: dict[str, Any] | None = None) -> Landing:
    """The landing page's counts and largest groups on ``as_of``, computed; the counts and
    dates from ``counted`` (:func:`ownership.analysis.counts.keep_counts`, just kept on the
    same data) when given: the same numbers, without three more passes over the graph (13 s of
    a refresh's 90 s of answers at 100,000 companies on the embedded server)."""
    if counted is None:
        dates = graph.read(cypher.OWNERSHIP_DATES)
        counts = graph.read(cypher.LANDING_COUNTS)[0]
        sources = graph.read(cypher.SOURCES_SUMMARY)
    else:
        dates, counts = [counted["dates"]], landing_counts(counted["counts"])
        records = counted["counts"]["sources"]
        sources = [
            {**row, "records": records[row["name"]]["records"] if row["name"] in records else 0}
            for row in graph.read(cypher.SOURCES_MARKS)
        ]
    return Landing(
        as_of=as_of,
        sources=sources,
        counts=counts,
        dates=dates[0] if dates else {},
        groups=largest_groups(graph, as_of),
    )


def landing_counts(found: dict[str, Any]) -> dict[str, int]:
    """The row of ``landing_counts`` from the graph's counts (``graph-counts``): nodes by label,
    relationships by type."""
    nodes, relationships = found["nodes"], found["relationships"]
    return {
        "companies": nodes.get("Company", 0),
        "persons": nodes.get("Person", 0),
        "sanctions": nodes.get("Sanction", 0),
        "statements": relationships.get("OWNS", 0),
        "roles": relationships.get("OFFICER_OF", 0),
    }


def largest_groups(graph: Graph, as_of: dt.date) -> list[dict[str, Any]]:
    """The :data:`LIMIT` entities with the most direct holdings in force on ``as_of``, most
    first (``largest_groups``): counted for the kept candidates only, as far as they prove the
    answer (no entity holds more on a day than it ever held), else over the whole graph (17 s
    on a day not kept at a million companies)."""
    candidates = maintained.load(graph, CANDIDATES_KIND, "all")
    found = None if candidates is None else _among(graph, candidates, as_of)
    if found is None:
        found = graph.read(cypher.LARGEST_GROUPS, as_of=as_of, limit=LIMIT)
    return found


def _among(
    graph: Graph, candidates: list[list[Any]], as_of: dt.date
) -> list[dict[str, Any]] | None:
    """The largest groups among ``candidates`` (``[uid, holdings ever]``, most first), counted
    a batch at a time until the rest cannot reach the last one kept (ties go to the smaller
    uid, so "cannot reach" is "holds fewer ever"); None when they do not prove the answer."""
    best: list[dict[str, Any]] = []

    def settled(ever: int) -> bool:
        return len(best) == LIMIT and ever < best[-1]["holdings"]

    for start in range(0, len(candidates), BATCH):
        batch = candidates[start : start + BATCH]
        if settled(batch[0][1]):
            return best
        rows = graph.read(cypher.HOLDINGS_IN_FORCE_OF, uids=[c[0] for c in batch], as_of=as_of)
        best = sorted(
            [*best, *(r for r in rows if r["holdings"])], key=lambda r: (-r["holdings"], r["uid"])
        )[:LIMIT]
    every_holder = len(candidates) < CANDIDATES  # then no one else holds anything
    return best if every_holder or (candidates and settled(candidates[-1][1])) else None


def keep_candidates(graph: Graph, version: str, candidates: list[list[Any]]) -> None:
    """Keep the entities with the most holdings ever (``[uid, holdings]``, most first, as
    ``group_candidates`` finds them: :meth:`ownership.analysis.timelines.DatedGraph.
    most_holdings`) for data ``version``: :func:`largest_groups` of any day then counts a few
    of them."""
    maintained.store(graph, CANDIDATES_KIND, "all", None, candidates, version)


def keep_landing(
    graph: Graph,
    as_of: dt.date,
    version: str,
    counted: dict[str, Any],
    candidates: list[list[Any]],
) -> Landing:
    """Compute the page for ``as_of`` and keep it, with its dated red flags (read from the
    flags kept just before it, for every date), for data ``version``; and the group
    candidates, from which it finds its largest groups. The graph's counts and the
    candidates are the caller's, found on the same data (:func:`ownership.analysis.upkeep.
    maintain`)."""
    keep_candidates(graph, version, candidates)
    page = compute_landing(graph, as_of, counted)
    page.flags = dated_flags(graph, as_of)
    maintained.store(graph, KIND, KEY, as_of, page.to_row(), version)
    return page


def dated_flags(graph: Graph, as_of: dt.date) -> list[Flag]:
    """The red flags that carry a date: new intermediaries, restructuring after a listing."""
    return red_flags(graph, FlagSettings(), as_of, only=DATED_FLAGS)

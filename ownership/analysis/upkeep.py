"""Keeping the whole-graph answers up to date: what ``ownership import`` and ``ownership
refresh`` compute, after their data has landed: red flags with the default thresholds and the
ownership-gaps filter for every date (:mod:`ownership.analysis.timelines`), the dated holding
periods that ``ownership diff`` starts from (:mod:`ownership.analysis.holding_periods`), and
for the day they run the landing page, the subsidiaries of its largest groups, the 50 percent
rule's findings that ``ownership diff`` compares, the chain questions asked most recently and
the backward reaches of the chain targets watched and asked most, so that reading them is one
small query (:mod:`ownership.analysis.maintained`); and the search box's index
(:mod:`ownership.analysis.search_index`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from typing import Any

from ownership import clock
from ownership.analysis import maintained
from ownership.analysis.counts import KIND as COUNTS
from ownership.analysis.counts import keep_counts
from ownership.analysis.flags import KIND as FLAGS
from ownership.analysis.gaps import KIND as GAPS
from ownership.analysis.holding_periods import KIND as PERIODS
from ownership.analysis.holding_periods import keep_periods
from ownership.analysis.kept_chains import keep_asked
from ownership.analysis.kept_holdings import keep_largest
from ownership.analysis.landing import CANDIDATES as GROUP_CANDIDATE_COUNT
from ownership.analysis.landing import CANDIDATES_KIND as GROUP_CANDIDATES
from ownership.analysis.landing import KIND as LANDING
from ownership.analysis.landing import Landing, keep_landing
from ownership.analysis.sanctions import KIND as RULE_FINDINGS
from ownership.analysis.sanctions import keep_findings
from ownership.analysis.search_index import KIND as SEARCH_INDEX
from ownership.analysis.search_index import keep as keep_search_index
from ownership.analysis.stats import data_version, is_empty
from ownership.analysis.timelines import (
    DatedGraph,
    Touched,
    dated_graph,
    keep_dated_graph,
    keep_flag_timeline,
    keep_gap_timeline,
)
from ownership.graph import Graph


def maintain(
    graph: Graph,
    as_of: dt.date | None = None,
    watched: Iterable[Any] = (),
    touched: Touched | None = None,
) -> dict[str, float]:
    """Compute and keep every maintained answer for ``as_of`` (default today); the seconds
    each took. The data version is read first: data changed meanwhile leaves the answers
    stale (computed again on demand), never passed off as current. ``watched``: a refresh's
    watched chain questions, whose targets' reaches are kept (:func:`keep_asked`).

    Every step reads the graph as it is then; what several need is read once and handed on
    (docs/benchmarks.md, "The answers' upkeep, measured"): the graph with its dates (red
    flags, gaps, holding periods and the group candidates), the counts (the landing page's
    counts and dates), the watched chains and the 50 % rule's findings a refresh just worked
    out on this data for its report (kept then, not worked out again here).

    The dated graph itself is kept too (:func:`keep_dated_graph`): ``touched``, what a refresh
    changed since the version it began from, patches the one kept then instead of reading
    the whole graph again (:func:`dated_graph`; the seconds say how it was had: ``dated read``,
    ``dated patched`` or ``dated kept``, seconds that are part of the ``flags`` step's)."""
    as_of = as_of or clock.today()
    version = data_version(graph)[0]
    seconds: dict[str, float] = {}
    dated: list[DatedGraph] = []  # the graph with its dates, read once for three steps
    page: list[Landing] = []
    found: dict[str, Any] = {}  # what one step found that a later one takes (docstring)

    def keep_flags() -> None:
        started = time.perf_counter()
        had, how = dated_graph(graph, version, touched)
        dated.append(had)
        seconds[f"dated {how}"] = time.perf_counter() - started
        keep_flag_timeline(graph, had, version)

    def periods() -> None:
        found["candidates"] = dated[0].most_holdings(GROUP_CANDIDATE_COUNT)
        keep_periods(graph, dated[0], version)
        keep_dated_graph(graph, dated.pop(), version)

    def kept(kind: str, key: str) -> bool:
        """Whether the answer of ``kind`` for ``key`` is kept on this data already (a refresh
        keeps the rule's findings for its picture after; its watched chains too, which
        :func:`keep_asked` finds kept itself)."""
        return maintained.load_documents(graph, kind, key, [0], version) is not None

    def landing() -> None:
        page.append(keep_landing(graph, as_of, version, found["counted"], found["candidates"]))

    # The flags', the gaps' and the periods' pieces are written away as they are found, never
    # held whole (the landing page reads its dated flags back from the kept answer), and the
    # dated graph, numpy columns, is dropped after the periods: maintain stays under 1 GB
    # resident at a million companies (docs/benchmarks.md).
    steps: tuple[tuple[str, Callable[[], object]], ...] = (
        ("flags", keep_flags),
        ("gaps", lambda: keep_gap_timeline(graph, dated[0], version)),
        ("periods", periods),
        ("counts", lambda: found.update(counted=keep_counts(graph, version))),
        ("landing", landing),
        ("groups", lambda: keep_largest(graph, [g["uid"] for g in page[0].groups], as_of)),
        (
            "blocked",
            lambda: kept(RULE_FINDINGS, as_of.isoformat()) or keep_findings(graph, as_of, version),
        ),
        ("chains", lambda: keep_asked(graph, as_of, version, watched)),
        ("search", lambda: keep_search_index(graph, version)),
    )
    for name, step in steps:
        started = time.perf_counter()
        step()
        seconds[name] = time.perf_counter() - started
    maintained.forget_other_layouts(graph)
    return {k: round(v, 3) for k, v in seconds.items()}


EVERY_DATE = (FLAGS, GAPS, PERIODS, GROUP_CANDIDATES, COUNTS, SEARCH_INDEX)  # for every date
ON_THE_DAY = (LANDING, RULE_FINDINGS)  # kept for the day maintain ran for


def is_current(graph: Graph, as_of: dt.date) -> bool:
    """Whether every maintained answer is kept for ``as_of`` on the data as it is now: a
    refresh that changed nothing then has nothing to compute (nor on an empty graph)."""
    return not_current_because(graph, as_of) is None


def not_current_because(graph: Graph, as_of: dt.date) -> str | None:
    """Why the maintained answers are not all kept for ``as_of`` on the data as it is now, in
    words for a refresh's report and log (a refresh that changed nothing keeps them again only
    then, which takes minutes at a million companies: the report says why); None when they
    are all kept.

    An answer counts as kept only in this ``ownership``'s layout (:data:`maintained.LAYOUT`),
    for the data version of now, and (the landing page, the 50 % rule) for ``as_of``."""
    if is_empty(graph):
        return None
    version = data_version(graph)[0]
    kept = maintained.kept(graph)
    wanted = [(kind, None) for kind in EVERY_DATE] + [(kind, as_of) for kind in ON_THE_DAY]
    missing = [kind for kind, day in wanted if (kind, day, version) not in kept]
    if not missing:
        return None
    if earlier := maintained.in_other_layouts(graph):
        return (
            f"{earlier} answers were kept by another version of ownership, in a layout this "
            f"one cannot read (layout {maintained.LAYOUT} now)"
        )
    answers = {*EVERY_DATE, *ON_THE_DAY}  # not what else is kept (a refresh's state)
    on_this_data = {(k, day) for k, day, kept_on in kept if kept_on == version and k in answers}
    if not on_this_data:
        return "no answers are kept on this data" + (
            " (they were kept before it last changed)" if kept else ""
        )
    days = sorted({d for k, d in on_this_data if k in ON_THE_DAY and d not in (None, as_of)})
    if days and set(missing) <= set(ON_THE_DAY):
        return f"the answers are kept for {days[-1].isoformat()}, not for {as_of.isoformat()}"
    return "not kept on this data: " + ", ".join(missing)


def maintain_after_import(
    graph: Graph,
    as_of: dt.date | None = None,
    watched: Iterable[Any] = (),
    touched: Touched | None = None,
) -> tuple[dict[str, float] | None, str | None]:
    """:func:`maintain` after an import or refresh (for its day): the seconds each answer took,
    or why it could not be kept. The data has landed by then, so a failure here (a server
    short of memory on a huge graph) is reported, not raised: the answers are then computed
    when asked, as for any other date."""
    try:
        return maintain(graph, as_of, watched, touched), None
    except Exception as exc:  # noqa: BLE001 — any failure leaves only the on-demand path
        return None, f"{type(exc).__name__}: {exc}"

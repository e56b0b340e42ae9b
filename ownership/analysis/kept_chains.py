"""Chain answers kept in the graph and read back a page at a time.

At a million companies one chain question (JP → RU, six hops) takes the server tens of seconds
to answer: every holding into the target country is looked at before the first chain is known
(docs/benchmarks.md). An analyst pages through the answer, opens it again in another process
(``ownership chains --limit 50 --offset 50``), or in the explorer after a restart. So the
answer, once enumerated, is kept in the graph (:mod:`ownership.analysis.maintained`) for the
data version it was computed on: a header (total, start entities, whether sources disagree)
and the chains in the fixed order, :data:`CHUNK` to a part. Reading the summary and a page is
then two small reads plus the look-ups of what the page shows (sources, statements,
successions, always current). Any import, refresh, unload or match decision changes the data
version, and the answer is then enumerated again when asked; ``ownership import`` and
``refresh`` keep the most recently asked questions (:data:`KEEP_ASKED`) up to date for their
day, so that the questions analysts work on stay immediate.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ownership.analysis import kept_reach, maintained
from ownership.analysis.chains import (
    CHAIN_ENTITY_FIELDS,
    DEFAULT_MAX_HOPS,
    LINK_NUMBERS,
    Chain,
    ChainAnswer,
    ChainSearch,
    Link,
    reach,
    search_chains,
)
from ownership.analysis.stats import data_version
from ownership.graph import Graph, QueryFailed

KIND = "chains"
CHUNK = 500  # chains per kept part: a page of 50 reads one or two parts
KEEP_ASKED = 5  # the most recently asked questions that an import or refresh keeps current


@dataclass(frozen=True)
class Question:
    """One chain question, as ``ownership chains`` and the chain finder ask it."""

    from_country: str
    to_country: str
    via: tuple[str, ...] = ()
    max_hops: int = DEFAULT_MAX_HOPS
    as_of: dt.date | None = None  # None: today

    @property
    def day(self) -> dt.date:
        return self.as_of or dt.date.today()

    @property
    def key(self) -> str:
        """What the answer is kept under: 'JP>RU|via=SG|hops=6|2022-07-01'."""
        via = ",".join(self.via)
        return f"{self.from_country}>{self.to_country}|via={via}|hops={self.max_hops}|{self.day}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "from_country": self.from_country,
            "to_country": self.to_country,
            "via": list(self.via),
            "max_hops": self.max_hops,
            "as_of": self.day,
        }


@dataclass
class KeptChains(ChainAnswer):
    """A chain answer kept by :func:`keep`, read a part at a time."""

    graph: Graph
    question: Question
    as_of: dt.date
    total: int  # type: ignore[misc]
    disagree: bool  # type: ignore[misc]
    start_rows: list[dict[str, Any]]
    version: str  # the data version the answer was kept for
    _fresh: ChainSearch | None = None  # the answer enumerated anew when the data changed

    def starts(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self.start_rows]

    def bare(self, positions: list[int]) -> list[Chain]:
        if self._fresh is None:
            parts = sorted({i // CHUNK + 1 for i in positions})
            documents = maintained.load_documents(
                self.graph, KIND, self.question.key, parts, self.version
            )
            if documents is not None:
                chunks = dict(zip(parts, documents, strict=True))
                return [_chain(chunks[i // CHUNK + 1][i % CHUNK]) for i in positions]
            # the data changed since the header was read: the answer is enumerated again
            self._fresh = _search(self.graph, self.question, data_version(self.graph)[0])
        return self._fresh.bare([i for i in positions if i < self._fresh.total])


def _search(
    graph: Graph,
    q: Question,
    version: str,
    progress: Callable[[int, int], None] | None = None,
) -> ChainSearch:
    """Enumerate ``q`` on data ``version``, from the reach of its target kept for that data
    (:mod:`ownership.analysis.kept_reach`) when there is one, else from the backward pass,
    whose reach is then kept for the next question with the same target, date and hops."""
    found = kept_reach.load(graph, q.to_country, q.day, q.max_hops, q.from_country, version)
    if found is None:
        found = reach(graph, q.to_country, q.day, q.max_hops)
        try:
            kept_reach.keep(graph, q.to_country, q.day, q.max_hops, found, version)
        except QueryFailed:
            pass  # not kept (a read-only account): the next question finds it again
    return search_chains(
        graph, q.from_country, q.to_country, q.via, q.day, q.max_hops, progress, found
    )


def _encoded(found: ChainSearch) -> Iterator[list[Any]]:
    """Each chain of ``found`` in the fixed order, as kept: its entities' fields and its
    links' numbers (read back by :func:`_chain`). Straight from the enumeration's paths, each
    entity and link encoded once: the chains of a question share most of them (the 89,121
    chains JP → RU at 1M have 64,199 distinct links), and building each chain first took most
    of keeping it."""
    entities: dict[str, list[Any]] = {}
    links: dict[Link, list[Any]] = {}
    known = found.reach.entities
    for uids, path, _ in found.paths:
        yield [
            [
                entities.get(u)
                or entities.setdefault(u, [known[u][k] for k in CHAIN_ENTITY_FIELDS])
                for u in uids
            ],
            [
                links.get(link)
                or links.setdefault(
                    link, [*(getattr(link, k) for k in LINK_NUMBERS), link.disagree]
                )
                for link in path
            ],
        ]


def _chain(document: list[Any]) -> Chain:
    entities, links = document
    return Chain(
        [dict(zip(CHAIN_ENTITY_FIELDS, e, strict=True)) for e in entities],
        [Link(*link[:-1], disagree=bool(link[-1])) for link in links],  # _encoded's order
    )


def keep(graph: Graph, q: Question, found: ChainSearch, version: str) -> None:
    """Keep ``found``, the answer to ``q`` enumerated on data ``version`` (read before the
    enumeration: data changed meanwhile leaves the answer stale, never wrong)."""
    header = {
        "question": q.as_dict(),
        "asked_for_today": q.as_of is None or q.as_of == dt.date.today(),
        "total": found.total,
        "disagree": found.disagree,
        "starts": found.starts(),
    }
    parts: list[Any] = [header]
    chains = _encoded(found)
    with maintained.gc_paused():
        while chunk := list(itertools.islice(chains, CHUNK)):
            parts.append(chunk)
    maintained.store_documents(graph, KIND, q.key, q.day, parts, version)


def load(graph: Graph, q: Question) -> KeptChains | None:
    """The kept answer to ``q`` while the data has not changed since it was kept, or None."""
    version = data_version(graph)[0]
    documents = maintained.load_documents(graph, KIND, q.key, [0], version)
    if documents is None:
        return None
    [header] = documents
    return KeptChains(
        graph, q, q.day, header["total"], header["disagree"], header["starts"], version
    )


def answer(
    graph: Graph,
    q: Question,
    progress: Callable[[int, int], None] | None = None,
) -> ChainAnswer:
    """The answer to ``q``: kept, or enumerated now (``progress(done, total)`` told after
    each start entity) and then kept for the next reader. Keeping is a convenience: a server
    that refuses the write (a read-only account) still gets its answer."""
    kept = load(graph, q)
    if kept is not None:
        return kept
    version = data_version(graph)[0]
    found = _search(graph, q, version, progress)
    try:
        keep(graph, q, found, version)
    except QueryFailed:
        pass  # not kept: the next reader enumerates it again
    return found


def keep_asked(graph: Graph, as_of: dt.date, version: str) -> int:
    """Enumerate again and keep the :data:`KEEP_ASKED` most recently asked questions, after an
    import or refresh on ``as_of``: a question asked for its own day is kept for ``as_of``
    (the analyst's "today" moved on), one asked for a date keeps its date. Returns how many."""
    seen: set[str] = set()
    questions: list[Question] = []
    for row in maintained.kept_keys(graph, KIND):
        header = row["first"]
        asked = header["question"]
        q = Question(
            asked["from_country"],
            asked["to_country"],
            tuple(asked["via"]),
            int(asked["max_hops"]),
            as_of if header.get("asked_for_today") else asked["as_of"],
        )
        if q.key not in seen and len(questions) < KEEP_ASKED:
            seen.add(q.key)
            questions.append(q)
    for q in questions:
        # a refresh's watched chains after its change were enumerated on this same data and
        # kept just before (history.take_snapshot): the same documents, not made again (at 1M
        # the JP → RU question took the answers' step 179 s after the watch's 122 s)
        if maintained.load_documents(graph, KIND, q.key, [0], version) is None:
            keep(graph, q, _search(graph, q, version), version)
    return len(questions)

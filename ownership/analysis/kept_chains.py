"""Chain answers kept in the graph and read back a page at a time.

At a million companies one chain question (JP → RU, six hops) takes the server tens of seconds
to answer: every holding into the target country is looked at before the first chain is known
(docs/benchmarks.md). An analyst pages through the answer, opens it again in another process
(``ownership chains --limit 50 --offset 50``), or in the explorer after a restart. So the
answer, once enumerated, is kept in the graph (:mod:`ownership.analysis.maintained`) for the
data version it was computed on: a header (the question, total, whether sources disagree),
the chains in the fixed order, :data:`CHUNK` to a part, and the start entities. Reading a
page is then two small reads (the header and the page's parts), the summary two (the header
and the start entities), plus the look-ups of what the page shows (sources, statements,
successions, always current). Any import, refresh, unload or match decision changes the data
version, and the answer is then enumerated again when asked; ``ownership import`` and
``refresh`` keep the most recently asked questions (:data:`KEEP_ASKED`) up to date for their
day, so that the questions analysts work on stay immediate.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ownership import clock
from ownership.analysis import kept_reach, maintained
from ownership.analysis.chains import (
    CHAIN_ENTITY_FIELDS,
    DEFAULT_MAX_HOPS,
    LINK_NUMBERS,
    Chain,
    ChainAnswer,
    ChainSearch,
    Link,
    search_chains,
)
from ownership.analysis.flags import FlagSettings
from ownership.analysis.stats import data_version
from ownership.graph import Graph, QueryFailed

KIND = "chains"
Later = list[Callable[[], None]]  # writes put off until an answer is shown (answer)
CHUNK = 500  # chains per kept part: a page of 50 reads one or two parts
KEEP_ASKED = 5  # the most recently asked questions that an import or refresh keeps current
KEEP_TARGETS = 3  # the targets asked most, whose reach an import or refresh keeps for its day


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
        return self.as_of or clock.today()

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
    start_rows: list[dict[str, Any]] | None  # None: not read yet (:func:`_starts_part`)
    version: str  # the data version the answer was kept for
    _fresh: ChainSearch | None = None  # the answer enumerated anew when the data changed

    def starts(self) -> list[dict[str, Any]]:
        if self.start_rows is None:  # kept in a part of their own, read only when asked
            found = maintained.load_documents(
                self.graph, KIND, self.question.key, [_starts_part(self.total)], self.version
            )
            if found is None:  # the data changed since the header was read
                return self._enumerated().starts()
            self.start_rows = _unpacked(found[0])
        return [dict(row) for row in self.start_rows]

    def bare(self, positions: list[int]) -> list[Chain]:
        if self._fresh is None:
            parts = sorted({i // CHUNK + 1 for i in positions})
            documents = maintained.load_documents(
                self.graph, KIND, self.question.key, parts, self.version
            )
            if documents is not None:
                chunks = dict(zip(parts, map(_unpacked, documents), strict=True))
                return [_chain(chunks[i // CHUNK + 1], i % CHUNK) for i in positions]
        fresh = self._enumerated()
        return fresh.bare([i for i in positions if i < fresh.total])

    def _enumerated(self) -> ChainSearch:
        """The answer enumerated again: the data changed since the header was read."""
        if self._fresh is None:
            self._fresh = _search(self.graph, self.question, data_version(self.graph)[0])
        return self._fresh


def _search(
    graph: Graph,
    q: Question,
    version: str,
    progress: Callable[[int, int], None] | None = None,
    later: Later | None = None,
) -> ChainSearch:
    """Enumerate ``q`` on data ``version``, from the reach of its target kept for that data
    (:mod:`ownership.analysis.kept_reach`) when there is one, else from one found now and
    kept for the next question with the same target, date and hops (with ``later``: the
    write that keeps it put on that list, :func:`answer`)."""
    found = kept_reach.load(graph, q.to_country, q.day, q.max_hops, q.from_country, version)
    if found is None:
        found = kept_reach.find(graph, q.to_country, q.day, q.max_hops, version, later).cut(
            q.from_country.upper(), q.max_hops
        )
    return search_chains(
        graph, q.from_country, q.to_country, q.via, q.day, q.max_hops, progress, found
    )


def _encoded(found: ChainSearch) -> Iterator[str]:
    """The chains of ``found`` in the fixed order, :data:`CHUNK` to a part, as kept: each
    distinct entity (its fields) and link (its numbers, dates as day numbers) of the part
    once, and each chain as their places (read back by :func:`_chain`), compressed. The
    chains JP → RU at 1M companies (127,727 on 2025-06-01) were 80 MB of JSON written out,
    are 38 MB so and about 8 MB compressed: written and read back that much faster."""
    known = found.reach.entities
    entity_rows: dict[str, list[Any]] = {}  # each made once for all the parts
    link_rows: dict[int, list[Any]] = {}  # by identity: a dataclass hashes slowly
    for first in range(0, found.total, CHUNK):
        entities: dict[str, int] = {}
        links: dict[int, int] = {}  # the identity of a reach's link: its place in the part
        shown: list[Link] = []
        chains: list[list[list[int]]] = []
        for uids, path, _ in found.paths[first : first + CHUNK]:
            places = []
            for link in path:
                at = links.get(id(link))
                if at is None:
                    at = links[id(link)] = len(shown)
                    shown.append(link)
                places.append(at)
            chains.append([[entities.setdefault(u, len(entities)) for u in uids], places])
        yield maintained.pack_json({
            "entities": [
                entity_rows.get(u)
                or entity_rows.setdefault(u, [known[u][k] for k in CHAIN_ENTITY_FIELDS])
                for u in entities
            ],
            "links": [
                link_rows.get(id(link)) or link_rows.setdefault(id(link), _link_numbers(link))
                for link in shown
            ],
            "chains": chains,
        }, level=1)  # fmt: skip


def _unpacked(document: Any) -> Any:
    """A part as :func:`_encoded` kept it, made JSON again (a part kept before 2026-12-08 was
    kept as JSON)."""
    return maintained.unpack_json(document) if isinstance(document, str) else document


def _link_numbers(link: Link) -> list[Any]:
    """A link as kept: :data:`LINK_NUMBERS` (dates as day numbers) and whether sources
    disagree."""
    return [
        *(getattr(link, k) for k in LINK_NUMBERS[:3]),
        *(None if day is None else day.toordinal() for day in (link.start_date, link.end_date)),
        link.disagree,
    ]


def _chain(document: Any, place: int) -> Chain:
    """The chain at ``place`` of a kept part (:func:`_encoded`; a part kept before
    2026-12-08 lists its chains written out, dates as dates)."""
    if isinstance(document, list):
        entities, links = document[place]
        return Chain(
            [dict(zip(CHAIN_ENTITY_FIELDS, e, strict=True)) for e in entities],
            [Link(*link[:-1], disagree=bool(link[-1])) for link in links],
        )
    entity_places, link_places = document["chains"][place]
    rows = document["entities"]
    return Chain(
        [dict(zip(CHAIN_ENTITY_FIELDS, rows[e], strict=True)) for e in entity_places],
        [_link(document["links"][n]) for n in link_places],
    )


def _link(numbers: list[Any]) -> Link:
    share, low, high, begins, ends, disagree = numbers
    return Link(share, low, high, _day(begins), _day(ends), disagree=bool(disagree))


def _day(number: int | None) -> dt.date | None:
    return None if number is None else dt.date.fromordinal(number)


def _starts_part(total: int) -> int:
    """The part the start entities are kept in, after the chains' (they are read for a
    summary only: 21,978 of them for JP → RU at 1M, megabytes that a page does not need)."""
    return -(-total // CHUNK) + 1


def keep(graph: Graph, q: Question, found: ChainSearch, version: str) -> None:
    """Keep ``found``, the answer to ``q`` enumerated on data ``version`` (read before the
    enumeration: data changed meanwhile leaves the answer stale, never wrong)."""
    header = {
        "question": q.as_dict(),
        "asked_for_today": q.as_of is None or q.as_of == clock.today(),
        "total": found.total,
        "disagree": found.disagree,
    }
    with maintained.gc_paused():
        parts = [header, *_encoded(found), maintained.pack_json(found.starts(), level=1)]
    maintained.store_documents(graph, KIND, q.key, q.day, parts, version)


def load(graph: Graph, q: Question) -> KeptChains | None:
    """The kept answer to ``q`` while the data has not changed since it was kept, or None."""
    version = data_version(graph)[0]
    documents = maintained.load_documents(graph, KIND, q.key, [0], version)
    if documents is None:
        return None
    [header] = documents
    return KeptChains(
        graph, q, q.day, header["total"], header["disagree"], header.get("starts"), version
    )


def answer(
    graph: Graph,
    q: Question,
    progress: Callable[[int, int], None] | None = None,
    later: Later | None = None,
) -> ChainAnswer:
    """The answer to ``q``: kept, or enumerated now (``progress(done, total)`` told after
    each start entity) and then kept for the next reader. Keeping is a convenience: a server
    that refuses the write (a read-only account) still gets its answer.

    ``later``: a list to put the writes that keep the answer (and its target's reach) on,
    instead of making them before returning, for a caller that shows the answer first and
    then makes them (:func:`keep_now`): they were half of a first question's 3 s at a million
    companies (docs/benchmarks.md, "A first question into any country")."""
    kept = load(graph, q)
    if kept is not None:
        return kept
    version = data_version(graph)[0]
    writes: Later = [] if later is None else later
    found = _search(graph, q, version, progress, writes)
    writes.append(lambda: keep(graph, q, found, version))
    if later is None:
        keep_now(writes)
    return found


def keep_now(writes: Later) -> None:
    """Make the writes :func:`answer` put off, taking each off the list as it is made (two
    readers of one list never make one twice); one the server refuses (a read-only account)
    leaves its answer unkept, as it would have been at once."""
    while True:
        try:
            write = writes.pop(0)
        except IndexError:
            return
        try:
            write()
        except QueryFailed:
            pass  # not kept: the next reader works it out again


def keep_asked(
    graph: Graph, as_of: dt.date, version: str, watched: Iterable[Any] = ()
) -> dict[str, int]:
    """After an import or refresh on ``as_of``: enumerate again and keep the
    :data:`KEEP_ASKED` most recently asked questions (a question asked for its own day is
    kept for ``as_of``: the analyst's "today" moved on; one asked for a date keeps its date),
    and keep for ``as_of`` the reach of every target of the ``watched`` questions (a refresh's
    ``[[watch]]``) and of the :data:`KEEP_TARGETS` targets asked most, so that the first new
    question to one of them reads its reach instead of waiting for the backward pass
    (:mod:`ownership.analysis.kept_reach`). On a graph nobody has asked about yet, the
    targets are the countries the red flags watch (Russia by default): the first question
    into Russia after a first import of 100,000 companies took 4.4 s by the backward pass and
    0.12-0.25 s from the kept reach. A question or reach already kept for ``version``
    (a refresh's watched chains, kept as it compared them) is not computed again. Returns how
    many answers and reaches were kept anew."""
    seen: set[str] = set()
    questions: list[Question] = []
    asked: Counter[tuple[str, int]] = Counter()
    for row in maintained.kept_keys(graph, KIND):
        header = row["first"]
        question = header["question"]
        q = Question(
            question["from_country"],
            question["to_country"],
            tuple(question["via"]),
            int(question["max_hops"]),
            as_of if header.get("asked_for_today") else question["as_of"],
        )
        asked[(q.to_country, q.max_hops)] += 1
        if q.key not in seen and len(questions) < KEEP_ASKED:
            seen.add(q.key)
            questions.append(q)
    answers = 0
    for q in questions:
        if load(graph, q) is None:
            keep(graph, q, _search(graph, q, version), version)
            answers += 1
    targets = [(w.to_country.upper(), int(w.max_hops)) for w in watched]
    targets += [target for target, _ in asked.most_common(KEEP_TARGETS)]
    if not targets:  # nothing watched or asked yet: the countries the red flags watch
        targets = [(c, DEFAULT_MAX_HOPS) for c in FlagSettings().watched_countries]
    reaches = 0
    for to_country, max_hops in dict.fromkeys(targets):
        if not kept_reach.is_kept(graph, to_country, as_of, max_hops, version):
            kept_reach.find(graph, to_country, as_of, max_hops, version)
            reaches += 1
    return {"answers": answers, "reaches": reaches}

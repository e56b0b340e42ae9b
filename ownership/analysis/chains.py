"""Ownership chains between countries (``ownership chains``).

An analyst reads first how many chains there are, which companies they start from, and the
strongest ones; nobody reads 89,000 chains. So the search returns a :class:`ChainSearch`: the
total, the start entities (with their number of chains and strongest effective share) and any
page of the chains in one fixed order, all from one enumeration.

The enumeration is pruned to the part of the graph that can reach the target at all: a
backward pass from the targets, one query per level and bounded by the hop limit, finds every
entity within reach of a target and the in-force edges between them (each edge crosses the
wire once); the simple paths are then enumerated here, among those entities only, never
expanding an entity whose distance to the nearest target exceeds the hops left. The server's
exhaustive path query (``cypher.CHAINS``) is the reference the tests compare this with.
The effective share (the product of the shares along the chain) and the order are computed here,
in one place, so table, JSON, CSV, export, summary and the explorer agree.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from ownership import clock, cypher
from ownership.analysis import maintained, statements
from ownership.graph import Graph
from ownership.shares import share_text

DEFAULT_MAX_HOPS = 6
CHAIN_ENTITY_FIELDS = ("uid", "id", "name", "jurisdiction")  # the order cypher.CHAINS returns


@dataclass(frozen=True)
class Link:
    """One holding of a chain: an exact share, or only a band (several sources disagreeing,
    or a source giving a band), or nothing known; with the sources behind it."""

    share: float | None
    share_min: float | None = None
    share_max: float | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    sources: tuple[str, ...] = ()
    statements: tuple[str, ...] = ()
    disagree: bool = False
    stated: str = ""  # when the sources disagree: "70% (reg-a), 60% (reg-c)"
    # the source statements themselves, looked up only for the chains shown (a page)
    claims: tuple[statements.Claim, ...] = field(default=(), compare=False)

    @property
    def low(self) -> float | None:
        return self.share if self.share is not None else self.share_min

    @property
    def high(self) -> float | None:
        return self.share if self.share is not None else self.share_max


def product_percent(shares: list[float | None]) -> float | None:
    """The product of percentages, as a percentage; unknown when any factor is unknown."""
    result = 100.0
    for share in shares:
        if share is None:
            return None
        result *= share / 100.0
    return round(result, 6)


@dataclass
class Chain:
    """A path of ownership from a company to a target entity."""

    entities: list[dict[str, Any]]
    links: list[Link] = field(default_factory=list)

    @property
    def shares(self) -> list[float | None]:
        return [link.share for link in self.links]

    @property
    def effective_share(self) -> float | None:
        return product_percent(self.shares)

    @property
    def effective_share_min(self) -> float | None:
        return product_percent([link.low for link in self.links])

    @property
    def effective_share_max(self) -> float | None:
        return product_percent([link.high for link in self.links])

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(e["uid"] for e in self.entities)

    def disagreements(self) -> list[str]:
        """'Lion Gate Ventures → OOO Angara Hash: 70% (reg-a), 60% (reg-c)' for each link whose
        sources state different shares."""
        return [
            f"{owner['name']} → {owned['name']}: {link.stated}"
            for owner, owned, link in zip(
                self.entities, self.entities[1:], self.links, strict=False
            )
            if link.stated
        ]

    def records(self) -> list[str]:
        """Each link's source statements as their record keys ('SOURCE:RECORD_ID', several
        joined by '; '): what a table can show of them (JSON has every detail)."""
        return ["; ".join(link.statements) for link in self.links]

    def statement_rows(self) -> list[dict[str, Any]]:
        """One row per source statement of each link: which link (1 = from the start entity),
        owner and owned, and what the statement says, from which record of which file."""
        return [
            {
                "link": n,
                "owner": owner["name"],
                "owned": owned["name"],
                "share": share_text(claim.share, claim.share_min, claim.share_max),
                "source": claim.source,
                "record_id": claim.record_id,
                "file": claim.file,
                "start_date": claim.start_date,
                "end_date": claim.end_date,
                "imported_at": claim.imported_at,
            }
            for n, (owner, owned, link) in enumerate(
                zip(self.entities, self.entities[1:], self.links, strict=False), 1
            )
            for claim in link.claims
        ]

    def successions(self) -> list[str]:
        """A line "A merged into B" for each entity of the chain that was absorbed (the chain
        does not end there: its business went on at B)."""
        return [
            f"{e['name']} merged into {m['name'] or m['identifier']}"
            + (f" on {m['date']}" if m.get("date") else "")
            for e in self.entities
            for m in e.get("merged_into", ())
        ]

    def as_dict(self) -> dict[str, Any]:
        """The contract's JSON shape, plus band bounds, edge dates and successors."""
        return {
            "entities": [
                {
                    "id": e["id"],
                    "name": e["name"],
                    "jurisdiction": e["jurisdiction"],
                    "uid": e["uid"],
                    **({"merged_into": e["merged_into"]} if e.get("merged_into") else {}),
                }
                for e in self.entities
            ],
            "shares": self.shares,
            "effective_share": self.effective_share,
            "effective_share_min": self.effective_share_min,
            "effective_share_max": self.effective_share_max,
            "links": [
                {
                    "share": link.share,
                    "share_min": link.share_min,
                    "share_max": link.share_max,
                    "start_date": link.start_date.isoformat() if link.start_date else None,
                    "end_date": link.end_date.isoformat() if link.end_date else None,
                    "sources": list(link.sources),
                    "stated": link.stated or None,
                    "statements": [claim.as_dict() for claim in link.claims],
                }
                for link in self.links
            ],
        }


def _order(
    high: float | None, hops: int, names: tuple[str, ...], uids: tuple[str, ...]
) -> tuple[Any, ...]:
    """The contract's fixed order: effective share (upper bound) descending, unknown last, then
    fewer hops, then the names along the chain; the uids break exact ties (namesakes). Nothing
    more is needed: a pair has at most one holding in force on a day (ownership/holdings.py),
    so the entities along a chain decide its links."""
    return (high is None, -(high or 0.0), hops, names, uids)


def sort_key(chain: Chain) -> tuple[Any, ...]:
    """The fixed order of :func:`_order` for a whole chain."""
    return _order(
        chain.effective_share_max,
        len(chain.links),
        tuple(e["name"] or "" for e in chain.entities),
        chain.key,
    )


@dataclass
class Reach:
    """The part of the graph that can reach a target within the hop limit, in force on a date.

    ``distance`` is each entity's fewest hops to a target (0 for a target), ``owned`` the
    in-force edges out of each entity towards entities within reach, as (link, owned uid);
    ``entities`` holds what the walk needs of each (jurisdiction and kind) and what a chain
    shows of it (id and name), as the backward pass found them.
    """

    entities: dict[str, dict[str, Any]] = field(default_factory=dict)
    distance: dict[str, int] = field(default_factory=dict)
    owned: dict[str, list[tuple[Link, str]]] = field(default_factory=lambda: defaultdict(list))


def reach(graph: Graph, to_country: str, as_of: dt.date, max_hops: int) -> Reach:
    """The backward pass: holdings in the targets, then their owners level by level.

    Each edge row carries the link's numbers and what the walk and a chain need of the owner
    (cypher.REACH_FIELDS; of the target too on the first level): sources and statements
    are fetched for what is shown."""
    found = Reach()
    country = to_country.upper()
    width = len(cypher.REACH_FIELDS)
    edges = []
    for query in (cypher.CHAIN_TARGETS_REGISTERED, cypher.CHAIN_TARGETS_OPERATING):
        for row in graph.read(query, to_country=country, as_of=as_of):
            for edge in row["edges"]:
                uid = edge[0]  # the owned end of a holding in a target is a target
                found.distance[uid] = 0
                target = found.entities.setdefault(uid, {"uid": uid})
                target.update(zip(cypher.TARGET_FIELDS, edge[width:], strict=True))
                edges.append(edge[:width])
    for level in range(1, max_hops + 1):
        frontier: list[str] = []
        for row in sorted(
            (dict(zip(cypher.REACH_FIELDS, e, strict=True)) for e in edges), key=_edge_order
        ):
            uid = row["uid"]
            known = found.entities.setdefault(uid, {"uid": uid})
            known.update((k, row[k]) for k in REACH_ENTITY_FIELDS)
            if uid not in found.distance:
                found.distance[uid] = level
                frontier.append(uid)
            link = Link(*(row[k] for k in LINK_NUMBERS), disagree=bool(row["disagree"]))
            found.owned[uid].append((link, row["near"]))
        if level == max_hops or not frontier:
            break
        edges = [
            e for row in graph.read(cypher.CHAIN_REACH_STEP, uids=frontier, as_of=as_of)
            for e in row["edges"]
        ]  # fmt: skip
    return found


LINK_NUMBERS = ("share", "share_min", "share_max", "start_date", "end_date")  # Link's first fields
REACH_ENTITY_FIELDS = ("id", "name", "jurisdiction", "kind")  # of an owner, from its edge row


def _edge_order(row: dict[str, Any]) -> tuple[Any, ...]:
    """Edges in a fixed order, whatever order the server sent them in (a pair has at most one
    holding in force on a day, so owner and owned decide)."""
    return (row["uid"], row["near"])


def entity_names(graph: Graph, uids: set[str]) -> Iterator[list[Any]]:
    """[uid, id, name, jurisdiction] (:data:`CHAIN_ENTITY_FIELDS`) of the entities ``uids``,
    read in batches: what is shown of entities an enumeration found by uid only."""
    ordered = sorted(uids)
    for i in range(0, len(ordered), NAME_BATCH):
        for row in graph.read(cypher.ENTITY_NAMES, uids=ordered[i : i + NAME_BATCH]):
            yield from row["entities"]


NAME_BATCH = 10_000


@dataclass
class LookedUp:
    """What was looked up for the chains shown so far, to be looked up once for all the pages
    of one answer (one date): each link's holding details (sources, statement uids) by (owner
    uid, owned uid), the statements asked for each link, and each entity's successions
    (empty when it was not merged). Lives as long as one pass over the pages (an export), so
    it is never older than the pages it serves."""

    links: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    claims: dict[tuple[str, str], dict[str, statements.Claim]] = field(default_factory=dict)
    successors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class ChainAnswer:
    """The answer to one chain question, however it was obtained: the total, the start
    entities (their number of chains and strongest effective share) and any page of the chains
    in the fixed order.

    Two kinds: :class:`ChainSearch`, enumerated now and held compactly in memory, and
    :class:`ownership.analysis.kept_chains.KeptChains`, enumerated earlier on the same data
    and read back a page at a time. ``Chain`` objects are built only for what is shown (a
    page, or the export as it streams), and only then are the sources' statements looked up.
    """

    graph: Graph
    as_of: dt.date
    total: int
    disagree: bool  # whether the sources disagree on some link of some chain

    def bare(self, positions: list[int]) -> list[Chain]:
        """The chains at these places of the fixed order (all of them exist), bare: entities
        and the numbers of their links."""
        raise NotImplementedError

    def starts(self) -> list[dict[str, Any]]:
        """The start entities that reach the target: their number of chains and strongest
        effective share (upper bound), strongest first, then most chains, then by name."""
        raise NotImplementedError

    def page(
        self,
        limit: int | None = None,
        offset: int = 0,
        *,
        cite: bool = True,
        known: LookedUp | None = None,
    ) -> list[Chain]:
        """Chains ``offset`` to ``offset + limit`` of the fixed order (all from ``offset``
        without a limit), each link with its source statements (``cite``; without, only the
        statements of links on which sources disagree are read, for their ``stated`` text).
        ``known``: what earlier pages of the same answer looked up (:meth:`pages`)."""
        if offset < 0 or (limit is not None and limit < 0):
            raise ValueError("--limit and --offset must not be negative")
        end = self.total if limit is None else min(self.total, offset + limit)
        return self._shown(self.bare(list(range(offset, end))), cite, known)

    def pages(
        self, size: int, *, cite: bool = True, known: LookedUp | None = None
    ) -> Iterator[list[Chain]]:
        """Every chain, ``size`` at a time, as :meth:`page` builds them: each link and entity
        is looked up once for all the pages (the chains of a question share links and
        entities: the 89,121 chains JP → RU at 1M companies have 64,199 distinct links, the
        pages of 1,000 about twice as many in all), so an export costs what its distinct
        links cost."""
        known = known or LookedUp()
        with maintained.gc_paused():  # the export at 1M: 18 s of client CPU, 12.9 s paused
            for first in range(0, self.total, size):
                yield self.page(size, first, cite=cite, known=known)

    def merged(self, known: LookedUp) -> bool:
        """Whether an entity of some chain was merged into another company, before any page
        is built (an export's CSV header then has the ``merged_into`` column, as the unpaged
        CSV has): the successions of every entity looked up now, into ``known``, so that the
        pages that follow do not look them up again."""
        with maintained.gc_paused():
            for first in range(0, self.total, NAME_BATCH):
                chains = self.bare(list(range(first, min(self.total, first + NAME_BATCH))))
                _with_successors(self.graph, chains, known)
        return any(known.successors.values())

    def chains(self, positions: list[int]) -> list[Chain]:
        """The chains at these places of the fixed order (those that exist)."""
        return self._shown(self.bare([i for i in positions if 0 <= i < self.total]))

    def _shown(
        self, chains: list[Chain], cite: bool = True, known: LookedUp | None = None
    ) -> list[Chain]:
        """Chains about to be shown, with the sources and statements of their links (the
        search carried only their numbers), and successions."""
        known = known or LookedUp()
        chains = _with_link_details(self.graph, chains, self.as_of, known)
        chains = _with_statements(self.graph, chains, cite, known)
        return _with_successors(self.graph, chains, known)

    def summary(self) -> dict[str, Any]:
        """The contract's ``--summary`` document."""
        return {"total": self.total, "starts": self.starts()}


def starts_order(row: dict[str, Any]) -> tuple[Any, ...]:
    """Start entities strongest first, then most chains, then by name (the uid last)."""
    best = row["max_effective_share"]
    return (best is None, -(best or 0.0), -row["chains"], row["name"] or "", row["uid"])


@dataclass
class ChainSearch(ChainAnswer):
    """Every chain of one question, enumerated now: entity uids and links, in the fixed order."""

    graph: Graph
    reach: Reach
    paths: list[tuple[tuple[str, ...], tuple[Link, ...], float | None]]
    as_of: dt.date

    @property  # type: ignore[override]
    def total(self) -> int:
        return len(self.paths)

    @property  # type: ignore[override]
    def disagree(self) -> bool:
        return any(link.disagree for _, links, _ in self.paths for link in links)

    def bare(self, positions: list[int]) -> list[Chain]:
        entities = self.reach.entities
        return [
            Chain(
                [{k: entities[u][k] for k in CHAIN_ENTITY_FIELDS} for u in self.paths[i][0]],
                list(self.paths[i][1]),
            )
            for i in positions
        ]

    def starts(self) -> list[dict[str, Any]]:
        count: dict[str, int] = defaultdict(int)
        best: dict[str, float | None] = {}
        for uids, _, high in self.paths:
            start = uids[0]
            count[start] += 1
            if high is not None and (best.get(start) is None or high > best[start]):  # type: ignore[operator]
                best[start] = high
            else:
                best.setdefault(start, None)
        entities = self.reach.entities
        rows = [
            {
                "id": entities[uid]["id"],
                "name": entities[uid]["name"],
                "jurisdiction": entities[uid]["jurisdiction"],
                "uid": uid,
                "chains": count[uid],
                "max_effective_share": best[uid],
            }
            for uid in count
        ]
        return sorted(rows, key=starts_order)


def search_chains(
    graph: Graph,
    from_country: str,
    to_country: str,
    via: list[str] | tuple[str, ...] = (),
    as_of: dt.date | None = None,
    max_hops: int = DEFAULT_MAX_HOPS,
    progress: Callable[[int, int], None] | None = None,
    found: Reach | None = None,
) -> ChainSearch:
    """All chains in force on ``as_of`` (default today), enumerated within the backward reach
    of the targets (``found``: that reach, already known for this target, date and hop limit;
    by default the backward pass finds it); ``progress(done, total)`` is told after each start
    entity."""
    cypher.CHAINS.render(max_hops)  # the one check of the hop bound, for every entry point
    as_of = as_of or clock.today()
    found = found or reach(graph, to_country, as_of, max_hops)
    origin = from_country.upper()
    wanted = [cc.upper() for cc in via]
    starts = sorted(
        uid
        for uid, e in found.entities.items()
        if e.get("jurisdiction") == origin and e.get("kind") == "company" and found.owned.get(uid)
    )
    paths: list[tuple[tuple[str, ...], tuple[Link, ...], float | None]] = []
    with maintained.gc_paused():  # 81,603 chains at 1M: the collector walked them at each pass
        for done, start in enumerate(starts, 1):
            paths.extend(_walk(found, start, max_hops, wanted))
            if progress:
                progress(done, len(starts))
        entities = found.entities
        paths.sort(
            key=lambda p: _order(
                p[2], len(p[1]), tuple(entities[u]["name"] or "" for u in p[0]), p[0]
            )
        )
    return ChainSearch(graph, found, paths, as_of)


def _walk(
    found: Reach, start: str, max_hops: int, via: list[str]
) -> Iterator[tuple[tuple[str, ...], tuple[Link, ...], float | None]]:
    """Every simple path from ``start`` to a target within ``max_hops``: an entity is entered
    only when its distance to the nearest target fits in the hops left."""
    uids = [start]
    links: list[Link] = []
    on_path = {start}
    entities, distance, owned = found.entities, found.distance, found.owned

    def inner_ok() -> bool:
        inner = {entities[u]["jurisdiction"] for u in uids[1:-1]}
        return all(cc in inner for cc in via)

    def walk(uid: str, high: float | None) -> Iterator[Any]:
        hops = len(links) + 1
        for link, far in owned.get(uid, ()):
            if far in on_path or hops + distance[far] > max_hops:
                continue
            step = None if high is None or link.high is None else high * link.high / 100.0
            uids.append(far)
            links.append(link)
            if distance[far] == 0 and (not via or inner_ok()):
                yield tuple(uids), tuple(links), None if step is None else round(step, 6)
            if hops < max_hops:
                on_path.add(far)
                yield from walk(far, step)
                on_path.discard(far)
            uids.pop()
            links.pop()

    yield from walk(start, 100.0)


def find_chains(
    graph: Graph,
    from_country: str,
    to_country: str,
    via: list[str] | tuple[str, ...] = (),
    as_of: dt.date | None = None,
    max_hops: int = DEFAULT_MAX_HOPS,
) -> list[Chain]:
    """Every chain in force on ``as_of`` (default today), in the fixed order; statements are
    read only where sources disagree (every chain at once is never cited link by link)."""
    return search_chains(graph, from_country, to_country, via, as_of, max_hops).page(cite=False)


def exhaustive_chains(
    graph: Graph,
    from_country: str,
    to_country: str,
    via: list[str] | tuple[str, ...] = (),
    as_of: dt.date | None = None,
    max_hops: int = DEFAULT_MAX_HOPS,
) -> list[Chain]:
    """The same chains by the server's exhaustive path query (``cypher.CHAINS``): every path
    out of every start company. The reference the pruned search is tested and measured against."""
    rows = graph.read(
        cypher.CHAINS,
        max_hops=max_hops,
        from_country=from_country.upper(),
        to_country=to_country.upper(),
        via=[cc.upper() for cc in via],
        as_of=as_of or clock.today(),
    )
    chains = [
        Chain(
            entities=[
                dict(zip(CHAIN_ENTITY_FIELDS, entity, strict=True)) for entity in row["entities"]
            ],
            links=[_link(*link) for link in row["links"]],  # the fields in Link's order
        )
        for row in rows
    ]
    return sorted(_with_successors(graph, _with_statements(graph, chains)), key=sort_key)


def _link(
    share: float | None,
    share_min: float | None,
    share_max: float | None,
    start_date: dt.date | None,
    end_date: dt.date | None,
    sources: list[str] | None,
    statements: list[str] | None,
    disagree: bool | None,
) -> Link:
    return Link(
        share,
        share_min,
        share_max,
        start_date,
        end_date,
        tuple(sources or ()),
        tuple(statements or ()),
        bool(disagree),
    )


def _with_link_details(
    graph: Graph, chains: list[Chain], as_of: dt.date, known: LookedUp
) -> list[Chain]:
    """Give the links of ``chains`` the sources and statements of their holdings (one look-up
    for all the pairs of the chains not ``known`` yet)."""
    found = known.links
    pairs = sorted(
        {
            (a["uid"], b["uid"])
            for c in chains
            for a, b in zip(c.entities, c.entities[1:], strict=False)
        }
        - found.keys()
    )
    for i in range(0, len(pairs), NAME_BATCH):
        batch = [list(pair) for pair in pairs[i : i + NAME_BATCH]]
        for row in graph.read(cypher.CHAIN_LINK_DETAILS, pairs=batch, as_of=as_of):
            found[(row["owner"], row["owned"])] = row
    for chain in chains:
        chain.links = [
            replace(
                link,
                sources=tuple(found[(a["uid"], b["uid"])]["sources"] or ()),
                statements=tuple(found[(a["uid"], b["uid"])]["statements"] or ()),
            )
            for a, b, link in zip(chain.entities[:-1], chain.entities[1:], chain.links, strict=True)
        ]
    return chains


def _with_statements(
    graph: Graph, chains: list[Chain], cite: bool = True, known: LookedUp | None = None
) -> list[Chain]:
    """Give every link of these chains (a page: never every chain of a search) the source
    statements it rests on (``cite``), and say which source states what where they disagree;
    one look-up for all the links not ``known`` yet. Without ``cite`` only the few
    disagreeing links are read."""
    found = (known or LookedUp()).claims
    asked = {
        (owner["uid"], owned["uid"]): link.statements
        for c in chains
        for owner, owned, link in zip(c.entities, c.entities[1:], c.links, strict=False)
        if cite or link.disagree
    }
    new = {pair: uids for pair, uids in asked.items() if pair not in found}
    for pair in new:
        found[pair] = {}  # a statement no longer in the graph stays out
    for uid, claim in statements.claims(
        graph, (pair + (uids,) for pair, uids in new.items())
    ).items():
        found[(claim.owner, claim.owned)][uid] = claim
    if not any(found[pair] for pair in asked):
        return chains
    for chain in chains:
        links = []
        for owner, owned, link in zip(
            chain.entities, chain.entities[1:], chain.links, strict=False
        ):
            of_link = found.get((owner["uid"], owned["uid"]), {})
            claims = tuple(of_link[u] for u in link.statements if u in of_link)
            stated = statements.stated(claims) if link.disagree else link.stated
            links.append(replace(link, claims=claims if cite else (), stated=stated))
        chain.links = links
    return chains


def _with_successors(
    graph: Graph, chains: list[Chain], known: LookedUp | None = None
) -> list[Chain]:
    """Mark the entities of the chains that were merged into another company (one look-up for
    all of them not ``known`` yet): ``merged_into`` = [{identifier, id, name, uid, date}].
    Succession is not ownership, so it changes no share; it says where an absorbed company's
    business went."""
    found = (known or LookedUp()).successors
    uids = sorted({e["uid"] for c in chains for e in c.entities} - found.keys())
    for uid in uids:
        found[uid] = []
    if uids:
        for row in graph.read(cypher.SUCCESSORS_OF, uids=uids):
            if row["successor_uid"] != row["uid"]:
                found[row["uid"]].append(
                    {
                        "identifier": row["identifier"],
                        "id": row["id"],
                        "name": row["name"],
                        "uid": row["successor_uid"],
                        "date": row["date"],
                    }
                )
    for chain in chains:
        for entity in chain.entities:
            if found.get(entity["uid"]):
                entity["merged_into"] = found[entity["uid"]]
    return chains

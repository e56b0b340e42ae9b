"""Ownership gaps: how much of an entity its known direct owners account for, and whether any
natural person was reached going up (``62 % known; 38 % unaccounted for``).

Registries often record only some shareholders; an analyst needs to see what is missing before
trusting "no sanctioned owner". Known = the sum of the direct holdings in force (``HOLDS``: one
per owner, whatever the number of sources stating it); a band contributes its bounds, a holding
with no share at all 0 and 100 (the query ``entity_known_share`` states this once, for one
entity and for every company). Unaccounted = 100 minus known.

The filter looks at every company; ``ownership import`` and ``refresh`` keep its answer for
every date (:mod:`ownership.analysis.timelines`, :func:`keep`), so any date is a small read
of numbers and the names of the companies shown.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:
    from ownership.numeric import np

from ownership import cypher
from ownership.analysis import maintained
from ownership.analysis.entities import EntityRef
from ownership.analysis.owners import Holding
from ownership.analysis.stats import data_version
from ownership.graph import Graph


@dataclass
class Gap:
    known_min: float
    known_max: float
    direct_owners: int
    persons: list[str] = field(default_factory=list)  # natural persons reached (ultimate owners)
    person_reached: bool = False

    @classmethod
    def of(cls, row: dict[str, Any], persons: list[str], reached: bool) -> Gap:
        return cls(
            round(min(100.0, float(row["known_min"] or 0.0)), 6),
            round(min(100.0, float(row["known_max"] or 0.0)), 6),
            int(row["owners"] or 0),
            persons,
            reached,
        )

    @property
    def unaccounted_min(self) -> float:
        return round(max(0.0, 100.0 - self.known_max), 6)

    @property
    def unaccounted_max(self) -> float:
        return round(max(0.0, 100.0 - self.known_min), 6)

    def text(self) -> str:
        known = _range(self.known_min, self.known_max)
        missing = _range(self.unaccounted_min, self.unaccounted_max)
        if self.persons:
            person = "natural person reached: " + ", ".join(self.persons)
        else:
            person = (
                "natural person reached" if self.person_reached else "no natural person reached"
            )
        return f"{known} known; {missing} unaccounted for; {person}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "known_min": self.known_min,
            "known_max": self.known_max,
            "unaccounted_min": self.unaccounted_min,
            "unaccounted_max": self.unaccounted_max,
            "direct_owners": self.direct_owners,
            "person_reached": self.person_reached,
            "persons": self.persons,
        }


def _range(low: float, high: float) -> str:
    return f"{low:g} %" if abs(high - low) < 1e-9 else f"{low:g}–{high:g} %"


def ownership_gap(graph: Graph, ref: EntityRef, as_of: dt.date, owners: Sequence[Holding]) -> Gap:
    """The gap of ``ref`` on ``as_of``; ``owners`` is its owner list (``owners.owners``), which
    names the natural persons reached."""
    rows = graph.read(cypher.ENTITY_KNOWN_SHARE, uid=ref.uid, as_of=as_of)
    persons = sorted({h.name for h in owners if h.ultimate})
    return Gap.of(rows[0], persons, bool(persons))


@dataclass
class CompanyGap:
    """One company of the ownership-gaps filter."""

    uid: str
    id: str
    name: str
    jurisdiction: str | None
    gap: Gap

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uid": self.uid,
            "name": self.name,
            "jurisdiction": self.jurisdiction,
            **self.gap.as_dict(),
        }


def reached_by_persons(graph: Graph, as_of: dt.date) -> set[str]:
    """Every entity some natural person holds on ``as_of``, directly or through others: walked
    down level by level from the persons' direct holdings, each entity once."""
    rows = graph.read(cypher.PERSON_HOLDINGS, as_of=as_of)
    frontier = set(rows[0]["uids"]) if rows else set()
    reached = set(frontier)
    while frontier:
        rows = graph.read(cypher.HELD_BY, uids=sorted(frontier), as_of=as_of)
        frontier = set(rows[0]["uids"] if rows else ()) - reached
        reached |= frontier
    return reached


KIND = "gaps"  # what the maintained filter is kept under
TIMELINE_KEY = "every date"  # one kept answer for every date (ownership.analysis.timelines)
CHUNK = 2_000  # companies per kept document (names and identifiers)


@dataclass
class GapPage:
    """The ownership-gaps filter on one date: how many companies pass, and companies
    ``offset`` to ``offset + len(gaps)`` of its order (largest unaccounted share first)."""

    as_of: dt.date
    total: int
    gaps: list[CompanyGap]
    offset: int = 0

    def summary(self) -> dict[str, Any]:
        return {"as_of": self.as_of, "total": self.total}


def keep(graph: Graph, rows: Iterable[list[Any]], version: str) -> None:
    """Keep the gaps of every date, the rows ``[uid, id, name, jurisdiction, cuts, values]``
    of :func:`ownership.analysis.timelines.gap_timeline` (``cuts``: the days on which a
    company's second and later pieces begin; ``values``: ``known_min, known_max,
    direct_owners, person_reached`` of each piece in turn), for data ``version``, so that a
    date's filter is worked out from numbers alone (:class:`KeptGaps`): a header of packed
    columns (each company's number of cuts, the cuts, each piece's value as a position in a
    list of the distinct values: 53,816 for the 1.66 million pieces of a million companies)
    and the companies' names and identifiers, :data:`CHUNK` to a document, in the order
    (name, uid) that breaks the filter's ties.

    ``rows`` come in that order, one at a time (a generator): each company's names are
    written away as it comes (:class:`maintained.Spool`) and only its numbers are held (a
    million companies' rows held whole took ~0.4 GB)."""
    palette: dict[tuple[Any, ...], int] = {}
    cuts_per_company, cuts, values = array("i"), array("i"), array("i")
    before: tuple[str, str] | None = None
    with maintained.Spool() as spool:
        for row in rows:
            if before is not None and (row[2] or "", row[0]) < before:
                raise ValueError(f"gaps to keep out of (name, uid) order at {row[0]}")
            before = (row[2] or "", row[0])
            spool.add(row[:4])
            cuts_per_company.append(len(row[4]))
            cuts.extend(row[4])
            flat = row[5]
            for at in range(0, len(flat), 4):
                values.append(palette.setdefault(tuple(flat[at : at + 4]), len(palette)))
        header = {
            "values": list(palette),
            "cuts_per_company": maintained.pack(np.frombuffer(cuts_per_company, np.int32)),
            "cuts": maintained.pack(np.frombuffer(cuts, np.int32)),
            "pieces": maintained.pack(np.frombuffer(values, np.int32)),
        }
        firsts = range(0, len(spool), CHUNK)
        chunks = spool.documents(list(range(len(spool))), CHUNK)  # read back as they are written
        maintained.store_documents(
            graph, KIND, TIMELINE_KEY, None, chain([header], chunks), version,
            count=1 + len(firsts),
        )  # fmt: skip


@dataclass
class KeptGaps:
    """The gaps of every date kept by :func:`keep`, their header read: a date's filter and
    order are worked out from the numbers, and only the documents of the companies shown are
    read (each once)."""

    graph: Graph
    version: str
    values: list[Gap]  # the distinct gaps
    reached: np.ndarray  # per distinct gap: a natural person is reached
    unaccounted: np.ndarray  # per distinct gap: the most unaccounted for
    first_piece: np.ndarray  # per company (in name order): its first piece
    owner_of_cut: np.ndarray  # per cut: its company
    cuts: np.ndarray
    pieces: np.ndarray  # per piece: its gap, a position in ``values``
    _chunks: dict[int, list[list[Any]]] = field(default_factory=dict)

    @classmethod
    def load(cls, graph: Graph) -> KeptGaps | None:
        """The kept gaps while the data has not changed since, or None."""
        version = data_version(graph)[0]
        documents = maintained.load_documents(graph, KIND, TIMELINE_KEY, [0], version)
        if documents is None:
            return None
        [header] = documents
        counts = maintained.unpack(header["cuts_per_company"], np.int32)
        first_piece = np.zeros(len(counts), dtype=np.int64)
        np.cumsum(counts[:-1] + 1, out=first_piece[1:])
        with maintained.gc_paused():  # 53,816 values at 1M: 0.33 s with the collector walking
            values = [
                Gap(float(low), float(high), owners, [], reached)
                for low, high, owners, reached in header["values"]
            ]
        return cls(
            graph,
            version,
            values,
            np.array([g.person_reached for g in values], dtype=bool),
            np.array([g.unaccounted_max for g in values], dtype=np.float64),
            first_piece,
            np.repeat(np.arange(len(counts)), counts),
            maintained.unpack(header["cuts"], np.int32),
            maintained.unpack(header["pieces"], np.int32),
        )

    def on(self, as_of: dt.date, person_reached: bool | None = False) -> tuple[Any, Any]:
        """The companies (positions in name order) passing the filter on ``as_of``, in its
        order (largest unaccounted share first, then name and uid: the kept order), and each
        company's gap that day (a position in :attr:`values`)."""
        day = as_of.toordinal()
        passed = np.bincount(self.owner_of_cut[self.cuts <= day], minlength=len(self.first_piece))
        gap = self.pieces[self.first_piece + passed]
        if person_reached is None:
            chosen = np.arange(len(gap))
        else:
            chosen = np.flatnonzero(self.reached[gap] == person_reached)
        return chosen[np.argsort(-self.unaccounted[gap[chosen]], kind="stable")], gap

    def gaps(self, companies: Any, gap: Any) -> list[CompanyGap] | None:
        """Companies ``companies`` (positions in name order) with their gaps ``gap`` (of
        :meth:`on`); None when the data changed since the header was read."""
        wanted = sorted({int(c) // CHUNK + 1 for c in companies} - set(self._chunks))
        if wanted:
            documents = maintained.load_documents(
                self.graph, KIND, TIMELINE_KEY, wanted, self.version
            )
            if documents is None:
                return None
            self._chunks.update(zip(wanted, documents, strict=True))
        values = [(v.known_min, v.known_max, v.direct_owners) for v in self.values]
        reached = [v.person_reached for v in self.values]
        with maintained.gc_paused():
            return [
                CompanyGap(
                    *self._chunks[c // CHUNK + 1][c % CHUNK], Gap(*values[g], [], reached[g])
                )
                for c, g in zip(companies.tolist(), gap[companies].tolist(), strict=True)
            ]


def company_gaps(
    graph: Graph, as_of: dt.date, person_reached: bool | None = False
) -> list[CompanyGap]:
    """Companies with their ownership gap on ``as_of``; ``person_reached=False`` keeps those
    no natural person reaches ("no ultimate owner found"), True those one does, None all.
    Largest unaccounted share first, then name (:func:`gap_page` without a limit)."""
    return gap_page(graph, as_of, person_reached).gaps


def gap_page(
    graph: Graph,
    as_of: dt.date,
    person_reached: bool | None = False,
    limit: int | None = None,
    offset: int = 0,
) -> GapPage:
    """How many companies pass the filter on ``as_of`` (:func:`company_gaps`), and companies
    ``offset`` to ``offset + limit`` of its order (all from ``offset`` without a limit): read
    from the gaps of every date the last import or refresh kept while the data has not
    changed since (:class:`KeptGaps`), else :func:`compute_company_gaps`."""
    if offset < 0 or (limit is not None and limit < 0):
        raise ValueError("--limit and --offset must not be negative")
    end = None if limit is None else offset + limit
    kept = KeptGaps.load(graph)
    if kept is not None:
        chosen, gap = kept.on(as_of, person_reached)
        shown = kept.gaps(chosen[offset:end], gap)
        if shown is not None:
            return GapPage(as_of, len(chosen), shown, offset)
    found = compute_company_gaps(graph, as_of)
    if person_reached is not None:
        found = [c for c in found if c.gap.person_reached == person_reached]
    return GapPage(as_of, len(found), found[offset:end], offset)


def _order(c: CompanyGap) -> tuple[float, str, str]:
    return (-c.gap.unaccounted_max, c.name or "", c.uid)


def compute_company_gaps(graph: Graph, as_of: dt.date) -> list[CompanyGap]:
    """Every company with its gap on ``as_of``, in the filter's order, computed."""
    reached = reached_by_persons(graph, as_of)
    found = [
        CompanyGap(
            row["uid"],
            row["id"],
            row["name"],
            row["jurisdiction"],
            Gap.of(row, [], row["uid"] in reached),
        )
        for row in graph.read(cypher.COMPANIES_KNOWN_SHARE, as_of=as_of)
    ]
    return sorted(found, key=_order)

"""Red flags and ownership gaps for every date at once, kept as pieces valid between two dates.

Both look at the whole graph, and both depend on the date only through which holdings and
officer roles are in force and which listings have begun: between two consecutive days on
which one of these starts or stops, the answer is the same. So ``ownership import`` and
``refresh`` work out, once, each flagged entity's flags and each company's gap as *pieces*
``[since, until)`` with the value they have on every day in between, and keep them
(:func:`ownership.analysis.flags.keep`, :func:`ownership.analysis.gaps.keep`); the answer for
ANY date is then a small read, a filter and the texts of the page shown
(:class:`ownership.analysis.flags.KeptFlags`, :class:`ownership.analysis.gaps.KeptGaps`),
where computing it took 11–20 s at 100,000 companies.

The pieces are worked out here, in Python, from the graph with its dates read whole (every
holding and entity in one query each, streamed into numpy columns, :class:`DatedGraph`; the
officer roles of possible hubs, the cycles and the restructurings by the queries of their own
rule), and handed on a piece at a time to be written away as they come: the importing process
keeps a million companies' answers under 1 GB resident. The on-date detectors of
:mod:`ownership.analysis.flags` and :mod:`ownership.analysis.gaps` stay the reference: the
tests compare both on every day where something changes, on the seed and on generated
registries. The flags' texts are built by the same functions in both.

Days are ordinals (``date.toordinal``): ``BEFORE`` stands for "since always", ``AFTER`` for
"never ends". A piece holds on day D when ``since <= D < until``, the contract's rule.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import numpy as np
else:
    from ownership.numeric import np

from ownership import cypher
from ownership.analysis import maintained
from ownership.analysis.flags import (
    Flag,
    FlagSettings,
    circular_detail,
    new_intermediary_flag,
    officer_hub_detail,
    over_owned_flag,
    restructured_flag,
    restructuring,
    shared_address,
    transit_flag,
)
from ownership.analysis.flags import keep as keep_flags
from ownership.analysis.gaps import keep as keep_gaps
from ownership.graph import Graph

BEFORE, AFTER = 0, dt.date.max.toordinal() + 1
Span = tuple[int, int]
ALWAYS: Span = (BEFORE, AFTER)
V = TypeVar("V")


def span(start: dt.date | None, end: dt.date | None, retired: dt.date | None = None) -> Span:
    """The days a fact is in force: from its start, until its end or its retirement."""
    until = min((d.toordinal() for d in (end, retired) if d is not None), default=AFTER)
    return (start.toordinal() if start is not None else BEFORE, until)


def meet(a: Span, b: Span) -> Span | None:
    since, until = max(a[0], b[0]), min(a[1], b[1])
    return (since, until) if since < until else None


def union(spans: Iterable[Span]) -> list[Span]:
    """Disjoint, sorted spans covering the same days."""
    merged: list[Span] = []
    for since, until in sorted(spans):
        if merged and since <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], until))
        else:
            merged.append((since, until))
    return merged


def minus(spans: list[Span], taken: list[Span]) -> list[Span]:
    """The days of ``spans`` not in ``taken`` (both disjoint and sorted)."""
    left: list[Span] = []
    for since, until in spans:
        for t_since, t_until in taken:
            if t_until <= since or until <= t_since:
                continue
            if t_since > since:
                left.append((since, t_since))
            since = max(since, t_until)
            if since >= until:
                break
        if since < until:
            left.append((since, until))
    return left


def pieces(
    items: list[tuple[Span, Any]], value: Callable[[list[Any]], V | None]
) -> list[tuple[int, int, V]]:
    """The timeline of ``value`` over the items in force: cut wherever an item starts or
    stops, ``value`` of the items in force on each stretch (None: nothing there), and
    neighbouring stretches with the same value joined."""
    items = [(days, item) for days, item in items if days[0] < days[1]]  # never in force
    cuts = sorted({d for (since, until), _ in items for d in (since, until)} | {BEFORE, AFTER})
    found: list[tuple[int, int, V]] = []
    for since, until, live in zip(cuts, cuts[1:], _live(items, cuts), strict=False):
        if not live:
            continue
        found_value = value(live)
        if found_value is None:
            continue
        if found and found[-1][1] == since and found[-1][2] == found_value:
            found[-1] = (found[-1][0], until, found_value)
        else:
            found.append((since, until, found_value))
    return found


def _live(items: list[tuple[Span, Any]], cuts: list[int]) -> Iterable[list[Any]]:
    """The items in force from each cut to the next, in the order given: looked for among
    all of them when they are few (a company's owners), swept when many (an officer's roles)."""
    if len(items) <= 8:
        for cut in cuts:
            yield [item for (since, until), item in items if since <= cut < until]
        return
    starting: dict[int, list[int]] = defaultdict(list)
    ending: dict[int, list[int]] = defaultdict(list)
    for i, ((since, until), _) in enumerate(items):
        starting[since].append(i)
        ending[until].append(i)
    live: dict[int, Any] = {}
    for cut in cuts:
        for i in ending.get(cut, ()):
            live.pop(i, None)
        for i in starting.get(cut, ()):
            live[i] = items[i][1]
        yield [live[i] for i in sorted(live)]


# -- the graph with its dates --------------------------------------------------------------

NO_DAY = 0  # a date column's "no date" (ordinals start at 1)
PREFIX = 32  # bytes of a name that :meth:`DatedGraph.by_name` sorts by in numpy


class Texts:
    """Many strings (or None) as one UTF-8 buffer and where each ends: a million companies'
    identifiers and names as Python strings took ~0.25 GB (49 bytes of object each, and a
    pointer in a list), here ~0.08 GB. Read back one at a time, for the entities shown."""

    __slots__ = ("_data", "_ends", "_none")

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends = array("q")
        self._none: set[int] = set()  # which are None (rare: a nameless entity)

    def append(self, value: str | None) -> None:
        if value is None:
            self._none.add(len(self._ends))
        else:
            self._data += value.encode()
        self._ends.append(len(self._data))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> str | None:
        if i in self._none:
            return None
        return self._data[self._ends[i - 1] if i else 0 : self._ends[i]].decode()

    def take(self, chosen: np.ndarray) -> Texts:
        """The strings ``chosen`` (places), in that order."""
        taken = Texts()
        data, ends = self._data, self._ends
        pieces, at = [], 0
        for n, i in enumerate(chosen.tolist()):
            start = ends[i - 1] if i else 0
            pieces.append(data[start : ends[i]])
            at += ends[i] - start
            taken._ends.append(at)
            if i in self._none:
                taken._none.add(n)
        taken._data = bytearray(b"".join(pieces))
        return taken

    def joined(self, then: Texts) -> Texts:
        """These strings, then those of ``then``."""
        both = Texts()
        both._data = self._data + then._data
        both._ends = array("q", self._ends)
        both._ends.extend(end + len(self._data) for end in then._ends)
        both._none = self._none | {i + len(self) for i in then._none}
        return both

    def packed(self) -> dict[str, Any]:
        """The strings as a kept document's part (:meth:`unpacked` reads it back)."""
        return {
            "data": maintained.pack(np.frombuffer(bytes(self._data), dtype=np.uint8)),
            "ends": maintained.pack(np.frombuffer(self._ends, dtype=np.int64)),
            "none": sorted(self._none),
        }

    @classmethod
    def unpacked(cls, doc: dict[str, Any]) -> Texts:
        texts = cls()
        texts._data = bytearray(maintained.unpack(doc["data"], np.uint8).tobytes())
        texts._ends = array("q", maintained.unpack(doc["ends"], np.int64).tobytes())
        texts._none = set(doc["none"])
        return texts

    def prefixes(self, chosen: np.ndarray, size: int) -> np.ndarray:
        """The first ``size`` bytes of each of the ``chosen`` strings (None as empty), as one
        fixed-width column numpy sorts."""
        found = np.zeros(len(chosen), dtype=f"S{size}")
        data, ends = self._data, self._ends
        for at, i in enumerate(chosen.tolist()):
            start = ends[i - 1] if i else 0
            found[at] = bytes(data[start : min(ends[i], start + size)])
        return found


class _Codes(dict[Any, int]):
    """Each distinct value (a country, a kind, a tuple of countries) numbered as first seen."""

    def __call__(self, value: Any) -> int:
        return self.setdefault(value, len(self))

    def values_by_code(self) -> list[Any]:
        return list(self)  # a dict keeps the order of insertion: code n is the n-th


@dataclass
class DatedGraph:
    """Every entity and every holding with their dates, as columns: entities are numbered in
    the order read (``uid``, ``ids``, ``names``, codes of ``jurisdiction`` and ``operates_in``,
    ``incorporated`` as an ordinal, :data:`NO_DAY` for none, and the flags ``company``,
    ``person``, ``listed``), holdings in the order of their owners (``owner``, ``owned`` by
    number, ``since`` / ``until`` their days in force, shares with NaN for none, the code of
    their ``kind``, ``direct``, ``held_since``), an entity's holdings ``out`` from
    ``out_start[i]`` to ``out_start[i + 1]``, those ``into`` it at ``into[into_start[i]:
    into_start[i + 1]]``, in the order read; and every officer role (``role_person``,
    ``role_company`` by number, ``role_since`` / ``role_until`` its days), an officer's from
    ``role_start[i]`` to ``role_start[i + 1]``. At a million companies a million small objects
    each (entities, holdings, their tuples and dicts) took ~0.9 GB; the columns ~0.2 GB
    (``docs/benchmarks.md``). Walks read them through ``memoryview``s, which hand out plain
    Python numbers."""

    uid: np.ndarray  # bytes (UTF-8), fixed width
    ids: Texts
    names: Texts
    jurisdictions: list[str | None]  # by code
    jurisdiction: np.ndarray
    operating: list[tuple[str, ...]]  # by code
    operates_in: np.ndarray
    incorporated: np.ndarray
    company: np.ndarray
    person: np.ndarray
    listed: np.ndarray  # on some sanctions list, whatever the dates (as the flags' targets are)
    owner: np.ndarray
    owned: np.ndarray
    since: np.ndarray
    until: np.ndarray
    share: np.ndarray
    share_min: np.ndarray
    share_max: np.ndarray
    kinds: list[str]  # by code
    kind: np.ndarray
    direct: np.ndarray
    held_since: np.ndarray
    ended: np.ndarray  # the stated end date (whatever the retirement), :data:`NO_DAY` for none
    disagree: np.ndarray  # statements with different shares: 1, 0, or -1 where not said
    out_start: np.ndarray
    into_start: np.ndarray
    into: np.ndarray
    role_person: np.ndarray
    role_company: np.ndarray
    role_since: np.ndarray
    role_until: np.ndarray
    _by_uid: np.ndarray = field(init=False)  # the numbers in the order of their uids
    views: _Views = field(init=False)  # the columns walked a value at a time
    role_start: np.ndarray = field(init=False)  # where each entity's roles start

    def __post_init__(self) -> None:
        self._by_uid = np.argsort(self.uid, kind="stable")
        self.views = _Views(self)
        self.role_start = np.searchsorted(self.role_person, np.arange(len(self.uid) + 1))

    @classmethod
    def read(cls, graph: Graph) -> DatedGraph:
        """Read the graph with its dates, a row at a time (:meth:`Graph.stream`): at a million
        companies the two queries' rows collected into one list each peaked at 2.72 GB, streamed
        into objects 1.01 GB, into columns ~0.3 GB (``docs/benchmarks.md``). A holding whose
        end was not among the entities read (created meanwhile) is left out: the answers are
        then stale for the data version read before, never passed off as current."""
        entities = _EntityColumns()
        for row in graph.stream(cypher.DATED_ENTITIES):
            entities.add(row["entity"])
        uid, by_uid = entities.uids()
        holdings = _HoldingColumns()
        for rows in _batches(graph.stream(cypher.DATED_HOLDINGS), "holding"):
            holdings.add(rows, uid, by_uid)
        roles = _RoleColumns()
        for rows in _batches(graph.stream(cypher.DATED_ROLES), "role"):
            roles.add(rows, uid, by_uid)
        return cls.assemble(entities.columns(uid), holdings.columns(), roles.columns())

    def patch(self, graph: Graph, touched: Iterable[str]) -> DatedGraph:
        """The dated graph after a change that touched only the entities ``touched`` (uids):
        their rows and every holding and officer role out of or into them read again, the rest
        taken from this one. Equal, column for column, to :meth:`read` of the changed graph when every entity
        the change wrote, and every owner whose holdings it derived again, is among them (a
        refresh's :attr:`ownership.refresh.replace.Changes.entities`): the canonical order
        (:meth:`assemble`) makes the result independent of the order rows come in."""
        wanted = sorted(set(touched))
        hit = np.zeros(len(self.uid), dtype=bool)
        found = _numbers(self.uid, self._by_uid, wanted)
        hit[found[found >= 0]] = True
        stays = np.flatnonzero(~hit)
        fresh = _EntityColumns()
        for start in range(0, len(wanted), PATCH_BATCH):
            chunk = wanted[start : start + PATCH_BATCH]
            for row in graph.read(cypher.DATED_ENTITIES_OF, uids=chunk):
                fresh.add(row["entity"])
        entities = _Columns.joined(self.entity_columns(stays), fresh.columns(fresh.uids()[0]))
        uid = entities.arrays["uid"]
        by_uid = np.argsort(uid, kind="stable")
        kept = np.flatnonzero(~(hit[self.owner] | hit[self.owned]))
        old_to_new = np.full(len(self.uid), -1, dtype=np.int64)
        old_to_new[stays] = np.arange(len(stays))
        patched = set(wanted)

        def read_again(
            out_of: cypher.Query,
            into: cypher.Query,
            field: str,
            found: _HoldingColumns | _RoleColumns,
        ) -> _Columns:
            """The edges out of and into the entities patched (``out_of`` and ``into``,
            rows under ``field``), each once: one between two of them is read from its
            first end."""
            for start in range(0, len(wanted), PATCH_BATCH):
                chunk = wanted[start : start + PATCH_BATCH]
                rows = [r[field] for r in graph.read(out_of, uids=chunk)]
                rows += [
                    r[field] for r in graph.read(into, uids=chunk) if r[field][0] not in patched
                ]
                found.add(rows, uid, by_uid)
            return found.columns()

        both = _Columns.joined(
            self.holding_columns(kept, old_to_new),
            read_again(cypher.DATED_HOLDINGS_OUT_OF, cypher.DATED_HOLDINGS_INTO, "holding",
                       _HoldingColumns()),
        )  # fmt: skip
        stay = np.flatnonzero(~(hit[self.role_person] | hit[self.role_company]))
        all_roles = _Columns.joined(
            self.role_columns(stay, old_to_new),
            read_again(cypher.DATED_ROLES_OF, cypher.DATED_ROLES_IN, "role", _RoleColumns()),
        )
        return type(self).assemble(entities, both, all_roles)

    @classmethod
    def assemble(cls, entities: _Columns, holdings: _Columns, roles: _Columns) -> DatedGraph:
        """The dated graph of these rows in its canonical order, whatever order they were read
        in: entities by uid, holdings by owner, owned and then every value, each list of codes
        (countries, kinds) sorted with only the codes used. The server's order of rows is not
        the same from one read to the next (nor from one server to the other), a patch adds
        what it reads again at the end, and the walks follow the order of holdings (shares
        summed as floats before rounding, the items of each piece): kept and patched after a
        refresh (:meth:`patch`), the columns are then exactly those a fresh read gives."""
        uid = entities.arrays.pop("uid")
        uid = uid.astype(f"S{max(1, int(np.char.str_len(uid).max(initial=0)))}")
        order = np.argsort(uid, kind="stable")
        place = np.empty(len(order), dtype=np.int64)
        place[order] = np.arange(len(order))
        e = entities.taken(order)
        h = holdings.arrays
        owner, owned = place[h["owner"]].astype(np.int32), place[h["owned"]].astype(np.int32)
        kinds, kind = _canonical_codes(holdings.codes["kinds"], h["kind"], np.int8)
        keys = [h[k] for k in reversed(_HoldingColumns.VALUES) if k != "kind"]
        by = np.lexsort([*keys, kind, owned, owner]) if len(owner) else np.zeros(0, np.int64)
        jurisdictions, jurisdiction = _canonical_codes(
            e.codes["jurisdictions"], e.arrays["jurisdiction"], np.int32
        )
        operating, operates_in = _canonical_codes(
            e.codes["operating"], e.arrays["operates_in"], np.int32
        )
        n = len(uid)
        owner, owned = owner[by], owned[by]
        into = np.argsort(owned, kind="stable").astype(np.int32)
        r = roles.arrays
        person, company = place[r["person"]].astype(np.int32), place[r["company"]].astype(np.int32)
        by_role = np.lexsort([r["until"], r["since"], company, person])
        return cls(
            uid[order], e.texts["ids"], e.texts["names"], jurisdictions, jurisdiction,
            operating, operates_in,
            *(e.arrays[k] for k in ("incorporated", "company", "person", "listed")),
            owner, owned, h["since"][by], h["until"][by],
            *(h[k][by] for k in ("share", "share_min", "share_max")),
            kinds, kind[by], h["direct"][by],
            *(h[k][by] for k in ("held_since", "ended", "disagree")),
            np.searchsorted(owner, np.arange(n + 1)).astype(np.int64),
            np.searchsorted(owned[into], np.arange(n + 1)).astype(np.int64),
            into,
            person[by_role], company[by_role], r["since"][by_role], r["until"][by_role],
        )  # fmt: skip

    def entity_columns(self, chosen: np.ndarray) -> _Columns:
        """The entities ``chosen`` (numbers) as the columns :meth:`assemble` takes."""
        return _Columns(
            {"uid": self.uid[chosen], "jurisdiction": self.jurisdiction[chosen],
             "operates_in": self.operates_in[chosen], "incorporated": self.incorporated[chosen],
             "company": self.company[chosen], "person": self.person[chosen],
             "listed": self.listed[chosen]},
            {"ids": self.ids.take(chosen), "names": self.names.take(chosen)},
            {"jurisdictions": list(self.jurisdictions), "operating": list(self.operating)},
        )  # fmt: skip

    def holding_columns(self, chosen: np.ndarray, renumber: np.ndarray) -> _Columns:
        """The holdings ``chosen`` (numbers), their ends ``renumber``-ed, as :meth:`assemble`
        takes them."""
        arrays = {k: getattr(self, k)[chosen] for k in _HoldingColumns.VALUES}
        arrays["owner"] = renumber[self.owner[chosen]]
        arrays["owned"] = renumber[self.owned[chosen]]
        return _Columns(arrays, {}, {"kinds": list(self.kinds)})

    def role_columns(self, chosen: np.ndarray, renumber: np.ndarray) -> _Columns:
        """The officer roles ``chosen`` (numbers), their ends ``renumber``-ed, as
        :meth:`assemble` takes them."""
        return _Columns(
            {"person": renumber[self.role_person[chosen]],
             "company": renumber[self.role_company[chosen]],
             "since": self.role_since[chosen], "until": self.role_until[chosen]},
            {}, {},
        )  # fmt: skip

    # -- kept beside the data version --

    def document(self) -> dict[str, Any]:
        """The columns as one document to keep (:func:`ownership.analysis.maintained.store`),
        :meth:`from_document` reads it back: a refresh patches the kept one (:meth:`patch`)
        instead of reading the whole graph again."""
        packed = {k: maintained.pack(getattr(self, k)) for k in _PACKED}
        return {
            "format": DOCUMENT_FORMAT,
            "uid_width": self.uid.itemsize,
            "columns": packed,
            "texts": {k: getattr(self, k).packed() for k in ("ids", "names")},
            "codes": {
                "jurisdictions": self.jurisdictions,
                "operating": [list(t) for t in self.operating],
                "kinds": self.kinds,
            },
        }

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> DatedGraph | None:
        """The dated graph :meth:`document` kept; None for a document of another format."""
        if doc.get("format") != DOCUMENT_FORMAT:
            return None
        cols = {
            k: maintained.unpack(doc["columns"][k], _PACKED[k](doc["uid_width"])).copy()
            for k in _PACKED
        }
        codes = doc["codes"]
        n, owned = len(cols["uid"]), cols["owned"]
        into = np.argsort(owned, kind="stable").astype(np.int32)
        return cls(
            cols["uid"], Texts.unpacked(doc["texts"]["ids"]), Texts.unpacked(doc["texts"]["names"]),
            codes["jurisdictions"], cols["jurisdiction"],
            [tuple(t) for t in codes["operating"]], cols["operates_in"],
            *(cols[k] for k in ("incorporated", "company", "person", "listed", "owner", "owned",
                                "since", "until", "share", "share_min", "share_max")),
            codes["kinds"],
            *(cols[k] for k in ("kind", "direct", "held_since", "ended", "disagree")),
            np.searchsorted(cols["owner"], np.arange(n + 1)).astype(np.int64),
            np.searchsorted(owned[into], np.arange(n + 1)).astype(np.int64),
            into,
            *(cols[k] for k in ("role_person", "role_company", "role_since", "role_until")),
        )  # fmt: skip

    # -- one entity, one holding --

    def number(self, uid: str) -> int:
        """The number of the entity ``uid`` (KeyError when it was not read)."""
        [found] = _numbers(self.uid, self._by_uid, [uid])
        if found < 0:
            raise KeyError(uid)
        return int(found)

    def uid_of(self, i: int) -> str:
        return bytes(self.uid[i]).decode()

    def holders(self, i: int) -> memoryview:
        """The holdings into entity ``i`` (numbers), in the order read."""
        return self.views.into[self.views.into_start[i] : self.views.into_start[i + 1]]

    def holdings_of(self, i: int) -> range:
        """The holdings entity ``i`` holds (numbers), in the order read."""
        return range(self.views.out_start[i], self.views.out_start[i + 1])

    def shares(self, j: int) -> tuple[float | None, float | None, float | None]:
        """Holding ``j``'s share, lowest and highest share (None where not stated)."""
        v = self.views
        return _none(v.share[j]), _none(v.share_min[j]), _none(v.share_max[j])

    def by_name(self, chosen: np.ndarray) -> np.ndarray:
        """The entities ``chosen`` (numbers) in the order (name, uid), names as Python orders
        them (``name or ""``: UTF-8 bytes sort as their code points): by the first
        :data:`PREFIX` bytes of the names in numpy, then, among names sharing a whole prefix,
        by the names themselves."""
        prefix = self.names.prefixes(chosen, PREFIX)
        order = np.lexsort((self.uid[chosen], prefix))
        chosen, prefix = chosen[order], prefix[order]
        full = np.char.str_len(prefix) == PREFIX
        same = np.flatnonzero(full[1:] & (prefix[1:] == prefix[:-1]))
        start = 0
        while start < len(same):  # each run of names sharing a whole prefix
            end = start
            while end + 1 < len(same) and same[end + 1] == same[end] + 1:
                end += 1
            run = slice(int(same[start]), int(same[end]) + 2)
            chosen[run] = sorted(
                chosen[run].tolist(), key=lambda i: (self.names[i] or "", self.uid_of(i))
            )
            start = end + 1
        return chosen

    def most_holdings(self, limit: int) -> list[list[Any]]:
        """The ``limit`` entities with the most holdings on any date, most first, then by uid:
        ``[uid, holdings]`` as ``group_candidates`` finds them (read again from the graph, they
        took 2.6 s of a refresh at 100,000 companies on the embedded server)."""
        held = np.diff(self.out_start)
        owners = np.flatnonzero(held)
        order = np.lexsort((self.uid[owners], -held[owners]))[:limit]
        return [[self.uid_of(i), int(held[i])] for i in owners[order].tolist()]

    def cycles(self, max_hops: int) -> Iterator[tuple[list[int], Span]]:
        """Every simple cycle of 2 to ``max_hops`` holdings all in force on some same day,
        whatever the day: its entities (numbers, from the smallest on) and the days all its
        holdings are in force. Two holdings between the same entities (two periods) make two
        cycles, as two relationships make two paths.

        Only an entity that holds and is held by entities that do too can lie on a cycle:
        the others are trimmed away first, over the columns (at a million companies 1,039 of
        1,300,000 entities are left, in 0.16 s; the server's path query from every entity
        took 50-76 s). Each cycle is then walked once, from its smallest entity, through
        larger ones only."""
        v = self.views
        core = self._cycle_core()
        out = {
            i: [j for j in self.holdings_of(i) if core[v.owned[j]]]
            for i in np.flatnonzero(core).tolist()
        }

        def walk(path: list[int], days: Span) -> Iterator[tuple[list[int], Span]]:
            first = path[0]
            for j in out[path[-1]]:
                k, common = v.owned[j], meet(days, (v.since[j], v.until[j]))
                if common is None:
                    continue
                if k == first:
                    if len(path) >= 2:
                        yield list(path), common
                elif k > first and k not in path and len(path) < max_hops:
                    path.append(k)
                    yield from walk(path, common)
                    path.pop()

        for first in sorted(out):
            yield from walk([first], ALWAYS)

    def _cycle_core(self) -> np.ndarray:
        """Whether each entity is left once those that hold nothing or are held by nothing
        (among those left) are taken away, again and again: where every cycle lies."""
        left = np.ones(len(self.uid), dtype=bool)
        while True:
            live = left[self.owner] & left[self.owned]
            holds = np.bincount(self.owner[live], minlength=len(left)) > 0
            held = np.bincount(self.owned[live], minlength=len(left)) > 0
            now = left & holds & held
            if now.sum() == left.sum():
                return left
            left = now

    def reach(self, start: int, max_hops: int, first: list[Span] | None = None) -> dict:
        """The days on which each entity is reachable from ``start`` along holdings in force
        (all of a path's holdings on the same day), in 1 to ``max_hops`` steps; with ``first``
        also ``start`` itself on those days (0 steps). Breadth first; the days on which an
        entity was already reached in fewer steps are not walked on from again (whatever lies
        beyond is reached from there in fewer steps)."""
        v = self.views
        reached: dict[int, list[Span]] = {start: first} if first else {}
        walked: dict[int, list[Span]] = {start: [ALWAYS]}
        frontier: dict[int, list[Span]] = {start: [ALWAYS]}
        for _ in range(max_hops):
            found: dict[int, list[Span]] = defaultdict(list)
            for i, days in frontier.items():
                for j in range(v.out_start[i], v.out_start[i + 1]):
                    held = (v.since[j], v.until[j])
                    found[v.owned[j]].extend(m for d in days if (m := meet(d, held)))
            frontier = {}
            for i, spans in found.items():
                days = union(spans)
                if not days:
                    continue
                reached[i] = union([*reached.get(i, ()), *days])
                new = minus(days, walked.get(i, []))
                if new:
                    walked[i] = union([*walked.get(i, ()), *new])
                    frontier[i] = new
            if not frontier:
                break
        return reached


# -- the dated graph's rows as read, and its canonical order --------------------------------

DOCUMENT_FORMAT = 2  # of the kept dated graph (:meth:`DatedGraph.document`); 2: officer roles
PATCH_BATCH = 5_000  # touched entities read again per query
CODED = {"jurisdiction": "jurisdictions", "operates_in": "operating", "kind": "kinds"}
_PACKED: dict[str, Callable[[int], Any]] = {
    "uid": lambda width: f"S{width}",
    **{k: lambda _: np.int32 for k in ("jurisdiction", "operates_in", "incorporated")},
    **{k: lambda _: np.bool_ for k in ("company", "person", "listed", "direct")},
    **{k: lambda _: np.int32 for k in ("owner", "owned", "since", "until", "held_since", "ended")},
    **{k: lambda _: np.float64 for k in ("share", "share_min", "share_max")},
    **{k: lambda _: np.int8 for k in ("kind", "disagree")},
    **{k: lambda _: np.int32 for k in ("role_person", "role_company", "role_since", "role_until")},
}


@dataclass
class _Columns:
    """Rows as columns before :meth:`DatedGraph.assemble` orders them: numpy ``arrays``,
    :class:`Texts`, and the values by code of the coded arrays (:data:`CODED`)."""

    arrays: dict[str, np.ndarray]
    texts: dict[str, Texts]
    codes: dict[str, list[Any]]

    def taken(self, chosen: np.ndarray) -> _Columns:
        return _Columns(
            {k: a[chosen] for k, a in self.arrays.items()},
            {k: t.take(chosen) for k, t in self.texts.items()},
            self.codes,
        )

    @staticmethod
    def joined(first: _Columns, then: _Columns) -> _Columns:
        """The rows of ``first``, then those of ``then`` (their codes made ``first``'s)."""
        arrays = dict(first.arrays)
        codes = {k: list(v) for k, v in first.codes.items()}
        for name, column in then.arrays.items():
            if name in CODED:
                values = codes[CODED[name]]
                known = {v: n for n, v in enumerate(values)}
                lookup = [known.setdefault(v, len(known)) for v in then.codes[CODED[name]]]
                values.extend(v for v in list(known)[len(values) :])
                column = np.array(lookup, dtype=column.dtype)[column] if len(column) else column
            arrays[name] = np.concatenate([first.arrays[name], column])
        texts = {k: t.joined(then.texts[k]) for k, t in first.texts.items()}
        return _Columns(arrays, texts, codes)


def _canonical_codes(values: list[Any], codes: np.ndarray, dtype: Any) -> tuple[list, np.ndarray]:
    """Only the values used, sorted (None first), and the codes renumbered to them."""
    used = np.unique(codes).tolist()
    ordered = sorted(used, key=lambda c: (values[c] is not None, values[c]))
    lookup = np.zeros(len(values) or 1, dtype=dtype)
    lookup[ordered] = np.arange(len(ordered))
    return [values[c] for c in ordered], lookup[codes].astype(dtype)


class _EntityColumns:
    """``dated_entities`` rows gathered as they are streamed."""

    def __init__(self) -> None:
        self._uids: list[bytes] = []
        self.ids, self.names, self.places, self.operating = Texts(), Texts(), _Codes(), _Codes()
        self.ints = {k: array("i") for k in ("jurisdiction", "operates_in", "incorporated")}
        self.flags = {k: array("b") for k in ("company", "person", "listed")}

    def add(self, entity: list[Any]) -> None:
        uid, id_, name, country, operates, incorporated, *kinds = entity
        self._uids.append(uid.encode())
        self.ids.append(id_)
        self.names.append(name)
        self.ints["jurisdiction"].append(self.places(country))
        self.ints["operates_in"].append(self.operating(tuple(operates or ())))
        self.ints["incorporated"].append(ordinal(incorporated))
        for k, value in zip(self.flags, kinds, strict=True):
            self.flags[k].append(bool(value))

    def uids(self) -> tuple[np.ndarray, np.ndarray]:
        """The uids in the order read, and that order sorted by uid."""
        uid = np.array(self._uids, dtype=bytes) if self._uids else np.zeros(0, dtype="S1")
        self._uids = []
        return uid, np.argsort(uid, kind="stable")

    def columns(self, uid: np.ndarray) -> _Columns:
        arrays = {"uid": uid}
        arrays |= {k: np.frombuffer(v, dtype=np.int32).copy() for k, v in self.ints.items()}
        arrays |= {k: np.frombuffer(v, dtype=np.int8).astype(bool) for k, v in self.flags.items()}
        codes = {"jurisdictions": self.places.values_by_code(),
                 "operating": self.operating.values_by_code()}  # fmt: skip
        return _Columns(arrays, {"ids": self.ids, "names": self.names}, codes)


class _HoldingColumns:
    """``dated_holdings`` rows gathered as they are streamed, their ends numbered among the
    entities read."""

    VALUES = ("since", "until", "held_since", "ended", "share", "share_min", "share_max",
              "kind", "direct", "disagree")  # fmt: skip

    def __init__(self) -> None:
        self.kinds = _Codes()
        self.ints = {k: array("i") for k in ("owner", "owned", "since", "until", "held_since",
                                             "ended")}  # fmt: skip
        self.floats = {k: array("d") for k in ("share", "share_min", "share_max")}
        self.bytes = {k: array("b") for k in ("kind", "direct", "disagree")}

    def add(self, rows: list[list[Any]], uid: np.ndarray, by_uid: np.ndarray) -> None:
        ends = _numbers(uid, by_uid, [r[0] for r in rows] + [r[1] for r in rows])
        h, f, b = self.ints, self.floats, self.bytes
        for r, owner, owned in zip(rows, ends[: len(rows)], ends[len(rows) :], strict=True):
            if owner < 0 or owned < 0:
                continue
            since, until = span(r[2], r[3], r[4])
            numbers = (owner, owned, since, until, ordinal(r[10]), ordinal(r[3]))
            for k, value in zip(h, numbers, strict=True):
                h[k].append(value)
            for k, value in zip(f, r[5:8], strict=True):
                f[k].append(np.nan if value is None else value)
            b["kind"].append(self.kinds(r[8]))
            b["direct"].append(bool(r[9]))
            b["disagree"].append(-1 if r[11] is None else bool(r[11]))

    def columns(self) -> _Columns:
        arrays = {k: np.frombuffer(v, dtype=np.int32).astype(np.int64 if k in ("owner", "owned")
                                                              else np.int32)
                  for k, v in self.ints.items()}  # fmt: skip
        arrays |= {k: np.frombuffer(v, dtype=np.float64).copy() for k, v in self.floats.items()}
        arrays |= {k: np.frombuffer(v, dtype=np.int8).copy() for k, v in self.bytes.items()}
        arrays["direct"] = arrays["direct"].astype(bool)
        return _Columns(arrays, {}, {"kinds": self.kinds.values_by_code()})


class _RoleColumns:
    """``dated_roles`` rows gathered as they are streamed, their ends numbered among the
    entities read (a role whose officer or company was not read is left out, as a holding)."""

    def __init__(self) -> None:
        self.ints = {k: array("i") for k in ("person", "company", "since", "until")}

    def add(self, rows: list[list[Any]], uid: np.ndarray, by_uid: np.ndarray) -> None:
        ends = _numbers(uid, by_uid, [r[0] for r in rows] + [r[1] for r in rows])
        for r, person, company in zip(rows, ends[: len(rows)], ends[len(rows) :], strict=True):
            if person < 0 or company < 0:
                continue
            for k, value in zip(self.ints, (person, company, *span(r[2], r[3], r[4])), strict=True):
                self.ints[k].append(value)

    def columns(self) -> _Columns:
        arrays = {k: np.frombuffer(v, dtype=np.int32).copy() for k, v in self.ints.items()}
        arrays["person"] = arrays["person"].astype(np.int64)
        arrays["company"] = arrays["company"].astype(np.int64)
        return _Columns(arrays, {}, {})


class _Views:
    """The columns walked one value at a time, as memoryviews (plain ints, floats, bools)."""

    def __init__(self, g: DatedGraph) -> None:
        self.owner, self.owned = memoryview(g.owner), memoryview(g.owned)
        self.since, self.until = memoryview(g.since), memoryview(g.until)
        self.share, self.share_min = memoryview(g.share), memoryview(g.share_min)
        self.share_max, self.kind = memoryview(g.share_max), memoryview(g.kind)
        self.direct, self.held_since = memoryview(g.direct), memoryview(g.held_since)
        self.out_start, self.into_start = memoryview(g.out_start), memoryview(g.into_start)
        self.into, self.incorporated = memoryview(g.into), memoryview(g.incorporated)
        self.jurisdiction = memoryview(g.jurisdiction)


def ordinal(day: dt.date | None) -> int:
    """A date as the columns hold it: its proleptic ordinal, :data:`NO_DAY` for none."""
    return NO_DAY if day is None else day.toordinal()


def _date(ordinal: int) -> dt.date | None:
    return None if ordinal == NO_DAY else dt.date.fromordinal(ordinal)


def _none(value: float) -> float | None:
    return None if value != value else value  # NaN: not stated


def _numbers(uid: np.ndarray, by_uid: np.ndarray, wanted: list[str]) -> np.ndarray:
    """The numbers of the entities ``wanted`` (uids), -1 for those not read."""
    if not len(uid):
        return np.full(len(wanted), -1, dtype=np.int64)
    keys = np.array([w.encode() for w in wanted], dtype=uid.dtype)
    at = np.minimum(np.searchsorted(uid, keys, sorter=by_uid), len(uid) - 1)
    found = by_uid[at]
    too_long = np.array([len(w.encode()) > uid.itemsize for w in wanted], dtype=bool)
    return np.where((uid[found] == keys) & ~too_long, found, -1)


def _batches(
    rows: Iterable[dict[str, Any]], field: str, size: int = 10_000
) -> Iterator[list[list[Any]]]:
    batch: list[list[Any]] = []
    for row in rows:
        batch.append(row[field])
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# -- red flags -------------------------------------------------------------------------------

FlagValue = tuple[str, dict[str, Any]]  # a flag's detail and evidence on a stretch of days


def flag_timeline(graph: Graph, dated: DatedGraph, s: FlagSettings) -> Iterator[list[Any]]:
    """Every flag with the days it holds: ``[since, until, uid, id, name, flag, detail,
    evidence]`` rows (the flag's text may change from one piece to the next), made one at a
    time: :func:`ownership.analysis.flags.keep` writes each away as it comes (800,626 of them
    at a million companies, ~0.65 GB held as a list)."""

    def rows(kind: str, found: Timeline) -> Iterator[list[Any]]:
        for who, pieces_found in found:
            i = who if isinstance(who, int) else dated.number(who)
            uid, id_, name = dated.uid_of(i), dated.ids[i], dated.names[i]
            for since, until, (detail, evidence) in pieces_found:
                yield [since, until, uid, id_, name, kind, detail, evidence]

    for f in shared_address(graph, s):  # no date in this rule
        yield [BEFORE, AFTER, f.uid, f.id, f.name, f.flag, f.detail, f.evidence]
    yield from rows("officer-hub", _officer_hubs(dated, s))
    yield from rows("circular-ownership", _cycles(dated, s))
    yield from rows("new-intermediary", _new_intermediaries(dated, s))
    yield from rows("restructured-after-listing", _restructured(graph, s))
    yield from rows("secrecy-jurisdiction-intermediary", _transit(dated, s))
    yield from rows("shares-over-100", _over_owned(dated))


Timeline = Iterable[tuple[str | int, list[tuple[int, int, FlagValue]]]]  # by uid or number


def _value(flag: Flag) -> FlagValue:
    return flag.detail, flag.evidence


def _officer_hubs(dated: DatedGraph, s: FlagSettings) -> Timeline:
    """Officers of at least ``officer_threshold`` companies on some day, from the dated graph's
    roles: patched by a refresh with the rest of it, where the roles' own whole-graph read took
    56-73 s at a million companies (docs/benchmarks.md)."""

    def hub(roles: list[tuple[str, str]]) -> FlagValue | None:
        companies = dict(roles)  # each company once, however many roles
        if len(companies) < s.officer_threshold:
            return None
        names = list(companies.values())
        return officer_hub_detail(names, s.officer_threshold), {"count": len(companies)}

    start = dated.role_start
    for i in np.flatnonzero(np.diff(start) >= s.officer_threshold).tolist():
        mine = slice(int(start[i]), int(start[i + 1]))
        roles = [
            ((since, until), (dated.uid_of(c), dated.names[c]))
            for c, since, until in zip(
                dated.role_company[mine].tolist(),
                dated.role_since[mine].tolist(),
                dated.role_until[mine].tolist(),
                strict=True,
            )
        ]
        yield i, pieces(roles, hub)


def _cycles(dated: DatedGraph, s: FlagSettings) -> Timeline:
    cycles: dict[tuple[str, ...], tuple[list[dict[str, Any]], list[Span]]] = {}
    for numbers, days in dated.cycles(s.max_hops):
        members = [
            {"uid": dated.uid_of(i), "id": dated.ids[i], "name": dated.names[i]} for i in numbers
        ]
        uids = [m["uid"] for m in members]
        first = min(range(len(members)), key=lambda i: (members[i]["name"] or "", uids[i]))
        key = tuple(uids[first:] + uids[:first])
        cycles.setdefault(key, (members[first:] + members[:first], []))[1].append(days)
    by_member: dict[str, list[tuple[Span, tuple[str, ...]]]] = defaultdict(list)
    for key, (_, spans) in cycles.items():
        for days in union(spans):
            for uid in key:
                by_member[uid].append((days, key))

    def member(keys: list[tuple[str, ...]]) -> FlagValue:
        ordered = sorted(set(keys))  # the whole-graph detector merges them in this order
        detail = "; ".join(circular_detail([m["name"] for m in cycles[k][0]]) for k in ordered)
        return detail, {"size": len(ordered[0])}

    for uid, found in by_member.items():
        yield uid, pieces(found, member)


def _targets(dated: DatedGraph, s: FlagSettings) -> memoryview:
    """Whether each entity is in a watched country (registered or operating) or on a sanctions
    list."""
    watched = set(s.watched_countries)
    places = [n for n, place in enumerate(dated.jurisdictions) if place in watched]
    operating = [n for n, where in enumerate(dated.operating) if watched & set(where)]
    return memoryview(
        np.isin(dated.jurisdiction, places) | np.isin(dated.operates_in, operating) | dated.listed
    )


def _reaches(
    dated: DatedGraph, targets: memoryview, found: dict[int, list[Span]]
) -> list[tuple[Span, tuple[int, str | None]]]:
    return [
        (days, (i, dated.names[i])) for i, spans in found.items() if targets[i] for days in spans
    ]


def _new_intermediaries(dated: DatedGraph, s: FlagSettings) -> Timeline:
    """Companies with owners that acquired something within the threshold of their
    incorporation (found in numpy first: at a million companies a few thousand)."""
    targets, v = _targets(dated, s), dated.views
    owns = dated.incorporated[dated.owner]
    acquired = (
        (dated.held_since != NO_DAY)
        & (owns != NO_DAY)
        & (dated.held_since >= owns)
        & (dated.held_since - owns <= s.new_intermediary_days)
        & dated.company[dated.owner]
        & (np.diff(dated.into_start) > 0)[dated.owner]
    )
    for i in np.unique(dated.owner[acquired]).tolist():
        incorporated = v.incorporated[i]
        items: list[tuple[Span, tuple[Any, ...]]] = []
        for j in dated.holdings_of(i):
            since = v.held_since[j]
            if since == NO_DAY or since < incorporated:
                continue
            days = since - incorporated
            if days > s.new_intermediary_days:
                continue
            held = (v.since[j], v.until[j])
            n = v.owned[j]
            acquisition = (days, dated.names[n], dt.date.fromordinal(since))
            for reach_days, target in _reaches(dated, targets, dated.reach(n, s.max_hops, [held])):
                if both := meet(reach_days, held):
                    items.append((both, (acquisition, target)))
        if not items:
            continue
        e = {"uid": dated.uid_of(i), "id": dated.ids[i], "name": dated.names[i],
             "incorporated": _date(incorporated)}  # fmt: skip

        def acquisitions(live: list[Any], e: dict[str, Any] = e) -> FlagValue:
            reaches: dict[tuple[Any, ...], set[str]] = defaultdict(set)
            for acquisition, (_, name) in live:
                reaches[acquisition].add(name)
            rows = [
                {
                    **e,
                    "acquired_name": acquired_name,
                    "acquired": acquired,
                    "days": days,
                    "reaches": list(names),
                }  # fmt: skip
                for (days, acquired_name, acquired), names in reaches.items()
            ]
            flags = [
                new_intermediary_flag(r, s.new_intermediary_days)
                for r in sorted(
                    rows,
                    key=lambda r: (r["days"], r["uid"], r["acquired_name"] or "", r["acquired"]),
                )
            ]
            return "; ".join(f.detail for f in flags), flags[0].evidence

        yield i, pieces(items, acquisitions)


def _restructured(graph: Graph, s: FlagSettings) -> Timeline:
    """The rule's rows for the last day there is: a restructuring flags from its listing on."""
    by_entity: dict[str, list[tuple[Span, dict[str, Any]]]] = defaultdict(list)
    for r in graph.read(
        cypher.RESTRUCTURED_AFTER_LISTING, days=s.restructuring_days, as_of=dt.date.max
    ):
        by_entity[r["uid"]].append(((r["listed_on"].toordinal(), AFTER), r))

    def restructurings(live: list[dict[str, Any]]) -> FlagValue:
        flags = [
            restructured_flag(r, s.restructuring_days) for r in sorted(live, key=restructuring)
        ]
        return "; ".join(f.detail for f in flags), flags[0].evidence

    for uid, items in by_entity.items():
        yield uid, pieces(items, restructurings)


def _transit(dated: DatedGraph, s: FlagSettings) -> Timeline:
    targets, v = _targets(dated, s), dated.views
    secrecy = [
        n for n, place in enumerate(dated.jurisdictions) if place in set(s.secrecy_jurisdictions)
    ]
    held = np.isin(dated.jurisdiction, secrecy) & (np.diff(dated.into_start) > 0)
    for i in np.flatnonzero(held).tolist():
        reaches = _reaches(dated, targets, dated.reach(i, s.max_hops))
        if not reaches:
            continue
        items = [((v.since[j], v.until[j]), ("owner", v.owner[j])) for j in dated.holders(i)] + [
            (days, ("target", target)) for days, target in reaches
        ]
        jurisdiction = dated.jurisdictions[v.jurisdiction[i]] or ""

        def chains(
            live: list[Any], i: int = i, jurisdiction: str = jurisdiction
        ) -> FlagValue | None:
            held_by = {who for what, who in live if what == "owner"}
            names = {
                name
                for what, target in live
                if what == "target"
                for who, name in [target]
                if held_by - {who}  # the chain leads back to the intermediary's only owner
            }
            if not names:
                return None
            return _value(
                transit_flag(
                    dated.uid_of(i), dated.ids[i], dated.names[i], jurisdiction, list(names)
                )
            )

        yield i, pieces(items, chains)


def _over_owned(dated: DatedGraph) -> Timeline:
    """Entities whose direct stated shares ever add up to more than 100 (the sums of every
    holding ever found in numpy first, with room for the order of a float sum's terms)."""
    v = dated.views
    stated = ~np.isnan(dated.share) & dated.direct
    if "shareholding" in dated.kinds:
        stated &= dated.kind == dated.kinds.index("shareholding")
    else:
        stated &= False
    ever = np.bincount(dated.owned[stated], dated.share[stated], minlength=len(dated.uid))
    for i in np.flatnonzero(ever > 100.0001 - 1e-6).tolist():
        live_stated = [
            ((v.since[j], v.until[j]), (v.owner[j], v.share[j]))
            for j in dated.holders(i)
            if stated[j]
        ]
        if sum(share for _, (_, share) in live_stated) <= 100.0001:
            continue  # never over 100 on any one day either

        def over(live: list[tuple[int, float]], i: int = i) -> FlagValue | None:
            total = sum(share for _, share in live)
            if total <= 100.0001:
                return None
            owners = [{"name": dated.names[o], "share": share} for o, share in live]
            return _value(
                over_owned_flag(dated.uid_of(i), dated.ids[i], dated.names[i], total, owners)
            )

        yield i, pieces(live_stated, over)


# -- ownership gaps --------------------------------------------------------------------------


def gap_timeline(dated: DatedGraph) -> Iterator[list[Any]]:
    """Every company with its gap over time: ``[uid, id, name, jurisdiction, cuts, values]``,
    in the order (name, uid) the gaps are kept in, made one at a time
    (:func:`ownership.analysis.gaps.keep` writes each away as it comes). A gap is known on
    every day, so its pieces follow one another: ``cuts`` are the days on which the second
    and later pieces begin, ``values`` holds ``known_min, known_max, direct_owners,
    person_reached`` for each piece in turn (flat, whole shares as integers: 100,000
    companies' nested pieces of floats took seconds to parse)."""
    reached, v = _reached_by_persons(dated), dated.views
    for i in dated.by_name(np.flatnonzero(dated.company)).tolist():
        items: list[tuple[Span, Any]] = [
            ((v.since[j], v.until[j]), ("owner", dated.shares(j)))
            for j in dated.holders(i)
            if v.direct[j]
        ]
        items += [(days, ("reached", None)) for days in reached.get(i, ())]
        found = pieces([(ALWAYS, ("company", None)), *items], _gap)
        cuts = [since for since, _, _ in found[1:]]
        values = [_compact(value) for p in found for value in p[2]]
        place = dated.jurisdictions[v.jurisdiction[i]]
        yield [dated.uid_of(i), dated.ids[i], dated.names[i], place, cuts, values]


def _compact(value: float | int | bool) -> float | int | bool:
    """A whole share as an integer: JSON integers parse several times faster than floats,
    and nearly every share is whole (:class:`ownership.analysis.gaps.KeptGaps` makes them floats
    again)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _gap(live: list[tuple[str, Any]]) -> tuple[float, float, int, bool]:
    """A company's gap on a stretch of days: the rule of ``entity_known_share``."""
    owners = [shares for what, shares in live if what == "owner"]  # share, lowest, highest
    low = sum(share if share is not None else (least or 0.0) for share, least, _ in owners)
    high = sum(
        share if share is not None else (most if most is not None else 100.0)
        for share, _, most in owners
    )
    return (
        round(min(100.0, float(low)), 6),
        round(min(100.0, float(high)), 6),
        len(owners),
        any(what == "reached" for what, _ in live),
    )


def _reached_by_persons(dated: DatedGraph) -> dict[int, list[Span]]:
    """The days on which a natural person holds each entity, directly or through others
    (``gaps.reached_by_persons`` for every date): spread down from the persons' holdings
    until nothing more is reached."""
    v = dated.views
    reached: dict[int, list[Span]] = {}
    holds = np.diff(dated.out_start) > 0
    todo: dict[int, list[Span]] = {
        i: [ALWAYS] for i in np.flatnonzero(dated.person & holds).tolist()
    }
    while todo:
        i, days = todo.popitem()
        for j in dated.holdings_of(i):
            held, owned = (v.since[j], v.until[j]), v.owned[j]
            new = minus(union(m for d in days if (m := meet(d, held))), reached.get(owned, []))
            if new:
                reached[owned] = union([*reached.get(owned, ()), *new])
                todo[owned] = union([*todo.get(owned, ()), *new])
    return reached


# -- keeping them ----------------------------------------------------------------------------


KIND = "dated-graph"  # the dated graph kept beside the answers (:func:`dated_graph`)


@dataclass(frozen=True)
class Touched:
    """What a change touched, for :func:`dated_graph`: the data ``version`` it began from and
    the ``entities`` (uids) it may have changed, their rows or any holding out of or into
    them (:attr:`ownership.refresh.replace.Changes.entities`)."""

    version: str
    entities: frozenset[str]


def dated_graph(
    graph: Graph, version: str, touched: Touched | None = None
) -> tuple[DatedGraph, str]:
    """The graph with its dates for data ``version``, and how it was had: "kept" (kept for
    that version already), "patched" (the one kept for the version ``touched`` began from,
    with what it touched read again: :meth:`DatedGraph.patch`) or "read" (the whole graph).
    At a million companies the whole read took 337 s of a refresh's 1,804 s of upkeep at load
    10-20 (docs/benchmarks.md)."""
    if (kept := kept_dated_graph(graph, version)) is not None:
        return kept, "kept"
    if touched is not None and (before := kept_dated_graph(graph, touched.version)) is not None:
        return before.patch(graph, touched.entities), "patched"
    return DatedGraph.read(graph), "read"


def kept_dated_graph(graph: Graph, version: str) -> DatedGraph | None:
    """The dated graph kept for data ``version``, or None (not kept, or kept for other data)."""
    doc = maintained.load(graph, KIND, "", version)
    return None if doc is None else DatedGraph.from_document(doc)


def keep_dated_graph(graph: Graph, dated: DatedGraph, version: str) -> None:
    """Keep ``dated`` for data ``version``, for the next change to patch (:func:`dated_graph`)."""
    maintained.store(graph, KIND, "", None, dated.document(), version)


def keep_flag_timeline(graph: Graph, dated: DatedGraph, version: str) -> None:
    """Work out the red flags (default thresholds) of every date and keep them for data
    ``version`` (read before ``dated``: a change meanwhile makes them stale, never wrong)."""
    settings = FlagSettings()
    keep_flags(graph, settings, flag_timeline(graph, dated, settings), version)


def keep_gap_timeline(graph: Graph, dated: DatedGraph, version: str) -> None:
    """Work out the ownership gaps of every date and keep them for data ``version``."""
    keep_gaps(graph, gap_timeline(dated), version)

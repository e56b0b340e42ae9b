"""The OFAC 50 percent rule (``ownership blocked``), and the EU/UK variant.

OFAC FAQ 401: an entity is blocked when one or more blocked persons own, directly or
indirectly, 50 percent or more of it in the aggregate. "Indirectly" means through entities that
are themselves blocked: a blocked entity's stake counts in full, it is never multiplied down a
chain. So the rule is a fixpoint over *direct* holdings, computed here without enumerating
paths: start from the listed entities, fetch their direct holdings, block what reaches 50
percent, fetch the holdings of the newly blocked, and repeat until nothing changes.

A holding several sources state counts once, as the band of what they state
(:mod:`ownership.holdings`). Bands give two answers. ``blocked`` uses exact shares and band minima from blocked owners;
``possibly-blocked`` uses exact shares and band maxima from blocked *or possibly blocked* owners
(an edge with no share at all counts as 0 and 100).

The EU/UK variant (``rule="eu"``) blocks at *more than* 50 percent and also counts voting rights
and control edges, as EU Regulation 269/2014 guidance on ownership and control does.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ownership import clock, cypher
from ownership.analysis import maintained
from ownership.analysis.stats import data_version
from ownership.graph import Graph

KIND = "rule-findings"  # what the default rule's findings on an import's day are kept under
BUCKET = 2_000  # findings to a kept document, about: one entity's verdict reads a few of them

LISTED, BLOCKED, POSSIBLY = "listed", "blocked", "possibly-blocked"
STATUSES = (LISTED, BLOCKED, POSSIBLY)  # in the order every listing shows them
_RANK = {None: 0, POSSIBLY: 1, BLOCKED: 2, LISTED: 3}


@dataclass(frozen=True)
class Rule:
    """How much, and of what kind, a blocked party must own."""

    name: str
    threshold: float
    inclusive: bool
    kinds: tuple[str, ...]

    def reached(self, share: float) -> bool:
        return share >= self.threshold - 1e-9 if self.inclusive else share > self.threshold + 1e-9


RULES = {
    "ofac": Rule("ofac", 50.0, True, ("shareholding",)),
    "eu": Rule("eu", 50.0, False, ("shareholding", "voting", "control")),
}


@dataclass
class Finding:
    """An entity the rule catches, and why."""

    uid: str
    id: str
    name: str
    jurisdiction: str | None
    status: str
    blocked_share_min: float | None = None
    blocked_share_max: float | None = None
    because: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uid": self.uid,
            "name": self.name,
            "jurisdiction": self.jurisdiction,
            "status": self.status,
            "blocked_share_min": self.blocked_share_min,
            "blocked_share_max": self.blocked_share_max,
            "because": self.because,
        }


@dataclass
class _Stake:
    owner: str
    low: float
    high: float
    share: float | None
    share_min: float | None
    share_max: float | None
    kinds: tuple[str, ...]
    sources: tuple[str, ...]


def blocked_entities(
    graph: Graph,
    as_of: dt.date | None = None,
    rule: str = "ofac",
    authorities: list[str] | tuple[str, ...] = (),
) -> list[Finding]:
    """Listed, blocked and possibly blocked entities on ``as_of``, listed first."""
    findings = findings_on(graph, as_of or clock.today(), rule, authorities)
    order = {status: n for n, status in enumerate(STATUSES)}
    caught = [f for f in findings.values() if f.status]
    return sorted(caught, key=lambda f: (order[f.status], f.name or "", f.uid))


def status_counts(
    graph: Graph,
    as_of: dt.date | None = None,
    rule: str = "ofac",
    authorities: list[str] | tuple[str, ...] = (),
) -> dict[str, int]:
    """How many entities :func:`blocked_entities` lists of each status, in :data:`STATUSES`
    order: read from the header of the findings kept for ``as_of`` when they hold (the 50 %
    rule page shows these first; the 25,614 findings of a million companies took 0.57 s to
    read whole), else counted from the findings."""
    as_of = as_of or clock.today()
    if rule == "ofac" and not authorities:
        kept = KeptFindings.load(graph, as_of)
        if kept is not None and kept.statuses is not None:
            return kept.statuses
    caught = Counter(f.status for f in findings_on(graph, as_of, rule, authorities).values())
    return {status: caught[status] for status in STATUSES}


def findings_on(
    graph: Graph,
    as_of: dt.date,
    rule: str = "ofac",
    authorities: list[str] | tuple[str, ...] = (),
) -> Mapping[str, Finding]:
    """:func:`every_finding`, read from the answer the last import or refresh kept for its
    day (:func:`keep_findings`, the default rule over every authority) while the data has not
    changed: the whole-graph fixpoint takes seconds at a million companies, and a profile's
    verdict, ``ownership blocked`` and ``ownership diff`` all start from it."""
    if rule == "ofac" and not authorities:
        kept = KeptFindings.load(graph, as_of)
        if kept is not None:
            return kept
    return every_finding(graph, as_of, rule, authorities)


def _bucket(uid: str, buckets: int) -> int:
    """The kept document of ``uid``'s finding (1 to ``buckets``; 0 is the header)."""
    return zlib.crc32(uid.encode()) % buckets + 1


def keep_findings(graph: Graph, as_of: dt.date, version: str) -> None:
    """Compute the default rule's findings on ``as_of`` and keep them for data ``version``:
    a header saying how many documents hold them, then the findings in those documents by a
    hash of their entity (:class:`KeptFindings`)."""
    found = every_finding(graph, as_of)
    buckets = len(found) // BUCKET + 1
    documents: list[dict[str, Any]] = [{} for _ in range(buckets)]
    for uid, finding in found.items():
        documents[_bucket(uid, buckets) - 1][uid] = finding.as_dict()
    caught = Counter(f.status for f in found.values())
    header = {
        "buckets": buckets,
        "findings": len(found),
        "statuses": {status: caught[status] for status in STATUSES},
    }
    maintained.store_documents(graph, KIND, as_of.isoformat(), as_of, [header, *documents], version)


class KeptFindings(Mapping[str, Finding]):
    """The findings :func:`keep_findings` kept for a day, read a document at a time: one
    entity's verdict and the owners its explanation names read only their own documents (the
    whole answer, read to explain one entity, took 0.41 s at a million companies). Iterating
    reads every document at once. Like every kept answer it is read as of the data version
    it was loaded on; should it be replaced while it is read (the next import kept its own),
    everything read after that comes from the fixpoint computed again on the data then (a
    missing document is never taken for "not caught")."""

    def __init__(self, graph: Graph, as_of: dt.date, version: str, header: dict[str, Any]):
        self._graph, self._as_of, self._version = graph, as_of, version
        self._buckets, self._count = header["buckets"], header["findings"]
        # how many of each status (None: kept by a version that did not count them)
        self.statuses: dict[str, int] | None = header.get("statuses")
        self._read: dict[int, dict[str, Finding]] = {}
        self._computed: dict[str, Finding] | None = None

    @classmethod
    def load(cls, graph: Graph, as_of: dt.date) -> KeptFindings | None:
        """The findings kept for ``as_of`` while the data has not changed since, or None."""
        version = data_version(graph)[0]
        documents = maintained.load_documents(graph, KIND, as_of.isoformat(), [0], version)
        return None if documents is None else cls(graph, as_of, version, documents[0])

    def _documents(self, numbers: list[int]) -> list[dict[str, Finding]]:
        wanted = [n for n in numbers if n not in self._read]
        if wanted and self._computed is None:
            found = maintained.load_documents(
                self._graph, KIND, self._as_of.isoformat(), wanted, self._version
            )
            if found is None:  # replaced by the answer of newer data
                self._computed = every_finding(self._graph, self._as_of)
            else:
                for number, document in zip(wanted, found, strict=True):
                    self._read[number] = {u: Finding(**f) for u, f in document.items()}
        if self._computed is not None:
            return [self._computed]
        return [self._read[n] for n in numbers]

    def __getitem__(self, uid: str) -> Finding:
        [document] = self._documents([_bucket(uid, self._buckets)])
        return document[uid]

    def __iter__(self) -> Iterator[str]:
        for document in self._documents(list(range(1, self._buckets + 1))):
            yield from document

    def __len__(self) -> int:
        return len(self._computed) if self._computed is not None else self._count


def every_finding(
    graph: Graph,
    as_of: dt.date,
    rule: str = "ofac",
    authorities: list[str] | tuple[str, ...] = (),
) -> dict[str, Finding]:
    """The rule's fixpoint: every listed entity and every entity a listed, blocked or possibly
    blocked party holds a stake in, by uid. Those the rule does not catch are kept with status
    "" and the stakes that fall short as ``because``: :mod:`ownership.analysis.why` explains a
    "not blocked" with them too."""
    chosen = RULES[rule]
    findings: dict[str, Finding] = {}
    for row in graph.read(cypher.LISTED_ENTITIES, as_of=as_of, authorities=list(authorities)):
        findings[row["uid"]] = Finding(
            uid=row["uid"],
            id=row["id"],
            name=row["name"],
            jurisdiction=row["jurisdiction"],
            status=LISTED,
            because=_listings(row["listings"]),
        )
    stakes: dict[str, dict[str, _Stake]] = {}  # owned -> owner -> strongest stake
    held: dict[str, set[str]] = {}  # owner -> what it holds a stake in
    fetched: set[str] = set()
    while True:
        # only listed, blocked or possibly blocked owners' stakes count: fetch theirs, once
        owners = sorted(uid for uid, f in findings.items() if f.status and uid not in fetched)
        if not owners:
            break
        fetched.update(owners)
        touched: set[str] = set()
        for row in graph.read(
            cypher.HOLDINGS_OF, owners=owners, as_of=as_of, kinds=list(chosen.kinds)
        ):
            _add_stake(stakes, findings, row)
            held.setdefault(row["owner"], set()).add(row["owned"])
            touched.add(row["owned"])
        _settle(stakes, held, findings, chosen, touched)
    return findings


def _listings(listings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each listing once, however many sources carry it (same authority, program and date)."""
    unique = {
        (item.get("authority"), item.get("program"), item.get("listed_on")): {
            k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in item.items()
        }
        for item in listings
    }
    return [unique[k] for k in sorted(unique, key=lambda k: tuple(str(x) for x in k))]


def _add_stake(
    stakes: dict[str, dict[str, _Stake]], findings: dict[str, Finding], row: dict[str, Any]
) -> None:
    share, low_band, high_band = row["share"], row["share_min"], row["share_max"]
    low = share if share is not None else (low_band or 0.0)
    high = share if share is not None else (high_band if high_band is not None else 100.0)
    stakes.setdefault(row["owned"], {})[row["owner"]] = _Stake(
        row["owner"],
        float(low),
        float(high),
        share,
        low_band,
        high_band,
        tuple(row["kinds"] or ()),
        tuple(row["sources"] or ()),
    )  # one holding per (owner, owned) on a day, however many sources state it
    if row["owned"] not in findings:
        findings[row["owned"]] = Finding(
            uid=row["owned"],
            id=row["id"],
            name=row["name"],
            jurisdiction=row["jurisdiction"],
            status="",
        )


def _settle(
    stakes: dict[str, dict[str, _Stake]],
    held: dict[str, set[str]],
    findings: dict[str, Finding],
    rule: Rule,
    touched: set[str],
) -> None:
    """Recompute the status of the entities ``touched`` (given new stakes) from the stakes
    known so far, and of every entity held by one whose status rises, until none rises.

    An entity's status, blocked share and ``because`` depend only on its stakes and on its
    owners' statuses, which only rise: recomputing it whenever one of those changed reaches
    the answer that recomputing every entity until nothing changes reached (and took half of
    the rule's time on a day not kept at a million companies: 3.1 of 6.6 s at load 8).
    Entities below every threshold stay in ``findings`` with an empty status: a later round
    may add the stake that tips them over.
    """
    waiting = set(touched)
    while waiting:
        owned = waiting.pop()
        by_owner = stakes[owned]
        finding = findings[owned]
        sure = [s for s in by_owner.values() if findings[s.owner].status in (LISTED, BLOCKED)]
        maybe = [
            s for s in by_owner.values() if findings[s.owner].status in (LISTED, BLOCKED, POSSIBLY)
        ]
        low = min(sum(s.low for s in sure), 100.0)
        high = min(sum(s.high for s in maybe), 100.0)
        finding.blocked_share_min, finding.blocked_share_max = round(low, 6), round(high, 6)
        if finding.status == LISTED:
            continue  # its listings are its because
        status = BLOCKED if rule.reached(low) else POSSIBLY if rule.reached(high) else ""
        if rule.name == "eu" and any("control" in s.kinds for s in sure):
            status = BLOCKED
        if _RANK[status or None] > _RANK[finding.status or None]:
            finding.status = status
            waiting.update(held.get(owned, ()))  # its own stakes count for more now
        counted = maybe if finding.status == POSSIBLY else sure
        finding.because = [
            {
                "owner": findings[s.owner].id,
                "owner_uid": s.owner,
                "owner_name": findings[s.owner].name,
                "owner_status": findings[s.owner].status,
                "share": s.share,
                "share_min": s.share_min,
                "share_max": s.share_max,
                "sources": list(s.sources),
            }
            for s in sorted(counted, key=lambda s: (-s.low, s.owner))
        ]

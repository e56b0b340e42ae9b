"""Name matching (``ownership matches``): candidates with a score, never a silent merge.

Strong identifiers merge records automatically at import (:mod:`ownership.loader`). Names only
*propose*: two entities of the same kind whose names, stripped of legal forms (K.K., 株式会社,
Pte. Ltd., ООО/OOO …) and transliterated, are similar enough become a candidate with a score.
An analyst accepts (the two entities are merged, every record and link kept) or rejects (the
pair is never proposed again). Decisions are stored in the graph by *record* keys, which are
stable, and re-applied after every import.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ownership import clock, cypher, holdings
from ownership.graph import Graph
from ownership.text import normalize

DEFAULT_THRESHOLD = 0.9
MERGE_CHUNK = 200  # entity merges per transaction
SAME_SOURCE = "one source lists both"  # evidence against: that source tells them apart
# Japanese legal forms, which rigour does not strip (in native script and romanized).
_JP_FORMS = re.compile(
    r"株式会社|有限会社|合同会社|合名会社|合資会社|\b(?:kabushiki ?[kg]aisha|yugen ?kaisha|godo ?kaisha|k ?k|g ?k)\b"
)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def name_key(name: str) -> str:
    """The part of a name that identifies: no case, accents, punctuation or legal form."""
    from normality import latinize_text  # here, not at the top: they slow every command's start
    from rigour.names import remove_org_types

    text = normalize(name)
    text = _JP_FORMS.sub(" ", text)
    if _CYRILLIC.search(text):  # compare Cyrillic and Latin spellings of Russian names
        text = normalize(latinize_text(text))
    text = remove_org_types(text)
    return " ".join(text.split())


@dataclass
class Candidate:
    """Two entities that may be one, and the evidence for it."""

    a: dict[str, Any]
    b: dict[str, Any]
    score: float
    reason: str
    evidence: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return decision_key(self.a["records"][0], self.b["records"][0])

    @property
    def obvious(self) -> bool:
        """The same name, the same country or date of birth, and a company in common, from
        different sources: the cases an analyst should look at first (one source repeating
        another). Two records that one source lists apart are two entities by its own account,
        so such a pair is never obvious, however alike."""
        evidence = set(self.evidence)
        return (
            {"same name", "shared links"} <= evidence
            and bool({"same country", "same date of birth"} & evidence)
            and SAME_SOURCE not in evidence
        )

    def rank(self) -> tuple[Any, ...]:
        support = [e for e in self.evidence if e != SAME_SOURCE]
        return (not self.obvious, -len(support), -self.score, self.a["uid"], self.b["uid"])

    def as_dict(self) -> dict[str, Any]:
        return {
            "a": self.a["uid"],
            "a_name": self.a["name"],
            "a_jurisdiction": self.a["jurisdiction"],
            "b": self.b["uid"],
            "b_name": self.b["name"],
            "b_jurisdiction": self.b["jurisdiction"],
            "score": round(self.score, 3),
            "reason": self.reason,
            "evidence": self.evidence,
            "obvious": self.obvious,
        }


def decision_key(record_a: str, record_b: str) -> str:
    return "|".join(sorted((record_a, record_b)))


def _conflicting(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Both carry a register number (or LEI, INN) of the same scheme, and they differ."""
    schemes_a: dict[str, set[str]] = defaultdict(set)
    for ident in a["identifiers"]:
        scheme, _, value = ident.rpartition(":")
        schemes_a[scheme].add(value)
    for ident in b["identifiers"]:
        scheme, _, value = ident.rpartition(":")
        if scheme in schemes_a and value not in schemes_a[scheme]:
            return True
    return False


def _name_keys(entity: dict[str, Any]) -> list[str]:
    return sorted({name_key(n) for n in [*entity["names"], *entity["aliases"]] if n} - {""})


def _judge(
    a: dict[str, Any], b: dict[str, Any], keys: dict[str, list[str]], threshold: float
) -> Candidate | None:
    """The one rule deciding whether two entities are proposed as one, and why."""
    if a["kind"] != b["kind"] or a["uid"] == b["uid"]:
        return None
    if a["jurisdiction"] and b["jurisdiction"] and a["jurisdiction"] != b["jurisdiction"]:
        return None
    if _conflicting(a, b):
        return None
    from rapidfuzz import fuzz  # see name_key

    score, pair = max(
        (
            (fuzz.token_sort_ratio(x, y) / 100.0, (x, y))
            for x in keys[a["uid"]]
            for y in keys[b["uid"]]
        ),
        default=(0.0, ("", "")),
    )
    if score < threshold:
        return None
    evidence = []
    if pair[0] and pair[0] == pair[1]:
        evidence.append("same name")
    if a["jurisdiction"] and a["jurisdiction"] == b["jurisdiction"]:
        evidence.append("same country")
    if a.get("birth_date") and a.get("birth_date") == b.get("birth_date"):
        evidence.append("same date of birth")
    if set(a.get("linked") or ()) & set(b.get("linked") or ()):
        evidence.append("shared links")
    if set(a.get("record_sources") or ()) & set(b.get("record_sources") or ()):
        evidence.append(SAME_SOURCE)
    reason = f"names {pair[0]!r} and {pair[1]!r} agree at {score:.2f}"
    return Candidate(a, b, score, reason, evidence)


def candidates(
    graph: Graph, threshold: float = DEFAULT_THRESHOLD, limit: int = 200
) -> list[Candidate]:
    """Pairs of entities whose names match at ``threshold`` or better, the obvious ones (see
    :attr:`Candidate.obvious`) first, then by evidence and score."""
    entities = _described(graph.read(cypher.MATCHABLE_ENTITIES))
    rejected = _rejected(graph)
    keys: dict[str, list[str]] = {}
    blocks: dict[tuple[str, str], set[int]] = defaultdict(set)  # (kind, token) -> entities
    same: dict[tuple[str, str], set[int]] = defaultdict(set)  # (kind, name key) -> entities
    for index, entity in enumerate(entities):
        keys[entity["uid"]] = _name_keys(entity)
        for key in keys[entity["uid"]]:
            same[(entity["kind"], key)].add(index)
            for token in key.split():
                if len(token) >= 3:
                    blocks[(entity["kind"], token)].add(index)
    seen: set[tuple[int, int]] = set()
    found: list[Candidate] = []
    # entities with the very same name key are always compared; a shared word only when it
    # is rare ("holdings" is no evidence on its own)
    for members in [*same.values(), *(m for m in blocks.values() if len(m) <= 200)]:
        ordered = sorted(members)
        for i, left in enumerate(ordered):
            for right in ordered[i + 1 :]:
                if (left, right) in seen:
                    continue
                seen.add((left, right))
                candidate = _judge(entities[left], entities[right], keys, threshold)
                if candidate and candidate.key not in rejected:
                    found.append(candidate)
    found.sort(key=Candidate.rank)
    return found[:limit]


def possible_matches(
    graph: Graph, uid: str, threshold: float = DEFAULT_THRESHOLD
) -> list[Candidate]:
    """The entities that may be the same as ``uid`` ("possibly the same as …" on its
    profile): those of its kind with its normalized name or linked to one of its companies,
    judged by the same rule as :func:`candidates`, rejected pairs left out.

    The rule is applied to the names first, and the records and links (its evidence) are read
    only for those it keeps: a group head's 2,000 neighbours' took most of a second at 100k."""
    names = graph.read(cypher.MATCH_CANDIDATES_FOR, uid=uid)
    subject = next((e for e in names if e["uid"] == uid), None)
    if subject is None:
        return []
    keys = {e["uid"]: _name_keys(e) for e in names}
    kept = [other["uid"] for other in names if _judge(subject, other, keys, threshold)]
    if not kept:
        return []
    rows = _described(graph.read(cypher.MATCHABLE_BY_UID, uids=[uid, *kept]))
    subject = next((e for e in rows if e["uid"] == uid), None)
    if subject is None:
        return []
    rejected = _rejected(graph)
    found = [
        c
        for other in rows
        if (c := _judge(subject, other, keys, threshold)) and c.key not in rejected
    ]
    return sorted(found, key=Candidate.rank)


def _described(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entities that records describe, their record keys sorted: a decision is stored under
    the first, so it must be the same whichever query found the entity."""
    return [{**row, "records": sorted(row["records"])} for row in rows if row["records"]]


def _rejected(graph: Graph) -> set[str]:
    return {d["key"] for d in graph.read(cypher.DECISIONS) if d["verdict"] == "reject"}


def decide(graph: Graph, uid_a: str, uid_b: str, verdict: str, note: str | None = None) -> str:
    """Record ``accept`` or ``reject`` for two entities (by their uids); accept merges them."""
    [key] = decide_many(graph, [(uid_a, uid_b)], verdict, note)
    return key


def decide_many(
    graph: Graph, pairs: list[tuple[str, str]], verdict: str, note: str | None = None
) -> list[str]:
    """Record one verdict for several pairs of entities, then merge the accepted ones in one
    pass; the decisions' keys."""
    if verdict not in ("accept", "reject"):
        raise ValueError("a decision is accept or reject")
    uids = sorted({uid for pair in pairs for uid in pair})
    records = {
        row["uid"]: row["records"]
        for row in _described(graph.read(cypher.ENTITY_RECORDS, uids=uids))
    }
    rows = []
    for uid_a, uid_b in pairs:
        missing = [uid for uid in (uid_a, uid_b) if not records.get(uid)]
        if missing:
            raise ValueError(f"no entity {missing[0]!r}")
        if uid_a == uid_b:
            raise ValueError("an entity cannot be matched with itself")
        record_a, record_b = records[uid_a][0], records[uid_b][0]
        key = decision_key(record_a, record_b)
        rows.append({"key": key, "record_a": record_a, "record_b": record_b, "score": None})
    graph.write(
        cypher.UPSERT_DECISIONS,
        rows=rows,
        verdict=verdict,
        now=clock.now(),
        note=note,
    )
    keys = [row["key"] for row in rows]
    if verdict == "accept":
        apply_decisions(graph)
    return keys


def accept_obvious(graph: Graph, threshold: float = DEFAULT_THRESHOLD) -> int:
    """Accept every obvious proposal (:attr:`Candidate.obvious`), round after round: merging
    two entities can make their neighbours' duplicates obvious in turn (a second source
    repeating a first). Returns how many pairs were accepted."""
    accepted = 0
    while True:
        pairs = []
        taken: set[str] = set()
        for c in candidates(graph, threshold, limit=1_000_000):
            if c.obvious and not {c.a["uid"], c.b["uid"]} & taken:
                pairs.append((c.a["uid"], c.b["uid"]))
                taken.update(pairs[-1])
        if not pairs:
            return accepted
        decide_many(graph, pairs, "accept", note="obvious: accepted together")
        accepted += len(pairs)


def apply_decisions(graph: Graph, chunk: int = MERGE_CHUNK) -> int:
    """Merge the entities of every accepted decision that are still apart; returns how many
    entities were merged into another.

    Run after each import, so a decision survives re-imports of either source. Decisions that
    chain (A is B, B is C) make one entity, kept under the lowest key. Merges commit ``chunk``
    at a time, each merge's statements one after the other.
    """
    parent: dict[str, str] = {}

    def root(uid: str) -> str:
        while parent.setdefault(uid, uid) != uid:
            uid = parent[uid]
        return uid

    for decision in graph.read(cypher.DECISIONS):
        a, b = decision["entity_a"], decision["entity_b"]
        if decision["verdict"] == "accept" and a and b and a != b:
            low, high = sorted((root(a), root(b)))
            parent[high] = low
    pairs = sorted((root(uid), uid) for uid in parent if root(uid) != uid)
    for i in range(0, len(pairs), chunk):
        part = pairs[i : i + chunk]
        keeps = sorted({keep for keep, _ in part})
        with graph.transaction() as tx:
            for keep, drop in part:
                for statement in cypher.MERGE_MOVES:
                    tx.run(statement, keep=keep, drop=drop)
            tx.run(cypher.MERGE_RECORDS, uids=keeps)
            owners = tx.read(cypher.OWNERS_STATING, uids=keeps)[0]["owners"]
        holdings.settle(graph, [*keeps, *owners])  # once the merges have committed
    return len(pairs)

"""The source statements behind a holding: who states what.

A holding (``HOLDS``, :mod:`ownership.holdings`) lists the ``OWNS`` statements it was derived
from. When they disagree on the share, every view says which source states what, in the same
words: "70% (reg-a), 60% (reg-c)".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ownership import cypher
from ownership.graph import Graph
from ownership.shares import share_text


@dataclass(frozen=True)
class Claim:
    """One source's statement of one holding."""

    uid: str
    source: str
    record_id: str | None
    owner: str
    owner_name: str | None
    owned: str
    owned_name: str | None
    share: float | None = None
    share_min: float | None = None
    share_max: float | None = None
    kind: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    file: str | None = None
    imported_at: dt.datetime | None = None

    @property
    def text(self) -> str:
        """'70% (reg-a)'."""
        return f"{share_text(self.share, self.share_min, self.share_max)} ({self.source})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "source": self.source,
            "record_id": self.record_id,
            "share": self.share,
            "share_min": self.share_min,
            "share_max": self.share_max,
            "kind": self.kind,
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "end_date": self.end_date.isoformat() if self.end_date else None,
            "file": self.file,
            "imported_at": self.imported_at.isoformat() if self.imported_at else None,
        }


def claims(graph: Graph, holdings: Iterable[tuple[str, str, Iterable[str]]]) -> dict[str, Claim]:
    """The statements behind holdings given as (owner uid, owned uid, statement uids), as a
    holding lists them, by uid (those no longer in the graph are left out). Found through the
    two entities: a look-up by the statement's own uid reads every statement on the embedded
    server."""
    wanted: dict[tuple[str, str], set[str]] = {}
    for owner, owned, uids in holdings:
        wanted.setdefault((owner, owned), set()).update(uids)
    rows = [
        {"owner": owner, "owned": owned, "statements": sorted(uids)}
        for (owner, owned), uids in sorted(wanted.items())
        if uids
    ]
    if not rows:
        return {}
    fields = Claim.__dataclass_fields__
    return {
        row["uid"]: Claim(**{k: v for k, v in row.items() if k in fields})
        for row in graph.read(cypher.STATEMENTS_OF_HOLDINGS, holdings=rows)
    }


def stated(found: Iterable[Claim]) -> str:
    """What each source states, highest share first: '70% (reg-a), 60% (reg-c)'."""

    def high(claim: Claim) -> float:
        value = claim.share if claim.share is not None else claim.share_max
        return -(value if value is not None else -1.0)

    return ", ".join(c.text for c in sorted(found, key=lambda c: (high(c), c.source, c.uid)))


def disagreement(found: Iterable[Claim]) -> str:
    """'Lion Gate Ventures → OOO Angara Hash: 70% (reg-a), 60% (reg-c)'."""
    found = list(found)
    if not found:
        return ""
    first = found[0]
    return f"{first.owner_name or first.owner} → {first.owned_name or first.owned}: {stated(found)}"

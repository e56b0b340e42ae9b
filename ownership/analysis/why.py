"""Why the 50 percent rule catches an entity: the tree of blocked owners and their stakes, down
to each sanctions listing (with authority, program and date).

The rule itself is :func:`ownership.analysis.sanctions.blocked_entities`; this module only
arranges what it found (each finding's ``because``) as a tree rooted at one entity, so the
profile, the report and the command line explain a verdict the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ownership.analysis.sanctions import LISTED, Finding, blocked_entities
from ownership.graph import Graph


@dataclass
class WhyNode:
    """One entity of the explanation: its status, the stake it holds in the entity above it
    (none for the root), its listings, and the blocked owners whose stakes count against it."""

    uid: str
    id: str
    name: str
    jurisdiction: str | None
    status: str
    blocked_share_min: float | None = None
    blocked_share_max: float | None = None
    stake: dict[str, Any] | None = None
    listings: list[dict[str, Any]] = field(default_factory=list)
    owners: list[WhyNode] = field(default_factory=list)
    repeated: bool = False  # explained higher up on this branch (circular ownership)

    def as_dict(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "id": self.id,
            "name": self.name,
            "jurisdiction": self.jurisdiction,
            "status": self.status,
            "blocked_share_min": self.blocked_share_min,
            "blocked_share_max": self.blocked_share_max,
            "stake": self.stake,
            "listings": self.listings,
            "owners": [o.as_dict() for o in self.owners],
            "repeated": self.repeated,
        }

    def lines(self, depth: int = 0) -> list[str]:
        """The tree as indented text, one entity per line, listings under their entity."""
        pad = "  " * depth
        stake = f"{stake_text(self.stake)} held by " if self.stake else ""
        total = ""
        if self.status != LISTED and self.blocked_share_min is not None:
            total = (
                f" ({band(self.blocked_share_min, self.blocked_share_max)} held by blocked parties)"
            )
        again = " (see above)" if self.repeated else ""
        out = [
            f"{pad}{stake}{self.name} [{self.id}, {self.jurisdiction or '?'}]: {self.status}{total}{again}"
        ]
        for listing in self.listings:
            out.append(f"{pad}  listed: {listing_text(listing)}")
        for owner in self.owners:
            out.extend(owner.lines(depth + 1))
        return out

    def text(self) -> str:
        return "\n".join(self.lines())


def band(low: float | None, high: float | None) -> str:
    if low is None and high is None:
        return "?"
    if low == high or high is None:
        return f"{low:g}%"
    return f"{low if low is not None else 0:g}–{high:g}%"


def stake_text(stake: dict[str, Any]) -> str:
    if stake.get("share") is not None:
        return f"{stake['share']:g}%"
    low, high = stake.get("share_min"), stake.get("share_max")
    return f"{'?' if low is None else f'{low:g}'}–{'?' if high is None else f'{high:g}'}%"


def listing_text(listing: dict[str, Any]) -> str:
    bits = [listing.get("authority"), listing.get("program")]
    since = listing.get("listed_on")
    text = " ".join(str(b) for b in bits if b)
    return f"{text} since {since}" if since else text


def tree(findings: list[Finding], uid: str) -> WhyNode | None:
    """The explanation of ``uid`` from the rule's findings; None when the rule does not catch
    it."""
    by_uid = {f.uid: f for f in findings}
    if uid not in by_uid:
        return None
    return _node(by_uid, by_uid[uid], None, ())


def _node(
    by_uid: dict[str, Finding],
    finding: Finding,
    stake: dict[str, Any] | None,
    above: tuple[str, ...],
) -> WhyNode:
    node = WhyNode(
        uid=finding.uid,
        id=finding.id,
        name=finding.name,
        jurisdiction=finding.jurisdiction,
        status=finding.status,
        blocked_share_min=finding.blocked_share_min,
        blocked_share_max=finding.blocked_share_max,
        stake=stake,
    )
    if finding.uid in above:
        node.repeated = True
        return node
    for item in finding.because:
        if "owner_uid" in item:
            owner = by_uid.get(item["owner_uid"])
            if owner is not None:
                share = {k: item.get(k) for k in ("share", "share_min", "share_max")}
                node.owners.append(_node(by_uid, owner, share, (*above, finding.uid)))
        else:
            node.listings.append(item)
    return node


def explain(graph: Graph, uid: str, as_of: dt.date, rule: str = "ofac") -> WhyNode | None:
    """Why ``uid`` is listed, blocked or possibly blocked on ``as_of`` (None: it is not)."""
    return tree(blocked_entities(graph, as_of, rule), uid)

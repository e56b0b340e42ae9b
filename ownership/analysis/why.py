"""Why the 50 percent rule catches an entity, or does not: the tree of blocked owners and their
stakes, down to each sanctions listing (with authority, program and date).

The rule itself is :mod:`ownership.analysis.sanctions` (its fixpoint's findings, each with its
``because``); this module is its only explanation: one tree model (:class:`WhyNode`), one
sentence (:meth:`RuleStatus.summary`) and one text rendering (:meth:`WhyNode.lines`), used by
``ownership show``, the explorer's profile, the "why" picture and the HTML report alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ownership import clock
from ownership.analysis.sanctions import BLOCKED, LISTED, POSSIBLY, RULES, Finding, findings_on
from ownership.graph import Graph
from ownership.shares import pct, share_text


@dataclass
class WhyNode:
    """One entity of the explanation: its status, the stake it holds in the entity above it
    (none for the root), its listings, and the blocked owners whose stakes count against it."""

    uid: str
    id: str
    name: str
    jurisdiction: str | None
    status: str  # listed | blocked | possibly-blocked | "" (not caught)
    blocked_share_min: float | None = None
    blocked_share_max: float | None = None
    stake: dict[str, Any] | None = None  # share, share_min, share_max, sources
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

    def held_text(self) -> str:
        """What blocked parties hold of it: '50%', '40–60%' (sure to possible)."""
        low, high = self.blocked_share_min, self.blocked_share_max
        return share_text(low) if high is None or low == high else share_text(None, low, high)

    def head(self) -> str:
        """This entity on one line: 'OOO X [ru-1, RU]: blocked (50% held by blocked parties)',
        preceded by its stake ('25% held by …') below the root."""
        stake = f"{stake_text(self.stake)} held by " if self.stake is not None else ""
        total = ""
        if self.status != LISTED and self.blocked_share_min is not None:
            total = f" ({self.held_text()} held by blocked parties)"
        again = " (see above)" if self.repeated else ""
        status = self.status or "not blocked"
        return f"{stake}{self.name} [{self.id}, {self.jurisdiction or '?'}]: {status}{total}{again}"

    def lines(self, depth: int = 0) -> list[str]:
        """The tree as indented text, one entity per line, listings under their entity."""
        return [f"{'  ' * depth}{self.head()}", *self.reasons(depth + 1)]

    def reasons(self, depth: int = 0) -> list[str]:
        """What explains this entity (its listings, its blocked owners' subtrees), indented."""
        out = [f"{'  ' * depth}listed: {listing_text(item)}" for item in self.listings]
        for owner in self.owners:
            out.extend(owner.lines(depth))
        return out

    def text(self) -> str:
        return "\n".join(self.lines())


def stake_text(stake: Mapping[str, Any]) -> str:
    """A stake of the tree as a share: '25%', '40–60%', '?'."""
    return share_text(stake.get("share"), stake.get("share_min"), stake.get("share_max"))


def listing_text(listing: Mapping[str, Any], short: bool = False) -> str:
    """'OFAC RUSSIA-EO14024 since 2022-04-20'; ``short`` (a picture's node): 'OFAC 2022-04-20'."""
    since = listing.get("listed_on")
    if short:
        return " ".join(str(b) for b in (listing.get("authority") or "?", since) if b)
    bits = [listing.get("authority"), listing.get("program")]
    text = " ".join(str(b) for b in bits if b) or "a sanctions list"
    return f"{text} since {since}" if since else text


def tree(findings: Mapping[str, Finding] | list[Finding], uid: str) -> WhyNode | None:
    """The explanation of ``uid`` from the rule's findings (a list of what it catches, or
    :func:`~ownership.analysis.sanctions.every_finding`'s map, which also explains a "not
    blocked"); None when the findings do not mention it."""
    by_uid = findings if isinstance(findings, Mapping) else {f.uid: f for f in findings}
    if uid not in by_uid:
        return None
    return _node(by_uid, by_uid[uid], None, ())


def _node(
    by_uid: Mapping[str, Finding],
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
                share = {k: item.get(k) for k in ("share", "share_min", "share_max", "sources")}
                node.owners.append(_node(by_uid, owner, share, (*above, finding.uid)))
        else:
            node.listings.append(item)
    return node


@dataclass
class RuleStatus:
    """Where one entity stands under the rule on a date, and why (``tree``: None when no
    listed or blocked party holds any of it)."""

    uid: str
    rule: str
    as_of: dt.date
    tree: WhyNode | None = None

    @property
    def status(self) -> str:
        return self.tree.status if self.tree else ""

    @property
    def relevant(self) -> bool:
        """Caught, or a listed or blocked party holds some of it: there is a why to show."""
        return self.tree is not None and bool(self.tree.status or self.tree.owners)

    def summary(self) -> str:
        """One sentence: the status and the numbers that decide it."""
        rule = RULES[self.rule]
        name = f"the {'OFAC' if rule.name == 'ofac' else 'EU/UK'} 50% rule"
        need = f"{'at least' if rule.inclusive else 'more than'} {rule.threshold:g}%"
        when = self.as_of.isoformat()
        root = self.tree
        if root is None or not self.relevant:
            return f"Not blocked under {name} on {when}: no listed or blocked party owns any of it."
        low, high = pct(root.blocked_share_min), pct(root.blocked_share_max)
        if root.status == LISTED:
            lists = "; ".join(listing_text(x) for x in root.listings) or "a sanctions list"
            return f"Listed on {when}: {lists}."
        if root.status == BLOCKED:
            return (
                f"Blocked under {name} on {when}: listed or blocked parties own {low} of it "
                f"in aggregate ({need} blocks)."
            )
        if root.status == POSSIBLY:
            return (
                f"Possibly blocked under {name} on {when}: blocked parties own {low} for sure, "
                f"but up to {high} when ownership bands or unknown shares are at their maximum "
                f"({need} blocks)."
            )
        return (
            f"Not blocked under {name} on {when}: listed or blocked parties own {low} of it "
            f"in aggregate; {need} blocks."
        )

    def lines(self) -> list[str]:
        """The justification under the summary (which names the listings of a listed entity):
        each blocked owner's subtree, as text."""
        return [line for owner in self.tree.owners for line in owner.lines()] if self.tree else []

    def as_dict(self) -> dict[str, Any]:
        """JSON (``ownership show``): ``because`` nests each counted stake with its owner's own
        ``because`` or ``listings``; ``tree`` is the same explanation as :class:`WhyNode` and
        ``text`` its lines."""
        root = self.tree
        return {
            "rule": self.rule,
            "as_of": self.as_of.isoformat(),
            "status": self.status or "not-blocked",
            "summary": self.summary(),
            "blocked_share_min": root.blocked_share_min if root else None,
            "blocked_share_max": root.blocked_share_max if root else None,
            "listings": list(root.listings) if root else [],
            "because": _because(root) if root else [],
            "tree": root.as_dict() if root else None,
            "text": root.lines() if root else [],
        }


def _because(node: WhyNode) -> list[dict[str, Any]]:
    """The stakes counted against ``node``, each with its owner's reasons, to the listings."""
    stakes = []
    for owner in node.owners:
        stake = owner.stake or {}
        item: dict[str, Any] = {
            "owner": owner.id,
            "owner_uid": owner.uid,
            "owner_name": owner.name,
            "owner_status": owner.status,
            "share": stake.get("share"),
            "share_min": stake.get("share_min"),
            "share_max": stake.get("share_max"),
            "sources": list(stake.get("sources") or []),
            "owned_name": node.name,
        }
        if owner.status == LISTED:
            item["listings"] = list(owner.listings)
        elif not owner.repeated:
            item["because"] = _because(owner)
        stakes.append(item)
    return stakes


def rule_status(
    graph: Graph,
    uid: str,
    as_of: dt.date | None = None,
    rule: str = "ofac",
    authorities: list[str] | tuple[str, ...] = (),
) -> RuleStatus:
    """The 50 % rule status of entity ``uid`` on ``as_of`` and its explanation."""
    as_of = as_of or clock.today()
    return RuleStatus(uid, rule, as_of, tree(findings_on(graph, as_of, rule, authorities), uid))

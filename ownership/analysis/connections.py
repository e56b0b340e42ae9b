"""How two entities are connected (``ownership connect``): shortest undirected paths.

Links are ownership, officer roles and shared registered addresses. The search is a
breadth-first search from both ends, one graph query per step, so that hubs (formation agents,
registered-agent addresses, nominee directors with hundreds of companies) can be skipped: a node
with more than ``hub_limit`` links is not walked through unless ``hub_limit`` is None.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ownership import clock, cypher
from ownership.graph import Graph

DEFAULT_HUB_LIMIT = 50
DEFAULT_MAX_HOPS = 6


@dataclass
class Step:
    uid: str
    name: str
    kind: str  # "entity" or "address"


@dataclass
class Connection:
    steps: list[Step]
    links: list[dict[str, Any]]  # {type, direction, share}

    def as_dict(self) -> dict[str, Any]:
        return {
            "nodes": [{"uid": s.uid, "name": s.name, "kind": s.kind} for s in self.steps],
            "links": self.links,
            "hops": len(self.links),
        }

    def describe(self) -> str:
        parts = [self.steps[0].name]
        for link, step in zip(self.links, self.steps[1:], strict=True):
            arrow = {"HOLDS": "owns", "OFFICER_OF": "officer of", "REGISTERED_AT": "registered at"}[
                link["type"]
            ]
            parts.append(f"-[{arrow}]{'->' if link['forward'] else '<-'} {step.name}")
        return " ".join(parts)


def connect(
    graph: Graph,
    a: str,
    b: str,
    as_of: dt.date | None = None,
    max_hops: int = DEFAULT_MAX_HOPS,
    hub_limit: int | None = DEFAULT_HUB_LIMIT,
    limit: int = 20,
) -> list[Connection]:
    """All shortest connections between entity uids ``a`` and ``b`` (at most ``limit``)."""
    as_of = as_of or clock.today()
    if a == b:
        return []
    names: dict[str, tuple[str, str]] = {}
    # parents[side][node] = list of (previous node, link seen from previous)
    parents: list[dict[str, list[tuple[str, dict[str, Any]]]]] = [{a: []}, {b: []}]
    frontiers = [[a], [b]]
    depth = [0, 0]
    meeting: set[str] = set()
    while not meeting and depth[0] + depth[1] < max_hops and (frontiers[0] or frontiers[1]):
        side = (
            0
            if (len(frontiers[0]) <= len(frontiers[1]) and frontiers[0]) or not frontiers[1]
            else 1
        )
        next_frontier: list[str] = []
        for row in graph.read(cypher.NEIGHBOURS, uids=frontiers[side], as_of=as_of):
            other = row["other"]
            names[other] = (
                row["name"] or other,
                "address" if "Address" in row["labels"] else "entity",
            )
            if other in parents[side] and other not in next_frontier:
                continue
            link = {"type": row["type"], "outgoing": row["outgoing"], "share": row["share"]}
            is_hub = hub_limit is not None and row["degree"] > hub_limit and other not in (a, b)
            if other not in parents[side]:
                parents[side][other] = []
                if not is_hub:
                    next_frontier.append(other)
            parents[side][other].append((row["uid"], link))
            if other in parents[1 - side] and not is_hub:
                meeting.add(other)
        frontiers[side] = next_frontier
        depth[side] += 1
    for row in graph.read(
        cypher.NODES_BY_UID, uids=[a, b]
    ):  # the ends: no neighbour row names them
        names[row["uid"]] = (row["name"] or row["uid"], "entity")
    connections = []
    for middle in sorted(meeting):
        for left in _walks(parents[0], middle, a):
            for right in _walks(parents[1], middle, b):
                connections.append(_join(left, list(reversed(right)), names))
    connections.sort(key=lambda c: (len(c.links), [s.uid for s in c.steps]))
    unique = {tuple(s.uid for s in c.steps): c for c in connections}
    return list(unique.values())[:limit]


def _walks(
    parents: dict[str, list[tuple[str, dict[str, Any]]]], node: str, root: str
) -> list[list[tuple[str, dict[str, Any] | None]]]:
    """Every walk from ``root`` to ``node`` through the BFS parents, as (node, link-in) pairs."""
    if node == root:
        return [[(root, None)]]
    walks = []
    for previous, link in parents.get(node, []):
        for walk in _walks(parents, previous, root):
            if node not in (n for n, _ in walk):
                walks.append([*walk, (node, link)])
    return walks


def _join(
    left: list[tuple[str, dict[str, Any] | None]],
    right: list[tuple[str, dict[str, Any] | None]],
    names: dict[str, tuple[str, str]],
) -> Connection:
    """``left`` runs from a to the middle, ``right`` from the middle to b (links face b's way)."""
    steps = [Step(uid, *names[uid]) for uid, _ in left]
    links: list[dict[str, Any]] = []
    for _, link in left[1:]:
        assert link is not None
        links.append({"type": link["type"], "forward": link["outgoing"], "share": link["share"]})
    # right = [(middle, link), ..., (b, None)]: the link stored at a node joins it to its BFS
    # parent, the next node toward b, and "outgoing" there means parent -> node
    for index in range(1, len(right)):
        uid = right[index][0]
        link = right[index - 1][1]
        assert link is not None
        steps.append(Step(uid, *names[uid]))
        links.append(
            {"type": link["type"], "forward": not link["outgoing"], "share": link["share"]}
        )
    return Connection(steps, links)

"""The part of the graph a page draws: nodes, ownership edges, and what was left out.

This is the explorer's only module that reads the graph directly, and only through named queries
of :mod:`ownership.cypher` (``NODES_BY_UID``, ``EDGES_AMONG``, ``NEIGHBOURS``). Drawing is capped
so a hub (a formation agent with 3,000 companies) never floods the screen:

- at most ``per_node`` new neighbours are drawn from each node, the rest are summarised as
  "and M more" on that node;
- with hub suppression on, a node with more than ``hub_limit`` ownership links (other than the
  entity in focus) is drawn but not expanded: only the focus's own ownership paths pass it;
- never more than ``max_nodes`` nodes in all.

Officers and registered addresses (the shell signals) are drawn on request only, per node
(``officers``, ``addresses``): a node's officers with the other companies each of them serves
(or, for a person, the companies it serves), a company's address with the other entities
registered there, or an address's entities. The same caps hold: ``per_node`` new neighbours a
node, "and M more" for the rest; an officer or an address with more links than ``hub_limit`` is
drawn but not walked (a nominee director of 2,000 companies, or 500 companies at one formation
agent's address, stay one node saying "and 1,999 more") until that node itself is expanded, and
then only ``per_node`` of its links. ``removed`` nodes are never drawn (the focus stays).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ownership import clock, cypher
from ownership.graph import Graph

DEFAULT_PER_NODE = 15
DEFAULT_MAX_NODES = 150
HARD_MAX_NODES = 500  # whatever the caller asks for
DEFAULT_HUB_LIMIT = 30
ADDRESS = "address"  # Node.kind of a registered address


@dataclass
class Node:
    id: str  # graph key (uid), or a Bolt element id for console results
    name: str
    record_id: str = ""
    jurisdiction: str | None = None
    kind: str | None = None
    tags: list[str] = field(default_factory=list)
    sanctioned: bool = False  # ever on a list (any date)
    status: str = ""  # listed | blocked | possibly-blocked on the as-of date ('' = none)
    degree: int = 0  # ownership links in the whole graph
    focus: bool = False
    hub: bool = False  # drawn, but its other links were not walked
    more: int = 0  # neighbours left out by the per-node cap
    labels: list[str] = field(default_factory=list)
    operates_in: list[str] = field(default_factory=list)  # countries of operations


@dataclass
class Edge:
    source: str
    target: str
    type: str = "HOLDS"
    share: float | None = None
    share_min: float | None = None
    share_max: float | None = None
    kind: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    records: int = 1  # source statements behind this holding
    sources: list[str] = field(default_factory=list)  # the sources that state it


@dataclass
class Subgraph:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    left_out: int = 0  # candidate nodes not drawn because of the caps
    as_of: dt.date | None = None

    def node(self, uid: str) -> Node | None:
        return next((n for n in self.nodes if n.id == uid), None)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO text."""

        def clean(item: Any) -> dict[str, Any]:
            return {
                k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in asdict(item).items()
            }

        return {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "nodes": [clean(n) for n in self.nodes],
            "edges": [clean(e) for e in self.edges],
            "left_out": self.left_out,
        }


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def _node(row: Mapping[str, Any], status: Mapping[str, str]) -> Node:
    return Node(
        id=row["uid"],
        name=row.get("name") or row.get("id") or row["uid"],
        record_id=row.get("id") or "",
        jurisdiction=row.get("jurisdiction"),
        kind=row.get("kind"),
        tags=list(row.get("tags") or []),
        sanctioned=bool(row.get("sanctioned")),
        status=status.get(row["uid"], ""),
        degree=int(row.get("degree") or 0),
        operates_in=list(row.get("operates_in") or []),
    )


def _edges(rows: Iterable[Mapping[str, Any]]) -> list[Edge]:
    """One edge per holding (a holding several sources state is one relationship already)."""
    return [
        Edge(
            source=row["source"],
            target=row["target"],
            share=row.get("share"),
            share_min=row.get("share_min"),
            share_max=row.get("share_max"),
            kind=row.get("kind"),
            start_date=row.get("start_date"),
            end_date=row.get("end_date"),
            records=len(row.get("statements") or []) or 1,
            sources=list(row.get("sources") or []),
        )
        for row in rows
    ]


def neighbours(
    graph: Graph, uids: Sequence[str], as_of: dt.date
) -> dict[str, list[tuple[str, float | None]]]:
    """Direct ownership neighbours in force on ``as_of``: {uid: [(other uid, share)]}."""
    found: dict[str, list[tuple[str, float | None]]] = defaultdict(list)
    if not uids:
        return found
    for row in graph.read(cypher.NEIGHBOURS, uids=list(uids), as_of=as_of):
        if row["type"] == "HOLDS" and row.get("other"):
            found[row["uid"]].append((row["other"], row.get("share")))
    return found


def build(
    graph: Graph,
    focus: Sequence[str],
    candidates: Sequence[str],
    as_of: dt.date,
    *,
    per_node: int | None = DEFAULT_PER_NODE,
    max_nodes: int = DEFAULT_MAX_NODES,
    hub_limit: int | None = None,
    expand: Sequence[str] = (),
    status: Mapping[str, str] | None = None,
    officers: Sequence[str] = (),
    addresses: Sequence[str] = (),
    removed: Sequence[str] = (),
) -> Subgraph:
    """The ownership subgraph around ``focus``: ``candidates`` (the entities on its ownership
    paths, e.g. its owners and subsidiaries) plus the direct neighbours of the ``expand`` nodes,
    then the officers and addresses asked for (:func:`_add_links`).

    Nodes are taken breadth-first from the focus along ownership edges in force on ``as_of``,
    strongest share first, within the caps described in the module docstring. A hub (with hub
    suppression on) is not expanded, and only the candidates are reached through it.
    """
    status = status or {}
    max_nodes = max(1, min(max_nodes, HARD_MAX_NODES))
    every = _unique([*focus, *candidates])
    # at most a bounded number of candidates: beyond that nothing could be drawn anyway
    gone = set(removed) - set(focus)
    every = [u for u in every if u not in gone]
    core = every[: max_nodes * 4 + len(focus)]
    wanted = [u for u in _unique(expand) if u not in gone]
    info = {
        row["uid"]: _node(row, status)
        for row in graph.read(cypher.NODES_BY_UID, uids=_unique([*core, *wanted]))
    }

    def is_hub(uid: str) -> bool:
        node = info.get(uid)
        return (
            hub_limit is not None
            and node is not None
            and uid not in focus
            and node.degree > hub_limit
        )

    extra = neighbours(graph, [u for u in wanted if u in info and not is_hub(u)], as_of)
    found: list[str] = []
    for uid in wanted:
        found.extend(
            other for other, _ in sorted(extra.get(uid, []), key=lambda item: -(item[1] or 0.0))
        )
    found = [u for u in found if u not in gone]
    pool = _unique([*every, *found])  # everything that could be drawn (for "left out")
    added = [u for u in _unique(found) if u not in info][: max_nodes * 4]
    if added:
        info.update(
            {row["uid"]: _node(row, status) for row in graph.read(cypher.NODES_BY_UID, uids=added)}
        )
    core_set = set(core)
    edges = _edges(graph.read(cypher.EDGES_AMONG, uids=list(info), as_of=as_of))
    adjacency: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for e in edges:
        strength = e.share if e.share is not None else (e.share_max or e.share_min or 0.0)
        adjacency[e.source].append((e.target, strength))
        adjacency[e.target].append((e.source, strength))

    accepted: list[str] = []
    seen: set[str] = set()
    queue: deque[str] = deque()
    for uid in focus:
        if uid in info and uid not in seen and len(accepted) < max_nodes:
            accepted.append(uid)
            seen.add(uid)
            queue.append(uid)
            info[uid].focus = True
    while queue:
        uid = queue.popleft()
        node = info[uid]
        node.hub = is_hub(uid)
        fresh = sorted(
            {
                other: strength
                for other, strength in adjacency[uid]
                if other not in seen and (not node.hub or other in core_set)
            }.items(),
            key=lambda item: (-item[1], info[item[0]].name or "", item[0]),
        )
        room = len(fresh) if per_node is None else per_node
        for other, _ in fresh:
            if room <= 0 or len(accepted) >= max_nodes:
                break
            accepted.append(other)
            seen.add(other)
            queue.append(other)
            room -= 1
    drawn = set(accepted)
    for uid in drawn:
        node = info[uid]
        linked = {other for other, _ in adjacency[uid]}
        node.more = len(linked - drawn)
        if node.hub:  # its links outside this view count too: they were not walked
            node.more = max(node.more, node.degree - len(linked & drawn))
    sub = Subgraph(
        nodes=[info[uid] for uid in accepted],
        edges=[e for e in edges if e.source in drawn and e.target in drawn],
        left_out=len(pool) - len(accepted),
        as_of=as_of,
    )
    if officers or addresses:
        _add_links(
            graph,
            sub,
            officers,
            addresses,
            per_node=per_node or DEFAULT_PER_NODE,
            max_nodes=max_nodes,
            hub_limit=hub_limit,
            gone=gone,
            status=status,
        )
    return sub


@dataclass
class _Link:
    """One officer role or registered address of a node, as ``cypher.NEIGHBOURS`` returns it."""

    other: str  # the other end, seen from the node asked about
    type: str
    outgoing: bool
    role: str | None
    name: str
    is_address: bool
    degree: int


def _links_of(graph: Graph, uids: Sequence[str], as_of: dt.date) -> dict[str, list[_Link]]:
    """Officer roles and registered addresses of ``uids`` in force on ``as_of``, by uid, in a
    fixed order (by name)."""
    found: dict[str, list[_Link]] = defaultdict(list)
    if not uids:
        return found
    for row in graph.read(cypher.NEIGHBOURS, uids=list(uids), as_of=as_of):
        if row["type"] in ("OFFICER_OF", "REGISTERED_AT") and row.get("other"):
            found[row["uid"]].append(
                _Link(
                    row["other"],
                    row["type"],
                    bool(row["outgoing"]),
                    row.get("role"),
                    str(row.get("name") or row["other"]),
                    "Address" in (row.get("labels") or []),
                    int(row.get("degree") or 0),
                )
            )
    for links in found.values():
        links.sort(key=lambda link: (link.type, link.name, link.other, link.role or ""))
    return found


def _add_links(
    graph: Graph,
    sub: Subgraph,
    officers: Sequence[str],
    addresses: Sequence[str],
    *,
    per_node: int,
    max_nodes: int,
    hub_limit: int | None,
    gone: set[str],
    status: Mapping[str, str],
) -> None:
    """Add to ``sub`` the officers of the drawn nodes ``officers`` and the addresses (with the
    entities registered there) of the drawn nodes ``addresses``, within the caps."""
    as_of = sub.as_of or clock.today()
    drawn = {n.id: n for n in sub.nodes}
    edges: dict[tuple[str, str, str, str], Edge] = {}
    entities: list[str] = []  # new entity nodes, filled in from NODES_BY_UID below

    def add_edge(link: _Link, source: str, target: str) -> None:
        kind = link.role if link.type == "OFFICER_OF" else None
        edges.setdefault(
            (source, target, link.type, kind or ""), Edge(source, target, link.type, kind=kind)
        )

    def draw(link: _Link) -> bool:
        """Draw the other end of ``link`` if the caps allow; whether it is drawn."""
        if link.other in drawn:
            return True
        if link.other in gone or len(drawn) >= max_nodes:
            return False
        if link.is_address:
            node = Node(id=link.other, name=link.name, kind=ADDRESS, degree=link.degree)
        else:
            node = Node(id=link.other, name=link.name)
            entities.append(link.other)
        drawn[link.other] = node
        sub.nodes.append(node)
        return True

    def connect(node: Node, links: list[_Link]) -> None:
        """Draw ``links`` of ``node`` (each linking it to its other end), at most ``per_node``
        new ends; what is left is counted on the node."""
        room, more = per_node, 0
        for link in links:
            new = link.other not in drawn
            if (new and room <= 0) or not draw(link):
                more += 1
                continue
            room -= new
            # officer → company, entity → address, whichever end asked
            add_edge(link, *((node.id, link.other) if link.outgoing else (link.other, node.id)))
        node.more += more

    def walk_past_hubs(ends: dict[str, int], kind: str, asked: set[str]) -> None:
        """Draw the ``kind`` links of the drawn nodes ``ends`` ({uid: its number of links});
        one with more links than the hub limit, unless ``asked`` for itself, is drawn and
        linked to what asked for it, not walked: marked a hub, its links not drawn counted."""
        walk = [u for u, n in ends.items() if u in asked or hub_limit is None or n <= hub_limit]
        reached = _links_of(graph, walk, as_of)
        for uid, degree in ends.items():
            node = drawn[uid]
            if uid in reached:
                connect(node, [x for x in reached[uid] if x.type == kind])
            elif uid not in walk:  # a hub
                node.hub = True
                node.more = max(node.more, degree - sum(1 for k in edges if uid in k[:2]))

    asked_officers = [u for u in _unique(officers) if u in drawn]
    asked_addresses = [u for u in _unique(addresses) if u in drawn]
    found = _links_of(graph, _unique([*asked_officers, *asked_addresses]), as_of)
    chosen = set(addresses)  # address nodes among them: walked even if hubs
    places: list[str] = [u for u in asked_addresses if drawn[u].kind == ADDRESS]
    serving: dict[str, int] = {}  # the officers of the nodes asked: {uid: number of links}
    for uid in asked_officers:
        roles = [x for x in found.get(uid, []) if x.type == "OFFICER_OF"]
        connect(drawn[uid], roles)
        serving.update((x.other, x.degree) for x in roles if not x.outgoing and x.other in drawn)
    # an officer's other roles, the companies it also serves (a nominee's other shells), unless
    # it is a hub (a nominee director of thousands) not asked about itself
    walk_past_hubs(
        {u: d for u, d in serving.items() if u not in asked_officers}, "OFFICER_OF", set(officers)
    )
    for uid in asked_addresses:
        if drawn[uid].kind == ADDRESS:
            continue
        registered = [x for x in found.get(uid, []) if x.type == "REGISTERED_AT"]
        connect(drawn[uid], registered)
        places.extend(x.other for x in registered if x.other in drawn)
    # an address reached from a company is not walked past the hub limit; one asked for by
    # itself is, within the per-node cap
    walk_past_hubs({u: drawn[u].degree for u in _unique(places)}, "REGISTERED_AT", chosen)
    if entities:  # drawn from the links' names so far: their display facts now
        info = {
            row["uid"]: _node(row, status) for row in graph.read(cypher.NODES_BY_UID, uids=entities)
        }
        sub.nodes = [
            replace(info[n.id], more=n.more, hub=n.hub) if n.id in info else n for n in sub.nodes
        ]
    sub.edges.extend(edges.values())


def from_chains(
    graph: Graph,
    chains: Sequence[Any],
    as_of: dt.date,
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    status: Mapping[str, str] | None = None,
) -> Subgraph:
    """The chains themselves (their entities and links, nothing else), whole chains only."""
    status = status or {}
    max_nodes = max(1, min(max_nodes, HARD_MAX_NODES))
    uids: list[str] = []
    kept = []
    for chain in chains:
        new = [e["uid"] for e in chain.entities if e["uid"] not in uids]
        if len(uids) + len(new) > max_nodes:
            continue
        uids.extend(new)
        kept.append(chain)
    info = {row["uid"]: _node(row, status) for row in graph.read(cypher.NODES_BY_UID, uids=uids)}
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}  # a holding on several chains: drawn once
    for chain in kept:
        for left, right, link in zip(chain.entities, chain.entities[1:], chain.links, strict=False):
            rows.setdefault(
                (left["uid"], right["uid"], link.start_date, link.statements),
                {
                    "source": left["uid"],
                    "target": right["uid"],
                    "share": link.share,
                    "share_min": link.share_min,
                    "share_max": link.share_max,
                    "start_date": link.start_date,
                    "end_date": link.end_date,
                    "statements": link.statements,  # its provenance: the source records
                    "sources": link.sources,
                },
            )
    for chain in kept:
        if chain.entities:
            start = info.get(chain.entities[0]["uid"])
            if start is not None:
                start.focus = True
    every = {e["uid"] for c in chains for e in c.entities}
    return Subgraph(
        nodes=[info[u] for u in uids if u in info],
        edges=_edges(rows.values()),
        left_out=len(every) - len(uids),
        as_of=as_of,
    )


def _display_name(props: Mapping[str, Any]) -> str:
    for key in ("name", "text", "uid", "key"):
        if props.get(key):
            return str(props[key])
    if props.get("authority"):
        return f"{props['authority']} {props.get('program') or ''}".strip()
    labels = props.get("_labels") or []
    return labels[0] if labels else "?"


def from_result(
    nodes: Sequence[Mapping[str, Any]],
    relationships: Sequence[Mapping[str, Any]],
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    status: Mapping[str, str] | None = None,
) -> Subgraph:
    """What a console query returned (nodes and relationships found in its rows)."""
    status = status or {}
    max_nodes = max(1, min(max_nodes, HARD_MAX_NODES))
    drawn = []
    for props in nodes[:max_nodes]:
        labels = list(props.get("_labels") or [])
        drawn.append(
            Node(
                id=str(props["element_id"]),
                name=_display_name(props),
                record_id=str(props.get("record_id") or ""),
                jurisdiction=props.get("jurisdiction"),
                kind=props.get("kind") or (labels[0].lower() if labels else None),
                tags=list(props.get("tags") or []) if isinstance(props.get("tags"), list) else [],
                status=status.get(str(props.get("uid")), ""),
                labels=labels,
            )
        )
    ids = {n.id for n in drawn}
    edges = [
        Edge(
            source=str(r["start"]),
            target=str(r["end"]),
            type=str(r.get("_type") or ""),
            share=r.get("share"),
            share_min=r.get("share_min"),
            share_max=r.get("share_max"),
            kind=r.get("kind") or r.get("role"),
            start_date=r.get("start_date"),
            end_date=r.get("end_date"),
        )
        for r in relationships
        if str(r.get("start")) in ids and str(r.get("end")) in ids
    ]
    return Subgraph(nodes=drawn, edges=edges, left_out=max(0, len(nodes) - len(drawn)))

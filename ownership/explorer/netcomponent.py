"""A graph you can explore: a small bidirectional Streamlit component over vis-network.

The picture is the one :mod:`ownership.explorer.graphview` builds with pyvis (same colours,
borders, labels and escaped tooltips, and the same passes once the layout settles: labels given
room, names kept legible, the zoom note); this component draws it with the vis-network library
that pyvis bundles, served by Streamlit from a local folder (no CDN), and sends clicks back:
a click on a node returns ``{"action": "open", "uid": …}`` (open its profile), a double click
``{"action": "expand", "uid": …}`` (add its direct owners and holdings in place, within the
caps; for an address: the entities registered there), and a right click opens the node's menu
(:func:`menus`): open, expand owners and holdings, officers, address, collapse, remove. Each
event carries a counter so that clicking the same node twice is two events.

The component's page speaks Streamlit's component protocol with ``postMessage`` directly (the
npm helper library is not needed for this): it announces itself ("componentReady"), receives
"render" messages with the graph as JSON, and posts "setComponentValue" and "setFrameHeight".
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pyvis
import streamlit as st
import streamlit.components.v1 as components

from ownership.config import Settings
from ownership.explorer import graphview, state
from ownership.explorer.subgraph import ADDRESS, Subgraph

VIS = Path(pyvis.__file__).resolve().parent / "templates" / "lib" / "vis-9.1.2"

_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="%(csp)s">
<link rel="stylesheet" href="vis-network.css">
<script src="vis-network.min.js"></script>
%(passes)s
<style>
  body { margin: 0; font-family: sans-serif; }
  #net { width: 100%%; border: 1px solid #ddd; }
  div.vis-tooltip { max-width: 420px; white-space: normal; font-size: 12px; }
  #hint { font-size: 12px; color: #555; padding: 3px 2px; }
  #legend { font-size: 12px; color: #333; padding: 4px 2px; line-height: 22px; }
  #legend .chip { display: inline-block; margin-right: 12px; white-space: nowrap; }
  #legend .sw { display: inline-block; width: 14px; height: 12px; border: 1px solid #888;
                margin-right: 4px; vertical-align: middle; }
  #menu { position: absolute; display: none; background: #fff; border: 1px solid #999;
          box-shadow: 2px 2px 6px rgba(0,0,0,.25); font-size: 13px; z-index: 10; }
  #menu button { display: block; width: 100%%; text-align: left; border: 0; background: none;
                 padding: 5px 12px; cursor: pointer; font: inherit; }
  #menu button:hover { background: #e8f0fe; }
  #box { position: relative; }
  #zoom-note { font-size: 12px; color: #555; padding: 0 2px; }
</style></head>
<body><div id="box"><div id="net"></div><div id="menu" role="menu"></div></div>
<div id="legend-box"></div>%(zoom_note)s<div id="hint">click a node: open its profile · double-click: expand
it in place · right-click: officers, address, collapse, remove · drag to move, scroll to zoom</div>
<script>
var network = null, events = 0, drawn = null;
function post(type, data) {
  window.parent.postMessage(Object.assign({isStreamlitMessage: true, type: type}, data), "*");
}
function hideMenu() { document.getElementById("menu").style.display = "none"; }
function showMenu(uid, items, at) {
  // items: [action, label] pairs from Python; labels set as text, never markup
  var menu = document.getElementById("menu");
  menu.replaceChildren();
  items.forEach(function (item) {
    var button = document.createElement("button");
    button.textContent = item[1];
    button.dataset.action = item[0];
    button.addEventListener("click", function () { hideMenu(); send(item[0], uid); });
    menu.appendChild(button);
  });
  menu.style.left = at.x + "px";
  menu.style.top = at.y + "px";
  menu.style.display = "block";
}
function nodeId(id) {
  id = String(id);
  return id.indexOf("__more__:") === 0 ? id.slice(9) : id;
}
function send(action, uid) {
  events += 1;
  post("streamlit:setComponentValue", {value: {action: action, uid: uid, event: events},
                                        dataType: "json"});
}
function elements(items) {
  // tooltips are HTML built from escaped values (graphview); make them DOM nodes
  return items.map(function (item) {
    var copy = Object.assign({}, item);
    if (typeof copy.title === "string") {
      var box = document.createElement("div");
      box.innerHTML = copy.title;
      copy.title = box;
    }
    return copy;
  });
}
function draw(args) {
  if (drawn === args.drawing_id) { return; }
  drawn = args.drawing_id;
  // the legend: built from escaped values by graphview._legend
  document.getElementById("legend-box").innerHTML = args.legend;
  var box = document.getElementById("net");
  box.style.height = args.height + "px";
  var data = {nodes: new vis.DataSet(elements(args.nodes)),
              edges: new vis.DataSet(elements(args.edges))};
  if (network) { network.destroy(); }
  network = new vis.Network(box, data, args.options);
  // the static picture's passes (graphview): labels given room, legible zoom; the zoom note
  // may change the frame's height
  settle(network, data.nodes, data.edges, box, args.options, function () {
    post("streamlit:setFrameHeight", {height: document.body.scrollHeight});
  });
  var timer = null, menus = args.menus || {}, places = args.addresses || [];
  var isPlace = function (uid) { return places.indexOf(uid) >= 0; };
  network.on("click", function (p) {
    hideMenu();
    if (!p.nodes.length || String(p.nodes[0]).indexOf("__more__:") === 0) { return; }
    var uid = String(p.nodes[0]);
    if (isPlace(uid)) { return; }  // an address has no profile
    clearTimeout(timer);
    timer = setTimeout(function () { send("open", uid); }, 350);
  });
  network.on("doubleClick", function (p) {
    clearTimeout(timer);
    if (!p.nodes.length) { return; }
    var uid = nodeId(p.nodes[0]);
    send(isPlace(uid) ? "addresses" : "expand", uid);
  });
  network.on("oncontext", function (p) {
    p.event.preventDefault();
    var id = network.getNodeAt(p.pointer.DOM);
    if (id === undefined) { hideMenu(); return; }
    var uid = nodeId(id);
    if ((menus[uid] || []).length) { showMenu(uid, menus[uid], p.pointer.DOM); }
  });
  post("streamlit:setFrameHeight", {height: document.body.scrollHeight});
}
window.addEventListener("message", function (event) {
  if (event.data && event.data.type === "streamlit:render") { draw(event.data.args); }
});
post("streamlit:componentReady", {apiVersion: 1});
</script></body></html>
"""
CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src data:; font-src data:"
)


def _folder() -> Path:
    """The component's files (its page and vis-network), written once per version of both
    into OWNERSHIP_HOME (local state; the package folder may be read-only)."""
    page = _PAGE % {"csp": CSP, "passes": graphview.passes(), "zoom_note": graphview.ZOOM_NOTE}
    digest = hashlib.sha256((page + str(VIS)).encode()).hexdigest()[:12]
    folder = Settings.from_env().home / "explorer" / f"graph-component-{digest}"
    if not (folder / "index.html").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("vis-network.min.js", "vis-network.css"):
            shutil.copyfile(VIS / name, folder / name)
        (folder / "index.html").write_text(page, encoding="utf-8")
    return folder


_component: Any = None


KINDS = ("expand", "officers", "addresses")  # what can be drawn around a node, on request
ACTION_LABELS = {
    "open": "Open profile",
    "expand": "Expand owners & holdings",
    "officers": "Show officers / roles",
    "addresses": "Show address & who shares it",
    "collapse": "Collapse (undo its expansions)",
    "remove": "Remove from the picture",
}


@dataclass(frozen=True)
class Asked:
    """What the analyst asked to draw around one entity's picture, in session state: one list
    of node uids per kind of expansion (``key`` itself holds "expand", the multiselect's) and
    the nodes removed (``key.removed``)."""

    key: str

    def state_key(self, kind: str) -> str:
        return self.key if kind == "expand" else f"{self.key}.{kind}"

    def nodes(self, kind: str) -> tuple[str, ...]:
        return tuple(st.session_state.get(self.state_key(kind), []))

    def add(self, kind: str, uid: str) -> None:
        if uid not in self.nodes(kind):
            st.session_state[self.state_key(kind)] = [*self.nodes(kind), uid]

    def collapse(self, uid: str) -> None:
        """Undo every expansion of ``uid`` (what only it brought in goes)."""
        for kind in KINDS:
            if uid in self.nodes(kind):
                st.session_state[self.state_key(kind)] = [u for u in self.nodes(kind) if u != uid]

    def remove(self, uid: str) -> None:
        self.collapse(uid)
        self.add("removed", uid)


def menus(sub: Subgraph, asked: Asked) -> dict[str, list[list[str]]]:
    """Each node's right-click menu, [action, label] pairs: what applies to it now (an address
    has no profile and no owners; an expanded node offers to collapse; the focus stays)."""
    done = {kind: set(asked.nodes(kind)) for kind in KINDS}
    found: dict[str, list[list[str]]] = {}
    for node in sub.nodes:
        place = node.kind == ADDRESS
        actions = [
            *([] if place else ["open"]),
            *(k for k in KINDS if node.id not in done[k] and (not place or k == "addresses")),
            *(["collapse"] if any(node.id in done[k] for k in KINDS) else []),
            *([] if node.focus else ["remove"]),
        ]
        found[node.id] = [[action, ACTION_LABELS[action]] for action in actions]
    return found


def explore(
    sub: Subgraph,
    key: str,
    height: int = 600,
    layout: str = "force",
    on_change: Callable[[], None] | None = None,
    node_menus: dict[str, list[list[str]]] | None = None,
) -> Any:
    """Draw ``sub``; returns the last event ({"action", "uid", "event"}) or None, and calls
    ``on_change`` (before the next run draws anything) when a new event arrives."""
    global _component
    if _component is None:
        _component = components.declare_component("ownership_graph", path=str(_folder()))
    net = graphview.network(sub, height, layout)
    drawing = {
        "nodes": net.nodes,
        "edges": net.edges,
        "options": net.options,
        "legend": graphview.legend(sub),
        "menus": node_menus or {},
        "addresses": [n.id for n in sub.nodes if n.kind == ADDRESS],
    }
    drawing_id = hashlib.sha256(repr(drawing).encode()).hexdigest()[:16]
    return _component(
        **drawing, height=height, drawing_id=drawing_id, key=key, default=None, on_change=on_change
    )


def _act(key: str, asked: Asked) -> None:
    """The component's callback: a click opens that entity's profile, the other actions change
    what is asked for (callbacks run before the widgets of the next run, so they may change
    widget state)."""
    event = st.session_state.get(key) or {}
    uid, action = str(event.get("uid") or ""), event.get("action")
    if not uid:
        return
    if action == "open":
        state.open_entity(uid)
    elif action in KINDS:
        asked.add(str(action), uid)
    elif action == "collapse":
        asked.collapse(uid)
    elif action == "remove":
        asked.remove(uid)


def explore_panel(
    sub: Subgraph, key: str, asked: Asked, height: int = 600, layout: str = "force"
) -> None:
    """Draw ``sub`` for exploring: a click opens that entity's profile, a double click expands
    it (owners and holdings; an address: who is registered there), a right click offers the
    node's menu; what is asked goes into ``asked``."""
    explore(
        sub,
        key,
        height,
        layout,
        on_change=partial(_act, key, asked),
        node_menus=menus(sub, asked),
    )

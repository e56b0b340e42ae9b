"""A graph you can explore: a small bidirectional Streamlit component over vis-network.

The picture is the one :mod:`ownership.explorer.graphview` builds with pyvis (same colours,
borders, labels and escaped tooltips); this component draws it with the vis-network library
that pyvis bundles, served by Streamlit from a local folder (no CDN), and sends clicks back:
a click on a node returns ``{"action": "open", "uid": …}`` (open its profile), a double click
``{"action": "expand", "uid": …}`` (add its direct owners and holdings in place, within the
caps). Each event carries a counter so that clicking the same node twice is two events.

The component's page speaks Streamlit's component protocol with ``postMessage`` directly (the
npm helper library is not needed for this): it announces itself ("componentReady"), receives
"render" messages with the graph as JSON, and posts "setComponentValue" and "setFrameHeight".
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pyvis
import streamlit as st
import streamlit.components.v1 as components

from ownership.config import Settings
from ownership.explorer import graphview, state
from ownership.explorer.subgraph import Subgraph

VIS = Path(pyvis.__file__).resolve().parent / "templates" / "lib" / "vis-9.1.2"

_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="%(csp)s">
<link rel="stylesheet" href="vis-network.css">
<script src="vis-network.min.js"></script>
<style>
  body { margin: 0; font-family: sans-serif; }
  #net { width: 100%%; border: 1px solid #ddd; }
  div.vis-tooltip { max-width: 420px; white-space: normal; font-size: 12px; }
  #hint { font-size: 12px; color: #555; padding: 3px 2px; }
  #legend { font-size: 12px; color: #333; padding: 4px 2px; line-height: 22px; }
  #legend .chip { display: inline-block; margin-right: 12px; white-space: nowrap; }
  #legend .sw { display: inline-block; width: 14px; height: 12px; border: 1px solid #888;
                margin-right: 4px; vertical-align: middle; }
</style></head>
<body><div id="net"></div><div id="legend-box"></div><div id="hint">click a node: open its profile · double-click: expand
its owners and holdings in place · drag to move, scroll to zoom</div>
<script>
var network = null, events = 0, drawn = null;
function post(type, data) {
  window.parent.postMessage(Object.assign({isStreamlitMessage: true, type: type}, data), "*");
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
  window.__graphStable = false;
  network = new vis.Network(box, data, args.options);
  var stable = function () { network.setOptions({physics: {enabled: false}});
                             window.__graphStable = true; };
  if (args.options.physics && args.options.physics.enabled === false) { stable(); }
  else { network.once("stabilizationIterationsDone", stable); }
  var timer = null;
  network.on("click", function (p) {
    if (!p.nodes.length || String(p.nodes[0]).indexOf("__more__:") === 0) { return; }
    var uid = p.nodes[0];
    clearTimeout(timer);
    timer = setTimeout(function () { send("open", uid); }, 350);
  });
  network.on("doubleClick", function (p) {
    clearTimeout(timer);
    if (!p.nodes.length) { return; }
    var uid = String(p.nodes[0]);
    if (uid.indexOf("__more__:") === 0) { uid = uid.slice(9); }
    send("expand", uid);
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
    digest = hashlib.sha256((_PAGE + str(VIS)).encode()).hexdigest()[:12]
    folder = Settings.from_env().home / "explorer" / f"graph-component-{digest}"
    if not (folder / "index.html").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("vis-network.min.js", "vis-network.css"):
            shutil.copyfile(VIS / name, folder / name)
        (folder / "index.html").write_text(_PAGE % {"csp": CSP}, encoding="utf-8")
    return folder


_component: Any = None


def explore(
    sub: Subgraph,
    key: str,
    height: int = 600,
    layout: str = "force",
    on_change: Callable[[], None] | None = None,
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
    }
    drawing_id = hashlib.sha256(repr(drawing).encode()).hexdigest()[:16]
    return _component(
        **drawing, height=height, drawing_id=drawing_id, key=key, default=None, on_change=on_change
    )


def _act(key: str, expand_key: str) -> None:
    """The component's callback: a click opens that entity's profile, a double click adds the
    node to ``expand_key`` (callbacks run before the widgets of the next run, so both may
    change widget state)."""
    event = st.session_state.get(key) or {}
    uid = str(event.get("uid") or "")
    if not uid:
        return
    if event.get("action") == "open":
        state.open_entity(uid)
    elif event.get("action") == "expand":
        expanded = list(st.session_state.get(expand_key, []))
        if uid not in expanded:
            st.session_state[expand_key] = [*expanded, uid]


def explore_panel(
    sub: Subgraph, key: str, expand_key: str, height: int = 600, layout: str = "force"
) -> None:
    """Draw ``sub`` for exploring: a click opens that entity's profile, a double click adds
    the node to ``expand_key`` (the nodes whose direct owners and holdings are drawn too)."""
    explore(sub, key, height, layout, on_change=partial(_act, key, expand_key))

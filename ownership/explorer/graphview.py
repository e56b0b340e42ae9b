"""Drawing a :class:`~ownership.explorer.subgraph.Subgraph` with pyvis (vis-network), offline.

Everything the page needs is inlined (``cdn_resources="in_line"``); the Bootstrap links that the
pyvis template adds unconditionally are removed, and a Content-Security-Policy forbids any other
fetch. Names come from registries and sanctions lists, i.e. from strangers: every data value is
escaped with :func:`html.escape` before it goes into a tooltip (tooltips are turned into DOM
nodes from that escaped HTML in the page). Labels are drawn on the canvas as plain text
(``font.multi`` off): no markup is interpreted there, so they carry the names as they are
(escaping them would print ``&lt;`` on screen; vis-network 9.1.2's own label-markup decoder
for ``&lt;`` is broken, which is why labels do not use its "html" mode). The layout settles once
(``physics.stabilization``) and physics is then switched off so the picture stops moving.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from typing import Any

from pyvis.network import Network

from ownership.explorer.formatting import count, iso, share_text
from ownership.explorer.subgraph import ADDRESS, Edge, Node, Subgraph

# Fill colours by jurisdiction (light, so dark label text stays readable); others get a
# stable colour from the code's hash.
JURISDICTION_COLOURS = {
    "JP": "#aecbfa",
    "RU": "#f4a6a6",
    "SG": "#b9e3c6",
    "HK": "#ffe08a",
    "CY": "#d9c6f7",
    "VG": "#a8e6e6",
    "AE": "#f7c99b",
    "KZ": "#e0e0b8",
    "US": "#c9d3e6",
    "GB": "#d6e6c9",
    "CN": "#f2b5b5",
    "DE": "#e6e6a8",
    "NL": "#ffd1a9",
    "CH": "#f2c4de",
    "LU": "#b8e0dc",
    "KY": "#e8c8f0",
    "PA": "#cfe8b0",
    "SC": "#b0d4e8",
    "BZ": "#e8d4b0",
    "MH": "#d0d0f0",
}
EXTRA_COLOURS = [
    "#e6cfa8",
    "#a8d5e6",
    "#e6a8c8",
    "#b5e6a8",
    "#c8b5e6",
    "#e6e0a8",
    "#a8e6d0",
    "#e6b8a8",
    "#b8c8e6",
    "#d8e6a8",
]
UNKNOWN_COLOUR = "#e0e0e0"
STATUS_BORDERS = {  # the 50 percent rule on the as-of date
    "listed": ("#c00000", 5, False),
    "blocked": ("#7a0000", 5, True),
    "possibly-blocked": ("#e07b00", 4, True),
}
STATUS_WORDS = {"listed": "LISTED", "blocked": "BLOCKED", "possibly-blocked": "POSSIBLY BLOCKED"}
ADDRESS_FILL = "#fff3b0"  # a registered address (drawn on request)
LINK_STYLES = {  # links other than holdings, drawn on request: (colour, dash pattern, legend)
    "OFFICER_OF": ("#2f6fd6", [2, 4], "officer of (label: role)"),
    "REGISTERED_AT": ("#a07800", [8, 4], "registered at"),
}

EDGE_FONT = 12  # px of a share label on a link

_OPTIONS: dict[str, Any] = {
    "layout": {"randomSeed": 7, "improvedLayout": True},
    "physics": {
        "enabled": True,
        "solver": "forceAtlas2Based",
        "forceAtlas2Based": {
            "gravitationalConstant": -90,
            "centralGravity": 0.008,
            "springLength": 190,
            "springConstant": 0.05,
            "avoidOverlap": 1.0,
        },
        "stabilization": {"enabled": True, "iterations": 400, "updateInterval": 50, "fit": True},
        "minVelocity": 1.0,
    },
    "nodes": {
        "font": {"multi": False, "size": 14, "face": "sans-serif"},
        "borderWidth": 1,
        "margin": 8,
    },
    "edges": {
        "arrows": {"to": {"enabled": True, "scaleFactor": 0.7}},
        # nearly straight: the share label sits between the two boxes, where room is made
        "smooth": {"enabled": True, "type": "continuous", "roundness": 0.15},
        "font": {"size": EDGE_FONT, "align": "middle", "strokeWidth": 4},
        "color": {"color": "#7d7d7d", "highlight": "#222222"},
    },
    "interaction": {"hover": True, "tooltipDelay": 150, "keyboard": False, "multiselect": False},
}
_HIERARCHICAL = {
    "hierarchical": {
        "enabled": True,
        "direction": "LR",
        "sortMethod": "directed",
        "nodeSpacing": 80,
        "treeSpacing": 100,
    }
}

CHAR_PX = 8  # a label character's width at the focus font size, roughly
BOX_PAD_PX = 20  # a box's margins and border
ARROW_PX = 28  # an arrow head, at most (it grows with the link's width)
LABEL_ROOM_PX = 80  # a share label ("60–70%"), the arrow head and the gaps either side

CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:"
)


def colour(jurisdiction: str | None) -> str:
    if not jurisdiction:
        return UNKNOWN_COLOUR
    code = jurisdiction.upper()
    if code in JURISDICTION_COLOURS:
        return JURISDICTION_COLOURS[code]
    digest = int(hashlib.sha1(code.encode()).hexdigest(), 16)
    return EXTRA_COLOURS[digest % len(EXTRA_COLOURS)]


def esc(value: Any) -> str:
    """A data value as HTML text. ``href`` is spelled with an entity so pyvis never switches to
    its link-tooltip mode (which would write the tooltip with innerHTML)."""
    text = html.escape("" if value is None else str(value), quote=True)
    return re.sub("href", "hre&#102;", text, flags=re.IGNORECASE)


def label_text(value: Any, limit: int = 40) -> str:
    """A data value for a canvas label: plain text (never markup), shortened, one line."""
    text = " ".join(("" if value is None else str(value)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


NAME_LINE = 22  # characters of a name on one line of a node's label
NAME_LINES = 2  # lines of a name; a longer name ends in "…" (the tooltip has it whole)


def name_lines(value: Any, width: int = NAME_LINE, most: int = NAME_LINES) -> list[str]:
    """A name for a node's label: wrapped at spaces into at most ``most`` lines of ``width``
    characters, the last one shortened with "…" when the name goes on. Narrow boxes are what
    keeps a 40-node picture readable; the full name is in the tooltip."""
    words = label_text(value, 10_000).split(" ")
    lines: list[str] = []
    while words and len(lines) < most:
        line = words.pop(0)
        while words and len(line) + 1 + len(words[0]) <= width:
            line += " " + words.pop(0)
        lines.append(line)
    if words or any(len(line) > width for line in lines):  # more than fits: the last line ends …
        rest = " ".join([lines.pop(), *words])
        lines.append(rest[: width - 1] + "…")
    return [label_text(line, width) for line in lines]


FOCUS_MARK = "★ "  # the start of a chain, or the entity a profile is about


def _node_label(node: Node) -> str:
    if node.kind == ADDRESS:
        return f"{label_text(node.name)}\naddress · {node.degree} registered"
    where = node.jurisdiction or "?"
    abroad = [c for c in node.operates_in if c != node.jurisdiction]
    if abroad:  # "CY, operates in RU": why a Cypriot company ends a chain to Russia
        where += f", operates in {'/'.join(abroad)}"
    last = " · ".join(x for x in (where, STATUS_WORDS.get(node.status, "")) if x)
    name = name_lines(node.name, NAME_LINE - (len(FOCUS_MARK) if node.focus else 0))
    if node.focus:
        name[0] = FOCUS_MARK + name[0]
    return "\n".join([*name, label_text(last, NAME_LINE + 8)])


def _node_title(node: Node) -> str:
    lines = [f"<b>{esc(node.name)}</b>"]
    ident = " · ".join(esc(x) for x in (node.record_id, node.jurisdiction, node.kind) if x)
    if ident:
        lines.append(ident)
    if node.status:
        lines.append(f"50% rule: <b>{esc(node.status)}</b>")
    elif node.sanctioned:
        lines.append("on a sanctions list (not in force on this date)")
    if node.tags:
        lines.append("tags: " + esc(", ".join(node.tags)))
    if node.degree:
        links = "entities registered here" if node.kind == ADDRESS else "ownership links"
        lines.append(f"{links}: {node.degree}")
    if node.hub:
        lines.append("hub: its other links are not drawn")
    if node.more:
        lines.append(f"and {node.more} more not drawn")
    lines.append(f"key: {esc(node.id)}")
    return "<br>".join(lines)


def _edge_label(edge: Edge) -> str:
    if edge.type != "HOLDS":
        return label_text(edge.kind or edge.type.lower().replace("_", " "), 20)
    return share_text(edge.share, edge.share_min, edge.share_max)


def _edge_title(edge: Edge, names: dict[str, str]) -> str:
    lines = [
        f"{esc(names.get(edge.source, edge.source))} → {esc(names.get(edge.target, edge.target))}"
    ]
    if edge.type == "HOLDS":
        lines.append("share: " + esc(share_text(edge.share, edge.share_min, edge.share_max)))
    else:
        lines.append(esc(edge.type))
    if edge.kind:
        lines.append("kind: " + esc(edge.kind))
    if edge.start_date or edge.end_date:
        lines.append(f"from {esc(iso(edge.start_date) or '…')} to {esc(iso(edge.end_date) or '…')}")
    if edge.records > 1:
        lines.append(f"stated by {edge.records} source records ({esc(', '.join(edge.sources))})")
    return "<br>".join(lines)


def _width(edge: Edge) -> float:
    share = edge.share if edge.share is not None else (edge.share_max or edge.share_min or 0.0)
    return 1.0 + 4.0 * min(max(float(share), 0.0), 100.0) / 100.0


def network(sub: Subgraph, height: int = 600, layout: str = "force") -> Network:
    """The pyvis network for ``sub`` (ids are graph keys; labels and tooltips escaped)."""
    net = Network(height=f"{height}px", width="100%", directed=True, cdn_resources="in_line")
    options = json.loads(json.dumps(_OPTIONS))
    if layout == "hierarchical":
        options["layout"].update(_HIERARCHICAL)
        options["physics"]["enabled"] = False
        # levels far enough apart that the widest label leaves room for the share on the edge
        widest = max(
            (len(line) for n in sub.nodes for line in _node_label(n).split("\n")), default=0
        )
        level = options["layout"]["hierarchical"]
        # the share label sits halfway between the centres of two levels: a box's width and
        # the label between them (as ``apart`` in the page makes room in a force layout)
        level["levelSeparation"] = CHAR_PX * widest + BOX_PAD_PX + LABEL_ROOM_PX
        # curves from side to side, so that the label is halfway between the centres (a
        # straight link puts it halfway from the owner's centre to the arrow: on the box)
        options["edges"]["smooth"] = {
            "enabled": True,
            "type": "cubicBezier",
            "forceDirection": "horizontal",
            "roundness": 0.4,
        }
    net.set_options(json.dumps(options))
    names = {n.id: n.name for n in sub.nodes}
    for node in sub.nodes:
        fill = ADDRESS_FILL if node.kind == ADDRESS else colour(node.jurisdiction)
        # the border says the 50% rule status, nothing else: the focus is the ★ and the font
        border, width, dashed = STATUS_BORDERS.get(node.status, ("#555555", 1, False))
        net.add_node(
            node.id,
            label=_node_label(node),
            title=_node_title(node),
            shape={"person": "ellipse", ADDRESS: "hexagon"}.get(node.kind or "", "box"),
            color={
                "background": fill,
                "border": border,
                "highlight": {"background": fill, "border": "#000000"},
                "hover": {"background": fill, "border": "#000000"},
            },
            borderWidth=width,
            shapeProperties={"borderDashes": [6, 4] if dashed else False},
            font={
                "size": 17 if node.focus else 14,
                "color": "#000000" if node.focus else "#222222",
            },
        )
        if node.more:
            more_id = f"__more__:{node.id}"
            net.add_node(
                more_id,
                label=f"and {node.more} more",
                title=f"{node.more} more links of {esc(node.name)} not drawn (caps)",
                shape="box",
                color={"background": "#f4f4f4", "border": "#aaaaaa"},
                shapeProperties={"borderDashes": [3, 3]},
                font={"size": 12, "color": "#666666"},
            )
            net.add_edge(node.id, more_id, color="#bbbbbb", dashes=True, arrows="", width=1)
    for edge in sub.edges:
        style = LINK_STYLES.get(edge.type)
        net.add_edge(
            edge.source,
            edge.target,
            label=_edge_label(edge),
            title=_edge_title(edge, names),
            width=1.5 if style else _width(edge),
            dashes=style[1] if style else edge.share is None,
            **({"color": {"color": style[0], "highlight": "#000000"}} if style else {}),
        )
    return net


_TITLES_TO_ELEMENTS = """
                  // tooltips: the titles are HTML built from escaped values; make them DOM nodes
                  [nodes, edges].forEach(function (set) {
                      var updates = [];
                      set.forEach(function (item) {
                          if (typeof item.title === "string") {
                              var box = document.createElement("div");
                              box.innerHTML = item.title;
                              updates.push({id: item.id, title: box});
                          }
                      });
                      set.update(updates);
                  });
"""
# What runs once the layout has settled, in the static picture's page and in the explorable
# graph's component alike (plain functions of the page, no data in them). ``settle`` stops the
# physics after stabilization and runs two passes: ``apart`` moves boxes that still overlap
# apart, and the two ends of a link apart until its label fits between them (vis-network's
# forces leave both in a dense picture: names drawn over names, "100%" clipped to "00%" under a
# box); ``readable`` fits the picture, and when that would make names smaller than
# READABLE_SCALE of their size, zooms to that scale on the focus (★) instead and says so
# (ZOOM_NOTE): scroll to zoom out, drag to move.
READABLE_SCALE = 0.75
_PASSES = """
<script>
function settle(network, nodes, edges, container, options, done) {
  // drawn while hidden (a tab not shown yet): fit again once it has a size; one watcher a
  // container (the component draws a new network into the same one)
  if (container.__watcher) { container.__watcher.disconnect(); container.__watcher = null; }
  if (window.ResizeObserver) {
    var lastWidth = container.clientWidth;
    container.__watcher = new ResizeObserver(function () {
      if (container.clientWidth > 0 && container.clientWidth !== lastWidth) {
        lastWidth = container.clientWidth;
        network.redraw();
        readable(network, nodes, edges);
      }
    });
    container.__watcher.observe(container);
  }
  // settle once, stop moving, then make room for every label and stay legible
  var settled = function () {
    network.setOptions({physics: {enabled: false}});
    network.once("afterDrawing", function () {
      apart(network, nodes, edges);
      readable(network, nodes, edges);
      window.__graphStable = true;
      if (done) { done(); }
    });
    network.redraw();
  };
  window.__graphStable = false;
  if (options.physics && options.physics.enabled === false) { settled(); }
  else { network.once("stabilizationIterationsDone", settled); }
}
function apart(network, nodes, edges) {
  var ids = nodes.getIds(), gap = 14, at = network.getPositions(ids), size = {};
  ids.forEach(function (id) {
    var b = network.getBoundingBox(id);
    size[id] = {w: b.right - b.left, h: b.bottom - b.top};
  });
  var pen = document.createElement("canvas").getContext("2d");
  pen.font = "%(edge_font)dpx sans-serif";
  var links = edges.get().filter(function (e) { return e.label && at[e.from] && at[e.to]; })
    .map(function (e) { return {a: e.from, b: e.to, w: pen.measureText(e.label).width + 8}; });
  function reach(id, ux, uy) {  // centre to the box's edge along the unit vector (ux, uy)
    var s = size[id], rx = Math.abs(ux) > 1e-6 ? s.w / 2 / Math.abs(ux) : Infinity;
    var ry = Math.abs(uy) > 1e-6 ? s.h / 2 / Math.abs(uy) : Infinity;
    return Math.min(rx, ry);
  }
  for (var round = 0; round < 200; round++) {
    var moved = false;
    for (var i = 0; i < ids.length; i++) {
      for (var j = i + 1; j < ids.length; j++) {
        var p = at[ids[i]], q = at[ids[j]], s = size[ids[i]], t = size[ids[j]];
        var ox = (s.w + t.w) / 2 + gap - Math.abs(p.x - q.x);
        var oy = (s.h + t.h) / 2 + gap - Math.abs(p.y - q.y);
        if (ox > 0 && oy > 0) {
          moved = true;
          if (ox < oy) { var dx = (p.x <= q.x ? -1 : 1) * ox / 2; p.x += dx; q.x -= dx; }
          else { var dy = (p.y <= q.y ? -1 : 1) * oy / 2; p.y += dy; q.y -= dy; }
        }
      }
    }
    links.forEach(function (l) {
      var p = at[l.a], q = at[l.b], dx = q.x - p.x, dy = q.y - p.y;
      var d = Math.sqrt(dx * dx + dy * dy) || 1, ux = dx / d, uy = dy / d;
      var label = Math.abs(ux) * l.w + Math.abs(uy) * %(edge_font)d;
      // the label sits halfway from the owner's centre to the arrow's base (a link in a force
      // layout) or halfway between the centres (a curve between levels): room on both counts
      var ra = reach(l.a, ux, uy), rb = reach(l.b, ux, uy);
      var short = Math.max(2 * ra + rb + %(arrow)d, 2 * Math.max(ra, rb)) + label + 2 * gap - d;
      if (short > 0) {
        moved = true;
        p.x -= ux * short / 2; p.y -= uy * short / 2; q.x += ux * short / 2; q.y += uy * short / 2;
      }
      // a box that another link's label runs under moves off it
      var along = Math.max(0, (d - rb - %(arrow)d) / 2), cx = p.x + ux * along, cy = p.y + uy * along;
      ids.forEach(function (id) {
        if (id === l.a || id === l.b) { return; }
        var n = at[id], s = size[id];
        var ox = (s.w + l.w) / 2 + gap - Math.abs(n.x - cx);
        var oy = (s.h + %(edge_font)d) / 2 + gap - Math.abs(n.y - cy);
        if (ox > 0 && oy > 0) {
          moved = true;
          if (ox < oy) { n.x += (n.x >= cx ? 1 : -1) * ox; } else { n.y += (n.y >= cy ? 1 : -1) * oy; }
        }
      });
    });
    if (!moved) { break; }
  }
  ids.forEach(function (id) { network.moveNode(id, at[id].x, at[id].y); });
}
function zoomNote(zoomed) {  // the note comes after the picture's script in the page
  var show = function () {
    var note = document.getElementById("zoom-note");
    if (note) { note.hidden = !zoomed; }
  };
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", show); }
  else { show(); }
}
function readable(network, nodes, edges) {
  network.fit({animation: false});
  if (network.getScale() >= %(scale)s) { zoomNote(false); return; }
  var scale = %(scale)s, on = network.getViewPosition(), box = network.body.container;
  var focus = nodes.get().filter(function (n) { return String(n.label).indexOf("%(mark)s") === 0; });
  if (network.layoutEngine.options.hierarchical.enabled) {  // chains start on the left: top left
    var ids = nodes.getIds(), left = Infinity, top = Infinity;
    ids.forEach(function (id) {
      var b = network.getBoundingBox(id);
      left = Math.min(left, b.left); top = Math.min(top, b.top);
    });
    on = {x: left - 10 + box.clientWidth / 2 / scale, y: top - 10 + box.clientHeight / 2 / scale};
  } else if (focus.length) {
    on = network.getPositions([focus[0].id])[focus[0].id];
  }
  network.moveTo({position: on, scale: scale, animation: false});
  zoomNote(true);
}
</script>
"""
ZOOM_NOTE = (
    '<div id="zoom-note" hidden>Zoomed in so that names stay readable: scroll to zoom out, '
    "drag to move; hover a box for the whole name.</div>"
)
_CONSTRUCT = "network = new vis.Network(container, data, options);"
_SETTLE = "\n                  settle(network, nodes, edges, container, options);"


def passes() -> str:
    """The ``<script>`` with ``settle`` and its passes, for a page that draws with vis-network
    (this module's and the explorable graph's component)."""
    return _PASSES % {
        "edge_font": EDGE_FONT,
        "arrow": ARROW_PX,
        "scale": READABLE_SCALE,
        "mark": FOCUS_MARK,
    }


def _chip(swatch_style: str, text: str) -> str:
    return f'<span class="chip"><span class="sw" style="{swatch_style}"></span>{esc(text)}</span>'


def legend(sub: Subgraph) -> str:
    """The legend of ``sub``'s picture as HTML (escaped): every colour, border and shape."""
    codes = sorted({(n.jurisdiction or "").upper() for n in sub.nodes if n.kind != ADDRESS})
    chips = "".join(_chip(f"background:{colour(code)}", code or "?") for code in codes)
    statuses = "".join(
        _chip(
            f"background:#fff;border:{w}px {'dashed' if d else 'solid'} {c}",
            STATUS_WORDS[s].lower(),
        )
        for s, (c, w, d) in STATUS_BORDERS.items()
    )
    shapes = (
        '<span class="chip">▭ company</span><span class="chip">◯ person</span>'
        '<span class="chip">→ owns (label: share; thicker: a larger share; dashed: unknown '
        "share)</span>"
    )
    if any(n.focus for n in sub.nodes):
        shapes += f'<span class="chip">{FOCUS_MARK}start of a chain / the entity shown</span>'
    if any(n.kind == ADDRESS for n in sub.nodes):
        shapes += _chip(f"background:{ADDRESS_FILL}", "⬡ registered address")
    types = {e.type for e in sub.edges}
    for kind, (line, _, words) in LINK_STYLES.items():
        if kind in types:
            shapes += f'<span class="chip" style="color:{line}">⇢ {esc(words)}</span>'
    if any(n.more for n in sub.nodes):
        shapes += _chip(
            "background:#f4f4f4;border:1px dashed #aaaaaa",
            "and N more: links not drawn (caps, hubs)",
        )

    return '<div id="legend"><div>' + chips + "</div><div>" + statuses + shapes + "</div></div>"


_STYLE = """
<style>
  body { margin: 0; font-family: sans-serif; }
  #mynetwork { float: none !important; border: 1px solid #ddd !important; }
  #legend { clear: both; font-size: 12px; color: #333; padding: 4px 2px; line-height: 22px; }
  #legend .chip { display: inline-block; margin-right: 12px; white-space: nowrap; }
  #legend .sw { display: inline-block; width: 14px; height: 12px; border: 1px solid #888;
                margin-right: 4px; vertical-align: middle; }
  div.vis-tooltip { max-width: 420px; white-space: normal; font-size: 12px; }
  #zoom-note { font-size: 12px; color: #555; padding: 0 2px; }
</style>
"""

_REMOTE = re.compile(
    r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>"
    r"|<script\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script>",
    re.IGNORECASE | re.DOTALL,
)


def render(
    sub: Subgraph,
    height: int = 600,
    layout: str = "force",
    title: str = "ownership graph",
    heading: bool = False,
) -> str:
    """A complete, self-contained HTML page drawing ``sub`` (no network access needed).

    With ``heading`` (an exported file, read away from the explorer) the page starts with the
    question, the as-of date and the sources of the drawn holdings."""
    page = network(sub, height, layout).generate_html(notebook=False)
    page = _REMOTE.sub("", page)
    page = re.sub(r"<center>\s*<h1>\s*</h1>\s*</center>", "", page)
    if _CONSTRUCT not in page or "<head>" not in page or "</body>" not in page:
        raise RuntimeError("unexpected pyvis template: cannot make the graph page safe")
    page = page.replace(
        _CONSTRUCT, _TITLES_TO_ELEMENTS + "                  " + _CONSTRUCT + _SETTLE, 1
    )
    head = (
        f'<head>\n<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        f"<title>{esc(title)}</title>"
    )
    page = page.replace("<head>", head, 1)
    page = page.replace("</head>", _STYLE + passes() + "</head>", 1)
    page = page.replace("</body>", legend(sub) + ZOOM_NOTE + "\n</body>", 1)
    if heading:
        page = re.sub(r"<body>", "<body>\n" + _heading(sub, title), page, count=1)
    if re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", page, re.IGNORECASE):
        raise RuntimeError("the graph page still refers to a remote resource")
    return page


def _heading(sub: Subgraph, title: str) -> str:
    sources = sorted({source for edge in sub.edges for source in edge.sources})
    facts = [f"as of {esc(iso(sub.as_of) or 'today')}"]
    facts.append(f"sources: {esc(', '.join(sources))}" if sources else "sources: none drawn")
    facts.append(
        f"{count(len(sub.nodes), 'entity', 'entities')}, {count(len(sub.edges), 'ownership link')}"
    )
    return (
        f'<h1 style="font:600 18px sans-serif;margin:8px">{esc(title)}</h1>\n'
        f'<p style="font:13px sans-serif;margin:8px">{" · ".join(facts)}</p>'
    )


def frame_height(height: int) -> int:
    """Height of the iframe that shows a graph of ``height`` pixels with its legend and the
    note on zooming."""
    return height + 130

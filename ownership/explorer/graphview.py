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

from ownership.explorer.formatting import iso, share_text
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
        "stabilization": {"enabled": True, "iterations": 500, "updateInterval": 50, "fit": True},
        "minVelocity": 1.0,
    },
    "nodes": {
        "font": {"multi": False, "size": 14, "face": "sans-serif"},
        "borderWidth": 1,
        "margin": 8,
    },
    "edges": {
        "arrows": {"to": {"enabled": True, "scaleFactor": 0.7}},
        "smooth": {"enabled": True, "type": "continuous"},
        "font": {"size": 12, "align": "middle", "strokeWidth": 3},
        "color": {"color": "#7d7d7d", "highlight": "#222222"},
    },
    "interaction": {"hover": True, "tooltipDelay": 150, "keyboard": False, "multiselect": False},
}
_HIERARCHICAL = {
    "hierarchical": {
        "enabled": True,
        "direction": "LR",
        "sortMethod": "directed",
        "levelSeparation": 300,
        "nodeSpacing": 70,
        "treeSpacing": 100,
    }
}

CHAR_PX = 9  # a label character's width at the focus font size, roughly
EDGE_ROOM_PX = 110  # between two levels' widest labels: an edge with its share label

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


FOCUS_MARK = "★ "  # the start of a chain, or the entity a profile is about


def _node_label(node: Node) -> str:
    if node.kind == ADDRESS:
        return f"{label_text(node.name)}\naddress · {node.degree} registered"
    where = node.jurisdiction or "?"
    abroad = [c for c in node.operates_in if c != node.jurisdiction]
    if abroad:  # "CY, operates in RU": why a Cypriot company ends a chain to Russia
        where += f", operates in {'/'.join(abroad)}"
    second = " · ".join(x for x in (where, STATUS_WORDS.get(node.status, "")) if x)
    first = (FOCUS_MARK if node.focus else "") + label_text(node.name)
    return f"{first}\n{label_text(second, 60)}"


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
        level["levelSeparation"] = max(level["levelSeparation"], CHAR_PX * widest + EDGE_ROOM_PX)
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
_SETTLE = """
                  // drawn while hidden (a tab not shown yet): fit again once it has a size
                  if (window.ResizeObserver) {
                      var lastWidth = container.clientWidth;
                      new ResizeObserver(function () {
                          if (container.clientWidth > 0 && container.clientWidth !== lastWidth) {
                              lastWidth = container.clientWidth;
                              network.redraw();
                              network.fit();
                          }
                      }).observe(container);
                  }
                  // stable layout: settle once, then stop moving
                  if (options.physics && options.physics.enabled === false) {
                      window.__graphStable = true;
                  } else {
                      network.once("stabilizationIterationsDone", function () {
                          network.setOptions({physics: {enabled: false}});
                          window.__graphStable = true;
                      });
                  }
"""
_CONSTRUCT = "network = new vis.Network(container, data, options);"


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
        '<span class="chip">→ owns (label: share; dashed: unknown share)</span>'
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
    page = page.replace("</head>", _STYLE + "</head>", 1)
    page = page.replace("</body>", legend(sub) + "\n</body>", 1)
    if heading:
        page = re.sub(r"<body>", "<body>\n" + _heading(sub, title), page, count=1)
    if re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", page, re.IGNORECASE):
        raise RuntimeError("the graph page still refers to a remote resource")
    return page


def _heading(sub: Subgraph, title: str) -> str:
    sources = sorted({source for edge in sub.edges for source in edge.sources})
    facts = [f"as of {esc(iso(sub.as_of) or 'today')}"]
    facts.append(f"sources: {esc(', '.join(sources))}" if sources else "sources: none drawn")
    facts.append(f"{len(sub.nodes)} entities, {len(sub.edges)} ownership links")
    return (
        f'<h1 style="font:600 18px sans-serif;margin:8px">{esc(title)}</h1>\n'
        f'<p style="font:13px sans-serif;margin:8px">{" · ".join(facts)}</p>'
    )


def frame_height(height: int) -> int:
    """Height of the iframe that shows a graph of ``height`` pixels with its legend."""
    return height + 80

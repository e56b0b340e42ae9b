"""Pictures as inline SVG text: the ownership timeline and the 50 percent rule's "why" tree.

SVG, not a charting library: the same picture goes into the explorer and into the HTML report,
which must open offline and print; nothing is fetched. Every data value is escaped as XML text
(names come from registries and sanctions lists, i.e. from strangers).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

from ownership.analysis.history import OWNER, HoldingPeriod
from ownership.analysis.why import WhyNode, listing_text, stake_text
from ownership.explorer.graphview import STATUS_BORDERS, colour

FONT = "font-family:sans-serif;font-size:12px"
LABEL_W, ROW_H, BAR_H, AXIS_H, PLOT_W = 300, 26, 16, 34, 640
TIMELINE_ROWS = 60  # counterparts drawn; a group head's 1,318 holdings were 34,000 px of bars


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def timeline_svg(
    holdings: Sequence[HoldingPeriod], as_of: dt.date, most: int = TIMELINE_ROWS
) -> str:
    """One row per counterpart (owners above, holdings below), one bar per period, coloured by
    the counterpart's jurisdiction, the share written on the bar, the as-of date a red line.
    Open starts and ends run to the edge of the picture, drawn with a fading end. The first
    ``most`` counterparts are drawn, and a line says how many more there are (the table beside
    the picture has every period)."""
    every: dict[tuple[str, str], list[HoldingPeriod]] = {}
    for h in holdings:
        every.setdefault((h.direction, h.uid), []).append(h)
    rows = dict(list(every.items())[:most])
    hidden = len(every) - len(rows)
    holdings = [h for periods in rows.values() for h in periods]
    days = [d for h in holdings for d in (h.start_date, h.end_date) if d] + [as_of]
    first = min(days) - dt.timedelta(days=180)
    last = max(days) + dt.timedelta(days=180)
    span = max((last - first).days, 1)

    def x(day: dt.date | None, default: float) -> float:
        if day is None:
            return default
        return LABEL_W + PLOT_W * (day - first).days / span

    width = LABEL_W + PLOT_W + 20
    note = ROW_H if hidden else 0
    height = AXIS_H + ROW_H * max(len(rows), 1) + note + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" style="{FONT};max-width:100%;height:auto">',
        "<title>Ownership history</title>",
        '<defs><linearGradient id="fade-l"><stop offset="0" stop-color="#fff" stop-opacity="1"/>'
        '<stop offset="1" stop-color="#fff" stop-opacity="0"/></linearGradient>'
        '<linearGradient id="fade-r"><stop offset="0" stop-color="#fff" stop-opacity="0"/>'
        '<stop offset="1" stop-color="#fff" stop-opacity="1"/></linearGradient></defs>',
    ]
    for year in range(first.year + 1, last.year + 1):
        tx = x(dt.date(year, 1, 1), 0)
        out.append(
            f'<line x1="{tx:.1f}" y1="{AXIS_H - 6}" x2="{tx:.1f}" y2="{height - 30}" '
            'stroke="#e4e4e4"/>'
            f'<text x="{tx:.1f}" y="{AXIS_H - 10}" text-anchor="middle" fill="#555">{year}</text>'
        )
    for i, ((direction, _uid), periods) in enumerate(rows.items()):
        y = AXIS_H + i * ROW_H
        head = periods[0]
        arrow = "owner:" if direction == OWNER else "holds:"
        label = _clip(f"{head.name} ({head.jurisdiction or '?'})", 38)
        out.append(
            f'<text x="4" y="{y + 17}" fill="#222"><tspan fill="#777">{esc(arrow)}</tspan> '
            f"{esc(label)}<title>{esc(head.name)} · {esc(head.id)}</title></text>"
        )
        for h in periods:
            x0, x1 = x(h.start_date, LABEL_W), x(h.end_date, LABEL_W + PLOT_W)
            w = max(x1 - x0, 2.0)
            tip = (
                f"{h.name}: {h.stated.text()} from {h.start_date or 'unknown'} "
                f"to {h.end_date or 'open'}; sources: {', '.join(h.sources) or '?'}"
            )
            out.append(
                f'<g><rect x="{x0:.1f}" y="{y + 4}" width="{w:.1f}" height="{BAR_H}" rx="3" '
                f'fill="{colour(h.jurisdiction)}" stroke="#666" stroke-width="0.6"/>'
            )
            if h.start_date is None:
                out.append(
                    f'<rect x="{x0:.1f}" y="{y + 4}" width="30" height="{BAR_H}" fill="url(#fade-l)"/>'
                )
            if h.end_date is None:
                out.append(
                    f'<rect x="{x1 - 30:.1f}" y="{y + 4}" width="30" height="{BAR_H}" '
                    'fill="url(#fade-r)"/>'
                )
            if w > 34:
                out.append(
                    f'<text x="{x0 + 4:.1f}" y="{y + 16}" fill="#111">{esc(h.stated.text())}</text>'
                )
            out.append(f"<title>{esc(tip)}</title></g>")
    if hidden:
        out.append(
            f'<text x="4" y="{AXIS_H + len(rows) * ROW_H + 17}" fill="#555">… and '
            f"{hidden:,} more {'counterpart' if hidden == 1 else 'counterparts'}, not drawn "
            "(every period is in the table)</text>"
        )
    ax = x(as_of, 0)
    out.append(
        f'<line x1="{ax:.1f}" y1="{AXIS_H - 4}" x2="{ax:.1f}" y2="{height - 30}" stroke="#c00000" '
        'stroke-width="2" stroke-dasharray="5,3"/>'
        f'<text x="{ax:.1f}" y="{height - 16}" text-anchor="middle" fill="#c00000">'
        f"as of {as_of.isoformat()}</text>"
    )
    codes = sorted({(h.jurisdiction or "?").upper() for h in holdings})
    lx = 4
    for code in codes:
        out.append(
            f'<rect x="{lx}" y="{height - 12}" width="12" height="10" '
            f'fill="{colour(None if code == "?" else code)}" stroke="#666"/>'
            f'<text x="{lx + 16}" y="{height - 3}" fill="#333">{esc(code)}</text>'
        )
        lx += 48
    out.append("</svg>")
    return "".join(out)


NODE_W, NODE_H, GAP_X, GAP_Y = 250, 46, 60, 14


def why_svg(root: WhyNode) -> str:
    """The 50 percent rule's explanation as a tree read left to right: the entity, then the
    blocked owners whose stakes count (the stake on the arrow), then theirs, each listed owner
    with its listings. Borders as in the graph legend (listed, blocked, possibly blocked)."""
    placed: list[tuple[WhyNode, int, float]] = []  # node, depth, y centre
    edges: list[tuple[int, int]] = []  # (child index, parent index)

    def leaves(node: WhyNode) -> int:
        return max(1, sum(leaves(o) for o in node.owners))

    def place(node: WhyNode, depth: int, top: float, parent: int | None) -> None:
        span = leaves(node) * (NODE_H + GAP_Y)
        index = len(placed)
        placed.append((node, depth, top + span / 2))
        if parent is not None:
            edges.append((index, parent))
        y = top
        for owner in node.owners:
            place(owner, depth + 1, y, index)
            y += leaves(owner) * (NODE_H + GAP_Y)

    place(root, 0, 0, None)
    depth = max(d for _, d, _ in placed)
    width = (depth + 1) * (NODE_W + GAP_X)
    height = leaves(root) * (NODE_H + GAP_Y)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" style="{FONT}">',
        "<title>Why: blocked owners and their stakes</title>",
        '<defs><marker id="why-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#666"/></marker></defs>',
    ]

    def left(depth: int) -> float:
        return depth * (NODE_W + GAP_X)

    for child, parent in edges:
        node, d, cy = placed[child]
        _, pd, py = placed[parent]
        x0, x1 = left(d), left(pd) + NODE_W
        out.append(
            f'<line x1="{x0:.1f}" y1="{cy:.1f}" x2="{x1 + 2:.1f}" y2="{py:.1f}" stroke="#666" '
            'marker-end="url(#why-arrow)"/>'
        )
        if node.stake:
            out.append(
                f'<text x="{(x0 + x1) / 2:.1f}" y="{(cy + py) / 2 - 4:.1f}" text-anchor="middle" '
                f'fill="#111" font-weight="bold">{esc(stake_text(node.stake))}</text>'
            )
    for node, d, cy in placed:
        stroke, stroke_w, dashed = STATUS_BORDERS.get(node.status, ("#555555", 1, False))
        x0, y0 = left(d), cy - NODE_H / 2
        dash = ' stroke-dasharray="6,4"' if dashed else ""
        second = node.status or "not blocked"
        if node.listings:
            second = "listed: " + "; ".join(
                listing_text(item, short=True) for item in node.listings
            )
        elif node.blocked_share_min is not None:
            second += f" · {node.held_text()} by blocked owners"
        if node.repeated:
            second += " (see above)"
        out.append(
            f'<g><rect x="{x0:.1f}" y="{y0:.1f}" width="{NODE_W}" height="{NODE_H}" rx="4" '
            f'fill="{colour(node.jurisdiction)}" stroke="{stroke}" stroke-width="{stroke_w}"{dash}/>'
            f'<text x="{x0 + 6:.1f}" y="{y0 + 18:.1f}" fill="#000">'
            f"{esc(_clip(f'{node.name} ({node.jurisdiction or chr(63)})', 36))}</text>"
            f'<text x="{x0 + 6:.1f}" y="{y0 + 35:.1f}" fill="#333">{esc(_clip(second, 40))}</text>'
            f"<title>{esc(node.name)} · {esc(node.id)} · {esc(node.status)}"
            + "".join(f" · {esc(listing_text(item))}" for item in node.listings)
            + "</title></g>"
        )
    out.append("</svg>")
    return "".join(out)

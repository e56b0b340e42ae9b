"""The report to hand over (``ownership report ENTITY``, the profile's "Report" button): one
self-contained HTML file that opens offline and prints to PDF.

It states the question and the date, answers it (sanctions status under the OFAC 50 percent
rule, ownership gap, owners, subsidiaries, red flags), draws the pictures (the "why" tree, the
ownership timeline) as inline SVG, gives the justifications (the tree as text, every holding
with the statements behind it) and lists every source record with its file and import time.
Nothing is fetched: no script, no remote style, font or image (a Content-Security-Policy says
so), and every data value is escaped as text.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Any

from ownership import clock
from ownership.analysis import gaps, history
from ownership.analysis.entities import EntityRef
from ownership.analysis.flag_evidence import Evidence, flag_evidence
from ownership.analysis.profile import Profile, entity_profile
from ownership.analysis.why import WhyNode
from ownership.explorer.formatting import count, effective_text, iso
from ownership.explorer.pictures import timeline_svg, why_svg
from ownership.graph import Graph
from ownership.records import in_force

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STATUS_SENTENCES = {
    "listed": "is on a sanctions list in force on that day",
    "blocked": "is blocked under the OFAC 50 percent rule: blocked parties own 50 % or more of it",
    "possibly-blocked": "may be blocked under the OFAC 50 percent rule: the upper bounds of "
    "the stakes of blocked parties reach 50 %",
}


@dataclass
class ReportData:
    """Everything one report shows, gathered through the analysis functions."""

    ref: EntityRef
    as_of: dt.date
    generated_at: dt.datetime
    profile: Profile
    holdings: list[history.HoldingPeriod]
    gap: gaps.Gap
    evidence: list[Evidence]

    @property
    def status(self) -> str:
        return self.why.status if self.why else ""

    @property
    def why(self) -> WhyNode | None:
        """The rule's explanation when it catches the entity (the profile computed it)."""
        rule = self.profile.rule
        return rule.tree if rule is not None and rule.status else None


def gather(graph: Graph, ref: EntityRef, as_of: dt.date) -> ReportData:
    """Run the analyses a report needs for ``ref`` on ``as_of``."""
    profile = entity_profile(graph, ref, as_of)
    return ReportData(
        ref=ref,
        as_of=as_of,
        generated_at=clock.now(),
        profile=profile,
        holdings=history.history(graph, ref),
        gap=gaps.ownership_gap(graph, ref, as_of, profile.owners),
        evidence=flag_evidence(graph, profile, as_of),
    )


def esc(value: Any) -> str:
    if isinstance(value, dt.date | dt.datetime):
        value = iso(value)
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value)
    return html.escape("" if value is None else str(value), quote=True)


def _table(columns: list[str], rows: list[list[Any]]) -> str:
    if not rows:
        return '<p class="none">none</p>'
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_STYLE = """
body { font-family: sans-serif; font-size: 13px; color: #111; margin: 24px auto; max-width: 1000px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 16px; border-bottom: 1px solid #ccc;
margin-top: 28px; } .meta { color: #555; } .answer li { margin: 4px 0; }
.verdict { font-weight: bold; } .verdict.caught { color: #a00000; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; } pre { white-space: pre-wrap; background: #f8f8f8; padding: 8px; }
.none { color: #777; font-style: italic; } .picture { overflow-x: auto; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; }
  tr, svg { break-inside: avoid; } .picture { overflow: visible; } }
@page { margin: 14mm; }
"""


def render_html(data: ReportData) -> str:
    """The report as one HTML document (UTF-8 text)."""
    p, e, day = data.profile, data.profile.entity, data.as_of
    name = e.get("name") or data.ref.name
    parts: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        f"<title>Ownership report: {esc(name)} as of {esc(day)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Ownership report: {esc(name)}</h1>",
        f'<p class="meta">{esc(e.get("kind"))} · {esc(e.get("jurisdiction") or "?")} · '
        f"record {esc(data.ref.source)}:{esc(data.ref.id)} · graph key {esc(data.ref.uid)}<br>"
        f"as of {esc(day)} · generated {esc(data.generated_at.isoformat())}</p>",
        "<h2>Question</h2>",
        f"<p>As of {esc(day)}: who owns {esc(name)} and what does it own, is it caught by "
        "sanctions (listed, or blocked under the OFAC 50 percent rule), how much of its "
        "ownership is known, and which red flags does it raise?</p>",
        "<h2>Answer</h2>",
        '<ul class="answer">',
        _verdict(data),
        f"<li>Ownership: {esc(data.gap.text())} "
        f"({count(data.gap.direct_owners, 'direct owner')} on record).</li>",
        f"<li>{count(len(p.owners), 'owner')}, direct and indirect; "
        f"{count(len(p.subsidiaries), 'subsidiary', 'subsidiaries')}.</li>",
        f"<li>{count(len(p.flags), 'red flag')}"
        + (": " + esc("; ".join(f.flag for f in p.flags)) if p.flags else "")
        + ".</li>",
        "</ul>",
    ]
    if data.why:
        parts += [
            "<h2>Why: sanctions and the 50 percent rule</h2>",
            "<p>Each arrow is a stake held by a listed or blocked party, counted in full "
            "(OFAC FAQ 401); each listing names its authority, program and date.</p>",
            f'<div class="picture">{why_svg(data.why)}</div>',
            f"<pre>{esc(data.why.text())}</pre>",
        ]
    parts += [
        "<h2>Ownership history</h2>",
        "<p>One bar per period in which a holding was stated the same way, coloured by the "
        "other party's jurisdiction; the red line is the report's date.</p>",
        f'<div class="picture">{timeline_svg(data.holdings, day)}</div>'
        if data.holdings
        else '<p class="none">no ownership statement into or out of this entity</p>',
        _table(
            ["", "party", "id", "jurisdiction", "share", "from", "until", "in force", "records"],
            [
                [
                    "owner" if h.direction == history.OWNER else "holds",
                    h.name,
                    h.id,
                    h.jurisdiction or "?",
                    h.stated.text() + (" (sources disagree)" if h.stated.disagree else ""),
                    h.start_date or "",
                    h.end_date or "",
                    "yes" if h.in_force(day) else "",
                    [f"{s.source}:{s.record_id}" for s in h.statements],
                ]
                for h in data.holdings
            ],
        ),
        f"<h2>Owners on {esc(day)}</h2>",
        _holdings_table(p.owners),
        f"<h2>Subsidiaries on {esc(day)}</h2>",
        _holdings_table(p.subsidiaries),
        "<h2>Red flags</h2>",
        _table(["flag", "detail"], [[f.flag, f.detail] for f in p.flags]),
        *(
            f"<h3>{esc(item.flag)}: {esc(item.title)}</h3>"
            + _table(
                ["name", "id", "note"], [[x["name"], x["id"], x["note"]] for x in item.entities]
            )
            for item in data.evidence
        ),
        "<h2>Sanction listings</h2>",
        _table(
            ["authority", "program", "listed on", "delisted on", "in force", "source", "record"],
            [
                [
                    s.get("authority"),
                    s.get("program"),
                    s.get("listed_on"),
                    s.get("delisted_on"),
                    "yes"
                    if in_force(s.get("listed_on"), s.get("delisted_on"), day, s.get("retired_on"))
                    else "",
                    s.get("source"),
                    s.get("record_id"),
                ]
                for s in p.sanctions
            ],
        ),
        "<h2>Officers and roles</h2>",
        _table(
            ["", "name", "id", "role", "from", "until", "source"],
            [
                [
                    what,
                    o.get("name"),
                    o.get("id"),
                    o.get("role"),
                    o.get("start_date"),
                    o.get("end_date"),
                    o.get("source"),
                ]
                for what, items in (("officer", p.officers), ("role in", p.roles))
                for o in items
            ],
        ),
        "<h2>Source records</h2>",
        "<p>Every record this report relies on, with the file it was read from and when it "
        "was imported.</p>",
        _table(["what", "record", "source", "file", "imported"], _sources(data)),
        "</body></html>",
    ]
    return "\n".join(parts)


def _verdict(data: ReportData) -> str:
    name = esc(data.profile.entity.get("name") or data.ref.name)
    if data.status:
        return (
            f'<li class="verdict caught">{name} {esc(STATUS_SENTENCES[data.status])} '
            f"({esc(data.as_of)}).</li>"
        )
    listed_ever = " It has listings, none in force on that day." if data.profile.sanctions else ""
    return (
        f'<li class="verdict">{name} is neither listed nor blocked under the OFAC 50 percent '
        f"rule on {esc(data.as_of)}.{esc(listed_ever)}</li>"
    )


def _holdings_table(found: list[Any]) -> str:
    return _table(
        ["name", "id", "jurisdiction", "effective share", "hops", "ultimate (person)", "via"],
        [
            [
                h.name,
                h.id,
                h.jurisdiction or "?",
                effective_text(h.effective_share, h.effective_share_min, h.effective_share_max),
                h.hops,
                "yes" if h.ultimate else "",
                " | ".join(" → ".join(names) for names in h.via[:5])
                + (f" (and {len(h.via) - 5} more paths)" if len(h.via) > 5 else ""),
            ]
            for h in found
        ],
    )


def _sources(data: ReportData) -> list[list[Any]]:
    rows: list[list[Any]] = [
        ["entity record", r.get("uid"), r.get("source"), r.get("file"), r.get("imported_at")]
        for r in data.profile.records
    ]
    seen: set[str] = set()
    for h in data.holdings:
        for s in h.statements:
            if s.uid not in seen:
                seen.add(s.uid)
                rows.append(["ownership statement", s.uid, s.source, s.file, s.imported_at])
    rows += [
        [
            "sanction listing",
            f"{s.get('source')}:{s.get('record_id')}",
            s.get("source"),
            s.get("file"),
            s.get("imported_at"),
        ]
        for s in data.profile.sanctions
    ]
    return rows


def report_html(graph: Graph, ref: EntityRef, as_of: dt.date) -> str:
    """Gather and render in one call (the CLI and the explorer's button)."""
    return render_html(gather(graph, ref, as_of))

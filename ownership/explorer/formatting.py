"""Analysis results as display tables (pandas), and the small text formats they share.

Pure functions, no Streamlit: the pages show these frames and export them as CSV unchanged,
so what an analyst downloads is what is on screen. Values stay TEXT: nothing here is HTML.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from ownership.analysis import why
from ownership.records import in_force
from ownership.shares import pct, share_text

ARROW = " → "

# The effective share as numbers, for the CSV (sorting, spreadsheets); on screen the one
# "effective" column says it ("70%", "60–70%").
SHARE_NUMBERS = ("effective_share", "effective_share_min", "effective_share_max")


def iso(value: Any) -> str:
    """A date or datetime as ISO text; '' for None."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def effective_text(exact: float | None, low: float | None, high: float | None) -> str:
    """An effective share; a range when bands or unknown shares make it uncertain."""
    if exact is not None:
        return pct(exact)
    if low is None and high is None:
        return "?"
    if low is not None and high is not None and abs(low - high) < 1e-9:
        return pct(low)
    return share_text(None, low, high)


def plain(value: Any) -> str:
    """Any property value as one line of text (lists joined, dates ISO, dicts as JSON)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | set):
        return "; ".join(plain(v) for v in value)
    if isinstance(value, dt.date):
        return iso(value)
    if isinstance(value, Mapping):
        return json.dumps(value, default=iso, ensure_ascii=False, sort_keys=True)
    return str(value)


def frame(rows: Iterable[Mapping[str, Any]], columns: list[str]) -> pd.DataFrame:
    """A DataFrame with exactly ``columns`` (in order), also when there are no rows; an unknown
    text value is an empty cell, not "None"."""
    table = pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], columns=columns)
    for column in table.columns:  # text: pandas 3 infers "str" (missing = NaN), else object
        if table[column].dtype == object or pd.api.types.is_string_dtype(table[column].dtype):
            table[column] = table[column].where(table[column].notna(), "")
    return table


def count(n: int, one: str, many: str | None = None) -> str:
    """``1 entity``, ``2 entities``, ``127,727 chains``: a number (thousands separated, as an
    analyst reads large counts) with its noun in the right number."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"


# -- search ------------------------------------------------------------------------------------

SEARCH_COLUMNS = [
    "name",
    "id",
    "jurisdiction",
    "kind",
    "registration_number",
    "tags",
    "sources",
    "uid",
]


def search_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return frame(
        ({**r, "tags": plain(r.get("tags")), "sources": plain(r.get("sources"))} for r in rows),
        SEARCH_COLUMNS,
    )


# -- profile -----------------------------------------------------------------------------------

# The holding, how much, through whom first: in a 1280 px window they show without scrolling.
HOLDING_COLUMNS = [
    "name",
    "effective",
    "via",
    "jurisdiction",
    "hops",
    "paths",
    "ultimate",
    "id",
    "kind",
    *SHARE_NUMBERS,
    "uid",
]


def holdings_frame(holdings: list[Any], statuses: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Owners or subsidiaries (``Holding`` objects) with their effective shares, and with
    ``statuses`` ({uid: 50 % rule status}) a status column."""
    rows = []
    for h in holdings:
        row = h.as_dict()
        if statuses is not None:
            row["status"] = statuses.get(h.uid, "")
        row["effective"] = effective_text(
            h.effective_share, h.effective_share_min, h.effective_share_max
        )
        row["via"] = "\n".join(
            [ARROW.join(names) for names in h.via[:3]]
            + ([f"and {count(len(h.via) - 3, 'more path')}"] if len(h.via) > 3 else [])
        )  # a path a line
        rows.append(row)
    columns = HOLDING_COLUMNS if statuses is None else ["name", "status", *HOLDING_COLUMNS[1:]]
    return frame(rows, columns)


def facts_frame(facts: dict[str, Any], records: list[dict[str, Any]]) -> pd.DataFrame:
    """Each property of the entity, its value, and the source records that state that value."""
    rows = []
    for key, value in facts.items():
        backing = [
            r.get("uid", "") for r in records if key in r and plain(r.get(key)) == plain(value)
        ]
        rows.append({"property": key, "value": plain(value), "sources": "; ".join(backing)})
    return frame(rows, ["property", "value", "sources"])


def records_frame(records: list[dict[str, Any]], hidden: Iterable[str] = ()) -> pd.DataFrame:
    """One row per property, one column per source record (each record's own values)."""
    skip = set(hidden)
    keys = sorted({k for r in records for k in r} - skip)
    first = ["source", "record_id", "file", "imported_at", "updated_at"]
    ordered = [k for k in first if k in keys] + [k for k in keys if k not in first and k != "uid"]
    columns = [r.get("uid", f"record {i + 1}") for i, r in enumerate(records)]
    rows = [
        {
            "property": key,
            **{col: plain(r.get(key)) for col, r in zip(columns, records, strict=True)},
        }
        for key in ordered
    ]
    return frame(rows, ["property", *columns])


def conflicts_frame(conflicts: dict[str, list[tuple[str, Any]]]) -> pd.DataFrame:
    rows = [
        {"property": key, "record": record, "value": plain(value)}
        for key, values in conflicts.items()
        for record, value in values
    ]
    return frame(rows, ["property", "record", "value"])


def sanctions_frame(sanctions: list[dict[str, Any]], as_of: dt.date) -> pd.DataFrame:
    rows = []
    for s in sorted(sanctions, key=lambda s: (iso(s.get("listed_on")), s.get("authority") or "")):
        rows.append(
            {
                "authority": s.get("authority"),
                "program": s.get("program"),
                "listed_on": iso(s.get("listed_on")),
                "delisted_on": iso(s.get("delisted_on")),
                "in_force": in_force(
                    s.get("listed_on"), s.get("delisted_on"), as_of, s.get("retired_on")
                ),
                "sources": ", ".join(s.get("sources") or [s.get("source") or ""]),
                "record_id": s.get("record_id"),
                "file": s.get("file"),
            }
        )
    return frame(
        rows,
        [
            "authority",
            "program",
            "listed_on",
            "delisted_on",
            "in_force",
            "sources",
            "record_id",
            "file",
        ],
    )


def officers_frame(officers: list[dict[str, Any]], as_of: dt.date) -> pd.DataFrame:
    """Officers of a company, or the roles a person holds (same shape)."""
    rows = [
        {
            "name": o.get("name"),
            "id": o.get("id"),
            "role": o.get("role"),
            "start_date": iso(o.get("start_date")),
            "end_date": iso(o.get("end_date")),
            "in_force": in_force(
                o.get("start_date"), o.get("end_date"), as_of, o.get("retired_on")
            ),
            "source": o.get("source"),
            "uid": o.get("uid"),
        }
        for o in sorted(officers, key=lambda o: (o.get("name") or "", iso(o.get("start_date"))))
    ]
    return frame(
        rows, ["name", "id", "role", "start_date", "end_date", "in_force", "source", "uid"]
    )


def addresses_frame(addresses: list[dict[str, Any]]) -> pd.DataFrame:
    return frame(
        (
            {
                "address": a.get("text"),
                "companies_registered_there": a.get("companies"),
                "uid": a.get("uid"),
            }
            for a in addresses
        ),
        ["address", "companies_registered_there", "uid"],
    )


# -- chains ------------------------------------------------------------------------------------

CHAIN_COLUMNS = [
    "chain",
    "effective",
    "shares",
    "jurisdictions",
    "hops",
    "sources_disagree",
    "in_force_since",
    "ends",
    "ids",
    "effective_share",
    "effective_share_min",
    "effective_share_max",
    "link_dates",
]


def chains_frame(chains: list[Any]) -> pd.DataFrame:
    rows = []
    for c in chains:
        starts = [link.start_date for link in c.links if link.start_date]
        ends = [link.end_date for link in c.links if link.end_date]
        rows.append(
            {
                "chain": ARROW.join(e["name"] or e["id"] for e in c.entities),
                "ids": ARROW.join(e["id"] for e in c.entities),
                "jurisdictions": ARROW.join(e["jurisdiction"] or "?" for e in c.entities),
                "shares": ARROW.join(
                    share_text(link.share, link.share_min, link.share_max) for link in c.links
                ),
                "effective": effective_text(
                    c.effective_share, c.effective_share_min, c.effective_share_max
                ),
                "effective_share": c.effective_share,
                "effective_share_min": c.effective_share_min,
                "effective_share_max": c.effective_share_max,
                "hops": len(c.links),
                "sources_disagree": "; ".join(c.disagreements()),
                "in_force_since": iso(max(starts)) if starts else "",
                "ends": iso(min(ends)) if ends else "",
                "link_dates": ARROW.join(
                    f"{iso(link.start_date) or '…'}..{iso(link.end_date) or '…'}"
                    for link in c.links
                ),
            }
        )
    return frame(rows, CHAIN_COLUMNS)


SOURCE_COLUMNS = ["source", "format", "records", "entities", "relationships", "last_change", "from"]


def sources_frame(sources: list[Any]) -> pd.DataFrame:
    """The sources in the graph (ownership.analysis.catalog), one row each."""
    return frame(
        (
            {
                "source": s.name,
                "format": s.format,
                "records": s.records,
                "entities": s.entities,
                "relationships": sum(s.relationships.values()),
                "last_change": iso(s.last_change),
                "from": ", ".join(s.paths) or s.url or "",
            }
            for s in sources
        ),
        SOURCE_COLUMNS,
    )


# -- 50 percent rule ---------------------------------------------------------------------------

# Name, status, how much, why first: in a 1280 px window they show without scrolling.
BLOCKED_COLUMNS = [
    "name",
    "status",
    "blocked_share",
    "because",
    "jurisdiction",
    "id",
    "blocked_share_min",
    "blocked_share_max",
    "uid",
]


def because_text(finding: Any) -> str:
    """Why an entity is caught, in one line: its listings and the stakes of blocked owners, in
    the words of the 50 % rule's tree (:mod:`ownership.analysis.why`)."""
    parts = []
    for b in finding.because:
        if "authority" in b:
            parts.append(why.listing_text(b))
        else:
            owner = b.get("owner_name") or b.get("owner")
            status = b.get("owner_status") or "not blocked"
            parts.append(f"{why.stake_text(b)} held by {owner} ({status})")
    if finding.status != "listed" and len(finding.because) > 1:
        parts.append("aggregate")
    return "; ".join(parts)


def band_text(low: float | None, high: float | None) -> str:
    """A share known as a band: "59%", "49–59%", or '' when there is none."""
    return "" if low is None and high is None else effective_text(None, low, high)


def blocked_frame(findings: list[Any]) -> pd.DataFrame:
    """The 50 % rule's findings; the share held by blocked parties once, as text (its bounds
    as numbers too, for the CSV)."""
    return frame(
        (
            {
                **f.as_dict(),
                "because": because_text(f),
                "blocked_share": band_text(f.blocked_share_min, f.blocked_share_max),
            }
            for f in findings
        ),
        BLOCKED_COLUMNS,
    )


BECAUSE_COLUMNS = [
    "name",
    "status",
    "reason",
    "owner_name",
    "owner_status",
    "share",
    "authority",
    "program",
    "listed_on",
    "id",
    "share_min",
    "share_max",
    "owner",
    "uid",
]
# the stake's bounds and the owner's key: in the CSV, not on screen ("share" says the stake)
BECAUSE_HIDDEN = ("share_min", "share_max", "owner", "uid")


def because_frame(findings: list[Any]) -> pd.DataFrame:
    """One row per reason: a listing, or a blocked owner's direct stake."""
    rows = []
    for f in findings:
        for b in f.because:
            reason = "listing" if "authority" in b else "owned by blocked party"
            rows.append(
                {
                    "name": f.name,
                    "id": f.id,
                    "status": f.status,
                    "reason": reason,
                    "uid": f.uid,
                    **b,
                    "share": share_text(b.get("share"), b.get("share_min"), b.get("share_max"))
                    if reason != "listing"
                    else "",
                }
            )
    return frame(rows, BECAUSE_COLUMNS)


# -- red flags ---------------------------------------------------------------------------------

FLAG_COLUMNS = ["flag", "name", "id", "detail", "uid"]


def flags_frame(flags: Iterable[Any]) -> pd.DataFrame:
    return frame((f.as_dict() for f in flags), FLAG_COLUMNS)


# -- ownership gaps ----------------------------------------------------------------------------

GAP_COLUMNS = [
    "name",
    "jurisdiction",
    "known",
    "unaccounted",
    "direct_owners",
    "person_reached",
    "id",
    "uid",
]


def _share_range(low: float, high: float) -> str:
    return pct(low) if abs(high - low) < 1e-9 else f"{low:g}–{high:g}%"


def gaps_frame(found: Iterable[Any]) -> pd.DataFrame:
    """``CompanyGap`` items as the gaps table: known and unaccounted shares as text."""
    return frame(
        (
            {
                "name": c.name,
                "jurisdiction": c.jurisdiction,
                "known": _share_range(c.gap.known_min, c.gap.known_max),
                "unaccounted": _share_range(c.gap.unaccounted_min, c.gap.unaccounted_max),
                "direct_owners": c.gap.direct_owners,
                "person_reached": c.gap.person_reached,
                "id": c.id,
                "uid": c.uid,
            }
            for c in found
        ),
        GAP_COLUMNS,
    )


# -- console -----------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.date):
        return iso(value)
    return json.dumps(value, default=iso, ensure_ascii=False)


def result_frame(columns: list[str], rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows of an ad hoc query; nodes, lists and maps as JSON text so every column is a scalar."""
    table = pd.DataFrame([{c: _cell(r.get(c)) for c in columns} for r in rows], columns=columns)
    for column in table.columns:  # mixed types break the Arrow conversion: make them text
        kinds = {type(v) for v in table[column] if v is not None}
        if len(kinds) > 1 and not kinds <= {int, float}:
            table[column] = table[column].map(lambda v: None if v is None else str(v))
    return table

"""Rendering results for the terminal: table, JSON (exactly one document) or CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from typing import Any


def to_json(document: Any) -> str:
    """One JSON document; dates as ISO strings, non-ASCII kept readable."""
    return json.dumps(document, ensure_ascii=False, indent=2, default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


def cell(value: Any) -> str:
    """A value as table or CSV text."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e6 else f"{value:.0f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict) or (
        isinstance(value, list | tuple) and any(isinstance(v, dict) for v in value)
    ):
        return json.dumps(value, ensure_ascii=False, default=_default)
    if isinstance(value, list | tuple):
        return "; ".join(cell(v) for v in value)
    return str(value)


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in columns])
    return buffer.getvalue()


def to_table(rows: Sequence[dict[str, Any]], columns: Sequence[str], max_width: int = 60) -> str:
    """A plain aligned text table; long cells are cut with an ellipsis."""
    if not rows:
        return "(no results)"
    text = [[_clip(cell(row.get(c)), max_width) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in text)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in text)
    return "\n".join(line.rstrip() for line in lines)


def _clip(text: str, width: int) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"

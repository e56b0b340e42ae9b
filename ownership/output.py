"""Rendering results for the terminal: table, JSON (exactly one document) or CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import sys
import unicodedata
from collections.abc import Sequence
from typing import Any


def to_json(document: Any) -> str:
    """One JSON document; dates as ISO strings, non-ASCII kept readable."""
    return json.dumps(document, ensure_ascii=False, indent=2, default=_default)


def to_json_line(document: Any) -> str:
    """One JSON document on one line, encoded as :func:`to_json` (dates as ISO strings): a
    chain of an export, a nested value in a CSV cell."""
    return json.dumps(document, ensure_ascii=False, default=_default)


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
        return to_json_line(value)
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


def terminal_width() -> int | None:
    """The width to fit tables to: ``COLUMNS`` when set, else the terminal's; None (no limit)
    when the output goes to a pipe or a file, whose reader wants every character."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


def to_table(rows: Sequence[dict[str, Any]], columns: Sequence[str], width: int | None = -1) -> str:
    """A plain aligned text table that fits ``width`` characters (default: the terminal's).

    Cells too long for their column wrap onto more lines instead of being cut, so the end of a
    chain ("… -> OOO Angara (RU)") or a date at the end of a flag is never hidden.
    """
    if not rows:
        return "(no results)"
    if width == -1:
        width = terminal_width()
    text = [[cell(row.get(c)).replace("\n", " ") for c in columns] for row in rows]
    natural = [
        max(display_width(c), *(display_width(r[i]) for r in text)) for i, c in enumerate(columns)
    ]
    widths = _fit(natural, [display_width(c) for c in columns], width, gap=len(_GAP))
    lines = [_GAP.join(_pad(c, w) for c, w in zip(columns, widths, strict=True))]
    lines.append(_GAP.join("-" * w for w in widths))
    cells = [[_wrap(value, w) for value, w in zip(row, widths, strict=True)] for row in text]
    spaced = any(len(parts) > 1 for row in cells for parts in row)
    for index, wrapped in enumerate(cells):
        if spaced and index:
            lines.append("")  # rows of several lines: a blank line tells them apart
        for n in range(max(len(parts) for parts in wrapped)):
            parts = [p[n] if n < len(p) else "" for p in wrapped]
            lines.append(_GAP.join(_pad(p, w) for p, w in zip(parts, widths, strict=True)))
    return "\n".join(line.rstrip() for line in lines)


_GAP = "  "
_MIN_COLUMN = 8  # a column is never squeezed below this (or its header, or its content)


def display_width(text: str) -> int:
    """Terminal columns taken by ``text``: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def _fit(natural: list[int], headers: list[int], width: int | None, gap: int) -> list[int]:
    """Column widths within ``width``: the widest columns give way first, down to a floor."""
    widths = list(natural)
    if width is None:
        return widths
    available = width - gap * (len(widths) - 1)
    floors = [min(n, max(h, _MIN_COLUMN)) for n, h in zip(natural, headers, strict=True)]
    excess = sum(widths) - available
    while excess > 0:
        shrinkable = [i for i, w in enumerate(widths) if w > floors[i]]
        if not shrinkable:
            break  # too narrow a terminal for so many columns: lines run over
        widest = max(shrinkable, key=lambda i: widths[i])
        others = [widths[i] for i in shrinkable if i != widest]
        # down to the next widest column (or the floor), at most by what is still too much
        step = min(excess, widths[widest] - max([floors[widest], *others]) or 1)
        widths[widest] -= step
        excess -= step
    return widths


def _wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns, broken at spaces where possible."""
    if display_width(text) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if display_width(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while display_width(word) > width:  # a word longer than the column: split it
            cut = _cut(word, width)
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def _cut(word: str, width: int) -> int:
    """How many characters of ``word`` fit ``width`` columns (at least one)."""
    used = 0
    for index, ch in enumerate(word):
        used += display_width(ch)
        if used > width:
            return max(index, 1)
    return len(word)

"""How a share is written for a person, in every view (CLI tables, explorer, reports).

Stated once so that "70%", "40–60%" and "?" read the same wherever a holding appears.
"""

from __future__ import annotations


def pct(value: float | None) -> str:
    """A percentage for reading: 43.2 -> '43.2%', None -> '?'."""
    if value is None:
        return "?"
    return f"{round(float(value), 4):g}%"


def share_text(
    share: float | None, share_min: float | None = None, share_max: float | None = None
) -> str:
    """An exact share, a band ('40–60%'), or '?' when nothing is known."""
    if share is not None:
        return pct(share)
    if share_min is not None or share_max is not None:
        low = "?" if share_min is None else f"{round(float(share_min), 4):g}"
        high = "?" if share_max is None else f"{round(float(share_max), 4):g}"
        return f"{low}–{high}%"
    return "?"

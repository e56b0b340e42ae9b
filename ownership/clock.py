"""What day and time it is, stated once for every command, query and view.

A question asked without an as-of date is a question about today; a refresh retires what its
source dropped on today's date and keeps the whole-graph answers for today. One run must see one
today: a scheduled refresh or a test suite that crosses midnight would otherwise keep answers for
one day and then look for them under the next. ``OWNERSHIP_TODAY`` (an ISO date) fixes the day
for a run and for every process it starts (the test suite sets it once, when it begins); unset,
today is the machine's date.

``now()`` is when something happened (an import, a decision, a report), always the real UTC time:
pinning the day never rewrites when things were done.
"""

from __future__ import annotations

import datetime as dt
import os

from ownership.config import ConfigError

TODAY_VARIABLE = "OWNERSHIP_TODAY"


def today() -> dt.date:
    """The default as-of date: ``OWNERSHIP_TODAY`` when set, else the machine's date."""
    pinned = os.environ.get(TODAY_VARIABLE, "").strip()
    if not pinned:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(pinned)
    except ValueError:
        raise ConfigError(
            f"{TODAY_VARIABLE}={pinned} is not a date: write it as YYYY-MM-DD, or unset it"
        ) from None


def now() -> dt.datetime:
    """The current UTC time to the second: what import, refresh and decision stamps record."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)

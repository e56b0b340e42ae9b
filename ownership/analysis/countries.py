"""Country codes as analysts type them: ``JP``, ``jp``; and the likely code for ``RUS`` or
``Japan``, so that a mistyped country is an error with a suggestion, never an empty answer.

The graph stores ISO 3166-1 alpha-2 codes (contract section 2); any two letters are accepted,
as registries use codes that pycountry may not list (``XK``).
"""

from __future__ import annotations

import re

import pycountry

from ownership.text import closest

_ALPHA_2 = re.compile(r"[A-Z]{2}")


def country_code(text: str) -> str:
    """``text`` as an upper-case alpha-2 code; :class:`ValueError` naming the likely code."""
    code = text.strip().upper()
    if _ALPHA_2.fullmatch(code):
        return code
    guess = likely_code(text)
    hint = f" (did you mean {guess}?)" if guess else ""
    raise ValueError(f"{text.strip()!r} is not a two-letter ISO 3166-1 country code{hint}")


def likely_code(text: str) -> str | None:
    """The alpha-2 code of an alpha-3 code or a country's name (typos tolerated), if any."""
    text = text.strip()
    if not text:
        return None
    found = pycountry.countries.get(alpha_3=text.upper())
    if found is None:
        try:
            found = pycountry.countries.lookup(text)
        except LookupError:
            names = {
                getattr(c, attr): c.alpha_2
                for c in pycountry.countries
                for attr in ("name", "official_name", "common_name")
                if hasattr(c, attr)
            }
            near = closest(text, names, limit=1, cutoff=80)
            return names[near[0]] if near else None
    return str(found.alpha_2)

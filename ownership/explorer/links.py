"""Links out of the explorer: shareable deep links and "Open in Neo4j Browser"."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from ownership import cypher

DEFAULT_BROWSER_URL = "http://localhost:7474"


def query_string(params: Mapping[str, Any]) -> str:
    """``?a=1&b=2`` for the non-empty params (lists become repeated keys)."""
    clean = {k: v for k, v in params.items() if v not in (None, "", [], ())}
    return "?" + urlencode(clean, doseq=True) if clean else ""


def absolute(params: Mapping[str, Any], base: str | None) -> str:
    """The deep link for ``params`` on the server the analyst is looking at (``base``)."""
    root = (base or "").split("?", 1)[0].rstrip("/")
    return f"{root}/{query_string(params)}"


def browser_base() -> str:
    return (os.environ.get("OWNERSHIP_BROWSER_URL") or DEFAULT_BROWSER_URL).rstrip("/")


def browser_url(
    query: cypher.Query, params: Mapping[str, Any] | None = None, max_hops: int = 6
) -> str:
    """Neo4j Browser with the query and its ``:param`` lines in the editor."""
    script = cypher.browser_script(query, dict(params or {}), max_hops=max_hops)
    return f"{browser_base()}/browser?cmd=edit&arg={quote(script, safe='')}"

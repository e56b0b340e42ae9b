"""What is on screen: kept in ``st.session_state`` and mirrored in the URL.

The URL is read once, on a session's first run (a deep link, a reload, a link from a
colleague); after that the session state is the truth and :func:`publish` writes the URL from
it at the end of every run, so the address bar always opens the view that is on screen.

Widgets never get a ``value=``: their state is seeded through :func:`seed` before they are
created, and :func:`keep` remembers it across views (Streamlit forgets the state of widgets
that a run does not draw).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from ownership import clock
from ownership.explorer import links

VIEWS: dict[str, str] = {
    "search": "Search",
    "entity": "Entity profile",
    "chains": "Chain finder",
    "blocked": "50% rule",
    "flags": "Red flags",
    "console": "Cypher console",
    "changes": "Changes (refresh runs)",
    "compare": "Compare two dates",
    "gaps": "Ownership gaps",
    "overview": "What the graph holds",
}
DEFAULT_VIEW = "search"
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)

_KEEP = "_keep."
_LOADED = "_url_loaded"
_WARNINGS = "_url_warnings"


def parse_date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        value = dt.date.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if MIN_DATE <= value <= MAX_DATE else None


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _clamp(value: int | None, low: int, high: int) -> int | None:
    return None if value is None else max(low, min(high, value))


# The profile's sections (its tabs): the URL's word for each -> the tab's label. Only the
# chosen section is computed (a group head's every section took seconds at 100k).
PROFILE_SECTIONS: dict[str, str] = {
    "overview": "Overview",
    "holdings": "Owners & subsidiaries",
    "history": "History",
    "graph": "Graph",
    "officers": "Officers & roles",
    "provenance": "Provenance",
}

# URL parameter -> (session key, parser of the parameter's values). The contract's deep links:
# ?entity=ID_OR_NAME[&as_of=…] and ?view=chains&from=CC&to=CC[&via=CC][&as_of=…].
URL_PARAMS: dict[str, tuple[str, Callable[[list[str]], Any]]] = {
    "entity": ("entity", lambda v: v[-1].strip() or None),
    "q": ("search_q", lambda v: v[-1]),
    "from": ("chains_from", lambda v: v[-1].strip().upper()),
    "to": ("chains_to", lambda v: v[-1].strip().upper()),
    "via": ("chains_via", lambda v: ",".join(x.strip().upper() for x in v if x.strip())),
    "hops": ("chains_hops", lambda v: _clamp(_int(v[-1]), 1, 12)),
    "rule": ("blocked_rule", lambda v: v[-1] if v[-1] in ("ofac", "eu") else None),
    "authority": ("blocked_authorities", lambda v: ",".join(x.strip() for x in v if x.strip())),
    "status": (
        "blocked_status",
        lambda v: [x for x in v if x in ("listed", "blocked", "possibly-blocked")],
    ),
    "flag": ("flags_only", lambda v: list(v)),
    "query": ("console_query", lambda v: v[-1]),
    "cypher": ("console_text", lambda v: v[-1]),
    "params": ("console_params", lambda v: v[-1]),
    "limit": ("console_limit", lambda v: _clamp(_int(v[-1]), 1, 100_000)),
    "run": ("console_run", lambda v: v[-1] in ("1", "true", "yes")),
    "from_date": ("compare_from", lambda v: parse_date(v[-1])),
    "to_date": ("compare_to", lambda v: parse_date(v[-1])),
    "all": ("gaps_all", lambda v: v[-1] in ("1", "true", "yes")),
    "section": ("profile_section", lambda v: PROFILE_SECTIONS.get(v[-1].strip().lower())),
}


def load_url() -> None:
    """On a session's first run, seed the state from the URL (a deep link)."""
    ss = st.session_state
    if ss.get(_LOADED):
        return
    ss[_LOADED] = True
    warnings: list[str] = []
    qp = st.query_params
    view = qp.get("view") or ""
    if view not in VIEWS:
        if view:
            warnings.append(f"unknown view {view!r} in the link: showing search")
        view = "entity" if qp.get("entity") else DEFAULT_VIEW
    ss["view"] = view
    as_of_text = qp.get("as_of")
    as_of = parse_date(as_of_text)
    if as_of_text and as_of is None:
        warnings.append(f"as_of={as_of_text!r} in the link is not a date (YYYY-MM-DD): using today")
    ss["as_of"] = as_of or clock.today()
    for param, (key, parse) in URL_PARAMS.items():
        values = qp.get_all(param)
        if values:
            value = parse(values)
            if value is not None:
                ss[_KEEP + key] = value
    if ss.get(_KEEP + "entity"):
        ss["entity"] = ss[_KEEP + "entity"]
    ss[_WARNINGS] = warnings


def warnings() -> list[str]:
    return list(st.session_state.pop(_WARNINGS, []))


def seed(key: str, default: Any) -> None:
    """Give widget ``key`` its remembered (or linked, or default) value before it is drawn."""
    ss = st.session_state
    if key not in ss:
        ss[key] = ss.get(_KEEP + key, default)


def keep(*keys: str) -> None:
    """Remember widget values so they survive a visit to another view."""
    ss = st.session_state
    for key in keys:
        if key in ss:
            ss[_KEEP + key] = ss[key]


def remembered(key: str, default: Any = None) -> Any:
    ss = st.session_state
    return ss[key] if key in ss else ss.get(_KEEP + key, default)


def view() -> str:
    return st.session_state.get("view", DEFAULT_VIEW)


def as_of() -> dt.date:
    value = st.session_state.get("as_of")
    return value if isinstance(value, dt.date) else clock.today()


def open_entity(ref: str) -> None:
    """Show the profile of ``ref`` (call from a callback, or before the sidebar is drawn)."""
    st.session_state["entity"] = ref
    st.session_state["view"] = "entity"


def current_params(page: Mapping[str, Any]) -> dict[str, Any]:
    """The URL parameters of the view on screen: the view, the as-of date, the page's own."""
    params: dict[str, Any] = {}
    if view() != "entity":  # the contract's entity link is ?entity=…&as_of=…
        params["view"] = view()
    params.update({k: v for k, v in page.items() if v not in (None, "", [], ())})
    params["as_of"] = as_of().isoformat()
    return params


def publish(page: Mapping[str, Any]) -> None:
    """Make the address bar open what is on screen."""
    wanted = {
        k: [str(x) for x in v] if isinstance(v, list | tuple) else [str(v)]
        for k, v in current_params(page).items()
    }
    current = {k: st.query_params.get_all(k) for k in st.query_params}
    if current != wanted:
        st.query_params.from_dict({k: v if len(v) > 1 else v[0] for k, v in wanted.items()})


def share_link(page: Mapping[str, Any]) -> str:
    """The deep link of the view on screen, absolute when the server's address is known."""
    try:
        base = st.context.url
    except Exception:  # noqa: BLE001 - older Streamlit or no browser context (tests)
        base = None
    return links.absolute(current_params(page), base)

"""One cached driver, and cached analysis results keyed by their parameters and the as-of date.

Every function takes the graph as ``_graph`` (not hashed) and ``key``, a string naming the
database it talks to, so two connections never share results. The analysis functions are the
CLI's own; nothing here knows Cypher.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from ownership.analysis import (
    catalog,
    counts,
    entities,
    gaps,
    history,
    kept_chains,
    kept_holdings,
    matching,
    sanctions,
)
from ownership.analysis import chains as chains_mod
from ownership.analysis import flag_evidence as evidence_mod
from ownership.analysis import flags as flags_mod
from ownership.analysis import landing as landing_mod
from ownership.analysis import owners as owners_mod
from ownership.analysis import profile as profile_mod
from ownership.analysis import stats as stats_mod
from ownership.config import Settings
from ownership.explorer import formatting, ui
from ownership.explorer import report as report_mod
from ownership.explorer import subgraph as subgraph_mod
from ownership.graph import Graph

TTL = 600  # seconds results stay in memory; they are keyed on the data version (key())
VERSION_TTL = 3  # seconds the data version is reused before it is read again


RETRY_S = 1.0  # a lost connection is retried this long before the page says so


@st.cache_resource(show_spinner="Connecting to the graph (starting it if needed)…")
def _open(settings: Settings) -> Graph:
    return Graph.open(settings, retry_s=RETRY_S)


def settings() -> Settings:
    return Settings.from_env()


def graph() -> Graph:
    """The app's one driver (raises GraphUnavailable / ConfigError)."""
    return _open(settings())


def key() -> str:
    """Which database, and which version of its data, cached results belong to (never contains
    a password): an import or refresh, from this explorer or from anywhere else, changes it, so
    no page shows results from before it."""
    return f"{_place()}|{version()[0]}"


def _place() -> str:
    s = settings()
    return f"{s.uri or s.home}|{s.database or ''}"


@st.cache_data(ttl=VERSION_TTL, show_spinner=False)
def _version(_graph: Graph, place: str) -> tuple[str, dt.datetime | None]:
    return stats_mod.data_version(_graph)


def version() -> tuple[str, dt.datetime | None]:
    """The data version and the time of the last import or refresh (re-read every few
    seconds, not on every one of a page's many look-ups)."""
    return _version(graph(), _place())


def describe() -> str:
    s = settings()
    return f"embedded server in {s.home}" if s.embedded else f"{s.uri} as {s.user}"


def clear() -> None:
    st.cache_data.clear()
    for shared in (chains, flags_table, gaps_table):  # cache_resource: cleared one by one
        shared.clear()


def reconnect() -> None:
    clear()
    _open.clear()


@st.cache_data(ttl=TTL, show_spinner=False)
def stats(_graph: Graph, key: str) -> dict[str, dict[str, int]]:
    return counts.graph_counts(_graph)


@st.cache_data(ttl=TTL, show_spinner=False)
def sources(_graph: Graph, key: str) -> list[catalog.SourceSummary]:
    return catalog.list_sources(_graph)


@st.cache_data(ttl=TTL, show_spinner=False)
def search(_graph: Graph, key: str, text: str, limit: int) -> list[dict]:
    return entities.search(_graph, text, limit=limit)


@st.cache_data(ttl=TTL, show_spinner=False)
def find(_graph: Graph, key: str, text: str, limit: int) -> list[dict]:
    """The search page's rows: names, aliases and identifiers, then exact references."""
    return entities.find(_graph, text, limit=limit)


@st.cache_data(ttl=TTL, show_spinner=False)
def suggestions(_graph: Graph, key: str, text: str) -> list[dict]:
    """Entities whose names are close to ``text``: "did you mean" (as the CLI's)."""
    return entities.suggestions(_graph, text)


@st.cache_data(ttl=TTL, show_spinner=False)
def candidates(_graph: Graph, key: str, ref: str) -> list[entities.EntityRef]:
    """What ``ref`` may mean (resolution happens in :func:`resolve`)."""
    return entities.candidates(_graph, ref)


def resolve(_graph: Graph, key: str, ref: str) -> entities.EntityRef:
    """The entity ``ref`` names; EntityNotFound / AmbiguousEntity as in the CLI."""
    found = candidates(_graph, key, ref)
    if len(found) == 1:
        return found[0]
    return entities.resolve(_graph, ref)


@st.cache_data(ttl=TTL, show_spinner=False)
def profile(
    _graph: Graph, key: str, ref: entities.EntityRef, as_of: dt.date
) -> profile_mod.Profile:
    """The profile's facts (:func:`ownership.analysis.profile.entity_facts`), drawn first;
    :func:`verdicts` are put on them after. Without subsidiaries and possible matches:
    :func:`holdings_page` counts the subsidiaries and reads the page shown (naming a group
    head's 5,844 took half a second of its first view at 100k), :func:`possible_matches` is
    drawn last."""
    return profile_mod.entity_facts(_graph, ref, as_of)


@st.cache_data(ttl=TTL, show_spinner=False)
def verdicts(
    _graph: Graph, key: str, ref: entities.EntityRef, as_of: dt.date
) -> profile_mod.Verdicts:
    """The profile's red flags, 50 % rule status and disagreements (about a second for a
    group head at a million companies)."""
    return profile_mod.verdicts(_graph, profile(_graph, key, ref, as_of), as_of)


@st.cache_data(ttl=TTL, show_spinner=False)
def possible_matches(_graph: Graph, key: str, uid: str) -> list[matching.Candidate]:
    return matching.possible_matches(_graph, uid)


@st.cache_data(ttl=TTL, show_spinner=False)
def holdings_page(
    _graph: Graph,
    key: str,
    ref: entities.EntityRef,
    as_of: dt.date,
    upward: bool,
    limit: int,
    offset: int = 0,
) -> tuple[int, list[owners_mod.Holding]]:
    """How many owners (``upward``) or subsidiaries ``ref`` has and one page of them,
    strongest first, as ``ownership subsidiaries --limit --offset`` reads them (kept for the
    largest groups)."""
    return kept_holdings.ranked(_graph, ref, upward, as_of, limit=limit, offset=offset)


@st.cache_data(ttl=TTL, show_spinner=False)
def subsidiaries(
    _graph: Graph, key: str, ref: entities.EntityRef, as_of: dt.date
) -> list[owners_mod.Holding]:
    """Every subsidiary of ``ref``, nearest first (as ``owners.subsidiaries``): the graph
    section's candidates, read from the answer kept for a large group (the walk and names of
    the 1M head's 28,505 took 2.9-3.1 s, the kept answer 0.26-0.39 s)."""
    return owners_mod.nearest_first(kept_holdings.ranked(_graph, ref, False, as_of)[1])


@st.cache_resource(ttl=TTL, show_spinner=False)
def chains(
    _graph: Graph,
    key: str,
    origin: str,
    target: str,
    via: tuple[str, ...],
    as_of: dt.date,
    max_hops: int,
) -> chains_mod.ChainAnswer:
    """The answer to the question, kept as one shared object (never changed once made):
    ``cache_data`` would unpickle the tens of thousands of chains of a large graph on every
    rerun, where a page turn needs only fifty of them. Kept in the graph too
    (:mod:`ownership.analysis.kept_chains`), so that another session or the command line
    reads it instead of enumerating it again."""
    question = kept_chains.Question(origin, target, via, max_hops, as_of)
    return kept_chains.answer(_graph, question, later=PENDING)


# The writes keeping the chain answers :func:`chains` found, put off until the chain finder has
# drawn them (:func:`keep_pending`): half of a first question's time at a million companies.
PENDING: kept_chains.Later = []


def keep_pending() -> None:
    """Keep what the chain finder showed before keeping it (:data:`PENDING`)."""
    kept_chains.keep_now(PENDING)


@st.cache_data(ttl=TTL, show_spinner=False)
def blocked(
    _graph: Graph, key: str, as_of: dt.date, rule: str = "ofac", authorities: tuple[str, ...] = ()
) -> list[sanctions.Finding]:
    return sanctions.blocked_entities(_graph, as_of, rule=rule, authorities=authorities)


@st.cache_data(ttl=TTL, show_spinner=False)
def blocked_counts(
    _graph: Graph, key: str, as_of: dt.date, rule: str = "ofac", authorities: tuple[str, ...] = ()
) -> dict[str, int]:
    """How many entities :func:`blocked` lists of each status, read before the findings
    themselves: the 50 % rule page shows them first (:func:`sanctions.status_counts`)."""
    return sanctions.status_counts(_graph, as_of, rule=rule, authorities=authorities)


@st.cache_data(ttl=TTL, show_spinner=False)
def statuses(_graph: Graph, key: str, as_of: dt.date) -> dict[str, str]:
    """{uid: listed | blocked | possibly-blocked} under the OFAC rule on ``as_of``: the colours of
    every graph. The findings the last import or refresh kept for its day are read when they
    hold (the whole-graph rule took 3 s of a profile's first visit at 100k)."""
    return {uid: found["status"] for uid, found in history.blocked_on(_graph, as_of).items()}


@st.cache_resource(ttl=TTL, show_spinner=False)
def flags_table(
    _graph: Graph, key: str, settings: flags_mod.FlagSettings, as_of: dt.date, only: tuple[str, ...]
) -> pd.DataFrame:
    """The red flags as the flags page's table, kept as one shared object (never changed once
    made), as :func:`chains`: ``cache_data`` would unpickle the 30,535 flags of a 100k graph on
    every rerun, and their rows took another half second."""
    return formatting.flags_frame(flags_mod.red_flags(_graph, settings, as_of, only=only))


@st.cache_resource(ttl=TTL, show_spinner=False)
def flags_first(
    _graph: Graph, key: str, settings: flags_mod.FlagSettings, as_of: dt.date, only: tuple[str, ...]
) -> tuple[dict[str, int], pd.DataFrame]:
    """How many flags of each kind there are, and the first page the flags page draws as its
    table: read without the rest of the flags (the whole list of a million companies' graph
    took 6 s to read; :func:`flags_table` reads it when it is filtered or downloaded)."""
    found = flags_mod.flag_page(_graph, settings, as_of, only, limit=ui.MAX_SHOWN)
    return found.counts, formatting.flags_frame(found.flags)


@st.cache_data(ttl=TTL, show_spinner=False)
def subgraph(
    _graph: Graph,
    key: str,
    focus: tuple[str, ...],
    candidates: tuple[str, ...],
    as_of: dt.date,
    per_node: int | None,
    max_nodes: int,
    hub_limit: int | None,
    expand: tuple[str, ...] = (),
    officers: tuple[str, ...] = (),
    addresses: tuple[str, ...] = (),
    removed: tuple[str, ...] = (),
) -> subgraph_mod.Subgraph:
    return subgraph_mod.build(
        _graph,
        focus,
        candidates,
        as_of,
        per_node=per_node,
        max_nodes=max_nodes,
        hub_limit=hub_limit,
        expand=expand,
        status=statuses(_graph, key, as_of),
        officers=officers,
        addresses=addresses,
        removed=removed,
    )


@st.cache_data(ttl=TTL, show_spinner=False)
def chains_subgraph(
    _graph: Graph,
    key: str,
    origin: str,
    target: str,
    via: tuple[str, ...],
    as_of: dt.date,
    max_hops: int,
    rows: tuple[int, ...],
    max_nodes: int,
) -> subgraph_mod.Subgraph:
    """The chains at positions ``rows`` of the fixed order, drawn."""
    found = chains(_graph, key, origin, target, via, as_of, max_hops)
    chosen = found.chains(list(rows))
    return subgraph_mod.from_chains(
        _graph, chosen, as_of, max_nodes=max_nodes, status=statuses(_graph, key, as_of)
    )


@st.cache_data(ttl=TTL, show_spinner=False)
def holdings_history(
    _graph: Graph, key: str, ref: entities.EntityRef
) -> list[history.HoldingPeriod]:
    """The History section's periods, without the statements' details (it shows their keys)."""
    return history.history(_graph, ref, claims=False)


@st.cache_data(ttl=TTL, show_spinner=False)
def gap(_graph: Graph, key: str, ref: entities.EntityRef, as_of: dt.date) -> gaps.Gap:
    return gaps.ownership_gap(_graph, ref, as_of, profile(_graph, key, ref, as_of).owners)


@st.cache_data(ttl=TTL, show_spinner=False)
def comparison(
    _graph: Graph,
    key: str,
    from_date: dt.date,
    to_date: dt.date,
    question: kept_chains.Question | None,
    limit: int | None = None,
    offset: int = 0,
) -> history.Comparison:
    return history.compare_dates(_graph, from_date, to_date, question, limit, offset)


@st.cache_data(ttl=TTL, show_spinner="Writing the report…")
def report(_graph: Graph, key: str, ref: entities.EntityRef, as_of: dt.date) -> str:
    return report_mod.report_html(_graph, ref, as_of)


@st.cache_data(ttl=TTL, show_spinner=False)
def landing(_graph: Graph, key: str, as_of: dt.date) -> landing_mod.Landing:
    return landing_mod.landing(_graph, as_of)


@st.cache_resource(ttl=TTL, show_spinner="Walking down from every natural person…")
def gaps_table(
    _graph: Graph, key: str, as_of: dt.date, person_reached: bool | None
) -> pd.DataFrame:
    """The gaps page's table, kept as one shared object (never changed once made), as
    :func:`flags`: unpickling the 21,868 gaps of a 100k graph and making their rows took a
    second or two of every rerun of the page."""
    return formatting.gaps_frame(gaps.company_gaps(_graph, as_of, person_reached))


@st.cache_resource(ttl=TTL, show_spinner=False)
def gaps_first(
    _graph: Graph, key: str, as_of: dt.date, person_reached: bool | None
) -> tuple[int, pd.DataFrame]:
    """How many companies the gaps page lists, and the first page it draws: read without the
    rest (:func:`gaps_table` reads them all when the CSV is downloaded)."""
    found = gaps.gap_page(_graph, as_of, person_reached, limit=ui.MAX_SHOWN)
    return found.total, formatting.gaps_frame(found.gaps)


@st.cache_data(ttl=TTL, show_spinner=False)
def flag_evidence(
    _graph: Graph, key: str, ref: entities.EntityRef, as_of: dt.date
) -> list[evidence_mod.Evidence]:
    return evidence_mod.flag_evidence(_graph, profile(_graph, key, ref, as_of), as_of)


@st.cache_data(ttl=TTL, show_spinner="Looking for dated red flags…")
def dated_flags(_graph: Graph, key: str, as_of: dt.date) -> list[flags_mod.Flag]:
    return landing_mod.dated_flags(_graph, as_of)

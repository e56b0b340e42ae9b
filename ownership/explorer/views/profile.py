"""Entity profile: identity, identifiers, addresses, tags, sanctions, red flags, owners up to the
ultimate owners, subsidiaries, officers, the ownership graph, and the source records behind
every fact (with the values on which sources disagree)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ownership import cypher
from ownership.analysis import matching, statements
from ownership.analysis.entities import AmbiguousEntity, EntityNotFound, EntityRef
from ownership.analysis.owners import Holding, by_share
from ownership.analysis.profile import INTERNAL, SUCCESSION_COLUMNS, Profile
from ownership.explorer import data, formatting, netcomponent, state, ui
from ownership.explorer.graphview import STATUS_WORDS
from ownership.explorer.subgraph import ADDRESS
from ownership.explorer.views import evidence
from ownership.graph import Graph

# The loader's and the refresh's own fields on source records: not facts for an analyst.
BOOKKEEPING = frozenset({"fingerprint", "seen_fingerprint", "last_seen_run", "retired_run"})
# The effective share once, as text ("70%", "60–70%"): its three numbers stay in the CSV.
HOLDING_HIDDEN = ("uid", *formatting.SHARE_NUMBERS)
VIA_PX = 360  # the paths column, wrapped: whole beside the name and share at 1280 px
OWNER_HOPS = 10  # what entity_profile uses for owners and subsidiaries
SECTION = "profile_section"  # the tabs' state: the label of the section shown
IDENTITY = [
    "name",
    "kind",
    "jurisdiction",
    "registration_number",
    "incorporation_date",
    "dissolution_date",
    "address",
    "operates_in",
    "tags",
    "aliases",
    "record_id",
    "source",
    "uid",
]


def render(graph: Graph, url: dict[str, Any]) -> None:
    ref_text = st.session_state.get("entity")
    if not ref_text:
        st.header("Entity profile")
        st.info("No entity chosen: find one under Search, or open a link such as ?entity=ID.")
        return
    url["entity"] = ref_text
    ref = _resolve(graph, ref_text)
    if ref is None:
        return
    as_of = state.as_of()
    _title(ref, as_of)  # at once: the profile of a group head takes seconds at 100k
    # the verdicts, the counts, the ownership gap and Report: above the sections, drawn once
    # the profile is read (below)
    top = st.container()
    # Only the chosen section runs (Streamlit runs every tab's code otherwise: a group head's
    # history, graph and subsidiaries took seconds before its Overview showed); it is kept in
    # the URL (section=…) beside the entity.
    labels = list(state.PROFILE_SECTIONS.values())
    state.seed(SECTION, labels[0])
    tabs = dict(zip(labels, st.tabs(labels, key=SECTION, on_change="rerun"), strict=True))
    state.keep(SECTION)
    with tabs["History"]:  # needs no profile: shown before it is read
        if tabs["History"].open:
            with ui.guard("The history"):
                evidence.history_tab(graph, ref, as_of)
    # the facts first (milliseconds), then the verdicts (the walks out of a group head: about
    # a second at a million companies), drawn into their places above and in the Overview
    facts = data.profile(graph, data.key(), ref, as_of)
    with tabs["Overview"]:
        if tabs["Overview"].open:
            why = st.container()
            _overview(facts, as_of)
            judged_here = st.container()
    profile = facts.judged(data.verdicts(graph, data.key(), ref, as_of))
    with top:
        matches = _verdicts(graph, profile, ref, as_of)
        with ui.guard("The ownership gap"):
            evidence.gap_line(graph, ref, as_of)
        evidence.report_button(graph, ref, as_of)
    if tabs["Overview"].open:
        with why, ui.guard("The why"):
            evidence.why_section(profile.rule)
        with judged_here:
            _red_flags(profile)
            with ui.guard("The flag evidence"):
                evidence.flag_evidence_section(graph, ref, as_of)
    with tabs["Owners & subsidiaries"]:
        if tabs["Owners & subsidiaries"].open:
            _holdings(graph, profile, ref, as_of)
    with tabs["Graph"]:
        if tabs["Graph"].open:
            with ui.guard("The graph"):
                _graph(graph, profile, ref, as_of)
    with tabs["Officers & roles"]:
        if tabs["Officers & roles"].open:
            _officers(profile, as_of)
    with tabs["Provenance"]:
        if tabs["Provenance"].open:
            _provenance(graph, profile, ref)
    chosen = next(word for word, label in state.PROFILE_SECTIONS.items() if tabs[label].open)
    if chosen != "overview":
        url["section"] = chosen
    with matches:  # last: a group head's neighbours take a moment to judge
        _possibly_same(profile.uid, data.possible_matches(graph, data.key(), profile.uid))
    ui.share_box(url)


def _resolve(graph: Graph, text: str) -> EntityRef | None:
    try:
        return data.resolve(graph, data.key(), text)
    except EntityNotFound:
        st.header("Entity profile")
        st.warning(f"No entity is called or identified by “{ui.md(text)}”.")
        rows = data.search(graph, data.key(), text, 20)
        if rows:
            st.caption("Entities whose name contains it:")
            ui.entity_picker(
                [
                    (r["uid"], f"{r['name']} ({r.get('jurisdiction') or '?'}, {r['id']})")
                    for r in rows
                ],
                "profile_notfound_pick",
            )
        else:
            ui.did_you_mean(data.suggestions(graph, data.key(), text), "profile_suggest")
        return None
    except AmbiguousEntity as exc:
        st.header("Entity profile")
        st.warning(f"“{ui.md(text)}” names {len(exc.candidates)} entities: choose one.")
        ui.entity_picker(
            [
                (c.uid, f"{c.name} ({c.jurisdiction or '?'}, {c.source}:{c.id})")
                for c in exc.candidates
            ],
            "profile_ambiguous_pick",
        )
        return None


def _title(ref: EntityRef, as_of: Any) -> None:
    """The name, kind, jurisdiction and record of the entity: what resolving it found."""
    st.title(ui.md(ref.name), anchor=False)
    bits = [ref.kind, ref.jurisdiction or "?", f"{ref.source}:{ref.id}"]
    st.caption(" · ".join(ui.md(b) for b in bits if b) + f" · as of {as_of.isoformat()}")


def _verdicts(graph: Graph, profile: Profile, ref: EntityRef, as_of: Any) -> Any:
    """The 50 % rule's verdict, listings out of force, red flags and disagreements; the place
    of the possible matches, drawn into it at the end of the run."""
    rule = profile.rule
    if rule is not None and rule.relevant:  # the why: Overview, first tab
        show = st.error if rule.status else st.info
        show(ui.md(rule.summary()), icon=":material/block:" if rule.status else None)
    elif profile.sanctions:
        st.info(
            f"Has sanction listings, none in force on {as_of.isoformat()} (see Overview).",
            icon=":material/history:",
        )
    if profile.flags:
        st.warning(
            formatting.count(len(profile.flags), "red flag")
            + ": "
            + "; ".join(ui.md(f.flag) for f in profile.flags),
            icon=":material/flag:",
        )
    for group in profile.disagreements:
        st.info(
            "Sources disagree: " + ui.md(statements.disagreement(group)),
            icon=":material/difference:",
        )
    matches = st.container()
    cols = st.columns(5)
    cols[0].metric("Owners", f"{len(profile.owners):,}")
    cols[1].metric("Subsidiaries", f"{_subsidiaries(graph, ref, as_of, 0)[0]:,}")
    cols[2].metric("Officers", f"{len(profile.officers):,}")
    cols[3].metric("Sanction listings", f"{len(profile.sanctions):,}")
    cols[4].metric("Source records", f"{len(profile.records):,}")
    return matches


def _possibly_same(uid: str, candidates: list[matching.Candidate]) -> None:
    """Entities that may be this one, with the analyst's accept / reject (stored as a decision
    by record keys, re-applied after every import: ownership.analysis.matching)."""
    for n, candidate in enumerate(candidates):
        other = candidate.b
        evidence = ", ".join(candidate.evidence) or candidate.reason
        with st.container(border=True):
            text, accept, reject = st.columns([6, 1, 1])
            text.markdown(
                f"Possibly the same as **{ui.md(other['name'])}** "
                f"({ui.md(other['jurisdiction'] or '?')}, `{ui.md(other['uid'])}`): {ui.md(evidence)}"
            )
            for column, verdict, label in (
                (accept, "accept", "Same"),
                (reject, "reject", "Not same"),
            ):
                if column.button(label, key=f"match_{verdict}_{n}_{other['uid']}"):
                    matching.decide(data.graph(), uid, other["uid"], verdict)
                    data.clear()
                    st.rerun()


def _overview(profile: Profile, as_of: Any) -> None:
    """What the entity is: identity, identifiers, addresses, succession, listings (its facts;
    the red flags follow once judged)."""
    e = profile.entity
    facts = {k: e[k] for k in IDENTITY if e.get(k) not in (None, [], "")}
    st.subheader("Identity", anchor=False)
    ui.table(
        formatting.facts_frame(facts, profile.records),
        "profile_identity",
        f"{_slug(e)}-identity",
        hide=(),
        caption="sources: the records stating each value",
    )
    identifiers = e.get("identifiers") or []
    if identifiers:
        st.subheader("Identifiers", anchor=False)
        rows = []
        for item in identifiers:
            scheme, _, value = str(item).rpartition(":")
            rows.append({"scheme": scheme or "?", "value": value, "key": item})
        ui.table(
            formatting.frame(rows, ["scheme", "value", "key"]),
            "profile_identifiers",
            f"{_slug(e)}-identifiers",
            hide=(),
        )
    st.subheader("Registered addresses", anchor=False)
    if profile.addresses:
        ui.table(
            formatting.addresses_frame(profile.addresses),
            "profile_addresses",
            f"{_slug(e)}-addresses",
            caption="companies_registered_there counts every company at that (normalized) address",
        )
    else:
        st.caption("none recorded")
    for title, rows in (("Merged into", profile.successors), ("Absorbed", profile.predecessors)):
        if rows:  # succession (e.g. the NTA's successor corporate number): not ownership
            st.subheader(title, anchor=False)
            ui.table(
                formatting.frame(rows, SUCCESSION_COLUMNS),
                f"profile_{title.lower().replace(' ', '_')}",
                f"{_slug(e)}-{title.lower().replace(' ', '-')}",
                hide=(),
            )
    st.subheader("Sanctions", anchor=False)
    if profile.sanctions:
        ui.table(
            formatting.sanctions_frame(profile.sanctions, as_of),
            "profile_sanctions",
            f"{_slug(e)}-sanctions",
            hide=(),
        )
    else:
        st.caption("not on any list in the graph")


def _red_flags(profile: Profile) -> None:
    """The Overview's red flags of the entity (its verdicts' flags), one row each."""
    e = profile.entity
    st.subheader("Red flags", anchor=False)
    if profile.flags:
        ui.table(
            formatting.flags_frame(profile.flags),
            "profile_flags",
            f"{_slug(e)}-flags",
            hide=("uid", "name", "id"),
        )
    else:
        st.caption("none from this entity's neighbourhood (the Red flags view runs every detector)")


def _holdings(graph: Graph, profile: Profile, ref: EntityRef, as_of: Any) -> None:
    e = profile.entity
    statuses = {  # each owner's own status under the rule: who makes this entity blocked
        uid: STATUS_WORDS[status].lower()
        for uid, status in data.statuses(graph, data.key(), as_of).items()
    }
    config = {
        "effective": st.column_config.TextColumn(
            "effective share",
            help="sum over all chains of the product of shares; a range when bands or "
            "unknown shares are involved",
        ),
        "ultimate": st.column_config.CheckboxColumn("ultimate (person)"),
        "via": st.column_config.TextColumn(
            "via (paths)", help="the chains from owner to subsidiary, a line each"
        ),
        "status": st.column_config.TextColumn(
            "50% rule", help="the owner's own status under the OFAC 50% rule on this date"
        ),
    }
    st.subheader(f"Owners ({len(profile.owners)})", anchor=False)
    if profile.owners:
        ultimate = [h for h in profile.owners if h.ultimate]
        if ultimate:
            st.caption(
                "Ultimate owners: "
                + "; ".join(f"{ui.md(h.name)} {_effective(h)}" for h in ultimate)
            )
        ui.table(
            formatting.holdings_frame(
                _page(
                    len(profile.owners),
                    "profile_owners_page",
                    lambda first, count: by_share(profile.owners)[first : first + count],
                ),
                statuses,
            ),
            "profile_owners",
            f"{_slug(e)}-owners",
            open_column="uid",
            hide=HOLDING_HIDDEN,
            column_config=config,
            wrap={"via": VIA_PX},
            caption="select a row to open that owner; hops = length of the shortest chain",
        )
    else:
        st.caption(f"no owner known on {as_of.isoformat()}")
    total = _subsidiaries(graph, ref, as_of, 0)[0]
    st.subheader(f"Subsidiaries ({total})", anchor=False)
    if total:
        shown = _page(
            total,
            "profile_subsidiaries_page",
            lambda first, count: _subsidiaries(graph, ref, as_of, count, first)[1],
        )
        ui.table(
            formatting.holdings_frame(shown),
            "profile_subsidiaries",
            f"{_slug(e)}-subsidiaries",
            open_column="uid",
            hide=HOLDING_HIDDEN,
            column_config=config,
            wrap={"via": VIA_PX},
            caption="select a row to open that subsidiary",
        )
    else:
        st.caption(f"owns nothing on {as_of.isoformat()}")
    params = {"uid": ref.uid, "as_of": as_of}
    cols = st.columns(3)
    with cols[0]:
        ui.browser_link(graph, cypher.OWNER_PATHS_DRAWN, params, OWNER_HOPS, key="nb_owner_paths")
    with cols[1]:
        ui.browser_link(
            graph, cypher.SUBSIDIARY_PATHS_DRAWN, params, OWNER_HOPS, key="nb_subsidiary_paths"
        )


HOLDINGS_PAGE = 100  # rows of owners or subsidiaries shown at once


def _page(total: int, key: str, rows: Callable[[int, int], list[Holding]]) -> list[Holding]:
    """The page shown of ``total`` holdings, strongest first (as ``ownership owners`` /
    ``subsidiaries`` page them): ``rows(first, count)`` gives it; a large group a page at a
    time, so that the table of a 20,000-entity group is built (and named) 100 rows at a time."""
    if total <= HOLDINGS_PAGE:
        return rows(0, total)
    pages = -(-total // HOLDINGS_PAGE)
    cols = st.columns([1, 4], vertical_alignment="bottom")
    page = int(cols[0].number_input(f"Page (of {pages})", 1, pages, step=1, key=key))
    first = (page - 1) * HOLDINGS_PAGE
    shown = rows(first, HOLDINGS_PAGE)
    cols[1].caption(f"{first + 1}–{first + len(shown)} of {total}, strongest first")
    return shown


def _subsidiaries(
    graph: Graph, ref: EntityRef, as_of: Any, count: int, first: int = 0
) -> tuple[int, list[Holding]]:
    """How many subsidiaries ``ref`` has, and ``count`` of them from ``first``, strongest
    first: read from the answer kept for a large group, not every one named."""
    return data.holdings_page(graph, data.key(), ref, as_of, False, count, first)


def _graph(graph: Graph, profile: Profile, ref: EntityRef, as_of: Any) -> None:
    settings = ui.graph_controls("profile_graph")
    order = sorted(
        profile.owners + data.subsidiaries(graph, data.key(), ref, as_of),
        key=lambda h: (h.hops, -(h.effective_share_min or 0.0), h.name or ""),
    )
    candidates = tuple(h.uid for h in order)
    asked = netcomponent.Asked(f"profile_expand.{ref.uid}")
    sub = data.subgraph(
        graph,
        data.key(),
        (ref.uid,),
        candidates,
        as_of,
        settings["per_node"],
        settings["max_nodes"],
        settings["hub_limit"],
        asked.nodes("expand"),
        asked.nodes("officers"),
        asked.nodes("addresses"),
        asked.nodes("removed"),
    )
    state.seed("profile_graph.explore", False)
    if st.toggle(
        "Click to explore",
        key="profile_graph.explore",
        help="click a node to open its profile, double-click to expand it in place, "
        "right-click for its officers, address, collapse or remove; "
        "off: the picture with its HTML, GraphML and JSON downloads",
    ):
        netcomponent.explore_panel(
            sub, f"profile_explore.{ref.uid}", asked, layout=settings["layout"]
        )
    else:
        ui.graph_panel(
            sub,
            "profile_graph",
            f"{_slug(profile.entity)}-graph",
            title=profile.entity.get("name") or ref.uid,
            layout=settings["layout"],
        )
    state.keep("profile_graph.explore")
    _asked_controls(sub, asked)


EXPANSIONS = {  # the multiselects of what is drawn on request, as the graph's menu offers it
    "expand": ("Expand owners and holdings of", "their direct owners and holdings"),
    "officers": (
        "Draw the officers (a person: roles) of",
        "the officers and the other companies each of them serves (a person: the companies it "
        "serves): a shell signal; an officer with more links than the hub limit (a nominee "
        "director of hundreds) is drawn but not walked",
    ),
    "addresses": (
        "Draw the address (and who shares it) of",
        "the registered address and the other entities registered there; an address with "
        "more entities than the hub limit is drawn but not walked",
    ),
}


def _asked_controls(sub: Any, asked: netcomponent.Asked) -> None:
    """What is drawn on request, as multiselects (the same lists the graph's double click and
    right-click menu change), and the nodes removed, to put back."""
    names = {
        n.id: f"{n.name} ({'address' if n.kind == ADDRESS else n.jurisdiction or '?'})"
        for n in sub.nodes
    }
    cols = st.columns(len(EXPANSIONS))
    for col, (kind, (label, help_text)) in zip(cols, EXPANSIONS.items(), strict=True):
        options = [n.id for n in sub.nodes if kind == "addresses" or n.kind != ADDRESS]
        st.session_state[asked.state_key(kind)] = [u for u in asked.nodes(kind) if u in options]
        col.multiselect(
            label,
            options,
            key=asked.state_key(kind),
            format_func=lambda uid: names.get(uid, uid),
            help=f"adds {help_text}, within the caps above",
        )
    removed = asked.nodes("removed")
    if removed and st.button(
        f"Put back {len(removed)} removed node(s)", key=f"{asked.key}.put_back"
    ):
        st.session_state[asked.state_key("removed")] = []
        st.rerun()


def _officers(profile: Profile, as_of: Any) -> None:
    e = profile.entity
    st.subheader(f"Officers ({len(profile.officers)})", anchor=False)
    if profile.officers:
        ui.table(
            formatting.officers_frame(profile.officers, as_of),
            "profile_officers",
            f"{_slug(e)}-officers",
            open_column="uid",
            caption="select a row to open that officer",
        )
    else:
        st.caption("none recorded")
    st.subheader(f"Roles in other companies ({len(profile.roles)})", anchor=False)
    if profile.roles:
        ui.table(
            formatting.officers_frame(profile.roles, as_of),
            "profile_roles",
            f"{_slug(e)}-roles",
            open_column="uid",
            caption="select a row to open that company",
        )
    else:
        st.caption("none recorded")


def _provenance(graph: Graph, profile: Profile, ref: EntityRef) -> None:
    e = profile.entity
    st.subheader(f"Source records ({len(profile.records)})", anchor=False)
    st.caption(
        "Each record keeps the values its source gave; the entity shows the primary "
        "record's values, gaps filled from the others."
    )
    hidden = set(INTERNAL) | BOOKKEEPING
    ui.table(
        formatting.records_frame(profile.records, hidden),
        "profile_records",
        f"{_slug(e)}-records",
        hide=(),
    )
    conflicts = profile.conflicts()
    st.subheader("Conflicting values", anchor=False)
    if conflicts:
        ui.table(
            formatting.conflicts_frame(conflicts),
            "profile_conflicts",
            f"{_slug(e)}-conflicts",
            hide=(),
        )
    else:
        st.caption("the sources agree")
    ui.browser_link(graph, cypher.ENTITY_PROFILE, {"uid": ref.uid}, key="nb_profile")


def _effective(h: Any) -> str:
    return formatting.effective_text(
        h.effective_share, h.effective_share_min, h.effective_share_max
    )


def _slug(entity: dict[str, Any]) -> str:
    raw = str(entity.get("record_id") or entity.get("uid") or "entity")
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in raw)[:60]

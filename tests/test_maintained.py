"""Whole-graph answers kept by import and refresh (red flags and ownership gaps for every date,
the landing page): what is read back equals what is computed, on every day where something
changes; they are used only for their thresholds and data version, and ``ownership import``,
``refresh`` and ``sources remove`` keep them. The fast whole-graph flag detectors are checked
against each entity's own flags, found from the entity outwards."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import REPO, company, owns

from bench.generate import generate
from ownership import clock, cypher
from ownership.analysis import (
    counts,
    gaps,
    history,
    landing,
    maintained,
    sanctions,
    timelines,
    upkeep,
    why,
)
from ownership.analysis.entities import resolve
from ownership.analysis.flags import (
    FlagSettings,
    KeptFlags,
    compute_red_flags,
    flag_page,
    red_flags,
)
from ownership.analysis.profile import entity_profile
from ownership.analysis.stats import data_version, graph_stats
from ownership.graph import Graph
from ownership.loader import import_paths
from ownership.refresh.runner import run_refresh
from ownership.refresh.sources import load_config

SEED_DAY = dt.date(2022, 7, 1)
GENERATED_DAY = dt.date(2024, 1, 1)


def flag_items(found: list[Any]) -> list[tuple[Any, ...]]:
    return [(f.uid, f.id, f.name, f.flag, f.detail, json.dumps(f.evidence)) for f in found]


def gap_items(found: list[gaps.CompanyGap]) -> list[dict[str, Any]]:
    return [c.as_dict() for c in found]


def change_days(graph: Graph) -> list[dt.date]:
    """Every day on which a holding, an officer role or a piece of a kept answer starts or
    stops, and the day before the first: the answers are the same from one to the next, so
    these days see every answer there is."""
    dated = timelines.DatedGraph.read(graph)
    ordinals = set(dated.since.tolist()) | set(dated.until.tolist())
    ordinals |= set(dated.role_since.tolist()) | set(dated.role_until.tolist())
    flags = KeptFlags.load(graph, FlagSettings())
    if flags is not None:
        ordinals |= set(flags.since.tolist()) | set(flags.until.tolist())
    ordinals -= {timelines.BEFORE, timelines.AFTER}
    days = sorted(dt.date.fromordinal(d) for d in ordinals)
    return [days[0] - dt.timedelta(days=1), *days]


def assert_pages_add_up(graph: Graph, day: dt.date) -> None:
    """Pages of the flags and of the gaps, read from what is kept, add up to the whole list,
    in its order, with the counts of the whole on every page."""
    whole = flag_page(graph, as_of=day)
    assert whole.counts == dict(Counter(f.flag for f in whole.flags))
    size = max(1, len(whole.flags) // 3)
    pages = [flag_page(graph, as_of=day, limit=size, offset=o) for o in range(0, 4 * size, size)]
    assert all(p.counts == whole.counts for p in pages)
    assert flag_items([f for p in pages for f in p.flags]) == flag_items(whole.flags)
    assert flag_page(graph, as_of=day, limit=0).flags == []
    only = ("shared-address", "officer-hub")
    some = flag_page(graph, as_of=day, only=only, limit=size, offset=1)
    expected = [f for f in whole.flags if f.flag in only]
    assert flag_items(some.flags) == flag_items(expected[1 : 1 + size])
    assert some.total == len(expected)
    for reached in (False, None):
        every = gaps.gap_page(graph, day, reached)
        size = max(1, every.total // 3)
        pages = [gaps.gap_page(graph, day, reached, size, o) for o in range(0, 4 * size, size)]
        assert all(p.total == every.total == len(every.gaps) for p in pages)
        assert gap_items([c for p in pages for c in p.gaps]) == gap_items(every.gaps)


def assert_kept_equals_computed(graph: Graph, day: dt.date, every: int = 1) -> None:
    """Keep every answer as an import on ``day`` does, then check that each is read back from
    the graph and equals the computation: the flags and gaps on every ``every``-th day where
    something changes (and on ``day``), the others on ``day``."""
    upkeep.maintain(graph, day)
    settings = FlagSettings()
    assert KeptFlags.load(graph, settings) is not None
    assert gaps.KeptGaps.load(graph) is not None
    assert maintained.load(graph, counts.KIND, counts.KEY) is not None
    assert counts.counts(graph) == counts.compute_counts(graph)  # Maintained counted now
    assert counts.graph_counts(graph) == graph_stats(graph)
    days = change_days(graph)
    assert len(days) > 10
    raised = 0
    for when in sorted({day, *days[::every]}):
        computed = compute_red_flags(graph, settings, when)
        raised += len(computed)
        assert flag_items(red_flags(graph, as_of=when)) == flag_items(computed), when
        everything = gaps.compute_company_gaps(graph, when)
        assert gap_items(gaps.company_gaps(graph, when, None)) == gap_items(everything), when
        for reached in (False, True):
            assert gap_items(gaps.company_gaps(graph, when, reached)) == [
                c.as_dict() for c in everything if c.gap.person_reached == reached
            ]
        assert_pages_add_up(graph, when)
    assert raised, "the data must raise flags for the comparison to mean something"
    only = ("officer-hub", "circular-ownership")
    assert flag_items(red_flags(graph, as_of=day, only=only)) == flag_items(
        compute_red_flags(graph, settings, day, only)
    )
    assert sanctions.KeptFindings.load(graph, day) is not None
    computed = sanctions.every_finding(graph, day)
    assert sanctions.findings_on(graph, day) == computed
    assert history.blocked_on(graph, day) == {
        uid: f.as_dict() for uid, f in computed.items() if f.status
    }
    page = landing.landing(graph, day)
    computed_page = landing.compute_landing(graph, day)
    assert page.flags is not None
    assert flag_items(page.flags) == flag_items(landing.dated_flags(graph, day))
    assert dataclasses.replace(page, flags=None) == computed_page
    candidates = graph.read(cypher.GROUP_CANDIDATES, limit=landing.CANDIDATES)
    assert maintained.load(graph, landing.CANDIDATES_KIND, "all") == [
        [r["uid"], r["ever"]] for r in candidates
    ]  # found in the dated graph as the query finds them
    other_day = day - dt.timedelta(days=400)  # the kept counts, the groups of that day
    assert landing.landing(graph, other_day) == landing.compute_landing(graph, other_day)


@pytest.fixture()
def seed(graph: Graph) -> Graph:
    import_paths(graph, [REPO / "seed" / "registry"], "seed-registry", "csv")
    return graph


def test_seed_answers_kept_equal_the_computed_ones(seed: Graph) -> None:
    assert_kept_equals_computed(seed, SEED_DAY)


def test_rows_streamed_a_few_at_a_time_are_the_rows_read(seed: Graph) -> None:
    """``Graph.stream`` fetching fewer rows at a time than there are hands out the rows of a
    read (in no particular order); a caller that stops early leaves the graph usable; and the
    dated graph built from the streamed rows holds every entity and holding once."""

    def text(row: dict[str, Any]) -> str:
        return json.dumps(row, default=str, sort_keys=True)

    for query in (cypher.DATED_ENTITIES, cypher.DATED_HOLDINGS):
        read = seed.read(query)
        assert len(read) > 7
        assert sorted(map(text, seed.stream(query, batch=7))) == sorted(map(text, read))
    rows = seed.stream(cypher.DATED_HOLDINGS, batch=2)
    assert next(rows)["holding"]
    rows.close()
    assert_dated_columns_hold_the_rows(seed)


def assert_dated_columns_hold_the_rows(graph: Graph) -> timelines.DatedGraph:
    """The dated graph's columns hold every entity and holding read, with their values (None
    where there is none), each holding once among its owner's and once among its owned
    entity's; an entity is found by its uid."""
    dated = timelines.DatedGraph.read(graph)
    entities = [r["entity"] for r in graph.read(cypher.DATED_ENTITIES)]
    day = timelines._date

    def entity(i: int) -> list[Any]:
        return [
            dated.uid_of(i), dated.ids[i], dated.names[i],
            dated.jurisdictions[dated.jurisdiction[i]],
            list(dated.operating[dated.operates_in[i]]), day(int(dated.incorporated[i])),
            bool(dated.company[i]), bool(dated.person[i]), bool(dated.listed[i]),
        ]  # fmt: skip

    def text(row: list[Any]) -> str:
        return json.dumps(row, default=str)

    assert len(dated.uid) == len(entities)
    assert sorted(text(entity(i)) for i in range(len(entities))) == sorted(
        text([*e[:4], list(e[4] or ()), *e[5:]]) for e in entities
    )
    assert all(dated.uid_of(dated.number(e[0])) == e[0] for e in entities)
    with pytest.raises(KeyError):
        dated.number("no such uid, longer than any uid read")

    def holding(j: int) -> list[Any]:
        share, low, high = dated.shares(j)
        return [
            dated.uid_of(int(dated.owner[j])), dated.uid_of(int(dated.owned[j])),
            int(dated.since[j]), int(dated.until[j]), share, low, high,
            dated.kinds[dated.kind[j]], bool(dated.direct[j]), day(int(dated.held_since[j])),
            None if dated.disagree[j] < 0 else bool(dated.disagree[j]),
        ]  # fmt: skip

    read = [r["holding"] for r in graph.read(cypher.DATED_HOLDINGS)]
    assert len(read) > 7
    assert sorted(text(holding(j)) for j in range(len(dated.owner))) == sorted(
        text([*r[:2], *timelines.span(*r[2:5]), *r[5:]]) for r in read
    )
    assert sorted(str(day(int(d))) for d in dated.ended) == sorted(
        str(r[3]) for r in read
    )  # the stated end, whatever the retirement: the holding periods' own
    outs = [j for i in range(len(entities)) for j in dated.holdings_of(i)]
    assert sorted(outs) == list(range(len(read)))
    assert all(int(dated.owner[j]) == i for i in range(len(entities)) for j in dated.holdings_of(i))
    intos = [(i, list(dated.holders(i))) for i in range(len(entities))]
    assert sorted(j for _, found in intos for j in found) == list(range(len(read)))
    assert all(int(dated.owned[j]) == i for i, found in intos for j in found)
    roles = [r["role"] for r in graph.read(cypher.DATED_ROLES)]
    held = [
        [dated.uid_of(p), dated.uid_of(c), since, until]
        for p, c, since, until in zip(
            *(
                getattr(dated, f"role_{k}").tolist()
                for k in ("person", "company", "since", "until")
            ),
            strict=True,
        )
    ]
    assert sorted(map(text, held)) == sorted(
        text([*r[:2], *timelines.span(*r[2:5])]) for r in roles
    )
    assert all(
        int(dated.role_person[k]) == i
        for i in range(len(entities))
        for k in range(int(dated.role_start[i]), int(dated.role_start[i + 1]))
    )
    assert_dated_keeps_and_patches(graph, dated)
    return dated


def assert_dated_keeps_and_patches(graph: Graph, dated: timelines.DatedGraph) -> None:
    """The dated graph kept as a document reads back the same, and patched with any entities
    (every other one, every one, one the graph does not have, none) it is column for column
    the one read: the canonical order owes nothing to the order rows come in."""
    document = json.dumps(dated.document())
    kept = timelines.DatedGraph.from_document(json.loads(document))
    assert kept is not None and json.dumps(kept.document()) == document
    uids = [dated.uid_of(i) for i in range(len(dated.uid))]
    for touched in (uids[::2], uids, ["no such uid"], []):
        assert json.dumps(kept.patch(graph, touched).document()) == document


def test_dated_columns_sort_and_answer_as_the_computation(graph: Graph, make_dataset: Any) -> None:
    """Where the columns could part from the objects they replaced: names longer than the
    prefix sorted in numpy that share it (cut inside a character of several bytes), names
    outside ASCII, equal names, uids of different lengths, shares exact, banded and missing,
    shares over 100 %. The companies come in Python's (name, uid) order, and the kept flags
    and gaps of every date equal the computed ones."""
    long = "Ŝhared prefix holdings of thirty-two bytes"
    names = [long + " B", long + " A", "株式会社" * 9 + "乙", "株式会社" * 9 + "甲", "Zed", "Zed",
             "Ärger GmbH", "abc", "Abc"]  # fmt: skip
    companies = [
        company(f"x{n}" * (1 + n % 3), place, name=name, incorporation_date="2019-01-01")
        for n, (name, place) in enumerate(zip(names, ["KY", "RU", "GB", "JP"] * 3, strict=False))
    ]
    ids = [c["id"] for c in companies]
    holdings = [
        owns(ids[0], ids[1], 60, start_date="2019-03-01"),
        owns(ids[1], ids[2], None, share_min=25, share_max=50, start_date="2020-01-01"),
        owns(ids[2], ids[3], 70, start_date="2020-06-01", end_date="2023-01-01"),
        owns(ids[4], ids[3], 50.5, start_date="2021-01-01"),
        owns(ids[5], ids[6]),
        owns(ids[6], ids[7], 100, start_date="2018-01-01"),
        owns(ids[8], ids[7], 30, start_date="2022-01-01", end_date="2022-06-01"),
        owns(ids[3], ids[0], 40, start_date="2019-02-01"),
        owns(ids[7], ids[4], 10, start_date="2017-05-01", end_date="2024-02-01"),
        owns(ids[1], ids[5], 20, start_date="2016-07-01", end_date="2025-03-01"),
    ]
    import_paths(graph, [make_dataset(companies, holdings)], "edge")
    dated = assert_dated_columns_hold_the_rows(graph)
    every = np.arange(len(dated.uid))
    python = sorted(every.tolist(), key=lambda i: (dated.names[i] or "", dated.uid_of(i)))
    assert dated.by_name(every).tolist() == python
    ordered = [dated.names[i] for i in python]
    assert ordered.index(long + " A") + 1 == ordered.index(long + " B")
    assert_kept_equals_computed(graph, dt.date(2022, 3, 1))


def test_one_entitys_verdict_reads_only_the_kept_documents_it_needs(
    seed: Graph, make_dataset: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rule's findings kept by entity (three or so to a document here): an entity's
    verdict and explanation, read from the kept documents, equal those computed and read only
    some documents; so does every finding, read all at once. Should the answer be replaced
    while it is read (an import kept its own), what is left to read is computed again."""
    monkeypatch.setattr(sanctions, "BUCKET", 3)
    sanctions.keep_findings(seed, SEED_DAY, data_version(seed)[0])
    computed = sanctions.every_finding(seed, SEED_DAY)
    caught = sorted(uid for uid, f in computed.items() if f.status == sanctions.BLOCKED)
    assert len(caught) > 3
    kept = sanctions.KeptFindings.load(seed, SEED_DAY)
    assert kept is not None and kept._buckets > 3
    assert why.tree(kept, caught[0]) == why.tree(computed, caught[0])
    assert why.tree(kept, caught[0]).owners  # an explanation with owners in it
    assert 0 < len(kept._read) < kept._buckets
    assert dict(kept) == computed and len(kept) == len(computed)
    fresh = sanctions.findings_on(seed, SEED_DAY)
    assert isinstance(fresh, sanctions.KeptFindings)
    assert [why.tree(fresh, uid) for uid in caught] == [why.tree(computed, uid) for uid in caught]
    unread = sanctions.KeptFindings.load(seed, SEED_DAY)
    import_paths(seed, [make_dataset([company("x1", "KY")], [])], "late")
    sanctions.keep_findings(seed, SEED_DAY, data_version(seed)[0])
    assert unread is not None and unread[caught[0]] == computed[caught[0]]
    assert unread._computed is not None  # the kept documents were gone: computed again
    assert dict(unread) == sanctions.every_finding(seed, SEED_DAY)


def test_the_rule_pages_counts_are_read_from_the_kept_header(seed: Graph) -> None:
    """The 50 % rule page shows how many entities of each status before reading the findings:
    from the kept answer's header for the default rule, counted from the findings for any
    other rule or authority; both equal the listing's own counts."""

    def counted(rule: str = "ofac", authorities: tuple[str, ...] = ()) -> dict[str, int]:
        listing = sanctions.blocked_entities(seed, SEED_DAY, rule, authorities)
        return {s: sum(1 for f in listing if f.status == s) for s in sanctions.STATUSES}

    assert sanctions.KeptFindings.load(seed, SEED_DAY) is None
    assert sanctions.status_counts(seed, SEED_DAY) == counted()  # computed
    sanctions.keep_findings(seed, SEED_DAY, data_version(seed)[0])
    kept = sanctions.KeptFindings.load(seed, SEED_DAY)
    assert kept is not None and kept.statuses == counted()
    assert sanctions.status_counts(seed, SEED_DAY) == counted()
    assert all(counted().values())  # the seed lists, blocks and possibly blocks some
    for rule, authorities in (("eu", ()), ("ofac", ("EU",))):
        assert sanctions.status_counts(seed, SEED_DAY, rule, authorities) == counted(
            rule, authorities
        )
    assert counted("ofac", ("EU",)) != counted()


def test_kept_flags_serve_only_their_thresholds_and_data(seed: Graph, make_dataset: Any) -> None:
    upkeep.maintain(seed, SEED_DAY)
    assert KeptFlags.load(seed, FlagSettings()) is not None
    # other thresholds are computed (and equal the computation)
    other = FlagSettings(address_threshold=2)
    assert KeptFlags.load(seed, other) is None
    assert flag_items(red_flags(seed, other, SEED_DAY)) == flag_items(
        compute_red_flags(seed, other, SEED_DAY)
    )
    # an import changes the data version: the kept flags no longer count
    before = flag_items(red_flags(seed, as_of=SEED_DAY))
    folder = make_dataset(
        [company("x1", "KY"), company("x2", "KY")], [owns("x1", "x2", 60), owns("x2", "x1", 60)]
    )
    import_paths(seed, [folder], "late")
    assert KeptFlags.load(seed, FlagSettings()) is None
    assert gaps.KeptGaps.load(seed) is None
    assert landing.landing(seed, SEED_DAY).flags is None
    after = flag_items(red_flags(seed, as_of=SEED_DAY))
    assert after == flag_items(compute_red_flags(seed, FlagSettings(), SEED_DAY))
    assert {i[1] for i in after if i[3] == "circular-ownership"} - {
        i[1] for i in before if i[3] == "circular-ownership"
    } == {"x1", "x2"}


def test_sources_remove_keeps_the_answers_of_what_is_left(
    seed: Graph, make_dataset: Any, run_cli: Any
) -> None:
    folder = make_dataset(
        [company("x1", "KY"), company("x2", "KY")], [owns("x1", "x2", 60), owns("x2", "x1", 60)]
    )
    assert run_cli("import", str(folder), "--source", "late").exit_code == 0
    with_late = red_flags(seed, as_of=SEED_DAY)
    assert {f.id for f in with_late if f.flag == "circular-ownership"} >= {"x1", "x2"}
    result = run_cli("sources", "remove", "late", "--yes")
    assert result.exit_code == 0, result.output
    assert KeptFlags.load(seed, FlagSettings()) is not None
    kept = red_flags(seed, as_of=SEED_DAY)
    assert not {f.id for f in kept if f.flag == "circular-ownership"} & {"x1", "x2"}
    assert flag_items(kept) == flag_items(compute_red_flags(seed, FlagSettings(), SEED_DAY))
    assert gap_items(gaps.company_gaps(seed, SEED_DAY)) == [
        c.as_dict() for c in gaps.compute_company_gaps(seed, SEED_DAY) if not c.gap.person_reached
    ]


def test_import_command_keeps_todays_answers(graph: Graph, run_cli: Any) -> None:
    result = run_cli("import", str(REPO / "seed" / "registry"), "--source", "seed-registry",
                     "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    seconds = json.loads(result.output)["maintained_seconds"]
    assert set(seconds) == {
        "flags",
        "gaps",
        "periods",
        "landing",
        "groups",
        "blocked",
        "chains",
        "counts",
        "search",
        "dated read",  # the graph with its dates: nothing kept to patch on a first import
    }
    today = clock.today()
    assert KeptFlags.load(graph, FlagSettings()) is not None
    result = run_cli("flags", "--format", "json")
    assert result.exit_code == 0, result.output
    whole = json.loads(result.output)
    assert whole == [f.as_dict() for f in compute_red_flags(graph, FlagSettings(), today)]
    page = run_cli("flags", "--limit", "3", "--offset", "2", "--format", "json")
    assert json.loads(page.output) == whole[2:5]
    summary = json.loads(run_cli("flags", "--summary", "--format", "json").output)
    assert summary["counts"] == dict(Counter(f["flag"] for f in whole))
    assert summary["total"] == len(whole)
    every = json.loads(run_cli("gaps", "--format", "json").output)
    page = run_cli("gaps", "--limit", "4", "--offset", "3", "--format", "json")
    assert json.loads(page.output) == every[3:7]
    assert json.loads(run_cli("gaps", "--summary", "--format", "json").output)["total"] == len(
        every
    )
    graph.empty()
    result = run_cli("import", str(REPO / "seed" / "registry"), "--source", "seed-registry",
                     "--json", "--no-maintain")  # fmt: skip
    assert json.loads(result.output)["maintained_seconds"] is None
    assert KeptFlags.load(graph, FlagSettings()) is None


def test_refresh_keeps_the_answers_for_its_date(graph: Graph, tmp_path: Path) -> None:
    class Borrowed(Graph):
        def close(self) -> None:  # the session's driver stays open
            pass

    config = load_config(REPO / "seed" / "sources.toml")
    borrow = lambda: Borrowed(graph.driver, graph.database, graph.embedded)  # noqa: E731
    report = run_refresh(config, tmp_path, borrow, SEED_DAY)
    assert report.status == "ok"
    assert KeptFlags.load(graph, FlagSettings()) is not None
    assert flag_items(red_flags(graph, as_of=SEED_DAY)) == flag_items(
        compute_red_flags(graph, FlagSettings(), SEED_DAY)
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("generated-3k")
    generate(folder, 3_000, seed=7)
    return folder


def test_generated_answers_kept_equal_the_computed_ones(graph: Graph, generated: Path) -> None:
    import_paths(graph, [generated], "bench")
    assert_kept_equals_computed(graph, GENERATED_DAY, every=97)


def test_largest_groups_among_the_kept_candidates_equal_the_whole_graphs(
    graph: Graph, generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The largest groups of any day counted for the kept candidates (the entities with the
    most holdings ever) equal the pass over the whole graph, whether the candidates prove the
    answer (most days, with 1,000 of them) or not (two candidates: the whole graph again)."""
    import_paths(graph, [generated], "bench")
    version = data_version(graph)[0]
    days = [dt.date(y, m, 1) for y in range(2000, 2027, 3) for m in (1, 7)]
    days += [dt.date(1990, 1, 1), dt.date(2040, 1, 1)]

    def whole(day: dt.date) -> list[dict[str, Any]]:
        return graph.read(cypher.LARGEST_GROUPS, as_of=day, limit=landing.LIMIT)

    assert landing.largest_groups(graph, days[0]) == whole(days[0])  # none kept yet
    dated = timelines.DatedGraph.read(graph)
    for candidates, batch in ((1_000, 50), (2, 1)):
        monkeypatch.setattr(landing, "CANDIDATES", candidates)
        monkeypatch.setattr(landing, "BATCH", batch)
        landing.keep_candidates(graph, version, dated.most_holdings(candidates))
        kept = maintained.load(graph, landing.CANDIDATES_KIND, "all")
        assert len(kept) == candidates
        proved = [landing._among(graph, kept, day) is not None for day in days]
        assert sum(proved) > len(days) // 2 if candidates > 2 else not any(proved)
        assert [landing.largest_groups(graph, day) for day in days] == [whole(d) for d in days]
    assert any(whole(day) for day in days)


LOCAL_KINDS = {  # the flags a profile finds from its entity outwards
    "shared-address",
    "officer-hub",
    "circular-ownership",
    "new-intermediary",
    "secrecy-jurisdiction-intermediary",
    "shares-over-100",
}


def test_whole_graph_flags_equal_each_entitys_own(graph: Graph, generated: Path) -> None:
    """Every whole-graph detector against the per-entity queries of the profile, on the
    flagged entities of each kind and on unflagged ones next to them."""
    import_paths(graph, [generated], "bench")
    found = compute_red_flags(graph, FlagSettings(), GENERATED_DAY)
    kinds: dict[str, set[str]] = {}
    for f in found:
        if f.flag in LOCAL_KINDS:
            kinds.setdefault(f.uid, set()).add(f.flag)
    assert {k for ks in kinds.values() for k in ks} == LOCAL_KINDS, "each kind is raised"
    sample: set[str] = set()
    for kind in LOCAL_KINDS:
        sample |= set(sorted(u for u, ks in kinds.items() if kind in ks)[:6])
    unflagged = [f"bench:c{n:07d}" for n in range(1, 3_000, 97)]
    sample |= set(unflagged)
    for uid in sorted(sample):
        profile = entity_profile(graph, resolve(graph, uid), GENERATED_DAY)
        own = {f.flag for f in profile.flags if f.flag in LOCAL_KINDS}
        assert own == kinds.get(uid, set()), uid


def test_documents_larger_than_a_bolt_message_are_kept(seed: Graph) -> None:
    """Documents of 6 million characters each, 18 million in all: more than the 16 MB that
    the embedded server's Bolt plugin takes in one message, so they are sent in several."""
    version = "v-large"
    documents = [{"n": n, "text": chr(ord("a") + n) * 6_000_000} for n in range(3)]
    maintained.store_documents(seed, "test-large", "k", None, documents, version)
    assert maintained.load_documents(seed, "test-large", "k", [0, 1, 2], version) == documents


def test_answers_kept_in_an_earlier_layout_are_kept_anew(seed: Graph) -> None:
    """A graph whose answers an earlier ``ownership`` kept, in a layout this one cannot read
    (its version without the layout's stamp): they are neither read nor counted as kept, so
    the next maintain keeps them anew and drops the old nodes (at 1M the upgraded graph's
    pages each computed their answer again, and no refresh replaced them)."""
    upkeep.maintain(seed, SEED_DAY)
    assert upkeep.is_current(seed, SEED_DAY)
    version = data_version(seed)[0]
    unstamp = cypher.Query("unstamp", "MATCH (m:Maintained) SET m.version = $v", "", write=True)
    seed.write(unstamp, v=version)
    seed.write(
        cypher.MAINTAINED_WRITE,
        kind="blocked",  # a kind no longer kept
        key="2022-07-01",
        as_of=SEED_DAY,
        version=version,
        now=dt.datetime.now(dt.UTC),
        count=1,
        parts=[{"part": 0, "data": "[]", "doc": "blocked|2022-07-01|0"}],
    )
    assert maintained.kept(seed) == set()
    assert not upkeep.is_current(seed, SEED_DAY)
    assert KeptFlags.load(seed, FlagSettings()) is None
    assert maintained.load(seed, landing.KIND, SEED_DAY.isoformat()) is None
    upkeep.maintain(seed, SEED_DAY)
    assert upkeep.is_current(seed, SEED_DAY)
    assert "blocked" not in {kind for kind, _, _ in maintained.kept(seed)}
    [row] = seed.read(cypher.Query("old", "MATCH (m:Maintained) WHERE m.version = $v "
                                   "RETURN count(m) AS n", ""), v=version)  # fmt: skip
    assert row["n"] == 0
    assert_kept_equals_computed(seed, SEED_DAY)


def test_the_dated_graphs_cycles_are_the_path_querys_on_every_day(graph: Graph, make_dataset):
    """Circular ownership for every date comes from the dated graph's cycles
    (``DatedGraph.cycles``), no longer from a path query over the whole graph: on every day
    around their holdings' dates they are the cycles the per-date query (``cypher.CYCLES``,
    what an as-of question runs) finds. The shapes: a triangle always in force; two periods
    of one holding, each closing its own cycle with a third holding; holdings that never
    overlap (no cycle); a figure of eight (two cycles sharing an entity); a cycle of seven
    holdings (beyond six hops)."""
    ring = [f"r{i}" for i in range(7)]
    names = ["c1", "c2", "c3", "x1", "x2", "y1", "y2", "z1", "z2", "z3", *ring]
    rows = [
        owns("c1", "c2", 40), owns("c2", "c3", 40), owns("c3", "c1", 40),
        owns("x1", "x2", 30, start_date="2010-01-01", end_date="2015-01-01"),
        owns("x1", "x2", 35, start_date="2018-01-01"),
        owns("x2", "x1", 20, start_date="2012-01-01", end_date="2020-01-01"),
        owns("y1", "y2", 10, start_date="2000-01-01", end_date="2005-01-01"),
        owns("y2", "y1", 10, start_date="2006-01-01"),
        owns("z1", "z2", 10), owns("z2", "z1", 10, start_date="2016-06-01"),
        owns("z2", "z3", 10, end_date="2017-01-01"), owns("z3", "z2", 10),
        *(owns(a, b, 10) for a, b in zip(ring, ring[1:] + ring[:1], strict=True)),
    ]  # fmt: skip
    import_paths(graph, [make_dataset([company(n, "KY") for n in names], rows)], "cycles")
    dated = timelines.DatedGraph.read(graph)
    found = [([dated.uid_of(i) for i in numbers], days) for numbers, days in dated.cycles(6)]

    def rotated(uids: list[str]) -> tuple[str, ...]:
        first = uids.index(min(uids))
        return tuple(uids[first:] + uids[:first])

    days = ["1999-01-01", "2004-12-31", "2006-01-01", "2011-06-01", "2012-01-01", "2014-12-31",
            "2015-01-01", "2016-06-01", "2016-12-31", "2017-01-01", "2018-01-01", "2019-12-31",
            "2020-01-01", "2030-01-01"]  # fmt: skip
    seen = set()
    for day in map(dt.date.fromisoformat, days):
        ordinal = day.toordinal()
        mine = sorted(rotated(u) for u, (since, until) in found if since <= ordinal < until)
        query = sorted(
            {
                rotated([m["uid"] for m in row["members"][:-1]])
                for row in graph.read(cypher.CYCLES, max_hops=6, as_of=day)
            }
        )
        assert mine == query, day
        seen |= set(mine)
    short = {tuple(u.split(":")[1] for u in cycle) for cycle in seen}
    assert short == {("c1", "c2", "c3"), ("x1", "x2"), ("z1", "z2"), ("z2", "z3")}
    # the two periods of x1's holding in x2 each close a cycle with x2's holding in x1
    periods = sorted(
        days for uids, days in found if {u.split(":")[1] for u in uids} == {"x1", "x2"}
    )
    assert [(dt.date.fromordinal(a), dt.date.fromordinal(b)) for a, b in periods] == [
        (dt.date(2012, 1, 1), dt.date(2015, 1, 1)),
        (dt.date(2018, 1, 1), dt.date(2020, 1, 1)),
    ]
    assert len(found) == len({(tuple(u), d) for u, d in found})  # each cycle once

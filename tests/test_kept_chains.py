"""Kept chain answers equal the enumeration they were kept from, and are never read stale.

``ownership chains`` and the chain finder keep each answer in the graph for the data version it
was enumerated on (:mod:`ownership.analysis.kept_chains`); the next reader (another page, in
another process) reads it a part at a time. Every page, the summary and the export of a kept
answer are compared with a fresh enumeration, on the seed and on a generated registry, with
parts small enough that pages straddle them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
from pathlib import Path

import pytest

from bench.generate import generate
from ownership import clock
from ownership.analysis import kept_chains, kept_reach, maintained, timelines
from ownership.analysis.chains import (
    CHAIN_ENTITY_FIELDS,
    DEFAULT_MAX_HOPS,
    LINK_NUMBERS,
    ChainAnswer,
    ChainSearch,
    reach,
    search_chains,
)
from ownership.analysis.kept_chains import KeptChains, Question
from ownership.analysis.stats import data_version
from ownership.analysis.upkeep import maintain
from ownership.loader import import_paths

SEED = Path(__file__).resolve().parent.parent / "seed" / "registry"
D = dt.date


@pytest.fixture()
def small_parts(monkeypatch):
    """Seven chains to a part, so that pages of 5 and 50 straddle parts."""
    monkeypatch.setattr(kept_chains, "CHUNK", 7)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("generated") / "2k"
    generate(folder, companies=2000, seed=11)
    return folder


def dicts(chains) -> list[dict]:
    return [c.as_dict() for c in chains]


def same_answer(kept: KeptChains, fresh: ChainSearch) -> None:
    assert kept.total == fresh.total
    assert kept.summary() == fresh.summary()
    assert kept.disagree == fresh.disagree
    assert dicts(kept.page()) == dicts(fresh.page())
    for size in (5, 50):
        for first in range(0, fresh.total + size, size):
            assert dicts(kept.page(size, first)) == dicts(fresh.page(size, first))
        # an export's pages: each link and entity looked up once for all of them
        assert [c.as_dict() for page in kept.pages(size) for c in page] == dicts(fresh.page())
    positions = [0, fresh.total - 1, fresh.total // 2, fresh.total + 3]
    assert dicts(kept.chains(positions)) == dicts(fresh.chains(positions))


def another_chain(tmp_path: Path) -> Path:
    """A second source: a Japanese company holding 40 % of a Russian one since 2021."""
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "entities.csv").write_text(
        "id,type,name,jurisdiction\nx-jp,company,Kita Mining K.K.,JP\n"
        "x-ru,company,OOO Bratsk Hash,RU\n",
        encoding="utf-8",
    )
    (folder / "ownership.csv").write_text(
        "owner_id,owned_id,share,start_date\nx-jp,x-ru,40,2021-01-01\n", encoding="utf-8"
    )
    return folder


def fresh(graph, q: Question) -> ChainSearch:
    return search_chains(graph, q.from_country, q.to_country, q.via, q.as_of, q.max_hops)


def test_a_kept_answer_equals_the_enumeration(graph, generated, small_parts):
    import_paths(graph, [generated], "bench")
    questions = [
        Question("JP", "RU", (), 6, D(2024, 6, 1)),
        Question("JP", "RU", ("SG",), 6, D(2024, 6, 1)),
        Question("RU", "RU", (), 3, D(2020, 1, 1)),
    ]
    for q in questions:
        first = kept_chains.answer(graph, q)
        assert isinstance(first, ChainSearch)  # enumerated, then kept
        again = kept_chains.answer(graph, q)
        assert isinstance(again, KeptChains)
        same_answer(again, fresh(graph, q))
    assert kept_chains.load(graph, questions[0]).total > 50  # several parts, several pages
    assert kept_chains.load(graph, Question("JP", "RU", (), 5, D(2024, 6, 1))) is None


def same_chains(found: ChainAnswer, fresh: ChainSearch) -> None:
    """Total, starts, every page and the whole list of two answers agree."""
    assert found.total == fresh.total
    assert found.summary() == fresh.summary()
    assert found.disagree == fresh.disagree
    assert dicts(found.page()) == dicts(fresh.page())
    for first in range(0, fresh.total + 50, 50):
        assert dicts(found.page(50, first)) == dicts(fresh.page(50, first))


@pytest.mark.parametrize("source", ["seed", "generated"])
def test_a_new_question_from_a_kept_reach_equals_the_enumeration(graph, generated, source):
    """The first question with a target, date and hop limit keeps the target's reach; other
    questions with them (another origin, a via, the same question) start from it, and answer
    exactly what the backward pass and enumeration answer, down to chains that use every hop
    allowed. Another date or other hops find no kept reach."""
    if source == "seed":
        import_paths(graph, [SEED], "seed-registry")
        day = D(2022, 7, 1)
    else:
        import_paths(graph, [generated], "bench")
        day = D(2024, 6, 1)
    version = data_version(graph)[0]
    longest = set()
    for hops in (6, 3, 2):
        first = Question("JP", "RU", (), hops, day)
        assert kept_reach.load(graph, "RU", day, hops, "JP", version) is None
        kept_chains.answer(graph, first)
        assert kept_reach.load(graph, "RU", day, hops, "JP", version) is not None
        others = [("JP", ("SG",)), ("CY", ()), ("RU", ()), ("SG", ("CY",)), ("XX", ())]
        for q in [first, *(Question(o, "RU", via, hops, day) for o, via in others)]:
            from_kept = kept_chains._search(graph, q, version)
            same_chains(from_kept, fresh(graph, q))
            longest |= {hops for c in from_kept.page(cite=False) if len(c.links) == hops}
    assert longest >= {2, 3}  # chains as long as allowed were compared
    assert kept_reach.load(graph, "RU", day, 5, "JP", version) is None
    assert kept_reach.load(graph, "RU", day + dt.timedelta(days=1), 6, "JP", version) is None


def test_a_kept_answer_is_not_read_once_the_data_changed(graph, small_parts, tmp_path):
    """Seed, JP → RU on 2022-07-01: kept; a second source adds a Japanese company's holding
    in a Russian one, and the kept answer is no longer read: the next reader gets the new
    chain. A page read from an answer whose parts went meanwhile is enumerated anew."""
    import_paths(graph, [SEED], "seed-registry")
    q = Question("JP", "RU", (), 6, D(2022, 7, 1))
    before = kept_chains.answer(graph, q)
    header = kept_chains.load(graph, q)
    assert header is not None and header.total == before.total
    import_paths(graph, [another_chain(tmp_path)], "extra")
    assert kept_chains.load(graph, q) is None
    after = kept_chains.answer(graph, q)
    assert after.total == fresh(graph, q).total > before.total
    # the old header's parts were dropped when the new answer was kept: read anew
    assert dicts(header.page(3)) == dicts(fresh(graph, q).page(3))


def test_import_keeps_the_questions_asked_up_to_date(graph, small_parts, tmp_path):
    """After an import, the questions asked on the data before are kept again for the new data
    (a question asked for its own day moves to the import's day), so the next reader does not
    wait for the enumeration."""
    import_paths(graph, [SEED], "seed-registry")
    dated = Question("JP", "RU", (), 6, D(2022, 7, 1))
    today = Question("JP", "RU", ("SG",), 6, clock.today())
    kept_chains.answer(graph, dated)
    kept_chains.answer(graph, today)
    import_paths(graph, [another_chain(tmp_path)], "extra")
    tomorrow = clock.today() + dt.timedelta(days=1)
    moved_on = dataclasses.replace(today, as_of=tomorrow)
    seconds = maintain(graph, tomorrow)  # what ownership import does after its data landed
    assert "chains" in seconds
    kept = kept_chains.load(graph, dated)
    assert kept is not None
    same_answer(kept, fresh(graph, dated))
    moved = kept_chains.load(graph, moved_on)
    assert moved is not None
    same_answer(moved, fresh(graph, moved_on))
    keys = {row["key"] for row in maintained.kept_keys(graph, kept_chains.KIND)}
    assert keys == {dated.key, moved_on.key}  # the stale answers are gone


def test_cli_pages_come_from_the_kept_answer(graph, generated, run_cli, small_parts):
    """Two separate commands: the first enumerates and keeps, the second pages the kept
    answer; both agree with the whole list."""
    import_paths(graph, [generated], "bench")
    question = ["--from-country", "JP", "--to-country", "RU", "--as-of", "2024-06-01"]
    everything = json.loads(run_cli("chains", *question, "--format", "json").stdout)
    assert kept_chains.load(graph, Question("JP", "RU", (), 6, D(2024, 6, 1))) is not None
    page = run_cli("chains", *question, "--format", "json", "--limit", "20", "--offset", "30")
    assert json.loads(page.stdout) == everything[30:50]
    summary = json.loads(run_cli("chains", *question, "--format", "json", "--summary").stdout)
    assert summary["total"] == len(everything)


def test_upkeep_keeps_the_reach_of_watched_and_asked_targets(graph, generated, tmp_path):
    """After an import, the reach of a watched question's target and of the targets asked
    before is kept for the import's day, so that the first new question to them starts from
    it; a question already kept for the data is not enumerated again."""
    import_paths(graph, [generated], "bench")
    day = D(2024, 6, 1)
    kept_chains.answer(graph, Question("JP", "RU", (), 3, D(2024, 1, 1)))
    import_paths(graph, [another_chain(tmp_path)], "extra")
    version = data_version(graph)[0]
    watched = [Question("CN", "CY", (), 4)]
    assert not kept_reach.is_kept(graph, "CY", day, 4, version)
    assert not kept_reach.is_kept(graph, "RU", day, 3, version)
    first = kept_chains.keep_asked(graph, day, version, watched)
    assert first == {"answers": 1, "reaches": 2}
    for to_country, hops, origin in (("CY", 4, "CN"), ("RU", 3, "SG")):
        assert kept_reach.is_kept(graph, to_country, day, hops, version)
        q = Question(origin, to_country, (), hops, day)
        from_kept = kept_chains._search(graph, q, version)
        assert from_kept.total > 0
        same_chains(from_kept, fresh(graph, q))
    assert kept_chains.keep_asked(graph, day, version, watched) == {"answers": 0, "reaches": 0}


def test_upkeep_on_a_graph_nobody_asked_about_keeps_the_watched_countries_reach(graph, generated):
    """Nothing watched, nothing asked yet (a first import): the reach of the countries the
    red flags watch (Russia) is kept, and the first question into it starts from there."""
    import_paths(graph, [generated], "bench")
    day, version = D(2024, 6, 1), data_version(graph)[0]
    assert not kept_reach.is_kept(graph, "RU", day, DEFAULT_MAX_HOPS, version)
    assert kept_chains.keep_asked(graph, day, version) == {"answers": 0, "reaches": 1}
    assert kept_reach.is_kept(graph, "RU", day, DEFAULT_MAX_HOPS, version)
    q = Question("JP", "RU", (), DEFAULT_MAX_HOPS, day)
    from_kept = kept_chains._search(graph, q, version)
    assert from_kept.total > 0
    same_chains(from_kept, fresh(graph, q))
    assert kept_chains.keep_asked(graph, day, version) == {"answers": 0, "reaches": 0}


def test_an_answer_kept_by_the_earlier_layout_is_read(graph, generated, small_parts):
    """Answers kept before the parts were made compact (each chain written out, the start
    entities in the header) read the same as the enumeration."""
    import_paths(graph, [generated], "bench")
    q = Question("JP", "RU", ("SG",), 6, D(2024, 6, 1))
    found = fresh(graph, q)
    header = {"question": q.as_dict(), "asked_for_today": False, "total": found.total,
              "disagree": found.disagree, "starts": found.starts()}  # fmt: skip
    chains = [
        [[[e[k] for k in CHAIN_ENTITY_FIELDS] for e in c.entities],
         [[*(getattr(link, k) for k in LINK_NUMBERS), link.disagree] for link in c.links]]
        for c in found.bare(list(range(found.total)))
    ]  # fmt: skip
    parts = [header] + [chains[i : i + 7] for i in range(0, len(chains), 7)]
    maintained.store_documents(graph, kept_chains.KIND, q.key, q.day, parts, data_version(graph)[0])
    kept = kept_chains.load(graph, q)
    assert kept is not None and kept.start_rows is not None
    same_answer(kept, found)


def same_columns(found: kept_reach.ReachColumns, expected: kept_reach.ReachColumns) -> None:
    assert found.entities == expected.entities
    assert found.distance.tolist() == expected.distance.tolist()
    for name in kept_reach.NUMBERS:  # NaN for unknown shares: compared as text
        assert found.edges[name].astype(str).tolist() == expected.edges[name].astype(str).tolist()


@pytest.mark.parametrize("source", ["seed", "generated"])
def test_a_reach_worked_out_from_the_dated_graph_is_the_backward_passs(graph, generated, source):
    """Once an import's upkeep has kept the dated graph, a first question's reach is worked
    out from it in process (``kept_reach.from_dated``): it equals the backward pass's column
    for column, with targets registered in the country and targets operating there (the seed's
    Cypriot and Emirati companies in Russia, its Japanese exchanges in Singapore), on several
    dates and hop limits; and the chains of a question answered from it are the enumeration's."""
    if source == "seed":
        import_paths(graph, [SEED], "seed-registry")
        days = [D(2019, 1, 1), D(2022, 3, 1), D(2022, 7, 1)]
    else:
        import_paths(graph, [generated], "bench")
        days = [D(2015, 1, 1), D(2024, 6, 1)]
    maintain(graph, days[-1])
    version = data_version(graph)[0]
    dated = timelines.kept_dated_graph(graph, version)
    assert dated is not None
    operating_targets = 0
    for country, day, hops in itertools.product(("RU", "SG", "JP"), days, (6, 3, 1)):
        found = kept_reach.from_dated(dated, country, day, hops)
        same_columns(found, kept_reach.ReachColumns.of(reach(graph, country, day, hops)))
        operating_targets += sum(
            1
            for j, d in zip(found.entities["jurisdiction"], found.distance.tolist(), strict=True)
            if d == 0 and j != country
        )
    assert operating_targets > 0 or source == "generated"
    q = Question("JP", "RU", ("SG",), 4, days[-1])
    assert not kept_reach.is_kept(graph, "RU", q.day, 4, version)
    same_chains(kept_chains._search(graph, q, version), fresh(graph, q))
    assert kept_reach.is_kept(graph, "RU", q.day, 4, version)  # found from the dated graph, kept


def test_an_answer_shown_first_is_kept_afterwards(graph, run_cli):
    """The chain finder and ``ownership chains`` show a first answer before keeping it: the
    writes wait on a list until the caller makes them; two readers of the list make each
    once. The command line keeps its answer once it has printed it."""
    import_paths(graph, [SEED], "seed-registry")
    version = data_version(graph)[0]
    q = Question("JP", "RU", ("SG",), 6, D(2022, 7, 1))
    later: kept_chains.Later = []
    found = kept_chains.answer(graph, q, later=later)
    assert len(later) == 2  # the target's reach, then the answer
    assert kept_chains.load(graph, q) is None
    assert not kept_reach.is_kept(graph, "RU", q.day, 6, version)
    same_chains(found, fresh(graph, q))
    twice = list(later)
    kept_chains.keep_now(later)
    kept_chains.keep_now(later)  # nothing left: nothing made twice
    assert later == [] and len(twice) == 2
    assert kept_reach.is_kept(graph, "RU", q.day, 6, version)
    kept = kept_chains.load(graph, q)
    assert isinstance(kept, KeptChains)
    same_answer(kept, fresh(graph, q))
    other = Question("JP", "RU", (), 6, D(2022, 3, 1))
    printed = run_cli("chains", "--from-country", "JP", "--to-country", "RU",
                      "--as-of", "2022-03-01", "--format", "json")  # fmt: skip
    assert printed.exit_code == 0 and len(json.loads(printed.stdout)) == fresh(graph, other).total
    assert isinstance(kept_chains.load(graph, other), KeptChains)

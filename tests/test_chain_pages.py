"""Pruned, paged and summarised chains give exactly the answers of the full computation.

The reference is the server's exhaustive path query (``cypher.CHAINS``: every path out of every
start company, filtered), sorted by the contract's order. ``ownership chains`` enumerates only
within the backward reach of the targets and serves pages and summaries of that one list; both
are compared with the reference on the seed and on a generated registry, for several
questions (dates, via countries, hop limits).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

import pytest

from bench.generate import generate
from ownership import cli, cypher
from ownership.analysis.chains import exhaustive_chains, reach, search_chains
from ownership.loader import import_paths

SEED = Path(__file__).resolve().parent.parent / "seed" / "registry"
D = dt.date


def reference(graph, origin, target, via, as_of, hops) -> list[dict]:
    """Every chain by the exhaustive server query, in the contract's order."""
    return [c.as_dict() for c in exhaustive_chains(graph, origin, target, via, as_of, hops)]


def starts_of(chains: list[dict]) -> list[tuple[str, int, float | None]]:
    """(start id, number of chains, strongest upper bound) worked out from the full list."""
    highs: dict[str, list[float | None]] = defaultdict(list)
    for chain in chains:
        highs[chain["entities"][0]["id"]].append(chain["effective_share_max"])
    return sorted(
        (start, len(h), max((x for x in h if x is not None), default=None))
        for start, h in highs.items()
    )


def check(graph, origin, target, via, as_of, hops) -> int:
    """Full list, every page and the summary against the reference; the number of chains."""
    expected = reference(graph, origin, target, via, as_of, hops)
    found = search_chains(graph, origin, target, via, as_of, hops)
    assert [c.as_dict() for c in found.page()] == expected
    assert found.total == len(expected)
    for size in (1, 7, 50):
        pages = [found.page(size, first) for first in range(0, found.total + size, size)]
        assert [c.as_dict() for page in pages for c in page] == expected
        assert all(len(page) <= size for page in pages)
        assert [c.as_dict() for page in found.pages(size) for c in page] == expected
    summary = found.summary()
    assert summary["total"] == len(expected)
    got = sorted((s["id"], s["chains"], s["max_effective_share"]) for s in summary["starts"])
    assert got == starts_of(expected)
    strengths = [s["max_effective_share"] for s in summary["starts"]]
    known = [s for s in strengths if s is not None]
    assert known == sorted(known, reverse=True) and strengths[: len(known)] == known
    return len(expected)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("generated") / "3k"
    generate(folder, companies=3000, seed=7)
    return folder


QUESTIONS = [
    ("JP", "RU", [], D(2024, 6, 1), 6),
    ("JP", "RU", ["SG"], D(2024, 6, 1), 6),
    ("JP", "RU", [], D(2015, 1, 1), 4),
    ("RU", "RU", [], D(2024, 6, 1), 3),
    ("SG", "CY", ["HK"], D(2024, 6, 1), 8),
]


def test_generated_registry_pages_and_summary_equal_the_full_computation(graph, generated):
    import_paths(graph, [generated], "bench")
    totals = [check(graph, *question) for question in QUESTIONS]
    assert totals[0] > 50  # enough chains for several pages of 50
    assert totals[1] < totals[0]  # via SG is a narrower question


def test_seed_pages_and_summary_equal_the_full_computation(graph):
    import_paths(graph, [SEED], "seed-registry")
    assert check(graph, "JP", "RU", [], D(2022, 7, 1), 6) > 0
    check(graph, "JP", "RU", ["SG"], D(2022, 7, 1), 6)
    check(graph, "JP", "RU", [], D(2020, 1, 1), 3)


def test_reach_is_pruned_to_entities_within_the_hop_limit(graph, generated):
    """The backward pass keeps only entities from which a target is at most N hops away, each
    with its distance to the nearest target: an entity at distance d owns one at d - 1 and none
    nearer; a shorter hop limit keeps fewer entities."""
    import_paths(graph, [generated], "bench")
    as_of = D(2024, 6, 1)
    nothing = [
        graph.read(q, to_country="ZZ", as_of=as_of)
        for q in (cypher.CHAIN_TARGETS_REGISTERED, cypher.CHAIN_TARGETS_OPERATING)
    ]
    assert [rows[0]["edges"] for rows in nothing] == [[], []]
    wide, narrow = reach(graph, "RU", as_of, 6), reach(graph, "RU", as_of, 2)
    assert set(narrow.distance) < set(wide.distance)
    assert max(narrow.distance.values()) == 2 and max(wide.distance.values()) <= 6
    for found in (wide, narrow):
        for uid, d in found.distance.items():
            if d:
                assert min(found.distance[far] for _, far in found.owned[uid]) == d - 1
    assert len(wide.entities) < 0.8 * 3000 * 1.3  # far from every entity of the registry


def test_cli_pages_summary_and_export(graph, generated, run_cli, tmp_path):
    import_paths(graph, [generated], "bench")
    question = ["--from-country", "JP", "--to-country", "RU", "--as-of", "2024-06-01"]
    full = run_cli("chains", *question, "--format", "json")
    assert full.exit_code == 0, full.output
    everything = json.loads(full.stdout)
    page = run_cli("chains", *question, "--format", "json", "--limit", "20", "--offset", "30")
    assert json.loads(page.stdout) == everything[30:50]
    summary = json.loads(run_cli("chains", *question, "--format", "json", "--summary").stdout)
    assert summary["total"] == len(everything)
    assert sum(s["chains"] for s in summary["starts"]) == len(everything)
    assert set(summary["starts"][0]) >= {"id", "name", "jurisdiction", "chains"}
    assert summary["starts"][0]["max_effective_share"] == everything[0]["effective_share_max"]
    out = tmp_path / "all.json"
    written = run_cli("chains", *question, "--out", str(out))
    assert written.exit_code == 0 and written.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8")) == everything
    csv_file = tmp_path / "all.csv"
    run_cli("chains", *question, "--out", str(csv_file))
    printed = run_cli("chains", *question, "--format", "csv").stdout
    assert csv_file.read_text(encoding="utf-8") == printed
    assert len(printed.splitlines()) == len(everything) + 1


def test_an_export_in_pages_sharing_look_ups_equals_the_unpaged_answer(
    graph, make_dataset, run_cli, tmp_path, monkeypatch
):
    """Three Japanese companies, one of them absorbed by another (NTA), each own a Singapore
    holding that owns two Russian companies; two sources disagree on one of those links. The
    chains share links and entities across pages of two, so an export that looks each up once
    for all its pages (ChainAnswer.pages) must still give every page its statements, the
    disagreement and the merger: its files equal those written in one page and the unpaged
    JSON and CSV (whose merged_into column the export knows before its first row), and pages
    of one equal the whole answer."""
    from conftest import company, nta_merger, owns

    from ownership.identifiers import jp_corporate_number

    absorbed, heir = jp_corporate_number("180301000001"), jp_corporate_number("180301000002")
    entities = [
        company("j1", "JP", name="Kyusha K.K.", registration_number=absorbed),
        company("j2", "JP", name="Niko K.K."),
        company("j3", "JP", name="Sanko K.K."),
        company("sg", "SG", name="Lion Gate Ventures", registration_number="201912345K"),
        company("r1", "RU", name="OOO Angara Hash", registration_number="1223800012345"),
        company("r2", "RU", name="OOO Bratsk Hash"),
    ]
    holdings = [owns(j, "sg", 100, start_date="2019-01-01") for j in ("j1", "j2", "j3")]
    a = make_dataset(
        entities, [*holdings, owns("sg", "r1", 70), owns("sg", "r2", 50)], name="reg-a"
    )
    c = make_dataset(entities[3:5], [owns("sg", "r1", 60)], name="reg-c")
    import_paths(graph, [nta_merger(tmp_path / "nta.csv", absorbed, heir)], "jp-nta")
    import_paths(graph, [a], "reg-a")
    import_paths(graph, [c], "reg-c")
    question = ["--from-country", "JP", "--to-country", "RU", "--as-of", "2024-06-01"]
    everything = json.loads(run_cli("chains", *question, "--format", "json").stdout)
    assert len(everything) == 6
    assert sum("merged_into" in e for chain in everything for e in chain["entities"]) == 2
    assert sum(bool(link["stated"]) for chain in everything for link in chain["links"]) == 3
    assert all(link["statements"] for chain in everything for link in chain["links"])
    files = {}
    for page in (1000, 2):  # one page, then three sharing links and entities
        monkeypatch.setattr(cli, "EXPORT_PAGE", page)
        for name in ("all.json", "all.csv"):
            out = tmp_path / str(page) / name
            out.parent.mkdir(exist_ok=True)
            assert run_cli("chains", *question, "--out", str(out)).exit_code == 0
            files[page, name] = out.read_text(encoding="utf-8")
    assert json.loads(files[2, "all.json"]) == everything
    assert files[2, "all.json"] == files[1000, "all.json"]
    assert files[2, "all.csv"] == files[1000, "all.csv"]
    assert files[2, "all.csv"] == run_cli("chains", *question, "--format", "csv").stdout
    assert "Lion Gate Ventures → OOO Angara Hash: 70% (reg-a), 60% (reg-c)" in files[2, "all.csv"]
    found = search_chains(graph, "JP", "RU", [], D(2024, 6, 1), 6)
    whole = [c.as_dict() for c in found.page()]
    assert len(whole) == len(everything)
    assert [c.as_dict() for page in found.pages(1) for c in page] == whole


def test_each_link_of_a_page_names_its_source_statements(graph, run_cli):
    """Seed, JP → RU on 2022-07-01 (seed/registry/ownership.csv lines 4 and 5): the third chain
    is Tsubame → Northbridge Lattice (100 % from 2022-03-10) → OOO Angara Hosting (100 % from
    2022-04-01), each link resting on one statement of the seed registry. Statements are looked
    up for the page shown only: the search itself holds none."""
    import_paths(graph, [SEED], "seed-registry")
    found = search_chains(graph, "JP", "RU", [], D(2022, 7, 1), 6)
    assert all(not link.claims for _, links, _ in found.paths for link in links)
    [chain] = found.page(1, 2)
    assert [e["id"] for e in chain.entities] == ["jp-ex-01", "sg-shell-01", "ru-host-01"]
    cited = [
        [(c["record_id"], c["share"], c["start_date"], c["end_date"]) for c in link["statements"]]
        for link in chain.as_dict()["links"]
    ]
    assert cited == [
        [("own:jp-ex-01|sg-shell-01|2022-03-10", 100, "2022-03-10", None)],
        [("own:sg-shell-01|ru-host-01|2022-04-01", 100, "2022-04-01", None)],
    ]
    first = chain.as_dict()["links"][0]["statements"][0]
    assert first["source"] == "seed-registry" and first["file"].endswith("ownership.csv")
    assert first["imported_at"]  # when it was imported
    assert chain.records() == [
        "seed-registry:own:jp-ex-01|sg-shell-01|2022-03-10",
        "seed-registry:own:sg-shell-01|ru-host-01|2022-04-01",
    ]
    assert [(r["link"], r["owner"], r["owned"]) for r in chain.statement_rows()] == [
        (1, "Tsubame Digital Exchange K.K.", "Northbridge Lattice Pte. Ltd."),
        (2, "Northbridge Lattice Pte. Ltd.", "OOO Angara Hosting"),
    ]
    question = ["--from-country", "JP", "--to-country", "RU", "--as-of", "2022-07-01"]
    printed = run_cli("chains", *question, "--format", "json", "--limit", "1", "--offset", "2")
    assert json.loads(printed.stdout) == [chain.as_dict()]
    table = run_cli("chains", *question, "--limit", "1", "--offset", "2").stdout
    assert "seed-registry:own:jp-ex-01|sg-shell-01|2022-03-10" in table  # a pipe: every column

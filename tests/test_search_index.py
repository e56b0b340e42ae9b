"""The kept search index answers as the server's scan does, and is never read stale.

``ownership import`` and ``refresh`` keep the search box's index
(:mod:`ownership.analysis.search_index`); the search and the reference look-up by alias read it
instead of scanning every entity. Its answers (which entities, in which order, up to the
limit) are compared with the scan's for every normalized name and alias of the seed and of a
generated registry, parts of them, identifiers and their endings, and registration numbers.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import company

from bench.generate import generate
from ownership import cypher
from ownership.analysis import entities, search_index
from ownership.analysis.stats import data_version
from ownership.loader import import_paths
from ownership.text import normalize

SEED = Path(__file__).resolve().parent.parent / "seed" / "registry"


def _kept(graph) -> search_index.SearchIndex:
    search_index.keep(graph, data_version(graph)[0])
    index = search_index.current(graph)
    assert index is not None
    return index


def _scan(graph, text: str, limit: int) -> list[dict]:
    """The search as the server answers it, whatever is kept."""
    norm, compact = normalize(text), "".join(text.split()).upper()
    norm, compact = norm or compact, compact or norm
    return graph.read(cypher.SEARCH_ENTITIES, norm=norm, compact=compact, limit=limit)


def _questions(graph) -> list[str]:
    """Every normalized name and alias, its first three letters and a middle part, each
    identifier, its value after the scheme and its last six characters, each registration
    number, and texts that match nothing."""
    rows = graph.read(cypher.SEARCH_INDEX_ENTITIES)
    asked: set[str] = {"no such company", "zzzz", "株式会社"}
    for row in rows:
        for term in row["terms"]:
            asked |= {term, term[:3], term[len(term) // 3 : len(term) // 3 + 4]}
        for ident in row["identifiers"]:
            asked |= {ident, ident.rpartition(":")[2], ident[-6:]}
        if row["registration_number"]:
            asked.add(row["registration_number"])
    return sorted(q for q in asked if q.strip())


def _same_answers(graph, questions: list[str]) -> None:
    index = _kept(graph)
    for text in questions:
        for limit in (3, 50):
            assert entities.search(graph, text, limit) == _scan(graph, text, limit), text
    for text in questions:  # a reference by alias, when no key or identifier is it
        norm = normalize(text)
        scanned = graph.read(cypher.FIND_ENTITY_BY_ALIAS, norm=norm) if norm else []
        named = graph.read(cypher.FIND_ENTITY_BY_UIDS, uids=index.named(norm)) if norm else []
        assert named == scanned, text


def test_the_seed_searched_through_the_index_as_by_the_scan(graph):
    """Japanese and Cyrillic aliases, LEIs and corporate numbers, names sharing words."""
    import_paths(graph, [SEED], "seed-registry", "csv")
    questions = _questions(graph)
    assert {"ооо ангара хостинг", "株式会社ツバメデジタル取引所", "3010001930117"} <= set(questions)
    _same_answers(graph, questions)
    # hand-checked on the seed: the Irkutsk host by a part of its Cyrillic alias, the two
    # Tsubame companies (exchange and group) by a word, the exchange by its corporate number
    assert [r["uid"] for r in entities.search(graph, "Ангара Хост")] == ["seed-registry:ru-host-01"]
    assert {r["uid"] for r in entities.search(graph, "tsubame")} >= {
        "seed-registry:jp-ex-01",
        "seed-registry:jp-hd-01",
    }
    assert [r["uid"] for r in entities.search(graph, "3010001930117")] == ["seed-registry:jp-ex-01"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("generated") / "1k"
    generate(folder, companies=1000, seed=5)
    return folder


def test_a_generated_registry_searched_through_the_index_as_by_the_scan(graph, generated):
    """Thousands of names sharing "holdings", "trading", "kk": the limit cuts among ties."""
    import_paths(graph, [generated], "gen", "csv")
    questions = _questions(graph)
    shared = [q for q in ("holdings", "trading", "co") if len(_scan(graph, q, 1000)) > 50]
    assert shared  # words many names share: the order decides which 50 are shown
    step = max(1, len(questions) // 400)  # every name's parts would take minutes
    _same_answers(graph, [*shared, *questions[::step]])


def test_the_index_is_not_read_once_the_data_changed(graph, tmp_path):
    """Another import moves the data version: the kept index is stale, and the search is the
    scan again (finding what the import added)."""
    import_paths(graph, [SEED], "seed-registry", "csv")
    _kept(graph)
    folder = tmp_path / "more"
    generate(folder, companies=50, seed=3)
    import_paths(graph, [folder], "more", "csv")
    assert search_index.current(graph) is None
    added = graph.read(cypher.SEARCH_INDEX_ENTITIES)
    name = next(r["name_norm"] for r in added if r["uid"].startswith("more:"))
    found = entities.search(graph, name)
    assert found == _scan(graph, name, 50)
    assert any(r["uid"].startswith("more:") for r in found)


def test_the_order_exact_name_then_length_then_name_then_key(graph, make_dataset):
    """Hand-made ties: the company named exactly as asked comes first though a shorter name
    has it as an alias; then shorter names; equal names by key; an unnamed-looking short
    name and a longer one containing the text after them."""
    folder = make_dataset(
        [
            company("long", "JP", name="Kumo Holdings Ltd."),  # exact: "kumo holdings ltd"
            company("short", "JP", name="Kumo", aliases="Kumo Holdings Ltd"),
            company("b-twin", "SG", name="Kumo Holdings Ltd Pte"),
            company("a-twin", "HK", name="Kumo Holdings Ltd Pte"),
            company("longer", "RU", name="The Kumo Holdings Ltd Group"),
        ]
    )
    import_paths(graph, [folder], "tie", "csv")
    _kept(graph)
    found = [r["uid"] for r in entities.search(graph, "Kumo Holdings Ltd")]
    assert found == [
        "tie:long",
        "tie:short",
        "tie:a-twin",
        "tie:b-twin",
        "tie:longer",
    ]
    assert found == [r["uid"] for r in _scan(graph, "Kumo Holdings Ltd", 50)]
    assert [r["uid"] for r in entities.search(graph, "Kumo Holdings Ltd", 2)] == found[:2]

"""Owners and subsidiaries with effective shares, worked out by hand.

P (person) ─60%─▶ A ─50%─▶ C
P ─100%─▶ B ─40%─▶ A
B ─band 10–20%─▶ C
X ─50%─▶ Y ─50%─▶ X (cycle), Y ─100%─▶ Z
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import company, owns, person

from bench.generate import generate
from ownership import cypher
from ownership.analysis import kept_holdings, maintained
from ownership.analysis.entities import AmbiguousEntity, EntityNotFound, resolve
from ownership.analysis.kept_holdings import ranked
from ownership.analysis.owners import (
    _drop_double_counted,
    by_share,
    nearest_first,
    owners,
    subsidiaries,
)
from ownership.analysis.stats import data_version
from ownership.loader import import_paths

AS_OF = dt.date(2023, 1, 1)
SEED = Path(__file__).resolve().parent.parent / "seed" / "registry"


@pytest.fixture()
def group(graph, make_dataset):
    folder = make_dataset(
        [
            person("P", "JP", name="Pat Owner"),
            company("A", "SG", name="Alpha Pte Ltd", aliases="Alpha Holdings"),
            company("B", "HK"),
            company("C", "RU"),
            company("X", "CY"),
            company("Y", "CY"),
            company("Z", "RU"),
            company("D", "JP", name="Twin KK"),
            company("E", "JP", name="Twin KK"),
        ],
        [
            owns("P", "A", 60),
            owns("P", "B", 100),
            owns("B", "A", 40),
            owns("A", "C", 50),
            owns("B", "C", None, share_min=10, share_max=20),
            owns("X", "Y", 50),
            owns("Y", "X", 50),
            owns("Y", "Z", 100, end_date="2024-01-01"),
        ],
    )
    import_paths(graph, [folder], "g")
    return graph


def table(holdings):
    return {
        h.id: (h.effective_share, h.effective_share_min, h.effective_share_max, h.hops, h.paths)
        for h in holdings
    }


def test_owners_sum_products_over_all_paths(group):
    c = resolve(group, "C")
    assert table(owners(group, c, AS_OF)) == {
        "A": (50.0, 50.0, 50.0, 1, 1),
        "B": (None, 30.0, 40.0, 1, 2),  # band 10–20 direct + 40% x 50% = 20 via A
        "P": (None, 60.0, 70.0, 2, 3),  # 60x50 = 30, 100x40x50 = 20, 100 x band 10–20
    }
    ultimate = {h.id for h in owners(group, c, AS_OF) if h.ultimate}
    assert ultimate == {"P"}


def test_subsidiaries(group):
    assert table(subsidiaries(group, resolve(group, "P"), AS_OF)) == {
        "A": (100.0, 100.0, 100.0, 1, 2),
        "B": (100.0, 100.0, 100.0, 1, 1),
        "C": (None, 60.0, 70.0, 2, 3),
    }


def test_cycles_are_walked_once_and_as_of_applies(group):
    assert table(owners(group, resolve(group, "Z"), AS_OF)) == {
        "Y": (100.0, 100.0, 100.0, 1, 1),
        "X": (50.0, 50.0, 50.0, 2, 1),
    }
    assert owners(group, resolve(group, "Z"), dt.date(2024, 1, 1)) == []


def test_max_hops(group):
    assert set(table(owners(group, resolve(group, "C"), AS_OF, max_hops=1))) == {"A", "B"}


def test_resolution_by_id_uid_alias_and_ambiguity(group):
    assert resolve(group, "g:A").id == "A"
    assert resolve(group, "alpha holdings").id == "A"  # alias, case-insensitive
    assert resolve(group, "ALPHA PTE. LTD.").id == "A"  # name, punctuation-insensitive
    with pytest.raises(AmbiguousEntity) as caught:
        resolve(group, "Twin KK")
    assert {c.id for c in caught.value.candidates} == {"D", "E"}
    assert "g:D" in str(caught.value) and "g:E" in str(caught.value)
    with pytest.raises(EntityNotFound):
        resolve(group, "nobody at all")


def test_cli_owners_json_shape(group, run_cli):
    result = run_cli("owners", "C", "--as-of", "2023-01-01", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == ["P", "A", "B"]  # strongest first: 70, 50, 40 (upper bounds)
    page = run_cli("owners", "C", "--as-of", "2023-01-01", "--format", "json", "--limit", "1")
    assert json.loads(page.stdout) == rows[:1]
    rest = run_cli("owners", "C", "--as-of", "2023-01-01", "--format", "json", "--offset", "1")
    assert json.loads(rest.stdout) == rows[1:]
    table = run_cli("owners", "C", "--as-of", "2023-01-01", "--limit", "2")
    assert table.stdout.startswith("3 owners; 1–2 shown")
    assert set(rows[0]) >= {"id", "name", "jurisdiction", "effective_share", "hops"}
    ambiguous = run_cli("owners", "Twin KK")
    assert ambiguous.exit_code == 1 and "ambiguous" in ambiguous.stderr


def test_indirect_edges_are_not_double_counted():
    def path(uids, directs):
        return (tuple(uids), tuple((50.0, None, None, d) for d in directs))

    via_chain = path(["P", "A", "C"], [True, True])
    declared_indirect = path(["P", "C"], [False])
    only_indirect = path(["Q", "C"], [False])
    kept = _drop_double_counted([via_chain, declared_indirect, only_indirect])
    assert kept == [via_chain, only_indirect]


@pytest.mark.parametrize("kept", [False, True], ids=["computed", "kept"])
def test_ranked_pages_equal_the_whole_list(graph, tmp_path, monkeypatch, kept):
    """A generated registry's largest group: every page of ``ranked`` (strongest first, names
    looked up for the page only, or read from the kept answer in parts of 10) is that slice of
    the whole list in the same order, with the same numbers and paths; owners of its
    deepest-reaching member likewise."""
    monkeypatch.setattr(kept_holdings, "KEEP_FROM", 20 if kept else 10**9)
    monkeypatch.setattr(kept_holdings, "CHUNK", 10)
    generate(tmp_path / "3k", companies=3000, seed=5)
    import_paths(graph, [tmp_path / "3k"], "bench")
    [head] = graph.read(
        cypher.Query(
            "largest",
            "MATCH (c:Entity)-[r:HOLDS]->() RETURN c.uid AS uid, count(r) AS n "
            "ORDER BY n DESC, uid LIMIT 1",
            "",
        )
    )
    subject = resolve(graph, head["uid"])
    as_of = dt.date(2024, 6, 1)
    below = subsidiaries(graph, subject, as_of)
    assert len(below) > 60  # several pages
    whole = [h.as_dict() | {"via": h.via} for h in by_share(below)]
    for size in (1, 7, 25):
        pages = []
        for first in range(0, len(whole) + size, size):
            total, page = ranked(graph, subject, False, as_of, limit=size, offset=first)
            assert total == len(whole)
            pages.extend(h.as_dict() | {"via": h.via} for h in page)
        assert pages == whole
    # the whole answer, nearest first, is the profile's order (its Graph tab's candidates)
    assert nearest_first(ranked(graph, subject, False, as_of)[1]) == below
    deepest = max(below, key=lambda h: (h.hops, h.uid))
    member = resolve(graph, deepest.uid)
    above = [h.as_dict() for h in by_share(owners(graph, member, as_of))]
    assert [h.as_dict() for h in ranked(graph, member, True, as_of)[1]] == above
    assert ranked(graph, member, True, as_of, limit=3, offset=len(above))[1] == []
    version = data_version(graph)[0]
    assert ((kept_holdings.KIND, as_of, version) in maintained.kept(graph)) is kept


def test_a_kept_ranking_is_not_read_once_the_data_changed(graph, make_dataset, monkeypatch):
    """The kept answer is that of the data it was computed on: once the data changed (an
    import), the group's subsidiaries are computed again, not read from the stale answer."""
    monkeypatch.setattr(kept_holdings, "KEEP_FROM", 2)
    import_paths(graph, [SEED], "seed-registry")
    subject = resolve(graph, "jp-ex-01")
    as_of = dt.date(2022, 7, 1)
    before, _ = ranked(graph, subject, False, as_of)
    assert before >= 2 and (kept_holdings.KIND, as_of, data_version(graph)[0]) in maintained.kept(
        graph
    )
    graph.write(
        cypher.Query(
            "t",
            "MATCH (e:Entity {uid: $uid})-[r:HOLDS]->(:Entity {uid: $gone}) DELETE r",
            "",
            write=True,
        ),
        uid=subject.uid,
        gone="seed-registry:sg-shell-01",  # the one holding of jp-ex-01 in force that day
    )
    import_paths(graph, [make_dataset([company("Q", "JP")])], "another")  # a new data version
    total, page = ranked(graph, subject, False, as_of)
    assert (total, page) == (0, []) and subsidiaries(graph, subject, as_of) == []

"""Name matches: proposed with a score, merged only when an analyst accepts, and kept merged."""

from __future__ import annotations

import csv
import json

from conftest import company

from bench.generate import generate
from ownership import cypher
from ownership.analysis import matching
from ownership.analysis.stats import graph_stats
from ownership.cypher import Query
from ownership.loader import import_paths

ENTITIES = Query(
    "test_entities", "MATCH (e:Entity) RETURN e.uid AS uid, e.names AS names ORDER BY uid", "test"
)


def test_name_key_strips_legal_forms_and_scripts():
    assert matching.name_key("Tsubame Digital Exchange K.K.") == "tsubame digital exchange"
    assert matching.name_key("株式会社ビットバンク") == "ビットバンク"
    assert (
        matching.name_key("ООО «Кедр Энерго»")
        == matching.name_key("Kedr Energo LLC")
        == "kedr energo"
    )
    assert matching.name_key("Northbridge Lattice Pte. Ltd.") == "northbridge lattice"


def test_candidates_decisions_and_reimport(graph, make_dataset, run_cli):
    one = make_dataset(
        [
            company("x", "RU", name="ООО «Кедр Энерго»"),
            company("y", "RU", name="Kedr Logistik"),
            company("z", "RU", name="Kedr Energo", registration_number="1027700132195"),
        ],
        name="one",
    )
    two = make_dataset(
        [
            company("k", "RU", name="Kedr Energo LLC"),
            company("w", "RU", name="Kedr Energo", registration_number="1173850041749"),
        ],
        name="two",
    )
    import_paths(graph, [one], "one")
    import_paths(graph, [two], "two")
    pairs = {(c.a["uid"], c.b["uid"]) for c in matching.candidates(graph)}
    assert ("one:x", "two:k") in pairs
    assert ("one:z", "two:w") not in pairs  # both registered, different numbers: not the same
    assert not any("one:y" in pair for pair in pairs)
    assert graph_stats(graph)["nodes"]["Entity"] == 5  # proposing never merges

    result = run_cli("matches", "--accept", "one:x", "two:k")
    assert result.exit_code == 0, result.output
    assert graph_stats(graph)["nodes"]["Entity"] == 4
    merged = {row["uid"]: row["names"] for row in graph.read(ENTITIES)}
    assert merged["one:x"] == ["ООО «Кедр Энерго»", "Kedr Energo LLC"]

    # re-importing the second source keeps the decision
    assert run_cli("import", str(two), "--source", "two").exit_code == 0
    assert graph_stats(graph)["nodes"]["Entity"] == 4
    assert graph_stats(graph)["nodes"]["Record"] == 5

    reject = run_cli("matches", "--reject", "one:x", "one:z")
    assert reject.exit_code == 0, reject.output
    remaining = json.loads(run_cli("matches", "--format", "json").stdout)
    assert not any({r["a"], r["b"]} == {"one:x", "one:z"} for r in remaining)


def _every_neighbour_judged(graph, uid: str) -> list[matching.Candidate]:
    """The reference for :func:`matching.possible_matches`: the rule applied to every
    neighbour with its records and links read (the profile read them all before names were
    judged first)."""
    uids = [row["uid"] for row in graph.read(cypher.MATCH_CANDIDATES_FOR, uid=uid)]
    rows = matching._described(graph.read(cypher.MATCHABLE_BY_UID, uids=uids))
    subject = next((e for e in rows if e["uid"] == uid), None)
    if subject is None:
        return []
    keys = {e["uid"]: matching._name_keys(e) for e in rows}
    rejected = matching._rejected(graph)
    found = [
        c
        for other in rows
        if (c := matching._judge(subject, other, keys, matching.DEFAULT_THRESHOLD))
        and c.key not in rejected
    ]
    return sorted(found, key=matching.Candidate.rank)


def test_possible_matches_judged_on_names_first_equal_every_neighbour_judged(
    graph, make_dataset, tmp_path
):
    """The profile's "possibly the same as" reads records and links only for the neighbours
    the rule keeps on names: the same answer as judging every neighbour with them, for every
    entity of a generated registry with a second source of look-alikes (one pair rejected)."""
    folder = tmp_path / "generated"
    generate(folder, 250, seed=3)
    import_paths(graph, [folder], "reg")
    alike = [
        row
        for row in csv.DictReader((folder / "entities.csv").open(encoding="utf-8"))
        if row["type"] == "company"
    ][:40]
    twins = make_dataset(
        [
            company(f"t{n}", row["jurisdiction"] or "JP", name=row["name"])
            for n, row in enumerate(alike)
        ],
        name="twins",
    )
    import_paths(graph, [twins], "twins")
    first = next(c for c in matching.candidates(graph) if c.b["uid"].startswith("twins:"))
    matching.decide(graph, first.a["uid"], first.b["uid"], "reject")
    every = [row["uid"] for row in graph.read(ENTITIES)]
    uids = sorted({*every[::3], *(u for u in every if u.startswith("twins:"))})
    found = {uid: matching.possible_matches(graph, uid) for uid in uids}
    assert sum(bool(f) for f in found.values()) >= 20  # look-alikes are proposed
    for uid in uids:
        expected = _every_neighbour_judged(graph, uid)
        assert [c.as_dict() for c in found[uid]] == [c.as_dict() for c in expected], uid
        assert [c.key for c in found[uid]] == [c.key for c in expected]

"""Name matches: proposed with a score, merged only when an analyst accepts, and kept merged."""

from __future__ import annotations

import json

from conftest import company

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

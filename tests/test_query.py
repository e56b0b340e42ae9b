"""Read-only queries: refused before they run, on both servers, and nothing changes."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import company, owns, slow_query

from ownership import cypher
from ownership.analysis.stats import graph_stats
from ownership.graph import QueryTimeout
from ownership.loader import import_paths
from ownership.readonly import NotReadOnly, check

HOSTILE_NAME = "Robert'); MATCH (n) DETACH DELETE n; //"


@pytest.mark.parametrize(
    "text",
    [
        "CREATE (n:X)",
        "MATCH (n) DETACH DELETE n",
        "MATCH (n) SET n.x = 1",
        "match (n) remove n.name",
        "MERGE (n:X {a: 1}) RETURN n",
        "MATCH (n) CALL (n) { SET n.y = 2 } RETURN n",
        "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
        "CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DELETE n', {})",
        "CALL dbms.security.createUser('x', 'y', false)",
        "MATCH (n) RETURN n; MATCH (m) RETURN m",
        "DROP CONSTRAINT entity_uid",
        "SHOW USERS",
        "FOREACH (x IN [1] | CREATE (:X))",
        "MATCH (n) CALL (n) { RETURN 1 AS one } IN TRANSACTIONS RETURN n",
        "",
    ],
)
def test_lexical_check_refuses(text):
    with pytest.raises(NotReadOnly):
        check(text)


@pytest.mark.parametrize(
    "text",
    [
        "MATCH (n:Entity) RETURN n.name AS name",
        "MATCH (n) WHERE n.name = 'DETACH DELETE' RETURN n // CREATE in a comment",
        "MATCH (start:Company) RETURN count(start) AS n",
        "CALL db.labels()",
        "CALL db.labels() YIELD label RETURN label",
        "MATCH (n) RETURN n.`set` AS quoted",
        "MATCH (n) RETURN n LIMIT 1;",
    ],
)
def test_lexical_check_allows(text):
    check(text)


@pytest.fixture()
def data(graph, make_dataset):
    folder = make_dataset(
        [company("a", "JP", name=HOSTILE_NAME), company("b", "RU")], [owns("a", "b", 100)]
    )
    import_paths(graph, [folder], "q")
    return graph


def test_reads_run_and_writes_change_nothing(data):
    before = graph_stats(data)
    result = data.run_read_only(
        "MATCH (e:Entity {record_id: $id}) RETURN e.name AS name", {"id": "a"}
    )
    assert result.rows == [{"name": HOSTILE_NAME}]  # stored and returned verbatim
    with pytest.raises(NotReadOnly):
        data.run_read_only("MATCH (n) DETACH DELETE n", {})
    assert graph_stats(data) == before


def test_server_side_guards_catch_what_the_lexer_cannot_see(data, monkeypatch):
    """Disable the lexical check: EXPLAIN (or the plan) and the rolled-back READ transaction
    must still refuse a write, and nothing may change."""
    before = graph_stats(data)
    monkeypatch.setattr("ownership.readonly.check", lambda text: None)
    with pytest.raises(NotReadOnly):
        data.run_read_only("MATCH (e:Entity) SET e.hacked = true RETURN count(e)", {})
    with pytest.raises(NotReadOnly):
        data.run_read_only("CREATE (x:Intruder) RETURN x", {})
    assert graph_stats(data) == before
    rows = data.run_read_only(
        "MATCH (e:Entity) WHERE e.hacked IS NOT NULL RETURN count(e) AS n", {}
    ).rows
    assert rows == [{"n": 0}]


def test_limit_and_graph_items(data):
    result = data.run_read_only("MATCH p = (:Entity)-[:OWNS]->(:Entity) RETURN p", {}, limit=1)
    assert not result.truncated and len(result.rows) == 1
    assert len(result.nodes) == 2 and len(result.relationships) == 1
    many = data.run_read_only("UNWIND range(1, 10) AS x RETURN x", {}, limit=3)
    assert many.truncated and [r["x"] for r in many.rows] == [1, 2, 3]


def test_a_timeout_stops_the_query_and_says_so(data, run_cli):
    """Neo4j ends it itself (transaction timeout); ArcadeDB ignores that, so its connection is
    closed. Either way the caller gets no answer, a message, and a graph that still works."""
    with pytest.raises(QueryTimeout, match="stopped at its 0.5 s timeout"):
        data.run_read_only(slow_query(data), {}, timeout=0.5)
    failed = run_cli("query", slow_query(data), "--timeout", "0.5")
    assert failed.exit_code == 1 and failed.stdout == ""
    assert failed.stderr.startswith("ownership: error: query stopped at its 0.5 s timeout")
    assert len(failed.stderr.splitlines()) == 1
    assert data.run_read_only("RETURN 1 AS one", {}).rows == [{"one": 1}]


def test_cli_query_named_and_ad_hoc(data, run_cli):
    ok = run_cli(
        "query", "MATCH (e:Company) RETURN e.record_id AS id ORDER BY id", "--format", "json"
    )
    assert json.loads(ok.stdout) == [{"id": "a"}, {"id": "b"}]
    named = run_cli(
        "query",
        "chains",
        "--param",
        "from_country=JP",
        "--param",
        "to_country=RU",
        "--param",
        "via=[]",
        "--param",
        "as_of=2024-01-01",
        "--format",
        "json",
    )
    assert named.exit_code == 0, named.output
    assert len(json.loads(named.stdout)) == 1
    refused = run_cli("query", "MATCH (n) DETACH DELETE n")
    assert refused.exit_code == 1 and "refused" in refused.stderr
    refused_named = run_cli("query", "delete_all")
    assert refused_named.exit_code == 1
    assert json.loads(run_cli("stats", "--format", "json").stdout)["nodes"]["Entity"] == 2


def test_docs_queries_file_is_current():
    from conftest import REPO

    assert (REPO / "docs" / "queries.cypher").read_text(
        encoding="utf-8"
    ) == cypher.library_script(), "regenerate with: ownership queries --export docs/queries.cypher"


def test_every_library_query_is_documented_and_parameterized():
    for query in cypher.LIBRARY.values():
        assert query.doc, query.name
        literal_free = query.text.replace("'shareholding'", "").replace("''", "")
        assert "'" not in literal_free, query.name  # values travel as $params
        for name in query.params:
            assert f"${name}" in query.text, (query.name, name)


def test_path_variants_give_browser_a_picture(data):
    """chains/owner_paths/subsidiary_paths return lists (fast, for the analyses); their
    variants return the same paths as paths, which Neo4j Browser and the console draw."""
    as_of = dt.date(2024, 1, 1)
    chain_params = {"from_country": "JP", "to_country": "RU", "via": [], "as_of": as_of}
    listed = data.run_read_only(cypher.CHAINS.render(4), chain_params)
    drawn = data.run_read_only(cypher.CHAIN_PATHS.render(4), chain_params)
    assert len(drawn.rows) == len(listed.rows) == 1
    assert listed.relationships == []  # nothing to draw from lists
    assert {n["uid"] for n in drawn.nodes} == {"q:a", "q:b"} and len(drawn.relationships) == 1
    for query, uid in ((cypher.OWNER_PATHS_DRAWN, "q:b"), (cypher.SUBSIDIARY_PATHS_DRAWN, "q:a")):
        found = data.run_read_only(query.render(4), {"uid": uid, "as_of": as_of})
        assert len(found.rows) == 1 and len(found.relationships) == 1

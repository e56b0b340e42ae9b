"""Every named statement of the query library runs on the server under test (the suite runs on
both the embedded ArcadeDB server and Neo4j 5), with the example parameters that
``docs/queries.cypher`` gives it, against the seed scenario.

A statement fails here when the server rejects it, or when Neo4j warns about it: any DEPRECATION
notification, and any PERFORMANCE notification (cartesian product, unbounded variable-length
path …) that the statement does not declare as intended in ``Query.intended``. Each statement
runs in a transaction that is rolled back, so write statements change nothing.
"""

from __future__ import annotations

import pytest
from conftest import REPO

from ownership import cypher
from ownership.graph import Graph
from ownership.loader import import_paths

SEED = REPO / "seed" / "registry"


@pytest.fixture(scope="module")
def seeded(session_graph: Graph) -> Graph:
    session_graph.empty()
    import_paths(session_graph, [SEED], "seed-registry")
    return session_graph


WARNED = {"DEPRECATION", "PERFORMANCE"}


def unexpected_warnings(
    graph: Graph, text: str, params: dict[str, object], intended: tuple[str, ...] = ()
) -> list[str]:
    """Run a statement in a transaction that is rolled back; the server's deprecation and
    performance notifications about it, less the GQL status codes in ``intended``."""
    with graph.driver.session(database=graph.database) as session:
        tx = session.begin_transaction()
        try:
            result = tx.run(text, params)
            result.fetch(1000)
            summary = result.consume()
        finally:
            tx.rollback()
    return [
        f"{status.classification.name} {status.gql_status}: {status.status_description}"
        for status in summary.gql_status_objects
        if status.is_notification
        and status.classification.name in WARNED
        and not (status.classification.name == "PERFORMANCE" and status.gql_status in intended)
    ]


@pytest.mark.parametrize("name", sorted(cypher.LIBRARY))
def test_statement_runs_without_warnings(seeded: Graph, name: str) -> None:
    query = cypher.LIBRARY[name]
    found = unexpected_warnings(seeded, query.render(6), dict(query.params), query.intended)
    assert not found, f"{name}: " + "; ".join(found)


def test_the_check_sees_what_neo4j_warns_about(seeded: Graph) -> None:
    """The notifications reach the check (only Neo4j sends them; ArcadeDB sends none)."""
    if seeded.is_arcadedb:
        pytest.skip("the embedded ArcadeDB server sends no notifications")
    cartesian = "MATCH (a:Company), (b:Person) RETURN count(*) AS n"
    assert any("PERFORMANCE 03N90" in w for w in unexpected_warnings(seeded, cartesian, {}))
    assert not unexpected_warnings(seeded, cartesian, {}, intended=("03N90",))
    deprecated = "MATCH (a:Entity) WHERE id(a) = 0 RETURN a"
    assert any("DEPRECATION" in w for w in unexpected_warnings(seeded, deprecated, {}))


def test_intended_notifications_are_explained() -> None:
    """A statement that accepts a performance warning says why in its documentation."""
    for query in cypher.LIBRARY.values():
        for code in query.intended:
            assert "intended" in query.doc.lower(), (query.name, code)

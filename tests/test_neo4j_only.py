"""What only a real Neo4j can show: routing URIs and READ access mode (skipped on the embedded
ArcadeDB server, which has neither; `make test-neo4j` runs these on the Neo4j kit)."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import company, owns

from ownership import cypher
from ownership.analysis.chains import find_chains
from ownership.analysis.stats import graph_stats
from ownership.config import Settings
from ownership.graph import Graph, QueryFailed
from ownership.loader import import_paths


@pytest.fixture()
def neo4j_settings(settings: Settings, session_graph: Graph) -> Settings:
    if settings.embedded or session_graph.is_arcadedb:
        pytest.skip("needs a Neo4j server (make test-neo4j)")
    return settings


def test_neo4j_routing_uri_reads_and_writes(
    neo4j_settings: Settings, graph: Graph, make_dataset
) -> None:
    """``neo4j://`` (routing, as for a cluster or Aura) works for every kind of command."""
    assert neo4j_settings.uri and neo4j_settings.uri.startswith("bolt://")
    routed = dataclasses.replace(
        neo4j_settings, uri="neo4j://" + neo4j_settings.uri.removeprefix("bolt://")
    )
    folder = make_dataset(
        [company("a", "JP"), company("s", "SG"), company("b", "RU")],
        [owns("a", "s", 100), owns("s", "b", 60)],
    )
    with Graph.open(routed) as via_router:
        summary = import_paths(via_router, [folder], "routed")
        assert summary.total_read == 5
        [chain] = find_chains(via_router, "JP", "RU", via=["SG"])
        assert chain.effective_share == 60
        assert graph_stats(via_router)["relationships"]["HOLDS"] == 2


def test_analyses_run_in_read_sessions(neo4j_settings: Settings, graph: Graph) -> None:
    """Every analysis reads through ``Graph.read``, which a cluster may route to a secondary:
    Neo4j refuses a write there, so a write statement sent through it must fail."""
    with pytest.raises(QueryFailed, match="delete_all"):
        graph.read(cypher.DELETE_ALL, limit=1)

"""Shortest connections by ownership, officers and shared addresses, with hub suppression."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import company, owns, person

from ownership.analysis.connections import connect
from ownership.loader import import_paths

AS_OF = dt.date(2023, 1, 1)


@pytest.fixture()
def web(graph, make_dataset):
    # A ─owns─▶ B ◀─officer─ P ─officer─▶ D;  E and F share an address;  H officer of 5 companies
    folder = make_dataset(
        [
            company("A", "JP"),
            company("B", "SG"),
            person("P", "SG"),
            company("D", "RU"),
            company("E", "CY", address="1 Agent Street"),
            company("F", "CY", address="1 AGENT STREET"),
            person("H", "SG"),
            *[company(f"h{i}", "SG") for i in range(5)],
            company("G", "RU"),
        ],
        [owns("A", "B", 100)],
        [
            {"person_id": "P", "company_id": "B", "role": "director"},
            {"person_id": "P", "company_id": "D", "role": "director"},
            *[{"person_id": "H", "company_id": f"h{i}", "role": "nominee"} for i in range(5)],
            {"person_id": "H", "company_id": "G", "role": "nominee"},
        ],
    )
    import_paths(graph, [folder], "w")
    return graph


def test_path_through_an_officer(web):
    [found] = connect(web, "w:A", "w:D", AS_OF)
    assert [s.uid for s in found.steps] == ["w:A", "w:B", "w:P", "w:D"]
    assert [(link["type"], link["forward"]) for link in found.links] == [
        ("HOLDS", True),
        ("OFFICER_OF", False),
        ("OFFICER_OF", True),
    ]
    assert (
        found.describe() == "A Ltd -[owns]-> B Ltd -[officer of]<- Person P -[officer of]-> D Ltd"
    )


def test_shared_address_connects(web):
    [found] = connect(web, "w:E", "w:F", AS_OF)
    assert [s.kind for s in found.steps] == ["entity", "address", "entity"]


def test_hubs_are_skipped_unless_asked(web):
    assert connect(web, "w:h0", "w:G", AS_OF, hub_limit=3) == []
    [found] = connect(web, "w:h0", "w:G", AS_OF, hub_limit=None)
    assert [s.uid for s in found.steps] == ["w:h0", "w:H", "w:G"]


def test_no_connection_and_max_hops(web):
    assert connect(web, "w:A", "w:E", AS_OF) == []
    assert connect(web, "w:A", "w:D", AS_OF, max_hops=2) == []


def test_cli_connect(web, run_cli):
    result = run_cli("connect", "A", "D", "--format", "json")
    assert result.exit_code == 0, result.output
    [connection] = json.loads(result.stdout)
    assert connection["hops"] == 3

"""The explorable graph: officers and registered addresses drawn on request, collapse, remove,
"and N more" caps and hub-awareness, the legend, and the right-click menu's actions; on the
seed (answers from ``seed/registry``: Northbridge Lattice, sg-shell-01, is registered at 88
Merbau Crescent with sg-shell-02 … 05 and its secretary sg-cs-01; its officers are p-01
nominee director, p-04 director and sg-cs-01 secretary) and on a formation agent's address
with 60 companies.
"""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import REPO, company
from test_explorer import app, explorer_env, iframes  # noqa: F401 (explorer_env: a fixture)

from ownership.explorer import graphview, netcomponent
from ownership.explorer.subgraph import ADDRESS, build
from ownership.loader import import_paths

JULY = dt.date(2022, 7, 1)
S = "seed-registry:"
SHELL = S + "sg-shell-01"
MERBAU = "address:88merbaucrescent0501singapore049913"
AROUND = [S + "jp-ex-01", S + "ru-host-01"]  # its owner and holding


@pytest.fixture()
def seed(graph, explorer_env):  # noqa: F811
    import_paths(graph, [REPO / "seed" / "registry"], "seed-registry", "csv")
    return graph


def test_officers_on_request(seed):
    plain = build(seed, [SHELL], AROUND, JULY)
    assert {e.type for e in plain.edges} == {"HOLDS"}  # nothing drawn unless asked
    sub = build(seed, [SHELL], AROUND, JULY, officers=[SHELL])
    roles = sorted((e.source, e.kind) for e in sub.edges if e.type == "OFFICER_OF")
    assert roles == [
        (S + "p-01", "nominee-director"),
        (S + "p-04", "director"),
        (S + "sg-cs-01", "secretary"),
    ]
    assert all(e.target == SHELL for e in sub.edges if e.type == "OFFICER_OF")
    p01 = sub.node(S + "p-01")
    assert p01 is not None and (p01.kind, p01.jurisdiction) == ("person", "SG")


def test_address_with_who_shares_it_capped_and_removed(seed):
    sub = build(seed, [SHELL], AROUND, JULY, addresses=[SHELL], per_node=3)
    place = sub.node(MERBAU)
    assert place is not None and place.kind == ADDRESS and place.degree == 6
    at_place = sorted(e.source for e in sub.edges if e.target == MERBAU)
    assert len(at_place) == 4 and SHELL in at_place  # it, and 3 of the 5 others
    assert place.more == 2  # "and 2 more"
    assert "and 2 more" in [n["label"] for n in graphview.network(sub).nodes]
    gone = build(seed, [SHELL], AROUND, JULY, addresses=[SHELL], removed=[S + "sg-shell-02"])
    drawn = {n.id for n in gone.nodes}
    assert S + "sg-shell-02" not in drawn
    assert {S + "sg-shell-03", S + "sg-shell-04", S + "sg-shell-05", S + "sg-cs-01"} <= drawn
    focus = build(seed, [SHELL], AROUND, JULY, removed=[SHELL])
    assert focus.node(SHELL) is not None  # the focus cannot be removed


def test_expanding_an_address_node_and_the_legend(seed):
    sub = build(seed, [SHELL], AROUND, JULY, addresses=[SHELL, MERBAU], officers=[SHELL])
    assert len([e for e in sub.edges if e.target == MERBAU]) == 6
    legend = graphview.legend(sub)
    for words in ("registered address", "officer of (label: role)", "registered at", "SG", "JP"):
        assert words in legend
    net = graphview.network(sub)
    [place] = [n for n in net.nodes if n["id"] == MERBAU]
    assert place["shape"] == "hexagon" and place["color"]["background"] == graphview.ADDRESS_FILL
    [secretary] = [e for e in net.edges if e.get("label") == "secretary"]
    assert secretary["color"]["color"] == graphview.LINK_STYLES["OFFICER_OF"][0]


def test_an_address_hub_does_not_explode(graph, make_dataset, explorer_env):  # noqa: F811
    """60 companies at one formation agent's address: expanding one company's address draws
    the address, at most the per-node cap of its companies and "and N more"; with the hub limit
    below 60, only the address, until the address itself is expanded (then the cap holds)."""
    agent = "1 Agent Street, Victoria, Seychelles"
    entities = [company(f"c{i:02d}", "SC", address=agent) for i in range(60)]
    import_paths(graph, [make_dataset(entities, [])], "agent")
    capped = build(graph, ["agent:c00"], [], JULY, addresses=["agent:c00"], per_node=15)
    [place] = [n.id for n in capped.nodes if n.kind == ADDRESS]
    assert len(capped.nodes) == 1 + 1 + 15 and capped.node(place).more == 44
    hub = build(graph, ["agent:c00"], [], JULY, addresses=["agent:c00"], hub_limit=30)
    assert [n.id for n in hub.nodes] == ["agent:c00", place]
    assert hub.node(place).hub and hub.node(place).more == 59
    assert "and 59 more" in [n["label"] for n in graphview.network(hub).nodes]
    asked = build(graph, ["agent:c00"], [], JULY, addresses=["agent:c00", place], hub_limit=30)
    assert len(asked.nodes) == 17 and asked.node(place).more == 44  # asked for: 15 of them


def test_menus_offer_what_applies():
    from ownership.explorer.subgraph import Node, Subgraph

    sub = Subgraph(
        nodes=[
            Node("a", "A", focus=True),
            Node("b", "B"),
            Node("x", "1 Street", kind=ADDRESS),
        ]
    )

    class Asked(netcomponent.Asked):
        def nodes(self, kind: str) -> tuple[str, ...]:
            return {"officers": ("b",), "addresses": ("x",)}.get(kind, ())

    found = netcomponent.menus(sub, Asked("k"))
    actions = {uid: [a for a, _ in items] for uid, items in found.items()}
    assert actions == {
        "a": ["open", "expand", "officers", "addresses"],  # the focus: no remove
        "b": ["open", "expand", "addresses", "collapse", "remove"],
        "x": ["collapse", "remove"],  # an address: no profile, no owners
    }


def test_profile_draws_address_and_officers_on_request(seed):
    at = app(entity="sg-shell-01", as_of="2022-07-01")
    assert "88 Merbau" not in iframes(at)[0]
    at.multiselect(key=f"profile_expand.{SHELL}.addresses").set_value([SHELL]).run()
    at.multiselect(key=f"profile_expand.{SHELL}.officers").set_value([SHELL]).run()
    assert not at.exception
    page = iframes(at)[0]
    assert "88 Merbau Crescent" in page and "Cantor Reef Holdings" in page  # sg-shell-02
    assert "nominee-director" in page and "Desmond Quek Jun Hao" in page
    assert "registered address" in page  # the legend
    at.multiselect(key=f"profile_expand.{SHELL}.addresses").set_value([]).run()
    assert "88 Merbau Crescent" not in iframes(at)[0]  # collapsed

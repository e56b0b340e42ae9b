"""The explorable graph: officers and registered addresses drawn on request, collapse, remove,
"and N more" caps and hub-awareness, the legend, and the right-click menu's actions; on the
seed (answers from ``seed/registry``: Northbridge Lattice, sg-shell-01, is registered at 88
Merbau Crescent with sg-shell-02 … 05 and its secretary sg-cs-01; its officers are p-01
nominee director, p-04 director and sg-cs-01 secretary) and on a formation agent's address
with 60 companies.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO, company
from test_explorer import app, explorer_env, iframes  # noqa: F401 (explorer_env: a fixture)

from bench.generate import generate
from ownership.explorer import graphview, netcomponent
from ownership.explorer.subgraph import ADDRESS, DEFAULT_HUB_LIMIT, DEFAULT_PER_NODE, build
from ownership.loader import import_paths

JULY = dt.date(2022, 7, 1)
AS_OF = dt.date(2024, 1, 1)  # generated data is current (as in test_one_truth_generated)
S = "seed-registry:"
SHELL = S + "sg-shell-01"
MERBAU = "address:88merbaucrescent0501singapore049913"
AROUND = [S + "jp-ex-01", S + "ru-host-01"]  # its owner and holding


@pytest.fixture()
def seed(graph, explorer_env):  # noqa: F811
    import_paths(graph, [REPO / "seed" / "registry"], "seed-registry", "csv")
    return graph


def test_officers_on_request(seed):
    """sg-shell-01's officers, and the other companies each of them serves: the nominee
    director p-01 and the secretary company sg-cs-01 serve the four other shells, p-04 directs
    jp-ex-01 and jp-hd-01 too."""
    plain = build(seed, [SHELL], AROUND, JULY)
    assert {e.type for e in plain.edges} == {"HOLDS"}  # nothing drawn unless asked
    sub = build(seed, [SHELL], AROUND, JULY, officers=[SHELL])
    assert sorted(_roles_at(sub, SHELL)) == [
        (S + "p-01", "nominee-director"),
        (S + "p-04", "director"),
        (S + "sg-cs-01", "secretary"),
    ]
    shells = {S + f"sg-shell-0{i}" for i in range(1, 6)}
    served = _served(sub)
    assert {c for o, c in served if o == S + "p-01"} == shells
    assert {c for o, c in served if o == S + "sg-cs-01"} == shells
    assert {c for o, c in served if o == S + "p-04"} == {SHELL, S + "jp-ex-01", S + "jp-hd-01"}
    p01 = sub.node(S + "p-01")
    assert p01 is not None and (p01.kind, p01.jurisdiction) == ("person", "SG") and not p01.hub


def _served(sub) -> set[tuple[str, str]]:
    return {(e.source, e.target) for e in sub.edges if e.type == "OFFICER_OF"}


def _roles_at(sub, company_uid: str) -> set[tuple[str, str | None]]:
    return {
        (e.source, e.kind) for e in sub.edges if e.type == "OFFICER_OF" and e.target == company_uid
    }


def test_an_officer_hub_is_drawn_not_walked(seed):
    """With the hub limit below the links of p-01 (5 roles, 2 holdings) and sg-cs-01 (5 roles,
    a holding, its address) and above p-04's 3 roles: those two are drawn as sg-shell-01's
    officers, marked hubs with their links not drawn counted, and not walked; p-04 is. Asking
    a hub itself walks it (within the per-node cap)."""
    sub = build(seed, [SHELL], AROUND, JULY, officers=[SHELL], hub_limit=4)
    served = _served(sub)
    assert {o for o, c in served if c == SHELL} == {S + "p-01", S + "p-04", S + "sg-cs-01"}
    assert {c for o, c in served if o in (S + "p-01", S + "sg-cs-01")} == {SHELL}
    assert {c for o, c in served if o == S + "p-04"} == {SHELL, S + "jp-ex-01", S + "jp-hd-01"}
    nominee, secretary = sub.node(S + "p-01"), sub.node(S + "sg-cs-01")
    assert nominee.hub and secretary.hub and not sub.node(S + "p-04").hub
    assert (nominee.more, secretary.more) == (6, 6)  # 7 links each, 1 drawn
    assert (
        "hub: its other links are not drawn"
        in graphview.network(sub).nodes[[n.id for n in sub.nodes].index(S + "p-01")]["title"]
    )
    asked = build(seed, [SHELL], AROUND, JULY, officers=[SHELL, S + "p-01"], hub_limit=4)
    assert {c for o, c in _served(asked) if o == S + "p-01"} == {
        S + f"sg-shell-0{i}" for i in range(1, 6)
    }


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
    secretary = [e for e in net.edges if e.get("label") == "secretary"]
    assert len(secretary) == 5  # sg-cs-01 of the five shells (an officer's other roles)
    assert {e["color"]["color"] for e in secretary} == {graphview.LINK_STYLES["OFFICER_OF"][0]}


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
    at = app(entity="sg-shell-01", as_of="2022-07-01", section="graph")
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


def test_a_generated_nominee_director_does_not_flood_the_picture(
    graph,
    tmp_path: Path,
    explorer_env,  # noqa: F811
) -> None:
    """10,000 generated companies (``bench/generate.py``, seed 42): its busiest officer, a
    nominee director of hundreds of them, with the roles of those companies (what a picture of
    them can reach; importing all 13,000 entities would only slow the test). A company's
    officers draw the nominee as one hub node ("and N more"), not its companies; asking the
    nominee itself draws the per-node cap of them."""
    generate(tmp_path / "all", 10_000, seed=42)
    with (tmp_path / "all" / "officers.csv").open(encoding="utf-8", newline="") as rows:
        every_role = list(csv.DictReader(rows))
    # the generator's nominees are plain "director"s: the busiest officer is one
    nominee, count = Counter(r["person_id"] for r in every_role).most_common(1)[0]
    assert count >= 100  # what the generator promises: a few persons serve hundreds
    served = {r["company_id"] for r in every_role if r["person_id"] == nominee}
    roles = [r for r in every_role if r["company_id"] in served]
    folder = tmp_path / "registry"
    folder.mkdir()
    _subset(
        tmp_path / "all" / "entities.csv",
        folder / "entities.csv",
        "id",
        served | {r["person_id"] for r in roles},
    )
    _subset(tmp_path / "all" / "officers.csv", folder / "officers.csv", "company_id", served)
    company_id = next(r["company_id"] for r in roles if r["person_id"] == nominee)
    officers_of_company = {r["person_id"] for r in roles if r["company_id"] == company_id}
    import_paths(graph, [folder], "gen", "csv")
    shell, hub = f"gen:{company_id}", f"gen:{nominee}"
    sub = build(graph, [shell], [], AS_OF, officers=[shell], hub_limit=DEFAULT_HUB_LIMIT)
    node = sub.node(hub)
    assert node is not None and node.hub and node.more == count - 1  # its roles, ended ones too
    assert {e.target for e in sub.edges if e.source == hub} == {shell}
    assert len(sub.nodes) <= 1 + len(officers_of_company) + DEFAULT_PER_NODE * (
        len(officers_of_company) - 1
    )
    assert f"and {node.more} more" in [n["label"] for n in graphview.network(sub).nodes]
    asked = build(graph, [shell], [], AS_OF, officers=[shell, hub], hub_limit=DEFAULT_HUB_LIMIT)
    drawn = {e.target for e in asked.edges if e.source == hub}
    assert shell in drawn and len(drawn) == 1 + DEFAULT_PER_NODE
    in_force = [
        r
        for r in roles
        if r["person_id"] == nominee
        and (r["start_date"] or "0") <= AS_OF.isoformat() < (r["end_date"] or "9")
    ]
    assert asked.node(hub).more == len(in_force) - len(drawn)  # roles in force, not drawn


def _subset(source: Path, target: Path, column: str, keep: set[str]) -> None:
    """The rows of CSV ``source`` whose ``column`` is in ``keep``, header first."""
    with (
        source.open(encoding="utf-8", newline="") as rows,
        target.open("w", encoding="utf-8", newline="") as out,
    ):
        reader = csv.DictReader(rows)
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        writer.writerows(r for r in reader if r[column] in keep)

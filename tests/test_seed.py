"""The seed scenario, read with the csv module only: well-formed, consistent, and telling its story.

No database here. The chain and 50-percent-rule helpers below are deliberately naive
re-implementations of the rules in CONTRACT.md, so that the answers listed in seed/README.md are
pinned to the CSV files: edit a row and these tests say which promised answer moved.
"""

from __future__ import annotations

import csv
import re
import tomllib
from collections import defaultdict
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from ownership.identifiers import valid_inn, valid_jp_corporate_number, valid_ogrn, valid_uen
from ownership.sources.registry_csv import ENTITIES, OFFICERS, OWNERSHIP, SANCTIONS

SEED = Path(__file__).resolve().parent.parent / "seed"
REGISTRY = SEED / "registry"

ENTITY_COLUMNS = list(ENTITIES.columns)
EXTRA_ENTITY_COLUMNS = ["inn"]
OWNERSHIP_COLUMNS = list(OWNERSHIP.columns)
OFFICER_COLUMNS = list(OFFICERS.columns)
SANCTION_COLUMNS = list(SANCTIONS.columns)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
COUNTRY = re.compile(r"[A-Z]{2}", re.ASCII)


@cache
def _read(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with open(REGISTRY / name, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def entities() -> dict[str, dict[str, str]]:
    return {row["id"]: row for row in _read("entities.csv")[1]}


def ownership() -> list[dict[str, str]]:
    return _read("ownership.csv")[1]


def officers() -> list[dict[str, str]]:
    return _read("officers.csv")[1]


def sanctions() -> list[dict[str, str]]:
    return _read("sanctions.csv")[1]


def split(cell: str) -> list[str]:
    return [part for part in cell.split(";") if part]


def day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def in_force(start: str, end: str, on: str) -> bool:
    """CONTRACT.md: start <= D (or no start) and D < end (or no end)."""
    return (not start or start <= on) and (not end or on < end)


# ------------------------------------------------------------------------- format


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        ("entities.csv", ENTITY_COLUMNS + EXTRA_ENTITY_COLUMNS),
        ("ownership.csv", OWNERSHIP_COLUMNS),
        ("officers.csv", OFFICER_COLUMNS),
        ("sanctions.csv", SANCTION_COLUMNS),
    ],
)
def test_headers(name: str, columns: list[str]) -> None:
    header, rows = _read(name)
    assert header == columns
    assert rows, f"{name} is empty"
    for row in rows:
        assert None not in row, f"{name}: a row has more cells than the header: {row}"
        assert all(v is not None for v in row.values()), f"{name}: a short row: {row}"
        for column, value in row.items():
            assert value == value.strip(), f"{name}: stray whitespace in {column}: {value!r}"


def test_size_is_readable_by_a_person() -> None:
    total = sum(
        len(_read(n)[1]) for n in ["entities.csv", "ownership.csv", "officers.csv", "sanctions.csv"]
    )
    assert 100 <= total <= 600


def test_ids_unique_and_readable() -> None:
    ids = [row["id"] for row in _read("entities.csv")[1]]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]{1,3}(-[a-z]+)?-\d{2}", i) for i in ids), ids


def test_entity_fields() -> None:
    for eid, e in entities().items():
        assert e["type"] in {"company", "person"}, eid
        assert e["name"], eid
        assert COUNTRY.fullmatch(e["jurisdiction"]), eid
        assert all(COUNTRY.fullmatch(c) for c in split(e["operates_in"])), eid
        assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", t) for t in split(e["tags"])), eid
        if e["type"] == "person":
            assert not e["registration_number"] and not e["inn"] and not e["address"], eid
            assert not e["incorporation_date"] and not e["dissolution_date"], eid


def test_dates_are_real_dates() -> None:
    cells = []
    for e in entities().values():
        cells += [e["incorporation_date"], e["dissolution_date"]]
    for r in ownership() + officers():
        cells += [r["start_date"], r["end_date"]]
    for s in sanctions():
        cells += [s["listed_on"], s["delisted_on"]]
    for cell in filter(None, cells):
        assert ISO_DATE.fullmatch(cell), cell
        assert date(1990, 1, 1) <= date.fromisoformat(cell) <= date(2025, 12, 31), cell


def test_date_order() -> None:
    ents = entities()
    for eid, e in ents.items():
        if e["incorporation_date"] and e["dissolution_date"]:
            assert e["incorporation_date"] < e["dissolution_date"], eid
    for r in ownership() + officers():
        if r["start_date"] and r["end_date"]:
            assert r["start_date"] < r["end_date"], r
    for s in sanctions():
        if s["delisted_on"]:
            assert s["listed_on"] < s["delisted_on"], s


def test_relationships_fit_the_lifetime_of_their_companies() -> None:
    ents = entities()
    for r in ownership():
        for eid in (r["owner_id"], r["owned_id"]):
            e = ents[eid]
            if e["incorporation_date"]:
                assert r["start_date"] >= e["incorporation_date"], (r, eid)
            if e["dissolution_date"]:
                assert r["end_date"] and r["end_date"] <= e["dissolution_date"], (r, eid)
    for r in officers():
        e = ents[r["company_id"]]
        assert r["start_date"] >= e["incorporation_date"], r
        if e["dissolution_date"]:
            assert r["end_date"] and r["end_date"] <= e["dissolution_date"], r


# ------------------------------------------------------------------------- references and shares


def test_every_reference_exists() -> None:
    ents = entities()
    for r in ownership():
        assert r["owner_id"] in ents, r
        assert r["owned_id"] in ents, r
        assert r["owner_id"] != r["owned_id"], r
        assert ents[r["owned_id"]]["type"] == "company", r
    for r in officers():
        assert r["person_id"] in ents, r
        assert r["company_id"] in ents and ents[r["company_id"]]["type"] == "company", r
        assert r["role"], r
    for s in sanctions():
        assert s["entity_id"] in ents, s
        assert s["authority"] in {"OFAC", "EU", "UK", "JP-MOF"}, s
        assert s["program"] and s["listed_on"], s


def test_shares_and_bands() -> None:
    for r in ownership():
        if r["share"]:
            assert 0 < float(r["share"]) <= 100, r
            assert not r["share_min"] and not r["share_max"], r
        else:
            lo, hi = float(r["share_min"]), float(r["share_max"])
            assert 0 <= lo <= hi <= 100 and hi > 0, r


def test_shares_in_force_never_exceed_100_percent() -> None:
    changes = sorted({d for r in ownership() for d in (r["start_date"], r["end_date"]) if d})
    for on in changes:
        held: dict[str, float] = defaultdict(float)
        for r in ownership():
            if in_force(r["start_date"], r["end_date"], on):
                held[r["owned_id"]] += float(r["share"] or r["share_min"])
        over = {k: v for k, v in held.items() if v > 100}
        assert not over, (on, over)


# ------------------------------------------------------------------------- identifiers


def companies(jurisdiction: str) -> list[dict[str, str]]:
    return [
        e
        for e in entities().values()
        if e["type"] == "company" and e["jurisdiction"] == jurisdiction
    ]


def test_jp_corporate_numbers() -> None:
    jp = companies("JP")
    assert len(jp) >= 36
    for e in jp:
        assert valid_jp_corporate_number(e["registration_number"]), e["id"]
        assert not e["inn"], e["id"]


def test_ru_ogrn_and_inn() -> None:
    ru = companies("RU")
    assert len(ru) >= 10
    for e in ru:
        number, inn = e["registration_number"], e["inn"]
        assert len(number) == 13 and valid_ogrn(number), e["id"]
        assert len(inn) == 10 and valid_inn(inn), e["id"]
        # OGRN digits 2-3: year of registration; 4-5: region (38 = Irkutsk Oblast)
        assert number[1:3] == e["incorporation_date"][2:4], e["id"]
        assert number[3:5] == "38" and inn[:2] == "38", e["id"]
        assert "Irkutsk Oblast" in e["address"], e["id"]
        assert re.search("[А-Яа-я]", e["aliases"]), f"{e['id']}: no Cyrillic alias"
    assert {e["address"].split(", ")[-3] for e in ru} >= {"Irkutsk", "Bratsk", "Usolye-Sibirskoye"}


def test_sg_uen_format() -> None:
    sg = companies("SG")
    assert len(sg) >= 10
    for e in sg:
        number = e["registration_number"]
        assert valid_uen(number, today=date(2025, 12, 31)), e["id"]
        assert len(number) == 10 and number[:4] == e["incorporation_date"][:4], e["id"]


def test_identifiers_unique() -> None:
    numbers = [e["registration_number"] for e in entities().values() if e["registration_number"]]
    numbers += [e["inn"] for e in entities().values() if e["inn"]]
    assert len(numbers) == len(set(numbers))


def test_other_numbers_rejected_by_the_seed_checks() -> None:
    """The checks above can fail: a corrupted copy of every seed number is refused."""
    for e in entities().values():
        number = e["registration_number"]
        if not number or e["jurisdiction"] not in {"JP", "RU"}:
            continue
        if e["jurisdiction"] == "JP":  # the check digit comes first, and is 1..9
            assert not valid_jp_corporate_number(str(int(number[0]) % 9 + 1) + number[1:])
        else:
            assert not valid_ogrn(number[:-1] + str((int(number[-1]) + 1) % 10)), e["id"]
            inn = e["inn"]
            assert not valid_inn(inn[:-1] + str((int(inn[-1]) + 1) % 10)), e["id"]


# ------------------------------------------------------------------------- the cast


def tagged(tag: str, jurisdiction: str | None = None) -> list[str]:
    return [
        eid
        for eid, e in entities().items()
        if tag in split(e["tags"]) and (jurisdiction is None or e["jurisdiction"] == jurisdiction)
    ]


def test_japanese_exchanges_and_miners() -> None:
    exchanges = tagged("crypto-exchange", "JP")
    assert len(exchanges) >= 31
    assert len(tagged("crypto-miner", "JP")) >= 5
    ents = entities()
    for eid in exchanges:
        assert ", Tokyo 1" in ents[eid]["address"], eid
    japanese = [eid for eid in exchanges if re.search("株式会社", ents[eid]["aliases"])]
    assert len(japanese) >= 15


def test_intermediary_jurisdictions_and_nominees() -> None:
    jurisdictions = {e["jurisdiction"] for e in entities().values() if e["type"] == "company"}
    assert {"JP", "SG", "RU", "HK", "CY", "AE", "VG"} <= jurisdictions
    roles = {r["role"] for r in officers()}
    assert "nominee-director" in roles


# ------------------------------------------------------------------------- chains


def chains(on: str, frm: str, to: str, via: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Simple ownership paths from a company registered in ``frm`` to an entity registered in or
    operating in ``to``, with an inner entity registered in each ``via``; edges in force on ``on``.
    """
    ents = entities()
    out = defaultdict(list)
    for r in ownership():
        if in_force(r["start_date"], r["end_date"], on):
            out[r["owner_id"]].append(r["owned_id"])
    found: set[tuple[str, ...]] = set()

    def walk(path: list[str]) -> None:
        last = ents[path[-1]]
        if len(path) > 1 and (last["jurisdiction"] == to or to in split(last["operates_in"])):
            inner = {ents[i]["jurisdiction"] for i in path[1:-1]}
            if all(v in inner for v in via):
                found.add(tuple(path))
        for nxt in out[path[-1]]:
            if nxt not in path:
                walk([*path, nxt])

    for eid, e in ents.items():
        if e["type"] == "company" and e["jurisdiction"] == frm:
            walk([eid])
    return found


def effective_share(path: tuple[str, ...], on: str) -> float:
    share = 100.0
    for owner, owned in zip(path, path[1:], strict=False):
        (row,) = [
            r
            for r in ownership()
            if r["owner_id"] == owner
            and r["owned_id"] == owned
            and in_force(r["start_date"], r["end_date"], on)
        ]
        share *= float(row["share"]) / 100
    return round(share, 4)


VIA_SG_2022_03_01 = {
    ("jp-ex-03", "sg-sub-03", "ru-otc-01"): 70.0,
    ("jp-ex-04", "sg-sub-04", "cy-02"): 65.0,
    ("jp-mine-01", "sg-mine-01", "ru-mine-02"): 51.0,
    ("jp-ex-05", "hk-01", "cy-01", "sg-shell-02", "ru-dc-01"): 43.2,
}
VIA_SG_2022_07_01 = {
    ("jp-ex-01", "sg-shell-01", "ru-host-01"): 100.0,
    ("jp-hd-01", "jp-ex-01", "sg-shell-01", "ru-host-01"): 62.0,
    ("jp-ex-04", "sg-sub-04", "cy-02"): 65.0,
    ("jp-ex-05", "hk-01", "cy-01", "sg-shell-02", "ru-dc-01"): 43.2,
}
NO_VIA_2022_07_01 = {
    **VIA_SG_2022_07_01,
    ("jp-ex-06", "ru-dev-01"): 100.0,
    ("jp-mine-03", "vg-02", "ae-02"): 100.0,
    ("jp-mine-03", "vg-02", "ae-01", "ru-dc-02"): 37.5,
}
NO_VIA_2022_03_01 = {
    **VIA_SG_2022_03_01,
    ("jp-ex-01", "ru-host-01"): 100.0,
    ("jp-hd-01", "jp-ex-01", "ru-host-01"): 62.0,
    ("jp-ex-06", "ru-dev-01"): 100.0,
    ("jp-mine-02", "ru-mine-03"): 100.0,
    ("jp-mine-03", "vg-02", "ae-02"): 100.0,
    ("jp-mine-03", "vg-02", "ae-01", "ru-dc-02"): 37.5,
}


@pytest.mark.parametrize(
    ("on", "via", "expected"),
    [
        ("2022-03-01", ("SG",), VIA_SG_2022_03_01),
        ("2022-07-01", ("SG",), VIA_SG_2022_07_01),
        ("2022-07-01", (), NO_VIA_2022_07_01),
        ("2022-03-01", (), NO_VIA_2022_03_01),
    ],
)
def test_jp_to_ru_chains_as_in_readme(on: str, via: tuple[str, ...], expected: dict) -> None:
    found = chains(on, "JP", "RU", via)
    assert found == set(expected)
    assert {p: effective_share(p, on) for p in found} == expected


def test_day_boundaries() -> None:
    """An edge is in force from its start date and no longer on its end date."""

    def starts(on: str) -> set[tuple[str, ...]]:
        return {p for p in chains(on, "JP", "RU") if p[0] in {"jp-ex-01", "jp-ex-03"}}

    assert starts("2022-03-13") == {
        ("jp-ex-01", "ru-host-01"),
        ("jp-ex-03", "sg-sub-03", "ru-otc-01"),
    }
    assert starts("2022-03-14") == {("jp-ex-01", "ru-host-01")}
    assert starts("2022-03-31") == {("jp-ex-01", "ru-host-01")}
    assert starts("2022-04-01") == {("jp-ex-01", "sg-shell-01", "ru-host-01")}


def test_singapore_shell_set_up_weeks_before_it_took_the_russian_company() -> None:
    ents = entities()
    shell = ents["sg-shell-01"]
    (edge,) = [
        r for r in ownership() if (r["owner_id"], r["owned_id"]) == ("sg-shell-01", "ru-host-01")
    ]
    gap = day(edge["start_date"]) - day(shell["incorporation_date"])  # type: ignore[operator]
    assert 7 <= gap.days <= 60 and not edge["end_date"]
    assert ents["ru-host-01"]["jurisdiction"] == "RU"


def test_miner_left_russia_in_june_2022() -> None:
    assert ("jp-mine-01", "sg-mine-01", "ru-mine-02") in chains("2022-06-01", "JP", "RU", ("SG",))
    ended = [
        r for r in ownership() if r["owned_id"] == "ru-mine-02" and r["owner_id"] == "sg-mine-01"
    ]
    assert [r["end_date"][:7] for r in ended] == ["2022-06"]


def test_exchange_suspended_russia_in_march_2022() -> None:
    (edge,) = [
        r for r in ownership() if r["owned_id"] == "ru-otc-01" and r["owner_id"] == "sg-sub-03"
    ]
    assert edge["end_date"].startswith("2022-03")
    assert not any(p[0] == "jp-ex-03" for p in chains("2022-04-01", "JP", "RU"))


def test_decoys_have_singapore_subsidiaries_and_no_russian_link() -> None:
    linked = {p[0] for on in ("2022-03-01", "2022-07-01") for p in chains(on, "JP", "RU")}
    with_sg = {
        r["owner_id"]
        for r in ownership()
        if r["owner_id"].startswith("jp-") and entities()[r["owned_id"]]["jurisdiction"] == "SG"
    }
    assert len(with_sg - linked) >= 4


def test_cycle_is_not_walked_twice() -> None:
    out = defaultdict(set)
    for r in ownership():
        out[r["owner_id"]].add(r["owned_id"])
    assert "cy-01" in out["hk-01"] and "vg-01" in out["cy-01"] and "hk-01" in out["vg-01"]
    for path in chains("2022-07-01", "JP", "RU"):
        assert len(path) == len(set(path))


def test_operates_in_russia_from_elsewhere() -> None:
    ents = entities()
    elsewhere = [
        eid
        for eid, e in ents.items()
        if "RU" in split(e["operates_in"]) and e["jurisdiction"] != "RU"
    ]
    assert {"cy-02", "ae-02"} <= set(elsewhere)
    # chain ends stay leaves: nothing reachable from a JP start continues past a Russian end
    ends = {p[-1] for p in chains("2022-07-01", "JP", "RU") | chains("2022-03-01", "JP", "RU")}
    assert not [r for r in ownership() if r["owner_id"] in ends]


# ------------------------------------------------------------------------- red flags


def test_shells_share_an_address_and_a_nominee_director() -> None:
    ents = entities()

    def norm(a: str) -> str:
        return re.sub(r"[^a-z0-9]", "", a.lower())

    groups = defaultdict(set)
    for eid, e in ents.items():
        if e["type"] == "company" and e["address"]:
            groups[norm(e["address"])].add(eid)
    (shells,) = [g for g in groups.values() if len(g) >= 4]
    assert len({ents[s]["address"] for s in shells}) >= 3, "expected spelling variants"
    directed = defaultdict(set)
    for r in officers():
        directed[r["person_id"]].add(r["company_id"])
    assert directed["p-01"] >= shells - {"sg-cs-01"}
    assert len(directed["p-01"]) >= 4 and ents["p-01"]["type"] == "person"


def test_officers_of_three_or_more_companies() -> None:
    counts = defaultdict(set)
    for r in officers():
        counts[r["person_id"]].add(r["company_id"])
    many = {p for p, cs in counts.items() if len(cs) >= 3}
    assert {"p-01", "p-02", "p-04", "p-09", "p-14", "sg-cs-01"} == many


# ------------------------------------------------------------------------- 50 percent rule


def blocked(on: str) -> dict[str, tuple[str, float, float]]:
    """OFAC 50% rule over direct stakes, iterated; a blocked owner's stake counts in full."""
    listed = {s["entity_id"] for s in sanctions() if in_force(s["listed_on"], s["delisted_on"], on)}
    edges = [r for r in ownership() if in_force(r["start_date"], r["end_date"], on)]

    def closure(bound: str) -> tuple[set[str], dict[str, float]]:
        blk = set(listed)
        while True:
            agg: dict[str, float] = defaultdict(float)
            for r in edges:
                if r["owner_id"] in blk:
                    agg[r["owned_id"]] += float(r["share"] or r[bound])
            new = {k for k, v in agg.items() if v >= 50} - blk
            if not new:
                return blk, agg
            blk |= new

    low, agg_low = closure("share_min")
    high, agg_high = closure("share_max")
    result = {}
    for eid in high:
        status = "listed" if eid in listed else "blocked" if eid in low else "possibly-blocked"
        result[eid] = (status, agg_low.get(eid, 0.0), agg_high.get(eid, 0.0))
    return result


BLOCKED_2022_07_01 = {
    "ru-mine-01": "listed",
    "p-10": "listed",
    "ru-svc-01": "listed",
    "ru-sub-01": "blocked",
    "ru-sub-02": "blocked",
    "ru-sub-03": "blocked",
    "ru-sub-06": "blocked",
    "ru-sub-07": "blocked",
    "ru-sub-08": "blocked",
    "ru-svc-02": "blocked",
    "ru-sub-05": "possibly-blocked",
}


def test_fifty_percent_rule_as_in_readme() -> None:
    assert blocked("2022-03-01") == {}
    result = blocked("2022-07-01")
    assert {k: v[0] for k, v in result.items()} == BLOCKED_2022_07_01
    assert result["ru-sub-03"][1:] == (59.0, 59.0)  # 49 + 10 from two blocked owners
    assert result["ru-sub-05"][1:] == (40.0, 60.0)  # band
    assert result["ru-sub-07"][1:] == (50.0, 50.0)  # 25 + 25 from two blocked subsidiaries
    assert result["ru-sub-08"][1:] == (50.0, 50.0)  # not 25.5: stakes are not multiplied
    later = blocked("2024-01-01")
    assert {k: v[0] for k, v in later.items()} == {
        k: v for k, v in BLOCKED_2022_07_01.items() if k not in {"ru-svc-01", "ru-svc-02"}
    }


def test_thirty_percent_subsidiary_is_not_blocked() -> None:
    owners = [r for r in ownership() if r["owned_id"] == "ru-sub-04"]
    assert {(r["owner_id"], r["share"]) for r in owners} == {("ru-mine-01", "30"), ("p-11", "70")}
    assert "ru-sub-04" not in blocked("2022-07-01")
    assert "ru-sub-09" not in blocked("2022-07-01")


# ------------------------------------------------------------------------- README and sources


def test_readme_says_fictional_at_the_top() -> None:
    head = (SEED / "README.md").read_text(encoding="utf-8")[:600].lower()
    assert "fictional" in head


def test_readme_lists_the_answers() -> None:
    text = (SEED / "README.md").read_text(encoding="utf-8")
    for path in list(NO_VIA_2022_03_01) + list(NO_VIA_2022_07_01):
        assert " → ".join(path) in text, path
    for eid in BLOCKED_2022_07_01:
        assert f"`{eid}`" in text, eid


def test_sources_toml() -> None:
    data = tomllib.loads((SEED / "sources.toml").read_text(encoding="utf-8"))
    assert data == {
        "source": [{"name": "seed-registry", "path": "registry", "format": "csv"}],
        "watch": [{"from": "JP", "to": "RU"}],
    }
    assert (SEED / data["source"][0]["path"] / "entities.csv").is_file()

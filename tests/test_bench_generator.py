"""The synthetic registry generator (bench/generate.py): determinism, contract format, realism."""

from __future__ import annotations

import csv
import os
import re
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402

COMPANIES = 2000
FILES = ("entities.csv", "ownership.csv", "officers.csv", "sanctions.csv")

# CONTRACT.md section 2, in the contract's order.
HEADERS = {
    "entities.csv": [
        "id",
        "type",
        "name",
        "jurisdiction",
        "registration_number",
        "incorporation_date",
        "dissolution_date",
        "address",
        "operates_in",
        "tags",
        "aliases",
    ],
    "ownership.csv": [
        "owner_id",
        "owned_id",
        "share",
        "share_min",
        "share_max",
        "start_date",
        "end_date",
    ],
    "officers.csv": ["person_id", "company_id", "role", "start_date", "end_date"],
    "sanctions.csv": ["entity_id", "authority", "program", "listed_on", "delisted_on"],
}
DATE_COLUMNS = {
    "entities.csv": ("incorporation_date", "dissolution_date"),
    "ownership.csv": ("start_date", "end_date"),
    "officers.csv": ("start_date", "end_date"),
    "sanctions.csv": ("listed_on", "delisted_on"),
}
ISO2 = re.compile(r"^[A-Z]{2}$")


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    with open(folder / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _bytes(folder: Path) -> dict[str, bytes]:
    return {f: (folder / f).read_bytes() for f in FILES}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("bench") / "a"
    counts = generate(out, COMPANIES, seed=42)
    return out, counts


@pytest.fixture(scope="module")
def data(dataset) -> dict[str, list[dict[str, str]]]:
    folder, _ = dataset
    return {f: _rows(folder, f) for f in FILES}


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_bytes(dataset, tmp_path):
    folder, _ = dataset
    again = tmp_path / "b"
    generate(again, COMPANIES, seed=42)
    assert _bytes(again) == _bytes(folder)


def test_identical_across_processes_and_hash_seeds(dataset, tmp_path):
    """The CLI in a fresh interpreter with another PYTHONHASHSEED writes the same bytes."""
    folder, _ = dataset
    out = tmp_path / "cli"
    env = dict(os.environ, PYTHONHASHSEED="12345")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.generate",
            "--companies",
            str(COMPANIES),
            "--out",
            str(out),
            "--seed",
            "42",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert _bytes(out) == _bytes(folder)


def test_different_seed_gives_different_data(dataset, tmp_path):
    folder, _ = dataset
    other = tmp_path / "c"
    generate(other, COMPANIES, seed=7)
    a, b = _bytes(folder), _bytes(other)
    assert a["entities.csv"] != b["entities.csv"]
    assert a["ownership.csv"] != b["ownership.csv"]


# --------------------------------------------------------------------------- format


def test_headers_follow_the_contract(dataset):
    folder, _ = dataset
    for name, header in HEADERS.items():
        with open(folder / name, encoding="utf-8", newline="") as fh:
            assert next(csv.reader(fh)) == header, name


def test_returned_counts_match_the_files(dataset, data):
    _, counts = dataset
    assert counts == {f: len(data[f]) for f in FILES}
    companies = sum(1 for r in data["entities.csv"] if r["type"] == "company")
    persons = sum(1 for r in data["entities.csv"] if r["type"] == "person")
    assert companies == COMPANIES
    assert 0.25 * COMPANIES <= persons <= 0.35 * COMPANIES


def test_entity_ids_unique_and_well_formed(data):
    ids = [r["id"] for r in data["entities.csv"]]
    assert len(ids) == len(set(ids))
    for r in data["entities.csv"]:
        assert r["type"] in ("company", "person")
        assert re.fullmatch(r"c\d{7}" if r["type"] == "company" else r"p\d{7}", r["id"]), r["id"]
        assert r["name"].strip()
        assert ISO2.match(r["jurisdiction"]), r
        for code in filter(None, r["operates_in"].split(";")):
            assert ISO2.match(code), r
        if r["type"] == "company":
            assert r["registration_number"]


def test_registration_numbers_unique_per_jurisdiction(data):
    seen = Counter(
        (r["jurisdiction"], r["registration_number"])
        for r in data["entities.csv"]
        if r["type"] == "company"
    )
    assert max(seen.values()) == 1
    companies = [r for r in data["entities.csv"] if r["type"] == "company"]
    jp = [r["registration_number"] for r in companies if r["jurisdiction"] == "JP"]
    ru = [r["registration_number"] for r in companies if r["jurisdiction"] == "RU"]
    assert jp and all(re.fullmatch(r"\d{13}", n) for n in jp)
    assert ru and all(re.fullmatch(r"[15]\d{12}", n) for n in ru)


def test_every_reference_exists(data):
    types = {r["id"]: r["type"] for r in data["entities.csv"]}
    for r in data["ownership.csv"]:
        assert r["owner_id"] in types, r
        assert types.get(r["owned_id"]) == "company", r
    for r in data["officers.csv"]:
        assert types.get(r["person_id"]) == "person", r
        assert types.get(r["company_id"]) == "company", r
    for r in data["sanctions.csv"]:
        assert r["entity_id"] in types, r
        assert r["authority"] in ("OFAC", "EU", "UK", "JP-MOF")


def test_all_dates_are_real_and_ordered(data):
    for name, cols in DATE_COLUMNS.items():
        for r in data[name]:
            days = []
            for c in cols:
                if r[c]:
                    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r[c]), (name, r)
                    days.append(date.fromisoformat(r[c]))
            if len(days) == 2:
                assert days[0] < days[1], (name, r)


# --------------------------------------------------------------------------- ownership rules


def test_shares_and_bands(data):
    banded = 0
    for r in data["ownership.csv"]:
        if r["share"]:
            assert 0 < float(r["share"]) <= 100, r
            assert not r["share_min"] and not r["share_max"], r
        else:
            banded += 1
            lo, hi = float(r["share_min"]), float(r["share_max"])
            assert 0 < lo <= hi <= 100, r
    assert 0.05 <= banded / len(data["ownership.csv"]) <= 0.15


def test_no_self_ownership_or_duplicates(data):
    keys = Counter((r["owner_id"], r["owned_id"], r["start_date"]) for r in data["ownership.csv"])
    assert max(keys.values()) == 1
    assert all(r["owner_id"] != r["owned_id"] for r in data["ownership.csv"])


def test_exact_shares_in_force_rarely_exceed_100(data):
    today = "2025-01-01"
    total: dict[str, float] = defaultdict(float)
    for r in data["ownership.csv"]:
        if r["share"] and (not r["end_date"] or r["end_date"] > today):
            total[r["owned_id"]] += float(r["share"])
    over = sum(1 for v in total.values() if v > 100.0001)
    assert over <= 0.02 * len(total)


def test_ownership_edges_per_company(data):
    ratio = len(data["ownership.csv"]) / COMPANIES
    assert 1.2 <= ratio <= 1.8, ratio


def test_some_edges_ended_and_start_dates_spread(data):
    rows = data["ownership.csv"]
    ended = sum(1 for r in rows if r["end_date"])
    assert 0.02 <= ended / len(rows) <= 0.10
    years = {int(r["start_date"][:4]) for r in rows}
    assert min(years) == 2005 and max(years) == 2024


def test_out_degree_is_heavy_tailed(data):
    out = Counter(r["owner_id"] for r in data["ownership.csv"])
    degrees = list(out.values())
    top, median = max(degrees), statistics.median(degrees)
    assert top >= 10 * median, (top, median)


def test_persons_own_companies(data):
    persons = sum(1 for r in data["ownership.csv"] if r["owner_id"].startswith("p"))
    assert persons / len(data["ownership.csv"]) > 0.2


def test_a_cycle_exists(data):
    adj: dict[str, list[str]] = defaultdict(list)
    for r in data["ownership.csv"]:
        adj[r["owner_id"]].append(r["owned_id"])
    state: dict[str, int] = {}  # 1 = on the DFS stack, 2 = done

    def find_cycle() -> list[str] | None:
        for root in list(adj):
            if root in state:
                continue
            path = [root]
            stack = [iter(adj[root])]
            state[root] = 1
            while stack:
                nxt = next(stack[-1], None)
                if nxt is None:
                    state[path.pop()] = 2
                    stack.pop()
                elif state.get(nxt) == 1:
                    return path[path.index(nxt) :] + [nxt]
                elif nxt not in state:
                    state[nxt] = 1
                    path.append(nxt)
                    stack.append(iter(adj.get(nxt, ())))
        return None

    cycle = find_cycle()
    assert cycle is not None
    assert cycle[0] == cycle[-1] and len(cycle) >= 3  # A -> ... -> A, at least two companies


# --------------------------------------------------------------------------- addresses, officers…


def test_mass_registration_address_exists(data):
    addresses = Counter(
        r["address"] for r in data["entities.csv"] if r["type"] == "company" and r["address"]
    )
    assert addresses.most_common(1)[0][1] >= 20
    unique = sum(1 for c in addresses.values() if c == 1)
    assert unique >= 0.7 * COMPANIES  # most companies still have their own address


def test_officers_about_one_per_company_with_nominee_hubs(data):
    rows = data["officers.csv"]
    assert 0.8 <= len(rows) / COMPANIES <= 1.4
    per_person = Counter(r["person_id"] for r in rows)
    assert per_person.most_common(1)[0][1] >= 20
    assert len({(r["person_id"], r["company_id"], r["role"]) for r in rows}) == len(rows)


def test_sanctions_share_and_realism(data):
    listed = {r["entity_id"] for r in data["sanctions.csv"]}
    share = len(listed) / len(data["entities.csv"])
    assert 0.001 <= share <= 0.015, share
    for r in data["sanctions.csv"]:
        assert "2014-01-01" <= r["listed_on"] <= "2024-12-31"


def test_jurisdiction_mix_and_tags(data):
    companies = [r for r in data["entities.csv"] if r["type"] == "company"]
    jur = Counter(r["jurisdiction"] for r in companies)
    for code in ("JP", "RU", "SG", "HK", "CY", "AE", "VG", "GB", "US", "DE"):
        assert jur[code] > 0, code
    assert jur["JP"] + jur["RU"] > 0.12 * COMPANIES
    ru_ops = sum(1 for r in companies if "RU" in r["operates_in"].split(";"))
    assert 0.01 * COMPANIES <= ru_ops <= 0.06 * COMPANIES
    allowed = {"crypto-exchange", "crypto-miner", "crypto-mining"}
    assert {t for r in companies for t in r["tags"].split(";") if t} <= allowed

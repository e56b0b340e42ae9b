"""The "why" tree of the 50 percent rule, ownership gaps and the HTML report, on the seed
(answers worked out by hand from ``seed/registry``; see ``seed/README.md``)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from conftest import REPO, company, owns

from ownership.analysis import gaps, owners, why
from ownership.analysis.entities import resolve
from ownership.analysis.flag_evidence import flag_evidence
from ownership.analysis.profile import entity_profile
from ownership.loader import import_paths

JULY = dt.date(2022, 7, 1)
XSS = '<img src=x onerror="window.__xss=1">'


@pytest.fixture()
def seed(graph):
    import_paths(graph, [REPO / "seed" / "registry"], "seed-registry", "csv")
    return graph


def test_why_tree_of_ust_ilimsk_hash(seed):
    """ru-sub-07: 25 % ru-sub-02 (blocked: 51 % ru-mine-01) + 25 % ru-sub-03 (blocked: 49 %
    ru-mine-01 + 10 % p-10), ru-mine-01 and p-10 listed by OFAC on 2022-04-20."""
    tree = why.rule_status(seed, "seed-registry:ru-sub-07", JULY).tree
    assert tree is not None and tree.status == "blocked" and tree.blocked_share_min == 50
    assert [(o.id, o.stake["share"], o.status) for o in tree.owners] == [
        ("ru-sub-02", 25.0, "blocked"),
        ("ru-sub-03", 25.0, "blocked"),
    ]
    sub03 = tree.owners[1]
    assert [(o.id, o.stake["share"], o.status) for o in sub03.owners] == [
        ("ru-mine-01", 49.0, "listed"),
        ("p-10", 10.0, "listed"),
    ]
    listings = {(x["authority"], x["program"], x["listed_on"]) for x in sub03.owners[0].listings}
    assert listings == {
        ("OFAC", "RUSSIA-EO14024", "2022-04-20"),
        ("EU", "EU-269/2014", "2022-06-03"),
    }
    text = tree.text().splitlines()
    assert text[0] == "OOO Ust-Ilimsk Hash [ru-sub-07, RU]: blocked (50% held by blocked parties)"
    assert "  25% held by OOO Kedr Hosting Bratsk [ru-sub-02, RU]: blocked" in text[1]
    assert "      listed: OFAC RUSSIA-EO14024 since 2022-04-20" in text


def test_why_possibly_blocked_band_and_not_caught(seed):
    tree = why.rule_status(seed, "seed-registry:ru-sub-05", JULY).tree
    assert tree is not None and tree.status == "possibly-blocked"
    assert [(o.id, o.stake["share_min"], o.stake["share_max"]) for o in tree.owners] == [
        ("ru-mine-01", 40.0, 60.0)
    ]
    assert "40–60% held by AO Kedr Hashpower" in tree.text()
    short = why.rule_status(seed, "seed-registry:ru-sub-04", JULY)  # 30 %: not blocked
    assert short.status == "" and short.tree is not None
    assert short.tree.text().splitlines()[:2] == [
        "OOO Taishet Data [ru-sub-04, RU]: not blocked (30% held by blocked parties)",
        "  30% held by AO Kedr Hashpower [ru-mine-01, RU]: listed",
    ]
    assert short.summary().endswith("own 30% of it in aggregate; at least 50% blocks.")
    before = why.rule_status(seed, "seed-registry:ru-sub-07", dt.date(2022, 3, 1))
    assert before.tree is None and not before.relevant  # nobody listed yet


def _gap(graph, ref: str, day: dt.date = JULY) -> gaps.Gap:
    subject = resolve(graph, ref)
    return gaps.ownership_gap(graph, subject, day, owners.owners(graph, subject, day))


def test_ownership_gaps(seed):
    jp = _gap(seed, "jp-ex-01")  # 62 % jp-hd-01, which has no owner on record
    assert (jp.known_min, jp.known_max, jp.person_reached) == (62, 62, False)
    assert jp.text() == "62 % known; 38 % unaccounted for; no natural person reached"
    dc = _gap(seed, "ru-dc-01")  # 90 % sg-shell-02 + 10 % p-09
    assert (dc.known_min, dc.unaccounted_max, dc.direct_owners) == (100, 0, 2)
    # seed README: the persons among ru-dc-01's owners are p-09, p-05 and p-02
    assert dc.persons == ["Eleni Charalambous", "Marios Theodoulou", "Timur Rinatovich Sabitov"]
    band = _gap(seed, "ru-sub-05")  # two 40–60 % bands
    assert (band.known_min, band.known_max, band.unaccounted_min, band.unaccounted_max) == (
        80,
        100,
        0,
        20,
    )
    assert band.text().startswith("80–100 % known; 0–20 % unaccounted for")
    alone = _gap(seed, "jp-hd-01")
    assert (alone.known_max, alone.direct_owners) == (0, 0)


def test_report_on_a_blocked_company(seed, run_cli, tmp_path: Path):
    out = tmp_path / "ru-sub-07.html"
    result = run_cli("report", "ru-sub-07", "--as-of", "2022-07-01", "--out", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "blocked under the OFAC 50 percent rule" in page
    assert "As of 2022-07-01" in page
    assert page.count("<svg") == 2  # the why tree and the timeline
    assert "25% held by OOO Kedr Hosting Bratsk [ru-sub-02, RU]: blocked" in page
    # every source record: the entity record and the three ownership statements into it
    sources = page[page.index("<h2>Source records</h2>") :]
    assert sources.count("<tr>") == 1 + 4
    assert "seed-registry:own:p-11|ru-sub-07|2021-02-24" in sources
    assert "seed/registry/ownership.csv" in sources and "seed/registry/entities.csv" in sources
    _self_contained(page)


def test_report_shows_the_ended_direct_stake(seed, run_cli, tmp_path: Path):
    out = tmp_path / "jp-ex-01.html"
    assert run_cli("report", "jp-ex-01", "--as-of", "2022-07-01", "--out", str(out)).exit_code == 0
    page = out.read_text(encoding="utf-8")
    row = re.search(r"<tr><td>holds</td><td>OOO Angara Hosting</td>.*?</tr>", page)
    assert row and "2019-05-14" in row.group(0) and "2022-04-01" in row.group(0)
    assert "62 % known; 38 % unaccounted for; no natural person reached" in page
    assert "neither listed nor blocked" in page
    _self_contained(page)


def test_report_escapes_names(graph, make_dataset, run_cli, tmp_path: Path):
    folder = make_dataset(
        [company("x1", "JP", name=XSS), company("x2", "RU", name="<script>alert(1)</script>")],
        [owns("x1", "x2", 75, start_date="2021-01-01")],
    )
    import_paths(graph, [folder], "hostile", "csv")
    out = tmp_path / "x.html"
    assert run_cli("report", "hostile:x2", "--out", str(out)).exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert XSS not in page and "<script" not in page
    assert "&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;" in page
    _self_contained(page)


def test_report_needs_a_known_entity(seed, run_cli, tmp_path: Path):
    result = run_cli("report", "nobody", "--out", str(tmp_path / "r.html"))
    assert result.exit_code == 1 and "no entity matches" in result.output
    assert not (tmp_path / "r.html").exists()


def _self_contained(page: str) -> None:
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"<[^>]*\b(?:src|href)\s*=", page, re.IGNORECASE)  # in a tag
    assert "<script" not in page.lower() and "@import" not in page


# Companies some natural person reaches on 2022-07-01, worked out from seed/registry: p-07
# ru-otc-01; p-05 cy-02 and cy-01 (so vg-01, hk-01, sg-shell-02, ru-dc-01); p-09 ru-dc-01,
# ru-dc-02, ru-svc-01 (so ru-svc-02); p-06 ae-01; p-08 ru-mine-02; p-14 sg-sub-11; p-01
# sg-shell-03, sg-shell-04; p-10, p-11, p-12 ru-mine-01 and ru-sub-01 … ru-sub-09. 25 of 80.
REACHED = {
    "ru-otc-01", "cy-02", "cy-01", "vg-01", "hk-01", "sg-shell-02", "ru-dc-01", "ru-dc-02",
    "ae-01", "ru-svc-01", "ru-svc-02", "ru-mine-02", "sg-sub-11", "sg-shell-03", "sg-shell-04",
    "ru-mine-01", *(f"ru-sub-0{i}" for i in range(1, 10)),
}  # fmt: skip


def test_gaps_filter_companies_with_no_ultimate_owner(seed, run_cli):
    result = run_cli("gaps", "--as-of", "2022-07-01", "--format", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    every = json.loads(run_cli("gaps", "--all", "--as-of", "2022-07-01", "--format", "json").output)
    assert len(every) == 80 and len(found) == 80 - 25
    assert {c["id"] for c in every if c["person_reached"]} == REACHED
    assert not any(c["person_reached"] for c in found)
    by_id = {c["id"]: c for c in found}
    assert (by_id["jp-ex-01"]["known_min"], by_id["jp-ex-01"]["unaccounted_max"]) == (62, 38)
    assert by_id["sg-shell-05"]["known_max"] == 100  # owned by a company no person owns
    # largest unaccounted share first: the 0 %-known companies, then jp-ex-01, then the rest
    unaccounted = [c["unaccounted_max"] for c in found]
    assert unaccounted == sorted(unaccounted, reverse=True)
    assert found[unaccounted.index(38)]["id"] == "jp-ex-01"


def test_flag_evidence_of_the_shell_and_the_cycle(seed):
    """seed README: six companies at 88 Merbau Crescent #05-01 (written three ways); p-01 and
    sg-cs-01 serve all five shells; p-04 serves jp-ex-01, jp-hd-01 and sg-shell-01; the cycle
    hk-01 → cy-01 → vg-01."""
    shell = resolve(seed, "sg-shell-01")
    found = flag_evidence(seed, entity_profile(seed, shell, JULY), JULY)
    by_title = {e.title: e for e in found}
    address = next(e for e in found if e.flag == "shared-address")
    assert address.total == 6 and {x["id"] for x in address.entities} == {
        "sg-shell-01", "sg-shell-02", "sg-shell-03", "sg-shell-04", "sg-shell-05", "sg-cs-01"
    }  # fmt: skip
    hubs = {
        t: {x["id"] for x in e.entities} for t, e in by_title.items() if e.flag == "officer-hub"
    }
    assert hubs == {
        "Desmond Quek Jun Hao (nominee-director here) is an officer of 5 companies": {
            "sg-shell-02", "sg-shell-03", "sg-shell-04", "sg-shell-05"
        },
        "Merbau Corporate Services Pte. Ltd. (secretary here) is an officer of 5 companies": {
            "sg-shell-02", "sg-shell-03", "sg-shell-04", "sg-shell-05"
        },
        "Kenji Tsubota (director here) is an officer of 3 companies": {"jp-ex-01", "jp-hd-01"},
    }  # fmt: skip
    cycle = flag_evidence(seed, entity_profile(seed, resolve(seed, "cy-01"), JULY), JULY)
    assert [[x["id"] for x in e.entities] for e in cycle if e.flag == "circular-ownership"] == [
        ["cy-01", "vg-01", "hk-01"]
    ]
    nominee = flag_evidence(seed, entity_profile(seed, resolve(seed, "p-01"), JULY), JULY)
    assert [(e.flag, e.total) for e in nominee] == [("officer-hub", 5)]


def test_report_lists_flag_evidence(seed, run_cli, tmp_path: Path):
    out = tmp_path / "shell.html"
    assert (
        run_cli("report", "sg-shell-01", "--as-of", "2022-07-01", "--out", str(out)).exit_code == 0
    )
    page = out.read_text(encoding="utf-8")
    assert "<h3>shared-address: 6 companies registered at 88 Merbau Crescent" in page
    assert "Desmond Quek Jun Hao (nominee-director here) is an officer of 5 companies" in page

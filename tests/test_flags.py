"""Red flags on a small graph built to show each pattern once."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import company, owns, person

from ownership.analysis.flags import FlagSettings, red_flags
from ownership.loader import import_paths

AS_OF = dt.date(2022, 7, 1)


@pytest.fixture()
def patterns(graph, make_dataset):
    folder = make_dataset(
        [
            company("s1", "SG", address="88 Merbau Crescent #05-01"),
            company("s2", "SG", address="88 MERBAU CRESCENT # 05-01"),
            company("s3", "SG", address="88 Merbau Crescent, #05-01"),
            company("s4", "SG", address="1 Other Road"),
            person("nom", "SG", name="Nominee Director"),
            company("c1", "HK"),
            company("c2", "CY"),
            company("c3", "VG"),
            company("t1", "GB"),
            company("t2", "GB"),
            company("t3", "GB"),
            company("jp", "JP"),
            company("shell", "SG", incorporation_date="2022-03-10"),
            company("ru", "RU"),
            company("old", "SG", incorporation_date="2010-01-01"),
            company("ru2", "RU"),
            person("L", "RU", name="Listed Person"),
            company("lsub", "RU"),
            company("buyer", "AE"),
            company("vgx", "VG"),
            company("ru3", "RU"),
        ],
        [
            owns("c1", "c2", 60),
            owns("c2", "c3", 51),
            owns("c3", "c1", 20),
            owns("t1", "t3", 60),
            owns("t2", "t3", 50),
            owns("jp", "shell", 100, start_date="2022-03-10"),
            owns("shell", "ru", 100, start_date="2022-04-01"),
            owns("jp", "old", 100, start_date="2010-01-01"),
            owns("old", "ru2", 100, start_date="2015-02-01"),
            owns("L", "lsub", 100, start_date="2015-01-01", end_date="2022-05-10"),
            owns("buyer", "lsub", 100, start_date="2022-05-10"),
            owns("jp", "vgx", 100),
            owns("vgx", "ru3", 100),
        ],
        [
            {"person_id": "nom", "company_id": c, "role": "nominee-director"}
            for c in ("s1", "s2", "s3")
        ],
        [
            {
                "entity_id": "L",
                "authority": "OFAC",
                "program": "RUSSIA-EO14024",
                "listed_on": "2022-04-20",
            }
        ],
    )
    import_paths(graph, [folder], "f")
    return graph


def by_flag(flags):
    grouped: dict[str, set[str]] = {}
    for flag in flags:
        grouped.setdefault(flag.flag, set()).add(flag.id)
    return grouped


def test_each_pattern_is_flagged(patterns):
    found = by_flag(red_flags(patterns, as_of=AS_OF))
    assert found["shared-address"] == {"s1", "s2", "s3"}
    assert found["officer-hub"] == {"nom"}
    assert found["circular-ownership"] == {"c1", "c2", "c3"}
    assert found["shares-over-100"] == {"t3"}
    assert found["new-intermediary"] == {"shell"}  # "old" acquired ru2 years after incorporation
    assert found["restructured-after-listing"] == {"lsub"}
    # vgx (VG) sits between jp and ru3; buyer (AE) owns a Russian company but has no owner,
    # so it is no intermediary; the CY/HK/VG ring leads to nothing watched
    assert found["secrecy-jurisdiction-intermediary"] == {"vgx"}


def test_details_name_the_evidence_and_thresholds(patterns):
    flags = {(f.id, f.flag): f.detail for f in red_flags(patterns, as_of=AS_OF)}
    assert flags[("s1", "shared-address")].startswith("one of 3 companies registered at")
    assert "(threshold 3)" in flags[("s1", "shared-address")]
    assert flags[("nom", "officer-hub")].startswith("officer of 3 companies (threshold 3)")
    assert "c1 Ltd -> c2 Ltd -> c3 Ltd -> c1 Ltd" in flags[("c1", "circular-ownership")]
    assert "110%" in flags[("t3", "shares-over-100")]
    assert "22 days later" in flags[("shell", "new-intermediary")]
    assert (
        "ended 2022-05-10" in flags[("lsub", "restructured-after-listing")]
        or "began 2022-05-10" in flags[("lsub", "restructured-after-listing")]
    )


def test_thresholds_are_configurable(patterns):
    strict = FlagSettings(address_threshold=4, officer_threshold=4, new_intermediary_days=10)
    found = by_flag(red_flags(patterns, strict, as_of=AS_OF))
    assert "shared-address" not in found and "officer-hub" not in found
    assert "new-intermediary" not in found


def test_as_of_before_the_patterns(patterns):
    found = by_flag(red_flags(patterns, as_of=dt.date(2022, 1, 1)))
    assert "new-intermediary" not in found
    assert "restructured-after-listing" not in found


def test_cli_flags_json_one_item_per_entity_and_flag(patterns, run_cli):
    result = run_cli("flags", "--as-of", "2022-07-01", "--format", "json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    assert all(set(i) >= {"id", "name", "flag", "detail"} for i in items)
    keys = [(i["id"], i["flag"]) for i in items]
    assert len(keys) == len(set(keys))
    fewer = json.loads(run_cli("flags", "--address-threshold", "4", "--format", "json").stdout)
    assert not any(i["flag"] == "shared-address" for i in fewer)


def test_profile_shows_the_chain_flags_of_its_entity(patterns):
    from ownership.analysis.entities import resolve
    from ownership.analysis.profile import entity_profile

    shell = entity_profile(patterns, resolve(patterns, "shell"), AS_OF)
    assert {f.flag for f in shell.flags} == {"new-intermediary"}
    assert "22 days later" in shell.flags[0].detail
    vgx = entity_profile(patterns, resolve(patterns, "vgx"), AS_OF)
    assert {f.flag for f in vgx.flags} == {"secrecy-jurisdiction-intermediary"}
    assert entity_profile(patterns, resolve(patterns, "old"), AS_OF).flags == []


def test_profile_over_100_counts_direct_shares_only(graph, make_dataset):
    """P owns 60% of T directly and, through S, more of it: direct shares add up to 100, so
    no flag (summing effective shares would wrongly give 60 + 40 + 24)."""
    from ownership.analysis.entities import resolve
    from ownership.analysis.profile import entity_profile

    folder = make_dataset(
        [person("P", "JP"), company("S", "JP"), company("T", "JP")],
        [owns("P", "T", 60), owns("S", "T", 40), owns("P", "S", 60)],
    )
    import_paths(graph, [folder], "d")
    target = entity_profile(graph, resolve(graph, "T"), AS_OF)
    assert [f.flag for f in target.flags] == []
    assert {h.id: h.effective_share for h in target.owners}["P"] == 84.0

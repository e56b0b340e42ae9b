"""The UK PSC importer: the real snapshot sample, counts checked with jq, and hostile input.

Counts over psc_snapshot_sample_bods-uk-psc-pipeline.jsonl, computed outside the importer:

    jq -s 'map(select(.company_number and .data.kind))
      | {lines: length, companies: (map(.company_number) | unique | length),
         persons: map(select(.data.kind | startswith("individual"))) | length,
         corporate: map(select(.data.kind | test("^(corporate-entity|legal-person)"))) | length,
         natures: (map(select(.data.kind | test("^(individual|corporate-entity|legal-person)"))
                   | .data.natures_of_control | length) | add)}'

gives 19 lines, 18 companies (08209948 has a PSC and a PSC statement), 5 individuals, 12
corporate or legal-person PSCs (one a registered overseas entity's beneficial owner) and 31
natures of control. The 20th line is the snapshot's totals; one PSC is super-secure.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from ownership import sources
from ownership.cypher import Query
from ownership.loader import import_paths, validate
from ownership.problems import InvalidData, ProblemLog
from ownership.records import Entity, Ownership
from ownership.sources.uk_psc import FORMAT, country_code, nationality_codes, nature_of_control

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
PSC_DIR = REAL / "uk_psc"
SNAPSHOT = PSC_DIR / "psc_snapshot_sample_bods-uk-psc-pipeline.jsonl"
BASIC = PSC_DIR / "basic_company_data_sample_bods-uk-psc-pipeline.json"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"real-data sample {path} is absent (see shared/data/real/README.md)")
    return path


def read(path: Path) -> tuple[list, ProblemLog]:
    problems = ProblemLog()
    return list(FORMAT.read(path, "src", problems)), problems


def by_id(records: list) -> dict[str, object]:
    return {r.id if isinstance(r, Entity) else r.provenance.record_id: r for r in records}


@pytest.fixture()
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The format is not registered by the project yet: make ``validate`` find it."""
    monkeypatch.setitem(sources.FORMATS, FORMAT.name, FORMAT)


# -- the real snapshot -----------------------------------------------------------------------


@pytest.mark.real_data
def test_snapshot_counts():
    records, problems = read(need(SNAPSHOT))
    assert problems.problems == []
    entities = [r for r in records if isinstance(r, Entity)]
    companies = [e for e in entities if e.id.startswith("GB-COH-")]
    assert len(companies) == 18  # distinct company_number values (jq)
    assert Counter(e.kind for e in entities if e not in companies) == {"person": 5, "company": 12}
    edges = [r for r in records if isinstance(r, Ownership)]
    assert len(edges) == 31  # one edge per nature of control (jq)
    # jq group_by over natures: shares 25-50 x2, 75-100 x13, "more than 25" (overseas) x2;
    # voting 25-50 x2, 75-100 x7; appoint directors x3 and significant influence x2: control.
    assert Counter(e.kind for e in edges) == {"shareholding": 17, "voting": 9, "control": 5}
    assert len(records) == 18 + 17 + 31


@pytest.mark.real_data
def test_snapshot_known_values():
    found = by_id(read(need(SNAPSHOT))[0])
    company = found["GB-COH-08209948"]  # no Basic Company Data given: named by its number
    assert (company.kind, company.name, company.jurisdiction) == ("company", "08209948", "GB")
    assert company.identifiers == ("reg:GB:08209948",) and company.registration_number == "08209948"

    feldman = found["FReSTxwXcJbAHBrerDpmTylkW48"]  # the last segment of data.links.self
    assert (feldman.kind, feldman.name, feldman.jurisdiction) == (
        "person",
        "Mr Marc Anthony Feldman",
        "GB",
    )
    assert feldman.extra["nationality"] == "British" and feldman.extra["birth_date"] == "1961-12"
    share = found["FReSTxwXcJbAHBrerDpmTylkW48#ownership-of-shares-75-to-100-percent"]
    assert (share.owner_id, share.owned_id) == (feldman.id, "GB-COH-08209948")
    assert (share.share, share.share_min, share.share_max) == (None, 75, 100)
    assert str(share.start_date) == "2021-12-13" and share.end_date is None
    assert share.direct is None and "share_min_exclusive" not in share.extra  # "75% or more"

    assert found["w4N_sH7yjfQmrQl93tx5yu7WW50"].jurisdiction == "PL"  # "Polish"

    wpp = found["wvnck5c6qyZHeG02DZYH-0_dGYM#voting-rights-25-to-50-percent"]
    assert (wpp.kind, wpp.share_min, wpp.share_max) == ("voting", 25, 50)
    assert wpp.extra == {"share_min_exclusive": True}  # "more than 25% but not more than 50%"

    czech = found[
        "28NaTOioatSpvI7hNY3qz_fKYoI#ownership-of-shares-more-than-25-percent-registered-overseas-entity"
    ]
    assert (czech.kind, czech.share_min, czech.share_max) == ("shareholding", 25, 100)


@pytest.mark.real_data
def test_corporate_psc_carries_its_register_number():
    found = by_id(read(need(SNAPSHOT))[0])
    hitchins = found["4VX8NR7hszDG1wJAzQS9Oi7Z5c4"]  # "England & Wales", 00686734
    assert (hitchins.kind, hitchins.name) == ("company", "Robert Hitchins Limited")
    assert hitchins.jurisdiction == "GB" and hitchins.identifiers == ("reg:GB:00686734",)
    clientlogic = found["m5XNR_-nKtmMDh9BkcfpD7Pzkic"]  # "England And Wales"
    assert clientlogic.identifiers == ("reg:GB:03530981",)
    st_paul = found["YIVGZxjcS8tcf-5WdYZBtTTW-so"]  # "Minnesota, Usa": a state register number
    assert st_paul.jurisdiction == "US" and st_paul.identifiers == ()
    assert st_paul.registration_number == "41-0406690"
    draeger = found["OGSIqcY0YwpEmcz9iUdUt9gxo2I"]  # no country_registered at all
    assert draeger.jurisdiction is None and draeger.identifiers == ()


@pytest.mark.real_data
def test_ceased_psc_ends_every_edge_and_control_natures_have_no_share():
    records, _ = read(need(SNAPSHOT))
    ended = [r for r in records if isinstance(r, Ownership) and r.end_date]
    # jq: one PSC line has ceased_on (2018-02-27), with 4 natures of control.
    assert len(ended) == 4 and {str(r.end_date) for r in ended} == {"2018-02-27"}
    assert {r.interest_type for r in ended} == {
        "ownership-of-shares-75-to-100-percent",
        "voting-rights-75-to-100-percent",
        "right-to-appoint-and-remove-directors",
        "significant-influence-or-control",
    }
    for record in ended:
        if record.kind == "control":
            assert (record.share, record.share_min, record.share_max) == (None, None, None)


@pytest.mark.real_data
def test_super_secure_and_statements_add_only_the_company():
    found = by_id(read(need(SNAPSHOT))[0])
    assert "GB-COH-02443921" in found  # its only line is a super-secure PSC
    assert not any("NcZQQA0LMrXYV1u0fGRHLrGIL_I" in key for key in found)


@pytest.mark.real_data
def test_folder_with_basic_company_data_names_the_companies(tmp_path: Path):
    records, problems = read(need(PSC_DIR))
    assert problems.problems == []
    found = by_id(records)
    named = found["GB-COH-08209948"]
    assert named.name == "! LTD" and str(named.incorporation_date) == "2012-09-11"
    assert named.address == "9 PRINCES SQUARE, HARROGATE, HG1 1ND, ENGLAND"
    assert named.extra["sic_codes"] == ["99999 - Dormant Company"]
    assert named.provenance.file == str(BASIC)
    # 2 companies from Basic Company Data (one also in the snapshot) + 17 stubs + 17 PSCs.
    assert sum(isinstance(r, Entity) for r in records) == 2 + 17 + 17
    assert [r.id for r in records if isinstance(r, Entity)].count("GB-COH-08209948") == 1
    assert FORMAT.detect(PSC_DIR) and FORMAT.detect(BASIC) and FORMAT.detect(SNAPSHOT)


def test_country_and_nationality_spellings():
    assert country_code("England & Wales") == "GB" and country_code("Minnesota, Usa") == "US"
    assert country_code("Cayman Islands") == "KY" and country_code("Narnia") is None
    assert nationality_codes("British") == ["GB"] and nationality_codes("Welsh") == ["GB"]
    assert nationality_codes("British,Irish") == ["GB", "IE"] and nationality_codes("Martian") == []


def test_natures_of_control():
    assert nature_of_control("ownership-of-shares-50-to-75-percent-as-trust") == (
        "shareholding",
        50,
        75,
        {"share_min_exclusive": True, "share_max_exclusive": True},
    )
    assert nature_of_control(
        "right-to-share-surplus-assets-25-to-50-percent-limited-liability-partnership"
    )[:3] == (
        "shareholding",
        25,
        50,
    )
    assert nature_of_control(
        "right-to-appoint-and-remove-members-limited-liability-partnership"
    ) == (
        "control",
        None,
        None,
        {},
    )
    assert "not within 0 to 100" in nature_of_control("ownership-of-shares-75-to-150-percent")
    assert "not a nature of control" in nature_of_control("owns-the-moon")


# -- hostile input ---------------------------------------------------------------------------


def psc_line(number: str = "01234567", **data: object) -> str:
    base = {
        "kind": "individual-person-with-significant-control",
        "links": {"self": f"/company/{number}/persons-with-significant-control/individual/abc"},
        "name": "Ann Example",
        "nationality": "British",
        "natures_of_control": ["ownership-of-shares-25-to-50-percent"],
        "notified_on": "2020-01-01",
    }
    return json.dumps({"company_number": number, "data": {**base, **data}})


def test_bad_lines_are_problems_with_line_and_field(tmp_path: Path, registered):
    path = tmp_path / "psc.jsonl"
    lines = [
        psc_line(),
        '["not", "an", "object"]',
        psc_line(natures_of_control=["ownership-of-shares-75-to-150-percent", "owns-the-moon"]),
        psc_line(ceased_on="2019-01-01"),
        psc_line(kind="alien-with-significant-control"),
        json.dumps({"data": {"kind": "individual-person-with-significant-control"}}),
        psc_line()[:40],  # a cut-off last line: the download was truncated
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    records, problems = read(path)
    assert [(p.line, p.field) for p in problems.problems] == [
        (2, None),
        (3, "data.natures_of_control[0]"),
        (3, "data.natures_of_control[1]"),
        (4, "data.ceased_on"),
        (5, "data.kind"),
        (6, "company_number"),
        (7, None),
    ]
    assert all(p.file == str(path) for p in problems.problems)
    assert "not valid JSON" in problems.problems[-1].message
    assert Counter(type(r) for r in records) == {Entity: 2, Ownership: 1}  # line 1 only
    with pytest.raises(InvalidData) as caught:
        validate([path], "src", "psc")
    assert len(caught.value.problems) == 7


@pytest.mark.real_data
def test_truncated_basic_company_data(tmp_path: Path):
    folder = tmp_path / "psc"
    folder.mkdir()
    shutil.copy(need(SNAPSHOT), folder / SNAPSHOT.name)
    text = need(BASIC).read_text(encoding="utf-8")
    (folder / BASIC.name).write_text(text[: len(text) // 4], encoding="utf-8")  # inside [0]
    records, problems = read(folder)
    [problem] = problems.problems
    assert problem.file == str(folder / BASIC.name) and problem.field == "[0]"
    assert "truncated" in problem.message


# -- into the graph --------------------------------------------------------------------------

OWNED_BY = Query(
    "test_psc_owned_by",
    "MATCH (a:Entity)-[r:OWNS]->(b:Entity {name: $name}) "
    "RETURN a.name AS owner, r.kind AS kind, r.share_min AS low, r.share_max AS high "
    "ORDER BY kind",
    "test",
)
COUNT_OWNS = Query("test_psc_count_owns", "MATCH ()-[r:OWNS]->() RETURN count(r) AS n", "test")


@pytest.mark.real_data
def test_import_folder_into_the_graph(graph, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sources.FORMATS, FORMAT.name, FORMAT)
    summary = import_paths(graph, [need(PSC_DIR)], "psc-test", "psc")
    assert dict(summary.read) == {"entities": 36, "ownership": 31}
    assert graph.read(COUNT_OWNS) == [{"n": 31}]
    rows = graph.read(OWNED_BY, name="! LTD")  # named by Basic Company Data, owned per the PSC
    assert rows == [
        {"owner": "Mr Marc Anthony Feldman", "kind": "shareholding", "low": 75.0, "high": 100.0}
    ]

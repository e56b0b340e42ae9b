"""The ``ru-egrul`` format: FNS EGRUL open-data XML (real samples), exact fractional shares, a
foreign founder's effective share in the graph, transliterated names, bad input.

Counts are worked out here with ``xml.etree.ElementTree`` over the raw files (XPath), never with
the importer (checked by hand first with ``grep -c '<СвЮЛ'`` and ``grep -c '<УчрЮЛИн'``).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import REAL_DATA

from ownership.loader import import_paths
from ownership.problems import ProblemLog
from ownership.records import Entity, Officer, Ownership
from ownership.sources import resolve_format
from ownership.sources.ru_egrul import FORMAT

EGRUL = REAL_DATA / "ru_egrul"
BIG = EGRUL / "VO_RUGFO_0000_9965_20251102_d17fdf23-7079-4b06-a02b-f74405c08baa.xml.gz"
SAMPLES = [
    BIG,
    EGRUL / "VO_RUGFO_0000_9965_20251105_9461e1d5-bbb8-4659-8e86-91fc9dfd2e64.xml",
    EGRUL / "VO_RUGFO_0000_9965_20251116_c16d3011-7d08-44a1-b93c-9af6842a34d0.xml",
    EGRUL / "VitalBO_testEGRULNF.XML",
    EGRUL / "VitalBO_testEgrulNFForTestParser.XML",
    EGRUL / "OlegNyr_testData.XML",
]

pytestmark = pytest.mark.real_data


def needs(*paths: Path) -> None:
    for path in paths:
        if not path.exists():
            pytest.skip(f"real-data sample {path} is absent (see ../shared/data/real/README.md)")


def read(path: Path, source: str = "egrul") -> tuple[list, ProblemLog]:
    problems = ProblemLog()
    return list(FORMAT.read(path, source, problems)), problems


def companies(path: Path) -> dict[str, ET.Element]:
    """Each company's last ``СвЮЛ`` in the file, by OGRN (an update repeats a company)."""
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    root = ET.fromstring(data)
    return {e.get("ОГРН"): e for e in root.iter("СвЮЛ")}


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name[:40])
def test_real_files_counts_checked_by_xpath(path: Path) -> None:
    needs(path)
    assert resolve_format(path).name == "ru-egrul"
    expected = companies(path)
    records, problems = read(path)
    assert not problems.problems, problems.problems[:3]
    found = [r for r in records if isinstance(r, Entity) and r.id in expected]
    assert len(found) == len(expected)
    edges = [r for r in records if isinstance(r, Ownership)]
    founders = sum(len(list(e.findall("СвУчредит/*"))) for e in expected.values())
    assert len(edges) == founders
    officers = [r for r in records if isinstance(r, Officer)]
    directors = sum(
        len(e.findall("СведДолжнФЛ")) + len(e.findall("СвУпрОрг")) for e in expected.values()
    )
    assert len(officers) == directors
    closed = {o for o, e in expected.items() if e.find("СвПрекрЮЛ") is not None}
    assert {r.id for r in found if r.dissolution_date} == closed
    stated = {
        (o, i): f
        for o, e in expected.items()
        for i, f in enumerate(e.findall("СвУчредит/*"))
        if f.find("ДоляУстКап/РазмерДоли") is not None
    }
    assert sum(1 for r in edges if r.share is not None and "share_basis" not in r.extra) == len(
        stated
    )
    ids = {r.id for r in records if isinstance(r, Entity)}
    assert all(r.owner_id in ids and r.owned_id in ids for r in edges)


def test_fractions_are_exact_percents() -> None:
    needs(BIG)
    records, _ = read(BIG)
    edges = [r for r in records if isinstance(r, Ownership)]
    expected = []
    for ogrn, e in companies(BIG).items():
        for f in e.findall("СвУчредит/*/ДоляУстКап/РазмерДоли/ДробПрост"):
            expected.append(
                (ogrn, float(Fraction(int(f.get("Числит")), int(f.get("Знаменат"))) * 100))
            )
    assert (
        len(expected) == 6
    )  # of the file's 10 ДробПрост, the rest are own shares (СвДоляООО) or earlier states
    got = [(r.owned_id, r.share) for r in edges]
    for ogrn, share in expected:
        assert (ogrn, share) in got  # 1/11 is 9.0909…, not a rounded 9.09


def foreign_fraction_company() -> tuple[str, ET.Element, ET.Element]:
    """A company of the big sample with a foreign founder whose share is a simple fraction."""
    for ogrn, e in companies(BIG).items():
        for founder in e.findall("СвУчредит/УчрЮЛИн"):
            if founder.find("ДоляУстКап/РазмерДоли/ДробПрост") is not None:
                return ogrn, e, founder
    raise AssertionError("no foreign founder with a fractional share in the sample")


def test_foreign_founder_with_a_fraction_owns_its_exact_share(graph, run_cli) -> None:
    needs(BIG)
    ogrn, company, founder = foreign_fraction_company()
    fraction = founder.find("ДоляУстКап/РазмерДоли/ДробПрост")
    share = float(Fraction(int(fraction.get("Числит")), int(fraction.get("Знаменат"))) * 100)
    latin = founder.find("СвНаимЮЛПолнИн").get("НаимПолн")
    since = founder.find("ГРНДатаПерв").get("ДатаЗаписи")
    import_paths(graph, [BIG], "egrul")
    result = run_cli("owners", ogrn, "--format", "json")
    assert result.exit_code == 0, result.output
    owners = json.loads(result.output)
    expected_owners = company.findall("СвУчредит/*")
    assert len(owners) == len(expected_owners)
    (foreign,) = [o for o in owners if o["name"] == latin]
    assert foreign["effective_share"] == pytest.approx(share)
    assert foreign["jurisdiction"] == "GB"  # ОКСМ 826
    day_before = (dt.date.fromisoformat(since) - dt.timedelta(days=1)).isoformat()
    for as_of, present in ((day_before, False), (since, True)):  # from ГРНДатаПерв on
        listed = json.loads(run_cli("owners", ogrn, "--format", "json", "--as-of", as_of).output)
        assert any(o["name"] == latin for o in listed) is present
    shown = json.loads(run_cli("show", ogrn, "--format", "json").output)
    own = company.find("СвДоляООО/РазмерДоли/ДробПрост")
    if own is not None:
        assert shown["entity"]["own_shares_percentage"] == pytest.approx(
            float(Fraction(int(own.get("Числит")), int(own.get("Знаменат"))) * 100)
        )


def test_cyrillic_names_are_found_by_their_latin_spelling(graph, run_cli) -> None:
    path = SAMPLES[2]
    needs(path)
    (ogrn, company), *_ = companies(path).items()
    name = company.find("СвНаимЮЛ").get("НаимЮЛПолн")
    import_paths(graph, [path], "egrul")
    records, _ = read(path)
    entity = next(r for r in records if isinstance(r, Entity) and r.id == ogrn)
    latin = [a for a in entity.aliases if a.isascii()]
    assert latin
    fias = company.find("СвАдресЮЛ/СвАдрЮЛФИАС")
    assert entity.address.startswith(fias.get("Индекс") + ", ")  # postcode, then region down
    assert fias.find("НаимРегион").text in entity.address
    shown = json.loads(run_cli("show", latin[0], "--format", "json").output)
    assert shown["entity"]["name"] == name
    assert f"inn:{company.get('ИНН')}" in shown["entity"]["identifiers"]


def test_bad_shares_and_broken_xml_are_reported_with_line_and_path(tmp_path: Path) -> None:
    path = SAMPLES[4]
    needs(path)
    text = path.read_bytes().decode("cp1251")
    start = text.index("<ДоляУстКап")
    end = text.index("</ДоляУстКап>", start)
    bad = (
        text[:start]
        + (
            '<ДоляУстКап НоминСтоим="1"><РазмерДоли><ДробПрост Числит="1" Знаменат="0"/>'
            "</РазмерДоли>"
        )
        + text[end:]
    )
    broken = tmp_path / "bad.xml"
    broken.write_bytes(bad.encode("cp1251"))
    records, problems = read(broken)
    (problem,) = problems.problems
    assert problem.field.endswith("ДоляУстКап/РазмерДоли/ДробПрост")
    assert problem.line == bad[: bad.index("<СвЮЛ")].count("\n") + 1
    assert not records  # the company with the problem yields nothing
    cut = tmp_path / "cut.xml"
    cut.write_bytes(text[: len(text) // 2].encode("cp1251"))
    _, problems = read(cut)
    assert any("not well-formed" in p.message and p.line for p in problems.problems)


def test_two_files_of_one_import_repeating_companies_load_once(graph, tmp_path: Path) -> None:
    """Update deliveries repeat companies, founders and directors (some without an INN, so
    without an identifier to resolve by): two files in one import give each one entity."""
    path = SAMPLES[3]
    needs(path)
    first, second = tmp_path / "a.xml", tmp_path / "b.xml"
    first.write_bytes(path.read_bytes())
    second.write_bytes(path.read_bytes())
    records, _ = read(path)
    summary = import_paths(graph, [first, second], "egrul")
    assert summary.created["entities"] == sum(1 for r in records if isinstance(r, Entity))
    again = import_paths(graph, [path], "egrul")
    assert again.created["entities"] == 0 and not any(again.written.values())

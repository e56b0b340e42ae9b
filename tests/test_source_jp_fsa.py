"""The ``jp-fsa`` format: the FSA crypto-asset exchange register. No official workbook is at hand,
so the Excel layouts are workbooks written here with openpyxl after the documented layout; the
real CSV samples (third-party transcriptions) are read where their columns fit, with counts
worked out with ``csv``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import REAL_DATA
from openpyxl import Workbook

from ownership import clock
from ownership.loader import import_paths
from ownership.problems import ProblemLog
from ownership.refresh.fetch import _unpack
from ownership.sources import resolve_format
from ownership.sources.jp_fsa import FORMAT, fsa_date, licence_id

FSA = REAL_DATA / "jp_fsa"
KASOUMONEY = FSA / "fsa_registered_crypto_exchanges_2018-03_kasoumoney-blog.csv"
WHICHCRYPTO = FSA / "whichcrypto_derived_jp_fsa_entries.csv"
TOYOTA_NTA = REAL_DATA / "jp_nta" / "webapi_v2_num_1180301018771_type01_sjis.csv"

JP_HEADER = [
    "所管",
    "登録番号",
    "登録年月日",
    "暗号資産交換業者名",
    "法人番号",
    "郵便番号",
    "本店等所在地",
    "代表電話番号",
    "取り扱う暗号資産",
]
JP_ROWS = [
    [
        "関東財務局",
        "関東財務局長 第00001号",
        "平成29年9月29日",
        "テスト交換所株式会社",
        "1180301018771",
        "100-0001",
        "東京都千代田区",
        "03-0000-0000",
        "BTC、ETH",
    ],
    [
        None,
        "関東財務局長 第00002号",
        "令和元年9月6日",
        "ツバメ取引所株式会社",
        None,
        None,
        None,
        None,
        "BTC",
    ],
    [
        "近畿財務局",
        "近畿財務局長 第00001号",
        "令和4年3月1日",
        "なにわコイン株式会社",
        None,
        None,
        None,
        None,
        None,
    ],
]


def needs(*paths: Path) -> None:
    for path in paths:
        if not path.exists():
            pytest.skip(f"real-data sample {path} is absent (see ../shared/data/real/README.md)")


def read(path: Path) -> tuple[list, ProblemLog]:
    problems = ProblemLog()
    return list(FORMAT.read(path, "fsa", problems)), problems


def japanese_workbook(path: Path, rows: list[list[object]] = JP_ROWS) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "登録業者一覧"
    sheet.append(["暗号資産交換業者登録一覧"])
    sheet.append([None, None, None, None, "令和6年8月1日現在"])
    sheet.append(["【全業者数：3】"])
    sheet.append([])
    sheet.append(JP_HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_japanese_workbook_metadata_bureau_groups_and_wareki(tmp_path: Path) -> None:
    path = japanese_workbook(tmp_path / "kasoutuka.xlsx")
    assert resolve_format(path).name == "jp-fsa"
    entities, problems = read(path)
    assert not problems.problems
    assert [e.id for e in entities] == ["Kanto:00001", "Kanto:00002", "Kinki:00001"]
    assert [e.extra["fsa_registered_on"] for e in entities] == [
        dt.date(2017, 9, 29),
        dt.date(2019, 9, 6),  # 令和元年
        dt.date(2022, 3, 1),
    ]
    assert [e.extra["fsa_bureau"] for e in entities] == ["関東財務局", "関東財務局", "近畿財務局"]
    assert all(e.tags == ("crypto-exchange",) for e in entities)
    assert entities[0].identifiers == ("reg:JP:1180301018771", "corporate_number:1180301018771")
    assert entities[1].identifiers == ()  # no corporate number: matched by name proposal only
    assert entities[0].provenance.line == 6  # the sheet's row
    assert entities[0].extra["crypto_assets"] == "BTC、ETH"


def test_a_downloaded_workbook_is_not_unpacked_like_a_zip(tmp_path: Path) -> None:
    path = japanese_workbook(tmp_path / "kasoutuka.xlsx")
    assert _unpack(tmp_path, path) == path  # read as one file by the refresh, not a folder


def test_english_workbook_with_excel_serial_dates(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["List of Registered Crypto-asset Exchange Service Providers"])
    sheet.append(
        [
            "Local Finance Bureau",
            "Registration No.",
            "Date of Registration",
            "Name",
            "Corporate Number",
        ]
    )
    sheet.append(
        [
            "Kanto Local Finance Bureau",
            "Kanto Local Finance Bureau No.00001",
            43007,
            "Test Exchange Co., Ltd.",
            1180301018771,
        ]
    )
    sheet.append(
        [None, "Kanto Local Finance Bureau No.00002", 43714, "Tsubame Exchange K.K.", None]
    )
    path = tmp_path / "en_kasoutuka.xlsx"
    book.save(path)
    entities, problems = read(path)
    assert not problems.problems
    assert [(e.id, e.extra["fsa_registered_on"]) for e in entities] == [
        ("Kanto:00001", dt.date(2017, 9, 29)),
        ("Kanto:00002", dt.date(2019, 9, 6)),
    ]
    japanese, _ = read(japanese_workbook(tmp_path / "ja.xlsx"))
    assert {e.id for e in entities} <= {e.id for e in japanese}  # one licence, one record id
    assert entities[0].registration_number == "1180301018771"  # a number cell, not 1.18e12


def test_dates_and_licence_ids() -> None:
    assert fsa_date("令和４年３月１日") == dt.date(2022, 3, 1)  # full-width digits
    assert fsa_date("平成31年4月30日") == dt.date(2019, 4, 30)
    assert fsa_date("R4.3.1") == dt.date(2022, 3, 1)
    assert fsa_date("2017.9.29") == dt.date(2017, 9, 29)
    assert fsa_date(43007) == dt.date(2017, 9, 29)
    with pytest.raises(ValueError):
        fsa_date("令和4年13月1日")
    assert licence_id("近畿財務局長 第00003号", None) == "Kinki:00003"
    assert licence_id("Kinki No.3", None) == "Kinki:00003"
    assert licence_id("第00003号", None) is None


def test_bad_rows_name_the_sheet_row_and_column(tmp_path: Path) -> None:
    rows = [list(JP_ROWS[0]), list(JP_ROWS[1]), list(JP_ROWS[2])]
    rows[1][2] = "令和元年13月6日"
    rows[2][4] = "1180301018772"
    rows[2][1] = "近畿財務局長 第00001号"
    path = japanese_workbook(tmp_path / "bad.xlsx", rows + [list(JP_ROWS[0])])
    _, problems = read(path)
    found = {(p.line, p.field) for p in problems.problems}
    assert found == {
        (7, "date (column C)"),
        (8, "corporate_number (column E)"),
        (9, "number (column B)"),  # Kanto:00001 twice
    }
    assert all(p.file.endswith("bad.xlsx[登録業者一覧]") for p in problems.problems)


@pytest.mark.real_data
@pytest.mark.parametrize(
    ("path", "bureau", "seq"),
    [
        (KASOUMONEY, "finance_bureau", "registration_seq"),
        (WHICHCRYPTO, "bureau", "registration_no"),
    ],
    ids=["kasoumoney", "whichcrypto"],
)
def test_real_csv_transcriptions(path: Path, bureau: str, seq: str) -> None:
    needs(path)
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    short = {"関東財務局": "Kanto", "近畿財務局": "Kinki"}
    expected = [f"{short.get(r[bureau], r[bureau])}:{int(r[seq]):05d}" for r in rows]
    assert resolve_format(path).name == "jp-fsa"
    entities, problems = read(path)
    assert not problems.problems
    assert [e.id for e in entities] == expected
    assert all(e.extra["fsa_registered_on"] for e in entities)


def test_licence_joins_the_nta_company_by_corporate_number(graph, tmp_path: Path, run_cli) -> None:
    needs(TOYOTA_NTA)
    import_paths(graph, [TOYOTA_NTA], "jp-nta")
    import_paths(graph, [japanese_workbook(tmp_path / "kasoutuka.xlsx")], "jp-fsa")
    shown = json.loads(run_cli("show", "1180301018771", "--format", "json").output)
    assert shown["entity"]["name"] == "トヨタ自動車株式会社"
    assert "crypto-exchange" in shown["entity"]["tags"]
    assert sorted(r["source"] for r in shown["records"]) == ["jp-fsa", "jp-nta"]
    fsa = next(r for r in shown["records"] if r["source"] == "jp-fsa")
    assert fsa["fsa_registration_number"] == "関東財務局長 第00001号"
    assert fsa["fsa_registered_on"] == "2017-09-29"


OTHER_FORMATS = {
    "sanctions/eu_reg_269-2014_consolidated_opensanctions.csv": "eu",
    "sanctions/ofac_sdn_2024-05-03.csv": "ofac",
    "ftm/kek_german_media_ownership.ftm.jsonl": "ftm",
    "gleif/gleif_api_lei_records.jsonl": "gleif",
    "uk_psc/psc_snapshot_sample_bods-uk-psc-pipeline.jsonl": "psc",
}


@pytest.mark.real_data
@pytest.mark.parametrize(("name", "expected"), OTHER_FORMATS.items(), ids=list(OTHER_FORMATS))
def test_other_formats_real_files_are_not_taken_for_the_new_ones(name: str, expected: str) -> None:
    """The EU list's header has 'name' and 'registrationNumber': labels alone do not make an FSA
    register, its rows must hold finance-bureau registration numbers."""
    path = REAL_DATA / name
    needs(path)
    assert resolve_format(path).name == expected
    assert not FORMAT.detect(path)


def test_a_provider_without_a_corporate_number_is_proposed_by_name(
    graph, tmp_path: Path, make_dataset, run_cli
) -> None:
    from conftest import company

    import_paths(graph, [japanese_workbook(tmp_path / "kasoutuka.xlsx")], "jp-fsa")
    registry = make_dataset([company("tsubame", "JP", name="ツバメ取引所株式会社")])
    import_paths(graph, [registry], "registry")
    result = run_cli("matches", "--format", "json")
    assert result.exit_code == 0, result.output
    pairs = [
        {p["a"], p["b"]}
        for p in json.loads(result.output)
        if p["a_name"] == p["b_name"] == "ツバメ取引所株式会社"
    ]
    assert pairs == [{"jp-fsa:Kanto:00002", "registry:tsubame"}]


def test_a_licence_ends_when_a_later_list_no_longer_has_it(graph, tmp_path: Path, run_cli) -> None:
    book = japanese_workbook(tmp_path / "kasoutuka.xlsx")
    toml = tmp_path / "sources.toml"
    toml.write_text(
        '[[source]]\nname = "fsa"\npath = "kasoutuka.xlsx"\nformat = "jp-fsa"\n', encoding="utf-8"
    )
    first = run_cli("refresh", "--sources", str(toml), "--format", "json")
    assert first.exit_code == 0, first.output
    japanese_workbook(book, JP_ROWS[:2])  # the next list: 近畿財務局長 第00001号 is gone
    second = run_cli("refresh", "--sources", str(toml), "--format", "json")
    assert second.exit_code == 0, second.output
    (source,) = json.loads(second.stdout)["sources"]
    assert source["removed"]["entities"] == 1
    shown = json.loads(run_cli("show", "なにわコイン株式会社", "--format", "json").output)
    (record,) = shown["records"]
    assert record["retired_on"] == clock.today().isoformat()  # the licence's end

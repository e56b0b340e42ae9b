"""The ``jp-fsa`` format: Japan FSA register of crypto-asset exchange service providers
(暗号資産交換業者登録一覧), as the Excel workbook the FSA publishes or a CSV saved from it.

**Built on the documented layout; not yet tried on the official file** (no copy of
``kasoutuka.xlsx`` or ``en_kasoutuka.xlsx`` was at hand, see ``docs/sources-jp-ru.md``). What
the layout is said to be, and what the reader therefore does:

- rows of metadata (title, ``【全業者数：N】``, notes) sit above the header: the header is the
  first row (of the first 30) whose cells name at least the registration number and the
  provider's name; everything above it is skipped, blank rows below it too;
- columns are found by their label, Japanese (所管 / 登録番号 / 登録年月日 / 暗号資産交換業者名 /
  法人番号 / 郵便番号 / 本店等所在地 / 代表電話番号 / 取り扱う暗号資産) or English (bureau,
  registration no., date of registration, name, corporate number …), not by position;
- 所管 (the finance bureau) is filled only on the first row of its group: it carries down;
- dates are 和暦 (``令和4年3月1日``, ``令和元年9月6日``, ``平成29年9月29日``, also ``R4.3.1``), Excel
  date cells, Excel serial numbers (the English workbook: ``43007`` is 2017-09-29), or
  ``YYYY-MM-DD`` / ``YYYY.M.D`` / ``YYYY/M/D`` text;
- the registration number (``関東財務局長 第00001号``, ``Kanto Local Finance Bureau No.00001``)
  becomes the record id ``<bureau>:<number>`` (``Kanto:00001``), the same for the Japanese and
  the English list.

Each provider → ``Entity(kind="company", jurisdiction="JP", tags=("crypto-exchange",))`` with
the registration number and date (``fsa_registration_number``, ``fsa_registered_on``); with a
corporate number it carries ``reg:JP:<number>`` and so joins the company of the NTA file or of a
registry CSV; without one, ``ownership matches`` proposes it by name. As a refresh source, a
provider a later list no longer has is retired on that day: the licence's end.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ownership.identifiers import normalize_identifier, valid_jp_corporate_number
from ownership.problems import ProblemLog
from ownership.records import Entity, Provenance, Record
from ownership.sources.files import csv_rows, open_csv
from ownership.sources.jp_nta import corporate_number_identifiers
from ownership.sources.streams import ZIP_MAGIC, magic

TAG = "crypto-exchange"
HEADER_SEARCH_ROWS = 30
DETECT_ROWS = 5  # data rows ``detect`` reads after the header
# (field, test on the normalized label), the first matching field wins: order matters.
_LABELS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("corporate_number", re.compile(r"法人番号|corporate ?(number|no)")),
    ("date", re.compile(r"登録年月日|登録日|date|registration_date")),
    ("number", re.compile(r"登録番号|registration ?(number|no)|^reference$|number_fsa_format")),
    ("bureau", re.compile(r"所管|bureau|jurisdiction")),
    ("postcode", re.compile(r"郵便番号|postal|zip|post ?code")),
    ("address", re.compile(r"所在地|address")),
    ("phone", re.compile(r"電話|phone|tel")),
    ("assets", re.compile(r"取り?扱う|crypto ?assets? (handled|dealt)|assets")),
    ("name", re.compile(r"業者名|名称|商号|^name|name$|name_as_published|entity_name")),
)
BUREAUS = {
    "関東": "Kanto",
    "近畿": "Kinki",
    "北海道": "Hokkaido",
    "東北": "Tohoku",
    "東海": "Tokai",
    "北陸": "Hokuriku",
    "中国": "Chugoku",
    "四国": "Shikoku",
    "九州": "Kyushu",
    "福岡": "Fukuoka",
    "沖縄": "Okinawa",
}
ERAS = {"明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019}
ERA_LETTERS = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}
_WAREKI = re.compile(r"^(明治|大正|昭和|平成|令和|[MTSHR])\.?\s*(元|\d+)[年.](\d+)[月.](\d+)日?$")
_WESTERN = re.compile(r"^(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})日?(?:[T ]00:00:00)?$")
_NUMBER = re.compile(r"(\d+)")
EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0, given its 1900 leap-year bug


def label_field(label: object) -> str | None:
    """The field a header cell names, or None."""
    text = unicodedata.normalize("NFKC", str(label or "")).strip().lower()
    text = re.sub(r"\s+", " ", text)
    if not text:
        return None
    for name, pattern in _LABELS:
        if pattern.search(text.replace(" ", "")) or pattern.search(text):
            return name
    return None


def fsa_date(value: object) -> dt.date | None:
    """A registration date in any of the list's forms; ValueError when it is none of them."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial(float(value))
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "")
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return _serial(float(text))
    match = _WAREKI.match(text)
    if match:
        era = ERA_LETTERS.get(match.group(1), match.group(1))
        year = 1 if match.group(2) == "元" else int(match.group(2))
        return dt.date(ERAS[era] + year - 1, int(match.group(3)), int(match.group(4)))
    match = _WESTERN.match(text)
    if match:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    raise ValueError(
        f"{value!r} is not a date (和暦 such as 令和4年3月1日, YYYY-MM-DD or an Excel date)"
    )


def _serial(days: float) -> dt.date:
    if not 1 <= days <= 2958465:  # up to 9999-12-31
        raise ValueError(f"{days:g} is not an Excel date serial")
    return EXCEL_EPOCH + dt.timedelta(days=int(days))


def licence_id(number: str, bureau: str | None) -> str | None:
    """``<bureau>:<five digits>`` for a registration number, the same in Japanese and English;
    None when no bureau or number can be read from it."""
    text = unicodedata.normalize("NFKC", f"{number} {bureau or ''}")
    found = next((en for jp, en in BUREAUS.items() if jp in text), None)
    if found is None:
        found = next((en for en in BUREAUS.values() if en.lower() in text.lower()), None)
    digits = _NUMBER.findall(unicodedata.normalize("NFKC", number))
    if found is None or not digits:
        return None
    return f"{found}:{int(digits[-1]):05d}"


@dataclass
class _Table:
    """Rows of the first sheet (or the CSV) with their row numbers."""

    shown: str
    rows: Iterator[tuple[int, list[Any]]]


class JpFsa:
    """Reader for the FSA crypto-asset exchange register (xlsx or CSV)."""

    name = "jp-fsa"
    description = "Japan FSA register of crypto-asset exchange providers (暗号資産交換業者登録一覧; xlsx or CSV)"

    def detect(self, path: Path) -> bool:
        if not path.is_file() or path.suffix.lower() not in (".xlsx", ".csv"):
            return False
        problems = ProblemLog()
        for table in _tables(path, problems):
            for _, header in _header(table):
                # Labels alone are common ("name", "registrationNumber"): the first rows must
                # also hold registration numbers of a finance bureau.
                number = next(i for i, f in header.items() if f == "number")
                bureau = next((i for i, f in header.items() if f == "bureau"), None)
                for _, cells in itertools.islice(table.rows, DETECT_ROWS):
                    value = _text(cells[number]) if number < len(cells) else None
                    group = (
                        _text(cells[bureau]) if bureau is not None and bureau < len(cells) else None
                    )
                    if value and licence_id(value, group):
                        return True
                return False
        return False

    def read(self, path: Path, source: str, problems: ProblemLog) -> Iterator[Record]:
        seen: dict[str, int] = {}
        for table in _tables(path, problems):
            found = False
            for _line, header in _header(table):
                found = True
                bureau: str | None = None
                for line, cells in table.rows:
                    values = {
                        header[i]: cell
                        for i, cell in enumerate(cells)
                        if i in header and cell not in (None, "")
                    }
                    if not values:
                        continue
                    bureau = _text(values.get("bureau")) or bureau
                    entity = _provider(table.shown, line, header, values, bureau, source, problems)
                    if entity is None:
                        continue
                    if entity.id in seen:
                        problems.add(
                            table.shown,
                            line,
                            _column(header, "number"),
                            f"registration {entity.id} listed twice (first on row {seen[entity.id]})",
                        )
                        continue
                    seen[entity.id] = line
                    yield entity
            if not found:
                problems.add(
                    table.shown,
                    None,
                    None,
                    f"no header row in the first {HEADER_SEARCH_ROWS} rows naming the "
                    "registration number (登録番号) and the provider's name (暗号資産交換業者名)",
                )


def _tables(path: Path, problems: ProblemLog) -> Iterator[_Table]:
    if magic(path) == ZIP_MAGIC:  # .xlsx
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any failure to open is a problem of the file
            problems.add(str(path), None, None, f"not a readable Excel workbook: {exc}")
            return
        try:
            sheet = workbook.worksheets[0]
            rows = (
                (number, list(values))
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
            )
            yield _Table(f"{path}[{sheet.title}]", rows)
        finally:
            workbook.close()
        return
    bad: set[int] = set()
    with open_csv(path, problems, encoding=None, bad_lines=bad) as reader:
        if reader is None:
            return
        yield _Table(str(path), csv_rows(reader, str(path), problems, bad))


def _header(table: _Table) -> Iterator[tuple[int, dict[int, str]]]:
    """The header row (its number, and column index -> field), if one is found near the top;
    the table's rows then continue after it."""
    for line, cells in table.rows:
        fields: dict[int, str] = {}
        for index, cell in enumerate(cells):
            name = label_field(cell)
            if name and name not in fields.values():
                fields[index] = name
        if "number" in fields.values() and "name" in fields.values():
            yield line, fields
            return
        if line >= HEADER_SEARCH_ROWS:
            return


def _column(header: dict[int, str], field: str) -> str:
    index = next(i for i, f in header.items() if f == field)
    letters = ""
    n = index + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{field} (column {letters})"


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(value))).strip()
    return text or None


def _provider(
    shown: str,
    line: int,
    header: dict[int, str],
    values: dict[str, Any],
    bureau: str | None,
    source: str,
    problems: ProblemLog,
) -> Entity | None:
    ok = True

    def error(field: str, message: str) -> None:
        nonlocal ok
        ok = False
        problems.add(shown, line, _column(header, field), message)

    name = _text(values.get("name"))
    number = _text(values.get("number"))
    if name is None:
        error("name", "required, but empty")
    if number is None:
        error("number", "required, but empty")
    record_id = licence_id(number or "", bureau) if number else None
    if number and record_id is None:
        error("number", f"{number!r} names no finance bureau and number (関東財務局長 第00001号)")
    registered = None
    if "date" in header.values():
        try:
            registered = fsa_date(values.get("date"))
        except ValueError as exc:
            error("date", str(exc))
    corporate = _text(values.get("corporate_number"))
    if corporate:
        corporate = normalize_identifier("JP-JCN", corporate)
        if not valid_jp_corporate_number(corporate):
            error(
                "corporate_number",
                f"{corporate!r} is not a corporate number (13 digits, check digit first)",
            )
    if not ok or name is None or record_id is None:
        return None
    extra = {
        "fsa_registration_number": number,
        "fsa_bureau": bureau,
        "fsa_registered_on": registered,
        "corporate_number": corporate,
        "postcode": _text(values.get("postcode")),
        "phone": _text(values.get("phone")),
        "crypto_assets": _text(values.get("assets")),
    }
    return Entity(
        id=record_id,
        kind="company",
        name=name,
        provenance=Provenance(source, record_id, shown, line),
        jurisdiction="JP",
        registration_number=corporate,
        address=_text(values.get("address")),
        tags=(TAG,),
        identifiers=corporate_number_identifiers(corporate) if corporate else (),
        extra={k: v for k, v in extra.items() if v not in (None, "")},
    )


FORMAT = JpFsa()

"""The ``jp-nta`` format: Japan's corporate-number publication (法人番号公表サイト, National Tax Agency).

What the NTA publishes, and what is read:

- bulk CSV files, one zip a prefecture (``31_tottori_all_20170402.zip``), full monthly and daily
  diff; header-less; Shift_JIS (CP932) or Unicode (UTF-8) editions; 23 columns (layout v1),
  28 (v2: ``latest`` and the English ``en*`` fields), 29 (v3: ``furigana``) or 30 (v4:
  ``hihyoji``). Zips are read directly; their ``.asc`` signatures are skipped;
- Web-API CSV responses: the same rows after an extra first line
  ``lastUpdateDate,count,divideNumber,divideSize``;
- XML (bulk or Web-API): ``<corporations>`` holding ``<corporation>`` elements whose children
  are the same fields by their camelCase names.

The file has no ownership. What it gives is identity: the corporate number (法人番号) is the key
under which every source describing a Japanese company meets (``reg:JP:<number>``, the same key
a registry CSV makes of a JP ``registration_number``, and ``corporate_number:<number>``, the key
of its ``corporate_number`` column), and it dates closures and mergers.

What becomes what (``docs/sources-jp-ru.md`` has the table field by field):

- each corporate number → ``Entity(kind="company", id=<number>)``, jurisdiction JP (a foreign
  company, kind 401, is registered abroad: jurisdiction unknown, ``operates_in`` JP);
  ``enName`` → alias; the address is prefecture + city + street;
- ``closeDate`` → ``dissolution_date``; ``closeCause`` kept with its meaning;
  ``successorCorporateNumber`` → ``successor_identifier = reg:JP:<number>``: the merged-into
  link, resolved through the identifier whenever the successor is in the graph (from this or any
  other source), so ``ownership show`` on either company shows it; it is not ownership and no
  share arithmetic sees it (``docs/data-model.md``, "Succession");
- a diff file lists the changes of each company in order (``process`` 01 new, 11 name, 12/13
  address, 21 closed, 22 restored, 71 absorbed another, 81 name struck out, 99 number
  withdrawn). Each row carries the company's whole state after that change, so the *last* row
  of a number in the file (a ``latest=1`` row before any ``latest=0`` history row) is its
  record; importing diffs in date order into the same source applies them as updates (the
  record's fingerprint changes, its values are replaced). A withdrawn number (99) keeps its
  record but no identifier, so nothing resolves through it any more.

The reader streams: a first pass notes each row's corporate number (8 bytes a row, see
:class:`~ownership.sources.streams.LastOfEach`) to find each company's last row, the second
yields those rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ownership.identifiers import valid_jp_corporate_number
from ownership.problems import ProblemLog
from ownership.records import Entity, Provenance, Record
from ownership.sources.files import csv_rows, decoded_lines, detect_encoding
from ownership.sources.streams import (
    LastOfEach,
    Member,
    XmlBroken,
    head_bytes,
    members,
    opened,
    xml_records,
    xml_root,
)

# The 30 fields of layout v4, in column order; earlier layouts are prefixes of it.
FIELDS = (
    "sequenceNumber",
    "corporateNumber",
    "process",
    "correct",
    "updateDate",
    "changeDate",
    "name",
    "nameImageId",
    "kind",
    "prefectureName",
    "cityName",
    "streetNumber",
    "addressImageId",
    "prefectureCode",
    "cityCode",
    "postCode",
    "addressOutside",
    "addressOutsideImageId",
    "closeDate",
    "closeCause",
    "successorCorporateNumber",
    "changeCause",
    "assignmentDate",
    "latest",
    "enName",
    "enPrefectureName",
    "enCityName",
    "enAddressOutside",
    "furigana",
    "hihyoji",
)
LAYOUTS = {23: 1, 28: 2, 29: 3, 30: 4}  # columns -> layout version
PROCESS = {
    "01": "new",
    "11": "name changed",
    "12": "domestic address changed",
    "13": "foreign address changed",
    "21": "registration closed",
    "22": "registration restored",
    "71": "absorbed another company by merger",
    "72": "absorption annulled",
    "81": "trade name struck out",
    "99": "corporate number withdrawn",
}
WITHDRAWN = "99"
KIND = {
    "101": "national government body",
    "201": "local government",
    "301": "kabushiki kaisha",
    "302": "yugen kaisha",
    "303": "gomei kaisha",
    "304": "goshi kaisha",
    "305": "godo kaisha",
    "399": "other registered legal person",
    "401": "foreign company",
    "499": "other legal person",
}
FOREIGN_KIND = "401"
CLOSE_CAUSE = {
    "01": "liquidation completed",
    "11": "dissolved by merger",
    "21": "closed by the registrar",
    "31": "other liquidation",
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WEBAPI_HEAD = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # lastUpdateDate of a Web-API response


def corporate_number_identifiers(number: str) -> tuple[str, ...]:
    """The strong keys of a Japanese corporate number: ``reg:JP:`` (a JP registration number in
    any source) and ``corporate_number:`` (the registry CSV's ``corporate_number`` column)."""
    return (f"reg:JP:{number}", f"corporate_number:{number}")


@dataclass(frozen=True)
class Row:
    """One company row, by field name, with where it is."""

    shown: str
    line: int | None
    values: dict[str, str]
    prefix: str  # "" for CSV; "corporations/corporation[3]/" for XML

    def get(self, name: str) -> str | None:
        value = (self.values.get(name) or "").strip()
        return value or None

    def where(self, name: str) -> str:
        if self.prefix:
            return self.prefix + name
        return f"{name} (column {FIELDS.index(name) + 1})"


class JpNta:
    """Reader for the NTA corporate-number files (CSV, zipped CSV, XML)."""

    name = "jp-nta"
    description = "Japan NTA corporate-number files (法人番号: bulk zip/CSV, Web-API CSV, XML)"

    def detect(self, path: Path) -> bool:
        if not path.is_file():
            return False
        for member in members(path, (".csv", ".xml"), ProblemLog())[:1]:
            head = head_bytes(member)
            if head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"<"):
                return xml_root(head) == "corporations"
            lines = head.splitlines()[:2]
            text = [line.decode("ascii", errors="replace") for line in lines]
            rows = list(csv.reader(text))
            if rows and len(rows[0]) == 4 and _WEBAPI_HEAD.match(rows[0][0]):
                rows = rows[1:]
            return bool(rows) and _looks_like_row(rows[0])
        return False

    def read(self, path: Path, source: str, problems: ProblemLog) -> Iterator[Record]:
        parts = members(path, (".csv", ".xml"), problems)
        last = LastOfEach()
        for member in parts:
            for row in _rows(member, problems):
                number = _check_structure(row, problems)
                if number is not None:
                    _entity(row, source, problems)  # field problems, reported once, here
                last.add(int(number) if number else -1, row.get("latest") != "0")
        winners = last.winners()
        del last
        quiet = ProblemLog()
        ordinal = 0
        for member in parts:
            for row in _rows(member, quiet):
                keep = bool(winners[ordinal])
                ordinal += 1
                if keep:
                    entity = _entity(row, source, quiet)
                    if entity is not None:
                        yield entity


def _looks_like_row(values: list[str]) -> bool:
    return (
        len(values) in LAYOUTS
        and valid_jp_corporate_number(values[1].strip())
        and values[2].strip() in PROCESS
    )


def _rows(member: Member, problems: ProblemLog) -> Iterator[Row]:
    """The company rows of one CSV or XML stream, in file order."""
    head = head_bytes(member)
    if head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"<"):
        yield from _xml_rows(member, problems)
        return
    cut = head.rfind(b"\n")  # whole lines only: a character cut in two reads as no encoding
    encoding = detect_encoding(head[: cut + 1] if cut > 0 else head)
    if encoding is None:
        problems.add(member.shown, None, None, "cannot tell the text encoding (not UTF-8 or CP932)")
        return
    with opened(member, problems) as handle:
        if handle is None:
            return
        bad: set[int] = set()
        lines = decoded_lines(
            handle,  # type: ignore[arg-type]  # any binary stream: only iterated here
            member.shown,
            problems,
            encoding=encoding,
            keep_going=True,
            bad_lines=bad,
        )
        reader = csv.reader(lines, strict=True)
        for line, values in csv_rows(reader, member.shown, problems, bad):
            if line == 1 and len(values) == 4 and _WEBAPI_HEAD.match(values[0].strip()):
                continue  # the Web-API response's own first line
            if len(values) not in LAYOUTS:
                widths = ", ".join(str(n) for n in LAYOUTS)
                message = f"{len(values)} columns: not an NTA layout ({widths} columns)"
                problems.add(member.shown, line, None, message)
                continue
            yield Row(member.shown, line, dict(zip(FIELDS, values, strict=False)), "")


def _xml_rows(member: Member, problems: ProblemLog) -> Iterator[Row]:
    with opened(member, problems) as handle:
        if handle is None:
            return
        try:
            for record in xml_records(handle, depth=1):
                if record.element.tag != "corporation":
                    continue
                values = {child.tag: (child.text or "") for child in record.element}
                yield Row(member.shown, record.line, values, record.path + "/")
        except XmlBroken as exc:
            problems.add(member.shown, exc.line, None, exc.message)


def _check_structure(row: Row, problems: ProblemLog) -> str | None:
    """The row's corporate number, or None (with a problem) when it is missing or invalid."""
    number = row.get("corporateNumber")
    if number is None:
        problems.add(row.shown, row.line, row.where("corporateNumber"), "required, but empty")
        return None
    if not valid_jp_corporate_number(number):
        message = f"{number!r} is not a corporate number (13 digits, check digit first)"
        problems.add(row.shown, row.line, row.where("corporateNumber"), message)
        return None
    return number


def _entity(row: Row, source: str, problems: ProblemLog) -> Entity | None:
    """The company a row describes, or None after reporting what is wrong with it."""
    ok = True

    def error(name: str, message: str) -> None:
        nonlocal ok
        ok = False
        problems.add(row.shown, row.line, row.where(name), message)

    def date(name: str) -> dt.date | None:
        value = row.get(name)
        if value is None:
            return None
        if _DATE.match(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        error(name, f"{value!r} is not a date (YYYY-MM-DD)")
        return None

    def code(name: str, table: dict[str, str]) -> str | None:
        value = row.get(name)
        if value is not None and value not in table:
            error(name, f"{value!r} is not a known code ({', '.join(table)})")
            return None
        return value

    number = row.get("corporateNumber") or ""
    process = code("process", PROCESS)
    name = row.get("name")
    if name is None and process == WITHDRAWN:  # such a row carries nothing but the number
        name = f"withdrawn corporate number {number}"
    if name is None:
        error("name", "required, but empty")
    kind = code("kind", KIND)
    cause = code("closeCause", CLOSE_CAUSE)
    closed = date("closeDate")
    successor = row.get("successorCorporateNumber")
    if successor is not None and not valid_jp_corporate_number(successor):
        message = f"{successor!r} is not a corporate number (13 digits, check digit first)"
        error("successorCorporateNumber", message)
    if successor == number:
        error("successorCorporateNumber", "a company cannot succeed itself")
    extra: dict[str, Any] = {
        "corporate_number": number,
        "nta_process": process,
        "nta_process_meaning": PROCESS.get(process or ""),
        "nta_kind": kind,
        "nta_kind_meaning": KIND.get(kind or ""),
        "nta_update_date": date("updateDate"),
        "nta_change_date": date("changeDate"),
        "corporate_number_assigned_on": date("assignmentDate"),
        "close_cause": cause,
        "close_cause_meaning": CLOSE_CAUSE.get(cause or ""),
        "successor_corporate_number": successor,
        "successor_identifier": f"reg:JP:{successor}" if successor else None,
        "change_cause": row.get("changeCause"),
        "postcode": row.get("postCode"),
        "address_outside_japan": row.get("addressOutside"),
        "address_en": ", ".join(
            part
            for part in (
                row.get("enCityName"),
                row.get("enPrefectureName"),
                row.get("enAddressOutside"),
            )
            if part
        ),
        "furigana": row.get("furigana"),
        "nta_search_excluded": row.get("hihyoji") == "1" or None,
    }
    if process == WITHDRAWN:
        extra["nta_withdrawn"] = True
    if not ok or name is None:
        return None
    address = "".join(
        part
        for part in (row.get(f) for f in ("prefectureName", "cityName", "streetNumber"))
        if part
    )
    foreign = kind == FOREIGN_KIND
    english = row.get("enName")
    return Entity(
        id=number,
        kind="company",
        name=name,
        provenance=Provenance(source, number, row.shown, row.line),
        jurisdiction=None if foreign else "JP",
        registration_number=number,
        dissolution_date=closed,
        address=address or row.get("addressOutside"),
        operates_in=("JP",) if foreign else (),
        aliases=(english,) if english and english != name else (),
        identifiers=() if process == WITHDRAWN else corporate_number_identifiers(number),
        extra={k: v for k, v in extra.items() if v not in (None, "")},
    )


FORMAT = JpNta()

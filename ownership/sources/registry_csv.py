"""The registry-CSV format (contract section 2): the project's own interchange format.

A dataset is a folder with ``entities.csv`` and optionally ``ownership.csv``, ``officers.csv``
and ``sanctions.csv`` (a path to ``entities.csv`` itself also works). Files are read as streams,
entities first, so references can be checked without holding rows in memory: only the set of
entity ids (and their kinds) is kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycountry

from ownership.problems import ProblemLog
from ownership.records import (
    RESERVED_PROPERTIES,
    Entity,
    Officer,
    Ownership,
    Provenance,
    Record,
    Sanction,
)
from ownership.sources.files import csv_header, open_csv

MAX_FIELD_CHARS = 10_000  # a registry cell longer than this is an error, not a name
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
COUNTRIES = frozenset(c.alpha_2 for c in pycountry.countries) | {"XK"}  # Kosovo, used by registries
# Extra columns that carry identifiers: kept as properties and also as "scheme:value" identifiers.
IDENTIFIER_COLUMNS = ("lei", "inn", "ogrn", "uen", "corporate_number")


@dataclass(frozen=True)
class FileSpec:
    """One file of the dataset: its columns, which are required, and which it must have."""

    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    mandatory_file: bool = False


ENTITIES = FileSpec(
    "entities.csv",
    (
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
    ),
    ("id", "type", "name"),
    mandatory_file=True,
)
OWNERSHIP = FileSpec(
    "ownership.csv",
    ("owner_id", "owned_id", "share", "share_min", "share_max", "start_date", "end_date"),
    ("owner_id", "owned_id"),
)
OFFICERS = FileSpec(
    "officers.csv",
    ("person_id", "company_id", "role", "start_date", "end_date"),
    ("person_id", "company_id"),
)
SANCTIONS = FileSpec(
    "sanctions.csv",
    ("entity_id", "authority", "program", "listed_on", "delisted_on"),
    ("entity_id", "authority"),
)


FILE_NAMES = tuple(spec.name for spec in (ENTITIES, OWNERSHIP, OFFICERS, SANCTIONS))
DATASET = (
    "a registry-CSV dataset is a folder holding entities.csv "
    "(and optionally ownership.csv, officers.csv, sanctions.csv)"
)


@dataclass
class Row:
    """One CSV row with what is needed to report problems against it."""

    file: str
    line: int
    values: dict[str, str]
    problems: ProblemLog
    extra: dict[str, Any] = field(default_factory=dict)
    ok: bool = True

    def error(self, column: str | None, message: str) -> None:
        self.ok = False
        self.problems.add(self.file, self.line, column, message)

    def text(self, column: str) -> str | None:
        value = self.values.get(column, "").strip()
        return value or None

    def required(self, column: str) -> str:
        value = self.text(column)
        if value is None:
            self.error(column, "required, but empty")
            return ""
        return value

    def date(self, column: str) -> dt.date | None:
        value = self.text(column)
        if value is None:
            return None
        if not _DATE.match(value):
            self.error(column, f"{value!r} is not a date in YYYY-MM-DD form")
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.error(column, f"{value!r} is not a real calendar date")
            return None

    def percent(self, column: str, *, allow_zero: bool) -> float | None:
        value = self.text(column)
        if value is None:
            return None
        try:
            number = float(value)
        except ValueError:
            self.error(column, f"{value!r} is not a number (percent, without a % sign)")
            return None
        low_ok = number >= 0 if allow_zero else number > 0
        if not math.isfinite(number) or not low_ok or number > 100:
            bound = "[0, 100]" if allow_zero else "(0, 100]"
            self.error(column, f"{value} is outside {bound} percent")
            return None
        return number

    def country(self, column: str) -> str | None:
        value = self.text(column)
        if value is None:
            return None
        code = value.upper()
        if code not in COUNTRIES:
            self.error(column, f"{value!r} is not an ISO 3166-1 alpha-2 country code")
            return None
        return code

    def countries(self, column: str) -> tuple[str, ...]:
        codes = []
        for part in split_list(self.text(column)):
            code = part.upper()
            if code in COUNTRIES:
                codes.append(code)
            else:
                self.error(column, f"{part!r} is not an ISO 3166-1 alpha-2 country code")
        return tuple(dict.fromkeys(codes))

    def period(self, start: str, end: str) -> tuple[dt.date | None, dt.date | None]:
        """A validity period; the end is exclusive, so it must come after the start."""
        start_date, end_date = self.date(start), self.date(end)
        if start_date and end_date and end_date <= start_date:
            self.error(end, f"{end_date} is not after {start} {start_date}")
        return start_date, end_date


def split_list(value: str | None) -> tuple[str, ...]:
    """A ``;``-separated cell as a tuple of its non-empty parts, in order, without repeats."""
    if not value:
        return ()
    return tuple(dict.fromkeys(part.strip() for part in value.split(";") if part.strip()))


class RegistryCsv:
    """Reader for the registry-CSV format."""

    name = "csv"
    description = "registry CSV folder (entities.csv, ownership.csv, officers.csv, sanctions.csv)"

    def detect(self, path: Path) -> bool:
        folder = path if path.is_dir() else path.parent
        return (folder / ENTITIES.name).is_file() and (path.is_dir() or path.name == ENTITIES.name)

    def read(self, path: Path, source: str, problems: ProblemLog) -> Iterator[Record]:
        if path.is_file() and path.name != ENTITIES.name:
            # not a dataset: reading its folder would report the folder's files, not this one
            problems.add(str(path), None, None, f"not entities.csv; {DATASET}")
            return
        folder = path if path.is_dir() else path.parent
        kinds: dict[str, str] = {}  # entity id -> kind, for reference checks
        yield from self._entities(folder, source, problems, kinds)
        yield from self._ownership(folder, source, problems, kinds)
        yield from self._officers(folder, source, problems, kinds)
        yield from self._sanctions(folder, source, problems, kinds)

    # -- per file ------------------------------------------------------------------------------

    def _entities(
        self, folder: Path, source: str, problems: ProblemLog, kinds: dict[str, str]
    ) -> Iterator[Entity]:
        first_line: dict[str, int] = {}
        for row in _rows(folder, ENTITIES, problems):
            record_id = row.required("id")
            kind = row.required("type").lower()
            if kind and kind not in ("company", "person"):
                row.error("type", f"{row.text('type')!r} is not 'company' or 'person'")
            name = row.required("name")
            if record_id in first_line:
                first = first_line[record_id]
                row.error("id", f"duplicate id {record_id!r} (first on line {first})")
            elif record_id:
                first_line[record_id] = row.line
                kinds[record_id] = kind  # even if the row has other problems: no cascade
            jurisdiction = row.country("jurisdiction")
            incorporated, dissolved = row.period("incorporation_date", "dissolution_date")
            operates_in = row.countries("operates_in")
            identifiers = _identifiers(row, jurisdiction)
            if not row.ok:
                continue
            yield Entity(
                id=record_id,
                kind=kind,
                name=name,
                provenance=Provenance(source, record_id, row.file, row.line),
                jurisdiction=jurisdiction,
                registration_number=row.text("registration_number"),
                incorporation_date=incorporated,
                dissolution_date=dissolved,
                address=row.text("address"),
                operates_in=operates_in,
                tags=split_list(row.text("tags")),
                aliases=split_list(row.text("aliases")),
                identifiers=identifiers,
                extra=row.extra,
            )

    def _ownership(
        self, folder: Path, source: str, problems: ProblemLog, kinds: dict[str, str]
    ) -> Iterator[Ownership]:
        seen: dict[str, int] = {}  # record id (owner, owned, start) -> first line
        for row in _rows(folder, OWNERSHIP, problems):
            owner = _reference(row, "owner_id", kinds)
            owned = _reference(row, "owned_id", kinds)
            if owner and owner == owned:
                row.error("owned_id", f"{owned!r} cannot own itself")
            if owned and kinds.get(owned) == "person":
                row.error("owned_id", f"{owned!r} is a person and cannot be owned")
            share = row.percent("share", allow_zero=False)
            low = row.percent("share_min", allow_zero=True)
            high = row.percent("share_max", allow_zero=False)
            if low is not None and high is not None and low > high:
                row.error("share_min", f"band minimum {low} is above its maximum {high}")
            if share is not None and (
                (low is not None and share < low) or (high is not None and share > high)
            ):
                row.error("share", f"{share} lies outside its own band")
            start, end = row.period("start_date", "end_date")
            record_id = _edge_id("own", owner, owned, start)  # one string: 1.5M of them at 1M
            if owner and owned and record_id in seen:
                row.error(
                    None,
                    f"duplicate ownership {owner} -> {owned} from {start or 'unknown start'} "
                    f"(first on line {seen[record_id]})",
                )
            elif owner and owned:
                seen[record_id] = row.line
            if not row.ok:
                continue
            yield Ownership(
                owner_id=owner,
                owned_id=owned,
                provenance=Provenance(source, record_id, row.file, row.line),
                share=share,
                share_min=low,
                share_max=high,
                start_date=start,
                end_date=end,
                extra=row.extra,
            )

    def _officers(
        self, folder: Path, source: str, problems: ProblemLog, kinds: dict[str, str]
    ) -> Iterator[Officer]:
        seen: dict[str, int] = {}
        for row in _rows(folder, OFFICERS, problems):
            person = _reference(row, "person_id", kinds)
            company = _reference(row, "company_id", kinds)
            if company and kinds.get(company) == "person":
                row.error("company_id", f"{company!r} is a person, not a company")
            if person and person == company:
                row.error("company_id", f"{company!r} cannot be its own officer")
            role = row.text("role")
            start, end = row.period("start_date", "end_date")
            record_id = _edge_id("off", person, company, start, role)
            if record_id in seen:
                row.error(None, f"duplicate officer row (first on line {seen[record_id]})")
            else:
                seen[record_id] = row.line
            if not row.ok:
                continue
            yield Officer(
                person_id=person,
                company_id=company,
                provenance=Provenance(source, record_id, row.file, row.line),
                role=role,
                start_date=start,
                end_date=end,
                extra=row.extra,
            )

    def _sanctions(
        self, folder: Path, source: str, problems: ProblemLog, kinds: dict[str, str]
    ) -> Iterator[Sanction]:
        seen: dict[str, int] = {}
        for row in _rows(folder, SANCTIONS, problems):
            entity = _reference(row, "entity_id", kinds)
            authority = row.required("authority")
            program = row.text("program")
            listed, delisted = row.period("listed_on", "delisted_on")
            record_id = _edge_id("san", entity, authority, listed, program)
            if record_id in seen:
                row.error(None, f"duplicate sanction row (first on line {seen[record_id]})")
            else:
                seen[record_id] = row.line
            if not row.ok:
                continue
            yield Sanction(
                entity_id=entity,
                authority=authority,
                provenance=Provenance(source, record_id, row.file, row.line),
                program=program,
                listed_on=listed,
                delisted_on=delisted,
                extra=row.extra,
            )


def _edge_id(prefix: str, *parts: object) -> str:
    """A record id for a row without an id column, stable across re-imports of the same fact."""
    return prefix + ":" + "|".join("" if part is None else str(part) for part in parts)


def _reference(row: Row, column: str, kinds: dict[str, str]) -> str:
    value = row.required(column)
    if value and value not in kinds:
        row.error(column, f"{value!r} is not an id in entities.csv")
    return value


def _identifiers(row: Row, jurisdiction: str | None) -> tuple[str, ...]:
    found = []
    number = row.text("registration_number")
    if number and jurisdiction:
        found.append(f"reg:{jurisdiction}:{number}")
    for column in IDENTIFIER_COLUMNS:
        value = row.extra.get(column)
        if value:
            found.append(f"{column}:{str(value).upper()}")
    return tuple(found)


def _rows(folder: Path, spec: FileSpec, problems: ProblemLog) -> Iterator[Row]:
    """Rows of one file, checked for CSV structure; structural problems go to ``problems``."""
    path = folder / spec.name
    shown = str(path)
    if not path.is_file():
        if spec.mandatory_file:
            problems.add(shown, None, None, "file not found (a dataset needs entities.csv)")
        return
    with open_csv(path, problems, encoding=None) as reader:  # UTF-8, CP932 or CP1251
        if reader is None:
            return
        header = csv_header(reader, shown, problems)
        if header is None or not _header_ok(header, spec, shown, problems):
            return
        extras = [c for c in header if c not in spec.columns]
        while True:
            starts_on = reader.line_num + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                # an unclosed quote swallows the rest of the file: point at where it opened
                problems.add(
                    shown, starts_on, None, f"malformed CSV in the record starting here: {exc}"
                )
                return
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue  # blank lines are not records
            if len(values) != len(header):
                problems.add(
                    shown, line, None, f"{len(values)} fields where the header has {len(header)}"
                )
                continue
            row = Row(shown, line, dict(zip(header, values, strict=True)), problems)
            for column, value in row.values.items():
                if len(value) > MAX_FIELD_CHARS:
                    row.error(column, f"{len(value)} characters (at most {MAX_FIELD_CHARS})")
                    row.values[column] = value[:MAX_FIELD_CHARS]  # no follow-on "empty" error
            row.extra = {c: row.values[c].strip() for c in extras if row.values[c].strip()}
            yield row


def _header_ok(header: list[str], spec: FileSpec, shown: str, problems: ProblemLog) -> bool:
    separator = _other_separator(header)
    if separator:
        problems.add(
            shown,
            1,
            None,
            f"the header reads as one column: the file seems separated by {separator!r}; "
            "registry CSV files are comma-separated",
        )
        return False
    ok = True
    for column in spec.required:
        if column not in header:
            problems.add(shown, 1, column, "required column is missing from the header")
            ok = False
    seen: set[str] = set()
    for column in header:
        if not column:
            problems.add(shown, 1, None, "a header cell is empty")
            ok = False
        elif column in seen:
            problems.add(shown, 1, column, "column appears twice in the header")
            ok = False
        elif column in RESERVED_PROPERTIES:
            problems.add(shown, 1, column, "column name is reserved for the importer's own use")
            ok = False
        seen.add(column)
    return ok


def _other_separator(header: list[str]) -> str | None:
    """The separator a one-column header is split by instead of commas (``;``: spreadsheets in
    many locales), if any."""
    if len(header) != 1:
        return None
    return next((sep for sep in (";", "\t", "|") if sep in header[0]), None)


FORMAT = RegistryCsv()

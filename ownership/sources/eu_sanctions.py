"""EU sanctions annexes as OpenSanctions publishes them: one CSV row per listing.

The file is OpenSanctions' ``journal_sanctions`` extract of a Council regulation's annex, e.g.
``32014R0269.csv`` for Regulation (EU) No 269/2014 (the Ukraine territorial-integrity asset
freeze). Its header starts ``celex,recordId,programKey,annex,measure,startDate,reason,schema,
name,alias,…`` and goes on with FollowTheMoney property names (``innCode``, ``ogrnCode``,
``leiCode``, ``registrationNumber``, ``taxNumber``, ``address`` …).

A listed subject is identified by its annex and its entry number there (``recordId``; entries
keep their numbers for as long as they are listed, and insertions get ``174a``-style numbers), so
the entity id is ``eu-<celex>-<annex>-<recordId>``. Several rows with the same key are one
subject (a listing amended with other names): they become one :class:`~ownership.records.Entity`
whose aliases and identifiers are the union of the rows', and one
:class:`~ownership.records.Sanction` whose ``listed_on`` is the earliest ``startDate``.

Reading is two streaming passes: the first counts the rows of each key, so the second can emit
an entity as soon as its last row has been read and keep only unfinished groups in memory.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycountry

from ownership.identifiers import normalize_identifier, valid_inn, valid_lei, valid_ogrn
from ownership.problems import ProblemLog
from ownership.records import Entity, Provenance, Record, Sanction
from ownership.sources.files import csv_header, csv_rows, first_csv_row, open_csv

AUTHORITY = "EU"
HEADER_MARKERS = ("celex", "recordId", "annex", "schema", "name", "startDate")
REQUIRED = ("recordId", "schema", "name")
# FollowTheMoney schema -> (entity kind, tag).
KINDS: dict[str, tuple[str, str | None]] = {
    "person": ("person", None),
    "legalentity": ("company", None),
    "company": ("company", None),
    "organization": ("company", None),
    "publicbody": ("company", None),
    "vessel": ("company", "vessel"),
    "airplane": ("company", "aircraft"),
}
# Columns kept on the entity as properties (property name, column). Names, identifiers, address
# and dates are turned into fields of their own.
DETAIL_COLUMNS = (
    ("birth_date", "birthDate"),
    ("birth_place", "birthPlace"),
    ("position", "position"),
    ("gender", "gender"),
    ("nationality", "nationality"),
    ("passport_number", "passportNumber"),
    ("id_number", "idNumber"),
    ("legal_form", "legalForm"),
    ("sector", "sector"),
    ("registration_number_text", "registrationNumber"),
    ("tax_number", "taxNumber"),
    ("kpp_code", "kppCode"),
    ("okpo_code", "okpoCode"),
    ("phone", "phone"),
    ("email", "email"),
    ("website", "website"),
    ("notes", "notes"),
)
_CELEX = re.compile(r"3(\d{4})[RDL](\d{4})")  # sector 3 (legal acts), year, type, number
_DMY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_DIGIT_RUN = re.compile(r"\d+(?: \d+)*")
_TAX_WORDS = re.compile(r"\b(?:tax|tin|inn)\b|инн", re.IGNORECASE)

# Country spellings in addresses and nationalities that pycountry does not know by name.
COUNTRY_NAMES = {
    "russia": "RU",
    "the russian federation": "RU",
    "people's republic of china": "CN",
    "china": "CN",
    "turkey": "TR",
    "iran": "IR",
    "syria": "SY",
    "north korea": "KP",
    "democratic people's republic of korea": "KP",
    "kosovo": "XK",
    "moldova": "MD",
    "united states of america": "US",
    "the united kingdom": "GB",
}
DEMONYMS = {
    "russian": "RU",
    "belarusian": "BY",
    "belarussian": "BY",
    "ukrainian": "UA",
    "iranian": "IR",
    "syrian": "SY",
    "north korean": "KP",
    "chinese": "CN",
    "azerbaijani": "AZ",
    "armenian": "AM",
    "moldovan": "MD",
    "finnish": "FI",
    "cypriot": "CY",
    "serbian": "RS",
    "croatian": "HR",
    "israeli": "IL",
    "swiss": "CH",
    "german": "DE",
    "french": "FR",
    "indian": "IN",
    "uzbekistani": "UZ",
    "british": "GB",
    "pakistani": "PK",
    "canadian": "CA",
    "kazakh": "KZ",
    "latvian": "LV",
    "georgian": "GE",
}


@functools.lru_cache(maxsize=1024)
def country_code(text: str) -> str | None:
    """ISO alpha-2 code for a country name or nationality, or None when not exactly one.

    Matched: pycountry's name, official and common names, a few spellings the annexes use, and
    demonyms ("Russian"). A postcode before the name and a bracketed note after it are ignored.
    """
    key = re.sub(r"\s*\([^()]*\)\s*$", "", text.replace("\u2019", "'")).strip(" .").casefold()
    key = re.sub(r"^[\d\s-]+", "", key)
    if not key:
        return None
    if key in COUNTRY_NAMES:
        return COUNTRY_NAMES[key]
    if key in DEMONYMS:
        return DEMONYMS[key]
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value and value.casefold() in (key, key.removeprefix("the ")):
                return str(country.alpha_2)
    return None


def program_of(celex: str) -> str | None:
    """``"32014R0269"`` -> ``"269/2014"``, how the regulation is cited; None when not a CELEX id."""
    m = _CELEX.fullmatch(celex.strip())
    return f"{int(m.group(2))}/{m.group(1)}" if m else None


def parse_dmy(text: str) -> dt.date:
    """``"17.3.2014"`` -> a date; raises ValueError when the text is not a d.m.yyyy date."""
    m = _DMY.fullmatch(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a date in d.m.yyyy form")
    try:
        return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        raise ValueError(f"{text!r} is not a real calendar date") from None


def numbers(cell: str, lengths: tuple[int, ...]) -> list[str]:
    """Digit strings of one of ``lengths`` in a free-text cell.

    Annexes print numbers grouped (``1 121 402 000 213``) and several per cell (``1207700324941,
    KPP 772901001``): a run of space-separated digit groups is taken whole when that gives a
    wanted length, else group by group.
    """
    found = []
    for run in _DIGIT_RUN.findall(cell):
        joined = run.replace(" ", "")
        if len(joined) in lengths:
            found.append(joined)
        else:
            found.extend(part for part in run.split() if len(part) in lengths)
    return found


def _non_latin(text: str) -> bool:
    return any(ch.isalpha() and "LATIN" not in unicodedata.name(ch, "") for ch in text)


def split_names(cell: str) -> list[str]:
    """The names in a ``;``-separated cell; ``Latin (Кириллица)`` counts as two names."""
    names: list[str] = []
    for part in cell.split(";"):
        part = part.strip()
        m = re.fullmatch(r"(.*\S)\s*\(([^()]+)\)", part)
        if m and _non_latin(m.group(1)) != _non_latin(m.group(2)):
            names.extend((m.group(1).strip(), m.group(2).strip()))
        elif part:
            names.append(part)
    return names


@dataclass
class Row:
    """One CSV row with what is needed to report problems against it."""

    file: str
    line: int
    values: dict[str, str]

    def text(self, column: str) -> str:
        return self.values.get(column, "").strip()


@dataclass
class Subject:
    """A listed subject, gathered from its rows."""

    key: tuple[str, str]
    first: Row
    kind: str
    tag: str | None
    names: list[str] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    incorporated: list[str] = field(default_factory=list)
    listed: list[dt.date] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None
    rows: int = 0
    ok: bool = True


class EuSanctions:
    """Reader for OpenSanctions' CSV of an EU sanctions annex."""

    name = "eu"
    description = "EU sanctions annex as OpenSanctions CSV (celex, recordId, annex, schema, name…)"

    def detect(self, path: Path) -> bool:
        """A CSV file whose header has the annex columns (celex, recordId, annex, schema…)."""
        first = first_csv_row(path)
        header = {c.strip() for c in first or ()}
        return all(marker in header for marker in HEADER_MARKERS)

    def read(self, path: Path, source: str, problems: ProblemLog) -> Iterator[Record]:
        shown = str(path)
        counts: dict[tuple[str, str], int] = {}
        for row in _rows(path, shown, ProblemLog()):  # pass 1: problems are reported by pass 2
            key = _key(row)
            if key:
                counts[key] = counts.get(key, 0) + 1
        pending: dict[tuple[str, str], Subject] = {}
        for row in _rows(path, shown, problems):
            key = _key(row)
            if not key:
                for column in ("recordId", "annex"):
                    if not row.text(column):
                        problems.add(shown, row.line, column, "required, but empty")
                continue
            subject = pending.get(key)
            if subject is None:
                subject = _start(key, row, problems)
                pending[key] = subject
            _add(subject, row, problems)
            if subject.rows == counts.get(key, 0):  # its last row: emit and forget it
                del pending[key]
                if subject.ok:
                    yield from _records(subject, source)
        # Groups left here lost rows between the passes (the file changed): report, not guess.
        for subject in pending.values():
            problems.add(shown, subject.first.line, None, "the file changed while it was read")


def _key(row: Row) -> tuple[str, str] | None:
    annex, record_id = row.text("annex"), row.text("recordId")
    return (annex, record_id) if annex and record_id else None


def _start(key: tuple[str, str], row: Row, problems: ProblemLog) -> Subject:
    schema = row.text("schema")
    kind, tag = KINDS.get(schema.casefold(), ("", None))
    subject = Subject(key, row, kind or "company", tag)
    if not kind:
        known = "Person, LegalEntity, Company, Organization, PublicBody, Vessel or Airplane"
        problems.add(row.file, row.line, "schema", f"{schema!r} is not {known}")
        subject.ok = False
    return subject


def _add(subject: Subject, row: Row, problems: ProblemLog) -> None:
    """Fold one row into its subject; field problems are reported and spoil the subject."""
    subject.rows += 1
    if row is not subject.first and row.text("schema") != subject.first.text("schema"):
        problems.add(
            row.file,
            row.line,
            "schema",
            f"{row.text('schema')!r} differs from line {subject.first.line} of the same entry",
        )
        subject.ok = False
    name = row.text("name")
    if not name:
        problems.add(row.file, row.line, "name", "required, but empty")
        subject.ok = False
    subject.names.extend([name] if name else [])
    for column in ("alias", "weakAlias", "previousName"):
        subject.names.extend(split_names(row.text(column)))
    if row.text("startDate"):  # one real entry (Nightwolves MC) has none: unknown, not wrong
        try:
            listed = parse_dmy(row.text("startDate"))
        except ValueError as exc:
            problems.add(row.file, row.line, "startDate", str(exc))
            subject.ok = False
        else:
            subject.listed.append(listed)
    if row.text("incorporationDate"):
        subject.incorporated.append(row.text("incorporationDate"))
    if row.text("address"):
        subject.addresses.append(row.text("address"))
    _identifiers(subject, row)
    _countries(subject, row)
    for prop, column in DETAIL_COLUMNS:
        if row.text(column) and prop not in subject.extra:
            subject.extra[prop] = row.text(column)
    subject.reason = subject.reason or row.text("reason") or None


def _identifiers(subject: Subject, row: Row) -> None:
    """Strong keys from the identifier columns.

    ``innCode``/``ogrnCode`` are OpenSanctions' own extraction: every INN- or OGRN-length number
    there is taken, and one failing its check digits is kept as unverified instead. The annex's
    free-text ``taxNumber`` and ``registrationNumber`` also hold Russian numbers for most Russian
    entries, but Ukrainian and other numbers as well, so from them only numbers that pass the
    check digits are taken, of the length the subject's kind has (a company INN has 10 digits, a
    person's 12: Ukrainian personal tax numbers have 10), and none from a cell naming another
    country.
    """
    found, unverified = subject.identifiers, subject.unverified
    for number in numbers(row.text("innCode"), (10, 12)):
        (found if valid_inn(number) else unverified).append(f"inn:{number}")
    for number in numbers(row.text("ogrnCode"), (13, 15)):
        (found if valid_ogrn(number) else unverified).append(f"reg:RU:{number}")
    inn_length = (12,) if subject.kind == "person" else (10,)
    tax = row.text("taxNumber")
    if not _foreign(tax):
        found.extend(f"inn:{n}" for n in numbers(tax, inn_length) if valid_inn(n))
    registration = row.text("registrationNumber")
    if not _foreign(registration):
        found.extend(f"reg:RU:{n}" for n in numbers(registration, (13, 15)) if valid_ogrn(n))
        if _TAX_WORDS.search(registration):
            found.extend(f"inn:{n}" for n in numbers(registration, inn_length) if valid_inn(n))
    lei = normalize_identifier("lei", row.text("leiCode"))
    if lei and valid_lei(lei):
        found.append(f"lei:{lei}")
    for number in numbers(row.text("imoNumber"), (7,)):
        found.append(f"imo:{number}")
    swift = row.text("swiftBic").upper()
    if re.fullmatch(r"[A-Z0-9]{8}(?:[A-Z0-9]{3})?", swift):
        found.append(f"swift:{swift}")


def _foreign(cell: str) -> bool:
    """True when a number cell names a country other than Russia, e.g. ``… (Ukraine)``."""
    return any(
        (code := country_code(m)) is not None and code != "RU"
        for m in re.findall(r"\(([^()]+)\)", cell)
    )


def _countries(subject: Subject, row: Row) -> None:
    """Candidate jurisdictions: the country columns, else a person's nationalities, else the
    country at the end of each address. :func:`_records` keeps one only when they agree."""
    for column in ("jurisdiction", "country"):
        value = row.text(column)
        if len(value) == 2 and pycountry.countries.get(alpha_2=value.upper()):
            subject.countries.append(value.upper())
        elif value and (code := country_code(value)):
            subject.countries.append(code)
    if subject.kind == "person":
        for part in re.split(r",|;|\band/or\b|\band\b", row.text("nationality")):
            if code := country_code(part):
                subject.countries.append(code)
    elif not subject.countries:
        for address in row.text("address").split(";"):
            if code := country_code(address.rsplit(",", 1)[-1]):
                subject.countries.append(code)


def _records(subject: Subject, source: str) -> Iterator[Entity | Sanction]:
    first = subject.first
    annex, record_id = subject.key
    celex = first.text("celex")
    entity_id = f"eu-{celex or 'annex'}-{annex}-{record_id}"
    name = subject.names[0]
    identifiers = tuple(dict.fromkeys(subject.identifiers))
    ogrns = [i.removeprefix("reg:RU:") for i in identifiers if i.startswith("reg:RU:")]
    countries = set(subject.countries)
    if not countries and ogrns and subject.kind == "company":
        countries = {"RU"}  # an entry that says nothing else is where its register number is
    extra = dict(subject.extra)
    if subject.unverified:
        extra["unverified_identifiers"] = list(dict.fromkeys(subject.unverified))
    incorporated = None
    dates = set(subject.incorporated)
    if len(dates) == 1:
        try:
            incorporated = parse_dmy(dates.pop())
        except ValueError:
            pass
    if incorporated is None and subject.incorporated:
        extra["incorporation_date_text"] = "; ".join(dict.fromkeys(subject.incorporated))
    listing = f"eu:{celex}:{annex}:{record_id}" if celex else f"eu:{annex}:{record_id}"
    yield Entity(
        id=entity_id,
        kind=subject.kind,
        name=name,
        provenance=Provenance(source, entity_id, first.file, first.line),
        jurisdiction=countries.pop() if len(countries) == 1 else None,
        registration_number=ogrns[0] if len(ogrns) == 1 else None,
        incorporation_date=incorporated,
        address="; ".join(dict.fromkeys(subject.addresses)) or None,
        tags=(subject.tag,) if subject.tag else (),
        aliases=tuple(dict.fromkeys(n for n in subject.names if n != name)),
        identifiers=(listing, *identifiers),
        extra=extra,
    )
    program = program_of(celex) or first.text("programKey") or None
    sanction_extra: dict[str, Any] = {"annex": annex, "entry": record_id}
    for prop, column in (
        ("celex", "celex"),
        ("programme_key", "programKey"),
        ("measure", "measure"),
    ):
        if first.text(column):
            sanction_extra[prop] = first.text(column)
    if subject.reason:
        sanction_extra["reason"] = subject.reason
    yield Sanction(
        entity_id=entity_id,
        authority=AUTHORITY,
        provenance=Provenance(source, f"{entity_id}:{program}", first.file, first.line),
        program=program,
        listed_on=min(subject.listed) if subject.listed else None,
        extra=sanction_extra,
    )


# -- reading the file ----------------------------------------------------------------------------


def _rows(path: Path, shown: str, problems: ProblemLog) -> Iterator[Row]:
    """The file's rows, checked for CSV structure; structural problems go to ``problems``.

    A row with the wrong number of fields or an undecodable byte is reported and skipped, and
    reading goes on. A CSV syntax error (a stray or unclosed quote) stops reading: after it,
    where rows begin can no longer be trusted.
    """
    bad_lines: set[int] = set()
    with open_csv(path, problems, bad_lines=bad_lines) as reader:
        if reader is None:
            return
        header = csv_header(reader, shown, problems)
        if header is None:
            return
        missing = [column for column in REQUIRED + ("annex",) if column not in header]
        for column in missing:
            problems.add(shown, 1, column, "required column is missing from the header")
        if missing:
            return
        for start, values in csv_rows(reader, shown, problems, bad_lines):
            if len(values) != len(header):
                problems.add(
                    shown, start, None, f"{len(values)} fields where the header has {len(header)}"
                )
                continue
            yield Row(shown, start, dict(zip(header, values, strict=True)))


FORMAT = EuSanctions()

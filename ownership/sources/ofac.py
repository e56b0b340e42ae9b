"""The OFAC SDN list (``sdn.csv``): the US Treasury's Specially Designated Nationals, as CSV.

The file has no header. Every row has 12 fields: ``ent_num, SDN_Name, SDN_Type, Program, Title,
Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks``; ``-0-`` (often followed by a
space) means empty, lines end in CRLF and the file ends with a DOS end-of-file byte (``\\x1a``).

Each row becomes one :class:`~ownership.records.Entity` (``ofac-<ent_num>``) and one
:class:`~ownership.records.Sanction` per program. Most of what an investigator needs is in the
free-text Remarks, a ``;``-separated list of ``Label value (Country)`` items; the ones that carry
strong keys or relations are parsed (see :func:`_parse_remarks`), and the whole text is kept on
the entity as ``remarks`` so nothing is lost.

``Linked To: NAME`` is OFAC's only relation between listed parties. It means the party was
designated for being owned or controlled by, acting for, or supporting NAME: not a share, so it
becomes a ``control`` :class:`~ownership.records.Ownership` (``interest_type="ofac-linked-to"``,
no share) from NAME to the row's entity. A *person* cannot be owned in this model, so a person
linked to a company becomes an :class:`~ownership.records.Officer` with role ``ofac-linked-to``
instead; a person linked to a person (relatives, associates) fits neither, and that name stays in
the entity's ``extra["linked_to"]`` together with names that match no SDN name or several.

The SDN CSV carries **no listing date**. ``Effective Date (EO 14024 Directive …)`` and
``Listing Date (EO 14024 Directive …)`` in Remarks are dates of the Russian *directives*
(sectoral restrictions), not of the SDN listing, so ``listed_on`` is left ``None`` and those
remarks are kept on the sanction as ``directive_dates``.

Reading takes three streaming passes, holding only an index of names and kinds (about 15,000
short strings for the full list): the first builds the name index (linked names often appear
later in the file), the second yields entities and sanctions, the third the relations. Relations
come last because the loader writes an edge by matching both of its ends, which must already have
been written. Problems are reported by the second pass only.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycountry

from ownership.identifiers import normalize_identifier, valid_inn, valid_lei, valid_ogrn
from ownership.problems import ProblemLog
from ownership.records import Entity, Officer, Ownership, Provenance, Record, Sanction
from ownership.sources.files import csv_rows, first_csv_row, open_csv

COLUMNS = (
    "ent_num",
    "SDN_Name",
    "SDN_Type",
    "Program",
    "Title",
    "Call_Sign",
    "Vess_type",
    "Tonnage",
    "GRT",
    "Vess_flag",
    "Vess_owner",
    "Remarks",
)
EMPTY = "-0-"
DOS_EOF = "\x1a"  # the SDN files end with a Ctrl-Z byte, a relic of DOS tools
INTEREST_TYPE = "ofac-linked-to"
VESSEL_OWNER_INTEREST = "ofac-vessel-owner"
OFFICER_ROLE = "ofac-linked-to"
AUTHORITY = "OFAC"
# SDN_Type -> (entity kind, tag). "-0-" is the list's own spelling of an organisation.
KINDS: dict[str, tuple[str, str | None]] = {
    "": ("company", None),
    "entity": ("company", None),
    "individual": ("person", None),
    "vessel": ("company", "vessel"),
    "aircraft": ("company", "aircraft"),
}
# Vessel/aircraft columns kept as entity properties (property name, column).
DETAIL_COLUMNS = (
    ("title", "Title"),
    ("call_sign", "Call_Sign"),
    ("vessel_type", "Vess_type"),
    ("tonnage", "Tonnage"),
    ("grt", "GRT"),
    ("vessel_flag", "Vess_flag"),
    ("vessel_owner", "Vess_owner"),
)

# OFAC country spellings that pycountry does not know by name. Only whole names: "Region:
# Crimea", "Palestinian" and the like stay unresolved rather than guessed.
COUNTRY_OVERRIDES = {
    "russia": "RU",
    "turkey": "TR",
    "burma": "MM",
    "korea, north": "KP",
    "korea, south": "KR",
    "congo, democratic republic of the": "CD",
    "congo, republic of the": "CG",
    "kosovo": "XK",
    "north macedonia, the republic of": "MK",
    "macau": "MO",
    "the gambia": "GM",
    "man, isle of": "IM",
    "u.k.": "GB",
    "brunei": "BN",
}
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_FULL_DATE = re.compile(r"(\d{1,2}) ([A-Za-z]{3}) (\d{4})")

_ALT = r"(?:alt\. )?"
_ALIAS = re.compile(_ALT + r"([afn])\.k\.a\.,? '(.+)'", re.DOTALL)
_LINKED = re.compile(r"Linked To: (.+)", re.DOTALL)
_ESTABLISHED = re.compile(_ALT + r"Organization Established Date (.+)")
_NATIONALITY = re.compile(_ALT + r"(nationality|citizen|Nationality of Registration) (.+)")
_LEI = re.compile(_ALT + r"Legal Entity Number (\S+)")
_IMO = re.compile(_ALT + r"Vessel Registration Identification IMO (\d+)")
_MMSI = re.compile(_ALT + r"MMSI (\d+)")
_DIRECTIVE_DATE = re.compile(r"(?:Listing|Effective) Date \(.*\): .+")
# "Label value (Country)", optionally followed by "issued …"/"expires …".
_NUMBER = re.compile(
    _ALT + r"(?P<label>Tax ID No\.|Registration Number|Registration ID|Business Registration Number"
    r"|Company Number|Unified Social Credit Code \(USCC\)) (?P<value>[^()]+?)"
    r"(?: \((?P<country>[^()]+)\))?(?: (?:issued|expires) .*)?"
)
_REGISTER_LABELS = frozenset(
    {
        "Registration Number",
        "Registration ID",
        "Business Registration Number",
        "Company Number",
        "Unified Social Credit Code (USCC)",
    }
)


@functools.lru_cache(maxsize=1024)
def country_code(name: str) -> str | None:
    """ISO alpha-2 code for a country *name* as OFAC writes it, or None when not one country.

    Only names are matched (pycountry's name, official and common names, plus a few OFAC
    spellings): a two-letter word in Remarks is far more often an abbreviation than a code.
    """
    key = name.strip().rstrip(".").casefold()
    if not key:
        return None
    if key in COUNTRY_OVERRIDES:
        return COUNTRY_OVERRIDES[key]
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value and value.casefold() == key:
                return str(country.alpha_2)
    return None


def name_key(name: str) -> str:
    """How a ``Linked To`` name is compared with SDN names: case-folded, outer punctuation off."""
    return name.strip().rstrip(".,;: ").strip().casefold()


def split_programs(cell: str) -> tuple[str, ...]:
    """``"IRAN] [SDGT"`` (the CSV's join of several programs) -> ``("IRAN", "SDGT")``."""
    parts = (p.strip(" []") for p in cell.split("] ["))
    return tuple(dict.fromkeys(p for p in parts if p))


def parse_date(text: str) -> dt.date | None:
    """``"14 Apr 2021"`` -> a date; anything less precise (``"2010"``, ``"Oct 2015"``) -> None."""
    m = _FULL_DATE.fullmatch(text.strip().rstrip("."))
    if not m or m.group(2).lower() not in _MONTHS:
        return None
    try:
        return dt.date(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
    except ValueError:
        return None


@dataclass
class Remarks:
    """What :func:`_parse_remarks` takes out of the Remarks text."""

    aliases: list[str] = field(default_factory=list)
    linked_to: list[str] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)  # Russian numbers failing check digits
    register_numbers: list[tuple[str, str]] = field(default_factory=list)  # (country, number)
    established: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)  # alpha-2
    registration_countries: list[str] = field(default_factory=list)  # alpha-2
    tax_countries: list[str] = field(default_factory=list)  # alpha-2
    directive_dates: list[str] = field(default_factory=list)


def _parse_remarks(text: str) -> Remarks:
    """Parse the ``;``-separated Remarks items that carry keys, names and relations.

    Identifiers: ``Tax ID No. N (Russia)`` -> ``inn:N``; ``Registration Number|ID N (Country)``
    and the other register-number labels -> ``reg:CC:N``; ``Legal Entity Number`` -> ``lei:`` only
    when it is a real LEI (OFAC also puts Dutch and other national numbers there); vessel IMO and
    MMSI numbers -> ``imo:``/``mmsi:``. Russian INNs and OGRNs must pass their check digits; one
    that fails is kept as ``unverified`` rather than offered as a key to merge entities on.
    """
    found = Remarks()
    for raw in text.split(";"):
        item = raw.strip()
        if not item:
            continue
        if m := _LINKED.fullmatch(item):
            found.linked_to.append(m.group(1).strip())
            continue
        item = item.rstrip(".").strip()
        if m := _ALIAS.fullmatch(item):
            found.aliases.append(m.group(2).strip())
        elif m := _ESTABLISHED.fullmatch(item):
            found.established.append(m.group(1).strip())
        elif m := _NATIONALITY.fullmatch(item):
            code = country_code(m.group(2))
            if code:
                found.nationalities.append(code)
        elif m := _LEI.fullmatch(item):
            value = normalize_identifier("lei", m.group(1))
            if valid_lei(value):
                found.identifiers.append(f"lei:{value}")
        elif m := _IMO.fullmatch(item):
            found.identifiers.append(f"imo:{m.group(1)}")
        elif m := _MMSI.fullmatch(item):
            found.identifiers.append(f"mmsi:{m.group(1)}")
        elif _DIRECTIVE_DATE.fullmatch(item):
            found.directive_dates.append(item)
        elif m := _NUMBER.fullmatch(item):
            _number(found, m.group("label"), m.group("value"), m.group("country"))
    return found


def _number(found: Remarks, label: str, value: str, country_name: str | None) -> None:
    country = country_code(country_name) if country_name else None
    if country is None:
        return  # a number without a country is not a key we can scope
    # Russian numbers are digits that lists print grouped ("1 027 700 132 195"); other countries'
    # numbers are kept as OFAC writes them, as registry extracts do (reg:CH:CH-170.3.045.713-7).
    number = normalize_identifier("", value) if country == "RU" else value.strip()
    if label == "Tax ID No.":
        found.tax_countries.append(country)
        if country == "RU":
            (found.identifiers if valid_inn(number) else found.unverified).append(f"inn:{number}")
        return
    if label not in _REGISTER_LABELS or number.startswith("IMO"):
        return
    found.registration_countries.append(country)
    if country == "RU" and not valid_ogrn(number):
        found.unverified.append(f"reg:RU:{number}")
        return
    found.identifiers.append(f"reg:{country}:{number}")
    found.register_numbers.append((country, number))


def _only(values: list[str]) -> str | None:
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


@dataclass
class Row:
    """One SDN row, its columns with ``-0-`` read as empty."""

    line: int
    values: dict[str, str]

    def text(self, column: str) -> str:
        value = self.values[column].strip()
        return "" if value == EMPTY else value


@dataclass
class Listed:
    """What the name index keeps per listed party."""

    ent_num: str
    kind: str


class OfacSdn:
    """Reader for the OFAC SDN CSV."""

    name = "ofac"
    description = "OFAC SDN list, headerless sdn.csv (ent_num, SDN_Name, …, Remarks)"

    def detect(self, path: Path) -> bool:
        """The first line is a 12-field CSV row whose first field is an integer, with ``-0-``.

        Only the first line is looked at, so a file with broken rows further down is still
        recognised, and its problems are then reported by :meth:`read`.
        """
        row = first_csv_row(path)
        if row is None:
            return False
        return (
            len(row) == len(COLUMNS)
            and row[0].strip().isascii()
            and row[0].strip().isdigit()
            and any(cell.strip() == EMPTY for cell in row)
        )

    def read(self, path: Path, source: str, problems: ProblemLog) -> Iterator[Record]:
        shown = str(path)
        index = self._index(path)
        yield from self._entities(path, shown, source, problems, index)
        yield from self._relations(path, shown, source, index)

    # -- passes --------------------------------------------------------------------------------

    def _index(self, path: Path) -> dict[str, list[Listed]]:
        """Pass 1: name key -> every valid row carrying that SDN_Name (problems not reported)."""
        index: dict[str, list[Listed]] = {}
        scratch = ProblemLog()
        for row in _rows(path, str(path), scratch):
            checked = _check(row, str(path), scratch)
            if checked:
                ent_num, kind, _ = checked
                index.setdefault(name_key(row.text("SDN_Name")), []).append(Listed(ent_num, kind))
        return index

    def _entities(
        self,
        path: Path,
        shown: str,
        source: str,
        problems: ProblemLog,
        index: dict[str, list[Listed]],
    ) -> Iterator[Entity | Sanction]:
        """Pass 2: an entity and its sanctions per row; every problem is reported here."""
        first_line: dict[str, int] = {}
        reported = len(problems.problems)
        rows = 0
        for row in _rows(path, shown, problems):
            rows += 1
            checked = _check(row, shown, problems)
            if not checked:
                continue
            ent_num, kind, tag = checked
            if ent_num in first_line:
                problems.add(
                    shown,
                    row.line,
                    "ent_num",
                    f"duplicate ent_num {ent_num} (first on line {first_line[ent_num]})",
                )
                continue
            first_line[ent_num] = row.line
            yield from _entity_and_sanctions(row, shown, source, ent_num, kind, tag, index)
        if rows == 0 and len(problems.problems) == reported:
            problems.add(shown, None, None, "no SDN rows: the file is empty")

    def _relations(
        self, path: Path, shown: str, source: str, index: dict[str, list[Listed]]
    ) -> Iterator[Ownership | Officer]:
        """Pass 3: ``Linked To`` and vessel-owner relations (problems were reported by pass 2)."""
        scratch = ProblemLog()
        seen: set[str] = set()
        for row in _rows(path, shown, scratch):
            checked = _check(row, shown, scratch)
            if not checked or checked[0] in seen:
                continue
            ent_num, kind, _ = checked
            seen.add(ent_num)
            this = Listed(ent_num, kind)
            remarks = _parse_remarks(row.text("Remarks"))
            done: set[str] = set()
            for linked_name in remarks.linked_to:
                other = _resolve(index, linked_name, this)
                if other and other.ent_num not in done:
                    relation = _relation(other, this, INTEREST_TYPE, source, shown, row.line)
                    if relation:
                        done.add(other.ent_num)
                        yield relation
            owner_name = row.text("Vess_owner")
            other = _resolve(index, owner_name, this) if owner_name else None
            if other and other.ent_num not in done and kind == "company":
                relation = _relation(other, this, VESSEL_OWNER_INTEREST, source, shown, row.line)
                if relation:
                    yield relation


def _resolve(index: dict[str, list[Listed]], name: str, this: Listed) -> Listed | None:
    """The one listed party called ``name``, or None when unknown, ambiguous or ``this`` itself."""
    matches = index.get(name_key(name), [])
    if len(matches) != 1 or matches[0].ent_num == this.ent_num:
        return None
    return matches[0]


def _relation(
    other: Listed, this: Listed, interest: str, source: str, shown: str, line: int
) -> Ownership | Officer | None:
    """``other`` controls ``this`` (a company), or ``this`` (a person) acts for ``other``."""
    owner_id, owned_id = f"ofac-{other.ent_num}", f"ofac-{this.ent_num}"
    if this.kind == "company":
        record_id = f"{interest}:{other.ent_num}>{this.ent_num}"
        return Ownership(
            owner_id=owner_id,
            owned_id=owned_id,
            provenance=Provenance(source, record_id, shown, line),
            kind="control",
            interest_type=interest,
        )
    if other.kind == "company":
        record_id = f"{OFFICER_ROLE}:{this.ent_num}>{other.ent_num}"
        return Officer(
            person_id=owned_id,
            company_id=owner_id,
            provenance=Provenance(source, record_id, shown, line),
            role=OFFICER_ROLE,
        )
    return None  # person linked to person: kept in extra["linked_to"]


def _linked_without_edge(
    index: dict[str, list[Listed]], names: list[str], this: Listed
) -> list[str]:
    """The ``Linked To`` names that :meth:`OfacSdn._relations` will not turn into an edge."""
    kept = []
    for linked_name in names:
        other = _resolve(index, linked_name, this)
        if other is None or (this.kind == "person" and other.kind == "person"):
            kept.append(linked_name.removesuffix("."))  # the full stop ending the Remarks
    return list(dict.fromkeys(kept))


def _check(row: Row, shown: str, problems: ProblemLog) -> tuple[str, str, str | None] | None:
    """The row's ent_num, kind and tag, or None (with problems reported) when it is unusable."""
    ok = True
    ent_num = row.text("ent_num")
    if not ent_num.isascii() or not ent_num.isdigit():
        problems.add(shown, row.line, "ent_num", f"{ent_num!r} is not an integer")
        ok = False
    if not row.text("SDN_Name"):
        problems.add(shown, row.line, "SDN_Name", "required, but empty")
        ok = False
    sdn_type = row.text("SDN_Type").lower()
    if sdn_type not in KINDS:
        problems.add(
            shown,
            row.line,
            "SDN_Type",
            f"{sdn_type!r} is not individual, entity, vessel, aircraft or {EMPTY}",
        )
        ok = False
    if not split_programs(row.text("Program")):
        problems.add(shown, row.line, "Program", "required, but empty")
        ok = False
    if not ok:
        return None
    kind, tag = KINDS[sdn_type]
    return ent_num.lstrip("0") or "0", kind, tag


def _entity_and_sanctions(
    row: Row,
    shown: str,
    source: str,
    ent_num: str,
    kind: str,
    tag: str | None,
    index: dict[str, list[Listed]],
) -> Iterator[Entity | Sanction]:
    record_id = f"ofac-{ent_num}"
    name = row.text("SDN_Name")
    programs = split_programs(row.text("Program"))
    remarks_text = row.text("Remarks")
    remarks = _parse_remarks(remarks_text)

    extra: dict[str, Any] = {"programs": list(programs)}
    for prop, column in DETAIL_COLUMNS:
        if row.text(column):
            extra[prop] = row.text(column)
    if remarks_text:
        extra["remarks"] = remarks_text
    linked = _linked_without_edge(index, remarks.linked_to, Listed(ent_num, kind))
    if linked:
        extra["linked_to"] = linked
    if remarks.unverified:
        extra["unverified_identifiers"] = list(dict.fromkeys(remarks.unverified))

    incorporated = None
    if kind == "company" and remarks.established:
        dates = {parse_date(text) for text in remarks.established}
        incorporated = dates.pop() if len(dates) == 1 else None
        if incorporated is None:
            extra["established"] = list(dict.fromkeys(remarks.established))

    jurisdiction, registration_number = _jurisdiction(row, kind, tag, remarks)
    aliases = list(remarks.aliases)
    if kind == "person" and name.count(",") == 1:
        # "SURNAME, Given Names" is OFAC's order; other lists write "Given Names SURNAME".
        surname, given = (part.strip() for part in name.split(","))
        if surname and given:
            aliases.append(f"{given} {surname}")
    yield Entity(
        id=record_id,
        kind=kind,
        name=name,
        provenance=Provenance(source, record_id, shown, row.line),
        jurisdiction=jurisdiction,
        registration_number=registration_number,
        incorporation_date=incorporated,
        tags=tuple(dict.fromkeys((*programs, *((tag,) if tag else ())))),
        aliases=tuple(dict.fromkeys(a for a in aliases if a and a != name)),
        identifiers=tuple(dict.fromkeys((f"ofac:{ent_num}", *remarks.identifiers))),
        extra=extra,
    )
    for program in programs:
        sanction_extra: dict[str, Any] = {}
        if remarks.directive_dates:
            sanction_extra["directive_dates"] = list(remarks.directive_dates)
        yield Sanction(
            entity_id=record_id,
            authority=AUTHORITY,
            provenance=Provenance(source, f"{record_id}:{program}", shown, row.line),
            program=program,
            listed_on=None,  # the SDN CSV has no listing date: see the module docstring
            extra=sanction_extra,
        )


def _jurisdiction(
    row: Row, kind: str, tag: str | None, remarks: Remarks
) -> tuple[str | None, str | None]:
    """The entity's country, when the row names exactly one; and its register number then.

    A person's is their nationality or citizenship. A company's is the country of its register
    numbers, else its stated nationality (OFAC writes "Nationality of Registration" for some),
    else the country of its tax number; a vessel's is its flag. Several different countries at
    the deciding level give None: the row does not say which one is *the* jurisdiction.
    """
    if kind == "person":
        return _only(remarks.nationalities), None
    if tag == "vessel" and row.text("Vess_flag"):
        flag = country_code(row.text("Vess_flag"))
        if flag:
            return flag, None
    for countries in (remarks.registration_countries, remarks.nationalities, remarks.tax_countries):
        if countries:
            country = _only(countries)
            numbers = {n for c, n in remarks.register_numbers if c == country}
            return country, (numbers.pop() if len(numbers) == 1 else None)
    return None, None


# -- reading the file ----------------------------------------------------------------------------


def _rows(path: Path, shown: str, problems: ProblemLog) -> Iterator[Row]:
    """The file's rows, checked for CSV structure; structural problems go to ``problems``.

    A row with the wrong number of fields or an undecodable byte is reported and skipped, and
    reading goes on, so one pass finds every such problem. A CSV syntax error (a stray or
    unclosed quote) stops reading: after it, where rows begin can no longer be trusted.
    """
    bad_lines: set[int] = set()
    with open_csv(path, problems, bad_lines=bad_lines) as reader:
        if reader is None:
            return
        for start, values in csv_rows(reader, shown, problems, bad_lines):
            if values == [DOS_EOF]:
                continue
            if len(values) != len(COLUMNS):
                problems.add(
                    shown,
                    start,
                    None,
                    f"{len(values)} fields where an SDN row has {len(COLUMNS)}",
                )
                continue
            yield Row(start, dict(zip(COLUMNS, values, strict=True)))


FORMAT = OfacSdn()

"""The UK PSC format: Companies House "persons with significant control" snapshot, JSON lines.

Each line is one PSC of one company: ``{"company_number": …, "data": {"kind": …,
"natures_of_control": […], "notified_on": …, "ceased_on": …}}``. The companies themselves are
not described by the snapshot, only numbered, so each company number becomes a company
``GB-COH-<number>`` named by its number. Companies House "Basic Company Data" (the JSON form
with ``CompanyNumber``, ``CompanyName``, ``RegAddress.*``…) gives the real names: read it in the
same folder as the snapshot and its companies are written in full, before the PSC lines, which
then add no stub for a company already described (two files given as separate paths would let
the stub overwrite the name, so a folder is the way to import both).

Individual PSCs become persons, corporate and legal-person PSCs companies. A PSC has no id that
is stable across companies: its id is the last segment of ``links.self``, so the same human at
two companies is two persons. A corporate PSC carries its own register number, which becomes a
``reg:<CC>:<number>`` identifier so that it resolves to the company it is; the US is left out, as
its registers are per state and their numbers collide.

Every nature of control becomes its own edge: share and voting bands (``…-25-to-50-percent``)
with the statutory exclusivity of their bounds, appointment rights and significant influence as
``control`` edges without a share. Super-secure PSCs, PSC statements, exemptions and the snapshot's
totals line carry no party and are skipped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycountry

from ownership.identifiers import normalize_identifier
from ownership.problems import ProblemLog
from ownership.records import Entity, Ownership, Provenance, Record
from ownership.sources.files import (
    JsonValue,
    first_json_object,
    json_files,
    json_type,
    json_values,
)

PERSON_KINDS = frozenset(
    {"individual-person-with-significant-control", "individual-beneficial-owner"}
)
COMPANY_KINDS = frozenset(
    {
        "corporate-entity-person-with-significant-control",
        "legal-person-person-with-significant-control",
        "corporate-entity-beneficial-owner",
        "legal-person-beneficial-owner",
    }
)
# Known kinds that name no party: nothing to write but the company they are about.
PARTYLESS_KINDS = frozenset(
    {
        "super-secure-person-with-significant-control",
        "super-secure-beneficial-owner",
        "persons-with-significant-control-statement",
        "exemptions",
    }
)
TOTALS_KIND = "totals#persons-of-significant-control-snapshot"

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BASIC_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")  # Basic Company Data writes dd/mm/yyyy
_BAND = re.compile(
    r"^(ownership-of-shares|voting-rights|right-to-share-surplus-assets"
    r"|part-right-to-share-surplus-assets)-(\d+)-to-(\d+)-percent(?:-[a-z-]+)?$"
)
_MORE_THAN = re.compile(
    r"^(ownership-of-shares|voting-rights|right-to-share-surplus-assets)"
    r"-more-than-(\d+)-percent(?:-[a-z-]+)?$"
)
_CONTROL = re.compile(
    r"^(right-to-appoint-and-remove-[a-z]+|significant-influence-or-control)(?:-[a-z-]+)?$"
)
_BAND_KINDS = {
    "ownership-of-shares": "shareholding",
    "voting-rights": "voting",
    # An LLP's (or Scottish partnership's) right to surplus assets is its members' ownership.
    "right-to-share-surplus-assets": "shareholding",
    "part-right-to-share-surplus-assets": "shareholding",
}

# Countries as Companies House spells them, where ISO names differ.
UK_NAMES = frozenset(
    {
        "england",
        "wales",
        "scotland",
        "northern ireland",
        "england & wales",
        "england and wales",
        "england & wales.",
        "united kingdom",
        "uk",
        "u.k.",
        "great britain",
        "gb",
        "britain",
        "companies house",
        "england/wales",
    }
)
COUNTRY_NAMES = {
    "usa": "US",
    "u.s.a.": "US",
    "united states of america": "US",
    "america": "US",
    "british virgin islands": "VG",
    "bvi": "VG",
    "republic of ireland": "IE",
    "eire": "IE",
    "the netherlands": "NL",
    "holland": "NL",
    "south korea": "KR",
    "russia": "RU",
    "isle of man": "IM",
    "jersey": "JE",
    "guernsey": "GG",
    "hong kong": "HK",
    "taiwan": "TW",
    "vietnam": "VN",
    "iran": "IR",
    "syria": "SY",
    "czechia": "CZ",
    "uae": "AE",
}
# Nationalities as PSCs state them (free text): demonyms, for the ones ISO does not spell.
DEMONYMS = {
    "british": "GB",
    "english": "GB",
    "welsh": "GB",
    "scottish": "GB",
    "northern irish": "GB",
    "irish": "IE",
    "american": "US",
    "canadian": "CA",
    "australian": "AU",
    "new zealander": "NZ",
    "polish": "PL",
    "german": "DE",
    "french": "FR",
    "italian": "IT",
    "spanish": "ES",
    "portuguese": "PT",
    "dutch": "NL",
    "belgian": "BE",
    "luxembourger": "LU",
    "swiss": "CH",
    "austrian": "AT",
    "danish": "DK",
    "swedish": "SE",
    "norwegian": "NO",
    "finnish": "FI",
    "icelandic": "IS",
    "greek": "GR",
    "cypriot": "CY",
    "maltese": "MT",
    "romanian": "RO",
    "bulgarian": "BG",
    "hungarian": "HU",
    "czech": "CZ",
    "slovak": "SK",
    "slovenian": "SI",
    "croatian": "HR",
    "serbian": "RS",
    "albanian": "AL",
    "lithuanian": "LT",
    "latvian": "LV",
    "estonian": "EE",
    "ukrainian": "UA",
    "russian": "RU",
    "belarusian": "BY",
    "moldovan": "MD",
    "georgian": "GE",
    "armenian": "AM",
    "azerbaijani": "AZ",
    "kazakh": "KZ",
    "turkish": "TR",
    "israeli": "IL",
    "iranian": "IR",
    "iraqi": "IQ",
    "syrian": "SY",
    "lebanese": "LB",
    "jordanian": "JO",
    "egyptian": "EG",
    "saudi": "SA",
    "saudi arabian": "SA",
    "emirati": "AE",
    "qatari": "QA",
    "kuwaiti": "KW",
    "indian": "IN",
    "pakistani": "PK",
    "bangladeshi": "BD",
    "sri lankan": "LK",
    "nepalese": "NP",
    "afghan": "AF",
    "chinese": "CN",
    "hong konger": "HK",
    "taiwanese": "TW",
    "japanese": "JP",
    "korean": "KR",
    "south korean": "KR",
    "singaporean": "SG",
    "malaysian": "MY",
    "thai": "TH",
    "vietnamese": "VN",
    "filipino": "PH",
    "indonesian": "ID",
    "nigerian": "NG",
    "ghanaian": "GH",
    "kenyan": "KE",
    "ugandan": "UG",
    "south african": "ZA",
    "zimbabwean": "ZW",
    "somali": "SO",
    "ethiopian": "ET",
    "sudanese": "SD",
    "moroccan": "MA",
    "algerian": "DZ",
    "tunisian": "TN",
    "brazilian": "BR",
    "mexican": "MX",
    "argentinian": "AR",
    "argentine": "AR",
    "colombian": "CO",
    "chilean": "CL",
    "peruvian": "PE",
    "venezuelan": "VE",
    "jamaican": "JM",
    "trinidadian": "TT",
}
NO_NATIONAL_REGISTER = frozenset({"US"})  # company numbers are per state there, and collide


def company_id(number: str) -> str:
    """The record id of a Companies House company, shared by the PSC and Basic Company Data."""
    return f"GB-COH-{number}"


def country_code(text: str | None) -> str | None:
    """ISO 3166-1 alpha-2 of a country as Companies House writes it, or None if unknown.

    ``"England & Wales"`` is GB; ``"Minnesota, Usa"`` is US (the last comma-separated part is
    tried when the whole is not a country).
    """
    if not text or not text.strip():
        return None
    whole = " ".join(text.strip().split()).casefold()
    candidates = [whole] + [part.strip() for part in reversed(whole.split(",")) if part.strip()]
    for candidate in candidates:
        if candidate in UK_NAMES:
            return "GB"
        if candidate in COUNTRY_NAMES:
            return COUNTRY_NAMES[candidate]
        try:
            return pycountry.countries.lookup(candidate).alpha_2
        except LookupError:
            continue
    return None


def nationality_codes(text: str | None) -> list[str]:
    """ISO codes of a PSC's stated nationality (``"British"``, ``"British,Irish"``), in order."""
    codes: list[str] = []
    for part in re.split(r"[,/;]", text or ""):
        key = " ".join(part.split()).casefold()
        if not key:
            continue
        code = DEMONYMS.get(key) or country_code(key)
        if code and code not in codes:
            codes.append(code)
    return codes


def gb_number(value: str) -> str:
    """A Companies House number in its 8-character form (``686734`` is ``00686734``)."""
    number = normalize_identifier("GB-COH", value)
    return number.zfill(8) if number.isdigit() and len(number) < 8 else number


@dataclass
class Line:
    """One JSON line of the snapshot (or one Basic Company Data element) being checked."""

    item: JsonValue
    problems: ProblemLog
    ok: bool = True

    def error(self, path: str | None, message: str) -> None:
        self.ok = False
        prefix = self.item.prefix
        where = f"{prefix}.{path}" if prefix and path else (prefix or path)
        self.problems.add(self.item.file, self.item.line, where, message)

    def date(self, value: Any, path: str) -> dt.date | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str) or not _DATE.match(value):
            self.error(path, f"{value!r} is not a date in YYYY-MM-DD form")
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.error(path, f"{value!r} is not a real calendar date")
            return None


@dataclass
class Seen:
    """What one read has written so far: company numbers, so each company is written once."""

    companies: set[str] = field(default_factory=set)


class UkPsc:
    """Reader for the Companies House PSC snapshot and Basic Company Data."""

    name = "psc"
    description = (
        "UK Companies House PSC snapshot (JSON lines), with Basic Company Data (JSON) for "
        "company names; a file or a folder of them"
    )

    def detect(self, path: Path) -> bool:
        if path.is_dir():
            files = json_files(path)
            return bool(files) and all(_file_kind(f) is not None for f in files)
        return path.suffix.lower() in (".json", ".jsonl") and _file_kind(path) is not None

    def read(self, path: Path, source: str, problems: ProblemLog) -> Iterator[Record]:
        files = json_files(path) if path.is_dir() else [path]
        if not files:
            problems.add(str(path), None, None, "no .json or .jsonl files in this folder")
            return
        # Basic Company Data first: a company it names needs no stub from the PSC lines.
        basic = [f for f in files if _file_kind(f) == "basic"]
        seen = Seen()
        for file in basic:
            for item in json_values(file, problems):
                yield from _basic_company(Line(item, problems), source, seen)
        for file in files:
            if file in basic:
                continue
            for item in json_values(file, problems):
                yield from _psc_line(Line(item, problems), source, seen)


def _file_kind(path: Path) -> str | None:
    """``psc`` for a PSC snapshot, ``basic`` for Basic Company Data, judged by the first object."""
    first = first_json_object(path)
    if first is None:
        return None
    data = first.get("data")
    kind = data.get("kind") if isinstance(data, dict) else None
    if isinstance(kind, str) and (
        (
            "company_number" in first
            and ("significant-control" in kind or "beneficial-owner" in kind)
        )
        or kind == TOTALS_KIND
    ):
        return "psc"
    keys = {str(k).strip() for k in first}
    if {"CompanyNumber", "CompanyName"} <= keys:
        return "basic"
    return None


# -- PSC snapshot lines ------------------------------------------------------------------------


def _psc_line(line: Line, source: str, seen: Seen) -> Iterator[Record]:
    value = line.item.value
    if not isinstance(value, dict):
        line.error(None, f"a PSC line must be a JSON object, not {json_type(value)}")
        return
    data = value.get("data")
    if not isinstance(data, dict):
        line.error("data", "required: an object")
        return
    kind = data.get("kind")
    if kind == TOTALS_KIND:
        return  # the snapshot's own counts, not a PSC
    if not isinstance(kind, str) or not kind:
        line.error("data.kind", "required: the kind of PSC")
        return
    number = value.get("company_number")
    if not isinstance(number, str) or not number.strip():
        line.error("company_number", "required: the Companies House number of the company")
        return
    number = gb_number(number)
    if kind not in PERSON_KINDS | COMPANY_KINDS | PARTYLESS_KINDS:
        line.error("data.kind", f"{kind!r} is not a PSC kind this reader knows")
        return
    owned = company_id(number)
    if number not in seen.companies:
        seen.companies.add(number)
        yield Entity(
            id=owned,
            kind="company",
            name=_text(value.get("company_name")) or number,
            provenance=Provenance(source, owned, line.item.file, line.item.line),
            jurisdiction="GB",
            registration_number=number,
            identifiers=(f"reg:GB:{number}",),
        )
    if kind in PARTYLESS_KINDS:
        return
    psc_id = _psc_id(data)
    if psc_id is None:
        line.error("data.links.self", "required: the PSC's link (its last segment is its id)")
        return
    party = _party(line, data, kind, psc_id, source)
    start = line.date(data.get("notified_on"), "data.notified_on")
    end = line.date(data.get("ceased_on"), "data.ceased_on")
    if start and end and end < start:
        line.error("data.ceased_on", f"{end} is before notified_on {start}")
    edges = list(_edges(line, data, psc_id, owned, start, end, source))
    if line.ok and party is not None:
        yield party
        yield from edges


def _psc_id(data: dict[str, Any]) -> str | None:
    links = data.get("links")
    link = links.get("self") if isinstance(links, dict) else None
    if isinstance(link, str) and link.strip("/"):
        return link.rstrip("/").rsplit("/", 1)[-1]
    etag = data.get("etag")
    return etag if isinstance(etag, str) and etag else None


def _party(line: Line, data: dict[str, Any], kind: str, psc_id: str, source: str) -> Entity | None:
    name = _text(data.get("name")) or _elements_name(data.get("name_elements"))
    if name is None:
        line.error("data.name", "required: the PSC's name")
        return None
    provenance = Provenance(source, psc_id, line.item.file, line.item.line)
    extra: dict[str, Any] = {"psc_kind": kind}
    if data.get("is_sanctioned") is True:
        extra["is_sanctioned"] = True
    address = _address(data.get("address"))
    if kind in PERSON_KINDS:
        nationality = _text(data.get("nationality"))
        codes = nationality_codes(nationality)
        if nationality:
            extra["nationality"] = nationality
        if len(codes) > 1:
            extra["nationalities"] = codes
        residence = _text(data.get("country_of_residence"))
        if residence:
            extra["country_of_residence"] = residence
        birth = data.get("date_of_birth")
        if isinstance(birth, dict) and isinstance(birth.get("year"), int):
            month = birth.get("month")
            extra["birth_date"] = (
                f"{birth['year']:04d}-{month:02d}"
                if isinstance(month, int)
                else f"{birth['year']:04d}"
            )
        return Entity(
            id=psc_id,
            kind="person",
            name=name,
            provenance=provenance,
            jurisdiction=codes[0] if codes else None,
            address=address,
            extra=extra,
        )
    ident = data.get("identification")
    ident = ident if isinstance(ident, dict) else {}
    for key in ("legal_form", "legal_authority", "country_registered", "place_registered"):
        if _text(ident.get(key)):
            extra[key] = ident[key].strip()
    country = country_code(_text(ident.get("country_registered")))
    registration = _text(ident.get("registration_number"))
    identifiers: tuple[str, ...] = ()
    if registration and country:
        number = (
            gb_number(registration) if country == "GB" else normalize_identifier("", registration)
        )
        if country == "GB":
            registration = number  # the 8-character form, as the company's own record has it
        if country not in NO_NATIONAL_REGISTER and number:
            identifiers = (f"reg:{country}:{number}",)
    return Entity(
        id=psc_id,
        kind="company",
        name=name,
        provenance=provenance,
        jurisdiction=country,
        registration_number=registration,
        address=address,
        identifiers=identifiers,
        extra=extra,
    )


def _edges(
    line: Line,
    data: dict[str, Any],
    psc_id: str,
    owned: str,
    start: dt.date | None,
    end: dt.date | None,
    source: str,
) -> Iterator[Ownership]:
    natures = data.get("natures_of_control")
    if not isinstance(natures, list) or not natures:
        line.error("data.natures_of_control", "required: a non-empty list of natures of control")
        return
    done: set[str] = set()
    for k, nature in enumerate(natures):
        path = f"data.natures_of_control[{k}]"
        if not isinstance(nature, str) or not nature.strip():
            line.error(path, f"must be a nature of control, not {nature!r}")
            continue
        nature = nature.strip()
        if nature in done:
            continue  # stated twice: one edge
        done.add(nature)
        mapped = nature_of_control(nature)
        if isinstance(mapped, str):
            line.error(path, mapped)
            continue
        kind, low, high, flags = mapped
        yield Ownership(
            owner_id=psc_id,
            owned_id=owned,
            provenance=Provenance(source, f"{psc_id}#{nature}", line.item.file, line.item.line),
            share_min=low,
            share_max=high,
            start_date=start,
            end_date=end,
            kind=kind,
            interest_type=nature,
            direct=None,  # the register counts holdings held "directly or indirectly"
            extra=flags,
        )


def nature_of_control(
    nature: str,
) -> tuple[str, float | None, float | None, dict[str, bool]] | str:
    """(edge kind, band minimum, band maximum, exclusivity flags) of a nature, or why not.

    The statutory bands: 25-to-50 is "more than 25% but not more than 50%", 50-to-75 "more than
    50% but less than 75%", 75-to-100 "75% or more"; the overseas-entity "more than 25%" is
    25 (exclusive) to 100.
    """
    match = _BAND.match(nature)
    if match:
        low, high = float(match.group(2)), float(match.group(3))
        if not 0 <= low < high <= 100:
            return f"{nature!r}: band {low:g} to {high:g} is not within 0 to 100 percent"
        flags = {}
        if low != 75:
            flags["share_min_exclusive"] = True
        if high == 75:
            flags["share_max_exclusive"] = True
        return _BAND_KINDS[match.group(1)], low, high, flags
    match = _MORE_THAN.match(nature)
    if match:
        low = float(match.group(2))
        if not 0 <= low < 100:
            return f"{nature!r}: {low:g} is not a share below 100 percent"
        return _BAND_KINDS[match.group(1)], low, 100.0, {"share_min_exclusive": True}
    if _CONTROL.match(nature):
        return "control", None, None, {}
    return f"{nature!r} is not a nature of control this reader knows"


# -- Basic Company Data --------------------------------------------------------------------------


def _basic_company(line: Line, source: str, seen: Seen) -> Iterator[Entity]:
    value = line.item.value
    if not isinstance(value, dict):
        line.error(None, f"a company must be a JSON object, not {json_type(value)}")
        return
    row = {str(k).strip(): v for k, v in value.items()}  # the CSV headers have stray spaces
    number = _text(row.get("CompanyNumber"))
    name = _text(row.get("CompanyName"))
    if number is None:
        line.error("CompanyNumber", "required, but empty")
    if name is None:
        line.error("CompanyName", "required, but empty")
    incorporated = _basic_date(line, row, "IncorporationDate")
    dissolved = _basic_date(line, row, "DissolutionDate")
    if incorporated and dissolved and dissolved < incorporated:
        line.error("DissolutionDate", f"{dissolved} is before IncorporationDate {incorporated}")
    if not line.ok or number is None or name is None:
        return
    number = gb_number(number)
    if number in seen.companies:
        line.error("CompanyNumber", f"company {number} is described twice")
        return
    seen.companies.add(number)
    address_keys = (
        "RegAddress.CareOf",
        "RegAddress.POBox",
        "RegAddress.AddressLine1",
        "RegAddress.AddressLine2",
        "RegAddress.PostTown",
        "RegAddress.County",
        "RegAddress.PostCode",
        "RegAddress.Country",
    )
    address = ", ".join(t for t in (_text(row.get(k)) for k in address_keys) if t) or None
    previous = [_text(row.get(f"PreviousName_{n}.CompanyName")) for n in range(1, 11)]
    extra: dict[str, Any] = {}
    for key, prop in (
        ("CompanyStatus", "company_status"),
        ("CompanyCategory", "company_category"),
        ("CountryOfOrigin", "country_of_origin"),
    ):
        if _text(row.get(key)):
            extra[prop] = row[key].strip()
    sic = [t for t in (_text(row.get(f"SICCode.SicText_{n}")) for n in range(1, 5)) if t]
    if sic:
        extra["sic_codes"] = sic
    owned = company_id(number)
    yield Entity(
        id=owned,
        kind="company",
        name=name,
        provenance=Provenance(source, owned, line.item.file, line.item.line),
        jurisdiction="GB",
        registration_number=number,
        incorporation_date=incorporated,
        dissolution_date=dissolved,
        address=address,
        aliases=tuple(dict.fromkeys(p for p in previous if p and p != name)),
        identifiers=(f"reg:GB:{number}",),
        extra=extra,
    )


def _basic_date(line: Line, row: dict[str, Any], key: str) -> dt.date | None:
    value = _text(row.get(key))
    if value is None:
        return None
    match = _BASIC_DATE.match(value)
    if not match:
        line.error(key, f"{value!r} is not a date in DD/MM/YYYY form")
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        line.error(key, f"{value!r} is not a real calendar date")
        return None


# -- small helpers -------------------------------------------------------------------------------


def _address(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return None
    keys = (
        "care_of",
        "po_box",
        "premises",
        "address_line_1",
        "address_line_2",
        "locality",
        "region",
        "postal_code",
        "country",
    )
    return ", ".join(t for t in (_text(raw.get(k)) for k in keys) if t) or None


def _elements_name(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return None
    parts = [_text(raw.get(k)) for k in ("title", "forename", "middle_name", "surname")]
    return " ".join(p for p in parts if p) or None


def _text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


FORMAT = UkPsc()

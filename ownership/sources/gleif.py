"""The ``gleif`` format: Legal Entity Identifier data from GLEIF, in its published shapes.

One format name covers every variant, each recognised by its content (first line, first JSON
value or root element), never by its file name:

- GLEIF API v1 records as JSON lines: ``lei-records`` (Level 1, who is who),
  ``relationship-records`` (Level 2, who consolidates whom) and ``reporting-exceptions`` (why a
  parent is not reported); one file may mix them;
- Golden Copy XML: LEI-CDF (``lei:LEIData``), RR-CDF 2.1 (``rr:RelationshipData``) and
  reporting exceptions (``repex:ReportingExceptionData``), read with ``iterparse`` and each
  record dropped once read;
- their JSON equivalents: an array of records (``[{"LEI": …, "Entity": …}, …]``,
  ``[{"Relationship": …}, …]``, ``[{"LEI": …, "ExceptionCategory": …}, …]``), or an object
  holding such an array under ``records`` or ``data``; ``{"$": value}`` wrappers of GLEIF's own
  JSON export are unwrapped. Arrays are parsed element by element, not loaded whole.

What becomes what:

- an LEI record → ``Entity(kind="company", id=<LEI>)`` with identifier ``lei:<LEI>``, and
  ``reg:<CC>:<registeredAs>`` when the jurisdiction is a whole country with a national register
  (``jurisdiction`` is the country part of GLEIF's code: ``US-DE`` → ``US``; see
  :data:`~ownership.sources.ftm.NON_NATIONAL_REGISTERS` for why a subdivision, Germany or the
  US gives no ``reg:`` key);
- a relationship record (start node = child, end node = parent) →
  ``Ownership(owner_id=<parent>, owned_id=<child>, kind="consolidation", share=None)``:
  accounting consolidation or fund management, never a shareholding percentage. The GLEIF type
  is ``interest_type``; ``direct`` is True for IS_DIRECTLY_CONSOLIDATED_BY and False for
  IS_ULTIMATELY_CONSOLIDATED_BY (the ultimate parent is also reached through the chain of
  direct parents). Dates come from the RELATIONSHIP_PERIOD, else the start of the
  ACCOUNTING_PERIOD; an accounting period's end is the end of a financial year, not of the
  relationship, so it is kept in ``extra`` only;
- a reporting exception is a fact about an LEI, not a record of its own: it goes into that LEI's
  entity as ``extra["reporting_exception_<category, lower case>"] = <reason>``; when the LEI has
  no entity in the same file, nothing is emitted and nothing is wrong.

Files of one dataset are read separately, so each must stand on its own. A Level 2 file names
LEIs whose Level 1 records are elsewhere (usually in another file, sometimes nowhere in the
dataset): each such LEI gets a minimal placeholder company, ``name`` = the LEI, identifier
``lei:<LEI>``, ``extra["placeholder"] = True``. Its record id is ``ref:<LEI>``, not the bare LEI,
so that it never overwrites the full record of the same LEI from a Level 1 file of the same
source; the two records share ``lei:<LEI>`` and so resolve to one entity.

GLEIF timestamps are dates converted to UTC: ``2018-12-31T23:00:00Z`` is 1 January 2019 in
Central Europe. A date-only value (midnight local time, so a whole number of hours or a
half/quarter hour) at or after noon UTC is therefore the next day's date; a value written with
its own offset (``2005-03-23T08:00:00+01:00``) keeps its local date; other timestamps keep their
UTC date.

Like every format the reader streams: the file is read up to three times (an index of LEIs,
relationship endpoints and reporting exceptions, memory proportional to the number of LEIs;
then entities; then relationships), and structural problems are reported by the first pass only.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TypeGuard

from ownership.identifiers import valid_lei
from ownership.problems import ProblemLog
from ownership.records import Entity, Ownership, Provenance, Record
from ownership.sources.files import json_lines
from ownership.sources.ftm import register_identifier
from ownership.sources.registry_csv import COUNTRIES

PLACEHOLDER_PREFIX = "ref:"
RELATIONSHIP_TYPES = frozenset(
    {
        "IS_DIRECTLY_CONSOLIDATED_BY",
        "IS_ULTIMATELY_CONSOLIDATED_BY",
        "IS_INTERNATIONAL_BRANCH_OF",
        "IS_FUND-MANAGED_BY",
        "IS_SUBFUND_OF",
        "IS_FEEDER_TO",
    }
)
DIRECT = {"IS_DIRECTLY_CONSOLIDATED_BY": True, "IS_ULTIMATELY_CONSOLIDATED_BY": False}
NO_REGISTRATION_AUTHORITY = "RA888888"  # GLEIF's code for "no registration authority"
API_TYPES = {
    "lei-records": "lei",
    "relationship-records": "rr",
    "reporting-exceptions": "repex",
}
XML_ROOTS = {"LEIData", "RelationshipData", "ReportingExceptionData"}
XML_RECORDS = {"LEIRecord": "lei", "RelationshipRecord": "rr", "Exception": "repex"}
MAX_LINE_BYTES = 16 * 1024 * 1024
MAX_JSON_VALUE_CHARS = 64 * 1024 * 1024  # one record larger than this is not a GLEIF record
_JSON_CHUNK = 1 << 20
_DATE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})"
    r"(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
)
_WS = re.compile(r"[ \t\r\n]*")


@dataclass(frozen=True)
class Where:
    """Where a record is, for problems: a line (JSON) or an element path (XML)."""

    line: int | None
    prefix: str = ""  # e.g. "LEIRecord[3]/" in XML
    json: bool = True

    def field(self, path: str | None) -> str | None:
        if path is None:
            return self.prefix.rstrip("/.") or None
        return self.prefix + (path.replace("/", ".") if self.json else path)


@dataclass
class Rec:
    """One GLEIF record, whichever its shape, as plain values plus their source paths."""

    kind: str  # "lei", "rr" or "repex"
    values: dict[str, Any]
    paths: dict[str, str] = field(default_factory=dict)


class _StreamError(Exception):
    """The JSON or XML structure is broken at ``line``."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class Gleif:
    """Reader for GLEIF LEI, relationship and reporting-exception files."""

    name = "gleif"
    description = (
        "GLEIF LEI data: API v1 JSON lines, Golden Copy LEI-CDF / RR-CDF / repex XML or JSON"
    )

    def detect(self, path: Path) -> bool:
        if not path.is_file():
            return False
        try:
            start = _first_byte(path)
            if start == b"<":
                return _xml_root(path) in XML_ROOTS
            if start not in (b"{", b"["):
                return False
            for _where, value in _json_values(path):
                return _classify(value) is not None
        except (OSError, ValueError, _StreamError, ET.ParseError):
            return False
        return False

    def read(self, path: Path, source: str, problems: ProblemLog) -> Iterator[Record]:
        yield from _Reader(path, source, problems).read()


class _Reader:
    """One read of one file: an index pass, an entity pass and a relationship pass."""

    def __init__(self, path: Path, source: str, problems: ProblemLog) -> None:
        self.path = path
        self.shown = str(path)
        self.source = source
        self.problems = problems
        self.entities_at: dict[str, int] = {}  # LEI -> ordinal of its LEI record
        self.edges_at: dict[str, int] = {}  # relationship key -> ordinal of its record
        self.endpoints: dict[str, int | None] = {}  # LEI named by a relationship -> its line
        self.exceptions: dict[str, dict[str, str]] = {}  # LEI -> extra from its exceptions

    def read(self) -> Iterator[Record]:
        if not self.path.is_file():
            self.problems.add(self.shown, None, None, "file not found")
            return
        self._scan()
        if self.entities_at or self.endpoints:
            yield from self._entities()
        if self.edges_at:
            yield from self._relationships()

    # -- passes --------------------------------------------------------------------------------

    def _scan(self) -> None:
        for ordinal, (where, rec) in enumerate(self._records(self.problems)):
            values, paths = rec.values, rec.paths
            if rec.kind == "lei":
                lei = values.get("lei")
                if not self._lei_ok(lei, where, paths["lei"]):
                    continue
                if lei in self.entities_at:
                    self._add(where, paths["lei"], f"LEI {lei} appears twice in this file")
                    continue
                self.entities_at[lei] = ordinal
            elif rec.kind == "rr":
                key = _edge_key(values)
                if key in self.edges_at:
                    self._add(where, None, f"relationship {key} appears twice in this file")
                    continue
                self.edges_at[key] = ordinal
                for side in ("child", "parent"):
                    node = values.get(side)
                    if isinstance(node, str) and valid_lei(node):
                        self.endpoints.setdefault(node, where.line)
            else:
                lei = values.get("lei")
                if not self._lei_ok(lei, where, paths["lei"]):
                    continue
                category = (values.get("category") or "").strip()
                reason = (values.get("reason") or "").strip()
                if not category or not reason:
                    missing = "category" if not category else "reason"
                    self._add(where, paths[missing], "required, but empty")
                    continue
                facts = self.exceptions.setdefault(lei, {})
                key = f"reporting_exception_{category.lower()}"
                facts[key] = f"{facts[key]}; {reason}" if key in facts else reason
                if values.get("reference"):
                    facts[f"{key}_reference"] = values["reference"]
        for lei in self.entities_at:
            self.endpoints.pop(lei, None)

    def _entities(self) -> Iterator[Entity]:
        if self.entities_at:
            for ordinal, (where, rec) in enumerate(self._records(ProblemLog())):
                lei = rec.values.get("lei") or ""
                if rec.kind == "lei" and self.entities_at.get(lei) == ordinal:
                    entity = self._entity(where, rec)
                    if entity is not None:
                        yield entity
        for lei in sorted(self.endpoints):
            record_id = PLACEHOLDER_PREFIX + lei
            yield Entity(
                id=record_id,
                kind="company",
                name=lei,
                provenance=Provenance(self.source, record_id, self.shown, self.endpoints[lei]),
                identifiers=(f"lei:{lei}",),
                extra={
                    "placeholder": True,
                    "placeholder_reason": "named by a GLEIF relationship; no LEI record in "
                    "this file",
                    **self.exceptions.get(lei, {}),
                },
            )

    def _relationships(self) -> Iterator[Ownership]:
        for ordinal, (where, rec) in enumerate(self._records(ProblemLog())):
            if rec.kind == "rr" and self.edges_at.get(_edge_key(rec.values)) == ordinal:
                edge = self._relationship(where, rec)
                if edge is not None:
                    yield edge

    # -- records -------------------------------------------------------------------------------

    def _entity(self, where: Where, rec: Rec) -> Entity | None:
        values = rec.values
        check = _Check(self, where, rec)
        lei: str = values["lei"]
        name = (values.get("name") or "").strip()
        if not name:
            check.error("name", "required, but empty")
        code = (values.get("jurisdiction") or "").strip().upper()
        country = code.split("-", 1)[0] or None
        if country and country not in COUNTRIES:
            check.error("jurisdiction", f"{code!r} does not start with an ISO 3166-1 country code")
            country = None
        incorporated = check.date("creation_date")
        expired = check.date("expiration_date")
        registered_as = (values.get("registered_as") or "").strip() or None
        registered_at = (values.get("registered_at") or "").strip() or None
        identifiers = [f"lei:{lei}"]
        whole_country = country is not None and "-" not in code
        if registered_at != NO_REGISTRATION_AUTHORITY and whole_country:
            key = register_identifier(country, registered_as)
            if key:
                identifiers.append(key)
        extra: dict[str, Any] = {
            "legal_jurisdiction": code or None,
            "registration_authority": registered_at,
            "entity_category": values.get("category"),
            "legal_form": values.get("legal_form"),
            "entity_status": values.get("entity_status"),
            "expiration_reason": values.get("expiration_reason"),
            "successor_lei": values.get("successor_lei"),
            "headquarters_address": values.get("hq_address"),
            "lei_registration_status": values.get("registration_status"),
            "lei_registered_on": check.date("initial_registration"),
            "lei_last_update": check.date("last_update"),
            "lei_next_renewal": check.date("next_renewal"),
            "managing_lou": values.get("managing_lou"),
            "corroboration_level": values.get("corroboration"),
            **self.exceptions.get(lei, {}),
        }
        if not check.ok:
            return None
        aliases = tuple(dict.fromkeys(a for a in values.get("aliases", ()) if a and a != name))
        return Entity(
            id=lei,
            kind="company",
            name=name,
            provenance=Provenance(self.source, lei, self.shown, where.line),
            jurisdiction=country,
            registration_number=registered_as,
            incorporation_date=incorporated,
            dissolution_date=expired,
            address=values.get("address"),
            aliases=aliases,
            identifiers=tuple(identifiers),
            extra={k: v for k, v in extra.items() if v not in (None, "")},
        )

    def _relationship(self, where: Where, rec: Rec) -> Ownership | None:
        values, paths = rec.values, rec.paths
        check = _Check(self, where, rec)
        ends: dict[str, str] = {}
        for side in ("child", "parent"):
            node_type = (values.get(f"{side}_type") or "LEI").strip().upper()
            node = (values.get(side) or "").strip()
            if node_type != "LEI":
                check.error(f"{side}_type", f"node type {node_type!r}: only LEI nodes are read")
            elif not node:
                check.error(side, "required, but empty")
            elif not valid_lei(node):
                check.error(side, f"{node!r} is not a valid LEI (format or check digits)")
            else:
                ends[side] = node if node in self.entities_at else PLACEHOLDER_PREFIX + node
        if values.get("child") and values.get("child") == values.get("parent"):
            check.error("parent", "an entity cannot be its own parent")
        kind = (values.get("type") or "").strip().upper()
        if kind not in RELATIONSHIP_TYPES:
            check.error("type", f"{kind or 'empty'!r} is not a GLEIF relationship type")
        periods: dict[str, tuple[dt.date | None, dt.date | None]] = {}
        for number, period in enumerate(values.get("periods", ())):
            period_type = (period.get("type") or "").strip().upper()
            if period_type and period_type not in periods:
                periods[period_type] = (
                    check.date_value(f"{paths['periods']}[{number}]", period.get("start")),
                    check.date_value(f"{paths['periods']}[{number}]", period.get("end")),
                )
        relationship = periods.get("RELATIONSHIP_PERIOD")
        accounting = periods.get("ACCOUNTING_PERIOD", (None, None))
        start, end = relationship if relationship else (accounting[0], None)
        if start and end and end < start:
            check.error("periods", f"relationship period ends ({end}) before it starts ({start})")
        extra: dict[str, Any] = {
            "relationship_status": values.get("status"),
            "registration_status": values.get("registration_status"),
            "corroboration_level": values.get("corroboration"),
            "accounting_period_start": accounting[0],
            "accounting_period_end": accounting[1],
            "gleif_id": values.get("api_id"),
        }
        for dimension, category in values.get("qualifiers", ()):
            if dimension and category:
                extra[f"qualifier_{dimension.lower()}"] = category
        for method, amount, units in values.get("quantifiers", ()):
            if amount:
                extra[f"quantifier_{(method or 'amount').lower()}"] = (
                    f"{amount} {units or ''}".strip()
                )
        if not check.ok:
            return None
        return Ownership(
            owner_id=ends["parent"],
            owned_id=ends["child"],
            provenance=Provenance(self.source, _edge_key(values), self.shown, where.line),
            share=None,
            start_date=start,
            end_date=end,
            kind="consolidation",
            interest_type=kind,
            direct=DIRECT.get(kind),
            extra={k: v for k, v in extra.items() if v not in (None, "")},
        )

    # -- reading -------------------------------------------------------------------------------

    def _records(self, problems: ProblemLog) -> Iterator[tuple[Where, Rec]]:
        """Every record of the file, whichever its shape; structure problems to ``problems``."""
        try:
            start = _first_byte(self.path)
        except OSError as exc:
            problems.add(self.shown, None, None, f"cannot read: {exc.strerror}")
            return
        try:
            if start == b"<":
                yield from _xml_records(self.path)
                return
            if start not in (b"{", b"["):
                problems.add(self.shown, 1, None, "neither JSON nor XML: not a GLEIF file")
                return
            for where, value in _json_values(self.path, problems):
                rec = _classify(value)
                if rec is None:
                    problems.add(
                        self.shown,
                        where.line,
                        where.field(None),
                        "not a GLEIF LEI, relationship or reporting-exception record",
                    )
                    continue
                yield where, rec
        except _StreamError as exc:
            problems.add(self.shown, exc.line, None, exc.message)
        except OSError as exc:
            problems.add(self.shown, None, None, f"cannot read: {exc.strerror}")

    def _lei_ok(self, lei: Any, where: Where, path: str) -> TypeGuard[str]:
        if not isinstance(lei, str) or not lei.strip():
            self._add(where, path, "required, but empty")
            return False
        if not valid_lei(lei):
            self._add(where, path, f"{lei!r} is not a valid LEI (format or check digits)")
            return False
        return True

    def _add(self, where: Where, path: str | None, message: str) -> None:
        self.problems.add(self.shown, where.line, where.field(path), message)


class _Check:
    """Field problems of one record, reported with where it is."""

    def __init__(self, reader: _Reader, where: Where, rec: Rec) -> None:
        self.reader = reader
        self.where = where
        self.values = rec.values
        self.paths = rec.paths
        self.ok = True

    def error(self, key: str, message: str) -> None:
        self.ok = False
        self.reader._add(self.where, self.paths.get(key, key), message)

    def date(self, key: str) -> dt.date | None:
        return self.date_value(self.paths.get(key, key), self.values.get(key))

    def date_value(self, path: str, value: Any) -> dt.date | None:
        if value in (None, ""):
            return None
        try:
            return gleif_date(str(value))
        except ValueError:
            self.ok = False
            self.reader._add(self.where, path, f"{value!r} is not a date (ISO 8601)")
            return None


def gleif_date(text: str) -> dt.date:
    """The calendar date a GLEIF date or timestamp stands for (see the module docstring)."""
    match = _DATE.match(text.strip())
    if not match:
        raise ValueError(text)
    day = dt.date.fromisoformat(match.group(1))
    hour, minute, second, offset = match.group(2, 3, 4, 5)
    utc = offset is None or offset in ("Z", "+00:00", "+0000", "-00:00")
    if (
        utc
        and hour is not None
        and int(hour) >= 12
        and minute in ("00", "15", "30", "45")
        and second in (None, "00")
    ):
        day += dt.timedelta(days=1)  # midnight somewhere east of UTC, written in UTC
    return day


def _edge_key(values: dict[str, Any]) -> str:
    """A relationship's record id: GLEIF allows one record per child, type and parent."""
    return f"{values.get('child')}|{values.get('type')}|{values.get('parent')}"


# -- shapes -> Rec ------------------------------------------------------------------------------


def _classify(value: Any) -> Rec | None:
    """The record a JSON value holds (API or Golden Copy shape), or None if it is not GLEIF's."""
    if not isinstance(value, dict):
        return None
    api_type = value.get("type")
    kind = API_TYPES.get(api_type) if isinstance(api_type, str) else None
    attributes = value.get("attributes")
    if kind and isinstance(attributes, dict):
        return _API[kind](attributes, value)
    if "Relationship" in value:
        return _golden_rr(value)
    if "LEI" in value and "Entity" in value:
        return _golden_lei(value)
    if "LEI" in value and "ExceptionCategory" in value:
        return _golden_repex(value)
    return None


def _api_lei(attributes: dict[str, Any], record: dict[str, Any]) -> Rec:
    entity = _dict(attributes.get("entity"))
    registration = _dict(attributes.get("registration"))
    aliases = [_text(_dict(n).get("name")) for n in _list(entity.get("otherNames"))]
    aliases += [_text(_dict(n).get("name")) for n in _list(entity.get("transliteratedOtherNames"))]
    legal_form = _dict(entity.get("legalForm"))
    values = {
        "lei": _text(attributes.get("lei")) or _text(record.get("id")),
        "name": _text(_dict(entity.get("legalName")).get("name")),
        "aliases": [a for a in aliases if a],
        "jurisdiction": _text(entity.get("jurisdiction")),
        "address": _api_address(entity.get("legalAddress")),
        "hq_address": _api_address(entity.get("headquartersAddress")),
        "registered_at": _text(_dict(entity.get("registeredAt")).get("id")),
        "registered_as": _text(entity.get("registeredAs")),
        "category": _text(entity.get("category")),
        "legal_form": _text(legal_form.get("id")) or _text(legal_form.get("other")),
        "entity_status": _text(entity.get("status")),
        "creation_date": _text(entity.get("creationDate")),
        "expiration_date": _text(_dict(entity.get("expiration")).get("date")),
        "expiration_reason": _text(_dict(entity.get("expiration")).get("reason")),
        "successor_lei": _text(_dict(entity.get("successorEntity")).get("lei")),
        "registration_status": _text(registration.get("status")),
        "initial_registration": _text(registration.get("initialRegistrationDate")),
        "last_update": _text(registration.get("lastUpdateDate")),
        "next_renewal": _text(registration.get("nextRenewalDate")),
        "managing_lou": _text(registration.get("managingLou")),
        "corroboration": _text(registration.get("corroborationLevel")),
    }
    paths = {
        "lei": "attributes.lei",
        "name": "attributes.entity.legalName.name",
        "jurisdiction": "attributes.entity.jurisdiction",
        "creation_date": "attributes.entity.creationDate",
        "expiration_date": "attributes.entity.expiration.date",
        "initial_registration": "attributes.registration.initialRegistrationDate",
        "last_update": "attributes.registration.lastUpdateDate",
        "next_renewal": "attributes.registration.nextRenewalDate",
    }
    return Rec("lei", values, paths)


def _api_rr(attributes: dict[str, Any], record: dict[str, Any]) -> Rec:
    relationship = _dict(attributes.get("relationship"))
    start, end = _dict(relationship.get("startNode")), _dict(relationship.get("endNode"))
    periods = [
        {
            "type": _text(_dict(p).get("type")),
            "start": _text(_dict(p).get("startDate")),
            "end": _text(_dict(p).get("endDate")),
        }
        for p in _list(relationship.get("periods"))
    ]
    qualifiers = [
        (_text(_dict(q).get("dimension")), _text(_dict(q).get("category")))
        for q in _list(relationship.get("qualifiers") or attributes.get("qualifiers"))
    ]
    quantifiers = [
        (
            _text(_dict(q).get("measurementMethod")),
            _text(_dict(q).get("quantifierAmount")),
            _text(_dict(q).get("quantifierUnits")),
        )
        for q in _list(relationship.get("quantifiers") or attributes.get("quantifiers"))
    ]
    registration = _dict(attributes.get("registration"))
    values = {
        "child": _text(start.get("id")),
        "child_type": _text(start.get("type")),
        "parent": _text(end.get("id")),
        "parent_type": _text(end.get("type")),
        "type": _text(relationship.get("type")),
        "status": _text(relationship.get("status")),
        "periods": periods,
        "qualifiers": qualifiers,
        "quantifiers": quantifiers,
        "registration_status": _text(registration.get("status")),
        "corroboration": _text(registration.get("corroborationLevel")),
        "api_id": _text(record.get("id")),
    }
    base = "attributes.relationship"
    paths = {
        "child": f"{base}.startNode.id",
        "child_type": f"{base}.startNode.type",
        "parent": f"{base}.endNode.id",
        "parent_type": f"{base}.endNode.type",
        "type": f"{base}.type",
        "periods": f"{base}.periods",
    }
    return Rec("rr", values, paths)


def _api_repex(attributes: dict[str, Any], record: dict[str, Any]) -> Rec:
    values = {
        "lei": _text(attributes.get("lei")),
        "category": _text(attributes.get("category")),
        "reason": _text(attributes.get("reason")),
        "reference": _text(attributes.get("reference")),
    }
    paths = {
        "lei": "attributes.lei",
        "category": "attributes.category",
        "reason": "attributes.reason",
    }
    return Rec("repex", values, paths)


_API = {"lei": _api_lei, "rr": _api_rr, "repex": _api_repex}


def _golden_lei(record: dict[str, Any]) -> Rec:
    entity = _dict(record.get("Entity"))
    registration = _dict(record.get("Registration"))
    authority = _dict(entity.get("RegistrationAuthority"))
    legal_form = _dict(entity.get("LegalForm"))
    aliases = [
        _item_text(item, "OtherEntityName")
        for item in _items(entity.get("OtherEntityNames"), "OtherEntityName")
    ]
    aliases += [
        _item_text(item, "TransliteratedOtherEntityName")
        for item in _items(
            entity.get("TransliteratedOtherEntityNames"), "TransliteratedOtherEntityName"
        )
    ]
    successor = _dict(entity.get("SuccessorEntity"))
    values = {
        "lei": _text(record.get("LEI")),
        "name": _text(entity.get("LegalName")),
        "aliases": [a for a in aliases if a],
        "jurisdiction": _text(entity.get("LegalJurisdiction")),
        "address": _golden_address(entity.get("LegalAddress")),
        "hq_address": _golden_address(entity.get("HeadquartersAddress")),
        "registered_at": _text(authority.get("RegistrationAuthorityID")),
        "registered_as": _text(authority.get("RegistrationAuthorityEntityID")),
        "category": _text(entity.get("EntityCategory")),
        "legal_form": _text(legal_form.get("EntityLegalFormCode"))
        or _text(legal_form.get("OtherLegalForm")),
        "entity_status": _text(entity.get("EntityStatus")),
        "creation_date": _text(entity.get("EntityCreationDate")),
        "expiration_date": _text(entity.get("EntityExpirationDate")),
        "expiration_reason": _text(entity.get("EntityExpirationReason")),
        "successor_lei": _text(successor.get("SuccessorLEI")),
        "registration_status": _text(registration.get("RegistrationStatus")),
        "initial_registration": _text(registration.get("InitialRegistrationDate")),
        "last_update": _text(registration.get("LastUpdateDate")),
        "next_renewal": _text(registration.get("NextRenewalDate")),
        "managing_lou": _text(registration.get("ManagingLOU")),
        "corroboration": _text(registration.get("ValidationSources")),
    }
    paths = {
        "lei": "LEI",
        "name": "Entity/LegalName",
        "jurisdiction": "Entity/LegalJurisdiction",
        "creation_date": "Entity/EntityCreationDate",
        "expiration_date": "Entity/EntityExpirationDate",
        "initial_registration": "Registration/InitialRegistrationDate",
        "last_update": "Registration/LastUpdateDate",
        "next_renewal": "Registration/NextRenewalDate",
    }
    return Rec("lei", values, paths)


def _golden_rr(record: dict[str, Any]) -> Rec:
    relationship = _dict(record.get("Relationship"))
    start, end = _dict(relationship.get("StartNode")), _dict(relationship.get("EndNode"))
    periods = [
        {
            "type": _text(_dict(p).get("PeriodType")),
            "start": _text(_dict(p).get("StartDate")),
            "end": _text(_dict(p).get("EndDate")),
        }
        for p in _items(relationship.get("RelationshipPeriods"), "RelationshipPeriod")
    ]
    qualifiers = [
        (_text(_dict(q).get("QualifierDimension")), _text(_dict(q).get("QualifierCategory")))
        for q in _items(relationship.get("RelationshipQualifiers"), "RelationshipQualifier")
    ]
    quantifiers = [
        (
            _text(_dict(q).get("MeasurementMethod")),
            _text(_dict(q).get("QuantifierAmount")),
            _text(_dict(q).get("QuantifierUnits")),
        )
        for q in _items(relationship.get("RelationshipQuantifiers"), "RelationshipQuantifier")
    ]
    registration = _dict(record.get("Registration"))
    values = {
        "child": _text(start.get("NodeID")),
        "child_type": _text(start.get("NodeIDType")),
        "parent": _text(end.get("NodeID")),
        "parent_type": _text(end.get("NodeIDType")),
        "type": _text(relationship.get("RelationshipType")),
        "status": _text(relationship.get("RelationshipStatus")),
        "periods": periods,
        "qualifiers": qualifiers,
        "quantifiers": quantifiers,
        "registration_status": _text(registration.get("RegistrationStatus")),
        "corroboration": _text(registration.get("ValidationSources")),
        "api_id": None,
    }
    paths = {
        "child": "Relationship/StartNode/NodeID",
        "child_type": "Relationship/StartNode/NodeIDType",
        "parent": "Relationship/EndNode/NodeID",
        "parent_type": "Relationship/EndNode/NodeIDType",
        "type": "Relationship/RelationshipType",
        "periods": "Relationship/RelationshipPeriods",
    }
    return Rec("rr", values, paths)


def _golden_repex(record: dict[str, Any]) -> Rec:
    reasons = [_item_text(r, "ExceptionReason") for r in _list(record.get("ExceptionReason"))]
    references = [
        _item_text(r, "ExceptionReference") for r in _list(record.get("ExceptionReference"))
    ]
    values = {
        "lei": _text(record.get("LEI")),
        "category": _text(record.get("ExceptionCategory")),
        "reason": "; ".join(r for r in reasons if r) or None,
        "reference": "; ".join(r for r in references if r) or None,
    }
    paths = {"lei": "LEI", "category": "ExceptionCategory", "reason": "ExceptionReason"}
    return Rec("repex", values, paths)


def _api_address(value: Any) -> str | None:
    address = _dict(value)
    lines = [_text(v) for v in _list(address.get("addressLines"))]
    number = _text(address.get("addressNumber"))
    if number and lines and lines[0]:
        lines[0] = f"{lines[0]} {number}"
    parts = [*lines, _text(address.get("city")), _text(address.get("postalCode"))]
    parts.append(_text(address.get("country")))
    return ", ".join(p for p in parts if p) or None


def _golden_address(value: Any) -> str | None:
    address = _dict(value)
    lines = [_text(address.get("FirstAddressLine"))]
    number = _text(address.get("AddressNumber"))
    if number and lines[0]:
        lines[0] = f"{lines[0]} {number}"
    lines += [_text(v) for v in _list(address.get("AdditionalAddressLine"))]
    parts = [*lines, _text(address.get("City")), _text(address.get("PostalCode"))]
    parts.append(_text(address.get("Country")))
    return ", ".join(p for p in parts if p) or None


# -- JSON-shaped value helpers ------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A value as stripped text: ``{"$": v}`` unwrapped, a list's first element, None if empty."""
    if isinstance(value, dict):
        return _text(value.get("$"))
    if isinstance(value, list):
        return _text(value[0]) if value else None
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def _dict(value: Any) -> dict[str, Any]:
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _items(container: Any, child: str) -> list[Any]:
    """Repeated children: ``[item, …]`` (flattened JSON) or ``{child: item | [item, …]}``."""
    if isinstance(container, list):
        return container
    if isinstance(container, dict):
        return _list(container.get(child))
    return []


def _item_text(item: Any, child: str) -> str | None:
    if isinstance(item, dict) and child in item:
        return _text(item[child])
    return _text(item)


# -- XML ----------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_root(path: Path) -> str | None:
    with open(path, "rb") as handle:
        for _event, elem in ET.iterparse(handle, events=("start",)):
            return _local(elem.tag)
    return None


def _element_value(elem: ET.Element) -> Any:
    """An element as JSON-shaped data: text, or a dict of children (repeats become lists)."""
    attributes = {_local(k): v for k, v in elem.attrib.items()}
    children = list(elem)
    if not children:
        text = (elem.text or "").strip()
        return {**attributes, "$": text} if attributes else text
    value: dict[str, Any] = dict(attributes)
    repeated: set[str] = set()
    for child in children:
        key = _local(child.tag)
        item = _element_value(child)
        if key in repeated:
            value[key].append(item)
        elif key in value:
            value[key] = [value[key], item]
            repeated.add(key)
        else:
            value[key] = item
    return value


def _xml_records(path: Path) -> Iterator[tuple[Where, Rec]]:
    """Records of a Golden Copy XML file, each removed from the tree once read."""
    counts: dict[str, int] = {}
    stack: list[ET.Element] = []
    with open(path, "rb") as handle:
        try:
            for event, elem in ET.iterparse(handle, events=("start", "end")):
                if event == "start":
                    if not stack and _local(elem.tag) not in XML_ROOTS:
                        raise _StreamError(1, f"root element {_local(elem.tag)!r} is not GLEIF's")
                    stack.append(elem)
                    continue
                stack.pop()
                name = _local(elem.tag)
                kind = XML_RECORDS.get(name)
                if kind is None or len(stack) != 2:  # records sit in root/…Records/record
                    continue
                counts[name] = counts.get(name, 0) + 1
                where = Where(None, f"{name}[{counts[name]}]/", json=False)
                value = _element_value(elem)
                stack[-1].remove(elem)
                yield where, _GOLDEN[kind](value)
        except ET.ParseError as exc:
            line = exc.position[0] if exc.position else None
            seen = ", ".join(f"{n} {c}" for n, c in counts.items()) or "no records"
            raise _StreamError(
                line, f"XML is not well-formed (cut short?) after {seen}: {exc}"
            ) from None


_GOLDEN = {"lei": _golden_lei, "rr": _golden_rr, "repex": _golden_repex}


# -- JSON ---------------------------------------------------------------------------------------


def _first_byte(path: Path) -> bytes:
    """The first significant byte of a file (after a BOM and white space), b'' if empty."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
        while head:
            stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip()
            if stripped:
                return stripped[:1]
            head = handle.read(4096)
    return b""


def _json_values(path: Path, problems: ProblemLog | None = None) -> Iterator[tuple[Where, Any]]:
    """The records of a JSON file: one per line (JSON lines), or the elements of an array.

    A file whose first line is a whole JSON value is JSON lines; otherwise it is one JSON
    document, read element by element. Problems of single lines go to ``problems``; a broken
    document raises :class:`_StreamError` where it breaks.
    """
    with open(path, "rb") as handle:
        first = handle.readline(MAX_LINE_BYTES).removeprefix(b"\xef\xbb\xbf")
        while first and not first.strip():
            first = handle.readline(MAX_LINE_BYTES)
        lines_mode = False
        if first.lstrip().startswith(b"{"):
            try:
                json.loads(first)
                lines_mode = True
            except ValueError:
                lines_mode = False
        handle.seek(0)
        if lines_mode:
            lines = json_lines(
                handle,
                str(path),
                ProblemLog() if problems is None else problems,
                max_line_bytes=MAX_LINE_BYTES,
                record="a GLEIF record",
            )
            for line, value in lines:
                yield Where(line), value
        else:
            yield from _JsonDocument(handle).records()


class _JsonDocument:
    """One JSON document read value by value: an array of records, or an object holding one."""

    _decoder = json.JSONDecoder()

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.text = codecs.getincrementaldecoder("utf-8-sig")()
        self.buf = ""
        self.pos = 0
        self.line = 1  # the line at buf[counted]
        self.counted = 0
        self.eof = False

    def records(self) -> Iterator[tuple[Where, Any]]:
        start = self._peek()
        if start == "[":
            yield from self._array()
        elif start == "{":
            yield from self._object()
        else:
            raise _StreamError(self._line(), "not a JSON array or object")

    def _array(self) -> Iterator[tuple[Where, Any]]:
        self.pos += 1
        if self._peek() == "]":
            self.pos += 1
            return
        index = 0
        while True:
            self._peek()
            line = self._line()
            yield Where(line, f"[{index}]."), self._value()
            index += 1
            after = self._peek()
            if after == ",":
                self.pos += 1
            elif after == "]":
                self.pos += 1
                return
            elif after == "":
                raise _StreamError(self._line(), "the file ends inside the array (cut short?)")
            else:
                raise _StreamError(self._line(), f"expected ',' or ']' but found {after!r}")

    def _object(self) -> Iterator[tuple[Where, Any]]:
        """Records under a ``records`` or ``data`` key; other keys (a header) are skipped."""
        self.pos += 1
        while True:
            if self._peek() == "}":
                return
            key = self._value()
            if not isinstance(key, str) or self._peek() != ":":
                raise _StreamError(self._line(), "malformed JSON object")
            self.pos += 1
            if key in ("records", "data") and self._peek() == "[":
                yield from self._array()
            else:
                value = self._value()
                if key == "data" and isinstance(value, dict):
                    yield Where(self._line(), "data."), value
            after = self._peek()
            if after == ",":
                self.pos += 1
            elif after == "}":
                return
            else:
                raise _StreamError(self._line(), "the file ends inside the object (cut short?)")

    def _more(self) -> bool:
        """Read the next chunk, dropping what was consumed; False at the end of the file."""
        if self.eof:
            return False
        chunk = self.handle.read(_JSON_CHUNK)
        try:
            decoded = self.text.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            raise _StreamError(self._line(), f"not valid UTF-8 text ({exc.reason})") from None
        self._line(self.pos)
        self.buf = self.buf[self.pos :] + decoded
        self.pos = self.counted = 0
        if not chunk:
            self.eof = True
        return bool(chunk)

    def _peek(self) -> str:
        """The next significant character ('' at the end), white space skipped."""
        while True:
            match = _WS.match(self.buf, self.pos)
            self.pos = match.end() if match else self.pos
            if self.pos < len(self.buf) or not self._more():
                return self.buf[self.pos : self.pos + 1]

    def _line(self, pos: int | None = None) -> int:
        """The line at ``pos`` (default: here), counting only the text since the last call."""
        pos = self.pos if pos is None else pos
        if pos >= self.counted:
            self.line += self.buf.count("\n", self.counted, pos)
        else:
            self.line -= self.buf.count("\n", pos, self.counted)
        self.counted = pos
        return self.line

    def _value(self) -> Any:
        self._peek()
        while True:
            try:
                value, end = self._decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if len(self.buf) - self.pos > MAX_JSON_VALUE_CHARS:
                    raise _StreamError(
                        self._line(), "a JSON value too large for a record"
                    ) from None
                if self._more():
                    continue
                raise _StreamError(
                    self._line(exc.pos), f"malformed JSON, or the file is cut short: {exc.msg}"
                ) from None
            if end == len(self.buf) and self._more():
                continue  # a number may go on in the next chunk
            self.pos = end
            return value


FORMAT = Gleif()

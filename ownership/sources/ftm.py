"""The ``ftm`` format: FollowTheMoney entities, one JSON object a line (OpenSanctions, Aleph).

Each line is ``{"id": …, "schema": …, "properties": {prop: [values…]}}``. The schema is not
described again here: :mod:`followthemoney`'s model says which schemata are legal entities
(``schema.is_a("LegalEntity")``) and reads the properties (``proxy.get``).

What becomes what:

- Person → ``Entity(kind="person")``; Company, Organization, PublicBody, LegalEntity →
  ``Entity(kind="company")``;
- Ownership (owner → asset) → :class:`Ownership`; Directorship (director → organization) →
  :class:`Officer`; Sanction (entity) → :class:`Sanction`;
- an entity whose ``topics`` contain ``sanction`` also gets a :class:`Sanction` (authority: its
  datasets, or ``"FtM topics"``), so that it counts as listed even when the file carries no
  Sanction entity for it;
- every other schema (Address, Note, Vessel, …) is skipped without error, and so is a
  relationship that points at such an entity (an Ownership of a Vessel is not company ownership).

FtM files are not ordered: a relationship may name an entity that comes later in the file. The
reader therefore streams the file three times: a scan that keeps only each id's schema and line
(memory proportional to the number of ids, never to the file), a pass that yields entities, and
a pass that yields relationships. Structural problems (bad JSON, a missing id) are reported by
the scan only, field problems by the pass that meets them, so each problem is reported once.

Choices about real data, each because the alternative would lose or invent facts:

- FtM dates may be partial (``2011``, ``2011-05``): only full dates become dates; a partial one
  is kept as text in ``extra`` (``incorporation_date_partial`` …) rather than guessed.
- ``percentage`` is free text in FtM. A number in (0, 100] becomes ``share``; a number outside
  it is a problem; text that is not a number (``"majority"``) is kept in ``extra``.
- An Ownership with several owners or assets (FtM merges the two directions of a cross-holding
  into one entity when their ids collide) cannot say which percentage belongs to which pair: each
  owner → asset pair becomes an edge without a share, the percentages kept as text.
- An Ownership of an entity by itself is treasury stock (a company holding its own shares), not a
  link in a chain: it is recorded on the entity (``own_shares_percentage``), not as an edge.
- LEI, INN and OGRN values with a wrong check digit are not used as identifiers (they would merge
  the wrong entities or hide a match); they are kept in ``extra`` as ``invalid_identifiers``.
- Several lines with one id are fragments of one entity (``ftm aggregate`` merges them): that is
  reported as a problem rather than guessed at.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ownership.identifiers import normalize_identifier, valid_inn, valid_lei, valid_ogrn
from ownership.problems import ProblemLog
from ownership.records import Entity, Officer, Ownership, Provenance, Record, Sanction
from ownership.sources.files import json_lines, open_binary
from ownership.sources.registry_csv import COUNTRIES

if TYPE_CHECKING:
    from followthemoney.model import Model
    from followthemoney.proxy import EntityProxy
    from followthemoney.schema import Schema


@cache
def _model() -> Model:
    """The FollowTheMoney model, loaded on first use: importing it takes over a second, which
    every other format (and every command that imports nothing) should not pay."""
    from followthemoney import model

    return model


MAX_LINE_BYTES = 16 * 1024 * 1024  # one FtM entity larger than this is not an entity
_FULL_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$")
_PARTIAL_DATE = re.compile(r"^\d{4}(?:-\d{2})?$")
SANCTION_TOPIC = "sanction"
TOPIC_AUTHORITY = "FtM topics"

# Countries whose company numbers are not unique nationally: a German HRB number is unique only
# at its local court, a US or Canadian number only in its state or province. Making them
# ``reg:<CC>:<number>`` identifiers would merge unrelated companies, so they stay plain fields.
NON_NATIONAL_REGISTERS = frozenset({"DE", "US", "CA"})


def register_identifier(country: str | None, number: str | None) -> str | None:
    """``reg:<CC>:<number>`` when ``number`` is a national register number of ``country``."""
    number = (number or "").strip()
    if not country or not number or country in NON_NATIONAL_REGISTERS:
        return None
    return f"reg:{country}:{number}"


@dataclass(frozen=True)
class Known:
    """What the scan keeps about one id: its schema and where it is."""

    schema: str
    line: int


class FtmJsonLines:
    """Reader for FollowTheMoney entity JSON lines."""

    name = "ftm"
    description = "FollowTheMoney entities as JSON lines (OpenSanctions, Aleph exports)"

    def detect(self, path: Path) -> bool:
        if not path.is_file():
            return False
        try:
            with open(path, "rb") as handle:  # the first non-blank line, and no more
                raw = handle.readline(MAX_LINE_BYTES)
                while raw and not raw.strip():
                    raw = handle.readline(MAX_LINE_BYTES)
                if not raw:
                    return False
                data = json.loads(raw.decode("utf-8-sig"))
        except (OSError, UnicodeDecodeError, ValueError):
            return False
        return (
            isinstance(data, dict)
            and isinstance(data.get("schema"), str)
            and "id" in data
            and isinstance(data.get("properties"), dict)
            and _model().get(data["schema"]) is not None
        )

    def read(self, path: Path, source: str, problems: ProblemLog) -> Iterator[Record]:
        reader = _Reader(path, source, problems)
        if not reader.scan():
            return
        yield from reader.entities()
        yield from reader.edges()


class _Reader:
    """One read of one file: the scan's index, then the entity and edge passes."""

    def __init__(self, path: Path, source: str, problems: ProblemLog) -> None:
        self.path = path
        self.shown = str(path)
        self.source = source
        self.problems = problems
        self.known: dict[str, Known] = {}
        self.referents: dict[str, str] = {}  # merged-away id -> canonical id (OpenSanctions)
        self.own_shares: dict[str, str] = {}  # entity id -> percentage it holds of itself

    # -- the three passes ----------------------------------------------------------------------

    def scan(self) -> bool:
        """Index ids and schemata; report structural problems. False if the file is unreadable."""
        if not self.path.is_file():
            self.problems.add(self.shown, None, None, "file not found")
            return False
        for line, data in self._lines(report=True):
            record_id, schema_name = data.get("id"), data.get("schema")
            if not isinstance(record_id, str) or not record_id.strip():
                self.problems.add(self.shown, line, "id", "required: a non-empty string")
                continue
            if not isinstance(schema_name, str) or _model().get(schema_name) is None:
                self.problems.add(
                    self.shown, line, "schema", f"{schema_name!r} is not an FtM schema"
                )
                continue
            if not isinstance(data.get("properties", {}), dict):
                self.problems.add(self.shown, line, "properties", "must be an object")
                continue
            first = self.known.get(record_id)
            if first is not None:
                self.problems.add(
                    self.shown,
                    line,
                    "id",
                    f"duplicate id {record_id!r} (first on line {first.line}); FtM fragments "
                    "must be merged first (ftm aggregate)",
                )
                continue
            schema = _model().get(schema_name)
            assert schema is not None
            self.known[record_id] = Known(schema.name, line)
            if schema.is_a("LegalEntity"):
                for referent in data.get("referents") or ():
                    if isinstance(referent, str) and referent != record_id:
                        self.referents.setdefault(referent, record_id)
            if schema.is_a("Ownership"):
                self._note_self_holding(data)
        return True

    def entities(self) -> Iterator[Entity]:
        for line, data in self._lines(report=False):
            known = self._at(data, line)
            if known is None or _kind(_model().get(known.schema)) is None:
                continue
            proxy = self._proxy(data, line)
            if proxy is not None:
                entity = self._entity(proxy, data, line)
                if entity is not None:
                    yield entity

    def edges(self) -> Iterator[Record]:
        for line, data in self._lines(report=False):
            known = self._at(data, line)
            if known is None:
                continue
            schema = _model().get(known.schema)
            assert schema is not None
            handler: Callable[[EntityProxy, dict[str, Any], int], Iterator[Record]]
            if schema.is_a("Ownership"):
                handler = self._ownership
            elif schema.is_a("Directorship"):
                handler = self._directorship
            elif schema.is_a("Sanction"):
                handler = self._sanction
            elif _kind(schema) is not None:
                handler = self._topic_sanction
            else:
                continue
            # An entity line's problems were reported by the entity pass.
            proxy = self._proxy(data, line, report=handler != self._topic_sanction)
            if proxy is not None:
                yield from handler(proxy, data, line)

    # -- lines ---------------------------------------------------------------------------------

    def _lines(self, *, report: bool) -> Iterator[tuple[int, dict[str, Any]]]:
        """Each non-blank line as a JSON object; problems reported only when ``report``."""
        problems = self.problems if report else ProblemLog()
        handle = open_binary(self.path, problems)
        if handle is None:
            return
        with handle:
            lines = json_lines(
                handle, self.shown, problems, max_line_bytes=MAX_LINE_BYTES, record="an FtM entity"
            )
            for line, data in lines:
                if not isinstance(data, dict):
                    message = f"a JSON {type(data).__name__}, not an FtM entity object"
                    problems.add(self.shown, line, None, message)
                    continue
                yield line, data

    def _at(self, data: dict[str, Any], line: int) -> Known | None:
        """What the scan indexed for this line, or None if it did not index it (a problem)."""
        record_id = data.get("id")
        known = self.known.get(record_id) if isinstance(record_id, str) else None
        return known if known is not None and known.line == line else None

    def _proxy(self, data: dict[str, Any], line: int, *, report: bool = True) -> EntityProxy | None:
        """The entity as an FtM proxy, or a problem when its properties are not lists of text."""
        problems = self.problems if report else ProblemLog()
        properties = data.get("properties") or {}
        for prop, values in properties.items():
            items = values if isinstance(values, list) else [values]
            if not all(isinstance(v, str) for v in items):
                message = "values must be strings (FtM lists text)"
                problems.add(self.shown, line, f"properties.{prop}", message)
                return None
        try:
            return _model().get_proxy(
                {"id": data["id"], "schema": data["schema"], "properties": properties}
            )
        except Exception as exc:  # noqa: BLE001 - any failure of the FtM model is a data problem
            problems.add(self.shown, line, None, f"not a valid FtM entity: {exc}")
            return None

    def _note_self_holding(self, data: dict[str, Any]) -> None:
        props = data.get("properties") or {}
        owners, assets = _strings(props.get("owner")), _strings(props.get("asset"))
        if len(owners) == 1 and owners == assets:
            self.own_shares[owners[0]] = "; ".join(_strings(props.get("percentage"))) or "unknown"

    # -- entities ------------------------------------------------------------------------------

    def _entity(self, proxy: EntityProxy, data: dict[str, Any], line: int) -> Entity | None:
        row = _Row(self, line)
        schema = proxy.schema
        kind = _kind(schema)
        assert kind is not None
        names = _clean(proxy.get("name"))
        others = _clean(
            names[1:] + proxy.get("alias") + proxy.get("previousName") + proxy.get("weakAlias")
        )
        if not names and others:
            names, others = others[:1], others[1:]
        if not names:
            row.error("properties.name", "no name (nor alias) to show this entity by")
        name = names[0] if names else ""
        aliases = tuple(a for a in others if a != name)

        countries = proxy.get("jurisdiction") + proxy.get("country")
        if schema.is_a("Person"):
            countries += proxy.get("nationality")
        codes = [c.strip().upper() for c in countries if c.strip()]
        iso = [c for c in codes if c in COUNTRIES]
        jurisdiction = iso[0] if iso else None

        extra: dict[str, Any] = {"ftm_schema": schema.name}
        more = sorted(set(codes) - {jurisdiction})
        if more:
            extra["countries"] = more
        identifiers, invalid = _identifiers(proxy, jurisdiction)
        if invalid:
            extra["invalid_identifiers"] = invalid
        incorporated = row.date(proxy, "incorporationDate", "incorporation_date", extra)
        dissolved = row.date(proxy, "dissolutionDate", "dissolution_date", extra)
        if incorporated and dissolved and dissolved < incorporated:
            row.error(
                "properties.dissolutionDate", f"{dissolved} is before incorporation {incorporated}"
            )
        for key, value in (
            ("source_url", _first(proxy.get("sourceUrl"))),
            ("datasets", _strings(data.get("datasets")) or None),
            ("own_shares_percentage", self.own_shares.get(proxy.id or "")),
        ):
            if value:
                extra[key] = value
        if not row.ok:
            return None
        record_id = proxy.id or ""
        return Entity(
            id=record_id,
            kind=kind,
            name=name,
            provenance=Provenance(self.source, record_id, self.shown, line),
            jurisdiction=jurisdiction,
            registration_number=_first(proxy.get("registrationNumber")),
            incorporation_date=incorporated,
            dissolution_date=dissolved,
            address=_first(proxy.get("address")),
            tags=tuple(_clean(proxy.get("topics"))),
            aliases=aliases,
            identifiers=identifiers,
            extra=extra,
        )

    # -- relationships -------------------------------------------------------------------------

    def _ownership(
        self, proxy: EntityProxy, data: dict[str, Any], line: int
    ) -> Iterator[Ownership]:
        row = _Row(self, line)
        owners = [
            self._reference(row, "owner", v, company_only=False) for v in _ids(row, proxy, "owner")
        ]
        assets = [
            self._reference(row, "asset", v, company_only=True) for v in _ids(row, proxy, "asset")
        ]
        extra: dict[str, Any] = {}
        percentages = _clean(proxy.get("percentage"))
        numbers = [row.percent(text) for text in percentages]
        start = row.date(proxy, "startDate", "start_date", extra)
        end = row.date(proxy, "endDate", "end_date", extra)
        if start and end and end <= start:
            row.error("properties.endDate", f"{end} is not after startDate {start}")
        interest = "; ".join(_clean(proxy.get("ownershipType") + proxy.get("role"))) or None
        shares_count = _first(proxy.get("sharesCount"))
        if shares_count:
            extra["shares_count"] = shares_count
        if not row.ok:
            return
        pairs = [
            (o, a) for o in owners for a in assets if o is not None and a is not None and o != a
        ]
        share = numbers[0] if len(pairs) == 1 and len(numbers) == 1 else None
        if share is None and percentages:
            extra["percentage_text"] = "; ".join(percentages)
        if len(pairs) > 1:
            extra["note"] = (
                f"one FtM Ownership with {len(owners)} owners and {len(assets)} assets: "
                "its percentages cannot be paired with its owners"
            )
        for number, (owner, asset) in enumerate(pairs):
            record_id = (proxy.id or "") if len(pairs) == 1 else f"{proxy.id}#{number}"
            yield Ownership(
                owner_id=owner,
                owned_id=asset,
                provenance=Provenance(self.source, record_id, self.shown, line),
                share=share,
                start_date=start,
                end_date=end,
                interest_type=interest,
                extra=dict(extra),
            )

    def _directorship(
        self, proxy: EntityProxy, data: dict[str, Any], line: int
    ) -> Iterator[Officer]:
        row = _Row(self, line)
        directors = [
            self._reference(row, "director", v, company_only=False)
            for v in _ids(row, proxy, "director")
        ]
        organizations = [
            self._reference(row, "organization", v, company_only=True)
            for v in _ids(row, proxy, "organization")
        ]
        extra: dict[str, Any] = {}
        start = row.date(proxy, "startDate", "start_date", extra)
        end = row.date(proxy, "endDate", "end_date", extra)
        if start and end and end <= start:
            row.error("properties.endDate", f"{end} is not after startDate {start}")
        role = "; ".join(_clean(proxy.get("role"))) or None
        if not row.ok:
            return
        pairs = [
            (d, o)
            for d in directors
            for o in organizations
            if d is not None and o is not None and d != o
        ]
        for number, (director, organization) in enumerate(pairs):
            record_id = (proxy.id or "") if len(pairs) == 1 else f"{proxy.id}#{number}"
            yield Officer(
                person_id=director,
                company_id=organization,
                provenance=Provenance(self.source, record_id, self.shown, line),
                role=role,
                start_date=start,
                end_date=end,
                extra=dict(extra),
            )

    def _sanction(self, proxy: EntityProxy, data: dict[str, Any], line: int) -> Iterator[Sanction]:
        row = _Row(self, line)
        targets = [
            self._reference(row, "entity", v, company_only=False)
            for v in _ids(row, proxy, "entity")
        ]
        extra: dict[str, Any] = {}
        listed = row.date(proxy, "startDate", "listed_on", extra)
        if listed is None and "listed_on_partial" not in extra:
            listed = row.date(proxy, "listingDate", "listed_on", extra)
        delisted = row.date(proxy, "endDate", "delisted_on", extra)
        if listed and delisted and delisted <= listed:
            row.error("properties.endDate", f"{delisted} is not after the listing {listed}")
        datasets = _strings(data.get("datasets"))
        authority = (
            "; ".join(_clean(proxy.get("authority"))) or "; ".join(datasets) or "FtM Sanction"
        )
        for key, value in (
            ("program_id", _first(proxy.get("programId"))),
            ("source_url", _first(proxy.get("sourceUrl"))),
        ):
            if value:
                extra[key] = value
        if not row.ok:
            return
        entities = [t for t in targets if t is not None]
        for number, entity in enumerate(entities):
            record_id = (proxy.id or "") if len(entities) == 1 else f"{proxy.id}#{number}"
            yield Sanction(
                entity_id=entity,
                authority=authority,
                provenance=Provenance(self.source, record_id, self.shown, line),
                program="; ".join(_clean(proxy.get("program"))) or None,
                listed_on=listed,
                delisted_on=delisted,
                extra=dict(extra),
            )

    def _topic_sanction(
        self, proxy: EntityProxy, data: dict[str, Any], line: int
    ) -> Iterator[Sanction]:
        """A listed entity without a Sanction entity in the file still counts as listed."""
        if SANCTION_TOPIC not in proxy.get("topics"):
            return
        datasets = _strings(data.get("datasets"))
        record_id = f"topic:{proxy.id}"
        yield Sanction(
            entity_id=proxy.id or "",
            authority="; ".join(datasets) or TOPIC_AUTHORITY,
            provenance=Provenance(self.source, record_id, self.shown, line),
            program=None,
            extra={"basis": "FtM topic 'sanction'"},
        )

    def _reference(self, row: _Row, prop: str, value: str, *, company_only: bool) -> str | None:
        """The entity id ``value`` names, or None when it is skipped or wrong (then a problem)."""
        value = self.referents.get(value, value)
        known = self.known.get(value)
        if known is None:
            row.error(f"properties.{prop}", f"{value!r} is not an entity in this file")
            return None
        kind = _kind(_model().get(known.schema))
        if kind is None:
            return None  # a Vessel, an Address…: not something this graph holds
        if company_only and kind != "company":
            row.error(
                f"properties.{prop}",
                f"{value!r} is a {known.schema} (line {known.line}), not a company",
            )
            return None
        return value


class _Row:
    """Problems of one line: reported with the file and line, and remembered."""

    def __init__(self, reader: _Reader, line: int) -> None:
        self.reader = reader
        self.line = line
        self.ok = True

    def error(self, field: str | None, message: str) -> None:
        self.ok = False
        self.reader.problems.add(self.reader.shown, self.line, field, message)

    def date(
        self, proxy: EntityProxy, prop: str, key: str, extra: dict[str, Any]
    ) -> dt.date | None:
        """A full date, or None; a partial date (``2011``, ``2011-05``) goes to ``extra``."""
        value = _first(proxy.get(prop))
        if value is None:
            return None
        match = _FULL_DATE.match(value)
        if match:
            try:
                return dt.date.fromisoformat(match.group(1))
            except ValueError:
                self.error(f"properties.{prop}", f"{value!r} is not a real calendar date")
                return None
        if _PARTIAL_DATE.match(value):
            month = value[5:7]
            if month and not 1 <= int(month) <= 12:
                self.error(f"properties.{prop}", f"{value!r} is not a real month")
                return None
            extra[f"{key}_partial"] = value
            return None
        self.error(f"properties.{prop}", f"{value!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
        return None

    def percent(self, text: str) -> float | None:
        """A percentage in (0, 100]; text that is not a number is None (kept by the caller)."""
        cleaned = text.strip().rstrip("%").strip()
        if "," in cleaned and "." not in cleaned:
            cleaned = cleaned.replace(",", ".")  # a decimal comma: 12,5
        try:
            number = float(cleaned)
        except ValueError:
            return None
        if not math.isfinite(number) or not 0 < number <= 100:
            self.error("properties.percentage", f"{text!r} is outside (0, 100] percent")
            return None
        return number


def _kind(schema: Schema | None) -> str | None:
    """The entity kind a schema maps to, or None for schemata this graph does not hold."""
    if schema is None or not schema.is_a("LegalEntity"):
        return None
    return "person" if schema.is_a("Person") else "company"


def _ids(row: _Row, proxy: EntityProxy, prop: str) -> list[str]:
    values = _clean(proxy.get(prop))
    if not values:
        row.error(f"properties.{prop}", "required, but empty")
    return values


def _identifiers(proxy: EntityProxy, jurisdiction: str | None) -> tuple[tuple[str, ...], list[str]]:
    """Strong identifiers, and the values that failed their check digit."""
    found: list[str] = []
    invalid: list[str] = []
    for number in _clean(proxy.get("registrationNumber")):
        key = register_identifier(jurisdiction, number)
        if key:
            found.append(key)
    for prop, scheme, prefix, check in (
        ("leiCode", "lei", "lei:", valid_lei),
        ("innCode", "inn", "inn:", valid_inn),
        ("ogrnCode", "ogrn", "reg:RU:", valid_ogrn),
    ):
        for value in _clean(proxy.get(prop)):
            canonical = normalize_identifier(scheme, value)
            if check(canonical):
                found.append(prefix + canonical)
            else:
                invalid.append(f"{prop}:{value}")
    return tuple(dict.fromkeys(found)), invalid


def _clean(values: list[str]) -> list[str]:
    """Stripped, non-empty values in order, without repeats."""
    return list(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def _first(values: list[str]) -> str | None:
    cleaned = _clean(values)
    return cleaned[0] if cleaned else None


def _strings(value: Any) -> list[str]:
    """A JSON value that should be a list of strings, as one (anything else: empty)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v]
    return []


FORMAT = FtmJsonLines()

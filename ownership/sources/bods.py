"""The BODS format: Beneficial Ownership Data Standard statements, 0.4 records and 0.2/0.3.

A file is a JSON array of statements or JSON lines, one statement a line; a folder of such files
is read as one dataset, so a relationship may point at an entity published in a sibling file
(GLEIF-derived BODS comes as ``lei-*.json`` plus ``rr-*.json``).

Both generations of the standard are read into the same records:

- 0.4: ``recordId``/``recordType``/``recordDetails``. A record is published as a series of
  statements (``recordStatus`` new, updated, closed); only the latest by ``statementDate``
  describes it now, so earlier statements of the same record are validated but not written.
  Entities are keyed by ``recordId``, which is stable, not by ``statementId``, which is not.
- 0.2/0.3: ``statementID``/``statementType``; ``replacesStatements`` retires older statements and
  references to them follow the replacement.

Interests become records by who holds them. ``shareholding`` and ``votingRights`` are ownership
edges with their share (exact or band); any other interest held by an entity is a ``control``
edge, and held by a person is an officer role named after the interest (``boardMember``,
``trustee``…). Unspecified interested parties (an exemption object, an ``unknownPerson`` or
``unknownEntity`` statement) are legitimate BODS and are skipped without a problem.

Two passes over the dataset: the first notes, for every record, its type and where its latest
statement is (ids only, never statements); the second builds records and reports problems, so
references to records later in the file are checked without holding the file in memory.

Files are read with :mod:`ownership.sources.files` (:func:`~ownership.sources.files.json_values`
and friends), which reports broken bytes and JSON with file, line and JSON path.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycountry

from ownership.identifiers import normalize_identifier
from ownership.problems import ProblemLog
from ownership.records import Entity, Officer, Ownership, Provenance, Record
from ownership.sources.files import first_json_object, json_files, json_type, json_values

COUNTRIES = frozenset(c.alpha_2 for c in pycountry.countries) | {"XK"}  # Kosovo, used by registries
_SUBDIVISION = re.compile(r"^([A-Z]{2})-[A-Z0-9]{1,3}$")  # ISO 3166-2, e.g. US-DE
_DATE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_GLEIF_RA = re.compile(r"^RA\d{6}$")  # a GLEIF registration-authority code used as schemeName
_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)
# GLEIF-derived BODS (bodspipelines) states a level-2 relationship as otherInfluenceOrControl
# with this in ``details``; the project keeps accounting consolidation as its own edge kind.
_GLEIF_CONSOLIDATION = re.compile(
    r"^LEI RelationshipType: IS_(DIRECTLY|ULTIMATELY)_CONSOLIDATED_BY$"
)

# Identifier schemes (org-id.guide codes, as BODS uses them) that map onto the project's strong
# keys; every other scheme is kept lower-case as ``scheme:value``.
STRONG_SCHEMES = {
    "XI-LEI": "lei",
    "GB-COH": "reg:GB",
    "JP-JCN": "reg:JP",
    "RU-OGRN": "reg:RU",
    "SG-ACRA": "reg:SG",
    "RU-INN": "inn",
    # GLEIF-derived BODS names the register by its GLEIF code in schemeName, with no scheme:
    # RA000585 is Companies House, so its numbers meet the UK PSC and GB-COH records.
    "RA000585": "reg:GB",
}

SHARE_KINDS = {"shareholding": "shareholding", "votingRights": "voting"}
UNSPECIFIED_TYPES = frozenset({"unknownPerson", "unknownEntity"})
VERSION_04 = "0.4"
VERSION_02 = "0.2/0.3"

_TYPES_04 = {"entity": "entity", "person": "person", "relationship": "relationship"}
_TYPES_02 = {
    "entityStatement": "entity",
    "personStatement": "person",
    "ownershipOrControlStatement": "relationship",
}
_PARTY_KEYS = {  # 0.2/0.3 interestedParty keys and the statement type each must point at
    "describedByEntityStatement": "entity",
    "describedByPersonStatement": "person",
}
_ARTICLE = {"entity": "an entity", "person": "a person", "relationship": "a relationship"}


# -- the shape of one statement, whichever version --------------------------------------------


@dataclass
class Statement:
    """One top-level JSON value of the dataset, with where it was."""

    file: str
    line: int | None
    prefix: str  # JSON path of the statement in its file: "[3]" in an array, "" on a JSON line
    seq: int  # position in the dataset: breaks statementDate ties in file order
    data: Any

    def where(self, path: str) -> str | None:
        """The JSON path of ``path`` inside this statement, as a problem's field."""
        if not self.prefix:
            return path or None
        return f"{self.prefix}.{path}" if path else self.prefix


@dataclass
class View:
    """What a statement says, version differences removed."""

    version: str
    key: str  # 0.4 recordId, 0.2/0.3 statementID
    type: str  # entity | person | relationship
    details: dict[str, Any]
    base: str  # path prefix of ``details``: "recordDetails." or ""
    statement_id: str
    statement_date: Any
    closed: bool
    replaces: tuple[str, ...] = ()

    @property
    def unspecified(self) -> bool:
        """An unknown person or entity: a placeholder, not something to write."""
        return _subtype(self) in UNSPECIFIED_TYPES


def _view(data: Any) -> View | str:
    """The statement's common view, or why it is not a BODS statement."""
    if not isinstance(data, dict):
        return f"a statement must be a JSON object, not {json_type(data)}"
    if "recordType" in data or "recordDetails" in data:
        key, rtype, details = (
            data.get("recordId"),
            data.get("recordType"),
            data.get("recordDetails"),
        )
        if not isinstance(key, str) or not key.strip():
            return "recordId: required (a non-empty string)"
        if rtype not in _TYPES_04:
            return f"recordType: {rtype!r} is not entity, person or relationship"
        if not isinstance(details, dict):
            return "recordDetails: required (an object)"
        return View(
            VERSION_04,
            key.strip(),
            _TYPES_04[rtype],
            details,
            "recordDetails.",
            str(data.get("statementId") or ""),
            data.get("statementDate"),
            data.get("recordStatus") == "closed",
        )
    if "statementType" in data or "statementID" in data:
        key, stype = data.get("statementID"), data.get("statementType")
        if not isinstance(key, str) or not key.strip():
            return "statementID: required (a non-empty string)"
        if stype not in _TYPES_02:
            return (
                f"statementType: {stype!r} is not entityStatement, personStatement or "
                "ownershipOrControlStatement"
            )
        replaces = data.get("replacesStatements") or ()
        return View(
            VERSION_02,
            key.strip(),
            _TYPES_02[stype],
            data,
            "",
            key.strip(),
            data.get("statementDate"),
            False,
            tuple(r for r in replaces if isinstance(r, str)) if isinstance(replaces, list) else (),
        )
    return (
        "neither a BODS 0.4 record (recordId, recordType, recordDetails) nor a 0.2/0.3 "
        "statement (statementID, statementType)"
    )


def _subtype(view: View) -> str | None:
    """personType, or entityType (an object with ``type`` in 0.4, a string before)."""
    if view.type == "person":
        value = view.details.get("personType")
        return value if isinstance(value, str) else None
    value = view.details.get("entityType")
    if isinstance(value, dict):
        value = value.get("type")
    return value if isinstance(value, str) else None


# -- pass one: an index of ids -----------------------------------------------------------------


@dataclass
class Index:
    """Per record key: its type, where its latest statement is, what replaced it."""

    types: dict[str, str] = field(default_factory=dict)  # key -> entity | person | relationship
    # key -> ((statementDate, position) of its latest statement, whether that one is unspecified)
    latest: dict[str, tuple[tuple[dt.datetime, int], bool]] = field(default_factory=dict)
    replaced_by: dict[str, str] = field(default_factory=dict)  # 0.2/0.3 statementID -> successor

    def note(self, view: View, seq: int) -> None:
        self.types.setdefault(view.key, view.type)
        rank = (_moment(view.statement_date) or _EPOCH, seq)
        if view.key not in self.latest or rank >= self.latest[view.key][0]:
            self.latest[view.key] = (rank, view.unspecified)
        for old in view.replaces:
            if old != view.key:
                self.replaced_by.setdefault(old, view.key)

    def current(self, view: View, seq: int) -> bool:
        """Whether this statement is the one that describes its record now."""
        latest = self.latest.get(view.key)
        return latest is not None and latest[0][1] == seq and view.key not in self.replaced_by

    def kind(self, key: str) -> str | None:
        """entity, person, relationship, unspecified (an unknown party), or None if absent."""
        if key not in self.types:
            return None
        return "unspecified" if self.latest[key][1] else self.types[key]

    def resolve(self, key: str) -> str:
        """The key that ``key`` stands for now (following 0.2/0.3 replacements)."""
        seen = {key}
        while key in self.replaced_by and self.replaced_by[key] not in seen:
            key = self.replaced_by[key]
            seen.add(key)
        return key


# -- the format --------------------------------------------------------------------------------


class Bods:
    """Reader for BODS files and folders."""

    name = "bods"
    description = "Beneficial Ownership Data Standard statements (0.4, 0.2/0.3), JSON or JSON lines"

    def detect(self, path: Path) -> bool:
        if path.is_dir():
            files = json_files(path)
            return bool(files) and all(_looks_bods(first_json_object(f)) for f in files)
        return path.suffix.lower() in (".json", ".jsonl") and _looks_bods(first_json_object(path))

    def read(self, path: Path, source: str, problems: ProblemLog) -> Iterator[Record]:
        files = json_files(path) if path.is_dir() else [path]
        if not files:
            problems.add(str(path), None, None, "no .json or .jsonl files in this folder")
            return
        index = Index()
        for st in _statements(files, ProblemLog()):  # problems are reported by the second pass
            view = _view(st.data)
            if isinstance(view, View):
                index.note(view, st.seq)
        for st in _statements(files, problems):
            view = _view(st.data)
            if isinstance(view, str):
                problems.add(st.file, st.line, st.where(""), view)
                continue
            known = index.types[view.key]
            if known != view.type:
                problems.add(
                    st.file,
                    st.line,
                    st.where(_key_field(view)),
                    f"{view.key!r} is {_ARTICLE[known]} elsewhere in the dataset, "
                    f"but {_ARTICLE[view.type]} here",
                )
                continue
            records = list(_records(st, view, index, source, problems))
            if index.current(view, st.seq):  # earlier statements of a record: checked, not kept
                yield from records


def _looks_bods(first: dict[str, Any] | None) -> bool:
    if first is None:
        return False
    return ("recordType" in first and "recordDetails" in first) or (
        "statementType" in first or "statementID" in first
    )


def _key_field(view: View) -> str:
    return "recordId" if view.version == VERSION_04 else "statementID"


def _statements(files: list[Path], problems: ProblemLog) -> Iterator[Statement]:
    seq = 0
    for path in files:
        for value in json_values(path, problems):
            yield Statement(value.file, value.line, value.prefix, seq, value.value)
            seq += 1


# -- building records --------------------------------------------------------------------------


@dataclass
class Check:
    """Problems of one statement, reported with its file, line and JSON path."""

    st: Statement
    base: str
    problems: ProblemLog
    ok: bool = True

    def error(self, path: str, message: str) -> None:
        self.ok = False
        self.problems.add(self.st.file, self.st.line, self.st.where(self.base + path), message)

    def date(self, value: Any, path: str) -> dt.date | None:
        if value is None or value == "":
            return None
        match = _DATE.match(value) if isinstance(value, str) else None
        if not match:
            self.error(path, f"{value!r} is not a date (YYYY-MM-DD, optionally with a time)")
            return None
        try:
            return dt.date.fromisoformat(match.group(1))
        except ValueError:
            self.error(path, f"{value!r} is not a real calendar date")
            return None

    def country(self, value: Any, path: str) -> tuple[str | None, str | None]:
        """An ISO 3166 code as (country, full code): ``US-DE`` gives ``("US", "US-DE")``."""
        if value is None or value == "":
            return None, None
        code = value.strip().upper() if isinstance(value, str) else ""
        if code in COUNTRIES:
            return code, code
        match = _SUBDIVISION.match(code)
        if match and match.group(1) in COUNTRIES:
            return match.group(1), code
        self.error(path, f"{value!r} is not an ISO 3166 country or subdivision code")
        return None, None


def _records(
    st: Statement, view: View, index: Index, source: str, problems: ProblemLog
) -> Iterator[Record]:
    check = Check(st, view.base, problems)
    if view.statement_date not in (None, "") and _moment(view.statement_date) is None:
        problems.add(
            st.file,
            st.line,
            st.where("statementDate"),
            f"{view.statement_date!r} is not a date or date-time",
        )
    if view.unspecified:
        return
    provenance = Provenance(source, view.key, st.file, st.line)
    if view.type == "entity":
        entity = _entity(view, check, provenance)
    elif view.type == "person":
        entity = _person(view, check, provenance)
    else:
        yield from _relationship(view, check, index, source)
        return
    if check.ok and entity is not None:
        yield entity


def _entity(view: View, check: Check, provenance: Provenance) -> Entity | None:
    d = view.details
    subtype = _subtype(view)
    name = _text(d.get("name"))
    if name is None:
        if not subtype or not subtype.startswith("anonymous"):
            check.error(
                "name", "required: an entity needs a name (only anonymous ones may lack one)"
            )
            return None
        name = f"(anonymous entity {view.key})"
    jurisdiction_field = "jurisdiction" if "jurisdiction" in d else "incorporatedInJurisdiction"
    jurisdiction = d.get(jurisdiction_field)
    country, code = check.country(
        jurisdiction.get("code") if isinstance(jurisdiction, dict) else None,
        f"{jurisdiction_field}.code",
    )
    identifiers, registration = _identifiers(d.get("identifiers"), check)
    founded = check.date(d.get("foundingDate"), "foundingDate")
    dissolved = check.date(d.get("dissolutionDate"), "dissolutionDate")
    if founded and dissolved and dissolved < founded:
        check.error("dissolutionDate", f"{dissolved} is before foundingDate {founded}")
    extra = _common_extra(view)
    if subtype:
        extra["entity_type"] = subtype
    entity_type = d.get("entityType")
    if isinstance(entity_type, dict) and _text(entity_type.get("subtype")):
        extra["entity_subtype"] = entity_type["subtype"]
    if code and code != country:
        extra["jurisdiction_code"] = code
    listing = d.get("publicListing")
    if isinstance(listing, dict) and isinstance(listing.get("hasPublicListing"), bool):
        extra["publicly_listed"] = listing["hasPublicListing"]
    return Entity(
        id=view.key,
        kind="company",
        name=name,
        provenance=provenance,
        jurisdiction=country,
        registration_number=registration,
        incorporation_date=founded,
        dissolution_date=dissolved,
        address=_address(d.get("addresses")),
        aliases=tuple(dict.fromkeys(a for a in _strings(d.get("alternateNames")) if a != name)),
        identifiers=identifiers,
        extra=extra,
    )


def _person(view: View, check: Check, provenance: Provenance) -> Entity | None:
    d = view.details
    names = (
        [n for n in d.get("names") or [] if isinstance(n, dict)]
        if isinstance(d.get("names"), list)
        else []
    )
    full_names = [f for f in (_full_name(n) for n in names) if f]
    subtype = _subtype(view)
    if full_names:
        name = full_names[0]
    elif subtype and subtype.startswith("anonymous"):
        name = f"(anonymous person {view.key})"
    else:
        check.error("names", "required: a person needs a name (only anonymous ones may lack one)")
        return None
    nationalities: list[str] = []
    raw = d.get("nationalities")
    for k, item in enumerate(raw if isinstance(raw, list) else []):
        code = item.get("code") if isinstance(item, dict) else None
        country, _ = check.country(code, f"nationalities[{k}].code")
        if country and country not in nationalities:
            nationalities.append(country)
    identifiers, _ = _identifiers(d.get("identifiers"), check)
    extra = _common_extra(view)
    if subtype:
        extra["person_type"] = subtype
    if len(nationalities) > 1:
        extra["nationalities"] = nationalities
    if _text(d.get("birthDate")):
        extra["birth_date"] = d["birthDate"]
    return Entity(
        id=view.key,
        kind="person",
        name=name,
        provenance=provenance,
        jurisdiction=nationalities[0] if nationalities else None,
        address=_address(d.get("addresses")),
        aliases=tuple(dict.fromkeys(f for f in full_names[1:] if f != name)),
        identifiers=identifiers,
        extra=extra,
    )


def _relationship(view: View, check: Check, index: Index, source: str) -> Iterator[Record]:
    d = view.details
    party = _reference(view, check, index, "interestedParty")
    if party is None and check.ok:
        # An unspecified party: nothing to write, so nothing of this statement is checked further
        # (GLEIF reporting exceptions point at subjects published in other files).
        return
    subject = _reference(view, check, index, "subject")
    if subject is None or party is None or not check.ok:
        return  # an unspecified subject (legitimate, skipped) or a broken reference (reported)
    subject_key, subject_kind = subject
    party_key, party_kind = party
    if subject_kind != "entity":
        check.error(_ref_path(view, "subject"), f"{subject_key!r} is a person and cannot be owned")
    if subject_key == party_key:
        check.error(
            _ref_path(view, "interestedParty"), f"{party_key!r} cannot hold an interest in itself"
        )
    raw = d.get("interests")
    if raw is not None and not isinstance(raw, list):
        check.error("interests", f"must be a list, not {json_type(raw)}")
        return
    interests: list[tuple[str, Any]] = [(f"interests[{k}]", i) for k, i in enumerate(raw or [])]
    if not interests:  # a relationship with no stated interest still links the two
        interests = [("interests", {"type": "unknownInterest"})]
    closed_at = _moment(view.statement_date) if view.closed else None
    closed_on = closed_at.date() if closed_at else None
    counts: dict[str, int] = {}
    built: list[Record] = []
    for path, interest in interests:
        record = _interest(
            view,
            check,
            path,
            interest,
            subject_key,
            party_key,
            party_kind,
            closed_on,
            source,
            counts,
        )
        if record is not None:
            built.append(record)
    if check.ok:
        yield from built


def _interest(
    view: View,
    check: Check,
    path: str,
    interest: Any,
    subject: str,
    party: str,
    party_kind: str,
    closed_on: dt.date | None,
    source: str,
    counts: dict[str, int],
) -> Record | None:
    if not isinstance(interest, dict):
        check.error(path, f"an interest must be an object, not {json_type(interest)}")
        return None
    raw_type = interest.get("type")
    if raw_type is not None and not isinstance(raw_type, str):
        check.error(f"{path}.type", f"must be a string, not {json_type(raw_type)}")
        return None
    itype = _camel(raw_type) if raw_type else "unknownInterest"
    direct = _direct(interest, path, check)
    start = check.date(interest.get("startDate"), f"{path}.startDate")
    end = check.date(interest.get("endDate"), f"{path}.endDate")
    if start and end and end < start:
        check.error(f"{path}.endDate", f"{end} is before startDate {start}")
    if end is None and closed_on is not None:
        end = closed_on  # a closed record ends its interests when it was closed
    counts[itype] = counts.get(itype, 0) + 1
    record_id = f"{view.key}#{itype}#{counts[itype]}"
    provenance = Provenance(source, record_id, check.st.file, check.st.line)
    extra: dict[str, Any] = {"statement_id": view.statement_id} if view.statement_id else {}
    if isinstance(interest.get("beneficialOwnershipOrControl"), bool):
        extra["beneficial"] = interest["beneficialOwnershipOrControl"]
    if _text(interest.get("details")):
        extra["details"] = interest["details"]
    if view.closed:
        extra["record_status"] = "closed"
    kind = SHARE_KINDS.get(itype)
    if kind is None and _GLEIF_CONSOLIDATION.match(extra.get("details", "")):
        kind = "consolidation"  # GLEIF accounting consolidation, as GLEIF-derived BODS words it
    if kind is None and party_kind == "person":
        return Officer(
            person_id=party,
            company_id=subject,
            provenance=provenance,
            role=itype,
            start_date=start,
            end_date=end,
            extra=extra,
        )
    exact = low = high = None
    if kind is not None and interest.get("share") is not None:
        share = _share(interest["share"], f"{path}.share", check)
        if share is None:
            return None
        exact, low, high, flags = share
        extra.update(flags)
    return Ownership(
        owner_id=party,
        owned_id=subject,
        provenance=provenance,
        share=exact,
        share_min=low,
        share_max=high,
        start_date=start,
        end_date=end,
        kind=kind or "control",
        interest_type=itype,
        direct=direct,
        extra=extra,
    )


def _reference(view: View, check: Check, index: Index, side: str) -> tuple[str, str] | None:
    """The (key, kind) a relationship side points at; None when unspecified or broken."""
    value = view.details.get(side)
    if view.version == VERSION_04:
        if isinstance(value, dict):
            return None  # an unspecified record: a reason instead of a party
        if not isinstance(value, str) or not value.strip():
            check.error(side, "required: the recordId of an entity or person record")
            return None
        return _known(check, index, side, value.strip(), None)
    if not isinstance(value, dict):
        check.error(side, "required: an object naming the statement it is described by")
        return None
    for key, expected in _PARTY_KEYS.items():
        if key in value:
            if side == "subject" and expected != "entity":
                break
            ref = value[key]
            if not isinstance(ref, str) or not ref.strip():
                check.error(f"{side}.{key}", "must be a statementID")
                return None
            return _known(check, index, f"{side}.{key}", ref.strip(), expected)
    if side == "interestedParty" and "unspecified" in value:
        return None
    wanted = (
        "describedByEntityStatement"
        if side == "subject"
        else ("describedByEntityStatement, describedByPersonStatement or unspecified")
    )
    check.error(side, f"must have {wanted}")
    return None


def _known(
    check: Check, index: Index, path: str, ref: str, expected: str | None
) -> tuple[str, str] | None:
    key = index.resolve(ref)
    kind = index.kind(key)
    if kind is None:
        check.error(path, f"{ref!r} is not the id of any statement in this dataset")
        return None
    if kind == "unspecified":
        return None
    if kind == "relationship" or (expected is not None and kind != expected):
        wanted = _ARTICLE[expected] if expected else "an entity or a person"
        check.error(path, f"{ref!r} is {_ARTICLE[kind]} statement, not {wanted}")
        return None
    return key, kind


def _ref_path(view: View, side: str) -> str:
    if view.version == VERSION_04:
        return side
    value = view.details.get(side)
    key = next((k for k in _PARTY_KEYS if isinstance(value, dict) and k in value), "")
    return f"{side}.{key}" if key else side


def _direct(interest: dict[str, Any], path: str, check: Check) -> bool | None:
    key = "directOrIndirect" if "directOrIndirect" in interest else "interestLevel"
    value = interest.get(key)
    if value in (None, "", "unknown"):
        return None
    if value in ("direct", "indirect"):
        return value == "direct"
    check.error(f"{path}.{key}", f"{value!r} is not direct, indirect or unknown")
    return None


def _share(
    share: Any, path: str, check: Check
) -> tuple[float | None, float | None, float | None, dict[str, bool]] | None:
    """(exact, minimum, maximum, exclusivity flags) of a share object, all in percent.

    0.4 gives an exclusive bound as a number (``exclusiveMaximum: 100``); 0.2/0.3 give the bound
    as ``maximum`` and a boolean ``exclusiveMaximum``. Either way the bound is stored and its
    exclusivity kept in ``share_min_exclusive``/``share_max_exclusive``.
    """
    if not isinstance(share, dict):
        check.error(path, f"must be an object, not {json_type(share)}")
        return None
    ok = True

    def number(key: str, low_ok: float, inclusive_low: bool, inclusive_high: bool) -> float | None:
        nonlocal ok
        value = share.get(key)
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            check.error(f"{path}.{key}", f"{value!r} is not a number (percent)")
            ok = False
            return None
        above = value >= low_ok if inclusive_low else value > low_ok
        below = value <= 100 if inclusive_high else value < 100
        if not (above and below):
            bounds = (
                f"{'[' if inclusive_low else '('}{low_ok:g}, 100{']' if inclusive_high else ')'}"
            )
            check.error(f"{path}.{key}", f"{value:g} is outside {bounds} percent")
            ok = False
            return None
        return float(value)

    flags: dict[str, bool] = {}
    exact = number("exact", 0, False, True)
    low = number("minimum", 0, True, True)
    high = number("maximum", 0, False, True)
    for key, bound, flag in (
        ("exclusiveMinimum", "minimum", "share_min_exclusive"),
        ("exclusiveMaximum", "maximum", "share_max_exclusive"),
    ):
        value = share.get(key)
        if isinstance(value, bool):  # 0.2/0.3: a flag on minimum/maximum
            if value:
                flags[flag] = True
            continue
        if value is None:
            continue
        if share.get(bound) is not None:
            check.error(f"{path}.{key}", f"both {bound} and {key} are given")
            ok = False
            continue
        is_min = key == "exclusiveMinimum"
        parsed = number(key, 0, True, not is_min) if is_min else number(key, 0, False, True)
        if parsed is not None:
            flags[flag] = True
            if is_min:
                low = parsed
            else:
                high = parsed
    if low is not None and high is not None and low > high:
        check.error(path, f"band minimum {low:g} is above its maximum {high:g}")
        ok = False
    if exact is not None and (
        (low is not None and exact < low) or (high is not None and exact > high)
    ):
        check.error(f"{path}.exact", f"{exact:g} lies outside its own band")
        ok = False
    return (exact, low, high, flags) if ok else None


def _identifiers(raw: Any, check: Check) -> tuple[tuple[str, ...], str | None]:
    """``scheme:value`` identifiers, and the national register number among them if any."""
    if raw is None:
        return (), None
    if not isinstance(raw, list):
        check.error("identifiers", f"must be a list, not {json_type(raw)}")
        return (), None
    found: list[str] = []
    registration = None
    for k, item in enumerate(raw):
        if not isinstance(item, dict):
            check.error(f"identifiers[{k}]", f"must be an object, not {json_type(item)}")
            continue
        value = item.get("id")
        if value is None or value == "":
            continue  # GLEIF's RA999999 ("no register") carries a schemeName and no id
        if not isinstance(value, str | int) or isinstance(value, bool):
            check.error(f"identifiers[{k}].id", f"must be a string, not {json_type(value)}")
            continue
        scheme = _text(item.get("scheme"))
        if scheme is None:
            scheme_name = _text(item.get("schemeName")) or ""
            if not _GLEIF_RA.match(scheme_name):
                continue  # a free-text register name ("Company Registry, Delaware") keys nothing
            scheme = scheme_name
        canonical = normalize_identifier(scheme, str(value))
        if not canonical:
            continue
        prefix = STRONG_SCHEMES.get(scheme.upper(), scheme.lower())
        found.append(f"{prefix}:{canonical}")
        if prefix.startswith("reg:") and registration is None:
            registration = canonical
    return tuple(dict.fromkeys(found)), registration


def _common_extra(view: View) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if view.statement_id:
        extra["statement_id"] = view.statement_id
    if view.closed:
        extra["record_status"] = "closed"
    return extra


def _address(raw: Any) -> str | None:
    """One address as text: the registered one first, then business, then whichever comes."""
    if not isinstance(raw, list):
        return None
    items = [a for a in raw if isinstance(a, dict) and _text(a.get("address"))]
    if not items:
        return None
    order = {"registered": 0, "business": 1}
    best = min(items, key=lambda a: order.get(a.get("type"), 2))
    parts = [best["address"].strip(), _text(best.get("postCode"))]
    country = best.get("country")
    if isinstance(country, dict):
        country = country.get("code") or country.get("name")
    parts.append(_text(country))
    return ", ".join(p for p in parts if p)


def _full_name(name: dict[str, Any]) -> str | None:
    full = _text(name.get("fullName"))
    if full:
        return full
    parts = [_text(name.get(k)) for k in ("givenName", "patronymicName", "familyName")]
    return " ".join(p for p in parts if p) or None


def _camel(value: str) -> str:
    """0.2/0.3 spell interest types with hyphens (``voting-rights``); 0.4 in camelCase."""
    head, *rest = value.strip().split("-")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _moment(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _strings(value: Any) -> list[str]:
    return (
        [v.strip() for v in value if isinstance(v, str) and v.strip()]
        if isinstance(value, list)
        else []
    )


FORMAT = Bods()

"""Normalized records: what every source format is turned into before it reaches the graph.

The domain model is stated here once, as data. Importers (``ownership.sources.*``) yield these
records; the loader (``ownership.loader``) writes them; nothing downstream knows which file format
a fact came from except through its :class:`Provenance`.

Shares are percent (0 < share <= 100). When only a band is known, ``share`` is ``None`` and
``share_min``/``share_max`` hold it. Dates are :class:`datetime.date`; ``None`` means unknown.

Identifiers are strings ``scheme:value`` so that records from different sources that carry the
same strong key resolve to one entity:

- ``lei:<LEI>`` (ISO 17442, upper case);
- ``reg:<CC>:<number>``: the national company-register number of country CC — a Japanese
  corporate number, a Singapore UEN, a Russian OGRN, a UK company number (``reg:GB:01234567``);
- ``inn:<INN>`` (Russian taxpayer number);
- any other scheme lower-case, e.g. ``ofac:12345``, ``eu-fsf:EU.123.45``: kept and searchable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

# Node labels and relationship types the project writes. Cypher text may only name these:
# values always travel as parameters, and labels/types come from this closed list.
ENTITY_KINDS: dict[str, str] = {"company": "Company", "person": "Person"}
OWNERSHIP_KINDS = ("shareholding", "voting", "control", "consolidation")

# The list properties every entity record (and so every entity) carries, empty or not: a bulk
# load cannot write an empty list (neo4j-admin reads an empty field as "no property"), so it
# marks the nodes concerned and ``cypher.BULK_FILL_LISTS`` gives them their empty lists back.
ENTITY_LIST_PROPERTIES = (
    "operates_in",
    "tags",
    "aliases",
    "identifiers",
    "search_terms",
    "sources",
    "names",
)

# Property names the loader sets itself; a source column may not overwrite them.
RESERVED_PROPERTIES = frozenset(
    {
        "uid",
        "record_id",
        "source",
        "kind",
        "fingerprint",
        "imported_at",
        "updated_at",
        "file",
        "line",
        "search_terms",
        "address_norm",
        "name_norm",
    }
)


@dataclass(frozen=True)
class Provenance:
    """Where a record came from: enough to find the line again."""

    source: str
    record_id: str
    file: str
    line: int | None = None


def in_force(
    start: dt.date | None,
    end: dt.date | None,
    as_of: dt.date,
    retired_on: dt.date | None = None,
) -> bool:
    """The contract's validity rule: start <= D (or no start), D < end (or no end), and D before
    the day a refresh found the fact gone from its source. ``cypher.in_force`` is the same rule
    in Cypher."""
    return (
        (start is None or start <= as_of)
        and (end is None or as_of < end)
        and (retired_on is None or as_of < retired_on)
    )


def uid(source: str, record_id: str) -> str:
    """The graph key of a record: ``SOURCE:ID``, unique across sources."""
    return f"{source}:{record_id}"


def address_uid(address_norm: str) -> str:
    """The graph key of a registered address: one node per normalized address."""
    return f"address:{address_norm}"


# ``json.dumps`` with these settings makes a new encoder for every call; one encoder gives the
# same text (a refresh fingerprints every record of a source: four million at a million companies)
_CANONICAL = json.JSONEncoder(sort_keys=True, default=str, ensure_ascii=False)


def fingerprint(props: dict[str, Any]) -> str:
    """A stable digest of a record's properties: re-importing unchanged data writes nothing."""
    text = _CANONICAL.encode(props)
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


@dataclass
class Entity:
    """A company or a natural person."""

    id: str
    kind: str  # a key of ENTITY_KINDS
    name: str
    provenance: Provenance
    jurisdiction: str | None = None
    registration_number: str | None = None
    incorporation_date: dt.date | None = None
    dissolution_date: dt.date | None = None
    address: str | None = None
    operates_in: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()  # "scheme:value", e.g. "lei:529900T8BM49AURSDO55"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return ENTITY_KINDS[self.kind]


@dataclass
class Ownership:
    """``owner`` holds shares (or votes, or control) in ``owned``."""

    owner_id: str
    owned_id: str
    provenance: Provenance
    share: float | None = None
    share_min: float | None = None
    share_max: float | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    kind: str = "shareholding"  # one of OWNERSHIP_KINDS
    interest_type: str | None = None  # the source's own word (BODS interest type, GLEIF type…)
    direct: bool | None = None  # False: an indirect interest also reached through a chain
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Officer:
    """A person (or corporate officer) holding a role in a company."""

    person_id: str
    company_id: str
    provenance: Provenance
    role: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Sanction:
    """A listing of an entity by an authority, in force from ``listed_on`` to ``delisted_on``."""

    entity_id: str
    authority: str
    provenance: Provenance
    program: str | None = None
    listed_on: dt.date | None = None
    delisted_on: dt.date | None = None
    extra: dict[str, Any] = field(default_factory=dict)


Record = Entity | Ownership | Officer | Sanction

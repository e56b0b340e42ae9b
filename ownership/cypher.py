"""Every Cypher statement the project runs, named, documented, in one place.

Rules that keep these portable between Neo4j 5 and the embedded ArcadeDB server (both run in
tests): plain openCypher only (no APOC, no GDS, no ``id()``, no unscoped ``CALL {}``, no
``CALL … IN TRANSACTIONS`` inside managed transactions); values always as ``$parameters``;
results sorted with ``ORDER BY`` or in Python, never assumed in order. Labels and relationship
types are literals here, from the closed list in :mod:`ownership.records`.

Variable-length bounds cannot be parameters in Cypher, so queries that need one are templates
with a ``{max_hops}`` slot that :meth:`Query.render` fills with a checked small integer: a shape,
never a value from data.

``ownership queries export`` writes this library as a file to paste into Neo4j Browser.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

MAX_HOPS_LIMIT = 12  # beyond this, path enumeration on real registries explodes


@dataclass(frozen=True)
class Query:
    """A named Cypher statement with its parameters and the reason it exists."""

    name: str
    text: str
    doc: str
    params: dict[str, object] = field(default_factory=dict)  # name -> example value
    write: bool = False

    @property
    def templated(self) -> bool:
        return "{max_hops}" in self.text

    def render(self, max_hops: int | None = None) -> str:
        """The runnable text; templates get their hop bound, checked to be a small integer."""
        if not self.templated:
            return self.text
        if not isinstance(max_hops, int) or isinstance(max_hops, bool):
            raise ValueError(f"{self.name}: max_hops must be an integer")
        if not 1 <= max_hops <= MAX_HOPS_LIMIT:
            raise ValueError(f"max hops must be between 1 and {MAX_HOPS_LIMIT}, not {max_hops}")
        return self.text.replace("{max_hops}", str(max_hops))


LIBRARY: dict[str, Query] = {}


def _q(name: str, text: str, doc: str, /, write: bool = False, **params: object) -> Query:
    query = Query(name=name, text=text.strip(), doc=doc.strip(), params=params, write=write)
    if name in LIBRARY:
        raise ValueError(f"duplicate query name {name}")
    LIBRARY[name] = query
    return query


# An ownership edge is in force on day D when start <= D (or no start) and D < end (or no end).
# The same predicate appears inline in several queries (Cypher has no user functions without
# plugins); keep the copies identical.

# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------

SCHEMA: tuple[Query, ...] = tuple(
    _q(name, text, doc, write=True)
    for name, text, doc in (
        (
            "schema_entity_uid",
            "CREATE CONSTRAINT entity_uid IF NOT EXISTS FOR (e:Entity) REQUIRE e.uid IS UNIQUE",
            "Every entity has one graph key, SOURCE:ID; MERGE relies on it.",
        ),
        (
            "schema_record_uid",
            "CREATE CONSTRAINT record_uid IF NOT EXISTS FOR (r:Record) REQUIRE r.uid IS UNIQUE",
            "Every source record has one key, SOURCE:ID; edges find their ends through it.",
        ),
        (
            "schema_identifier_key",
            "CREATE CONSTRAINT identifier_key IF NOT EXISTS "
            "FOR (i:Identifier) REQUIRE i.key IS UNIQUE",
            "One node per strong identifier (lei:…, reg:CC:…, inn:…): the resolution key.",
        ),
        (
            "schema_sanction_uid",
            "CREATE CONSTRAINT sanction_uid IF NOT EXISTS FOR (s:Sanction) REQUIRE s.uid IS UNIQUE",
            "Every sanction listing has one graph key.",
        ),
        (
            "schema_source_name",
            "CREATE CONSTRAINT source_name IF NOT EXISTS FOR (s:Source) REQUIRE s.name IS UNIQUE",
            "One node per named source, for provenance and per-source replacement.",
        ),
        (
            "schema_owns_uid",
            "CREATE CONSTRAINT owns_uid IF NOT EXISTS FOR ()-[r:OWNS]-() REQUIRE r.uid IS UNIQUE",
            "Ownership edges are merged on their record key.",
        ),
        (
            "schema_officer_uid",
            "CREATE CONSTRAINT officer_uid IF NOT EXISTS "
            "FOR ()-[r:OFFICER_OF]-() REQUIRE r.uid IS UNIQUE",
            "Officer edges are merged on their record key.",
        ),
        (
            "schema_subject_uid",
            "CREATE CONSTRAINT subject_uid IF NOT EXISTS "
            "FOR ()-[r:SUBJECT_TO]-() REQUIRE r.uid IS UNIQUE",
            "Sanction edges are merged on their record key.",
        ),
        (
            "schema_record_record_id",
            "CREATE INDEX record_record_id IF NOT EXISTS FOR (r:Record) ON (r.record_id)",
            "Entities are looked up by the id they have in their source file.",
        ),
        (
            "schema_identifier_value",
            "CREATE INDEX identifier_value IF NOT EXISTS FOR (i:Identifier) ON (i.value)",
            "Look-up by a bare identifier (an LEI or register number typed without its scheme).",
        ),
        (
            "schema_entity_name_norm",
            "CREATE INDEX entity_name_norm IF NOT EXISTS FOR (e:Entity) ON (e.name_norm)",
            "Exact name look-ups (case-, accent- and punctuation-insensitive).",
        ),
        (
            "schema_entity_jurisdiction",
            "CREATE INDEX entity_jurisdiction IF NOT EXISTS FOR (e:Entity) ON (e.jurisdiction)",
            "Chain search starts from the companies of one country.",
        ),
        (
            "schema_record_source",
            "CREATE INDEX record_source IF NOT EXISTS FOR (r:Record) ON (r.source)",
            "Per-source counts and replacement.",
        ),
    )
)

# --------------------------------------------------------------------------------------------
# Loading (UNWIND batches; MERGE on constrained keys; unchanged records are not rewritten)
# --------------------------------------------------------------------------------------------

RESOLVE_RECORDS = _q(
    "resolve_records",
    """
UNWIND $rows AS row
OPTIONAL MATCH (:Record {uid: row.uid})-[:DESCRIBES]->(known:Entity)
CALL (row) {
  UNWIND row.identifiers AS key
  OPTIONAL MATCH (:Identifier {key: key})-[:IDENTIFIES]->(m:Entity)
  WHERE m.kind = row.kind
  RETURN collect(DISTINCT m.uid) AS matches
}
RETURN row.uid AS uid, known.uid AS known, matches,
       COUNT { (known)<-[:DESCRIBES]-(:Record) } AS records
""",
    "Entity resolution, before a batch of entity records is written: the entity each record "
    "already describes (re-import), and the entities of the same kind that share one of its "
    "strong identifiers (LEI, register number, INN): those it merges into.",
    rows=[],
)

_UPSERT_ENTITY = """
UNWIND $rows AS row
MERGE (e:Entity:%s {uid: row.entity_uid})
ON CREATE SET e.imported_at = $now
MERGE (r:Record {uid: row.uid})
ON CREATE SET r.imported_at = $now
MERGE (r)-[:DESCRIBES]->(e)
WITH e, r, row
WHERE r.fingerprint IS NULL OR r.fingerprint <> row.fingerprint
SET r += row.props, r.fingerprint = row.fingerprint, r.updated_at = $now,
    e += CASE WHEN row.primary THEN row.props ELSE {} END, e.updated_at = $now
RETURN count(r) AS written
"""

UPSERT_COMPANIES = _q(
    "upsert_companies",
    _UPSERT_ENTITY % "Company",
    "Create or update company records {uid, entity_uid, primary, fingerprint, props} and the "
    "entity each describes. The record that created an entity (primary) sets its properties; "
    "an unchanged fingerprint writes nothing, so re-importing the same data changes nothing.",
    write=True,
    rows=[],
    now=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
)

UPSERT_PERSONS = _q(
    "upsert_persons",
    _UPSERT_ENTITY % "Person",
    "Create or update natural-person records and the entity each describes.",
    write=True,
    rows=[],
    now=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
)

LINK_IDENTIFIERS = _q(
    "link_identifiers",
    """
UNWIND $rows AS row
MERGE (i:Identifier {key: row.key})
ON CREATE SET i.scheme = row.scheme, i.value = row.value
WITH i, row
MATCH (e:Entity {uid: row.entity_uid})
MERGE (i)-[:IDENTIFIES]->(e)
""",
    "Strong identifiers as nodes, so resolution and look-up by identifier use an index.",
    write=True,
    rows=[],
)

MERGE_RECORDS = _q(
    "merge_records",
    """
UNWIND $uids AS entity_uid
MATCH (e:Entity {uid: entity_uid})<-[:DESCRIBES]-(r:Record)
WITH e, r ORDER BY CASE WHEN r.uid = e.uid THEN 0 ELSE 1 END, r.uid
WITH e, collect(r) AS rs
SET e.name = head([x IN rs WHERE x.name IS NOT NULL | x.name]),
    e.name_norm = head([x IN rs WHERE x.name_norm IS NOT NULL | x.name_norm]),
    e.jurisdiction = head([x IN rs WHERE x.jurisdiction IS NOT NULL | x.jurisdiction]),
    e.registration_number = head([x IN rs WHERE x.registration_number IS NOT NULL
                                  | x.registration_number]),
    e.incorporation_date = head([x IN rs WHERE x.incorporation_date IS NOT NULL
                                 | x.incorporation_date]),
    e.dissolution_date = head([x IN rs WHERE x.dissolution_date IS NOT NULL
                               | x.dissolution_date]),
    e.address = head([x IN rs WHERE x.address IS NOT NULL | x.address]),
    e.address_norm = head([x IN rs WHERE x.address_norm IS NOT NULL | x.address_norm]),
    e.aliases = reduce(acc = [], x IN rs | acc + [v IN coalesce(x.aliases, []) WHERE NOT v IN acc]),
    e.tags = reduce(acc = [], x IN rs | acc + [v IN coalesce(x.tags, []) WHERE NOT v IN acc]),
    e.operates_in = reduce(acc = [], x IN rs
                           | acc + [v IN coalesce(x.operates_in, []) WHERE NOT v IN acc]),
    e.identifiers = reduce(acc = [], x IN rs
                           | acc + [v IN coalesce(x.identifiers, []) WHERE NOT v IN acc]),
    e.search_terms = reduce(acc = [], x IN rs
                            | acc + [v IN coalesce(x.search_terms, []) WHERE NOT v IN acc]),
    e.sources = reduce(acc = [], x IN rs | acc + [v IN [x.source] WHERE NOT v IN acc]),
    e.names = reduce(acc = [], x IN rs | acc + [v IN [x.name] WHERE NOT v IN acc])
""",
    "Recompute an entity described by several records: the primary record's values first, "
    "gaps filled from the others, lists united. Each record keeps its own values, so "
    "conflicts stay visible.",
    write=True,
    uids=[],
)

_UPSERT_EDGE = """
UNWIND $rows AS row
MATCH (:Record {uid: row.from_uid})-[:DESCRIBES]->(a:Entity)
MATCH (:Record {uid: row.to_uid})-[:DESCRIBES]->(b:Entity)
MERGE (a)-[r:%s {uid: row.uid}]->(b)
ON CREATE SET r.imported_at = $now
WITH r, row
WHERE r.fingerprint IS NULL OR r.fingerprint <> row.fingerprint
SET r += row.props, r.fingerprint = row.fingerprint, r.updated_at = $now
RETURN count(r) AS written
"""

UPSERT_OWNERSHIP = _q(
    "upsert_ownership",
    _UPSERT_EDGE % "OWNS",
    "Create or update ownership edges (owner)-[:OWNS]->(owned) between the entities that the "
    "records from_uid and to_uid describe.",
    write=True,
    rows=[],
    now=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
)

UPSERT_OFFICERS = _q(
    "upsert_officers",
    _UPSERT_EDGE % "OFFICER_OF",
    "Create or update officer edges (person)-[:OFFICER_OF]->(company).",
    write=True,
    rows=[],
    now=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
)

UPSERT_SANCTIONS = _q(
    "upsert_sanctions",
    """
UNWIND $rows AS row
MATCH (:Record {uid: row.entity_uid})-[:DESCRIBES]->(e:Entity)
MERGE (s:Sanction {uid: row.uid})
ON CREATE SET s.imported_at = $now
MERGE (e)-[r:SUBJECT_TO {uid: row.uid}]->(s)
ON CREATE SET r.imported_at = $now
WITH s, r, row
WHERE s.fingerprint IS NULL OR s.fingerprint <> row.fingerprint
SET s += row.props, s.fingerprint = row.fingerprint, s.updated_at = $now,
    r.source = row.props.source, r.record_id = row.props.record_id
RETURN count(s) AS written
""",
    "Create or update sanction listings: (entity)-[:SUBJECT_TO]->(:Sanction {authority, "
    "program, listed_on, delisted_on}).",
    write=True,
    rows=[],
    now=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
)

UPSERT_SOURCE = _q(
    "upsert_source",
    """
MERGE (s:Source {name: $name})
SET s.imported_at = $now, s.paths = $paths, s.format = $format
""",
    "Record that a source was imported, when, from where and in which format.",
    write=True,
    name="seed-registry",
    now=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    paths=[],
    format="csv",
)

DELETE_ALL = _q(
    "delete_all",
    """
MATCH (n)
DETACH DELETE n
""",
    "Empty the database. Used by the test suite between tests; never by a command.",
    write=True,
)

# --------------------------------------------------------------------------------------------
# What the graph holds
# --------------------------------------------------------------------------------------------

STATS_NODES = _q(
    "stats_nodes",
    """
MATCH (n)
UNWIND labels(n) AS label
RETURN label, count(*) AS count
ORDER BY label
""",
    "Node counts per label (an entity counts under Entity and under Company or Person).",
)

STATS_RELATIONSHIPS = _q(
    "stats_relationships",
    """
MATCH ()-[r]->()
RETURN type(r) AS type, count(*) AS count
ORDER BY type
""",
    "Relationship counts per type.",
)

# --------------------------------------------------------------------------------------------
# Finding entities
# --------------------------------------------------------------------------------------------

_ENTITY_SUMMARY = """
RETURN DISTINCT e.uid AS uid, e.record_id AS id, e.source AS source, e.name AS name,
       e.jurisdiction AS jurisdiction, e.kind AS kind
ORDER BY uid
"""

FIND_ENTITY_BY_KEY = _q(
    "find_entity_by_key",
    """
CALL () {
  MATCH (e:Entity {uid: $ref}) RETURN e
  UNION
  MATCH (:Record {uid: $ref})-[:DESCRIBES]->(e:Entity) RETURN e
  UNION
  MATCH (:Record {record_id: $ref})-[:DESCRIBES]->(e:Entity) RETURN e
  UNION
  MATCH (:Identifier {key: $ref})-[:IDENTIFIES]->(e:Entity) RETURN e
  UNION
  MATCH (:Identifier {value: $ref})-[:IDENTIFIES]->(e:Entity) RETURN e
  UNION
  MATCH (e:Entity {name_norm: $norm}) RETURN e
}
"""
    + _ENTITY_SUMMARY,
    "Entities an analyst may mean by $ref, through indexes: a graph key or SOURCE:ID, a record "
    "id as in its source file, an identifier with or without its scheme ('lei:…', a bare LEI "
    "or register number), or an exact name ($norm is its normalized form).",
    ref="jp-ex-01",
    norm="",
)

FIND_ENTITY_BY_ALIAS = _q(
    "find_entity_by_alias",
    """
MATCH (e:Entity)
WHERE $norm IN e.search_terms
"""
    + _ENTITY_SUMMARY,
    "Entities with $norm among their normalized names and aliases (a scan: used only when the "
    "indexed look-ups found nothing).",
    norm="",
)

# --------------------------------------------------------------------------------------------
# Chains
# --------------------------------------------------------------------------------------------

CHAINS = _q(
    "chains",
    """
MATCH (start:Company)
WHERE start.jurisdiction = $from_country
MATCH p = (start)-[:OWNS*1..{max_hops}]->(target:Entity)
WHERE (target.jurisdiction = $to_country OR $to_country IN coalesce(target.operates_in, []))
  AND all(r IN relationships(p) WHERE (r.start_date IS NULL OR r.start_date <= $as_of)
                                   AND (r.end_date IS NULL OR $as_of < r.end_date))
  AND all(i IN range(0, length(p) - 1) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..])
  AND all(cc IN $via WHERE any(n IN nodes(p)[1..-1] WHERE n.jurisdiction = cc))
RETURN [n IN nodes(p) | {uid: n.uid, id: n.record_id, name: n.name,
                         jurisdiction: n.jurisdiction}] AS entities,
       [r IN relationships(p) | {share: r.share, share_min: r.share_min,
                                 share_max: r.share_max, start_date: r.start_date,
                                 end_date: r.end_date}] AS links
""",
    "Ownership chains from a company registered in $from_country to an entity registered in, "
    "or operating in, $to_country, in force on $as_of, never visiting an entity twice, with an "
    "inner entity registered in each country of $via.",
    from_country="JP",
    to_country="RU",
    via=["SG"],
    as_of=dt.date(2022, 7, 1),
)

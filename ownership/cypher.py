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
            "schema_entity_record_id",
            "CREATE INDEX entity_record_id IF NOT EXISTS FOR (e:Entity) ON (e.record_id)",
            "Entities are looked up by the id they have in their source file.",
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
            "schema_entity_source",
            "CREATE INDEX entity_source IF NOT EXISTS FOR (e:Entity) ON (e.source)",
            "Per-source counts and replacement.",
        ),
    )
)

# --------------------------------------------------------------------------------------------
# Loading (UNWIND batches; MERGE on constrained keys; unchanged records are not rewritten)
# --------------------------------------------------------------------------------------------

_UPSERT_ENTITY = """
UNWIND $rows AS row
MERGE (e:Entity:%s {uid: row.uid})
ON CREATE SET e.imported_at = $now
WITH e, row
WHERE e.fingerprint IS NULL OR e.fingerprint <> row.fingerprint
SET e += row.props, e.fingerprint = row.fingerprint, e.updated_at = $now
RETURN count(e) AS written
"""

UPSERT_COMPANIES = _q(
    "upsert_companies",
    _UPSERT_ENTITY % "Company",
    "Create or update companies from a batch of rows {uid, fingerprint, props}. A row whose "
    "fingerprint is unchanged is left alone, so re-importing the same data changes nothing.",
    write=True,
    rows=[],
    now="2024-01-01T00:00:00Z",
)

UPSERT_PERSONS = _q(
    "upsert_persons",
    _UPSERT_ENTITY % "Person",
    "Create or update natural persons from a batch of rows {uid, fingerprint, props}.",
    write=True,
    rows=[],
    now="2024-01-01T00:00:00Z",
)

_UPSERT_EDGE = """
UNWIND $rows AS row
MATCH (a:Entity {uid: row.from_uid})
MATCH (b:Entity {uid: row.to_uid})
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
    "Create or update ownership edges (owner)-[:OWNS]->(owned) from rows "
    "{uid, from_uid, to_uid, fingerprint, props}.",
    write=True,
    rows=[],
    now="2024-01-01T00:00:00Z",
)

UPSERT_OFFICERS = _q(
    "upsert_officers",
    _UPSERT_EDGE % "OFFICER_OF",
    "Create or update officer edges (person)-[:OFFICER_OF]->(company).",
    write=True,
    rows=[],
    now="2024-01-01T00:00:00Z",
)

UPSERT_SANCTIONS = _q(
    "upsert_sanctions",
    """
UNWIND $rows AS row
MATCH (e:Entity {uid: row.entity_uid})
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
    now="2024-01-01T00:00:00Z",
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
    now="2024-01-01T00:00:00Z",
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

RESOLVE_ENTITY = _q(
    "resolve_entity",
    """
CALL () {
  MATCH (e:Entity {uid: $ref}) RETURN e
  UNION
  MATCH (e:Entity {record_id: $ref}) RETURN e
  UNION
  MATCH (e:Entity {name_norm: $norm}) RETURN e
  UNION
  MATCH (e:Entity) WHERE $norm IN e.search_terms OR $ref IN e.identifiers RETURN e
}
RETURN e.uid AS uid, e.record_id AS id, e.source AS source, e.name AS name,
       e.jurisdiction AS jurisdiction, e.kind AS kind
ORDER BY uid
""",
    "Entities an analyst may mean by $ref: a graph key SOURCE:ID, a record id, an identifier "
    "('lei:…', 'reg:JP:…'), or an exact name or alias ($norm is its normalized form).",
    ref="jp-ex-01",
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

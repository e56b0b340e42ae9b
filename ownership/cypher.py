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
import re
from dataclasses import dataclass, field

from ownership.records import ENTITY_LIST_PROPERTIES

MAX_HOPS_LIMIT = 12  # beyond this, path enumeration on real registries explodes


@dataclass(frozen=True)
class Query:
    """A named Cypher statement with its parameters and the reason it exists."""

    name: str
    text: str
    doc: str
    params: dict[str, object] = field(default_factory=dict)  # name -> example value
    write: bool = False
    # GQL status codes of Neo4j PERFORMANCE notifications this statement accepts (e.g. 03N90,
    # cartesian product), explained in ``doc``; tests/test_query_library.py fails on others.
    intended: tuple[str, ...] = ()

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
    """Register a query; ``{PATH_IN_FORCE}`` and ``{IN_FORCE_<var>}`` expand to the validity
    predicates of :func:`path_in_force` and :func:`in_force`."""
    text = text.replace("{PATH_IN_FORCE}", path_in_force("p"))
    text = re.sub(r"\{IN_FORCE_(\w+)\}", lambda m: in_force(m.group(1)), text)
    query = Query(name=name, text=text.strip(), doc=doc.strip(), params=params, write=write)
    if name in LIBRARY:
        raise ValueError(f"duplicate query name {name}")
    LIBRARY[name] = query
    return query


def in_force(var: str) -> str:
    """Cypher for "edge ``var`` is in force on $as_of": start <= D (or no start), D < end (or no
    end), and D before the day a refresh found it gone from its source (``retired_on``).

    Cypher has no user functions without plugins, so queries are built with this at import
    time; ``var`` is always a variable name written in this module, never input.
    """
    return (
        f"({var}.start_date IS NULL OR {var}.start_date <= $as_of) "
        f"AND ({var}.end_date IS NULL OR $as_of < {var}.end_date) "
        f"AND ({var}.retired_on IS NULL OR $as_of < {var}.retired_on)"
    )


def path_in_force(path: str = "p") -> str:
    """Every relationship of path ``path`` is in force on $as_of."""
    return f"all(x IN relationships({path}) WHERE {in_force('x')})"


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
            "schema_address_uid",
            "CREATE CONSTRAINT address_uid IF NOT EXISTS FOR (a:Address) REQUIRE a.uid IS UNIQUE",
            "One node per normalized registered address.",
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
            "schema_record_successor",
            "CREATE INDEX record_successor IF NOT EXISTS FOR (r:Record) "
            "ON (r.successor_identifier)",
            "Succession: the records that name an entity's identifier as their successor.",
        ),
        (
            "schema_maintained_key",
            "CREATE INDEX maintained_key IF NOT EXISTS FOR (m:Maintained) ON (m.key)",
            "Kept answers are read by key (a chain question's page): without it every kept "
            "part, megabytes each, would be read to find one.",
        ),
        (
            "schema_maintained_doc",
            "CREATE INDEX maintained_doc IF NOT EXISTS FOR (m:Maintained) ON (m.doc)",
            "One document of a kept answer read alone (a page of the red flags): by key alone "
            "the server reads every part of the answer, 200 MB of red flags at 1M companies, "
            "to find one.",
        ),
        (
            "schema_maintained_kind",
            "CREATE INDEX maintained_kind IF NOT EXISTS FOR (m:Maintained) ON (m.kind)",
            "The answers of one kind found without reading the others: keeping an answer "
            "drops those of its kind kept for older data, which at 1M companies read every "
            "kept part, 750 MB of them, for 4.5 s on each chain question asked (0.2 s by "
            "this index).",
        ),
        (
            "schema_record_source",
            "CREATE INDEX record_source IF NOT EXISTS FOR (r:Record) ON (r.source)",
            "Per-source counts and replacement.",
        ),
    )
)
# written before a kept answer is, for graphs whose schema was made before the index came
SCHEMA_MAINTAINED_DOC = next(q for q in SCHEMA if q.name == "schema_maintained_doc")
SCHEMA_MAINTAINED_KIND = next(q for q in SCHEMA if q.name == "schema_maintained_kind")

# --------------------------------------------------------------------------------------------
# Loading (UNWIND batches; MERGE on constrained keys; unchanged records are not rewritten)
# --------------------------------------------------------------------------------------------

RESOLVE_RECORDS = _q(
    "resolve_records",
    """
UNWIND $rows AS row
OPTIONAL MATCH (:Record {uid: row.uid})-[:DESCRIBES]->(known:Entity)
OPTIONAL MATCH (same:Entity {uid: row.uid})
CALL (row) {
  UNWIND row.identifiers AS key
  OPTIONAL MATCH (:Identifier {key: key})-[:IDENTIFIES]->(m:Entity)
  WHERE m.kind = row.kind
  RETURN collect(DISTINCT m.uid) AS matches
}
RETURN row.uid AS uid, known.uid AS known, same.uid AS same, matches,
       COUNT { (known)<-[:DESCRIBES]-(:Record) } AS records
""",
    "Entity resolution, before a batch of entity records is written: the entity each record "
    "already describes (re-import), and the entities of the same kind that share one of its "
    "strong identifiers (LEI, register number, INN): those it merges into.",
    rows=[],
)

_CREATE_ENTITY = """
UNWIND $rows AS row
CREATE (e:Entity:%s {uid: row.entity_uid, imported_at: $now})
"""

CREATE_COMPANIES = _q(
    "create_companies",
    _CREATE_ENTITY % "Company",
    "Create the companies that resolution found to be new (CREATE, not MERGE: a two-label "
    "MERGE cannot use the Entity.uid index on every server; the constraint still guards "
    "against duplicates). Their properties come from the record that founds them, in "
    "upsert_records, so each value is written once.",
    write=True,
    rows=[],
    now=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
)

CREATE_PERSONS = _q(
    "create_persons",
    _CREATE_ENTITY % "Person",
    "Create the natural persons that resolution found to be new.",
    write=True,
    rows=[],
    now=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
)

UPSERT_RECORDS = _q(
    "upsert_records",
    """
UNWIND $rows AS row
MATCH (e:Entity {uid: row.entity_uid})
MERGE (r:Record {uid: row.uid})
ON CREATE SET r.imported_at = $now
MERGE (r)-[:DESCRIBES]->(e)
WITH e, r, row
WHERE r.fingerprint IS NULL OR r.fingerprint <> row.fingerprint
SET r += row.props, r.fingerprint = row.fingerprint, r.updated_at = $now,
    e += CASE WHEN row.primary THEN row.props ELSE {} END, e.updated_at = $now
RETURN count(r) AS written
""",
    "Create or update source records {uid, entity_uid, primary, fingerprint, props}, each "
    "attached to the entity it describes. The record that founded an entity (primary) sets its "
    "properties; an unchanged fingerprint writes nothing, so re-importing changes nothing.",
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
WITH e, r ORDER BY CASE WHEN coalesce(r.placeholder, false) THEN 1 ELSE 0 END,
                   CASE WHEN r.uid = e.uid THEN 0 ELSE 1 END, r.uid
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
    "Recompute an entity described by several records: the primary record's values first "
    "(a placeholder record, made up only to name the end of a relationship, comes last), "
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
WITH a, r, row
WHERE r.fingerprint IS NULL OR r.fingerprint <> row.fingerprint
SET r += row.props, r.fingerprint = row.fingerprint, r.updated_at = $now
RETURN count(r) AS written, collect(DISTINCT a.uid) AS owners
"""

UPSERT_OWNERSHIP = _q(
    "upsert_ownership",
    _UPSERT_EDGE % "OWNS",
    "Create or update ownership statements (owner)-[:OWNS]->(owned) between the entities that "
    "the records from_uid and to_uid describe; returns the owners whose statements changed "
    "(their HOLDS are recomputed).",
    write=True,
    rows=[],
    now=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
)

HOLDING_STATEMENTS = _q(
    "holding_statements",
    """
UNWIND $owners AS owner_uid
MATCH (a:Entity {uid: owner_uid})-[r:OWNS]->(b:Entity)
RETURN a.uid AS owner, b.uid AS owned, r.uid AS uid, r.source AS source, r.share AS share,
       r.share_min AS share_min, r.share_max AS share_max, r.start_date AS start_date,
       r.end_date AS end_date, r.retired_on AS retired_on, r.kind AS kind, r.direct AS direct
""",
    "Every source statement of ownership (OWNS) made about the holdings of the entities "
    "$owners, retired ones included: what ownership.holdings derives HOLDS from.",
    owners=["seed-registry:jp-ex-01"],
)

OWNERS_STATING = _q(
    "owners_stating",
    """
UNWIND $uids AS owned_uid
MATCH (t:Entity {uid: owned_uid})
MATCH (o:Entity)-[:OWNS]->(t)
RETURN collect(DISTINCT o.uid) AS owners
""",
    "The entities with ownership statements about the entities $uids (whose holdings must be "
    "recomputed when those entities are merged). Anchored on the owned entity first: "
    "written as one pattern, the embedded server scanned every entity.",
    uids=["seed-registry:ru-host-01"],
)

DELETE_HOLDINGS = _q(
    "delete_holdings",
    """
UNWIND $owners AS owner_uid
MATCH (:Entity {uid: owner_uid})-[h:HOLDS]->(:Entity)
DELETE h
""",
    "Drop the derived holdings out of the entities $owners before they are recomputed.",
    write=True,
    owners=[],
)

MARK_HOLDINGS_PENDING = _q(
    "mark_holdings_pending",
    """
MERGE (s:Source {name: $name})
SET s.holdings_pending = true
""",
    "In the transaction that changes source $name's ownership statements: its holdings are to "
    "be derived again. The derivation runs in its own transaction once that one has committed "
    "(ownership/holdings.py says why) and clears the mark; a mark left behind (the process was "
    "killed in between) makes the next import or refresh derive them again.",
    write=True,
    name="seed-registry",
)

CLEAR_HOLDINGS_PENDING = _q(
    "clear_holdings_pending",
    """
UNWIND $names AS name
MATCH (s:Source {name: name})
SET s.holdings_pending = null
""",
    "The holdings of the sources $names are derived again.",
    write=True,
    names=[],
)

PENDING_HOLDINGS = _q(
    "pending_holdings",
    """
MATCH (s:Source)
WHERE s.holdings_pending
RETURN s.name AS name
ORDER BY name
""",
    "Sources whose holdings were left underived (a process killed between committing new "
    "statements and deriving their holdings).",
)

SOURCE_OWNERS = _q(
    "source_owners",
    """
MATCH (a:Entity)-[r:OWNS]->(:Entity)
WHERE r.source = $source
RETURN DISTINCT a.uid AS uid
""",
    "Every entity with an ownership statement from source $source (a scan of the statements: "
    "only for deriving holdings again after an interruption).",
    source="seed-registry",
)

CREATE_HOLDINGS = _q(
    "create_holdings",
    """
UNWIND $rows AS row
MATCH (a:Entity {uid: row.owner})
MATCH (b:Entity {uid: row.owned})
CREATE (a)-[h:HOLDS]->(b)
SET h += row.props
""",
    "Write derived holdings {owner, owned, props}: one HOLDS relationship per (owner, owned, "
    "period with the same statements in force); see ownership/holdings.py for the rule.",
    write=True,
    rows=[],
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
SET s.imported_at = $now, s.paths = $paths, s.format = $format, s.loading = null,
    s.generation = $generation, s.refreshed_digest = null
""",
    "Record that a source was imported, when, from where and in which format (and that its "
    "first load, if it committed in chunks, is complete); $generation is the import's clock "
    "in nanoseconds, for data_version (two imports within one second have the same $now). "
    "What it wrote may not be what the files of the last refresh hold: refresh_source_digest "
    "no longer vouches for them.",
    write=True,
    name="seed-registry",
    now=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    generation=1704067200000000000,
    paths=[],
    format="csv",
)

SOURCE_PRESENT = _q(
    "source_present",
    """
MATCH (r:Record {source: $source})
RETURN r.uid AS uid
LIMIT 1
""",
    "Whether a source already has records in the graph. Only a first load may commit in "
    "chunks: undoing it is taking the source out again (unload_*).",
    source="seed-registry",
)

MARK_SOURCE_LOADING = _q(
    "mark_source_loading",
    """
MERGE (s:Source {name: $name})
SET s.loading = $now
""",
    "Mark a first load that commits in chunks as under way; upsert_source clears the mark. A "
    "mark left behind (the importer was killed) tells the next import to unload the source.",
    write=True,
    name="seed-registry",
    now=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
)

INTERRUPTED_LOADS = _q(
    "interrupted_loads",
    """
MATCH (s:Source)
WHERE s.loading IS NOT NULL
RETURN s.name AS name, s.loading AS since
ORDER BY name
""",
    "Sources whose chunked first load never finished.",
)

BULK_PENDING = _q(
    "bulk_pending",
    """
MATCH (s:Source)
WHERE s.bulk_finish
RETURN s.name AS name, coalesce(s.bulk_merge, []) AS merge, s.generation AS generation
ORDER BY name
""",
    "Sources loaded by neo4j-admin from `ownership export --neo4j-admin` whose load is not "
    "finished yet (empty lists to give back, entities described by several records to "
    "recompute with merge_records, the refresh state the export noted to stamp with the data "
    "version): ownership/bulk.py finishes them.",
)

BULK_FILL_LISTS = _q(
    "bulk_fill_lists",
    "MATCH (n:BulkLists)\nWITH n\nLIMIT $limit\nSET "
    + ",\n    ".join(
        f"n += CASE WHEN n.{name} IS NULL THEN {{{name}: []}} ELSE {{}} END"
        for name in ENTITY_LIST_PROPERTIES
    )
    + "\nREMOVE n:BulkLists\nRETURN count(n) AS written",
    "After a bulk load, $limit nodes at a time: the empty lists neo4j-admin import cannot write "
    "(an empty field is no property), on the entities and records the export marked BulkLists. "
    "Every entity record carries these lists (ownership/records.py), so a missing one is empty. "
    "Only the missing ones are set: Neo4j rewrites a list SET to the value it already has "
    "(at 100k, setting all seven on 130,000 nodes took 62 s, removing the label 7 s).",
    write=True,
    limit=10_000,
)

BULK_DONE = _q(
    "bulk_done",
    """
MATCH (s:Source {name: $name})
SET s.bulk_finish = null, s.bulk_merge = null
""",
    "A bulk-loaded source is finished: it is the graph `ownership import` would have written.",
    write=True,
    name="seed-registry",
)

DELETE_ALL = _q(
    "delete_all",
    """
MATCH (n)
WITH n
LIMIT $limit
DETACH DELETE n
RETURN count(*) AS written
""",
    "Empty the database, $limit nodes per transaction (Graph.empty runs it until nothing is "
    "left: a server caps the memory of one transaction). Used by the test suite between "
    "tests; never by a command.",
    write=True,
    limit=10_000,
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

DATA_VERSION = _q(
    "data_version",
    """
CALL () {
  MATCH (s:Source)
  RETURN count(s) AS sources, max(s.imported_at) AS imported, max(s.refreshed_at) AS refreshed,
         max(s.generation) AS generation
}
CALL () {
  MATCH (d:Decision)
  RETURN count(d) AS decisions, max(d.decided_at) AS decided
}
RETURN sources, imported, refreshed, generation, decisions, decided
""",
    "What changes whenever the data does: every import stamps its Source, every refresh that "
    "changes a source marks it (a clock in nanoseconds, generation: two runs within a second "
    "differ; refreshed_at is the time of the last check, not part of the version), unloading "
    "deletes it, "
    "every match decision is recorded. The explorer keys its cached "
    "results on it (a handful of nodes read, whatever the graph's size).",
)

ANY_ENTITY = _q(
    "any_entity",
    """
MATCH (e:Entity)
RETURN e.uid AS uid
LIMIT 1
""",
    "One entity, if there is any: tells an empty graph (nothing imported, or a mistyped "
    "OWNERSHIP_HOME) from a question with no answer, without counting anything.",
)

SOURCES = _q(
    "sources",
    """
MATCH (s:Source)
RETURN s.name AS name, s.format AS format, s.paths AS paths, s.url AS url,
       s.imported_at AS imported_at, s.refreshed_at AS refreshed_at, s.last_run AS last_run,
       s.loading AS loading
ORDER BY name
""",
    "Every source in the graph: where it was imported from and when it was last imported or "
    "refreshed (its counts: source_counts).",
)

SOURCE_COUNTS = _q(
    "source_counts",
    """
MATCH (s:Source)
CALL (s) {
  OPTIONAL MATCH (r:Record {source: s.name})
  OPTIONAL MATCH (r)-[:DESCRIBES]->(e:Entity)
  RETURN count(DISTINCT r) AS records, count(DISTINCT e) AS entities,
         count(DISTINCT CASE WHEN r.retired_on IS NULL THEN r END) AS live_records
}
RETURN s.name AS name, records, live_records, entities
ORDER BY name
""",
    "Each source's records (and those not retired by a refresh) and the entities they describe.",
)

MAINTAINED_COUNT = _q(
    "maintained_count",
    """
MATCH (m:Maintained)
RETURN count(m) AS count
""",
    "How many nodes hold kept answers (they come and go without the data changing).",
)

RELATIONSHIP_COUNTS = _q(
    "relationship_counts",
    """
MATCH ()-[r]->()
RETURN type(r) AS type, r.source AS source, count(*) AS count,
       min(r.start_date) AS first_start, max(r.start_date) AS last_start,
       max(r.end_date) AS last_end
""",
    "Relationships per type and per the source that states them (ownership statements, "
    "officer roles and sanction links carry their source; derived holdings and the other "
    "types none): one pass for stats_relationships's counts and each source's (23 s at a "
    "million companies on the embedded server, where the two passes took 41 s), and the "
    "dates each covers: those of OWNS are ownership_dates's, which a refresh keeps with the "
    "counts without a second pass.",
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
    "indexed look-ups found nothing and no search index is kept).",
    norm="",
)

FIND_ENTITY_BY_UIDS = _q(
    "find_entity_by_uids",
    """
UNWIND $uids AS uid
MATCH (e:Entity {uid: uid})
"""
    + _ENTITY_SUMMARY,
    "The entities $uids as candidates of a reference (those the kept search index names by "
    "$norm, as find_entity_by_alias would).",
    uids=["seed-registry:jp-ex-01"],
)

# --------------------------------------------------------------------------------------------
# Unloading a source (the undo of a failed chunked first load; ownership.unload)
# --------------------------------------------------------------------------------------------

UNLOAD_RECORDS_BATCH = _q(
    "unload_records_batch",
    """
MATCH (r:Record {source: $source})
WITH r
LIMIT $limit
OPTIONAL MATCH (r)-[:DESCRIBES]->(e:Entity)
RETURN r.uid AS uid, e.uid AS entity, coalesce(r.identifiers, []) AS identifiers,
       r.address_norm AS address
""",
    "The next $limit records of source $source to take out, with the entity each describes "
    "and the identifier and address keys it brought.",
    source="seed-registry",
    limit=5000,
)

UNLOAD_SANCTIONS = _q(
    "unload_sanctions",
    """
UNWIND $entities AS entity_uid
MATCH (:Entity {uid: entity_uid})-[:SUBJECT_TO]->(s:Sanction)
WHERE s.source = $source
WITH DISTINCT s
DETACH DELETE s
""",
    "Delete the listings that source $source gave the entities $entities.",
    write=True,
    entities=[],
    source="seed-registry",
)

UNLOAD_EDGES = _q(
    "unload_edges",
    """
UNWIND $entities AS entity_uid
MATCH (:Entity {uid: entity_uid})-[x:OWNS|OFFICER_OF]-(:Entity)
WHERE x.source = $source
WITH DISTINCT x
DELETE x
""",
    "Delete the ownership and officer edges that source $source drew at the entities "
    "$entities (both ends of such an edge are entities the source describes).",
    write=True,
    entities=[],
    source="seed-registry",
)

UNLOAD_OWNERS = _q(
    "unload_owners",
    """
UNWIND $entities AS entity_uid
MATCH (:Entity {uid: entity_uid})-[x:OWNS]-(:Entity)
WHERE x.source = $source
RETURN collect(DISTINCT startNode(x).uid) AS owners
""",
    "The owners of the ownership statements that source $source made at the entities "
    "$entities: their holdings are recomputed once the statements are gone.",
    entities=[],
    source="seed-registry",
)

UNLOAD_RECORDS = _q(
    "unload_records",
    """
UNWIND $uids AS record_uid
MATCH (r:Record {uid: record_uid})
DETACH DELETE r
""",
    "Delete the source records $uids.",
    write=True,
    uids=[],
)

UNLOAD_ORPHAN_ENTITIES = _q(
    "unload_orphan_entities",
    """
UNWIND $entities AS entity_uid
MATCH (e:Entity {uid: entity_uid})
WHERE NOT EXISTS { (e)<-[:DESCRIBES]-(:Record) }
DETACH DELETE e
""",
    "Delete the entities among $entities that no record describes any more (with their "
    "identifier and address links); the others are recomputed by merge_records.",
    write=True,
    entities=[],
)

_UNLOAD_STALE = """
UNWIND $entities AS entity_uid
MATCH (e:Entity {uid: entity_uid})%s
WHERE NOT EXISTS { (e)<-[:DESCRIBES]-(r:Record) WHERE %s }
DELETE x
"""

UNLOAD_STALE_IDENTIFIERS, UNLOAD_STALE_ADDRESSES = (
    _q(
        f"unload_stale_{what}",
        _UNLOAD_STALE % (pattern, carried),
        f"Unlink {what} from the entities $entities when none of their remaining records "
        "carries them.",
        write=True,
        entities=[],
    )
    for what, pattern, carried in (
        ("identifiers", "<-[x:IDENTIFIES]-(n:Identifier)", "n.key IN coalesce(r.identifiers, [])"),
        ("addresses", "-[x:REGISTERED_AT]->(n:Address)", "r.address_norm = n.key"),
    )
)

_UNLOAD_LOOSE = """
UNWIND $keys AS key
MATCH (n:%s {%s: key})
WHERE NOT EXISTS { (n)--() }
DELETE n
"""

UNLOAD_LOOSE_IDENTIFIERS, UNLOAD_LOOSE_ADDRESSES = (
    _q(
        f"unload_loose_{what}",
        _UNLOAD_LOOSE % (label, key),
        f"Delete the {label} nodes among $keys (by {key}) that nothing links to any more.",
        write=True,
        keys=[],
    )
    for what, label, key in (("identifiers", "Identifier", "key"), ("addresses", "Address", "uid"))
)

UNLOAD_SOURCE = _q(
    "unload_source",
    """
MATCH (s:Source {name: $name})
DETACH DELETE s
""",
    "Delete the Source node $name once its records are gone.",
    write=True,
    name="seed-registry",
)

# --------------------------------------------------------------------------------------------
# Chains
# --------------------------------------------------------------------------------------------

_CHAINS_MATCH = """
MATCH (start:Entity {jurisdiction: $from_country})
WHERE start:Company
MATCH p = (start)-[:HOLDS*1..{max_hops}]->(target:Entity)
WHERE (target.jurisdiction = $to_country OR $to_country IN coalesce(target.operates_in, []))
  AND {PATH_IN_FORCE}
  AND all(i IN range(0, length(p) - 1) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..])
  AND all(cc IN $via WHERE any(n IN nodes(p)[1..-1] WHERE n.jurisdiction = cc))
"""
_CHAINS_PARAMS: dict[str, object] = {
    "from_country": "JP",
    "to_country": "RU",
    "via": ["SG"],
    "as_of": dt.date(2022, 7, 1),
}

CHAINS = _q(
    "chains",
    _CHAINS_MATCH
    + """RETURN [n IN nodes(p) | [n.uid, n.record_id, n.name, n.jurisdiction]] AS entities,
       [r IN relationships(p) | [r.share, r.share_min, r.share_max, r.start_date,
                                 r.end_date, r.sources, r.statements, r.disagree]] AS links
""",
    "Every ownership chain from a company registered in $from_country to an entity registered "
    "in, or operating in, $to_country, in force on $as_of, never visiting an entity twice, with "
    "an inner entity registered in each country of $via. Each entity is [uid, id, name, "
    "jurisdiction], each link (a holding: ownership/holdings.py) [share, share_min, share_max, "
    "start_date, end_date, sources, statements, disagree]: lists cross the wire in half the "
    "time of maps (docs/benchmarks.md). Neo4j Browser draws nothing from lists: chain_paths "
    "is the same question as paths. The exhaustive reference: `ownership chains` walks back "
    "from the targets instead (chain_targets_registered, chain_reach_step) and enumerates only the part "
    "of the graph that can reach them; the tests check that both give the same chains.",
    **_CHAINS_PARAMS,
)

CHAIN_PATHS = _q(
    "chain_paths",
    _CHAINS_MATCH + "RETURN p",
    "The chains of `chains` as paths, for Neo4j Browser and the console, which draw paths "
    "(the explorer's Browser links open this one).",
    **_CHAINS_PARAMS,
)

_STATEMENT_COLUMNS = """
RETURN r.uid AS uid, r.source AS source, r.record_id AS record_id, r.file AS file,
       r.imported_at AS imported_at, r.share AS share, r.share_min AS share_min,
       r.share_max AS share_max, r.kind AS kind, r.direct AS direct,
       r.start_date AS start_date, r.end_date AS end_date, r.retired_on AS retired_on,
       a.uid AS owner, a.name AS owner_name, b.uid AS owned, b.name AS owned_name
ORDER BY uid
"""

STATEMENTS_OF_HOLDINGS = _q(
    "statements_of_holdings",
    """
UNWIND $holdings AS holding
MATCH (b:Entity {uid: holding.owned})
MATCH (a:Entity {uid: holding.owner})
MATCH (a)-[r:OWNS]->(b)
WHERE r.uid IN holding.statements
"""
    + _STATEMENT_COLUMNS,
    "The source statements behind holdings, each given as {owner, owned, statements} (the "
    "entities' uids and the OWNS uids its HOLDS edge lists): found from the two entities by "
    "their index, not by a scan of every statement (the embedded server uses no index on a "
    "relationship property from Cypher: 1.4 s per statement at 100,000 companies), both "
    "matched before the edge between them: the embedded server otherwise walks every "
    "statement of the owner, and a group head owns thousands (33 s for the 1,635 links of a "
    "page of 1,000 chains at 1M companies, against 0.9-1.8 s); for the "
    "provenance of each link of a page of chains and the sources' disagreements.",
    holdings=[
        {
            "owner": "seed-registry:jp-ex-01",
            "owned": "seed-registry:sg-shell-01",
            "statements": ["seed-registry:own:jp-ex-01|sg-shell-01|2022-03-10"],
        }
    ],
)

# --------------------------------------------------------------------------------------------
# Owners and subsidiaries
# --------------------------------------------------------------------------------------------

_PATH_COLUMNS = """
RETURN [n IN nodes(p) | {uid: n.uid, id: n.record_id, name: n.name,
                         jurisdiction: n.jurisdiction, kind: n.kind}] AS entities,
       [r IN relationships(p) | {uid: r.uid, share: r.share, share_min: r.share_min,
                                 share_max: r.share_max, kind: r.kind, direct: r.direct,
                                 start_date: r.start_date, end_date: r.end_date,
                                 sources: r.sources}] AS links
"""

_OWNER_PATHS_MATCH = """
MATCH (t:Entity {uid: $uid})
MATCH p = (o:Entity)-[:HOLDS*1..{max_hops}]->(t)
WHERE {PATH_IN_FORCE}
  AND all(i IN range(0, length(p) - 1) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..])
"""
_SUBSIDIARY_PATHS_MATCH = """
MATCH (o:Entity {uid: $uid})
MATCH p = (o)-[:HOLDS*1..{max_hops}]->(t:Entity)
WHERE {PATH_IN_FORCE}
  AND all(i IN range(0, length(p) - 1) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..])
"""
_OWNERS_DOC = (
    "Every simple ownership path in force on $as_of that ends at entity $uid (its owners, "
    "direct and indirect, up to the ultimate owners)"
)
_SUBSIDIARIES_DOC = (
    "Every simple ownership path in force on $as_of that starts at entity $uid (what it owns, "
    "directly and through subsidiaries)"
)

OWNER_PATHS = _q(
    "owner_paths",
    _OWNER_PATHS_MATCH + _PATH_COLUMNS,
    _OWNERS_DOC + ".",
    uid="seed-registry:ru-host-01",
    as_of=dt.date(2022, 7, 1),
)

OWNER_PATHS_DRAWN = _q(
    "owner_paths_drawn",
    _OWNER_PATHS_MATCH + "RETURN p",
    _OWNERS_DOC + ", as paths for Neo4j Browser to draw.",
    uid="seed-registry:ru-host-01",
    as_of=dt.date(2022, 7, 1),
)

SUBSIDIARY_PATHS = _q(
    "subsidiary_paths",
    _SUBSIDIARY_PATHS_MATCH + _PATH_COLUMNS,
    _SUBSIDIARIES_DOC + ".",
    uid="seed-registry:jp-ex-01",
    as_of=dt.date(2022, 7, 1),
)

SUBSIDIARY_PATHS_DRAWN = _q(
    "subsidiary_paths_drawn",
    _SUBSIDIARY_PATHS_MATCH + "RETURN p",
    _SUBSIDIARIES_DOC + ", as paths for Neo4j Browser to draw.",
    uid="seed-registry:jp-ex-01",
    as_of=dt.date(2022, 7, 1),
)

# The fields of one edge returned by the step queries, in order: lists cross the wire in half
# the time of maps (docs/benchmarks.md). ``near`` is the entity the step started from.
STEP_FIELDS = ("near", "uid", "kind", "share", "share_min", "share_max", "direct")
_STEP_EDGE = "[near.uid, far.uid, far.kind, r.share, r.share_min, r.share_max, r.direct]"
_STEP_EDGES = "\nWHERE {IN_FORCE_r}\nRETURN collect(" + _STEP_EDGE + ") AS edges\n"
_STEP = "UNWIND $uids AS near_uid\nMATCH (near:Entity {uid: near_uid})%s(far:Entity)" + _STEP_EDGES

HOLDINGS_STEP = _q(
    "holdings_step",
    _STEP % "-[r:HOLDS]->",
    "One step down from the entities in $uids: every holding in force on $as_of that they "
    "hold, with the held entity. `ownership subsidiaries` walks the graph with it level by "
    "level and enumerates the paths itself: each edge crosses the wire once, where returning "
    "paths (subsidiary_paths) repeats every prefix. One row holding a list, and only the "
    "fields the arithmetic needs (names are looked up for what is shown, entity_names), "
    "halve the time at 100k companies (docs/benchmarks.md). Each edge is a list of the "
    "fields of cypher.STEP_FIELDS.",
    uids=["seed-registry:jp-ex-01"],
    as_of=dt.date(2022, 7, 1),
)

OWNERS_STEP = _q(
    "owners_step",
    _STEP % "<-[r:HOLDS]-",
    "One step up from the entities in $uids: every holding in force on $as_of in them, with "
    "the owner. `ownership owners` walks up with it level by level.",
    uids=["seed-registry:ru-host-01"],
    as_of=dt.date(2022, 7, 1),
)

REACH_FIELDS = (
    "near", "uid", "id", "name", "jurisdiction", "kind", "share", "share_min", "share_max",
    "start_date", "end_date", "disagree",
)  # fmt: skip
TARGET_FIELDS = ("id", "name", "jurisdiction")  # of the near end, after REACH_FIELDS
_REACH_EDGE = """far.uid, far.record_id, far.name, far.jurisdiction, far.kind, r.share,
                r.share_min, r.share_max, r.start_date, r.end_date, r.disagree"""
_REACH_EDGES = f"""
RETURN collect([near.uid, {_REACH_EDGE}]) AS edges
"""
_TARGET_EDGES = f"""
RETURN collect([near.uid, {_REACH_EDGE},
                near.record_id, near.name, near.jurisdiction]) AS edges
"""
_REACH_DOC = (
    " Each edge is a list of the fields of cypher.REACH_FIELDS: what the enumeration and its "
    "order need, and the owner's record id and name (what a chain shows of it: naming the "
    "303,913 entities of a reach at a million companies afterwards, by uid, took 12-16 s; "
    "docs/benchmarks.md); sources and statements are looked up for the chains shown "
    "(chain_link_details). At 100,000 companies the full rows of owners_step took five "
    "times as long as these."
)
_TARGET_DOC = (
    " Each edge is a list of the fields of cypher.REACH_FIELDS, then the target's (the near "
    "end's) cypher.TARGET_FIELDS."
)

CHAIN_TARGETS_REGISTERED = _q(
    "chain_targets_registered",
    """
MATCH (near:Entity {jurisdiction: $to_country})<-[r:HOLDS]-(far:Entity)
WHERE {IN_FORCE_r}"""
    + _TARGET_EDGES,
    "The first step of `ownership chains`' backward pass: every holding in force on $as_of in "
    "an entity registered in $to_country (found through the jurisdiction index), with its "
    "owner. From here the entities that can reach a target within N hops are found level by "
    "level (chain_reach_step), and chains are enumerated only among them."
    + _REACH_DOC
    + _TARGET_DOC,
    to_country="RU",
    as_of=dt.date(2022, 7, 1),
)

CHAIN_TARGETS_OPERATING = _q(
    "chain_targets_operating",
    """
MATCH (near:Entity)<-[r:HOLDS]-(far:Entity)
WHERE $to_country IN near.operates_in AND coalesce(near.jurisdiction, '') <> $to_country
  AND {IN_FORCE_r}"""
    + _TARGET_EDGES,
    "The other chain targets: entities registered elsewhere that operate in $to_country (a "
    "Cypriot company running a Russian business), with the holdings in force on $as_of in "
    "them, in the shape of chain_targets_registered. A separate statement because an OR "
    "with the registered country would keep either server from using the jurisdiction "
    "index." + _REACH_DOC + _TARGET_DOC,
    to_country="RU",
    as_of=dt.date(2022, 7, 1),
)

CHAIN_REACH_STEP = _q(
    "chain_reach_step",
    """
UNWIND $uids AS near_uid
MATCH (near:Entity {uid: near_uid})<-[r:HOLDS]-(far:Entity)
WHERE {IN_FORCE_r}"""
    + _REACH_EDGES,
    "One step up from the entities in $uids: every holding in force on $as_of in them, with "
    "the owner; the later levels of `ownership chains`' backward pass." + _REACH_DOC,
    uids=["seed-registry:ru-host-01"],
    as_of=dt.date(2022, 7, 1),
)

ENTITY_NAMES = _q(
    "entity_names",
    """
UNWIND $uids AS entity_uid
MATCH (e:Entity {uid: entity_uid})
RETURN collect([e.uid, e.record_id, e.name, e.jurisdiction]) AS entities
""",
    "[uid, id, name, jurisdiction] of the entities $uids, in one row: the entities of the "
    "chains found, named once the enumeration has found which they are.",
    uids=["seed-registry:jp-ex-01", "seed-registry:ru-host-01"],
)

CHAIN_LINK_DETAILS = _q(
    "chain_link_details",
    """
UNWIND $pairs AS pair
MATCH (b:Entity {uid: pair[1]})
MATCH (a:Entity {uid: pair[0]})
MATCH (a)-[r:HOLDS]->(b)
WHERE {IN_FORCE_r}
RETURN a.uid AS owner, b.uid AS owned, r.sources AS sources, r.statements AS statements
""",
    "The sources and source statements behind the holdings in force on $as_of between the "
    "pairs [owner uid, owned uid] of $pairs: looked up for the chains shown (a page, or the "
    "export as it streams), never for every chain of a question. A pair has at most one "
    "holding in force on a day (ownership/holdings.py cuts each pair's timeline into periods). "
    "Both entities are matched by their index before the edge between them, as in "
    "statements_of_holdings: a pattern written from the owner walks every holding of a group "
    "head on the embedded server.",
    pairs=[["seed-registry:jp-ex-01", "seed-registry:sg-shell-01"]],
    as_of=dt.date(2022, 7, 1),
)

# --------------------------------------------------------------------------------------------
# Sanctions and the 50 percent rule
# --------------------------------------------------------------------------------------------

LISTED_ENTITIES = _q(
    "listed_entities",
    """
MATCH (s:Sanction)
WHERE (s.listed_on IS NULL OR s.listed_on <= $as_of)
  AND (s.delisted_on IS NULL OR $as_of < s.delisted_on)
  AND (s.retired_on IS NULL OR $as_of < s.retired_on)
  AND (size($authorities) = 0 OR s.authority IN $authorities)
WITH s
MATCH (s)<-[:SUBJECT_TO]-(e:Entity)
RETURN e.uid AS uid, e.record_id AS id, e.name AS name, e.jurisdiction AS jurisdiction,
       collect({authority: s.authority, program: s.program, listed_on: s.listed_on}) AS listings
ORDER BY uid
""",
    "Entities on a sanctions list on $as_of (all authorities, or those in $authorities). The "
    "listings in force are matched first, then (after WITH) their entities: in one pattern, "
    "or in two MATCH clauses it joins into one, the embedded server walked from every entity "
    "(1.7-2.3 s at a million companies, where this takes 0.08 s; most of the 50 % rule's "
    "time on a day not kept).",
    as_of=dt.date(2022, 7, 1),
    authorities=[],
)

HOLDINGS_OF = _q(
    "holdings_of",
    """
UNWIND $owners AS owner_uid
MATCH (o:Entity {uid: owner_uid})-[r:HOLDS]->(t:Entity)
WHERE {IN_FORCE_r}
  AND coalesce(r.kind, 'shareholding') IN $kinds
  AND coalesce(r.direct, true)
RETURN o.uid AS owner, t.uid AS owned, t.record_id AS id, t.name AS name,
       t.jurisdiction AS jurisdiction, r.share AS share, r.share_min AS share_min,
       r.share_max AS share_max, r.kind AS kind, coalesce(r.kinds, [r.kind]) AS kinds,
       r.sources AS sources
""",
    "Direct holdings in force on $as_of of the entities in $owners: one step of the 50 percent "
    "rule's fixpoint (a blocked owner's stake counts in full, never multiplied down a chain). "
    "A holding stated by several sources is one row, with the band of what they state.",
    owners=["seed-registry:ru-mine-01"],
    as_of=dt.date(2022, 7, 1),
    kinds=["shareholding"],
)

# --------------------------------------------------------------------------------------------
# History and comparison of two dates (``ownership history``, ``ownership diff``)
# --------------------------------------------------------------------------------------------

_HOLDING = """{start_date: h.start_date, end_date: h.end_date, share: h.share,
 share_min: h.share_min, share_max: h.share_max, disagree: h.disagree, kind: h.kind,
 statements: h.statements, sources: h.sources}"""

_ENTITY_PERIODS = (
    """
MATCH (e:Entity {uid: $uid})-[h:HOLDS]-(other:Entity)
WITH e, other, startNode(h) = e AS outgoing, collect("""
    + _HOLDING
    + """) AS holdings
"""
)
_ENTITY_COUNTERPART = """outgoing, other.uid AS uid, other.record_id AS id, other.name AS name,
       other.jurisdiction AS jurisdiction, other.kind AS kind, holdings"""

ENTITY_HISTORY = _q(
    "entity_history",
    _ENTITY_PERIODS
    + """CALL (e, other, outgoing) {
  MATCH (other)-[r:OWNS]-(e)
  WHERE (startNode(r) = e) = outgoing
  RETURN collect({uid: r.uid, source: r.source, record_id: r.record_id, file: r.file,
                  imported_at: r.imported_at, share: r.share, share_min: r.share_min,
                  share_max: r.share_max, kind: r.kind, start_date: r.start_date,
                  end_date: r.end_date}) AS statements
}
RETURN """
    + _ENTITY_COUNTERPART
    + """, statements
ORDER BY outgoing, uid
""",
    "Every holding into (outgoing false) and out of entity $uid over time, whatever its "
    "dates: one HOLDS relationship per period in which the holding was stated the same way, "
    "grouped by the other party, with the source statements (OWNS) between the two "
    "(`ownership history`). The statements come along the same pattern: looking them up by "
    "uid scans every OWNS relationship on the embedded server. They are walked from the other "
    "party, which the embedded server expands from: written from $uid, it walked all of a "
    "group head's statements once per counterpart (8,346 of them at 1M companies: 4.7 s, "
    "1.0 s from the other party).",
    uid="seed-registry:ru-host-01",
)

ENTITY_HISTORY_PERIODS = _q(
    "entity_history_periods",
    _ENTITY_PERIODS
    + """RETURN """
    + _ENTITY_COUNTERPART
    + """
ORDER BY outgoing, uid
""",
    "entity_history without the source statements' details (each period still names its "
    "statements' keys): the explorer's History section, which shows only the keys. A group "
    "head's 8,346 periods at 1M companies: 0.8-1.1 s, against 3.1-3.6 s with the details "
    "(load 7).",
    uid="seed-registry:ru-host-01",
)

_CHANGED_IN_WINDOW = """(h.start_date > $from_date AND h.start_date <= $to_date)
   OR (h.end_date > $from_date AND h.end_date <= $to_date)"""

_PERIOD = """[a.uid, a.name, b.uid, b.name, toString(h.start_date), toString(h.end_date),
                h.share, h.share_min, h.share_max, h.disagree]"""
_PERIOD_ROWS = f"""
RETURN collect({_PERIOD}) AS periods
"""

CHANGED_HOLDINGS = _q(
    "changed_holdings",
    """
MATCH (a:Entity)-[h:HOLDS]->(b:Entity)
WHERE """
    + _CHANGED_IN_WINDOW
    + _PERIOD_ROWS,
    "Every period of a holding (HOLDS) that began or ended after $from_date and on or before "
    "$to_date, as [owner uid, owner name, owned uid, owned name, start_date, end_date, share, "
    "share_min, share_max, disagree], dates as text (sending them as dates took a second more "
    "at 100,000 companies): only these pairs can differ between the two dates, and "
    "the periods in force on either date are among these (one that covers both dates is the "
    "pair's only period in the window, and no change). `ownership diff` compares the pairs "
    "and orders them; what it shows is completed by changed_holding_details. One pass, "
    "lists only: matching each pair's periods again and sending maps took 6-12 s at 100,000 "
    "companies (46,593 pairs over four years), classifying and ordering on the embedded "
    "server as long.",
    from_date=dt.date(2022, 3, 1),
    to_date=dt.date(2022, 7, 1),
)

CHANGED_HOLDING_DETAILS = _q(
    "changed_holding_details",
    """
UNWIND $pairs AS pair
MATCH (b:Entity {uid: pair[1]})<-[h:HOLDS]-(a:Entity {uid: pair[0]})
WHERE """
    + _CHANGED_IN_WINDOW
    + """
RETURN a.uid AS owner_uid, a.record_id AS owner_id, a.jurisdiction AS owner_jurisdiction,
       b.uid AS owned_uid, b.record_id AS owned_id, b.jurisdiction AS owned_jurisdiction,
       collect([h.start_date, h.end_date, h.sources]) AS periods
""",
    "The parties' keys and countries and each period's sources, for the changed holdings "
    "$pairs ([owner uid, owned uid]) that `ownership diff` shows (one page). Anchored on the "
    "owned entity: it has few owners, where an owner may hold thousands.",
    pairs=[["seed-registry:sg-mine-01", "seed-registry:ru-mine-02"]],
    from_date=dt.date(2022, 3, 1),
    to_date=dt.date(2022, 7, 1),
)

# --------------------------------------------------------------------------------------------
# The landing page: what the graph holds and where to start
# --------------------------------------------------------------------------------------------

SOURCES_SUMMARY = _q(
    "sources_summary",
    """
MATCH (s:Source)
RETURN s.name AS name, s.format AS format, s.imported_at AS imported_at,
       s.refreshed_at AS refreshed_at,
       COUNT { (r:Record) WHERE r.source = s.name } AS records
ORDER BY name
""",
    "Every imported source: its format, when it was last imported or refreshed, and how many "
    "entity records it holds (the Record.source index counts them).",
)

SOURCES_MARKS = _q(
    "sources_marks",
    """
MATCH (s:Source)
RETURN s.name AS name, s.format AS format, s.imported_at AS imported_at,
       s.refreshed_at AS refreshed_at
ORDER BY name
""",
    "Every imported source with its format and when it was last imported or refreshed: "
    "sources_summary without the records, for a caller that has just counted them "
    "(source_counts, when import and refresh keep the landing page).",
)

OWNERSHIP_DATES = _q(
    "ownership_dates",
    """
MATCH ()-[r:OWNS]->()
RETURN min(r.start_date) AS first_start, max(r.start_date) AS last_start,
       max(r.end_date) AS last_end, count(r) AS statements
""",
    "The time the ownership statements cover: the earliest and latest start and the latest end.",
)

LANDING_COUNTS = _q(
    "landing_counts",
    """
CALL () { MATCH (n:Company) RETURN count(n) AS companies }
CALL () { MATCH (n:Person) RETURN count(n) AS persons }
CALL () { MATCH (n:Sanction) RETURN count(n) AS sanctions }
CALL () { MATCH ()-[r:OWNS]->() RETURN count(r) AS statements }
CALL () { MATCH ()-[r:OFFICER_OF]->() RETURN count(r) AS roles }
RETURN companies, persons, sanctions, statements, roles
""",
    "The landing page's counts: companies, persons, sanction listings, ownership statements "
    "and officer roles. Counted by label and type (a count store on Neo4j): counting every "
    "label of every node (stats_nodes) took 9 s at 100,000 companies on the embedded server.",
)

LARGEST_GROUPS = _q(
    "largest_groups",
    """
MATCH (o:Entity)-[r:HOLDS]->(:Entity)
WHERE {IN_FORCE_r}
WITH o, count(r) AS holdings
ORDER BY holdings DESC, o.uid
LIMIT $limit
RETURN o.uid AS uid, o.record_id AS id, o.name AS name, o.jurisdiction AS jurisdiction,
       o.kind AS kind, holdings
""",
    "The $limit entities with the most direct holdings in force on $as_of: the heads of the "
    "largest groups, a place to start exploring.",
    as_of=dt.date(2022, 7, 1),
    limit=10,
)

GROUP_CANDIDATES = _q(
    "group_candidates",
    """
MATCH (o:Entity)-[r:HOLDS]->(:Entity)
WITH o, count(r) AS ever
ORDER BY ever DESC, o.uid
LIMIT $limit
RETURN o.uid AS uid, ever
""",
    "The $limit entities with the most direct holdings on any date (every HOLDS edge, in force "
    "or not), most first: no entity holds more on one day than it ever held, so the largest "
    "groups of any day are found among them with holdings_in_force_of (largest_groups reads "
    "the whole graph on each day asked). Import and refresh keep them as found in the graph "
    "with its dates (DatedGraph.most_holdings), which the tests compare with this query.",
    limit=1000,
)

HOLDINGS_IN_FORCE_OF = _q(
    "holdings_in_force_of",
    """
UNWIND $uids AS owner_uid
MATCH (o:Entity {uid: owner_uid})
OPTIONAL MATCH (o)-[r:HOLDS]->(:Entity)
WHERE {IN_FORCE_r}
RETURN o.uid AS uid, o.record_id AS id, o.name AS name, o.jurisdiction AS jurisdiction,
       o.kind AS kind, count(r) AS holdings
""",
    "How many direct holdings each of the entities $uids has in force on $as_of (the count "
    "of largest_groups, for a few group candidates).",
    uids=["seed-registry:ru-mine-01"],
    as_of=dt.date(2022, 7, 1),
)

# --------------------------------------------------------------------------------------------
# Ownership gaps: how much of an entity its known direct owners account for
# --------------------------------------------------------------------------------------------

_KNOWN_SHARE = """
MATCH %s
CALL (c) {
  OPTIONAL MATCH (c)<-[r:HOLDS]-(:Entity)
  WHERE {IN_FORCE_r} AND coalesce(r.direct, true)
  RETURN count(r) AS owners,
         sum(CASE WHEN r IS NULL THEN 0.0 ELSE coalesce(r.share, r.share_min, 0.0) END)
           AS known_min,
         sum(CASE WHEN r IS NULL THEN 0.0 ELSE coalesce(r.share, r.share_max, 100.0) END)
           AS known_max
}
RETURN c.uid AS uid, c.record_id AS id, c.name AS name, c.jurisdiction AS jurisdiction,
       owners, known_min, known_max
"""
_KNOWN_SHARE_DOC = (
    "How much of an entity its direct owners on record account for on $as_of: the sum of the "
    "direct holdings in force, a band by its bounds, a holding without a share as 0 and 100 "
    "(capped at 100 by the caller)."
)

ENTITY_KNOWN_SHARE = _q(
    "entity_known_share",
    _KNOWN_SHARE % "(c:Entity {uid: $uid})",
    _KNOWN_SHARE_DOC + " For the one entity $uid (its profile).",
    uid="seed-registry:jp-ex-01",
    as_of=dt.date(2022, 7, 1),
)

COMPANIES_KNOWN_SHARE = _q(
    "companies_known_share",
    _KNOWN_SHARE % "(c:Company)",
    _KNOWN_SHARE_DOC + " For every company (the ownership-gaps filter).",
    as_of=dt.date(2022, 7, 1),
)

PERSON_HOLDINGS = _q(
    "person_holdings",
    """
MATCH (p:Person)-[r:HOLDS]->(c:Entity)
WHERE {IN_FORCE_r}
RETURN collect(DISTINCT c.uid) AS uids
""",
    "The entities natural persons hold directly on $as_of: where the walk down to every entity "
    "a natural person reaches starts.",
    as_of=dt.date(2022, 7, 1),
)

HELD_BY = _q(
    "held_by",
    """
UNWIND $uids AS near_uid
MATCH (:Entity {uid: near_uid})-[r:HOLDS]->(far:Entity)
WHERE {IN_FORCE_r}
RETURN collect(DISTINCT far.uid) AS uids
""",
    "The entities the entities $uids hold directly on $as_of (keys only): one level of the walk "
    "down from natural persons.",
    uids=["seed-registry:p-10"],
    as_of=dt.date(2022, 7, 1),
)

# --------------------------------------------------------------------------------------------
# Red flags
# --------------------------------------------------------------------------------------------

SHARED_ADDRESSES = _q(
    "shared_addresses",
    """
MATCH (a:Address)
WITH a, COUNT { (a)<-[:REGISTERED_AT]-(:Company) } AS registered
WHERE registered >= $threshold
MATCH (a)<-[:REGISTERED_AT]-(e:Company)
RETURN a.key AS address, e.uid AS uid, e.record_id AS id, e.name AS name, e.address AS text,
       registered AS count
""",
    "Companies sharing one normalized registered address with at least $threshold - 1 others "
    "(mass registration: formation agents, shell factories). Counted before anything is "
    "collected, and sorted by the caller: at a million companies, collecting and sorting on "
    "the server exceeded the embedded server's query memory.",
    threshold=3,
)

OFFICER_HUBS = _q(
    "officer_hubs",
    """
MATCH (p:Entity)-[r:OFFICER_OF]->(c:Entity)
WHERE {IN_FORCE_r}
WITH DISTINCT p, c
WITH p, collect(c.name) AS companies
WHERE size(companies) >= $threshold
RETURN p.uid AS uid, p.record_id AS id, p.name AS name, size(companies) AS count, companies
""",
    "Persons or companies that are officers of at least $threshold companies on $as_of "
    "(nominee directors), with the names of the companies they serve. One pass over the "
    "officer roles: counting first and matching the hubs' roles again took three times as "
    "long at 100,000 companies on both servers. Sorted by the caller.",
    threshold=3,
    as_of=dt.date(2022, 7, 1),
)

CYCLES = _q(
    "cycles",
    """
MATCH (a:Entity)
WHERE EXISTS { (a)<-[:HOLDS]-(:Entity) } AND EXISTS { (a)-[:HOLDS]->(:Entity) }
MATCH p = (a)-[:HOLDS*2..{max_hops}]->(a)
WHERE {PATH_IN_FORCE}
  AND all(i IN range(1, length(p) - 1) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..])
RETURN [n IN nodes(p) | {uid: n.uid, id: n.record_id, name: n.name}] AS members
""",
    "Circular ownership in force on $as_of: each cycle once per member it starts from.",
    as_of=dt.date(2022, 7, 1),
)

_OVER_OWNED = """
MATCH %s<-[r:HOLDS]-(o:Entity)
WHERE r.share IS NOT NULL AND coalesce(r.kind, 'shareholding') = 'shareholding'
  AND coalesce(r.direct, true)
  AND {IN_FORCE_r}
WITH t, sum(r.share) AS total
WHERE total > 100.0001
MATCH (t)<-[r:HOLDS]-(o:Entity)
WHERE r.share IS NOT NULL AND coalesce(r.kind, 'shareholding') = 'shareholding'
  AND coalesce(r.direct, true)
  AND {IN_FORCE_r}
WITH t, total, collect({name: o.name, share: r.share}) AS owners
RETURN t.uid AS uid, t.record_id AS id, t.name AS name, total, owners
ORDER BY total DESC, uid
"""
_OVER_OWNED_DOC = (
    "Entities whose incoming direct shares in force on $as_of add up to more than 100 percent "
    "(a data-quality problem: a holding stated by several sources counts once). Summed first; "
    "the owners are collected for the few over 100 only (collecting them for every entity "
    "took 5 s at 100,000 companies on Neo4j). The owned entity comes first in the pattern: "
    "for one entity, the embedded server otherwise reads every holding (0.6–0.7 s of a "
    "profile at 100,000 companies)."
)

OVER_OWNED = _q(
    "over_owned", _OVER_OWNED % "(t:Entity)", _OVER_OWNED_DOC, as_of=dt.date(2022, 7, 1)
)

ENTITY_OVER_OWNED = _q(
    "entity_over_owned",
    _OVER_OWNED % "(t:Entity {uid: $uid})",
    _OVER_OWNED_DOC + " For the one entity $uid (its profile).",
    uid="seed-registry:ru-sub-03",
    as_of=dt.date(2022, 7, 1),
)

_NEW_INTERMEDIARIES = """
MATCH %s-[r:HOLDS]->(n:Entity)
WHERE e.incorporation_date IS NOT NULL AND r.held_since IS NOT NULL
  AND r.held_since >= e.incorporation_date
  AND duration.inDays(e.incorporation_date, r.held_since).days <= $days
  AND {IN_FORCE_r}
  AND EXISTS { (:Entity)-[:HOLDS]->(e) }
MATCH p = (n)-[:HOLDS*0..{max_hops}]->(t:Entity)
WHERE {PATH_IN_FORCE}
  AND (t.jurisdiction IN $countries
       OR any(c IN coalesce(t.operates_in, []) WHERE c IN $countries)
       OR EXISTS { (t)-[:SUBJECT_TO]->(:Sanction) })
RETURN e.uid AS uid, e.record_id AS id, e.name AS name, e.incorporation_date AS incorporated,
       n.name AS acquired_name, r.held_since AS acquired,
       duration.inDays(e.incorporation_date, r.held_since).days AS days,
       collect(DISTINCT t.name) AS reaches
ORDER BY days, uid
"""
_NEW_INTERMEDIARIES_DOC = (
    "Intermediaries (companies that have an owner) that acquired a holding within $days days "
    "of their own incorporation, where the holding leads to an entity in $countries or on a "
    "sanctions list: the shell set up weeks before the deal."
)

NEW_INTERMEDIARIES = _q(
    "new_intermediaries",
    _NEW_INTERMEDIARIES % "(e:Company)",
    _NEW_INTERMEDIARIES_DOC,
    days=90,
    countries=["RU"],
    as_of=dt.date(2022, 7, 1),
)

ENTITY_NEW_INTERMEDIARY = _q(
    "entity_new_intermediary",
    _NEW_INTERMEDIARIES % "(e:Entity {uid: $uid})",
    _NEW_INTERMEDIARIES_DOC + " For the one entity $uid (its profile).",
    uid="seed-registry:sg-shell-01",
    days=90,
    countries=["RU"],
    as_of=dt.date(2022, 7, 1),
)

RESTRUCTURED_AFTER_LISTING = _q(
    "restructured_after_listing",
    """
MATCH (s:Sanction)
WHERE s.listed_on IS NOT NULL AND s.listed_on <= $as_of
WITH s
MATCH (s)<-[:SUBJECT_TO]-(l:Entity)
CALL (l) {
  OPTIONAL MATCH (l)-[:HOLDS]-(n:Entity)
  WITH l, collect(DISTINCT n) AS neighbours
  RETURN [l] + neighbours AS near
}
UNWIND near AS x
MATCH (x)-[r:HOLDS]-(y:Entity)
WHERE (r.held_since IS NOT NULL AND r.held_since >= s.listed_on
       AND duration.inDays(s.listed_on, r.held_since).days <= $days)
   OR (r.held_until IS NOT NULL AND r.held_until >= s.listed_on
       AND duration.inDays(s.listed_on, r.held_until).days <= $days)
WITH DISTINCT l, s.authority AS authority, s.listed_on AS listed_on, startNode(r) AS owner,
     endNode(r) AS owned, r.held_since AS start_date, r.held_until AS end_date
RETURN owned.uid AS uid, owned.record_id AS id, owned.name AS name, owner.name AS owner,
       l.name AS listed, authority, listed_on, start_date, end_date
ORDER BY uid, listed_on
""",
    "Holdings that began or ended within $days days after the listing of a related party "
    "(the listed entity itself or one directly linked to it by ownership; a listing several "
    "sources carry counts once): sanctions evasion "
    "often looks like a hurried restructuring. The listings are matched before their "
    "entities, as in listed_entities. The neighbours are collected first: an "
    "undirected OWNS*0..1 pattern took 18 times as long on the embedded server.",
    days=90,
    as_of=dt.date(2022, 7, 1),
)

_TRANSIT = """
MATCH %s<-[r0:HOLDS]-(o:Entity)
WHERE e.jurisdiction IN $secrecy
  AND {IN_FORCE_r0}
WITH e, collect(DISTINCT o) AS owners
MATCH p = (e)-[:HOLDS*1..{max_hops}]->(t:Entity)
WHERE {PATH_IN_FORCE}
  AND (t.jurisdiction IN $countries
       OR any(c IN coalesce(t.operates_in, []) WHERE c IN $countries)
       OR EXISTS { (t)-[:SUBJECT_TO]->(:Sanction) })
  AND any(o IN owners WHERE o <> t)
RETURN e.uid AS uid, e.record_id AS id, e.name AS name, e.jurisdiction AS jurisdiction,
       collect(DISTINCT t.name) AS reaches
ORDER BY uid
"""
_TRANSIT_DOC = (
    "Intermediaries registered in a secrecy or transit jurisdiction ($secrecy) that sit inside "
    "an ownership chain leading to an entity in $countries or on a sanctions list. The "
    "owners are collected before the chains are walked: walking them once per owner took "
    "twice as long (a million companies' largest head, 3 owners)."
)

TRANSIT_INTERMEDIARIES = _q(
    "transit_intermediaries",
    _TRANSIT % "(e:Entity)",
    _TRANSIT_DOC,
    secrecy=["VG", "KY", "SC", "BZ", "PA", "AE", "CY", "HK"],
    countries=["RU"],
    as_of=dt.date(2022, 7, 1),
)

ENTITY_TRANSIT = _q(
    "entity_transit",
    _TRANSIT % "(e:Entity {uid: $uid})",
    _TRANSIT_DOC + " For the one entity $uid (its profile).",
    uid="seed-registry:vg-02",
    secrecy=["VG", "KY", "SC", "BZ", "PA", "AE", "CY", "HK"],
    countries=["RU"],
    as_of=dt.date(2022, 7, 1),
)

# --------------------------------------------------------------------------------------------
# Red flags and ownership gaps for every date at once (ownership/analysis/timelines.py): the
# graph with its dates, read whole, once per import or refresh
# --------------------------------------------------------------------------------------------

_DATED_ENTITY = """
RETURN [e.uid, e.record_id, e.name, e.jurisdiction, e.operates_in, e.incorporation_date,
        e:Company, e:Person, EXISTS { (e)-[:SUBJECT_TO]->(:Sanction) }] AS entity
"""
_DATED_HOLDING = """
RETURN [a.uid, b.uid, r.start_date, r.end_date, r.retired_on, r.share, r.share_min,
        r.share_max, coalesce(r.kind, 'shareholding'), coalesce(r.direct, true),
        r.held_since, r.disagree] AS holding
"""

DATED_ENTITIES = _q(
    "dated_entities",
    "MATCH (e:Entity)" + _DATED_ENTITY,
    "Every entity, a row each, as [uid, id, name, jurisdiction, operates_in, "
    "incorporation_date, company, person, listed ever]: what the red flags and the gaps filter "
    "look at besides the dates. Streamed (Graph.stream), not collected: one list of every "
    "entity was held three times over at a million companies (the driver's, native()'s, the "
    "objects built from it).",
)

DATED_HOLDINGS = _q(
    "dated_holdings",
    "MATCH (a:Entity)-[r:HOLDS]->(b:Entity)" + _DATED_HOLDING,
    "Every holding whatever its dates, a row each, as [owner, owned, start_date, end_date, "
    "retired_on, share, share_min, share_max, kind, direct, held_since, disagree]: the red "
    "flags, the gaps of every date and the dated holding periods are worked out from it in one "
    "pass. Streamed, as dated_entities.",
)

DATED_ENTITIES_OF = _q(
    "dated_entities_of",
    "UNWIND $uids AS uid\nMATCH (e:Entity {uid: uid})" + _DATED_ENTITY,
    "The entities $uids as dated_entities reads them: those a refresh touched, read again to "
    "patch the kept dated graph (DatedGraph.patch) instead of reading every entity.",
    uids=["seed-registry:c1"],
)

DATED_HOLDINGS_OUT_OF = _q(
    "dated_holdings_out_of",
    "UNWIND $uids AS uid\nMATCH (a:Entity {uid: uid})-[r:HOLDS]->(b:Entity)" + _DATED_HOLDING,
    "The holdings out of the entities $uids as dated_holdings reads them (DatedGraph.patch).",
    uids=["seed-registry:c1"],
)

DATED_HOLDINGS_INTO = _q(
    "dated_holdings_into",
    "UNWIND $uids AS uid\nMATCH (b:Entity {uid: uid})<-[r:HOLDS]-(a:Entity)" + _DATED_HOLDING,
    "The holdings into the entities $uids as dated_holdings reads them (DatedGraph.patch; "
    "those whose owner is patched too are read by dated_holdings_out_of).",
    uids=["seed-registry:c1"],
)

_DATED_ROLE = """
RETURN [p.uid, c.uid, r.start_date, r.end_date, r.retired_on] AS role
"""

DATED_ROLES = _q(
    "dated_roles",
    "MATCH (p:Entity)-[r:OFFICER_OF]->(c:Entity)" + _DATED_ROLE,
    "Every officer role whatever its dates, a row each, as [officer, company, start_date, "
    "end_date, retired_on]: the officer hubs of every date are worked out from them with the "
    "rest of the dated graph, which a refresh patches. Streamed, as dated_entities.",
)

DATED_ROLES_OF = _q(
    "dated_roles_of",
    "UNWIND $uids AS uid\nMATCH (p:Entity {uid: uid})-[r:OFFICER_OF]->(c:Entity)" + _DATED_ROLE,
    "The roles of the officers $uids as dated_roles reads them (DatedGraph.patch).",
    uids=["seed-registry:p1"],
)

DATED_ROLES_IN = _q(
    "dated_roles_in",
    "UNWIND $uids AS uid\nMATCH (c:Entity {uid: uid})<-[r:OFFICER_OF]-(p:Entity)" + _DATED_ROLE,
    "The roles in the companies $uids as dated_roles reads them (DatedGraph.patch; those whose "
    "officer is patched too are read by dated_roles_of).",
    uids=["seed-registry:c1"],
)

# --------------------------------------------------------------------------------------------
# Connections (breadth-first, one step at a time, so hubs can be skipped)
# --------------------------------------------------------------------------------------------

NEIGHBOURS = _q(
    "neighbours",
    """
UNWIND $uids AS uid
CALL (uid) {
  MATCH (n:Entity {uid: uid}) RETURN n
  UNION
  MATCH (n:Address {uid: uid}) RETURN n
}
MATCH (n)-[r:HOLDS|OFFICER_OF|REGISTERED_AT]-(m)
WHERE {IN_FORCE_r}
RETURN DISTINCT uid, m.uid AS other, type(r) AS type, startNode(r) = n AS outgoing,
       r.share AS share, r.role AS role, coalesce(m.name, m.text) AS name, labels(m) AS labels,
       COUNT { (m)-[:HOLDS|OFFICER_OF|REGISTERED_AT]-() } AS degree
""",
    "Entities and addresses linked to the nodes $uids by holdings, officer roles or a "
    "registered address in force on $as_of (a role several sources state is one row), with "
    "each neighbour's number of links (to skip hubs such as formation agents).",
    uids=["seed-registry:p-01"],
    as_of=dt.date(2022, 7, 1),
)

LINK_ADDRESSES = _q(
    "link_addresses",
    """
UNWIND $rows AS row
MERGE (a:Address {uid: row.address_uid})
ON CREATE SET a.text = row.text, a.key = row.key
WITH a, row
MATCH (e:Entity {uid: row.entity_uid})
MERGE (e)-[:REGISTERED_AT]->(a)
""",
    "Registered addresses as nodes (one per normalized address) so shared addresses are links "
    "an analyst can follow.",
    write=True,
    rows=[],
)

# --------------------------------------------------------------------------------------------
# Neo4j Browser export
# --------------------------------------------------------------------------------------------


def cypher_literal(value: object) -> str:
    """A parameter value written as Cypher, for ``:param`` lines in Neo4j Browser."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return f"datetime('{value.isoformat()}')"
    if isinstance(value, dt.date):
        return f"date('{value.isoformat()}')"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"`{k}`: {cypher_literal(v)}" for k, v in value.items()) + "}"
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def browser_script(query: Query, params: dict[str, object] | None = None, max_hops: int = 6) -> str:
    """``:param`` lines followed by the query, ready to paste into Neo4j Browser."""
    values = {**query.params, **(params or {})}
    lines = [f":param {name} => {cypher_literal(value)};" for name, value in values.items()]
    return "\n".join([*lines, query.render(max_hops) + ";"])


def library_script() -> str:
    """Every read query of the library, documented, as one file (``docs/queries.cypher``)."""
    parts = [
        "// The ownership query library, for Neo4j Browser.",
        "// Generated by `ownership queries --export docs/queries.cypher`; do not edit by hand.",
        "// Run the :param lines first, then the query. Variable-length bounds are shown as 6.",
    ]
    for query in sorted(LIBRARY.values(), key=lambda q: q.name):
        if query.write:
            continue
        doc = "\n".join(f"// {line}" for line in _wrap(query.doc))
        parts.append(f"\n// ---- {query.name}\n{doc}\n{browser_script(query)}")
    return "\n".join(parts) + "\n"


def _wrap(text: str, width: int = 94) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


# --------------------------------------------------------------------------------------------
# Search and entity profile (the explorer)
# --------------------------------------------------------------------------------------------

_SEARCH_ROW = """
RETURN e.uid AS uid, e.record_id AS id, e.name AS name, e.jurisdiction AS jurisdiction,
       e.kind AS kind, coalesce(e.tags, []) AS tags, coalesce(e.sources, [e.source]) AS sources,
       e.registration_number AS registration_number"""

SEARCH_ENTITIES = _q(
    "search_entities",
    """
MATCH (e:Entity)
WHERE any(t IN coalesce(e.search_terms, []) WHERE t CONTAINS $norm)
   OR any(i IN coalesce(e.identifiers, []) WHERE i ENDS WITH $compact)
   OR e.registration_number = $compact"""
    + _SEARCH_ROW
    + """
ORDER BY CASE WHEN e.name_norm = $norm THEN 0 ELSE 1 END, size(e.name), e.name, e.uid
LIMIT $limit
""",
    "Entities whose name or alias contains $norm (normalized: case, accents, punctuation and "
    "width ignored; Japanese and Cyrillic kept), or whose identifier or registration number "
    "is $compact. A scan of every entity: used when no search index is kept for the data "
    "(ownership.analysis.search_index gives the same answer from the kept index).",
    norm="tsubame",
    compact="TSUBAME",
    limit=50,
)

SEARCH_ROWS_OF = _q(
    "search_rows_of",
    """
UNWIND $uids AS uid
MATCH (e:Entity {uid: uid})"""
    + _SEARCH_ROW
    + "\n",
    "The search's columns for the entities $uids (those the kept search index found, in any "
    "order: the caller puts them in the index's).",
    uids=["seed-registry:jp-ex-01"],
)

SEARCH_INDEX_ENTITIES = _q(
    "search_index_entities",
    """
MATCH (e:Entity)
RETURN e.uid AS uid, e.name AS name, e.name_norm AS name_norm,
       coalesce(e.search_terms, []) AS terms, coalesce(e.identifiers, []) AS identifiers,
       e.registration_number AS registration_number
""",
    "What the kept search index holds of every entity: what the search matches and orders by "
    "(read by import and refresh to keep it).",
)

NEAR_NAMES = _q(
    "near_names",
    """
MATCH (e:Entity)
WHERE any(t IN coalesce(e.search_terms, [])
          WHERE any(w IN split(t, $space) WHERE size(w) >= 3 AND left(w, 3) IN $prefixes))
RETURN e.uid AS uid, e.record_id AS id, e.name AS name, e.jurisdiction AS jurisdiction,
       coalesce(e.search_terms, []) AS terms
LIMIT $limit
""",
    'Candidates for "did you mean": entities with a name or alias word that starts like one '
    "of the words searched for ($prefixes: their first three letters, normalized; $space "
    "separates the words of a normalized name). The typo "
    "tolerance itself (rapidfuzz scores) is computed on these in Python.",
    prefixes=["ang", "hos"],
    space=" ",
    limit=2000,
)

ENTITY_PROFILE = _q(
    "entity_profile",
    """
MATCH (e:Entity {uid: $uid})
CALL (e) {
  OPTIONAL MATCH (r:Record)-[:DESCRIBES]->(e)
  RETURN collect(properties(r)) AS records
}
CALL (e) {
  OPTIONAL MATCH (e)-[:SUBJECT_TO]->(s:Sanction)
  RETURN collect(properties(s)) AS sanctions
}
CALL (e) {
  OPTIONAL MATCH (p:Entity)-[o:OFFICER_OF]->(e)
  RETURN collect({uid: p.uid, id: p.record_id, name: p.name, role: o.role,
                  start_date: o.start_date, end_date: o.end_date, retired_on: o.retired_on,
                  source: o.source}) AS officers
}
CALL (e) {
  OPTIONAL MATCH (e)-[o:OFFICER_OF]->(c:Entity)
  RETURN collect({uid: c.uid, id: c.record_id, name: c.name, role: o.role,
                  start_date: o.start_date, end_date: o.end_date, retired_on: o.retired_on,
                  source: o.source}) AS roles
}
CALL (e) {
  OPTIONAL MATCH (e)-[:REGISTERED_AT]->(a:Address)
  RETURN collect({uid: a.uid, text: a.text, companies: COUNT { (a)<-[:REGISTERED_AT]-() }})
         AS addresses
}
RETURN properties(e) AS entity, labels(e) AS labels, records, sanctions, officers, roles,
       addresses
""",
    "Everything known about one entity: its properties, the source records behind it (with "
    "their own, possibly conflicting, values), sanctions, officers, roles and addresses.",
    uid="seed-registry:sg-shell-01",
)

ENTITY_DISAGREEMENTS = _q(
    "entity_disagreements",
    """
MATCH (e:Entity {uid: $uid})-[h:HOLDS]-(:Entity)
WHERE h.disagree AND {IN_FORCE_h}
RETURN startNode(h).uid AS owner, endNode(h).uid AS owned, h.statements AS statements
""",
    "The direct holdings into and out of entity $uid, in force on $as_of, whose sources state "
    "different shares (the profile says which source states what).",
    uid="seed-registry:sg-shell-01",
    as_of=dt.date(2022, 7, 1),
)

ENTITY_SUCCESSION = _q(
    "entity_succession",
    """
MATCH (e:Entity {uid: $uid})
CALL (e) {
  OPTIONAL MATCH (r:Record)-[:DESCRIBES]->(e)
  WHERE r.successor_identifier IS NOT NULL
  OPTIONAL MATCH (:Identifier {key: r.successor_identifier})-[:IDENTIFIES]->(s:Entity)
  RETURN collect(CASE WHEN r IS NOT NULL THEN
           {identifier: r.successor_identifier, date: r.dissolution_date,
            cause: r.change_cause, record: r.uid, uid: s.uid, id: s.record_id, name: s.name,
            jurisdiction: s.jurisdiction} END) AS successors
}
CALL (e) {
  OPTIONAL MATCH (i:Identifier)-[:IDENTIFIES]->(e)
  OPTIONAL MATCH (r:Record {successor_identifier: i.key})-[:DESCRIBES]->(p:Entity)
  RETURN collect(CASE WHEN r IS NOT NULL THEN
           {identifier: i.key, date: r.dissolution_date, cause: r.change_cause, record: r.uid,
            uid: p.uid, id: p.record_id, name: p.name, jurisdiction: p.jurisdiction} END)
         AS predecessors
}
RETURN successors, predecessors
""",
    "Succession (merged into / absorbed): the entities entity $uid was merged into (its records "
    "name a successor_identifier, e.g. reg:JP:<corporate number> from the NTA file; uid is null "
    "while the successor is not in the graph) and the entities merged into it. A link resolved "
    "through the Identifier nodes when read, so it holds whichever source brings the successor "
    "and whenever; it is not ownership and no share arithmetic follows it.",
    uid="jp-nta:2270001000697",
)

SUCCESSORS_OF = _q(
    "successors_of",
    """
UNWIND $uids AS uid
MATCH (e:Entity {uid: uid})
MATCH (r:Record)-[:DESCRIBES]->(e)
WHERE r.successor_identifier IS NOT NULL
OPTIONAL MATCH (:Identifier {key: r.successor_identifier})-[:IDENTIFIES]->(s:Entity)
RETURN uid, r.successor_identifier AS identifier, r.dissolution_date AS date,
       s.uid AS successor_uid, s.record_id AS id, s.name AS name
ORDER BY uid, identifier
""",
    "Succession of many entities at once (the entities of a list of chains): for each of $uids "
    "that was merged into another, the successor's identifier and, when it is in the graph, "
    "the successor (see entity_succession). The entity is matched first, by its index: the "
    "embedded server otherwise starts from every record (34 s for a page of 200 chains at 100k "
    "companies, against 0.02 s).",
    uids=["jp-nta:2270001000697"],
)

ENTITY_CYCLES = _q(
    "entity_cycles",
    """
MATCH (e:Entity {uid: $uid})
MATCH p = (e)-[:HOLDS*2..{max_hops}]->(e)
WHERE {PATH_IN_FORCE}
  AND all(i IN range(1, length(p) - 1) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..])
RETURN [n IN nodes(p) | {uid: n.uid, id: n.record_id, name: n.name}] AS members
""",
    "Circular ownership through one entity, in force on $as_of.",
    uid="seed-registry:hk-01",
    as_of=dt.date(2022, 7, 1),
)

ADDRESS_COMPANIES = _q(
    "address_companies",
    """
MATCH (a:Address {uid: $address})<-[:REGISTERED_AT]-(e:Entity)
RETURN e.uid AS uid, e.record_id AS id, e.name AS name, e.jurisdiction AS jurisdiction,
       e.incorporation_date AS incorporated
ORDER BY name, uid
LIMIT $limit
""",
    "The entities registered at address $address (at most $limit): the evidence of a "
    "shared-address flag, for the profile.",
    address="address:88merbaucrescent0501singapore049913",
    limit=50,
)

OFFICERS_OTHER_ROLES = _q(
    "officers_other_roles",
    """
MATCH (e:Entity {uid: $uid})<-[o:OFFICER_OF]-(p:Entity)
WHERE {IN_FORCE_o}
MATCH (p)-[r:OFFICER_OF]->(c:Entity)
WHERE {IN_FORCE_r} AND c.uid <> $uid
RETURN p.uid AS officer, p.record_id AS officer_id, p.name AS officer_name, o.role AS role,
       collect(DISTINCT {uid: c.uid, id: c.record_id, name: c.name,
                         jurisdiction: c.jurisdiction, role: r.role}) AS roles
ORDER BY officer
""",
    "The other companies the officers of entity $uid serve on $as_of: the evidence of a "
    "nominee-officer flag (one person directing many shells), for the profile.",
    uid="seed-registry:sg-shell-01",
    as_of=dt.date(2022, 7, 1),
)

EDGES_AMONG = _q(
    "edges_among",
    """
MATCH (a:Entity)-[r:HOLDS]->(b:Entity)
WHERE a.uid IN $uids AND b.uid IN $uids
  AND {IN_FORCE_r}
RETURN a.uid AS source, b.uid AS target, r.share AS share, r.share_min AS share_min,
       r.share_max AS share_max, r.kind AS kind, r.start_date AS start_date,
       r.end_date AS end_date, r.sources AS sources, r.statements AS statements,
       r.disagree AS disagree
ORDER BY source, target
""",
    "Holdings in force on $as_of among the entities $uids (to draw a subgraph), with the "
    "sources and source statements behind each.",
    uids=["seed-registry:jp-ex-01", "seed-registry:sg-shell-01"],
    as_of=dt.date(2022, 7, 1),
)

NODES_BY_UID = _q(
    "nodes_by_uid",
    """
MATCH (e:Entity)
WHERE e.uid IN $uids
RETURN e.uid AS uid, e.record_id AS id, e.name AS name, e.jurisdiction AS jurisdiction,
       e.kind AS kind, coalesce(e.tags, []) AS tags,
       coalesce(e.operates_in, []) AS operates_in,
       EXISTS { (e)-[:SUBJECT_TO]->(:Sanction) } AS sanctioned,
       COUNT { (e)-[:HOLDS]-() } AS degree
ORDER BY uid
""",
    "Display facts for the entities $uids (for graph drawing; operates_in: a Cypriot company "
    "operating in Russia is labelled so).",
    uids=["seed-registry:jp-ex-01"],
)


# --------------------------------------------------------------------------------------------
# Name matching: candidates, analysts' decisions, and merging two entities
# --------------------------------------------------------------------------------------------

# What the matching rule reads of an entity's names, kind, country and identifiers.
_MATCHABLE_NAMES = """
RETURN e.uid AS uid, e.kind AS kind, e.name AS name, coalesce(e.names, [e.name]) AS names,
       coalesce(e.aliases, []) AS aliases, e.jurisdiction AS jurisdiction,
       e.birth_date AS birth_date, coalesce(e.identifiers, []) AS identifiers"""

_MATCHABLE_COLUMNS = (
    """
CALL (e) {
  OPTIONAL MATCH (r:Record)-[:DESCRIBES]->(e)
  RETURN collect(r.uid) AS records, collect(DISTINCT r.source) AS record_sources
}
CALL (e) {
  OPTIONAL MATCH (e)-[:OWNS|OFFICER_OF]-(n:Entity)
  RETURN collect(DISTINCT n.uid) AS linked
}"""
    + _MATCHABLE_NAMES
    + """, records, record_sources, linked
ORDER BY uid
"""
)

MATCHABLE_ENTITIES = _q(
    "matchable_entities",
    """
MATCH (e:Entity)
WHERE e.retired_on IS NULL
"""
    + _MATCHABLE_COLUMNS,
    "Entities with their names, aliases, identifiers, records and the entities they are "
    "linked to by ownership or office, for proposing name matches.",
)

MATCH_CANDIDATES_FOR = _q(
    "match_candidates_for",
    """
MATCH (x:Entity {uid: $uid})
CALL (x) {
  MATCH (e:Entity {name_norm: x.name_norm})
  RETURN e
  UNION
  MATCH (x)-[:OWNS|OFFICER_OF]-(:Entity)-[:OWNS|OFFICER_OF]-(e:Entity)
  RETURN e
}
WITH DISTINCT x, e
WHERE e.kind = x.kind AND e.retired_on IS NULL
"""
    + _MATCHABLE_NAMES
    + """
ORDER BY uid
""",
    "The entity $uid and the entities that may be the same one: of its kind, with the same "
    "normalized name or linked to one of the same companies (the profile's 'possibly the "
    "same as'), with their names only (MATCHABLE_BY_UID reads the records and links of those "
    "the rule keeps). Found through indexes and links, not a scan.",
    uid="seed-registry:p-01",
)

MATCHABLE_BY_UID = _q(
    "matchable_by_uid",
    """
UNWIND $uids AS wanted
MATCH (e:Entity {uid: wanted})
WHERE e.retired_on IS NULL
"""
    + _MATCHABLE_COLUMNS,
    "The entities $uids as MATCHABLE_ENTITIES gives them (records, links): the few that "
    "the matching rule keeps of a group head's thousands of neighbours.",
    uids=["seed-registry:p-01"],
)

ENTITY_RECORDS = _q(
    "entity_records",
    """
UNWIND $uids AS entity_uid
MATCH (e:Entity {uid: entity_uid})
OPTIONAL MATCH (r:Record)-[:DESCRIBES]->(e)
RETURN e.uid AS uid, collect(r.uid) AS records
""",
    "The source records behind the entities $uids (a decision is stored by record keys).",
    uids=["seed-registry:p-01"],
)

UPSERT_DECISIONS = _q(
    "upsert_decisions",
    """
UNWIND $rows AS row
MERGE (d:Decision {key: row.key})
SET d.record_a = row.record_a, d.record_b = row.record_b, d.verdict = $verdict,
    d.decided_at = $now, d.note = $note, d.score = row.score
""",
    "Record an analyst's accept or reject of proposed matches between records' entities "
    "(rows {key, record_a, record_b, score}).",
    write=True,
    rows=[],
    verdict="accept",
    now=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    note=None,
)

DECISIONS = _q(
    "decisions",
    """
MATCH (d:Decision)
OPTIONAL MATCH (:Record {uid: d.record_a})-[:DESCRIBES]->(a:Entity)
OPTIONAL MATCH (:Record {uid: d.record_b})-[:DESCRIBES]->(b:Entity)
RETURN d.key AS key, d.record_a AS record_a, d.record_b AS record_b, d.verdict AS verdict,
       d.decided_at AS decided_at, d.note AS note, d.score AS score,
       a.uid AS entity_a, b.uid AS entity_b, a.name AS name_a, b.name AS name_b
ORDER BY decided_at, key
""",
    "Analysts' match decisions with the entities their records describe now.",
)

# Merging entity $drop into $keep moves each kind of link. Relationship types cannot be
# parameters, so there is one statement per type and direction, built here from a fixed table.
_MOVE_LINKS = {
    "move_describes": ("(d)<-[x:DESCRIBES]-(n:Record)", "CREATE (n)-[:DESCRIBES]->(k)"),
    "move_identifies": ("(d)<-[x:IDENTIFIES]-(n:Identifier)", "MERGE (n)-[:IDENTIFIES]->(k)"),
    "move_registered_at": ("(d)-[x:REGISTERED_AT]->(n:Address)", "MERGE (k)-[:REGISTERED_AT]->(n)"),
}
_MOVE_PROPERTIED = {  # links with properties of their own: copied, and dropped if they would loop
    "move_owns_out": ("(d)-[x:OWNS]->(n)", "CREATE (k)-[y:OWNS]->(n)"),
    "move_owns_in": ("(d)<-[x:OWNS]-(n)", "CREATE (n)-[y:OWNS]->(k)"),
    "move_officer_of_out": ("(d)-[x:OFFICER_OF]->(n)", "CREATE (k)-[y:OFFICER_OF]->(n)"),
    "move_officer_of_in": ("(d)<-[x:OFFICER_OF]-(n)", "CREATE (n)-[y:OFFICER_OF]->(k)"),
    "move_subject_to_out": ("(d)-[x:SUBJECT_TO]->(n)", "CREATE (k)-[y:SUBJECT_TO]->(n)"),
}
MERGE_MOVES: tuple[Query, ...] = (
    *(
        _q(
            name,
            f"MATCH (k:Entity {{uid: $keep}})\nMATCH (d:Entity {{uid: $drop}})\n"
            f"MATCH {pattern}\nDELETE x\n{create}",
            f"Merging two entities ({name}): these links of $drop move to $keep.",
            write=True,
            keep="a",
            drop="b",
        )
        for name, (pattern, create) in _MOVE_LINKS.items()
    ),
    *(
        _q(
            name,
            f"MATCH (k:Entity {{uid: $keep}})\nMATCH (d:Entity {{uid: $drop}})\n"
            f"MATCH {pattern}\nWITH k, n, x, properties(x) AS props\nDELETE x\n"
            f"WITH k, n, props\nWHERE n <> k\n{create}\nSET y = props",
            f"Merging two entities ({name}): these links of $drop move to $keep with their "
            "properties; one between the two entities disappears.",
            write=True,
            keep="a",
            drop="b",
        )
        for name, (pattern, create) in _MOVE_PROPERTIED.items()
    ),
    _q(
        "delete_entity",
        """
MATCH (d:Entity {uid: $drop})
DETACH DELETE d
""",
        "Merging two entities: the emptied entity goes.",
        write=True,
        drop="b",
    ),
)

# ---- Refresh (per-source replacement, run ledger) -------------------------------------------
# ``ownership refresh`` (ownership/refresh/replace.py). A run reads what the graph holds of a
# source (its keys and fingerprints, refresh_state_*), compares it with the source's new data on
# the client side, and writes only the difference: new and changed records go through the
# loader, then what is new, changed or back is stamped (``last_seen_run`` = the run, and
# ``seen_fingerprint``: the fingerprint a run last reported, so that a change made by a plain
# `ownership import` in between is still reported), and what the new data lacks is retired
# (``retired_on`` = run date) and kept, so as-of queries before that date still see it. What
# never was stamped (a plain import's) counts as seen with its own fingerprint. All of it is one
# transaction per source: an unchanged source writes nothing.

# what is null is not sent: the last reported fingerprint where it is the current one, the
# entity a record describes where it has the record's uid (a third of the time at 100k)
_REFRESH_STATE_COLUMNS = """x.fingerprint AS fingerprint,
       CASE WHEN x.seen_fingerprint <> x.fingerprint THEN x.seen_fingerprint END AS seen,
       x.retired_on IS NULL AS live"""

REFRESH_STATE_RECORDS = _q(
    "refresh_state_records",
    """
MATCH (x:Record {source: $source})-[:DESCRIBES]->(e:Entity)
RETURN x.uid AS uid, CASE WHEN e.uid <> x.uid THEN e.uid END AS entity, """
    + _REFRESH_STATE_COLUMNS,
    "Refresh: every record of $source (found through the record_source index), the entity it "
    "describes (null: the one with its uid), its fingerprint, the fingerprint the last run "
    "reported (null: the current one, or never stamped) and whether it is in force; streamed "
    "once per source and compared with the new data on the client side.",
    source="seed-registry",
)

_REFRESH_STATE_EDGE = """
MATCH (a:Entity)-[x:%s]->(b:Entity)
WHERE x.source = $source
RETURN x.uid AS uid, a.uid AS owner, b.uid AS owned, """

REFRESH_STATE_OWNERSHIP = _q(
    "refresh_state_ownership",
    _REFRESH_STATE_EDGE % "OWNS" + _REFRESH_STATE_COLUMNS,
    "Refresh: every ownership statement of $source with the entities at its ends (one pass "
    "over the OWNS relationships), as refresh_state_records.",
    source="seed-registry",
)

REFRESH_STATE_OFFICERS = _q(
    "refresh_state_officers",
    _REFRESH_STATE_EDGE % "OFFICER_OF" + _REFRESH_STATE_COLUMNS,
    "Refresh: every officer edge of $source with its ends, as refresh_state_records.",
    source="seed-registry",
)

REFRESH_STATE_SANCTIONS = _q(
    "refresh_state_sanctions",
    """
MATCH (x:Sanction)
WHERE x.source = $source
OPTIONAL MATCH (x)<-[:SUBJECT_TO]-(e:Entity)
RETURN x.uid AS uid, collect(e.uid) AS entities, """
    + _REFRESH_STATE_COLUMNS,
    "Refresh: every sanction listing of $source with the entities it lists, as "
    "refresh_state_records.",
    source="seed-registry",
)

# The same columns for the items a run just wrote, stamped or retired, read inside its
# transaction: the state it commits, kept for the next run (ownership/refresh/state.py).
REFRESH_STATE_RECORDS_OF = _q(
    "refresh_state_records_of",
    """
UNWIND $rows AS row
MATCH (x:Record {uid: row.uid})-[:DESCRIBES]->(e:Entity)
WHERE x.source = $source
RETURN x.uid AS uid, CASE WHEN e.uid <> x.uid THEN e.uid END AS entity, """
    + _REFRESH_STATE_COLUMNS,
    "Refresh: the records {uid} of $source as refresh_state_records reads them, after the run "
    "wrote, stamped or retired them.",
    rows=[{"uid": "seed-registry:c1"}],
    source="seed-registry",
)

_REFRESH_STATE_EDGE_OF = """
UNWIND $rows AS row
MATCH (a:Entity {uid: row.owner})-[x:%s {uid: row.uid}]->(b:Entity)
WHERE x.source = $source
RETURN x.uid AS uid, a.uid AS owner, b.uid AS owned, """

REFRESH_STATE_OWNERSHIP_OF = _q(
    "refresh_state_ownership_of",
    _REFRESH_STATE_EDGE_OF % "OWNS" + _REFRESH_STATE_COLUMNS,
    "Refresh: the ownership edges {uid, owner} of $source (found from their owner entity) as "
    "refresh_state_ownership reads them, after the run wrote, stamped or retired them.",
    rows=[{"uid": "seed-registry:o1", "owner": "seed-registry:c1"}],
    source="seed-registry",
)

REFRESH_STATE_OFFICERS_OF = _q(
    "refresh_state_officers_of",
    _REFRESH_STATE_EDGE_OF % "OFFICER_OF" + _REFRESH_STATE_COLUMNS,
    "Refresh: the officer edges {uid, owner} of $source, as refresh_state_ownership_of.",
    rows=[{"uid": "seed-registry:r1", "owner": "seed-registry:p1"}],
    source="seed-registry",
)

REFRESH_STATE_SANCTIONS_OF = _q(
    "refresh_state_sanctions_of",
    """
UNWIND $rows AS row
MATCH (x:Sanction {uid: row.uid})
WHERE x.source = $source
OPTIONAL MATCH (x)<-[:SUBJECT_TO]-(e:Entity)
RETURN x.uid AS uid, collect(e.uid) AS entities, """
    + _REFRESH_STATE_COLUMNS,
    "Refresh: the sanction listings {uid} of $source as refresh_state_sanctions reads them, "
    "after the run wrote, stamped or retired them.",
    rows=[{"uid": "seed-registry:s1"}],
    source="seed-registry",
)

_REFRESH_STAMP = """
SET x.last_seen_run = $run_id, x.seen_fingerprint = x.fingerprint, x.retired_on = null,
    x.retired_run = null
"""

REFRESH_STAMP_RECORDS = _q(
    "refresh_stamp_records",
    "UNWIND $rows AS row\nMATCH (x:Record {uid: row.uid})" + _REFRESH_STAMP,
    "Refresh: the records {uid} of the new data that are new, changed or back: stamped with "
    "$run_id and their fingerprint, and in force again.",
    write=True,
    rows=[],
    run_id="20240101T000000Z-0000",
)

_REFRESH_STAMP_EDGE = """
UNWIND $rows AS row
MATCH (:Record {uid: row.from_uid})-[:DESCRIBES]->(:Entity)-[x:%s {uid: row.uid}]->(:Entity)
"""

REFRESH_STAMP_OWNERSHIP = _q(
    "refresh_stamp_ownership",
    _REFRESH_STAMP_EDGE % "OWNS" + _REFRESH_STAMP,
    "Refresh: stamp the ownership edges {uid, from_uid} of the new data that are new, changed "
    "or back (found from their owner's record, as the loader writes them).",
    write=True,
    rows=[],
    run_id="20240101T000000Z-0000",
)

REFRESH_STAMP_OFFICERS = _q(
    "refresh_stamp_officers",
    _REFRESH_STAMP_EDGE % "OFFICER_OF" + _REFRESH_STAMP,
    "Refresh: stamp the officer edges {uid, from_uid} of the new data that are new, changed "
    "or back.",
    write=True,
    rows=[],
    run_id="20240101T000000Z-0000",
)

REFRESH_STAMP_SANCTIONS = _q(
    "refresh_stamp_sanctions",
    """
UNWIND $rows AS row
MATCH (x:Sanction {uid: row.uid})
OPTIONAL MATCH (x)<-[t:SUBJECT_TO {uid: row.uid}]-(:Entity)
SET t.last_seen_run = $run_id, t.retired_on = null, t.retired_run = null
WITH DISTINCT x"""
    + _REFRESH_STAMP,
    "Refresh: stamp the sanction listings {uid} of the new data that are new, changed or back, "
    "with their SUBJECT_TO edges.",
    write=True,
    rows=[],
    run_id="20240101T000000Z-0000",
)

REFRESH_REVIVE_ENTITIES = _q(
    "refresh_revive_entities",
    """
UNWIND $uids AS uid
MATCH (:Record {uid: uid})-[:DESCRIBES]->(e:Entity)
WHERE e.retired_on IS NOT NULL
SET e.retired_on = null
""",
    "Refresh: an entity one of whose records $uids is back in its source is no longer retired.",
    write=True,
    uids=[],
)

_REFRESH_RETIRE = """
SET x.retired_on = $run_date, x.retired_run = $run_id
"""

REFRESH_RETIRE_RECORDS = _q(
    "refresh_retire_records",
    "UNWIND $rows AS row\nMATCH (x:Record {uid: row.uid})" + _REFRESH_RETIRE,
    "Refresh: retire the records {uid} of a source that its new data no longer contains "
    "(retired_on = $run_date; kept for as-of queries before that day).",
    write=True,
    rows=[],
    run_id="20240101T000000Z-0000",
    run_date=dt.date(2024, 1, 1),
)

_REFRESH_RETIRE_EDGE = """
UNWIND $rows AS row
MATCH (:Entity {uid: row.owner})-[x:%s {uid: row.uid}]->(:Entity {uid: row.owned})
"""

REFRESH_RETIRE_OWNERSHIP = _q(
    "refresh_retire_ownership",
    _REFRESH_RETIRE_EDGE % "OWNS" + _REFRESH_RETIRE,
    "Refresh: retire the ownership edges {uid, owner, owned} the new data no longer contains "
    "(found from their owner entity: a relationship property has no index on every server).",
    write=True,
    rows=[],
    run_id="20240101T000000Z-0000",
    run_date=dt.date(2024, 1, 1),
)

REFRESH_RETIRE_OFFICERS = _q(
    "refresh_retire_officers",
    _REFRESH_RETIRE_EDGE % "OFFICER_OF" + _REFRESH_RETIRE,
    "Refresh: retire the officer edges {uid, owner, owned} the new data no longer contains.",
    write=True,
    rows=[],
    run_id="20240101T000000Z-0000",
    run_date=dt.date(2024, 1, 1),
)

REFRESH_RETIRE_SANCTIONS = _q(
    "refresh_retire_sanctions",
    """
UNWIND $rows AS row
MATCH (x:Sanction {uid: row.uid})
OPTIONAL MATCH (x)<-[t:SUBJECT_TO {uid: row.uid}]-(:Entity)
SET t.retired_on = $run_date, t.retired_run = $run_id
WITH DISTINCT x"""
    + _REFRESH_RETIRE,
    "Refresh: retire the sanction listings {uid} the new data no longer contains, with their "
    "SUBJECT_TO edges.",
    write=True,
    rows=[],
    run_id="20240101T000000Z-0000",
    run_date=dt.date(2024, 1, 1),
)

REFRESH_RETIRE_ENTITIES = _q(
    "refresh_retire_entities",
    """
UNWIND $uids AS uid
MATCH (:Record {uid: uid})-[:DESCRIBES]->(e:Entity)
WHERE e.retired_on IS NULL
  AND NOT EXISTS { (e)<-[:DESCRIBES]-(live:Record) WHERE live.retired_on IS NULL }
WITH DISTINCT e
SET e.retired_on = $run_date
RETURN count(e) AS retired
""",
    "Refresh: the entities of the records $uids just retired that have no live record left "
    "(from any source) are retired too.",
    write=True,
    uids=[],
    run_date=dt.date(2024, 1, 1),
)

REFRESH_MARK_SOURCE = _q(
    "refresh_mark_source",
    """
MERGE (s:Source {name: $name})
SET s.last_run = $run_id, s.refreshed_at = $now, s.url = $url, s.sha256 = $sha256,
    s.paths = $paths, s.format = $format,
    s.generation = coalesce($generation, s.generation),
    s.imported_at = CASE WHEN $generation IS NULL THEN s.imported_at ELSE $now END,
    s.refreshed_digest = $digest
""",
    "Refresh: the run that last refreshed source $name, when, from where and (for a downloaded "
    "source) from which URL and with which sha256 checksum, and the digest of the files it "
    "brought the source to ($digest: a run that finds the same digest has nothing to compare). "
    "$generation (as in upsert_source) is given only when the run changed the source's data: "
    "the data version (data_version) moves only then, so the answers kept for it stay valid.",
    write=True,
    name="seed-registry",
    run_id="20240101T000000Z-0000",
    now=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    generation=1704067200000000000,
    url=None,
    sha256=None,
    paths=["registry"],
    format="csv",
    digest="0" * 64,
)

REFRESH_SOURCE_DIGEST = _q(
    "refresh_source_digest",
    """
MATCH (s:Source {name: $name})
RETURN s.refreshed_digest AS digest
""",
    "Refresh: the digest of the files the last refresh brought source $name to, unless "
    "something else wrote the source since (upsert_source clears it).",
    name="seed-registry",
)

REFRESH_SAVE_RUN = _q(
    "refresh_save_run",
    """
MERGE (r:Run {run_id: $run_id})
SET r.started_at = $started_at, r.finished_at = $finished_at, r.status = $status,
    r.sources_ok = $sources_ok, r.sources_failed = $sources_failed
""",
    "Refresh: record run $run_id in the graph's run ledger (status running, then ok, partial "
    "or failed).",
    write=True,
    run_id="20240101T000000Z-0000",
    started_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    finished_at=None,
    status="running",
    sources_ok=0,
    sources_failed=0,
)

REFRESH_FAIL_RUNS = _q(
    "refresh_fail_runs",
    """
UNWIND $run_ids AS run_id
MATCH (r:Run {run_id: run_id})
SET r.status = $status
""",
    "Refresh: runs $run_ids that never finished (their process died) get $status (failed).",
    write=True,
    run_ids=[],
    status="failed",
)

REFRESH_RUNS = _q(
    "refresh_runs",
    """
MATCH (r:Run)
RETURN r.run_id AS run_id, r.started_at AS started_at, r.finished_at AS finished_at,
       r.status AS status, r.sources_ok AS sources_ok, r.sources_failed AS sources_failed
ORDER BY started_at DESC, run_id DESC
LIMIT $limit
""",
    "The refresh runs recorded in the graph, newest first.",
    limit=20,
)

REFRESH_RETIRED = _q(
    "refresh_retired",
    """
CALL () {
  MATCH (x:Record) WHERE x.source = $source AND x.retired_on IS NOT NULL
  RETURN head(labels(x)) AS kind, x.uid AS uid, x.retired_on AS retired_on
  UNION ALL
  MATCH ()-[x:OWNS|OFFICER_OF]->() WHERE x.source = $source AND x.retired_on IS NOT NULL
  RETURN type(x) AS kind, x.uid AS uid, x.retired_on AS retired_on
  UNION ALL
  MATCH (x:Sanction) WHERE x.source = $source AND x.retired_on IS NOT NULL
  RETURN head(labels(x)) AS kind, x.uid AS uid, x.retired_on AS retired_on
}
RETURN kind, uid, retired_on
ORDER BY retired_on DESC, kind, uid
""",
    "What source $source no longer contains: its retired records, edges and listings, and "
    "since when.",
    source="seed-registry",
)

# --------------------------------------------------------------------------------------------
# Maintained answers: whole-graph results kept in the graph for the date of the last import
# or refresh (see ownership.analysis.maintained)
# --------------------------------------------------------------------------------------------

MAINTAINED_CLEAR = _q(
    "maintained_clear",
    """
MATCH (m:Maintained {kind: $kind})
DETACH DELETE m
""",
    "Drop every kept answer of kind $kind (flags, gaps, landing): only the newest is kept.",
    write=True,
    kind="flags",
)

MAINTAINED_CLEAR_KEY = _q(
    "maintained_clear_key",
    """
MATCH (m:Maintained {key: $key})
WHERE m.kind = $kind
DETACH DELETE m
""",
    "Drop the kept answer of kind $kind for $key (kinds kept side by side, one per key: "
    "chain questions), before it is kept anew.",
    write=True,
    kind="chains",
    key="JP>RU|via=|hops=6|2022-07-01",
)

MAINTAINED_CLEAR_STALE = _q(
    "maintained_clear_stale",
    """
MATCH (m:Maintained {kind: $kind})
WHERE m.version <> $version
DETACH DELETE m
""",
    "Drop the answers of kind $kind kept for another data version than $version: they can "
    "never be read again.",
    write=True,
    kind="chains",
    version="1|2024-01-01T00:00:00Z|None|0|None",
)

MAINTAINED_CLEAR_LAYOUTS = _q(
    "maintained_clear_layouts",
    """
MATCH (m:Maintained)
WHERE NOT m.version ENDS WITH $stamp
DETACH DELETE m
""",
    "Drop the answers kept in another layout than the one whose stamp ends $stamp (kept by "
    "an earlier version of ownership): they can never be read again.",
    write=True,
    stamp="#layout-2",
)

MAINTAINED_WRITE = _q(
    "maintained_write",
    """
UNWIND $parts AS part
CREATE (:Maintained {kind: $kind, key: $key, as_of: $as_of, version: $version,
                     computed_at: $now, part: part.part, parts: $count, data: part.data,
                     doc: part.doc})
""",
    "Keep a whole-graph answer of kind $kind for $key (its date and settings), computed on "
    "data version $version, as numbered parts of its JSON text (a few large strings read "
    "in one go, where one node per flag took seconds to read back).",
    write=True,
    kind="flags",
    key="2024-01-01",
    as_of=dt.date(2024, 1, 1),
    version="1|2024-01-01T00:00:00Z|None|0|None",
    now=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    count=1,
    parts=[{"part": 0, "data": "[]"}],
)

MAINTAINED_RESTAMP = _q(
    "maintained_restamp",
    """
MATCH (m:Maintained {kind: $kind})
WHERE m.version = $version
SET m.version = $now
""",
    "The answers of kind $kind kept for data version $version hold for version $now too (a "
    "refresh's kept states of the sources it did not change, ownership/refresh/state.py).",
    write=True,
    kind="refresh-state",
    version="1|2024-01-01T00:00:00Z|None|0|None",
    now="1|2024-01-02T00:00:00Z|None|0|None",
)

MAINTAINED_KEPT = _q(
    "maintained_kept",
    """
MATCH (m:Maintained)
WHERE m.part = 0
RETURN m.kind AS kind, m.as_of AS as_of, m.version AS version
""",
    "Which answers are kept, for which date and data version (one small node each): a refresh "
    "that changed nothing computes them again only when they are not kept for its day.",
)

MAINTAINED_READ = _q(
    "maintained_read",
    """
MATCH (m:Maintained {kind: $kind, key: $key})
WHERE m.version = $version
RETURN m.part AS part, m.parts AS parts, m.data AS data
ORDER BY part
""",
    "A kept answer of kind $kind for $key, in its parts, if it was computed on data version "
    "$version (the graph's current one): a stale answer is not even sent.",
    kind="flags",
    key="2024-01-01",
    version="1|2024-01-01T00:00:00Z|None|0|None",
)

MAINTAINED_READ_PARTS = _q(
    "maintained_read_parts",
    """
UNWIND $docs AS doc
MATCH (m:Maintained {doc: doc})
WHERE m.version = $version
RETURN m.part AS part, m.data AS data
ORDER BY part
""",
    "Documents $docs (kind, key and part of a kept answer) if they were computed on data "
    "version $version: a long answer (every chain of a question, the red flags of every "
    "date) read a page at a time, each document found by its own index entry.",
    docs=["chains|JP>RU|via=|hops=6|2022-07-01|0"],
    version="1|2024-01-01T00:00:00Z|None|0|None",
)

MAINTAINED_KEYS = _q(
    "maintained_keys",
    """
MATCH (m:Maintained {kind: $kind})
WHERE m.part = 0
RETURN m.key AS key, m.as_of AS as_of, m.computed_at AS computed_at, m.version AS version,
       m.data AS first
ORDER BY computed_at DESC, key
""",
    "The answers of kind $kind kept side by side (one per key), newest first, with their "
    "first part: the chain questions kept, which an import or refresh keeps up to date.",
    kind="chains",
)

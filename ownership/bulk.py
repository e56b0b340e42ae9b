"""First loads in bulk: the graph of ``ownership import`` as CSV files for ``neo4j-admin``.

``ownership import`` writes over Bolt, a few thousand rows per statement; at a million
companies that takes tens of minutes (``docs/benchmarks.md``). For the *first* load of a Neo4j
database, ``neo4j-admin database import full`` builds the store directly from CSV files,
without transactions. :func:`export_neo4j_admin` writes those files; ``docs/bulk-load.md`` is
the procedure.

There is one interpretation of the data: the source formats yield the same normalized records,
:class:`ownership.loader.Batches` cuts them into the same batches, :func:`ownership.loader.record_row`
makes the same rows, :func:`ownership.loader.resolve_rows` resolves entities the same way
(answering its questions from the export's own index instead of the graph), and
:func:`ownership.holdings.periods` derives the same ``HOLDS``. What the Cypher statements of
the loader do with a row (which properties land on which node, ``SET x += props`` dropping
nulls) is stated here for CSV, and ``tests/test_bulk.py`` compares the two graphs in full.

neo4j-admin cannot write two things the import writes, so the export marks them and
:func:`ownership.loader.finish_bulk_loads` (run by ``ownership db init``, and by any
later import or refresh) completes the graph in the database: empty lists (an empty CSV field is "no property"; nodes are labelled
``BulkLists``) and entities that several records describe (``merge_records`` recomputes their
properties, as the import does after each batch). It also creates the constraints and indexes,
which neo4j-admin does not.

All or nothing: the files are written into a temporary folder next to DIR and renamed to DIR
only when everything was read without a problem; invalid input leaves no DIR behind.
Memory stays bounded: rows stream to the files, and what entity resolution, edge ends and
holdings need to look up (records, identifiers, ownership statements) is kept in a SQLite file
in that temporary folder, not in memory.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

from ownership import holdings
from ownership.loader import (
    BATCH_SIZE,
    Batches,
    _kind,
    _plan,
    address_links,
    identifier_links,
    resolve_rows,
)
from ownership.problems import ProblemLog
from ownership.records import ENTITY_KINDS, ENTITY_LIST_PROPERTIES

ARRAY_DELIMITER = "\x1f"  # the ASCII unit separator: never in names, unlike ";"
ARRAY_DELIMITER_OPTION = "U+001F"  # how neo4j-admin is told
DATABASE = "neo4j"  # the default database of a Neo4j server
ARGUMENTS_FILE = "import.args"  # neo4j-admin's arguments, one a line, for `neo4j-admin … @FILE`


class BulkUnsupported(ValueError):
    """The data holds something the bulk path cannot write as ``ownership import`` would."""


@dataclass
class ExportSummary:
    """What an export read and wrote, and the neo4j-admin command that loads it."""

    source: str
    formats: list[str]
    paths: list[str]
    out: Path
    read: Counter[str] = field(default_factory=Counter)  # records per kind
    nodes: Counter[str] = field(default_factory=Counter)  # per table
    relationships: Counter[str] = field(default_factory=Counter)  # per type
    arguments: list[str] = field(default_factory=list)  # after `neo4j-admin database import full`
    seconds: float = 0.0

    def command(self, database: str = DATABASE) -> str:
        """The whole neo4j-admin command line, for a shell."""
        return "neo4j-admin database import full " + " ".join([database, *self.arguments])

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "formats": self.formats,
            "paths": self.paths,
            "out": str(self.out),
            "read": dict(self.read),
            "nodes": dict(self.nodes),
            "relationships": dict(self.relationships),
            "arguments_file": str(self.out / ARGUMENTS_FILE),
            "command": self.command(),
            "seconds": round(self.seconds, 3),
        }


# --------------------------------------------------------------------------------------------
# CSV tables
# --------------------------------------------------------------------------------------------


_TYPES: dict[type, str] = {
    bool: "boolean",
    int: "long",
    float: "double",
    str: "string",
    dt.datetime: "datetime",
    dt.date: "date",
}


def _csv_type(value: Any) -> str:
    """The neo4j-admin header type of a value, as the driver would store it."""
    kind = _TYPES.get(type(value))
    if kind:
        return kind
    if isinstance(value, list | tuple):
        items = {_TYPES.get(type(item)) for item in value}
        if not items:
            raise BulkUnsupported("an empty list, which neo4j-admin import cannot write")
        if len(items) != 1 or None in items:
            raise BulkUnsupported("a list of values of different or unknown types")
        return f"{items.pop()}[]"
    raise BulkUnsupported(f"a value of type {type(value).__name__}")


@functools.lru_cache(maxsize=64)
def _time_text(value: dt.date) -> str:
    """Dates and times as ISO 8601 (cached: every row of a load has the same time stamps)."""
    return value.isoformat()


def _text(value: Any) -> str:
    """A value as neo4j-admin parses it for its header type."""
    kind = type(value)
    if kind is str:
        return value
    if kind is bool:
        return "true" if value else "false"
    if kind is float:
        return repr(value)
    if kind is dt.datetime or kind is dt.date:
        return _time_text(value)
    if kind is list or kind is tuple:
        text = ARRAY_DELIMITER.join(map(_text, value))
        if text.count(ARRAY_DELIMITER) != len(value) - 1:
            raise BulkUnsupported("a list item holding the array delimiter U+001F")
        return text
    return str(value)


def _field(value: Any) -> str:
    """One CSV field: nothing for no value (no property), else quoted (``""`` is an empty
    string, not no value)."""
    if value is None:
        return ""
    text = value if type(value) is str else _text(value)
    return '"' + text.replace('"', '""') + '"'


class _Table:
    """One kind of node or relationship, written as CSV parts of growing column sets.

    neo4j-admin wants a fixed set of columns per file, but a source's extra columns appear
    only on the rows that have them. A row with a property the current part lacks starts a
    new part with the columns so far plus its own (a column is added once, so there are at
    most as many parts as columns). Types are collected as rows go by; each part's header is
    a file of its own, written at the end, when they are all known.
    """

    def __init__(self, folder: Path, name: str, kind: str, keys: tuple[str, ...]) -> None:
        self.folder = folder
        self.name = name
        self.kind = kind  # "nodes" or "relationships"
        self.keys = keys  # the header's leading columns, e.g. ("uid:ID(Entity)", ":LABEL")
        self.types: dict[str, str] = {}
        self.columns: list[str] = []
        self.known: set[str] = set()
        self.parts: list[tuple[Path, list[str]]] = []
        self.checked: dict[str, type] = {}  # column -> Python type already checked for it
        self.out: Any = None
        self.multiline = False

    def write(self, lead: tuple[Any, ...], props: dict[str, Any]) -> None:
        """One node or relationship: its leading fields (id and labels, or start, end and
        type) and its properties (None: not set)."""
        present = {k: v for k, v in props.items() if v is not None}
        if self.out is None or not self.known.issuperset(present):
            self._start_part([k for k in present if k not in self.known])
        checked = self.checked
        for key, value in present.items():
            if checked.get(key) is not type(value) or type(value) is list:
                self._check(key, value, lead)
        values = [*lead, *map(present.get, self.columns)]
        line = ",".join(  # _field, inlined: it runs for every value of every row
            [
                ""
                if v is None
                else '"' + (v if type(v) is str else _text(v)).replace('"', '""') + '"'
                for v in values
            ]
        )
        if "\n" in line or "\r" in line:
            self.multiline = True
        self.out.write(line + "\n")

    def _check(self, key: str, value: Any, lead: tuple[Any, ...]) -> None:
        """The column's type: the same on every row (a CSV column has one type)."""
        ends = lead[0] if self.kind == "nodes" else f"{lead[0]} -> {lead[1]}"
        what = f"{self.name} {ends}"
        try:
            kind = _csv_type(value)
        except BulkUnsupported as exc:
            raise BulkUnsupported(f"{what}: property {key}: {exc}") from None
        seen = self.types.setdefault(key, kind)
        if seen != kind:
            raise BulkUnsupported(f"{what}: property {key} is {kind} here and {seen} elsewhere")
        self.checked[key] = type(value)

    def _start_part(self, new: list[str]) -> None:
        if self.out is not None:
            self.out.close()
        self.columns = [*self.columns, *new]
        self.known.update(new)
        path = self.folder / f"{self.kind}-{self.name}-{len(self.parts) + 1}.csv"
        self.parts.append((path, list(self.columns)))
        self.out = path.open("w", encoding="utf-8", newline="")

    def close(self) -> list[str]:
        """Write the headers; the neo4j-admin options that load this table."""
        if self.out is not None:
            self.out.close()
        options = []
        for path, columns in self.parts:
            header = path.with_suffix(".header.csv")
            names = [*self.keys, *(f"{c}:{self.types.get(c, 'string')}" for c in columns)]
            header.write_text(",".join(names) + "\n", encoding="utf-8")
            options.append(f"--{self.kind}={header},{path}")
        return options


# --------------------------------------------------------------------------------------------
# The export
# --------------------------------------------------------------------------------------------


class _Index:
    """What the loader's statements look up in the graph, kept in a SQLite file instead."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -65536"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.executescript(
            """
            CREATE TABLE record (uid TEXT PRIMARY KEY, entity TEXT NOT NULL) WITHOUT ROWID;
            CREATE TABLE entity (uid TEXT PRIMARY KEY, kind TEXT, records INTEGER)
                WITHOUT ROWID;
            CREATE TABLE identifies (key TEXT, entity TEXT, kind TEXT,
                PRIMARY KEY (key, entity)) WITHOUT ROWID;
            CREATE TABLE address (uid TEXT PRIMARY KEY) WITHOUT ROWID;
            CREATE TABLE registered (entity TEXT, address TEXT, PRIMARY KEY (entity, address))
                WITHOUT ROWID;
            CREATE TABLE edge (type TEXT, uid TEXT, PRIMARY KEY (type, uid)) WITHOUT ROWID;
            CREATE TABLE owns (owner TEXT, owned TEXT, uid TEXT, source TEXT, share REAL,
                share_min REAL, share_max REAL, start_date TEXT, end_date TEXT, kind TEXT,
                direct INTEGER);
            """
        )
        self.db.execute("BEGIN")

    def lookup(self, sql: str, values: Iterable[str]) -> list[tuple[Any, ...]]:
        """Rows of ``sql`` (with one ``IN (%s)``) for many values, in slices SQLite accepts."""
        values = list(dict.fromkeys(values))
        found: list[tuple[Any, ...]] = []
        for i in range(0, len(values), 30_000):
            chunk = values[i : i + 30_000]
            found += self.db.execute(sql % ",".join("?" * len(chunk)), chunk).fetchall()
        return found

    def add(self, sql: str, values: tuple[Any, ...]) -> bool:
        """Insert a row; False when its key is already there."""
        try:
            self.db.execute(sql, values)
        except sqlite3.IntegrityError:
            return False
        return True

    def close(self) -> None:
        self.db.close()


class _Exporter(Batches):
    """Turns batches of rows into CSV rows, as the loader's statements turn them into graph."""

    def __init__(self, folder: Path, index: _Index, now: dt.datetime, summary: ExportSummary):
        super().__init__(BATCH_SIZE)
        self.index = index
        self.now = now
        self.summary = summary
        self.merged: set[str] = set()

        def table(name: str, kind: str, *keys: str) -> _Table:
            return _Table(folder, name, kind, keys)

        self.tables = {
            "Source": table("source", "nodes", "name:ID(Source)", ":LABEL"),
            "Entity": table("entity", "nodes", "uid:ID(Entity)", ":LABEL"),
            "Record": table("record", "nodes", "uid:ID(Record)", ":LABEL"),
            "Identifier": table("identifier", "nodes", "key:ID(Identifier)", ":LABEL"),
            "Address": table("address", "nodes", "uid:ID(Address)", ":LABEL"),
            "Sanction": table("sanction", "nodes", "uid:ID(Sanction)", ":LABEL"),
            "DESCRIBES": table("describes", "relationships", *_ends("Record", "Entity")),
            "IDENTIFIES": table("identifies", "relationships", *_ends("Identifier", "Entity")),
            "REGISTERED_AT": table("registered-at", "relationships", *_ends("Entity", "Address")),
            "OWNS": table("owns", "relationships", *_ends("Entity", "Entity")),
            "OFFICER_OF": table("officer-of", "relationships", *_ends("Entity", "Entity")),
            "SUBJECT_TO": table("subject-to", "relationships", *_ends("Entity", "Sanction")),
            "HOLDS": table("holds", "relationships", *_ends("Entity", "Entity")),
        }

    # -- batches (the loader's statements, in order) ------------------------------------------

    def write(self, name: str, rows: list[dict[str, Any]]) -> None:
        if name == "entities":
            self._entities(rows)
        elif name == "upsert_sanctions":
            self._sanctions(rows)
        else:
            self._edges("OWNS" if name == "upsert_ownership" else "OFFICER_OF", rows)

    def _entities(self, rows: list[dict[str, Any]]) -> None:
        merged, new = resolve_rows(rows, self._found(rows))
        self.merged |= merged
        for row in new:  # create_companies / create_persons
            kind = row["props"]["kind"]
            if kind not in ENTITY_KINDS:
                continue  # neither statement creates it, so upsert_records finds no entity
            props = {**row["props"], "imported_at": self.now, "updated_at": self.now}
            self._node("Entity", row["entity_uid"], ("Entity", ENTITY_KINDS[kind]), props)
            self.index.add("INSERT INTO entity VALUES (?, ?, 0)", (row["entity_uid"], kind))
        kinds = dict(
            self.index.lookup(
                "SELECT uid, kind FROM entity WHERE uid IN (%s)", [r["entity_uid"] for r in rows]
            )
        )
        for row in rows:  # upsert_records
            if row["entity_uid"] not in kinds:
                continue
            if not self.index.add(
                "INSERT INTO record VALUES (?, ?)", (row["uid"], row["entity_uid"])
            ):
                raise BulkUnsupported(
                    f"record {row['uid']} comes twice in the input (again in "
                    f"{row['props'].get('file')}); `ownership import` loads such data"
                )
            self.index.db.execute(
                "UPDATE entity SET records = records + 1 WHERE uid = ?", (row["entity_uid"],)
            )
            props = {
                **row["props"],
                "imported_at": self.now,
                "fingerprint": row["fingerprint"],
                "updated_at": self.now,
            }
            self._node("Record", row["uid"], ("Record",), props)
            self._relationship("DESCRIBES", row["uid"], row["entity_uid"], {})
        links = [link for link in identifier_links(rows) if link["entity_uid"] in kinds]
        keys = {
            key
            for (key,) in self.index.lookup(
                "SELECT DISTINCT key FROM identifies WHERE key IN (%s)", [k["key"] for k in links]
            )
        }
        for link in links:  # link_identifiers
            key, entity = link["key"], link["entity_uid"]
            if key not in keys:
                keys.add(key)
                identifier = {"scheme": link["scheme"], "value": link["value"]}
                self._node("Identifier", key, ("Identifier",), identifier)
            if self.index.add(
                "INSERT INTO identifies VALUES (?, ?, ?)", (key, entity, kinds[entity])
            ):
                self._relationship("IDENTIFIES", key, entity, {})
        for link in address_links(rows):  # link_addresses
            uid, entity = link["address_uid"], link["entity_uid"]
            if entity not in kinds:
                continue
            if self.index.add("INSERT INTO address VALUES (?)", (uid,)):
                self._node("Address", uid, ("Address",), {"text": link["text"], "key": link["key"]})
            if self.index.add("INSERT INTO registered VALUES (?, ?)", (entity, uid)):
                self._relationship("REGISTERED_AT", entity, uid, {})

    def _found(self, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """The answers of ``cypher.RESOLVE_RECORDS`` for a batch, from the index."""
        uids = [row["uid"] for row in rows]
        known = dict(self.index.lookup("SELECT uid, entity FROM record WHERE uid IN (%s)", uids))
        entities = {
            uid: (kind, records)
            for uid, kind, records in self.index.lookup(
                "SELECT uid, kind, records FROM entity WHERE uid IN (%s)",
                [*uids, *known.values()],
            )
        }
        by_key: dict[str, list[tuple[str, str]]] = {}
        for key, entity, kind in self.index.lookup(
            "SELECT key, entity, kind FROM identifies WHERE key IN (%s)",
            [key for row in rows for key in row["identifiers"]],
        ):
            by_key.setdefault(key, []).append((entity, kind))
        found = {}
        for row in rows:
            kind = row["props"]["kind"]
            entity = known.get(row["uid"])
            found[row["uid"]] = {
                "known": entity,
                "records": entities.get(entity, (None, 0))[1] if entity else 0,
                "same": row["uid"] if row["uid"] in entities else None,
                "matches": sorted(
                    {e for key in row["identifiers"] for e, k in by_key.get(key, ()) if k == kind}
                ),
            }
        return found

    def _described(self, records: Iterable[str]) -> dict[str, str]:
        """The entity each record describes (``MATCH (:Record {uid})-[:DESCRIBES]->(e)``); a
        record not in the graph is missing, and the statement skips its row."""
        return dict(self.index.lookup("SELECT uid, entity FROM record WHERE uid IN (%s)", records))

    def _edges(self, kind: str, rows: list[dict[str, Any]]) -> None:
        """upsert_ownership / upsert_officers."""
        described = self._described(uid for row in rows for uid in (row["from_uid"], row["to_uid"]))
        for row in rows:
            if row["from_uid"] not in described or row["to_uid"] not in described:
                continue
            start, end = described[row["from_uid"]], described[row["to_uid"]]
            self._unique(kind, row)
            props = {
                **row["props"],
                "imported_at": self.now,
                "fingerprint": row["fingerprint"],
                "updated_at": self.now,
            }
            self._relationship(kind, start, end, props)
            if kind == "OWNS":
                p = row["props"]
                self.index.db.execute(
                    "INSERT INTO owns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        start,
                        end,
                        row["uid"],
                        p.get("source"),
                        p.get("share"),
                        p.get("share_min"),
                        p.get("share_max"),
                        _iso(p.get("start_date")),
                        _iso(p.get("end_date")),
                        p.get("kind"),
                        p.get("direct"),
                    ),
                )

    def _sanctions(self, rows: list[dict[str, Any]]) -> None:
        """upsert_sanctions."""
        described = self._described(row["entity_uid"] for row in rows)
        for row in rows:
            if row["entity_uid"] not in described:
                continue
            self._unique("SUBJECT_TO", row)
            props = {
                **row["props"],
                "imported_at": self.now,
                "fingerprint": row["fingerprint"],
                "updated_at": self.now,
            }
            self._node("Sanction", row["uid"], ("Sanction",), props)
            self._relationship(
                "SUBJECT_TO",
                described[row["entity_uid"]],
                row["uid"],
                {
                    "uid": row["uid"],
                    "imported_at": self.now,
                    "source": row["props"].get("source"),
                    "record_id": row["props"].get("record_id"),
                },
            )

    def _unique(self, kind: str, row: dict[str, Any]) -> None:
        if not self.index.add("INSERT INTO edge VALUES (?, ?)", (kind, row["uid"])):
            raise BulkUnsupported(
                f"{kind} {row['uid']} comes twice in the input (again in "
                f"{row['props'].get('file')}); `ownership import` loads such data"
            )

    # -- the end --------------------------------------------------------------------------------

    def holdings(self) -> None:
        """Every HOLDS, from the OWNS statements of each pair (``holdings.recompute``)."""
        rows = self.index.db.execute(
            "SELECT owner, owned, uid, source, share, share_min, share_max, start_date, "
            "end_date, kind, direct FROM owns ORDER BY owner, owned"
        )
        columns = [d[0] for d in rows.description]
        for (owner, owned), pair in groupby(rows, key=lambda r: (r[0], r[1])):
            statements = []
            for values in pair:
                row = dict(zip(columns, values, strict=True))
                row["start_date"] = _date(row["start_date"])
                row["end_date"] = _date(row["end_date"])
                row["direct"] = None if row["direct"] is None else bool(row["direct"])
                statements.append(holdings.Statement.from_row(row))
            for holding in holdings.periods(owner, owned, statements):
                self._relationship("HOLDS", owner, owned, holding.properties())

    def source(self, name: str, summary: ExportSummary) -> None:
        """upsert_source, with the marks ``loader.finish_bulk_loads`` acts on."""
        props = {
            "imported_at": self.now,
            "generation": time.time_ns(),  # as upsert_source: for the data version
            "paths": summary.paths,
            "format": ",".join(sorted(set(summary.formats))),
            "bulk_finish": True,
            "bulk_merge": sorted(self.merged) or None,
        }
        self._node("Source", name, ("Source",), props)

    def close(self) -> list[str]:
        options = []
        for table in self.tables.values():
            options += table.close()
        if any(table.multiline for table in self.tables.values()):
            options.append("--multiline-fields=true")
        return options

    # -- rows -----------------------------------------------------------------------------------

    def _node(self, table: str, key: str, labels: tuple[str, ...], props: dict[str, Any]) -> None:
        id_column = self.tables[table].keys[0].split(":")[0]
        props = {**props, id_column: None}  # the id column holds it
        if table in ("Entity", "Record"):
            empty = [k for k in ENTITY_LIST_PROPERTIES if props.get(k) == []]
            if empty:
                props.update(dict.fromkeys(empty))
                labels = (*labels, "BulkLists")
        self.tables[table].write((key, list(labels)), props)
        self.summary.nodes[table] += 1

    def _relationship(self, kind: str, start: str, end: str, props: dict[str, Any]) -> None:
        self.tables[kind].write((start, end, kind), props)
        self.summary.relationships[kind] += 1


def _ends(start: str, end: str) -> tuple[str, str, str]:
    return (f":START_ID({start})", f":END_ID({end})", ":TYPE")


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def export_neo4j_admin(
    paths: Iterable[Path],
    source: str,
    out: Path,
    fmt: str = "auto",
) -> ExportSummary:
    """Write the graph a first ``ownership import`` of ``paths`` would build as neo4j-admin CSV
    files into the new folder ``out``; raise :class:`~ownership.problems.InvalidData` (and
    write nothing) on any problem in the input."""
    started = time.perf_counter()
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out} exists and is not an empty folder: choose a new one")
    plan = _plan(paths, fmt)
    summary = ExportSummary(source, [f.name for _, f in plan], [str(p) for p, _ in plan], out)
    work = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        index = _Index(work / "index.sqlite")
        try:
            now = dt.datetime.now(dt.UTC).replace(microsecond=0)
            exporter = _Exporter(work, index, now, summary)
            problems = ProblemLog()
            for path, source_format in plan:
                for record in source_format.read(path, source, problems):
                    summary.read[_kind(record)] += 1
                    if not problems:  # after a problem, reading on only finds the others
                        exporter.add(record)
            problems.raise_if_any()
            if not summary.read.total():
                raise BulkUnsupported(f"no records in {', '.join(summary.paths)}: nothing to load")
            exporter.flush_all()
            exporter.holdings()
            exporter.source(source, summary)
            options = exporter.close()
        finally:
            index.close()
        (work / "index.sqlite").unlink()
        final = [option.replace(str(work), str(out.resolve())) for option in options]
        summary.arguments = [
            "--overwrite-destination",
            f"--array-delimiter={ARRAY_DELIMITER_OPTION}",
            f"--report-file={out.resolve() / 'import.report'}",  # not into the current folder
            *final,
        ]
        (work / ARGUMENTS_FILE).write_text("\n".join(summary.arguments) + "\n", encoding="utf-8")
        if out.exists():
            out.rmdir()  # empty, checked above
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    summary.seconds = time.perf_counter() - started
    return summary

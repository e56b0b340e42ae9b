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
which neo4j-admin does not, and stamps the refresh state the export noted as it wrote the rows
(``Maintained`` nodes in the files, as a first ``ownership import`` keeps it) with the data
version: no read of the graph back.

All or nothing: the files are written into a temporary folder next to DIR and renamed to DIR
only when everything was read without a problem; invalid input leaves no DIR behind.
Memory stays bounded: rows stream to the files, and what entity resolution, edge ends and
holdings need to look up (records, identifiers, ownership statements) is kept in a SQLite file
in that temporary folder, not in memory.

Two processes by default: a forked one reads, checks and normalizes the source (the loader's
rows) and writes the record nodes, which depend on a row alone; it sends the rows to this one,
which resolves entities, writes the other tables and derives the holdings (entity resolution
depends on earlier batches, so that part stays sequential).
"""

from __future__ import annotations

import datetime as dt
import functools
import multiprocessing
import operator
import os
import resource
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

from ownership import clock, holdings
from ownership.analysis import maintained
from ownership.loader import (
    BATCH_SIZE,
    Batches,
    _kind,
    _plan,
    address_links,
    identifier_links,
    record_row,
    resolve_rows,
)
from ownership.problems import InvalidData, ProblemLog
from ownership.records import ENTITY_KINDS, ENTITY_LIST_PROPERTIES
from ownership.refresh import state as kept_state
from ownership.sources import SourceFormat

ARRAY_DELIMITER = "\x1f"  # the ASCII unit separator: never in names, unlike ";"
ARRAY_DELIMITER_OPTION = "U+001F"  # how neo4j-admin is told
DATABASE = "neo4j"  # the default database of a Neo4j server
ARGUMENTS_FILE = "import.args"  # neo4j-admin's arguments, one a line, for `neo4j-admin … @FILE`
ROWS_PER_MESSAGE = 1000  # rows the reading process sends at a time


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
    processes: int = 1  # 2: the source was read in a process of its own
    peak_rss_kb: dict[str, int] = field(default_factory=dict)  # per process: export, reader
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # likewise

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
            "processes": self.processes,
            "peak_rss_kb": self.peak_rss_kb,
            "cpu_seconds": self.cpu_seconds,
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


# The fast way of writing a row (_Table._line): its fields joined by a separator no data holds
# (checked by counting), no value written as a marker that is then dropped with its quotes.
_SEPARATOR = "\x1e"  # the ASCII record separator
_NULL = "\x00"
_QUOTED_NULL = f'"{_NULL}"'
_TEXTS: dict[type, Callable[[Any], str]] = {  # C functions: no Python call per value
    str: str,
    type(None): _NULL.format,  # format ignores its argument
    bool: {True: "true", False: "false"}.__getitem__,
    int: int.__repr__,
    float: float.__repr__,
    dt.date: dt.date.isoformat,
    dt.datetime: _time_text,
}


class _Table:
    """One kind of node or relationship, written as CSV parts of growing column sets.

    neo4j-admin wants a fixed set of columns per file, but a source's extra columns appear
    only on the rows that have them. A row with a property the current part lacks starts a
    new part with the columns so far plus its own (a column is added once, so there are at
    most as many parts as columns). Types are collected as rows go by; each part's header is
    a file of its own, written at the end, when they are all known.

    Millions of rows pass here, so a row is turned into text without a Python step per value
    (:meth:`_line`): the Python types of its values (its *shape*) are checked against the
    columns' types once per shape, which also picks the C function that turns each value into
    text, quoting done once on the whole line; any row the fast way cannot write exactly (a
    value holding a separator it uses, an empty list, a list of other items than text) is
    written by :meth:`_checked_line`, value by value, as before.
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
        self.shapes: dict[tuple[type, ...], Any] = {}  # shape -> what _line needs, see _shape
        self.out: Any = None
        self.multiline = False

    def write(self, lead: tuple[Any, ...], props: dict[str, Any]) -> None:
        """One node or relationship: its leading fields (id and labels, or start, end and
        type) and its properties (None: not set)."""
        new = props.keys() - self.known
        if new and any(props[k] is not None for k in new) or self.out is None:
            self._start_part([k for k in props if k in new and props[k] is not None])
        values = [*lead, *map(props.get, self.columns)]
        line = self._line(values)
        if line is None:
            line = self._checked_line(values)
        if "\n" in line or "\r" in line:
            self.multiline = True
        self.out.write(line + "\n")

    def _line(self, values: list[Any]) -> str | None:
        """The CSV line of a row the fast way, or None."""
        shape = tuple(map(type, values))
        found = self.shapes.get(shape)
        if found is None:
            found = self._shape(shape, values)
            if found is None:
                return None
        texts, lists = found
        try:
            body = _SEPARATOR.join(map(operator.call, texts, values))
        except TypeError:  # a list with an item that is not text
            return None
        nulls = values.count(None)
        if body.count(_SEPARATOR) != len(values) - 1 or body.count(_NULL) != nulls:
            return None  # the data holds a separator of ours
        if lists:
            sizes = [len(values[i]) for i in lists]
            if 0 in sizes or body.count(ARRAY_DELIMITER) != sum(sizes) - len(sizes):
                return None  # an empty list, or an item holding the array delimiter
        if '"' in body:
            body = body.replace('"', '""')
        line = '"' + body.replace(_SEPARATOR, '","') + '"'
        return line.replace(_QUOTED_NULL, "") if nulls else line

    def _shape(
        self, shape: tuple[type, ...], values: list[Any]
    ) -> tuple[tuple[Callable[[Any], str], ...], tuple[int, ...]] | None:
        """Check a new shape's types against the columns (raising on a clash): the functions
        that make each value's text and where its lists are, or None when the fast way cannot
        write this shape."""
        texts: list[Callable[[Any], str]] = []
        lists: list[int] = []
        for index, (kind, value) in enumerate(zip(shape, values, strict=True)):
            column = index - len(self.keys)
            if column >= 0 and value is not None:
                self._check(self.columns[column], value, values)
            if kind is list:
                if column >= 0 and self.types[self.columns[column]] != "string[]":
                    return None  # lists of numbers or dates: checked and written row by row
                lists.append(index)
                texts.append(ARRAY_DELIMITER.join)
            else:
                texts.append(_TEXTS.get(kind, _text))
        found = (tuple(texts), tuple(lists))
        self.shapes[shape] = found
        return found

    def _checked_line(self, values: list[Any]) -> str:
        """A row written value by value, every list checked."""
        for index in range(len(self.keys), len(values)):
            value = values[index]
            if type(value) is list:
                self._check(self.columns[index - len(self.keys)], value, values)
        return ",".join(map(_field, values))

    def _check(self, key: str, value: Any, values: list[Any]) -> None:
        """The column's type: the same on every row (a CSV column has one type)."""
        ends = values[0] if self.kind == "nodes" else f"{values[0]} -> {values[1]}"
        what = f"{self.name} {ends}"
        try:
            kind = _csv_type(value)
        except BulkUnsupported as exc:
            raise BulkUnsupported(f"{what}: property {key}: {exc}") from None
        seen = self.types.setdefault(key, kind)
        if seen != kind:
            raise BulkUnsupported(f"{what}: property {key} is {kind} here and {seen} elsewhere")

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
            CREATE TABLE entity (uid TEXT PRIMARY KEY, kind TEXT) WITHOUT ROWID;
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

    def lookup(self, sql: str, values: Iterable[str], *fixed: str) -> list[tuple[Any, ...]]:
        """Rows of ``sql`` (with one ``IN (%s)``, after the parameters ``fixed``) for many
        values, in slices SQLite accepts."""
        values = list(dict.fromkeys(values))
        found: list[tuple[Any, ...]] = []
        for i in range(0, len(values), 30_000):
            chunk = values[i : i + 30_000]
            sql_chunk = sql % ",".join("?" * len(chunk))
            found += self.db.execute(sql_chunk, (*fixed, *chunk)).fetchall()
        return found

    def add(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """Insert rows (whose keys the caller checked are new)."""
        if rows:
            self.db.executemany(sql, rows)

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
        self.state = kept_state.Written()  # what the graph will hold, for the next refresh

        def table(name: str, kind: str, *keys: str) -> _Table:
            return _Table(folder, name, kind, keys)

        self.tables = {
            "Source": table("source", "nodes", "name:ID(Source)", ":LABEL"),
            "Entity": table("entity", "nodes", "uid:ID(Entity)", ":LABEL"),
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
            "Maintained": table("maintained", "nodes", "doc:ID(Maintained)", ":LABEL"),
        }

    # -- batches (the loader's statements, in order) ------------------------------------------

    def write(self, name: str, rows: list[dict[str, Any]]) -> None:
        """One batch of statement ``name``; the rows it writes noted as the refresh state
        (:class:`ownership.refresh.state.Written`: all of them, since a row the statement
        would skip is left out here)."""
        if name == "entities":
            written = self._entities(rows)
        elif name == "upsert_sanctions":
            written = self._sanctions(rows)
        else:
            written = self._edges("OWNS" if name == "upsert_ownership" else "OFFICER_OF", rows)
        self.state.note(name, written, len(written))

    def _entities(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        merged, new = resolve_rows(rows, self._found(rows))
        self.merged |= merged
        created = []
        for row in new:  # create_companies / create_persons
            kind = row["props"]["kind"]
            if kind not in ENTITY_KINDS:
                continue  # neither statement creates it, so upsert_records finds no entity
            props = {**row["props"], "imported_at": self.now, "updated_at": self.now}
            self._node("Entity", row["entity_uid"], ("Entity", ENTITY_KINDS[kind]), props)
            created.append((row["entity_uid"], kind))
        self.index.add("INSERT INTO entity VALUES (?, ?)", created)
        kinds = dict(
            self.index.lookup(
                "SELECT uid, kind FROM entity WHERE uid IN (%s)", [r["entity_uid"] for r in rows]
            )
        )
        seen = set(self._described(row["uid"] for row in rows))
        described = []
        written = [row for row in rows if row["entity_uid"] in kinds]
        for row in written:  # upsert_records
            if row["uid"] in seen:
                raise BulkUnsupported(
                    f"record {row['uid']} comes twice in the input (again in "
                    f"{row['props'].get('file')}); `ownership import` loads such data"
                )
            seen.add(row["uid"])
            described.append((row["uid"], row["entity_uid"]))  # its node: _RecordNodes
            self._relationship("DESCRIBES", row["uid"], row["entity_uid"], {})
        self.index.add("INSERT INTO record VALUES (?, ?)", described)
        links = [link for link in identifier_links(rows) if link["entity_uid"] in kinds]
        pairs = set(
            self.index.lookup(
                "SELECT key, entity FROM identifies WHERE key IN (%s)", [k["key"] for k in links]
            )
        )
        keys = {key for key, _ in pairs}
        identifies = []
        for link in links:  # link_identifiers
            key, entity = link["key"], link["entity_uid"]
            if key not in keys:
                keys.add(key)
                identifier = {"scheme": link["scheme"], "value": link["value"]}
                self._node("Identifier", key, ("Identifier",), identifier)
            if (key, entity) not in pairs:
                pairs.add((key, entity))
                identifies.append((key, entity, kinds[entity]))
                self._relationship("IDENTIFIES", key, entity, {})
        self.index.add("INSERT INTO identifies VALUES (?, ?, ?)", identifies)
        links = [link for link in address_links(rows) if link["entity_uid"] in kinds]
        places = {
            uid
            for (uid,) in self.index.lookup(
                "SELECT uid FROM address WHERE uid IN (%s)", [k["address_uid"] for k in links]
            )
        }
        registered = set(
            self.index.lookup(
                "SELECT entity, address FROM registered WHERE entity IN (%s)",
                [k["entity_uid"] for k in links],
            )
        )
        new_places, new_registered = [], []
        for link in links:  # link_addresses
            uid, entity = link["address_uid"], link["entity_uid"]
            if uid not in places:
                places.add(uid)
                new_places.append((uid,))
                self._node("Address", uid, ("Address",), {"text": link["text"], "key": link["key"]})
            if (entity, uid) not in registered:
                registered.add((entity, uid))
                new_registered.append((entity, uid))
                self._relationship("REGISTERED_AT", entity, uid, {})
        self.index.add("INSERT INTO address VALUES (?)", new_places)
        self.index.add("INSERT INTO registered VALUES (?, ?)", new_registered)
        return written

    def _found(self, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """The answers of ``cypher.RESOLVE_RECORDS`` for a batch, from the index. A record
        the index knows already comes twice in the input, which the export refuses (in
        ``_entities``), so the number of records of its entity matters to nothing: 0."""
        uids = [row["uid"] for row in rows]
        known = self._described(uids)
        entities = {
            uid
            for (uid,) in self.index.lookup(
                "SELECT uid FROM entity WHERE uid IN (%s)", [*uids, *known.values()]
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
            found[row["uid"]] = {
                "known": known.get(row["uid"]),
                "records": 0,
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

    def _edges(self, kind: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """upsert_ownership / upsert_officers."""
        described = self._described(uid for row in rows for uid in (row["from_uid"], row["to_uid"]))
        rows = [r for r in rows if r["from_uid"] in described and r["to_uid"] in described]
        self._unique(kind, rows)
        owns = []
        for row in rows:
            start, end = described[row["from_uid"]], described[row["to_uid"]]
            props = {
                **row["props"],
                "imported_at": self.now,
                "fingerprint": row["fingerprint"],
                "updated_at": self.now,
            }
            self._relationship(kind, start, end, props)
            if kind == "OWNS":
                p = row["props"]
                owns.append(
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
                    )
                )
        self.index.add("INSERT INTO owns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", owns)
        return rows

    def _sanctions(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """upsert_sanctions."""
        described = self._described(row["entity_uid"] for row in rows)
        rows = [row for row in rows if row["entity_uid"] in described]
        self._unique("SUBJECT_TO", rows)
        for row in rows:
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
        return rows

    def _unique(self, kind: str, rows: list[dict[str, Any]]) -> None:
        """Refuse a relationship the input gives twice (the loader would update the first)."""
        seen = {
            uid
            for (uid,) in self.index.lookup(
                "SELECT uid FROM edge WHERE type = ? AND uid IN (%s)",
                [r["uid"] for r in rows],
                kind,
            )
        }
        for row in rows:
            if row["uid"] in seen:
                raise BulkUnsupported(
                    f"{kind} {row['uid']} comes twice in the input (again in "
                    f"{row['props'].get('file')}); `ownership import` loads such data"
                )
            seen.add(row["uid"])
        self.index.add("INSERT INTO edge VALUES (?, ?)", [(kind, row["uid"]) for row in rows])

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
        """upsert_source, with the marks ``loader.finish_bulk_loads`` acts on, and the refresh
        state the rows written leave the source in (as a first ``ownership import`` notes it,
        :class:`ownership.refresh.state.Written`), kept as ``import`` keeps it but for a
        placeholder version that ``db init`` replaces with the graph's data version
        (:func:`ownership.refresh.state.keep_bulk`): no read of the graph back."""
        generation = time.time_ns()  # as upsert_source: for the data version
        props = {
            "imported_at": self.now,
            "generation": generation,
            "paths": summary.paths,
            "format": ",".join(sorted(set(summary.formats))),
            "bulk_finish": True,
            "bulk_merge": sorted(self.merged) or None,
        }
        self._node("Source", name, ("Source",), props)
        count, documents = kept_state.kept_documents(self.state.packed())
        version = kept_state.bulk_version(generation)
        for node in maintained.document_nodes(
            kept_state.KIND, name, documents, version, count, self.now
        ):
            self._node("Maintained", node["doc"], ("Maintained",), node)

    def close(self, record_options: list[str], record_multiline: bool) -> list[str]:
        """Every table's neo4j-admin options, the record nodes' (written apart) among them."""
        options = []
        for name, table in self.tables.items():
            options += table.close()
            if name == "Entity":
                options += record_options
        if record_multiline or any(table.multiline for table in self.tables.values()):
            options.append("--multiline-fields=true")
        return options

    # -- rows -----------------------------------------------------------------------------------

    def _node(self, table: str, key: str, labels: tuple[str, ...], props: dict[str, Any]) -> None:
        _write_node(self.tables[table], key, labels, props)
        self.summary.nodes[table] += 1

    def _relationship(self, kind: str, start: str, end: str, props: dict[str, Any]) -> None:
        self.tables[kind].write((start, end, kind), props)
        self.summary.relationships[kind] += 1


def _write_node(table: _Table, key: str, labels: tuple[str, ...], props: dict[str, Any]) -> None:
    """A node's row: its key in the id column (not again as a property), its empty entity
    lists left out and the node labelled ``BulkLists`` for ``db init`` to give them back."""
    props = {**props, table.keys[0].split(":")[0]: None}
    if "Entity" in labels or "Record" in labels:
        empty = [k for k in ENTITY_LIST_PROPERTIES if props.get(k) == []]
        if empty:
            props.update(dict.fromkeys(empty))
            labels = (*labels, "BulkLists")
    table.write((key, list(labels)), props)


class _RecordNodes:
    """The ``Record`` nodes (``upsert_records``), written where the rows are made: in the
    reading process when there are two, which takes the widest table off the exporting one.

    A record's node depends on its row alone: it is written when its entity exists, that is
    when the row's kind is one of ``ENTITY_KINDS`` (a row of another kind founds no entity and
    matches none, since matches are of the same kind; a record given twice, the one other way
    for a row to find its entity, makes the exporter refuse the whole input)."""

    def __init__(self, folder: Path, now: dt.datetime) -> None:
        self.table = _Table(folder, "record", "nodes", ("uid:ID(Record)", ":LABEL"))
        self.now = now
        self.count = 0

    def add(self, name: str, row: dict[str, Any]) -> None:
        if name != "entities" or row["props"]["kind"] not in ENTITY_KINDS:
            return
        props = {
            **row["props"],
            "imported_at": self.now,
            "fingerprint": row["fingerprint"],
            "updated_at": self.now,
        }
        _write_node(self.table, row["uid"], ("Record",), props)
        self.count += 1

    def close(self) -> dict[str, Any]:
        """What the export needs of the table: its neo4j-admin options, node count and
        whether a value spans lines."""
        return {
            "options": self.table.close(),
            "count": self.count,
            "multiline": self.table.multiline,
        }


def _ends(start: str, end: str) -> tuple[str, str, str]:
    return (f":START_ID({start})", f":END_ID({end})", ":TYPE")


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


@functools.lru_cache(maxsize=65_536)  # a few thousand distinct days among millions of rows
def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def default_processes() -> int:
    """2 when the machine has a core to spare for the second process, else 1.

    Two processes cost more CPU in all (the rows are pickled across), so they only pay when
    both get a core: at 100k, 30 s in one process against 45 s in two at load 4 on 2 cores
    (docs/bulk-load.md)."""
    cores = os.cpu_count() or 1
    return 2 if os.getloadavg()[0] + 2 <= cores else 1


def _usage() -> tuple[int, float]:
    """This process's peak resident memory (KB) and CPU time (s) so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_maxrss, round(usage.ru_utime + usage.ru_stime, 3)


Plan = list[tuple[Path, SourceFormat]]


def _rows(
    plan: Plan, source: str, read: Counter[str], records: _RecordNodes
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The loader's row of every record of the source, in order, as ``ownership import``
    reads them (counted in ``read``), each record's node written to ``records``;
    :class:`InvalidData` once everything was read, if anything was wrong (no rows after the
    first problem: reading on only finds the others)."""
    problems = ProblemLog()
    for path, source_format in plan:
        for record in source_format.read(path, source, problems):
            read[_kind(record)] += 1
            if not problems:
                name, row = record_row(record)
                records.add(name, row)
                yield name, row
    problems.raise_if_any()


def _reader(connection: Any, plan: Plan, source: str, records: _RecordNodes) -> None:
    """The reading process: :func:`_rows` sent in messages, then how it ended."""
    read: Counter[str] = Counter()
    try:
        chunk = []
        for item in _rows(plan, source, read, records):
            chunk.append(item)
            if len(chunk) >= ROWS_PER_MESSAGE:
                connection.send(("rows", chunk))
                chunk = []
        connection.send(("rows", chunk))
        connection.send(("done", (read, records.close(), _usage())))
    except InvalidData as exc:
        connection.send(("invalid", (exc.problems, read)))
    except BaseException as exc:  # noqa: BLE001 - every failure is told to the exporting process
        try:
            connection.send(("error", exc))
        except Exception:  # noqa: BLE001 - an exception that does not pickle
            connection.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        connection.close()


def _rows_read_apart(
    plan: Plan, source: str, records: _RecordNodes, summary: ExportSummary, done: dict[str, Any]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """:func:`_rows`, made by a process of its own (forked): reading, checking and
    normalizing the source and writing the record nodes then run beside the export's own
    work, on a second core; ``done`` gets what :meth:`_RecordNodes.close` says."""
    read = summary.read
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_reader, args=(sender, plan, source, records), daemon=True)
    child.start()
    sender.close()
    try:
        while True:
            try:
                kind, value = receiver.recv()
            except EOFError:
                child.join()
                raise RuntimeError(
                    f"the process reading the source ended without a word "
                    f"(exit status {child.exitcode})"
                ) from None
            if kind == "rows":
                yield from value
            elif kind == "done":
                counts, closed, (rss, cpu) = value
                read.update(counts)
                done.update(closed)
                summary.peak_rss_kb["reader"] = rss
                summary.cpu_seconds["reader"] = cpu
                return
            elif kind == "invalid":
                problems, counts = value
                read.update(counts)
                raise InvalidData(problems)
            else:
                raise value
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
        child.join()


def export_neo4j_admin(
    paths: Iterable[Path],
    source: str,
    out: Path,
    fmt: str = "auto",
    processes: int | None = None,
) -> ExportSummary:
    """Write the graph a first ``ownership import`` of ``paths`` would build as neo4j-admin CSV
    files into the new folder ``out``; raise :class:`~ownership.problems.InvalidData` (and
    write nothing) on any problem in the input. With ``processes`` 2 the source is read in a
    process of its own (the same records and rows, made beside the export's work); None:
    :func:`default_processes`."""
    started = time.perf_counter()
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out} exists and is not an empty folder: choose a new one")
    plan = _plan(paths, fmt)
    summary = ExportSummary(source, [f.name for _, f in plan], [str(p) for p, _ in plan], out)
    summary.processes = 2 if (processes or default_processes()) > 1 else 1
    work = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        now = clock.now()
        records: dict[str, Any] = {}  # the record nodes' table, once written
        rows = (_rows_read_apart if summary.processes > 1 else _rows_here)(
            plan, source, _RecordNodes(work, now), summary, records
        )
        index = _Index(work / "index.sqlite")
        try:
            exporter = _Exporter(work, index, now, summary)
            for name, row in rows:
                exporter.add_row(name, row)
            if not summary.read.total():
                raise BulkUnsupported(f"no records in {', '.join(summary.paths)}: nothing to load")
            exporter.flush_all()
            exporter.holdings()
            exporter.source(source, summary)
            options = exporter.close(records["options"], records["multiline"])
            summary.nodes["Record"] = records["count"]
        finally:
            index.close()
            rows.close()
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
    summary.peak_rss_kb["export"], summary.cpu_seconds["export"] = _usage()
    summary.seconds = time.perf_counter() - started
    return summary


def _rows_here(
    plan: Plan, source: str, records: _RecordNodes, summary: ExportSummary, done: dict[str, Any]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """:func:`_rows` in this process."""
    yield from _rows(plan, source, summary.read, records)
    done.update(records.close())

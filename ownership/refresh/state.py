"""What the graph holds of one source, as a refresh compares it, and that state kept beside the
data version it is true for.

A refresh compares a source's new records with every record, edge and listing the graph holds
of it (key, fingerprint, the fingerprint the last run reported, in force or not: :class:`State`).
Reading that back from the graph is one row per item over Bolt, most of a refresh's time at a
million companies (185 s of 331 s on Neo4j, 2026-12-07). So ``ownership import`` and every
refresh keep the state they leave the source in, packed into a few hundred compressed documents
(:func:`keep`), stamped with the data version (:func:`ownership.analysis.stats.data_version`)
it is true for; the next refresh reads them instead of the graph while the version has not
moved (:func:`load`). Every other writer (an import, an unload, a match decision, a refresh that
changed something and did not keep its state) moves the version, and the refresh then reads the
graph as before: a kept state is used only when nothing but the refresh that kept it has
written since.

An import does not read it back when it need not: a source's first load notes, as it writes,
the state it leaves the source in (:class:`Written`: every item new, with the fingerprint and
the entities the import gave it), which is exactly what a read would give; any other import
reads it back (:func:`keep_after_import`). Either way the items are packed as they come
(:class:`Packer`, spooled to a temporary file) and the documents written as they are made, so
neither the state nor its documents are ever all in memory; a refresh decodes the documents as
it reads them (:func:`load`).

They are kept in the graph, as the whole-graph answers are
(:mod:`ownership.analysis.maintained`, kind :data:`KIND`, one answer per source), not in a file
under ``OWNERSHIP_HOME``: the data version they are stamped with is the graph's, so they travel
with it (a Neo4j server used from several hosts, the importer and the explorer in separate
containers of docker compose, a backup restored) and an ``ownership`` pointed at another graph
never finds a state that is not this graph's.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import sys
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ownership import cypher
from ownership.analysis import maintained
from ownership.analysis.stats import version_of
from ownership.graph import Graph, Transaction

KIND = "refresh-state"
DOC_CHARS = 1_000_000  # base64 characters per kept document (one node; read a few at a time)
READ_DOCS = 16  # documents read per query
LAYOUT = 2  # of the packed state (:func:`encode`), in each frame: another is not read
FRAME = 50_000  # items per frame of the packed state
NAMES = ("entities", "upsert_ownership", "upsert_officers", "upsert_sanctions")
EDGES = frozenset({"upsert_ownership", "upsert_officers"})
STATE_QUERIES = {
    "entities": cypher.REFRESH_STATE_RECORDS,
    "upsert_ownership": cypher.REFRESH_STATE_OWNERSHIP,
    "upsert_officers": cypher.REFRESH_STATE_OFFICERS,
    "upsert_sanctions": cypher.REFRESH_STATE_SANCTIONS,
}
# the same columns for the items just written, stamped or retired (read inside the run's
# transaction, so the state kept is the one it commits)
AGAIN_QUERIES = {
    "entities": cypher.REFRESH_STATE_RECORDS_OF,
    "upsert_ownership": cypher.REFRESH_STATE_OWNERSHIP_OF,
    "upsert_officers": cypher.REFRESH_STATE_OFFICERS_OF,
    "upsert_sanctions": cypher.REFRESH_STATE_SANCTIONS_OF,
}
BATCH = 5000  # keys per statement reading items again

# What the graph holds of one item, packed in one int (about 70 bytes where a tuple of two
# hex strings and two flags took 300: a million-company source holds four million items):
# the fingerprint, the fingerprint the last run reported, and two flags.
LIVE, SEEN = 1, 2  # in force; found in the new data by this run
FP = 160  # bits of a fingerprint (a sha1)
FP_BYTES = FP // 8
_MASK = (1 << FP) - 1

Key = str | tuple[str, str, str]  # a record's or listing's uid; an edge's (uid, owner, owned)


def pack(fingerprint: int, seen: int, flags: int) -> int:
    return (fingerprint << (FP + 2)) | (seen << 2) | flags


def unpack(value: int) -> tuple[int, int, int]:
    """(fingerprint, fingerprint last reported, flags) as ints."""
    return value >> (FP + 2), (value >> 2) & _MASK, value & 3


@dataclass
class State:
    """Every item the graph holds of a source: ``items[statement][key]`` packed by
    :func:`pack`, the entity each record describes where its uid differs (``entity_of``) and
    the entities each sanction listing lists (``listed``)."""

    items: dict[str, dict[Key, int]] = field(default_factory=lambda: {n: {} for n in NAMES})
    entity_of: dict[str, str] = field(default_factory=dict)
    listed: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def read(cls, tx: Transaction, source: str) -> State:
        """Stream what the graph holds of ``source`` (one read per statement)."""
        state = cls()
        for name, query in STATE_QUERIES.items():
            for row in tx.stream(query, source=source):
                state.add(name, row)
        return state

    def add(self, name: str, row: dict[str, Any]) -> None:
        """One row of a ``refresh_state_*`` query."""
        fingerprint = int(row["fingerprint"], 16)
        seen = int(row["seen"], 16) if row["seen"] else fingerprint
        value = pack(fingerprint, seen, LIVE if row["live"] else 0)
        uid = sys.intern(row["uid"])
        if name == "entities":
            if row["entity"]:
                self.entity_of[uid] = row["entity"]
            else:
                self.entity_of.pop(uid, None)
            self.items[name][uid] = value
        elif name in EDGES:
            self.items[name][(uid, sys.intern(row["owner"]), sys.intern(row["owned"]))] = value
        else:
            self.listed[uid] = tuple(sorted(row["entities"]))  # in any order the server gives
            self.items[name][uid] = value

    def read_again(
        self,
        tx: Transaction,
        source: str,
        touched: dict[str, set[str]],
        owners_named: dict[str, set[tuple[str, str]]],
    ) -> None:
        """Replace what this state holds of the items ``touched`` (uids per statement) by what
        the transaction now holds of them, after a run wrote, stamped or retired them. An edge
        is read again from every owner this state had it from and from the entity of the
        record that now names its owner (``owners_named``: edge uid, owner record uid), read
        again first: a new record may have joined an entity already there."""
        records = sorted(touched["entities"])
        for uid in records:
            self.items["entities"].pop(uid, None)
            self.entity_of.pop(uid, None)
        self._again(tx, source, "entities", [{"uid": uid} for uid in records])
        for name in EDGES:
            uids = touched[name]
            if not uids:
                continue
            items = self.items[name]
            held = [key for key in items if key[0] in uids]  # type: ignore[index]
            pairs = {(key[0], key[1]) for key in held}  # type: ignore[index]
            for key in held:
                del items[key]
            pairs |= {
                (uid, self.entity_of.get(record, record)) for uid, record in owners_named[name]
            }
            self._again(tx, source, name, [{"uid": u, "owner": o} for u, o in sorted(pairs)])
        listings = sorted(touched["upsert_sanctions"])
        for uid in listings:
            self.items["upsert_sanctions"].pop(uid, None)
            self.listed.pop(uid, None)
        self._again(tx, source, "upsert_sanctions", [{"uid": uid} for uid in listings])

    def _again(self, tx: Transaction, source: str, name: str, rows: list[dict[str, str]]) -> None:
        for start in range(0, len(rows), BATCH):
            for row in tx.read(
                AGAIN_QUERIES[name], rows=rows[start : start + BATCH], source=source
            ):
                self.add(name, row)


@dataclass
class Left:
    """What a refresh left a source in: its state (None: the one it read from what was kept,
    untouched) and the data versions its transaction began and ended with (comparable forms,
    :func:`versions`)."""

    state: State | None
    began: str
    ended: str
    entities: set[str] = field(default_factory=set)  # touched (Changes.entities)


# -- kept beside the data version ---------------------------------------------------------------


class Packer:
    """Items packed as they come: frames of :data:`FRAME` items of one statement, each
    compressed into one zlib stream as it fills and that stream spooled to a temporary file,
    then handed out as documents of :data:`DOC_CHARS` base64 characters (:meth:`documents`).
    Neither the items nor the documents are ever all in memory (a state of four million items
    is about 180 MB packed); frames of several statements may come in any order.

    A frame: a 4-byte length, a JSON header (layout, statement, the keys as a list of
    strings), then per item its fingerprint (20 bytes), one byte of flags (in force; last
    reported fingerprint differs), and the last reported fingerprints that differ."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # closed once its documents are read
        self._deflate = zlib.compressobj(1)
        self._frames = {name: _Frame() for name in NAMES}

    def add(
        self, name: str, keys: tuple[Any, ...], fingerprint: bytes, last: bytes, live: bool
    ) -> None:
        """One item of statement ``name``: its keys (a record: uid and the entity it describes,
        "" for its own; an edge: uid, owner, owned; a listing: uid and the entities it lists),
        its fingerprint and the last reported one (20 bytes each), in force or not."""
        frame = self._frames[name]
        frame.keys.extend(keys)
        frame.fingerprints += fingerprint
        differs = last != fingerprint
        frame.flags.append((LIVE if live else 0) | (2 if differs else 0))
        if differs:
            frame.seen += last
        if len(frame.flags) >= FRAME:
            self._flush(name)

    def add_row(self, name: str, row: dict[str, Any]) -> None:
        """One row of a ``refresh_state_*`` query, as :meth:`State.add` reads it."""
        fingerprint = bytes.fromhex(row["fingerprint"])
        last = bytes.fromhex(row["seen"]) if row["seen"] else fingerprint
        if name == "entities":
            keys: tuple[Any, ...] = (row["uid"], row["entity"] or "")
        elif name in EDGES:
            keys = (row["uid"], row["owner"], row["owned"])
        else:
            keys = (row["uid"], sorted(row["entities"]))
        self.add(name, keys, fingerprint, last, row["live"])

    def _flush(self, name: str) -> None:
        frame = self._frames[name]
        if frame.flags:
            header = json.dumps({"layout": LAYOUT, "name": name, "keys": frame.keys}).encode()
            self._file.write(
                self._deflate.compress(
                    b"".join(
                        (
                            len(header).to_bytes(4, "big"),
                            header,
                            frame.fingerprints,
                            frame.flags,
                            frame.seen,
                        )
                    )
                )
            )
            self._frames[name] = _Frame()

    def documents(self) -> tuple[int, Iterator[str]]:
        """How many documents the packed items make, and those documents one at a time (read
        from the spooled stream, which is then dropped); nothing can be added after."""
        for name in NAMES:
            self._flush(name)
        self._file.write(self._deflate.flush())
        size = self._file.tell()
        step = DOC_CHARS // 4 * 3  # bytes per document: base64 turns 3 bytes into 4 characters
        count = -(-size // step)
        self._file.seek(0)

        def read() -> Iterator[str]:
            with self._file:
                while chunk := self._file.read(step):
                    yield base64.b64encode(chunk).decode()

        return count, read()


@dataclass
class _Frame:
    keys: list[Any] = field(default_factory=list)
    fingerprints: bytearray = field(default_factory=bytearray)
    flags: bytearray = field(default_factory=bytearray)
    seen: bytearray = field(default_factory=bytearray)


def pack_state(state: State) -> Packer:
    """``state`` packed (:class:`Packer`)."""
    packer = Packer()
    for name in NAMES:
        for key, value in state.items[name].items():
            fingerprint, last, bits = unpack(value)
            if name in EDGES:
                keys: tuple[Any, ...] = key  # type: ignore[assignment]
            elif name == "entities":
                keys = (key, state.entity_of.get(key, ""))  # type: ignore[arg-type]
            else:
                keys = (key, list(state.listed.get(key, ())))  # type: ignore[arg-type]
            packer.add(
                name,
                keys,
                fingerprint.to_bytes(FP_BYTES, "big"),
                last.to_bytes(FP_BYTES, "big"),
                bool(bits & LIVE),
            )
    return packer


def encode(state: State) -> Iterator[str]:
    """The documents :func:`keep` keeps of ``state``."""
    return pack_state(state).documents()[1]


def decode(documents: Iterable[str]) -> State | None:
    """The state :func:`encode` packed, decompressed and read a frame at a time as its
    documents come; None when it is in another layout."""
    state = State()
    inflate = zlib.decompressobj()
    buffer = bytearray()
    for document in documents:
        buffer += inflate.decompress(base64.b64decode(document))
        if not _read_frames(state, buffer):
            return None
    buffer += inflate.flush()
    if not _read_frames(state, buffer) or buffer:
        return None
    return state


def _read_frames(state: State, buffer: bytearray) -> bool:
    """Read the whole frames at the start of ``buffer`` into ``state`` and drop them; False
    when one is in another layout."""
    at = 0
    while len(buffer) - at >= 4:
        size = int.from_bytes(buffer[at : at + 4], "big")
        if len(buffer) - at < 4 + size:
            break
        header = json.loads(bytes(buffer[at + 4 : at + 4 + size]))
        if header.get("layout") != LAYOUT:
            return False
        name, keys = header["name"], header["keys"]
        count = len(keys) // (3 if name in EDGES else 2)
        body = at + 4 + size
        flags = buffer[body + count * FP_BYTES : body + count * (FP_BYTES + 1)]
        end = body + count * (FP_BYTES + 1) + sum(f >> 1 for f in flags) * FP_BYTES
        if len(buffer) < end:
            break
        fingerprints = bytes(buffer[body : body + count * FP_BYTES])
        seen = bytes(buffer[body + count * (FP_BYTES + 1) : end])
        _add_frame(state, name, keys, fingerprints, bytes(flags), seen)
        at = end
    del buffer[:at]
    return True


def _add_frame(
    state: State, name: str, keys: list[Any], fingerprints: bytes, flags: bytes, seen: bytes
) -> None:
    items = state.items[name]
    last_at = 0
    for i, bits in enumerate(flags):
        fingerprint = int.from_bytes(fingerprints[i * FP_BYTES : (i + 1) * FP_BYTES], "big")
        last = fingerprint
        if bits & 2:
            last = int.from_bytes(seen[last_at : last_at + FP_BYTES], "big")
            last_at += FP_BYTES
        value = pack(fingerprint, last, bits & LIVE)
        if name in EDGES:
            uid, owner, owned = keys[3 * i : 3 * i + 3]
            items[(sys.intern(uid), sys.intern(owner), sys.intern(owned))] = value
        else:
            uid, extra = sys.intern(keys[2 * i]), keys[2 * i + 1]
            items[uid] = value
            if name == "entities":
                if extra:
                    state.entity_of[uid] = extra
            else:
                state.listed[uid] = tuple(extra)


def keep(graph: Graph, source: str, state: State, version: str) -> None:
    """Keep ``state`` as what the graph holds of ``source`` at data ``version``."""
    keep_packed(graph, source, pack_state(state), version)


def keep_packed(graph: Graph, source: str, packer: Packer, version: str) -> None:
    """Keep the items ``packer`` packed as what the graph holds of ``source`` at data
    ``version``: a first document saying how many follow, then the packed state, written a
    statement's worth at a time as they are read from the packer's spool."""
    count, documents = kept_documents(packer)
    maintained.store_documents(graph, KIND, source, None, documents, version, count=count)


def kept_documents(packer: Packer) -> tuple[int, Iterator[Any]]:
    """The documents a state packed by ``packer`` is kept as (:func:`load` reads them): a
    first saying how many follow, then the packed state; how many in all, and the documents
    made one at a time."""
    count, documents = packer.documents()
    return count + 1, itertools.chain([{"documents": count}], documents)


def bulk_version(generation: int) -> str:
    """What the state a bulk export noted (:mod:`ownership.bulk`) is kept for until ``db
    init`` finishes the load (:func:`keep_bulk`): not a data version, since the graph's own
    is only read once neo4j-admin has built it; the export's clock (the Source's
    ``generation``) tells one export's from another's."""
    return f"bulk|{generation}"


def keep_bulk(graph: Graph, source: str, generation: int, keep: bool) -> bool:
    """A bulk-loaded ``source`` is being finished: its state, which the export noted as it
    wrote the files (every item new, as :class:`Written` notes a first load), is restamped
    with the data version the load left (``keep``), or dropped (not ``keep``: ``db init
    --no-maintain`` keeps nothing, as ``import --no-maintain``). Whether it is kept now.

    Nothing but the export wrote the source while it is unfinished (any import or refresh
    finishes bulk loads first), so the noted state is what the graph holds, unless a match
    decision was recorded on the loaded graph before this (it may have moved records to
    another entity): then it is dropped, and ``db init`` reads the state back
    (:func:`keep_after_import`), as when the export noted none (an older ``ownership``)."""
    placeholder = bulk_version(generation)
    now = versions(graph)[0]
    if keep and _decisions(now) == ["0", "None"]:
        maintained.restamp(graph, KIND, placeholder, now)
        return maintained.load_documents(graph, KIND, source, [0], now) is not None
    maintained.forget(graph, KIND, source)  # what the export noted: the source was unfinished
    return False


def load(graph: Graph, source: str, version: str) -> State | None:
    """The state kept of ``source`` for data ``version``, or None (none kept, kept for another
    version or layout, or a part missing)."""
    first = maintained.load_documents(graph, KIND, source, [0], version)
    if not first:
        return None
    count = first[0]["documents"]
    missing = False

    def documents() -> Iterator[str]:  # decoded as they come, never all held (180 MB at 1M)
        nonlocal missing
        for start in range(1, count + 1, READ_DOCS):
            parts = list(range(start, min(start + READ_DOCS, count + 1)))
            docs = maintained.load_documents(graph, KIND, source, parts, version)
            if docs is None:
                missing = True
                return
            yield from docs

    state = decode(documents())
    return None if missing else state


def restamp(graph: Graph, version: str, now: str) -> None:
    """The states kept for data ``version`` are true for ``now`` as well: the data moved from
    one to the other only by a refresh whose own states were kept anew (sources it did not
    change are as they were)."""
    if version != now:
        maintained.restamp(graph, KIND, version, now)


def versions(reader: Graph | Transaction) -> tuple[str, str]:
    """The data version, and the same made comparable with one a transaction read of its own
    writes (the embedded server hands a time stamp it has just been sent back as it was sent,
    with its time zone, and without it once committed)."""
    [row] = reader.read(cypher.DATA_VERSION)
    times = {
        k: v.astimezone(dt.UTC).replace(tzinfo=None)
        for k, v in row.items()
        if isinstance(v, dt.datetime) and v.tzinfo is not None
    }
    return version_of(row), version_of({**row, **times})


def keep_after_import(graph: Graph, source: str, written: Written | None = None) -> None:
    """Keep what the graph holds of ``source`` after a plain ``ownership import``, so that the
    next refresh need not read it: what the import ``written`` noted when that is exactly it
    (:meth:`Written.keep`), otherwise read back from the graph (one read of every item, as a
    refresh without a kept state makes), packed as it is read, and kept only when no one
    wrote while it was read."""
    if written is not None and written.keep(graph, source):
        return
    with graph.transaction() as tx:
        before = versions(tx)
        packer = Packer()
        for name, query in STATE_QUERIES.items():
            for row in tx.stream(query, source=source):
                packer.add_row(name, row)
        after = versions(tx)
    if before == after:
        keep_packed(graph, source, packer, after[0])


class Written:
    """The state a source's first load leaves it in, noted batch by batch as the import writes
    (:class:`ownership.loader.BatchWriter`) instead of read back from the graph afterwards
    (253–284 s at a million companies on the embedded server: docs/benchmarks.md).

    On a first load the source has nothing in the graph but what the import writes, every
    item new: its fingerprint is the one written, it was never reported (the last reported
    fingerprint is its own) and it is in force. A record describes the entity resolution gave
    it (:func:`ownership.loader.resolve_rows`; a later batch never moves it), and an edge or a
    listing joins the entities of the records it names. What the graph holds is exactly that
    only when every row of every batch was written (a statement counts the rows it wrote: an
    edge whose record is not there yet is not; a row given again with the same fingerprint is
    not on the embedded server, and is on Neo4j, whose plan is eager, where it is then noted
    twice as it was written twice, the last one standing as in the graph), no accepted
    name match was applied during the import (the decisions' part of the data version) or
    after it (``merged``), and nothing was written since: otherwise :meth:`keep` declines and
    the state is read back from the graph."""

    def __init__(self) -> None:
        self.packer: Packer | None = Packer()
        self.entity_of: dict[str, str] = {}  # records that describe another entity than their own
        self.listings: dict[str, tuple[bytes, set[str]]] = {}  # a listing's rows may be several
        self.began: str | None = None
        self.ended: str | None = None
        self.merged = 0  # entities merged by accepted name matches after the import

    def begin(self, tx: Transaction) -> None:
        """The import's first transaction has begun: the data version it starts from."""
        self.began = versions(tx)[1]

    def note(self, name: str, rows: list[dict[str, Any]], written: int) -> None:
        """One batch of statement ``name`` (rows of :func:`ownership.loader.record_row`, resolved),
        of which the statement wrote ``written``."""
        if self.packer is None:
            return
        if written != len(rows):
            self.packer = None  # the state is read back from the graph instead
            return
        if name == "entities":
            for row in rows:
                uid, entity = row["uid"], row["entity_uid"]
                if entity != uid:
                    self.entity_of[uid] = entity
                self.packer.add(name, (uid, "" if entity == uid else entity), *_new(row))
        elif name in EDGES:
            for row in rows:
                ends = (self._entity(row["from_uid"]), self._entity(row["to_uid"]))
                self.packer.add(name, (row["uid"], *ends), *_new(row))
        else:
            for row in rows:
                _, entities = self.listings.get(row["uid"], (b"", set()))
                entities.add(self._entity(row["entity_uid"]))
                self.listings[row["uid"]] = (bytes.fromhex(row["fingerprint"]), entities)

    def _entity(self, record: str) -> str:
        return self.entity_of.get(record, record)

    def end(self, tx: Transaction) -> None:
        """The import's last transaction is about to commit: the data version it leaves."""
        self.ended = versions(tx)[1]

    def keep(self, graph: Graph, source: str) -> bool:
        """Keep the noted state of ``source`` for the data version now, if it is exactly what
        the graph holds; whether it was kept."""
        if self.packer is None or self.began is None or self.ended is None or self.merged:
            return False
        if _decisions(self.began) != _decisions(self.ended):
            return False
        now, key = versions(graph)
        if key != self.ended:
            return False
        keep_packed(graph, source, self.packed(), now)
        return True

    def packed(self) -> Packer:
        """Everything noted, packed (nothing can be noted after)."""
        if self.packer is None:
            raise ValueError("the noted state was given up: it is read back instead")
        packer, self.packer = self.packer, None
        for uid, (fingerprint, entities) in self.listings.items():
            packer.add("upsert_sanctions", (uid, sorted(entities)), fingerprint, fingerprint, True)
        return packer


def _new(row: dict[str, Any]) -> tuple[bytes, bytes, bool]:
    """Fingerprint, last reported fingerprint and in force, of an item a first load wrote."""
    fingerprint = bytes.fromhex(row["fingerprint"])
    return fingerprint, fingerprint, True


def _decisions(version: str) -> list[str]:
    """The match decisions' part of a data version (:func:`ownership.analysis.stats.version_of`)."""
    return version.split("|")[-2:]

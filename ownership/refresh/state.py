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
import json
import sys
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
            self.listed[uid] = tuple(row["entities"])
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


# -- kept beside the data version ---------------------------------------------------------------


def encode(state: State) -> Iterator[str]:
    """The state as documents of :data:`DOC_CHARS` base64 characters (the last shorter) of
    one zlib stream of frames, made and compressed a frame at a time (a state of four million
    items is about 180 MB packed: its intermediate forms are never all in memory at once).

    A frame is up to :data:`FRAME` items of one statement: a 4-byte length, a JSON header
    (layout, statement, the keys as a list of strings), then per item its fingerprint (20
    bytes), one byte of flags (in force; last reported fingerprint differs), and the last
    reported fingerprints that differ."""
    deflate = zlib.compressobj(1)
    packed = bytearray()
    step = DOC_CHARS // 4 * 3  # bytes per document: base64 turns 3 bytes into 4 characters
    for frame in _frames(state):
        packed += deflate.compress(frame)
        while len(packed) >= step:
            yield base64.b64encode(packed[:step]).decode()
            del packed[:step]
    packed += deflate.flush()
    for start in range(0, len(packed), step):
        yield base64.b64encode(packed[start : start + step]).decode()


def _frames(state: State) -> Iterator[bytes]:
    for name in NAMES:
        items = list(state.items[name].items())
        for start in range(0, len(items), FRAME):
            keys: list[Any] = []
            fingerprints, flags, seen = bytearray(), bytearray(), bytearray()
            for key, value in items[start : start + FRAME]:
                fingerprint, last, bits = unpack(value)
                if name in EDGES:
                    keys.extend(key)
                elif name == "entities":
                    keys.extend((key, state.entity_of.get(key, "")))  # type: ignore[arg-type]
                else:
                    keys.extend((key, list(state.listed.get(key, ()))))  # type: ignore[arg-type]
                fingerprints += fingerprint.to_bytes(FP_BYTES, "big")
                differs = last != fingerprint
                flags.append((bits & LIVE) | (2 if differs else 0))
                if differs:
                    seen += last.to_bytes(FP_BYTES, "big")
            header = json.dumps({"layout": LAYOUT, "name": name, "keys": keys}).encode()
            yield b"".join((len(header).to_bytes(4, "big"), header, fingerprints, flags, seen))


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
    """Keep ``state`` as what the graph holds of ``source`` at data ``version``: a first
    document saying how many follow, then the packed state."""
    documents = list(encode(state))
    maintained.store_documents(
        graph, KIND, source, None, [{"documents": len(documents)}, *documents], version
    )


def load(graph: Graph, source: str, version: str) -> State | None:
    """The state kept of ``source`` for data ``version``, or None (none kept, kept for another
    version or layout, or a part missing)."""
    first = maintained.load_documents(graph, KIND, source, [0], version)
    if not first:
        return None
    count = first[0]["documents"]
    documents: list[str] = []
    for start in range(1, count + 1, READ_DOCS):
        parts = list(range(start, min(start + READ_DOCS, count + 1)))
        docs = maintained.load_documents(graph, KIND, source, parts, version)
        if docs is None:
            return None
        documents += docs
    return decode(documents)


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


def keep_after_import(graph: Graph, source: str) -> None:
    """Read and keep what the graph holds of ``source`` after a plain ``ownership import``
    (one read of every item, as a refresh without a kept state makes), so that the next
    refresh need not read it; kept only when no one wrote while it was read."""
    with graph.transaction() as tx:
        before = versions(tx)
        state = State.read(tx, source)
        after = versions(tx)
    if before == after:
        keep(graph, source, state, after[0])

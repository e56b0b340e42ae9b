"""Whole-graph answers kept in the graph, valid for one version of the data.

Red flags, ownership gaps and the landing page's facts look at every company; at a million
companies computing them takes minutes, while an analyst waits a second. ``ownership import``
and ``ownership refresh`` therefore compute them once, for the day they run, and keep them
(:mod:`ownership.analysis.upkeep`); reading them back is one small query. Each kept answer
carries the data version it was computed on (:func:`ownership.analysis.stats.data_version`:
every import, refresh, unload and match decision changes it), so an answer is used only while
the data is exactly what it was computed from; anything else (another date, other thresholds,
data changed since) is computed on demand, the same way as before.

An answer is stored as ``(:Maintained {kind, key, version, part, parts, data})`` nodes: its
JSON text cut into parts (one large string reads back in one go; a node per flag took seconds
to read at 100,000 companies). Dates travel as ``{"$date": …}`` / ``{"$time": …}`` objects and
come back as dates. Each node's ``version`` is the data version stamped with
:data:`LAYOUT`: answers kept by an earlier ``ownership`` in a layout this one cannot read are
then neither read nor counted as kept, and the next import, refresh or ``maintain`` replaces
them. A long answer read a page at a time is kept as separate documents
(:func:`store_documents`): a small header, often with columns of numbers packed by
:func:`pack` (read whole in milliseconds where a JSON list of a million numbers takes a
second), then chunks in the answer's order, of which a reader fetches only those it shows.
"""

from __future__ import annotations

import base64
import datetime as dt
import gc
import json
import os
import tempfile
import zlib
from array import array
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:
    from ownership.numeric import np

from ownership import clock, cypher
from ownership.analysis.stats import data_version
from ownership.graph import Graph

# The layout of kept answers, raised whenever a reader can no longer read what was kept before
# (2: documents found by their ``doc`` index, flags and gaps with packed headers, the 50 %
# rule's findings under "rule-findings"; 3: the flags' last document numbers each piece's
# flag, which two dates are compared on; 4: the rule's findings in documents by entity). A
# graph upgraded from layout 1 read every kept answer as missing but counted it as current,
# so each page computed its answer again (the red flags at 1M: 150 s) and no refresh kept
# them anew.
LAYOUT = 4
_STAMP = f"#layout-{LAYOUT}"
PART_CHARS = 1_000_000  # characters of JSON per node
STATEMENT_CHARS = 8_000_000  # JSON sent in one statement: the embedded server's Bolt plugin
# drops a message over 16 MB (and the client then waits for an answer that never comes)


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$time": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    raise TypeError(f"cannot keep a {type(value).__name__}")


def _decode(value: dict[str, Any]) -> Any:
    if len(value) == 1:
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
        if "$time" in value:
            return dt.datetime.fromisoformat(value["$time"])
    return value


def pack(column: np.ndarray) -> str:
    """A column of numbers as text for a kept document (compressed: the columns kept are full
    of repeated values, such as "never ends"); :func:`unpack` reads it back."""
    return base64.b64encode(zlib.compress(np.ascontiguousarray(column).tobytes(), 6)).decode()


def unpack(text: str, dtype: str | type | np.dtype[Any]) -> np.ndarray:
    """The column :func:`pack` made of numbers of ``dtype``."""
    return np.frombuffer(zlib.decompress(base64.b64decode(text)), dtype=dtype)


def pack_json(value: Any, level: int = 6) -> str:
    """``value`` (JSON-able, no dates) as compressed JSON text for a kept document: long
    lists of repeated texts (names, countries) are a fifth of their JSON; :func:`unpack_json`
    reads it back."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.b64encode(zlib.compress(text, level)).decode()


def unpack_json(text: str) -> Any:
    """The value :func:`pack_json` packed."""
    return json.loads(zlib.decompress(base64.b64decode(text)))


def _text(answer: Any) -> str:
    if isinstance(answer, JSONText):
        return answer
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":"), default=_encode)


def ranks(values: list[Any]) -> np.ndarray:
    """Each value's place among the distinct ``values`` in their order (equal values, equal
    places): strings numbered once, so that what is sorted by them is sorted in numpy."""
    places = {value: n for n, value in enumerate(sorted(set(values)))}
    return np.array([places[value] for value in values], dtype=np.int64)


class JSONText(str):
    """A document already made into its JSON text (:meth:`Spool.documents`)."""


class Spool:
    """The items of a long answer (JSON-able, dates allowed) written away to a temporary file
    as they are found, each as its JSON text, and read back a document's worth at a time in
    any order (:meth:`documents`): an answer of hundreds of megabytes of texts (the red flags
    of a million companies) is kept without holding it whole, only where each item lies.
    A document of items is the JSON list of them, the same text ``json.dumps`` makes of it."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 — closed by close() / with
        self._ends = array("q")
        self._at = 0

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    def __len__(self) -> int:
        return len(self._ends)

    def add(self, item: Any) -> None:
        text = _text(item).encode()
        self._file.write(text)
        self._at += len(text)
        self._ends.append(self._at)

    def document(self, positions: Iterable[int]) -> JSONText:
        """The JSON list of the items at ``positions`` (in the order added), in that order."""
        self._file.flush()
        fd, ends = self._file.fileno(), self._ends
        texts = []
        for i in positions:
            start = ends[i - 1] if i else 0
            texts.append(os.pread(fd, ends[i] - start, start).decode())
        return JSONText("[" + ",".join(texts) + "]")

    def documents(self, order: list[int], size: int) -> Iterator[JSONText]:
        """The items in ``order`` (positions in the order added), ``size`` to a document."""
        for first in range(0, len(order), size):
            yield self.document(order[first : first + size])


def store(
    graph: Graph, kind: str, key: str, as_of: dt.date | None, answer: Any, version: str
) -> None:
    """Keep ``answer`` (JSON-able, dates allowed) as the one answer of ``kind``, for ``key``,
    computed on data ``version``; the previous answer of that kind goes in the same
    transaction."""
    text = _text(answer)
    parts = [text[start : start + PART_CHARS] for start in range(0, max(len(text), 1), PART_CHARS)]
    _write(
        graph, (cypher.MAINTAINED_CLEAR,), kind, key, as_of, parts, _stamped(version), len(parts)
    )


def store_documents(
    graph: Graph,
    kind: str,
    key: str,
    as_of: dt.date | None,
    documents: Iterable[Any],
    version: str,
    count: int | None = None,
) -> None:
    """Keep an answer of ``kind`` for ``key`` as separate JSON ``documents`` (part 0, 1, …),
    each read back alone by :func:`load_documents`: a long answer read a page at a time.
    Several answers of one kind are kept side by side (one per key), only while the data is
    that of ``version``: answers of older versions go in the same transaction.

    With their ``count`` given, ``documents`` may be made one at a time (a generator): each is
    then written a statement's worth at a time and dropped, never all of them and their texts
    at once (the red flags of a million companies: 800,626 pieces, ~200 MB of JSON)."""
    if count is None:
        documents = list(documents)
        count = len(documents)
    texts = (_text(d) for d in documents)
    clear = (cypher.MAINTAINED_CLEAR_KEY, cypher.MAINTAINED_CLEAR_STALE)
    graph.write(cypher.SCHEMA_MAINTAINED_DOC)  # a graph kept before the indexes came
    graph.write(cypher.SCHEMA_MAINTAINED_KIND)
    _write(graph, clear, kind, key, as_of, texts, _stamped(version), count)


def _write(
    graph: Graph,
    clear: tuple[cypher.Query, ...],
    kind: str,
    key: str,
    as_of: dt.date | None,
    texts: Iterable[str],
    version: str,
    count: int,
) -> None:
    """Write the parts ``texts`` (``count`` of them, made as they are written) in one
    transaction, at most :data:`STATEMENT_CHARS` of them to a statement."""
    now = clock.now()
    written = 0
    with graph.transaction() as tx:
        for statement in clear:
            tx.run(statement, kind=kind, key=key, version=version)

        def write(batch: list[dict[str, Any]]) -> None:
            tx.run(cypher.MAINTAINED_WRITE, kind=kind, key=key, as_of=as_of,
                   version=version, now=now, count=count, parts=batch)  # fmt: skip

        batch: list[dict[str, Any]] = []
        size = 0
        for number, text in enumerate(texts):
            if batch and size + len(text) > STATEMENT_CHARS:
                write(batch)
                batch, size = [], 0
            batch.append({"part": number, "data": text, "doc": _doc(kind, key, number)})
            size += len(text)
            written += 1
        write(batch)
        if written != count:
            raise ValueError(f"{kind}: {written} parts written, {count} announced")


def _doc(kind: str, key: str, part: int) -> str:
    """What one document of a kept answer is found by (``Maintained.doc``, indexed)."""
    return f"{kind}|{key}|{part}"


def load_documents(
    graph: Graph, kind: str, key: str, parts: list[int], version: str
) -> list[Any] | None:
    """Documents ``parts`` of the answer of ``kind`` for ``key`` kept by
    :func:`store_documents`, or None when it is not kept for data ``version`` (the one its
    reader started from: every part of an answer comes from one enumeration), or a part is
    missing."""
    docs = [_doc(kind, key, part) for part in parts]
    rows = graph.read(cypher.MAINTAINED_READ_PARTS, docs=docs, version=_stamped(version))
    if len(rows) != len(set(parts)):
        return None
    with gc_paused():
        return [json.loads(r["data"], object_hook=_decode) for r in rows]


def kept_keys(graph: Graph, kind: str) -> list[dict[str, Any]]:
    """The answers of ``kind`` kept side by side, newest first: key, date, when computed, and
    the first document (what :func:`store_documents` wrote first), whatever their version."""
    return [
        {**row, "first": json.loads(row["first"], object_hook=_decode)}
        for row in graph.read(cypher.MAINTAINED_KEYS, kind=kind)
    ]


def load(graph: Graph, kind: str, key: str, version: str | None = None) -> Any | None:
    """The kept answer of ``kind`` for ``key``, or None when there is none, it is incomplete,
    or the data changed since it was computed (or, ``version`` given, it was not computed on
    the data of that version)."""
    version = _stamped(data_version(graph)[0] if version is None else version)
    rows = graph.read(cypher.MAINTAINED_READ, kind=kind, key=key, version=version)
    if not rows or len(rows) != rows[0]["parts"]:
        return None
    text = "".join(r["data"] for r in rows)
    with gc_paused():
        return json.loads(text, object_hook=_decode)


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while a kept answer is parsed or made into
    objects, or every chain of an export is built: hundreds of thousands of lists and records
    would set it walking everything alive several times (0.3-0.5 s of CPU for the gaps of
    100,000 companies, 0.09 s with it paused; none of them can be in a cycle)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def kept(graph: Graph) -> set[tuple[str, dt.date | None, str]]:
    """Every kept answer's (kind, date, data version), of those kept in this :data:`LAYOUT`
    (others cannot be read, so they are not kept as far as anyone asking is concerned)."""
    return {
        (r["kind"], r["as_of"], r["version"].removesuffix(_STAMP))
        for r in graph.read(cypher.MAINTAINED_KEPT)
        if r["version"].endswith(_STAMP)
    }


def in_other_layouts(graph: Graph) -> int:
    """How many answers are kept in another layout than :data:`LAYOUT` (by another version of
    ``ownership``): unreadable here, so kept anew by the next import, refresh or maintain."""
    return sum(not r["version"].endswith(_STAMP) for r in graph.read(cypher.MAINTAINED_KEPT))


def forget_other_layouts(graph: Graph) -> None:
    """Drop the answers kept in another layout (and of kinds no longer kept): never read
    again, they would only take room (hundreds of megabytes at a million companies)."""
    graph.write(cypher.MAINTAINED_CLEAR_LAYOUTS, stamp=_STAMP)


def restamp(graph: Graph, kind: str, version: str, now: str) -> None:
    """The answers of ``kind`` kept for data ``version`` hold for data version ``now`` too
    (the caller knows that what changed between them does not touch them)."""
    graph.write(cypher.MAINTAINED_RESTAMP, kind=kind, version=_stamped(version), now=_stamped(now))


def forget(graph: Graph, kind: str, key: str) -> None:
    """Drop the answer of ``kind`` kept for ``key``, whatever its version."""
    graph.write(cypher.MAINTAINED_CLEAR_KEY, kind=kind, key=key)


def document_nodes(
    kind: str, key: str, documents: Iterable[Any], version: str, count: int, now: dt.datetime
) -> Iterator[dict[str, Any]]:
    """The properties of the nodes :func:`store_documents` keeps ``documents`` as (``count``
    of them, made one at a time), for a writer that creates those nodes itself: the bulk
    export writes them as CSV rows for neo4j-admin (:mod:`ownership.bulk`)."""
    for part, document in enumerate(documents):
        yield {"kind": kind, "key": key, "version": _stamped(version), "computed_at": now,
               "part": part, "parts": count, "data": _text(document),
               "doc": _doc(kind, key, part)}  # fmt: skip


def _stamped(version: str) -> str:
    """A data version as kept answers carry it: with the layout they were kept in."""
    return version + _STAMP

"""The search box's index, kept by import and refresh: what every entity is called and
identified by, searched in the client instead of by a scan of every entity on the server.

The search (:data:`ownership.cypher.SEARCH_ENTITIES`) is a substring match, which no index
of either server answers (the embedded server has no fulltext index), so it reads every
entity: 0.15–0.27 s warm at 100,000 companies, 1.2–1.6 s right after a server start, and 19 s
for the first search on a just-started explorer at a million companies (``docs/benchmarks.md``).
The reference look-up by alias (:data:`ownership.cypher.FIND_ENTITY_BY_ALIAS`) is another such
scan. ``ownership import`` and ``refresh`` therefore keep, beside the other whole-graph answers
(:mod:`ownership.analysis.upkeep`), each entity's normalized names and aliases, identifiers,
registration number, name and normalized name, as UTF-8 buffers with their lengths, compressed
(:func:`keep`). A process reads them once per data version (:func:`current`) and finds a
fragment with ``bytes.find`` over a buffer in which every term ends with a zero byte (no
normalized text holds one, so a match never spans two terms). The answer is the scan's: the
same entities, in the same order (exact name first, then shorter names, then name and key), up
to the same limit; the server then gives the columns of only those shown. While no index is
kept for the data as it is (an older graph, data changed since the last upkeep), the search is
the scan, as before.

Names are ordered as Python orders strings, by code point, and measured in code points: the
servers' own order can differ for characters outside the Basic Multilingual Plane.
"""

from __future__ import annotations

import base64
import heapq
import threading
import zlib
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ownership import cypher
from ownership.analysis import maintained
from ownership.analysis.stats import data_version
from ownership.graph import Graph

KIND, KEY = "search-index", "all"  # one index, for every date (names do not depend on it)
CHUNK = 1_000_000  # base64 characters of the compressed index per kept document
END = b"\0"  # ends every kept term; normalized text never holds it
# the columns, each a buffer of items ending with END and the length of each entity's part
COLUMNS = ("uid", "name", "name_norm", "terms", "identifiers", "registration_number")


@dataclass
class _Column:
    """One column of every entity: ``data`` (an END, then each entity's items, each ending
    with END) and where each entity's part starts."""

    data: bytes
    starts: np.ndarray  # int64, one per entity, and the end of the data

    def owner(self, at: int) -> int:
        """The entity whose part holds byte ``at``."""
        return int(np.searchsorted(self.starts, at, side="right")) - 1

    def text(self, entity: int) -> str:
        """An entity's only item (a name, a key) without its END."""
        return self.data[self.starts[entity] : self.starts[entity + 1] - 1].decode()

    def holders(self, needle: bytes) -> set[int]:
        """The entities with ``needle`` somewhere in their part."""
        found: set[int] = set()
        at = self.data.find(needle)
        while at >= 0:
            entity = self.owner(at)
            found.add(entity)
            at = self.data.find(needle, int(self.starts[entity + 1]))  # its next entity on
        return found


class SearchIndex:
    """Every entity's names, identifiers and registration number, as :func:`keep` keeps them
    and :func:`current` reads them back."""

    def __init__(self, version: str, columns: dict[str, _Column], nameless: set[int]) -> None:
        self.version = version
        self._columns = columns
        self._nameless = nameless  # entities without a name (sorted last, as the server does)

    def search(self, norm: str, compact: str, limit: int) -> list[str]:
        """The keys of the entities :data:`ownership.cypher.SEARCH_ENTITIES` finds for
        ``norm`` and ``compact``, in its order, at most ``limit``."""
        terms, identifiers = self._columns["terms"], self._columns["identifiers"]
        registration = self._columns["registration_number"]
        found = terms.holders(norm.encode())
        found |= identifiers.holders(compact.encode() + END)  # ends with
        found |= {registration.owner(at + 1) for at in _all(registration.data, _whole(compact))}
        return [self.uid(e) for e in heapq.nsmallest(limit, found, key=self._order(norm))]

    def named(self, norm: str) -> list[str]:
        """The keys of the entities with ``norm`` among their normalized names and aliases
        (:data:`ownership.cypher.FIND_ENTITY_BY_ALIAS`)."""
        terms = self._columns["terms"]
        return sorted({self.uid(terms.owner(at + 1)) for at in _all(terms.data, _whole(norm))})

    def uid(self, entity: int) -> str:
        return self._columns["uid"].text(entity)

    def _order(self, norm: str) -> Any:
        """The search's order: its exact name first, then by the name's length, the name and
        the key; entities without a name last (a missing value sorts last on the server)."""
        names, norms = self._columns["name"], self._columns["name_norm"]

        def key(entity: int) -> tuple[Any, ...]:
            exact = 0 if norms.text(entity) == norm else 1
            if entity in self._nameless:
                return (exact, 1, 0, "", self.uid(entity))
            name = names.text(entity)
            return (exact, 0, len(name), name, self.uid(entity))

        return key


def _whole(text: str) -> bytes:
    """``text`` as a whole item of a column: between two ENDs."""
    return END + text.encode() + END


def _all(data: bytes, needle: bytes) -> Iterator[int]:
    """Every position of ``needle`` in ``data``."""
    at = data.find(needle)
    while at >= 0:
        yield at
        at = data.find(needle, at + 1)


# -- keeping and reading back ----------------------------------------------------------------


def build(rows: Iterable[dict[str, Any]]) -> tuple[dict[str, bytearray], dict[str, array]]:
    """The columns of ``rows`` (:data:`ownership.cypher.SEARCH_INDEX_ENTITIES`): each a buffer,
    and beside them the byte length of every entity's part in it (``NAME.lengths``) and the
    numbers of the entities without a name (``nameless``), as :func:`keep` keeps them."""
    data = {name: bytearray(END) for name in COLUMNS}
    numbers = {f"{name}.lengths": array("I") for name in COLUMNS} | {"nameless": array("I")}
    for number, row in enumerate(rows):
        if row["name"] is None:
            numbers["nameless"].append(number)
        for name in COLUMNS:
            value = row[name]
            items = value if isinstance(value, list) else [value]
            part = b"".join(item.encode() + END for item in items if isinstance(item, str))
            if not isinstance(value, list) and not part:
                part = END  # a missing name or number: an empty item, never matched
            data[name] += part
            numbers[f"{name}.lengths"].append(len(part))
    return data, numbers


def keep(graph: Graph, version: str) -> int:
    """Read every entity and keep the index for data ``version``; how many entities."""
    data, numbers = build(graph.stream(cypher.SEARCH_INDEX_ENTITIES))
    sizes = {name: len(data[name]) for name in COLUMNS}
    sizes |= {name: len(column) * column.itemsize for name, column in numbers.items()}
    packer = zlib.compressobj(6)
    blob = bytearray()
    for name in COLUMNS:
        blob += packer.compress(bytes(data[name]))
        data[name] = bytearray()  # dropped as it goes
    for column in numbers.values():
        blob += packer.compress(column.tobytes())
    blob += packer.flush()
    text = base64.b64encode(bytes(blob)).decode()
    del blob
    chunks = [text[start : start + CHUNK] for start in range(0, len(text), CHUNK)]
    entities = len(numbers["uid.lengths"])
    documents = [{"entities": entities, "sizes": sizes, "chunks": len(chunks)}, *chunks]
    maintained.store_documents(graph, KIND, KEY, None, documents, version)
    return entities


def load(graph: Graph, version: str) -> SearchIndex | None:
    """The index kept for data ``version``, or None."""
    head = maintained.load_documents(graph, KIND, KEY, [0], version)
    if head is None:
        return None
    [header] = head
    chunks = maintained.load_documents(
        graph, KIND, KEY, list(range(1, header["chunks"] + 1)), version
    )
    if chunks is None:
        return None
    blob = zlib.decompress(base64.b64decode("".join(chunks)))
    parts: dict[str, bytes] = {}
    at = 0
    for name, size in header["sizes"].items():  # in the order kept
        parts[name] = blob[at : at + size]
        at += size
    columns = {}
    for name in COLUMNS:
        lengths = np.frombuffer(parts[f"{name}.lengths"], dtype=np.uint32)
        starts = np.empty(len(lengths) + 1, dtype=np.int64)
        starts[0] = len(END)
        np.cumsum(lengths, out=starts[1:])
        starts[1:] += len(END)
        columns[name] = _Column(parts[name], starts)
    nameless = set(np.frombuffer(parts["nameless"], dtype=np.uint32).tolist())
    return SearchIndex(version, columns, nameless)


_last: list[SearchIndex] = []  # the index read last (one: a new version replaces it)
_loading = threading.Lock()


def current(graph: Graph) -> SearchIndex | None:
    """The index for the data as it is now, or None when none is kept for it. It is read once
    per data version and shared by every connection of the process (the explorer's sessions,
    and the warm-up that reads it before the first of them, :mod:`ownership.explorer.serve`):
    a version names the data, so two graphs with one version hold the same entities."""
    version = data_version(graph)[0]
    if _last and _last[0].version == version:
        return _last[0]
    with _loading:  # one reader at a time: two sessions asking at once read it once
        if not (_last and _last[0].version == version):
            found = load(graph, version)
            if found is None:
                return None
            _last[:] = [found]
        return _last[0]

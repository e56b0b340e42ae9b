"""The search box's index, kept by import and refresh: what every entity is called and
identified by, searched in the client instead of by a scan of every entity on the server.

The search (:data:`ownership.cypher.SEARCH_ENTITIES`) is a substring match, which no index
of either server answers (the embedded server has no fulltext index), so it reads every
entity: 0.6–2.8 s at 100,000 companies on a just-started server, 8–9 s warm and 31 s cold at a
million (``docs/benchmarks.md``). The reference look-up by alias
(:data:`ownership.cypher.FIND_ENTITY_BY_ALIAS`) is another such scan. ``ownership import`` and
``refresh`` therefore keep, beside the other whole-graph answers (:mod:`ownership.analysis.
upkeep`), each entity's key, normalized name, normalized names and aliases, identifiers and
registration number, as UTF-8 buffers in which every item ends with a zero byte (no normalized
text holds one, so a match never spans two items), with the length of each entity's part, and
each entity's place in the search's order (:func:`rank`), compressed (:func:`keep`). A process
reads them once per data version (:func:`current`) and finds a fragment with ``bytes.find``
over a buffer, the entities by the positions found. The answer is the scan's: the
same entities, in the same order (exact name first, then shorter names, then name and key), up
to the same limit; the server then gives the columns of only those shown. While no index is
kept for the data as it is (an older graph, data changed since the last upkeep), the search is
the scan, as before.

Names are ordered as Python orders strings, by code point, and measured in code points: the
servers' own order can differ for characters outside the Basic Multilingual Plane.
"""

from __future__ import annotations

import base64
import threading
import zlib
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:
    from ownership.numeric import np

from ownership import cypher
from ownership.analysis import maintained
from ownership.analysis.stats import data_version
from ownership.graph import Graph

KIND, KEY = "search-index", "all"  # one index, for every date (names do not depend on it)
CHUNK = 1_000_000  # base64 characters of the compressed index per kept document
FORMAT = 1  # of the kept index: another is not read (the search is then the scan)
END = b"\0"  # ends every kept term; normalized text never holds it
# searched: each a buffer of items ending with END, and the length of each entity's part
COLUMNS = ("uid", "name_norm", "terms", "identifiers", "registration_number")


@dataclass
class _Column:
    """One column of every entity: ``data`` (an END, then each entity's items, each ending
    with END) and where each entity's part starts."""

    data: bytes
    starts: np.ndarray  # int64, one per entity, and the end of the data

    def owners(self, at: list[int]) -> np.ndarray:
        """The entities whose parts hold the bytes at ``at``, each once."""
        found = np.searchsorted(self.starts, np.array(at, dtype=np.int64), side="right") - 1
        return np.unique(found)

    def holding(self, needle: bytes) -> np.ndarray:
        """The entities with ``needle`` somewhere in their part."""
        return self.owners(_found(self.data, needle))

    def holding_whole(self, text: str) -> np.ndarray:
        """The entities with ``text`` as one of their items (which starts after its END)."""
        return self.owners([at + 1 for at in _found(self.data, END + text.encode() + END)])

    def text(self, entity: int) -> str:
        """An entity's only item (a key) without its END."""
        return self.data[self.starts[entity] : self.starts[entity + 1] - 1].decode()


def _found(data: bytes, needle: bytes) -> list[int]:
    """Every position of ``needle`` in ``data``, overlapping ones too (``bytes.find`` searches
    a buffer of a million companies' names in milliseconds; a regular expression took 0.5 s)."""
    found = []
    at = data.find(needle)
    while at >= 0:
        found.append(at)
        at = data.find(needle, at + 1)
    return found


class SearchIndex:
    """Every entity's names, identifiers and registration number, and its place in the
    search's order, as :func:`keep` keeps them and :func:`current` reads them back."""

    def __init__(self, version: str, columns: dict[str, _Column], rank: np.ndarray) -> None:
        self.version = version
        self._columns = columns
        self._rank = rank  # each entity's place by name length, name and key (nameless last)

    def search(self, norm: str, compact: str, limit: int) -> list[str]:
        """The keys of the entities :data:`ownership.cypher.SEARCH_ENTITIES` finds for
        ``norm`` and ``compact``, in its order, at most ``limit``: its exact name first, then
        by :func:`rank`."""
        columns = self._columns
        found = np.union1d(
            columns["terms"].holding(norm.encode()),
            np.union1d(
                columns["identifiers"].holding(compact.encode() + END),  # ends with
                columns["registration_number"].holding_whole(compact),
            ),
        )
        exact = np.isin(found, columns["name_norm"].holding_whole(norm))
        order = np.where(exact, 0, len(self._rank)) + self._rank[found]
        if len(found) > limit:
            chosen = np.argpartition(order, limit)[:limit]
            found, order = found[chosen], order[chosen]
        return [self.uid(int(e)) for e in found[np.argsort(order, kind="stable")]]

    def named(self, norm: str) -> list[str]:
        """The keys of the entities with ``norm`` among their normalized names and aliases
        (:data:`ownership.cypher.FIND_ENTITY_BY_ALIAS`)."""
        return sorted(self.uid(int(e)) for e in self._columns["terms"].holding_whole(norm))

    def uid(self, entity: int) -> str:
        return self._columns["uid"].text(entity)


def rank(rows: list[tuple[str | None, str]]) -> np.ndarray:
    """Each entity's place in the search's order after the exact name: by its name's length,
    its name, its key, entities without a name last (a missing value sorts last on the
    server). ``rows``: (name, key) by entity number."""
    order = sorted(
        range(len(rows)),
        key=lambda i: (
            (1, 0, "", rows[i][1])
            if rows[i][0] is None
            else (0, len(rows[i][0]), rows[i][0], rows[i][1])
        ),
    )
    places = np.empty(len(rows), dtype=np.uint32)
    places[np.array(order, dtype=np.int64)] = np.arange(len(rows), dtype=np.uint32)
    return places


# -- keeping and reading back ----------------------------------------------------------------


def build(rows: Iterable[dict[str, Any]]) -> tuple[dict[str, bytearray], dict[str, np.ndarray]]:
    """The columns of ``rows`` (:data:`ownership.cypher.SEARCH_INDEX_ENTITIES`): each a buffer,
    and beside them the byte length of every entity's part in it (``NAME.lengths``) and every
    entity's :func:`rank`, as :func:`keep` keeps them."""
    data = {name: bytearray(END) for name in COLUMNS}
    lengths = {name: array("I") for name in COLUMNS}
    named: list[tuple[str | None, str]] = []
    for row in rows:
        named.append((row["name"], row["uid"]))
        for name in COLUMNS:
            value = row[name]
            items = value if isinstance(value, list) else [value]
            part = b"".join(item.encode() + END for item in items if isinstance(item, str))
            if not isinstance(value, list) and not part:
                part = END  # a missing value: an empty item, never matched
            data[name] += part
            lengths[name].append(len(part))
    numbers = {f"{name}.lengths": np.frombuffer(lengths[name], dtype=np.uint32) for name in COLUMNS}
    return data, numbers | {"rank": rank(named)}


def keep(graph: Graph, version: str) -> int:
    """Read every entity and keep the index for data ``version``; how many entities."""
    data, numbers = build(graph.stream(cypher.SEARCH_INDEX_ENTITIES))
    sizes = {name: len(data[name]) for name in COLUMNS}
    sizes |= {name: column.nbytes for name, column in numbers.items()}
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
    entities = len(numbers["rank"])
    header = {"format": FORMAT, "entities": entities, "sizes": sizes, "chunks": len(chunks)}
    documents = [header, *chunks]
    maintained.store_documents(graph, KIND, KEY, None, documents, version)
    return entities


def load(graph: Graph, version: str) -> SearchIndex | None:
    """The index kept for data ``version``, or None."""
    head = maintained.load_documents(graph, KIND, KEY, [0], version)
    if head is None:
        return None
    [header] = head
    if header.get("format") != FORMAT:
        return None
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
    return SearchIndex(version, columns, np.frombuffer(parts["rank"], dtype=np.uint32))


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

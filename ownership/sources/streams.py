"""Packed files and XML records, streamed: what registries publish besides plain CSV and JSON.

National registries ship their bulk data zipped (the NTA: one zip a prefecture) or gzipped, and
as XML too large to parse whole (an EGRUL delivery holds hundreds of thousands of companies).
Two helpers serve every format that reads such files, so none of them holds a file in memory:

- :func:`members` opens the data inside a path: the file itself, the decompressed stream of a
  ``.gz`` file, each matching member of a ``.zip`` (read directly, never unpacked to disk), or
  the data files of a folder (a download the refresh unpacked), each with the name problems
  should show (``file.zip!member.csv``);
- :func:`xml_records` yields the record elements of an XML stream one at a time, with the line
  each starts on and its element path, and drops each from the tree once yielded. It uses expat
  directly (rather than ``iterparse``) because expat knows the line it is on; single-byte
  encodings such as windows-1251 are decoded by expat itself from the XML declaration.
"""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
import zipfile
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING
from xml.parsers import expat

if TYPE_CHECKING:
    import numpy as np
else:
    from ownership.numeric import np

from ownership.problems import ProblemLog

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Member:
    """One stream of data inside a path, and how to name it in problems."""

    shown: str
    open: Callable[[], IO[bytes]]


def magic(path: Path) -> bytes:
    """The first four bytes of ``path`` (b'' when it cannot be read)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(4)
    except OSError:
        return b""


def members(path: Path, suffixes: tuple[str, ...], problems: ProblemLog) -> list[Member]:
    """The data streams of ``path``: a plain file, a gzipped one, or the members of a zip whose
    names end in one of ``suffixes`` (other members, e.g. the NTA's ``.asc`` signatures, are
    skipped). A path that cannot be opened or is a broken archive is a problem."""
    head = magic(path)
    shown = str(path)
    if path.is_dir():  # an unpacked download (a refresh unpacks zips): its data files
        found = sorted(
            p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(suffixes)
        )
        if not found:
            wanted = " or ".join(suffixes)
            problems.add(shown, None, None, f"the folder holds no {wanted} file")
        return [m for p in found for m in members(p, suffixes, problems)]
    if not path.is_file():
        problems.add(shown, None, None, "file not found")
        return []
    if head.startswith(GZIP_MAGIC):
        return [Member(shown, lambda: gzip.open(path, "rb"))]
    if head == ZIP_MAGIC:
        try:
            with zipfile.ZipFile(path) as archive:
                names = [
                    info.filename
                    for info in archive.infolist()
                    if not info.is_dir() and info.filename.lower().endswith(suffixes)
                ]
        except (zipfile.BadZipFile, OSError) as exc:
            problems.add(shown, None, None, f"not a readable zip archive: {exc}")
            return []
        if not names:
            wanted = " or ".join(suffixes)
            problems.add(shown, None, None, f"the zip archive holds no {wanted} file")
        return [Member(f"{shown}!{name}", _zip_opener(path, name)) for name in sorted(names)]
    return [Member(shown, lambda: open(path, "rb"))]


def _zip_opener(path: Path, name: str) -> Callable[[], IO[bytes]]:
    def opener() -> IO[bytes]:
        archive = zipfile.ZipFile(path)
        handle = archive.open(name)
        handle._owner = archive  # type: ignore[attr-defined]  # kept open while the member is read
        return handle

    return opener


@contextmanager
def opened(member: Member, problems: ProblemLog) -> Iterator[IO[bytes] | None]:
    """``member`` opened for reading bytes, or None with a problem; closed on leaving."""
    try:
        handle = member.open()
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        problems.add(member.shown, None, None, f"cannot read: {exc}")
        yield None
        return
    try:
        yield handle
    finally:
        handle.close()
        owner = getattr(handle, "_owner", None)
        if owner is not None:
            owner.close()


def head_bytes(member: Member, size: int = _CHUNK) -> bytes:
    """The first ``size`` bytes of a member's data, for ``detect``; b'' when unreadable."""
    try:
        handle = member.open()
    except (OSError, zipfile.BadZipFile, EOFError):
        return b""
    try:
        return handle.read(size)
    except (OSError, zipfile.BadZipFile, EOFError):
        return b""
    finally:
        handle.close()
        owner = getattr(handle, "_owner", None)
        if owner is not None:
            owner.close()


class LastOfEach:
    """Which row is the last of its key, in a file that may list one key several times (an NTA
    diff lists a company once per change; an EGRUL update delivery once per state).

    A first pass adds each row's key in file order (a negative key for a row to leave
    out); :meth:`winners` then says, by ordinal, which rows to keep: of each key the last row,
    preferring rows marked ``preferred`` (the NTA's ``latest=1``) over later unmarked ones. Keys
    are integers in a packed array (9 bytes a row, sorted once with numpy) rather than a dict of
    strings: a million-row prefecture file costs tens of megabytes, not hundreds.
    """

    def __init__(self) -> None:
        self.keys = array("q")
        self.preferred = array("b")

    def add(self, key: int, preferred: bool = True) -> None:
        self.keys.append(key)
        self.preferred.append(1 if preferred else 0)

    def winners(self) -> np.ndarray:
        """A boolean per row, True for the rows to keep."""
        count = len(self.keys)
        keys = np.frombuffer(self.keys, dtype=np.int64) if count else np.zeros(0, np.int64)
        preferred = np.frombuffer(self.preferred, dtype=np.int8) if count else np.zeros(0, np.int8)
        order = np.lexsort(
            (np.arange(count), preferred, keys)
        )  # by key, then preference, then order
        ordered = keys[order]
        last = np.ones(count, dtype=bool)
        last[:-1] = ordered[1:] != ordered[:-1]
        keep = np.zeros(count, dtype=bool)
        keep[order[last & (ordered >= 0)]] = True
        return keep


class XmlBroken(Exception):
    """The XML stream is not well-formed (or cut short) at ``line``."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class XmlRecord:
    """A record element with where it starts: its line and its path from the root."""

    element: ET.Element
    line: int
    path: str  # e.g. "Файл/Документ[12]"


def xml_records(handle: IO[bytes], depth: int) -> Iterator[XmlRecord]:
    """The elements ``depth`` levels below the root (the root is depth 0), one at a time, each
    complete with its children and removed from the tree once yielded, so memory holds one
    record. Raises :class:`XmlBroken` where the XML stops being well-formed."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    builder = ET.TreeBuilder()
    stack: list[ET.Element] = []
    starts: list[int] = []
    counts: dict[str, int] = {}
    ready: list[XmlRecord] = []
    root_tag: list[str] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        elem = builder.start(tag, attrs)
        if not stack:
            root_tag.append(tag)
        stack.append(elem)
        starts.append(parser.CurrentLineNumber)

    def end(tag: str) -> None:
        elem = builder.end(tag)
        stack.pop()
        line = starts.pop()
        if len(stack) == depth:
            counts[tag] = counts.get(tag, 0) + 1
            parents = "/".join(e.tag for e in stack)
            ready.append(XmlRecord(elem, line, f"{parents}/{tag}[{counts[tag]}]"))
            if stack:
                stack[-1].remove(elem)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    try:
        while True:
            chunk = handle.read(_CHUNK)
            parser.Parse(chunk, not chunk)
            yield from ready
            ready.clear()
            if not chunk:
                return
    except expat.ExpatError as exc:
        yield from ready
        seen = ", ".join(f"{n} {c}" for n, c in counts.items()) or "no records"
        message = f"XML is not well-formed (cut short?) after {seen}: {expat.ErrorString(exc.code)}"
        raise XmlBroken(exc.lineno, message) from None


class _RootFound(Exception):
    """Stops the parser at the first element."""


def xml_root(head: bytes) -> str | None:
    """The root element's name in the first bytes of an XML document, or None."""
    parser = expat.ParserCreate()
    found: list[str] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        found.append(tag)
        raise _RootFound

    parser.StartElementHandler = start
    try:
        parser.Parse(head, False)
    except _RootFound:
        return found[0]
    except expat.ExpatError:
        return None
    return found[0] if found else None


def text(elem: ET.Element | None, attribute: str) -> str | None:
    """An attribute of ``elem`` stripped, or None when the element or the value is absent."""
    if elem is None:
        return None
    value = (elem.get(attribute) or "").strip()
    return value or None

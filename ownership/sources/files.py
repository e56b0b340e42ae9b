"""Reading source files safely: bytes to lines of text, CSV rows and JSON values, with where.

Every format reads files nobody here controls: downloads cut short, legacy encodings, a binary
file given by mistake, lists of gigabytes. Two rules hold for all of them, so they are kept here
once instead of in each format:

- Bad input never raises. A file that cannot be opened, a line that does not decode, JSON that
  does not parse, a CSV quote out of place: each is reported to the
  :class:`~ownership.problems.ProblemLog` with the file, the line and the reason (the importer
  shows every problem at once and writes nothing), and reading goes on past the bad part where
  the rest can still be trusted.
- No file is loaded whole: files are read line by line, and ``detect`` helpers read a bounded
  head, so memory does not grow with the file. One exception, kept as it was: a JSON *array* in
  :func:`json_values` (BODS, Basic Company Data) is parsed whole, as those are published small.

What a row or a value *means* stays with its format; this module only gets it off the disk.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BufferedReader
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ownership.problems import ProblemLog

if TYPE_CHECKING:
    from _csv import Reader as CsvReader

BOM = b"\xef\xbb\xbf"  # the UTF-8 byte-order mark some exports start with
# Legacy encodings registries still publish in: Japanese (Shift_JIS/CP932) and Russian (CP1251).
LEGACY_ENCODINGS = ("cp932", "cp1251")
SAMPLE_BYTES = 1 << 16
HEAD_BYTES = 64 * 1024  # how much of a first line ``detect`` looks at


def open_binary(path: Path, problems: ProblemLog) -> BufferedReader | None:
    """``path`` opened for reading bytes, or None with a problem when it cannot be opened."""
    try:
        return open(path, "rb")  # noqa: SIM115 - the caller closes it (a with block)
    except OSError as exc:
        problems.add(str(path), None, None, f"cannot read: {exc.strerror}")
        return None


# -- text lines ----------------------------------------------------------------------------------


def decoded_lines(
    handle: BufferedReader,
    shown: str,
    problems: ProblemLog,
    *,
    encoding: str | None = "UTF-8",
    keep_going: bool = False,
    bad_lines: set[int] | None = None,
) -> Iterator[str]:
    """The lines of a text CSV, decoded one by one so a bad byte is reported with its line.

    ``encoding`` is named as given in problems; None detects it from the first 64 KiB with
    :func:`detect_encoding` (UTF-8 with or without a byte-order mark, CP932, CP1251). A
    byte-order mark is dropped. A NUL byte (a binary file, or UTF-16) ends the file with a
    problem. An undecodable line ends it too, unless ``keep_going``: then the line is passed on
    with replacement characters, so the CSV structure after it stays intact, and its number is
    added to ``bad_lines`` for the caller to skip the row it belongs to.
    """
    if encoding is None:
        encoding = detect_encoding(handle.peek(SAMPLE_BYTES)[:SAMPLE_BYTES])
        if encoding is None:
            message = (
                "cannot tell the text encoding (not UTF-8, CP932 or CP1251): convert it to "
                "UTF-8, e.g. `iconv -f LATIN1 -t UTF-8 FILE > FILE.utf8` for a Western "
                "European (Latin-1/Windows-1252) file, or save it as CSV UTF-8"
            )
            problems.add(shown, None, None, message)
            return
        what = "text CSV"
    else:
        what = f"{encoding} text CSV"
    for number, raw in enumerate(handle, start=1):
        if number == 1 and raw.startswith(BOM):
            raw = raw[3:]
        if b"\x00" in raw:
            problems.add(shown, number, None, f"contains NUL bytes: not a {what}")
            return
        try:
            yield raw.decode(encoding)
        except UnicodeDecodeError as exc:
            message = f"not valid {encoding} text ({exc.reason} at byte {exc.start})"
            problems.add(shown, number, None, message)
            if not keep_going:
                return
            if bad_lines is not None:
                bad_lines.add(number)
            yield raw.decode(encoding, errors="replace")


def utf8_lines(
    handle: BufferedReader,
    shown: str,
    problems: ProblemLog,
    *,
    max_line_bytes: int | None = None,
    record: str = "a record",
) -> Iterator[tuple[int, str]]:
    """Each non-blank line as UTF-8 text, with its number; a byte-order mark is dropped.

    A line that does not decode is reported and skipped. With ``max_line_bytes``, a longer line
    is reported as not ``record`` and skipped without being held: it is read in pieces.
    """
    limit = -1 if max_line_bytes is None else max_line_bytes + 1
    number = 0
    while True:
        raw = handle.readline(limit)
        if not raw:
            return
        number += 1
        if max_line_bytes is not None and len(raw) > max_line_bytes and not raw.endswith(b"\n"):
            message = f"line longer than {max_line_bytes} bytes: not {record}"
            problems.add(shown, number, None, message)
            while raw and not raw.endswith(b"\n"):  # skip the rest of that line
                raw = handle.readline(limit)
            continue
        if number == 1:
            raw = raw.removeprefix(BOM)
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            message = f"not valid UTF-8 text ({exc.reason} at byte {exc.start})"
            problems.add(shown, number, None, message)
            continue
        yield number, text


def json_lines(
    handle: BufferedReader, shown: str, problems: ProblemLog, *, max_line_bytes: int, record: str
) -> Iterator[tuple[int, Any]]:
    """Each non-blank line of a JSON-lines file as a value, with its number (see
    :func:`utf8_lines`); a line that is not JSON is reported and skipped."""
    lines = utf8_lines(handle, shown, problems, max_line_bytes=max_line_bytes, record=record)
    for number, text in lines:
        try:
            value = json.loads(text)
        except ValueError as exc:
            problems.add(shown, number, None, f"malformed JSON: {exc}")
            continue
        yield number, value


# -- encodings -----------------------------------------------------------------------------------


def detect_encoding(sample: bytes) -> str | None:
    """The encoding of a file that starts with ``sample``: UTF-8 when it decodes as UTF-8,
    else the legacy encoding under which the text reads most like its own script (kana and
    kanji for CP932, Cyrillic for CP1251), else None (undecodable).

    Mis-decoding is the danger (mojibake stored for good), so a legacy encoding is only chosen
    when the sample decodes cleanly and mostly into letters of its script.
    """
    if sample.startswith(BOM):
        return "utf-8"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3:  # a character cut by the end of the sample
            try:
                sample[: exc.start].decode("utf-8")
                return "utf-8"
            except UnicodeDecodeError:
                pass
    best, best_score = None, 0.0
    for encoding in LEGACY_ENCODINGS:
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        runs = [(m.start(), m.end()) for m in re.finditer(r"[^\x00-\x7f]+", text)]
        if not runs:
            continue
        # Real text has runs of its own script; Latin-1 accents mis-read as CP932 or CP1251
        # give short runs wedged between ASCII letters ("Gйnйral", "G鬮ral").
        total = sum(end - start for start, end in runs)
        native = sum(
            sum(1 for ch in text[start:end] if _script_of(ch) == encoding)
            for start, end in runs
            if not _wedged(text, start, end)
        )
        score = native / total
        if score > best_score:
            best, best_score = encoding, score
    return best if best_score >= 0.8 else None


def _wedged(text: str, start: int, end: int) -> bool:
    """True when the run text[start:end] sits between two ASCII letters."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return before.isascii() and before.isalpha() and after.isascii() and after.isalpha()


def _script_of(ch: str) -> str | None:
    code = ord(ch)
    if (
        0x3040 <= code <= 0x30FF
        or 0x4E00 <= code <= 0x9FFF
        or 0xFF00 <= code <= 0xFFEF
        or 0x3000 <= code <= 0x303F
    ):
        return "cp932"
    if 0x0400 <= code <= 0x04FF or ch in "«»№–—“”„":
        return "cp1251"
    return None


# -- CSV -----------------------------------------------------------------------------------------


@contextmanager
def open_csv(
    path: Path,
    problems: ProblemLog,
    *,
    encoding: str | None = "UTF-8",
    bad_lines: set[int] | None = None,
) -> Iterator[CsvReader | None]:
    """A strict :func:`csv.reader` over the file's :func:`decoded_lines`, closed on leaving the
    with block; None (with a problem) when the file cannot be opened.

    With ``bad_lines``, reading goes on past an undecodable line and its number is added there
    (see :func:`csv_rows`); without it, such a line ends the file.
    """
    handle = open_binary(path, problems)
    if handle is None:
        yield None
        return
    with handle:
        keep_going = bad_lines is not None
        lines = decoded_lines(
            handle,
            str(path),
            problems,
            encoding=encoding,
            keep_going=keep_going,
            bad_lines=bad_lines,
        )
        yield csv.reader(lines, strict=True)


def first_csv_row(path: Path) -> list[str] | None:
    """The fields of a file's first line read as CSV, for ``detect``: the line's first 64 KiB,
    a byte-order mark dropped and bad bytes replaced. None when ``path`` is not a readable file
    or the line is not CSV."""
    if not path.is_file():
        return None
    try:
        with open(path, "rb") as handle:
            first = handle.readline(HEAD_BYTES)
    except OSError:
        return None
    text = first.removeprefix(BOM).decode("utf-8", errors="replace")
    try:
        return next(csv.reader([text]), [])
    except csv.Error:
        return None


def csv_header(reader: CsvReader, shown: str, problems: ProblemLog) -> list[str] | None:
    """The header row, its names stripped; None with a problem when it is unreadable or the file
    is empty (unless the file's last problem already says why it reads as empty)."""
    try:
        header = next(reader, None)
    except csv.Error as exc:
        problems.add(shown, 1, None, f"unreadable header: {exc}")
        return None
    if header is None:
        if not problems.problems or problems.problems[-1].file != shown:
            problems.add(shown, None, None, "empty file (a header row is required)")
        return None
    return [column.strip() for column in header]


def csv_rows(
    reader: CsvReader, shown: str, problems: ProblemLog, bad_lines: set[int]
) -> Iterator[tuple[int, list[str]]]:
    """Each non-blank row with the line it starts on; rows over a line in ``bad_lines`` (already
    reported by :func:`decoded_lines`) are skipped.

    A CSV syntax error (a stray or unclosed quote) is reported on the line its row starts on, and
    stops reading: after it, where rows begin can no longer be trusted.
    """
    end = reader.line_num  # the last physical line of the previous row
    while True:
        start = end + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # In strict mode every csv error is a quote out of place; it belongs to the row
            # that was being read, which may have swallowed the lines after it.
            if "unexpected end of data" in str(exc):
                message = "unclosed quote in the row starting here (the file ends inside it)"
            else:
                message = (
                    f"malformed CSV, a quote out of place in the row starting here "
                    f"({exc} on line {reader.line_num}); reading stopped here"
                )
            problems.add(shown, start, None, message)
            return
        end = reader.line_num
        if any(start <= n <= end for n in bad_lines):
            continue  # already reported by the decoder
        if not any(v.strip() for v in values):
            continue
        yield start, values


# -- JSON files with lines and paths -------------------------------------------------------------


def json_type(value: Any) -> str:
    """What a JSON value is, for messages such as "must be a list, not a string"."""
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


@dataclass
class JsonValue:
    """A top-level value of a JSON file: an array element, or one JSON line."""

    file: str
    line: int | None
    prefix: str  # "[n]" for the n-th array element, "" for a JSON line
    value: Any


def json_files(folder: Path) -> list[Path]:
    """The ``.json``/``.jsonl`` files of a folder, in name order (hidden files left out)."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in (".json", ".jsonl")
    )


def first_json_object(path: Path, limit: int = 1 << 20) -> dict[str, Any] | None:
    """The first object of a JSON array or JSON-lines file, read from its first bytes only."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(limit)
    except OSError:
        return None
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("["):
        text = text[1:].lstrip()
    try:
        value, _ = json.JSONDecoder().raw_decode(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def json_values(path: Path, problems: ProblemLog) -> Iterator[JsonValue]:
    """Top-level values of ``path`` with their line; problems reported, never raised.

    A file whose first character is ``[`` is one JSON array (loaded whole: such files are
    small); anything else is JSON lines, read line by line, a bad line reported and skipped.
    """
    shown = str(path)
    handle = open_binary(path, problems)
    if handle is None:
        return
    with handle:
        start = handle.read(4096).lstrip(BOM + b" \t\r\n")
        handle.seek(0)
        if not start:
            problems.add(shown, None, None, "empty file: no JSON in it")
            return
        if start.startswith(b"["):
            yield from _array_values(shown, handle.read(), problems)
        else:
            yield from _line_values(shown, handle, problems)


def _line_values(shown: str, handle: BufferedReader, problems: ProblemLog) -> Iterator[JsonValue]:
    for number, text in utf8_lines(handle, shown, problems):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            problems.add(shown, number, None, f"not valid JSON: {exc.msg} (column {exc.colno})")
            continue
        except ValueError as exc:  # e.g. an integer of more than 4,300 digits
            problems.add(shown, number, None, f"not usable JSON: {exc}")
            continue
        yield JsonValue(shown, number, "", value)


def _array_values(shown: str, data: bytes, problems: ProblemLog) -> Iterator[JsonValue]:
    data = data.removeprefix(BOM)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.add(shown, line, None, f"not valid UTF-8 text ({exc.reason} at byte {exc.start})")
        return

    def unclosed(n: int) -> None:
        line = text.count("\n") + 1
        problems.add(shown, line, f"[{n}]", "the JSON array is not closed: truncated file?")

    decoder = json.JSONDecoder()
    pos = text.index("[") + 1
    line, counted = 1, 0
    n = 0
    while True:
        pos = _skip_space(text, pos)
        if pos >= len(text):
            unclosed(n)
            return
        if text[pos] == "]" and n == 0:
            break
        line += text.count("\n", counted, pos)
        counted = pos
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            # Both mean the text ran out inside the element: a cut-off download or copy.
            ended = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
            where = "the file ends inside it: truncated?" if ended else f"column {exc.colno}"
            problems.add(shown, exc.lineno, f"[{n}]", f"not valid JSON: {exc.msg} ({where})")
            return
        except ValueError as exc:  # e.g. an integer of more than 4,300 digits
            problems.add(shown, line, f"[{n}]", f"not usable JSON: {exc}")
            return
        yield JsonValue(shown, line, f"[{n}]", value)
        n += 1
        pos = _skip_space(text, end)
        if pos >= len(text):
            unclosed(n)
            return
        if text[pos] == ",":
            pos += 1
            continue
        if text[pos] == "]":
            break
        bad_line = text.count("\n", 0, pos) + 1
        problems.add(
            shown,
            bad_line,
            f"[{n}]",
            f"expected ',' or ']' after element [{n - 1}], found {text[pos]!r}",
        )
        return
    rest = _skip_space(text, pos + 1)
    if rest < len(text):
        problems.add(
            shown, text.count("\n", 0, rest) + 1, None, "text after the end of the JSON array"
        )


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos

"""Source formats: each one is a module that turns files into normalized records.

A format is a :class:`SourceFormat`: a name (what ``--format`` takes), a ``detect`` that looks at
a path, and a ``read`` that yields :mod:`ownership.records` and reports problems to a
:class:`~ownership.problems.ProblemLog` instead of raising. ``read`` must be repeatable: the
loader reads once to validate everything and a second time to write, so no file is held in
memory whole. Adding a format means adding a module and one line to :data:`FORMATS`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from ownership.problems import ProblemLog
from ownership.records import Record


class SourceFormat(Protocol):
    """What every importer module provides."""

    name: str
    description: str

    def detect(self, path: Path) -> bool:
        """True when ``path`` looks like this format (cheap: names and the first bytes)."""
        ...

    def read(self, path: Path, source: str, problems: ProblemLog) -> Iterator[Record]:
        """Yield valid records; report every invalid one to ``problems``."""
        ...


class _Formats(dict[str, SourceFormat]):
    """Every format by name, in detection order (the most specific first; registry CSV last).

    The modules are imported on first use: their country tables and parsers would add half a
    second to the start-up of every command, ``ownership --help`` included.
    """

    _loaded = False

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        from ownership.sources import (
            bods,
            eu_sanctions,
            ftm,
            gleif,
            jp_fsa,
            jp_nta,
            ofac,
            registry_csv,
            ru_egrul,
            uk_psc,
        )

        modules = (bods, uk_psc, ftm, gleif, jp_nta, ru_egrul, ofac, eu_sanctions, jp_fsa)
        for module in (*modules, registry_csv):
            super().__setitem__(module.FORMAT.name, module.FORMAT)

    def __getitem__(self, name: str) -> SourceFormat:
        self._load()
        return super().__getitem__(name)

    def __setitem__(self, name: str, value: SourceFormat) -> None:
        self._load()
        super().__setitem__(name, value)

    def __delitem__(self, name: str) -> None:
        self._load()
        super().__delitem__(name)

    def __contains__(self, name: object) -> bool:
        self._load()
        return super().__contains__(name)

    def __iter__(self) -> Iterator[str]:
        self._load()
        return super().__iter__()

    def __len__(self) -> int:
        self._load()
        return super().__len__()

    def get(self, name: str, default: Any = None) -> Any:
        self._load()
        return super().get(name, default)

    def keys(self) -> Any:
        self._load()
        return super().keys()

    def values(self) -> Any:
        self._load()
        return super().values()

    def items(self) -> Any:
        self._load()
        return super().items()


FORMATS: dict[str, SourceFormat] = _Formats()


class UnknownFormat(Exception):
    """No format was named and none recognised the path."""


def resolve_format(path: Path, name: str = "auto") -> SourceFormat:
    """The format called ``name``, or the first that detects ``path`` when ``name`` is auto."""
    if name != "auto":
        try:
            return FORMATS[name]
        except KeyError:
            known = ", ".join(sorted(FORMATS))
            raise UnknownFormat(f"unknown format {name!r} (known: auto, {known})") from None
    for fmt in FORMATS.values():
        if fmt.detect(path):
            return fmt
    raise UnknownFormat(f"{path}: {_why_unknown(path)}")


SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")


def _why_unknown(path: Path) -> str:
    """The likely cause when no format recognises ``path``, with the files that are expected."""
    from ownership.sources.registry_csv import DATASET, FILE_NAMES

    formats = f"pass --format ({', '.join(sorted(FORMATS))}) if it is one of them"
    if path.is_dir():
        found = sorted(child.name for child in path.iterdir() if not child.name.startswith("."))
        if not found:
            return f"the folder is empty; {DATASET}"
        misnamed = [name for name in found if name.lower() in FILE_NAMES and name not in FILE_NAMES]
        if misnamed:
            return f"{', '.join(misnamed)}: file names are lower case ({', '.join(FILE_NAMES)})"
        shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
        return f"no file of a known format in the folder (found {shown}); {DATASET}; {formats}"
    suffix = path.suffix.lower()
    if suffix in SPREADSHEETS:
        return (
            "a spreadsheet other than the FSA register (--format jp-fsa) is not read: save "
            "each sheet as CSV (UTF-8, comma-separated) into a folder, named "
            f"{', '.join(FILE_NAMES)}"
        )
    if path.name.lower() in FILE_NAMES:
        return f"file names are lower case: rename it {path.name.lower()}"
    if suffix == ".csv":
        return f"not a file of the registry-CSV format: {DATASET}; {formats}"
    return f"cannot tell its format; {formats}"

"""The sources file of ``ownership refresh`` (contract section 4): what to import, what to watch.

::

    [[source]]
    name = "seed-registry"   # unique; provenance and per-source replacement use it
    path = "registry"        # file, folder or glob, relative to this file; or url = "https://…"
    format = "csv"           # optional; auto-detected when absent
    timeout = 60             # optional, url only: seconds before a download is given up

    [[watch]]                # chains reported when they appear or disappear
    from = "JP"
    to = "RU"
    via = ["SG"]             # optional: an inner entity registered in each
    max_hops = 6             # optional

Every mistake is reported with the file and the key, and nothing is imported. A format that no
reader knows is not a mistake of the file: that source alone fails when the refresh runs.
"""

from __future__ import annotations

import glob
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ownership.analysis.chains import DEFAULT_MAX_HOPS
from ownership.cypher import MAX_HOPS_LIMIT

DEFAULT_TIMEOUT = 60.0
SOURCE_KEYS = ("name", "path", "url", "format", "timeout")
WATCH_KEYS = ("from", "to", "via", "max_hops")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


class SourcesFileError(ValueError):
    """The sources file cannot be read or does not describe sources."""


class SourceUnavailable(OSError):
    """A source's local path does not exist or its glob matches nothing."""


@dataclass(frozen=True)
class SourceSpec:
    """One ``[[source]]``: a local path (file, folder or glob) or a URL."""

    name: str
    base: Path  # the folder of the sources file: relative paths start here
    path: str | None = None
    url: str | None = None
    format: str = "auto"
    timeout: float = DEFAULT_TIMEOUT

    def local_paths(self) -> list[Path]:
        """The files or folders to import, in a stable order."""
        if self.path is None:
            raise SourceUnavailable(f"source {self.name} has a url, not a path")
        pattern = Path(self.path).expanduser()
        full = pattern if pattern.is_absolute() else self.base / pattern
        if glob.has_magic(str(full)):
            found = sorted(Path(p) for p in glob.glob(str(full)))
            if not found:
                raise SourceUnavailable(f"{full}: no file matches")
            return found
        if not full.exists():
            raise SourceUnavailable(f"{full}: no such file or folder")
        return [full]

    @property
    def location(self) -> str:
        return self.url or str(self.base / (self.path or ""))


@dataclass(frozen=True)
class Watch:
    """One ``[[watch]]``: chains from a country to a country, through countries."""

    from_country: str
    to_country: str
    via: tuple[str, ...] = ()
    max_hops: int = DEFAULT_MAX_HOPS

    @property
    def label(self) -> str:
        via = "".join(f" via {cc}" for cc in self.via)
        return f"{self.from_country} -> {self.to_country}{via}"


@dataclass(frozen=True)
class RefreshConfig:
    """A parsed sources file."""

    file: Path
    sources: list[SourceSpec] = field(default_factory=list)
    watches: list[Watch] = field(default_factory=list)


def load_config(file: Path | str) -> RefreshConfig:
    """Parse and check a sources file; :class:`SourcesFileError` names the file and the key."""
    file = Path(file)
    try:
        with open(file, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise SourcesFileError(f"{file}: no such sources file") from None
    except OSError as exc:
        raise SourcesFileError(f"{file}: cannot read it: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SourcesFileError(f"{file}: not valid TOML: {exc}") from None
    return parse_config(data, file)


def parse_config(data: dict[str, Any], file: Path) -> RefreshConfig:
    """Check the parsed TOML of ``file`` (its folder anchors relative paths)."""
    unknown = sorted(set(data) - {"source", "watch"})
    if unknown:
        raise SourcesFileError(
            f"{file}: unknown table or key {unknown[0]!r} (expected [[source]] and [[watch]])"
        )
    base = file.resolve().parent
    sources = [
        _source(item, i, file, base) for i, item in enumerate(_tables(data, "source", file), 1)
    ]
    seen: dict[str, int] = {}
    for i, spec in enumerate(sources, 1):
        if spec.name in seen:
            raise SourcesFileError(
                f"{file}: [[source]] #{i} name: {spec.name!r} is already the name of "
                f"[[source]] #{seen[spec.name]}"
            )
        seen[spec.name] = i
    watches = [_watch(item, i, file) for i, item in enumerate(_tables(data, "watch", file), 1)]
    return RefreshConfig(file=file, sources=sources, watches=watches)


def _tables(data: dict[str, Any], key: str, file: Path) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise SourcesFileError(f"{file}: {key}: write it as [[{key}]] tables")
    return value


def _source(item: dict[str, Any], i: int, file: Path, base: Path) -> SourceSpec:
    where = f"{file}: [[source]] #{i}"
    _no_unknown(item, SOURCE_KEYS, where)
    name = _text(item, "name", where, required=True)
    assert name is not None
    if not _NAME.match(name):
        raise SourcesFileError(
            f"{where} name: {name!r} must be letters, digits, '.', '_' or '-' (it names a folder "
            "of the download cache and prefixes every record key)"
        )
    where = f"{file}: [[source]] {name!r}"
    path = _text(item, "path", where)
    url = _text(item, "url", where)
    if (path is None) == (url is None):
        raise SourcesFileError(f"{where}: give exactly one of path and url")
    if url is not None and not re.match(r"^https?://", url, re.IGNORECASE):
        raise SourcesFileError(f"{where} url: {url!r} is not an http:// or https:// URL")
    fmt = _text(item, "format", where) or "auto"
    timeout = item.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise SourcesFileError(f"{where} timeout: {timeout!r} is not a positive number of seconds")
    if "timeout" in item and url is None:
        raise SourcesFileError(f"{where} timeout: only a url source is downloaded")
    return SourceSpec(name=name, base=base, path=path, url=url, format=fmt, timeout=float(timeout))


def _watch(item: dict[str, Any], i: int, file: Path) -> Watch:
    where = f"{file}: [[watch]] #{i}"
    _no_unknown(item, WATCH_KEYS, where)
    countries = {key: _country(item.get(key), key, where) for key in ("from", "to")}
    via_value = item.get("via", [])
    if isinstance(via_value, str):
        via_value = [via_value]
    if not isinstance(via_value, list):
        raise SourcesFileError(f'{where} via: a list of country codes, e.g. ["SG"]')
    via = tuple(_country(cc, "via", where) for cc in via_value)
    max_hops = item.get("max_hops", DEFAULT_MAX_HOPS)
    if (
        isinstance(max_hops, bool)
        or not isinstance(max_hops, int)
        or not 1 <= max_hops <= MAX_HOPS_LIMIT
    ):
        raise SourcesFileError(
            f"{where} max_hops: {max_hops!r} is not a whole number from 1 to {MAX_HOPS_LIMIT}"
        )
    return Watch(countries["from"], countries["to"], via, max_hops)


def _country(value: Any, key: str, where: str) -> str:
    if value is None:
        raise SourcesFileError(f"{where}: {key} is required (a two-letter country code)")
    if not isinstance(value, str) or not _COUNTRY.match(value.strip()):
        raise SourcesFileError(f"{where} {key}: {value!r} is not a two-letter country code")
    return value.strip().upper()


def _text(item: dict[str, Any], key: str, where: str, required: bool = False) -> str | None:
    value = item.get(key)
    if value is None:
        if required:
            raise SourcesFileError(f"{where}: {key} is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise SourcesFileError(f"{where} {key}: {value!r} is not a non-empty string")
    return value.strip()


def _no_unknown(item: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(item) - set(known))
    if unknown:
        raise SourcesFileError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(known)})")

"""Downloading URL sources into ``OWNERSHIP_HOME/cache/<source>/``.

A download is conditional: the ETag and Last-Modified of the previous one are sent back
(``If-None-Match``, ``If-Modified-Since``) and a ``304 Not Modified`` reuses the cached copy.
The body is streamed to a temporary file, its sha256 computed on the way, and moved into place
only when complete, so an interrupted download never replaces a good copy. A ``.zip`` (a
registry-CSV folder, say) is unpacked next to it and the unpacked folder is what gets imported.

``cache/<source>/meta.json`` keeps the URL, validators, checksum and file name of the last
download.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from ownership import __version__, clock

CHUNK = 1 << 16
META = "meta.json"
UNPACKED = "unpacked"
USER_AGENT = f"ownership-refresh/{__version__}"


class FetchError(OSError):
    """A URL source could not be downloaded (or its download could not be used)."""


@dataclass
class Fetched:
    """The local copy of a URL source."""

    url: str
    file: str  # the downloaded file's name inside the cache folder
    sha256: str
    etag: str | None
    last_modified: str | None
    fetched_at: str
    not_modified: bool = False  # True when the server answered 304 and the cache was reused
    path: str = ""  # what to import: the file, or the folder a zip was unpacked into

    def as_meta(self) -> dict[str, object]:
        meta = asdict(self)
        meta.pop("not_modified")
        return meta


def cache_dir(home: Path, source: str) -> Path:
    return home / "cache" / source


def fetch(url: str, folder: Path, timeout: float = 60.0) -> Fetched:
    """Bring ``folder`` up to date with ``url``; raise :class:`FetchError` on any failure."""
    folder.mkdir(parents=True, exist_ok=True)
    previous = _read_meta(folder, url)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    if previous is not None:
        if previous.etag:
            request.add_header("If-None-Match", previous.etag)
        if previous.last_modified:
            request.add_header("If-Modified-Since", previous.last_modified)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (http/https only)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 304 and previous is not None:
            previous.not_modified = True
            return previous
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise FetchError(f"{url}: download failed: {reason}") from None
    with response:
        name = _file_name(url, response.headers.get("Content-Disposition"))
        digest = hashlib.sha256()
        handle, temp = tempfile.mkstemp(prefix=".download-", dir=folder)
        try:
            with os.fdopen(handle, "wb") as out:
                while chunk := response.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and os.path.getsize(temp) != int(length):
                raise FetchError(
                    f"{url}: download incomplete ({os.path.getsize(temp)} of {length} bytes)"
                )
            if previous is not None and previous.file != name:
                with contextlib.suppress(OSError):
                    (folder / previous.file).unlink()
            os.replace(temp, folder / name)
        except (OSError, TimeoutError) as exc:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            if isinstance(exc, FetchError):
                raise
            raise FetchError(f"{url}: download failed: {exc}") from None
        fetched = Fetched(
            url=url,
            file=name,
            sha256=digest.hexdigest(),
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
            fetched_at=clock.now().isoformat(),
        )
    fetched.path = str(_unpack(folder, folder / name))
    _write_meta(folder, fetched)
    return fetched


def _read_meta(folder: Path, url: str) -> Fetched | None:
    """The previous download of ``url``, when its files are still there."""
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        fetched = Fetched(**meta)
    except (OSError, ValueError, TypeError):
        return None
    if (
        fetched.url != url
        or not (folder / fetched.file).is_file()
        or not Path(fetched.path).exists()
    ):
        return None
    return fetched


def _write_meta(folder: Path, fetched: Fetched) -> None:
    temp = folder / (META + ".tmp")
    temp.write_text(json.dumps(fetched.as_meta(), indent=2), encoding="utf-8")
    os.replace(temp, folder / META)


def _file_name(url: str, disposition: str | None) -> str:
    """A safe local name: Content-Disposition's filename, else the URL's last path segment."""
    name = ""
    if disposition:
        match = re.search(r'filename="?([^";]+)"?', disposition)
        if match:
            name = match.group(1)
    if not name:
        name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rstrip("/").rpartition("/")[2])
    name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(name).name).lstrip(".")
    if not name or name in (META, UNPACKED) or name.startswith(".download-"):
        name = "download"
    return name


OFFICE_SUFFIXES = (".xlsx", ".xlsm")


def _unpack(folder: Path, file: Path) -> Path:
    """A zip is unpacked into ``unpacked/`` (its single top folder if it has one), else ``file``.

    Returns what to import.
    """
    target = folder / UNPACKED
    # An Excel workbook is a zip too, but it is read as one file (jp-fsa).
    if not zipfile.is_zipfile(file) or file.suffix.lower() in OFFICE_SUFFIXES:
        shutil.rmtree(target, ignore_errors=True)
        return file
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=folder))
    try:
        with zipfile.ZipFile(file) as archive:
            for member in archive.infolist():
                parts = Path(member.filename).parts
                if member.filename.startswith("/") or ".." in parts:
                    raise FetchError(f"{file.name}: unsafe path in the archive: {member.filename}")
                if parts and parts[0] == "__MACOSX":
                    continue
                archive.extract(member, staging)
    except (zipfile.BadZipFile, OSError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, FetchError):
            raise
        raise FetchError(f"{file.name}: cannot unpack: {exc}") from None
    shutil.rmtree(target, ignore_errors=True)
    os.replace(staging, target)
    entries = [p for p in target.iterdir() if not p.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return target

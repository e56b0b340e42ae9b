"""Text normalization for matching names, aliases and addresses.

Matching must ignore case, accents, punctuation and full-width forms (Japanese registry text is
often full-width), so ``"Ｋａｂｕ  Co., Ltd."`` and ``"kabu co ltd"`` compare equal. Cyrillic and
Japanese letters are kept as they are: they are letters, not decoration.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz, process

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_KANA_MARKS = "\u3099\u309a"  # combining (semi-)voiced sound marks


def normalize(text: str | None) -> str:
    """Case-, accent-, width- and punctuation-insensitive form of ``text`` ('' for None)."""
    if not text:
        return ""
    if text.isascii():  # no width, accent or kana to fold: a tenth of a refresh's comparison
        return _NON_WORD.sub(" ", text.casefold()).strip()
    return _normalize_unicode(text)


def _normalize_unicode(text: str) -> str:
    """:func:`normalize` for any text: widths, accents and kana folded first."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFKD", folded)
    stripped = "".join(
        ch for ch in decomposed if not unicodedata.combining(ch) or ch in _KANA_MARKS
    )
    # NFKD splits Japanese voiced kana (ガ → カ + ゛): keep the mark and recompose, or
    # ビットバンク would match ヒットハンク.
    recomposed = unicodedata.normalize("NFC", stripped)
    return _NON_WORD.sub(" ", recomposed).strip()


def normalize_address(address: str | None) -> str:
    """An address key for spotting mass registration: ``#05-01`` and ``# 05-01`` agree."""
    return normalize(address).replace(" ", "")


def closest(text: str, choices: Iterable[str], limit: int = 3, cutoff: float = 70.0) -> list[str]:
    """The ``choices`` most like ``text`` (typos, word order), best first, for "did you mean".

    Compared in :func:`normalize`d form with rapidfuzz's WRatio, the same library that scores
    entity matches; below ``cutoff`` (0–100) nothing is suggested rather than something silly.
    """
    by_key: dict[str, str] = {}
    for choice in choices:
        by_key.setdefault(normalize(choice), choice)
    found = process.extract(
        normalize(text), list(by_key), scorer=fuzz.WRatio, limit=limit, score_cutoff=cutoff
    )
    return [by_key[key] for key, _score, _index in found]

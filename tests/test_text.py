"""Name normalization: the ASCII fast path gives what the full Unicode folding gives."""

from __future__ import annotations

import random
import string

from ownership.text import _normalize_unicode, normalize


def test_ascii_text_normalizes_as_the_full_folding_does() -> None:
    ascii_chars = [chr(i) for i in range(128)]
    samples = ascii_chars + ["  Kabu Co., Ltd. ", "OOO_Angara--Holding", "#05-01 Raffles"]
    rng = random.Random(7)
    alphabet = string.printable + "\x00\x1f\x7f"
    samples += ["".join(rng.choices(alphabet, k=rng.randint(1, 40))) for _ in range(20_000)]
    for text in samples:
        assert normalize(text) == _normalize_unicode(text), repr(text)


def test_other_text_is_folded() -> None:
    assert normalize("Ｋａｂｕ  Co., Ltd.") == "kabu co ltd"
    assert normalize("Société Générale") == "societe generale"
    assert normalize("ビットバンク") != normalize("ヒットハンク")

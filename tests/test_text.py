"""Text normalization: the shortcut for ASCII text gives what the Unicode steps give."""

from __future__ import annotations

import random
import string

from ownership.text import _folded, normalize


def test_ascii_shortcut_equals_the_unicode_steps() -> None:
    rng = random.Random(7)
    alphabet = [chr(i) for i in range(128)]
    samples = [*alphabet, "  Kabu  Co., Ltd. ", "O'Neil & Sons_Holdings-LLC", string.printable]
    samples += [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))) for _ in range(5000)
    ]
    for text in samples:
        assert normalize(text) == _folded(text), repr(text)


def test_other_text_still_goes_the_unicode_way() -> None:
    assert normalize("Ｋａｂｕ  Co., Ltd.") == "kabu co ltd"
    assert normalize("Société Générale") == "societe generale"
    assert normalize("ビットバンク") != normalize("ヒットハンク")

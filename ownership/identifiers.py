"""Validators for company identifiers that carry check digits.

Registry extracts, sanctions lists and hand-typed spreadsheets all carry company numbers, and
matching records across them is the core of an ownership investigation. A number with a wrong
check digit is almost always a typo or an OCR error; accepting it would either merge two different
companies or hide a match. These functions catch that, with no third-party dependency, so that
importers and tests can call them anywhere.

Conventions used throughout:

* Validators (``valid_*``) take the *canonical* form: no spaces, no hyphens, upper case, ASCII
  digits only. They never clean up input themselves, because silently accepting a decorated value
  would hide problems in a source file. Call :func:`normalize_identifier` first when the value
  comes from free text.
* Validators return ``False`` for anything that is not a ``str`` (an ``int`` would already have
  lost leading zeros, which are significant in several schemes).
* Generators (``jp_corporate_number``, ``ogrn``, ``inn10`` …) take the number without its check
  digit(s) and return the full number; they raise ``ValueError`` on malformed input, because a
  generator is called by code, and code that passes garbage has a bug worth surfacing.
* Scheme names follow org-id.guide (``JP-JCN``, ``RU-OGRN``, ``RU-INN``, ``SG-ACRA``, ``XI-LEI``),
  the same codes BODS uses in ``identifiers[].scheme``; short aliases (``lei``, ``inn`` …) are
  accepted too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date

from ownership import clock

__all__ = [
    "canonical_scheme",
    "inn10",
    "inn12",
    "jp_corporate_number",
    "lei",
    "normalize_identifier",
    "ogrn",
    "ogrnip",
    "valid_identifier",
    "valid_inn",
    "valid_jp_corporate_number",
    "valid_lei",
    "valid_ogrn",
    "valid_ogrnip",
    "valid_uen",
    "validator_for",
]

# ``str.isdigit`` accepts full-width digits, superscripts and other scripts' digits, all of which
# int() would then happily parse. Registry numbers are ASCII, so every check uses these patterns.
_ASCII_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_ALNUM = re.compile(r"[0-9A-Z]+", re.ASCII)


def _is_digits(s: object, length: int) -> bool:
    return isinstance(s, str) and len(s) == length and _ASCII_DIGITS.fullmatch(s) is not None


def _require_digits(s: object, length: int, what: str) -> str:
    if not _is_digits(s, length):
        raise ValueError(f"{what} must be exactly {length} ASCII digits, got {s!r}")
    assert isinstance(s, str)
    return s


# --------------------------------------------------------------------------------------------
# Japan: corporate number (法人番号), National Tax Agency
# --------------------------------------------------------------------------------------------


def _jp_check_digit(base12: str) -> int:
    """Check digit of a Japanese corporate number, from its 12 base digits.

    The rule of 法人番号の指定等に関する省令 (平成26年財務省令第70号) 第2条: with P_n the n-th
    base digit counted from the *right* and Q_n = 1 for odd n, 2 for even n, the check digit is
    9 - ((sum of P_n * Q_n) mod 9). The ordinance's bracketing can be misread as taking each
    product mod 9; that reading gives two-digit results, so the mod applies to the sum. The check
    digit is therefore always 1..9, never 0.
    """
    total = 0
    for n, ch in enumerate(reversed(base12), start=1):
        total += int(ch) * (1 if n % 2 else 2)
    return 9 - total % 9


def jp_corporate_number(base12: str) -> str:
    """Return the 13-digit corporate number for a 12-digit base (check digit prepended).

    Unlike most schemes the check digit comes *first*; for a registered company the 12 base digits
    are its commercial-registry number (会社法人等番号: 4-digit registry office, 2-digit company
    kind, 6-digit serial).
    """
    base12 = _require_digits(base12, 12, "base12")
    return f"{_jp_check_digit(base12)}{base12}"


def valid_jp_corporate_number(s: str) -> bool:
    """True if ``s`` is 13 ASCII digits whose first digit is the NTA check digit of the rest.

    This catches the errors of copying a 13-digit number by hand: every single wrong digit and
    every swap of neighbouring digits, except where a 0 and a 9 are involved (a difference of 9
    vanishes mod 9). The invoice-issuer form ``T`` + number is not accepted here;
    :func:`normalize_identifier` strips the ``T``.
    """
    return _is_digits(s, 13) and int(s[0]) == _jp_check_digit(s[1:])


# --------------------------------------------------------------------------------------------
# Russia: OGRN / OGRNIP (ЕГРЮЛ / ЕГРИП registration numbers) and INN (tax number)
# --------------------------------------------------------------------------------------------


def ogrn(base12: str) -> str:
    """Return the 13-digit OGRN for its first 12 digits: check = (base as integer mod 11) mod 10.

    Layout of the base: record kind (1 or 5 for a company), 2-digit year of registration,
    2-digit region (38 = Irkutsk Oblast), 2-digit tax office, 5-digit serial.
    """
    base12 = _require_digits(base12, 12, "base12")
    return f"{base12}{int(base12) % 11 % 10}"


def ogrnip(base14: str) -> str:
    """Return the 15-digit OGRNIP (sole proprietor) for 14 digits: check = (base mod 13) mod 10."""
    base14 = _require_digits(base14, 14, "base14")
    return f"{base14}{int(base14) % 13 % 10}"


def valid_ogrnip(s: str) -> bool:
    """True if ``s`` is a 15-digit OGRNIP with a correct check digit."""
    return _is_digits(s, 15) and int(s[:14]) % 13 % 10 == int(s[14])


def valid_ogrn(s: str) -> bool:
    """True if ``s`` is a 13-digit OGRN (company) or a 15-digit OGRNIP, each with its check digit.

    Both lengths are accepted because a Russian ``registration_number`` field holds whichever the
    registered party has (a company's OGRN or a sole proprietor's OGRNIP). The leading digit is
    not checked: it encodes the kind of record (1 or 5 for companies, 3 for proprietors) and
    published descriptions of the other values disagree, so only the check digit is enforced.
    """
    if _is_digits(s, 13):
        return int(s[:12]) % 11 % 10 == int(s[12])
    return valid_ogrnip(s)


_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _weighted_mod11(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10


def inn10(base9: str) -> str:
    """Return the 10-digit organisation INN for its first 9 digits (weights 2,4,10,3,5,9,4,6,8).

    The first four digits are the tax office that issued it (3808, 3811 … for Irkutsk).
    """
    base9 = _require_digits(base9, 9, "base9")
    return base9 + str(_weighted_mod11(base9, _INN10_WEIGHTS))


def inn12(base10: str) -> str:
    """Return the 12-digit personal INN for its first 10 digits (two check digits)."""
    base10 = _require_digits(base10, 10, "base10")
    first = base10 + str(_weighted_mod11(base10, _INN12_WEIGHTS_1))
    return first + str(_weighted_mod11(first, _INN12_WEIGHTS_2))


def valid_inn(s: str) -> bool:
    """True if ``s`` is a valid Russian INN: 10 digits (organisation) or 12 digits (person).

    Sanctions lists give INNs for companies and for individuals alike, so both lengths are
    accepted; a 12-digit INN must pass both of its check digits.
    """
    if _is_digits(s, 10):
        return _weighted_mod11(s[:9], _INN10_WEIGHTS) == int(s[9])
    if _is_digits(s, 12):
        first_ok = _weighted_mod11(s[:10], _INN12_WEIGHTS_1) == int(s[10])
        return first_ok and _weighted_mod11(s[:11], _INN12_WEIGHTS_2) == int(s[11])
    return False


# --------------------------------------------------------------------------------------------
# Singapore: UEN (Unique Entity Number), ACRA and other issuing agencies
# --------------------------------------------------------------------------------------------

# Entity-type indicators of the "other entities" form (T/S/R + year + type + serial + letter), as
# listed by the UEN authority: LP limited partnership, LL limited liability partnership, FC
# foreign company branch, CS cooperative society, MB media, …
_UEN_ENTITY_TYPES = frozenset(
    "CC CD CH CL CM CP CS CX DP FB FC FM FN GA GB GS HS LL LP MB MC MD MH MM MQ NB NR PA PB PF "
    "RF RP SM SS TC TU VH XL".split()
)
_UEN_ROB = re.compile(r"[0-9]{8}[A-Z]", re.ASCII)  # businesses: 8 digits + check letter
_UEN_ROC = re.compile(r"([0-9]{4})[0-9]{5}[A-Z]", re.ASCII)  # companies: year + 5 digits + letter
_UEN_FOREIGN = re.compile(r"F000[0-9]{5}[A-Z]", re.ASCII)  # older foreign-company numbers
_UEN_OTHER = re.compile(r"([RST])([0-9]{2})([A-Z]{2})[0-9]{4}[A-Z]", re.ASCII)

_UEN_CENTURY = {"R": 1800, "S": 1900, "T": 2000}


def valid_uen(s: str, *, today: date | None = None) -> bool:
    """True if ``s`` has the *format* of a Singapore UEN. The check letter is not verified.

    Why format only: the check-letter algorithm is not published by ACRA or the UEN authority;
    versions circulating online are reverse-engineered, and rejecting a real number because of a
    guessed algorithm would be worse than accepting a typo. What is checked:

    * ROB business: 8 digits + letter (``53012345D``);
    * ROC local company: 4-digit year of incorporation + 5 digits + letter (``201912345K``), the
      year between 1800 and the current year (``today``, for reproducible tests);
    * foreign company (older form): ``F000`` + 5 digits + letter;
    * other entities: ``T``/``S``/``R`` (20xx/19xx/18xx) + 2-digit year + a known entity-type code
      + 4 digits + letter (``T09LL0001B``), the year not in the future.
    """
    if not isinstance(s, str):
        return False
    year_now = (today or clock.today()).year
    if len(s) == 9:
        return _UEN_ROB.fullmatch(s) is not None
    if len(s) != 10:
        return False
    m = _UEN_ROC.fullmatch(s)
    if m:
        return 1800 <= int(m.group(1)) <= year_now
    if _UEN_FOREIGN.fullmatch(s):
        return True
    m = _UEN_OTHER.fullmatch(s)
    if m:
        year = _UEN_CENTURY[m.group(1)] + int(m.group(2))
        return year <= year_now and m.group(3) in _UEN_ENTITY_TYPES
    return False


# --------------------------------------------------------------------------------------------
# LEI (ISO 17442): 18 alphanumerics + 2 check digits, ISO 7064 MOD 97-10
# --------------------------------------------------------------------------------------------


def _mod97(alnum: str) -> int:
    # Letters become two-digit numbers, A=10 … Z=35, as in IBANs; int() copes with the length.
    return int("".join(str(int(ch, 36)) for ch in alnum)) % 97


def lei(base18: str) -> str:
    """Return the 20-character LEI for an 18-character base: check = 98 - (base·100 mod 97)."""
    if not (isinstance(base18, str) and len(base18) == 18 and _ALNUM.fullmatch(base18)):
        raise ValueError(f"base18 must be 18 characters 0-9 A-Z, got {base18!r}")
    return f"{base18}{98 - _mod97(base18 + '00'):02d}"


def valid_lei(s: str) -> bool:
    """True if ``s`` is a well-formed LEI whose MOD 97-10 checksum is 1.

    Beyond the checksum, the check digits themselves must be 02..98: ISO 7064 never produces 00,
    01 or 99, and a string ending in 01 or 99 can still satisfy "mod 97 == 1" (it is the right
    number plus or minus 97), so the checksum alone would accept it.

    Every single-character error of the same class (digit for digit, letter for letter) and every
    adjacent transposition of digits is caught; a digit replaced by a letter occasionally is not,
    because a letter becomes two digits before the mod-97 step.
    """
    if not (isinstance(s, str) and len(s) == 20 and _ALNUM.fullmatch(s)):
        return False
    if not _is_digits(s[18:], 2) or not 2 <= int(s[18:]) <= 98:
        return False
    return _mod97(s) == 1


# --------------------------------------------------------------------------------------------
# Schemes and normalisation
# --------------------------------------------------------------------------------------------

_SCHEME_ALIASES: dict[str, str] = {
    "jp-jcn": "JP-JCN",
    "jcn": "JP-JCN",
    "jp-cn": "JP-JCN",
    "jp-corporate-number": "JP-JCN",
    "corporate-number": "JP-JCN",
    "ru-ogrn": "RU-OGRN",
    "ogrn": "RU-OGRN",
    "ru-ogrnip": "RU-OGRN",
    "ogrnip": "RU-OGRN",
    "ru-inn": "RU-INN",
    "inn": "RU-INN",
    "sg-acra": "SG-ACRA",
    "sg-uen": "SG-ACRA",
    "uen": "SG-ACRA",
    "xi-lei": "XI-LEI",
    "lei": "XI-LEI",
}

_VALIDATORS: dict[str, Callable[[str], bool]] = {
    "JP-JCN": valid_jp_corporate_number,
    "RU-OGRN": valid_ogrn,
    "RU-INN": valid_inn,
    "SG-ACRA": valid_uen,
    "XI-LEI": valid_lei,
}

# Hyphen look-alikes that show up in copied registry numbers: ASCII hyphen, Unicode hyphens and
# dashes, minus sign, and the katakana prolonged-sound mark that Japanese typists often use as a
# dash (NFKC turns the half-width form into the full-width one first).
_SEPARATORS = re.compile("[\\s\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc]+")
_UEN_FOREIGN_SPACED = re.compile(r"F\s{3}([0-9]{5}[A-Z])", re.ASCII)


def canonical_scheme(scheme: str) -> str | None:
    """The org-id.guide code for a scheme name (``"lei"`` -> ``"XI-LEI"``), or None if unknown."""
    key = scheme.strip().lower().replace("_", "-").replace(" ", "-")
    return _SCHEME_ALIASES.get(key)


def normalize_identifier(scheme: str, value: str) -> str:
    """Canonical form of an identifier: NFKC, no spaces or hyphens, upper case.

    Why each step: NFKC turns full-width digits and letters (common in Japanese sources,
    ``１１８０…``) and the ideographic space into ASCII; registries print numbers grouped with
    spaces or hyphens (``1180-3010-18771``, ``1 027 700 132 195``) that are not part of the number;
    LEIs and UENs are defined in upper case. Scheme-specific extras:

    * ``JP-JCN``: a leading ``T`` (the qualified-invoice issuer number is ``T`` + the corporate
      number) is dropped when 13 digits follow it;
    * ``SG-ACRA``: the older foreign-company form written with three spaces (``F   56789H``)
      means ``F000…``, so those spaces become zeros instead of being dropped.

    Unknown schemes get the generic treatment. The result is not validated.
    """
    text = unicodedata.normalize("NFKC", value).strip().upper()
    canon = canonical_scheme(scheme)
    if canon == "SG-ACRA":
        text = _UEN_FOREIGN_SPACED.sub(r"F000\1", text)
    text = _SEPARATORS.sub("", text)
    if canon == "JP-JCN" and len(text) == 14 and text[0] == "T" and _is_digits(text[1:], 13):
        text = text[1:]
    return text


def validator_for(scheme: str) -> Callable[[str], bool] | None:
    """The validator for a scheme name, or None when the scheme has no check we know of."""
    canon = canonical_scheme(scheme)
    return _VALIDATORS.get(canon) if canon else None


def valid_identifier(scheme: str, value: str) -> bool:
    """Normalise ``value`` for ``scheme`` and validate it.

    Raises ``ValueError`` for a scheme without a validator: answering True would claim a check
    that never happened, answering False would reject every number of that scheme.
    """
    check = validator_for(scheme)
    if check is None:
        raise ValueError(f"no validator for identifier scheme {scheme!r}")
    return check(normalize_identifier(scheme, value))

"""Check-digit validators against real, published identifiers and against corrupted copies.

The real numbers below are public: corporate numbers from Japan's NTA publication site, Russian
registration numbers as printed in the EU Official Journal and on the OFAC SDN list, LEIs and UENs
from GLEIF records. A validator that only ever sees generated numbers can share a bug with the
generator; these pin the algorithms to the outside world.
"""

from __future__ import annotations

import random
from datetime import date

import pytest

from ownership.identifiers import (
    canonical_scheme,
    inn10,
    inn12,
    jp_corporate_number,
    lei,
    normalize_identifier,
    ogrn,
    ogrnip,
    valid_identifier,
    valid_inn,
    valid_jp_corporate_number,
    valid_lei,
    valid_ogrn,
    valid_ogrnip,
    valid_uen,
    validator_for,
)

# ------------------------------------------------------------------------- real identifiers

JP_REAL = {
    "1180301018771": "Toyota Motor Corporation",
    "7000012050002": "National Tax Agency",
    "4011001098993": "a Tokyo company used as the worked example in a published explanation",
}
OGRN_REAL = {
    "1027700132195": "Sberbank (EU Reg. 269/2014 annex)",
    "1173850041749": "OOO BitRiver Rus, Irkutsk Oblast (OFAC SDN)",
    "1217700448448": "OOO Management Company BitRiver (OFAC SDN)",
    "1027800000084": "Bank Rossiya (EU Reg. 269/2014 annex)",
}
OGRNIP_REAL = ["315183100004295"]  # labelled "OGRNIP" on the OFAC SDN list
INN10_REAL = {
    "7707083893": "Sberbank",
    "3805731961": "OOO BitRiver Rus (OFAC SDN)",
    "9715406566": "OOO Management Company BitRiver (OFAC SDN)",
    "7831000122": "Bank Rossiya (EU annex)",
}
INN12_REAL = ["770465002364", "183475635611"]  # personal INNs printed on the OFAC SDN list
LEI_REAL = {
    "529900T8BM49AURSDO55": "Ubisecure Oy",
    "21380068P1DRHMJ8KU70": "Shell plc",
    "5493009V2TKX7TKLBP02": "Shell Japan (シェルジャパン株式会社)",
    "2138008C61FDWXDY5169": "Shell Tankers (Singapore) Private Limited",
}
UEN_REAL = {
    "200010249N": "Shell Tankers (Singapore) Private Limited (GLEIF registeredAs)",
    "201906581Z": "Microsoft Regional Sales Pte Ltd (GLEIF registeredAs)",
    "201109821G": "LinkedIn Singapore Pte. Ltd. (GLEIF registeredAs)",
    "196800306E": "DBS Bank Ltd",
}


def _digit_substitutions(number: str, positions: range | None = None):
    """Every copy of ``number`` with exactly one digit replaced by another digit."""
    for i in positions if positions is not None else range(len(number)):
        for d in "0123456789":
            if d != number[i]:
                yield i, d, number[:i] + d + number[i + 1 :]


def _adjacent_swaps(number: str):
    for i in range(len(number) - 1):
        if number[i] != number[i + 1]:
            yield number[:i] + number[i + 1] + number[i] + number[i + 2 :]


# ------------------------------------------------------------------------- Japan


@pytest.mark.parametrize("number", sorted(JP_REAL))
def test_real_jp_corporate_numbers_are_valid(number: str) -> None:
    assert valid_jp_corporate_number(number), JP_REAL[number]
    assert jp_corporate_number(number[1:]) == number


def test_jp_check_digit_is_first_and_worked_example() -> None:
    # Toyota: base 180301018771, digits from the right weighted 1,2,1,2…: sum 53, 53 mod 9 = 8,
    # check digit 9 - 8 = 1, written in FRONT of the base.
    assert jp_corporate_number("180301018771") == "1180301018771"
    # The check digit is never 0 (9 - (x mod 9) is 1..9), so a leading 0 is always wrong.
    assert not any(valid_jp_corporate_number("0" + n[1:]) for n in JP_REAL)


def test_jp_corrupted_numbers_fail_except_the_mod9_blind_spot() -> None:
    number = "1180301018771"
    undetected = [
        (i, number[i], d)
        for i, d, bad in _digit_substitutions(number)
        if valid_jp_corporate_number(bad)
    ]
    # Mod 9 cannot see 0 <-> 9 in the base digits; every other single-digit error is caught.
    assert undetected, "expected the known 0<->9 blind spot"
    assert all(i > 0 and {old, new} == {"0", "9"} for i, old, new in undetected)
    # Swapping neighbours a, b in the base changes the weighted sum by a - b: caught unless the
    # pair is 0 and 9 (there is none in this number).
    for swapped in _adjacent_swaps(number[1:]):
        assert not valid_jp_corporate_number(number[0] + swapped), swapped


@pytest.mark.parametrize(
    "bad",
    [
        "118030101877",
        "11803010187710",
        "1180301018772",
        "118030101877A",
        "",
        "１１８０３０１０１８７７１",  # full-width digits: normalise first
    ],
)
def test_jp_malformed(bad: str) -> None:
    assert not valid_jp_corporate_number(bad)


def test_jp_generator_rejects_bad_base() -> None:
    for base in ["18030101877", "1803010187711", "18030101877X", "１８０３０１０１８７７１"]:
        with pytest.raises(ValueError):
            jp_corporate_number(base)


# ------------------------------------------------------------------------- Russia


@pytest.mark.parametrize("number", sorted(OGRN_REAL))
def test_real_ogrn_valid(number: str) -> None:
    assert valid_ogrn(number), OGRN_REAL[number]
    assert ogrn(number[:12]) == number


@pytest.mark.parametrize("number", OGRNIP_REAL)
def test_real_ogrnip_valid(number: str) -> None:
    assert valid_ogrnip(number)
    assert valid_ogrn(number)  # registration_number may hold either
    assert ogrnip(number[:14]) == number
    assert not valid_ogrnip(number[:13])


@pytest.mark.parametrize("number", sorted(OGRN_REAL) + OGRNIP_REAL)
def test_ogrn_every_changed_check_digit_fails(number: str) -> None:
    last = len(number) - 1
    for _, _, bad in _digit_substitutions(number, range(last, last + 1)):
        assert not valid_ogrn(bad), bad


def test_ogrn_most_corruptions_fail() -> None:
    # A single remainder digit cannot catch everything (mod 11 then mod 10 folds 10 onto 0),
    # but nearly all single-digit errors must be caught.
    for number in OGRN_REAL:
        subs = list(_digit_substitutions(number))
        caught = sum(not valid_ogrn(bad) for _, _, bad in subs)
        assert caught / len(subs) > 0.85, number


@pytest.mark.parametrize("number", sorted(INN10_REAL))
def test_real_inn10_valid(number: str) -> None:
    assert valid_inn(number), INN10_REAL[number]
    assert inn10(number[:9]) == number
    assert not valid_inn(number[:9] + str((int(number[9]) + 1) % 10))


@pytest.mark.parametrize("number", INN12_REAL)
def test_real_inn12_valid(number: str) -> None:
    assert valid_inn(number)
    assert inn12(number[:10]) == number
    # both check digits matter
    assert not valid_inn(number[:10] + str((int(number[10]) + 1) % 10) + number[11])
    assert not valid_inn(number[:11] + str((int(number[11]) + 1) % 10))


def test_inn_wrong_lengths_and_types() -> None:
    assert not valid_inn("770708389")  # 9 digits
    assert not valid_inn("77070838930")  # 11 digits
    assert not valid_inn(7707083893)  # type: ignore[arg-type]  # int lost nothing here, still refused
    assert not valid_ogrn(1027700132195)  # type: ignore[arg-type]
    assert not valid_inn("7707O83893")  # letter O for zero


def test_inn10_weights_worked_example() -> None:
    # 7707083893: 7*2+7*4+0*10+7*3+0*5+8*9+3*4+8*6+9*8 = 267; 267 mod 11 = 3; 3 mod 10 = 3.
    assert inn10("770708389") == "7707083893"


# ------------------------------------------------------------------------- Singapore UEN


@pytest.mark.parametrize("number", sorted(UEN_REAL))
def test_real_uen_format(number: str) -> None:
    assert valid_uen(number), UEN_REAL[number]


@pytest.mark.parametrize("number", ["53012345D", "T09LL0001B", "S16FC0121D", "F00056789H"])
def test_other_uen_forms(number: str) -> None:
    assert valid_uen(number)


@pytest.mark.parametrize(
    "bad",
    [
        "2019123K",  # too short for any form
        "2019123456K",  # one digit too many
        "201912345",  # no check letter
        "201912345k",  # lower case: normalise first
        "179912345K",  # year before 1800
        "T09ZZ0001B",  # unknown entity type
        "Q09LL0001B",  # unknown century letter
        "F12356789H",  # foreign form must be F000
        "2019-12345K",
    ],
)
def test_uen_malformed(bad: str) -> None:
    assert not valid_uen(bad)


def test_uen_year_not_in_future() -> None:
    assert valid_uen("202112345K", today=date(2021, 1, 1))
    assert not valid_uen("202212345K", today=date(2021, 12, 31))
    assert not valid_uen("T22LL0001B", today=date(2021, 12, 31))


def test_uen_check_letter_is_not_verified() -> None:
    # Documented limitation: the algorithm is unpublished, so any letter passes the format check.
    assert all(valid_uen(f"200010249{c}") for c in "ABCNXZ")


# ------------------------------------------------------------------------- LEI


@pytest.mark.parametrize("code", sorted(LEI_REAL))
def test_real_lei_valid(code: str) -> None:
    assert valid_lei(code), LEI_REAL[code]
    assert lei(code[:18]) == code


def test_lei_corruptions_fail() -> None:
    code = "529900T8BM49AURSDO55"
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    slipped = []
    for i in range(20):
        for c in alphabet:
            if c != code[i]:
                bad = code[:i] + c + code[i + 1 :]
                if valid_lei(bad):
                    slipped.append((code[i], c))
    # A letter expands to two digits before the mod-97 step, so swapping a digit for a letter can
    # go unseen (5 of 700 here); a digit for a digit, or a letter for a letter, never does.
    assert all(old.isdigit() != new.isdigit() for old, new in slipped), slipped
    assert len(slipped) <= 7
    for bad in _adjacent_swaps(code):
        assert not valid_lei(bad), bad
    assert not valid_lei(code.lower())
    assert not valid_lei(code[:19])
    assert not valid_lei(code + "0")


def test_lei_check_digits_01_and_99_are_refused() -> None:
    # Find bases whose proper check digits are 98 and 02; 01 / 99 then also give "mod 97 == 1".
    rng = random.Random(17442)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    found = {}
    while len(found) < 2:
        base = "".join(rng.choice(alphabet) for _ in range(18))
        full = lei(base)
        if full[18:] in ("98", "02"):
            found[full[18:]] = base
    assert valid_lei(found["98"] + "98") and not valid_lei(found["98"] + "01")
    assert valid_lei(found["02"] + "02") and not valid_lei(found["02"] + "99")


def test_lei_generator_round_trip() -> None:
    rng = random.Random(7064)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for _ in range(200):
        base = "".join(rng.choice(alphabet) for _ in range(18))
        assert valid_lei(lei(base))
    with pytest.raises(ValueError):
        lei("529900t8bm49aursdo")


# ------------------------------------------------------------------------- generators round trip


def test_generators_round_trip() -> None:
    rng = random.Random(2022)
    for _ in range(300):
        digits = "".join(rng.choice("0123456789") for _ in range(14))
        assert valid_jp_corporate_number(jp_corporate_number(digits[:12]))
        assert valid_ogrn(ogrn(digits[:12]))
        assert valid_ogrnip(ogrnip(digits))
        assert valid_inn(inn10(digits[:9]))
        assert valid_inn(inn12(digits[:10]))


# ------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("scheme", "raw", "expected"),
    [
        ("JP-JCN", "1180-3010-18771", "1180301018771"),
        ("jcn", " １１８０３０１０１８７７１ ", "1180301018771"),  # full-width digits
        ("JP-JCN", "T1180301018771", "1180301018771"),  # invoice issuer number
        ("JP-JCN", "1180\u30003010\u300018771", "1180301018771"),  # ideographic spaces
        ("RU-OGRN", "1 027 700 132 195", "1027700132195"),
        ("inn", "7707-083-893", "7707083893"),
        ("lei", "5299 00t8 bm49 aurs do55", "529900T8BM49AURSDO55"),
        ("XI-LEI", "529900T8BM49AURSDO55\n", "529900T8BM49AURSDO55"),
        ("uen", "201912345k", "201912345K"),
        ("SG-ACRA", "F   56789H", "F00056789H"),
        ("HK-CR", "  12-34 567 ", "1234567"),  # unknown scheme: generic treatment
        ("RU-INN", "7707\u2013083\u2212893", "7707083893"),  # en dash and minus sign
    ],
)
def test_normalize_identifier(scheme: str, raw: str, expected: str) -> None:
    assert normalize_identifier(scheme, raw) == expected


def test_normalize_keeps_a_leading_t_that_is_not_an_invoice_prefix() -> None:
    # Only "T" + 13 digits is the invoice form; other schemes keep their T (UEN "T09LL0001B").
    assert normalize_identifier("uen", "t09ll0001b") == "T09LL0001B"
    assert normalize_identifier("JP-JCN", "T118030101877") == "T118030101877"


def test_scheme_names() -> None:
    assert canonical_scheme("lei") == "XI-LEI"
    assert canonical_scheme("jp_corporate_number") == "JP-JCN"
    assert canonical_scheme("OGRNIP") == "RU-OGRN"
    assert canonical_scheme("GB-COH") is None
    assert validator_for("uen") is valid_uen
    assert validator_for("GB-COH") is None


def test_valid_identifier_normalises_then_checks() -> None:
    assert valid_identifier("jcn", "１１８０-３０１０-１８７７１")
    assert not valid_identifier("jcn", "1180-3010-18772")
    assert valid_identifier("lei", "529900t8bm49aursdo55")
    assert valid_identifier("RU-INN", "7707 083 893")
    with pytest.raises(ValueError):
        valid_identifier("GB-COH", "04366849")

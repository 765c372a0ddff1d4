from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from crm.validators import (
    legal_code_check_digit,
    normalise_email,
    normalise_legal_code,
    normalise_phone,
    normalise_vat_code,
)


@pytest.mark.parametrize("code", ["302470005", "111111113", "123456786", "304237131", "150187500"])
def test_valid_legal_codes_are_accepted(code):
    assert normalise_legal_code(code) == code


def test_legal_code_spaces_are_removed():
    assert normalise_legal_code(" 302 470 005 ") == "302470005"


@pytest.mark.parametrize("code", ["302470006", "302470000", "111111111"])
def test_legal_code_with_wrong_check_digit_is_refused(code):
    with pytest.raises(ValidationError) as excinfo:
        normalise_legal_code(code)
    assert excinfo.value.code == "legal_code_checksum"


@pytest.mark.parametrize("code", ["30247000", "3024700051", "30247000A", "LT302470005"])
def test_legal_code_must_have_nine_digits(code):
    with pytest.raises(ValidationError) as excinfo:
        normalise_legal_code(code)
    assert excinfo.value.code == "legal_code_format"


def test_check_digit_uses_second_weights_when_first_remainder_is_ten():
    # 1,2,...,8 weights on 00000019 give 8*9 = 72 ≡ 6; pick digits whose first sum ≡ 10:
    # 00000010 -> 7*1 = 7; 00000100 -> 6; find one by search to pin the rule itself.
    first = next(
        f"{n:08d}"
        for n in range(10_000_000, 10_100_000)
        if sum(int(d) * w for d, w in zip(f"{n:08d}", range(1, 9), strict=True)) % 11 == 10
    )
    second = sum(int(d) * w for d, w in zip(first, (3, 4, 5, 6, 7, 8, 9, 1), strict=True)) % 11
    assert legal_code_check_digit(first) == (0 if second == 10 else second)


def test_check_digit_is_zero_when_both_remainders_are_ten():
    first = next(
        f"{n:08d}"
        for n in range(10_000_000, 99_999_999)
        if sum(int(d) * w for d, w in zip(f"{n:08d}", range(1, 9), strict=True)) % 11 == 10
        and sum(int(d) * w for d, w in zip(f"{n:08d}", (3, 4, 5, 6, 7, 8, 9, 1), strict=True)) % 11 == 10
    )
    assert legal_code_check_digit(first) == 0
    assert normalise_legal_code(first + "0") == first + "0"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8 612 34567", "+37061234567"),
        ("+370 612 34567", "+37061234567"),
        ("(8 5) 212 3456", "+37052123456"),
        ("+32 2 299 11 11", "+3222991111"),
    ],
)
def test_phone_numbers_are_stored_in_e164(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12", "not a phone", "+370 1"])
def test_bad_phone_numbers_are_refused(raw):
    with pytest.raises(ValidationError):
        normalise_phone(raw)


def test_vat_codes_get_the_lt_prefix():
    assert normalise_vat_code("119511515") == "LT119511515"
    assert normalise_vat_code("lt 100001919017") == "LT100001919017"


def test_bad_vat_code_is_refused_with_a_lithuanian_message(settings):
    from django.utils import translation

    with translation.override("lt"), pytest.raises(ValidationError) as excinfo:
        normalise_vat_code("LT123")
    assert "PVM" in str(excinfo.value.messages[0])


def test_email_is_lowercased_and_trimmed():
    assert normalise_email("  Jurate.Zemaityte@Klasteris.LT ") == "jurate.zemaityte@klasteris.lt"

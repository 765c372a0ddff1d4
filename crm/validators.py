"""Validators and normalisers for Lithuanian identifiers, phones and e-mail.

Each `normalise_*` returns the canonical form or raises a ValidationError with a
Lithuanian message (source strings are English; the catalogue translates them).
"""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.lt import pvm


def legal_code_check_digit(first_eight: str) -> int:
    """The ninth digit of a Lithuanian legal entity code (the register's modulo 11 rule)."""
    digits = [int(c) for c in first_eight]
    remainder = sum(d * w for d, w in zip(digits, range(1, 9), strict=True)) % 11
    if remainder == 10:
        remainder = sum(d * w for d, w in zip(digits, (3, 4, 5, 6, 7, 8, 9, 1), strict=True)) % 11
        if remainder == 10:
            remainder = 0
    return remainder


def normalise_legal_code(value: str) -> str:
    """Strip spaces and check the 9 digits and their check digit."""
    code = "".join(str(value or "").split())
    if not code:
        return ""
    if len(code) != 9 or not code.isdigit():
        raise ValidationError(
            _("A legal entity code has exactly 9 digits; “%(value)s” does not."),
            code="legal_code_format",
            params={"value": value},
        )
    if legal_code_check_digit(code[:8]) != int(code[8]):
        raise ValidationError(
            _("The legal entity code “%(value)s” has a wrong check digit."),
            code="legal_code_checksum",
            params={"value": value},
        )
    return code


def validate_legal_code(value: str) -> None:
    normalise_legal_code(value)


def normalise_vat_code(value: str) -> str:
    """A Lithuanian VAT code, stored as LT followed by its 9 or 12 digits."""
    raw = "".join(str(value or "").split()).upper()
    if not raw:
        return ""
    try:
        return "LT" + pvm.validate(raw)
    except stdnum_exceptions.ValidationError as exc:
        raise ValidationError(
            _("“%(value)s” is not a valid Lithuanian VAT code (LT and 9 or 12 digits)."),
            code="vat_code",
            params={"value": value},
        ) from exc


def validate_vat_code(value: str) -> None:
    normalise_vat_code(value)


#: The words before an extension written the Lithuanian way: “vid. 123”, “papild. nr. 12”.
LITHUANIAN_EXTENSION_WORDS = r"(?:vid(?:inis)?|papild(?:omas)?)\.?\s*(?:nr\.?)?"
#: An extension written the Lithuanian way: “(8 5) 212 3456, vid. 123”, “… papild. 12”.
_LITHUANIAN_EXTENSION = re.compile(
    rf"[,;]?\s*\(?\b{LITHUANIAN_EXTENSION_WORDS}\s*(\d{{1,6}})\)?\s*$", re.IGNORECASE
)
PHONE_EXTENSION = " ext. "


def normalise_phone(value: str) -> str:
    """A phone number in E.164 (+370…); numbers without a country code are taken as Lithuanian.

    An extension is kept after the number, as “+37052123456 ext. 123”, which reads back the same.
    """
    raw = str(value or "").strip()
    if not raw:
        return ""
    raw = _LITHUANIAN_EXTENSION.sub(PHONE_EXTENSION.rstrip() + r" \1", raw)
    try:
        number = phonenumbers.parse(raw, "LT")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("“%(value)s” is not a phone number."), code="phone", params={"value": value}
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("“%(value)s” is not a valid phone number."), code="phone", params={"value": value}
        )
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return f"{e164}{PHONE_EXTENSION}{number.extension}" if number.extension else e164


def validate_phone(value: str) -> None:
    normalise_phone(value)


def normalise_email(value: str) -> str:
    """E-mail addresses are compared and stored in lower case, without surrounding spaces."""
    return str(value or "").strip().lower()

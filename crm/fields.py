"""Model fields that store a value in its canonical form.

`Model.full_clean()` (admin forms, imports) passes values through `to_python`, so a
phone typed as "8 612 34567" is stored as "+37061234567" and a bad value becomes a
field error instead of a crash.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from crm import validators


class NormalisingCharField(models.CharField):
    """A CharField whose `to_python` normalises and validates.

    CharField.get_prep_value calls to_python, which would re-parse (and re-validate) the value on
    every save, history copy and query filter. Normalising belongs to full_clean, so the database
    side only converts to text: a string is stored as it is, and None as "" (what normalising
    gives it) unless the field is nullable.
    """

    # What a person may type or paste: a code or phone with spaces, dashes or brackets is longer
    # than its stored form ("LT 100 001 919 017", 18 characters, is stored as 14). The model's
    # max_length still applies, to the normalised value, when the model is cleaned.
    FORM_MAX_LENGTH = 50

    def get_prep_value(self, value: Any) -> Any:
        value = models.Field.get_prep_value(self, value)
        if value is None:
            return None if self.null else ""
        return str(value)

    def formfield(self, **kwargs: Any) -> Any:
        # Django's form field would refuse the typed value (and the page's maxlength cut a pasted
        # one short) before the model normalises it.
        return super().formfield(**{"max_length": max(self.FORM_MAX_LENGTH, self.max_length or 0), **kwargs})


class PhoneField(NormalisingCharField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # E.164 is at most 16 characters; an extension (crm.validators.PHONE_EXTENSION) may follow.
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> str:
        return validators.normalise_phone(super().to_python(value))


class LegalCodeField(NormalisingCharField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 9)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> str:
        return validators.normalise_legal_code(super().to_python(value))


class VatCodeField(NormalisingCharField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 14)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> str:
        return validators.normalise_vat_code(super().to_python(value))


class LowercaseEmailField(models.EmailField):
    def to_python(self, value: Any) -> str:
        return validators.normalise_email(super().to_python(value))

    def get_prep_value(self, value: Any) -> Any:
        # Lower case in queries too, so that a lookup by e-mail finds the stored address. (Not
        # through CharField.get_prep_value: its to_python call would normalise a second time.)
        value = models.Field.get_prep_value(self, value)
        return validators.normalise_email(str(value)) if value is not None else value

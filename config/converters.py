"""The project's path converters, registered on import (the URL modules that use them import this)."""

from __future__ import annotations

from django.urls import register_converter

# The largest id a database column of Django's BigAutoField holds (a signed 64-bit integer).
ID_MAX = 2**63 - 1


class IdConverter:
    """A database id in an address: a number beyond a 64-bit integer is "not found" instead of an
    error in the database (SQLite refuses to compare with it)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > ID_MAX:
            raise ValueError(value)  # the address does not match: a 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")

"""Django's SQLite backend, except that case-insensitive lookups know every letter's case.

SQLite's LIKE and UPPER() fold only the ASCII letters, so on Django's backend an admin search for
"šiaulių" misses "Šiaulių klasteris", and `email__iexact` takes "Ūla@…" and "ūla@…" for two
addresses. PostgreSQL folds them all. Here the four case-insensitive lookups (`iexact`,
`icontains`, `istartswith`, `iendswith`) compare both sides upper-cased by Python's `str.upper`,
as PostgreSQL's backend does with UPPER(); LIKE's own ASCII folding then changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base, operations

UPPER = "UNICODE_UPPER"
CASE_INSENSITIVE = ("iexact", "icontains", "istartswith", "iendswith")


def unicode_upper(value: Any) -> str | None:
    if value is None:
        return None
    return (value if isinstance(value, str) else str(value)).upper()


class DatabaseOperations(operations.DatabaseOperations):
    def lookup_cast(self, lookup_type: str, internal_type: str | None = None) -> str:
        lookup = super().lookup_cast(lookup_type, internal_type)
        if lookup_type in CASE_INSENSITIVE:
            return f"{UPPER}({lookup})"
        return lookup


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    operators = {
        **base.DatabaseWrapper.operators,
        **dict.fromkeys(CASE_INSENSITIVE, f"LIKE {UPPER}(%s) ESCAPE '\\'"),
    }
    # The right-hand side is an expression (an F() or a column) rather than a value.
    pattern_ops = {
        **base.DatabaseWrapper.pattern_ops,
        "icontains": rf"LIKE '%%' || {UPPER}({{}}) || '%%' ESCAPE '\'",
        "istartswith": rf"LIKE {UPPER}({{}}) || '%%' ESCAPE '\'",
        "iendswith": rf"LIKE '%%' || {UPPER}({{}}) ESCAPE '\'",
    }

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        connection.create_function(UPPER, 1, unicode_upper, deterministic=True)
        return connection

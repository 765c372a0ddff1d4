"""Django's SQLite backend, except that letter case is Unicode's, as on PostgreSQL.

SQLite's LIKE, UPPER() and LOWER() fold only the ASCII letters. On Django's backend an admin
search for "šiaulių" misses "Šiaulių klasteris", `name__iexact` takes "Ūla" and "ūla" for two
names, and a unique index on LOWER(name) lets "Šaltis" and "šaltis" both in. PostgreSQL folds
every letter. Here UPPER() and LOWER() are Python's `str.upper` and `str.lower`, which SQLite
lets a connection put in place of its own (the indexes on LOWER(...) then use them too; crm's
migration 0006 rebuilds those made before). The four case-insensitive lookups (`iexact`,
`icontains`, `istartswith`, `iendswith`) compare both sides through UPPER(), as Django's
PostgreSQL backend does; LIKE's own ASCII folding then changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base, operations

CASE_INSENSITIVE = ("iexact", "icontains", "istartswith", "iendswith")


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


class DatabaseOperations(operations.DatabaseOperations):
    def lookup_cast(self, lookup_type: str, internal_type: str | None = None) -> str:
        lookup = super().lookup_cast(lookup_type, internal_type)
        if lookup_type in CASE_INSENSITIVE:
            return f"UPPER({lookup})"
        return lookup


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    operators = {
        **base.DatabaseWrapper.operators,
        **dict.fromkeys(CASE_INSENSITIVE, "LIKE UPPER(%s) ESCAPE '\\'"),
    }
    # Django's `pattern_ops` (the right-hand side an expression rather than a value) already
    # go through UPPER().

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        # Deterministic, as SQLite requires of a function in an index.
        connection.create_function("UPPER", 1, _upper, deterministic=True)
        connection.create_function("LOWER", 1, _lower, deterministic=True)
        return connection

"""Django's SQLite backend, except that letter case is Unicode's, as on PostgreSQL.

SQLite's LIKE, UPPER() and LOWER() fold only the ASCII letters. On Django's backend an admin
search for "šiaulių" misses "Šiaulių klasteris", `name__iexact` takes "Ūla" and "ūla" for two
names, and a unique index on LOWER(name) lets "Šaltis" and "šaltis" both in. PostgreSQL folds
every letter. Here:

- UPPER() and LOWER() are Python's `str.upper` and `str.lower`, which SQLite lets a connection put
  in place of its own (the indexes on LOWER(...) then use them too; crm's migration 0006 rebuilds
  those made before).
- The four case-insensitive lookups of text fields (`iexact`, `icontains`, `istartswith`,
  `iendswith`) fold every letter of both sides. A Python function called on every row would make
  a search over 100,000 persons several times slower, so it is called only where needed: a value
  of ASCII characters only is matched by SQLite's own LIKE, which already folds those, and any
  other value first by LIKE with its other letters as wildcards, then, on the rows that pass, by
  UPPER() of both sides.

The columns of names sort in Lithuanian alphabetical order: the connection has the collation they
are declared with (crm/collation.py).

Not covered: the few letters whose upper case is ASCII or longer (Turkish "ı", German "ß": a value
"ss" misses "ß" here, PostgreSQL finds it), and case-insensitive lookups other than those of text
fields (of JSON keys, or lookups used as expressions), which fold ASCII only, as on Django's backend.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base
from django.db.models import CharField, TextField, lookups

from crm import collation


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


class UnicodeCase:
    """Mixed into Django's case-insensitive lookups on SQLite (`as_sqlite`)."""

    def as_sqlite(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        if not self.rhs_is_direct_value():
            # Another column or expression: Django's patterns put it through UPPER() (and escape
            # its wildcards) already; iexact compares it whole, as on PostgreSQL.
            operator = (
                f"= UPPER({rhs_sql})"
                if self.lookup_name == "iexact"
                else self.get_rhs_op(connection, rhs_sql)
            )
            return f"UPPER({lhs_sql}) {operator}", [*lhs_params, *rhs_params]
        pattern = rhs_params[0]
        operator = self.get_rhs_op(connection, rhs_sql)
        if not isinstance(pattern, str) or pattern.isascii():
            return f"{lhs_sql} {operator}", [*lhs_params, *rhs_params]
        # The pattern's escapes are ASCII; every other letter becomes LIKE's "any one character".
        rough = "".join(character if character.isascii() else "_" for character in pattern)
        return (
            f"({lhs_sql} {operator} AND UPPER({lhs_sql}) {operator})",
            [*lhs_params, rough, *lhs_params, pattern.upper()],
        )


for _lookup in (lookups.IExact, lookups.IContains, lookups.IStartsWith, lookups.IEndsWith):
    _unicode = type(_lookup.__name__, (UnicodeCase, _lookup), {"__module__": __name__})
    CharField.register_lookup(_unicode)
    TextField.register_lookup(_unicode)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        # Deterministic, as SQLite requires of a function in an index.
        connection.create_function("UPPER", 1, _upper, deterministic=True)
        connection.create_function("LOWER", 1, _lower, deterministic=True)
        # The names' Lithuanian alphabetical order, which PostgreSQL has from ICU (crm/collation.py).
        connection.create_collation(collation.LITHUANIAN, collation.compare)
        return connection

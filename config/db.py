"""Prepared statements on PostgreSQL for the requests that run the same few queries again and again.

Django binds query parameters on the client and prepares nothing, so that connection poolers
which lose prepared statements keep working; PostgreSQL then parses and plans every query anew.
The member pages (the answer page and its submit) run the same dozen small queries on every
request, and planning them cost PostgreSQL more CPU than running them. Inside
`prepared_statements()` the connection binds parameters on the server and psycopg prepares a query
once it has run `PREPARE_THRESHOLD` times on that connection: what Django's documented
`server_side_binding` and `prepare_threshold` options do, for these requests only. Not for every
request: a statement bound on the server takes at most 65,535 parameters, and Django 5.2 does not
split longer lists (the admin deleting more rows than that, an `__in` over as many ids).

`CONSULTATION_PREPARED_STATEMENTS=false` turns it off behind a pooler that loses prepared
statements (PgBouncer in transaction mode before 1.21). While queries are logged (DEBUG, tests
counting them) Django's own cursors run them, so that the log shows each query with its values.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

# psycopg's default: a query is prepared the sixth time it runs on a connection.
PREPARE_THRESHOLD = 5


@contextmanager
def prepared_statements(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    connection = connections[using]
    if (
        connection.vendor != "postgresql"
        or not settings.CONSULTATION_PREPARED_STATEMENTS
        or connection.queries_logged
    ):
        yield
        return
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    driver = connection.connection
    saved = driver.cursor_factory, driver.prepare_threshold
    driver.cursor_factory, driver.prepare_threshold = ServerBindingCursor, PREPARE_THRESHOLD
    try:
        yield
    finally:
        driver.cursor_factory, driver.prepare_threshold = saved

"""The PostgreSQL backend's health check (config/postgresql/base.py): skipped for a connection that
has just run a query, made after a pause. The server really drops the connection here."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import DatabaseError, connection, connections

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
    # The connection is dropped and replaced; the data the migrations made is put back after.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _request(query: str = "SELECT pg_backend_pid()", then_work_for: float = 0.0) -> int:
    """What Django does around a request (the request_started and request_finished signals)
    and, in between, one query, then `then_work_for` seconds of work without the database."""
    connection.close_if_unusable_or_obsolete()
    try:
        with connection.cursor() as cursor:
            cursor.execute(query)
            result = cursor.fetchone()[0]
        time.sleep(then_work_for)
        return result
    finally:
        connection.close_if_unusable_or_obsolete()


def _drop_on_the_server(pid: int) -> None:
    """End the connection's server process, as a restart or fail-over would, and wait until it is gone."""
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(100):
            if not other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                return
            time.sleep(0.05)
    raise AssertionError(f"backend {pid} still running")


def test_the_backend_is_the_projects():
    assert type(connections["default"]).__module__ == "config.postgresql.base"
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_a_connection_that_ran_a_query_a_moment_ago_is_not_checked_again(monkeypatch):
    from config.postgresql import base

    monkeypatch.setattr(base, "HEALTH_CHECK_GRACE", 60.0)
    pid = _request()
    assert _request() == pid  # the same connection

    _drop_on_the_server(pid)
    # No SELECT 1 first: the request's own query finds the connection gone, as without checks.
    with pytest.raises(DatabaseError):
        _request()
    # The failed request left it marked: Django checks it at the request's end and replaces it.
    assert connection.connection is None
    assert _request() != pid


def test_a_connection_that_has_not_run_a_query_within_the_grace_is_checked_and_replaced(monkeypatch):
    from config.postgresql import base

    monkeypatch.setattr(base, "HEALTH_CHECK_GRACE", 0.0)
    pid = _request()

    _drop_on_the_server(pid)

    # Django's health check finds it gone and opens another: the request goes through.
    assert _request() != pid
    assert _request("SELECT 40 + 2") == 42


def test_the_grace_counts_from_the_last_query_not_from_the_end_of_the_request(monkeypatch):
    from config.postgresql import base

    monkeypatch.setattr(base, "HEALTH_CHECK_GRACE", 0.5)
    # A long request (a PDF, an export) whose last query came well before it ended.
    pid = _request(then_work_for=0.7)

    _drop_on_the_server(pid)

    assert _request() != pid  # checked, found gone and replaced: the request goes through

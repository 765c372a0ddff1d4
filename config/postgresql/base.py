"""Django's PostgreSQL backend, except that a connection which has just run a query is not
health-checked again.

With `CONN_HEALTH_CHECKS` Django runs `SELECT 1` before the first query of every request, so that
a connection the server has dropped (a restart, a fail-over, an idle timeout) is replaced instead
of failing the request. On a busy worker that is a round trip on every request, for a connection
that answered a moment before. Here a connection whose last query started less than
`HEALTH_CHECK_GRACE` seconds ago, and left no error, is taken as alive, as connection pools do
(HikariCP skips its check for a connection used in the last 500 ms); after a longer pause it is
checked as before, however recently its request ended. If the server goes away within that
second, the request that finds out fails as it would without health checks, and Django replaces
the connection for the next one.
"""

from __future__ import annotations

import time
from typing import Any

from django.db.backends.postgresql import base

HEALTH_CHECK_GRACE = 1.0  # seconds


class DatabaseWrapper(base.DatabaseWrapper):
    # When the connection's last cursor was made (time.monotonic()): every query has its own.
    used_at: float | None = None

    def create_cursor(self, name: Any = None) -> Any:
        cursor = super().create_cursor(name)
        self.used_at = time.monotonic()
        return cursor

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and not self.errors_occurred
            and self.used_at is not None
            and time.monotonic() - self.used_at < HEALTH_CHECK_GRACE
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

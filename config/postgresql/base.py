"""Django's PostgreSQL backend, except that a connection which has just served a request is not
health-checked again.

With `CONN_HEALTH_CHECKS` Django runs `SELECT 1` before the first query of every request, so that
a connection the server has dropped (a restart, a fail-over, an idle timeout) is replaced instead
of failing the request. On a busy worker that is a round trip on every request, for a connection
that answered a moment before. Here a connection that served a request without error less than
`HEALTH_CHECK_GRACE` seconds ago is taken as alive, as connection pools do (HikariCP skips its
check for a connection used in the last 500 ms); after a longer pause it is checked as before.
If the server goes away within that second, the request that finds out fails as it would without
health checks, and Django replaces the connection for the next one.
"""

from __future__ import annotations

import time

from django.db.backends.postgresql import base

HEALTH_CHECK_GRACE = 1.0  # seconds


class DatabaseWrapper(base.DatabaseWrapper):
    # When the connection last served a request without error (time.monotonic()).
    served_at: float | None = None

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and self.served_at is not None
            and time.monotonic() - self.served_at < HEALTH_CHECK_GRACE
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def close_if_unusable_or_obsolete(self) -> None:
        # Django calls this when a request starts and when it ends. A request that ran a query
        # (which passed or skipped the health check) and left no error has shown the connection
        # alive.
        served = self.connection is not None and self.health_check_done and not self.errors_occurred
        super().close_if_unusable_or_obsolete()
        if self.connection is None:
            self.served_at = None
        elif served:
            self.served_at = time.monotonic()

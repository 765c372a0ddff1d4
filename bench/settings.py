"""Settings of a benchmark run: the project's own, over plain HTTP on loopback, without
collectstatic, with e-mail discarded and files written to a temporary directory.

Used by `bench.run` for its child processes and by the gunicorn it starts; never in production.
"""

from __future__ import annotations

import os

from config.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
# As in production: e-mails (receipts, amendment notices) are queued for the worker, not sent
# inside the member's request.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
ROOT_URLCONF = "bench.urls"
# The benchmark's own key, shared by the gunicorn it starts and the load generator (which signs
# the members' link cookies): not a secret, never used outside a benchmark.
SECRET_KEY = os.environ.get("SECRET_KEY") or "bench-only-key-1f0c9d5e8a7b6c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
if os.environ.get("BENCH_MEDIA_ROOT"):
    MEDIA_ROOT = os.environ["BENCH_MEDIA_ROOT"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

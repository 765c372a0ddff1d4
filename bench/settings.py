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
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
if os.environ.get("BENCH_MEDIA_ROOT"):
    MEDIA_ROOT = os.environ["BENCH_MEDIA_ROOT"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

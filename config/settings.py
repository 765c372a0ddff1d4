"""Settings for Klasterių CRM, read from the environment (see .env.example and README)."""

from __future__ import annotations

from email.utils import getaddresses
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Production is the default: DEBUG must be switched on explicitly (make run does).
DEBUG = env.bool("DEBUG", default=False)
# The development key is refused by `manage.py check --deploy` (it starts "django-insecure"), and
# the WSGI application (config/wsgi.py) does not start with it unless DEBUG is on.
DEVELOPMENT_SECRET_KEY = "django-insecure-development-key-do-not-use-in-production"  # noqa: S105 (public on purpose)
SECRET_KEY = env("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "config.apps.AdminConfig",  # django.contrib.admin, its lists in Lithuanian order
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "import_export",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks",
    "config.apps.TasksDatabaseConfig",  # django_tasks_db, its name translated
    "crm",
    "consultations",
    "positions",
    "bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.middleware.composed_letters",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# SQLite is the embedded default; production sets DATABASE_URL (PostgreSQL).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the development server and a task worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# Connections are kept between requests (SQLite too: opening one reads the schema again), and
# checked before a request uses them: on PostgreSQL not if they served one in the last second
# (config/postgresql/base.py).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Django's backends with small changes: on PostgreSQL the health check above, on SQLite
# case-insensitive lookups that fold Lithuanian letters too (config/sqlite3/base.py).
DATABASES["default"]["ENGINE"] = {
    "django.db.backends.postgresql": "config.postgresql",
    "django.db.backends.sqlite3": "config.sqlite3",
}.get(DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"])

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lithuanian everywhere by default; English under the /en/ prefix.
LANGUAGE_CODE = "lt"
LANGUAGES = [("lt", _("Lithuanian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Vilnius"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# E-mail: console in development, SMTP through EMAIL_URL in production.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Klasterių CRM <noreply@localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# Who receives the reports of server errors (DEBUG off): "Vardas Pavardė <adresas@example.org>" or
# bare addresses, separated by commas.
ADMINS = [(name or address, address) for name, address in getaddresses(env.list("ADMINS", default=[]))]

# The cache holds the rate limit of consultation link attempts. LocMem is per process: with several
# gunicorn workers set CACHE_URL to a cache they share, e.g. dbcache://django_cache (run
# `manage.py createcachetable`), or Redis (redis://host:6379/0).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # The same backend, without a new Redis client for every call (config/cache.py).
    CACHES["default"]["BACKEND"] = "config.cache.RedisCache"
# Each worker's copy of the member answer pages it served last (consultations/page_cache.py).
# Their keys name their content, so a copy is never out of date; the shared cache above still
# holds every page for the other workers. Each page is stored with page_cache.TIMEOUT.
CACHES["member_pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "member-pages",
    "OPTIONS": {"MAX_ENTRIES": env.int("CONSULTATION_PAGES_PER_WORKER", default=300)},
}
# Each worker's renderings of submitted versions on the member pages (they never change).
CACHES["member_page_fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "member-page-fragments",
    "OPTIONS": {"MAX_ENTRIES": env.int("CONSULTATION_VERSION_FRAGMENTS_PER_WORKER", default=3000)},
}
# With a cache shared by all workers (Redis), `django.contrib.sessions.backends.cached_db` reads
# sessions from the cache instead of the database. Never with a per-process cache: a session
# ended in one worker would live on in the others.
SESSION_ENGINE = env("SESSION_ENGINE", default="django.contrib.sessions.backends.db")

# Background work: immediate by default, the database backend plus `manage.py db_worker` in production.
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", default="django_tasks.backends.immediate.ImmediateBackend"),
    }
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Imports need the explicit "import" permission (crm.import_organisation, ...), exports "export".
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES = True

SIMPLE_HISTORY_REVERT_DISABLED = False

# Security: safe defaults whenever DEBUG is off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# A domain kept off the browsers' preload list on purpose (SECURE_HSTS_PRELOAD=false) is not a
# finding of `check --deploy`.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The health check and tests talk plain HTTP on loopback.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
# A member's answer posts four fields a proposal row, up to 200 rows a proposals question
# (consultations.forms.PROPOSAL_MAX_ROWS): Django's default of 1,000 fields refused long tables
# with a bare "Bad Request" and lost what was typed.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# And up to 50,000 characters a text answer (consultations.answers.TEXT_MAX_LENGTH), six bytes
# a Lithuanian letter once form-encoded: Django's default of 2.5 MB refused a few long answers.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGIN_URL = "admin:login"

# Product settings
DEMO_STAFF_USERNAME = "demo"
DEMO_STAFF_PASSWORD = "demo-klasteriai-2026"  # noqa: S105 - only created with DEBUG on
LABEL_EXPIRY_WARNING_DAYS = 90
# The daily `manage.py send_reminders` reminds organisations that have not submitted this many days
# before a consultation's internal deadline.
CONSULTATION_REMINDER_DAYS_BEFORE = env.int("CONSULTATION_REMINDER_DAYS_BEFORE", default=3)
# Behind a reverse proxy REMOTE_ADDR is the proxy's: name the header that carries the client's
# address (e.g. HTTP_X_REAL_IP) so the rate limit of consultation link attempts counts per client.
CONSULTATION_CLIENT_ADDRESS_HEADER = env("CONSULTATION_CLIENT_ADDRESS_HEADER", default="")
# How many proxies in front of the app add to a list header such as X-Forwarded-For: the client's
# address is the entry that many places from the right (the entries before it are the client's to write).
CONSULTATION_TRUSTED_PROXIES = env.int("CONSULTATION_TRUSTED_PROXIES", default=1)
# On PostgreSQL the member pages' queries are prepared statements (config/db.py). Turn off behind a
# connection pooler that loses them (PgBouncer in transaction mode before 1.21).
CONSULTATION_PREPARED_STATEMENTS = env.bool("CONSULTATION_PREPARED_STATEMENTS", default=True)
# Absolute address of the site, for links in e-mails (consultation links are sent by background tasks).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's messages reach the console once, through the root logger (Django's own console
        # handler would write each twice while DEBUG is on); its server errors are mailed to ADMINS.
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.db.backends": {"level": "INFO"},
    },
}

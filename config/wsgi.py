import gc
import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()
# The development key is public: with it, anyone could sign cookies and password-reset links.
if not settings.DEBUG and getattr(settings, "DEVELOPMENT_SECRET_KEY", None) == settings.SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY: the server does not start with the development key.")
# The URLs and views are loaded now rather than by the first request, and everything loaded so
# far, which lives as long as the worker, is moved out of the garbage collector's way: its full
# passes no longer walk those objects (tens of ms every few dozen member page renders).
get_resolver().url_patterns  # noqa: B018
gc.freeze()

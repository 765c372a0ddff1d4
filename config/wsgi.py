import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()
# The URLs and views are loaded now rather than by the first request, and everything loaded so
# far, which lives as long as the worker, is moved out of the garbage collector's way: its full
# passes no longer walk those objects (tens of ms every few dozen member page renders).
get_resolver().url_patterns  # noqa: B018
gc.freeze()

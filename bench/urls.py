"""The project's URLs plus the floor of the member-page benchmark: a trivial Django view."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def floor_view(request: HttpRequest) -> HttpResponse:
    """The cheapest page Django serves through the project's middleware."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench-floor/", floor_view, name="bench-floor"), *project_urlpatterns]

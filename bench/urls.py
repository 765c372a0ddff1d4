"""The project's URLs plus the floors of the member-page benchmark: a trivial Django view, and
the submit's floor (`bench.submit_floor`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from bench.submit_floor import submit_floor_view
from config.urls import urlpatterns as project_urlpatterns
from consultations.views import no_referrer_csrf_protect


def floor_view(request: HttpRequest) -> HttpResponse:
    """The cheapest page Django serves through the project's middleware."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench-floor/", floor_view, name="bench-floor"),
    # CSRF as the member page checks it: its forms are posted with `Origin: null`.
    path(
        "bench-floor/submit/<int:consultation_id>/<int:client>/",
        csrf_exempt(no_referrer_csrf_protect(submit_floor_view)),
        name="bench-floor-submit",
    ),
    *project_urlpatterns,
]

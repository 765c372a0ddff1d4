from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.views.generic import RedirectView


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def favicon(request: HttpRequest) -> HttpResponse:
    # For what asks for /favicon.ico without reading a page's icon link (a PDF opened in a tab).
    return HttpResponseRedirect(static_url("favicon.svg"))


urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("favicon.ico", favicon),
    path("i18n/", include("django.conf.urls.i18n")),
]

# Unprefixed URLs are Lithuanian; /en/… is English.
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("nariai/", include("crm.urls")),
    path("konsultacijos/", include("consultations.urls")),
    path("", RedirectView.as_view(pattern_name="crm:directory", permanent=False), name="home"),
    prefix_default_language=False,
)

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

admin.site.site_header = "Klasterių CRM"
admin.site.site_title = "Klasterių CRM"

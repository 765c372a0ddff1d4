"""The association's requisites (issuer settings): one row, opened straight from the admin index."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.admin.formfields import HTTPS_URLS, ServedFileWidget, served_file_link, served_file_response
from crm.admin.history import ReadableChangeMessages
from positions.models import IssuerSettings


def _logo_url(issuer: IssuerSettings) -> str:
    return reverse("admin:positions_issuersettings_logo")


@admin.register(IssuerSettings)
class IssuerSettingsAdmin(ReadableChangeMessages, admin.ModelAdmin):
    # The logo is linked to the admin's own view of it: uploaded files are not served at
    # MEDIA_URL in production.
    formfield_overrides = {**HTTPS_URLS, models.ImageField: {"widget": ServedFileWidget(_logo_url)}}
    fieldsets = [
        (None, {"fields": [("name", "name_en"), ("legal_form", "legal_form_en"), "legal_code", "logo"]}),
        (_("Contacts"), {"fields": ["address", "phone", "email", "website"]}),
        (
            _("Letters"),
            {
                "fields": [
                    "registration_prefix",
                    "signatory_name",
                    ("signatory_position", "signatory_position_en"),
                    ("pdf_archival", "pdf_tagged"),
                ]
            },
        ),
    ]

    readonly_fields = ["logo_link"]

    def get_fieldsets(self, request: HttpRequest, obj: IssuerSettings | None = None) -> list[Any]:
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj):
            return fieldsets
        # Shown read-only, the logo is linked to the admin's view of it too, not to MEDIA_URL.
        return [
            (
                name,
                {
                    **options,
                    "fields": ["logo_link" if field == "logo" else field for field in options["fields"]],
                },
            )
            for name, options in fieldsets
        ]

    @admin.display(description=_("logo"))
    def logo_link(self, issuer: IssuerSettings) -> str:
        return served_file_link(issuer.logo, _logo_url(issuer))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: IssuerSettings | None = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # There is only the one row: the list would be a list of one.
        issuer = IssuerSettings.load()
        return HttpResponseRedirect(reverse("admin:positions_issuersettings_change", args=[issuer.pk]))

    def get_urls(self) -> list[URLPattern]:
        logo = path("logo/", self.admin_site.admin_view(self.logo_view), name="positions_issuersettings_logo")
        return [logo, *super().get_urls()]

    def logo_view(self, request: HttpRequest) -> HttpResponse:
        issuer = IssuerSettings.load()
        if not self.has_view_permission(request, issuer):
            raise PermissionDenied
        if not issuer.logo:
            raise Http404
        return served_file_response(
            request,
            issuer.logo,
            missing=gettext("The stored file of the logo is missing: upload it again."),
            back_url=reverse("admin:positions_issuersettings_change", args=[issuer.pk]),
            as_attachment=False,
        )

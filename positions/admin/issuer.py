"""The association's requisites (issuer settings): one row, opened straight from the admin index."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.admin.formfields import HTTPS_URLS
from positions.models import IssuerSettings


@admin.register(IssuerSettings)
class IssuerSettingsAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: IssuerSettings | None = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # There is only the one row: the list would be a list of one.
        issuer = IssuerSettings.load()
        return HttpResponseRedirect(reverse("admin:positions_issuersettings_change", args=[issuer.pk]))

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from crm.admin.duplicates import PersonToolsMixin
from crm.models import Affiliation, Person
from crm.resources import ImportExportAdminMixin, PersonResource


class PersonAffiliationInline(admin.TabularInline):
    model = Affiliation
    extra = 0
    autocomplete_fields = ["organisation"]
    fields = [
        "organisation",
        "role",
        "job_title",
        "is_primary",
        "receives_consultations",
        "start_date",
        "end_date",
    ]


@admin.register(Person)
class PersonAdmin(PersonToolsMixin, ImportExportAdminMixin, SimpleHistoryAdmin):
    resource_classes = [PersonResource]
    list_display = [
        "last_name",
        "first_name",
        "email",
        "phone",
        "organisation_list",
        "consent_consultations",
        "consent_newsletter",
    ]
    list_display_links = ["last_name", "first_name"]
    list_filter = [
        "language",
        "consent_consultations",
        "consent_newsletter",
        "affiliations__role",
        ("affiliations__organisation__sectors", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["first_name", "last_name", "email", "phone", "affiliations__organisation__name"]
    inlines = [PersonAffiliationInline]
    readonly_fields = ["anonymised_at", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["first_name", "last_name", "email", "phone", "language"]}),
        (
            _("Consent"),
            {
                "fields": [
                    ("consent_consultations", "consent_consultations_at", "consent_consultations_source"),
                    ("consent_newsletter", "consent_newsletter_at", "consent_newsletter_source"),
                ]
            },
        ),
        (_("Notes"), {"fields": ["notes"]}),
        (_("Record"), {"fields": ["anonymised_at", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Person]:
        return super().get_queryset(request).prefetch_related("affiliations__organisation")

    @admin.display(description=_("organisations"))
    def organisation_list(self, obj: Person) -> str:
        return ", ".join(affiliation.organisation.name for affiliation in obj.affiliations.all())

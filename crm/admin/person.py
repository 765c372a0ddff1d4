from __future__ import annotations

from django.contrib import admin
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from crm.admin.duplicates import PersonToolsMixin
from crm.admin.rows import QuickRowsMixin
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
class PersonAdmin(QuickRowsMixin, PersonToolsMixin, ImportExportAdminMixin, SimpleHistoryAdmin):
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
        # All eight sectors: listing only those in use would scan every person's affiliations.
        ("affiliations__organisation__sectors", admin.RelatedFieldListFilter),
    ]
    # The organisation's name is searched too, through a subquery (`get_search_results`) rather
    # than a join, which would need DISTINCT over the whole result.
    search_fields = ["first_name", "last_name", "email", "phone"]
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
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "affiliations",
                    queryset=Affiliation.objects.select_related("organisation").only(
                        "person_id", "organisation__name"
                    ),
                )
            )
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Person], search_term: str
    ) -> tuple[QuerySet[Person], bool]:
        """Every word must be found in one of the search fields or in the name of one of the
        person's organisations (as the admin's own search does, but without duplicates)."""
        for bit in smart_split(search_term):
            if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
                bit = unescape_string_literal(bit)
            if not bit:
                continue
            # The people of the organisations whose name matches: one subquery, not one a row.
            matches = Q(
                pk__in=Affiliation.objects.filter(organisation__name__icontains=bit).values("person_id")
            )
            for field in self.search_fields:
                matches |= Q(**{f"{field}__icontains": bit})
            queryset = queryset.filter(matches)
        return queryset, False

    @admin.display(description=_("organisations"))
    def organisation_list(self, obj: Person) -> str:
        return ", ".join(affiliation.organisation.name for affiliation in obj.affiliations.all())

from __future__ import annotations

import re
from collections import defaultdict

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.admin.duplicates import PersonToolsMixin
from crm.admin.filters import PERSON_AFFILIATION_FILTERS, CurrentRoleFilter, CurrentSectorFilter
from crm.admin.formfields import LoadedChoicesFormSet, LoadedChoicesInlineMixin, as_phone
from crm.admin.history import HistoryAdmin
from crm.admin.rows import QuickRowsMixin
from crm.filters import plain_quotes
from crm.models import Affiliation, Person
from crm.resources import ImportExportAdminMixin, PersonResource


class PersonAffiliationInline(LoadedChoicesInlineMixin, admin.TabularInline):
    model = Affiliation
    formset = LoadedChoicesFormSet
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[Affiliation]:
        # Each row shows the affiliation's name, which reads its person and organisation; its
        # organisation picker names the organisation loaded here.
        return super().get_queryset(request).select_related("organisation", "person")


@admin.register(Person)
class PersonAdmin(QuickRowsMixin, PersonToolsMixin, ImportExportAdminMixin, HistoryAdmin):
    resource_classes = [PersonResource]
    list_display = [
        "last_name",
        "first_name",
        "contacts",
        "organisation_list",
        "consent_consultations",
        "consent_newsletter",
    ]
    list_display_links = ["last_name", "first_name"]
    list_filter = [
        "language",
        "consent_consultations",
        "consent_newsletter",
        # Both on one current affiliation: "directors of ICT clusters" (crm/admin/filters.py).
        CurrentRoleFilter,
        CurrentSectorFilter,
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

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # The affiliation filters keep the parameters of the field filters they replaced (links and
        # bookmarks hold them), which Django would check as lookups across a relation.
        return lookup in {filter_class.parameter_name for filter_class in PERSON_AFFILIATION_FILTERS} or (
            super().lookup_allowed(lookup, value, request)
        )

    def rows_loaded(self, rows: list[Person]) -> None:
        """Each person's organisations: the current ones, then those the person has left, with the
        day the affiliation ended ("Klasteris „Šilas“ (iki 2023-12-31)")."""
        today = timezone.localdate()
        current: dict[int, list[str]] = defaultdict(list)
        left: dict[int, list[str]] = defaultdict(list)
        for person_id, name, end_date in (
            Affiliation.objects.filter(person_id__in=[person.pk for person in rows])
            # Affiliation's own ordering, less the person's name, which is the same for every row
            # of a person and would join the persons.
            .order_by("organisation__name", "-is_primary", "pk")
            .values_list("person_id", "organisation__name", "end_date")
        ):
            if end_date is not None and end_date < today:
                left[person_id].append(
                    gettext("%(organisation)s (until %(date)s)")
                    % {"organisation": name, "date": formats.date_format(end_date, "SHORT_DATE_FORMAT")}
                )
            else:
                current[person_id].append(name)
        for person in rows:
            person.organisation_names = current[person.pk] + left[person.pk]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Person], search_term: str
    ) -> tuple[QuerySet[Person], bool]:
        """Every word must be found in one of the search fields or in the name of one of the
        person's organisations (as the admin's own search does, but without duplicates).

        A name written surname first, "Kazlauskienė, Rūta", finds the person too.

        Phones are stored normalised (+37061234567): a word, or the whole search, that reads as a
        phone number in any form people write it ("861234567", "8 612 34567") also finds the
        person whose phone is that number, by an exact match.
        """
        words = Q()
        bits = list(smart_split(plain_quotes(search_term)))
        for bit in bits:
            if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
                bit = unescape_string_literal(bit)
            else:
                # "Kazlauskienė, Rūta", as lists of people are written: the comma is no part of a name.
                bit = bit.strip(",;")
            if not bit:
                continue
            # The people of the organisations whose name matches: one subquery, not one a row, over
            # the names the database keeps in capitals (`Organisation.name_folded`).
            matches = Q(
                pk__in=Affiliation.objects.filter(organisation__name_folded__contains=bit.upper()).values(
                    "person_id"
                )
            )
            for field in self.search_fields:
                matches |= Q(**{f"{field}__icontains": bit})
            if phone := as_phone(bit):
                matches |= Q(phone=phone)
            words &= matches
        # A phone written in groups is several words, each of them found in no field.
        if len(bits) > 1 and (phone := as_phone(search_term)):
            words |= Q(phone=phone)
        return queryset.filter(words), False

    @admin.display(description=_("e-mail and phone"), ordering="email")
    def contacts(self, obj: Person) -> SafeString:
        """The e-mail with the phone below it: one column instead of two, and the e-mail may break
        after its "@" and dots, so that the list fits a laptop's window beside the filters."""
        lines = []
        if obj.email:
            lines.append(
                format_html_join(
                    mark_safe("<wbr>"), "{}", ((part,) for part in re.split(r"(?<=[@.])", obj.email))
                )
            )
        if obj.phone:
            lines.append(obj.phone)
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))

    @admin.display(description=_("organisations"))
    def organisation_list(self, obj: Person) -> str:
        return ", ".join(obj.organisation_names)

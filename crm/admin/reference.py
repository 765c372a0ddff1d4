from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from crm import selectors
from crm.admin.history import ReadableChangeMessages
from crm.admin.rows import QuickRowsMixin
from crm.models import Municipality, Sector, Tag


@admin.register(Sector)
class SectorAdmin(QuickRowsMixin, ReadableChangeMessages, admin.ModelAdmin):
    list_display = ["code", "name_lt", "name_en", "position"]
    search_fields = ["code", "name_lt", "name_en"]


@admin.register(Municipality)
class MunicipalityAdmin(QuickRowsMixin, ReadableChangeMessages, admin.ModelAdmin):
    search_fields = ["name"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Municipality], search_term: str
    ) -> tuple[QuerySet[Municipality], bool]:
        """The name's words, and the town as people write it, as an import reads it ("Kaunas",
        "Kauno r.", "Siauliu"): the organisation form's picker finds what a file would."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip() and (matching := selectors.municipalities_matching(text=search_term)):
            found |= queryset.filter(pk__in=matching)
        return found, duplicates


@admin.register(Tag)
class TagAdmin(QuickRowsMixin, ReadableChangeMessages, admin.ModelAdmin):
    search_fields = ["name"]

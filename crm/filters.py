from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from crm import selectors
from crm.models import Organisation


class DirectoryFilter(django_filters.FilterSet):
    """Filters of the public members directory."""

    q = django_filters.CharFilter(label=_("Name"), method="filter_name")
    # Only what the directory lists: a choice must find someone, and must not reveal a cluster the
    # directory hides. Read per request (a membership's period decides what is listed today).
    sector = django_filters.ModelChoiceFilter(
        label=_("Sector"),
        field_name="sectors",
        queryset=lambda _request: selectors.directory_sectors(),
        empty_label=_("All sectors"),
    )
    municipality = django_filters.ModelChoiceFilter(
        label=_("Municipality"),
        queryset=lambda _request: selectors.directory_municipalities(),
        empty_label=_("All municipalities"),
    )

    class Meta:
        model = Organisation
        fields = ["q", "sector", "municipality"]

    def filter_name(self, queryset: QuerySet[Organisation], name: str, value: str) -> QuerySet[Organisation]:
        """Every word of the search in the name or the short name, whatever the quotation marks
        and spaces: `klasteris "Saulėgrąža"` finds Klasteris „Saulėgrąža“."""
        words = search_words(value)
        for word in words:
            queryset = queryset.filter(Q(name__icontains=word) | Q(short_name__icontains=word))
        return queryset


# Quotation marks as people type them and as names hold them: a search ignores which.
QUOTATION_MARKS = "\"'„“”«»‘’‚"


def search_words(value: str) -> list[str]:
    """The words of a search, its quotation marks and extra spaces left out."""
    return value.translate({ord(mark): " " for mark in QUOTATION_MARKS}).split()


def plain_quotes(value: str) -> str:
    """The search with typographic quotation marks as plain ones, which the admin's search reads as
    a phrase's (`„Ąžuolynas“` is searched as `"Ąžuolynas"`, found in Klasteris "Ąžuolynas" too)."""
    return value.translate({ord(mark): '"' for mark in "„“”«»"} | {ord(mark): "'" for mark in "‘’‚"})

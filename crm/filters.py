from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from crm.models import Municipality, Organisation, Sector


class DirectoryFilter(django_filters.FilterSet):
    """Filters of the public members directory."""

    q = django_filters.CharFilter(label=_("Name"), method="filter_name")
    sector = django_filters.ModelChoiceFilter(
        label=_("Sector"), field_name="sectors", queryset=Sector.objects.all(), empty_label=_("All sectors")
    )
    municipality = django_filters.ModelChoiceFilter(
        label=_("Municipality"),
        queryset=Municipality.objects.filter(organisations__isnull=False).distinct(),
        empty_label=_("All municipalities"),
    )

    class Meta:
        model = Organisation
        fields = ["q", "sector", "municipality"]

    def filter_name(self, queryset: QuerySet[Organisation], name: str, value: str) -> QuerySet[Organisation]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(short_name__icontains=value))

"""Small named list filters of the CRM admin."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm import selectors
from crm.models import Affiliation, Membership, Sector


class MembershipStatusFilter(admin.SimpleListFilter):
    """Filters organisations annotated by `selectors.organisations_with_status`."""

    title = _("membership status")
    parameter_name = "membership"
    NONE = "none"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [*Membership.Status.choices, (self.NONE, _("Not a member now"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        value = self.value()
        if value == self.NONE:
            return queryset.filter(membership_status__isnull=True)
        if value in Membership.Status.values:
            return queryset.filter(membership_status=value)
        return None


class NoPrimaryContactFilter(admin.SimpleListFilter):
    """A primary contact whose affiliation has ended (or not yet begun) is none: consultations
    are not sent to them either."""

    title = _("primary contact")
    parameter_name = "primary_contact"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", _("Has a primary contact")), ("no", _("No primary contact"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        current = selectors.affiliations_current_on(day=timezone.localdate())
        has_primary = Exists(current.filter(organisation=OuterRef("pk"), is_primary=True))
        if self.value() == "yes":
            return queryset.filter(has_primary)
        if self.value() == "no":
            return queryset.filter(~has_primary)
        return None


def label_expiry_window() -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    return today, today + datetime.timedelta(days=settings.LABEL_EXPIRY_WARNING_DAYS)


class LabelExpiringFilter(admin.SimpleListFilter):
    title = _("label validity")
    parameter_name = "label_validity"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("expiring", _("Expires within %(days)s days") % {"days": settings.LABEL_EXPIRY_WARNING_DAYS}),
            ("expired", _("Expired")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        today, horizon = label_expiry_window()
        labelled = queryset.exclude(label="none")
        if self.value() == "expiring":
            return labelled.filter(label_valid_until__gte=today, label_valid_until__lte=horizon)
        if self.value() == "expired":
            return labelled.filter(label_valid_until__lt=today)
        return None


# The request attribute naming the filter whose counts are being worked out (`get_facet_queryset`).
_COUNTING_FOR = "_crm_affiliation_filter_counting"


class CurrentAffiliationFilter(admin.SimpleListFilter):
    """A filter of the person list on the person's affiliations. All such filters chosen hold for
    one and the same affiliation, a current one (`selectors.affiliations_current_on` today): the
    directors of ICT clusters are those who are now directors of an organisation of the ICT
    sector, not someone who is a director elsewhere and a representative of an ICT cluster, nor a
    former director.

    The conditions of every chosen filter make one subquery, added by the first of them (the
    others add nothing). Their counts ("Rodyti skaičius") are worked out as Django's: for each
    choice, with the other filters chosen but this one."""

    @classmethod
    def condition(cls, value: str) -> Q:
        """The condition on the affiliation for the value chosen."""
        raise NotImplementedError

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if self.value() is None:
            return None
        chosen = self._chosen(request)
        counting = getattr(request, _COUNTING_FOR, None) == self.parameter_name
        if not counting and next(iter(chosen)) is not type(self):
            return None  # the first filter chosen has added the conditions of all
        on_one_affiliation = Q()
        for filter_class, value in chosen.items():
            on_one_affiliation &= filter_class.condition(value)
        current = selectors.affiliations_current_on(day=timezone.localdate())
        return queryset.filter(Exists(current.filter(on_one_affiliation, person=OuterRef("pk"))))

    def _chosen(self, request: HttpRequest) -> dict[type[CurrentAffiliationFilter], str]:
        """The values of the affiliation filters chosen, this filter's as it is now (Django sets
        each choice in turn to count it), in the order of PERSON_AFFILIATION_FILTERS; while
        another filter's counts are worked out, without that filter."""
        counting_for = getattr(request, _COUNTING_FOR, None)
        chosen = {}
        for filter_class in PERSON_AFFILIATION_FILTERS:
            if filter_class is type(self):
                value = self.value()
            elif filter_class.parameter_name == counting_for:
                value = None
            else:
                value = request.GET.get(filter_class.parameter_name)
            if value is not None:
                chosen[filter_class] = value
        return chosen

    def get_facet_queryset(self, changelist: Any) -> dict[str, int]:
        setattr(self.request, _COUNTING_FOR, self.parameter_name)
        try:
            return super().get_facet_queryset(changelist)
        finally:
            delattr(self.request, _COUNTING_FOR)


class CurrentRoleFilter(CurrentAffiliationFilter):
    title = _("role in a current organisation")
    # The parameter of the filter it replaces, which links and bookmarks hold.
    parameter_name = "affiliations__role__exact"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return Affiliation.Role.choices

    @classmethod
    def condition(cls, value: str) -> Q:
        if value not in Affiliation.Role.values:
            raise IncorrectLookupParameters(value)
        return Q(role=value)


class CurrentSectorFilter(CurrentAffiliationFilter):
    title = _("sector of a current organisation")
    parameter_name = "affiliations__organisation__sectors__id__exact"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        # All eight sectors: listing only those in use would scan every person's affiliations.
        return [(str(sector.pk), sector.name) for sector in Sector.objects.all()]

    @classmethod
    def condition(cls, value: str) -> Q:
        if not value.isdecimal():
            raise IncorrectLookupParameters(value)
        return Q(organisation__sectors=int(value))


PERSON_AFFILIATION_FILTERS: list[type[CurrentAffiliationFilter]] = [CurrentRoleFilter, CurrentSectorFilter]

"""Small named list filters of the CRM admin."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import admin
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm import selectors
from crm.models import Membership


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

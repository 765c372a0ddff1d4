"""Read queries of the CRM, shared by the admin, public pages, exports and commands."""

from __future__ import annotations

import datetime

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from crm.models import Affiliation, Membership, Organisation


def memberships_current_on(*, day: datetime.date) -> QuerySet[Membership]:
    """Membership periods that cover the given day."""
    return Membership.objects.filter(start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    )


def organisations_with_status(
    *, queryset: QuerySet[Organisation] | None = None, day: datetime.date | None = None
) -> QuerySet[Organisation]:
    """Organisations annotated with `membership_status`: the status of the period covering `day`
    (today by default), or None when no period covers it."""
    day = day or timezone.localdate()
    queryset = Organisation.objects.all() if queryset is None else queryset
    current = memberships_current_on(day=day).filter(organisation=OuterRef("pk")).order_by("-start_date")
    return queryset.annotate(membership_status=Subquery(current.values("status")[:1]))


def active_members(*, day: datetime.date | None = None) -> QuerySet[Organisation]:
    """Organisations whose membership covering `day` is active."""
    return organisations_with_status(day=day).filter(membership_status=Membership.Status.ACTIVE)


def directory_organisations() -> QuerySet[Organisation]:
    """Active member clusters shown on the public directory, with what its pages display."""
    return (
        active_members()
        .filter(kind=Organisation.Kind.CLUSTER, show_in_directory=True)
        .select_related("municipality")
        .prefetch_related("sectors")
        .order_by("name")
    )


def primary_contacts_prefetch() -> Prefetch:
    """Prefetch the primary contact affiliation (with its person) as `primary_affiliations`."""
    return Prefetch(
        "affiliations",
        queryset=Affiliation.objects.filter(is_primary=True).select_related("person"),
        to_attr="primary_affiliations",
    )

"""Filters of the staff analysis (django-filter): which invited organisations to look at."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from consultations.models import Invitation, Response
from crm.models import Organisation, Sector


class ResponseStatus:
    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGED = "changed"

    CHOICES = [
        (NOT_STARTED, _("Nothing saved")),
        (DRAFT, _("Draft, never submitted")),
        (SUBMITTED, _("Submitted")),
        (CHANGED, _("Submitted, with changes not yet submitted")),
    ]


class InvitationFilter(django_filters.FilterSet):
    """Narrows a consultation's invitations by the organisation's sector and kind and by where
    its response is."""

    sector = django_filters.ModelChoiceFilter(
        label=_("Sector"),
        queryset=Sector.objects.order_by("position", "code"),
        field_name="organisation__sectors",
        empty_label=_("All sectors"),
    )
    status = django_filters.ChoiceFilter(
        label=_("Response"),
        choices=ResponseStatus.CHOICES,
        method="filter_status",
        empty_label=_("Any response"),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind of organisation"),
        choices=Organisation.Kind.choices,
        field_name="organisation__kind",
        empty_label=_("All kinds"),
    )

    class Meta:
        model = Invitation
        fields = ["sector", "status", "kind"]

    def filter_status(self, queryset: QuerySet[Invitation], name: str, value: str) -> QuerySet[Invitation]:
        responses = Response.objects.filter(
            consultation_id=OuterRef("consultation_id"), organisation_id=OuterRef("organisation_id")
        )
        conditions = {
            ResponseStatus.NOT_STARTED: ~Exists(responses),
            ResponseStatus.DRAFT: Exists(responses.filter(status=Response.Status.DRAFT)),
            ResponseStatus.SUBMITTED: Exists(responses.filter(status=Response.Status.SUBMITTED)),
            ResponseStatus.CHANGED: Exists(
                responses.filter(status=Response.Status.SUBMITTED, has_unsubmitted_changes=True)
            ),
        }
        return queryset.filter(conditions.get(value, Q()))

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from crm import services
from crm.admin.formfields import LOCALIZED_DECIMALS
from crm.admin.history import HistoryAdmin, ReadableChanges
from crm.admin.rows import QuickRowsMixin
from crm.models import Affiliation, Membership, Payment


class MembershipForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        # Before the model's own validation compares the period with the stored ones.
        cleaned = super().clean()
        organisation = cleaned.get("organisation")
        services.organisation_lock(organisation_id=organisation.pk if organisation else None)
        return cleaned


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    formfield_overrides = LOCALIZED_DECIMALS
    fields = ["amount", "paid_on", "reference"]


@admin.register(Membership)
class MembershipAdmin(QuickRowsMixin, HistoryAdmin):
    form = MembershipForm
    formfield_overrides = LOCALIZED_DECIMALS
    list_display = ["organisation", "status", "start_date", "end_date", "annual_fee", "paid_total"]
    list_filter = ["status", ("organisation__sectors", admin.RelatedFieldListFilter), "start_date"]
    search_fields = ["organisation__name", "organisation__legal_code"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]
    inlines = [PaymentInline]
    object_history_template = "admin/crm/membership_history.html"

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The membership's history, and below it its payments': each entered, corrected or deleted,
        with the sum it had before."""
        membership_id = unquote(object_id)
        context = {"payment_history": payment_history(membership_id) if membership_id.isdigit() else []}
        return super().history_view(request, object_id, {**context, **(extra_context or {})})

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        # A subquery, not a join with GROUP BY: the count, the date list and the sorting then
        # work on the memberships alone.
        paid = (
            Payment.objects.filter(membership=OuterRef("pk"))
            .order_by()
            .values("membership")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                paid_sum=Coalesce(
                    Subquery(paid), Value(0), output_field=DecimalField(max_digits=12, decimal_places=2)
                )
            )
        )

    @admin.display(description=_("paid, EUR"), ordering="paid_sum")
    def paid_total(self, obj: Membership) -> str:
        # As the fee beside it: two decimals, in the page language's format ("600,00").
        return formats.number_format(obj.paid_sum, 2)


def payment_history(membership_id: str) -> list[dict[str, Any]]:
    """The versions of the membership's payments, newest first, each with the payment as it was
    then ("60,00 EUR, 2026-02-01") and what changed from its previous version. One query."""
    versions = (
        Payment.history.filter(membership_id=membership_id)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    rows: list[dict[str, Any]] = []
    previous: dict[int, Any] = {}
    for version in versions:
        before = previous.get(version.id)
        changes = []
        if before is not None and version.history_type == "~":
            delta = version.diff_against(before, excluded_fields=["membership"])
            changes = ReadableChanges(Payment, version).context_for_delta_changes(delta)
        previous[version.id] = version
        shown = [f"{formats.number_format(version.amount, 2)} EUR", formats.localize(version.paid_on)]
        if version.reference:
            shown.append(version.reference)
        rows.append({"version": version, "payment": ", ".join(shown), "changes": changes})
    rows.reverse()
    return rows


@admin.register(Affiliation)
class AffiliationAdmin(QuickRowsMixin, HistoryAdmin):
    list_display = ["person", "organisation", "role", "job_title", "is_primary", "receives_consultations"]
    list_filter = ["role", "is_primary", "receives_consultations"]
    search_fields = ["person__first_name", "person__last_name", "person__email", "organisation__name"]
    list_select_related = ["person", "organisation"]
    autocomplete_fields = ["person", "organisation"]

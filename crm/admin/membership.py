from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from crm import services
from crm.admin.formfields import LOCALIZED_DECIMALS
from crm.admin.history import HistoryAdmin
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


@admin.register(Affiliation)
class AffiliationAdmin(QuickRowsMixin, HistoryAdmin):
    list_display = ["person", "organisation", "role", "job_title", "is_primary", "receives_consultations"]
    list_filter = ["role", "is_primary", "receives_consultations"]
    search_fields = ["person__first_name", "person__last_name", "person__email", "organisation__name"]
    list_select_related = ["person", "organisation"]
    autocomplete_fields = ["person", "organisation"]

from __future__ import annotations

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from crm.admin.history import ReadableChangeMessages
from crm.admin.rows import QuickRowsMixin
from crm.models import Interaction


@admin.register(Interaction)
class InteractionAdmin(QuickRowsMixin, ReadableChangeMessages, admin.ModelAdmin):
    list_display = ["occurred_on", "kind", "subject", "organisation", "author"]
    list_filter = ["kind", ("organisation__sectors", admin.RelatedFieldListFilter)]
    search_fields = ["subject", "notes", "organisation__name", "people__last_name"]
    list_select_related = ["organisation", "author"]
    autocomplete_fields = ["organisation", "people"]
    readonly_fields = ["author", "created_at"]
    date_hierarchy = "occurred_on"

    def save_model(self, request: HttpRequest, obj: Interaction, form: ModelForm, change: bool) -> None:
        # The staff member who logs an interaction is its author.
        if not change and obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)

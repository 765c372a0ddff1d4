from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext

from crm import selectors
from crm.admin.history import ReadableChangeMessages
from crm.admin.rows import QuickRowsMixin
from crm.models import Municipality, Sector, Tag

# The records of each kind named on the refusal; the rest are counted.
IN_USE_SHOWN = 10


class KeptWhileInUseMixin:
    """A reference list's entry that any record holds is not deleted, from its page or by the
    list's delete action: deleting a sector would silently take it off the organisations and off
    consultations' audiences (an open consultation's audience would change), so the entry is
    treated as protected, and the records that hold it are named instead.

    Only the administrator may delete entries at all (`crm.roles.REFERENCE_MODELS`)."""

    delete_confirmation_template = "admin/crm/reference_delete_confirmation.html"
    delete_selected_confirmation_template = "admin/crm/reference_delete_selected_confirmation.html"

    def get_deleted_objects(self, objs: Iterable[models.Model], request: HttpRequest) -> Any:
        holders = self.holders(objs)
        if holders:
            return [], {}, set(), holders
        return super().get_deleted_objects(objs, request)  # type: ignore[misc]

    def holders(self, objs: Iterable[models.Model]) -> list[str]:
        """The records that hold any of `objs`, a query a kind of record (organisations, the
        consultations' audiences, any relation to the model), at most `IN_USE_SHOWN` named each."""
        found: list[str] = []
        for relation in self.model._meta.related_objects:  # type: ignore[attr-defined]
            holding = (
                relation.related_model._default_manager.filter(**{f"{relation.field.name}__in": objs})
                .distinct()
                .order_by("pk")
            )
            shown = list(holding[: IN_USE_SHOWN + 1])
            found += [self._named(obj) for obj in shown[:IN_USE_SHOWN]]
            if len(shown) > IN_USE_SHOWN:
                more = holding.count() - IN_USE_SHOWN
                found.append(
                    gettext("%(kind)s: %(count)d more")
                    % {"kind": capfirst(relation.related_model._meta.verbose_name_plural), "count": more}
                )
        return found

    def _named(self, obj: models.Model) -> str:
        opts = obj._meta
        try:
            url = reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])  # type: ignore[attr-defined]
        except NoReverseMatch:
            return f"{capfirst(opts.verbose_name)}: {obj}"
        return format_html('{}: <a href="{}">{}</a>', capfirst(opts.verbose_name), url, obj)


@admin.register(Sector)
class SectorAdmin(QuickRowsMixin, KeptWhileInUseMixin, ReadableChangeMessages, admin.ModelAdmin):
    list_display = ["code", "name_lt", "name_en", "position"]
    search_fields = ["code", "name_lt", "name_en"]


@admin.register(Municipality)
class MunicipalityAdmin(QuickRowsMixin, KeptWhileInUseMixin, ReadableChangeMessages, admin.ModelAdmin):
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

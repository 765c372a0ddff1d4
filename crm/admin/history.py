"""The admin of records with a change history: django-simple-history's, and Django's own log of
admin actions, both read in the page's language."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import yesno
from django.utils import formats, timezone, translation
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper


class ReadableChanges(HistoricalRecordContextHelper):
    """The history's "what changed" as the record's page shows its values: "taip"/"ne", a choice's
    label ("anglų"), dates as the page writes them, "—" for nothing; not True, "en" or None."""

    def prepare_delta_change_value(self, change: Any, value: Any) -> Any:
        value = super().prepare_delta_change_value(change, value)
        if isinstance(value, list):
            return value
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return yesno(value)
        field = self.model._meta.get_field(change.field)
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        if isinstance(value, datetime.datetime):
            return formats.localize(timezone.localtime(value))
        if isinstance(value, datetime.date):
            return formats.localize(value)
        return value


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin, whose page of a past version saves ("Revert") only for staff
    who may change the record. The library lets anyone who may view the record post that form,
    and saves it: read-only staff could change contacts' e-mails, or undo the end of a contact's
    affiliation, and so reach a member's answer page through its e-mails."""

    def get_historical_record_context_helper(self, request: HttpRequest, historical_record: Any) -> Any:
        return ReadableChanges(self.model, historical_record)

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))
            if obj is None or not self.has_change_history_permission(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadableChangeMessages(admin.ModelAdmin):
    """An admin whose log of changes ("Pakeista: būsena ir registracijos numeris.") names the
    fields in the page's language.

    Django stores the fields a change touched by their form labels, untranslated and capitalised
    ("Addressee as written"), and translates them only when the history is shown; the catalogue
    holds the models' verbose names, in lower case, so those labels stayed English. Here they
    are stored as the verbose names themselves, which it translates."""

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool
    ) -> list[dict[str, Any]]:
        message = super().construct_change_message(request, form, formsets, add)
        names = _verbose_names([self.model, *(formset.model for formset in formsets or ())])
        for entry in message:
            changed = entry.get("changed", {})
            if "fields" in changed:
                changed["fields"] = [names.get(label, label) for label in changed["fields"]]
        return message

    def log_fields_change(self, request: HttpRequest, obj: models.Model, fields: list[str]) -> Any:
        """Log a change of these fields (by name) made outside the change form."""
        with translation.override(None):
            names = [str(obj._meta.get_field(name).verbose_name) for name in fields]
        return self.log_change(request, obj, [{"changed": {"fields": names}}])


def _verbose_names(model_classes: list[type[models.Model]]) -> dict[str, str]:
    """Each field's form label, as Django's change messages store it, to its verbose name."""
    with translation.override(None):
        return {
            str(capfirst(field.verbose_name)): str(field.verbose_name)
            for model in model_classes
            for field in model._meta.get_fields()
            if getattr(field, "verbose_name", None)
        }

"""The admin of records with a change history (django-simple-history)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import yesno
from django.utils import formats, timezone
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

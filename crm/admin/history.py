"""The admin of records with a change history (django-simple-history)."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin, whose page of a past version saves ("Revert") only for staff
    who may change the record. The library lets anyone who may view the record post that form,
    and saves it: read-only staff could change contacts' e-mails, or undo the end of a contact's
    affiliation, and so reach a member's answer page through its e-mails."""

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

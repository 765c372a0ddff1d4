"""Member responses in the admin, read only: which organisation answered which consultation,
how far it got, when it last saved and who. Staff never write a member's answer, so there is
no adding, changing or deleting here, whatever the role's permissions say.

The detail page shows the submitted versions (what the organisation sent to the association),
not the working copy of the answers, which may hold drafts nobody has submitted.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from consultations.admin.filters import ConsultationFilter
from consultations.models import Response, ResponseEdit, ResponseVersion
from crm.admin.rows import QuickRowsMixin, status_badge

STATUS_TONES = {
    Response.Status.DRAFT: "warning",
    Response.Status.SUBMITTED: "ok",
}


class ResponseEditInline(admin.TabularInline):
    model = ResponseEdit
    extra = 0
    can_delete = False
    fields = ["created_at", "person", "action", "version"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ResponseEdit]:
        return super().get_queryset(request).select_related("person")

    def has_add_permission(self, request: HttpRequest, obj: Response | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Response | None = None) -> bool:
        return False


@admin.register(Response)
class ResponseAdmin(QuickRowsMixin, admin.ModelAdmin):
    list_display = [
        "organisation",
        "consultation",
        "status_display",
        "submitted_at",
        "submitted_version",
        "updated_at",
        "last_saved_by",
    ]
    list_filter = [("consultation", ConsultationFilter), "status"]
    search_fields = ["organisation__name", "organisation__legal_code"]
    list_select_related = ["organisation", "consultation"]
    fields = [
        "consultation",
        "organisation",
        "status_display",
        "submitted_version",
        "version",
        "has_unsubmitted_changes",
        "created_at",
        "updated_at",
        "last_saved_by",
        "submitted_at",
        "submitted_by",
        "submitted_versions",
    ]
    readonly_fields = ["status_display", "submitted_version", "last_saved_by", "submitted_versions"]
    inlines = [ResponseEditInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Response]:
        # Who saved last: the latest entry of the edit log, fetched for the page's rows only
        # (one query, however long the logs are).
        later = ResponseEdit.objects.filter(
            response=OuterRef("response"), created_at__gt=OuterRef("created_at")
        )
        latest = (
            ResponseEdit.objects.exclude(Exists(later))
            .select_related("person")
            .order_by("response", "-created_at", "-id")
        )
        # The number of the last submitted version, as the member's receipt and the exports give it.
        last_submitted = ResponseVersion.objects.filter(response=OuterRef("pk")).order_by("-number")
        return (
            super()
            .get_queryset(request)
            .annotate(last_version=Subquery(last_submitted.values("number")[:1]))
            .prefetch_related(Prefetch("edits", latest, to_attr="latest_edits"))
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Response | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Response | None = None) -> bool:
        return False

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, obj: Response) -> str:
        return status_badge(obj, STATUS_TONES)

    @admin.display(description=_("submitted version"), ordering="last_version")
    def submitted_version(self, obj: Response) -> int | None:
        return obj.last_version

    @admin.display(description=_("last saved by"))
    def last_saved_by(self, obj: Response) -> str:
        # Two saves in the same microsecond both count as latest: the later id wins.
        edit = obj.latest_edits[0] if obj.latest_edits else None
        return edit.person.full_name if edit and edit.person else "—"

    @admin.display(description=_("submitted versions"))
    def submitted_versions(self, obj: Response) -> str:
        versions = obj.versions.select_related("submitted_by").order_by("-number")
        return render_to_string(
            "admin/consultations/response/submitted_versions.html", {"versions": versions}
        )

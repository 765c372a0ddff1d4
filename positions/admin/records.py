"""The records of position papers, read only: renderings (with the verified download), dispatches,
the registration journal with its cancelled numbers, and the PDF generations."""

from __future__ import annotations

import logging
from pathlib import PurePath

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from crm.admin.rows import QuickRowsMixin
from positions import selectors
from positions.models import (
    Dispatch,
    PositionPaper,
    RegistrationCancellation,
    RegistrationJournal,
    Rendering,
    RenderingJob,
)

logger = logging.getLogger(__name__)


def _download_name(rendering: Rendering) -> str:
    """The PDF's file name for whoever downloads it: a draft's in the page's language (the stored
    name is fixed when the PDF is made), a registered paper's as stored, after its number."""
    if rendering.paper_status == PositionPaper.Status.DRAFT:
        return pgettext("file name", "paper-%(paper)s-draft-v%(version)s.pdf") % {
            "paper": rendering.paper_id,
            "version": rendering.version,
        }
    return PurePath(rendering.file.name).name


class ReadOnlyAdmin(QuickRowsMixin, admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Rendering)
class RenderingAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "paper_status",
        "language",
        "pdf_variant",
        "page_count",
        "size",
        "created_at",
        "created_by",
        "download",
    ]
    list_filter = ["paper_status", "language"]
    list_select_related = ["paper", "created_by"]
    search_fields = ["paper__subject", "paper__registration_number", "sha256"]
    fields = [
        "paper",
        "version",
        "paper_status",
        "language",
        "pdf_variant",
        "tagged",
        "page_count",
        "size",
        "sha256",
        "withdrawn_at",
        "created_at",
        "created_by",
        "download",
    ]
    readonly_fields = fields

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<path:object_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name="positions_rendering_download",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("PDF"))
    def download(self, obj: Rendering) -> str:
        url = reverse("admin:positions_rendering_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))

    def download_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        rendering = self.get_object(request, unquote(object_id))
        if rendering is None:
            raise Http404
        if not self.has_view_permission(request, rendering):
            raise PermissionDenied
        try:
            content = selectors.rendering_read_verified(rendering=rendering)
        except selectors.RenderingTampered as error:
            logger.error("Rendering %s failed its SHA-256 check", rendering.pk)
            for message in error.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:positions_positionpaper_change", args=[rendering.paper_id])
            )
        except selectors.RenderingMissing as error:
            self.message_user(request, error.messages[0], messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:positions_positionpaper_change", args=[rendering.paper_id])
            )
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=_download_name(rendering)
        )
        response["X-Content-SHA256"] = rendering.sha256
        return response


@admin.register(Dispatch)
class DispatchAdmin(ReadOnlyAdmin):
    list_display = ["paper", "recipient", "channel", "sent_on", "sent_by", "rendering"]
    list_filter = ["channel", "sent_on"]
    list_select_related = ["paper", "rendering__paper", "sent_by"]
    search_fields = ["paper__subject", "paper__registration_number", "recipient"]
    date_hierarchy = "sent_on"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Dispatch]:
        return super().get_queryset(request).select_related("paper", "rendering__paper", "sent_by")


@admin.register(RegistrationJournal)
class RegistrationJournalAdmin(ReadOnlyAdmin):
    list_display = ["prefix", "year", "last_number"]
    list_filter = ["prefix", "year"]


@admin.register(RegistrationCancellation)
class RegistrationCancellationAdmin(ReadOnlyAdmin):
    list_display = [
        "registration_number",
        "registration_date",
        "paper",
        "reason",
        "cancelled_at",
        "cancelled_by",
    ]
    list_select_related = ["paper", "cancelled_by"]
    search_fields = ["registration_number", "paper__subject", "reason"]
    date_hierarchy = "cancelled_at"


@admin.register(RenderingJob)
class RenderingJobAdmin(ReadOnlyAdmin):
    list_display = [
        "paper",
        "state",
        "stage",
        "progress",
        "requested_at",
        "requested_by",
        "finished_at",
        "rendering",
    ]
    list_filter = ["state"]
    list_select_related = ["paper", "requested_by", "rendering__paper"]
    search_fields = ["paper__subject", "paper__registration_number"]

    @admin.display(description=_("progress"))
    def progress(self, obj: RenderingJob) -> str:
        url = reverse("admin:positions_positionpaper_rendering_progress", args=[obj.paper_id, obj.pk])
        return format_html('<a href="{}">{} %</a>', url, obj.percent)

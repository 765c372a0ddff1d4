"""The staff analysis pages of a consultation in the admin: the dashboard, the answers side by
side with their filters, and the exports. Registered by `ConsultationAdmin.get_urls`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from consultations import analysis, exports
from consultations.admin.links import not_reachable_invitations_url
from consultations.filters import InvitationFilter
from consultations.models import Consultation, Invitation

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

PERMISSION = "consultations.view_consultation"
# Taking the answers out of the system in bulk: a right of its own, as for the CRM's exports.
EXPORT_PERMISSION = "consultations.export_consultation"

AnalysisView = Callable[[Any, HttpRequest, str], HttpResponse]


def _consultation(
    model_admin: ModelAdmin, request: HttpRequest, object_id: str, *, export: bool = False
) -> Consultation:
    if not request.user.has_perm(PERMISSION) or (export and not request.user.has_perm(EXPORT_PERMISSION)):
        raise PermissionDenied
    consultation = model_admin.get_object(request, unquote(object_id))
    if consultation is None:
        raise Http404
    return consultation


def _filtered(request: HttpRequest, consultation: Consultation) -> InvitationFilter:
    return InvitationFilter(
        request.GET or None, queryset=Invitation.objects.filter(consultation=consultation)
    )


def _context(
    model_admin: ModelAdmin, request: HttpRequest, consultation: Consultation, title: str
) -> dict[str, Any]:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": consultation,
        "consultation": consultation,
        "title": title,
        "subtitle": consultation.title,
        "query_string": request.GET.urlencode(),
    }


def dashboard_view(model_admin: ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    consultation = _consultation(model_admin, request, object_id)
    dashboard = analysis.consultation_dashboard(consultation=consultation)
    context = _context(model_admin, request, consultation, _("Dashboard")) | {
        "dashboard": dashboard,
        "not_reachable_url": not_reachable_invitations_url(consultation=consultation),
    }
    return TemplateResponse(request, "consultations/admin/analysis_dashboard.html", context)


def answers_view(model_admin: ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    consultation = _consultation(model_admin, request, object_id)
    filterset = _filtered(request, consultation)
    # Filters that cannot be read (a sector since deleted, a link edited by hand) show no answers
    # until corrected, rather than every answer under filters that seem to apply.
    refused = filterset.is_bound and not filterset.is_valid()
    invitations = None  # unfiltered
    if refused:
        invitations = filterset.queryset.none()
    elif filterset.is_bound:
        invitations = filterset.qs
    result = analysis.consultation_answers(consultation=consultation, invitations=invitations)
    context = _context(model_admin, request, consultation, _("Answers")) | {
        "filterset": filterset,
        "filters_refused": refused,
        "result": result,
    }
    return TemplateResponse(request, "consultations/admin/analysis_answers.html", context)


def _filter_refused(
    request: HttpRequest, consultation: Consultation, filterset: InvitationFilter
) -> HttpResponse:
    """An export asked for with a filter that cannot be read (a sector since deleted, a link edited
    by hand) exports nothing, rather than every answer as if unfiltered: the answers page, with
    the same filters, says what is wrong with them."""
    messages.error(request, _("The filters are not valid, so nothing was exported; correct them below."))
    url = reverse("admin:consultations_consultation_answers", args=[consultation.pk])
    return HttpResponseRedirect(f"{url}?{request.GET.urlencode()}")


def export_xlsx_view(model_admin: ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    consultation = _consultation(model_admin, request, object_id, export=True)
    filterset = _filtered(request, consultation)
    if filterset.is_bound and not filterset.is_valid():
        return _filter_refused(request, consultation, filterset)
    content = exports.answers_xlsx(
        consultation=consultation, invitations=filterset.qs if filterset.is_valid() else None
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = exports.export_filename(consultation=consultation, extension="xlsx")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def export_csv_view(model_admin: ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    consultation = _consultation(model_admin, request, object_id, export=True)
    filterset = _filtered(request, consultation)
    if filterset.is_bound and not filterset.is_valid():
        return _filter_refused(request, consultation, filterset)
    response = StreamingHttpResponse(
        exports.answers_csv(
            consultation=consultation, invitations=filterset.qs if filterset.is_valid() else None
        ),
        content_type="text/csv; charset=utf-8",
    )
    filename = exports.export_filename(consultation=consultation, extension="csv")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def analysis_urls(model_admin: ModelAdmin) -> list[URLPattern]:
    """The URLs of the analysis pages, for `ConsultationAdmin.get_urls`."""
    views = [
        ("dashboard", dashboard_view),
        ("answers", answers_view),
        ("export-xlsx", export_xlsx_view),
        ("export-csv", export_csv_view),
    ]

    def bind(view: AnalysisView) -> Callable[[HttpRequest, str], HttpResponse]:
        def bound(request: HttpRequest, object_id: str) -> HttpResponse:
            return view(model_admin, request, object_id)

        return bound

    return [
        path(
            f"<path:object_id>/{name}/",
            model_admin.admin_site.admin_view(bind(view)),
            name=f"consultations_consultation_{name.replace('-', '_')}",
        )
        for name, view in views
    ]

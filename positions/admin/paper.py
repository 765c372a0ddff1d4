"""Position papers in the admin: the change page with sections, proposals and attributions, the
HTML preview, and the workflow (generate PDF with its progress page, approve, withdraw the
approval, record sending, new version) as buttons and pages that call services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import actions as admin_actions
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.admin.history import ReadableChangeMessages
from crm.admin.rows import QuickRowsMixin, status_badge
from positions import consolidation, selectors, services
from positions.admin.consolidation import ConsolidationAdminMixin
from positions.admin.forms import DispatchForm, PositionPaperForm, WithdrawApprovalForm
from positions.admin.inlines import (
    AttributionInline,
    DispatchInline,
    ProposalInline,
    RenderingInline,
    SectionInline,
    SupportersFieldMixin,
)
from positions.letter import letter_heading, letter_html
from positions.models import (
    Dispatch,
    IssuerSettings,
    PaperAttribution,
    PositionPaper,
    Rendering,
    RenderingJob,
)

# How often the PDF progress page reloads itself while the PDF is being generated.
PROGRESS_REFRESH_SECONDS = 2

STATUS_TONES = {
    PositionPaper.Status.DRAFT: "quiet",
    PositionPaper.Status.APPROVED: "warning",
    PositionPaper.Status.SENT: "ok",
}

# The preview is a document built from staff and member text: it may load the site's own
# fonts and inline images and nothing else, and runs no script.
PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; font-src 'self'; img-src data:"


@admin.register(PositionPaper)
class PositionPaperAdmin(
    QuickRowsMixin, ConsolidationAdminMixin, SupportersFieldMixin, ReadableChangeMessages, admin.ModelAdmin
):
    change_form_template = "positions/admin/positionpaper_change_form.html"
    form = PositionPaperForm
    list_display = [
        "subject",
        "status_display",
        "registration_number",
        "registration_date",
        "addressee",
        "language",
        "version",
        "rendering_count",
        "dispatch_count",
    ]
    list_filter = ["status", "language", ("addressee", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["subject", "registration_number", "addressee__name", "request_number"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["source_consultation", "addressee", "supporting_organisations"]
    readonly_fields = [
        "status_display",
        "registration_number",
        "registration_date",
        "approved_at",
        "approved_by",
        "previous_version_link",
        "version",
        "created_by",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["subject", "status_display", "language", "source_consultation", "loaded"]}),
        (
            _("Addressee"),
            {"fields": ["addressee", "addressee_label", "addressee_person", "addressee_email"]},
        ),
        (_("Their request"), {"fields": [("request_date", "request_number")]}),
        (_("Signature"), {"fields": [("signatory_position", "signatory_name")]}),
        (_("Drafter"), {"fields": [("drafter_name", "drafter_phone", "drafter_email")]}),
        (_("Annex"), {"fields": ["annex", "supporting_organisations"]}),
        (
            _("Registration"),
            {
                "fields": [
                    ("registration_number", "registration_date"),
                    ("approved_at", "approved_by"),
                    ("version", "previous_version_link"),
                    ("created_by", "created_at", "updated_at"),
                ]
            },
        ),
    ]
    inlines = [SectionInline, ProposalInline, AttributionInline, RenderingInline, DispatchInline]
    actions = ["delete_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PositionPaper]:
        return selectors.papers_for_admin()

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        # The position is left to `paper_save`: the issuer's, in the language the paper is written in.
        return {
            "signatory_name": IssuerSettings.load().signatory_name,
            **super().get_changeform_initial_data(request),
        }

    def get_fieldsets(self, request: HttpRequest, obj: PositionPaper | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and self.has_change_permission(request, obj):
            return fieldsets
        # Only a page that saves a paper there is carries when it was loaded (`PositionPaperForm`).
        return [
            (name, {**options, "fields": [field for field in options["fields"] if field != "loaded"]})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: PositionPaper | None = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and selectors.paper_drafted_from_consultation(paper=obj):
            # Its sections and grouped proposals are written again from this consultation's answers:
            # another's would write every section over as answered by none of its organisations.
            readonly.append("source_consultation")
        return readonly

    def has_change_permission(self, request: HttpRequest, obj: PositionPaper | None = None) -> bool:
        # Approved text is what was registered; a sent paper changes only through a new version.
        if obj is not None and not obj.is_draft:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: PositionPaper | None = None) -> bool:
        # A registered paper stays in the journal, and so does a draft with a cancelled number
        # (`services.papers_require_deletable`): neither is offered the delete button.
        if obj is not None and (not obj.is_draft or not services.paper_deletable(paper=obj)):
            return False
        return super().has_delete_permission(request, obj)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # Said up front: Django's page would ask for a permission to delete the cancelled number
        # that nobody has, as its admin is read only.
        paper = self.get_object(request, unquote(object_id))
        if paper is not None and self.has_view_permission(request, paper):
            try:
                services.papers_require_deletable(papers=[paper])
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, message, messages.ERROR)
                return HttpResponseRedirect(self._change_url(paper))
        return super().delete_view(request, object_id, extra_context)

    @admin.action(permissions=["delete"], description=admin_actions.delete_selected.short_description)
    def delete_selected(self, request: HttpRequest, queryset: QuerySet[PositionPaper]) -> HttpResponse | None:
        """Django's action, refused at once if a paper selected keeps a cancelled number."""
        try:
            services.papers_require_deletable(papers=queryset)
        except ValidationError as error:
            for message in error.messages:
                self.message_user(request, message, messages.ERROR)
            return None
        return admin_actions.delete_selected(self, request, queryset)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, Any, set[str], Any]:
        # A draft's PDFs and their generations go with it (nobody deletes them on their own: their
        # admin is read only). A registered paper is not deleted at all (above).
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if all(paper.is_draft for paper in objs):
            theirs = {str(Rendering._meta.verbose_name), str(RenderingJob._meta.verbose_name)}
            perms_needed = {name for name in perms_needed if str(name) not in theirs}
        return deleted, counts, perms_needed, protected

    def save_model(self, request: HttpRequest, obj: PositionPaper, form: Any, change: bool) -> None:
        services.paper_save(
            paper=obj, user=request.user, expected_updated_at=form.loaded_updated_at if change else None
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        services.paper_require_draft(paper=form.instance)
        super().save_related(request, form, formsets, change)
        if any(formset.model is PaperAttribution and formset.has_changed() for formset in formsets):
            self._refresh_attributions(request, form.instance)

    def _refresh_attributions(self, request: HttpRequest, paper: PositionPaper) -> None:
        """The attributions changed: the sections written from the answers are written again."""
        result = consolidation.paper_attributions_refresh(paper=paper, user=request.user)
        if result.rewritten:
            self.message_user(
                request,
                ngettext(
                    "%(count)d section written from the answers was rewritten with the new attributions.",
                    "%(count)d sections written from the answers were rewritten with the new attributions.",
                    len(result.rewritten),
                )
                % {"count": len(result.rewritten)},
                messages.SUCCESS,
            )
        self._report_sections_kept(request, result.kept)

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, obj: PositionPaper) -> str:
        return status_badge(obj, STATUS_TONES)

    @admin.display(description=_("PDFs"), ordering="rendering_total")
    def rendering_count(self, obj: PositionPaper) -> int:
        return obj.rendering_total

    @admin.display(description=_("dispatches"), ordering="dispatch_total")
    def dispatch_count(self, obj: PositionPaper) -> int:
        return obj.dispatch_total

    @admin.display(description=_("previous version"))
    def previous_version_link(self, obj: PositionPaper) -> str:
        if obj.previous_version_id is None:
            return "—"
        url = reverse("admin:positions_positionpaper_change", args=[obj.previous_version_id])
        return format_html('<a href="{}">{}</a>', url, obj.previous_version)

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any
    ) -> Any:
        paper = context.get("original")
        user = request.user
        context["paper_tools"] = {
            "can_render": paper is not None
            and not paper.is_sent
            and user.has_perm("positions.add_rendering"),
            "can_approve": paper is not None
            and paper.is_draft
            and user.has_perm("positions.approve_positionpaper"),
            "can_withdraw": paper is not None
            and paper.status == PositionPaper.Status.APPROVED
            and user.has_perm("positions.approve_positionpaper"),
            "active_job": paper.rendering_jobs.exclude(
                state__in=[RenderingJob.State.DONE, RenderingJob.State.FAILED]
            ).first()
            if paper is not None
            else None,
            "leaks": selectors.paper_attribution_leaks(paper=paper)
            if paper is not None and paper.is_draft
            else [],
            "unprintable": selectors.paper_unprintable_text(paper=paper)
            if paper is not None and paper.is_draft
            else [],
            "can_send": paper is not None and not paper.is_draft and user.has_perm("positions.add_dispatch"),
            "can_version": paper is not None
            and paper.is_sent
            and not hasattr(paper, "next_version")
            and user.has_perm("positions.add_positionpaper"),
        }
        return super().render_change_form(request, context, *args, **kwargs)

    # Workflow pages and buttons -------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        posts = [
            ("render", self._render),
            ("new-version", self._new_version),
        ]
        return [
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="positions_positionpaper_preview",
            ),
            path(
                "<path:object_id>/send/",
                self.admin_site.admin_view(self.send_view),
                name="positions_positionpaper_send",
            ),
            path(
                "<path:object_id>/approve/",
                self.admin_site.admin_view(self.approve_view),
                name="positions_positionpaper_approve",
            ),
            path(
                "<path:object_id>/withdraw/",
                self.admin_site.admin_view(self.withdraw_view),
                name="positions_positionpaper_withdraw",
            ),
            path(
                "<path:object_id>/pdf/<int:job_id>/",
                self.admin_site.admin_view(self.rendering_progress_view),
                name="positions_positionpaper_rendering_progress",
            ),
            *(
                path(
                    f"<path:object_id>/{name}/",
                    self.admin_site.admin_view(self._post_view(handler)),
                    name=f"positions_positionpaper_{name.replace('-', '_')}",
                )
                for name, handler in posts
            ),
            *super().get_urls(),
        ]

    def _paper_or_404(self, request: HttpRequest, object_id: str) -> PositionPaper:
        paper = self.get_object(request, unquote(object_id))
        if paper is None:
            raise Http404
        if not self.has_view_permission(request, paper):
            raise PermissionDenied
        return paper

    def _change_url(self, paper: PositionPaper) -> str:
        return reverse("admin:positions_positionpaper_change", args=[paper.pk])

    def preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        paper = self._paper_or_404(request, object_id)
        # An approved paper is previewed as it was approved, as its PDF prints it.
        letter = selectors.paper_printed_letter(paper=selectors.paper_for_document(paper_id=paper.pk))
        response = HttpResponse(letter_html(letter, asset_url=static))
        response["Content-Security-Policy"] = PREVIEW_CSP
        return response

    def _post_view(
        self, handler: Callable[[HttpRequest, PositionPaper], HttpResponse | None]
    ) -> Callable[[HttpRequest, str], HttpResponse]:
        def view(request: HttpRequest, object_id: str) -> HttpResponse:
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            paper = self._paper_or_404(request, object_id)
            try:
                response = handler(request, paper)
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, message, messages.ERROR)
                response = None
            return response or HttpResponseRedirect(self._change_url(paper))

        return view

    def _render(self, request: HttpRequest, paper: PositionPaper) -> HttpResponse:
        job = services.paper_render_request(paper=paper, user=request.user)
        if job.state == RenderingJob.State.FAILED:
            self.message_user(request, job.error, messages.ERROR)
        elif job.state == RenderingJob.State.DONE:
            self.message_user(
                request, _("The PDF is generated; it is listed under Renderings."), messages.SUCCESS
            )
        return HttpResponseRedirect(
            reverse("admin:positions_positionpaper_rendering_progress", args=[paper.pk, job.pk])
        )

    def rendering_progress_view(self, request: HttpRequest, object_id: str, job_id: int) -> HttpResponse:
        """How far the generation of a PDF has got; refreshes itself until it is finished."""
        paper = self._paper_or_404(request, object_id)
        job = paper.rendering_jobs.select_related("rendering", "requested_by").filter(pk=job_id).first()
        if job is None:
            raise Http404
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": paper,
            "title": _("PDF generation"),
            "job": job,
            "refresh_seconds": PROGRESS_REFRESH_SECONDS,
        }
        return render(request, "positions/admin/rendering_progress.html", context)

    def withdraw_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        paper = self._paper_or_404(request, object_id)
        if not request.user.has_perm("positions.approve_positionpaper"):
            raise PermissionDenied
        form = WithdrawApprovalForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            number = paper.registration_number
            try:
                services.paper_withdraw_approval(
                    paper=paper, user=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.log_fields_change(request, paper, ["status", "registration_number"])
                self.message_user(
                    request,
                    _(
                        "The approval is withdrawn and number %(number)s cancelled; the paper is a draft again."
                    )
                    % {"number": number},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._change_url(paper))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": paper,
            "title": _("Withdraw approval"),
            "form": form,
        }
        return render(request, "positions/admin/positionpaper_withdraw.html", context)

    def approve_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Approving gives the paper a number that is never taken back: a GET shows what will
        happen (as the admin's delete page does), a POST from that page approves."""
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        paper = self._paper_or_404(request, object_id)
        if not request.user.has_perm("positions.approve_positionpaper"):
            raise PermissionDenied
        if request.method == "POST":
            try:
                services.paper_approve(paper=paper, user=request.user, shown=request.POST.get("shown", ""))
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, message, messages.ERROR)
                if getattr(error, "code", None) == "paper_changed":
                    # Back to the confirmation, which shows the paper as it is now.
                    return HttpResponseRedirect(request.path)
            else:
                self.log_fields_change(request, paper, ["status", "registration_number"])
                self.message_user(
                    request,
                    _("Approved and registered as %(number)s.") % {"number": paper.registration_number},
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(self._change_url(paper))
        addressee_lines, letter_title = letter_heading(paper)
        preview = selectors.paper_approval_preview(paper=paper)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": paper,
            "title": _("Approve and register"),
            "subject_label": capfirst(PositionPaper._meta.get_field("subject").verbose_name),
            "letter_title": letter_title.upper(),
            "addressee_lines": addressee_lines,
            "preview": preview,
            "shown": preview.fingerprint,
        }
        return render(request, "positions/admin/positionpaper_approve.html", context)

    def _new_version(self, request: HttpRequest, paper: PositionPaper) -> HttpResponse:
        draft = services.paper_new_version(paper=paper, user=request.user)
        self.log_addition(request, draft, [{"added": {}}])
        self.message_user(
            request, _("A new draft version was created from the sent paper."), messages.SUCCESS
        )
        return HttpResponseRedirect(self._change_url(draft))

    def send_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        paper = self._paper_or_404(request, object_id)
        if not request.user.has_perm("positions.add_dispatch"):
            raise PermissionDenied
        form = DispatchForm(request.POST or None, paper=paper, initial=DispatchForm.initial_for(paper))
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if data["send_email_now"]:
                    services.paper_email(
                        paper=paper,
                        user=request.user,
                        rendering=data["rendering"],
                        to=data["email"],
                        note=data["note"],
                    )
                else:
                    services.paper_mark_sent(
                        paper=paper,
                        user=request.user,
                        rendering=data["rendering"],
                        channel=data["channel"],
                        recipient=data["recipient"],
                        sent_on=data["sent_on"],
                        note=data["note"],
                    )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.log_fields_change(request, paper, ["status"])
                self.message_user(request, _("The dispatch is recorded."), messages.SUCCESS)
                if data["channel"] == Dispatch.Channel.EMAIL and not data["send_email_now"]:
                    # Recorded as sent by e-mail from elsewhere (the staff member's own mail).
                    self.message_user(
                        request,
                        _(
                            "The system did not e-mail the PDF: the dispatch records an e-mail sent otherwise."
                        ),
                        messages.INFO,
                    )
                return HttpResponseRedirect(self._change_url(paper))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": paper,
            "title": _("Record sending"),
            "form": form,
            "has_sendable": form.fields["rendering"].queryset.exists(),
        }
        return render(request, "positions/admin/positionpaper_send.html", context)

"""Consultations in the admin: the change page with its questions and documents, and the
transitions (open, invite, remind, close, archive) as buttons and list actions calling services,
each asking first on a page that says what it will do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Func, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from consultations import selectors, services
from consultations.admin import analysis
from consultations.admin.links import not_reachable_invitations_url, revoked_links_url
from consultations.admin.questions import DocumentInline, QuestionInline
from consultations.forms import ResponseForm
from consultations.models import Consultation, Invitation, Question, Response
from consultations.views import answer_page_context
from crm.admin.formfields import HTTPS_URLS, served_file_response
from crm.admin.history import ReadableChangeMessages
from crm.admin.rows import QuickRowsMixin, status_badge

STATUS_TONES = {
    Consultation.Status.DRAFT: "quiet",
    Consultation.Status.OPEN: "ok",
    Consultation.Status.CLOSED: "warning",
    Consultation.Status.ARCHIVED: "quiet",
}


@dataclass(frozen=True)
class Transition:
    """A step of a consultation's life run from the admin: a button on the change page (whose
    address shows what it will do and asks to go ahead; posting runs it) and a list action (which
    asks the same before running it on the chosen consultations)."""

    label: str | Promise
    # The status a consultation must have for it.
    source: str
    # The list action that runs it.
    action: str


TRANSITIONS: dict[str, Transition] = {
    "open": Transition(_("Open and send the invitations"), Consultation.Status.DRAFT, "open_selected"),
    "invite": Transition(_("Invite new contacts"), Consultation.Status.OPEN, "send_invitations"),
    "remind": Transition(_("Send reminders"), Consultation.Status.OPEN, "send_reminders"),
    "close": Transition(_("Close"), Consultation.Status.OPEN, "close_selected"),
    "archive": Transition(_("Archive"), Consultation.Status.CLOSED, "archive_selected"),
}

TRANSITION_CONFIRMATION_TEMPLATE = "consultations/admin/transition_confirmation.html"


def _datetime(value: Any) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _titled(consultation: Consultation, message: str) -> str:
    """A message about one of several consultations, headed by its title."""
    return _("“%(title)s”: %(message)s") % {"title": consultation.title, "message": message}


def reminder_left_out(plan: selectors.ReminderPlan) -> list[str]:
    """Why organisations that have not submitted get no reminder now, a sentence a reason
    (`selectors.reminder_plan`); those nobody could be sent an invitation apart."""
    reasons = [
        (
            plan.invited_today,
            _("Organisations invited today get no reminder before tomorrow: %(count)d."),
        ),
        (
            plan.reminded_today,
            _("Organisations already reminded today get no second reminder today: %(count)d."),
        ),
        (
            plan.not_sent,
            _("Organisations whose invitation e-mail has not gone out yet get no reminder: %(count)d."),
        ),
        (
            plan.without_link,
            _(
                "Organisations none of whose contacts can be reminded (their links revoked, their "
                "consent to consultation mail withdrawn, or no longer the organisation's contacts) "
                "get no reminder: %(count)d."
            ),
        ),
    ]
    return [message % {"count": count} for count, message in reasons if count]


def _count_of(rows: QuerySet[Any]) -> Subquery:
    """How many of these rows belong to the consultation of the outer query, as a subquery:
    `(SELECT COUNT(*) … WHERE consultation_id = outer.id)`, which is 0 for none. COUNT as a plain
    function, not Django's aggregate, so that no GROUP BY is added: the count is then read from
    the index alone."""
    counted = (
        rows.filter(consultation=OuterRef("pk"))
        .order_by()
        .annotate(total=Func(Value(1), function="COUNT", output_field=IntegerField()))
        .values("total")
    )
    return Subquery(counted, output_field=IntegerField())


@admin.register(Consultation)
class ConsultationAdmin(QuickRowsMixin, ReadableChangeMessages, admin.ModelAdmin):
    change_form_template = "consultations/admin/consultation_change_form.html"
    formfield_overrides = HTTPS_URLS
    list_display = [
        "title",
        "status_display",
        "requesting_institution",
        "internal_deadline",
        "responsible",
        "question_count",
        "invitation_count",
        "submitted_count",
    ]
    # The deadline filter (today, this month, this year…) instead of a drill-down by creation
    # date, which cost the list two more queries over every consultation on each view.
    list_filter = [
        "status",
        ("internal_deadline", admin.DateFieldListFilter),
        ("audience_sectors", admin.RelatedFieldListFilter),
        "responsible",
    ]
    search_fields = ["title", "external_reference", "requesting_institution__name"]
    list_select_related = ["requesting_institution", "responsible"]
    autocomplete_fields = ["requesting_institution", "audience_sectors", "audience_organisations"]
    readonly_fields = [
        "status_display",
        "opened_summary",
        "closed_at",
        "archived_at",
        "created_at",
        "updated_at",
    ]
    inlines = [DocumentInline, QuestionInline]
    actions = ["open_selected", "send_invitations", "send_reminders", "close_selected", "archive_selected"]
    fieldsets = [
        (
            None,
            {"fields": ["title", "status_display", "requesting_institution", "responsible", "background"]},
        ),
        (_("Reference"), {"fields": [("external_reference", "external_url")]}),
        (_("Dates"), {"fields": ["opens_at", "internal_deadline", "external_deadline"]}),
        (
            _("Audience"),
            {
                "fields": [
                    "audience_sectors",
                    "audience_organisations",
                    "only_active_members",
                    "opened_summary",
                ]
            },
        ),
        (
            _("Record"),
            {"fields": ["closed_at", "archived_at", "created_at", "updated_at"], "classes": ["collapse"]},
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Consultation]:
        # Each count is its own subquery: joining questions, invitations and responses together
        # would multiply them (and the time) before counting. The invitations nobody could be
        # sent are counted apart (`invitation_count`), as the dashboard does.
        return (
            super()
            .get_queryset(request)
            .annotate(
                question_total=_count_of(Question.objects.all()),
                invitation_total=_count_of(Invitation.objects.all()),
                not_reachable_total=_count_of(
                    selectors.invitations_not_reachable(invitations=Invitation.objects.all())
                ),
                submitted_total=_count_of(Response.objects.filter(status=Response.Status.SUBMITTED)),
            )
        )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # A plain list of staff: autocompleting users would need permission to view users.
        if db_field.name == "responsible":
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Consultation | None = None) -> bool:
        # An archived consultation is a record: it can be read, not changed.
        if obj is not None and obj.status == Consultation.Status.ARCHIVED:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Consultation | None = None) -> bool:
        # Once opened, a consultation has invitations and answers that must be kept.
        if obj is not None and obj.status != Consultation.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Question:
            super().save_formset(request, form, formset, change)
            return
        confirmed = {
            id(question_form.instance): question_form.cleaned_data.get("confirm_wording_fix", False)
            for question_form in formset.forms
            if hasattr(question_form, "cleaned_data")
        }
        questions = formset.save(commit=False)
        for question in formset.deleted_objects:
            services.question_delete(question=question)
        for question in questions:
            services.question_save(
                question=question, wording_fix_confirmed=confirmed.get(id(question), False)
            )

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, obj: Consultation) -> str:
        return status_badge(obj, STATUS_TONES)

    @admin.display(description=_("questions"), ordering="question_total")
    def question_count(self, obj: Consultation) -> int:
        return obj.question_total

    @admin.display(description=_("invited"), ordering=F("invitation_total") - F("not_reachable_total"))
    def invitation_count(self, obj: Consultation) -> str:
        # The invitations sent; those nobody could be sent follow, linked to their list.
        invited = obj.invitation_total - obj.not_reachable_total
        if not obj.not_reachable_total:
            return format_html("{}", invited)
        return format_html(
            '{} <a href="{}" class="kl-error">({})</a>',
            invited,
            not_reachable_invitations_url(consultation=obj),
            _("not reachable: %(count)d") % {"count": obj.not_reachable_total},
        )

    @admin.display(description=_("submitted"), ordering="submitted_total")
    def submitted_count(self, obj: Consultation) -> int:
        return obj.submitted_total

    @admin.display(description=_("invitations"))
    def opened_summary(self, obj: Consultation) -> str:
        if obj.pk is None or obj.status == Consultation.Status.DRAFT:
            return _("Invitations are created when the consultation is opened.")
        url = reverse("admin:consultations_invitation_changelist") + f"?consultation__id__exact={obj.pk}"
        invited = obj.invitation_total - obj.not_reachable_total
        summary = format_html(
            '<a href="{}">{}</a>',
            url,
            ngettext("%(count)d organisation invited", "%(count)d organisations invited", invited)
            % {"count": invited},
        )
        if not obj.not_reachable_total:
            return summary
        return format_html(
            '{}; <a href="{}" class="kl-error">{}</a>',
            summary,
            not_reachable_invitations_url(consultation=obj),
            _("not reachable, no contact who receives consultations: %(count)d")
            % {"count": obj.not_reachable_total},
        )

    # Transitions: buttons on the change page and actions on the list, both calling services.

    def get_urls(self) -> list[URLPattern]:
        previews = [
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="consultations_consultation_preview",
            ),
            path(
                "<path:object_id>/preview/documents/<int:document_id>/",
                self.admin_site.admin_view(self.preview_document_view),
                name="consultations_consultation_preview_document",
            ),
        ]
        return (
            analysis.analysis_urls(self)
            + previews
            + [
                path(
                    f"<path:object_id>/{name}/",
                    self.admin_site.admin_view(self._transition_view(name)),
                    name=f"consultations_consultation_{name}",
                )
                for name in TRANSITIONS
            ]
            + super().get_urls()
        )

    # The preview: the member page as members see it, read-only, with no organisation's answers.

    def _viewable(self, request: HttpRequest, object_id: str) -> Consultation:
        consultation = self.get_object(request, unquote(object_id))
        if consultation is None:
            raise Http404
        if not self.has_view_permission(request, consultation):
            raise PermissionDenied
        return consultation

    def preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        consultation = self._viewable(request, object_id)
        questions = list(consultation.questions.order_by("position", "id"))
        form = ResponseForm(questions=questions, answers={}, version=0)
        context = answer_page_context(
            consultation=consultation,
            form=form,
            editable=False,
            preview=True,
            document_url_name="admin:consultations_consultation_preview_document",
        )
        return TemplateResponse(request, "consultations/response_detail.html", context)

    def preview_document_view(self, request: HttpRequest, object_id: str, document_id: int) -> HttpResponse:
        consultation = self._viewable(request, object_id)
        document = consultation.documents.filter(pk=document_id).first()
        if document is None:
            raise Http404
        return served_file_response(
            request,
            document.file,
            missing=gettext("The stored file of the document “%(document)s” is missing: upload it again.")
            % {"document": document.title},
            back_url=reverse("admin:consultations_consultation_change", args=[consultation.pk]),
        )

    def _handler(self, name: str) -> Callable[[HttpRequest, Consultation], None]:
        return getattr(self, f"_{name}")

    def _transition_view(self, name: str) -> Callable[[HttpRequest, str], HttpResponse]:
        """The address of a transition's button: a GET shows what it will do and asks to go ahead
        (as the admin's delete page does), a POST from that page runs it."""

        def view(request: HttpRequest, object_id: str) -> HttpResponse:
            if request.method not in ("GET", "HEAD", "POST"):
                return HttpResponseNotAllowed(["GET", "POST"])
            consultation = self.get_object(request, unquote(object_id))
            if consultation is None:
                raise Http404
            # The role's permission, not the consultation's: one archived meanwhile (a colleague's
            # click, a second one) is the transition's to refuse, saying why, as a close run twice is.
            if not self.has_change_permission(request):
                raise PermissionDenied
            change_url = reverse("admin:consultations_consultation_change", args=[consultation.pk])
            if request.method != "POST":
                return self._confirmation_page(request, name, [consultation], cancel_url=change_url)
            try:
                self._handler(name)(request, consultation)
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(change_url)

        return view

    def _confirmation_page(
        self,
        request: HttpRequest,
        name: str,
        consultations: list[Consultation],
        *,
        cancel_url: str,
        action: bool = False,
    ) -> TemplateResponse:
        """What the transition will do to each consultation, and the button that runs it: posted to
        the transition's address, or (`action`) to the list with the chosen consultations."""
        transition = TRANSITIONS[name]
        items = [self._confirmation_item(name, consultation) for consultation in consultations]
        single = consultations[0] if len(consultations) == 1 else None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": transition.label,
            "subtitle": single.title if single else None,
            "original": single,
            "items": items,
            "label": transition.label,
            "runnable": any(item["runnable"] for item in items),
            "cancel_url": cancel_url,
            "action_name": transition.action if action else "",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, TRANSITION_CONFIRMATION_TEMPLATE, context)

    def _confirmation_item(self, name: str, consultation: Consultation) -> dict[str, Any]:
        """What the confirmation page says of one consultation: sentences, and the organisations
        that will be left without a link."""
        item: dict[str, Any] = {
            "consultation": consultation,
            "runnable": consultation.status == TRANSITIONS[name].source,
            "lines": [],
            "organisations": [],
        }
        lines = item["lines"]
        if not item["runnable"]:
            lines.append(
                _("Nothing to do: this consultation is “%(status)s”.")
                % {"status": consultation.get_status_display()}
            )
        elif name in ("invite", "remind") and consultation.deadline_passed():
            # Links sent now would open pages that can only be read (the services refuse too).
            item["runnable"] = False
            lines.append(
                _(
                    "Nothing to do: the internal deadline, %(deadline)s, has passed; members can only read their answers."
                )
                % {"deadline": _datetime(consultation.internal_deadline)}
            )
        elif name in ("open", "invite"):
            plan = selectors.invitation_plan(consultation=consultation)
            if name == "open":
                lines.append(
                    _(
                        "The consultation opens now and its personal links are sent by e-mail at "
                        "once. Opening cannot be undone."
                    )
                )
            else:
                lines.append(
                    _(
                        "Personal links go to the organisations added to the audience and the contacts "
                        "added since the consultation opened, and again to the links whose invitation "
                        "e-mail failed. Nobody gets a second invitation."
                    )
                )
            lines.append(
                _("Organisations that get personal links: %(organisations)d; e-mails: %(emails)d.")
                % {"organisations": plan.organisations_mailed, "emails": plan.emails}
            )
            if name == "open" and consultation.internal_deadline:
                lines.append(
                    _("Until %(deadline)s members can answer through their links.")
                    % {"deadline": _datetime(consultation.internal_deadline)}
                )
            item["organisations"] = plan.organisations_without_contacts
            item["organisations_heading"] = _(
                "Organisations without a contact who receives consultations, which get no link until "
                "one is added: %(count)d."
            ) % {"count": len(plan.organisations_without_contacts)}
            # Their contacts are there and agree: adding one is not the way, re-issuing is.
            if plan.organisations_links_revoked:
                item["revoked_organisations"] = plan.organisations_links_revoked
                item["revoked_heading"] = _(
                    "Organisations whose contacts' personal links were revoked, which get no link until "
                    "they are re-issued in the list of access links: %(count)d."
                ) % {"count": len(plan.organisations_links_revoked)}
                item["revoked_url"] = revoked_links_url(
                    consultation=consultation, organisations=plan.organisations_links_revoked
                )
        elif name == "remind":
            plan = selectors.reminder_plan(consultation=consultation)
            lines.append(
                _(
                    "A reminder with a new personal link goes to every contact of the invited "
                    "organisations that have not submitted their answer."
                )
            )
            lines.append(
                _(
                    "Organisations that have not submitted: %(not_submitted)d; reminded now: "
                    "%(organisations)d, e-mails: %(emails)d."
                )
                % {
                    "not_submitted": plan.organisations + plan.left_out,
                    "organisations": plan.organisations,
                    "emails": plan.emails,
                }
            )
            lines.extend(reminder_left_out(plan))
            if plan.not_reachable:
                lines.append(
                    _(
                        "Organisations without a contact who receives consultations get no reminder: %(count)d."
                    )
                    % {"count": plan.not_reachable}
                )
        elif name == "close":
            counts = selectors.answer_counts(consultation=consultation)
            lines.append(
                _(
                    "Members' personal links stop accepting answers at once: nothing more can be saved "
                    "or submitted, and members can only read their answers. Closing cannot be undone."
                )
            )
            lines.append(
                _(
                    "Invited organisations: %(invited)d; submitted: %(submitted)d; not submitted: "
                    "%(not_submitted)d, of which with a saved draft: %(drafts)d."
                )
                % {
                    "invited": counts.invited,
                    "submitted": counts.submitted,
                    "not_submitted": counts.not_submitted,
                    "drafts": counts.drafts,
                }
            )
            # Counted apart, as the list and the dashboard count them.
            if counts.not_reachable:
                lines.append(
                    format_html(
                        '{} <a href="{}">{}</a>',
                        _("Organisations not reached, to which no invitation e-mail has gone out: %(count)d.")
                        % {"count": counts.not_reachable},
                        not_reachable_invitations_url(consultation=consultation),
                        _("Show these invitations"),
                    )
                )
            if counts.changed_since_submission:
                lines.append(
                    _(
                        "Organisations that changed their submitted answer without submitting it "
                        "again, whose changes stay unsubmitted: %(count)d."
                    )
                    % {"count": counts.changed_since_submission}
                )
            deadline = consultation.internal_deadline
            if deadline and deadline > timezone.now():
                lines.append(
                    _("The internal deadline, %(deadline)s, has not passed yet.")
                    % {"deadline": _datetime(deadline)}
                )
        else:  # archive
            lines.append(
                _(
                    "The consultation becomes a record that can only be read; members' pages of it "
                    "stop opening. Archiving cannot be undone."
                )
            )
        return item

    def _report_invitations(self, request: HttpRequest, consultation: Consultation, report: Any) -> None:
        # Queued, not sent: the database task backend sends them later, and any e-mail may fail.
        self.message_user(
            request,
            _(
                "“%(title)s”: %(invitations)d new invitations, "
                "%(emails)d e-mails with personal links queued for sending."
            )
            % {
                "title": consultation.title,
                "invitations": report.invitations_created,
                "emails": report.emails_queued,
            },
            messages.SUCCESS,
        )
        # With the immediate task backend the e-mails have been tried already; a failed one left
        # its link without the queued mark (`services.access_link_email_deliver`).
        failed = selectors.access_links_not_queued(consultation=consultation).count()
        if failed:
            self.message_user(
                request,
                _(
                    "“%(title)s”: %(count)d e-mails with personal links could not be sent; the error "
                    "is logged. Press “Invite new contacts” to try again."
                )
                % {"title": consultation.title, "count": failed},
                messages.ERROR,
            )
        if report.organisations_without_contacts:
            links = format_html_join(
                ", ",
                '<a href="{}">{}</a>',
                (
                    (reverse("admin:crm_organisation_change", args=[organisation.pk]), organisation.name)
                    for organisation in report.organisations_without_contacts
                ),
            )
            self.message_user(
                request,
                format_html(
                    "{} {}",
                    _(
                        "These organisations have no contact with an e-mail address who agreed to "
                        "consultation mail and receives consultations (or is the primary contact). "
                        "Add one, then press “Invite new contacts”:"
                    ),
                    links,
                ),
                messages.WARNING,
            )
        if report.organisations_links_revoked:
            self.message_user(
                request,
                format_html(
                    '{} {}. <a href="{}">{}</a>',
                    _(
                        "The personal links of these organisations' contacts were revoked, so they "
                        "get no link; if they should answer, re-issue the links in the list of access "
                        "links:"
                    ),
                    ", ".join(organisation.name for organisation in report.organisations_links_revoked),
                    revoked_links_url(
                        consultation=consultation, organisations=report.organisations_links_revoked
                    ),
                    _("Show their links"),
                ),
                messages.WARNING,
            )

    def _open(self, request: HttpRequest, consultation: Consultation) -> None:
        report = services.consultation_open(consultation=consultation, user=request.user)
        self.log_change(request, consultation, [{"changed": {"fields": ["status"]}}])
        self._report_invitations(request, consultation, report)

    def _invite(self, request: HttpRequest, consultation: Consultation) -> None:
        report = services.invitations_send(consultation=consultation)
        self._report_invitations(request, consultation, report)

    def _remind(self, request: HttpRequest, consultation: Consultation) -> None:
        report = services.reminders_send(consultation=consultation)
        self.message_user(
            request,
            _("“%(title)s”: %(organisations)d organisations reminded, %(emails)d e-mails queued for sending.")
            % {
                "title": consultation.title,
                "organisations": report.organisations,
                "emails": report.emails_queued,
            },
            messages.SUCCESS,
        )
        # Why the others that have not submitted were not reminded (the reminders' own rules).
        for reason in reminder_left_out(report.plan):
            self.message_user(request, _titled(consultation, reason), messages.WARNING)
        # Reminders go through the links that invitations were sent with: an organisation whose
        # invitation nobody could be sent is not reminded either.
        not_reachable = report.plan.not_reachable
        if not_reachable:
            self.message_user(
                request,
                format_html(
                    '{} <a href="{}">{}</a>',
                    _("Not reminded, no contact who receives consultations: %(count)d.")
                    % {"count": not_reachable},
                    not_reachable_invitations_url(consultation=consultation),
                    _("Show these invitations"),
                ),
                messages.WARNING,
            )

    def _close(self, request: HttpRequest, consultation: Consultation) -> None:
        services.consultation_close(consultation=consultation, user=request.user)
        self.log_change(request, consultation, [{"changed": {"fields": ["status"]}}])
        self.message_user(
            request, _("“%(title)s” is closed.") % {"title": consultation.title}, messages.SUCCESS
        )

    def _archive(self, request: HttpRequest, consultation: Consultation) -> None:
        services.consultation_archive(consultation=consultation, user=request.user)
        self.log_change(request, consultation, [{"changed": {"fields": ["status"]}}])
        self.message_user(
            request, _("“%(title)s” is archived.") % {"title": consultation.title}, messages.SUCCESS
        )

    def _run_for_each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Consultation],
        handler: Callable[[HttpRequest, Consultation], None],
    ) -> None:
        for consultation in queryset:
            try:
                handler(request, consultation)
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, _titled(consultation, message), messages.ERROR)

    def _confirm_then_run(
        self, request: HttpRequest, queryset: QuerySet[Consultation], name: str
    ) -> TemplateResponse | None:
        """A list action as the admin's "delete selected" runs: first a page of what it will do to
        the chosen consultations, then, posted from that page, the transition on each."""
        if request.POST.get("post") == "yes":
            self._run_for_each(request, queryset, self._handler(name))
            return None
        return self._confirmation_page(
            request,
            name,
            list(queryset),
            cancel_url=reverse("admin:consultations_consultation_changelist"),
            action=True,
        )

    @admin.action(description=_("Open and send the invitations"), permissions=["change"])
    def open_selected(
        self, request: HttpRequest, queryset: QuerySet[Consultation]
    ) -> TemplateResponse | None:
        return self._confirm_then_run(request, queryset, "open")

    @admin.action(description=_("Invite new contacts"), permissions=["change"])
    def send_invitations(
        self, request: HttpRequest, queryset: QuerySet[Consultation]
    ) -> TemplateResponse | None:
        return self._confirm_then_run(request, queryset, "invite")

    @admin.action(description=_("Send reminders to those who have not submitted"), permissions=["change"])
    def send_reminders(
        self, request: HttpRequest, queryset: QuerySet[Consultation]
    ) -> TemplateResponse | None:
        return self._confirm_then_run(request, queryset, "remind")

    @admin.action(description=_("Close"), permissions=["change"])
    def close_selected(
        self, request: HttpRequest, queryset: QuerySet[Consultation]
    ) -> TemplateResponse | None:
        return self._confirm_then_run(request, queryset, "close")

    @admin.action(description=_("Archive"), permissions=["change"])
    def archive_selected(
        self, request: HttpRequest, queryset: QuerySet[Consultation]
    ) -> TemplateResponse | None:
        return self._confirm_then_run(request, queryset, "archive")

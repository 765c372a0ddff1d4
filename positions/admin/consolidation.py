"""The admin pages of drafting a paper from a consultation: the "Draft from consultation" page
(a button on the paper list) and the consolidation workspace, where staff adopt, merge or drop each
grouped member proposal. Both call `positions.consolidation`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from crm.models import Organisation
from positions import consolidation
from positions.admin.forms import MultilineTextField
from positions.models import PaperSection, PositionPaper, ProposalGroup


class DraftFromConsultationForm(forms.Form):
    consultation = forms.ModelChoiceField(
        label=_("Closed consultation"), queryset=consolidation.closed_consultations()
    )
    addressee = forms.ModelChoiceField(
        label=_("Addressee"),
        queryset=Organisation.objects.filter(kind=Organisation.Kind.PUBLIC).order_by("name"),
        required=False,
        help_text=_("Empty: the institution that requested the consultation."),
    )


class GroupDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=capfirst(_("decision")), choices=ProposalGroup.Decision.choices)
    reason = MultilineTextField(
        label=capfirst(_("reason")), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    merged_wording = MultilineTextField(
        label=capfirst(_("merged wording")), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    merged_justification = MultilineTextField(
        label=capfirst(_("merged justification")), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    # The decision as the page showed it (`GroupDecision.fingerprint`).
    shown = forms.CharField(widget=forms.HiddenInput, required=False)

    def group_decision(self) -> consolidation.GroupDecision:
        data = self.cleaned_data
        return consolidation.GroupDecision(
            decision=data["decision"],
            reason=data["reason"],
            merged_wording=data["merged_wording"],
            merged_justification=data["merged_justification"],
        )

    def changed_on_page(self) -> bool:
        """Whether staff changed the decision on the page: it differs both from the group's
        decision now and from the one the page showed. Unchanged, a group is not decided again,
        so that the page does not undo what a colleague decided since it was opened."""
        changed = [name for name in self.changed_data if name != "shown"]
        return bool(changed) and self.group_decision().fingerprint != self.cleaned_data["shown"]


class ConsolidationAdminMixin:
    """Adds the drafting and consolidation pages to the position paper admin."""

    change_list_template = "positions/admin/consolidation_changelist.html"

    def get_urls(self) -> list[URLPattern]:
        site = self.admin_site  # type: ignore[attr-defined]
        return [
            path(
                "draft-from-consultation/",
                site.admin_view(self.draft_from_consultation_view),
                name="positions_positionpaper_draft_from_consultation",
            ),
            path(
                "<path:object_id>/consolidation/",
                site.admin_view(self.consolidation_view),
                name="positions_positionpaper_consolidation",
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def get_fieldsets(self, request: HttpRequest, obj: PositionPaper | None = None) -> Any:
        fieldsets = list(super().get_fieldsets(request, obj))  # type: ignore[misc]
        if obj is not None and obj.source_consultation_id:
            fieldsets.insert(1, (_("Consolidation"), {"fields": ["consolidation_link"]}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: PositionPaper | None = None) -> Any:
        return [*super().get_readonly_fields(request, obj), "consolidation_link"]  # type: ignore[misc]

    @admin.display(description=_("member proposals"))
    def consolidation_link(self, obj: PositionPaper) -> str:
        url = reverse("admin:positions_positionpaper_consolidation", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open the consolidation workspace"))

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        extra_context = {
            **(extra_context or {}),
            "can_draft_from_consultation": request.user.has_perm("positions.add_positionpaper"),
        }
        return super().changelist_view(request, extra_context)  # type: ignore[misc]

    def draft_from_consultation_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("positions.add_positionpaper"):
            raise PermissionDenied
        form = DraftFromConsultationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                paper = consolidation.paper_draft_from_consultation(
                    consultation=form.cleaned_data["consultation"],
                    user=request.user,
                    addressee=form.cleaned_data["addressee"],
                )
            except ValidationError as error:
                # As messages: an error of the paper's fields names fields this form does not have.
                form.add_error(None, error.messages)
            else:
                self.log_addition(request, paper, [{"added": {}}])  # type: ignore[attr-defined]
                self.message_user(  # type: ignore[attr-defined]
                    request, _("A draft paper was written from the consultation."), messages.SUCCESS
                )
                return HttpResponseRedirect(
                    reverse("admin:positions_positionpaper_consolidation", args=[paper.pk])
                )
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": self.opts,  # type: ignore[attr-defined]
            "title": _("Draft from consultation"),
            "form": form,
        }
        return render(request, "positions/admin/consolidation_draft.html", context)

    def consolidation_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        paper = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        if paper is None:
            raise Http404
        if not self.has_view_permission(request, paper):  # type: ignore[attr-defined]
            raise PermissionDenied
        editable = paper.is_draft and request.user.has_perm("positions.change_positionpaper")
        groups = list(consolidation.paper_proposal_groups(paper=paper))
        forms_by_group = {
            group.pk: GroupDecisionForm(
                request.POST if request.method == "POST" else None,
                prefix=f"group-{group.pk}",
                initial={
                    "decision": group.decision,
                    "reason": group.reason,
                    "merged_wording": group.merged_wording,
                    "merged_justification": group.merged_justification,
                    "shown": consolidation.GroupDecision.of(group).fingerprint,
                },
            )
            for group in groups
        }
        if request.method == "POST":
            if not request.user.has_perm("positions.change_positionpaper"):
                raise PermissionDenied
            if not paper.is_draft:
                # Approved (or sent) by a colleague since the page was opened: said, not a bare 403.
                self.message_user(  # type: ignore[attr-defined]
                    request,
                    _(
                        "Only a draft can be changed; this paper is “%(status)s”. A sent paper gets a new version."
                    )
                    % {"status": paper.get_status_display()},
                    messages.ERROR,
                )
                return HttpResponseRedirect(self._change_url(paper))  # type: ignore[attr-defined]
            saved = self._save_decisions(request, paper, groups, forms_by_group)
            if saved is not None:
                applied, decided = saved
                # Every decision changed on the page may have been a colleague's since: then
                # nothing of the page was saved, which its messages say.
                if decided:
                    self.message_user(  # type: ignore[attr-defined]
                        request, _("The decisions are saved and the paper is updated."), messages.SUCCESS
                    )
                self._report_kept(request, applied)
                return HttpResponseRedirect(request.path)
        names = {
            organisation.pk: organisation.name
            for group in groups
            for organisation in group.organisations.all()
        }
        rows = [
            {
                "group": group,
                "form": forms_by_group[group.pk],
                "entries": [
                    {**entry, "organisation": names.get(entry["organisation_id"], "")}
                    for entry in group.entries
                ],
            }
            for group in groups
        ]
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": self.opts,  # type: ignore[attr-defined]
            "original": paper,
            "title": _("Consolidation of member proposals"),
            "rows": rows,
            # Proposals on several draft acts: each group names its own.
            "several_acts": consolidation.groups_on_several_acts(groups),
            "editable": editable,
            "change_url": reverse("admin:positions_positionpaper_change", args=[paper.pk]),
        }
        return render(request, "positions/admin/consolidation_workspace.html", context)

    def _save_decisions(
        self,
        request: HttpRequest,
        paper: PositionPaper,
        groups: list[ProposalGroup],
        forms_by_group: dict[int, GroupDecisionForm],
    ) -> tuple[consolidation.ConsolidationApplied, int] | None:
        """Record the decisions changed on the page and apply them to the paper: what applying
        them did and how many were recorded, or None if refused. A decision a colleague changed
        since the page was shown is not saved (and said so), the others are."""
        if not all(form.is_valid() for form in forms_by_group.values()):
            return None
        stale: list[ValidationError] = []
        try:
            with transaction.atomic():
                failed = False
                decided = 0
                for group in groups:
                    form = forms_by_group[group.pk]
                    if not form.changed_on_page():
                        continue
                    try:
                        consolidation.proposal_group_decide(
                            group=group,
                            user=request.user,
                            decision=form.group_decision(),
                            shown=form.cleaned_data["shown"],
                        )
                        decided += 1
                    except ValidationError as error:
                        form.add_error(None, error)
                        if getattr(error, "code", None) == "decision_changed":
                            stale.append(error)
                        else:
                            failed = True
                if failed:
                    raise _Rollback
                applied = consolidation.paper_consolidation_apply(paper=paper, user=request.user)
        except _Rollback:
            return None
        except ValidationError as error:
            for message in error.messages:
                self.message_user(request, message, messages.ERROR)  # type: ignore[attr-defined]
            return None
        for error in stale:
            for message in error.messages:
                self.message_user(request, message, messages.ERROR)  # type: ignore[attr-defined]
        if decided:
            self.log_change(request, paper, [{"changed": {"fields": ["proposals"]}}])  # type: ignore[attr-defined]
        return applied, decided

    def _report_kept(self, request: HttpRequest, applied: consolidation.ConsolidationApplied) -> None:
        """Warn of what staff edited by hand and applying the decisions left as it was."""
        if applied.kept:
            self.message_user(  # type: ignore[attr-defined]
                request,
                _(
                    "These proposal lines were edited by hand and kept as they are; check them "
                    "against the decisions: %(lines)s"
                )
                % {"lines": "; ".join(f"{line.position}. {line}" for line in applied.kept)},
                messages.WARNING,
            )
        if applied.deleted:
            self.message_user(  # type: ignore[attr-defined]
                request,
                _(
                    "The lines of these adopted proposals were deleted from the paper by hand and are "
                    "not written again; record the decision “Drop” if that is meant: %(groups)s"
                )
                % {"groups": "; ".join(str(group) for group in applied.deleted)},
                messages.WARNING,
            )
        self._report_sections_kept(request, applied.sections.kept)

    def _report_sections_kept(self, request: HttpRequest, kept: list[PaperSection]) -> None:
        """Warn of the sections written from the answers that staff edited, which were kept."""
        if kept:
            self.message_user(  # type: ignore[attr-defined]
                request,
                _(
                    "These sections were edited by hand and kept as they are; check how they name "
                    "the organisations: %(sections)s"
                )
                % {"sections": "; ".join(f"{s.position}. {s.heading}" for s in kept)},
                messages.WARNING,
            )


class _Rollback(Exception):
    """Undo every decision of the page when one of them is refused."""

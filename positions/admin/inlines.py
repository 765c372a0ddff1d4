"""The parts of a paper edited on its admin page: sections, proposals and attributions while it
is a draft; its renderings and dispatches, read only, always."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.admin.widgets import FilteredSelectMultiple, ManyToManyRawIdWidget
from django.core import checks
from django.db.models import ManyToManyField, Prefetch, QuerySet, TextField
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from consultations.models import Answer, ProposalRow
from crm.admin.formfields import (
    LoadedAutocompleteSelectMultiple,
    LoadedChoicesFormSet,
    LoadedChoicesInlineMixin,
)
from crm.collation import alphabetical
from positions.admin.forms import MultilineTextField
from positions.models import Dispatch, PaperAttribution, PaperProposal, PaperSection, PositionPaper, Rendering


class SupportersFieldMixin(admin.options.BaseModelAdmin):
    """Edits the supporting organisations as any many-to-many field. Their tables are models of
    their own (`PaperSupporter`, `ProposalSupporter`) only to keep a sent paper's rows when an
    organisation is deleted; with no fields of their own, the form's `set()` fills them as it
    would Django's own tables. The admin makes no form field for a table of a model's own, and
    its checks refuse one (admin.E013), as it cannot know what a row needs: not so here. The
    autocomplete picker names the chosen organisations from those the row was read with
    (`LoadedChoicesFormSet`), not with a query of its own for each row."""

    supporters_fields: tuple[str, ...] = ("supporting_organisations",)

    def formfield_for_manytomany(
        self, db_field: ManyToManyField, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name not in self.supporters_fields:
            return super().formfield_for_manytomany(db_field, request, **kwargs)
        # The rest of Django's method, past its refusal of a table of a model's own (but for the
        # "Hold down Control" help text it adds to a plain select).
        using = kwargs.get("using")
        if "widget" not in kwargs:
            if db_field.name in self.get_autocomplete_fields(request):
                kwargs["widget"] = LoadedAutocompleteSelectMultiple(db_field, self.admin_site, using=using)
            elif db_field.name in self.raw_id_fields:
                kwargs["widget"] = ManyToManyRawIdWidget(db_field.remote_field, self.admin_site, using=using)
            elif db_field.name in [*self.filter_vertical, *self.filter_horizontal]:
                kwargs["widget"] = FilteredSelectMultiple(
                    db_field.verbose_name, db_field.name in self.filter_vertical
                )
        if "queryset" not in kwargs:
            queryset = self.get_field_queryset(using, db_field, request)
            if queryset is not None:
                kwargs["queryset"] = queryset
        return db_field.formfield(**kwargs)

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        return [message for message in super().check(**kwargs) if not self._refuses_supporters(message)]

    def _refuses_supporters(self, message: checks.CheckMessage) -> bool:
        """Whether the message is admin.E013 on this admin about the supporters fields. The error
        names its field in its text only; it is about a many-to-many field with a table of the
        model's own named by the admin's options, and those are here the supporters fields."""
        if message.id != "admin.E013" or message.obj is not type(self):
            return False
        fieldsets = self.fieldsets or [(None, {"fields": self.fields or []})]
        named = {*flatten_fieldsets(fieldsets), *self.filter_horizontal, *self.filter_vertical}
        own_tables = {
            field.name
            for field in self.model._meta.many_to_many
            if not field.remote_field.through._meta.auto_created
        }
        return named & own_tables <= set(self.supporters_fields)


class DraftOnlyInline(admin.options.InlineModelAdmin):
    """Editable while the paper is a draft; read only once it is approved. Its texts keep their
    line breaks as LF, whatever the browser sends (`MultilineTextField`)."""

    formfield_overrides = {TextField: {"form_class": MultilineTextField}}

    def _editable(self, obj: PositionPaper | None) -> bool:
        return obj is None or obj.is_draft

    def has_add_permission(self, request: HttpRequest, obj: PositionPaper | None = None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: PositionPaper | None = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: PositionPaper | None = None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


class SectionInline(DraftOnlyInline, admin.StackedInline):
    model = PaperSection
    extra = 0
    fields = ["position", "heading", "body", "member_answers"]
    readonly_fields = ["member_answers"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PaperSection]:
        answers = Answer.objects.select_related("response__organisation")
        return super().get_queryset(request).prefetch_related(Prefetch("source_answers", queryset=answers))

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "body":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 8, "cols": 90})
        if db_field.name == "heading":
            # A heading written from a question keeps its lines: a one-line input would drop them.
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 90})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("which members back this text?"))
    def member_answers(self, obj: PaperSection) -> str:
        organisations = sorted(
            {answer.response.organisation.name for answer in obj.source_answers.all()}, key=alphabetical
        )
        return ", ".join(organisations) or "—"


class ProposalInline(SupportersFieldMixin, DraftOnlyInline, admin.StackedInline):
    model = PaperProposal
    # The rows' pickers name their organisations from the prefetched ones (`get_queryset`).
    formset = LoadedChoicesFormSet
    extra = 0
    fields = [
        "position",
        "act",
        "provision",
        "proposed_wording",
        "justification",
        "supporting_organisations",
        "member_proposals",
    ]
    readonly_fields = ["member_proposals"]
    autocomplete_fields = ["supporting_organisations"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PaperProposal]:
        rows = ProposalRow.objects.select_related("answer__response__organisation")
        answers = Answer.objects.select_related("response__organisation")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("source_rows", queryset=rows),
                Prefetch("source_answers", queryset=answers),
                "supporting_organisations",
            )
        )

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in {"proposed_wording", "justification"}:
            kwargs["widget"] = forms.Textarea(attrs={"rows": 3, "cols": 90})
        if db_field.name == "act":
            # The draft act's name, written from a question, keeps its lines (as the heading does).
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 90})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("which members back this line?"))
    def member_proposals(self, obj: PaperProposal) -> str:
        lines = [
            (row.answer.response.organisation.name, row.provision or "—", row.proposed_wording[:120])
            for row in obj.source_rows.all()
        ]
        organisations = {answer.response.organisation.name for answer in obj.source_answers.all()}
        organisations -= {name for name, _provision, _wording in lines}
        lines += [(name, "", "") for name in sorted(organisations, key=alphabetical)]
        if not lines:
            return "—"
        return format_html("<ul>{}</ul>", format_html_join("", "<li><strong>{}</strong> {} {}</li>", lines))


class AttributionInline(LoadedChoicesInlineMixin, DraftOnlyInline, admin.TabularInline):
    model = PaperAttribution
    # Each row's picker names its organisation from the row (`get_queryset`), in no query of its own.
    formset = LoadedChoicesFormSet
    extra = 0
    fields = ["organisation", "mode", "anonymous_label"]
    autocomplete_fields = ["organisation"]
    verbose_name_plural = _("attributions (organisations without a row are named)")

    def get_queryset(self, request: HttpRequest) -> QuerySet[PaperAttribution]:
        return super().get_queryset(request).select_related("organisation")


class RenderingInline(admin.TabularInline):
    model = Rendering
    extra = 0
    can_delete = False
    fields = [
        "version",
        "paper_status",
        "created_at",
        "created_by",
        "page_count",
        "size",
        "sha256",
        "withdrawn_at",
        "archived",
        "download",
    ]
    readonly_fields = fields
    ordering = ["-version"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Rendering]:
        return super().get_queryset(request).select_related("created_by").prefetch_related("dispatches")

    def has_add_permission(self, request: HttpRequest, obj: PositionPaper | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PositionPaper | None = None) -> bool:
        return False

    @admin.display(description=_("sent"), boolean=True)
    def archived(self, obj: Rendering) -> bool:
        return bool(obj.dispatches.all())

    @admin.display(description=_("PDF"))
    def download(self, obj: Rendering) -> str:
        url = reverse("admin:positions_rendering_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))


class DispatchInline(admin.TabularInline):
    model = Dispatch
    extra = 0
    can_delete = False
    fields = ["sent_on", "recipient", "channel", "rendering", "sent_by", "note", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Dispatch]:
        return super().get_queryset(request).select_related("rendering__paper", "sent_by")

    def has_add_permission(self, request: HttpRequest, obj: PositionPaper | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PositionPaper | None = None) -> bool:
        return False

"""The questions and documents of a consultation, edited inline on its admin page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consultations import services
from consultations.models import Consultation, ConsultationDocument, Question
from crm.admin.formfields import ServedFileWidget, served_file_link


class ChoicesField(forms.CharField):
    """The choices of a question, typed one per line and stored as a list."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 30})

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list):
            return value
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]

    def has_changed(self, initial: Any, data: Any) -> bool:
        return (initial or []) != self.to_python(data)


class QuestionForm(forms.ModelForm):
    choices = ChoicesField(label=capfirst(_("choices")), required=False, help_text=_("One per line."))
    confirm_wording_fix = forms.BooleanField(
        label=capfirst(_("wording fix")),
        required=False,
        help_text=_("Tick to confirm that the change only corrects the wording of an answered question."),
    )

    class Meta:
        model = Question
        fields = ["position", "kind", "text", "help_text", "required", "max_length", "choices", "allow_other"]
        help_texts = {"position": _("A new question left at 0 goes after the others.")}
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2, "cols": 40}),
            "help_text": forms.Textarea(attrs={"rows": 2, "cols": 30}),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # Checked when the choices or "Other" change only: a question answered so cannot be
        # changed, and must not keep the rest of its consultation's page from being saved.
        if cleaned.get("allow_other") and {"choices", "allow_other"} & set(self.changed_data):
            names = set()
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    names.add(gettext("Other").casefold())
            if any(choice.strip(" .:").casefold() in names for choice in cleaned.get("choices") or []):
                self.add_error(
                    "choices",
                    ValidationError(
                        _("The option “Other” is added by its tick box: remove it from the choices."),
                        code="other_among_choices",
                    ),
                )
        return cleaned


#: `services.question_changes_check` refusals that no correction of the form's other fields lifts
REFUSED_AS_A_WHOLE = {"consultation_closed", "answered_add", "answered_structure"}


class QuestionFormSet(BaseInlineFormSet):
    """Checks every added, changed or removed question against the answers already given, and
    numbers the questions added without a position after the others, in the order they were added:
    every new row starts at 0, and seven added at once would all be 0, their order then kept by
    chance and none of them movable before another without renumbering them all."""

    def save_new(self, form: forms.ModelForm, commit: bool = True) -> Any:
        if not form.cleaned_data.get("position"):
            if not hasattr(self, "_last_position"):
                self._last_position = self.last_position()
            self._last_position += 1
            form.instance.position = self._last_position
        return super().save_new(form, commit)

    def last_position(self) -> int:
        """The last position this save leaves: the page's rows as posted (a question moved, another
        added at 10), not as stored, for the admin writes them only after the new rows are made."""
        kept = [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and not (self.can_delete and self._should_delete_form(form))
        ]
        on_page = [form.cleaned_data.get("position") or 0 for form in kept]
        shown = [form.instance.pk for form in self.forms if form.instance.pk]
        stored = self.instance.questions.exclude(pk__in=shown).aggregate(last=models.Max("position"))["last"]
        return max([stored or 0, *on_page])

    def clean(self) -> None:
        consultation = self.instance
        if consultation.pk is None:
            super().clean()
            return
        consultation.refresh_from_db(fields=["status"])
        # The questions as stored, read once for every form.
        self.originals = {question.pk: question for question in consultation.questions.all()}
        # Removals first: the admin's own check would list every answer that holds the question
        # ("would require deleting the following protected related objects: …") instead of why.
        refusals = [error for form in self.forms if (error := self.refusal(form, deleting=True))]
        if refusals:
            raise ValidationError(refusals)
        super().clean()
        for form in self.forms:
            # Checked on forms with errors too: a kind changed on an answered question is refused
            # for that reason alone, not for what the new kind would not allow ("Only choice
            # questions have choices"); a change refused as a whole has nothing else to correct.
            if error := self.refusal(form, deleting=False):
                if error.code in REFUSED_AS_A_WHOLE:
                    form.errors.clear()
                form.add_error(None, error)

    def refusal(self, form: forms.ModelForm, *, deleting: bool) -> ValidationError | None:
        """Why the form's question may not be added, changed or removed, if it may not."""
        if not hasattr(form, "cleaned_data"):
            return None
        if deleting != (self.can_delete and self._should_delete_form(form)):
            return None
        question = form.instance
        if question.pk is None and (deleting or not form.has_changed()):
            return None
        if question.pk is not None and not deleting and not form.has_changed():
            return None
        question.consultation = self.instance
        original = self.originals.get(question.pk) if question.pk else None
        try:
            services.question_changes_check(
                question=question,
                original=original,
                delete=deleting,
                wording_fix_confirmed=form.cleaned_data.get("confirm_wording_fix", False),
            )
        except ValidationError as error:
            return error
        return None


class QuestionInline(admin.StackedInline):
    model = Question
    form = QuestionForm
    formset = QuestionFormSet
    extra = 0
    ordering = ["position", "id"]
    fields = [
        ("position", "kind", "required"),
        "text",
        "help_text",
        ("choices", "allow_other", "max_length"),
        "confirm_wording_fix",
    ]


def _document_url(document: ConsultationDocument) -> str:
    return reverse(
        "admin:consultations_consultation_preview_document", args=[document.consultation_id, document.pk]
    )


class DocumentInline(admin.TabularInline):
    model = ConsultationDocument
    extra = 0
    fields = ["position", "title", "file"]
    readonly_fields = ["file_link"]
    ordering = ["position", "id"]
    formfield_overrides = {models.FileField: {"widget": ServedFileWidget(_document_url)}}

    def get_fields(self, request: HttpRequest, obj: Consultation | None = None) -> list[str]:
        # Shown read-only (to a viewer, or of an archived consultation), the file is linked to the
        # admin's download too, not to MEDIA_URL as Django would link it.
        consultations = self.admin_site.get_model_admin(Consultation)
        if self.has_change_permission(request, obj) and consultations.has_change_permission(request, obj):
            return list(self.fields)
        return ["position", "title", "file_link"]

    @admin.display(description=_("file"))
    def file_link(self, document: ConsultationDocument) -> str:
        return served_file_link(document.file, _document_url(document))

"""The member's answer form: one field (or one formset of proposal rows) per question.

Every field is optional here: required questions are enforced by `services.response_submit`,
so a draft can be saved at any stage. The form parses what the browser sent into `AnswerValue`s
and catches what a browser can get wrong (unknown options, text over the limit); the services
check the answers against the questions again, and alone decide what submitting needs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.formsets import BaseFormSet, formset_factory
from django.utils.html import conditional_escape, format_html, linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from consultations.answers import PROVISION_MAX_LENGTH, AnswerValue, ProposalValue, normalise_text
from consultations.models import Question

OTHER = "other"
YES = "yes"
NO = "no"

# Empty rows shown below the saved ones, to type a new proposal into.
PROPOSAL_EXTRA_ROWS = 1


class AnswerTextField(forms.CharField):
    """Text as the member typed it, with line breaks counted as one character each."""

    def to_python(self, value: Any) -> str:
        return normalise_text(super().to_python(value))


def _help_text(question: Question) -> SafeString:
    """The question's help text, escaped here because crispy-forms prints help texts unescaped."""
    parts: list[str] = []
    if question.help_text:
        parts.append(linebreaks(conditional_escape(question.help_text)))
    if question.required:
        parts.append(format_html("<span>{}</span>", _("Required on submission.")))
    if question.max_length:
        parts.append(
            format_html(
                "<span>{}</span>",
                _("At most %(limit)d characters.") % {"limit": question.max_length},
            )
        )
    return mark_safe(" ".join(parts))  # noqa: S308 - every part is escaped above


class ProposalRowForm(forms.Form):
    """One row of the amendment proposals table; `limit` is the question's character limit."""

    def __init__(self, *args: Any, limit: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provision"] = AnswerTextField(
            label=_("Provision (article, part, point)"),
            required=False,
            max_length=min(limit or PROVISION_MAX_LENGTH, PROVISION_MAX_LENGTH),
        )
        self.fields["proposed_wording"] = AnswerTextField(
            label=_("Proposed wording"),
            required=False,
            max_length=limit,
            widget=forms.Textarea(attrs={"rows": 3}),
        )
        self.fields["justification"] = AnswerTextField(
            label=_("Justification"),
            required=False,
            max_length=limit,
            widget=forms.Textarea(attrs={"rows": 3}),
        )

    def value(self) -> ProposalValue:
        data = self.cleaned_data
        return ProposalValue(
            provision=data.get("provision", ""),
            proposed_wording=data.get("proposed_wording", ""),
            justification=data.get("justification", ""),
        )


class BaseProposalFormSet(BaseFormSet):
    limit: int | None = None

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "limit": self.limit}

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this proposal")

    def values(self) -> tuple[ProposalValue, ...]:
        rows = []
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            row = form.value()
            if not row.is_empty():
                rows.append(row)
        return tuple(rows)


ProposalFormSet = formset_factory(
    ProposalRowForm,
    formset=BaseProposalFormSet,
    extra=PROPOSAL_EXTRA_ROWS,
    can_delete=True,
    can_delete_extra=False,
    max_num=200,
)


def proposal_formset(
    *, question: Question, rows: Iterable[ProposalValue], data: Any = None, add_row: bool = False
) -> BaseProposalFormSet:
    """The proposal rows of a question: the saved ones, or those posted (`data`), with
    `add_row` one more empty row than posted (adding a row without JavaScript)."""
    prefix = f"q{question.pk}"
    if data is not None and add_row:
        data = data.copy()
        key = f"{prefix}-TOTAL_FORMS"
        with contextlib.suppress(ValueError):
            data[key] = str(int(data.get(key, "0")) + 1)
    initial = [
        {
            "provision": row.provision,
            "proposed_wording": row.proposed_wording,
            "justification": row.justification,
        }
        for row in rows
    ]
    formset_class = type("ProposalFormSet", (ProposalFormSet,), {"limit": question.max_length})
    return formset_class(data=data, initial=None if data is not None else initial, prefix=prefix)


class ResponseForm(forms.Form):
    """The answers to every question of a consultation, and the version they were loaded at."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(
        self,
        data: Any = None,
        *,
        questions: list[Question],
        answers: dict[int, AnswerValue],
        version: int,
        add_row_for: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, initial={"version": version}, use_required_attribute=False, **kwargs)
        self.questions = questions
        self.formsets: dict[int, BaseProposalFormSet] = {}
        for number, question in enumerate(questions, start=1):
            answer = answers.get(question.pk, AnswerValue())
            if question.kind == Question.Kind.PROPOSALS:
                self.formsets[question.pk] = proposal_formset(
                    question=question, rows=answer.rows, data=data, add_row=add_row_for == question.pk
                )
                continue
            for name, field in self._fields_for(question, number, answer).items():
                self.fields[name] = field

    @staticmethod
    def field_name(question: Question) -> str:
        return f"q{question.pk}"

    def blocks(self) -> list[dict[str, Any]]:
        """Each question with its number and what renders it: bound fields or a formset."""
        blocks = []
        for number, question in enumerate(self.questions, start=1):
            name = self.field_name(question)
            blocks.append(
                {
                    "question": question,
                    "number": number,
                    "fields": [self[field] for field in (name, f"{name}_other") if field in self.fields],
                    "formset": self.formsets.get(question.pk),
                    "help_text": _help_text(question),
                }
            )
        return blocks

    def _fields_for(self, question: Question, number: int, answer: AnswerValue) -> dict[str, forms.Field]:
        name = self.field_name(question)
        label = f"{number}. {question.text}"
        help_text = _help_text(question)
        attrs = {"aria-required": "true"} if question.required else {}
        kind = question.kind
        if kind in (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT):
            widget = (
                forms.TextInput(attrs=attrs)
                if kind == Question.Kind.SHORT_TEXT
                else forms.Textarea(attrs={**attrs, "rows": 6})
            )
            field = AnswerTextField(
                label=label,
                required=False,
                max_length=question.max_length,
                widget=widget,
                help_text=help_text,
            )
            field.initial = answer.text
            return {name: field}
        if kind in Question.CHOICE_KINDS:
            choices = [(str(index), label_text) for index, label_text in enumerate(question.choices or [])]
            if question.allow_other:
                choices.append((OTHER, _("Other (please specify)")))
            fields: dict[str, forms.Field] = {}
            if kind == Question.Kind.SINGLE_CHOICE:
                field = forms.ChoiceField(
                    label=label,
                    required=False,
                    choices=choices,
                    widget=forms.RadioSelect,
                    help_text=help_text,
                )
                field.initial = (
                    OTHER
                    if answer.other_text
                    else (str(answer.choice_indexes[0]) if answer.choice_indexes else None)
                )
            else:
                field = forms.MultipleChoiceField(
                    label=label,
                    required=False,
                    choices=choices,
                    widget=forms.CheckboxSelectMultiple,
                    help_text=help_text,
                )
                field.initial = [str(index) for index in answer.choice_indexes] + (
                    [OTHER] if answer.other_text else []
                )
            fields[name] = field
            if question.allow_other:
                other = AnswerTextField(
                    label=_("Other: your answer"),
                    required=False,
                    max_length=question.max_length or 1000,
                    help_text=_("Typing here chooses “Other”."),
                )
                other.initial = answer.other_text
                fields[f"{name}_other"] = other
            return fields
        if kind == Question.Kind.SCALE:
            field = forms.TypedChoiceField(
                label=label,
                required=False,
                choices=[(str(point), f"{point} – {text}") for point, text in Question.SCALE_LABELS.items()],
                coerce=int,
                empty_value=None,
                widget=forms.RadioSelect,
                help_text=help_text,
            )
            field.initial = str(answer.scale) if answer.scale is not None else None
            return {name: field}
        if kind == Question.Kind.YES_NO:
            field = forms.ChoiceField(
                label=label,
                required=False,
                choices=[(YES, _("Yes")), (NO, _("No"))],
                widget=forms.RadioSelect,
                help_text=help_text,
            )
            field.initial = {True: YES, False: NO}.get(answer.yes_no) if answer.yes_no is not None else None
            return {name: field}
        raise ValueError(f"Unknown question kind {kind!r}")

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return all([valid, *(formset.is_valid() for formset in self.formsets.values())])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for question in self.questions:
            name = self.field_name(question)
            if question.kind == Question.Kind.SINGLE_CHOICE and question.allow_other:
                chosen = cleaned.get(name)
                if cleaned.get(f"{name}_other") and chosen not in (None, "", OTHER):
                    self.add_error(
                        name,
                        ValidationError(
                            _("Choose one option: either one of the list or “Other” with your text."),
                            code="one_choice",
                        ),
                    )
        return cleaned

    def answer_values(self) -> dict[int, AnswerValue]:
        """The answers as posted (call after `is_valid()`)."""
        data = self.cleaned_data
        values: dict[int, AnswerValue] = {}
        for question in self.questions:
            name = self.field_name(question)
            kind = question.kind
            if kind in (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT):
                values[question.pk] = AnswerValue(text=data.get(name) or "")
            elif kind in Question.CHOICE_KINDS:
                chosen = data.get(name) or []
                chosen = [chosen] if isinstance(chosen, str) else chosen
                other_text = data.get(f"{name}_other", "") if question.allow_other else ""
                values[question.pk] = AnswerValue(
                    choice_indexes=tuple(int(value) for value in chosen if value != OTHER),
                    other_text=other_text,
                )
            elif kind == Question.Kind.SCALE:
                values[question.pk] = AnswerValue(scale=data.get(name))
            elif kind == Question.Kind.YES_NO:
                values[question.pk] = AnswerValue(yes_no={YES: True, NO: False}.get(data.get(name) or ""))
            else:
                values[question.pk] = AnswerValue(rows=self.formsets[question.pk].values())
        return values

    def add_answer_errors(self, error: ValidationError) -> None:
        """Show the services' errors (keyed by question id) at their questions."""
        by_id = {str(question.pk): question for question in self.questions}
        for key, errors in error.error_dict.items():
            question = by_id.get(key)
            if question is None:
                self.add_error(None, errors)
            elif question.kind == Question.Kind.PROPOSALS:
                self.formsets[question.pk].non_form_errors().extend(
                    message for item in errors for message in item.messages
                )
            else:
                self.add_error(self.field_name(question), errors)

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor, message) of every error, for the summary at the top of the page."""
        summary: list[tuple[str, str]] = [("", str(message)) for message in self.non_field_errors()]
        if "version" in self.errors:
            summary.append(("", str(_("The page was out of date. Reload it and try again."))))
        for question in self.questions:
            if question.kind == Question.Kind.PROPOSALS:
                formset = self.formsets[question.pk]
                anchor = f"question-{question.pk}"
                summary.extend((anchor, f"{question}: {message}") for message in formset.non_form_errors())
                for number, form in enumerate(formset.forms, start=1):
                    for field_name, messages in form.errors.items():
                        target = f"id_{form.prefix}-{field_name}" if field_name != "__all__" else anchor
                        summary.extend((target, f"{question} ({number}): {message}") for message in messages)
                continue
            for name in (self.field_name(question), f"{self.field_name(question)}_other"):
                if name in self.errors:
                    # The input itself when there is one (radio and checkbox lists have no single one).
                    anchor = self[name].id_for_label or f"question-{question.pk}"
                    summary.extend((anchor, f"{question}: {message}") for message in self.errors[name])
        return summary

    def make_read_only(self) -> None:
        """Show the answers without letting them be changed (after the deadline, in a preview).
        Bound forms keep showing what was posted."""
        forms_ = [self, *(form for formset in self.formsets.values() for form in formset.forms)]
        for form in forms_:
            for field in form.fields.values():
                if isinstance(
                    field.widget, (forms.RadioSelect, forms.CheckboxSelectMultiple, forms.CheckboxInput)
                ):
                    field.widget.attrs["disabled"] = True
                else:
                    field.widget.attrs["readonly"] = True

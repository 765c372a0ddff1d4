"""The member's answer form: one field (or one formset of proposal rows) per question.

Every field is optional here: required questions are enforced by `services.response_submit`,
so a draft can be saved at any stage. The form parses what the browser sent into `AnswerValue`s
and catches what a browser can get wrong (unknown options, text over the limit); the services
check the answers against the questions again, and alone decide what submitting needs.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Iterable
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, LayoutObject
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.forms.formsets import BaseFormSet, formset_factory
from django.template import Context
from django.template.defaultfilters import linebreaksbr
from django.utils.html import conditional_escape, format_html, linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from consultations.answers import (
    PROVISION_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    AnswerValue,
    ProposalValue,
    answer_errors,
    normalise_text,
    questions_fingerprint,
)
from consultations.models import Question, content_lang

OTHER = "other"
YES = "yes"
NO = "no"

# Empty rows shown below the saved ones, to type a new proposal into.
PROPOSAL_EXTRA_ROWS = 1
# The rows a proposals table holds (the page's limit; config.settings lets a form that size through).
PROPOSAL_MAX_ROWS = 200


class AnswerTextField(forms.CharField):
    """Text as the member typed it, with line breaks counted as one character each.

    Its limit is checked on the server and shown by static/js/answer.js as the member nears it
    (`data-limit`), not enforced by the browser's `maxlength`: a browser cuts pasted text at the
    limit without a word, and counts a letter pasted in decomposed form (e and a dot above) twice.
    """

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if attrs.pop("maxlength", None) is not None:
            attrs["data-limit"] = str(self.max_length)
        return attrs

    def to_python(self, value: Any) -> str:
        return normalise_text(super().to_python(value))


def _help_text(question: Question, lang: str) -> SafeString:
    """The question's help text, escaped here because crispy-forms prints help texts unescaped;
    what staff wrote in it is marked with `lang` (see `consultations.models.content_lang`)."""
    parts: list[str] = []
    if question.help_text:
        # Escaped first, then broken into paragraphs: safe HTML, which format_html keeps.
        text = mark_safe(linebreaks(conditional_escape(question.help_text)))  # noqa: S308
        parts.append(format_html('<div lang="{}">{}</div>', lang, text) if lang else text)
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


def _summary_line(question: Question, message: Any, number: int | None = None) -> SafeString:
    """A line of the error summary: the question (with the proposal's row number), then the
    message. A question that ends in its own punctuation ("Ar pritariate projektui?") takes a
    dash instead of a second one ("?:"). The question, written by staff, is marked with its
    language on a page in another one (`content_lang`)."""
    text = str(question).rstrip()
    lang = content_lang()
    shown = format_html('<span lang="{}">{}</span>', lang, text) if lang else conditional_escape(text)
    if number is not None:
        return format_html("{} ({}): {}", shown, number, message)
    if text.endswith(":"):
        return format_html("{} {}", shown, message)
    if text.endswith(("?", "!", ".", "…")):
        return format_html("{} — {}", shown, message)
    return format_html("{}: {}", shown, message)


class ProposalRowForm(forms.Form):
    """One row of the amendment proposals table; `limit` is the question's character limit."""

    def __init__(self, *args: Any, limit: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provision"] = AnswerTextField(
            label=_("Provision (article, part, point)"),
            required=False,
            max_length=min(limit or PROVISION_MAX_LENGTH, PROVISION_MAX_LENGTH),
        )
        limit = limit or TEXT_MAX_LENGTH
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
    default_error_messages = {
        "too_many_forms": ngettext_lazy(
            "A proposals table holds at most %(num)d row: remove some, or merge them.",
            "A proposals table holds at most %(num)d rows: remove some, or merge them.",
            "num",
        ),
    }

    def clean(self) -> None:
        super().clean()
        # Checked here as well as by the services, so that the error stands in the row the member
        # sees (the services number only the rows that are kept).
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            if form.value().is_incomplete():
                form.add_error(
                    None,
                    ValidationError(
                        _("Name the provision or give the proposed wording."), code="proposal_incomplete"
                    ),
                )

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
    max_num=PROPOSAL_MAX_ROWS,
    validate_max=True,
)


def proposal_formset(
    *, question: Question, rows: Iterable[ProposalValue], data: Any = None, add_row: bool = False
) -> BaseProposalFormSet:
    """The proposal rows of a question: the saved ones, or those posted (`data`), with
    `add_row` one more empty row than posted (adding a row without JavaScript). Posted without
    its table's management form (a page opened before the question was added, or made one of
    proposals), the table has no rows: never Django's "ManagementForm data is missing"."""
    prefix = f"q{question.pk}"
    if data is not None:
        missing = [key for key in (f"{prefix}-TOTAL_FORMS", f"{prefix}-INITIAL_FORMS") if key not in data]
        if missing:
            data = data.copy()
            for key in missing:
                data[key] = "0"
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
    """The answers to every question of a consultation, the version they were loaded at and the
    questions as the page shows them (`answers.questions_fingerprint`)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    questions_shown = forms.CharField(widget=forms.HiddenInput, required=False, strip=True)

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
        super().__init__(
            data,
            initial={"version": version, "questions_shown": questions_fingerprint(questions)},
            use_required_attribute=False,
            **kwargs,
        )
        self.questions = questions
        self.formsets: dict[int, BaseProposalFormSet] = {}
        # What staff wrote (a question, its help, a choice question's choices) is marked with its
        # language when the page is in another one; the product's own labels (the scale, "Other") are not.
        lang = content_lang()
        self.help_texts = {question.pk: _help_text(question, lang) for question in questions}
        for number, question in enumerate(questions, start=1):
            answer = answers.get(question.pk, AnswerValue())
            if question.kind == Question.Kind.PROPOSALS:
                self.formsets[question.pk] = proposal_formset(
                    question=question, rows=answer.rows, data=data, add_row=add_row_for == question.pk
                )
                continue
            fields = self._fields_for(question, number, answer)
            fields[self.field_name(question)].content_lang = lang
            if question.kind in Question.CHOICE_KINDS:
                fields[self.field_name(question)].choices_lang = lang
            self.fields.update(fields)
        # `{% crispy form %}` renders the questions, one card each; the page around them (the
        # <form> tag, the version, the buttons, the error summary) is the page template's.
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.include_media = False
        self.helper.template = "consultations/_questions.html"
        self.helper.layout = Layout(
            *(
                QuestionCard(question, number, *self._field_names(question))
                for number, question in enumerate(questions, start=1)
            )
        )

    @staticmethod
    def field_name(question: Question) -> str:
        return f"q{question.pk}"

    def _field_names(self, question: Question) -> list[str]:
        name = self.field_name(question)
        return [field for field in (name, f"{name}_other") if field in self.fields]

    def _fields_for(self, question: Question, number: int, answer: AnswerValue) -> dict[str, forms.Field]:
        name = self.field_name(question)
        label = f"{number}. {question.text}"
        help_text = self.help_texts[question.pk]
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
                max_length=question.max_length or TEXT_MAX_LENGTH,
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
                # The help text holds without JavaScript too: answer.js ticks "Other" as the
                # member types (`data-other-for`), and `clean` takes text typed without it ticked
                # as "Other" wherever that leaves no doubt.
                other = AnswerTextField(
                    label=_("Other: your answer"),
                    required=False,
                    max_length=question.max_length or 1000,
                    help_text=_("If you choose “Other”, write your answer here."),
                    widget=forms.TextInput(attrs={"data-other-for": name}),
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
            if question.kind not in Question.CHOICE_KINDS or not question.allow_other:
                continue
            chosen, other_text = cleaned.get(name), cleaned.get(f"{name}_other")
            if other_text and name in cleaned:
                # Text typed for "Other" without ticking it (without JavaScript nothing ticks it):
                # "Other" is chosen, beside the options ticked, or as the one choice when none is.
                if question.kind == Question.Kind.MULTIPLE_CHOICE and OTHER not in chosen:
                    chosen = cleaned[name] = [*chosen, OTHER]
                elif question.kind == Question.Kind.SINGLE_CHOICE and not chosen:
                    chosen = cleaned[name] = OTHER
            if OTHER in ([chosen] if isinstance(chosen, str) else chosen or []) and not other_text:
                # "Other" is kept as its text: ticked without one, it would be lost.
                self.add_error(
                    name, ValidationError(_("Describe “Other”, or untick it."), code="other_without_text")
                )
            if (
                question.kind == Question.Kind.SINGLE_CHOICE
                and other_text
                and chosen not in (None, "", OTHER)
            ):
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
        return {question.pk: self._answer_value(question) for question in self.questions}

    def _answer_value(self, question: Question) -> AnswerValue:
        data = self.cleaned_data
        name = self.field_name(question)
        kind = question.kind
        if kind in (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT):
            return AnswerValue(text=data.get(name) or "")
        if kind in Question.CHOICE_KINDS:
            chosen = data.get(name) or []
            chosen = [chosen] if isinstance(chosen, str) else chosen
            other_text = data.get(f"{name}_other", "") if question.allow_other else ""
            return AnswerValue(
                choice_indexes=tuple(int(value) for value in chosen if value != OTHER), other_text=other_text
            )
        if kind == Question.Kind.SCALE:
            return AnswerValue(scale=data.get(name))
        if kind == Question.Kind.YES_NO:
            return AnswerValue(yes_no={YES: True, NO: False}.get(data.get(name) or ""))
        return AnswerValue(rows=self.formsets[question.pk].values())

    def add_required_errors(self) -> None:
        """On a submit the form refused, what the services would also refuse (a required question
        left unanswered) for each question the form found nothing wrong with: the member sees
        every error at once, not a second round of them after correcting the first."""
        found = {}
        for question in self.questions:
            name = self.field_name(question)
            if question.kind == Question.Kind.PROPOSALS:
                if not self.formsets[question.pk].is_valid():
                    continue
            elif name in self.errors or f"{name}_other" in self.errors:
                continue
            errors = answer_errors(question=question, value=self._answer_value(question), submitting=True)
            if errors:
                found[str(question.pk)] = errors
        if found:
            self.add_answer_errors(ValidationError(found))

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

    def error_summary(self) -> list[tuple[str, str | SafeString]]:
        """(anchor, message) of every error, for the summary at the top of the page."""
        summary: list[tuple[str, str]] = [("", str(message)) for message in self.non_field_errors()]
        if "version" in self.errors:
            summary.append(("", str(_("The page was out of date. Reload it and try again."))))
        for question in self.questions:
            if question.kind == Question.Kind.PROPOSALS:
                formset = self.formsets[question.pk]
                anchor = f"question-{question.pk}"
                summary.extend(
                    (anchor, _summary_line(question, message)) for message in formset.non_form_errors()
                )
                for number, form in enumerate(formset.forms, start=1):
                    for field_name, messages in form.errors.items():
                        target = f"id_{form.prefix}-{field_name}" if field_name != "__all__" else anchor
                        summary.extend(
                            (target, _summary_line(question, message, number)) for message in messages
                        )
                continue
            for name in (self.field_name(question), f"{self.field_name(question)}_other"):
                if name in self.errors:
                    # The input itself when there is one (radio and checkbox lists have no single one).
                    anchor = self[name].id_for_label or f"question-{question.pk}"
                    summary.extend(
                        (anchor, _summary_line(question, message)) for message in self.errors[name]
                    )
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


# --- rendering --------------------------------------------------------------------------------------
# crispy-forms' Bootstrap 5 field template renders five to eight more templates for every field and
# one for every radio option: with fifteen questions that was three quarters of the page's CPU time.
# `render_field` writes the same markup (`bootstrap5/field.html` as `|as_crispy_field` renders it)
# directly, for the widgets this form uses; any other widget is left to crispy-forms. The questions
# are laid out by the form's crispy `Layout` of `QuestionCard`s.


def _escape(value: Any) -> str:
    # What django.utils.html.escape does, without its lazy-string wrapper (called thousands of times).
    return html.escape(str(value))


def _attributes(attrs: dict[str, Any]) -> str:
    """HTML attributes in their order, as Django's `attrs.html` writes them: True as a bare name,
    False left out, values escaped (the names are the code's own)."""
    return "".join(
        f" {name}" if value is True else f' {name}="{_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _widget(bound: BoundField, css_class: str = "") -> str:
    """The field's input as Django renders it, with `css_class` added to the widget's classes the way
    crispy's `{% crispy_field %}` adds them (after the widget's class name: "textinput form-control")."""
    widget = bound.field.widget
    attrs = bound.build_widget_attrs({}, widget)
    if bound.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound.auto_id)
    value = bound.value()
    if isinstance(widget, forms.CheckboxInput) and widget.check_test(value):
        attrs["checked"] = True
    value = widget.format_value(value)
    base = dict(widget.attrs)
    if css_class:
        classes = (base.get("class") or "").split()
        for name in (type(widget).__name__.lower(), *css_class.split()):
            if name not in classes:
                classes.append(name)
        base["class"] = " ".join(classes)
    attributes = _attributes({**base, **attrs})
    name = _escape(bound.html_name)
    if isinstance(widget, forms.Textarea):
        return (
            f'<textarea name="{name}"{attributes}>\n{conditional_escape(value) if value else ""}</textarea>'
        )
    value_attribute = f' value="{_escape(value)}"' if value is not None else ""
    return f'<input type="{widget.input_type}" name="{name}"{value_attribute}{attributes}>'


def _lang_attribute(lang: str) -> str:
    """` lang="lt"` on what staff wrote, when the page is in another language; "" otherwise."""
    return f' lang="{_escape(lang)}"' if lang else ""


def _label(bound: BoundField) -> str:
    label = conditional_escape(bound.label)
    lang = getattr(bound.field, "content_lang", "")
    if lang:
        label = f"<span{_lang_attribute(lang)}>{label}</span>"
    return f'{label}<span class="asteriskField">*</span>' if bound.field.required else label


def _errors(bound: BoundField, auto_id: str) -> str:
    errors = bound.errors
    if not errors:
        return ""
    items = "".join(
        f'<p id="error_{number}_{auto_id}"><strong>{conditional_escape(error)}</strong></p>'
        for number, error in enumerate(errors, start=1)
    )
    return f'<div id="{_escape(errors.field_id)}_error" class="invalid-feedback">{items}</div>'


def _help(bound: BoundField, auto_id: str) -> str:
    if not bound.help_text:
        return ""
    id_attribute = f'id="{auto_id}_helptext" ' if auto_id else ""
    return f'<div {id_attribute}class="form-text">{conditional_escape(bound.help_text)}</div>'


def _wrapper(bound: BoundField, auto_id: str, css_class: str, content: str) -> str:
    css_classes = bound.css_classes()
    if css_classes:
        css_class = f"{css_class} {_escape(css_classes)}"
    return f'<div id="div_{auto_id}" class="{css_class}">{content}</div>'


def _text_field(bound: BoundField) -> str:
    auto_id = _escape(bound.auto_id)
    invalid = bool(bound.errors)
    label = ""
    if bound.label:
        for_attribute = f'for="{_escape(bound.id_for_label)}" ' if bound.id_for_label else ""
        required = " requiredField" if bound.field.required else ""
        label = f'<label {for_attribute}class="form-label{required}">{_label(bound)}</label>'
    widget = _widget(bound, "form-control is-invalid" if invalid else "form-control")
    return _wrapper(
        bound, auto_id, "mb-3", f"{label}{widget}{_errors(bound, auto_id)}{_help(bound, auto_id)}"
    )


def _checkbox_field(bound: BoundField) -> str:
    auto_id = _escape(bound.auto_id)
    widget = _widget(bound, "form-check-input is-invalid" if bound.errors else "form-check-input")
    required = " requiredField" if bound.field.required else ""
    label = (
        f'<label for="{_escape(bound.id_for_label)}" class="form-check-label{required}">'
        f"{_label(bound)}</label>"
    )
    content = f"{widget}{label}{_errors(bound, auto_id)}{_help(bound, auto_id)}"
    return f'<div class="mb-3">{_wrapper(bound, auto_id, "form-check", content)}</div>'


def _choice_field(bound: BoundField) -> str:
    """Radio buttons or checkboxes in a fieldset, the question as its legend; the errors follow the
    last option, inside its box."""
    widget = bound.field.widget
    auto_id = _escape(bound.auto_id)
    id_ = widget.attrs.get("id") or bound.auto_id
    attrs = bound.build_widget_attrs({"id": id_} if id_ else {})
    groups = widget.optgroups(bound.html_name, widget.format_value(bound.value()), attrs)
    invalid = " is-invalid" if bound.errors else ""
    name = _escape(bound.html_name)
    last = groups[-1][1][-1] if groups and groups[-1][1] else None
    choices_lang = getattr(bound.field, "choices_lang", "")
    options = []
    for group, group_options, _index in groups:
        if group:
            options.append(f"<strong>{conditional_escape(group)}</strong>")
        options.extend(
            f'<div class="form-check"><input type="{option["type"]}" class="form-check-input{invalid}"'
            f'  name="{name}" value="{_escape(option["value"])}" {_attributes(option["attrs"])}>'
            f'<label for="{_escape(option["attrs"].get("id", ""))}" class="form-check-label"'
            f"{_choice_lang(option, choices_lang)}>"
            f"{_escape(option['label'])}</label>{_errors(bound, auto_id) if option is last else ''}</div>"
            for option in group_options
        )
    content = f"<div >{''.join(options)}</div>{_help(bound, auto_id)}"
    if bound.label:
        described = bound.aria_describedby
        described_by = f' aria-describedby="{_escape(described)}"' if described else ""
        for_attribute = f' for="{_escape(bound.id_for_label)}"' if bound.id_for_label else ""
        required = " requiredField" if bound.field.required else ""
        content = (
            f'<fieldset{described_by}><legend{for_attribute} class="form-label{required} fs-6">'
            f"{_label(bound)}</legend>{content}</fieldset>"
        )
    return _wrapper(bound, auto_id, "mb-3", content)


def _choice_lang(option: dict[str, Any], lang: str) -> str:
    """The `lang` attribute of a choice written by staff; "Other (please specify)" is the product's."""
    return _lang_attribute(lang) if option["value"] != OTHER else ""


def render_field(bound: BoundField) -> SafeString:
    """`bound` as `{{ bound|as_crispy_field }}` renders it with the Bootstrap 5 pack."""
    widget = bound.field.widget
    if isinstance(widget, forms.RadioSelect):  # and CheckboxSelectMultiple, its subclass
        return mark_safe(_choice_field(bound))  # noqa: S308 - every part is escaped above
    if type(widget) in (forms.TextInput, forms.Textarea):
        return mark_safe(_text_field(bound))  # noqa: S308
    if type(widget) is forms.CheckboxInput:
        return mark_safe(_checkbox_field(bound))  # noqa: S308
    return as_crispy_field(bound)


def _alert(messages: Iterable[Any], css_class: str, role: str = "") -> str:
    """Errors that belong to no field: a proposal row's, or the whole table's."""
    if not messages:
        return ""
    role_attribute = f' role="{role}"' if role else ""
    items = "".join(f'<p class="mb-0">{conditional_escape(message)}</p>' for message in messages)
    return f'<div class="{css_class}"{role_attribute}>{items}</div>'


_PROPOSAL_FIELDS = ("provision", "proposed_wording", "justification")


def _proposal_row(row: forms.Form, number: int | str, *, removable: bool = True) -> str:
    """One row of a proposals table (`number` is empty in the template of a new row), with its
    "Remove this proposal" checkbox when it has one and the table is `removable`."""
    names = list(_PROPOSAL_FIELDS)
    if removable and "DELETE" in row.fields:
        names.append("DELETE")
    # Translated outside the f-string: makemessages does not read the expressions inside one.
    legend = _escape(gettext("Proposal"))
    return (
        '<fieldset class="border rounded px-3 pt-2 mb-3" data-proposal-row>'
        f'<legend class="fs-6 float-none w-auto px-1 mb-1">{legend} '
        f"<span data-row-number>{number}</span></legend>"
        f"{_alert(row.non_field_errors(), 'alert alert-danger py-2')}"
        f"{''.join(render_field(row[name]) for name in names)}</fieldset>"
    )


def _holds_proposal(row: forms.Form) -> bool:
    """Whether a proposal row holds a proposal: saved (or, on a refused post, typed) and not
    ticked for removal. Read from the row's values, whether or not the form was validated."""
    if "DELETE" in row.fields and row["DELETE"].value():
        return False
    return any(str(row[name].value() or "").strip() for name in _PROPOSAL_FIELDS)


def _proposals(
    *,
    question: Question,
    number: int,
    formset: BaseProposalFormSet,
    help_text: str,
    editable: bool,
    preview: bool = False,
) -> str:
    """A proposals question: its rows, and while editable a button that adds one (posting the form;
    static/js/answer.js adds it in place from the <template>). The staff `preview` shows the table
    as a member finds it, read-only: its empty row and the button, disabled."""
    prefix = _escape(formset.prefix)
    management = formset.management_form
    # Its hidden inputs; Django's own rendering only when a tampered post left it with errors to list.
    hidden = (
        str(management)
        if management.errors
        else "".join(_widget(management[name]) for name in management.fields)
    )
    if editable or preview:
        rows = "".join(
            _proposal_row(row, row_number, removable=editable)
            for row_number, row in enumerate(formset, start=1)
        )
    else:
        # Read-only (after the deadline): the proposals themselves, without the empty row offered
        # for a new one and without the checkboxes that remove a row.
        shown = [row for row in formset if _holds_proposal(row)]
        rows = "".join(
            _proposal_row(row, row_number, removable=False) for row_number, row in enumerate(shown, start=1)
        )
    if not rows and not editable:
        rows = '<p class="text-muted">—</p>'
    adding = ""
    if editable:
        label = _escape(gettext("Add a proposal"))
        adding = (
            f'<template id="{prefix}-empty">{_proposal_row(formset.empty_form, "")}</template>'
            f'<button type="submit" name="action" value="add-row-{question.pk}" '
            f'class="btn btn-outline-secondary btn-sm" data-add-row="{prefix}">{label}</button>'
        )
    elif preview:
        label = _escape(gettext("Add a proposal"))
        adding = f'<button type="button" class="btn btn-outline-secondary btn-sm" disabled>{label}</button>'
    help_html = f'<div class="form-text mb-2">{help_text}</div>' if help_text else ""
    return (
        f"<fieldset><legend{_lang_attribute(content_lang())}>{number}. {linebreaksbr(question.text, autoescape=True)}</legend>"
        f"{help_html}"
        f"{_alert(formset.non_form_errors(), 'alert alert-danger py-2', role='alert')}"
        f"{hidden}"
        f'<div data-proposal-rows="{prefix}">{rows}</div>{adding}</fieldset>'
    )


class QuestionCard(LayoutObject):
    """Layout object: one question of the answer form as a card, with its fields (the answer, and
    the "other" text of a choice question) or its proposals table."""

    def __init__(self, question: Question, number: int, *fields: str) -> None:
        self.question = question
        self.number = number
        self.fields = list(fields)

    def render(self, form: ResponseForm, context: Context, *args: Any, **kwargs: Any) -> SafeString:
        question = self.question
        formset = form.formsets.get(question.pk)
        if formset is None:
            body = "".join(render_field(form[name]) for name in self.fields)
        else:
            body = _proposals(
                question=question,
                number=self.number,
                formset=formset,
                help_text=conditional_escape(form.help_texts[question.pk]),
                editable=bool(context.get("editable")),
                preview=bool(context.get("preview")),
            )
        return mark_safe(  # noqa: S308 - every part is escaped where it is made
            f'<section id="question-{question.pk}" class="card mb-4">'
            f'<div class="card-body">{body}</div></section>'
        )

"""The answer form writes its fields itself, faster than crispy-forms' templates but with the markup
they produce (`{{ field|as_crispy_field }}`, Bootstrap 5): labels, help texts, errors and their
ARIA links, read-only inputs."""

from __future__ import annotations

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.template import Context
from pytest_django.asserts import assertHTMLEqual

from consultations.answers import AnswerValue, ProposalValue
from consultations.forms import ResponseForm, render_field
from consultations.models import Question
from tests.consultations.conftest import all_kinds_questions
from tests.consultations.factories import ConsultationFactory, QuestionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def questions() -> dict[str, Question]:
    consultation = ConsultationFactory()
    questions = all_kinds_questions(consultation)
    questions["awkward"] = QuestionFactory(
        consultation=consultation,
        position=20,
        kind=Question.Kind.MULTIPLE_CHOICE,
        text='Kurios <nuostatos> & "kodėl"?',
        help_text="Pirma eilutė <b>&</b>\n\nAntra.",
        choices=["A <i>&</i>", 'B "x"', "Č"],
    )
    return questions


def _answers(q: dict[str, Question]) -> dict[int, AnswerValue]:
    return {
        q["short"].pk: AnswerValue(text='Pritariame <iš esmės> & "visiškai"'),
        q["long"].pk: AnswerValue(text="Pirma pastraipa.\nAntra."),
        q["single"].pk: AnswerValue(other_text="Kita nuomonė"),
        q["multiple"].pk: AnswerValue(choice_indexes=(0, 2), other_text="Kultūra"),
        q["scale"].pk: AnswerValue(scale=4),
        q["yes_no"].pk: AnswerValue(yes_no=False),
        q["proposals"].pk: AnswerValue(
            rows=(ProposalValue("1 str.", "Nauja <redakcija>", ""), ProposalValue("2 str.", "", "Nes"))
        ),
        q["awkward"].pk: AnswerValue(choice_indexes=(1,)),
    }


def _invalid_data(q: dict[str, Question]) -> dict[str, object]:
    prefix = f"q{q['proposals'].pk}"
    return {
        "version": "x",
        f"q{q['short'].pk}": "Ž" * 101,
        f"q{q['single'].pk}": "0",
        f"q{q['single'].pk}_other": "Kita",
        f"q{q['multiple'].pk}": ["0", "7"],
        f"q{q['scale'].pk}": "9",
        f"{prefix}-TOTAL_FORMS": "2",
        f"{prefix}-INITIAL_FORMS": "1",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "200",
        f"{prefix}-0-provision": "x" * 300,
        f"{prefix}-0-proposed_wording": "Tekstas",
        f"{prefix}-0-DELETE": "on",
        f"{prefix}-1-justification": "y" * 1001,
    }


def _form(q: dict[str, Question], state: str) -> ResponseForm:
    questions = list(q.values())
    if state == "invalid":
        form = ResponseForm(_invalid_data(q), questions=questions, answers={}, version=0)
        assert not form.is_valid()
        return form
    answers = {} if state == "fresh" else _answers(q)
    form = ResponseForm(questions=questions, answers=answers, version=3)
    if state == "read_only":
        form.make_read_only()
    return form


def _fields(form: ResponseForm) -> list[forms.BoundField]:
    """Every visible field: the questions', and every proposal row's (the new-row template too)."""
    fields = [form[name] for name, field in form.fields.items() if not field.widget.is_hidden]
    for formset in form.formsets.values():
        for row in [*formset.forms, formset.empty_form]:
            fields.extend(row[name] for name in row.fields)
    return fields


# The questions' 9 fields (two "other" texts), then 3 a proposal row (4 with its "remove" box when
# saved) for the rows shown and the new-row template.
@pytest.mark.parametrize(
    ("state", "count"),
    [
        ("fresh", 9 + 3 + 3),
        ("answered", 9 + 4 + 4 + 3 + 3),
        ("invalid", 9 + 4 + 3 + 3),
        ("read_only", 9 + 4 + 4 + 3 + 3),
    ],
)
def test_every_field_is_written_as_crispy_forms_writes_it(questions, state, count):
    # crispy-forms adds its classes to the widgets it renders, so each side renders a form of its own;
    # crispy's side without the helper that lays out the questions, as the page used to render them.
    crispy_form = _form(questions, state)
    crispy_form.helper = None
    ours, theirs = _fields(_form(questions, state)), _fields(crispy_form)

    assert len(ours) == len(theirs) == count
    for field, crispy_field in zip(ours, theirs, strict=True):
        assertHTMLEqual(str(render_field(field)), str(as_crispy_field(crispy_field)))


def test_the_markup_carries_what_screen_readers_and_the_tests_of_the_page_rely_on(questions):
    form = _form(questions, "invalid")
    q = questions

    single = str(render_field(form[f"q{q['single'].pk}"]))
    short = str(render_field(form[f"q{q['short'].pk}"]))

    pk = q["single"].pk
    assert f'<fieldset aria-describedby="id_q{pk}_helptext id_q{pk}_error">' in single
    assert f'type="radio" class="form-check-input is-invalid"  name="q{pk}" value="0"' in single
    assert 'aria-invalid="true" checked>' in single
    assert f'<div id="id_q{pk}_error" class="invalid-feedback"><p id="error_1_id_q{pk}">' in single
    assert f'<label for="id_q{q["short"].pk}" class="form-label">1. Jūsų organizacijos' in short
    assert f'aria-describedby="id_q{q["short"].pk}_helptext id_q{q["short"].pk}_error"' in short
    assert 'value="' + "Ž" * 101 + '"' in short


def test_other_widgets_are_left_to_crispy_forms():
    class Other(forms.Form):
        when = forms.DateField(widget=forms.DateInput)

    field = Other()["when"]

    assert render_field(field) == as_crispy_field(Other()["when"])


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("Ar pritariate projektui?", "Ar pritariate projektui? — {message}"),
        ("Pritarkite!", "Pritarkite! — {message}"),
        ("Įvertinkite projektą.", "Įvertinkite projektą. — {message}"),
        ("Jūsų pastabos:", "Jūsų pastabos: {message}"),
        ("Jūsų pozicija", "Jūsų pozicija: {message}"),
        ("Ž" * 100, "Ž" * 79 + "… — {message}"),
    ],
)
def test_the_error_summary_joins_the_question_and_the_message_with_one_mark(text, line):
    question = QuestionFactory(
        consultation=ConsultationFactory(), kind=Question.Kind.SHORT_TEXT, text=text, max_length=10
    )
    form = ResponseForm(
        {"version": "0", f"q{question.pk}": "x" * 11}, questions=[question], answers={}, version=0
    )

    assert not form.is_valid()

    (message,) = form.errors[f"q{question.pk}"]
    assert form.error_summary() == [(f"id_q{question.pk}", line.format(message=message))]


def test_a_proposals_table_posted_without_its_management_form_has_no_rows(questions):
    """A page opened before staff added the question (or made it one of proposals) has no
    table for it, so it posts none of the table's hidden inputs."""
    proposals = questions["proposals"]
    data = {"version": "0", f"q{questions['short'].pk}": "Pritariame"}

    form = ResponseForm(data, questions=list(questions.values()), answers={}, version=0)

    assert form.is_valid(), form.errors
    assert form.formsets[proposals.pk].non_form_errors() == []
    assert form.answer_values()[proposals.pk] == AnswerValue()
    assert form.error_summary() == []
    html = form.helper.render_layout(form, Context({"editable": True}))
    assert "ManagementForm" not in html
    assert f'name="q{proposals.pk}-TOTAL_FORMS" value="0"' in html

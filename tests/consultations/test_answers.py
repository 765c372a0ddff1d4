"""The member's answer through the services: drafts, submissions, amendments, conflicts, deadlines."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from consultations import selectors, services
from consultations.answers import (
    TEXT_MAX_LENGTH,
    AnswerValue,
    ProposalValue,
    fingerprint_questions,
    questions_fingerprint,
    same_answers,
    snapshot_entry,
)
from consultations.models import Answer, Invitation, ProposalRow, Response, ResponseEdit, ResponseVersion
from tests.consultations.factories import QuestionFactory
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def full_answers(questions) -> dict[int, AnswerValue]:
    """A complete answer to every question of the `opened` consultation."""
    return {
        questions["short"].pk: AnswerValue(text="Pritariame iš esmės"),
        questions["long"].pk: AnswerValue(text="Pirma pastraipa.\nAntra pastraipa."),
        questions["single"].pk: AnswerValue(choice_indexes=(1,)),
        questions["multiple"].pk: AnswerValue(choice_indexes=(0, 2), other_text="Kultūra"),
        questions["scale"].pk: AnswerValue(scale=4),
        questions["yes_no"].pk: AnswerValue(yes_no=True),
        questions["proposals"].pk: AnswerValue(
            rows=(
                ProposalValue(
                    provision="3 str. 2 d.",
                    proposed_wording="Išbraukti žodį „tik“.",
                    justification="Per siaura.",
                ),
                ProposalValue(provision="5 str. 1 d. 3 p.", proposed_wording="Papildyti klasteriais."),
            )
        ),
    }


def _save(member, data, version=0):
    return services.response_save_draft(
        invitation=member.invitation, person=member.person, data=data, expected_version=version
    )


def _submit(member, data, version):
    return services.response_submit(
        invitation=member.invitation, person=member.person, data=data, expected_version=version
    )


def _errors(refused: pytest.ExceptionInfo) -> dict[str, list[str]]:
    """The refusal's messages by question id, in English (the source strings)."""
    with translation.override("en"):
        return {
            key: [m for e in errors for m in e.messages] for key, errors in refused.value.error_dict.items()
        }


# --- drafts -----------------------------------------------------------------------------------------


def test_a_draft_keeps_every_kind_of_answer_in_its_typed_column(opened):
    ruta = opened.members["ruta"]
    questions = opened.questions

    saved = _save(ruta, full_answers(questions))

    response = saved.response
    assert (response.status, response.version, response.organisation) == ("draft", 1, ruta.organisation)
    answers = {answer.question_id: answer for answer in Answer.objects.filter(response=response)}
    assert answers[questions["short"].pk].text == "Pritariame iš esmės"
    assert answers[questions["long"].pk].text == "Pirma pastraipa.\nAntra pastraipa."
    assert answers[questions["single"].pk].choice_indexes == [1]
    assert (
        answers[questions["multiple"].pk].choice_indexes,
        answers[questions["multiple"].pk].other_text,
    ) == (
        [0, 2],
        "Kultūra",
    )
    assert answers[questions["scale"].pk].scale == 4
    assert answers[questions["yes_no"].pk].yes_no is True
    rows = list(ProposalRow.objects.filter(answer=answers[questions["proposals"].pk]).order_by("position"))
    assert [(r.position, r.provision, r.justification) for r in rows] == [
        (1, "3 str. 2 d.", "Per siaura."),
        (2, "5 str. 1 d. 3 p.", ""),
    ]
    kinds = {question.pk: question.kind for question in questions.values()}
    assert selectors.answer_values(response=response) == {
        pk: value.for_kind(kinds[pk]) for pk, value in full_answers(questions).items()
    }
    (edit,) = ResponseEdit.objects.all()
    assert (edit.person, edit.action, edit.version) == (ruta.person, "saved", 1)
    assert sorted(edit.changed_questions) == sorted(q.pk for q in questions.values())
    assert mail.outbox == []


def test_a_draft_does_not_need_the_required_answers(opened):
    ruta = opened.members["ruta"]
    saved = _save(ruta, {opened.questions["long"].pk: AnswerValue(text="Tik pradžia")})
    assert saved.response.status == Response.Status.DRAFT
    assert Answer.objects.get().text == "Tik pradžia"


def test_a_draft_still_keeps_to_limits_and_choices(opened):
    ruta = opened.members["ruta"]
    questions = opened.questions
    with pytest.raises(ValidationError) as refused:
        _save(
            ruta,
            {
                questions["short"].pk: AnswerValue(text="x" * 101),
                questions["single"].pk: AnswerValue(choice_indexes=(0,), other_text="Kita"),
                questions["multiple"].pk: AnswerValue(choice_indexes=(7,)),
                questions["proposals"].pk: AnswerValue(rows=(ProposalValue(justification="Be nuostatos"),)),
            },
        )
    errors = _errors(refused)
    assert errors[str(questions["short"].pk)] == ["At most 100 characters (now 101)."]
    assert "Choose one option" in errors[str(questions["single"].pk)][0]
    assert errors[str(questions["multiple"].pk)] == ["Choose one of the options shown."]
    assert "name the provision or give the proposed wording" in errors[str(questions["proposals"].pk)][0]
    assert not Response.objects.exists()
    assert not ResponseEdit.objects.exists()


def test_a_text_whose_question_sets_no_limit_keeps_to_the_products_own(opened):
    # Far beyond any answer; it keeps the page's form under what the server takes in one request.
    ruta = opened.members["ruta"]
    questions = opened.questions
    assert questions["long"].max_length == 2000
    questions["long"].max_length = None
    questions["long"].save(update_fields=["max_length"])
    questions["proposals"].max_length = None
    questions["proposals"].save(update_fields=["max_length"])
    too_long = "ą" * (TEXT_MAX_LENGTH + 1)
    with pytest.raises(ValidationError) as refused:
        _save(
            ruta,
            {
                questions["long"].pk: AnswerValue(text=too_long),
                questions["proposals"].pk: AnswerValue(
                    rows=(ProposalValue(provision="1 str.", proposed_wording=too_long),)
                ),
            },
        )
    errors = _errors(refused)
    assert errors[str(questions["long"].pk)] == [f"At most 50000 characters (now {TEXT_MAX_LENGTH + 1})."]
    (proposal,) = errors[str(questions["proposals"].pk)]
    assert proposal.endswith(f": at most 50000 characters (now {TEXT_MAX_LENGTH + 1}).")
    saved = _save(ruta, {questions["long"].pk: AnswerValue(text=too_long[1:])})
    assert len(Answer.objects.get(response=saved.response).text) == TEXT_MAX_LENGTH


def test_emptying_an_answer_removes_it_and_a_save_that_changes_nothing_writes_nothing(opened):
    ruta = opened.members["ruta"]
    long = opened.questions["long"]
    _save(ruta, {long.pk: AnswerValue(text="Pastaba")})

    unchanged = _save(ruta, {long.pk: AnswerValue(text="Pastaba")}, version=1)
    assert unchanged.changed_questions == []
    assert unchanged.response.version == 1
    assert ResponseEdit.objects.count() == 1

    emptied = _save(ruta, {long.pk: AnswerValue(text="")}, version=1)
    assert emptied.changed_questions == [long.pk]
    assert not Answer.objects.exists()
    assert not selectors.consultation_has_answers(consultation=opened.consultation)


def test_colleagues_share_one_response_and_every_save_records_who(opened):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    long = opened.questions["long"]
    _save(ruta, {long.pk: AnswerValue(text="Rūtos juodraštis")})
    _save(jonas, {long.pk: AnswerValue(text="Jono pataisa")}, version=1)

    response = Response.objects.get()
    assert response.version == 2
    assert Answer.objects.get().text == "Jono pataisa"
    assert [edit.person for edit in selectors.response_edits(response=response)] == [
        jonas.person,
        ruta.person,
    ]


def test_a_save_on_a_stale_version_is_refused_and_says_who_changed_what(opened):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    questions = opened.questions
    _save(ruta, {questions["long"].pk: AnswerValue(text="Pradžia")})
    _save(jonas, {questions["short"].pk: AnswerValue(text="Jono pozicija")}, version=1)

    with pytest.raises(services.ResponseConflict) as refused:
        _save(ruta, {questions["long"].pk: AnswerValue(text="Rūtos tęsinys")}, version=1)

    conflict = refused.value
    assert conflict.code == "conflict"
    assert conflict.current_version == 2
    assert [edit.person for edit in conflict.edits] == [jonas.person]
    assert conflict.questions == [questions["short"]]
    assert conflict.current[questions["short"].pk].text == "Jono pozicija"
    assert "Jonas Jonaitis" in conflict.messages[0]
    assert Answer.objects.get(question=questions["long"]).text == "Pradžia"
    assert Response.objects.get().version == 2


def test_a_first_save_racing_another_first_save_is_refused(opened):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    long = opened.questions["long"]
    _save(ruta, {long.pk: AnswerValue(text="Rūta buvo pirma")})
    with pytest.raises(services.ResponseConflict):
        _save(jonas, {long.pk: AnswerValue(text="Jonas antras")}, version=0)
    assert Answer.objects.get().text == "Rūta buvo pirma"


def test_only_a_person_holding_an_active_link_can_save(opened, policy_officer):
    ruta, egle = opened.members["ruta"], opened.members["egle"]
    long = opened.questions["long"]
    with pytest.raises(PermissionDenied):
        services.response_save_draft(
            invitation=ruta.invitation,
            person=egle.person,
            data={long.pk: AnswerValue(text="Svetima")},
            expected_version=0,
        )
    with pytest.raises(PermissionDenied):
        services.response_save_draft(
            invitation=ruta.invitation,
            person=PersonFactory(),
            data={long.pk: AnswerValue(text="x")},
            expected_version=0,
        )
    services.access_link_revoke(access_link=ruta.link, user=policy_officer)
    with pytest.raises(PermissionDenied):
        _save(ruta, {long.pk: AnswerValue(text="Po atšaukimo")})
    assert not Response.objects.exists()


def test_answers_to_another_consultations_questions_are_not_accepted(opened):
    foreign = QuestionFactory()
    with pytest.raises(ValueError, match="not of consultation"):
        _save(opened.members["ruta"], {foreign.pk: AnswerValue(text="x")})


# --- submitting and amending ------------------------------------------------------------------------


def test_submitting_needs_every_required_answer(opened):
    ruta = opened.members["ruta"]
    questions = opened.questions
    _save(ruta, {questions["long"].pk: AnswerValue(text="Tik ilgas tekstas")})

    with pytest.raises(ValidationError) as refused:
        _submit(ruta, {questions["multiple"].pk: AnswerValue(choice_indexes=(0,))}, version=1)

    assert set(_errors(refused)) == {
        str(questions[key].pk) for key in ("short", "single", "scale", "proposals")
    }
    assert all(
        messages == ["This question must be answered before submitting."]
        for messages in _errors(refused).values()
    )
    response = Response.objects.get()
    assert (response.status, response.version) == ("draft", 1)
    assert not ResponseVersion.objects.exists()
    assert mail.outbox == []


def test_submitting_keeps_a_numbered_copy_and_mails_a_receipt_with_the_answers(opened):
    jonas = opened.members["jonas"]  # reads English
    questions = opened.questions
    submitted_at = timezone.now().replace(microsecond=0)

    with time_machine.travel(submitted_at, tick=False):
        version = _submit(jonas, full_answers(questions), version=0)

    assert version.number == 1
    assert version.submitted_by == jonas.person
    assert version.submitted_at == submitted_at
    by_question = {entry["question_id"]: entry for entry in version.answers}
    assert by_question[questions["single"].pk]["choices"] == ["Pritariame su pastabomis"]
    assert by_question[questions["proposals"].pk]["rows"][0]["provision"] == "3 str. 2 d."
    assert by_question[questions["short"].pk]["question"] == questions["short"].text
    response = Response.objects.get()
    assert (response.status, response.submitted_by, response.submitted_at) == (
        "submitted",
        jonas.person,
        submitted_at,
    )
    assert Invitation.objects.get(pk=jonas.invitation.pk).submitted_at == submitted_at
    assert ResponseEdit.objects.get().action == "submitted"

    (receipt,) = mail.outbox
    assert receipt.to == ["jonas@saule.lt"]
    assert receipt.subject.startswith("Received: the answer of Saulės klasteris")
    assert "(version 1)" in receipt.subject
    for expected in (
        "Pritariame iš esmės",
        "   Pirma pastraipa.\n   Antra pastraipa.",
        "Pritariame su pastabomis",
        "Mokslas; Švietimas; Other: Kultūra",
        "4 – Agree",
        "   Yes",
        "Provision: 3 str. 2 d.",
        "Proposed wording: Išbraukti žodį „tik“.",
        "Justification: Per siaura.",
        questions["proposals"].text,
    ):
        assert expected in receipt.body
    html, mimetype = receipt.alternatives[0]
    assert mimetype == "text/html"
    assert "<td" in html and "Išbraukti žodį „tik“." in html
    assert "Pirma pastraipa.<br>Antra pastraipa." in html


def test_the_receipt_is_in_the_submitters_language(opened):
    ruta = opened.members["ruta"]  # reads Lithuanian
    _submit(ruta, full_answers(opened.questions), version=0)
    (receipt,) = mail.outbox
    assert receipt.to == ["ruta@saule.lt"]
    assert "Taip" in receipt.body  # "Yes", from Django's own Lithuanian catalogue
    assert 'lang="lt"' in receipt.alternatives[0][0]


def test_an_amendment_is_a_new_version_and_the_organisations_other_contacts_are_told(opened):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    questions = opened.questions
    first = _submit(ruta, full_answers(questions), version=0)
    mail.outbox.clear()

    amended = dict(full_answers(questions))
    amended[questions["scale"].pk] = AnswerValue(scale=2)
    second = _submit(jonas, amended, version=1)

    assert (first.number, second.number) == (1, 2)
    assert ResponseVersion.objects.count() == 2
    first.refresh_from_db()
    assert {e["question_id"]: e for e in first.answers}[questions["scale"].pk]["scale"] == 4
    assert {e["question_id"]: e for e in second.answers}[questions["scale"].pk]["scale"] == 2
    assert Response.objects.get().submitted_by == jonas.person
    # The first submission time stays on the invitation.
    assert Invitation.objects.get(pk=ruta.invitation.pk).submitted_at == first.submitted_at

    receipts = [m for m in mail.outbox if m.to == ["jonas@saule.lt"]]
    notices = [m for m in mail.outbox if m.to == ["ruta@saule.lt"]]
    assert len(mail.outbox) == 2
    assert "Received" in receipts[0].subject  # Jonas reads English
    assert "version 2" in receipts[0].body
    assert "Jonas Jonaitis" in notices[0].body
    assert "   2 – " in notices[0].body
    assert "egle@menulis.lt" not in [m.to[0] for m in mail.outbox]


def test_changes_after_a_submission_are_a_draft_until_submitted_again(opened):
    ruta = opened.members["ruta"]
    questions = opened.questions
    _submit(ruta, full_answers(questions), version=0)

    changed = dict(full_answers(questions))
    changed[questions["long"].pk] = AnswerValue(text="Papildyta pastaba")
    _save(ruta, changed, version=1)
    response = Response.objects.get()
    assert (response.status, response.has_unsubmitted_changes) == ("submitted", True)
    assert ResponseVersion.objects.count() == 1

    _save(ruta, full_answers(questions), version=2)
    response.refresh_from_db()
    assert response.has_unsubmitted_changes is False

    with pytest.raises(ValidationError) as refused:
        _submit(ruta, full_answers(questions), version=3)
    assert refused.value.code == "unchanged"
    assert ResponseVersion.objects.count() == 1
    assert Response.objects.get().version == 3


def test_member_typed_text_is_escaped_in_the_receipts_html_and_plain_in_its_text(opened):
    ruta = opened.members["ruta"]
    questions = opened.questions
    answers = full_answers(questions)
    answers[questions["long"].pk] = AnswerValue(text='<script>alert("x")</script> & <b>drąsiai</b>')
    answers[questions["proposals"].pk] = AnswerValue(
        rows=(ProposalValue(provision="<img src=x onerror=alert(1)>"),)
    )

    _submit(ruta, answers, version=0)

    (receipt,) = mail.outbox
    html = receipt.alternatives[0][0]
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;drąsiai&lt;/b&gt;" in html
    assert "<img" not in html
    assert '<script>alert("x")</script> & <b>drąsiai</b>' in receipt.body


# --- deadline -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("submitting", [False, True])
def test_answers_are_taken_until_one_second_before_the_deadline_and_refused_at_it(opened, submitting):
    ruta = opened.members["ruta"]
    deadline = opened.consultation.internal_deadline
    answers = full_answers(opened.questions)
    act = _submit if submitting else _save

    with time_machine.travel(deadline - datetime.timedelta(seconds=1), tick=False):
        act(ruta, answers, version=0)
    answers[opened.questions["long"].pk] = AnswerValue(text="Per vėlai")
    with time_machine.travel(deadline, tick=False), pytest.raises(ValidationError) as refused:
        act(ruta, answers, version=1)

    assert refused.value.code == "deadline_passed"
    assert Response.objects.get().version == 1
    assert Answer.objects.get(question=opened.questions["long"]).text != "Per vėlai"


def test_answers_are_refused_once_the_consultation_is_closed(opened, policy_officer):
    services.consultation_close(consultation=opened.consultation, user=policy_officer)
    with pytest.raises(ValidationError) as refused:
        _save(opened.members["ruta"], {opened.questions["long"].pk: AnswerValue(text="x")})
    assert refused.value.code == "not_open"
    assert not Response.objects.exists()


# --- questions changed by staff -----------------------------------------------------------------------


def test_a_save_from_a_page_that_showed_other_questions_writes_nothing(opened):
    ruta = opened.members["ruta"]
    questions = opened.questions
    shown = questions_fingerprint(list(questions.values()))
    single = questions["single"]
    single.choices = ["Nepritariame", "Pritariame", "Pritariame su pastabomis"]
    services.question_save(question=single)

    for save in (services.response_save_draft, services.response_submit):
        with pytest.raises(services.QuestionsChanged) as refused:
            save(
                invitation=ruta.invitation,
                person=ruta.person,
                data=full_answers(questions),
                expected_version=0,
                questions_shown=shown,
            )
        assert refused.value.code == "questions_changed"
    assert not Response.objects.exists()
    assert not Answer.objects.exists()
    assert mail.outbox == []

    saved = services.response_save_draft(
        invitation=ruta.invitation,
        person=ruta.person,
        data=full_answers(questions),
        expected_version=0,
        questions_shown=questions_fingerprint(list(questions.values())),
    )
    assert saved.response.version == 1


def test_a_wording_fix_after_a_submission_is_no_change_of_the_answer(opened):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    questions = opened.questions
    _submit(ruta, full_answers(questions), version=0)
    single = questions["single"]
    single.text = "Ar pritariate pataisytam projektui?"
    single.choices = ["Pritariame", "Pritariame su pastabomis", "Visiškai nepritariame"]
    services.question_save(question=single, wording_fix_confirmed=True)
    mail.outbox.clear()

    changed = dict(full_answers(questions))
    changed[questions["short"].pk] = AnswerValue(text="Kitaip")
    _save(jonas, changed, version=1)
    assert Response.objects.get().has_unsubmitted_changes is True
    _save(jonas, full_answers(questions), version=2)
    assert Response.objects.get().has_unsubmitted_changes is False

    with pytest.raises(ValidationError) as refused:
        _submit(jonas, full_answers(questions), version=3)
    assert refused.value.code == "unchanged"
    assert ResponseVersion.objects.count() == 1
    assert mail.outbox == []

    # A real amendment is still one, and its copy holds the corrected wording.
    amended = dict(full_answers(questions))
    amended[questions["single"].pk] = AnswerValue(choice_indexes=(2,))
    version = _submit(jonas, amended, version=3)
    entry = {e["question_id"]: e for e in version.answers}[single.pk]
    assert (entry["question"], entry["choices"]) == (single.text, ["Visiškai nepritariame"])


def test_copies_of_answers_are_the_same_whatever_the_wording_of_their_questions(opened):
    single = opened.questions["single"]
    value = AnswerValue(choice_indexes=(1,))
    before = [snapshot_entry(question=single, value=value)]
    single.text = "Ar pritariate pataisytam projektui?"
    single.choices = ["Pritariame", "Pritariame, su pastabomis", "Nepritariame"]

    assert same_answers(before, [snapshot_entry(question=single, value=value)])
    assert not same_answers(before, [snapshot_entry(question=single, value=AnswerValue(choice_indexes=(2,)))])
    assert not same_answers(before, [])


def test_a_questions_fingerprint_reads_only_what_it_wrote():
    # The page writes "id:kind:digest" for each question; anything else in a posted field (a
    # superscript "²" passes str.isdigit but not int) is left out, not an error.
    assert fingerprint_questions("12:short_text:ab ²:x:y ١٢:x:y 7::z 8:scale:") == {12: ("short_text", "ab")}

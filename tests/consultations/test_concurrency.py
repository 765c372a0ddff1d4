"""Concurrent saves on PostgreSQL, each thread with its own database connection.

SQLite serialises writers (the project opens its transactions IMMEDIATE), so these run only on
PostgreSQL, where the row lock and the conditional version update are what keep saves apart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import connection, connections, transaction

from consultations import services
from consultations.answers import AnswerValue, ProposalValue
from consultations.models import (
    AccessLink,
    Answer,
    Invitation,
    Question,
    Response,
    ResponseEdit,
    ResponseVersion,
)
from tests.consultations.factories import ConsultationFactory, QuestionFactory, member_organisation

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite serialises writers; concurrency needs PostgreSQL"
    ),
]


def _in_thread(work: Callable[[], Any], results: dict[str, Any], key: str) -> threading.Thread:
    def run() -> None:
        try:
            results[key] = work()
        except BaseException as error:
            results[key] = error
        finally:
            connections.close_all()

    return threading.Thread(target=run, name=key)


@pytest.fixture
def consultation(policy_officer):
    consultation = ConsultationFactory(sectors=["ict"])
    QuestionFactory(consultation=consultation, kind=Question.Kind.SHORT_TEXT, text="Pozicija", required=True)
    QuestionFactory(consultation=consultation, kind=Question.Kind.PROPOSALS, text="Pasiūlymai")
    return consultation


def _answers(consultation, text: str) -> dict[int, AnswerValue]:
    short, proposals = consultation.questions.order_by("position")
    return {
        short.pk: AnswerValue(text=text),
        proposals.pk: AnswerValue(rows=(ProposalValue(provision="1 str.", proposed_wording=text),)),
    }


def test_fifty_organisations_submitting_at_once_all_land(consultation, policy_officer):
    for _ in range(50):
        member_organisation()
    services.consultation_open(consultation=consultation, user=policy_officer)
    mail.outbox.clear()
    links = list(AccessLink.objects.select_related("invitation", "person", "invitation__organisation"))
    assert len(links) == 50
    start = threading.Barrier(50)
    results: dict[str, Any] = {}

    def submit(link: AccessLink) -> Callable[[], Any]:
        def work() -> Any:
            start.wait(timeout=30)
            return services.response_submit(
                invitation=link.invitation,
                person=link.person,
                data=_answers(consultation, f"Pozicija {link.invitation.organisation.name}"),
                expected_version=0,
            )

        return work

    threads = [_in_thread(submit(link), results, str(link.pk)) for link in links]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    failures = {key: value for key, value in results.items() if isinstance(value, BaseException)}
    assert failures == {}
    assert len(results) == 50
    assert Response.objects.filter(consultation=consultation, status=Response.Status.SUBMITTED).count() == 50
    assert ResponseVersion.objects.filter(number=1).count() == 50
    assert Invitation.objects.filter(consultation=consultation, submitted_at__isnull=False).count() == 50
    for link in links:
        answer = Answer.objects.get(
            response__organisation=link.invitation.organisation, question__kind="short_text"
        )
        assert answer.text == f"Pozicija {link.invitation.organisation.name}"
    assert sorted(message.to[0] for message in mail.outbox) == sorted(link.person.email for link in links)


def _two_colleagues(consultation, policy_officer) -> tuple[AccessLink, AccessLink]:
    member_organisation(contacts=2)
    services.consultation_open(consultation=consultation, user=policy_officer)
    first, second = AccessLink.objects.select_related("invitation", "person").order_by("pk")
    return first, second


def test_of_two_saves_on_one_version_the_second_waits_for_the_first_and_gets_the_conflict(
    consultation, policy_officer
):
    first, second = _two_colleagues(consultation, policy_officer)
    services.response_save_draft(
        invitation=first.invitation,
        person=first.person,
        data=_answers(consultation, "Pradžia"),
        expected_version=0,
    )
    first_saved, commit_first = threading.Event(), threading.Event()
    results: dict[str, Any] = {}

    def save_and_hold() -> Any:
        # The first save's transaction stays open (holding the row lock) until the test lets it commit.
        with transaction.atomic():
            saved = services.response_save_draft(
                invitation=first.invitation,
                person=first.person,
                data=_answers(consultation, "Pirmojo tekstas"),
                expected_version=1,
            )
            first_saved.set()
            assert commit_first.wait(timeout=30)
        return saved

    def save_second() -> Any:
        return services.response_save_draft(
            invitation=second.invitation,
            person=second.person,
            data=_answers(consultation, "Antrojo tekstas"),
            expected_version=1,
        )

    holder = _in_thread(save_and_hold, results, "first")
    holder.start()
    assert first_saved.wait(timeout=30)
    waiting = _in_thread(save_second, results, "second")
    waiting.start()
    time.sleep(0.5)
    assert waiting.is_alive()  # blocked on the first save's row lock
    commit_first.set()
    holder.join(timeout=30)
    waiting.join(timeout=30)

    assert results["first"].changed_questions
    conflict = results["second"]
    assert isinstance(conflict, services.ResponseConflict)
    assert conflict.current_version == 2
    assert [edit.person for edit in conflict.edits] == [first.person]
    response = Response.objects.get()
    assert response.version == 2
    assert Answer.objects.get(question__kind="short_text").text == "Pirmojo tekstas"
    assert ResponseEdit.objects.filter(person=second.person).count() == 0


@pytest.mark.parametrize("existing", [False, True], ids=["first save", "later save"])
def test_of_two_simultaneous_saves_exactly_one_wins(consultation, policy_officer, existing):
    first, second = _two_colleagues(consultation, policy_officer)
    version = 0
    if existing:
        services.response_save_draft(
            invitation=first.invitation,
            person=first.person,
            data=_answers(consultation, "Pradžia"),
            expected_version=0,
        )
        version = 1
    start = threading.Barrier(2)
    results: dict[str, Any] = {}

    def save(link: AccessLink, text: str) -> Callable[[], Any]:
        def work() -> Any:
            start.wait(timeout=30)
            return services.response_save_draft(
                invitation=link.invitation,
                person=link.person,
                data=_answers(consultation, text),
                expected_version=version,
            )

        return work

    threads = [
        _in_thread(save(first, "Pirmasis"), results, "first"),
        _in_thread(save(second, "Antrasis"), results, "second"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    outcomes = sorted(type(result).__name__ for result in results.values())
    assert outcomes == ["DraftSaved", "ResponseConflict"]
    winner = next(key for key, result in results.items() if not isinstance(result, services.ResponseConflict))
    assert Response.objects.get().version == version + 1
    assert (
        Answer.objects.get(question__kind="short_text").text
        == {"first": "Pirmasis", "second": "Antrasis"}[winner]
    )

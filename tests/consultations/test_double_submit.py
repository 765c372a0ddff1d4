"""A save or a submission sent twice (a double-clicked button, a form sent again) is not a conflict
with oneself: the second finds what it posts already saved, writes nothing and says so."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import translation

from consultations import services
from consultations.answers import AnswerValue, ProposalValue
from consultations.models import Response, ResponseEdit, ResponseVersion
from tests.consultations.test_browser import browser_page  # noqa: F401 - the browser tests' fixture
from tests.consultations.test_member_pages import answer_form


def _text(response) -> str:
    return response.content.decode()


def _answers(opened, short: str = "Pritariame") -> dict[int, AnswerValue]:
    q = opened.questions
    return {
        q["short"].pk: AnswerValue(text=short),
        q["single"].pk: AnswerValue(choice_indexes=(0,)),
        q["scale"].pk: AnswerValue(scale=4),
        q["proposals"].pk: AnswerValue(rows=(ProposalValue("3 str.", "Nauja redakcija", "Nes"),)),
    }


def test_a_double_clicked_submit_submits_once_and_says_it_was_already_submitted(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    data = {**answer_form(opened, version=0), "action": "submit"}

    assert client.post(ruta.url, data).status_code == 302
    second = client.post(ruta.url, data)

    assert second.status_code == 302
    assert ResponseVersion.objects.count() == 1
    assert Response.objects.get().version == 1
    assert [message.to for message in mail.outbox] == [["ruta@saule.lt"]]  # one receipt
    page = _text(client.get(ruta.url))
    assert "This answer was already submitted as version 1; it was not submitted again." in page
    assert "Your changes were not saved" not in page
    assert "Submitted to the association: version 1" in page


def test_a_double_clicked_draft_save_saves_once_and_says_it_was_already_saved(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    data = {**answer_form(opened, version=0), "action": "save"}

    assert client.post(ruta.url, data).status_code == 302
    assert client.post(ruta.url, data).status_code == 302

    assert Response.objects.get().version == 1
    assert ResponseEdit.objects.count() == 1
    page = _text(client.get(ruta.url))
    assert "This answer was already saved as it is on the page; it was not saved again." in page
    assert "Your changes were not saved" not in page


def test_a_double_clicked_amendment_is_submitted_once_and_notified_once(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    client.post(ruta.url, {**answer_form(opened, version=0), "action": "submit"})
    mail.outbox.clear()
    amended = {**answer_form(opened, version=1, short="Pritariame su pastabomis"), "action": "submit"}

    assert client.post(ruta.url, amended).status_code == 302
    assert client.post(ruta.url, amended).status_code == 302

    assert list(ResponseVersion.objects.values_list("number", flat=True).order_by("number")) == [1, 2]
    assert sorted(message.to[0] for message in mail.outbox) == ["jonas@saule.lt", "ruta@saule.lt"]
    assert "already submitted as version 2" in _text(client.get(ruta.url))


def test_a_second_post_that_differs_from_the_first_is_still_a_conflict(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    client.post(ruta.url, {**answer_form(opened, version=0), "action": "submit"})

    second = client.post(ruta.url, {**answer_form(opened, version=0, short="Kitaip"), "action": "submit"})

    assert second.status_code == 409
    assert "Your changes were not saved" in _text(second)
    assert ResponseVersion.objects.count() == 1


def test_the_same_answer_sent_after_a_colleagues_save_is_still_a_conflict(opened):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    ruta_client = ruta.client()
    ruta_client.post(ruta.url, {**answer_form(opened, version=0), "action": "submit"})
    # Jonas changes something and changes it back: the answer is as Rūta sent it, but not by her.
    jonas_client = jonas.client()
    jonas_client.post(jonas.url, {**answer_form(opened, version=1, short="Kitaip"), "action": "save"})
    jonas_client.post(jonas.url, {**answer_form(opened, version=2), "action": "save"})

    second = ruta_client.post(ruta.url, {**answer_form(opened, version=0), "action": "submit"})

    assert second.status_code == 409
    assert "Your changes were not saved" in _text(second)
    assert "Jonas Jonaitis" in _text(second)


def test_a_submit_after_ones_own_draft_save_of_the_same_answer_is_a_conflict_as_before(opened):
    # Only a repeat of what was submitted is taken as one: here the stored answer was never
    # submitted, so submitting it from the older page is reported as before.
    ruta = opened.members["ruta"]
    services.response_save_draft(
        invitation=ruta.invitation, person=ruta.person, data=_answers(opened), expected_version=0
    )

    with pytest.raises(services.ResponseConflict):
        services.response_submit(
            invitation=ruta.invitation, person=ruta.person, data=_answers(opened), expected_version=0
        )
    assert not ResponseVersion.objects.exists()


def test_a_repeated_submission_raises_already_saved_with_the_version_that_holds_it(opened):
    ruta = opened.members["ruta"]
    first = services.response_submit(
        invitation=ruta.invitation, person=ruta.person, data=_answers(opened), expected_version=0
    )
    mail.outbox.clear()

    with pytest.raises(services.ResponseAlreadySaved) as repeated:
        services.response_submit(
            invitation=ruta.invitation, person=ruta.person, data=_answers(opened), expected_version=0
        )

    assert repeated.value.version == first
    assert repeated.value.code == "already_submitted"
    assert ResponseVersion.objects.count() == 1
    assert Response.objects.get().version == 1
    assert mail.outbox == []


def test_a_repeated_save_after_several_of_ones_own_saves_is_taken_as_a_repeat(opened):
    # Saved, changed, changed back: every save since the page was loaded was Rūta's, and the
    # answer stored is the one she posts again.
    ruta = opened.members["ruta"]
    save = services.response_save_draft
    save(invitation=ruta.invitation, person=ruta.person, data=_answers(opened), expected_version=0)
    save(invitation=ruta.invitation, person=ruta.person, data=_answers(opened, "Kitaip"), expected_version=1)
    save(invitation=ruta.invitation, person=ruta.person, data=_answers(opened), expected_version=2)

    with pytest.raises(services.ResponseAlreadySaved) as repeated:
        save(invitation=ruta.invitation, person=ruta.person, data=_answers(opened), expected_version=0)

    assert repeated.value.code == "already_saved"
    assert Response.objects.get().version == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers")
def test_a_first_submission_sent_twice_at_once_is_submitted_once(opened):
    # The second request finds no response yet (the first one's is not committed), waits for the
    # first one's insert, then finds that the answer it posts was submitted meanwhile.
    ruta = opened.members["ruta"]
    submitted, commit = threading.Event(), threading.Event()
    results: dict[str, Any] = {}

    def submit(*, hold: bool) -> Callable[[], Any]:
        def work() -> Any:
            try:
                with transaction.atomic():
                    version = services.response_submit(
                        invitation=ruta.invitation,
                        person=ruta.person,
                        data=_answers(opened),
                        expected_version=0,
                    )
                    if hold:
                        submitted.set()
                        assert commit.wait(timeout=30)
                    return version
            except BaseException as error:
                return error
            finally:
                connections.close_all()

        return work

    first = threading.Thread(target=lambda: results.update(first=submit(hold=True)()))
    first.start()
    assert submitted.wait(timeout=30)
    second = threading.Thread(target=lambda: results.update(second=submit(hold=False)()))
    second.start()
    time.sleep(0.5)
    assert second.is_alive()  # waiting for the first one's response row
    commit.set()
    first.join(timeout=30)
    second.join(timeout=30)

    assert isinstance(results["first"], ResponseVersion)
    assert isinstance(results["second"], services.ResponseAlreadySaved)
    assert results["second"].version == results["first"]
    assert ResponseVersion.objects.count() == 1
    assert [message.to for message in mail.outbox] == [["ruta@saule.lt"]]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_in_a_browser_a_double_clicked_submit_sends_the_form_once(live_server, opened, settings, request):
    settings.SITE_URL = live_server.url
    page, _outside = request.getfixturevalue("browser_page")
    ruta = opened.members["ruta"]
    q = {key: question.pk for key, question in opened.questions.items()}
    with translation.override("lt"):
        access_path = reverse("consultations:access", kwargs={"token": ruta.token})
    page.goto(live_server.url + access_path)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{ruta.lt_url}")
    page.fill(f"#id_q{q['short']}", "Pritariame")
    page.check(f"#id_q{q['single']}_0")
    page.check(f"#id_q{q['scale']}_3")
    page.fill(f"#id_q{q['proposals']}-0-provision", "3 str.")
    # The form is sent into a frame (which the page, refusing frames, does not show): the page
    # stays to be looked at, as it stays while a slow server answers.
    page.evaluate(
        """() => {
            const frame = document.createElement("iframe");
            frame.name = "sent";
            document.body.appendChild(frame);
            document.getElementById("answer-form").target = "sent";
        }"""
    )
    posts: list[str] = []
    page.on("request", lambda sent: posts.append(sent.url) if sent.method == "POST" else None)
    submit = "button.btn-primary[value=submit]"

    with page.expect_response(lambda answer: answer.request.method == "POST"):
        page.click(submit)
    page.wait_for_function(f"document.querySelector('{submit}').disabled")
    assert page.locator("button[value=save]").evaluate_all("buttons => buttons.every(b => b.disabled)")
    page.click(submit, force=True)  # a disabled button: the browser ignores the click
    page.press(f"#id_q{q['short']}", "Enter")
    page.wait_for_timeout(300)

    assert len(posts) == 1
    # The button that sent the form was read before it was disabled: it was a submission.
    version = ResponseVersion.objects.get()
    assert (version.number, version.submitted_by) == (1, ruta.person)
    # The add-row button is left alone.
    assert page.locator(f"[data-add-row='q{q['proposals']}']").is_enabled()

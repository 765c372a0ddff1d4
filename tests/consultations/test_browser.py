"""End to end in a real browser: Debian's Chromium driven by Playwright against a live server.

Run with `.venv/bin/pytest -m browser` (the default run leaves it out). The screenshot lands in
test-artifacts/ at the top of the repository.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.db import connections
from django.urls import reverse
from django.utils import translation

from consultations.models import Answer, ConsultationDocument, ProposalRow, Response, ResponseVersion

# Playwright's sync API runs an event loop in this thread; the test still talks to the database.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def browser_page(settings):
    from playwright.sync_api import sync_playwright

    # The live server speaks plain HTTP.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="lt-LT")
        page = context.new_page()
        # No request may leave the live server (no CDN, no fonts, no analytics).
        outside: list[str] = []
        page.on(
            "request",
            lambda request: (
                None if request.url.startswith(settings.SITE_URL) else outside.append(request.url)
            ),
        )
        yield page, outside
        context.close()
        browser.close()
        # Inside Playwright's sync API the test runs in another greenlet, whose context holds its
        # own database connection: close it here, or PostgreSQL cannot drop the test database.
        connections.close_all()


def _open_answer_page(page, base_url: str, member) -> None:
    """The member's link from the e-mail followed, its button pressed: the answer page is open."""
    with translation.override("lt"):
        access_path = reverse("consultations:access", kwargs={"token": member.token})
    page.goto(base_url + access_path)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{member.lt_url}")


def _save_draft(page) -> None:
    """ "Save draft" pressed, and the page it leads to showing the draft saved."""
    with page.expect_navigation():
        page.click("button.btn-outline-primary[value=save]")
    page.wait_for_selector("#answer-state.alert-secondary")


def test_a_member_answers_every_kind_of_question_saves_a_draft_and_submits(
    live_server, opened, browser_page, settings
):
    settings.SITE_URL = live_server.url
    page, outside_requests = browser_page
    ruta = opened.members["ruta"]
    q = {key: question.pk for key, question in opened.questions.items()}
    with translation.override("lt"):
        access_path = reverse("consultations:access", kwargs={"token": ruta.token})

    # The link from the e-mail: a page with a button (a GET changes nothing), then the answer page.
    page.goto(live_server.url + access_path)
    assert "Saulės klasteris" in page.content()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{ruta.lt_url}")
    assert ruta.token not in page.url

    page.fill(f"#id_q{q['short']}", "Pritariame su išlygomis")
    page.fill(f"#id_q{q['long']}", "Pirma pastraipa.\nAntra pastraipa su <žyme> & simboliais.")
    page.check(f"#id_q{q['single']}_1")
    page.check(f"#id_q{q['multiple']}_0")
    page.check(f"#id_q{q['multiple']}_2")
    page.fill(f"#id_q{q['multiple']}_other", "Kultūra")
    page.check(f"#id_q{q['scale']}_3")
    page.check(f"#id_q{q['yes_no']}_0")
    rows = f"q{q['proposals']}"
    page.fill(f"#id_{rows}-0-provision", "3 str. 2 d.")
    page.fill(f"#id_{rows}-0-proposed_wording", "Išbraukti žodį „tik“.")
    page.fill(f"#id_{rows}-0-justification", "Per siaura nuostata.")
    # The small script adds a row in place, without a round trip.
    url_before = page.url
    page.click(f"[data-add-row='{rows}']")
    assert page.url == url_before
    assert page.input_value(f"#id_{rows}-TOTAL_FORMS") == "2"
    page.fill(f"#id_{rows}-1-provision", "5 str. 1 d. 3 p.")
    page.fill(f"#id_{rows}-1-proposed_wording", "Papildyti klasterių organizacijomis.")

    page.click("button.btn-outline-primary[value=save]")
    page.wait_for_selector("#answer-state.alert-secondary")
    assert Response.objects.get().status == Response.Status.DRAFT
    assert ProposalRow.objects.count() == 2

    page.reload()
    assert page.input_value(f"#id_q{q['short']}") == "Pritariame su išlygomis"
    assert (
        page.input_value(f"#id_q{q['long']}") == "Pirma pastraipa.\nAntra pastraipa su <žyme> & simboliais."
    )
    assert page.is_checked(f"#id_q{q['single']}_1")
    assert page.is_checked(f"#id_q{q['multiple']}_0") and page.is_checked(f"#id_q{q['multiple']}_2")
    assert page.input_value(f"#id_q{q['multiple']}_other") == "Kultūra"
    assert page.is_checked(f"#id_q{q['scale']}_3")
    assert page.is_checked(f"#id_q{q['yes_no']}_0")
    assert page.input_value(f"#id_{rows}-1-provision") == "5 str. 1 d. 3 p."
    assert "Rūta Rutkauskienė" in page.inner_text("#edits-heading + ul")

    page.click("button.btn-primary[value=submit]")
    page.wait_for_selector("#answer-state.alert-success")

    version = ResponseVersion.objects.get()
    assert (version.number, version.submitted_by) == (1, ruta.person)
    (receipt,) = mail.outbox
    assert receipt.to == ["ruta@saule.lt"]
    assert "Išbraukti žodį „tik“." in receipt.body
    assert "Papildyti klasterių organizacijomis." in receipt.body
    assert outside_requests == []

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "consultation-answer.png"), full_page=True)


def test_typing_the_text_of_other_chooses_other_and_the_answer_is_submitted(
    live_server, opened, browser_page, settings
):
    settings.SITE_URL = live_server.url
    page, outside_requests = browser_page
    ruta = opened.members["ruta"]
    q = {key: question.pk for key, question in opened.questions.items()}
    _open_answer_page(page, live_server.url, ruta)
    page.fill(f"#id_q{q['short']}", "Pritariame")
    page.check(f"#id_q{q['scale']}_3")
    page.fill(f"#id_q{q['proposals']}-0-provision", "3 str.")
    single_other = f"#id_q{q['single']}_3"  # after the three options of the list
    multiple_other = f"#id_q{q['multiple']}_3"

    # A single choice: the radio button moves from the option chosen to "Other".
    page.check(f"#id_q{q['single']}_1")
    page.type(f"#id_q{q['single']}_other", "Pritariame iš dalies")
    assert page.is_checked(single_other)
    assert not page.is_checked(f"#id_q{q['single']}_1")
    # A multiple choice: "Other" is ticked beside the options already ticked.
    page.check(f"#id_q{q['multiple']}_0")
    page.type(f"#id_q{q['multiple']}_other", "Kultūra")
    assert page.is_checked(multiple_other) and page.is_checked(f"#id_q{q['multiple']}_0")
    # Emptying the text leaves the choice as it is.
    page.fill(f"#id_q{q['multiple']}_other", "")
    assert page.is_checked(multiple_other)
    page.fill(f"#id_q{q['multiple']}_other", "Kultūra")

    page.click("button.btn-primary[value=submit]")
    page.wait_for_selector("#answer-state.alert-success")

    assert page.locator("#error-summary").count() == 0
    version = ResponseVersion.objects.get()
    assert version.submitted_by == ruta.person
    answers = {answer.question_id: answer for answer in Answer.objects.all()}
    assert (answers[q["single"]].choice_indexes, answers[q["single"]].other_text) == (
        [],
        "Pritariame iš dalies",
    )
    assert (answers[q["multiple"]].choice_indexes, answers[q["multiple"]].other_text) == ([0], "Kultūra")
    assert page.is_checked(single_other) and page.is_checked(multiple_other)
    assert outside_requests == []


def test_unticking_other_of_a_multiple_choice_takes_it_away_with_its_text(
    live_server, opened, browser_page, settings
):
    settings.SITE_URL = live_server.url
    page, _outside = browser_page
    ruta = opened.members["ruta"]
    q = {key: question.pk for key, question in opened.questions.items()}
    _open_answer_page(page, live_server.url, ruta)
    multiple_other = f"#id_q{q['multiple']}_3"
    page.check(f"#id_q{q['multiple']}_0")
    page.type(f"#id_q{q['multiple']}_other", "Kultūra")
    _save_draft(page)
    assert Answer.objects.get(question_id=q["multiple"]).other_text == "Kultūra"

    page.uncheck(multiple_other)
    assert page.input_value(f"#id_q{q['multiple']}_other") == ""
    _save_draft(page)

    answer = Answer.objects.get(question_id=q["multiple"])
    assert (answer.choice_indexes, answer.other_text) == ([0], "")
    assert not page.is_checked(multiple_other) and page.is_checked(f"#id_q{q['multiple']}_0")


def test_a_pasted_text_is_kept_whole_and_counted_as_the_server_counts(
    live_server, opened, browser_page, settings
):
    """Text pasted from a PDF or a Mac often comes in decomposed form, two code points a letter
    with a diacritic: the browser does not cut it at the limit, the page counts its letters, and
    the server stores it composed."""
    settings.SITE_URL = live_server.url
    page, outside_requests = browser_page
    ruta = opened.members["ruta"]
    short = f"#id_q{opened.questions['short'].pk}"  # at most 100 characters
    _open_answer_page(page, live_server.url, ruta)
    letters = unicodedata.normalize("NFD", "ąčęėįšųūž" * 10)  # 90 letters, 180 code points
    assert len(letters) == 180

    page.focus(short)
    page.keyboard.insert_text(letters[:100])  # 50 letters: no count yet
    assert page.locator(f"{short} + [data-count]").count() == 0
    page.keyboard.insert_text(letters[100:])
    assert page.input_value(short) == letters
    assert page.text_content(f"{short} + [data-count]") == "90 / 100"
    page.keyboard.insert_text("x" * 11)
    assert page.text_content(f"{short} + [data-count]") == "101 / 100"
    assert "text-danger" in page.get_attribute(f"{short} + [data-count]", "class")
    page.keyboard.press("Backspace")
    page.click("button.btn-outline-primary[value=save]")
    page.wait_for_selector("#answer-state.alert-secondary")

    answer = Answer.objects.get(question=opened.questions["short"])
    assert answer.text == unicodedata.normalize("NFC", letters) + "x" * 10
    assert len(answer.text) == 100
    assert outside_requests == []


def test_leaving_with_answers_not_saved_asks_first_and_saving_or_downloading_does_not(
    live_server, opened, browser_page, settings, tmp_path
):
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path
    document = ConsultationDocument(consultation=opened.consultation, title="Įstatymo projektas")
    document.file.save("projektas.pdf", ContentFile(b"%PDF-1.7 projektas"))
    page, outside_requests = browser_page
    ruta = opened.members["ruta"]
    long = f"#id_q{opened.questions['long'].pk}"
    _open_answer_page(page, live_server.url, ruta)
    dialogs: list[str] = []

    def answer(dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()  # "stay on the page"

    page.on("dialog", answer)

    # Nothing typed yet: the language switch leaves at once.
    page.click("header a[hreflang=en]")
    page.wait_for_url(f"**{ruta.url}")
    assert dialogs == []

    # Typed, not saved: leaving asks, and staying keeps the text.
    page.fill(long, "Pastaba, kurios negalima prarasti.")
    page.click("header a[hreflang=lt]", no_wait_after=True)
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(ruta.url)
    assert page.input_value(long) == "Pastaba, kurios negalima prarasti."

    # The consultation's document downloads without leaving the page, and without asking.
    with page.expect_download() as download:
        page.click("text=Įstatymo projektas")  # the English page keeps the document's title
    assert download.value.suggested_filename == "projektas.pdf"
    assert dialogs == ["beforeunload"]

    # Saving does not ask; once saved, leaving does not either.
    page.click("button.btn-outline-primary[value=save]")
    page.wait_for_selector("#answer-state.alert-secondary")
    assert Answer.objects.get(question=opened.questions["long"]).text == "Pastaba, kurios negalima prarasti."
    page.click("header a[hreflang=lt]")
    page.wait_for_url(f"**{ruta.lt_url}")
    assert dialogs == ["beforeunload"]
    assert outside_requests == []


def test_choosing_a_listed_option_instead_of_other_of_a_single_choice_takes_its_text_away(
    live_server, opened, browser_page, settings
):
    settings.SITE_URL = live_server.url
    page, _outside = browser_page
    ruta = opened.members["ruta"]
    q = {key: question.pk for key, question in opened.questions.items()}
    _open_answer_page(page, live_server.url, ruta)
    single_other = f"#id_q{q['single']}_3"
    page.type(f"#id_q{q['single']}_other", "Pritariame iš dalies")
    assert page.is_checked(single_other)
    _save_draft(page)
    assert Answer.objects.get(question_id=q["single"]).other_text == "Pritariame iš dalies"

    page.check(f"#id_q{q['single']}_1")
    assert not page.is_checked(single_other)
    assert page.input_value(f"#id_q{q['single']}_other") == ""
    _save_draft(page)

    assert page.locator("#error-summary").count() == 0
    answer = Answer.objects.get(question_id=q["single"])
    assert (answer.choice_indexes, answer.other_text) == ([1], "")
    assert page.is_checked(f"#id_q{q['single']}_1") and not page.is_checked(single_other)

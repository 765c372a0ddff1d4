"""The member's answer page: reading, saving drafts, submitting, conflicts, deadlines, security."""

from __future__ import annotations

import datetime
import re
import unicodedata
from urllib.parse import urlencode

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from consultations import selectors, services, views
from consultations.answers import TEXT_MAX_LENGTH
from consultations.models import (
    AccessLink,
    AccessToken,
    Answer,
    ConsultationDocument,
    Invitation,
    ProposalRow,
    Question,
    Response,
    ResponseEdit,
    ResponseVersion,
)
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def answer_form(
    opened, *, version: int = 0, rows=None, saved_rows: int = 0, **overrides
) -> dict[str, object]:
    """What the page posts with every question answered; `overrides` replace fields by key
    (short, long, single, single_other, multiple, multiple_other, scale, yes_no)."""
    q = opened.questions
    fields = {
        "short": "Pritariame iš esmės",
        "long": "Pirma pastraipa.\r\nAntra pastraipa.",
        "single": "1",
        "single_other": "",
        "multiple": ["0", "2"],
        "multiple_other": "Kultūra",
        "scale": "4",
        "yes_no": "yes",
        **overrides,
    }
    names = {
        "short": f"q{q['short'].pk}",
        "long": f"q{q['long'].pk}",
        "single": f"q{q['single'].pk}",
        "single_other": f"q{q['single'].pk}_other",
        "multiple": f"q{q['multiple'].pk}",
        "multiple_other": f"q{q['multiple'].pk}_other",
        "scale": f"q{q['scale'].pk}",
        "yes_no": f"q{q['yes_no'].pk}",
    }
    data: dict[str, object] = {"version": str(version)}
    for key, value in fields.items():
        if value is not None:
            data[names[key]] = value
    rows = rows if rows is not None else [("3 str. 2 d.", "Išbraukti žodį „tik“.", "Per siaura.")]
    prefix = f"q{q['proposals'].pk}"
    data |= {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(saved_rows),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "200",
    }
    for index, row in enumerate(rows):
        provision, wording, justification, *delete = row
        data |= {
            f"{prefix}-{index}-provision": provision,
            f"{prefix}-{index}-proposed_wording": wording,
            f"{prefix}-{index}-justification": justification,
        }
        if delete and delete[0]:
            data[f"{prefix}-{index}-DELETE"] = "on"
    return data


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _text(response) -> str:
    return response.content.decode()


# --- reading ------------------------------------------------------------------------------------------


def test_the_page_shows_the_consultation_and_every_kind_of_question(opened, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    document = ConsultationDocument(consultation=opened.consultation, title="Įstatymo projektas")
    document.file.save("projektas.pdf", ContentFile(b"%PDF-1.7 projektas"))
    ruta = opened.members["ruta"]

    page = ruta.client().get(ruta.url)

    content = _text(page)
    assert page.status_code == 200
    assert "Saulės klasteris" in content
    assert "Dėl Inovacijų įstatymo pakeitimo" in content
    assert "<strong>projekto</strong>" in content  # the background's Markdown
    assert reverse("consultations:document", args=[ruta.invitation.pk, document.pk]) in content
    assert "data-time-left" in content
    for question in opened.questions.values():
        assert question.text in content
    q = opened.questions
    # The limit is the server's and the page's script's (a browser would cut pasted text at it).
    assert f'name="q{q["short"].pk}"' in content and 'data-limit="100"' in content
    assert "maxlength" not in content
    assert f'<textarea name="q{q["long"].pk}"' in content
    assert content.count(f'type="radio" class="form-check-input"  name="q{q["single"].pk}"') == 4  # 3 + other
    assert f'name="q{q["single"].pk}_other"' in content
    assert content.count(f'name="q{q["multiple"].pk}"') == 4
    assert content.count(f'name="q{q["scale"].pk}"') == 5
    assert content.count(f'name="q{q["yes_no"].pk}"') == 2
    assert f'name="q{q["proposals"].pk}-0-provision"' in content
    assert f'name="q{q["proposals"].pk}-TOTAL_FORMS"' in content
    assert 'value="add-row-' in content
    assert "js/answer.js" in content
    assert "Required on submission." in content
    assert 'aria-required="true"' in content


def test_the_page_shows_the_deadline_in_lithuanian_with_the_time_left(opened):
    ruta = opened.members["ruta"]
    type(opened.consultation).objects.filter(pk=opened.consultation.pk).update(
        opens_at=datetime.datetime(2026, 12, 1, 8, 0, tzinfo=datetime.UTC),
        internal_deadline=datetime.datetime(2026, 12, 18, 15, 0, tzinfo=datetime.UTC),  # 17:00 in Vilnius
        external_deadline=None,
    )
    with time_machine.travel(datetime.datetime(2026, 12, 15, 14, 0, tzinfo=datetime.UTC), tick=False):
        client = ruta.client()
        lithuanian = _text(client.get(ruta.lt_url))
        english = _text(client.get(ruta.url))
    with time_machine.travel(datetime.datetime(2026, 12, 18, 14, 30, 30, tzinfo=datetime.UTC), tick=False):
        last_hour = _text(client.get(ruta.url))
    assert '<time datetime="2026-12-18T17:00:00+02:00">2026 m. gruodžio 18 d., 17:00</time>' in lithuanian
    assert "(3 days 1 hour left)" in english
    assert "(29 minutes left)" in last_hour


def test_looking_at_the_page_changes_nothing(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    before = (Response.objects.count(), ResponseEdit.objects.count(), Answer.objects.count())
    for _ in range(2):
        assert client.get(ruta.url).status_code == 200
    assert (
        (Response.objects.count(), ResponseEdit.objects.count(), Answer.objects.count())
        == before
        == (0, 0, 0)
    )


# --- saving and submitting ----------------------------------------------------------------------------


def test_saving_a_draft_stores_the_answers_and_shows_them_again(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()

    saved = client.post(
        ruta.url, {**answer_form(opened, short="", single=None, scale=None), "action": "save"}
    )

    assert saved.status_code == 302
    assert saved["Location"] == ruta.url
    assert saved["Referrer-Policy"] == "no-referrer"
    response = Response.objects.get()
    assert (response.status, response.version) == ("draft", 1)
    assert Answer.objects.get(question=opened.questions["long"]).text == "Pirma pastraipa.\nAntra pastraipa."
    assert ProposalRow.objects.get().provision == "3 str. 2 d."
    page = client.get(ruta.url)
    content = _text(page)
    assert "Draft saved." in content
    assert "Pirma pastraipa.\nAntra pastraipa.</textarea>" in content
    assert 'value="3 str. 2 d."' in content
    assert 'name="version" value="1"' in content
    assert "Rūta Rutkauskienė" in content  # worked on the answer
    assert mail.outbox == []


def test_invalid_answers_are_shown_with_a_summary_and_what_was_typed_is_kept(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    too_long = "Ž" * 101

    page = client.post(
        ruta.url,
        {
            **answer_form(opened, short=too_long, long="Mano ilgas tekstas", single="0", single_other="Kita"),
            "action": "save",
        },
    )

    content = _text(page)
    assert page.status_code == 200
    assert 'id="error-summary"' in content
    assert f'href="#id_q{opened.questions["short"].pk}"' in content
    assert f'href="#question-{opened.questions["single"].pk}"' in content
    assert "Ensure this value has at most 100 characters (it has 101)." in content
    assert "Choose one option" in content
    assert f'value="{too_long}"' in content
    assert "Mano ilgas tekstas</textarea>" in content
    assert 'value="Kita"' in content
    assert not Response.objects.exists()


def test_submitting_without_required_answers_keeps_the_draft_unsent_and_the_text_typed(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()

    page = client.post(
        ruta.url,
        {**answer_form(opened, short="", scale=None, long="Ilgas atsakymas", rows=[]), "action": "submit"},
    )

    content = _text(page)
    assert page.status_code == 200
    assert content.count("This question must be answered before submitting.") >= 3
    assert "Ilgas atsakymas</textarea>" in content
    assert not Response.objects.exists()
    assert mail.outbox == []


EMPTY = {
    "short": "",
    "long": "",
    "single": None,
    "single_other": "",
    "multiple": None,
    "multiple_other": "",
    "scale": None,
    "yes_no": None,
}


def test_an_empty_answer_is_not_submitted_even_where_no_question_is_required(opened):
    opened.consultation.questions.update(required=False)
    ruta = opened.members["ruta"]
    client = ruta.client()

    page = client.post(ruta.url, {**answer_form(opened, rows=[], **EMPTY), "action": "submit"})

    assert page.status_code == 200
    assert "Answer at least one question before submitting: an empty answer is not sent." in _text(page)
    assert not Response.objects.exists()
    ruta.invitation.refresh_from_db()
    assert ruta.invitation.submitted_at is None
    assert mail.outbox == []
    # One answer is enough.
    one = client.post(
        ruta.url, {**answer_form(opened, rows=[], **(EMPTY | {"yes_no": "no"})), "action": "submit"}
    )
    assert one.status_code == 302
    assert Response.objects.get().versions.count() == 1


def test_a_submitted_answer_emptied_is_not_submitted_again(opened):
    opened.consultation.questions.update(required=False)
    ruta = opened.members["ruta"]
    client = ruta.client()
    assert client.post(ruta.url, {**answer_form(opened), "action": "submit"}).status_code == 302

    page = client.post(ruta.url, {**answer_form(opened, version=1, rows=[], **EMPTY), "action": "submit"})

    assert page.status_code == 200
    assert "an empty answer is not sent" in _text(page)
    response = Response.objects.get()
    assert response.versions.count() == 1
    assert response.status == Response.Status.SUBMITTED


def test_submitting_sends_the_receipt_and_the_page_shows_the_version(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()

    submitted = client.post(ruta.url, {**answer_form(opened), "action": "submit"})

    assert submitted.status_code == 302
    assert "version 1" in _messages(submitted)[0]
    (receipt,) = mail.outbox
    assert receipt.to == ["ruta@saule.lt"]
    assert "Išbraukti žodį „tik“." in receipt.body
    content = _text(client.get(ruta.url))
    assert "Submitted to the association: version 1" in content
    assert "Submit the amended answer" in content
    assert "Version 1, by Rūta Rutkauskienė" in content


def test_on_a_shared_computer_the_answer_is_saved_as_the_person_who_opened_their_link_last(opened):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    client = jonas.client()  # Jonas opened his link on this computer earlier
    # Rūta opens her own link in the same browser, and submits.
    assert client.post(reverse("consultations:access", kwargs={"token": ruta.token})).status_code == 302

    submitted = client.post(ruta.url, {**answer_form(opened), "action": "submit"})

    assert submitted.status_code == 302
    assert "ruta@saule.lt" in _messages(submitted)[0]
    assert ResponseEdit.objects.get().person == ruta.person
    assert Response.objects.get().submitted_by == ruta.person
    assert ResponseVersion.objects.get().submitted_by == ruta.person
    (receipt,) = mail.outbox
    assert receipt.to == ["ruta@saule.lt"]
    # The browser holds Rūta's link to the invitation alone now.
    assert views.held_links(client.get(ruta.url).wsgi_request) == [(ruta.link.pk, ruta.link.browser_key)]

    # Jonas opens his link again: the browser saves as him from then on.
    client.post(reverse("consultations:access", kwargs={"token": jonas.token}))
    client.post(ruta.url, {**answer_form(opened, version=1, short="Jono pataisa"), "action": "save"})
    assert ResponseEdit.objects.latest("created_at", "id").person == jonas.person


def test_of_the_links_a_browser_holds_to_an_invitation_the_one_it_opened_last_is_used(opened):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    held = {key: (member.link.pk, member.link.browser_key) for key, member in opened.members.items()}
    client = Client()
    # A cookie holding both colleagues' links, Rūta's opened last.
    client.cookies[views.LINKS_COOKIE] = views.links_cookie_value([held["jonas"], held["ruta"]])

    client.post(ruta.url, {**answer_form(opened), "action": "save"})

    assert ResponseEdit.objects.get().person == ruta.person
    found = selectors.access_link_for_browser(
        links=[held["ruta"], held["egle"], held["jonas"]], invitation_id=ruta.invitation.pk
    )
    assert found == jonas.link
    assert found.person == jonas.person


def test_amending_after_submission_makes_version_two_and_keeps_version_one(opened):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    ruta.client().post(ruta.url, {**answer_form(opened), "action": "submit"})
    mail.outbox.clear()
    client = jonas.client()

    assert jonas.invitation == ruta.invitation
    saved = client.post(jonas.url, {**answer_form(opened, version=1, scale="2"), "action": "save"})
    assert saved.status_code == 302
    content = _text(client.get(jonas.url))
    assert "Changes saved since then have not been submitted" in content

    client.post(jonas.url, {**answer_form(opened, version=2, scale="2"), "action": "submit"})

    assert list(ResponseVersion.objects.values_list("number", flat=True).order_by("number")) == [1, 2]
    assert sorted(m.to[0] for m in mail.outbox) == ["jonas@saule.lt", "ruta@saule.lt"]
    content = _text(client.get(jonas.url))
    assert "Version 2, by Jonas Jonaitis" in content
    assert "Version 1, by Rūta Rutkauskienė" in content


def test_submitting_the_submitted_answer_again_keeps_what_is_on_the_page_as_the_draft(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    client.post(ruta.url, {**answer_form(opened), "action": "submit"})
    client.post(ruta.url, {**answer_form(opened, version=1, short="Pakeista"), "action": "save"})

    # The member types the submitted text back and submits: nothing new to submit.
    refused = client.post(ruta.url, {**answer_form(opened, version=2), "action": "submit"}, follow=True)

    content = _text(refused)
    assert "Nothing has changed since the last submission (version 1)." in content
    assert "Changes saved since then have not been submitted" not in content
    # What was typed is kept: the draft is the submitted answer again, not "Pakeista".
    assert Answer.objects.get(question=opened.questions["short"]).text == "Pritariame iš esmės"
    assert ResponseVersion.objects.count() == 1
    assert not Response.objects.get().has_unsubmitted_changes


def test_other_ticked_without_its_text_is_refused_not_dropped(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()

    for action in ("save", "submit"):
        refused = client.post(
            ruta.url, {**answer_form(opened, multiple=["0", "other"], multiple_other=""), "action": action}
        )
        assert refused.status_code == 200
        assert "Describe “Other”, or untick it." in _text(refused)
    assert not Response.objects.exists()
    # Single choice too; with its text, or unticked, it saves.
    refused = client.post(
        ruta.url, {**answer_form(opened, single="other", single_other=""), "action": "save"}
    )
    assert "Describe “Other”, or untick it." in _text(refused)
    saved = client.post(
        ruta.url, {**answer_form(opened, single="other", single_other="Mišrus"), "action": "save"}
    )
    assert saved.status_code == 302
    assert Answer.objects.get(question=opened.questions["single"]).other_text == "Mišrus"


def test_an_incomplete_proposal_is_named_by_the_row_the_member_sees(opened):
    ruta = opened.members["ruta"]
    rows = [("1 str.", "Nauja", ""), ("", "", ""), ("", "", "Tik pagrindimas")]

    refused = ruta.client().post(ruta.url, {**answer_form(opened, rows=rows), "action": "save"})

    assert refused.status_code == 200
    rows_html = _text(refused).split("data-proposal-row>")[1:4]  # (the fourth: a new row's template)
    message = "Name the provision or give the proposed wording."
    assert [message in row for row in rows_html] == [False, False, True]
    assert not Response.objects.exists()


def test_a_long_proposals_table_is_saved_and_one_too_long_is_refused_with_what_was_typed(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    rows = [(f"{n} str.", f"Nauja redakcija Nr. {n}", "Pagrindimas") for n in range(1, 201)]

    saved = client.post(ruta.url, {**answer_form(opened, rows=rows), "action": "save"})

    assert saved.status_code == 302
    assert ProposalRow.objects.count() == 200
    too_long = [*rows, ("201 str.", "Vienas per daug", "")]
    refused = client.post(
        ruta.url, {**answer_form(opened, version=1, rows=too_long, saved_rows=200), "action": "save"}
    )
    assert refused.status_code == 200
    assert "A proposals table holds at most 200 rows" in _text(refused)
    assert "Vienas per daug" in _text(refused)
    assert ProposalRow.objects.count() == 200


def test_long_answers_in_lithuanian_are_taken_in_one_request(opened):
    # Each text at the product's own limit, all of it Lithuanian letters: six bytes a letter once
    # form-encoded, some 2.7 MB in all, past Django's default of 2.5 MB a request.
    ruta = opened.members["ruta"]
    for key in ("long", "proposals"):
        opened.questions[key].max_length = None
        opened.questions[key].save(update_fields=["max_length"])
    text = "ąčęėįšųūž" * (TEXT_MAX_LENGTH // 9)
    rows = [(f"{n} str.", text, text) for n in range(1, 5)]
    data = {**answer_form(opened, long=text, rows=rows), "action": "save"}

    saved = ruta.client().post(ruta.url, data)

    assert saved.status_code == 302
    assert Answer.objects.get(question=opened.questions["long"]).text == text
    assert [row.justification == text for row in ProposalRow.objects.all()] == [True] * 4


def test_proposal_rows_are_added_without_javascript_and_removed_with_their_checkbox(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    prefix = f"q{opened.questions['proposals'].pk}"
    data = answer_form(opened, rows=[("1 str.", "Nauja redakcija", "")])

    added = client.post(ruta.url, {**data, "action": f"add-row-{opened.questions['proposals'].pk}"})

    content = _text(added)
    assert added.status_code == 200
    assert f'name="{prefix}-TOTAL_FORMS" value="2"' in content
    assert f'name="{prefix}-1-provision"' in content
    assert 'value="1 str."' in content
    assert not Response.objects.exists()  # adding a row saves nothing

    two_rows = answer_form(
        opened, rows=[("1 str.", "Nauja redakcija", ""), ("2 str.", "Kita redakcija", "Nes")]
    )
    client.post(ruta.url, {**two_rows, "action": "save"})
    assert list(ProposalRow.objects.order_by("position").values_list("provision", flat=True)) == [
        "1 str.",
        "2 str.",
    ]
    page = _text(client.get(ruta.url))
    assert f'name="{prefix}-0-DELETE"' in page  # saved rows can be removed
    assert f'name="{prefix}-2-DELETE"' not in page  # the empty row cannot

    removed = answer_form(
        opened,
        version=1,
        saved_rows=2,
        rows=[("1 str.", "Nauja redakcija", "", True), ("2 str.", "Kita redakcija", "Nes"), ("", "", "")],
    )
    client.post(ruta.url, {**removed, "action": "save"})
    assert list(ProposalRow.objects.values_list("provision", flat=True)) == ["2 str."]


def test_a_stale_save_is_refused_with_what_changed_and_keeps_what_was_typed(opened):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    ruta_client, jonas_client = ruta.client(), jonas.client()
    ruta_client.post(ruta.url, {**answer_form(opened), "action": "save"})
    # Both open the page at version 1; Jonas saves first.
    jonas_client.post(jonas.url, {**answer_form(opened, version=1, short="Jono pozicija"), "action": "save"})

    refused = ruta_client.post(
        ruta.url, {**answer_form(opened, version=1, long="Rūtos nauja pastraipa"), "action": "save"}
    )

    content = _text(refused)
    assert refused.status_code == 409
    assert 'id="conflict"' in content
    # The heading holds whoever saved it, a colleague or the same person in another window.
    assert "The answer was saved again while you were editing" in content
    assert "Jonas Jonaitis" in content
    assert opened.questions["short"].text in content
    assert "Jono pozicija" in content
    assert "Rūtos nauja pastraipa</textarea>" in content
    assert 'name="version" value="2"' in content  # saving again is now a knowing choice
    assert Answer.objects.get(question=opened.questions["long"]).text == "Pirma pastraipa.\nAntra pastraipa."

    again = ruta_client.post(
        ruta.url, {**answer_form(opened, version=2, long="Rūtos nauja pastraipa"), "action": "save"}
    )
    assert again.status_code == 302
    assert Answer.objects.get(question=opened.questions["long"]).text == "Rūtos nauja pastraipa"


def test_a_save_after_the_link_was_sent_again_is_refused_and_gives_back_what_was_typed(
    opened, policy_officer
):
    ruta = opened.members["ruta"]
    client = ruta.client()
    client.get(ruta.url)
    # Staff send Rūta a new link while she types: the one her browser holds stops working.
    services.access_link_reissue(access_link=ruta.link, user=policy_officer)
    data = answer_form(
        opened,
        long="Mūsų pastabos <script>alert(1)</script>",
        rows=[("3 str. 2 d.", "Nauja „redakcija“", "")],
    )

    refused = client.post(ruta.url, {**data, "action": "save"})

    content = _text(refused)
    assert refused.status_code == 404
    assert "This link does not work" in content
    assert "What you typed was not saved" in content
    texts = re.findall(r"<textarea[^>]*readonly[^>]*>(.*?)</textarea>", content, re.S)
    assert texts == [
        "Pritariame iš esmės",
        "Mūsų pastabos &lt;script&gt;alert(1)&lt;/script&gt;",
        "Kultūra",
        "3 str. 2 d.",
        "Nauja „redakcija“",
    ]
    # Only what the browser sent: nothing of the consultation, which the link no longer opens.
    assert opened.consultation.title not in content
    assert opened.questions["long"].text not in content
    assert not Answer.objects.exists()


def test_a_refused_link_without_a_save_shows_no_typed_texts(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    ruta.link.revoked_at = timezone.now()
    ruta.link.save(update_fields=["revoked_at"])

    assert "What you typed" not in _text(client.get(ruta.url))


def test_a_refused_save_gives_back_text_answers_written_in_figures_but_not_the_options_chosen(
    opened, policy_officer
):
    ruta = opened.members["ruta"]
    client = ruta.client()
    services.access_link_revoke(access_link=ruta.link, user=policy_officer)
    data = answer_form(opened, short="2030", long="45", multiple_other="10", rows=[("5", "12", "yes")])

    refused = client.post(ruta.url, {**data, "action": "save"})

    assert refused.status_code == 404
    texts = re.findall(r"<textarea[^>]*readonly[^>]*>(.*?)</textarea>", _text(refused), re.S)
    # Not the option chosen (1), the options ticked (0, 2), the point of the scale (4) nor "yes".
    assert texts == ["2030", "45", "10", "5", "12", "yes"]


def test_a_post_without_a_proposals_tables_hidden_inputs_saves_without_a_technical_error(opened):
    """A page opened before staff added a proposals question has no table for it: what it posts
    saves (the new question unanswered), never with Django's "ManagementForm data is missing"."""
    ruta = opened.members["ruta"]
    added = services.question_save(
        question=Question(
            consultation=opened.consultation,
            position=99,
            kind=Question.Kind.PROPOSALS,
            text="Kiti pasiūlymai",
        )
    )

    saved = ruta.client().post(ruta.url, {**answer_form(opened), "action": "save"})

    assert saved.status_code == 302, _text(saved)
    assert Answer.objects.count() == 7
    assert not Answer.objects.filter(question=added).exists()


def test_the_page_after_a_wording_fix_does_not_take_the_same_answers_for_changes(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    assert client.post(ruta.url, {**answer_form(opened), "action": "submit"}).status_code == 302
    single = opened.questions["single"]
    single.text = "Ar pritariate pataisytam projektui?"
    single.choices = ["Pritariame", "Pritariame su pastabomis", "Visiškai nepritariame"]
    services.question_save(question=single, wording_fix_confirmed=True)
    # A change saved as a draft, then undone: the answers are those submitted again.
    client.post(ruta.url, {**answer_form(opened, version=1, saved_rows=1, short="Kitaip"), "action": "save"})
    client.post(ruta.url, {**answer_form(opened, version=2, saved_rows=1), "action": "save"})

    page = _text(client.get(ruta.url))
    assert "Submitted to the association: version 1" in page
    assert "have not been submitted" not in page

    mail.outbox.clear()
    again = client.post(ruta.url, {**answer_form(opened, version=3, saved_rows=1), "action": "submit"})
    assert again.status_code == 302
    assert _messages(again) == ["Nothing has changed since the last submission (version 1)."]
    assert ResponseVersion.objects.count() == 1
    assert mail.outbox == []


# --- questions changed by staff while the page was open ---------------------------------------------


def _questions_shown(page) -> str:
    """The fingerprint of the questions a page shows, as its form posts it back (none: "")."""
    found = re.search(r'name="questions_shown" value="([^"]*)"', _text(page))
    return found.group(1) if found else ""


def _checked(content: str, name: str) -> list[str]:
    """The values of the options of a radio or checkbox list that the page shows ticked."""
    return re.findall(rf'name="{name}" value="([^"]*)"[^>]*\bchecked\b', content)


def test_a_save_after_staff_reordered_the_options_is_refused_and_the_choice_is_not_moved(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    single = opened.questions["single"]
    shown = _questions_shown(client.get(ruta.url))
    # Rūta chooses "Pritariame su pastabomis", the second option on her page; nobody has answered
    # yet, so staff may put the options in another order meanwhile.
    data = {**answer_form(opened, single="1", short="Mūsų pozicija"), "questions_shown": shown}
    single.choices = ["Nepritariame", "Pritariame", "Pritariame su pastabomis"]
    services.question_save(question=single)

    refused = client.post(ruta.url, {**data, "action": "save"})

    content = _text(refused)
    assert refused.status_code == 409
    assert 'id="questions-changed"' in content
    assert "Nothing was saved: the questions were changed after you opened this page." in content
    assert not Response.objects.exists()
    assert not Answer.objects.exists()
    assert _messages(refused) == []
    # The page holds the current options, none of them ticked (the place posted was another
    # option's); the other answers are where they were typed and chosen.
    assert content.index(">Nepritariame</label>") < content.index(">Pritariame</label>")
    assert _checked(content, f"q{single.pk}") == []
    assert 'value="Mūsų pozicija"' in content
    assert "Pirma pastraipa.\r\nAntra pastraipa.</textarea>" in content
    assert _checked(content, f"q{opened.questions['multiple'].pk}") == ["0", "2"]
    assert _checked(content, f"q{opened.questions['scale'].pk}") == ["4"]
    assert "Išbraukti žodį „tik“.</textarea>" in content

    # Saved from the page shown now, the option chosen is the one meant.
    again = client.post(
        ruta.url,
        {
            **answer_form(opened, single="2", short="Mūsų pozicija"),
            "questions_shown": _questions_shown(refused),
            "action": "save",
        },
    )
    assert again.status_code == 302
    answer = Answer.objects.get(question=single)
    assert [single.choices[index] for index in answer.choice_indexes] == ["Pritariame su pastabomis"]


def test_a_save_after_staff_removed_a_question_is_refused_and_gives_back_its_text(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    long_ = opened.questions["long"]
    data = {
        **answer_form(opened, long="Ilgas, kruopščiai parašytas atsakymas"),
        "questions_shown": _questions_shown(client.get(ruta.url)),
    }
    services.question_delete(question=long_)

    refused = client.post(ruta.url, {**data, "action": "save"})

    content = _text(refused)
    assert refused.status_code == 409
    assert "Nothing was saved" in content
    assert "Draft saved" not in content
    assert _messages(refused) == []
    assert not Answer.objects.exists()
    assert f'name="q{long_.pk}"' not in content
    # The text of the question removed, to copy; nothing of the answers still on the page.
    typed = re.search(r'id="questions-changed".*?</div>', content, re.S).group(0)
    assert re.findall(r"<textarea[^>]*readonly[^>]*>(.*?)</textarea>", typed, re.S) == [
        "Ilgas, kruopščiai parašytas atsakymas"
    ]
    assert 'value="Pritariame iš esmės"' in content


def test_the_page_says_in_lithuanian_that_the_questions_changed_and_nothing_was_saved(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    data = {**answer_form(opened), "questions_shown": _questions_shown(client.get(ruta.lt_url))}
    services.question_delete(question=opened.questions["yes_no"])

    refused = client.post(ruta.lt_url, {**data, "action": "save"})

    content = _text(refused)
    assert refused.status_code == 409
    assert "Kol atsakinėjote, klausimai buvo pakeisti" in content
    assert "Niekas nebuvo išsaugota: po to, kai atvėrėte šį puslapį, klausimai buvo pakeisti." in content


def test_a_save_after_staff_added_a_proposals_question_is_refused_and_the_page_then_saves(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    data = {**answer_form(opened), "questions_shown": _questions_shown(client.get(ruta.url))}
    added = services.question_save(
        question=Question(
            consultation=opened.consultation,
            position=99,
            kind=Question.Kind.PROPOSALS,
            text="Kiti pasiūlymai",
        )
    )

    # The page had no table for it, so it posts none of its management form.
    refused = client.post(ruta.url, {**data, "action": "save"})

    content = _text(refused)
    assert refused.status_code == 409
    assert "Nothing was saved" in content
    assert "ManagementForm" not in content
    assert not Response.objects.exists()
    assert "Kiti pasiūlymai" in content
    # The new table as a GET shows it: one empty row to type into.
    hidden = dict(re.findall(rf'<input type="hidden" name="(q{added.pk}-[A-Z_]+)" value="([^"]*)"', content))
    assert hidden[f"q{added.pk}-TOTAL_FORMS"] == "1"

    again = client.post(
        ruta.url,
        {
            **data,
            **hidden,
            f"q{added.pk}-0-provision": "7 str.",
            f"q{added.pk}-0-proposed_wording": "Nauja redakcija",
            "questions_shown": _questions_shown(refused),
            "action": "save",
        },
    )
    assert again.status_code == 302
    assert list(ProposalRow.objects.filter(answer__question=added).values_list("provision", flat=True)) == [
        "7 str."
    ]


def test_a_submit_after_staff_changed_a_questions_kind_is_refused_and_keeps_text_that_still_fits(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    data = {**answer_form(opened), "questions_shown": _questions_shown(client.get(ruta.url))}
    short, yes_no = opened.questions["short"], opened.questions["yes_no"]
    short.kind = Question.Kind.LONG_TEXT
    services.question_save(question=short)
    yes_no.kind = Question.Kind.SCALE
    services.question_save(question=yes_no)

    refused = client.post(ruta.url, {**data, "action": "submit"})

    content = _text(refused)
    assert refused.status_code == 409
    assert "Nothing was saved" in content
    assert not ResponseVersion.objects.exists()
    assert mail.outbox == []
    # The short text is still a text, now a long one; "yes" is no point of the scale.
    assert "Pritariame iš esmės</textarea>" in content
    assert _checked(content, f"q{yes_no.pk}") == []


def test_a_save_after_staff_only_reworded_a_question_is_not_refused(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    data = {**answer_form(opened), "questions_shown": _questions_shown(client.get(ruta.url))}
    single = opened.questions["single"]
    single.text = "Ar pritariate įstatymo projektui?"
    single.help_text = "Pasirinkite vieną."
    services.question_save(question=single)

    assert client.post(ruta.url, {**data, "action": "save"}).status_code == 302
    assert Answer.objects.count() == 7


def test_a_save_after_staff_only_reordered_the_questions_is_refused_with_every_answer_kept(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    data = {**answer_form(opened), "questions_shown": _questions_shown(client.get(ruta.url))}
    proposals = opened.questions["proposals"]
    proposals.position = 0
    services.question_save(question=proposals)

    refused = client.post(ruta.url, {**data, "action": "save"})

    content = _text(refused)
    assert refused.status_code == 409
    assert "readonly" not in re.search(r'id="questions-changed".*?</div>', content, re.S).group(0)
    assert content.index("Pasiūlymai dėl projekto nuostatų") < content.index(opened.questions["short"].text)
    assert 'value="Pritariame iš esmės"' in content
    assert _checked(content, f"q{opened.questions['single'].pk}") == ["1"]
    assert "Išbraukti žodį „tik“.</textarea>" in content
    again = client.post(ruta.url, {**data, "questions_shown": _questions_shown(refused), "action": "save"})
    assert again.status_code == 302
    assert Answer.objects.count() == 7


def test_the_questions_are_checked_again_when_the_save_reads_them(opened, monkeypatch):
    """Staff change a question between the page's reading of the questions and the save's."""
    ruta = opened.members["ruta"]
    client = ruta.client()
    long_ = opened.questions["long"]
    data = {
        **answer_form(opened, long="Ilgas atsakymas"),
        "questions_shown": _questions_shown(client.get(ruta.url)),
    }
    save_draft = services.response_save_draft

    def staff_remove_a_question_first(**arguments):
        services.question_delete(question=long_)
        return save_draft(**arguments)

    monkeypatch.setattr(services, "response_save_draft", staff_remove_a_question_first)

    refused = client.post(ruta.url, {**data, "action": "save"})

    content = _text(refused)
    assert refused.status_code == 409
    assert "Nothing was saved" in content
    assert f'name="q{long_.pk}"' not in content
    assert "Ilgas atsakymas</textarea>" in content
    assert not Answer.objects.exists()


# --- deadline and closing -----------------------------------------------------------------------------


def test_after_the_deadline_the_page_is_read_only_and_late_saves_are_refused(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    deadline = opened.consultation.internal_deadline

    with time_machine.travel(deadline - datetime.timedelta(seconds=1), tick=False):
        before = client.post(ruta.url, {**answer_form(opened), "action": "save"})
    assert before.status_code == 302

    with time_machine.travel(deadline, tick=False):
        page = client.get(ruta.url)
        late = client.post(
            ruta.url, {**answer_form(opened, version=1, long="Pavėluotas tekstas"), "action": "save"}
        )

    content = _text(page)
    assert page.status_code == 200
    assert "The deadline has passed. The answer can be read but no longer changed." in content
    assert "it was not submitted, so the association has not received it." in content
    assert "receives the answer only when it is submitted" not in content
    assert 'value="save"' not in content and 'value="submit"' not in content
    assert "readonly" in content
    assert "Pirma pastraipa." in content
    assert late.status_code == 409
    assert "The deadline has passed; the answer can be read but not changed." in _text(late)
    assert "Pavėluotas tekstas</textarea>" in _text(late)
    assert Response.objects.get().version == 1


def _proposal_legends(content: str) -> list[str]:
    """The numbers of the proposal rows on the page, as their legends show them."""
    return re.findall(r"(?:Pasiūlymas|Proposal) <span data-row-number>(\d*)</span>", content)


def test_after_the_deadline_the_page_shows_only_the_saved_proposals_without_removing_them(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    prefix = f"q{opened.questions['proposals'].pk}"
    deadline = opened.consultation.internal_deadline
    rows = [("1 str.", "Nauja redakcija", "Aiškiau"), ("2 str.", "Kita redakcija", "")]
    with time_machine.travel(deadline - datetime.timedelta(minutes=5), tick=False):
        client.post(ruta.url, {**answer_form(opened, rows=rows), "action": "save"})
        editable = _text(client.get(ruta.lt_url))
    # While the answer can be changed: the saved rows with their checkboxes, and an empty row.
    assert _proposal_legends(editable) == ["1", "2", "3", ""]  # the last: the new row's <template>
    assert f'name="{prefix}-0-DELETE"' in editable
    assert "Pašalinti šį pasiūlymą" in editable

    with time_machine.travel(deadline, tick=False):
        page = client.get(ruta.lt_url)

    content = _text(page)
    assert page.status_code == 200
    assert "Terminas pasibaigė. Atsakymą galima skaityti, bet nebegalima keisti." in content
    assert _proposal_legends(content) == ["1", "2"]  # no empty "Pasiūlymas 3"
    assert "Nauja redakcija" in content and "Kita redakcija" in content
    assert "DELETE" not in content
    assert "Pašalinti šį pasiūlymą" not in content
    assert f'name="{prefix}-2-provision"' not in content
    assert 'value="add-row-' not in content and f'id="{prefix}-empty"' not in content


def test_a_refused_late_post_shows_the_typed_proposals_without_an_empty_row_or_removing(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    deadline = opened.consultation.internal_deadline
    saved = [("1 str.", "Nauja redakcija", ""), ("2 str.", "Šalintina redakcija", "")]
    with time_machine.travel(deadline - datetime.timedelta(minutes=5), tick=False):
        client.post(ruta.url, {**answer_form(opened, rows=saved), "action": "save"})
    typed = answer_form(
        opened,
        version=1,
        saved_rows=2,
        rows=[
            ("1 str.", "Pavėluota redakcija", ""),
            ("2 str.", "Šalintina redakcija", "", True),
            ("", "", ""),
        ],
    )

    with time_machine.travel(deadline, tick=False):
        late = client.post(ruta.url, {**typed, "action": "save"})

    content = _text(late)
    assert late.status_code == 409
    assert _proposal_legends(content) == ["1"]
    assert "Pavėluota redakcija" in content
    assert "Šalintina redakcija" not in content  # ticked for removal
    assert "DELETE" not in content and "Remove this proposal" not in content
    assert Response.objects.get().version == 1


def test_a_closed_consultation_shows_the_submitted_proposals_only(opened, policy_officer):
    ruta = opened.members["ruta"]
    client = ruta.client()
    client.post(ruta.url, {**answer_form(opened), "action": "submit"})
    services.consultation_close(consultation=opened.consultation, user=policy_officer)

    content = _text(client.get(ruta.lt_url))

    assert "Konsultacija uždaryta. Atsakymą galima skaityti, bet nebegalima keisti." in content
    assert _proposal_legends(content) == ["1"]
    assert "Išbraukti žodį „tik“." in content
    assert "DELETE" not in content and "Pašalinti šį pasiūlymą" not in content


def test_a_consultation_closed_before_its_deadline_asks_for_no_more_submits_and_shows_no_time_left(
    opened, policy_officer
):
    ruta = opened.members["ruta"]
    client = ruta.client()
    client.post(ruta.url, {**answer_form(opened), "action": "submit"})
    client.post(ruta.url, {**answer_form(opened, version=1, short="Pakeista"), "action": "save"})
    assert "data-time-left" in _text(client.get(ruta.lt_url))
    assert "Pateikite juos" in _text(client.get(ruta.lt_url))

    services.consultation_close(consultation=opened.consultation, user=policy_officer)
    content = _text(client.get(ruta.lt_url))

    assert opened.consultation.internal_deadline > timezone.now()
    assert "Konsultacija uždaryta." in content
    assert (
        "Vėliau išsaugoti pakeitimai nebuvo pateikti, todėl asociacija turi aukščiau nurodytą versiją."
        in content
    )
    assert "Pateikite juos" not in content
    assert "data-time-left" not in content and "liko" not in content


def test_a_read_only_page_without_proposals_shows_a_dash_not_an_empty_row(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    with time_machine.travel(
        opened.consultation.internal_deadline - datetime.timedelta(minutes=5), tick=False
    ):
        client.post(ruta.url, {**answer_form(opened, rows=[]), "action": "save"})

    with time_machine.travel(opened.consultation.internal_deadline, tick=False):
        content = _text(client.get(ruta.url))

    assert _proposal_legends(content) == []
    assert '<p class="text-muted">—</p>' in content


def test_after_closing_a_session_still_reads_the_answer_but_an_archived_one_is_gone(opened, policy_officer):
    ruta = opened.members["ruta"]
    client = ruta.client()
    client.post(ruta.url, {**answer_form(opened), "action": "submit"})

    services.consultation_close(consultation=opened.consultation, user=policy_officer)
    closed = client.get(ruta.url)
    assert closed.status_code == 200
    assert "The consultation is closed." in _text(closed)
    late = client.post(ruta.url, {**answer_form(opened, version=1), "action": "submit"})
    assert late.status_code == 409
    assert ResponseVersion.objects.count() == 1
    # The link itself no longer opens anything.
    assert Client().get(reverse("consultations:access", kwargs={"token": ruta.token})).status_code == 404

    services.consultation_archive(consultation=opened.consultation, user=policy_officer)
    assert client.get(ruta.url).status_code == 404


# --- security -----------------------------------------------------------------------------------------


def test_the_link_lasts_from_the_member_s_last_visit_not_from_the_link_s_first_opening(opened, settings):
    settings.SESSION_COOKIE_AGE = 3600
    ruta = opened.members["ruta"]
    client = ruta.client()  # the link opened now
    start = datetime.datetime.now(tz=datetime.UTC)

    with time_machine.travel(start + datetime.timedelta(minutes=50), tick=False):
        assert client.get(ruta.url).status_code == 200  # a visit signs the cookie anew
    with time_machine.travel(start + datetime.timedelta(minutes=100), tick=False):
        saved = client.post(ruta.url, {**answer_form(opened, long="Ilgai rašytas tekstas"), "action": "save"})
    assert saved.status_code == 302
    assert Answer.objects.get(question=opened.questions["long"]).text == "Ilgai rašytas tekstas"
    # An hour after the last save, the browser holds the link no more.
    with time_machine.travel(start + datetime.timedelta(minutes=162), tick=False):
        assert client.get(ruta.url).status_code == 404


def test_an_id_too_large_for_the_database_is_not_found(opened):
    client = opened.members["ruta"].client()  # a browser holding a link
    for huge in (str(2**63), "9" * 20):
        for address in (
            f"/konsultacijos/{huge}/",
            f"/konsultacijos/{huge}/dokumentai/1/",
            f"/nariai/{huge}/",
        ):
            assert client.get(address).status_code == 404, address
        assert client.post(f"/konsultacijos/{huge}/", {"action": "save"}).status_code == 404


def test_a_session_cannot_see_or_change_another_organisations_answer(opened, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    document = ConsultationDocument(consultation=opened.consultation, title="Projektas")
    document.file.save("projektas.pdf", ContentFile(b"%PDF-1.7"))
    ruta, egle = opened.members["ruta"], opened.members["egle"]
    egle.client().post(egle.url, {**answer_form(opened, long="Mėnulio paslaptis"), "action": "save"})
    client = ruta.client()
    foreign = egle.invitation.pk
    urls = {
        "page": reverse("consultations:response", args=[foreign]),
        "document": reverse("consultations:document", args=[foreign, document.pk]),
    }

    for response in (
        client.get(urls["page"]),
        client.post(urls["page"], {**answer_form(opened, version=1, long="Įsilaužimas"), "action": "save"}),
        client.post(urls["page"], {**answer_form(opened, version=1), "action": "submit"}),
        client.get(urls["document"]),
    ):
        assert response.status_code == 404
        assert "Mėnulio" not in _text(response)
    assert Answer.objects.get(question=opened.questions["long"]).text == "Mėnulio paslaptis"
    assert Response.objects.get().organisation == egle.organisation
    assert not ResponseVersion.objects.exists()


def test_without_a_session_every_member_page_is_the_same_plain_page(opened, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    document = ConsultationDocument(consultation=opened.consultation, title="Projektas")
    document.file.save("projektas.pdf", ContentFile(b"%PDF-1.7"))
    ruta = opened.members["ruta"]
    client = Client()
    with translation.override("lt"):
        urls = {
            "wrong token": reverse("consultations:access", kwargs={"token": "x" * 43}),
            "document": reverse("consultations:document", args=[ruta.invitation.pk, document.pk]),
            "unknown invitation": reverse("consultations:response", args=[999999]),
        }
    not_valid = client.get(urls["wrong token"])

    responses = [
        client.get(ruta.lt_url),
        client.post(ruta.lt_url, {**answer_form(opened), "action": "save"}),
        client.get(urls["document"]),
        client.get(urls["unknown invitation"]),
    ]

    # The same page, but for the refused save's own texts, given back to copy.
    typed = re.compile(r'\n<section class="mt-4" aria-labelledby="typed-heading">.*?</section>', re.S)
    assert "Pritariame iš esmės</textarea>" in typed.search(_text(responses[1])).group()
    for response in responses:
        assert response.status_code == 404
        assert response["Referrer-Policy"] == "no-referrer"
        page = typed.sub("", _text(response))
        assert re.sub(r'value="[^"]*"', "", page) == re.sub(r'value="[^"]*"', "", _text(not_valid))
    assert not Response.objects.exists()


def test_a_staff_login_does_not_open_a_members_page(opened, staff_client):
    assert staff_client.get(opened.members["ruta"].url).status_code == 404


def test_member_typed_text_is_escaped_on_the_page(opened):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    attack = '<script>alert("x")</script>'
    ruta.client().post(
        ruta.url,
        {
            **answer_form(
                opened,
                short=attack[:100],
                long=attack,
                multiple_other=attack,
                rows=[(attack, attack, attack)],
            ),
            "action": "submit",
        },
    )
    client = jonas.client()
    jonas_refused = client.post(
        jonas.url, {**answer_form(opened, long="Jono"), "action": "save"}
    )  # stale: conflict

    for page in (client.get(jonas.url), jonas_refused):
        content = _text(page)
        assert attack not in content
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in content


def test_member_pages_send_no_referrer_and_load_nothing_from_other_sites(opened):
    ruta = opened.members["ruta"]
    client = Client()
    responses = [
        client.get(reverse("consultations:access", kwargs={"token": ruta.token})),
        client.post(reverse("consultations:access", kwargs={"token": ruta.token})),
        client.get(ruta.url),
    ]
    for response in responses:
        assert response["Referrer-Policy"] == "no-referrer"
        assert "no-store" in response["Cache-Control"]
        content = _text(response)
        external = re.findall(r'(?:src|href)="((?:https?:)?//[^"]*)"', content)
        assert external == []


def test_the_token_exchange_records_which_token_was_used(opened):
    ruta = opened.members["ruta"]
    ruta.client()
    token = AccessToken.objects.get(access_link=ruta.link)
    link = AccessLink.objects.get(pk=ruta.link.pk)
    assert token.last_used_at is not None
    assert link.opened_at is not None and link.last_used_at is not None
    assert Invitation.objects.get(pk=ruta.invitation.pk).opened_at is not None


def test_repeated_wrong_tokens_from_one_address_are_rate_limited(opened):
    ruta = opened.members["ruta"]
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for attempt in range(views.TOKEN_FAILURE_LIMIT):
        wrong = attacker.get(reverse("consultations:access", kwargs={"token": f"wrong-{attempt}"}))
        assert wrong.status_code == 404

    blocked = attacker.get(reverse("consultations:access", kwargs={"token": "wrong-again"}))
    blocked_right = attacker.post(reverse("consultations:access", kwargs={"token": ruta.token}))

    assert blocked.status_code == 429
    assert blocked_right.status_code == 429
    assert "Ši nuoroda neveikia" in _text(blocked)
    assert blocked["Referrer-Policy"] == "no-referrer"
    assert not Session.objects.exists()
    # Another address is not affected, and the window ends.
    assert (
        Client(REMOTE_ADDR="198.51.100.1")
        .post(reverse("consultations:access", kwargs={"token": ruta.token}))
        .status_code
        == 302
    )
    later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(
        seconds=views.TOKEN_FAILURE_WINDOW + 1
    )
    with time_machine.travel(later):
        assert attacker.post(reverse("consultations:access", kwargs={"token": ruta.token})).status_code == 302


def _wrong_tokens_until_blocked(**extra: str) -> int:
    """How many wrong tokens one client sends before the 429, each with its own `extra` headers."""
    client = Client(REMOTE_ADDR="10.0.0.2")  # the proxy
    for attempt in range(views.TOKEN_FAILURE_LIMIT * 2):
        headers = {name: value.format(attempt=attempt) for name, value in extra.items()}
        response = client.get(
            reverse("consultations:access", kwargs={"token": f"wrong-{attempt}"}), **headers
        )
        if response.status_code == 429:
            return attempt
    return views.TOKEN_FAILURE_LIMIT * 2


def test_behind_a_proxy_a_client_cannot_dodge_the_rate_limit_with_a_forged_forwarded_for(opened, settings):
    settings.CONSULTATION_CLIENT_ADDRESS_HEADER = "HTTP_X_FORWARDED_FOR"
    # The client writes a new address of its own before the one our proxy appends.
    attempts = _wrong_tokens_until_blocked(HTTP_X_FORWARDED_FOR="192.0.2.{attempt}, 203.0.113.7")
    assert attempts == views.TOKEN_FAILURE_LIMIT


def test_behind_a_proxy_clients_are_counted_apart_by_the_address_the_proxy_saw(opened, settings):
    settings.CONSULTATION_CLIENT_ADDRESS_HEADER = "HTTP_X_FORWARDED_FOR"
    # Every attempt from another client: none is blocked, although all come through one proxy.
    attempts = _wrong_tokens_until_blocked(HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.{attempt}")
    assert attempts == views.TOKEN_FAILURE_LIMIT * 2


@pytest.mark.parametrize(
    ("header", "trusted", "expected"),
    [
        ("203.0.113.7", 1, "203.0.113.7"),
        ("192.0.2.1, 203.0.113.7", 1, "203.0.113.7"),
        ("192.0.2.1, 203.0.113.7, 10.0.0.9", 2, "203.0.113.7"),
        ("203.0.113.7", 2, "203.0.113.7"),
        (" , ", 1, "10.0.0.2"),
        ("", 1, "10.0.0.2"),
    ],
)
def test_the_client_address_is_read_from_the_right_of_the_proxy_header(
    settings, rf, header, trusted, expected
):
    settings.CONSULTATION_CLIENT_ADDRESS_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.CONSULTATION_TRUSTED_PROXIES = trusted
    request = rf.get("/", HTTP_X_FORWARDED_FOR=header, REMOTE_ADDR="10.0.0.2")
    assert views.client_address(request) == expected


def test_right_tokens_do_not_count_as_failures(opened):
    ruta = opened.members["ruta"]
    client = Client(REMOTE_ADDR="203.0.113.8")
    for _ in range(views.TOKEN_FAILURE_LIMIT + 5):
        assert client.get(reverse("consultations:access", kwargs={"token": ruta.token})).status_code == 200


# --- forms on no-referrer pages -----------------------------------------------------------------------


def _csrf_client(secure: bool = False) -> tuple[Client, dict[str, object]]:
    """A browser that enforces CSRF like a real one and posts like Chromium does from a page sent
    with Referrer-Policy: no-referrer: `Origin: null` and no Referer."""
    client = Client(enforce_csrf_checks=True)
    extra: dict[str, object] = {"HTTP_ORIGIN": "null"}
    if secure:
        extra |= {"secure": True}
    return client, extra


@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
def test_forms_of_no_referrer_pages_post_with_a_null_origin_and_the_csrf_token(opened, secure):
    ruta = opened.members["ruta"]
    client, extra = _csrf_client(secure)
    access = reverse("consultations:access", kwargs={"token": ruta.token})
    page = client.get(access, **extra)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', _text(page)).group(1)

    without_token = client.post(access, {}, **extra)
    opened_link = client.post(access, {"csrfmiddlewaretoken": token}, **extra)

    assert without_token.status_code == 403
    assert opened_link.status_code == 302
    page = client.get(ruta.url, **extra)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', _text(page)).group(1)
    saved = client.post(
        ruta.url, {**answer_form(opened), "action": "save", "csrfmiddlewaretoken": token}, **extra
    )
    assert saved.status_code == 302
    assert Response.objects.get().version == 1


def test_a_post_from_another_site_is_refused(opened):
    ruta = opened.members["ruta"]
    client = Client(enforce_csrf_checks=True)
    access = reverse("consultations:access", kwargs={"token": ruta.token})
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', _text(client.get(access))).group(1)

    forged = client.post(access, {"csrfmiddlewaretoken": token}, HTTP_ORIGIN="https://kenkejas.example")
    forged_referer = client.post(
        access, {"csrfmiddlewaretoken": token}, secure=True, HTTP_REFERER="https://kenkejas.example/puslapis"
    )

    assert forged.status_code == 403
    assert forged_referer.status_code == 403
    assert AccessLink.objects.get(pk=ruta.link.pk).opened_at is None


def test_the_language_switch_of_member_pages_is_made_of_links(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    lithuanian = _text(client.get(ruta.lt_url))
    english = _text(client.get(ruta.url))
    assert f'href="{ruta.url}"' in lithuanian
    assert f'href="{ruta.lt_url}"' in english
    assert "set_language" not in lithuanian and 'action="/i18n/setlang/"' not in lithuanian


def test_the_page_reads_the_same_few_rows_whatever_the_number_of_questions_rows_and_versions(
    opened, django_assert_num_queries
):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    client = ruta.client()

    # What the page depends on (page_cache.py, which checks the link held in the browser's cookie
    # and finds no response yet), the consultation, the questions and the documents: the blank
    # page. No session is read.
    with django_assert_num_queries(4):
        assert client.get(ruta.url).status_code == 200
    # Unchanged: what the page depends on; the page comes from the cache.
    with django_assert_num_queries(1):
        assert client.get(ruta.url).status_code == 200

    client.post(ruta.url, {**answer_form(opened), "action": "submit"})
    client.get(ruta.url)  # shows the "submitted" message, once
    many_rows = [(f"{n} str.", f"Redakcija {n}", "Nes") for n in range(1, 15)]
    jonas.client().post(jonas.url, {**answer_form(opened, version=1, rows=many_rows), "action": "submit"})

    # Then also the answers, their proposal rows, who worked on them and the submitted versions.
    with django_assert_num_queries(9):
        page = client.get(ruta.url)
    content = _text(page)
    assert "14 str." in content
    assert "Version 2, by Jonas Jonaitis" in content
    with django_assert_num_queries(1):
        assert "Version 2, by Jonas Jonaitis" in _text(client.get(ruta.url))


def test_a_changed_background_and_a_wording_fix_show_on_the_page_at_once(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    client.post(ruta.url, {**answer_form(opened), "action": "save"})
    assert "<strong>projekto</strong>" in _text(client.get(ruta.url))
    consultation = opened.consultation
    consultation.background = "Ministerija prašo pastabų dėl **pataisyto projekto**."
    consultation.save()
    single = opened.questions["single"]
    single.text = "Ar pritariate pataisytam projektui?"
    single.help_text = "Pasirinkite vieną."
    single.choices = ["Pritariame", "Pritariame su išlygomis", "Nepritariame"]
    services.question_save(question=single, wording_fix_confirmed=True)

    content = _text(client.get(ruta.url))

    assert "<strong>pataisyto projekto</strong>" in content
    assert "<strong>projekto</strong>" not in content
    assert "3. Ar pritariate pataisytam projektui?" in content
    assert "Pasirinkite vieną." in content
    assert "Pritariame su išlygomis" in content and "Pritariame su pastabomis" not in content


# --- "Other", the error summary and the history of the answer -----------------------------------------


def _checked_values(content: str, name: str) -> list[str]:
    """The values of the radio buttons or checkboxes named `name` that the page shows checked."""
    inputs = re.findall(rf'<input type="(?:radio|checkbox)"[^>]*\bname="{name}"[^>]*>', content)
    return [re.search(r'value="([^"]*)"', tag).group(1) for tag in inputs if re.search(r"\bchecked\b", tag)]


def test_the_other_text_says_what_it_is_for_without_promising_what_only_the_script_does(opened):
    ruta = opened.members["ruta"]
    q = opened.questions

    content = _text(ruta.client().get(ruta.url))

    for key in ("single", "multiple"):
        assert re.search(
            rf'<input type="text" name="q{q[key].pk}_other"[^>]*data-other-for="q{q[key].pk}"', content
        )
    assert content.count("If you choose “Other”, write your answer here.") == 2
    assert "Typing here chooses" not in content


def test_text_typed_for_other_without_ticking_it_ticks_other_beside_the_options_chosen(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    question = opened.questions["multiple"]

    saved = client.post(
        ruta.url, {**answer_form(opened, multiple=["0"], multiple_other="Kultūra"), "action": "save"}
    )

    assert saved.status_code == 302
    answer = Answer.objects.get(question=question)
    assert (answer.choice_indexes, answer.other_text) == ([0], "Kultūra")
    assert _checked_values(_text(client.get(ruta.url)), f"q{question.pk}") == ["0", "other"]


def test_text_typed_for_other_with_no_option_chosen_answers_other_in_a_single_choice(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    question = opened.questions["single"]

    submitted = client.post(
        ruta.url,
        {**answer_form(opened, single=None, single_other="Pritariame iš dalies"), "action": "submit"},
    )

    assert submitted.status_code == 302
    assert ResponseVersion.objects.count() == 1
    answer = Answer.objects.get(question=question)
    assert (answer.choice_indexes, answer.other_text) == ([], "Pritariame iš dalies")
    assert _checked_values(_text(client.get(ruta.url)), f"q{question.pk}") == ["other"]


def test_text_typed_for_other_beside_another_single_choice_is_refused_and_both_are_kept(opened):
    ruta = opened.members["ruta"]
    question = opened.questions["single"]

    page = ruta.client().post(
        ruta.url, {**answer_form(opened, single="1", single_other="Pritariame iš dalies"), "action": "save"}
    )

    content = _text(page)
    assert page.status_code == 200
    assert "Choose one option: either one of the list or “Other” with your text." in content
    assert _checked_values(content, f"q{question.pk}") == ["1"]
    assert 'value="Pritariame iš dalies"' in content
    assert not Response.objects.exists()


def test_the_error_summary_puts_no_colon_after_a_question_ending_in_a_question_mark(opened):
    ruta = opened.members["ruta"]

    page = ruta.client().post(ruta.url, {**answer_form(opened, single=None), "action": "submit"})

    content = _text(page)
    summary = content[
        content.index('id="error-summary"') : content.index("</ul>", content.index('id="error-summary"'))
    ]
    assert (
        '<span lang="lt">Ar pritariate projektui?</span> — This question must be answered before submitting.'
        in summary
    )
    assert "?:" not in summary


def test_the_error_summary_keeps_the_colon_after_a_question_without_final_punctuation(opened):
    ruta = opened.members["ruta"]

    page = ruta.client().post(ruta.url, {**answer_form(opened, short=""), "action": "submit"})

    content = _text(page)
    assert (
        '<span lang="lt">Jūsų organizacijos pozicija trumpai</span>: This question must be answered before submitting.'
        in content
    )


def test_the_history_of_the_answer_names_each_action_with_a_verb(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    client.post(ruta.url, {**answer_form(opened), "action": "save"})
    client.post(ruta.url, {**answer_form(opened, version=1, short="Pritariame"), "action": "submit"})

    english = _text(client.get(ruta.url))
    lithuanian = _text(client.get(ruta.lt_url))

    history = english[english.index('id="edits-heading"') :]
    assert re.findall(r"<li>Rūta Rutkauskienė · ([^·]+) · ", history) == ["Submitted", "Saved a draft"]
    # In Lithuanian the response's status reads "Pateiktas"; the history says who did what.
    assert "Rūta Rutkauskienė · Pateiktas ·" not in lithuanian
    assert "Rūta Rutkauskienė · Pateikė ·" in lithuanian
    assert "Rūta Rutkauskienė · Išsaugojo juodraštį ·" in lithuanian
    with translation.override("lt"):
        assert str(ResponseEdit.Action.SUBMITTED.label) != str(Response.Status.SUBMITTED.label)
        assert str(ResponseEdit.objects.filter(action="submitted").get()).split(" · ")[1] == str(
            ResponseEdit.Action.SUBMITTED.label
        )


def test_the_admin_shows_the_same_action_labels_as_the_member_page(opened, staff_client):
    ruta = opened.members["ruta"]
    ruta.client().post(ruta.url, {**answer_form(opened), "action": "submit"})
    response = Response.objects.get()

    with translation.override("lt"):
        label = str(ResponseEdit.Action.SUBMITTED.label)
        status = str(Response.Status.SUBMITTED.label)
        page = staff_client.get(reverse("admin:consultations_response_change", args=[response.pk]))

    content = _text(page)
    inline = content[content.index('id="edits-group"') :]
    assert re.search(rf'<td class="field-action">\s*<p>{re.escape(label)}</p>', inline)
    assert not re.search(rf'<td class="field-action">\s*<p>{re.escape(status)}</p>', inline)


def test_answers_typed_in_decomposed_form_are_stored_composed(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    typed = "Siūlome išbraukti žodį „tik“; ąčęėįšųūž."
    decomposed = unicodedata.normalize("NFD", typed)
    assert decomposed != typed

    saved = client.post(
        ruta.url,
        {
            **answer_form(opened, long=decomposed, rows=[("3 str.", decomposed, "")]),
            "action": "save",
        },
    )

    assert saved.status_code == 302
    assert Answer.objects.get(question=opened.questions["long"]).text == typed
    assert ProposalRow.objects.get().proposed_wording == typed


def test_the_form_posts_to_the_page_s_own_address_without_the_fragment_of_an_error_link(opened):
    """After following a link of the error summary ("#id_q16"), the next refused submit must not
    open at that question again: the form posts to the page's address, which has no fragment,
    so the error summary gets the focus. The blank page, kept for every organisation, posts to
    each one's own address."""
    ruta, egle = opened.members["ruta"], opened.members["egle"]
    for member in (ruta, egle):
        page = member.client().get(member.lt_url).content.decode()
        assert f'id="answer-form" action="{member.lt_url}"' in page


def test_a_refused_submit_lists_the_unanswered_required_questions_beside_the_other_errors(opened):
    """Not in a second round, after the member has corrected the first errors."""
    short, long = opened.questions["short"], opened.questions["long"]
    Question.objects.filter(pk=short.pk).update(max_length=10)
    Question.objects.filter(pk=long.pk).update(required=True)
    ruta = opened.members["ruta"]

    response = ruta.client().post(
        ruta.url, {**answer_form(opened, short="Per ilgas atsakymas", long=""), "action": "submit"}
    )

    assert response.status_code == 200
    anchors = [anchor for anchor, _message in response.context["error_summary"]]
    assert anchors == [f"id_q{short.pk}", f"id_q{long.pk}"]
    messages = [str(message) for _anchor, message in response.context["error_summary"]]
    assert "must be answered before submitting" in messages[1]
    assert not Response.objects.exists()
    # A draft saved with the same answers keeps to the length alone: nothing is required of a draft.
    saved = ruta.client().post(
        ruta.url, {**answer_form(opened, short="Per ilgas atsakymas", long=""), "action": "save"}
    )
    assert [anchor for anchor, _message in saved.context["error_summary"]] == [f"id_q{short.pk}"]


def test_a_submit_locks_the_response_row_alone_and_reads_no_organisation_for_the_link(
    opened, settings, django_assert_num_queries
):
    # As in production, the e-mails are queued (an INSERT each), not sent inside the request.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    ruta = opened.members["ruta"]
    client = ruta.client()
    client.post(ruta.url, {**answer_form(opened), "action": "submit"})

    # An amendment of one answer: the link, the questions, the consultation, the link checked
    # again, the questions, the response locked, its answers and proposal rows, the answer written,
    # the response, the edit log, the latest version, the new one, the invitation, the receipt
    # queued, the colleagues and a notice queued for Jonas; and the transaction's savepoint and its
    # release (the test runs in a transaction).
    with django_assert_num_queries(19) as captured:
        response = client.post(
            ruta.url, {**answer_form(opened, version=1, short="Kitaip"), "action": "submit"}
        )
    assert response.status_code == 302

    statements = [query["sql"] for query in captured.captured_queries]
    locks = [
        sql for sql in statements if sql.startswith("SELECT") and 'FROM "consultations_response" ' in sql
    ]
    # The row alone: Response's own ordering would join the consultation and the organisation, and
    # FOR UPDATE would lock their rows too, making every submit to the consultation wait for the others'.
    assert len(locks) == 1
    assert "JOIN" not in locks[0]
    if connection.features.has_select_for_update:
        assert locks[0].endswith("FOR UPDATE")
    (link,) = [sql for sql in statements if 'FROM "consultations_accesslink"' in sql and "browser_key" in sql]
    assert '"crm_organisation"' not in link
    assert Response.objects.get().version == 2
    assert ResponseVersion.objects.count() == 2


def test_a_refused_save_shows_the_organisation_and_the_requesting_institution(opened):
    opened.consultation.requesting_institution = OrganisationFactory(name="Ekonomikos ministerija")
    opened.consultation.save()
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    client = ruta.client()

    # Not valid: the page is shown again with what was posted.
    invalid = client.post(ruta.url, {**answer_form(opened, scale="9"), "action": "save"})
    # Based on a version a colleague has saved over since: a conflict.
    jonas.client().post(jonas.url, {**answer_form(opened), "action": "save"})
    conflict = client.post(ruta.url, {**answer_form(opened, short="Kitaip"), "action": "save"})

    assert invalid.status_code == 200
    assert conflict.status_code == 409
    for page in (invalid, conflict):
        content = _text(page)
        assert "Saulės klasteris" in content
        assert "Ekonomikos ministerija" in content
        assert opened.consultation.title in content


# A field named "q" and more digits than Python reads as an integer (4,300): no question's field.
# Sent url-encoded, as a browser's form is; multipart refuses so long a part header first.
HUGE_FIELD = "q" + "1" * 5000


def _post_urlencoded(client: Client, url: str, data: dict[str, str]):
    return client.post(url, urlencode(data), content_type="application/x-www-form-urlencoded")


def test_a_post_without_a_link_naming_a_field_of_thousands_of_digits_is_refused_not_a_server_error(opened):
    member = opened.members["ruta"]
    client = Client(raise_request_exception=False)
    response = _post_urlencoded(client, member.url, {HUGE_FIELD: "Pritariame", "version": "0"})
    assert response.status_code == 404


def test_a_post_from_an_older_page_naming_a_field_of_thousands_of_digits_is_refused_as_stale(opened):
    member = opened.members["ruta"]
    client = member.client()
    client.raise_request_exception = False
    response = _post_urlencoded(
        client, member.url, {HUGE_FIELD: "Pritariame", "version": "0", "questions_shown": "zz"}
    )
    assert response.status_code == 409
    assert not Answer.objects.exists()


def test_a_document_whose_stored_file_is_gone_is_not_found_and_the_page_still_opens(
    opened, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    document = ConsultationDocument(consultation=opened.consultation, title="Projektas")
    document.file.save("projektas.pdf", ContentFile(b"%PDF-1.7"))
    document.file.storage.delete(document.file.name)
    ruta = opened.members["ruta"]
    client = ruta.client()

    response = client.get(reverse("consultations:document", args=[ruta.invitation.pk, document.pk]))

    assert response.status_code == 404
    assert client.get(ruta.url).status_code == 200

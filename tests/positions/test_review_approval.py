"""Fixes from a user review of the paper's page: "Approve and register" asks first, on a page
that says what approving does (the number it gives cannot be taken back), and the buttons above
the form warn before they drop changes not yet saved."""

from __future__ import annotations

import os

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from positions import selectors, services
from positions.models import PaperAttribution, PaperSection, PositionPaper, RegistrationJournal, RenderingJob
from tests.admin_forms import confirm
from tests.factories import OrganisationFactory
from tests.positions.factories import (
    PaperFactory,
    ProposalFactory,
    PublicInstitutionFactory,
    SectionFactory,
    issuer_with_requisites,
)

pytestmark = pytest.mark.django_db

UNSAVED = (
    "This page has unsaved changes. They will not be included: the paper is used as last saved. "
    "Continue anyway?"
)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, *args: object) -> str:
    # The English pages: the assertions read the source strings.
    with translation.override("en"):
        return reverse(name, args=args)


def _approve_url(paper: PositionPaper) -> str:
    return _url("admin:positions_positionpaper_approve", paper.pk)


def _change_url(paper: PositionPaper) -> str:
    return _url("admin:positions_positionpaper_change", paper.pk)


@pytest.fixture
def paper() -> PositionPaper:
    issuer_with_requisites()
    paper = PaperFactory(
        subject="Inovacijų įstatymo pakeitimo projekto",
        addressee=PublicInstitutionFactory(name="Ekonomikos ir inovacijų ministerija"),
        addressee_label="Ekonomikos ir inovacijų ministerijai",
    )
    SectionFactory(paper=paper)
    ProposalFactory(paper=paper)
    return paper


def _next_number(last: int) -> str:
    year = timezone.localdate().year
    RegistrationJournal.objects.create(prefix="S", year=year, last_number=last)
    return f"S-{year}-{last + 1:03d}"


# --- the confirmation page ---------------------------------------------------------------------------


def test_the_approve_button_leads_to_the_confirmation_page_instead_of_posting(paper, policy_officer):
    page = _client(policy_officer).get(_change_url(paper)).content.decode()

    assert f'href="{_approve_url(paper)}"' in page
    assert f'action="{_approve_url(paper)}"' not in page


def test_the_confirmation_page_says_what_approving_does_and_approves_nothing(paper, policy_officer):
    number = _next_number(13)

    response = _client(policy_officer).get(_approve_url(paper))

    page = response.content.decode()
    assert response.status_code == 200
    assert "DĖL INOVACIJŲ ĮSTATYMO PAKEITIMO PROJEKTO" in page
    assert "Ekonomikos ir inovacijų ministerijai" in page
    assert f"under the journal's next number (now {number})" in page
    assert timezone.localdate().isoformat() in page
    assert "A registration number once given cannot be taken back." in page
    assert 'type="submit" value="Approve and register"' in page
    assert f'href="{_change_url(paper)}"' in page  # "No, take me back"
    paper.refresh_from_db()
    assert paper.is_draft
    assert paper.registration_number == ""
    assert RegistrationJournal.objects.get().last_number == 13


def test_confirming_approves_with_the_number_the_page_announced_and_returns_to_the_paper(
    paper, policy_officer
):
    number = _next_number(13)
    client = _client(policy_officer)

    response = confirm(client, _approve_url(paper))

    assert response.status_code == 302
    assert response["Location"] == _change_url(paper)
    paper.refresh_from_db()
    assert paper.status == PositionPaper.Status.APPROVED
    assert paper.registration_number == number
    page = client.get(response["Location"]).content.decode()
    assert f"Approved and registered as {number}." in page


def test_confirming_a_paper_that_changed_after_the_page_showed_it_approves_nothing_and_shows_it_again(
    paper, policy_officer
):
    client = _client(policy_officer)
    shown = client.get(_approve_url(paper))
    assert "DĖL INOVACIJŲ ĮSTATYMO PAKEITIMO PROJEKTO" in shown.content.decode()
    # A colleague changes the subject meanwhile; the approver's page still shows the old one.
    PositionPaper.objects.filter(pk=paper.pk).update(subject="Visai kito įstatymo projekto")

    response = client.post(_approve_url(paper), {"shown": shown.context["shown"]}, follow=True)

    paper.refresh_from_db()
    assert paper.is_draft and paper.registration_number == ""
    assert not RegistrationJournal.objects.exists()
    assert response.redirect_chain[-1][0] == _approve_url(paper)
    page = response.content.decode()
    assert "The paper changed after the confirmation page was opened, so it was not approved." in page
    assert "DĖL VISAI KITO ĮSTATYMO PROJEKTO" in page


def test_a_confirmation_posted_without_what_the_page_showed_approves_nothing(paper, policy_officer):
    _client(policy_officer).post(_approve_url(paper))

    paper.refresh_from_db()
    assert paper.is_draft
    assert not RegistrationJournal.objects.exists()


def test_a_paper_that_cannot_be_approved_says_why_and_offers_no_approve_button(policy_officer):
    issuer_with_requisites()
    paper = PaperFactory(signatory_name="")

    page = _client(policy_officer).get(_approve_url(paper)).content.decode()

    assert "The paper cannot be approved:" in page
    assert "Give the signatory&#x27;s name and position." in page
    assert "The paper has neither text nor proposals." in page
    assert 'value="Approve and register"' not in page
    assert "cannot be taken back" not in page


def test_characters_the_letter_cannot_print_are_named_in_lithuanian_and_keep_the_paper_from_approval(
    paper, policy_officer
):
    SectionFactory(
        paper=paper, position=9, heading="Išvados", body="Pritariame ✅ ir 👍, o → ★ ✓ spausdinami."
    )
    ProposalFactory(paper=paper, position=9, provision="3 straipsnis", justification="Būtina ✅.")

    with translation.override("lt"):
        page = _client(policy_officer).get(reverse("admin:positions_positionpaper_change", args=[paper.pk]))
        with pytest.raises(ValidationError) as refused:
            services.paper_approve(paper=paper, user=policy_officer)

    assert refused.value.messages == [
        "skyrius 9: Išvados: yra simbolių, kurių laiško šriftai neturi: ✅ 👍. PDF dokumente jų vietoje "
        "rodomas ženklas „�“; pakeiskite juos arba pašalinkite.",
        "pasiūlymas 9: 3 straipsnis: yra simbolių, kurių laiško šriftai neturi: ✅. PDF dokumente jų vietoje "
        "rodomas ženklas „�“; pakeiskite juos arba pašalinkite.",
    ]
    paper.refresh_from_db()
    assert paper.is_draft
    # The paper's page tells it before anyone asks to approve.
    assert "Laiško šriftai neturi šių simbolių" in page.content.decode()
    assert "skyrius 9: Išvados — ✅ 👍" in page.content.decode()


def test_characters_the_fonts_cannot_print_anywhere_in_the_letter_keep_the_paper_from_approval(
    policy_officer,
):
    """Not only the paper's own text: the organisations' names in the annex and under a proposal,
    how an anonymous one is described, the addressee as the institution's name on an English
    letter, the issuer's name."""
    issuer_with_requisites(name_en="Lithuanian Cluster Association 中")
    paper = PaperFactory(
        language="en",
        addressee=PublicInstitutionFactory(name="Ministry of the Economy 字"),
        addressee_label="",
        signatory_position="President",
    )
    SectionFactory(paper=paper, position=1)
    proposal = ProposalFactory(paper=paper, position=1, provision="3 straipsnis")
    proposal.supporting_organisations.set([OrganisationFactory(name="Kitas klasteris 👍")])
    named, anonymous = OrganisationFactory(name="Startuolių klasteris 🚀"), OrganisationFactory()
    paper.supporting_organisations.set([named, anonymous])
    PaperAttribution.objects.create(
        paper=paper, organisation=anonymous, mode="anonymous", anonymous_label="one cluster ✅"
    )

    with translation.override("lt"):
        found = {text.place: text.characters for text in selectors.paper_unprintable_text(paper=paper)}
        with pytest.raises(ValidationError) as refused:
            services.paper_approve(paper=paper, user=policy_officer)

    assert found == {
        "Adresatas": ["字"],
        "pasiūlymas 1: 3 straipsnis": ["👍"],
        "Priede išvardytos organizacijos": ["🚀", "✅"],
        "Asociacijos rekvizitai": ["中"],
    }
    assert len(refused.value.messages) == 4
    assert (
        "Priede išvardytos organizacijos: yra simbolių, kurių laiško šriftai neturi: 🚀 ✅."
        in (refused.value.messages[2])
    )
    paper.refresh_from_db()
    assert paper.is_draft


def _paper_of(size: int) -> PositionPaper:
    """A paper with `size` sections, proposal lines and organisations in its annex (one of them
    anonymous), each line proposed by two of them."""
    paper = PaperFactory()
    members = [OrganisationFactory(sectors=["ict"]) for _ in range(size + 1)]
    paper.supporting_organisations.set(members)
    PaperAttribution.objects.create(paper=paper, organisation=members[0], mode="anonymous")
    for position in range(1, size + 1):
        SectionFactory(paper=paper, position=position)
        ProposalFactory(paper=paper, position=position).supporting_organisations.set(members[:2])
    return paper


def test_looking_for_unprintable_characters_takes_as_many_queries_for_a_long_paper_as_for_a_short_one():
    issuer_with_requisites()
    short, long = _paper_of(1), _paper_of(5)
    selectors.paper_unprintable_text(paper=short)

    with CaptureQueriesContext(connection) as short_queries:
        selectors.paper_unprintable_text(paper=short)
    with CaptureQueriesContext(connection) as long_queries:
        selectors.paper_unprintable_text(paper=long)

    assert len(long_queries) == len(short_queries)


def test_an_approved_paper_s_confirmation_page_says_it_is_registered_already(paper, superuser):
    services.paper_approve(paper=paper, user=superuser)
    paper.refresh_from_db()

    page = _client(superuser).get(_approve_url(paper)).content.decode()

    assert f"This paper is already registered as {paper.registration_number}." in page
    assert 'value="Approve and register"' not in page


@pytest.mark.parametrize("role", ["crm_editor", "read_only_user"])
def test_users_without_the_approve_permission_get_neither_the_page_nor_the_approval(paper, role, request):
    client = _client(request.getfixturevalue(role))

    page = client.get(_approve_url(paper))
    post = client.post(_approve_url(paper))

    assert page.status_code == 403
    assert post.status_code == 403
    paper.refresh_from_db()
    assert paper.is_draft


def test_the_approval_page_answers_only_get_and_post(paper, policy_officer):
    assert _client(policy_officer).put(_approve_url(paper)).status_code == 405


# --- the guard against dropping unsaved changes ------------------------------------------------------


def test_the_change_page_loads_the_guard_with_the_question_in_the_page_s_language(paper, policy_officer):
    page = _client(policy_officer).get(_change_url(paper)).content.decode()

    assert 'src="/static/js/paper.js"' in page
    assert 'data-form="positionpaper_form"' in page
    assert f'data-unsaved-message="{UNSAVED}"' in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_buttons_above_the_form_ask_before_dropping_unsaved_changes(live_server, superuser, settings):
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    issuer_with_requisites()
    paper = PaperFactory(subject="Inovacijų įstatymo pakeitimo projekto")
    section = SectionFactory(paper=paper, body="Pirminis tekstas.")
    with translation.override("lt"):
        question = gettext(UNSAVED)
        change_url = live_server.url + reverse("admin:positions_positionpaper_change", args=[paper.pk])
        login_url = live_server.url + reverse("admin:login")
    dialogs: list[str] = []
    answer = {"accept": False}

    def on_dialog(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept() if answer["accept"] else dialog.dismiss()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("dialog", on_dialog)
            page.goto(login_url)
            page.fill("#id_username", superuser.username)
            page.fill("#id_password", "slaptažodis-2026")
            page.click("input[type=submit]")

            # Nothing changed: the buttons go ahead without asking.
            page.goto(change_url)
            page.click(".object-tools a[href$='/approve/']")
            page.wait_for_url("**/approve/")
            assert dialogs == []

            # A section's text changed, then "Generate PDF": asked, declined, nothing happens.
            page.goto(change_url)
            body = page.locator("#id_sections-0-body")
            body.fill("Pakeistas, dar neišsaugotas tekstas.")
            page.click(".object-tools button.paper-action")
            assert dialogs == [question]
            assert page.url == change_url
            assert body.input_value() == "Pakeistas, dar neišsaugotas tekstas."
            assert not RenderingJob.objects.exists()

            # Asked again and accepted: the PDF of the paper as saved is generated.
            answer["accept"] = True
            page.click(".object-tools button.paper-action")
            page.wait_for_url("**/pdf/*/")
            assert dialogs == [question, question]
            assert RenderingJob.objects.filter(paper=paper).count() == 1
            assert PaperSection.objects.get(pk=section.pk).body == "Pirminis tekstas."
        finally:
            browser.close()
            # Inside Playwright's sync API the test runs in another greenlet, whose context holds
            # its own database connection (the assertions above query): close it here, or
            # PostgreSQL cannot drop the test database.
            connections.close_all()

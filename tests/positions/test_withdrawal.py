"""Withdrawing the approval of a paper that was not sent: the number is cancelled, kept with the
reason and never given again; the PDFs that bear it can no longer be sent."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from positions import selectors, services
from positions.models import PositionPaper, RegistrationCancellation, RegistrationJournal
from tests.positions import pdf_reading
from tests.positions.factories import PaperFactory, ProposalFactory, SectionFactory, issuer_with_requisites

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(superuser) -> PositionPaper:
    issuer_with_requisites()
    paper = PaperFactory()
    SectionFactory(paper=paper)
    ProposalFactory(paper=paper)
    return services.paper_approve(paper=paper, user=superuser)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_withdrawing_returns_the_paper_to_draft_and_the_number_is_never_given_again(approved, policy_officer):
    number = approved.registration_number
    registered_on = approved.registration_date

    services.paper_withdraw_approval(
        paper=approved, user=policy_officer, reason="Ministerija pakeitė projektą."
    )

    approved.refresh_from_db()
    assert approved.is_draft
    assert (approved.registration_number, approved.registration_date, approved.approved_by) == (
        "",
        None,
        None,
    )
    cancelled = RegistrationCancellation.objects.get()
    assert cancelled.paper == approved
    assert cancelled.registration_number == number
    assert cancelled.registration_date == registered_on
    assert cancelled.reason == "Ministerija pakeitė projektą."
    assert cancelled.cancelled_by == policy_officer

    again = services.paper_approve(paper=approved, user=policy_officer)
    assert again.registration_number != number
    assert int(again.registration_number.rsplit("-", 1)[1]) == int(number.rsplit("-", 1)[1]) + 1
    assert RegistrationJournal.objects.get().last_number == 2


def test_the_pdfs_with_the_cancelled_number_can_no_longer_be_sent(approved, superuser):
    old = services.paper_render(paper=approved, user=superuser)
    number = approved.registration_number

    services.paper_withdraw_approval(paper=approved, user=superuser, reason="Taisomas tekstas.")
    old.refresh_from_db()
    assert old.withdrawn_at is not None
    services.paper_approve(paper=approved, user=superuser)
    new = services.paper_render(paper=approved, user=superuser)

    assert list(selectors.paper_sendable_renderings(paper=approved)) == [new]
    with pytest.raises(ValidationError) as refused:
        services.paper_mark_sent(paper=approved, user=superuser, rendering=old, channel="dvs")
    assert refused.value.error_list[0].code == "withdrawn_rendering"
    # The old PDF is kept as it was made, with the number it bears.
    assert number in pdf_reading.full_text(selectors.rendering_read_verified(rendering=old))
    assert approved.registration_number in pdf_reading.full_text(new.file.read())
    services.paper_mark_sent(paper=approved, user=superuser, rendering=new, channel="dvs")


def test_a_pdf_read_before_its_number_was_cancelled_is_not_sent(approved, superuser):
    # The send page read the PDF; meanwhile a colleague withdrew the approval and approved again.
    old = services.paper_render(paper=approved, user=superuser)
    services.paper_withdraw_approval(paper=approved, user=superuser, reason="Taisomas tekstas.")
    services.paper_approve(paper=approved, user=superuser)
    assert old.withdrawn_at is None  # as it was read

    with pytest.raises(ValidationError) as refused:
        services.paper_mark_sent(paper=approved, user=superuser, rendering=old, channel="dvs")

    assert refused.value.error_list[0].code == "withdrawn_rendering"
    assert not approved.dispatches.exists()


def test_withdrawal_needs_a_reason_an_approved_unsent_paper_and_the_approve_permission(
    approved, superuser, crm_editor
):
    with pytest.raises(ValidationError) as no_reason:
        services.paper_withdraw_approval(paper=approved, user=superuser, reason="   ")
    assert no_reason.value.error_list[0].code == "no_reason"
    with pytest.raises(PermissionDenied):
        services.paper_withdraw_approval(paper=approved, user=crm_editor, reason="Klaida.")

    rendering = services.paper_render(paper=approved, user=superuser)
    services.paper_mark_sent(paper=approved, user=superuser, rendering=rendering, channel="paper")
    with pytest.raises(ValidationError) as sent:
        services.paper_withdraw_approval(paper=approved, user=superuser, reason="Per vėlu.")
    assert sent.value.error_list[0].code == "sent"

    draft = PaperFactory()
    with pytest.raises(ValidationError) as not_approved:
        services.paper_withdraw_approval(paper=draft, user=superuser, reason="Nėra ko atšaukti.")
    assert not_approved.value.error_list[0].code == "not_approved"
    assert not RegistrationCancellation.objects.exists()


def test_the_admin_withdraws_with_a_reason_and_lists_the_cancelled_number(
    approved, policy_officer, crm_editor
):
    client = _client(policy_officer)
    change_url = reverse("admin:positions_positionpaper_change", args=[approved.pk])
    withdraw_url = reverse("admin:positions_positionpaper_withdraw", args=[approved.pk])
    number = approved.registration_number

    assert withdraw_url in client.get(change_url).content.decode()
    empty = client.post(withdraw_url, {"reason": ""})
    assert empty.status_code == 200
    assert "errorlist" in empty.content.decode()
    assert PositionPaper.objects.get(pk=approved.pk).status == "approved"

    response = client.post(withdraw_url, {"reason": "Reikia pataisyti adresatą."}, follow=True)

    assert response.redirect_chain[-1][0] == change_url
    assert number in response.content.decode()
    assert PositionPaper.objects.get(pk=approved.pk).is_draft
    listing = client.get(reverse("admin:positions_registrationcancellation_changelist")).content.decode()
    assert number in listing
    assert "Reikia pataisyti adresatą." in listing
    # The page and its button are for those who may approve.
    assert _client(crm_editor).get(withdraw_url).status_code == 403


def test_the_cancelled_numbers_list_takes_the_same_queries_for_few_and_many(
    superuser, staff_client, django_assert_num_queries
):
    issuer_with_requisites()

    def cancel(count: int) -> None:
        for _ in range(count):
            paper = PaperFactory()
            SectionFactory(paper=paper)
            services.paper_approve(paper=paper, user=superuser)
            services.paper_withdraw_approval(paper=paper, user=superuser, reason="Atšaukta.")

    url = reverse("admin:positions_registrationcancellation_changelist")
    cancel(2)
    staff_client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert staff_client.get(url).status_code == 200
    cancel(8)
    with django_assert_num_queries(len(few.captured_queries)):
        response = staff_client.get(url)
    assert response.content.decode().count("Atšaukta.") == 10


@pytest.fixture
def withdrawn(approved, superuser) -> PositionPaper:
    return services.paper_withdraw_approval(paper=approved, user=superuser, reason="Netikslus adresatas.")


def _first_number() -> str:
    """The year's first registration number, the one the approval withdrawn took (dated from today)."""
    return f"S-{timezone.localdate().year}-001"


def _refusal(paper: PositionPaper, number: str) -> str:
    return (
        f"Dokumento „{paper.subject}“ ištrinti negalima: jis turi atšauktą registracijos numerį ({number}), "
        "o atšaukti numeriai žurnale lieka visam laikui."
    )


def test_a_draft_that_keeps_a_cancelled_number_cannot_be_deleted(withdrawn):
    draft = PaperFactory()
    services.papers_require_deletable(papers=[draft])

    with pytest.raises(ValidationError) as refused:
        services.papers_require_deletable(papers=[draft, withdrawn])

    assert [error.code for error in refused.value.error_list] == ["cancelled_number"]
    assert f"({_first_number()})" in refused.value.messages[0]


def test_the_admin_offers_no_delete_for_a_draft_with_a_cancelled_number_and_says_why(withdrawn, superuser):
    client = _client(superuser)
    change_url = reverse("admin:positions_positionpaper_change", args=[withdrawn.pk])
    delete_url = reverse("admin:positions_positionpaper_delete", args=[withdrawn.pk])
    assert delete_url not in client.get(change_url).content.decode()

    response = client.get(delete_url, follow=True)

    assert response.redirect_chain == [(change_url, 302)]
    page = html.unescape(response.content.decode())
    assert _refusal(withdrawn, _first_number()) in page
    assert "neturi teisės" not in page
    assert client.post(delete_url, {"post": "yes"}).status_code == 302
    assert PositionPaper.objects.filter(pk=withdrawn.pk).exists()


def test_deleting_selected_papers_is_refused_if_one_keeps_a_cancelled_number(withdrawn, superuser):
    client = _client(superuser)
    draft = PaperFactory()
    changelist = reverse("admin:positions_positionpaper_changelist")
    selected = {"action": "delete_selected", "_selected_action": [draft.pk, withdrawn.pk]}

    for data in (selected, {**selected, "post": "yes"}):
        response = client.post(changelist, data, follow=True)
        assert _refusal(withdrawn, _first_number()) in html.unescape(response.content.decode())
    assert PositionPaper.objects.filter(pk__in=[draft.pk, withdrawn.pk]).count() == 2

    # A selection of plain drafts goes to Django's confirmation, and is deleted.
    confirmation = client.post(changelist, {"action": "delete_selected", "_selected_action": [draft.pk]})
    assert confirmation.status_code == 200
    assert not confirmation.context["perms_lacking"] and not confirmation.context["protected"]
    client.post(changelist, {"action": "delete_selected", "_selected_action": [draft.pk], "post": "yes"})
    assert not PositionPaper.objects.filter(pk=draft.pk).exists()

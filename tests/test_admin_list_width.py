"""The admin's lists fit a laptop's window (1280 px) with the navigation and the filters open:
dates, times and related records wrap where Django keeps them on one line, and the person list
gives the e-mail and the phone one column (`static/css/admin.css`, `crm/admin/person.py`)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from tests.consultations.factories import (
    AccessLinkFactory,
    ConsultationFactory,
    InvitationFactory,
    ResponseFactory,
)
from tests.factories import AffiliationFactory, OrganisationFactory, PersonFactory
from tests.positions.factories import PaperFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LISTS = [
    "admin:crm_organisation_changelist",
    "admin:crm_person_changelist",
    "admin:crm_affiliation_changelist",
    "admin:consultations_consultation_changelist",
    "admin:consultations_invitation_changelist",
    "admin:consultations_accesslink_changelist",
    "admin:consultations_response_changelist",
    "admin:positions_positionpaper_changelist",
]


def _records() -> None:
    organisation = OrganisationFactory(
        name="Lietuvos elektromobilumo ir atsinaujinančios energetikos klasteris", sectors=["energy"]
    )
    person = PersonFactory(
        first_name="Jūratė",
        last_name="Ramanauskienė-Kazlauskienė",
        email="jurate.ramanauskiene-kazlauskiene@elektromobilumo-klasteris.lt",
        phone="+370 612 34567",
    )
    AffiliationFactory(person=person, organisation=organisation, is_primary=True)
    consultation = ConsultationFactory(sectors=["energy"], responsible=None)
    invitation = InvitationFactory(
        consultation=consultation, organisation=organisation, sent_at=timezone.now()
    )
    AccessLinkFactory(invitation=invitation, person=person)
    ResponseFactory(
        consultation=consultation,
        organisation=organisation,
        updated_at=timezone.now(),
        submitted_at=timezone.now(),
    )
    PaperFactory()


@pytest.mark.parametrize("language", ["lt", "en"])
def test_every_list_fits_a_laptops_window_beside_the_navigation_and_the_filters(
    staff_browser_page, live_server, language
):
    _records()
    page = staff_browser_page
    assert page.viewport_size == {"width": 1280, "height": 900}
    overflowing = {}
    for name in LISTS:
        with translation.override(language):
            page.goto(live_server.url + reverse(name))
        assert page.locator("#result_list tbody tr").count() >= 1, name
        assert page.locator("#nav-sidebar").is_visible(), name
        widths = page.evaluate(
            """() => {
                const box = document.querySelector('#changelist .results');
                return {table: box.scrollWidth, box: box.clientWidth,
                        page: document.documentElement.scrollWidth};
            }"""
        )
        if widths["table"] > widths["box"] or widths["page"] > 1280:
            overflowing[name] = widths
    assert overflowing == {}


def test_the_person_list_gives_the_e_mail_and_the_phone_one_column(staff_browser_page, live_server):
    _records()
    page = staff_browser_page
    with translation.override("lt"):
        page.goto(live_server.url + reverse("admin:crm_person_changelist"))

    cell = page.locator("#result_list td.field-contacts").first
    assert (
        page.locator("#result_list thead th.column-contacts").text_content().strip()
        == "El. paštas ir telefonas"
    )
    # Copied, the e-mail is whole: the places where it may break add no character.
    assert cell.inner_text().split("\n") == [
        "jurate.ramanauskiene-kazlauskiene@elektromobilumo-klasteris.lt",
        "+370 612 34567",
    ]
    # The column sorts by e-mail.
    page.locator("#result_list thead th.column-contacts a").first.click()
    assert "o=" in page.url

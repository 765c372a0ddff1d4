"""Every input of the admin has a name a screen reader can say (WCAG 1.3.1, 4.1.2), where
Django's own markup gives none: the inputs of a tabular inline (named by their column), the date
and the time of a date-and-time field, and the autocomplete boxes (`static/js/admin_labels.js`)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from tests.consultations.factories import ConsultationFactory
from tests.factories import (
    AffiliationFactory,
    InteractionFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
)
from tests.positions.factories import PaperFactory, ProposalFactory, SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FIELDS = "input:not([type=hidden]), select, textarea"


def _url(name: str, *args: object) -> str:
    with translation.override("lt"):
        return reverse(name, args=args)


@pytest.fixture
def staff_page(staff_browser_page):
    staff_browser_page.set_viewport_size({"width": 1600, "height": 900})
    return staff_browser_page


def _names(page, selector: str) -> list[dict[str, str]]:
    """Each visible input under `selector` (not hidden from screen readers): its id and its locator."""
    found = []
    for input_ in page.locator(selector).all():
        if not input_.is_visible() or input_.get_attribute("aria-hidden") == "true":
            continue
        found.append(
            {
                "id": input_.get_attribute("id") or input_.get_attribute("class") or "",
                "node": input_,
            }
        )
    return found


def _accessible_name(input_) -> str:
    # The name Chromium computes, as Playwright's `aria_snapshot` prints it: `- textbox "Pareigos"`.
    snapshot = input_.aria_snapshot()
    match = re.search(r'"([^"]*)"', snapshot)
    return match.group(1) if match else ""


def test_the_inputs_of_a_tabular_inline_are_named_by_their_column(live_server, staff_page):
    organisation = OrganisationFactory(name="Saulės klasteris")
    person = PersonFactory(first_name="Rūta", last_name="Rutkauskienė")
    AffiliationFactory(organisation=organisation, person=person)
    MembershipFactory(organisation=organisation)
    InteractionFactory(organisation=organisation, subject="Susitikimas ministerijoje")
    page = staff_page
    page.goto(live_server.url + _url("admin:crm_organisation_change", organisation.pk))
    page.wait_for_selector("#id_affiliations-0-job_title[aria-labelledby]", state="attached")

    # Every input of the page, the tags' autocomplete box above the inlines too.
    everything = {
        item["id"]: _accessible_name(item["node"]) for item in _names(page, f"#content-main :is({FIELDS})")
    }
    assert all(everything.values()), {key: value for key, value in everything.items() if not value}
    rows = ".inline-group .tabular tr.form-row:not(.empty-form)"
    inputs = _names(page, f"{rows} :is({FIELDS})")
    assert len(inputs) >= 12
    named = {item["id"]: _accessible_name(item["node"]) for item in inputs}
    assert all(named.values()), {key: value for key, value in named.items() if not value}
    affiliation = "id_affiliations-0"
    assert named[f"{affiliation}-job_title"] == "Pareigos"
    assert named[f"{affiliation}-end_date"] == "Pabaiga"
    assert named["id_memberships-0-annual_fee"] == "Metinis mokestis, EUR"

    # The autocomplete box of a person says whose column it is, and who is chosen.
    combobox = page.locator(f"{rows} td.field-person [role=combobox]").first
    assert _accessible_name(combobox).startswith("Asmuo")
    assert "Rūta Rutkauskienė" in _accessible_name(combobox)

    # A row added on the page is named as well.
    page.locator("#affiliations-group .add-row a").click()
    new_row = page.locator("#affiliations-1")
    new_row.wait_for()
    assert _accessible_name(new_row.locator("[name='affiliations-1-job_title']")) == "Pareigos"
    combobox = new_row.locator("td.field-person [role=combobox]")
    page.wait_for_function(
        "id => document.querySelector(`#${id} td.field-person [role=combobox]`)"
        "?.getAttribute('aria-labelledby')?.startsWith('kl-name-')",
        arg="affiliations-1",
    )
    assert _accessible_name(combobox).startswith("Asmuo")


def test_the_date_and_the_time_of_a_date_and_time_field_are_named_after_the_field(live_server, staff_page):
    deadline = timezone.now() + datetime.timedelta(days=10)
    consultation = ConsultationFactory(title="Dėl Inovacijų įstatymo pakeitimo", internal_deadline=deadline)
    page = staff_page
    page.goto(live_server.url + _url("admin:consultations_consultation_change", consultation.pk))
    page.wait_for_selector("#id_internal_deadline_1[aria-label]", state="attached")

    label = page.locator(".field-internal_deadline label").first.text_content().strip().rstrip(":")
    assert label
    assert _accessible_name(page.locator("#id_internal_deadline_0")) == f"{label} — Data"
    assert _accessible_name(page.locator("#id_internal_deadline_1")) == f"{label} — Laikas"
    everything = {
        item["id"]: _accessible_name(item["node"]) for item in _names(page, f"#content-main :is({FIELDS})")
    }
    assert all(everything.values()), {key: value for key, value in everything.items() if not value}
    inputs = _names(page, f"#content-main p.datetime :is({FIELDS})")
    assert len(inputs) == 6  # opens, internal and external deadline
    for item in inputs:
        assert re.fullmatch(r".+ — (Data|Laikas)", _accessible_name(item["node"])), item["id"]


def test_every_input_of_a_position_paper_draft_is_named(live_server, staff_page):
    paper = PaperFactory(subject="Dėl Inovacijų įstatymo pakeitimo")
    SectionFactory(paper=paper)
    ProposalFactory(paper=paper)
    page = staff_page
    page.goto(live_server.url + _url("admin:positions_positionpaper_change", paper.pk))
    page.wait_for_selector("[aria-labelledby^='kl-name-'], [aria-label]", state="attached")

    everything = {
        item["id"]: _accessible_name(item["node"]) for item in _names(page, f"#content-main :is({FIELDS})")
    }
    assert len(everything) >= 10
    assert all(everything.values()), {key: value for key, value in everything.items() if not value}

"""A membership's payments have a history: a sum corrected or a payment deleted keeps its old value,
shown on the membership's history page."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm import services
from crm.models import Payment
from tests.admin_forms import change_form_data
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def payment_rows(client, membership) -> list[list[str]]:
    """The rows of the history page's table of the payments' changes, newest first, as read."""
    page = client.get(reverse("admin:crm_membership_history", args=[membership.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    section = html.split('id="payment-history"', 1)[1]
    rows = []
    for row in re.findall(r"(?s)<tr>(.*?)</tr>", section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]):
        cells = re.findall(r"(?s)<td>(.*?)</td>", row)
        text = [re.sub(r"<[^>]+>", " ", cell).replace("&nbsp;", " ").replace("&rarr;", "→") for cell in cells]
        rows.append([re.sub(r"\s+", " ", cell).strip() for cell in text])
    return rows


def test_a_corrected_sum_keeps_the_old_one_on_the_memberships_history_page(crm_editor):
    staff_client = Client()
    staff_client.force_login(crm_editor)
    membership = MembershipFactory(annual_fee=Decimal("600.00"))
    payment = Payment.objects.create(
        membership=membership, amount=Decimal("600.00"), paid_on=datetime.date(2026, 2, 1)
    )
    url = reverse("admin:crm_membership_change", args=[membership.pk])
    data = change_form_data(staff_client.get(url))
    data["payments-0-amount"] = "60,00"

    assert staff_client.post(url, data).status_code == 302

    payment.refresh_from_db()
    assert payment.amount == Decimal("60.00")
    assert [v.amount for v in payment.history.all()] == [Decimal("60.00"), Decimal("600.00")]
    assert payment.history.first().history_user == crm_editor
    rows = payment_rows(staff_client, membership)
    assert [(row[0], row[2], row[4]) for row in rows] == [
        ("60,00 EUR, 2026 m. vasario 1 d.", "Pakeista", "Suma, EUR: 600,00 → 60,00"),
        ("600,00 EUR, 2026 m. vasario 1 d.", "Sukurta", ""),
    ]
    assert rows[0][3] == crm_editor.get_username()


def test_a_deleted_payment_stays_on_the_memberships_history_page(staff_client):
    membership = MembershipFactory()
    Payment.objects.create(
        membership=membership, amount=Decimal("150.50"), paid_on=datetime.date(2026, 3, 2), reference="SF-12"
    )
    url = reverse("admin:crm_membership_change", args=[membership.pk])
    data = change_form_data(staff_client.get(url))
    data["payments-0-DELETE"] = "on"

    assert staff_client.post(url, data).status_code == 302

    assert not Payment.objects.exists()
    assert [row[:1] + row[2:3] for row in payment_rows(staff_client, membership)] == [
        ["150,50 EUR, 2026 m. kovo 2 d., SF-12", "Ištrinta"],
        ["150,50 EUR, 2026 m. kovo 2 d., SF-12", "Sukurta"],
    ]


def test_a_membership_without_payment_changes_says_so(staff_client):
    membership = MembershipFactory()

    page = staff_client.get(reverse("admin:crm_membership_history", args=[membership.pk]))

    assert "Šios narystės mokėjimų dar niekas neįvedė, netaisė ir neištrynė." in page.content.decode()


def test_the_history_page_reads_the_payments_changes_in_one_query(staff_client):
    membership = MembershipFactory()
    url = reverse("admin:crm_membership_history", args=[membership.pk])
    Payment.objects.create(membership=membership, amount=Decimal("10"), paid_on=datetime.date(2026, 1, 1))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for number in range(10):
        payment = Payment.objects.create(
            membership=membership, amount=Decimal(20 + number), paid_on=datetime.date(2026, 1, 2)
        )
        payment.amount += 1
        payment.save()

    assert queries() == few
    assert len(payment_rows(staff_client, membership)) == 21


def test_merged_memberships_bring_their_payments_history(superuser, staff_client):
    survivor, other = OrganisationFactory(), OrganisationFactory()
    start = datetime.date(2025, 1, 1)
    kept = MembershipFactory(organisation=survivor, start_date=start, end_date=None)
    folded = MembershipFactory(organisation=other, start_date=start, end_date=None)
    Payment.objects.create(membership=folded, amount=Decimal("300"), paid_on=datetime.date(2025, 2, 1))

    services.organisation_merge(survivor=survivor, others=[other], user=superuser)

    assert [row[0] for row in payment_rows(staff_client, kept)] == ["300,00 EUR, 2025 m. vasario 1 d."]


def test_a_payment_entered_on_the_membership_page_writes_no_empty_version_of_the_membership(crm_editor):
    staff_client = Client()
    staff_client.force_login(crm_editor)
    membership = MembershipFactory(annual_fee=Decimal("600.00"))
    versions_before = membership.history.count()
    url = reverse("admin:crm_membership_change", args=[membership.pk])
    data = change_form_data(staff_client.get(url))
    data |= {
        "payments-0-amount": "300,00",
        "payments-0-paid_on": "2026-04-01",
        "payments-0-reference": "SF-7",
    }
    data["payments-TOTAL_FORMS"] = str(max(int(data["payments-TOTAL_FORMS"]), 1))

    assert staff_client.post(url, data).status_code == 302

    assert [p.amount for p in membership.payments.all()] == [Decimal("300.00")]
    # The payment has its own history; the membership itself did not change.
    assert membership.history.count() == versions_before
    assert Payment.history.filter(membership_id=membership.pk).count() == 1

    # A change of the membership on the same page still writes its version.
    data = change_form_data(staff_client.get(url))
    data["annual_fee"] = "650,00"
    assert staff_client.post(url, data).status_code == 302
    assert membership.history.count() == versions_before + 1
    assert membership.history.first().annual_fee == Decimal("650.00")


def test_a_payment_is_named_as_the_pages_language_writes_a_sum_and_a_date(staff_client):
    membership = MembershipFactory()
    Payment.objects.create(
        membership=membership, amount=Decimal("1200.50"), paid_on=datetime.date(2026, 2, 15)
    )
    url = reverse("admin:crm_membership_change", args=[membership.pk])

    lithuanian = staff_client.get(url).content.decode()
    english = staff_client.get("/en" + url).content.decode()

    # The payment's row, as its history names it.
    assert "1200,50 EUR, 2026 m. vasario 15 d." in lithuanian
    assert "1200.50 EUR, Feb. 15, 2026" in english

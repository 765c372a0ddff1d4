"""The association's logo on its requisites page: linked to the admin's own view of it, which
works where nothing serves MEDIA_URL (production), and only for staff who may see the page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from positions.models import IssuerSettings
from tests.factories import UserFactory
from tests.positions.factories import issuer_with_requisites, logo_png

pytestmark = pytest.mark.django_db


def test_the_logo_is_linked_to_the_admins_own_view_of_it(staff_client, settings, read_only_user):
    issuer = issuer_with_requisites()
    logo_url = reverse("admin:positions_issuersettings_logo")

    page = staff_client.get(
        reverse("admin:positions_issuersettings_change", args=[issuer.pk])
    ).content.decode()

    assert f'href="{logo_url}"' in page
    assert settings.MEDIA_URL + issuer.logo.name not in page
    served = staff_client.get(logo_url)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == logo_png()
    assert served["Content-Type"] == "image/png"
    # Staff who may see the requisites see the logo, on the page shown them read-only too;
    # nobody else.
    reader = Client()
    reader.force_login(read_only_user)
    read_only = reader.get(
        reverse("admin:positions_issuersettings_change", args=[issuer.pk])
    ).content.decode()
    assert f'href="{logo_url}"' in read_only
    assert settings.MEDIA_URL + issuer.logo.name not in read_only
    assert reader.get(logo_url).status_code == 200
    no_rights = Client()
    no_rights.force_login(UserFactory(username="be-teisiu", is_staff=True))
    assert no_rights.get(logo_url).status_code == 403
    assert Client().get(logo_url).status_code == 302  # to the login page


def test_without_a_logo_its_view_is_not_found(staff_client):
    IssuerSettings.load()
    assert staff_client.get(reverse("admin:positions_issuersettings_logo")).status_code == 404


def test_a_logo_whose_stored_file_is_gone_sends_staff_to_upload_it_again(staff_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    issuer = issuer_with_requisites()
    issuer.logo.storage.delete(issuer.logo.name)

    response = staff_client.get(reverse("admin:positions_issuersettings_logo"), follow=True)

    assert response.redirect_chain == [
        (reverse("admin:positions_issuersettings_change", args=[issuer.pk]), 302)
    ]
    assert [str(message) for message in response.context["messages"]] == [
        "Logotipo failo saugykloje nėra: įkelkite jį iš naujo."
    ]

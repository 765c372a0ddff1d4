"""The product's icon ships with the project and every page names it, so browsers do not ask for
a /favicon.ico that is not there."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def icon_link() -> str:
    return f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">'


def test_the_icon_is_a_static_svg_file():
    path = finders.find("favicon.svg")
    assert path
    assert ET.parse(path).getroot().tag == "{http://www.w3.org/2000/svg}svg"  # noqa: S314 (our own file)


def test_the_staff_and_the_public_pages_link_the_icon(staff_client):
    for url in (reverse("admin:index"), reverse("admin:crm_organisation_changelist")):
        assert icon_link() in staff_client.get(url).content.decode()
    assert icon_link() in Client().get(reverse("admin:login")).content.decode()
    assert icon_link() in staff_client.get(reverse("crm:directory")).content.decode()


def test_favicon_ico_leads_to_the_icon():
    response = Client().get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == static("favicon.svg")

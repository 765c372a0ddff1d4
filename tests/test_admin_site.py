"""The admin site lists its apps and models in the page language's alphabetical order, and its
"View site" leads to the site in the same language."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from config.admin import AdminSite
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_the_project_admin_site_is_the_default_one():
    assert isinstance(admin.site, AdminSite)


def test_the_index_and_the_side_menu_list_models_in_lithuanian_alphabetical_order(staff_client):
    response = staff_client.get(reverse("admin:index"))

    crm = next(app for app in response.context["app_list"] if app["app_label"] == "crm")
    names = [str(model["name"]) for model in crm["models"]]
    # Code points would put "Sąveikos" after "Sektoriai"; in Lithuanian "ą" sorts as "a".
    assert names.index("Sąveikos") < names.index("Savivaldybės") < names.index("Sektoriai")
    assert [str(app["name"]) for app in response.context["app_list"]] == sorted(
        (str(app["name"]) for app in response.context["app_list"]),
        key=lambda name: name.casefold().replace("ą", "a"),
    )
    page = staff_client.get(reverse("admin:crm_organisation_changelist")).content.decode()
    menu = page[page.index('id="nav-sidebar"') :]
    assert menu.index("Sąveikos") < menu.index("Savivaldybės") < menu.index("Sektoriai")


@pytest.mark.parametrize(("admin_path", "site"), [("/admin/", "/"), ("/en/admin/", "/en/")])
def test_view_site_leads_to_the_site_in_the_admins_language(staff_client, admin_path, site):
    page = staff_client.get(admin_path).content.decode()

    assert f'<a href="{site}">' in page
    assert staff_client.get(site).url == ("/en/nariai/" if site == "/en/" else "/nariai/")


def test_lists_write_an_empty_value_as_a_dash_as_their_own_columns_do(staff_client):
    MembershipFactory(end_date=None)

    page = staff_client.get(reverse("admin:crm_membership_changelist")).content.decode()

    end_cells = re.findall(r'<td class="field-end_date[^"]*">(.*?)</td>', page, re.DOTALL)
    assert end_cells and all(cell.strip() == "—" for cell in end_cells), end_cells

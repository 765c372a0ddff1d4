"""The admin lists' rows are rendered by crm.admin.rows, exactly as Django renders them."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import translation

from crm.admin.rows import QuickRowsMixin, quick_results, quick_rows_apply
from crm.models import Organisation
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["lt", "en"])
def test_the_quick_checkbox_is_the_same_html_as_djangos(language):
    organisation = OrganisationFactory(name='Klasteris „Žalia & <vaga>“ "A"')
    ours = admin.site._registry[Organisation]
    assert isinstance(ours, QuickRowsMixin)
    bare = admin.ModelAdmin(Organisation, admin.site)

    with translation.override(language):
        assert ours.action_checkbox(organisation) == bare.action_checkbox(organisation)


def test_every_list_of_the_product_uses_it():
    product = [
        model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in {"crm", "consultations", "positions"}
        and model_admin.list_display != ("__str__",)
    ]
    assert product
    assert [type(m).__name__ for m in product if not isinstance(m, QuickRowsMixin)] == []


@pytest.fixture
def demo(settings):
    """The demo data: organisations, people, memberships, consultations, answers, a paper."""
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("ensure_demo_staff")
    call_command("seed_demo_papers")


@pytest.mark.parametrize("language", ["lt", "en"])
@pytest.mark.parametrize("query", [{}, {"o": "-1"}])
def test_every_product_list_renders_exactly_the_cells_django_renders(demo, superuser, language, query):
    lists_with_rows = []
    with translation.override(language):
        for model, model_admin in admin.site._registry.items():
            if not isinstance(model_admin, QuickRowsMixin):
                continue
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            request = RequestFactory().get(url, query)
            request.user = superuser
            request.resolver_match = resolve(url)  # the list's filters go into the rows' links
            changelist = model_admin.get_changelist_instance(request)
            changelist.formset = None  # as the list view sets it
            assert quick_rows_apply(changelist)

            ours = [list(row) for row in quick_results(changelist)]

            assert ours == [list(row) for row in admin_list.results(changelist)], model
            if ours:
                lists_with_rows.append(model._meta.label)
    assert {"crm.Organisation", "crm.Person", "consultations.Response", "positions.PositionPaper"} <= set(
        lists_with_rows
    )
    assert len(lists_with_rows) >= 12


def test_the_rows_link_to_the_change_page_with_the_lists_filters(demo, superuser):
    url = reverse("admin:crm_organisation_changelist")
    request = RequestFactory().get(url, {"kind__exact": "cluster", "o": "1"})
    request.user = superuser
    request.resolver_match = resolve(url)
    changelist = admin.site._registry[Organisation].get_changelist_instance(request)

    first = next(quick_results(changelist))

    organisation = changelist.result_list[0]
    change = reverse("admin:crm_organisation_change", args=[organisation.pk])
    assert (
        f'<th class="field-name"><a href="{change}?_changelist_filters=kind__exact%3Dcluster%26o%3D1">'
        in first[1]
    )

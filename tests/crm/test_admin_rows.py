"""The admin lists' selection checkbox is written directly, and is exactly Django's."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.utils import translation

from crm.admin.rows import QuickRowsMixin
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

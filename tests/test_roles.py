"""Every model of the product is covered by the staff roles (a new model needs a roles migration)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from crm import roles

pytestmark = pytest.mark.django_db


def _product_models():
    for label in sorted(roles.PRODUCT_APPS):
        yield from apps.get_app_config(label).get_models()


def test_read_only_role_can_view_every_product_model():
    granted = set(Group.objects.get(name=roles.READ_ONLY).permissions.values_list("codename", flat=True))
    missing = [m._meta.label for m in _product_models() if f"view_{m._meta.model_name}" not in granted]
    assert missing == []


def test_administrator_role_can_change_every_product_model():
    granted = set(Group.objects.get(name=roles.ADMINISTRATOR).permissions.values_list("codename", flat=True))
    missing = [m._meta.label for m in _product_models() if f"change_{m._meta.model_name}" not in granted]
    assert missing == []


def test_answers_are_exported_by_the_roles_that_run_consultations():
    # The export permission is not a view permission: the read-only role and the CRM editor,
    # who read consultations, do not take their answers out in bulk.
    def granted(role: str) -> bool:
        return Group.objects.get(name=role).permissions.filter(codename="export_consultation").exists()

    assert granted(roles.ADMINISTRATOR)
    assert granted(roles.POLICY_OFFICER)
    assert not granted(roles.CRM_EDITOR)
    assert not granted(roles.READ_ONLY)

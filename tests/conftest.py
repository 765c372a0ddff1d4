from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import translation

from crm import roles
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _plain_settings(settings):
    # Tests run without collectstatic and over plain HTTP.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SECURE_SSL_REDIRECT = False
    # A request under /en/ leaves English active in this thread; reverse() would then build /en/ URLs.
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def english():
    """For tests whose assertions read the English source strings (pages under /en/)."""
    with translation.override("en"):
        yield


def _user_with_role(role: str, username: str):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def superuser(db):
    return UserFactory(username="vadovas", is_superuser=True)


@pytest.fixture
def administrator(db):
    return _user_with_role(roles.ADMINISTRATOR, "administratorius")


@pytest.fixture
def policy_officer(db):
    return _user_with_role(roles.POLICY_OFFICER, "politika")


@pytest.fixture
def crm_editor(db):
    return _user_with_role(roles.CRM_EDITOR, "redaktorius")


@pytest.fixture
def read_only_user(db):
    return _user_with_role(roles.READ_ONLY, "skaitytojas")


@pytest.fixture
def staff_client(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client

from __future__ import annotations

import os

import pytest
from django.contrib.auth.models import Group
from django.test import Client, override_settings
from django.utils import translation
from pytest_django.live_server_helper import LiveServer

from crm import roles
from tests.factories import UserFactory
from tests.migrating import migrate_to_latest


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


@pytest.fixture(scope="session")
def live_server(request, django_db_setup):
    """pytest-django's live server, its handler built with SECURE_SSL_REDIRECT off: the security
    middleware reads the setting once, when the server thread starts, so the per-test `settings`
    fixture would come too late and every page would redirect to https. (It depends on the test
    database so that it stops, closing its connection, before the database is dropped.)"""
    addr = (
        request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    )
    with override_settings(SECURE_SSL_REDIRECT=False):
        server = LiveServer(addr)
    yield server
    server.stop()


@pytest.fixture
def back_to_latest():
    """For tests that migrate the database back: it leaves them fully migrated, whatever happened."""
    yield
    migrate_to_latest()

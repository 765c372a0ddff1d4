from __future__ import annotations

import os

import pytest
from django.contrib.auth.models import Group
from django.db import connections
from django.test import Client, override_settings
from django.urls import reverse
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


@pytest.fixture
def staff_browser_page(live_server, superuser, settings):
    """A Chromium page (1280 × 900) logged in to the admin as `superuser`, for browser tests."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test still talks to the database.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    with translation.override("lt"):
        login = reverse("admin:login")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(live_server.url + login)
            page.fill("#id_username", superuser.username)
            page.fill("#id_password", "slaptažodis-2026")
            page.click("input[type=submit]")
            page.wait_for_selector("#user-tools")
            yield page
            browser.close()
    finally:
        # Playwright's greenlet holds its own database connection: close it before the test
        # database is flushed or dropped.
        connections.close_all()

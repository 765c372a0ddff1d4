"""Django's own messages are written once to the console, and its server errors mailed to ADMINS."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def failing_view(request):
    raise RuntimeError("Klaida: šaltinis nepasiekiamas")


urlpatterns = [path("failing/", failing_view), *site_urlpatterns]


def test_a_message_of_django_reaches_one_console_handler():
    logger = logging.getLogger("django.utils.autoreload")
    consoles = []
    current = logger
    while current is not None:
        consoles += [
            handler
            for handler in current.handlers
            if type(handler) is logging.StreamHandler and handler.level <= logging.INFO
        ]
        current = current.parent if current.propagate else None
    assert len(consoles) == 1


@pytest.mark.urls("tests.test_logging")
def test_a_server_error_is_mailed_to_the_admins(settings, mailoutbox):
    settings.ADMINS = [("Administratorius", "admin@klasteriai.lt")]
    settings.DEBUG = False
    client = Client(raise_request_exception=False)

    response = client.get("/failing/")

    assert response.status_code == 500
    assert [message.to for message in mailoutbox] == [["admin@klasteriai.lt"]]
    assert "šaltinis nepasiekiamas" in mailoutbox[0].body

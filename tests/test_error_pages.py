"""The error pages are the product's, in the page's language (Lithuanian unless the address is
under /en/), with a way back; Django's own are bare English."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize(
    ("path", "heading", "home"),
    [
        ("/nera-tokio/", "Puslapis nerastas", 'href="/"'),
        ("/en/no-such-page/", "Page not found", 'href="/en/"'),
    ],
)
def test_a_missing_page_says_so_in_the_pages_language(client, path, heading, home):
    response = client.get(path)

    assert response.status_code == 404
    page = _text(response)
    assert f'<h1 class="h3">{heading}</h1>' in page
    assert home in page
    assert "Not Found</h1>" not in page


def test_a_failure_on_the_server_says_so_in_lithuanian_and_keeps_the_error_to_itself(settings):
    settings.ROOT_URLCONF = "tests.error_urls"
    client = Client(raise_request_exception=False)

    response = client.get("/klaida/")

    assert response.status_code == 500
    page = _text(response)
    assert "Įvyko klaida" in page
    assert "Klaida bandymui" not in page  # nothing of the error itself
    assert '<html lang="lt">' in page


def test_a_page_the_user_may_not_open_says_so(settings, client):
    settings.ROOT_URLCONF = "tests.error_urls"

    response = client.get("/draudziama/")

    assert response.status_code == 403
    assert "Prieiga draudžiama" in _text(response)


def test_a_form_too_large_is_refused_with_a_page_that_tells_how_not_to_lose_it(settings, client):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = client.post("/i18n/setlang/", {"language": "lt", "next": "/", "tekstas": "ą" * 1000})

    assert response.status_code == 400
    page = _text(response)
    assert "Užklausos nepavyko apdoroti" in page
    assert "mažesnėmis dalimis" in page


def test_a_form_sent_without_its_csrf_cookie_says_how_to_send_it_again():
    client = Client(enforce_csrf_checks=True)

    with translation.override("en"):
        response = client.post("/en/admin/login/", {"username": "x", "password": "y"})

    assert response.status_code == 403
    page = _text(response)
    assert "The form could not be sent" in page
    assert "reload the page" in page

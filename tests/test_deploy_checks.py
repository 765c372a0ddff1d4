"""What `manage.py check --deploy` tells an operator, and the settings it reads from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks

ROOT = Path(__file__).resolve().parent.parent


def _deploy_check_ids() -> set[str]:
    return {message.id for message in run_checks(include_deployment_checks=True)}


@pytest.mark.parametrize(
    ("site_url", "found"),
    [
        ("http://127.0.0.1:8000", "consultations.W001"),
        ("http://localhost:8000/", "consultations.W001"),
        ("crm.example.org", "consultations.W001"),
        ("http://crm.example.org", "consultations.W002"),
        ("https://crm.example.org", None),
    ],
)
def test_the_deploy_check_warns_of_a_site_url_that_members_links_cannot_use(settings, site_url, found):
    settings.SITE_URL = site_url

    ids = {id for id in _deploy_check_ids() if id.startswith("consultations.")}

    assert ids == ({found} if found else set())


def test_the_site_url_is_checked_only_at_deploy_check(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"

    assert "consultations.W001" not in {message.id for message in run_checks()}


def _production(**overrides: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": "a-key-of-this-test-" + "x" * 50,
        "ALLOWED_HOSTS": "crm.example.org",
        "SITE_URL": "https://crm.example.org",
        "LOG_LEVEL": "INFO",
    }
    # What the test run itself sets (the browser tests allow Django's ORM in async code) is not
    # a production server's.
    for name in ("DATABASE_URL", "SECURE_HSTS_PRELOAD", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    return env | overrides


def _manage(*arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - this interpreter, the project's manage.py
        [sys.executable, "manage.py", *arguments], env=env, cwd=ROOT, capture_output=True, text=True
    )


def test_check_deploy_prints_its_findings_and_nothing_else():
    # The PDF check imports WeasyPrint, whose progress reports ("Step 2 - Fetching and parsing
    # CSS") the project keeps out of the log.
    checked = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production())

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "System check identified no issues" in checked.stdout
    assert checked.stderr.strip() == ""


def test_a_site_kept_off_the_preload_list_on_purpose_passes_the_deploy_check():
    kept_off = _manage(
        "check", "--deploy", "--fail-level", "WARNING", env=_production(SECURE_HSTS_PRELOAD="false")
    )
    at_development_address = _manage(
        "check", "--deploy", "--fail-level", "WARNING", env=_production(SITE_URL="http://127.0.0.1:8000")
    )

    assert kept_off.returncode == 0, kept_off.stdout + kept_off.stderr
    assert "security.W021" not in kept_off.stdout + kept_off.stderr
    assert at_development_address.returncode != 0
    assert "consultations.W001" in at_development_address.stderr


def test_error_reports_go_to_the_admins_named_in_the_environment():
    env = _production(ADMINS="Rūta Žilinskienė <ruta@example.org>, it@example.org")

    shown = _manage("shell", "-c", "from django.conf import settings; print(settings.ADMINS)", env=env)

    assert shown.returncode == 0, shown.stderr
    assert (
        shown.stdout.strip().splitlines()[-1]
        == "[('Rūta Žilinskienė', 'ruta@example.org'), ('it@example.org', 'it@example.org')]"
    )

"""System checks of the consultations' settings."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", ""}


@checks.register(checks.Tags.security, deploy=True)
def site_url(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The members' personal links in e-mails start with SITE_URL: a production server left at the
    development default would send links that lead nowhere."""
    address = urlsplit(settings.SITE_URL)
    if address.hostname is None or address.hostname in LOOPBACK_HOSTS:
        return [
            checks.Warning(
                f"SITE_URL is {settings.SITE_URL!r}: the links in the e-mails to members (invitations, "
                "reminders, receipts) lead to this machine, not to the site.",
                hint="Set SITE_URL to the site's public address, e.g. https://crm.example.org.",
                id="consultations.W001",
            )
        ]
    if address.scheme != "https":
        return [
            checks.Warning(
                f"SITE_URL is {settings.SITE_URL!r}: the members' personal links in e-mails are sent "
                "over plain HTTP.",
                hint="Serve the site over HTTPS and give SITE_URL its https:// address.",
                id="consultations.W002",
            )
        ]
    return []

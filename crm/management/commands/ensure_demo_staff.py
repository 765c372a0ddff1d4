from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from crm import roles


class Command(BaseCommand):
    help = "Create (or reset) the demo staff account and print its login. Development only (DEBUG on)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000",
            help="the address the development server serves (printed with the login)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # A production install must never have a default account.
        if not settings.DEBUG:
            raise CommandError("The demo staff account is only created with DEBUG on.")
        user, _created = get_user_model().objects.get_or_create(
            username=settings.DEMO_STAFF_USERNAME,
            defaults={"first_name": "Demo", "last_name": "Darbuotoja", "email": "demo@klasteriai.lt"},
        )
        user.is_staff = True
        user.is_superuser = True
        user.set_password(settings.DEMO_STAFF_PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))
        self.stdout.write(
            self.style.SUCCESS(
                f"\nDemo staff login — {options['url'].rstrip('/')}/admin/\n"
                f"  user:     {settings.DEMO_STAFF_USERNAME}\n"
                f"  password: {settings.DEMO_STAFF_PASSWORD}\n"
            )
        )

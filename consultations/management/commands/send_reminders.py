"""Remind organisations that have not submitted, N days before the last day each open consultation
takes answers: the day of its internal deadline, or the day before for a deadline at midnight, as
the dashboard and the e-mails show it (0: on that last day).

Meant for a daily scheduler (cron, a systemd timer). Running it twice on one day reminds nobody
twice: `services.reminders_send` skips organisations already reminded (or invited) that day.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from consultations import services
from consultations.models import Consultation


class Command(BaseCommand):
    help = (
        "E-mail reminders to organisations that have not submitted, N days before the last day "
        "answers are taken."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days-before",
            type=int,
            default=None,
            help="Remind on the day this many days before the last day answers are taken, a deadline "
            "at midnight ending the day before (0: on that day; default: the "
            "CONSULTATION_REMINDER_DAYS_BEFORE setting).",
        )

    def handle(self, *args: Any, days_before: int | None, **options: Any) -> None:
        days = settings.CONSULTATION_REMINDER_DAYS_BEFORE if days_before is None else days_before
        if days < 0:
            raise CommandError("--days-before cannot be negative.")
        organisations = emails = 0
        for consultation in Consultation.objects.filter(status=Consultation.Status.OPEN).order_by("pk"):
            try:
                report = services.reminders_send(consultation=consultation, days_before=days)
            except ValidationError as error:
                # Closed or past its deadline since the query: nothing to remind.
                self.stderr.write(f"{consultation.title}: {' '.join(error.messages)}")
                continue
            if report.emails_queued:
                self.stdout.write(
                    f"{consultation.title}: {report.organisations} organisations, {report.emails_queued} e-mails"
                )
            organisations += report.organisations
            emails += report.emails_queued
        self.stdout.write(
            f"Reminded {organisations} organisations with {emails} e-mails ({days} days before)."
        )

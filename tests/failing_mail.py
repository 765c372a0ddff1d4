"""An e-mail backend that behaves like an unreachable SMTP server."""

from __future__ import annotations

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP server unreachable")

"""The e-mails of consultations, in the recipient's language, plain text and HTML: the
invitation, the reminder and the re-issued link carrying a personal link, the receipt of a
submitted answer and the notice that an answer was amended."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from consultations.answers import entry_display
from consultations.models import AccessLink, Consultation, ResponseVersion
from consultations.templatetags.consultation_tags import deadline as deadline_filter
from crm.models import Person
from crm.names import vocative

INVITATION = "invitation"
REMINDER = "reminder"
# A new link for a person whose earlier links were revoked (`services.access_link_reissue`).
REISSUE = "reissue"
# What each e-mail says of the links the person had before: a reminder's earlier links still
# work (they are the same link's tokens); a re-issued link replaces revoked ones; an invitation
# is the first.
EARLIER_LINKS = {REMINDER: "keep", REISSUE: "revoked", INVITATION: ""}


# Quotation marks a title may already be written in, opening and closing (not the single ones,
# which are apostrophes as often).
QUOTES = ("„", "“", '"', "«"), ("“", "”", '"', "»")


def title_unquoted(title: str) -> str:
    """The title without the one pair of quotation marks around the whole of it, for a subject that
    quotes it: „Dėl tvarkos aprašo“ is not quoted twice. Marks inside the title stay."""
    title = title.strip()
    opening, closing = QUOTES
    if len(title) > 2 and title.startswith(opening) and title.endswith(closing):
        inner = title[1:-1]
        # "„A“ ir „B“" is two quoted names, not one quoted title.
        if not any(mark in inner for mark in (*opening, *closing)):
            return inner.strip()
    return title


def recipient_language(language: str) -> str:
    """The person's language when the site speaks it, the site's default otherwise."""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def greeting_name(person: Person) -> str:
    """The person's first name as an e-mail in the active language greets them: in Lithuanian in
    the vocative ("Gerb. Mindaugai,", "Gerb. Egle,"), in another language as written."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    return vocative(person.first_name) if language.split("-")[0] == "lt" else person.first_name


def access_link_url(*, token: str) -> str:
    """The absolute address of a personal link, in the active language (English is under /en/)."""
    return settings.SITE_URL.rstrip("/") + reverse("consultations:access", kwargs={"token": token})


def access_link_message(*, link: AccessLink, token: str, kind: str) -> EmailMultiAlternatives:
    """The invitation, reminder or re-issued link e-mail (plain text and HTML) carrying `token` to
    the link's person."""
    invitation = link.invitation
    consultation = invitation.consultation
    with translation.override(recipient_language(link.person.language)):
        deadline = timezone.localtime(consultation.internal_deadline)
        context = {
            "person": link.person,
            "greeting_name": greeting_name(link.person),
            "organisation": invitation.organisation,
            "consultation": consultation,
            "deadline": deadline,
            "url": access_link_url(token=token),
            "site_url": settings.SITE_URL,
            "earlier_links": EARLIER_LINKS[kind],
        }
        if kind == REMINDER:
            # With its time: a reminder is sent in the last days, when the hour matters.
            subject = gettext("Reminder: answer “%(title)s” by %(deadline)s") % {
                "title": title_unquoted(consultation.title),
                "deadline": deadline_filter(deadline),
            }
        elif kind == REISSUE:
            subject = gettext("New link: %(title)s") % {"title": consultation.title}
        else:
            subject = gettext("Consultation: %(title)s") % {"title": consultation.title}
        text = render_to_string(f"consultations/email/{kind}.txt", context)
        html = render_to_string(f"consultations/email/{kind}.html", context)
    return _message(consultation=consultation, to=link.person.email, subject=subject, text=text, html=html)


def _message(
    *, consultation: Consultation, to: str, subject: str, text: str, html: str
) -> EmailMultiAlternatives:
    responsible = consultation.responsible
    message = EmailMultiAlternatives(
        # A subject is one line; a title cannot smuggle headers in.
        subject=" ".join(subject.split()),
        body=text,
        to=[to],
        reply_to=[responsible.email] if responsible and responsible.email else None,
    )
    message.attach_alternative(html, "text/html")
    return message


def _answers_copy(version: ResponseVersion) -> list[dict[str, object]]:
    """The submitted answers as the e-mail lists them (call with the recipient's language active)."""
    return [
        {
            "number": number,
            "question": entry.get("question", ""),
            "kind": entry.get("kind"),
            "answer": "" if entry.get("kind") == "proposals" else entry_display(entry),
            "rows": entry.get("rows", []),
        }
        for number, entry in enumerate(version.answers, start=1)
    ]


def _version_context(version: ResponseVersion, person: Person) -> dict[str, object]:
    response = version.response
    consultation = response.consultation
    return {
        "person": person,
        "greeting_name": greeting_name(person),
        "organisation": response.organisation,
        "consultation": consultation,
        "version": version,
        "submitted_by": version.submitted_by,
        "submitted_at": timezone.localtime(version.submitted_at),
        "deadline": timezone.localtime(consultation.internal_deadline)
        if consultation.internal_deadline
        else None,
        "answers": _answers_copy(version),
        "site_url": settings.SITE_URL,
    }


def response_receipt_message(*, version: ResponseVersion) -> EmailMultiAlternatives:
    """The receipt of a submitted version, with a copy of the answers, to the person who submitted it."""
    person = version.submitted_by
    consultation = version.response.consultation
    with translation.override(recipient_language(person.language)):
        context = _version_context(version, person)
        subject = gettext("Received: the answer of %(organisation)s to “%(title)s” (version %(number)d)") % {
            "organisation": version.response.organisation.name,
            "title": title_unquoted(consultation.title),
            "number": version.number,
        }
        text = render_to_string("consultations/email/receipt.txt", context)
        html = render_to_string("consultations/email/receipt.html", context)
    return _message(consultation=consultation, to=person.email, subject=subject, text=text, html=html)


def response_amendment_message(*, version: ResponseVersion, recipient: Person) -> EmailMultiAlternatives:
    """The notice to one of the organisation's contacts that a colleague amended its answer."""
    consultation = version.response.consultation
    with translation.override(recipient_language(recipient.language)):
        context = _version_context(version, recipient)
        subject = gettext("Amended: the answer of %(organisation)s to “%(title)s” (version %(number)d)") % {
            "organisation": version.response.organisation.name,
            "title": title_unquoted(consultation.title),
            "number": version.number,
        }
        text = render_to_string("consultations/email/amendment.txt", context)
        html = render_to_string("consultations/email/amendment.html", context)
    return _message(consultation=consultation, to=recipient.email, subject=subject, text=text, html=html)

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import translation

from consultations import services
from consultations.models import AccessLink, Consultation, Invitation, Question
from crm.models import Organisation, Person
from tests.consultations.factories import ConsultationFactory, QuestionFactory, member_organisation
from tests.factories import AffiliationFactory, PersonFactory

TOKEN_IN_URL = re.compile(r"/konsultacijos/nuoroda/([A-Za-z0-9_-]+)/")


@pytest.fixture(autouse=True)
def _empty_cache():
    # The rate limit of token attempts counts in the cache, and the member pages are kept there
    # and in each worker's copy; every test starts from nothing.
    for each in caches.all():
        each.clear()
    yield
    for each in caches.all():
        each.clear()


def all_kinds_questions(consultation: Consultation) -> dict[str, Question]:
    """One question of every kind, in this order, as staff would set them up."""
    specs = {
        "short": {
            "kind": Question.Kind.SHORT_TEXT,
            "text": "Jūsų organizacijos pozicija trumpai",
            "required": True,
            "max_length": 100,
        },
        "long": {"kind": Question.Kind.LONG_TEXT, "text": "Išsamios pastabos", "max_length": 2000},
        "single": {
            "kind": Question.Kind.SINGLE_CHOICE,
            "text": "Ar pritariate projektui?",
            "choices": ["Pritariame", "Pritariame su pastabomis", "Nepritariame"],
            "allow_other": True,
            "required": True,
        },
        "multiple": {
            "kind": Question.Kind.MULTIPLE_CHOICE,
            "text": "Kurias sritis projektas paveiks?",
            "choices": ["Mokslas", "Verslas", "Švietimas"],
            "allow_other": True,
        },
        "scale": {"kind": Question.Kind.SCALE, "text": "Projektas padės klasteriams augti", "required": True},
        "yes_no": {"kind": Question.Kind.YES_NO, "text": "Ar norite dalyvauti darbo grupėje?"},
        "proposals": {
            "kind": Question.Kind.PROPOSALS,
            "text": "Pasiūlymai dėl projekto nuostatų",
            "required": True,
            "max_length": 1000,
        },
    }
    return {
        key: QuestionFactory(consultation=consultation, position=position, **spec)
        for position, (key, spec) in enumerate(specs.items(), start=1)
    }


@dataclass
class Member:
    """A contact of an invited organisation, with their token and link."""

    person: Person
    organisation: Organisation
    invitation: Invitation
    link: AccessLink
    token: str

    @property
    def lt_url(self) -> str:
        """The answer page in Lithuanian, the default language."""
        # A request under /en/ leaves English active in the thread; reverse() would then add /en/.
        with translation.override(settings.LANGUAGE_CODE):
            return reverse("consultations:response", args=[self.invitation.pk])

    @property
    def url(self) -> str:
        """The answer page in English: tests assert on the source strings, which stay English
        whatever the Lithuanian catalogue says."""
        return "/en" + self.lt_url

    def client(self) -> Client:
        """A browser that has exchanged the person's link token for its link cookie."""
        client = Client()
        response = client.post(reverse("consultations:access", kwargs={"token": self.token}))
        assert response.status_code == 302
        return client


@dataclass
class Opened:
    consultation: Consultation
    questions: dict[str, Question]
    members: dict[str, Member]


@pytest.fixture
def opened(policy_officer) -> Opened:
    """An open consultation with a question of every kind, for two organisations: "Saulės
    klasteris" with two contacts (Rūta, Jonas) and "Mėnulio klasteris" with one (Eglė)."""
    sun = member_organisation(contacts=0, name="Saulės klasteris")
    moon = member_organisation(contacts=0, name="Mėnulio klasteris")
    people = {
        "ruta": (sun, PersonFactory(first_name="Rūta", last_name="Rutkauskienė", email="ruta@saule.lt")),
        "jonas": (
            sun,
            PersonFactory(first_name="Jonas", last_name="Jonaitis", email="jonas@saule.lt", language="en"),
        ),
        "egle": (moon, PersonFactory(first_name="Eglė", last_name="Eglaitė", email="egle@menulis.lt")),
    }
    for organisation, person in people.values():
        AffiliationFactory(organisation=organisation, person=person, receives_consultations=True)
    consultation = ConsultationFactory(
        sectors=["ict"], title="Dėl Inovacijų įstatymo pakeitimo", responsible=policy_officer
    )
    questions = all_kinds_questions(consultation)
    mail.outbox.clear()
    services.consultation_open(consultation=consultation, user=policy_officer)
    tokens = {message.to[0]: TOKEN_IN_URL.search(message.body).group(1) for message in mail.outbox}
    mail.outbox.clear()
    members = {}
    for key, (organisation, person) in people.items():
        link = AccessLink.objects.select_related("invitation").get(person=person)
        members[key] = Member(
            person=person,
            organisation=organisation,
            invitation=link.invitation,
            link=link,
            token=tokens[person.email],
        )
    return Opened(consultation=consultation, questions=questions, members=members)

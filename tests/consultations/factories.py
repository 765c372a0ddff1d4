from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from consultations.models import AccessLink, Answer, Consultation, Invitation, Question, Response
from crm.models import Organisation, Sector
from tests.factories import AffiliationFactory, MembershipFactory, OrganisationFactory


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Dėl Inovacijų įstatymo pakeitimo projekto Nr. {n}")
    background = "Ministerija prašo pastabų dėl **projekto** iki nurodytos datos."
    external_reference = factory.Sequence(lambda n: f"25-{10000 + n}")
    internal_deadline = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=14))
    external_deadline = factory.LazyAttribute(lambda c: c.internal_deadline + datetime.timedelta(days=7))

    @factory.post_generation
    def sectors(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            self.audience_sectors.set(Sector.objects.filter(code__in=extracted))

    @factory.post_generation
    def organisations(self, create: bool, extracted: list[Organisation] | None, **kwargs: object) -> None:
        if create and extracted:
            self.audience_organisations.set(extracted)


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    consultation = factory.SubFactory(ConsultationFactory)
    position = factory.Sequence(lambda n: n + 1)
    kind = Question.Kind.LONG_TEXT
    text = factory.Sequence(lambda n: f"Ar pritariate projekto {n} straipsniui?")


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    consultation = factory.SubFactory(ConsultationFactory)
    organisation = factory.SubFactory(OrganisationFactory)


class AccessLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessLink

    invitation = factory.SubFactory(InvitationFactory)
    person = factory.SubFactory("tests.factories.PersonFactory")


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Response

    consultation = factory.SubFactory(ConsultationFactory)
    organisation = factory.SubFactory(OrganisationFactory)


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Answer

    response = factory.SubFactory(ResponseFactory)
    question = factory.SubFactory(QuestionFactory)
    text = "Pritariame."


def member_organisation(
    *,
    sectors: tuple[str, ...] = ("ict",),
    contacts: int = 1,
    membership: str | None = "active",
    **kwargs: object,
) -> Organisation:
    """An organisation with a membership of the given status (None: never a member) and
    `contacts` people who receive consultations."""
    organisation = OrganisationFactory(sectors=list(sectors), **kwargs)
    if membership:
        MembershipFactory(organisation=organisation, status=membership)
    for _ in range(contacts):
        AffiliationFactory(organisation=organisation, receives_consultations=True)
    return organisation

from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model

from crm.models import Affiliation, Interaction, Membership, Municipality, Organisation, Person, Sector
from crm.validators import legal_code_check_digit


def valid_legal_code(n: int) -> str:
    first_eight = f"{30000000 + n:08d}"
    return first_eight + str(legal_code_check_digit(first_eight))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@asociacija.lt")
    is_staff = True
    password = factory.django.Password("slaptažodis-2026")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Klasteris „Šiaurės žvaigždė {n}“")
    kind = Organisation.Kind.CLUSTER
    legal_code = factory.Sequence(valid_legal_code)
    municipality = factory.LazyFunction(lambda: Municipality.objects.get(name="Vilniaus miesto savivaldybė"))

    @factory.post_generation
    def sectors(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            self.sectors.set(Sector.objects.filter(code__in=extracted))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    status = Membership.Status.ACTIVE
    start_date = datetime.date(2020, 1, 1)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = "Jūratė"
    last_name = factory.Sequence(lambda n: f"Žemaitytė-{n}")
    email = factory.Sequence(lambda n: f"jurate.{n}@klasteris.lt")
    # Agreed to consultation mail, as the association's contacts are asked to.
    consent_consultations = True
    consent_consultations_at = datetime.datetime(2025, 1, 15, 9, 0, tzinfo=datetime.UTC)
    consent_consultations_source = Person.ConsentSource.FORM


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation

    person = factory.SubFactory(PersonFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Affiliation.Role.COORDINATOR
    receives_consultations = True


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    organisation = factory.SubFactory(OrganisationFactory)
    kind = Interaction.Kind.MEETING
    occurred_on = datetime.date(2026, 10, 1)
    subject = "Susitikimas dėl klasterių finansavimo"

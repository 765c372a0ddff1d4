from __future__ import annotations

import datetime
import io

import factory
from django.core.files.base import ContentFile
from PIL import Image

from crm.models import Organisation
from positions.models import IssuerSettings, PaperProposal, PaperSection, PositionPaper
from tests.factories import OrganisationFactory, valid_legal_code

LITHUANIAN_LETTERS = "ąčęėįšųūž ĄČĘĖĮŠŲŪŽ"


def logo_png() -> bytes:
    image = Image.new("RGB", (240, 80), (18, 80, 160))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def issuer_with_requisites(**overrides: object) -> IssuerSettings:
    issuer = IssuerSettings.load()
    values = {
        "name": "Lietuvos klasterių asociacija",
        "name_en": "Lithuanian Cluster Association",
        "legal_form": "Asociacija",
        "legal_form_en": "Association",
        "legal_code": valid_legal_code(512345),
        "address": "Gedimino pr. 1, LT-01103 Vilnius",
        "phone": "+37052123456",
        "email": "info@klasteriai.lt",
        "website": "https://www.klasteriai.lt/",
        "registration_prefix": "S",
        "signatory_name": "Rūta Žilinskienė",
        "signatory_position": "Prezidentė",
        "signatory_position_en": "President",
    }
    values.update(overrides)
    for name, value in values.items():
        setattr(issuer, name, value)
    if not issuer.logo:
        issuer.logo.save("logo.png", ContentFile(logo_png()), save=False)
    issuer.save()
    return issuer


def address_in_dative(
    paper: PositionPaper, label: str = "Ekonomikos ir inovacijų ministerijai"
) -> PositionPaper:
    """Write the addressee as the letter names it, in the dative, as staff do before approving a
    Lithuanian paper (a draft from a consultation leaves it empty: the CRM has no dative)."""
    PositionPaper.objects.filter(pk=paper.pk).update(addressee_label=label)
    paper.addressee_label = label
    return paper


class PublicInstitutionFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Lietuvos Respublikos ekonomikos ir inovacijų ministerija {n}")
    kind = Organisation.Kind.PUBLIC
    email = factory.Sequence(lambda n: f"ministerija{n}@eimin.lt")


class PaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PositionPaper

    addressee = factory.SubFactory(PublicInstitutionFactory)
    addressee_label = "Lietuvos Respublikos ekonomikos ir inovacijų ministerijai"
    addressee_person = "Inovacijų departamentui"
    subject = factory.Sequence(lambda n: f"Inovacijų įstatymo pakeitimo projekto Nr. 25-{1000 + n}")
    request_date = datetime.date(2026, 11, 10)
    request_number = "4-1234"
    signatory_name = "Rūta Žilinskienė"
    signatory_position = "Prezidentė"


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaperSection

    paper = factory.SubFactory(PaperFactory)
    position = factory.Sequence(lambda n: n + 1)
    heading = "Bendrosios pastabos"
    body = "Asociacija **pritaria** projektui, tačiau siūlo patikslinti 5 straipsnį."


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaperProposal

    paper = factory.SubFactory(PaperFactory)
    position = factory.Sequence(lambda n: n + 1)
    provision = factory.Sequence(lambda n: f"{n + 1} straipsnio 2 dalis")
    proposed_wording = factory.Sequence(
        lambda n: f"Pakeisti žodžius „per 30 dienų“ žodžiais „per 60 dienų“ ({n})."
    )
    justification = "Klasteriams reikia daugiau laiko parengti paraiškas."

"""Realistic Lithuanian demo data: member clusters in all eight sectors, institutions,
contacts, memberships and interactions. Idempotent: keys are legal codes and e-mails."""

from __future__ import annotations

import datetime
import random
import unicodedata
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from crm import history
from crm.models import (
    Affiliation,
    Interaction,
    Membership,
    Municipality,
    Organisation,
    Payment,
    Person,
    Sector,
    Tag,
)
from crm.selectors import MUNICIPALITY_TOWNS
from crm.validators import legal_code_check_digit

# (name, short name, sector codes, municipality, label)
CLUSTERS = [
    (
        "Lietuvos maisto inovacijų klasteris „Skonis“",
        "Skonis",
        ["agrifood"],
        "Kauno miesto savivaldybė",
        "silver",
    ),
    (
        "Agroinovacijų klasteris „Žalioji vaga“",
        "Žalioji vaga",
        ["agrifood"],
        "Kėdainių rajono savivaldybė",
        "none",
    ),
    (
        "Pieno ūkių klasteris „Baltas lašas“",
        "Baltas lašas",
        ["agrifood"],
        "Panevėžio rajono savivaldybė",
        "bronze",
    ),
    (
        "Tvarios statybos klasteris „Šiltas namas“",
        "Šiltas namas",
        ["energy"],
        "Vilniaus miesto savivaldybė",
        "gold",
    ),
    (
        "Atsinaujinančios energetikos klasteris „Saulėgrąža“",
        "Saulėgrąža",
        ["energy"],
        "Utenos rajono savivaldybė",
        "none",
    ),
    (
        "Medinės statybos klasteris „Ąžuolas“",
        "Ąžuolas",
        ["energy", "manufacturing"],
        "Alytaus miesto savivaldybė",
        "bronze",
    ),
    (
        "Lazerių ir šviesos technologijų klasteris",
        "LaserLT",
        ["manufacturing"],
        "Vilniaus miesto savivaldybė",
        "gold",
    ),
    (
        "Mechatronikos klasteris „Šešios ašys“",
        "Šešios ašys",
        ["manufacturing"],
        "Šiaulių miesto savivaldybė",
        "silver",
    ),
    (
        "Plastikų perdirbimo klasteris „Antras ratas“",
        "Antras ratas",
        ["manufacturing"],
        "Marijampolės savivaldybė",
        "none",
    ),
    ("IRT klasteris „Debesų kompiuterija“", "Debesys", ["ict"], "Kauno miesto savivaldybė", "silver"),
    ("Kibernetinio saugumo klasteris „Skydas“", "Skydas", ["ict"], "Vilniaus miesto savivaldybė", "bronze"),
    (
        "Finansinių technologijų klasteris „Fintech Šiaurė“",
        "Fintech Šiaurė",
        ["ict"],
        "Vilniaus miesto savivaldybė",
        "none",
    ),
    ("Kino ir animacijos klasteris „Kadras“", "Kadras", ["creative"], "Vilniaus miesto savivaldybė", "none"),
    (
        "Dizaino klasteris „Forma ir funkcija“",
        "Forma",
        ["creative"],
        "Klaipėdos miesto savivaldybė",
        "bronze",
    ),
    ("Žaidimų kūrėjų klasteris „Lygis“", "Lygis", ["creative", "ict"], "Kauno miesto savivaldybė", "none"),
    ("Gyvybės mokslų klasteris „Ląstelė“", "Ląstelė", ["health"], "Vilniaus miesto savivaldybė", "gold"),
    (
        "Medicinos prietaisų klasteris „Pulsas“",
        "Pulsas",
        ["health", "manufacturing"],
        "Kauno miesto savivaldybė",
        "silver",
    ),
    (
        "Sveikatos turizmo klasteris „Druskupis“",
        "Druskupis",
        ["health", "tourism"],
        "Druskininkų savivaldybė",
        "none",
    ),
    (
        "Logistikos klasteris „Jūrų vartai“",
        "Jūrų vartai",
        ["transport"],
        "Klaipėdos miesto savivaldybė",
        "silver",
    ),
    (
        "Elektromobilumo klasteris „Įtampa“",
        "Įtampa",
        ["transport", "energy"],
        "Kauno rajono savivaldybė",
        "none",
    ),
    (
        "Geležinkelių inovacijų klasteris „Bėgiai“",
        "Bėgiai",
        ["transport"],
        "Vilniaus miesto savivaldybė",
        "bronze",
    ),
    ("Pajūrio turizmo klasteris „Kopos“", "Kopos", ["tourism"], "Neringos savivaldybė", "none"),
    (
        "Aukštaitijos kaimo turizmo klasteris",
        "Aukštaitija",
        ["tourism", "agrifood"],
        "Ignalinos rajono savivaldybė",
        "none",
    ),
    (
        "Konferencijų turizmo klasteris „Susitikim Vilniuje“",
        "Susitikim",
        ["tourism"],
        "Vilniaus miesto savivaldybė",
        "bronze",
    ),
]

INSTITUTIONS = [
    ("Lietuvos Respublikos Seimas", "Seimas"),
    ("Lietuvos Respublikos ekonomikos ir inovacijų ministerija", "EIMIN"),
    ("Lietuvos Respublikos žemės ūkio ministerija", "ŽŪM"),
    ("Lietuvos Respublikos energetikos ministerija", "ENMIN"),
    ("Lietuvos Respublikos sveikatos apsaugos ministerija", "SAM"),
    ("Lietuvos Respublikos susisiekimo ministerija", "SUMIN"),
    ("Vilniaus miesto savivaldybės administracija", "VMSA"),
]

FIRST_NAMES = [
    ("Jonas", "m"),
    ("Rūta", "f"),
    ("Tomas", "m"),
    ("Eglė", "f"),
    ("Mindaugas", "m"),
    ("Aušra", "f"),
    ("Darius", "m"),
    ("Giedrė", "f"),
    ("Andrius", "m"),
    ("Ieva", "f"),
    ("Paulius", "m"),
    ("Inga", "f"),
    ("Vytautas", "m"),
    ("Laura", "f"),
    ("Žygimantas", "m"),
    ("Dalia", "f"),
    ("Šarūnas", "m"),
    ("Jūratė", "f"),
]
LAST_NAMES = [
    ("Petrauskas", "Petrauskienė"),
    ("Kazlauskas", "Kazlauskienė"),
    ("Jankauskas", "Jankauskienė"),
    ("Stankevičius", "Stankevičienė"),
    ("Vasiliauskas", "Vasiliauskienė"),
    ("Žukauskas", "Žukauskienė"),
    ("Butkus", "Butkienė"),
    ("Paulauskas", "Paulauskienė"),
    ("Urbonas", "Urbonienė"),
    ("Navickas", "Navickienė"),
    ("Kavaliauskas", "Kavaliauskienė"),
    ("Ramanauskas", "Ramanauskienė"),
    ("Šimkus", "Šimkienė"),
    ("Čepulis", "Čepulienė"),
    ("Balčiūnas", "Balčiūnienė"),
    ("Mockus", "Mockienė"),
]
JOB_TITLES = [
    "Klasterio koordinatorius",
    "Direktorius",
    "Valdybos narys",
    "Projektų vadovas",
    "Komunikacijos vadovas",
]
SUBJECTS = [
    "Susitikimas dėl klasterio plėtros strategijos",
    "Skambutis dėl narystės mokesčio",
    "Pasirengimas Klasterių forumui",
    "Aptarta ES finansavimo galimybė",
    "Pristatytas naujas ECCP profilis",
]
# The sectors as the clusters' descriptions name them: "… srities įmones".
SECTOR_GENITIVES = {
    "agrifood": "agroinovacijų ir maisto technologijų",
    "energy": "energetikos ir statybos",
    "manufacturing": "gamybos ir inžinerijos",
    "ict": "IRT",
    "creative": "kūrybinių industrijų",
    "health": "sveikatos",
    "transport": "transporto",
    "tourism": "turizmo",
}
TAGS = ["ES projektai", "Eksportas", "Žalioji pertvarka", "Skaitmeninimas"]


def _legal_code(n: int) -> str:
    first_eight = f"{30400000 + n * 7919:08d}"
    return first_eight + str(legal_code_check_digit(first_eight))


def _town(municipality: str) -> str:
    """The town a municipality is named after: "Kauno rajono savivaldybė" → "Kaunas"."""
    genitive = next(town for town in MUNICIPALITY_TOWNS if municipality.startswith(f"{town} "))
    return MUNICIPALITY_TOWNS[genitive][0]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


class Command(BaseCommand):
    help = "Load realistic Lithuanian demo data (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=2026)

    @transaction.atomic
    def handle(self, *args: Any, seed: int, **options: Any) -> None:
        rng = random.Random(seed)
        sectors = {sector.code: sector for sector in Sector.objects.all()}
        municipalities = {m.name: m for m in Municipality.objects.all()}
        tags = [Tag.objects.get_or_create(name=name)[0] for name in TAGS]
        today = timezone.localdate()

        for index, (name, short_name) in enumerate(INSTITUTIONS):
            Organisation.objects.update_or_create(
                legal_code=_legal_code(900 + index),
                defaults={
                    "name": name,
                    "short_name": short_name,
                    "kind": Organisation.Kind.PUBLIC,
                    "municipality": municipalities["Vilniaus miesto savivaldybė"],
                    "address": "Gedimino pr. 11, LT-01103 Vilnius",
                    "email": f"info@{_ascii(short_name)}.lt",
                    "show_in_directory": False,
                },
            )

        person_number = 0
        for index, (name, short_name, sector_codes, municipality, label) in enumerate(CLUSTERS):
            domain = _ascii(short_name).replace(" ", "") + ".lt"
            organisation, _created = Organisation.objects.update_or_create(
                legal_code=_legal_code(index + 1),
                defaults={
                    "name": name,
                    "short_name": short_name,
                    "kind": Organisation.Kind.CLUSTER,
                    "municipality": municipalities[municipality],
                    "address": f"Pramonės g. {index + 3}, {_town(municipality)}",
                    "website": f"https://www.{domain}",
                    "email": f"info@{domain}",
                    "phone": f"+3706{1000000 + index * 1379:07d}",
                    "year_founded": 2008 + index % 15,
                    "members_sme": 10 + rng.randint(0, 40),
                    "members_large": rng.randint(0, 6),
                    "members_research": rng.randint(1, 4),
                    "members_public": rng.randint(0, 2),
                    "members_other": rng.randint(0, 3),
                    "eccp_url": f"https://reporting.clustercollaboration.eu/lt/{_ascii(short_name).replace(' ', '-')}",
                    "label": label,
                    "label_awarded_on": None if label == "none" else today - datetime.timedelta(days=600),
                    "label_valid_until": None
                    if label == "none"
                    else today + datetime.timedelta(days=rng.choice([45, 200, 500])),
                    "description": (
                        f"{name} vienija {SECTOR_GENITIVES[sector_codes[0]]} srities įmones, "
                        "mokslo institucijas ir viešąjį sektorių bendriems projektams ir eksportui."
                    ),
                },
            )
            history.links_set(
                organisation, sectors=[sectors[code] for code in sector_codes], tags=rng.sample(tags, 2)
            )

            start = datetime.date(2018 + index % 6, 1, 1)
            status = Membership.Status.APPLICANT if index % 11 == 10 else Membership.Status.ACTIVE
            membership, _created = Membership.objects.update_or_create(
                organisation=organisation,
                start_date=start,
                defaults={"status": status, "annual_fee": Decimal("600.00")},
            )
            if status == Membership.Status.ACTIVE:
                Payment.objects.get_or_create(
                    membership=membership,
                    paid_on=datetime.date(today.year, 2, 15),
                    defaults={"amount": Decimal("600.00"), "reference": f"SF-{today.year}-{index + 1:03d}"},
                )

            people = []
            for position in range(2 + index % 3):
                first, gender = FIRST_NAMES[(index * 3 + position) % len(FIRST_NAMES)]
                last = LAST_NAMES[(index * 5 + position * 7) % len(LAST_NAMES)][0 if gender == "m" else 1]
                person_number += 1
                person, _created = Person.objects.update_or_create(
                    email=f"{_ascii(first)}.{_ascii(last)}@{domain}",
                    defaults={
                        "first_name": first,
                        "last_name": last,
                        "phone": f"+3706{2000000 + person_number * 911:07d}",
                        "language": "en" if person_number % 9 == 0 else "lt",
                        "consent_consultations": True,
                        "consent_consultations_at": timezone.now() - datetime.timedelta(days=400),
                        "consent_consultations_source": Person.ConsentSource.FORM,
                        "consent_newsletter": person_number % 2 == 0,
                        "consent_newsletter_at": timezone.now() - datetime.timedelta(days=400)
                        if person_number % 2 == 0
                        else None,
                        "consent_newsletter_source": Person.ConsentSource.FORM
                        if person_number % 2 == 0
                        else "",
                    },
                )
                Affiliation.objects.update_or_create(
                    person=person,
                    organisation=organisation,
                    defaults={
                        "role": Affiliation.Role.COORDINATOR
                        if position == 0
                        else Affiliation.Role.REPRESENTATIVE,
                        "job_title": JOB_TITLES[position % len(JOB_TITLES)],
                        "is_primary": position == 0,
                        "receives_consultations": position < 2,
                    },
                )
                people.append(person)

            for number in range(2):
                interaction, _created = Interaction.objects.get_or_create(
                    organisation=organisation,
                    subject=SUBJECTS[(index + number) % len(SUBJECTS)],
                    defaults={
                        "kind": rng.choice(Interaction.Kind.values),
                        "occurred_on": today - datetime.timedelta(days=30 * (number + 1) + index),
                        "notes": "Aptarti artimiausi darbai ir narių poreikiai.",
                    },
                )
                interaction.people.set(people[:2])

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {Organisation.objects.count()} organisations, {Person.objects.count()} persons, "
                f"{Membership.objects.count()} memberships, {Interaction.objects.count()} interactions."
            )
        )

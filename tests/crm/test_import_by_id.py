"""Exports give each record's ID, and an import finds the record by it: a file can fill in a missing
legal entity code or e-mail address, or correct one, without creating the record again."""

from __future__ import annotations

import datetime
import unicodedata

import pytest
import tablib
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from crm.import_formats import CSV, XLSX
from crm.models import Affiliation, Organisation, Person
from crm.resources import OrganisationResource, PersonResource
from tests.crm.test_resources import csv_bytes, errors_of, export, import_csv, read_back
from tests.factories import AffiliationFactory, OrganisationFactory, PersonFactory, valid_legal_code

pytestmark = pytest.mark.django_db


def edited_export(resource_class, file_format, language, edit) -> tablib.Dataset:
    """The resource's export in the format and language, read back, with `edit(rows, headers)`
    applied to its rows, as staff would change it in a spreadsheet."""
    dataset = read_back(file_format, export(resource_class(), file_format, language))
    headers = list(dataset.headers)
    rows = [list(row) for row in dataset]
    edit(rows, headers)
    dataset.wipe()
    dataset.headers = headers
    for row in rows:
        dataset.append(row)
    return dataset


def column(headers: list[str], resource_class, name: str) -> int:
    return headers.index(resource_class().fields[name].header())


@pytest.mark.parametrize("file_format", [CSV, XLSX], ids=["csv", "xlsx"])
@pytest.mark.parametrize("language", ["lt", "en"])
def test_an_exported_organisation_given_its_missing_legal_code_is_updated_not_created_again(
    file_format, language
):
    ministry = OrganisationFactory(name="Ministerija be kodo", legal_code="", sectors=["ict"])
    other = OrganisationFactory(name="Kitas klasteris", legal_code=valid_legal_code(2))
    code = valid_legal_code(7)

    with translation.override(language):

        def fill_in(rows, headers):
            name, legal_code = (column(headers, OrganisationResource, n) for n in ("name", "legal_code"))
            row = next(r for r in rows if r[name] == ministry.name)
            row[legal_code] = code

        dataset = edited_export(OrganisationResource, file_format, language, fill_in)
        result = OrganisationResource().import_data(dataset)

    assert not result.has_validation_errors(), errors_of(result)
    assert (result.totals["update"], result.totals["new"], result.totals["skip"]) == (1, 0, 1)
    assert Organisation.objects.count() == 2
    ministry.refresh_from_db()
    assert (ministry.name, ministry.legal_code) == ("Ministerija be kodo", code)
    assert list(ministry.sectors.values_list("code", flat=True)) == ["ict"]
    other.refresh_from_db()
    assert other.legal_code == valid_legal_code(2)


@pytest.mark.parametrize("file_format", [CSV, XLSX], ids=["csv", "xlsx"])
def test_an_exported_person_given_an_e_mail_address_is_updated_on_each_of_their_rows(file_format):
    person = PersonFactory(first_name="Rūta", last_name="Žemaitė", email="")
    first, second = OrganisationFactory(name="Pirmas"), OrganisationFactory(name="Antras")
    AffiliationFactory(person=person, organisation=first, is_primary=True)
    AffiliationFactory(person=person, organisation=second, job_title="Konsultantė")

    def fill_in(rows, headers):
        email = column(headers, PersonResource, "email")
        for row in rows:  # one row per affiliation, the same person's ID on both
            row[email] = "Ruta.Zemaite@klasteris.lt"

    dataset = edited_export(PersonResource, file_format, "lt", fill_in)
    result = PersonResource().import_data(dataset)

    assert not result.has_validation_errors(), errors_of(result)
    assert Person.objects.count() == 1
    person.refresh_from_db()
    assert person.email == "ruta.zemaite@klasteris.lt"
    assert Affiliation.objects.filter(person=person).count() == 2
    assert person.history.count() == 2  # created, then the import's one change


def test_an_e_mail_address_can_be_corrected_and_a_second_contact_added_in_the_same_file():
    person = PersonFactory(first_name="Jonas", last_name="Jonaitis", email="jonas@klasteris.lt")
    organisation = OrganisationFactory(name="Klasteris")
    AffiliationFactory(person=person, organisation=organisation)
    content = csv_bytes(
        ["id", "first_name", "last_name", "email", "organisation"],
        [
            [person.pk, "Jonas", "Jonaitis", "jonas.jonaitis@klasteris.lt", "Klasteris"],
            ["", "Ona", "Onaitė", "ona@klasteris.lt", "Klasteris"],
        ],
    )

    result = import_csv(PersonResource(), content)

    assert (result.totals["update"], result.totals["new"]) == (1, 1), errors_of(result)
    person.refresh_from_db()
    assert person.email == "jonas.jonaitis@klasteris.lt"
    assert sorted(Person.objects.values_list("email", flat=True)) == [
        "jonas.jonaitis@klasteris.lt",
        "ona@klasteris.lt",
    ]


def test_a_legal_code_another_organisation_has_is_refused_in_its_row():
    ministry = OrganisationFactory(name="Ministerija", legal_code="")
    other = OrganisationFactory(name="Kitas klasteris", legal_code=valid_legal_code(2))
    content = csv_bytes(["id", "name", "legal_code"], [[ministry.pk, "Ministerija", valid_legal_code(2)]])

    with translation.override("lt"):
        result = import_csv(OrganisationResource(), content)

    assert errors_of(result) == {
        2: {"legal_code": [f"Šią reikšmę jau turi kitas įrašas: Kitas klasteris (ID {other.pk})."]}
    }
    ministry.refresh_from_db()
    assert ministry.legal_code == ""


def test_a_legal_code_an_earlier_row_gives_a_new_organisation_is_refused():
    ministry = OrganisationFactory(name="Ministerija", legal_code="")
    content = csv_bytes(
        ["id", "name", "legal_code"],
        [["", "Naujas klasteris", valid_legal_code(3)], [ministry.pk, "Ministerija", valid_legal_code(3)]],
    )

    result = import_csv(OrganisationResource(), content)

    with translation.override("en"):
        assert errors_of(import_csv(OrganisationResource(), content, dry_run=True)) == {
            3: {"legal_code": ["Row 2 already gives this value to another record."]}
        }
    assert list(errors_of(result)) == [3]
    assert Organisation.objects.count() == 1  # the file was refused whole


def test_an_e_mail_address_another_person_has_is_refused_in_its_row():
    person = PersonFactory(email="")
    PersonFactory(first_name="Ona", last_name="Onaitė", email="ona@klasteris.lt")
    content = csv_bytes(
        ["id", "first_name", "last_name", "email"],
        [[person.pk, person.first_name, person.last_name, "ONA@klasteris.lt"]],
    )

    result = import_csv(PersonResource(), content)

    assert list(errors_of(result)[2]) == ["email"]
    person.refresh_from_db()
    assert person.email == ""


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("999999", "Įrašo su ID 999999 nėra"),
        ("abc", "„abc“ nėra sveikasis skaičius."),
        ("0", "„0“ nėra įrašo ID."),
        ("9" * 19, f"„{'9' * 19}“ – per didelis skaičius."),
        ("1" * 5000, f"„{'1' * 5000}“ – per didelis skaičius."),  # more than Python reads (4,300)
    ],
)
def test_an_unknown_or_unreadable_id_is_an_error_of_its_row_and_creates_nothing(cell, message):
    content = csv_bytes(["id", "name", "legal_code"], [[cell, "Klasteris", valid_legal_code(4)]])

    with translation.override("lt"):
        result = import_csv(OrganisationResource(), content)

    errors = errors_of(result)
    assert list(errors) == [2] and list(errors[2]) == ["id"]
    assert errors[2]["id"][0].startswith(message)
    assert not Organisation.objects.exists()


def test_an_organisation_given_twice_by_its_id_or_by_its_id_and_its_code_is_refused():
    cluster = OrganisationFactory(name="Klasteris", legal_code=valid_legal_code(5))
    twice = csv_bytes(
        ["id", "name", "legal_code", "address"],
        [[cluster.pk, "Klasteris", valid_legal_code(5), "A"], [cluster.pk, "Klasteris", "", "B"]],
    )
    by_code_too = csv_bytes(
        ["id", "name", "legal_code", "address"],
        [[cluster.pk, "Klasteris", valid_legal_code(5), "A"], ["", "Klasteris", valid_legal_code(5), "B"]],
    )

    with translation.override("lt"):
        first = errors_of(import_csv(OrganisationResource(), twice))
        second = errors_of(import_csv(OrganisationResource(), by_code_too))

    assert first == {3: {"__all__": ["Ši organizacija jau yra 2 eilutėje."]}}
    assert list(second) == [3]
    cluster.refresh_from_db()
    assert cluster.address == ""


def test_a_person_given_by_their_id_and_on_another_row_by_their_e_mail_is_one_person():
    person = PersonFactory(first_name="Ona", last_name="Onaitė", email="ona@klasteris.lt")
    first, second = OrganisationFactory(name="Pirmas"), OrganisationFactory(name="Antras")
    same = csv_bytes(
        ["id", "first_name", "last_name", "email", "organisation"],
        [
            [person.pk, "Ona", "Onaitė", "ona@klasteris.lt", "Pirmas"],
            ["", "Ona", "Onaitė", "ona@klasteris.lt", "Antras"],
        ],
    )
    differing = csv_bytes(
        ["id", "first_name", "last_name", "email", "organisation"],
        [
            [person.pk, "Ona", "Onaitė", "ona@klasteris.lt", "Pirmas"],
            ["", "Ona", "Kitaitė", "ona@klasteris.lt", "Antras"],
        ],
    )

    assert list(errors_of(import_csv(PersonResource(), differing))) == [3]
    result = import_csv(PersonResource(), same)

    assert not result.has_validation_errors(), errors_of(result)
    assert Person.objects.count() == 1
    assert set(Affiliation.objects.filter(person=person).values_list("organisation_id", flat=True)) == {
        first.pk,
        second.pk,
    }


def test_the_preview_shows_the_id_and_what_the_row_changes():
    ministry = OrganisationFactory(name="Ministerija", legal_code="")
    content = csv_bytes(["id", "name", "legal_code"], [[ministry.pk, "Ministerija", valid_legal_code(6)]])

    result = import_csv(OrganisationResource(), content, dry_run=True)

    cells = result.rows[0].diff
    assert cells[0] == str(ministry.pk)
    assert "<ins" in cells[2] and valid_legal_code(6) in cells[2]
    assert Organisation.objects.get().legal_code == ""  # a dry run writes nothing


def test_a_file_of_ids_makes_no_query_per_row():
    def file_of(count: int) -> bytes:
        organisations = [OrganisationFactory(name=f"O{count}-{n}", legal_code="") for n in range(count)]
        rows = [[o.pk, o.name, valid_legal_code(1000 * count + n)] for n, o in enumerate(organisations)]
        return csv_bytes(["id", "name", "legal_code"], rows)

    counts = []
    for count in (3, 120):
        content = file_of(count)
        with CaptureQueriesContext(connection) as dry_run:
            import_csv(OrganisationResource(), content, dry_run=True)
        with CaptureQueriesContext(connection) as real:
            result = import_csv(OrganisationResource(), content)
        assert result.totals["update"] == count, errors_of(result)
        counts.append((len(dry_run), len(real)))

    assert counts[0] == counts[1]


def test_a_record_is_renamed_by_its_id_with_its_code_or_e_mail_address_in_the_row():
    cluster = OrganisationFactory(name="Senas pavadinimas", legal_code=valid_legal_code(10))
    person = PersonFactory(first_name="Ona", last_name="Onaitė", email="ona@klasteris.lt")

    organisations = import_csv(
        OrganisationResource(),
        csv_bytes(["id", "name", "legal_code"], [[cluster.pk, "Naujas pavadinimas", valid_legal_code(10)]]),
    )
    persons = import_csv(
        PersonResource(),
        csv_bytes(
            ["id", "first_name", "last_name", "email"],
            [[person.pk, "Ona", "Petraitienė", "ona@klasteris.lt"]],
        ),
    )

    assert organisations.totals["update"] == persons.totals["update"] == 1
    cluster.refresh_from_db()
    person.refresh_from_db()
    assert (cluster.name, person.last_name) == ("Naujas pavadinimas", "Petraitienė")


def test_a_file_whose_ids_are_another_lists_is_refused_not_imported_over_other_records():
    first = OrganisationFactory(
        name="Pirmas klasteris", legal_code=valid_legal_code(11), email="info@pirmas.lt"
    )
    person = PersonFactory(first_name="Ona", last_name="Onaitė", email="ona@klasteris.lt")
    AffiliationFactory(person=person, organisation=first)
    before = (
        list(Organisation.objects.order_by("pk").values_list()),
        list(Person.objects.order_by("pk").values_list()),
    )
    with translation.override("lt"):
        # The organisations' export uploaded as persons, and the persons' as organisations: the
        # e-mail column ("el. paštas") is known to both.
        as_persons = PersonResource().import_data(read_back(CSV, export(OrganisationResource(), CSV, "lt")))
        as_organisations = OrganisationResource().import_data(
            read_back(CSV, export(PersonResource(), CSV, "lt"))
        )
    # Another system's list of new organisations, numbered from 1.
    foreign = import_csv(
        OrganisationResource(),
        csv_bytes(
            ["id", "name", "legal_code"],
            [
                [first.pk, "Naujas klasteris", valid_legal_code(12)],
                [person.pk + 1000, "Kitas", valid_legal_code(13)],
            ],
        ),
    )

    # The persons' export has no organisation's name or code: refused whole.
    assert as_organisations.base_errors and not as_organisations.invalid_rows
    # The organisations' export names no person: each row refused on its ID.
    assert {column for row in as_persons.invalid_rows for column in row.error_dict} == {"įrašo ID"}
    assert as_persons.totals["invalid"] == 1
    assert list(errors_of(foreign)[2]) == ["id"]
    after = (
        list(Organisation.objects.order_by("pk").values_list()),
        list(Person.objects.order_by("pk").values_list()),
    )
    assert after == before


def test_the_id_alone_does_not_say_which_record_a_row_is():
    cluster = OrganisationFactory(name="Klasteris", phone="")

    with translation.override("en"):
        result = import_csv(OrganisationResource(), csv_bytes(["id", "phone"], [[cluster.pk, "861234567"]]))

    assert [str(error.error) for error in result.base_errors] == [
        "The file needs one of these columns to find existing records: legal_code; name."
    ]
    cluster.refresh_from_db()
    assert cluster.phone == ""


def test_a_row_without_an_id_giving_the_new_name_of_a_renamed_record_is_refused():
    cluster = OrganisationFactory(name="Senas", legal_code=valid_legal_code(14))
    person = PersonFactory(first_name="Ona", last_name="Onaitė", email="")
    organisations = csv_bytes(
        ["id", "name", "legal_code"], [["", "Naujas", ""], [cluster.pk, "Naujas", valid_legal_code(14)]]
    )
    persons = csv_bytes(
        ["id", "first_name", "last_name", "email", "phone"],
        [[person.pk, "Ona", "Onaitė", "", "861234567"], ["", "ona", "ONAITĖ", "", "861234567"]],
    )

    with translation.override("lt"):
        refused = errors_of(import_csv(OrganisationResource(), organisations))
    same_person = import_csv(PersonResource(), persons)

    assert refused == {
        2: {
            "__all__": [
                f"3 eilutė šį pavadinimą suteikia įrašui, kurio ID {cluster.pk}; šioje eilutėje irgi nurodykite ID arba kitą pavadinimą."
            ]
        }
    }
    assert Organisation.objects.count() == 1
    # A person found by their stored name on the other row is the same person.
    assert not same_person.has_validation_errors(), errors_of(same_person)
    assert Person.objects.count() == 1


@pytest.mark.parametrize("cell", ["99999999999999999999", "9223372036854775808", "-3"])
def test_an_id_beyond_any_record_is_an_error_of_its_row(cell):
    result = import_csv(OrganisationResource(), csv_bytes(["id", "name"], [[cell, "Klasteris"]]))

    assert list(errors_of(result)[2]) == ["id"]
    assert not Organisation.objects.exists()


def test_an_id_typed_as_a_number_with_decimals_or_spaces_finds_its_record():
    first = OrganisationFactory(name="Pirmas", phone="")
    second = OrganisationFactory(name="Antras", phone="")
    rows = [[f"{first.pk}.0", "Pirmas", "861234567"], [f" {second.pk} ", "Antras", "861234568"]]

    result = import_csv(OrganisationResource(), csv_bytes(["id", "name", "phone"], rows))

    assert result.totals["update"] == 2 and Organisation.objects.count() == 2, errors_of(result)
    assert sorted(Organisation.objects.values_list("phone", flat=True)) == ["+37061234567", "+37061234568"]


def test_an_empty_code_or_e_mail_cell_on_a_row_with_an_id_erases_nothing():
    cluster = OrganisationFactory(name="Klasteris", legal_code=valid_legal_code(15), phone="")
    person = PersonFactory(first_name="Ona", last_name="Onaitė", email="ona@klasteris.lt", phone="")

    import_csv(
        OrganisationResource(),
        csv_bytes(["id", "name", "legal_code", "phone"], [[cluster.pk, "Klasteris", "", "861234567"]]),
    )
    import_csv(
        PersonResource(),
        csv_bytes(
            ["id", "first_name", "last_name", "email", "phone"],
            [[person.pk, "Ona", "Onaitė", "", "861234567"]],
        ),
    )

    cluster.refresh_from_db()
    person.refresh_from_db()
    assert (cluster.legal_code, cluster.phone) == (valid_legal_code(15), "+37061234567")
    assert (person.email, person.phone) == ("ona@klasteris.lt", "+37061234567")


def test_an_e_mail_address_in_decomposed_letters_is_the_stored_one():
    # "ž" and "ė" as a letter and a combining mark, as some programs write them.
    decomposed = unicodedata.normalize("NFD", "ona@žemė.lt")
    PersonFactory(first_name="Ona", last_name="Onaitė", email="ona@žemė.lt")
    other = PersonFactory(first_name="Jonas", last_name="Jonaitis", email="")
    content = csv_bytes(
        ["id", "first_name", "last_name", "email"],
        [["", "Ona", "Onaitė", decomposed], [other.pk, "Jonas", "Jonaitis", decomposed]],
    )

    result = import_csv(PersonResource(), content)

    assert not result.base_errors
    assert list(errors_of(result)) == [3]  # row 2 is the stored person; row 3 may not take the address
    assert Person.objects.count() == 2


def test_a_code_freed_and_given_to_another_record_in_one_file_is_refused_with_the_reason():
    cluster = OrganisationFactory(name="Klasteris", legal_code=valid_legal_code(16))
    content = csv_bytes(
        ["id", "name", "legal_code"],
        [[cluster.pk, "Klasteris", valid_legal_code(17)], ["", "Naujas", valid_legal_code(16)]],
    )

    with translation.override("en"):
        errors = errors_of(import_csv(OrganisationResource(), content))

    assert errors == {
        3: {
            "legal_code": [
                f"Row 2 gives Klasteris (ID {cluster.pk}) another value in this column: a value goes from one "
                "record to another in two imports, first freed, then given."
            ]
        }
    }
    cluster.refresh_from_db()
    assert cluster.legal_code == valid_legal_code(16)


# Handing over the primary contact -------------------------------------------------------------

HANDOVER_HEADERS = ["id", "first_name", "last_name", "email", "language", "organisation", "is_primary"]


@pytest.fixture
def holder():
    """The present primary contact of Klasteris."""
    affiliation = AffiliationFactory(
        person=PersonFactory(first_name="Senas", last_name="Kontaktas", email="senas@klasteris.lt"),
        organisation=OrganisationFactory(name="Klasteris"),
        is_primary=True,
    )
    return affiliation.person


def primary_contacts() -> list[str]:
    return list(
        Affiliation.objects.filter(organisation__name="Klasteris", is_primary=True).values_list(
            "person__email", flat=True
        )
    )


@pytest.mark.parametrize("release_first", [True, False], ids=["release-first", "release-last"])
def test_the_primary_contact_is_handed_over_whichever_row_comes_first(holder, release_first):
    release = [holder.pk, "Senas", "Kontaktas", "senas@klasteris.lt", "lt", "Klasteris", "ne"]
    takeover = ["", "Nauja", "Kontaktė", "nauja@klasteris.lt", "lt", "Klasteris", "taip"]
    rows = [release, takeover] if release_first else [takeover, release]

    result = import_csv(PersonResource(), csv_bytes(HANDOVER_HEADERS, rows))

    assert not result.has_validation_errors(), errors_of(result)
    assert primary_contacts() == ["nauja@klasteris.lt"]


def test_a_second_takeover_of_one_release_is_refused(holder):
    rows = [
        ["", "Nauja", "Kontaktė", "nauja@klasteris.lt", "lt", "Klasteris", "taip"],
        ["", "Kita", "Kontaktė", "kita@klasteris.lt", "lt", "Klasteris", "taip"],
        [holder.pk, "Senas", "Kontaktas", "senas@klasteris.lt", "lt", "Klasteris", "ne"],
    ]

    result = import_csv(PersonResource(), csv_bytes(HANDOVER_HEADERS, rows))

    assert {row: list(errors) for row, errors in errors_of(result).items()} == {3: ["is_primary"]}
    assert primary_contacts() == ["senas@klasteris.lt"]


def test_a_takeover_whose_release_row_has_errors_is_not_imported(holder):
    rows = [
        ["", "Nauja", "Kontaktė", "nauja@klasteris.lt", "lt", "Klasteris", "taip"],
        [holder.pk, "Senas", "Kontaktas", "senas@klasteris.lt", "xx", "Klasteris", "ne"],
    ]
    content = csv_bytes(HANDOVER_HEADERS, rows)

    # The whole file waits for the correction: its errors are those of the release row.
    result = import_csv(PersonResource(), content)
    assert {row: list(errors) for row, errors in errors_of(result).items()} == {3: ["language"]}
    assert primary_contacts() == ["senas@klasteris.lt"]

    # Importing the valid rows alone would leave two primary contacts: the file is refused.
    with translation.override("lt"):
        result = import_csv(PersonResource(skip_invalid_rows=True), content)
    assert [str(error.error) for error in result.base_errors] == [
        "2 eilutė jos asmenį padaro organizacijos Klasteris pagrindiniu kontaktu, bet 3 eilutė, kurioje "
        "dabartinis pagrindinis kontaktas jo atsisako, turi klaidų. Ištaisykite 3 eilutę ir importuokite "
        "failą iš naujo."
    ]
    assert primary_contacts() == ["senas@klasteris.lt"]
    assert not Person.objects.filter(email="nauja@klasteris.lt").exists()


def test_the_primary_contact_of_two_organisations_hands_both_over(holder):
    other = OrganisationFactory(name="Antras klasteris")
    AffiliationFactory(person=holder, organisation=other, is_primary=True)
    rows = [
        ["", "Nauja", "Kontaktė", "nauja@klasteris.lt", "lt", "Klasteris", "taip"],
        ["", "Kita", "Kontaktė", "kita@klasteris.lt", "lt", "Antras klasteris", "taip"],
        [holder.pk, "Senas", "Kontaktas", "senas@klasteris.lt", "lt", "Klasteris", "ne"],
        [holder.pk, "Senas", "Kontaktas", "senas@klasteris.lt", "lt", "Antras klasteris", "ne"],
    ]

    result = import_csv(PersonResource(), csv_bytes(HANDOVER_HEADERS, rows))

    assert not result.has_validation_errors(), errors_of(result)
    assert dict(
        Affiliation.objects.filter(is_primary=True).values_list("organisation__name", "person__email")
    ) == {
        "Klasteris": "nauja@klasteris.lt",
        "Antras klasteris": "kita@klasteris.lt",
    }


# Times as files give them back ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "cell"),
    [
        # 03:30:15 in Vilnius on 2026-10-25 happens twice (the clocks go back at 04:00 summer time).
        (datetime.datetime(2026, 10, 25, 0, 30, 15, tzinfo=datetime.UTC), "2026-10-25 03:30:15"),
        (datetime.datetime(2026, 10, 25, 1, 30, 15, tzinfo=datetime.UTC), "2026-10-25 03:30:15"),
        # A spreadsheet program writes the time back to the minute.
        (datetime.datetime(2026, 3, 2, 8, 15, 37, tzinfo=datetime.UTC), "2026-03-02 10:15"),
    ],
    ids=["repeated-hour-first", "repeated-hour-second", "to-the-minute"],
)
def test_a_consent_time_given_back_as_the_export_or_a_spreadsheet_wrote_it_is_unchanged(stored, cell):
    person = PersonFactory(
        email="ona@klasteris.lt",
        consent_consultations=True,
        consent_consultations_at=stored,
        consent_consultations_source=Person.ConsentSource.FORM,
    )
    written = read_back(CSV, export(PersonResource(), CSV, "en")).dict[0]["consent_consultations_at"]
    assert written.startswith(cell)
    headers = [
        "id",
        "email",
        "consent_consultations",
        "consent_consultations_at",
        "consent_consultations_source",
    ]
    content = csv_bytes(headers, [[person.pk, "ona@klasteris.lt", "yes", cell, "form"]])

    result = import_csv(PersonResource(), content)

    assert result.totals["skip"] == 1 and not result.has_validation_errors(), errors_of(result)
    person.refresh_from_db()
    assert person.consent_consultations_at == stored


def test_a_consent_time_changed_in_the_file_is_still_imported():
    stored = datetime.datetime(2026, 3, 2, 8, 15, 37, tzinfo=datetime.UTC)
    person = PersonFactory(
        email="ona@klasteris.lt",
        consent_consultations=True,
        consent_consultations_at=stored,
        consent_consultations_source=Person.ConsentSource.FORM,
    )
    headers = ["id", "email", "consent_consultations_at"]
    content = csv_bytes(headers, [[person.pk, "ona@klasteris.lt", "2026-03-02 10:17"]])

    result = import_csv(PersonResource(), content)

    assert result.totals["update"] == 1, errors_of(result)
    person.refresh_from_db()
    assert person.consent_consultations_at == datetime.datetime(2026, 3, 2, 8, 17, tzinfo=datetime.UTC)


def test_a_consent_time_rounded_to_the_next_minute_is_unchanged():
    stored = datetime.datetime(2026, 3, 2, 8, 15, 37, tzinfo=datetime.UTC)
    PersonFactory(
        email="ona@klasteris.lt",
        consent_consultations=True,
        consent_consultations_at=stored,
        consent_consultations_source=Person.ConsentSource.FORM,
    )
    content = csv_bytes(["email", "consent_consultations_at"], [["ona@klasteris.lt", "2026-03-02 10:16"]])

    result = import_csv(PersonResource(), content)

    assert result.totals["skip"] == 1, errors_of(result)
    assert Person.objects.get().consent_consultations_at == stored


class SmallBatchPersonResource(PersonResource):
    """Writes new records every two rows, as the real one does every thousand."""

    class Meta(PersonResource.Meta):
        batch_size = 2


def test_a_new_persons_later_rows_find_their_earlier_ones_after_their_records_are_written():
    organisation = OrganisationFactory(name="Klasteris")
    OrganisationFactory(name="Kitas")
    rows = [
        ["Nauja", "Kontaktė", "nauja@klasteris.lt", "Klasteris", "taip"],
        ["Kitas", "Naujas", "kitas@klasteris.lt", "Kitas", "ne"],
        ["Trečias", "Naujas", "trecias@klasteris.lt", "Kitas", "ne"],
        # The first person again, after two new persons were written: the same details, once more.
        ["Nauja", "Kontaktė", "nauja@klasteris.lt", "Klasteris", "taip"],
    ]
    content = csv_bytes(["first_name", "last_name", "email", "organisation", "is_primary"], rows)

    preview = errors_of(import_csv(SmallBatchPersonResource(), content, dry_run=True))
    real = errors_of(import_csv(SmallBatchPersonResource(skip_invalid_rows=True), content))

    # The preview and the import say the same: row 5 links the person to the organisation again.
    assert preview == real
    assert {row: list(errors) for row, errors in real.items()} == {5: ["organisation"]}
    assert list(
        Affiliation.objects.filter(organisation=organisation).values_list("person__email", "is_primary")
    ) == [("nauja@klasteris.lt", True)]


def test_a_row_refused_for_its_id_also_names_its_unreadable_cells():
    content = csv_bytes(
        ["id", "name", "legal_code", "email", "year_founded"],
        [["999999", "Klasteris", "12345", "ne-adresas", "vakar"], ["999998", "Kitas", "", "", ""]],
    )

    with translation.override("lt"):
        result = import_csv(OrganisationResource(), content)

    errors = errors_of(result)
    assert sorted(errors[2]) == ["email", "id", "legal_code", "year_founded"]
    assert errors[2]["id"][0].startswith("Įrašo su ID 999999 nėra")
    # Empty cells are not judged: the record the row meant may have the value.
    assert list(errors[3]) == ["id"]
    assert not Organisation.objects.exists()

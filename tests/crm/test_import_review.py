"""The CRM import through the admin: persons found by name whatever its letter case, CSV files
of Lithuanian Excel (Windows-1257), and row numbers that are the spreadsheet's."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from crm.models import Affiliation, Organisation, Person
from crm.resources import OrganisationResource
from tests.crm.test_import_admin import CSV_FORMAT, XLSX_FORMAT, client_for, confirm, csv_body, upload, url
from tests.factories import AffiliationFactory, OrganisationFactory, PersonFactory, valid_legal_code

pytestmark = pytest.mark.django_db

LETTERS = "ąčęėįšųūž ĄČĘĖĮŠŲŪŽ"


def lithuanian(text: str, **values: object) -> str:
    """A message as staff read it (the Lithuanian translation, or the source until there is one)."""
    with translation.override("lt"):
        return gettext(text) % values if values else gettext(text)


def header(model: type, name: str) -> str:
    with translation.override("lt"):
        return str(model._meta.get_field(name).verbose_name)


def xlsx(rows: dict[int, list[object]]) -> bytes:
    """A workbook with the given rows at their row numbers (the rows between stay empty)."""
    workbook = openpyxl.Workbook()
    for number, cells in rows.items():
        for column, value in enumerate(cells, start=1):
            workbook.active.cell(row=number, column=column, value=value)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def invalid_rows(response) -> dict[int, list[str]]:
    """The invalid rows the import page lists: their numbers and every message."""
    return {
        row.number: [m for messages in row.error_dict.values() for m in messages]
        for row in response.context["result"].invalid_rows
    }


def shown_row_numbers(response) -> list[int]:
    """The numbers in the "Row" column of the import page's table of invalid rows."""
    page = response.content.decode()
    return [int(n) for n in re.findall(r"<tr>\s*<td>(\d+) </td>", page)]


# Persons without an e-mail address, found by name ---------------------------------------


@pytest.mark.parametrize(
    ("first_name", "last_name"),
    [("JONAS", "ŽUKAUSKAS"), ("jonas", "žukauskas"), (" Jonas ", "ŽUKAUSKAS  ")],
)
def test_a_person_without_email_is_found_whatever_the_letter_case_of_the_name(
    crm_editor, first_name, last_name
):
    jonas = PersonFactory(first_name="Jonas", last_name="Žukauskas", email="", phone="")
    content = f"first_name;last_name;phone\n{first_name};{last_name};+37061234567\n".encode()
    client = client_for(crm_editor)

    preview = upload(client, content, model="person")

    assert preview.context["result"].totals["new"] == 0
    assert preview.context["result"].totals["update"] == 1
    confirm(client, preview, model="person")
    assert list(Person.objects.values_list("pk", "first_name", "last_name", "phone")) == [
        (jonas.pk, "Jonas", "Žukauskas", "+37061234567")  # the stored spelling of the name stays
    ]


def test_a_name_in_capitals_with_nothing_else_new_leaves_the_person_unchanged(crm_editor):
    PersonFactory(first_name="Žydrūnė", last_name="Čepaitė", email="")

    preview = upload(client_for(crm_editor), "vardas;pavardė\nŽYDRŪNĖ;ČEPAITĖ\n".encode(), model="person")

    totals = preview.context["result"].totals
    assert (totals["new"], totals["update"], totals["skip"]) == (0, 0, 1)


def test_two_persons_whose_names_differ_in_letter_case_only_make_the_row_ambiguous(crm_editor):
    PersonFactory(first_name="Jonas", last_name="Žukauskas", email="")
    PersonFactory(first_name="JONAS", last_name="ŽUKAUSKAS", email="")

    response = upload(
        client_for(crm_editor), "first_name;last_name\njonas;žukauskas\n".encode(), model="person"
    )

    assert invalid_rows(response) == {
        2: [lithuanian("Several persons without an e-mail address have this name; give the e-mail address.")]
    }
    assert Person.objects.count() == 2


def test_a_row_without_an_email_address_naming_a_person_stored_with_one_is_refused(crm_editor):
    jonas = PersonFactory(first_name="Jonas", last_name="Žukauskas", email="jonas@klasteris.lt")

    response = upload(
        client_for(crm_editor), "first_name;last_name\nJONAS;ŽUKAUSKAS\n".encode(), model="person"
    )

    message = "The person “%(name)s” already exists (ID %(id)s) with an e-mail address; give their e-mail address or ID."
    assert invalid_rows(response) == {2: [lithuanian(message, name="Jonas Žukauskas", id=jonas.pk)]}
    assert lithuanian(message, name="Jonas Žukauskas", id=jonas.pk) == (
        f"Asmuo „Jonas Žukauskas“ jau yra (ID {jonas.pk}) su el. pašto adresu; nurodykite jo el. pašto "
        "adresą arba ID."
    )
    assert Person.objects.count() == 1


def test_a_row_without_an_email_address_naming_several_persons_stored_with_one_is_refused(crm_editor):
    PersonFactory(first_name="Jonas", last_name="Žukauskas", email="jonas@klasteris.lt")
    PersonFactory(first_name="Jonas", last_name="Žukauskas", email="jonas@saule.lt")

    response = upload(client_for(crm_editor), "vardas;pavardė\nJonas;Žukauskas\n".encode(), model="person")

    assert invalid_rows(response) == {
        2: [
            lithuanian(
                "Several persons called “%(name)s” have an e-mail address; give the e-mail address or the "
                "ID of the one this row means.",
                name="Jonas Žukauskas",
            )
        ]
    }
    assert Person.objects.count() == 2


def test_a_name_stored_without_an_email_address_is_found_even_if_a_namesake_has_one(crm_editor):
    PersonFactory(first_name="Jonas", last_name="Žukauskas", email="jonas@klasteris.lt")
    without = PersonFactory(first_name="Jonas", last_name="Žukauskas", email="", phone="")
    client = client_for(crm_editor)

    preview = upload(
        client, "vardas;pavardė;telefonas\nJonas;Žukauskas;+37061234567\n".encode(), model="person"
    )
    confirm(client, preview, model="person")

    without.refresh_from_db()
    assert without.phone == "+37061234567"
    assert Person.objects.count() == 2


def test_persons_exported_without_id_and_email_and_imported_back_edited_are_refused_not_duplicated(
    crm_editor,
):
    organisation = OrganisationFactory()
    jonas = PersonFactory(
        first_name="Jonas", last_name="Žukauskas", email="jonas@klasteris.lt", phone="+37061234567"
    )
    AffiliationFactory(person=jonas, organisation=organisation)
    client = client_for(crm_editor)
    chosen = {f"personresource_{name}": "on" for name in ("first_name", "last_name", "phone")}
    body = csv_body(client.post(url("export", "person"), {"resource": "0", "format": "0", **chosen}))

    response = upload(client, body.replace(b"+37061234567", b"+37061234568"), model="person")

    assert "confirm_form" not in response.context
    assert list(invalid_rows(response)) == [2]
    assert list(Person.objects.values_list("pk", "phone")) == [(jonas.pk, "+37061234567")]


def test_a_row_giving_an_email_address_fills_it_in_for_the_person_of_its_name_stored_without_one(
    crm_editor,
):
    jonas = PersonFactory(first_name="Jonas", last_name="Žukauskas", email="", phone="")
    client = client_for(crm_editor)
    content = "vardas;pavardė;el. paštas;telefonas\nJONAS;ŽUKAUSKAS;jonas@klasteris.lt;+37061234567\n"

    preview = upload(client, content.encode(), model="person")

    totals = preview.context["result"].totals
    assert (totals["new"], totals["update"]) == (0, 1)
    confirm(client, preview, model="person")
    assert list(Person.objects.values_list("pk", "first_name", "last_name", "email", "phone")) == [
        (jonas.pk, "Jonas", "Žukauskas", "jonas@klasteris.lt", "+37061234567")  # the stored spelling stays
    ]


def test_a_row_giving_an_email_address_is_refused_when_several_persons_of_its_name_have_none(crm_editor):
    PersonFactory(first_name="Jonas", last_name="Žukauskas", email="")
    PersonFactory(first_name="Jonas", last_name="Žukauskas", email="")

    response = upload(
        client_for(crm_editor),
        "vardas;pavardė;el. paštas\nJonas;Žukauskas;jonas@klasteris.lt\n".encode(),
        model="person",
    )

    assert invalid_rows(response) == {
        2: [
            lithuanian(
                "Several persons without an e-mail address have this name; give the ID of the one this "
                "address is for."
            )
        ]
    }
    assert not Person.objects.exclude(email="").exists()


def test_two_rows_giving_a_person_stored_without_an_email_address_two_addresses_are_refused(crm_editor):
    jonas = PersonFactory(first_name="Jonas", last_name="Žukauskas", email="")
    content = (
        "vardas;pavardė;el. paštas\nJonas;Žukauskas;jonas@klasteris.lt\nJonas;Žukauskas;jonas@saule.lt\n"
    )

    response = upload(client_for(crm_editor), content.encode(), model="person")

    message = (
        "Row %(row)s also gives “%(person)s” (ID %(id)s), who is stored without an e-mail address; give "
        "their ID in the row that means them."
    )
    assert invalid_rows(response) == {3: [lithuanian(message, row=2, person="Jonas Žukauskas", id=jonas.pk)]}
    assert Person.objects.get().email == ""


def test_the_row_giving_the_id_of_a_person_stored_without_an_email_address_leaves_their_namesake_new(
    crm_editor,
):
    jonas = PersonFactory(first_name="Jonas", last_name="Žukauskas", email="")
    content = (
        "ID;vardas;pavardė;el. paštas\n"
        f";Jonas;Žukauskas;jonas@klasteris.lt\n{jonas.pk};Jonas;Žukauskas;jonas@saule.lt\n"
    )
    client = client_for(crm_editor)

    confirm(client, upload(client, content.encode(), model="person"), model="person")

    assert sorted(Person.objects.values_list("pk", "email")) == [
        (jonas.pk, "jonas@saule.lt"),
        (jonas.pk + 1, "jonas@klasteris.lt"),
    ]


def _person_import_queries(client: Client, header: str, rows: list[str]) -> tuple[int, int]:
    """The queries of a person file's preview and of its import, each row of which updates a person.
    The admin log's content type is read once a process, whichever test comes first: read here."""
    ContentType.objects.get_for_model(Person)
    content = (header + "\n" + "\n".join(rows) + "\n").encode()
    with CaptureQueriesContext(connection) as preview_queries:
        preview = upload(client, content, model="person")
    assert preview.context["result"].totals["update"] == len(rows)
    with CaptureQueriesContext(connection) as import_queries:
        confirm(client, preview, model="person")
    return len(preview_queries), len(import_queries)


def test_filling_in_email_addresses_by_name_takes_the_same_queries_for_few_rows_and_many(crm_editor):
    for number in range(43):
        PersonFactory(first_name=f"Žydrūnė {number}", last_name="Čepaitė", email="")
    client = client_for(crm_editor)

    def queries_of(count: int, first: int) -> tuple[int, int]:
        rows = [f"ŽYDRŪNĖ {n};ČEPAITĖ;zydrune{n}@klasteris.lt" for n in range(first, first + count)]
        return _person_import_queries(client, "first_name;last_name;email", rows)

    few, many = queries_of(3, 0), queries_of(40, 3)

    assert few == many
    assert Person.objects.count() == 43
    assert not Person.objects.filter(email="").exists()


def test_the_same_name_twice_in_a_file_in_another_letter_case_is_one_new_person(crm_editor):
    client = client_for(crm_editor)

    preview = upload(client, "first_name;last_name\nRŪTA;ŠIMKUTĖ\nRūta;Šimkutė\n".encode(), model="person")
    confirm(client, preview, model="person")

    assert list(Person.objects.values_list("first_name", "last_name")) == [("RŪTA", "ŠIMKUTĖ")]


def test_finding_persons_by_name_takes_the_same_queries_for_few_rows_and_many(crm_editor):
    organisation = OrganisationFactory(name="Klasteris „Ąžuolas“")
    for number in range(40):
        PersonFactory(first_name=f"Žydrūnė {number}", last_name="Čepaitė", email="")
    PersonFactory(first_name="Kita", last_name="Čepaitė", email="kita@klasteris.lt")
    client = client_for(crm_editor)

    def queries_of(count: int) -> tuple[int, int]:
        rows = [
            f"ŽYDRŪNĖ {n};ČEPAITĖ;{organisation.legal_code};+3706{count:03d}{n:04d}" for n in range(count)
        ]
        return _person_import_queries(client, "first_name;last_name;organisation;phone", rows)

    few, many = queries_of(3), queries_of(40)

    assert few == many
    assert Person.objects.count() == 41
    assert Affiliation.objects.count() == 40


# CSV files of Lithuanian Excel ------------------------------------------------------------


def test_a_windows_1257_csv_of_lithuanian_excel_imports_with_its_letters(crm_editor):
    headers = [header(Organisation, n) for n in ("name", "legal_code", "municipality")]
    content = "\r\n".join(
        [
            ";".join(headers),
            f"Klasteris „{LETTERS}“;{valid_legal_code(1)};Šiaulių miesto savivaldybė",
            f"Žalioji energija;{valid_legal_code(2)};",
        ]
    ).encode("cp1257")
    client = client_for(crm_editor)

    preview = upload(client, content)

    assert "confirm_form" in preview.context, preview.context["form"].errors
    assert f"Klasteris „{LETTERS}“" in preview.content.decode()
    assert not preview.context["result"].unknown_headers
    confirm(client, preview)
    assert sorted(Organisation.objects.values_list("name", "municipality__name")) == [
        (f"Klasteris „{LETTERS}“", "Šiaulių miesto savivaldybė"),
        ("Žalioji energija", None),
    ]


def test_a_windows_1257_person_file_finds_the_person_named_in_capitals(crm_editor):
    zydrune = PersonFactory(first_name="Žydrūnė", last_name="Čepaitė", email="", phone="")
    content = "vardas;pavardė;telefonas\r\nŽYDRŪNĖ;ČEPAITĖ;+37061234567\r\nŪla;Ąžuolaitė;\r\n".encode(
        "cp1257"
    )
    client = client_for(crm_editor)

    preview = upload(client, content, model="person")
    confirm(client, preview, model="person")

    zydrune.refresh_from_db()
    assert (zydrune.first_name, zydrune.last_name, zydrune.phone) == ("Žydrūnė", "Čepaitė", "+37061234567")
    assert Person.objects.filter(first_name="Ūla", last_name="Ąžuolaitė").exists()


def test_a_utf8_csv_with_letters_that_windows_1257_has_too_is_read_as_utf8(crm_editor):
    content = f"name,legal_code\nKlasteris {LETTERS},{valid_legal_code(1)}\n".encode()
    client = client_for(crm_editor)

    confirm(client, upload(client, content))

    assert Organisation.objects.get().name == f"Klasteris {LETTERS}"


def test_a_unicode_text_file_of_excel_imports(crm_editor):
    content = f"name\tlegal_code\r\nKlasteris {LETTERS}\t{valid_legal_code(1)}\r\n".encode("utf-16")
    client = client_for(crm_editor)

    confirm(client, upload(client, content))

    assert Organisation.objects.get().name == f"Klasteris {LETTERS}"


@pytest.mark.parametrize(
    "content",
    [
        b"name,legal_code\nKlasteris \x81\x8a,123456789\n",  # bytes that no code page of ours has
        xlsx({1: ["name"], 2: ["Klasteris"]}),  # a workbook, uploaded as CSV
    ],
)
def test_a_file_that_is_not_text_is_refused_with_advice_to_save_it_as_csv_utf8(crm_editor, content):
    response = upload(client_for(crm_editor), content, file_format=CSV_FORMAT)

    assert response.status_code == 200
    assert response.context["form"].errors["import_file"] == [
        lithuanian(
            "The file could not be read as text. If it is a CSV file, save it in Excel as “CSV UTF-8” "
            "and upload it again; if it is an Excel workbook, choose the XLSX format."
        )
    ]
    assert "UnicodeDecodeError" not in response.content.decode()
    assert not Organisation.objects.exists()


@pytest.mark.parametrize(
    "content",
    [
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),  # an older Excel's .xls (OLE2)
        f"name,legal_code\nKlasteris,{valid_legal_code(1)}\n".encode(),  # a CSV file
    ],
)
def test_a_file_that_is_not_a_workbook_uploaded_as_xlsx_is_refused_with_advice(crm_editor, content):
    response = upload(client_for(crm_editor), content, file_format=XLSX_FORMAT)

    assert response.status_code == 200
    assert response.context["form"].errors["import_file"] == [
        lithuanian(
            "The file is not an Excel workbook (.xlsx). Save a workbook of an older Excel (.xls) as "
            "“Excel Workbook (*.xlsx)” and upload it again; for a CSV file, choose the CSV format."
        )
    ]
    assert "BadZipFile" not in response.content.decode()
    assert not Organisation.objects.exists()


# Row numbers ------------------------------------------------------------------------------


def test_invalid_rows_are_numbered_as_in_the_spreadsheet(crm_editor):
    code = valid_legal_code(1)
    content = "\n".join(
        [
            "name;legal_code",  # row 1
            f"Gerasis;{code}",  # row 2
            "",  # row 3: blank, skipped
            "Blogasis;123",  # row 4
            f"Dvynys;{code}",  # row 5: row 2's code
        ]
    ).encode()

    response = upload(client_for(crm_editor), content)

    errors = invalid_rows(response)
    assert sorted(errors) == [4, 5]
    assert errors[5] == [
        lithuanian("The legal entity code %(code)s is already in row %(row)s.", code=code, row=2)
    ]
    assert shown_row_numbers(response) == [4, 5]


def test_an_organisation_without_code_repeated_names_the_spreadsheet_row(crm_editor):
    content = b"name;phone\nBe kodo;\nKitas;\nBe kodo;+37061234567\n"

    response = upload(client_for(crm_editor), content)

    assert invalid_rows(response) == {
        4: [
            lithuanian(
                "An organisation called “%(code)s” without a legal entity code is already in row %(row)s.",
                code="Be kodo",
                row=2,
            )
        ]
    }


def test_xlsx_rows_are_numbered_as_in_the_workbook(crm_editor):
    workbook = xlsx(
        {
            1: ["name", "legal_code"],
            2: ["Gerasis", valid_legal_code(1)],
            # row 3 has no cells at all
            4: ["Blogasis", "123"],
        }
    )

    response = upload(client_for(crm_editor), workbook, name="nariai.xlsx", file_format=XLSX_FORMAT)

    assert sorted(invalid_rows(response)) == [4]
    assert shown_row_numbers(response) == [4]


def test_a_person_linked_twice_to_an_organisation_names_the_first_row(crm_editor):
    organisation = OrganisationFactory(name="Klasteris „Ąžuolas“")
    content = (
        "first_name;last_name;email;organisation\n"
        f"Ona;Onaitė;ona@klasteris.lt;{organisation.legal_code}\n"
        f"Ona;Onaitė;ona@klasteris.lt;{organisation.legal_code}\n"
    ).encode()

    response = upload(client_for(crm_editor), content, model="person")

    assert invalid_rows(response) == {
        3: [lithuanian("Row %(row)s already links this person to this organisation.", row=2)]
    }


def test_a_person_repeated_with_other_details_names_the_first_row(crm_editor):
    content = (
        "first_name;last_name;email\nOna;Onaitė;ona@klasteris.lt\nOna;Kitaitė;ona@klasteris.lt\n".encode()
    )

    response = upload(client_for(crm_editor), content, model="person")

    assert invalid_rows(response) == {
        3: [
            lithuanian(
                "This person is also in row %(row)s with different details; give them the same on every row.",
                row=2,
            )
        ]
    }


def test_skipped_invalid_rows_are_reported_by_their_spreadsheet_rows(crm_editor):
    content = (
        f"name;legal_code\nGerasis;{valid_legal_code(1)}\nBlogasis;123\n\nKitas blogasis;456\n"
    ).encode()
    client = client_for(crm_editor)

    preview = upload(client, content, skip_invalid_rows=True)
    assert shown_row_numbers(preview) == [3, 5]
    done = confirm(client, preview)

    warnings = [str(m) for m in done.context["messages"] if m.level_tag == "warning"]
    with translation.override("lt"):
        expected = translation.ngettext(
            "%(count)d invalid row was not imported (row %(rows)s).",
            "%(count)d invalid rows were not imported (rows %(rows)s).",
            2,
        ) % {"count": 2, "rows": "3, 5"}
    assert warnings == [expected]
    assert list(Organisation.objects.values_list("name", flat=True)) == ["Gerasis"]


def test_a_row_that_fails_unexpectedly_is_shown_with_its_spreadsheet_row(crm_editor, monkeypatch):
    def explode(resource, instance, errors):
        if instance.name == "Sprogstantis":
            raise RuntimeError("sprogo")

    monkeypatch.setattr(OrganisationResource, "check_instance", explode)
    content = f"name;legal_code\nGerasis;{valid_legal_code(1)}\nSprogstantis;{valid_legal_code(2)}\n".encode()

    response = upload(client_for(crm_editor), content)

    result = response.context["result"]
    assert [(number, [str(e.error) for e in errors]) for number, errors in result.row_errors()] == [
        (3, ["sprogo"])
    ]
    assert re.search(r": 3 - sprogo", response.content.decode())
    assert not Organisation.objects.exists()

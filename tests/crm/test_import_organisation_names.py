"""Rows without a legal entity code find their organisation by name, with a code or without; so do
the persons import's organisation cells."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from import_export.results import RowResult

from crm.import_formats import CSV, XLSX
from crm.models import Affiliation, Organisation, Person
from crm.resources import OrganisationResource, PersonResource
from tests.factories import AffiliationFactory, OrganisationFactory, PersonFactory, valid_legal_code

pytestmark = pytest.mark.django_db

VEJAS = "UAB „Šiaurės vėjas“"


def dataset_of(file_format, headers: list[str], rows: list[list[object]]):
    if file_format is CSV:
        lines = [headers, *rows]
        text = "\n".join(",".join(str(cell) for cell in line) for line in lines) + "\n"
        return CSV().create_dataset(text.encode("utf-8"))
    workbook = openpyxl.Workbook()
    for line in [headers, *rows]:
        workbook.active.append(line)
    stream = io.BytesIO()
    workbook.save(stream)
    return XLSX().create_dataset(stream.getvalue())


def run(file_format, headers, rows, *, dry_run: bool, resource=OrganisationResource, **kwargs):
    with translation.override("lt"):
        return resource(**kwargs).import_data(dataset_of(file_format, headers, rows), dry_run=dry_run)


def outcome(result) -> list[tuple[int, str, dict[str, list[str]]]]:
    """Each row's spreadsheet number, what the import does with it, and its errors."""
    errors = {row.number: row.error_dict for row in result.invalid_rows}
    return [
        (number, row.import_type, errors.get(number, {})) for number, row in enumerate(result.rows, start=2)
    ]


def lithuanian(message: str, **params: object) -> str:
    with translation.override("lt"):
        return translation.gettext(message) % params


@pytest.fixture
def vejas(db):
    return OrganisationFactory(name=VEJAS, legal_code=valid_legal_code(1), address="Senoji g. 1")


both_formats = pytest.mark.parametrize("file_format", [CSV, XLSX], ids=["csv", "xlsx"])


@both_formats
def test_a_row_without_a_code_updates_the_organisation_with_a_code_of_that_name(vejas, file_format):
    headers = ["name", "legal_code", "address"]
    rows = [["  uab  „ŠIAURĖS   vėjas“ ", "", "Naujoji g. 2"]]

    preview = run(file_format, headers, rows, dry_run=True)

    assert outcome(preview) == [(2, RowResult.IMPORT_TYPE_UPDATE, {})]
    assert Organisation.objects.get().address == "Senoji g. 1"  # the preview writes nothing

    result = run(file_format, headers, rows, dry_run=False)

    assert outcome(result) == outcome(preview)
    organisation = Organisation.objects.get()  # no duplicate
    assert organisation.address == "Naujoji g. 2"
    # The row found it by its name: the stored spelling and the code the row left blank stay.
    assert (organisation.name, organisation.legal_code) == (VEJAS, valid_legal_code(1))
    assert [h.history_type for h in organisation.history.order_by("history_date")] == ["+", "~"]


@both_formats
def test_a_file_without_a_code_column_updates_organisations_by_name(vejas, file_format):
    OrganisationFactory(name="Ministerija", legal_code="")
    headers = ["name", "phone"]
    rows = [[VEJAS.upper(), "8 612 34567"], ["ministerija", "+37061234568"], ["Nauja asociacija", ""]]

    preview = run(file_format, headers, rows, dry_run=True)
    result = run(file_format, headers, rows, dry_run=False)

    assert [row[1] for row in outcome(preview)] == ["update", "update", "new"]
    assert outcome(result) == outcome(preview)
    assert dict(Organisation.objects.values_list("name", "phone")) == {
        VEJAS: "+37061234567",
        "Ministerija": "+37061234568",
        "Nauja asociacija": "",
    }


def test_a_row_that_changes_nothing_is_skipped(vejas):
    result = run(CSV, ["name", "legal_code", "address"], [[VEJAS.lower(), "", "Senoji g. 1"]], dry_run=False)

    assert outcome(result) == [(2, RowResult.IMPORT_TYPE_SKIP, {})]
    assert vejas.history.count() == 1


@both_formats
@pytest.mark.parametrize("other_code", [valid_legal_code(2), ""], ids=["with-code", "without-code"])
def test_a_name_of_several_organisations_is_an_error_asking_for_the_code(vejas, file_format, other_code):
    OrganisationFactory(name=VEJAS.upper(), legal_code=other_code)
    before = list(Organisation.objects.order_by("pk").values_list())
    rows = [[VEJAS, "", "Naujoji g. 2"], ["Kitas klasteris", valid_legal_code(3), ""]]

    preview = run(file_format, ["name", "legal_code", "address"], rows, dry_run=True)
    result = run(file_format, ["name", "legal_code", "address"], rows, dry_run=False)

    message = lithuanian(
        "Several organisations are called “%(name)s”; give the legal entity code.", name=VEJAS
    )
    assert message.startswith("Kelios organizacijos vadinasi „UAB „Šiaurės vėjas““")
    assert outcome(preview)[0] == (2, RowResult.IMPORT_TYPE_INVALID, {"name": [message]})
    assert outcome(result) == outcome(preview)
    # An invalid row stops the whole file, as before: nothing is guessed, nothing duplicated.
    assert list(Organisation.objects.order_by("pk").values_list()) == before


def test_skipping_invalid_rows_imports_the_others_and_leaves_the_ambiguous_name_alone(vejas):
    OrganisationFactory(name=VEJAS, legal_code="")
    rows = [[VEJAS, "", "Naujoji g. 2"], ["Kitas klasteris", valid_legal_code(3), ""]]

    preview = run(CSV, ["name", "legal_code", "address"], rows, dry_run=True, skip_invalid_rows=True)
    result = run(CSV, ["name", "legal_code", "address"], rows, dry_run=False, skip_invalid_rows=True)

    assert [row[1] for row in outcome(result)] == ["invalid", "new"]
    assert outcome(result) == outcome(preview)
    assert Organisation.objects.count() == 3
    assert set(Organisation.objects.filter(name=VEJAS).values_list("address", flat=True)) == {
        "Senoji g. 1",
        "",
    }


def test_a_row_with_a_code_matches_by_its_code_only(vejas):
    rows = [[VEJAS, valid_legal_code(2), "Kita g. 3"]]

    result = run(CSV, ["name", "legal_code", "address"], rows, dry_run=False)

    assert outcome(result) == [(2, RowResult.IMPORT_TYPE_NEW, {})]
    assert dict(Organisation.objects.values_list("legal_code", "address")) == {
        valid_legal_code(1): "Senoji g. 1",
        valid_legal_code(2): "Kita g. 3",
    }


@both_formats
def test_a_row_with_a_code_fills_it_in_for_the_organisation_of_its_name_stored_without_one(db, file_format):
    silas = OrganisationFactory(name="Klasteris „Šilas“", legal_code="", address="Senoji g. 1")
    rows = [[" klasteris  „ŠILAS“", valid_legal_code(5), "Naujoji g. 2"]]

    preview = run(file_format, ["name", "legal_code", "address"], rows, dry_run=True)
    result = run(file_format, ["name", "legal_code", "address"], rows, dry_run=False)

    assert outcome(result) == outcome(preview) == [(2, RowResult.IMPORT_TYPE_UPDATE, {})]
    assert list(Organisation.objects.values_list("pk", "name", "legal_code", "address")) == [
        (silas.pk, "Klasteris „Šilas“", valid_legal_code(5), "Naujoji g. 2")  # the stored spelling stays
    ]


def test_a_row_with_a_code_is_refused_when_several_organisations_of_its_name_have_none(db):
    OrganisationFactory(name="Klasteris „Šilas“", legal_code="")
    OrganisationFactory(name="KLASTERIS „ŠILAS“", legal_code="")
    rows = [["Klasteris „Šilas“", valid_legal_code(5), "Naujoji g. 2"]]

    result = run(CSV, ["name", "legal_code", "address"], rows, dry_run=False)

    message = lithuanian(
        "Several organisations without a legal entity code are called “%(name)s”; give the ID of the one "
        "this code is for.",
        name="Klasteris „Šilas“",
    )
    assert outcome(result) == [(2, RowResult.IMPORT_TYPE_INVALID, {"legal_code": [message]})]
    assert message.startswith("Kelios organizacijos be juridinio asmens kodo vadinasi „Klasteris „Šilas““")
    assert not Organisation.objects.exclude(legal_code="").exists()


def test_two_rows_giving_an_organisation_stored_without_a_code_two_codes_are_refused(db):
    silas = OrganisationFactory(name="Klasteris „Šilas“", legal_code="")
    rows = [["Klasteris „Šilas“", valid_legal_code(5)], ["Klasteris „Šilas“", valid_legal_code(6)]]

    result = run(CSV, ["name", "legal_code"], rows, dry_run=False)

    message = lithuanian(
        "Row %(row)s also gives “%(organisation)s” (ID %(id)s), which is stored without a legal entity "
        "code; give its ID in the row that means it.",
        row=2,
        organisation="Klasteris „Šilas“",
        id=silas.pk,
    )
    assert [(row[0], row[2]) for row in outcome(result)] == [(2, {}), (3, {"legal_code": [message]})]
    assert list(Organisation.objects.values_list("legal_code", flat=True)) == [""]


def test_filling_in_codes_by_name_makes_no_query_per_row(db):
    for n in range(305):
        OrganisationFactory(name=f"Klasteris Nr. {n}", legal_code="")

    def rows(count: int, first: int) -> list[list[object]]:
        return [[f"KLASTERIS  NR. {n}", valid_legal_code(100 + n)] for n in range(first, first + count)]

    counts = {}
    for count, first in ((5, 0), (300, 5)):
        with CaptureQueriesContext(connection) as dry_run:
            preview = run(CSV, ["name", "legal_code"], rows(count, first), dry_run=True)
        with CaptureQueriesContext(connection) as real:
            result = run(CSV, ["name", "legal_code"], rows(count, first), dry_run=False)
        assert preview.totals["update"] == result.totals["update"] == count
        counts[count] = (len(dry_run), len(real))

    assert Organisation.objects.count() == 305
    assert not Organisation.objects.filter(legal_code="").exists()
    assert counts[5][0] == counts[300][0] <= 20
    batches = -(-300 // OrganisationResource.update_batch_size)
    assert counts[5][1] + batches - 1 == counts[300][1] <= 30


@pytest.mark.parametrize("order", ["code-first", "name-first"])
@pytest.mark.parametrize("existing", [True, False], ids=["existing", "new"])
def test_a_row_without_a_code_naming_an_organisation_given_with_its_code_is_an_error(db, order, existing):
    if existing:
        OrganisationFactory(name="Beta", legal_code=valid_legal_code(5))
    coded, named = ["Beta", valid_legal_code(5), "Pirmoji g. 1"], [" BETA ", "", "Antroji g. 2"]
    rows = [coded, named] if order == "code-first" else [named, coded]
    before = list(Organisation.objects.order_by("pk").values_list())

    preview = run(CSV, ["name", "legal_code", "address"], rows, dry_run=True)
    result = run(CSV, ["name", "legal_code", "address"], rows, dry_run=False)

    coded_row, named_row = (2, 3) if order == "code-first" else (3, 2)
    message = lithuanian(
        "An organisation called “%(name)s” is also in row %(row)s, with a legal entity code; "
        "give the legal entity code in this row too.",
        name="BETA",
        row=coded_row,
    )
    assert {row[0]: row[2] for row in outcome(result)} == {coded_row: {}, named_row: {"name": [message]}}
    assert outcome(result) == outcome(preview)
    assert list(Organisation.objects.order_by("pk").values_list()) == before


def test_a_row_without_a_code_naming_an_organisation_that_another_row_renames_is_an_error(vejas):
    rows = [[VEJAS, "", "Naujoji g. 2"], ["UAB „Pietų vėjas“", valid_legal_code(1), ""]]

    result = run(CSV, ["name", "legal_code", "address"], rows, dry_run=False)

    assert list(result.invalid_rows[0].error_dict) == ["name"] and result.invalid_rows[0].number == 2
    assert "3" in result.invalid_rows[0].error_dict["name"][0]
    assert Organisation.objects.get().name == VEJAS


def test_a_name_twice_without_a_code_is_an_error_of_the_second_row(vejas):
    rows = [[VEJAS, "", "Naujoji g. 2"], [VEJAS.upper(), "", "Kita g. 3"]]

    result = run(CSV, ["name", "legal_code", "address"], rows, dry_run=False)

    message = lithuanian(
        "An organisation called “%(code)s” without a legal entity code is already in row %(row)s.",
        code=VEJAS,
        row=2,
    )
    assert [(row[0], row[2]) for row in outcome(result)] == [(2, {}), (3, {"name": [message]})]
    assert Organisation.objects.get().address == "Senoji g. 1"


def test_matching_by_name_makes_no_query_per_row(db):
    for n in range(300):
        OrganisationFactory(name=f"Klasteris Nr. {n}", legal_code=valid_legal_code(100 + n) if n % 2 else "")

    def rows(count: int) -> list[list[object]]:
        return [[f"KLASTERIS  NR. {n}", "", f"Gatvė {count}"] for n in range(count)]

    counts = {}
    for count in (5, 300):
        with CaptureQueriesContext(connection) as dry_run:
            preview = run(CSV, ["name", "legal_code", "address"], rows(count), dry_run=True)
        with CaptureQueriesContext(connection) as real:
            result = run(CSV, ["name", "legal_code", "address"], rows(count), dry_run=False)
        assert preview.totals["update"] == result.totals["update"] == count
        counts[count] = (len(dry_run), len(real))

    assert Organisation.objects.count() == 300
    assert Organisation.objects.filter(address="Gatvė 300").count() == 300
    assert counts[5][0] == counts[300][0] <= 20  # the preview reads a fixed number of times
    # The import too; only the UPDATE statements grow, one per `update_batch_size` records.
    batches = -(-300 // OrganisationResource.update_batch_size)
    assert counts[5][1] + batches - 1 == counts[300][1] <= 30


def test_the_admin_preview_shows_the_update_that_the_confirmation_makes(crm_editor, vejas):
    client = Client()
    client.force_login(crm_editor)
    content = f"name;legal_code;address\n{VEJAS.lower()};;Naujoji g. 2\n".encode()
    with translation.override("lt"):
        import_url, process_url = (
            reverse("admin:crm_organisation_import"),
            reverse("admin:crm_organisation_process_import"),
        )

    preview = client.post(
        import_url,
        {"resource": "0", "format": "0", "import_file": SimpleUploadedFile("nariai.csv", content)},
    )

    assert [row.import_type for row in preview.context["result"]] == [RowResult.IMPORT_TYPE_UPDATE]
    form = preview.context["confirm_form"]
    client.post(process_url, {name: form.initial.get(name, "") for name in form.fields}, follow=True)
    organisation = Organisation.objects.get()
    assert (organisation.address, organisation.legal_code) == ("Naujoji g. 2", valid_legal_code(1))


# --- the persons import's organisation column -------------------------------------------------

PERSON_HEADERS = ["first_name", "last_name", "email", "organisation", "role"]


def run_persons(rows: list[list[object]], *, dry_run: bool):
    return run(CSV, PERSON_HEADERS, rows, dry_run=dry_run, resource=PersonResource)


def test_a_persons_organisation_is_found_by_its_name_whatever_its_letter_case_and_spacing(vejas):
    rows = [
        ["Rūta", "Jonaitė", "ruta@vejas.lt", "uab „ŠIAURĖS vėjas“", "director"],
        ["Tomas", "Petraitis", "tomas@vejas.lt", "  UAB   „Šiaurės vėjas“ ", ""],
    ]

    preview = run_persons(rows, dry_run=True)

    assert outcome(preview) == [(2, RowResult.IMPORT_TYPE_NEW, {}), (3, RowResult.IMPORT_TYPE_NEW, {})]
    assert all(VEJAS in str(row.diff) for row in preview.rows)  # the organisation's own spelling
    assert not Person.objects.exists() and not Affiliation.objects.exists()

    result = run_persons(rows, dry_run=False)

    assert outcome(result) == outcome(preview)
    assert sorted(Affiliation.objects.values_list("person__email", "organisation", "role")) == [
        ("ruta@vejas.lt", vejas.pk, Affiliation.Role.DIRECTOR),
        ("tomas@vejas.lt", vejas.pk, Affiliation.Role.REPRESENTATIVE),
    ]
    assert Organisation.objects.get().name == VEJAS


def test_a_persons_organisation_name_shared_up_to_letter_case_is_an_error_asking_for_the_code(vejas):
    OrganisationFactory(name=VEJAS.upper(), legal_code=valid_legal_code(2))
    rows = [
        ["Rūta", "Jonaitė", "ruta@vejas.lt", "uab „ŠIAURĖS vėjas“", ""],
        ["Tomas", "Petraitis", "tomas@vejas.lt", valid_legal_code(2), ""],
    ]

    preview = run_persons(rows, dry_run=True)
    result = run_persons(rows, dry_run=False)

    message = lithuanian(
        "Several organisations are called “%(name)s”; give the legal entity code.",
        name="uab „ŠIAURĖS vėjas“",
    )
    assert message.startswith("Kelios organizacijos vadinasi")
    assert outcome(preview) == [
        (2, RowResult.IMPORT_TYPE_INVALID, {"organisation": [message]}),
        (3, RowResult.IMPORT_TYPE_NEW, {}),
    ]
    assert outcome(result) == outcome(preview)
    # The invalid row stops the whole file: nothing is guessed.
    assert not Person.objects.exists() and not Affiliation.objects.exists()


def test_a_persons_organisation_name_shared_up_to_letter_case_means_the_one_they_are_linked_to(vejas):
    twin = OrganisationFactory(name=VEJAS.upper(), legal_code=valid_legal_code(2))
    person = PersonFactory(email="ruta@vejas.lt")
    AffiliationFactory(person=person, organisation=twin, role=Affiliation.Role.OTHER)
    rows = [[person.first_name, person.last_name, "ruta@vejas.lt", "uab „šiaurės vėjas“", "director"]]

    preview = run_persons(rows, dry_run=True)
    result = run_persons(rows, dry_run=False)

    assert outcome(preview) == outcome(result) == [(2, RowResult.IMPORT_TYPE_UPDATE, {})]
    assert list(Affiliation.objects.values_list("organisation", "role")) == [
        (twin.pk, Affiliation.Role.DIRECTOR)
    ]


def test_matching_persons_organisations_by_name_makes_no_query_per_row(db):
    for n in range(300):
        OrganisationFactory(name=f"Klasteris Nr. {n}", legal_code=valid_legal_code(100 + n))

    def rows(count: int) -> list[list[object]]:
        return [
            [f"Vardas{n}", "Pavardė", f"p{n}@klasteris.lt", f"KLASTERIS  NR. {n}", ""] for n in range(count)
        ]

    counts = {}
    for count in (5, 300):
        Person.objects.all().delete()
        with CaptureQueriesContext(connection) as dry_run:
            preview = run_persons(rows(count), dry_run=True)
        with CaptureQueriesContext(connection) as real:
            result = run_persons(rows(count), dry_run=False)
        assert preview.totals["new"] == result.totals["new"] == count
        counts[count] = (len(dry_run), len(real))

    assert Affiliation.objects.count() == 300
    assert counts[5] == counts[300]


# --- the persons import's organisation code column --------------------------------------------

CODE_HEADERS = ["first_name", "last_name", "email", "organisation", "organisation_code", "job_title"]


def run_persons_by_code(rows: list[list[object]], *, dry_run: bool, file_format=CSV):
    return run(file_format, CODE_HEADERS, rows, dry_run=dry_run, resource=PersonResource)


def exported_persons(file_format):
    """The persons export read back as an import reads an uploaded file, in Lithuanian."""
    with translation.override("lt"):
        if file_format is CSV:
            headers, rows = PersonResource().export_rows(Person.objects.all())
            text = "".join(CSV.export_stream(headers, rows, delimiter=";"))
            return CSV().create_dataset(text.encode("utf-8"))
        data = PersonResource().export(Person.objects.all(), force_native_type=True)
        return XLSX().create_dataset(XLSX().export_data(data))


@pytest.fixture
def twins(vejas):
    """Two organisations of one name, and a person who is a contact of both."""
    twin = OrganisationFactory(name=VEJAS, legal_code=valid_legal_code(2))
    person = PersonFactory(first_name="Rūta", last_name="Jonaitė", email="ruta@vejas.lt")
    AffiliationFactory(person=person, organisation=vejas, job_title="Direktorė")
    AffiliationFactory(person=person, organisation=twin, job_title="Valdybos narė")
    return vejas, twin


@both_formats
def test_a_person_of_two_organisations_of_one_name_imports_their_own_export_back(twins, file_format):
    vejas, twin = twins
    dataset = exported_persons(file_format)
    assert (
        dataset.headers[dataset.headers.index("organizacija") + 1] == "organizacijos juridinio asmens kodas"
    )
    assert sorted(
        zip(dataset["organizacija"], dataset["organizacijos juridinio asmens kodas"], strict=True)
    ) == [
        (VEJAS, vejas.legal_code),
        (VEJAS, twin.legal_code),
    ]
    with translation.override("lt"):
        unchanged = PersonResource().import_data(dataset, dry_run=False)
    assert outcome(unchanged) == [(2, RowResult.IMPORT_TYPE_SKIP, {}), (3, RowResult.IMPORT_TYPE_SKIP, {})]

    # Each row changes its own affiliation.
    edited = dataset.dict
    for row in edited:
        row["pareigos"] = f"{row['pareigos']} ({row['organizacijos juridinio asmens kodas']})"
    dataset.dict = edited
    with translation.override("lt"):
        result = PersonResource().import_data(dataset, dry_run=False)

    assert [row[2] for row in outcome(result)] == [{}, {}]
    assert sorted(Affiliation.objects.values_list("organisation", "job_title")) == sorted(
        [(vejas.pk, f"Direktorė ({vejas.legal_code})"), (twin.pk, f"Valdybos narė ({twin.legal_code})")]
    )


@both_formats
def test_a_person_of_two_organisations_of_one_name_one_without_a_code_imports_their_export_back(
    vejas, file_format
):
    # The export leaves the code cell empty for the organisation that has none.
    uncoded = OrganisationFactory(name=VEJAS, legal_code="")
    person = PersonFactory(first_name="Rūta", last_name="Jonaitė", email="ruta@vejas.lt")
    AffiliationFactory(person=person, organisation=vejas, job_title="Direktorė")
    AffiliationFactory(person=person, organisation=uncoded, job_title="Valdybos narė")
    dataset = exported_persons(file_format)

    with translation.override("lt"):
        unchanged = PersonResource().import_data(dataset, dry_run=False)
    assert outcome(unchanged) == [(2, RowResult.IMPORT_TYPE_SKIP, {}), (3, RowResult.IMPORT_TYPE_SKIP, {})]

    edited = dataset.dict
    for row in edited:
        row["pareigos"] = f"{row['pareigos']} (nauja)"
    dataset.dict = edited
    with translation.override("lt"):
        result = PersonResource().import_data(dataset, dry_run=False)

    assert [row[2] for row in outcome(result)] == [{}, {}]
    assert sorted(Affiliation.objects.values_list("organisation", "job_title")) == sorted(
        [(vejas.pk, "Direktorė (nauja)"), (uncoded.pk, "Valdybos narė (nauja)")]
    )


def test_without_the_code_column_two_organisations_of_the_persons_name_are_still_asked_apart(vejas):
    uncoded = OrganisationFactory(name=VEJAS, legal_code="")
    person = PersonFactory(email="ruta@vejas.lt")
    AffiliationFactory(person=person, organisation=vejas)
    AffiliationFactory(person=person, organisation=uncoded)
    dataset = dataset_of(CSV, ["email", "organisation", "job_title"], [["ruta@vejas.lt", VEJAS, "Narė"]])

    with translation.override("lt"):
        result = PersonResource().import_data(dataset, dry_run=False)

    assert outcome(result) == [
        (
            2,
            RowResult.IMPORT_TYPE_INVALID,
            {"organisation": [f"Kelios organizacijos vadinasi „{VEJAS}“; nurodykite juridinio asmens kodą."]},
        )
    ]


def test_the_code_column_finds_the_organisation_without_or_beside_its_name(twins):
    vejas, twin = twins
    rows = [
        [
            "Rūta",
            "Jonaitė",
            "ruta@vejas.lt",
            "",
            f"{twin.legal_code[:3]} {twin.legal_code[3:]}",
            "Pirmininkė",
        ],
        ["Tomas", "Petraitis", "tomas@vejas.lt", VEJAS.upper(), twin.legal_code, "Narys"],
        ["Ona", "Onaitė", "ona@vejas.lt", "", "", ""],  # no affiliation
    ]

    preview = run_persons_by_code(rows, dry_run=True)
    result = run_persons_by_code(rows, dry_run=False)

    assert [row[2] for row in outcome(preview)] == [{}, {}, {}]
    assert outcome(result) == outcome(preview)
    assert twin.legal_code in str(preview.rows[1].diff)  # the preview shows the code
    assert sorted(Affiliation.objects.values_list("person__email", "organisation", "job_title")) == [
        ("ruta@vejas.lt", vejas.pk, "Direktorė"),
        ("ruta@vejas.lt", twin.pk, "Pirmininkė"),
        ("tomas@vejas.lt", twin.pk, "Narys"),
    ]


def test_an_unknown_organisation_code_is_an_error_of_its_row(twins):
    rows = [["Rūta", "Jonaitė", "ruta@vejas.lt", VEJAS, valid_legal_code(3), "Pirmininkė"]]

    result = run_persons_by_code(rows, dry_run=False)

    message = lithuanian(
        "There is no organisation with the legal entity code “%(value)s”.", value=valid_legal_code(3)
    )
    assert message.startswith("Nėra organizacijos, kurios juridinio asmens kodas")
    assert outcome(result) == [(2, RowResult.IMPORT_TYPE_INVALID, {"organisation_code": [message]})]
    assert sorted(Affiliation.objects.values_list("job_title", flat=True)) == ["Direktorė", "Valdybos narė"]


@pytest.mark.parametrize("named", ["UAB „Kitas vėjas“", "Niekieno vardas", "code of the other"])
def test_a_name_of_another_organisation_beside_the_code_is_an_error_of_its_row(twins, named):
    twin = twins[1]
    other = OrganisationFactory(name="UAB „Kitas vėjas“", legal_code=valid_legal_code(4))
    named = other.legal_code if named == "code of the other" else named
    rows = [["Tomas", "Petraitis", "tomas@vejas.lt", named, twin.legal_code, "Narys"]]

    result = run_persons_by_code(rows, dry_run=False)

    message = lithuanian(
        "“%(name)s” is not the organisation with the legal entity code %(code)s (%(organisation)s); give "
        "the code and the name of the same organisation.",
        name=named,
        code=twin.legal_code,
        organisation=VEJAS,
    )
    assert message.startswith(f"„{named}“ nėra organizacija")
    assert outcome(result) == [(2, RowResult.IMPORT_TYPE_INVALID, {"organisation": [message]})]
    assert not Person.objects.filter(email="tomas@vejas.lt").exists()


@pytest.mark.usefixtures("twins")
def test_a_blank_code_leaves_the_organisation_to_its_name():
    only = OrganisationFactory(name="UAB „Kitas vėjas“", legal_code="")
    rows = [
        ["Tomas", "Petraitis", "tomas@vejas.lt", "uab „kitas vėjas“", "", "Narys"],
        ["Ona", "Onaitė", "ona@vejas.lt", VEJAS, "", "Narė"],
    ]

    result = run_persons_by_code(rows, dry_run=False)

    shared = lithuanian(
        "Several organisations are called “%(name)s”; give the legal entity code.", name=VEJAS
    )
    assert outcome(result) == [
        (2, RowResult.IMPORT_TYPE_NEW, {}),
        (3, RowResult.IMPORT_TYPE_INVALID, {"organisation": [shared]}),
    ]
    result = run_persons_by_code(rows[:1], dry_run=False)
    assert list(Affiliation.objects.filter(person__email="tomas@vejas.lt").values_list("organisation")) == [
        (only.pk,)
    ]


def test_matching_persons_organisations_by_code_makes_no_query_per_row(db):
    for n in range(300):
        OrganisationFactory(name="Klasteris", legal_code=valid_legal_code(100 + n))

    def rows(count: int) -> list[list[object]]:
        return [
            [f"Vardas{n}", "Pavardė", f"p{n}@klasteris.lt", "KLASTERIS", valid_legal_code(100 + n), "Narys"]
            for n in range(count)
        ]

    counts = {}
    for count in (5, 300):
        Person.objects.all().delete()
        with CaptureQueriesContext(connection) as dry_run:
            preview = run_persons_by_code(rows(count), dry_run=True)
        with CaptureQueriesContext(connection) as real:
            result = run_persons_by_code(rows(count), dry_run=False)
        assert preview.totals["new"] == result.totals["new"] == count
        counts[count] = (len(dry_run), len(real))

    assert Affiliation.objects.count() == 300
    assert set(Affiliation.objects.values_list("organisation__legal_code", flat=True)) == {
        valid_legal_code(100 + n) for n in range(300)
    }
    assert counts[5] == counts[300]

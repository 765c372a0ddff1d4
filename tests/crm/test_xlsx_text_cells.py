"""Formula-like text in the XLSX exports: a text cell holding the text as it is (no apostrophe,
never a formula), while the CSV exports keep the apostrophe in front."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from consultations import services
from consultations.answers import AnswerValue, ProposalValue
from consultations.models import Consultation, Invitation, Question
from crm.models import Organisation, Person
from crm.resources import OrganisationResource, PersonResource
from tests.consultations.factories import AccessLinkFactory, ConsultationFactory, QuestionFactory
from tests.factories import AffiliationFactory, OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db

CSV_FORMAT, XLSX_FORMAT = "0", "1"  # the order of crm.import_formats.FORMATS
PHONE = "+37061234567"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def admin_url(name: str, model: str, language: str = "lt") -> str:
    with translation.override(language):
        return reverse(f"admin:crm_{model}_{name}")


def export_post(client: Client, *, model: str, file_format: str, language: str = "en"):
    """The admin's export form, every column ticked."""
    resource = OrganisationResource if model == "organisation" else PersonResource
    data = {"resource": "0", "format": file_format}
    for name in resource().get_export_order():
        data[f"{resource.__name__.lower()}_{name}"] = "on"
    return client.post(admin_url("export", model, language), data)


def sheet_cells(content: bytes, sheet: int = 0) -> dict[str, list[openpyxl.cell.Cell]]:
    """The cells of each column of a worksheet, by the column's header."""
    worksheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[sheet]
    rows = list(worksheet.iter_rows())
    return {header.value: [row[index] for row in rows[1:]] for index, header in enumerate(rows[0])}


def assert_text_cell(cell, text: str) -> None:
    assert (cell.value, cell.data_type) == (text, "s")


@pytest.fixture
def azuolai(db) -> Organisation:
    return OrganisationFactory(
        name="Klasteris „Ąžuolų ČĘĖĮŠŲŪŽ ąčęėįšųūž“",
        short_name='=HYPERLINK("http://x")',
        phone=PHONE,
        address="-2+3",
    )


@pytest.fixture
def sarune(azuolai) -> Person:
    person = PersonFactory(
        first_name="=1+2",
        last_name="Žilinskaitė",
        email="sarune@klasteris.lt",
        phone=PHONE,
        notes="@pastaba",
        # Not what these tests are about: a consent needs its date and source to import back.
        consent_consultations=False,
    )
    AffiliationFactory(person=person, organisation=azuolai, is_primary=True, job_title="Direktorė")
    return person


# --- persons and organisations (django-import-export through the admin) ---------------------


def test_the_person_xlsx_export_writes_phone_numbers_as_text_without_an_apostrophe(crm_editor, sarune):
    response = export_post(client_for(crm_editor), model="person", file_format=XLSX_FORMAT)

    assert response.status_code == 200
    cells = sheet_cells(response.content)
    assert_text_cell(cells["phone"][0], PHONE)
    assert cells["phone"][0].quotePrefix  # stays text when edited in Excel
    assert_text_cell(cells["first_name"][0], "=1+2")
    assert_text_cell(cells["notes"][0], "@pastaba")
    assert_text_cell(cells["last_name"][0], "Žilinskaitė")
    assert_text_cell(cells["organisation"][0], "Klasteris „Ąžuolų ČĘĖĮŠŲŪŽ ąčęėįšųūž“")


def test_the_organisation_xlsx_export_never_writes_a_formula(crm_editor, azuolai):
    response = export_post(client_for(crm_editor), model="organisation", file_format=XLSX_FORMAT)

    cells = sheet_cells(response.content)
    assert_text_cell(cells["short_name"][0], '=HYPERLINK("http://x")')
    assert_text_cell(cells["phone"][0], PHONE)
    assert_text_cell(cells["address"][0], "-2+3")
    assert_text_cell(cells["name"][0], "Klasteris „Ąžuolų ČĘĖĮŠŲŪŽ ąčęėįšųūž“")
    assert all(cell.data_type != "f" for column in cells.values() for cell in column)


def test_the_lithuanian_xlsx_export_writes_the_same_cells(crm_editor, azuolai):
    response = export_post(
        client_for(crm_editor), model="organisation", file_format=XLSX_FORMAT, language="lt"
    )

    with translation.override("lt"):
        phone = str(Organisation._meta.get_field("phone").verbose_name)
    assert_text_cell(sheet_cells(response.content)[phone][0], PHONE)


def test_an_exported_xlsx_file_imports_back_with_the_same_phone_numbers(crm_editor, sarune):
    client = client_for(crm_editor)
    content = export_post(client, model="person", file_format=XLSX_FORMAT).content
    Person.objects.filter(pk=sarune.pk).update(phone="")

    preview = client.post(
        admin_url("import", "person"),
        {
            "resource": "0",
            "format": XLSX_FORMAT,
            "import_file": SimpleUploadedFile("asmenys.xlsx", content),
        },
    )
    form = preview.context["confirm_form"]
    client.post(admin_url("process_import", "person"), {n: form.initial.get(n, "") for n in form.fields})

    sarune.refresh_from_db()
    assert (sarune.phone, sarune.first_name, sarune.notes) == (PHONE, "=1+2", "@pastaba")
    assert Organisation.objects.get().phone == PHONE


def test_an_xlsx_export_unchanged_imports_as_nothing_to_change(crm_editor, sarune):
    client = client_for(crm_editor)
    Person.objects.filter(pk=sarune.pk).update(notes="'=jau su apostrofu")
    content = export_post(client, model="person", file_format=XLSX_FORMAT).content

    preview = client.post(
        admin_url("import", "person"),
        {"resource": "0", "format": XLSX_FORMAT, "import_file": SimpleUploadedFile("a.xlsx", content)},
    )

    assert preview.context["result"].totals["skip"] == 1
    assert preview.context["result"].totals["update"] == 0


def test_the_csv_export_keeps_the_apostrophe(crm_editor, sarune):
    response = export_post(client_for(crm_editor), model="person", file_format=CSV_FORMAT)

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=","))
    assert (rows[0]["phone"], rows[0]["first_name"], rows[0]["notes"]) == (f"'{PHONE}", "'=1+2", "'@pastaba")
    assert rows[0]["last_name"] == "Žilinskaitė"


# --- consultation answers (openpyxl's write-only workbook) ----------------------------------


@pytest.fixture
def answered(azuolai) -> Consultation:
    """Rūta has submitted her organisation's answer: text starting with "- ", "=" and "+"."""
    now = timezone.now()
    consultation = ConsultationFactory(
        status=Consultation.Status.OPEN,
        opens_at=now - datetime.timedelta(days=1),
        internal_deadline=now + datetime.timedelta(days=10),
    )
    remarks = QuestionFactory(consultation=consultation, position=1, text="Pastabos")
    formula = QuestionFactory(consultation=consultation, position=2, text="Skaičiavimas")
    proposals = QuestionFactory(
        consultation=consultation, position=3, kind=Question.Kind.PROPOSALS, text="Pasiūlymai"
    )
    invitation = Invitation.objects.create(consultation=consultation, organisation=azuolai, opened_at=now)
    ruta = PersonFactory(first_name="Rūta", last_name="Šviesaitė")
    AffiliationFactory(person=ruta, organisation=azuolai)  # a link opens only for a current contact
    AccessLinkFactory(invitation=invitation, person=ruta)
    services.response_submit(
        invitation=invitation,
        person=ruta,
        data={
            remarks.pk: AnswerValue(text="- pirma\n- antra: ąčęėįšųūž"),
            formula.pk: AnswerValue(text="=1+2"),
            proposals.pk: AnswerValue(
                rows=(ProposalValue(provision="+5 str.", proposed_wording='=HYPERLINK("http://x")'),)
            ),
        },
        expected_version=0,
    )
    return consultation


def consultation_url(name: str, consultation: Consultation) -> str:
    return reverse(f"admin:consultations_consultation_{name}", args=[consultation.pk])


def test_the_answers_xlsx_writes_answers_as_they_were_typed(staff_client, answered):
    response = staff_client.get(consultation_url("export_xlsx", answered))

    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    answers = list(workbook.worksheets[0].iter_rows())[1]
    assert_text_cell(answers[0], "Klasteris „Ąžuolų ČĘĖĮŠŲŪŽ ąčęėįšųūž“")
    assert_text_cell(answers[4], "Rūta Šviesaitė")
    assert_text_cell(answers[5], "- pirma\n- antra: ąčęėįšųūž")
    assert_text_cell(answers[6], "=1+2")
    assert answers[6].quotePrefix
    proposal = list(workbook.worksheets[1].iter_rows())[1]
    assert_text_cell(proposal[3], "+5 str.")
    assert_text_cell(proposal[4], '=HYPERLINK("http://x")')
    for worksheet in workbook.worksheets:
        assert all(cell.data_type != "f" for row in worksheet.iter_rows() for cell in row)


def test_the_answers_csv_keeps_the_apostrophe(staff_client, answered):
    response = staff_client.get(consultation_url("export_csv", answered))

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(text), delimiter=";"))[1]
    assert row[5:7] == ["'- pirma\n- antra: ąčęėįšųūž", "'=1+2"]

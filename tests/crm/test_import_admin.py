from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
import tablib
import time_machine
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from crm.import_formats import CSV
from crm.models import Affiliation, Organisation, Person
from crm.resources import OrganisationResource, PersonResource
from crm.resources.admin import ImportFileStorage
from tests.factories import AffiliationFactory, OrganisationFactory, PersonFactory, valid_legal_code

pytestmark = pytest.mark.django_db

CSV_FORMAT, XLSX_FORMAT = "0", "1"  # the order of crm.import_formats.FORMATS


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, model: str = "organisation", language: str = "lt") -> str:
    with translation.override(language):
        return reverse(f"admin:crm_{model}_{name}")


def upload(
    client: Client,
    content: bytes,
    *,
    name: str = "nariai.csv",
    file_format: str = CSV_FORMAT,
    model: str = "organisation",
    skip_invalid_rows: bool = False,
):
    data = {"resource": "0", "format": file_format, "import_file": SimpleUploadedFile(name, content)}
    if skip_invalid_rows:
        data["skip_invalid_rows"] = "on"
    return client.post(url("import", model), data)


def confirm(client: Client, response, model: str = "organisation"):
    form = response.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(url("process_import", model), data, follow=True)


def organisations_csv(rows: list[list[str]]) -> bytes:
    lines = ["pavadinimas;juridinio asmens kodas;sectors;municipality"]
    with translation.override("lt"):
        lines[0] = ";".join(
            str(Organisation._meta.get_field(n).verbose_name)
            for n in ("name", "legal_code", "sectors", "municipality")
        )
    lines += [";".join(row) for row in rows]
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def test_a_crm_editor_imports_organisations_after_the_preview(crm_editor):
    client = client_for(crm_editor)
    content = organisations_csv(
        [
            ["Klasteris „Šilas“", valid_legal_code(1), "IRT, sveikata", "Vilniaus miesto savivaldybė"],
            ["Žalioji energija", valid_legal_code(2), "energy", "kauno miesto savivaldybė"],
        ]
    )

    preview = upload(client, content)

    assert preview.status_code == 200
    assert "confirm_form" in preview.context
    page = preview.content.decode()
    assert "Klasteris „Šilas“" in page and "Žalioji energija" in page
    assert not Organisation.objects.exists()  # the preview writes nothing

    done = confirm(client, preview)

    assert done.status_code == 200
    assert sorted(Organisation.objects.values_list("name", flat=True)) == [
        "Klasteris „Šilas“",
        "Žalioji energija",
    ]
    assert set(
        Organisation.objects.get(legal_code=valid_legal_code(1)).sectors.values_list("code", flat=True)
    ) == {
        "ict",
        "health",
    }
    assert Organisation.history.filter(history_user=crm_editor, history_type="+").count() == 2
    assert LogEntry.objects.filter(user=crm_editor, action_flag=ADDITION).count() == 2


def test_the_admin_history_of_an_import_says_so_in_the_pages_language(crm_editor):
    client = client_for(crm_editor)
    done = confirm(
        client, upload(client, organisations_csv([["Klasteris „Šilas“", valid_legal_code(1), "", ""]]))
    )
    assert done.status_code == 200
    organisation = Organisation.objects.get()
    with translation.override("en"):
        rows = [[organisation.name, valid_legal_code(1), "IRT", ""]]
        preview = client.post(
            url("import", language="en"),
            {
                "resource": "0",
                "format": CSV_FORMAT,
                "import_file": SimpleUploadedFile("a.csv", organisations_csv(rows)),
            },
        )
        form = preview.context["confirm_form"]
        client.post(
            url("process_import", language="en"), {name: form.initial.get(name, "") for name in form.fields}
        )

    entries = LogEntry.objects.filter(object_id=str(organisation.pk)).order_by("pk")
    assert [entry.get_change_message() for entry in entries] == [
        "Pridėta importuojant.",
        "Changed by an import.",
    ]


def test_an_xlsx_file_imports_through_the_admin(crm_editor):
    workbook = openpyxl.Workbook()
    workbook.active.append(["name", "legal_code", "phone"])
    workbook.active.append(["Excel klasteris", valid_legal_code(9), "+370 612 34567"])
    stream = io.BytesIO()
    workbook.save(stream)
    client = client_for(crm_editor)

    preview = upload(client, stream.getvalue(), name="nariai.xlsx", file_format=XLSX_FORMAT)
    confirm(client, preview)

    assert Organisation.objects.get().phone == "+37061234567"


def test_a_file_with_an_invalid_row_shows_the_errors_and_cannot_be_confirmed(crm_editor):
    client = client_for(crm_editor)
    content = organisations_csv(
        [["Gerasis", valid_legal_code(1), "ict", ""], ["Blogasis", "123", "kosmosas", "Atlantida"]]
    )

    response = upload(client, content)

    assert response.status_code == 200
    assert "confirm_form" not in response.context
    result = response.context["result"]
    assert [row.number for row in result.invalid_rows] == [3]  # the spreadsheet's row
    page = response.content.decode()
    assert "123" in page and "kosmosas" in page and "Atlantida" in page
    assert not Organisation.objects.exists()


def test_skipping_invalid_rows_confirms_the_valid_ones_and_reports_the_others(crm_editor):
    client = client_for(crm_editor)
    content = organisations_csv(
        [
            ["Gerasis", valid_legal_code(1), "ict", ""],
            ["Blogasis", "123", "", ""],
            ["Kitas gerasis", valid_legal_code(3), "", ""],
        ]
    )

    preview = upload(client, content, skip_invalid_rows=True)

    assert "confirm_form" in preview.context
    assert preview.context["confirm_form"].initial["skip_invalid_rows"] is True
    page = preview.content.decode()
    assert "Blogasis" in page and "Kitas gerasis" in page

    done = confirm(client, preview)

    assert sorted(Organisation.objects.values_list("name", flat=True)) == ["Gerasis", "Kitas gerasis"]
    warnings = [str(m) for m in done.context["messages"]]
    assert any(" 3)" in m for m in warnings)  # "… invalid row was not imported (row 3)"


def test_persons_with_their_affiliation_import_through_the_admin(crm_editor):
    organisation = OrganisationFactory(name="Klasteris „Ąžuolas“")
    content = (
        "first_name,last_name,email,organisation,role,is_primary,receives_consultations\n"
        f"Žydrūnė,Čepaitė,ZYDRUNE@azuolas.lt,{organisation.legal_code},coordinator,1,1\n"
    ).encode()
    client = client_for(crm_editor)

    preview = upload(client, content, model="person")
    confirm(client, preview, model="person")

    person = Person.objects.get()
    assert person.email == "zydrune@azuolas.lt"
    affiliation = Affiliation.objects.get()
    assert (affiliation.organisation, affiliation.is_primary, affiliation.receives_consultations) == (
        organisation,
        True,
        True,
    )
    assert Affiliation.history.get().history_user == crm_editor


@pytest.mark.parametrize("role", ["read_only_user", "policy_officer"])
def test_staff_without_the_import_permission_see_no_import_and_are_refused(request, role):
    user = request.getfixturevalue(role)
    client = client_for(user)

    changelist = client.get(url("changelist"))
    assert changelist.status_code == 200
    assert url("import") not in changelist.content.decode()
    assert client.get(url("import")).status_code == 403
    response = client.post(
        url("import"), {"format": CSV_FORMAT, "import_file": SimpleUploadedFile("a.csv", b"name\nA\n")}
    )
    assert response.status_code == 403
    assert client.post(url("process_import"), {"import_file_name": "x", "format": "0"}).status_code == 403
    assert client.get(url("import", "person")).status_code == 403
    assert not Organisation.objects.exists()


def test_the_import_button_is_there_for_a_crm_editor(crm_editor):
    page = client_for(crm_editor).get(url("changelist")).content.decode()

    assert url("import") in page


def export_post(
    client: Client,
    query: str = "",
    *,
    file_format: str = CSV_FORMAT,
    language: str = "lt",
    model: str = "organisation",
):
    resource = OrganisationResource if model == "organisation" else PersonResource
    data = {"resource": "0", "format": file_format}
    for name in resource().get_export_order():
        data[f"{resource.__name__.lower()}_{name}"] = "on"
    return client.post(url("export", model, language) + query, data)


def csv_body(response) -> bytes:
    """A CSV download, which is streamed."""
    assert response.streaming
    return b"".join(response.streaming_content)


def csv_rows(response_or_body) -> list[list[str]]:
    body = response_or_body if isinstance(response_or_body, bytes) else csv_body(response_or_body)
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";" if ";" in text.split("\n")[0] else ","))


def test_the_export_respects_the_admin_filters(crm_editor):
    OrganisationFactory(name="Įmonė", kind=Organisation.Kind.COMPANY)
    OrganisationFactory(name="Klasteris", kind=Organisation.Kind.CLUSTER)

    response = export_post(client_for(crm_editor), "?kind__exact=company")

    assert response.status_code == 200
    rows = csv_rows(response)
    with translation.override("lt"):
        assert rows[0][:2] == ["įrašo ID", str(Organisation._meta.get_field("name").verbose_name)]
    assert [row[1] for row in rows[1:]] == ["Įmonė"]


def test_the_export_in_english_writes_field_names_and_imports_back(crm_editor):
    OrganisationFactory(name="Klasteris „Ūla“", phone="+37061234567", sectors=["ict"])

    body = csv_body(export_post(client_for(crm_editor), language="en"))
    rows = csv_rows(body)

    assert rows[0][:5] == ["id", "name", "short_name", "kind", "legal_code"]
    preview = upload(client_for(crm_editor), body)
    assert preview.context["result"].totals["skip"] == 1


def test_an_xlsx_export_neutralises_formulas(crm_editor):
    OrganisationFactory(name="=1+1", address="@SUM(A1)", phone="+37061234567")

    response = export_post(client_for(crm_editor), file_format=XLSX_FORMAT)

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    # Text cells, shown as typed (no apostrophe in the value), never formulas.
    cells = {cell.value: cell for cell in sheet[2]}
    for text in ("=1+1", "@SUM(A1)", "+37061234567"):
        assert cells[text].data_type == "s", text


def test_a_policy_officer_may_export_but_a_read_only_user_may_not(policy_officer, read_only_user):
    OrganisationFactory()

    assert export_post(client_for(policy_officer)).status_code == 200
    assert export_post(client_for(read_only_user)).status_code == 403


def test_a_confirmation_that_meets_new_errors_imports_nothing_and_says_so(crm_editor):
    client = client_for(crm_editor)
    preview = upload(client, b"name,legal_code,phone\nDvynys,,+37061234567\nKitas,,\n")
    assert "confirm_form" in preview.context
    # Meanwhile someone adds two organisations of that name: the row no longer says which one.
    OrganisationFactory(name="Dvynys", legal_code="")
    OrganisationFactory(name="Dvynys", legal_code="")

    done = confirm(client, preview)

    assert done.redirect_chain[-1][0] == url("import")
    assert [m.level_tag for m in done.context["messages"]] == ["error"]
    assert not Organisation.objects.filter(name="Kitas").exists()
    assert not LogEntry.objects.exists()


def test_persons_export_one_row_per_affiliation(crm_editor):
    person = PersonFactory(first_name="Rūta", email="ruta@klasteris.lt")
    first = OrganisationFactory(name="Pirmas")
    AffiliationFactory(person=person, organisation=first, is_primary=True)
    AffiliationFactory(
        person=person,
        organisation=OrganisationFactory(name="Antras", legal_code=""),
        start_date=datetime.date(2019, 1, 1),
        end_date=datetime.date(2022, 12, 31),
    )

    rows = csv_rows(export_post(client_for(crm_editor), model="person", language="en"))

    assert rows[0][-8:] == [
        "organisation",
        "organisation_code",
        "role",
        "job_title",
        "is_primary",
        "receives_consultations",
        "start_date",
        "end_date",
    ]
    # A contact who has left is told from a current one.
    # Each row gives the person's ID: an import finds the person by it.
    assert [(row[0], row[1], row[-8], row[-7], row[-2], row[-1]) for row in rows[1:]] == [
        (str(person.pk), "Rūta", "Pirmas", first.legal_code, "", ""),
        (str(person.pk), "Rūta", "Antras", "", "2019-01-01", "2022-12-31"),
    ]


def test_an_import_records_when_a_contact_left_and_refuses_an_end_before_the_start(crm_editor):
    person = PersonFactory(first_name="Rūta", last_name="Žilinskienė", email="ruta@klasteris.lt")
    organisation = OrganisationFactory(name="Klasteris „Šilas“")
    affiliation = AffiliationFactory(
        person=person, organisation=organisation, start_date=datetime.date(2020, 3, 1)
    )
    client = client_for(crm_editor)
    # Without the start's column, the start stays as stored.
    header = "el. paštas;organizacija;organizacijoje iki\n"

    refused = upload(
        client, (header + "ruta@klasteris.lt;Klasteris „Šilas“;2019-12-31\n").encode(), model="person"
    )
    errors = {row.number: row.error_dict for row in refused.context["result"].invalid_rows}
    assert errors == {
        2: {"organizacijoje iki": ["Ryšys su organizacija negali baigtis anksčiau, nei prasideda."]}
    }

    preview = upload(
        client, (header + "ruta@klasteris.lt;Klasteris „Šilas“;2025-06-30\n").encode(), model="person"
    )
    assert dict(preview.context["result"].totals)["update"] == 1
    confirm(client, preview, model="person")
    affiliation.refresh_from_db()
    assert (affiliation.start_date, affiliation.end_date) == (
        datetime.date(2020, 3, 1),
        datetime.date(2025, 6, 30),
    )


def test_the_csv_download_is_streamed_and_is_the_file_the_whole_export_would_be(
    crm_editor, django_assert_max_num_queries
):
    for number in range(12):
        person = PersonFactory(first_name=f"Žydrūnė {number}", email=f"zydrune{number}@klasteris.lt")
        if number % 3:
            AffiliationFactory(person=person, organisation=OrganisationFactory(name=f"=Ąžuolas {number}"))
    PersonFactory(first_name="@Vienas", email="vienas@klasteris.lt")  # no organisation
    client = client_for(crm_editor)

    with django_assert_max_num_queries(12):  # a dozen persons or a hundred thousand
        response = export_post(client, model="person")
        body = csv_body(response)

    with translation.override("lt"):
        whole = CSV().export_data(PersonResource().export(queryset=Person.objects.all()))
    assert body.decode("utf-8") == whole
    rows = csv_rows(body)
    assert len(rows) == 1 + 12 + 1
    assert "'=Ąžuolas 1" in rows[2] and "'@Vienas" in rows[-1]
    assert response["Content-Disposition"].startswith('attachment; filename="asmenys-')


def test_the_streamed_csv_comes_in_chunks_that_make_the_same_file():
    headers = ["vardas", "=formulė"]
    rows = [[f"Ūla {n}", "+37061234567" if n % 2 else None] for n in range(7)]
    dataset = tablib.Dataset(*rows, headers=headers)

    chunks = list(CSV.export_stream(headers, iter(rows), delimiter=";", rows_per_chunk=2))

    assert len(chunks) == 4
    assert "".join(chunks) == CSV().export_data(dataset, delimiter=";")


def test_a_file_with_unknown_columns_says_so_without_a_traceback(crm_editor):
    client = client_for(crm_editor)

    with translation.override("lt"):
        response = upload(client, "vardas;pavardė\nJonas;Jonaitis\n".encode())

    page = response.content.decode()
    assert response.status_code == 200
    assert "Traceback" not in page and "File &quot;" not in page and ".py" not in page
    assert 'class="crm-import-file-error"' in page
    assert str(Organisation._meta.get_field("legal_code").verbose_name) in page  # the headers to use
    assert not Organisation.objects.exists()


def _workbook(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


@pytest.mark.parametrize("file_format", [CSV_FORMAT, XLSX_FORMAT])
def test_a_file_whose_first_row_is_empty_is_told_where_the_headers_go(crm_editor, file_format):
    # A blank line above the headers, or a sheet whose headers start in its second row.
    rows = [[], ["pavadinimas", "juridinio asmens kodas"], ["Klasteris „Šilas“", valid_legal_code(1)]]
    if file_format == CSV_FORMAT:
        content = "\n".join(";".join(row) for row in rows).encode()
    else:
        content = _workbook(rows)

    response = upload(client_for(crm_editor), content, name="nariai.xlsx", file_format=file_format)

    assert response.status_code == 200
    errors = [str(error.error) for error in response.context["result"].base_errors]
    assert len(errors) == 1 and errors[0].startswith("Pirmoji failo eilutė tuščia."), errors
    assert "confirm_form" not in response.context
    assert not Organisation.objects.exists()


@pytest.mark.parametrize("file_format", [CSV_FORMAT, XLSX_FORMAT])
def test_a_header_written_twice_reads_the_first_column_and_ignores_the_second(crm_editor, file_format):
    organisation = OrganisationFactory(name="Klasteris „Šilas“", legal_code=valid_legal_code(1))
    rows = [
        ["juridinio asmens kodas", "pavadinimas", "juridinio asmens kodas", "pavadinimas"],
        [valid_legal_code(1), "Klasteris „Šilas“", "", "Kitas pavadinimas"],
    ]
    if file_format == CSV_FORMAT:
        content = "\n".join(";".join(row) for row in rows).encode()
    else:
        content = _workbook(rows)

    response = upload(client_for(crm_editor), content, name="nariai.xlsx", file_format=file_format)

    result = response.context["result"]
    assert result.unknown_headers == ["juridinio asmens kodas (2)", "pavadinimas (2)"]
    assert "juridinio asmens kodas (2)" in response.content.decode()  # listed as ignored
    assert dict(result.totals)["skip"] == 1 and dict(result.totals)["update"] == 0
    organisation.refresh_from_db()
    assert (organisation.name, organisation.legal_code) == ("Klasteris „Šilas“", valid_legal_code(1))


def test_a_column_without_a_header_is_listed_as_ignored_by_its_letter(crm_editor):
    # "Pavadinimas" merged over two cells: the second column's cells have no header to go by.
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["pavadinimas", None, "juridinio asmens kodas"])
    sheet.append(["Klasteris", "„Ąžuolas“", valid_legal_code(1)])
    sheet.merge_cells("A1:B1")
    stream = io.BytesIO()
    workbook.save(stream)

    response = upload(client_for(crm_editor), stream.getvalue(), name="nariai.xlsx", file_format=XLSX_FORMAT)

    assert response.context["result"].unknown_headers == ["stulpelis B be antraštės"]
    assert "stulpelis B be antraštės" in response.content.decode()
    assert dict(response.context["result"].totals)["new"] == 1


def test_a_title_above_the_headers_is_told_that_the_headers_go_in_the_first_row(crm_editor):
    content = _workbook([["Narių sąrašas, 2026 m."], ["pavadinimas"], ["Klasteris „Šilas“"]])

    response = upload(client_for(crm_editor), content, name="nariai.xlsx", file_format=XLSX_FORMAT)

    errors = [str(error.error) for error in response.context["result"].base_errors]
    assert "Pirmoje eilutėje turi būti stulpelių antraštės" in errors[0], errors
    assert not Organisation.objects.exists()


@pytest.mark.parametrize(("language", "name"), [("lt", "organizacijos"), ("en", "organisations")])
def test_the_export_file_is_named_in_the_pages_language_with_the_associations_date(
    crm_editor, language, name
):
    OrganisationFactory(name="Ąžuolas")
    # Past midnight in Vilnius, still the day before in UTC.
    with time_machine.travel(datetime.datetime(2026, 11, 29, 22, 30, tzinfo=datetime.UTC), tick=False):
        response = export_post(client_for(crm_editor), language=language)

    assert response["Content-Disposition"] == f'attachment; filename="{name}-2026-11-30.csv"'


def test_the_export_page_names_the_columns_as_their_headers_in_the_pages_language(crm_editor):
    client = client_for(crm_editor)

    lithuanian = client.get(url("export")).content.decode()
    english = client.get(url("export", language="en")).content.decode()

    for label in ("Pavadinimas", "Juridinio asmens kodas", "ECCP profilis"):
        assert f"{label}</label>" in lithuanian or f">{label}<" in lithuanian, label
    assert "Legal Code" not in lithuanian and "Eccp Url" not in lithuanian
    assert "Legal entity code" in english or "Legal code" in english


def _two_sheets(*, notes_open: bool) -> bytes:
    """A workbook of an export's sheet and a sheet of notes, saved while one of them was open."""
    workbook = openpyxl.Workbook()
    members = workbook.active
    members.title = "Nariai"
    members.append(["pavadinimas", "juridinio asmens kodas"])
    members.append(["Klasteris „Šilas“", valid_legal_code(8)])
    notes = workbook.create_sheet("Pastabos")
    notes.append(["Ką patikrinti", "Kas"])
    notes.append(["Kodus", "Ona"])
    workbook.active = notes if notes_open else members
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def test_a_workbook_of_several_sheets_is_told_which_sheet_was_read(crm_editor):
    client = client_for(crm_editor)

    with translation.override("lt"):
        wrong = upload(client, _two_sheets(notes_open=True), name="nariai.xlsx", file_format=XLSX_FORMAT)
        right = upload(client, _two_sheets(notes_open=False), name="nariai.xlsx", file_format=XLSX_FORMAT)

    note = "Darbaknygėje yra keli lapai (Nariai, Pastabos); importuotas lapas „{}“, kuris buvo atvertas įrašant darbaknygę."
    # The sheet of notes was open: none of its columns is known, and the page says which sheet it read.
    error = wrong.content.decode()
    assert 'class="crm-import-file-error"' in error and note.format("Pastabos") in error
    # The members' sheet was open: the preview says so too.
    preview = right.content.decode()
    assert 'class="crm-import-sheet"' in preview and note.format("Nariai") in preview
    confirm(client, right)
    assert list(Organisation.objects.values_list("name", flat=True)) == ["Klasteris „Šilas“"]


def test_a_workbook_of_one_sheet_and_a_csv_file_get_no_note_of_sheets(crm_editor):
    client = client_for(crm_editor)
    rows = [["pavadinimas", "juridinio asmens kodas"], ["Klasteris", valid_legal_code(9)]]

    pages = [
        upload(client, _workbook(rows), name="nariai.xlsx", file_format=XLSX_FORMAT),
        upload(client, "\n".join(",".join(row) for row in rows).encode()),
    ]

    for page in pages:
        assert page.status_code == 200 and 'class="crm-import-sheet"' not in page.content.decode()


def test_an_invalid_rows_empty_and_yes_no_cells_are_shown_as_the_preview_shows_them(crm_editor):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "pavadinimas",
            "juridinio asmens kodas",
            "įkūrimo metai",
            "PVM mokėtojo kodas",
            "rodyti viešame narių sąraše",
        ]
    )
    sheet.append(["Blogasis klasteris", valid_legal_code(1), "du tūkst.", None, True])
    content = io.BytesIO()
    book.save(content)

    response = upload(client_for(crm_editor), content.getvalue(), name="nariai.xlsx", file_format=XLSX_FORMAT)

    (invalid,) = response.context["result"].invalid_rows
    assert list(invalid.values) == ["Blogasis klasteris", valid_legal_code(1), "du tūkst.", "", "taip"]
    table = response.content.decode().split('class="import-preview"')[1]
    assert "<td>None</td>" not in table and "<td>True</td>" not in table
    assert "<td>taip</td>" in table


def test_a_confirmation_sent_twice_imports_once_and_says_so_the_second_time(crm_editor):
    """A double click on "Confirm", or the page sent again: the file is imported once, and the
    second confirmation says that nothing more was imported, instead of failing."""
    client = client_for(crm_editor)
    # Rows without a legal code: imported again, they would be found by name, not duplicated;
    # the first row has a code, the second is found by name.
    preview = upload(
        client, organisations_csv([["Gerasis", valid_legal_code(1), "ict", ""], ["Bekodis", "", "", ""]])
    )

    first = confirm(client, preview)
    second = confirm(client, preview)

    assert sorted(Organisation.objects.values_list("name", flat=True)) == ["Bekodis", "Gerasis"]
    assert first.status_code == second.status_code == 200
    assert second.redirect_chain[-1][0] == url("import")
    (message,) = [str(m) for m in second.context["messages"]]
    assert message.startswith("Šis failas jau importuotas")
    assert LogEntry.objects.filter(action_flag=ADDITION).count() == 2


def test_the_file_waits_for_its_confirmation_in_the_shared_cache_not_on_a_disk(
    crm_editor, tmp_path, settings
):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    client = client_for(crm_editor)
    content = organisations_csv([["Gerasis", valid_legal_code(1), "ict", ""]])

    preview = upload(client, content)

    name = preview.context["confirm_form"].initial["import_file_name"]
    assert cache.get(ImportFileStorage.CACHE_PREFIX + name) == content
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(hours=2, minutes=1)):
        expired = confirm(client, preview)
    assert not Organisation.objects.exists()
    (message,) = [str(m) for m in expired.context["messages"]]
    assert "jo peržiūrai jau daugiau nei dvi valandos" in message

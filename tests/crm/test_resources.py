from __future__ import annotations

import datetime
import gc
import io
import warnings
import zipfile

import openpyxl
import pytest
import tablib
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from import_export.exceptions import ImportError

from crm import widgets
from crm.import_formats import CSV, XLSX
from crm.models import Affiliation, Municipality, Organisation, Person, Sector, Tag
from crm.resources import OrganisationResource, PersonResource
from crm.resources.base import column_letter
from tests.factories import (
    AffiliationFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
    valid_legal_code,
)

pytestmark = pytest.mark.django_db

DIACRITICS = "Klasteris „Ąžuolų ČĘĖĮŠŲŪŽ ąčęėįšųūž“"
# The organisation's columns its history keeps: all but the name in capitals, which the database
# derives from the name.
HISTORY_KEPT_FIELDS = [field for field in Organisation._meta.concrete_fields if not field.generated]


def csv_bytes(
    headers: list[str], rows: list[list[object]], *, delimiter: str = ",", bom: bool = False
) -> bytes:
    lines = [delimiter.join(headers)] + [delimiter.join(str(c) for c in row) for row in rows]
    return (("\ufeff" if bom else "") + "\n".join(lines) + "\n").encode("utf-8")


def import_csv(resource, content: bytes, *, dry_run: bool = False, **kwargs):
    return resource.import_data(CSV().create_dataset(content), dry_run=dry_run, **kwargs)


def export(resource, file_format, language: str) -> bytes | str:
    with translation.override(language):
        return file_format().export_data(resource.export(force_native_type=file_format is XLSX))


def read_back(file_format, data: bytes | str):
    if file_format is CSV:
        return CSV().create_dataset(data.encode("utf-8") if isinstance(data, str) else data)
    return XLSX().create_dataset(data)


def errors_of(result) -> dict[int, dict[str, list[str]]]:
    return {row.number: row.error_dict for row in result.invalid_rows}


def organisation_snapshot() -> list[tuple]:
    return [
        (
            *Organisation.objects.filter(pk=o.pk).values_list().get(),
            tuple(o.sectors.order_by("pk").values_list("pk", flat=True)),
            tuple(o.tags.order_by("pk").values_list("pk", flat=True)),
        )
        for o in Organisation.objects.order_by("pk")
    ]


def person_snapshot() -> list[tuple]:
    return [
        *Person.objects.order_by("pk").values_list(),
        *Affiliation.objects.order_by("pk").values_list(),
    ]


@pytest.fixture
def organisations(db):
    vilnius = Municipality.objects.get(name="Vilniaus miesto savivaldybė")
    kaunas = Municipality.objects.get(name="Kauno miesto savivaldybė")
    first = OrganisationFactory(
        name=DIACRITICS,
        short_name='=HYPERLINK("http://x")',
        legal_code=valid_legal_code(1),
        vat_code="LT100001919017",
        municipality=vilnius,
        phone="+37061234567",
        email="info@azuolai.lt",
        website="https://azuolai.lt",
        year_founded=2004,
        members_sme=12,
        label=Organisation.Label.GOLD,
        label_awarded_on=datetime.date(2024, 3, 1),
        label_valid_until=datetime.date(2027, 3, 1),
        description="Pirmoji eilutė\r\nAntroji: ąčęėįšųūž",
        notes="Sujungtas įrašas Nr. 7: el. paštas: zinios@azuolai.lt\nSkambinti po 14 val.",
        sectors=["ict", "health"],
    )
    # A tag's name may hold the separators of the tags' cell, and quotes: written in quotes there.
    first.tags.set(
        Tag.objects.create(name=name)
        for name in ("Inovacijos", "Eksportas", "Sveikata, biotechnologijos", '"Žalioji" banga; 2026')
    )
    OrganisationFactory(
        name="Ministerija be kodo",
        kind=Organisation.Kind.PUBLIC,
        legal_code="",
        municipality=kaunas,
        address="-2+3",
        show_in_directory=False,
    )
    return Organisation.objects.order_by("pk")


# Round trips ------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", [CSV, XLSX], ids=["csv", "xlsx"])
@pytest.mark.parametrize("language", ["lt", "en"])
def test_exported_organisations_import_back_without_any_change(organisations, file_format, language):
    before = organisation_snapshot()
    history = Organisation.history.count()
    data = export(OrganisationResource(), file_format, language)

    with translation.override(language):
        result = OrganisationResource().import_data(read_back(file_format, data), dry_run=False)

    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == 2 and result.totals["new"] == result.totals["update"] == 0
    assert organisation_snapshot() == before
    assert Organisation.history.count() == history


def test_an_organisations_internal_notes_are_exported_and_imported_in_their_own_column(organisations):
    first, ministry = organisations.first(), organisations.last()
    Organisation.objects.filter(pk=ministry.pk).update(notes="Kontaktas per sekretoriatą")
    exported = read_back(CSV, export(OrganisationResource(), CSV, "lt"))
    assert exported.dict[0]["vidinės pastabos"] == first.notes

    content = csv_bytes(
        ["įrašo ID", "pavadinimas", "vidinės pastabos"],
        [
            [str(first.pk), first.name, "Narystė sustabdyta iki 2027 m."],
            [str(ministry.pk), ministry.name, ""],
        ],
    )
    result = import_csv(OrganisationResource(), content)

    assert not result.has_errors() and not result.has_validation_errors(), errors_of(result)
    assert Organisation.objects.get(pk=first.pk).notes == "Narystė sustabdyta iki 2027 m."
    # An empty cell erases nothing (as in every column).
    assert Organisation.objects.get(pk=ministry.pk).notes == "Kontaktas per sekretoriatą"


@pytest.mark.parametrize("file_format", [CSV, XLSX], ids=["csv", "xlsx"])
@pytest.mark.parametrize("language", ["lt", "en"])
def test_exported_persons_import_back_without_any_change(organisations, file_format, language):
    first, ministry = organisations
    person = PersonFactory(
        first_name="Šarūnė",
        last_name="Žilinskaitė",
        email="Sarune@Klasteris.lt",
        phone="+37061234567",
        consent_consultations=True,
        consent_consultations_at=timezone.now().replace(microsecond=123456),
        consent_consultations_source=Person.ConsentSource.FORM,
        notes="@pastaba",
    )
    AffiliationFactory(person=person, organisation=first, is_primary=True, job_title="Direktorė")
    AffiliationFactory(person=person, organisation=ministry, role=Affiliation.Role.BOARD)
    PersonFactory(first_name="Be", last_name="Organizacijos", email="")
    before = person_snapshot()
    data = export(PersonResource(), file_format, language)

    with translation.override(language):
        result = PersonResource().import_data(read_back(file_format, data), dry_run=False)

    assert not result.has_errors() and not result.has_validation_errors(), errors_of(result)
    assert result.total_rows == 3  # one row per affiliation, one for the person without any
    assert result.totals["skip"] == 3
    assert person_snapshot() == before


def test_the_person_export_reads_two_streams_whatever_the_number_of_rows(
    organisations, django_assert_num_queries
):
    first, ministry = organisations

    def people(count: int) -> None:
        for _ in range(count):
            person = PersonFactory()
            AffiliationFactory(person=person, organisation=first, is_primary=False)
            AffiliationFactory(person=person, organisation=ministry, is_primary=False)
        PersonFactory()  # no affiliation: one row with empty affiliation columns

    people(2)
    with translation.override("en"), CaptureQueriesContext(connection) as few:
        small = PersonResource().export(queryset=Person.objects.all())
    people(20)
    with translation.override("en"), django_assert_num_queries(len(few.captured_queries)):
        large = PersonResource().export(queryset=Person.objects.all())

    assert len(few.captured_queries) == 2
    assert (len(small), len(large)) == (2 * 2 + 1, 22 * 2 + 2)
    emails = [row[large.headers.index("email")] for row in large]
    assert set(emails) == set(Person.objects.values_list("email", flat=True))
    # Each person's rows come together.
    runs = [email for index, email in enumerate(emails) if index == 0 or emails[index - 1] != email]
    assert len(runs) == len(set(runs)) == Person.objects.count()


def test_one_resource_exporting_in_each_language_writes_each_languages_yes_no_and_choices(db):
    """A column of a few values renders each once per export: in the language of that export."""
    PersonFactory(consent_consultations=True, consent_consultations_source=Person.ConsentSource.FORM)
    PersonFactory(consent_consultations=False, consent_consultations_at=None, consent_consultations_source="")
    resource = PersonResource()

    def cells(language: str, **admin: object) -> list[tuple[str, str]]:
        with translation.override(language):
            headers, rows = resource.export_rows(Person.objects.order_by("pk"), **admin)
            yes_no = headers.index(resource.fields["consent_consultations"].header())
            how = headers.index(resource.fields["consent_consultations_source"].header())
            return [(row[yes_no], row[how]) for row in rows]

    with translation.override("lt"):
        form_lt = str(Person.ConsentSource.FORM.label)
    with translation.override("en"):
        form_en = str(Person.ConsentSource.FORM.label)
    assert form_lt != form_en
    for _ in range(2):  # the same resource, back and forth
        assert cells("lt") == [("taip", form_lt), ("ne", "")]
        assert cells("en") == [("yes", form_en), ("no", "")]
    # As the admin's CSV download asks for them (crm.resources.admin), and with native values.
    admin = {"export_fields": None, "export_form": None, "encoding": "utf-8-sig"}
    assert cells("lt", force_native_type=False, **admin) == [("taip", form_lt), ("ne", "")]
    assert cells("lt", force_native_type=True, **admin) == [(True, form_lt), (False, "")]
    assert cells("en", force_native_type=False, **admin) == [("yes", form_en), ("no", "")]


def test_lithuanian_exports_write_the_verbose_names_and_english_ones_the_field_names(organisations):
    with translation.override("lt"):
        expected_lt = [str(Organisation._meta.get_field("name").verbose_name), "legal_code"]
        expected_lt[1] = str(Organisation._meta.get_field("legal_code").verbose_name)
    lt_headers = read_back(CSV, export(OrganisationResource(), CSV, "lt")).headers
    en_headers = read_back(CSV, export(OrganisationResource(), CSV, "en")).headers

    # The record's ID first: an import finds the record by it.
    assert lt_headers[:2] == ["įrašo ID", expected_lt[0]] and expected_lt[1] in lt_headers
    assert en_headers[:5] == ["id", "name", "short_name", "kind", "legal_code"]


def test_headers_in_either_language_or_spelling_are_recognised(db):
    with translation.override("en"):
        english = [str(Organisation._meta.get_field(n).verbose_name) for n in ("name", "legal_code")]
    with translation.override("lt"):
        lithuanian = [str(Organisation._meta.get_field(n).verbose_name) for n in ("name", "legal_code")]
    for headers, number in ((english, 1), ([h.upper() for h in lithuanian], 2), (["Name ", "legal code"], 3)):
        content = csv_bytes(headers, [[f"Klasteris {number}", valid_legal_code(number)]])
        result = import_csv(OrganisationResource(), content)
        assert result.totals["new"] == 1, (headers, errors_of(result))
    assert Organisation.objects.count() == 3


@pytest.mark.parametrize("resource_class", [OrganisationResource, PersonResource])
def test_no_two_columns_share_a_header_in_any_language(resource_class):
    owners: dict[str, set[str]] = {}
    for name, column in resource_class().fields.items():
        for alias in column.aliases():
            owners.setdefault(alias, set()).add(name)

    assert {alias: names for alias, names in owners.items() if len(names) > 1} == {}


# Reading files ----------------------------------------------------------------------


def test_a_semicolon_csv_with_a_bom_keeps_its_diacritics(db):
    with translation.override("lt"):
        headers = [
            str(Organisation._meta.get_field(n).verbose_name) for n in ("name", "legal_code", "municipality")
        ]
    content = csv_bytes(
        headers, [[DIACRITICS, valid_legal_code(5), "šiaulių miesto savivaldybė"]], delimiter=";", bom=True
    )

    result = import_csv(OrganisationResource(), content)

    assert result.totals["new"] == 1, errors_of(result)
    organisation = Organisation.objects.get()
    assert organisation.name == DIACRITICS
    assert organisation.municipality.name == "Šiaulių miesto savivaldybė"


def test_an_xlsx_file_with_numbers_typed_into_cells_imports(db):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["name", "legal_code", "year_founded", "members_sme", "label_awarded_on", "label"])
    sheet.append(
        ["Skaičių klasteris", int(valid_legal_code(6)), 1999.0, 7, datetime.datetime(2024, 5, 1), "silver"]  # noqa: DTZ001 - a spreadsheet date
    )
    sheet.append([None] * 6)  # formatted empty rows at the end of a sheet
    stream = io.BytesIO()
    workbook.save(stream)

    result = OrganisationResource().import_data(XLSX().create_dataset(stream.getvalue()), dry_run=False)

    assert result.totals["new"] == 1, errors_of(result)
    organisation = Organisation.objects.get()
    assert (organisation.legal_code, organisation.year_founded, organisation.members_sme) == (
        valid_legal_code(6),
        1999,
        7,
    )
    assert organisation.label_awarded_on == datetime.date(2024, 5, 1)


def test_sectors_are_given_by_code_or_by_name_in_either_language(db):
    content = csv_bytes(
        ["name", "legal_code", "sectors"],
        [
            ["A", valid_legal_code(1), '"ict; Sveikata, Creative industries"'],
            ["B", valid_legal_code(2), "TURIZMAS"],
            ["C", valid_legal_code(3), ""],
        ],
    )

    result = import_csv(OrganisationResource(), content)

    assert result.totals["new"] == 3, errors_of(result)
    codes = {o.name: set(o.sectors.values_list("code", flat=True)) for o in Organisation.objects.all()}
    assert codes == {"A": {"ict", "health", "creative"}, "B": {"tourism"}, "C": set()}


def test_tags_are_found_by_name_and_created_when_missing(db):
    Tag.objects.create(name="Eksportas")
    content = csv_bytes(
        ["name", "legal_code", "tags"], [["A", valid_legal_code(1), '"eksportas; Žalioji energija"']]
    )

    import_csv(OrganisationResource(), content, dry_run=True)
    assert Tag.objects.count() == 1  # a dry run creates nothing

    result = import_csv(OrganisationResource(), content)

    assert result.totals["new"] == 1, errors_of(result)
    assert sorted(Organisation.objects.get().tags.values_list("name", flat=True)) == [
        "Eksportas",
        "Žalioji energija",
    ]
    assert Tag.objects.count() == 2


def test_a_new_tag_spelt_with_combining_marks_is_stored_composed_and_is_one_tag_to_staff(staff_client):
    # "Šiluma" and "Žemdirbystė" as a Mac's file or a PDF's copy spells them: "S" and a combining
    # caron (U+030C), "e" and a combining dot above (U+0307).
    content = csv_bytes(
        ["name", "legal_code", "tags"],
        [["A", valid_legal_code(1), "S\u030ciluma;  Z\u030cemdirbyste\u0307 "]],
    )

    result = import_csv(OrganisationResource(), content)

    assert result.totals["new"] == 1, errors_of(result)
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["\u0160iluma", "\u017demdirbyst\u0117"]
    # The staff's search finds it, and the tag typed in the admin is the one imported.
    response = staff_client.get(reverse("admin:crm_tag_changelist"), {"q": "Šiluma"})
    assert [tag.name for tag in response.context["cl"].result_list] == ["Šiluma"]
    staff_client.post(reverse("admin:crm_tag_add"), {"name": "Šiluma"})
    assert Tag.objects.count() == 2


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ('Mediena; "Sveikata, biotechnologijos"', ["Mediena", "Sveikata, biotechnologijos"]),
        ('"""Žalioji"" banga; 2026", Eksportas', ['"Žalioji" banga; 2026', "Eksportas"]),
        ('Klasteris "Ąžuolas"; IRT', ['Klasteris "Ąžuolas"', "IRT"]),
        (" ; Mediena ;; ", ["Mediena"]),
        ('"Neuždaryta, kabutė', ["Neuždaryta, kabutė"]),
    ],
)
def test_a_tags_cell_reads_quoted_names_as_a_spreadsheet_writes_them(cell, names):
    assert widgets.split_quoted_list(cell) == names
    if '"Neuždaryta' not in cell:
        assert widgets.split_quoted_list("; ".join(map(widgets.quoted_list_item, names))) == names


@pytest.mark.parametrize("file_format", [CSV, XLSX])
@pytest.mark.parametrize("language", ["lt", "en"])
def test_sectors_renamed_with_a_comma_or_semicolon_export_and_import_back(db, file_format, language):
    Sector.objects.filter(code="health").update(
        name_lt="Sveikata, biotechnologijos", name_en="Health; biotechnology"
    )
    organisation = OrganisationFactory(sectors=["health", "ict"])
    before = organisation_snapshot()

    data = export(OrganisationResource(), file_format, language)
    with translation.override(language):
        result = OrganisationResource().import_data(read_back(file_format, data))

    assert not result.has_validation_errors() and not result.has_errors(), errors_of(result)
    assert organisation_snapshot() == before
    assert set(organisation.sectors.values_list("code", flat=True)) == {"health", "ict"}


def test_blank_lines_are_skipped(db):
    content = csv_bytes(
        ["name", "legal_code"], [["A", valid_legal_code(1)], ["", ""], ["B", valid_legal_code(2)]]
    )

    result = import_csv(OrganisationResource(), content)

    assert result.totals["new"] == 2 and not result.has_validation_errors()


# Validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("legal_code", "123"),
        ("legal_code", "300000011"),
        ("vat_code", "LT123"),
        ("phone", "abc"),
        ("email", "ne-el-pastas"),
        ("website", "not a url"),
        ("municipality", "Atlantidos savivaldybė"),
        ("sectors", "kosmosas"),
        ("year_founded", "1700"),
        ("year_founded", "seniai"),
        ("members_sme", "daug"),
        ("kind", "planeta"),
        ("label_awarded_on", "vakar"),
        ("show_in_directory", "galbūt"),
    ],
)
def test_a_bad_value_is_an_error_of_its_row_naming_the_column(db, column, value):
    content = csv_bytes(
        ["name", "legal_code", column], [["Gerasis", valid_legal_code(1), ""], ["Blogasis", "", value]]
    )
    if column == "legal_code":
        content = csv_bytes(["name", "legal_code"], [["Gerasis", valid_legal_code(1)], ["Blogasis", value]])

    result = import_csv(OrganisationResource(), content)

    assert not result.has_errors()
    errors = errors_of(result)
    assert list(errors) == [3]  # the spreadsheet's row: the headers are row 1
    assert column in errors[3], errors
    assert all(message.strip() for message in errors[3][column])
    assert Organisation.objects.count() == 0  # nothing written while a row is invalid


def test_row_errors_are_keyed_by_the_header_the_file_used(db):
    with translation.override("lt"):
        header = str(Organisation._meta.get_field("phone").verbose_name)
    content = csv_bytes(["name", "legal_code", header], [["A", valid_legal_code(1), "abc"]])

    with translation.override("lt"):
        result = import_csv(OrganisationResource(), content)

    assert list(errors_of(result)[2]) == [header]


def test_error_messages_are_lithuanian_by_default(db):
    content = csv_bytes(["name", "legal_code"], [["A", "123"]])

    with translation.override("lt"):
        result = import_csv(OrganisationResource(), content)

    with translation.override("lt"):
        expected = translation.gettext("A legal entity code has exactly 9 digits; “%(value)s” does not.")
    assert errors_of(result)[2]["legal_code"] == [expected % {"value": "123"}]


def test_a_label_that_expires_before_it_was_awarded_is_refused(db):
    content = csv_bytes(
        ["name", "legal_code", "label", "label_awarded_on", "label_valid_until"],
        [["A", valid_legal_code(1), "gold", "2025-01-01", "2024-01-01"]],
    )

    result = import_csv(OrganisationResource(), content)

    assert "label_valid_until" in errors_of(result)[2]


def test_a_legal_code_twice_in_one_file_is_an_error_of_the_second_row(db):
    code = valid_legal_code(1)
    content = csv_bytes(["name", "legal_code"], [["A", code], ["B", f"{code[:3]} {code[3:]}"]])

    result = import_csv(OrganisationResource(), content)

    assert list(errors_of(result)) == [3]
    assert "2" in errors_of(result)[3]["legal_code"][0]


def test_a_new_organisation_needs_a_name(db):
    content = csv_bytes(["legal_code", "phone"], [[valid_legal_code(1), "+37061234567"]])

    with translation.override("lt"):
        result = import_csv(OrganisationResource(), content)
        missing_column = str(Organisation._meta.get_field("name").verbose_name)

    assert missing_column in errors_of(result)[2]  # the column is not in the file: its Lithuanian name


def test_a_file_without_known_columns_is_refused_with_a_clear_error(db):
    with translation.override("lt"):
        result = import_csv(OrganisationResource(), csv_bytes(["vardas", "kažkas"], [["A", "B"]]))
        name_header = str(Organisation._meta.get_field("name").verbose_name)

    assert result.has_errors()
    assert name_header in str(result.base_errors[0].error)
    assert Organisation.objects.count() == 0


def test_unknown_columns_are_ignored_and_reported(db):
    result = import_csv(
        OrganisationResource(),
        csv_bytes(["name", "legal_code", "spalva"], [["A", valid_legal_code(1), "žalia"]]),
    )

    assert result.totals["new"] == 1
    assert result.unknown_headers == ["spalva"]


def test_a_csv_row_with_more_cells_than_headers_is_refused_and_nothing_is_written(db):
    organisation = OrganisationFactory(name="Klasteris", legal_code=valid_legal_code(1), description="")
    content = (
        f"pavadinimas,juridinio asmens kodas,aprašymas\nKlasteris,{valid_legal_code(1)},Kuria, gamina ir parduoda\n"
        f"Naujas klasteris,{valid_legal_code(2)},Naujas\n"
    ).encode()

    with translation.override("lt"):
        result = import_csv(OrganisationResource(), content)

    assert errors_of(result) == {
        2: {
            "__all__": [
                "Eilutėje daugiau langelių nei antraštėje – galbūt reikšmė su „,“ neapskliausta kabutėmis?"
            ]
        }
    }
    organisation.refresh_from_db()
    assert organisation.description == ""
    assert Organisation.objects.count() == 1


def test_a_csv_row_with_empty_cells_beyond_the_headers_imports(db):
    content = f"name;legal_code;\nKlasteris;{valid_legal_code(1)};;\n".encode()

    result = import_csv(OrganisationResource(), content)

    assert result.totals["new"] == 1 and not result.unknown_headers


def test_an_xlsx_column_beyond_the_last_header_is_listed_as_ignored_by_its_letter(db):
    OrganisationFactory(name="Klasteris", legal_code=valid_legal_code(1), description="")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["juridinio asmens kodas", "aprašymas", None])
    sheet.append([valid_legal_code(1), "Kuria", "gamina ir parduoda"])
    sheet.merge_cells("B1:C1")
    stream = io.BytesIO()
    workbook.save(stream)

    with translation.override("lt"):
        result = OrganisationResource().import_data(XLSX().create_dataset(stream.getvalue()))

    assert result.unknown_headers == ["stulpelis C be antraštės"]
    assert Organisation.objects.get().description == "Kuria"


# Skipping invalid rows, re-imports, history ----------------------------------------------


def test_skipping_invalid_rows_imports_the_valid_ones_and_reports_the_others(db):
    content = csv_bytes(
        ["name", "legal_code", "phone"],
        [
            ["A", valid_legal_code(1), ""],
            ["B", "123", ""],
            ["C", valid_legal_code(3), "abc"],
            ["D", valid_legal_code(4), ""],
        ],
    )

    result = import_csv(OrganisationResource(skip_invalid_rows=True), content)

    assert sorted(Organisation.objects.values_list("name", flat=True)) == ["A", "D"]
    assert sorted(errors_of(result)) == [3, 4]


def test_reimporting_a_file_updates_records_instead_of_duplicating_them(db):
    user = UserFactory(username="importuotoja")
    first = csv_bytes(
        ["name", "legal_code", "sectors", "phone"], [["A", valid_legal_code(1), "ict", "8 612 34567"]]
    )
    second = csv_bytes(
        ["name", "legal_code", "sectors", "phone"], [["A2", valid_legal_code(1), "energy", "+37061234567"]]
    )

    import_csv(OrganisationResource(), first, user=user, file_name="nariai.csv")
    result = import_csv(OrganisationResource(), second, user=user, file_name="nariai.csv")

    assert result.totals["update"] == 1
    organisation = Organisation.objects.get()
    assert organisation.name == "A2"
    assert list(organisation.sectors.values_list("code", flat=True)) == ["energy"]
    assert organisation.phone == "+37061234567"
    history = list(organisation.history.order_by("history_date"))
    assert [h.history_type for h in history] == ["+", "~"]
    assert {h.history_user for h in history} == {user}
    assert "nariai.csv" in history[-1].history_change_reason


def test_an_organisation_without_legal_code_is_matched_by_its_exact_name(organisations):
    content = csv_bytes(["name", "legal_code", "address"], [["Ministerija be kodo", "", "Gedimino pr. 11"]])

    result = import_csv(OrganisationResource(), content)

    assert result.totals["update"] == 1
    assert Organisation.objects.get(name="Ministerija be kodo").address == "Gedimino pr. 11"


def test_persons_are_matched_by_email_whatever_its_case(db):
    person = PersonFactory(email="jurate@klasteris.lt", phone="")
    content = csv_bytes(
        ["first_name", "last_name", "email", "phone"],
        [["Jūratė", "Naujoji", " JURATE@Klasteris.LT", "861234567"]],
    )

    result = import_csv(PersonResource(), content)

    assert result.totals["update"] == 1, errors_of(result)
    person.refresh_from_db()
    assert (person.last_name, person.phone) == ("Naujoji", "+37061234567")
    assert Person.objects.count() == 1


def test_person_rows_create_or_update_their_affiliation(organisations):
    first, ministry = organisations
    person = PersonFactory(email="petras@klasteris.lt")
    AffiliationFactory(person=person, organisation=first, role=Affiliation.Role.COORDINATOR)
    headers = [
        "first_name",
        "last_name",
        "email",
        "organisation",
        "role",
        "job_title",
        "is_primary",
        "receives_consultations",
    ]
    content = csv_bytes(
        headers,
        [
            [
                "Petras",
                "Petraitis",
                "petras@klasteris.lt",
                first.legal_code,
                "director",
                "Vadovas",
                "taip",
                "1",
            ],
            [
                "Petras",
                "Petraitis",
                "petras@klasteris.lt",
                "Ministerija be kodo",
                "Board member",
                "",
                "0",
                "ne",
            ],
            ["Ona", "Onaitė", "ona@klasteris.lt", "Ministerija be kodo", "", "Patarėja", "", ""],
            ["Ona", "Onaitė", "ona@klasteris.lt", first.name, "other", "", "", "1"],
        ],
    )

    result = import_csv(PersonResource(), content, user=UserFactory())

    assert not result.has_validation_errors(), errors_of(result)
    affiliations = {
        (a.person.email, a.organisation_id): (a.role, a.job_title, a.is_primary, a.receives_consultations)
        for a in Affiliation.objects.select_related("person")
    }
    assert affiliations == {
        ("petras@klasteris.lt", first.pk): ("director", "Vadovas", True, True),
        ("petras@klasteris.lt", ministry.pk): ("board", "", False, False),
        ("ona@klasteris.lt", ministry.pk): ("representative", "Patarėja", False, False),
        ("ona@klasteris.lt", first.pk): ("other", "", False, True),
    }
    assert Person.objects.count() == 2
    assert Affiliation.history.filter(history_type="~").count() == 1


def test_a_second_primary_contact_of_an_organisation_is_refused(organisations):
    first, _ministry = organisations
    AffiliationFactory(organisation=first, is_primary=True)
    content = csv_bytes(
        ["first_name", "last_name", "email", "organisation", "is_primary"],
        [["Nauja", "Kontaktė", "nauja@klasteris.lt", first.name, "1"]],
    )

    result = import_csv(PersonResource(), content)

    assert "is_primary" in errors_of(result)[2]
    assert Person.objects.count() == 1


def test_an_unknown_or_ambiguous_organisation_is_a_row_error(organisations):
    OrganisationFactory(name="Dvynys", legal_code=valid_legal_code(50))
    OrganisationFactory(name="Dvynys", legal_code=valid_legal_code(51))
    content = csv_bytes(
        ["first_name", "last_name", "email", "organisation", "role"],
        [
            ["A", "A", "a@a.lt", "Nežinoma UAB", ""],
            ["B", "B", "b@b.lt", "Dvynys", ""],
            ["C", "C", "c@c.lt", valid_legal_code(51), ""],
            ["D", "D", "d@d.lt", "", "director"],
        ],
    )

    result = import_csv(PersonResource(), content)

    errors = errors_of(result)
    assert sorted(errors) == [2, 3, 5]
    assert all("organisation" in errors[n] for n in (2, 3, 5))


def test_a_person_repeated_with_different_details_is_an_error(organisations):
    first, ministry = organisations
    content = csv_bytes(
        ["first_name", "last_name", "email", "organisation"],
        [
            ["Ona", "Onaitė", "ona@klasteris.lt", first.name],
            ["Ona", "Kitaitė", "ona@klasteris.lt", ministry.name],
        ],
    )

    result = import_csv(PersonResource(), content)

    assert list(errors_of(result)) == [3]


def test_consent_without_its_date_and_source_is_refused(db):
    content = csv_bytes(
        ["first_name", "last_name", "email", "consent_newsletter"], [["A", "B", "a@b.lt", "1"]]
    )

    with translation.override("en"):
        result = import_csv(PersonResource(), content)

    assert {"consent_newsletter_at", "consent_newsletter_source"} <= set(errors_of(result)[2])


def test_history_records_of_an_import_carry_the_user(db):
    user = get_user_model().objects.create(username="redaktore")
    import_csv(
        OrganisationResource(), csv_bytes(["name", "legal_code"], [["A", valid_legal_code(1)]]), user=user
    )

    record = Organisation.history.get()
    assert record.history_user == user and record.history_type == "+"


def test_each_imported_record_gets_a_history_record_with_its_values(db):
    user = UserFactory(username="importuotoja")
    headers = ["name", "legal_code", "vat_code", "sectors", "municipality", "phone", "email", "website"]
    headers += ["year_founded", "members_sme", "label", "label_awarded_on", "label_valid_until"]
    headers += ["description", "show_in_directory"]
    content = csv_bytes(
        headers,
        [
            [
                *[DIACRITICS, valid_legal_code(1), "LT100001919017", "ict", "Vilniaus miesto savivaldybė"],
                *["8 612 34567", "Info@Azuolai.LT", "https://azuolai.lt", "2004", "12", "gold"],
                *["2024-03-01", "2027-03-01", "Ąžuolai", "taip"],
            ],
            ["B", valid_legal_code(2), "", "", "", "", "", "", "", "", "", "", "", "", "0"],
        ],
    )

    result = import_csv(OrganisationResource(), content, user=user, file_name="nariai.csv")

    assert result.totals["new"] == 2, errors_of(result)
    for organisation in Organisation.objects.all():
        record = organisation.history.get()
        assert (record.history_type, record.history_user) == ("+", user)
        assert "nariai.csv" in record.history_change_reason
        for model_field in HISTORY_KEPT_FIELDS:
            assert getattr(record, model_field.attname) == getattr(organisation, model_field.attname)
    first = Organisation.objects.get(legal_code=valid_legal_code(1))
    assert (first.name, first.phone, first.email) == (DIACRITICS, "+37061234567", "info@azuolai.lt")
    assert first.label_valid_until == datetime.date(2027, 3, 1)

    changed = csv_bytes(["legal_code", "phone", "members_sme"], [[valid_legal_code(1), "+37062222222", "13"]])
    import_csv(OrganisationResource(), changed, user=user)

    first.refresh_from_db()
    record = first.history.latest("history_id")
    assert (record.history_type, record.history_user, first.phone, first.members_sme) == (
        "~",
        user,
        "+37062222222",
        13,
    )
    for model_field in HISTORY_KEPT_FIELDS:
        assert getattr(record, model_field.attname) == getattr(first, model_field.attname)


def test_columns_missing_from_the_file_take_the_models_defaults(db):
    content = csv_bytes(["name", "legal_code"], [["A", valid_legal_code(1)], ["B", valid_legal_code(2)]])

    import_csv(OrganisationResource(), content)

    defaults = Organisation()
    for organisation in Organisation.objects.all():
        for name in ("kind", "label", "show_in_directory", "members_sme", "year_founded", "eccp_url"):
            assert getattr(organisation, name) == getattr(defaults, name)
        assert organisation.municipality is None and not organisation.sectors.exists()
    assert sorted(Organisation.objects.values_list("name", flat=True)) == ["A", "B"]


# Speed ------------------------------------------------------------------------------


def test_the_import_makes_no_query_per_row(organisations):
    sectors = list(Sector.objects.values_list("code", flat=True))

    def file_of(count: int, offset: int) -> bytes:
        rows = [
            [
                f"Klasteris {n}",
                valid_legal_code(offset + n),
                sectors[n % 8],
                "Vilniaus miesto savivaldybė",
                f"žyma {n % 3}",
            ]
            for n in range(count)
        ]
        rows.append(
            [
                DIACRITICS,
                valid_legal_code(1),
                sectors[count % 8],
                "Kauno miesto savivaldybė",
                f"Nauja {count}",
            ]
        )
        return csv_bytes(["name", "legal_code", "sectors", "municipality", "tags"], rows)

    counts = {}
    for count, offset in ((5, 100), (300, 200)):
        with CaptureQueriesContext(connection) as dry_run:
            import_csv(OrganisationResource(), file_of(count, offset), dry_run=True)
        with CaptureQueriesContext(connection) as real:
            result = import_csv(OrganisationResource(), file_of(count, offset))
        assert result.totals["new"] == count and result.totals["update"] == 1
        counts[count] = (len(dry_run), len(real))

    assert counts[5][0] == counts[300][0] <= 20  # the preview reads a fixed number of times
    # Records, history records and sector links go in up to a thousand rows a statement.
    assert counts[5][1] == counts[300][1] <= 30


def test_a_yes_no_cell_in_a_number_column_is_refused_even_after_the_number_one(db):
    # Spreadsheet cells come as numbers and booleans; 1 == True, yet only one of them is a number.
    dataset = tablib.Dataset(
        ["A", valid_legal_code(1), 1],
        ["B", valid_legal_code(2), True],
        headers=["name", "legal_code", "members_sme"],
    )

    result = OrganisationResource().import_data(dataset, dry_run=True)

    assert list(errors_of(result)) == [3] and "members_sme" in errors_of(result)[3]


def test_reading_and_importing_leave_garbage_collection_on(db):
    workbook = openpyxl.Workbook()
    workbook.active.append(["name", "legal_code"])
    workbook.active.append(["A", "123"])
    data = io.BytesIO()
    workbook.save(data)

    dataset = XLSX().create_dataset(data.getvalue())
    OrganisationResource().import_data(dataset)
    with pytest.raises(ImportError):  # the bad legal code, raised instead of reported
        OrganisationResource().import_data(dataset, raise_errors=True)

    assert gc.isenabled()


def test_a_dry_run_writes_nothing(db):
    import_csv(
        OrganisationResource(),
        csv_bytes(["name", "legal_code", "tags"], [["A", valid_legal_code(1), "X"]]),
        dry_run=True,
    )

    assert (
        not Organisation.objects.exists() and not Organisation.history.exists() and not Tag.objects.exists()
    )


# Formula neutralisation ----------------------------------------------------------------


def test_formula_cells_are_neutralised_in_csv_exports(organisations):
    data = export(OrganisationResource(), CSV, "lt")
    dataset = tablib_rows(data)

    first = dataset[0]
    assert '\'=HYPERLINK("http://x")' in first
    assert "'+37061234567" in first
    assert "'-2+3" in dataset[1]
    assert not any(
        cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in dataset for cell in row if cell
    )


def test_formula_cells_are_neutralised_in_xlsx_exports(organisations):
    data = export(OrganisationResource(), XLSX, "lt")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active

    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    # Text cells with the text as stored: no apostrophe in the value, and no formula (above).
    assert '=HYPERLINK("http://x")' in texts and "+37061234567" in texts and "-2+3" in texts
    assert 2004 in [cell.value for cell in cells]  # numbers stay numbers


def tablib_rows(data: str) -> list[list[str]]:
    import csv

    assert data.startswith("\ufeff")
    return list(csv.reader(io.StringIO(data[1:]), delimiter=";"))[1:]


# Reading XLSX quickly ----------------------------------------------------------------


def test_the_fast_xlsx_reader_reads_what_openpyxl_reads():
    workbook = openpyxl.Workbook()
    workbook.create_sheet("Kitas lapas")
    sheet = workbook.active
    sheet.append(["tekstas", "sveikas", "trupmena", "data", "laikas", "taip/ne", "formulė", "tuščia"])
    moment = datetime.datetime(2024, 2, 29, 13, 45, 10)  # noqa: DTZ001 - a spreadsheet has no time zones
    sheet.append(["ąčęėįšųūž", 12, 1.5, datetime.date(2024, 2, 29), moment, True])
    sheet.append([" tarpai ", -7, 1e20, None, None, False, "=A2&B2", None])
    sheet["H5"] = "toliau"  # a gap: row 4 has no cells at all
    sheet["C5"].number_format = "yyyy-mm-dd"
    sheet["C5"] = 45351
    stream = io.BytesIO()
    workbook.save(stream)
    data = stream.getvalue()

    from crm.import_formats import xlsx_rows

    fast = xlsx_rows(data)
    slow = XLSX._openpyxl_rows(data)[0]
    assert [row + [None] * (8 - len(row)) for row in fast] == [list(row) for row in slow]


EXCEL_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet2.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<bookViews><workbookView activeTab="0"/></bookViews>'
        '<sheets><sheet name="Nariai" sheetId="1" r:id="rId7"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/sheet2.xml"/>'
        '<Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'sharedStrings" Target="sharedStrings.xml"/>'
        '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'styles" Target="styles.xml"/></Relationships>'
    ),
    "xl/sharedStrings.xml": (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="4">'
        "<si><t>name</t></si><si><t>label_awarded_on</t></si>"
        '<si><r><t>Klasteris </t></r><r><rPr><b/></rPr><t xml:space="preserve">„Ąžuolas“ </t></r>'
        '<rPh sb="0" eb="1"><t>ignored</t></rPh></si><si><t>year_founded</t></si></sst>'
    ),
    "xl/styles.xml": (
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>'
        '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14"/></cellXfs></styleSheet>'
    ),
    "xl/worksheets/sheet2.xml": (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>3</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" s="1"><v>45351</v></c><c r="C2"><v>1999</v></c></row>'
        '<row r="4"><c r="A4" t="inlineStr"><is><t>Įrašas</t></is></c><c r="C4" s="2"><v>45351.5</v></c>'
        '<c r="D4" t="b"><v>1</v></c><c r="E4" t="str"><f>A4</f><v>Įrašas</v></c></row>'
        "</sheetData></worksheet>"
    ),
}


def excel_file(parts: dict[str, str]) -> bytes:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + content)
    return stream.getvalue()


def test_the_fast_xlsx_reader_reads_excel_shared_strings_and_styles_like_openpyxl():
    from crm.import_formats import xlsx_rows

    data = excel_file(EXCEL_PARTS)

    fast = xlsx_rows(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl misses a default style this small file lacks
        slow = XLSX._openpyxl_rows(data)[0]
    assert [row + [None] * (5 - len(row)) for row in fast] == [
        list(row) + [None] * (5 - len(row)) for row in slow
    ]
    assert fast[1] == ["Klasteris „Ąžuolas“ ", datetime.datetime(2024, 2, 29), 1999]  # noqa: DTZ001


def test_an_xlsx_file_with_a_dtd_is_refused():
    from crm.import_formats import UnsafeXML

    sheet = EXCEL_PARTS["xl/worksheets/sheet2.xml"]
    bomb = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>' + sheet

    with pytest.raises(UnsafeXML):
        XLSX().create_dataset(excel_file({**EXCEL_PARTS, "xl/worksheets/sheet2.xml": bomb}))


def test_a_number_with_thousands_separators_is_refused_not_read_as_its_first_group(db):
    # "1,000" reads as a thousand to some and as 1,000 (one) to others: it was imported as 1.
    dataset = tablib.Dataset(
        *[
            [name, valid_legal_code(number), typed]
            for number, (name, typed) in enumerate(
                [
                    ("A", "1,000"),
                    ("B", "1.000"),
                    ("C", "12 000"),
                    ("D", "12,0"),
                    ("E", "7.00"),
                    ("F", "2.500"),
                ],
                start=1,
            )
        ],
        headers=["name", "legal_code", "members_sme"],
    )

    with translation.override("lt"):
        result = OrganisationResource().import_data(
            dataset, dry_run=False, rollback_on_validation_errors=False
        )
        errors = errors_of(result)

    assert sorted(errors) == [2, 3, 7]
    assert errors[2]["members_sme"] == [
        "„1,000“: sveikuosius skaičius rašykite be tūkstančių skyriklių, pavyzdžiui, 1000."
    ]
    assert dict(Organisation.objects.values_list("name", "members_sme")) == {"C": 12000, "D": 12, "E": 7}


def test_a_number_of_more_digits_than_any_column_holds_is_refused_in_lithuanian(db):
    # Past 4,300 digits Python refuses to read a number at all, with its own English message.
    dataset = tablib.Dataset(
        ["A", valid_legal_code(1), "1" * 5000],
        ["B", valid_legal_code(2), "9" * 19],
        ["C", valid_legal_code(3), "000000000000000000000012"],
        headers=["name", "legal_code", "members_sme"],
    )

    with translation.override("lt"):
        result = OrganisationResource().import_data(
            dataset, dry_run=False, rollback_on_validation_errors=False
        )
        errors = errors_of(result)

    assert sorted(errors) == [2, 3]
    assert errors[2]["members_sme"] == [f"„{'1' * 5000}“ – per didelis skaičius."]
    assert errors[3]["members_sme"] == [f"„{'9' * 19}“ – per didelis skaičius."]
    assert dict(Organisation.objects.values_list("name", "members_sme")) == {"C": 12}


def test_lithuanian_excels_tiesa_and_netiesa_are_yes_and_no(db):
    dataset = tablib.Dataset(
        ["A", valid_legal_code(1), "TIESA"],
        ["B", valid_legal_code(2), "NETIESA"],
        headers=["name", "legal_code", "show_in_directory"],
    )

    result = OrganisationResource().import_data(dataset, dry_run=False)

    assert not result.has_validation_errors(), errors_of(result)
    assert dict(Organisation.objects.values_list("name", "show_in_directory")) == {"A": True, "B": False}


def test_a_name_in_straight_quotes_names_the_organisation_stored_with_lithuanian_ones(db):
    # Spreadsheets type "…"; the admin stores „…“ as typed there.
    organisation = OrganisationFactory(name="Klasteris „Šilas“", legal_code="", phone="")
    organisations = tablib.Dataset(['Klasteris "Šilas"', "+370 612 34567"], headers=["name", "phone"])
    persons = tablib.Dataset(
        ["jurgita@silas.lt", "Jurgita", "Kazlauskienė", "Klasteris «Šilas»"],
        headers=["email", "first_name", "last_name", "organisation"],
    )

    result = OrganisationResource().import_data(organisations, dry_run=False)
    assert dict(result.totals)["update"] == 1 and dict(result.totals)["new"] == 0, errors_of(result)
    result = PersonResource().import_data(persons, dry_run=False)
    assert dict(result.totals)["new"] == 1, errors_of(result)

    organisation.refresh_from_db()
    assert organisation.name == "Klasteris „Šilas“"  # the stored spelling stays
    assert organisation.phone == "+37061234567"
    assert Organisation.objects.count() == 1
    assert Affiliation.objects.get().organisation == organisation


def test_a_cell_that_cannot_be_read_gets_its_own_message_only(db):
    # The unread cell leaves its field empty; the model's rule for an empty source does not apply.
    dataset = tablib.Dataset(
        ["a@silas.lt", "Jurgita", "Kazlauskienė", "taip", "2025-05-01 10:00", "el. laiškas"],
        headers=[
            "email",
            "first_name",
            "last_name",
            "consent_consultations",
            "consent_consultations_at",
            "consent_consultations_source",
        ],
    )

    with translation.override("lt"):
        result = PersonResource().import_data(dataset, dry_run=True)
        errors = errors_of(result)

    assert list(errors) == [2]
    assert len(errors[2]["consent_consultations_source"]) == 1, errors
    assert "el. laiškas" in errors[2]["consent_consultations_source"][0]
    assert not Person.objects.exists()


def test_an_unknown_sector_is_answered_with_the_sectors_names_in_the_pages_language(db):
    dataset = tablib.Dataset(
        ["A", valid_legal_code(1), "Kosmosas"], headers=["name", "legal_code", "sectors"]
    )

    with translation.override("lt"):
        message = errors_of(OrganisationResource().import_data(dataset, dry_run=True))[2]["sectors"][0]

    names = "; ".join(Sector.objects.order_by("position", "code").values_list("name_lt", flat=True))
    assert message == f"Sektoriaus „Kosmosas“ nėra; nurodykite vieną iš šių: {names}."
    assert "Sveikata" in names and "health" not in message


@pytest.mark.parametrize(
    ("index", "letter"), [(0, "A"), (1, "B"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"), (702, "AAA")]
)
def test_columns_are_named_by_the_spreadsheets_letters(index, letter):
    assert column_letter(index) == letter


def test_the_preview_shows_an_affiliations_empty_cells_as_keeping_what_the_import_keeps():
    organisation = OrganisationFactory(name="Klasteris „Ąžuolas“")
    person = PersonFactory(email="ona@klasteris.lt", phone="")
    AffiliationFactory(person=person, organisation=organisation, is_primary=True, job_title="Direktorė")
    content = csv_bytes(
        ["email", "phone", "organisation", "job_title", "is_primary"],
        [["ona@klasteris.lt", "861234567", "Klasteris „Ąžuolas“", "", ""]],
    )

    with translation.override("lt"):
        preview = import_csv(PersonResource(), content, dry_run=True)
        result = import_csv(PersonResource(), content)

    assert not result.has_errors() and not result.has_validation_errors(), errors_of(result)
    # Empty cells change nothing of a stored affiliation: the import keeps its job title and flag…
    assert Affiliation.objects.filter(job_title="Direktorė", is_primary=True).count() == 1
    # …and the preview shows them kept, not struck out and replaced by nothing.
    cells = [str(cell) for cell in preview.rows[0].diff]
    assert cells[3:5] == ["Direktorė", "taip"], cells
    assert "<ins" in cells[1] and "+37061234567" in cells[1]  # what the row does change

"""Municipalities are read as people write them, and refused when the value could be several."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from import_export.results import RowResult

from crm import widgets
from crm.import_formats import CSV, XLSX
from crm.models import Municipality, Organisation
from crm.resources import OrganisationResource
from crm.selectors import MUNICIPALITY_TOWNS, municipality_from_text, municipality_names, strip_diacritics
from tests.factories import valid_legal_code

pytestmark = pytest.mark.django_db

ACCEPTED = [
    ("Vilniaus miesto savivaldybė", "Vilniaus miesto savivaldybė"),
    ("Vilniaus m. sav.", "Vilniaus miesto savivaldybė"),
    ("Vilniaus m.", "Vilniaus miesto savivaldybė"),
    ("Vilniaus miestas", "Vilniaus miesto savivaldybė"),
    ("Vilnius m.", "Vilniaus miesto savivaldybė"),
    ("vilniaus  M. SAV.", "Vilniaus miesto savivaldybė"),
    ("Vilniaus r. sav.", "Vilniaus rajono savivaldybė"),
    ("Kauno r.", "Kauno rajono savivaldybė"),
    ("Kauno rajono", "Kauno rajono savivaldybė"),
    ("Kauno raj. sav.", "Kauno rajono savivaldybė"),
    ("KAUNO R.SAV.", "Kauno rajono savivaldybė"),
    ("kauno m", "Kauno miesto savivaldybė"),
    ("Siauliu m. sav.", "Šiaulių miesto savivaldybė"),
    ("Šiaulių rajono savivaldybė", "Šiaulių rajono savivaldybė"),
    ("Klaipedos r.", "Klaipėdos rajono savivaldybė"),
    ("Panevėžio miesto sav.", "Panevėžio miesto savivaldybė"),
    ("Alytaus m.", "Alytaus miesto savivaldybė"),
    ("Birštonas", "Birštono savivaldybė"),
    ("Birštono sav.", "Birštono savivaldybė"),
    ("Kazlu Rudos savivaldybe", "Kazlų Rūdos savivaldybė"),
    ("Kazlų Rūda", "Kazlų Rūdos savivaldybė"),
    ("Anykščių r.", "Anykščių rajono savivaldybė"),
    ("Anyksciai", "Anykščių rajono savivaldybė"),
    ("Naujoji Akmenė", "Akmenės rajono savivaldybė"),
    ("Palanga", "Palangos miesto savivaldybė"),
    ("Širvintos", "Širvintų rajono savivaldybė"),
]
AMBIGUOUS = [
    ("Kaunas", "Kauno"),
    ("Kauno", "Kauno"),
    ("Kauno savivaldybė", "Kauno"),
    ("Vilnius", "Vilniaus"),
    ("Vilniaus", "Vilniaus"),
    ("Alytaus", "Alytaus"),
    ("Klaipėdos", "Klaipėdos"),
    ("Klaipėda", "Klaipėdos"),
    ("Panevėžio", "Panevėžio"),
    ("Panevezys", "Panevėžio"),
    ("Šiaulių", "Šiaulių"),
    ("siauliu sav.", "Šiaulių"),
]


def dataset_of(file_format, rows: list[list[object]]):
    lines = [["name", "legal_code", "municipality"], *rows]
    if file_format is CSV:
        text = "\n".join(";".join(str(cell) for cell in line) for line in lines) + "\n"
        return CSV().create_dataset(text.encode("utf-8"))
    workbook = openpyxl.Workbook()
    for line in lines:
        workbook.active.append(line)
    stream = io.BytesIO()
    workbook.save(stream)
    return XLSX().create_dataset(stream.getvalue())


def run(file_format, rows, *, dry_run: bool):
    with translation.override("lt"):
        return OrganisationResource().import_data(dataset_of(file_format, rows), dry_run=dry_run)


def ambiguous_message(value: str, town: str) -> str:
    with translation.override("lt"):
        return translation.gettext(
            "“%(value)s” may be any of these municipalities: %(candidates)s. Write which one."
        ) % {"value": value, "candidates": f"{town} miesto savivaldybė, {town} rajono savivaldybė"}


both_formats = pytest.mark.parametrize("file_format", [CSV, XLSX], ids=["csv", "xlsx"])


@both_formats
def test_the_common_ways_of_writing_a_municipality_are_accepted(file_format):
    rows = [[f"Klasteris {n}", valid_legal_code(n), value] for n, (value, _name) in enumerate(ACCEPTED)]

    preview = run(file_format, rows, dry_run=True)
    result = run(file_format, rows, dry_run=False)

    assert not preview.has_validation_errors(), [row.error_dict for row in preview.invalid_rows]
    assert [row.import_type for row in result] == [row.import_type for row in preview]
    assert {row.import_type for row in result} == {RowResult.IMPORT_TYPE_NEW}
    stored = dict(Organisation.objects.values_list("legal_code", "municipality__name"))
    assert {value: stored[valid_legal_code(n)] for n, (value, _name) in enumerate(ACCEPTED)} == dict(ACCEPTED)


@both_formats
def test_a_town_with_a_city_and_a_district_municipality_needs_its_kind(file_format):
    rows = [[f"Klasteris {n}", valid_legal_code(n), value] for n, (value, _town) in enumerate(AMBIGUOUS)]

    preview = run(file_format, rows, dry_run=True)
    result = run(file_format, rows, dry_run=False)

    expected = {
        n + 2: {"municipality": [ambiguous_message(value, town)]} for n, (value, town) in enumerate(AMBIGUOUS)
    }
    assert {row.number: row.error_dict for row in preview.invalid_rows} == expected
    assert {row.number: row.error_dict for row in result.invalid_rows} == expected
    assert not Organisation.objects.exists()


@both_formats
def test_an_unknown_municipality_keeps_its_lithuanian_error(file_format):
    result = run(file_format, [["Klasteris", valid_legal_code(1), "Atlantidos m. sav."]], dry_run=False)

    assert result.invalid_rows[0].error_dict == {"municipality": ["Savivaldybės „Atlantidos m. sav.“ nėra."]}


def test_every_official_name_is_its_own_municipality_with_or_without_lithuanian_letters():
    names = municipality_names()
    municipalities = list(Municipality.objects.all())

    assert len(municipalities) == 60
    for municipality in municipalities:
        for written in (municipality.name, strip_diacritics(municipality.name).upper()):
            assert municipality_from_text(value=written, names=names) == municipality


def test_every_municipality_is_known_by_its_town_in_the_nominative_too():
    names = municipality_names()
    municipalities = list(Municipality.objects.all())

    covered = set()
    for genitive, towns in MUNICIPALITY_TOWNS.items():
        own = {m for m in municipalities if m.name.startswith(f"{genitive} ")}
        covered |= own
        for town in towns:
            if len(own) == 1:
                assert municipality_from_text(value=town, names=names) in own, town
            else:  # a city and a district: the nominative alone says neither
                with pytest.raises(ValidationError):
                    municipality_from_text(value=town, names=names)
                assert municipality_from_text(value=f"{town} m.", names=names).name.endswith(
                    " miesto savivaldybė"
                )
    assert covered == set(municipalities)


def test_an_ambiguous_value_is_a_validation_error_listing_the_candidates():
    with translation.override("lt"), pytest.raises(ValidationError) as error:
        municipality_from_text(value="Kaunas", names=municipality_names())

    assert error.value.code == "ambiguous"
    assert error.value.messages == [ambiguous_message("Kaunas", "Kauno")]


def test_the_municipality_table_is_built_once_per_import_whatever_the_number_of_rows(monkeypatch):
    built = []

    def counted(**kwargs):
        built.append(kwargs)
        return municipality_names(**kwargs)

    monkeypatch.setattr(widgets, "municipality_names", counted)
    forms = [value for value, _name in ACCEPTED]

    def rows(count: int, offset: int) -> list[list[object]]:
        return [[f"Klasteris {n}", valid_legal_code(offset + n), forms[n % len(forms)]] for n in range(count)]

    counts = {}
    for count, offset in ((5, 1000), (300, 2000)):
        with CaptureQueriesContext(connection) as dry_run:
            run(CSV, rows(count, offset), dry_run=True)
        with CaptureQueriesContext(connection) as real:
            result = run(CSV, rows(count, offset), dry_run=False)
        assert result.totals["new"] == count
        counts[count] = (len(dry_run), len(real))

    assert len(built) == 4  # one table for each of the four imports
    assert counts[5] == counts[300]

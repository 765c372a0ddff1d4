"""Lithuanian first names in the vocative, as the consultation e-mails address their readers."""

from __future__ import annotations

import re

import pytest

from crm import names
from crm.names import vocative


@pytest.mark.parametrize(
    ("name", "addressed"),
    [
        # Men: -as, -is, -ys, -us, -ius.
        ("Mindaugas", "Mindaugai"),
        ("Jonas", "Jonai"),
        ("Mykolas", "Mykolai"),
        ("Tomas", "Tomai"),
        ("Petras", "Petrai"),
        ("Jurgis", "Jurgi"),
        ("Kęstutis", "Kęstuti"),
        ("Algis", "Algi"),
        ("Kazys", "Kazy"),
        ("Mikalojus", "Mikalojau"),
        ("Aurelijus", "Aurelijau"),
        ("Darius", "Dariau"),
        ("Marius", "Mariau"),
        ("Andrius", "Andriau"),
        # A stem in j takes -au ("vėjas: vėjau"), and so does the rare -ias.
        ("Tobijas", "Tobijau"),
        ("Matijas", "Matijau"),
        ("Andrėjas", "Andrėjau"),
        ("Nikolajas", "Nikolajau"),
        ("Elias", "Eliau"),
        # The rare masculine -a, and the fifth declension.
        ("Jogaila", "Jogaila"),
        ("Šimkuo", "Šimkenie"),
        # Women: -a, -ia, -ė, and the third declension's -is.
        ("Rūta", "Rūta"),
        ("Ona", "Ona"),
        ("Sofia", "Sofia"),
        ("Lia", "Lia"),
        ("Eglė", "Egle"),
        ("Jūratė", "Jūrate"),
        ("Gintarė", "Gintare"),
        ("Ugnė", "Ugne"),
        ("Ugnis", "Ugnie"),
    ],
)
def test_a_lithuanian_first_name_is_put_in_the_vocative(name, addressed):
    assert vocative(name) == addressed


@pytest.mark.parametrize(
    ("name", "addressed"),
    [
        # No Lithuanian ending: as written.
        ("John", "John"),
        ("Agnes", "Agnes"),
        ("Sarah", "Sarah"),
        # A Lithuanian ending keeps its case form: -a and -ia are their own vocative.
        ("Anna", "Anna"),
        ("Maria", "Maria"),
        # Letters Lithuanian does not write: a foreign spelling, as written.
        ("Lewis", "Lewis"),
        ("Alexis", "Alexis"),
        ("Jānis", "Jānis"),
        ("Jürgen", "Jürgen"),
    ],
)
def test_a_foreign_first_name_is_addressed_as_written(name, addressed):
    assert vocative(name) == addressed


@pytest.mark.parametrize(
    ("name", "addressed"),
    [
        ("Jūratė Marija", "Jūrate Marija"),
        ("Jonas Mindaugas", "Jonai Mindaugai"),
        ("Eglė Ugnė", "Egle Ugne"),
        ("Jonas-Petras", "Jonai-Petrai"),
        ("Darius  Kazys", "Dariau  Kazy"),
        ("Jonas J.", "Jonai J."),
        ("J. Mindaugas", "J. Mindaugai"),
        ("Mindaugas John", "Mindaugai John"),
    ],
)
def test_each_word_of_a_name_of_several_words_is_declined_on_its_own(name, addressed):
    assert vocative(name) == addressed


@pytest.mark.parametrize(
    ("name", "addressed"),
    [
        ("MINDAUGAS", "MINDAUGAI"),
        ("mindaugas", "mindaugai"),
        ("EGLĖ", "EGLE"),
        ("eglė", "egle"),
        ("DARIUS", "DARIAU"),
        ("KAZYS", "KAZY"),
        ("ŠARŪNAS", "ŠARŪNAI"),
        ("TOBIJAS", "TOBIJAU"),
        ("Žygimantas", "Žygimantai"),
    ],
)
def test_the_letter_case_of_the_name_is_kept(name, addressed):
    assert vocative(name) == addressed


@pytest.mark.parametrize("name", ["", " ", "J", "J.", "Al", "Ed", "3"])
def test_an_initial_a_short_word_or_nothing_stays_as_written(name):
    assert vocative(name) == name


def test_every_declension_names_its_vocative_among_its_endings():
    assert names._VOCATIVE_ENDINGS.keys() == names._DECLENSIONS.keys()
    for nominative, ending in names._VOCATIVE_ENDINGS.items():
        assert ending in names._DECLENSIONS[nominative], nominative


@pytest.mark.parametrize(
    "name",
    [
        *("Mindaugas", "Jurgis", "Kazys", "Mikalojus", "Darius", "Rūta", "Sofia", "Eglė"),
        *("Tobijas", "Matijas", "Elias", "Ugnis", "Šimkuo"),
    ],
)
def test_the_vocative_is_a_form_that_gdpr_erasure_finds(name):
    assert re.fullmatch(names.name_forms_pattern(name), vocative(name), flags=re.IGNORECASE)


def _is_form(name: str, text: str) -> bool:
    return re.fullmatch(names.name_forms_pattern(name), text, flags=re.IGNORECASE) is not None


@pytest.mark.parametrize(
    ("name", "form"),
    [
        ("Tobijas", "Tobijo"),
        ("Tobijas", "Tobijui"),
        ("Tobijas", "Tobiją"),
        ("Tobijas", "Tobiju"),
        ("Tobijas", "Tobijyje"),
        ("Tobijas", "Tobijau"),
        ("Tobijas", "Tobijų"),
        ("Matijas", "Matijams"),
    ],
)
def test_a_name_with_a_stem_in_j_is_found_in_each_case(name, form):
    assert _is_form(name, form)


@pytest.mark.parametrize(
    ("name", "form"),
    [
        ("Jūratė", "Juratei"),
        ("Jūratė", "Jurates"),
        ("Jūratė", "Jūrate"),
        ("Kazlauskienė", "Kazlauskienei"),
        ("Kazlauskienė", "Kazlauskienes"),
        ("Kazlauskienė", "Kazlauskiene"),
        ("Kazlauskienė", "Kazlauskieniu"),
        ("Žemaitytė", "Zemaityte"),
        ("Žemaitytė", "ZEMAITYTEI"),
        ("Žemaitytė", "Zemaityciu"),
        ("Petraitis", "Petraicio"),
        ("Petraitis", "Petraiti"),
        ("Gaidys", "Gaidziui"),
        ("Šarūnas", "Sarunui"),
        ("Šarūnas", "Saruna"),
        ("Mikalojus", "Mikaloju"),
        ("Tobijas", "Tobija"),
        ("Müller", "Mulleriui"),
    ],
)
def test_a_form_typed_without_diacritics_is_found(name, form):
    assert _is_form(name, form)


@pytest.mark.parametrize(
    ("name", "form"),
    [
        # A name kept without its Lithuanian letters, written with them: -e declines as -ė.
        ("Jurate", "Jūratė"),
        ("Jurate", "Jūratei"),
        ("Jurate", "Jūratės"),
        ("Kazlauskiene", "Kazlauskienei"),
        ("Kazlauskiene", "Kazlauskienę"),
        ("Zemaityte", "Žemaitytei"),
        ("Zemaityte", "Žemaityčių"),
        ("Sarunas", "Šarūnui"),
        ("Zukauskas", "Žukauską"),
        ("Petraitis", "Petraičio"),
        ("Kazys", "Kaziui"),
        # Part of a name kept so, part not.
        ("Jūrate", "Jūratės"),
        # A foreign name in -e keeps its own form.
        ("Marie", "Marie"),
        ("MARIE", "marie"),
    ],
)
def test_a_name_kept_without_diacritics_is_found_written_with_them(name, form):
    assert _is_form(name, form)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("Jurate", "Jūra"),
        ("Jurate", "Jurgitai"),
        ("Kazlauskiene", "Kazlauskas"),
        ("Jonas", "Jonavą"),
        ("Sarunas", "Šarūnė"),
    ],
)
def test_look_alike_words_with_diacritics_are_not_forms_of_a_name_kept_without(name, text):
    assert not _is_form(name, text)


@pytest.mark.parametrize(
    ("character", "forms"),
    [("u", "ųū"), ("U", "ŲŪ"), ("e", "ęė"), ("z", "ž"), ("o", ""), ("ū", ""), ("1", "")],
)
def test_a_letter_stands_for_the_lithuanian_letters_with_diacritics_typed_as_it(character, forms):
    assert names.marked_forms(character) == forms


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("Jonas", "Jonava"),
        ("Jonas", "Jonavoje"),
        ("Jonas", "Joniskis"),
        ("Rūta", "Rutininkas"),
        ("Rūta", "Rutine"),
        ("Jūratė", "Jurgita"),
        ("Kazlauskienė", "Kazlauskas"),
        ("Žemaitytė", "Zemaitis"),
        ("Søren", "Soren"),
    ],
)
def test_look_alike_words_without_diacritics_are_not_forms_of_the_name(name, text):
    assert not _is_form(name, text)


@pytest.mark.parametrize(
    ("character", "typed"),
    [("ū", "u"), ("Ž", "Z"), ("č", "c"), ("ę", "e"), ("é", "e"), ("ü", "u")],
)
def test_a_letter_with_diacritics_is_typed_as_its_base_letter(character, typed):
    assert names.base_letter(character) == typed


@pytest.mark.parametrize("character", ["a", "Z", "ø", "ß", "ł", "ж", "1", "-"])
def test_other_characters_have_no_base_letter(character):
    assert names.base_letter(character) is None

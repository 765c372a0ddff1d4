"""The admin reads Lithuanian, also where Django's own Lithuanian catalogue falls short.

Django 5.2 changed many admin messages (curly quotes, plural forms) after its Lithuanian
catalogue was last updated, so they showed in English; others put a model's name, in the
nominative, where Lithuanian grammar wants another case. The project's catalogues
(locale/lt/LC_MESSAGES/django.po and djangojs.po) give them; these tests read the pages.
"""

from __future__ import annotations

import html
import json
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import Organisation
from tests.admin_forms import change_form_data
from tests.factories import AffiliationFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def messages_on(content: str) -> list[str]:
    """The texts of the admin's message list, as shown."""
    block = re.search(r'<ul class="messagelist">(.*?)</ul>', content, flags=re.S)
    assert block, "no messages on the page"
    items = re.findall(r"<li[^>]*>(.*?)</li>", block.group(1), flags=re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def change_url(organisation: Organisation) -> str:
    return reverse("admin:crm_organisation_change", args=[organisation.pk])


# Messages after a save


def test_saving_and_continuing_says_so_in_lithuanian(staff_client):
    organisation = OrganisationFactory(name="Klasteris Ąžuolas")
    url = change_url(organisation)
    data = change_form_data(staff_client.get(url))
    data["_continue"] = "Išsaugoti ir tęsti redagavimą"

    content = page(staff_client.post(url, data, follow=True))

    assert messages_on(content) == [
        "Įrašas „Klasteris Ąžuolas“ (organizacija) sėkmingai pakeistas. Žemiau galite jį vėl redaguoti."
    ]
    assert "successfully" not in content


def test_saving_returns_to_the_list_with_a_lithuanian_message(staff_client):
    organisation = OrganisationFactory(name="Klasteris Ąžuolas")
    url = change_url(organisation)

    content = page(staff_client.post(url, change_form_data(staff_client.get(url)), follow=True))

    assert messages_on(content) == ["Įrašas „Klasteris Ąžuolas“ (organizacija) sėkmingai pakeistas."]


def test_adding_another_says_so_in_lithuanian(staff_client):
    url = reverse("admin:crm_organisation_add")
    data = change_form_data(staff_client.get(url))
    data.update(name="Klasteris Beržas", _addanother="Išsaugoti ir pridėti naują")

    content = page(staff_client.post(url, data, follow=True))

    assert messages_on(content) == [
        "Įrašas „Klasteris Beržas“ (organizacija) sėkmingai pridėtas. "
        "Žemiau galite pridėti dar vieną įrašą (organizacija)."
    ]


def test_deleting_says_so_in_lithuanian(staff_client):
    organisation = OrganisationFactory(name="Klasteris Uosis")
    url = reverse("admin:crm_organisation_delete", args=[organisation.pk])
    confirmation = page(staff_client.get(url))
    assert "Ar tikrai norite ištrinti įrašą „Klasteris Uosis“ (organizacija)?" in confirmation
    assert 'value="Taip, tikrai"' in confirmation

    content = page(staff_client.post(url, {"post": "yes"}, follow=True))

    assert messages_on(content) == ["Įrašas „Klasteris Uosis“ (organizacija) sėkmingai ištrintas."]


# The error banner of an invalid form: one error, several errors


def test_a_form_with_one_error_asks_to_correct_it_in_lithuanian(staff_client):
    url = reverse("admin:crm_organisation_add")
    data = change_form_data(staff_client.get(url))
    data.update(name="")

    content = page(staff_client.post(url, data))

    assert '<p class="errornote">' in content
    assert "Ištaisykite žemiau nurodytą klaidą." in content
    assert "Please correct" not in content


def test_a_form_with_several_errors_asks_to_correct_them_in_lithuanian(staff_client):
    url = reverse("admin:crm_organisation_add")
    data = change_form_data(staff_client.get(url))
    data.update(name="", legal_code="302 477 747 1")

    content = page(staff_client.post(url, data))

    assert "Ištaisykite žemiau nurodytas klaidas." in content
    assert "Please correct" not in content


# Titles, buttons and filters that take a model's or field's name


def test_the_list_title_add_button_filters_and_actions_read_naturally(staff_client):
    OrganisationFactory()

    content = page(staff_client.get(reverse("admin:crm_organisation_changelist")))

    assert "<h1>Pasirinkite, ką keisti: organizacija</h1>" in content
    assert re.search(r'class="addlink">\s*Pridėti: organizacija\s*</a>', content)
    assert re.search(r"<summary>\s*Pagal: sektoriai\s*</summary>", content)
    assert re.search(r"<summary>\s*Pagal: savivaldybė\s*</summary>", content)
    assert ">Ištrinti pažymėtus: organizacijos</option>" in content
    assert 'placeholder="Pradėkite rašyti, kad filtruotumėte…"' in content
    assert "Pereiti prie pagrindinio turinio" in content
    for english in ("Select organi", "Skip to main content", "Start typing", "Show counts", " By "):
        assert english not in content


def test_a_search_counts_its_results_in_lithuanian(staff_client):
    OrganisationFactory(name="Klasteris Ąžuolas")

    content = page(staff_client.get(reverse("admin:crm_organisation_changelist"), {"q": "Liepa"}))

    assert re.search(r"0 rezultatų\s*\(<a [^>]*>iš viso 1</a>\)", content)


def test_the_change_form_title_hint_and_related_links_read_naturally(staff_client):
    organisation = OrganisationFactory()
    AffiliationFactory(organisation=organisation)

    content = page(staff_client.get(change_url(organisation)))

    assert "<h1>Keisti: organizacija</h1>" in content
    assert (
        "Norėdami pasirinkti kelis, laikykite nuspaudę „Control“, o „Mac“ kompiuteryje – „Command“."
        in content
    )
    assert 'title="Peržiūrėti pasirinktą įrašą (savivaldybė)"' in content
    assert 'title="Pridėti dar vieną įrašą (savivaldybė)"' in content
    add_texts = {
        json.loads(html.unescape(attribute))["options"]["addText"]
        for attribute in re.findall(r'data-inline-formset="([^"]*)"', content)
    }
    assert add_texts == {
        "Pridėti dar vieną: Ryšys su organizacija",
        "Pridėti dar vieną: Narystė",
        "Pridėti dar vieną: Sąveika",
    }
    assert "Hold down" not in content


def test_the_add_form_title_reads_naturally(staff_client):
    content = page(staff_client.get(reverse("admin:crm_organisation_add")))

    assert "<h1>Pridėti: organizacija</h1>" in content


# The tasks app of django-tasks' database backend


def test_the_admin_index_shows_task_results_in_lithuanian(staff_client):
    content = page(staff_client.get(reverse("admin:index")))

    assert ">Užduočių rezultatai</a>" in content
    assert "Task Result" not in content


def test_the_task_results_list_reads_lithuanian(staff_client):
    content = page(staff_client.get(reverse("admin:django_tasks_database_dbtaskresult_changelist")))

    assert "<h1>Pasirinkite, ką peržiūrėti: užduoties rezultatas</h1>" in content
    assert re.search(r"<summary>\s*Pagal: prioritetas\s*</summary>", content)
    assert re.search(r"<summary>\s*Pagal: eilės pavadinimas\s*</summary>", content)
    for status in ("Eilėje", "Vykdoma", "Nepavyko", "Pavyko"):
        assert f">{status}</a>" in content


def test_the_admin_index_names_the_tasks_app_in_lithuanian(staff_client):
    content = page(staff_client.get(reverse("admin:index")))

    assert "Tasks Database Backend" not in content
    assert "Foninės užduotys" in content


# The admin's JavaScript catalogue


def test_the_javascript_catalogue_has_the_selector_and_calendar_in_lithuanian(staff_client):
    response = staff_client.get(reverse("admin:jsi18n"))
    assert response.status_code == 200
    content = response.content.decode()
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});", content, flags=re.S).group(1))

    assert catalog["Choose all %s"] == "Pasirinkti visus: %s"
    assert catalog["Remove all %s"] == "Pašalinti visus: %s"
    assert catalog["Available %s"] == "Galima rinktis: %s"
    assert catalog["Chosen %s"] == "Pasirinkta: %s"
    assert catalog['Choose %s by selecting them and then select the "Choose" arrow button.'].startswith(
        "Pažymėkite, ką norite pasirinkti (%s)"
    )
    assert catalog["%s selected option not visible"] == [
        "%s pasirinktas įrašas nerodomas",
        "%s pasirinkti įrašai nerodomi",
        "%s pasirinkto įrašo nerodoma",
        "%s pasirinktų įrašų nerodoma",
    ]
    assert catalog["abbrev. day Monday\x04Mon"] == "Pr"
    assert catalog["Monday"] == "pirmadienis"
    # Django's own Lithuanian, which the project's catalogue adds to, is still there.
    assert catalog["Now"] == "Dabar"
    # The plural formula is Lithuanian's four forms.
    assert "n % 10 == 1" in content


# django-import-export's pages


@pytest.mark.parametrize("name", ["admin:crm_organisation_import", "admin:crm_organisation_export"])
def test_import_and_export_pages_have_a_lithuanian_submit_button(staff_client, name):
    content = page(staff_client.get(reverse(name)))

    assert 'type="submit" class="default" value="Pateikti"' in content
    assert 'value="Submit"' not in content


@pytest.mark.parametrize(("count", "phrase"), [(1, "1 rezultatas"), (3, "3 rezultatai"), (0, "0 rezultatų")])
def test_the_lists_count_is_declined_by_its_number(staff_client, count, phrase):
    for number in range(count):
        OrganisationFactory(name=f"Klasteris {number}")

    content = page(staff_client.get(reverse("admin:crm_organisation_changelist")))

    paginator = content.split('<p class="paginator">', 1)[1].split("</p>", 1)[0]
    assert phrase in paginator


# Permissions, which Django stores in English ("Can add organisation")


def _permission_options(client, url: str) -> list[str]:
    options = re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', page(client.get(url)))
    return [html.unescape(text) for text in options if " | " in text]  # the user's page lists groups too


@pytest.mark.parametrize("form", ["group", "user"])
def test_permissions_are_named_in_the_pages_language(staff_client, superuser, form):
    url = {
        "group": reverse("admin:auth_group_add"),
        "user": reverse("admin:auth_user_change", args=[superuser.pk]),
    }[form]
    lithuanian = _permission_options(staff_client, url)
    english = _permission_options(staff_client, "/en" + url)

    assert "Nariai (CRM) | organizacija | Gali pridėti" in lithuanian
    assert "Nariai (CRM) | organizacija | Gali importuoti organizacijas" in lithuanian
    assert "Nariai (CRM) | organizacijos istorijos įrašas | Gali peržiūrėti" in lithuanian
    assert "Pozicijos dokumentai | pozicijos dokumentas | Gali tvirtinti pozicijos dokumentus" in lithuanian
    assert not [label for label in lithuanian if "Can " in label or "historical" in label.casefold()]
    assert not [label for label in english if "Historical" in label or "_" in label]
    assert "Nariai (CRM) | organizacijos sektorių istorijos įrašas | Gali peržiūrėti" in lithuanian
    assert "Members (CRM) | organisation's tags history entry | Can view" in english
    assert "Members (CRM) | organisation | Can add" in english
    assert "Members (CRM) | organisation history entry | Can view" in english
    assert len(lithuanian) == len(english) == Permission.objects.count()


def test_the_group_page_reads_the_permissions_in_constant_queries(staff_client):
    url = reverse("admin:auth_group_add")
    staff_client.get(url)  # the session and the content types' cache
    with CaptureQueriesContext(connection) as queries:
        staff_client.get(url)
    # The session, the user, the permissions with their content types, the groups: not one a
    # permission.
    assert len(queries) <= 5, [query["sql"] for query in queries]

"""GDPR erasure finds a person's names in any Lithuanian case, not only in the nominative."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm import services
from crm.models import Interaction, Organisation, Person
from tests.factories import AffiliationFactory, InteractionFactory, OrganisationFactory, PersonFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HistoricalPerson = Person.history.model
GONE = "Anonymised person"

Erase = Callable[..., list[str]]


def _contact(first_name: str, last_name: str, *, organisation: Organisation | None = None) -> Person:
    person = PersonFactory(first_name=first_name, last_name=last_name, email="", phone="")
    AffiliationFactory(person=person, organisation=organisation or OrganisationFactory())
    return person


def _organisation_note(person: Person, notes: str) -> Interaction:
    """An interaction logged on the page of the person's organisation, the person not ticked among
    the people involved: a text shared with other people."""
    return InteractionFactory(organisation=person.affiliations.get().organisation, notes=notes)


def _log(user, obj, message) -> None:
    LogEntry.objects.log_actions(user_id=user.pk, queryset=[obj], action_flag=CHANGE, change_message=message)


@pytest.fixture
def erase(superuser) -> Erase:
    """Erase the person, then read the interactions' notes back from the database."""

    def erase(person: Person, *interactions: Interaction) -> list[str]:
        services.person_erase(person=person, user=superuser)
        for interaction in interactions:
            interaction.refresh_from_db()
        return [interaction.notes for interaction in interactions]

    return erase


@pytest.mark.parametrize(
    ("first_name", "last_name", "mention"),
    [
        # Feminine -ė first name, -ienė surname: dative, genitive, instrumental, accusative.
        ("Jūratė", "Kazlauskienė", "Jūratei Kazlauskienei"),
        ("Jūratė", "Kazlauskienė", "Jūratės Kazlauskienės"),
        ("Jūratė", "Kazlauskienė", "Jūrate Kazlauskiene"),
        ("Jūratė", "Kazlauskienė", "Jūratę Kazlauskienę"),
        # Feminine -a first name, -aitė surname.
        ("Rūta", "Jonaitė", "Rūtai Jonaitei"),
        ("Rūta", "Jonaitė", "Rūtos Jonaitės"),
        ("Rūta", "Jonaitė", "Rūta Jonaite"),
        ("Rūta", "Jonaitė", "Rūtą Jonaitę"),
        # Masculine -as first name, -is surname (t alternates with č before io, iui, iu, ių).
        ("Petras", "Petraitis", "Petrui Petraičiui"),
        ("Petras", "Petraitis", "Petro Petraičio"),
        ("Petras", "Petraitis", "Petru Petraičiu"),
        ("Petras", "Petraitis", "Petrą Petraitį"),
        ("Petras", "Petraitis", "Petrai Petraiti"),  # vocative
        # -ius first name, -as surname.
        ("Marius", "Kazlauskas", "Mariui Kazlauskui"),
        ("Marius", "Kazlauskas", "Mariaus Kazlausko"),
        ("Marius", "Kazlauskas", "Mariumi Kazlausku"),
        ("Marius", "Kazlauskas", "Marių Kazlauską"),
        # -us first name and surname.
        ("Mikalojus", "Jankus", "Mikalojui Jankui"),
        ("Mikalojus", "Jankus", "Mikalojaus Jankaus"),
        ("Mikalojus", "Jankus", "Mikalojumi Jankumi"),
        ("Mikalojus", "Jankus", "Mikalojų Jankų"),
        # -ys first name and surname (d alternates with dž).
        ("Kazys", "Gaidys", "Kaziui Gaidžiui"),
        ("Kazys", "Gaidys", "Kazio Gaidžio"),
        ("Kazys", "Gaidys", "Kaziu Gaidžiu"),
        ("Kazys", "Gaidys", "Kazį Gaidį"),
        # -ytė surname (gen. plural with t → č), -ia first name.
        ("Sofia", "Žemaitytė", "Sofiai Žemaitytei"),
        ("Sofia", "Žemaitytė", "Sofios Žemaitytės"),
        # The nominative still, any case, and a double surname declined in both parts.
        ("Jūratė", "Kazlauskienė", "Jūratė Kazlauskienė"),
        ("Jūratė", "Kazlauskienė", "JŪRATEI kazlauskienei"),
        ("Jūratė", "Petraitytė-Kazlauskienė", "Jūratė Petraitytė-Kazlauskienė"),
        ("Jūratė", "Petraitytė-Kazlauskienė", "Jūratei Petraitytei-Kazlauskienei"),
        # A stem in j: the vocative -jau, the locative -jyje.
        ("Tobijas", "Kazlauskas", "Tobijau Kazlauskai"),
        ("Tobijas", "Kazlauskas", "Tobijui Kazlauskui"),
        ("Matijas", "Petraitis", "Matijau Petraiti"),
        # Typed without diacritics, wholly or in part.
        ("Jūratė", "Kazlauskienė", "Juratei Kazlauskienei"),
        ("Jūratė", "Kazlauskienė", "Jurates Kazlauskienes"),
        ("Jūratė", "Kazlauskienė", "JURATE KAZLAUSKIENE"),
        ("Jūratė", "Kazlauskienė", "Juratę Kazlauskiene"),
        ("Sofia", "Žemaitytė", "Sofiai Zemaitytei"),
        ("Petras", "Petraitis", "Petro Petraicio"),
        ("Kazys", "Gaidys", "Kaziui Gaidziui"),
        ("Šarūnas", "Žukauskas", "Sarunui Zukauskui"),
        # Kept in the CRM without diacritics, written with them; or part kept so.
        ("Jurate", "Kazlauskiene", "Jūratei Kazlauskienei"),
        ("Jurate", "Kazlauskiene", "Jūratės Kazlauskienės"),
        ("Sarunas", "Zukauskas", "Šarūnui Žukauskui"),
        ("Sofia", "Zemaityte", "Sofiai Žemaitytei"),
        ("Jūratė", "Kazlauskiene", "Jūratę Kazlauskienę"),
    ],
)
def test_an_inflected_full_name_in_her_organisations_interaction_is_scrubbed(
    erase, first_name, last_name, mention
):
    person = _contact(first_name, last_name)
    interaction = _organisation_note(person, f"Kalbėjome apie {mention}, ačiū.")

    assert erase(person, interaction) == [f"Kalbėjome apie {GONE}, ačiū."]


@pytest.mark.parametrize(
    ("first_name", "last_name", "note", "expected"),
    [
        ("Jūratė", "Kazlauskienė", "Kazlauskienės Jūratės prašymu.", f"{GONE} prašymu."),
        ("Jūratė", "Kazlauskienė", "Kazlauskienei Jūratei išsiųsta.", f"{GONE} išsiųsta."),
        ("Petras", "Petraitis", "Petraičiui Petrui išsiųsta.", f"{GONE} išsiųsta."),
        ("Petras", "Petraitis", "Petraičio  Petro laiškas.", f"{GONE} laiškas."),
        ("Marius", "Kazlauskas", "Kazlausko\nMariaus laiškas.", f"{GONE} laiškas."),
    ],
)
def test_an_inflected_full_name_in_reverse_order_is_scrubbed(erase, first_name, last_name, note, expected):
    person = _contact(first_name, last_name)
    interaction = _organisation_note(person, note)

    assert erase(person, interaction) == [expected]


def test_every_mention_in_subject_and_notes_becomes_one_placeholder(erase):
    person = _contact("Jūratė", "Kazlauskienė")
    interaction = _organisation_note(
        person,
        "Jūratė Kazlauskienė paskambino. Jūratei Kazlauskienei išsiuntėme sutartį, "
        "Kazlauskienės Jūratės atsakymo dar nėra.",
    )
    interaction.subject = "Skambutis Jūratei Kazlauskienei"
    interaction.save()

    assert erase(person, interaction) == [
        f"{GONE} paskambino. {GONE} išsiuntėme sutartį, {GONE} atsakymo dar nėra."
    ]
    assert interaction.subject == f"Skambutis {GONE}"


def test_a_single_inflected_name_stays_in_shared_texts_but_goes_from_her_own_log_and_history(
    erase, superuser
):
    person = _contact("Jūratė", "Kazlauskienė")
    shared = _organisation_note(person, "Jūratei perduota žinutė.")
    person.phone = "+37061234567"
    person._change_reason = "Jūratės prašymu pakeistas telefonas"
    person.save()
    _log(superuser, person, "Pakeista Jūratės ir Kazlauskienei skirta pastaba.")

    assert erase(person, shared) == ["Jūratei perduota žinutė."]  # could be any Jūratė

    entry = LogEntry.objects.get(change_message__startswith="Pakeista")
    assert entry.change_message == f"Pakeista {GONE} ir {GONE} skirta pastaba."
    reasons = list(
        HistoricalPerson.objects.filter(id=person.pk).values_list("history_change_reason", flat=True)
    )
    assert f"{GONE} prašymu pakeistas telefonas" in reasons
    assert not any("Jūrat" in (reason or "") for reason in reasons)


def test_look_alike_words_are_not_scrubbed_in_her_own_log_nor_in_shared_texts(erase, superuser):
    jonas = _contact("Jonas", "Petraitis")
    ruta = _contact("Rūta", "Jonaitė")
    shared = _organisation_note(
        jonas, "Su Jonu Petraičiu Jonavoje; Jonava Petraičiams patiko, Joniškis — ne."
    )
    shared_ruta = _organisation_note(ruta, "Rūtai Jonaitei ir Rūtininkų Jonaitėms pranešta.")
    _log(superuser, jonas, "Jonas persikėlė į Jonavą; Petraitienė liko Joniškyje.")
    _log(superuser, ruta, "Rūtos adresas: Rūtininkų g. 5, Rūtinė.")

    assert erase(jonas, shared) == [f"Su {GONE} Jonavoje; Jonava Petraičiams patiko, Joniškis — ne."]
    assert erase(ruta, shared_ruta) == [f"{GONE} ir Rūtininkų Jonaitėms pranešta."]
    messages = set(LogEntry.objects.values_list("change_message", flat=True))
    assert f"{GONE} persikėlė į Jonavą; Petraitienė liko Joniškyje." in messages
    assert f"{GONE} adresas: Rūtininkų g. 5, Rūtinė." in messages


def test_other_people_named_alike_are_left_alone(erase):
    organisation = OrganisationFactory()
    person = _contact("Jūratė", "Kazlauskienė", organisation=organisation)
    namesake = _contact("Jūratė", "Petraitienė", organisation=organisation)
    husband = _contact("Jonas", "Kazlauskas", organisation=organisation)
    interaction = _organisation_note(
        person,
        "Paskambinau Jūratei Kazlauskienei ir Jūratei Petraitienei; Kazlauskui Jonui — rytoj. "
        "Kazlauskų šeimos sodyba.",
    )

    assert erase(person, interaction) == [
        f"Paskambinau {GONE} ir Jūratei Petraitienei; Kazlauskui Jonui — rytoj. Kazlauskų šeimos sodyba."
    ]
    namesake.refresh_from_db()
    husband.refresh_from_db()
    assert (namesake.full_name, husband.full_name) == ("Jūratė Petraitienė", "Jonas Kazlauskas")


@pytest.mark.parametrize(
    ("first_name", "last_name", "note", "expected"),
    [
        ("John", "Smith", "Dalyvavo John Smith (Londonas).", f"Dalyvavo {GONE} (Londonas)."),
        ("John", "Smith", "Paskambinau Johnui Smithui.", f"Paskambinau {GONE}."),
        (
            "John",
            "Smith",
            "Smitho Johno laiškas; Johnsonas neatsakė.",
            f"{GONE} laiškas; Johnsonas neatsakė.",
        ),
        ("Hans", "Müller", "Išsiuntėme Hansui Mülleriui.", f"Išsiuntėme {GONE}."),
        ("Anna", "Müller", "Paskambinau Annai Müller.", f"Paskambinau {GONE}."),
        ("Anna", "Müller", "Anna Müller ir Annabelle Müller.", f"{GONE} ir Annabelle Müller."),
    ],
)
def test_foreign_names_match_as_written_and_with_lithuanian_endings(
    erase, first_name, last_name, note, expected
):
    person = _contact(first_name, last_name)
    interaction = _organisation_note(person, note)

    assert erase(person, interaction) == [expected]


def test_inflected_mentions_are_found_anywhere_and_in_the_admins_escaped_json(erase, superuser):
    """The database prefilter looks for stems, so texts that name her only in another case are
    found: an interaction of an organisation she never belonged to, another object's admin log
    entry, the admin's JSON message (its non-ASCII letters escaped)."""
    petras = _contact("Petras", "Petraitis")
    elsewhere = InteractionFactory(
        organisation=OrganisationFactory(name="Kitas klasteris"),
        subject="Petro Petraičio rekomendacija",
        notes="Rekomendavo Petraičiui Petrui.",
    )
    _log(superuser, elsewhere, "Pridėta Petro Petraičio rekomendacija.")
    jurate = _contact("Jūratė", "Kazlauskienė")
    other = OrganisationFactory(name="Trečias klasteris")
    _log(superuser, other, [{"added": {"name": "note", "object": "Jūratės Kazlauskienės pastaba"}}])

    assert erase(petras, elsewhere) == [f"Rekomendavo {GONE}."]
    erase(jurate)

    assert elsewhere.subject == f"{GONE} rekomendacija"
    interaction_entry = LogEntry.objects.get(object_id=str(elsewhere.pk), content_type__model="interaction")
    assert interaction_entry.change_message == f"Pridėta {GONE} rekomendacija."
    organisation_entry = LogEntry.objects.get(object_id=str(other.pk), content_type__model="organisation")
    assert organisation_entry.get_change_message() == f"Added note “{GONE} pastaba”."


def test_mentions_typed_without_diacritics_are_found_anywhere(erase, superuser):
    """The database prefilter finds the stems typed without diacritics too ("Jurat" for "Jūrat"),
    in an interaction of an organisation she never belonged to and in other objects' log entries,
    the admin's JSON message included; her own history loses a single name typed so."""
    jurate = _contact("Jūratė", "Kazlauskienė")
    jurate.phone = "+37061234567"
    jurate._change_reason = "Jurates prasymu pakeistas telefonas"
    jurate.save()
    elsewhere = InteractionFactory(
        organisation=OrganisationFactory(name="Kitas klasteris"),
        subject="Skambutis JURATEI KAZLAUSKIENEI",
        notes="Paskambinau Juratei Kazlauskienei, o Jurgitai Kazlauskaitei rytoj.",
    )
    _log(superuser, elsewhere, "Pridėta Jurates Kazlauskienes pastaba.")
    other = OrganisationFactory(name="Trečias klasteris")
    _log(superuser, other, [{"added": {"name": "note", "object": "Jurates Kazlauskienes pastaba"}}])

    assert erase(jurate, elsewhere) == [f"Paskambinau {GONE}, o Jurgitai Kazlauskaitei rytoj."]

    assert elsewhere.subject == f"Skambutis {GONE}"
    interaction_entry = LogEntry.objects.get(object_id=str(elsewhere.pk), content_type__model="interaction")
    assert interaction_entry.change_message == f"Pridėta {GONE} pastaba."
    organisation_entry = LogEntry.objects.get(object_id=str(other.pk), content_type__model="organisation")
    assert organisation_entry.get_change_message() == f"Added note “{GONE} pastaba”."
    reasons = HistoricalPerson.objects.filter(id=jurate.pk).values_list("history_change_reason", flat=True)
    assert f"{GONE} prasymu pakeistas telefonas" in reasons


def test_a_name_wholly_of_letters_with_diacritics_is_found_without_them(erase):
    """A stem may hold no ASCII letter that is sure ("Ūla Šležė": "_l" and "_le_"): the prefilter
    lets more through, the pattern decides."""
    person = _contact("Ūla", "Šležė")
    elsewhere = InteractionFactory(
        organisation=OrganisationFactory(name="Kitas klasteris"),
        notes="Ulai Slezei išsiųsta; Ulos Slezes atsakymas; ula slesei, Alai Alezei — ne.",
    )

    assert erase(person, elsewhere) == [f"{GONE} išsiųsta; {GONE} atsakymas; ula slesei, Alai Alezei — ne."]


def test_look_alike_words_typed_without_diacritics_are_not_scrubbed(erase, superuser):
    jonas = _contact("Jonas", "Petraitis")
    shared = _organisation_note(
        jonas, "Su Jonu Petraiciu Jonavoje; Jonava Petraiciams patiko, Joniskis — ne."
    )
    _log(superuser, jonas, "Jonas persikele i Jonava; Petraitiene liko Joniskyje.")

    assert erase(jonas, shared) == [f"Su {GONE} Jonavoje; Jonava Petraiciams patiko, Joniskis — ne."]
    messages = set(LogEntry.objects.values_list("change_message", flat=True))
    assert f"{GONE} persikele i Jonava; Petraitiene liko Joniskyje." in messages


def test_a_name_kept_without_diacritics_is_found_written_with_them_anywhere(erase, superuser):
    """The prefilter takes either letter where a Lithuanian one may be written ("Jurat" finds
    "Jūrat"): an interaction of an organisation she never belonged to and other objects' log."""
    jurate = _contact("Jurate", "Kazlauskiene")
    elsewhere = InteractionFactory(
        organisation=OrganisationFactory(name="Kitas klasteris"),
        subject="Skambutis Jūratei Kazlauskienei",
        notes="Jūratės Kazlauskienės laiškas; Jūra ir Jurgita Kazlauskaitė — ne.",
    )
    _log(superuser, elsewhere, "Pridėta Jūratės Kazlauskienės pastaba.")

    assert erase(jurate, elsewhere) == [f"{GONE} laiškas; Jūra ir Jurgita Kazlauskaitė — ne."]

    assert elsewhere.subject == f"Skambutis {GONE}"
    entry = LogEntry.objects.get(object_id=str(elsewhere.pk), content_type__model="interaction")
    assert entry.change_message == f"Pridėta {GONE} pastaba."


def test_a_text_with_decomposed_letters_is_scrubbed_and_other_texts_keep_their_form(erase):
    """ "ū" may come as "u" and a combining macron (pasted from a PDF): such a mention is found; a
    text naming nobody keeps its characters as they were."""
    person = _contact("Jūratė", "Kazlauskienė")
    decomposed = unicodedata.normalize("NFD", "Jūratei Kazlauskienei išsiųsta.")
    mention = _organisation_note(person, decomposed)
    untouched = _organisation_note(person, unicodedata.normalize("NFD", "Jūra išsiųsta."))
    # Of an organisation she never belonged to: found by the database's prefilter.
    elsewhere = InteractionFactory(
        organisation=OrganisationFactory(name="Kitas klasteris"),
        notes=unicodedata.normalize("NFD", "Jūratės Kazlauskienės laiškas."),
    )

    assert erase(person, mention, untouched, elsewhere) == [
        f"{GONE} išsiųsta.",
        unicodedata.normalize("NFD", "Jūra išsiųsta."),
        f"{GONE} laiškas.",
    ]


def test_e_mails_and_phones_stay_exact(erase):
    person = PersonFactory(
        first_name="Rūta", last_name="Jonaitė", email="ruta@klasteris.lt", phone="+37061234567"
    )
    AffiliationFactory(person=person)
    interaction = _organisation_note(
        person, "Rašyti ruta@klasteris.lt arba ruta@klasteris.lto, skambinti +37061234567 / +370612345678."
    )

    assert erase(person, interaction) == [
        f"Rašyti {GONE} arba ruta@klasteris.lto, skambinti {GONE} / +370612345678."
    ]


def test_the_number_of_queries_does_not_grow_with_the_texts_the_prefilter_lets_through(superuser):
    def queries_for(noise: int) -> int:
        person = _contact("Jūratė", "Kazlauskienė")
        for _ in range(noise):
            # Has the stems "Jūra" and "Kazlauskien" but names someone else.
            InteractionFactory(notes="Jūra, Jūratė Kazlauskienytė ir Jūratės Kazlauskienėlės laiškas.")
        with CaptureQueriesContext(connection) as queries:
            services.person_erase(person=person, user=superuser)
        return len(queries)

    queries_for(0)  # caches (content types) warmed up
    assert queries_for(1) == queries_for(6)
    assert Interaction.objects.filter(notes__startswith="Jūra, Jūratė Kazlauskienytė").count() == 7


@pytest.mark.parametrize(
    ("first_name", "last_name", "mention"),
    [
        # A double surname kept with a hyphen, written with a dash by a word processor.
        ("Eglė", "Kazlauskaitė-Rimkienė", "Eglė Kazlauskaitė–Rimkienė"),
        ("Eglė", "Kazlauskaitė-Rimkienė", "Eglei Kazlauskaitei — Rimkienei"),
        ("Eglė", "Kazlauskaitė–Rimkienė", "Eglės Kazlauskaitės-Rimkienės"),
        # An apostrophe as typed and as a word processor writes it.
        ("Seán", "O'Neill", "Seán O’Neill"),
        ("Seán", "O’Neill", "Seán O'Neill"),
    ],
)
def test_a_name_is_found_whatever_dash_or_apostrophe_writes_it(erase, first_name, last_name, mention):
    person = _contact(first_name, last_name)
    note = _organisation_note(person, f"Susitikime dalyvavo {mention} ir Jonas Petraitis.")

    assert erase(person, note) == [f"Susitikime dalyvavo {GONE} ir Jonas Petraitis."]

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.test import Client
from django.urls import reverse
from django.utils import translation

from crm import services
from crm.models import Affiliation, Interaction, Membership, Organisation, Payment, Person
from tests.admin_forms import change_form_data
from tests.factories import (
    AffiliationFactory,
    InteractionFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HistoricalPerson = Person.history.model
HistoricalAffiliation = Affiliation.history.model
TRACES = ["Jūratė", "Žemaitytė", "Petrauskienė", "jurate@klasteris.lt", "jurate@gmail.com", "+37061234567"]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def jurate(superuser):
    """A contact with everything personal: names that changed, two e-mails, consents, notes,
    a job, interactions and admin log entries that mention her."""
    organisation = OrganisationFactory(name="Lazerių klasteris")
    person = PersonFactory(
        first_name="Jūratė",
        last_name="Petrauskienė",
        email="jurate@gmail.com",
        phone="+37061234567",
        notes="Skambinti po 14 val.",
        consent_consultations=True,
        consent_consultations_at=datetime.datetime(2025, 5, 4, 10, 0, tzinfo=datetime.UTC),
        consent_consultations_source=Person.ConsentSource.FORM,
    )
    person.last_name = "Žemaitytė"
    person.email = "jurate@klasteris.lt"
    person.save()
    AffiliationFactory(
        person=person, organisation=organisation, job_title="Direktorė", is_primary=True, role="director"
    )
    AffiliationFactory(organisation=organisation)
    interaction = InteractionFactory(
        organisation=organisation,
        subject="Susitikimas su Jūratė Žemaitytė",
        notes="Jūratė Žemaitytė (jurate@klasteris.lt) pristatė klasterio strategiją.",
    )
    interaction.people.add(person)
    # What the admin writes when she is edited, when she is added inline on the organisation, and
    # when the interaction naming her is logged.
    LogEntry.objects.log_actions(
        user_id=superuser.pk, queryset=[interaction], action_flag=CHANGE, change_message="Pakeista."
    )
    LogEntry.objects.log_actions(
        user_id=superuser.pk,
        queryset=[person],
        action_flag=CHANGE,
        change_message=[{"changed": {"fields": ["Last name", "E-mail"]}}],
    )
    LogEntry.objects.log_actions(
        user_id=superuser.pk,
        queryset=[organisation],
        action_flag=CHANGE,
        change_message=[{"added": {"name": "affiliation", "object": "Jūratė Žemaitytė — Lazerių klasteris"}}],
    )
    return person


def test_export_contains_the_person_affiliations_interactions_consents_and_history(jurate):
    data = services.person_data_export(person=jurate)

    assert data["person"]["first_name"] == "Jūratė"
    assert data["person"]["last_name"] == "Žemaitytė"
    assert data["person"]["email"] == "jurate@klasteris.lt"
    assert data["person"]["phone"] == "+37061234567"
    assert data["person"]["notes"] == "Skambinti po 14 val."
    [affiliation] = data["affiliations"]
    assert affiliation["organisation"] == "Lazerių klasteris"
    assert affiliation["job_title"] == "Direktorė"
    assert affiliation["primary_contact"] is True
    [interaction] = data["interactions"]
    assert interaction["subject"] == "Susitikimas su Jūratė Žemaitytė"
    assert interaction["organisation"] == "Lazerių klasteris"
    consultations = next(c for c in data["consents"] if c["purpose"] == "consultations")
    assert consultations == {
        "purpose": "consultations",
        "given": True,
        "given_at": "2025-05-04T13:00:00+03:00",
        "source": "form",
    }
    assert [entry["last_name"] for entry in data["history"]] == ["Petrauskienė", "Žemaitytė"]
    assert [entry["email"] for entry in data["history"]] == ["jurate@gmail.com", "jurate@klasteris.lt"]
    json.dumps(data)  # JSON-ready as it is


def test_export_action_downloads_utf8_json_with_readable_diacritics(jurate, administrator):
    response = _client(administrator).post(
        reverse("admin:crm_person_changelist"),
        {"action": "export_personal_data", "_selected_action": [jurate.pk]},
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="person-{jurate.pk}-data.json"'
    body = response.content.decode("utf-8")
    assert "Žemaitytė" in body
    assert "Lazerių klasteris" in body
    assert "\\u" not in body
    assert json.loads(body)["person"]["email"] == "jurate@klasteris.lt"
    assert LogEntry.objects.filter(
        object_id=str(jurate.pk), change_message="Exported the person's data (GDPR)."
    ).exists()


def test_export_action_wants_exactly_one_person(jurate, administrator):
    other = PersonFactory()

    response = _client(administrator).post(
        reverse("admin:crm_person_changelist"),
        {"action": "export_personal_data", "_selected_action": [jurate.pk, other.pk]},
        follow=True,
    )

    assert response["Content-Type"].startswith("text/html")
    assert "Select exactly one person to export." in response.content.decode()


def test_erasure_leaves_no_trace_of_the_name_or_e_mail_in_the_person_or_its_history(jurate, superuser):
    services.person_erase(person=jurate, user=superuser)

    jurate.refresh_from_db()
    assert jurate.first_name == "Anonymised person"
    assert jurate.last_name == f"#{jurate.pk}"
    assert (jurate.email, jurate.phone, jurate.notes) == ("", "", "")
    assert not jurate.consent_consultations
    assert jurate.consent_consultations_at is None
    assert jurate.consent_consultations_source == ""
    assert jurate.anonymised_at is not None
    history = HistoricalPerson.objects.filter(id=jurate.pk)
    assert history.count() == 3  # created, renamed, erased
    everything = serializers.serialize("json", [jurate, *history, *HistoricalAffiliation.objects.all()])
    for trace in TRACES:
        assert trace not in everything
    assert "Direktorė" not in everything


def test_erasure_keeps_affiliations_interactions_and_organisation_counts(jurate, superuser):
    organisation = Organisation.objects.get(name="Lazerių klasteris")
    interaction = Interaction.objects.get()

    services.person_erase(person=jurate, user=superuser)

    assert organisation.affiliations.count() == 2
    affiliation = Affiliation.objects.get(person=jurate)
    assert affiliation.organisation == organisation
    assert affiliation.role == Affiliation.Role.DIRECTOR
    assert (affiliation.job_title, affiliation.is_primary, affiliation.receives_consultations) == (
        "",
        False,
        False,
    )
    assert list(interaction.people.all()) == [jurate]
    interaction.refresh_from_db()
    assert interaction.subject == "Susitikimas su Anonymised person"
    for trace in TRACES:
        assert trace not in interaction.notes


def test_erasure_is_logged_without_the_erased_data(jurate, superuser):
    services.person_erase(person=jurate, user=superuser)

    entry = LogEntry.objects.filter(object_id=str(jurate.pk), content_type__model="person").latest("pk")
    assert entry.user == superuser
    assert entry.change_message == "Personal data erased (GDPR)."
    assert entry.object_repr == f"Anonymised person #{jurate.pk}"
    # No log entry anywhere still names her, and the admin's JSON messages still read as JSON.
    everything = serializers.serialize("json", LogEntry.objects.all())
    for trace in TRACES:
        assert trace not in everything
    organisation_entry = LogEntry.objects.get(content_type=ContentType.objects.get_for_model(Organisation))
    assert (
        organisation_entry.get_change_message()
        == "Added affiliation “Anonymised person — Lazerių klasteris”."
    )


def test_erasure_after_a_merge_also_removes_the_merged_away_names(superuser):
    survivor = PersonFactory(first_name="Jūratė", last_name="Žemaitytė", email="jurate@klasteris.lt")
    other = PersonFactory(first_name="Jurate", last_name="Zemaityte", email="jurate@gmail.com")
    services.person_merge(survivor=survivor, others=[other], user=superuser)

    services.person_erase(person=survivor, user=superuser)

    everything = serializers.serialize(
        "json", [*HistoricalPerson.objects.all(), *LogEntry.objects.all(), *Person.objects.all()]
    )
    for trace in ["Jūratė", "Jurate", "Žemaitytė", "Zemaityte", "jurate@"]:
        assert trace not in everything


def test_erasure_does_not_touch_other_people_in_shared_texts(jurate, superuser):
    colleague = PersonFactory(first_name="Jūratė", last_name="Kazlauskienė")
    interaction = Interaction.objects.get()
    interaction.notes += " Dalyvavo ir Jūratė Kazlauskienė."
    interaction.save()

    services.person_erase(person=jurate, user=superuser)

    interaction.refresh_from_db()
    assert "Jūratė Kazlauskienė" in interaction.notes
    colleague.refresh_from_db()
    assert colleague.full_name == "Jūratė Kazlauskienė"


def test_erase_action_asks_for_confirmation_then_erases(jurate, administrator):
    client = _client(administrator)
    changelist = reverse("admin:crm_person_changelist")
    selection = {"action": "erase_personal_data", "_selected_action": [jurate.pk]}

    confirmation = client.post(changelist, {**selection, "index": 0})

    assert confirmation.status_code == 200
    assert "Jūratė Žemaitytė" in confirmation.content.decode()
    assert "This cannot be undone." in confirmation.content.decode()
    assert Person.objects.get(pk=jurate.pk).anonymised_at is None

    done = client.post(changelist, {**selection, "post": "yes"})

    assert done.status_code == 302
    jurate.refresh_from_db()
    assert jurate.anonymised_at is not None
    assert LogEntry.objects.filter(user=administrator, change_message="Personal data erased (GDPR).").exists()


@pytest.mark.parametrize("role", ["superuser", "administrator"])
def test_the_gdpr_actions_are_offered_to_administrators(request, role):
    PersonFactory()

    html = _client(request.getfixturevalue(role)).get(reverse("admin:crm_person_changelist")).content.decode()

    assert 'value="export_personal_data"' in html
    assert 'value="erase_personal_data"' in html


@pytest.mark.parametrize("role", ["crm_editor", "policy_officer", "read_only_user"])
def test_other_roles_do_not_see_the_gdpr_actions(request, role):
    PersonFactory()

    html = _client(request.getfixturevalue(role)).get(reverse("admin:crm_person_changelist")).content.decode()

    assert 'value="export_personal_data"' not in html
    assert 'value="erase_personal_data"' not in html


def test_a_crm_editor_cannot_erase_or_export_by_posting_the_action(jurate, crm_editor):
    client = _client(crm_editor)
    changelist = reverse("admin:crm_person_changelist")

    for action in ("erase_personal_data", "export_personal_data"):
        response = client.post(changelist, {"action": action, "_selected_action": [jurate.pk], "post": "yes"})
        assert not response.get("Content-Disposition")

    jurate.refresh_from_db()
    assert jurate.anonymised_at is None
    assert jurate.last_name == "Žemaitytė"


def test_erasure_scrubs_interactions_of_her_organisation_that_name_her_without_listing_her(superuser):
    organisation = OrganisationFactory(name="Lazerių klasteris")
    person = PersonFactory(
        first_name="Jūratė", last_name="Žemaitytė", email="jurate@klasteris.lt", phone="+37061234567"
    )
    AffiliationFactory(person=person, organisation=organisation)
    # Logged on the organisation's page; she is not ticked among the people involved.
    call = InteractionFactory(
        organisation=organisation,
        kind=Interaction.Kind.CALL,
        subject="Skambutis: Žemaitytė Jūratė",
        notes="Kalbėjome su Jūratė Žemaitytė (jurate@klasteris.lt, +37061234567) ir Jonu Petraičiu.",
    )
    untouched = InteractionFactory(organisation=organisation, notes="Kalbėjome su Jonu Petraičiu.")

    services.person_erase(person=person, user=superuser)

    call.refresh_from_db()
    assert call.subject == "Skambutis: Anonymised person"
    assert call.notes == (
        "Kalbėjome su Anonymised person (Anonymised person, Anonymised person) ir Jonu Petraičiu."
    )
    untouched.refresh_from_db()
    assert (untouched.subject, untouched.notes) == (
        "Susitikimas dėl klasterių finansavimo",
        "Kalbėjome su Jonu Petraičiu.",
    )


def test_erasure_scrubs_interactions_of_an_organisation_she_has_left(superuser):
    organisation = OrganisationFactory(name="Lazerių klasteris")
    person = PersonFactory(first_name="Jūratė", last_name="Žemaitytė", email="jurate@klasteris.lt")
    AffiliationFactory(person=person, organisation=organisation).delete()  # she left; the history stays
    meeting = InteractionFactory(organisation=organisation, notes="Dalyvavo Jūratė Žemaitytė.")

    services.person_erase(person=person, user=superuser)

    meeting.refresh_from_db()
    assert meeting.notes == "Dalyvavo Anonymised person."


def test_erasure_scrubs_any_interaction_that_names_her(superuser):
    person = PersonFactory(first_name="Jūratė", last_name="Žemaitytė", email="jurate@klasteris.lt")
    elsewhere = InteractionFactory(
        organisation=OrganisationFactory(name="Kitas klasteris"),
        subject="Rekomendacija",
        notes="Rekomendavo JURATE@klasteris.lt savininkė.",
    )
    namesake = InteractionFactory(notes="Dalyvavo Jūratė Kazlauskienė.")

    services.person_erase(person=person, user=superuser)

    elsewhere.refresh_from_db()
    assert elsewhere.notes == "Rekomendavo Anonymised person savininkė."
    namesake.refresh_from_db()
    assert namesake.notes == "Dalyvavo Jūratė Kazlauskienė."


def test_erasure_scrubs_organisations_descriptions_and_membership_notes_and_their_history(superuser):
    organisation = OrganisationFactory(
        name="Lazerių klasteris",
        description="Kontaktinis asmuo – Jūratė Žemaitytė, tel. +37061234567. Steigėjas – Jonas Petraitis.",
    )
    person = PersonFactory(
        first_name="Jūratė", last_name="Žemaitytė", email="jurate@klasteris.lt", phone="+37061234567"
    )
    membership = MembershipFactory(
        organisation=OrganisationFactory(name="Kitas klasteris"),
        notes="Mokestį sumokės Jūratei Žemaitytei grįžus (jurate@klasteris.lt).",
    )
    # Changed since: the earlier texts are in the history.
    organisation.description += " Atnaujinta."
    organisation.save()
    untouched = OrganisationFactory(name="Trečias klasteris", description="Steigėjas – Jonas Petraitis.")

    services.person_erase(person=person, user=superuser)

    organisation.refresh_from_db()
    membership.refresh_from_db()
    assert organisation.description == (
        "Kontaktinis asmuo – Anonymised person, tel. Anonymised person. Steigėjas – Jonas Petraitis. Atnaujinta."
    )
    assert membership.notes == "Mokestį sumokės Anonymised person grįžus (Anonymised person)."
    kept = [
        *Organisation.history.model.objects.values_list("description", flat=True),
        *Membership.history.model.objects.values_list("notes", flat=True),
    ]
    assert kept and not [
        text for text in kept if any(trace in text for trace in ("Jūrat", "Žemait", "jurate@"))
    ]
    untouched.refresh_from_db()
    assert untouched.description == "Steigėjas – Jonas Petraitis."


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_erase_action_anonymises_the_person_outside_any_surrounding_transaction(administrator):
    # The admin's actions run in no transaction of their own, and the test none around them: the
    # erasure must open its own to lock the person (PostgreSQL refuses a lock outside one).
    person = PersonFactory(first_name="Jūratė", last_name="Žemaitytė", email="jurate@klasteris.lt")
    client = _client(administrator)
    client.raise_request_exception = True

    response = client.post(
        reverse("admin:crm_person_changelist"),
        {"action": "erase_personal_data", "_selected_action": [person.pk], "post": "yes"},
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.anonymised_at is not None
    assert person.full_name == f"Anonymised person #{person.pk}"
    assert person.email == ""


PHONE_FORMS = [
    "8 612 34567",
    "861234567",
    "+370 612 34567",
    "(8 612) 34567",
    "8-612-34567",
    "00370 612 34567",
    "8.612.34567",
    "+37061234567",
]


@pytest.mark.parametrize("written", PHONE_FORMS)
def test_erasure_scrubs_her_phone_however_it_is_written(superuser, written):
    organisation = OrganisationFactory(name="Lazerių klasteris")
    person = PersonFactory(first_name="Jūratė", last_name="Žemaitytė", phone="+37061234567")
    AffiliationFactory(person=person, organisation=organisation)
    call = InteractionFactory(organisation=organisation, notes=f"Perskambinti tel. {written} po pietų.")

    services.person_erase(person=person, user=superuser)

    call.refresh_from_db()
    assert call.notes == "Perskambinti tel. Anonymised person po pietų."


def test_erasure_finds_her_phone_written_otherwise_in_texts_not_linked_to_her(superuser):
    # Neither her organisation's nor one she took part in: only the database's prefilter finds them.
    person = PersonFactory(first_name="Jūratė", last_name="Žemaitytė", phone="+37061234567")
    elsewhere = InteractionFactory(
        organisation=OrganisationFactory(name="Kitas klasteris"), notes="Rekomendavo skambinti (8 612) 34567."
    )
    described = OrganisationFactory(name="Trečias klasteris", description="Kontaktas: 8 612 34567.")
    membership = MembershipFactory(notes="Apie mokestį: +370 612 34567")
    LogEntry.objects.log_actions(
        user_id=superuser.pk,
        queryset=[described],
        action_flag=CHANGE,
        change_message="Pridėtas kontaktas 8-612-34567.",
    )

    services.person_erase(person=person, user=superuser)

    elsewhere.refresh_from_db()
    described.refresh_from_db()
    membership.refresh_from_db()
    assert elsewhere.notes == "Rekomendavo skambinti Anonymised person."
    assert described.description == "Kontaktas: Anonymised person."
    assert membership.notes == "Apie mokestį: Anonymised person"
    entry = LogEntry.objects.get(content_type=ContentType.objects.get_for_model(Organisation))
    assert entry.change_message == "Pridėtas kontaktas Anonymised person."
    history = Organisation.history.model.objects.filter(id=described.pk)
    assert not history.filter(description__contains="34567").exists()


def test_erasure_leaves_other_numbers_alone(superuser):
    organisation = OrganisationFactory(name="Lazerių klasteris")
    person = PersonFactory(first_name="Jūratė", last_name="Žemaitytė", phone="+37061234567")
    AffiliationFactory(person=person, organisation=organisation)
    others = (
        "Kolegos tel. 8 612 34568; įmonės kodas 302861234567; sąskaita 1612345678; "
        "užsakymas 1-861234567; jos tel. 8 612 34567."
    )
    call = InteractionFactory(organisation=organisation, notes=others)

    services.person_erase(person=person, user=superuser)

    call.refresh_from_db()
    assert call.notes == (
        "Kolegos tel. 8 612 34568; įmonės kodas 302861234567; sąskaita 1612345678; "
        "užsakymas 1-861234567; jos tel. Anonymised person."
    )


def test_erasure_scrubs_a_landline_with_its_extension_not_the_switchboard_nor_a_colleagues(superuser):
    person = PersonFactory(first_name="Jūratė", last_name="Žemaitytė", phone="+37052123456 ext. 12")
    call = InteractionFactory(
        notes="Tel. (8 5) 212 3456, vid. 12; (papild. 12) ne: +370 5 212 3456 ext. 12. "
        "Centrinis +370 5 212 3456, kolegos 8 5 212 3456 ext. 34."
    )

    services.person_erase(person=person, user=superuser)

    call.refresh_from_db()
    # The number without her extension is the organisation's, which her colleagues share.
    assert call.notes == (
        "Tel. Anonymised person; (papild. 12) ne: Anonymised person. "
        "Centrinis +370 5 212 3456, kolegos 8 5 212 3456 ext. 34."
    )


@pytest.mark.parametrize(
    "written", ["37061234567", "wa.me/37061234567", "370-612-34567", "370 612 34567", "00370 612 34567"]
)
def test_erasure_scrubs_a_phone_written_with_its_country_code_without_the_plus(superuser, written):
    organisation = OrganisationFactory(name="Lazerių klasteris")
    person = PersonFactory(first_name="Jūratė", last_name="Žemaitytė", phone="+37061234567")
    AffiliationFactory(person=person, organisation=organisation)
    call = InteractionFactory(organisation=organisation, notes=f"Jos tel. {written}; kodas 137061234567.")

    services.person_erase(person=person, user=superuser)

    call.refresh_from_db()
    assert "34567;" not in call.notes
    assert call.notes.endswith("Anonymised person; kodas 137061234567.")


def _traces_kept(*, except_of: Person | None = None) -> str:
    """Everything the history tables and the admin log hold (but the history of the person
    `except_of`, a namesake), as one text."""
    people, affiliations = HistoricalPerson.objects.all(), HistoricalAffiliation.objects.all()
    if except_of is not None:
        people, affiliations = people.exclude(id=except_of.pk), affiliations.exclude(person=except_of)
    return serializers.serialize("json", [*people, *affiliations, *LogEntry.objects.all()])


def test_deleting_a_person_in_the_admin_leaves_no_trace_in_the_history_or_the_log(jurate, crm_editor):
    affiliation = Affiliation.objects.get(person=jurate)
    LogEntry.objects.log_actions(
        user_id=crm_editor.pk, queryset=[affiliation], action_flag=CHANGE, change_message="Pakeista."
    )
    colleague = Affiliation.objects.exclude(person=jurate).get()  # "Jūratė Žemaitytė-1"
    assert "Žemaitytė" in _traces_kept(except_of=colleague.person)

    response = _client(crm_editor).post(reverse("admin:crm_person_delete", args=[jurate.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Person.objects.filter(pk=jurate.pk).exists()
    assert not HistoricalPerson.objects.filter(id=jurate.pk).exists()
    assert not HistoricalAffiliation.objects.filter(person_id=jurate.pk).exists()
    kept = _traces_kept(except_of=colleague.person)
    for trace in [*TRACES, "Direktorė"]:
        assert trace not in kept
    # The deletion is logged, without her name; the organisation's log keeps what happened.
    deletion = LogEntry.objects.get(action_flag=DELETION)
    assert (deletion.user, deletion.object_id, deletion.object_repr) == (
        crm_editor,
        str(jurate.pk),
        "Deleted person",
    )
    organisation_entry = LogEntry.objects.get(content_type=ContentType.objects.get_for_model(Organisation))
    assert (
        organisation_entry.get_change_message() == "Added affiliation “Deleted person — Lazerių klasteris”."
    )
    affiliation_entry = LogEntry.objects.get(content_type=ContentType.objects.get_for_model(Affiliation))
    assert affiliation_entry.object_repr == "Deleted person — Lazerių klasteris"
    # Other people's history stays.
    assert HistoricalAffiliation.objects.filter(id=colleague.pk).exists()
    assert HistoricalPerson.objects.filter(id=colleague.person_id).exists()


def test_deleting_persons_with_the_list_action_leaves_no_trace_in_the_history_or_the_log(crm_editor):
    organisation = OrganisationFactory(name="Lazerių klasteris")
    jurate = PersonFactory(
        first_name="Jūratė",
        last_name="Žemaitytė",
        email="jurate@klasteris.lt",
        phone="+37061234567",
        consent_consultations=False,
        consent_consultations_at=None,
        consent_consultations_source="",
    )
    petras = PersonFactory(first_name="Petras", last_name="Petraitis", email="petras@klasteris.lt")
    AffiliationFactory(person=jurate, organisation=organisation, job_title="Direktorė")
    AffiliationFactory(person=petras, organisation=organisation)
    kept_person = PersonFactory(first_name="Jonas", last_name="Jonaitis", email="jonas@klasteris.lt")
    client = _client(crm_editor)
    # Edited in the admin first: the log and the history hold her names and contacts.
    page = reverse("admin:crm_person_change", args=[jurate.pk])
    edited = client.post(page, {**change_form_data(client.get(page)), "notes": "Skambinti vakare."})
    assert edited.status_code == 302
    assert LogEntry.objects.get(action_flag=CHANGE).object_repr == "Jūratė Žemaitytė"

    response = client.post(
        reverse("admin:crm_person_changelist"),
        {"action": "delete_selected", "_selected_action": [jurate.pk, petras.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert list(Person.objects.all()) == [kept_person]
    kept = _traces_kept()
    for trace in ["Jūratė", "Žemaitytė", "jurate@", "+37061234567", "Direktorė", "Petras", "Petraitis"]:
        assert trace not in kept
    assert sorted(LogEntry.objects.filter(action_flag=DELETION).values_list("object_repr", flat=True)) == [
        "Deleted person",
        "Deleted person",
    ]
    assert HistoricalPerson.objects.filter(id=kept_person.pk).exists()


def test_deleting_a_merged_person_also_removes_the_merged_away_records_history(superuser, crm_editor):
    survivor = PersonFactory(first_name="Jūratė", last_name="Žemaitytė", email="jurate@klasteris.lt")
    other = PersonFactory(first_name="Jurate", last_name="Zemaityte", email="jurate@gmail.com")
    LogEntry.objects.log_actions(
        user_id=superuser.pk, queryset=[other], action_flag=CHANGE, change_message="Pakeista."
    )
    services.person_merge(survivor=survivor, others=[other], user=superuser)

    _client(crm_editor).post(reverse("admin:crm_person_delete", args=[survivor.pk]), {"post": "yes"})

    assert not Person.objects.exists()
    kept = _traces_kept()
    for trace in ["Jūratė", "Jurate", "Žemaitytė", "Zemaityte", "jurate@"]:
        assert trace not in kept


def test_erasure_scrubs_organisations_internal_notes(superuser):
    person = PersonFactory(first_name="Jūratė", last_name="Žemaitytė", email="jurate@klasteris.lt")
    organisation = OrganisationFactory(notes="Sujungtas įrašas Nr. 7: el. paštas: jurate@klasteris.lt")

    services.person_erase(person=person, user=superuser)

    organisation.refresh_from_db()
    assert organisation.notes == "Sujungtas įrašas Nr. 7: el. paštas: Anonymised person"


def test_erasure_scrubs_other_persons_notes_naming_her_and_their_history(superuser):
    jurate = PersonFactory(
        first_name="Jūratė", last_name="Kazlauskienė", email="jurate@klasteris.lt", phone="+37061234567"
    )
    colleague = PersonFactory(
        first_name="Jonas",
        last_name="Petraitis",
        notes="Atostogų metu pavaduoja Jūratė Kazlauskienė (jurate@klasteris.lt, 8 612 34567).",
    )
    # Changed since: the earlier text is in the history.
    colleague.notes += " Skambinti rytais."
    colleague.save()
    untouched = PersonFactory(notes="Pavaduoja Jonas Petraitis.")

    services.person_erase(person=jurate, user=superuser)

    colleague.refresh_from_db()
    assert colleague.notes == (
        "Atostogų metu pavaduoja Anonymised person (Anonymised person, Anonymised person). Skambinti rytais."
    )
    kept = list(HistoricalPerson.objects.filter(id=colleague.pk).values_list("notes", flat=True))
    assert len(kept) == 2
    assert not [
        text for text in kept if any(trace in text for trace in ("Jūrat", "Kazlausk", "jurate@", "34567"))
    ]
    untouched.refresh_from_db()
    assert untouched.notes == "Pavaduoja Jonas Petraitis."
    assert colleague.full_name == "Jonas Petraitis"


def test_a_second_erasure_scrubs_what_was_typed_into_the_erased_record_since(superuser):
    organisation = OrganisationFactory(name="Lazerių klasteris")
    ruta = PersonFactory(first_name="Rūta", last_name="Kazlauskienė", email="ruta@klasteris.lt")
    AffiliationFactory(person=ruta, organisation=organisation)
    services.person_erase(person=ruta, user=superuser)
    # She came back, and staff typed her data into the anonymised record.
    ruta.refresh_from_db()
    ruta.first_name, ruta.last_name = "Rūta", "Kazlauskienė"
    ruta.email, ruta.phone = "ruta@klasteris.lt", "+37061234567"
    ruta.save()
    call = InteractionFactory(
        organisation=OrganisationFactory(name="Kitas klasteris"),
        notes="Skambino Rūta Kazlauskienė, ruta@klasteris.lt, tel. 8 612 34567.",
    )
    colleague = PersonFactory(notes="Pavaduoja Rūtą Kazlauskienę.")

    services.person_erase(person=ruta, user=superuser)

    ruta.refresh_from_db()
    assert (ruta.first_name, ruta.last_name, ruta.email, ruta.phone) == (
        "Anonymised person",
        f"#{ruta.pk}",
        "",
        "",
    )
    call.refresh_from_db()
    assert call.notes == "Skambino Anonymised person, Anonymised person, tel. Anonymised person."
    colleague.refresh_from_db()
    assert colleague.notes == "Pavaduoja Anonymised person."
    kept = serializers.serialize("json", [*HistoricalPerson.objects.all(), *LogEntry.objects.all()])
    for trace in ("Rūt", "Kazlausk", "ruta@", "+37061234567"):
        assert trace not in kept


def test_a_second_erasure_takes_the_first_ones_placeholders_for_no_name(superuser):
    person = PersonFactory(first_name="Rūta", last_name="Kazlauskienė")
    with translation.override("lt"):
        services.person_erase(person=person, user=superuser)
    # Texts naming other erased persons, or this one by its placeholder, are no one's name.
    colleague = PersonFactory(notes=f"Anksčiau: Anonimizuotas asmuo #{person.pk}. Anonymised person #7.")

    services.person_erase(person=person, user=superuser)

    colleague.refresh_from_db()
    assert colleague.notes == f"Anksčiau: Anonimizuotas asmuo #{person.pk}. Anonymised person #7."
    first_erasure = LogEntry.objects.filter(object_id=str(person.pk)).earliest("pk")
    assert first_erasure.object_repr == f"Anonimizuotas asmuo #{person.pk}"


def test_erasure_scrubs_payment_references_naming_her_and_their_history_within_the_column(superuser):
    person = PersonFactory(first_name="Jūratė", last_name="Žemaitytė", email="jurate@klasteris.lt")
    membership = MembershipFactory(organisation=OrganisationFactory(name="Kitas klasteris"))
    payment = Payment.objects.create(
        membership=membership,
        amount=Decimal("600"),
        paid_on=datetime.date(2026, 3, 1),
        reference="Mokėjo Jūratė Žemaitytė",
    )
    payment.reference = "Jūratė Žemaitytė " * 5 + "jurate@klasteris.lt"  # 104 characters, cut to 100
    payment.reference = payment.reference[:100]
    payment.save()

    services.person_erase(person=person, user=superuser)

    payment.refresh_from_db()
    assert "Jūrat" not in payment.reference and "Anonymised person" in payment.reference
    assert len(payment.reference) <= 100
    kept = Payment.history.model.objects.filter(id=payment.pk).values_list("reference", flat=True)
    assert len(kept) == 2 and not [text for text in kept if "Jūrat" in text or "Žemait" in text]

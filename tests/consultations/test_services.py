from __future__ import annotations

import datetime
import hashlib
import re
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from consultations import selectors, services
from consultations.answers import AnswerValue, ProposalValue
from consultations.models import (
    AccessLink,
    AccessToken,
    Answer,
    Consultation,
    Invitation,
    ProposalRow,
    Question,
    Response,
)
from crm.models import Affiliation, Membership, Person
from tests.consultations.factories import (
    AnswerFactory,
    ConsultationFactory,
    QuestionFactory,
    ResponseFactory,
    member_organisation,
)
from tests.factories import AffiliationFactory, MembershipFactory, OrganisationFactory, PersonFactory
from tests.positions.factories import ProposalFactory

pytestmark = pytest.mark.django_db

VILNIUS = zoneinfo.ZoneInfo("Europe/Vilnius")
TOKEN_IN_URL = re.compile(r"/konsultacijos/nuoroda/([A-Za-z0-9_-]+)/")


def _ready(**kwargs) -> Consultation:
    """A draft consultation with a question, for the ICT sector unless told otherwise."""
    kwargs.setdefault("sectors", ["ict"])
    consultation = ConsultationFactory(**kwargs)
    QuestionFactory(consultation=consultation)
    return consultation


def _tokens(outbox=None) -> dict[str, str]:
    """The token each recipient's latest e-mail carries, by address."""
    tokens = {}
    for message in outbox if outbox is not None else mail.outbox:
        tokens[message.to[0]] = TOKEN_IN_URL.search(message.body).group(1)
    return tokens


# --- opening ----------------------------------------------------------------------------------------


def test_opening_invites_every_active_member_of_the_audience_sectors(policy_officer):
    ict = member_organisation(sectors=("ict",), contacts=2)
    ict_and_health = member_organisation(sectors=("ict", "health"))
    member_organisation(sectors=("health",))
    member_organisation(sectors=("ict",), membership=Membership.Status.SUSPENDED)
    member_organisation(sectors=("ict",), membership=None)
    consultation = _ready(sectors=["ict"])

    report = services.consultation_open(consultation=consultation, user=policy_officer)

    assert consultation.status == Consultation.Status.OPEN
    assert consultation.opens_at is not None
    invited = set(consultation.invitations.values_list("organisation_id", flat=True))
    assert invited == {ict.pk, ict_and_health.pk}
    assert report.invitations_created == 2
    assert report.links_created == 3
    assert report.emails_queued == 3
    assert AccessLink.objects.filter(invitation__consultation=consultation).count() == 3
    assert len(mail.outbox) == 3
    assert Invitation.objects.filter(consultation=consultation, sent_at__isnull=True).count() == 0


def test_opening_invites_chosen_organisations_and_sectors_together(policy_officer):
    chosen = member_organisation(sectors=("tourism",))
    in_sector = member_organisation(sectors=("energy",))
    member_organisation(sectors=("tourism",))
    consultation = _ready(sectors=["energy"], organisations=[chosen])

    services.consultation_open(consultation=consultation, user=policy_officer)

    assert set(consultation.invitations.values_list("organisation_id", flat=True)) == {
        chosen.pk,
        in_sector.pk,
    }


def test_inactive_organisations_are_invited_when_the_consultation_allows_it(policy_officer):
    active = member_organisation()
    former = member_organisation(membership=Membership.Status.ENDED)
    never = member_organisation(membership=None)
    consultation = _ready(only_active_members=False)

    services.consultation_open(consultation=consultation, user=policy_officer)

    invited = set(consultation.invitations.values_list("organisation_id", flat=True))
    assert invited == {active.pk, former.pk, never.pk}


def test_chosen_organisation_without_active_membership_is_not_invited_by_default(policy_officer):
    active = member_organisation(sectors=())
    applicant = member_organisation(sectors=(), membership=Membership.Status.APPLICANT)
    consultation = _ready(sectors=[], organisations=[active, applicant])

    services.consultation_open(consultation=consultation, user=policy_officer)

    assert list(consultation.invitations.values_list("organisation_id", flat=True)) == [active.pk]


def test_links_go_to_consultation_contacts_falling_back_to_the_primary_contact(policy_officer):
    with_contacts = member_organisation(contacts=0)
    receiving = AffiliationFactory(organisation=with_contacts, receives_consultations=True).person
    AffiliationFactory(organisation=with_contacts, receives_consultations=False, is_primary=True)
    AffiliationFactory(
        organisation=with_contacts, receives_consultations=True, end_date=datetime.date(2020, 12, 31)
    )
    only_primary = member_organisation(contacts=0)
    primary = AffiliationFactory(
        organisation=only_primary, receives_consultations=False, is_primary=True
    ).person
    nobody = member_organisation(contacts=0, name="Klasteris be kontaktų")
    AffiliationFactory(organisation=nobody, receives_consultations=False)
    no_email = member_organisation(contacts=0, name="Klasteris be el. pašto")
    AffiliationFactory(organisation=no_email, receives_consultations=True, person__email="")
    consultation = _ready()

    report = services.consultation_open(consultation=consultation, user=policy_officer)

    links = AccessLink.objects.filter(invitation__consultation=consultation)
    assert {(link.invitation.organisation_id, link.person_id) for link in links} == {
        (with_contacts.pk, receiving.pk),
        (only_primary.pk, primary.pk),
    }
    assert [o.name for o in report.organisations_without_contacts] == [
        "Klasteris be el. pašto",
        "Klasteris be kontaktų",
    ]
    assert consultation.invitations.count() == 4
    assert sorted(m.to[0] for m in mail.outbox) == sorted([receiving.email, primary.email])


def test_only_people_who_agreed_to_consultation_mail_are_invited(policy_officer):
    organisation = member_organisation(contacts=0, name="Klasteris be sutikimų")
    AffiliationFactory(
        organisation=organisation, receives_consultations=True, person__consent_consultations=False
    )
    AffiliationFactory(organisation=organisation, is_primary=True, person__consent_consultations=False)
    mixed = member_organisation(contacts=0)
    agreed = AffiliationFactory(organisation=mixed, receives_consultations=True).person
    AffiliationFactory(organisation=mixed, receives_consultations=True, person__consent_consultations=False)
    consultation = _ready()

    report = services.consultation_open(consultation=consultation, user=policy_officer)

    assert [m.to[0] for m in mail.outbox] == [agreed.email]
    assert list(AccessLink.objects.values_list("person_id", flat=True)) == [agreed.pk]
    assert [o.name for o in report.organisations_without_contacts] == ["Klasteris be sutikimų"]


def test_opening_twice_creates_nothing_twice(policy_officer):
    member_organisation(contacts=2)
    consultation = _ready()
    services.consultation_open(consultation=consultation, user=policy_officer)

    with pytest.raises(ValidationError) as refused:
        services.consultation_open(consultation=consultation, user=policy_officer)

    assert refused.value.error_list[0].code == "not_draft"
    assert Invitation.objects.count() == 1
    assert AccessLink.objects.count() == 2
    assert len(mail.outbox) == 2


def test_sending_invitations_again_reaches_only_what_is_new(policy_officer):
    first = member_organisation()
    fixed_later = member_organisation(contacts=0)
    consultation = _ready()
    report = services.consultation_open(consultation=consultation, user=policy_officer)
    assert report.organisations_without_contacts == [fixed_later]

    again = services.invitations_send(consultation=consultation)
    assert (again.invitations_created, again.links_created, again.emails_queued) == (0, 0, 0)
    assert len(mail.outbox) == 1

    new_contact = AffiliationFactory(organisation=fixed_later, receives_consultations=True).person
    newcomer = member_organisation()
    report = services.invitations_send(consultation=consultation)

    assert (report.invitations_created, report.links_created, report.emails_queued) == (1, 2, 2)
    assert report.organisations_without_contacts == []
    assert sorted(m.to[0] for m in mail.outbox[1:]) == sorted(
        [new_contact.email, newcomer.affiliations.get().person.email]
    )
    assert consultation.invitations.filter(organisation=first).count() == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("no_questions", "no_questions"),
        ("no_audience", "no_audience"),
        ("empty_audience", "empty_audience"),
        ("no_deadline", "no_deadline"),
        ("deadline_passed", "deadline_passed"),
    ],
)
def test_opening_is_refused_without_what_a_consultation_needs(policy_officer, change, code):
    member_organisation(sectors=("ict",))
    consultation = _ready()
    if change == "no_questions":
        consultation.questions.all().delete()
    elif change == "no_audience":
        consultation.audience_sectors.clear()
    elif change == "empty_audience":
        consultation.audience_sectors.set([consultation.audience_sectors.model.objects.get(code="tourism")])
    elif change == "no_deadline":
        Consultation.objects.filter(pk=consultation.pk).update(internal_deadline=None, external_deadline=None)
    elif change == "deadline_passed":
        past = timezone.now() - datetime.timedelta(hours=1)
        Consultation.objects.filter(pk=consultation.pk).update(internal_deadline=past, external_deadline=past)

    with pytest.raises(ValidationError) as refused:
        services.consultation_open(consultation=consultation, user=policy_officer)

    assert code in [error.code for error in refused.value.error_list]
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.DRAFT
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_opening_records_the_opener_as_responsible_when_nobody_is(policy_officer, superuser):
    member_organisation()
    consultation = _ready()
    services.consultation_open(consultation=consultation, user=policy_officer)
    assert consultation.responsible == policy_officer

    other = _ready(responsible=superuser)
    services.consultation_open(consultation=other, user=policy_officer)
    assert other.responsible == superuser


def test_read_only_user_cannot_run_consultations(read_only_user):
    member_organisation()
    consultation = _ready()
    with pytest.raises(PermissionDenied):
        services.consultation_open(consultation=consultation, user=read_only_user)
    with pytest.raises(PermissionDenied):
        services.consultation_close(consultation=consultation, user=read_only_user)
    assert Consultation.objects.get().status == Consultation.Status.DRAFT


# --- closing and archiving --------------------------------------------------------------------------


def test_a_consultation_goes_draft_open_closed_archived_and_never_back(policy_officer):
    member_organisation()
    consultation = _ready()

    with pytest.raises(ValidationError, match="Uždaryti galima tik atvirą konsultaciją"):
        services.consultation_close(consultation=consultation, user=policy_officer)
    with pytest.raises(ValidationError, match="Į archyvą perkelti galima tik uždarytą konsultaciją"):
        services.consultation_archive(consultation=consultation, user=policy_officer)

    services.consultation_open(consultation=consultation, user=policy_officer)
    with pytest.raises(ValidationError, match="Į archyvą perkelti galima tik uždarytą konsultaciją"):
        services.consultation_archive(consultation=consultation, user=policy_officer)

    services.consultation_close(consultation=consultation, user=policy_officer)
    assert consultation.status == Consultation.Status.CLOSED
    assert consultation.closed_at is not None
    with pytest.raises(ValidationError):
        services.consultation_open(consultation=consultation, user=policy_officer)
    with pytest.raises(ValidationError):
        services.reminders_send(consultation=consultation)

    services.consultation_archive(consultation=consultation, user=policy_officer)
    assert consultation.status == Consultation.Status.ARCHIVED
    assert consultation.archived_at is not None
    with pytest.raises(ValidationError):
        services.consultation_close(consultation=consultation, user=policy_officer)


# --- tokens and links -------------------------------------------------------------------------------


def test_the_token_is_random_long_and_stored_only_as_its_sha256_hash(policy_officer):
    organisation = member_organisation(contacts=2)
    consultation = _ready()
    services.consultation_open(consultation=consultation, user=policy_officer)

    tokens = _tokens()
    assert len(tokens) == 2
    assert len(set(tokens.values())) == 2
    for email, token in tokens.items():
        # token_urlsafe: 6 bits a character, so at least 22 characters carry 128 bits.
        assert len(token) >= 43
        link = AccessLink.objects.get(person__email=email, invitation__organisation=organisation)
        (stored_token,) = link.tokens.all()
        assert stored_token.token_hash == hashlib.sha256(token.encode()).hexdigest()
        for model, pk in ((AccessLink, link.pk), (AccessToken, stored_token.pk)):
            stored = [str(value) for value in model.objects.filter(pk=pk).values().get().values()]
            assert not any(token in value for value in stored)
        assert selectors.access_link_for_token(token=token) == link


def test_wrong_revoked_and_closed_tokens_find_no_link(policy_officer):
    member_organisation(contacts=2)
    consultation = _ready()
    services.consultation_open(consultation=consultation, user=policy_officer)
    first, second = _tokens().values()
    link = selectors.access_link_for_token(token=first)

    assert services.access_link_revoke(access_link=link, user=policy_officer) is True
    assert services.access_link_revoke(access_link=link, user=policy_officer) is False
    assert selectors.access_link_for_token(token=first) is None
    assert selectors.access_link_for_token(token=first[:-1]) is None
    assert selectors.access_link_for_token(token="") is None
    assert selectors.access_link_for_token(token=second) is not None

    services.consultation_close(consultation=consultation, user=policy_officer)
    assert selectors.access_link_for_token(token=second) is None


def test_reissuing_replaces_the_persons_link_and_mails_the_new_one(policy_officer):
    member_organisation()
    consultation = _ready()
    services.consultation_open(consultation=consultation, user=policy_officer)
    (old_token,) = _tokens().values()
    old_link = AccessLink.objects.get()

    new_link = services.access_link_reissue(access_link=old_link, user=policy_officer)

    assert old_link.revoked_at is not None
    assert new_link.pk != old_link.pk
    assert new_link.revoked_at is None
    assert len(mail.outbox) == 2
    new_token = _tokens(mail.outbox[1:]).popitem()[1]
    assert selectors.access_link_for_token(token=old_token) is None
    assert selectors.access_link_for_token(token=new_token) == new_link
    # A revoked link is not brought back by sending invitations again.
    assert services.invitations_send(consultation=consultation).links_created == 0


def test_reissuing_is_refused_once_the_consultation_is_closed(policy_officer):
    member_organisation()
    consultation = _ready()
    services.consultation_open(consultation=consultation, user=policy_officer)
    services.consultation_close(consultation=consultation, user=policy_officer)

    with pytest.raises(ValidationError, match="tik tol, kol konsultacija atvira"):
        services.access_link_reissue(access_link=AccessLink.objects.get(), user=policy_officer)
    assert AccessLink.objects.filter(revoked_at__isnull=True).count() == 1


def test_read_only_user_cannot_revoke_or_reissue_links(policy_officer, read_only_user):
    member_organisation()
    consultation = _ready()
    services.consultation_open(consultation=consultation, user=policy_officer)
    link = AccessLink.objects.get()
    with pytest.raises(PermissionDenied):
        services.access_link_revoke(access_link=link, user=read_only_user)
    with pytest.raises(PermissionDenied):
        services.access_link_reissue(access_link=link, user=read_only_user)
    assert AccessLink.objects.get().revoked_at is None


def test_a_link_that_failed_to_send_keeps_its_previous_token(policy_officer, settings):
    member_organisation()
    consultation = _ready()
    services.consultation_open(consultation=consultation, user=policy_officer)
    (token,) = _tokens().values()
    link = AccessLink.objects.get()

    settings.EMAIL_BACKEND = "tests.failing_mail.EmailBackend"
    with pytest.raises(ConnectionRefusedError):
        services.access_link_email_deliver(access_link_id=link.pk, kind="reminder")

    assert selectors.access_link_for_token(token=token) == link
    assert list(link.tokens.values_list("kind", flat=True)) == ["invitation"]


# --- reminders --------------------------------------------------------------------------------------


def _opened_on(day: datetime.datetime, policy_officer, **kwargs) -> Consultation:
    with time_machine.travel(day, tick=False):
        consultation = _ready(
            internal_deadline=day + datetime.timedelta(days=10), external_deadline=None, **kwargs
        )
        services.consultation_open(consultation=consultation, user=policy_officer)
    return consultation


def test_reminders_go_only_to_organisations_that_have_not_submitted(policy_officer):
    start = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=VILNIUS)
    submitted = member_organisation(name="Pateikęs klasteris")
    drafting = member_organisation(name="Juodraštį rašantis klasteris", contacts=2)
    silent = member_organisation(name="Tylus klasteris")
    consultation = _opened_on(start, policy_officer)
    ResponseFactory(
        consultation=consultation,
        organisation=submitted,
        status=Response.Status.SUBMITTED,
        submitted_at=start,
    )
    ResponseFactory(consultation=consultation, organisation=drafting)
    mail.outbox.clear()

    with time_machine.travel(start + datetime.timedelta(days=5), tick=False):
        report = services.reminders_send(consultation=consultation)

    assert (report.organisations, report.emails_queued) == (2, 3)
    recipients = {m.to[0] for m in mail.outbox}
    expected = {a.person.email for a in Affiliation.objects.filter(organisation__in=[drafting, silent])}
    assert recipients == expected
    reminded = Invitation.objects.get(organisation=silent)
    assert reminded.reminder_count == 1
    assert reminded.reminded_at == start + datetime.timedelta(days=5)
    assert Invitation.objects.get(organisation=submitted).reminded_at is None


def test_reminders_skip_those_who_withdrew_their_consent_or_left_the_organisation(policy_officer):
    start = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=VILNIUS)
    organisation = member_organisation(name="Tylus klasteris", contacts=3)
    consultation = _opened_on(start, policy_officer)
    stays, withdrew, left = Affiliation.objects.filter(organisation=organisation).order_by("pk")
    Person.objects.filter(pk=withdrew.person_id).update(consent_consultations=False)
    left.end_date = datetime.date(2026, 11, 4)
    left.save()
    mail.outbox.clear()

    with time_machine.travel(start + datetime.timedelta(days=5), tick=False):
        services.reminders_send(consultation=consultation)

    assert [m.to[0] for m in mail.outbox] == [stays.person.email]
    # Nor are they told of an amendment: only people who agree to consultation mail are.
    invitation = Invitation.objects.get(organisation=organisation)
    assert withdrew.person not in selectors.invitation_recipients(invitation=invitation)


def test_an_organisation_none_of_whose_contacts_can_be_reminded_is_neither_counted_nor_marked(policy_officer):
    start = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=VILNIUS)
    reachable = member_organisation(name="Tylus klasteris", contacts=2)
    unreachable = member_organisation(name="Lazerių klasteris", contacts=2)
    consultation = _opened_on(start, policy_officer)
    withdrew, left = Affiliation.objects.filter(organisation=unreachable).order_by("pk")
    Person.objects.filter(pk=withdrew.person_id).update(consent_consultations=False)
    left.end_date = datetime.date(2026, 11, 4)
    left.save()
    also_withdrew = Affiliation.objects.filter(organisation=reachable).order_by("pk").first()
    Person.objects.filter(pk=also_withdrew.person_id).update(consent_consultations=False)
    mail.outbox.clear()

    with time_machine.travel(start + datetime.timedelta(days=5), tick=False):
        plan = selectors.reminder_plan(consultation=consultation)
        report = services.reminders_send(consultation=consultation)

    assert (plan.organisations, plan.emails, plan.without_link) == (1, 1, 1)
    assert (report.organisations, report.emails_queued) == (1, 1)
    assert len(mail.outbox) == 1
    assert Invitation.objects.get(organisation=reachable).reminder_count == 1
    nobody = Invitation.objects.get(organisation=unreachable)
    assert (nobody.reminded_at, nobody.reminder_count) == (None, 0)


def test_reminders_are_never_sent_twice_on_one_day(policy_officer):
    start = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=VILNIUS)
    member_organisation()
    consultation = _opened_on(start, policy_officer)

    # Not on the day of the invitation either.
    with time_machine.travel(start.replace(hour=23, minute=59), tick=False):
        assert services.reminders_send(consultation=consultation).emails_queued == 0

    mail.outbox.clear()
    with time_machine.travel(datetime.datetime(2026, 11, 5, 0, 1, tzinfo=VILNIUS), tick=False):
        assert services.reminders_send(consultation=consultation).emails_queued == 1
    with time_machine.travel(datetime.datetime(2026, 11, 5, 23, 59, tzinfo=VILNIUS), tick=False):
        assert services.reminders_send(consultation=consultation).emails_queued == 0
    with time_machine.travel(datetime.datetime(2026, 11, 6, 0, 0, tzinfo=VILNIUS), tick=False):
        assert services.reminders_send(consultation=consultation).emails_queued == 1

    assert len(mail.outbox) == 2
    assert Invitation.objects.get().reminder_count == 2


def test_scheduled_reminders_go_out_only_the_given_number_of_days_before_the_deadline(policy_officer):
    start = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=VILNIUS)  # deadline: 12 November, 9:00
    member_organisation()
    consultation = _opened_on(start, policy_officer)
    mail.outbox.clear()

    with time_machine.travel(datetime.datetime(2026, 11, 8, 12, 0, tzinfo=VILNIUS), tick=False):
        assert services.reminders_send(consultation=consultation, days_before=3).emails_queued == 0
    with time_machine.travel(datetime.datetime(2026, 11, 9, 7, 0, tzinfo=VILNIUS), tick=False):
        assert services.reminders_send(consultation=consultation, days_before=3).emails_queued == 1
        assert services.reminders_send(consultation=consultation, days_before=3).emails_queued == 0
    with (
        time_machine.travel(datetime.datetime(2026, 11, 12, 9, 0, tzinfo=VILNIUS), tick=False),
        pytest.raises(ValidationError, match="Vidinis terminas pasibaigė"),
    ):
        services.reminders_send(consultation=consultation)
    assert len(mail.outbox) == 1


def test_a_reminder_queued_before_the_organisation_submitted_is_not_sent(policy_officer):
    organisation = member_organisation()
    consultation = _ready()
    services.consultation_open(consultation=consultation, user=policy_officer)
    ResponseFactory(
        consultation=consultation,
        organisation=organisation,
        status=Response.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    link = AccessLink.objects.get()
    assert services.access_link_email_deliver(access_link_id=link.pk, kind="reminder") is False
    assert services.access_link_email_deliver(access_link_id=link.pk, kind="invitation") is True


# --- questions --------------------------------------------------------------------------------------


def _answered() -> Question:
    question = QuestionFactory(
        kind=Question.Kind.SINGLE_CHOICE, text="Ar pritariate?", choices=["Taip", "Ne"], required=True
    )
    AnswerFactory(
        question=question,
        response__consultation=question.consultation,
        text="",
        choice_indexes=[0],
    )
    return question


def test_questions_without_answers_can_be_changed_freely():
    question = QuestionFactory(kind=Question.Kind.SHORT_TEXT)
    question.kind = Question.Kind.LONG_TEXT
    question.max_length = 2000
    services.question_save(question=question)
    assert Question.objects.get().max_length == 2000
    services.question_save(question=Question(consultation=question.consultation, text="Naujas", position=2))
    services.question_delete(question=question)
    assert list(Question.objects.values_list("text", flat=True)) == ["Naujas"]


def test_answered_questions_keep_their_structure():
    question = _answered()
    consultation = question.consultation

    question.required = False
    with pytest.raises(ValidationError) as refused:
        services.question_save(question=question, wording_fix_confirmed=True)
    assert refused.value.code == "answered_structure"

    question = Question.objects.get()
    question.choices = ["Taip", "Ne", "Nežinau"]
    with pytest.raises(ValidationError):
        services.question_save(question=question, wording_fix_confirmed=True)

    with pytest.raises(ValidationError) as refused:
        services.question_save(question=Question(consultation=consultation, text="Naujas"))
    assert refused.value.code == "answered_add"

    with pytest.raises(ValidationError) as refused:
        services.question_delete(question=Question.objects.get())
    assert refused.value.code == "answered_delete"
    assert Question.objects.get().choices == ["Taip", "Ne"]
    assert Question.objects.get().required is True


def test_a_submitted_answer_keeps_the_questions_structure_after_every_answer_is_emptied(opened):
    ruta = opened.members["ruta"]
    q = opened.questions
    values = {
        q["short"].pk: AnswerValue(text="Pritariame"),
        q["single"].pk: AnswerValue(choice_indexes=(0,)),
        q["scale"].pk: AnswerValue(scale=4),
        q["yes_no"].pk: AnswerValue(yes_no=True),
        q["proposals"].pk: AnswerValue(rows=(ProposalValue("3 str.", "Nauja redakcija", "Aiškiau"),)),
    }
    services.response_submit(invitation=ruta.invitation, person=ruta.person, data=values, expected_version=0)
    # A draft saved since empties every answer: the submitted version still holds them.
    services.response_save_draft(
        invitation=ruta.invitation,
        person=ruta.person,
        data={pk: AnswerValue() for pk in values},
        expected_version=1,
    )
    assert not Answer.objects.exists()

    assert selectors.consultation_has_answers(consultation=opened.consultation)
    question = Question.objects.get(pk=q["yes_no"].pk)
    question.kind = Question.Kind.SCALE
    with pytest.raises(ValidationError) as refused:
        services.question_save(question=question)
    assert refused.value.code == "answered_structure"
    question = Question.objects.get(pk=q["short"].pk)
    question.position = 9
    with pytest.raises(ValidationError) as refused:
        services.question_save(question=question)
    assert refused.value.code == "answered_structure"
    with pytest.raises(ValidationError) as refused:
        services.question_delete(question=Question.objects.get(pk=q["long"].pk))
    assert refused.value.code == "answered_delete"
    assert Question.objects.get(pk=q["yes_no"].pk).kind == Question.Kind.YES_NO
    assert Question.objects.filter(consultation=opened.consultation).count() == len(q)


def test_a_consultation_without_answers_or_submitted_versions_has_no_answers(opened):
    assert not selectors.consultation_has_answers(consultation=opened.consultation)


def test_answered_questions_take_wording_fixes_only_when_staff_confirm_them():
    question = _answered()
    question.text = "Ar pritariate projektui?"
    question.choices = ["Taip", "Ne, nepritariame"]

    with pytest.raises(ValidationError) as refused:
        services.question_save(question=question)
    assert refused.value.code == "wording_fix_unconfirmed"
    assert Question.objects.get().text == "Ar pritariate?"

    services.question_save(question=question, wording_fix_confirmed=True)
    stored = Question.objects.get()
    assert (stored.text, stored.choices) == ("Ar pritariate projektui?", ["Taip", "Ne, nepritariame"])


def test_the_options_of_an_answered_question_cannot_change_places():
    # The answer holds its option by place (0: "Taip"): swapped, it would read "Ne".
    question = _answered()
    question.choices = ["Ne", "Taip"]

    with pytest.raises(ValidationError) as refused:
        services.question_save(question=question, wording_fix_confirmed=True)
    with translation.override("en"), pytest.raises(ValidationError) as refused_in_english:
        services.question_save(question=question, wording_fix_confirmed=True)

    assert refused.value.code == "answered_choice_moved"
    assert "negalima perkelti į kitą vietą („Ne“, „Taip“)" in refused.value.messages[0]
    with translation.override("en"):
        assert "cannot move to another place (“Ne”, “Taip”)" in refused_in_english.value.messages[0]
    assert Question.objects.get().choices == ["Taip", "Ne"]
    # One moved onto the other's place, in other letters too.
    question.choices = ["taip", "TAIP "]
    with pytest.raises(ValidationError):
        services.question_save(question=question, wording_fix_confirmed=True)
    # Corrected where it stands, it is a wording fix.
    question.choices = ["Taip, pritariame", "Ne"]
    services.question_save(question=question, wording_fix_confirmed=True)
    assert Question.objects.get().choices == ["Taip, pritariame", "Ne"]
    # An option written twice has no one place to keep: either may be corrected.
    Question.objects.filter(pk=question.pk).update(choices=["Ne", "Ne"])
    question.choices = ["Ne", "Ne."]
    services.question_save(question=question, wording_fix_confirmed=True)
    assert Question.objects.get().choices == ["Ne", "Ne."]


def test_questions_of_a_closed_consultation_cannot_change(policy_officer):
    member_organisation()
    consultation = _ready()
    services.consultation_open(consultation=consultation, user=policy_officer)
    services.consultation_close(consultation=consultation, user=policy_officer)
    question = consultation.questions.get()
    question.text = "Kitaip"
    with pytest.raises(ValidationError) as refused:
        services.question_save(question=question, wording_fix_confirmed=True)
    assert refused.value.code == "consultation_closed"


def test_opening_uses_memberships_and_affiliations_current_today(policy_officer):
    today = timezone.localdate()
    future_member = OrganisationFactory(sectors=["ict"])
    MembershipFactory(organisation=future_member, start_date=today + datetime.timedelta(days=30))
    AffiliationFactory(organisation=future_member, receives_consultations=True)
    member = member_organisation(contacts=0)
    AffiliationFactory(
        organisation=member, receives_consultations=True, start_date=today + datetime.timedelta(days=1)
    )
    current = AffiliationFactory(organisation=member, receives_consultations=True, end_date=today).person
    consultation = _ready()

    services.consultation_open(consultation=consultation, user=policy_officer)

    assert list(consultation.invitations.values_list("organisation_id", flat=True)) == [member.pk]
    assert [m.to[0] for m in mail.outbox] == [current.email]


def test_anonymised_people_receive_no_links(policy_officer):
    member = member_organisation(contacts=0)
    AffiliationFactory(
        organisation=member, receives_consultations=True, person=PersonFactory(anonymised_at=timezone.now())
    )
    consultation = _ready()
    report = services.consultation_open(consultation=consultation, user=policy_officer)
    assert report.organisations_without_contacts == [member]
    assert mail.outbox == []


def test_every_mailed_token_works_until_the_link_is_revoked(policy_officer):
    start = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=VILNIUS)
    member_organisation()
    consultation = _opened_on(start, policy_officer)
    (invitation_token,) = _tokens().values()
    mail.outbox.clear()
    with time_machine.travel(start + datetime.timedelta(days=2), tick=False):
        services.reminders_send(consultation=consultation)
    with time_machine.travel(start + datetime.timedelta(days=4), tick=False):
        services.reminders_send(consultation=consultation)
    reminder_tokens = [TOKEN_IN_URL.search(message.body).group(1) for message in mail.outbox]
    link = AccessLink.objects.get()

    assert len({invitation_token, *reminder_tokens}) == 3
    for token in (invitation_token, *reminder_tokens):
        assert selectors.access_link_for_token(token=token) == link
    assert link.tokens.count() == 3

    services.access_link_revoke(access_link=link, user=policy_officer)

    for token in (invitation_token, *reminder_tokens):
        assert selectors.access_link_for_token(token=token) is None


def test_reissuing_revokes_every_token_of_the_person_and_mails_one_fresh_token(policy_officer):
    start = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=VILNIUS)
    member_organisation()
    consultation = _opened_on(start, policy_officer)
    with time_machine.travel(start + datetime.timedelta(days=2), tick=False):
        services.reminders_send(consultation=consultation)
    old_tokens = [TOKEN_IN_URL.search(message.body).group(1) for message in mail.outbox]
    mail.outbox.clear()

    with time_machine.travel(start + datetime.timedelta(days=3), tick=False):
        new_link = services.access_link_reissue(access_link=AccessLink.objects.get(), user=policy_officer)

        (message,) = mail.outbox
        new_token = TOKEN_IN_URL.search(message.body).group(1)
        assert all(selectors.access_link_for_token(token=token) is None for token in old_tokens)
        assert selectors.access_link_for_token(token=new_token) == new_link
    assert list(new_link.tokens.values_list("kind", flat=True)) == ["reissue"]


def test_an_amended_proposals_table_replaces_its_rows_and_their_links_from_papers(opened):
    ruta, egle = opened.members["ruta"], opened.members["egle"]
    q = opened.questions

    def answers(*rows: ProposalValue) -> dict[int, AnswerValue]:
        return {
            q["short"].pk: AnswerValue(text="Pritariame"),
            q["single"].pk: AnswerValue(choice_indexes=(0,)),
            q["scale"].pk: AnswerValue(scale=4),
            q["proposals"].pk: AnswerValue(rows=rows),
        }

    services.response_save_draft(
        invitation=ruta.invitation,
        person=ruta.person,
        data=answers(ProposalValue("3 str.", "N", "J"), ProposalValue("4 str.", "M", "K")),
        expected_version=0,
    )
    services.response_save_draft(
        invitation=egle.invitation,
        person=egle.person,
        data=answers(ProposalValue("9 str.")),
        expected_version=0,
    )
    replaced = list(ProposalRow.objects.filter(answer__response__organisation=ruta.organisation))
    kept = ProposalRow.objects.get(answer__response__organisation=egle.organisation)
    proposal = ProposalFactory()
    proposal.source_rows.set([*replaced, kept])

    with CaptureQueriesContext(connection) as captured:
        services.response_submit(
            invitation=ruta.invitation,
            person=ruta.person,
            data=answers(ProposalValue("5 str.", "Nauja", "Todėl")),
            expected_version=1,
        )

    rows = ProposalRow.objects.filter(answer__response__organisation=ruta.organisation)
    assert [(row.position, row.provision, row.proposed_wording) for row in rows] == [(1, "5 str.", "Nauja")]
    assert not ProposalRow.objects.filter(pk__in=[row.pk for row in replaced]).exists()
    # The paper's links to the replaced rows went with them; the other organisation's row stays.
    assert list(proposal.source_rows.all()) == [kept]
    assert ProposalRow.objects.filter(pk=kept.pk).exists()
    # The rows are read once, under the response's lock, and not again to be deleted.
    reads = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith("SELECT") and 'FROM "consultations_proposalrow"' in query["sql"]
    ]
    assert len(reads) == 1

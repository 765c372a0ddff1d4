"""An invitation counts as sent only once its e-mail has gone out. One that fails (the SMTP server
down while the consultation opens) is not recorded as sent: "Invite new contacts" sends it again,
and the dashboard does not count the organisation as invited meanwhile. With both task backends:
the immediate one (the default, which runs the e-mail task inside the opening's transaction) and
the database one with its worker (production)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from consultations import analysis, selectors, services
from consultations.models import AccessLink, AccessToken, Consultation, Invitation
from crm.models import Affiliation, Organisation, Person
from tests.consultations.factories import ConsultationFactory, QuestionFactory, member_organisation
from tests.factories import AffiliationFactory
from tests.migrating import migrate
from tests.task_worker import run_queued_tasks

pytestmark = pytest.mark.django_db

FAILING = "tests.failing_mail.EmailBackend"
WORKING = "django.core.mail.backends.locmem.EmailBackend"
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = DATABASE_TASKS


@pytest.fixture
def mail_fails_for(monkeypatch) -> set[str]:
    """The addresses whose mail server refuses the e-mail (add to the set); the rest get theirs."""
    addresses: set[str] = set()
    send = mail.EmailMessage.send

    def send_unless_refused(message: mail.EmailMessage, *args: object, **kwargs: object) -> int:
        if addresses & set(message.to):
            raise ConnectionRefusedError("Mail server unreachable")
        return send(message, *args, **kwargs)

    monkeypatch.setattr(mail.EmailMessage, "send", send_unless_refused)
    return addresses


def _ready() -> Consultation:
    consultation = ConsultationFactory(sectors=["ict"])
    QuestionFactory(consultation=consultation)
    return consultation


def _invited(consultation: Consultation) -> tuple[int, int]:
    """The dashboard's organisations invited and not reachable."""
    overall = analysis.consultation_dashboard(consultation=consultation).overall
    return overall.invited, overall.not_reachable


def test_an_invitation_that_failed_to_send_is_not_counted_and_is_sent_again(policy_officer, settings):
    member_organisation()
    consultation = _ready()

    settings.EMAIL_BACKEND = FAILING
    report = services.consultation_open(consultation=consultation, user=policy_officer)

    # The consultation is open all the same: only the e-mail failed, and left nothing behind.
    assert consultation.status == Consultation.Status.OPEN
    assert report.emails_queued == 1
    assert AccessToken.objects.count() == 0
    invitation = Invitation.objects.get()
    link = AccessLink.objects.get()
    assert (invitation.sent_at, link.invited_at, link.last_sent_at) == (None, None, None)
    assert _invited(consultation) == (0, 1)
    assert list(selectors.invitations_not_reachable(invitations=consultation.invitations.all())) == [
        invitation
    ]

    settings.EMAIL_BACKEND = WORKING
    again = services.invitations_send(consultation=consultation)

    assert again.emails_queued == 1
    (message,) = mail.outbox
    assert message.to == [link.person.email]
    invitation.refresh_from_db()
    link.refresh_from_db()
    assert link.invited_at is not None
    assert invitation.sent_at == link.last_sent_at is not None
    assert list(link.tokens.values_list("kind", flat=True)) == ["invitation"]
    assert _invited(consultation) == (1, 0)
    # Sent once is enough.
    assert services.invitations_send(consultation=consultation).emails_queued == 0


def test_only_the_contacts_whose_email_failed_are_sent_it_again(policy_officer, mail_fails_for):
    organisation = member_organisation(contacts=0)
    reached = AffiliationFactory(organisation=organisation, person__email="pasiekta@klasteris.lt").person
    missed = AffiliationFactory(organisation=organisation, person__email="nepasiekta@klasteris.lt").person
    consultation = _ready()

    mail_fails_for.add(missed.email)
    services.consultation_open(consultation=consultation, user=policy_officer)

    assert [message.to for message in mail.outbox] == [[reached.email]]
    # One colleague got it: the organisation has been reached.
    assert Invitation.objects.get().sent_at is not None
    assert _invited(consultation) == (1, 0)
    assert AccessLink.objects.get(person=reached).invited_at is not None
    assert AccessLink.objects.get(person=missed).invited_at is None

    mail_fails_for.clear()
    mail.outbox.clear()
    assert services.invitations_send(consultation=consultation).emails_queued == 1
    assert [message.to for message in mail.outbox] == [[missed.email]]


def test_a_link_that_an_email_reached_before_is_not_sent_its_invitation_again(policy_officer, settings):
    member_organisation()
    consultation = _ready()
    services.consultation_open(consultation=consultation, user=policy_officer)
    link = AccessLink.objects.get()
    sent_at = Invitation.objects.get().sent_at

    # The same e-mail again (a task run twice), this time failing: the link has its token already.
    settings.EMAIL_BACKEND = FAILING
    with pytest.raises(ConnectionRefusedError):
        services.access_link_email_deliver(access_link_id=link.pk, kind="invitation")

    link.refresh_from_db()
    assert link.invited_at is not None
    assert Invitation.objects.get().sent_at == sent_at
    assert services.invitations_send(consultation=consultation).emails_queued == 0


def test_a_reissued_link_whose_email_failed_is_sent_again(policy_officer, settings):
    member_organisation()
    consultation = _ready()
    settings.EMAIL_BACKEND = FAILING
    services.consultation_open(consultation=consultation, user=policy_officer)
    old_link = AccessLink.objects.get()

    new_link = services.access_link_reissue(access_link=old_link, user=policy_officer)

    new_link.refresh_from_db()
    assert new_link.invited_at is None
    assert Invitation.objects.get().sent_at is None

    settings.EMAIL_BACKEND = WORKING
    assert services.invitations_send(consultation=consultation).emails_queued == 1
    (message,) = mail.outbox
    new_link.refresh_from_db()
    assert message.to == [new_link.person.email]
    assert new_link.last_sent_at is not None
    assert Invitation.objects.get().sent_at == new_link.last_sent_at
    # The revoked link stays revoked and is not mailed.
    old_link.refresh_from_db()
    assert old_link.revoked_at is not None
    assert not old_link.tokens.exists()


def test_a_reissued_link_marks_the_invitation_sent_once_its_email_went_out(policy_officer, settings):
    member_organisation()
    consultation = _ready()
    settings.EMAIL_BACKEND = FAILING
    services.consultation_open(consultation=consultation, user=policy_officer)

    settings.EMAIL_BACKEND = WORKING
    new_link = services.access_link_reissue(access_link=AccessLink.objects.get(), user=policy_officer)

    new_link.refresh_from_db()
    assert len(mail.outbox) == 1
    assert new_link.invited_at is not None
    assert Invitation.objects.get().sent_at == new_link.last_sent_at is not None
    assert _invited(consultation) == (1, 0)


def test_no_reminder_goes_on_a_link_that_its_invitation_has_not_reached(policy_officer, mail_fails_for):
    missed = AffiliationFactory(organisation=member_organisation(contacts=0), person__email="ne@a.lt").person
    reached = AffiliationFactory(
        organisation=member_organisation(contacts=0), person__email="taip@b.lt"
    ).person
    consultation = _ready()
    mail_fails_for.add(missed.email)
    services.consultation_open(consultation=consultation, user=policy_officer)
    mail.outbox.clear()

    with time_machine.travel(timezone.now() + datetime.timedelta(days=1), tick=False):
        services.reminders_send(consultation=consultation)

    # The reminder recalls an invitation this person never got: their invitation comes first.
    assert [message.to for message in mail.outbox] == [[reached.email]]
    assert not AccessToken.objects.filter(access_link__person=missed).exists()

    mail_fails_for.clear()
    mail.outbox.clear()
    services.invitations_send(consultation=consultation)
    assert [message.to for message in mail.outbox] == [[missed.email]]
    assert list(AccessToken.objects.filter(access_link__person=missed).values_list("kind", flat=True)) == [
        "invitation"
    ]


def test_with_the_database_backend_the_invitation_counts_as_sent_once_the_worker_sent_it(
    policy_officer, database_tasks
):
    member_organisation()
    consultation = _ready()

    report = services.consultation_open(consultation=consultation, user=policy_officer)

    # Queued, not sent: the link is marked so that nothing queues it twice.
    assert report.emails_queued == 1
    assert mail.outbox == []
    assert AccessLink.objects.get().invited_at is not None
    assert Invitation.objects.get().sent_at is None
    assert _invited(consultation) == (0, 1)
    assert services.invitations_send(consultation=consultation).emails_queued == 0

    run_queued_tasks()

    assert len(mail.outbox) == 1
    assert Invitation.objects.get().sent_at == AccessLink.objects.get().last_sent_at is not None
    assert _invited(consultation) == (1, 0)


def test_with_the_database_backend_a_failed_invitation_fails_its_task_and_is_sent_again(
    policy_officer, database_tasks, settings
):
    member_organisation()
    consultation = _ready()
    services.consultation_open(consultation=consultation, user=policy_officer)

    settings.EMAIL_BACKEND = FAILING
    run_queued_tasks()

    (failed,) = DBTaskResult.objects.all()
    assert failed.status == "FAILED"
    assert AccessToken.objects.count() == 0
    assert AccessLink.objects.get().invited_at is None
    assert Invitation.objects.get().sent_at is None
    assert _invited(consultation) == (0, 1)

    settings.EMAIL_BACKEND = WORKING
    assert services.invitations_send(consultation=consultation).emails_queued == 1
    run_queued_tasks()

    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == ["FAILED", "SUCCESSFUL"]
    assert len(mail.outbox) == 1
    assert Invitation.objects.get().sent_at is not None
    assert _invited(consultation) == (1, 0)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_the_database_backend_and_real_commits_the_failure_and_the_cleared_mark_are_kept(
    policy_officer, database_tasks, settings
):
    # Without the test's enclosing transaction: the opening commits its tasks, the worker's
    # attempt is rolled back for real, and clearing the mark commits on its own.
    member_organisation()
    consultation = _ready()
    services.consultation_open(consultation=consultation, user=policy_officer)

    settings.EMAIL_BACKEND = FAILING
    run_queued_tasks()

    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["FAILED"]
    assert (AccessLink.objects.get().invited_at, Invitation.objects.get().sent_at) == (None, None)
    assert not AccessToken.objects.exists()

    settings.EMAIL_BACKEND = WORKING
    assert services.invitations_send(consultation=consultation).emails_queued == 1
    run_queued_tasks()

    assert len(mail.outbox) == 1
    assert Invitation.objects.get().sent_at is not None


def test_with_the_database_backend_a_failed_task_run_again_by_hand_keeps_the_link_marked(
    policy_officer, database_tasks, settings
):
    member_organisation()
    consultation = _ready()
    services.consultation_open(consultation=consultation, user=policy_officer)
    settings.EMAIL_BACKEND = FAILING
    run_queued_tasks()
    settings.EMAIL_BACKEND = WORKING

    link = AccessLink.objects.get()
    assert services.access_link_email_deliver(access_link_id=link.pk, kind="invitation") is True

    link.refresh_from_db()
    assert link.invited_at == link.last_sent_at == Invitation.objects.get().sent_at
    assert services.invitations_send(consultation=consultation).emails_queued == 0


# --- the admin ------------------------------------------------------------------------------------


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_opening_in_the_admin_says_the_emails_were_queued_and_which_failed(staff_client, settings):
    member_organisation()
    consultation = _ready()
    url = reverse("admin:consultations_consultation_open", args=[consultation.pk])

    settings.EMAIL_BACKEND = FAILING
    response = staff_client.post(url, follow=True)

    # The staff pages speak Lithuanian.
    messages = _messages(response)
    queued = "į siuntimo eilę įtraukta laiškų su asmeninėmis nuorodomis – 1"
    failed = "nepavyko išsiųsti laiškų su asmeninėmis nuorodomis – 1"
    assert any(f"naujų kvietimų – 1, {queued}" in m for m in messages)
    assert not any("išsiųsta laiškų" in m for m in messages)
    assert any(failed in m for m in messages)

    settings.EMAIL_BACKEND = WORKING
    invite = reverse("admin:consultations_consultation_invite", args=[consultation.pk])
    response = staff_client.post(invite, follow=True)

    messages = _messages(response)
    assert any(f"naujų kvietimų – 0, {queued}" in m for m in messages)
    assert not any("nepavyko išsiųsti" in m for m in messages)
    assert len(mail.outbox) == 1


def test_with_the_database_backend_the_admin_reports_no_failure_before_the_worker_ran(
    staff_client, database_tasks
):
    member_organisation()
    consultation = _ready()
    url = reverse("admin:consultations_consultation_open", args=[consultation.pk])

    response = staff_client.post(url, follow=True)

    messages = _messages(response)
    assert any("į siuntimo eilę įtraukta laiškų su asmeninėmis nuorodomis – 1" in m for m in messages)
    assert not any("nepavyko išsiųsti" in m for m in messages)


# --- the records made before: migration 0008 --------------------------------------------------------

BEFORE = [("consultations", "0007_invitations_unsent_index")]
AFTER = [("consultations", "0008_invitations_never_delivered")]
QUEUED = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)
MAILED = datetime.datetime(2026, 11, 2, 9, 1, tzinfo=datetime.UTC)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_unmarks_only_what_no_email_ever_reached(back_to_latest):
    old = migrate(BEFORE)
    Organisation = old.get_model("crm", "Organisation")
    Person = old.get_model("crm", "Person")
    Consultation = old.get_model("consultations", "Consultation")
    Invitation = old.get_model("consultations", "Invitation")
    AccessLink = old.get_model("consultations", "AccessLink")
    AccessToken = old.get_model("consultations", "AccessToken")
    Response = old.get_model("consultations", "Response")
    consultation = Consultation.objects.create(
        title="Migracija",
        status="open",
        opens_at=QUEUED,
        internal_deadline=QUEUED + datetime.timedelta(days=9),
    )
    people = iter(range(100))

    def invitation(
        name: str, *links: str, sent: bool = True, answered: bool = False
    ) -> tuple[int, list[int]]:
        """An invitation recorded as sent when queued, as before; each link "failed" (queued, no
        e-mail went out), "invited" or "reminded" (an e-mail of that kind went out)."""
        organisation = Organisation.objects.create(name=name, kind="cluster")
        row = Invitation.objects.create(
            consultation=consultation, organisation=organisation, sent_at=QUEUED if sent else None
        )
        if answered:
            Response.objects.create(consultation=consultation, organisation=organisation)
        link_ids = []
        for state in links:
            number = next(people)
            person = Person.objects.create(first_name="Ona", last_name=f"O{number}", email=f"o{number}@m.lt")
            link = AccessLink.objects.create(
                invitation=row,
                person=person,
                invited_at=QUEUED if sent else None,
                last_sent_at=None if state in ("failed", "never") else MAILED,
            )
            if state in ("invited", "reminded"):
                AccessToken.objects.create(
                    access_link=link,
                    token_hash=f"{link.pk:064d}",
                    kind={"invited": "invitation", "reminded": "reminder"}[state],
                    issued_at=MAILED,
                )
            link_ids.append(link.pk)
        return row.pk, link_ids

    failed = invitation("Nepavykęs", "failed", "failed")
    delivered = invitation("Išsiųstas", "invited")
    reminded_only = invitation("Tik priminimas", "reminded")
    half = invitation("Pusiau", "invited", "failed")
    answered = invitation("Atsakęs", "failed", answered=True)
    without_links = invitation("Be nuorodų")
    never_queued = invitation("Niekada", "never", sent=False)

    new = migrate(AFTER)
    Invitation = new.get_model("consultations", "Invitation")
    AccessLink = new.get_model("consultations", "AccessLink")

    def sent(row: tuple[int, list[int]]) -> datetime.datetime | None:
        return Invitation.objects.get(pk=row[0]).sent_at

    def queued(row: tuple[int, list[int]]) -> list[datetime.datetime | None]:
        return [AccessLink.objects.get(pk=pk).invited_at for pk in row[1]]

    assert (sent(failed), queued(failed)) == (None, [None, None])
    assert (sent(delivered), queued(delivered)) == (QUEUED, [QUEUED])
    assert (sent(reminded_only), queued(reminded_only)) == (QUEUED, [QUEUED])
    assert (sent(half), queued(half)) == (QUEUED, [QUEUED, None])
    # Answered: someone was reached, whatever its links say.
    assert (sent(answered), queued(answered)) == (QUEUED, [None])
    # Its links were deleted with their people: whether it was sent cannot be known.
    assert sent(without_links) == QUEUED
    assert (sent(never_queued), queued(never_queued)) == (None, [None])

    # Going back keeps the corrected records.
    back = migrate(BEFORE)
    assert back.get_model("consultations", "Invitation").objects.get(pk=failed[0]).sent_at is None


# --- a link whose person cannot be mailed ---------------------------------------------------------


def _unreachable(person: Person, organisation: Organisation, how: str) -> None:
    """Make the person someone consultation mail does not go to, in one of its ways."""
    if how == "consent":
        Person.objects.filter(pk=person.pk).update(consent_consultations=False)
    elif how == "email":
        Person.objects.filter(pk=person.pk).update(email="")
    else:
        Affiliation.objects.filter(person=person, organisation=organisation).update(
            end_date=timezone.localdate() - datetime.timedelta(days=1)
        )


def _reachable_again(person: Person, organisation: Organisation, email: str) -> None:
    Person.objects.filter(pk=person.pk).update(consent_consultations=True, email=email)
    Affiliation.objects.filter(person=person, organisation=organisation).update(end_date=None)


def _invite_page(client, consultation: Consultation) -> str:
    url = reverse("admin:consultations_consultation_invite", args=[consultation.pk])
    return client.get(url).content.decode()


def _invite(client, consultation: Consultation) -> list[str]:
    url = reverse("admin:consultations_consultation_invite", args=[consultation.pk])
    return _messages(client.post(url, follow=True))


@pytest.mark.parametrize("how", ["consent", "email", "affiliation"])
def test_a_failed_invitation_whose_person_cannot_be_mailed_is_neither_counted_nor_lost(
    staff_client, mail_fails_for, how
):
    first = member_organisation(contacts=0, name="Pirmoji")
    kept = AffiliationFactory(organisation=first, person__email="pirmas@klasteris.lt").person
    second = member_organisation(contacts=0, name="Antroji")
    other = AffiliationFactory(organisation=second, person__email="antras@klasteris.lt").person
    consultation = _ready()
    mail_fails_for.update({kept.email, other.email})
    staff_client.post(reverse("admin:consultations_consultation_open", args=[consultation.pk]))
    assert AccessLink.objects.filter(invited_at__isnull=True).count() == 2
    mail_fails_for.clear()
    _unreachable(kept, first, how)

    # What the page says is what is sent: the e-mail that would not go is not counted.
    assert "Asmenines nuorodas gaunančių organizacijų – 1, laiškų – 1." in _invite_page(
        staff_client, consultation
    )
    messages = _invite(staff_client, consultation)

    assert any("į siuntimo eilę įtraukta laiškų su asmeninėmis nuorodomis – 1" in m for m in messages)
    assert not any("nepavyko išsiųsti" in m for m in messages)
    assert [message.to for message in mail.outbox] == [[other.email]]
    link = AccessLink.objects.get(person=kept)
    assert link.invited_at is None  # not sent: waits, not "queued"
    assert Invitation.objects.get(organisation=first).sent_at is None
    assert "laiškų – 0." in _invite_page(staff_client, consultation)

    # Once the person can be mailed again, "Invite new contacts" sends it.
    _reachable_again(kept, first, "pirmas@klasteris.lt")
    mail.outbox.clear()
    assert "Asmenines nuorodas gaunančių organizacijų – 1, laiškų – 1." in _invite_page(
        staff_client, consultation
    )
    messages = _invite(staff_client, consultation)

    assert any("į siuntimo eilę įtraukta laiškų su asmeninėmis nuorodomis – 1" in m for m in messages)
    assert [message.to for message in mail.outbox] == [[kept.email]]
    link.refresh_from_db()
    assert link.invited_at is not None and link.last_sent_at is not None
    assert Invitation.objects.get(organisation=first).sent_at is not None


@pytest.mark.parametrize("how", ["consent", "email", "affiliation"])
def test_an_invitation_queued_before_its_person_could_no_longer_be_mailed_is_not_left_queued(
    policy_officer, database_tasks, how
):
    organisation = member_organisation(contacts=0)
    person = AffiliationFactory(organisation=organisation, person__email="kontaktas@klasteris.lt").person
    consultation = _ready()
    services.consultation_open(consultation=consultation, user=policy_officer)
    assert AccessLink.objects.get().invited_at is not None
    _unreachable(person, organisation, how)

    run_queued_tasks()

    # The worker sent nothing and left the link to be invited again, not marked as queued.
    assert mail.outbox == []
    assert AccessLink.objects.get().invited_at is None
    assert selectors.invitation_plan(consultation=consultation).emails == 0
    assert services.invitations_send(consultation=consultation).emails_queued == 0

    _reachable_again(person, organisation, "kontaktas@klasteris.lt")
    assert selectors.invitation_plan(consultation=consultation).emails == 1
    assert services.invitations_send(consultation=consultation).emails_queued == 1
    run_queued_tasks()

    assert [message.to for message in mail.outbox] == [[person.email]]
    assert Invitation.objects.get().sent_at is not None


def test_a_reissued_link_not_sent_is_invited_again_once_its_person_agrees(policy_officer, database_tasks):
    organisation = member_organisation(contacts=0)
    person = AffiliationFactory(organisation=organisation, person__email="kontaktas@klasteris.lt").person
    consultation = _ready()
    services.consultation_open(consultation=consultation, user=policy_officer)
    run_queued_tasks()
    mail.outbox.clear()
    new_link = services.access_link_reissue(access_link=AccessLink.objects.get(), user=policy_officer)
    Person.objects.filter(pk=person.pk).update(consent_consultations=False)

    run_queued_tasks()

    assert mail.outbox == []
    new_link.refresh_from_db()
    assert new_link.invited_at is None
    Person.objects.filter(pk=person.pk).update(consent_consultations=True)
    assert services.invitations_send(consultation=consultation).emails_queued == 1
    run_queued_tasks()
    assert [message.to for message in mail.outbox] == [[person.email]]
    # As the re-issued link it is: the e-mail says that the earlier links no longer work.
    assert mail.outbox[0].subject.startswith("Nauja nuoroda: ")
    new_link.refresh_from_db()
    assert new_link.last_sent_at is not None

"""Writes of consultations: opening, closing and archiving, invitations and personal links,
the e-mails that carry them, the guard on editing questions that members have answered, and the
member's answer (draft saves, submissions and amendments, with their receipts)."""

from __future__ import annotations

import datetime
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, router, transaction
from django.db.models import F
from django.db.models.deletion import Collector
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consultations import analysis, emails, selectors, tasks
from consultations.answers import (
    AnswerValue,
    answer_errors,
    questions_fingerprint,
    same_answers,
    snapshot_entry,
)
from consultations.models import (
    AccessLink,
    AccessToken,
    Answer,
    Consultation,
    Invitation,
    ProposalRow,
    Question,
    Response,
    ResponseEdit,
    ResponseVersion,
)
from crm.models import Organisation, Person

# 32 random bytes: 256 bits, well above the 128 the design asks for.
TOKEN_BYTES = 32

EMAIL_KINDS = (emails.INVITATION, emails.REMINDER, emails.REISSUE)
# The e-mails that give a link its first token: sent, they count the invitation as sent.
FIRST_EMAIL_KINDS = (emails.INVITATION, emails.REISSUE)

# What may change in a question once members have answered it: the wording (with staff
# confirming it is only a fix) and the labels of its choices; nothing that changes the
# meaning of stored answers (kind, order, number of choices, limits).
QUESTION_WORDING_FIELDS = ("text", "help_text")
QUESTION_STRUCTURE_FIELDS = ("kind", "position", "required", "max_length", "allow_other")


@dataclass(frozen=True)
class InvitationReport:
    """What opening a consultation or sending its invitations did."""

    invitations_created: int = 0
    links_created: int = 0
    emails_queued: int = 0
    organisations_without_contacts: list[Organisation] = field(default_factory=list)
    # Organisations whose contacts' links were all revoked (`selectors.InvitationPlan`).
    organisations_links_revoked: list[Organisation] = field(default_factory=list)


@dataclass(frozen=True)
class ReminderReport:
    """What sending reminders did, and the plan it followed: which organisations that have not
    submitted were left out, and why."""

    organisations: int = 0
    emails_queued: int = 0
    plan: selectors.ReminderPlan = field(default_factory=selectors.ReminderPlan)


def _require_permission(user: AbstractBaseUser, permission: str) -> None:
    if not user.has_perm(permission):  # type: ignore[attr-defined]
        raise PermissionDenied


def _lock_consultation(consultation: Consultation) -> Consultation:
    """A fresh copy of the consultation's row, locked until the transaction ends (PostgreSQL;
    SQLite's immediate transactions serialise writers anyway)."""
    return Consultation.objects.select_for_update().get(pk=consultation.pk)


# --- transitions ----------------------------------------------------------------------------------


@transaction.atomic
def consultation_open(*, consultation: Consultation, user: AbstractBaseUser) -> InvitationReport:
    """Open a draft consultation and invite its audience.

    Refused unless the consultation has questions, an audience with at least one organisation
    in it and an internal deadline in the future. Creates one invitation per audience
    organisation and one personal link per consultation contact of each, and sends the links.
    The report lists the organisations that have no contact to send a link to (and, inviting
    again, those whose contacts' links were revoked).
    """
    _require_permission(user, "consultations.change_consultation")
    locked = _lock_consultation(consultation)
    if locked.status != Consultation.Status.DRAFT:
        raise ValidationError(
            _("Only a draft consultation can be opened; this one is “%(status)s”."),
            code="not_draft",
            params={"status": locked.get_status_display()},
        )
    now = timezone.now()
    errors: list[ValidationError] = []
    if not locked.questions.exists():
        errors.append(ValidationError(_("Add at least one question before opening."), code="no_questions"))
    if not (locked.audience_sectors.exists() or locked.audience_organisations.exists()):
        errors.append(
            ValidationError(_("Choose the audience: sectors, organisations or both."), code="no_audience")
        )
    elif not selectors.consultation_audience(consultation=locked).exists():
        errors.append(
            ValidationError(
                _("No organisation is in the audience. Are the chosen ones active members?"),
                code="empty_audience",
            )
        )
    if locked.internal_deadline is None:
        errors.append(ValidationError(_("Set the internal deadline before opening."), code="no_deadline"))
    elif locked.internal_deadline <= now:
        errors.append(ValidationError(_("The internal deadline has already passed."), code="deadline_passed"))
    if errors:
        raise ValidationError(errors)

    locked.status = Consultation.Status.OPEN
    if locked.opens_at is None or locked.opens_at > now:
        locked.opens_at = now
    if locked.responsible_id is None:
        locked.responsible = user
    locked.save(update_fields=["status", "opens_at", "responsible", "updated_at"])
    report = _invitations_sync_and_send(consultation=locked)
    consultation.refresh_from_db()
    return report


@transaction.atomic
def consultation_close(*, consultation: Consultation, user: AbstractBaseUser) -> Consultation:
    """Close an open consultation: its links stop working and no answer can be saved."""
    _require_permission(user, "consultations.change_consultation")
    locked = _lock_consultation(consultation)
    if locked.status != Consultation.Status.OPEN:
        raise ValidationError(
            _("Only an open consultation can be closed; this one is “%(status)s”."),
            code="not_open",
            params={"status": locked.get_status_display()},
        )
    locked.status = Consultation.Status.CLOSED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "closed_at", "updated_at"])
    consultation.refresh_from_db()
    return consultation


@transaction.atomic
def consultation_archive(*, consultation: Consultation, user: AbstractBaseUser) -> Consultation:
    """Archive a closed consultation; it can then only be read."""
    _require_permission(user, "consultations.change_consultation")
    locked = _lock_consultation(consultation)
    if locked.status != Consultation.Status.CLOSED:
        raise ValidationError(
            _("Only a closed consultation can be archived; this one is “%(status)s”."),
            code="not_closed",
            params={"status": locked.get_status_display()},
        )
    locked.status = Consultation.Status.ARCHIVED
    locked.archived_at = timezone.now()
    locked.save(update_fields=["status", "archived_at", "updated_at"])
    consultation.refresh_from_db()
    return consultation


# --- invitations and links ------------------------------------------------------------------------


def _invitations_sync_and_send(*, consultation: Consultation) -> InvitationReport:
    """Create what is missing (invitations for audience organisations, links for their contacts)
    and queue the invitation e-mail of every link that has not had one: what
    `selectors.invitation_plan` says, which the admin showed before. Idempotent; the caller holds
    the consultation's lock."""
    plan = selectors.invitation_plan(consultation=consultation)
    Invitation.objects.bulk_create(
        [
            Invitation(consultation=consultation, organisation=organisation)
            for organisation in plan.new_organisations
        ]
    )
    # A person who ever had a link (even a revoked one) does not get a new one here: revoking
    # is a decision of staff, undone only by re-issuing.
    invitation_ids = dict(consultation.invitations.order_by().values_list("organisation_id", "pk"))
    AccessLink.objects.bulk_create(
        [
            AccessLink(invitation_id=invitation_ids[organisation_id], person=person)
            for organisation_id, person in plan.new_links
        ]
    )
    queued = _invitation_emails_queue(consultation=consultation)
    return InvitationReport(
        invitations_created=len(plan.new_organisations),
        links_created=len(plan.new_links),
        emails_queued=queued,
        organisations_without_contacts=plan.organisations_without_contacts,
        organisations_links_revoked=plan.organisations_links_revoked,
    )


def _invitation_emails_queue(*, consultation: Consultation) -> int:
    """Queue the invitation e-mail of every link that has not had one yet (`invited_at` empty:
    never queued, or its e-mail failed or was not sent) and that it would go to now
    (`selectors.access_links_not_queued`: the recipients' rule of `access_link_email_deliver`),
    as a re-issued link's e-mail where a re-issue made it. The invitation's `sent_at` is set only
    when an e-mail has really gone out."""
    now = timezone.now()
    links = list(
        selectors.access_links_not_queued(consultation=consultation)
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    if not links:
        return 0
    # Marked before queueing, in the same transaction: with the database task backend the
    # marks and the queued tasks commit together, so nobody is queued twice. (The immediate
    # backend runs each task here, inside this transaction; a failed one clears its mark.)
    AccessLink.objects.filter(pk__in=[link.pk for link in links]).update(invited_at=now)
    # A link that a re-issue made (its person's earlier link to the invitation revoked: new links
    # go only to contacts who never had one) goes out as a re-issued link, which says that the
    # earlier ones no longer work.
    reissued = set(
        AccessLink.objects.filter(
            revoked_at__isnull=False,
            invitation_id__in={link.invitation_id for link in links},
            person_id__in={link.person_id for link in links},
        ).values_list("invitation_id", "person_id")
    )
    for link in links:
        kind = emails.REISSUE if (link.invitation_id, link.person_id) in reissued else emails.INVITATION
        tasks.access_link_email_send.enqueue(access_link_id=link.pk, kind=kind)
    return len(links)


@transaction.atomic
def invitations_send(*, consultation: Consultation) -> InvitationReport:
    """Invite what opening would invite now: organisations added to the audience since the
    consultation opened and contacts added since (after staff fixed an organisation without
    one). Nothing is created or sent twice."""
    locked = _lock_consultation(consultation)
    if locked.status != Consultation.Status.OPEN:
        raise ValidationError(_("Invitations are sent only for an open consultation."), code="not_open")
    # A link sent now would open a page that can only be read.
    if locked.deadline_passed():
        raise ValidationError(
            _("The internal deadline has passed; no invitations are sent."), code="deadline_passed"
        )
    return _invitations_sync_and_send(consultation=locked)


@transaction.atomic
def reminders_send(*, consultation: Consultation, days_before: int | None = None) -> ReminderReport:
    """Remind every invited organisation that has not submitted: each of its links that a
    reminder goes to (`selectors.access_links_remindable`) gets a reminder e-mail; an organisation
    none of whose contacts can be reminded is neither counted nor marked as reminded. With
    `days_before` (the scheduler) only on the day that many days before the last day answers are
    taken, counted as the dashboard counts them (`analysis.days_to_deadline`: a deadline at
    midnight ends the day before), so that 0 is that last day. An organisation is never reminded
    twice on one day, nor on the day it was invited."""
    locked = _lock_consultation(consultation)
    if locked.status != Consultation.Status.OPEN:
        raise ValidationError(_("Reminders are sent only for an open consultation."), code="not_open")
    now = timezone.now()
    # The days the dashboard and the e-mails show: "gruodžio 9 d., 23:59" for a deadline at
    # midnight on 10 December, so that the reminder "3 days before" comes on 6 December.
    if days_before is not None and analysis.days_to_deadline(consultation=locked, now=now) != days_before:
        return ReminderReport()
    if locked.deadline_passed(now):
        raise ValidationError(
            _("The internal deadline has passed; no reminders are sent."), code="deadline_passed"
        )

    today = selectors.start_of_day()
    # Only invitations whose e-mail went out before today: an invitation not sent yet (its
    # e-mail failed or waits for the worker) gets its invitation first, not a reminder.
    invitations = list(
        selectors.invitations_to_remind(consultation=locked, since=today).select_for_update().order_by("pk")
    )
    # Counted before the reminders are marked: who is reminded, and why the others are not.
    plan = selectors.reminder_plan(consultation=locked, since=today)
    links = list(selectors.access_links_remindable().filter(invitation__in=invitations).order_by("pk"))
    reminded = {link.invitation_id for link in links}
    for invitation in invitations:
        if invitation.pk in reminded:
            invitation.reminded_at = now
            invitation.reminder_count += 1
    Invitation.objects.bulk_update(
        [invitation for invitation in invitations if invitation.pk in reminded],
        ["reminded_at", "reminder_count"],
    )
    for link in links:
        tasks.access_link_email_send.enqueue(access_link_id=link.pk, kind=emails.REMINDER)
    return ReminderReport(organisations=len(reminded), emails_queued=len(links), plan=plan)


@transaction.atomic
def access_link_revoke(*, access_link: AccessLink, user: AbstractBaseUser) -> bool:
    """Revoke a personal link: its tokens and every browser that opened it stop working at once.
    Returns False when the link was already revoked."""
    _require_permission(user, "consultations.change_accesslink")
    updated = AccessLink.objects.filter(pk=access_link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    access_link.refresh_from_db(fields=["revoked_at"])
    return bool(updated)


@transaction.atomic
def access_link_reissue(*, access_link: AccessLink, user: AbstractBaseUser) -> AccessLink:
    """Give the link's person a new link to the same response and e-mail it; the person's
    previous links stop working. Only while the consultation is open, and only for a person with
    an e-mail address who agrees to consultation mail and is still the organisation's contact
    (otherwise nothing is revoked). The new link is marked as queued; the invitation counts as
    sent once the e-mail has gone out (see
    `access_link_email_deliver`, which also leaves the link for "Invite new contacts" if it fails)."""
    _require_permission(user, "consultations.change_accesslink")
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("consultation", "organisation")
        .get(pk=access_link.invitation_id)
    )
    if invitation.consultation.status != Consultation.Status.OPEN:
        raise ValidationError(
            _("Links can be re-issued only while the consultation is open."), code="not_open"
        )
    if invitation.consultation.deadline_passed():
        raise ValidationError(
            _("The internal deadline has passed; links are no longer re-issued."), code="deadline_passed"
        )
    person = access_link.person
    if not person.email:
        raise ValidationError(
            _("%(person)s has no e-mail address to send a link to."),
            code="no_email",
            params={"person": person},
        )
    # Refused before any link is revoked: the new link would never be sent, or would open nothing.
    if not person.consent_consultations:
        raise ValidationError(
            _(
                "%(person)s does not agree to consultation mail: a new link would not be sent, so "
                "the link is not re-issued."
            ),
            code="no_consent",
            params={"person": person},
        )
    if not selectors.contact_current(person_id=person.pk, organisation_id=invitation.organisation_id):
        raise ValidationError(
            _(
                "%(person)s is no longer a contact of %(organisation)s: a new link would open "
                "nothing, so the link is not re-issued."
            ),
            code="not_affiliated",
            params={"person": person, "organisation": invitation.organisation},
        )
    now = timezone.now()
    AccessLink.objects.filter(
        invitation=invitation, person_id=access_link.person_id, revoked_at__isnull=True
    ).update(revoked_at=now)
    new_link = AccessLink.objects.create(
        invitation=invitation, person_id=access_link.person_id, invited_at=now
    )
    # An e-mail of its own: it tells the person that the links sent before no longer work.
    tasks.access_link_email_send.enqueue(access_link_id=new_link.pk, kind=emails.REISSUE)
    access_link.refresh_from_db(fields=["revoked_at"])
    return new_link


@transaction.atomic
def access_link_use(*, access_token: AccessToken) -> None:
    """Record that a link was opened in a browser with this token: the token's and the
    link's last use, and the link's and the invitation's first-opened times (kept once set)."""
    now = timezone.now()
    link = access_token.access_link
    AccessToken.objects.filter(pk=access_token.pk).update(last_used_at=now)
    AccessLink.objects.filter(pk=link.pk).update(last_used_at=now)
    AccessLink.objects.filter(pk=link.pk, opened_at__isnull=True).update(opened_at=now)
    Invitation.objects.filter(pk=link.invitation_id, opened_at__isnull=True).update(opened_at=now)


def access_link_email_deliver(*, access_link_id: int, kind: str) -> bool:
    """Issue a new token for the link and e-mail it to the link's person (run by the e-mail task).

    The raw token exists only here and in the e-mail; the database keeps its SHA-256 hash. Tokens
    mailed earlier keep working: every token of a link works until the link is revoked or the
    consultation stops being open. Nothing is sent for a revoked link, a consultation that is no
    longer open or whose internal deadline has passed, a person without an e-mail address, who
    no longer agrees to consultation mail or who has left the organisation (no current affiliation: the link opens nothing), or a reminder
    to an organisation that has submitted meanwhile or on a link that no e-mail has reached yet
    (its invitation comes first). An invitation e-mail that goes out marks the invitation as sent.

    If sending fails, nothing of the attempt is kept (no token, no sent time) and the error is
    raised again, so that the task fails where it can be seen. A first e-mail (an invitation or a
    re-issued link) that fails or is not sent leaves its link to be queued again by "Invite new
    contacts" once it would go (say, after its person agrees to consultation mail again), unless
    an e-mail reached that link before.
    """
    if kind not in EMAIL_KINDS:
        raise ValueError(f"Unknown e-mail kind {kind!r}")
    try:
        sent = _access_link_email_send(access_link_id=access_link_id, kind=kind)
    except Exception:
        if kind in FIRST_EMAIL_KINDS:
            _access_link_invitation_unmark(access_link_id=access_link_id)
        raise
    if not sent and kind in FIRST_EMAIL_KINDS:
        # Otherwise the link would stay "queued" for good: "Invite new contacts" passes it by.
        _access_link_invitation_unmark(access_link_id=access_link_id)
    return sent


@transaction.atomic
def _access_link_invitation_unmark(*, access_link_id: int) -> None:
    """After a first e-mail that failed or was not sent, in a transaction of its own (a failed
    attempt's was rolled back): clear the link's queued mark, so that "Invite new contacts" queues
    it again. Not for a link that an e-mail has reached before: it has a working token already."""
    AccessLink.objects.filter(pk=access_link_id, last_sent_at__isnull=True, tokens__isnull=True).update(
        invited_at=None
    )


@transaction.atomic
def _access_link_email_send(*, access_link_id: int, kind: str) -> bool:
    """One attempt of `access_link_email_deliver`, in one transaction."""
    link = (
        AccessLink.objects.select_for_update(of=("self",))
        .select_related(
            "person",
            "invitation__organisation",
            "invitation__consultation__requesting_institution",
            "invitation__consultation__responsible",
        )
        .filter(pk=access_link_id)
        .first()
    )
    if (
        link is None
        or link.revoked_at is not None
        or not link.person.email
        or not link.person.consent_consultations
    ):
        return False
    invitation = link.invitation
    if invitation.consultation.status != Consultation.Status.OPEN:
        return False
    # Queued before the deadline, run after it (a worker that was down): the link would open a
    # page that can only be read, under an e-mail asking for an answer.
    if invitation.consultation.deadline_passed():
        return False
    # Someone who has left the organisation gets nothing: their link opens nothing any more.
    if not selectors.contact_current(person_id=link.person_id, organisation_id=invitation.organisation_id):
        return False
    if kind == emails.REMINDER and (
        link.last_sent_at is None
        or Response.objects.filter(
            consultation_id=invitation.consultation_id,
            organisation_id=invitation.organisation_id,
            status=Response.Status.SUBMITTED,
        ).exists()
    ):
        return False
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = timezone.now()
    AccessToken.objects.create(
        access_link=link, token_hash=AccessToken.hash_token(token), kind=kind, issued_at=now
    )
    AccessLink.objects.filter(pk=link.pk).update(last_sent_at=now)
    if kind in FIRST_EMAIL_KINDS:
        # Marked as queued already, unless the mark was cleared meanwhile (an earlier attempt
        # failed, and this is a task run again by hand): "Invite new contacts" must not queue it.
        AccessLink.objects.filter(pk=link.pk, invited_at__isnull=True).update(invited_at=now)
        Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=True).update(sent_at=now)
    # Sent last: when sending fails, the transaction (the token, the sent times) is rolled back.
    emails.access_link_message(link=link, token=token, kind=kind).send()
    return True


# --- merging duplicate records (crm.services) -----------------------------------------------------


def _link_rank(link: AccessLink) -> tuple[bool, datetime.datetime]:
    """How recently a link was used: one used (opened) at all before any never used, then the
    later used, or made, first."""
    used = link.last_used_at or link.opened_at
    return used is not None, used or link.created_at


def _duplicate_links_revoke(links: Iterable[AccessLink]) -> int:
    """Of the active links given, one a person is kept on one invitation: the one used last (the
    one in the person's browser, most likely), or the newest if none was used. The others are
    revoked. Returns how many."""
    kept: set[int] = set()
    revoked = []
    for link in sorted((link for link in links if link.revoked_at is None), key=_link_rank, reverse=True):
        if link.person_id in kept:
            revoked.append(link.pk)
        kept.add(link.person_id)
    return AccessLink.objects.filter(pk__in=revoked).update(revoked_at=timezone.now())


def _merge_rights_check(user: AbstractBaseUser, *, what: str) -> None:
    """A merge that changes invitations and links needs the rights to change them: a CRM editor,
    who may only read the consultations, is told whom to ask."""
    if not (
        user.has_perm("consultations.change_invitation") and user.has_perm("consultations.change_accesslink")
    ):
        raise ValidationError(
            gettext(
                "These records cannot be merged by you: merging them also changes %(what)s, which "
                "only staff who run consultations may change. Ask an administrator to merge them."
            ),
            code="merge_needs_consultation_rights",
            params={"what": what},
        )


def merge_fold_invitations(
    *, survivor: Organisation, others: Sequence[Organisation], user: AbstractBaseUser
) -> Counter[str]:
    """Before duplicate organisations are merged (`crm.services.organisation_merge`): where two of
    them are invited to one consultation, one invitation is kept, and the others' personal links
    move to it. The kept one is that of the organisation that has answered, else the survivor's
    (else the first of the others'); its dates take the earliest sending and opening and the latest
    reminder of them all, and the others are deleted. A person with an active link on two of them
    keeps the one used last (`_duplicate_links_revoke`); the others are revoked. Refused when two
    of them have both answered one consultation (one of the answers would be lost), and for a user
    who may not change invitations and links. Returns what was combined."""
    order = [survivor.pk, *(other.pk for other in others)]
    # Two answers to one consultation refuse the merge, invited or not (each row locked: it stays).
    answered: dict[int, list[int]] = {}
    for consultation_id, organisation_id in (
        Response.objects.select_for_update()
        .filter(organisation_id__in=order)
        .order_by("pk")
        .values_list("consultation_id", "organisation_id")
    ):
        answered.setdefault(consultation_id, []).append(organisation_id)
    for consultation_id, organisation_ids in answered.items():
        if len(organisation_ids) > 1:
            names = dict(Organisation.objects.filter(pk__in=organisation_ids).values_list("pk", "name"))
            raise ValidationError(
                gettext(
                    "The organisations cannot be merged: each of them has answered the consultation "
                    "„%(consultation)s“ (%(organisations)s), and an organisation has one answer. "
                    "Keep them as separate records."
                ),
                code="merge_both_answered",
                params={
                    "organisations": ", ".join(
                        f"„{names[pk]}“" for pk in sorted(organisation_ids, key=order.index)
                    ),
                    "consultation": Consultation.objects.values_list("title", flat=True).get(
                        pk=consultation_id
                    ),
                },
            )
    by_consultation: dict[int, list[Invitation]] = {}
    for invitation in Invitation.objects.select_for_update().filter(organisation_id__in=order).order_by("pk"):
        by_consultation.setdefault(invitation.consultation_id, []).append(invitation)
    shared = {pk: group for pk, group in by_consultation.items() if len(group) > 1}
    combined: Counter[str] = Counter()
    if not shared:
        return combined
    _merge_rights_check(user, what=gettext("their invitations to consultations and personal links"))
    for consultation_id, group in shared.items():
        group.sort(key=lambda invitation: order.index(invitation.organisation_id))
        # The one answered (one at most, above), else the first.
        answering = answered.get(consultation_id, [])
        kept = next((i for i in group if i.organisation_id in answering), group[0])
        dropped = [invitation for invitation in group if invitation is not kept]
        links = AccessLink.objects.select_for_update().filter(invitation__in=group)
        combined[gettext("duplicate personal links revoked")] += _duplicate_links_revoke(links)
        AccessLink.objects.filter(invitation__in=dropped).update(invitation=kept)
        sent = [i.sent_at for i in group if i.sent_at]
        opened = [i.opened_at for i in group if i.opened_at]
        reminded = [i.reminded_at for i in group if i.reminded_at]
        kept.sent_at = min(sent, default=None)
        kept.opened_at = min(opened, default=None)
        kept.reminded_at = max(reminded, default=None)
        kept.reminder_count = max(i.reminder_count for i in group)
        kept.save(update_fields=["sent_at", "opened_at", "reminded_at", "reminder_count"])
        Invitation.objects.filter(pk__in=[i.pk for i in dropped]).delete()
        combined[gettext("invitations to one consultation combined")] += len(dropped)
    return combined


def merge_fold_access_links(
    *, survivor: Person, others: Sequence[Person], user: AbstractBaseUser
) -> Counter[str]:
    """Before duplicate persons are merged (`crm.services.person_merge`): where two of them hold
    an active link to one invitation, the one used last is kept and the others are revoked, so
    that the merged person has one (`_duplicate_links_revoke`). Refused for a user who may not
    change links. Returns what was revoked."""
    links = AccessLink.objects.select_for_update().filter(
        person_id__in=[survivor.pk, *(other.pk for other in others)], revoked_at__isnull=True
    )
    by_invitation: dict[int, list[AccessLink]] = {}
    for link in links:
        by_invitation.setdefault(link.invitation_id, []).append(link)
    shared = [group for group in by_invitation.values() if len(group) > 1]
    if not shared:
        return Counter()
    _merge_rights_check(user, what=gettext("their personal links to consultations"))
    revoked = 0
    for group in shared:
        # One person after the merge: each link counts as the survivor's.
        for link in group:
            link.person_id = survivor.pk
        revoked += _duplicate_links_revoke(group)
    return Counter({gettext("duplicate personal links revoked"): revoked})


# --- questions ------------------------------------------------------------------------------------


def _option_key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def question_changes_check(
    *,
    question: Question,
    original: Question | None,
    delete: bool = False,
    wording_fix_confirmed: bool = False,
) -> None:
    """Refuse a change to a question that would not fit the answers already given.

    `original` is the question as stored (None for a new one). Closed and archived
    consultations keep their questions. Once any organisation has saved an answer, questions
    cannot be added, removed or restructured; their wording (and the labels of their choices)
    can be corrected only when staff confirm it is a wording fix.
    """
    consultation = question.consultation
    if consultation.status in (Consultation.Status.CLOSED, Consultation.Status.ARCHIVED):
        raise ValidationError(
            _("The questions of a closed or archived consultation cannot be changed."),
            code="consultation_closed",
        )
    if consultation.pk is None:
        return  # a consultation being created has no answers
    if not selectors.consultation_has_answers(consultation=consultation):
        return
    if original is None:
        raise ValidationError(
            _("Members have already answered; no question can be added."), code="answered_add"
        )
    if delete:
        raise ValidationError(
            _("Members have already answered; no question can be removed."), code="answered_delete"
        )
    changed = [
        name for name in QUESTION_STRUCTURE_FIELDS if getattr(question, name) != getattr(original, name)
    ]
    if len(question.choices or []) != len(original.choices or []):
        changed.append("choices")
    if changed:
        raise ValidationError(
            _("Members have already answered; only the wording can be corrected, not: %(fields)s."),
            code="answered_structure",
            params={
                "fields": ", ".join(str(Question._meta.get_field(name).verbose_name) for name in changed)
            },
        )
    # Answers hold an option by its place: an option moved to another place would take the answers
    # of the one there ("Nepritariame" read where members chose "Pritariame").
    # (An option written twice has no one place to keep.)
    keys = [_option_key(text) for text in original.choices or []]
    places = {key: index for index, key in enumerate(keys) if keys.count(key) == 1}
    moved = [
        text
        for index, text in enumerate(question.choices or [])
        if places.get(_option_key(text), index) != index
    ]
    if moved:
        raise ValidationError(
            _(
                "Members have already answered, and their answers keep each option's place: an "
                "option cannot move to another place (%(options)s). Correct its wording where it is."
            ),
            code="answered_choice_moved",
            params={"options": ", ".join(gettext("“%(option)s”") % {"option": text} for text in moved)},
        )
    reworded = (
        any(getattr(question, name) != getattr(original, name) for name in QUESTION_WORDING_FIELDS)
        or question.choices != original.choices
    )
    if reworded and not wording_fix_confirmed:
        raise ValidationError(
            _(
                "Members have already answered. Confirm that this change only corrects the wording "
                "and does not change the meaning of the question."
            ),
            code="wording_fix_unconfirmed",
        )


@transaction.atomic
def question_save(*, question: Question, wording_fix_confirmed: bool = False) -> Question:
    """Add or change a question, within what `question_changes_check` allows."""
    original = Question.objects.select_for_update().filter(pk=question.pk).first() if question.pk else None
    question_changes_check(question=question, original=original, wording_fix_confirmed=wording_fix_confirmed)
    question.full_clean()
    question.save()
    return question


@transaction.atomic
def question_delete(*, question: Question) -> None:
    """Remove a question nobody has answered (see `question_changes_check`)."""
    question_changes_check(question=question, original=question, delete=True)
    question.delete()


# --- the member's answer --------------------------------------------------------------------------


class ResponseConflict(ValidationError):
    """A save based on a version of the response that someone has saved over since.

    Carries what changed meanwhile: who saved and when (`edits`), which questions (`questions`)
    and what they hold now (`current`), and the version the page should now be based on.
    """

    def __init__(
        self,
        *,
        current_version: int,
        edits: list[ResponseEdit],
        questions: list[Question],
        current: dict[int, AnswerValue],
    ) -> None:
        self.current_version = current_version
        self.edits = edits
        self.questions = questions
        self.current = current
        who = ", ".join(
            _("%(person)s at %(when)s")
            % {
                "person": edit.person.full_name if edit.person else _("someone"),
                "when": formats.date_format(timezone.localtime(edit.created_at), "SHORT_DATETIME_FORMAT"),
            }
            for edit in edits
        )
        super().__init__(
            _(
                "Your changes were not saved: the answer was saved by %(who)s after you opened it. "
                "What you typed is kept below."
            ),
            code="conflict",
            params={"who": who or _("someone else")},
        )


class ResponseAlreadySaved(ValidationError):
    """A save based on an older version that only repeats what the same person has saved since:
    a double-clicked button, a form sent again. Nothing is written and nothing is sent; there is
    no conflict to report either. `version` is the submitted version that already holds the
    answer, for a repeated submission (None for a repeated draft save)."""

    def __init__(self, *, version: ResponseVersion | None) -> None:
        self.version = version
        if version is None:
            super().__init__(
                _("This answer was already saved as it is on the page; it was not saved again."),
                code="already_saved",
            )
        else:
            super().__init__(
                _("This answer was already submitted as version %(number)d; it was not submitted again."),
                code="already_submitted",
                params={"number": version.number},
            )


class QuestionsChanged(ValidationError):
    """A save made on a page that showed other questions than the consultation has now: staff
    added, removed, reordered or restructured one (or changed its options) after the page was
    opened. Its answers may stand for other options, or for questions that are gone: nothing is
    written."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Nothing was saved: the questions were changed after you opened this page. "
                "The page now shows the current questions with what you typed where it still "
                "fits; check your answers, then save again."
            ),
            code="questions_changed",
        )


@dataclass(frozen=True)
class DraftSaved:
    """What a draft save did: the response (None when nothing was ever saved) and the ids of
    the questions it changed (none: nothing was written)."""

    response: Response | None
    changed_questions: list[int]


def response_editable_check(*, consultation: Consultation, now: datetime.datetime | None = None) -> None:
    """Refuse changes to answers unless the consultation is open and its internal deadline has
    not come (at the deadline itself, answers are closed)."""
    now = now or timezone.now()
    if consultation.status != Consultation.Status.OPEN:
        raise ValidationError(
            _("The consultation is no longer open; the answer can be read but not changed."), code="not_open"
        )
    if consultation.internal_deadline is None or now >= consultation.internal_deadline:
        raise ValidationError(
            _("The deadline has passed; the answer can be read but not changed."), code="deadline_passed"
        )


ANSWER_FIELDS = ("text", "choice_indexes", "other_text", "scale", "yes_no", "updated_at")


def _answers_update(answers: list[Answer]) -> None:
    """`bulk_update(answers, ANSWER_FIELDS)` as one `executemany` of a plain UPDATE a row.
    Django's `bulk_update` builds a CASE of every row for every field, and compiling it was a
    third of a submit's CPU; the values are prepared by the fields as Django prepares them."""
    if not answers:
        return
    fields = [Answer._meta.get_field(name) for name in ANSWER_FIELDS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"UPDATE {quote(Answer._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"  # noqa: S608 - names from the model
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                [field.get_db_prep_save(getattr(answer, field.attname), connection) for field in fields]
                + [answer.pk]
                for answer in answers
            ],
        )


def _answers_write(
    *,
    response: Response,
    questions: dict[int, Question],
    values: dict[int, AnswerValue],
    changed: list[int],
    existing: selectors.StoredAnswers,
) -> None:
    """Write the changed answers in a fixed number of statements, however many there are.
    `existing` are the stored answers, read under the response's lock."""
    emptied = [pk for pk in changed if values[pk].is_empty()]
    answered = [pk for pk in changed if not values[pk].is_empty()]
    if emptied:
        # Unanswered questions have no row, so an emptied draft does not lock the questions.
        Answer.objects.filter(response=response, question_id__in=emptied).delete()
    if not answered:
        return
    now = timezone.now()
    written = []
    for question_id in answered:
        value = values[question_id]
        answer = existing.answers.get(question_id) or Answer(response=response, question_id=question_id)
        answer.text = value.text
        answer.choice_indexes = list(value.choice_indexes)
        answer.other_text = value.other_text
        answer.scale = value.scale
        answer.yes_no = value.yes_no
        answer.updated_at = now
        written.append(answer)
    _answers_update([a for a in written if a.pk is not None])
    Answer.objects.bulk_create([a for a in written if a.pk is None])
    with_rows = [a for a in written if questions[a.question_id].kind == Question.Kind.PROPOSALS]
    if with_rows:
        # The rows read under the response's lock are all there are (only a save writes them, under
        # that lock): deleted as they are, with their links from position papers, they need no
        # query to find them, which deleting them by their answers would make.
        replaced = [row for answer in with_rows for row in existing.proposal_rows.get(answer.pk, ())]
        if replaced:
            collector = Collector(using=router.db_for_write(ProposalRow), origin=replaced[0])
            collector.collect(replaced)
            collector.delete()
        ProposalRow.objects.bulk_create(
            ProposalRow(
                answer=answer,
                position=position,
                provision=row.provision,
                proposed_wording=row.proposed_wording,
                justification=row.justification,
            )
            for answer in with_rows
            for position, row in enumerate(values[answer.question_id].rows, start=1)
        )


def _answers_after_save(
    *, questions: dict[int, Question], data: Mapping[int, AnswerValue], stored: dict[int, AnswerValue]
) -> dict[int, AnswerValue]:
    """The answers a save leaves, by question id: those posted, and the stored ones of questions
    not posted; each as its question's kind keeps it."""
    empty = AnswerValue()
    return {
        pk: data.get(pk, stored.get(pk, empty)).for_kind(question.kind) for pk, question in questions.items()
    }


def _snapshot(*, questions: dict[int, Question], values: dict[int, AnswerValue]) -> list[dict[str, Any]]:
    """The answers as a submitted version keeps them (`ResponseVersion.answers`)."""
    return [snapshot_entry(question=question, value=values[pk]) for pk, question in questions.items()]


def _repeated_save_check(
    *,
    response: Response,
    person: Person,
    expected_version: int,
    edits: list[ResponseEdit],
    questions: dict[int, Question],
    data: Mapping[int, AnswerValue],
    stored: dict[int, AnswerValue],
    submitting: bool,
) -> None:
    """Raise `ResponseAlreadySaved` when a save based on an older version only repeats what is
    stored: every save since that version (`edits`) was this person's, the answers posted equal
    the stored ones (`stored`, read under the response's lock) and, for a submission, the latest
    submitted version holds them too. Otherwise the caller reports a conflict: a colleague saved
    meanwhile, or what is posted differs from what was saved."""
    if (
        not edits
        or len(edits) != response.version - expected_version
        or any(edit.person_id != person.pk for edit in edits)
    ):
        return
    empty = AnswerValue()
    values = _answers_after_save(questions=questions, data=data, stored=stored)
    if any(value != stored.get(pk, empty).for_kind(questions[pk].kind) for pk, value in values.items()):
        return
    if not submitting:
        raise ResponseAlreadySaved(version=None)
    latest = response.versions.order_by("-number").first()
    if latest is not None and same_answers(latest.answers, _snapshot(questions=questions, values=values)):
        raise ResponseAlreadySaved(version=latest)


def _response_save(
    *,
    invitation: Invitation,
    person: Person,
    data: Mapping[int, AnswerValue],
    expected_version: int,
    submitting: bool,
    questions_shown: str = "",
) -> tuple[Response | None, list[int], dict[int, Question], dict[int, AnswerValue]]:
    """Check and write the answers (the callers hold a transaction). Returns the response, the
    changed question ids, the questions and the answers now stored, all by question id."""
    consultation = Consultation.objects.get(pk=invitation.consultation_id)
    now = timezone.now()
    response_editable_check(consultation=consultation, now=now)
    # An active link whose person is still with the organisation (as every member page checks).
    if not selectors.access_link_usable(invitation=invitation, person=person):
        raise PermissionDenied

    questions = {question.pk: question for question in consultation.questions.order_by("position", "id")}
    if questions_shown and questions_shown != questions_fingerprint(list(questions.values())):
        raise QuestionsChanged
    unknown = set(data) - set(questions)
    if unknown:
        raise ValueError(f"Questions {sorted(unknown)} are not of consultation {consultation.pk}")

    # The response row is locked until the transaction ends: of two saves based on one version,
    # the second waits here, then sees the first one's version and is refused.
    # Without Response's own ordering, which joins the consultation and the organisation: FOR UPDATE
    # would lock their rows too, and every submit to the consultation would wait for the others'.
    response = (
        Response.objects.select_for_update()
        .filter(consultation=consultation, organisation_id=invitation.organisation_id)
        .order_by()
        .first()
    )
    current_version = response.version if response else 0
    stored_answers = selectors.stored_answers(response=response)
    stored = stored_answers.values
    if current_version != expected_version:
        edits = (
            selectors.response_edits_since(response=response, version=expected_version) if response else []
        )
        if response is not None:
            _repeated_save_check(
                response=response,
                person=person,
                expected_version=expected_version,
                edits=edits,
                questions=questions,
                data=data,
                stored=stored,
                submitting=submitting,
            )
        changed_ids = {question_id for edit in edits for question_id in edit.changed_questions}
        raise ResponseConflict(
            current_version=current_version,
            edits=edits,
            questions=[question for pk, question in questions.items() if pk in changed_ids],
            current=stored,
        )

    empty = AnswerValue()
    values = _answers_after_save(questions=questions, data=data, stored=stored)
    errors = {
        str(pk): found
        for pk, question in questions.items()
        if (found := answer_errors(question=question, value=values[pk], submitting=submitting))
    }
    if errors:
        raise ValidationError(errors)
    if submitting and all(
        values[pk].for_kind(question.kind).is_empty() for pk, question in questions.items()
    ):
        # A click on "Submit" on an empty page would count the organisation as having answered.
        raise ValidationError(
            _("Answer at least one question before submitting: an empty answer is not sent."), code="empty"
        )

    changed = [pk for pk in questions if values[pk] != stored.get(pk, empty).for_kind(questions[pk].kind)]
    if not changed and not submitting:
        return response, [], questions, values
    if response is None:
        # Two colleagues' first saves: the unique constraint lets one insert; the other waits for
        # it, finds the row, and is refused as based on an older version.
        response, _created = Response.objects.get_or_create(
            consultation=consultation, organisation_id=invitation.organisation_id
        )
        response = Response.objects.select_for_update().get(pk=response.pk)
        if response.version != expected_version:
            # So does the second request of a double-clicked first save, which only repeats it.
            edits = selectors.response_edits_since(response=response, version=expected_version)
            current = selectors.answer_values(response=response)
            _repeated_save_check(
                response=response,
                person=person,
                expected_version=expected_version,
                edits=edits,
                questions=questions,
                data=data,
                stored=current,
                submitting=submitting,
            )
            raise ResponseConflict(
                current_version=response.version, edits=edits, questions=[], current=current
            )

    _answers_write(
        response=response, questions=questions, values=values, changed=changed, existing=stored_answers
    )
    update: dict[str, Any] = {"version": F("version") + 1, "updated_at": now}
    if submitting:
        update |= {
            "status": Response.Status.SUBMITTED,
            "submitted_at": now,
            "submitted_by": person,
            "has_unsubmitted_changes": False,
        }
    elif response.status == Response.Status.SUBMITTED:
        latest = response.versions.order_by("-number").first()
        snapshot = _snapshot(questions=questions, values=values)
        update["has_unsubmitted_changes"] = latest is None or not same_answers(latest.answers, snapshot)
    # The conditional update is the last word on concurrency: it changes nothing unless the
    # version is still the one this save was based on.
    if not Response.objects.filter(pk=response.pk, version=expected_version).update(**update):
        raise ResponseConflict(
            current_version=Response.objects.get(pk=response.pk).version,
            edits=[],
            questions=[],
            current=selectors.answer_values(response=response),
        )
    # The row is locked: it now holds what was just written.
    for name, value in update.items():
        setattr(response, name, value)
    response.version = expected_version + 1
    ResponseEdit.objects.create(
        response=response,
        person=person,
        action=ResponseEdit.Action.SUBMITTED if submitting else ResponseEdit.Action.SAVED,
        version=response.version,
        changed_questions=changed,
        created_at=now,
    )
    return response, changed, questions, values


@transaction.atomic
def response_save_draft(
    *,
    invitation: Invitation,
    person: Person,
    data: Mapping[int, AnswerValue],
    expected_version: int,
    questions_shown: str = "",
) -> DraftSaved:
    """Save the organisation's answers as a draft, as `person`, based on the response's
    `expected_version` (the one the person's page was loaded at).

    Required questions may stay unanswered; limits and choices are checked. A save based on an
    older version is refused with `ResponseConflict` (nothing is written), unless it only repeats
    what the same person has saved since (a double click): then `ResponseAlreadySaved`. A save
    that changes nothing writes nothing. After a submission, a draft save keeps the submitted
    version as the organisation's answer and marks the response as changed since (its answers,
    not the wording of their questions, differ from the submitted ones).

    `questions_shown` is the `answers.questions_fingerprint` of the questions the person's page
    showed: when the consultation's questions are no longer those, nothing is written and
    `QuestionsChanged` is raised (empty: not checked).
    """
    response, changed, _questions, _values = _response_save(
        invitation=invitation,
        person=person,
        data=data,
        expected_version=expected_version,
        submitting=False,
        questions_shown=questions_shown,
    )
    return DraftSaved(response=response, changed_questions=changed)


@transaction.atomic
def response_submit(
    *,
    invitation: Invitation,
    person: Person,
    data: Mapping[int, AnswerValue],
    expected_version: int,
    questions_shown: str = "",
) -> ResponseVersion:
    """Submit the organisation's answer (a first submission or an amendment) as `person`.

    Like a draft save, and besides: every required question must be answered; the answers are
    copied into a new numbered version (earlier ones are kept); the submitting person gets a
    receipt with the copy; on an amendment, the organisation's other invited contacts get a
    notice. Refused when no answer changed since the last submission (a wording fix of a
    question since changes no answer). A submission based on an older version that only repeats
    the same person's submission since (a double click) raises `ResponseAlreadySaved`: no new
    version, no second receipt. A submission from a page that showed other questions
    (`questions_shown`) is refused as a draft save is.
    """
    response, _changed, questions, values = _response_save(
        invitation=invitation,
        person=person,
        data=data,
        expected_version=expected_version,
        submitting=True,
        questions_shown=questions_shown,
    )
    assert response is not None  # noqa: S101 - _response_save creates it when submitting
    previous = response.versions.order_by("-number").first()
    snapshot = _snapshot(questions=questions, values=values)
    if previous is not None and same_answers(previous.answers, snapshot):
        raise ValidationError(
            _("Nothing has changed since the last submission (version %(number)d)."),
            code="unchanged",
            params={"number": previous.number},
        )
    version = ResponseVersion.objects.create(
        response=response,
        number=previous.number + 1 if previous else 1,
        submitted_at=response.submitted_at,
        submitted_by=person,
        answers=snapshot,
    )
    Invitation.objects.filter(pk=invitation.pk, submitted_at__isnull=True).update(
        submitted_at=response.submitted_at
    )
    # Queued last, in the same transaction: with the database task backend the e-mails are sent
    # by the worker only if the submission commits.
    tasks.response_receipt_send.enqueue(response_version_id=version.pk)
    if version.number > 1:
        for recipient_id in selectors.invitation_recipient_ids(invitation=invitation):
            if recipient_id != person.pk:
                tasks.response_amendment_notice_send.enqueue(
                    response_version_id=version.pk, person_id=recipient_id
                )
    return version


def response_receipt_deliver(*, response_version_id: int) -> bool:
    """E-mail the person who submitted a version its receipt, with a copy of the answers (run by
    the e-mail task). False when there is nobody to send it to."""
    version = _version_for_email(response_version_id)
    if version is None or version.submitted_by is None or not version.submitted_by.email:
        return False
    emails.response_receipt_message(version=version).send()
    return True


def response_amendment_notice_deliver(*, response_version_id: int, person_id: int) -> bool:
    """E-mail one of the organisation's invited contacts that its answer was amended (run by the
    e-mail task). Nothing is sent to someone no longer holding an active link."""
    version = _version_for_email(response_version_id)
    if version is None:
        return False
    invitation = Invitation.objects.get(
        consultation_id=version.response.consultation_id, organisation_id=version.response.organisation_id
    )
    recipient = next(
        (
            person
            for person in selectors.invitation_recipients(invitation=invitation)
            if person.pk == person_id
        ),
        None,
    )
    if recipient is None:
        return False
    emails.response_amendment_message(version=version, recipient=recipient).send()
    return True


def _version_for_email(response_version_id: int) -> ResponseVersion | None:
    return (
        ResponseVersion.objects.select_related(
            "submitted_by",
            "response__organisation",
            "response__consultation__responsible",
            "response__consultation__requesting_institution",
        )
        .filter(pk=response_version_id)
        .first()
    )

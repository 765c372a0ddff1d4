"""Read queries of consultations, shared by services, the admin, member pages and commands."""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from consultations.answers import AnswerValue
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
from crm import selectors as crm_selectors
from crm.collation import alphabetical
from crm.models import Affiliation, Organisation, Person


def consultation_audience(
    *, consultation: Consultation, day: datetime.date | None = None
) -> QuerySet[Organisation]:
    """The organisations a consultation is for: those in any of its sectors and those chosen
    by name; only the ones whose membership is active on `day` (today) unless the consultation
    says otherwise."""
    chosen = Q(pk__in=consultation.audience_organisations.values("pk"))
    in_sectors = Q(
        pk__in=Organisation.sectors.through.objects.filter(
            sector__in=consultation.audience_sectors.values("pk")
        ).values("organisation_id")
    )
    queryset = (
        crm_selectors.active_members(day=day) if consultation.only_active_members else Organisation.objects
    )
    return queryset.filter(chosen | in_sectors).order_by("name")


# Affiliations that have started (or have no start) and have not ended by `day`: the CRM's rule.
affiliations_current_on = crm_selectors.affiliations_current_on


def _current_affiliation(*, person: str, organisation: str, day: datetime.date) -> Subquery:
    """The id of the person's (the outer query's field `person`) affiliation with the organisation
    (its field `organisation`) current on `day`, or NULL; one look-up in the index of the
    affiliations' unique (person, organisation) pair.

    Filtered on as `__isnull=False` rather than with an Exists: PostgreSQL plans an EXISTS as a
    semi-join among the query's other joins, which doubled the time of the member pages' queries
    that check a link (planned anew on every request); a scalar subquery is left as a subplan,
    run for the one row the rest of the query finds, and adds a tenth to the state query."""
    return Subquery(
        affiliations_current_on(day=day)
        .filter(person_id=OuterRef(person), organisation_id=OuterRef(organisation))
        .order_by()
        .values("pk")[:1]
    )


def consultation_contacts(
    *, organisation_ids: list[int], day: datetime.date | None = None
) -> dict[int, list[Person]]:
    """Who receives an organisation's consultation links, by organisation id.

    The people whose current affiliation says "receives consultations"; when there is none,
    the primary contact. Only people who agreed to consultation mail, with an e-mail address and
    not anonymised. Organisations without such a person are missing from the result. One query.
    """
    day = day or timezone.localdate()
    affiliations = (
        affiliations_current_on(day=day)
        .filter(organisation_id__in=organisation_ids)
        .filter(Q(receives_consultations=True) | Q(is_primary=True))
        .exclude(person__email="")
        .filter(person__anonymised_at__isnull=True, person__consent_consultations=True)
        .select_related("person")
        .order_by("organisation_id", "person__last_name", "person__first_name", "person_id")
    )
    receiving: dict[int, list[Person]] = defaultdict(list)
    primary: dict[int, list[Person]] = defaultdict(list)
    for affiliation in affiliations:
        if affiliation.receives_consultations:
            receiving[affiliation.organisation_id].append(affiliation.person)
        if affiliation.is_primary:
            primary[affiliation.organisation_id].append(affiliation.person)
    contacts: dict[int, list[Person]] = {}
    for organisation_id in organisation_ids:
        people = receiving.get(organisation_id) or primary.get(organisation_id)
        if people:
            contacts[organisation_id] = people
    return contacts


def _not_reachable() -> Q:
    responses = Response.objects.filter(
        consultation_id=OuterRef("consultation_id"), organisation_id=OuterRef("organisation_id")
    )
    return Q(sent_at__isnull=True, opened_at__isnull=True) & ~Exists(responses)


def invitations_not_reachable(*, invitations: QuerySet[Invitation]) -> QuerySet[Invitation]:
    """The invitations among these that reached nobody: never sent, because the organisation had
    no consultation contact (`consultation_contacts`) whenever the consultation's invitations went
    out, and never opened nor answered. `invitation_reached` is the same rule for one invitation."""
    return invitations.filter(_not_reachable())


def invitations_reached(*, invitations: QuerySet[Invitation]) -> QuerySet[Invitation]:
    """The invitations among these that reached someone: the rest of `invitations_not_reachable`."""
    return invitations.filter(~_not_reachable())


def invitation_reached(*, invitation: Invitation, response: Response | None) -> bool:
    """Whether the invitation reached anyone: it was sent, or someone opened or answered it (which
    only a link that reached them allows, whether or not its sending was recorded). `response` is
    the organisation's response to the consultation, if any. No query."""
    return invitation.sent_at is not None or invitation.opened_at is not None or response is not None


def consultation_has_answers(*, consultation: Consultation) -> bool:
    """Whether any organisation has answered the consultation: saved an answer (draft or
    submitted) or submitted a version. A submitted version counts even when the answers saved
    since have all been emptied: it keeps each question's answer by the question's id, kind and
    choices' places, and the answers page and the position paper read it. One query."""
    answered = Answer.objects.filter(question__consultation=OuterRef("pk"))
    submitted = ResponseVersion.objects.filter(response__consultation=OuterRef("pk"))
    return Consultation.objects.filter(Exists(answered) | Exists(submitted), pk=consultation.pk).exists()


def _link_affiliation(day: datetime.date | None) -> Subquery:
    """`_current_affiliation` of a link's person with its invitation's organisation."""
    return _current_affiliation(
        person="person_id", organisation="invitation__organisation_id", day=day or timezone.localdate()
    )


def access_links_usable(*, day: datetime.date | None = None) -> QuerySet[AccessLink]:
    """The links that open their invitation's answer on `day` (today, in the association's time
    zone): not revoked, and their person still affiliated with the invitation's organisation
    (`affiliations_current_on`). A contact who has left the organisation keeps their link, but it
    opens nothing: setting the affiliation's end is enough, and undoing it gives access back."""
    return AccessLink.objects.alias(current_affiliation_id=_link_affiliation(day)).filter(
        current_affiliation_id__isnull=False, revoked_at__isnull=True
    )


def access_links_mailable(*, day: datetime.date | None = None) -> QuerySet[AccessLink]:
    """The links that consultation mail goes to (the rule `services.access_link_email_deliver`
    sends by): usable (`access_links_usable`), and their person has an e-mail address and agrees
    to consultation mail."""
    return access_links_usable(day=day).filter(person__consent_consultations=True).exclude(person__email="")


def access_links_remindable(*, day: datetime.date | None = None) -> QuerySet[AccessLink]:
    """The links a reminder e-mail goes to: mailable (`access_links_mailable`) and already sent
    once."""
    return access_links_mailable(day=day).filter(last_sent_at__isnull=False)


def contact_current(*, person_id: int, organisation_id: int) -> bool:
    """Whether the person is still a contact of the organisation today: a link of theirs to its
    invitations opens it, and consultation mail goes to them (`affiliations_current_on`)."""
    return (
        affiliations_current_on(day=timezone.localdate())
        .filter(person_id=person_id, organisation_id=organisation_id)
        .exists()
    )


def access_link_usable(*, invitation: Invitation, person: Person) -> bool:
    """Whether the person holds a link to the invitation that opens it today
    (`access_links_usable`). One query, asked from the affiliation's side: the invitation's
    organisation is known, and a join costs less to build than a subquery."""
    return (
        affiliations_current_on(day=timezone.localdate())
        .filter(
            person=person,
            organisation_id=invitation.organisation_id,
            person__consultation_links__invitation=invitation,
            person__consultation_links__revoked_at__isnull=True,
        )
        .exists()
    )


def access_links_with_usability(
    queryset: QuerySet[AccessLink], *, day: datetime.date | None = None
) -> QuerySet[AccessLink]:
    """The links with `current_affiliation_id`: their person's affiliation with the invitation's
    organisation current on `day` (today), None when there is none and the link opens nothing
    (`access_links_usable`). For staff's lists of links."""
    return queryset.annotate(current_affiliation_id=_link_affiliation(day))


def access_links_not_queued(
    *, consultation: Consultation, day: datetime.date | None = None
) -> QuerySet[AccessLink]:
    """The consultation's links whose invitation e-mail is not queued (`invited_at` empty: never
    queued, its e-mail failed, or it was not sent) and that it would go to now
    (`access_links_mailable`): not one of a person who has withdrawn consent to consultation mail,
    has no e-mail address or has left the organisation, which waits until it would. "Invite new
    contacts" queues them. On `day` (today)."""
    return access_links_mailable(day=day).filter(
        invitation__consultation=consultation, invited_at__isnull=True
    )


def access_token_find(*, token: str) -> AccessToken | None:
    """The token, when its link is active (`access_links_usable`) and its consultation open; None
    for a wrong, revoked or expired token, or the token of someone who has left the organisation,
    without saying which."""
    if not token or len(token) > 200:
        return None
    return (
        AccessToken.objects.alias(
            current_affiliation_id=_current_affiliation(
                person="access_link__person_id",
                organisation="access_link__invitation__organisation_id",
                day=timezone.localdate(),
            )
        )
        .filter(
            current_affiliation_id__isnull=False,
            token_hash=AccessToken.hash_token(token),
            access_link__revoked_at__isnull=True,
            access_link__invitation__consultation__status=Consultation.Status.OPEN,
        )
        .select_related(
            "access_link__person",
            "access_link__invitation__consultation",
            "access_link__invitation__organisation",
        )
        .first()
    )


def access_link_for_token(*, token: str) -> AccessLink | None:
    """The active link that any e-mailed token of it opens, while its consultation is open."""
    access_token = access_token_find(token=token)
    return access_token.access_link if access_token else None


def invitations_not_submitted(*, consultation: Consultation) -> QuerySet[Invitation]:
    """Invitations of organisations that have not submitted a response (none or a draft)."""
    submitted = Response.objects.filter(consultation=consultation, status=Response.Status.SUBMITTED).values(
        "organisation_id"
    )
    return consultation.invitations.exclude(organisation_id__in=submitted)


@dataclass(frozen=True)
class InvitationPlan:
    """What sending a consultation's invitations would do now (`invitation_plan`)."""

    # The audience organisations not invited yet, by name.
    new_organisations: list[Organisation] = field(default_factory=list)
    # The contacts to get a link, as (organisation id, person), by organisation name.
    new_links: list[tuple[int, Person]] = field(default_factory=list)
    # The organisations whose existing links are due an invitation e-mail that has not been
    # queued yet (never, or it failed or was not sent: `access_links_not_queued`), by id.
    organisations_not_queued: dict[int, int] = field(default_factory=dict)
    # The invited organisations (and those to be) left without an active link because they have
    # no consultation contact (`consultation_contacts`), by name ...
    organisations_without_contacts: list[Organisation] = field(default_factory=list)
    # ... and those that have, but every one of whose contacts' links staff revoked: re-issuing
    # them (the access links list) gives them access again, not adding a contact.
    organisations_links_revoked: list[Organisation] = field(default_factory=list)

    @property
    def emails(self) -> int:
        """The invitation e-mails to queue: one a new link and one an active link not queued yet."""
        return len(self.new_links) + sum(self.organisations_not_queued.values())

    @property
    def organisations_mailed(self) -> int:
        """The organisations that get at least one of these e-mails."""
        return len(
            {organisation_id for organisation_id, _person in self.new_links}
            | self.organisations_not_queued.keys()
        )


def invitation_plan(*, consultation: Consultation, day: datetime.date | None = None) -> InvitationPlan:
    """What opening the consultation, or inviting anew, would create and send on `day` (today): an
    invitation for every audience organisation (`consultation_audience`) not invited yet, a link for
    every consultation contact (`consultation_contacts`) of an invited organisation who never had
    one (a revoked link is not replaced: that is for staff to re-issue), and the invitation e-mail
    of every new link and every active link that has not had one queued. The organisations left
    without an active link are told apart: those without a consultation contact, and those whose
    contacts' links were revoked. The services create and send what it says; the admin shows it
    before asking to go ahead."""
    audience = list(consultation_audience(consultation=consultation, day=day).only("pk", "name"))
    invitations = list(consultation.invitations.select_related("organisation").order_by())
    invited = {invitation.organisation_id for invitation in invitations}
    new_organisations = [organisation for organisation in audience if organisation.pk not in invited]
    organisations = sorted(
        [*(invitation.organisation for invitation in invitations), *new_organisations],
        key=lambda organisation: (alphabetical(organisation.name), organisation.pk),
    )
    contacts = consultation_contacts(
        organisation_ids=[organisation.pk for organisation in organisations], day=day
    )
    links = AccessLink.objects.filter(invitation__consultation=consultation).order_by()
    linked = set(links.values_list("invitation__organisation_id", "person_id"))
    new_links = [
        (organisation.pk, person)
        for organisation in organisations
        for person in contacts.get(organisation.pk, [])
        if (organisation.pk, person.pk) not in linked
    ]
    with_link = set(
        links.filter(revoked_at__isnull=True).values_list("invitation__organisation_id", flat=True)
    )
    with_link |= {organisation_id for organisation_id, _person in new_links}
    not_queued: dict[int, int] = defaultdict(int)
    for organisation_id in access_links_not_queued(consultation=consultation, day=day).values_list(
        "invitation__organisation_id", flat=True
    ):
        not_queued[organisation_id] += 1
    without_link = [organisation for organisation in organisations if organisation.pk not in with_link]
    return InvitationPlan(
        new_organisations=new_organisations,
        new_links=new_links,
        organisations_not_queued=dict(not_queued),
        organisations_without_contacts=[
            organisation for organisation in without_link if organisation.pk not in contacts
        ],
        # Contacts, yet no active link and none new: every contact has had a link, now revoked.
        organisations_links_revoked=[
            organisation for organisation in without_link if organisation.pk in contacts
        ],
    )


def start_of_day(day: datetime.date | None = None) -> datetime.datetime:
    """Midnight at the start of `day` (today) in the association's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day or timezone.localdate(), datetime.time.min))


def _reminder_due(since: datetime.datetime) -> Q:
    # The invitation e-mail went out before the day began, and no reminder since.
    return Q(sent_at__lt=since) & (Q(reminded_at__isnull=True) | Q(reminded_at__lt=since))


def invitations_to_remind(
    *, consultation: Consultation, since: datetime.datetime | None = None
) -> QuerySet[Invitation]:
    """The invitations a reminder may go to today (`since`: the start of today): the organisation
    has not submitted (`invitations_not_submitted`), its invitation e-mail went out before today
    (an invitation not sent yet gets its invitation first; an organisation invited today is not
    reminded the same day) and it has not been reminded today. The reminder goes to the active
    links among them (`reminder_plan` counts what is left out, and why)."""
    return invitations_not_submitted(consultation=consultation).filter(_reminder_due(since or start_of_day()))


@dataclass(frozen=True)
class ReminderPlan:
    """The organisations that have not submitted their answer, by what a reminder now does for
    them (`reminder_plan`); each is counted once."""

    # Reminded: the invitation e-mail went out before today, no reminder today, a link a reminder
    # goes to (`access_links_remindable`).
    organisations: int = 0
    # The reminders' e-mails: the links of those that a reminder goes to.
    emails: int = 0
    # Left out: the invitation e-mail first went out today (reminded from tomorrow) ...
    invited_today: int = 0
    # ... a reminder went out today already ...
    reminded_today: int = 0
    # ... no invitation e-mail has gone out yet, though someone opened or answered it (its
    # e-mail waits to be sent, or failed) ...
    not_sent: int = 0
    # ... none of its contacts can be reminded (`access_links_remindable`: every link revoked, or
    # its person has withdrawn consent to consultation mail or left the organisation) ...
    without_link: int = 0
    # ... or it reached nobody (`invitations_not_reachable`: no consultation contact).
    not_reachable: int = 0

    @property
    def left_out(self) -> int:
        """The organisations not reminded (those not reachable among them)."""
        return (
            self.invited_today + self.reminded_today + self.not_sent + self.without_link + self.not_reachable
        )


def reminder_plan(*, consultation: Consultation, since: datetime.datetime | None = None) -> ReminderPlan:
    """Whom reminding the organisations that have not submitted would reach today (`since`: the
    start of today), and why the others would be left out: the rule of `invitations_to_remind`,
    each organisation that has not submitted counted under one reason. Two queries."""
    since = since or start_of_day()
    due = _reminder_due(since)
    counts = (
        invitations_not_submitted(consultation=consultation)
        .order_by()
        .alias(
            linked=Exists(access_links_remindable().filter(invitation_id=OuterRef("pk"))),
            # The rule of `invitations_not_reachable`.
            unreachable=ExpressionWrapper(_not_reachable(), output_field=BooleanField()),
        )
        .aggregate(
            organisations=Count("pk", filter=due & Q(linked=True)),
            without_link=Count("pk", filter=due & Q(linked=False)),
            reminded_today=Count("pk", filter=Q(sent_at__lt=since, reminded_at__gte=since)),
            invited_today=Count("pk", filter=Q(sent_at__gte=since)),
            not_sent=Count("pk", filter=Q(sent_at__isnull=True, unreachable=False)),
            not_reachable=Count("pk", filter=Q(unreachable=True)),
        )
    )
    emails = (
        access_links_remindable()
        .filter(invitation__in=invitations_to_remind(consultation=consultation, since=since))
        .count()
    )
    return ReminderPlan(emails=emails, **counts)


@dataclass(frozen=True)
class AnswerCounts:
    """How far the invited organisations have got with their answers (`answer_counts`), counted
    as the dashboard counts them (`analysis.StatusCounts`): `invited` are the invitations that
    reached someone, and those that reached nobody (`invitations_not_reachable`) are apart."""

    invited: int = 0
    not_reachable: int = 0
    submitted: int = 0
    # Not submitted, with a draft saved.
    drafts: int = 0
    # Submitted, then changed and saved without submitting again.
    changed_since_submission: int = 0

    @property
    def not_submitted(self) -> int:
        """The organisations reached that have not submitted (an answer saved means reached)."""
        return self.invited - self.submitted


def answer_counts(*, consultation: Consultation) -> AnswerCounts:
    """The consultation's invitations and its organisations' responses, counted. Two queries."""
    responses = Response.objects.filter(consultation=consultation).order_by()
    submitted = Q(status=Response.Status.SUBMITTED)
    counts = responses.aggregate(
        submitted=Count("pk", filter=submitted),
        drafts=Count("pk", filter=~submitted),
        changed_since_submission=Count("pk", filter=submitted & Q(has_unsubmitted_changes=True)),
    )
    invitations = (
        consultation.invitations.order_by()
        # The rule of `invitations_not_reachable`.
        .alias(unreachable=ExpressionWrapper(_not_reachable(), output_field=BooleanField()))
        .aggregate(total=Count("pk"), not_reachable=Count("pk", filter=Q(unreachable=True)))
    )
    return AnswerCounts(
        invited=invitations["total"] - invitations["not_reachable"],
        not_reachable=invitations["not_reachable"],
        **counts,
    )


# Browsers holding a link keep showing the answer (read-only) after the consultation closes.
SESSION_STATUSES = (Consultation.Status.OPEN, Consultation.Status.CLOSED)

# A link as a browser holds it: its id and its browser key (`AccessLink.browser_key`).
HeldLink = tuple[int, str]


def access_link_for_browser(*, links: list[HeldLink], invitation_id: int) -> AccessLink | None:
    """The active link (`access_links_usable`) among those a browser holds (with their keys) that
    opens this invitation, while the consultation is open or closed (not archived); None otherwise
    (a foreign invitation, a revoked link, a wrong key, someone who has left the organisation, an
    archived consultation). With its person, invitation and consultation: what a save needs; a
    page rendered after it reads the rest (`invitation_for_page`).

    Of several such links (colleagues sharing a computer, each having opened their own), the one
    the browser opened last: `links` are in the order they were opened, the newest last. A save is
    recorded as that link's person, not as a colleague who opened theirs in the browser before."""
    if not links:
        return None
    held = Q()
    for pk, key in links:
        held |= Q(pk=pk, browser_key=key)
    found = (
        # `access_links_usable` as a join with the person's affiliation with the invitation's
        # organisation (one row: the pair is unique), which costs every member page's request less
        # to build than its subquery.
        AccessLink.objects.filter(
            held,
            crm_selectors.affiliation_current_condition(
                day=timezone.localdate(), through="person__affiliations__"
            ),
            person__affiliations__organisation_id=F("invitation__organisation_id"),
            revoked_at__isnull=True,
            invitation_id=invitation_id,
            invitation__consultation__status__in=SESSION_STATUSES,
        )
        # Only what a save needs: the organisation and the requesting institution, two wide rows,
        # were about a third of the CPU this query costs every submit, to select and to build.
        .select_related("person", "invitation__consultation")
        # Unordered: AccessLink's own ordering would join the consultation and the organisation
        # once more (every save runs this query). The rows are the held links to one invitation,
        # one as a rule, and the newest of them is picked below.
        .order_by()
    )
    opened = {pk: place for place, (pk, _key) in enumerate(links)}
    return max(found, key=lambda link: opened[link.pk], default=None)


def access_link_ids_to_invitation(*, ids: list[int], invitation_id: int) -> set[int]:
    """Those of these links (by id) that are links to this invitation, whatever their state."""
    if not ids:
        return set()
    return set(
        AccessLink.objects.filter(pk__in=ids, invitation_id=invitation_id)
        .order_by()
        .values_list("pk", flat=True)
    )


@functools.cache
def _member_page_state_sql(links: int) -> str:
    """The query of `member_page_state` for a browser holding `links` links (made once)."""
    tables = {
        name: connection.ops.quote_name(model._meta.db_table)
        for name, model in {
            "link": AccessLink,
            "invitation": Invitation,
            "consultation": Consultation,
            "organisation": Organisation,
            "response": Response,
            "edit": ResponseEdit,
            "person": Person,
            "affiliation": Affiliation,
        }.items()
    }
    of_invitation = "r.consultation_id = i.consultation_id AND r.organisation_id = i.organisation_id"
    # The person's current affiliation as a scalar subquery, not an EXISTS: see _current_affiliation.
    # The times come as text: the driver's parsing of a timestamp costs more than the rest of the
    # row, and but for the deadline they are only compared.
    return f"""
        SELECT c.id, c.status, CAST(c.internal_deadline AS TEXT) AS internal_deadline, o.name,
            CAST(c.updated_at AS TEXT) AS consultation_updated_at,
            CAST(ri.updated_at AS TEXT) AS institution_updated_at,
            CAST(o.updated_at AS TEXT) AS organisation_updated_at,
            (SELECT r.id FROM {tables["response"]} r WHERE {of_invitation}) AS response_id,
            (SELECT r.version FROM {tables["response"]} r WHERE {of_invitation}) AS response_version,
            (SELECT CAST(MAX(p.updated_at) AS TEXT) || ' ' || CAST(COUNT(p.id) AS TEXT)
                FROM {tables["edit"]} e
                JOIN {tables["response"]} r ON r.id = e.response_id
                JOIN {tables["person"]} p ON p.id = e.person_id
                WHERE {of_invitation}) AS editors_updated_at
        FROM {tables["link"]} l
        JOIN {tables["invitation"]} i ON i.id = l.invitation_id
        JOIN {tables["consultation"]} c ON c.id = i.consultation_id
        JOIN {tables["organisation"]} o ON o.id = i.organisation_id
        LEFT JOIN {tables["organisation"]} ri ON ri.id = c.requesting_institution_id
        WHERE ({" OR ".join(["(l.id = %s AND l.browser_key = %s)"] * links)}) AND l.invitation_id = %s
            AND l.revoked_at IS NULL AND c.status IN ({", ".join(["%s"] * len(SESSION_STATUSES))})
            AND (SELECT a.id FROM {tables["affiliation"]} a
                WHERE a.person_id = l.person_id AND a.organisation_id = i.organisation_id
                    AND (a.start_date IS NULL OR a.start_date <= %s)
                    AND (a.end_date IS NULL OR a.end_date >= %s)
                LIMIT 1) IS NOT NULL
        LIMIT 1
    """  # noqa: S608 - only table names from the models and placeholders are put in


@dataclass(frozen=True)
class MemberPageState:
    """What the member page of an invitation depends on (`member_page_state`)."""

    consultation_id: int
    status: str
    internal_deadline: datetime.datetime | None
    organisation_name: str
    # The versions of what the page shows, as the database returns them: only compared, never
    # shown. The consultation's and the requesting institution's updated_at (all that the
    # consultation's blank page shows besides the above) ...
    consultation_versions: tuple[Any, ...]
    # ... then the organisation's updated_at, the response's id and version, and the latest
    # updated_at of the people in its history with the number of their entries there (which falls
    # when a person is deleted: their entries then show no name).
    organisation_updated_at: Any
    response_id: int | None
    response_version: int | None
    editors_updated_at: Any

    @property
    def unanswered(self) -> bool:
        """Nobody has saved an answer yet: the page shows the consultation's blank form."""
        return self.response_id is None

    @property
    def versions(self) -> tuple[Any, ...]:
        """The versions of everything an organisation's page shows."""
        return (
            *self.consultation_versions,
            self.organisation_updated_at,
            self.response_id,
            self.response_version,
            self.editors_updated_at,
        )


def member_page_state(*, links: list[HeldLink], invitation_id: int) -> MemberPageState | None:
    """What the member page of an invitation shows depends on, for a browser holding an active
    link to it whose person is still with the organisation (None otherwise, as
    `access_link_for_browser`), in one query.

    The consultation's `status`, `internal_deadline` and `updated_at`, which covers its
    questions and documents (signals.py); the organisation's and the requesting institution's
    `updated_at`; the response's id and version (raised by every save) and the latest
    `updated_at` of the people in its history (an erasure saves the person). And the
    organisation's name, which the page shows: the blank page of a consultation is kept once for
    every organisation and given its name when served (page_cache.py).

    Raw SQL through a plain cursor: the member page is served from the cache after this query
    alone, and building it with the ORM cost several times what running it does. On PostgreSQL
    the member views run it as a prepared statement (`config.db.prepared_statements`)."""
    if not links:
        return None
    # Today as `affiliations_current_on` takes it, as the database keeps a DateField.
    today = connection.ops.adapt_datefield_value(timezone.localdate())
    with connection.cursor() as cursor:
        cursor.execute(
            _member_page_state_sql(len(links)),
            [*(value for link in links for value in link), invitation_id, *SESSION_STATUSES, today, today],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    consultation_id, status, deadline, organisation_name, consultation_at, institution_at, *answer = row
    # ISO 8601 text: PostgreSQL's in UTC with its offset (Django's connections are in UTC);
    # SQLite's in UTC without one.
    if deadline is not None:
        deadline = datetime.datetime.fromisoformat(deadline)
        if timezone.is_naive(deadline):
            deadline = timezone.make_aware(deadline, datetime.UTC)
    return MemberPageState(
        consultation_id, status, deadline, organisation_name, (consultation_at, institution_at), *answer
    )


def consultation_for_page(*, consultation_id: int) -> Consultation:
    """A consultation with its requesting institution, for the page of an invitation to it."""
    return Consultation.objects.select_related("requesting_institution").get(pk=consultation_id)


def invitation_for_page(*, invitation_id: int) -> Invitation:
    """An invitation with what its member page shows of it: the consultation, the requesting
    institution and the organisation (the caller has checked the browser's link)."""
    return Invitation.objects.select_related("consultation__requesting_institution", "organisation").get(
        pk=invitation_id
    )


def question_kinds(*, invitation_id: int) -> dict[int, str]:
    """The kinds of the questions of the invitation's consultation, by question id (none for an
    unknown invitation). Nothing of what they ask."""
    return dict(
        Question.objects.filter(consultation__invitations__pk=invitation_id)
        .order_by()
        .values_list("pk", "kind")
    )


def response_for_invitation(*, invitation: Invitation) -> Response | None:
    """The invited organisation's response, if anyone has saved it yet."""
    # There is one at most (a unique constraint): first() by id, not by Response's own ordering,
    # which joins the consultation and the organisation.
    return (
        Response.objects.filter(
            consultation_id=invitation.consultation_id, organisation_id=invitation.organisation_id
        )
        .order_by("pk")
        .first()
    )


def answer_values(*, response: Response | None) -> dict[int, AnswerValue]:
    """The stored answers of a response by question id (two queries, none without a response)."""
    return stored_answers(response=response).values


@dataclass(frozen=True)
class StoredAnswers:
    """A response's stored answers (`stored_answers`): the rows by question id, their proposal
    rows by answer id, and the answers as values by question id."""

    answers: dict[int, Answer] = field(default_factory=dict)
    proposal_rows: dict[int, list[ProposalRow]] = field(default_factory=dict)
    values: dict[int, AnswerValue] = field(default_factory=dict)


def stored_answers(*, response: Response | None) -> StoredAnswers:
    """The stored answers of a response, as rows and as values (two queries, none without a
    response)."""
    if response is None or response.pk is None:
        return StoredAnswers()
    # Unordered: the answers' own ordering joins the question, the consultation and the organisation.
    answers = list(Answer.objects.filter(response=response).order_by())
    if not answers:
        return StoredAnswers()
    rows: dict[int, list[ProposalRow]] = defaultdict(list)
    for row in ProposalRow.objects.filter(answer_id__in=[answer.pk for answer in answers]).order_by(
        "position", "id"
    ):
        rows[row.answer_id].append(row)
    return StoredAnswers(
        answers={answer.question_id: answer for answer in answers},
        proposal_rows=dict(rows),
        values={answer.question_id: AnswerValue.from_answer(answer, rows[answer.pk]) for answer in answers},
    )


def response_edits(*, response: Response | None, limit: int = 20) -> list[ResponseEdit]:
    """Who saved and submitted the response, newest first."""
    if response is None:
        return []
    return list(response.edits.select_related("person").order_by("-created_at", "-id")[:limit])


def response_edits_since(*, response: Response, version: int) -> list[ResponseEdit]:
    """The saves that made the response newer than `version`, oldest first."""
    return list(
        response.edits.filter(version__gt=version).select_related("person").order_by("created_at", "id")
    )


def response_versions(*, response: Response | None) -> list[ResponseVersion]:
    """The submitted versions of a response, newest first."""
    if response is None:
        return []
    return list(response.versions.select_related("submitted_by").order_by("-number"))


def invitation_recipients(*, invitation: Invitation) -> list[Person]:
    """The people holding an active link to the invitation (`access_links_usable`: not those who
    have left the organisation), who have an e-mail address and (still) agree to consultation
    mail."""
    return list(_invitation_recipients(invitation))


def invitation_recipient_ids(*, invitation: Invitation) -> list[int]:
    """The ids of `invitation_recipients`, in the same order: what a submit queues the notices
    by (each task reads its person itself)."""
    return list(_invitation_recipients(invitation).values_list("pk", flat=True))


def _invitation_recipients(invitation: Invitation) -> QuerySet[Person]:
    # As joins (one row a person: a person has one active link to an invitation and one affiliation
    # with an organisation), which cost every submit less to build than `access_links_usable`'s
    # subquery.
    return (
        Person.objects.filter(
            crm_selectors.affiliation_current_condition(day=timezone.localdate(), through="affiliations__"),
            affiliations__organisation_id=invitation.organisation_id,
            consultation_links__invitation=invitation,
            consultation_links__revoked_at__isnull=True,
            anonymised_at__isnull=True,
            consent_consultations=True,
        )
        .exclude(email="")
        .order_by("last_name", "first_name", "pk")
    )

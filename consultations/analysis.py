"""The staff analysis of a consultation: how far the audience has got (the dashboard) and what the
organisations answered (the answers side by side, the exports).

An organisation's answer is its latest submitted version (`ResponseVersion.answers`); the
`Answer` rows are the working copy, which may hold draft changes nobody has submitted yet, so
they are never read here. Every selector runs a fixed number of queries, however many
organisations were invited.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from consultations import selectors
from consultations.models import Consultation, Invitation, Question, Response, ResponseVersion
from consultations.templatetags.consultation_tags import deadline_shown
from crm.models import Organisation, Person, Sector

# --- the dashboard ------------------------------------------------------------------------------


class Progress:
    """Where an invited organisation is with its response. `NOT_REACHABLE`: no invitation e-mail
    has gone out (`selectors.invitation_reached`): mostly because it had no contact who receives
    consultations, else because its e-mails failed or still wait for the task worker."""

    NOT_REACHABLE = "not_reachable"
    NOT_OPENED = "not_opened"
    OPENED = "opened"
    DRAFT = "draft"
    SUBMITTED = "submitted"


@dataclass
class StatusCounts:
    """How many organisations were invited, and how many of them have opened the consultation,
    saved a draft, submitted; apart, how many could not be reached.

    `invited` counts the invitations that reached someone (an invitation e-mail went out, or it
    was opened); an organisation with no contact who receives consultations, or whose e-mails
    failed, got an invitation nobody was sent, counted in `not_reachable` only, so that the rates
    (over `invited`) are those of the organisations actually asked. The other counts nest: a
    submitted organisation has also opened it, and `draft` counts those that saved answers but
    have not submitted."""

    invited: int = 0
    not_reachable: int = 0
    opened: int = 0
    draft: int = 0
    submitted: int = 0

    def add(self, progress: str) -> None:
        if progress == Progress.NOT_REACHABLE:
            self.not_reachable += 1
            return
        self.invited += 1
        if progress != Progress.NOT_OPENED:
            self.opened += 1
        if progress == Progress.DRAFT:
            self.draft += 1
        elif progress == Progress.SUBMITTED:
            self.submitted += 1

    @property
    def audience(self) -> int:
        """Every organisation with an invitation, reached or not."""
        return self.invited + self.not_reachable

    @staticmethod
    def _percent(part: int, whole: int) -> float:
        return round(100 * part / whole, 1) if whole else 0.0

    @property
    def submitted_percent(self) -> float:
        """The response rate: of the invitations that reached someone."""
        return self._percent(self.submitted, self.invited)

    @property
    def draft_percent(self) -> float:
        return self._percent(self.draft, self.invited)

    @property
    def opened_only_percent(self) -> float:
        """Opened, but with nothing saved yet."""
        return self._percent(self.opened - self.draft - self.submitted, self.invited)


@dataclass
class SectorCounts:
    """The counts of one sector; `sector` is None for organisations without a sector."""

    sector: Sector | None
    counts: StatusCounts = field(default_factory=StatusCounts)

    @property
    def label(self) -> str:
        return self.sector.name if self.sector else gettext("No sector")


@dataclass(frozen=True)
class PendingOrganisation:
    """An invited organisation that has not submitted, with the people who receive its links."""

    invitation: Invitation
    organisation: Organisation
    progress: str
    contacts: list[Person]
    last_saved_at: datetime.datetime | None


@dataclass(frozen=True)
class Dashboard:
    consultation: Consultation
    overall: StatusCounts
    by_sector: list[SectorCounts]
    pending: list[PendingOrganisation]
    days_to_deadline: int | None


def _progress(invitation: Invitation, response: Response | None) -> str:
    if not selectors.invitation_reached(invitation=invitation, response=response):
        return Progress.NOT_REACHABLE
    if response is not None and response.status == Response.Status.SUBMITTED:
        return Progress.SUBMITTED
    if response is not None:
        return Progress.DRAFT
    if invitation.opened_at is not None:
        return Progress.OPENED
    return Progress.NOT_OPENED


def days_to_deadline(*, consultation: Consultation, now: datetime.datetime | None = None) -> int | None:
    """Calendar days from today to the last day answers are taken (Vilnius time; a deadline at
    midnight ends the day before, as members are shown it, `deadline_shown`): 0 on that day,
    negative once the deadline has passed, to the minute; None without a deadline."""
    if consultation.internal_deadline is None:
        return None
    now = now or timezone.now()
    last_day = deadline_shown(consultation.internal_deadline).date()
    days = (last_day - timezone.localtime(now).date()).days
    return min(days, -1) if consultation.deadline_passed(now) else days


def consultation_dashboard(
    *,
    consultation: Consultation,
    invitations: QuerySet[Invitation] | None = None,
    now: datetime.datetime | None = None,
) -> Dashboard:
    """The consultation's progress: the counts overall and by sector (an organisation in two
    sectors counts in both), with the invitations nobody could be sent counted apart (see
    `StatusCounts`); the organisations that have not submitted (the unreachable ones too) with
    their consultation contacts; and the days left to the internal deadline. `invitations`
    narrows the audience (a filtered queryset of the consultation's invitations). Five queries."""
    queryset = (
        invitations if invitations is not None else Invitation.objects.filter(consultation=consultation)
    )
    rows = list(
        queryset.filter(consultation=consultation)
        .select_related("organisation")
        .prefetch_related(Prefetch("organisation__sectors", queryset=Sector.objects.order_by("position")))
        .order_by("organisation__name", "organisation_id")
    )
    responses = {
        response.organisation_id: response
        for response in Response.objects.filter(
            consultation=consultation, organisation_id__in=[row.organisation_id for row in rows]
        )
    }
    overall = StatusCounts()
    sectors: dict[int | None, SectorCounts] = {
        sector.pk: SectorCounts(sector=sector) for sector in Sector.objects.order_by("position", "code")
    }
    pending_rows: list[tuple[Invitation, str, Response | None]] = []
    for invitation in rows:
        response = responses.get(invitation.organisation_id)
        progress = _progress(invitation, response)
        overall.add(progress)
        organisation_sectors = list(invitation.organisation.sectors.all())
        for sector in organisation_sectors or [None]:
            key = sector.pk if sector else None
            sectors.setdefault(key, SectorCounts(sector=sector)).counts.add(progress)
        if progress != Progress.SUBMITTED:
            pending_rows.append((invitation, progress, response))
    contacts = selectors.consultation_contacts(
        organisation_ids=[invitation.organisation_id for invitation, _progress_, _response in pending_rows]
    )
    pending = [
        PendingOrganisation(
            invitation=invitation,
            organisation=invitation.organisation,
            progress=progress,
            contacts=contacts.get(invitation.organisation_id, []),
            last_saved_at=response.updated_at if response else None,
        )
        for invitation, progress, response in pending_rows
    ]
    return Dashboard(
        consultation=consultation,
        overall=overall,
        by_sector=[entry for entry in sectors.values() if entry.counts.audience],
        pending=pending,
        days_to_deadline=days_to_deadline(consultation=consultation, now=now),
    )


# --- the answers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmittedAnswer:
    """One organisation's latest submitted version."""

    organisation: Organisation
    response: Response
    version: ResponseVersion

    @property
    def entries(self) -> dict[int, dict[str, Any]]:
        """The version's answers by question id."""
        return {entry["question_id"]: entry for entry in self.version.answers if "question_id" in entry}


def submitted_answers(
    *, consultation: Consultation, invitations: QuerySet[Invitation] | None = None
) -> list[SubmittedAnswer]:
    """The latest submitted version of every organisation that has submitted, by organisation
    name; `invitations` narrows the organisations. One query."""
    latest = ResponseVersion.objects.filter(
        response__consultation=consultation,
        response__status=Response.Status.SUBMITTED,
    ).exclude(
        Exists(ResponseVersion.objects.filter(response=OuterRef("response"), number__gt=OuterRef("number")))
    )
    if invitations is not None:
        latest = latest.filter(
            response__organisation_id__in=invitations.filter(consultation=consultation).values(
                "organisation_id"
            )
        )
    versions = latest.select_related("response__organisation", "submitted_by").order_by(
        "response__organisation__name", "response__organisation_id"
    )
    return [
        SubmittedAnswer(
            organisation=version.response.organisation, response=version.response, version=version
        )
        for version in versions
    ]


@dataclass(frozen=True)
class ChoiceCount:
    label: str
    count: int
    # Of the organisations that answered the question, in percent.
    percent: float


@dataclass(frozen=True)
class TextAnswer:
    organisation: Organisation
    text: str
    # True for the text of an "Other" choice.
    other: bool = False


@dataclass(frozen=True)
class ProposalEntry:
    organisation: Organisation
    question: Question
    number: int
    provision: str
    proposed_wording: str
    justification: str


@dataclass
class ProposalGroup:
    """The proposals on one provision of the draft act (provisions written alike are one), or
    proposals of the same wording that name none (`proposal_group_key`)."""

    key: str
    provision: str
    proposals: list[ProposalEntry] = field(default_factory=list)


@dataclass
class QuestionSummary:
    question: Question
    # Organisations whose submitted version answers the question.
    answered: int = 0
    choices: list[ChoiceCount] = field(default_factory=list)
    texts: list[TextAnswer] = field(default_factory=list)
    proposal_groups: list[ProposalGroup] = field(default_factory=list)


@dataclass(frozen=True)
class AnswersAnalysis:
    consultation: Consultation
    submitted: list[SubmittedAnswer]
    questions: list[QuestionSummary]


# The words of a provision, in every case and number, and their abbreviations. "straipsnis"
# (straipsnio, straipsniui, straipsnį, straipsniu, straipsnyje; straipsniai, straipsnių, …) and
# "punktas" (punkto, punktui, punktą, punktu, punkte; punktai, punktų, …) keep their stem in every
# form; "papunktis" has "č" for its "t" in most (papunkčio, papunkčiui, papunktį, papunkčiu,
# papunktyje; papunkčiai, papunkčių, …), and "punkčio", written for "punkto", is a point too.
# "dalis" is matched by its endings (dalis, dalies, daliai, dalį, dalimi, dalyje; dalys, dalių,
# dalims, dalimis, dalyse): "dal…" alone would take other words.
_PROVISION_WORDS = [
    (re.compile(r"\bstraipsn\w*|\bstr\.?(?=\s|$|\d)", re.IGNORECASE), "str."),
    (
        re.compile(r"\bdal(?:is|ies|iai|į|imi|yje|ys|ių|ims|imis|yse)\b|\bd\.?(?=\s|$|\d)", re.IGNORECASE),
        "d.",
    ),
    (re.compile(r"\bpunk[tč]\w*|\bp\.?(?=\s|$|\d)", re.IGNORECASE), "p."),
    (re.compile(r"\bpapunk[tč]\w*|\bpap\.?(?=\s|$|\d)", re.IGNORECASE), "pap."),
]


def provision_key(provision: str) -> str:
    """The provision as a grouping key: "5 straipsnio 2 dalis", "5 str. 2 d." and
    "5 str., 2 d" are one provision, and so are "5 straipsnio 2 dalies 3 papunkčiu" and
    "5 str. 2 d. 3 pap.". Case, spacing, commas, the words' grammatical case and number and the
    usual Lithuanian abbreviations (str., d., p., pap.) do not count."""
    text = " ".join(provision.replace(",", " ").replace(";", " ").split()).casefold()
    for pattern, abbreviation in _PROVISION_WORDS:
        text = pattern.sub(abbreviation, text)
    text = re.sub(r"\s*\.\s*", ". ", text)
    return " ".join(text.split()).rstrip(". ").strip()


def proposal_group_key(*, provision: str, proposed_wording: str) -> str:
    """The key the members' amendment proposals are grouped by, on the answers page and in a
    position paper drafted from the consultation: the provision they name (`provision_key`).

    A proposal that names no provision has nothing in common with another such proposal but,
    perhaps, its wording: it is grouped only with the proposals of the same wording (apart from
    spacing and case), which say the same thing. Its key is the wording's hash (a wording may be
    long) after a space, which no provision's key starts with. A key is at most 255 characters,
    so that it can be stored."""
    key = provision_key(provision or "")[:255]
    if key:
        return key
    wording = " ".join((proposed_wording or "").split()).casefold()
    return " " + hashlib.sha256(wording.encode()).hexdigest()


_SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_NUMBERS = re.compile(rf"(\d+|[{_SUPERSCRIPT_DIGITS}]+)")


def natural_key(text: str) -> list[tuple[int, int, str]]:
    """The order of provisions: "2 str." before "10 str.", numbers compared as numbers (in any
    script's digits); an inserted article or point, numbered with a superscript as Lithuanian acts
    do, "15¹ str.", after "15 str." and its parts and before "16 str.".

    Not `str.isdigit`, which superscripts pass but `int` refuses."""
    key = []
    for part in _NUMBERS.split(text):
        if not part:
            continue
        if part.isdecimal():
            key.append((0, int(part), ""))
        elif part[0] in _SUPERSCRIPT_DIGITS:
            key.append((2, int("".join(str(_SUPERSCRIPT_DIGITS.index(digit)) for digit in part)), ""))
        else:
            key.append((1, 0, part))
    return key


def _summarise(question: Question, submitted: list[SubmittedAnswer]) -> QuestionSummary:
    summary = QuestionSummary(question=question)
    kind = question.kind
    answered: list[tuple[Organisation, dict[str, Any]]] = []
    for answer in submitted:
        entry = answer.entries.get(question.pk)
        if entry is None or not _is_answered(entry):
            continue
        # An answer submitted while the question was of another kind holds that kind's fields
        # (staff can no longer change the kind once anyone has submitted, but older versions
        # may): left out rather than read as this kind.
        if entry.get("kind", kind) != kind:
            continue
        answered.append((answer.organisation, entry))
    summary.answered = len(answered)

    def counts(labels: list[str], chosen: list[list[int]]) -> list[ChoiceCount]:
        tally = [0] * len(labels)
        for indexes in chosen:
            for index in set(indexes):
                if 0 <= index < len(labels):
                    tally[index] += 1
        return [
            ChoiceCount(
                label=label,
                count=count,
                percent=round(100 * count / summary.answered, 1) if summary.answered else 0.0,
            )
            for label, count in zip(labels, tally, strict=True)
        ]

    if kind in Question.CHOICE_KINDS:
        labels = list(question.choices or [])
        chosen = [list(entry.get("choice_indexes", [])) for _org, entry in answered]
        if question.allow_other or any(entry.get("other_text") for _org, entry in answered):
            labels.append(gettext("Other"))
            for indexes, (_org, entry) in zip(chosen, answered, strict=True):
                if entry.get("other_text"):
                    indexes.append(len(labels) - 1)
        summary.choices = counts(labels, chosen)
        summary.texts = [
            TextAnswer(organisation=org, text=entry["other_text"], other=True)
            for org, entry in answered
            if entry.get("other_text")
        ]
    elif kind == Question.Kind.SCALE:
        labels = [f"{point} – {label}" for point, label in Question.SCALE_LABELS.items()]
        summary.choices = counts(labels, [[entry["scale"] - 1] for _org, entry in answered])
    elif kind == Question.Kind.YES_NO:
        summary.choices = counts(
            [gettext("Yes"), gettext("No")], [[0 if entry["yes_no"] else 1] for _org, entry in answered]
        )
    elif kind == Question.Kind.PROPOSALS:
        groups: dict[str, ProposalGroup] = {}
        for org, entry in answered:
            for number, row in enumerate(entry.get("rows", []), start=1):
                provision = (row.get("provision") or "").strip()
                key = proposal_group_key(
                    provision=provision, proposed_wording=row.get("proposed_wording", "")
                )
                group = groups.setdefault(key, ProposalGroup(key=key, provision=provision))
                group.proposals.append(
                    ProposalEntry(
                        organisation=org,
                        question=question,
                        number=number,
                        provision=provision,
                        proposed_wording=row.get("proposed_wording", ""),
                        justification=row.get("justification", ""),
                    )
                )
        # Proposals that name no provision come last, in the order of the organisations' names.
        summary.proposal_groups = sorted(
            groups.values(),
            key=lambda group: (not group.provision, natural_key(group.key) if group.provision else []),
        )
    else:
        summary.texts = [TextAnswer(organisation=org, text=entry.get("text", "")) for org, entry in answered]
    return summary


def _is_answered(entry: dict[str, Any]) -> bool:
    return bool(
        entry.get("text")
        or entry.get("choice_indexes")
        or entry.get("other_text")
        or entry.get("scale") in Question.SCALE_LABELS
        or entry.get("yes_no") is not None
        or entry.get("rows")
    )


def consultation_answers(
    *, consultation: Consultation, invitations: QuerySet[Invitation] | None = None
) -> AnswersAnalysis:
    """The submitted answers side by side, question by question: choice counts with their share
    of the organisations that answered, every text answer with its organisation, every proposal
    grouped by provision (`proposal_group_key`). `invitations` narrows the organisations (see
    `filters`). Two queries."""
    submitted = submitted_answers(consultation=consultation, invitations=invitations)
    questions = list(consultation.questions.order_by("position", "id"))
    return AnswersAnalysis(
        consultation=consultation,
        submitted=submitted,
        questions=[_summarise(question, submitted) for question in questions],
    )

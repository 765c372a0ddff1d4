"""A draft position paper written from a closed consultation, and the consolidation of the
members' amendment proposals into the paper's proposals table.

What an organisation answered is its latest submitted version (`ResponseVersion.answers`), never
the working copy (`Answer`, `ProposalRow`), which may hold later, unsubmitted edits. The working
rows are linked to the paper only where they still say what was submitted.

Organisations are printed through `positions.letter.Attributions`, so a member that asked to stay
anonymous is described ("one cluster in the ICT sector") and an excluded one is not quoted at all.
Sections are written with the attributions as they are at that moment; when an attribution
changes, `paper_attributions_refresh` writes them again (the admin calls it when attributions are
saved), except sections staff have edited by hand, which are kept and reported. Proposals print
their supporters through the attributions when the letter is made, so they need no rewriting.
The proposal lines written from the groups are likewise remembered as written, so that a line
staff reworded survives applying the consolidation again (it is kept and reported). A section or
line saved from the admin comes back with the CRLF line breaks browsers send: differing only in
them (or in spaces at either end), it still reads as written (`reads_the_same`).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Prefetch, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from consultations.analysis import natural_key, proposal_group_key
from consultations.answers import entry_display
from consultations.models import Answer, Consultation, ProposalRow, Question, Response, ResponseVersion
from crm.collation import alphabetical
from crm.models import Organisation
from positions import services
from positions.letter import Attributions
from positions.models import (
    GeneratedSection,
    IssuerSettings,
    PaperAttribution,
    PaperProposal,
    PaperSection,
    PositionPaper,
    ProposalGroup,
    normalise_newlines,
    reads_the_same,
    subject_split,
)

# --- reading the submitted answers ------------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    """One responding organisation's submitted answers, by question id."""

    response: Response
    organisation: Organisation
    entries: dict[int, dict[str, Any]]
    answers: dict[int, Answer]
    rows: dict[int, list[ProposalRow]]
    submitted_at: datetime.datetime


def consultation_submissions(*, consultation: Consultation) -> list[Submitted]:
    """Every organisation that submitted an answer, with its latest submitted version, ordered by
    name (the `submitted_at` of a submission is that of its latest version). The working answers and rows come along to be linked, not read."""
    responses = (
        Response.objects.filter(consultation=consultation, versions__isnull=False)
        .distinct()
        .select_related("organisation")
        .prefetch_related(
            "organisation__sectors",
            Prefetch("versions", queryset=ResponseVersion.objects.order_by("-number")),
            Prefetch(
                "answers",
                queryset=Answer.objects.prefetch_related(
                    Prefetch("proposal_rows", queryset=ProposalRow.objects.order_by("position", "id"))
                ),
            ),
        )
        .order_by("organisation__name", "id")
    )
    submitted = []
    for response in responses:
        latest = response.versions.all()[0]
        entries = {
            entry["question_id"]: entry
            for entry in (latest.answers or [])
            if isinstance(entry, dict) and entry.get("question_id") is not None
        }
        answers = {answer.question_id: answer for answer in response.answers.all()}
        submitted.append(
            Submitted(
                response=response,
                organisation=response.organisation,
                entries=entries,
                answers=answers,
                rows={qid: list(answer.proposal_rows.all()) for qid, answer in answers.items()},
                submitted_at=latest.submitted_at,
            )
        )
    return submitted


def _snapshot_rows(entry: dict[str, Any] | None) -> list[dict[str, str]]:
    rows = []
    for row in (entry or {}).get("rows") or []:
        values = {
            name: str(row.get(name) or "") for name in ("provision", "proposed_wording", "justification")
        }
        if values["provision"].strip() or values["proposed_wording"].strip():
            rows.append(values)
    return rows


def _entry_as(question: Question, entry: dict[str, Any] | None) -> dict[str, Any] | None:
    """A submitted answer to the question, unless it was submitted while the question was of
    another kind (staff can no longer change the kind once anyone has submitted, but older
    versions may hold such answers): left out, as on the consultation's answers page, rather
    than read as this kind."""
    if entry is not None and entry.get("kind", question.kind) != question.kind:
        return None
    return entry


def _is_answered(entry: dict[str, Any] | None) -> bool:
    if not entry:
        return False
    return bool(
        entry.get("text")
        or entry.get("choice_indexes")
        or entry.get("other_text")
        or entry.get("scale") is not None
        or entry.get("yes_no") is not None
        or _snapshot_rows(entry)
    )


# --- the text of the sections -----------------------------------------------------------------------

# The characters a backslash escapes in Python-Markdown with its tables extension; before any other
# character ("~", say) the backslash would be printed.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")
# A line's first "=" (after its indentation): a line of "=" under a line of text makes that text
# a heading, which the sanitiser leaves out with the line. Markdown has no backslash escape for "="
# (it would print the backslash), so the first is written as its character reference, which prints
# as "=" and no longer makes a heading's underline.
LINE_OF_EQUALS_START = re.compile(r"^(\s*)=", re.MULTILINE)


def markdown_literal(text: str) -> str:
    """Member text made literal in Markdown: no markup of its own, HTML shown as typed."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return LINE_OF_EQUALS_START.sub(r"\1&#61;", text)


def share_sentence(*, count: int, total: int, choice: str) -> str:
    """ "12 of 15 responding organisations (80 %) chose “Support”." """
    # Half a percent up, as a reader rounds (5 of 8 is 63 %), not to the even neighbour as
    # round() does; in whole numbers, so that no float lands just under the half.
    share = (count * 200 + total) // (total * 2) if total else 0
    return ngettext(
        "%(count)d of %(total)d responding organisation (%(share)d %%) chose “%(choice)s”.",
        "%(count)d of %(total)d responding organisations (%(share)d %%) chose “%(choice)s”.",
        total,
    ) % {"count": count, "total": total, "share": share, "choice": markdown_literal(choice)}


def _quote(text: str, who: str) -> str:
    """The member's text as a Markdown quote, signed: its paragraphs, and its lines within a
    paragraph kept as lines (a hard break, two spaces at the line's end), as the member wrote them.
    A line's indentation is left out: to Markdown, a paragraph indented four spaces is code."""
    source = text.strip().splitlines()
    lines = []
    for index, line in enumerate(source):
        if not line.strip():
            lines.append(">")
            continue
        following = source[index + 1] if index + 1 < len(source) else ""
        lines.append(f"> {markdown_literal(line.strip())}" + ("  " if following.strip() else ""))
    return "\n".join([*lines, ">", f"> — *{markdown_literal(who)}*"])


@dataclass
class SectionDraft:
    question: Question
    heading: str
    body: str
    answers: list[Answer] = field(default_factory=list)


def _counts_lines(question: Question, answered: list[dict[str, Any]], total: int) -> list[str]:
    """One line a choice (scale point, yes or no) with its count and share, most chosen first."""
    counted: dict[str, int] = {}
    if question.kind in Question.CHOICE_KINDS:
        labels = list(question.choices or [])
        for entry in answered:
            for index in set(entry.get("choice_indexes") or []):
                label = labels[index] if 0 <= index < len(labels) else str(index + 1)
                counted[label] = counted.get(label, 0) + 1
            if entry.get("other_text"):
                other = gettext("Other")
                counted[other] = counted.get(other, 0) + 1
        order = [*labels, gettext("Other")]
    elif question.kind == Question.Kind.SCALE:
        for entry in answered:
            if entry.get("scale") in Question.SCALE_LABELS:
                label = f"{entry['scale']} – {Question.SCALE_LABELS[entry['scale']]}"
                counted[label] = counted.get(label, 0) + 1
        order = [f"{point} – {label}" for point, label in sorted(Question.SCALE_LABELS.items(), reverse=True)]
    else:
        for entry in answered:
            if entry.get("yes_no") is not None:
                label = gettext("Yes") if entry["yes_no"] else gettext("No")
                counted[label] = counted.get(label, 0) + 1
        order = [gettext("Yes"), gettext("No")]
    ranked = sorted(
        counted, key=lambda label: (-counted[label], order.index(label) if label in order else 99)
    )
    return [f"- {share_sentence(count=counted[label], total=total, choice=label)}" for label in ranked]


def _section_for(
    question: Question, submissions: list[Submitted], attributions: Attributions
) -> SectionDraft:
    total = len(submissions)
    answering = [s for s in submissions if _is_answered(_entry_as(question, s.entries.get(question.pk)))]
    draft = SectionDraft(question=question, heading=question.text, body="")
    draft.answers = [s.answers[question.pk] for s in answering if question.pk in s.answers]
    if not answering:
        # Said, so that the letter does not print the question with nothing under it.
        draft.body = ngettext(
            "The organisation that took part in the consultation did not answer this question.",
            "None of the %(total)d organisations that took part in the consultation answered this question.",
            total,
        ) % {"total": total}
        return draft
    parts: list[str] = []
    if question.kind == Question.Kind.PROPOSALS:
        rows = sum(len(_snapshot_rows(s.entries[question.pk])) for s in answering)
        parts.append(
            ngettext(
                "%(rows)d amendment proposal from %(count)d of %(total)d responding organisation; "
                "the adopted ones are in the proposals table.",
                "%(rows)d amendment proposals from %(count)d of %(total)d responding organisations; "
                "the adopted ones are in the proposals table.",
                total,
            )
            % {"rows": rows, "count": len(answering), "total": total}
        )
    elif question.kind in (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT):
        parts.append(
            ngettext(
                "Answered by %(count)d of the %(total)d organisation that took part in the consultation.",
                "Answered by %(count)d of the %(total)d organisations that took part in the consultation.",
                total,
            )
            % {"count": len(answering), "total": total}
        )
    else:
        parts.append("\n".join(_counts_lines(question, [s.entries[question.pk] for s in answering], total)))
    # Quotes: text answers, and the "other" texts of choice questions. In the order the paper
    # lists organisations (`Attributions.names`): the named ones alphabetically, then the
    # anonymous ones, so that an anonymous quote's place gives nothing away.
    quotes: list[tuple[bool, tuple[str, str, str], str, str]] = []
    for submission in answering:
        entry = submission.entries[question.pk]
        if question.kind in (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT):
            text = entry_display(entry)
        elif question.kind in Question.CHOICE_KINDS and entry.get("other_text"):
            text = entry["other_text"]
        else:
            continue
        names = attributions.names([submission.organisation])
        if names and text.strip():
            anonymous = attributions.mode(submission.organisation) == PaperAttribution.Mode.ANONYMOUS
            quotes.append((anonymous, alphabetical(names[0]), text, names[0]))
    parts += [_quote(text, name) for _anonymous, _key, text, name in sorted(quotes)]
    draft.body = "\n\n".join(part for part in parts if part)
    return draft


# --- grouping the proposals -------------------------------------------------------------------------


@dataclass
class GroupDraft:
    key: str
    provision: str
    question: Question | None = None
    entries: list[dict[str, Any]] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    rows: list[ProposalRow] = field(default_factory=list)


def consultation_proposal_groups(
    *, consultation: Consultation, submissions: list[Submitted] | None = None
) -> list[GroupDraft]:
    """Every submitted amendment proposal, grouped as on the consultation's answers page
    (`proposal_group_key`): by provision, written alike ("5 str. 2 d.", "5 straipsnio 2 dalis"),
    in the provisions' order ("5 straipsnis" before "12 straipsnis"); a group lists who proposed
    it. A proposal naming no provision is a group of its own, shared only with the proposals of
    the same wording; these groups come last, in the order they were submitted. The proposals of
    each proposals question (a consultation may ask one for each of several draft acts) are grouped
    apart, question by question, as on the answers page."""
    if submissions is None:
        submissions = consultation_submissions(consultation=consultation)
    # A provision is written as the organisation that submitted first wrote it.
    submissions = sorted(submissions, key=lambda s: (s.submitted_at, s.organisation.name))
    questions = consultation.questions.filter(kind=Question.Kind.PROPOSALS).order_by("position", "id")
    groups: dict[tuple[int, str], GroupDraft] = {}
    order: dict[int, int] = {}
    for question in questions:
        order[question.pk] = len(order)
        for submission in submissions:
            working = submission.rows.get(question.pk, [])
            for row in _snapshot_rows(_entry_as(question, submission.entries.get(question.pk))):
                key = proposal_group_key(provision=row["provision"], proposed_wording=row["proposed_wording"])
                group = groups.setdefault(
                    (question.pk, key),
                    GroupDraft(key=key, provision=" ".join(row["provision"].split()), question=question),
                )
                group.entries.append({"organisation_id": submission.organisation.pk, **row})
                if submission.organisation not in group.organisations:
                    group.organisations.append(submission.organisation)
                answer = submission.answers.get(question.pk)
                if answer is not None and answer not in group.answers:
                    group.answers.append(answer)
                # The working row is linked only while it still says what was submitted.
                group.rows += [
                    candidate
                    for candidate in working
                    if (candidate.provision, candidate.proposed_wording, candidate.justification)
                    == (row["provision"], row["proposed_wording"], row["justification"])
                    and candidate not in group.rows
                ]
    # Sorting is stable: the groups without a provision keep the order they were first proposed in.
    return sorted(
        groups.values(),
        key=lambda group: (
            order[group.question.pk],
            not group.provision,
            natural_key(group.key) if group.provision else [],
        ),
    )


# --- services -----------------------------------------------------------------------------------------


def _require(user: AbstractBaseUser | None, permission: str) -> None:
    if user is None or not user.has_perm(permission):  # type: ignore[attr-defined]
        raise PermissionDenied


def _subject_from(title: str) -> str:
    """The paper's subject from the consultation's title, without what the letter adds: its
    “Dėl” and the quotation marks around the whole of it („Dėl …“), `subject_split`, taken off
    for as long as they come again (“Dėl „Dėl … pakeitimo“”, “Dėl Dėl …”), so that the paper
    accepts the subject. A title that is nothing but “Dėl” leaves a subject for staff to write."""
    subject = title.strip()[:500]
    # Each round takes something off, until what is left reads the same taken apart again: then
    # it has no “Dėl” of its own (taking one off would have shortened it).
    while (split := subject_split(subject)[1]) != subject:
        subject = split
    return subject or gettext("(subject to be written)")


@transaction.atomic
def paper_draft_from_consultation(
    *, consultation: Consultation, user: AbstractBaseUser, addressee: Organisation | None = None
) -> PositionPaper:
    """Write a draft paper from a closed consultation: a section a question with the count and
    share of the responding organisations per choice and quotes of their text answers; every
    amendment proposal grouped by provision, for staff to adopt, merge or drop; the responding
    organisations in the annex, titled as the members that took part in the consultation. The
    addressee defaults to the requesting institution.

    The annex does not call them supporters: they answered the consultation's questions, which
    ask about the draft act, before the association's position was written, so no answer tells
    whether a member supports the position (disagreeing with the act may well be agreeing with
    it). Staff who have the members' agreement choose the supporters' title and edit the list.
    """
    _require(user, "positions.add_positionpaper")
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.status != Consultation.Status.CLOSED:
        raise ValidationError(
            _("A paper is drafted only from a closed consultation; this one is “%(status)s”."),
            code="consultation_not_closed",
            params={"status": consultation.get_status_display()},
        )
    if addressee is None and consultation.requesting_institution_id:
        institution = consultation.requesting_institution
        addressee = institution if institution.kind == Organisation.Kind.PUBLIC else None
    issuer = IssuerSettings.load()
    paper = PositionPaper(
        source_consultation=consultation,
        addressee=addressee,
        subject=_subject_from(consultation.title),
        signatory_name=issuer.signatory_name,
        signatory_position=issuer.signatory_position,
        annex=PositionPaper.Annex.PARTICIPANTS,
    )
    paper = services.paper_save(paper=paper, user=user)
    submissions = consultation_submissions(consultation=consultation)
    paper.supporting_organisations.set([s.organisation for s in submissions])
    drafts = consultation_proposal_groups(consultation=consultation, submissions=submissions)
    # In bulk, so that the number of queries does not grow with the number of groups.
    stored = ProposalGroup.objects.bulk_create(
        ProposalGroup(
            paper=paper,
            position=position,
            question=group.question,
            key=group.key,
            provision=group.provision[:255],
            entries=group.entries,
        )
        for position, group in enumerate(drafts, start=1)
    )
    _link(ProposalGroup.organisations, stored, [g.organisations for g in drafts])
    _link(ProposalGroup.source_answers, stored, [g.answers for g in drafts])
    _link(ProposalGroup.source_rows, stored, [g.rows for g in drafts])
    _write_sections(paper, consultation, submissions)
    return paper


def _link(relation: Any, owners: Sequence[Any], targets: Sequence[Iterable[Any]]) -> None:
    """Link each new owner row to its targets through the many-to-many table, in one insert."""
    field = relation.field
    through = relation.through
    owner_field, target_field = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
    through.objects.bulk_create(
        through(**{owner_field: owner.pk, target_field: target.pk})
        for owner, owner_targets in zip(owners, targets, strict=True)
        for target in {target.pk: target for target in owner_targets}.values()
    )


def _write_sections(paper: PositionPaper, consultation: Consultation, submissions: list[Submitted]) -> None:
    """Write the sections made from the consultation's questions, before any other section."""
    paper = PositionPaper.objects.prefetch_related("attributions").get(pk=paper.pk)
    with translation.override(paper.language):
        attributions = Attributions.of(paper)
        questions = list(consultation.questions.order_by("position", "id"))
        drafts = [_section_for(question, submissions, attributions) for question in questions]
    sections = PaperSection.objects.bulk_create(
        PaperSection(paper=paper, position=position, heading=draft.heading, body=draft.body)
        for position, draft in enumerate(drafts, start=1)
    )
    _link(PaperSection.source_answers, sections, [d.answers for d in drafts])
    GeneratedSection.objects.bulk_create(
        GeneratedSection(
            section=section, question=question, generated_heading=draft.heading, generated_body=draft.body
        )
        for section, question, draft in zip(sections, questions, drafts, strict=True)
    )


def _rewrite_sections(
    paper: PositionPaper, consultation: Consultation, submissions: list[Submitted]
) -> SectionsRewritten:
    """Write the sections made from the questions again with the current attributions. A section
    is rewritten only while it reads as it was last written; one that staff edited is kept as it
    is. A section staff deleted stays deleted. Only the sections written from the questions of
    `consultation` are: `submissions` holds no answer to another consultation's question, and its
    section would be written over as answered by none of the organisations (the paper's source
    consultation changed past its page and `services.paper_save`, which keep it)."""
    paper = PositionPaper.objects.prefetch_related("attributions").get(pk=paper.pk)
    generated = (
        GeneratedSection.objects.filter(section__paper=paper, question__consultation=consultation)
        .select_related("section", "question")
        .order_by("section__position", "section__id")
    )
    result = SectionsRewritten()
    with translation.override(paper.language):
        attributions = Attributions.of(paper)
        for row in generated:
            section = row.section
            if not _read_the_same(
                (section.heading, section.body), (row.generated_heading, row.generated_body)
            ):
                result.kept.append(section)
                continue
            draft = _section_for(row.question, submissions, attributions)
            if not _read_the_same((draft.heading, draft.body), (section.heading, section.body)):
                section.heading, section.body = draft.heading, draft.body
                section.save(update_fields=["heading", "body"])
                row.generated_heading, row.generated_body = draft.heading, draft.body
                row.save(update_fields=["generated_heading", "generated_body"])
                result.rewritten.append(section)
            section.source_answers.set(draft.answers)
    if result.rewritten:
        services.paper_touch(paper=paper)
    return result


def _read_the_same(texts: Sequence[str], others: Sequence[str]) -> bool:
    """Whether the texts read as the others, one by one: a section or line saved from the admin
    comes with the CRLF line breaks browsers send, and is not edited by hand for that
    (`reads_the_same`)."""
    return len(texts) == len(others) and all(map(reads_the_same, texts, others))


@dataclass
class SectionsRewritten:
    """What writing the sections again did: the ones whose text changed, and the ones kept
    because staff had edited them."""

    rewritten: list[PaperSection] = field(default_factory=list)
    kept: list[PaperSection] = field(default_factory=list)


@transaction.atomic
def paper_attributions_refresh(*, paper: PositionPaper, user: AbstractBaseUser) -> SectionsRewritten:
    """After the attributions of a draft paper changed: write the sections made from the
    consultation's answers again, so that each organisation is quoted as its attribution now says
    (named, described anonymously, or not at all). Sections edited by hand are kept and returned,
    for staff to check; approval refuses a paper whose text still names an organisation that is
    anonymous or excluded."""
    _require(user, "positions.change_positionpaper")
    services.paper_require_draft(paper=paper)
    paper = PositionPaper.objects.select_related("source_consultation").get(pk=paper.pk)
    if paper.source_consultation is None:
        return SectionsRewritten()
    return _rewrite_sections(
        paper, paper.source_consultation, consultation_submissions(consultation=paper.source_consultation)
    )


@dataclass(frozen=True)
class GroupDecision:
    decision: str
    reason: str
    merged_wording: str = ""
    merged_justification: str = ""

    @classmethod
    def of(cls, group: ProposalGroup) -> GroupDecision:
        """The decision the group holds."""
        return cls(
            decision=group.decision,
            reason=group.reason,
            merged_wording=group.merged_wording,
            merged_justification=group.merged_justification,
        )

    def normalised(self) -> GroupDecision:
        """The decision as it is kept: its texts with LF line breaks, without spaces at either end."""
        return GroupDecision(
            decision=self.decision,
            reason=normalise_newlines(self.reason).strip(),
            merged_wording=normalise_newlines(self.merged_wording).strip(),
            merged_justification=normalise_newlines(self.merged_justification).strip(),
        )

    @property
    def fingerprint(self) -> str:
        """A hash of the decision as kept, which the workspace sends back with each group: it
        tells whether staff changed the group on the page, and whether a colleague changed it
        since the page was shown."""
        kept = self.normalised()
        text = json.dumps(
            [kept.decision, kept.reason, kept.merged_wording, kept.merged_justification], ensure_ascii=False
        )
        return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def proposal_group_decide(
    *, group: ProposalGroup, user: AbstractBaseUser, decision: GroupDecision, shown: str | None = None
) -> ProposalGroup:
    """Record staff's decision on a grouped proposal: adopt, merge (with the merged wording) or
    drop, always with the reason. Only while the paper is a draft; the paper changes on apply.

    Who decided and when change only when the decision, reason or a merged text does. `shown`,
    the `GroupDecision.fingerprint` of the decision the page showed, refuses the decision if a
    colleague changed the group since: written over, theirs would be lost unseen."""
    _require(user, "positions.change_positionpaper")
    services.paper_require_draft(paper=group.paper)
    group = ProposalGroup.objects.select_for_update().get(pk=group.pk)
    current = GroupDecision.of(group)
    if shown is not None and shown != current.fingerprint:
        raise ValidationError(
            _(
                "A colleague changed the decision on “%(group)s” after this page was opened, so your "
                "change to it was not saved. Reload the page to see their decision."
            ),
            code="decision_changed",
            params={"group": str(group)},
        )
    decision = decision.normalised()
    if decision == current.normalised():
        return group
    group.decision = decision.decision
    group.reason = decision.reason
    group.merged_wording = decision.merged_wording
    group.merged_justification = decision.merged_justification
    errors: dict[str, ValidationError] = {}
    if group.decision != ProposalGroup.Decision.PENDING and not group.reason:
        errors["reason"] = ValidationError(_("Give the reason for the decision."), code="reason_missing")
    if group.decision == ProposalGroup.Decision.MERGE and not group.merged_wording:
        errors["merged_wording"] = ValidationError(_("Write the merged wording."), code="wording_missing")
    if errors:
        raise ValidationError(errors)
    group.full_clean()
    group.decided_by = user  # type: ignore[assignment]
    group.decided_at = timezone.now()
    group.save()
    return group


def _distinct(values: Iterable[str]) -> list[str]:
    """The texts, each once: texts that differ only in spacing and case are the same text, kept
    as it came first."""
    seen: dict[str, str] = {}
    for value in values:
        value = value.strip()
        if value:
            seen.setdefault(" ".join(value.split()).casefold(), value)
    return list(seen.values())


def _line_for(group: ProposalGroup) -> tuple[str, str, str] | None:
    """The proposals table's line the group's decision writes (provision, wording, justification),
    or None: a dropped or undecided group writes none."""
    justifications = "\n\n".join(_distinct(entry["justification"] for entry in group.entries))
    if group.decision == ProposalGroup.Decision.MERGE:
        return group.provision, group.merged_wording, group.merged_justification or justifications
    if group.decision == ProposalGroup.Decision.ADOPT:
        wordings = "\n\n".join(_distinct(entry["proposed_wording"] for entry in group.entries))
        return group.provision, wordings, justifications
    return None


@dataclass
class ConsolidationApplied:
    """What applying the consolidation did that staff should check: the proposal lines kept
    because staff had edited them (whatever their group's decision now says), the adopted groups
    whose line staff deleted (not written again), and what writing the sections again did."""

    paper: PositionPaper
    kept: list[PaperProposal] = field(default_factory=list)
    deleted: list[ProposalGroup] = field(default_factory=list)
    sections: SectionsRewritten = field(default_factory=SectionsRewritten)


@transaction.atomic
def paper_consolidation_apply(*, paper: PositionPaper, user: AbstractBaseUser) -> ConsolidationApplied:
    """Bring the draft paper in line with the consolidation: the adopted and merged groups become
    the proposals table's lines (new ones after the lines already there), each linked to the
    member answers and rows behind it; dropped and undecided ones are not in the paper. A line
    written before is left alone while its group writes the same, rewritten in place when the
    decision or merged wording changed, and removed when the group is dropped — unless staff
    edited it (it no longer reads as written), when it is kept as it is and returned, for staff to
    check. A line staff deleted is not written again while its group's decision writes the same.
    The sections written from the questions are written again with the current attributions,
    unless staff edited them. A paper whose lines or sections change is marked as changed
    (`services.paper_touch`), so that a page of it opened before does not save over them."""
    _require(user, "positions.change_positionpaper")
    services.paper_require_draft(paper=paper)
    paper = PositionPaper.objects.select_related("source_consultation").get(pk=paper.pk)
    if paper.source_consultation is None:
        raise ValidationError(_("This paper was not drafted from a consultation."), code="no_consultation")
    groups = list(
        ProposalGroup.objects.filter(paper=paper)
        .select_related("proposal", "question")
        .prefetch_related("organisations", "source_rows", "source_answers")
    )
    # Proposals on several draft acts: each line names its act.
    several_acts = groups_on_several_acts(groups)
    result = ConsolidationApplied(paper=paper)
    position = PaperProposal.objects.filter(paper=paper).aggregate(last=Max("position"))["last"] or 0
    remembered = ["proposal", "generated_provision", "generated_wording", "generated_justification"]
    lines_changed = False
    for group in groups:
        wanted = _line_for(group)
        line = group.proposal
        if line is not None:
            if not _read_the_same(
                (line.provision, line.proposed_wording, line.justification), group.generated_line
            ):
                result.kept.append(line)
            elif wanted is None:
                group.proposal = None
                _remember(group, None)
                group.save(update_fields=remembered)
                line.delete()
                lines_changed = True
            elif not _read_the_same(wanted, group.generated_line):
                line.provision, line.proposed_wording, line.justification = wanted
                line.save(update_fields=["provision", "proposed_wording", "justification"])
                _remember(group, wanted)
                group.save(update_fields=remembered)
                lines_changed = True
            continue
        if wanted is None:
            if any(group.generated_line):
                _remember(group, None)
                group.save(update_fields=remembered)
        elif _read_the_same(wanted, group.generated_line):
            result.deleted.append(group)
        else:
            position += 1
            provision, wording, justification = wanted
            line = PaperProposal.objects.create(
                paper=paper,
                position=position,
                act=group.question.text if several_acts and group.question else "",
                provision=provision,
                proposed_wording=wording,
                justification=justification,
            )
            line.supporting_organisations.set(group.organisations.all())
            line.source_rows.set(group.source_rows.all())
            line.source_answers.set(group.source_answers.all())
            group.proposal = line
            _remember(group, wanted)
            group.save(update_fields=remembered)
            lines_changed = True
    if lines_changed:
        services.paper_touch(paper=paper)
    result.sections = _rewrite_sections(
        paper, paper.source_consultation, consultation_submissions(consultation=paper.source_consultation)
    )
    return result


def groups_on_several_acts(groups: Iterable[ProposalGroup]) -> bool:
    """Whether the paper's groups answer more than one proposals question (a draft act each)."""
    return len({group.question_id for group in groups}) > 1


def _remember(group: ProposalGroup, line: tuple[str, str, str] | None) -> None:
    """Remember the line as written from the group (nothing written: all empty)."""
    group.generated_provision, group.generated_wording, group.generated_justification = line or ("", "", "")


# --- duplicate organisations merged ------------------------------------------------------------------


def merge_repoint_proposal_entries(*, survivor: Organisation, others: Sequence[Organisation]) -> Counter[str]:
    """Before duplicate organisations are merged (`crm.services.organisation_merge`, in its
    transaction): the grouped proposals' entries name their proposer by the organisation's id, in
    JSON that the merge's moving of foreign keys does not reach, so the entries of the groups the
    others proposed name the survivor instead; the workspace would otherwise show them with no
    proposer. Every paper's, sent ones included: the groups' organisations move with the merge too,
    and a new version copies the entries. What a registered paper prints is not touched: its
    approved letter holds the organisations' names as approved, no ids. Two queries however many
    groups. Returns nothing to report: the groups are counted among the records the merge moves."""
    other_pks = {other.pk for other in others}
    linked = ProposalGroup.organisations.through.objects.filter(organisation_id__in=other_pks)
    changed = []
    for group in ProposalGroup.objects.filter(pk__in=linked.values("proposalgroup_id")).only("pk", "entries"):
        entries = [
            {**entry, "organisation_id": survivor.pk} if entry.get("organisation_id") in other_pks else entry
            for entry in group.entries
        ]
        if entries != group.entries:
            group.entries = entries
            changed.append(group)
    ProposalGroup.objects.bulk_update(changed, ["entries"])
    return Counter()


# --- selectors for the workspace -------------------------------------------------------------------


def paper_proposal_groups(*, paper: PositionPaper) -> QuerySet[ProposalGroup]:
    """The paper's grouped proposals with who proposed them and the line each became."""
    return (
        ProposalGroup.objects.filter(paper=paper)
        .select_related("proposal", "decided_by", "question")
        .prefetch_related(Prefetch("organisations", queryset=Organisation.objects.order_by("name")))
    )


def closed_consultations() -> QuerySet[Consultation]:
    return Consultation.objects.filter(status=Consultation.Status.CLOSED).order_by("-closed_at", "-id")

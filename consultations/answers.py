"""Answers as values: what a member typed for one question, checked against the question,
compared with what is stored, and copied into a submitted version.

Kept apart from the models so the services, the member form, the e-mails and the staff
analysis speak of answers the same way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from consultations.models import Answer, ProposalRow, Question

# The proposal row's provision is a CharField of this length, whatever the question's limit.
PROVISION_MAX_LENGTH = 255
# A text answer's limit where its question sets none (about twenty pages): the answer page's form
# stays well under what the server takes in one request (DATA_UPLOAD_MAX_MEMORY_SIZE).
TEXT_MAX_LENGTH = 50_000


@dataclass(frozen=True)
class ProposalValue:
    """One row of an amendment proposals table."""

    provision: str = ""
    proposed_wording: str = ""
    justification: str = ""

    def is_empty(self) -> bool:
        return not (self.provision or self.proposed_wording or self.justification)

    def is_incomplete(self) -> bool:
        """Typed into, but naming neither the provision nor the proposed wording."""
        return not self.is_empty() and not (self.provision or self.proposed_wording)


@dataclass(frozen=True)
class AnswerValue:
    """An answer to one question. Which fields count depends on the question's kind (see `Answer`);
    the choice indexes point into `Question.choices`, and "other" is chosen when `other_text` is
    not empty."""

    text: str = ""
    choice_indexes: tuple[int, ...] = ()
    other_text: str = ""
    scale: int | None = None
    yes_no: bool | None = None
    rows: tuple[ProposalValue, ...] = field(default_factory=tuple)

    def is_empty(self) -> bool:
        return not (
            self.text
            or self.choice_indexes
            or self.other_text
            or self.scale is not None
            or self.yes_no is not None
            or self.rows
        )

    @classmethod
    def from_answer(cls, answer: Answer, rows: Iterable[ProposalRow] = ()) -> AnswerValue:
        return cls(
            text=answer.text,
            choice_indexes=tuple(answer.choice_indexes or ()),
            other_text=answer.other_text,
            scale=answer.scale,
            yes_no=answer.yes_no,
            rows=tuple(
                ProposalValue(
                    provision=row.provision,
                    proposed_wording=row.proposed_wording,
                    justification=row.justification,
                )
                for row in rows
            ),
        )

    def for_kind(self, kind: str) -> AnswerValue:
        """Only the parts of the value that the question's kind uses (the rest is dropped)."""
        if kind in (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT):
            return AnswerValue(text=self.text)
        if kind in Question.CHOICE_KINDS:
            return AnswerValue(
                choice_indexes=tuple(sorted(set(self.choice_indexes))), other_text=self.other_text
            )
        if kind == Question.Kind.SCALE:
            return AnswerValue(scale=self.scale)
        if kind == Question.Kind.YES_NO:
            return AnswerValue(yes_no=self.yes_no)
        return AnswerValue(rows=tuple(row for row in self.rows if not row.is_empty()))


def normalise_text(value: str) -> str:
    """Browsers send line breaks as CRLF but count them as one character; store them as LF so
    the character limit means what the page said."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _length_error(limit: int, length: int, what: str | None = None) -> ValidationError:
    if what:
        return ValidationError(
            _("%(what)s: at most %(limit)d characters (now %(length)d)."),
            code="too_long",
            params={"what": what, "limit": limit, "length": length},
        )
    return ValidationError(
        _("At most %(limit)d characters (now %(length)d)."),
        code="too_long",
        params={"limit": limit, "length": length},
    )


def answer_errors(*, question: Question, value: AnswerValue, submitting: bool) -> list[ValidationError]:
    """What is wrong with `value` as an answer to `question`.

    Always checked (a draft too): character limits, choices that exist, one choice for a
    single-choice question, proposal rows that name a provision or propose wording. Only on
    submission: a required question is answered, and an "other" choice is described.
    """
    errors: list[ValidationError] = []
    kind = question.kind
    limit = question.max_length or TEXT_MAX_LENGTH
    if kind in (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT):
        if len(value.text) > limit:
            errors.append(_length_error(limit, len(value.text)))
    elif kind in Question.CHOICE_KINDS:
        count = len(question.choices or [])
        if any(index < 0 or index >= count for index in value.choice_indexes):
            errors.append(ValidationError(_("Choose one of the options shown."), code="invalid_choice"))
        if value.other_text and not question.allow_other:
            errors.append(ValidationError(_("This question has no “Other” option."), code="no_other"))
        if kind == Question.Kind.SINGLE_CHOICE and len(value.choice_indexes) + bool(value.other_text) > 1:
            errors.append(
                ValidationError(
                    _("Choose one option: either one of the list or “Other” with your text."),
                    code="one_choice",
                )
            )
    elif kind == Question.Kind.SCALE:
        if value.scale is not None and not 1 <= value.scale <= 5:
            errors.append(ValidationError(_("Choose a point of the scale."), code="invalid_scale"))
    elif kind == Question.Kind.PROPOSALS:
        for number, row in enumerate(value.rows, start=1):
            if row.is_empty():
                continue
            if row.is_incomplete():
                errors.append(
                    ValidationError(
                        _("Proposal %(number)d: name the provision or give the proposed wording."),
                        code="proposal_incomplete",
                        params={"number": number},
                    )
                )
            fields = (
                (
                    gettext("Provision"),
                    row.provision,
                    min(limit, PROVISION_MAX_LENGTH),
                ),
                (gettext("Proposed wording"), row.proposed_wording, limit),
                (gettext("Justification"), row.justification, limit),
            )
            for label, text, field_limit in fields:
                if len(text) > field_limit:
                    what = gettext("Proposal %(number)d, %(field)s") % {
                        "number": number,
                        "field": label.lower(),
                    }
                    errors.append(_length_error(field_limit, len(text), what))
    if submitting and question.required and value.for_kind(kind).is_empty():
        errors.append(
            ValidationError(_("This question must be answered before submitting."), code="required")
        )
    return errors


# --- copies of submitted answers --------------------------------------------------------------------


def snapshot_entry(*, question: Question, value: AnswerValue) -> dict[str, Any]:
    """The copy of one answer kept in a submitted version: the question as it was worded then,
    and the answer both as data and as the labels the member saw."""
    value = value.for_kind(question.kind)
    choices = list(question.choices or [])
    return {
        "question_id": question.pk,
        "position": question.position,
        "kind": question.kind,
        "question": question.text,
        "required": question.required,
        "text": value.text,
        "choice_indexes": list(value.choice_indexes),
        "choices": [choices[index] for index in value.choice_indexes if 0 <= index < len(choices)],
        "other_text": value.other_text,
        "scale": value.scale,
        "yes_no": value.yes_no,
        "rows": [
            {
                "provision": row.provision,
                "proposed_wording": row.proposed_wording,
                "justification": row.justification,
            }
            for row in value.rows
        ],
    }


# The parts of a submitted copy that are the answer itself (`snapshot_entry`); the rest is the
# question as it was worded, which staff may correct afterwards.
ANSWER_DATA_KEYS = ("text", "choice_indexes", "other_text", "scale", "yes_no", "rows")


def _answer_data(entries: Iterable[dict[str, Any]]) -> dict[Any, tuple[Any, ...]]:
    empty: dict[str, Any] = {"text": "", "choice_indexes": [], "other_text": "", "rows": []}
    return {
        entry.get("question_id"): (
            entry.get("kind"),
            *(entry.get(key, empty.get(key)) for key in ANSWER_DATA_KEYS),
        )
        for entry in entries
    }


def same_answers(first: Iterable[dict[str, Any]], second: Iterable[dict[str, Any]]) -> bool:
    """Whether two copies of answers (`snapshot_entry`s) hold the same answers to the same
    questions. The wording of a question and of its options is left out: a wording fix confirmed
    by staff changes it in every later copy, not the answers."""
    return _answer_data(first) == _answer_data(second)


def entry_display(entry: dict[str, Any]) -> str:
    """A submitted answer as one plain text, in the active language (for e-mails and pages;
    proposals are listed separately from `entry["rows"]`). Empty when unanswered."""
    kind = entry.get("kind")
    if kind in (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT):
        return entry.get("text", "")
    if kind in Question.CHOICE_KINDS:
        parts = list(entry.get("choices", []))
        if entry.get("other_text"):
            parts.append(gettext("Other: %(text)s") % {"text": entry["other_text"]})
        return "; ".join(parts)
    if kind == Question.Kind.SCALE:
        scale = entry.get("scale")
        return f"{scale} – {Question.SCALE_LABELS[scale]}" if scale in Question.SCALE_LABELS else ""
    if kind == Question.Kind.YES_NO:
        yes_no = entry.get("yes_no")
        return "" if yes_no is None else (gettext("Yes") if yes_no else gettext("No"))
    if kind == Question.Kind.PROPOSALS:
        count = len(entry.get("rows", []))
        return (
            ngettext("%(count)d proposal", "%(count)d proposals", count) % {"count": count} if count else ""
        )
    return ""


# --- the questions a page was shown ----------------------------------------------------------------


def _question_digest(question: Question) -> str:
    """What of a question decides what its answer on the page means: its kind, its options in
    their order (an option is posted as its place) and whether it takes "Other"."""
    shape = json.dumps(
        [question.kind, list(question.choices or []), question.allow_other], ensure_ascii=False
    )
    return hashlib.sha256(shape.encode()).hexdigest()[:12]


def questions_fingerprint(questions: Sequence[Question]) -> str:
    """The questions as an answer page shows them, in their order: each as its id, its kind and
    a digest of its options (`_question_digest`). The page posts it back, so that a save made on
    a page shown before staff added, removed, reordered or restructured a question is told apart
    from one made on the current questions. Not their wording: correcting it changes no answer."""
    return " ".join(f"{question.pk}:{question.kind}:{_question_digest(question)}" for question in questions)


def fingerprint_questions(fingerprint: str) -> dict[int, tuple[str, str]]:
    """The questions a fingerprint names, as {id: (kind, digest)}; what cannot be read is left out."""
    found = {}
    for item in fingerprint.split():
        pk, _colon, rest = item.partition(":")
        kind, _colon, digest = rest.partition(":")
        if pk.isdecimal() and pk.isascii() and kind and digest:
            found[int(pk)] = (kind, digest)
    return found


def questions_changed(*, fingerprint: str, questions: Sequence[Question]) -> set[int]:
    """The ids of the questions that a page shown with `fingerprint` showed otherwise than
    `questions` are: added since, removed since, or of another kind or with other options. (Empty
    when only their order changed: an answer is posted by its question's id.)"""
    shown = fingerprint_questions(fingerprint)
    current = {question.pk: (question.kind, _question_digest(question)) for question in questions}
    return {pk for pk, shape in current.items() if shown.get(pk) != shape} | (set(shown) - set(current))

"""Consultations: the association asks its members a policy question and every member
organisation answers once, written by its own people, before the deadline.

State changes (opening, closing, sending links, saving answers) go through
`consultations.services`; the models hold fields, constraints and cheap properties.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from consultations.validators import validate_document
from crm.models import Organisation, Person, Sector


def content_lang() -> str:
    """The language of what staff write (titles, background, questions, their choices) when the
    page or e-mail is in another one, for its `lang` attribute: screen readers then read that text
    in Lithuanian (WCAG 3.1.2). Empty in the site's own language, where the page's `lang` holds."""
    site = settings.LANGUAGE_CODE
    current = translation.get_language() or site
    return "" if current.split("-")[0] == site.split("-")[0] else site


class Consultation(models.Model):
    """A policy question put to the members, usually a ministry's draft act."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        ARCHIVED = "archived", _("Archived")

    title = models.CharField(_("title"), max_length=255)
    background = models.TextField(
        _("background"), blank=True, help_text=_("Markdown: **bold**, _italic_, lists, links.")
    )
    requesting_institution = models.ForeignKey(
        Organisation,
        verbose_name=_("requesting institution"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requested_consultations",
        # A ministry, the Seimas, a municipality: the CRM's public institutions, whom a paper drafted
        # from the consultation is addressed to; never a member.
        limit_choices_to={"kind": Organisation.Kind.PUBLIC},
        help_text=_("The ministry or other body that asked for comments."),
    )
    external_reference = models.CharField(
        _("external reference"), max_length=100, blank=True, help_text=_("For example a TAIS draft number.")
    )
    external_url = models.URLField(_("external link"), max_length=500, blank=True)
    opens_at = models.DateTimeField(
        _("opens at"), null=True, blank=True, help_text=_("Set to the moment of opening when it opens.")
    )
    internal_deadline = models.DateTimeField(
        _("internal deadline"),
        null=True,
        blank=True,
        help_text=_("Members answer until this moment. Required to open the consultation."),
    )
    external_deadline = models.DateTimeField(
        _("external deadline"),
        null=True,
        blank=True,
        help_text=_("When the association's position is due to the requesting institution."),
    )
    audience_sectors = models.ManyToManyField(
        Sector, verbose_name=_("audience sectors"), blank=True, related_name="consultations"
    )
    audience_organisations = models.ManyToManyField(
        Organisation,
        verbose_name=_("chosen organisations"),
        blank=True,
        related_name="targeted_consultations",
    )
    only_active_members = models.BooleanField(
        _("only active members"),
        default=True,
        help_text=_("Invite only organisations with an active membership today."),
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible staff member"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="responsible_consultations",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.DRAFT, editable=False, db_index=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        # Answers leave the system in bulk only with this, as the CRM's records do with theirs
        # (crm.export_organisation, crm.export_person); viewing them needs only the view permission.
        permissions = [("export_consultation", _("Can export consultation answers"))]
        # The admin list reads the newest consultations in order and stops at the page's end,
        # instead of computing every consultation's counts and sorting them all.
        indexes = [models.Index(fields=["created_at", "id"], name="consult_created_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "open", "closed", "archived"]),
                name="consultations_consultation_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(opens_at__isnull=False, internal_deadline__isnull=False),
                name="consultations_consultation_opened_has_dates",
                violation_error_message=_("An opened consultation has an opening time and a deadline."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "open"]) | Q(closed_at__isnull=False),
                name="consultations_consultation_closed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="archived") | Q(archived_at__isnull=False),
                name="consultations_consultation_archived_has_time",
            ),
            models.CheckConstraint(
                condition=Q(internal_deadline__isnull=True)
                | Q(external_deadline__isnull=True)
                | Q(internal_deadline__lte=F("external_deadline")),
                name="consultations_consultation_deadlines_ordered",
                violation_error_message=_("The internal deadline cannot be later than the external one."),
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(internal_deadline__isnull=True)
                | Q(opens_at__lt=F("internal_deadline")),
                name="consultations_consultation_opens_before_deadline",
                violation_error_message=_("The consultation must open before its internal deadline."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def clean(self) -> None:
        """An opened consultation keeps its opening time and deadline: the form does not hold the
        status, so the database's rule (consultations_consultation_opened_has_dates) is checked
        here, as a form error, instead of failing on save."""
        super().clean()
        if self.status != self.Status.DRAFT:
            missing = {
                name: ValidationError(
                    _(
                        "An opened consultation has an opening time and a deadline: keep this one, or change it."
                    ),
                    code="required_once_opened",
                )
                for name in ("opens_at", "internal_deadline")
                if getattr(self, name) is None
            }
            if missing:
                raise ValidationError(missing)
        if self.status == self.Status.OPEN and self.pk and self.deadline_passed():
            stored = (
                Consultation.objects.filter(pk=self.pk).values_list("internal_deadline", flat=True).first()
            )
            # To the second, as the form shows it.
            if stored is None or stored.replace(microsecond=0) != self.internal_deadline.replace(
                microsecond=0
            ):
                # Answering would stop at once, with the consultation still shown as open and
                # nobody told: closing it is the step that says so and counts what is left.
                raise ValidationError(
                    {
                        "internal_deadline": ValidationError(
                            _(
                                "An open consultation's deadline cannot be moved into the past: members "
                                "could no longer answer, while the consultation is still open. To stop "
                                "the answers now, close the consultation."
                            ),
                            code="deadline_in_past",
                        )
                    }
                )

    def deadline_passed(self, now: datetime.datetime | None = None) -> bool:
        """Whether the internal deadline has come (at the deadline itself, answers are closed);
        False while there is none (a draft)."""
        return self.internal_deadline is not None and self.internal_deadline <= (now or timezone.now())


def document_upload_to(instance: ConsultationDocument, filename: str) -> str:
    return f"consultations/{instance.consultation_id or 'new'}/{filename}"


class ConsultationDocument(models.Model):
    """A document attached to a consultation (the draft act, its explanatory note, …)."""

    consultation = models.ForeignKey(
        Consultation, verbose_name=_("consultation"), on_delete=models.CASCADE, related_name="documents"
    )
    title = models.CharField(_("title"), max_length=255)
    file = models.FileField(
        _("file"),
        upload_to=document_upload_to,
        max_length=255,
        validators=[validate_document],
        help_text=_("PDF, DOCX, XLSX or ODT, at most 20 MB."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """One question of a consultation, in its order."""

    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        SINGLE_CHOICE = "single_choice", _("Single choice")
        MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
        SCALE = "scale", _("Agreement scale (1–5)")
        YES_NO = "yes_no", _("Yes or no")
        PROPOSALS = "proposals", _("Amendment proposals")

    CHOICE_KINDS = frozenset({Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE})
    TEXT_KINDS = frozenset({Kind.SHORT_TEXT, Kind.LONG_TEXT, Kind.PROPOSALS})
    # The agreement scale: stored as 1..5, labelled in the member's language.
    SCALE_LABELS = {
        1: _("Strongly disagree"),
        2: _("Disagree"),
        3: _("Neither agree nor disagree"),
        4: _("Agree"),
        5: _("Strongly agree"),
    }

    consultation = models.ForeignKey(
        Consultation, verbose_name=_("consultation"), on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.LONG_TEXT)
    text = models.TextField(_("question"))
    help_text = models.TextField(_("help text"), blank=True)
    required = models.BooleanField(_("required"), default=False)
    max_length = models.PositiveIntegerField(
        _("character limit"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("For text answers and each field of a proposal row; empty means no limit."),
    )
    choices = models.JSONField(
        _("choices"), default=list, blank=True, help_text=_("For choice questions: the options, in order.")
    )
    allow_other = models.BooleanField(
        _("“other” with text"), default=False, help_text=_("For choice questions: an “Other” option.")
    )

    class Meta:
        ordering = ["consultation", "position", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "short_text",
                        "long_text",
                        "single_choice",
                        "multiple_choice",
                        "scale",
                        "yes_no",
                        "proposals",
                    ]
                ),
                name="consultations_question_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(allow_other=False) | Q(kind__in=["single_choice", "multiple_choice"]),
                name="consultations_question_other_only_for_choices",
                violation_error_message=_("Only choice questions can have an “Other” option."),
            ),
            models.CheckConstraint(
                condition=Q(max_length__isnull=True) | Q(max_length__gte=1),
                name="consultations_question_max_length_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.text if len(self.text) <= 80 else self.text[:79] + "…"

    @property
    def is_choice(self) -> bool:
        return self.kind in self.CHOICE_KINDS

    def clean(self) -> None:
        super().clean()
        errors: dict[str, ValidationError] = {}
        choices = self.choices or []
        if not isinstance(choices, list) or not all(isinstance(c, str) and c.strip() for c in choices):
            errors["choices"] = ValidationError(_("Choices are a list of non-empty texts."), code="choices")
        elif self.is_choice:
            if len(choices) < 2:
                errors["choices"] = ValidationError(
                    _("A choice question needs at least two choices."), code="choices_too_few"
                )
            elif len({c.strip().casefold() for c in choices}) != len(choices):
                errors["choices"] = ValidationError(_("Choices must differ."), code="choices_repeated")
        elif choices:
            errors["choices"] = ValidationError(
                _("Only choice questions have choices."), code="choices_not_allowed"
            )
        if self.allow_other and not self.is_choice:
            errors["allow_other"] = ValidationError(
                _("Only choice questions can have an “Other” option."), code="other_not_allowed"
            )
        if self.max_length is not None and self.kind not in self.TEXT_KINDS:
            errors["max_length"] = ValidationError(
                _("A character limit applies only to text answers and proposals."), code="limit_not_allowed"
            )
        if errors:
            raise ValidationError(errors)


class Invitation(models.Model):
    """One audience organisation's invitation to a consultation.

    The times are those at which staff or the scheduler dispatched the e-mails (sent,
    reminded) and at which the organisation first opened and submitted its response.
    """

    consultation = models.ForeignKey(
        Consultation, verbose_name=_("consultation"), on_delete=models.CASCADE, related_name="invitations"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="consultation_invitations",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("invitation sent"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("last reminder"), null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(_("reminders"), default=0)
    opened_at = models.DateTimeField(_("first opened"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("first submitted"), null=True, blank=True)

    class Meta:
        ordering = ["consultation", "organisation__name"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "organisation"],
                name="consultations_invitation_one_per_organisation",
                violation_error_message=_("This organisation is already invited to this consultation."),
            ),
        ]
        indexes = [
            # The few invitations never sent nor opened, per consultation: the consultation list
            # and the dashboard count those that reached nobody (`selectors.invitations_not_reachable`)
            # without reading every invitation's row.
            models.Index(
                fields=["consultation"],
                condition=Q(sent_at__isnull=True, opened_at__isnull=True),
                name="consult_invitation_unsent_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.consultation}"


def new_browser_key() -> str:
    """A link's browser key: random, 32 hexadecimal digits."""
    return secrets.token_hex(16)


class AccessLink(models.Model):
    """A contact person's personal access to their organisation's response.

    Each e-mail that carries the link carries its own token (an `AccessToken`), so a reminder
    does not stop the invitation's link from working. Every token of the link, and every
    browser that opened it with one, works until the link is revoked or the consultation stops
    being open. A browser holds the link as its id and `browser_key` in a signed cookie
    (consultations/views.py): the signature alone, without the key kept here, opens nothing.
    """

    invitation = models.ForeignKey(
        Invitation, verbose_name=_("invitation"), on_delete=models.CASCADE, related_name="access_links"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="consultation_links"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    invited_at = models.DateTimeField(_("invitation dispatched"), null=True, blank=True)
    last_sent_at = models.DateTimeField(_("last e-mail sent"), null=True, blank=True)
    opened_at = models.DateTimeField(_("first opened"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    browser_key = models.CharField(_("browser key"), max_length=32, default=new_browser_key, editable=False)

    class Meta:
        ordering = ["invitation", "person__last_name", "id"]
        verbose_name = _("access link")
        verbose_name_plural = _("access links")
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "person"],
                condition=Q(revoked_at__isnull=True),
                name="consultations_accesslink_one_active_per_person",
                violation_error_message=_("This person already has an active link for this invitation."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.invitation}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class AccessToken(models.Model):
    """The token one e-mail carried for a personal link; only its SHA-256 hash is stored.

    A token has no state of its own to revoke: it works while its link is not revoked and the
    consultation is open.
    """

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        REMINDER = "reminder", _("Reminder")
        REISSUE = "reissue", _("New link")

    access_link = models.ForeignKey(
        AccessLink, verbose_name=_("access link"), on_delete=models.CASCADE, related_name="tokens"
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    kind = models.CharField(_("sent with"), max_length=10, choices=Kind)
    issued_at = models.DateTimeField(_("issued"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["access_link", "issued_at", "id"]
        verbose_name = _("link token")
        verbose_name_plural = _("link tokens")
        constraints = [
            models.CheckConstraint(
                condition=Q(Exact(Length("token_hash"), 64)),
                name="consultations_accesstoken_hash_is_sha256",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["invitation", "reminder", "reissue"]),
                name="consultations_accesstoken_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.access_link} · {self.get_kind_display()} · {self.issued_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class Response(models.Model):
    """An organisation's one answer to a consultation, shared by its invited colleagues."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    consultation = models.ForeignKey(
        Consultation, verbose_name=_("consultation"), on_delete=models.CASCADE, related_name="responses"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="consultation_responses",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    # Not the submitted version's number that the member reads ("versija Nr. 2"): a count of saves.
    version = models.PositiveIntegerField(
        _("saves"), default=0, help_text=_("Raised by every save; a save based on an older one is refused.")
    )
    has_unsubmitted_changes = models.BooleanField(_("changed since the last submission"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last saved"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("last submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        Person,
        verbose_name=_("submitted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["consultation", "organisation__name"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        # Counts of submitted responses per consultation (admin list, dashboard) read the index only.
        indexes = [models.Index(fields=["consultation", "status"], name="consult_response_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "organisation"],
                name="consultations_response_one_per_organisation",
                violation_error_message=_("This organisation already has a response to this consultation."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted"]),
                name="consultations_response_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="consultations_response_submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.consultation}"


class ResponseVersion(models.Model):
    """A numbered copy of the answers as submitted; every submission adds one."""

    response = models.ForeignKey(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("number"))
    submitted_at = models.DateTimeField(_("submitted"))
    submitted_by = models.ForeignKey(
        Person,
        verbose_name=_("submitted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answers = models.JSONField(
        _("answers"), default=list, help_text=_("Each question's wording and answer at submission.")
    )

    class Meta:
        ordering = ["response", "number"]
        verbose_name = _("submitted version")
        verbose_name_plural = _("submitted versions")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "number"], name="consultations_responseversion_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="consultations_responseversion_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.response} · v{self.number}"


class Answer(models.Model):
    """A response's answer to one question. Which fields are used depends on the question kind:
    `text` (short and long text), `choice_indexes` and `other_text` (choice questions, the
    indexes into `Question.choices`), `scale` (1–5), `yes_no`; amendment proposals are rows."""

    response = models.ForeignKey(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="answers"
    )
    # RESTRICT: a question with answers cannot be deleted on its own, only with its consultation.
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.RESTRICT, related_name="answers"
    )
    text = models.TextField(_("text"), blank=True)
    choice_indexes = models.JSONField(_("chosen options"), default=list, blank=True)
    other_text = models.TextField(_("other"), blank=True)
    scale = models.PositiveSmallIntegerField(
        _("agreement"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    yes_no = models.BooleanField(_("yes or no"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["response", "question__position", "question_id"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="consultations_answer_one_per_question"
            ),
            models.CheckConstraint(
                condition=Q(scale__isnull=True) | Q(scale__gte=1, scale__lte=5),
                name="consultations_answer_scale_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.response} · {self.question}"


class ProposalRow(models.Model):
    """One row of an amendment proposals table: which provision, what wording, why."""

    answer = models.ForeignKey(
        Answer, verbose_name=_("answer"), on_delete=models.CASCADE, related_name="proposal_rows"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    provision = models.CharField(
        _("provision"), max_length=255, blank=True, help_text=_("Article, part, point of the draft act.")
    )
    proposed_wording = models.TextField(_("proposed wording"), blank=True)
    justification = models.TextField(_("justification"), blank=True)

    class Meta:
        ordering = ["answer", "position", "id"]
        verbose_name = _("proposal row")
        verbose_name_plural = _("proposal rows")
        constraints = [
            models.CheckConstraint(
                condition=~Q(provision="") | ~Q(proposed_wording=""),
                name="consultations_proposalrow_not_empty",
                violation_error_message=_("A proposal names a provision or proposes wording."),
            ),
        ]

    def __str__(self) -> str:
        return self.provision or self.proposed_wording[:60]


class ResponseEdit(models.Model):
    """Who saved or submitted a response, and when."""

    class Action(models.TextChoices):
        # Verbs of a history ("Eglė · Submitted · 12:00"), apart from the response's status
        # "Submitted", which Lithuanian words differently ("Pateikė", not "Pateiktas").
        SAVED = "saved", pgettext_lazy("response history", "Saved a draft")
        SUBMITTED = "submitted", pgettext_lazy("response history", "Submitted")

    response = models.ForeignKey(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="edits"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=10, choices=Action, default=Action.SAVED)
    version = models.PositiveIntegerField(_("save number"))
    changed_questions = models.JSONField(
        _("changed questions"),
        default=list,
        blank=True,
        help_text=_("Ids of the questions this save changed."),
    )
    created_at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["response", "-created_at", "-id"]
        verbose_name = _("response edit")
        verbose_name_plural = _("response edits")
        indexes = [models.Index(fields=["response", "-created_at"], name="consult_edit_response_idx")]

    def __str__(self) -> str:
        # In the association's time, as the admin shows every other time.
        return f"{self.person} · {self.get_action_display()} · {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"

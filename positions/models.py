"""Position papers: the association's consolidated position, sent to a public institution as an
official letter (PDF) with a registration number from the association's journal.

State changes (approving, rendering, sending, new versions) go through `positions.services`;
the models hold fields, constraints and cheap properties.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import InvalidStorageError, Storage, default_storage, storages
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from consultations.emails import title_unquoted
from consultations.models import Answer, Consultation, ProposalRow
from crm.fields import LegalCodeField, LowercaseEmailField, PhoneField
from crm.models import Organisation

# The registration number's prefix: capitals and digits, as in the journal (`S` gives `S-2026-014`).
prefix_validator = RegexValidator(
    r"^[A-Z0-9]{1,10}$", _("Use 1 to 10 capital Latin letters or digits, for example “S”.")
)

LOGO_MAX_BYTES = 1024 * 1024


def normalise_newlines(text: str) -> str:
    """The text with its line breaks as the paper keeps them, LF: a browser sends a textarea's
    as CRLF, which would make text that reads the same compare as different (a section written
    from the answers would look edited by hand)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def reads_the_same(text: str, other: str) -> bool:
    """Whether two texts read the same: line breaks sent as CRLF or kept as LF, and spaces at
    either end (which forms strip), make no difference."""
    return normalise_newlines(text).strip() == normalise_newlines(other).strip()


# The "Dėl" a subject may start with (typed without the diacritic too: "Del"), which the letter adds.
SUBJECT_PREFIX = re.compile(r"(?:dėl|del)(?!\w)", re.IGNORECASE)
# What a subject may be left with at its start or end, around its quotation marks or after its
# "Dėl" ("Dėl: …", "DĖL – …"). Not the full stop, which ends an abbreviation ("2030 m.").
SUBJECT_EDGE_PUNCTUATION = " \t\n:;,–—-"


def _subject_unquoted(subject: str) -> str:
    """The subject without a pair of quotation marks around the whole of it (and a full stop after
    them): „Dėl …“, or „Dėl nutarimo „Dėl …“ pakeitimo“, whose marks inside pair up."""
    for candidate in (subject, subject.removesuffix(".").rstrip()):
        inner = candidate[1:-1]
        if candidate[:1] == "„" and candidate[-1:] == "“" and _quotes_pair_up(inner):
            return inner.strip()
        unquoted = title_unquoted(candidate)
        if unquoted != candidate:
            return unquoted
    return subject


def _quotes_pair_up(text: str) -> bool:
    """Whether the Lithuanian quotation marks in the text open and close in pairs, „A“ or
    „A „B“ C“, and no other marks are in it: „A“ ir „B“ taken inside its outer marks is not."""
    depth = 0
    for character in text:
        if character in '”"«»':
            return False
        depth += {"„": 1, "“": -1}.get(character, 0)
        if depth < 0:
            return False
    return depth == 0


def subject_split(text: str) -> tuple[bool, str]:
    """Whether the subject starts with its own “Dėl” (“Dėl:”, “DĖL”, “Del”, in quotation marks
    around the whole of it, „Dėl …“), and the subject as the letter's title takes it after the
    “DĖL” it adds: without those marks, that “Dėl” and the punctuation they leave at either end."""
    subject = _subject_unquoted(text.strip().strip(SUBJECT_EDGE_PUNCTUATION)).strip(SUBJECT_EDGE_PUNCTUATION)
    prefix = SUBJECT_PREFIX.match(subject)
    if prefix is None:
        return False, subject
    # "Dėl." too: a full stop right after it is the abbreviation's, not the subject's.
    return True, subject[prefix.end() :].lstrip(".").strip(SUBJECT_EDGE_PUNCTUATION)


def set_null_unless_sent(collector: Any, field: Any, sub_objs: Any, using: str) -> None:
    """`on_delete` of who made a rendering: forgotten with the user, except on a PDF that was
    sent, which stays as it was sent (the database refuses to change it): the user cannot be
    deleted then, only deactivated.

    Migrations' historical models use it too (migration 0007): it reads only `sub_objs`, of
    whichever model they are. Its error's message is never shown: Django's `Collector` raises
    its own with the PDFs as the protected objects, which the admin's delete page names."""
    # Whole rows (the collector loads only the keys), as the admin prints them.
    sent = list(sub_objs.defer(None).filter(dispatches__isnull=False).distinct())
    if sent:
        raise models.ProtectedError("A sent PDF keeps who made it; deactivate the user instead.", sent)
    models.SET_NULL(collector, field, sub_objs, using)


def cascade_unless_registered(collector: Any, field: Any, sub_objs: Any, using: str) -> None:
    """`on_delete` of the organisation in a paper's list of supporters (the annex, a proposal's
    "proposed by"): the link goes with the organisation, except on a paper that was approved
    (registered under its number, to be sent as it is) or sent, which stays as it was registered:
    the organisation cannot be deleted then (merging it into another moves the link instead). The
    papers are what is named as protecting it, as with an addressee.

    Migrations' historical models use it too (migration 0010, as `cascade_unless_sent`), which have
    neither the current models' attributes nor their enums: the path to the paper comes from the
    model's fields, the status is compared as stored, and the papers are of the links' own model
    registry. As in `set_null_unless_sent`, only the protected objects of its error are shown."""
    opts = field.model._meta
    paper = "paper" if any(f.name == "paper" for f in opts.get_fields()) else "proposal__paper"
    registered = list(
        opts.apps.get_model("positions", "PositionPaper")._base_manager.filter(
            pk__in=sub_objs.filter(**{f"{paper}__status__in": ["approved", "sent"]}).values(paper)
        )
    )
    if registered:
        raise models.ProtectedError("A registered paper keeps the organisations it lists.", registered)
    models.CASCADE(collector, field, sub_objs, using)


# The name migration 0010 knows it by; the same function, so that the models' state is unchanged.
cascade_unless_sent = cascade_unless_registered


def validate_logo(file: object) -> None:
    size = getattr(file, "size", 0) or 0
    if size > LOGO_MAX_BYTES:
        raise ValidationError(_("The logo may be at most 1 MB."), code="logo_too_large")


class Language(models.TextChoices):
    LITHUANIAN = "lt", _("Lithuanian")
    ENGLISH = "en", _("English")


class IssuerSettings(models.Model):
    """The association's requisites printed on every paper; one row, edited by staff."""

    SINGLETON_ID = 1

    name = models.CharField(_("association name"), max_length=255)
    name_en = models.CharField(_("name in English"), max_length=255, blank=True)
    legal_form = models.CharField(
        _("legal form"), max_length=100, blank=True, help_text=_("For example “Asociacija”.")
    )
    legal_form_en = models.CharField(_("legal form in English"), max_length=100, blank=True)
    legal_code = LegalCodeField(_("legal entity code"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = PhoneField(_("phone"), blank=True)
    email = LowercaseEmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    logo = models.ImageField(
        _("logo"),
        upload_to="positions/issuer/",
        blank=True,
        validators=[validate_logo],
        help_text=_("PNG or JPEG, at most 1 MB; printed above the name."),
    )
    registration_prefix = models.CharField(
        _("registration number prefix"),
        max_length=10,
        default="S",
        validators=[prefix_validator],
        help_text=_("Numbers look like PREFIX-YEAR-NUMBER, for example S-2026-014."),
    )
    signatory_name = models.CharField(_("default signatory"), max_length=255, blank=True)
    signatory_position = models.CharField(
        _("default signatory's position"),
        max_length=255,
        blank=True,
        help_text=_("For example “Prezidentas”."),
    )
    signatory_position_en = models.CharField(
        _("default signatory's position in English"), max_length=255, blank=True
    )
    pdf_archival = models.BooleanField(
        _("archival PDF (PDF/A-3b)"),
        default=False,
        help_text=_("Render papers as PDF/A-3b, the format for long-term archiving."),
    )
    pdf_tagged = models.BooleanField(
        _("tagged PDF"), default=False, help_text=_("Add the structure tags screen readers use.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("issuer settings")
        verbose_name_plural = _("issuer settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="positions_issuersettings_singleton"),
        ]

    def __str__(self) -> str:
        return self.name or str(_("Issuer settings"))

    @classmethod
    def load(cls) -> IssuerSettings:
        """The one row, created empty the first time it is asked for."""
        issuer, _created = cls.objects.get_or_create(pk=cls.SINGLETON_ID)
        return issuer

    def name_in(self, language: str) -> str:
        return (self.name_en if language == Language.ENGLISH else "") or self.name

    def legal_form_in(self, language: str) -> str:
        return (self.legal_form_en if language == Language.ENGLISH else "") or self.legal_form

    def signatory_position_in(self, language: str) -> str:
        return (self.signatory_position_en if language == Language.ENGLISH else "") or self.signatory_position


class RegistrationJournal(models.Model):
    """The last number given to an outgoing letter, per prefix and calendar year.

    Numbers only grow: a number once given is never given again, even if its paper goes away.
    """

    prefix = models.CharField(_("prefix"), max_length=10, validators=[prefix_validator])
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        ordering = ["-year", "prefix"]
        verbose_name = _("registration journal")
        verbose_name_plural = _("registration journals")
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="positions_journal_prefix_year_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last_number}"

    @staticmethod
    def number(*, prefix: str, year: int, number: int) -> str:
        """The registration number written on a letter, e.g. `S-2026-014`."""
        return f"{prefix}-{year}-{number:03d}"


class PositionPaper(models.Model):
    """The association's position on a draft act, addressed to a public institution."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        SENT = "sent", _("Sent")

    class Annex(models.TextChoices):
        """What the organisations in the annex did, as its title says: support is a statement
        only the members can make, taking part in the consultation a fact of record."""

        SUPPORTERS = "supporters", _("Members supporting the position")
        PARTICIPANTS = "participants", _("Members that took part in the consultation")

    source_consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("source consultation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="position_papers",
    )
    addressee = models.ForeignKey(
        Organisation,
        verbose_name=_("addressee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"kind": Organisation.Kind.PUBLIC},
        related_name="received_position_papers",
        help_text=_("A public institution: a ministry, the Seimas or its committee, a municipality."),
    )
    addressee_label = models.CharField(
        _("addressee as written"),
        max_length=255,
        blank=True,
        help_text=_(
            "The institution's name as it stands on the letter. A Lithuanian letter names it in the "
            "dative (“…ministerijai”) and is approved only with it; an English letter left empty prints "
            "the institution's name."
        ),
    )
    addressee_person = models.CharField(_("addressee person or department"), max_length=255, blank=True)
    addressee_email = LowercaseEmailField(
        _("addressee's e-mail"), blank=True, help_text=_("Empty: the institution's e-mail.")
    )
    subject = models.CharField(
        _("subject"),
        max_length=500,
        help_text=_("Without the leading “DĖL”: it is added, in capitals, on the letter."),
    )
    language = models.CharField(_("language"), max_length=2, choices=Language, default=Language.LITHUANIAN)
    request_date = models.DateField(
        _("request date"), null=True, blank=True, help_text=_("The date of the institution's letter.")
    )
    request_number = models.CharField(_("request number"), max_length=100, blank=True)
    signatory_name = models.CharField(_("signatory"), max_length=255, blank=True)
    signatory_position = models.CharField(_("signatory's position"), max_length=255, blank=True)
    # The drafter's reference the document rules put at the foot of a letter: whom the institution
    # asks about it. A new paper takes its creator's name and e-mail and the association's phone.
    drafter_name = models.CharField(
        _("drafter"), max_length=255, blank=True, help_text=_("Printed at the foot of the letter.")
    )
    drafter_phone = PhoneField(_("drafter's phone"), blank=True)
    drafter_email = LowercaseEmailField(_("drafter's e-mail"), blank=True)
    annex = models.CharField(
        _("the annex lists"),
        max_length=12,
        choices=Annex,
        default=Annex.SUPPORTERS,
        help_text=_(
            "The annex's title. A draft from a consultation lists the members that answered it; "
            "call them supporters only once they have agreed to this position."
        ),
    )
    supporting_organisations = models.ManyToManyField(
        Organisation,
        verbose_name=_("organisations in the annex"),
        blank=True,
        through="PaperSupporter",
        related_name="supported_position_papers",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.DRAFT, editable=False, db_index=True
    )
    registration_number = models.CharField(
        _("registration number"), max_length=40, blank=True, editable=False
    )
    registration_date = models.DateField(_("registration date"), null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    # The letter as approved (`positions.letter.Letter.as_json`): an approved paper prints it, not
    # the CRM's rows as they are now, so that the PDF sent under the registered number names the
    # organisations and the issuer as they were approved. Empty for a draft, and for a paper
    # approved before letters were kept (which prints from its rows).
    approved_letter = models.JSONField(_("approved letter"), null=True, blank=True, editable=False)
    previous_version = models.OneToOneField(
        "self",
        verbose_name=_("previous version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="next_version",
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("position paper")
        verbose_name_plural = _("position papers")
        permissions = [("approve_positionpaper", _("Can approve position papers"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "approved", "sent"]), name="positions_paper_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(language__in=["lt", "en"]), name="positions_paper_language_valid"
            ),
            models.CheckConstraint(
                condition=Q(annex__in=["supporters", "participants"]), name="positions_paper_annex_valid"
            ),
            models.UniqueConstraint(
                fields=["registration_number"],
                condition=~Q(registration_number=""),
                name="positions_paper_registration_number_unique",
                violation_error_message=_("This registration number is already taken."),
            ),
            # A draft has no number; an approved or sent paper has its number and date.
            models.CheckConstraint(
                condition=Q(status="draft", registration_number="", registration_date__isnull=True)
                | (
                    Q(status__in=["approved", "sent"], registration_date__isnull=False)
                    & ~Q(registration_number="")
                ),
                name="positions_paper_registered_unless_draft",
            ),
            models.CheckConstraint(
                condition=Q(request_number="") | Q(request_date__isnull=False),
                name="positions_paper_request_number_has_date",
                violation_error_message=_("Give the date of the request together with its number."),
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="positions_paper_version_positive"),
        ]

    def __str__(self) -> str:
        if self.registration_number:
            return f"{self.registration_number} {self.subject}"
        return self.subject

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_sent(self) -> bool:
        return self.status == self.Status.SENT

    def clean(self) -> None:
        super().clean()
        # One line: a line break pasted with it (a slide's vertical tab, U+2028) is a space.
        self.subject = " ".join(self.subject.split())
        errors: dict[str, ValidationError] = {}
        if subject_split(self.subject)[0]:
            errors["subject"] = ValidationError(
                _("Write the subject without “DĖL”: it is added on the letter."), code="subject_prefix"
            )
        if self.request_number and self.request_date is None:
            errors["request_date"] = ValidationError(
                _("Give the date of the request together with its number."), code="request_date_missing"
            )
        if errors:
            raise ValidationError(errors)


class PaperAttribution(models.Model):
    """How a responding organisation appears in the paper: by name, anonymously, or not at all."""

    class Mode(models.TextChoices):
        NAMED = "named", _("Named")
        ANONYMOUS = "anonymous", _("Anonymous")
        EXCLUDED = "excluded", _("Excluded")

    paper = models.ForeignKey(
        PositionPaper, verbose_name=_("position paper"), on_delete=models.CASCADE, related_name="attributions"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    mode = models.CharField(_("attribution"), max_length=10, choices=Mode, default=Mode.NAMED)
    anonymous_label = models.CharField(
        _("anonymous description"),
        max_length=255,
        blank=True,
        help_text=_("Empty: described by kind and sector, e.g. “one cluster in the ICT sector”."),
    )

    class Meta:
        ordering = ["paper", "organisation__name"]
        verbose_name = _("attribution")
        verbose_name_plural = _("attributions")
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "organisation"],
                name="positions_attribution_one_per_organisation",
                violation_error_message=_("This organisation's attribution is already set for this paper."),
            ),
            models.CheckConstraint(
                condition=Q(mode__in=["named", "anonymous", "excluded"]),
                name="positions_attribution_mode_valid",
            ),
        ]

    def __str__(self) -> str:
        # Not the mode: the admin's log stores this untranslated, and shows it as it was stored.
        return str(self.organisation)


class PaperSection(models.Model):
    """A part of the letter's body: an optional heading and Markdown text."""

    paper = models.ForeignKey(
        PositionPaper, verbose_name=_("position paper"), on_delete=models.CASCADE, related_name="sections"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # Text, not a line of 255 characters: a heading written from a long question holds all of it.
    heading = models.TextField(_("heading"), blank=True)
    body = models.TextField(_("text"), blank=True, help_text=_("Markdown: **bold**, _italic_, lists."))
    source_answers = models.ManyToManyField(
        Answer, verbose_name=_("member answers behind it"), blank=True, related_name="position_sections"
    )

    class Meta:
        ordering = ["paper", "position", "id"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self) -> str:
        return self.heading or self.body[:60]

    def clean(self) -> None:
        super().clean()
        self.body = normalise_newlines(self.body)


class PaperProposal(models.Model):
    """A row of the paper's amendment proposals table."""

    paper = models.ForeignKey(
        PositionPaper, verbose_name=_("position paper"), on_delete=models.CASCADE, related_name="proposals"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # Named by the whole of its proposals question, however long.
    act = models.TextField(
        _("draft act"),
        blank=True,
        help_text=_(
            "When the paper comments on more than one draft act: which one this proposal is about. "
            "The table prints the lines of each act under its name."
        ),
    )
    provision = models.CharField(
        _("provision of the draft"), max_length=255, blank=True, help_text=_("Article, part, point.")
    )
    proposed_wording = models.TextField(_("proposed wording"), blank=True)
    justification = models.TextField(_("justification"), blank=True)
    supporting_organisations = models.ManyToManyField(
        Organisation,
        verbose_name=_("supporting organisations"),
        blank=True,
        through="ProposalSupporter",
        related_name="+",
    )
    source_rows = models.ManyToManyField(
        ProposalRow,
        verbose_name=_("member proposals behind it"),
        blank=True,
        related_name="position_proposals",
    )
    source_answers = models.ManyToManyField(
        Answer, verbose_name=_("member answers behind it"), blank=True, related_name="position_proposals"
    )

    class Meta:
        ordering = ["paper", "position", "id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        constraints = [
            models.CheckConstraint(
                condition=~Q(provision="") | ~Q(proposed_wording=""),
                name="positions_proposal_not_empty",
                violation_error_message=_("A proposal names a provision or proposes wording."),
            ),
        ]

    def __str__(self) -> str:
        return self.provision or self.proposed_wording[:60]

    def clean(self) -> None:
        super().clean()
        self.proposed_wording = normalise_newlines(self.proposed_wording)
        self.justification = normalise_newlines(self.justification)


class OrganisationListed(models.Model):
    """A row of a paper's record of organisations, kept while the paper is approved or sent
    (`cascade_unless_registered`). The tables and columns are those of the many-to-many tables these
    models took over (migration 0010)."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=cascade_unless_registered,
        related_name="+",
    )

    class Meta:
        abstract = True


class PaperSupporter(OrganisationListed):
    """An organisation in a paper's annex. Kept while the paper is approved or sent
    (`cascade_unless_registered`)."""

    paper = models.ForeignKey(
        PositionPaper,
        verbose_name=_("position paper"),
        on_delete=models.CASCADE,
        db_column="positionpaper_id",
        related_name="+",
    )

    class Meta:
        db_table = "positions_positionpaper_supporting_organisations"
        verbose_name = _("organisation in the annex")
        verbose_name_plural = _("organisations in the annex")
        # As the table was made: a unique pair (a constraint would be a new index).
        unique_together = [("paper", "organisation")]

    def __str__(self) -> str:
        return f"{self.paper} — {self.organisation}"


class ProposalSupporter(OrganisationListed):
    """An organisation that proposed a line of a paper's proposals table. Kept while the paper is
    approved or sent (`cascade_unless_registered`)."""

    proposal = models.ForeignKey(
        PaperProposal,
        verbose_name=_("proposal"),
        on_delete=models.CASCADE,
        db_column="paperproposal_id",
        related_name="+",
    )

    class Meta:
        db_table = "positions_paperproposal_supporting_organisations"
        verbose_name = _("proposing organisation")
        verbose_name_plural = _("proposing organisations")
        unique_together = [("proposal", "organisation")]

    def __str__(self) -> str:
        return f"{self.proposal} — {self.organisation}"


def rendering_upload_to(instance: Rendering, filename: str) -> str:
    return f"positions/renderings/{instance.paper_id}/{filename}"


def rendering_storage() -> Storage:
    """Where PDFs are kept: the "positions" storage if STORAGES defines one (a private bucket or
    directory the web server does not serve), else the default storage."""
    try:
        return storages["positions"]
    except InvalidStorageError:
        return default_storage


class Rendering(models.Model):
    """A generated PDF of a paper, kept with its SHA-256. Once a dispatch refers to it, the
    database refuses to change or delete it (see migration 0003)."""

    paper = models.ForeignKey(
        PositionPaper, verbose_name=_("position paper"), on_delete=models.CASCADE, related_name="renderings"
    )
    version = models.PositiveIntegerField(_("version"))
    file = models.FileField(
        _("file"), upload_to=rendering_upload_to, storage=rendering_storage, max_length=255
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size, bytes"))
    paper_status = models.CharField(
        _("paper status when rendered"), max_length=10, choices=PositionPaper.Status
    )
    language = models.CharField(_("language"), max_length=2, choices=Language)
    pdf_variant = models.CharField(_("PDF variant"), max_length=20, blank=True)
    tagged = models.BooleanField(_("tagged"), default=False)
    # Both nullable, so that adding them is a plain ADD COLUMN (SQLite keeps its triggers).
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(
        _("registration withdrawn"),
        null=True,
        blank=True,
        help_text=_(
            "The paper's approval was withdrawn after this PDF was made: it bears a cancelled number."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=set_null_unless_sent,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["paper", "-version"]
        verbose_name = _("rendering")
        verbose_name_plural = _("renderings")
        constraints = [
            models.UniqueConstraint(fields=["paper", "version"], name="positions_rendering_version_unique"),
            models.CheckConstraint(
                condition=Q(Exact(Length("sha256"), 64)), name="positions_rendering_sha256_length"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="positions_rendering_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.paper} · v{self.version}"


class Dispatch(models.Model):
    """A record that the paper was sent: to whom, how, when, by whom, and which PDF exactly."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        E_DELIVERY = "e_delivery", _("E-delivery")
        DVS = "dvs", _("Document management system (DVS)")
        PAPER = "paper", _("Paper mail")

    paper = models.ForeignKey(
        PositionPaper, verbose_name=_("position paper"), on_delete=models.PROTECT, related_name="dispatches"
    )
    rendering = models.ForeignKey(
        Rendering, verbose_name=_("PDF sent"), on_delete=models.PROTECT, related_name="dispatches"
    )
    recipient = models.CharField(_("recipient"), max_length=255)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel)
    sent_on = models.DateField(_("sent on"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["paper", "-sent_on", "-id"]
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=["email", "e_delivery", "dvs", "paper"]),
                name="positions_dispatch_channel_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.paper} → {self.recipient} ({self.get_channel_display()}, {self.sent_on})"


class ProposalGroup(models.Model):
    """The amendment proposals members made on one provision of the draft, in answer to one
    proposals question (provisions written alike, as "5 str. 2 d." and "5 straipsnio 2 dalis", are
    one group; a proposal naming no provision is one only with the proposals of the same wording:
    `proposal_group_key` in `consultations.analysis`, as on the consultation's answers page; a
    consultation with a proposals question for each of several draft acts keeps their provisions
    apart), and staff's decision on it: adopt it as the members wrote it, merge it into one
    wording, or drop it — with the reason."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Not decided")
        ADOPT = "adopt", _("Adopt")
        MERGE = "merge", _("Merge into one wording")
        DROP = "drop", _("Drop")

    paper = models.ForeignKey(
        PositionPaper,
        verbose_name=_("position paper"),
        on_delete=models.CASCADE,
        related_name="proposal_groups",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # The proposals question the members answered (each may be about a draft act of its own); empty
    # for groups drafted before groups were kept apart by question, or whose question was deleted.
    question = models.ForeignKey(
        "consultations.Question",
        verbose_name=_("question"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    key = models.CharField(_("provision, normalised"), max_length=255, editable=False)
    provision = models.CharField(_("provision of the draft"), max_length=255, blank=True)
    entries = models.JSONField(
        _("member proposals as submitted"),
        default=list,
        editable=False,
        help_text=_("Each organisation's row as in its submitted version."),
    )
    organisations = models.ManyToManyField(
        Organisation, verbose_name=_("proposed by"), blank=True, related_name="+"
    )
    source_rows = models.ManyToManyField(
        ProposalRow, verbose_name=_("member proposals behind it"), blank=True, related_name="+"
    )
    source_answers = models.ManyToManyField(
        Answer, verbose_name=_("member answers behind it"), blank=True, related_name="+"
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Decision, default=Decision.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    merged_wording = models.TextField(_("merged wording"), blank=True)
    merged_justification = models.TextField(_("merged justification"), blank=True)
    proposal = models.OneToOneField(
        PaperProposal,
        verbose_name=_("line of the paper"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="group",
    )
    # The line as last written from the members' proposals and the decision: a line that still
    # reads so was not edited by hand and may be written again or removed; an edited one is kept.
    # All empty while no line is written (a written line has a provision or wording).
    generated_provision = models.CharField(
        _("provision as written"), max_length=255, blank=True, default="", editable=False
    )
    generated_wording = models.TextField(_("wording as written"), blank=True, default="", editable=False)
    generated_justification = models.TextField(
        _("justification as written"), blank=True, default="", editable=False
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["paper", "position", "id"]
        verbose_name = _("grouped proposal")
        verbose_name_plural = _("grouped proposals")
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "question", "key"],
                condition=Q(question__isnull=False),
                name="positions_proposalgroup_question_key_unique",
            ),
            models.UniqueConstraint(
                fields=["paper", "key"],
                condition=Q(question__isnull=True),
                name="positions_proposalgroup_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(decision__in=["pending", "adopt", "merge", "drop"]),
                name="positions_proposalgroup_decision_valid",
            ),
            models.CheckConstraint(
                condition=Q(decision="pending") | ~Q(reason=""),
                name="positions_proposalgroup_decision_has_reason",
                violation_error_message=_("Give the reason for the decision."),
            ),
            models.CheckConstraint(
                condition=~Q(decision="merge") | ~Q(merged_wording=""),
                name="positions_proposalgroup_merge_has_wording",
                violation_error_message=_("Write the merged wording."),
            ),
        ]

    def __str__(self) -> str:
        return self.provision or str(_("(no provision named)"))

    @property
    def generated_line(self) -> tuple[str, str, str]:
        """The line last written from this group: provision, wording, justification."""
        return (self.generated_provision, self.generated_wording, self.generated_justification)


class GeneratedSection(models.Model):
    """Marks a section written from a consultation's question, so that it can be written again
    (for example after an organisation's attribution changed)."""

    section = models.OneToOneField(
        PaperSection, verbose_name=_("section"), on_delete=models.CASCADE, related_name="generated_from"
    )
    question = models.ForeignKey(
        "consultations.Question",
        verbose_name=_("question"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The heading and body as last written from the answers: a section that still reads so was
    # not edited by hand and may be written again; an edited one is kept.
    generated_heading = models.TextField(_("heading as written"), blank=True, default="")
    generated_body = models.TextField(_("text as written"), blank=True, default="")

    class Meta:
        verbose_name = _("section written from a question")
        verbose_name_plural = _("sections written from questions")

    def __str__(self) -> str:
        return str(self.section)


class RegistrationCancellation(models.Model):
    """A registration number given at approval and cancelled when the approval was withdrawn
    (before the paper was sent). The number stays in the journal and is never given again."""

    paper = models.ForeignKey(
        PositionPaper,
        verbose_name=_("position paper"),
        on_delete=models.PROTECT,
        related_name="registration_cancellations",
    )
    registration_number = models.CharField(_("registration number"), max_length=40, unique=True)
    registration_date = models.DateField(_("registration date"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(_("reason"))
    cancelled_at = models.DateTimeField(_("cancelled at"), auto_now_add=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-cancelled_at", "-id"]
        verbose_name = _("cancelled registration")
        verbose_name_plural = _("cancelled registrations")
        constraints = [
            models.CheckConstraint(
                condition=~Q(registration_number="") & ~Q(reason=""),
                name="positions_cancellation_number_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.registration_number


class RenderingJob(models.Model):
    """One request to generate a paper's PDF, with the progress the background task reports:
    the stage, the page being laid out, and at the end the rendering made or the error."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Stage(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        TEXT = "text", _("Preparing the letter")
        STYLES = "styles", _("Applying the styles")
        LAYOUT = "layout", _("Laying out the pages")
        WRITING = "writing", _("Writing the PDF")
        STORING = "storing", _("Storing the file")
        DONE = "done", _("Finished")

    paper = models.ForeignKey(
        PositionPaper,
        verbose_name=_("position paper"),
        on_delete=models.CASCADE,
        related_name="rendering_jobs",
    )
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.QUEUED)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage, default=Stage.QUEUED)
    pages_done = models.PositiveIntegerField(_("pages laid out"), default=0)
    pages_expected = models.PositiveIntegerField(_("pages expected"), null=True, blank=True)
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    rendering = models.OneToOneField(
        Rendering,
        verbose_name=_("rendering"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="job",
    )
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("PDF generation")
        verbose_name_plural = _("PDF generations")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["queued", "running", "done", "failed"]),
                name="positions_rendering_job_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.paper} · {self.get_state_display()}"

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int:
        """A rough share of the work done, for a progress bar: laying out the pages is most of
        it; the page count is expected from the paper's previous PDF or its length."""
        if self.state == self.State.DONE:
            return 100
        fixed = {
            self.Stage.QUEUED: 0,
            self.Stage.TEXT: 3,
            self.Stage.STYLES: 8,
            self.Stage.WRITING: 88,
            self.Stage.STORING: 97,
            self.Stage.DONE: 100,
        }
        if self.stage != self.Stage.LAYOUT:
            return fixed.get(self.stage, 0)
        expected = max(self.pages_expected or 0, self.pages_done, 1)
        return 10 + min(75, round(75 * self.pages_done / expected))

from __future__ import annotations

from collections.abc import Collection
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower, Upper
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.collation import LITHUANIAN
from crm.fields import LegalCodeField, LowercaseEmailField, PhoneField, VatCodeField


class Sector(models.Model):
    """One of the association's eight sectors (seeded by a migration)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_lt = models.CharField(_("name (Lithuanian)"), max_length=100, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return getattr(self, self.name_field())

    @staticmethod
    def name_field() -> str:
        """The column holding the name in the active language."""
        return "name_en" if (get_language() or "lt").startswith("en") else "name_lt"


class Municipality(models.Model):
    """One of the 60 Lithuanian municipalities (seeded by a migration)."""

    name = models.CharField(_("name"), max_length=100, unique=True, db_collation=LITHUANIAN)

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name


class ConstraintErrorsOnFields:
    """Shows the error of a unique constraint that Django reports for the whole form (one on an
    expression, "Lower(name)", or with a condition) on the field it is about, by the constraint's
    `violation_error_code` (`constraint_error_fields`: code → field)."""

    constraint_error_fields: ClassVar[dict[str, str]] = {}

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        try:
            super().validate_constraints(exclude=exclude)  # type: ignore[misc]
        except ValidationError as error:
            errors: dict[str, list[ValidationError]] = {}
            for field, messages in error.error_dict.items():
                for message in messages:
                    shown_on = field
                    if field == NON_FIELD_ERRORS:
                        shown_on = self.constraint_error_fields.get(message.code or "", field)
                    errors.setdefault(shown_on, []).append(message)
            raise ValidationError(errors) from error


class Tag(ConstraintErrorsOnFields, models.Model):
    name = models.CharField(_("name"), max_length=60, db_collation=LITHUANIAN)

    constraint_error_fields: ClassVar[dict[str, str]] = {"tag_name_taken": "name"}

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="crm_tag_name_ci_unique",
                violation_error_code="tag_name_taken",
                violation_error_message=_("A tag with this name already exists (letter case aside)."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Organisation(ConstraintErrorsOnFields, models.Model):
    """A cluster, association, company, research body or public institution."""

    class Kind(models.TextChoices):
        CLUSTER = "cluster", _("Cluster")
        ASSOCIATION = "association", _("Association")
        COMPANY = "company", _("Company")
        RESEARCH = "research", _("Research or education body")
        PUBLIC = "public", _("Public institution")
        OTHER = "other", _("Other")

    class Label(models.TextChoices):
        NONE = "none", _("None")
        BRONZE = "bronze", _("Bronze")
        SILVER = "silver", _("Silver")
        GOLD = "gold", _("Gold")

    # Names sort in Lithuanian alphabetical order (crm/collation.py), here and in every list.
    name = models.CharField(_("name"), max_length=255, db_collation=LITHUANIAN)
    # The name in capitals, kept by the database: the person list finds people by their
    # organisations' names, a word in every name, which on PostgreSQL upper-cased every name
    # under the Lithuanian collation on every search (about 1 µs a name); this column is written
    # once, when the name is.
    name_folded = models.GeneratedField(
        expression=Upper("name"),
        output_field=models.CharField(max_length=255),
        db_persist=True,
        verbose_name=_("name in capitals"),
    )
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.CLUSTER)
    legal_code = LegalCodeField(
        _("legal entity code"), blank=True, help_text=_("9 digits, as in the Register of Legal Entities.")
    )
    vat_code = VatCodeField(_("VAT code"), blank=True)
    sectors = models.ManyToManyField(
        Sector, verbose_name=_("sectors"), blank=True, related_name="organisations"
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    website = models.URLField(_("website"), blank=True)
    email = LowercaseEmailField(_("e-mail"), blank=True)
    phone = PhoneField(_("phone"), blank=True)
    year_founded = models.PositiveSmallIntegerField(
        _("year founded"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), MaxValueValidator(2100)],
    )
    members_sme = models.PositiveIntegerField(_("SME members"), default=0)
    members_large = models.PositiveIntegerField(_("large company members"), default=0)
    members_research = models.PositiveIntegerField(_("research and education members"), default=0)
    members_public = models.PositiveIntegerField(_("public body members"), default=0)
    members_other = models.PositiveIntegerField(_("other members"), default=0)
    eccp_url = models.URLField(_("ECCP profile"), blank=True)
    label = models.CharField(_("cluster management label"), max_length=10, choices=Label, default=Label.NONE)
    label_awarded_on = models.DateField(_("label awarded on"), null=True, blank=True)
    label_valid_until = models.DateField(_("label valid until"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    # With a default in the database too: a row written without it (code of an earlier version
    # during an upgrade, or a data migration's model of an earlier state) is stored.
    notes = models.TextField(
        _("internal notes"),
        blank=True,
        default="",
        db_default="",
        help_text=_("For staff only: not shown in the public directory."),
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="organisations")
    show_in_directory = models.BooleanField(
        _("show in the public directory"),
        default=True,
        help_text=_("Active member clusters are listed publicly unless this is unticked."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(
        verbose_name=_("organisation history entry"),
        verbose_name_plural=_("organisation history entries"),
        # Derived from the name, which the history keeps.
        excluded_fields=["name_folded"],
        # The sectors decide the audiences of consultations: each version keeps its links too.
        m2m_fields=["sectors", "tags"],
    )

    constraint_error_fields: ClassVar[dict[str, str]] = {"legal_code_taken": "legal_code"}

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        permissions = [
            ("import_organisation", _("Can import organisations")),
            ("export_organisation", _("Can export organisations")),
            ("merge_organisation", _("Can merge duplicate organisations")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["legal_code"],
                condition=~Q(legal_code=""),
                name="crm_organisation_legal_code_unique",
                violation_error_code="legal_code_taken",
                violation_error_message=_("An organisation with this legal entity code already exists."),
            ),
            models.CheckConstraint(
                condition=Q(label_valid_until__isnull=True)
                | Q(label_awarded_on__isnull=True)
                | Q(label_valid_until__gte=F("label_awarded_on")),
                name="crm_organisation_label_dates_ordered",
                violation_error_message=_("The label cannot expire before it was awarded."),
            ),
        ]
        indexes = [
            models.Index(Lower("name"), name="crm_org_name_lower_idx"),
            # Lists are ordered by name: the first page is read from the index, not sorted.
            models.Index(fields=["name"], name="crm_org_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def member_total(self) -> int:
        return (
            self.members_sme
            + self.members_large
            + self.members_research
            + self.members_public
            + self.members_other
        )


class Membership(models.Model):
    """One membership period of an organisation in the association."""

    class Status(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        ENDED = "ended", _("Ended")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.ACTIVE)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"), null=True, blank=True)
    annual_fee = models.DecimalField(
        _("annual fee, EUR"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords(
        verbose_name=_("membership history entry"), verbose_name_plural=_("membership history entries")
    )

    class Meta:
        ordering = ["organisation__name", "-start_date"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="crm_membership_end_after_start",
                violation_error_message=_("A membership cannot end before it starts."),
            ),
        ]
        # Non-overlapping periods per organisation are enforced by the database too:
        # see migration 0003 (an exclusion constraint on PostgreSQL, triggers on SQLite).

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_status_display()}, {self.start_date})"

    # Set by a form that checks the overlaps itself, with the other periods as they are on the page
    # rather than as stored (the organisation page, where several periods change in one save).
    overlaps_checked_by_form = False

    def clean(self) -> None:
        super().clean()
        if self.status == self.Status.ENDED and not self.end_date:
            # Without its end, an ended period would count as current and overlap every later one.
            raise ValidationError(
                {
                    "end_date": ValidationError(
                        _("Give the day an ended membership ended."), code="ended_without_end"
                    )
                }
            )
        if not self.organisation_id or not self.start_date or self.overlaps_checked_by_form:
            return
        if self.end_date and self.end_date < self.start_date:
            return  # reported by the check constraint's validation
        overlapping = Membership.objects.filter(organisation_id=self.organisation_id).exclude(pk=self.pk)
        overlapping = overlapping.filter(Q(end_date__isnull=True) | Q(end_date__gte=self.start_date))
        if self.end_date:
            overlapping = overlapping.filter(start_date__lte=self.end_date)
        clash = overlapping.first()
        if clash:
            raise ValidationError(
                _("This period overlaps another membership of the organisation (%(other)s)."),
                code="membership_overlap",
                params={"other": f"{clash.start_date} – {clash.end_date or '…'}"},
            )


class Payment(models.Model):
    membership = models.ForeignKey(
        Membership, verbose_name=_("membership"), on_delete=models.CASCADE, related_name="payments"
    )
    amount = models.DecimalField(_("amount, EUR"), max_digits=10, decimal_places=2)
    paid_on = models.DateField(_("paid on"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)

    # A sum corrected or a payment deleted keeps its old value, shown on the membership's history
    # page (crm/admin/membership.py).
    history = HistoricalRecords(
        verbose_name=_("payment history entry"), verbose_name_plural=_("payment history entries")
    )

    class Meta:
        ordering = ["-paid_on"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="crm_payment_amount_positive",
                violation_error_message=_("A payment amount must be positive."),
            ),
        ]

    def __str__(self) -> str:
        # As the page's language writes a sum and a date: "600,00 EUR, 2026 m. vasario 15 d."
        return f"{formats.number_format(self.amount, 2)} EUR, {formats.localize(self.paid_on)}"


class Person(ConstraintErrorsOnFields, models.Model):
    """A contact person."""

    class Language(models.TextChoices):
        LT = "lt", _("Lithuanian")
        EN = "en", _("English")

    class ConsentSource(models.TextChoices):
        FORM = "form", _("Web form")
        EMAIL = "email", _("E-mail")
        PAPER = "paper", _("Signed paper form")
        EVENT = "event", _("At an event")
        IMPORT = "import", _("Imported record")
        OTHER = "other", _("Other")

    first_name = models.CharField(_("first name"), max_length=100, db_collation=LITHUANIAN)
    last_name = models.CharField(_("last name"), max_length=100, db_collation=LITHUANIAN)
    email = LowercaseEmailField(_("e-mail"), blank=True)
    phone = PhoneField(_("phone"), blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language, default=Language.LT)
    consent_consultations = models.BooleanField(_("agrees to consultation mail"), default=False)
    consent_consultations_at = models.DateTimeField(_("consultation consent given at"), null=True, blank=True)
    consent_consultations_source = models.CharField(
        _("consultation consent source"), max_length=10, choices=ConsentSource, blank=True
    )
    consent_newsletter = models.BooleanField(_("agrees to newsletters"), default=False)
    consent_newsletter_at = models.DateTimeField(_("newsletter consent given at"), null=True, blank=True)
    consent_newsletter_source = models.CharField(
        _("newsletter consent source"), max_length=10, choices=ConsentSource, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(
        verbose_name=_("person history entry"), verbose_name_plural=_("person history entries")
    )

    constraint_error_fields: ClassVar[dict[str, str]] = {"email_taken": "email"}

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        permissions = [
            ("import_person", _("Can import persons")),
            ("export_person", _("Can export persons")),
            ("merge_person", _("Can merge duplicate persons")),
            ("erase_person", _("Can export and erase a person's data (GDPR)")),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="crm_person_email_ci_unique",
                violation_error_code="email_taken",
                violation_error_message=_("A person with this e-mail address already exists."),
            ),
        ]
        indexes = [
            models.Index(Lower("last_name"), Lower("first_name"), name="crm_person_name_lower_idx"),
            # Lists are ordered by name: the first page is read from the index, not sorted.
            models.Index(fields=["last_name", "first_name"], name="crm_person_name_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def autocomplete_label(self) -> str:
        """How the admin's pickers name the person: with the e-mail address, which tells namesakes
        apart ("Jonas Balčiūnas (jonas@saule.lt)")."""
        return f"{self.full_name} ({self.email})" if self.email else self.full_name

    @property
    def full_name(self) -> str:
        return self.full_name_of(self.first_name, self.last_name)

    @staticmethod
    def full_name_of(first_name: str, last_name: str) -> str:
        return f"{first_name} {last_name}".strip()

    def clean(self) -> None:
        super().clean()
        errors = {}
        for kind in ("consultations", "newsletter"):
            if getattr(self, f"consent_{kind}"):
                if not getattr(self, f"consent_{kind}_at"):
                    errors[f"consent_{kind}_at"] = _("Record when the consent was given.")
                if not getattr(self, f"consent_{kind}_source"):
                    errors[f"consent_{kind}_source"] = _("Record how the consent was given.")
        if errors:
            raise ValidationError(errors)


class Affiliation(models.Model):
    """A person's role in an organisation."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        DIRECTOR = "director", _("Director")
        BOARD = "board", _("Board member")
        REPRESENTATIVE = "representative", _("Representative")
        OTHER = "other", _("Other")

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="affiliations"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="affiliations"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.REPRESENTATIVE)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    receives_consultations = models.BooleanField(_("receives consultations"), default=False)
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)

    history = HistoricalRecords(
        verbose_name=_("affiliation history entry"), verbose_name_plural=_("affiliation history entries")
    )

    class Meta:
        ordering = ["organisation__name", "-is_primary", "person__last_name"]
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organisation"],
                name="crm_affiliation_person_organisation_unique",
                violation_error_message=_("This person is already linked to this organisation."),
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(is_primary=True),
                name="crm_affiliation_one_primary_contact",
                violation_error_message=_("The organisation already has a primary contact."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="crm_affiliation_end_after_start",
                violation_error_message=_("An affiliation cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.organisation}"


class Interaction(models.Model):
    """A meeting, call, e-mail, event or Cluster Forum attendance with an organisation."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("Meeting")
        CALL = "call", _("Call")
        EMAIL = "email", _("E-mail")
        EVENT = "event", _("Event")
        FORUM = "forum", _("Cluster Forum")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="interactions"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.MEETING)
    occurred_on = models.DateField(_("date"))
    subject = models.CharField(_("subject"), max_length=255)
    notes = models.TextField(_("notes"), blank=True)
    people = models.ManyToManyField(
        Person, verbose_name=_("people involved"), blank=True, related_name="interactions"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.get_kind_display()}: {self.subject}"

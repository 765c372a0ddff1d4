"""Writes of position papers: saving a draft, approving it (which gives it its registration
number), rendering the PDF, recording that it was sent, e-mailing it, and starting a new version
of a sent paper, which is otherwise frozen."""

from __future__ import annotations

import datetime
import hashlib
import logging
import smtplib
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from positions import selectors, tasks
from positions.letter import paper_letter
from positions.models import (
    Dispatch,
    GeneratedSection,
    IssuerSettings,
    Language,
    PaperAttribution,
    PaperProposal,
    PaperSection,
    PositionPaper,
    ProposalGroup,
    RegistrationCancellation,
    RegistrationJournal,
    Rendering,
    RenderingJob,
)

if TYPE_CHECKING:
    from positions.pdf import PdfOptions

logger = logging.getLogger(__name__)

# The fields a new version copies from the paper it replaces (not the number, status or record).
COPIED_FIELDS = (
    "source_consultation",
    "addressee",
    "addressee_label",
    "addressee_person",
    "addressee_email",
    "subject",
    "language",
    "request_date",
    "request_number",
    "signatory_name",
    "signatory_position",
    "drafter_name",
    "drafter_phone",
    "drafter_email",
    "annex",
)


def _require_permission(user: AbstractBaseUser | None, permission: str) -> None:
    if user is None or not user.has_perm(permission):  # type: ignore[attr-defined]
        raise PermissionDenied


def _lock_paper(paper: PositionPaper) -> PositionPaper:
    """A fresh copy of the paper's row, locked until the transaction ends (PostgreSQL; SQLite's
    immediate transactions serialise writers anyway)."""
    return PositionPaper.objects.select_for_update().get(pk=paper.pk)


def _require_draft(paper: PositionPaper) -> None:
    if paper.status != PositionPaper.Status.DRAFT:
        raise ValidationError(
            _("Only a draft can be changed; this paper is “%(status)s”. A sent paper gets a new version."),
            code="not_draft",
            params={"status": paper.get_status_display()},
        )


# --- drafts -----------------------------------------------------------------------------------------


@transaction.atomic
def paper_save(
    *,
    paper: PositionPaper,
    user: AbstractBaseUser,
    expected_updated_at: datetime.datetime | None = None,
) -> PositionPaper:
    """Save a draft paper's own fields, creating it if new (with the issuer's default signatory,
    and as its drafter the user who creates it, with the association's phone).

    The issuer's default position is written in the paper's language: left empty, or given in the
    other language (the paper's language changed), it becomes the one of the paper's language.
    Refused once the paper is approved: its text is then what was approved and registered. The
    source consultation of a paper drafted from it does not change (`_require_same_consultation`).
    `expected_updated_at`, when given, is when the paper was last changed as the page that edits
    it was loaded: a paper changed since is refused (`paper_require_unchanged`).
    """
    issuer = IssuerSettings.load()
    if paper.pk is None:
        _require_permission(user, "positions.add_positionpaper")
        paper.signatory_name = paper.signatory_name or issuer.signatory_name
        name = user.get_full_name()  # type: ignore[attr-defined]
        if name and not (paper.drafter_name or paper.drafter_phone or paper.drafter_email):
            # Who prepares the paper answers the institution's questions about it.
            paper.drafter_name = name
            paper.drafter_email = user.email  # type: ignore[attr-defined]
            paper.drafter_phone = issuer.phone
        paper.created_by = user  # type: ignore[assignment]
    else:
        _require_permission(user, "positions.change_positionpaper")
        locked = _lock_paper(paper)
        _require_draft(locked)
        if expected_updated_at is not None:
            _require_unchanged(locked, expected_updated_at)
        _require_same_consultation(locked, paper)
    defaults = {issuer.signatory_position_in(language) for language in Language.values}
    if not paper.signatory_position.strip() or paper.signatory_position in defaults:
        paper.signatory_position = issuer.signatory_position_in(paper.language)
    paper.full_clean()
    paper.save()
    return paper


def _require_same_consultation(locked: PositionPaper, paper: PositionPaper) -> None:
    """Refuse another source consultation for a paper drafted from its own: its sections and
    grouped proposals are written again from the source consultation's answers, and another
    consultation's would write every section over as answered by none of its organisations."""
    if locked.source_consultation_id == paper.source_consultation_id:
        return
    if selectors.paper_drafted_from_consultation(paper=locked):
        raise ValidationError(
            {
                "source_consultation": ValidationError(
                    _(
                        "This paper was drafted from the consultation “%(consultation)s”: its sections "
                        "and grouped proposals are written from that consultation's answers, so it stays "
                        "the paper's source consultation. Draft a new paper from the other consultation."
                    ),
                    code="drafted_from_consultation",
                    params={"consultation": locked.source_consultation or "—"},
                )
            }
        )


def paper_require_draft(*, paper: PositionPaper) -> None:
    """Refuse unless the paper (as stored now) is a draft; for writes to its sections and proposals."""
    _require_draft(_lock_paper(paper))


def _require_unchanged(locked: PositionPaper, expected_updated_at: datetime.datetime | None) -> None:
    if locked.updated_at != expected_updated_at:
        raise ValidationError(
            _(
                "A colleague saved this paper after you opened it. Nothing was saved, so that their "
                "changes are not overwritten: copy what you changed, reload the page and make your "
                "changes again."
            ),
            code="paper_changed",
        )


def paper_require_unchanged(*, paper: PositionPaper, expected_updated_at: datetime.datetime | None) -> None:
    """Refuse unless the paper was last changed when the page that edits it was loaded
    (`expected_updated_at`; None: the page did not say, which is refused too). Two staff editing
    one draft would otherwise save over each other unawares. The paper's row stays locked until
    the transaction ends, so that nobody saves it between this check and the save."""
    _require_unchanged(_lock_paper(paper), expected_updated_at)


def paper_touch(*, paper: PositionPaper) -> None:
    """Mark the paper as changed now (its `updated_at`), for a write to its sections or proposal
    lines that does not save the paper itself: a page of it opened before then no longer saves
    over them (`paper_require_unchanged`)."""
    PositionPaper.objects.filter(pk=paper.pk).update(updated_at=timezone.now())


def _cancelled_numbers(papers: list[PositionPaper]) -> dict[int, list[str]]:
    """The cancelled registration numbers each of the papers keeps (withdrawn approvals), by id."""
    numbers: dict[int, list[str]] = {}
    cancellations = RegistrationCancellation.objects.filter(paper__in=[paper.pk for paper in papers])
    for paper_id, number in cancellations.order_by("registration_number").values_list(
        "paper_id", "registration_number"
    ):
        numbers.setdefault(paper_id, []).append(number)
    return numbers


def paper_deletable(*, paper: PositionPaper) -> bool:
    """Whether the paper may be deleted as far as its registration numbers go: not while it keeps
    a cancelled one (`papers_require_deletable`)."""
    return not _cancelled_numbers([paper])


def papers_require_deletable(*, papers: Iterable[PositionPaper]) -> None:
    """Refuse to delete papers that keep a cancelled registration number (an approval withdrawn):
    the journal keeps the cancelled numbers, with their papers, for good. One error a paper."""
    papers = list(papers)
    numbers = _cancelled_numbers(papers)
    errors = [
        ValidationError(
            _(
                "“%(paper)s” cannot be deleted: it keeps a cancelled registration number (%(numbers)s), "
                "and cancelled numbers stay in the journal for good."
            ),
            code="cancelled_number",
            params={"paper": paper, "numbers": ", ".join(numbers[paper.pk])},
        )
        for paper in papers
        if paper.pk in numbers
    ]
    if errors:
        raise ValidationError(errors)


# --- registration -------------------------------------------------------------------------------------


def registration_number_issue(*, prefix: str, year: int) -> str:
    """The next number of the journal for (prefix, year), e.g. `S-2026-014`.

    Call inside a transaction: the journal row stays locked until it commits, so two approvals at
    the same moment get consecutive numbers. The first approval of a year creates the row; a
    concurrent one waits for that insert (ON CONFLICT DO NOTHING) and then for the lock.
    """
    RegistrationJournal.objects.bulk_create(
        [RegistrationJournal(prefix=prefix, year=year, last_number=0)], ignore_conflicts=True
    )
    journal = RegistrationJournal.objects.select_for_update().get(prefix=prefix, year=year)
    journal.last_number += 1
    journal.save(update_fields=["last_number"])
    return RegistrationJournal.number(prefix=prefix, year=year, number=journal.last_number)


@transaction.atomic
def paper_approve(*, paper: PositionPaper, user: AbstractBaseUser, shown: str | None = None) -> PositionPaper:
    """Approve a draft: it gets the next registration number of the journal and today's date, and
    its text is fixed from now on. Only users with the approve permission may do it.

    The letter as approved is kept (`PositionPaper.approved_letter`) and is what the paper prints
    from then on: an organisation renamed, an attribution or the issuer's requisites changed later
    do not change the letter registered under the number. Withdrawing the approval forgets it.

    `shown`, the fingerprint of the letter the confirmation page showed (`selectors.paper_approval_preview`),
    refuses the approval (taking no number) if the letter changed since: what is approved is what
    the approver saw."""
    _require_permission(user, "positions.approve_positionpaper")
    locked = _lock_paper(paper)
    _require_draft(locked)
    issuer = IssuerSettings.load()
    built = selectors.paper_built_letter(paper=locked, issuer=issuer)
    if shown is not None and shown != built.fingerprint:
        raise ValidationError(
            _(
                "The paper changed after the confirmation page was opened, so it was not approved. "
                "Read it again as it is now before approving it."
            ),
            code="paper_changed",
        )
    errors = selectors.paper_approval_errors(paper=locked, issuer=issuer, built=built)
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    locked.registration_number = registration_number_issue(prefix=issuer.registration_prefix, year=today.year)
    locked.registration_date = today
    locked.status = PositionPaper.Status.APPROVED
    locked.approved_at = timezone.now()
    locked.approved_by = user  # type: ignore[assignment]
    # The letter as approved, with its number and date, is kept: the paper prints it from now on
    # (`selectors.paper_printed_letter`), not the CRM's names and the issuer's requisites as they
    # become. Built again from the rows read and checked above, now with its number and date.
    document = built.paper
    document.registration_number = locked.registration_number
    document.registration_date = locked.registration_date
    document.status = locked.status
    locked.approved_letter = paper_letter(document, issuer=issuer).as_json()
    locked.save(
        update_fields=[
            "registration_number",
            "registration_date",
            "status",
            "approved_at",
            "approved_by",
            "approved_letter",
            "updated_at",
        ]
    )
    paper.refresh_from_db()
    return paper


@transaction.atomic
def paper_withdraw_approval(*, paper: PositionPaper, user: AbstractBaseUser, reason: str) -> PositionPaper:
    """Take an approved paper that was not sent back to draft, for example when the text must
    change after all. Its registration number is cancelled, with the reason, and never given again
    (the journal only counts up); the PDFs made with that number can no longer be sent. Approving
    the paper again gives it a new number. Only users with the approve permission may do it."""
    _require_permission(user, "positions.approve_positionpaper")
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason for withdrawing the approval."), code="no_reason")
    locked = _lock_paper(paper)
    if locked.status == PositionPaper.Status.SENT or locked.dispatches.exists():
        raise ValidationError(
            _("This paper was sent; it cannot return to draft. Start a new version instead."), code="sent"
        )
    if locked.status != PositionPaper.Status.APPROVED:
        raise ValidationError(_("Only an approved paper can be withdrawn."), code="not_approved")
    RegistrationCancellation.objects.create(
        paper=locked,
        registration_number=locked.registration_number,
        registration_date=locked.registration_date,
        approved_at=locked.approved_at,
        approved_by=locked.approved_by,
        reason=reason,
        cancelled_by=user,
    )
    locked.renderings.filter(withdrawn_at__isnull=True).exclude(
        paper_status=PositionPaper.Status.DRAFT
    ).update(withdrawn_at=timezone.now())
    locked.status = PositionPaper.Status.DRAFT
    locked.registration_number = ""
    locked.registration_date = None
    locked.approved_at = None
    locked.approved_by = None
    # The draft prints from its rows again; approving it again keeps its letter anew.
    locked.approved_letter = None
    locked.save(
        update_fields=[
            "status",
            "registration_number",
            "registration_date",
            "approved_at",
            "approved_by",
            "approved_letter",
            "updated_at",
        ]
    )
    paper.refresh_from_db()
    return paper


# --- PDF ------------------------------------------------------------------------------------------

# How often a rendering's progress is written to the database, at most (a new stage always is).
PROGRESS_INTERVAL_SECONDS = 0.5
# Characters of text in a page of the letter, roughly, to expect a first PDF's length.
CHARACTERS_PER_PAGE = 2500


class _JobProgress:
    """Receives the renderer's progress and writes it to the job's row, throttled."""

    def __init__(self, job: RenderingJob) -> None:
        self.job = job
        self.stage = ""
        self.page = 0
        self.written_at = 0.0

    def __call__(self, stage: str, page: int = 0) -> None:
        now = time.monotonic()
        self.page = max(self.page, page)
        if stage == self.stage and now - self.written_at < PROGRESS_INTERVAL_SECONDS:
            return
        self.stage = stage
        self.written_at = now
        RenderingJob.objects.filter(pk=self.job.pk).update(stage=stage, pages_done=self.page)


def _expected_pages(paper: PositionPaper) -> int:
    """The page count of the paper's last PDF, else a guess from the length of its text."""
    last = paper.renderings.exclude(page_count=None).order_by("-version").values_list("page_count", flat=True)
    if last:
        return last[0]
    characters = sum(len(section.body) + len(section.heading) for section in paper.sections.all())
    characters += sum(
        len(proposal.provision) + len(proposal.proposed_wording) + len(proposal.justification)
        for proposal in paper.proposals.all()
    )
    return 1 + characters // CHARACTERS_PER_PAGE


def _rendering_filename(paper: PositionPaper, version: int) -> str:
    if paper.registration_number:
        return f"{paper.registration_number}-v{version}.pdf"
    return f"paper-{paper.pk}-draft-v{version}.pdf"


def paper_render(
    *,
    paper: PositionPaper,
    user: AbstractBaseUser | None = None,
    options: PdfOptions | None = None,
    job: RenderingJob | None = None,
) -> Rendering:
    """Render the paper's PDF and keep it as the next rendering, with its SHA-256 and size.

    A draft's PDF is marked as a draft and has no number; only a PDF rendered after approval can
    be sent, and it prints the letter as it was approved (`selectors.paper_printed_letter`). A sent
    paper is not rendered again: the PDF that was sent is its record. If the paper changed while it
    was rendered (its status, number or saved fields), nothing is kept and a `ValidationError` asks
    to render it again.
    Options default to the issuer settings (archival PDF/A-3b, tagged PDF).
    """
    # Imported here: WeasyPrint takes half a second to import, which every process would pay.
    from positions import pdf

    if user is not None:
        _require_permission(user, "positions.add_rendering")
    current = selectors.paper_for_document(paper_id=paper.pk)
    if current.is_sent:
        raise ValidationError(_("This paper was sent; its PDF is kept as it was sent."), code="sent")
    issuer = IssuerSettings.load()
    if options is None:
        options = pdf.PdfOptions(archival=issuer.pdf_archival, tagged=issuer.pdf_tagged)
    progress = _JobProgress(job) if job is not None else None
    if progress is not None:
        progress("text")
    # The slow part runs without holding any lock.
    letter = selectors.paper_printed_letter(paper=current, issuer=issuer)
    rendered = pdf.render_letter(letter, options=options, progress=progress)
    content = rendered.content
    if progress is not None:
        progress("storing", rendered.page_count)

    with transaction.atomic():
        locked = _lock_paper(paper)
        if locked.status != current.status:
            raise ValidationError(
                _(
                    "The paper changed from “%(before)s” to “%(after)s” while it was rendered; render it again."
                ),
                code="changed",
                params={"before": current.get_status_display(), "after": locked.get_status_display()},
            )
        # The same status is not enough: an approval withdrawn and given again meanwhile has a new
        # number (and perhaps new text), and the PDF made bears the cancelled one.
        if (locked.registration_number, locked.updated_at) != (
            current.registration_number,
            current.updated_at,
        ):
            raise ValidationError(
                _("The paper changed while it was rendered; render it again."), code="changed"
            )
        version = (locked.renderings.aggregate(last=Max("version"))["last"] or 0) + 1
        rendering = Rendering(
            paper=locked,
            version=version,
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
            paper_status=locked.status,
            language=locked.language,
            pdf_variant=options.variant,
            tagged=options.tagged,
            page_count=rendered.page_count,
            created_by=user,
        )
        rendering.file.save(_rendering_filename(locked, version), ContentFile(content), save=False)
        try:
            rendering.save()
        except Exception:
            rendering.file.delete(save=False)
            raise
    return rendering


def paper_render_request(*, paper: PositionPaper, user: AbstractBaseUser) -> RenderingJob:
    """Queue the rendering of the paper's PDF as a background task and return its job, whose
    row the task keeps up to date (stage, pages laid out, then the rendering or the error).
    With the immediate backend the PDF is already made when this returns."""
    _require_permission(user, "positions.add_rendering")
    if paper.is_sent:
        raise ValidationError(_("This paper was sent; its PDF is kept as it was sent."), code="sent")
    job = RenderingJob.objects.create(paper=paper, requested_by=user, pages_expected=_expected_pages(paper))
    # The database task backend stores the task in the same transaction as the job's row.
    try:
        result = tasks.paper_render_task.enqueue(paper_id=paper.pk, user_id=user.pk, job_id=job.pk)
    except Exception:
        _finish_job(job, error=str(_("The PDF could not be queued; the error is logged.")))
        raise
    RenderingJob.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    return job


def rendering_job_run(*, job: RenderingJob, user: AbstractBaseUser | None = None) -> Rendering | None:
    """Run a queued rendering job (what the background task does): mark it running, render with
    progress, and record the rendering or, if it failed, why. An unexpected error is logged and
    raised again, so that the task is marked failed too."""
    updated = RenderingJob.objects.filter(pk=job.pk, state=RenderingJob.State.QUEUED).update(
        state=RenderingJob.State.RUNNING, stage=RenderingJob.Stage.TEXT, started_at=timezone.now()
    )
    if not updated:
        # Already run (a task delivered twice): nothing to do.
        return None
    try:
        rendering = paper_render(paper=job.paper, user=user, job=job)
    except ValidationError as error:
        _finish_job(job, error=" ".join(error.messages))
        return None
    except Exception:
        logger.exception("Rendering job %s of paper %s failed", job.pk, job.paper_id)
        _finish_job(job, error=str(_("The PDF could not be generated; the error is logged.")))
        raise
    RenderingJob.objects.filter(pk=job.pk).update(
        state=RenderingJob.State.DONE,
        stage=RenderingJob.Stage.DONE,
        pages_done=rendering.page_count or 0,
        rendering=rendering,
        finished_at=timezone.now(),
    )
    return rendering


def _finish_job(job: RenderingJob, *, error: str) -> None:
    RenderingJob.objects.filter(pk=job.pk).update(
        state=RenderingJob.State.FAILED, error=error, finished_at=timezone.now()
    )


# --- sending --------------------------------------------------------------------------------------


def paper_default_recipient(paper: PositionPaper) -> str:
    """Whom a dispatch of the paper goes to, unless staff say otherwise: the addressee as the
    letter names it, else the institution's name."""
    if paper.addressee_label:
        return paper.addressee_label
    return paper.addressee.name if paper.addressee else ""


def paper_email_address(paper: PositionPaper) -> str:
    """Where the paper is e-mailed, unless staff say otherwise: the paper's addressee e-mail,
    else the institution's e-mail in the CRM; empty if neither is known."""
    return paper.addressee_email or (paper.addressee.email if paper.addressee else "")


@transaction.atomic
def paper_mark_sent(
    *,
    paper: PositionPaper,
    user: AbstractBaseUser,
    rendering: Rendering,
    channel: str,
    recipient: str = "",
    sent_on: datetime.date | None = None,
    note: str = "",
) -> Dispatch:
    """Record that the approved paper was sent: to whom, how, when and which PDF exactly.

    The paper becomes "sent" and frozen (changes go to a new version); the PDF named here is
    archived: from now on the database refuses to change or delete it. A paper can be sent to
    more than one recipient, each with a dispatch of its own.
    """
    _require_permission(user, "positions.add_dispatch")
    locked = _lock_paper(paper)
    if locked.status == PositionPaper.Status.DRAFT:
        raise ValidationError(_("Approve the paper before sending it."), code="not_approved")
    if rendering.paper_id != locked.pk:
        raise ValidationError(_("This PDF belongs to another paper."), code="other_paper")
    # As it is now: the approval it was made under may have been withdrawn since it was read.
    rendering.refresh_from_db(fields=["withdrawn_at"])
    if rendering.paper_status == PositionPaper.Status.DRAFT:
        raise ValidationError(
            _("This PDF was rendered before approval and has no registration number; render the PDF again."),
            code="draft_rendering",
        )
    if rendering.withdrawn_at is not None:
        raise ValidationError(
            _("This PDF bears a registration number that was cancelled; render the PDF again."),
            code="withdrawn_rendering",
        )
    if channel not in Dispatch.Channel.values:
        raise ValidationError(_("Choose how the paper was sent."), code="channel")
    today = timezone.localdate()
    sent_on = sent_on or today
    if sent_on > today:
        raise ValidationError(_("The sending date cannot be in the future."), code="future")
    if locked.registration_date and sent_on < locked.registration_date:
        raise ValidationError(
            _("The paper cannot be sent before it was registered."), code="before_registration"
        )
    recipient = recipient.strip() or paper_default_recipient(locked)
    if not recipient:
        raise ValidationError(_("Give the recipient."), code="no_recipient")
    # Archive only an intact file: the one whose hash was recorded when it was made.
    selectors.rendering_read_verified(rendering=rendering)
    dispatch = Dispatch.objects.create(
        paper=locked,
        rendering=rendering,
        recipient=recipient,
        channel=channel,
        sent_on=sent_on,
        sent_by=user,
        note=note,
    )
    if locked.status != PositionPaper.Status.SENT:
        locked.status = PositionPaper.Status.SENT
        locked.save(update_fields=["status", "updated_at"])
    paper.refresh_from_db()
    return dispatch


def paper_email(
    *,
    paper: PositionPaper,
    user: AbstractBaseUser,
    rendering: Rendering | None = None,
    to: str = "",
    note: str = "",
) -> Dispatch:
    """E-mail the approved paper's PDF to the addressee (the paper's addressee e-mail, else the
    institution's) and record the dispatch. If the e-mail cannot be sent, nothing is recorded and
    the mail server's refusal is raised as a `ValidationError`."""
    _require_permission(user, "positions.add_dispatch")
    address = to.strip() or paper_email_address(paper)
    if not address:
        raise ValidationError(_("The addressee has no e-mail address."), code="no_email")
    if paper.status == PositionPaper.Status.DRAFT:
        raise ValidationError(_("Approve the paper before sending it."), code="not_approved")
    if rendering is None:
        rendering = selectors.paper_sendable_renderings(paper=paper).first()
        if rendering is None:
            rendering = paper_render(paper=paper, user=user)
    content = selectors.rendering_read_verified(rendering=rendering)
    issuer = IssuerSettings.load()
    with translation.override(paper.language):
        letter = selectors.paper_printed_letter(
            paper=selectors.paper_for_document(paper_id=paper.pk), issuer=issuer
        )
        body = render_to_string("positions/email/paper.txt", {"letter": letter, "paper": paper})
    message = EmailMessage(
        # On one line: a line break pasted into the subject prints on the letter, but a mail
        # header cannot hold one.
        subject=" ".join(letter.document_title.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        reply_to=[issuer.email] if issuer.email else None,
    )
    # Named by the letter's number alone: the rendering's version is the association's own count.
    message.attach(f"{paper.registration_number}.pdf", content, "application/pdf")
    with transaction.atomic():
        dispatch = paper_mark_sent(
            paper=paper,
            user=user,
            rendering=rendering,
            channel=Dispatch.Channel.EMAIL,
            recipient=address,
            note=note,
        )
        # Sent last: if the mail server refuses it, the dispatch above is rolled back.
        try:
            message.send()
        except (smtplib.SMTPException, OSError) as refused:
            raise ValidationError(
                _(
                    "The e-mail could not be sent (%(reason)s); nothing is recorded. Check the address, or send the PDF another way and record that."
                ),
                code="email_failed",
                params={"reason": refused},
            ) from refused
    return dispatch


# --- versions -----------------------------------------------------------------------------------


@transaction.atomic
def paper_new_version(*, paper: PositionPaper, user: AbstractBaseUser) -> PositionPaper:
    """Start a new draft from a sent paper, which stays as it was sent.

    The draft copies the text, proposals (with the member answers behind them), supporting
    organisations and attributions, and the consolidation the paper was drafted with (the grouped
    member proposals, their decisions, and which sections and lines were written from the
    answers); it gets its own number when it is approved.
    """
    _require_permission(user, "positions.add_positionpaper")
    locked = _lock_paper(paper)
    if locked.status != PositionPaper.Status.SENT:
        raise ValidationError(
            _("Only a sent paper gets a new version; a draft is edited as it is."), code="not_sent"
        )
    existing = PositionPaper.objects.filter(previous_version=locked).first()
    if existing is not None:
        raise ValidationError(
            _("This paper already has a newer version: %(paper)s."),
            code="has_version",
            params={"paper": existing},
        )
    source = selectors.paper_for_document(paper_id=locked.pk)
    draft = PositionPaper.objects.create(
        **{name: getattr(source, name) for name in COPIED_FIELDS},
        previous_version=locked,
        version=locked.version + 1,
        created_by=user,
    )
    draft.supporting_organisations.set(source.supporting_organisations.all())
    PaperAttribution.objects.bulk_create(
        PaperAttribution(
            paper=draft,
            organisation_id=attribution.organisation_id,
            mode=attribution.mode,
            anonymous_label=attribution.anonymous_label,
        )
        for attribution in source.attributions.all()
    )
    sections: dict[int, PaperSection] = {}
    for section in source.sections.all():
        copy = PaperSection.objects.create(
            paper=draft, position=section.position, heading=section.heading, body=section.body
        )
        copy.source_answers.set(section.source_answers.all())
        sections[section.pk] = copy
    proposals: dict[int, PaperProposal] = {}
    for proposal in source.proposals.all():
        copy = PaperProposal.objects.create(
            paper=draft,
            position=proposal.position,
            act=proposal.act,
            provision=proposal.provision,
            proposed_wording=proposal.proposed_wording,
            justification=proposal.justification,
        )
        copy.supporting_organisations.set(proposal.supporting_organisations.all())
        copy.source_rows.set(proposal.source_rows.all())
        copy.source_answers.set(proposal.source_answers.all())
        proposals[proposal.pk] = copy
    _copy_consolidation(source=locked, draft=draft, sections=sections, proposals=proposals)
    return draft


def _copy_consolidation(
    *,
    source: PositionPaper,
    draft: PositionPaper,
    sections: dict[int, PaperSection],
    proposals: dict[int, PaperProposal],
) -> None:
    """Copy what the paper was drafted from into its new version: the grouped member proposals
    with their decisions, each linked to the copy of the line it became, and the marks of the
    sections written from the questions, so that the new draft is consolidated, and rewritten
    after an attribution changes, just as the sent one was."""
    for group in source.proposal_groups.prefetch_related("organisations", "source_rows", "source_answers"):
        copy = ProposalGroup.objects.create(
            paper=draft,
            position=group.position,
            question_id=group.question_id,
            key=group.key,
            provision=group.provision,
            entries=group.entries,
            decision=group.decision,
            reason=group.reason,
            merged_wording=group.merged_wording,
            merged_justification=group.merged_justification,
            proposal=proposals.get(group.proposal_id) if group.proposal_id else None,
            generated_provision=group.generated_provision,
            generated_wording=group.generated_wording,
            generated_justification=group.generated_justification,
            decided_by_id=group.decided_by_id,
            decided_at=group.decided_at,
        )
        copy.organisations.set(group.organisations.all())
        copy.source_rows.set(group.source_rows.all())
        copy.source_answers.set(group.source_answers.all())
    GeneratedSection.objects.bulk_create(
        GeneratedSection(
            section=sections[marker.section_id],
            question_id=marker.question_id,
            generated_heading=marker.generated_heading,
            generated_body=marker.generated_body,
        )
        for marker in GeneratedSection.objects.filter(section__paper=source)
        if marker.section_id in sections
    )

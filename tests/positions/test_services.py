from __future__ import annotations

import datetime
import threading

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultations.models import Answer, ProposalRow
from positions import selectors, services
from positions.models import (
    Dispatch,
    IssuerSettings,
    PaperAttribution,
    PositionPaper,
    RegistrationJournal,
    Rendering,
    subject_split,
)
from tests.consultations.factories import AnswerFactory, QuestionFactory
from tests.factories import OrganisationFactory, UserFactory
from tests.positions import pdf_reading
from tests.positions.factories import PaperFactory, ProposalFactory, SectionFactory, issuer_with_requisites

pytestmark = pytest.mark.django_db

NOON_2026_11_28 = datetime.datetime(2026, 11, 28, 10, 0, tzinfo=datetime.UTC)


def _ready_paper(**kwargs: object) -> PositionPaper:
    paper = PaperFactory(**kwargs)
    SectionFactory(paper=paper)
    ProposalFactory(paper=paper)
    return paper


@pytest.fixture
def issuer() -> IssuerSettings:
    return issuer_with_requisites()


@pytest.fixture
def sent_paper(issuer, superuser) -> PositionPaper:
    paper = _ready_paper()
    services.paper_approve(paper=paper, user=superuser)
    rendering = services.paper_render(paper=paper, user=superuser)
    services.paper_mark_sent(paper=paper, user=superuser, rendering=rendering, channel=Dispatch.Channel.DVS)
    return paper


# --- approval and the registration journal --------------------------------------------------------


def test_approval_gives_sequential_numbers_per_year_with_the_prefix(issuer, superuser):
    papers = [_ready_paper() for _ in range(3)]

    with time_machine.travel(NOON_2026_11_28, tick=False):
        for paper in papers:
            services.paper_approve(paper=paper, user=superuser)

    assert [p.registration_number for p in papers] == ["S-2026-001", "S-2026-002", "S-2026-003"]
    assert {p.registration_date for p in papers} == {datetime.date(2026, 11, 28)}
    assert {p.status for p in papers} == {PositionPaper.Status.APPROVED}
    assert RegistrationJournal.objects.get(prefix="S", year=2026).last_number == 3


def test_numbering_starts_again_in_a_new_year_and_per_prefix(issuer, superuser):
    with time_machine.travel(datetime.datetime(2026, 12, 31, 21, 59, tzinfo=datetime.UTC), tick=False):
        december = services.paper_approve(paper=_ready_paper(), user=superuser)
    # 22:00 UTC on 31 December is already 1 January in Vilnius.
    with time_machine.travel(datetime.datetime(2026, 12, 31, 22, 0, tzinfo=datetime.UTC), tick=False):
        january = services.paper_approve(paper=_ready_paper(), user=superuser)
        issuer.registration_prefix = "SR"
        issuer.save()
        other_prefix = services.paper_approve(paper=_ready_paper(), user=superuser)

    assert december.registration_number == "S-2026-001"
    assert january.registration_number == "S-2027-001"
    assert january.registration_date == datetime.date(2027, 1, 1)
    assert other_prefix.registration_number == "SR-2027-001"


def test_a_number_is_never_given_again_even_when_its_paper_is_gone(issuer, superuser):
    first = services.paper_approve(paper=_ready_paper(), user=superuser)
    PositionPaper.objects.filter(pk=first.pk).delete()

    second = services.paper_approve(paper=_ready_paper(), user=superuser)

    assert first.registration_number.endswith("-001")
    assert second.registration_number.endswith("-002")


def test_the_database_refuses_a_duplicate_registration_number(issuer, superuser):
    paper = services.paper_approve(paper=_ready_paper(), user=superuser)
    other = _ready_paper()

    with pytest.raises(IntegrityError), transaction.atomic():
        PositionPaper.objects.filter(pk=other.pk).update(
            status="approved",
            registration_number=paper.registration_number,
            registration_date=paper.registration_date,
        )


def test_only_users_with_the_approve_permission_approve(issuer, crm_editor, read_only_user, policy_officer):
    paper = _ready_paper()

    for user in (crm_editor, read_only_user):
        with pytest.raises(PermissionDenied):
            services.paper_approve(paper=paper, user=user)
    paper.refresh_from_db()
    assert paper.is_draft and paper.registration_number == ""

    services.paper_approve(paper=paper, user=policy_officer)
    assert paper.status == PositionPaper.Status.APPROVED
    assert paper.approved_by == policy_officer


def test_a_paper_without_addressee_signatory_or_text_is_not_approved(issuer, superuser):
    paper = PaperFactory(addressee=None, signatory_name="")

    with pytest.raises(ValidationError) as refused:
        services.paper_approve(paper=paper, user=superuser)

    assert {error.code for error in refused.value.error_list} == {"no_addressee", "no_signatory", "empty"}
    assert not RegistrationJournal.objects.exists() or RegistrationJournal.objects.get().last_number == 0


def test_a_paper_whose_sections_have_no_text_is_not_approved_until_one_has(issuer, superuser):
    paper = PaperFactory()
    SectionFactory(paper=paper, heading="", body="")
    SectionFactory(paper=paper, heading="Bendros pastabos", body="  \n ")

    with pytest.raises(ValidationError) as refused:
        services.paper_approve(paper=paper, user=superuser)

    assert [error.code for error in refused.value.error_list] == ["empty"]
    paper.refresh_from_db()
    assert paper.is_draft and paper.registration_number == ""
    ProposalFactory(paper=paper)
    services.paper_approve(paper=paper, user=superuser)
    assert paper.status == PositionPaper.Status.APPROVED


def test_a_paper_to_an_organisation_that_is_not_a_public_institution_is_not_approved(issuer, superuser):
    paper = _ready_paper(addressee=OrganisationFactory())

    with pytest.raises(ValidationError) as refused:
        services.paper_approve(paper=paper, user=superuser)

    assert refused.value.error_list[0].code == "addressee_kind"


def test_an_approved_paper_is_not_approved_again(issuer, superuser):
    paper = services.paper_approve(paper=_ready_paper(), user=superuser)

    with pytest.raises(ValidationError):
        services.paper_approve(paper=paper, user=superuser)
    assert RegistrationJournal.objects.get().last_number == 1


def test_approving_a_paper_whose_letter_changed_since_it_was_shown_takes_no_number(issuer, superuser):
    paper = _ready_paper()
    shown = selectors.paper_built_letter(paper=paper).fingerprint
    # An organisation in the annex is renamed: the paper's own row is as it was.
    member = OrganisationFactory(name="Klasteris Alfa")
    paper.supporting_organisations.add(member)

    with pytest.raises(ValidationError) as refused:
        services.paper_approve(paper=paper, user=superuser, shown=shown)

    assert refused.value.code == "paper_changed"
    paper.refresh_from_db()
    assert paper.is_draft and paper.registration_number == ""
    assert not RegistrationJournal.objects.exists()
    approved = services.paper_approve(
        paper=paper, user=superuser, shown=selectors.paper_built_letter(paper=paper).fingerprint
    )
    assert approved.registration_number.endswith("-001")


def _letter_builds(queries: CaptureQueriesContext) -> int:
    """How many times the paper's letter was built: each build prefetches the paper's sections."""
    return sum('"positions_papersection"."paper_id" IN' in query["sql"] for query in queries.captured_queries)


def test_approving_the_letter_shown_builds_it_once_for_its_fingerprint_and_its_checks(issuer, superuser):
    paper = _ready_paper()
    shown = selectors.paper_built_letter(paper=paper).fingerprint

    with CaptureQueriesContext(connection) as queries:
        services.paper_approve(paper=paper, user=superuser, shown=shown)

    assert paper.registration_number
    assert _letter_builds(queries) == 1


def test_saving_a_paper_changed_since_it_was_loaded_is_refused(issuer, superuser):
    paper = _ready_paper()
    loaded = paper.updated_at
    PositionPaper.objects.get(pk=paper.pk).save()  # a colleague saves it
    paper.subject = "Kitas dalykas"

    with pytest.raises(ValidationError) as refused:
        services.paper_save(paper=paper, user=superuser, expected_updated_at=loaded)

    assert refused.value.code == "paper_changed"
    assert PositionPaper.objects.get(pk=paper.pk).subject != "Kitas dalykas"
    fresh = PositionPaper.objects.get(pk=paper.pk)
    fresh.subject = "Kitas dalykas"
    services.paper_save(paper=fresh, user=superuser, expected_updated_at=fresh.updated_at)
    assert PositionPaper.objects.get(pk=paper.pk).subject == "Kitas dalykas"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_approvals_get_unique_consecutive_numbers(superuser):
    issuer_with_requisites()
    papers = [_ready_paper() for _ in range(8)]
    barrier = threading.Barrier(len(papers))
    numbers: list[str] = []
    errors: list[BaseException] = []

    def approve(paper: PositionPaper) -> None:
        try:
            barrier.wait(timeout=10)
            numbers.append(services.paper_approve(paper=paper, user=superuser).registration_number)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(paper,)) for paper in papers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    year = datetime.date.today().year  # noqa: DTZ011 - compared with the year the service stored
    assert sorted(numbers) == [f"S-{year}-{n:03d}" for n in range(1, len(papers) + 1)]
    stored = list(PositionPaper.objects.values_list("registration_number", flat=True))
    assert len(set(stored)) == len(papers)
    assert RegistrationJournal.objects.get(prefix="S").last_number == len(papers)


# --- drafts and freezing -------------------------------------------------------------------------------


def test_a_new_paper_takes_the_issuer_default_signatory(issuer, superuser):
    paper = PaperFactory.build(signatory_name="", signatory_position="", addressee=None)

    services.paper_save(paper=paper, user=superuser)

    assert paper.signatory_name == "Rūta Žilinskienė"
    assert paper.signatory_position == "Prezidentė"
    assert paper.created_by == superuser


def test_the_issuer_s_signatory_position_follows_the_paper_s_language_and_a_custom_one_stays(
    issuer, superuser
):
    paper = PaperFactory.build(signatory_position="", addressee=None, language="en")
    services.paper_save(paper=paper, user=superuser)
    assert paper.signatory_position == "President"

    paper.language = "lt"
    services.paper_save(paper=paper, user=superuser)
    paper.refresh_from_db()
    assert paper.signatory_position == "Prezidentė"

    paper.signatory_position = "Viceprezidentas"
    paper.language = "en"
    services.paper_save(paper=paper, user=superuser)
    paper.refresh_from_db()
    assert paper.signatory_position == "Viceprezidentas"


def test_the_subject_is_written_without_del(issuer, superuser):
    paper = PaperFactory.build(subject="DĖL įstatymo projekto", addressee=None)

    with pytest.raises(ValidationError) as refused:
        services.paper_save(paper=paper, user=superuser)

    assert "subject" in refused.value.error_dict


@pytest.mark.parametrize(
    "subject",
    [
        "„Dėl Klasterių plėtros programos 2027–2030 m. projekto“",
        "Dėl: Klasterių plėtros programos projekto",
        "Del – Klasterių plėtros programos projekto",
        "„Dėl nutarimo „Dėl klasterių“ pakeitimo“.",
    ],
)
def test_a_subject_with_del_in_quotation_marks_or_before_a_colon_is_refused(issuer, superuser, subject):
    paper = PaperFactory.build(subject=subject, addressee=None)

    with pytest.raises(ValidationError) as refused:
        services.paper_save(paper=paper, user=superuser)

    assert [error.code for error in refused.value.error_dict["subject"]] == ["subject_prefix"]


@pytest.mark.parametrize(
    "subject", ["„Žaliojo kurso“ programos projekto", "Dėlionės principo taikymo", "„Klasterių programos“"]
)
def test_a_subject_in_quotation_marks_or_starting_with_a_longer_word_is_taken(issuer, superuser, subject):
    paper = services.paper_save(paper=PaperFactory.build(subject=subject, addressee=None), user=superuser)

    assert PositionPaper.objects.get(pk=paper.pk).subject == subject


def test_an_approved_or_sent_paper_cannot_be_edited(sent_paper, superuser):
    sent_paper.subject = "Kitas dalykas"

    with pytest.raises(ValidationError):
        services.paper_save(paper=sent_paper, user=superuser)
    with pytest.raises(ValidationError):
        services.paper_require_draft(paper=sent_paper)
    assert PositionPaper.objects.get(pk=sent_paper.pk).subject != "Kitas dalykas"


def test_a_sent_paper_is_not_rendered_again(sent_paper, superuser):
    with pytest.raises(ValidationError):
        services.paper_render(paper=sent_paper, user=superuser)
    assert sent_paper.renderings.count() == 1


def test_the_sent_rendering_cannot_be_deleted_or_changed_even_through_the_orm(sent_paper):
    rendering = sent_paper.renderings.get()

    with pytest.raises((IntegrityError, ProtectedError)), transaction.atomic():
        rendering.delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        Rendering.objects.filter(pk=rendering.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        Rendering.objects.filter(pk=rendering.pk).update(sha256="0" * 64)
    with pytest.raises(ProtectedError):
        sent_paper.delete()
    assert Rendering.objects.get(pk=rendering.pk).sha256 == rendering.sha256


def test_a_rendering_not_sent_can_still_go_with_its_draft(issuer, superuser):
    paper = _ready_paper()
    services.paper_render(paper=paper, user=superuser)

    paper.delete()

    assert not Rendering.objects.exists()


# --- rendering --------------------------------------------------------------------------------------------


def test_renderings_are_numbered_and_keep_the_paper_status(issuer, superuser):
    paper = _ready_paper()
    draft_rendering = services.paper_render(paper=paper, user=superuser)
    services.paper_approve(paper=paper, user=superuser)
    approved_rendering = services.paper_render(paper=paper, user=superuser)

    assert (draft_rendering.version, draft_rendering.paper_status) == (1, "draft")
    assert (approved_rendering.version, approved_rendering.paper_status) == (2, "approved")
    assert approved_rendering.file.name.endswith(f"{paper.registration_number}-v2.pdf")
    assert list(selectors.paper_sendable_renderings(paper=paper)) == [approved_rendering]
    assert approved_rendering.created_by == superuser


def test_rendering_needs_the_permission_to_add_renderings(issuer, read_only_user):
    with pytest.raises(PermissionDenied):
        services.paper_render(paper=_ready_paper(), user=read_only_user)


def test_the_issuer_settings_choose_archival_and_tagged_output(issuer, superuser):
    issuer.pdf_archival = True
    issuer.pdf_tagged = True
    issuer.save()

    rendering = services.paper_render(paper=_ready_paper(), user=superuser)

    assert (rendering.pdf_variant, rendering.tagged) == ("pdf/a-3b", True)
    assert "/StructTreeRoot" in pdf_reading.reader(rendering.file.read()).trailer["/Root"]


def test_generating_the_pdf_runs_as_a_task(issuer, superuser):
    paper = _ready_paper()

    job = services.paper_render_request(paper=paper, user=superuser)

    # The immediate backend (the default) has run it already; see test_progress for the worker.
    assert job.state == "done"
    assert job.rendering_id == paper.renderings.get().pk


def test_an_altered_file_fails_the_hash_check(issuer, superuser):
    paper = services.paper_approve(paper=_ready_paper(), user=superuser)
    rendering = services.paper_render(paper=paper, user=superuser)
    path = rendering.file.path
    with open(path, "r+b") as stored:
        stored.seek(200)
        stored.write(b"X")

    with pytest.raises(selectors.RenderingTampered):
        selectors.rendering_read_verified(rendering=rendering)
    with pytest.raises(selectors.RenderingTampered):
        services.paper_mark_sent(paper=paper, user=superuser, rendering=rendering, channel="dvs")
    paper.refresh_from_db()
    assert paper.status == PositionPaper.Status.APPROVED


# --- sending ---------------------------------------------------------------------------------------------


def test_marking_sent_records_the_dispatch_and_freezes_the_paper(issuer, policy_officer):
    with time_machine.travel(NOON_2026_11_28, tick=False):
        paper = services.paper_approve(paper=_ready_paper(), user=policy_officer)
        rendering = services.paper_render(paper=paper, user=policy_officer)
        dispatch = services.paper_mark_sent(
            paper=paper, user=policy_officer, rendering=rendering, channel=Dispatch.Channel.E_DELIVERY
        )

    assert paper.status == PositionPaper.Status.SENT
    assert dispatch.rendering == rendering
    assert dispatch.recipient == "Lietuvos Respublikos ekonomikos ir inovacijų ministerijai"
    assert dispatch.sent_on == datetime.date(2026, 11, 28)
    assert dispatch.sent_by == policy_officer


def test_a_draft_or_its_draft_pdf_cannot_be_marked_sent(issuer, superuser):
    paper = _ready_paper()
    draft_rendering = services.paper_render(paper=paper, user=superuser)

    with pytest.raises(ValidationError) as not_approved:
        services.paper_mark_sent(paper=paper, user=superuser, rendering=draft_rendering, channel="paper")
    services.paper_approve(paper=paper, user=superuser)
    with pytest.raises(ValidationError) as draft_pdf:
        services.paper_mark_sent(paper=paper, user=superuser, rendering=draft_rendering, channel="paper")

    assert not_approved.value.code == "not_approved"
    assert draft_pdf.value.code == "draft_rendering"
    assert not Dispatch.objects.exists()


def test_another_papers_pdf_or_a_future_date_is_refused(issuer, superuser):
    paper = services.paper_approve(paper=_ready_paper(), user=superuser)
    other = services.paper_approve(paper=_ready_paper(), user=superuser)
    other_rendering = services.paper_render(paper=other, user=superuser)
    rendering = services.paper_render(paper=paper, user=superuser)

    with pytest.raises(ValidationError) as other_paper:
        services.paper_mark_sent(paper=paper, user=superuser, rendering=other_rendering, channel="dvs")
    with pytest.raises(ValidationError) as future:
        services.paper_mark_sent(
            paper=paper,
            user=superuser,
            rendering=rendering,
            channel="dvs",
            sent_on=datetime.date.today() + datetime.timedelta(days=2),  # noqa: DTZ011
        )

    assert other_paper.value.code == "other_paper"
    assert future.value.code == "future"


def test_emailing_the_paper_sends_the_archived_pdf_and_records_the_dispatch(issuer, superuser):
    paper = services.paper_approve(paper=_ready_paper(addressee_email="rastine@eimin.lt"), user=superuser)
    rendering = services.paper_render(paper=paper, user=superuser)

    dispatch = services.paper_email(paper=paper, user=superuser)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rastine@eimin.lt"]
    assert message.reply_to == ["info@klasteriai.lt"]
    date, number = paper.registration_date.isoformat(), paper.registration_number
    assert message.subject == f"{date} raštas Nr. {number} „Dėl {paper.subject}“"
    assert message.body.startswith(f"Siunčiame {date} raštą Nr. {number} „Dėl {paper.subject}“ (pridedamas).")
    # Named by the letter's number, without the rendering's version.
    ((filename, content, mimetype),) = message.attachments
    assert (filename, mimetype) == (f"{number}.pdf", "application/pdf")
    assert content == rendering.file.open("rb").read()
    assert (dispatch.channel, dispatch.recipient, dispatch.rendering) == (
        "email",
        "rastine@eimin.lt",
        rendering,
    )
    paper.refresh_from_db()
    assert paper.is_sent


def test_an_email_that_fails_records_no_dispatch(issuer, superuser, settings):
    settings.EMAIL_BACKEND = "tests.failing_mail.EmailBackend"
    paper = services.paper_approve(paper=_ready_paper(), user=superuser)
    services.paper_render(paper=paper, user=superuser)

    with pytest.raises(ValidationError) as refused:
        services.paper_email(paper=paper, user=superuser)

    assert refused.value.code == "email_failed"
    assert isinstance(refused.value.__cause__, ConnectionRefusedError)
    assert not Dispatch.objects.exists()
    paper.refresh_from_db()
    assert paper.status == PositionPaper.Status.APPROVED


def test_a_user_who_made_a_sent_pdf_cannot_be_deleted_and_one_who_made_a_draft_pdf_can(
    issuer, superuser, staff_client
):
    officer, other = UserFactory(is_superuser=True), UserFactory(is_superuser=True)
    sent = _ready_paper()
    services.paper_approve(paper=sent, user=officer)
    rendering = services.paper_render(paper=sent, user=officer)
    services.paper_mark_sent(paper=sent, user=officer, rendering=rendering, channel=Dispatch.Channel.DVS)
    draft_rendering = services.paper_render(paper=_ready_paper(), user=other)

    # The admin's delete page names the sent PDF as what stops it (no error page).
    page = staff_client.get(reverse("admin:auth_user_delete", args=[officer.pk]))
    assert page.status_code == 200
    protected = [str(item) for item in page.context["protected"]]
    assert len(protected) == 1 and str(rendering) in protected[0]
    with pytest.raises(ProtectedError):
        officer.delete()
    rendering.refresh_from_db()
    assert rendering.created_by == officer

    # Who made a draft's PDF is forgotten with the user.
    other.delete()
    draft_rendering.refresh_from_db()
    assert draft_rendering.created_by is None


# --- versions ---------------------------------------------------------------------------------------


def test_a_new_version_copies_the_sent_paper_into_a_linked_draft(sent_paper, superuser):
    member = OrganisationFactory(sectors=["ict"])
    sent_paper.supporting_organisations.set([member])
    PositionPaper.objects.filter(pk=sent_paper.pk).update(annex=PositionPaper.Annex.PARTICIPANTS)
    PaperAttribution.objects.create(paper=sent_paper, organisation=member, mode="anonymous")
    proposal = sent_paper.proposals.get()
    answer = AnswerFactory(question=QuestionFactory(kind="proposals"))
    row = ProposalRow.objects.create(answer=answer, provision="5 str.", proposed_wording="Nauja redakcija")
    proposal.supporting_organisations.set([member])
    proposal.source_rows.set([row])
    proposal.source_answers.set([answer])

    draft = services.paper_new_version(paper=sent_paper, user=superuser)

    assert draft.is_draft and draft.registration_number == ""
    assert draft.previous_version == sent_paper
    assert sent_paper.next_version == draft
    assert draft.version == 2
    assert draft.subject == sent_paper.subject
    assert draft.annex == PositionPaper.Annex.PARTICIPANTS
    assert [s.body for s in draft.sections.all()] == [s.body for s in sent_paper.sections.all()]
    copied = draft.proposals.get()
    assert copied.pk != proposal.pk
    assert copied.proposed_wording == proposal.proposed_wording
    assert list(copied.source_rows.all()) == [row]
    assert list(copied.source_answers.all()) == [answer]
    assert list(copied.supporting_organisations.all()) == [member]
    assert list(draft.supporting_organisations.all()) == [member]
    assert draft.attributions.get().mode == "anonymous"
    # The sent paper and its PDF stay as they were.
    sent_paper.refresh_from_db()
    assert sent_paper.is_sent and sent_paper.renderings.count() == 1
    assert Answer.objects.filter(pk=answer.pk).exists()


def test_the_new_version_gets_its_own_number_when_approved(sent_paper, superuser):
    draft = services.paper_new_version(paper=sent_paper, user=superuser)

    services.paper_approve(paper=draft, user=superuser)

    assert draft.registration_number != sent_paper.registration_number
    assert draft.registration_number.endswith("-002")


def test_only_a_sent_paper_gets_a_new_version_and_only_one(sent_paper, issuer, superuser):
    services.paper_new_version(paper=sent_paper, user=superuser)

    with pytest.raises(ValidationError) as twice:
        services.paper_new_version(paper=sent_paper, user=superuser)
    with pytest.raises(ValidationError) as draft:
        services.paper_new_version(paper=_ready_paper(), user=superuser)

    assert twice.value.code == "has_version"
    assert draft.value.code == "not_sent"


def test_a_new_version_needs_the_permission_to_add_papers(sent_paper, read_only_user):
    with pytest.raises(PermissionDenied):
        services.paper_new_version(paper=sent_paper, user=read_only_user)


def test_the_registration_user_is_kept_when_the_user_is_removed(issuer):
    approver = UserFactory(is_superuser=True)
    paper = services.paper_approve(paper=_ready_paper(), user=approver)

    approver.delete()

    paper.refresh_from_db()
    assert paper.approved_by is None
    assert paper.registration_number


@pytest.mark.parametrize(
    ("text", "split"),
    [
        ("Del. 2030 m. planas", (True, "2030 m. planas")),
        ("„Dėl. Klasterių programos“", (True, "Klasterių programos")),
        ("Dėl.", (True, "")),
        ("Dėl", (True, "")),
        ("Klasterių programos 2030 m.", (False, "Klasterių programos 2030 m.")),
    ],
)
def test_a_subjects_del_is_split_off_with_its_abbreviations_full_stop(text, split):
    assert subject_split(text) == split

from __future__ import annotations

import csv
import datetime
import html
import io
import re

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from consultations import analysis, exports, selectors, services
from consultations.answers import AnswerValue, ProposalValue, snapshot_entry
from consultations.filters import InvitationFilter
from consultations.models import (
    Answer,
    Consultation,
    Invitation,
    Question,
    Response,
    ResponseVersion,
)
from crm.models import Organisation
from tests.consultations.factories import ConsultationFactory, QuestionFactory, member_organisation
from tests.factories import AffiliationFactory, OrganisationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"


@pytest.fixture(autouse=True)
def _english():
    # Tests assert on the source strings, which stay English whatever the catalogue says.
    with translation.override("en"):
        yield


@pytest.fixture
def consultation() -> Consultation:
    now = timezone.now()
    return ConsultationFactory(
        title="Dėl Inovacijų įstatymo",
        status=Consultation.Status.OPEN,
        opens_at=now - datetime.timedelta(days=1),
        internal_deadline=now + datetime.timedelta(days=10),
    )


@pytest.fixture
def questions(consultation) -> dict[str, Question]:
    specs = {
        "single": {
            "kind": Question.Kind.SINGLE_CHOICE,
            "text": "Ar pritariate projektui?",
            "choices": ["Pritariame", "Pritariame su pastabomis", "Nepritariame"],
            "allow_other": True,
        },
        "multiple": {
            "kind": Question.Kind.MULTIPLE_CHOICE,
            "text": "Kurias sritis paveiks?",
            "choices": ["Mokslas", "Verslas", "Švietimas"],
        },
        "scale": {"kind": Question.Kind.SCALE, "text": "Projektas padės augti"},
        "yes_no": {"kind": Question.Kind.YES_NO, "text": "Ar dalyvausite darbo grupėje?"},
        "text": {"kind": Question.Kind.LONG_TEXT, "text": "Pastabos"},
        "proposals": {"kind": Question.Kind.PROPOSALS, "text": "Pasiūlymai dėl nuostatų"},
    }
    return {
        key: QuestionFactory(consultation=consultation, position=position, **spec)
        for position, (key, spec) in enumerate(specs.items(), start=1)
    }


def invite(
    consultation: Consultation,
    *,
    name: str,
    sectors: tuple[str, ...] = ("ict",),
    kind: str = Organisation.Kind.CLUSTER,
    opened: bool = True,
    contact: bool = True,
    sent: bool | None = None,
) -> Organisation:
    """An invited organisation; its invitation was sent when it has a contact (as opening does)
    unless `sent` says otherwise."""
    organisation = OrganisationFactory(name=name, sectors=list(sectors), kind=kind)
    now = timezone.now()
    Invitation.objects.create(
        consultation=consultation,
        organisation=organisation,
        sent_at=now if (contact if sent is None else sent) else None,
        opened_at=now if opened else None,
    )
    if contact:
        AffiliationFactory(
            organisation=organisation,
            person=PersonFactory(
                first_name="Rūta", last_name=f"Kontaktė {name}", email=f"kontaktas{organisation.pk}@x.lt"
            ),
            receives_consultations=True,
        )
    return organisation


def submit(
    consultation: Consultation,
    organisation: Organisation,
    questions: dict[str, Question],
    values: dict[str, AnswerValue],
    *,
    number: int = 1,
) -> Response:
    """Store a submitted version as `response_submit` would have."""
    response, _created = Response.objects.get_or_create(consultation=consultation, organisation=organisation)
    now = timezone.now()
    Response.objects.filter(pk=response.pk).update(
        status=Response.Status.SUBMITTED, submitted_at=now, version=number
    )
    ResponseVersion.objects.create(
        response=response,
        number=number,
        submitted_at=now,
        answers=[
            snapshot_entry(question=question, value=values.get(key, AnswerValue()))
            for key, question in questions.items()
        ],
    )
    return response


@pytest.fixture
def answered(consultation, questions):
    """Four organisations have submitted, one has a draft, one has only opened, one has not
    opened."""
    orgs = {
        "saule": invite(consultation, name="Saulės klasteris", sectors=("ict",)),
        "menulis": invite(consultation, name="Mėnulio klasteris", sectors=("ict", "energy")),
        "zvaigzde": invite(
            consultation, name="Žvaigždės asociacija", sectors=("energy",), kind=Organisation.Kind.ASSOCIATION
        ),
        "kometa": invite(
            consultation, name="Kometos įmonė", sectors=("health",), kind=Organisation.Kind.COMPANY
        ),
        "draft": invite(consultation, name="Juodraščio klasteris", sectors=("energy",)),
        "opened": invite(consultation, name="Atidariusi organizacija", sectors=("ict",), contact=False),
        "silent": invite(consultation, name="Tyli organizacija", sectors=(), opened=False),
    }
    submit(
        consultation,
        orgs["saule"],
        questions,
        {"single": AnswerValue(choice_indexes=(2,))},
    )
    # Saulės klasteris amended: the second version counts, the first does not.
    saule = submit(
        consultation,
        orgs["saule"],
        questions,
        {
            "single": AnswerValue(choice_indexes=(0,)),
            "multiple": AnswerValue(choice_indexes=(0, 1)),
            "scale": AnswerValue(scale=5),
            "yes_no": AnswerValue(yes_no=True),
            "text": AnswerValue(text="Pritariame, bet =SUM(A1:A2) ir ąčęėįšųūž."),
            "proposals": AnswerValue(
                rows=(
                    ProposalValue(
                        provision="5 straipsnio 2 dalis",
                        proposed_wording="Naujas tekstas",
                        justification="Aiškiau",
                    ),
                    ProposalValue(provision="10 str.", proposed_wording='=HYPERLINK("http://x")'),
                )
            ),
        },
        number=2,
    )
    # Its working copy has a change nobody has submitted: the analysis does not show it.
    Response.objects.filter(pk=saule.pk).update(has_unsubmitted_changes=True)
    Answer.objects.create(response=saule, question=questions["text"], text="Neišsiųstas juodraštis")
    submit(
        consultation,
        orgs["menulis"],
        questions,
        {
            "single": AnswerValue(choice_indexes=(0,)),
            "multiple": AnswerValue(choice_indexes=(1,)),
            "scale": AnswerValue(scale=4),
            "yes_no": AnswerValue(yes_no=False),
            "text": AnswerValue(text=SCRIPT),
            "proposals": AnswerValue(
                rows=(
                    ProposalValue(
                        provision="5 str., 2 d.", proposed_wording=SCRIPT, justification="Dėl aiškumo"
                    ),
                )
            ),
        },
    )
    submit(
        consultation,
        orgs["zvaigzde"],
        questions,
        {
            "single": AnswerValue(choice_indexes=(2,)),
            "proposals": AnswerValue(rows=(ProposalValue(proposed_wording="Be nuorodos į nuostatą"),)),
        },
    )
    submit(consultation, orgs["kometa"], questions, {"single": AnswerValue(other_text="Reikia diskusijos")})
    Response.objects.create(consultation=consultation, organisation=orgs["draft"], version=3)
    return orgs


# --- the dashboard ------------------------------------------------------------------------------


def test_dashboard_counts_invited_opened_draft_and_submitted_overall(consultation, answered):
    dashboard = analysis.consultation_dashboard(consultation=consultation)

    overall = dashboard.overall
    assert (overall.invited, overall.opened, overall.draft, overall.submitted) == (7, 6, 1, 4)
    assert overall.submitted_percent == pytest.approx(57.1)


def test_dashboard_counts_each_sector_and_organisations_without_one(consultation, answered):
    dashboard = analysis.consultation_dashboard(consultation=consultation)

    by_code = {
        (row.sector.code if row.sector else None): (
            row.counts.invited,
            row.counts.opened,
            row.counts.draft,
            row.counts.submitted,
        )
        for row in dashboard.by_sector
    }
    # Mėnulio klasteris is in two sectors and counts in both.
    assert by_code == {
        "ict": (3, 3, 0, 2),
        "energy": (3, 3, 1, 2),
        "health": (1, 1, 0, 1),
        None: (1, 0, 0, 0),
    }


def test_dashboard_lists_organisations_not_submitted_with_their_contacts(consultation, answered):
    dashboard = analysis.consultation_dashboard(consultation=consultation)

    pending = {item.organisation.name: item for item in dashboard.pending}
    assert sorted(pending) == ["Atidariusi organizacija", "Juodraščio klasteris", "Tyli organizacija"]
    assert pending["Juodraščio klasteris"].progress == analysis.Progress.DRAFT
    assert pending["Atidariusi organizacija"].progress == analysis.Progress.OPENED
    assert pending["Tyli organizacija"].progress == analysis.Progress.NOT_OPENED
    assert [person.last_name for person in pending["Juodraščio klasteris"].contacts] == [
        "Kontaktė Juodraščio klasteris"
    ]
    assert pending["Atidariusi organizacija"].contacts == []


@pytest.fixture
def unreachable(consultation, answered) -> dict[str, Organisation]:
    """Beside `answered`, three organisations whose invitation nobody could be sent (no contact
    who receives consultations): one in ICT, one in health, one in tourism, where nobody else is."""
    return {
        "ict": invite(consultation, name="Bekontaktis klasteris", opened=False, contact=False),
        "health": invite(
            consultation, name="Nepasiekiama įmonė", sectors=("health",), opened=False, contact=False
        ),
        "tourism": invite(
            consultation, name="Turizmo asociacija", sectors=("tourism",), opened=False, contact=False
        ),
    }


def test_dashboard_counts_invitations_nobody_could_be_sent_apart_from_the_invited(
    consultation, answered, unreachable
):
    dashboard = analysis.consultation_dashboard(consultation=consultation)

    overall = dashboard.overall
    assert (overall.invited, overall.not_reachable) == (7, 3)
    assert (overall.opened, overall.draft, overall.submitted) == (6, 1, 4)
    # The response rate is of the seven organisations asked, not of all ten.
    assert overall.submitted_percent == pytest.approx(57.1)


def test_dashboard_counts_unreachable_organisations_in_their_sectors(consultation, answered, unreachable):
    dashboard = analysis.consultation_dashboard(consultation=consultation)

    by_code = {
        (row.sector.code if row.sector else None): (
            row.counts.invited,
            row.counts.not_reachable,
            row.counts.submitted,
            row.counts.submitted_percent,
        )
        for row in dashboard.by_sector
    }
    assert by_code == {
        "ict": (3, 1, 2, 66.7),
        "energy": (3, 0, 2, 66.7),
        "health": (1, 1, 1, 100.0),
        # A sector nobody in could be reached is shown, not left out.
        "tourism": (0, 1, 0, 0.0),
        None: (1, 0, 0, 0.0),
    }


def test_unreachable_organisations_are_listed_as_not_sent(consultation, answered, unreachable):
    dashboard = analysis.consultation_dashboard(consultation=consultation)

    progress = {item.organisation.name: item.progress for item in dashboard.pending}
    assert progress["Bekontaktis klasteris"] == analysis.Progress.NOT_REACHABLE
    assert progress["Turizmo asociacija"] == analysis.Progress.NOT_REACHABLE
    # Opened without a recorded sending: someone's link reached it.
    assert progress["Atidariusi organizacija"] == analysis.Progress.OPENED


@pytest.mark.parametrize(
    ("sent", "opened", "responded", "reached"),
    [
        (True, False, False, True),
        (False, False, False, False),
        (False, True, False, True),
        (False, False, True, True),
    ],
)
def test_the_dashboard_and_the_invitation_lists_agree_on_what_reached_someone(
    consultation, sent, opened, responded, reached
):
    organisation = invite(consultation, name="Klasteris", sent=sent, opened=opened, contact=False)
    if responded:
        Response.objects.create(consultation=consultation, organisation=organisation)
    invitations = Invitation.objects.filter(consultation=consultation)

    counts = analysis.consultation_dashboard(consultation=consultation).overall

    assert (counts.invited, counts.not_reachable) == ((1, 0) if reached else (0, 1))
    assert selectors.invitations_reached(invitations=invitations).exists() is reached
    assert selectors.invitations_not_reachable(invitations=invitations).exists() is not reached


def test_an_organisation_given_a_contact_and_invited_counts_as_invited(policy_officer):
    reachable = member_organisation(name="Pasiekiamas klasteris")
    without = member_organisation(name="Bekontaktis klasteris", contacts=0)
    consultation = ConsultationFactory(sectors=["ict"])
    QuestionFactory(consultation=consultation)
    services.consultation_open(consultation=consultation, user=policy_officer)
    before = analysis.consultation_dashboard(consultation=consultation).overall

    AffiliationFactory(organisation=without, receives_consultations=True)
    services.invitations_send(consultation=consultation)
    after = analysis.consultation_dashboard(consultation=consultation).overall

    assert reachable.consultation_invitations.get().sent_at is not None
    assert (before.invited, before.not_reachable) == (1, 1)
    assert (after.invited, after.not_reachable) == (2, 0)


def test_days_to_deadline_count_calendar_days_in_vilnius(consultation):
    consultation.internal_deadline = datetime.datetime(
        2026, 3, 10, 23, 30, tzinfo=datetime.UTC
    )  # 11th in Vilnius
    with time_machine.travel(datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC), tick=False):
        assert analysis.days_to_deadline(consultation=consultation) == 10
    # 00:30 in Vilnius on the 11th, an hour before the deadline.
    with time_machine.travel(datetime.datetime(2026, 3, 10, 22, 30, tzinfo=datetime.UTC), tick=False):
        assert analysis.days_to_deadline(consultation=consultation) == 0
    with time_machine.travel(datetime.datetime(2026, 3, 13, 12, tzinfo=datetime.UTC), tick=False):
        assert analysis.days_to_deadline(consultation=consultation) == -2


def test_days_to_deadline_end_with_the_deadline_itself_and_count_a_midnight_one_to_the_day_before(
    consultation,
):
    # Answers close as 4 December begins: members read "3 December, 23:59".
    consultation.internal_deadline = datetime.datetime(
        2026, 12, 3, 22, tzinfo=datetime.UTC
    )  # 00:00 in Vilnius
    expected = [
        (datetime.datetime(2026, 12, 2, 10, tzinfo=datetime.UTC), 1),
        (datetime.datetime(2026, 12, 3, 10, tzinfo=datetime.UTC), 0),  # the last day
        (datetime.datetime(2026, 12, 3, 22, 0, 5, tzinfo=datetime.UTC), -1),  # closed 5 s ago
        (datetime.datetime(2026, 12, 4, 8, tzinfo=datetime.UTC), -1),
    ]
    assert [
        (now, analysis.days_to_deadline(consultation=consultation, now=now)) for now, _ in expected
    ] == expected
    # A deadline in the afternoon has passed by the evening of its day.
    consultation.internal_deadline = datetime.datetime(2026, 12, 3, 13, tzinfo=datetime.UTC)  # 15:00
    evening = datetime.datetime(2026, 12, 3, 18, tzinfo=datetime.UTC)
    assert analysis.days_to_deadline(consultation=consultation, now=evening) == -1


def test_the_dashboard_says_the_deadline_passed_once_it_has_on_its_day(consultation, staff_client):
    # The deadline at 15:00 in Vilnius three days from today, after the consultation opened.
    day = timezone.localdate() + datetime.timedelta(days=3)
    vilnius = timezone.get_current_timezone()
    consultation.internal_deadline = datetime.datetime.combine(day, datetime.time(15, 0), tzinfo=vilnius)
    consultation.save(update_fields=["internal_deadline"])
    url = reverse("admin:consultations_consultation_dashboard", args=[consultation.pk])
    with time_machine.travel(
        datetime.datetime.combine(day, datetime.time(14, 0), tzinfo=vilnius), tick=False
    ):
        before = staff_client.get(url).content.decode()
    with time_machine.travel(
        datetime.datetime.combine(day, datetime.time(20, 0), tzinfo=vilnius), tick=False
    ):
        after = staff_client.get(url).content.decode()

    assert _days_shown(before) == "Today"
    assert _days_shown(after) == "Passed"


def _days_shown(page: str) -> str:
    start = page.index('id="days-to-deadline">') + len('id="days-to-deadline">')
    return page[start : page.index("</strong>", start)].strip()


# --- the answers ---------------------------------------------------------------------------------


def _summary(result: analysis.AnswersAnalysis, question: Question) -> analysis.QuestionSummary:
    return next(summary for summary in result.questions if summary.question == question)


def test_choice_counts_and_shares_come_from_the_latest_submitted_versions(consultation, questions, answered):
    result = analysis.consultation_answers(consultation=consultation)

    single = _summary(result, questions["single"])
    assert single.answered == 4
    assert [(c.label, c.count, c.percent) for c in single.choices] == [
        ("Pritariame", 2, 50.0),
        ("Pritariame su pastabomis", 0, 0.0),
        ("Nepritariame", 1, 25.0),
        ("Other", 1, 25.0),
    ]
    assert [(t.organisation.name, t.text, t.other) for t in single.texts] == [
        ("Kometos įmonė", "Reikia diskusijos", True)
    ]
    multiple = _summary(result, questions["multiple"])
    assert [(c.count, c.percent) for c in multiple.choices] == [(1, 50.0), (2, 100.0), (0, 0.0)]
    scale = _summary(result, questions["scale"])
    assert [c.count for c in scale.choices] == [0, 0, 0, 1, 1]
    yes_no = _summary(result, questions["yes_no"])
    assert [(c.label, c.count) for c in yes_no.choices] == [("Yes", 1), ("No", 1)]


def test_answers_submitted_while_a_question_was_of_another_kind_are_left_out(
    staff_client, consultation, questions, answered
):
    # Versions kept from before a question's kind changed (which staff can no longer do once
    # anyone has submitted): a yes or no read as a point of the scale, and the reverse.
    Question.objects.filter(pk=questions["yes_no"].pk).update(kind=Question.Kind.SCALE)
    Question.objects.filter(pk=questions["scale"].pk).update(kind=Question.Kind.YES_NO)

    result = analysis.consultation_answers(consultation=consultation)

    was_yes_no = _summary(result, questions["yes_no"])
    assert was_yes_no.answered == 0
    assert [c.count for c in was_yes_no.choices] == [0, 0, 0, 0, 0]
    was_scale = _summary(result, questions["scale"])
    assert was_scale.answered == 0
    assert [(c.label, c.count) for c in was_scale.choices] == [("Yes", 0), ("No", 0)]
    assert _summary(result, questions["single"]).answered == 4
    page = staff_client.get(reverse("admin:consultations_consultation_answers", args=[consultation.pk]))
    assert page.status_code == 200


def test_text_answers_are_listed_with_organisations_and_drafts_are_left_out(
    consultation, questions, answered
):
    result = analysis.consultation_answers(consultation=consultation)

    texts = _summary(result, questions["text"]).texts
    assert [(t.organisation.name, t.text) for t in texts] == [
        ("Mėnulio klasteris", SCRIPT),
        ("Saulės klasteris", "Pritariame, bet =SUM(A1:A2) ir ąčęėįšųūž."),
    ]
    assert "Neišsiųstas juodraštis" not in str(result)


def test_proposals_are_grouped_by_provision_written_alike(consultation, questions, answered):
    result = analysis.consultation_answers(consultation=consultation)

    groups = _summary(result, questions["proposals"]).proposal_groups
    assert [(g.provision, [p.organisation.name for p in g.proposals]) for g in groups] == [
        ("5 str., 2 d.", ["Mėnulio klasteris", "Saulės klasteris"]),
        ("10 str.", ["Saulės klasteris"]),
        ("", ["Žvaigždės asociacija"]),
    ]
    assert [g.key for g in groups[:2]] == ["5 str. 2 d", "10 str"]


def test_inserted_provisions_numbered_with_a_superscript_sort_after_their_number(
    staff_client, consultation, questions, answered
):
    # Lithuanian acts number an inserted article or point with a superscript: 15¹ comes after 15.
    organisation = invite(consultation, name="Alfa klasteris")
    rows = tuple(
        ProposalValue(provision=provision, proposed_wording=f"Nauja {provision} redakcija")
        for provision in ["16 str.", "15¹ str.", "15² str.", "15 str.", "7¹, 7²"]
    )
    submit(consultation, organisation, questions, {"proposals": AnswerValue(rows=rows)})

    groups = _summary(analysis.consultation_answers(consultation=consultation), questions["proposals"])
    assert [g.provision for g in groups.proposal_groups if g.provision] == [
        "5 str., 2 d.",
        "7¹, 7²",
        "10 str.",
        "15 str.",
        "15¹ str.",
        "15² str.",
        "16 str.",
    ]
    page = staff_client.get(_url("answers", consultation))
    assert page.status_code == 200
    assert "15¹ str." in page.content.decode()


def test_the_natural_order_compares_numbers_as_numbers_in_any_script():
    provisions = ["10 str.", "2 str.", "2¹ str.", "١٢ str.", "2 str. 3 d."]
    assert sorted(provisions, key=analysis.natural_key) == [
        "2 str.",
        "2 str. 3 d.",
        "2¹ str.",
        "10 str.",
        "١٢ str.",
    ]


@pytest.fixture
def unnamed(consultation, questions, answered) -> dict[str, Organisation]:
    """Beside Žvaigždės' proposal naming no provision, two more that name none: Alfa's of the same
    wording, typed otherwise; Beta's of another."""
    orgs = {
        "alfa": invite(consultation, name="Alfa klasteris"),
        "beta": invite(consultation, name="Beta klasteris"),
    }
    for key, wording in [("alfa", "  be nuorodos į   NUOSTATĄ "), ("beta", "Kitas pasiūlymas be nuorodos")]:
        submit(
            consultation,
            orgs[key],
            questions,
            {"proposals": AnswerValue(rows=(ProposalValue(proposed_wording=wording),))},
        )
    return orgs


def test_proposals_naming_no_provision_stand_apart_unless_their_wording_is_the_same(
    consultation, questions, unnamed
):
    result = analysis.consultation_answers(consultation=consultation)

    groups = _summary(result, questions["proposals"]).proposal_groups
    # The named provisions first; then the unnamed ones, in the order of the organisations' names.
    assert [(g.provision, [p.organisation.name for p in g.proposals]) for g in groups] == [
        ("5 str., 2 d.", ["Mėnulio klasteris", "Saulės klasteris"]),
        ("10 str.", ["Saulės klasteris"]),
        ("", ["Alfa klasteris", "Žvaigždės asociacija"]),
        ("", ["Beta klasteris"]),
    ]


def test_the_answers_page_heads_each_group_of_proposals_naming_no_provision(
    staff_client, consultation, unnamed
):
    page = staff_client.get(_url("answers", consultation)).content.decode()

    headings = [
        " ".join(html.unescape(heading).split())
        for heading in re.findall(r'<h3 class="proposal-group">(.*?)</h3>', page, re.DOTALL)
    ]
    assert headings == [
        "5 str., 2 d. (2)",
        "10 str. (1)",
        "No provision named (2)",
        "No provision named (1)",
    ]


def test_the_group_key_folds_provisions_written_alike_and_unnamed_proposals_by_their_wording():
    def key(provision: str, wording: str = "") -> str:
        return analysis.proposal_group_key(provision=provision, proposed_wording=wording)

    assert key("5 straipsnio 2 dalis", "Viena") == key(" 5 STR. 2 d.", "Kita") == "5 str. 2 d"
    assert key("", "Įtraukti klasterius.") == key("  ", "  įtraukti   KLASTERIUS. ")
    assert key("", "Įtraukti klasterius.") != key("", "Sutrumpinti terminus.")
    # A key never mistakes a wording for a provision, and fits the stored key's 255 characters.
    assert key("", "5 str") != key("5 str")
    assert len(key("", "Ilgas " * 500)) <= 255
    assert len(key("1 d " * 100)) == 255


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("5 straipsnio 2 dalis", "5 str. 2 d."),
        ("5 str., 2 d", "5 STR. 2 D."),
        ("12 straipsnio 3 dalies 4 punktas", "12 str. 3 d. 4 p."),
        ("5 str 2 d", "5 straipsnio 2 dalyje"),
        ("5 straipsnio 2 dalies 3 papunkčio", "5 str. 2 d. 3 pap."),
        ("5 STRAIPSNIO 2 DALIES 3 PAPUNKČIU", "5 str. 2 d. 3 pap."),
        ("12 straipsnio 3 dalies 4 punkčio", "12 str. 3 d. 4 p."),
        ("7 straipsnio 1 dalimi", "7 str. 1 d."),
        ("7 straipsnio 1 daliai", "7 str. 1 d."),
        ("2 punktu", "2 p."),
    ],
)
def test_provision_key_treats_usual_abbreviations_alike(first, second):
    assert analysis.provision_key(first) == analysis.provision_key(second)


PROVISION_WORDS = {
    "str.": [
        *("straipsnis", "straipsnio", "straipsniui", "straipsnį", "straipsniu", "straipsnyje"),
        *("straipsniai", "straipsnių", "straipsniams", "straipsnius", "straipsniais", "straipsniuose"),
    ],
    "d.": [
        *("dalis", "dalies", "daliai", "dalį", "dalimi", "dalyje"),
        *("dalys", "dalių", "dalims", "dalimis", "dalyse"),
    ],
    "p.": [
        *("punktas", "punkto", "punktui", "punktą", "punktu", "punkte"),
        *("punktai", "punktų", "punktams", "punktus", "punktais", "punktuose"),
        "punkčio",  # written for "punkto"
    ],
    "pap.": [
        *("papunktis", "papunkčio", "papunkčiui", "papunktį", "papunkčiu", "papunktyje"),
        *("papunkčiai", "papunkčių", "papunkčiams", "papunkčius", "papunkčiais", "papunkčiuose"),
    ],
}


@pytest.mark.parametrize(
    ("word", "abbreviation"),
    [(word, abbreviation) for abbreviation, words in PROVISION_WORDS.items() for word in words],
)
def test_provision_key_reads_every_case_and_number_of_a_provision_word(word, abbreviation):
    assert analysis.provision_key(f"3 {word}") == analysis.provision_key(f"3 {abbreviation}")
    assert analysis.provision_key(f"3 {word.upper()}") == analysis.provision_key(f"3 {abbreviation}")


def test_provision_key_keeps_different_provisions_apart():
    assert analysis.provision_key("5 str. 2 d.") != analysis.provision_key("5 str. 3 d.")
    assert analysis.provision_key("5 str.") != analysis.provision_key("15 str.")
    assert analysis.provision_key("5 str. 3 papunkčiu") != analysis.provision_key("5 str. 3 punktu")
    # Only the endings of "dalis": other words beginning as it does stay as written.
    assert analysis.provision_key("5 str. dalyvių sąrašas") == "5 str. dalyvių sąrašas"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"sector": "energy"}, ["Mėnulio klasteris", "Žvaigždės asociacija"]),
        ({"kind": Organisation.Kind.COMPANY}, ["Kometos įmonė"]),
        ({"status": "changed"}, ["Saulės klasteris"]),
        ({"status": "submitted", "sector": "ict"}, ["Mėnulio klasteris", "Saulės klasteris"]),
        ({"status": "draft"}, []),
    ],
)
def test_filters_narrow_the_submitted_answers(consultation, answered, params, expected):
    from crm.models import Sector

    if "sector" in params:
        params = {**params, "sector": Sector.objects.get(code=params["sector"]).pk}
    filterset = InvitationFilter(params, queryset=Invitation.objects.filter(consultation=consultation))
    assert filterset.is_valid(), filterset.errors

    result = analysis.consultation_answers(consultation=consultation, invitations=filterset.qs)

    assert [answer.organisation.name for answer in result.submitted] == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("not_started", ["Atidariusi organizacija", "Tyli organizacija"]),
        ("draft", ["Juodraščio klasteris"]),
    ],
)
def test_status_filter_finds_organisations_that_have_not_submitted(consultation, answered, status, expected):
    filterset = InvitationFilter(
        {"status": status}, queryset=Invitation.objects.filter(consultation=consultation)
    )

    names = sorted(invitation.organisation.name for invitation in filterset.qs)

    assert names == expected


def test_analysis_runs_the_same_number_of_queries_for_more_organisations(consultation, questions, answered):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            analysis.consultation_dashboard(consultation=consultation)
            analysis.consultation_answers(consultation=consultation)
            exports.answers_xlsx(consultation=consultation)
            b"".join(exports.answers_csv(consultation=consultation))
        return len(captured)

    before = count_queries()
    for number in range(10):
        organisation = invite(consultation, name=f"Papildomas klasteris {number}", sectors=("ict", "health"))
        submit(
            consultation,
            organisation,
            questions,
            {
                "single": AnswerValue(choice_indexes=(1,)),
                "proposals": AnswerValue(
                    rows=(
                        ProposalValue(provision=f"{number} str."),
                        ProposalValue(proposed_wording=f"Pasiūlymas be nuostatos {number}"),
                    )
                ),
            },
        )

    assert count_queries() == before


# --- exports -------------------------------------------------------------------------------------


def test_xlsx_has_a_row_per_organisation_and_a_column_per_question(consultation, questions, answered):
    workbook = openpyxl.load_workbook(io.BytesIO(exports.answers_xlsx(consultation=consultation)))

    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][5:] == tuple(f"{n}. {q.text}" for n, q in enumerate(questions.values(), start=1))
    by_name = {row[0]: row for row in rows[1:]}
    assert sorted(by_name) == sorted(
        ["Saulės klasteris", "Mėnulio klasteris", "Žvaigždės asociacija", "Kometos įmonė"]
    )
    saule = by_name["Saulės klasteris"]
    assert saule[2] == 2  # the version
    assert saule[5] == "Pritariame"
    assert saule[6] == "Mokslas; Verslas"
    assert saule[9] == "Pritariame, bet =SUM(A1:A2) ir ąčęėįšųūž."
    assert by_name["Mėnulio klasteris"][9] == SCRIPT
    assert by_name["Kometos įmonė"][5] == "Other: Reikia diskusijos"


def test_a_text_longer_than_a_cell_holds_is_kept_whole_in_the_sheet_of_long_texts(consultation, questions):
    # Excel keeps 32,767 characters in a cell; a member may write 50,000.
    long_text = "".join(f"{n:05d} ąčęėįšųūž pastaba. " for n in range(1_700))  # 42,500 characters
    organisation = invite(consultation, name="Ilgų tekstų klasteris", sectors=("ict",))
    submit(consultation, organisation, questions, {"text": AnswerValue(text=long_text)})

    workbook = openpyxl.load_workbook(io.BytesIO(exports.answers_xlsx(consultation=consultation)))

    answers, _proposals, long_texts = workbook.worksheets
    cell = answers["J2"].value
    assert len(cell) <= exports.XLSX_CELL_LIMIT
    assert long_text.startswith(cell[: cell.index(" […]")])
    assert cell.endswith(" […] (42500 characters in all: the whole text is in the sheet “Long texts”)")
    rows = list(long_texts.iter_rows(values_only=True))
    assert rows[0] == ("Sheet", "Cell", "Part", "Text")
    assert [row[:3] for row in rows[1:]] == [("Answers", "J2", 1), ("Answers", "J2", 2)]
    assert "".join(row[3] for row in rows[1:]) == long_text
    # The CSV has no limit: the whole text in its cell.
    assert long_text in b"".join(exports.answers_csv(consultation=consultation)).decode("utf-8-sig")


def test_an_export_without_long_texts_has_no_sheet_for_them(consultation, questions, answered):
    workbook = openpyxl.load_workbook(io.BytesIO(exports.answers_xlsx(consultation=consultation)))
    assert len(workbook.worksheets) == 2


def test_xlsx_lists_every_proposal_and_neutralises_formulas(consultation, questions, answered):
    workbook = openpyxl.load_workbook(io.BytesIO(exports.answers_xlsx(consultation=consultation)))

    sheet = workbook.worksheets[1]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 4
    assert (
        "Saulės klasteris",
        "Pasiūlymai dėl nuostatų",
        2,
        "10 str.",
        '=HYPERLINK("http://x")',  # a text cell (no formula: below), shown as typed
        None,  # an empty justification is an empty cell
    ) in rows
    assert ("Mėnulio klasteris", "Pasiūlymai dėl nuostatų", 1, "5 str., 2 d.", SCRIPT, "Dėl aiškumo") in rows
    # No cell holds a formula.
    for worksheet in workbook.worksheets:
        for row in worksheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+370 600 00000", "'+370 600 00000"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Ąžuolas = medis", "Ąžuolas = medis"),
        ("bell\x07", "bell"),
        (5, 5),
    ],
)
def test_neutralise_makes_formula_like_cells_text(value, expected):
    assert exports.neutralise(value) == expected


def test_csv_is_utf8_with_bom_semicolons_and_neutralised_cells(consultation, questions, answered):
    content = b"".join(exports.answers_csv(consultation=consultation))

    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    by_name = {row[0]: row for row in rows[1:]}
    saule = by_name["Saulės klasteris"]
    assert saule[9] == "Pritariame, bet =SUM(A1:A2) ir ąčęėįšųūž."
    # Each proposal on a line of its own, with its justification as the answer page shows it.
    assert saule[10] == '5 straipsnio 2 dalis – Naujas tekstas (Aiškiau)\n10 str. – =HYPERLINK("http://x")'
    assert rows[0][0] == "Organisation"


def test_csv_cell_starting_with_a_formula_gets_an_apostrophe(consultation, questions):
    organisation = invite(consultation, name="Formulių klasteris")
    submit(consultation, organisation, questions, {"text": AnswerValue(text="=cmd|' /C calc'!A0")})

    content = b"".join(exports.answers_csv(consultation=consultation)).decode("utf-8-sig")

    row = list(csv.reader(io.StringIO(content), delimiter=";"))[1]
    assert row[9] == "'=cmd|' /C calc'!A0"


# --- admin pages ---------------------------------------------------------------------------------


def _url(name: str, consultation: Consultation) -> str:
    return reverse(f"admin:consultations_consultation_{name}", args=[consultation.pk])


def test_change_page_links_to_the_dashboard_and_answers(staff_client, consultation):
    page = staff_client.get(_url("change", consultation)).content.decode()

    assert _url("dashboard", consultation) in page
    assert _url("answers", consultation) in page


def test_dashboard_page_shows_counts_bars_and_pending_contacts(staff_client, consultation, answered):
    response = staff_client.get(_url("dashboard", consultation))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="count-submitted">4<' in page
    assert 'class="sector-row"' in page
    assert "width:66.7%" in page  # ICT: 2 of 3 submitted
    assert "Kontaktė Juodraščio klasteris" in page
    assert "No contact receives consultations" in page
    assert "10 days left" in page
    assert "<script" not in page.split("</head>")[1]


def test_a_closed_consultations_dashboard_counts_no_days_to_its_deadline(
    staff_client, consultation, answered
):
    # Closed before its deadline: the days left are no longer the members'.
    Consultation.objects.filter(pk=consultation.pk).update(
        status=Consultation.Status.CLOSED, closed_at=timezone.now()
    )

    page = staff_client.get(_url("dashboard", consultation)).content.decode()

    deadline = page.split('id="days-to-deadline">')[1].split("</strong>")[0]
    assert deadline.strip() == "Closed"
    assert "days left" not in page


def test_dashboard_page_shows_the_invited_apart_from_those_not_reachable(
    staff_client, consultation, answered, unreachable
):
    page = staff_client.get(_url("dashboard", consultation)).content.decode()

    assert 'id="count-invited">7<' in page
    assert 'id="count-not-reachable">3<' in page
    assert "Not reached: no invitation e-mail has gone out" in page
    assert "57.1 % of invitations sent" in page
    assert "Submitted / sent" in page
    assert "Not sent" in page
    assert 'id="not-reachable-help"' in page
    # ICT: 2 of the 3 sent submitted; its unreachable organisation is counted apart.
    assert "2 / 3 (66.7 %)" in page
    assert "width:66.7%" in page


def test_dashboard_links_to_the_invitations_nobody_could_be_sent(
    staff_client, consultation, answered, unreachable
):
    page = staff_client.get(_url("dashboard", consultation)).content.decode()
    (link,) = re.findall(r'id="not-reachable".*?<a href="([^"]+)"', page, flags=re.DOTALL)

    response = staff_client.get(html.unescape(link))

    assert response.status_code == 200
    listed = sorted(invitation.organisation.name for invitation in response.context["cl"].result_list)
    assert listed == ["Bekontaktis klasteris", "Nepasiekiama įmonė", "Turizmo asociacija"]
    assert "Saulės klasteris" not in response.content.decode()


def test_dashboard_without_unreachable_organisations_shows_none_and_no_link(
    staff_client, consultation, answered
):
    page = staff_client.get(_url("dashboard", consultation)).content.decode()

    assert 'id="count-not-reachable">0<' in page
    assert "reach=not_reachable" not in page
    assert 'id="not-reachable-help"' not in page


def test_answers_page_escapes_member_text_and_applies_filters(staff_client, consultation, answered):
    from crm.models import Sector

    response = staff_client.get(_url("answers", consultation))
    page = response.content.decode()
    assert response.status_code == 200
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "Reikia diskusijos" in page
    assert "Neišsiųstas juodraštis" not in page

    energy = Sector.objects.get(code="energy").pk
    filtered = staff_client.get(_url("answers", consultation), {"sector": energy}).content.decode()
    assert "Žvaigždės asociacija" in filtered
    assert "Kometos įmonė" not in filtered
    # The export links keep the filters.
    assert f"export-xlsx/?sector={energy}" in filtered


def test_export_buttons_download_xlsx_and_csv(staff_client, consultation, answered):
    xlsx = staff_client.get(_url("export_xlsx", consultation))
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in xlsx["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert workbook.worksheets[0].max_row == 5

    csv_response = staff_client.get(_url("export_csv", consultation), {"kind": Organisation.Kind.COMPANY})
    assert csv_response.status_code == 200
    content = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    assert [row[0] for row in csv.reader(io.StringIO(content), delimiter=";")][1:] == ["Kometos įmonė"]


@pytest.mark.parametrize("name", ["export_xlsx", "export_csv"])
def test_an_export_with_a_filter_that_cannot_be_read_exports_nothing(
    staff_client, consultation, answered, name
):
    response = staff_client.get(
        _url(name, consultation), {"sector": "999", "kind": Organisation.Kind.COMPANY}
    )

    assert response.status_code == 302
    assert response.url.startswith(_url("answers", consultation) + "?")
    assert "sector=999" in response.url
    page = staff_client.get(response.url)
    assert "The filters are not valid, so nothing was exported" in page.content.decode()
    assert 'id="filters-refused"' in page.content.decode()


def test_the_answers_page_with_a_filter_that_cannot_be_read_shows_no_answers(
    staff_client, consultation, answered
):
    everything = staff_client.get(_url("answers", consultation))
    assert len(everything.context["result"].submitted) > 0
    assert "Kometos įmonė" in everything.content.decode()
    assert 'id="filters-refused"' not in everything.content.decode()

    page = staff_client.get(_url("answers", consultation), {"sector": "999"})

    assert page.status_code == 200
    assert len(page.context["result"].submitted) == 0
    content = page.content.decode()
    assert "The filters are not valid, so no answers are shown; correct them above." in content
    assert "Kometos įmonė" not in content


def test_admin_analysis_pages_run_a_bounded_number_of_queries(
    staff_client, consultation, questions, answered
):
    def count_queries() -> list[int]:
        counts = []
        for name in ("dashboard", "answers", "export_xlsx"):
            with CaptureQueriesContext(connection) as captured:
                assert staff_client.get(_url(name, consultation)).status_code == 200
            counts.append(len(captured))
        return counts

    before = count_queries()
    for number in range(5):
        organisation = invite(consultation, name=f"Dar vienas klasteris {number}")
        submit(consultation, organisation, questions, {"text": AnswerValue(text="Pritariame")})
        invite(consultation, name=f"Nepasiekiamas klasteris {number}", opened=False, contact=False)

    assert count_queries() == before
    # The session, the user, the consultation, then the dashboard's five (`consultation_dashboard`).
    assert before[0] == 8


@pytest.mark.parametrize("name", ["dashboard", "answers"])
def test_read_only_user_can_view_the_analysis(read_only_user, consultation, answered, name):
    client = Client()
    client.force_login(read_only_user)

    assert client.get(_url(name, consultation)).status_code == 200


@pytest.mark.parametrize("role", ["read_only_user", "crm_editor"])
def test_exporting_the_answers_needs_the_export_permission(request, role, consultation, answered):
    # As for the CRM's records: viewing the answers does not let them leave the system in bulk.
    client = Client()
    client.force_login(request.getfixturevalue(role))

    for name in ("dashboard", "answers"):
        page = client.get(_url(name, consultation))
        assert page.status_code == 200
        assert _url("export_xlsx", consultation) not in page.content.decode()
        assert _url("export_csv", consultation) not in page.content.decode()
    assert client.get(_url("export_xlsx", consultation)).status_code == 403
    assert client.get(_url("export_csv", consultation)).status_code == 403


def test_policy_officers_export_the_answers(policy_officer, consultation, answered):
    client = Client()
    client.force_login(policy_officer)

    page = client.get(_url("answers", consultation)).content.decode()
    assert _url("export_xlsx", consultation) in page
    assert _url("export_csv", consultation) in page
    xlsx = client.get(_url("export_xlsx", consultation))
    assert xlsx.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content)).worksheets[0].max_row > 1
    exported = client.get(_url("export_csv", consultation))
    assert exported.status_code == 200
    rows = list(
        csv.reader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig")), delimiter=";")
    )
    assert len(rows) > 1


@pytest.mark.parametrize("name", ["dashboard", "answers", "export_xlsx", "export_csv"])
def test_anonymous_visitors_are_sent_to_the_login(consultation, name):
    response = Client().get(_url(name, consultation))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.parametrize("name", ["dashboard", "answers", "export_xlsx", "export_csv"])
def test_staff_without_the_view_permission_are_refused(consultation, name):
    client = Client()
    client.force_login(UserFactory(username="be-teisiu"))

    assert client.get(_url(name, consultation)).status_code == 403


def test_bar_widths_stay_css_numbers_in_lithuanian(staff_client, consultation, answered):
    with translation.override("lt"):
        page = staff_client.get(_url("dashboard", consultation)).content.decode()
        answers = staff_client.get(_url("answers", consultation)).content.decode()

    # Lithuanian writes 66,7; CSS needs 66.7.
    assert "width:66.7%" in page
    assert "width:50.0%" in answers or "width:50%" in answers
    assert "width:66,7%" not in page

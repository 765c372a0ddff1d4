from __future__ import annotations

import datetime
import html
import re

import pytest
from django.contrib import admin
from django.contrib.admin.widgets import (
    AutocompleteSelectMultiple,
    FilteredSelectMultiple,
    ManyToManyRawIdWidget,
)
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from positions import selectors, services
from positions.admin.inlines import ProposalInline, SupportersFieldMixin
from positions.admin.paper import PositionPaperAdmin
from positions.models import (
    Dispatch,
    IssuerSettings,
    PaperAttribution,
    PositionPaper,
    Rendering,
    RenderingJob,
)
from tests.admin_forms import change_form_data, confirm
from tests.consultations.factories import AnswerFactory, QuestionFactory
from tests.factories import OrganisationFactory
from tests.positions import pdf_reading
from tests.positions.factories import (
    PaperFactory,
    ProposalFactory,
    PublicInstitutionFactory,
    SectionFactory,
    issuer_with_requisites,
)

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _change_url(paper: PositionPaper) -> str:
    return reverse("admin:positions_positionpaper_change", args=[paper.pk])


@pytest.fixture
def paper() -> PositionPaper:
    issuer_with_requisites()
    paper = PaperFactory()
    SectionFactory(paper=paper)
    ProposalFactory(paper=paper)
    return paper


@pytest.fixture
def approved(paper, superuser) -> PositionPaper:
    return services.paper_approve(paper=paper, user=superuser)


def _inline_management(prefix: str, total: int = 0, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_the_paper_list_takes_the_same_queries_for_few_and_many_papers(
    staff_client, django_assert_num_queries
):
    issuer_with_requisites()
    for _ in range(2):
        PaperFactory(source_consultation=QuestionFactory().consultation)
    url = reverse("admin:positions_positionpaper_changelist")
    response = staff_client.get(url)
    assert response.status_code == 200

    with CaptureQueriesContext(connection) as few:
        staff_client.get(url)
    for _ in range(10):
        PaperFactory(source_consultation=QuestionFactory().consultation)
    with django_assert_num_queries(len(few.captured_queries)):
        response = staff_client.get(url)
    assert response.content.count(b"/change/") >= 12


def _proposals_and_attributions(paper: PositionPaper, count: int) -> list[str]:
    """`count` proposal lines, each proposed by an organisation of its own that asked to be anonymous."""
    names = []
    for _ in range(count):
        organisation = OrganisationFactory()
        ProposalFactory(paper=paper).supporting_organisations.add(organisation)
        PaperAttribution.objects.create(paper=paper, organisation=organisation, mode="anonymous")
        names.append(organisation.name)
    return names


def test_the_paper_s_page_takes_the_same_queries_for_few_and_many_proposal_lines_and_attributions(
    staff_client, paper, django_assert_num_queries
):
    """Each autocomplete picker named its chosen organisations with a query of its own, and each
    attribution row read its organisation: 34 queries with 2 rows, 88 with 20."""
    _proposals_and_attributions(paper, 2)
    staff_client.get(_change_url(paper))  # the content types and the session, read once
    with CaptureQueriesContext(connection) as few:
        staff_client.get(_change_url(paper))
    names = _proposals_and_attributions(paper, 18)

    with django_assert_num_queries(len(few.captured_queries)):
        response = staff_client.get(_change_url(paper))

    page = html.unescape(response.content.decode())
    # The pickers name every chosen organisation, once in the proposal's and once in the attribution's.
    assert all(page.count(f">{name}</option>") == 2 for name in names)


def test_rendering_and_dispatch_lists_load_in_few_queries(
    staff_client, approved, superuser, django_assert_max_num_queries
):
    for _ in range(3):
        services.paper_render(paper=approved, user=superuser)
    services.paper_mark_sent(
        paper=approved, user=superuser, rendering=approved.renderings.first(), channel="dvs"
    )

    with django_assert_max_num_queries(12):
        assert staff_client.get(reverse("admin:positions_rendering_changelist")).status_code == 200
    with django_assert_max_num_queries(12):
        assert staff_client.get(reverse("admin:positions_dispatch_changelist")).status_code == 200


def test_staff_create_a_draft_with_sections_proposals_and_supporters(staff_client, superuser):
    issuer_with_requisites()
    ministry = PublicInstitutionFactory()
    members = [OrganisationFactory(name="Klasteris Alfa"), OrganisationFactory(name="Klasteris Beta")]
    data = {
        "subject": "Inovacijų įstatymo projekto",
        "language": "lt",
        "addressee": ministry.pk,
        "addressee_label": "Ministerijai",
        "signatory_name": "Rūta Žilinskienė",
        "signatory_position": "Prezidentė",
        "annex": "supporters",
        "supporting_organisations": [str(member.pk) for member in members],
        "sections-0-position": "1",
        "sections-0-heading": "Pastabos",
        "sections-0-body": "Pritariame **iš esmės**.",
        "proposals-0-position": "1",
        "proposals-0-provision": "5 str.",
        "proposals-0-proposed_wording": "Nauja redakcija",
        "proposals-0-justification": "Nes reikia.",
        "proposals-0-supporting_organisations": [str(members[1].pk)],
        **_inline_management("sections", total=1),
        **_inline_management("proposals", total=1),
        **_inline_management("attributions"),
        **_inline_management("renderings"),
        **_inline_management("dispatches"),
    }

    response = staff_client.post(reverse("admin:positions_positionpaper_add"), data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    paper = PositionPaper.objects.get()
    assert paper.is_draft and paper.created_by == superuser
    assert paper.sections.get().heading == "Pastabos"
    assert paper.proposals.get().provision == "5 str."
    # Both lists are edited with the autocomplete fields, as before their tables became models.
    assert paper.annex == PositionPaper.Annex.SUPPORTERS
    assert set(paper.supporting_organisations.all()) == set(members)
    assert list(paper.proposals.get().supporting_organisations.all()) == [members[1]]
    page = staff_client.get(_change_url(paper)).content.decode()
    assert 'name="supporting_organisations"' in page
    assert 'name="proposals-0-supporting_organisations"' in page
    assert "admin-autocomplete" in page


def test_saving_a_paper_a_colleague_saved_since_the_page_was_opened_is_refused_keeping_what_was_typed(
    superuser, policy_officer, paper
):
    section = paper.sections.get()
    alice, bob = _client(superuser), _client(policy_officer)
    alice_data = change_form_data(alice.get(_change_url(paper)))
    bob_data = change_form_data(bob.get(_change_url(paper)))
    alice_data["sections-0-body"] = "Alės pataisytas tekstas."
    assert alice.post(_change_url(paper), alice_data).status_code == 302

    # Bob, on the page he opened before Alice saved, fixes the subject and a proposal line.
    bob_data["subject"] = "Pataisyta tema"
    bob_data["proposals-0-justification"] = "Bobo pagrindimas."
    response = bob.post(_change_url(paper), bob_data)

    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "Kolega išsaugojo šį pozicijos dokumentą po to, kai jį atvėrėte. Niekas neišsaugota, kad nebūtų "
        "perrašyti kolegos pakeitimai" in html.unescape(page)
    )
    # What Bob typed is still on the page, to copy.
    assert 'value="Pataisyta tema"' in page
    assert "Bobo pagrindimas." in page
    paper.refresh_from_db()
    section.refresh_from_db()
    assert paper.subject != "Pataisyta tema"
    assert section.body == "Alės pataisytas tekstas."
    assert paper.proposals.get().justification != "Bobo pagrindimas."


def test_saving_the_change_page_as_loaded_goes_through_and_saving_it_again_from_the_new_page_too(
    staff_client, paper
):
    data = change_form_data(staff_client.get(_change_url(paper)))
    data["subject"] = "Pirmoji tema"
    assert staff_client.post(_change_url(paper), data).status_code == 302

    again = change_form_data(staff_client.get(_change_url(paper)))
    again["subject"] = "Antroji tema"
    assert staff_client.post(_change_url(paper), again).status_code == 302

    paper.refresh_from_db()
    assert paper.subject == "Antroji tema"


def test_the_paper_admin_and_its_proposals_inline_pass_the_admin_checks():
    # Their supporters fields have tables of their own, which the checks refuse (admin.E013).
    assert PositionPaperAdmin(PositionPaper, admin.site).check() == []
    assert ProposalInline(PositionPaper, admin.site).check() == []


def test_the_checks_still_refuse_a_field_with_a_table_of_its_own_that_is_not_a_supporters_field():
    class PaperAdmin(SupportersFieldMixin, admin.ModelAdmin):
        supporters_fields = ()
        fields = ["subject", "supporting_organisations"]

    assert [message.id for message in PaperAdmin(PositionPaper, admin.site).check()] == ["admin.E013"]


@pytest.mark.parametrize(
    ("option", "widget"),
    [
        ("autocomplete_fields", AutocompleteSelectMultiple),
        ("raw_id_fields", ManyToManyRawIdWidget),
        ("filter_horizontal", FilteredSelectMultiple),
    ],
)
def test_a_supporters_field_takes_the_widget_its_admin_asks_for(rf, superuser, option, widget):
    options = {option: ["supporting_organisations"], "fields": ["subject", "supporting_organisations"]}
    model_admin = type("PaperAdmin", (SupportersFieldMixin, admin.ModelAdmin), options)(
        PositionPaper, admin.site
    )
    request = rf.get("/")
    request.user = superuser

    field = model_admin.formfield_for_dbfield(
        PositionPaper._meta.get_field("supporting_organisations"), request
    )

    assert isinstance(getattr(field.widget, "widget", field.widget), widget)
    assert model_admin.check() == []


def test_the_addressee_must_be_a_public_institution(staff_client):
    issuer_with_requisites()
    cluster = OrganisationFactory()
    data = {
        "subject": "Projekto",
        "language": "lt",
        "addressee": cluster.pk,
        **_inline_management("sections"),
        **_inline_management("proposals"),
        **_inline_management("attributions"),
        **_inline_management("renderings"),
        **_inline_management("dispatches"),
    }

    response = staff_client.post(reverse("admin:positions_positionpaper_add"), data)

    assert response.status_code == 200
    assert "addressee" in response.context["adminform"].form.errors
    assert not PositionPaper.objects.exists()


def test_the_change_page_shows_which_members_back_each_line(staff_client, paper):
    member = OrganisationFactory(name="Klasteris „Ąžuolas“")
    answer = AnswerFactory(response__organisation=member, question=QuestionFactory(kind="proposals"))
    row = answer.proposal_rows.create(provision="7 str.", proposed_wording="Išbraukti")
    paper.proposals.get().source_rows.set([row])

    response = staff_client.get(_change_url(paper))

    assert response.status_code == 200
    assert "Klasteris „Ąžuolas“" in response.content.decode()
    assert "Išbraukti" in response.content.decode()


def test_the_preview_is_the_letter_as_html_under_a_strict_policy(staff_client, paper):
    paper.sections.update(body='Tekstas <img src="file:///etc/passwd"> <script>alert(1)</script>')

    response = staff_client.get(reverse("admin:positions_positionpaper_preview", args=[paper.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "LIETUVOS KLASTERIŲ ASOCIACIJA" in html
    assert "<script" not in html and '<img src="file:' not in html
    assert "/static/fonts/LiberationSerif-Regular.ttf" in html
    assert response["Content-Security-Policy"].startswith("default-src 'none'")


def test_generate_pdf_stores_a_rendering_and_download_rechecks_its_hash(staff_client, paper):
    response = staff_client.post(reverse("admin:positions_positionpaper_render", args=[paper.pk]))

    assert response.status_code == 302
    rendering = Rendering.objects.get(paper=paper)
    download = staff_client.get(reverse("admin:positions_rendering_download", args=[rendering.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-SHA256"] == rendering.sha256
    assert "Bendrosios pastabos" in pdf_reading.full_text(download.content)

    with open(rendering.file.path, "ab") as stored:
        stored.write(b"%% tampered")
    tampered = staff_client.get(
        reverse("admin:positions_rendering_download", args=[rendering.pk]), follow=True
    )
    assert tampered.redirect_chain[0][0] == _change_url(paper)
    assert "SHA-256" in tampered.content.decode()


def test_the_approve_button_works_for_the_policy_officer_and_not_for_the_crm_editor(
    paper, policy_officer, crm_editor
):
    url = reverse("admin:positions_positionpaper_approve", args=[paper.pk])

    editor_page = _client(crm_editor).get(_change_url(paper))
    editor_post = _client(crm_editor).post(url)
    paper.refresh_from_db()
    assert url not in editor_page.content.decode()
    assert editor_post.status_code == 403
    assert paper.is_draft

    officer_page = _client(policy_officer).get(_change_url(paper))
    assert url in officer_page.content.decode()
    confirm(_client(policy_officer), url)
    paper.refresh_from_db()
    assert paper.status == PositionPaper.Status.APPROVED
    assert paper.registration_number.startswith("S-")


def test_the_approval_page_builds_the_letter_once_for_its_checks_and_its_fingerprint(staff_client, paper):
    with CaptureQueriesContext(connection) as queries:
        page = staff_client.get(reverse("admin:positions_positionpaper_approve", args=[paper.pk]))

    assert page.status_code == 200
    assert page.context["preview"].problems == []
    assert page.context["shown"] == selectors.paper_built_letter(paper=paper).fingerprint
    builds = [
        query
        for query in queries.captured_queries
        if '"positions_papersection"."paper_id" IN' in query["sql"]
    ]
    assert len(builds) == 1


def test_approving_an_incomplete_paper_shows_why(staff_client):
    issuer_with_requisites()
    paper = PaperFactory(signatory_name="")

    response = confirm(
        staff_client, reverse("admin:positions_positionpaper_approve", args=[paper.pk]), follow=True
    )

    assert response.status_code == 200
    assert len(list(response.context["messages"])) == 2  # no signatory, no text
    paper.refresh_from_db()
    assert paper.is_draft


def test_an_approved_paper_is_read_only_in_the_admin(staff_client, approved):
    page = staff_client.get(_change_url(approved))
    post = staff_client.post(_change_url(approved), {"subject": "Kita"})

    assert page.status_code == 200
    assert 'name="subject"' not in page.content.decode()
    assert post.status_code == 403
    approved.refresh_from_db()
    assert approved.subject != "Kita"


def test_the_sending_page_tells_a_draft_to_be_approved_and_an_approved_paper_to_get_its_pdf(
    staff_client, paper, superuser
):
    url = reverse("admin:positions_positionpaper_send", args=[paper.pk])

    draft = staff_client.get(url).content.decode()
    services.paper_approve(paper=paper, user=superuser)
    approved = staff_client.get(url).content.decode()

    assert "Dokumentas dar yra projektas: pirmiausia jį patvirtinkite, tada sugeneruokite PDF." in draft
    assert "Patvirtinto dokumento PDF dar nėra: pirmiausia sugeneruokite PDF." in approved
    assert "pirmiausia jį patvirtinkite" not in approved
    assert 'name="rendering"' not in draft + approved


def test_recording_sending_archives_the_chosen_pdf(staff_client, approved, superuser):
    rendering = services.paper_render(paper=approved, user=superuser)
    url = reverse("admin:positions_positionpaper_send", args=[approved.pk])

    form_page = staff_client.get(url)
    response = staff_client.post(
        url,
        {
            "rendering": rendering.pk,
            "channel": "e_delivery",
            "recipient": "Ministerijai",
            "sent_on": datetime.date.today().isoformat(),  # noqa: DTZ011
            "note": "",
        },
    )

    assert form_page.status_code == 200
    assert response.status_code == 302
    dispatch = Dispatch.objects.get()
    assert (dispatch.rendering, dispatch.channel, dispatch.sent_by) == (rendering, "e_delivery", superuser)
    approved.refresh_from_db()
    assert approved.is_sent
    page = staff_client.get(_change_url(approved)).content.decode()
    assert reverse("admin:positions_positionpaper_new_version", args=[approved.pk]) in page
    assert reverse("admin:positions_positionpaper_render", args=[approved.pk]) not in page


def test_emailing_from_the_send_page(staff_client, approved, superuser, mailoutbox):
    rendering = services.paper_render(paper=approved, user=superuser)

    response = staff_client.post(
        reverse("admin:positions_positionpaper_send", args=[approved.pk]),
        {
            "rendering": rendering.pk,
            "channel": "email",
            "recipient": "Ministerijai",
            "email": "rastine@eimin.lt",
            "sent_on": datetime.date.today().isoformat(),  # noqa: DTZ011
            "send_email_now": "on",
        },
    )

    assert response.status_code == 302
    assert mailoutbox[0].to == ["rastine@eimin.lt"]
    assert Dispatch.objects.get().channel == "email"


def test_a_draft_is_deleted_with_its_pdfs(staff_client, paper, superuser):
    services.paper_render_request(paper=paper, user=superuser)  # the "Generate PDF" button
    assert paper.renderings.count() == 1 and RenderingJob.objects.filter(paper=paper).exists()
    url = reverse("admin:positions_positionpaper_delete", args=[paper.pk])

    page = staff_client.get(url)
    assert page.status_code == 200 and not page.context["perms_lacking"]
    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    assert not PositionPaper.objects.filter(pk=paper.pk).exists()
    assert not Rendering.objects.exists() and not RenderingJob.objects.exists()


def test_the_add_page_leaves_the_signatory_position_to_the_paper_s_language(staff_client):
    issuer_with_requisites()
    form = staff_client.get(reverse("admin:positions_positionpaper_add")).context["adminform"].form
    assert form.initial["signatory_name"] == "Rūta Žilinskienė"
    assert not form.initial.get("signatory_position")


def test_emailing_with_the_note_and_a_mail_server_that_refuses(staff_client, approved, superuser, settings):
    rendering = services.paper_render(paper=approved, user=superuser)
    form = {
        "rendering": rendering.pk,
        "channel": "email",
        "email": "rastine@eimin.lt",
        "sent_on": datetime.date.today().isoformat(),  # noqa: DTZ011
        "send_email_now": "on",
        "note": "Su lydraščiu Nr. 5",
    }
    url = reverse("admin:positions_positionpaper_send", args=[approved.pk])
    settings.EMAIL_BACKEND = "tests.failing_mail.EmailBackend"

    refused = staff_client.post(url, form)

    # The form again, with the reason in Lithuanian; nothing recorded.
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "Laiško išsiųsti nepavyko" in page
    assert not Dispatch.objects.exists()
    approved.refresh_from_db()
    assert not approved.is_sent

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert staff_client.post(url, form).status_code == 302
    assert Dispatch.objects.get().note == "Su lydraščiu Nr. 5"


def test_a_read_only_user_sees_papers_but_cannot_send_or_render(approved, read_only_user):
    client = _client(read_only_user)

    assert client.get(_change_url(approved)).status_code == 200
    assert client.get(reverse("admin:positions_positionpaper_send", args=[approved.pk])).status_code == 403
    assert client.post(reverse("admin:positions_positionpaper_render", args=[approved.pk])).status_code == 403
    assert not Rendering.objects.exists()


def test_new_version_from_the_admin_opens_the_new_draft(staff_client, approved, superuser):
    rendering = services.paper_render(paper=approved, user=superuser)
    services.paper_mark_sent(paper=approved, user=superuser, rendering=rendering, channel="paper")

    response = staff_client.post(reverse("admin:positions_positionpaper_new_version", args=[approved.pk]))

    draft = PositionPaper.objects.get(previous_version=approved)
    assert response.status_code == 302
    assert response["Location"] == _change_url(draft)


def test_a_sent_rendering_cannot_be_deleted_from_the_admin(staff_client, approved, superuser):
    rendering = services.paper_render(paper=approved, user=superuser)
    services.paper_mark_sent(paper=approved, user=superuser, rendering=rendering, channel="paper")

    response = staff_client.post(
        reverse("admin:positions_rendering_delete", args=[rendering.pk]), {"post": "yes"}
    )
    paper_delete = staff_client.post(
        reverse("admin:positions_positionpaper_delete", args=[approved.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert paper_delete.status_code == 403
    assert Rendering.objects.filter(pk=rendering.pk).exists()


def test_attribution_rows_are_edited_on_the_draft(staff_client, paper):
    member = OrganisationFactory()
    PaperAttribution.objects.create(paper=paper, organisation=member, mode="anonymous")

    page = staff_client.get(_change_url(paper)).content.decode()

    assert 'name="attributions-0-mode"' in page


def test_the_issuer_settings_open_as_one_page(staff_client):
    response = staff_client.get(reverse("admin:positions_issuersettings_changelist"))

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:positions_issuersettings_change", args=[IssuerSettings.SINGLETON_ID]
    )
    assert staff_client.get(response["Location"]).status_code == 200
    assert staff_client.get(reverse("admin:positions_issuersettings_add")).status_code == 403


def _history(client: Client, paper: PositionPaper) -> list[str]:
    """The "Action" column of the paper's history page, as shown."""
    page = client.get(reverse("admin:positions_positionpaper_history", args=[paper.pk]))
    assert page.status_code == 200
    rows = re.findall(
        r"<tr>\s*<th scope=\"row\">.*?</th>\s*<td>.*?</td>\s*<td>(.*?)</td>", page.content.decode(), re.S
    )
    return [html.unescape(row).strip() for row in rows]


def test_the_history_of_a_paper_changed_approved_and_withdrawn_reads_in_lithuanian(staff_client, paper):
    member = OrganisationFactory(name="Klasteris Šilas")
    PaperAttribution.objects.create(paper=paper, organisation=member, mode="named")
    data = change_form_data(staff_client.get(_change_url(paper)))
    data.update(
        {"addressee_label": "Ekonomikos ir inovacijų ministerijai", "attributions-0-mode": "anonymous"}
    )
    assert staff_client.post(_change_url(paper), data).status_code == 302
    confirm(staff_client, reverse("admin:positions_positionpaper_approve", args=[paper.pk]))
    assert PositionPaper.objects.get(pk=paper.pk).status == PositionPaper.Status.APPROVED
    staff_client.post(
        reverse("admin:positions_positionpaper_withdraw", args=[paper.pk]), {"reason": "Netikslus adresatas."}
    )
    assert PositionPaper.objects.get(pk=paper.pk).is_draft

    assert _history(staff_client, paper) == [
        "Pakeista: adresatas, kaip rašoma rašte. "
        "Pakeista (organizacijos nurodymas „Klasteris Šilas“): organizacijos nurodymas.",
        "Pakeista: būsena ir registracijos numeris.",
        "Pakeista: būsena ir registracijos numeris.",
    ]


def test_a_subject_pasted_with_a_line_break_is_kept_on_one_line(staff_client, paper):
    # A subject copied from a slide carries its line break (a vertical tab, or U+2028).
    data = change_form_data(staff_client.get(_change_url(paper)))
    data["subject"] = "Inovacijų įstatymo\x0bpakeitimo\u2028projekto"

    assert staff_client.post(_change_url(paper), data).status_code == 302

    paper.refresh_from_db()
    assert paper.subject == "Inovacijų įstatymo pakeitimo projekto"


def test_a_paper_whose_subject_holds_a_line_break_is_emailed_with_a_one_line_subject(
    staff_client, paper, superuser, mailoutbox
):
    # Saved before subjects were kept on one line: its approved letter prints the line break.
    PositionPaper.objects.filter(pk=paper.pk).update(subject="Inovacijų įstatymo\u2028pakeitimo projekto")
    approved = services.paper_approve(paper=PositionPaper.objects.get(pk=paper.pk), user=superuser)
    rendering = services.paper_render(paper=approved, user=superuser)

    response = staff_client.post(
        reverse("admin:positions_positionpaper_send", args=[approved.pk]),
        {
            "rendering": rendering.pk,
            "channel": "email",
            "email": "rastine@eimin.lt",
            "sent_on": datetime.date.today().isoformat(),  # noqa: DTZ011
            "send_email_now": "on",
        },
    )

    assert response.status_code == 302
    assert Dispatch.objects.get().channel == "email"
    subject = mailoutbox[0].subject
    assert "\n" not in subject and "\u2028" not in subject
    assert "Inovacijų įstatymo pakeitimo projekto" in subject


def test_sending_a_pdf_whose_stored_file_is_missing_says_so_and_records_nothing(
    staff_client, approved, superuser
):
    rendering = services.paper_render(paper=approved, user=superuser)
    rendering.file.storage.delete(rendering.file.name)
    url = reverse("admin:positions_positionpaper_send", args=[approved.pk])
    form = {
        "rendering": rendering.pk,
        "channel": "e_delivery",
        "recipient": "Ministerijai",
        "sent_on": datetime.date.today().isoformat(),  # noqa: DTZ011
    }

    recorded = staff_client.post(url, form)
    emailed = staff_client.post(
        url, form | {"channel": "email", "email": "rastine@eimin.lt", "send_email_now": "on"}
    )

    for response in (recorded, emailed):
        assert response.status_code == 200
        assert "Šio PDF failo saugykloje nėra." in response.content.decode()
    assert not Dispatch.objects.exists()
    approved.refresh_from_db()
    assert not approved.is_sent
    download = staff_client.get(
        reverse("admin:positions_rendering_download", args=[rendering.pk]), follow=True
    )
    assert "Šio PDF failo saugykloje nėra." in download.content.decode()


def test_an_e_mail_address_longer_than_the_dispatch_keeps_is_refused_on_the_form(
    staff_client, approved, superuser, mailoutbox
):
    rendering = services.paper_render(paper=approved, user=superuser)
    address = "r" * 60 + "@" + ".".join(["padalinys" * 6] * 4) + ".lt"
    assert 255 < len(address) <= 320

    response = staff_client.post(
        reverse("admin:positions_positionpaper_send", args=[approved.pk]),
        {
            "rendering": rendering.pk,
            "channel": "email",
            "email": address,
            "sent_on": datetime.date.today().isoformat(),  # noqa: DTZ011
            "send_email_now": "on",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not Dispatch.objects.exists() and not mailoutbox


def test_the_change_page_s_hidden_field_is_labelled_in_lithuanian(staff_client, paper):
    page = staff_client.get(_change_url(paper)).content.decode()

    assert "Loaded" not in page
    assert "Puslapis atvertas" in page

"""An organisation that an approved or a sent paper lists (in its annex, as a proposal's proposer)
or that a paper is addressed to cannot be deleted: the registered paper is a record that stays as
it was registered and sent. On drafts the organisation's links go with it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import translation

from crm import services as crm_services
from crm.models import Organisation
from positions import selectors, services
from positions.models import Dispatch, PaperProposal, PaperSupporter, PositionPaper, ProposalSupporter
from tests.factories import OrganisationFactory
from tests.migrating import migrate, migrate_to_latest
from tests.positions.factories import PaperFactory, ProposalFactory, SectionFactory, issuer_with_requisites


def _ready_paper() -> PositionPaper:
    paper = PaperFactory()
    SectionFactory(paper=paper)
    ProposalFactory(paper=paper)
    return paper


@dataclass
class Listed:
    sent: PositionPaper
    draft: PositionPaper
    approved: PositionPaper
    supporter: Organisation
    proposer: Organisation


@pytest.fixture
def listed(db, superuser) -> Listed:
    """A sent paper listing one member in its annex and another as its proposal's proposer."""
    issuer_with_requisites()
    supporter = OrganisationFactory(name="Klasteris Alfa")
    proposer = OrganisationFactory(name="Klasteris Beta")
    sent = _ready_paper()
    sent.supporting_organisations.set([supporter])
    sent.proposals.get().supporting_organisations.set([proposer])
    services.paper_approve(paper=sent, user=superuser)
    rendering = services.paper_render(paper=sent, user=superuser)
    services.paper_mark_sent(paper=sent, user=superuser, rendering=rendering, channel=Dispatch.Channel.DVS)
    return Listed(
        sent=sent,
        draft=_ready_paper(),
        approved=services.paper_approve(paper=_ready_paper(), user=superuser),
        supporter=supporter,
        proposer=proposer,
    )


def _delete_page(client, organisation: Organisation):
    return client.get(reverse("admin:crm_organisation_delete", args=[organisation.pk]))


@pytest.mark.parametrize("role", ["supporter", "proposer"])
def test_deleting_an_organisation_a_sent_paper_lists_is_refused_and_the_admin_names_the_paper(
    listed, staff_client, role
):
    organisation = getattr(listed, role)
    # Listed by a draft too: that alone would not stop it.
    listed.draft.supporting_organisations.add(organisation)

    page = _delete_page(staff_client, organisation)

    assert page.status_code == 200
    protected = [str(item) for item in page.context["protected"]]
    assert len(protected) == 1
    assert str(listed.sent) in protected[0]
    assert reverse("admin:positions_positionpaper_change", args=[listed.sent.pk]) in protected[0]
    posted = staff_client.post(
        reverse("admin:crm_organisation_delete", args=[organisation.pk]), {"post": "yes"}
    )
    assert posted.status_code == 200  # the same page again, nothing deleted
    with pytest.raises(ProtectedError):
        organisation.delete()
    assert Organisation.objects.filter(pk=organisation.pk).exists()
    assert list(listed.sent.supporting_organisations.all()) == [listed.supporter]
    assert list(listed.sent.proposals.get().supporting_organisations.all()) == [listed.proposer]
    assert organisation in listed.draft.supporting_organisations.all()


def test_the_addressee_of_a_sent_paper_cannot_be_deleted_either(listed, staff_client):
    addressee = listed.sent.addressee

    protected = [str(item) for item in _delete_page(staff_client, addressee).context["protected"]]

    assert any(str(listed.sent) in item for item in protected)
    with pytest.raises(ProtectedError):
        addressee.delete()


@pytest.mark.parametrize("role", ["supporter", "proposer"])
def test_deleting_an_organisation_an_approved_paper_lists_is_refused_and_the_page_names_the_paper_in_lithuanian(
    listed, staff_client, role
):
    """An approved paper is registered under its number and is sent as it is: deleting a member
    would drop it from the annex or from "Proposed by" of a letter already registered."""
    member = OrganisationFactory(name="Mėnulio klasteris")
    if role == "supporter":
        listed.approved.supporting_organisations.add(member)
    else:
        listed.approved.proposals.get().supporting_organisations.add(member)
    listed.draft.supporting_organisations.add(member)
    letter_before = selectors.paper_built_letter(paper=listed.approved).letter

    with translation.override("lt"):
        url = reverse("admin:crm_organisation_delete", args=[member.pk])
        page = staff_client.get(url)
        posted = staff_client.post(url, {"post": "yes"})

    assert page.status_code == 200
    content = page.content.decode()
    # Django's own refusal, which named only the kind of record ("pozicijos dokumentas") the user
    # may not delete, now names the paper that keeps the organisation.
    assert "reikėtų ištrinti ir šiuos apsaugotus susijusius įrašus" in content
    assert f">{listed.approved}</a>" in content
    assert "neturi teisės" not in content
    protected = [str(item) for item in page.context["protected"]]
    assert len(protected) == 1
    assert str(listed.approved) in protected[0]
    assert posted.status_code == 200  # the same page again, nothing deleted
    with pytest.raises(ProtectedError) as refused:
        member.delete()
    assert {paper.pk for paper in refused.value.protected_objects} == {listed.approved.pk}
    assert Organisation.objects.filter(pk=member.pk).exists()
    assert selectors.paper_built_letter(paper=listed.approved).letter == letter_before
    assert "Mėnulio klasteris" in [
        *letter_before.annex_entries,
        *(name for line in letter_before.proposals for name in line.supporters),
    ]


def test_an_organisation_listed_only_by_a_draft_is_deleted_from_its_lists(listed, staff_client):
    member = OrganisationFactory(name="Klasteris Gama")
    listed.draft.supporting_organisations.add(listed.supporter, member)
    listed.draft.proposals.get().supporting_organisations.add(member)
    assert _delete_page(staff_client, member).context["protected"] == []

    response = staff_client.post(reverse("admin:crm_organisation_delete", args=[member.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Organisation.objects.filter(pk=member.pk).exists()
    assert list(listed.draft.supporting_organisations.all()) == [listed.supporter]
    assert not listed.draft.proposals.get().supporting_organisations.exists()
    # The sent paper was never concerned.
    assert list(listed.sent.supporting_organisations.all()) == [listed.supporter]


def test_merging_a_duplicate_an_approved_paper_lists_moves_its_links_to_the_surviving_record(
    listed, superuser
):
    duplicate = OrganisationFactory(name="Klasteris Alfa (dublikatas)")
    listed.approved.supporting_organisations.set([duplicate])
    listed.approved.proposals.get().supporting_organisations.set([duplicate, listed.supporter])

    crm_services.organisation_merge(survivor=listed.supporter, others=[duplicate], user=superuser)

    assert not Organisation.objects.filter(pk=duplicate.pk).exists()
    assert list(listed.approved.supporting_organisations.all()) == [listed.supporter]
    assert list(listed.approved.proposals.get().supporting_organisations.all()) == [listed.supporter]


def test_merging_a_duplicate_moves_the_sent_paper_s_links_to_the_surviving_record(listed, superuser):
    duplicate_supporter = OrganisationFactory(name="Klasteris Alfa (dublikatas)")
    duplicate_proposer = OrganisationFactory(name="Klasteris Beta (dublikatas)")
    # The sent paper lists both records of Alfa; Beta only by its duplicate on the draft.
    PaperSupporter.objects.create(paper=listed.sent, organisation=duplicate_supporter)
    listed.draft.proposals.get().supporting_organisations.set([duplicate_proposer])
    sent_pdf = listed.sent.renderings.get()

    crm_services.organisation_merge(survivor=listed.supporter, others=[duplicate_supporter], user=superuser)
    crm_services.organisation_merge(survivor=listed.proposer, others=[duplicate_proposer], user=superuser)

    assert not Organisation.objects.filter(pk__in=[duplicate_supporter.pk, duplicate_proposer.pk]).exists()
    # The same organisation, once, under its surviving record.
    assert list(listed.sent.supporting_organisations.all()) == [listed.supporter]
    assert list(listed.draft.proposals.get().supporting_organisations.all()) == [listed.proposer]
    assert list(listed.sent.proposals.get().supporting_organisations.all()) == [listed.proposer]
    # The sent PDF is as it was.
    sent_pdf.refresh_from_db()
    assert selectors.rendering_read_verified(rendering=sent_pdf)


def test_merging_a_sent_paper_s_addressee_into_its_duplicate_moves_the_address(listed, superuser):
    addressee = listed.sent.addressee
    survivor = OrganisationFactory(name="Ekonomikos ir inovacijų ministerija", kind=Organisation.Kind.PUBLIC)

    crm_services.organisation_merge(survivor=survivor, others=[addressee], user=superuser)

    listed.sent.refresh_from_db()
    assert listed.sent.addressee == survivor
    assert listed.sent.is_sent


# --- through the models a data migration is given ------------------------------------------------------


@pytest.fixture
def historical():
    """The models as the migrations build them for a data migration: no attribute, method or enum
    of the current models' classes, the same `on_delete` handlers."""
    return MigrationLoader(connection).project_state().apps


@pytest.mark.parametrize("role", ["supporter", "proposer"])
def test_a_data_migration_cannot_delete_an_organisation_a_sent_paper_lists(listed, historical, role):
    organisation = historical.get_model("crm", "Organisation").objects.get(pk=getattr(listed, role).pk)

    with pytest.raises(ProtectedError) as refused:
        organisation.delete()

    assert {paper.pk for paper in refused.value.protected_objects} == {listed.sent.pk}
    assert Organisation.objects.filter(pk=organisation.pk).exists()
    assert list(listed.sent.supporting_organisations.all()) == [listed.supporter]
    assert list(listed.sent.proposals.get().supporting_organisations.all()) == [listed.proposer]


def test_a_data_migration_cannot_delete_an_organisation_an_approved_paper_lists(listed, historical):
    member = OrganisationFactory(name="Klasteris Gama")
    listed.draft.supporting_organisations.add(member)
    listed.approved.proposals.get().supporting_organisations.add(member)

    with pytest.raises(ProtectedError) as refused:
        historical.get_model("crm", "Organisation").objects.get(pk=member.pk).delete()

    assert {paper.pk for paper in refused.value.protected_objects} == {listed.approved.pk}
    assert list(listed.approved.proposals.get().supporting_organisations.all()) == [member]


def test_a_data_migration_deletes_an_organisation_only_drafts_list_with_its_links(listed, historical):
    member = OrganisationFactory(name="Klasteris Gama")
    listed.draft.supporting_organisations.add(listed.supporter, member)
    listed.draft.proposals.get().supporting_organisations.add(member)

    historical.get_model("crm", "Organisation").objects.get(pk=member.pk).delete()

    assert not Organisation.objects.filter(pk=member.pk).exists()
    assert list(listed.draft.supporting_organisations.all()) == [listed.supporter]
    assert not listed.draft.proposals.get().supporting_organisations.exists()


def test_a_data_migration_cannot_delete_the_user_who_made_a_sent_pdf(listed, historical, superuser):
    user = historical.get_model(*settings.AUTH_USER_MODEL.split(".")).objects.get(pk=superuser.pk)

    with pytest.raises(ProtectedError) as refused:
        user.delete()

    assert {rendering.pk for rendering in refused.value.protected_objects} == {
        listed.sent.renderings.get().pk
    }


def test_the_refusals_messages_are_django_s_own_as_the_collector_replaces_them(listed):
    # The `on_delete` handlers' messages never reach anyone, so they are not translated.
    with pytest.raises(ProtectedError) as refused:
        listed.supporter.delete()

    assert str(refused.value.args[0]).startswith("Cannot delete some instances of model 'Organisation'")
    assert "'PaperSupporter.organisation'" in refused.value.args[0]


# --- the migration that made the link tables models -----------------------------------------------------

BEFORE = [("positions", "0009_annex_says_what_it_lists")]
AFTER = [("positions", "0010_supporters_of_sent_papers_kept")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_links_made_before_the_tables_became_models_are_kept_and_protect_a_sent_paper(back_to_latest):
    old = migrate(BEFORE)
    OldOrganisation = old.get_model("crm", "Organisation")
    OldPaper = old.get_model("positions", "PositionPaper")
    OldProposal = old.get_model("positions", "PaperProposal")
    supporter = OldOrganisation.objects.create(name="Migracijos klasteris", kind="cluster")
    proposer = OldOrganisation.objects.create(name="Kitas migracijos klasteris", kind="cluster")
    draft_only = OldOrganisation.objects.create(name="Juodraščio klasteris", kind="cluster")
    sent = OldPaper.objects.create(
        subject="Migracijos projekto",
        status="sent",
        registration_number="S-2026-901",
        registration_date="2026-11-28",
    )
    draft = OldPaper.objects.create(subject="Juodraščio projekto")
    sent.supporting_organisations.add(supporter)
    draft.supporting_organisations.add(supporter, draft_only)
    line = OldProposal.objects.create(paper=sent, position=1, provision="5 str.", proposed_wording="Nauja.")
    line.supporting_organisations.add(proposer)
    before = sorted(
        OldPaper.supporting_organisations.through.objects.values_list(
            "pk", "positionpaper_id", "organisation_id"
        )
    )

    migrate(AFTER)
    # Read with the current models: the migrations after it too.
    migrate_to_latest()

    assert sorted(PaperSupporter.objects.values_list("pk", "paper_id", "organisation_id")) == before
    assert list(
        PaperProposal.objects.get(pk=line.pk).supporting_organisations.values_list("pk", flat=True)
    ) == [proposer.pk]
    assert ProposalSupporter.objects.get().proposal_id == line.pk
    for organisation in (supporter, proposer):
        with pytest.raises(ProtectedError):
            Organisation.objects.get(pk=organisation.pk).delete()
    Organisation.objects.get(pk=draft_only.pk).delete()
    assert list(
        PositionPaper.objects.get(pk=draft.pk).supporting_organisations.values_list("pk", flat=True)
    ) == [supporter.pk]

    # And back: the rows are still where they were.
    back = migrate(BEFORE)
    restored = back.get_model("positions", "PositionPaper").objects.get(pk=sent.pk)
    assert list(restored.supporting_organisations.values_list("pk", flat=True)) == [supporter.pk]


def test_the_lists_delete_action_names_the_approved_paper_that_keeps_an_organisation(listed, staff_client):
    member = OrganisationFactory(name="Mėnulio klasteris")
    other = OrganisationFactory(name="Saulės klasteris")
    listed.approved.supporting_organisations.add(member)
    selection = {"action": "delete_selected", "_selected_action": [member.pk, other.pk]}

    with translation.override("lt"):
        changelist = reverse("admin:crm_organisation_changelist")
        page = staff_client.post(changelist, selection)
        posted = staff_client.post(changelist, {**selection, "post": "yes"})

    content = page.content.decode()
    assert page.status_code == 200
    assert "reikėtų ištrinti ir šiuos apsaugotus susijusius įrašus" in content
    assert f">{listed.approved}</a>" in content
    assert "neturi teisės" not in content
    assert posted.status_code == 200  # the same page again, nothing deleted
    assert Organisation.objects.filter(pk__in=[member.pk, other.pk]).count() == 2

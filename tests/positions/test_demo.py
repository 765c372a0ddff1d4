"""The demo consultations and position paper that `make run` loads."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultations import services as consultation_services
from consultations.models import AccessLink, Consultation, Invitation, Response
from positions.models import PositionPaper, ProposalGroup
from tests.admin_forms import change_form_data, confirm

pytestmark = pytest.mark.django_db


def test_the_demo_shows_an_open_and_a_closed_consultation_and_a_consolidated_paper(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError):
        call_command("seed_demo_papers")  # nobody to run the consultations yet
    call_command("seed_demo")
    call_command("ensure_demo_staff")

    call_command("seed_demo_papers")
    call_command("seed_demo_papers")

    closed = Consultation.objects.get(status=Consultation.Status.CLOSED)
    opened = Consultation.objects.get(status=Consultation.Status.OPEN)
    assert Response.objects.filter(consultation=closed, submitted_at__isnull=False).count() == 5
    assert Response.objects.filter(consultation=opened, submitted_at__isnull=False).count() == 2
    # Whoever answered opened the link first, as the invitations list and the dashboard show.
    answered = [
        Invitation.objects.get(consultation=response.consultation, organisation=response.organisation)
        for response in Response.objects.all()
    ]
    assert len(answered) == 7
    assert all(invitation.opened_at is not None for invitation in answered)
    paper = PositionPaper.objects.get()
    assert paper.source_consultation == closed and paper.is_draft
    assert list(paper.proposals.values_list("provision", flat=True)) == ["4 punktas", "7.2 papunktis"]
    assert ProposalGroup.objects.get(paper=paper, provision="9 punktas").decision == "drop"
    assert "Pritariame su pastabomis" in paper.sections.first().body


def test_the_demo_loaded_again_weeks_later_keeps_its_open_consultation_answerable(settings):
    # `make run` again after its deadline: the README's way to answer it (a link issued anew).
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("ensure_demo_staff")
    call_command("seed_demo_papers")
    opened = Consultation.objects.get(status=Consultation.Status.OPEN)
    first_deadline = opened.internal_deadline

    later = timezone.now() + datetime.timedelta(days=20)
    with time_machine.travel(later, tick=False):
        call_command("seed_demo")
        call_command("ensure_demo_staff")
        call_command("seed_demo_papers")
        opened.refresh_from_db()
        assert opened.internal_deadline == later + datetime.timedelta(days=14) > first_deadline
        assert opened.external_deadline == later + datetime.timedelta(days=21)
        assert not opened.deadline_passed()
        link = AccessLink.objects.filter(invitation__consultation=opened, revoked_at__isnull=True).first()
        staff = get_user_model().objects.get(username=settings.DEMO_STAFF_USERNAME)
        consultation_services.access_link_reissue(access_link=link, user=staff)

        # Loaded again while it is still open, the deadline stays as it is.
        call_command("seed_demo_papers")
        opened.refresh_from_db()
        assert opened.internal_deadline == later + datetime.timedelta(days=14)
    assert Consultation.objects.count() == 2


def test_the_demo_paper_made_anonymous_in_a_browser_is_rewritten_and_approved(settings):
    """The browser review's steps on the demo paper: an organisation made anonymous on its page,
    posted with a browser's CRLF line breaks, then approval."""
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("ensure_demo_staff")
    call_command("seed_demo_papers")
    user = get_user_model().objects.get(username=settings.DEMO_STAFF_USERNAME)
    client = Client()
    client.force_login(user)
    paper = PositionPaper.objects.get()
    # Written as staff write it: the CRM has the institution's name only in the nominative.
    assert paper.addressee_label == "Lietuvos Respublikos ekonomikos ir inovacijų ministerijai"
    skonis = paper.supporting_organisations.get(short_name="Skonis")
    assert skonis.name in " ".join(paper.sections.values_list("body", flat=True)).replace("\\", "")
    url = reverse("admin:positions_positionpaper_change", args=[paper.pk])
    data = {
        name: value.replace("\n", "\r\n") if isinstance(value, str) else value
        for name, value in change_form_data(client.get(url)).items()
    }
    data.update(
        {
            "attributions-TOTAL_FORMS": "1",
            "attributions-0-organisation": str(skonis.pk),
            "attributions-0-mode": "anonymous",
            "attributions-0-paper": str(paper.pk),
            "_continue": "1",
        }
    )

    saved = client.post(url, data, follow=True)

    messages = [str(message) for message in saved.context["messages"]]
    assert not any("redaguoti ranka" in m or "edited by hand" in m for m in messages), messages
    assert "Skonis" not in " ".join(paper.sections.values_list("body", flat=True))
    approved = confirm(client, reverse("admin:positions_positionpaper_approve", args=[paper.pk]), follow=True)
    paper.refresh_from_db()
    assert paper.status == PositionPaper.Status.APPROVED, [str(m) for m in approved.context["messages"]]

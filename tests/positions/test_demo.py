"""The demo consultations and position paper that `make run` loads."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from consultations.models import Consultation, Response
from positions.models import PositionPaper, ProposalGroup

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
    paper = PositionPaper.objects.get()
    assert paper.source_consultation == closed and paper.is_draft
    assert list(paper.proposals.values_list("provision", flat=True)) == ["4 punktas", "7.2 papunktis"]
    assert ProposalGroup.objects.get(paper=paper, provision="9 punktas").decision == "drop"
    assert "Pritariame su pastabomis" in paper.sections.first().body

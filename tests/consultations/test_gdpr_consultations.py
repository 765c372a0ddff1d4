"""A person's GDPR data export includes what the consultations keep about them: their personal
links, the versions they submitted and their saves (the answers stay: they are the organisation's)."""

from __future__ import annotations

import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from consultations import services
from crm import services as crm_services
from tests.consultations.test_answers import full_answers

pytestmark = pytest.mark.django_db


def test_the_data_export_lists_the_person_s_links_submissions_and_saves(opened):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    answers = full_answers(opened.questions)
    services.response_save_draft(
        invitation=ruta.invitation, person=ruta.person, data=answers, expected_version=0
    )
    services.response_submit(invitation=ruta.invitation, person=ruta.person, data=answers, expected_version=1)

    data = crm_services.person_data_export(person=ruta.person)["consultations"]

    title = "Dėl Inovacijų įstatymo pakeitimo"
    (link,) = data["personal_links"]
    assert (link["consultation"], link["organisation"]) == (title, "Saulės klasteris")
    assert link["invitation_sent_at"] is not None and link["revoked_at"] is None
    (version,) = data["submitted_versions"]
    assert (version["consultation"], version["version"]) == (title, 1)
    assert [save["action"] for save in data["answer_saves"]] == ["saved", "submitted"]
    # Nothing of the organisation's answers, and all of it JSON as the admin's action writes it.
    written = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    assert "Pritariame iš esmės" not in written
    # A colleague's export has their own link and nothing of Rūta's.
    theirs = crm_services.person_data_export(person=jonas.person)["consultations"]
    assert len(theirs["personal_links"]) == 1
    assert theirs["submitted_versions"] == [] and theirs["answer_saves"] == []

from __future__ import annotations

import json

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from consultations import selectors, services
from consultations.models import AccessLink, AccessToken
from tests.consultations.factories import ConsultationFactory, QuestionFactory, member_organisation
from tests.task_worker import run_queued_tasks as _run_queued_tasks

pytestmark = pytest.mark.django_db


def test_with_the_database_backend_mail_waits_for_the_worker_and_the_queue_holds_no_token(
    policy_officer, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    member_organisation(contacts=2)
    consultation = ConsultationFactory(sectors=["ict"])
    QuestionFactory(consultation=consultation)

    services.consultation_open(consultation=consultation, user=policy_officer)

    assert mail.outbox == []
    queued = list(DBTaskResult.objects.all())
    assert len(queued) == 2
    assert {result.task_path for result in queued} == {"consultations.tasks.access_link_email_send"}
    link_ids = set(AccessLink.objects.values_list("pk", flat=True))
    # The queue holds only which link to mail: the token is issued when the e-mail is made.
    assert sorted(json.dumps(result.args_kwargs, sort_keys=True) for result in queued) == sorted(
        json.dumps({"args": [], "kwargs": {"access_link_id": pk, "kind": "invitation"}}, sort_keys=True)
        for pk in link_ids
    )
    assert not AccessToken.objects.exists()

    _run_queued_tasks()

    assert len(mail.outbox) == 2
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    for message in mail.outbox:
        token = message.body.split("/nuoroda/")[1].split("/")[0]
        assert selectors.access_link_for_token(token=token).person.email == message.to[0]
        assert not DBTaskResult.objects.filter(args_kwargs__icontains=token).exists()

"""Background tasks of consultations (django-tasks: immediate by default, the database
backend and its worker in production). They take ids only: no token or answer text is queued.

The immediate backend runs a task at once, inside the transaction that queues it; the database
backend stores it in that transaction, and its worker runs it after the commit."""

from __future__ import annotations

from django_tasks import task

# The services are imported inside the tasks: the services queue these tasks.


@task()
def access_link_email_send(access_link_id: int, kind: str) -> bool:
    """E-mail a personal link (invitation or reminder) with a freshly issued token.

    When the e-mail cannot be sent the task fails (a failed result in the database backend, an
    error in the log with the immediate one); it is not retried, but a failed invitation is
    queued again by "Invite new contacts" (`services.access_link_email_deliver`)."""
    from consultations import services

    return services.access_link_email_deliver(access_link_id=access_link_id, kind=kind)


@task()
def response_receipt_send(response_version_id: int) -> bool:
    """E-mail the receipt of a submitted version, with a copy of the answers, to its submitter."""
    from consultations import services

    return services.response_receipt_deliver(response_version_id=response_version_id)


@task()
def response_amendment_notice_send(response_version_id: int, person_id: int) -> bool:
    """E-mail one of the organisation's contacts that its answer was amended."""
    from consultations import services

    return services.response_amendment_notice_deliver(
        response_version_id=response_version_id, person_id=person_id
    )

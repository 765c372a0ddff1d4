"""A change to a consultation's questions or documents marks the consultation updated, so that
the member pages cached by its `updated_at` are rendered afresh (see page_cache.py). A person's
erasure (GDPR) revokes their personal links, and a request for their data (GDPR) is given what
the consultations keep about them. Before duplicate records are merged, their invitations and
links to one consultation are combined (`services.merge_fold_invitations`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from consultations import services
from consultations.models import (
    AccessLink,
    Consultation,
    ConsultationDocument,
    Question,
    ResponseEdit,
    ResponseVersion,
)
from crm.models import Organisation, Person
from crm.services import iso_time
from crm.signals import person_data_requested, person_erased, records_merging


@receiver([post_save, post_delete], sender=Question)
@receiver([post_save, post_delete], sender=ConsultationDocument)
def consultation_touch(sender: type, instance: Question | ConsultationDocument, **kwargs: Any) -> None:
    Consultation.objects.filter(pk=instance.consultation_id).update(updated_at=timezone.now())


@receiver(records_merging, sender=Organisation)
def organisation_invitations_fold(
    sender: type, survivor: Any, others: Any, user: Any, **kwargs: Any
) -> Counter[str]:
    return services.merge_fold_invitations(survivor=survivor, others=others, user=user)


@receiver(records_merging, sender=Person)
def person_links_fold(sender: type, survivor: Any, others: Any, user: Any, **kwargs: Any) -> Counter[str]:
    return services.merge_fold_access_links(survivor=survivor, others=others, user=user)


@receiver(person_erased)
def person_links_revoke(sender: type, person: Any, **kwargs: Any) -> None:
    """An erased person's links stop working at once, in every browser that opened them: the
    record is anonymous now, and nobody can act under it."""
    AccessLink.objects.filter(person_id=person.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


@receiver(person_data_requested)
def person_consultation_data(sender: type, person: Any, **kwargs: Any) -> tuple[str, dict[str, Any]]:
    """The person's personal links (when each was sent, opened, last used, revoked), the versions
    of answers they submitted and every save or submission they made, for a GDPR access request.
    The answers themselves are their organisation's and stay out."""
    links = (
        AccessLink.objects.filter(person_id=person.pk)
        .select_related("invitation__consultation", "invitation__organisation")
        .order_by("created_at", "pk")
    )
    versions = (
        ResponseVersion.objects.filter(submitted_by_id=person.pk)
        .select_related("response__consultation", "response__organisation")
        .order_by("submitted_at", "pk")
    )
    edits = (
        ResponseEdit.objects.filter(person_id=person.pk)
        .select_related("response__consultation", "response__organisation")
        .order_by("created_at", "pk")
    )
    return "consultations", {
        "personal_links": [
            {
                "consultation": link.invitation.consultation.title,
                "organisation": link.invitation.organisation.name,
                "created_at": iso_time(link.created_at),
                "invitation_sent_at": iso_time(link.invited_at),
                "last_sent_at": iso_time(link.last_sent_at),
                "opened_at": iso_time(link.opened_at),
                "last_used_at": iso_time(link.last_used_at),
                "revoked_at": iso_time(link.revoked_at),
            }
            for link in links
        ],
        "submitted_versions": [
            {
                "consultation": version.response.consultation.title,
                "organisation": version.response.organisation.name,
                "version": version.number,
                "submitted_at": iso_time(version.submitted_at),
            }
            for version in versions
        ],
        "answer_saves": [
            {
                "consultation": edit.response.consultation.title,
                "organisation": edit.response.organisation.name,
                "action": edit.action,
                "at": iso_time(edit.created_at),
            }
            for edit in edits
        ],
    }

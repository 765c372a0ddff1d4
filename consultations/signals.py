"""A change to a consultation's questions or documents marks the consultation updated, so that
the member pages cached by its `updated_at` are rendered afresh (see page_cache.py). A person's
erasure (GDPR) revokes their personal links."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from consultations.models import AccessLink, Consultation, ConsultationDocument, Question
from crm.signals import person_erased


@receiver([post_save, post_delete], sender=Question)
@receiver([post_save, post_delete], sender=ConsultationDocument)
def consultation_touch(sender: type, instance: Question | ConsultationDocument, **kwargs: Any) -> None:
    Consultation.objects.filter(pk=instance.consultation_id).update(updated_at=timezone.now())


@receiver(person_erased)
def person_links_revoke(sender: type, person: Any, **kwargs: Any) -> None:
    """An erased person's links stop working at once, in every browser that opened them: the
    record is anonymous now, and nobody can act under it."""
    AccessLink.objects.filter(person_id=person.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())

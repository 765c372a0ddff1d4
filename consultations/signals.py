"""A change to a consultation's questions or documents marks the consultation updated, so that
the member pages cached by its `updated_at` are rendered afresh (see page_cache.py)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from consultations.models import Consultation, ConsultationDocument, Question


@receiver([post_save, post_delete], sender=Question)
@receiver([post_save, post_delete], sender=ConsultationDocument)
def consultation_touch(sender: type, instance: Question | ConsultationDocument, **kwargs: Any) -> None:
    Consultation.objects.filter(pk=instance.consultation_id).update(updated_at=timezone.now())

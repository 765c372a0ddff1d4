"""Before duplicate organisations are merged, the grouped proposals' entries that name a merged
record by its id name the record kept (`consolidation.merge_repoint_proposal_entries`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.dispatch import receiver

from crm.models import Organisation
from crm.signals import records_merging
from positions import consolidation


@receiver(records_merging, sender=Organisation)
def proposal_entries_repoint(
    sender: type, survivor: Any, others: Any, user: Any, **kwargs: Any
) -> Counter[str]:
    return consolidation.merge_repoint_proposal_entries(survivor=survivor, others=others)

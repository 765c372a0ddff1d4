"""Signals the CRM sends for other apps to act on, without the CRM knowing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by `services.person_erase` inside its transaction, with `person` (already anonymised):
# whatever another app keeps that lets the person act (the consultations' personal links) ends.
person_erased = Signal()

# Sent by `services.person_data_export` with `person`: a receiver returns `(key, data)`, what
# another app keeps about the person (JSON-ready), which the export adds under `key`.
person_data_requested = Signal()

# Sent by `services.organisation_merge` and `services.person_merge` inside their transaction, with
# `survivor`, `others` and the `user` merging them, before the others' related records move to the survivor: another app
# combines what would then repeat one of the survivor's (the consultations: two invitations to one
# consultation, two active links to one invitation), or raises a ValidationError that refuses the
# merge (one the user may not make, say). A receiver returns a Counter of what it combined, for the merge's log entry.
records_merging = Signal()

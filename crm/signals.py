"""Signals the CRM sends for other apps to act on, without the CRM knowing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by `services.person_erase` inside its transaction, with `person` (already anonymised):
# whatever another app keeps that lets the person act (the consultations' personal links) ends.
person_erased = Signal()

# Sent by `services.person_data_export` with `person`: a receiver returns `(key, data)`, what
# another app keeps about the person (JSON-ready), which the export adds under `key`.
person_data_requested = Signal()

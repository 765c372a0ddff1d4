"""The CRM admin, one module a model family."""

from crm.admin import interaction, membership, organisation, person, reference

__all__ = ["interaction", "membership", "organisation", "person", "reference"]

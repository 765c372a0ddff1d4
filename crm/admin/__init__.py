"""The CRM admin, one module a model family."""

from crm.admin import duplicates, interaction, membership, organisation, person, reference, users

__all__ = ["duplicates", "interaction", "membership", "organisation", "person", "reference", "users"]

from __future__ import annotations

from collections.abc import Callable

from django.apps import AppConfig
from django.db import models
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Members (CRM)")

    def ready(self) -> None:
        name_link_rows()
        name_link_histories()


def name_link_rows() -> None:
    """Name the rows Django keeps for the many-to-many fields (an organisation's sectors and tags, an
    interaction's people) as the admin's delete pages list them: "Sąveikos dalyvis: Jonas Jonaitis —
    2026-10-01 Susitikimas", not "Interaction-person sąryšis: Interaction_people object (1)". The
    tables are Django's own (no model of ours, no migration): only their names are set."""
    from crm.models import Interaction, Organisation

    for field, name, plural, left, right in [
        (
            Organisation.sectors,
            _("organisation's sector"),
            _("organisations' sectors"),
            "organisation",
            "sector",
        ),
        (Organisation.tags, _("organisation's tag"), _("organisations' tags"), "organisation", "tag"),
        (
            Interaction.people,
            _("person involved in an interaction"),
            _("people involved in interactions"),
            "person",
            "interaction",
        ),
    ]:
        through = field.through
        through._meta.verbose_name = name
        through._meta.verbose_name_plural = plural
        through.__str__ = _link_row_str(left, right)


def name_link_histories() -> None:
    """Name the tables django-simple-history keeps for an organisation's past sectors and tags,
    which it names "HistoricalOrganisation_sectors" in every language (the permission pickers of
    users and groups list them)."""
    from django.apps import apps

    for field, name, plural in [
        ("sectors", _("organisation's sectors history entry"), _("organisations' sectors history entries")),
        ("tags", _("organisation's tags history entry"), _("organisations' tags history entries")),
    ]:
        model = apps.get_model("crm", f"HistoricalOrganisation_{field}")
        model._meta.verbose_name = name
        model._meta.verbose_name_plural = plural


def _link_row_str(left: str, right: str) -> Callable[[models.Model], str]:
    def link_row_str(row: models.Model) -> str:
        return f"{getattr(row, left)} — {getattr(row, right)}"

    return link_row_str

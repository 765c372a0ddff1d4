"""Staff roles: Django groups whose permissions follow from a rule per role.

Migrations call `sync_roles` (with the historical app registry) whenever new models
bring new permissions, so every role always has what its name implies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ADMINISTRATOR = "Administratorius"
POLICY_OFFICER = "Politikos specialistas"
CRM_EDITOR = "CRM redaktorius"
READ_ONLY = "Tik skaitymas"

PRODUCT_APPS = {"crm", "consultations", "positions"}

# Fixed lists seeded by a migration from the association's own (its eight sectors, the 60
# municipalities): organisations and consultations' audiences hold them, so only an administrator
# corrects them; the other roles read them.
REFERENCE_MODELS = {"sector", "municipality"}


def _administrator(app_label: str, codename: str) -> bool:
    return app_label in PRODUCT_APPS | {"auth"} or codename == "view_logentry"


def _policy_officer(app_label: str, codename: str) -> bool:
    if app_label in {"consultations", "positions"}:
        return True
    if app_label == "crm":
        return codename.startswith(("view_", "export_")) or codename in {
            "add_interaction",
            "change_interaction",
        }
    return False


def _reference_list_edit(codename: str) -> bool:
    action, _, model = codename.partition("_")
    return action != "view" and model in REFERENCE_MODELS


def _crm_editor(app_label: str, codename: str) -> bool:
    if app_label == "crm":
        return codename != "erase_person" and not _reference_list_edit(codename)
    return app_label in {"consultations", "positions"} and codename.startswith("view_")


def _read_only(app_label: str, codename: str) -> bool:
    return app_label in PRODUCT_APPS and codename.startswith("view_")


ROLES: dict[str, Callable[[str, str], bool]] = {
    ADMINISTRATOR: _administrator,
    POLICY_OFFICER: _policy_officer,
    CRM_EDITOR: _crm_editor,
    READ_ONLY: _read_only,
}


def sync_roles(apps: Any) -> None:
    """Create the four role groups and give each exactly the permissions its rule allows."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(Permission.objects.select_related("content_type"))
    for name, allows in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set([p for p in permissions if allows(p.content_type.app_label, p.codename)])

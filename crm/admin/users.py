"""Staff users and their groups (the roles of `crm.roles`), with Django's admin pages.

Django stores a permission's name once, in English, when the database is migrated ("Can add
organisation"): the pages that grant permissions name them in the page's language instead,
from the model's translated name and the permission's action or declared name.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission, User
from django.db.models import ManyToManyField
from django.http import HttpRequest
from django.utils.translation import gettext, pgettext_lazy

# The permissions every model gets (django.contrib.auth.management._get_builtin_permissions).
BUILTIN_ACTIONS = {
    "add": pgettext_lazy("permission", "Can add"),
    "change": pgettext_lazy("permission", "Can change"),
    "delete": pgettext_lazy("permission", "Can delete"),
    "view": pgettext_lazy("permission", "Can view"),
}


def permission_label(permission: Permission) -> str:
    """ "Nariai (CRM) | organizacija | Gali pridėti": the app, the model and the permission, in the
    language of the page."""
    content_type = permission.content_type
    action, _, model_name = permission.codename.partition("_")
    if model_name == content_type.model and action in BUILTIN_ACTIONS:
        name = BUILTIN_ACTIONS[action]
    else:
        # Declared in a model's Meta with a translatable name, which the catalogue knows.
        name = gettext(permission.name)
    return f"{content_type} | {name}"


class PermissionLabelsMixin:
    def formfield_for_manytomany(self, db_field: ManyToManyField, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
        if formfield is not None and db_field.related_model is Permission:
            formfield.label_from_instance = permission_label
        return formfield


admin.site.unregister(Group)
admin.site.unregister(User)


@admin.register(Group)
class StaffGroupAdmin(PermissionLabelsMixin, GroupAdmin):
    pass


@admin.register(User)
class StaffUserAdmin(PermissionLabelsMixin, UserAdmin):
    pass

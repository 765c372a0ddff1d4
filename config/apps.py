"""Configurations of third-party apps: the admin on the project's site, and an app whose own
configuration gives staff an untranslated name."""

from __future__ import annotations

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class AdminConfig(DjangoAdminConfig):
    """Django's admin, on the project's site (config/admin.py)."""

    default_site = "config.admin.AdminSite"


class TasksDatabaseConfig(TasksAppConfig):
    """The background tasks' results in the admin, named in the page's language."""

    verbose_name = _("Tasks Database Backend")

"""Configurations of third-party apps whose own give staff an untranslated name."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class TasksDatabaseConfig(TasksAppConfig):
    """The background tasks' results in the admin, named in the page's language."""

    verbose_name = _("Tasks Database Backend")

"""List filters shared by the consultations' admin lists."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Field
from django.http import HttpRequest

from consultations.models import Consultation


class ConsultationFilter(admin.RelatedFieldListFilter):
    """The consultation filter of the invitation, link and response lists, as Django's related
    filter shows it, its choices read as titles only. Django reads each consultation whole for
    its name: the background text and six dates of every consultation, a third of the invitation
    list's time with 200 of them."""

    def field_choices(self, field: Field, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[Any]:
        ordering = self.field_admin_ordering(field, request, model_admin) or Consultation._meta.ordering
        # A consultation's name (`__str__`) is its title.
        return list(Consultation.objects.order_by(*ordering).values_list("pk", "title"))

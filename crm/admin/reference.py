from __future__ import annotations

from django.contrib import admin

from crm.admin.rows import QuickRowsMixin
from crm.models import Municipality, Sector, Tag


@admin.register(Sector)
class SectorAdmin(QuickRowsMixin, admin.ModelAdmin):
    list_display = ["code", "name_lt", "name_en", "position"]
    search_fields = ["code", "name_lt", "name_en"]


@admin.register(Municipality)
class MunicipalityAdmin(QuickRowsMixin, admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Tag)
class TagAdmin(QuickRowsMixin, admin.ModelAdmin):
    search_fields = ["name"]

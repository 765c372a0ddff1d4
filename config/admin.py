"""The admin site: Django's, with its apps and models listed in Lithuanian alphabetical order and
its "View site" link in the page's language."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse

from crm.collation import alphabetical


class AdminSite(admin.AdminSite):
    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        # Django sorts the names by their characters' code points, which puts "Sąveikos" after
        # "Sektoriai"; the index and the side menu list them as a Lithuanian reader expects.
        app_list = sorted(
            self._build_app_dict(request, app_label).values(), key=lambda app: alphabetical(str(app["name"]))
        )
        for app in app_list:
            app["models"].sort(key=lambda model: alphabetical(str(model["name"])))
        return app_list

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().each_context(request)
        # Django links "/", the Lithuanian site, from the English admin too.
        context["site_url"] = reverse("home")
        return context

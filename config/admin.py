"""The admin site: Django's, with its apps and models listed in Lithuanian alphabetical order, its
"View site" link in the page's language, and pickers that tell namesakes apart."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.http import HttpRequest
from django.urls import reverse

from crm.collation import alphabetical


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    """A picker's results named by their model's `autocomplete_label` where it has one: a person
    with their e-mail address, so that two people of one name are told apart."""

    def serialize_result(self, obj: Any, to_field_name: str) -> dict[str, Any]:
        result = super().serialize_result(obj, to_field_name)
        label = getattr(obj, "autocomplete_label", "")
        if label:
            result["text"] = label
        return result


class AdminSite(admin.AdminSite):
    # Every list writes an empty value as the columns of its own do, a dash, not Django's hyphen.
    empty_value_display = "—"

    def autocomplete_view(self, request: HttpRequest) -> Any:
        return LabelledAutocompleteJsonView.as_view(admin_site=self)(request)

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

"""Staff tools in the CRM admin: the likely-duplicates pages with merge, and the GDPR actions on persons.

Mixed into OrganisationAdmin and PersonAdmin (before the import-export mixin, so its change list
template extends ours). The pages and actions check permissions, call one service and render.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from crm import selectors, services
from crm.models import Organisation, Person

MERGE_ACTION = "merge_selected"


class SurvivorForm(forms.Form):
    """Which of the selected records is kept."""

    survivor = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect, label=_("keep"))

    def __init__(self, *args: Any, members: Sequence[Model], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["survivor"].choices = [(member.pk, str(member)) for member in members]


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@admin.action(description=_("Merge selected %(verbose_name_plural)s"))
def merge_selected(
    modeladmin: MergeAdminMixin, request: HttpRequest, queryset: QuerySet
) -> HttpResponseBase | None:
    """Confirmation page where the survivor is chosen; on confirmation, merge and go to the survivor."""
    if not modeladmin.has_merge_permission(request):
        raise PermissionDenied
    members = list(modeladmin.merge_queryset(queryset))
    if len(members) < 2:
        modeladmin.message_user(request, gettext("Select at least two records to merge."), messages.WARNING)
        return None
    if "survivor" in request.POST:
        form = SurvivorForm(request.POST, members=members)
        if form.is_valid():
            survivor = next(m for m in members if m.pk == form.cleaned_data["survivor"])
            others = [m for m in members if m.pk != survivor.pk]
            try:
                survivor = modeladmin.merge(survivor=survivor, others=others, user=request.user)
            except ValidationError as exc:
                for message in exc.messages:
                    modeladmin.message_user(request, message, messages.ERROR)
            else:
                modeladmin.message_user(
                    request,
                    ngettext(
                        "Merged %(count)d record into “%(survivor)s”.",
                        "Merged %(count)d records into “%(survivor)s”.",
                        len(others),
                    )
                    % {"count": len(others), "survivor": survivor},
                    messages.SUCCESS,
                )
                opts = modeladmin.opts
                change_url = reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_change",
                    args=[survivor.pk],
                    current_app=modeladmin.admin_site.name,
                )
                return HttpResponseRedirect(_safe_next(request) or change_url)
    else:
        form = SurvivorForm(members=members, initial={"survivor": min(m.pk for m in members)})
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": gettext("Merge %(verbose_name_plural)s")
        % {"verbose_name_plural": modeladmin.opts.verbose_name_plural},
        "opts": modeladmin.opts,
        "form": form,
        "rows": [(member, modeladmin.merge_details(member)) for member in members],
        "survivor": str(form["survivor"].value() or ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action_name": MERGE_ACTION,
        "next": _safe_next(request) or "",
    }
    return TemplateResponse(request, "admin/crm/merge_confirmation.html", context)


class MergeAdminMixin:
    """A likely-duplicates page (linked from the change list) and a merge action for a ModelAdmin."""

    change_list_template = "admin/crm/change_list_with_duplicates.html"

    # Set by the concrete mixins.
    duplicate_groups: Callable[[], list[selectors.DuplicateGroup[Any]]]
    merge: Callable[..., Model]

    def has_merge_permission(self, request: HttpRequest) -> bool:
        opts = self.opts  # type: ignore[attr-defined]
        return request.user.has_perm(f"{opts.app_label}.{get_permission_codename('merge', opts)}")

    def merge_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset

    def merge_details(self, obj: Any) -> list[str]:
        return []

    def get_urls(self) -> list[Any]:
        opts = self.opts  # type: ignore[attr-defined]
        view = self.admin_site.admin_view(self.duplicates_view)  # type: ignore[attr-defined]
        urls = [path("duplicates/", view, name=f"{opts.app_label}_{opts.model_name}_duplicates")]
        return urls + super().get_urls()  # type: ignore[misc]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)  # type: ignore[misc]
        if self.actions is None or IS_POPUP_VAR in request.GET:  # type: ignore[attr-defined]
            return actions
        if self.has_merge_permission(request):
            description = merge_selected.short_description  # type: ignore[attr-defined]
            actions[MERGE_ACTION] = (merge_selected, MERGE_ACTION, description)
        return actions

    def duplicates_url(self) -> str:
        opts = self.opts  # type: ignore[attr-defined]
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_duplicates",
            current_app=self.admin_site.name,  # type: ignore[attr-defined]
        )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = extra_context or {}
        if self.has_merge_permission(request):
            extra_context["duplicates_url"] = self.duplicates_url()
        return super().changelist_view(request, extra_context)  # type: ignore[misc]

    def duplicates_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_merge_permission(request):
            raise PermissionDenied
        opts = self.opts  # type: ignore[attr-defined]
        groups = [
            (group, [(member, self.merge_details(member)) for member in group.members])
            for group in self.duplicate_groups()
        ]
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "title": gettext("Likely duplicate %(verbose_name_plural)s")
            % {"verbose_name_plural": opts.verbose_name_plural},
            "opts": opts,
            "groups": groups,
            "changelist_url": reverse(
                f"admin:{opts.app_label}_{opts.model_name}_changelist",
                current_app=self.admin_site.name,  # type: ignore[attr-defined]
            ),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action_name": MERGE_ACTION,
        }
        return TemplateResponse(request, "admin/crm/duplicates.html", context)


class OrganisationToolsMixin(MergeAdminMixin):
    duplicate_groups = staticmethod(selectors.organisation_duplicate_groups)
    merge = staticmethod(services.organisation_merge)

    def merge_queryset(self, queryset: QuerySet[Organisation]) -> QuerySet[Organisation]:
        return queryset.select_related("municipality").annotate(
            affiliation_count=Count("affiliations", distinct=True),
            membership_count=Count("memberships", distinct=True),
            interaction_count=Count("interactions", distinct=True),
        )

    def merge_details(self, obj: Organisation) -> list[str]:
        details = [
            gettext("legal entity code %(code)s") % {"code": obj.legal_code} if obj.legal_code else "",
            str(obj.municipality or ""),
            obj.get_kind_display(),
            ngettext("%(count)d contact", "%(count)d contacts", obj.affiliation_count)
            % {"count": obj.affiliation_count},
            ngettext("%(count)d membership period", "%(count)d membership periods", obj.membership_count)
            % {"count": obj.membership_count},
            ngettext("%(count)d interaction", "%(count)d interactions", obj.interaction_count)
            % {"count": obj.interaction_count},
        ]
        return [detail for detail in details if detail]


# --- GDPR actions on persons ----------------------------------------------------------------------


@admin.action(description=_("Export the person's data (GDPR, JSON)"), permissions=["erase"])
def export_personal_data(
    modeladmin: PersonToolsMixin, request: HttpRequest, queryset: QuerySet[Person]
) -> HttpResponse | None:
    """Download everything held about one person as a UTF-8 JSON file (diacritics kept readable)."""
    if not modeladmin.has_erase_permission(request):
        raise PermissionDenied
    if queryset.count() != 1:
        modeladmin.message_user(request, gettext("Select exactly one person to export."), messages.WARNING)
        return None
    person = queryset.get()
    data = services.person_data_export(person=person)
    modeladmin.log_change(request, person, gettext("Exported the person's data (GDPR)."))  # type: ignore[attr-defined]
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="person-{person.pk}-data.json"'
    return response


@admin.action(description=_("Erase the person's data (GDPR)"), permissions=["erase"])
def erase_personal_data(
    modeladmin: PersonToolsMixin, request: HttpRequest, queryset: QuerySet[Person]
) -> HttpResponse | None:
    """Confirmation page; on confirmation, anonymise each selected person."""
    if not modeladmin.has_erase_permission(request):
        raise PermissionDenied
    if request.POST.get("post") == "yes":
        persons = list(queryset)
        for person in persons:
            services.person_erase(person=person, user=request.user)
        modeladmin.message_user(
            request,
            ngettext(
                "Erased the personal data of %(count)d person.",
                "Erased the personal data of %(count)d persons.",
                len(persons),
            )
            % {"count": len(persons)},
            messages.SUCCESS,
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),  # type: ignore[attr-defined]
        "title": gettext("Erase personal data"),
        "opts": modeladmin.opts,  # type: ignore[attr-defined]
        "persons": list(queryset.prefetch_related("affiliations__organisation")),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action_name": "erase_personal_data",
    }
    return TemplateResponse(request, "admin/crm/person_erase_confirmation.html", context)


class PersonToolsMixin(MergeAdminMixin):
    duplicate_groups = staticmethod(selectors.person_duplicate_groups)
    merge = staticmethod(services.person_merge)

    def has_erase_permission(self, request: HttpRequest) -> bool:
        opts = self.opts  # type: ignore[attr-defined]
        return request.user.has_perm(f"{opts.app_label}.{get_permission_codename('erase', opts)}")

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if self.actions is None or IS_POPUP_VAR in request.GET:  # type: ignore[attr-defined]
            return actions
        if self.has_erase_permission(request):
            for action in (export_personal_data, erase_personal_data):
                actions[action.__name__] = (action, action.__name__, action.short_description)  # type: ignore[attr-defined]
        return actions

    def merge_queryset(self, queryset: QuerySet[Person]) -> QuerySet[Person]:
        return queryset.prefetch_related("affiliations__organisation")

    # A deleted person's data goes from the history and the admin log too (after the admin has
    # logged the deletion, which the service then renames).
    def delete_model(self, request: HttpRequest, obj: Person) -> None:
        services.person_delete(person=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        with transaction.atomic():
            for person in queryset:
                services.person_delete(person=person)

    def merge_details(self, obj: Person) -> list[str]:
        details = [
            obj.email,
            obj.phone,
            ", ".join(affiliation.organisation.name for affiliation in obj.affiliations.all()),
        ]
        return [detail for detail in details if detail]

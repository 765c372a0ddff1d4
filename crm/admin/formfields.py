"""Form field settings the project's admin pages share."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin import widgets
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm.validators import normalise_phone

#: `formfield_overrides` of an admin with web addresses: one typed without its scheme
#: (“klasteriai.lt”) is taken as https://, as the imports take it (Django 5.2 still assumes
#: http://; Django 6 assumes https:// by default).
HTTPS_URLS = {models.URLField: {"widget": widgets.AdminURLFieldWidget, "assume_scheme": "https"}}

# Digits grouped by thousands with spaces ("1 200", a non-breaking or a narrow one too).
_SPACE_GROUPS = re.compile(r"^[+-]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d*)?$")


class MoneyField(forms.DecimalField):
    """A sum of money typed as people write it: "1200,50", or grouped by thousands with spaces,
    "1 200,50", or with the other mark than the language's decimal one, "1.200,50" in Lithuanian,
    "1,200.50" in English, where the decimal mark then tells them apart. A lone dot stays a
    decimal mark ("600.50"), as before."""

    default_error_messages = {
        "invalid": _("Enter an amount, e.g. 1200.50 or 1 200.50."),
        "ambiguous": _(
            "“%(value)s” can be read two ways: group thousands with a space (1 200) and write "
            "cents after the decimal mark."
        ),
    }

    def to_python(self, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if _SPACE_GROUPS.match(text):
                text = re.sub(r"[ \u00a0\u202f]", "", text)
            else:
                decimal = formats.get_format("DECIMAL_SEPARATOR")
                group = {",": ".", ".": ","}.get(decimal)
                if group and re.fullmatch(
                    rf"[+-]?\d{{1,3}}(?:{re.escape(group)}\d{{3}})+{re.escape(decimal)}\d*", text
                ):
                    text = text.replace(group, "")
                elif group == "." and re.fullmatch(r"[+-]?\d{1,3}(?:\.\d{3})+", text):
                    # "1.200" in Lithuanian: 1 200 grouped with a dot, or 1,2 with a dot for a
                    # comma? Django would refuse it for its three decimals, which misleads.
                    raise ValidationError(
                        self.error_messages["ambiguous"], code="ambiguous", params={"value": text}
                    )
            value = text
        return super().to_python(value)


#: `formfield_overrides` of an admin with sums of money: shown and typed in the page language's
#: format ("600,50" in Lithuanian, as the lists show them; "600.50" is still understood), grouped
#: by thousands or not (`MoneyField`).
LOCALIZED_DECIMALS = {models.DecimalField: {"localize": True, "form_class": MoneyField}}


class NamedFieldsInlineFormSet(BaseInlineFormSet):
    """An inline whose rows repeat what must be unique says so with the fields' names in the page's
    language ("organizacija"), where Django gives their names in the code ("organisation")."""

    def get_unique_error_message(self, unique_check: tuple[str, ...]) -> str:
        names = [
            str(self.model._meta.get_field(name).verbose_name) if name != self.fk.name else name
            for name in unique_check
        ]
        return super().get_unique_error_message(names)


class LoadedChoicesMixin:
    """An autocomplete picker that names its chosen records from the objects its row already
    loaded (`loaded`, set by `LoadedChoicesFormSet`) instead of reading them again: Django's
    picker reads its chosen option with a query of its own, one a row of an inline, 30 queries
    for an organisation of 30 contacts. Any chosen value not among them (a value posted back, a
    row without them) is read as Django reads it.

    The pickers here have no `limit_choices_to`, which Django's query would also apply."""

    loaded: dict[str, models.Model] | None = None

    def optgroups(self, name: str, value: list[str], attr: dict[str, Any] | None = None) -> Any:
        chosen = {str(v) for v in value if str(v) not in self.choices.field.empty_values}  # type: ignore[attr-defined]
        if not chosen or self.loaded is None or not chosen <= self.loaded.keys():
            return super().optgroups(name, value, attr)  # type: ignore[misc]
        # Django's AutocompleteMixin.optgroups (5.2), its options taken from `loaded`.
        default: tuple[None, list[Any], int] = (None, [], 0)
        if not self.is_required and not self.allow_multiple_selected:  # type: ignore[attr-defined]
            default[1].append(self.create_option(name, "", "", False, 0))  # type: ignore[attr-defined]
        has_selected = False
        for key in sorted(chosen, key=list(self.loaded).index):
            option_label = self.choices.field.label_from_instance(self.loaded[key])  # type: ignore[attr-defined]
            selected = key in value and (has_selected is False or self.allow_multiple_selected)  # type: ignore[attr-defined]
            has_selected |= selected
            default[1].append(self.create_option(name, key, option_label, chosen, len(default[1])))  # type: ignore[attr-defined]
        return [default]


class LoadedAutocompleteSelect(LoadedChoicesMixin, widgets.AutocompleteSelect):
    pass


class LoadedAutocompleteSelectMultiple(LoadedChoicesMixin, widgets.AutocompleteSelectMultiple):
    pass


class LoadedChoicesInlineMixin:
    """An inline whose autocomplete pickers name their chosen records from its rows' loaded
    objects: select_related (a foreign key) or prefetch_related (many-to-many) them in
    `get_queryset`, and give the inline a `LoadedChoicesFormSet`."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):  # type: ignore[attr-defined]
            kwargs["widget"] = LoadedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))  # type: ignore[attr-defined]
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):  # type: ignore[attr-defined]
            kwargs["widget"] = LoadedAutocompleteSelectMultiple(
                db_field,
                self.admin_site,  # type: ignore[attr-defined]
                using=kwargs.get("using"),
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


class LoadedChoicesFormSet(NamedFieldsInlineFormSet):
    """Gives each row's `LoadedChoicesMixin` pickers the related objects the row was read with."""

    def _construct_form(self, i: int, **kwargs: Any) -> Any:
        form = super()._construct_form(i, **kwargs)
        instance = form.instance
        for name, field in form.fields.items():
            picker = getattr(field.widget, "widget", field.widget)  # inside Django's "+" wrapper
            if isinstance(picker, LoadedChoicesMixin):
                picker.loaded = _loaded(instance, name)
        return form


def _loaded(instance: models.Model, name: str) -> dict[str, models.Model] | None:
    """The objects of `instance`'s relation `name` that are already loaded, by the value a
    picker holds (the remote key), or None if they are not."""
    field = instance._meta.get_field(name)
    if field.many_to_many:
        if instance.pk is None or name not in getattr(instance, "_prefetched_objects_cache", {}):
            return None
        objects = list(getattr(instance, name).all())
    else:
        if not field.is_cached(instance):
            return None
        related = getattr(instance, name)
        objects = [] if related is None else [related]
    remote = field.remote_field
    field_name = getattr(remote, "field_name", None)
    key = remote.model._meta.get_field(field_name).attname if field_name else remote.model._meta.pk.attname
    return {str(getattr(obj, key)): obj for obj in objects}


# What a phone number is written with; a search word with anything else is not one (the phone
# parser would find "861234567" in "Rūta 861234567").
PHONE_CHARACTERS = re.compile(r"[+(]?\d[\d\s().\-/]*")


def as_phone(text: str) -> str:
    """The phone number the text is, normalised as phones are stored, or "" if it is none."""
    if not PHONE_CHARACTERS.fullmatch(text.strip()):
        return ""
    try:
        return normalise_phone(text)
    except ValidationError:
        return ""


class _LinkedFile:
    """A stored file as the admin's file widget shows it: its name, linked to `url`."""

    def __init__(self, file: Any, url: str) -> None:
        self.file, self.url = file, url

    def __str__(self) -> str:
        return str(self.file)


class ServedFileWidget(widgets.AdminFileWidget):
    """The admin's file input, its current file linked to an admin view that serves it
    (`url_for(instance)`), not to MEDIA_URL: uploaded files are not served there in production,
    and the view checks who asks."""

    def __init__(self, url_for: Callable[[models.Model], str], attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.url_for = url_for

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if context["widget"]["is_initial"] and getattr(value, "instance", None) is not None:
            context["widget"]["value"] = _LinkedFile(value, self.url_for(value.instance))
        return context


logger = logging.getLogger(__name__)


def served_file_response(
    request: HttpRequest, file: Any, *, missing: str, back_url: str, as_attachment: bool = True
) -> HttpResponse:
    """The stored file for the admin view that serves it (`ServedFileWidget`). When the storage
    no longer has it (media restored without it), the page where it is uploaded again, `back_url`,
    saying so (`missing`), not a server error."""
    try:
        stored = file.open("rb")
    except FileNotFoundError:
        logger.warning("The stored file %s is missing.", file.name)
        messages.error(request, missing)
        return HttpResponseRedirect(back_url)
    return FileResponse(stored, as_attachment=as_attachment, filename=PurePath(file.name).name)


def served_file_link(file: Any, url: str) -> str:
    """A stored file's name linked to the admin view that serves it, for a page shown read-only
    (Django would link it to MEDIA_URL, as `ServedFileWidget` says); empty without a file."""
    return format_html('<a href="{}">{}</a>', url, file) if file else ""

"""The admin of records with a change history: django-simple-history's, and Django's own log of
admin actions, both read in the page's language."""

from __future__ import annotations

import datetime
import decimal
import itertools
from collections.abc import Sequence
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import yesno
from django.utils import formats, timezone, translation
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import ModelChange, ModelDelta
from simple_history.template_utils import HistoricalRecordContextHelper

from crm import history


class ReadableChanges(HistoricalRecordContextHelper):
    """The history's "what changed" as the record's page shows its values: "taip"/"ne", a choice's
    label ("anglų"), dates and sums as the page writes them ("600,00"), the sectors and tags as
    their names ("IRT, Sveikata"), "—" for nothing; not True, "en", None or "[<Sector: …>]"."""

    def prepare_delta_change_value(self, change: Any, value: Any) -> Any:
        field = self.model._meta.get_field(change.field)
        if field.many_to_many:
            return ", ".join(str(linked) for linked in value) or "—"
        value = super().prepare_delta_change_value(change, value)
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return yesno(value)
        if isinstance(value, decimal.Decimal):
            return formats.number_format(value, getattr(field, "decimal_places", None))
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        if isinstance(value, datetime.datetime):
            return formats.localize(timezone.localtime(value))
        if isinstance(value, datetime.date):
            return formats.localize(value)
        return value


def keep_stored_fields_off_the_form(obj: models.Model, form: Any) -> None:
    """Give the record rebuilt from a past version the stored values of the fields its form does
    not show (when a person was erased, when the record was created): "Revert" brings back what
    the form shows, and simple-history would save the rest of the past version too, an erased
    person's version from before the erasure making them a live contact again."""
    names = [
        field.attname
        for field in obj._meta.concrete_fields
        if not field.primary_key and field.name not in form.fields
    ]
    stored = type(obj)._base_manager.filter(pk=obj.pk).values(*names).first()
    for name, value in (stored or {}).items():
        setattr(obj, name, value)


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin, whose page of a past version saves ("Revert") only for staff
    who may change the record. The library lets anyone who may view the record post that form,
    and saves it: read-only staff could change contacts' e-mails, or undo the end of a contact's
    affiliation, and so reach a member's answer page through its e-mails."""

    def get_historical_record_context_helper(self, request: HttpRequest, historical_record: Any) -> Any:
        return ReadableChanges(self.model, historical_record)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Save, and have the version this save writes keep the links (sectors, tags) as the form
        leaves them.

        The version is written when the record is saved, before the form saves its links; and
        simple-history writes a version of its own for each link removed and each added, the
        record's other changes nowhere among them. So one save was a version with nothing
        changed, then one without the old sectors, then one with the new. Here the form's link
        changes write no version, and the save's version is given the links once they are saved.

        A page saved with the record's own form unchanged (only a payment or an affiliation
        entered below it, which have their own history) writes no version of the record: it
        would be an empty one, "nothing changed", in its history. A past version's page ("Revert")
        always writes one: its form starts from that version, not from the record."""
        reverting = hasattr(request, "history_version_id")
        if reverting and change:
            keep_stored_fields_off_the_form(obj, form)
        unchanged = change and not reverting and not form.has_changed()
        if unchanged:
            obj.skip_history_when_saving = True
        try:
            super().save_model(request, obj, form, change)
        finally:
            if unchanged:
                del obj.skip_history_when_saving
        tracked = history.tracked_links(type(obj))
        save_m2m = getattr(form, "save_m2m", None)
        if not tracked or save_m2m is None or unchanged:
            return

        def save_m2m_into_this_version() -> None:
            obj.skip_history_when_saving = True
            try:
                save_m2m()
            finally:
                del obj.skip_history_when_saving
            history.links_record(instance=obj)

        form.save_m2m = save_m2m_into_this_version

    def set_history_delta_changes(
        self, request: HttpRequest, historical_records: Sequence[Any], foreign_keys_are_objs: bool = True
    ) -> None:
        """Each version's changes, the links (sectors, tags) among them, read for the whole page
        at once: simple-history reads the links of both versions of each pair, two queries a
        field and a version."""
        tracked = history.tracked_links(self.model)
        if not tracked:
            super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
            return
        records = list(historical_records)
        links = history.links_of(records, fields=tracked)
        for newer, older in itertools.pairwise(records):
            delta = newer.diff_against(
                older, excluded_fields=tracked, foreign_keys_are_objs=foreign_keys_are_objs
            )
            changes = list(delta.changes)
            for name in tracked:
                before, after = links[name][older.history_id], links[name][newer.history_id]
                if [linked.pk for linked in before] != [linked.pk for linked in after]:
                    changes.append(ModelChange(name, before, after))
            changes.sort(key=lambda change: change.field)
            delta = ModelDelta(changes, [change.field for change in changes], older, newer)
            helper = self.get_historical_record_context_helper(request, newer)
            newer.history_delta_changes = helper.context_for_delta_changes(delta)

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))
            if obj is None or not self.has_change_history_permission(request, obj):
                raise PermissionDenied
        request.history_version_id = version_id  # type: ignore[attr-defined]
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        """On a past version's page, the form shows the links (sectors, tags) that version kept,
        not the record's of now: saving it ("Revert") puts them back with the version's fields."""
        form_class = super().get_form(request, obj, change, **kwargs)
        version_id = str(getattr(request, "history_version_id", ""))
        tracked = history.tracked_links(self.model)
        if not version_id.isdigit() or not tracked:
            return form_class
        version = self.model.history.model(history_id=int(version_id))
        kept = history.links_of([version], fields=tracked)
        initial = {
            name: [
                linked.pk
                for linked in kept[name][version.history_id]
                if not isinstance(linked, history.GoneLink)
            ]
            for name in tracked
        }

        class VersionForm(form_class):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                kwargs["initial"] = {**initial, **(kwargs.get("initial") or {})}
                super().__init__(*args, **kwargs)

        return VersionForm


class ReadableChangeMessages(admin.ModelAdmin):
    """An admin whose log of changes ("Pakeista: būsena ir registracijos numeris.") names the
    fields in the page's language.

    Django stores the fields a change touched by their form labels, untranslated and capitalised
    ("Addressee as written"), and translates them only when the history is shown; the catalogue
    holds the models' verbose names, in lower case, so those labels stayed English. Here they
    are stored as the verbose names themselves, which it translates."""

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool
    ) -> list[dict[str, Any]]:
        message = super().construct_change_message(request, form, formsets, add)
        names = _verbose_names([self.model, *(formset.model for formset in formsets or ())])
        for entry in message:
            changed = entry.get("changed", {})
            if "fields" in changed:
                changed["fields"] = [names.get(label, label) for label in changed["fields"]]
        return message

    def log_fields_change(self, request: HttpRequest, obj: models.Model, fields: list[str]) -> Any:
        """Log a change of these fields (by name) made outside the change form."""
        with translation.override(None):
            names = [str(obj._meta.get_field(name).verbose_name) for name in fields]
        return self.log_change(request, obj, [{"changed": {"fields": names}}])


def _verbose_names(model_classes: list[type[models.Model]]) -> dict[str, str]:
    """Each field's form label, as Django's change messages store it, to its verbose name."""
    with translation.override(None):
        return {
            str(capfirst(field.verbose_name)): str(field.verbose_name)
            for model in model_classes
            for field in model._meta.get_fields()
            if getattr(field, "verbose_name", None)
        }

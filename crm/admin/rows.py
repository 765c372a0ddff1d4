"""Cheaper rows for the admin's lists, the same HTML as Django's.

Django works out, for every cell of a list page, what the column is (a model field, an admin
method, a callable), its empty value and its CSS classes, and reverses the row's change URL and
adds the list's filters to it: most of a list page's time, growing with its columns. Here that
is done once a page (`RowPlan`), and every cell is then rendered as Django renders it: the
same display functions, the same markup. The selection checkbox, which Django renders through
the form-widget templates, is written directly.

Put the mixin first among an admin's bases; `templates/admin/change_list.html` renders its
lists with `quick_results` (and any other admin's with Django's own code).

`RowPlan._cell` follows `django.contrib.admin.templatetags.admin_list.items_for_result` of
Django 5.2 step by step, with one difference: dates and times are in the short format
(`list_date`). tests/crm/test_admin_rows.py compares every product list's cells with Django's
own (their dates made short), so an upgrade that changes them fails there.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.templatetags.admin_list import ResultList, _coerce_field_name
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
    quote,
)
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# Values whose display depends on the value alone, within one page (see RowPlan._shown).
MEMO_TYPES = frozenset(
    {bool, int, float, decimal.Decimal, datetime.date, datetime.datetime, datetime.time, type(None)}
)
# Stands for the primary key in a change URL reversed once a page; digits, which `quote` keeps.
PK_MARK = "90817263544536271809"


class QuickChangeList(ChangeList):
    """Django's ChangeList, which hands the objects of the page, once read, to the admin's
    `rows_loaded`."""

    def get_filters(self, request: HttpRequest) -> Any:
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as exc:
            # A date drill-down in the calendar's last year or month (`?created_at__year=9999`):
            # Django checks the period's first day, not the day after it. An unreadable filter,
            # as any other: the list again, its filters dropped, with Django's "?e=1".
            raise IncorrectLookupParameters(exc) from exc

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        if not self.list_editable:  # an editable list's formset needs the queryset
            self.result_list = list(self.result_list)
            self.model_admin.rows_loaded(self.result_list)


class QuickRowsMixin:
    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return QuickChangeList

    def rows_loaded(self, rows: list[Any]) -> None:
        """Attach to the objects of a list page what its columns show. A query or two for the
        page's ids and plain values cost less than a prefetch, which builds a model object and
        a related manager for every row."""

    def action_checkbox(self, obj: object) -> SafeString:
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),  # type: ignore[attr-defined]
            format_html(_("Select this object for an action - {}"), str(obj)),
        )


def status_badge(obj: Any, tones: Mapping[str, str]) -> SafeString:
    """An object's status label in its tone (`tones` by status value: "ok", "warning", "error",
    "quiet"; colours of static/css/admin.css, light and dark), for admin lists and pages."""
    label = _status_labels(type(obj)).get(obj.status, obj.status)
    tone = tones.get(obj.status)
    if tone is None:
        return format_html("<strong>{}</strong>", label)
    return format_html('<strong class="kl-{}">{}</strong>', tone, label)


@functools.cache
def _status_labels(model: type[models.Model]) -> dict[str, Any]:
    """A model's status labels by value, made once: `get_status_display()` makes every label
    hashable, which translates each of them, for every row. The labels stay lazy, translated
    when shown."""
    return dict(model._meta.get_field("status").flatchoices)


@functools.cache
def _class_attribute(classes: tuple[str, ...]) -> SafeString:
    # The names come from list_display, which holds Python identifiers.
    return mark_safe(' class="{}"'.format(" ".join(classes)))  # noqa: S308


def list_date(value: datetime.date) -> SafeString:
    """A date, or a date and time, as a list shows it: in the language's short format
    ("2026-11-30 14:31" in Lithuanian, "11/30/2026 2:31 p.m." in English), where the long format
    of a record's page ("2026 m. lapkričio 30 d., 14:31") took up to four lines of a narrow
    column. The date and the time each stay on one line: a cell wraps between them, never after
    a hyphen."""
    if not isinstance(value, datetime.datetime):
        return format_html(
            '<span class="kl-nowrap">{}</span>', formats.date_format(value, "SHORT_DATE_FORMAT")
        )
    value = timezone.template_localtime(value)
    return format_html(
        '<span class="kl-nowrap">{}</span> <span class="kl-nowrap">{}</span>',
        formats.date_format(value, "SHORT_DATE_FORMAT"),
        formats.time_format(value, "TIME_FORMAT"),
    )


@dataclass
class Column:
    name: Any
    classes: tuple[str, ...]
    link: bool
    field: models.Field | None
    # Reads the value of a row when the column is not a model field: (attr, value) as lookup_field.
    read: Callable[[Any], tuple[Any, Any]]
    # A field's choices with their labels in the current language, when they can be looked up.
    choices: dict[Any, str] | None = None


class RowPlan:
    """What Django's `items_for_result` works out for every cell, worked out once for a page."""

    def __init__(self, cl: ChangeList) -> None:
        model_admin = cl.model_admin
        opts = cl.lookup_opts
        self.empty = model_admin.get_empty_value_display()
        self.pk_attname = opts.pk.attname
        self.columns = []
        first = True
        for index, name in enumerate(cl.list_display):
            link = cl.list_display_links is not None and (
                (first and not cl.list_display_links) or name in cl.list_display_links
            )
            first = first and not link
            field = None
            with contextlib.suppress(FieldDoesNotExist, FieldIsAForeignKeyColumnName):
                field = _get_non_gfk_field(opts, name)
            self.columns.append(
                Column(
                    name=name,
                    classes=(f"field-{_coerce_field_name(name, index)}",),
                    link=link,
                    field=field,
                    read=self._reader(name, model_admin),
                    choices=self._choices(field),
                )
            )
        self.memo: dict[tuple[Any, ...], tuple[Any, Any]] = {}
        self.first_link = next((column for column in self.columns if column.link), None)
        self.url = self._change_url(cl)

    @staticmethod
    def _reader(name: Any, model_admin: Any) -> Callable[[Any], tuple[Any, Any]]:
        if callable(name):
            return lambda obj: (name, name(obj))
        if hasattr(model_admin, name) and name != "__str__":
            method = getattr(model_admin, name)
            return lambda obj: (method, method(obj))
        # Attributes and properties of the model: as Django reads them, row by row.
        return lambda obj: lookup_field(name, obj, model_admin)[1:]

    @staticmethod
    def _choices(field: models.Field | None) -> dict[Any, str] | None:
        """The labels `display_for_field` would look up, translated once instead of once a row."""
        if field is None or field.auto_created or not getattr(field, "flatchoices", None):
            return None
        try:
            return {value: str(label) for value, label in field.flatchoices}
        except TypeError:  # unhashable choices: Django's own lookup
            return None

    @staticmethod
    def _change_url(cl: ChangeList) -> tuple[str, str] | None:
        """The change URL of a row, with the list's filters, around the row's primary key."""
        opts = cl.opts
        try:
            url = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change",
                args=(PK_MARK,),
                current_app=cl.model_admin.admin_site.name,
            )
        except NoReverseMatch:
            return None
        url = add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url)
        path, mark, rest = url.partition(PK_MARK)
        return (path, rest) if mark and PK_MARK not in rest else None

    def _shown(self, where: tuple[Any, ...], value: Any, display: Callable[[], Any]) -> Any:
        """`display()` of a value, worked out once a page for the numbers, dates and translated
        labels that repeat down a column (formatting them looks up the language's formats)."""
        if isinstance(value, Promise):
            key = (*where, Promise, id(value))
        elif type(value) in MEMO_TYPES:
            key = (*where, type(value), value)
        else:
            return display()
        known = self.memo.get(key)
        if known is None:
            # The value is kept with its display: the id of a translated label stays its own.
            known = self.memo[key] = (value, display())
        return known[1]

    def cells(self, result: Any) -> Iterator[SafeString]:
        for column in self.columns:
            yield self._cell(column, result)

    def _cell(self, column: Column, result: Any) -> SafeString:
        empty = self.empty
        classes = column.classes
        field = column.field
        try:
            if field is not None:
                attr, value = None, getattr(result, column.name)
            else:
                attr, value = column.read(result)
        except ObjectDoesNotExist:
            result_repr = empty
        else:
            empty = getattr(attr, "empty_value_display", empty)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            if field is None or field.auto_created:
                if column.name == "action_checkbox":
                    classes = ("action-checkbox",)
                boolean = getattr(attr, "boolean", False)
                if isinstance(attr, property) and hasattr(attr, "fget"):
                    boolean = getattr(attr.fget, "boolean", False)
                if isinstance(value, datetime.date):
                    result_repr = self._shown((column.name,), value, lambda: list_date(value))
                else:
                    result_repr = self._shown(
                        (column.name, empty, boolean), value, lambda: display_for_value(value, empty, boolean)
                    )
                if isinstance(value, (datetime.date, datetime.time)):
                    classes = (*classes, "nowrap")
            else:
                if isinstance(field.remote_field, models.ManyToOneRel):
                    related = getattr(result, field.name)
                    result_repr = empty if related is None else related
                elif column.choices is not None:
                    result_repr = column.choices.get(value, empty)
                elif isinstance(value, datetime.date) and isinstance(field, models.DateField):
                    result_repr = self._shown((column.name,), value, lambda: list_date(value))
                else:
                    result_repr = self._shown(
                        (column.name, empty),
                        value,
                        lambda: display_for_field(value, field, empty, avoid_link=column.link),
                    )
                if isinstance(field, (models.DateField, models.TimeField, models.ForeignKey)):
                    classes = (*classes, "nowrap")
        row_class = _class_attribute(classes)
        if not column.link:
            # format_html("<td{}>{}</td>", row_class, result_repr), without its lazy-string checks
            return mark_safe(f"<td{row_class}>{conditional_escape(result_repr)}</td>")  # noqa: S308
        tag = "th" if column is self.first_link else "td"
        if self.url is None:
            link_or_text = result_repr
        else:
            url = self.url[0] + str(quote(getattr(result, self.pk_attname))) + self.url[1]
            link_or_text = format_html('<a href="{}"{}>{}</a>', url, "", result_repr)
        return format_html("<{}{}>{}</{}>", tag, row_class, link_or_text, tag)


def quick_rows_apply(cl: ChangeList) -> bool:
    """Whether a list's rows can be rendered by `quick_results`: an admin with the mixin and a
    numeric primary key, and not an editable list or a popup (which Django's code renders)."""
    return (
        isinstance(cl.model_admin, QuickRowsMixin)
        and isinstance(cl.lookup_opts.pk, models.IntegerField)
        and not getattr(cl, "formset", None)
        and not cl.is_popup
    )


def quick_results(cl: ChangeList) -> Iterator[ResultList]:
    """Django's `admin_list.results(cl)`, for lists where `quick_rows_apply`."""
    plan = RowPlan(cl)
    for result in cl.result_list:
        yield ResultList(None, plan.cells(result))

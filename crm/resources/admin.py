"""The admin side of the CRM imports and exports: formats, the "skip invalid rows" checkbox."""

from __future__ import annotations

import datetime
import itertools
import zipfile
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.models import LogEntry
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.defaultfilters import yesno
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export import forms as import_forms
from import_export.admin import ImportExportMixin
from import_export.results import Result, RowResult
from import_export.signals import post_export
from import_export.tmp_storages import CacheStorage
from openpyxl.utils.exceptions import InvalidFileException

from crm.import_formats import CSV, FORMATS, export_delimiter


def _cell_shown(value: Any) -> Any:
    """A cell of an invalid row as the page shows it: as the file gave it, but an empty cell
    empty, a yes/no cell "taip"/"ne" and a date as the page writes dates, not Python's None,
    True or 2026-11-30 00:00:00."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return yesno(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return formats.localize(value)
    return value


class ImportForm(import_forms.ImportForm):
    skip_invalid_rows = forms.BooleanField(
        label=_("Skip invalid rows"),
        required=False,
        help_text=_(
            "Import the valid rows and list the invalid ones. Unticked, a file with any invalid row "
            "imports nothing."
        ),
    )


class ConfirmImportForm(import_forms.ConfirmImportForm):
    skip_invalid_rows = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ExportForm(import_forms.SelectableFieldsExportForm):
    """import-export's choice of the columns to export, each named as its header is (“Pavadinimas”,
    “Juridinio asmens kodas”) rather than by its field's name in English (“Legal Code”)."""

    def _get_field_label(self, resource: Any, field_name: str) -> str:
        label = getattr(resource.fields.get(field_name), "label", None)
        return capfirst(str(label)) if label else super()._get_field_label(resource, field_name)


class ImportFileStorage(CacheStorage):
    """The uploaded file between its preview and the confirmation, in the cache the workers share
    (Redis or the database in production, README), so that any worker or host confirms it, for two
    hours: no copy of the file's personal data is left on a disk when a preview is not confirmed."""

    CACHE_LIFETIME = 2 * 60 * 60

    def claim(self) -> Any | None:
        """The file, taken out of the cache: the first confirmation gets it; a second one (a double
        click, the page sent again) or one after the two hours gets None."""
        key = self.CACHE_PREFIX + self.name
        data = cache.get(key)
        if data is None or not cache.delete(key):
            return None
        return data


class ImportExportAdminMixin(ImportExportMixin):
    """The admin side of CRM imports: CSV and XLSX only, the "skip invalid rows" checkbox."""

    formats = FORMATS
    tmp_storage_class = ImportFileStorage
    import_form_class = ImportForm
    confirm_form_class = ConfirmImportForm
    export_form_class = ExportForm
    # No encoding: import-export then reads the uploaded CSV back as bytes (CSV.get_read_mode),
    # and the format recognises UTF-8 or Windows-1257 itself. With one, it decodes the file as
    # that before the format sees it (and opening in binary mode with an encoding fails).
    from_encoding = None

    def _create_log_entry(self, user_pk: int, rows: list[Any], import_type: str, action_flag: int) -> None:
        """The admin history's entries of an import, in the page's language. django-import-export
        formats its "%s through import_export" before translating it, so that no catalogue finds
        it and every entry read "new through import_export" in English."""
        if not rows:
            return
        message = {
            RowResult.IMPORT_TYPE_NEW: gettext("Added by an import."),
            RowResult.IMPORT_TYPE_UPDATE: gettext("Changed by an import."),
            RowResult.IMPORT_TYPE_DELETE: gettext("Deleted by an import."),
        }[import_type]
        LogEntry.objects.log_actions(
            user_pk, rows, action_flag, change_message=message, single_object=len(rows) == 1
        )

    def add_data_read_fail_error_to_form(self, form: Any, e: Exception) -> None:
        if isinstance(e, UnicodeDecodeError):
            # import-export would name the exception only ("'UnicodeDecodeError' encountered…").
            form.add_error(
                "import_file",
                _(
                    "The file could not be read as text. If it is a CSV file, save it in Excel as "
                    "“CSV UTF-8” and upload it again; if it is an Excel workbook, choose the XLSX format."
                ),
            )
            return
        if isinstance(e, zipfile.BadZipFile | InvalidFileException):
            form.add_error(
                "import_file",
                _(
                    "The file is not an Excel workbook (.xlsx). Save a workbook of an older Excel "
                    "(.xls) as “Excel Workbook (*.xlsx)” and upload it again; for a CSV file, choose "
                    "the CSV format."
                ),
            )
            return
        super().add_data_read_fail_error_to_form(form, e)

    def get_confirm_form_initial(self, request: HttpRequest, import_form: Any) -> dict[str, Any]:
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["skip_invalid_rows"] = import_form.cleaned_data.get("skip_invalid_rows", False)
        return initial

    def process_import(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        """import-export's confirmation, with the file claimed from the cache: confirmed twice, or
        after it expired, it imports nothing more and says why, instead of failing."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        if not confirm_form.is_valid():
            return super().process_import(request, **kwargs)
        input_format = self.get_import_formats()[int(confirm_form.cleaned_data["format"])](
            encoding=self.from_encoding
        )
        storage = self.get_tmp_storage_class()(
            name=confirm_form.cleaned_data["import_file_name"],
            encoding=None,
            read_mode=input_format.get_read_mode(),
            **self.get_tmp_storage_class_kwargs(),
        )
        data = storage.claim()
        if data is None:
            messages.error(
                request,
                _(
                    "This file was imported already, or its preview is more than two hours old: "
                    "nothing more was imported. Check the list, and upload the file again if it is needed."
                ),
            )
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"))
        result = self.process_dataset(input_format.create_dataset(data), confirm_form, request, **kwargs)
        return self.process_result(result, request)

    def import_action(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None)
        if not context:
            return response
        form, result = context.get("form"), context.get("result")
        if result is not None:
            for row in result.invalid_rows:
                row.values = tuple(_cell_shown(value) for value in row.values)
        skipping = bool(
            form is not None
            and form.is_bound
            and form.is_valid()
            and form.cleaned_data.get("skip_invalid_rows")
        )
        context["skip_invalid_rows"] = skipping
        # import-export offers the confirmation only for a file without invalid rows.
        if (
            skipping
            and result is not None
            and "confirm_form" not in context
            and not result.has_errors()
            and result.has_validation_errors()
            and any(
                row.import_type in (RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE) for row in result
            )
        ):
            context["confirm_form"] = self.create_confirm_form(request, import_form=form)
        return response

    def get_export_filename(self, request: HttpRequest, queryset: QuerySet, file_format: Any) -> str:
        """“organizacijos-2026-11-30.csv”: the records' name in the page's language, without
        accents (a header's file name is ASCII), and the association's date, not the server's."""
        name = slugify(str(self.model._meta.verbose_name_plural))
        return f"{name}-{timezone.localdate().isoformat()}.{file_format.get_extension()}"

    def get_export_data(
        self, file_format: Any, request: HttpRequest, queryset: QuerySet, **kwargs: Any
    ) -> Any:
        # import-export writes native numbers and dates only for its own XLSX class; ours too.
        if not self.has_export_permission(request):
            raise PermissionDenied
        data = self.get_data_for_export(
            request, queryset, force_native_type=file_format.is_binary(), **kwargs
        )
        return file_format.export_data(data)

    def _do_file_export(
        self, file_format: Any, request: HttpRequest, queryset: QuerySet, export_form: Any = None
    ) -> HttpResponse:
        """CSV downloads are streamed row by row: 100,000 persons take no more memory than ten.
        Other formats are built whole, as import-export does."""
        if not isinstance(file_format, CSV):
            return super()._do_file_export(file_format, request, queryset, export_form=export_form)
        if not self.has_export_permission(request):
            raise PermissionDenied
        resource = self.choose_export_resource_class(export_form, request)(
            **self.get_export_resource_kwargs(request, export_form=export_form)
        )
        headers, rows = resource.export_rows(
            queryset,
            export_fields=self.get_export_resource_fields_from_form(export_form),
            export_form=export_form,
            encoding=self.to_encoding,
            force_native_type=False,
        )
        # The first row is read now: a query that fails does so before the download starts, where
        # import-export reports it. The rest are read as the response is sent, in this language.
        first = next(rows, None)
        language = translation.get_language()

        def chunks() -> Iterator[str]:
            with translation.override(language):
                yield from file_format.export_stream(
                    headers,
                    itertools.chain([first] if first is not None else [], rows),
                    delimiter=export_delimiter(),
                )

        response = StreamingHttpResponse(chunks(), content_type=file_format.get_content_type())
        response["Content-Disposition"] = (
            f'attachment; filename="{self.get_export_filename(request, queryset, file_format)}"'
        )
        post_export.send(sender=None, model=self.model)
        return response

    def process_result(self, result: Result, request: HttpRequest) -> HttpResponse:
        if getattr(result, "rolled_back", False):
            # The confirmed import met errors its preview had not (the data changed meanwhile):
            # it wrote nothing, so there is nothing to log or to announce as finished.
            messages.error(
                request,
                _(
                    "Nothing was imported: the file has errors the preview did not show. Upload it again to see them."
                ),
            )
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"))
        return super().process_result(result, request)

    def add_success_message(self, result: Result, request: HttpRequest) -> None:
        super().add_success_message(result, request)
        if result.invalid_rows:
            rows = ", ".join(str(row.number) for row in result.invalid_rows[:20])
            count = len(result.invalid_rows)
            messages.warning(
                request,
                ngettext(
                    "%(count)d invalid row was not imported (row %(rows)s).",
                    "%(count)d invalid rows were not imported (rows %(rows)s).",
                    count,
                )
                % {"count": count, "rows": rows + ("…" if count > 20 else "")},
            )

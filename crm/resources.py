"""Import and export of organisations and persons (django-import-export).

Columns are known by their model field name ("legal_code") and by their verbose name in
Lithuanian and in English ("juridinio asmens kodas", "legal entity code"); exports made
in Lithuanian write the Lithuanian names, other exports the field names. Organisations
are matched by legal entity code, persons by e-mail (case-insensitive); without one, by
exact name among the records that lack it too.

Imports are fast because nothing is queried per row: existing records, their sectors,
tags and affiliations, and all reference data are loaded with a few queries when the
import starts; rows are validated in memory (each cell through its model field, then
`Model.clean()`; uniqueness and the database constraints are checked against what was
loaded); the rows are written with bulk inserts and updates that also write the
simple-history records (with the importing user), and the many-to-many and affiliation
rows after them. The preview shows the differences of the first rows only.

An import with an invalid row writes nothing, unless the staff member ticks "skip invalid
rows": then the valid rows are imported and the invalid ones reported.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import tablib
from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Model, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources
from import_export import forms as import_forms
from import_export.admin import ImportExportMixin
from import_export.exceptions import FieldError
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import Result, RowResult
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from crm import widgets
from crm.import_formats import FORMATS, strip_formula_guard
from crm.models import Affiliation, Organisation, Person, Tag
from crm.validators import normalise_legal_code
from crm.widgets import chunked, in_every_language, is_blank, normalise_key

MODEL, MANY, AFFILIATION = "model", "many", "affiliation"
EXPORT_CHUNK_SIZE = 2000
Key = tuple[str, ...]


class Column(fields.Field):
    """A resource field that knows its headers in every language."""

    def __init__(self, model: type[Model], name: str, widget: Any, *, kind: str = MODEL) -> None:
        attribute = f"_export_affiliation__{name}" if kind == AFFILIATION else name
        super().__init__(attribute=attribute, column_name=name, widget=widget)
        self.name = name
        self.kind = kind
        self.label = model._meta.get_field(name).verbose_name

    def header(self) -> str:
        """The header exports write: the Lithuanian name in Lithuanian, the field name otherwise."""
        if (translation.get_language() or "lt").startswith("lt"):
            return str(self.label)
        return self.name

    def aliases(self) -> set[str]:
        return {normalise_key(self.name), normalise_key(self.name.replace("_", " "))} | in_every_language(
            self.label
        )


class KeyedInstanceLoader(BaseInstanceLoader):
    """Loads every record the file refers to, and what hangs on them, in a few queries."""

    def __init__(self, resource: CrmResource, dataset: tablib.Dataset | None = None) -> None:
        super().__init__(resource, dataset)
        if not resource.fatal:
            resource.load_existing(dataset)

    def get_instance(self, row: dict[str, Any]) -> Model | None:
        raise NotImplementedError("CrmResource locates instances itself (see CrmResource.locate).")


@dataclass
class Claim:
    """The record an earlier valid row of this file gave, by the row's key."""

    instance: Model
    row: int


@dataclass
class AffiliationChange:
    organisation_id: int
    values: dict[str, Any]
    existing: Affiliation | None = None

    def unchanged(self) -> bool:
        return self.existing is not None and all(
            getattr(self.existing, name) == value for name, value in self.values.items()
        )


@dataclass
class Pending:
    """Relation writes of accepted rows, made after the records themselves are saved."""

    many: list[tuple[Model, str, frozenset[Any]]] = field(default_factory=list)
    affiliations: list[tuple[Person, AffiliationChange]] = field(default_factory=list)


class CrmResource(resources.ModelResource):
    """What both resources share: header matching, cached lookups, bulk writes with history."""

    #: rows whose differences the preview shows; the rest are only counted
    preview_rows = 100
    #: groups of columns of which one must be in the file to identify records
    identity_columns: tuple[tuple[str, ...], ...] = ()
    #: bulk_update writes one CASE per column and row; smaller batches keep statements cheap
    update_batch_size = 200

    def __init__(self, *, skip_invalid_rows: bool | None = None, form: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if skip_invalid_rows is None:
            # The admin passes its import or confirm form; the checkbox lives there.
            cleaned = getattr(form, "cleaned_data", None) or {}
            skip_invalid_rows = bool(cleaned.get("skip_invalid_rows"))
        self.skip_invalid_rows = skip_invalid_rows
        for column in self.fields.values():
            column.column_name = column.header()
        self.bound: list[str] = []
        self.unknown_headers: list[str] = []
        self.fatal = False
        self.rollback_on_invalid = True
        self.user: Any = None
        self.change_reason = ""
        self.lookups: widgets.ImportLookups | None = None
        self.existing: dict[Key, Model | None] = {}
        self.keys_by_row: list[Key | None] = []
        self.claims: dict[Key, Claim] = {}
        self.pending = Pending()

    # Columns -----------------------------------------------------------------------

    def bind_columns(self, headers: Iterable[Any]) -> None:
        """Match the file's headers to columns (field names first, then verbose names)."""
        known: dict[str, str] = {normalise_key(name): name for name in self.fields}
        for name, column in self.fields.items():
            for alias in column.aliases():
                known.setdefault(alias, name)
        self.bound, self.unknown_headers = [], []
        for header in headers:
            name = known.get(normalise_key(strip_formula_guard(header))) if header else None
            if name is None or name in self.bound:
                if header:
                    self.unknown_headers.append(str(header))
                continue
            self.fields[name].column_name = header
            self.bound.append(name)
        self.model_columns = [n for n in self.bound if self.fields[n].kind == MODEL]
        self.many_columns = [n for n in self.bound if self.fields[n].kind == MANY]
        self.affiliation_columns = [n for n in self.bound if self.fields[n].kind == AFFILIATION]
        opts = self._meta.model._meta
        self.model_fields = {n: opts.get_field(n) for n in self.model_columns}
        self.attnames = [self.model_fields[n].attname for n in self.model_columns]
        getter = operator.attrgetter(*self.attnames) if self.attnames else lambda instance: ()
        self._state = (lambda instance: (getter(instance),)) if len(self.attnames) == 1 else getter
        repeating = (widgets.ChoiceWidget, widgets.IntegerWidget, widgets.BooleanWidget, widgets.DateWidget)
        repeating += (widgets.MunicipalityWidget,)
        self.memo: dict[str, dict[Any, tuple[bool, Any]]] = {
            n: {} for n in self.model_columns if isinstance(self.fields[n].widget, repeating)
        }

    def column_header(self, name: str) -> str:
        column = self.fields.get(name)
        return str(column.column_name) if column else name

    def cells(self, dataset: tablib.Dataset, name: str) -> list[Any]:
        if name not in self.bound:
            return []
        index = list(dataset.headers).index(self.fields[name].column_name)
        return [strip_formula_guard(value) for value in dataset.get_col(index)]

    def get_diff_headers(self) -> list[str]:
        return [str(self.fields[name].column_name) for name in self.bound]

    def get_user_visible_fields(self) -> list[fields.Field]:
        return list(self.fields.values())

    def _check_import_id_fields(self, headers: Any) -> None:
        if not self.bound:
            self.fatal = True
            raise FieldError(
                gettext(
                    "None of the file's columns is known. Use the headers of an export, such as: %(headers)s."
                )
                % {"headers": ", ".join(column.header() for column in self.fields.values())}
            )
        if self.identity_columns and not any(
            all(name in self.bound for name in group) for group in self.identity_columns
        ):
            self.fatal = True
            options = [" + ".join(self.fields[n].header() for n in group) for group in self.identity_columns]
            raise FieldError(
                gettext("The file needs one of these columns to find existing records: %(options)s.")
                % {"options": "; ".join(options)}
            )

    # The import --------------------------------------------------------------------

    def import_data(
        self,
        dataset: tablib.Dataset,
        dry_run: bool = False,
        raise_errors: bool = False,
        use_transactions: bool | None = None,
        collect_failed_rows: bool = False,
        rollback_on_validation_errors: bool | None = None,
        **kwargs: Any,
    ) -> Result:
        if rollback_on_validation_errors is None:
            rollback_on_validation_errors = not self.skip_invalid_rows
        self.rollback_on_invalid = rollback_on_validation_errors
        user = kwargs.get("user")
        self.user = user if getattr(user, "pk", None) else None
        file_name = kwargs.get("file_name")
        reason = gettext("Import from %(file)s") % {"file": file_name} if file_name else gettext("Import")
        self.change_reason = reason[:100]
        self.fatal = False
        self.bind_columns(dataset.headers or [])
        result = super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=use_transactions,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=rollback_on_validation_errors,
            **kwargs,
        )
        # Read by the import page (templates/admin/import_export/import.html) and the admin.
        result.unknown_headers = self.unknown_headers
        result.preview_rows = self.preview_rows
        result.rolled_back = (
            dry_run
            or result.has_errors()
            or (rollback_on_validation_errors and result.has_validation_errors())
        )
        return result

    def before_import(self, dataset: tablib.Dataset, **kwargs: Any) -> None:
        self.lookups = widgets.ImportLookups()
        for column in self.fields.values():
            if isinstance(column.widget, widgets.LookupWidget):
                column.widget.lookups = self.lookups
        self.existing, self.keys_by_row, self.claims, self.pending = {}, [], {}, Pending()

    def load_existing(self, dataset: tablib.Dataset) -> None:
        """Work out every row's key, then load the records they name (`load_records`)."""
        names = [name for group in self.identity_columns for name in group if name in self.bound]
        columns = [self.cells(dataset, name) for name in names]
        self.keys_by_row = [
            self.row_key(dict(zip(names, cells, strict=True))) for cells in zip(*columns, strict=True)
        ]
        self.load_records(dataset, {key for key in self.keys_by_row if key is not None})

    def load_records(self, dataset: tablib.Dataset, keys: set[Key]) -> None:
        """Fill `self.existing` (key → instance, None when several records match)."""
        raise NotImplementedError

    def row_key(self, values: dict[str, Any]) -> Key | None:
        raise NotImplementedError

    def import_row(self, row: dict[str, Any], instance_loader: Any, **kwargs: Any) -> RowResult:
        number = kwargs.get("row_number") or 0
        row_result = self.get_row_result_class()()
        row_result.import_type = RowResult.IMPORT_TYPE_SKIP
        values = {name: strip_formula_guard(row.get(self.fields[name].column_name)) for name in self.bound}
        if self.fatal or all(is_blank(value) for value in values.values()):
            return row_result  # blank lines are skipped, not errors
        instance, restore = None, None
        try:
            key = (
                self.keys_by_row[number - 1] if 0 < number <= len(self.keys_by_row) else self.row_key(values)
            )
            instance, new, claim = self.locate(key, values, number)
            before = self.state(instance)
            restore = None if new else before
            shown_before = self.render_cells(instance) if number <= self.preview_rows and not new else None
            errors = self.import_instance(instance, values, new=new)
            relation = self.import_relations(instance, key, values, errors, new=new)
            changed = new or self.state(instance) != before
            if claim is not None and changed and not errors:
                errors.setdefault(NON_FIELD_ERRORS, []).append(self.repeat_error(key, claim))
            if not errors and not changed and self.relation_unchanged(instance, relation):
                row_result.import_type = RowResult.IMPORT_TYPE_SKIP
            else:
                self.validate_instance(instance, errors)
                self.accept(instance, key, relation, new=new, changed=changed, number=number, **kwargs)
                row_result.import_type = RowResult.IMPORT_TYPE_NEW if new else RowResult.IMPORT_TYPE_UPDATE
            if key is not None and claim is None:
                self.claims[key] = Claim(instance, number)
            row_result.add_instance_info(instance)
            if self._meta.store_instance or kwargs.get("retain_instance_in_row_result"):
                row_result.instance = instance
            if number <= self.preview_rows:
                row_result.diff = self.diff(shown_before, instance, relation)
        except ValidationError as error:
            if restore is not None:
                self.restore(instance, restore)
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            row_result.validation_error = self.with_headers(error)
        except Exception as error:  # reported as the row's error, as import-export does
            if restore is not None:
                self.restore(instance, restore)
            row_result.import_type = RowResult.IMPORT_TYPE_ERROR
            row_result.errors.append(self.get_error_result_class()(error, row=row, number=number))
        return row_result

    def locate(
        self, key: Key | None, values: dict[str, Any], number: int
    ) -> tuple[Model, bool, Claim | None]:
        """The instance a row updates (existing or claimed by an earlier row) or a new one."""
        if key is not None and key in self.claims:
            claim = self.claims[key]
            self.check_repeat(key, claim)
            return claim.instance, False, claim
        instance = self.existing.get(key) if key is not None else None
        if instance is not None:
            return instance, False, None
        if key is not None and key in self.existing:  # several records match: refuse to guess
            raise ValidationError({NON_FIELD_ERRORS: [self.ambiguous_error(key)]})
        return self._meta.model(), True, None

    def check_repeat(self, key: Key, claim: Claim) -> None:
        """Raise if a record may not appear on several rows (organisations may not)."""

    def repeat_error(self, key: Key, claim: Claim) -> str:
        return gettext("Row %(row)s gives this record with different values.") % {"row": claim.row}

    def ambiguous_error(self, key: Key) -> str:
        return gettext("Several existing records match this row; give the identifying code.")

    def state(self, instance: Model) -> tuple[Any, ...]:
        return self._state(instance)

    def restore(self, instance: Model, state: tuple[Any, ...]) -> None:
        for attname, value in zip(self.attnames, state, strict=True):
            setattr(instance, attname, value)

    def clean_cell(self, name: str, raw: Any) -> Any:
        """The cell's value through its widget and its model field; ValueError or ValidationError."""
        model_field = self.model_fields[name]
        value = self.fields[name].widget.clean(raw)
        if model_field.is_relation or (model_field.blank and value in model_field.empty_values):
            return value
        return model_field.clean(value, None)

    def import_instance(
        self, instance: Model, values: dict[str, Any], *, new: bool = True
    ) -> dict[str, list]:
        """Clean every model cell through its widget and model field (what `clean_fields` does).

        Columns with few distinct values (choices, numbers, dates, yes/no, municipalities)
        are cleaned once per distinct value: the result does not depend on the row."""
        errors: dict[str, list] = {}
        for name in self.model_columns:
            raw = values[name]
            memo = self.memo.get(name)
            outcome = memo.get(raw) if memo is not None else None
            if outcome is None:
                try:
                    outcome = (True, self.clean_cell(name, raw))
                except ValueError as exc:
                    outcome = (False, [str(exc)])
                except ValidationError as exc:
                    outcome = (False, exc.messages)
                if memo is not None:
                    memo[raw] = outcome
            ok, value = outcome
            if not ok:
                errors[name] = value
                continue
            model_field = self.model_fields[name]
            if model_field.is_relation:
                if getattr(instance, model_field.attname) != (value.pk if value else None):
                    setattr(instance, name, value)
            elif new or not equivalent(getattr(instance, model_field.attname), value):
                setattr(instance, model_field.attname, value)
        return errors

    def import_relations(
        self, instance: Model, key: Key | None, values: dict[str, Any], errors: dict[str, list], *, new: bool
    ) -> Any:
        return None

    def relation_unchanged(self, instance: Model, relation: Any) -> bool:
        return True

    def validate_instance(
        self, instance: Model, import_validation_errors: dict | None = None, validate_unique: bool = True
    ) -> None:
        """`Model.full_clean()` for what the cells did not already check. Uniqueness and the
        database constraints are checked against the loaded records instead of per row."""
        errors = dict(import_validation_errors or {})
        exclude = set(errors) | set(self.model_columns)
        exclude |= {f.name for f in instance._meta.concrete_fields if f.is_relation}
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        self.check_instance(instance, errors)
        if errors:
            raise ValidationError(errors)

    def check_instance(self, instance: Model, errors: dict[str, list]) -> None:
        """Rules the database enforces, checked in memory (the constraints' own messages)."""

    def accept(
        self,
        instance: Model,
        key: Key | None,
        relation: Any,
        *,
        new: bool,
        changed: bool,
        number: int,
        **kwargs: Any,
    ) -> None:
        if changed and not getattr(instance, "_import_queued", False):
            instance._import_queued = True
            self.save_instance(instance, new, {}, **kwargs)

    def with_headers(self, error: ValidationError) -> ValidationError:
        """The same errors, keyed by the column headers of the file instead of field names."""
        if not hasattr(error, "error_dict"):
            return ValidationError({NON_FIELD_ERRORS: error.messages})
        return ValidationError(
            {
                key if key == NON_FIELD_ERRORS else self.column_header(key): messages_
                for key, messages_ in error.message_dict.items()
            }
        )

    # Preview ------------------------------------------------------------------------

    def render_cells(self, instance: Model) -> dict[str, str]:
        return {
            name: str(self.fields[name].widget.render(getattr(instance, name)) or "")
            for name in self.model_columns
        }

    def render_relations(self, instance: Model, relation: Any, *, before: bool) -> dict[str, str]:
        return {}

    def diff(self, shown_before: dict[str, str] | None, instance: Model, relation: Any) -> list[str]:
        after = self.render_cells(instance) | self.render_relations(instance, relation, before=False)
        if shown_before is not None:
            shown_before = shown_before | self.render_relations(instance, relation, before=True)
        cells = []
        for name in self.bound:
            new_value = after.get(name, "")
            old_value = shown_before.get(name, "") if shown_before is not None else new_value
            if old_value == new_value:
                cells.append(format_html("{}", new_value))
            else:
                cells.append(
                    format_html(
                        '<del style="background:#ffe6e6;">{}</del> <ins style="background:#e6ffe6;">{}</ins>',
                        old_value,
                        new_value,
                    )
                )
        return cells

    # Writing ------------------------------------------------------------------------

    def _writes(self, dry_run: bool, result: Result | None) -> bool:
        # import-export writes during a dry run and rolls back; writing 10,000 rows and their
        # history only to undo them would halve the preview's speed. Everything the database
        # would refuse is checked in memory, so a dry run writes nothing; neither does an
        # import that will be rolled back for its invalid rows.
        if dry_run:
            return False
        return not (self.rollback_on_invalid and result is not None and result.has_validation_errors())

    def bulk_create(
        self,
        using_transactions: bool,
        dry_run: bool,
        raise_errors: bool,
        batch_size: Any = None,
        result: Any = None,
    ) -> None:
        if self.create_instances and self._writes(dry_run, result):
            try:
                bulk_create_with_history(
                    self.create_instances,
                    self._meta.model,
                    batch_size=batch_size or self._meta.batch_size,
                    default_user=self.user,
                    default_change_reason=self.change_reason,
                )
            except Exception as exc:  # reported like import-export's own bulk errors
                self.handle_import_error(result, exc, raise_errors)
        self.create_instances.clear()

    def bulk_update(
        self,
        using_transactions: bool,
        dry_run: bool,
        raise_errors: bool,
        batch_size: Any = None,
        result: Any = None,
    ) -> None:
        if self.update_instances and self._writes(dry_run, result):
            now = timezone.now()
            for instance in self.update_instances:
                instance.updated_at = now  # bulk_update does not touch auto_now fields
            try:
                bulk_update_with_history(
                    self.update_instances,
                    self._meta.model,
                    [*self.model_columns, "updated_at"],
                    batch_size=self.update_batch_size,
                    default_user=self.user,
                    default_change_reason=self.change_reason,
                )
            except Exception as exc:  # reported like import-export's own bulk errors
                self.handle_import_error(result, exc, raise_errors)
        self.update_instances.clear()

    def after_import(self, dataset: tablib.Dataset, result: Result, **kwargs: Any) -> None:
        if self._writes(kwargs.get("dry_run", False), result) and not (result.has_errors() or self.fatal):
            self.write_relations()
        super().after_import(dataset, result, **kwargs)

    def write_relations(self) -> None:
        """Save the relations of the accepted rows, once their records have primary keys."""

    # Export -------------------------------------------------------------------------

    def get_export_headers(self, selected_fields: Any = None) -> list[str]:
        return [column.header() for column in self.get_export_fields(selected_fields)]

    def iter_queryset(self, queryset: Any) -> Iterator[Any]:
        # import-export pages a prefetching queryset with OFFSET (a query re-sorting the whole table
        # per page); Django's iterator prefetches chunk by chunk at a constant cost per chunk.
        if isinstance(queryset, QuerySet):
            yield from queryset.iterator(chunk_size=EXPORT_CHUNK_SIZE)
        else:
            yield from queryset


def equivalent(old: Any, new: Any) -> bool:
    """Whether an imported value means what is stored: times to the second (exports drop the
    microseconds) and text up to its line endings (uploads turn CRLF into LF)."""
    if old == new:
        return True
    if isinstance(old, datetime.datetime) and isinstance(new, datetime.datetime):
        return new.microsecond == 0 and old.replace(microsecond=0) == new
    if isinstance(old, str) and isinstance(new, str):
        return old.replace("\r\n", "\n") == new.replace("\r\n", "\n")
    return False


# Organisations ----------------------------------------------------------------------


class OrganisationResource(CrmResource):
    name = Column(Organisation, "name", widgets.TextWidget())
    short_name = Column(Organisation, "short_name", widgets.TextWidget())
    kind = Column(
        Organisation, "kind", widgets.ChoiceWidget(Organisation.Kind, default=Organisation.Kind.CLUSTER)
    )
    legal_code = Column(Organisation, "legal_code", widgets.TextWidget())
    vat_code = Column(Organisation, "vat_code", widgets.TextWidget())
    sectors = Column(Organisation, "sectors", widgets.SectorsWidget(), kind=MANY)
    municipality = Column(Organisation, "municipality", widgets.MunicipalityWidget())
    address = Column(Organisation, "address", widgets.TextWidget())
    website = Column(Organisation, "website", widgets.TextWidget())
    email = Column(Organisation, "email", widgets.TextWidget())
    phone = Column(Organisation, "phone", widgets.TextWidget())
    year_founded = Column(Organisation, "year_founded", widgets.IntegerWidget())
    members_sme = Column(Organisation, "members_sme", widgets.IntegerWidget(default=0))
    members_large = Column(Organisation, "members_large", widgets.IntegerWidget(default=0))
    members_research = Column(Organisation, "members_research", widgets.IntegerWidget(default=0))
    members_public = Column(Organisation, "members_public", widgets.IntegerWidget(default=0))
    members_other = Column(Organisation, "members_other", widgets.IntegerWidget(default=0))
    eccp_url = Column(Organisation, "eccp_url", widgets.TextWidget())
    label = Column(
        Organisation, "label", widgets.ChoiceWidget(Organisation.Label, default=Organisation.Label.NONE)
    )
    label_awarded_on = Column(Organisation, "label_awarded_on", widgets.DateWidget())
    label_valid_until = Column(Organisation, "label_valid_until", widgets.DateWidget())
    description = Column(Organisation, "description", widgets.TextWidget())
    tags = Column(Organisation, "tags", widgets.TagsWidget(), kind=MANY)
    show_in_directory = Column(Organisation, "show_in_directory", widgets.BooleanWidget(default=True))

    identity_columns = (("legal_code",), ("name",))

    class Meta:
        model = Organisation
        name = _("Organisations")
        # Listed, so that a new model field is not imported before it gets its column here.
        fields = [
            "name",
            "short_name",
            "kind",
            "legal_code",
            "vat_code",
            "sectors",
            "municipality",
            "address",
            "website",
            "email",
            "phone",
            "year_founded",
            "members_sme",
            "members_large",
            "members_research",
            "members_public",
            "members_other",
            "eccp_url",
            "label",
            "label_awarded_on",
            "label_valid_until",
            "description",
            "tags",
            "show_in_directory",
        ]
        export_order = fields
        import_id_fields = ["legal_code"]
        instance_loader_class = KeyedInstanceLoader
        use_bulk = True
        batch_size = 1000
        chunk_size = 1000
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def row_key(self, values: dict[str, Any]) -> Key | None:
        code = values.get("legal_code")
        if not is_blank(code):
            try:
                return ("code", normalise_legal_code(widgets.TextWidget().clean(code)))
            except ValidationError:
                return None  # the row fails on its legal code
        name = values.get("name")
        return None if is_blank(name) else ("name", widgets.TextWidget().clean(name))

    def load_records(self, dataset: tablib.Dataset, keys: set[Key]) -> None:
        codes = [k[1] for k in keys if k[0] == "code"]
        names = [k[1] for k in keys if k[0] == "name"]
        queryset = Organisation.objects.select_related("municipality")
        for batch in chunked(codes):
            for organisation in queryset.filter(legal_code__in=batch):
                self.existing[("code", organisation.legal_code)] = organisation
        for batch in chunked(names):
            for organisation in queryset.filter(legal_code="", name__in=batch):
                key = ("name", organisation.name)
                # Two organisations without a code share the name: None marks the key ambiguous.
                self.existing[key] = None if key in self.existing else organisation
        pks = [o.pk for o in self.existing.values() if o is not None]
        self.current_many: dict[str, dict[int, frozenset[Any]]] = {}
        for name in self.many_columns:
            self.current_many[name] = self._load_many(name, pks)

    def _load_many(self, name: str, pks: list[int]) -> dict[int, frozenset[Any]]:
        m2m = Organisation._meta.get_field(name)
        through = m2m.remote_field.through
        own, other = m2m.m2m_column_name(), m2m.m2m_reverse_name()
        tag_keys = {tag.pk: key for key, tag in self.lookups.tags.items()}
        current: dict[int, set[Any]] = {}
        for batch in chunked(pks):
            for owner, target in through.objects.filter(**{f"{own}__in": batch}).values_list(own, other):
                current.setdefault(owner, set()).add(
                    tag_keys.get(target, target) if name == "tags" else target
                )
        return {owner: frozenset(targets) for owner, targets in current.items()}

    def check_repeat(self, key: Key, claim: Claim) -> None:
        if key[0] == "code":
            message = gettext("The legal entity code %(code)s is already in row %(row)s.")
            column = "legal_code"
        else:
            message = gettext(
                "An organisation called “%(code)s” without a legal entity code is already in row %(row)s."
            )
            column = "name"
        raise ValidationError({column: [message % {"code": key[1], "row": claim.row}]})

    def ambiguous_error(self, key: Key) -> str:
        return gettext(
            "Several organisations without a legal entity code are called “%(name)s”; give the legal entity code."
        ) % {"name": key[1]}

    def import_relations(
        self, instance: Model, key: Key | None, values: dict[str, Any], errors: dict[str, list], *, new: bool
    ) -> dict[str, frozenset[Any]]:
        relation = {}
        for name in self.many_columns:
            try:
                relation[name] = self.fields[name].widget.clean(values[name])
            except ValueError as exc:
                errors[name] = [str(exc)]
        return relation

    def _current(self, instance: Model, name: str) -> frozenset[Any]:
        return frozenset() if instance.pk is None else self.current_many[name].get(instance.pk, frozenset())

    def relation_unchanged(self, instance: Model, relation: dict[str, frozenset[Any]]) -> bool:
        return all(targets == self._current(instance, name) for name, targets in relation.items())

    def check_instance(self, instance: Model, errors: dict[str, list]) -> None:
        awarded, valid_until = instance.label_awarded_on, instance.label_valid_until
        if awarded and valid_until and valid_until < awarded and "label_valid_until" not in errors:
            constraint = next(
                c for c in Organisation._meta.constraints if c.name == "crm_organisation_label_dates_ordered"
            )
            errors["label_valid_until"] = [str(constraint.violation_error_message)]

    def accept(
        self, instance: Model, key: Key | None, relation: Any, *, new: bool, changed: bool, **kwargs: Any
    ) -> None:
        changed_relations = {
            name: targets
            for name, targets in relation.items()
            if new or targets != self._current(instance, name)
        }
        for name, targets in changed_relations.items():
            self.pending.many.append((instance, name, targets))
        super().accept(instance, key, relation, new=new, changed=changed or bool(changed_relations), **kwargs)

    def write_relations(self) -> None:
        lookups = self.lookups
        used_tags = {k for _i, name, keys in self.pending.many if name == "tags" for k in keys}
        missing = [Tag(name=lookups.new_tags[k]) for k in sorted(used_tags) if k not in lookups.tags]
        for tag in Tag.objects.bulk_create(missing):
            lookups.tags[normalise_key(tag.name)] = tag
        for name in self.many_columns:
            m2m = Organisation._meta.get_field(name)
            through = m2m.remote_field.through
            own, other = m2m.m2m_column_name(), m2m.m2m_reverse_name()
            rows = [(instance, targets) for instance, n, targets in self.pending.many if n == name]
            replaced = [instance.pk for instance, _targets in rows if instance.pk in self.current_many[name]]
            for batch in chunked(replaced):
                through.objects.filter(**{f"{own}__in": batch}).delete()
            links = [
                through(**{own: instance.pk, other: lookups.tags[t].pk if name == "tags" else t})
                for instance, targets in rows
                for t in targets
            ]
            through.objects.bulk_create(links, batch_size=1000)

    def render_relations(self, instance: Model, relation: Any, *, before: bool) -> dict[str, str]:
        cells = {}
        for name, targets in (relation or {}).items():
            shown = self._current(instance, name) if before else targets
            cells[name] = self.fields[name].widget.names(shown)
        return cells

    def filter_export(self, queryset: QuerySet[Organisation], **kwargs: Any) -> QuerySet[Organisation]:
        return queryset.select_related("municipality").prefetch_related("sectors", "tags")


# Persons -------------------------------------------------------------------------


class PersonResource(CrmResource):
    first_name = Column(Person, "first_name", widgets.TextWidget())
    last_name = Column(Person, "last_name", widgets.TextWidget())
    email = Column(Person, "email", widgets.TextWidget())
    phone = Column(Person, "phone", widgets.TextWidget())
    language = Column(Person, "language", widgets.ChoiceWidget(Person.Language, default=Person.Language.LT))
    consent_consultations = Column(Person, "consent_consultations", widgets.BooleanWidget())
    consent_consultations_at = Column(Person, "consent_consultations_at", widgets.DateTimeWidget())
    consent_consultations_source = Column(
        Person, "consent_consultations_source", widgets.ChoiceWidget(Person.ConsentSource)
    )
    consent_newsletter = Column(Person, "consent_newsletter", widgets.BooleanWidget())
    consent_newsletter_at = Column(Person, "consent_newsletter_at", widgets.DateTimeWidget())
    consent_newsletter_source = Column(
        Person, "consent_newsletter_source", widgets.ChoiceWidget(Person.ConsentSource)
    )
    notes = Column(Person, "notes", widgets.TextWidget())
    organisation = Column(Affiliation, "organisation", widgets.OrganisationWidget(), kind=AFFILIATION)
    role = Column(
        Affiliation,
        "role",
        widgets.ChoiceWidget(Affiliation.Role, default=Affiliation.Role.REPRESENTATIVE),
        kind=AFFILIATION,
    )
    job_title = Column(Affiliation, "job_title", widgets.TextWidget(), kind=AFFILIATION)
    is_primary = Column(Affiliation, "is_primary", widgets.BooleanWidget(), kind=AFFILIATION)
    receives_consultations = Column(
        Affiliation, "receives_consultations", widgets.BooleanWidget(), kind=AFFILIATION
    )

    identity_columns = (("email",), ("first_name", "last_name"))

    class Meta:
        model = Person
        name = _("Persons with their affiliations")
        fields = [
            "first_name",
            "last_name",
            "email",
            "phone",
            "language",
            "consent_consultations",
            "consent_consultations_at",
            "consent_consultations_source",
            "consent_newsletter",
            "consent_newsletter_at",
            "consent_newsletter_source",
            "notes",
            "organisation",
            "role",
            "job_title",
            "is_primary",
            "receives_consultations",
        ]
        export_order = fields
        import_id_fields = ["email"]
        instance_loader_class = KeyedInstanceLoader
        use_bulk = True
        batch_size = 1000
        chunk_size = 1000
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def row_key(self, values: dict[str, Any]) -> Key | None:
        email = values.get("email")
        if not is_blank(email):
            return ("email", str(email).strip().lower())
        first, last = values.get("first_name"), values.get("last_name")
        if is_blank(first) and is_blank(last):
            return None
        return ("name", normalise_key(first or ""), normalise_key(last or ""))

    def load_records(self, dataset: tablib.Dataset, keys: set[Key]) -> None:
        emails = [k[1] for k in keys if k[0] == "email"]
        for batch in chunked(emails):
            for person in Person.objects.filter(email__in=batch):
                self.existing[("email", person.email)] = person
        emails_cells = self.cells(dataset, "email") or [None] * len(dataset)
        last_names = {
            str(last).strip()
            for email, last in zip(emails_cells, self.cells(dataset, "last_name"), strict=False)
            if is_blank(email) and not is_blank(last)
        }
        for batch in chunked(last_names):
            for person in Person.objects.filter(email="", last_name__in=batch):
                key = ("name", normalise_key(person.first_name), normalise_key(person.last_name))
                self.existing[key] = None if key in self.existing else person
        pks = [p.pk for p in self.existing.values() if p is not None]
        self.affiliations: dict[tuple[int, int], Affiliation] = {}
        for batch in chunked(pks):
            for affiliation in Affiliation.objects.filter(person_id__in=batch):
                self.affiliations[(affiliation.person_id, affiliation.organisation_id)] = affiliation
        self.person_organisations: dict[int, set[int]] = {}
        for person_id, organisation_id in self.affiliations:
            self.person_organisations.setdefault(person_id, set()).add(organisation_id)
        self.lookups.load_organisations(self.cells(dataset, "organisation"))
        self.primary_holder: dict[int, Key] = {}
        for batch in chunked(list(self.lookups.organisation_names)):
            primaries = Affiliation.objects.filter(organisation_id__in=batch, is_primary=True)
            for organisation_id, person_id in primaries.values_list("organisation_id", "person_id"):
                self.primary_holder[organisation_id] = ("pk", person_id)
        self.affiliation_rows: dict[tuple[Key, int], int] = {}

    def repeat_error(self, key: Key, claim: Claim) -> str:
        return gettext(
            "This person is also in row %(row)s with different details; give them the same on every row."
        ) % {"row": claim.row}

    def ambiguous_error(self, key: Key) -> str:
        return gettext("Several persons without an e-mail address have this name; give the e-mail address.")

    def identity(self, instance: Person, key: Key | None) -> Key:
        return ("pk", instance.pk) if instance.pk else (key or ("row", id(instance)))

    def import_relations(
        self, instance: Model, key: Key | None, values: dict[str, Any], errors: dict[str, list], *, new: bool
    ) -> AffiliationChange | None:
        if not self.affiliation_columns:
            return None
        if is_blank(values.get("organisation")):
            given = [n for n in self.affiliation_columns if n != "organisation" and not is_blank(values[n])]
            if given:
                errors["organisation"] = [
                    gettext("Give the organisation these affiliation columns belong to.")
                ]
            return None
        try:
            candidates = self.fields["organisation"].widget.clean(values["organisation"])
        except ValueError as exc:
            errors["organisation"] = [str(exc)]
            return None
        if len(candidates) > 1:
            # An exported name shared by several organisations still means the person's own one.
            candidates = [pk for pk in candidates if pk in self.person_organisations.get(instance.pk, ())]
            if len(candidates) != 1:
                errors["organisation"] = [
                    gettext("Several organisations are called “%(name)s”; give the legal entity code.")
                    % {"name": values["organisation"]}
                ]
                return None
        organisation_id = candidates[0]
        change = AffiliationChange(organisation_id, {}, self.affiliations.get((instance.pk, organisation_id)))
        for name in self.affiliation_columns:
            if name == "organisation":
                continue
            model_field = Affiliation._meta.get_field(name)
            try:
                value = self.fields[name].widget.clean(values[name])
                if not (model_field.blank and value in model_field.empty_values):
                    value = model_field.clean(value, None)
            except ValueError as exc:
                errors[name] = [str(exc)]
                continue
            except ValidationError as exc:
                errors[name] = exc.messages
                continue
            change.values[name] = value
        identity = self.identity(instance, key)
        earlier = self.affiliation_rows.get((identity, organisation_id))
        if earlier is not None:
            errors.setdefault("organisation", []).append(
                gettext("Row %(row)s already links this person to this organisation.") % {"row": earlier}
            )
        if change.values.get("is_primary"):
            holder = self.primary_holder.get(organisation_id)
            if holder is not None and holder != identity:
                constraint = next(
                    c
                    for c in Affiliation._meta.constraints
                    if c.name == "crm_affiliation_one_primary_contact"
                )
                errors.setdefault("is_primary", []).append(str(constraint.violation_error_message))
        return change

    def relation_unchanged(self, instance: Model, relation: AffiliationChange | None) -> bool:
        return relation is None or relation.unchanged()

    def accept(
        self, instance: Model, key: Key | None, relation: Any, *, new: bool, changed: bool, **kwargs: Any
    ) -> None:
        if relation is not None:
            identity = self.identity(instance, key)
            self.affiliation_rows[(identity, relation.organisation_id)] = kwargs["number"]
            if "is_primary" in relation.values:
                holder = self.primary_holder.get(relation.organisation_id)
                if relation.values["is_primary"]:
                    self.primary_holder[relation.organisation_id] = identity
                elif holder == identity:
                    del self.primary_holder[relation.organisation_id]
            if not relation.unchanged():
                self.pending.affiliations.append((instance, relation))
        super().accept(instance, key, relation, new=new, changed=changed, **kwargs)

    def write_relations(self) -> None:
        demoted, updated, created = [], [], []
        for person, change in self.pending.affiliations:
            if change.existing is None:
                created.append(
                    Affiliation(person=person, organisation_id=change.organisation_id, **change.values)
                )
                continue
            affiliation = change.existing
            was_primary = affiliation.is_primary
            for name, value in change.values.items():
                setattr(affiliation, name, value)
            # Primary contacts change hands in order: first the one who lets go.
            (demoted if was_primary and not affiliation.is_primary else updated).append(affiliation)
        columns = [n for n in self.affiliation_columns if n != "organisation"]
        for group in (demoted, updated):
            if group:
                bulk_update_with_history(
                    group,
                    Affiliation,
                    columns,
                    batch_size=self.update_batch_size,
                    default_user=self.user,
                    default_change_reason=self.change_reason,
                )
        if created:
            bulk_create_with_history(
                created,
                Affiliation,
                batch_size=self._meta.batch_size,
                default_user=self.user,
                default_change_reason=self.change_reason,
            )

    def render_relations(self, instance: Model, relation: Any, *, before: bool) -> dict[str, str]:
        if relation is None:
            return {}
        source = relation.existing if before else None
        if before and source is None:
            return dict.fromkeys(self.affiliation_columns, "")
        cells = {"organisation": self.lookups.organisation_names.get(relation.organisation_id, "")}
        for name in self.affiliation_columns:
            if name != "organisation":
                value = getattr(source, name) if before else relation.values.get(name)
                cells[name] = str(self.fields[name].widget.render(value) or "")
        return cells

    def filter_export(self, queryset: QuerySet[Person], **kwargs: Any) -> QuerySet[Person]:
        affiliations = Affiliation.objects.select_related("organisation").order_by(
            "-is_primary", "organisation__name", "pk"
        )
        return queryset.prefetch_related(None).prefetch_related(
            Prefetch("affiliations", queryset=affiliations)
        )

    def iter_queryset(self, queryset: Any) -> Iterator[Person]:
        """One row per affiliation (a person without one gets a row with empty affiliation columns)."""
        for person in super().iter_queryset(queryset):
            for affiliation in list(person.affiliations.all()) or [None]:
                person._export_affiliation = affiliation
                yield person


# Admin -----------------------------------------------------------------------------


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


class ImportExportAdminMixin(ImportExportMixin):
    """The admin side of CRM imports: CSV and XLSX only, the "skip invalid rows" checkbox."""

    formats = FORMATS
    import_form_class = ImportForm
    confirm_form_class = ConfirmImportForm

    def get_confirm_form_initial(self, request: HttpRequest, import_form: Any) -> dict[str, Any]:
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["skip_invalid_rows"] = import_form.cleaned_data.get("skip_invalid_rows", False)
        return initial

    def import_action(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None)
        if not context:
            return response
        form, result = context.get("form"), context.get("result")
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

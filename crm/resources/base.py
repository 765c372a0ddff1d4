"""What the CRM import resources share: columns known in every language, the records a file
refers to loaded at the start, rows validated in memory, writes in bulk (see the package)."""

from __future__ import annotations

import datetime
import functools
import operator
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Model, QuerySet, signals
from django.db.models.base import ModelState
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext
from import_export import fields, resources
from import_export.exceptions import FieldError
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import Result, RowResult

from crm import widgets
from crm.import_formats import GUARD, gc_paused, strip_formula_guard
from crm.models import Affiliation, Person
from crm.resources.writes import HistoryWriter
from crm.widgets import chunked, in_every_language, is_blank, normalise_key

MODEL, MANY, AFFILIATION = "model", "many", "affiliation"
#: the record's ID (its primary key): exports write it, imports find the record by it
IDENTITY = "identity"
EXPORT_CHUNK_SIZE = 2000
Key = tuple[Any, ...]
#: the key of a row whose ID cannot be read (with the message)
BAD_ID = "bad-id"
#: the largest primary key (a 64-bit integer); a larger number in a file is no record's ID
MAX_ID = 2**63 - 1
#: The spreadsheet row of a file's first record: its headers are row 1.
FIRST_DATA_ROW = 2


def sheet_row(number: int) -> int:
    """The spreadsheet's number of import-export's row `number` (1 is the row under the headers).

    The formats keep blank rows in the middle of a file (`crm.import_formats`), so every record
    has the number staff see at the left of the spreadsheet."""
    return number + FIRST_DATA_ROW - 1


def constraint_message(model: type[Model], name: str) -> str:
    """The message of the model's constraint `name`, for a rule the import checks in memory
    before the database would."""
    return str(next(c for c in model._meta.constraints if c.name == name).violation_error_message)


def column_letter(index: int) -> str:
    """The spreadsheet's name of the column at `index` (0 → "A", 26 → "AA")."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def unnamed_columns(dataset: tablib.Dataset) -> list[str]:
    """The columns with cells but no header (under a merged header cell, say), which the import
    cannot read: named by their letter, to be listed with the other ignored columns."""
    found = []
    for index, header in enumerate(dataset.headers or []):
        if is_blank(header) and any(not is_blank(cell) for cell in dataset.get_col(index)):
            found.append(gettext("column %(letter)s, without a header") % {"letter": column_letter(index)})
    return found


class FileRefused(Exception):
    """An error of the whole file, told by its message alone on the import page."""


class SheetRowsResult(Result):
    """import-export's result, its invalid and failed rows numbered as the spreadsheet numbers them
    (the import page, the admin's messages and the project's own errors all show these numbers)."""

    def append_invalid_row(self, number: int, row: Any, validation_error: ValidationError) -> None:
        super().append_invalid_row(sheet_row(number), row, validation_error)

    def append_error_row(self, number: int, row: Any, errors: list[Any]) -> None:
        super().append_error_row(sheet_row(number), row, errors)

    def row_errors(self) -> list[tuple[int, list[Any]]]:
        # import-export counts the row results instead, which are its own numbers.
        return [(error_row.number, error_row.errors) for error_row in self.error_rows]


class Column(fields.Field):
    """A resource field that knows its headers in every language."""

    def __init__(
        self,
        model: type[Model],
        name: str,
        widget: Any,
        *,
        kind: str = MODEL,
        label: Any = None,
        attribute: str | None = None,
    ) -> None:
        """`attribute` is what an export writes, when it is not the field `name` (of the exported
        affiliation for the AFFILIATION kind)."""
        if attribute is None:
            attribute = f"_export_affiliation__{name}" if kind == AFFILIATION else name
        super().__init__(attribute=attribute, column_name=name, widget=widget)
        self.name = name
        self.kind = kind
        self.label = label or model._meta.get_field(name).verbose_name

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
    row: int  # in the spreadsheet (`sheet_row`)


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
    #: columns whose stored values stay when a row found its record by name (`load_by_name`): the
    #: row spells the name the same only up to letter case and spacing
    kept_when_found_by_name: tuple[str, ...] = ()
    #: the columns of a record's name (`name_key`)
    name_columns: tuple[str, ...] = ()
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
        self.writer = HistoryWriter(user=None, reason="")
        self.lookups: widgets.ImportLookups | None = None
        self.existing: dict[Key, Model | None] = {}
        self.keys_by_row: list[Key | None] = []
        self.ids_in_file: set[Key] = set()
        self.overlong_rows: frozenset[int] = frozenset()
        self.delimiter = ","
        self.claims: dict[Key, Claim] = {}
        self.pending = Pending()
        self._blank_values: dict[str, Any] | bool | None = None
        #: the spreadsheet row being imported (`sheet_row`)
        self.line = 0
        #: which sheet of a workbook of several was read (empty for one sheet, or a CSV file)
        self.sheet_note = ""

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
        self.bound_headers = [self.fields[n].column_name for n in self.bound]
        # What import_instance needs of each model column, looked up once per import.
        self.cell_plan = [
            (n, self.memo.get(n), self.model_fields[n].attname, self.model_fields[n].is_relation)
            for n in self.model_columns
        ]
        # full_clean skips what the cells checked, and relations (checked against the lookups).
        self.checked_fields = set(self.model_columns) | {
            f.name for f in opts.concrete_fields if f.is_relation
        }

    def column_header(self, name: str) -> str:
        column = self.fields.get(name)
        return str(column.column_name) if column else name

    def cells(self, dataset: tablib.Dataset, name: str) -> list[Any]:
        if name not in self.bound:
            return []
        index = list(dataset.headers).index(self.fields[name].column_name)
        return [strip_formula_guard(value) for value in dataset.get_col(index)]

    def get_result_class(self) -> type[Result]:
        return SheetRowsResult

    def get_diff_headers(self) -> list[str]:
        return [str(self.fields[name].column_name) for name in self.bound]

    def get_user_visible_fields(self) -> list[fields.Field]:
        return list(self.fields.values())

    def _check_import_id_fields(self, headers: Any) -> None:
        try:
            self._check_columns(headers)
        except FieldError as error:
            # Another sheet than the one meant, perhaps.
            raise FieldError(f"{error} {self.sheet_note}".strip()) from None

    def _check_columns(self, headers: Any) -> None:
        if not self.bound:
            self.fatal = True
            known = ", ".join(column.header() for column in self.fields.values())
            if not any(not is_blank(header) for header in headers or []):
                raise FieldError(
                    gettext(
                        "The first row of the file is empty. The column headers go in the first row, "
                        "as an export writes them, such as: %(headers)s."
                    )
                    % {"headers": known}
                )
            raise FieldError(
                gettext(
                    "None of the file's columns is known. The first row holds the column headers; use "
                    "those of an export, such as: %(headers)s."
                )
                % {"headers": known}
            )
        # The ID alone is not enough: a row must also say which record it means (`matches_record`).
        groups = [group for group in self.identity_columns if group != ("id",)]
        if groups and not any(all(name in self.bound for name in group) for group in groups):
            self.fatal = True
            options = [" + ".join(self.fields[n].header() for n in group) for group in groups]
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
        self.writer = HistoryWriter(user=self.user, reason=self.change_reason)
        self.fatal = False
        sheets = getattr(dataset, "sheets", None) or []
        self.sheet_note = (
            gettext(
                "The workbook has several sheets (%(names)s); the import read “%(name)s”, the one open "
                "when the workbook was saved."
            )
            % {"names": ", ".join(sheets), "name": dataset.title}
            if len(sheets) > 1
            else ""
        )
        self.bind_columns(dataset.headers or [])
        self.unknown_headers += unnamed_columns(dataset)
        # Rows of a CSV file with cells to the right of the last header (`_rectangular`).
        self.overlong_rows = frozenset(getattr(dataset, "overlong_rows", ()))
        self.delimiter = getattr(dataset, "delimiter", ",")
        with gc_paused():
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
        result.sheet_note = self.sheet_note
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
        self.ids_in_file = set()

    def load_existing(self, dataset: tablib.Dataset) -> None:
        """Work out every row's key, load the records rows give by their ID, then those they name
        otherwise (`load_records`)."""
        names = [name for group in self.identity_columns for name in group if name in self.bound]
        columns = [self.cells(dataset, name) for name in names]
        self.keys_by_row = [
            self.identity_key(dict(zip(names, cells, strict=True))) for cells in zip(*columns, strict=True)
        ]
        keys = {key for key in self.keys_by_row if key is not None}
        self.ids_in_file = {key for key in keys if key[0] == "pk"}
        by_id = [key[1] for key in keys if key[0] == "pk"]
        for batch in chunked(by_id):
            for record in self.records().filter(pk__in=batch):
                self.existing[("pk", record.pk)] = record
        # The names that rows given by their ID write (a rename): a row without an ID that gives
        # one is refused rather than added as a second record of that name (`locate`).
        self.names_of_rows_with_id: dict[Key, tuple[int, int]] = {}
        for index, (key, cells) in enumerate(zip(self.keys_by_row, zip(*columns, strict=True), strict=True)):
            if key is not None and key[0] == "pk":
                named = self.name_key(dict(zip(names, cells, strict=True)))
                if named is not None:
                    self.names_of_rows_with_id.setdefault(named, (sheet_row(index + 1), key[1]))
        self.load_records(dataset, keys)

    def identity_key(self, values: dict[str, Any]) -> Key | None:
        """The row's key: its record's ID when it gives one (`("pk", id)`), else `row_key`'s."""
        raw = values.get("id")
        if is_blank(raw):
            return self.row_key(values)
        try:
            pk = widgets.IntegerWidget().clean(raw)
        except ValueError as exc:
            return (BAD_ID, str(exc))
        if pk is None or not 0 < pk <= MAX_ID:
            return (BAD_ID, gettext("“%(value)s” is not a record's ID.") % {"value": raw})
        return ("pk", pk)

    def name_key(self, values: dict[str, Any]) -> Key | None:
        """The key by which a row without its record's code or e-mail address is found (its name)."""
        return None

    def matches_record(self, record: Model, values: dict[str, Any]) -> bool:
        """Whether a row given by the record's ID says anything that only this record says: its
        code or e-mail address, or its name. A file whose IDs are another list's (another system's
        numbers, the other resource's export) says none of these and is refused, not imported over
        unrelated records."""
        return True

    def records(self) -> QuerySet:
        """The records an import may update, with what a row compares (`load_records`)."""
        return self._meta.model.objects.all()

    def loaded(self) -> dict[int, Model]:
        """The records loaded so far, by primary key: a record a row gives by its ID and another row
        by its code is one instance."""
        return {record.pk: record for record in self.existing.values() if record is not None}

    def load_by_unique(self, dataset: tablib.Dataset, keys: set[Key]) -> None:
        """Load the records whose unique value (`unique_column`) rows are keyed by, or rows given
        by their ID write (another record may have it); a record loaded by its ID stays one
        instance."""
        values = {key[1] for key in keys if key[0] == self.unique_kind}
        cells = self.cells(dataset, self.unique_column)
        for cell, key in zip(cells, self.keys_by_row, strict=False):
            if key is not None and key[0] == "pk":
                written = self.row_key({self.unique_column: cell})
                if written is not None and written[0] == self.unique_kind:
                    values.add(written[1])
        loaded = self.loaded()
        for batch in chunked(sorted(values)):
            for record in self.records().filter(**{f"{self.unique_column}__in": batch}):
                self.existing[self.unique_key(record)] = loaded.get(record.pk, record)

    #: the column of the value no two records share (a legal entity code, an e-mail address), and
    #: the kind of row key it makes (`row_key`)
    unique_column = ""
    unique_kind = ""

    def unique_key(self, instance: Model) -> Key | None:
        """The key of the record's unique value (`unique_column`), as `row_key` makes it; None
        when the record has none."""
        return None

    def check_unique(self, instance: Model, held: Key, errors: dict[str, list]) -> None:
        """A row given by its ID that changes its record's unique value (fills in a missing legal
        entity code, corrects an e-mail address) may not take one that another record has, or that
        an earlier row of the file gave."""
        claim = self.claims.get(held)
        if claim is not None and claim.instance is not instance:
            message = gettext("Row %(row)s already gives this value to another record.")
            errors[self.unique_column] = [message % {"row": claim.row}]
            return
        owner = self.existing.get(held)
        if owner is not None and owner is not instance:
            message = gettext("Another record has this value: %(record)s (ID %(id)s).")
            errors[self.unique_column] = [message % {"record": owner, "id": owner.pk}]

    def load_records(self, dataset: tablib.Dataset, keys: set[Key]) -> None:
        """Fill `self.existing` (key → instance, None when several records match)."""
        raise NotImplementedError

    def row_key(self, values: dict[str, Any]) -> Key | None:
        raise NotImplementedError

    def load_by_name(
        self, keys: set[Key], *, names: QuerySet, key: Callable[..., Iterable[Key]], records: QuerySet
    ) -> None:
        """Find the records that rows name, by names that match up to letter case and spacing.

        The database cannot compare so (it keeps the spacing, and how it folds the case of
        Lithuanian letters depends on the backend and the database's locale), so `names`, a
        values_list of the primary key and the name's columns, is read in one streamed query and
        compared here: `key` makes the row keys of a record's name columns (a record without a
        code is found by its name, and also as one without a code, `namesake_key`). A key that
        several records have is marked None (the row must say which); the records found are taken
        from those already loaded, or loaded from `records` a few thousand a query."""
        if not keys:
            return
        found: dict[Key, list[int]] = {}
        for pk, *columns in names.iterator(chunk_size=EXPORT_CHUNK_SIZE):
            for row_key in key(*columns):
                if row_key in keys:
                    found.setdefault(row_key, []).append(pk)
        loaded = {record.pk: record for record in self.existing.values() if record is not None}
        wanted: dict[int, list[Key]] = {}
        for row_key, pks in found.items():
            if len(pks) > 1:
                self.existing[row_key] = None
            elif pks[0] in loaded:  # found by another key of the file
                self.existing[row_key] = loaded[pks[0]]
            else:
                wanted.setdefault(pks[0], []).append(row_key)
        for batch in chunked(list(wanted)):
            for record in records.filter(pk__in=batch):
                for row_key in wanted[record.pk]:
                    self.existing[row_key] = record

    def namesake_key(self, values: dict[str, Any]) -> Key | None:
        """The key by which the records stored without a code or e-mail address (`unique_column`)
        that have the row's name are loaded (`load_by_name`): a row giving a code that no record
        has may be of one of them, the code filled in (`find_namesake`)."""
        return None

    def namesake_keys(self, dataset: tablib.Dataset) -> set[Key]:
        """The `namesake_key`s of the rows keyed by a code or address that no record has."""
        columns = [name for name in self.name_columns if name in self.bound]
        if not columns:
            return set()
        cells = [self.cells(dataset, name) for name in columns]
        keys = set()
        for key, row in zip(self.keys_by_row, zip(*cells, strict=True), strict=True):
            if key is not None and key[0] == self.unique_kind and key not in self.existing:
                named = self.namesake_key(dict(zip(columns, row, strict=True)))
                if named is not None:
                    keys.add(named)
        return keys

    def find_namesake(self, values: dict[str, Any]) -> Model | None:
        """The record stored without a code or address that a row giving one no record has names:
        the row fills it in, instead of adding a second record of that name. Several such
        namesakes, or one that an earlier row found by its name, make the rows say which by the
        ID; one that a row gives by its ID leaves this row a new record."""
        named = self.namesake_key(values)
        if named is None or named not in self.existing:
            return None
        record = self.existing[named]
        if record is not None and ("pk", record.pk) in self.ids_in_file:
            return None  # a row gives it by its ID: this row is another, new record
        claim = self.claims.get(("pk", record.pk)) if record is not None else None
        if record is None or claim is not None:
            raise ValidationError({self.unique_column: [self.namesakes_error(values, record, claim)]})
        return record

    def namesakes_error(self, values: dict[str, Any], record: Model | None, claim: Claim | None) -> str:
        """Why a row giving a new code or address cannot fill it in for a record of its name
        (`find_namesake`): several have the name (`record` None), or an earlier row (`claim`) gave
        the one that has."""
        raise NotImplementedError

    def import_row(self, row: dict[str, Any], instance_loader: Any, **kwargs: Any) -> RowResult:
        number = kwargs.get("row_number") or 0  # import-export's: 1 for the row under the headers
        line = sheet_row(number)  # the number staff read in the messages
        self.line = line
        row_result = self.get_row_result_class()()
        row_result.import_type = RowResult.IMPORT_TYPE_SKIP
        values = {
            name: strip_formula_guard(value) if value.__class__ is str and value[:1] == GUARD else value
            for name, value in zip(self.bound, map(row.get, self.bound_headers), strict=True)
        }
        if self.fatal:
            return row_result
        if number - 1 in self.overlong_rows:
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            message = gettext(
                "The row has more cells than the header row: perhaps a value with “%(delimiter)s” in it "
                "is not in quotation marks?"
            )
            row_result.validation_error = ValidationError(
                {NON_FIELD_ERRORS: [message % {"delimiter": self.delimiter}]}
            )
            return row_result
        if all(is_blank(value) for value in values.values()):
            return row_result  # blank lines are skipped, not errors
        instance, restore = None, None
        try:
            key = (
                self.keys_by_row[number - 1] if 0 < number <= len(self.keys_by_row) else self.row_key(values)
            )
            try:
                instance, new, claim = self.locate(key, values, line)
            except ValidationError as error:
                raise self.with_cell_errors(error, values) from None
            before = self.state(instance)
            restore = None if new else before
            shown_before = self.render_cells(instance) if number <= self.preview_rows and not new else None
            held_before = None if new else self.unique_key(instance)
            errors = self.import_instance(instance, values, new=new, key=key)
            held = self.unique_key(instance)
            if held is not None and held != held_before and self.unique_column not in errors:
                self.check_unique(instance, held, errors)
            relation = self.import_relations(instance, key, values, errors, new=new)
            changed = new or self.state(instance) != before
            if claim is not None and changed and not errors:
                errors.setdefault(NON_FIELD_ERRORS, []).append(self.repeat_error(key, claim))
            if not errors and not changed and self.relation_unchanged(instance, relation):
                row_result.import_type = RowResult.IMPORT_TYPE_SKIP
            else:
                self.validate_instance(instance, errors)
                self.accept(instance, key, relation, new=new, changed=changed, line=line, **kwargs)
                row_result.import_type = RowResult.IMPORT_TYPE_NEW if new else RowResult.IMPORT_TYPE_UPDATE
            if key is not None and claim is None:
                self.claims[key] = Claim(instance, line)
                # The record by its ID and by its code as well: a later row finding it by another
                # key is a repeat of this one.
                for other in (("pk", instance.pk) if instance.pk else None, held):
                    if other is not None:
                        self.claims.setdefault(other, self.claims[key])
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
            row_result.errors.append(self.get_error_result_class()(error, row=row, number=line))
        return row_result

    def locate(self, key: Key | None, values: dict[str, Any], line: int) -> tuple[Model, bool, Claim | None]:
        """The instance a row updates (existing or claimed by an earlier row) or a new one."""
        if key is not None and key in self.claims:
            claim = self.claims[key]
            self.check_repeat(key, claim)
            return claim.instance, False, claim
        if key is not None and key[0] == BAD_ID:
            raise ValidationError({"id": [key[1]]})
        instance = self.existing.get(key) if key is not None else None
        if instance is None and key is not None and key[0] == self.unique_kind and key not in self.existing:
            instance = self.find_namesake(values)
        if key is not None and key[0] == "name" and key in self.names_of_rows_with_id:
            row, pk = self.names_of_rows_with_id[key]
            if instance is None or instance.pk != pk:
                message = gettext(
                    "Row %(row)s gives this name to the record with the ID %(id)s; give the ID in this "
                    "row too, or another name."
                )
                raise ValidationError({NON_FIELD_ERRORS: [message % {"row": row, "id": pk}]})
        if instance is not None:
            # Found by another key than the one an earlier row used for it (its ID, say).
            claim = self.claims.get(("pk", instance.pk))
            if claim is not None:
                if key[0] == self.unique_kind and key != self.unique_key(claim.instance):
                    # The code or address is the one that an earlier row took from this record.
                    message = gettext(
                        "Row %(row)s gives %(record)s (ID %(id)s) another value in this column: a value "
                        "goes from one record to another in two imports, first freed, then given."
                    )
                    raise ValidationError(
                        {
                            self.unique_column: [
                                message % {"row": claim.row, "record": instance, "id": instance.pk}
                            ]
                        }
                    )
                self.check_repeat(("pk", instance.pk), claim)
                return claim.instance, False, claim
            if key[0] == "pk" and not self.matches_record(instance, values):
                message = gettext(
                    "The ID %(id)s is of %(record)s, whose name and identifying code this row does not "
                    "give: check that the IDs come from an export of this list, or leave them empty."
                )
                raise ValidationError({"id": [message % {"id": instance.pk, "record": instance}]})
            return instance, False, None
        if key is not None and key[0] == "pk":
            message = gettext(
                "No record has the ID %(id)s: it may have been deleted or merged into another. Leave "
                "the ID empty to add the row as a new record."
            )
            raise ValidationError({"id": [message % {"id": key[1]}]})
        if key is not None and key in self.existing:  # several records match: refuse to guess
            raise ValidationError({NON_FIELD_ERRORS: [self.ambiguous_error(key)]})
        return self.new_instance(), True, None

    def with_cell_errors(self, error: ValidationError, values: dict[str, Any]) -> ValidationError:
        """A row refused before its record is known (an unknown ID, a name of two records): the
        errors of its cells too, so that staff correct the row once rather than cell by cell. Empty
        cells are not judged: which of them a record needs depends on the record."""
        cell_errors = self.import_instance(self.new_instance(), values, new=False)
        if not cell_errors:
            return error
        merged = error.update_error_dict({})
        for name, found in cell_errors.items():
            merged.setdefault(name, []).extend(found)
        return ValidationError(merged)

    def new_instance(self) -> Model:
        """A new record with its fields' defaults. `Model()` works them out field by field for every
        row; a copy of the attributes of one made at the start gives the same record, unless a
        default is computed (callable) or something listens to the model's init signals."""
        model = self._meta.model
        if self._blank_values is None:
            opts = model._meta
            computed = any(callable(f.default) for f in opts.concrete_fields if f.has_default())
            listened = signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)
            blank = model()
            self._blank_values = (
                False if computed or listened else {k: v for k, v in blank.__dict__.items() if k != "_state"}
            )
        if self._blank_values is False:
            return model()
        instance = model.__new__(model)
        instance.__dict__.update(self._blank_values)
        instance._state = ModelState()
        return instance

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
        self, instance: Model, values: dict[str, Any], *, new: bool = True, key: Key | None = None
    ) -> dict[str, list]:
        """Clean every model cell through its widget and model field (what `clean_fields` does).

        Columns with few distinct values (choices, numbers, dates, yes/no, municipalities)
        are cleaned once per distinct value: the result does not depend on the row. `key` is
        the row's key (`row_key`), by which the record was found."""
        if not new and key is not None and key[0] == "name":
            values = values | {n: getattr(instance, n) for n in self.kept_when_found_by_name if n in values}
        elif not new and key is not None and key[0] == self.unique_kind and self.unique_key(instance) is None:
            # Found by its name, stored without the code or address the row fills in (`find_namesake`).
            kept = [n for n in self.kept_when_found_by_name if n != self.unique_column]
            values = values | {n: getattr(instance, n) for n in kept if n in values}
        errors: dict[str, list] = {}
        for name, memo, attname, is_relation in self.cell_plan:
            raw = values[name]
            if not new and is_blank(raw):
                # An empty cell erases nothing, nor puts a default in place of what is stored
                # (a hidden organisation shown, a consent withdrawn): an import adds and corrects,
                # and staff erase a value in the record's page. A new record takes the defaults.
                continue
            if memo is None:
                outcome = self.cell_outcome(name, raw)
            else:
                seen = (raw.__class__, raw)  # the type too: 1 == True, but True is not a number
                outcome = memo.get(seen)
                if outcome is None:
                    outcome = memo[seen] = self.cell_outcome(name, raw)
            ok, value = outcome
            if not ok:
                errors[name] = value
            elif is_relation:
                if getattr(instance, attname) != (value.pk if value else None):
                    setattr(instance, name, value)
            elif new or not equivalent(getattr(instance, attname), value):
                setattr(instance, attname, value)
        return errors

    def cell_outcome(self, name: str, raw: Any) -> tuple[bool, Any]:
        """(True, the cleaned value) or (False, the error messages)."""
        try:
            return True, self.clean_cell(name, raw)
        except ValueError as exc:
            return False, [str(exc)]
        except ValidationError as exc:
            return False, exc.messages

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
        cell_errors = import_validation_errors or {}
        errors = dict(cell_errors)
        exclude = self.checked_fields | set(errors) if errors else self.checked_fields
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, found in exc.update_error_dict({}).items():
                # A cell that could not be read was left unset: what the model's rules then say of
                # its field ("Record how the consent was given") is not so; the cell's error is.
                if name not in cell_errors:
                    errors.setdefault(name, []).extend(found)
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
        line: int,
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
        cells = {
            name: str(self.fields[name].widget.render(getattr(instance, name)) or "")
            for name in self.model_columns
        }
        if "id" in self.bound:
            cells["id"] = str(instance.pk or "")
        return cells

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
                self.writer.create(
                    self.create_instances, self._meta.model, batch_size=batch_size or self._meta.batch_size
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
                self.writer.update(
                    self.update_instances,
                    self._meta.model,
                    [*self.model_columns, "updated_at"],
                    batch_size=self.update_batch_size,
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

    def before_export(self, queryset: Any, **kwargs: Any) -> None:
        # A new export (import-export's `export()` and `export_rows` both start here): its plan is
        # made again, in this export's language.
        self._export_plan = None
        super().before_export(queryset, **kwargs)

    def export_resource(self, instance: Any, selected_fields: Any = None, **kwargs: Any) -> list[Any]:
        """One exported row. As import-export's, but which columns and how each is read (its
        `dehydrate_…` method or its widget) is worked out once per export, not once a row; and
        a column of a few values (yes/no, a choice) renders each value once per export, in the
        export's language, instead of translating its label again on every row."""
        # Of the keyword arguments (the admin passes the form, the encoding…), the widgets read
        # only `force_native_type` (binary formats get native values).
        native = bool(kwargs.get("force_native_type"))
        key = (tuple(selected_fields) if selected_fields else None, native)
        plan = getattr(self, "_export_plan", None)
        if plan is None or plan[0] != key:
            steps = []
            for column in self.get_export_fields(selected_fields):
                method = column.get_dehydrate_method(self.get_field_name(column))
                method = method if callable(method) else getattr(self, method, None)
                if method is None and isinstance(column.widget, FEW_VALUES_WIDGETS):
                    method = _rendered_once(column, native=native)
                steps.append((column, method))
            plan = (key, steps)
            self._export_plan = plan
        return [
            method(instance) if method is not None else column.export(instance, **kwargs)
            for column, method in plan[1]
        ]

    def export_rows(self, queryset: Any = None, **kwargs: Any) -> tuple[list[str], Iterator[list[Any]]]:
        """`export()` without building the dataset: the headers and a generator of the rows, for
        a download streamed row by row (`crm.resources.admin`)."""
        self.before_export(queryset, **kwargs)
        if queryset is None:
            queryset = self.get_queryset()
        queryset = self.filter_export(queryset, **kwargs)
        fields = kwargs.get("export_fields")
        rows = (
            self.export_resource(instance, selected_fields=fields, **kwargs)
            for instance in self.iter_queryset(queryset)
        )
        return self.get_export_headers(selected_fields=fields), rows

    def iter_queryset(self, queryset: Any) -> Iterator[Any]:
        # import-export pages a prefetching queryset with OFFSET (a query re-sorting the whole table
        # per page); Django's iterator prefetches chunk by chunk at a constant cost per chunk.
        if isinstance(queryset, QuerySet):
            yield from queryset.iterator(chunk_size=EXPORT_CHUNK_SIZE)
        else:
            yield from queryset


# Widgets whose columns hold a few distinct values, each rendered the same way on every row.
FEW_VALUES_WIDGETS = (widgets.BooleanWidget, widgets.ChoiceWidget)


def _rendered_once(column: fields.Field, *, native: bool) -> Any:
    """`column.export`, each distinct value rendered once (for a column of a few values)."""
    render = functools.cache(functools.partial(column.widget.render, force_native_type=native))
    return lambda instance: render(column.get_value(instance))


def equivalent(old: Any, new: Any) -> bool:
    """Whether an imported value means what is stored: text up to its line endings (uploads turn
    CRLF into LF), and times as exports write them, the site's clock time to the second. So a time
    in the hour the clocks repeat in autumn, which the file cannot tell from the same time an hour
    before, is the stored one; and so is a time to the minute, as a spreadsheet program shows it
    and writes it back, when the stored one is less than a minute from it."""
    if old == new:
        return True
    if isinstance(old, datetime.datetime) and isinstance(new, datetime.datetime):
        if new.microsecond:
            return False
        stored = timezone.localtime(old).replace(microsecond=0, tzinfo=None)
        given = timezone.localtime(new).replace(tzinfo=None)  # naive times compare without their fold
        # To the minute: cut (10:15:37 → 10:15) or rounded (→ 10:16), as programs differ.
        return stored == given or (given.second == 0 and abs(stored - given) < datetime.timedelta(minutes=1))
    if isinstance(old, str) and isinstance(new, str):
        return old.replace("\r\n", "\n") == new.replace("\r\n", "\n")
    return False

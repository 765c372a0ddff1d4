"""Writing the records of an import: many rows a statement, with their history records.

`bulk_create` prepares every value of every row through its field, and on SQLite puts at most
999 values in one statement (37 organisations); with the history records that was more than half
of an import's time. Here each field prepares a value once per distinct value (strings of plain
text fields need nothing), and up to a thousand rows go in one statement.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import CharField, Model, TextField
from django.db.models import Field as ModelField
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, get_history_manager_for_model

from crm import history as kept_links
from crm.fields import NormalisingCharField
from crm.widgets import chunked

ROWS_PER_INSERT = 1000
PREPARED_VALUES_KEPT = 10_000
_REMEMBERED_TYPES = frozenset({type(None), bool, int, str, datetime.date, datetime.datetime})
_MISSING = object()


def _sends_text_unchanged(model_field: ModelField) -> bool:
    """Whether the field gives the database a `str` exactly as it is."""
    cls = type(model_field)
    if (
        cls.get_db_prep_save is not ModelField.get_db_prep_save
        or cls.get_db_prep_value is not ModelField.get_db_prep_value
    ):
        return False
    if cls.get_prep_value is NormalisingCharField.get_prep_value:
        return True
    return (cls.get_prep_value, cls.to_python) in (
        (CharField.get_prep_value, CharField.to_python),
        (TextField.get_prep_value, TextField.to_python),
    )


def value_preparer(model_field: ModelField, connection: Any) -> Callable[[Any], Any]:
    """What `bulk_create` sends for a value (`get_db_prep_save`), worked out once per distinct value."""
    prepare = model_field.get_db_prep_save
    text_unchanged = _sends_text_unchanged(model_field)
    prepared_values: dict[tuple[type, Any], Any] = {}

    def prepared(value: Any) -> Any:
        kind = value.__class__
        if kind is str and text_unchanged:
            return value
        if kind not in _REMEMBERED_TYPES:
            return prepare(value, connection)
        key = (kind, value)  # the type too: True == 1, and a date is not its datetime
        result = prepared_values.get(key, _MISSING)
        if result is _MISSING:
            result = prepare(value, connection)
            if len(prepared_values) < PREPARED_VALUES_KEPT:
                prepared_values[key] = result
        return result

    return prepared


class RowInserter:
    """INSERTs of many rows into one model's table, the values given in the order of `model_fields`
    (plain values, not expressions).

    On PostgreSQL the rows go in as one array per column (`INSERT … SELECT * FROM UNNEST(…)`, as
    bulk_create does there): psycopg then binds a few parameters instead of one per value, which
    cost more than the insert itself. Elsewhere: many rows of `VALUES (…), (…)` per statement."""

    def __init__(self, model: type[Model], model_fields: Sequence[ModelField], connection: Any) -> None:
        self.connection = connection
        self.model_fields = list(model_fields)
        self.preparers = [value_preparer(f, connection) for f in model_fields]
        quote = connection.ops.quote_name
        # Table and column names come from the models, never from the file.
        into = "INSERT INTO {} ({})".format(
            quote(model._meta.db_table), ", ".join(quote(f.column) for f in model_fields)
        )
        self.head = f"{into} VALUES "
        self.row_placeholders = "(" + ", ".join(["%s"] * len(model_fields)) + ")"
        self.unnest = None
        if connection.vendor == "postgresql" and all(
            not hasattr(f, "get_placeholder")
            and (f.target_field if f.is_relation else f).get_internal_type() in connection.data_types
            for f in model_fields
        ):
            # Array types without their size, as bulk_create casts them (varchar[], not varchar(50)[]).
            arrays = ", ".join(f"(%s)::{f.db_type(connection).split('(')[0]}[]" for f in model_fields)
            self.unnest = f"{into} SELECT * FROM UNNEST({arrays})"  # noqa: S608 - names and types, no data
        if connection.vendor == "sqlite":
            import sqlite3

            connection.ensure_connection()
            limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        else:
            limit = connection.features.max_query_params or 65535
        self.rows_per_insert = max(1, min(ROWS_PER_INSERT, limit // len(model_fields)))

    def prepare(self, values: Iterable[Any]) -> list[Any]:
        """One row's values as the database gets them."""
        return [prepare(value) for prepare, value in zip(self.preparers, values, strict=True)]

    def insert(self, rows: Iterable[Sequence[Any]], returning: ModelField | None = None) -> list[Any]:
        """Insert prepared rows; with `returning`, give back that column of each new row, in order."""
        suffix, suffix_params = "", ()
        if returning is not None:
            suffix, suffix_params = self.connection.ops.return_insert_columns([returning])
        returned: list[Any] = []
        with self.connection.cursor() as cursor:
            for batch in chunked(rows, self.rows_per_insert):
                if self.unnest:
                    sql = self.unnest
                    params = [list(column) for column in zip(*batch, strict=True)]
                else:
                    sql = self.head + ", ".join([self.row_placeholders] * len(batch))
                    params = [value for row in batch for value in row]
                cursor.execute(f"{sql} {suffix}" if suffix else sql, [*params, *suffix_params])
                if returning is not None:
                    # Like bulk_create, this relies on the rows coming back in the order given.
                    returned += [row[0] for row in self.connection.ops.fetch_returned_insert_rows(cursor)]
        return returned


HISTORY_FIELDS = ("history_date", "history_change_reason", "history_type", "history_user_id")


def _own_fields(model: type[Model]) -> list[ModelField]:
    """The columns an INSERT of a new record gives: all but the primary key and generated ones."""
    opts = model._meta
    return [f for f in opts.concrete_fields if f is not opts.pk and not f.generated]


def _values_getter(model_fields: Sequence[ModelField]) -> Callable[[Model], tuple[Any, ...]]:
    getter = operator.attrgetter(*[f.attname for f in model_fields])
    return getter if len(model_fields) > 1 else lambda instance: (getter(instance),)


class HistoryWriter:
    """Creates and updates many records of an import, each with its history record (the importing
    user and the reason), as `bulk_create_with_history` and `bulk_update_with_history` do.

    Of a model whose history keeps links (an organisation's sectors and tags), the history records
    written are noted (`versions`), to be given their links once the import has written them
    (`link_history`)."""

    def __init__(self, *, user: Any, reason: str) -> None:
        self.user, self.reason = user, reason
        self.creators: dict[type[Model], RowInserter | None] = {}
        self.historians: dict[type[Model], RowInserter | None] = {}
        self.linkers: dict[type[Model], RowInserter] = {}
        self.link_historians: dict[type[Model], RowInserter] = {}
        #: model → [(record's primary key, its history record's id)], for models keeping links
        self.versions: dict[type[Model], list[tuple[Any, Any]]] = {}

    def _keeps_links(self, model: type[Model]) -> bool:
        return bool(kept_links.tracked_links(model))

    def _noted(self, model: type[Model], pairs: Iterable[tuple[Any, Any]]) -> None:
        self.versions.setdefault(model, []).extend(pairs)

    def create(self, instances: list[Model], model: type[Model], *, batch_size: int) -> None:
        """Insert new records (they get their primary keys) and their "+" history records."""
        if not instances:
            return
        if model not in self.creators:
            self.creators[model] = self._creator(model)
        inserter = self.creators[model]
        if inserter is None or any(instance.pk is not None for instance in instances):
            bulk_create_with_history(
                instances,
                model,
                batch_size=batch_size,
                default_user=self.user,
                default_change_reason=self.reason,
            )
            if self._keeps_links(model) and getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
                self._note_latest(model, [instance.pk for instance in instances])
            return
        pk = model._meta.pk
        for instance in instances:  # as bulk_create: related records assigned must have been saved
            instance._prepare_related_fields_for_save(operation_name="bulk_create")
        for model_field in inserter.model_fields:
            if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
                now = model_field.pre_save(instances[0], add=True)
                for instance in instances:
                    setattr(instance, model_field.attname, now)
        values = _values_getter(inserter.model_fields)
        rows = [inserter.prepare(values(instance)) for instance in instances]
        alias = inserter.connection.alias
        with transaction.atomic(using=alias, savepoint=False):
            keys = inserter.insert(rows, returning=pk)
            for instance, key in zip(instances, keys, strict=True):
                setattr(instance, pk.attname, key)
                instance._state.adding = False
                instance._state.db = alias
            if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
                return
            historian = self._historian(model)
            if historian is None:
                self.history(instances, model, "+")
                return
            # The history table repeats the record's columns, in the same order after the primary
            # key (see `_historian`): the values prepared for the record serve again.
            prepare_key = historian.preparers[0]
            extra = [
                prepare(value)
                for prepare, value in zip(
                    historian.preparers[-len(HISTORY_FIELDS) :],
                    self._history_values(model, instances, "+"),
                    strict=True,
                )
            ]
            history_ids = historian.insert(
                ([prepare_key(key), *row, *extra] for key, row in zip(keys, rows, strict=True)),
                returning=self._history_key(model),
            )
            if history_ids:
                self._noted(model, zip(keys, history_ids, strict=True))

    def update(
        self, instances: list[Model], model: type[Model], names: list[str], *, batch_size: int
    ) -> None:
        """`bulk_update` the given fields and write the "~" history records."""
        with transaction.atomic(using=router.db_for_write(model), savepoint=False):
            if names:
                model._default_manager.bulk_update(instances, names, batch_size=batch_size)
            self.history(instances, model, "~")

    def history(self, instances: list[Model], model: type[Model], history_type: str) -> None:
        """Write a history record of each instance as it is now ("+" created, "~" changed)."""
        if not instances or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            return
        historian = self._historian(model)
        if historian is None:
            written = get_history_manager_for_model(model).bulk_history_create(
                instances,
                update=history_type == "~",
                default_user=self.user,
                default_change_reason=self.reason,
            )
            if self._keeps_links(model):
                self._noted(model, ((record.pk, record.history_id) for record in written))
            return
        values = _values_getter([model._meta.pk, *_own_fields(model)])
        extra = self._history_values(model, instances, history_type)
        history_ids = historian.insert(
            (historian.prepare([*values(instance), *extra]) for instance in instances),
            returning=self._history_key(model),
        )
        if history_ids:
            self._noted(model, zip((instance.pk for instance in instances), history_ids, strict=True))

    def _history_key(self, model: type[Model]) -> ModelField | None:
        """The history table's primary key, to be given back by its INSERTs, for a model whose
        history keeps links."""
        return get_history_manager_for_model(model).model._meta.pk if self._keeps_links(model) else None

    def _note_latest(self, model: type[Model], pks: list[Any]) -> None:
        """Note the latest history records of these records (written by simple-history)."""
        history = get_history_manager_for_model(model).model
        latest: dict[Any, Any] = {}
        for batch in chunked(pks):
            for pk, history_id in history.objects.filter(
                **{f"{model._meta.pk.attname}__in": batch}
            ).values_list(model._meta.pk.attname, "history_id"):
                latest[pk] = max(history_id, latest.get(pk, history_id))
        self._noted(model, latest.items())

    def link(
        self,
        through: type[Model],
        own: str,
        other: str,
        pairs: Iterable[tuple[Any, Any]],
        *,
        ids: bool = False,
    ) -> list[Any]:
        """Insert rows of a many-to-many table: (owner's id, target's id) pairs; with `ids`, give
        back the new rows' primary keys, in order."""
        if through not in self.linkers:
            model_fields = [through._meta.get_field(own), through._meta.get_field(other)]
            connection = connections[router.db_for_write(through)]
            self.linkers[through] = RowInserter(through, model_fields, connection)
        inserter = self.linkers[through]
        return inserter.insert(
            (inserter.prepare(pair) for pair in pairs), returning=through._meta.pk if ids else None
        )

    def link_history(self, model: type[Model], name: str, links: dict[Any, list[tuple[Any, Any]]]) -> None:
        """Give each history record written of `model` the links of its field `name` that its
        record has now, as simple-history keeps them with each record it writes: `links` is
        record's id → [(link row's id, target's id)], for every record written with links."""
        if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            return
        kept = kept_links.links_model(model, name)
        if kept not in self.link_historians:
            field = model._meta.get_field(name)
            own, other = field.m2m_field_name(), field.m2m_reverse_field_name()
            model_fields = [kept._meta.get_field(n) for n in ("id", "history", own, other)]
            connection = connections[router.db_for_write(kept)]
            self.link_historians[kept] = RowInserter(kept, model_fields, connection)
        inserter = self.link_historians[kept]
        inserter.insert(
            inserter.prepare((link_id, history_id, pk, target))
            for pk, history_id in self.versions.get(model, ())
            for link_id, target in links.get(pk, ())
        )

    def _creator(self, model: type[Model]) -> RowInserter | None:
        """The model's inserter, if the database gives back the new primary keys."""
        connection = connections[router.db_for_write(model)]
        opts = model._meta
        if not (connection.features.can_return_rows_from_bulk_insert and opts.pk in opts.db_returning_fields):
            return None
        return RowInserter(model, _own_fields(model), connection)

    def _historian(self, model: type[Model]) -> RowInserter | None:
        """The history table's inserter: the record's primary key, its other columns in the order of
        `_own_fields`, then HISTORY_FIELDS. None for a history model with other columns than these
        (simple-history then writes the records)."""
        if model not in self.historians:
            history = get_history_manager_for_model(model).model
            names = [f.attname for f in [model._meta.pk, *_own_fields(model)]]
            by_attname = {f.attname: f for f in history._meta.concrete_fields}
            expected = {*names, *HISTORY_FIELDS, history._meta.pk.attname}
            tracked = {f.attname for f in history.tracked_fields}
            self.historians[model] = (
                RowInserter(
                    history,
                    [by_attname[n] for n in [*names, *HISTORY_FIELDS]],
                    connections[router.db_for_write(history)],
                )
                if tracked == set(names) and set(by_attname) == expected
                else None
            )
        return self.historians[model]

    def _history_values(self, model: type[Model], instances: list[Model], history_type: str) -> tuple:
        """The values of HISTORY_FIELDS, the same for all the records written at once."""
        user = self.user
        if user is None:  # as simple-history does: the user of the request being served, if any
            user = get_history_manager_for_model(model).model.get_default_history_user(instances[0])
        return (timezone.now(), self.reason, history_type, getattr(user, "pk", None))

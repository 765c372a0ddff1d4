"""The links (sectors, tags) that the versions of a record keep in its change history.

simple-history keeps them in a table of their own for each many-to-many field: a row for each link
a version had. These read and write them for many versions at once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext
from simple_history.models import HistoricalRecords


def tracked_links(model: type[Model]) -> list[str]:
    """The many-to-many fields whose links the model's versions keep (none if it has no history)."""
    manager = getattr(model._meta, "simple_history_manager_attribute", None)
    if manager is None:
        return []
    return sorted(field.name for field in getattr(model, manager).model._history_m2m_fields)


def links_model(model: type[Model], name: str) -> type[Model]:
    """The history table of the links of `model`'s field `name`."""
    return HistoricalRecords.m2m_models[model._meta.get_field(name)]


class GoneLink:
    """A link kept in the history to a record since deleted (a tag)."""

    def __init__(self, pk: Any) -> None:
        self.pk = pk

    def __str__(self) -> str:
        return gettext("#%(id)s (record deleted)") % {"id": self.pk}


def links_of(versions: Sequence[Any], *, fields: Iterable[str]) -> dict[str, dict[Any, list[Any]]]:
    """The linked records each version kept, field by field: {field: {history id: [record, …]}}, in
    the linked model's order. One query a field, however many versions."""
    found: dict[str, dict[Any, list[Any]]] = {name: defaultdict(list) for name in fields}
    if not versions:
        return found
    model = versions[0].instance_type
    ids = [version.history_id for version in versions]
    for name in found:
        field = model._meta.get_field(name)
        target = field.m2m_reverse_field_name()
        ordering = [f"{target}__{key}" for key in field.related_model._meta.ordering]
        rows = (
            links_model(model, name)
            .objects.filter(history_id__in=ids)
            .select_related(target)
            .order_by(*ordering, f"{target}_id")
        )
        for row in rows:
            linked = getattr(row, target)
            found[name][row.history_id].append(linked or GoneLink(getattr(row, f"{target}_id")))
    return found


def links_set(instance: Model, **links: Iterable[Model]) -> None:
    """Set the record's links (`sectors=[…]`, `tags=[…]`) as its latest version's, as the admin's
    save does: simple-history would otherwise write a version for each link removed or added."""
    instance.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        for name, linked in links.items():
            getattr(instance, name).set(linked)
    finally:
        del instance.skip_history_when_saving  # type: ignore[attr-defined]
    links_record(instance=instance)


def links_record(*, instance: Model) -> None:
    """Give the record's latest version the links the record has now (replacing those it kept)."""
    version = instance.history.order_by("-history_date", "-history_id").first()  # type: ignore[attr-defined]
    if version is None:
        return
    for name in tracked_links(type(instance)):
        kept = links_model(type(instance), name)
        field = instance._meta.get_field(name)
        own, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        links = field.remote_field.through.objects.filter(**{own: instance.pk})
        kept.objects.filter(history=version).delete()
        kept.objects.bulk_create(
            kept(id=pk, history=version, **{f"{own}_id": owner, f"{target}_id": linked})
            for pk, owner, linked in links.values_list("pk", f"{own}_id", f"{target}_id")
        )

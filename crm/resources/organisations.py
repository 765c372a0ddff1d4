"""Import and export of organisations, matched by their ID (exports write it), else by legal entity
code, else by name."""

from __future__ import annotations

from typing import Any

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm import widgets
from crm.history import tracked_links
from crm.models import Organisation, Tag
from crm.resources.base import (
    IDENTITY,
    MANY,
    Claim,
    Column,
    CrmResource,
    Key,
    KeyedInstanceLoader,
    constraint_message,
    sheet_row,
)
from crm.validators import normalise_legal_code
from crm.widgets import chunked, is_blank, name_key, normalise_key


class OrganisationResource(CrmResource):
    id = Column(Organisation, "id", widgets.IntegerWidget(), kind=IDENTITY, label=_("record ID"))
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
    website = Column(Organisation, "website", widgets.UrlWidget())
    email = Column(Organisation, "email", widgets.TextWidget())
    phone = Column(Organisation, "phone", widgets.TextWidget())
    year_founded = Column(Organisation, "year_founded", widgets.IntegerWidget())
    members_sme = Column(Organisation, "members_sme", widgets.IntegerWidget(default=0))
    members_large = Column(Organisation, "members_large", widgets.IntegerWidget(default=0))
    members_research = Column(Organisation, "members_research", widgets.IntegerWidget(default=0))
    members_public = Column(Organisation, "members_public", widgets.IntegerWidget(default=0))
    members_other = Column(Organisation, "members_other", widgets.IntegerWidget(default=0))
    eccp_url = Column(Organisation, "eccp_url", widgets.UrlWidget())
    label = Column(
        Organisation, "label", widgets.ChoiceWidget(Organisation.Label, default=Organisation.Label.NONE)
    )
    label_awarded_on = Column(Organisation, "label_awarded_on", widgets.DateWidget())
    label_valid_until = Column(Organisation, "label_valid_until", widgets.DateWidget())
    description = Column(Organisation, "description", widgets.TextWidget())
    notes = Column(Organisation, "notes", widgets.TextWidget())
    tags = Column(Organisation, "tags", widgets.TagsWidget(), kind=MANY)
    show_in_directory = Column(Organisation, "show_in_directory", widgets.BooleanWidget(default=True))

    identity_columns = (("id",), ("legal_code",), ("name",))
    name_columns = ("name",)
    unique_column, unique_kind = "legal_code", "code"
    # Found by its name: the stored spelling stays, and so does the legal entity code the row leaves
    # blank.
    kept_when_found_by_name = ("name", "legal_code")

    class Meta:
        model = Organisation
        name = _("Organisations")
        # Listed, so that a new model field is not imported before it gets its column here.
        fields = [
            "id",
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
            "notes",
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
        return self.name_key(values)

    def name_key(self, values: dict[str, Any]) -> Key | None:
        name = values.get("name")
        return None if is_blank(name) else ("name", name_key(name))

    def namesake_key(self, values: dict[str, Any]) -> Key | None:
        name = values.get("name")
        return None if is_blank(name) else ("without code", name_key(name))

    def matches_record(self, record: Model, values: dict[str, Any]) -> bool:
        code = values.get("legal_code")
        if (
            not is_blank(code)
            and record.legal_code
            and self.row_key({"legal_code": code}) == ("code", record.legal_code)
        ):
            return True
        name = values.get("name")
        return not is_blank(name) and name_key(name) == normalise_key(record.name)

    def records(self) -> QuerySet[Organisation]:
        return Organisation.objects.select_related("municipality")

    def unique_key(self, instance: Model) -> Key | None:
        return ("code", instance.legal_code) if instance.legal_code else None

    def load_records(self, dataset: tablib.Dataset, keys: set[Key]) -> None:
        self.load_by_unique(dataset, keys)
        names = {k for k in keys if k[0] == "name"}
        # With a code or without: a row without one may name an organisation that has one. A row
        # giving a code no one has fills it in for the organisation of its name stored without one
        # (`find_namesake`).
        self.load_by_name(
            names | self.namesake_keys(dataset),
            names=Organisation.objects.values_list("pk", "name", "legal_code"),
            key=lambda name, code: (
                (("name", normalise_key(name)),)
                if code
                else (("name", normalise_key(name)), ("without code", normalise_key(name)))
            ),
            records=self.records(),
        )
        self.rows_with_code = self.coded_rows(dataset) if names else {}
        pks = [o.pk for o in self.existing.values() if o is not None]
        self.current_many: dict[str, dict[int, frozenset[Any]]] = {}
        #: field → organisation's id → [(link row's id, target's id)], for the history records
        self.current_links: dict[str, dict[int, list[tuple[int, int]]]] = {}
        for name in self.many_columns:
            self.current_many[name] = self._load_many(name, pks)

    def coded_rows(self, dataset: tablib.Dataset) -> dict[Key, int]:
        """The first row with a legal entity code of each organisation and of each name the file
        gives: ("pk", id) and ("name", normalised name) → spreadsheet row. A row without a code
        that names one of them is a second row of that organisation, wherever it stands."""
        rows: dict[Key, int] = {}
        names = self.cells(dataset, "name")
        for index, key in enumerate(self.keys_by_row):
            if key is None or key[0] != "code":
                continue
            line = sheet_row(index + 1)
            organisation = self.existing.get(key)
            if organisation is not None:
                rows.setdefault(("pk", organisation.pk), line)
            if names and not is_blank(names[index]):
                rows.setdefault(("name", name_key(names[index])), line)
        return rows

    def _load_many(self, name: str, pks: list[int]) -> dict[int, frozenset[Any]]:
        m2m = Organisation._meta.get_field(name)
        through = m2m.remote_field.through
        own, other = m2m.m2m_column_name(), m2m.m2m_reverse_name()
        tag_keys = {tag.pk: key for key, tag in self.lookups.tags.items()}
        current: dict[int, set[Any]] = {}
        links = self.current_links[name] = {}
        for batch in chunked(pks):
            for pk, owner, target in through.objects.filter(**{f"{own}__in": batch}).values_list(
                "pk", own, other
            ):
                current.setdefault(owner, set()).add(
                    tag_keys.get(target, target) if name == "tags" else target
                )
                links.setdefault(owner, []).append((pk, target))
        return {owner: frozenset(targets) for owner, targets in current.items()}

    def locate(self, key: Key | None, values: dict[str, Any], line: int) -> tuple[Model, bool, Claim | None]:
        if key is not None and key[0] == "name" and key not in self.claims:
            self.check_named(key, widgets.TextWidget().clean(values.get("name")))
        return super().locate(key, values, line)

    def check_named(self, key: Key, name: str) -> None:
        """Refuse a row without a legal entity code whose name does not say which organisation it is:
        several organisations have it, or a row with a code gives that name or that organisation."""
        if key in self.existing and self.existing[key] is None:
            message = gettext("Several organisations are called “%(name)s”; give the legal entity code.")
            raise ValidationError({"name": [message % {"name": name}]})
        found = self.existing.get(key)
        row = self.rows_with_code.get(key)
        if row is None and found is not None:
            row = self.rows_with_code.get(("pk", found.pk))
        if row is not None:
            message = gettext(
                "An organisation called “%(name)s” is also in row %(row)s, with a legal entity code; "
                "give the legal entity code in this row too."
            )
            raise ValidationError({"name": [message % {"name": name, "row": row}]})

    def namesakes_error(self, values: dict[str, Any], record: Model | None, claim: Claim | None) -> str:
        if record is None:
            return gettext(
                "Several organisations without a legal entity code are called “%(name)s”; give the ID "
                "of the one this code is for."
            ) % {"name": widgets.TextWidget().clean(values.get("name"))}
        return gettext(
            "Row %(row)s also gives “%(organisation)s” (ID %(id)s), which is stored without a legal "
            "entity code; give its ID in the row that means it."
        ) % {"row": claim.row, "organisation": record, "id": record.pk}

    def check_repeat(self, key: Key, claim: Claim) -> None:
        if key[0] == "pk":
            message = gettext("This organisation is already in row %(row)s.")
            raise ValidationError({NON_FIELD_ERRORS: [message % {"row": claim.row}]})
        if key[0] == "code":
            message = gettext("The legal entity code %(code)s is already in row %(row)s.")
            column, shown = "legal_code", key[1]
        else:
            message = gettext(
                "An organisation called “%(code)s” without a legal entity code is already in row %(row)s."
            )
            column, shown = "name", claim.instance.name
        raise ValidationError({column: [message % {"code": shown, "row": claim.row}]})

    def import_relations(
        self, instance: Model, key: Key | None, values: dict[str, Any], errors: dict[str, list], *, new: bool
    ) -> dict[str, frozenset[Any]]:
        relation = {}
        for name in self.many_columns:
            if not new and is_blank(values[name]):
                continue  # an empty cell takes no sector or tag away (`import_instance`)
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
            errors["label_valid_until"] = [
                constraint_message(Organisation, "crm_organisation_label_dates_ordered")
            ]

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
            own = m2m.m2m_column_name()
            rows = [(instance, targets) for instance, n, targets in self.pending.many if n == name]
            replaced = [instance.pk for instance, _targets in rows if instance.pk in self.current_many[name]]
            for batch in chunked(replaced):
                through.objects.filter(**{f"{own}__in": batch}).delete()
            pairs = [
                (instance.pk, lookups.tags[t].pk if name == "tags" else t)
                for instance, targets in rows
                for t in targets
            ]
            ids = self.writer.link(
                through, m2m.m2m_field_name(), m2m.m2m_reverse_field_name(), pairs, ids=True
            )
            # The history records this import wrote keep the links as it leaves them: the new
            # ones, else those the organisation had.
            links = dict(self.current_links.get(name, {}))
            for instance, _targets in rows:
                links[instance.pk] = []
            for (owner, target), pk in zip(pairs, ids, strict=True):
                links[owner].append((pk, target))
            self.writer.link_history(Organisation, name, links)
        # A file without the sectors or the tags changes none, but the history records it wrote
        # keep them too.
        versioned = [pk for pk, _history_id in self.writer.versions.get(Organisation, ())]
        for name in sorted(set(tracked_links(Organisation)) - set(self.many_columns)):
            m2m = Organisation._meta.get_field(name)
            own, other = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
            links = {}
            for batch in chunked(versioned):
                for pk, owner, target in m2m.remote_field.through.objects.filter(
                    **{f"{own}__in": batch}
                ).values_list("pk", own, other):
                    links.setdefault(owner, []).append((pk, target))
            self.writer.link_history(Organisation, name, links)

    def render_relations(self, instance: Model, relation: Any, *, before: bool) -> dict[str, str]:
        cells = {}
        for name, targets in (relation or {}).items():
            shown = self._current(instance, name) if before else targets
            cells[name] = self.fields[name].widget.names(shown)
        return cells

    def filter_export(self, queryset: QuerySet[Organisation], **kwargs: Any) -> QuerySet[Organisation]:
        return queryset.select_related("municipality").prefetch_related("sectors", "tags")

"""Import and export of persons with their affiliations, matched by their ID (exports write it), else
by e-mail, else by name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import tablib
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm import widgets
from crm.models import Affiliation, Person
from crm.resources.base import (
    AFFILIATION,
    EXPORT_CHUNK_SIZE,
    IDENTITY,
    AffiliationChange,
    Claim,
    Column,
    CrmResource,
    FileRefused,
    Key,
    KeyedInstanceLoader,
    constraint_message,
    sheet_row,
)
from crm.widgets import chunked, is_blank, normalise_key

#: The columns that say which organisation a row's affiliation is with (not values of it).
ORGANISATION_COLUMNS = ("organisation", "organisation_code")


class OrganisationCellError(ValueError):
    """A row's organisation cannot be told from its cells: the message, for the column `column`."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


class PersonResource(CrmResource):
    id = Column(Person, "id", widgets.IntegerWidget(), kind=IDENTITY, label=_("record ID"))
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
    # Beside the name, which two organisations may share: the code tells them apart when the file
    # comes back.
    organisation_code = Column(
        Affiliation,
        "organisation_code",
        widgets.OrganisationCodeWidget(),
        kind=AFFILIATION,
        label=_("organisation's legal entity code"),
        attribute="_export_affiliation__organisation__legal_code",
    )
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
    # A contact who has left keeps the row, with the date: without it the row read as current.
    start_date = Column(
        Affiliation,
        "start_date",
        widgets.DateWidget(),
        kind=AFFILIATION,
        label=_("in the organisation since"),
    )
    end_date = Column(
        Affiliation, "end_date", widgets.DateWidget(), kind=AFFILIATION, label=_("in the organisation until")
    )

    identity_columns = (("id",), ("email",), ("first_name", "last_name"))
    name_columns = ("first_name", "last_name")
    unique_column, unique_kind = "email", "email"
    # Found by their name (surnames are often in capitals in documents): the stored spelling stays.
    kept_when_found_by_name = ("first_name", "last_name")

    class Meta:
        model = Person
        name = _("Persons with their affiliations")
        fields = [
            "id",
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
            "organisation_code",
            "role",
            "job_title",
            "is_primary",
            "receives_consultations",
            "start_date",
            "end_date",
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
            # As the e-mail column stores it: composed letters, lower case.
            return ("email", widgets.TextWidget().clean(email).lower())
        return self.name_key(values)

    def name_key(self, values: dict[str, Any]) -> Key | None:
        first, last = values.get("first_name"), values.get("last_name")
        if is_blank(first) and is_blank(last):
            return None
        return ("name", normalise_key(first or ""), normalise_key(last or ""))

    def matches_record(self, record: Model, values: dict[str, Any]) -> bool:
        email = values.get("email")
        if not is_blank(email) and record.email and self.row_key({"email": email}) == self.unique_key(record):
            return True
        return self.name_key(values) == (
            "name",
            normalise_key(record.first_name),
            normalise_key(record.last_name),
        )

    def unique_key(self, instance: Model) -> Key | None:
        return ("email", instance.email.lower()) if instance.email else None

    def namesake_key(self, values: dict[str, Any]) -> Key | None:
        return self.name_key(values)  # the persons found by name are those without an address

    def load_records(self, dataset: tablib.Dataset, keys: set[Key]) -> None:
        self.load_by_unique(dataset, keys)
        # Only persons without an e-mail address are found by their name ("JONAS ŽUKAUSKAS" is
        # Jonas Žukauskas). A row without an address naming a person who has one is refused
        # (`check_addressed`), and one giving an address no one has fills it in for the person of
        # its name who has none (`find_namesake`).
        named = {k for k in keys if k[0] == "name"}
        self.load_by_name(
            named | {("addressed", *k[1:]) for k in named} | self.namesake_keys(dataset),
            names=Person.objects.values_list("pk", "first_name", "last_name", "email"),
            key=lambda first, last, email: (
                ("addressed" if email else "name", normalise_key(first), normalise_key(last)),
            ),
            records=Person.objects.all(),
        )
        pks = [p.pk for p in self.existing.values() if p is not None]
        self.affiliations: dict[tuple[int, int], Affiliation] = {}
        for batch in chunked(pks):
            for affiliation in Affiliation.objects.filter(person_id__in=batch):
                self.affiliations[(affiliation.person_id, affiliation.organisation_id)] = affiliation
        self.person_organisations: dict[int, set[int]] = {}
        for person_id, organisation_id in self.affiliations:
            self.person_organisations.setdefault(person_id, set()).add(organisation_id)
        self.lookups.load_organisations(
            self.cells(dataset, "organisation"), codes=self.cells(dataset, "organisation_code")
        )
        self.primary_holder: dict[int, Key] = {}
        for batch in chunked(list(self.lookups.organisation_names)):
            primaries = Affiliation.objects.filter(organisation_id__in=batch, is_primary=True)
            for organisation_id, person_id in primaries.values_list("organisation_id", "person_id"):
                self.primary_holder[organisation_id] = ("pk", person_id)
        # The spreadsheet row that linked a person to an organisation, by both.
        self.affiliation_rows: dict[tuple[Key, int], int] = {}
        self.releases = self.primary_releases(dataset)
        # Organisation → (the row that took its primary contact over, the holder who is to let go).
        self.handovers: dict[int, tuple[int, Key]] = {}

    def primary_releases(self, dataset: tablib.Dataset) -> dict[int, int]:
        """The rows where an organisation's primary contact lets go (the row of that person and
        organisation says no under "primary contact"), by organisation: a row above it
        may make another person the primary contact (a handover, in whichever order the rows come)."""
        if "is_primary" not in self.affiliation_columns or not self.primary_holder:
            return {}
        held: dict[Key, set[int]] = {}  # a person may be the primary contact of several
        for organisation, holder in self.primary_holder.items():
            held.setdefault(holder, set()).add(organisation)
        flags = self.cells(dataset, "is_primary")
        names, codes = (self.cells(dataset, name) or [None] * len(flags) for name in ORGANISATION_COLUMNS)
        releases: dict[int, int] = {}
        for index, key in enumerate(self.keys_by_row):
            person = self.existing.get(key) if key is not None else None
            theirs = held.get(("pk", person.pk), set()) if person is not None else set()
            if not theirs:
                continue
            try:
                # An empty cell changes nothing (`import_relations`): only "no" lets go.
                if is_blank(flags[index]) or self.fields["is_primary"].widget.clean(flags[index]):
                    continue
                named = theirs.intersection(self.organisation_candidates(names[index], codes[index]))
            except ValueError:
                continue  # the row fails on it
            for organisation in named:
                releases.setdefault(organisation, sheet_row(index + 1))
        return releases

    def locate(self, key: Key | None, values: dict[str, Any], line: int) -> tuple[Model, bool, Claim | None]:
        if key is not None and key[0] == "name" and key not in self.claims and key not in self.existing:
            self.check_addressed(key, values)
        return super().locate(key, values, line)

    def check_addressed(self, key: Key, values: dict[str, Any]) -> None:
        """Refuse a row without an ID or e-mail address whose name is of a person stored with an
        address (a file exported without those columns, say): added, it would be a second person
        of that name."""
        addressed = ("addressed", *key[1:])
        if addressed not in self.existing:
            return
        person = self.existing[addressed]
        if person is None:
            name = Person.full_name_of(
                widgets.TextWidget().clean(values.get("first_name")),
                widgets.TextWidget().clean(values.get("last_name")),
            )
            message = gettext(
                "Several persons called “%(name)s” have an e-mail address; give the e-mail address or "
                "the ID of the one this row means."
            ) % {"name": name}
        else:
            message = gettext(
                "The person “%(name)s” already exists (ID %(id)s) with an e-mail address; give their "
                "e-mail address or ID."
            ) % {"name": person, "id": person.pk}
        raise ValidationError({"email": [message]})

    def namesakes_error(self, values: dict[str, Any], record: Model | None, claim: Claim | None) -> str:
        if record is None:
            return gettext(
                "Several persons without an e-mail address have this name; give the ID of the one "
                "this address is for."
            )
        return gettext(
            "Row %(row)s also gives “%(person)s” (ID %(id)s), who is stored without an e-mail "
            "address; give their ID in the row that means them."
        ) % {"row": claim.row, "person": record, "id": record.pk}

    def repeat_error(self, key: Key, claim: Claim) -> str:
        return gettext(
            "This person is also in row %(row)s with different details; give them the same on every row."
        ) % {"row": claim.row}

    def ambiguous_error(self, key: Key) -> str:
        return gettext("Several persons without an e-mail address have this name; give the e-mail address.")

    def identity(self, instance: Person, key: Key | None) -> Key:
        """The person's key in this import's bookkeeping (which rows linked them to which
        organisation, who is a primary contact): their ID, or for a new person the row's key. Kept
        once given: a new person's records are written every thousand rows, after which they have an
        ID, and the later rows of the same person must still find their earlier ones."""
        found = getattr(instance, "_import_identity", None)
        if found is None:
            found = ("pk", instance.pk) if instance.pk else (key or ("row", id(instance)))
            instance._import_identity = found  # type: ignore[attr-defined]
        return found

    def organisation_candidates(self, name: Any, code: Any) -> list[int]:
        """The organisations a row's cells may mean: the one of the legal entity code when the row
        gives it (a name given beside it must be that organisation's), else those of the name
        (several when organisations share it, `OrganisationWidget`). OrganisationCellError when
        the cells name none, or two different ones."""
        if not is_blank(code):
            try:
                organisation_id = self.fields["organisation_code"].widget.clean(code)
            except ValueError as exc:
                raise OrganisationCellError("organisation_code", str(exc)) from None
            if not is_blank(name):
                try:
                    named = self.fields["organisation"].widget.clean(name)
                except ValueError:
                    named = []
                if organisation_id not in named:
                    message = gettext(
                        "“%(name)s” is not the organisation with the legal entity code %(code)s "
                        "(%(organisation)s); give the code and the name of the same organisation."
                    )
                    raise OrganisationCellError(
                        "organisation",
                        message
                        % {
                            "name": name,
                            "code": self.lookups.organisation_codes[organisation_id],
                            "organisation": self.lookups.organisation_names[organisation_id],
                        },
                    )
            return [organisation_id]
        try:
            return self.fields["organisation"].widget.clean(name)
        except ValueError as exc:
            raise OrganisationCellError("organisation", str(exc)) from None

    def import_relations(
        self, instance: Model, key: Key | None, values: dict[str, Any], errors: dict[str, list], *, new: bool
    ) -> AffiliationChange | None:
        if not self.affiliation_columns:
            return None
        named, coded = values.get("organisation"), values.get("organisation_code")
        if is_blank(named) and is_blank(coded):
            given = [
                n
                for n in self.affiliation_columns
                if n not in ORGANISATION_COLUMNS and not is_blank(values[n])
            ]
            if given:
                errors["organisation"] = [
                    gettext("Give the organisation these affiliation columns belong to.")
                ]
            return None
        try:
            candidates = self.organisation_candidates(named, coded)
        except OrganisationCellError as exc:
            errors[exc.column] = [str(exc)]
            return None
        if len(candidates) > 1:
            # An exported name shared by several organisations still means the person's own one.
            candidates = [pk for pk in candidates if pk in self.person_organisations.get(instance.pk, ())]
            if len(candidates) > 1 and "organisation_code" in self.bound:
                # A file with the code column leaves it empty for the organisation that has none
                # (as the export writes it): the others of the name are given by their codes.
                candidates = [pk for pk in candidates if pk not in self.lookups.organisation_codes]
            if len(candidates) != 1:
                errors["organisation"] = [
                    gettext("Several organisations are called “%(name)s”; give the legal entity code.")
                    % {"name": named}
                ]
                return None
        organisation_id = candidates[0]
        change = AffiliationChange(organisation_id, {}, self.affiliations.get((instance.pk, organisation_id)))
        for name in self.affiliation_columns:
            if name in ORGANISATION_COLUMNS or (change.existing is not None and is_blank(values[name])):
                continue  # an empty cell changes nothing of a stored affiliation (`import_instance`)
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
        start = change.values.get("start_date", getattr(change.existing, "start_date", None))
        end = change.values.get("end_date", getattr(change.existing, "end_date", None))
        if start and end and end < start:
            errors.setdefault("end_date", []).append(
                constraint_message(Affiliation, "crm_affiliation_end_after_start")
            )
        if change.values.get("is_primary"):
            holder = self.primary_holder.get(organisation_id)
            # The holder may let go in a row further down (`primary_releases`), once.
            handed_over = (
                organisation_id not in self.handovers and self.releases.get(organisation_id, 0) > self.line
            )
            if holder is not None and holder != identity and not handed_over:
                errors.setdefault("is_primary", []).append(
                    constraint_message(Affiliation, "crm_affiliation_one_primary_contact")
                )
        return change

    def relation_unchanged(self, instance: Model, relation: AffiliationChange | None) -> bool:
        return relation is None or relation.unchanged()

    def accept(
        self, instance: Model, key: Key | None, relation: Any, *, new: bool, changed: bool, **kwargs: Any
    ) -> None:
        if relation is not None:
            identity = self.identity(instance, key)
            self.affiliation_rows[(identity, relation.organisation_id)] = kwargs["line"]
            if "is_primary" in relation.values:
                organisation_id = relation.organisation_id
                holder = self.primary_holder.get(organisation_id)
                if relation.values["is_primary"]:
                    if holder is not None and holder != identity:
                        self.handovers[organisation_id] = (kwargs["line"], holder)
                    self.primary_holder[organisation_id] = identity
                elif holder == identity:
                    del self.primary_holder[organisation_id]
                elif self.handovers.get(organisation_id, (0, None))[1] == identity:
                    del self.handovers[organisation_id]  # the former holder let go
            if not relation.unchanged():
                self.pending.affiliations.append((instance, relation))
        super().accept(instance, key, relation, new=new, changed=changed, **kwargs)

    def after_import(self, dataset: tablib.Dataset, result: Any, **kwargs: Any) -> None:
        # A handover whose release row was not imported (it has errors, and the valid rows are
        # imported without it) would leave the organisation with two primary contacts.
        if self.handovers and not (self.fatal or self.rollback_on_invalid or result.has_errors()):
            organisation_id, (row, _holder) = next(iter(self.handovers.items()))
            message = gettext(
                "Row %(row)s makes its person the primary contact of %(organisation)s, but row "
                "%(release)s, where the present primary contact lets go, has errors. Correct row "
                "%(release)s and import the file again."
            )
            organisation = self.lookups.organisation_names.get(organisation_id, "")
            raise FileRefused(
                message
                % {"row": row, "organisation": organisation, "release": self.releases[organisation_id]}
            )
        super().after_import(dataset, result, **kwargs)

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
        columns = [n for n in self.affiliation_columns if n not in ORGANISATION_COLUMNS]
        for group in (demoted, updated):
            if group:
                self.writer.update(group, Affiliation, columns, batch_size=self.update_batch_size)
        if created:
            self.writer.create(created, Affiliation, batch_size=self._meta.batch_size)

    def render_relations(self, instance: Model, relation: Any, *, before: bool) -> dict[str, str]:
        if relation is None:
            return {}
        source = relation.existing if before else None
        if before and source is None:
            return dict.fromkeys(self.affiliation_columns, "")
        cells = {
            "organisation": self.lookups.organisation_names.get(relation.organisation_id, ""),
            "organisation_code": self.lookups.organisation_codes.get(relation.organisation_id, ""),
        }
        for name in self.affiliation_columns:
            if name not in ORGANISATION_COLUMNS:
                if before:
                    value = getattr(source, name)
                elif name in relation.values or relation.existing is None:
                    value = relation.values.get(name)
                else:
                    value = getattr(relation.existing, name)  # an empty cell keeps it (`import_relations`)
                cells[name] = str(self.fields[name].widget.render(value) or "")
        return cells

    def filter_export(self, queryset: QuerySet[Person], **kwargs: Any) -> QuerySet[Person]:
        # The affiliations come in a second streamed query, merged by person (`iter_queryset`).
        return queryset.prefetch_related(None)

    def iter_queryset(self, queryset: Any) -> Iterator[Person]:
        """One row per affiliation (a person without one gets a row with empty affiliation columns).

        The persons and their affiliations are read in two streamed queries, both in the order of
        the persons' ids, and merged: neither the queries nor the memory grow with the rows."""
        if not isinstance(queryset, QuerySet):
            for person in queryset:
                yield from self._affiliation_rows(person, list(person.affiliations.all()))
            return
        affiliations = iter(
            Affiliation.objects.filter(person__in=queryset.values("pk"))
            .select_related("organisation")
            .order_by("person_id", "-is_primary", "organisation__name", "pk")
            .iterator(chunk_size=EXPORT_CHUNK_SIZE)
        )
        waiting = next(affiliations, None)
        for person in queryset.order_by("pk").iterator(chunk_size=EXPORT_CHUNK_SIZE):
            own = []
            while waiting is not None and waiting.person_id <= person.pk:
                if waiting.person_id == person.pk:
                    own.append(waiting)
                waiting = next(affiliations, None)
            yield from self._affiliation_rows(person, own)

    @staticmethod
    def _affiliation_rows(person: Person, affiliations: list[Affiliation]) -> Iterator[Person]:
        for affiliation in affiliations or [None]:
            person._export_affiliation = affiliation  # type: ignore[attr-defined]
            yield person

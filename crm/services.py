"""Writes of the CRM that change several rows: merging duplicates, GDPR export and erasure."""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import phonenumbers
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import lookups
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from crm import selectors, signals, validators
from crm.models import Affiliation, Interaction, Membership, Organisation, Payment, Person
from crm.names import base_letter, marked_forms, name_forms_pattern, name_prefilter_terms

M = TypeVar("M", bound=models.Model)

# simple-history keeps the change reason in a CharField(max_length=100).
_REASON_MAX_LENGTH = 100

# The more specific role wins when two affiliations of one person with one organisation are combined.
_ROLE_SPECIFICITY = {
    Affiliation.Role.OTHER: 0,
    Affiliation.Role.REPRESENTATIVE: 1,
    Affiliation.Role.BOARD: 2,
    Affiliation.Role.DIRECTOR: 2,
    Affiliation.Role.COORDINATOR: 2,
}


# --- shared helpers -------------------------------------------------------------------------------


def _history_model(model: type[models.Model]) -> type[models.Model]:
    return model.history.model  # type: ignore[attr-defined]


def _reason(text: str) -> str:
    return text[:_REASON_MAX_LENGTH]


def _is_blank(value: Any) -> bool:
    return value is None or value == ""


def _lock(model: type[M], pks: Iterable[int]) -> dict[int, M]:
    """Fresh copies of the rows, locked until the transaction ends (PostgreSQL; a no-op on SQLite)."""
    return {obj.pk: obj for obj in model.objects.select_for_update().filter(pk__in=list(pks))}


def organisation_lock(*, organisation_id: int | None) -> None:
    """Hold off other saves of the organisation's memberships and contacts until this transaction
    ends, before their rules are checked against the stored rows: two people correcting the same
    organisation at once then see each other's save (a form error) instead of meeting the
    database's constraint (a server error). PostgreSQL only: SQLite has one writer at a time."""
    if organisation_id is not None and transaction.get_connection().in_atomic_block:
        list(Organisation.objects.select_for_update().filter(pk=organisation_id).values_list("pk"))


def _check_merge_arguments(*, survivor: M, others: Sequence[M]) -> list[int]:
    other_pks = [other.pk for other in others]
    if not other_pks:
        raise ValidationError(gettext("Choose at least one record to merge into the one that is kept."))
    if survivor.pk in other_pks:
        raise ValidationError(gettext("The record that is kept cannot also be merged away."))
    if len(set(other_pks)) != len(other_pks):
        raise ValidationError(gettext("Each record can be merged only once."))
    return other_pks


def _pair_tables(owners: Iterable[type[models.Model]] | None = None) -> set[type[models.Model]]:
    """The many-to-many tables whose rows are nothing but a pair: Django's own, and those declared
    as models (as the position papers' supporters are, to keep a sent paper's) whose concrete
    fields are the primary key and the two foreign keys. Their row says only that two records are
    linked, so a pair the survivor already has can be dropped. A table with anything more (a role,
    dates) is not one: its rows are moved like any other relation's, and a clash refuses the merge.
    """
    tables = set()
    for owner in apps.get_models() if owners is None else owners:
        for m2m in owner._meta.local_many_to_many:
            through = m2m.remote_field.through
            if isinstance(through, str):  # not resolved: not a table of an installed app
                continue
            fields = [field for field in through._meta.concrete_fields if not field.primary_key]
            if len(fields) == 2 and all(isinstance(field, models.ForeignKey) for field in fields):
                tables.add(through)
    return tables


# How many of the clashing rows a refused merge names.
MERGE_CLASH_SHOWN = 5


def _repoint_relations(
    *,
    model: type[models.Model],
    survivor_pk: int,
    other_pks: Sequence[int],
) -> Counter[str]:
    """Point every foreign key to `model` (in live and historical tables) from the others to the survivor.

    Found by introspection, so relations added by other apps later are moved too. Rows of a pair
    table (`_pair_tables`) that the survivor already has are dropped instead of duplicated; any
    other row that would repeat one of the survivor's on a unique constraint refuses the merge.
    Returns how many rows of each (non-historical) model moved, keyed by the model's verbose
    plural name (for a pair table: the linked model's).
    """
    moved: Counter[str] = Counter()
    pair_tables = _pair_tables()
    for related_model in apps.get_models(include_auto_created=True):
        foreign_keys = [
            field
            for field in related_model._meta.concrete_fields
            if isinstance(field, models.ForeignKey) and field.remote_field.model is model
        ]
        for field in foreign_keys:
            manager = related_model._base_manager
            rows = manager.filter(**{f"{field.attname}__in": other_pks})
            is_pair_table = related_model in pair_tables
            if is_pair_table:
                # A pair is there only once: drop what would repeat.
                partner = next(
                    f
                    for f in related_model._meta.concrete_fields
                    if isinstance(f, models.ForeignKey) and f is not field
                )
                present = set(
                    manager.filter(**{field.attname: survivor_pk}).values_list(partner.attname, flat=True)
                )
                repeated = []
                for row_pk, partner_pk in rows.values_list("pk", partner.attname):
                    if partner_pk in present:
                        repeated.append(row_pk)
                    present.add(partner_pk)
                if repeated:
                    manager.filter(pk__in=repeated).delete()
            try:
                with transaction.atomic():
                    count = rows.update(**{field.attname: survivor_pk})
            except IntegrityError as exc:
                # Named, so that whoever may change them knows which (a CRM editor only reads the
                # consultations: the message tells them what to ask for).
                shown = [str(row) for row in rows[:MERGE_CLASH_SHOWN]]
                raise ValidationError(
                    gettext(
                        "The records cannot be merged automatically: their related records clash "
                        "(%(relation)s: %(rows)s). Resolve them first, or ask a colleague who may."
                    ),
                    code="merge_relation_clash",
                    params={
                        "relation": related_model._meta.verbose_name_plural,
                        "rows": "; ".join(shown) + ("; …" if rows.count() > len(shown) else ""),
                    },
                ) from exc
            if not count or hasattr(related_model, "instance_type"):  # historical tables are not news
                continue
            if is_pair_table:
                # A through row moved means one more related object (a sector, an interaction, …).
                moved[str(partner.remote_field.model._meta.verbose_name_plural)] += count
            else:
                moved[str(related_model._meta.verbose_name_plural)] += count
    return moved


def _others_combine(
    model: type[models.Model], *, survivor: M, others: Sequence[M], user: AbstractBaseUser
) -> Counter[str]:
    """What other apps combine before a merge moves the others' records (`signals.records_merging`)."""
    combined: Counter[str] = Counter()
    sent = signals.records_merging.send(sender=model, survivor=survivor, others=others, user=user)
    for _receiver, counts in sent:
        combined.update(counts or {})
    return combined


def _retire(*, model: type[models.Model], keep_pk: int, drop_pks: Sequence[int]) -> None:
    """Delete merged-away rows and give their simple-history records to the row that is kept.

    Deleting writes a "deleted" history snapshot; it is removed, because the merge itself is
    recorded on the kept row and a deleted entry in its history would be misleading.
    """
    history = _history_model(model)
    history.objects.filter(id__in=drop_pks).update(id=keep_pk)
    model._base_manager.filter(pk__in=drop_pks).delete()
    history.objects.filter(id__in=drop_pks).delete()


def _save_with_history(obj: models.Model, *, user: AbstractBaseUser | None, reason: str) -> None:
    obj._change_reason = _reason(reason)  # type: ignore[attr-defined]
    obj._history_user = user  # type: ignore[attr-defined]
    obj.save()


def _log_change(*, user: AbstractBaseUser, obj: models.Model, message: str) -> None:
    LogEntry.objects.log_actions(
        user_id=user.pk, queryset=[obj], action_flag=CHANGE, change_message=message, single_object=True
    )


def _combine_affiliations(
    *, keep: Affiliation, drop: Affiliation, may_be_primary: bool, user: AbstractBaseUser, reason: str
) -> None:
    """Fold `drop` into `keep` (same person, same organisation after the merge), then delete `drop`.

    Flags are combined with "or" (the primary flag only where the organisation may take it), the
    more specific role wins, a blank job title is filled, and the period covers both.
    """
    keep.receives_consultations = keep.receives_consultations or drop.receives_consultations
    keep.is_primary = keep.is_primary or (drop.is_primary and may_be_primary)
    if _ROLE_SPECIFICITY[drop.role] > _ROLE_SPECIFICITY[keep.role]:
        keep.role = drop.role
    keep.job_title = keep.job_title or drop.job_title
    starts = [day for day in (keep.start_date, drop.start_date) if day]
    keep.start_date = min(starts) if starts else None
    ends = [keep.end_date, drop.end_date]
    keep.end_date = None if None in ends else max(ends)  # type: ignore[type-var]
    # The dropped row goes first: it may hold the organisation's primary flag or the unique pair.
    _repoint_relations(model=Affiliation, survivor_pk=keep.pk, other_pks=[drop.pk])
    _retire(model=Affiliation, keep_pk=keep.pk, drop_pks=[drop.pk])
    _save_with_history(keep, user=user, reason=reason)


def _period(membership: Membership) -> str:
    return f"{membership.start_date} – {membership.end_date or '…'}"


def _overlaps(a: Membership, b: Membership) -> bool:
    a_end = a.end_date or datetime.date.max
    b_end = b.end_date or datetime.date.max
    return a.start_date <= b_end and b.start_date <= a_end


# --- merging organisations ------------------------------------------------------------------------

_ORGANISATION_FILLED_FIELDS = [
    "short_name",
    "vat_code",
    "municipality_id",
    "address",
    "website",
    "email",
    "phone",
    "year_founded",
    "eccp_url",
    "description",
]
# Zero member counts mean "not known" in practice, so they are filled too.
_ORGANISATION_COUNT_FIELDS = [
    "members_sme",
    "members_large",
    "members_research",
    "members_public",
    "members_other",
]


# What the survivor keeps of its own when an other's differs: the other's goes to the notes (and
# so does its description, whole).
_ORGANISATION_NOTED_FIELDS = [
    "legal_code",
    *(name.removesuffix("_id") for name in _ORGANISATION_FILLED_FIELDS if name != "description"),
]


def _organisation_fill_blanks(survivor: Organisation, others: Sequence[Organisation]) -> None:
    """Fill the survivor's blanks from the others, in order; what differs from the survivor's (a
    code, an address, a contact, a description) goes to its internal notes, not its description,
    which the public directory shows."""
    extra_lines = []
    for other in others:
        for name in _ORGANISATION_FILLED_FIELDS:
            if _is_blank(getattr(survivor, name)) and not _is_blank(getattr(other, name)):
                setattr(survivor, name, getattr(other, name))
        for name in _ORGANISATION_COUNT_FIELDS:
            if not getattr(survivor, name) and getattr(other, name):
                setattr(survivor, name, getattr(other, name))
        # A label comes with its own dates, or the dates could contradict each other.
        if survivor.label == Organisation.Label.NONE and other.label != Organisation.Label.NONE:
            survivor.label = other.label
            survivor.label_awarded_on = other.label_awarded_on
            survivor.label_valid_until = other.label_valid_until
        if not survivor.legal_code and other.legal_code:
            # The unique constraint is satisfied because the other row is deleted before this is saved.
            survivor.legal_code = other.legal_code
        differing = [
            f"{Organisation._meta.get_field(name).verbose_name}: {value}"
            for name in _ORGANISATION_NOTED_FIELDS
            if not _is_blank(value := getattr(other, name)) and value != getattr(survivor, name)
        ]
        if other.label != Organisation.Label.NONE and _label_of(other) != _label_of(survivor):
            # The survivor keeps its own label with its dates; the other's is noted whole.
            differing.append(
                f"{Organisation._meta.get_field('label').verbose_name}: "
                + ", ".join(str(part) for part in (other.get_label_display(), *_label_of(other)[1:]) if part)
            )
        if differing:
            extra_lines.append(
                gettext("Merged record #%(pk)s: %(details)s")
                % {"pk": other.pk, "details": "; ".join(differing)}
            )
        for text in (other.description, other.notes):
            if text and not any(
                text in kept for kept in (survivor.description, survivor.notes, *extra_lines)
            ):
                extra_lines.append(text)
    if extra_lines:
        survivor.notes = "\n\n".join(filter(None, [survivor.notes, *extra_lines]))


def _label_of(organisation: Organisation) -> tuple[str, datetime.date | None, datetime.date | None]:
    """The cluster management label with its dates: awarded on, valid until."""
    return organisation.label, organisation.label_awarded_on, organisation.label_valid_until


def _organisation_membership_plan(
    survivor: Organisation, others: Sequence[Organisation]
) -> tuple[list[tuple[Membership, Membership]], list[Membership]]:
    """Decide what happens to the others' membership periods, or refuse the merge.

    Returns (pairs of identical periods to fold: kept, dropped) and (periods to move).
    """
    kept_by_period: dict[tuple[datetime.date, datetime.date | None], Membership] = {}
    for membership in Membership.objects.filter(organisation=survivor).select_related("organisation"):
        kept_by_period[(membership.start_date, membership.end_date)] = membership
    folds: list[tuple[Membership, Membership]] = []
    moves: list[Membership] = []
    other_memberships = Membership.objects.filter(organisation__in=others).select_related("organisation")
    for membership in other_memberships.order_by("start_date", "pk"):
        period = (membership.start_date, membership.end_date)
        if period in kept_by_period:
            folds.append((kept_by_period[period], membership))
        else:
            kept_by_period[period] = membership
            moves.append(membership)
    clashes = []
    periods = sorted(kept_by_period.values(), key=lambda m: (m.start_date, m.pk))
    for index, first in enumerate(periods):
        for second in periods[index + 1 :]:
            if _overlaps(first, second):
                clashes.append(_membership_pair(first, second, _period))
    if clashes:
        raise ValidationError(
            gettext(
                "The organisations cannot be merged because their membership periods overlap: "
                "%(periods)s. Correct or end these periods first."
            ),
            code="membership_overlap",
            params={"periods": "; ".join(clashes)},
        )
    # One period of two records is combined into one: which status or fee is the real one is
    # the staff's to say (an applicant's record beside an active member's), not the merge's.
    disagreements = [
        f"{_period(kept)}: {_membership_pair(kept, dropped, _status_and_fee)}"
        for kept, dropped in folds
        if kept.status != dropped.status
        or (None not in (kept.annual_fee, dropped.annual_fee) and kept.annual_fee != dropped.annual_fee)
    ]
    if disagreements:
        raise ValidationError(
            gettext(
                "The organisations cannot be merged because the same membership period has another "
                "status or annual fee in each: %(periods)s. Make them agree first."
            ),
            code="membership_disagreement",
            params={"periods": "; ".join(disagreements)},
        )
    return folds, moves


def _membership_pair(first: Membership, second: Membership, shown: Callable[[Membership], str]) -> str:
    """Two memberships of the organisations to merge, each `shown` beside its organisation."""
    return gettext("%(first)s (%(first_organisation)s) and %(second)s (%(second_organisation)s)") % {
        "first": shown(first),
        "first_organisation": first.organisation.name,
        "second": shown(second),
        "second_organisation": second.organisation.name,
    }


def _status_and_fee(membership: Membership) -> str:
    fee = membership.annual_fee
    status = str(membership.get_status_display())
    return status if fee is None else f"{status}, {formats.number_format(fee, 2)} EUR"


@transaction.atomic
def organisation_merge(
    *, survivor: Organisation, others: Sequence[Organisation], user: AbstractBaseUser
) -> Organisation:
    """Merge duplicate organisations into `survivor` and delete the others; nothing is lost.

    - Affiliations move to the survivor. A person linked to both is kept once: flags combined
      with "or", the more specific role, the longer period. One primary contact stays, the first
      current one (`selectors.affiliations_current_on`) of the survivor, then of the others in the
      order given; the other primary contacts become non-primary affiliations. A primary contact
      who has left stays primary only if none is current.
    - Memberships move with their payments. Identical periods (same start and end) are folded into
      one (payments and notes combined, a blank fee filled). Any other overlap refuses the whole
      merge with a ValidationError naming the periods, so staff correct them first: guessing which
      overlapping period is right would lose data.
    - Interactions, sectors, tags and every other relation (found by introspection) move; the
      survivor's blank fields are filled from the others in the order given; the survivor keeps
      its own legal code and takes another's only when it has none. What differs from the
      survivor's (legal and VAT codes, contacts, address, website, description, notes) is written
      in its internal notes, "Merged record #12: e-mail: …; phone: …".
    - Position papers too, sent ones included (which refuse the deletion of an organisation they
      list or are addressed to): the paper then lists the same organisation by its surviving
      record, once even if it listed two of the duplicates, and its grouped proposals name that
      record as their proposer (`signals.records_merging`); its sent PDF stays as it was sent.
    - The others' simple-history records are re-pointed to the survivor's id (and historical
      affiliations/memberships to the survivor), and a LogEntry on the survivor names what was
      merged. All in one transaction: an error anywhere leaves everything as it was.
    """
    other_pks = _check_merge_arguments(survivor=survivor, others=others)
    locked = _lock(Organisation, [survivor.pk, *other_pks])
    if len(locked) != len(other_pks) + 1:
        raise ValidationError(gettext("Some of the organisations no longer exist."))
    survivor = locked[survivor.pk]
    others = [locked[pk] for pk in other_pks]
    names = ", ".join(f"„{other.name}“ (#{other.pk})" for other in others)
    reason = gettext("Merged with %(records)s") % {"records": ", ".join(f"#{pk}" for pk in other_pks)}
    summary: Counter[str] = Counter()

    folds, moves = _organisation_membership_plan(survivor, others)

    # Affiliations. One primary contact stays: the survivor's if still current, else the first
    # other organisation's current one; one who has left stays primary only if no one current is.
    by_person = {a.person_id: a for a in Affiliation.objects.filter(organisation=survivor)}
    position = {pk: index for index, pk in enumerate(other_pks)}
    incoming = sorted(
        Affiliation.objects.filter(organisation_id__in=other_pks),
        key=lambda a: (position[a.organisation_id], not a.is_primary, a.pk),
    )
    current = set(
        selectors.affiliations_current_on(day=timezone.localdate())
        .filter(organisation_id__in=[survivor.pk, *other_pks], is_primary=True)
        .values_list("pk", flat=True)
    )
    primaries = [a for a in [*by_person.values(), *incoming] if a.is_primary]
    primary = next((a for a in primaries if a.pk in current), primaries[0] if primaries else None)
    for affiliation in by_person.values():
        if affiliation.is_primary and affiliation is not primary:
            # First: the organisation may have one primary contact only.
            affiliation.is_primary = False
            _save_with_history(affiliation, user=user, reason=reason)
    for affiliation in incoming:
        kept = by_person.get(affiliation.person_id)
        if kept is not None:
            _combine_affiliations(
                keep=kept, drop=affiliation, may_be_primary=affiliation is primary, user=user, reason=reason
            )
            summary[gettext("affiliations combined")] += 1
            continue
        affiliation.organisation = survivor
        if affiliation.is_primary and affiliation is not primary:
            affiliation.is_primary = False
            _save_with_history(affiliation, user=user, reason=reason)
        else:
            Affiliation.objects.filter(pk=affiliation.pk).update(organisation=survivor)
        by_person[affiliation.person_id] = affiliation
        summary[gettext("affiliations moved")] += 1

    # Memberships: identical periods folded, the rest moved.
    for kept, dropped in folds:
        _repoint_relations(model=Membership, survivor_pk=kept.pk, other_pks=[dropped.pk])
        if kept.annual_fee is None:
            kept.annual_fee = dropped.annual_fee
        if dropped.notes and dropped.notes not in kept.notes:
            kept.notes = "\n\n".join(filter(None, [kept.notes, dropped.notes]))
        _retire(model=Membership, keep_pk=kept.pk, drop_pks=[dropped.pk])
        if kept.organisation_id != survivor.pk:
            Membership.objects.filter(pk=kept.pk).update(organisation=survivor)
            kept.organisation = survivor
        _save_with_history(kept, user=user, reason=reason)
        summary[gettext("identical membership periods combined")] += 1
    moved = Membership.objects.filter(pk__in=[m.pk for m in moves]).update(organisation=survivor)
    if moved:
        summary[gettext("memberships moved")] += moved

    # What other apps combine first (the consultations' invitations), then everything else that
    # points at the others (interactions, sectors, tags, history, other apps).
    summary.update(_others_combine(Organisation, survivor=survivor, others=others, user=user))
    summary.update(_repoint_relations(model=Organisation, survivor_pk=survivor.pk, other_pks=other_pks))

    _organisation_fill_blanks(survivor, others)
    _retire(model=Organisation, keep_pk=survivor.pk, drop_pks=other_pks)
    _save_with_history(survivor, user=user, reason=reason)

    counts = ", ".join(f"{label}: {count}" for label, count in summary.items() if count)
    message = gettext("Merged into this organisation: %(names)s.") % {"names": names}
    if counts:
        message = f"{message} {counts}."
    _log_change(user=user, obj=survivor, message=message)
    return survivor


# --- merging persons ------------------------------------------------------------------------------

_CONSENT_KINDS = ("consultations", "newsletter")


def _person_fill_blanks(survivor: Person, others: Sequence[Person]) -> None:
    extra_lines = []
    for other in others:
        for name in ("email", "phone"):
            value = getattr(other, name)
            if _is_blank(getattr(survivor, name)) and value:
                setattr(survivor, name, value)
        differing = [
            f"{label}: {value}"
            for label, value in (
                (gettext("e-mail"), other.email),
                (gettext("phone"), other.phone),
            )
            if value and value not in (survivor.email, survivor.phone)
        ]
        if differing:
            extra_lines.append(
                gettext("Merged record #%(pk)s: %(details)s")
                % {"pk": other.pk, "details": "; ".join(differing)}
            )
        if other.notes and other.notes not in survivor.notes:
            extra_lines.append(other.notes)
    if extra_lines:
        survivor.notes = "\n\n".join(filter(None, [survivor.notes, *extra_lines]))
    histories: dict[int, list[Any]] = {person.pk: [] for person in (survivor, *others)}
    for record in (
        _history_model(Person).objects.filter(id__in=list(histories)).order_by("history_date", "history_id")
    ):
        histories[record.id].append(record)
    for kind in _CONSENT_KINDS:
        # The most recent decision recorded wins, given or withdrawn; the survivor's on a tie. One
        # never recorded (a box never ticked, no date) does not count: a withdrawal is not undone
        # by an older consent of a duplicate.
        decided = [
            (decided_at, -index, person)
            for index, person in enumerate((survivor, *others))
            if (decided_at := _consent_decided_at(person, kind, histories[person.pk])) is not None
        ]
        if not decided:
            continue
        decided_at, _index, latest = max(decided, key=lambda decision: decision[:2])
        for suffix in ("", "_at", "_source"):
            setattr(survivor, f"consent_{kind}{suffix}", getattr(latest, f"consent_{kind}{suffix}"))
        if not getattr(latest, f"consent_{kind}"):
            # A withdrawal kept is dated by when it was made: the survivor's history, which now holds
            # the merged records' too, could not tell it again in a later merge.
            setattr(survivor, f"consent_{kind}_at", decided_at)


def _consent_decided_at(person: Person, kind: str, history: Sequence[Any]) -> datetime.datetime | None:
    """When the person's present decision on a consent was recorded, or None if it never was.

    A consent given: when it was last given, by its date (`consent_<kind>_at`) or by the record's
    change to it (staff ticked the box again, the date left as it was), else when the record first
    said so.
    A consent withdrawn: the later of its date (an import's "ne" with a date, or a withdrawal a
    merge kept, which it dates) and when the record stopped saying it was given (staff unticked
    the box; its date stays as it was); else never decided. `history` is the person's
    simple-history records, oldest first.
    """
    given = getattr(person, f"consent_{kind}")
    given_at = getattr(person, f"consent_{kind}_at")
    changed_at = None  # when the record last changed to the present value
    previous = None
    for record in history:
        value = getattr(record, f"consent_{kind}")
        if value == given and previous is not None and previous != given:
            changed_at = record.history_date
        previous = value
    dates = [date for date in (given_at, changed_at) if date is not None]
    if given:
        return max(dates) if dates else (history[0].history_date if history else None)
    return max(dates) if dates else None


@transaction.atomic
def person_merge(*, survivor: Person, others: Sequence[Person], user: AbstractBaseUser) -> Person:
    """Merge duplicate contact persons into `survivor` and delete the others; nothing is lost.

    - Affiliations move; where the survivor is already linked to the same organisation the two
      are combined (flags with "or" — the organisation's primary flag is kept —, the more specific
      role, the longer period).
    - Interaction participation moves (once per interaction), as does every other relation to a
      person (found by introspection) and the others' simple-history records and admin log
      entries: the survivor's history is theirs too.
    - The survivor's blank e-mail and phone are filled from the others; a differing e-mail or phone
      and the others' notes are appended to the survivor's notes. For each consent the most recent
      decision recorded wins, with its date and source: a consent given, or one withdrawn (dated by
      the history), not a box never ticked (`_consent_decided_at`); so a withdrawal is never undone
      by an older consent of a duplicate, and a survivor that never recorded one takes theirs.
    - Anonymised persons cannot be merged (the merge would mix erased and live data).
    - Logged on the survivor; one transaction.
    """
    other_pks = _check_merge_arguments(survivor=survivor, others=others)
    locked = _lock(Person, [survivor.pk, *other_pks])
    if len(locked) != len(other_pks) + 1:
        raise ValidationError(gettext("Some of the persons no longer exist."))
    survivor = locked[survivor.pk]
    others = [locked[pk] for pk in other_pks]
    if any(p.anonymised_at for p in (survivor, *others)):
        raise ValidationError(gettext("Anonymised persons cannot be merged."), code="merge_anonymised")
    names = ", ".join(f"{other.full_name} (#{other.pk})" for other in others)
    reason = gettext("Merged with %(records)s") % {"records": ", ".join(f"#{pk}" for pk in other_pks)}
    summary: Counter[str] = Counter()

    by_organisation = {a.organisation_id: a for a in Affiliation.objects.filter(person=survivor)}
    position = {pk: index for index, pk in enumerate(other_pks)}
    incoming = sorted(
        Affiliation.objects.filter(person_id__in=other_pks), key=lambda a: (position[a.person_id], a.pk)
    )
    for affiliation in incoming:
        kept = by_organisation.get(affiliation.organisation_id)
        if kept is not None:
            # Both rows belong to one organisation, so whichever is primary may stay primary.
            _combine_affiliations(keep=kept, drop=affiliation, may_be_primary=True, user=user, reason=reason)
            summary[gettext("affiliations combined")] += 1
            continue
        affiliation.person = survivor  # it may be combined with a later one and saved
        Affiliation.objects.filter(pk=affiliation.pk).update(person=survivor)
        by_organisation[affiliation.organisation_id] = affiliation
        summary[gettext("affiliations moved")] += 1

    summary.update(_others_combine(Person, survivor=survivor, others=others, user=user))
    summary.update(_repoint_relations(model=Person, survivor_pk=survivor.pk, other_pks=other_pks))

    _person_fill_blanks(survivor, others)
    _retire(model=Person, keep_pk=survivor.pk, drop_pks=other_pks)
    # Their admin log follows their history: one person's, which an erasure or a deletion of the
    # survivor reaches as its own.
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Person), object_id__in=[str(pk) for pk in other_pks]
    ).update(object_id=str(survivor.pk))
    _save_with_history(survivor, user=user, reason=reason)

    counts = ", ".join(f"{label}: {count}" for label, count in summary.items() if count)
    message = gettext("Merged into this person: %(names)s.") % {"names": names}
    if counts:
        message = f"{message} {counts}."
    _log_change(user=user, obj=survivor, message=message)
    return survivor


# --- GDPR -----------------------------------------------------------------------------------------


def iso_time(value: datetime.date | datetime.datetime | None) -> str | None:
    """A date, or a time in the association's time zone, as a data export writes it (ISO 8601)."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return value.isoformat()


_PERSON_EXPORTED_FIELDS = ["first_name", "last_name", "email", "phone", "language", "notes"]


def person_data_export(*, person: Person) -> dict[str, Any]:
    """Everything the CRM holds about a person, as JSON-ready data (a GDPR access request).

    The person's own fields, affiliations with organisation names, the interactions they took
    part in, the consent records and the person's change history; and what other apps keep about
    them (`signals.person_data_requested`): the consultations' personal links and submissions.
    """
    affiliations = Affiliation.objects.filter(person=person).select_related("organisation")
    interactions = person.interactions.select_related("organisation").order_by("occurred_on", "pk")
    history = _history_model(Person).objects.filter(id=person.pk).order_by("history_date", "history_id")
    history = history.select_related("history_user")
    # What the other apps keep about the person (the consultations' personal links, submissions).
    elsewhere = dict(
        response for _receiver, response in signals.person_data_requested.send(Person, person=person)
    )
    return {
        "exported_at": iso_time(timezone.now()),
        "person": {
            "id": person.pk,
            **{name: getattr(person, name) for name in _PERSON_EXPORTED_FIELDS},
            "created_at": iso_time(person.created_at),
            "updated_at": iso_time(person.updated_at),
            "anonymised_at": iso_time(person.anonymised_at),
        },
        "consents": [
            {
                "purpose": kind,
                "given": getattr(person, f"consent_{kind}"),
                "given_at": iso_time(getattr(person, f"consent_{kind}_at")),
                "source": getattr(person, f"consent_{kind}_source"),
            }
            for kind in _CONSENT_KINDS
        ],
        "affiliations": [
            {
                "organisation": affiliation.organisation.name,
                "organisation_legal_code": affiliation.organisation.legal_code,
                "role": affiliation.role,
                "job_title": affiliation.job_title,
                "primary_contact": affiliation.is_primary,
                "receives_consultations": affiliation.receives_consultations,
                "start_date": iso_time(affiliation.start_date),
                "end_date": iso_time(affiliation.end_date),
            }
            for affiliation in affiliations
        ],
        "interactions": [
            {
                "date": iso_time(interaction.occurred_on),
                "kind": interaction.kind,
                "organisation": interaction.organisation.name,
                "subject": interaction.subject,
                "notes": interaction.notes,
            }
            for interaction in interactions
        ],
        "history": [
            {
                "date": iso_time(record.history_date),
                "type": record.get_history_type_display(),
                "changed_by": record.history_user.get_username() if record.history_user else None,
                "reason": record.history_change_reason,
                **{name: getattr(record, name) for name in _PERSON_EXPORTED_FIELDS},
                **{
                    f"consent_{kind}{suffix}": iso_time(value) if suffix == "_at" else value
                    for kind in _CONSENT_KINDS
                    for suffix in ("", "_at", "_source")
                    for value in [getattr(record, f"consent_{kind}{suffix}")]
                },
            }
            for record in history
        ],
        **elsewhere,
    }


def _longest_first(texts: Iterable[str]) -> list[str]:
    return sorted(set(texts), key=lambda text: (-len(text), text))


def _scrubber(alternatives: Iterable[str], numbers: Iterable[str] = ()) -> re.Pattern[str] | None:
    """One case-insensitive, whole-word pattern of the regular expressions given, tried in order
    (put full names before their parts, so that a full name becomes a single placeholder), and of
    the `numbers`' (`_phone_pattern`), which keep to their own boundaries: a phone may touch a
    word ("tel.861234567", "Tel861234567"), not another digit."""
    unique = list(dict.fromkeys(alternative for alternative in alternatives if alternative))
    found = [rf"(?<!\w)(?:{'|'.join(unique)})(?!\w)"] if unique else []
    found += dict.fromkeys(number for number in numbers if number)
    if not found:
        return None
    return re.compile("|".join(found), re.IGNORECASE)


def _scrub_text(pattern: re.Pattern[str] | None, text: str | None, placeholder: str) -> str | None:
    if not text or pattern is None:
        return text
    # Looked for in the composed form: a text pasted from some PDFs or Mac programs holds "ū" as
    # "u" and a combining macron. A text with nothing to scrub is kept as it is.
    composed = unicodedata.normalize("NFC", text)
    scrubbed = pattern.sub(placeholder, composed)
    return text if scrubbed == composed else scrubbed


def _scrub_change_message(pattern: re.Pattern[str] | None, message: str, placeholder: str) -> str:
    """Scrub a LogEntry message; a JSON message (the admin's) is scrubbed value by value so it stays JSON."""
    if pattern is None or not message:
        return message
    try:
        data = json.loads(message) if message.startswith("[") else None
    except ValueError:
        data = None
    if data is None:
        return _scrub_text(pattern, message, placeholder) or message

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            return _scrub_text(pattern, value, placeholder)
        if isinstance(value, list):
            return [scrub(item) for item in value]
        if isinstance(value, dict):
            return {key: scrub(item) for key, item in value.items()}
        return value

    return json.dumps(scrub(data))


# What people write between a phone number's digits: spaces (a no-break one too), dots, hyphens,
# brackets ("(8 612) 34567", "8-612-34567", "+370 612 34567"). Hyphen first: the same class reads
# the same in Python and in both databases' regular expressions (the prefilter's).
_PHONE_SEPARATOR = "[-. ()\t\u00a0\u202f]"
# Trunk prefixes a country has dropped that people still write: Lithuania's "8" (now "0").
_FORMER_TRUNK_PREFIXES = {"LT": ("8",)}
# An extension as people write it after the number: "ext. 12", "vid. 12", "(papild. 12)".
_PHONE_EXTENSION_WORDS = rf"(?:ext\.?\s*(?:nr\.?)?|{validators.LITHUANIAN_EXTENSION_WORDS})"


def _phone_digits(phone: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(phone, "LT")
    except phonenumbers.NumberParseException:
        return None


def _phone_pattern(phone: str) -> str:
    """A regular expression of a stored phone ("+37061234567") as people write it in a text: its
    national number's digits with or without separators between them ("8 612 34567", "861234567",
    "(8 612) 34567", "8-612-34567"), after an optional international prefix ("+370", "00370",
    "370" as a link writes it) or trunk prefix ("8", "0"). A phone with an extension is found with
    its extension only: the number without it is the organisation's switchboard, which colleagues'
    extensions share ("8 5 212 3456 ext. 34" is not hers). Not inside a longer number: no
    digit may touch it, nor be joined to it by a hyphen or a dot ("302861234567", "1-861234567"
    are other numbers); a digit a space away may (a date before it, "2026 01 05 8 612 34567")."""
    number = _phone_digits(phone)
    if number is None:
        return re.escape(phone)
    national = phonenumbers.national_significant_number(number)
    country = str(number.country_code)
    region = phonenumbers.region_code_for_number(number)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region) if region else None
    trunks = {*_FORMER_TRUNK_PREFIXES.get(region or "", ())}
    if metadata is not None and metadata.national_prefix:
        trunks.add(metadata.national_prefix)
    separators = f"{_PHONE_SEPARATOR}*"
    prefixes = [rf"\+\s*{country}", rf"00\s*{country}", country, *map(re.escape, sorted(trunks))]
    # An opening bracket is part of the number only when it closes before the last digits:
    # "(8 612) 34567", not "(861234567)".
    bracket = r"(?:\((?=[-.\d\s+]*\)" + separators + r"\d))?"
    prefix = rf"(?:(?:{'|'.join(prefixes)}){separators})?"
    pattern = rf"(?<!\d)(?<!\d[-.]){bracket}{prefix}{separators.join(national)}"
    if number.extension:
        pattern += rf"[,;]?\s*\(?{_PHONE_EXTENSION_WORDS}\s*{number.extension}\)?"
    return pattern + r"(?![-.]?\d)"


def _phone_prefilter(phone: str) -> str:
    """What the database looks for before the pattern decides: the national number's digits with
    any separators between them, whatever the prefix (a regular expression that PostgreSQL and
    SQLite, through Python's, read alike)."""
    number = _phone_digits(phone)
    if number is None:
        return re.escape(phone)
    return f"{_PHONE_SEPARATOR}*".join(phonenumbers.national_significant_number(number))


def _either_form(character: str) -> bool:
    """A letter found in a text with or without its diacritics: one with them, or a letter that
    stands for a Lithuanian one without them ("u" for "ų" and "ū")."""
    return bool(base_letter(character) or marked_forms(character))


class _ContainsWithoutDiacritics(lookups.IContains):
    """`icontains` that also finds the text with its letters' diacritics left out or put in: each
    such letter becomes LIKE's "_" (any one character), so "Jūrat" finds "Jurat" and "Jurat" finds
    "Jūrat". Only for a text whose other characters are ASCII, which both databases' LIKE folds to
    either case on its own."""

    def process_rhs(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        rhs, params = lookups.Lookup.process_rhs(self, compiler, connection)
        pattern = "".join(
            "_" if _either_form(character) else connection.ops.prep_for_like_query(character)
            for character in params[0]
        )
        return rhs, [f"%{pattern}%"]


def _contains_stem(field: str, stem: str) -> models.Q:
    """The field contains the stem in either letter case, as written or with its diacritics left
    out or put in, or with its letters decomposed ("u" and a combining macron for "ū")."""
    if any(map(_either_form, stem)) and all(
        character.isascii() or base_letter(character) for character in stem
    ):
        found = models.Q(_ContainsWithoutDiacritics(models.F(field), stem))
    else:
        # No letter with another form; or letters of their own ("ø", Cyrillic), which the database
        # must fold itself.
        found = models.Q(**{f"{field}__icontains": stem})
    decomposed = unicodedata.normalize("NFD", stem)
    if decomposed != stem:
        found |= models.Q(**{f"{field}__icontains": decomposed})
    return found


@transaction.atomic
def _scrub_records(
    records: models.QuerySet,
    fields: tuple[str, ...],
    pattern: re.Pattern[str] | None,
    placeholder: str,
    key: str = "pk",
) -> None:
    """Replace what `pattern` finds in the records' text `fields` by the placeholder, record by
    record, without touching anything else of them (no history of the change: it erases). A text
    the placeholder makes longer than its column takes is cut to it."""
    limits = {field: records.model._meta.get_field(field).max_length for field in fields}
    for record in records.only(key, *fields):
        changed = {
            field: scrubbed[: limits[field]] if limits[field] else scrubbed
            for field in fields
            if (scrubbed := _scrub_text(pattern, getattr(record, field), placeholder))
            != getattr(record, field)
        }
        if changed:
            records.model.objects.filter(**{key: getattr(record, key)}).update(**changed)


@dataclasses.dataclass(frozen=True)
class _Traces:
    """How texts may name a person: every name, e-mail and phone the person ever had.

    Texts that also mention other people (organisations' log, interactions) lose only full names,
    e-mail addresses and phones (`shared_pattern`); the person's own log and history lose single
    first and last names too (`pattern`). Names are matched in any case form, each of a full
    name's names declined on its own.
    """

    pattern: re.Pattern[str] | None
    shared_pattern: re.Pattern[str] | None
    emails: frozenset[str]
    phones: frozenset[str]
    # What the database looks for before the patterns decide: a full name as the stems of all its
    # words within one text (in any order and case, with or without diacritics).
    full_name_stems: tuple[tuple[str, ...], ...]

    def naming(self, fields: tuple[str, ...]) -> models.Q:
        """The records whose `fields` may name the person: an e-mail as written, a phone's digits
        with any separators between them (`_phone_prefilter`), a full name's stems."""
        found = models.Q(pk__in=[])
        for field in fields:
            for term in self.emails:
                found |= models.Q(**{f"{field}__icontains": term})
            for phone in self.phones:
                found |= models.Q(**{f"{field}__regex": _phone_prefilter(phone)})
            for stems in self.full_name_stems:
                found |= models.Q(*(_contains_stem(field, stem) for stem in stems))
        return found

    def log_mentions(self) -> models.Q:
        """The admin log entries that may name the person. The admin stores JSON messages with
        non-ASCII characters escaped, so that spelling is looked for too."""
        mentions = models.Q(pk__in=[])
        for field in ("object_repr", "change_message"):
            for term in self.emails:
                for spelling in {term, json.dumps(term)[1:-1]}:
                    mentions |= models.Q(**{f"{field}__icontains": spelling})
            for phone in self.phones:
                mentions |= models.Q(**{f"{field}__regex": _phone_prefilter(phone)})
            for stems in self.full_name_stems:
                mentions |= models.Q(
                    *(
                        _contains_stem(field, stem)
                        | models.Q(**{f"{field}__icontains": json.dumps(stem)[1:-1]})
                        for stem in stems
                    )
                )
        return mentions


# The last name an erasure gives: the record's number ("#42").
_ERASED_LAST_NAME = re.compile(r"#\d+")


def _erasure_first_names() -> frozenset[str]:
    """The first names an erasure gives, in each language it may have run in (the page's)."""
    names = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.add(unicodedata.normalize("NFC", gettext("Anonymised person")))
    return frozenset(names)


def _person_traces(records: Iterable[Any]) -> _Traces:
    """The traces of the persons' records given (the person and its simple-history records).

    An erasure's placeholders name no one and are left out; anything else counts, an erased
    record's too: its page stays editable, and what staff type into it after an erasure (a
    returning contact's name, e-mail, phone) is erased by the next one."""
    placeholder_first_names = _erasure_first_names()
    full_names: set[tuple[str, str]] = set()
    emails: set[str] = set()
    phones: set[str] = set()
    name_parts: set[str] = set()
    for record in records:
        first, last = (
            unicodedata.normalize("NFC", name.strip()) for name in (record.first_name, record.last_name)
        )
        first = "" if first in placeholder_first_names else first
        last = "" if _ERASED_LAST_NAME.fullmatch(last) else last
        if first and last:
            full_names.add((first, last))
        emails.update([record.email.strip()] if record.email and record.email.strip() else [])
        phones.update([record.phone.strip()] if record.phone and record.phone.strip() else [])
        name_parts.update(name for name in (first, last) if name)
    # Full names before their parts, longer before shorter: each mention becomes one placeholder.
    full_name_patterns = [
        rf"{name_forms_pattern(one)}\s+{name_forms_pattern(other)}"
        for first, last in sorted(full_names, key=lambda pair: (-len(pair[0] + pair[1]), pair))
        for one, other in [(first, last), (last, first)]
    ]
    contact_patterns = [re.escape(email) for email in _longest_first(emails)]
    # A phone as written in any of its forms ("8 612 34567", "+370 612 34567"), not just as stored.
    phone_patterns = [_phone_pattern(phone) for phone in _longest_first(phones)]
    return _Traces(
        pattern=_scrubber(
            [*full_name_patterns, *contact_patterns, *map(name_forms_pattern, _longest_first(name_parts))],
            phone_patterns,
        ),
        shared_pattern=_scrubber([*full_name_patterns, *contact_patterns], phone_patterns),
        emails=frozenset(emails),
        phones=frozenset(phones),
        full_name_stems=tuple(
            tuple(name_prefilter_terms(first) + name_prefilter_terms(last))
            for first, last in sorted(full_names)
        ),
    )


def _scrub_log(*, traces: _Traces, own: models.Q, placeholder: str, own_repr: str | None = None) -> None:
    """Replace the person's traces in the admin log by the placeholder: in the entries `own`
    (of the person's records) with `traces.pattern`, their name then given as `own_repr` if one
    is given, and in any other entry that names them (an affiliation added inline on an
    organisation, links of other apps, ...) with `traces.shared_pattern`."""
    own_ids = set(LogEntry.objects.filter(own).values_list("pk", flat=True))
    for entry in LogEntry.objects.filter(own | traces.log_mentions()):
        is_own = entry.pk in own_ids
        entry_pattern = traces.pattern if is_own else traces.shared_pattern
        object_repr = _scrub_text(entry_pattern, entry.object_repr, placeholder) or ""
        if is_own and own_repr is not None:
            object_repr = own_repr
        change_message = _scrub_change_message(entry_pattern, entry.change_message, placeholder)
        if (object_repr, change_message) != (entry.object_repr, entry.change_message):
            LogEntry.objects.filter(pk=entry.pk).update(
                object_repr=object_repr, change_message=change_message
            )


@transaction.atomic
def person_erase(*, person: Person, user: AbstractBaseUser) -> Person:
    """Anonymise a person (GDPR erasure) while keeping the organisations' records and counts.

    The names become a neutral placeholder ("Anonymised person" and the record number), e-mail,
    phone and notes are blanked, consents cleared and `anonymised_at` set. Affiliations stay (a
    job title is personal data and is blanked; an anonymous contact can be neither the primary
    contact nor receive consultations) and interactions stay. The person's simple-history records
    (and the job titles in the affiliations' history) are scrubbed the same way, and any name,
    e-mail or phone the person ever had is replaced by the placeholder in the person's admin log
    entries, in any other log entry naming them, in the interactions they took part in, those
    of the organisations they are or were affiliated with, and any other interaction naming them,
    and in the organisations' descriptions, the memberships' notes and other persons' notes naming
    them (and their history).
    Names are found in any Lithuanian case ("Jūratei Kazlauskienei", "Petro Petraičio"), e-mail
    addresses as written, phones in any form people write them ("8 612 34567", "+370 612 34567",
    "(8 612) 34567"), but not inside a longer number (`_phone_pattern`). Texts shared with other
    people (other log entries, interactions) lose full names, in either order, e-mails and phones;
    the person's own log entries and history also lose a first or last name standing alone.
    Logged with a LogEntry that holds no erased data. One transaction: the person's row stays
    locked until every copy is scrubbed, and an error anywhere leaves everything as it was.
    """
    person = Person.objects.select_for_update().get(pk=person.pk)
    placeholder = gettext("Anonymised person")
    person_history = _history_model(Person).objects.filter(id=person.pk)
    affiliation_history = _history_model(Affiliation).objects.filter(person_id=person.pk)
    # Every name, e-mail and phone the person ever had, so no copy of them survives elsewhere.
    traces = _person_traces([person, *person_history])

    anonymous = {
        "first_name": placeholder,
        "last_name": f"#{person.pk}",
        "email": "",
        "phone": "",
        "notes": "",
        **{f"consent_{kind}": False for kind in _CONSENT_KINDS},
        **{f"consent_{kind}_at": None for kind in _CONSENT_KINDS},
        **{f"consent_{kind}_source": "" for kind in _CONSENT_KINDS},
    }
    for name, value in anonymous.items():
        setattr(person, name, value)
    person.anonymised_at = timezone.now()
    _save_with_history(person, user=user, reason=gettext("Personal data erased"))

    for record in person_history.exclude(history_change_reason__isnull=True):
        scrubbed = _scrub_text(traces.pattern, record.history_change_reason, placeholder)
        if scrubbed != record.history_change_reason:
            person_history.filter(history_id=record.history_id).update(history_change_reason=scrubbed)
    person_history.update(**anonymous)

    for affiliation in Affiliation.objects.filter(person=person):
        affiliation.job_title = ""
        affiliation.is_primary = False
        affiliation.receives_consultations = False
        _save_with_history(affiliation, user=user, reason=gettext("Personal data erased"))
    affiliation_history.update(job_title="")

    # An interaction can name the person without listing them among the people involved: most
    # often one logged on the page of an organisation they are (or were: the affiliation may be
    # deleted since) a contact of, but any interaction that names them is scrubbed too.
    interactions = Interaction.objects.filter(
        models.Q(pk__in=person.interactions.values("pk"))
        | models.Q(organisation_id__in=Affiliation.objects.filter(person=person).values("organisation_id"))
        | models.Q(organisation_id__in=affiliation_history.values("organisation_id"))
        | traces.naming(("subject", "notes"))
    )
    _scrub_records(interactions, ("subject", "notes"), traces.shared_pattern, placeholder)
    # Staff's texts on organisations, memberships, payments and other persons ("contact: Jūratė
    # Kazlauskienė, …", "stands in for Jūratė Kazlauskienė while away"), and what their history
    # keeps of them. The person's own history was blanked above.
    for model, fields, excluded in (
        (Organisation, ("description", "notes"), models.Q()),
        (Membership, ("notes",), models.Q()),
        (Payment, ("reference",), models.Q()),
        (Person, ("notes",), models.Q(id=person.pk)),
    ):
        _scrub_records(
            model.objects.filter(traces.naming(fields)).exclude(excluded),
            fields,
            traces.shared_pattern,
            placeholder,
        )
        history = _history_model(model).objects.filter(traces.naming(fields)).exclude(excluded)
        _scrub_records(history, fields, traces.shared_pattern, placeholder, key="history_id")

    # The admin log: the person's own entries, and any other entry that names them.
    person_type = ContentType.objects.get_for_model(Person)
    _scrub_log(
        traces=traces,
        own=models.Q(content_type=person_type, object_id=str(person.pk)),
        placeholder=placeholder,
    )

    _log_change(user=user, obj=person, message=gettext("Personal data erased (GDPR)."))
    signals.person_erased.send(sender=Person, person=person)
    return person


@transaction.atomic
def person_delete(*, person: Person) -> None:
    """Delete a person and what the history keeps of them: a deleted contact's data must not live
    on where no one can see it, and once the person is gone no erasure can reach it.

    Their affiliations go with them (and their interactions lose them from the people involved).
    Their simple-history records and those of their affiliations (with the job titles) are
    deleted; in the admin log, the entries of the person (their deletion too) name them "Deleted
    person", those of their affiliations and any other entry naming them (an affiliation added
    inline on an organisation) have the name, e-mail and phone replaced by it, as an erasure does
    (`_Traces`). Staff's own texts that are still shown (interactions, descriptions, notes) are
    left to staff, or to an erasure before the deletion.
    """
    person = Person.objects.select_for_update().get(pk=person.pk)
    placeholder = gettext("Deleted person")
    person_history = _history_model(Person).objects.filter(id=person.pk)
    affiliation_history = _history_model(Affiliation).objects.filter(person_id=person.pk)
    traces = _person_traces([person, *person_history])
    affiliation_ids = {
        *Affiliation.objects.filter(person=person).values_list("pk", flat=True),
        *affiliation_history.values_list("id", flat=True),
    }
    person_pk = person.pk
    person.delete()
    # After the deletion, which writes a last ("deleted") record of each.
    person_history.delete()
    affiliation_history.delete()

    content_types = ContentType.objects.get_for_models(Person, Affiliation)
    _scrub_log(
        traces=traces,
        own=models.Q(content_type=content_types[Person], object_id=str(person_pk)),
        placeholder=placeholder,
        own_repr=placeholder,
    )
    # An affiliation's entries keep the organisation: "Deleted person — Lazerių klasteris".
    _scrub_log(
        traces=traces,
        own=models.Q(
            content_type=content_types[Affiliation], object_id__in=[str(pk) for pk in affiliation_ids]
        ),
        placeholder=placeholder,
    )

"""Read queries of the CRM, shared by the admin, public pages, exports and commands."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext

from crm.models import Affiliation, Membership, Municipality, Organisation, Person, Sector

T = TypeVar("T")


def memberships_current_on(*, day: datetime.date) -> QuerySet[Membership]:
    """Membership periods that cover the given day."""
    return Membership.objects.filter(start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    )


def affiliation_current_condition(*, day: datetime.date, through: str = "") -> Q:
    """The rule of `affiliations_current_on` for the affiliation reached through `through` (such as
    "person__affiliations__"). Given in the same `filter()` call as the other conditions on that
    affiliation, it applies to the same one: a join, which costs a request less to build than a
    subquery."""
    started = Q(**{f"{through}start_date__isnull": True}) | Q(**{f"{through}start_date__lte": day})
    not_ended = Q(**{f"{through}end_date__isnull": True}) | Q(**{f"{through}end_date__gte": day})
    return started & not_ended


def affiliations_current_on(*, day: datetime.date) -> QuerySet[Affiliation]:
    """Affiliations that have started (or have no start) and have not ended by `day`."""
    return Affiliation.objects.filter(affiliation_current_condition(day=day))


def organisations_with_status(
    *, queryset: QuerySet[Organisation] | None = None, day: datetime.date | None = None
) -> QuerySet[Organisation]:
    """Organisations annotated with `membership_status`: the status of the period covering `day`
    (today by default), or None when no period covers it."""
    day = day or timezone.localdate()
    queryset = Organisation.objects.all() if queryset is None else queryset
    current = memberships_current_on(day=day).filter(organisation=OuterRef("pk")).order_by("-start_date")
    return queryset.annotate(membership_status=Subquery(current.values("status")[:1]))


def active_members(*, day: datetime.date | None = None) -> QuerySet[Organisation]:
    """Organisations whose membership covering `day` is active."""
    return organisations_with_status(day=day).filter(membership_status=Membership.Status.ACTIVE)


def directory_organisations() -> QuerySet[Organisation]:
    """Active member clusters shown on the public directory, with what its pages display."""
    return (
        active_members()
        .filter(kind=Organisation.Kind.CLUSTER, show_in_directory=True)
        .select_related("municipality")
        .prefetch_related("sectors")
        .order_by("name")
    )


def directory_municipalities() -> QuerySet[Municipality]:
    """The municipalities of the clusters the public directory lists: its filter offers no other
    (none that would find nothing, none of a cluster it does not show)."""
    return Municipality.objects.filter(pk__in=directory_organisations().values("municipality"))


def directory_sectors() -> QuerySet[Sector]:
    """The sectors of the clusters the public directory lists, as `directory_municipalities`."""
    return Sector.objects.filter(pk__in=directory_organisations().values("sectors"))


def label_expired(*, organisation: Organisation, day: datetime.date) -> bool:
    """Whether the organisation's cluster management label had expired by `day`: it was valid
    until the day before or earlier (valid on its last day)."""
    return organisation.label_valid_until is not None and organisation.label_valid_until < day


def label_held(*, organisation: Organisation, day: datetime.date) -> bool:
    """Whether the organisation holds a cluster management label on `day`: one is recorded, it
    was awarded by then (or no date is recorded) and it has not expired."""
    if organisation.label == Organisation.Label.NONE or label_expired(organisation=organisation, day=day):
        return False
    return organisation.label_awarded_on is None or organisation.label_awarded_on <= day


def primary_contacts_prefetch() -> Prefetch:
    """Prefetch the primary contact affiliation (with its person) as `primary_affiliations`."""
    return Prefetch(
        "affiliations",
        queryset=Affiliation.objects.filter(is_primary=True).select_related("person"),
        to_attr="primary_affiliations",
    )


# --- likely duplicates ----------------------------------------------------------------------------

# Legal-form words dropped from organisation names before comparing them (already folded:
# lower case, no diacritics), e.g. "VšĮ", "UAB", "viešoji įstaiga".
LEGAL_FORM_WORDS = frozenset({"vsi", "uab", "ab", "mb", "ii", "tub", "kub", "zub", "asociacija"})
LEGAL_FORM_PHRASES = (("viesoji", "istaiga"),)


def strip_diacritics(value: str) -> str:
    """Lower case without Lithuanian (or any) diacritics: "Žvaigždė" → "zvaigzde"."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold_text(value: str) -> str:
    """Diacritics stripped, quotes and punctuation turned into single spaces:
    "„Šiaurės Žvaigždė“, UAB" → "siaures zvaigzde uab"."""
    return " ".join(re.split(r"[\W_]+", strip_diacritics(value))).strip()


def organisation_name_key(name: str) -> str:
    """The part of an organisation's name that identifies it: folded, legal-form words removed."""
    words = fold_text(name).split()
    for phrase in LEGAL_FORM_PHRASES:
        size = len(phrase)
        index = 0
        while index <= len(words) - size:
            if tuple(words[index : index + size]) == phrase:
                del words[index : index + size]
            else:
                index += 1
    return " ".join(word for word in words if word not in LEGAL_FORM_WORDS)


def person_name_key(first_name: str, last_name: str) -> str:
    """A person's folded name, its words sorted so "Petras Jonaitis" matches "Jonaitis, Petras"."""
    return " ".join(sorted(fold_text(f"{first_name} {last_name}").split()))


@dataclass
class DuplicateGroup(Generic[T]):
    """Records that are probably one and the same, and why they were grouped."""

    members: list[T]
    reasons: list[str] = field(default_factory=list)


def _connected_groups(keys: dict[int, list[tuple[str, str]]]) -> list[tuple[list[int], list[str]]]:
    """Group record ids sharing any key (a union-find); `keys` maps an id to its (key, reason) pairs.

    Returns the groups of two or more ids with the reasons that joined them.
    """
    parent: dict[int, int] = {}

    def root(pk: int) -> int:
        while parent.setdefault(pk, pk) != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    holders: dict[str, list[int]] = defaultdict(list)
    reason_of: dict[str, str] = {}
    for pk, pairs in keys.items():
        for key, reason in pairs:
            if pk not in holders[key]:
                holders[key].append(pk)
            reason_of[key] = reason
    for pks in holders.values():
        for pk in pks[1:]:
            parent[root(pk)] = root(pks[0])
    members: dict[int, list[int]] = defaultdict(list)
    for pk in sorted({pk for pks in holders.values() if len(pks) > 1 for pk in pks}):
        members[root(pk)].append(pk)
    reasons: dict[int, list[str]] = defaultdict(list)
    for key, pks in holders.items():
        if len(pks) > 1 and reason_of[key] not in reasons[root(pks[0])]:
            reasons[root(pks[0])].append(reason_of[key])
    return [(pks, reasons[group]) for group, pks in members.items()]


def organisation_duplicate_groups() -> list[DuplicateGroup[Organisation]]:
    """Organisations that are probably the same: equal names once case, quotes, punctuation,
    diacritics and legal-form words are ignored, or the same VAT code. (Equal legal codes cannot
    happen: the database refuses them.) Two queries whatever the number of organisations."""
    keys: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for pk, name, vat_code in Organisation.objects.values_list("pk", "name", "vat_code"):
        name_key = organisation_name_key(name)
        if name_key:
            keys[pk].append((f"name:{name_key}", gettext("Similar names (“%(key)s”)") % {"key": name_key}))
        if vat_code:
            keys[pk].append((f"vat:{vat_code}", gettext("Same VAT code %(code)s") % {"code": vat_code}))
    groups = _connected_groups(keys)
    wanted = [pk for pks, _reasons in groups for pk in pks]
    organisations = (
        Organisation.objects.filter(pk__in=wanted)
        .select_related("municipality")
        .annotate(
            affiliation_count=Count("affiliations", distinct=True),
            membership_count=Count("memberships", distinct=True),
            interaction_count=Count("interactions", distinct=True),
        )
        .in_bulk()
    )
    result = [
        DuplicateGroup(members=[organisations[pk] for pk in pks if pk in organisations], reasons=reasons)
        for pks, reasons in groups
    ]
    return sorted(result, key=lambda group: organisation_name_key(group.members[0].name))


def person_duplicate_groups() -> list[DuplicateGroup[Person]]:
    """Persons who are probably the same: the same folded name within one organisation, or the same
    e-mail address once case, spaces and diacritics are ignored. Four queries whatever the number
    of persons."""
    keys: dict[int, list[tuple[str, str]]] = defaultdict(list)
    affiliations = Affiliation.objects.values_list(
        "person_id", "organisation_id", "person__first_name", "person__last_name", "organisation__name"
    )
    for person_pk, organisation_pk, first_name, last_name, organisation_name in affiliations:
        name_key = person_name_key(first_name, last_name)
        if name_key:
            reason = gettext("Same name in %(organisation)s") % {"organisation": organisation_name}
            keys[person_pk].append((f"name:{organisation_pk}:{name_key}", reason))
    for person_pk, email in Person.objects.exclude(email="").values_list("pk", "email"):
        email_key = "".join(strip_diacritics(email).split())
        keys[person_pk].append((f"email:{email_key}", gettext("Same e-mail address")))
    groups = _connected_groups(keys)
    wanted = [pk for pks, _reasons in groups for pk in pks]
    persons = (
        Person.objects.filter(pk__in=wanted)
        .prefetch_related(
            Prefetch("affiliations", queryset=Affiliation.objects.select_related("organisation"))
        )
        .in_bulk()
    )
    result = [
        DuplicateGroup(members=[persons[pk] for pk in pks if pk in persons], reasons=reasons)
        for pks, reasons in groups
    ]
    return sorted(
        result, key=lambda group: person_name_key(group.members[0].first_name, group.members[0].last_name)
    )


# --- municipalities as people write them -----------------------------------------------------------

#: The town each municipality is named after, in the nominative ("Kaunas"), by the genitive that
#: begins the official name ("Kauno miesto savivaldybė").
MUNICIPALITY_TOWNS: dict[str, tuple[str, ...]] = {
    "Akmenės": ("Akmenė", "Naujoji Akmenė"),
    "Alytaus": ("Alytus",),
    "Anykščių": ("Anykščiai",),
    "Birštono": ("Birštonas",),
    "Biržų": ("Biržai",),
    "Druskininkų": ("Druskininkai",),
    "Elektrėnų": ("Elektrėnai",),
    "Ignalinos": ("Ignalina",),
    "Jonavos": ("Jonava",),
    "Joniškio": ("Joniškis",),
    "Jurbarko": ("Jurbarkas",),
    "Kaišiadorių": ("Kaišiadorys",),
    "Kalvarijos": ("Kalvarija",),
    "Kauno": ("Kaunas",),
    "Kazlų Rūdos": ("Kazlų Rūda",),
    "Kėdainių": ("Kėdainiai",),
    "Kelmės": ("Kelmė",),
    "Klaipėdos": ("Klaipėda",),
    "Kretingos": ("Kretinga",),
    "Kupiškio": ("Kupiškis",),
    "Lazdijų": ("Lazdijai",),
    "Marijampolės": ("Marijampolė",),
    "Mažeikių": ("Mažeikiai",),
    "Molėtų": ("Molėtai",),
    "Neringos": ("Neringa",),
    "Pagėgių": ("Pagėgiai",),
    "Pakruojo": ("Pakruojis",),
    "Palangos": ("Palanga",),
    "Panevėžio": ("Panevėžys",),
    "Pasvalio": ("Pasvalys",),
    "Plungės": ("Plungė",),
    "Prienų": ("Prienai",),
    "Radviliškio": ("Radviliškis",),
    "Raseinių": ("Raseiniai",),
    "Rietavo": ("Rietavas",),
    "Rokiškio": ("Rokiškis",),
    "Skuodo": ("Skuodas",),
    "Šakių": ("Šakiai",),
    "Šalčininkų": ("Šalčininkai",),
    "Šiaulių": ("Šiauliai",),
    "Šilalės": ("Šilalė",),
    "Šilutės": ("Šilutė",),
    "Širvintų": ("Širvintos",),
    "Švenčionių": ("Švenčionys",),
    "Tauragės": ("Tauragė",),
    "Telšių": ("Telšiai",),
    "Trakų": ("Trakai",),
    "Ukmergės": ("Ukmergė",),
    "Utenos": ("Utena",),
    "Varėnos": ("Varėna",),
    "Vilkaviškio": ("Vilkaviškis",),
    "Vilniaus": ("Vilnius",),
    "Visagino": ("Visaginas",),
    "Zarasų": ("Zarasai",),
}
CITY, DISTRICT = "city", "district"
#: Words (folded, see `fold_text`) that say which of a town's municipalities is meant.
MUNICIPALITY_KIND_WORDS = {
    "m": CITY,
    "miesto": CITY,
    "miestas": CITY,
    "r": DISTRICT,
    "raj": DISTRICT,
    "rajono": DISTRICT,
    "rajonas": DISTRICT,
}
#: "savivaldybė" and its abbreviation say nothing that tells municipalities apart.
MUNICIPALITY_WORDS = frozenset({"sav", "savivaldybe", "savivaldybes"})


@dataclass(frozen=True)
class MunicipalityNames:
    """The municipalities by their town, as `municipality_from_text` reads them: folded town name
    (genitive or nominative) → (kind of municipality, municipality) pairs."""

    by_town: dict[str, list[tuple[str, Municipality]]]


def _municipality_parts(text: str) -> tuple[str, str]:
    """A written municipality as (folded town, kind): "Kauno r. sav." → ("kauno", "district"),
    "Siauliu miestas" → ("siauliu", "city"), "Birštono savivaldybė" → ("birstono", "")."""
    words = [word for word in fold_text(text).split() if word not in MUNICIPALITY_WORDS]
    kind = ""
    if len(words) > 1 and words[-1] in MUNICIPALITY_KIND_WORDS:
        kind = MUNICIPALITY_KIND_WORDS[words.pop()]
    return " ".join(words), kind


def municipality_names(*, municipalities: Iterable[Municipality] | None = None) -> MunicipalityNames:
    """The table `municipality_from_text` reads, built once (an import builds it at its start).

    Each municipality is known by the town its official name begins with, in the genitive
    ("Kauno") and in the nominative ("Kaunas", `MUNICIPALITY_TOWNS`), and by its kind (miesto,
    rajono, or neither)."""
    if municipalities is None:
        municipalities = Municipality.objects.all()
    nominatives = {fold_text(genitive): towns for genitive, towns in MUNICIPALITY_TOWNS.items()}
    by_town: dict[str, list[tuple[str, Municipality]]] = defaultdict(list)
    for municipality in municipalities:
        town, kind = _municipality_parts(municipality.name)
        for form in {town, *(fold_text(name) for name in nominatives.get(town, ()))}:
            by_town[form].append((kind, municipality))
    return MunicipalityNames(by_town=dict(by_town))


def municipalities_matching(*, text: str, names: MunicipalityNames | None = None) -> list[int]:
    """The municipalities a search may mean, as people write them (`municipality_from_text`), the
    town's name begun ("Kaun", "Kaunas", "Kauno r.", "Siauliu", "Panevėžys"): both of a town's when
    its kind is not written. For the admin's search as one types."""
    town, kind = _municipality_parts(text)
    if not town:
        return []
    names = names or municipality_names()
    candidates = [pair for form, pairs in names.by_town.items() if form.startswith(town) for pair in pairs]
    if kind and any(own == kind for own, _municipality in candidates):
        candidates = [pair for pair in candidates if pair[0] == kind]
    return sorted({municipality.pk for _kind, municipality in candidates})


def municipality_from_text(*, value: str, names: MunicipalityNames) -> Municipality:
    """The municipality a person wrote, as people write them: the official name or its town in the
    genitive or nominative, with or without "miesto"/"m."/"miestas", "rajono"/"raj."/"r.",
    "savivaldybė"/"sav.", in any letter case and spacing, with or without Lithuanian letters
    ("Vilniaus m. sav.", "Kauno r.", "Siauliu miestas", "Birštonas").

    A town with a city and a district municipality (Alytaus, Kauno, Klaipėdos, Panevėžio, Šiaulių,
    Vilniaus) needs its kind: "Kaunas" alone is a ValidationError listing both. So is a value that
    names no municipality. A kind that the town's only municipality does not have is no
    contradiction ("Anykščių m.": the town of Anykščiai is in Anykščių rajono savivaldybė)."""
    town, kind = _municipality_parts(str(value))
    candidates = names.by_town.get(town, [])
    if kind and any(own == kind for own, _municipality in candidates):
        candidates = [pair for pair in candidates if pair[0] == kind]
    found = list({municipality.pk: municipality for _kind, municipality in candidates}.values())
    if not found:
        raise ValidationError(
            gettext("There is no municipality called “%(value)s”.") % {"value": value}, code="unknown"
        )
    if len(found) > 1:
        raise ValidationError(
            gettext("“%(value)s” may be any of these municipalities: %(candidates)s. Write which one.")
            % {"value": value, "candidates": ", ".join(sorted(m.name for m in found))},
            code="ambiguous",
        )
    return found[0]

from __future__ import annotations

import datetime
from collections import defaultdict
from itertools import combinations
from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm import selectors, services
from crm.admin.duplicates import OrganisationToolsMixin
from crm.admin.filters import (
    LabelExpiringFilter,
    MembershipStatusFilter,
    NoPrimaryContactFilter,
    label_expiry_window,
)
from crm.admin.formfields import (
    HTTPS_URLS,
    LOCALIZED_DECIMALS,
    LoadedChoicesFormSet,
    LoadedChoicesInlineMixin,
    NamedFieldsInlineFormSet,
    as_phone,
)
from crm.admin.history import HistoryAdmin
from crm.admin.rows import QuickRowsMixin
from crm.filters import plain_quotes
from crm.models import Affiliation, Interaction, Membership, Organisation, Person, Sector
from crm.resources import ImportExportAdminMixin, OrganisationResource


class AffiliationFormSet(LoadedChoicesFormSet):
    """Holds the organisation's contacts to one primary contact before anything is saved.

    Each form's model validation leaves out the inline's own foreign key, so the database
    constraint crm_affiliation_one_primary_contact is never checked there: without this, two
    ticked contacts end in an IntegrityError on save.
    """

    def clean(self) -> None:
        super().clean()
        services.organisation_lock(organisation_id=self.instance.pk)
        kept = [form for form in self.forms if not self._should_delete_form(form)]
        primaries = sum(1 for form in kept if form.cleaned_data.get("is_primary"))
        if self.instance.pk is not None:
            # A primary contact saved since the page was opened is not among the forms.
            shown = [form.instance.pk for form in self.initial_forms if form.instance.pk is not None]
            primaries += (
                Affiliation.objects.filter(organisation=self.instance, is_primary=True)
                .exclude(pk__in=shown)
                .count()
            )
        if primaries > 1:
            raise ValidationError(
                _("An organisation has one primary contact: untick the other one."),
                code="one_primary_contact",
            )


Period = tuple[datetime.date, datetime.date | None]


def _period(start: datetime.date, end: datetime.date | None) -> str:
    # Written as Membership.clean() writes the period it clashes with.
    return f"{start} – {end or '…'}"


def _overlap(first: Period, second: Period) -> bool:
    # Closed periods, an open end running forever: the rule of the constraint and of clean().
    (start_a, end_a), (start_b, end_b) = first, second
    return (end_a is None or start_b <= end_a) and (end_b is None or start_a <= end_b)


class MembershipFormSet(NamedFieldsInlineFormSet):
    """Refuses membership periods that overlap each other, as they are on the page, and saves
    corrected periods in an order the database accepts.

    Membership.clean() compares a period with the saved ones only (and with none on the add
    page): two overlapping rows posted together would reach the database's no-overlap
    constraint (migration 0003) and fail there, and ending one period while adding the next
    was refused against the first one's stored end. So the periods are compared here, those of
    the page and any saved since the page was opened, instead of in Membership.clean().
    """

    def _construct_form(self, i: int, **kwargs: Any) -> Any:
        form = super()._construct_form(i, **kwargs)
        form.instance.overlaps_checked_by_form = True
        return form

    def clean(self) -> None:
        super().clean()
        services.organisation_lock(organisation_id=self.instance.pk)
        periods: list[Period] = []
        if self.instance.pk is not None:
            shown = [form.instance.pk for form in self.initial_forms if form.instance.pk is not None]
            periods += (
                Membership.objects.filter(organisation=self.instance)
                .exclude(pk__in=shown)
                .values_list("start_date", "end_date")
            )
        for form in self.forms:
            if self._should_delete_form(form):
                continue
            start, end = form.cleaned_data.get("start_date"), form.cleaned_data.get("end_date")
            if start is None or (end is not None and end < start):
                continue  # already a form error
            periods.append((start, end))
        for first, second in combinations(periods, 2):
            if _overlap(first, second):
                raise ValidationError(
                    _("The membership periods %(first)s and %(second)s overlap."),
                    code="membership_overlap",
                    params={"first": _period(*first), "second": _period(*second)},
                )

    def save_existing_objects(self, commit: bool = True) -> list[Membership]:
        """Deleted rows first, then the changed ones, by `_save_in_order`.

        Django saves the rows one by one in the page's order, the latest period first: moving the
        boundary between two periods earlier stretched the later period over the earlier one's
        stored end, and deleting a period to extend the next one over it met the deleted period
        still stored. The database refused both (a server error) though the page, as `clean`
        checked it, had no overlap. New rows come after these (`save_new_objects`), when every
        stored period is already as on the page.
        """
        if not commit:
            return super().save_existing_objects(commit=False)
        self.changed_objects, self.deleted_objects = [], []
        changed = []
        for form in self.initial_forms:
            membership = form.instance
            if membership.pk is None or membership._state.adding:
                continue  # not (or no longer) stored, as in Django's own loop
            if form in self.deleted_forms:
                self.deleted_objects.append(membership)
                self.delete_existing(membership, commit=True)
            elif form.has_changed():
                self.changed_objects.append((membership, form.changed_data))
                changed.append(form)
        return self._save_in_order(changed)

    def _save_in_order(self, forms: list[Any]) -> list[Membership]:
        """Save each changed row once its new period is clear of the stored periods of the rows
        still waiting: the only ones it can meet, as the other rows are already as on the page,
        which has no overlap.

        Periods that trade places (each moved onto another's stored one) have no such order: one
        of them is then parked on a day before every period, which frees its stored period, until
        its turn comes.
        """
        waiting = {form.instance.pk: form for form in forms}
        new: dict[int, Period] = {
            pk: (form.instance.start_date, form.instance.end_date) for pk, form in waiting.items()
        }
        stored: dict[int, Period] = {
            pk: (start, end)
            for pk, start, end in Membership.objects.filter(organisation=self.instance).values_list(
                "pk", "start_date", "end_date"
            )
        }

        def blocked(pk: int) -> bool:
            return any(
                other != pk and other in stored and _overlap(new[pk], stored[other]) for other in waiting
            )

        parked: set[int] = set()
        saved = []
        while waiting:
            ready = next((pk for pk in waiting if not blocked(pk)), None)
            if ready is not None:
                form = waiting.pop(ready)
                saved.append(self.save_existing(form, form.instance, commit=True))
                continue
            # Each waiting row is blocked by an unparked one: a parked row blocks nothing.
            pk = next(pk for pk in waiting if pk not in parked)
            parked.add(pk)
            first_day = min(start for start, _end in [*stored.values(), *new.values()])
            day = first_day - datetime.timedelta(days=1)
            # A plain UPDATE, no history record: the row is saved, with its record, in its turn.
            Membership.objects.filter(pk=pk).update(start_date=day, end_date=day)
            stored[pk] = (day, day)
        return saved


class AffiliationInline(LoadedChoicesInlineMixin, admin.TabularInline):
    model = Affiliation
    formset = AffiliationFormSet
    extra = 0
    autocomplete_fields = ["person"]
    fields = ["person", "role", "job_title", "is_primary", "receives_consultations", "start_date", "end_date"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Affiliation]:
        # Each row shows the affiliation's name, which reads its person and organisation; its
        # person picker names the person loaded here.
        return super().get_queryset(request).select_related("person", "organisation")


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 0
    fields = ["status", "start_date", "end_date", "annual_fee", "notes"]
    show_change_link = True
    formfield_overrides = LOCALIZED_DECIMALS

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        # Each row shows the membership's name, which reads its organisation.
        return super().get_queryset(request).select_related("organisation")


class LatestInteractionsFormSet(LoadedChoicesFormSet):
    """The organisation's latest interactions, `SHOWN` of them: a page of every interaction ever
    logged would grow without end. The interaction list, filtered to the organisation, has them
    all (`all_url`, set by the inline for those who may see it).

    A page posted back takes the rows it holds, whichever they are by then."""

    SHOWN = 20
    all_url = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.total = 0
        if not self.is_bound and self.instance.pk is not None:
            everything = self.queryset
            self.total = everything.count()
            latest = everything.order_by(*Interaction._meta.ordering).values("pk")[: self.SHOWN]
            self.queryset = everything.filter(pk__in=Subquery(latest))

    @property
    def more(self) -> bool:
        return self.total > self.SHOWN


class InteractionInline(LoadedChoicesInlineMixin, admin.TabularInline):
    model = Interaction
    formset = LatestInteractionsFormSet
    template = "admin/crm/interaction_inline.html"
    extra = 0
    fields = ["occurred_on", "kind", "subject", "people", "author"]
    autocomplete_fields = ["people"]
    readonly_fields = ["author"]
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Interaction]:
        # The people pickers name the people prefetched here.
        return super().get_queryset(request).select_related("author").prefetch_related("people")

    def get_formset(self, request: HttpRequest, obj: Organisation | None = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)  # a class of its own each time
        if obj is not None and self.admin_site.get_model_admin(Interaction).has_view_permission(request):
            formset.all_url = (
                reverse("admin:crm_interaction_changelist")
                + "?"
                + urlencode({"organisation__id__exact": obj.pk})
            )
        return formset


@admin.register(Organisation)
class OrganisationAdmin(QuickRowsMixin, OrganisationToolsMixin, ImportExportAdminMixin, HistoryAdmin):
    resource_classes = [OrganisationResource]
    formfield_overrides = HTTPS_URLS
    list_display = [
        "name",
        "kind",
        "sector_list",
        "municipality",
        "membership_status_display",
        "primary_contact",
        "label_display",
    ]
    list_filter = [
        ("sectors", admin.RelatedFieldListFilter),
        "kind",
        MembershipStatusFilter,
        ("municipality", admin.RelatedFieldListFilter),
        "label",
        LabelExpiringFilter,
        ("tags", admin.RelatedFieldListFilter),
        NoPrimaryContactFilter,
    ]
    search_fields = ["name", "short_name", "legal_code", "vat_code", "email", "phone"]
    list_select_related = ["municipality"]
    autocomplete_fields = ["municipality", "tags"]
    filter_horizontal = ["sectors"]
    inlines = [AffiliationInline, MembershipInline, InteractionInline]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Organisation], search_term: str
    ) -> tuple[QuerySet[Organisation], bool]:
        """The admin's search, whatever quotation marks are typed (`crm.filters.plain_quotes`:
        „Ąžuolynas“ finds Klasteris "Ąžuolynas"), and a phone number in any form people write it ("861001379",
        "8 610 01379") finding the organisation whose phone is that number (stored normalised,
        +37061001379), as the person list does."""
        # Whatever quotation marks a name holds or the search is typed with.
        found, duplicates = super().get_search_results(request, queryset, plain_quotes(search_term))
        if phone := as_phone(search_term):
            found |= queryset.filter(phone=phone)
        return found, duplicates

    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "kind", "sectors", "tags", "show_in_directory"]}),
        (
            _("Identity and contacts"),
            {"fields": ["legal_code", "vat_code", "municipality", "address", "website", "email", "phone"]},
        ),
        (
            _("Cluster profile"),
            {
                "fields": [
                    "year_founded",
                    ("members_sme", "members_large", "members_research", "members_public", "members_other"),
                    "eccp_url",
                    ("label", "label_awarded_on", "label_valid_until"),
                    "description",
                    "notes",
                ]
            },
        ),
        (_("Record"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        """What deleting `objs` takes with it, as Django finds it. An organisation that a registered
        position paper lists or is addressed to is protected by that paper
        (`positions.models.cascade_unless_registered`); Django would say only that the user may not
        delete position papers, as no one may delete a registered one, and the paper is named
        instead, on the delete page and by the list's delete action alike. Nothing is deleted
        either way: Django deletes nothing while anything is protected."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            perms_needed = set()
        return deleted, counts, perms_needed, protected

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # Interactions logged from the organisation page are authored by the staff member.
        if formset.model is Interaction:
            for inline_form in formset.forms:
                if not inline_form.instance.pk and inline_form.instance.author_id is None:
                    inline_form.instance.author = request.user
        super().save_formset(request, form, formset, change)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        return selectors.organisations_with_status(queryset=super().get_queryset(request))

    def rows_loaded(self, rows: list[Organisation]) -> None:
        ids = [organisation.pk for organisation in rows]
        sectors: dict[int, list[str]] = defaultdict(list)
        for organisation_id, name in (
            Organisation.sectors.through.objects.filter(organisation_id__in=ids)
            .order_by(*(f"sector__{key}" for key in Sector._meta.ordering))
            .values_list("organisation_id", f"sector__{Sector.name_field()}")
        ):
            sectors[organisation_id].append(name)
        contacts: dict[int, list[str]] = defaultdict(list)
        for organisation_id, first_name, last_name in (
            # A primary contact who has left is none (as for NoPrimaryContactFilter).
            selectors.affiliations_current_on(day=timezone.localdate())
            .filter(organisation_id__in=ids, is_primary=True)
            .order_by("person__last_name", "pk")
            .values_list("organisation_id", "person__first_name", "person__last_name")
        ):
            contacts[organisation_id].append(Person.full_name_of(first_name, last_name))
        for organisation in rows:
            organisation.sector_names = sectors[organisation.pk]
            organisation.primary_contact_names = contacts[organisation.pk]

    @admin.display(description=_("sectors"))
    def sector_list(self, obj: Organisation) -> str:
        return ", ".join(obj.sector_names)

    @admin.display(description=_("membership"), ordering="membership_status")
    def membership_status_display(self, obj: Organisation) -> str:
        if obj.membership_status is None:
            return "—"
        return Membership.Status(obj.membership_status).label

    @admin.display(description=_("primary contact"))
    def primary_contact(self, obj: Organisation) -> str:
        return format_html_join(", ", "{}", ((name,) for name in obj.primary_contact_names)) or format_html(
            '<span class="kl-error">{}</span>', _("none")
        )

    @admin.display(description=_("label"), ordering="label")
    def label_display(self, obj: Organisation) -> str:
        if obj.label == Organisation.Label.NONE:
            return "—"
        label = obj.get_label_display()
        if obj.label_valid_until is None:
            return label
        today, horizon = label_expiry_window()
        if selectors.label_expired(organisation=obj, day=today):
            return format_html('{} <span class="kl-error">({})</span>', label, _("expired"))
        if obj.label_valid_until <= horizon:
            days = (obj.label_valid_until - timezone.localdate()).days
            warning = ngettext("expires in %(days)d day", "expires in %(days)d days", days) % {"days": days}
            return format_html('{} <span class="kl-warning">⚠ {}</span>', label, warning)
        return label

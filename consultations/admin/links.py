"""Invitations and personal links in the admin: their state, and revoking or re-issuing them.

Re-issuing from the invitations list gives a new link only to people whose latest link is active.
A person whose link staff revoked gets access again only when staff re-issue that link from the
access links list.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from consultations import selectors, services
from consultations.admin.filters import ConsultationFilter
from consultations.models import AccessLink, Consultation, Invitation
from crm.admin.rows import QuickRowsMixin, list_date
from crm.models import Organisation


def _filled(message: str, **values: Any) -> SafeString:
    """A translated message ("sent %(when)s") filled in with HTML values, its own text escaped."""
    return mark_safe(conditional_escape(message) % {k: conditional_escape(v) for k, v in values.items()})  # noqa: S308


def _link_state(link: AccessLink) -> str:
    if link.revoked_at:
        return format_html(
            '<span class="kl-error">{}</span>',
            _filled(_("revoked %(when)s"), when=list_date(link.revoked_at)),
        )
    # Annotated by `selectors.access_links_with_usability` where links are listed.
    if getattr(link, "current_affiliation_id", 0) is None:
        return format_html(
            '<span class="kl-error">{}</span>',
            _("not usable: no current affiliation with the organisation"),
        )
    if link.last_sent_at:
        state = _filled(_("sent %(when)s"), when=list_date(link.last_sent_at))
        if link.opened_at:
            state = _filled(_("%(sent)s, opened"), sent=state)
        return format_html('<span class="kl-ok">{}</span>', state)
    if link.invited_at:
        return format_html("{}", _("queued"))
    return format_html('<span class="kl-warning">{}</span>', _("not sent"))


# What `_link_state` and the invitations' links column read of a link and its person.
LISTED_LINK_FIELDS = [
    "invitation",
    "person",
    "revoked_at",
    "last_sent_at",
    "opened_at",
    "invited_at",
    "person__first_name",
    "person__last_name",
]


def _latest_links(links: QuerySet[AccessLink]) -> list[AccessLink]:
    """Of the links given, the latest of each person to each invitation (with the person)."""
    latest: dict[tuple[int, int], AccessLink] = {}
    for link in links.select_related("person").order_by("pk"):
        latest[(link.invitation_id, link.person_id)] = link
    return list(latest.values())


class LinkStateFilter(admin.SimpleListFilter):
    title = _("link state")
    parameter_name = "state"
    REVOKED = "revoked"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("active", _("Active")), (self.REVOKED, _("Revoked")), ("opened", _("Opened"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == self.REVOKED:
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "opened":
            return queryset.filter(opened_at__isnull=False)
        return None


class InvitationReachFilter(admin.SimpleListFilter):
    """Invitations sent, or those nobody could be sent (`selectors.invitations_not_reachable`)."""

    title = _("sending")
    parameter_name = "reach"
    SENT = "sent"
    NOT_REACHABLE = "not_reachable"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            (self.SENT, _("Sent")),
            (self.NOT_REACHABLE, _("Not reached: no invitation e-mail has gone out")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if self.value() == self.SENT:
            return selectors.invitations_reached(invitations=queryset)
        if self.value() == self.NOT_REACHABLE:
            return selectors.invitations_not_reachable(invitations=queryset)
        return None


def not_reachable_invitations_url(*, consultation: Consultation) -> str:
    """The list of the consultation's invitations that nobody could be sent."""
    query = urlencode(
        {
            "consultation__id__exact": consultation.pk,
            InvitationReachFilter.parameter_name: InvitationReachFilter.NOT_REACHABLE,
        }
    )
    return f"{reverse('admin:consultations_invitation_changelist')}?{query}"


def revoked_links_url(*, consultation: Consultation, organisations: list[Organisation]) -> str:
    """The list of the access links of these organisations' invitations to the consultation,
    revoked ones (re-issuing one there gives its person access again). One query."""
    invitations = consultation.invitations.filter(organisation__in=organisations).order_by("pk")
    query = urlencode(
        {
            "invitation__consultation__id__exact": consultation.pk,
            "invitation__in": ",".join(str(pk) for pk in invitations.values_list("pk", flat=True)),
            LinkStateFilter.parameter_name: LinkStateFilter.REVOKED,
        }
    )
    return f"{reverse('admin:consultations_accesslink_changelist')}?{query}"


class _LinkActionsMixin:
    """Revoke and re-issue actions shared by the invitation and link lists."""

    def _links_to_revoke(self, queryset: QuerySet) -> list[AccessLink]:
        raise NotImplementedError

    def _links_to_reissue(self, queryset: QuerySet) -> tuple[list[AccessLink], int]:
        """The links to re-issue, and how many revoked ones were left out."""
        raise NotImplementedError

    @admin.action(description=_("Revoke the personal links"), permissions=["change"])
    def revoke_links(self, request: HttpRequest, queryset: QuerySet) -> None:
        revoked = sum(
            services.access_link_revoke(access_link=link, user=request.user)
            for link in self._links_to_revoke(queryset)
        )
        self.message_user(  # type: ignore[attr-defined]
            request,
            ngettext("%(count)d link revoked.", "%(count)d links revoked.", revoked) % {"count": revoked},
            messages.SUCCESS,
        )

    @admin.action(description=_("Re-issue the personal links and e-mail them"), permissions=["change"])
    def reissue_links(self, request: HttpRequest, queryset: QuerySet) -> None:
        reissued = 0
        links, skipped = self._links_to_reissue(queryset)
        # The refusals that concern a person name them; those of the consultation (closed, past
        # its deadline) are said once, however many links were chosen.
        refusals: dict[str, None] = {}
        for link in links:
            try:
                services.access_link_reissue(access_link=link, user=request.user)
            except ValidationError as error:
                refusals.update(dict.fromkeys(error.messages))
            else:
                reissued += 1
        for refusal in refusals:
            self.message_user(request, refusal, messages.ERROR)  # type: ignore[attr-defined]
        self.message_user(  # type: ignore[attr-defined]
            request,
            ngettext("%(count)d link re-issued.", "%(count)d links re-issued.", reissued)
            % {"count": reissued},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(  # type: ignore[attr-defined]
                request,
                ngettext(
                    "%(count)d revoked link was not re-issued: if the person should have access again, "
                    "re-issue that link from the list of access links.",
                    "%(count)d revoked links were not re-issued: if these people should have access "
                    "again, re-issue their links from the list of access links.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


class AccessLinkInline(admin.TabularInline):
    model = AccessLink
    extra = 0
    can_delete = False
    fields = ["person", "state", "invited_at", "last_sent_at", "opened_at", "last_used_at", "revoked_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[AccessLink]:
        return selectors.access_links_with_usability(super().get_queryset(request).select_related("person"))

    @admin.display(description=_("state"))
    def state(self, obj: AccessLink) -> str:
        return _link_state(obj)


@admin.register(Invitation)
class InvitationAdmin(QuickRowsMixin, _LinkActionsMixin, admin.ModelAdmin):
    list_display = [
        "organisation",
        "consultation",
        "sent_at",
        "reminded_at",
        "opened_at",
        "submitted_at",
        "links",
    ]
    list_filter = [InvitationReachFilter, ("consultation", ConsultationFilter)]
    search_fields = [
        "organisation__name",
        "consultation__title",
        "access_links__person__last_name",
        "access_links__person__email",
    ]
    list_select_related = ["organisation", "consultation"]
    readonly_fields = [
        "consultation",
        "organisation",
        "created_at",
        "sent_at",
        "reminded_at",
        "reminder_count",
        "opened_at",
        "submitted_at",
    ]
    inlines = [AccessLinkInline]
    actions = ["revoke_links", "reissue_links"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invitation]:
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "access_links",
                    # Only what the links column shows of them.
                    queryset=selectors.access_links_with_usability(
                        AccessLink.objects.select_related("person")
                        .only(*LISTED_LINK_FIELDS)
                        .order_by("revoked_at", "person__last_name")
                    ),
                )
            )
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # invitations are made by opening a consultation

    def has_delete_permission(self, request: HttpRequest, obj: Invitation | None = None) -> bool:
        return False

    def _links_to_revoke(self, queryset: QuerySet[Invitation]) -> list[AccessLink]:
        return list(
            AccessLink.objects.filter(invitation__in=queryset, revoked_at__isnull=True).select_related(
                "person"
            )
        )

    def _links_to_reissue(self, queryset: QuerySet[Invitation]) -> tuple[list[AccessLink], int]:
        # Each person gets one new link, judged by their latest link: re-issuing revokes the old
        # link and makes a new one, so a latest link that is revoked was revoked by staff (say,
        # someone who left the organisation). Giving them access again is a choice made on that
        # link in the access links list, never a side effect of re-issuing a whole invitation.
        latest = _latest_links(AccessLink.objects.filter(invitation__in=queryset))
        active = [link for link in latest if link.revoked_at is None]
        return active, len(latest) - len(active)

    @admin.display(description=_("personal links"))
    def links(self, obj: Invitation) -> str:
        links = list(obj.access_links.all())
        if not links:
            return format_html('<span class="kl-error">{}</span>', _("no contact"))
        return format_html_join(
            mark_safe("<br>"),
            "{}: {}",
            ((link.person.full_name, _link_state(link)) for link in links),
        )


@admin.register(AccessLink)
class AccessLinkAdmin(QuickRowsMixin, _LinkActionsMixin, admin.ModelAdmin):
    list_display = [
        "person",
        "organisation",
        "consultation",
        "state",
        "invited_at",
        "last_sent_at",
        "opened_at",
    ]
    list_filter = [LinkStateFilter, ("invitation__consultation", ConsultationFilter)]
    search_fields = [
        "person__first_name",
        "person__last_name",
        "person__email",
        "invitation__organisation__name",
    ]
    list_select_related = ["person", "invitation__organisation", "invitation__consultation"]
    fields = [
        "invitation",
        "person",
        "created_at",
        "invited_at",
        "last_sent_at",
        "tokens_sent",
        "opened_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = fields
    actions = ["revoke_links", "reissue_links"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AccessLink]:
        return selectors.access_links_with_usability(super().get_queryset(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AccessLink | None = None) -> bool:
        return False

    def _links_to_revoke(self, queryset: QuerySet[AccessLink]) -> list[AccessLink]:
        return list(queryset.select_related("person"))

    def _links_to_reissue(self, queryset: QuerySet[AccessLink]) -> tuple[list[AccessLink], int]:
        # Selecting a link here is an explicit choice, so revoked links are re-issued too: this is
        # how a person whose link was revoked gets access again. A person gets one new link for an
        # invitation however many of their links were chosen (re-issuing replaces them all), so
        # one link a person and invitation is kept, the latest, as the invitations list does.
        return _latest_links(queryset), 0

    @admin.display(description=_("organisation"), ordering="invitation__organisation__name")
    def organisation(self, obj: AccessLink) -> str:
        return obj.invitation.organisation.name

    @admin.display(description=_("consultation"), ordering="invitation__consultation__title")
    def consultation(self, obj: AccessLink) -> str:
        return obj.invitation.consultation.title

    @admin.display(description=_("state"))
    def state(self, obj: AccessLink) -> str:
        return _link_state(obj)

    @admin.display(description=_("e-mailed tokens"))
    def tokens_sent(self, obj: AccessLink) -> str:
        # One token per e-mail; every one works until the link is revoked or the consultation closes.
        tokens = list(obj.tokens.all())
        if not tokens:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            "{} · {}{}",
            (
                (
                    list_date(token.issued_at),
                    token.get_kind_display(),
                    _filled(_(", last used %(when)s"), when=list_date(token.last_used_at))
                    if token.last_used_at
                    else "",
                )
                for token in tokens
            ),
        )

"""The admin lists' rows are rendered by crm.admin.rows, exactly as Django renders them, their
dates in the short format."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import formats, timezone, translation
from django.utils.html import format_html, strip_tags

from crm.admin.rows import QuickRowsMixin, quick_results, quick_rows_apply
from crm.models import Organisation
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["lt", "en"])
def test_the_quick_checkbox_is_the_same_html_as_djangos(language):
    organisation = OrganisationFactory(name='Klasteris „Žalia & <vaga>“ "A"')
    ours = admin.site._registry[Organisation]
    assert isinstance(ours, QuickRowsMixin)
    bare = admin.ModelAdmin(Organisation, admin.site)

    with translation.override(language):
        assert ours.action_checkbox(organisation) == bare.action_checkbox(organisation)


def test_every_list_of_the_product_uses_it():
    product = [
        model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in {"crm", "consultations", "positions"}
        and model_admin.list_display != ("__str__",)
    ]
    assert product
    assert [type(m).__name__ for m in product if not isinstance(m, QuickRowsMixin)] == []


@pytest.fixture
def demo(settings):
    """The demo data: organisations, people, memberships, consultations, answers, a paper."""
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("ensure_demo_staff")
    call_command("seed_demo_papers")


def short(value):
    """A date and time in the short format, the date and the time each on one line."""
    nowrap = '<span class="kl-nowrap">{}</span>'
    if not isinstance(value, datetime.datetime):
        return format_html(nowrap, formats.date_format(value, "SHORT_DATE_FORMAT"))
    local = timezone.localtime(value)
    date, time = formats.date_format(local, "SHORT_DATE_FORMAT"), formats.time_format(local, "TIME_FORMAT")
    return format_html(f"{nowrap} {nowrap}", date, time)


@pytest.fixture
def django_with_short_dates(monkeypatch):
    """Django's own list rendering, with every date and time in a cell in the short format."""
    by_field, by_value = admin_list.display_for_field, admin_list.display_for_value

    def display_for_field(value, field, *args, **kwargs):
        if isinstance(value, datetime.date) and not getattr(field, "flatchoices", None):
            return short(value)
        return by_field(value, field, *args, **kwargs)

    def display_for_value(value, *args, **kwargs):
        return short(value) if isinstance(value, datetime.date) else by_value(value, *args, **kwargs)

    monkeypatch.setattr(admin_list, "display_for_field", display_for_field)
    monkeypatch.setattr(admin_list, "display_for_value", display_for_value)


@pytest.mark.parametrize("language", ["lt", "en"])
@pytest.mark.parametrize("query", [{}, {"o": "-1"}])
def test_every_product_list_renders_exactly_the_cells_django_renders(
    demo, superuser, language, query, django_with_short_dates
):
    lists_with_rows = []
    with translation.override(language):
        for model, model_admin in admin.site._registry.items():
            if not isinstance(model_admin, QuickRowsMixin):
                continue
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            request = RequestFactory().get(url, query)
            request.user = superuser
            request.resolver_match = resolve(url)  # the list's filters go into the rows' links
            changelist = model_admin.get_changelist_instance(request)
            changelist.formset = None  # as the list view sets it
            assert quick_rows_apply(changelist)

            ours = [list(row) for row in quick_results(changelist)]

            assert ours == [list(row) for row in admin_list.results(changelist)], model
            if ours:
                lists_with_rows.append(model._meta.label)
    assert {"crm.Organisation", "crm.Person", "consultations.Response", "positions.PositionPaper"} <= set(
        lists_with_rows
    )
    assert len(lists_with_rows) >= 12


def test_the_rows_link_to_the_change_page_with_the_lists_filters(demo, superuser):
    url = reverse("admin:crm_organisation_changelist")
    request = RequestFactory().get(url, {"kind__exact": "cluster", "o": "1"})
    request.user = superuser
    request.resolver_match = resolve(url)
    changelist = admin.site._registry[Organisation].get_changelist_instance(request)

    first = next(quick_results(changelist))

    organisation = changelist.result_list[0]
    change = reverse("admin:crm_organisation_change", args=[organisation.pk])
    assert (
        f'<th class="field-name"><a href="{change}?_changelist_filters=kind__exact%3Dcluster%26o%3D1">'
        in first[1]
    )


@pytest.mark.parametrize(
    ("language", "deadline", "start"),
    [
        ("lt", ["2026-03-07 09:05", "2026 m. kovo 7 d., 09:05"], ["2019-01-01", "2019 m. sausio 1 d."]),
        ("en", ["03/07/2026 9:05 a.m.", "March 7, 2026, 9:05 a.m."], ["01/01/2019", "Jan. 1, 2019"]),
    ],
)
def test_a_lists_dates_and_times_are_in_the_short_format(admin_client, language, deadline, start):
    from tests.consultations.factories import ConsultationFactory
    from tests.factories import MembershipFactory

    consultation = ConsultationFactory(
        title="Dėl įstatymo projekto",
        internal_deadline=datetime.datetime(2026, 3, 7, 9, 5, tzinfo=ZoneInfo("Europe/Vilnius")),
    )
    MembershipFactory(start_date=datetime.date(2019, 1, 1))
    prefix = "" if language == "lt" else "/en"

    consultations = admin_client.get(f"{prefix}/admin/consultations/consultation/").content.decode()
    memberships = admin_client.get(f"{prefix}/admin/crm/membership/").content.decode()

    def cell(page, field):
        found = re.search(rf'<td class="field-{field} nowrap">(.*?)</td>', page)
        return strip_tags(found[1])

    short_deadline, long_deadline = deadline
    short_start, long_start = start
    assert cell(consultations, "internal_deadline") == short_deadline
    assert long_deadline not in consultations
    assert cell(memberships, "start_date") == short_start
    assert long_start not in memberships
    assert consultation.title in consultations


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("admin:crm_interaction_changelist", "occurred_on__year=9999"),
        ("admin:positions_positionpaper_changelist", "created_at__year=9999"),
        ("admin:positions_positionpaper_changelist", "created_at__year=9999&created_at__month=12"),
        ("admin:positions_dispatch_changelist", "sent_on__year=9999&sent_on__month=12&sent_on__day=31"),
        ("admin:positions_registrationcancellation_changelist", "cancelled_at__year=9999"),
    ],
)
def test_a_date_drill_down_to_the_calendars_last_period_is_the_list_again_not_a_server_error(
    staff_client, name, query
):
    # Django reads the period's first day but not the day after it, past the calendar's end.
    response = staff_client.get(f"{reverse(name)}?{query}")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse(name)}?e=1"
    assert staff_client.get(response["Location"]).status_code == 200

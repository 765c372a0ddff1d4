"""Every benchmark runs at a tiny scale so that none of them rots. No times are asserted:
benchmarks are not tests. What is asserted is that each produced its figures and that the
query counts of the admin pages and exports do not grow with the data."""

from __future__ import annotations

import urllib.parse

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from bench import benchmarks, load
from bench.seeding import Counts, seed_scale
from consultations.models import Response, ResponseVersion
from crm.models import Organisation, Person

pytestmark = pytest.mark.django_db

TINY = 0.001


def _query_counts(scale: float) -> dict[str, int]:
    """Seed at `scale` in a savepoint, run the admin and export benchmarks, roll back."""
    counts = {}
    with transaction.atomic():
        seed_scale(scale=scale, seed=1)
        admin = benchmarks.admin_changelists(repeat=1)
        exports = benchmarks.exports(repeat=1)
        for label, entry in admin.items():
            if "missing" not in entry:
                counts[f"{label} first page"] = entry["first_page"]["product"]["queries"]
        for name in ("persons_floor", "answers_floor"):
            counts[name] = exports[name]["queries"]
        transaction.set_rollback(True)
    return counts


def test_the_seed_makes_the_counts_of_its_scale_and_is_the_same_for_the_same_seed():
    with transaction.atomic():
        first = seed_scale(scale=TINY, seed=5)
        names = list(Organisation.objects.order_by("pk").values_list("name", flat=True))
        transaction.set_rollback(True)
    second = seed_scale(scale=TINY, seed=5)
    assert list(Organisation.objects.order_by("pk").values_list("name", flat=True)) == names
    assert first.rows == second.rows
    counts = Counts.at(TINY)
    assert Organisation.objects.count() == counts.organisations
    assert Person.objects.count() == counts.persons
    answered = Response.objects.count()
    assert answered == round(counts.invitations * 0.6) * counts.consultations
    assert ResponseVersion.objects.count() == answered


def test_the_seed_command_refuses_a_database_that_has_organisations(capsys):
    call_command("seed_scale", "--scale", str(TINY))
    assert "rows in" in capsys.readouterr().out
    with pytest.raises(Exception, match="already has organisations"):
        call_command("seed_scale", "--scale", str(TINY))


def test_admin_and_export_benchmarks_give_figures_and_their_queries_do_not_grow_with_the_data():
    small = _query_counts(TINY)
    larger = _query_counts(TINY * 4)
    assert small and small == larger

    seed_scale(scale=TINY, seed=1)
    admin = benchmarks.admin_changelists(repeat=1)
    organisations = admin["crm.Organisation"]
    assert organisations["rows"] == Counts.at(TINY).organisations
    for case in ("first_page", "search"):
        assert organisations[case]["product"]["median_s"] > 0
        assert organisations[case]["floor"]["median_s"] > 0
        assert organisations[case]["ratio"] > 0
    assert "missing" in admin["consultations.Response"]  # until responses have an admin
    exports = benchmarks.exports(repeat=1)
    assert exports["persons_export"]["median_s"] > 0
    assert exports["persons"] == Counts.at(TINY).persons


def test_the_pdf_benchmark_renders_the_product_and_the_floor(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    seed_scale(scale=TINY, seed=1)
    result = benchmarks.position_pdfs(repeat=1, sizes=(1,))
    entry = result["1_pages"]
    assert entry["pages"] >= 1
    assert entry["product"]["median_s"] > 0 and entry["floor"]["median_s"] > 0


def test_the_dashboard_benchmark_lists_what_is_not_built():
    assert set(benchmarks.dashboard_and_draft()) == {"dashboard", "draft_from_consultation"}


def test_the_load_clients_open_the_page_and_submit_through_the_csrf_check():
    """The load generator's sessions, cookies and form, through Django's test client with CSRF
    checks on (the gunicorn run itself is not part of the suite)."""
    seed_scale(scale=TINY, seed=1)
    client_spec = load.prepare_clients(2)[0]
    client = Client(enforce_csrf_checks=True)
    for pair in client_spec.cookie.split("; "):
        name, value = pair.split("=", 1)
        client.cookies[name] = value
    page = client.get(client_spec.path)
    assert page.status_code == 200
    version = load.VERSION.search(page.content.decode())
    assert version is not None
    submitted_before = Response.objects.filter(status="submitted").count()
    body = urllib.parse.urlencode(load.submit_form(client_spec, 0), doseq=True)
    submitted = client.post(
        client_spec.path, body, content_type="application/x-www-form-urlencoded", HTTP_ORIGIN="null"
    )
    assert submitted.status_code == 302
    assert Response.objects.filter(status="submitted").count() == submitted_before + 1


def test_the_load_summary_has_the_percentiles_and_errors():
    phase = load.Phase()
    for ms in range(1, 101):
        phase.record(ms / 1000, 200 if ms != 50 else 500, ms != 50)
    summary = phase.summary(wall=2.0)
    assert summary["requests"] == 100
    assert summary["errors"] == 1
    assert summary["throughput_rps"] == 50.0
    assert summary["p50_ms"] <= summary["p95_ms"] <= summary["p99_ms"]

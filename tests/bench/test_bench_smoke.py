"""Every benchmark runs at a tiny scale so that none of them rots. No times are asserted:
benchmarks are not tests. What is asserted is that each produced its figures and that the
query counts of the admin pages and exports do not grow with the data."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
import urllib.parse

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from bench import benchmarks, load, report
from bench.seeding import Counts, seed_scale
from bench.submit_floor import create_floor_table, saved_answers
from consultations.models import Answer, Consultation, Invitation, Response, ResponseVersion
from crm.models import Organisation, Person
from positions.checks import harfbuzz_subset_available
from positions.models import PositionPaper

pytestmark = pytest.mark.django_db

TINY = 0.001


def _query_counts(scale: float) -> dict[str, int]:
    """Seed at `scale` in a savepoint, run the benchmarks that count queries, roll back."""
    counts = {}
    with transaction.atomic():
        seed_scale(scale=scale, seed=1)
        admin = benchmarks.admin_changelists(repeat=1)
        exports = benchmarks.exports(repeat=1)
        dashboard = benchmarks.dashboard_and_draft(repeat=1)
        for label, entry in admin.items():
            # Only the first page: at a tiny scale a search may find nothing, and an empty page
            # skips its prefetches.
            counts[f"{label} first_page"] = entry["first_page"]["product"]["queries"]
            for case in ("first_page", "search"):
                counts[f"{label} {case} floor"] = entry[case]["floor"]["queries"]
        for name in ("persons_floor", "answers_floor", "answers_xlsx", "answers_csv"):
            counts[name] = exports[name]["queries"]
        for name in ("dashboard", "answers", "draft_from_consultation"):
            counts[name] = dashboard[name]["queries"]
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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_seeded_tables_are_settled_as_the_databases_maintenance_would_before_anything_is_measured():
    from django.db import connection

    from bench.seeding import settle

    settle()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL FROM pg_stat_user_tables "
                "WHERE relname = 'consultations_invitation'"
            )
            assert cursor.fetchone() == (True, True)
        else:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            assert cursor.fetchone() == (1,)


@pytest.fixture(scope="module")
def _counts_cache() -> dict[str, dict[str, int]]:
    return {}


@pytest.fixture
def query_counts(_counts_cache) -> tuple[dict[str, int], dict[str, int]]:
    """The query counts of the benchmarks at a tiny scale and at four times that, measured once
    for the module (each seeding is rolled back)."""
    if not _counts_cache:
        _counts_cache["small"] = _query_counts(TINY)
        _counts_cache["larger"] = _query_counts(TINY * 4)
    return _counts_cache["small"], _counts_cache["larger"]


def test_the_benchmarks_queries_do_not_grow_with_the_data(query_counts):
    small, larger = query_counts
    assert set(small) == set(larger)
    # The draft writes its sections, groups and links in bulk; SQLite takes 999 parameters a
    # statement, so a link table of more than 499 rows is inserted in more than one statement.
    batched = "draft_from_consultation"
    assert {n: q for n, q in small.items() if n != batched} == {
        n: q for n, q in larger.items() if n != batched
    }
    assert small[batched] <= larger[batched] <= small[batched] + 3


def test_the_floor_of_every_changelist_takes_the_same_few_queries(query_counts):
    small, _larger = query_counts
    floors = {name: n for name, n in small.items() if name.endswith(" floor")}
    assert len(floors) == 2 * len(benchmarks.CHANGELISTS)
    assert set(floors.values()) == {4}  # session, user, count, the page: nothing a row


def test_admin_and_export_benchmarks_give_figures():
    seed_scale(scale=TINY, seed=1)
    admin = benchmarks.admin_changelists(repeat=1)
    assert set(admin) == set(benchmarks.CHANGELISTS)
    organisations = admin["crm.Organisation"]
    assert organisations["rows"] == Counts.at(TINY).organisations
    for label, entry in admin.items():
        for case in ("first_page", "search"):
            assert entry[case]["product"]["median_s"] > 0, label
            assert entry[case]["floor"]["median_s"] > 0, label
            assert entry[case]["ratio"] > 0, label
    assert admin["consultations.Response"]["rows"] == Response.objects.count()
    exports = benchmarks.exports(repeat=1)
    assert exports["persons_export"]["median_s"] > 0
    assert exports["persons"] == Counts.at(TINY).persons
    for name in ("answers_xlsx", "answers_csv", "answers_floor"):
        assert exports[name]["median_s"] > 0, name
        assert exports[name]["queries"] >= 1, name
    assert (
        exports["largest_consultation_answers"]
        == Answer.objects.filter(response__consultation=benchmarks.largest_consultation()).count()
    )


def test_the_dashboard_and_draft_benchmark_measures_and_leaves_the_data_as_it_was():
    seed_scale(scale=TINY, seed=1)
    consultation = benchmarks.largest_consultation()
    assert consultation.status == Consultation.Status.OPEN
    papers = PositionPaper.objects.count()

    result = benchmarks.dashboard_and_draft(repeat=1)

    assert result["consultation"]["invitations"] == Counts.at(TINY).invitations
    assert result["consultation"]["submitted"] == round(Counts.at(TINY).invitations * 0.6)
    for name in ("dashboard", "answers", "draft_from_consultation"):
        assert result[name]["median_s"] > 0, name
        assert result[name]["queries"] > 0, name
    assert result["draft_from_consultation"]["sections"] == consultation.questions.count()
    assert result["draft_from_consultation"]["proposal_groups"] > 0
    # The consultation was closed for the draft and every draft rolled back.
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.OPEN
    assert PositionPaper.objects.count() == papers


def test_the_pdf_benchmark_renders_the_product_and_the_floor(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    seed_scale(scale=TINY, seed=1)
    result = benchmarks.position_pdfs(repeat=1, sizes=(1,))
    entry = result["1_pages"]
    assert entry["pages"] >= 1
    assert entry["product"]["median_s"] > 0 and entry["floor"]["median_s"] > 0
    # The report says how WeasyPrint subset the fonts on this machine.
    assert result["font_subsetting"] == ("HarfBuzz" if harfbuzz_subset_available() else "fontTools")
    table = "\n".join(report.pdf_table("sqlite", {"full": {"pdf": result}}))
    assert f"subsets the embedded fonts with {result['font_subsetting']}" in table


def test_the_load_clients_open_the_page_and_submit_through_the_csrf_check():
    """The load generator's link cookies and form, through Django's test client with CSRF
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


def test_the_load_cpu_accounting_counts_the_server_apart_from_the_load_generator():
    work = (
        "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\ntime.sleep(30)"
    )
    # The child stands for the gunicorn master: its CPU time is the server's.
    server = subprocess.Popen([sys.executable, "-c", work])  # noqa: S603 - this interpreter, a fixed script
    try:
        before = load.cpu_snapshot(server.pid)
        deadline = time.monotonic() + 20
        used = load.cpu_used(before, before)
        while used["workers"] < 0.25 and time.monotonic() < deadline:
            time.sleep(0.05)
            used = load.cpu_used(before, load.cpu_snapshot(server.pid))
    finally:
        server.kill()
        server.wait()

    assert set(before) == set(used) == {"workers", "database", "cache", "client"}
    assert server.pid in before["workers"]
    assert used["workers"] >= 0.25
    assert used["client"] < 0.25  # this process only waited


def test_a_process_that_ends_between_two_snapshots_takes_no_cpu_time_away():
    """A PostgreSQL connection closed at its age limit during a phase leaves /proc: the phase's
    CPU is the growth of the processes still there and of those that started, never negative."""
    before = {"workers": {10: 5.0}, "database": {20: 40.0, 21: 1.0}, "cache": {}, "client": {1: 2.0}}
    after = {"workers": {10: 6.5}, "database": {21: 1.5, 22: 0.25}, "cache": {}, "client": {1: 2.5}}

    assert load.cpu_used(before, after) == {"workers": 1.5, "database": 0.75, "cache": 0.0, "client": 0.5}


def test_the_member_table_shows_the_cpu_a_request_cost():

    phase = {"requests": 10, "errors": 0, "throughput_rps": 5.0, "p50_ms": 1.0, "p95_ms": 2.0, "p99_ms": 3.0}
    member = {
        "workers": 4,
        "clients": 2,
        "floor": {
            **phase,
            "cpu_ms_per_request": {"workers": 0.5, "database": 0.0, "cache": 0.0, "client": 0.25},
        },
        "page_get": {**phase, "ratio_to_floor": 0.4},
    }
    lines = report.member_table("postgresql", {"full": {"member": member}})
    floor = next(line for line in lines if line.startswith("| floor |"))
    assert floor.endswith("| 0.50 + 0.00 + 0.00 + 0.25 = 0.75 |")
    page = next(line for line in lines if line.startswith("| page_get |"))
    assert page.endswith("|  |") and "0.40 **missed**" in page


def test_a_phase_run_in_rounds_gives_its_median_round_and_every_rounds_throughput():
    rounds = [
        {"requests": 30, "throughput_rps": rps, "p95_ms": p95}
        for rps, p95 in ((900.0, 40.0), (1200.0, 30.0), (600.0, 80.0))
    ]
    median = load._median_round(rounds)
    assert median["throughput_rps"] == 900.0 and median["p95_ms"] == 40.0  # one round's figures together
    assert median["rounds"] == 3
    assert median["throughput_rps_rounds"] == [900.0, 1200.0, 600.0]


def test_the_member_table_tells_the_rounds_and_the_consultations():

    phase = {"requests": 10, "errors": 0, "p50_ms": 1.0, "p95_ms": 2.0, "p99_ms": 3.0}
    member = {
        "workers": 4,
        "clients": 2,
        "rounds": 3,
        "consultations": 1,
        "floor_burst": {**phase, "throughput_rps": 40.0, "throughput_rps_rounds": [40.0, 35.0, 45.0]},
        "floor": {**phase, "throughput_rps": 100.0, "throughput_rps_rounds": [90.0, 100.0, 110.0]},
        "page_first_get": {**phase, "throughput_rps": 20.0, "ratio_to_floor": 0.5},
        "page_get": {
            **phase,
            "throughput_rps": 55.0,
            "throughput_rps_rounds": [50.0, 55.0, 60.0],
            "ratio_to_floor": 0.55,
        },
    }
    lines = report.member_table("postgresql", {"full": {"member": member}})
    text = "\n".join(lines)
    assert "invitations are of 1 consultation(s)" in text
    assert "alternate for 3 rounds" in text
    assert "| 55.0 (50.0, 55.0, 60.0) | 0.55 met |" in text
    assert "| page_first_get | 10 | 0 | 20.0 | 0.50 met |" in text
    # The floors, in the order the phases run, have no verdicts of their own.
    names = [line.split(" | ")[0] for line in lines if line.startswith("| ") and "---" not in line][1:]
    assert names == ["| floor_burst", "| page_first_get", "| floor", "| page_get"]
    burst = next(line for line in lines if line.startswith("| floor_burst |"))
    assert "met" not in burst and "missed" not in burst
    assert "fewer of the clients" not in text  # no such rounds in this run


def test_the_member_table_tells_the_submits_sent_by_fewer_clients_after_the_target_s_phases():
    phase = {"requests": 200, "errors": 0, "p50_ms": 40.0, "p99_ms": 300.0}
    member = {
        "workers": 4,
        "clients": 50,
        "rounds": 1,
        "submit_post": {**phase, "throughput_rps": 55.0, "p95_ms": 560.0, "ratio_to_floor": 0.02},
        load.SUBMITS_FEWER_CLIENTS: {
            "25": {**phase, "clients": 25, "throughput_rps": 56.0, "p95_ms": 280.4},
            "10": {
                **phase,
                "clients": 10,
                "throughput_rps": 57.0,
                "p95_ms": 120.5,
                "floor": {**phase, "throughput_rps": 190.0, "p95_ms": 61.2},
            },
        },
    }
    lines = report.member_table("postgresql", {"full": {"member": member}})
    submits = next(line for line in lines if line.startswith("| submit_post |"))
    assert "560.0 **missed**" in submits  # the target's verdict stays with the 50 clients
    rows = [line for line in lines if line.startswith(("| 10 |", "| 25 |"))]
    assert rows == [
        "| 10 | 200 | 0 | 57.0 | 40.0 | 120.5 | yes | 300.0 |  | 190.0 | 61.2 |  |",
        "| 25 | 200 | 0 | 56.0 | 40.0 | 280.4 | no | 300.0 |  |  |  |  |",
    ]
    assert "beside the 50 of the phase above" in "\n".join(lines)


def test_the_member_table_sets_the_submits_beside_their_floor_which_has_no_verdict():
    phase = {"requests": 200, "errors": 0, "p50_ms": 40.0, "p99_ms": 300.0}
    member = {
        "workers": 4,
        "clients": 50,
        "rounds": 3,
        "submit_post": {
            **phase,
            "throughput_rps": 55.0,
            "p95_ms": 560.0,
            "ratio_to_floor": 0.02,
            "ratio_to_submit_floor": 0.31,
        },
        "submit_floor": {**phase, "throughput_rps": 180.0, "p95_ms": 171.3},
    }
    lines = report.member_table("sqlite", {"full": {"member": member}})
    text = "\n".join(lines)

    floor = next(line for line in lines if line.startswith("| submit_floor |"))
    assert "| 171.3  |" in floor and "met" not in floor and "missed" not in floor
    assert "The submits ran at 0.31× its throughput" in text
    assert "at 50 clients its own p95 was 171.3 ms, beyond the submits' 150 ms" in text


def test_the_load_needs_at_least_one_round():
    with pytest.raises(ValueError, match="at least one round"):
        load.drive(0, [], floor_requests=1, page_requests=1, submits=1, rounds=0)


def test_the_submits_cannot_be_sent_by_more_clients_than_there_are():
    client = load.Client("/", "", "", [], 1)
    for numbers in ([2], [0]):
        with pytest.raises(ValueError, match="between 1 and 1"):
            load.drive(0, [client], floor_requests=1, page_requests=1, submits=1, submit_clients=numbers)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.urls("bench.urls")
def test_the_load_phases_run_against_a_live_server_and_each_has_its_floor(live_server, settings):
    """The member-page benchmark's phases at a tiny size, against Django's live server instead of
    gunicorn (one client: the live server shares SQLite's in-memory connection between threads)."""
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    seed_scale(scale=0.01, seed=1)  # two open consultations
    clients = load.prepare_clients(1)
    # The first views' second round: a client of another consultation.
    others = load.prepare_clients(1, other_than=[clients[0].consultation_id])
    assert others[0].consultation_id != clients[0].consultation_id
    port = int(live_server.url.rsplit(":", 1)[1])
    create_floor_table()

    results = load.drive(
        port,
        clients,
        floor_requests=3,
        page_requests=3,
        submits=2,
        rounds=2,
        first_view_groups=[others],
        submit_clients=[1],
    )

    assert tuple(results) == (*load.PHASES, load.SUBMITS_FEWER_CLIENTS)
    for name, requests in (
        ("floor_burst", 1),
        ("page_first_get", 1),
        ("floor", 3),
        ("page_get", 3),
        ("submit_post", 2),
        ("submit_floor", 2),
    ):
        assert results[name]["requests"] == requests, name
        assert results[name]["errors"] == 0, (name, results[name]["statuses"])
    assert results["submit_post"]["statuses"] == results["submit_floor"]["statuses"] == {"302": 2}
    # Each ratio against its own floor: the first views against the burst of the same shape,
    # round by round (the median of two is their mean).
    first, burst = results["page_first_get"], results["floor_burst"]
    assert first["rounds"] == burst["rounds"] == 2
    paired = [
        page / floor
        for page, floor in zip(first["throughput_rps_rounds"], burst["throughput_rps_rounds"], strict=True)
    ]
    assert first["ratio_to_floor"] == pytest.approx(sum(paired) / 2, abs=0.002)
    submits, floor = results["submit_post"], results["floor"]
    assert submits["ratio_to_floor"] == round(submits["throughput_rps"] / floor["throughput_rps"], 3)
    assert floor["rounds"] == 2
    invitation = Invitation.objects.get(pk=int(clients[0].path.rstrip("/").rsplit("/", 1)[1]))
    response = Response.objects.get(
        consultation=invitation.consultation, organisation=invitation.organisation
    )
    assert response.status == "submitted"
    # Two submits in each of the two rounds, and two more sent by one client at once.
    assert response.versions.count() == 6
    fewer = results[load.SUBMITS_FEWER_CLIENTS]
    assert list(fewer) == ["1"]
    assert fewer["1"]["clients"] == 1 and fewer["1"]["requests"] == 2 and fewer["1"]["errors"] == 0
    assert fewer["1"]["statuses"] == {"302": 2}
    assert fewer["1"]["floor"]["requests"] == 2 and fewer["1"]["floor"]["statuses"] == {"302": 2}
    submits = results["submit_post"]
    assert submits["ratio_to_submit_floor"] == pytest.approx(
        statistics.median(
            product / floor
            for product, floor in zip(
                submits["throughput_rps_rounds"],
                results["submit_floor"]["throughput_rps_rounds"],
                strict=True,
            )
        ),
        abs=0.002,
    )
    # The floor wrote the client's answers: a row a field of its form, the last submit's.
    written = saved_answers(invitation.pk)
    assert {f"q{pk}" for pk, _kind in clients[0].questions} <= set(written)
    assert f"Pritariame ({clients[0].sent})" in written.values()


def test_the_report_tells_the_machines_speed_at_the_start_and_the_end_of_the_run():
    from bench.measure import cpu_reference

    speed = cpu_reference(runs=1, items=20_000)
    assert speed > 0
    text = report._reference_text({"start": speed, "end": 0.5})
    assert f"{speed:.2f} s of CPU at the start of the run, 0.50 s at its end" in text
    assert report._reference_text(None) == ""  # results from before it was measured


def test_the_import_benchmark_times_every_candidate_and_its_table_is_read_back_and_judged():
    from bench import bench_import, report, run

    arguments = ["--rows", "30", "--plain-rows", "12", "--warm-up-rows", "4", "--repeat", "2"]
    completed = bench_import.in_own_process(arguments, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    rows = run.parse_import_table(completed.stdout)
    # The whole file through ours and the floor; its first rows through ours and the default path.
    assert sorted((r["rows"], r["candidate"], r["format"]) for r in rows) == [
        (12, "crm", "csv"),
        (12, "crm", "xlsx"),
        (12, "plain", "csv"),
        (12, "plain", "xlsx"),
        (30, "crm", "csv"),
        (30, "crm", "xlsx"),
        (30, "floor", "csv"),
        (30, "floor", "xlsx"),
    ]
    for r in rows:
        # The peak memory of a dry run in a process of its own, after a warm-up there: a few rows
        # may need nothing more than the warm-up did.
        assert r["dry_run_rows_s"] > 0 and r["import_rows_s"] > 0 and r["peak_mib"] >= 0, r

    text = "\n".join(report.import_table({"rows": rows, "returncode": 0}))
    assert text.count("| 30 | crm |") == 2 and text.count("| 12 | plain |") == 2
    for fmt in ("csv", "xlsx"):
        line = next(line for line in text.splitlines() if line.startswith(f"{fmt}: "))
        assert "≥ 2,000 rows/s (30 rows, dry run and import)" in line
        assert "≥ 3× the default path (12 rows): dry run " in line
    assert "Failed" in "\n".join(report.import_table({"rows": [], "returncode": 1}))


def test_an_import_that_does_not_leave_what_it_was_timed_for_stops_the_benchmark(tmp_path):
    from bench import bench_import

    # The benchmark's own check, run in this test's database: nothing imported yet.
    Organisation.objects.all().delete()
    bench_import.imported_check("crm", True, 0)
    with pytest.raises(SystemExit, match="crm: the import left 0 organisations, not 5"):
        bench_import.imported_check("crm", False, 5)


@pytest.mark.parametrize("high_water_mark", [True, False], ids=["kernel high-water mark", "sampled"])
def test_the_peak_memory_of_a_block_is_what_it_took_above_the_start_though_it_freed_it(
    high_water_mark, monkeypatch
):
    from bench import measure

    if not high_water_mark:
        monkeypatch.setattr(measure, "_peak_reset", lambda: False)
    elif not measure._peak_reset():
        pytest.skip("this kernel cannot reset the peak RSS")  # the sampled case still runs
    with measure.peak_rss() as memory:
        taken = bytearray(64 * 2**20)  # zeroed: every page is touched
        time.sleep(0.1)  # seen by the sampler too
        del taken
    assert 60 <= memory["peak_mib"] < 100
    with measure.peak_rss() as memory:
        pass
    assert memory["peak_mib"] < 4


def test_the_import_benchmark_measures_each_candidates_memory_in_a_process_of_its_own(tmp_path):
    from bench import bench_import

    template = tmp_path / "template.sqlite3"
    # A migrated template database and two files, made as the benchmark makes them.
    completed = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [
            sys.executable,
            "-c",
            "from bench import bench_import as b; from pathlib import Path; "
            f"b.setup_django(Path({str(template)!r})); "
            "from django.core.management import call_command; call_command('migrate', verbosity=0); "
            f"b.write_files(b.build_rows(400, 1), Path({str(tmp_path / 'main')!r})); "
            f"b.write_files(b.build_rows(5, 1), Path({str(tmp_path / 'warm')!r}))",
        ],
        cwd=bench_import.ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    peaks = {
        candidate: bench_import.peak_in_own_process(
            candidate,
            tmp_path / "main" / "organisations.csv",
            tmp_path / "warm" / "organisations.csv",
            template,
        )
        for candidate in ("crm", "floor")
    }
    # 400 organisations take some memory beyond the warm-up's five, and far from all of it.
    assert all(0 < peak < 100 for peak in peaks.values()), peaks
    with pytest.raises(SystemExit, match=r"the memory run of nobody on organisations\.csv failed"):
        bench_import.peak_in_own_process(
            "nobody",
            tmp_path / "main" / "organisations.csv",
            tmp_path / "warm" / "organisations.csv",
            template,
        )


def test_a_ratio_next_to_its_limit_is_shown_with_the_decimal_that_decides_it():

    assert report._ratio(0.499, 0.5) == "0.499"  # "0.50 missed" would read as met
    assert report._ratio(0.504, 0.5) == "0.504"
    assert report._ratio(0.5, 0.5) == "0.50"
    assert report._ratio(0.61, 0.5) == "0.61"
    assert report._ratio(1.296, 1.3) == "1.296"
    assert report._ratio(1.31, 1.3) == "1.31"

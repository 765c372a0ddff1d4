"""Generating a PDF as a background job whose row shows how far it has got."""

from __future__ import annotations

import logging
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from positions import pdf, services, tasks
from positions.letter import paper_letter
from positions.models import PositionPaper, Rendering, RenderingJob
from positions.selectors import paper_for_document
from tests.positions import pdf_reading
from tests.positions.factories import PaperFactory, ProposalFactory, SectionFactory, issuer_with_requisites
from tests.task_worker import run_queued_tasks as _run_queued_tasks

pytestmark = pytest.mark.django_db

PARAGRAPH = (
    "Asociacija siūlo aiškiau apibrėžti klasterių finansavimo sąlygas, įvertinti regionų skirtumus "
    "ir užtikrinti, kad įgyvendinimo terminai būtų realūs visiems šalies klasteriams. "
) * 6


@pytest.fixture
def long_paper() -> PositionPaper:
    issuer_with_requisites()
    paper = PaperFactory()
    for position in range(1, 7):
        SectionFactory(paper=paper, position=position, heading=f"Pastaba {position}", body=PARAGRAPH * 3)
    ProposalFactory(paper=paper)
    return paper


def test_the_renderer_reports_each_stage_and_every_page_to_its_own_thread(long_paper):
    reports: list[tuple[str, int]] = []
    letter = paper_letter(paper_for_document(paper_id=long_paper.pk))

    rendered = pdf.render_letter(letter, progress=lambda stage, page: reports.append((stage, page)))

    assert rendered.page_count == len(pdf_reading.reader(rendered.content).pages) >= 3
    stages = [stage for stage, _page in reports]
    assert stages.index("styles") < stages.index("layout") < stages.index("writing")
    pages = [page for stage, page in reports if stage == "layout"]
    assert pages[: rendered.page_count] == list(range(1, rendered.page_count + 1))

    # Another thread's rendering reports nothing to this callback.
    reports.clear()
    other = threading.Thread(target=pdf.render_letter, args=(letter,))
    other.start()
    other.join()
    assert reports == []


def test_without_a_callback_the_progress_stays_out_of_the_log(long_paper, caplog):
    caplog.set_level(logging.INFO)
    pdf.render_letter(paper_letter(paper_for_document(paper_id=long_paper.pk)))

    assert not [record for record in caplog.records if record.name == "weasyprint.progress"]


def test_the_job_records_the_stages_the_pages_and_the_rendering(long_paper, superuser, monkeypatch):
    monkeypatch.setattr(services, "PROGRESS_INTERVAL_SECONDS", 0)
    writes: list[list[object]] = []

    def watch(execute, sql, params, many, context):
        if sql.startswith("UPDATE") and "positions_renderingjob" in sql:
            writes.append(list(params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        job = services.paper_render_request(paper=long_paper, user=superuser)

    rendering = Rendering.objects.get(paper=long_paper)
    assert job.state == RenderingJob.State.DONE
    assert job.rendering == rendering
    assert job.task_id
    assert job.percent == 100
    assert job.started_at <= job.finished_at
    assert job.pages_done == rendering.page_count == len(pdf_reading.reader(rendering.file.read()).pages)
    # The guess before the first PDF comes from the length of the text.
    assert job.pages_expected >= 2
    # On the way: the stages in order, and the pages one by one while laying out.
    layout_pages = [params[1] for params in writes if params[:1] == ["layout"]]
    assert layout_pages[:3] == [1, 2, 3]
    stages = [params[0] for params in writes if params and params[0] in RenderingJob.Stage.values]
    for earlier, later in [("text", "layout"), ("layout", "writing"), ("writing", "storing")]:
        assert stages.index(earlier) < stages.index(later)

    # The next request expects the page count of the last PDF.
    assert (
        services.paper_render_request(paper=long_paper, user=superuser).pages_expected == rendering.page_count
    )


def test_a_failed_job_says_why_and_a_job_runs_only_once(long_paper, superuser):
    approved = services.paper_approve(paper=long_paper, user=superuser)
    job = RenderingJob.objects.create(paper=approved, requested_by=superuser)
    sent_with = services.paper_render(paper=approved, user=superuser)
    services.paper_mark_sent(paper=approved, user=superuser, rendering=sent_with, channel="paper")

    assert services.rendering_job_run(job=job, user=superuser) is None

    job.refresh_from_db()
    assert job.state == RenderingJob.State.FAILED
    assert job.finished_at is not None
    assert job.error
    assert approved.renderings.count() == 1
    # Delivered a second time, the task does nothing.
    assert services.rendering_job_run(job=job, user=superuser) is None
    job.refresh_from_db()
    assert job.state == RenderingJob.State.FAILED


def test_the_share_done_follows_the_stage_and_the_pages():
    job = RenderingJob(stage=RenderingJob.Stage.LAYOUT, state=RenderingJob.State.RUNNING, pages_expected=10)
    assert RenderingJob(stage=RenderingJob.Stage.QUEUED).percent == 0
    job.pages_done = 5
    assert job.percent == 48
    job.pages_done = 14  # more pages than expected: never past the layout's share
    assert job.percent == 85
    job.stage = RenderingJob.Stage.WRITING
    assert job.percent == 88
    job.state = RenderingJob.State.DONE
    assert job.percent == 100


def test_generate_pdf_in_the_admin_leads_to_its_progress_page(staff_client, long_paper):
    response = staff_client.post(reverse("admin:positions_positionpaper_render", args=[long_paper.pk]))

    job = RenderingJob.objects.get(paper=long_paper)
    progress_url = reverse("admin:positions_positionpaper_rendering_progress", args=[long_paper.pk, job.pk])
    assert response.status_code == 302
    assert response["Location"] == progress_url
    page = staff_client.get(progress_url).content.decode()
    assert 'value="100"' in page
    assert reverse("admin:positions_rendering_download", args=[job.rendering.pk]) in page
    assert 'http-equiv="refresh"' not in page


def test_a_running_job_shows_its_stage_and_page_and_refreshes(staff_client, long_paper):
    job = RenderingJob.objects.create(
        paper=long_paper,
        state=RenderingJob.State.RUNNING,
        stage=RenderingJob.Stage.LAYOUT,
        pages_done=3,
        pages_expected=6,
    )
    progress_url = reverse("admin:positions_positionpaper_rendering_progress", args=[long_paper.pk, job.pk])

    page = staff_client.get(progress_url).content.decode()

    assert 'http-equiv="refresh"' in page
    assert f'value="{job.percent}"' in page
    assert "3" in page and "6" in page
    change = staff_client.get(reverse("admin:positions_positionpaper_change", args=[long_paper.pk]))
    assert progress_url in change.content.decode()
    # Another paper's job is not found under this paper.
    other = PaperFactory()
    wrong = reverse("admin:positions_positionpaper_rendering_progress", args=[other.pk, job.pk])
    assert staff_client.get(wrong).status_code == 404


def test_the_generations_list_takes_the_same_queries_for_few_and_many(
    staff_client, long_paper, superuser, django_assert_num_queries
):
    url = reverse("admin:positions_renderingjob_changelist")
    services.paper_render_request(paper=long_paper, user=superuser)
    staff_client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert staff_client.get(url).status_code == 200
    for _ in range(6):
        RenderingJob.objects.create(paper=PaperFactory(), requested_by=superuser)
    with django_assert_num_queries(len(few.captured_queries)):
        response = staff_client.get(url)
    assert response.content.decode().count("/pdf/") == 7


def test_with_the_database_backend_the_job_waits_for_the_worker(
    staff_client, long_paper, superuser, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    job = services.paper_render_request(paper=long_paper, user=superuser)

    assert job.state == RenderingJob.State.QUEUED
    assert not Rendering.objects.exists()
    queued = DBTaskResult.objects.get()
    assert str(queued.id) == job.task_id
    assert queued.args_kwargs["kwargs"]["job_id"] == job.pk
    progress_url = reverse("admin:positions_positionpaper_rendering_progress", args=[long_paper.pk, job.pk])
    waiting = staff_client.get(progress_url).content.decode()
    assert 'http-equiv="refresh"' in waiting
    assert 'value="0"' in waiting

    _run_queued_tasks()

    job.refresh_from_db()
    assert job.state == RenderingJob.State.DONE
    assert job.rendering == Rendering.objects.get()
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert 'http-equiv="refresh"' not in staff_client.get(progress_url).content.decode()


def test_a_job_whose_requester_was_deleted_before_the_worker_ran_is_still_rendered(
    staff_client, long_paper, policy_officer, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    job = services.paper_render_request(paper=long_paper, user=policy_officer)
    assert job.state == RenderingJob.State.QUEUED

    policy_officer.delete()
    _run_queued_tasks()

    job.refresh_from_db()
    rendering = Rendering.objects.get(paper=long_paper)
    assert job.state == RenderingJob.State.DONE
    assert job.rendering == rendering
    assert job.requested_by is None
    # Made by nobody who still exists, as the deleted user's other unsent PDFs are.
    assert rendering.created_by is None
    assert len(pdf_reading.reader(rendering.file.read()).pages) == rendering.page_count
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    progress_url = reverse("admin:positions_positionpaper_rendering_progress", args=[long_paper.pk, job.pk])
    page = staff_client.get(progress_url).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert reverse("admin:positions_rendering_download", args=[rendering.pk]) in page


def test_a_task_queued_without_a_job_renders_even_if_its_user_was_deleted(
    long_paper, policy_officer, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    tasks.paper_render_task.enqueue(paper_id=long_paper.pk, user_id=policy_officer.pk)

    policy_officer.delete()
    _run_queued_tasks()

    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert Rendering.objects.get(paper=long_paper).created_by is None


def test_a_job_of_a_paper_deleted_before_the_worker_ran_ends_the_task_quietly(
    long_paper, superuser, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    services.paper_render_request(paper=long_paper, user=superuser)

    long_paper.delete()
    _run_queued_tasks()

    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert not RenderingJob.objects.exists()
    assert not Rendering.objects.exists()

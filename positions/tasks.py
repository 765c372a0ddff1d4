"""Background tasks of position papers (django-tasks: immediate by default, the database
backend and its worker in production)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task


@task()
def paper_render_task(paper_id: int, user_id: int | None = None, job_id: int | None = None) -> int | None:
    """Render a paper's PDF and store it as a new rendering; returns the rendering's id. With a
    job, the job's row shows the progress and the outcome.

    With the database backend the task runs later, in the worker: the user who asked for it may
    have been deleted meanwhile. The PDF is made all the same, without its author (as the user's
    other PDFs that were not sent are), rather than leaving the job queued for ever."""
    # Imported here: the services queue this task.
    from positions import services
    from positions.models import PositionPaper, RenderingJob

    if job_id is not None:
        job = RenderingJob.objects.select_related("paper", "requested_by").filter(pk=job_id).first()
        if job is None:
            # The paper was deleted meanwhile, and its jobs with it: nothing is waiting.
            return None
        rendering = services.rendering_job_run(job=job, user=job.requested_by)
        return rendering.pk if rendering is not None else None
    user = get_user_model().objects.filter(pk=user_id).first() if user_id is not None else None
    paper = PositionPaper.objects.get(pk=paper_id)
    return services.paper_render(paper=paper, user=user).pk

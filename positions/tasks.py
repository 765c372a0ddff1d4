"""Background tasks of position papers (django-tasks: immediate by default, the database
backend and its worker in production)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task


@task()
def paper_render_task(paper_id: int, user_id: int | None = None, job_id: int | None = None) -> int | None:
    """Render a paper's PDF and store it as a new rendering; returns the rendering's id. With a
    job, the job's row shows the progress and the outcome."""
    # Imported here: the services queue this task.
    from positions import services
    from positions.models import PositionPaper, RenderingJob

    user = get_user_model().objects.get(pk=user_id) if user_id is not None else None
    if job_id is not None:
        job = RenderingJob.objects.select_related("paper").get(pk=job_id)
        rendering = services.rendering_job_run(job=job, user=user)
        return rendering.pk if rendering is not None else None
    paper = PositionPaper.objects.get(pk=paper_id)
    return services.paper_render(paper=paper, user=user).pk

"""Background tasks of position papers (django-tasks: immediate by default, the database
backend and its worker in production)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task


@task()
def paper_render_task(paper_id: int, user_id: int | None = None) -> int:
    """Render a paper's PDF and store it as a new rendering; returns the rendering's id."""
    # Imported here: the services queue this task.
    from positions import services
    from positions.models import PositionPaper

    paper = PositionPaper.objects.get(pk=paper_id)
    user = get_user_model().objects.get(pk=user_id) if user_id is not None else None
    return services.paper_render(paper=paper, user=user).pk

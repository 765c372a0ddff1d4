"""Reads of position papers: a paper with everything its letter prints, the admin's lists,
and a stored PDF read back with its hash checked."""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from crm.models import Organisation
from positions.models import PaperProposal, PositionPaper, Rendering


class RenderingTampered(ValidationError):
    """The stored file of a rendering no longer matches the SHA-256 recorded when it was made."""


def _organisations_with_sectors() -> QuerySet[Organisation]:
    return Organisation.objects.prefetch_related("sectors")


def paper_for_document(*, paper_id: int) -> PositionPaper:
    """A paper with its addressee, sections, proposals, supporting organisations (with their
    sectors, for anonymous descriptions) and attributions, in a fixed number of queries."""
    return (
        PositionPaper.objects.select_related("addressee", "source_consultation")
        .prefetch_related(
            "sections",
            "attributions",
            Prefetch("supporting_organisations", queryset=_organisations_with_sectors()),
            Prefetch(
                "proposals",
                queryset=PaperProposal.objects.prefetch_related(
                    Prefetch("supporting_organisations", queryset=_organisations_with_sectors())
                ),
            ),
        )
        .get(pk=paper_id)
    )


def papers_for_admin() -> QuerySet[PositionPaper]:
    return PositionPaper.objects.select_related("addressee", "source_consultation").annotate(
        rendering_total=Count("renderings", distinct=True),
        dispatch_total=Count("dispatches", distinct=True),
    )


def paper_sendable_renderings(*, paper: PositionPaper) -> QuerySet[Rendering]:
    """The renderings that may be sent: those made once the paper had its number, newest first."""
    return paper.renderings.exclude(paper_status=PositionPaper.Status.DRAFT).order_by("-version")


def rendering_read_verified(*, rendering: Rendering) -> bytes:
    """The stored PDF, after checking that its SHA-256 and size are still those recorded."""
    with rendering.file.open("rb") as stored:
        content = stored.read()
    if len(content) != rendering.size or hashlib.sha256(content).hexdigest() != rendering.sha256:
        raise RenderingTampered(
            _("The stored file of %(rendering)s does not match its recorded SHA-256; it was altered."),
            code="rendering_tampered",
            params={"rendering": rendering},
        )
    return content

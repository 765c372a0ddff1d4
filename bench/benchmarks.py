"""The benchmarks of issue 5 that run inside one Django process, each with its floor.

Every function takes the number of timed runs and returns a JSON-ready dict. They expect a
database filled by `bench.seeding.seed_scale` and Django set up with `bench.settings`.
"""

from __future__ import annotations

import csv
import io
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.measure import peak_rss, timed, timed_pair

# Search terms that match a part of every table (words the seed uses).
SEARCHES = {
    "crm.Organisation": "Gintaro Nemuno",
    "crm.Person": "Rūta",
    "crm.Membership": "Gintaro",
    "consultations.Invitation": "Baltijos",
    "consultations.Response": "Baltijos",
    "consultations.Consultation": "Nr. 1",
}
CHANGELISTS = [
    "crm.Organisation",
    "crm.Person",
    "crm.Membership",
    "consultations.Invitation",
    "consultations.Response",
    "consultations.Consultation",
]


def _staff_request(path: str, query: dict[str, str]) -> Any:
    from django.contrib.auth import get_user_model
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    request = RequestFactory().get(path, query)
    request.user = get_user_model().objects.get(username="bench-staff")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


# The foreign keys each model's `__str__` follows. The changelist prints `__str__` in every row
# (the label of the row's checkbox), so a floor without them would query once a row.
STR_RELATED: dict[str, list[str]] = {
    "crm.Membership": ["organisation"],
    "consultations.Invitation": ["organisation", "consultation"],
    "consultations.Response": ["organisation", "consultation"],
}


def floor_admin(model: type, search_fields: list[str]) -> Any:
    """A bare ModelAdmin over the same table: only the id column, no filters, the same search,
    and the joins its rows' `__str__` needs (`STR_RELATED`), so that its queries are constant.
    It belongs to the product's admin site, so that its pages have the same navigation (the
    site's list of models) as the product's."""
    from django.contrib import admin

    class FloorAdmin(admin.ModelAdmin):
        list_display = ["pk"]

    FloorAdmin.search_fields = list(search_fields)
    FloorAdmin.list_select_related = STR_RELATED.get(model._meta.label, [])
    return FloorAdmin(model, admin.site)


def admin_changelists(*, repeat: int) -> dict[str, Any]:
    """Benchmark 1: each changelist's first page and a search, against a bare ModelAdmin; the
    runs of the two alternate."""
    from django.apps import apps
    from django.contrib import admin

    results: dict[str, Any] = {}
    for label in CHANGELISTS:
        model = apps.get_model(label)
        product = admin.site._registry.get(model)
        if product is None:
            results[label] = {"missing": f"no admin is registered for {label}"}
            continue
        floor = floor_admin(model, product.search_fields)
        path = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        entry: dict[str, Any] = {"rows": model.objects.count()}
        for case, query in (("first_page", {}), ("search", {"q": SEARCHES[label]})):

            def view(model_admin: Any, query: dict[str, str] = query, path: str = path) -> None:
                response = model_admin.changelist_view(_staff_request(path, query))
                response.render()
                assert response.status_code == 200, response.status_code

            ours, bare = timed_pair(
                lambda product=product: view(product), lambda floor=floor: view(floor), repeat=repeat
            )
            entry[case] = {
                "product": ours.as_dict(),
                "floor": bare.as_dict(),
                "ratio": round(ours.median_s / bare.median_s, 2),
            }
        results[label] = entry
    return results


def largest_consultation() -> Any:
    """The consultation with the most answers (the first of them by id), or None."""
    from django.db.models import Count

    from consultations.models import Consultation

    return Consultation.objects.annotate(n=Count("responses__answers")).order_by("-n", "pk").first()


def exports(*, repeat: int) -> dict[str, Any]:
    """Benchmark 3: the export of every person (the admin's resource) and of the answers of the
    largest consultation (`consultations.exports`, XLSX and CSV), each with its floor: a streamed
    CSV of the same table's values."""
    from consultations import exports as answer_exports
    from consultations.models import Answer
    from crm.import_formats import CSV
    from crm.models import Person
    from crm.resources import PersonResource

    def person_export(persons: Any = None) -> int:
        # What the admin streams for a CSV download (crm.resources.admin), consumed chunk by chunk.
        headers, rows = PersonResource().export_rows(Person.objects.all() if persons is None else persons)
        return sum(len(chunk) for chunk in CSV.export_stream(headers, rows, delimiter=";"))

    def person_floor() -> int:
        # Streamed: a server-side cursor, one row at a time to a CSV writer.
        out = io.StringIO()
        writer = csv.writer(out)
        rows = Person.objects.values_list(
            "first_name", "last_name", "email", "phone", "affiliations__organisation__name"
        ).order_by("pk")
        for row in rows.iterator(chunk_size=2000):
            writer.writerow(row)
            if out.tell() > 1 << 20:
                out.seek(0)
                out.truncate()
        return 0

    largest = largest_consultation()

    def answers_xlsx() -> int:
        return len(answer_exports.answers_xlsx(consultation=largest))

    def answers_csv() -> int:
        # Consumed as the streaming response would be, line by line.
        return sum(len(line) for line in answer_exports.answers_csv(consultation=largest))

    def answers_floor() -> int:
        out = io.StringIO()
        writer = csv.writer(out)
        rows = (
            Answer.objects.filter(response__consultation=largest)
            .values_list(
                "response__organisation__name",
                "question__position",
                "text",
                "choice_indexes",
                "scale",
                "yes_no",
            )
            .order_by("response_id", "question__position")
        )
        for row in rows.iterator(chunk_size=2000):
            writer.writerow(row)
        return 0

    def person_export_warm_up() -> int:
        # The same code on the first thousand persons: a run over all of them takes seconds.
        first = Person.objects.order_by("pk").values_list("pk", flat=True)[999:1000].first()
        return person_export(Person.objects.filter(pk__lte=first) if first else None)

    results: dict[str, Any] = {"persons": Person.objects.count()}
    # Each with its warm-up, then `repeat` timed runs.
    cases = (
        ("persons_export", person_export, person_export_warm_up),
        ("persons_floor", person_floor, person_floor),
        ("answers_floor", answers_floor, answers_floor),
        ("answers_xlsx", answers_xlsx, answers_xlsx),
        ("answers_csv", answers_csv, answers_csv),
    )
    for name, run, warm_up in cases:
        warm_up()
        peak = {"peak_mib": 0.0}
        timing = timed(_peak_of(run, peak), repeat=repeat, warmup=0)
        results[name] = {
            "median_s": round(timing.median_s, 3),
            "runs": timing.runs,
            "queries": timing.queries,
            "peak_rss_mib": peak["peak_mib"],
        }
    results["largest_consultation_answers"] = largest.n if largest else 0
    return results


# --- position paper PDFs ------------------------------------------------------------------------


def _paper_with_pages(pages: int, per_page: float) -> Any:
    from bench.seeding import paper_fill
    from positions.models import PositionPaper

    paper = PositionPaper.objects.create(subject=f"Bandomojo {pages} puslapių rašto", signatory_name="V. P.")
    sections = max(1, round(pages * per_page))
    paper_fill(paper=paper, sections=sections, proposals=max(1, sections // 3), rng=random.Random(pages))
    return paper


def _floor_html(paper: Any) -> str:
    """The same letter's HTML, saved with its fonts as file: URLs, for WeasyPrint on its own."""
    from django.contrib.staticfiles import finders

    from positions.letter import letter_html, paper_letter
    from positions.selectors import paper_for_document

    letter = paper_letter(paper_for_document(paper_id=paper.pk))
    return letter_html(letter, asset_url=lambda path: Path(finders.find(path)).as_uri())


def _floor_render(html: str) -> int:
    from weasyprint import HTML

    document = HTML(string=html).render()
    document.write_pdf()
    return len(document.pages)


def _peak_of(run: Callable[[], Any], peak: dict[str, float]) -> Callable[[], Any]:
    """`run`, keeping in `peak["peak_mib"]` the highest RSS growth of any of its runs."""

    def measured() -> Any:
        with peak_rss() as memory:
            result = run()
        peak["peak_mib"] = max(peak["peak_mib"], memory["peak_mib"])
        return result

    return measured


def position_pdfs(*, repeat: int, sizes: tuple[int, ...] = (10, 40, 150)) -> dict[str, Any]:
    """Benchmark 5: the product's rendering (`paper_render`: letter, PDF, stored file) against
    WeasyPrint rendering the same saved HTML directly."""
    from positions import services
    from positions.checks import harfbuzz_subset_available

    # Calibrate: pages = fixed + sections / per_page (the letterhead, the signature and the annex
    # are the fixed part), from two probes.
    small, large = 4, 24
    small_pages = _floor_render(_floor_html(_paper_with_pages(small, 1.0)))
    large_pages = _floor_render(_floor_html(_paper_with_pages(large, 1.0)))
    per_page = (large - small) / max(large_pages - small_pages, 1)
    fixed = small_pages - small / per_page
    results: dict[str, Any] = {
        "sections_per_page": round(per_page, 2),
        # Both sides subset the fonts the same way; without HarfBuzz's subsetter, in Python.
        "font_subsetting": "HarfBuzz" if harfbuzz_subset_available() else "fontTools",
    }
    for pages in sizes:
        paper = _paper_with_pages(max(1, round(pages - fixed)), per_page)
        html = _floor_html(paper)
        # The shortest paper is the warm-up of the longer ones (the same code: they are not
        # rendered once more before they are timed), and it runs three times as often as they
        # do: over twelve runs of three or five renderings each way, its third of a second gave
        # ratios from 0.81 to 1.34. The product's runs and the floor's alternate, so that a burst
        # of load on the machine falls on both (with one run each, the 150-page ratio moved from
        # 0.91 to 1.17).
        runs, warmup = (repeat * 3, 1) if pages == sizes[0] else (repeat, 0)
        product_memory, floor_memory = {"peak_mib": 0.0}, {"peak_mib": 0.0}
        product, floor = timed_pair(
            _peak_of(lambda paper=paper: services.paper_render(paper=paper), product_memory),
            _peak_of(lambda html=html: _floor_render(html), floor_memory),
            repeat=runs,
            warmup=warmup,
        )
        actual = paper.renderings.order_by("-version").values_list("page_count", flat=True).first()
        results[f"{pages}_pages"] = {
            "pages": actual,
            "product": {**product.as_dict(), "peak_rss_mib": product_memory["peak_mib"]},
            "floor": {**floor.as_dict(), "peak_rss_mib": floor_memory["peak_mib"]},
            "ratio": round(product.median_s / floor.median_s, 2),
        }
    return results


def _admin_page(name: str, pk: int) -> Callable[[], Any]:
    """The admin page `name` of a consultation as the admin serves it (URL resolution, the admin
    site's staff check, the view, the template), for the bench staff user."""
    from django.urls import resolve, reverse

    path = reverse(f"admin:consultations_consultation_{name}", args=[pk])
    match = resolve(path)

    def view() -> int:
        response = match.func(_staff_request(path, {}), *match.args, **match.kwargs)
        response.render()
        assert response.status_code == 200, response.status_code
        return len(response.content)

    return view


def dashboard_and_draft(*, repeat: int) -> dict[str, Any]:
    """Benchmark 6: on the largest consultation, the staff dashboard and the answers side by side
    (the admin pages), and the draft position paper written from it
    (`positions.consolidation.paper_draft_from_consultation`). The draft needs a closed
    consultation: one still open is closed for the benchmark, and every draft is rolled back."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from consultations.models import Consultation, Response
    from positions.consolidation import paper_draft_from_consultation
    from positions.models import PaperSection, ProposalGroup

    consultation = largest_consultation()
    if consultation is None:
        return {"error": "no consultation"}
    results: dict[str, Any] = {
        "consultation": {
            "invitations": consultation.invitations.count(),
            "submitted": consultation.responses.filter(status=Response.Status.SUBMITTED).count(),
            "questions": consultation.questions.count(),
            "status": consultation.status,
        }
    }
    for name in ("dashboard", "answers"):
        results[name] = timed(_admin_page(name, consultation.pk), repeat=repeat).as_dict()

    user = get_user_model().objects.get(username="bench-staff")
    with transaction.atomic():
        if consultation.status != Consultation.Status.CLOSED:
            Consultation.objects.filter(pk=consultation.pk).update(
                status=Consultation.Status.CLOSED, closed_at=timezone.now()
            )
        timing = timed(
            lambda: paper_draft_from_consultation(consultation=consultation, user=user),
            repeat=repeat,
            rollback=True,
        )
        # One more, untimed, to count what a draft holds.
        paper = paper_draft_from_consultation(consultation=consultation, user=user)
        made = {
            "sections": PaperSection.objects.filter(paper=paper).count(),
            "proposal_groups": ProposalGroup.objects.filter(paper=paper).count(),
        }
        transaction.set_rollback(True)
    results["draft_from_consultation"] = {**timing.as_dict(), **made}
    return results


def media_root() -> str:
    return tempfile.mkdtemp(prefix="bench-media-")


def now() -> float:
    return time.perf_counter()

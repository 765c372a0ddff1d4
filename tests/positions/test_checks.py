"""The system check for what the PDFs need from the server."""

from __future__ import annotations

import logging

from django.core.checks import run_checks
from weasyprint import HTML
from weasyprint.text import ffi

from positions.checks import harfbuzz_subset_available


def _deploy_check_ids() -> set[str]:
    return {message.id for message in run_checks(include_deployment_checks=True)}


def test_the_check_tells_whether_weasyprint_subsets_fonts_with_harfbuzz(caplog):
    """Checked against WeasyPrint itself: it falls back to fontTools, with a warning, exactly when
    the check says the subsetter is missing."""
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        HTML(string='<p style="font-family: serif">Ąžuolas, šermukšnis, ūkis</p>').write_pdf()
    fell_back = any("instead of HarfBuzz-Subset" in record.getMessage() for record in caplog.records)

    assert harfbuzz_subset_available() is not fell_back
    assert ("positions.W001" in _deploy_check_ids()) is fell_back


def test_a_server_without_the_subsetter_is_warned_at_deploy_check(monkeypatch):
    monkeypatch.setattr(ffi, "harfbuzz_subset", None)

    (warning,) = [m for m in run_checks(include_deployment_checks=True) if m.id == "positions.W001"]
    assert "libharfbuzz-subset0" in warning.hint
    # Not among the checks of every command (runserver, migrate): only at `check --deploy`.
    assert "positions.W001" not in {message.id for message in run_checks()}

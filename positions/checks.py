"""System checks of what the position papers' PDFs need from the server."""

from __future__ import annotations

from typing import Any

from django.core import checks

# WeasyPrint subsets the letter's fonts with HarfBuzz's subsetter from this version on; without it,
# with fontTools in Python: a paper takes 1.3 to 1.5 times as long, with a warning a font at every render.
HARFBUZZ_SUBSET_VERSION = (4, 1, 0)


def harfbuzz_subset_available() -> bool:
    """Whether WeasyPrint found HarfBuzz's subsetter (libharfbuzz-subset) in a version it uses."""
    # WeasyPrint's text library as positions.pdf imports it: after quietening WeasyPrint's progress
    # reports, which would otherwise print "Step 2 - Fetching and parsing CSS" into `check --deploy`.
    from positions.pdf import ffi

    return ffi.harfbuzz_subset is not None and bool(ffi.harfbuzz.hb_version_atleast(*HARFBUZZ_SUBSET_VERSION))


@checks.register(checks.Tags.compatibility, deploy=True)
def pdf_font_subsetting(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if harfbuzz_subset_available():
        return []
    return [
        checks.Warning(
            "WeasyPrint does not find HarfBuzz's subsetter (libharfbuzz-subset, version 4.1 or newer): "
            "position paper PDFs take 1.3 to 1.5 times as long to render, and WeasyPrint's next versions "
            "will need it.",
            hint="Install it with the system's package manager (Debian, Ubuntu: apt-get install "
            "libharfbuzz-subset0).",
            id="positions.W001",
        )
    ]

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Renderings and the logo are real files, written under a fresh directory per test.
    settings.MEDIA_ROOT = tmp_path / "media"

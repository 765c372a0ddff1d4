from __future__ import annotations

from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmarks' management commands (`seed_scale`); no models."""

    name = "bench"
    verbose_name = "Benchmarks"

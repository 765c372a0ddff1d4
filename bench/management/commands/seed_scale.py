"""`manage.py seed_scale [--scale 0.1] [--seed 2026]`: the benchmarks' data, in an empty database."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from bench.seeding import seed_scale, settle


class Command(BaseCommand):
    help = (
        "Fill an empty database with benchmark data: by default 20,000 organisations, 100,000 persons, "
        "20,000 memberships, 200 consultations (15 questions, 300 invitations, 60 % answered) and "
        "50 position papers. Deterministic for a given --seed; --scale multiplies the counts. Then the "
        "tables are analysed (and vacuumed on PostgreSQL), as the database's maintenance would."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--scale", type=float, default=1.0, help="factor of the default counts")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, scale: float, seed: int, **options: Any) -> None:
        from crm.models import Organisation

        if scale <= 0:
            raise CommandError("--scale must be positive.")
        if Organisation.objects.exists():
            raise CommandError("The database already has organisations: seed_scale fills an empty one.")
        started = time.perf_counter()
        seeded = seed_scale(scale=scale, seed=seed, progress=self.stdout.write)
        settle()
        total = sum(seeded.rows.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"{total:,} rows in {time.perf_counter() - started:.1f} s (scale {scale}, seed {seed})."
            )
        )

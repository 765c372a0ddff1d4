"""How fast organisations import: our resource against django-import-export's default path.

Run from the project root:

    python -m bench.bench_import                 # 10,000 rows, CSV and XLSX
    python -m bench.bench_import --rows 2000 --format csv --seed 7

It builds a seeded file of organisations (sectors, municipalities, phones, VAT codes…)
in a temporary directory, and imports it into a fresh temporary SQLite database (migrated
once, then copied for every measurement) with:

* ``crm`` — `crm.resources.OrganisationResource`, as the admin runs it: a dry run
  (the preview) and then the real import, with full validation and history;
* ``plain`` — a `ModelResource` with import-export's default options (only the widgets
  needed to read sector codes and municipality names), the library's default path;
* ``floor`` — no resource at all: parse, build the objects, `bulk_create` them and their
  sector links. No validation, no history: the lower bound.

Times include reading the file. Peak memory is measured in a separate dry run under
tracemalloc (which slows Python down, so it is not timed). This is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORDS = [
    "Šiaurės",
    "Žalioji",
    "Ąžuolo",
    "Ūkio",
    "Įžvalgų",
    "Čiurlionio",
    "Gintaro",
    "Nemuno",
    "Baltijos",
    "Vėjo",
]
KINDS = ["cluster", "association", "company", "research", "public", "other"]
LABELS = ["none", "bronze", "silver", "gold"]
HEADERS = [
    "name",
    "short_name",
    "kind",
    "legal_code",
    "vat_code",
    "sectors",
    "municipality",
    "address",
    "website",
    "email",
    "phone",
    "year_founded",
    "members_sme",
    "members_large",
    "members_research",
    "members_public",
    "members_other",
    "label",
    "label_awarded_on",
    "label_valid_until",
    "description",
    "show_in_directory",
]


def setup_django(database: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def build_rows(count: int, seed: int) -> list[list[Any]]:
    """Organisation rows that both resources can read: field-name headers, sector codes
    separated by commas, exact municipality names, choice values, ISO dates."""
    from stdnum.lt import pvm

    from crm.models import Municipality, Sector
    from crm.validators import legal_code_check_digit

    rng = random.Random(seed)
    sectors = list(Sector.objects.values_list("code", flat=True))
    municipalities = list(Municipality.objects.values_list("name", flat=True))
    rows = []
    for i in range(count):
        first_eight = f"{10000000 + i * 7:08d}"
        legal_code = first_eight + str(legal_code_check_digit(first_eight))
        vat = ""
        if rng.random() < 0.6:
            body = f"{rng.randrange(1000000):07d}1"
            vat = "LT" + body + pvm.calc_check_digit(body)
        label = rng.choice(LABELS)
        awarded = f"20{rng.randrange(15, 24)}-0{rng.randrange(1, 10)}-1{rng.randrange(10)}"
        rows.append(
            [
                f"Klasteris „{rng.choice(WORDS)} {rng.choice(WORDS)} {i}“",
                f"K{i}",
                rng.choice(KINDS),
                legal_code,
                vat,
                ",".join(rng.sample(sectors, rng.randrange(1, 4))),
                rng.choice(municipalities),
                f"Gedimino pr. {rng.randrange(1, 99)}, Vilnius",
                f"https://klasteris-{i}.lt",
                f"info{i}@klasteris-{i}.lt",
                f"+3706{rng.randrange(10**7):07d}" if rng.random() < 0.8 else "",
                rng.randrange(1990, 2026),
                rng.randrange(0, 80),
                rng.randrange(0, 10),
                rng.randrange(0, 10),
                rng.randrange(0, 5),
                rng.randrange(0, 5),
                label,
                awarded if label != "none" else "",
                f"20{rng.randrange(25, 29)}-12-31" if label != "none" else "",
                "Klasterio veikla: inovacijos, eksportas ir bendradarbiavimas.\nAntra eilutė.",
                rng.choice([1, 1, 1, 0]),
            ]
        )
    return rows


def write_files(rows: list[list[Any]], directory: Path) -> dict[str, Path]:
    import tablib

    dataset = tablib.Dataset(*rows, headers=HEADERS)
    csv_path, xlsx_path = directory / "organisations.csv", directory / "organisations.xlsx"
    csv_path.write_text(dataset.export("csv"), encoding="utf-8")
    xlsx_path.write_bytes(dataset.export("xlsx"))
    return {"csv": csv_path, "xlsx": xlsx_path}


def plain_resource_class() -> type:
    from import_export import fields, resources, widgets

    from crm.models import Municipality, Organisation, Sector

    class PlainOrganisationResource(resources.ModelResource):
        sectors = fields.Field(
            attribute="sectors", column_name="sectors", widget=widgets.ManyToManyWidget(Sector, field="code")
        )
        municipality = fields.Field(
            attribute="municipality",
            column_name="municipality",
            widget=widgets.ForeignKeyWidget(Municipality, field="name"),
        )

        class Meta:
            model = Organisation
            import_id_fields = ["legal_code"]
            exclude = ["id", "created_at", "updated_at", "tags"]

    return PlainOrganisationResource


def read(path: Path) -> Any:
    from crm.import_formats import CSV, XLSX

    if path.suffix == ".csv":
        return CSV(encoding="utf-8-sig").create_dataset(path.read_text(encoding="utf-8-sig"))
    return XLSX().create_dataset(path.read_bytes())


def floor_import(path: Path, dry_run: bool) -> int:
    """Parse, build and bulk insert; nothing else."""
    from django.db import transaction

    from crm.models import Municipality, Organisation, Sector

    dataset = read(path)
    municipalities = {m.name: m.pk for m in Municipality.objects.all()}
    sectors = {s.code: s.pk for s in Sector.objects.all()}
    integers = {"year_founded", "members_sme", "members_large", "members_research", "members_public"}
    integers |= {"members_other"}
    with transaction.atomic():
        objects, links = [], []
        for row in dataset.dict:
            # Empty XLSX cells read as None; the text columns store "" (no field cleans them here).
            values = {
                k: "" if v is None else v
                for k, v in row.items()
                if k not in ("sectors", "municipality", "show_in_directory")
            }
            for name in integers:
                values[name] = int(values[name])
            for name in ("label_awarded_on", "label_valid_until"):
                values[name] = values[name] or None
            objects.append(
                Organisation(
                    **values,
                    municipality_id=municipalities[row["municipality"]],
                    show_in_directory=str(row["show_in_directory"]) == "1",
                )
            )
            links.append([sectors[code] for code in str(row["sectors"]).split(",")])
        Organisation.objects.bulk_create(objects, batch_size=1000)
        through = Organisation.sectors.through
        through.objects.bulk_create(
            [
                through(organisation_id=o.pk, sector_id=s)
                for o, ids in zip(objects, links, strict=True)
                for s in ids
            ],
            batch_size=1000,
        )
        if dry_run:
            transaction.set_rollback(True)
    return len(dataset)


def resource_import(resource_class: type, path: Path, dry_run: bool) -> int:
    dataset = read(path)
    result = resource_class().import_data(dataset, dry_run=dry_run, use_transactions=True)
    if result.has_errors() or result.has_validation_errors():
        first = result.invalid_rows[0].error_dict if result.invalid_rows else result.base_errors[:1]
        raise SystemExit(f"{resource_class.__name__} could not import the file: {first}")
    return len(dataset)


@dataclass
class Rate:
    """Rows per second of wall-clock time, and per second of this process's CPU time (which
    other busy processes on the machine do not inflate)."""

    wall: float = 0.0
    cpu: float = 0.0

    def best(self, other: Rate) -> Rate:
        return Rate(max(self.wall, other.wall), max(self.cpu, other.cpu))


@dataclass
class Measurement:
    candidate: str
    file_format: str
    dry_run: Rate
    real: Rate
    peak_mib: float


class Databases:
    """A migrated template database, copied afresh for every measurement."""

    def __init__(self, directory: Path, template: Path) -> None:
        self.directory, self.template, self.count = directory, template, 0

    def fresh(self) -> None:
        from django.db import connection

        connection.close()
        self.count += 1
        path = self.directory / f"run-{self.count}.sqlite3"
        shutil.copy(self.template, path)
        connection.settings_dict["NAME"] = str(path)


def timed(run: Callable[[], int]) -> Rate:
    wall, cpu = time.perf_counter(), time.process_time()
    rows = run()
    return Rate(rows / (time.perf_counter() - wall), rows / (time.process_time() - cpu))


def peak_memory(run: Callable[[], int]) -> float:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def measure(
    name: str, run: Callable[[bool], int], file_format: str, databases: Databases, repeat: int
) -> Measurement:
    """The best of `repeat` runs (other processes only ever slow a run down), each on a fresh database."""
    dry, real = Rate(), Rate()
    for _ in range(repeat):
        databases.fresh()
        dry = dry.best(timed(lambda: run(True)))
        databases.fresh()
        real = real.best(timed(lambda: run(False)))
    databases.fresh()
    peak = peak_memory(lambda: run(True))
    return Measurement(name, file_format, dry, real, peak)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--format", choices=["csv", "xlsx", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=3, help="runs of crm and floor, the best counts")
    parser.add_argument("--skip-plain", action="store_true", help="leave out the slow default resource")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        directory = Path(tmp)
        template = directory / "template.sqlite3"
        setup_django(template)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        rows = build_rows(args.rows, args.seed)
        connection.close()
        paths = write_files(rows, directory)
        databases = Databases(directory, template)

        from crm.resources import OrganisationResource

        plain = plain_resource_class()
        formats = ["csv", "xlsx"] if args.format == "both" else [args.format]
        results = []
        for file_format in formats:
            path = paths[file_format]
            print(f"{args.rows} rows, {file_format} ({path.stat().st_size / 1024:.0f} KiB)…", flush=True)
            crm = functools.partial(resource_import, OrganisationResource, path)
            results.append(measure("crm", crm, file_format, databases, args.repeat))
            if not args.skip_plain:  # one run: it takes a minute or more
                default = functools.partial(resource_import, plain, path)
                results.append(measure("plain", default, file_format, databases, 1))
            floor = functools.partial(floor_import, path)
            results.append(measure("floor", floor, file_format, databases, args.repeat))
        connection.close()

    print()
    print(f"{'':<18}{'dry run (preview)':>24}{'import':>24}")
    print(f"{'candidate':<10}{'format':<8}" + f"{'rows/s':>12}{'rows/CPU s':>12}" * 2 + f"{'peak MiB':>10}")
    for m in results:
        print(
            f"{m.candidate:<10}{m.file_format:<8}{m.dry_run.wall:>12,.0f}{m.dry_run.cpu:>12,.0f}"
            f"{m.real.wall:>12,.0f}{m.real.cpu:>12,.0f}{m.peak_mib:>10.1f}"
        )
    for file_format in formats:
        ours = next(m for m in results if m.candidate == "crm" and m.file_format == file_format)
        baseline = next((m for m in results if m.candidate == "plain" and m.file_format == file_format), None)
        if baseline:
            print(
                f"{file_format}: crm is {ours.dry_run.cpu / baseline.dry_run.cpu:.1f}× the default path "
                f"on the dry run, {ours.real.cpu / baseline.real.cpu:.1f}× on the import (CPU time)"
            )


if __name__ == "__main__":
    main()

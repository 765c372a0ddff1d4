"""How fast organisations import: our resource against django-import-export's default path.

Run from the project root:

    python -m bench.bench_import                 # 10,000 rows, CSV and XLSX
    python -m bench.bench_import --rows 2000 --format csv --seed 7 --repeat 1

It builds a seeded file of organisations (sectors, municipalities, phones, VAT codes…)
in a temporary directory, and imports it into a fresh temporary SQLite database (migrated
once, then copied for every measurement) with:

* ``crm`` — `crm.resources.OrganisationResource`, as the admin runs it: a dry run
  (the preview) and then the real import, with full validation and history;
* ``plain`` — a `ModelResource` with import-export's default options (only the widgets
  needed to read sector codes and municipality names), the library's default path;
* ``floor`` — no resource at all: parse, build the objects, `bulk_create` them and their
  sector links. No validation, no history: the lower bound.

``crm`` and ``floor`` import the whole file; the default path, at about 5 ms a row, imports
its first `--plain-rows` rows, side by side with ``crm`` on the same rows. Each figure is the
median of `--repeat` runs after a warm-up (a dry run and an import of the file's first
`--warm-up-rows` rows); the candidates take turns in each round. Times include reading the
file. Peak memory is the growth of the RSS during a dry run in a process of its own, after a
warm-up there (not timed; two such processes at a time). This is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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
    directory.mkdir(exist_ok=True)
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

    @classmethod
    def median(cls, rates: list[Rate]) -> Rate:
        return cls(statistics.median(r.wall for r in rates), statistics.median(r.cpu for r in rates))


@dataclass
class Measurement:
    candidate: str
    file_format: str
    rows: int
    dry_run: Rate
    real: Rate
    path: Path
    warm_up: Path
    peak_mib: float = 0.0


class Databases:
    """A migrated template database, copied afresh for every measurement (the copy before is
    deleted: a run leaves some megabytes, and a benchmark makes some seventy runs)."""

    def __init__(self, directory: Path, template: Path) -> None:
        self.directory, self.template, self.count = directory, template, 0

    def fresh(self) -> None:
        from django.db import connection

        connection.close()
        if self.count:
            (self.directory / f"run-{self.count}.sqlite3").unlink(missing_ok=True)
        self.count += 1
        path = self.directory / f"run-{self.count}.sqlite3"
        shutil.copy(self.template, path)
        connection.settings_dict["NAME"] = str(path)


def timed(run: Callable[[], int]) -> Rate:
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    rows = run()
    return Rate(rows / (time.perf_counter() - wall), rows / (time.process_time() - cpu))


Importer = Callable[[Path, bool], int]


def in_own_process(arguments: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
    """This benchmark run with `arguments` by this interpreter in a process of its own, from the
    project's root, its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "bench.bench_import", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        **options,
    )


def peak_in_own_process(candidate: str, path: Path, warm_up: Path, template: Path) -> float:
    """The peak RSS growth of `candidate`'s dry run of `path`, in a process of its own, after a
    warm-up there on `warm_up` (`main --peak-of`). In this process, the memory that the runs before
    had taken and freed would hide part of a run's peak, more for the candidates that run later."""
    done = in_own_process(["--peak-of", candidate, str(path), str(warm_up), str(template)])
    if done.returncode:
        raise SystemExit(f"the memory run of {candidate} on {path.name} failed:\n{done.stderr[-2000:]}")
    return float(done.stdout.split()[-1])


def peak_of(candidate: str, path: Path, warm_up: Path, template: Path) -> float:
    """In the process of `peak_in_own_process`: set up, warm up, then measure a dry run."""
    from bench.measure import peak_rss

    with tempfile.TemporaryDirectory(prefix="bench-import-peak-") as tmp:
        setup_django(template)
        databases = Databases(Path(tmp), template)
        run = importers()[candidate]
        databases.fresh()
        run(warm_up, True)
        databases.fresh()
        gc.collect()
        with peak_rss() as memory:
            run(path, True)
        from django.db import connection

        connection.close()  # before its database is deleted with the directory
    return memory["peak_mib"]


def importers() -> dict[str, Importer]:
    from crm.resources import OrganisationResource

    return {
        "crm": functools.partial(resource_import, OrganisationResource),
        "plain": functools.partial(resource_import, plain_resource_class()),
        "floor": floor_import,
    }


def imported_check(name: str, dry_run: bool, expected: int) -> None:
    """A run that left other than `expected` organisations in its fresh database did not do the
    work it was timed for."""
    from crm.models import Organisation

    found = Organisation.objects.count()
    if found != expected:
        kind = "dry run" if dry_run else "import"
        raise SystemExit(f"{name}: the {kind} left {found} organisations, not {expected}")


def measure(
    candidates: dict[str, Importer],
    path: Path,
    warm_up: Path,
    *,
    file_format: str,
    rows: int,
    databases: Databases,
    repeat: int,
) -> list[Measurement]:
    """Each candidate's dry run and import of `path`: the median of `repeat` runs, each on a
    fresh database, after a warm-up (a dry run and an import of the small file `warm_up`). The
    candidates take turns in every round, so that a slower spell of the machine falls on all of
    them. Their peak memory is measured afterwards (`peak_in_own_process`)."""
    for run in candidates.values():
        for dry_run in (True, False):
            databases.fresh()
            run(warm_up, dry_run)
    rates: dict[tuple[str, bool], list[Rate]] = {
        (name, dry): [] for name in candidates for dry in (True, False)
    }
    for _ in range(repeat):
        for name, run in candidates.items():
            for dry_run in (True, False):
                databases.fresh()
                rates[name, dry_run].append(timed(functools.partial(run, path, dry_run)))
                imported_check(name, dry_run, 0 if dry_run else rows)
    return [
        Measurement(
            name,
            file_format,
            rows,
            Rate.median(rates[name, True]),
            Rate.median(rates[name, False]),
            path,
            warm_up,
        )
        for name in candidates
    ]


def table(results: list[Measurement]) -> list[str]:
    """The figures, a line each (`bench.run` reads them back)."""
    lines = [
        f"{'':<26}{'dry run (preview)':>24}{'import':>24}",
        f"{'candidate':<10}{'format':<8}{'rows':>8}"
        + f"{'rows/s':>12}{'rows/CPU s':>12}" * 2
        + f"{'peak MiB':>10}",
    ]
    for m in results:
        lines.append(
            f"{m.candidate:<10}{m.file_format:<8}{m.rows:>8}{m.dry_run.wall:>12,.0f}{m.dry_run.cpu:>12,.0f}"
            f"{m.real.wall:>12,.0f}{m.real.cpu:>12,.0f}{m.peak_mib:>10.1f}"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument(
        "--plain-rows",
        type=int,
        default=500,
        help="the first rows of the same file, for the default path and our resource side by side",
    )
    parser.add_argument("--warm-up-rows", type=int, default=100, help="the small file of the warm-up")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--format", choices=["csv", "xlsx", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each candidate (median)")
    parser.add_argument("--skip-plain", action="store_true", help="leave out the slow default resource")
    parser.add_argument(
        "--peak-of",
        nargs=4,
        metavar=("CANDIDATE", "FILE", "WARM_UP_FILE", "TEMPLATE"),
        help=argparse.SUPPRESS,
    )
    args = parser.parse_args(argv)
    if args.peak_of:
        candidate, *files = args.peak_of
        print(peak_of(candidate, *(Path(name) for name in files)))
        return

    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        directory = Path(tmp)
        template = directory / "template.sqlite3"
        setup_django(template)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        # One seeded file; the smaller ones are its first rows.
        rows = build_rows(max(args.rows, args.plain_rows, args.warm_up_rows), args.seed)
        connection.close()
        sizes = {"main": args.rows, "plain": args.plain_rows, "warm_up": args.warm_up_rows}
        paths = {name: write_files(rows[:count], directory / name) for name, count in sizes.items()}
        databases = Databases(directory, template)
        crm, plain, floor = importers().values()
        formats = ["csv", "xlsx"] if args.format == "both" else [args.format]
        results = []
        for file_format in formats:
            path = paths["main"][file_format]
            print(f"{args.rows} rows, {file_format} ({path.stat().st_size / 1024:.0f} KiB)…", flush=True)
            common = {"file_format": file_format, "databases": databases, "repeat": args.repeat}
            warm_up = paths["warm_up"][file_format]
            results += measure({"crm": crm, "floor": floor}, path, warm_up, rows=args.rows, **common)
            if not args.skip_plain:
                # The default path takes about 5 ms a row: it and our resource, side by side on
                # the file's first rows.
                print(f"{args.plain_rows} rows, {file_format}…", flush=True)
                path = paths["plain"][file_format]
                results += measure(
                    {"crm": crm, "plain": plain}, path, warm_up, rows=args.plain_rows, **common
                )
        connection.close()
        # Nothing is timed any more: two processes at a time.
        print("peak memory…", flush=True)
        with ThreadPoolExecutor(max_workers=2) as pool:
            peaks = pool.map(lambda m: peak_in_own_process(m.candidate, m.path, m.warm_up, template), results)
            for measurement, peak in zip(results, peaks, strict=True):
                measurement.peak_mib = peak

    print()
    print("\n".join(table(results)))
    for file_format in formats:
        ours = next(
            (
                m
                for m in results
                if (m.candidate, m.file_format, m.rows) == ("crm", file_format, args.plain_rows)
            ),
            None,
        )
        baseline = next((m for m in results if m.candidate == "plain" and m.file_format == file_format), None)
        if ours and baseline:
            print(
                f"{file_format}: crm is {ours.dry_run.cpu / baseline.dry_run.cpu:.1f}× the default path "
                f"on the dry run, {ours.real.cpu / baseline.real.cpu:.1f}× on the import (CPU time, "
                f"{args.plain_rows} rows)"
            )


if __name__ == "__main__":
    main()

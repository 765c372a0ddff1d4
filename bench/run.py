"""`make bench`: every benchmark of issue 5, on SQLite and (when DATABASE_URL is set) PostgreSQL.

    python -m bench.run                      # default scale, both databases
    python -m bench.run --scale 0.1 --quick  # a smaller, shorter run

For each database it runs two child processes on a fresh database (SQLite: a temporary file;
PostgreSQL: a database `bench_<pid>_<n>` created and dropped here): one at 1/10 of the scale
(query counts and memory, to show whether they grow with the rows) and one at full scale (all
figures). The import benchmark (`bench.bench_import`, SQLite only) runs once. Results go to
bench/results/<date>-<db>.json and bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench import bench_import

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


# --- child: one database, one scale -----------------------------------------------------------


def child(args: argparse.Namespace) -> None:
    """One database at one scale: `--stage prepare` migrates and seeds it, `--stage measure`
    runs the benchmarks on it."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import benchmarks, load
    from bench.seeding import seed_scale, settle

    out: dict[str, Any] = {"scale": args.scale, "timings_s": {}}
    if args.stage == "prepare":
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        out["timings_s"]["migrate"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        seeded = seed_scale(scale=args.scale, seed=args.seed)
        out["timings_s"]["seed"] = round(time.perf_counter() - started, 1)
        out["rows"] = seeded.rows
        settle()
        Path(args.out).write_text(json.dumps(out, indent=2, default=str))
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SHOW server_version" if connection.vendor == "postgresql" else "SELECT sqlite_version()"
        )
        out["database_version"] = cursor.fetchone()[0]
    out["database"] = connection.vendor
    repeat = args.repeat

    def step(name: str, run: Any) -> None:
        began = time.perf_counter()
        try:
            out[name] = run()
        except Exception as error:  # a broken benchmark is reported, the others still run
            out[name] = {"error": f"{type(error).__name__}: {error}"}
        out["timings_s"][name] = round(time.perf_counter() - began, 1)
        print(f"  {name}: {out['timings_s'][name]} s", file=sys.stderr, flush=True)

    # A list page takes tens of milliseconds: more runs, to steady the median on a shared machine.
    step("admin", lambda: benchmarks.admin_changelists(repeat=repeat * 3))
    step("export", lambda: benchmarks.exports(repeat=repeat))
    step("dashboard", lambda: benchmarks.dashboard_and_draft(repeat=repeat))
    if args.full and args.pdf:
        # The PDFs do not depend on the database: measured once, in the first database's run.
        step("pdf", lambda: benchmarks.position_pdfs(repeat=repeat, sizes=tuple(args.pdf_pages)))
    if args.full:
        step(
            "member",
            lambda: load.member_load(
                clients=args.clients,
                floor_requests=args.floor_requests,
                page_requests=args.page_requests,
                submits=args.submits,
                rounds=args.load_rounds,
                first_view_rounds=args.first_view_rounds,
                submit_clients=args.submit_clients,
            ),
        )
    Path(args.out).write_text(json.dumps(out, indent=2, default=str))


# --- parent -------------------------------------------------------------------------------------


@dataclass
class Target:
    """One database at one scale: the tenth-scale one is there for its query counts and memory
    (one timed run is enough), the full-scale one runs every benchmark."""

    kind: str
    label: str
    scale: float
    url: str
    postgres_name: str = ""

    @property
    def full(self) -> bool:
        return self.label == "full"


def _child(
    target: Target, stage: str, args: argparse.Namespace, media: str, *, pdf: bool
) -> tuple[list[str], dict[str, str], str]:
    """The command, environment and output file of a child process for `target`."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    command = [sys.executable, "-m", "bench.run", "--child", "--stage", stage]
    command += ["--scale", str(target.scale), "--seed", str(args.seed), "--out", out]
    command += ["--repeat", str(args.repeat if target.full else 1), "--clients", str(args.clients)]
    command += ["--floor-requests", str(args.floor_requests), "--page-requests", str(args.page_requests)]
    command += ["--submits", str(args.submits), "--load-rounds", str(args.load_rounds)]
    command += ["--first-view-rounds", str(args.first_view_rounds)]
    command += ["--submit-clients", *map(str, args.submit_clients)]
    command += ["--pdf-pages", *map(str, args.pdf_pages)]
    if target.full:
        command.append("--full")
    if pdf:
        command.append("--pdf")
    env = {**os.environ, "DATABASE_URL": target.url, "BENCH_MEDIA_ROOT": media, "CONN_MAX_AGE": "60"}
    env["CACHE_URL"] = shared_cache_url()
    if env["CACHE_URL"].startswith("redis"):
        # As in production with Redis (README): sessions are read from the shared cache.
        env.setdefault("SESSION_ENGINE", "django.contrib.sessions.backends.cached_db")
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    return command, env, out


def _read_out(out: str) -> dict[str, Any]:
    result = json.loads(Path(out).read_text())
    Path(out).unlink()
    return result


def prepare(
    targets: list[Target], args: argparse.Namespace, media: str, *, at_once: int = 2
) -> dict[str, Any]:
    """Migrate and seed every target's database, `at_once` at a time (the largest first): nothing
    is measured meanwhile, so the machine's cores are all put to the seeding. The seeding times
    are those of databases seeded side by side."""

    def seed(target: Target) -> dict[str, Any]:
        print(f"{target.kind}, scale {target.scale:g}: seeding…", file=sys.stderr, flush=True)
        command, env, out = _child(target, "prepare", args, media, pdf=False)
        subprocess.run(command, env=env, cwd=ROOT, check=True)
        return _read_out(out)

    largest_first = sorted(targets, key=lambda t: (-t.scale, t.kind != "postgresql"))
    with ThreadPoolExecutor(max_workers=at_once) as pool:
        seeding = {f"{t.kind}/{t.label}": pool.submit(seed, t) for t in largest_first}
    return {key: future.result() for key, future in seeding.items()}


def measure(target: Target, args: argparse.Namespace, media: str, *, pdf: bool) -> dict[str, Any]:
    """The benchmarks on the target's prepared database, one child process at a time."""
    print(
        f"{target.kind}, scale {target.scale:g}{' (all benchmarks)' if target.full else ''}…",
        file=sys.stderr,
        flush=True,
    )
    command, env, out = _child(target, "measure", args, media, pdf=pdf)
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=ROOT, check=True)
    result = _read_out(out)
    result["child_wall_s"] = round(time.perf_counter() - started, 1)
    return result


def redis_answers(host: str = "127.0.0.1", port: int = 6379) -> bool:
    """Whether a Redis server answers PING at host:port."""
    try:
        with socket.create_connection((host, port), timeout=1) as probe:
            probe.sendall(b"PING\r\n")
            return probe.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def shared_cache_url() -> str:
    """The cache the gunicorn workers share, as in production: CACHE_URL if set, else Redis on
    127.0.0.1:6379 when it answers, else each process's own memory."""
    if os.environ.get("CACHE_URL"):
        return os.environ["CACHE_URL"]
    return "redis://127.0.0.1:6379/1" if redis_answers() else "locmemcache://"


def _postgres(url: str, sql: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql)


def run_databases(kinds: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """Every database seeded (two at a time), then measured one after the other; the PDFs, which
    do not depend on the database, with the first one."""
    results: dict[str, Any] = {kind: {} for kind in kinds}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        targets = []
        for kind in kinds:
            for label, scale in (("tenth", args.scale / 10), ("full", args.scale)):
                if kind == "sqlite":
                    targets.append(Target(kind, label, scale, f"sqlite:///{tmp}/{label}.sqlite3"))
                else:
                    name = f"bench_{os.getpid()}_{label}"
                    url = urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))
                    targets.append(Target(kind, label, scale, url, name))
        try:
            for target in targets:
                if target.postgres_name:
                    _postgres(os.environ["DATABASE_URL"], f'CREATE DATABASE "{target.postgres_name}"')
            prepared = prepare(targets, args, tmp)
            for target in targets:
                measured = measure(target, args, tmp, pdf=target.full and target.kind == kinds[0])
                seeded = prepared[f"{target.kind}/{target.label}"]
                measured["timings_s"] = seeded["timings_s"] | measured["timings_s"]
                results[target.kind][target.label] = seeded | measured
        finally:
            for target in targets:
                if target.postgres_name:
                    _postgres(
                        os.environ["DATABASE_URL"],
                        f'DROP DATABASE IF EXISTS "{target.postgres_name}" WITH (FORCE)',
                    )
    return results


def parse_import_table(output: str) -> list[dict[str, Any]]:
    """The rows of `bench.bench_import`'s table."""
    rows = []
    for line in output.splitlines():
        cells = line.split()
        if len(cells) == 8 and cells[0] in ("crm", "plain", "floor"):
            numbers = [float(c.replace(",", "")) for c in cells[3:]]
            rows.append(
                {
                    "candidate": cells[0],
                    "format": cells[1],
                    "rows": int(cells[2]),
                    "dry_run_rows_s": numbers[0],
                    "dry_run_rows_cpu_s": numbers[1],
                    "import_rows_s": numbers[2],
                    "import_rows_cpu_s": numbers[3],
                    "peak_mib": numbers[4],
                }
            )
    return rows


def run_import(args: argparse.Namespace) -> dict[str, Any]:
    """bench.bench_import in a subprocess (its own temporary SQLite database), its table parsed.
    The default import-export path is slow: it imports the file's first `--plain-rows` rows."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("DATABASE_URL", None)
    extra = ["--rows", str(args.import_rows), "--plain-rows", str(args.plain_rows)]
    extra += ["--repeat", str(args.import_repeat)]
    started = time.perf_counter()
    completed = bench_import.in_own_process(extra, env=env)
    out: dict[str, Any] = {
        "args": extra,
        "rows": parse_import_table(completed.stdout),
        "wall_s": round(time.perf_counter() - started, 1),
        "returncode": completed.returncode,
    }
    if completed.returncode:
        out["stderr"] = completed.stderr[-2000:]
    print(f"import: {out['wall_s']} s", file=sys.stderr, flush=True)
    return out


def machine(kinds: dict[str, dict[str, Any]]) -> dict[str, Any]:
    import django

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "platform": platform.platform(),
        "databases": {kind: r.get("full", {}).get("database_version") for kind, r in kinds.items()},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs after one warm-up (median)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--floor-requests", type=int, default=3000)
    parser.add_argument("--page-requests", type=int, default=3000)
    parser.add_argument("--submits", type=int, default=200)
    parser.add_argument(
        "--load-rounds", type=int, default=3, help="rounds of the member page's repeated phases (median)"
    )
    parser.add_argument(
        "--first-view-rounds",
        type=int,
        default=5,
        help="rounds of the member page's first views, each a burst of one request a client (median)",
    )
    parser.add_argument(
        "--submit-clients",
        type=int,
        nargs="*",
        default=[10, 25],
        help="also send the submits with only this many clients at once (one round each; below --clients)",
    )
    parser.add_argument("--pdf-pages", type=int, nargs="+", default=[10, 40, 150])
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--import-repeat", type=int, default=3)
    parser.add_argument("--plain-rows", type=int, default=500)
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--stage", choices=["prepare", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--full", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--pdf", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return

    sys.path.insert(0, str(ROOT))
    from bench.measure import cpu_reference

    started = time.perf_counter()
    reference = {"start": cpu_reference()}
    kinds = ["sqlite"]
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        kinds.append("postgresql")
    if args.only:
        kinds = [args.only]
    results = run_databases(kinds, args)
    imported = {} if args.skip_import else run_import(args)
    total = round(time.perf_counter() - started, 1)
    reference["end"] = cpu_reference()

    from bench.report import write_report

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    info = machine(results) | {"cpu_reference_s": reference}
    RESULTS.mkdir(exist_ok=True)
    date = datetime.datetime.now(tz=datetime.UTC).date().isoformat()
    for kind, result in results.items():
        payload = {
            "date": date,
            "database": kind,
            "machine": info,
            "arguments": {k: v for k, v in vars(args).items() if k not in ("child", "stage", "full", "out")},
            "results": result,
            "import": imported,
            "total_wall_s": total,
        }
        (RESULTS / f"{date}-{kind}.json").write_text(json.dumps(payload, indent=2, default=str) + "\n")
    write_report(results=results, imported=imported, info=info, args=vars(args), total=total, date=date)
    print(f"done in {total} s: bench/RESULTS.md", file=sys.stderr)


if __name__ == "__main__":
    main()

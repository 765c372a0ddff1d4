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
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


# --- child: one database, one scale -----------------------------------------------------------


def child(args: argparse.Namespace) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import benchmarks, load
    from bench.seeding import seed_scale

    out: dict[str, Any] = {"scale": args.scale, "timings_s": {}}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    out["timings_s"]["migrate"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    seeded = seed_scale(scale=args.scale, seed=args.seed)
    out["timings_s"]["seed"] = round(time.perf_counter() - started, 1)
    out["rows"] = seeded.rows
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("ANALYZE")
            cursor.execute("SELECT sqlite_version()")
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
    step("export", lambda: benchmarks.exports(repeat=1 if args.full else repeat))
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
            ),
        )
    Path(args.out).write_text(json.dumps(out, indent=2, default=str))


# --- parent -------------------------------------------------------------------------------------


def _child_run(
    database_url: str, scale: float, full: bool, args: argparse.Namespace, media: str, *, pdf: bool
) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    command = [sys.executable, "-m", "bench.run", "--child", "--scale", str(scale), "--seed", str(args.seed)]
    # The tenth-scale run is there for its query counts and memory: one timed run is enough.
    command += ["--repeat", str(args.repeat if full else 1), "--out", out, "--clients", str(args.clients)]
    command += ["--floor-requests", str(args.floor_requests), "--page-requests", str(args.page_requests)]
    command += ["--submits", str(args.submits), "--load-rounds", str(args.load_rounds)]
    command += ["--pdf-pages", *map(str, args.pdf_pages)]
    if full:
        command.append("--full")
    if pdf:
        command.append("--pdf")
    env = {**os.environ, "DATABASE_URL": database_url, "BENCH_MEDIA_ROOT": media, "CONN_MAX_AGE": "60"}
    env["CACHE_URL"] = shared_cache_url()
    if env["CACHE_URL"].startswith("redis"):
        # As in production with Redis (README): sessions are read from the shared cache.
        env.setdefault("SESSION_ENGINE", "django.contrib.sessions.backends.cached_db")
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=ROOT, check=True)
    result = json.loads(Path(out).read_text())
    result["child_wall_s"] = round(time.perf_counter() - started, 1)
    Path(out).unlink()
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


def run_database(kind: str, args: argparse.Namespace, *, pdf: bool) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for label, scale, full in (("tenth", args.scale / 10, False), ("full", args.scale, True)):
            print(
                f"{kind}, scale {scale:g}{' (all benchmarks)' if full else ''}…", file=sys.stderr, flush=True
            )
            if kind == "sqlite":
                url = f"sqlite:///{tmp}/{label}.sqlite3"
                results[label] = _child_run(url, scale, full, args, tmp, pdf=pdf)
            else:
                name = f"bench_{os.getpid()}_{label}"
                base = os.environ["DATABASE_URL"]
                _postgres(base, f'CREATE DATABASE "{name}"')
                try:
                    url = urlunsplit(urlsplit(base)._replace(path=f"/{name}"))
                    results[label] = _child_run(url, scale, full, args, tmp, pdf=pdf)
                finally:
                    _postgres(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return results


def run_import(args: argparse.Namespace) -> dict[str, Any]:
    """bench.bench_import in a subprocess (its own temporary SQLite database), its table parsed.
    The default import-export path is slow: it runs on `--plain-rows` rows, one run."""

    def parse(output: str) -> list[dict[str, Any]]:
        rows = []
        for line in output.splitlines():
            cells = line.split()
            if len(cells) == 7 and cells[0] in ("crm", "plain", "floor"):
                numbers = [float(c.replace(",", "")) for c in cells[2:]]
                rows.append(
                    {
                        "candidate": cells[0],
                        "format": cells[1],
                        "dry_run_rows_s": numbers[0],
                        "dry_run_rows_cpu_s": numbers[1],
                        "import_rows_s": numbers[2],
                        "import_rows_cpu_s": numbers[3],
                        "peak_mib": numbers[4],
                    }
                )
        return rows

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("DATABASE_URL", None)
    out: dict[str, Any] = {}
    for name, extra in (
        ("main", ["--rows", str(args.import_rows), "--skip-plain", "--repeat", str(args.import_repeat)]),
        ("plain", ["--rows", str(args.plain_rows), "--repeat", "1"]),
    ):
        started = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, "-m", "bench.bench_import", *extra],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        out[name] = {
            "args": extra,
            "rows": parse(completed.stdout),
            "wall_s": round(time.perf_counter() - started, 1),
            "returncode": completed.returncode,
        }
        if completed.returncode:
            out[name]["stderr"] = completed.stderr[-2000:]
        print(f"import ({name}): {out[name]['wall_s']} s", file=sys.stderr, flush=True)
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
    parser.add_argument("--pdf-pages", type=int, nargs="+", default=[10, 40, 150])
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--import-repeat", type=int, default=1)
    parser.add_argument("--plain-rows", type=int, default=500)
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
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
    results = {kind: run_database(kind, args, pdf=index == 0) for index, kind in enumerate(kinds)}
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
            "arguments": {k: v for k, v in vars(args).items() if k not in ("child", "full", "out")},
            "results": result,
            "import": imported,
            "total_wall_s": total,
        }
        (RESULTS / f"{date}-{kind}.json").write_text(json.dumps(payload, indent=2, default=str) + "\n")
    write_report(results=results, imported=imported, info=info, args=vars(args), total=total, date=date)
    print(f"done in {total} s: bench/RESULTS.md", file=sys.stderr)


if __name__ == "__main__":
    main()

"""Benchmark 4: the member page (GET) and its submit (POST) served by gunicorn with 4 workers,
against a trivial Django view on the same server, and the submit also against the same answers
through Django's own form cycle (`bench.submit_floor`), driven by threads on 127.0.0.1.

Each client is a thread with its own link cookie (signed here, as the link exchange would sign
it) on its own invitation of an open consultation. The number of requests is fixed;
the run stops when they are done. Only loopback addresses are used.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.measure import percentile

HOST = "127.0.0.1"
VERSION = re.compile(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"')


@dataclass
class Client:
    path: str
    cookie: str
    csrf: str
    questions: list[tuple[int, str]]
    consultation_id: int
    sent: int = 0
    # The same client's page and submit on the submit's floor (`bench.submit_floor`).
    floor_path: str = ""


@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, seconds: float, status: int, ok: bool) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if not ok:
                self.errors += 1

    def summary(self, wall: float) -> dict[str, Any]:
        n = len(self.latencies)
        return {
            "requests": n,
            "errors": self.errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "throughput_rps": round(n / wall, 1) if wall else 0.0,
            "p50_ms": round(percentile(self.latencies, 50) * 1000, 1),
            "p95_ms": round(percentile(self.latencies, 95) * 1000, 1),
            "p99_ms": round(percentile(self.latencies, 99) * 1000, 1),
            "wall_s": round(wall, 2),
        }


def _processes() -> list[tuple[int, int, str, float]]:
    """(pid, parent pid, command line, CPU seconds used) of each process in /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        # After the command name: state, ppid, ..., utime and stime (fields 14 and 15 of stat).
        found.append((int(entry.name), int(fields[1]), command, (int(fields[11]) + int(fields[12])) / ticks))
    return found


def cpu_snapshot(server_pid: int) -> dict[str, dict[int, float]]:
    """CPU seconds used so far by each process of the server (the gunicorn master and its
    workers), PostgreSQL, Redis and this process (the load generator's threads), by pid; empty
    where /proc is missing."""
    if not Path("/proc/self/stat").exists():
        return {}
    used: dict[str, dict[int, float]] = {"workers": {}, "database": {}, "cache": {}}
    for pid, parent, command, seconds in _processes():
        program = command.split(" ", 1)[0].rsplit("/", 1)[-1]  # "postgres:" for its backends
        if server_pid in (pid, parent):
            used["workers"][pid] = seconds
        elif program.startswith("postgres"):
            used["database"][pid] = seconds
        elif program.startswith("redis-server"):
            used["cache"][pid] = seconds
    used["client"] = {os.getpid(): time.process_time()}
    return used


def cpu_used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    """CPU seconds each part used between two snapshots: the growth of each process, one started
    in between counted from zero. A process that ended in between (a database connection closed
    at its age limit) took its time out of /proc with it and counts nothing: its share since the
    first snapshot is lost, rather than its whole life's time subtracted."""
    return {
        part: sum(seconds - before.get(part, {}).get(pid, 0.0) for pid, seconds in processes.items())
        for part, processes in after.items()
    }


def prepare_clients(count: int, *, other_than: Iterable[int] = ()) -> list[Client]:
    """Browsers holding the links of `count` unanswered invitations of open consultations, other
    than those given (Django must be set up)."""
    from django.urls import reverse
    from django.utils import translation

    from consultations.models import AccessLink, Question
    from consultations.views import LINKS_COOKIE, links_cookie_value

    links = list(
        AccessLink.objects.filter(
            invitation__consultation__status="open",
            invitation__submitted_at__isnull=True,
            revoked_at__isnull=True,
        )
        .exclude(invitation__consultation_id__in=list(other_than))
        .select_related("invitation")
        .order_by("pk")[:count]
    )
    if len(links) < count:
        raise RuntimeError(
            f"only {len(links)} unanswered invitations of open consultations for {count} clients"
        )
    questions: dict[int, list[tuple[int, str]]] = {}
    clients = []
    for link in links:
        consultation_id = link.invitation.consultation_id
        if consultation_id not in questions:
            questions[consultation_id] = list(
                Question.objects.filter(consultation_id=consultation_id)
                .order_by("position", "id")
                .values_list("pk", "kind")
            )
        signed = links_cookie_value([(link.pk, link.browser_key)])
        csrf = secrets.token_hex(16)  # 32 characters, the form Django's CSRF cookie has
        with translation.override("lt"):
            path = reverse("consultations:response", args=[link.invitation_id])
        clients.append(
            Client(
                path,
                f"{LINKS_COOKIE}={signed}; csrftoken={csrf}",
                csrf,
                questions[consultation_id],
                consultation_id,
                floor_path=f"/bench-floor/submit/{consultation_id}/{link.invitation_id}/",
            )
        )
    return clients


def submit_form(client: Client, version: int) -> dict[str, Any]:
    client.sent += 1
    n = client.sent
    data: dict[str, Any] = {"version": str(version), "action": "submit", "csrfmiddlewaretoken": client.csrf}
    for pk, kind in client.questions:
        name = f"q{pk}"
        if kind == "short_text":
            data[name] = f"Pritariame ({n})"
        elif kind == "long_text":
            data[name] = f"Pastaba Nr. {n}.\r\nAntra pastraipa."
        elif kind == "single_choice":
            data[name] = "1"
        elif kind == "multiple_choice":
            data[name] = ["0", "2"]
            data[f"{name}_other"] = ""
        elif kind == "scale":
            data[name] = "4"
        elif kind == "yes_no":
            data[name] = "yes"
        elif kind == "proposals":
            data |= {
                f"{name}-TOTAL_FORMS": "1",
                f"{name}-INITIAL_FORMS": "0",
                f"{name}-MIN_NUM_FORMS": "0",
                f"{name}-MAX_NUM_FORMS": "200",
                f"{name}-0-provision": "3 str. 2 d.",
                f"{name}-0-proposed_wording": f"Išbraukti žodį „tik“ ({n}).",
                f"{name}-0-justification": "Per siaura.",
            }
    return data


def _request(port: int, method: str, path: str, cookie: str = "", body: str = "") -> tuple[int, str]:
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    headers = {"Cookie": cookie} if cookie else {}
    if method == "POST":
        headers |= {"Content-Type": "application/x-www-form-urlencoded", "Origin": "null"}
    try:
        connection.request(method, path, body=body.encode() if body else None, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def _run_phase(clients: list[Client], per_client: int, work: Any) -> tuple[Phase, float]:
    phase = Phase()
    threads = [threading.Thread(target=work, args=(client, per_client, phase)) for client in clients]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return phase, time.perf_counter() - started


def drive(
    port: int,
    clients: list[Client],
    *,
    floor_requests: int,
    page_requests: int,
    submits: int,
    rounds: int = 3,
    first_view_groups: Sequence[list[Client]] = (),
    server_pid: int | None = None,
    submit_clients: Sequence[int] = (),
) -> dict[str, Any]:
    """The phases, each with every client at once: the first GET of each client's page (the
    clients' pages are unanswered, so a consultation's blank page is rendered once and shared)
    against its floor, the floor view sent once by each client at once (`floor_burst`); the
    floor view; the page GET again (served from the cache while the answer is unchanged); and
    submits (each a GET for the current version, then the timed POST), alternating with the same
    submits on their floor (`submit_floor`: Django's own form cycle, `bench.submit_floor`).

    A page is viewed for the first time once: the first views run in one round with `clients`,
    then one with each of `first_view_groups` (clients of other consultations, whose pages
    nobody has opened), each round after a round of its floor. Then the floor and the repeated
    views alternate for `rounds` rounds, and the submits run `rounds` times. Each phase's
    figures are those of its median round by throughput (the upper of the middle two for an
    even number), and the ratios of the first and the repeated views are the medians of their
    rounds' ratios, each taken against the floor run just before. With the server's pid, each
    phase also tells the CPU time a request cost in the workers, the database, the cache and the
    load generator: the steadier figure on a machine whose other load moves the throughput.

    Then, for each number in `submit_clients`, one round of `submits` submits sent by only that
    many of the clients at once (the first ones), and then on their floor: how the submit's
    latency falls with fewer members submitting at the same moment, the server's throughput
    being the same."""
    if rounds < 1:
        raise ValueError("at least one round")
    if any(not 0 < n <= len(clients) for n in submit_clients):
        raise ValueError(f"the submits' numbers of clients must be between 1 and {len(clients)}")

    def floor(client: Client, count: int, phase: Phase) -> None:
        for _ in range(count):
            started = time.perf_counter()
            try:
                status, _body = _request(port, "GET", "/bench-floor/")
            except OSError:
                status = 0
            phase.record(time.perf_counter() - started, status, status == 200)

    def page(client: Client, count: int, phase: Phase) -> None:
        for _ in range(count):
            started = time.perf_counter()
            try:
                status, _body = _request(port, "GET", client.path, client.cookie)
            except OSError:
                status = 0
            phase.record(time.perf_counter() - started, status, status == 200)

    def submit(client: Client, count: int, phase: Phase, *, floor: bool = False) -> None:
        path = client.floor_path if floor else client.path
        for _ in range(count):
            try:
                _status, body = _request(port, "GET", path, client.cookie)
                found = VERSION.search(body)
                version = int(next(g for g in found.groups() if g)) if found else 0
                payload = urllib.parse.urlencode(submit_form(client, version), doseq=True)
                started = time.perf_counter()
                status, _body = _request(port, "POST", path, client.cookie, payload)
            except OSError:
                started, status = time.perf_counter(), 0
            # A successful submit redirects back to the page.
            phase.record(time.perf_counter() - started, status, status == 302)

    def submit_floor(client: Client, count: int, phase: Phase) -> None:
        submit(client, count, phase, floor=True)

    def run(work: Any, total: int, group: list[Client] = clients) -> dict[str, Any]:
        before = cpu_snapshot(server_pid) if server_pid else {}
        phase, wall = _run_phase(group, max(1, total // len(group)), work)
        after = cpu_snapshot(server_pid) if server_pid else {}
        summary = phase.summary(wall)
        if before and after and summary["requests"]:
            # A submit's figures include the page GET before it, which is not timed.
            summary["cpu_ms_per_request"] = {
                part: round(seconds / summary["requests"] * 1000, 2)
                for part, seconds in cpu_used(before, after).items()
            }
        return summary

    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in PHASES}
    # Every client opens its page once: rendered, then cached until the answer changes. The
    # floor has the same shape: every client at once, one request each (a burst that starts its
    # threads and connections in the time it measures).
    for group in (clients, *first_view_groups):
        runs["floor_burst"].append(run(floor, len(group), group))
        runs["page_first_get"].append(run(page, len(group), group))
    # And then again: the page as members reload it, from the cache, alternating with the floor.
    for _ in range(rounds):
        runs["floor"].append(run(floor, floor_requests))
        runs["page_get"].append(run(page, page_requests))
    # The submits and their floor alternate.
    for _ in range(rounds):
        runs["submit_post"].append(run(submit, submits))
        runs["submit_floor"].append(run(submit_floor, submits))
    fewer = {
        str(n): run(submit, submits, clients[:n])
        | {"clients": n, "floor": run(submit_floor, submits, clients[:n])}
        for n in sorted(submit_clients)
    }

    results = {name: _median_round(phases) for name, phases in runs.items()}
    for name, its_floor in (("page_first_get", "floor_burst"), ("page_get", "floor")):
        results[name]["ratio_to_floor"] = round(
            statistics.median(
                measured["throughput_rps"] / (floor["throughput_rps"] or 1)
                for measured, floor in zip(runs[name], runs[its_floor], strict=True)
            ),
            3,
        )
    results["submit_post"]["ratio_to_floor"] = round(
        results["submit_post"]["throughput_rps"] / (results["floor"]["throughput_rps"] or 1), 3
    )
    results["submit_post"]["ratio_to_submit_floor"] = round(
        statistics.median(
            measured["throughput_rps"] / (floor["throughput_rps"] or 1)
            for measured, floor in zip(runs["submit_post"], runs["submit_floor"], strict=True)
        ),
        3,
    )
    if fewer:
        results[SUBMITS_FEWER_CLIENTS] = fewer
    return results


# In the order they run.
PHASES = ("floor_burst", "page_first_get", "floor", "page_get", "submit_post", "submit_floor")
# The floors among them, which have no targets of their own.
FLOOR_PHASES = frozenset({"floor_burst", "floor", "submit_floor"})
# The submits sent by fewer clients at once, by their number (after the phases).
SUBMITS_FEWER_CLIENTS = "submit_post_fewer_clients"


def _median_round(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The round of median throughput, with every round's throughput."""
    chosen = dict(sorted(rounds, key=lambda r: r["throughput_rps"])[len(rounds) // 2])
    chosen["rounds"] = len(rounds)
    chosen["throughput_rps_rounds"] = [r["throughput_rps"] for r in rounds]
    return chosen


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_gunicorn(*, workers: int, env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "config.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"{HOST}:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if _request(port, "GET", "/healthz/")[0] == 200:
                return process, port
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not answer on /healthz/ within 60 s")


def warm(port: int, clients: list[Client], workers: int) -> None:
    """Warm-up: every worker imports, connects, compiles the templates and renders a member page.
    Sent one after the other, the requests could all go to the same worker and leave the others
    cold for the measured phases; so they are sent by twice as many threads as there are
    workers, each to its own address (a query string makes a page of its own, rendered, not
    taken from the cache), until every worker has taken some."""
    pages = [(f"{c.path}?warm-up={n}", c.cookie) for c in clients for n in range(workers * 4)] or [
        ("/bench-floor/", "")
    ] * (workers * 4)

    def send(share: list[tuple[str, str]]) -> None:
        for path, cookie in share:
            _request(port, "GET", path, cookie)
            _request(port, "GET", "/bench-floor/")

    threads = [threading.Thread(target=send, args=(pages[n :: workers * 2],)) for n in range(workers * 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def member_load(
    *,
    clients: int,
    floor_requests: int,
    page_requests: int,
    submits: int,
    rounds: int = 3,
    first_view_rounds: int = 5,
    workers: int = 4,
    submit_clients: Sequence[int] = (),
) -> dict[str, Any]:
    """Start gunicorn on the current database, drive it, stop it. The first views run in
    `first_view_rounds` rounds (as many as there are consultations with enough unanswered
    invitations): each round is a burst of one request a client, over in a tenth of a second,
    whose ratio to its floor moves by a third from one round to the next. The submits are also
    sent by each number of `submit_clients` that is below `clients` (one round each)."""
    from django.conf import settings
    from django.db import connection

    from bench.submit_floor import create_floor_table

    prepared = prepare_clients(clients)
    measured = {client.consultation_id for client in prepared}
    # The first views' other rounds: clients of other consultations, as many as there are.
    first_view_groups = []
    for _ in range(first_view_rounds - 1):
        try:
            group = prepare_clients(clients, other_than=measured)
        except RuntimeError:
            break
        first_view_groups.append(group)
        measured |= {client.consultation_id for client in group}
    # The warm-up opens a page of another consultation: the measured ones' pages are all viewed
    # for the first time in the first-view phase (the blank page of a consultation is shared).
    try:
        warm_up = prepare_clients(1, other_than=measured)
    except RuntimeError:
        warm_up = []
    create_floor_table()
    connection.close()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    process, port = start_gunicorn(workers=workers, env=env)
    try:
        warm(port, warm_up, workers)
        results = drive(
            port,
            prepared,
            floor_requests=floor_requests,
            page_requests=page_requests,
            submits=submits,
            rounds=rounds,
            first_view_groups=first_view_groups,
            server_pid=process.pid,
            submit_clients=[n for n in submit_clients if 0 < n < clients],
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    results["clients"] = clients
    results["workers"] = workers
    results["rounds"] = rounds
    results["consultations"] = len({client.consultation_id for client in prepared})
    results["first_view_consultations"] = len(measured)
    results["cache"] = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return results

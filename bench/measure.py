"""Timing, query counting and memory sampling shared by the benchmarks."""

from __future__ import annotations

import gc
import json
import os
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes() -> int:
    """This process's resident set size, from /proc (0 where there is no /proc)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * PAGE
    except OSError:
        return 0


def _peak_reset() -> bool:
    """Set this process's peak RSS (the kernel's high-water mark) to its RSS now (Linux 4.0 and
    later); False where it cannot be done."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def _peak_bytes() -> int:
    """This process's peak RSS since `_peak_reset`, from /proc."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


@contextmanager
def peak_rss(interval: float = 0.01) -> Iterator[dict[str, float]]:
    """The highest RSS above the one at the start while the block runs (C allocations included,
    unlike tracemalloc, and without slowing Python down): yields a dict that gets `peak_mib`.
    Read from the kernel's high-water mark, reset at the start, where Linux allows it (exact);
    elsewhere sampled in a thread every `interval` seconds."""
    result = {"peak_mib": 0.0}
    start = rss_bytes()
    if _peak_reset():
        try:
            yield result
        finally:
            result["peak_mib"] = round(max(0, max(_peak_bytes(), rss_bytes()) - start) / 2**20, 1)
        return
    peak = [start]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss_bytes())
            stop.wait(interval)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield result
    finally:
        stop.set()
        thread.join()
        peak[0] = max(peak[0], rss_bytes())
        result["peak_mib"] = round((peak[0] - start) / 2**20, 1)


@dataclass
class Timing:
    median_s: float
    runs: int
    queries: int
    samples: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "median_s": round(self.median_s, 4),
            "runs": self.runs,
            "queries": self.queries,
            "samples_s": [round(s, 4) for s in self.samples],
        }


def _once(run: Callable[[], Any], *, count: bool, rollback: bool) -> tuple[float, int]:
    """One run: its wall time and (when `count`) its number of queries."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    # Every run starts with the garbage collected: a full collection (about 0.1 s once a process
    # holds a rendered PDF's objects) then falls on the runs by what they allocate themselves, not
    # on whichever run comes when the collector's counters run over. What survives is then frozen,
    # as the workers freeze what they load (config/wsgi.py): the next run's collection walks only
    # what was made since, instead of the process's hundred thousand objects and more every time
    # (about 60 ms a collection, some five hundred times a database in the admin lists alone).
    gc.collect()
    gc.freeze()
    with transaction.atomic() if rollback else nullcontext():
        with CaptureQueriesContext(connection) if count else nullcontext() as captured:
            started = time.perf_counter()
            run()
            elapsed = time.perf_counter() - started
        if rollback:
            transaction.set_rollback(True)
    return elapsed, len(captured.captured_queries) if count else 0


def timed(run: Callable[[], Any], *, repeat: int, warmup: int = 1, rollback: bool = False) -> Timing:
    """The median wall time of `repeat` runs after `warmup` runs, and the queries of the last run.

    With `rollback`, every run (warm-up included) is made in a savepoint that is rolled back
    afterwards, so that a run that writes finds the database as the first one did; the clock and
    the query count cover the run only, not the savepoint."""
    for _ in range(warmup):
        _once(run, count=False, rollback=rollback)
    return _timing([_once(run, count=index == repeat - 1, rollback=rollback) for index in range(repeat)])


def timed_pair(
    product: Callable[[], Any], floor: Callable[[], Any], *, repeat: int, warmup: int = 1
) -> tuple[Timing, Timing]:
    """`timed` for a product and its floor, their runs alternating, so that a burst of load on
    the shared machine falls on both rather than on one of them."""
    for _ in range(warmup):
        _once(product, count=False, rollback=False)
        _once(floor, count=False, rollback=False)
    runs: tuple[list[tuple[float, int]], list[tuple[float, int]]] = ([], [])
    for index in range(repeat):
        for run, samples in zip((product, floor), runs, strict=True):
            samples.append(_once(run, count=index == repeat - 1, rollback=False))
    return _timing(runs[0]), _timing(runs[1])


def _timing(runs: list[tuple[float, int]]) -> Timing:
    """The median of `_once` runs, with the queries of the last."""
    samples = [elapsed for elapsed, _queries in runs]
    return Timing(statistics.median(samples), len(runs), runs[-1][1], samples)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


REFERENCE_ITEMS = 200_000


def cpu_reference(runs: int = 3, items: int = REFERENCE_ITEMS) -> float:
    """The machine's speed at the moment: the CPU seconds of a fixed piece of Python work that
    allocates and walks memory as the benchmarks do (build `items` small dicts, sort them, encode
    them in JSON and decode them again), the best of `runs` (lower is faster). A bare loop of
    additions missed what slows a shared machine most: the same loop ran at the same speed on
    days when the floors ran three times slower. The absolute figures of two runs compare only
    together with it."""
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        rows = [{"id": n, "name": f"Klasteris {n}", "tags": [n % 7, n % 11]} for n in range(items)]
        rows.sort(key=lambda row: row["name"])
        json.loads(json.dumps(rows))
        best = min(best, time.process_time() - started)
    return round(best, 3)

"""bench/RESULTS.md from the results of a run. Whatever follows the notes marker in the existing
file (the analysis written by hand) is kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.load import FLOOR_PHASES, PHASES, SUBMITS_FEWER_CLIENTS
from bench.measure import REFERENCE_ITEMS

PATH = Path(__file__).resolve().parent / "RESULTS.md"
MARKER = "<!-- notes: kept by bench.report -->"


def _ms(entry: dict[str, Any]) -> str:
    return f"{entry['median_s'] * 1000:.0f} ms ({entry['queries']} q)"


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**missed**")


def _ratio(value: float, limit: float) -> str:
    """A ratio to two decimals, or to three where two would show the limit itself, which the
    ratio meets or misses by less (0.499 missed, not "0.50 missed")."""
    text = f"{value:.2f}"
    return f"{value:.3f}" if float(text) == limit and value != limit else text


def admin_table(kind: str, result: dict[str, Any]) -> list[str]:
    full, tenth = result.get("full", {}).get("admin", {}), result.get("tenth", {}).get("admin", {})
    lines = [
        f"### 1. Admin changelists — {kind}",
        "",
        "| changelist | rows | case | product | floor (bare ModelAdmin) | ratio (≤ 1.3) | queries at 1/10 | constant |",
        "|---|---:|---|---:|---:|---:|---:|---|",
    ]
    if "error" in full:
        return [*lines, f"| error: {full['error']} |", ""]
    for label, entry in full.items():
        if "missing" in entry:
            lines.append(f"| {label} | | | missing: {entry['missing']} | | | | |")
            continue
        for case in ("first_page", "search"):
            e = entry[case]
            small = tenth.get(label, {}).get(case, {}).get("product", {}).get("queries")
            constant = None if small is None else small == e["product"]["queries"]
            lines.append(
                f"| {label} | {entry['rows']:,} | {case} | {_ms(e['product'])} | {_ms(e['floor'])} | "
                f"{_ratio(e['ratio'], 1.3)} {_verdict(e['ratio'] <= 1.3)} | {small} | {_verdict(constant)} |"
            )
    return [*lines, ""]


def export_table(kind: str, result: dict[str, Any]) -> list[str]:
    full, tenth = result.get("full", {}).get("export", {}), result.get("tenth", {}).get("export", {})
    lines = [
        f"### 3. Exports — {kind}",
        "",
        "| export | seconds | queries (1/10 → full) | queries constant | peak RSS growth MiB (1/10 → full) | runs |",
        "|---|---:|---:|---|---:|---:|",
    ]
    if "error" in full:
        return [*lines, f"| error: {full['error']} |", ""]
    for name in ("persons_export", "persons_floor", "answers_xlsx", "answers_csv", "answers_floor"):
        e, s = full.get(name, {}), tenth.get(name, {})
        if "missing" in e:
            lines.append(f"| {name} | missing: {e['missing']} | | | | |")
            continue
        if not e:
            continue
        constant = None if s.get("queries") is None else s["queries"] == e["queries"]
        lines.append(
            f"| {name} | {e['median_s']:.2f} | {s.get('queries')} → {e['queries']} | {_verdict(constant)} | "
            f"{s.get('peak_rss_mib')} → {e['peak_rss_mib']} | {e['runs']} |"
        )
    lines.append(
        f"\n{full.get('persons', 0):,} persons; the largest consultation has "
        f"{full.get('largest_consultation_answers', 0):,} answers."
    )
    return [*lines, ""]


def member_table(kind: str, result: dict[str, Any]) -> list[str]:
    member = result.get("full", {}).get("member", {})
    lines = [f"### 4. Member page under gunicorn — {kind}", ""]
    if not member or "error" in member:
        return [*lines, f"Not measured: {member.get('error', 'no result')}", ""]
    rounds = member.get("rounds", 1)
    consultations = member.get("consultations")
    first_rounds = member.get("page_first_get", {}).get("rounds", 1)
    lines += [
        f"{member['workers']} workers, {member['clients']} concurrent clients (threads on 127.0.0.1),"
        f" cache {member.get('cache', 'LocMemCache')}"
        + (f"; the clients' invitations are of {consultations} consultation(s)" if consultations else "")
        + "."
        + (
            f" The first views run in {first_rounds} round(s), the first with the clients' own pages"
            " and each other with the clients of other consultations"
            f" ({member.get('first_view_consultations', consultations)} in all), whose pages nobody"
            " has opened: the pages are unanswered, so each consultation's blank page is rendered"
            " once and shared by its clients. Before each round, their floor (floor_burst) has"
            " their shape: every client sends one request at once."
            f" Then the floor and the repeated views alternate for {rounds} rounds, and the"
            f" submits run {rounds} times. Each row is the phase's median round (the req/s of"
            " every round in brackets); the ratios of the first and the repeated views are the"
            " medians of their rounds' ratios, each against the floor run just before, and the"
            " submits' ratio is against the floor. Before any phase, every worker has rendered a"
            " member page."
            if rounds > 1
            else ""
        ),
        "",
        "| phase | requests | errors | req/s | ratio to floor (≥ 0.5) | p50 ms | p95 ms (≤ 150) | p99 ms |"
        " CPU ms a request: workers + database + cache + load generator |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in PHASES:
        e = member.get(name)
        if e is None:  # results of a run from before the phase existed
            continue
        ratio = e.get("ratio_to_floor")
        ratio_text = "" if ratio is None else f"{_ratio(ratio, 0.5)} {_verdict(ratio >= 0.5)}"
        every = e.get("throughput_rps_rounds")
        rps = f"{e['throughput_rps']}" + (
            f" ({', '.join(str(r) for r in every)})" if every and len(every) > 1 else ""
        )
        lines.append(
            f"| {name} | {e['requests']} | {e['errors']} | {rps} | {ratio_text} | "
            f"{e['p50_ms']} | {e['p95_ms']} {'' if name in FLOOR_PHASES else _verdict(e['p95_ms'] <= 150)} | {e['p99_ms']} | "
            f"{_cpu_text(e.get('cpu_ms_per_request'))} |"
        )
    lines += [
        "",
        "The CPU column: the CPU time of the gunicorn workers, PostgreSQL, Redis and the load generator"
        " over the phase, divided by its requests; on SQLite the database works inside the workers,"
        " and a submit includes the page GET before it.",
        "",
    ]
    submits, its_floor = member.get("submit_post"), member.get("submit_floor")
    if submits and its_floor and "ratio_to_submit_floor" in submits:
        lines += [
            "The submits' floor (submit_floor): the same answers posted by the same clients to a plain"
            " Django form of the same questions, rendered by Django's default form templates,"
            " validated, and written in one transaction (a row a field, one `executemany`), then"
            " redirected (`bench.submit_floor`); its rounds alternate with the submits'. The"
            f" submits ran at {submits['ratio_to_submit_floor']:.2f}× its throughput (the median of"
            f" the rounds' ratios); at {member['clients']} clients its own p95 was"
            f" {its_floor['p95_ms']} ms, {'within' if its_floor['p95_ms'] <= 150 else 'beyond'}"
            " the submits' 150 ms.",
            "",
        ]
    return lines + _fewer_submitters_table(member)


def _fewer_submitters_table(member: dict[str, Any]) -> list[str]:
    """The submits sent by fewer clients at once: for scale, beside the target's 50."""
    fewer = member.get(SUBMITS_FEWER_CLIENTS)
    if not fewer:
        return []
    lines = [
        f"The same submits sent by fewer of the clients at once (one round each), beside the"
        f" {member['clients']} of the phase above: the server's throughput stays, and a submit waits"
        " for fewer others.",
        "",
        "| clients at once | requests | errors | req/s | p50 ms | p95 ms | p95 within 150 ms | p99 ms |"
        " CPU ms a request | floor req/s | floor p95 ms | floor CPU ms a request |",
        "|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for e in sorted(fewer.values(), key=lambda e: e["clients"]):
        floor = e.get("floor") or {}
        lines.append(
            f"| {e['clients']} | {e['requests']} | {e['errors']} | {e['throughput_rps']} | {e['p50_ms']} |"
            f" {e['p95_ms']} | {'yes' if e['p95_ms'] <= 150 else 'no'} | {e['p99_ms']} |"
            f" {_cpu_text(e.get('cpu_ms_per_request'))} | {floor.get('throughput_rps', '')} |"
            f" {floor.get('p95_ms', '')} | {_cpu_text(floor.get('cpu_ms_per_request'))} |"
        )
    return [*lines, ""]


def _reference_text(reference: dict[str, float] | None) -> str:
    if not reference:
        return ""
    return (
        f" The machine's speed (`bench.measure.cpu_reference`: {REFERENCE_ITEMS:,} small dicts built,"
        f" sorted, encoded in JSON and decoded in Python, best of 3; lower is faster):"
        f" {reference['start']:.2f} s of CPU at the start of the run, {reference['end']:.2f} s at its end."
    )


def _cpu_text(cpu: dict[str, float] | None) -> str:
    if not cpu:
        return ""
    parts = [cpu[group] for group in ("workers", "database", "cache", "client")]
    return " + ".join(f"{part:.2f}" for part in parts) + f" = {sum(parts):.2f}"


def pdf_table(kind: str, result: dict[str, Any]) -> list[str]:
    pdf = result.get("full", {}).get("pdf", {})
    lines = [f"### 5. Position paper PDFs — {kind}", ""]
    if not pdf:
        return [*lines, "Measured once per run, with the first database: the PDFs do not depend on it.", ""]
    if "error" in pdf:
        return [*lines, f"Not measured: {pdf['error']}", ""]
    lines += [
        "| target pages | pages | product s (runs) | floor s | ratio (≤ 1.1) | product peak RSS MiB | floor peak RSS MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, e in pdf.items():
        if not key.endswith("_pages"):
            continue
        target = int(key.split("_")[0])
        slow = f" {_verdict(e['product']['median_s'] <= 5)} (≤ 5 s)" if target == 40 else ""
        lines.append(
            f"| {target} | {e['pages']} | {e['product']['median_s']:.2f} ({e['product']['runs']}){slow} | "
            f"{e['floor']['median_s']:.2f} | {_ratio(e['ratio'], 1.1)} {_verdict(e['ratio'] <= 1.1)} | "
            f"{e['product']['peak_rss_mib']} | {e['floor']['peak_rss_mib']} |"
        )
    subsetting = {
        "HarfBuzz": "WeasyPrint subsets the embedded fonts with HarfBuzz's subsetter (libharfbuzz-subset).",
        "fontTools": "WeasyPrint subsets the embedded fonts with fontTools, in Python: this machine has no "
        "libharfbuzz-subset, and both sides take 1.3–1.5 times as long as with it (`positions.W001`).",
    }.get(pdf.get("font_subsetting", ""))
    return [*lines, "", *([subsetting, ""] if subsetting else [])]


DASHBOARD_CASES = {
    "dashboard": "dashboard page (admin)",
    "answers": "answers side by side (admin)",
    "draft_from_consultation": "draft paper from the consultation (`paper_draft_from_consultation`)",
}


def dashboard_table(kind: str, result: dict[str, Any]) -> list[str]:
    full = result.get("full", {}).get("dashboard", {})
    tenth = result.get("tenth", {}).get("dashboard", {})
    lines = [f"### 6. Staff dashboard and draft from consultation — {kind}", ""]
    if not full or "error" in full:
        return [*lines, f"Not measured: {full.get('error', 'no result')}", ""]
    lines += [
        "| what | time (runs) | queries (1/10 → full) | queries constant |",
        "|---|---:|---:|---|",
    ]
    for name, label in DASHBOARD_CASES.items():
        e, s = full.get(name, {}), tenth.get(name, {})
        if "queries" not in e:
            lines.append(f"| {label} | {e.get('error') or e.get('missing') or 'no result'} | | |")
            continue
        constant = None if s.get("queries") is None else s["queries"] == e["queries"]
        lines.append(
            f"| {label} | {e['median_s'] * 1000:.0f} ms ({e['runs']}) | {s.get('queries')} → {e['queries']} | "
            f"{_verdict(constant)} |"
        )
    subject = full.get("consultation", {})
    draft = full.get("draft_from_consultation", {})
    small = tenth.get("consultation", {})
    lines.append(
        f"\nThe largest consultation: {subject.get('invitations')} invitations, {subject.get('submitted')} "
        f"submitted, {subject.get('questions')} questions ({subject.get('status')}; closed for the draft, "
        f"rolled back); at 1/10: {small.get('invitations')} invitations, {small.get('submitted')} submitted. "
        f"The draft has {draft.get('sections')} sections and {draft.get('proposal_groups')} proposal "
        f"groups (at 1/10: {tenth.get('draft_from_consultation', {}).get('proposal_groups')})."
    )
    return [*lines, ""]


def import_table(imported: dict[str, Any]) -> list[str]:
    lines = ["### 2. Import of organisations (SQLite, `bench.bench_import`)", ""]
    if not imported:
        return [*lines, "Not run (--skip-import).", ""]
    if imported.get("returncode"):
        return [*lines, "Failed: see the JSON.", ""]
    found = imported.get("rows", [])
    lines += [
        "| rows | candidate | format | dry run rows/s | import rows/s | peak RSS growth MiB |",
        "|---:|---|---|---:|---:|---:|",
    ]
    for r in found:
        lines.append(
            f"| {r['rows']:,} | {r['candidate']} | {r['format']} | {r['dry_run_rows_s']:,.0f} | "
            f"{r['import_rows_s']:,.0f} | {r['peak_mib']} |"
        )
    lines += [
        "",
        "Each rate is the median of the runs after a warm-up (`bench.bench_import`); the default "
        "path imports the first rows of the same file, side by side with ours on those rows. The peak "
        "memory is of a dry run in a process of its own, after a warm-up there on the file's first rows.",
    ]
    largest = max((r["rows"] for r in found), default=0)
    for fmt in dict.fromkeys(r["format"] for r in found):
        ours = {r["rows"]: r for r in found if (r["candidate"], r["format"]) == ("crm", fmt)}
        plain = next((r for r in found if (r["candidate"], r["format"]) == ("plain", fmt)), None)
        whole = ours.get(largest)
        if whole is None:
            continue
        rate = min(whole["dry_run_rows_s"], whole["import_rows_s"])
        checks = [
            f"≥ 2,000 rows/s ({largest:,} rows, dry run and import): {_verdict(rate >= 2000)}",
            f"peak ≤ 200 MB: {_verdict(whole['peak_mib'] <= 200)}",
        ]
        side = ours.get(plain["rows"]) if plain else None
        if plain and side:
            dry = side["dry_run_rows_s"] / plain["dry_run_rows_s"]
            ratio = side["import_rows_s"] / plain["import_rows_s"]
            checks.append(
                f"≥ 3× the default path ({plain['rows']:,} rows): dry run {dry:.1f}×, import {ratio:.1f}× "
                f"{_verdict(min(ratio, dry) >= 3)}"
            )
        lines.append(f"\n{fmt}: " + "; ".join(checks) + ".")
    return [*lines, ""]


def write_report(
    *,
    results: dict[str, Any],
    imported: dict[str, Any],
    info: dict[str, Any],
    args: dict[str, Any],
    total: float,
    date: str,
) -> None:
    kept = ""
    if PATH.exists():
        text = PATH.read_text()
        if MARKER in text:
            kept = text.split(MARKER, 1)[1]
    databases = ", ".join(f"{k} {v}" for k, v in info["databases"].items())
    lines = [
        "# Benchmark results (issue 5)",
        "",
        f"Run of {date} by `make bench` (`python -m bench.run`), {total:.0f} s in all. Machine: {info['cpus']} CPUs, "
        f"Python {info['python']}, Django {info['django']}, {databases}; {info['platform']}."
        + _reference_text(info.get("cpu_reference_s")),
        "",
        f"Scale {args['scale']:g} (1 = 20,000 organisations, 100,000 persons, 200 consultations × 300 "
        f"invitations, 60 % answered), seed {args['seed']}. Each time is the median of {args['repeat']} runs "
        f"after one warm-up, and the admin lists and the 10-page PDF of {args['repeat'] * 3} runs. The "
        "person export's warm-up is an export of the first 1,000 persons (the same code; all of them "
        "take seconds), and the 10-page PDF is the warm-up of the 40- and 150-page ones (the same code). "
        "At 1/10 of the scale, one run after a warm-up. The admin lists "
        "and the PDFs alternate their runs with their floor's; every timed run starts with the garbage "
        "collected and what survives frozen. Query counts are "
        'of one run; "at 1/10" is a second database seeded at a tenth of the scale. The databases are '
        "seeded two at a time, before anything is measured (their seeding times are of that). Peak memory is the "
        "growth of the process's RSS during the run (C allocations included), the kernel's high-water mark; "
        "the import's in a process of its own for each candidate. Ratios are product ÷ floor in the same run.",
        "",
    ]
    for kind, result in results.items():
        full = result.get("full", {})
        lines.append(
            f"## {kind} ({full.get('database_version')}): seeded {sum(full.get('rows', {}).values()):,} rows in "
            f"{full.get('timings_s', {}).get('seed')} s"
        )
        lines.append("")
        lines += admin_table(kind, result)
        lines += export_table(kind, result)
        lines += member_table(kind, result)
        lines += pdf_table(kind, result)
        lines += dashboard_table(kind, result)
    lines += import_table(imported)
    PATH.write_text("\n".join(lines) + "\n" + MARKER + (kept or "\n"))

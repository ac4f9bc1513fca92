"""The results table and bench/results.json."""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
from pathlib import Path

ORDER = [
    "registration",
    "registration_concurrent",
    "transition_transfer",
    "transition_sign",
    "transition_accept",
    "workbench_overdue",
    "workbench_due_soon",
    "workbench_later",
    "workbench_page50",
    "detail",
    "detail_city",
    "api_workbench",
    "api_detail",
    "lookup_number",
    "lookup_query_code",
    "lookup_name",
    "lookup_phone",
    "search_word",
    "search_phrase",
    "search_filtered",
    "kpi_page_city",
    "kpi_page_county",
    "dashboard_city",
    "dashboard_county",
    "dashboard_kpis_city",
    "dashboard_kpis_county",
    "deadline_scan",
    "deadline_scan_idle",
    "api_token_workbench",
    "api_token_detail",
    "api_token_lookup_name",
    "api_token_lookup_number",
    "api_token_search",
    "api_token_note",
    "ratelimit_counter",
    "ratelimit_sliding_window",
]


def peak_rss_mb() -> float:
    """Peak resident set size of this process (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)


def machine() -> dict:
    import django

    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        memory_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gb": memory_gb,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
    }


def human_bytes(n: int | None) -> str:
    if n is None:
        return "?"
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.1f} {unit}" if unit != "B" else f"{int(size)} B"
        size /= 1024
    return f"{size:.1f} TB"


def _n(op: dict) -> str:
    """Sample count; * when --op-budget cut it (the operation is far over its target)."""
    return f"{op['samples']}*" if op.get("samples_requested") else str(op["samples"])


def _num(value) -> str:
    return "" if value is None else f"{value:.1f}"


def _mark(ok) -> str:
    return "—" if ok is None else ("✔ pass" if ok else "✘ FAIL")


def table(result: dict) -> str:
    """One engine's results as a fixed-width table."""
    ops = result.get("operations", {})
    gen = result.get("generation") or {}
    lines = [
        f"== {result.get('engine')}  ({result.get('server_version', '')})  "
        f"{result.get('cases_in_db', 0):,} cases in the database, {human_bytes(result.get('db_size_bytes'))}",
    ]
    if gen:
        reused = " (reused; figures from the run that generated it)" if result.get("reused") else ""
        lines.append(
            f"   generation: {gen.get('cases', 0):,} cases, {gen.get('total_rows', 0):,} rows in "
            f"{gen.get('seconds', 0):,.1f} s = {gen.get('rows_per_second') or 0:,} rows/s{reused}"
        )
    header = (
        f"   {'operation':<24}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'cpu p95':>9}{'queries':>8}  "
        f"{'target':<19}{'result'}"
    )
    lines += [header, "   " + "-" * (len(header) - 3)]
    for name in ORDER + sorted(set(ops) - set(ORDER)):
        op = ops.get(name)
        if op is None:
            continue
        extra = f" ({op['cases_per_second']:,.0f}/s)" if "cases_per_second" in op else ""
        hits = f"  ~{op['mean_hits']:g} hits" if "mean_hits" in op else ""
        errors = f"  {op['errors']} ERRORS" if op.get("errors") else ""
        note = f"\n{'':<27}{op['note']}" if op.get("note") else ""
        lines.append(
            f"   {name:<24}{_n(op):>5}{op['p50_ms']:>9.1f}{op['p95_ms']:>9.1f}{op['max_ms']:>9.1f}"
            f"{_num(op.get('cpu_p95_ms')):>9}{op.get('queries', ''):>8}  {op.get('target', ''):<19}{_mark(op.get('ok'))}{extra}{hits}{errors}{note}"
        )
    if result.get("peak_rss_mb"):
        lines.append(f"   peak RSS of the bench process: {result['peak_rss_mb']:,.0f} MB")
    context = result.get("context", {})
    start, end = context.get("contention_at_start"), context.get("contention_at_end")
    if start and end:
        lines.append(
            f"   other load: 1-min load average {start['load_1m']} → {end['load_1m']}, CPU pressure (PSI avg10) "
            f"{start['cpu_pressure_avg10']}% → {end['cpu_pressure_avg10']}% "
            "(cpu p95 = this process's CPU time; PostgreSQL's own work is not in it)"
        )
    if any(op.get("samples_requested") for op in ops.values()):
        lines.append("   * fewer samples: the operation would have exceeded --op-budget")
    if context.get("priority") is not None:
        lines.append(f"   measured at nice {context['priority']} (bench process and its PostgreSQL backends)")
    return "\n".join(lines)


def slow_report(result: dict) -> str:
    """The EXPLAINed slowest queries of operations that missed their target."""
    out = []
    for name, op in result.get("operations", {}).items():
        if op.get("ok") is not False:
            continue
        for entry in op.get("slowest_sql", []):
            if "plan" not in entry:
                continue
            out.append(f"-- {result.get('engine')} {name}: {entry['ms']} ms\n{entry['sql'][:1500]}")
            out.extend("   " + line for line in entry["plan"])
    return "\n".join(out)


def load(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def save_engine(path: Path, engine: str, result: dict) -> dict:
    """Merge one engine's results into the JSON file (the other engine's section is kept)."""
    document = load(path)
    document.setdefault("engines", {})[engine] = result
    document["machine"] = machine()
    document["targets"] = {
        "workbench_and_detail_p95_ms": 100,
        "registration_cases_per_second": 100,
        "deadline_scan_seconds": 10,
        "search_p95_ms": 300,
        "kpi_page_p95_ms": 1000,
        "at_cases": 1_000_000,
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    return document

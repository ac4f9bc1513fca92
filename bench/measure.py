"""Timed operations against the current Django database: registration, workbench, case page, look-up.

Pages are fetched through `django.test.Client` (the full middleware, view and template stack, with a
logged-in session), the registration through the `case_register` service. Each operation is warmed
up, then sampled; one more request runs under `CaptureQueriesContext` to count its queries, and the
slowest ones are EXPLAINed when the operation misses its target.
"""

from __future__ import annotations

import datetime
import gc
import logging
import math
import os
import random
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import data as D
from bench.generate import MOBILE_PREFIXES, Personas, resident_id
from bench.scan import measure_scan

TARGET_P95_MS = 100.0  # workbench and case page at 1,000,000 cases (the target)
TRANSITION_TARGET_P95_MS = 150.0  # one workflow step over HTTP at 1,000,000 cases (issue 3)
TARGET_CASES_PER_SECOND = 100.0  # registration
GROUPS = (
    "registration",
    "transitions",
    "pages",
    "lookups",
    "reports",
    "dashboard",
    "deadline_scan",
    "api",
)  # for --only
DASHBOARD_TARGET_P95_MS = 1000.0  # the 数据看板 at 1,000,000 cases (issue 6: a quarter's KPI dashboard ≤ 1 s)

Progress = Callable[[str], None]


@dataclass
class Options:
    samples: int = 200
    warmup: int = 20
    registrations: int = 500
    concurrent: bool = True  # the 2-thread registration variant (needs committed data: not in tests)
    threads: int = 2
    explain: str = "slow"  # "slow": EXPLAIN the slowest queries of operations over target; "all"; "none"
    seed: int = 7
    quiet_pressure: float | None = None  # before each operation, wait for CPU pressure ≤ this (%)
    quiet_timeout: float = 60.0
    op_budget_s: float | None = 120.0  # an operation slower than this in total is sampled less …
    min_samples: int = 30  # … but never fewer times than this
    priority: int | None = None  # nice value for this process and its PostgreSQL backend(s) (root for < 0)
    scan_samples: int = 3  # full deadline scans (each redoes the whole backlog: seconds each)
    only: tuple[str, ...] = ()  # groups to run (GROUPS); empty: all


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarise(times_s: list[float], cpu_s: list[float] | None = None) -> dict:
    """Wall-clock percentiles; with `cpu_s`, this process's CPU time too (immune to other load, but
    without the PostgreSQL server's share)."""
    ms = sorted(t * 1000 for t in times_s)
    out = {
        "samples": len(ms),
        "p50_ms": round(percentile(ms, 0.50), 2),
        "p95_ms": round(percentile(ms, 0.95), 2),
        "max_ms": round(ms[-1], 2) if ms else 0.0,
        "mean_ms": round(statistics.fmean(ms), 2) if ms else 0.0,
    }
    if cpu_s:
        cpu = sorted(t * 1000 for t in cpu_s)
        out["cpu_p50_ms"] = round(percentile(cpu, 0.50), 2)
        out["cpu_p95_ms"] = round(percentile(cpu, 0.95), 2)
    return out


class Timer:
    """Wall-clock and process CPU time of each call."""

    def __init__(self):
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def __call__(self, fn, *args, **kwargs):
        cpu, wall = time.process_time(), time.perf_counter()
        out = fn(*args, **kwargs)
        self.wall.append(time.perf_counter() - wall)
        self.cpu.append(time.process_time() - cpu)
        return out


# --- Other load on the machine -------------------------------------------------------------------


def cpu_pressure() -> float | None:
    """Linux PSI: % of the last 10 s in which some runnable task waited for a CPU (None if unknown)."""
    try:
        first = Path("/proc/pressure/cpu").read_text().splitlines()[0]
        return float(first.split()[1].split("=")[1])
    except (OSError, IndexError, ValueError):
        return None


def set_priority(value: int | None, *, this_thread: bool = True) -> str | None:
    """Renice the calling thread (threads started later inherit it) and this connection's
    PostgreSQL backend; returns a problem, or None."""
    if value is None:
        return None
    try:
        if this_thread:
            os.setpriority(os.PRIO_PROCESS, 0, value)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                os.setpriority(os.PRIO_PROCESS, cursor.fetchone()[0], value)
    except OSError as exc:
        return f"could not set priority {value}: {exc}"
    return None


def contention() -> dict:
    return {"load_1m": round(os.getloadavg()[0], 2), "cpu_pressure_avg10": cpu_pressure()}


def wait_for_quiet(options: Options, say: Progress) -> float:
    """Wait (up to options.quiet_timeout s) until CPU pressure is at most options.quiet_pressure %."""
    if options.quiet_pressure is None or cpu_pressure() is None:
        return 0.0
    started = time.perf_counter()
    told = False
    while time.perf_counter() - started < options.quiet_timeout:
        pressure = cpu_pressure()
        if pressure is None or pressure <= options.quiet_pressure:
            break
        if not told:
            say(
                f"    (waiting for a quieter machine: CPU pressure {pressure:.0f}% > {options.quiet_pressure:g}%)"
            )
            told = True
        time.sleep(2)
    return round(time.perf_counter() - started, 1)


# --- EXPLAIN ---------------------------------------------------------------------------------------


def explain(sql: str) -> list[str]:
    """The plan of one captured (already interpolated) SELECT."""
    if not sql.lstrip().upper().startswith("SELECT"):
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            return [row[0] for row in cursor.fetchall()]
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        rows = cursor.fetchall()
    depth = {0: -1}
    lines = []
    for node_id, parent, _unused, detail in rows:
        depth[node_id] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node_id] + detail)
    return lines


def profile(run: Callable[[], object], *, slow: bool, mode: str) -> dict:
    """Queries of one more run: count, total SQL time, the slowest three (EXPLAINed if slow)."""
    with CaptureQueriesContext(connection) as ctx:
        run()
    queries = [(float(q["time"]) * 1000, q["sql"]) for q in ctx.captured_queries]
    slowest = sorted(queries, key=lambda q: q[0], reverse=True)[:3]
    out = {
        "queries": len(queries),
        "sql_ms": round(sum(ms for ms, _sql in queries), 2),
        "slowest_sql": [{"ms": round(ms, 2), "sql": sql[:3000]} for ms, sql in slowest],
    }
    if mode == "all" or (mode == "slow" and slow):
        for entry, (_ms, sql) in zip(out["slowest_sql"][:2], slowest, strict=False):
            try:
                # A savepoint: a failed EXPLAIN must not abort the caller's transaction (PostgreSQL).
                with transaction.atomic():
                    entry["plan"] = explain(sql)  # the full statement; the stored copy is cut at 3,000
            except Exception as exc:  # noqa: BLE001 - a plan is a diagnostic, never fatal
                entry["plan"] = [f"(EXPLAIN failed: {exc})"]
    return out


# --- Pages --------------------------------------------------------------------------------------


class Pages:
    """Timed GETs of one user's pages."""

    def __init__(self, user, options: Options, say: Progress):
        self.client = Client(raise_request_exception=False)  # a 500 is counted, not raised
        self.client.force_login(user)
        self.user = user
        self.options = options
        self.say = say

    def run(self, name: str, what: str, urls: list[str], *, target_ms: float | None = TARGET_P95_MS) -> dict:
        if not urls:
            raise RuntimeError(f"{name}: nothing to request (no visible cases?)")
        opts = self.options
        errors, first_error = 0, None

        def check(url: str, response) -> None:
            nonlocal errors, first_error
            if response.status_code != 200:
                errors += 1
                if first_error is None:
                    exc = getattr(response, "exc_info", None)
                    cause = f": {exc[0].__name__}: {exc[1]}" if exc else ""
                    first_error = f"{url} → HTTP {response.status_code}{cause}"

        waited = wait_for_quiet(opts, self.say)
        before = contention()
        timer = Timer()
        quiet = logging.getLogger("django.request")
        level = quiet.level
        quiet.setLevel(logging.CRITICAL)  # errors are counted in the results, not printed per request
        samples = opts.samples
        try:
            started, warmed = time.perf_counter(), 0
            for i in range(opts.warmup):
                url = urls[i % len(urls)]
                check(url, self.client.get(url))
                warmed += 1
                if opts.op_budget_s and time.perf_counter() - started > opts.op_budget_s / 4 and warmed >= 3:
                    break
            if opts.op_budget_s and warmed:
                # A pathologically slow operation gets fewer samples (never fewer than min_samples).
                per_request = (time.perf_counter() - started) / warmed
                samples = min(samples, max(opts.min_samples, int(opts.op_budget_s / per_request)))
            for i in range(samples):
                url = urls[(opts.warmup + i) % len(urls)]
                check(url, timer(self.client.get, url))
        finally:
            quiet.setLevel(level)
        result = {
            "kind": "http",
            "what": what,
            "user": self.user.username,
            "url": urls[0],
            **summarise(timer.wall, timer.cpu),
            "contention": {"before": before, "after": contention(), "waited_s": waited},
        }
        if samples < opts.samples:
            result["samples_requested"] = opts.samples  # cut to fit --op-budget: far over target anyway
        slow = target_ms is not None and result["p95_ms"] > target_ms
        result.update(profile(lambda: self.client.get(urls[0]), slow=slow, mode=opts.explain))
        result["target"] = f"p95 ≤ {target_ms:g} ms" if target_ms is not None else ""
        result["ok"] = None if target_ms is None else not slow
        result["errors"] = errors
        if first_error:
            result["first_error"] = first_error
        self.say(
            f"  {name:<22} p50 {result['p50_ms']:>7.1f} ms  p95 {result['p95_ms']:>7.1f} ms  "
            f"max {result['max_ms']:>7.1f} ms  {result['queries']} queries"
            + (f"  {errors} errors ({first_error})" if errors else "")
        )
        return result


def visible_sample(user, count: int, rng: random.Random) -> list:
    """Up to `count` random cases the user may see (random ids probed in chunks, then filtered)."""
    from django.db.models import Max, Min

    from xinfang.cases.access import cases_visible_to
    from xinfang.cases.models import Case

    bounds = Case.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    lo, hi = bounds["lo"], bounds["hi"]
    if lo is None:
        return []
    found: dict[int, Case] = {}
    for _round in range(40):
        if hi - lo + 1 <= 20_000:
            candidates = list(range(lo, hi + 1))
        else:
            candidates = [rng.randint(lo, hi) for _ in range(5000)]
        visible = cases_visible_to(user, Case.objects.filter(pk__in=candidates)).only(
            "pk", "number", "query_code", "title", "received_on"
        )
        for case in visible:
            found[case.pk] = case
        if len(found) >= count or hi - lo + 1 <= 20_000:
            break
    cases = list(found.values())
    rng.shuffle(cases)
    return cases[:count]


def transitions(personas: Personas, options: Options, registrations: Registrations, say: Progress) -> dict:
    """Time three workflow steps as real POSTs on fresh cases: 转送 (with its 转送单), 签收, 受理 (受理告知书).

    Cases are registered untimed at the 信访部门 above the busiest township, then moved one step at a
    time; each step's p95 is held against 150 ms.
    """
    from xinfang.intake.services import case_register

    dispatcher, handler = personas.dispatcher, personas.handler
    count = max(options.min_samples, min(options.samples, 100))
    cases = [
        case_register(actor=dispatcher, unit=personas.busy_bureau, **registrations.kwargs(registrations.rng))
        for _ in range(count + 2)
    ]
    clients = {}
    for user in (dispatcher, handler):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients[user.pk] = client
    plan = [
        ("transition_transfer", dispatcher, "transfer", lambda c: {"to_unit": personas.busy_unit.pk}),
        ("transition_sign", handler, "sign", lambda c: {}),
        ("transition_accept", handler, "accept", lambda c: {}),
    ]
    out = {}
    for name, user, code, body in plan:
        timer, errors, first_error = Timer(), 0, None
        waited = wait_for_quiet(options, say)
        before = contention()
        profiled = {}
        for index, case in enumerate(cases):
            url, data, post = f"/cases/{case.number}/do/{code}/", body(case), clients[user.pk].post
            if index == 0:  # untimed: its queries are counted
                with CaptureQueriesContext(connection) as ctx:
                    response = post(url, data)
                profiled = {"queries": len(ctx.captured_queries)}
            elif index == 1:  # untimed warm-up
                response = post(url, data)
            else:
                response = timer(post, url, data)
            if response.status_code not in (200, 302):
                errors += 1
                first_error = first_error or f"{url} → HTTP {response.status_code}"
        result = {
            "kind": "http",
            "what": f"POST /cases/<number>/do/{code}/ as {user.username}",
            "user": user.username,
            **summarise(timer.wall, timer.cpu),
            **profiled,
            "contention": {"before": before, "after": contention(), "waited_s": waited},
            "target": f"p95 ≤ {TRANSITION_TARGET_P95_MS:g} ms",
            "errors": errors,
        }
        if first_error:
            result["first_error"] = first_error
        result["ok"] = errors == 0 and result["p95_ms"] <= TRANSITION_TARGET_P95_MS
        out[name] = result
        say(
            f"  {name:<22} p50 {result['p50_ms']:>7.1f} ms  p95 {result['p95_ms']:>7.1f} ms  max {result['max_ms']:>7.1f} ms"
            + (f"  {errors} ERRORS ({first_error})" if errors else "")
        )
    return out


def _q(path: str, **params) -> str:
    return f"{path}?{urlencode(params)}"


# --- Registration -----------------------------------------------------------------------------------


class Registrations:
    """Inputs for `case_register`, and timed loops of it (sequential, or in threads)."""

    def __init__(self, personas: Personas, rng: random.Random):
        from xinfang.reference.models import Category

        self.personas = personas
        self.rng = rng
        self.categories = list(
            Category.objects.filter(
                version__is_current=True, is_active=True, children__isnull=True
            ).values_list("pk", "name")
        )
        self.serial = 0
        self.lock = threading.Lock()

    def kwargs(self, rng: random.Random) -> dict:
        from xinfang.intake.services import PetitionerInput

        with self.lock:
            self.serial += 1
            serial = self.serial
        category_id, topic = rng.choice(self.categories)
        place = rng.choice(D.TOWNSHIP_NAMES)
        gender = rng.choice("MF")
        birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 50))
        person = PetitionerInput(
            name=rng.choice(D.SURNAMES[:40]) + rng.choice(D.GIVEN_CHARS) + rng.choice(D.GIVEN_CHARS),
            gender=gender,
            id_number=resident_id(D.COUNTIES[0][0], birth, rng.randrange(500) * 2 + (gender == "M")),
            phone=rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}",
            address=f"{place}{rng.choice(D.VILLAGE_STEMS)}{rng.choice(D.VILLAGE_SUFFIXES)}{rng.randrange(1, 99)}号",
        )
        channel = rng.choice(["letter", "visit", "call", "web"])
        return {
            "channel_code": channel,
            "purpose_code": rng.choice(["claim", "claim", "suggestion", "accusation", "consult"]),
            "category_id": category_id,
            "title": f"反映{place}{topic}问题（基准{serial}）",
            "content": rng.choice(D.CONTENT_OPENINGS).format(place=place)
            + rng.choice(D.CONTENT_BODIES).format(topic=topic)
            + rng.choice(D.CONTENT_ENDINGS),
            "demands": rng.choice(D.DEMANDS),
            "received_on": timezone.localdate() - datetime.timedelta(days=rng.randrange(3)),
            "petitioners": [person],
            "issue_region_code": D.COUNTIES[0][0],
        }

    def loop(self, user, unit, count: int, rng: random.Random) -> list[float]:
        from xinfang.intake.services import case_register

        inputs = [self.kwargs(rng) for _ in range(count)]
        timer = Timer()
        for kwargs in inputs:
            # A fresh request would load the user's seats again: drop the per-request caches.
            for attr in ("_xf_seats", "_xf_visible_units"):
                user.__dict__.pop(attr, None)
            timer(case_register, actor=user, unit=unit, **kwargs)
        return timer

    def sequential(self, options: Options, say: Progress) -> dict:
        from xinfang.intake.services import case_register

        user, unit = self.personas.registrar, self.personas.county_bureau
        self.loop(user, unit, max(1, options.warmup // 2), self.rng)
        waited = wait_for_quiet(options, say)
        before = contention()
        started = time.perf_counter()
        timer = self.loop(user, unit, options.registrations, self.rng)
        wall = time.perf_counter() - started
        rate = len(timer.wall) / wall
        result = {
            "kind": "service",
            "what": "case_register(): one case with a petitioner, sequential",
            "user": user.username,
            **summarise(timer.wall, timer.cpu),
            "contention": {"before": before, "after": contention(), "waited_s": waited},
            "cases_per_second": round(rate, 1),
            "target": f"≥ {TARGET_CASES_PER_SECOND:g} cases/s",
            "ok": rate >= TARGET_CASES_PER_SECOND,
        }
        kwargs = self.kwargs(self.rng)
        result.update(
            profile(
                lambda: case_register(actor=user, unit=unit, **kwargs),
                slow=not result["ok"],
                mode=options.explain,
            )
        )
        say(
            f"  {'registration':<22} p50 {result['p50_ms']:>7.1f} ms  p95 {result['p95_ms']:>7.1f} ms  "
            f"max {result['max_ms']:>7.1f} ms  {rate:,.0f} cases/s  {result['queries']} queries"
        )
        return result

    def concurrent(self, options: Options, say: Progress) -> dict:
        from xinfang.orgs.models import Unit, User

        threads = options.threads
        per_thread = max(1, options.registrations // threads)
        user_pk, unit_pk = self.personas.registrar.pk, self.personas.county_bureau.pk
        results: list[list[float]] = [[] for _ in range(threads)]
        failures: list[str] = []
        barrier = threading.Barrier(threads + 1)

        def work(index: int) -> None:
            try:
                user, unit = User.objects.get(pk=user_pk), Unit.objects.get(pk=unit_pk)
                set_priority(options.priority, this_thread=False)  # this thread's PostgreSQL backend
                rng = random.Random(options.seed * 100 + index)
                inputs_rng = random.Random(options.seed * 1000 + index)
                self.loop(user, unit, 2, inputs_rng)  # warm this thread's connection
                barrier.wait()
                results[index] = self.loop(user, unit, per_thread, rng).wall
            except Exception as exc:  # noqa: BLE001 - reported in the results
                failures.append(f"{type(exc).__name__}: {exc}")
                barrier.abort()
            finally:
                connections.close_all()  # this thread's connections only

        waited = wait_for_quiet(options, say)
        before = contention()
        workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        for worker in workers:
            worker.start()
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        started = time.perf_counter()
        for worker in workers:
            worker.join()
        wall = time.perf_counter() - started
        times = [t for per in results for t in per]
        rate = len(times) / wall if wall else 0.0
        result = {
            "kind": "service",
            "what": f"case_register() in {threads} threads at the same bureau (same daily serial row)",
            "user": self.personas.registrar.username,
            **summarise(times),
            "cases_per_second": round(rate, 1),
            "target": f"≥ {TARGET_CASES_PER_SECOND:g} cases/s",
            "ok": rate >= TARGET_CASES_PER_SECOND and not failures,
            "errors": len(failures),
            "contention": {"before": before, "after": contention(), "waited_s": waited},
        }
        if failures:
            result["first_error"] = failures[0]
        say(
            f"  {'registration ×' + str(threads):<22} p50 {result['p50_ms']:>7.1f} ms  p95 {result['p95_ms']:>7.1f} ms  "
            f"max {result['max_ms']:>7.1f} ms  {rate:,.0f} cases/s"
            + (f"  FAILED: {failures[0]}" if failures else "")
        )
        return result


# --- Everything ---------------------------------------------------------------------------------------


def measure(personas: Personas, options: Options | None = None, *, progress: Progress | None = print) -> dict:
    """Run every operation; returns {"operations": {name: figures}, "context": {...}}."""
    from xinfang.cases.models import Case
    from xinfang.cases.selectors import workbench_counts

    options = options or Options()
    say = progress or (lambda _msg: None)
    problem = set_priority(options.priority)
    if problem:
        say(f"  ({problem}; measuring at normal priority)")
    rng = random.Random(options.seed)
    gc.enable()
    ops: dict[str, dict] = {}
    n_urls = options.samples + options.warmup

    def want(group: str) -> bool:
        return not options.only or group in options.only

    # Inputs, chosen before any timing.
    pages_too = want("pages") or want("lookups") or want("api")
    handler_cases = visible_sample(personas.handler, n_urls, rng) if pages_too else []
    registrar_cases = visible_sample(personas.registrar, n_urls, rng) if pages_too else []
    leader_cases = visible_sample(personas.leader, n_urls, rng) if pages_too else []
    from xinfang.cases.models import Petitioner

    people = list(
        Petitioner.objects.filter(case__in=[c.pk for c in registrar_cases], is_primary=True).values_list(
            "name", "phone"
        )
    )
    names = [name for name, _phone in people]
    phones = [phone for _name, phone in people if phone]
    bench = workbench_counts(unit=personas.busy_unit, due_soon_days=3)
    context = {
        "busy_unit": personas.busy_unit.name,
        "busy_unit_open": {
            "overdue": bench.overdue,
            "due_soon": bench.due_soon,
            "later": bench.later,
            "none": bench.no_deadline,
        },
        "county_bureau": personas.county_bureau.name,
        "cases_in_db": Case.objects.count(),
        "contention_at_start": contention(),
        "priority": None if problem else options.priority,
    }
    say(
        f"workbench of {personas.busy_unit.name}: overdue {bench.overdue:,}, due soon {bench.due_soon:,}, "
        f"later {bench.later:,}"
    )

    # 1. Registration through the service.
    registrations = Registrations(personas, rng)
    if want("registration"):
        say("registration …")
        ops["registration"] = registrations.sequential(options, say)
        if options.concurrent and options.threads > 1:
            ops["registration_concurrent"] = registrations.concurrent(options, say)

    # 1b. Workflow steps over HTTP: 转送 by the bureau, 签收 and 受理 by the township (issue 3).
    if want("transitions"):
        say("workflow steps …")
        ops.update(transitions(personas, options, registrations, say))
    if want("pages"):
        _pages(personas, options, say, ops, handler_cases, leader_cases)
    if want("lookups"):
        _lookups(personas, options, say, ops, registrar_cases, names, phones)
    if want("reports"):
        _reports(personas, options, say, ops)
    if want("dashboard"):
        _dashboard(personas, options, say, ops)
    if want("api"):  # issue 7: bearer tokens, the per-token counter
        from bench.api_bench import measure_api

        measure_api(
            personas,
            options,
            say,
            ops,
            pages_cls=Pages,
            handler_cases=handler_cases,
            registrar_cases=registrar_cases,
            names=names,
            timer_cls=Timer,
            summarise=summarise,
            q=_q,
        )

    # 5. The deadline scan over every open clock (issue 5 §1): seconds per full scan, not ms per request.
    if want("deadline_scan"):
        say("deadline scan (reminders, overdue, escalation) …")
        ops.update(
            measure_scan(
                options.scan_samples,
                say,
                summarise=summarise,
                contention=contention,
                timer_cls=Timer,
                quiet=lambda: wait_for_quiet(options, say),
            )
        )
    context["contention_at_end"] = contention()
    return {"operations": ops, "context": context}


def _pages(personas, options, say, ops, handler_cases, leader_cases) -> None:
    # 2–3. The handler at the busiest township: workbench groups, a deep page, case pages.
    say(f"pages as {personas.handler.username} ({personas.busy_unit.name}) …")
    handler = Pages(personas.handler, options, say)
    for group in ("overdue", "due_soon", "later"):
        ops[f"workbench_{group}"] = handler.run(
            f"workbench_{group}", f"GET /cases/?group={group} (HTML)", [_q("/cases/", group=group)]
        )
    ops["workbench_page50"] = handler.run(
        "workbench_page50", "GET /cases/?group=later&page=50 (HTML)", [_q("/cases/", group="later", page=50)]
    )
    ops["detail"] = handler.run(
        "detail",
        "GET /cases/<number>/ (HTML), random visible case",
        [f"/cases/{c.number}/" for c in handler_cases],
    )
    ops["api_workbench"] = handler.run(
        "api_workbench",
        "GET /api/v1/cases/workbench?group=later (JSON)",
        [_q("/api/v1/cases/workbench", group="later")],
    )
    ops["api_detail"] = handler.run(
        "api_detail",
        "GET /api/v1/cases/<number> (JSON)",
        [f"/api/v1/cases/{c.number}" for c in handler_cases],
    )

    # The city leader sees every case: the widest visibility check.
    say(f"pages as {personas.leader.username} ({personas.city_bureau.name}) …")
    leader = Pages(personas.leader, options, say)
    ops["detail_city"] = leader.run(
        "detail_city",
        "GET /cases/<number>/ (HTML) as the city leader",
        [f"/cases/{c.number}/" for c in leader_cases],
    )


def _lookups(personas, options, say, ops, registrar_cases, names, phones) -> None:
    from xinfang.cases.selectors import case_lookup

    # 4. Look-up, as the county bureau's registrar (checking for earlier petitions).
    say(f"look-ups as {personas.registrar.username} ({personas.county_bureau.name}) …")
    registrar = Pages(personas.registrar, options, say)
    lookups = {
        "lookup_number": ("?q=<编号>", [c.number for c in registrar_cases]),
        "lookup_query_code": ("?q=<查询码>", [c.query_code for c in registrar_cases]),
        "lookup_name": ("?q=<信访人姓名>", names),
        "lookup_phone": ("?q=<电话>", phones),
    }
    for name, (what, texts) in lookups.items():
        ops[name] = registrar.run(
            name, f"GET /cases/lookup/{what} (HTML)", [_q("/cases/lookup/", q=t) for t in texts]
        )
        sample = texts[:20]
        hits = [case_lookup(user=personas.registrar, text=t).count() for t in sample]
        ops[name]["mean_hits"] = round(statistics.fmean(hits), 1) if hits else 0
    _searches(personas, options, registrar, ops, registrar_cases)


SEARCH_TARGET_P95_MS = 300.0  # the advanced search at 1,000,000 cases (issue 6)


def _searches(personas, options, registrar, ops, registrar_cases) -> None:
    """The advanced search (issue 6 §3): words taken from visible cases' titles, as the registrar."""
    import datetime

    from xinfang.cases.search import case_search

    def word(title: str, size: int) -> str:
        cjk = "".join(ch for ch in title if "\u4e00" <= ch <= "\u9fff")
        return cjk[2 : 2 + size] or cjk[:size] or "信访"

    searches = {
        "search_word": ("?q=<标题中的两字词>", [{"q": word(c.title, 2)} for c in registrar_cases]),
        "search_phrase": ("?q=<标题中的四字>", [{"q": word(c.title, 4)} for c in registrar_cases]),
        "search_filtered": (
            "?q=<两字词>&received_from=<信访日期前30天>",
            [
                {
                    "q": word(c.title, 2),
                    "received_from": (c.received_on - datetime.timedelta(days=30)).isoformat(),
                }
                for c in registrar_cases
            ],
        ),
    }
    for name, (what, params) in searches.items():
        ops[name] = registrar.run(
            name,
            f"GET /cases/search/{what} (HTML)",
            [_q("/cases/search/", **p) for p in params],
            target_ms=SEARCH_TARGET_P95_MS,
        )
        hits = [min(case_search(user=personas.registrar, criteria=p).count(), 1001) for p in params[:5]]
        ops[name]["mean_hits"] = round(statistics.fmean(hits), 1) if hits else 0


KPI_PAGE_TARGET_P95_MS = 1000.0  # a quarter's KPI page at 1,000,000 cases (issue 6)


def _reports(personas, options, say, ops) -> None:
    """The KPI page (issue 6 §1) of the current quarter — never cached (only finished periods are) —
    for the city (its KPIs + the per-county table) and a county bureau (its KPIs + its ~33 units)."""
    say(f"KPI page as {personas.leader.username} ({personas.city_bureau.name}) …")
    ops["kpi_page_city"] = Pages(personas.leader, options, say).run(
        "kpi_page_city",
        "GET /reports/kpis/ (HTML): the current quarter, own KPIs + per-unit table",
        ["/reports/kpis/"],
        target_ms=KPI_PAGE_TARGET_P95_MS,
    )
    say(f"KPI page as {personas.registrar.username} ({personas.county_bureau.name}) …")
    ops["kpi_page_county"] = Pages(personas.registrar, options, say).run(
        "kpi_page_county",
        "GET /reports/kpis/ (HTML): the current quarter, own KPIs + per-unit table",
        ["/reports/kpis/"],
        target_ms=KPI_PAGE_TARGET_P95_MS,
    )


def _dashboard(personas, options, say, ops) -> None:
    """The 数据看板 (issue 6 §2) for the city leader (every county) and the county registrar (its subtree),
    default period (the last twelve months, with the twelve before for the rising categories).

    First the worker's monthly rollup is brought up to date, as `manage.py worker` keeps it
    (xinfang/reporting/dashboard_rollup.py); its duration is recorded. The KPI cards, which the page
    fetches after it is shown, are measured on their own for a quarter (`dashboard_kpis_*`)."""
    from xinfang.reporting.dashboard_rollup import volume_rollup_refresh
    from xinfang.reporting.kpis import current_quarter

    say("dashboard: refreshing the monthly rollup (the worker's job) …")
    started = time.perf_counter()
    rebuilt = volume_rollup_refresh()
    refresh_s = round(time.perf_counter() - started, 2)
    say(f"  rollup: {len(rebuilt)} month(s) rebuilt in {refresh_s} s")
    quarter = current_quarter().code
    for name, user, unit in (
        ("city", personas.leader, personas.city_bureau),
        ("county", personas.registrar, personas.county_bureau),
    ):
        say(f"dashboard as {user.username} ({unit.name}) …")
        pages = Pages(user, options, say)
        ops[f"dashboard_{name}"] = pages.run(
            f"dashboard_{name}",
            "GET /reports/dashboard/ (HTML, last 12 months)",
            ["/reports/dashboard/"],
            target_ms=DASHBOARD_TARGET_P95_MS,
        )
        ops[f"dashboard_{name}"]["rollup_refresh_s"] = refresh_s
        ops[f"dashboard_{name}"]["rollup_months_rebuilt"] = len(rebuilt)
        ops[f"dashboard_kpis_{name}"] = pages.run(
            f"dashboard_kpis_{name}",
            "GET /reports/dashboard/kpis/?period=<this quarter> (the KPI cards, HTML fragment)",
            [_q("/reports/dashboard/kpis/", period=quarter)],
            target_ms=DASHBOARD_TARGET_P95_MS,
        )

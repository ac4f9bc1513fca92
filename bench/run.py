#!/usr/bin/env python
"""`make bench`: generate N cases into a database of the bench's own, time the main operations,
print a table and write bench/results.json. See bench/README.md.

    .venv/bin/python bench/run.py --cases 1000000 --engine both
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_SQLITE = ROOT / "var" / "bench.sqlite3"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/xinfang_bench"
DEFAULT_RESULTS = ROOT / "bench" / "results.json"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=1_000_000, help="number of cases (default 1,000,000)")
    p.add_argument("--engine", choices=("sqlite", "postgres", "both"), default="sqlite")
    p.add_argument("--sqlite-path", type=Path, default=DEFAULT_SQLITE, help=f"default {DEFAULT_SQLITE}")
    p.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help=f"PostgreSQL URL (created if missing; its name must contain 'bench'); default {DEFAULT_POSTGRES}",
    )
    p.add_argument("--fresh", action="store_true", help="drop the bench database and generate again")
    p.add_argument("--samples", type=int, default=200, help="timed requests per operation (default 200)")
    p.add_argument("--warmup", type=int, default=20, help="untimed requests first (default 20)")
    p.add_argument("--registrations", type=int, default=500, help="timed registrations (default 500)")
    p.add_argument("--threads", type=int, default=2, help="threads of the concurrent registration (0: skip)")
    p.add_argument("--batch", type=int, default=20_000, help="cases per insert batch (default 20,000)")
    p.add_argument("--producers", type=int, default=2, help="forked processes making rows (0: in-process)")
    p.add_argument(
        "--keep-indexes",
        action="store_true",
        help="load with every index in place (default: plain indexes are dropped and rebuilt after the load)",
    )
    p.add_argument("--seed", type=int, default=20_260_101)
    p.add_argument(
        "--scan-samples", type=int, default=3, help="full deadline scans timed (default 3; seconds each)"
    )
    p.add_argument(
        "--only",
        default="",
        metavar="GROUPS",
        help="comma-separated: registration,transitions,pages,lookups,reports,deadline_scan (default: all); "
        "the other operations' last results are kept in the JSON",
    )
    p.add_argument("--explain", choices=("slow", "all", "none"), default="slow")
    p.add_argument("--output", type=Path, default=DEFAULT_RESULTS, help=f"default {DEFAULT_RESULTS}")
    p.add_argument(
        "--quiet-pressure",
        type=float,
        default=None,
        metavar="PERCENT",
        help="before each operation wait until Linux CPU pressure (PSI avg10) is at most PERCENT (shared machines)",
    )
    p.add_argument(
        "--quiet-timeout", type=float, default=60.0, help="longest wait per operation (s), default 60"
    )
    p.add_argument(
        "--op-budget",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="an operation that would take longer gets fewer samples (at least 30); 0: always --samples",
    )
    p.add_argument(
        "--priority",
        type=int,
        default=None,
        metavar="NICE",
        help="nice value for the load and the measurements, PostgreSQL backends included (e.g. -10, as root)",
    )
    p.add_argument(
        "--generate-only",
        action="store_true",
        help="make (or keep) the data and stop: e.g. load both engines at once, then measure with --engine both",
    )
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    return p.parse_args(argv)


def say(message: str) -> None:
    print(message, flush=True)


# --- Databases of the bench's own ----------------------------------------------------------------


def postgres_parts(url: str) -> tuple[str, str]:
    """(database name, URL of the maintenance database `postgres` on the same server)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        raise SystemExit(f"--database-url has no database name: {url}")
    if "bench" not in name:
        raise SystemExit(f"refusing to use database {name!r}: the bench database's name must contain 'bench'")
    admin = urlunsplit((parts.scheme.replace("postgis", "postgres"), parts.netloc, "/postgres", "", ""))
    return name, admin


def postgres_prepare(url: str, *, drop: bool) -> None:
    import psycopg
    from psycopg import sql

    name, admin = postgres_parts(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        if drop:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            say(f"creating PostgreSQL database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8'").format(sql.Identifier(name)))


def sqlite_remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def configure(args) -> str:
    """Point Django at the bench database (before django.setup()); returns the URL."""
    if args.engine == "sqlite":
        path = args.sqlite_path.resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        if args.fresh:
            sqlite_remove(path)
        url = f"sqlite:///{path}"
    else:
        url = args.database_url
        postgres_prepare(url, drop=args.fresh)
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("XINFANG_ALLOW_INSECURE_KEY", "true")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return url


def migrate() -> None:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    say(f"migrated in {time.perf_counter() - started:.1f}s")


def wipe(args, url: str) -> None:
    """Throw away a bench database that holds fewer cases than asked for, and migrate a new one."""
    from django.db import connection

    connection.close()
    if args.engine == "sqlite":
        sqlite_remove(args.sqlite_path.resolve())
    else:
        postgres_prepare(url, drop=True)
    migrate()


META_TABLE = "bench_meta"  # outside the Django models: the bench database's own bookkeeping


def meta_read() -> dict:
    """What the last completed load recorded ({} when the load never finished)."""
    from django.db import connection

    if META_TABLE not in connection.introspection.table_names():
        return {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'load'")
        row = cursor.fetchone()
    return json.loads(row[0]) if row else {}


def meta_write(value: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key varchar(40) PRIMARY KEY, value text)")
        cursor.execute(f"DELETE FROM {META_TABLE} WHERE key = 'load'")
        cursor.execute(f"INSERT INTO {META_TABLE} (key, value) VALUES ('load', %s)", [json.dumps(value)])


def db_size() -> int | None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0]
    name = Path(connection.settings_dict["NAME"])
    return sum(Path(f"{name}{s}").stat().st_size for s in ("", "-wal") if Path(f"{name}{s}").exists())


def server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return "PostgreSQL " + cursor.fetchone()[0]
        cursor.execute("SELECT sqlite_version()")
        return "SQLite " + cursor.fetchone()[0]


def settle() -> float:
    """After the bulk load: what a DBA (or autovacuum) would have done before users arrive."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            say("VACUUM (ANALYZE) …")
            cursor.execute("VACUUM (ANALYZE)")
        else:
            say("ANALYZE; WAL checkpoint …")
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    seconds = time.perf_counter() - started
    say(f"settled in {seconds:.1f}s")
    return seconds


# --- One engine ------------------------------------------------------------------------------------


def run_one(args) -> int:
    from bench import report

    url = configure(args)
    import django

    django.setup()
    logging.getLogger("axes").setLevel(logging.WARNING)  # one INFO line per force_login
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    from django.conf import settings
    from django.db import connection

    from bench.generate import ensure_personas, generate
    from bench.measure import GROUPS, Options, measure, set_priority
    from xinfang.cases.models import Case

    if settings.DEBUG:
        raise SystemExit("DEBUG must be off for the bench (queries would accumulate in memory)")
    engine = args.engine
    shown = (
        url if engine == "sqlite" else urlsplit(url)._replace(netloc=urlsplit(url).hostname or "").geturl()
    )
    say(f"== {engine}: {shown}")
    migrate()
    have = Case.objects.count()
    meta = meta_read()
    reused = have >= args.cases and bool(meta.get("complete"))
    if reused:
        say(f"reusing {have:,} cases already in the bench database (--fresh to generate again)")
        generation = meta.get("generation")
    else:
        if have:
            why = "an unfinished load" if have >= args.cases else f"fewer than {args.cases:,}"
            say(f"the bench database holds {have:,} cases ({why}): starting again")
            wipe(args, url)
        say(f"generating {args.cases:,} cases …")
        problem = set_priority(args.priority)  # forked producers inherit it
        if problem:
            say(f"  ({problem})")
        generated = generate(
            args.cases,
            batch=args.batch,
            seed=args.seed,
            progress=say,
            tune=True,
            producers=args.producers,
            defer_indexes=not args.keep_indexes,
            analyze=False,
        )
        settled = settle()
        generation = generated.as_dict()
        generation["settle_seconds"] = round(settled, 2)  # ANALYZE / VACUUM after the load
        generation["producers"] = args.producers
        generation["deferred_indexes"] = not args.keep_indexes
        generation["date"] = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        meta_write({"complete": True, "cases": args.cases, "generation": generation})
        say(
            f"generated {generated.total_rows:,} rows in {generated.seconds:.1f}s "
            f"({generation['rows_per_second']:,} rows/s), then {settled:.1f}s of ANALYZE/VACUUM"
        )
    personas = ensure_personas()
    if args.generate_only:
        say(f"data ready ({Case.objects.count():,} cases, {report.human_bytes(db_size())}); not measuring")
        connection.close()
        return 0
    options = Options(
        samples=args.samples,
        warmup=args.warmup,
        registrations=args.registrations,
        concurrent=args.threads > 1,
        threads=max(args.threads, 1),
        explain=args.explain,
        quiet_pressure=args.quiet_pressure,
        quiet_timeout=args.quiet_timeout,
        priority=args.priority,
        op_budget_s=args.op_budget or None,
        scan_samples=max(args.scan_samples, 1),
        only=tuple(g.strip() for g in args.only.split(",") if g.strip()),
    )
    unknown = set(options.only) - set(GROUPS)
    if unknown:
        raise SystemExit(
            f"--only: unknown group(s) {', '.join(sorted(unknown))}; choose from {', '.join(GROUPS)}"
        )
    say(f"measuring: {options.samples} samples after {options.warmup} warm-up requests per operation")
    measured = measure(personas, options, progress=say)
    result = {
        "engine": engine,
        "server_version": server_version(),
        "database": str(args.sqlite_path) if engine == "sqlite" else shown,
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "requested_cases": args.cases,
        "cases_in_db": Case.objects.count(),
        "reused": reused,
        "generation": generation,
        "db_size_bytes": db_size(),
        **measured,
        "peak_rss_mb": report.peak_rss_mb(),
    }
    result["db_size"] = report.human_bytes(result["db_size_bytes"])
    if options.only:  # a partial run: keep the other operations' last figures
        last = report.load(args.output).get("engines", {}).get(engine, {})
        result["operations"] = {**last.get("operations", {}), **result["operations"]}
        result["context"] = {**last.get("context", {}), **result["context"]}
    report.save_engine(args.output, engine, result)
    connection.close()
    say("")
    say(report.table(result))
    slow = report.slow_report(result)
    if slow:
        say("\nslow operations — the slowest queries and their plans:\n" + slow)
    say(f"\nresults written to {args.output}")
    errors = sum(op.get("errors", 0) for op in result["operations"].values())
    missed = [name for name, op in result["operations"].items() if op.get("ok") is False]
    if errors:
        return 2
    return 1 if (missed and args.strict) else 0


def run_both(args, argv) -> int:
    """Each engine in its own process (Django is configured once per process), then both tables."""
    from bench import report

    codes = []
    for engine in ("sqlite", "postgres"):
        child = [sys.executable, str(Path(__file__).resolve()), *strip_engine(argv), "--engine", engine]
        say(f"\n##### {engine} #####")
        codes.append(subprocess.call(child))
    document = report.load(args.output)
    say("\n##### results #####")
    for engine in ("sqlite", "postgres"):
        if engine in document.get("engines", {}):
            say(report.table(document["engines"][engine]))
            say("")
    say(f"results written to {args.output}")
    return max(codes)


def strip_engine(argv: list[str]) -> list[str]:
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--engine":
            skip = True
            continue
        if arg.startswith("--engine="):
            continue
        out.append(arg)
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.engine == "both":
        return run_both(args, argv)
    return run_one(args)


if __name__ == "__main__":
    sys.exit(main())

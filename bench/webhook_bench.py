"""Webhook figures (issue 7 §3): delivery throughput to a local receiver, and the cost of emitting.

    XINFANG_ALLOW_INSECURE_KEY=true .venv/bin/python bench/webhook_bench.py                 # SQLite
    XINFANG_ALLOW_INSECURE_KEY=true .venv/bin/python bench/webhook_bench.py --engine postgres \
        --database-url postgres://postgres@127.0.0.1:5432/xinfang_webhook_bench --workers 2

Its own, fresh database (SQLite `var/webhook_bench.sqlite3`, or a PostgreSQL database whose name
contains `bench`, dropped and created again — never the 1,000,000-case `xinfang_bench`):
1. emitting: `case_register()` × N with no subscription, then with 1 and with 5 subscriptions that
   want `case.registered` (ms per registration, p50/p95; the difference is the outbox's cost);
2. delivery: `--events` pending deliveries (default 5,000, the payload of a real registration) POSTed
   to a receiver in another process on 127.0.0.1 (plain http.server, answers 200 at once) by
   `--workers` worker processes running `deliver_due` — the worker's own code path: claim, sign, POST,
   log the attempt, record. Prints events/s; every delivery must end 已投递 and each id arrive once.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class Server(ThreadingHTTPServer):
    request_queue_size = 128  # http.server's backlog of 5 drops parallel connects (SYN retried after 1 s)


def receiver_main(port_queue, count) -> None:
    """The receiving system: count each POST and answer 200."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with count.get_lock():
                count.value += 1
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_queue.put(server.server_address[1])
    server.serve_forever()


def fresh_database(args) -> str:
    if args.engine == "sqlite":
        path = ROOT / "var" / "webhook_bench.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    name = urlsplit(args.database_url).path.lstrip("/")
    if "bench" not in name or name == "xinfang_bench":
        raise SystemExit("the database name must contain 'bench' and not be the shared xinfang_bench")
    import psycopg

    admin = args.database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return args.database_url


def setup_people():
    from xinfang.integrations.models import IntegrationAccount
    from xinfang.orgs.models import Membership, Region, Role, Unit, UnitKind, UnitLevel, User

    region = Region.objects.create(code="990121", name="示范县")
    county = Unit.objects.create(
        name="示范县信访局", kind=UnitKind.PETITION_BUREAU, level=UnitLevel.COUNTY, region=region
    )
    registrar = User.objects.create_user(username="bench_registrar", full_name="登记员")
    Membership.objects.create(user=registrar, unit=county, role=Role.objects.get(code="registrar"))
    accounts = []
    for n in range(5):
        user = User.objects.create_user(username=f"bench_oa{n}", full_name=f"OA{n}")
        Membership.objects.create(user=user, unit=county, role=Role.objects.get(code="dispatcher"))
        accounts.append(IntegrationAccount.objects.create(name=f"OA{n}", kind="oa", user=user))
    return county, registrar, accounts


def time_registrations(n: int, county, registrar) -> list[float]:
    import datetime

    from xinfang.intake.services import PetitionerInput, case_register

    samples = []
    for i in range(n):
        started = time.perf_counter()
        case_register(
            actor=registrar,
            unit=county,
            channel_code="letter",
            purpose_code="claim",
            title=f"反映拖欠工资问题{i}",
            content="工资被拖欠三个月。",
            received_on=datetime.date.today(),
            petitioners=[PetitionerInput(name="张三", phone="13912345678", address="东湖镇1号")],
        )
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def worker_main(limit: int, result_queue) -> None:
    import django

    django.setup()
    from xinfang.webhooks.delivery import deliver_due

    total = 0
    while True:
        outcome = deliver_due(limit=limit)
        total += outcome.delivered
        if outcome.total == 0:
            break
    result_queue.put(total)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/xinfang_webhook_bench")
    parser.add_argument("--registrations", type=int, default=200)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = fresh_database(args)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test.utils import CaptureQueriesContext

    from xinfang.webhooks.models import Delivery, Subscription
    from xinfang.webhooks.services import subscription_create

    call_command("migrate", verbosity=0)
    county, registrar, accounts = setup_people()
    count = multiprocessing.Value("i", 0)
    port_queue = multiprocessing.Queue()
    connections.close_all()
    receiver = multiprocessing.Process(target=receiver_main, args=(port_queue, count), daemon=True)
    receiver.start()
    url = f"http://127.0.0.1:{port_queue.get(timeout=10)}/hook"

    print(
        f"engine={connection.vendor} registrations={args.registrations} events={args.events} workers={args.workers}"
    )
    time_registrations(20, county, registrar)  # warm-up
    conditions = (0, 1, 5)
    samples: dict[int, list[float]] = {c: [] for c in conditions}
    queries: dict[int, int] = {}

    def subscribe(n: int) -> None:
        Subscription.objects.all().delete()
        for account in accounts[:n]:
            subscription_create(account=account, url=url, event_types=["case.registered"], acting_user=None)

    # Interleaved rounds: the machine's load drifts, and each condition should see the same drift.
    for _round in range(max(1, args.registrations // 20)):
        for n in conditions:
            subscribe(n)
            samples[n] += time_registrations(20, county, registrar)
    for n in conditions:
        subscribe(n)
        with CaptureQueriesContext(connection) as captured:
            time_registrations(1, county, registrar)
        queries[n] = len(captured.captured_queries)
    base = statistics.median(samples[0])
    for n in conditions:
        p50 = statistics.median(samples[n])
        print(
            f"emit: {n} subscriptions  registration p50={p50:.2f} ms p95={pct(samples[n], 0.95):.2f} ms "
            f"(+{p50 - base:.2f} ms over none; {queries[n]} queries, +{queries[n] - queries[0]})"
        )

    # Delivery: a backlog of --events rows with a real payload, then the workers drain it.
    sample = Delivery.objects.order_by("id").first()
    Delivery.objects.all().delete()
    subscription = Subscription.objects.order_by("id").first()
    from django.utils import timezone

    now = timezone.now()
    Delivery.objects.bulk_create(
        [
            Delivery(
                subscription=subscription,
                event_type=sample.event_type,
                case_number=sample.case_number,
                payload=sample.payload,
                next_attempt_at=now,
            )
            for _ in range(args.events)
        ],
        batch_size=1000,
    )
    connections.close_all()
    with count.get_lock():
        count.value = 0
    results = multiprocessing.Queue()
    started = time.perf_counter()
    workers = [
        multiprocessing.Process(target=worker_main, args=(args.events, results)) for _ in range(args.workers)
    ]
    for w in workers:
        w.start()
    delivered = sum(results.get(timeout=3600) for _ in workers)
    for w in workers:
        w.join()
    seconds = time.perf_counter() - started
    pending = Delivery.objects.exclude(status="delivered").count()
    print(
        f"delivery: {delivered} events in {seconds:.1f} s = {delivered / seconds:,.0f} events/s "
        f"({args.workers} worker(s)); receiver got {count.value}; not delivered: {pending}"
    )
    receiver.terminate()


if __name__ == "__main__":
    main()

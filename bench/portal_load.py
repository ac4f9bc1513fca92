"""Load test of the public door (issue 4): N concurrent citizens write to the mayor for T seconds.

    .venv/bin/python bench/portal_load.py --engine postgres --citizens 50 --seconds 60

A real gunicorn serves the site on loopback from a database of the bench's own; each simulated citizen
is a thread with its own HTTP connection that, over and over, fetches a captcha
(`GET /api/v1/public/captcha`), reads its answer from the database (as a person reads the image),
and submits a letter (`POST /api/v1/public/letters`). Every submission comes from a fresh address
(X-Forwarded-For through a trusted proxy) and a fresh phone, like many different people, so the
per-IP and per-phone limits stay on and are exercised. Afterwards every accepted number is looked up
in the database: an accepted letter that is not there is a lost letter.

Reported: accepted letters per second, p50/p95/max of the submission, errors (target 0), lost (target 0).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_URL = "postgres://postgres@127.0.0.1:5432/xinfang_portal_load"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--citizens", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn processes (gthread)")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn process")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--output", default=str(ROOT / "bench" / "portal_load.json"))
    return parser.parse_args()


def database_url(engine: str) -> str:
    if engine == "postgres":
        return os.environ.get("BENCH_PORTAL_DATABASE_URL", PG_URL)
    return f"sqlite:///{ROOT / 'var' / 'portal_load.sqlite3'}"


def server_env(url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DEBUG="false",
        SECRET_KEY=env.get("SECRET_KEY", "bench-" + "x" * 50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PORTAL_TRUSTED_PROXIES="127.0.0.1",  # the bench plays the reverse proxy: one address per citizen
        SMS_BACKEND="console",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    return env


def prepare(url: str) -> None:
    """A fresh database with the minimum a portal needs: a county 信访局 to screen the letters."""
    if url.startswith("postgres"):
        import psycopg

        admin = url.rsplit("/", 1)[0] + "/postgres"
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    env = server_env(url)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)  # noqa: S603
    script = (
        "from xinfang.orgs.models import Region, Unit, UnitKind, UnitLevel;"
        "r=Region.objects.create(code='990121', name='示范县');"
        "Unit.objects.create(name='示范县信访局', kind=UnitKind.PETITION_BUREAU, level=UnitLevel.COUNTY, region=r)"
    )
    subprocess.run([*manage, "shell", "-c", script], env=env, check=True)  # noqa: S603


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, env=server_env(url), cwd=ROOT)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


class Citizens:
    """The simulated citizens and what happened to each submission."""

    def __init__(self, port: int, seconds: float):
        self.port, self.seconds = port, seconds
        self.lock = threading.Lock()
        self.latencies: list[float] = []  # the letter POST, seconds
        self.cycles: list[float] = []  # captcha + letter
        self.accepted: dict[str, str] = {}  # number → query code
        self.errors: dict[str, int] = {}
        self.serial = 0

    def next_identity(self) -> tuple[str, str]:
        with self.lock:
            self.serial += 1
            n = self.serial
        ip = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
        return ip, f"139{n:08d}"

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1

    def run_one(self, stop_at: float, seed: int) -> None:
        from django.db import connection

        from xinfang.portal.models import Captcha

        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            while time.monotonic() < stop_at:
                ip, phone = self.next_identity()
                headers = {"X-Forwarded-For": ip, "Content-Type": "application/json"}
                started = time.perf_counter()
                try:
                    conn.request("GET", "/api/v1/public/captcha", headers=headers)
                    reply = conn.getresponse()
                    body = reply.read()
                    if reply.status != 200:
                        self.error(f"captcha HTTP {reply.status}")
                        continue
                    captcha_id = json.loads(body)["id"]
                    answer = Captcha.objects.get(pk=captcha_id).answer  # the citizen reads the image
                    letter = {
                        "kind": rng.choice(["complaint", "suggestion", "help", "consult"]),
                        "name": rng.choice("赵钱孙李周吴郑王") + rng.choice("明华芳军丽强"),
                        "phone": phone,
                        "title": f"反映小区路灯损坏问题（压测{phone[-6:]}）",
                        "content": "我们小区东门外的路灯已经坏了一个多月，晚上出行很不安全，希望有关部门尽快维修。"
                        * rng.randint(1, 4),
                        "issue_address": "示范县城关镇幸福路",
                        "captcha_id": captcha_id,
                        "captcha_answer": answer,
                    }
                    posted = time.perf_counter()
                    conn.request("POST", "/api/v1/public/letters", body=json.dumps(letter), headers=headers)
                    reply = conn.getresponse()
                    body = reply.read()
                    done = time.perf_counter()
                except (OSError, http.client.HTTPException) as exc:
                    self.error(type(exc).__name__)
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                    continue
                if reply.status != 201:
                    self.error(f"letter HTTP {reply.status}: {body[:120].decode(errors='replace')}")
                    continue
                result = json.loads(body)
                with self.lock:
                    self.latencies.append(done - posted)
                    self.cycles.append(done - started)
                    self.accepted[result["number"]] = result["query_code"]
        finally:
            conn.close()
            connection.close()

    def run(self, citizens: int) -> float:
        stop_at = time.monotonic() + self.seconds
        threads = [threading.Thread(target=self.run_one, args=(stop_at, i)) for i in range(citizens)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def lost_letters(accepted: dict[str, str]) -> list[str]:
    from xinfang.messaging.models import InboundMessage

    stored = dict(InboundMessage.objects.values_list("number", "query_code"))
    return [number for number, code in accepted.items() if stored.get(number) != code]


def main() -> int:
    args = parse()
    url = database_url(args.engine)
    print(f"== portal load: {args.citizens} citizens for {args.seconds:g} s, {args.engine} ({url})")
    prepare(url)
    os.environ.update(server_env(url))
    import django

    django.setup()
    port = args.port or free_port()
    server = start_server(url, port, args.web_workers, args.threads)
    try:
        citizens = Citizens(port, args.seconds)
        wall = citizens.run(args.citizens)
    finally:
        server.terminate()
        server.wait(timeout=30)
    lost = lost_letters(citizens.accepted)
    from xinfang.messaging.models import InboundMessage, OutboundSms

    result = {
        "engine": args.engine,
        "citizens": args.citizens,
        "seconds": round(wall, 1),
        "web": f"gunicorn gthread {args.web_workers}×{args.threads}",
        "accepted": len(citizens.accepted),
        "letters_per_second": round(len(citizens.accepted) / wall, 1),
        "submit_p50_ms": round(percentile(citizens.latencies, 0.50) * 1000, 1),
        "submit_p95_ms": round(percentile(citizens.latencies, 0.95) * 1000, 1),
        "submit_max_ms": round(max(citizens.latencies, default=0) * 1000, 1),
        "cycle_p95_ms": round(percentile(citizens.cycles, 0.95) * 1000, 1),
        "mean_ms": round(statistics.fmean(citizens.latencies) * 1000, 1) if citizens.latencies else 0,
        "errors": citizens.errors,
        "lost": lost,
        "messages_in_db": InboundMessage.objects.count(),
        "sms_in_outbox": OutboundSms.objects.count(),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    Path(args.output).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    ok = not citizens.errors and not lost and result["accepted"] > 0
    print(
        "OK: no errors, every accepted letter is in the database" if ok else "FAILED: see errors / lost above"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Delivering the webhook outbox: claim due rows, POST them signed, log every attempt (run by the worker).

As the SMS outbox (messaging/sms/outbox.py): several workers may deliver at once. Each claims a batch
by moving `next_attempt_at` to a lease of its own under `SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL;
SQLite's IMMEDIATE transactions serialise the claim), and records a result only while the row still
carries its lease. A worker that dies after claiming leaves the rows to be tried again when the lease
ends: at-least-once, never zero times. The receiver drops duplicates by `X-Xinfang-Delivery`.

Timeouts: connect and each read are bounded by WEBHOOK_TIMEOUT_SECONDS, and a batch is POSTed by
WEBHOOK_CONCURRENCY threads, so a hanging receiver costs a batch about one timeout, never a stuck
worker. Redirects are not followed (a 3xx is a failure).
Retries: 2xx = delivered; anything else waits base × 2^(n-1) (capped, plus up to 10 % jitter) and is
tried again, up to WEBHOOK_MAX_ATTEMPTS, then 失败 — kept with its log, and may be redelivered.
"""

import datetime
import http.client
import json
import logging
import random
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from xinfang.webhooks.choices import AttemptTrigger, DeliveryStatus
from xinfang.webhooks.models import Attempt, Delivery
from xinfang.webhooks.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
)

logger = logging.getLogger("xinfang.webhooks")

CLAIM_SIZE = 20
EXCERPT = 500
USER_AGENT = "xinfang-webhooks/1"


@dataclass
class Outcome:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.delivered + self.retrying + self.failed

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class Answer:
    """What one POST got: a status code, or an error (timeout, refused, bad address)."""

    status_code: int | None
    error: str
    excerpt: str
    duration_ms: int
    started_at: datetime.datetime

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def retry_delay(attempts: int) -> datetime.timedelta:
    """After the `attempts`-th failure: base × 2^(attempts-1), capped, plus up to 10 % jitter."""
    seconds = min(
        settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** min(attempts - 1, 30), settings.WEBHOOK_RETRY_MAX_SECONDS
    )
    return datetime.timedelta(seconds=seconds * (1 + random.random() / 10))  # noqa: S311 - jitter only


def lease_length() -> datetime.timedelta:
    """Longer than a whole batch can take (each POST at most a connect and a read timeout)."""
    return datetime.timedelta(seconds=60 + 2 * CLAIM_SIZE * settings.WEBHOOK_TIMEOUT_SECONDS)


def body_of(delivery: Delivery) -> bytes:
    """The exact bytes that are signed and sent: UTF-8 JSON with Chinese as it is."""
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def claim(*, now: datetime.datetime, size: int = CLAIM_SIZE) -> list[Delivery]:
    """Claim up to `size` due rows for this worker (see the module docstring)."""
    lease = now + lease_length() + datetime.timedelta(microseconds=random.randrange(1_000_000))  # noqa: S311
    with transaction.atomic():
        due = Delivery.objects.filter(
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now,
            subscription__is_active=True,
            subscription__account__is_active=True,
        ).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        ids = list(due.values_list("pk", flat=True)[:size])
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING, next_attempt_at__lte=now).update(
            next_attempt_at=lease
        )
    return list(
        Delivery.objects.filter(pk__in=ids, next_attempt_at=lease)
        .select_related("subscription")
        .order_by("id")
    )


def deliver_due(*, now: datetime.datetime | None = None, limit: int = 1000) -> Outcome:
    """POST every due delivery (up to `limit`), batch by batch; the periodic job calls this.

    1. claim a batch; 2. POST its rows in parallel (WEBHOOK_CONCURRENCY threads: one receiver that
    hangs costs the batch one timeout, not one per row); 3. log the attempts and record the outcomes
    in one transaction.
    """
    outcome = Outcome()
    with ThreadPoolExecutor(max_workers=settings.WEBHOOK_CONCURRENCY) as pool:
        while outcome.total < limit:
            moment = now or timezone.now()
            batch = claim(now=moment, size=min(CLAIM_SIZE, limit - outcome.total))
            if not batch:
                break
            answers = list(pool.map(post, batch))
            for status in _record_batch(batch, answers, clock=moment):
                setattr(outcome, status, getattr(outcome, status) + 1)
    if outcome.total:
        logger.info("webhook delivery: %s", outcome.as_dict())
    return outcome


@transaction.atomic
def _record_batch(batch: list[Delivery], answers: list[Answer], *, clock) -> list[str]:
    Attempt.objects.bulk_create(
        [_attempt_row(d, a, AttemptTrigger.AUTO) for d, a in zip(batch, answers, strict=True)]
    )
    clock = max(clock, timezone.now())
    return [_record(d, a, lease=d.next_attempt_at, clock=clock) for d, a in zip(batch, answers, strict=True)]


def _attempt_row(delivery: Delivery, answer: Answer, trigger: str) -> Attempt:
    return Attempt(
        delivery=delivery,
        trigger=trigger,
        started_at=answer.started_at,
        duration_ms=answer.duration_ms,
        status_code=answer.status_code,
        ok=answer.ok,
        error=answer.error[:300],
        response_excerpt=answer.excerpt[:EXCERPT],
    )


def attempt(delivery: Delivery, *, lease, trigger: str = AttemptTrigger.REDELIVER) -> str:
    """POST one delivery now and record it (redelivery, the test event); 'delivered', 'retrying' or 'failed'."""
    answer = post(delivery)
    with transaction.atomic():  # the log line and the outcome: one commit
        _attempt_row(delivery, answer, trigger).save()
        return _record(delivery, answer, lease=lease, clock=timezone.now())


def _record(delivery: Delivery, answer: Answer, *, lease, clock) -> str:
    attempts = delivery.attempts + 1
    fields = {"attempts": attempts, "last_status_code": answer.status_code, "last_error": answer.error[:300]}
    if answer.ok:
        fields.update(status=DeliveryStatus.DELIVERED, delivered_at=timezone.now(), next_attempt_at=None)
        result = "delivered"
    elif attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        fields.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
        result = "failed"
    else:
        fields.update(next_attempt_at=clock + retry_delay(attempts))
        result = "retrying"
    # Only while the row still carries our lease: after a lease ran out another worker owns it.
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING, next_attempt_at=lease).update(
        **fields
    )
    return result


def post(delivery: Delivery) -> Answer:
    """One signed POST with short timeouts; never raises."""
    body = body_of(delivery)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: delivery.event_type,
        DELIVERY_HEADER: str(delivery.uuid),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(delivery.subscription.secret, timestamp, body),
    }
    started_at, started = timezone.now(), time.monotonic()
    try:
        status, excerpt = _send(delivery.subscription.url, body, headers)
        error = "" if 200 <= status < 300 else f"HTTP {status}"
        return Answer(status, error, excerpt, _ms(started), started_at)
    except TimeoutError:
        error, status = f"超时（{settings.WEBHOOK_TIMEOUT_SECONDS}秒）", None
    except ConnectionRefusedError:
        error, status = "连接被拒绝（接收方未运行）", None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        error, status = f"{exc.__class__.__name__}: {exc}", None
    return Answer(status, error, "", _ms(started), started_at)


def _send(url: str, body: bytes, headers: dict) -> tuple[int, str]:
    parts = urllib.parse.urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = kind(parts.hostname, parts.port, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        excerpt = response.read(EXCERPT * 4).decode("utf-8", "replace")
        return response.status, excerpt
    finally:
        conn.close()


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)

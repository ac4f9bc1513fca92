"""Delivering the SMS outbox: claim due rows, send, record the result (run by the worker).

Rows are written by `sms_queue` in the transaction of the event they tell about (a transactional
outbox). Several workers may deliver at once: each claims rows by moving `next_attempt_at` to a
lease of its own (under `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's IMMEDIATE
transactions serialise the claim), so no row is sent by two workers. A worker that dies after
claiming leaves the rows to be retried when the lease ends — at-least-once: a message the gateway
took just before the crash may go out twice, never zero times.
"""

import datetime
import logging
import random
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from xinfang.messaging.choices import SmsStatus
from xinfang.messaging.models import OutboundSms, SmsOptOut
from xinfang.messaging.sms import mask_phone
from xinfang.messaging.sms.backends import SmsBackend, SmsGatewayDown, SmsSendError, get_backend

logger = logging.getLogger("xinfang.sms")

CLAIM_SIZE = 50
LEASE = datetime.timedelta(minutes=5)  # longer than one batch can take to send


@dataclass
class Delivery:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.retrying + self.failed + self.skipped

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential backoff after the `attempts`-th failure: base, 2×base, 4×base … capped."""
    seconds = settings.SMS_RETRY_BASE_SECONDS * 2 ** min(attempts - 1, 30)
    return datetime.timedelta(seconds=min(seconds, settings.SMS_RETRY_MAX_SECONDS))


def sms_claim(*, now: datetime.datetime, size: int = CLAIM_SIZE) -> list[OutboundSms]:
    """Claim up to `size` due rows for this worker (see the module docstring)."""
    lease = now + LEASE + datetime.timedelta(microseconds=random.randrange(1_000_000))
    with transaction.atomic():
        due = OutboundSms.objects.filter(status=SmsStatus.QUEUED, next_attempt_at__lte=now)
        due = due.order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:size])
        # Conditional: a row another worker moved meanwhile is not ours (the lease value tells).
        OutboundSms.objects.filter(pk__in=ids, status=SmsStatus.QUEUED, next_attempt_at__lte=now).update(
            next_attempt_at=lease
        )
    return list(OutboundSms.objects.filter(pk__in=ids, next_attempt_at=lease).order_by("id"))


def sms_deliver_due(
    *, now: datetime.datetime | None = None, backend: SmsBackend | None = None, limit: int = 1000
) -> Delivery:
    """Send every due outbox row (up to `limit`) through the configured backend.

    1. claim a batch; 2. skip phones that opted out since the row was queued; 3. send each, or, once
    the gateway proved down in this run, record the same failure without trying again;
    4. record sent / retry later / failed after `SMS_MAX_ATTEMPTS`.
    """
    result = Delivery()
    down: SmsGatewayDown | None = None
    with backend or get_backend() as sender:
        while result.total < limit:
            moment = now or timezone.now()
            batch = sms_claim(now=moment, size=min(CLAIM_SIZE, limit - result.total))
            if not batch:
                break
            opted_out = set(
                SmsOptOut.objects.filter(phone__in={s.phone for s in batch}).values_list("phone", flat=True)
            )
            for sms in batch:
                if sms.phone in opted_out:
                    _record_skipped(sms)
                    result.skipped += 1
                    continue
                try:
                    if down is not None:
                        raise down
                    gateway_id = sender.send(phone=sms.phone, text=sms.text, key=sms.pk)
                except SmsSendError as exc:
                    if isinstance(exc, SmsGatewayDown):
                        down = exc
                    if _record_failure(sms, exc, moment):
                        result.failed += 1
                    else:
                        result.retrying += 1
                    continue
                _record_sent(sms, gateway_id)
                result.sent += 1
    if result.total:
        logger.info("SMS delivery: %s", result.as_dict())
    return result


def _record_sent(sms: OutboundSms, gateway_id: str) -> None:
    OutboundSms.objects.filter(pk=sms.pk, status=SmsStatus.QUEUED).update(
        status=SmsStatus.SENT,
        gateway_id=gateway_id[:120],
        sent_at=timezone.now(),
        attempts=F("attempts") + 1,
        last_error="",
    )


def _record_skipped(sms: OutboundSms) -> None:
    OutboundSms.objects.filter(pk=sms.pk, status=SmsStatus.QUEUED).update(status=SmsStatus.SKIPPED)


def _record_failure(sms: OutboundSms, exc: Exception, now: datetime.datetime) -> bool:
    """Count the failed attempt; True when it was the last one allowed (the row is now `failed`)."""
    attempts = sms.attempts + 1
    final = attempts >= settings.SMS_MAX_ATTEMPTS
    fields = {"attempts": attempts, "last_error": str(exc)[:1000] or exc.__class__.__name__}
    if final:
        fields["status"] = SmsStatus.FAILED
    else:
        fields["next_attempt_at"] = now + retry_delay(attempts)
    OutboundSms.objects.filter(pk=sms.pk, status=SmsStatus.QUEUED).update(**fields)
    log = logger.error if final else logger.warning
    log(
        "SMS %s to %s: attempt %s failed%s: %s",
        sms.pk,
        mask_phone(sms.phone),
        attempts,
        " (giving up)" if final else "",
        exc,
    )
    return final


def sms_retry(*, queryset) -> int:
    """Put failed rows back in the queue with a fresh count of attempts (the admin's "retry")."""
    return queryset.filter(status=SmsStatus.FAILED).update(
        status=SmsStatus.QUEUED, attempts=0, next_attempt_at=timezone.now()
    )

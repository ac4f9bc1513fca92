"""Rate limits shared by every web server: an exact sliding window kept in the database (style.md §11).

    with transaction.atomic():
        gate = RateGate([(WRITE_PER_IP, ip), (WRITE_PER_PHONE, phone)])  # raises RateLimited when full
        ...                                                               # the work being limited
        gate.hit()                                                        # count it

The bucket rows are locked in key order while the work runs, so two servers taking the last slot
at the same moment cannot both get it (PostgreSQL row locks; SQLite serialises writers anyway).
"""

import datetime
import hashlib
import hmac
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.portal.models import RateBucket

HOUR = 3600
DAY = 24 * HOUR


@dataclass(frozen=True)
class Limit:
    """At most `setting`'s value of hits per `seconds` (0 turns the limit off)."""

    name: str
    setting: str
    seconds: int

    @property
    def count(self) -> int:
        return int(getattr(settings, self.setting))


WRITE_PER_IP = Limit("write-ip", "PORTAL_WRITE_PER_IP_HOUR", HOUR)
WRITE_PER_PHONE = Limit("write-phone", "PORTAL_WRITE_PER_PHONE_DAY", DAY)
TRACK_FAILURES_PER_IP = Limit("track-ip", "PORTAL_TRACK_FAILURES_PER_IP_HOUR", HOUR)
CAPTCHAS_PER_IP = Limit("captcha-ip", "PORTAL_CAPTCHA_PER_IP_HOUR", HOUR)


class RateLimited(Exception):
    """Too many requests: answered with HTTP 429, a Chinese message and Retry-After."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = max(1, retry_after)


def bucket_key(limit: Limit, value: str) -> str:
    """A keyed hash of the IP address or phone number: the table never holds the value itself."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{limit.name}:{value}".encode(), hashlib.sha256)
    return f"{limit.name}:{digest.hexdigest()[:40]}"


def _wait_text(seconds: int) -> str:
    if seconds <= HOUR:
        return _("%(n)d分钟") % {"n": max(1, math.ceil(seconds / 60))}
    return _("%(n)d小时") % {"n": math.ceil(seconds / HOUR)}


class RateGate:
    """Lock the buckets of the given (limit, value) pairs and refuse when one is full.

    Must be created inside a transaction; `hit()` records one use against every bucket.
    """

    def __init__(self, pairs: Iterable[tuple[Limit, str]], *, message: str = ""):
        self.now = int(time.time())
        self.limits = {bucket_key(limit, value): limit for limit, value in pairs if value and limit.count > 0}
        self.buckets = self._lock(sorted(self.limits))
        for key, bucket in self.buckets.items():
            limit = self.limits[key]
            bucket.hits = [t for t in bucket.hits if t > self.now - limit.seconds]
            if len(bucket.hits) >= limit.count:
                retry_after = bucket.hits[0] + limit.seconds - self.now
                text = message or _("提交过于频繁，请稍后再试（约%(wait)s后）。")
                raise RateLimited(text % {"wait": _wait_text(retry_after)}, retry_after)

    def _lock(self, keys: list[str]) -> dict[str, RateBucket]:
        if not keys:
            return {}
        now = timezone.now()
        RateBucket.objects.bulk_create(
            [RateBucket(key=key, hits=[], updated_at=now) for key in keys], ignore_conflicts=True
        )
        rows = RateBucket.objects.select_for_update().filter(key__in=keys).order_by("key")
        return {row.key: row for row in rows}

    def hit(self) -> None:
        updated_at = timezone.now()
        for bucket in self.buckets.values():
            bucket.hits.append(self.now)
            bucket.updated_at = updated_at
            bucket.save(update_fields=["hits", "updated_at"])


def buckets_prune(*, older_than_seconds: int = 2 * DAY) -> int:
    """Drop buckets nobody hit for longer than the longest period (called now and then)."""
    cutoff = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    deleted, _rows = RateBucket.objects.filter(updated_at__lt=cutoff).delete()
    return deleted

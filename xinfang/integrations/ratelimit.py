"""The per-token call limit and call statistics: one counter row per token and clock minute.

Every API v1 call with a token runs ONE statement,

    INSERT INTO integrations_apicallcount (token_id, minute, count) VALUES (%s, %s, 1)
    ON CONFLICT (token_id, minute) DO UPDATE SET count = integrations_apicallcount.count + 1
    RETURNING count

which is atomic on PostgreSQL and SQLite alike, so several web servers sharing the database count into
the same row without holding a lock for the length of the call (the portal's sliding window,
xinfang/portal/limits.py, locks a row and rewrites a JSON list of timestamps: fine for a few letters an
hour, too slow for an API's every call — see bench/README.md, group `api`). The price is a fixed window:
a client may make up to twice the limit across the boundary of two minutes.
"""

import math
import time

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from xinfang.integrations.models import ApiCallCount, ApiToken
from xinfang.portal.limits import RateLimited

KEEP_MINUTES = 2 * 24 * 60  # two days of rows: the "last day" figure and some slack


def _bump(token_id: int, minute: int) -> int:
    """The upsert, in its own transaction; on PostgreSQL without waiting for the WAL flush.

    A counter lost in a server crash costs nothing (a client gets a few more calls), so its commit need
    not wait for the disk: `SET LOCAL synchronous_commit TO OFF` (PostgreSQL manual, 19.5.1) turns the
    commit's fsync, most of a single upsert's cost, into a background write. Only when no outer
    transaction is open: SET LOCAL would otherwise relax that transaction's real data too.
    """
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            return _upsert(cursor, token_id, minute)
    with connection.cursor() as cursor:
        return _upsert(cursor, token_id, minute)


def _upsert(cursor, token_id: int, minute: int) -> int:
    table = ApiCallCount._meta.db_table
    cursor.execute(
        f"INSERT INTO {table} (token_id, minute, count) VALUES (%s, %s, 1) "  # noqa: S608 - table name is ours
        f"ON CONFLICT (token_id, minute) DO UPDATE SET count = {table}.count + 1 RETURNING count",
        [token_id, minute],
    )
    return int(cursor.fetchone()[0])


def token_count_call(token: ApiToken, *, now: float | None = None) -> int:
    """Count one call of this token; RateLimited (→ 429) beyond API_TOKEN_PER_MINUTE in this minute."""
    now = time.time() if now is None else now
    minute = int(now // 60)
    count = _bump(token.pk, minute)
    if count == 1:  # the token's first call this minute: drop its rows older than two days
        ApiCallCount.objects.filter(token_id=token.pk, minute__lt=minute - KEEP_MINUTES).delete()
    limit = int(settings.API_TOKEN_PER_MINUTE)
    if limit and count > limit:
        wait = max(1, math.ceil((minute + 1) * 60 - now))
        raise RateLimited(_("此令牌调用过于频繁，请稍后再试（约%(n)s秒后）。") % {"n": wait}, wait)
    return count


def token_call_counts(token_ids, *, now: float | None = None) -> dict[int, dict[str, int]]:
    """{token id: {"hour": calls in the last 60 minutes, "day": in the last 24 hours}} (admin page)."""
    minute = int((time.time() if now is None else now) // 60)
    counts = {pk: {"hour": 0, "day": 0} for pk in token_ids}
    rows = ApiCallCount.objects.filter(token_id__in=list(counts), minute__gt=minute - 24 * 60)
    for token_id, row_minute, count in rows.values_list("token_id", "minute", "count"):
        counts[token_id]["day"] += count
        if row_minute > minute - 60:
            counts[token_id]["hour"] += count
    return counts

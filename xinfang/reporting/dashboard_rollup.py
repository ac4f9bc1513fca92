"""The 数据看板's monthly rollup: complete months of registered cases, grouped once by the worker.

A year of a city's cases is ~470,000 rows; grouping them on every page view costs over a second on
SQLite (bench/README.md). The rollup holds one row per (month, registering unit, channel, category,
问题属地) — ~3,000 rows a month at 1,000,000 cases — so the dashboard reads a few thousand rows instead.

The worker (`refresh_volume_rollup`, every DASHBOARD_ROLLUP_SECONDS) rebuilds a complete month when it
was never rolled up, when its live case count differs from the count it was built from (a case
imported into the past), or when it is older than a day (a corrected category or 问题属地). The
current month is never rolled up: the dashboard counts it live, so today's registrations show at once.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from xinfang.cases.models import Case
from xinfang.reporting.models import VolumeRollup, VolumeRollupMonth
from xinfang.reporting.periods import months_between

ROLLUP_FIELDS = ("registering_unit_id", "channel_id", "category_id", "issue_region_id")
FULL_REFRESH_AGE = datetime.timedelta(days=1)


def _month_moments(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    start = timezone.make_aware(datetime.datetime.combine(month, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(following, datetime.time.min))
    return start, end


def _registered_in(month: datetime.date):
    start, end = _month_moments(month)
    return Case.objects.filter(registered_at__gte=start, registered_at__lt=end)


@transaction.atomic
def volume_rollup_month(month: datetime.date, *, now: datetime.datetime | None = None) -> int:
    """Rebuild one month's rollup rows from the cases (one grouped query); returns its case count."""
    month = month.replace(day=1)
    rows = _registered_in(month).order_by().values_list(*ROLLUP_FIELDS).annotate(n=Count("pk"))
    VolumeRollup.objects.filter(month=month).delete()
    built = [
        VolumeRollup(
            month=month,
            registering_unit_id=unit_id,
            channel_id=channel_id,
            category_id=category_id,
            issue_region_id=region_code,
            cases=n,
        )
        for unit_id, channel_id, category_id, region_code, n in rows
    ]
    VolumeRollup.objects.bulk_create(built, batch_size=2000)
    total = sum(row.cases for row in built)
    VolumeRollupMonth.objects.update_or_create(
        month=month, defaults={"cases": total, "refreshed_at": now or timezone.now()}
    )
    return total


def stale_months(
    *, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> list[datetime.date]:
    """Complete months of the last DASHBOARD_ROLLUP_MONTHS that need rebuilding (see the module doc)."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    this_month = today.replace(day=1)
    first = this_month
    for _step in range(settings.DASHBOARD_ROLLUP_MONTHS):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    wanted = [m for m in months_between(first, this_month) if m < this_month]
    markers = {m.month: m for m in VolumeRollupMonth.objects.filter(month__in=wanted)}
    stale = []
    for month in wanted:
        marker = markers.get(month)
        if marker is None or now - marker.refreshed_at > FULL_REFRESH_AGE:
            stale.append(month)
        elif _registered_in(month).count() != marker.cases:  # an index range count, a few ms
            stale.append(month)
    return stale


def volume_rollup_refresh(*, today: datetime.date | None = None) -> list[datetime.date]:
    """Rebuild every stale month (one transaction per month); returns the months rebuilt."""
    months = stale_months(today=today)
    for month in months:
        volume_rollup_month(month)
    return months


def rolled_months(months: list[datetime.date]) -> set[datetime.date]:
    """Which of these months the dashboard may read from the rollup."""
    return set(VolumeRollupMonth.objects.filter(month__in=months).values_list("month", flat=True))

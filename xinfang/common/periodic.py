"""Periodic jobs: each worker tries to claim the next run; only one claim succeeds per due run."""

import datetime
import importlib

from django.conf import settings
from django.utils import timezone

from xinfang.common.models import PeriodicRun


def periodic_jobs() -> dict[str, datetime.timedelta]:
    """Dotted task path → interval."""
    jobs = {
        "xinfang.disputes.tasks.notify_disputes": datetime.timedelta(seconds=settings.WORKER_SCAN_SECONDS),
        # Reminders, the overdue flag and escalation (issue 5 §1; docs/operations.md).
        "xinfang.supervision.reminders.scan_deadlines": datetime.timedelta(
            seconds=settings.REMINDER_SCAN_SECONDS
        ),
        # 督办: reply-deadline reminders and the overdue flag (issue 5 §2; docs/supervision.md).
        "xinfang.supervision.clock.supervision_clock": datetime.timedelta(
            seconds=settings.REMINDER_SCAN_SECONDS
        ),
        # The SMS outbox, deadline reminders and forum feeds (docs/messaging.md).
        "xinfang.messaging.tasks.sms_deliver": datetime.timedelta(seconds=settings.SMS_DELIVER_SECONDS),
        "xinfang.messaging.tasks.review_reminders": datetime.timedelta(seconds=settings.SMS_REMINDER_SECONDS),
        # The 数据看板's monthly rollup (issue 6 §2; docs/dashboard.md).
        "xinfang.reporting.tasks.refresh_volume_rollup": datetime.timedelta(
            seconds=settings.DASHBOARD_ROLLUP_SECONDS
        ),
        # Webhooks to connected systems: the delivery outbox (issue 7 §3; docs/webhooks.md).
        "xinfang.webhooks.tasks.webhooks_deliver": datetime.timedelta(
            seconds=settings.WEBHOOK_DELIVER_SECONDS
        ),
        # Old Excel export files (docs/exports.md).
        "xinfang.cases.tasks.export_files_cleanup": datetime.timedelta(hours=1),
    }
    if settings.FORUM_FEEDS:
        jobs["xinfang.messaging.tasks.forum_poll"] = datetime.timedelta(seconds=settings.FORUM_POLL_SECONDS)
    return jobs


def claim_run(name: str, interval: datetime.timedelta, now: datetime.datetime) -> bool:
    """Claim the due run of `name`; True for exactly one caller among concurrent workers."""
    PeriodicRun.objects.bulk_create([PeriodicRun(name=name, next_run_at=now)], ignore_conflicts=True)
    claimed = PeriodicRun.objects.filter(name=name, next_run_at__lte=now).update(
        next_run_at=now + interval, last_run_at=now
    )
    return claimed == 1


def enqueue_due_jobs(now: datetime.datetime | None = None) -> list[str]:
    now = now or timezone.now()
    enqueued = []
    for path, interval in periodic_jobs().items():
        if claim_run(path, interval, now):
            module_name, attr = path.rsplit(".", 1)
            getattr(importlib.import_module(module_name), attr).enqueue()
            enqueued.append(path)
    return enqueued

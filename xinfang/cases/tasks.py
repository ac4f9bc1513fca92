"""Background jobs on cases, run by `manage.py worker` (durable, database-backed)."""

import logging

from django_tasks import task

from xinfang.cases.services import deadlines_note_overdue, deadlines_recompute_open

logger = logging.getLogger(__name__)


@task()
def recompute_open_deadlines() -> int:
    """After the holiday table changed: move every open working-day deadline to its new date."""
    moved = deadlines_recompute_open()
    logger.info("recomputed open deadlines: %s moved", moved)
    return moved


@task()
def scan_overdue() -> int:
    """Flag the clocks that passed (idempotent; several workers are safe).

    Kept for jobs queued before the deadline scan (`xinfang.supervision.reminders.scan_deadlines`,
    which the worker now runs on its schedule) took this over.
    """
    noted = deadlines_note_overdue()
    logger.info("overdue scan: %s newly overdue", noted)
    return noted

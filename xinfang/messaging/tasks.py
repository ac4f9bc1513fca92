"""Background jobs of the public doors, run by `manage.py worker` (registered in common/periodic.py)."""

import logging

from django_tasks import task

from xinfang.messaging.forum import forum_import_all
from xinfang.messaging.notify import review_reminders_send
from xinfang.messaging.sms.outbox import sms_deliver_due

logger = logging.getLogger(__name__)


@task()
def sms_deliver() -> dict:
    """Send the due SMS of the outbox (several workers may run it at once; rows are claimed)."""
    return sms_deliver_due().as_dict()


@task()
def review_reminders() -> int:
    """Queue the 复查/复核 deadline reminders that are due today (once per case and service)."""
    return review_reminders_send()


@task()
def forum_poll() -> dict:
    """Import new posts of the `FORUM_FEEDS` into the screening queue."""
    return forum_import_all().as_dict()

"""Background jobs of the ledger, run by `manage.py worker` (registered in common/periodic.py)."""

from django_tasks import task

from xinfang.disputes.notify import disputes_notify_scan


@task()
def notify_disputes() -> dict[str, int]:
    """Notices for high-risk and newly overdue disputes; safe to run twice or on several workers."""
    return disputes_notify_scan()

"""The worker's webhook job (registered in common/periodic.py, every WEBHOOK_DELIVER_SECONDS)."""

from django_tasks import task

from xinfang.webhooks.delivery import deliver_due


@task()
def webhooks_deliver() -> dict:
    """POST the due deliveries of the outbox (several workers may run it at once; rows are claimed)."""
    return deliver_due().as_dict()

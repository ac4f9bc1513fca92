"""Reads for the webhook pages and API: accounts with their subscriptions, the delivery log."""

from django.db.models import Count, Q, QuerySet

from xinfang.integrations.models import IntegrationAccount
from xinfang.webhooks.choices import DeliveryStatus
from xinfang.webhooks.models import Delivery, Subscription


def accounts_with_subscriptions(accounts) -> list[IntegrationAccount]:
    """These connected systems with their subscriptions and how many deliveries wait or failed."""
    subscriptions = Subscription.objects.annotate(
        pending=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
        failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
    ).prefetch_related("units")
    accounts = list(accounts)
    subscriptions = subscriptions.filter(account__in=[a.pk for a in accounts])
    by_account: dict[int, list[Subscription]] = {}
    for subscription in subscriptions.order_by("id"):
        by_account.setdefault(subscription.account_id, []).append(subscription)
    for account in accounts:
        account.subscription_list = by_account.get(account.pk, [])
    return accounts


def delivery_list(
    *,
    accounts=None,
    account: IntegrationAccount | None = None,
    subscription: int | None = None,
    status: str = "",
    event_type: str = "",
    case_number: str = "",
) -> QuerySet[Delivery]:
    """The delivery log, newest first, filtered (each filter optional)."""
    rows = Delivery.objects.select_related("subscription__account").order_by("-id")
    if accounts is not None:
        rows = rows.filter(subscription__account__in=accounts)
    if account is not None:
        rows = rows.filter(subscription__account=account)
    if subscription:
        rows = rows.filter(subscription_id=subscription)
    if status:
        rows = rows.filter(status=status)
    if event_type:
        rows = rows.filter(event_type=event_type)
    if case_number:
        rows = rows.filter(case_number=case_number.strip())
    return rows

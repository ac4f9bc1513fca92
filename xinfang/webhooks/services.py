"""Every change to webhook subscriptions and deliveries, each audited (issue 7 §3; docs/webhooks.md)."""

import secrets
import urllib.parse
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.common.services import audit_record
from xinfang.integrations.models import IntegrationAccount
from xinfang.webhooks.choices import TEST_EVENT, TEST_EVENT_LABEL, AttemptTrigger, DeliveryStatus, EventType
from xinfang.webhooks.delivery import attempt, lease_length
from xinfang.webhooks.models import Delivery, Subscription

MAX_SUBSCRIPTIONS_PER_ACCOUNT = 20


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def clean_url(url: str) -> str:
    url = (url or "").strip()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise ValidationError(
            {"url": [_("接收地址应为 http:// 或 https:// 开头的完整网址（不超过500个字符）。")]}
        )
    if parts.username or parts.password:
        raise ValidationError({"url": [_("接收地址不能包含用户名或密码，请改用签名验证。")]})
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise ValidationError({"url": [_("接收地址的端口号不正确。")]}) from None
    return url


def clean_event_types(event_types) -> list[str]:
    chosen = sorted({str(e) for e in (event_types or [])})
    unknown = [e for e in chosen if e not in EventType.values]
    if unknown:
        raise ValidationError({"event_types": [_("未知的事件类型：%(e)s。") % {"e": "、".join(unknown)}]})
    if not chosen:
        raise ValidationError({"event_types": [_("请至少选择一种事件。")]})
    return chosen


def _facts(subscription: Subscription) -> dict:
    """What the audit log keeps of a subscription (never the secret)."""
    return {
        "account": subscription.account.name,
        "url": subscription.url,
        "event_types": subscription.event_types,
        "units": sorted(subscription.units.values_list("pk", flat=True)),
        "is_active": subscription.is_active,
        "description": subscription.description,
    }


@transaction.atomic
def subscription_create(
    *,
    account: IntegrationAccount,
    url: str,
    event_types,
    units=(),
    description: str = "",
    acting_user,
    request=None,
    via: str = "web",
) -> tuple[Subscription, str]:
    """A new subscription and its secret; the secret is returned here and shown this once."""
    if account.webhook_subscriptions.count() >= MAX_SUBSCRIPTIONS_PER_ACCOUNT:
        raise ValidationError(_("每个接入系统最多%(n)d个订阅。") % {"n": MAX_SUBSCRIPTIONS_PER_ACCOUNT})
    secret = new_secret()
    subscription = Subscription.objects.create(
        account=account,
        url=clean_url(url),
        event_types=clean_event_types(event_types),
        description=(description or "").strip()[:100],
        secret=secret,
        secret_prefix=secret[:12],
        created_by=acting_user if acting_user and acting_user.is_authenticated else None,
    )
    subscription.units.set(units)
    audit_record(
        user=acting_user,
        action="webhook_subscription_created",
        obj=subscription,
        detail=_facts(subscription),
        request=request,
        via=via,
    )
    return subscription, secret


@transaction.atomic
def subscription_update(
    *, subscription: Subscription, acting_user, request=None, via: str = "web", **changes
) -> Subscription:
    """Change url, event_types, units, description or is_active; the audit row keeps before and after."""
    subscription = Subscription.objects.select_for_update().select_related("account").get(pk=subscription.pk)
    before = _facts(subscription)
    cleaners = {
        "url": clean_url,
        "event_types": clean_event_types,
        "description": lambda text: (text or "").strip()[:100],
        "is_active": bool,
    }
    fields = [name for name in cleaners if name in changes]
    for name in fields:
        setattr(subscription, name, cleaners[name](changes[name]))
    subscription.save(update_fields=[*fields, "updated_at"])
    if "units" in changes:
        subscription.units.set(changes["units"])
    after = _facts(subscription)
    if before != after:
        audit_record(
            user=acting_user,
            action="webhook_subscription_changed",
            obj=subscription,
            detail={"before": before, "after": after},
            request=request,
            via=via,
        )
    return subscription


@transaction.atomic
def subscription_rotate_secret(
    *, subscription: Subscription, acting_user, request=None, via: str = "web"
) -> str:
    """A new secret at once (the old one stops signing); returned here and shown this once."""
    secret = new_secret()
    Subscription.objects.filter(pk=subscription.pk).update(
        secret=secret, secret_prefix=secret[:12], updated_at=timezone.now()
    )
    audit_record(
        user=acting_user,
        action="webhook_secret_rotated",
        obj=subscription,
        detail={"account": subscription.account.name, "prefix": secret[:12]},
        request=request,
        via=via,
    )
    return secret


def delivery_redeliver(*, delivery: Delivery, acting_user, request=None, via: str = "web") -> str:
    """Send a delivery again now (a new attempt, a fresh retry budget); same X-Xinfang-Delivery id.

    1. under the row lock, put it back to 待投递 with a lease of our own (no worker takes it meanwhile);
    2. audit; 3. POST once (outside the transaction: the receiver may be slow) and record the result —
    a failure goes on with the normal retry schedule.
    """
    lease = timezone.now() + lease_length()
    with transaction.atomic():
        locked = Delivery.objects.select_for_update().get(pk=delivery.pk)
        Delivery.objects.filter(pk=locked.pk).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=lease
        )
        audit_record(
            user=acting_user,
            action="webhook_redelivered",
            obj=locked,
            detail={"uuid": str(locked.uuid), "event": locked.event_type, "previous_status": locked.status},
            request=request,
            via=via,
        )
    fresh = Delivery.objects.select_related("subscription").get(pk=delivery.pk)
    return attempt(fresh, lease=lease, trigger=AttemptTrigger.REDELIVER)


def subscription_send_test(
    *, subscription: Subscription, acting_user, request=None, via: str = "web"
) -> Delivery:
    """A 测试事件 to this subscription only, sent at once; it is logged like any delivery."""
    now = timezone.now()
    event_id = uuid.uuid4()
    payload = {
        "event_id": str(event_id),
        "event": TEST_EVENT,
        "event_label": str(TEST_EVENT_LABEL),
        "occurred_at": timezone.localtime(now).isoformat(),
        "unit": None,
        "case": None,
        "data": {
            "message": _("这是一条测试事件，用于检查接收地址和签名验证。"),
            "account": subscription.account.name,
        },
    }
    lease = now + lease_length()
    with transaction.atomic():
        delivery = Delivery.objects.create(
            subscription=subscription,
            event_id=event_id,
            event_type=TEST_EVENT,
            payload=payload,
            next_attempt_at=lease,
        )
        audit_record(
            user=acting_user,
            action="webhook_test_sent",
            obj=subscription,
            detail={"uuid": str(delivery.uuid)},
            request=request,
            via=via,
        )
    delivery = Delivery.objects.select_related("subscription").get(pk=delivery.pk)
    attempt(delivery, lease=lease, trigger=AttemptTrigger.REDELIVER)
    delivery.refresh_from_db()
    return delivery

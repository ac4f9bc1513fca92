"""Who may manage webhooks: system administrators on the web, an account itself through the API."""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from xinfang.integrations.models import IntegrationAccount
from xinfang.webhooks.models import Delivery, Subscription


def can_manage_webhooks(user) -> bool:
    """System administrators (Django `is_staff` or superuser): connected systems are system-wide."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.is_staff))


def require_admin(user) -> None:
    if not can_manage_webhooks(user):
        raise PermissionDenied(_("只有系统管理员可以管理接入系统的 Webhook 推送。"))


def account_of_caller(user) -> IntegrationAccount:
    """The integration account whose service user calls the API; 403 for a person's token."""
    try:
        account = user.integration_account
    except (ObjectDoesNotExist, AttributeError):
        account = None
    if account is None or not account.is_active:
        raise PermissionDenied(_("只有接入系统的服务账号可以使用此接口。"))
    return account


def get_subscription_for_account(account: IntegrationAccount, pk: int) -> Subscription:
    subscription = Subscription.objects.filter(account=account, pk=pk).first()
    if subscription is None:
        raise Http404(_("订阅不存在。"))
    return subscription


def get_delivery_for_account(account: IntegrationAccount, uuid) -> Delivery:
    delivery = (
        Delivery.objects.select_related("subscription")
        .filter(subscription__account=account, uuid=uuid)
        .first()
    )
    if delivery is None:
        raise Http404(_("投递记录不存在。"))
    return delivery

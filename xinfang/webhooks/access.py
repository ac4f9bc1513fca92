"""Who may manage webhooks: system administrators on the web, an account itself through the API."""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from xinfang.integrations.accounts import (
    can_manage_integrations,
    get_account_for_manager,
    manageable_accounts,
)
from xinfang.integrations.models import IntegrationAccount
from xinfang.webhooks.models import Delivery, Subscription


def can_manage_webhooks(user) -> bool:
    """The managers of connected systems (integrations/accounts.py): a superuser, or an admin
    (系统管理员) seated at a 信访部门 — for the accounts whose seats lie in the units they manage."""
    return can_manage_integrations(user)


def require_admin(user) -> None:
    if not can_manage_webhooks(user):
        raise PermissionDenied(_("只有系统管理员可以管理接入系统的 Webhook 推送。"))


def managed_subscription(user, pk: int) -> Subscription:
    """A subscription of an account this manager may manage; 404 otherwise (the same for missing)."""
    require_admin(user)
    subscription = (
        Subscription.objects.select_related("account")
        .filter(pk=pk, account__in=manageable_accounts(user))
        .first()
    )
    if subscription is None:
        raise Http404(_("订阅不存在。"))
    return subscription


def managed_delivery(user, uuid) -> Delivery:
    require_admin(user)
    delivery = (
        Delivery.objects.select_related("subscription__account")
        .filter(uuid=uuid, subscription__account__in=manageable_accounts(user))
        .first()
    )
    if delivery is None:
        raise Http404(_("投递记录不存在。"))
    return delivery


def managed_account(user, pk: int) -> IntegrationAccount:
    require_admin(user)
    account = get_account_for_manager(user, pk)
    if account is None:
        raise Http404(_("接入系统不存在。"))
    return account


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

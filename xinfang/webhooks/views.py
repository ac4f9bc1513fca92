"""Webhook pages for system administrators (issue 7 §3): subscriptions per connected system, the log."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from xinfang.common.paging import IdFirstPaginator
from xinfang.integrations.accounts import manageable_accounts
from xinfang.webhooks.access import managed_account, managed_delivery, managed_subscription, require_admin
from xinfang.webhooks.delivery import body_of
from xinfang.webhooks.forms import DeliveryFilterForm, SubscriptionEditForm, SubscriptionForm
from xinfang.webhooks.selectors import accounts_with_subscriptions, delivery_list
from xinfang.webhooks.services import (
    delivery_redeliver,
    subscription_create,
    subscription_rotate_secret,
    subscription_send_test,
    subscription_update,
)

RESULT_TEXT = {
    "delivered": gettext_lazy("投递成功。"),
    "retrying": gettext_lazy("投递未成功，将按重试计划自动再试。"),
    "failed": gettext_lazy("投递未成功，已达最多尝试次数。"),
}


@login_required
@require_GET
def account_list(request):
    require_admin(request.user)
    accounts = accounts_with_subscriptions(manageable_accounts(request.user))
    return render(request, "webhooks/accounts.html", {"accounts": accounts})


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def subscription_new(request, account_id: int):
    account = managed_account(request.user, account_id)
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription, secret = subscription_create(
                account=account, acting_user=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return _show_secret(request, subscription, secret, created=True)
    return render(request, "webhooks/form.html", {"form": form, "account": account, "subscription": None})


@login_required
def subscription_edit(request, pk: int):
    subscription = managed_subscription(request.user, pk)
    initial = {
        "url": subscription.url,
        "event_types": subscription.event_types,
        "units": list(subscription.units.all()),
        "description": subscription.description,
        "is_active": subscription.is_active,
    }
    form = SubscriptionEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            subscription_update(
                subscription=subscription, acting_user=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("webhooks:accounts")
    context = {"form": form, "account": subscription.account, "subscription": subscription}
    return render(request, "webhooks/form.html", context)


@login_required
@require_POST
def subscription_toggle(request, pk: int):
    subscription = managed_subscription(request.user, pk)
    active = request.POST.get("active") == "1"
    subscription_update(
        subscription=subscription, acting_user=request.user, request=request, is_active=active
    )
    messages.success(
        request, _("已启用推送。") if active else _("已停用推送（待投递的事件保留，启用后继续投递）。")
    )
    return redirect("webhooks:accounts")


@login_required
@require_POST
def subscription_rotate(request, pk: int):
    subscription = managed_subscription(request.user, pk)
    secret = subscription_rotate_secret(subscription=subscription, acting_user=request.user, request=request)
    return _show_secret(request, subscription, secret, created=False)


def _show_secret(request, subscription, secret: str, *, created: bool):
    context = {"subscription": subscription, "secret": secret, "created": created}
    response = render(request, "webhooks/secret.html", context)
    response["Cache-Control"] = "no-store"  # the secret is shown this once; no copy in any cache
    return response


@login_required
@require_POST
def subscription_test(request, pk: int):
    subscription = managed_subscription(request.user, pk)
    delivery = subscription_send_test(subscription=subscription, acting_user=request.user, request=request)
    if delivery.status == "delivered":
        messages.success(request, _("测试事件已送达对方系统。"))
    else:
        messages.warning(
            request,
            _("测试事件未送达：%(error)s") % {"error": delivery.last_error or delivery.last_status_code},
        )
    return redirect("webhooks:delivery", uuid=delivery.uuid)


@login_required
@require_GET
def delivery_log(request):
    require_admin(request.user)
    form = DeliveryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    managed = manageable_accounts(request.user)
    account = managed.filter(pk=filters["account"]).first() if filters.get("account") else None
    rows = delivery_list(
        accounts=managed,
        account=account,
        subscription=filters.get("subscription"),
        status=filters.get("status") or "",
        event_type=filters.get("event_type") or "",
        case_number=filters.get("case_number") or "",
    )
    page = IdFirstPaginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "account": account,
        "pager_query": query.urlencode() + "&" if query else "",
    }
    return render(request, "webhooks/deliveries.html", context)


@login_required
@require_GET
def delivery_detail(request, uuid):
    delivery = managed_delivery(request.user, uuid)
    context = {
        "delivery": delivery,
        "attempts": list(delivery.attempt_log.order_by("-id")),
        "body": json.dumps(delivery.payload, ensure_ascii=False, indent=2),
        "size": len(body_of(delivery)),
    }
    return render(request, "webhooks/delivery.html", context)


@login_required
@require_POST
def delivery_redeliver_view(request, uuid):
    delivery = managed_delivery(request.user, uuid)
    result = delivery_redeliver(delivery=delivery, acting_user=request.user, request=request)
    (messages.success if result == "delivered" else messages.warning)(request, RESULT_TEXT[result])
    return redirect("webhooks:delivery", uuid=delivery.uuid)

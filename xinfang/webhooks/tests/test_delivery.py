"""Delivery to a REAL receiver on loopback: retries, timeouts, a receiver that is down, redelivery."""

import datetime
import json
import time

import pytest
from django.utils import timezone

from xinfang.webhooks.delivery import deliver_due, retry_delay
from xinfang.webhooks.models import Attempt, Delivery
from xinfang.webhooks.services import delivery_redeliver, subscription_send_test, subscription_update
from xinfang.webhooks.signing import verify
from xinfang.webhooks.tests.support import free_port, make_account, subscribe


@pytest.fixture
def account(org):
    return make_account(org)


def later(minutes: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(minutes=minutes)


def test_it_retries_after_a_500_and_delivers_signed_chinese_json(org, register, account, receiver):
    hook = receiver(["500"])
    subscription, secret = subscribe(account, hook.url)
    case = register()
    assert deliver_due().as_dict() == {"delivered": 0, "retrying": 1, "failed": 0}
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1 and delivery.last_status_code == 500
    assert delivery.next_attempt_at > timezone.now() + datetime.timedelta(seconds=25)  # backed off
    assert deliver_due().total == 0  # not due yet
    assert deliver_due(now=later(5)).delivered == 1
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.delivered_at is not None
    log = list(Attempt.objects.filter(delivery=delivery).values_list("status_code", "ok", "response_excerpt"))
    assert log == [(500, False, "收到 500"), (200, True, "收到 200")]
    headers, body = hook.requests[-1]
    assert headers["X-Xinfang-Event"] == "case.registered"
    assert headers["X-Xinfang-Delivery"] == str(delivery.uuid) == hook.requests[0][0]["X-Xinfang-Delivery"]
    assert verify(secret, headers["X-Xinfang-Timestamp"], body, headers["X-Xinfang-Signature"])
    assert not verify(secret, headers["X-Xinfang-Timestamp"], body + b" ", headers["X-Xinfang-Signature"])
    assert "案件登记".encode() in body  # readable Chinese, not \\u escapes
    assert json.loads(body)["case"]["number"] == case.number


def test_a_hanging_receiver_times_out_quickly_and_gets_it_later(org, register, account, receiver, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    hook = receiver(["hang"], hang_seconds=4)
    subscribe(account, hook.url)
    register()
    started = time.monotonic()
    assert deliver_due().retrying == 1
    assert time.monotonic() - started < 3  # the worker was not held by the receiver
    attempt = Attempt.objects.get()
    assert attempt.status_code is None and "超时" in attempt.error and attempt.duration_ms < 2500
    assert deliver_due(now=later(5)).delivered == 1
    assert Delivery.objects.get().status == "delivered"


def test_a_receiver_that_is_down_loses_nothing(org, register, account, receiver):
    port = free_port()
    subscribe(account, f"http://127.0.0.1:{port}/hook")
    register()
    register()
    assert deliver_due().retrying == 2
    assert deliver_due(now=later(5)).retrying == 2
    assert set(Attempt.objects.values_list("error", flat=True)) == {"连接被拒绝（接收方未运行）"}
    hook = receiver(port=port)  # the receiver comes back at the same address
    assert deliver_due(now=later(60)).delivered == 2
    assert len(hook.requests) == 2
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_after_the_last_attempt_it_is_failed_but_kept_and_can_be_redelivered(
    org, register, account, receiver, settings
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    hook = receiver(["500", "503"])
    subscribe(account, hook.url)
    register()
    deliver_due()
    assert deliver_due(now=later(5)).failed == 1
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and delivery.next_attempt_at is None
    assert deliver_due(now=later(600)).total == 0  # failed rows are not retried by themselves
    assert delivery_redeliver(delivery=delivery, acting_user=org.admin) == "delivered"
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert list(Attempt.objects.values_list("trigger", "status_code")) == [
        ("auto", 500),
        ("auto", 503),
        ("redeliver", 200),
    ]
    assert len({h["X-Xinfang-Delivery"] for h, _b in hook.requests}) == 1  # one id: the receiver dedupes


def test_a_delivered_event_can_be_redelivered_and_that_is_audited(org, register, account, receiver):
    from xinfang.common.models import AuditLog

    hook = receiver()
    subscribe(account, hook.url)
    register()
    deliver_due()
    delivery = Delivery.objects.get()
    delivery_redeliver(delivery=delivery, acting_user=org.admin)
    assert len(hook.requests) == 2 and Attempt.objects.count() == 2
    assert AuditLog.objects.filter(action="webhook_redelivered", object_id=str(delivery.pk)).exists()


def test_a_disabled_subscription_holds_its_deliveries_until_enabled(org, register, account, receiver):
    hook = receiver()
    subscription, _ = subscribe(account, hook.url)
    register()
    subscription_update(subscription=subscription, acting_user=org.admin, is_active=False)
    assert deliver_due().total == 0
    subscription_update(subscription=subscription, acting_user=org.admin, is_active=True)
    assert deliver_due().delivered == 1


def test_the_test_event_goes_out_at_once(org, account, receiver):
    hook = receiver()
    subscription, secret = subscribe(account, hook.url)
    delivery = subscription_send_test(subscription=subscription, acting_user=org.admin)
    assert delivery.status == "delivered" and delivery.event_type == "webhook.test"
    headers, body = hook.requests[0]
    assert headers["X-Xinfang-Event"] == "webhook.test"
    assert verify(secret, headers["X-Xinfang-Timestamp"], body, headers["X-Xinfang-Signature"])


def test_the_worker_delivers_through_its_periodic_job(org, register, account, receiver, run_worker):
    hook = receiver()
    subscribe(account, hook.url)
    register()
    run_worker()
    assert Delivery.objects.get().status == "delivered" and len(hook.requests) == 1


def test_the_backoff_doubles_with_jitter_and_is_capped(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_RETRY_MAX_SECONDS = 3600
    for attempts, base in [(1, 30), (2, 60), (3, 120), (8, 3600), (20, 3600)]:
        seconds = retry_delay(attempts).total_seconds()
        assert base <= seconds <= base * 1.1


def test_a_hanging_receiver_does_not_hold_up_the_others(org, register, account, receiver, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    slow = receiver(["hang"] * 5, hang_seconds=4)
    fast = receiver()
    subscribe(account, slow.url)
    other = make_account(org, name="门户网站", kind="portal", username="svc_portal")
    subscribe(other, fast.url)
    for _ in range(5):
        register()
    started = time.monotonic()
    outcome = deliver_due()
    assert time.monotonic() - started < 4  # five hanging POSTs in parallel: about one timeout
    assert (outcome.delivered, outcome.retrying) == (5, 5) and len(fast.requests) == 5

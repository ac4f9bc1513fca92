"""The Webhook 推送 pages: system administrators only, Chinese, every change audited."""

import pytest
from django.urls import reverse

from xinfang.common.models import AuditLog
from xinfang.webhooks.models import Delivery, Subscription
from xinfang.webhooks.tests.support import make_account, subscribe


@pytest.fixture
def account(org):
    return make_account(org)


def test_non_admins_get_403_on_every_page(client, org, account, receiver):
    subscription, _ = subscribe(account, receiver().url)
    client.force_login(org.dispatcher)
    gets = [
        reverse("webhooks:accounts"),
        reverse("webhooks:subscription-new", args=[account.pk]),
        reverse("webhooks:subscription-edit", args=[subscription.pk]),
        reverse("webhooks:deliveries"),
    ]
    posts = [
        reverse("webhooks:subscription-toggle", args=[subscription.pk]),
        reverse("webhooks:subscription-rotate", args=[subscription.pk]),
        reverse("webhooks:subscription-test", args=[subscription.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url, {"active": "0"}).status_code == 403, url
    assert Subscription.objects.get().is_active and Delivery.objects.count() == 0
    client.logout()
    assert client.get(reverse("webhooks:accounts")).status_code == 302  # to the login page


def test_an_admin_creates_a_subscription_and_sees_the_secret_once(client, org, account):
    client.force_login(org.admin)
    page = client.get(reverse("webhooks:accounts")).content.decode()
    assert "Webhook 推送" in page and "OA系统" in page and "新增订阅" in page
    response = client.post(
        reverse("webhooks:subscription-new", args=[account.pk]),
        {"url": "https://oa.example.gov.cn/hook", "event_types": ["case.registered", "deadline.near"]},
    )
    subscription = Subscription.objects.get()
    text = response.content.decode()
    assert response.status_code == 200 and "密钥只显示这一次" in text and subscription.secret in text
    assert response["Cache-Control"] == "no-store"
    assert subscription.secret not in client.get(reverse("webhooks:accounts")).content.decode()
    audit = AuditLog.objects.get(action="webhook_subscription_created")
    assert audit.user == org.admin and subscription.secret not in str(audit.detail)


def test_bad_input_is_refused_in_chinese_and_nothing_is_saved(client, org, account):
    client.force_login(org.admin)
    url = reverse("webhooks:subscription-new", args=[account.pk])
    response = client.post(url, {"url": "ftp://example.com/x", "event_types": ["case.registered"]})
    assert response.status_code == 200 and "http:// 或 https://" in response.content.decode()
    response = client.post(url, {"url": "https://example.com/x"})
    assert "这个字段是必填项" in response.content.decode() or "必填" in response.content.decode()
    assert Subscription.objects.count() == 0


def test_edit_disable_and_rotate_are_audited(client, org, account):
    subscription, old_secret = subscribe(account, "https://oa.example.gov.cn/hook")
    client.force_login(org.admin)
    response = client.post(
        reverse("webhooks:subscription-edit", args=[subscription.pk]),
        {"url": "https://oa.example.gov.cn/new", "event_types": ["case.dispatched"], "units": [org.town.pk]},
    )
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.url.endswith("/new") and subscription.event_types == ["case.dispatched"]
    assert not subscription.is_active  # the box was not ticked
    assert list(subscription.units.all()) == [org.town]
    client.post(reverse("webhooks:subscription-toggle", args=[subscription.pk]), {"active": "1"})
    subscription.refresh_from_db()
    assert subscription.is_active
    response = client.post(reverse("webhooks:subscription-rotate", args=[subscription.pk]))
    subscription.refresh_from_db()
    assert subscription.secret != old_secret and subscription.secret in response.content.decode()
    actions = list(AuditLog.objects.filter(object_id=str(subscription.pk)).values_list("action", flat=True))
    assert actions.count("webhook_subscription_changed") == 2 and "webhook_secret_rotated" in actions


def test_the_delivery_log_filters_pages_and_redelivers(client, org, account, register, receiver, settings):
    settings.PAGE_SIZE = 2
    hook = receiver()
    subscription, _ = subscribe(account, hook.url)
    cases = [register() for _ in range(3)]
    client.force_login(org.admin)
    page = client.get(reverse("webhooks:deliveries"), {"status": "pending"}).content.decode()
    assert "待投递" in page and "第 1 / 2 页" in page
    page = client.get(reverse("webhooks:deliveries"), {"case_number": cases[0].number}).content.decode()
    assert cases[0].number in page and cases[1].number not in page
    assert "没有符合条件" in client.get(reverse("webhooks:deliveries"), {"status": "failed"}).content.decode()
    delivery = Delivery.objects.get(case_number=cases[0].number)
    detail = client.get(reverse("webhooks:delivery", args=[delivery.uuid])).content.decode()
    assert "重新投递" in detail and "案件登记" in detail and str(delivery.uuid) in detail
    response = client.post(reverse("webhooks:delivery-redeliver", args=[delivery.uuid]), follow=True)
    assert "投递成功" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and len(hook.requests) == 1


def test_the_test_button_sends_and_shows_the_result(client, org, account, receiver):
    hook = receiver(["500"])
    subscription, _ = subscribe(account, hook.url)
    client.force_login(org.admin)
    response = client.post(reverse("webhooks:subscription-test", args=[subscription.pk]), follow=True)
    text = response.content.decode()
    assert "测试事件未送达" in text and "HTTP 500" in text
    assert hook.requests[0][0]["X-Xinfang-Event"] == "webhook.test"


def test_a_bureau_admin_manages_only_the_accounts_in_their_units(client, org, account, receiver):
    from xinfang.orgs.models import Membership, Role, User

    subscription, _ = subscribe(account, receiver().url)  # the account's seat is at the county
    neighbour = User.objects.create_user(username="other_admin", full_name="邻县管理员")
    Membership.objects.create(user=neighbour, unit=org.other, role=Role.objects.get(code="admin"))
    client.force_login(neighbour)
    page = client.get(reverse("webhooks:accounts"))
    assert page.status_code == 200 and "OA系统" not in page.content.decode()
    assert client.get(reverse("webhooks:subscription-edit", args=[subscription.pk])).status_code == 404
    assert client.post(reverse("webhooks:subscription-rotate", args=[subscription.pk])).status_code == 404
    county_admin = User.objects.create_user(username="county_admin", full_name="县管理员")
    Membership.objects.create(user=county_admin, unit=org.county, role=Role.objects.get(code="admin"))
    client.force_login(county_admin)
    assert "OA系统" in client.get(reverse("webhooks:accounts")).content.decode()
    assert client.get(reverse("webhooks:subscription-edit", args=[subscription.pk])).status_code == 200

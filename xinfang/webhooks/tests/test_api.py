"""API v1 /integrations: an account manages its own subscriptions, reads its log; the OA 待办."""

import json

import pytest

from xinfang.common.models import AuditLog
from xinfang.integrations.auth import api_token_create
from xinfang.webhooks.models import Delivery, Subscription
from xinfang.webhooks.tests.support import make_account, subscribe

BASE = "/api/v1/integrations"


def bearer(user, scopes=("read", "write")) -> dict:
    _token, raw = api_token_create(user=user, name="测试", scopes=scopes)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def account(org):
    return make_account(org)


@pytest.fixture
def auth(account):
    return bearer(account.user)


def post(client, url, body, auth):
    return client.post(url, json.dumps(body), content_type="application/json", **auth)


def patch(client, url, body, auth):
    return client.patch(url, json.dumps(body), content_type="application/json", **auth)


def test_an_account_creates_lists_changes_and_rotates_its_subscription(client, org, account, auth):
    body = {
        "url": "https://oa.example.gov.cn/hook",
        "event_types": ["case.registered"],
        "units": [org.town.pk],
    }
    response = post(client, f"{BASE}/webhooks/subscriptions", body, auth)
    assert response.status_code == 201
    created = response.json()
    assert created["secret"].startswith("whsec_") and created["units"] == [org.town.pk]
    listed = client.get(f"{BASE}/webhooks/subscriptions", **auth).json()
    assert [s["id"] for s in listed] == [created["id"]] and "secret" not in listed[0]
    url = f"{BASE}/webhooks/subscriptions/{created['id']}"
    changed = patch(client, url, {"is_active": False, "event_types": ["deadline.near"]}, auth).json()
    assert changed["is_active"] is False and changed["event_types"] == ["deadline.near"]
    rotated = client.post(f"{url}/rotate-secret", **auth).json()
    assert rotated["secret"] != created["secret"]
    assert Subscription.objects.get().secret == rotated["secret"]
    actions = set(AuditLog.objects.filter(via="api").values_list("action", flat=True))
    assert {
        "webhook_subscription_created",
        "webhook_subscription_changed",
        "webhook_secret_rotated",
    } <= actions


def test_bad_input_gets_400_with_the_error_shape_and_nothing_is_saved(client, org, auth):
    cases = [
        ({"url": "javascript:alert(1)", "event_types": ["case.registered"]}, "url"),
        ({"url": "https://x.example/h", "event_types": ["case.exploded"]}, "event_types"),
        ({"url": "https://x.example/h", "event_types": []}, "event_types"),
        ({"url": "https://x.example/h", "event_types": ["case.registered"], "units": [999999]}, "units"),
    ]
    for body, field in cases:
        response = post(client, f"{BASE}/webhooks/subscriptions", body, auth)
        assert response.status_code == 400, body
        data = response.json()
        assert data["code"] == "invalid" and field in data["errors"]
    response = post(client, f"{BASE}/webhooks/subscriptions", {"url": 5}, auth)
    assert response.status_code == 422 and response.json()["code"] == "malformed"
    assert Subscription.objects.count() == 0


def test_a_persons_token_and_another_accounts_objects_are_refused(client, org, account, auth, receiver):
    response = client.get(f"{BASE}/webhooks/subscriptions", **bearer(org.dispatcher))
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    other = make_account(org, name="门户网站", kind="portal", username="svc_portal")
    theirs, _ = subscribe(other, receiver().url)
    assert client.get(f"{BASE}/webhooks/subscriptions/{theirs.pk}", **auth).status_code == 404
    assert (
        patch(client, f"{BASE}/webhooks/subscriptions/{theirs.pk}", {"is_active": False}, auth).status_code
        == 404
    )
    assert Subscription.objects.get(pk=theirs.pk).is_active


def test_the_webhook_endpoints_need_the_webhooks_manage_scope(client, org, account):
    refused = bearer(account.user, scopes=("cases:read",))
    assert client.get(f"{BASE}/webhooks/subscriptions", **refused).status_code == 403
    scoped = bearer(account.user, scopes=("webhooks:manage",))
    body = {"url": "https://x.example/h", "event_types": ["case.registered"]}
    assert post(client, f"{BASE}/webhooks/subscriptions", body, scoped).status_code == 201
    assert client.get(f"{BASE}/webhooks/subscriptions", **scoped).status_code == 200
    assert client.get(f"{BASE}/todos", {"username": "town_handler"}, **scoped).status_code == 403
    todos = bearer(account.user, scopes=("todos:read",))
    assert client.get(f"{BASE}/todos", {"username": "town_handler"}, **todos).status_code == 200


def test_the_delivery_log_test_event_and_redelivery(client, org, account, auth, register, receiver):
    hook = receiver(["500"])
    subscription, _ = subscribe(account, hook.url)
    register()
    tested = client.post(f"{BASE}/webhooks/subscriptions/{subscription.pk}/test", **auth).json()
    assert tested["event"] == "webhook.test" and tested["attempt_log"][0]["status_code"] == 500
    log = client.get(f"{BASE}/webhooks/deliveries", {"event": "case.registered"}, **auth).json()
    assert log["pagination"]["count"] == 1
    item = log["items"][0]
    assert item["status"] == "pending" and item["status_label"] == "待投递"
    detail = client.get(f"{BASE}/webhooks/deliveries/{item['id']}", **auth).json()
    assert detail["payload"]["event_label"] == "案件登记" and detail["attempt_log"] == []
    again = client.post(f"{BASE}/webhooks/deliveries/{item['id']}/redeliver", **auth).json()
    assert again["result"] == "delivered" and again["delivery"]["attempt_log"][0]["trigger"] == "redeliver"
    assert client.get(f"{BASE}/webhooks/deliveries/not-a-uuid", **auth).status_code == 404
    assert client.get(f"{BASE}/webhooks/deliveries", {"status": "lost"}, **auth).status_code == 400
    assert Delivery.objects.filter(status="delivered").count() == 1


def test_event_types_are_listed_in_chinese(client, auth):
    types = client.get(f"{BASE}/webhooks/event-types", **auth).json()
    assert {"code": "deadline.near", "label": "即将到期"} in types


# --- OA 待办 ---------------------------------------------------------------------------------------


def test_the_oa_account_reads_a_staff_members_todos(client, org, account, auth, register):
    from xinfang.cases import steps

    case = register()
    steps.case_transfer(case=case, actor=org.dispatcher, to_unit=org.town)
    response = client.get(f"{BASE}/todos", {"username": "town_handler"}, **auth)
    assert response.status_code == 200
    data = response.json()
    assert data["username"] == "town_handler" and data["total"] == 1
    unit = data["units"][0]
    assert unit["unit"] == "东湖镇" and unit["items"][0]["number"] == case.number
    assert sum(unit["counts"].values()) == 1 and unit["pagination"]["count"] == 1
    text = response.content.decode()
    assert "张三" not in text and "13912345678" not in text
    audit = AuditLog.objects.get(action="oa_todos_read")
    assert audit.user == account.user and audit.detail["username"] == "town_handler"


def test_todos_are_refused_to_other_kinds_and_outside_the_accounts_reach(client, org, account, auth):
    portal = make_account(org, name="门户网站", kind="portal", username="svc_portal")
    response = client.get(f"{BASE}/todos", {"username": "town_handler"}, **bearer(portal.user))
    assert response.status_code == 403 and "OA" in response.json()["detail"]
    assert client.get(f"{BASE}/todos", {"username": "other_registrar"}, **auth).status_code == 404
    assert client.get(f"{BASE}/todos", {"username": "ghost"}, **auth).status_code == 404
    assert client.get(f"{BASE}/todos", **auth).status_code == 422
    account.units.set([org.police])
    assert client.get(f"{BASE}/todos", {"username": "town_handler"}, **auth).status_code == 404
    assert client.get(f"{BASE}/todos", {"username": "police_handler"}, **auth).status_code == 200
    assert not AuditLog.objects.filter(action="oa_todos_read", detail__username="town_handler").exists()

"""Scoped API tokens (issue 7 §2): scopes, expiry, rotation, revocation, per-token rate limit."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from xinfang.cases.models import Case
from xinfang.common.models import AuditLog
from xinfang.integrations.auth import api_token_create, api_token_revoke, api_token_rotate
from xinfang.integrations.models import ApiToken, Open311Request
from xinfang.integrations.tests.test_api import payload, post_json
from xinfang.integrations.tests.test_open311 import BASE, portal_is_the_county  # noqa: F401


def auth(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def open311_form(api_key: str) -> dict:
    return {
        "api_key": api_key,
        "service_code": "0104",
        "address_string": "东湖镇幸福路12号",
        "description": "幸福路的路灯坏了三个月，晚上出行很不方便。",
        "last_name": "周",
        "first_name": "市民",
        "phone": "13912345678",
    }


def test_it_lets_a_read_only_token_read_but_not_write(client, org):
    _token, raw = api_token_create(user=org.registrar, name="只读", scopes=["read"])
    assert client.get("/api/v1/units/me", **auth(raw)).status_code == 200
    before = Case.objects.count()
    refused = post_json(client, "/api/v1/cases", payload(org.county), auth(raw))
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden" and "只读" in refused.json()["detail"]
    assert Case.objects.count() == before


def test_it_lets_a_read_write_token_register_a_case(client, org):
    _token, raw = api_token_create(user=org.registrar, name="读写", scopes=["read", "write"])
    response = post_json(client, "/api/v1/cases", payload(org.county), auth(raw))
    assert response.status_code == 201, response.content


def test_it_lets_an_open311_token_submit_but_not_call_api_v1(client, org):
    _token, raw = api_token_create(user=org.registrar, name="门户", scopes=["open311"])
    response = client.post(f"{BASE}requests.json", open311_form(raw))
    assert response.status_code == 201, response.content
    assert Open311Request.objects.filter(api_token__prefix=raw[:8]).count() == 1
    for url in ("/api/v1/cases/workbench", "/api/v1/units/me"):
        refused = client.get(url, **auth(raw))
        assert refused.status_code == 403 and "Open311" in refused.json()["detail"]
    before = Case.objects.count()
    assert post_json(client, "/api/v1/cases", payload(org.county), auth(raw)).status_code == 403
    assert Case.objects.count() == before


def test_it_refuses_open311_posts_with_a_token_without_the_open311_scope(client, org):
    _token, raw = api_token_create(user=org.registrar, name="读写", scopes=["read", "write"])
    response = client.post(f"{BASE}requests.json", open311_form(raw))
    assert response.status_code == 403
    assert "open311" in response.json()[0]["description"]
    assert not Open311Request.objects.exists()


def test_it_refuses_expired_and_revoked_tokens_with_401(client, org):
    _expired, expired_raw = api_token_create(
        user=org.registrar, name="过期", expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    revoked, revoked_raw = api_token_create(user=org.registrar, name="吊销")
    assert client.get("/api/v1/units/me", **auth(revoked_raw)).status_code == 200
    assert api_token_revoke(token=revoked, acting_user=org.registrar) is True
    for raw, word in ((expired_raw, "过期"), (revoked_raw, "吊销")):
        response = client.get("/api/v1/units/me", **auth(raw))
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated" and word in response.json()["detail"]
    assert AuditLog.objects.filter(action="api_token_revoked", object_id=str(revoked.pk)).count() == 1
    assert api_token_revoke(token=revoked, acting_user=org.registrar) is False  # nothing twice


def test_it_keeps_both_tokens_valid_during_the_grace_period_of_a_rotation(client, org):
    start = timezone.now()
    old, old_raw = api_token_create(user=org.registrar, name="OA", scopes=["read"])
    with time_machine.travel(start, tick=False):
        new, new_raw = api_token_rotate(token=old, acting_user=org.registrar, grace_minutes=30)
    assert new.scopes == ["read"] and new.name == "OA" and new.user == org.registrar
    with time_machine.travel(start + datetime.timedelta(minutes=29), tick=False):
        assert client.get("/api/v1/units/me", **auth(old_raw)).status_code == 200
        assert client.get("/api/v1/units/me", **auth(new_raw)).status_code == 200
    with time_machine.travel(start + datetime.timedelta(minutes=31), tick=False):
        assert client.get("/api/v1/units/me", **auth(old_raw)).status_code == 401
        assert client.get("/api/v1/units/me", **auth(new_raw)).status_code == 200
    row = AuditLog.objects.get(action="api_token_rotated", object_id=str(old.pk))
    assert row.user == org.registrar and row.detail["new_token"] == new.pk


def test_it_answers_429_with_retry_after_beyond_the_per_token_limit(client, org, settings):
    settings.API_TOKEN_PER_MINUTE = 2
    _token, raw = api_token_create(user=org.registrar, name="限流")
    _other, other_raw = api_token_create(user=org.registrar, name="另一个")
    minute = timezone.now().replace(second=10, microsecond=0)  # a fixed window: one clock minute
    with time_machine.travel(minute, tick=False):
        assert [client.get("/api/v1/units/me", **auth(raw)).status_code for _ in range(2)] == [200, 200]
        refused = client.get("/api/v1/units/me", **auth(raw))
        assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
        assert "频繁" in refused.json()["detail"] and int(refused["Retry-After"]) == 50
        assert client.get("/api/v1/units/me", **auth(other_raw)).status_code == 200  # per token
    with time_machine.travel(minute + datetime.timedelta(seconds=51), tick=False):
        assert client.get("/api/v1/units/me", **auth(raw)).status_code == 200


def test_the_command_creates_rotates_lists_and_revokes(client, org, capsys):
    call_command("api_token", "create", "--user", "registrar", "--scopes", "read", "--days", "30")
    raw = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(prefix=raw[:8])
    assert token.scopes == ["read"] and token.expires_at > timezone.now() + datetime.timedelta(days=29)
    assert client.get("/api/v1/units/me", **auth(raw)).status_code == 200
    call_command("api_token", "rotate", token.prefix, "--grace-minutes", "0")
    new_raw = capsys.readouterr().out.strip()
    assert client.get("/api/v1/units/me", **auth(raw)).status_code == 401
    assert client.get("/api/v1/units/me", **auth(new_raw)).status_code == 200
    call_command("api_token", "list", "--user", "registrar")
    listing = capsys.readouterr().out
    assert new_raw[:8] in listing and "过期" in listing and new_raw not in listing
    call_command("api_token", "revoke", new_raw[:8])
    assert client.get("/api/v1/units/me", **auth(new_raw)).status_code == 401
    actions = set(AuditLog.objects.filter(via="cli").values_list("action", flat=True))
    assert {"api_token_created", "api_token_rotated", "api_token_revoked"} <= actions


def test_it_refuses_unknown_scopes_and_gives_new_tokens_read_and_write_by_default(org):
    with pytest.raises(ValueError):
        api_token_create(user=org.registrar, name="x", scopes=["admin"])
    with pytest.raises(ValueError):
        api_token_create(user=org.registrar, name="x", scopes=[])
    assert api_token_create(user=org.registrar, name="默认")[0].scopes == ["read", "write"]


def test_it_names_the_token_in_the_audit_row_of_a_personal_data_read(client, org):
    token, raw = api_token_create(user=org.registrar, name="OA")
    number = post_json(client, "/api/v1/cases", payload(org.county), auth(raw)).json()["number"]
    assert client.get(f"/api/v1/cases/{number}", **auth(raw)).status_code == 200
    row = AuditLog.objects.filter(action="view_personal_data").latest("pk")
    assert row.via == "api" and row.user == org.registrar and row.detail["api_token"] == token.prefix


def test_the_admin_shows_tokens_read_only_and_revokes_with_an_audit_row(client, org, django_user_model):
    admin_client = client
    admin_client.force_login(django_user_model.objects.create_superuser("sysadmin", password="x"))
    token, raw = api_token_create(user=org.registrar, name="论坛桥接", scopes=["open311"])
    listing = admin_client.get("/admin/integrations/apitoken/")
    assert listing.status_code == 200
    assert token.prefix in listing.content.decode() and "open311" in listing.content.decode()
    assert admin_client.get("/admin/integrations/apitoken/add/").status_code == 403
    admin_client.post(
        "/admin/integrations/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditLog.objects.filter(action="api_token_revoked", object_id=str(token.pk), via="admin").exists()

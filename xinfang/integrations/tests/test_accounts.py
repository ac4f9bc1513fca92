"""Integration accounts (接入系统, issue 7 §2): services, command, the administrators' page, deactivation."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from conftest import PASSWORD
from xinfang.common.models import AuditLog
from xinfang.integrations import accounts as svc
from xinfang.integrations.models import ApiToken, IntegrationAccount
from xinfang.orgs.models import Membership, User

PAGE = "/integrations/accounts/"


def auth(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def make_account(org, **overrides) -> IntegrationAccount:
    fields = {
        "acting_user": org.admin,
        "name": "县政府门户网站",
        "kind": "portal",
        "username": "gov_portal",
        "seat_units": [org.county],
        "roles": ["registrar"],
    } | overrides
    return svc.integration_account_create(**fields)


def test_it_creates_a_service_user_that_cannot_log_in_with_its_seats(client, org):
    account = make_account(org, roles=["registrar", "dispatcher"], restrict_to=[org.town])
    user = account.user
    assert not user.has_usable_password() and user.is_active
    login = client.post("/accounts/login/", {"username": "gov_portal", "password": PASSWORD})
    assert login.status_code == 200 and "_auth_user_id" not in client.session  # the form again, no session
    assert set(Membership.objects.filter(user=user).values_list("unit_id", "role_id")) == {
        (org.county.pk, "registrar"),
        (org.county.pk, "dispatcher"),
    }
    assert list(account.units.all()) == [org.town]
    row = AuditLog.objects.get(action="integration_account_created", object_id=str(account.pk))
    assert row.user == org.admin and row.detail["restricted_to"] == ["东湖镇"]


def test_it_refuses_bad_accounts_and_changes_nothing(org):
    make_account(org)
    users = User.objects.count()
    for bad in (
        {"name": "县政府门户网站", "username": "x1"},  # name taken
        {"name": "新系统", "username": "gov_portal"},  # username taken
        {"name": "新系统", "username": "x2", "roles": ["leader"]},  # not a service role
        {"name": "新系统", "username": "x3", "seat_units": []},
        {"name": "新系统", "username": "x4", "kind": "nope"},
    ):
        with pytest.raises(ValidationError):
            make_account(org, **bad)
    assert User.objects.count() == users and IntegrationAccount.objects.count() == 1


def test_a_deactivated_account_stops_all_its_tokens_at_once_with_a_clear_401(client, org):
    account = make_account(org)
    raws = [
        svc.integration_token_issue(account=account, acting_user=org.admin, name=n, scopes=["read"])[1]
        for n in "ab"
    ]
    assert all(client.get("/api/v1/units/me", **auth(raw)).status_code == 200 for raw in raws)
    assert svc.integration_account_set_active(account=account, acting_user=org.admin, active=False)
    for raw in raws:
        response = client.get("/api/v1/units/me", **auth(raw))
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated" and "县政府门户网站" in response.json()["detail"]
        assert "停用" in response.json()["detail"]
    with pytest.raises(ValidationError):
        svc.integration_token_issue(account=account, acting_user=org.admin, name="c", scopes=["read"])
    assert svc.integration_account_set_active(account=account, acting_user=org.admin, active=True)
    assert client.get("/api/v1/units/me", **auth(raws[0])).status_code == 200
    actions = list(AuditLog.objects.filter(object_id=str(account.pk)).values_list("action", flat=True))
    assert "integration_account_deactivated" in actions and "integration_account_activated" in actions


def test_the_page_is_for_system_administrators_only(client, org):
    for user in (org.registrar, org.leader_only, org.town_handler):
        client.force_login(user)
        assert client.get(PAGE).status_code == 403
        assert client.post(PAGE + "new/", {"name": "x"}).status_code == 403
    client.force_login(org.admin)
    assert client.get(PAGE).status_code == 200
    assert "接入系统" in client.get("/cases/workbench/").content.decode()  # in the menu


def test_a_bureau_admin_manages_only_units_below_their_bureau(client, org):
    bureau_admin = User.objects.create_user(username="county_admin", password=PASSWORD)
    Membership.objects.create(user=bureau_admin, unit=org.county, role_id="admin")
    assert svc.can_manage_integrations(bureau_admin)
    assert org.other not in svc.manageable_units(bureau_admin) and org.town in svc.manageable_units(
        bureau_admin
    )
    with pytest.raises(ValidationError):
        make_account(org, acting_user=bureau_admin, seat_units=[org.other])
    other_account = make_account(org, name="邻县论坛", username="other_forum", seat_units=[org.other])
    client.force_login(bureau_admin)
    assert client.get(f"{PAGE}{other_account.pk}/").status_code == 404
    assert "邻县论坛" not in client.get(PAGE).content.decode()


def test_the_page_creates_issues_rotates_revokes_and_shows_use(client, org):
    client.force_login(org.admin)
    form = {
        "name": "县OA系统",
        "kind": "oa",
        "username": "county_oa",
        "seat_units": [org.county.pk],
        "roles": ["registrar"],
        "contact": "王工 13900001111",
        "note": "",
    }
    bad = client.post(PAGE + "new/", form | {"seat_units": []})
    assert bad.status_code == 400 and not IntegrationAccount.objects.exists()
    created = client.post(PAGE + "new/", form)
    account = IntegrationAccount.objects.get(name="县OA系统")
    assert created.status_code == 302 and created["Location"].endswith(f"{PAGE}{account.pk}/")
    issued = client.post(
        f"{PAGE}{account.pk}/tokens/", {"name": "待办", "scopes": ["cases:read", "todos:read"], "days": 30}
    )
    assert issued.status_code == 200
    token = ApiToken.objects.get(account=account)
    raw = issued.context["raw"]
    assert (
        raw.startswith(token.prefix)
        and raw in issued.content.decode()
        and token.scopes == ["cases:read", "todos:read"]
    )
    assert issued["Cache-Control"] == "no-store"
    assert raw not in client.get(f"{PAGE}{account.pk}/").content.decode()  # shown once
    for _ in range(3):
        assert client.get("/api/v1/cases/workbench", **auth(raw)).status_code == 200
    detail = client.get(f"{PAGE}{account.pk}/")
    row = detail.context["rows"][0]
    assert row["hour"] == 3 and row["day"] == 3 and row["token"].last_used_at is not None
    assert "cases:read, todos:read" in detail.content.decode()
    rotated = client.post(f"{PAGE}{account.pk}/tokens/{token.pk}/rotate/", {"grace_minutes": 0})
    new_raw = rotated.context["raw"]
    assert client.get("/api/v1/units/me", **auth(raw)).status_code == 401
    assert client.get("/api/v1/units/me", **auth(new_raw)).status_code == 200
    new = ApiToken.objects.get(prefix=new_raw[:8])
    assert new.account == account and new.scopes == token.scopes
    client.post(f"{PAGE}{account.pk}/tokens/{new.pk}/revoke/")
    assert client.get("/api/v1/units/me", **auth(new_raw)).status_code == 401
    edited = client.post(
        f"{PAGE}{account.pk}/edit/",
        {"kind": "oa", "contact": "李工", "note": "", "restrict_to": [org.town.pk]},
    )
    assert edited.status_code == 302 and list(account.units.all()) == [org.town]
    client.post(f"{PAGE}{account.pk}/active/0/")
    account.refresh_from_db()
    assert not account.is_active
    actions = set(AuditLog.objects.filter(user=org.admin).values_list("action", flat=True))
    assert {
        "integration_account_created",
        "api_token_created",
        "api_token_rotated",
        "api_token_revoked",
        "integration_account_changed",
        "integration_account_deactivated",
    } <= actions
    change = AuditLog.objects.get(action="integration_account_changed")
    assert change.detail["contact"] == {"old": "王工 13900001111", "new": "李工"}


def test_the_page_refuses_bad_tokens_without_issuing_one(client, org):
    account = make_account(org)
    client.force_login(org.admin)
    for bad in (
        {"scopes": [], "days": 30},
        {"scopes": ["admin"], "days": 30},
        {"scopes": ["read"], "days": -1},
    ):
        assert client.post(f"{PAGE}{account.pk}/tokens/", bad).status_code == 400
    assert not ApiToken.objects.exists()
    assert client.post(f"{PAGE}999999/tokens/", {"scopes": ["read"], "days": 1}).status_code == 404


def test_the_call_counts_cover_the_last_hour_and_day(client, org):
    account = make_account(org)
    token, raw = svc.integration_token_issue(
        account=account, acting_user=org.admin, name="x", scopes=["read"]
    )
    start = timezone.now()
    with time_machine.travel(start - datetime.timedelta(hours=3), tick=False):
        client.get("/api/v1/units/me", **auth(raw))
    with time_machine.travel(start - datetime.timedelta(hours=30), tick=False):
        client.get("/api/v1/units/me", **auth(raw))
    with time_machine.travel(start, tick=False):
        client.get("/api/v1/units/me", **auth(raw))
        rows = svc.account_tokens(account)
    assert (rows[0]["hour"], rows[0]["day"]) == (1, 2)


def test_the_command_creates_issues_lists_and_deactivates(client, org, capsys):
    call_command(
        "integration_account",
        "create",
        "--name",
        "本地论坛",
        "--kind",
        "forum",
        "--username",
        "forum_bridge",
        "--units",
        "示范县信访局",
        "--roles",
        "registrar",
        "--restrict",
        str(org.town.pk),
    )
    account = IntegrationAccount.objects.get(name="本地论坛")
    assert list(account.units.all()) == [org.town]
    capsys.readouterr()
    call_command("integration_account", "token", "本地论坛", "--scopes", "messages:submit", "--days", "0")
    raw = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(prefix=raw[:8])
    assert token.account == account and token.expires_at is None
    call_command("integration_account", "list")
    listing = capsys.readouterr().out
    assert "本地论坛" in listing and token.prefix in listing and raw not in listing and "东湖镇" in listing
    call_command("integration_account", "deactivate", "本地论坛")
    account.refresh_from_db()
    assert not account.is_active
    assert AuditLog.objects.filter(action="integration_account_deactivated", via="cli").exists()
    with pytest.raises(Exception, match="不存在"):
        call_command("integration_account", "token", "没有这个系统")

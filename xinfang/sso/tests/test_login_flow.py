"""The whole Authorization Code flow against the real provider, with Django's test client as xinfang.

The provider's side (its login form, the authorization) goes over real HTTP; the code exchange, the
JWKS and userinfo requests are made by xinfang itself to the provider on the loopback address.
"""

from urllib.parse import parse_qs, urlsplit

import pytest

from xinfang.common.models import AuditLog
from xinfang.orgs.models import Membership, User
from xinfang.sso.models import SsoGrant, SsoIdentity
from xinfang.sso.tests.conftest import CLIENT_ID, oa_sign_in

pytestmark = pytest.mark.django_db


def start(client, next_path="/cases/"):
    response = client.get("/sso/login/", {"next": next_path})
    assert response.status_code == 302
    return response["Location"]


def sso_login(client, username, next_path="/cases/"):
    """Button → provider → callback; the callback's response."""
    callback = oa_sign_in(start(client, next_path), username)
    parts = urlsplit(callback)
    assert parts.netloc == "testserver" and parts.path == "/sso/callback/", callback
    return client.get(f"{parts.path}?{parts.query}")


def seats(user):
    return set(Membership.objects.filter(user=user).values_list("unit__name", "role_id"))


def test_it_sends_the_browser_to_the_provider_with_state_nonce_and_pkce(client, sso_on, mapping):
    location = start(client)
    parts = urlsplit(location)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{sso_on.issuer}/authorize/"
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == "http://testserver/sso/callback/"
    assert query["scope"].split()[0] == "openid"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    assert query["state"] in client.session["oidc_states"]


def test_it_creates_the_user_on_first_login_with_the_mapped_memberships(client, sso_on, mapping):
    response = sso_login(client, "zhang.wei")

    assert response.status_code == 302 and response["Location"] == "/cases/"
    user = User.objects.get(sso_identity__subject__isnull=False, username="zhang.wei")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert (user.full_name, user.email, user.phone) == ("张伟", "zhang.wei@oa.example.gov.cn", "13900001111")
    assert not user.has_usable_password()
    assert seats(user) == {("县公安局", "handler")}
    identity = user.sso_identity
    assert identity.issuer == sso_on.issuer
    assert identity.last_claims == {"departments": ["示范县公安局"], "roles": ["信访承办", "工会会员"]}
    assert SsoGrant.objects.filter(identity=identity).count() == 1
    actions = list(AuditLog.objects.filter(user=user).order_by("pk").values_list("action", flat=True))
    assert actions == ["sso_user_create", "sso_membership_add", "sso_login"]
    # The workbench now opens as 张伟 at 县公安局.
    page = client.get("/cases/")
    assert page.status_code == 200
    assert "县公安局" in page.content.decode()
    assert "改密码" not in page.content.decode()  # no password here: they sign in through the OA system


def test_it_refreshes_memberships_on_the_next_login_and_keeps_hand_made_ones(client, sso_on, mapping):
    from xinfang.orgs.models import Role

    sso_login(client, "zhang.wei")
    user = User.objects.get(username="zhang.wei")
    # The administrator also made him registrar at 县公安局 by hand.
    Membership.objects.create(user=user, unit=mapping.police, role=Role.objects.get(code="registrar"))
    # In the OA system he moves to 东湖镇 as its head, and becomes a 信访局领导.
    sso_on.set_claims(
        "zhang.wei", department="东湖镇人民政府", roles=["单位负责人", "信访局领导"], name="张伟"
    )
    client.logout()

    response = sso_login(client, "zhang.wei")

    assert response.status_code == 302
    assert SsoIdentity.objects.count() == 1  # the same person, found by sub
    assert seats(user) == {
        ("东湖镇", "unit_head"),
        ("示范县信访局", "leader"),
        ("县公安局", "registrar"),  # hand-made: kept
    }
    removed = AuditLog.objects.get(action="sso_membership_remove")
    assert removed.detail["role"] == "handler"
    assert AuditLog.objects.filter(action="sso_membership_add").count() == 3


def test_it_gives_the_departments_default_role_when_no_role_maps(client, sso_on, mapping):
    sso_login(client, "wang.fang")
    user = User.objects.get(full_name="王芳")
    assert user.username.startswith("oa_")  # no preferred_username claim: a name derived from the link
    assert seats(user) == {("东湖镇", "registrar")}


def test_it_never_links_an_existing_account_by_email_or_user_name(client, sso_on, mapping):
    someone = User.objects.create_user(
        username="zhang.wei", email="zhang.wei@oa.example.gov.cn", password="Local@pass2026"
    )

    sso_login(client, "zhang.wei")

    identity = SsoIdentity.objects.get()
    assert identity.user != someone
    assert identity.user.username.startswith("oa_")
    assert not Membership.objects.filter(user=someone).exists()
    assert someone.check_password("Local@pass2026")


def test_it_refuses_an_unmapped_person_with_a_clear_page_and_creates_nobody(client, sso_on, mapping):
    users_before = User.objects.count()

    response = sso_login(client, "li.na")

    assert response.status_code == 403
    text = response.content.decode()
    assert "还没有对应到本系统的单位和角色" in text
    assert "县档案馆" in text and "档案员" in text  # what to tell the administrator
    assert User.objects.count() == users_before
    assert "_auth_user_id" not in client.session
    refused = AuditLog.objects.get(action="sso_login_refused")
    assert refused.detail["reason"] == "unmapped" and refused.detail["departments"] == ["县档案馆"]


def test_it_refuses_a_locally_deactivated_user(client, sso_on, mapping):
    sso_login(client, "zhang.wei")
    client.logout()
    User.objects.filter(username="zhang.wei").update(is_active=False)

    response = sso_login(client, "zhang.wei")

    assert response.status_code == 403
    assert "已停用" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditLog.objects.filter(action="sso_login_refused", detail__reason="inactive").count() == 1


def test_it_refuses_when_the_mapping_no_longer_covers_anyone_and_removes_sso_seats(client, sso_on, mapping):
    sso_login(client, "zhang.wei")
    client.logout()
    sso_on.set_claims("zhang.wei", department="县档案馆", roles=["档案员"])

    response = sso_login(client, "zhang.wei")

    assert response.status_code == 403
    assert seats(User.objects.get(username="zhang.wei")) == set()
    assert AuditLog.objects.filter(action="sso_membership_remove").count() == 1


def test_it_rejects_a_tampered_state(client, sso_on, mapping):
    callback = oa_sign_in(start(client), "zhang.wei")
    query = parse_qs(urlsplit(callback).query)

    response = client.get("/sso/callback/", {"code": query["code"][0], "state": "forged" + query["state"][0]})

    assert response.status_code == 400
    assert "没有通过安全校验" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(username="zhang.wei").exists()


def test_it_does_not_accept_the_same_callback_twice(client, sso_on, mapping):
    callback = oa_sign_in(start(client), "zhang.wei")
    parts = urlsplit(callback)
    assert client.get(f"{parts.path}?{parts.query}").status_code == 302
    client.logout()

    again = client.get(f"{parts.path}?{parts.query}")

    assert again.status_code == 400


def test_it_shows_a_page_when_the_person_cancels_at_the_provider(client, sso_on):
    location = start(client)
    state = parse_qs(urlsplit(location).query)["state"][0]

    response = client.get("/sso/callback/", {"error": "access_denied", "state": state})

    assert response.status_code == 403
    assert "没有同意" in response.content.decode()


def test_it_logs_out_locally_and_at_the_provider(client, sso_on, mapping):
    sso_login(client, "zhang.wei")

    response = client.post("/accounts/logout/")

    assert "_auth_user_id" not in client.session
    parts = urlsplit(response["Location"])
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{sso_on.issuer}/logout/"
    query = parse_qs(parts.query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
    assert query["id_token_hint"][0].count(".") == 2
    assert AuditLog.objects.filter(action="sso_logout").count() == 1


def test_it_logs_out_only_locally_after_a_password_login(client, sso_on, org):
    client.force_login(org.registrar)
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"


def test_refused_sso_logins_do_not_lock_out_the_address(client, sso_on, mapping, settings):
    """Refusals are the mapping's verdict on an OA-authenticated person, not password guesses."""
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        assert sso_login(client, "li.na").status_code == 403
    assert sso_login(client, "zhang.wei").status_code == 302
    assert client.get("/cases/").status_code == 200

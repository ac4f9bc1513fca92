"""The login page's button, SSO switched off, an unreachable provider, the settings check, the admin."""

import os
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest

from xinfang.common.models import AuditLog
from xinfang.messaging.tests.smsc import free_port
from xinfang.sso.tests.conftest import ROOT, oa_sign_in

pytestmark = pytest.mark.django_db

BUTTON = "使用办公系统账号登录"


def test_it_shows_no_button_and_answers_404_when_sso_is_off(client, settings):
    settings.OIDC_RP_CLIENT_ID = ""
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert BUTTON not in page.content.decode()
    assert client.get("/sso/login/").status_code == 404
    assert client.get("/sso/callback/", {"code": "a", "state": "b"}).status_code == 404


def test_it_shows_the_big_button_above_the_password_form(client, sso_on):
    text = client.get("/accounts/login/", {"next": "/cases/?view=mine"}).content.decode()
    assert BUTTON in text
    assert text.index(BUTTON) < text.index('name="password"')
    assert 'href="/sso/login/?next=/cases/%3Fview%3Dmine"' in text


def test_it_does_not_follow_a_next_url_to_another_site(client, sso_on, mapping):
    location = client.get("/sso/login/", {"next": "https://evil.example/"})["Location"]
    callback = urlsplit(oa_sign_in(location, "zhang.wei"))
    response = client.get(f"{callback.path}?{callback.query}")
    assert response.status_code == 302 and response["Location"] == "/"


def test_it_rejects_a_nonce_that_is_not_the_one_sent(client, sso_on, mapping):
    location = client.get("/sso/login/")["Location"]
    state = parse_qs(urlsplit(location).query)["state"][0]
    session = client.session
    session["oidc_states"][state]["nonce"] = "not-the-nonce-the-provider-signed"
    session.save()
    callback = urlsplit(oa_sign_in(location, "zhang.wei"))

    response = client.get(f"{callback.path}?{callback.query}")

    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
    refused = AuditLog.objects.get(action="sso_login_refused")
    assert refused.detail["reason"] == "invalid" and "Nonce" in refused.detail["error"]


def test_it_says_the_oa_system_is_unreachable(client, settings):
    settings.OIDC_RP_CLIENT_ID = "xinfang"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.OIDC_OP_ISSUER = f"http://127.0.0.1:{free_port()}/o"
    settings.OIDC_TIMEOUT = 2

    response = client.get("/sso/login/")

    assert response.status_code == 503
    assert "暂时连不上办公系统" in response.content.decode()


def test_it_refuses_a_discovery_document_for_another_issuer(client, sso_on, settings):
    settings.OIDC_OP_ISSUER = sso_on.issuer + "/"  # the document names the issuer without the slash
    assert client.get("/sso/login/").status_code == 503


def test_explicit_endpoints_need_no_discovery(client, sso_on, settings, mapping):
    settings.OIDC_OP_ISSUER = ""
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{sso_on.issuer}/authorize/"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{sso_on.issuer}/token/"
    settings.OIDC_OP_USER_ENDPOINT = f"{sso_on.issuer}/userinfo/"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{sso_on.issuer}/.well-known/jwks.json"
    callback = urlsplit(oa_sign_in(client.get("/sso/login/")["Location"], "zhang.wei"))
    assert client.get(f"{callback.path}?{callback.query}").status_code == 302
    from xinfang.sso.models import SsoIdentity

    assert SsoIdentity.objects.get().issuer == sso_on.issuer  # taken from the token's iss


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OIDC_RP_CLIENT_ID": "x"}, "OIDC_RP_CLIENT_SECRET"),
        ({"OIDC_RP_CLIENT_ID": "x", "OIDC_RP_CLIENT_SECRET": "y"}, "OIDC_OP_ISSUER"),
        ({"OIDC_RP_SIGN_ALGO": "HS256"}, "must be one of"),
    ],
)
def test_settings_refuse_an_incomplete_configuration(env, message):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OIDC_")}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "XINFANG_ALLOW_INSECURE_KEY": "true",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_the_admin_keeps_the_mapping_in_chinese(client, org):
    client.force_login(org.admin)
    for url in (
        "/admin/sso/departmentmapping/add/",
        "/admin/sso/rolemapping/add/",
        "/admin/sso/ssoidentity/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    text = client.get("/admin/sso/departmentmapping/add/").content.decode()
    assert "办公系统部门" in text and "对应单位" in text and "默认角色" in text
    response = client.post(
        "/admin/sso/departmentmapping/add/",
        {"claim_value": "县档案馆", "unit": org.county.pk, "default_role": "registrar", "is_active": "on"},
    )
    assert response.status_code == 302
    assert AuditLog.objects.filter(action="admin_add", object_type="sso.departmentmapping").count() == 1
    assert client.get("/admin/sso/ssoidentity/add/").status_code == 403  # links are made by logins only


def test_sso_check_reports_a_usable_provider(sso_on, mapping):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("sso_check", stdout=out)
    text = out.getvalue()
    assert f"{sso_on.issuer}/token/" in text
    assert "1 × RS256" in text and "2 department(s), 3 role(s)" in text
    assert "looks usable" in text


def test_sso_check_says_when_sso_is_off(settings):
    from django.core.management import CommandError, call_command

    settings.OIDC_RP_CLIENT_ID = ""
    with pytest.raises(CommandError, match="SSO is off"):
        call_command("sso_check")


def test_the_system_check_warns_about_plain_http(settings):
    from xinfang.sso.apps import check_sso_settings

    settings.OIDC_RP_CLIENT_ID = "x"
    settings.OIDC_OP_ISSUER = "http://oa.example.gov.cn/o"
    assert [w.id for w in check_sso_settings()] == ["sso.W001"]
    settings.OIDC_OP_ISSUER = "https://oa.example.gov.cn/o"
    assert check_sso_settings() == []


def test_the_provider_is_only_the_test_projects(settings):
    assert "oauth2_provider" not in settings.INSTALLED_APPS
    assert "xinfang.sso" in settings.INSTALLED_APPS


def test_a_wrong_client_secret_is_a_refused_login_not_an_outage(client, sso_on, mapping, settings):
    settings.OIDC_RP_CLIENT_SECRET = "not-the-secret"
    callback = urlsplit(oa_sign_in(client.get("/sso/login/")["Location"], "zhang.wei"))

    response = client.get(f"{callback.path}?{callback.query}")

    assert response.status_code == 400
    row = AuditLog.objects.get(action="sso_login_refused")
    assert "invalid_client" in row.detail["error"]


def test_the_mapping_page_previews_and_lists_what_was_refused(client, sso_on, mapping):
    callback = urlsplit(oa_sign_in(client.get("/sso/login/")["Location"], "li.na"))
    assert client.get(f"{callback.path}?{callback.query}").status_code == 403
    client.force_login(mapping.admin)

    page = client.get(
        "/sso/mapping/", {"departments": "示范县公安局、县档案馆", "roles": "信访承办\n信访局领导"}
    )

    assert page.status_code == 200
    text = page.content.decode()
    assert "<strong>示范县信访局</strong> · 领导" in text and "<strong>县公安局</strong> · 承办员" in text
    assert 'href="/admin/sso/departmentmapping/add/?claim_value=%E5%8E%BF%E6%A1%A3%E6%A1%88%E9%A6%86"' in text
    assert "档案员" in text
    # Once 县档案馆 is mapped, li.na's refusal no longer shows as something to do.
    from xinfang.sso.models import DepartmentMapping

    DepartmentMapping.objects.create(claim_value="县档案馆", unit=mapping.county, default_role_id="registrar")
    assert "档案员" not in client.get("/sso/mapping/").content.decode()
    assert client.get("/admin/sso/departmentmapping/add/?claim_value=县档案馆").status_code == 200
    assert "试算与未对应的登录" in client.get("/admin/sso/departmentmapping/").content.decode()


def test_the_mapping_page_is_for_administrators_only(client, org):
    assert client.get("/sso/mapping/").status_code == 302  # to the login page
    client.force_login(org.registrar)
    assert client.get("/sso/mapping/").status_code == 404
    client.force_login(org.admin)
    assert "单点登录尚未开启" in client.get("/sso/mapping/").content.decode()


def test_the_mapping_preview_says_when_nothing_maps(client, mapping):
    client.force_login(mapping.admin)
    text = client.get("/sso/mapping/", {"departments": "无名部门"}).content.decode()
    assert "对应不到任何单位和角色" in text

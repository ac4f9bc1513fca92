"""A person from another office signs in with their OA account, over real HTTP end to end.

xinfang runs as pytest-django's live server, the OA provider as its own process; one requests
session plays the browser, carrying both sites' cookies, from the login page's button to the
workbench and back out through the provider's logout.
"""

import re
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from xinfang.common.models import AuditLog
from xinfang.orgs.models import Membership, User
from xinfang.sso.tests.conftest import oa_sign_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BUTTON = re.compile(
    r'<a role="button" class="[^"]*xf-sso-button[^"]*" href="([^"]+)">使用办公系统账号登录</a>'
)


def click_the_button(browser, live_server, next_path="/cases/"):
    page = browser.get(f"{live_server.url}/accounts/login/?next={next_path}", timeout=15)
    assert page.status_code == 200
    href = BUTTON.search(page.text).group(1).replace("&amp;", "&")
    response = browser.get(urljoin(live_server.url, href), allow_redirects=False, timeout=15)
    assert response.status_code == 302
    return response.headers["Location"]


def test_an_oa_user_signs_in_works_and_signs_out(live_server, sso_on, mapping):
    browser = requests.Session()
    authorize = click_the_button(browser, live_server)
    assert authorize.startswith(f"{sso_on.issuer}/authorize/?")

    callback = oa_sign_in(authorize, "zhang.wei", session=browser)  # the OA login form, then auto-approval
    assert callback.startswith(f"{live_server.url}/sso/callback/?code=")
    landed = browser.get(callback, timeout=30)

    assert landed.status_code == 200
    assert urlsplit(landed.url).path == "/cases/"
    assert "工作台" in landed.text and "县公安局" in landed.text and "张伟" in landed.text
    user = User.objects.get(username="zhang.wei")
    assert set(Membership.objects.filter(user=user).values_list("unit__name", "role_id")) == {
        ("县公安局", "handler")
    }
    assert AuditLog.objects.filter(user=user, action="sso_login").exists()

    # 退出: xinfang's session ends, then the provider's (RP-initiated logout), back to our login page.
    out = browser.post(
        f"{live_server.url}/accounts/logout/",
        data={"csrfmiddlewaretoken": next(c.value for c in browser.cookies if c.name == "csrftoken")},
        timeout=15,
    )
    assert out.status_code == 200 and urlsplit(out.url).path == "/accounts/login/"
    assert urlsplit(out.history[0].headers["Location"]).path == "/o/logout/"
    assert browser.get(f"{live_server.url}/cases/", allow_redirects=False, timeout=15).status_code == 302
    # The OA session is gone as well: signing in again shows the OA login form.
    again = browser.get(click_the_button(browser, live_server), timeout=15)
    assert "id_password" in again.text


def test_an_unmapped_oa_user_gets_a_clear_refusal(live_server, sso_on, mapping):
    browser = requests.Session()
    callback = oa_sign_in(click_the_button(browser, live_server), "li.na", session=browser)

    refused = browser.get(callback, timeout=30)

    assert refused.status_code == 403
    assert "您的办公系统账号还不能登录本系统" in refused.text and "县档案馆" in refused.text
    assert not User.objects.filter(full_name="李娜").exists()

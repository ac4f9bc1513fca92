"""In Chromium: the OA button on the login page, the OA system's login form, the workbench, 退出."""

import re

import pytest
from playwright.sync_api import expect

from xinfang.common.tests.browser.support import assert_accessible, log_in, no_horizontal_scroll, screenshot
from xinfang.orgs.models import Membership, User
from xinfang.sso.tests.conftest import OA_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_oa_user_signs_in_through_the_button(page, live_server, sso_on, mapping):
    page.goto("/cases/")
    assert "/accounts/login/" in page.url
    button = page.get_by_role("button", name="使用办公系统账号登录")
    expect(button).to_be_visible()
    screenshot(page, "sso-login-page.png")
    button.click()

    # The OA system's own login page (the test provider), on another origin.
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/accounts/login/"))
    page.get_by_label("账号").fill("zhang.wei")
    page.get_by_label("密码").fill(OA_PASSWORD)
    page.get_by_role("button", name="登录办公系统").click()

    page.wait_for_url(re.compile(re.escape(live_server.url) + r"/cases/$"))
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    expect(page.locator("header")).to_contain_text("县公安局")
    user = User.objects.get(username="zhang.wei")
    assert Membership.objects.filter(user=user, unit=mapping.police, role_id="handler").exists()

    page.get_by_role("button", name="退出").click()
    page.wait_for_url(re.compile(re.escape(live_server.url) + r"/accounts/login/$"))
    expect(page.get_by_role("button", name="使用办公系统账号登录")).to_be_visible()


def test_the_refusal_page_tells_what_to_ask_for(page, page_problems, live_server, sso_on, mapping):
    page.goto("/accounts/login/")
    page.get_by_role("button", name="使用办公系统账号登录").click()
    page.get_by_label("账号").fill("li.na")
    page.get_by_label("密码").fill(OA_PASSWORD)
    with page.expect_response(re.compile(r"/sso/callback/")) as answer:
        page.get_by_role("button", name="登录办公系统").click()
    assert answer.value.status == 403
    expect(page.get_by_role("heading", name="您的办公系统账号还不能登录本系统")).to_be_visible()
    expect(page.get_by_text("县档案馆")).to_be_visible()
    assert_accessible(page, "the SSO refusal page")
    page.get_by_role("button", name="返回登录页").click()
    page.wait_for_url(re.compile(r"/accounts/login/$"))
    # The 403 is this page's answer on purpose; anything else the browser saw still fails the test.
    page_problems.items = [item for item in page_problems.items if "/sso/callback/" not in item]


def test_the_login_page_with_the_button_works_on_a_phone(phone_page, sso_on):
    phone_page.goto("/accounts/login/")
    button = phone_page.get_by_role("button", name="使用办公系统账号登录")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300  # a large, easy target
    assert no_horizontal_scroll(phone_page)["scroll"] <= no_horizontal_scroll(phone_page)["client"]
    assert_accessible(phone_page, "the login page with the OA button")
    screenshot(phone_page, "sso-login-phone.png")


def test_the_administrator_tries_the_mapping_out(page, live_server, mapping):
    log_in(page, mapping.admin, next_path="/sso/mapping/")
    page.get_by_label("办公系统部门").fill("示范县公安局")
    page.get_by_label("办公系统角色").fill("信访承办、信访局领导")
    page.get_by_role("button", name="试算").click()
    expect(page.get_by_text("此人登录后将担任")).to_be_visible()
    expect(page.locator("main li").filter(has_text="县公安局")).to_contain_text("承办员")
    assert_accessible(page, "the SSO mapping page")
    screenshot(page, "sso-mapping.png")

"""axe-core on the main pages: no serious or critical accessibility violations.

axe-core 4 is vendored in xinfang/common/tests/vendor (MPL-2.0) and injected into each page; all
rules of its default set run (WCAG 2.0/2.1 A and AA plus best practices). Each test visits several
pages and reports every violation it found before failing.
"""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import make_png_bytes, valid_resident_id
from xinfang.common.tests.browser.support import (
    assert_styled,
    axe_violations,
    fill_registration,
    format_violations,
    log_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


class AxeReport:
    def __init__(self, page):
        self.page = page
        self.failures: list[str] = []
        self.pages: list[str] = []

    def check(self, where: str) -> None:
        assert_styled(self.page)  # contrast is only meaningful with the real CSS
        self.pages.append(where)
        violations = axe_violations(self.page)
        if violations:
            self.failures.append(format_violations(f"{where} ({self.page.url})", violations))

    def assert_clean(self) -> None:
        assert self.pages
        assert not self.failures, "\n\n".join(self.failures)


@pytest.fixture
def cases(org, register):
    """An overdue urgent case, a fresh one with a scanned letter, and an ordinary one."""
    today = timezone.localdate()
    overdue = register(
        title="反映村道损毁长期未修问题", received_on=today - datetime.timedelta(days=60), is_urgent=True
    )
    scan = SimpleUploadedFile("来信扫描件.png", make_png_bytes(), content_type="image/png")
    fresh = register(title="反映拖欠农民工工资问题", attachments=[scan])
    ordinary = register(title="建议增设公交站点")
    return overdue, fresh, ordinary


def test_login_page(page):
    axe = AxeReport(page)
    page.goto("/accounts/login/")
    axe.check("the login page")
    page.get_by_label("用户名").fill("nobody-here")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("alert").wait_for()
    axe.check("the login page with an error")
    axe.assert_clean()


def test_workbench_case_receipt_and_lookup(page, org, cases):
    overdue, fresh, _ordinary = cases
    axe = AxeReport(page)
    log_in(page, org.registrar)
    assert page.locator(".xf-due.overdue").count() >= 1  # the red text is there to be checked
    axe.check("the workbench (overdue group)")

    page.goto("/cases/?group=later")
    axe.check("the workbench (later group)")

    page.goto(f"/cases/{fresh.number}/")
    assert page.get_by_role("link", name="来信扫描件.png").is_visible()
    axe.check("a case page with an attachment")

    page.goto(f"/cases/{overdue.number}/")
    axe.check("an overdue urgent case page")

    page.goto(f"/cases/{fresh.number}/receipt/")
    axe.check("the receipt (受理凭证)")

    page.goto("/cases/lookup/?q=张三")
    assert page.get_by_role("link", name=fresh.number).is_visible()
    axe.check("look-up results")

    page.goto("/cases/lookup/?q=不存在的人")
    axe.check("look-up without results")
    axe.assert_clean()


def test_registration_form(page, org, cases):
    axe = AxeReport(page)
    log_in(page, org.registrar, next_path="/intake/register/")
    axe.check("the empty registration form")

    # A second petitioner and the earlier-cases hint (htmx) for someone who wrote before.
    page.get_by_role("button", name=re.compile("再加一位信访人")).click()
    fill_registration(page, title="再次反映拖欠工资问题", id_number=valid_resident_id())
    page.get_by_label("证件号码").first.dispatch_event("change")
    page.locator("#earlier-cases article").wait_for()
    axe.check("the registration form with the earlier-cases hint and two petitioners")

    # Errors found by the server.
    bad = valid_resident_id()[:17] + ("0" if valid_resident_id()[17] != "0" else "1")
    page.get_by_label("证件号码").first.fill(bad)
    page.get_by_label("联系电话").first.fill("12")
    page.get_by_label("信访日期").fill(timezone.localdate().isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="保存登记").click()
    page.get_by_text(re.compile("身份证号码校验位不正确")).wait_for()
    axe.check("the registration form with errors")
    axe.assert_clean()


def test_phone_sized_pages(phone_page, org, cases):
    overdue, _fresh, _ordinary = cases
    axe = AxeReport(phone_page)
    log_in(phone_page, org.registrar)
    axe.check("the workbench on a phone")
    phone_page.goto("/intake/register/")
    axe.check("the registration form on a phone")
    phone_page.goto(f"/cases/{overdue.number}/")
    axe.check("a case page on a phone")
    axe.assert_clean()

"""Browser journeys: a registrar logs in, registers a letter with a scan and finds it on the workbench."""

import datetime
import re

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD, valid_resident_id
from xinfang.cases.models import Case
from xinfang.cases.selectors import workbench_counts
from xinfang.common.tests.browser.support import (
    PNG_MAGIC,
    RECEIPT_URL,
    assert_styled,
    fill_registration,
    log_in,
    no_horizontal_scroll,
    png_file,
    save_registration,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def expected_group(case) -> str:
    bench = workbench_counts(unit=case.owner_unit, due_soon_days=settings.DUE_SOON_WORKING_DAYS)
    if case.due_on is None:
        return "none"
    if case.due_on < bench.today:
        return "overdue"
    return "due_soon" if case.due_on <= bench.soon_until else "later"


def test_registrar_registers_a_letter_with_a_scan_and_sees_it_on_the_workbench(page, org, tmp_path):
    # Not logged in: the workbench sends us to the login page and back.
    page.goto("/cases/")
    assert "/accounts/login/" in page.url
    page.get_by_label("用户名").fill(org.registrar.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/cases/$"))
    assert_styled(page)
    assert page.get_by_role("heading", name="工作台").is_visible()
    assert "示范县信访局" in page.locator("header").inner_text()

    page.get_by_role("button", name=re.compile("登记新信访件")).click()
    page.wait_for_url(re.compile(r"/intake/register/$"))
    title = "反映征地补偿款未发放问题"
    received_on = timezone.localdate() - datetime.timedelta(days=1)  # the letter came yesterday
    fill_registration(page, title=title, attachment=png_file(tmp_path), received_on=received_on)
    save_registration(page)

    # The receipt (受理凭证) shows the number and the 查询码 the petitioner needs.
    number = page.get_by_test_id("case-number").inner_text().strip()
    query_code = page.get_by_test_id("query-code").inner_text().strip()
    assert re.fullmatch(r"\d{19}", number), number
    assert re.fullmatch(r"\d{10}", query_code), query_code
    assert page.get_by_role("status").filter(has_text=number).is_visible()  # the success message
    case = Case.objects.get(title=title)  # exactly one
    assert (case.number, case.query_code) == (number, query_code)
    assert case.channel.code == "letter"
    assert case.purpose.code == "claim"
    assert case.registering_unit == org.county
    assert case.registered_by == org.registrar
    assert case.received_on == received_on
    assert case.attachments.count() == 1
    petitioner = case.petitioners.get()
    assert (petitioner.name, petitioner.id_number, petitioner.phone) == (
        "李四",
        valid_resident_id(),
        "13912345678",
    )

    # Back on the workbench the case is counted and listed in the group of its deadline.
    page.get_by_role("button", name="回工作台").click()
    page.wait_for_url(re.compile(r"/cases/$"))
    assert "共 1 件" in page.locator("main").inner_text()
    group = expected_group(case)
    group_link = page.locator(f"a.xf-group[data-group='{group}']")
    assert group_link.locator("strong").inner_text().strip() == "1"
    group_link.click()
    page.wait_for_url(re.compile(rf"/cases/\?group={group}$"))
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=number))
    assert row.count() == 1
    assert title in row.inner_text()
    assert "来信" in row.inner_text()

    # The case page offers the scan, and it downloads as the PNG that was uploaded.
    row.get_by_role("link", name=number).click()
    page.wait_for_url(re.compile(rf"/cases/{number}/$"))
    assert page.get_by_role("heading", name=title).is_visible()
    link = page.get_by_role("link", name="scan.png")
    assert link.is_visible()
    response = page.request.get(link.get_attribute("href"))
    assert response.ok
    assert response.headers["content-type"] == "image/png"
    assert response.body().startswith(PNG_MAGIC)
    assert response.body() == png_file(tmp_path, "expected.png").read_bytes()


def test_a_double_click_on_save_registers_one_case(page, org, tmp_path):
    log_in(page, org.registrar, next_path="/intake/register/")
    title = "双击保存只登记一件"
    fill_registration(page, title=title, attachment=png_file(tmp_path), received_on=timezone.localdate())
    save_registration(page, double_click=True)
    number = page.get_by_test_id("case-number").inner_text().strip()
    assert list(Case.objects.filter(title=title).values_list("number", flat=True)) == [number]


def test_two_simultaneous_posts_of_the_same_form_register_one_case(page, org, tmp_path):
    """Even when the browser's own guard is bypassed, the submission key makes the server answer once."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "the in-memory SQLite test database gives every live-server thread the same connection, "
            "so two simultaneous requests share one transaction; run this on PostgreSQL"
        )
    log_in(page, org.registrar, next_path="/intake/register/")
    title = "同时提交两次只登记一件"
    fill_registration(page, title=title, attachment=png_file(tmp_path), received_on=timezone.localdate())
    answers = page.evaluate(
        """async () => {
            const form = document.getElementById('register-form');
            const post = () => fetch(form.action, {method: 'POST', body: new FormData(form)});
            const answers = await Promise.all([post(), post()]);
            return answers.map(r => ({status: r.status, url: r.url}));
        }"""
    )
    assert [a["status"] for a in answers] == [200, 200], answers
    assert answers[0]["url"] == answers[1]["url"], answers
    assert RECEIPT_URL.search(answers[0]["url"]), answers
    case = Case.objects.get(title=title)
    assert answers[0]["url"].endswith(f"/cases/{case.number}/receipt/")
    assert case.attachments.count() == 1


def test_a_wrong_check_digit_is_explained_in_chinese_and_nothing_is_registered(page, org):
    log_in(page, org.registrar, next_path="/intake/register/")
    good = valid_resident_id()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    fill_registration(page, title="校验位错误的登记", id_number=bad, received_on=timezone.localdate())
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="保存登记").click()

    assert navigation.value.status == 400
    assert page.url.endswith("/intake/register/")
    assert page.get_by_role("alert").filter(has_text="有几处需要修改").is_visible()
    error = page.get_by_text(re.compile("身份证号码校验位不正确"))
    assert error.is_visible()
    # The form keeps what was typed, so only the wrong digit has to be corrected.
    assert page.get_by_label("证件号码").input_value() == bad
    assert page.get_by_label("标题").input_value() == "校验位错误的登记"
    assert not Case.objects.exists()

    # Correcting the digit and saving again works (the submit button is usable again).
    page.get_by_label("证件号码").fill(good)
    save_registration(page)
    assert Case.objects.filter(title="校验位错误的登记").count() == 1


def test_an_error_is_announced_with_its_field(page, org):
    """A screen reader reads the message when the wrong field gets focus (aria-describedby → the error)."""
    log_in(page, org.registrar, next_path="/intake/register/")
    good = valid_resident_id()
    fill_registration(page, title="错误提示", id_number=good[:17] + ("0" if good[17] != "0" else "1"))
    page.get_by_label("信访日期").fill(timezone.localdate().isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="保存登记").click()
    field = page.get_by_label("证件号码")
    assert field.get_attribute("aria-invalid") == "true"
    expect(field).to_have_accessible_description(re.compile("身份证号码校验位不正确"), timeout=1000)


def test_the_date_of_receipt_starts_as_today(page, org):
    """<input type=date> only accepts yyyy-mm-dd; a localised 2026/11/25 shows as an empty field."""
    log_in(page, org.registrar, next_path="/intake/register/")
    assert page.get_by_label("信访日期").input_value() == timezone.localdate().isoformat()


@pytest.mark.parametrize("path", ["/cases/", "/intake/register/"])
def test_pages_fit_a_phone_screen(phone_page, org, register, path):
    for n in range(3):
        register(title=f"手机上查看的信访件{n}", is_urgent=n == 0)
    log_in(phone_page, org.registrar, next_path=path)
    assert_styled(phone_page)

    width = no_horizontal_scroll(phone_page)
    assert width["scroll"] <= width["client"] + 1, f"horizontal scrolling on a phone at {path}: {width}"
    button = phone_page.locator(".xf-primary-action")
    button.scroll_into_view_if_needed()
    assert button.is_visible()
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width["client"] + 1, box
    assert box["height"] >= 24, f"primary button too small to tap: {box}"

    screenshot(phone_page, "phone-workbench.png" if path == "/cases/" else "phone-register.png")


def test_case_pages_fit_a_phone_screen(phone_page, org, register):
    case = register(title="反映某小区物业乱收费问题")
    log_in(phone_page, org.registrar)
    for path in (f"/cases/{case.number}/", f"/cases/{case.number}/receipt/", "/cases/lookup/?q=张三"):
        phone_page.goto(path)
        width = no_horizontal_scroll(phone_page)
        assert width["scroll"] <= width["client"] + 1, f"horizontal scrolling on a phone at {path}: {width}"


def test_the_workbench_is_readable_on_a_phone(phone_page, org, register):
    """No one-character-a-line text: whole words in the menu, titles and the search box wide enough."""
    for n in range(3):
        register(title=f"反映某小区物业乱收费问题{n}")
    log_in(phone_page, org.registrar)
    layout = phone_page.evaluate(
        """() => {
            const lines = el => { const r = document.createRange(); r.selectNodeContents(el);
                                  return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; };
            const em = parseFloat(getComputedStyle(document.body).fontSize);
            return {
                menu: [...document.querySelectorAll('nav.xf-top a, nav.xf-top button')]
                    .filter(a => lines(a) > 1).map(a => a.textContent.trim()),
                titles: [...document.querySelectorAll('table.xf-list tbody td:nth-child(2)')]
                    .map(td => td.getBoundingClientRect().width / em),
                search: document.getElementById('q').getBoundingClientRect().width / em,
            };
        }"""
    )
    assert layout["menu"] == [], f"menu entries broken over several lines on a phone: {layout['menu']}"
    assert min(layout["titles"]) >= 6, f"case titles squeezed to under 6 characters a line: {layout}"
    assert layout["search"] >= 8, f"the search box is too narrow to type in: {layout}"

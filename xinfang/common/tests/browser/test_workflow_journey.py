"""The workflow in the browser (issue 3 "Done means"): one case from registration to the served 复查意见.

Each person works in their own browser context (their own cookies), logged in through the real login
form, and drives the case page only by what they see: the "下一步" buttons, the step form htmx loads
in place, its labels, and the confirm button. After the key steps the test checks what the user sees
(the status, "已完成：…", the 文书 list); at the end a .docx is downloaded and read with python-docx.
axe-core runs on the case page with an open step form (desktop) and on a step form at phone size.
"""

import datetime
import re

import docx
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from xinfang.cases.choices import CaseStatus as S
from xinfang.cases.models import Case
from xinfang.common.tests.browser.support import (
    DESKTOP,
    PHONE,
    TIMEOUT_MS,
    assert_styled,
    axe_violations,
    fill_registration,
    format_violations,
    log_in,
    no_horizontal_scroll,
    save_registration,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


class Desks:
    """One browser context per person, opened on first use and kept for their later turns."""

    def __init__(self, browser, live_server, page_problems):
        self.browser, self.live_server, self.problems = browser, live_server, page_problems
        self.pages: dict[str, object] = {}
        self.contexts: list = []
        self.axe_failures: list[str] = []
        self.axe_pages: list[str] = []
        self.downloads: list[str] = []

    def of(self, user, *, path: str, phone: bool = False):
        """The person's page, showing `path` (logging in on the first visit)."""
        page = self.pages.get(user.username)
        if page is None:
            extra = {"device_scale_factor": 2, "is_mobile": True, "has_touch": True} if phone else {}
            context = self.browser.new_context(
                base_url=self.live_server.url,
                viewport=PHONE if phone else DESKTOP,
                locale="zh-CN",
                timezone_id="Asia/Shanghai",
                **extra,
            )
            context.set_default_timeout(TIMEOUT_MS)
            self.contexts.append(context)
            page = context.new_page()
            self.problems.attach(page)
            self.pages[user.username] = page
            log_in(page, user, next_path=path)
            expect(page.locator("header")).to_contain_text(user.username)
        else:
            page.goto(path)
        return page

    def axe(self, page, where: str) -> None:
        assert_styled(page)  # contrast is only meaningful with the real CSS
        self.axe_pages.append(where)
        violations = axe_violations(page)
        if violations:
            self.axe_failures.append(format_violations(f"{where} ({page.url})", violations))

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def desks(browser, live_server, page_problems):
    d = Desks(browser, live_server, page_problems)
    yield d
    d.close()
    # Chromium ends the navigation to a file it downloads with ERR_ABORTED: that is how downloads look.
    page_problems.items = [
        item
        for item in page_problems.items
        if not any(item == f"request failed: {url} (net::ERR_ABORTED)" for url in d.downloads)
    ]
    page_problems.check()


def next_steps(page):
    return page.get_by_role("region", name="下一步")


def open_step(page, label: str):
    """Press the step's button (unfolding "其他办理方式" when it is there) and wait for its form."""
    section = next_steps(page)
    button = section.get_by_role("button", name=label, exact=True)
    if not button.is_visible():
        section.get_by_text("其他办理方式").click()
    expect(button).to_be_visible()
    button.click()
    panel = page.locator("#action-panel")
    expect(panel.get_by_role("heading", name=label, exact=True)).to_be_visible()
    expect(panel.get_by_role("button", name=f"确认{label}")).to_be_visible()
    return panel


def group(panel, question: str):
    """A set of radio buttons or checkboxes, found by its question (the fieldset's legend)."""
    return panel.get_by_role("group", name=re.compile(f"^{question}"))


def choose(panel, question: str, answer: str) -> None:
    group(panel, question).get_by_label(answer, exact=True).check()


def confirm_step(page, panel, label: str) -> None:
    """Press 确认<step>; the server's HX-Location swaps the case page in, which says what was done."""
    invalid = panel.evaluate(
        "p => [...p.querySelectorAll(':invalid')].filter(e => e.name).map(e => `${e.name}: ${e.validationMessage}`)"
    )
    assert not invalid, f"the browser refuses to submit {label}: {invalid}"
    with page.expect_response(lambda r: r.request.method == "POST" and "/do/" in r.url) as answer:
        panel.get_by_role("button", name=f"确认{label}").click()
    response = answer.value
    if "hx-location" not in response.headers:
        expect(page.locator("#action-panel [role=alert]")).to_be_visible()
        errors = page.locator("#action-panel [role=alert], #action-panel .errorlist").all_inner_texts()
        raise AssertionError(f"{label} was not done (HTTP {response.status}): {errors}")
    done = page.get_by_role("status").filter(has_text=f"已完成：{label}")
    expect(done).to_be_visible()


def expect_status(page, status_label: str) -> None:
    expect(page.locator("main .xf-tag").filter(has_text=re.compile(f"^{status_label}$"))).to_have_count(1)


def expect_papers(page, *kinds: str) -> None:
    """Each kind of paper is listed (every row says "<kind> · <issuing unit>" under its title)."""
    papers = page.get_by_role("region", name="文书")
    for kind in kinds:
        expect(papers.get_by_role("row").filter(has_text=re.compile(f"{kind} · ")).first).to_be_visible()


def docx_text(path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs] + [p.text for p in section.footer.paragraphs]
    return "\n".join(parts)


def test_a_case_from_registration_to_the_served_recheck_opinion(desks, org):
    today = timezone.localdate()
    title = "反映征地补偿款未发放问题"

    # 1. The county registrar registers the letter through the registration page.
    page = desks.of(org.registrar, path="/intake/register/")
    fill_registration(page, title=title, received_on=today)
    save_registration(page)
    number = page.get_by_test_id("case-number").inner_text().strip()
    assert re.fullmatch(r"\d{19}", number), number
    case_path = f"/cases/{number}/"
    page.get_by_role("button", name="查看信访件").click()
    page.wait_for_url(re.compile(re.escape(case_path) + "$"))
    expect_status(page, "已登记待交转")
    expect(next_steps(page)).to_have_count(0)  # a registrar does not dispose of cases

    # 2. The county dispatcher finds it on the workbench and 交办 it to the township.
    page = desks.of(org.dispatcher, path="/cases/")
    page.get_by_role("link", name=number).click()
    page.wait_for_url(re.compile(re.escape(case_path) + "$"))
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    panel = open_step(page, "交办")
    panel.get_by_label("承办单位").select_option(label="东湖镇")
    choose(panel, "抄送单位", "县公安局")
    panel.get_by_label("交转意见").fill("请依法核实处理，按期报送办结报告。")
    # A deadline of today is refused in Chinese, in place (htmx swaps the 400 answer in).
    panel.get_by_label(re.compile("^办理期限")).fill(today.isoformat())
    panel.get_by_role("button", name="确认交办").click()
    expect(panel.get_by_role("alert")).to_be_visible()
    expect(panel).to_contain_text("交办期限必须晚于今天")
    expect(panel.get_by_label(re.compile("^办理期限"))).to_have_attribute("aria-invalid", "true")
    desks.axe(page, "the case page with the 交办 form showing an error")
    assert Case.objects.get(number=number).status == S.REGISTERED
    panel.get_by_label(re.compile("^办理期限")).fill((today + datetime.timedelta(days=20)).isoformat())
    desks.axe(page, "the case page with the 交办 form open")
    confirm_step(page, panel, "交办")
    expect_status(page, "待签收")
    expect_papers(page, "交办单")
    expect(page.get_by_text("东湖镇", exact=True).first).to_be_visible()  # the current holder

    # 3. The township handler signs for it, accepts it and asks for an extension.
    page = desks.of(org.town_handler, path=case_path)
    panel = open_step(page, "签收")
    expect(panel).to_contain_text("确认本单位已收到此件")
    confirm_step(page, panel, "签收")
    expect_status(page, "已签收待受理")

    panel = open_step(page, "受理")
    expect(panel.get_by_label("受理日期")).to_have_value(today.isoformat())
    confirm_step(page, panel, "受理")
    expect_status(page, "办理中")
    expect_papers(page, "交办单", "受理告知书")

    panel = open_step(page, "申请延期")  # folded under 其他办理方式
    panel.get_by_label(re.compile("^延长天数")).fill("15")
    panel.get_by_label(re.compile("^延期理由")).fill("涉及多个部门，需进一步调查核实。")
    confirm_step(page, panel, "申请延期")
    expect(next_steps(page).get_by_role("button", name="申请延期", exact=True)).to_have_count(0)  # once only

    # 4. The township head approves it — on a phone; the form must work and be accessible there.
    page = desks.of(org.town_head, path=case_path, phone=True)
    due_before = page.get_by_text(re.compile("^当前期限")).inner_text()
    panel = open_step(page, "审批延期")
    choose(panel, "审批结果", "同意")
    panel.get_by_label(re.compile("^审批意见")).fill("同意延期。")
    scroll = no_horizontal_scroll(page)
    assert scroll["scroll"] <= scroll["client"], f"the step form scrolls sideways on a phone: {scroll}"
    desks.axe(page, "the 审批延期 form on a phone")
    screenshot(page, "workflow-journey-phone-form.png")
    panel.get_by_role("button", name="确认审批延期").scroll_into_view_if_needed()
    confirm_step(page, panel, "审批延期")
    expect_papers(page, "延期告知书")
    expect(page.get_by_text(re.compile("^当前期限"))).not_to_have_text(due_before)  # moved by the extension

    # 5. The handler writes the opinion; 6. the head signs it off.
    page = desks.of(org.town_handler, path=case_path)
    panel = open_step(page, "拟写意见书")
    choose(panel, "处理结论", "支持")
    panel.get_by_label("查明的事实").fill("经核实，信访人的土地补偿款因村账户冻结未发放。")
    panel.get_by_label("法律政策依据").fill("《中华人民共和国土地管理法》第四十八条")
    panel.get_by_label(re.compile("^处理意见")).fill("责成东湖镇于30日内将补偿款足额发放到位。")
    confirm_step(page, panel, "拟写意见书")

    page = desks.of(org.town_head, path=case_path)
    panel = open_step(page, "审签意见书")
    expect(group(panel, "审批结果").get_by_label("同意", exact=True)).to_be_checked()
    confirm_step(page, panel, "审签意见书")
    expect_status(page, "已出具意见待送达")
    expect_papers(page, "处理意见书")

    # 7. The handler serves it and 8. sends the 办结报告 to the county bureau.
    page = desks.of(org.town_handler, path=case_path)
    panel = open_step(page, "送达")
    panel.get_by_label("送达方式").select_option(label="直接送达")
    panel.get_by_label(re.compile("^信访人意见")).fill("已收到。")
    confirm_step(page, panel, "送达")
    expect_status(page, "已送达")
    expect_papers(page, "送达回证")

    panel = open_step(page, "报送办结报告")
    panel.get_by_label("办理情况和结果").fill("补偿款已足额发放，信访人表示认可。")
    panel.get_by_label("联系人及电话").fill("王五 0999-1234567")
    confirm_step(page, panel, "报送办结报告")
    expect_status(page, "办结报告待审核")
    expect_papers(page, "办结报告")

    # 9. The county dispatcher approves the report (认定办结).
    page = desks.of(org.dispatcher, path=case_path)
    panel = open_step(page, "审核办结报告")
    choose(panel, "审核结果", "认定办结")
    confirm_step(page, panel, "审核办结报告")
    expect_status(page, "已办结")

    # 10. The county registrar records the petitioner's evaluation, taken by phone.
    page = desks.of(org.registrar, path=case_path)
    panel = open_step(page, "录入满意度评价")
    choose(panel, "评价对象", "责任单位")
    choose(panel, "信访人的评价", "满意")
    panel.get_by_label("评价途径").select_option(label="电话回访")
    screenshot(page, "workflow-journey-evaluate-form.png")
    confirm_step(page, panel, "录入满意度评价")
    expect(page.get_by_role("list").filter(has_text="录入满意度评价").first).to_be_visible()  # 办理记录

    # 11. The petitioner asks for 复查; the city bureau registers it for itself.
    page = desks.of(org.city_dispatcher, path=case_path)
    panel = open_step(page, "登记复查申请")
    panel.get_by_label("受理申请的机关").select_option(label="示范市信访局")
    panel.get_by_label("申请理由").fill("对补偿标准有异议，请求复查。")
    confirm_step(page, panel, "登记复查申请")
    expect_status(page, "复查中")

    # 12. The city drafts, signs off and serves the 复查意见.
    panel = open_step(page, "拟写意见书")
    choose(panel, "处理结论", "解释说明")
    panel.get_by_label("查明的事实").fill("原处理意见认定事实清楚，补偿标准符合规定。")
    panel.get_by_label("法律政策依据").fill("《中华人民共和国土地管理法》第四十八条")
    panel.get_by_label(re.compile("^处理意见")).fill("维持原处理意见，并就补偿标准作出解释说明。")
    confirm_step(page, panel, "拟写意见书")

    page = desks.of(org.city_head, path=case_path)
    panel = open_step(page, "审签意见书")
    confirm_step(page, panel, "审签意见书")
    expect_papers(page, "复查意见书")

    page = desks.of(org.city_dispatcher, path=case_path)
    panel = open_step(page, "送达")
    panel.get_by_label("送达方式").select_option(label="邮寄送达")
    confirm_step(page, panel, "送达")
    expect_status(page, "复查意见已送达")
    expect_papers(
        page, "交办单", "受理告知书", "延期告知书", "处理意见书", "送达回证", "办结报告", "复查意见书"
    )
    screenshot(page, "workflow-journey-end.png")
    desks.axe(page, "the case page at the end, with seven kinds of papers")

    case = Case.objects.get(number=number)
    assert case.status == S.RECHECK_SERVED
    assert case.owner_unit == org.city
    assert case.evaluations.count() == 1
    assert case.extensions.get().days == 15

    # The 复查意见书 downloads as a Word file that names the case.
    row = page.get_by_role("region", name="文书").get_by_role("row").filter(has_text="复查意见书 · ")
    expect(row).to_have_count(1)
    with page.expect_download() as download_info:
        row.get_by_role("button", name=re.compile("^下载 Word")).click()
    download = download_info.value
    desks.downloads.append(download.url)
    assert download.suggested_filename.endswith(".docx"), download.suggested_filename
    assert number in docx_text(download.path())

    assert desks.axe_pages
    assert not desks.axe_failures, "\n\n".join(desks.axe_failures)

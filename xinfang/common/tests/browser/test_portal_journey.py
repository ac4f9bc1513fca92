"""The public portal on a phone (issue 4 "Done means"): a citizen writes to the county head, gets the
number and 查询码 (and the SMS is in the outbox), looks the letter up, and — once the case is answered —
evaluates it online. axe-core runs on the write form and the track pages at phone size.

The captcha's answer is read from the server-side store, as a test may; everything else is done by
what the citizen sees: labels, buttons and links.
"""

import re

import pytest
from playwright.sync_api import expect

from xinfang.cases.choices import EvaluationSource
from xinfang.cases.models import Evaluation
from xinfang.common.tests.browser.support import (
    axe_violations,
    format_violations,
    no_horizontal_scroll,
    screenshot,
)
from xinfang.messaging.choices import SmsStatus
from xinfang.messaging.models import InboundMessage, OutboundSms
from xinfang.portal.models import Captcha
from xinfang.portal.tests.support import answer_and_serve, convert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


class Checks:
    """axe-core and the phone layout on each page visited; every failure is reported at the end."""

    def __init__(self, page):
        self.page, self.failures = page, []

    def __call__(self, where: str) -> None:
        styled = self.page.evaluate(
            "() => getComputedStyle(document.documentElement).getPropertyValue('--pico-font-family')"
        )
        assert "Noto Sans CJK SC" in styled, "the portal's CSS did not load"
        width = no_horizontal_scroll(self.page)
        if width["scroll"] > width["client"]:
            self.failures.append(f"{where}: wider than the phone: {width['wide']}")
        violations = axe_violations(self.page)
        if violations:
            self.failures.append(format_violations(f"{where} ({self.page.url})", violations))

    def assert_clean(self) -> None:
        assert not self.failures, "\n\n".join(self.failures)


def captcha_answer(page) -> str:
    captcha_id = page.locator("input[name=captcha_id]").input_value()
    return Captcha.objects.get(pk=captcha_id).answer


def test_a_citizen_writes_looks_up_and_evaluates_on_a_phone(phone_page, org, register, settings):
    page, check = phone_page, Checks(phone_page)
    settings.PORTAL_PHONE = "0999-12345"

    # 写信: the form, at phone size.
    page.goto("/portal/")
    page.get_by_role("link", name=re.compile("^写信")).first.click()
    page.wait_for_url(re.compile(r"/portal/write/$"))
    expect(page.get_by_role("heading", name="给县长写信")).to_be_visible()
    check("the write form")
    screenshot(page, "portal-write-phone.png")
    page.get_by_label("投诉").check()
    page.get_by_label(re.compile("^姓名")).fill("周市民")
    page.get_by_label(re.compile("^手机号码")).fill("13912345678")
    page.get_by_label(re.compile("^标题")).fill("幸福路路灯不亮")
    content = page.get_by_label(re.compile("^内容"))
    content.fill("幸福路的路灯坏了三个月😀，晚上出行很不安全。")
    expect(page.locator("[data-count-for] b")).to_have_text("22")  # the live count, in characters
    page.get_by_label("问题发生地（选填）").fill("东湖镇幸福路")
    page.get_by_label(re.compile("同意将答复")).check()
    expect(page.get_by_alt_text(re.compile("验证码图片"))).to_be_visible()

    # "换一张" swaps the image in place; the old captcha is no use any more.
    old_id = page.locator("input[name=captcha_id]").input_value()
    page.get_by_role("button", name="看不清？换一张").click()
    expect(page.locator("[data-captcha-status]")).to_have_text("已换一张新的验证码图片。")
    assert page.locator("input[name=captcha_id]").input_value() != old_id
    assert content.input_value().startswith("幸福路的路灯")  # what was typed stays

    page.get_by_label("请输入图中的字母或数字（不区分大小写）").fill(captcha_answer(page).lower())
    with page.expect_navigation():
        page.get_by_role("button", name="提交", exact=True).dblclick()  # an impatient double tap
    page.wait_for_url(re.compile(r"/portal/write/done/$"))

    # The number and 查询码, large, and the SMS in the outbox.
    message = InboundMessage.objects.get()
    number = page.get_by_test_id("number")
    expect(number).to_have_text(message.number)
    expect(page.get_by_test_id("query-code")).to_have_text(message.query_code)
    size = float(number.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    assert size >= 28, f"the number is not in large text ({size}px)"
    expect(page.get_by_text("已通过短信发送到 139****5678")).to_be_visible()
    sms = OutboundSms.objects.get(message=message)
    assert sms.status == SmsStatus.QUEUED and message.number in sms.text and message.query_code in sms.text
    assert InboundMessage.objects.count() == 1
    check("the success page")
    screenshot(page, "portal-done-phone.png")

    # Later, on the same phone: 进度查询 by number + 查询码.
    page.get_by_role("link", name="进度查询").click()
    page.get_by_label("编号").fill(message.number.lower())
    page.get_by_label("查询码").fill(message.query_code)
    check("the track form")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(rf"/portal/track/{message.number}/$"))
    expect(page.get_by_test_id("status")).to_have_text("已收到，正在审查")
    check("the track page of a new message")

    # Screening turns the letter into a case; the county answers and serves the opinion.
    case = answer_and_serve(convert(message, org, register), org)

    page.reload()
    expect(page.get_by_test_id("status")).to_have_text("已办结")
    expect(page.get_by_text("处理意见书已送达")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("下载PDF.*处理意见书"))).to_be_visible()
    check("the track page with the evaluation forms")
    screenshot(page, "portal-track-phone.png")

    bureau = page.locator("form.xf-evaluate").filter(has=page.get_by_text("对信访部门的评价"))
    bureau.get_by_label("满意", exact=True).check()
    bureau.get_by_label("意见或理由（选填）").fill("答复及时，谢谢")
    bureau.get_by_role("button", name="提交对信访部门的评价").click()
    expect(page.get_by_text("感谢您的评价，已记录。")).to_be_visible()
    handler = page.locator("form.xf-evaluate").filter(has=page.get_by_text("对责任单位的评价"))
    handler.get_by_label("基本满意").check()
    handler.get_by_role("button", name="提交对责任单位的评价").click()
    expect(page.get_by_text("您对责任单位的评价：基本满意")).to_be_visible()
    expect(page.locator("form.xf-evaluate")).to_have_count(0)

    levels = dict(Evaluation.objects.filter(case=case).values_list("target", "level"))
    assert levels == {"bureau": "satisfied", "handler": "fairly"}
    assert set(Evaluation.objects.values_list("source", flat=True)) == {EvaluationSource.PORTAL}
    check.assert_clean()

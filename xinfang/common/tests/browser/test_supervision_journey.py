"""督办 and 抽查回访 in the browser (issue 5 "Done means").

The county 信访局's 督办员 opens 督办 on an overdue case from the case page, the township replies in
writing, the 信访局 closes it; then the 督办员 draws a 回访 sample and records a call. Each person
works in their own browser context, logged in through the real login form, and drives the pages by
what they see (labels, buttons). axe-core runs on the 督办 form and on the callback form; the 督办函
is downloaded and read with python-docx.
"""

import datetime
import re

import docx
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from xinfang.cases.models import CaseDeadline
from xinfang.cases.services import case_refresh_due
from xinfang.common.tests.browser.support import screenshot
from xinfang.common.tests.browser.test_workflow_journey import Desks
from xinfang.supervision.models import Callback, CallbackDraw, Supervision
from xinfang.supervision.tests.support import add_personas, closed_case, handling_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def desks(browser, live_server, page_problems):
    d = Desks(browser, live_server, page_problems)
    yield d
    d.close()
    page_problems.items = [
        item
        for item in page_problems.items
        if not any(item == f"request failed: {url} (net::ERR_ABORTED)" for url in d.downloads)
    ]
    page_problems.check()


@pytest.fixture
def scene(org, register):
    """A township case past its handling deadline, and two cases the township closed today."""
    sv = add_personas(org)
    case = handling_case(sv, register, title="反映征地补偿款迟迟未发放")
    overdue = timezone.localdate() - datetime.timedelta(days=3)
    CaseDeadline.objects.filter(case=case, is_open=True).update(due_on=overdue)
    case_refresh_due(case)
    closed = [closed_case(sv, register, title=f"反映道路破损问题{n}") for n in range(2)]
    return sv, case, closed


def docx_text(path) -> str:
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def test_supervision_from_overdue_to_closed_and_a_callback(desks, scene):
    sv, case, closed = scene
    case_path = f"/cases/{case.number}/"

    # 1. The county's 督办员 sees the overdue case and opens 督办 from the case page.
    page = desks.of(sv.supervisor, path=case_path)
    expect(page.get_by_text(re.compile("^当前期限.*已超期"))).to_be_visible()
    section = page.get_by_role("region", name="督办", exact=True)
    section.get_by_role("button", name="发起督办").click()
    page.wait_for_url(re.compile(f"/supervision/cases/{case.number}/open/$"))
    expect(page.get_by_role("heading", name="发起督办")).to_be_visible()
    reasons = page.get_by_role("group", name=re.compile("^督办事由"))
    expect(reasons.get_by_label("无正当理由超期未办结")).to_be_checked()  # the clock has passed
    reasons.get_by_label("推诿、敷衍、拖延").check()
    expect(page.get_by_label("被督办单位")).to_have_value(str(sv.town.pk))
    page.get_by_label(re.compile("^基本情况")).fill(
        "该件于上月交办东湖镇，办理期限已过，至今未出具处理意见。"
    )
    page.get_by_label(re.compile("^督办要求")).fill("请立即组织核查，依法处理，并书面回复办理结果。")
    due = page.get_by_label(re.compile("^回复期限"))
    expect(due).to_have_value((timezone.localdate() + datetime.timedelta(days=30)).isoformat())  # T11
    desks.axe(page, "the 督办 form")
    screenshot(page, "supervision-open-form.png")
    page.get_by_role("button", name="确认发起督办").click()
    page.wait_for_url(re.compile(r"/supervision/\d+/$"))
    expect(page.get_by_role("status").filter(has_text="已发起督办")).to_be_visible()
    supervision = Supervision.objects.get()
    letter = supervision.letter.number
    expect(page.locator("[data-status]")).to_have_text("督办中待回复")
    letters = page.get_by_role("region", name="督办函", exact=True)
    expect(letters.get_by_role("row").filter(has_text=letter)).to_have_count(1)
    with page.expect_download() as download_info:
        letters.get_by_role("button", name=f"下载 Word：{letter}").click()
    download = download_info.value
    desks.downloads.append(download.url)
    text = docx_text(download.path())
    assert case.number in text and letter in text

    # 2. The township finds it among the supervisions it must answer, and replies in writing.
    page = desks.of(sv.town_handler, path="/supervision/")
    expect(page.get_by_role("button", name=re.compile("待本单位回复 1"))).to_have_attribute(
        "aria-current", "page"
    )
    page.get_by_role("button", name=f"查看督办：{case.number}").click()
    page.get_by_role("button", name="书面回复").click()
    page.get_by_label(re.compile("^回复内容")).fill("已约谈施工方，补偿款将于5日内发放到位，并已告知信访人。")
    desks.axe(page, "the reply form")
    page.get_by_role("button", name="确认书面回复").click()
    expect(page.get_by_role("status").filter(has_text="已完成：书面回复")).to_be_visible()
    expect(page.locator("[data-status]")).to_have_text("已回复待审核")
    expect(page.get_by_role("button", name="审核办结")).to_have_count(0)  # the township only replies

    # 3. The 信访局 reads the reply and closes the supervision.
    page = desks.of(sv.supervisor, path=f"/supervision/{supervision.pk}/")
    expect(page.get_by_role("region", name="书面回复", exact=True)).to_contain_text("补偿款将于5日内发放到位")
    page.get_by_role("button", name="审核办结").click()
    page.get_by_label(re.compile("^审核意见")).fill("回复属实，同意办结。")
    page.get_by_role("button", name="确认审核办结").click()
    expect(page.locator("[data-status]")).to_have_text("已办结")
    assert Supervision.objects.get().status == "closed"
    screenshot(page, "supervision-closed.png")
    page.goto(case_path)
    expect(page.get_by_role("region", name="督办", exact=True)).to_contain_text("已办结")

    # 4. The 督办员 draws a 回访 sample of the cases closed this month and records a call.
    page.goto("/supervision/callbacks/")
    page.get_by_role("button", name="抽取回访样本").click()
    page.get_by_label("办结日期自").fill(timezone.localdate().replace(day=1).isoformat())
    page.get_by_label("办结日期至").fill(timezone.localdate().isoformat())
    page.get_by_role("group", name="抽取方式").get_by_label("按件数").check()
    page.get_by_label(re.compile("^每单位抽取件数")).fill("5")
    page.get_by_label(re.compile("^随机种子")).fill("20260301")
    page.get_by_role("group", name=re.compile("^回访人员")).get_by_label("supervisor", exact=True).check()
    page.get_by_role("button", name="确认抽取").click()
    expect(page.get_by_role("status").filter(has_text="随机种子20260301")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="已全部抽取")).to_be_visible()  # only 2 < 5
    draw = CallbackDraw.objects.get()
    assert sorted(draw.case_ids) == sorted(c.pk for c in closed)
    first = Callback.objects.get(draw=draw, position=1)
    page.get_by_role("link", name=first.case.number).click()
    expect(page.get_by_role("link", name="13912345678")).to_be_visible()  # the caller sees the phone
    form = page.get_by_role("region", name="录入回访结果", exact=True)
    form.get_by_role("group", name="是否联系上信访人").get_by_label("是").check()
    form.get_by_role("group", name=re.compile("^信访人的评价")).get_by_label("满意", exact=True).check()
    form.get_by_label(re.compile("^信访人反映的情况")).fill("路已修好，很满意。")
    desks.axe(page, "the callback form")
    screenshot(page, "supervision-callback-form.png")
    form.get_by_role("button", name="保存回访记录").click()
    expect(page.get_by_role("status").filter(has_text="回访记录已保存")).to_be_visible()
    expect(page.get_by_role("region", name="回访记录", exact=True)).to_contain_text("路已修好")
    first.refresh_from_db()
    assert (first.status, first.satisfaction) == ("done", "satisfied")

    assert not desks.axe_failures, "\n\n".join(desks.axe_failures)

"""季度通报 in the browser (issue 6 §5): the county's head drafts the quarter's bulletin, checks the
preview, approves and publishes it; a township's handler finds it in the inbox, opens it on a phone and
downloads the Word copy. axe-core finds no serious violations on any of the pages."""

import io

import pytest

from xinfang.common.tests.browser.support import (
    assert_styled,
    axe_violations,
    format_violations,
    log_in,
    no_horizontal_scroll,
    screenshot,
)
from xinfang.reporting.tests.test_bulletins import story  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def check(page, where: str, failures: list[str]) -> None:
    assert_styled(page)
    violations = axe_violations(page)
    if violations:
        failures.append(format_violations(where, violations))


def test_the_head_publishes_the_quarter_and_a_township_reads_it(page, phone_page, page_problems, org, story):  # noqa: F811
    failures: list[str] = []
    log_in(page, org.county_head, next_path="/reports/bulletins/")
    check(page, "the bulletin list", failures)
    page.get_by_role("button", name="起草通报").click()
    check(page, "the new bulletin form", failures)
    page.get_by_label("通报期").fill("2026-Q1")
    page.get_by_role("button", name="生成通报草稿").click()
    page.get_by_role("button", name="审核通过").wait_for()
    check(page, "a draft bulletin", failures)
    page.get_by_role("button", name="修改文字").click()
    check(page, "the edit form", failures)
    page.get_by_label("点名阈值（%）").fill("80")
    page.get_by_role("button", name="保存").click()
    page.get_by_text("满意率低于80%的单位：东湖镇（50.0%）。").wait_for()
    page.get_by_role("button", name="审核通过").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="发布").click()
    page.get_by_text("示范县信访局〔2026〕1号").first.wait_for()
    check(page, "the published bulletin", failures)
    screenshot(page, "bulletin-published.png")

    log_in(phone_page, org.town_handler, next_path="/inbox/")
    notice = phone_page.locator("li", has_text="示范县信访局发布")
    notice.get_by_role("button", name="查看").click()
    phone_page.get_by_role("heading", name="关于2026年第一季度各单位信访工作情况的通报", level=1).wait_for()
    wide = no_horizontal_scroll(phone_page)
    assert wide["scroll"] <= wide["client"] + 1, wide
    check(phone_page, "the published bulletin on a phone", failures)
    with phone_page.expect_download() as download:
        phone_page.get_by_role("button", name="下载Word").click()
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(download.value.path().read_bytes())).paragraphs)
    assert "有超期件的单位：县公安局（1件）。" in text
    assert not failures, "\n\n".join(failures)
    aborted = f"request failed: {download.value.url} (net::ERR_ABORTED)"
    page_problems.items = [item for item in page_problems.items if item != aborted]

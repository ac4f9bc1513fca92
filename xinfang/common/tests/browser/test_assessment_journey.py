"""目标管理考核 in the browser (issue 6 §4): a county supervisor sets up a quarter, enters key tasks,
computes, adjusts, exports and finalizes; axe-core finds no serious violations on any of the pages."""

import io

import pytest
from openpyxl import load_workbook

from xinfang.assessment.tests.conftest import media_in_tmp, story, supervisor  # noqa: F401 (fixtures)
from xinfang.common.tests.browser.support import assert_styled, axe_violations, format_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def check(page, where: str, failures: list[str]) -> None:
    assert_styled(page)
    violations = axe_violations(page)
    if violations:
        failures.append(format_violations(where, violations))


def test_a_supervisor_scores_the_quarter(page, page_problems, org, story, supervisor):  # noqa: F811
    failures: list[str] = []
    log_in(page, supervisor, next_path="/assessment/")
    check(page, "the assessment list", failures)
    page.get_by_label("考核期").fill("2026-Q1")
    page.get_by_role("button", name="建立").click()
    page.get_by_role("heading", name="考核规则", exact=False).wait_for()
    check(page, "the rule form", failures)
    page.get_by_label("按期办结率权重").fill("12")
    page.get_by_role("button", name="保存规则").click()
    page.get_by_role("button", name="录入重点工作得分").click()
    check(page, "the key tasks form", failures)
    page.locator(f"#unit_{org.town.pk}").fill("50")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("button", name="计算得分").click()
    page.get_by_role("link", name="东湖镇").wait_for()
    check(page, "the results table", failures)
    page.get_by_role("link", name="东湖镇").click()
    page.get_by_text("得分明细").first.wait_for()
    check(page, "a unit's breakdown", failures)
    page.get_by_label("加减分").fill("2")
    page.get_by_label("理由").fill("承办市级信访工作现场会")
    page.get_by_role("button", name="记录加减分").click()
    page.get_by_text("承办市级信访工作现场会").wait_for()
    page.locator("a[href*='/evidence/overdue/']").first.click()
    page.get_by_text("东湖镇 · 超期办理").wait_for()
    check(page, "an evidence list", failures)
    page.get_by_role("link", name="返回得分明细").click()
    page.get_by_role("link", name="返回考核结果").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="导出Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert "东湖镇" in [row[1] for row in sheet.iter_rows(min_row=4, values_only=True)]
    page.get_by_role("button", name="定稿").click()
    page.get_by_text("已定稿").first.wait_for()
    check(page, "the finalized results", failures)
    assert not failures, "\n\n".join(failures)
    # A download ends its navigation: chromium reports it as aborted, which is expected here.
    aborted = f"request failed: {download.value.url} (net::ERR_ABORTED)"
    page_problems.items = [item for item in page_problems.items if item != aborted]

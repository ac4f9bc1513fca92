"""数据看板 in the browser (issue 6 "Done means"): a leader opens the dashboard, the charts render,
and one click on a KPI number opens the list of the cases behind it, which exports to Excel.

The county 信访局's leader logs in through the real login form. Three cases were registered today at
the county (two 来信, one 网上信访), so the default period (the last twelve months) holds three
cases and the KPI 网信占比 reads 1 / 3. axe-core runs on the dashboard once the KPI cards are in.
"""

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from xinfang.common.tests.browser.support import (
    assert_accessible,
    assert_styled,
    log_in,
    no_horizontal_scroll,
    screenshot,
)
from xinfang.reference.models import Category

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def cases(org, register):
    housing = Category.objects.get(name="拆迁安置", version__is_current=True)
    return [
        register(title="反映拆迁补偿款未到位", category_id=housing.pk),
        register(title="反映小区物业乱收费"),
        register(title="反映噪音扰民问题", channel_code="web", category_id=housing.pk),
    ]


def test_a_leader_opens_the_dashboard_and_clicks_a_kpi_into_its_cases(page, page_problems, org, cases):
    log_in(page, org.leader_only, next_path="/reports/dashboard/")
    assert_styled(page)
    expect(page.get_by_role("heading", name="数据看板", level=1)).to_be_visible()
    expect(page.get_by_text("本期登记 3 件")).to_be_visible()

    # The charts are drawn (ECharts' SVG renderer) beside tables holding the same numbers.
    for chart in ("group", "channel", "category", "unit"):
        expect(page.locator(f'[data-chart="{chart}"] svg')).to_have_count(1)
    categories = page.locator("table", has=page.get_by_text("信访量按内容分类（一级）（件，按月）"))
    expect(categories.get_by_role("row", name=re.compile("城乡建设"))).to_contain_text("2")

    # The KPI cards come in after the page; 网信占比 is 1 of the 3 cases registered.
    denominator = page.get_by_role("link", name="网信占比分母 3 件")
    expect(denominator).to_be_visible()
    expect(page.get_by_role("link", name="网信占比分子 1 件")).to_be_visible()
    assert_accessible(page, "数据看板")
    screenshot(page, "dashboard.png")

    denominator.click()
    page.wait_for_url(re.compile(r"/reports/kpis/cases/\?"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("网信占比")
    for case in cases:
        expect(page.get_by_role("link", name=case.number)).to_be_visible()

    # ... and exports that list: the .xlsx holds the same three cases, the leader's view masked.
    with page.expect_download() as download:
        page.get_by_role("button", name="导出Excel").click()
    # A download navigates nowhere: chromium reports the link's request as aborted, which is expected.
    url = download.value.url
    page_problems.items = [i for i in page_problems.items if i != f"request failed: {url} (net::ERR_ABORTED)"]
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert sorted(row[0] for row in rows[1:]) == sorted(case.number for case in cases)
    petitioner = rows[0].index("信访人")
    assert all(row[petitioner] != cases[0].petitioners.first().name for row in rows[1:])

    # Back on the dashboard, a number in a table opens its cases too: the two 城乡建设 cases.
    page.go_back()
    page.locator("table", has=page.get_by_text("信访量按内容分类（一级）（件，按月）")).get_by_role(
        "row", name=re.compile("城乡建设")
    ).get_by_role("link").last.click()
    page.wait_for_url(re.compile(r"/reports/dashboard/cases/\?"))
    expect(page.get_by_text("共 2 件")).to_be_visible()
    expect(page.get_by_role("link", name=cases[0].number)).to_be_visible()
    expect(page.get_by_role("link", name=cases[2].number)).to_be_visible()
    assert_accessible(page, "数据看板的信访件列表")

    # A click on a bar goes to the same list: the 城乡建设 bar of the category chart.
    page.go_back()
    chart = page.locator('[data-chart="category"]')
    expect(chart.locator("svg")).to_have_count(1)
    x, y = chart.evaluate("el => echarts.getInstanceByDom(el).convertToPixel({seriesIndex: 0}, [1, 0])")
    box = chart.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url(re.compile(r"/reports/dashboard/cases/\?.*dim=category"))
    expect(page.get_by_text("共 2 件")).to_be_visible()

    # The print view: every table, A4, no charts.
    page.goto("/reports/dashboard/print/")
    expect(page.get_by_role("heading", name="示范县信访局信访数据看板")).to_be_visible()
    assert_accessible(page, "数据看板打印版")


def test_the_dashboard_fits_a_phone(phone_page, org, cases):
    """Wide monthly tables scroll inside their own box; the page itself never scrolls sideways."""
    log_in(phone_page, org.leader_only, next_path="/reports/dashboard/")
    expect(phone_page.locator('[data-chart="group"] svg')).to_have_count(1)
    expect(phone_page.get_by_role("link", name="网信占比分母 3 件")).to_be_visible()
    width = no_horizontal_scroll(phone_page)
    assert width["scroll"] <= width["client"] + 1, f"horizontal scrolling on a phone: {width}"
    screenshot(phone_page, "dashboard-phone.png")

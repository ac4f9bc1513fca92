"""axe-core on the export pages (issue 6 §3, §6): search with saved searches, the ledger, a job page,
and the 导出Excel download from a KPI drill-down list."""

import io

import pytest
from openpyxl import load_workbook

from xinfang.cases.models import ExportJob, SavedSearch
from xinfang.common.tests.browser.support import log_in
from xinfang.common.tests.browser.test_accessibility import AxeReport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_search_ledger_and_export_job_pages(page, page_problems, org, register):
    case = register(title="关于拆迁补偿的问题", channel_code="web")
    SavedSearch.objects.create(
        owner=org.registrar, unit=org.county, name="拆迁类", query="q=拆迁", shared=True
    )
    job = ExportJob.objects.create(user=org.registrar, source="search", title="查询结果", total_rows=9000)
    axe = AxeReport(page)
    log_in(page, org.registrar)
    page.goto("/cases/search/?q=拆迁")
    assert page.get_by_role("link", name=case.number).is_visible()
    page.get_by_text("保存本次查询").click()
    page.get_by_text("改名或删除").click()
    axe.check("search results with saved searches and the save form")
    page.goto("/cases/ledger/")
    axe.check("the ledger page")
    page.goto(f"/cases/ledger/?received_from=2026-05-01&received_to=2026-04-01&unit={org.county.pk}")
    axe.check("the ledger page with an error")
    page.goto(f"/cases/exports/{job.pk}/")
    axe.check("an export job in progress")
    page.goto(f"/reports/kpis/cases/?unit={org.county.pk}&kpi=online&part=num")
    with page.expect_download() as download:
        page.get_by_role("button", name="导出Excel").click()
    # A download navigates nowhere: chromium reports the link's request as aborted, which is expected.
    url = download.value.url
    page_problems.items = [i for i in page_problems.items if i != f"request failed: {url} (net::ERR_ABORTED)"]
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()), read_only=True)
    numbers = [row[0] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert numbers == [case.number]
    axe.assert_clean()

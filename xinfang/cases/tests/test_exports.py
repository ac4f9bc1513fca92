"""Excel export of case lists and the KPI table (issue 6 §3, §6): masking, same rows as the page,
audit, the background job, bad input. Every file is opened with openpyxl."""

import io

import pytest
from openpyxl import load_workbook

from conftest import valid_resident_id
from xinfang.cases import steps
from xinfang.cases.exports import COLUMNS, PROTECTED
from xinfang.cases.models import ExportJob
from xinfang.common.models import AuditLog
from xinfang.intake.services import PetitionerInput
from xinfang.reporting import kpis

WHISTLE_NAME = "钱举报"
WHISTLE_PHONE = "13811112222"
HEADER = [str(title) for title, _width in COLUMNS]


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def sheet_rows(content: bytes, sheet: int = 0) -> list[list]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    return [list(row) for row in book.worksheets[sheet].iter_rows(values_only=True)]


def body(response) -> bytes:
    """The file of a response (a FileResponse streams it once: keep it for a second look)."""
    if not hasattr(response, "xf_body"):
        response.xf_body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.xf_body


def ledger_rows(response) -> dict[str, dict]:
    """The data rows of an exported ledger, keyed by case number, as {column title: value}."""
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = sheet_rows(body(response))
    assert rows[0] == HEADER
    return {row[0]: dict(zip(HEADER, row, strict=False)) for row in rows[1:]}


def all_cell_text(content: bytes) -> str:
    book = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for value in row
    )


@pytest.fixture
def whistle_case(org, register):
    """A 检举控告 case sent to 东湖镇, who handle it: they must never learn who reported it."""
    case = register(
        purpose_code="accusation",
        title="反映某站所工作人员违规收费",
        petitioners=[
            PetitionerInput(
                name=WHISTLE_NAME,
                phone=WHISTLE_PHONE,
                id_number=valid_resident_id("99012119750505123"),
                address="东湖镇举报路8号",
            )
        ],
    )
    case = steps.case_transfer(case=case, actor=org.dispatcher, to_unit=org.town)
    return steps.case_accept(case=steps.case_sign(case=case, actor=org.town_handler), actor=org.town_handler)


# --- masking ------------------------------------------------------------------------------------


def test_it_writes_personal_data_in_full_for_the_registrar_and_masked_for_a_leader(client, org, register):
    case = register(title="拆迁补偿款未到位")
    client.force_login(org.registrar)
    full = ledger_rows(client.get("/cases/search/export/", {"q": "拆迁"}))[case.number]
    assert full["信访人"] == "张三"
    assert full["联系电话"] == "13912345678"
    assert full["证件号码"] == case.petitioners.get().id_number
    assert full["住址"] == "东湖镇1号"
    assert full["标题/概况"] == "拆迁补偿款未到位"
    assert full["登记单位"] == "示范县信访局"
    assert full["状态"] == case.get_status_display()
    client.force_login(org.leader_only)  # a leader reads lists for statistics: masked
    masked = ledger_rows(client.get("/cases/search/export/", {"q": "拆迁"}))[case.number]
    assert masked["信访人"] == "张*"
    assert masked["联系电话"] == "139****5678"
    id_number = case.petitioners.get().id_number
    assert masked["证件号码"] == id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]
    assert masked["住址"] == "东湖****"
    assert "13912345678" not in all_cell_text(body(client.get("/cases/search/export/", {"q": "拆迁"})))


def test_it_never_exports_a_whistleblower_to_the_handling_unit(client, org, whistle_case):
    client.force_login(org.town_handler)
    response = client.get("/cases/search/export/", {"q": "违规收费"})
    content = body(response)
    row = ledger_rows(response)[whistle_case.number]
    assert row["信访人"] == str(PROTECTED)
    assert row["联系电话"] is None and row["证件号码"] is None and row["住址"] is None
    text = all_cell_text(content)
    assert WHISTLE_NAME not in text and WHISTLE_NAME[0] + "*" not in text
    assert WHISTLE_PHONE[-4:] not in text and "举报路" not in text
    # nor through the ledger page of their own unit
    day = whistle_case.received_on.isoformat()
    ledger = client.get(
        "/cases/ledger/export/", {"received_from": day, "received_to": day, "unit": org.town.pk}
    )
    assert ledger_rows(ledger)[whistle_case.number]["信访人"] == str(PROTECTED)
    assert WHISTLE_NAME not in all_cell_text(body(ledger))
    client.force_login(org.registrar)  # the 信访部门 above may know the reporter
    row = ledger_rows(client.get("/cases/search/export/", {"q": "违规收费"}))[whistle_case.number]
    assert row["信访人"] == WHISTLE_NAME and row["联系电话"] == WHISTLE_PHONE


# --- the export is the list ---------------------------------------------------------------------


def test_it_exports_the_same_rows_as_the_search_page(client, org, register):
    mine = [register(title=f"拆迁问题{i}") for i in range(4)]
    register(title="工资问题")
    register(actor=org.other_registrar, unit=org.other, title="拆迁问题邻县")
    client.force_login(org.registrar)
    page = client.get("/cases/search/", {"q": "拆迁"})
    on_page = [case.number for case in page.context["page"].object_list]
    exported = ledger_rows(client.get("/cases/search/export/", {"q": "拆迁"}))
    assert list(exported) == on_page == [case.number for case in reversed(mine)]
    assert "导出Excel" in page.content.decode()


def test_it_exports_a_kpi_drill_down_and_the_kpi_table(client, org, register):
    online = [register(channel_code="web", title=f"网上信访{i}") for i in range(2)]
    register(channel_code="letter", title="来信")
    client.force_login(org.leader_only)
    params = {"unit": org.county.pk, "kpi": "online", "part": "num"}
    page = client.get("/reports/kpis/cases/", params)
    assert page.status_code == 200 and 'href="export/?' in page.content.decode()
    listed = {case.number for case in page.context["page"].object_list}
    exported = ledger_rows(client.get("/reports/kpis/cases/export/", params))
    assert set(exported) == listed == {case.number for case in online}
    table = client.get("/reports/kpis/export/", {"unit": org.county.pk})
    assert table.status_code == 200
    rows = sheet_rows(table.content)
    scope = kpis.KpiScope(unit=org.county, period=kpis.current_quarter())
    expected = {result.name: (result.numerator, result.denominator) for result in kpis.kpis(scope)}
    got = {row[0]: (row[2], row[3]) for row in rows[2:]}
    assert got == expected and expected[str(kpis.KPI_NAMES["online"])] == (2, 3)
    assert AuditLog.objects.filter(user=org.leader_only, action="export_kpis").count() == 1
    per_unit = sheet_rows(table.content, sheet=1)
    assert [row[0] for row in per_unit[1:]] == ["东湖镇", "县公安局"]


def test_it_audits_every_export_with_the_filters_and_row_count(client, org, register):
    register(title="拆迁问题")
    client.force_login(org.registrar)
    client.get("/cases/search/export/", {"q": "拆迁", "status": "registered"})
    entry = AuditLog.objects.get(action="export_cases")
    assert entry.user == org.registrar and entry.object_id == "search"
    assert entry.detail["filters"] == {"q": "拆迁", "status": "registered"}
    assert entry.detail["rows"] == 1 and entry.detail["personal_data_in_full"] == 1


def test_an_empty_list_exports_the_header_and_no_data(client, org, register):
    register(title="工资问题")
    client.force_login(org.registrar)
    response = client.get("/cases/search/export/", {"q": "噪音"})
    assert response.status_code == 200
    rows = sheet_rows(body(response))
    assert rows[0] == HEADER and [value for value in rows[1] if value] == ["无数据"] and len(rows) == 2


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"received_from": "2026-13-45"},
        {"q": "拆迁", "owner_unit": "999999"},
        {"q": "拆迁", "category": "abc"},
        {"q": ".* %_ \\"},
        {},
    ],
)
def test_it_refuses_bad_search_input_with_400_and_exports_nothing(client, org, register, params):
    register(title="拆迁问题")
    client.force_login(org.registrar)
    response = client.get("/cases/search/export/", params)
    assert response.status_code == 400
    assert "无法导出" in response.content.decode()
    api = client.get("/api/v1/cases/search/export", params)
    assert api.status_code == 400 and api.json()["detail"]
    assert not AuditLog.objects.filter(action="export_cases").exists()


def test_sql_text_in_a_search_is_only_text(client, org, register):
    register(title="拆迁问题")
    client.force_login(org.registrar)
    response = client.get("/cases/search/export/", {"q": "拆迁'; DROP TABLE cases_case;--"})
    assert response.status_code == 200
    assert sheet_rows(body(response))[1][0] == "无数据"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"received_from": "2026-05-01", "received_to": "2026-04-01"}, "开始日期不能晚于结束日期"),
        ({"received_from": "yesterday", "received_to": "2026-04-01"}, "信访日期自"),
        ({"received_from": "2026-01-01", "received_to": "2026-04-01", "unit": "999999"}, "没有这个单位"),
    ],
)
def test_the_ledger_refuses_bad_filters(client, org, params, message):
    client.force_login(org.registrar)
    params = {"unit": org.county.pk, **params}
    page = client.get("/cases/ledger/", params)
    assert page.status_code == 400 and message in page.content.decode()
    export = client.get("/cases/ledger/export/", params)
    assert export.status_code == 400 and message in export.content.decode()


def test_the_ledger_exports_a_units_cases_by_channel_and_state(client, org, register):
    letter = register(title="来信问题")
    register(channel_code="web", title="网上问题")
    register(actor=org.other_registrar, unit=org.other, title="邻县问题")
    client.force_login(org.registrar)
    today = letter.received_on.isoformat()
    params = {
        "received_from": today,
        "received_to": today,
        "unit": org.county.pk,
        "subtree": "on",
        "channel": letter.channel.pk,
        "state": "open",
    }
    page = client.get("/cases/ledger/", params)
    assert page.status_code == 200 and page.context["count"] == 1
    assert list(ledger_rows(client.get("/cases/ledger/export/", params))) == [letter.number]
    client.force_login(org.other_registrar)  # another county's unit is not theirs to export
    assert client.get("/cases/ledger/export/", params).status_code == 400


# --- the job path -------------------------------------------------------------------------------


def test_a_large_export_runs_as_a_job_only_its_owner_downloads(
    client, org, register, settings, run_worker, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_ROWS = 2
    cases = [register(title=f"拆迁问题{i}") for i in range(3)]
    client.force_login(org.registrar)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/cases/search/export/", {"q": "拆迁"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/exports/{job.pk}/"
    assert job.status == "queued" and job.total_rows == 3
    page = client.get(f"/cases/exports/{job.pk}/")
    assert "<progress" in page.content.decode() and "正在后台生成" in page.content.decode()
    run_worker()
    job.refresh_from_db()
    assert job.status == "done" and job.percent == 100 and job.rows_written == 3
    progress = client.get(f"/cases/exports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'value="100"' in progress and f"/cases/exports/{job.pk}/file/" in progress
    rows = ledger_rows(client.get(f"/cases/exports/{job.pk}/file/"))
    assert set(rows) == {case.number for case in cases}
    assert AuditLog.objects.filter(action="export_cases", detail__job=job.pk).exists()
    assert AuditLog.objects.filter(action="export_download", object_id=str(job.pk)).exists()
    for other in (org.dispatcher, org.city_leader):  # even the bureau above: the file is the asker's
        client.force_login(other)
        assert client.get(f"/cases/exports/{job.pk}/").status_code == 404
        assert client.get(f"/cases/exports/{job.pk}/file/").status_code == 404
        assert client.get(f"/api/v1/cases/exports/{job.pk}/file").status_code == 404


def test_the_api_export_answers_a_file_or_a_job(
    client, org, register, settings, run_worker, django_capture_on_commit_callbacks
):
    from xinfang.integrations.auth import api_token_create

    case = register(title="拆迁问题")
    _token, raw = api_token_create(user=org.leader_only, name="测试")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    response = client.get("/api/v1/cases/search/export", {"q": "拆迁"}, **headers)
    assert ledger_rows(response)[case.number]["信访人"] == "张*"
    settings.EXPORT_SYNC_MAX_ROWS = 0
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.get("/api/v1/cases/search/export", {"q": "拆迁"}, **headers)
    assert queued.status_code == 202 and queued.json()["file_url"] is None
    run_worker()
    status = client.get(f"/api/v1/cases/exports/{queued.json()['id']}", **headers).json()
    assert status["status"] == "done" and status["percent"] == 100
    rows = ledger_rows(client.get(status["file_url"], **headers))
    assert rows[case.number]["联系电话"] == "139****5678"
    table = client.get("/api/v1/reports/kpis/export", {"unit": org.county.pk, "period": "2026-Q1"}, **headers)
    assert table.status_code == 200 and sheet_rows(table.content)[2][0] == str(
        kpis.KPI_NAMES["timely_accept"]
    )
    bad = client.get("/api/v1/reports/kpis/export", {"unit": org.county.pk, "period": "2026-Q9"}, **headers)
    assert bad.status_code == 400 and "统计期" in bad.json()["detail"]


def test_old_export_files_are_cleaned_up(org, register, settings, run_worker):
    import datetime

    from django.utils import timezone

    from xinfang.cases.export_jobs import export_job_run, export_jobs_cleanup

    register(title="拆迁问题")
    job = ExportJob.objects.create(
        user=org.registrar, source="search", title="查询结果", params={"q": "拆迁"}
    )
    job = export_job_run(job)
    path = job.file.path
    assert job.status == "done"
    assert export_jobs_cleanup(now=timezone.now()) == 0
    later = timezone.now() + datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS + 1)
    assert export_jobs_cleanup(now=later) == 1
    assert not ExportJob.objects.exists()
    import os

    assert not os.path.exists(path)


def test_the_ledger_page_opens_with_this_month_and_the_current_unit(client, org):
    client.force_login(org.registrar)
    page = client.get("/cases/ledger/")
    assert page.status_code == 200
    assert page.context["form"].initial["unit"] == org.county and page.context["count"] is None


def test_a_job_whose_unit_is_gone_fails_with_the_reason(org, register):
    from xinfang.cases.export_jobs import export_job_run

    register(title="拆迁问题")
    params = {"received_from": "2026-01-01", "received_to": "2026-03-31", "unit": "999999"}
    job = ExportJob.objects.create(user=org.registrar, source="ledger", title="台账", params=params)
    job = export_job_run(job)
    assert job.status == "failed" and "没有这个单位" in job.error and not job.file
    assert not AuditLog.objects.filter(action="export_cases").exists()


def test_the_workbench_group_exports_in_its_own_order(client, org, register):
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    old = register(title="较早的", received_on=today - datetime.timedelta(days=40))
    new = register(title="较新的")
    client.force_login(org.registrar)
    page = client.get("/cases/", {"group": "later"})
    listed = [case.number for case in page.context["page"].object_list]
    assert "/cases/export/?unit=" in page.content.decode()
    exported = ledger_rows(client.get("/cases/export/", {"unit": org.county.pk, "group": "later"}))
    assert list(exported) == listed and set(listed) >= {new.number} and old.number not in listed
    assert client.get("/cases/export/", {"unit": org.town.pk, "group": "later"}).status_code == 400
    assert client.get("/cases/export/", {"unit": org.county.pk, "group": "x"}).status_code == 400

import datetime
import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from conftest import valid_resident_id
from xinfang.cases.choices import CaseUnitRole, EventKind
from xinfang.cases.models import Case, CaseDeadline, CaseEvent, CaseNumberSeq, CaseUnit, Petitioner
from xinfang.common.models import AuditLog
from xinfang.intake.importing import HEADERS, import_submit, run_job
from xinfang.intake.models import ImportJob, ImportStatus
from xinfang.reference.models import Channel, Purpose


def row(**over):
    values = {
        "信访日期": "2021-03-15",
        "信访形式": "letter",
        "信访目的": "claim",
        "内容分类": "",
        "标题": "反映拖欠工资问题",
        "信访内容": "工资被拖欠三个月。",
        "诉求": "请求支付",
        "信访人姓名": "张三",
        "身份证号码": valid_resident_id(),
        "联系电话": "13912345678",
        "住址": "东湖镇1号",
        "信访人数": 1,
        "问题属地区划代码": "",
        "办理单位": "",
        "办理状态": "已办结",
        "办结日期": "2021-04-10",
    }
    values.update(over)
    return [values[h] for h in HEADERS]


def xlsx(rows, headers=HEADERS, name="import.xlsx") -> SimpleUploadedFile:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(list(headers))
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def submit_and_run(org, rows, user=None, unit=None, **kw):
    job = import_submit(user=user or org.registrar, unit=unit or org.county, upload=xlsx(rows, **kw))
    return run_job(ImportJob.objects.select_related("unit", "user").get(pk=job.pk))


def report_rows(job):
    with job.report.open("rb") as fh:
        ws = load_workbook(fh, read_only=True).worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]


def test_a_valid_file_imports_exactly(org):
    channel = Channel.objects.get(code="letter")
    rows = [
        row(),
        row(
            信访形式=channel.name,
            标题="第二件",
            信访人姓名="李四",
            身份证号码="",
            办理状态="已告知",
            办结日期="",
        ),
        row(信访日期=datetime.date(2021, 3, 16), 办理单位="东湖镇", 信访人数=6),
    ]
    job = submit_and_run(org, rows)
    assert job.status == ImportStatus.DONE and job.rows_imported == 3 and job.errors_count == 0
    cases = list(Case.objects.order_by("number"))
    assert [c.number for c in cases] == ["9901212021031500001", "9901212021031500002", "9901212021031600001"]
    assert CaseNumberSeq.objects.get(prefix="99012120210315").last == 2
    assert [c.status for c in cases] == ["closed", "informed", "closed"]
    assert all(not c.is_open for c in cases)
    assert cases[2].owner_unit == org.town and cases[2].is_collective and cases[2].headcount == 6
    assert cases[1].closed_at.date() == datetime.date(2021, 3, 15)
    assert cases[0].registered_by == org.registrar and cases[0].registering_unit == org.county
    assert Petitioner.objects.filter(case=cases[1]).get().name == "李四"
    assert Petitioner.objects.filter(case=cases[0]).get().phone == "13912345678"
    assert CaseEvent.objects.filter(kind=EventKind.REGISTERED).count() == 3
    assert CaseDeadline.objects.count() == 0
    assert CaseUnit.objects.filter(case=cases[2], unit=org.town, role=CaseUnitRole.HOLDER).exists()
    assert CaseUnit.objects.filter(case=cases[2], unit=org.county, role=CaseUnitRole.REGISTERED).exists()
    assert len({c.query_code for c in cases}) == 3
    assert AuditLog.objects.filter(action="case_import_done", object_id=str(job.pk)).exists()


def test_numbers_continue_after_cases_registered_the_same_day(org):
    CaseNumberSeq.objects.create(prefix="99012120210315", last=7)
    submit_and_run(org, [row()])
    assert Case.objects.get().number == "9901212021031500008"


def test_one_bad_row_imports_nothing_and_the_report_names_it(org):
    rows = [row(), row(), row(信访日期="2021/13/01"), row(信访形式="飞鸽传书", 联系电话="123")]
    job = submit_and_run(org, rows)
    assert job.status == ImportStatus.INVALID and job.errors_count == 2
    assert Case.objects.count() == 0 and CaseNumberSeq.objects.count() == 0
    report = report_rows(job)
    assert report[0][:2] == ["行号", "错误说明"]
    assert report[1][0] == 4 and "信访日期" in report[1][1] and "第4行" in report[1][1]
    assert report[2][0] == 5 and "信访形式" in report[2][1] and "联系电话" in report[2][1]
    assert len(report) == 3


@pytest.mark.parametrize(
    "over,column",
    [
        ({"标题": ""}, "标题"),
        ({"信访目的": "nope"}, "信访目的"),
        ({"内容分类": "不存在"}, "内容分类"),
        ({"身份证号码": "123456789012345678"}, "身份证号码"),
        ({"办理单位": "火星信访局"}, "办理单位"),
        ({"办理状态": "办理中"}, "办理状态"),
        ({"信访日期": "2999-01-01"}, "信访日期"),
        ({"办结日期": "2021-01-01"}, "办结日期"),
        ({"问题属地区划代码": "000000"}, "问题属地区划代码"),
    ],
)
def test_each_bad_field_is_reported(org, over, column):
    job = submit_and_run(org, [row(**over)])
    assert job.status == ImportStatus.INVALID and Case.objects.count() == 0
    assert f"“{column}”" in report_rows(job)[1][1]


def test_wrong_headers_give_one_file_level_error(org):
    job = submit_and_run(org, [row()], headers=["日期", "标题"])
    assert job.status == ImportStatus.INVALID and not job.report
    assert "表头与模板不一致" in job.file_error and "缺少列" in job.file_error
    assert Case.objects.count() == 0


def test_an_empty_file_is_refused(org):
    job = submit_and_run(org, [])
    assert job.status == ImportStatus.INVALID and "没有数据行" in job.file_error


def test_a_non_xlsx_is_refused_by_content(org):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        import_submit(
            user=org.registrar, unit=org.county, upload=SimpleUploadedFile("a.xlsx", b"PK\x03\x04junk")
        )
    assert ImportJob.objects.count() == 0


def test_garbage_rows_get_a_clear_report_in_bounded_time(org):
    n = 5000
    rows = [
        [f"x{i}", "?", "?", "?", "", "", "", "", "abc", "1", "", "-3", "??", "无", "???", "x"]
        for i in range(n)
    ]
    started = time.monotonic()
    job = submit_and_run(org, rows)
    elapsed = time.monotonic() - started
    assert job.status == ImportStatus.INVALID and job.errors_count == n and job.total_rows == n
    assert Case.objects.count() == 0
    assert len(report_rows(job)) == n + 1
    assert elapsed < 60


def test_re_upload_is_refused_with_a_pointer(org):
    from django.core.exceptions import ValidationError

    upload = xlsx([row()])
    first = import_submit(user=org.registrar, unit=org.county, upload=upload)
    upload.seek(0)
    with pytest.raises(ValidationError) as exc:
        import_submit(user=org.registrar, unit=org.county, upload=upload)
    assert exc.value.job == first and f"#{first.pk}" in exc.value.messages[0]


def test_the_worker_runs_the_job(org, run_worker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = import_submit(user=org.registrar, unit=org.county, upload=xlsx([row(), row()]))
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and Case.objects.count() == 2


def test_the_pages(client, org, run_worker, django_capture_on_commit_callbacks):
    client.force_login(org.registrar)
    page = client.get("/intake/import/")
    assert page.status_code == 200 and "导入历史信访件" in page.content.decode()
    template = client.get("/intake/import/template.xlsx")
    wb = load_workbook(io.BytesIO(template.content))
    assert [c.value for c in wb.worksheets[0][1]] == HEADERS
    assert wb.worksheets[1].title == "填写说明"
    assert Purpose.objects.first().name in [c.value for c in wb.worksheets[1]["C"]]
    upload = xlsx([row(标题="")])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/intake/import/", {"file": upload})
    assert response.status_code == 302
    run_worker()
    job = ImportJob.objects.get()
    progress = client.get(response["Location"], headers={"HX-Request": "true"})
    assert "<progress" in progress.content.decode() and "hx-get" not in progress.content.decode()
    report = client.get(f"/intake/import/{job.pk}/report.xlsx")
    assert report.status_code == 200
    upload.seek(0)
    again = client.post("/intake/import/", {"file": upload})
    assert again.status_code == 400 and f"/intake/import/{job.pk}/" in again.content.decode()
    bad = client.post("/intake/import/", {"file": SimpleUploadedFile("x.xlsx", b"hello")})
    assert bad.status_code == 400 and ".xlsx" in bad.content.decode()


def test_permissions(client, org):
    job = import_submit(user=org.registrar, unit=org.county, upload=xlsx([row()]))
    client.force_login(org.leader_only)
    assert client.get("/intake/import/").status_code == 403
    assert client.get("/intake/import/template.xlsx").status_code == 403
    client.force_login(org.other_registrar)
    assert client.get(f"/intake/import/{job.pk}/").status_code == 404
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_submit(user=org.other_registrar, unit=org.county, upload=xlsx([row(标题="x")]))


def test_the_api(client, org, run_worker, django_capture_on_commit_callbacks):
    from xinfang.integrations.auth import api_token_create

    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=org.registrar, name='t')[1]}"}
    upload = xlsx([row(), row(标题="第二件")])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/cases/import", {"file": upload}, **auth)
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    run_worker()
    result = client.get(f"/api/v1/cases/import/{job_id}", **auth).json()
    assert result["status"] == "done" and result["rows_imported"] == 2 and result["percent"] == 100
    upload.seek(0)
    again = client.post("/api/v1/cases/import", {"file": upload}, **auth)
    assert again.status_code == 409 and again.json()["earlier_job"] == job_id
    bad = client.post("/api/v1/cases/import", {"file": SimpleUploadedFile("x.xlsx", b"nope")}, **auth)
    assert bad.status_code == 400
    other = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=org.other_registrar, name='t')[1]}"}
    assert client.get(f"/api/v1/cases/import/{job_id}", **other).status_code == 404
    leader = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=org.leader_only, name='t')[1]}"}
    assert client.post("/api/v1/cases/import", {"file": upload}, **leader).status_code == 403


def test_imported_cases_are_found_by_full_text_search(org):
    search = pytest.importorskip("xinfang.cases.search")
    submit_and_run(org, [row(标题="反映拆迁补偿问题", 信访内容="拆迁补偿款未到位。")])
    q = search.fulltext_q("拆迁")
    assert q is not None and Case.objects.filter(q).count() == 1

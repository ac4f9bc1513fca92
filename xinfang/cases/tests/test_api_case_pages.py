"""API v1 for what the case pages offer beyond the case itself (issue 7 §1): 办理情况 and attachments,
the workbench's 待审批 and Excel export, the 信访件台账, and the Excel import's files.

Each endpoint goes through the same gate as its page: another unit's user gets 404 (403 where the page
refuses by role), bad input 4xx in Chinese, and downloads of personal data leave the same audit row.
"""

import datetime
import io

import pytest
from openpyxl import load_workbook

from xinfang.cases import steps
from xinfang.cases.selectors import decisions_for
from xinfang.common.models import AuditLog
from xinfang.common.selectors import personal_data_views
from xinfang.integrations.auth import api_token_create

BASE = "/api/v1/cases"


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user, name='测试')[1]}"}


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def at_town(org, register):
    """A case sent to 东湖镇 and accepted there, with an opinion drafted and an extension asked for."""
    case = steps.case_transfer(case=register(), actor=org.dispatcher, to_unit=org.town)
    case = steps.case_accept(case=steps.case_sign(case=case, actor=org.town_handler), actor=org.town_handler)
    case = steps.case_extension_request(case=case, actor=org.town_handler, days=10, reason="需补充调查")
    return case


# --- 办理情况 and attachments ---------------------------------------------------------------------------


def test_it_lists_the_records_the_case_page_shows(client, org, at_town, png_upload):
    response = client.get(f"{BASE}/{at_town.number}/records", **bearer(org.town_handler))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["number"] == at_town.number and body["identity_protected"] is False
    assert [(e["days"], e["reason"], e["status"]) for e in body["extensions"]] == [
        (10, "需补充调查", "pending")
    ]
    assert body["opinions"] == [] and body["evaluation_state"] is None


def test_it_downloads_an_attachment_and_the_audit_page_shows_it(client, org, register, png_upload):
    case = register(attachments=[png_upload])
    records = client.get(f"{BASE}/{case.number}/records", **bearer(org.dispatcher)).json()
    [listed] = records["attachments"]
    assert (
        listed["name"] == "scan.png" and listed["url"] == f"{BASE}/{case.number}/attachments/{listed['id']}"
    )
    response = client.get(listed["url"], **bearer(org.dispatcher))
    assert response.status_code == 200 and body_of(response)[:4] == b"\x89PNG"
    listing = AuditLog.objects.get(action="view_personal_data", via="api")
    assert listing.detail == {
        "number": case.number,
        "what": "records",
        "api_token": listing.detail["api_token"],
    }
    row = AuditLog.objects.get(action="download_attachment", via="api")
    assert row.user == org.dispatcher and row.detail["number"] == case.number and row.detail["api_token"]
    # The 查阅记录 page's selector lists the API download like a web one.
    assert personal_data_views(user=org.county_head, number=case.number).filter(pk=row.pk).exists()


def test_another_units_user_gets_404_for_records_and_attachments(client, org, register, png_upload):
    case = register(attachments=[png_upload])
    attachment = case.attachments.get()
    headers = bearer(org.other_registrar)
    assert client.get(f"{BASE}/{case.number}/records", **headers).status_code == 404
    response = client.get(f"{BASE}/{case.number}/attachments/{attachment.pk}", **headers)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert not AuditLog.objects.filter(action="download_attachment").exists()


def test_a_whistleblowers_scan_stays_hidden_from_the_handling_unit(client, org, register, png_upload):
    case = register(purpose_code="accusation", attachments=[png_upload])
    case = steps.case_transfer(case=case, actor=org.dispatcher, to_unit=org.town)
    attachment = case.attachments.get()
    headers = bearer(org.town_handler)
    records = client.get(f"{BASE}/{case.number}/records", **headers).json()
    assert records["identity_protected"] is True and records["attachments"] == []
    response = client.get(f"{BASE}/{case.number}/attachments/{attachment.pk}", **headers)
    assert response.status_code == 404 and "附件不存在" in response.json()["detail"]
    # The bureau above still may.
    assert (
        client.get(f"{BASE}/{case.number}/attachments/{attachment.pk}", **bearer(org.dispatcher)).status_code
        == 200
    )


def test_a_bad_attachment_id_is_a_4xx(client, org, register):
    case = register()
    headers = bearer(org.dispatcher)
    assert client.get(f"{BASE}/{case.number}/attachments/999999", **headers).status_code == 404
    assert client.get(f"{BASE}/{case.number}/attachments/abc", **headers).status_code in (404, 422)


# --- The workbench: 待审批 and the Excel export -----------------------------------------------------------


def test_the_head_sees_what_waits_for_a_decision_as_on_the_workbench(client, org, at_town):
    response = client.get(f"{BASE}/workbench/to-decide", {"unit": org.town.pk}, **bearer(org.town_head))
    assert response.status_code == 200
    assert [c["number"] for c in response.json()] == [at_town.number]
    assert [c.number for c in decisions_for(user=org.town_head, unit=org.town)] == [at_town.number]
    # A handler decides nothing; a unit where one holds no seat is 404.
    assert (
        client.get(f"{BASE}/workbench/to-decide", {"unit": org.town.pk}, **bearer(org.town_handler)).json()
        == []
    )
    refused = client.get(f"{BASE}/workbench/to-decide", {"unit": org.town.pk}, **bearer(org.police_head))
    assert refused.status_code == 404


def test_it_exports_a_workbench_group(client, org, at_town):
    response = client.get(
        f"{BASE}/workbench/export", {"unit": org.town.pk, "group": "later"}, **bearer(org.town_handler)
    )
    assert response.status_code == 200, response.content
    sheet = load_workbook(io.BytesIO(body_of(response))).worksheets[0]
    assert at_town.number in [str(c.value) for c in sheet["A"]]
    assert AuditLog.objects.filter(user=org.town_handler, via="api").exists()


def test_a_workbench_export_of_someone_elses_unit_or_group_is_400(client, org, at_town):
    headers = bearer(org.police_handler)
    other = client.get(f"{BASE}/workbench/export", {"unit": org.town.pk, "group": "later"}, **headers)
    assert other.status_code == 400 and "不在该单位任职" in other.json()["detail"]
    bad = client.get(f"{BASE}/workbench/export", {"unit": org.police.pk, "group": "soon"}, **headers)
    assert bad.status_code == 400 and "没有这个分组" in bad.json()["detail"]
    assert client.get(f"{BASE}/workbench/export", {"unit": org.police.pk}, **headers).status_code == 422


# --- 信访件台账 -------------------------------------------------------------------------------------------


def _ledger(unit, **extra):
    today = datetime.date.today()
    return {
        "unit": unit.pk,
        "subtree": "true",
        "received_from": (today - datetime.timedelta(days=30)).isoformat(),
        "received_to": today.isoformat(),
        **extra,
    }


def test_the_ledger_counts_like_the_page_and_exports(client, org, register):
    register()
    register(actor=org.town_handler, unit=org.town)
    headers = bearer(org.dispatcher)
    response = client.get(f"{BASE}/ledger", _ledger(org.county), **headers)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2 and body["unit_name"] == "示范县信访局" and body["subtree"] is True
    client.force_login(org.dispatcher)
    page = client.get("/cases/ledger/", _ledger(org.county))
    assert page.context["count"] == 2
    exported = client.get(body["export_url"], **headers)
    assert exported.status_code == 200
    assert load_workbook(io.BytesIO(body_of(exported))).worksheets[0].max_row >= 3


def test_the_ledger_refuses_a_unit_out_of_sight_and_bad_dates(client, org, register):
    register()
    headers = bearer(org.other_registrar)
    refused = client.get(f"{BASE}/ledger", _ledger(org.county), **headers)
    assert refused.status_code == 400 and "无权查看它的台账" in refused.json()["errors"]["unit"][0]
    reversed_dates = _ledger(org.county, received_from="2026-03-01", received_to="2026-01-01")
    bad = client.get(f"{BASE}/ledger", reversed_dates, **bearer(org.dispatcher))
    assert bad.status_code == 400 and "开始日期不能晚于结束日期" in str(bad.json()["errors"])
    missing = client.get(f"{BASE}/ledger", {"unit": org.county.pk}, **bearer(org.dispatcher))
    assert missing.status_code == 400 and "received_from" in missing.json()["errors"]
    export = client.get(f"{BASE}/ledger/export", _ledger(org.county), **headers)
    assert export.status_code == 400 and "台账条件有误" in export.json()["detail"]


# --- The Excel import's files ------------------------------------------------------------------------------


def test_the_import_template_is_for_registrars_only(client, org):
    response = client.get(f"{BASE}/import/template", **bearer(org.registrar))
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content)).sheetnames
    refused = client.get(f"{BASE}/import/template", **bearer(org.leader_only))
    assert refused.status_code == 403 and "没有导入信访件的权限" in refused.json()["detail"]


def test_an_import_report_goes_through_the_gate_and_is_audited(client, org):
    from django.core.files.base import ContentFile

    from xinfang.intake.models import ImportJob

    job = ImportJob.objects.create(
        unit=org.county, user=org.registrar, original_name="历史.xlsx", sha256="0" * 64, status="invalid"
    )
    assert client.get(f"{BASE}/import/{job.pk}/report", **bearer(org.registrar)).status_code == 404
    job.report.save("report.xlsx", ContentFile(b"PK\x03\x04 report"))
    status = client.get(f"{BASE}/import/{job.pk}", **bearer(org.registrar)).json()
    assert status["report_url"] == f"{BASE}/import/{job.pk}/report"
    response = client.get(status["report_url"], **bearer(org.registrar))
    assert response.status_code == 200 and body_of(response).startswith(b"PK")
    assert AuditLog.objects.filter(action="case_import_report", object_id=str(job.pk), via="api").exists()
    assert client.get(f"{BASE}/import/{job.pk}/report", **bearer(org.other_registrar)).status_code == 404

"""The workflow over real HTTP: the case page's next steps, the htmx forms, and API v1 (issue 3)."""

import datetime
import json

import pytest
from django.urls import reverse

from xinfang.cases import steps
from xinfang.cases.choices import CaseStatus as S
from xinfang.cases.models import Case, CaseEvent
from xinfang.integrations.auth import api_token_create


def bearer(user):
    _token, raw = api_token_create(user=user, name="测试")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def action_url(case, code):
    return reverse("cases:action", args=[case.number, code])


@pytest.fixture
def case(register):
    return register()


def test_case_page_offers_the_next_steps_of_this_user(client, org, case):
    client.force_login(org.dispatcher)
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "下一步" in page and "交办" in page and "转送" in page and "不予受理" in page
    client.force_login(org.registrar)  # a registrar does not dispose
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert action_url(case, "assign") not in page


def test_assign_through_the_htmx_form(client, org, case):
    client.force_login(org.dispatcher)
    form = client.get(action_url(case, "assign"), HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and 'id="action-panel"' in form.content.decode()
    assert "<html" not in form.content.decode()  # a fragment for htmx
    due = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    response = client.post(
        action_url(case, "assign"),
        {"to_unit": org.town.pk, "due_on": due, "note": "请核实", "version": case.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert json.loads(response["HX-Location"]) == {
        "path": reverse("cases:detail", args=[case.number]),
        "target": "body",
    }
    case.refresh_from_db()
    assert case.status == S.PENDING_SIGN and case.owner_unit == org.town
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "交办单" in page and "已完成：交办" in page


def test_bad_input_gets_chinese_messages_and_changes_nothing(client, org, case):
    client.force_login(org.dispatcher)
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    response = client.post(action_url(case, "assign"), {"to_unit": org.town.pk, "due_on": yesterday})
    assert response.status_code == 400
    assert "交办期限必须晚于今天" in response.content.decode()
    response = client.post(action_url(case, "assign"), {"to_unit": 999999, "due_on": "明天"})
    assert response.status_code == 400 and "日期" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == S.REGISTERED


def test_wrong_status_and_wrong_role_are_refused_clearly(client, org, case):
    client.force_login(org.town_handler)  # cannot see a county case that was not sent to it
    assert client.get(action_url(case, "sign")).status_code == 404
    client.force_login(org.dispatcher)
    response = client.get(action_url(case, "sign"))
    assert response.status_code == 409 and "不能“签收”" in response.content.decode()
    client.force_login(org.registrar)
    response = client.post(action_url(case, "assign"), {"to_unit": org.town.pk})
    assert response.status_code == 403 and "没有“交办”的权限" in response.content.decode()
    assert client.get(action_url(case, "no-such-step")).status_code == 404


def test_stale_form_is_told_someone_else_handled_it(client, org, case):
    client.force_login(org.dispatcher)
    client.post(action_url(case, "archive"), {"reason": "感谢信", "version": case.version})
    response = client.post(action_url(case, "archive"), {"reason": "再来一次", "version": case.version})
    assert response.status_code == 409 and "已被他人处理" in response.content.decode()
    assert CaseEvent.objects.filter(case=case, data__action="archive").count() == 1


def test_api_lists_and_performs_actions(client, org, case):
    headers = bearer(org.dispatcher)
    listed = client.get(f"/api/v1/cases/{case.number}/actions", **headers).json()
    assert {"code": "transfer", "label": "转送", "primary": True} in listed
    body = {"to_unit": org.police.pk, "copies": [org.town.pk], "version": case.version}
    response = client.post(
        f"/api/v1/cases/{case.number}/actions/transfer",
        json.dumps(body),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == S.PENDING_SIGN
    again = client.post(
        f"/api/v1/cases/{case.number}/actions/transfer",
        json.dumps(body),
        content_type="application/json",
        **headers,
    )
    assert again.status_code == 409 and "已被他人处理" in again.json()["detail"]  # the same version again
    body.pop("version")
    again = client.post(
        f"/api/v1/cases/{case.number}/actions/transfer",
        json.dumps(body),
        content_type="application/json",
        **headers,
    )
    assert again.status_code == 409 and "不能“转送”" in again.json()["detail"]

    police = bearer(org.police_handler)
    bad = client.post(
        f"/api/v1/cases/{case.number}/actions/object",
        json.dumps({}),
        content_type="application/json",
        **police,
    )
    assert bad.status_code == 400 and "reason" in bad.json()["errors"]
    signed = client.post(
        f"/api/v1/cases/{case.number}/actions/sign", "{}", content_type="application/json", **police
    )
    assert signed.status_code == 200 and signed.json()["status"] == S.SIGNED
    events = client.get(f"/api/v1/cases/{case.number}/events", **police).json()
    assert [e["action"] for e in events if e["action"]] == ["transfer", "sign"]


def test_api_refuses_other_units(client, org, case):
    response = client.post(
        f"/api/v1/cases/{case.number}/actions/sign",
        "{}",
        content_type="application/json",
        **bearer(org.other_registrar),
    )
    assert response.status_code == 404


def test_the_sender_follows_what_it_sent_down(client, org, register):
    case = register()
    steps.case_assign(
        case=case,
        actor=org.dispatcher,
        to_unit=org.town,
        due_on=datetime.date.today() + datetime.timedelta(days=20),
    )
    archived = steps.case_archive(case=register(), actor=org.dispatcher, reason="感谢信")
    client.force_login(org.dispatcher)
    page = client.get(reverse("cases:sent")).content.decode()
    assert case.number in page and "东湖镇" in page and "待签收" in page and archived.number not in page
    steps.case_object(case=Case.objects.get(pk=case.pk), actor=org.town_handler, reason="不属本镇职权")
    page = client.get(reverse("cases:sent"), {"show": "all"}).content.decode()
    assert "已退回" in page and "不属本镇职权" in page
    client.force_login(org.town_handler)  # the township sent nothing down
    assert "没有交转出去的信访件" in client.get(reverse("cases:sent")).content.decode()


def test_api_sent_list(client, org, register):
    case = steps.case_transfer(case=register(), actor=org.dispatcher, to_unit=org.police)
    rows = client.get("/api/v1/cases/sent", **bearer(org.dispatcher)).json()["items"]
    assert [(r["number"], r["to_unit"], r["status"]) for r in rows] == [
        (case.number, "县公安局", "pending_sign")
    ]


def test_the_head_reads_the_draft_before_signing_it_off(client, org, register):
    case = steps.case_accept(case=register(), actor=org.dispatcher)
    steps.case_opinion_draft(
        case=case,
        actor=org.dispatcher,
        outcome="explain",
        facts="经核查，工资已结清。",
        basis="某条例第三条",
        text="予以解释说明",
    )
    client.force_login(org.county_head)
    form = client.get(action_url(case, "opinion_decide")).content.decode()
    assert "经核查，工资已结清。" in form and "解释说明" in form and "某条例第三条" in form
    response = client.post(action_url(case, "opinion_decide"), {"decision": "no", "note": ""})
    assert response.status_code == 400 and "不同意时请写明理由" in response.content.decode()
    client.post(action_url(case, "opinion_decide"), {"decision": "yes"})
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "办理情况" in page and "已同意" in page and "处理意见书" in page


def test_the_workbench_lists_what_waits_for_the_heads_decision(client, org, register):
    case = steps.case_accept(case=register(), actor=org.dispatcher)
    steps.case_extension_request(case=case, actor=org.dispatcher, days=10, reason="需补充调查")
    client.force_login(org.county_head)
    page = client.get(reverse("cases:workbench")).content.decode()
    assert "有 1 件等待审批" in page and case.number in page
    client.force_login(org.registrar)
    assert "等待审批" not in client.get(reverse("cases:workbench")).content.decode()


def test_a_note_with_a_wrong_file_type_is_refused_and_stores_nothing(client, org, register, png_upload):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = steps.case_accept(case=register(), actor=org.dispatcher)
    client.force_login(org.dispatcher)
    fake = SimpleUploadedFile("调查笔录.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(action_url(case, "note"), {"text": "走访了用工单位", "attachments": [fake]})
    assert response.status_code == 400 and "PDF" in response.content.decode()
    assert not case.attachments.exists() and not case.events.filter(data__action="note").exists()
    response = client.post(action_url(case, "note"), {"text": "走访了用工单位", "attachments": [png_upload]})
    assert response.status_code == 302
    assert case.attachments.get().original_name == "scan.png"

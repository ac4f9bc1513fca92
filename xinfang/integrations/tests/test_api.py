import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from conftest import make_png_bytes, valid_resident_id
from xinfang.cases.choices import CaseStatus
from xinfang.cases.models import Case
from xinfang.cases.services import case_transition
from xinfang.integrations.auth import api_token_create


def bearer(user) -> dict:
    _token, raw = api_token_create(user=user, name="测试")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def payload(target, **overrides):
    body = {
        "unit": target.pk,
        "channel": "call",
        "purpose": "claim",
        "title": "道路积水",
        "content": "村口道路一下雨就积水，出行不便。",
        "received_on": (datetime.date.today() - datetime.timedelta(days=1)).isoformat(),
        "petitioners": [{"name": "赵六", "id_number": valid_resident_id(), "phone": "13912345678"}],
    }
    body.update(overrides)
    return body


def post_json(client, url, body, headers):
    return client.post(
        url, data=json.dumps(body, ensure_ascii=False), content_type="application/json", **headers
    )


def test_the_openapi_document_is_published(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert "/api/v1/cases" in spec["paths"] and "/api/v1/cases/{number}" in spec["paths"]


def test_it_requires_a_valid_bearer_token(client, org):
    assert client.get("/api/v1/units/me").status_code == 401
    response = client.get("/api/v1/units/me", HTTP_AUTHORIZATION="Bearer nope")
    assert response.status_code == 401 and "未认证" in response.json()["detail"]


def test_a_revoked_token_stops_working(client, org):
    from django.utils import timezone

    token, raw = api_token_create(user=org.registrar, name="测试")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/v1/units/me", **headers).status_code == 200
    token.revoked_at = timezone.now()
    token.save()
    assert client.get("/api/v1/units/me", **headers).status_code == 401


def test_the_management_command_prints_a_working_token(client, org, capsys):
    call_command("create_api_token", "--user", "registrar")
    raw = capsys.readouterr().out.strip()
    me = client.get("/api/v1/units/me", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert me["username"] == "registrar" and me["seats"][0]["roles"] == ["registrar"]


def test_it_registers_a_case_and_answers_in_readable_chinese(client, org):
    response = post_json(client, "/api/v1/cases", payload(org.county), bearer(org.registrar))
    assert response.status_code == 201, response.content
    assert "道路积水".encode() in response.content  # not \\u escapes
    body = response.json()
    assert body["status"] == CaseStatus.REGISTERED and len(body["query_code"]) == 10
    assert body["petitioners"][0]["phone_masked"] == "139****5678"
    assert body["deadlines"][0]["step"] == "dispose" and body["deadlines"][0]["explanation"]


def test_an_idempotency_key_registers_once(client, org):
    headers = {**bearer(org.registrar), "HTTP_IDEMPOTENCY_KEY": "oa-42"}
    first = post_json(client, "/api/v1/cases", payload(org.county), headers)
    second = post_json(client, "/api/v1/cases", payload(org.county), headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["number"] == second.json()["number"] and Case.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "status", "key"),
    [
        (
            {"petitioners": [{"name": "赵六", "id_number": "990121198001011239"}]},
            400,
            "petitioners.0.id_number",
        ),
        ({"petitioners": [{"name": "赵六", "phone": "12"}]}, 400, "petitioners.0.phone"),
        ({"received_on": "2026-02-30"}, 422, "received_on"),
        ({"received_on": "2999-01-01"}, 400, "received_on"),
        ({"title": ""}, 400, "title"),
        ({"channel": "pigeon"}, 400, "channel"),
        ({"headcount": 0}, 422, "headcount"),
        ({"unit": "abc"}, 422, "unit"),
    ],
)
def test_bad_input_gets_a_4xx_with_chinese_messages_and_nothing_is_written(
    client, org, overrides, status, key
):
    body = payload(org.county, **overrides)
    if key == "petitioners.0.id_number" and valid_resident_id().endswith("9"):
        body["petitioners"][0]["id_number"] = "990121198001011238"
    response = post_json(client, "/api/v1/cases", body, bearer(org.registrar))
    assert response.status_code == status, response.content
    errors = response.json()["errors"]
    assert any(k.startswith(key) for k in errors), errors
    assert Case.objects.count() == 0


def test_missing_fields_and_broken_json_are_4xx(client, org):
    headers = bearer(org.registrar)
    assert post_json(client, "/api/v1/cases", {"unit": org.county.pk}, headers).status_code == 422
    broken = client.post("/api/v1/cases", data="{not json", content_type="application/json", **headers)
    assert broken.status_code in (400, 422)
    assert Case.objects.count() == 0


def test_it_refuses_registration_at_a_unit_the_user_does_not_belong_to(client, org):
    response = post_json(client, "/api/v1/cases", payload(org.other), bearer(org.registrar))
    assert response.status_code == 403 and "无权" in response.json()["detail"]
    response = post_json(client, "/api/v1/cases", payload(org.county), bearer(org.leader_only))
    assert response.status_code == 403
    assert Case.objects.count() == 0


def test_case_reads_follow_the_same_gate_as_the_web(client, register, org):
    case = register()
    assert client.get(f"/api/v1/cases/{case.number}", **bearer(org.dispatcher)).status_code == 200
    hidden = client.get(f"/api/v1/cases/{case.number}", **bearer(org.other_registrar))
    missing = client.get("/api/v1/cases/123", **bearer(org.other_registrar))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_a_protected_case_hides_the_petitioner_from_the_handling_unit(client, register, org):
    case = register(purpose_code="accusation")
    case_transition(
        case=case,
        to_status=CaseStatus.PENDING_SIGN,
        actor=org.dispatcher,
        unit=org.county,
        new_owner=org.police,
    )
    body = client.get(f"/api/v1/cases/{case.number}", **bearer(org.police_handler)).json()
    assert body["identity_protected"] is True and body["petitioners"] == []
    assert "张三" not in json.dumps(body, ensure_ascii=False)


def test_workbench_lookup_events_and_deadlines(client, register, org):
    case = register(received_on=datetime.date.today() - datetime.timedelta(days=30))
    headers = bearer(org.registrar)
    bench = client.get("/api/v1/cases/workbench", {"group": "overdue"}, **headers).json()
    assert bench["counts"]["overdue"] == 1 and bench["items"][0]["number"] == case.number
    found = client.get("/api/v1/cases/lookup", {"q": case.query_code}, **headers).json()
    assert [item["number"] for item in found["items"]] == [case.number]
    events = client.get(f"/api/v1/cases/{case.number}/events", **headers).json()
    assert events[0]["kind"] == "registered"
    deadlines = client.get(f"/api/v1/cases/{case.number}/deadlines", **headers).json()
    assert deadlines[0]["due_on"] < datetime.date.today().isoformat()


def test_attachment_upload_checks_the_content(client, register, org):
    case = register()
    headers = bearer(org.registrar)
    good = SimpleUploadedFile("scan.png", make_png_bytes(), content_type="image/png")
    assert (
        client.post(f"/api/v1/cases/{case.number}/attachments", {"file": good}, **headers).status_code == 201
    )
    bad = SimpleUploadedFile("scan.png", b"GIF89a not allowed", content_type="image/png")
    response = client.post(f"/api/v1/cases/{case.number}/attachments", {"file": bad}, **headers)
    assert response.status_code == 400 and "不是有效的PDF" in json.dumps(response.json(), ensure_ascii=False)
    assert case.attachments.count() == 1
    assert case.events.filter(kind="attachment_added").count() == 1


def test_reference_data_and_units(client, org):
    headers = bearer(org.registrar)
    channels = {c["code"]: c for c in client.get("/api/v1/reference/channels", **headers).json()}
    assert channels["web"]["is_online"] and not channels["letter"]["is_online"]
    assert {"accusation", "claim", "suggestion", "consult"} <= {
        p["code"] for p in client.get("/api/v1/reference/purposes", **headers).json()
    }
    categories = client.get("/api/v1/reference/categories", **headers).json()
    assert "城乡建设" in {c["name"] for c in categories if c["parent_id"] is None}
    units = client.get("/api/v1/units", **headers).json()
    assert {u["name"] for u in units} >= {"示范市信访局", "示范县信访局", "东湖镇"}


def test_earlier_cases_api(client, register, org):
    earlier = register()
    register(actor=org.other_registrar, unit=org.other)
    body = client.get("/api/v1/cases/earlier", {"phone": "13912345678"}, **bearer(org.registrar)).json()
    assert [c["number"] for c in body["items"]] == [earlier.number] and body["hidden_count"] == 1


def test_the_api_docs_load_swagger_from_local_static_files(client, db):
    page = client.get("/api/v1/docs").content.decode()
    assert "swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import PASSWORD, make_png_bytes, valid_resident_id
from xinfang.cases.models import Case


def form_data(unit, **overrides):
    data = {
        "submission_key": "",
        "unit": unit.pk,
        "channel": "letter",
        "purpose": "claim",
        "received_on": (datetime.date.today() - datetime.timedelta(days=1)).isoformat(),
        "title": "小区噪音扰民",
        "content": "楼下餐馆夜间排风机噪音很大，影响休息。",
        "demands": "请求整改",
        "headcount": "1",
        "p-TOTAL_FORMS": "1",
        "p-INITIAL_FORMS": "0",
        "p-MIN_NUM_FORMS": "0",
        "p-MAX_NUM_FORMS": "20",
        "p-0-name": "王五",
        "p-0-id_type": "resident",
        "p-0-id_number": valid_resident_id(),
        "p-0-phone": "13912345678",
        "p-0-address": "东湖镇2号",
    }
    data.update(overrides)
    return data


@pytest.fixture
def registrar_client(client, org):
    client.force_login(org.registrar)
    return client


def test_it_shows_the_form_to_a_registrar(registrar_client):
    page = registrar_client.get("/intake/register/")
    assert page.status_code == 200
    assert "登记信访件" in page.content.decode()


def test_it_refuses_the_form_to_a_user_without_the_role(client, org):
    client.force_login(org.leader_only)
    assert client.get("/intake/register/").status_code == 403


def test_it_sends_anonymous_visitors_to_login(client, org):
    response = client.get("/intake/register/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_registers_and_shows_the_receipt(registrar_client, org):
    scan = SimpleUploadedFile("scan.png", make_png_bytes(), content_type="image/png")
    response = registrar_client.post("/intake/register/", form_data(org.county, attachments=scan))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.number}/receipt/"
    receipt = registrar_client.get(response["Location"]).content.decode()
    assert case.number in receipt and case.query_code in receipt
    assert case.attachments.count() == 1


def test_it_registers_once_when_the_form_is_submitted_twice(registrar_client, org):
    data = form_data(org.county, submission_key="abc123")
    first = registrar_client.post("/intake/register/", data)
    second = registrar_client.post("/intake/register/", data)
    assert first["Location"] == second["Location"]
    assert Case.objects.count() == 1


def test_it_refuses_a_tampered_unit(registrar_client, org):
    response = registrar_client.post("/intake/register/", form_data(org.other))
    assert response.status_code == 403
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"p-0-id_number": "990121198001011230"}, "校验位不正确"),
        ({"p-0-phone": "123"}, "电话号码"),
        ({"title": ""}, "这个字段是必填项"),
        ({"received_on": "2999-01-01"}, "不能晚于今天"),
        ({"received_on": "not-a-date"}, "日期"),
        ({"channel": "pigeon"}, "选择一个有效的选项"),
        ({"headcount": "-3"}, "大于或等于1"),
        ({"repeat_of": "99012120000101000001"}, "找不到编号"),
        (
            {"attachments": SimpleUploadedFile("a.pdf", b"not a pdf", content_type="application/pdf")},
            "不是有效的PDF",
        ),
    ],
)
def test_it_shows_clear_chinese_errors_and_saves_nothing(registrar_client, org, overrides, message):
    if overrides.get("p-0-id_number") == "990121198001011230" and valid_resident_id().endswith("0"):
        overrides = {"p-0-id_number": "990121198001011231"}
    response = registrar_client.post("/intake/register/", form_data(org.county, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Case.objects.count() == 0


def test_it_lists_earlier_cases_of_the_same_petitioner(registrar_client, register, org):
    earlier = register()
    elsewhere = register(actor=org.other_registrar, unit=org.other)
    page = registrar_client.get("/intake/register/earlier/", {"p-0-id_number": valid_resident_id()})
    body = page.content.decode()
    assert earlier.number in body
    assert elsewhere.number not in body and "另有 1 件在其他单位" in body


def test_it_marks_a_repeat_from_the_form(registrar_client, register, org):
    earlier = register()
    registrar_client.post("/intake/register/", form_data(org.county, repeat_of=earlier.number))
    case = Case.objects.exclude(pk=earlier.pk).get()
    assert case.is_repeat and case.repeat_of == earlier


def test_the_login_page_logs_in_and_locks_out_after_repeated_failures(client, org, settings):
    settings.AXES_FAILURE_LIMIT = 3
    ok = client.post("/accounts/login/", {"username": "registrar", "password": PASSWORD})
    assert ok.status_code == 302
    client.logout()
    for _ in range(3):
        client.post("/accounts/login/", {"username": "registrar", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "registrar", "password": PASSWORD})
    assert locked.status_code in (403, 429)
    assert "暂时锁定" in locked.content.decode()

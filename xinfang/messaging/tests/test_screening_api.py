"""API v1 of 信箱审查 (`/api/v1/messages`): the same gate, services and messages as the pages; 4xx, never 500."""

import json

import pytest

from conftest import valid_resident_id
from xinfang.cases.models import Case
from xinfang.common.models import AuditLog
from xinfang.integrations.auth import api_token_create
from xinfang.messaging.choices import ScreeningStatus, Source
from xinfang.messaging.models import InboundMessage, Publication
from xinfang.messaging.tests.test_screening import (  # noqa: F401 - the fixture applies here too
    SCRIPT,
    closed_case_reply_ready,
    portal_is_the_county,
    receive,
)

BASE = "/api/v1/messages"


def bearer(user) -> dict:
    _token, raw = api_token_create(user=user, name="测试")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def api(client, org):
    headers = bearer(org.registrar)

    class Api:
        def get(self, path, headers=headers, **params):
            return client.get(BASE + path, params, **headers)

        def post(self, path, body, headers=headers):
            return client.post(
                BASE + path,
                data=json.dumps(body, ensure_ascii=False),
                content_type="application/json",
                **headers,
            )

    return Api()


def test_it_lists_the_queue_with_counts_and_masked_senders(api, org):
    first = receive(source=Source.SMS)
    receive(source=Source.FORUM)
    response = api.get("")
    assert response.status_code == 200
    body = response.json()
    assert body["counts"]["pending"] == 2 and body["counts"]["by_source"]["sms"] == 1
    assert body["items"][0]["number"] == first.number and body["items"][0]["phone_masked"] == "139****5678"
    assert "13912345678" not in response.content.decode()
    found = api.get("", q=first.number).json()
    assert [m["number"] for m in found["items"]] == [first.number]
    assert api.get("", tab="handled").json()["items"] == []


def test_one_message_shows_personal_data_and_the_view_is_audited(api, org):
    message = receive(id_number=valid_resident_id())
    body = api.get(f"/{message.number}").json()
    assert body["phone"] == "13912345678" and body["id_number"] == valid_resident_id()
    audit = AuditLog.objects.get(action="view_personal_data")
    assert audit.detail["message"] == message.number and audit.via == "api"
    assert audit.detail["api_token"].startswith("xf_")  # which token read it (issue 7 §2)


def test_the_four_decisions(api, org, register):
    answered, converted, merged, spam = (receive() for _ in range(4))
    case = register()
    assert api.post(f"/{answered.number}/answer", {"answer": "已答复。"}).json()["status"] == "answered"
    body = api.post(
        f"/{converted.number}/convert",
        {
            "purpose": "claim",
            "title": "路灯",
            "content": "路灯不亮",
            "name": "周市民",
            "phone": "13912345678",
        },
    ).json()
    assert body["message"]["status"] == "converted" and body["case_number"] == body["message"]["case_number"]
    merged_body = api.post(f"/{merged.number}/merge", {"case_number": case.number}).json()
    assert merged_body["status"] == "merged" and merged_body["case_number"] == case.number
    assert api.post(f"/{spam.number}/spam", {"reason": "广告"}).json()["reason"] == "广告"
    statuses = dict(InboundMessage.objects.values_list("number", "status"))
    assert statuses == {
        answered.number: ScreeningStatus.ANSWERED,
        converted.number: ScreeningStatus.CONVERTED,
        merged.number: ScreeningStatus.MERGED,
        spam.number: ScreeningStatus.SPAM,
    }


def test_a_double_convert_makes_one_case(api, org):
    message = receive()
    body = {"purpose": "claim", "title": "路灯", "content": "路灯不亮", "name": "周市民"}
    first = api.post(f"/{message.number}/convert", body)
    second = api.post(f"/{message.number}/convert", body)
    assert first.status_code == second.status_code == 200
    assert first.json()["case_number"] == second.json()["case_number"] and Case.objects.count() == 1


def test_the_loser_gets_409_and_nothing_changes(api, org, client):
    message = receive()
    assert api.post(f"/{message.number}/answer", {"answer": "已答复。"}).status_code == 200
    other = bearer(org.dispatcher)
    response = api.post(f"/{message.number}/spam", {"reason": "广告"}, headers=other)
    assert response.status_code == 409 and "已被他人处理" in response.json()["detail"]
    message.refresh_from_db()
    assert message.status == ScreeningStatus.ANSWERED and message.reason == ""


@pytest.mark.parametrize(
    ("path", "body", "field", "text"),
    [
        ("answer", {"answer": " "}, "answer", "请填写答复内容"),
        ("spam", {"reason": ""}, "reason", "理由"),
        ("merge", {"case_number": "nope"}, "case_number", "找不到"),
        (
            "convert",
            {"purpose": "claim", "title": "t", "content": "c", "name": "周", "phone": "1"},
            "phone",
            "电话",
        ),
        ("convert", {"purpose": "claim", "title": "", "content": "c", "name": "周"}, "title", "标题"),
    ],
)
def test_bad_input_is_400_with_the_chinese_message(api, org, path, body, field, text):
    message = receive()
    response = api.post(f"/{message.number}/{path}", body)
    assert response.status_code == 400
    assert text in " ".join(response.json()["errors"][field])
    message.refresh_from_db()
    assert message.status == ScreeningStatus.NEW


@pytest.mark.parametrize("payload", [{"answer": 5}, {}, "not json"])
def test_a_malformed_body_is_422(api, org, client, payload):
    message = receive()
    if isinstance(payload, str):
        response = client.post(
            f"{BASE}/{message.number}/answer",
            data=payload,
            content_type="application/json",
            **bearer(org.registrar),
        )
    else:
        response = api.post(f"/{message.number}/answer", payload)
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("outsider", ["town_handler", "other_registrar", "city_head"])
def test_other_units_staff_get_404(api, org, outsider):
    message = receive()
    headers = bearer(getattr(org, outsider))
    assert api.get(f"/{message.number}", headers=headers).status_code == 404
    assert api.post(f"/{message.number}/answer", {"answer": "x"}, headers=headers).status_code == 404
    assert api.post(f"/{message.number}/spam", {"reason": "x"}, headers=headers).status_code == 404
    queue = api.get("", headers=headers)
    assert queue.status_code == 403 or queue.json()["items"] == []
    message.refresh_from_db()
    assert message.status == ScreeningStatus.NEW


def test_a_head_cannot_convert_by_api(api, org):
    message = receive()
    response = api.post(
        f"/{message.number}/convert",
        {"purpose": "claim", "title": "t", "content": "c", "name": "周市民"},
        headers=bearer(org.county_head),
    )
    assert response.status_code == 403 and "登记员" in response.json()["detail"]


def test_script_is_returned_as_data_not_markup(api, org):
    message = receive(title=SCRIPT, content=SCRIPT, name=SCRIPT[:40])
    response = api.get(f"/{message.number}")
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["title"] == SCRIPT


def test_a_reply_is_drafted_approved_and_withdrawn(api, org):
    message = closed_case_reply_ready(org)
    text = {"title": "路灯", "question": "路灯不亮怎么办", "answer": "已修复"}
    draft = api.post(f"/{message.number}/reply", text)
    assert draft.status_code == 201 and draft.json()["is_public"] is False
    pk = draft.json()["id"]
    assert [p["id"] for p in api.get("/publications").json()] == [pk]
    assert api.post(f"/publications/{pk}/approve", {}).status_code == 403  # a registrar does not approve
    head = bearer(org.county_head)
    approved = api.post(f"/publications/{pk}/approve", {"answer": "路灯已修复"}, headers=head)
    assert (
        approved.status_code == 200
        and approved.json()["is_public"]
        and approved.json()["answer"] == "路灯已修复"
    )
    assert api.post(f"/publications/{pk}/approve", {}, headers=head).status_code == 409
    withdrawn = api.post(f"/publications/{pk}/withdraw", {"reason": "撤回"}, headers=head)
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_at"] is not None
    assert not Publication.objects.filter(published_at__isnull=False, withdrawn_at__isnull=True).exists()
    assert api.get("/publications/999999").status_code == 404


def test_an_faq_draft_with_a_phone_number_is_400(api, org):
    message = receive(source=Source.CONSULT, kind="consult")
    body = {"answer": "已答复", "publish": True, "faq_title": "问", "faq_question": "请回电13800001111"}
    response = api.post(f"/{message.number}/answer", body)
    assert response.status_code == 400 and "faq_question" in response.json()["errors"]
    api.post(f"/{message.number}/answer", {"answer": "已答复"})
    faq = api.post(f"/{message.number}/faq", {"title": "问", "question": "低保怎么办", "answer": "到民政办"})
    assert faq.status_code == 201 and faq.json()["kind"] == "faq"

"""API v1 public endpoints: no token, the same captcha, limits and Chinese messages as the pages."""

import base64
import io

import docx
import pytest
from django.test import Client

from conftest import make_png_bytes
from xinfang.cases.models import Evaluation
from xinfang.messaging.choices import MessageKind, Source
from xinfang.messaging.models import InboundMessage, MessageAttachment, OutboundSms, Publication
from xinfang.portal.models import Captcha
from xinfang.portal.tests.support import answer_and_serve, convert

pytestmark = pytest.mark.django_db

API = "/api/v1/public"


def api_captcha(client) -> dict:
    body = client.get(f"{API}/captcha").json()
    return {"captcha_id": body["id"], "captcha_answer": Captcha.objects.get(pk=body["id"]).answer}


def payload(client, **overrides) -> dict:
    body = {
        "kind": "help",
        "name": "孙市民",
        "phone": "13700000002",
        "title": "低保申请",
        "content": "家里困难，想问怎么申请低保。",
        "consent_publish": True,
        **api_captcha(client),
    }
    body.update(overrides)
    return body


def post(client, path, body, **extra):
    return client.post(f"{API}{path}", body, content_type="application/json", **extra)


def test_the_captcha_is_an_id_and_a_png(client):
    body = client.get(f"{API}/captcha").json()
    assert base64.b64decode(body["png_base64"]).startswith(b"\x89PNG\r\n\x1a\n")
    assert Captcha.objects.filter(pk=body["id"]).exists() and body["expires_at"]


def test_a_letter_is_accepted_without_any_token(org, client):
    response = post(client, "/letters", payload(client))
    assert response.status_code == 201, response.content
    body = response.json()
    message = InboundMessage.objects.get()
    assert body["number"] == message.number and body["query_code"] == message.query_code
    assert body["sms"] == "queued" and not body["replayed"]
    assert message.kind == MessageKind.HELP and message.source == Source.MAILBOX and message.consent_publish
    assert OutboundSms.objects.filter(message=message).exists()


def test_the_same_submission_twice_gives_the_first_answer(org, client):
    body = payload(client)
    first = post(client, "/letters", body).json()
    again = post(client, "/letters", body)
    assert again.status_code == 200 and again.json()["replayed"] and again.json()["number"] == first["number"]
    assert InboundMessage.objects.count() == 1


def test_a_consultation_is_of_kind_consult(org, client):
    response = post(client, "/consultations", payload(client, kind="report"))
    assert response.status_code == 201
    message = InboundMessage.objects.get()
    assert message.kind == MessageKind.CONSULT and message.source == Source.CONSULT


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"content": ""}, "content", "请填写内容"),
        ({"content": "长" * 20_000}, "content", "内容最多5000字"),
        ({"phone": "12345"}, "phone", "电话号码"),
        ({"name": ""}, "name", "请填写姓名"),
        ({"captcha_answer": "WRONG"}, "captcha", "验证码不正确"),
        ({"captcha_id": "nope"}, "captcha", "验证码已失效"),
        ({"kind": "lottery"}, "kind", "请选择类型"),
        ({"attachments": [{"name": "a.png", "content_base64": "%%%not base64%%%"}]}, "attachments", "Base64"),
        (
            {
                "attachments": [
                    {"name": "a.png", "content_base64": base64.b64encode(b"MZ\x90\x00 exe").decode()}
                ]
            },
            "attachments",
            "不是有效的PDF、JPG或PNG文件",
        ),
    ],
)
def test_bad_letters_get_400_with_field_messages_and_nothing_is_stored(org, client, overrides, field, text):
    response = post(client, "/letters", payload(client, **overrides))
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and text in " ".join(body["errors"][field])
    assert not InboundMessage.objects.exists() and not OutboundSms.objects.exists()


def test_a_malformed_request_is_422_not_500(org, client):
    assert post(client, "/letters", {"content": "缺验证码"}).status_code == 422
    assert post(client, "/letters", {**payload(client), "is_anonymous": "maybe"}).status_code == 422
    broken = client.post(f"{API}/letters", "{not json", content_type="application/json")
    assert 400 <= broken.status_code < 500
    assert not InboundMessage.objects.exists()


def test_a_png_attachment_is_stored(org, client):
    png = base64.b64encode(make_png_bytes()).decode()
    response = post(
        client, "/letters", payload(client, attachments=[{"name": "现场.png", "content_base64": png}])
    )
    assert response.status_code == 201
    assert MessageAttachment.objects.get().content_type == "image/png"


def test_letters_share_the_pages_limits(org, client):
    for n in range(5):
        assert post(client, "/letters", payload(client, phone=f"1370000001{n}")).status_code == 201
    response = post(client, "/letters", payload(client, phone="13700000099"))
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "请稍后再试" in response.json()["detail"]
    assert InboundMessage.objects.count() == 5


def test_track_answers_the_holder_and_the_same_404_to_guessers(org, client):
    message = InboundMessage.objects.get(number=post(client, "/letters", payload(client)).json()["number"])
    response = post(client, "/track", {"number": message.number, "code": message.query_code})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "已收到，正在审查" and body["title"] == "低保申请" and body["deadlines"]
    assert "孙市民" not in response.content.decode() and "13700000002" not in response.content.decode()
    wrong_code = post(client, "/track", {"number": message.number, "code": "1111111111"})
    wrong_number = post(client, "/track", {"number": "W2099010100001", "code": message.query_code})
    assert wrong_code.status_code == wrong_number.status_code == 404
    assert wrong_code.json() == wrong_number.json()


def test_track_guessing_is_limited(org):
    guesser = Client(REMOTE_ADDR="10.7.0.1")
    for n in range(10):
        assert post(guesser, "/track", {"number": "W2099010100001", "code": f"{n:010d}"}).status_code == 404
    response = post(guesser, "/track", {"number": "W2099010100001", "code": "0000000000"})
    assert response.status_code == 429 and "查询失败次数过多" in response.json()["detail"]


def test_evaluation_review_and_documents_through_the_api(org, client, register):
    number = post(client, "/letters", payload(client)).json()["number"]
    message = InboundMessage.objects.get(number=number)
    case = answer_and_serve(convert(message, org, register), org)
    pair = {"number": message.number, "code": message.query_code}
    body = post(client, "/track", pair).json()
    assert body["evaluation_targets"] == ["bureau", "handler"] and body["review"] == "复查"
    kinds = [d["kind"] for d in body["documents"]]
    assert kinds == ["accept_notice", "opinion"]
    response = post(client, "/evaluations", {**pair, "target": "handler", "level": "fairly"})
    assert response.status_code == 200 and response.json()["evaluation_targets"] == ["bureau"]
    again = post(client, "/evaluations", {**pair, "target": "handler", "level": "satisfied"})
    assert again.status_code == 409 and "已录入过" in again.json()["detail"]
    assert Evaluation.objects.get(case=case).level == "fairly"
    bad = post(client, "/evaluations", {**pair, "target": "handler", "level": "superb"})
    assert bad.status_code == 400 and "level" in bad.json()["errors"]
    wrong = post(
        client, "/evaluations", {**pair, "code": "1111111111", "target": "bureau", "level": "satisfied"}
    )
    assert wrong.status_code == 404
    opinion = next(d for d in body["documents"] if d["kind"] == "opinion")
    paper = post(client, "/documents", {**pair, "document_id": opinion["id"], "format": "docx"})
    assert paper.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(paper.content)).paragraphs)
    assert "已责成供电所于一周内修复" in text
    slip_id = case.documents.get(kind="service_receipt").pk
    assert post(client, "/documents", {**pair, "document_id": slip_id}).status_code == 404
    review = post(client, "/reviews", {**pair, "reason": "仍未修好"})
    assert review.status_code == 200 and review.json()["status"] == "复查中"
    assert post(client, "/reviews", {**pair, "reason": "再来一次"}).status_code == 409


def test_the_faq_and_replies_are_listed_and_searched(org, client, publish):
    publish(Publication.Kind.FAQ, title="医保办理", answer="到便民服务中心")
    publish(Publication.Kind.REPLY, title="路灯修复")
    publish(Publication.Kind.REPLY, title="草稿", published_at=None)
    faq = client.get(f"{API}/faq", {"q": "便民"}).json()
    assert [i["title"] for i in faq["items"]] == ["医保办理"] and faq["pagination"]["count"] == 1
    replies = client.get(f"{API}/replies").json()
    assert [i["title"] for i in replies["items"]] == ["路灯修复"]
    assert client.get(f"{API}/replies", {"page": 0}).status_code == 422


def test_the_rest_of_the_api_still_needs_a_token(org, client):
    assert client.get("/api/v1/cases/workbench").status_code == 401


def test_apps_post_without_a_csrf_token(org):
    app = Client(enforce_csrf_checks=True)
    response = post(app, "/letters", payload(app))
    assert response.status_code == 201
    message = InboundMessage.objects.get()
    assert post(app, "/track", {"number": message.number, "code": message.query_code}).status_code == 200

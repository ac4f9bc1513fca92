"""写信 and 在线咨询 on the web: the form, the captcha, the success page, bad input and double clicks."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import make_pdf_bytes, make_png_bytes
from xinfang.messaging.choices import MessageKind, SmsStatus, Source
from xinfang.messaging.models import InboundMessage, MessageAttachment, OutboundSms, SmsOptOut
from xinfang.messaging.services import MAX_CONTENT
from xinfang.portal.models import Captcha
from xinfang.portal.tests.support import letter, solved

pytestmark = pytest.mark.django_db


def test_it_shows_the_form_with_a_captcha_image_and_its_text_alternative(org, client):
    response = client.get("/portal/write/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'alt="验证码图片：请输入图中的4个字母或数字"' in html and 'src="data:image/png;base64,' in html
    assert "0999-12345" in html and "读屏软件" in html  # the phone for people who cannot read the image
    assert "csrfmiddlewaretoken" in html and "看不清？换一张" in html
    assert 'maxlength="5000"' in html
    assert "工作台" not in html and "/cases/" not in html  # no staff navigation
    captcha_id = re.search(r'name="captcha_id" value="([^"]+)"', html).group(1)
    assert Captcha.objects.filter(pk=captcha_id, used_at__isnull=True).exists()


def test_it_stores_the_letter_and_shows_number_and_code_in_large_text(org, client):
    response = client.post("/portal/write/", letter())
    assert response.status_code == 302 and response["Location"] == "/portal/write/done/"
    message = InboundMessage.objects.get()
    assert message.source == Source.MAILBOX and message.kind == MessageKind.COMPLAINT
    assert message.consent_publish and message.sender_ip == "127.0.0.1"
    done = client.get("/portal/write/done/")
    html = done.content.decode()
    assert f'data-testid="number">{message.number}<' in html
    assert f'data-testid="query-code">{message.query_code}<' in html
    assert "请抄下或截图保存" in html and "已通过短信发送到 139****5678" in html
    assert done["Cache-Control"] == "private, no-store"
    sms = OutboundSms.objects.get(message=message)
    assert sms.status == SmsStatus.QUEUED and message.query_code in sms.text


def test_the_success_page_is_only_for_the_session_that_wrote(org, client):
    client.post("/portal/write/", letter())
    other = Client()
    response = other.get("/portal/write/done/")
    assert response.status_code == 302 and response["Location"] == "/portal/write/"


def test_a_consultation_is_a_message_of_kind_consult(org, client):
    response = client.get("/portal/consult/")
    assert response.status_code == 200 and 'name="kind"' not in response.content.decode()
    response = client.post("/portal/consult/", letter(kind="report", title="新生儿医保怎么办理"))
    assert response.status_code == 302
    message = InboundMessage.objects.get()
    assert message.source == Source.CONSULT and message.kind == MessageKind.CONSULT


def test_a_double_click_makes_one_message_and_both_clicks_land_on_it(org, client):
    data = letter()
    first = client.post("/portal/write/", data)
    second = client.post("/portal/write/", data)
    assert first.status_code == second.status_code == 302
    assert InboundMessage.objects.count() == 1 and OutboundSms.objects.count() == 1
    assert client.get("/portal/write/done/").status_code == 200


def test_a_replayed_captcha_with_other_content_is_refused_and_nothing_stored(org, client):
    data = letter()
    client.post("/portal/write/", data)
    response = client.post("/portal/write/", {**data, "content": "另一封信"})
    assert response.status_code == 400
    assert "这张验证码已经用过" in response.content.decode()
    assert InboundMessage.objects.count() == 1


def test_a_wrong_answer_spends_the_captcha_and_shows_a_new_one(org, client):
    data = letter()
    response = client.post("/portal/write/", {**data, "captcha": "????"})
    html = response.content.decode()
    assert response.status_code == 400 and "验证码不正确" in html
    assert not InboundMessage.objects.exists()
    new_id = re.search(r'name="captcha_id" value="([^"]+)"', html).group(1)
    assert new_id != data["captcha_id"]
    again = client.post("/portal/write/", data)  # the right answer, too late: one guess per image
    assert again.status_code == 400 and "这张验证码已经用过" in again.content.decode()
    assert not InboundMessage.objects.exists()


def test_the_answer_ignores_case_spaces_and_full_width_letters(org, client):
    captcha_id, answer = solved()
    typed = " ".join(chr(ord(c) + 0xFEE0) for c in answer.lower())  # ａ ７ ｋ … as some IMEs type them
    response = client.post("/portal/write/", letter(captcha_id=captcha_id, captcha=typed))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("overrides", "text"),
    [
        ({"content": ""}, "请填写内容"),
        ({"content": "   "}, "请填写内容"),
        ({"content": "长" * 20_000}, f"内容最多{MAX_CONTENT}字"),
        ({"phone": "1234"}, "电话号码"),
        ({"phone": "139123456789999"}, "电话号码"),
        ({"name": ""}, "请填写姓名"),
        ({"phone": ""}, "请填写手机号码"),
        ({"name": "张三😀"}, "姓名只能填写文字"),
        ({"title": ""}, "请填写标题"),
        ({"kind": "other"}, "请选择类型"),
        ({"id_number": "110101199003071234"}, "身份证号码"),
        ({"content": "内容\x07含控制字符"}, "控制字符"),
        ({"captcha": ""}, "请输入验证码"),
        ({"captcha_id": "nonexistent"}, "验证码已失效"),
    ],
)
def test_bad_input_gets_a_chinese_message_a_4xx_and_nothing_is_stored(org, client, overrides, text):
    response = client.post("/portal/write/", letter(**overrides))
    assert response.status_code == 400
    assert text in response.content.decode()
    assert not InboundMessage.objects.exists() and not OutboundSms.objects.exists()


def test_emoji_and_mixed_scripts_are_kept_exactly(org, client):
    content = "路灯坏了😀🚧 Street light broken · ئۇيغۇرچە · 노인 · 𠀋𪚥 (CJK Ext-B)"
    response = client.post(
        "/portal/write/", letter(name="阿依古丽·买买提", title="Lamp 路灯 🚧", content=content)
    )
    assert response.status_code == 302
    message = InboundMessage.objects.get()
    assert (
        message.content == content and message.name == "阿依古丽·买买提" and message.title == "Lamp 路灯 🚧"
    )


def test_an_anonymous_report_needs_no_name_or_phone_and_sends_no_sms(org, client):
    response = client.post(
        "/portal/write/", letter(kind="report", is_anonymous="on", name="", phone="", title="某站所乱收费")
    )
    assert response.status_code == 302
    message = InboundMessage.objects.get()
    assert message.is_anonymous and not message.phone and not OutboundSms.objects.exists()
    assert "匿名举报不发送短信" in client.get("/portal/write/done/").content.decode()


def test_anonymity_is_only_for_reports(org, client):
    response = client.post("/portal/write/", letter(kind="complaint", is_anonymous="on", name="", phone=""))
    assert response.status_code == 400 and "请填写姓名" in response.content.decode()
    assert not InboundMessage.objects.exists()


def test_an_opted_out_phone_is_told_no_sms_was_sent(org, client):
    SmsOptOut.objects.create(phone="13912345678")
    client.post("/portal/write/", letter())
    assert "已退订短信通知" in client.get("/portal/write/done/").content.decode()


def test_attachments_are_checked_by_content(org, client):
    fake = SimpleUploadedFile("照片.png", b"this is not an image at all", content_type="image/png")
    response = client.post("/portal/write/", {**letter(), "attachments": [fake]})
    assert response.status_code == 400 and "不是有效的PDF、JPG或PNG文件" in response.content.decode()
    assert not InboundMessage.objects.exists() and not MessageAttachment.objects.exists()
    png = SimpleUploadedFile("现场.png", make_png_bytes(), content_type="application/octet-stream")
    pdf = SimpleUploadedFile("材料.pdf", make_pdf_bytes(), content_type="application/pdf")
    response = client.post("/portal/write/", {**letter(), "attachments": [png, pdf]})
    assert response.status_code == 302
    kinds = sorted(MessageAttachment.objects.values_list("content_type", flat=True))
    assert kinds == ["application/pdf", "image/png"]


def test_too_many_attachments_are_refused(org, client, settings):
    settings.PORTAL_ATTACHMENT_MAX_COUNT = 2
    files = [SimpleUploadedFile(f"{i}.png", make_png_bytes()) for i in range(3)]
    response = client.post("/portal/write/", {**letter(), "attachments": files})
    assert response.status_code == 400 and "附件最多2个" in response.content.decode()
    assert not InboundMessage.objects.exists()


def test_refresh_without_javascript_keeps_what_was_typed(org, client):
    data = letter(title="我写了一半的标题")
    response = client.post("/portal/write/", {**data, "refresh_captcha": "1"})
    html = response.content.decode()
    assert response.status_code == 200 and "我写了一半的标题" in html and "errorlist" not in html
    assert not InboundMessage.objects.exists()


def test_refresh_with_javascript_gets_a_new_captcha_as_json(org, client):
    body = client.get("/portal/captcha/").json()
    assert body["image"].startswith("data:image/png;base64,")
    assert Captcha.objects.filter(pk=body["id"], used_at__isnull=True).exists()


def test_every_form_needs_its_csrf_token(org):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/portal/write/", letter()).status_code == 403
    assert strict.post("/portal/consult/", letter()).status_code == 403
    assert strict.post("/portal/track/", {"number": "W1", "code": "1"}).status_code == 403
    assert not InboundMessage.objects.exists()


def test_attachments_can_be_switched_off(org, client, settings):
    settings.PORTAL_ATTACHMENT_MAX_COUNT = 0
    assert 'type="file"' not in client.get("/portal/write/").content.decode()
    png = SimpleUploadedFile("现场.png", make_png_bytes())
    response = client.post("/portal/write/", {**letter(), "attachments": [png]})
    assert response.status_code == 400 and "本网站不接收附件" in response.content.decode()

"""Citizens' SMS come in: the gateway's signed webhook and the SMPP receiver bound to a real test SMSC."""

import hashlib
import hmac
import io
import json
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from xinfang.messaging.choices import Source
from xinfang.messaging.models import InboundMessage, OutboundSms, SmsOptOut
from xinfang.messaging.sms.smpp import (
    ESME_ROK,
    ESME_RX_R_APPN,
    ESME_RX_T_APPN,
    SmppAccount,
    SmppReceiver,
    store_deliver,
)
from xinfang.messaging.tests.smsc import TestSmsc, tlv

SECRET = "webhook-shared-secret"
PHONE = "13912345678"
URL = "/sms/inbound/"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.SMS_WEBHOOK_SECRET = SECRET
    settings.SMS_WEBHOOK_MAX_AGE_SECONDS = 300


def signed(body: bytes, *, secret=SECRET, offset: float = 0) -> dict:
    timestamp = str(int(timezone.now().timestamp() + offset))
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"HTTP_X_XINFANG_TIMESTAMP": timestamp, "HTTP_X_XINFANG_SIGNATURE": digest}


def post(client, payload, **sign_options):
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    return client.post(URL, body, content_type="application/json", **signed(body, **sign_options))


# --- Webhook ---------------------------------------------------------------------------------------


def test_the_url_is_outside_api_v1():
    assert reverse("sms-inbound") == URL


def test_a_signed_sms_becomes_one_message_and_is_acknowledged_by_sms(client, org):
    response = post(
        client, {"id": "gw-1001", "from": "+86 139 1234 5678", "text": "小区门口污水横流，请处理"}
    )
    assert response.status_code == 200
    body = response.json()
    message = InboundMessage.objects.get()
    assert body == {"code": "received", "detail": "已收到。", "number": message.number, "created": True}
    assert (message.source, message.external_id, message.phone) == (Source.SMS, "gw-1001", PHONE)
    assert message.content == "小区门口污水横流，请处理"
    ack = OutboundSms.objects.get()
    assert ack.template == "message_received" and ack.phone == PHONE
    assert message.number in ack.text and message.query_code in ack.text


def test_a_replayed_delivery_gets_the_same_number_and_makes_nothing(client, org):
    payload = {"id": "gw-1002", "from": PHONE, "text": "我要反映问题"}
    first = post(client, payload).json()
    again = post(client, payload)
    assert again.status_code == 200 and again.json()["number"] == first["number"]
    assert again.json()["created"] is False
    assert InboundMessage.objects.count() == 1 and OutboundSms.objects.count() == 1


@pytest.mark.parametrize(
    "sign_options",
    [{"secret": "wrong-secret"}, {"offset": -320}, {"offset": 320}],
    ids=["bad-signature", "stale", "from-the-future"],
)
def test_a_bad_signature_or_stale_timestamp_is_refused_and_logged(client, org, caplog, sign_options):
    with caplog.at_level("WARNING", logger="xinfang.sms.webhook"):
        response = post(client, {"id": "gw-1", "from": PHONE, "text": "内容"}, **sign_options)
    assert response.status_code == 403
    assert response.json()["detail"] == "签名无效或请求已过期，已拒绝。"
    assert "refused" in caplog.text
    assert not InboundMessage.objects.exists()


def test_missing_headers_and_a_tampered_body_are_refused(client, org):
    body = json.dumps({"id": "gw-1", "from": PHONE, "text": "内容"}).encode()
    assert client.post(URL, body, content_type="application/json").status_code == 403
    headers = signed(body)
    tampered = body.replace(b"gw-1", b"gw-2")
    assert client.post(URL, tampered, content_type="application/json", **headers).status_code == 403
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (b"not json", None),
        ("\xff\xfe".encode("latin-1"), None),
        ([1, 2], "__all__"),
        ({"from": PHONE, "text": "x"}, "id"),
        ({"id": "x" * 101, "from": PHONE, "text": "x"}, "id"),
        ({"id": "gw", "text": "x"}, "from"),
        ({"id": "gw", "from": PHONE, "text": 5}, "text"),
    ],
)
def test_a_malformed_body_is_400_with_a_chinese_message(client, org, payload, field):
    response = post(client, payload)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("请求格式不正确")
    if field:
        assert field in response.json()["errors"]
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"id": "gw", "from": "12345", "text": "内容"}, "phone"),
        ({"id": "gw", "from": PHONE, "text": " "}, "content"),
    ],
)
def test_a_bad_phone_or_empty_text_is_refused_with_the_reason(client, org, payload, field):
    response = post(client, payload)
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not InboundMessage.objects.exists() and not OutboundSms.objects.exists()


@pytest.mark.parametrize("text", ["TD", "td", "退订", " 退订。", "TD退订"])
def test_td_creates_an_opt_out_instead_of_a_message(client, org, text):
    response = post(client, {"id": "gw-td", "from": PHONE, "text": text})
    assert response.status_code == 200 and response.json()["opt_out"] is True
    assert SmsOptOut.objects.get().phone == PHONE
    assert not InboundMessage.objects.exists() and not OutboundSms.objects.exists()
    assert post(client, {"id": "gw-td", "from": PHONE, "text": text}).status_code == 200  # replayed
    assert SmsOptOut.objects.count() == 1


def test_after_opting_out_a_petition_by_sms_is_stored_but_not_answered_by_sms(client, org):
    post(client, {"id": "gw-a", "from": PHONE, "text": "TD"})
    response = post(client, {"id": "gw-b", "from": PHONE, "text": "还是要反映路灯问题"})
    assert response.json()["created"] is True
    assert OutboundSms.objects.get().status == "skipped"


def test_without_a_secret_the_webhook_is_off_and_other_methods_are_refused(client, org, settings):
    assert client.get(URL).status_code == 405
    settings.SMS_WEBHOOK_SECRET = ""
    response = post(client, {"id": "gw", "from": PHONE, "text": "内容"}, secret="")
    assert response.status_code == 503 and response.json()["detail"] == "短信接口未启用。"


def test_an_oversized_body_is_refused(client, org):
    response = post(client, {"id": "gw", "from": PHONE, "text": "字" * 30000})
    assert response.status_code == 413 and not InboundMessage.objects.exists()


# --- SMPP receiver bound to the test SMSC ------------------------------------------------------------


def receive(smsc: TestSmsc, *, acks: int, **options) -> SmppReceiver:
    """Run the receiver (in this thread, so it shares the test's transaction) until `acks` answers."""
    account = SmppAccount(host="127.0.0.1", port=smsc.port, system_id="xinfang", password="secret", timeout=5)
    receiver = SmppReceiver(account, **options)
    deadline = time.monotonic() + 10
    receiver.run_session(lambda: len(smsc.deliver_resps) >= acks or time.monotonic() > deadline)
    return receiver


def test_a_deliver_sm_becomes_one_message_acknowledged_after_it_is_stored(org):
    with TestSmsc() as smsc:
        smsc.queue_deliver(source="8613912345678", text="村里的桥塌了，请尽快修复")
        smsc.queue_deliver(source="13800001111", payload=b"Hello @ you", data_coding=0)
        stored_at = []

        def store(**fields):
            status = store_deliver(**fields)
            stored_at.append((time.monotonic(), InboundMessage.objects.count()))
            return status

        receive(smsc, acks=2, handler=store)
        assert smsc.wait_for(lambda: smsc.unbinds == 1)
    assert smsc.binds == [("receiver", "xinfang", True)]
    assert [status for _seq, status, _at in smsc.deliver_resps] == [ESME_ROK, ESME_ROK]
    # Each answer left after its message was in the database.
    assert [count for _at, count in stored_at] == [1, 2]
    assert all(resp[2] >= stored[0] for resp, stored in zip(smsc.deliver_resps, stored_at, strict=True))
    first, second = InboundMessage.objects.order_by("id")
    assert (first.source, first.phone, first.content) == (Source.SMS, PHONE, "村里的桥塌了，请尽快修复")
    assert first.external_id.startswith("smpp:") and second.content == "Hello @ you"
    assert OutboundSms.objects.filter(template="message_received").count() == 2


def test_the_parts_of_a_long_sms_are_joined_into_one_message(org):
    text = "我是幸福村村民，" + "村口道路坑洼积水，雨天无法通行，" * 6 + "请帮助解决。"
    data = text.encode("utf-16-be")
    parts = [data[i : i + 134] for i in range(0, len(data), 134)]
    with TestSmsc() as smsc:
        for number, part in reversed(list(enumerate(parts, start=1))):  # out of order on purpose
            smsc.queue_deliver(
                source="13912345678", payload=bytes((5, 0, 3, 42, len(parts), number)) + part, esm_class=0x40
            )
        receive(smsc, acks=len(parts))
    assert InboundMessage.objects.get().content == text
    assert {status for _seq, status, _at in smsc.deliver_resps} == {ESME_ROK}


def test_sar_options_and_a_message_id_are_understood(org):
    with TestSmsc() as smsc:
        for number, piece in ((1, "前半段，"), (2, "后半段。")):
            options = tlv(0x020C, b"\x00\x07") + tlv(0x020E, b"\x02") + tlv(0x020F, bytes((number,)))
            smsc.queue_deliver(source=PHONE, text=piece, tlvs=options + tlv(0x001E, b"MO-77\x00"))
        receive(smsc, acks=2)
    message = InboundMessage.objects.get()
    assert message.content == "前半段，后半段。" and message.external_id == "smpp:MO-77"


def test_a_long_sms_with_a_missing_part_is_kept_with_the_gap_marked(org):
    with TestSmsc() as smsc:
        smsc.queue_deliver(
            source=PHONE, payload=bytes((5, 0, 3, 9, 3, 1)) + "第一段".encode("utf-16-be"), esm_class=0x40
        )
        smsc.queue_deliver(
            source=PHONE, payload=bytes((5, 0, 3, 9, 3, 3)) + "第三段".encode("utf-16-be"), esm_class=0x40
        )
        receive(smsc, acks=2, assembly_seconds=0.3)
    assert InboundMessage.objects.get().content == "第一段【此段未收到】第三段"


def test_td_by_smpp_is_an_opt_out_and_a_receipt_is_no_message(org):
    with TestSmsc() as smsc:
        smsc.queue_deliver(source=PHONE, payload=b"TD", data_coding=0)
        smsc.queue_deliver(source=PHONE, payload=b"id:1 stat:DELIVRD", data_coding=0, esm_class=0x04)
        receive(smsc, acks=2)
    assert SmsOptOut.objects.filter(phone=PHONE).exists()
    assert not InboundMessage.objects.exists()
    assert [status for _seq, status, _at in smsc.deliver_resps] == [ESME_ROK, ESME_ROK]


def test_when_storing_fails_the_smsc_is_told_to_retry_and_bad_senders_are_refused(org, monkeypatch):
    def broken(**fields):
        raise OperationalError("database is down")

    with TestSmsc() as smsc:
        smsc.queue_deliver(source="abc", text="没有号码")
        smsc.queue_deliver(source=PHONE, text="数据库故障时发来的短信")
        monkeypatch.setattr("xinfang.messaging.sms.inbound.message_receive", broken)
        receive(smsc, acks=2)
    assert [status for _seq, status, _at in smsc.deliver_resps] == [ESME_RX_R_APPN, ESME_RX_T_APPN]
    assert not InboundMessage.objects.exists()


def test_the_receiver_answers_enquire_link_and_keeps_the_link_alive(org):
    with TestSmsc() as smsc:
        start = time.monotonic()
        receiver = SmppReceiver(
            SmppAccount(host="127.0.0.1", port=smsc.port, system_id="xinfang", password="secret"),
            enquire_seconds=0.2,
        )
        receiver.run_session(lambda: smsc.enquire_links >= 2 or time.monotonic() - start > 5)
    assert smsc.enquire_links >= 2


def test_the_receiver_reconnects_after_a_refused_bind(org):
    with TestSmsc() as smsc:
        smsc.refuse_binds = True
        account = SmppAccount(host="127.0.0.1", port=smsc.port, system_id="xinfang", password="secret")
        SmppReceiver(account).run(lambda: len(smsc.binds) >= 3, max_backoff=0.01)
    assert [ok for _mode, _id, ok in smsc.binds[:3]] == [False, False, False]


def test_the_sms_receive_command_needs_an_smsc_and_then_stays_bound(org, settings, monkeypatch):
    settings.SMPP_HOST, settings.SMPP_SYSTEM_ID = "", ""
    with pytest.raises(CommandError, match="SMPP_HOST"):
        call_command("sms_receive")
    with TestSmsc() as smsc:
        settings.SMPP_HOST, settings.SMPP_PORT = "127.0.0.1", smsc.port
        settings.SMPP_SYSTEM_ID, settings.SMPP_PASSWORD = "xinfang", "secret"
        monkeypatch.setattr(
            "xinfang.messaging.management.commands.sms_receive.close_old_connections", lambda: None
        )
        real_run = SmppReceiver.run
        deadline = time.monotonic() + 10

        def run_until_acknowledged(self, should_stop, **kwargs):
            return real_run(self, lambda: bool(smsc.deliver_resps) or time.monotonic() > deadline, **kwargs)

        monkeypatch.setattr(SmppReceiver, "run", run_until_acknowledged)
        smsc.queue_deliver(source=PHONE, text="通过短信接收进程发来的短信")
        call_command("sms_receive", stdout=io.StringIO())
    assert InboundMessage.objects.get().content == "通过短信接收进程发来的短信"

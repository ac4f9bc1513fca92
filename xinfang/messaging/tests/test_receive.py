"""message_receive: the one way in for the public doors — validated, stored, numbered, idempotent."""

import pytest
from django.core.exceptions import ValidationError

from xinfang.messaging.choices import ScreeningStatus, SmsStatus, Source
from xinfang.messaging.models import InboundMessage, OutboundSms, SmsOptOut
from xinfang.messaging.services import MAX_CONTENT, message_receive


def test_a_letter_is_stored_numbered_and_acknowledged_by_sms(org):
    received = message_receive(
        source=Source.MAILBOX,
        kind="complaint",
        name="周市民",
        phone="139 1234 5678",
        title="路灯不亮",
        content="幸福路路灯坏了三个月😀",
    )
    message = received.message
    assert received.created and message.status == ScreeningStatus.NEW and message.screening_unit == org.county
    assert message.number.startswith("W") and len(message.number) == 14 and len(message.query_code) == 10
    sms = OutboundSms.objects.get(message=message)
    assert sms.phone == "13912345678" and message.number in sms.text and message.query_code in sms.text
    assert sms.status == SmsStatus.QUEUED


def test_a_retried_delivery_makes_nothing_new(org):
    first = message_receive(
        source=Source.SMS, phone="13900000001", content="我要反映问题", external_id="gw-1"
    )
    again = message_receive(
        source=Source.SMS, phone="13900000001", content="我要反映问题", external_id="gw-1"
    )
    assert again.message == first.message and not again.created
    assert InboundMessage.objects.count() == 1 and OutboundSms.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"content": " "}, "content", "请填写内容"),
        ({"content": "字" * (MAX_CONTENT + 1)}, "content", "最多"),
        ({"phone": "12345"}, "phone", ""),
        ({"name": ""}, "name", "姓名"),
        ({"phone": ""}, "phone", "手机"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_stored(org, fields, field, text):
    data = {"source": Source.MAILBOX, "name": "周市民", "phone": "13912345678", "content": "内容"} | fields
    with pytest.raises(ValidationError) as caught:
        message_receive(**data)
    assert field in caught.value.message_dict and text in " ".join(caught.value.message_dict[field])
    assert not InboundMessage.objects.exists() and not OutboundSms.objects.exists()


def test_anonymous_report_needs_no_name_or_phone(org):
    message = message_receive(
        source=Source.MAILBOX, kind="report", is_anonymous=True, content="某站所乱收费"
    ).message
    assert message.is_anonymous and not OutboundSms.objects.exists()


def test_opted_out_phones_get_no_notice(org):
    SmsOptOut.objects.create(phone="13912345678")
    message = message_receive(source=Source.MAILBOX, name="周", phone="13912345678", content="内容").message
    assert OutboundSms.objects.get(message=message).status == SmsStatus.SKIPPED

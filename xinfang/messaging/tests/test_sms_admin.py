"""The admin of SMS wording, opt-outs, the outbox and the raw messages."""

import pytest
from django.urls import reverse
from django.utils import timezone

from xinfang.messaging.admin import template_problems
from xinfang.messaging.models import InboundMessage, OutboundSms, SmsOptOut, SmsTemplate
from xinfang.messaging.services import message_receive


@pytest.fixture
def admin_client(client, org):
    client.force_login(org.admin)
    return client


def test_a_template_is_edited_and_checked_for_its_placeholders(admin_client):
    url = reverse("admin:messaging_smstemplate_change", args=["case_accepted"])
    page = admin_client.get(url).content.decode()
    assert "{number} {unit} {due_on}" in page  # the help text lists what may be used
    bad = {"name": "信访件已受理", "text": "【信访】{number}已受理，{petitioner}请知悉", "is_active": "on"}
    response = admin_client.post(url, bad)
    assert response.status_code == 200 and "没有占位符“{petitioner}”" in response.content.decode()
    good = {**bad, "text": "【信访】您编号{number}的信访事项已受理。"}
    assert admin_client.post(url, good).status_code == 302
    assert SmsTemplate.objects.get(key="case_accepted").text == good["text"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{number", "花括号不成对"),
        ("{number.__class__}", "格式不正确"),
        ("{0}", "格式不正确"),
        ("{{ok}} {number}", None),
    ],
)
def test_template_problems(text, problem):
    problems = template_problems("message_received", text)
    assert (problem in " ".join(problems)) if problem else problems == []


def test_templates_cannot_be_added_or_deleted_only_switched_off(admin_client):
    assert admin_client.get(reverse("admin:messaging_smstemplate_add")).status_code == 403
    delete = reverse("admin:messaging_smstemplate_delete", args=["case_accepted"])
    assert admin_client.get(delete).status_code == 403


def test_staff_record_an_opt_out_by_phone(admin_client):
    response = admin_client.post(reverse("admin:messaging_smsoptout_add"), {"phone": "139 1234 5678"})
    assert response.status_code == 302
    opt_out = SmsOptOut.objects.get()
    assert (opt_out.phone, opt_out.source) == ("13912345678", "admin")
    response = admin_client.post(reverse("admin:messaging_smsoptout_add"), {"phone": "12345"})
    assert response.status_code == 200 and SmsOptOut.objects.count() == 1


def test_the_outbox_is_read_only_and_failed_messages_can_be_retried(admin_client):
    failed = OutboundSms.objects.create(
        phone="13912345678", text="t", status="failed", attempts=8, next_attempt_at=timezone.now()
    )
    sent = OutboundSms.objects.create(
        phone="13912345678", text="t", status="sent", next_attempt_at=timezone.now()
    )
    changelist = reverse("admin:messaging_outboundsms_changelist")
    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(reverse("admin:messaging_outboundsms_add")).status_code == 403
    response = admin_client.post(
        changelist, {"action": "retry", "_selected_action": [failed.pk, sent.pk]}, follow=True
    )
    assert "已重新排队1条短信" in response.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("queued", 0)
    assert OutboundSms.objects.get(pk=sent.pk).status == "sent"


def test_inbound_messages_are_shown_read_only(admin_client):
    message = message_receive(source="sms", phone="13912345678", content="测试", external_id="gw-9").message
    assert admin_client.get(reverse("admin:messaging_inboundmessage_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:messaging_inboundmessage_change", args=[message.pk]))
    assert page.status_code == 200 and 'name="content"' not in page.content.decode()
    assert InboundMessage.objects.count() == 1

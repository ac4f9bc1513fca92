"""The SMS outbox goes out: split for SMS, to a real SMSC and a real HTTP gateway on loopback, with retries."""

import datetime
import hashlib
import hmac
import json
import threading

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection
from django.utils import timezone

from xinfang.messaging.choices import SmsStatus
from xinfang.messaging.models import OutboundSms, SmsOptOut
from xinfang.messaging.sms.backends import ConsoleBackend, HttpBackend, SmppBackend
from xinfang.messaging.sms.encoding import smpp_segments, ucs2_chunks
from xinfang.messaging.sms.outbox import retry_delay, sms_claim, sms_deliver_due, sms_retry
from xinfang.messaging.sms.smpp import SmppAccount
from xinfang.messaging.tests.http_peer import HttpPeer
from xinfang.messaging.tests.smsc import TestSmsc, free_port

PHONE = "13912345678"
SECRET = "gateway-shared-secret"
# 148 UCS-2 units: three parts, with an emoji's two units astride the end of the first part (67).
LONG_TEXT = (
    "【信访】"
    + "您反映的幸福路路灯问题已由东湖镇人民政府受理。" * 2
    + "测" * 16
    + "😀"
    + "请留意后续办理情况。" * 8
)


def queue(text="【信访】您的来信已收到。", phone=PHONE, **fields) -> OutboundSms:
    return OutboundSms.objects.create(phone=phone, text=text, next_attempt_at=timezone.now(), **fields)


def joined(submits) -> str:
    """Reassemble what the SMSC received: parts ordered by the header's sequence number, decoded."""
    parts = {}
    for sm in submits:
        assert sm.esm_class & 0x40 and sm.data_coding == 8
        udhl = sm.short_message[0]
        header, payload = sm.short_message[1 : 1 + udhl], sm.short_message[1 + udhl :]
        assert header[:2] == b"\x00\x03" and len(header) == 5  # IEI 00: 8-bit reference concatenation
        parts[header[4]] = (header[2], header[3], payload)
    assert len({ref for ref, _total, _p in parts.values()}) == 1
    assert {total for _ref, total, _p in parts.values()} == {len(parts)}
    assert sorted(parts) == list(range(1, len(parts) + 1))
    return b"".join(parts[n][2] for n in sorted(parts)).decode("utf-16-be")


# --- Splitting -----------------------------------------------------------------------------------


def test_it_keeps_70_characters_in_one_sms_and_splits_longer_texts_by_67():
    assert len(ucs2_chunks("字" * 70)) == 1
    chunks = ucs2_chunks("字" * 71)
    assert [len(c) // 2 for c in chunks] == [67, 4]
    assert [len(c) // 2 for c in ucs2_chunks("字" * 134)] == [67, 67]


def test_it_never_cuts_an_emoji_in_two():
    text = "字" * 66 + "😀" + "字" * 10  # the emoji's two code units are units 67 and 68
    chunks = ucs2_chunks(text)
    assert [len(c) // 2 for c in chunks] == [66, 12]
    assert all(c.decode("utf-16-be") for c in chunks)  # each part decodes on its own
    assert "".join(c.decode("utf-16-be") for c in chunks) == text


def test_segments_carry_the_concatenation_header():
    segments = smpp_segments("字" * 150, ref=300)
    assert [esm for esm, _ in segments] == [0x40, 0x40, 0x40]
    assert [sm[:6] for _, sm in segments] == [bytes((5, 0, 3, 300 % 256, 3, n)) for n in (1, 2, 3)]
    assert all(len(sm) <= 140 for _, sm in segments)
    assert smpp_segments("短信", ref=1) == [(0, "短信".encode("utf-16-be"))]


# --- SMPP: a real SMSC on loopback ----------------------------------------------------------------


def smpp_account(smsc: TestSmsc, **overrides) -> SmppAccount:
    fields = {"host": "127.0.0.1", "port": smsc.port, "system_id": "xinfang", "password": "secret"}
    return SmppAccount(**{**fields, "source_addr": "10690001", "timeout": 5, **overrides})


def test_a_long_chinese_text_arrives_at_the_smsc_as_concatenated_ucs2_parts(db):
    sms = queue(LONG_TEXT)
    short = queue("【信访】短信")
    with TestSmsc() as smsc:
        result = sms_deliver_due(backend=SmppBackend(smpp_account(smsc)))
        assert smsc.wait_for(lambda: smsc.unbinds == 1)
    assert result.sent == 2
    assert smsc.binds == [("transmitter", "xinfang", True)]  # one bind for the whole run
    long_parts, (single,) = smsc.submits[:-1], smsc.submits[-1:]
    assert len(long_parts) == 3 and all(len(sm.short_message) <= 140 for sm in long_parts)
    assert joined(long_parts) == LONG_TEXT
    assert all(sm.destination == PHONE and sm.source == "10690001" for sm in smsc.submits)
    assert single.esm_class == 0 and single.data_coding == 8
    assert single.short_message.decode("utf-16-be") == "【信访】短信"
    sms.refresh_from_db()
    assert sms.status == SmsStatus.SENT and sms.gateway_id == "smsc-1,smsc-2,smsc-3" and sms.sent_at
    assert sms.attempts == 1 and OutboundSms.objects.get(pk=short.pk).gateway_id == "smsc-4"


def test_an_smsc_that_refuses_the_bind_or_a_message_means_a_retry_later(db):
    first, second = queue(), queue("【信访】第二条")
    with TestSmsc() as smsc:
        smsc.refuse_binds = True
        result = sms_deliver_due(backend=SmppBackend(smpp_account(smsc)))
        assert result.retrying == 2 and len(smsc.binds) == 1  # the second did not try again
        first.refresh_from_db()
        assert first.attempts == 1 and "bind" in first.last_error.lower()

        smsc.refuse_binds, smsc.fail_submits = False, 1
        later = timezone.now() + datetime.timedelta(minutes=2)
        result = sms_deliver_due(backend=SmppBackend(smpp_account(smsc)), now=later)
    assert (result.sent, result.retrying) == (1, 1)  # a refused submit_sm fails only that message
    statuses = {s.pk: (s.status, s.attempts) for s in OutboundSms.objects.all()}
    assert statuses == {first.pk: ("queued", 2), second.pk: ("sent", 2)}


# --- HTTP gateway: a real endpoint on loopback ---------------------------------------------------


def test_the_http_gateway_gets_a_correctly_signed_json(db):
    sms = queue(LONG_TEXT)
    answer = (200, "application/json", json.dumps({"id": "gw-778"}).encode())
    with HttpPeer(lambda *request: answer) as gateway:
        result = sms_deliver_due(backend=HttpBackend(url=f"{gateway.url}/send", secret=SECRET, timeout=3))
    assert result.sent == 1
    (request,) = gateway.requests
    assert request.method == "POST" and request.path == "/send"
    assert request.headers["Content-Type"].startswith("application/json")
    timestamp = request.headers["X-Xinfang-Timestamp"]
    expected = hmac.new(SECRET.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Xinfang-Signature"] == expected
    assert abs(int(timestamp) - timezone.now().timestamp()) < 60
    assert json.loads(request.body) == {"id": f"xinfang-{sms.pk}", "phone": PHONE, "text": LONG_TEXT}
    sms.refresh_from_db()
    assert sms.status == SmsStatus.SENT and sms.gateway_id == "gw-778"


def test_gateway_down_backs_off_and_the_message_is_sent_on_a_later_run(db, settings):
    settings.SMS_RETRY_BASE_SECONDS = 60
    sms, other = queue(), queue("【信访】第二条")
    state = {"status": 503}

    def respond(method, path, body):
        return state["status"], "application/json", b'{"id": "gw-1"}'

    with HttpPeer(respond) as gateway:
        backend = HttpBackend(url=gateway.url, secret=SECRET, timeout=3)
        t0 = timezone.now()
        result = sms_deliver_due(backend=backend, now=t0)
        assert result.retrying == 2 and len(gateway.requests) == 1  # down: the rest waits too
        sms.refresh_from_db()
        assert sms.attempts == 1 and sms.next_attempt_at == t0 + datetime.timedelta(minutes=1)
        assert "HTTP 503" in sms.last_error

        assert sms_deliver_due(backend=backend, now=t0 + datetime.timedelta(seconds=30)).total == 0
        state["status"] = 200
        result = sms_deliver_due(backend=backend, now=t0 + datetime.timedelta(seconds=61))
    assert result.sent == 2
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.gateway_id, sms.last_error) == ("sent", 2, "gw-1", "")
    assert OutboundSms.objects.get(pk=other.pk).status == SmsStatus.SENT


def test_a_refused_connection_is_a_retry_not_a_crash(db):
    sms = queue()
    backend = HttpBackend(url=f"http://127.0.0.1:{free_port()}/send", secret=SECRET, timeout=2)
    assert sms_deliver_due(backend=backend).retrying == 1
    sms.refresh_from_db()
    assert sms.status == SmsStatus.QUEUED and sms.attempts == 1 and "127.0.0.1" in sms.last_error


def test_after_n_failures_the_message_is_failed_and_staff_can_retry_it(db, settings):
    settings.SMS_MAX_ATTEMPTS, settings.SMS_RETRY_BASE_SECONDS = 3, 60
    sms = queue()
    with HttpPeer(lambda *request: (500, "text/plain", b"boom")) as gateway:
        backend = HttpBackend(url=gateway.url, secret=SECRET, timeout=3)
        moment = timezone.now()
        for expected_attempts in (1, 2, 3):
            sms_deliver_due(backend=backend, now=moment)
            sms.refresh_from_db()
            assert sms.attempts == expected_attempts
            moment = sms.next_attempt_at if sms.status == SmsStatus.QUEUED else moment
        assert sms.status == SmsStatus.FAILED and "HTTP 500" in sms.last_error
        assert sms_deliver_due(backend=backend, now=moment + datetime.timedelta(days=1)).total == 0
        assert len(gateway.requests) == 3
    assert sms_retry(queryset=OutboundSms.objects.all()) == 1
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("queued", 0)


def test_backoff_doubles_up_to_the_cap(settings):
    settings.SMS_RETRY_BASE_SECONDS, settings.SMS_RETRY_MAX_SECONDS = 60, 600
    assert [retry_delay(n).total_seconds() for n in range(1, 7)] == [60, 120, 240, 480, 600, 600]


def test_a_gateway_rejecting_one_message_with_4xx_does_not_hold_back_the_others(db):
    bad, good = queue(phone="13900000000"), queue()

    def respond(method, path, body):
        if json.loads(body)["phone"] == "13900000000":
            return 400, "application/json", "号码无效".encode()
        return 200, "application/json", b"{}"

    with HttpPeer(respond) as gateway:
        result = sms_deliver_due(backend=HttpBackend(url=gateway.url, secret=SECRET, timeout=3))
    assert (result.sent, result.retrying) == (1, 1) and len(gateway.requests) == 2
    assert "号码无效" in OutboundSms.objects.get(pk=bad.pk).last_error
    assert OutboundSms.objects.get(pk=good.pk).status == SmsStatus.SENT


# --- The outbox itself --------------------------------------------------------------------------------


def test_a_phone_that_opted_out_after_queueing_is_skipped_at_sending(db):
    sms = queue()
    SmsOptOut.objects.create(phone=PHONE)
    assert sms_deliver_due(backend=ConsoleBackend()).skipped == 1
    sms.refresh_from_db()
    assert sms.status == SmsStatus.SKIPPED and sms.attempts == 0


def test_the_console_backend_logs_the_text_for_the_demo(db, caplog):
    queue("【信访】演示短信")
    with caplog.at_level("INFO", logger="xinfang.sms"):
        assert sms_deliver_due(backend=ConsoleBackend()).sent == 1
    assert "演示短信" in caplog.text and "139****5678" in caplog.text and PHONE not in caplog.text
    assert OutboundSms.objects.get().gateway_id.startswith("console-")


def test_a_claimed_row_is_not_claimed_again_until_its_lease_ends(db):
    sms = queue()
    now = timezone.now()
    assert [s.pk for s in sms_claim(now=now)] == [sms.pk]
    assert sms_claim(now=now + datetime.timedelta(minutes=1)) == []  # another worker, meanwhile
    assert [s.pk for s in sms_claim(now=now + datetime.timedelta(minutes=6))] == [sms.pk]  # it died


def test_the_worker_delivers_the_outbox_periodically(db, run_worker, caplog):
    from django_tasks_db.models import DBTaskResult

    queue("【信访】由后台任务发送")
    with caplog.at_level("INFO", logger="xinfang.sms"):
        run_worker()
    assert OutboundSms.objects.get().status == SmsStatus.SENT
    run = DBTaskResult.objects.get(task_path="xinfang.messaging.tasks.sms_deliver")
    assert run.status == "SUCCESSFUL"


def test_the_sms_deliver_command_sends_now(db, capsys):
    queue()
    call_command("sms_deliver")
    assert "已发送 1" in capsys.readouterr().out


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_claiming_at_once_never_get_the_same_row():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write transaction; the race needs PostgreSQL")
    OutboundSms.objects.bulk_create(
        [OutboundSms(phone=PHONE, text=f"第{n}条", next_attempt_at=timezone.now()) for n in range(60)]
    )
    barrier, claimed = threading.Barrier(2), {}

    def worker(name):
        barrier.wait()
        try:
            claimed[name] = [
                s.pk for batch in iter(lambda: sms_claim(now=timezone.now(), size=7), []) for s in batch
            ]
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not set(claimed["a"]) & set(claimed["b"])
    assert len(claimed["a"]) + len(claimed["b"]) == 60

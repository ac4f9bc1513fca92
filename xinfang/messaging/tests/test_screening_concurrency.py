"""Two staff decide the same message at the same moment, as real parallel requests on PostgreSQL.

Each request runs in its own thread with its own client and connection, released together by a
barrier. Every other round holds the message's row lock for a moment once taken, so that the second
request surely waits on that lock inside its own transaction while the first commits. Exactly one
decision is recorded; the other person is told 已被他人处理; a double click on 转为信访件 makes one case.
"""

import json
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from xinfang.cases.models import Case
from xinfang.integrations.auth import api_token_create
from xinfang.messaging import screening
from xinfang.messaging.choices import ScreeningStatus
from xinfang.messaging.models import InboundMessage
from xinfang.messaging.tests.test_screening import portal_is_the_county, receive  # noqa: F401

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROUNDS = 4
HOLD_SECONDS = 0.3
CONVERT = {"purpose": "claim", "title": "路灯不亮", "content": "幸福路路灯坏了。", "name": "周市民"}


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent transactions; SQLite serialises every write anyway")


class LockProbe:
    def __init__(self):
        self.hold = False
        self.entered = 0
        self.overlapped = 0
        self._real = screening._lock
        self._count = threading.Lock()

    def __call__(self, message):
        with self._count:
            self.entered += 1
        locked = self._real(message)
        if self.hold:
            time.sleep(HOLD_SECONDS)
        return locked

    def race(self, n, *calls):
        self.hold, self.entered = n % 2 == 1, 0
        results = race(*calls)
        self.overlapped += self.hold and self.entered == 2
        return results


@pytest.fixture
def probe(monkeypatch):
    probe = LockProbe()
    monkeypatch.setattr(screening, "_lock", probe)
    return probe


def race(*calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = calls[index]()
        except BaseException as exc:  # noqa: BLE001 - reported by the caller's assertions
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    return results


def web_post(user, message, code, data):
    client = Client()
    client.force_login(user)

    def call():
        response = client.post(f"/mailbox/{message.number}/do/{code}/", data)
        return response.status_code, response.content.decode(), response.get("Location", "")

    return call


def api_post(user, message, code, body):
    _token, raw = api_token_create(user=user, name="并发测试")
    client = Client()

    def call():
        response = client.post(
            f"/api/v1/messages/{message.number}/{code}",
            json.dumps(body, ensure_ascii=False),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )
        return response.status_code, response.content.decode(), ""

    return call


def test_convert_and_spam_at_once_one_wins(org, probe):
    for n in range(ROUNDS):
        message = receive()
        results = probe.race(
            n,
            web_post(org.registrar, message, "convert", CONVERT),
            web_post(org.dispatcher, message, "spam", {"reason": "广告"}),
        )
        assert sorted(status for status, _body, _loc in results) == [302, 409], results
        loser = next(body for status, body, _loc in results if status == 409)
        assert "已被他人处理" in loser
        message.refresh_from_db()
        converted = message.status == ScreeningStatus.CONVERTED
        assert converted or message.status == ScreeningStatus.SPAM
        assert Case.objects.filter(submission_key=f"msg-{message.number}").count() == (1 if converted else 0)
        assert (message.reason == "广告") is not converted
    assert probe.overlapped, "no round had both requests inside the service at once"


def test_a_double_click_on_convert_makes_one_case(org, probe):
    for n in range(ROUNDS):
        message = receive()
        results = probe.race(
            n,
            web_post(org.registrar, message, "convert", CONVERT),
            web_post(org.registrar, message, "convert", CONVERT),
        )
        assert [status for status, _body, _loc in results] == [302, 302], results
        case = Case.objects.get(submission_key=f"msg-{message.number}")
        assert {loc for _status, _body, loc in results} == {f"/cases/{case.number}/"}
    assert Case.objects.count() == ROUNDS


def test_answer_and_convert_by_api_at_once_one_wins(org, probe):
    for n in range(ROUNDS):
        message = receive()
        results = probe.race(
            n,
            api_post(org.registrar, message, "answer", {"answer": "已答复。"}),
            api_post(org.dispatcher, message, "convert", CONVERT),
        )
        assert sorted(status for status, _body, _loc in results) == [200, 409], results
        assert "已被他人处理" in next(body for status, body, _loc in results if status == 409)
        message = InboundMessage.objects.get(pk=message.pk)
        assert message.status in (ScreeningStatus.ANSWERED, ScreeningStatus.CONVERTED)
        assert (message.case_id is not None) is (message.status == ScreeningStatus.CONVERTED)

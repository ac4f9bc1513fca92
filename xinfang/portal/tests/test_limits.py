"""Rate limits in the database: per IP and per phone for letters, per IP for failed look-ups and captchas."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone

from xinfang.messaging.models import InboundMessage
from xinfang.portal.http import client_ip
from xinfang.portal.limits import WRITE_PER_IP, RateGate, RateLimited, bucket_key
from xinfang.portal.models import RateBucket
from xinfang.portal.services import captcha_issue
from xinfang.portal.tests.support import letter

pytestmark = pytest.mark.django_db


def take(ip: str) -> None:
    with transaction.atomic():
        RateGate([(WRITE_PER_IP, ip)]).hit()


def test_it_allows_the_limit_then_refuses_until_the_oldest_hit_leaves_the_window(settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(settings.PORTAL_WRITE_PER_IP_HOUR):
            take("10.0.0.1")
            clock.shift(datetime.timedelta(minutes=5))
        with pytest.raises(RateLimited) as refused:
            take("10.0.0.1")
        assert "提交过于频繁，请稍后再试" in refused.value.message
        assert refused.value.retry_after == 60 * 60 - 25 * 60
        take("10.0.0.2")  # another address has its own count
        clock.shift(datetime.timedelta(minutes=36))
        take("10.0.0.1")  # the first hit is more than an hour old now


def test_a_limit_of_zero_is_no_limit(settings):
    settings.PORTAL_WRITE_PER_IP_HOUR = 0
    for _ in range(20):
        take("10.0.0.1")
    assert not RateBucket.objects.exists()


def test_the_table_holds_keyed_hashes_not_addresses_or_phones(org, client):
    client.post("/portal/write/", letter())
    keys = " ".join(RateBucket.objects.values_list("key", flat=True))
    assert "127.0.0.1" not in keys and "13912345678" not in keys
    assert bucket_key(WRITE_PER_IP, "127.0.0.1") in keys


def test_the_sixth_letter_in_an_hour_from_one_ip_is_refused(org, client):
    for n in range(5):
        response = client.post("/portal/write/", letter(phone=f"1391234560{n}"))
        assert response.status_code == 302
    response = client.post("/portal/write/", letter(phone="13912345699"))
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "提交过于频繁，请稍后再试" in response.content.decode()
    assert InboundMessage.objects.count() == 5


def test_the_fourth_letter_in_a_day_from_one_phone_is_refused_whatever_the_ip(org):
    for n in range(3):
        assert Client(REMOTE_ADDR=f"10.1.0.{n}").post("/portal/write/", letter()).status_code == 302
    response = Client(REMOTE_ADDR="10.1.0.9").post("/portal/write/", letter(phone="139-1234-5678"))
    assert response.status_code == 429
    assert InboundMessage.objects.count() == 3
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=24, minutes=1)):
        assert Client(REMOTE_ADDR="10.1.0.9").post("/portal/write/", letter()).status_code == 302


def test_a_refused_letter_does_not_count(org, client):
    for _ in range(8):
        assert client.post("/portal/write/", letter(content="")).status_code == 400
    assert client.post("/portal/write/", letter()).status_code == 302


def test_captchas_are_limited_per_ip(org, settings):
    settings.PORTAL_CAPTCHA_PER_IP_HOUR = 3
    for _ in range(3):
        captcha_issue(ip="10.2.0.1")
    with pytest.raises(RateLimited, match="获取验证码过于频繁"):
        captcha_issue(ip="10.2.0.1")
    response = Client(REMOTE_ADDR="10.2.0.1").get("/portal/captcha/")
    assert response.status_code == 429 and "获取验证码过于频繁" in response.json()["detail"]
    page = Client(REMOTE_ADDR="10.2.0.1").get("/portal/write/")
    assert page.status_code == 429 and "获取验证码过于频繁" in page.content.decode()


def test_behind_trusted_proxies_the_citizens_address_is_used(rf, settings):
    settings.PORTAL_TRUSTED_PROXIES = ["10.0.0.0/24"]
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9, 10.0.0.7")
    assert client_ip(request) == "203.0.113.9"  # what a client wrote first is not believed
    untrusted = rf.get("/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(untrusted) == "198.51.100.1"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_servers_racing_for_the_last_slot_let_only_one_in(settings):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL; SQLite serialises every write anyway")
    settings.PORTAL_WRITE_PER_IP_HOUR = 3
    workers = 8
    barrier = threading.Barrier(workers)
    outcomes: list[str] = []

    def work() -> None:
        try:
            barrier.wait()
            take("10.3.0.1")
            outcomes.append("in")
        except RateLimited:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["in"] * 3 + ["refused"] * 5

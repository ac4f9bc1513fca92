"""The same Open311 request sent twice at the same moment (a client retrying on a timeout), on PostgreSQL.

Each POST runs in its own thread with its own client and connection, released together by a barrier:
one message is stored, both answers carry its id, neither is a 500.
"""

import pytest
from django.db import connection
from django.test import Client

from xinfang.integrations.tests.test_open311 import BASE, api_key, portal_is_the_county  # noqa: F401
from xinfang.messaging.choices import Source
from xinfang.messaging.models import InboundMessage
from xinfang.messaging.tests.test_screening_concurrency import race

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROUNDS = 3


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent transactions; SQLite serialises every write anyway")


@pytest.mark.parametrize("retry_by", ["Idempotency-Key", "device_id"])
def test_it_stores_one_message_for_two_simultaneous_retries(org, api_key, retry_by):  # noqa: F811
    for n in range(ROUNDS):
        data = {
            "api_key": api_key,
            "service_code": "0104",
            "address_string": "东湖镇幸福路12号",
            "description": f"井盖缺失，第{n}处。",
        }
        headers = {"Idempotency-Key": f"race-{n}"} if retry_by == "Idempotency-Key" else {}
        if retry_by == "device_id":
            data["device_id"] = "phone-7"

        def send(data=data, headers=headers):
            return Client().post(f"{BASE}requests.json", data, headers=headers)

        first, second = race(send, send)
        assert not isinstance(first, BaseException) and not isinstance(second, BaseException)
        assert sorted([first.status_code, second.status_code]) == [200, 201]
        assert first.json()[0]["service_request_id"] == second.json()[0]["service_request_id"]
    assert InboundMessage.objects.filter(source=Source.OPEN311).count() == ROUNDS

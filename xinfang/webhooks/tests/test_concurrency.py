"""Two workers delivering the same outbox at once, on PostgreSQL: every event once, none twice.

Each worker is a thread with its own database connection, released together by a barrier; the
receiver is slow enough (20 ms a request) that both are busy at the same time. Rows are claimed with
SELECT … FOR UPDATE SKIP LOCKED and a lease of each worker's own.
"""

from collections import Counter

import pytest
from django.db import connection

from xinfang.messaging.tests.test_screening_concurrency import race
from xinfang.webhooks.delivery import deliver_due
from xinfang.webhooks.models import Attempt, Delivery
from xinfang.webhooks.tests.support import make_account, subscribe

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

EVENTS = 60


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent transactions; SQLite serialises every write anyway")


def test_two_workers_never_deliver_the_same_event_twice(org, register, receiver):
    hook = receiver(delay=0.02)
    subscribe(make_account(org), hook.url)
    for _ in range(EVENTS):
        register()
    first, second = race(deliver_due, deliver_due)
    assert not isinstance(first, BaseException) and not isinstance(second, BaseException), (first, second)
    assert first.delivered + second.delivered == EVENTS
    assert first.delivered and second.delivered  # both worked: the claim really was shared
    ids = Counter(headers["X-Xinfang-Delivery"] for headers, _body in hook.requests)
    assert len(ids) == EVENTS and set(ids.values()) == {1}
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert Attempt.objects.count() == EVENTS

"""On PostgreSQL, workers racing each other: distinct gap-free ledger numbers, and every overdue or
high-risk notice sent exactly once (the conditional UPDATE claim in notify.py)."""

import datetime
import threading

import pytest
from django.db import connection, connections

from xinfang.disputes.choices import RiskLevel
from xinfang.disputes.models import Dispute
from xinfang.disputes.notify import KIND_HIGH_RISK, KIND_OVERDUE, disputes_notify_scan
from xinfang.messaging.models import Notification

pytestmark = pytest.mark.postgres_only


def race(workers: int, work) -> list[BaseException]:
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        except BaseException as exc:  # noqa: BLE001 - reported by the caller's assertion
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_registrations_get_distinct_gap_free_numbers(tree, make_dispute):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL; SQLite serialises every write anyway")
    errors = race(6, lambda i: [make_dispute(title=f"并发登记{i}-{n}") for n in range(5)])
    assert errors == []
    serials = sorted(int(number[-5:]) for number in Dispute.objects.values_list("number", flat=True))
    assert serials == list(range(1, 31))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_scans_racing_on_four_workers_send_each_notice_once(tree, make_dispute):
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent transactions")
    items = [
        make_dispute(title=f"纠纷{n}", risk_level=RiskLevel.HIGH if n % 2 else RiskLevel.LOW)
        for n in range(12)
    ]
    past = datetime.date.today() - datetime.timedelta(days=40)
    Dispute.objects.update(period_start=past, found_on=past, due_on=past + datetime.timedelta(days=10))
    Dispute.objects.update(high_risk_notified_at=None)  # as if registered before the notices existed
    Notification.objects.all().delete()
    assert race(4, lambda i: disputes_notify_scan()) == []
    per_item = {item.number: 0 for item in items}
    for link in Notification.objects.filter(kind=KIND_OVERDUE).values_list("link", flat=True):
        per_item[link.strip("/").split("/")[-1]] += 1
    assert set(per_item.values()) == {3}  # two supervisors and the responsible person, once each
    assert Notification.objects.filter(kind=KIND_HIGH_RISK).count() == 6 * 2

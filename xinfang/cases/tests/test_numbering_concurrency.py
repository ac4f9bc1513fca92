"""Parallel registrations on PostgreSQL get distinct, gap-free numbers (row lock on the daily serial)."""

import threading

import pytest
from django.db import connection, connections

from xinfang.cases.models import Case

pytestmark = pytest.mark.postgres_only


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_registrations_get_distinct_gap_free_numbers(org, register):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL; SQLite serialises every write anyway")
    workers, per_worker = 8, 10
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            barrier.wait()
            for n in range(per_worker):
                register(title=f"并发登记{index}-{n}")
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(Case.objects.values_list("number", flat=True))
    serials = [int(number[-5:]) for number in numbers]
    assert len(set(numbers)) == workers * per_worker
    assert serials == list(range(1, workers * per_worker + 1))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_double_submit_racing_itself_makes_one_case(org, register):
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent transactions")
    barrier = threading.Barrier(4)
    results: list[str] = []

    def work() -> None:
        try:
            barrier.wait()
            results.append(register(submission_key="same-key").number)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and len(set(results)) == 1
    assert Case.objects.count() == 1

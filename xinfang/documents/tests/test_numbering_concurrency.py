"""Parallel issuers on PostgreSQL get distinct, gap-free document numbers (row lock on DocumentSeq)."""

import threading

import pytest
from django.db import connection, connections

from xinfang.documents.choices import DocKind
from xinfang.documents.models import CaseDocument
from xinfang.documents.services import document_issue

pytestmark = pytest.mark.postgres_only


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_issuers_get_distinct_gap_free_serials(org, register):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL; SQLite serialises every write anyway")
    case = register()
    workers, per_worker = 4, 5
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(per_worker):
                document_issue(case=case, kind=DocKind.TRANSFER_SLIP, unit=org.county, actor=org.dispatcher)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    serials = sorted(CaseDocument.objects.values_list("serial", flat=True))
    assert serials == list(range(1, workers * per_worker + 1))

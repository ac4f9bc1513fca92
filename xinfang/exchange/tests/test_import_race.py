"""The same package imported twice at the same moment on PostgreSQL: one case, the other says 已导入.

Two threads, each with its own connection, are released together by a barrier. The import locks the
sending peer's row before it looks for the package id, so the second waits for the first to commit
and then finds its package (READ COMMITTED sees the committed row) instead of registering again.
"""

import threading

import pytest
from django.db import connection

from xinfang.cases.models import Case
from xinfang.exchange.importing import package_import
from xinfang.exchange.models import CaseLink, ExchangePackage
from xinfang.exchange.services import case_export_transfer, package_bytes

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent transactions; SQLite serialises every write anyway")


def test_concurrent_imports_of_one_package_make_one_case(org, peer, city_case):
    data = package_bytes(case_export_transfer(case=city_case, peer=peer, actor=org.city_dispatcher))
    before = Case.objects.count()
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def worker():
        try:
            barrier.wait()
            outcomes.append(package_import(data=data, actor=org.dispatcher))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sorted(o.created for o in outcomes) == [False, True]
    assert outcomes[0].case.pk == outcomes[1].case.pk
    assert Case.objects.count() == before + 1
    assert ExchangePackage.objects.filter(direction="in").count() == 1
    assert CaseLink.objects.filter(role="received").count() == 1

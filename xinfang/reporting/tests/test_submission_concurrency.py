"""Two reviewers decide the same item at the same moment, as real parallel API requests on PostgreSQL.

Each request runs in its own thread with its own client and connection, released together by a
barrier; whoever takes the row lock first holds it a moment, so the other surely waits on it inside
its own transaction. Exactly one decision is recorded, audited and told; the other reviewer gets 409.
"""

import json
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from xinfang.common.models import AuditLog
from xinfang.integrations.auth import api_token_create
from xinfang.messaging.models import Notification
from xinfang.reporting import submissions
from xinfang.reporting.models import SubmissionVersion

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

HOLD_SECONDS = 0.3


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent transactions; SQLite serialises every write anyway")


def race(*calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = calls[index]()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertions
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_adopt_and_return_at_once_one_wins(org, sent, monkeypatch):
    real_lock = submissions._lock

    def slow_lock(submission):
        locked = real_lock(submission)
        time.sleep(HOLD_SECONDS)
        return locked

    monkeypatch.setattr(submissions, "_lock", slow_lock)
    item = sent()
    tokens = {user: api_token_create(user=user, name="并发")[1] for user in (org.dispatcher, org.county_head)}

    def review(user, body):
        def call():
            return Client().post(
                f"/api/v1/reports/submissions/{item.pk}/review",
                data=json.dumps(body, ensure_ascii=False),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {tokens[user]}",
            )

        return call

    results = race(
        review(org.dispatcher, {"decision": "adopt", "version": 1}),
        review(org.county_head, {"decision": "return", "reasons": "请补充", "version": 1}),
    )
    assert sorted(r.status_code for r in results) == [200, 409], results
    loser = next(r for r in results if r.status_code == 409)
    assert "不能再进行这项操作" in loser.json()["detail"]
    version = SubmissionVersion.objects.get(submission=item)
    assert version.outcome in ("adopted", "returned") and version.reviewed_by is not None
    assert AuditLog.objects.filter(action__in=("report_adopt", "report_return")).count() == 1
    assert (
        Notification.objects.filter(
            user=org.town_handler, kind__in=("report_adopted", "report_returned")
        ).count()
        == 1
    )

"""The per-token call counter under concurrent calls from several connections, on PostgreSQL.

Several servers share the database (docs/deployment.md): each call is one upsert, so simultaneous
calls are all counted and exactly API_TOKEN_PER_MINUTE of them get through in a minute.
"""

import pytest
from django.db import connection

from xinfang.integrations.auth import api_token_create
from xinfang.integrations.models import ApiCallCount
from xinfang.integrations.ratelimit import token_count_call
from xinfang.messaging.tests.test_screening_concurrency import race
from xinfang.portal.limits import RateLimited

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CALLERS = 6
CALLS_EACH = 5


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent transactions; SQLite serialises every write anyway")


def test_simultaneous_calls_are_all_counted_and_the_limit_is_exact(org, settings):
    settings.API_TOKEN_PER_MINUTE = 20
    token, _raw = api_token_create(user=org.registrar, name="并发")
    now = 1_800_000_000.0  # one fixed minute for every caller

    def caller():
        passed = 0
        for _ in range(CALLS_EACH):
            try:
                token_count_call(token, now=now)
                passed += 1
            except RateLimited:
                pass
        return passed

    results = race(*[caller] * CALLERS)
    assert not any(isinstance(r, BaseException) for r in results), results
    assert sum(results) == 20
    assert ApiCallCount.objects.get(token=token, minute=int(now // 60)).count == CALLERS * CALLS_EACH

"""A bounded schemathesis run over the API v1 OpenAPI document (issue 7 §1, "Done means").

Every operation gets requests generated from the document — schema-valid ones and, from the coverage
phase, boundary and wrong-typed ones — sent with a real bearer token of a demo user who holds every
role at the 示范县信访局, against the demo county (`load_demo`: 200 cases along the whole journey).
Path parameters are real ids half of the time (case numbers, supervision ids …, see `_real_ids`), so
the requests reach the data and not only the 404s. Each answer must be no 5xx, a documented status,
a documented content type and headers, a body inside the schema, and 401 without the token.

Bounded and deterministic: a fixed seed, a few examples per operation, no shrinking, no network (the
requests go to Django's WSGI handler in this process, inside the test's transaction, so nothing is
kept). About 4,000 requests, 2–3 minutes; `FUZZ_EXAMPLES=50 pytest …test_api_fuzz.py` searches longer.
"""

import os
import zlib
from collections import Counter
from io import StringIO

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from xinfang.integrations.api import api

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
]
FUZZ_ROLES = ("registrar", "dispatcher", "supervisor", "unit_head", "leader", "handler")
# Not fuzzed: the multipart uploads. They take a real file (PDF/JPG/PNG, .xlsx, .docx) that a generator
# cannot make, so every example would be a 400/422 for the file type; test_api.py, test_import*.py and
# the submissions tests send real files through them.
UPLOADS = r"^/api/v1/(cases/\{number\}/attachments|cases/import|reports/submissions/\{pk\}/attachments)$"
STATS: Counter = Counter()
REAL_IDS: dict[tuple[str, str], list[str]] = {}


class InTransactionWSGI(WSGIHandler):
    """Django's WSGI handler, minus closing "old" connections: the test's transaction must stay open."""

    def __call__(self, environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            return super().__call__(environ, start_response)
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


def _real_ids() -> dict[tuple[str, str], list[str]]:
    """(path prefix, parameter) → existing ids, most specific prefix first."""
    from xinfang.assessment.models import RuleSet
    from xinfang.cases.workflow import ACTIONS
    from xinfang.disputes.models import Dispute
    from xinfang.documents.models import CaseDocument
    from xinfang.messaging.models import InboundMessage, Notification, Publication
    from xinfang.orgs.models import Unit
    from xinfang.reporting.models import Bulletin, Submission
    from xinfang.supervision.models import Callback, CallbackDraw, Supervision

    def some(queryset, field="pk", n=6):
        return [str(v) for v in queryset.order_by("-pk").values_list(field, flat=True)[:n]]

    from xinfang.cases.models import Case

    return {
        ("/api/v1/supervision/callbacks/draws/", "pk"): some(CallbackDraw.objects),
        ("/api/v1/supervision/callbacks/", "pk"): some(Callback.objects),
        ("/api/v1/supervision/cases/", "number"): some(Case.objects, "number"),
        ("/api/v1/supervision/", "pk"): some(Supervision.objects),
        ("/api/v1/messages/publications/", "pk"): some(Publication.objects),
        ("/api/v1/messages/", "number"): some(InboundMessage.objects, "number"),
        ("/api/v1/disputes/", "number"): some(Dispute.objects, "number"),
        ("/api/v1/reports/submissions/", "pk"): some(Submission.objects),
        ("/api/v1/reports/bulletins/", "pk"): some(Bulletin.objects),
        ("/api/v1/inbox/", "pk"): some(Notification.objects),
        ("/api/v1/assessment/", "rule_set_id"): some(RuleSet.objects),
        ("/api/v1/assessment/", "unit_id"): some(Unit.objects),
        ("/api/v1/cases/", "number"): some(Case.objects, "number", n=12),
        ("/api/v1/cases/", "code"): sorted(ACTIONS),
        ("/api/v1/cases/", "document_id"): some(CaseDocument.objects),
    }


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo county and a token of its 督办员 holding every role of the county bureau, rolled back after."""
    from xinfang.integrations.auth import api_token_create
    from xinfang.orgs.models import Membership, Role, User

    media = tmp_path_factory.mktemp("fuzz-media")
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS, MEDIA_ROOT=str(media), API_TOKEN_PER_MINUTE=0),
    ):
        call_command("load_demo", stdout=StringIO())
        user = User.objects.get(username="xfj_duban")
        county = user.memberships.first().unit
        for code in FUZZ_ROLES:
            Membership.objects.get_or_create(user=user, unit=county, role=Role.objects.get(code=code))
        _token, raw = api_token_create(user=user, name="fuzz")
        REAL_IDS.update(_real_ids())
        yield {"Authorization": f"Bearer {raw}"}
        transaction.set_rollback(True)
    print(f"\nAPI v1 fuzz: {len(STATS)} operations, {sum(STATS.values())} requests")  # noqa: T201
    print(STATS.most_common(15))  # noqa: T201


def _load_schema():
    config = schemathesis.Config.from_dict(
        {
            "seed": 20261204,
            "generation": {"max-examples": EXAMPLES, "deterministic": True, "no-shrink": True},
            # No probes with other HTTP methods: Django answers them 405 before any of our code runs.
            "phases": {"coverage": {"unexpected-methods": []}},
        }
    )
    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=config)
    loaded.app = InTransactionWSGI()
    return loaded


schema = _load_schema().exclude(method="POST", path_regex=UPLOADS)


@schema.hook
def map_path_parameters(context, path_parameters):
    """Half of the generated path parameters are replaced by existing ids (deterministically)."""
    if not path_parameters:
        return path_parameters
    path = context.operation.path
    for name, value in list(path_parameters.items()):
        pools = [
            ids for (prefix, param), ids in REAL_IDS.items() if param == name and path.startswith(prefix)
        ]
        spin = zlib.crc32(repr((path, name, value)).encode())
        if pools and pools[0] and spin % 2:
            path_parameters[name] = pools[0][spin // 2 % len(pools[0])]
    return path_parameters


@pytest.mark.django_db
@schema.parametrize()
def test_api_v1_answers_as_its_openapi_document_says(case, fuzz_world):
    STATS[case.operation.label] += 1
    case.call_and_validate(headers=fuzz_world, checks=CHECKS)

"""Audit every API v1 read that returns personal data (issue 7 §2; 2022 条例 §30, §46): ONE table, ONE helper.

Endpoints that read one object (a case, a message, a callback task) write their own audit row naming
the object, through `audit_record` as on the web. Lists, look-ups and exports return many cases at
once: for those the middleware below writes one `view_personal_data` row per successful call, with
the route and the query, unless the endpoint already wrote one. `audit_record` adds the token's prefix
and its integration account to every row written during a token's call, so the 查阅记录 page shows which
connected system read whose data.

A route is listed here when its answer can carry a petitioner's name, phone, ID number or address,
or answers "did this person petition?" (look-ups by name or phone). The test
xinfang/integrations/tests/test_personal_data_audit.py calls every GET route of the API and fails
when a route shows a petitioner's data without being listed (or without an audit row).
"""

import json

from django.utils.deprecation import MiddlewareMixin

from xinfang.common.services import PERSONAL_DATA_AUDITED, audit_record

# Django URL patterns of API v1 (as `request.resolver_match.route` gives them, without "api/v1/").
# Routes that read one object audit it themselves, naming the object, when they show its personal
# data (whistleblower rules decide; xinfang/cases/access.can_see_identity):
AUDITED_BY_ENDPOINT = frozenset(
    {
        "cases/<number>",
        "cases/<number>/documents",
        "cases/<number>/documents/<document_id>/docx",
        "cases/<number>/documents/<document_id>/pdf",
        "messages/<number>",
        "disputes/<number>",
        "supervision/callbacks/<pk>",
    }
)
# Lists, look-ups and exports: audited here, one row per call that found something.
AUDITED_HERE = frozenset(
    {
        "cases/earlier",
        "cases/lookup",
        "cases/search",
        "cases/search/saved/<saved_id>/run",
        "cases/search/export",
        "cases/exports/<job_id>/file",
        "messages",
        "disputes",
        "supervision/callbacks",
    }
)
PERSONAL_DATA_ROUTES = AUDITED_BY_ENDPOINT | AUDITED_HERE
API_ROUTE_PREFIX = "api/v1/"


def personal_data_route(request) -> str | None:
    """The API v1 route of this request when this module audits it (AUDITED_HERE)."""
    match = getattr(request, "resolver_match", None)
    route = getattr(match, "route", "") or ""
    if not route.startswith(API_ROUTE_PREFIX):
        return None
    route = route.removeprefix(API_ROUTE_PREFIX).replace("<int:", "<")
    return route if route in AUDITED_HERE else None


def found_nothing(response) -> bool:
    """A JSON list answer with no rows (`[]`, or every top-level list empty): it shows nobody's data.

    A search by a name that finds nothing the caller may see (a whistleblower's case hidden from the
    unit complained about) is not a view of personal data, as on the web.
    """
    if response.streaming or "json" not in response.get("Content-Type", ""):
        return False
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    if isinstance(body, list):
        return not body
    lists = [value for value in body.values() if isinstance(value, list)] if isinstance(body, dict) else []
    return bool(lists) and not any(lists)


def audit_personal_data_read(request, response) -> None:
    """One audit row for this read of personal data, unless the endpoint wrote one already."""
    if getattr(request, PERSONAL_DATA_AUDITED, False):
        return
    route = personal_data_route(request)
    if route is None or found_nothing(response):
        return
    audit_record(
        user=request.user,
        action="view_personal_data",
        object_type="api",
        object_id=route[:40],
        detail={"route": route, "path": request.get_full_path()[:500]},
        request=request,
        via="api",
    )


class ApiPersonalDataAuditMiddleware(MiddlewareMixin):
    """After a successful authenticated GET of a listed API v1 route, audit it."""

    def process_response(self, request, response):
        user = getattr(request, "user", None)
        if (
            request.method == "GET"
            and 200 <= response.status_code < 300
            and user is not None
            and user.is_authenticated
            and request.path.startswith("/api/v1/")
        ):
            audit_personal_data_read(request, response)
        return response

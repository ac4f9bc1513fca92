"""Issue 7 §1: every capability of the web UI is in API v1 — checked against docs/api.md's "UI ↔ API" table.

Two walks: every named URL of the web UI is a row of the table (a new page without a row fails here),
and every endpoint a row names is in the published OpenAPI document (a row naming an endpoint that
does not exist fails here). A row without an endpoint must say 仅网页 and why.
"""

import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

DOC = Path(__file__).resolve().parents[3] / "docs" / "api.md"
HEADING = "## UI ↔ API"
ENDPOINT = re.compile(r"`(GET|POST|PATCH|PUT|DELETE) (/api/v1/[^`?\s]*)")
# Not pages of the UI: the API itself, the admin site (one row for all of it), machine interfaces.
NOT_UI_NAMESPACES = {"api-v1", "admin", "open311"}
NOT_UI_NAMES = {"healthz", "sms-inbound"}


def _rows() -> list[tuple[str, str]]:
    """(first cell, API cell) of every row of the table."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        rows.append((cells[0], cells[-1]))
    return rows


def _ui_url_names(patterns=None, namespace=None):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            if inner in NOT_UI_NAMESPACES:
                continue
            yield from _ui_url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name and entry.name not in NOT_UI_NAMES:
            yield f"{namespace}:{entry.name}" if namespace else entry.name


def _row_names() -> set[str]:
    return {re.match(r"`([^`]+)`", first).group(1) for first, _api in _rows()}


@pytest.fixture(scope="module")
def openapi_operations() -> set[tuple[str, str]]:
    from xinfang.integrations.api import api

    paths = api.get_openapi_schema()["paths"]
    return {(method.upper(), path) for path, operations in paths.items() for method in operations}


def test_the_table_is_there_and_not_trivial():
    rows = _rows()
    assert len(rows) > 100
    assert sum(1 for _first, api in rows if ENDPOINT.search(api)) > 90


def test_every_page_of_the_ui_is_in_the_table():
    missing = sorted(set(_ui_url_names()) - _row_names())
    assert not missing, (
        f"Web UI URLs missing from docs/api.md's “UI ↔ API” table: {missing}. Add each with its API v1 "
        "endpoint (issue 7 §1), or mark it 仅网页 with the reason."
    )


def test_the_table_names_no_page_that_is_gone():
    names = set(_ui_url_names())
    stale = sorted(name for name in _row_names() if not name.startswith("/") and name not in names)
    assert not stale, f"docs/api.md lists UI URLs that no longer exist: {stale}"


def test_every_endpoint_in_the_table_is_in_the_openapi_document(openapi_operations):
    named = [(method, path) for _first, api in _rows() for method, path in ENDPOINT.findall(api)]
    absent = sorted({op for op in named if op not in openapi_operations})
    assert not absent, f"docs/api.md names endpoints that API v1 does not publish: {absent}"


def test_a_row_without_an_endpoint_says_why():
    for first, api in _rows():
        if not ENDPOINT.search(api):
            assert api.startswith("仅网页:") and len(api) > len("仅网页:") + 8, (first, api)


# The endpoints added for completeness (issue 7 §1): without a token they answer 401, like the rest.
ADDED = (
    "/api/v1/cases/9901212026010100001/records",
    "/api/v1/cases/9901212026010100001/attachments/1",
    "/api/v1/cases/workbench/to-decide",
    "/api/v1/cases/workbench/export?unit=1&group=later",
    "/api/v1/cases/ledger",
    "/api/v1/cases/ledger/export",
    "/api/v1/cases/import/template",
    "/api/v1/cases/import/1/report",
    "/api/v1/messages/W1/attachments/1",
    "/api/v1/supervision/1/attachments/1",
    "/api/v1/reports/submissions/1/attachments/1",
    "/api/v1/reports/submissions/1/pdf",
    "/api/v1/reports/submissions/1/docx",
    "/api/v1/reports/kpis/cases?kpi=on_time&part=num",
    "/api/v1/reports/kpis/cases/export?kpi=on_time&part=num",
    "/api/v1/reports/dashboard/cases?dim=total&key=all",
    "/api/v1/disputes/export",
    "/api/v1/assessment/rule-sets/1/export",
    "/api/v1/assessment/rule-sets/1/results/1/evidence/overdue",
    "/api/v1/audit",
    "/api/v1/audit/export",
)


@pytest.mark.parametrize("url", ADDED)
def test_the_added_endpoints_need_a_token(client, db, url):
    response = client.get(url)
    assert response.status_code == 401, url
    assert response.json()["code"] == "unauthenticated"


def test_the_public_reply_needs_none(client, db):
    assert client.get("/api/v1/public/replies/1").status_code == 404

"""Operation scopes (issue 7 §2): the one prefix table, the safe default, 403 naming the missing scope."""

import pytest

from xinfang.cases.models import Case
from xinfang.integrations.auth import api_token_create
from xinfang.integrations.scopes import RULES, SCOPES, clean_scopes, has_scope, required_scope
from xinfang.integrations.tests.test_api import payload, post_json
from xinfang.integrations.tests.test_open311 import BASE, portal_is_the_county  # noqa: F401
from xinfang.integrations.tests.test_token_scopes import open311_form


def auth(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/cases/workbench", "cases:read"),
        ("POST", "/cases", "cases:write"),
        ("POST", "/cases/X/actions/assign", "cases:write"),
        ("GET", "/messages/M1", "messages:read"),
        ("POST", "/messages/M1/answer", "messages:write"),
        ("GET", "/reports/kpis", "reports:read"),
        ("GET", "/inbox", "todos:read"),
        ("GET", "/todos", "todos:read"),
        ("POST", "/webhooks/3/redeliver", "webhooks:manage"),
        ("GET", "/integrations/webhooks", "webhooks:manage"),
        ("POST", "/exchange/import", "exchange"),
        ("GET", "/units/me", "any"),
        # a router nobody listed yet: reads need `read`, writes `write`
        ("GET", "/somewhere-new/1", "read"),
        ("DELETE", "/somewhere-new/1", "write"),
        ("GET", "/casesx", "read"),  # a prefix matches whole path segments only
    ],
)
def test_the_table_maps_operations_to_scopes(method, path, scope):
    assert required_scope(method, path) == scope


def test_broad_scopes_keep_working_and_narrow_ones_stay_narrow():
    assert has_scope(["read"], "cases:read") and not has_scope(["read"], "cases:write")
    assert has_scope(["write"], "exchange") and has_scope(["write"], "cases:read")
    assert has_scope(["cases:write"], "cases:read") and not has_scope(["cases:read"], "reports:read")
    assert has_scope(["messages:submit"], "open311") and not has_scope(["messages:submit"], "any")
    assert not has_scope(["write"], "open311")  # a staff token is not a portal key
    assert all(rule.read in SCOPES or rule.read == "any" for rule in RULES)
    assert all(rule.write in SCOPES for rule in RULES)
    with pytest.raises(ValueError, match="cases:delete"):
        clean_scopes(["cases:delete"])


def test_a_cases_read_token_reads_cases_but_nothing_else(client, org, register):
    case = register()
    _token, raw = api_token_create(user=org.registrar, name="OA", scopes=["cases:read"])
    assert client.get(f"/api/v1/cases/{case.number}", **auth(raw)).status_code == 200
    assert client.get("/api/v1/units/me", **auth(raw)).status_code == 200
    refused = client.get("/api/v1/reports/kpis", **auth(raw))
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden" and "reports:read" in refused.json()["detail"]
    before = Case.objects.count()
    write = post_json(client, "/api/v1/cases", payload(org.county), auth(raw))
    assert (
        write.status_code == 403
        and "cases:write" in write.json()["detail"]
        and "只读" in write.json()["detail"]
    )
    assert Case.objects.count() == before


def test_a_cases_write_token_registers_but_cannot_read_messages(client, org):
    _token, raw = api_token_create(user=org.registrar, name="OA", scopes=["cases:write"])
    assert post_json(client, "/api/v1/cases", payload(org.county), auth(raw)).status_code == 201
    refused = client.get("/api/v1/messages", **auth(raw))
    assert refused.status_code == 403 and "messages:read" in refused.json()["detail"]


def test_a_public_submission_token_only_submits(client, org):
    _token, raw = api_token_create(user=org.registrar, name="门户", scopes=["messages:submit"])
    assert client.post(f"{BASE}requests.json", open311_form(raw)).status_code == 201
    for url in ("/api/v1/units/me", "/api/v1/cases/workbench", "/api/v1/messages"):
        refused = client.get(url, **auth(raw))
        assert refused.status_code == 403 and "Open311" in refused.json()["detail"]


def test_the_openapi_document_names_each_operations_scope(client):
    spec = client.get("/api/v1/openapi.json").json()
    workbench = spec["paths"]["/api/v1/cases/workbench"]["get"]
    assert workbench["x-scopes"] == ["cases:read", "cases:write", "read", "write"]
    assert "cases:read" in workbench["description"]
    for status in ("401", "403", "429"):
        assert status in workbench["responses"]
    register = spec["paths"]["/api/v1/cases"]["post"]
    assert "cases:write" in register["x-scopes"] and "read" not in register["x-scopes"]
    public = spec["paths"]["/api/v1/public/faq"]["get"]
    assert "x-scopes" not in public  # no token needed
    assert "x-scopes" in spec["components"]["securitySchemes"]["BearerToken"]["description"]

"""API v1 conventions (issue 7 §1, docs/api.md "约定"): ETag / If-None-Match / If-Match, the common
error body for every failure path, pagination, and an OpenAPI document that says all of it."""

import json
import re

import pytest
from django.db import connection
from django.test import Client

from xinfang.cases.choices import CaseStatus as S
from xinfang.cases.models import Case, CaseEvent
from xinfang.integrations.api import api
from xinfang.integrations.auth import api_token_create

CJK = re.compile(r"[\u4e00-\u9fff]")


def bearer(user) -> dict:
    _token, raw = api_token_create(user=user, name="测试")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def transfer(client, case, org, headers, **extra):
    body = {"to_unit": org.police.pk}
    return client.post(
        f"/api/v1/cases/{case.number}/actions/transfer",
        json.dumps(body),
        content_type="application/json",
        **headers,
        **extra,
    )


@pytest.fixture
def case(register):
    return register()


# --- ETag, If-None-Match, If-Match ---------------------------------------------------------------


def test_it_tags_a_case_and_answers_304_while_it_is_unchanged(client, org, case):
    headers = bearer(org.dispatcher)
    first = client.get(f"/api/v1/cases/{case.number}", **headers)
    tag = first["ETag"]
    assert first.status_code == 200 and tag == f'"case-{case.pk}-{case.version}"'
    assert "Authorization" in first["Vary"]

    same = client.get(f"/api/v1/cases/{case.number}", HTTP_IF_NONE_MATCH=tag, **headers)
    assert same.status_code == 304 and same.content == b"" and same["ETag"] == tag

    assert transfer(client, case, org, headers).status_code == 200
    changed = client.get(f"/api/v1/cases/{case.number}", HTTP_IF_NONE_MATCH=tag, **headers)
    assert (
        changed.status_code == 200 and changed["ETag"] != tag and changed.json()["status"] == S.PENDING_SIGN
    )


def test_the_second_of_two_clients_with_the_same_etag_gets_412_and_changes_nothing(client, org, case):
    alice, bob = Client(), Client()
    headers = bearer(org.dispatcher)
    tag = alice.get(f"/api/v1/cases/{case.number}", **headers)["ETag"]
    assert bob.get(f"/api/v1/cases/{case.number}", **headers)["ETag"] == tag

    won = transfer(alice, case, org, headers, HTTP_IF_MATCH=tag)
    assert won.status_code == 200 and won["ETag"] != tag
    events = CaseEvent.objects.filter(case=case).count()

    lost = transfer(bob, case, org, headers, HTTP_IF_MATCH=tag)
    assert lost.status_code == 412
    assert lost.json() == {
        "code": "precondition_failed",
        "detail": "该对象已被他人修改，请重新读取（GET）后再提交。",
    }
    assert lost["ETag"] == won["ETag"]  # what to read again
    assert CaseEvent.objects.filter(case=case).count() == events
    assert Case.objects.get(pk=case.pk).version == case.version + 1


def test_if_match_with_the_current_tag_or_star_or_without_it_lets_the_write_through(client, org, register):
    headers = bearer(org.dispatcher)
    for if_match in ("*", None, "current"):
        case = register()
        extra = {}
        if if_match:
            current = client.get(f"/api/v1/cases/{case.number}", **headers)["ETag"]
            extra["HTTP_IF_MATCH"] = current if if_match == "current" else "*"
        assert transfer(client, case, org, headers, **extra).status_code == 200, if_match


def test_a_weak_or_foreign_tag_never_matches(client, org, case):
    headers = bearer(org.dispatcher)
    tag = client.get(f"/api/v1/cases/{case.number}", **headers)["ETag"]
    for wrong in (f"W/{tag}", '"case-0-1"', "garbage"):
        assert transfer(client, case, org, headers, HTTP_IF_MATCH=wrong).status_code == 412
    assert Case.objects.get(pk=case.pk).status == S.REGISTERED


def test_a_case_the_caller_cannot_see_stays_404_with_any_if_match(client, org, case):
    outsider = bearer(org.other_registrar)
    response = transfer(client, case, org, outsider, HTTP_IF_MATCH="*")
    assert response.status_code == 404 and "ETag" not in response


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_parallel_writes_with_the_same_etag_one_wins_one_gets_412(org, register):
    """Real parallel requests (threads, own connections): the row lock makes the second see the new tag."""
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent transactions; SQLite serialises every write anyway")
    from xinfang.cases.tests.test_workflow_concurrency import race

    case = register()
    headers = bearer(org.dispatcher)
    tag = Client().get(f"/api/v1/cases/{case.number}", **headers)["ETag"]

    def call():
        return transfer(Client(), case, org, headers, HTTP_IF_MATCH=tag).status_code

    assert sorted(race(call, call)) == [200, 412]
    assert CaseEvent.objects.filter(case=case, data__action="transfer").count() == 1


# --- Every failure path answers the common error body in Chinese -----------------------------------


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code and CJK.search(body["detail"]), body
    return body


def test_malformed_json_gets_a_chinese_400(client, org, case):
    response = client.post(
        f"/api/v1/cases/{case.number}/actions/transfer",
        '{"to_unit": ',
        content_type="application/json",
        **bearer(org.dispatcher),
    )
    assert_error(response, 400, "malformed")


def test_a_form_body_where_json_is_expected_gets_a_chinese_400(client, org, case):
    response = client.post(
        f"/api/v1/cases/{case.number}/actions/transfer", {"to_unit": org.police.pk}, **bearer(org.dispatcher)
    )
    assert_error(response, 400, "malformed")
    assert Case.objects.get(pk=case.pk).status == S.REGISTERED


def test_a_wrongly_typed_field_gets_422_with_the_field(client, org):
    response = client.post(
        "/api/v1/cases", json.dumps({"unit": "甲"}), content_type="application/json", **bearer(org.registrar)
    )
    body = assert_error(response, 422, "malformed")
    assert "unit" in body["errors"]


def test_a_huge_body_gets_413(client, org, case, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post(
        f"/api/v1/cases/{case.number}/actions/transfer",
        json.dumps({"note": "很长" * 2000}, ensure_ascii=False),
        content_type="application/json",
        **bearer(org.dispatcher),
    )
    assert_error(response, 413, "too_large")


def test_an_unknown_path_or_an_id_of_the_wrong_type_gets_a_json_404(client, org):
    headers = bearer(org.registrar)
    assert_error(client.get("/api/v1/nothing/here", **headers), 404, "not_found")
    assert_error(
        client.post("/api/v1/supervision/abc/close", "{}", content_type="application/json"), 404, "not_found"
    )


def test_a_number_beyond_the_database_integers_is_never_a_500(client, org):
    """SQLite cannot bind such a number (OverflowError → 400); PostgreSQL compares it and finds nothing."""
    response = client.get("/api/v1/reports/submissions?unit=" + "9" * 40, **bearer(org.registrar))
    if connection.vendor == "sqlite":
        assert_error(response, 400, "invalid")
    else:
        assert response.status_code == 200 and response.json()["items"] == []


def test_an_unexpected_failure_gets_a_chinese_500_body(client, org, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("xinfang.orgs.api.seats_of", broken)
    response = client.get("/api/v1/units/me", **bearer(org.registrar))
    assert_error(response, 500, "server_error")


# --- Pagination ------------------------------------------------------------------------------------


def test_every_paginated_list_uses_the_same_envelope_and_refuses_page_zero(client, org, register):
    register()
    headers = bearer(org.dispatcher)
    for url in (
        "/api/v1/cases/workbench",
        "/api/v1/cases/lookup?q=张三",
        "/api/v1/cases/sent",
        "/api/v1/cases/search?q=工资",
        "/api/v1/supervision",
        "/api/v1/supervision/callbacks",
        "/api/v1/disputes",
        "/api/v1/messages",
        "/api/v1/reports/submissions",
        "/api/v1/reports/bulletins",
        "/api/v1/inbox",
        "/api/v1/public/faq",
    ):
        glue = "&" if "?" in url else "?"
        body = client.get(url, **headers).json()
        assert set(body["pagination"]) == {"page", "count", "pages"} and isinstance(body["items"], list), url
        last = client.get(f"{url}{glue}page=99999", **headers).json()["pagination"]
        assert last["page"] == max(1, last["pages"]), url  # beyond the last page: the last page
        refused = client.get(f"{url}{glue}page=0", **headers)
        assert refused.status_code in (400, 422) and refused.json()["code"] in ("invalid", "malformed"), url
        assert "page" in refused.json()["errors"], url


# --- The OpenAPI document says all of the above -----------------------------------------------------


def operations():
    document = api.get_openapi_schema()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield document, path, method, operation


def test_every_operation_has_a_chinese_summary_a_tag_and_the_common_error_schema():
    for _doc, path, method, operation in operations():
        where = f"{method.upper()} {path}"
        assert CJK.search(operation.get("summary", "")), where
        assert operation.get("tags"), where
        errors = {code: r for code, r in operation["responses"].items() if int(code) >= 400}
        if operation.get("security"):
            assert {"401", "403", "404", "429"} <= set(errors), where
        for code, response in errors.items():
            assert CJK.search(response["description"]), (where, code)
            schema = response["content"]["application/json"]["schema"]
            assert "$ref" in schema, (where, code)


def test_writes_on_tagged_resources_declare_if_match_and_412_and_reads_304():
    seen = set()
    for _doc, path, method, operation in operations():
        names = {p["name"] for p in operation.get("parameters", [])}
        if "If-Match" in names:
            assert "412" in operation["responses"] and method != "get"
            seen.add(path)
        if "If-None-Match" in names:
            assert "304" in operation["responses"] and "ETag" in operation["responses"]["200"]["headers"]
    assert {"/api/v1/cases/{number}/actions/{code}", "/api/v1/disputes/{number}"} <= seen


def test_the_security_schemes_and_the_error_schema_are_described():
    document = api.get_openapi_schema()
    bearer_scheme = document["components"]["securitySchemes"]["BearerToken"]
    assert bearer_scheme["scheme"] == "bearer" and CJK.search(bearer_scheme["description"])
    assert document["components"]["schemas"]["Error"]["required"] == ["code", "detail"]
    assert all(CJK.search(tag["name"]) for tag in document["tags"])


def test_no_two_response_schemas_share_a_name():
    """django-ninja names components by class name: two `EventOut`s would silently swap their fields."""
    from collections import defaultdict

    from ninja import Schema

    api.get_openapi_schema()
    modules = defaultdict(set)

    def walk(cls):
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("xinfang"):
                modules[sub.__name__].add(sub.__module__)
            walk(sub)

    walk(Schema)
    assert {name: places for name, places in modules.items() if len(places) > 1} == {}


def test_a_method_the_operation_does_not_have_gets_a_chinese_405_with_allow(client, org):
    response = client.delete("/api/v1/units/me", **bearer(org.registrar))
    body = assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET" and "DELETE" in body["detail"]

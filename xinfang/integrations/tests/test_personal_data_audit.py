"""Every API v1 read of personal data is audited, naming the token and its integration account (issue 7 §2).

A sweep over every GET route of the OpenAPI document with a token: a listed route (personal_data.py)
must write a personal-data audit row on success; a route whose answer shows a petitioner's name or
phone must be listed; an unlisted route writes no catch-all row.
"""

import re

import pytest

from conftest import valid_resident_id
from xinfang.common.models import AuditLog
from xinfang.common.services import PERSONAL_DATA_ACTIONS
from xinfang.intake.services import PetitionerInput
from xinfang.integrations import accounts as svc
from xinfang.integrations.personal_data import AUDITED_BY_ENDPOINT, PERSONAL_DATA_ROUTES, found_nothing
from xinfang.messaging.tests.test_screening import portal_is_the_county, receive  # noqa: F401

NAME, PHONE = "甄测试人", "13812345678"
SENDER, SENDER_PHONE = "甄留言人", "13787654321"
QUERIES = {
    "cases/lookup": {"q": NAME},
    "cases/earlier": {"name": NAME, "phone": PHONE},
    "cases/search": {"q": "工资", "petitioner_name": NAME},
    "cases/search/export": {"q": "工资"},
}
MUST_BE_EXERCISED = {
    "cases/<number>",
    "cases/lookup",
    "cases/earlier",
    "cases/search",
    "messages",
    "messages/<number>",
}


@pytest.fixture
def world(org, register):
    case = register(
        petitioners=[
            PetitionerInput(name=NAME, id_number=valid_resident_id(), phone=PHONE, address="东湖镇2号")
        ]
    )
    message = receive(name=SENDER, phone=SENDER_PHONE)
    account = svc.integration_account_create(
        acting_user=org.admin,
        name="县OA系统",
        kind="oa",
        username="county_oa",
        seat_units=[org.county],
        roles=["registrar", "dispatcher", "supervisor"],
    )
    token, raw = svc.integration_token_issue(
        account=account, acting_user=org.admin, name="全部", scopes=["read"]
    )
    return {"case": case, "message": message, "token": token, "raw": raw}


def _route(path: str) -> str:
    return re.sub(r"\{(\w+)\}", r"<\1>", path.removeprefix("/api/v1/"))


def _url(path: str, world) -> str:
    number = world["message"].number if path.startswith("/api/v1/messages") else world["case"].number
    return (
        path.replace("{number}", number)
        .replace("{", "")
        .replace("}", "")
        .replace("pk", "1")
        .replace("job_id", "1")
        .replace("saved_id", "1")
        .replace("document_id", "1")
        .replace("rule_set_id", "1")
        .replace("unit_id", "1")
    )


def _audit_rows_since(last_pk: int):
    return AuditLog.objects.filter(pk__gt=last_pk, action__in=PERSONAL_DATA_ACTIONS)


def test_every_get_route_that_shows_personal_data_is_listed_and_audited(client, world):
    spec = client.get("/api/v1/openapi.json").json()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world['raw']}"}
    exercised, unlisted_showing = set(), []
    for path, operations in spec["paths"].items():
        if "get" not in operations or path.startswith("/api/v1/public"):
            continue
        route = _route(path)
        last = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        response = client.get(_url(path, world), QUERIES.get(route, {}), **headers)
        assert response.status_code < 500, (path, response.content[:300])
        if not 200 <= response.status_code < 300:
            continue
        rows = list(_audit_rows_since(last))
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        body = raw.decode(errors="ignore")
        shows = any(value in body for value in (NAME, PHONE, SENDER, SENDER_PHONE))
        if route in PERSONAL_DATA_ROUTES:
            if rows:
                exercised.add(route)
            nothing = found_nothing(response) or (route in AUDITED_BY_ENDPOINT and not shows)
            assert rows or nothing, f"{route}: no audit row"
            assert len(rows) <= 1, f"{route}: {len(rows)} rows for one call"
            assert all(row.detail.get("api_token") == world["token"].prefix for row in rows), route
            assert all(row.detail.get("integration_account") == "县OA系统" for row in rows), route
            assert all(row.via == "api" for row in rows)
        else:
            if shows:
                unlisted_showing.append(route)
            assert not [r for r in rows if r.object_type == "api"], f"{route} is not listed but was audited"
    assert not unlisted_showing, f"routes showing personal data but not listed: {unlisted_showing}"
    assert MUST_BE_EXERCISED <= exercised, MUST_BE_EXERCISED - exercised


def test_a_list_read_writes_one_row_with_the_route_and_query(client, world):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world['raw']}"}
    last = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first()
    assert client.get("/api/v1/cases/lookup", {"q": NAME}, **headers).status_code == 200
    row = _audit_rows_since(last).get()
    assert row.object_type == "api" and row.object_id == "cases/lookup"
    assert row.detail["route"] == "cases/lookup" and "/api/v1/cases/lookup?q=" in row.detail["path"]
    assert row.user == world["token"].user


def test_a_detail_read_keeps_its_own_row_and_gets_no_second(client, world):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world['raw']}"}
    last = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first()
    assert client.get(f"/api/v1/cases/{world['case'].number}", **headers).status_code == 200
    row = _audit_rows_since(last).get()
    assert row.object_type == "cases.case" and row.object_id == str(world["case"].pk)


def test_refused_failed_and_empty_reads_write_no_row(client, world, org):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world['raw']}"}
    last = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first()
    assert client.get("/api/v1/cases/NOPE-0", **headers).status_code == 404
    nothing = client.get("/api/v1/cases/lookup", {"q": "查无此人"}, **headers)
    assert nothing.status_code == 200 and nothing.json()["items"] == []
    assert (
        client.get("/api/v1/cases/lookup", {"q": NAME}, HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    )
    assert not _audit_rows_since(last).exists()


def test_the_audit_page_shows_the_api_read_with_its_system(client, world, org):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world['raw']}"}
    client.get("/api/v1/cases/lookup", {"q": NAME}, **headers)
    client.force_login(org.admin)
    page = client.get("/audit/").content.decode()
    assert f"接入系统：县OA系统（令牌 {world['token'].prefix}…）" in page
    assert "<code>/api/v1/cases/lookup?q=" in page

"""A restricted integration account's token reaches only its units' cases (issue 7 §2).

The service user holds wider seats (the county bureau and the township); the account is restricted to
the township: list, detail and write endpoints all answer as if the county seat did not exist.
"""

import pytest

from conftest import PASSWORD  # noqa: F401 - personas share the password
from xinfang.integrations import accounts as svc
from xinfang.integrations.auth import api_token_create
from xinfang.integrations.tests.test_api import payload, post_json
from xinfang.orgs.models import Membership


def auth(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def bridge(org):
    account = svc.integration_account_create(
        acting_user=org.admin,
        name="镇网格系统",
        kind="other",
        username="grid_bridge",
        seat_units=[org.county],
        roles=["registrar", "dispatcher"],
        restrict_to=[org.town],
    )
    for role in ("registrar", "handler"):
        Membership.objects.create(user=account.user, unit=org.town, role_id=role)
    return account


@pytest.fixture
def cases(register, org):
    county_case = register(actor=org.registrar, unit=org.county)
    town_case = register(actor=org.town_handler, unit=org.town)
    return county_case, town_case


def restricted_token(bridge, scopes=("read", "write")) -> str:
    return svc.integration_token_issue(account=bridge, acting_user=None, name="t", scopes=list(scopes))[1]


def test_the_detail_of_a_case_outside_the_restriction_is_not_found(client, bridge, cases):
    county_case, town_case = cases
    raw = restricted_token(bridge)
    assert client.get(f"/api/v1/cases/{town_case.number}", **auth(raw)).status_code == 200
    for path in ("", "/events", "/deadlines", "/actions", "/documents"):
        assert client.get(f"/api/v1/cases/{county_case.number}{path}", **auth(raw)).status_code == 404
    # the same user without the account's restriction sees the county's case
    _token, wide = api_token_create(user=bridge.user, name="unrestricted")
    assert client.get(f"/api/v1/cases/{county_case.number}", **auth(wide)).status_code == 200


def test_lists_and_lookups_show_only_the_restricted_units_cases(client, bridge, cases, org):
    county_case, town_case = cases
    raw = restricted_token(bridge)
    found = client.get("/api/v1/cases/lookup", {"q": "张三"}, **auth(raw)).json()
    assert [c["number"] for c in found["items"]] == [town_case.number]
    search = client.get("/api/v1/cases/search", {"q": "工资"}, **auth(raw))
    assert search.status_code == 200 and {c["number"] for c in search.json()["items"]} == {town_case.number}
    assert client.get("/api/v1/cases/workbench", {"unit": org.county.pk}, **auth(raw)).status_code == 404
    bench = client.get("/api/v1/cases/workbench", **auth(raw)).json()
    assert bench["unit"] == "东湖镇"
    me = client.get("/api/v1/units/me", **auth(raw)).json()
    assert [seat["unit"]["id"] for seat in me["seats"]] == [org.town.pk]


def test_writes_outside_the_restriction_are_refused_and_change_nothing(client, bridge, cases, org):
    county_case, town_case = cases
    raw = restricted_token(bridge)
    version = county_case.version
    refused = post_json(
        client, f"/api/v1/cases/{county_case.number}/actions/assign", {"to_unit": org.town.pk}, auth(raw)
    )
    assert refused.status_code == 404
    county_case.refresh_from_db()
    assert county_case.version == version and county_case.owner_unit == org.county
    assert post_json(client, "/api/v1/cases", payload(org.county), auth(raw)).status_code == 403
    assert post_json(client, "/api/v1/cases", payload(org.town), auth(raw)).status_code == 201


def test_a_superuser_service_user_is_confined_too(client, bridge, cases):
    county_case, town_case = cases
    bridge.user.is_superuser = True
    bridge.user.save(update_fields=["is_superuser"])
    raw = restricted_token(bridge)
    assert client.get(f"/api/v1/cases/{county_case.number}", **auth(raw)).status_code == 404
    assert client.get(f"/api/v1/cases/{town_case.number}", **auth(raw)).status_code == 200

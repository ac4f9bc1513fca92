"""API v1: the cases behind a KPI figure (and their Excel) and behind a 数据看板 figure (issue 7 §1).

The stories are those of test_kpis.py and test_dashboard.py; the API must list exactly what the pages
list, behind the same gate (a unit out of sight is 404), with Chinese 4xx for bad parameters.
"""

import io

from django.urls import reverse
from openpyxl import load_workbook

from xinfang.integrations.auth import api_token_create
from xinfang.reporting.tests.test_kpis import story  # noqa: F401 - the fixture applies here too


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user, name='测试')[1]}"}


PARAMS = {"kpi": "one_time", "part": "den", "period": "2026-Q1"}


def test_it_lists_a_kpis_cases_as_the_page_does(client, org, story):  # noqa: F811
    params = {**PARAMS, "unit": org.county.pk}
    response = client.get("/api/v1/reports/kpis/cases", params, **bearer(org.leader_only))
    assert response.status_code == 200, response.content
    body = response.json()
    assert {c["number"] for c in body["items"]} == {story[k].number for k in ("c3", "c4", "c6")}
    assert body["what"] == "一次性化解率分母" and body["pagination"]["count"] == 3
    client.force_login(org.leader_only)
    page = client.get(reverse("reporting:kpi-cases"), params)
    assert {c.number for c in page.context["page"].object_list} == {c["number"] for c in body["items"]}
    num = client.get("/api/v1/reports/kpis/cases", {**params, "part": "num"}, **bearer(org.leader_only))
    assert [c["number"] for c in num.json()["items"]] == [story["c6"].number]


def test_a_township_may_not_drill_into_the_county(client, org, story):  # noqa: F811
    params = {**PARAMS, "unit": org.county.pk}
    response = client.get("/api/v1/reports/kpis/cases", params, **bearer(org.town_handler))
    assert response.status_code == 404
    export = client.get("/api/v1/reports/kpis/cases/export", params, **bearer(org.town_handler))
    assert export.status_code == 404


def test_bad_kpi_parameters_are_a_chinese_400(client, org, story):  # noqa: F811
    headers = bearer(org.leader_only)
    for params, words in [
        ({**PARAMS, "kpi": "nope"}, "没有这个统计指标"),
        ({**PARAMS, "part": "all"}, "part 只能是"),
        ({**PARAMS, "period": "'; DROP TABLE"}, ""),
        ({**PARAMS, "side": "x"}, ""),
    ]:
        response = client.get("/api/v1/reports/kpis/cases", params, **headers)
        assert response.status_code == 400, params
        assert response.json()["code"] == "invalid" and words in response.json()["detail"]
    assert client.get("/api/v1/reports/kpis/cases", {"part": "num"}, **headers).status_code == 422
    bad_export = client.get("/api/v1/reports/kpis/cases/export", {**PARAMS, "kpi": "nope"}, **headers)
    assert bad_export.status_code == 400 and "没有这个统计指标" in bad_export.json()["detail"]


def test_it_exports_a_kpis_cases_with_an_audit_row(client, org, story):  # noqa: F811
    from xinfang.common.models import AuditLog

    params = {**PARAMS, "unit": org.county.pk}
    response = client.get("/api/v1/reports/kpis/cases/export", params, **bearer(org.county_head))
    assert response.status_code == 200, response.content
    content = b"".join(response.streaming_content)
    numbers = {str(c.value) for c in load_workbook(io.BytesIO(content)).worksheets[0]["A"]}
    assert {story[k].number for k in ("c3", "c4", "c6")} <= numbers
    assert AuditLog.objects.filter(user=org.county_head, via="api").exists()

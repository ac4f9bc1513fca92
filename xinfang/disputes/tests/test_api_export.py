"""API v1: GET /disputes/export — the 排查调处台账 as .xlsx, the same service (and audit) as the page."""

import io

from openpyxl import load_workbook

from xinfang.common.models import AuditLog
from xinfang.disputes.choices import RiskLevel
from xinfang.disputes.tests.conftest import PHONE
from xinfang.integrations.auth import api_token_create
from xinfang.orgs.models import Role

URL = "/api/v1/disputes/export"


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user, name='测试')[1]}"}


def rows_of(response) -> list[dict]:
    assert response.status_code == 200, response.content
    values = list(load_workbook(io.BytesIO(response.content))["排查调处台账"].iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_it_exports_the_filtered_ledger_like_the_page(client, tree, make_dispute):
    high = make_dispute(title="征地补偿纠纷", risk_level=RiskLevel.HIGH)
    make_dispute(title="邻里噪音纠纷", risk_level=RiskLevel.LOW)
    rows = rows_of(client.get(URL, {"risk": "high"}, **bearer(tree.county_supervisor)))
    assert [r["台账编号"] for r in rows] == [high.number] and rows[0]["联系电话"] == PHONE
    client.force_login(tree.county_supervisor)
    page_rows = rows_of(client.get("/disputes/export.xlsx", {"risk": "high"}))
    assert [r["台账编号"] for r in page_rows] == [r["台账编号"] for r in rows]
    api_row = AuditLog.objects.get(action="export_disputes", via="api")
    assert api_row.detail["rows"] == 1 and api_row.detail["with_contacts"] is True
    assert api_row.detail["filters"]["risk"] == "high" and api_row.detail["api_token"]


def test_the_leader_gets_contacts_masked(client, tree, make_dispute):
    make_dispute()
    rows = rows_of(client.get(URL, **bearer(tree.county_leader)))
    assert rows[0]["联系电话"] == "139****5678"
    assert AuditLog.objects.get(action="export_disputes").detail["with_contacts"] is False


def test_someone_without_a_ledger_gets_404_and_nothing_is_logged(client, tree, make_dispute):
    make_dispute()
    outsider = tree.person("outsider", tree.other, Role.HANDLER)
    rows = rows_of(client.get(URL, **bearer(outsider)))  # the other county's ledger: empty, not ours
    assert rows == []
    nobody = tree.person("nobody")
    response = client.get(URL, **bearer(nobody))
    assert response.status_code == 404 and "没有可导出的台账" in response.json()["detail"]
    assert AuditLog.objects.filter(action="export_disputes").count() == 1


def test_bad_filters_are_dropped_or_refused_in_chinese(client, tree, make_dispute):
    make_dispute()
    headers = bearer(tree.county_supervisor)
    assert len(rows_of(client.get(URL, {"risk": "purple", "period": "x"}, **headers))) == 1
    malformed = client.get(URL, {"unit": "abc"}, **headers)
    assert malformed.status_code == 422

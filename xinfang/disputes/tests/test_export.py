"""The Excel export: a real .xlsx that openpyxl opens, Chinese headers, the rows in the ledger's order,
personal data masked for those who may not see it, and an audit row for every export."""

import datetime
import io

import time_machine
from openpyxl import load_workbook

from xinfang.common.models import AuditLog
from xinfang.disputes.choices import RiskLevel
from xinfang.disputes.services import dispute_measure_add, dispute_report
from xinfang.disputes.tests.conftest import PHONE


def rows_of(response) -> tuple[list, list[dict]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["排查调处台账"]
    values = list(sheet.iter_rows(values_only=True))
    headers = list(values[0])
    return headers, [dict(zip(headers, row, strict=True)) for row in values[1:]]


def test_the_export_has_chinese_headers_and_the_filtered_rows_in_order(client, tree, make_dispute):
    with time_machine.travel(datetime.datetime(2026, 11, 2, 2, tzinfo=datetime.UTC), tick=False):
        low = make_dispute(title="邻里噪音纠纷", risk_level=RiskLevel.LOW, due_on=datetime.date(2026, 11, 3))
        high = make_dispute(title="征地补偿纠纷", risk_level=RiskLevel.HIGH)
        dispute_measure_add(
            dispute=high, actor=tree.town_handler, taken_on=datetime.date(2026, 11, 2), text="包案领导约谈"
        )
        dispute_report(dispute=high, actor=tree.town_head)
    with time_machine.travel(datetime.datetime(2026, 11, 10, 2, tzinfo=datetime.UTC), tick=False):
        client.force_login(tree.county_supervisor)
        headers, rows = rows_of(client.get("/disputes/export.xlsx"))
        _h, only_high = rows_of(client.get("/disputes/export.xlsx", {"risk": "high"}))
    assert headers[:5] == ["台账编号", "排查单位", "排查批次", "排查日期", "矛盾纠纷名称"]
    assert "风险等级" in headers and "化解期限" in headers and "是否超期" in headers
    assert [r["台账编号"] for r in rows] == [high.number, low.number]
    assert rows[0]["风险等级"] == "高" and rows[0]["是否超期"] == "否" and rows[1]["是否超期"] == "是"
    assert rows[0]["化解措施"] == "2026-11-02 包案领导约谈" and rows[0]["上报情况"].startswith("已上报")
    assert rows[0]["排查日期"] == datetime.datetime(2026, 11, 2)  # a real date cell
    assert [r["台账编号"] for r in only_high] == [high.number]


def test_contacts_are_in_full_for_the_supervisor_and_masked_for_the_leader(client, tree, make_dispute):
    make_dispute()
    client.force_login(tree.county_supervisor)
    _h, rows = rows_of(client.get("/disputes/export.xlsx"))
    assert rows[0]["当事人"] == "李四、东湖村村民委员会" and rows[0]["联系电话"] == PHONE
    client.force_login(tree.county_leader)
    _h, rows = rows_of(client.get("/disputes/export.xlsx"))
    assert rows[0]["当事人"] == "李*、东湖村村民委员会" and rows[0]["联系电话"] == "139****5678"
    audits = list(AuditLog.objects.filter(action="export_disputes").order_by("at", "id"))
    assert [(a.user, a.detail["rows"], a.detail["with_contacts"]) for a in audits] == [
        (tree.county_supervisor, 1, True),
        (tree.county_leader, 1, False),
    ]


def test_the_export_has_the_risk_rules_sheet(client, tree, make_dispute):
    client.force_login(tree.town_handler)
    response = client.get("/disputes/export.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    rules = list(book["风险等级说明"].iter_rows(values_only=True))
    assert [r[0] for r in rules] == ["风险等级", "高", "中", "低"]
    assert "排查调处台账" in response["Content-Disposition"] or "%E6%8E%92" in response["Content-Disposition"]

"""API v1: the assessment's ranking as .xlsx and the records behind a deduction (扣分依据), behind the
same gates as the pages: managers export (audited); whoever may read the unit's score sees its evidence."""

import io

from openpyxl import load_workbook

from xinfang.assessment import services
from xinfang.assessment.tests.conftest import SCORED_ON
from xinfang.common.models import AuditLog
from xinfang.integrations.auth import api_token_create

BASE = "/api/v1/assessment/rule-sets"


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user, name='测试')[1]}"}


def computed(rule_set, user):
    services.assessment_compute(rule_set=rule_set, acting_user=user, today=SCORED_ON)
    rule_set.refresh_from_db()
    return rule_set


def test_the_evidence_lists_what_the_page_lists(client, org, story, q1_rules, supervisor):
    computed(q1_rules, supervisor)
    url = f"{BASE}/{q1_rules.pk}/results/{org.town.pk}/evidence"
    late = client.get(f"{url}/late_registration", **bearer(supervisor))
    assert late.status_code == 200, late.content
    body = late.json()
    assert [i["case_number"] for i in body["items"]] == [story["A"].number]
    assert body["title"] == "登记不及时" and body["stored_count"] == 1 and body["stored_points"]
    overdue = {i["case_number"] for i in client.get(f"{url}/overdue", **bearer(supervisor)).json()["items"]}
    assert overdue == {story["B"].number, story["C"].number}
    callbacks = client.get(f"{url}/callback", **bearer(supervisor)).json()["items"]
    assert {i["case_number"] for i in callbacks} >= {story["A"].number}
    staff = client.get(f"{url}/no_operator", **bearer(supervisor)).json()["items"]
    assert "town_handler" in {i["title"] for i in staff}
    shortfall = client.get(f"{url}/info_shortfall", **bearer(supervisor)).json()["items"]
    assert [i["title"] for i in shortfall] == ["东湖镇一季度矛盾纠纷排查情况"]


def test_outsiders_and_unknown_codes_get_404(client, org, story, q1_rules, supervisor):
    computed(q1_rules, supervisor)
    url = f"{BASE}/{q1_rules.pk}/results/{org.town.pk}/evidence/overdue"
    for outsider in (org.town_handler, org.other_registrar, org.city_leader):
        assert client.get(url, **bearer(outsider)).status_code == 404
    unknown = client.get(f"{BASE}/{q1_rules.pk}/results/{org.town.pk}/evidence/bribery", **bearer(supervisor))
    assert unknown.status_code == 404 and "没有这个扣分项" in unknown.json()["detail"]
    assert (
        client.get(f"{BASE}/{q1_rules.pk}/results/999999/evidence/overdue", **bearer(supervisor)).status_code
        == 404
    )


def test_the_ranking_exports_for_managers_audited(client, org, story, q1_rules, supervisor):
    computed(q1_rules, supervisor)
    response = client.get(f"{BASE}/{q1_rules.pk}/export", **bearer(supervisor))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert "东湖镇" in {str(c.value) for row in sheet.iter_rows() for c in row}
    row = AuditLog.objects.get(action="assessment.export", object_id=str(q1_rules.pk))
    assert row.via == "api" and row.user == supervisor
    for outsider in (org.town_head, org.other_registrar):
        assert client.get(f"{BASE}/{q1_rules.pk}/export", **bearer(outsider)).status_code == 404
    assert AuditLog.objects.filter(action="assessment.export").count() == 1

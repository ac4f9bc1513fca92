"""API v1 /disputes: list, get, create, update, measures, transitions, case links — with bearer tokens,
Chinese messages, 4xx for bad input (nothing changed) and the same gate as the pages."""

import datetime

import pytest

from xinfang.common.models import AuditLog
from xinfang.disputes.models import Dispute, DisputeMeasure
from xinfang.disputes.tests.conftest import PHONE
from xinfang.integrations.auth import api_token_create

TODAY = datetime.date.today()


@pytest.fixture
def api(client):
    class Api:
        def as_user(self, user):
            self.headers = {"Authorization": f"Bearer {api_token_create(user=user, name='t')[1]}"}
            return self

        def get(self, path, **params):
            return client.get(f"/api/v1/disputes{path}", params, headers=self.headers)

        def post(self, path, body):
            return client.post(
                f"/api/v1/disputes{path}", body, content_type="application/json", headers=self.headers
            )

        def patch(self, path, body):
            return client.patch(
                f"/api/v1/disputes{path}", body, content_type="application/json", headers=self.headers
            )

    return Api()


def new_body(tree, **overrides) -> dict:
    body = {
        "title": "东街拆迁安置纠纷",
        "description": "拆迁户对安置面积有异议，多次聚集。",
        "risk_level": "high",
        "period_start": TODAY.replace(day=1).isoformat(),
        "period_end": TODAY.isoformat(),
        "found_on": TODAY.isoformat(),
        "due_on": (TODAY + datetime.timedelta(days=20)).isoformat(),
        "responsible": tree.town_handler.pk,
        "leader": tree.town_head.pk,
        "parties": [{"name": "钱七", "kind": "person", "contact": "13600002222"}],
    }
    body.update(overrides)
    return body


def test_it_creates_gets_and_lists_a_dispute(api, tree):
    api.as_user(tree.town_registrar)
    created = api.post("", new_body(tree))
    assert created.status_code == 201, created.content.decode()
    data = created.json()
    assert data["risk_label"] == "高" and data["status"] == "registered" and data["version"] == 1
    assert data["parties"][0]["contact"] == "13600002222" and "包案领导" in data["risk_rule"]
    assert "拆迁" in created.content.decode()  # readable Chinese JSON
    api.as_user(tree.county_leader)
    got = api.get(f"/{data['number']}").json()
    assert got["parties"][0] == {
        "kind": "person",
        "kind_label": "个人",
        "name": "钱*",
        "contact_masked": "136****2222",
        "contact": None,
    }
    listing = api.get("", risk="high").json()
    assert [i["number"] for i in listing["items"]] == [data["number"]]
    assert listing["counts"]["risk_high"] == 1 and listing["pagination"]["count"] == 1
    levels = api.get("/risk-levels").json()
    assert [level["code"] for level in levels] == ["high", "medium", "low"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"due_on": "2020-01-01"}, "due_on", "化解期限不能早于排查日期。"),
        ({"parties": []}, "parties", "请至少填写一名当事人。"),
        ({"risk_level": "critical"}, "risk_level", "风险等级应为高、中、低之一。"),
        ({"responsible": None}, "responsible", "请选择责任人。"),
    ],
)
def test_bad_input_answers_400_in_chinese_and_changes_nothing(api, tree, overrides, field, message):
    api.as_user(tree.town_registrar)
    response = api.post("", new_body(tree, **overrides))
    assert response.status_code == 400
    assert message in response.json()["errors"][field]
    assert Dispute.objects.count() == 0


def test_a_malformed_body_answers_422_in_chinese(api, tree):
    api.as_user(tree.town_registrar)
    response = api.post("", new_body(tree, due_on="next week"))
    assert response.status_code == 422 and response.json()["errors"]["due_on"] == [
        "日期格式应为 YYYY-MM-DD。"
    ]


def test_outsiders_cannot_create_or_read(api, tree, make_dispute):
    item = make_dispute()
    api.as_user(tree.town2_handler)  # the sibling township keeps its own ledger, not 东湖镇's
    assert api.post("", new_body(tree, unit=tree.town.pk)).status_code == 403
    own = api.post("", new_body(tree, responsible=tree.town2_handler.pk, leader=tree.county_leader.pk))
    assert own.status_code == 201 and own.json()["unit"] == "西山镇"
    assert api.get(f"/{item.number}").status_code == 404
    assert (
        api.post(f"/{item.number}/measures", {"taken_on": TODAY.isoformat(), "text": "x"}).status_code == 404
    )
    assert api.post(f"/{item.number}/transitions", {"action": "mediate"}).status_code == 404
    api.as_user(tree.county_leader)
    assert api.post("", new_body(tree)).status_code == 403
    assert Dispute.objects.filter(unit=tree.town).count() == 1


def test_update_measures_and_steps(api, tree, make_dispute):
    item = make_dispute()
    api.as_user(tree.town_registrar)
    updated = api.patch(f"/{item.number}", {"title": "东湖村承包地边界纠纷", "version": 1})
    assert updated.status_code == 200 and updated.json()["title"] == "东湖村承包地边界纠纷"
    assert updated.json()["parties"][1]["name"] == "东湖村村民委员会"  # parties kept when not sent
    stale = api.patch(f"/{item.number}", {"title": "再改", "version": 1})
    assert stale.status_code == 409 and "已被他人修改" in stale.json()["detail"]
    bad = api.patch(f"/{item.number}", {"due_on": "2000-01-01"})
    assert bad.status_code == 400 and bad.json()["errors"]["due_on"] == ["化解期限不能早于排查日期。"]
    measure = api.post(f"/{item.number}/measures", {"taken_on": TODAY.isoformat(), "text": "召开协调会"})
    assert measure.status_code == 201 and measure.json()["text"] == "召开协调会"
    assert [m["text"] for m in api.get(f"/{item.number}/measures").json()] == ["召开协调会"]
    no_text = api.post(f"/{item.number}/measures", {"taken_on": TODAY.isoformat(), "text": ""})
    assert no_text.status_code == 400 and DisputeMeasure.objects.count() == 1
    forbidden = api.post(f"/{item.number}/transitions", {"action": "report"})
    assert forbidden.status_code == 403  # only the head reports
    api.as_user(tree.town_head)
    reported = api.post(f"/{item.number}/transitions", {"action": "report"})
    assert reported.status_code == 200 and reported.json()["reported"] is True
    assert api.patch(f"/{item.number}", {"title": "上报后"}).status_code == 409
    api.as_user(tree.county_supervisor)
    acked = api.post(f"/{item.number}/transitions", {"action": "acknowledge", "note": "请月底前化解"})
    assert acked.status_code == 200 and acked.json()["acknowledged_note"] == "请月底前化解"
    api.as_user(tree.town_handler)
    resolved = api.post(f"/{item.number}/transitions", {"action": "resolve", "outcome": "达成协议"})
    assert resolved.status_code == 200 and resolved.json()["status_label"] == "已化解"
    again = api.post(f"/{item.number}/transitions", {"action": "mediate"})
    assert again.status_code == 409 and "已办结" in again.json()["detail"]
    assert api.post(f"/{item.number}/transitions", {"action": "explode"}).status_code == 404


def test_linking_a_case_by_api(api, tree, make_dispute):
    item = make_dispute()
    api.as_user(tree.town_handler)
    missing = api.post(f"/{item.number}/cases", {"case_number": "9901212026010100001"})
    assert missing.status_code == 400 and missing.json()["errors"]["case_number"] == [
        "信访件编号不存在或无权查看。"
    ]
    moved = api.post(f"/{item.number}/transitions", {"action": "to_petition"})
    assert moved.status_code == 400  # a handler may not register: the number is needed


def test_reading_contacts_by_api_is_audited(api, tree, make_dispute):
    item = make_dispute()
    api.as_user(tree.county_supervisor)
    assert api.get(f"/{item.number}").json()["parties"][0]["contact"] == PHONE
    audit = AuditLog.objects.get(action="view_personal_data")
    assert audit.via == "api" and audit.user == tree.county_supervisor


def test_a_patch_with_a_stale_etag_gets_412_and_changes_nothing(api, tree, client):
    """ETag / If-Match (issue 7 §1, xinfang/integrations/conditional.py) on the ledger's entries."""
    api.as_user(tree.town_registrar)
    number = api.post("", new_body(tree)).json()["number"]
    read = client.get(f"/api/v1/disputes/{number}", headers=api.headers)
    tag = read["ETag"]
    assert (
        client.get(f"/api/v1/disputes/{number}", headers={**api.headers, "If-None-Match": tag}).status_code
        == 304
    )

    def patch(title):
        return client.patch(
            f"/api/v1/disputes/{number}",
            {"title": title},
            content_type="application/json",
            headers={**api.headers, "If-Match": tag},
        )

    first = patch("东街拆迁安置面积纠纷")
    assert first.status_code == 200 and first["ETag"] != tag
    second = patch("别人的改动")
    assert second.status_code == 412 and second.json()["code"] == "precondition_failed"
    assert Dispute.objects.get(number=number).title == "东街拆迁安置面积纠纷"

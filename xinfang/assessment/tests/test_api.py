"""API v1 /assessment: the flow, who may call what, and bad input answered 400/404/409/422, never 500."""

import pytest

from xinfang.assessment.models import Adjustment, RuleSet
from xinfang.integrations.auth import api_token_create

BASE = "/api/v1/assessment"


@pytest.fixture
def api(client):
    class Api:
        headers: dict = {}

        def as_user(self, user):
            _token, raw = api_token_create(user=user, name="测试")
            self.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
            return self

        def get(self, path):
            return client.get(BASE + path, **self.headers)

        def post(self, path, body=None):
            return client.post(BASE + path, body or {}, content_type="application/json", **self.headers)

        def patch(self, path, body):
            return client.patch(BASE + path, body, content_type="application/json", **self.headers)

    return Api()


def test_it_runs_the_whole_flow(api, org, story, supervisor):
    api.as_user(supervisor)
    created = api.post("/rule-sets", {"period": "2026-Q1"})
    assert created.status_code == 201
    rule_set = created.json()
    assert rule_set["weights"]["on_time"] == "10.00" and len(rule_set["deductions"]) == 7
    assert "达川区" in next(d for d in rule_set["deductions"] if d["code"] == "repeat")["source"]
    path = f"/rule-sets/{rule_set['id']}"
    changed = api.patch(path, {"weight_online": 2, "deductions": {"overdue": {"cap": 4}}})
    assert changed.status_code == 200
    assert changed.json()["weights"]["online"] == "2.00"
    assert next(d for d in changed.json()["deductions"] if d["code"] == "overdue")["cap"] == "4.00"
    assert api.post(path + "/key-tasks", {"points": {str(org.town.pk): 50}}).status_code == 200
    computed = api.post(path + "/compute")
    assert computed.status_code == 200
    names = [row["unit_name"] for row in computed.json()["results"]]
    assert set(names) == {"东湖镇", "县公安局"}
    adjusted = api.post(
        path + "/adjustments", {"unit": org.police.pk, "points": "-1.5", "reason": "信息迟报"}
    )
    assert adjusted.status_code == 201 and adjusted.json()["score"]["adjustments"] == "-1.50"
    one = api.get(f"{path}/results/{org.police.pk}").json()
    assert one["adjustment_log"][0]["reason"] == "信息迟报"
    assert sum(float(item["points"]) for item in one["items"]) == pytest.approx(float(one["total"]))
    assert [r["rank"] for r in api.get(path + "/results").json()["results"]] == [1, 2]
    assert api.post(path + "/finalize").status_code == 200
    assert api.get("/rule-sets").json()[0]["status"] == "finalized"


def test_bad_input_is_refused_with_chinese_messages(api, org, story, supervisor):
    api.as_user(supervisor)
    bad_period = api.post("/rule-sets", {"period": "2026-Q5"})
    assert bad_period.status_code == 400 and "季度" in str(bad_period.json())
    assert api.post("/rule-sets", {}).status_code == 422
    rule_set = api.post("/rule-sets", {"period": "2026-Q1"}).json()
    duplicate = api.post("/rule-sets", {"period": "2026-Q1"})
    assert duplicate.status_code == 409 and "已经有了" in duplicate.json()["detail"]
    path = f"/rule-sets/{rule_set['id']}"
    negative = api.patch(path, {"weight_on_time": -3})
    assert negative.status_code == 400 and "不能小于 0" in str(negative.json()["errors"])
    assert api.patch(path, {"weight_on_time": "很多"}).status_code == 422
    assert api.patch(path, {"deductions": {"overdue": {"cap": -1}}}).status_code == 400
    unknown = api.patch(path, {"deductions": {"bribes": {"cap": 1}}})
    assert unknown.status_code == 400 and "没有这种扣分项" in str(unknown.json())
    assert api.patch(path, {"no_denominator": "maybe"}).status_code == 400
    assert RuleSet.objects.get(pk=rule_set["id"]).weight_on_time == 10
    assert api.post(path + "/key-tasks", {"points": {str(org.town.pk): 99}}).status_code == 400
    assert api.post(path + "/key-tasks", {"points": {"999999": 1}}).status_code == 400
    not_computed = api.post(path + "/finalize")
    assert not_computed.status_code == 400 and "请先计算" in str(not_computed.json())
    api.post(path + "/compute")
    no_reason = api.post(path + "/adjustments", {"unit": org.town.pk, "points": 1, "reason": " "})
    assert no_reason.status_code == 400 and "理由" in str(no_reason.json())
    assert (
        api.post(path + "/adjustments", {"unit": org.town.pk, "points": "x", "reason": "a"}).status_code
        == 422
    )
    assert (
        api.post(path + "/adjustments", {"unit": org.town.pk, "points": 500, "reason": "a"}).status_code
        == 400
    )
    assert (
        api.post(path + "/adjustments", {"unit": org.other.pk, "points": 1, "reason": "a"}).status_code == 404
    )
    assert not Adjustment.objects.exists()
    assert api.get("/rule-sets/999999").status_code == 404
    assert api.get(path + "/results/999999").status_code == 404
    assert api.post(path + "/finalize").status_code == 200
    assert api.post(path + "/finalize").status_code == 409
    assert api.post(path + "/compute").status_code == 409
    assert api.patch(path, {"weight_on_time": 1}).status_code == 409
    locked = api.post(path + "/adjustments", {"unit": org.town.pk, "points": 1, "reason": "a"})
    assert locked.status_code == 409 and "定稿" in locked.json()["detail"]


def test_outsiders_get_404_and_units_read_their_own_after_finalizing(api, org, story, supervisor):
    api.as_user(supervisor)
    rule_set = api.post("/rule-sets", {"period": "2026-Q1"}).json()
    path = f"/rule-sets/{rule_set['id']}"
    api.post(path + "/compute")
    for outsider in (org.town_handler, org.other_registrar, org.city_leader, org.registrar):
        api.as_user(outsider)
        assert api.get(path).status_code == 404
        assert api.get(path + "/results").status_code == 404
        assert api.post(path + "/compute").status_code == 404
        assert (
            api.post(path + "/adjustments", {"unit": org.town.pk, "points": 1, "reason": "a"}).status_code
            == 404
        )
    assert api.as_user(org.town_handler).get("/rule-sets").status_code == 404
    api.as_user(supervisor).post(path + "/finalize")
    api.as_user(org.town_handler)
    mine = api.get(path + "/results")
    assert mine.status_code == 200 and [r["unit_name"] for r in mine.json()["results"]] == ["东湖镇"]
    assert api.get(f"{path}/results/{org.police.pk}").status_code == 404
    assert api.get(path).status_code == 404  # the rules stay the bureau's
    api.headers = {}
    assert api.get(path + "/results").status_code == 401

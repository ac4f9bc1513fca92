"""API v1 of 信息报送 (`/api/v1/reports`): list, get, create, attach, submit, review, counts — the same
gate, services and messages as the pages; 4xx, never 500."""

import json

import pytest

from xinfang.integrations.auth import api_token_create
from xinfang.reporting.models import Submission
from xinfang.reporting.tests.conftest import docx_upload, exe_upload

BASE = "/api/v1/reports"


def bearer(user) -> dict:
    _token, raw = api_token_create(user=user, name="测试")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def api(client):
    class Api:
        def __init__(self):
            self.headers = {}

        def as_user(self, user):
            self.headers = bearer(user)
            return self

        def get(self, path, **params):
            return client.get(BASE + path, params, **self.headers)

        def post(self, path, body=None):
            return client.post(
                BASE + path,
                data=json.dumps(body or {}, ensure_ascii=False),
                content_type="application/json",
                **self.headers,
            )

        def patch(self, path, body):
            return client.patch(
                BASE + path,
                data=json.dumps(body, ensure_ascii=False),
                content_type="application/json",
                **self.headers,
            )

        def delete(self, path):
            return client.delete(BASE + path, **self.headers)

        def upload(self, path, upload):
            return client.post(BASE + path, {"file": upload}, **self.headers)

    return Api()


NEW = {
    "kind": "warning",
    "title": "某村村民拟集体上访",
    "body": "约30人，拟于下周一到县政府。",
    "period": "2026-Q2",
    "is_urgent": True,
}


def test_the_whole_flow_over_the_api(api, org):
    created = api.as_user(org.town_handler).post("/submissions", NEW)
    assert created.status_code == 201, created.content
    item = created.json()
    assert item["status"] == "draft" and item["unit"] == "东湖镇" and item["to_unit"] == "示范县信访局"
    assert item["period_label"] == "2026年第二季度" and item["versions"] == []
    pk = item["id"]

    attached = api.upload(f"/submissions/{pk}/attachments", docx_upload("名单.docx"))
    assert attached.status_code == 201 and attached.json()["attachments"][0]["name"] == "名单.docx"

    sent = api.post(f"/submissions/{pk}/submit")
    assert sent.status_code == 200 and sent.json()["status"] == "submitted" and sent.json()["version"] == 1

    reviewer = api.as_user(org.dispatcher)
    queue = reviewer.get("/submissions", box="review").json()
    assert [i["id"] for i in queue["items"]] == [pk] and queue["counts"]["review"] == 1
    missing_reasons = reviewer.post(f"/submissions/{pk}/review", {"decision": "return"})
    assert missing_reasons.status_code == 400
    assert missing_reasons.json()["errors"] == {"reasons": ["退回须写明理由。"]}
    returned = reviewer.post(f"/submissions/{pk}/review", {"decision": "return", "reasons": "请写明组织者"})
    assert returned.json()["status"] == "returned"

    writer = api.as_user(org.town_handler)
    edited = writer.patch(f"/submissions/{pk}", {**NEW, "body": "约30人，组织者为张某。"})
    assert edited.status_code == 200 and edited.json()["body"] == "约30人，组织者为张某。"
    assert writer.post(f"/submissions/{pk}/submit").json()["version"] == 2

    adopted = api.as_user(org.county_head).post(
        f"/submissions/{pk}/review", {"decision": "adopt", "adoption_level": "city", "score": 9, "version": 2}
    )
    body = adopted.json()
    assert adopted.status_code == 200 and body["status"] == "adopted" and body["score"] == 9
    assert [(v["number"], v["outcome"]) for v in body["versions"]] == [(2, "adopted"), (1, "returned")]
    assert body["versions"][1]["body"] == NEW["body"] and body["versions"][1]["review_note"] == "请写明组织者"


def test_errors_are_chinese_4xx(api, org, sent, draft):
    item = sent()
    other = api.as_user(org.police_handler)
    assert other.get(f"/submissions/{item.pk}").status_code == 404
    assert other.post(f"/submissions/{item.pk}/review", {"decision": "adopt"}).status_code == 404

    writer = api.as_user(org.town_handler)
    refused = writer.post(f"/submissions/{item.pk}/review", {"decision": "adopt"})
    assert refused.status_code == 403 and "审核" in refused.json()["detail"]
    again = writer.post(f"/submissions/{item.pk}/submit")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    bad = writer.post("/submissions", {**NEW, "period": "下个月", "kind": "poem", "title": ""})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"period", "kind", "title"}
    assert writer.post("/submissions", {"title": "缺字段"}).status_code == 422
    assert api.as_user(org.city_leader).post("/submissions", NEW).status_code == 403  # nothing above the city


def test_an_exe_over_the_api_is_refused_and_not_stored(api, org, draft, settings):
    item = draft()
    response = api.as_user(org.town_handler).upload(f"/submissions/{item.pk}/attachments", exe_upload())
    assert response.status_code == 400
    assert "不是有效的PDF、JPG、PNG或Word" in response.json()["errors"]["attachments"][0]
    assert not item.attachments.exists()
    assert not settings.MEDIA_ROOT.exists() or not any(p.is_file() for p in settings.MEDIA_ROOT.rglob("*"))


def test_search_and_counts(api, org, sent):
    sent(title="汛期动态")
    sent(title="征地预警", kind="warning")
    reviewer = api.as_user(org.dispatcher)
    assert [i["title"] for i in reviewer.get("/submissions", q="汛期").json()["items"]] == ["汛期动态"]
    assert [i["title"] for i in reviewer.get("/submissions", kind="warning").json()["items"]] == ["征地预警"]
    counts = reviewer.get("/counts", since="2000-01-01", until="2100-12-31").json()
    rows = {row["unit"]: row for row in counts["units"]}
    assert rows["东湖镇"]["submitted"] == 2 and rows["县公安局"]["submitted"] == 0
    assert api.as_user(org.town_handler).get("/counts").status_code == 403


def test_delete_a_draft_but_not_a_sent_item(api, org, draft, sent):
    item = draft()
    writer = api.as_user(org.town_handler)
    assert writer.delete(f"/submissions/{item.pk}").status_code == 204
    assert not Submission.objects.filter(pk=item.pk).exists()
    assert writer.delete(f"/submissions/{sent().pk}").status_code == 409

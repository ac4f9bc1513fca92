"""API v1: GET /audit and /audit/export — the 查阅记录 page's data, behind the same gate (issue 7 §1)."""

from django.urls import reverse

from xinfang.common.models import AuditLog
from xinfang.integrations.auth import api_token_create


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user, name='测试')[1]}"}


def test_the_county_head_reads_its_staffs_views_including_api_ones(client, org, register):
    case = register()
    client.get(
        f"/api/v1/cases/{case.number}", **bearer(org.dispatcher)
    )  # a view of personal data via the API
    other = register(actor=org.other_registrar, unit=org.other)
    client.force_login(org.other_registrar)
    client.get(reverse("cases:detail", args=[other.number]))

    response = client.get("/api/v1/audit", **bearer(org.county_head))
    assert response.status_code == 200, response.content
    body = response.json()
    [entry] = body["items"]
    assert entry["number"] == case.number and entry["username"] == "dispatcher" and entry["via"] == "api"
    assert entry["action_label"] == "查看信访人信息" and entry["api_token"]
    assert body["pagination"]["count"] == 1
    # The page shows the same rows.
    client.force_login(org.county_head)
    page = client.get(reverse("audit"))
    assert [e.pk for e in page.context["page"].object_list] == [
        AuditLog.objects.get(action="view_personal_data", user=org.dispatcher).pk
    ]


def test_filters_and_the_csv_export_which_is_itself_audited(client, org, register):
    case = register()
    client.get(f"/api/v1/cases/{case.number}", **bearer(org.dispatcher))
    headers = bearer(org.county_head)
    assert client.get("/api/v1/audit", {"number": "990121000"}, **headers).json()["items"] == []
    assert len(client.get("/api/v1/audit", {"username": "dispatcher"}, **headers).json()["items"]) == 1
    assert client.get("/api/v1/audit", {"since": "2999-01-01"}, **headers).json()["items"] == []
    response = client.get("/api/v1/audit/export", {"number": case.number}, **headers)
    assert response.status_code == 200
    csv = b"".join(response.streaming_content).decode("utf-8-sig")
    assert csv.startswith("时间") and case.number in csv.splitlines()[1]
    assert csv.splitlines()[0].endswith("接入系统,令牌")
    token_prefix = AuditLog.objects.get(action="view_personal_data").detail["api_token"]
    assert csv.splitlines()[1].endswith("," + token_prefix)  # which token read the data
    exported = AuditLog.objects.get(action="export_audit_log")
    assert (
        exported.user == org.county_head
        and exported.via == "api"
        and exported.detail["number"] == case.number
    )


def test_staff_without_the_role_get_403_and_bad_dates_422(client, org):
    for user in (org.dispatcher, org.town_handler, org.town_head):
        response = client.get("/api/v1/audit", **bearer(user))
        assert response.status_code == 403 and "只有信访部门的领导" in response.json()["detail"]
        assert client.get("/api/v1/audit/export", **bearer(user)).status_code == 403
    assert not AuditLog.objects.filter(action="export_audit_log").exists()
    bad = client.get("/api/v1/audit", {"since": "不是日期"}, **bearer(org.county_head))
    assert bad.status_code == 422
    too_long = client.get("/api/v1/audit", {"number": "9" * 40}, **bearer(org.county_head))
    assert too_long.status_code == 422

"""API v1: GET /reports/dashboard/cases — the cases behind one 数据看板 figure, as the page lists them."""

from django.urls import reverse

from xinfang.integrations.auth import api_token_create
from xinfang.reporting.tests.test_dashboard import story  # noqa: F401 - the fixture applies here too

URL = "/api/v1/reports/dashboard/cases"


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user, name='测试')[1]}"}


def test_it_lists_the_letters_of_the_quarter_as_the_page_does(client, org, story):  # noqa: F811
    params = {"period": "2026-Q1", "dim": "channel", "key": "letter"}
    response = client.get(URL, params, **bearer(org.leader_only))
    assert response.status_code == 200, response.content
    body = response.json()
    assert {c["number"] for c in body["items"]} == {story["a"].number, story["b"].number}
    assert body["unit"] == org.county.pk and body["period"] == "2026-Q1" and "来信" in body["what"]
    client.force_login(org.leader_only)
    page = client.get(reverse("reporting:dashboard-cases"), params)
    assert {c.number for c in page.context["page"].object_list} == {c["number"] for c in body["items"]}


def test_every_link_of_the_dashboard_api_opens_here(client, org, story):  # noqa: F811
    board = client.get(
        "/api/v1/reports/dashboard", {"period": "2026-Q1", "kpis": "0"}, **bearer(org.leader_only)
    )
    url = board.json()["breakdowns"][0]["rows"][0]["url"]
    query = url.split("?", 1)[1]
    assert client.get(f"{URL}?{query}", **bearer(org.leader_only)).status_code == 200


def test_another_county_is_404_and_bad_figures_400(client, org, story):  # noqa: F811
    headers = bearer(org.leader_only)
    other = client.get(URL, {"unit": org.other.pk, "dim": "total", "key": "all"}, **headers)
    assert other.status_code == 404
    for params in (
        {"dim": "colour", "key": "red"},
        {"dim": "channel", "key": "letter", "month": "七月"},
        {"dim": "overdue", "key": "abc"},
    ):
        response = client.get(URL, {"period": "2026-Q1", **params}, **headers)
        assert response.status_code == 400 and response.json()["code"] == "invalid", params


def test_a_user_without_a_unit_gets_403(client, org, django_user_model):
    loner = django_user_model.objects.create_user(
        username="loner", password="x-Pass-2026", full_name="无单位"
    )
    response = client.get(URL, {"dim": "total", "key": "all"}, **bearer(loner))
    assert response.status_code == 403 and response.json()["code"] == "no_unit"

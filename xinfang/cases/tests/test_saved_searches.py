"""保存的查询 (issue 6 §3): save, list, run, rename, delete, share with the unit; limits; API."""

import pytest

from xinfang.cases import steps
from xinfang.cases.models import SavedSearch
from xinfang.common.models import AuditLog
from xinfang.intake.services import PetitionerInput
from xinfang.reference.models import Category


def save(client, name="拆迁类", query="q=拆迁", shared=False):
    data = {"name": name, "query": query}
    if shared:
        data["shared"] = "on"
    return client.post("/cases/search/saved/", data)


def test_it_saves_lists_runs_renames_and_deletes_a_search(client, org, register):
    case = register(title="拆迁补偿问题")
    client.force_login(org.registrar)
    response = save(client, query="q=拆迁&page=3&bogus=1&status=")
    saved = SavedSearch.objects.get()
    assert response.status_code == 302 and saved.query == "q=%E6%8B%86%E8%BF%81"  # q only: no page, no noise
    assert saved.owner == org.registrar and saved.unit == org.county and not saved.shared
    page = client.get("/cases/search/").content.decode()
    assert "保存的查询" in page and f'href="/cases/search/saved/{saved.pk}/"' in page
    run = client.get(f"/cases/search/saved/{saved.pk}/", follow=True)
    assert {c.number for c in run.context["page"].object_list} == {case.number}
    assert client.post(f"/cases/search/saved/{saved.pk}/rename/", {"name": "拆迁补偿"}).status_code == 302
    saved.refresh_from_db()
    assert saved.name == "拆迁补偿"
    assert client.post(f"/cases/search/saved/{saved.pk}/delete/").status_code == 302
    assert not SavedSearch.objects.exists()
    actions = list(
        AuditLog.objects.filter(action__startswith="saved_search").values_list("action", flat=True)
    )
    assert sorted(actions) == ["saved_search_create", "saved_search_delete", "saved_search_rename"]


def test_a_shared_search_is_listed_to_colleagues_but_changed_only_by_its_owner(client, org, register):
    client.force_login(org.registrar)
    save(client, name="本单位共享", shared=True)
    save(client, name="我自己的")
    shared = SavedSearch.objects.get(name="本单位共享")
    private = SavedSearch.objects.get(name="我自己的")
    client.get("/cases/search/")  # shows (and so clears) the "saved" notices
    client.force_login(org.dispatcher)  # same unit
    page = client.get("/cases/search/").content.decode()
    assert "本单位共享" in page and "我自己的" not in page
    assert client.get(f"/cases/search/saved/{shared.pk}/").status_code == 302
    assert client.get(f"/cases/search/saved/{private.pk}/").status_code == 404
    assert client.post(f"/cases/search/saved/{shared.pk}/rename/", {"name": "改名"}).status_code == 404
    assert client.post(f"/cases/search/saved/{shared.pk}/delete/").status_code == 404
    assert SavedSearch.objects.filter(name="本单位共享").exists()
    client.force_login(org.town_handler)  # another unit sees neither
    assert "本单位共享" not in client.get("/cases/search/").content.decode()
    assert client.get(f"/cases/search/saved/{shared.pk}/").status_code == 404


def test_a_shared_search_never_shows_the_runner_more_than_they_may_see(client, org, register):
    """The county's shared search by a reporter's name finds nothing for the township handling it."""
    whistle = register(
        purpose_code="accusation", title="举报违规收费", petitioners=[PetitionerInput(name="钱举报")]
    )
    whistle = steps.case_transfer(case=whistle, actor=org.dispatcher, to_unit=org.town)
    register(title="县里的另一件")
    client.force_login(org.registrar)
    save(client, name="按姓名", query="petitioner_name=钱举报", shared=True)
    save(client, name="全部信件", query="channel=" + str(whistle.channel_id), shared=True)
    saved = SavedSearch.objects.get(name="按姓名")
    run = client.get(f"/cases/search/saved/{saved.pk}/", follow=True)
    assert {c.number for c in run.context["page"].object_list} == {whistle.number}
    # 东湖镇 cannot list the county's searches; even with the query string itself the gates hold
    client.force_login(org.town_handler)
    page = client.get("/cases/search/?" + saved.query)
    assert list(page.context["page"].object_list) == []
    everything = SavedSearch.objects.get(name="全部信件")
    page = client.get("/cases/search/?" + everything.query)
    assert {c.number for c in page.context["page"].object_list} == {whistle.number}  # only what was sent


def test_a_stored_search_whose_category_is_gone_says_so(client, org, register):
    version = Category.objects.first().version
    category = Category.objects.create(version=version, name="临时分类", code="tmp-x")
    client.force_login(org.registrar)
    assert save(client, query=f"q=拆迁&category={category.pk}").status_code == 302
    saved = SavedSearch.objects.get()
    category.delete()
    response = client.get(f"/cases/search/saved/{saved.pk}/")
    assert response.status_code == 400
    assert "中的条件已失效" in response.content.decode()
    api = client.get(f"/api/v1/cases/search/saved/{saved.pk}/run")
    assert api.status_code == 400 and "已失效" in api.json()["detail"]


@pytest.mark.parametrize(
    ("name", "query", "message"),
    [
        ("", "q=拆迁", "请填写查询的名称"),
        ("名" * 41, "q=拆迁", "名称最多 40 个字"),
        ("空的", "page=2", "没有可保存的查询条件"),
        ("坏日期", "received_from=2026-02-31", "查询条件有误"),
    ],
)
def test_it_refuses_bad_saves_with_a_chinese_message(client, org, name, query, message):
    client.force_login(org.registrar)
    response = client.post("/cases/search/saved/", {"name": name, "query": query})
    assert response.status_code == 400 and message in response.content.decode()
    assert not SavedSearch.objects.exists()


def test_names_are_unique_and_the_number_per_user_is_limited(client, org, settings):
    settings.SAVED_SEARCHES_PER_USER = 2
    client.force_login(org.registrar)
    save(client, name="一")
    duplicate = save(client, name="一")
    assert duplicate.status_code == 400 and "已有同名的查询" in duplicate.content.decode()
    save(client, name="二")
    third = save(client, name="三")
    assert third.status_code == 400 and "每人最多保存 2 个查询" in third.content.decode()
    assert SavedSearch.objects.count() == 2


def test_the_api_lists_creates_runs_renames_and_deletes(client, org, register):
    from xinfang.integrations.auth import api_token_create

    case = register(title="拆迁补偿问题")
    _token, raw = api_token_create(user=org.registrar, name="测试")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    created = client.post(
        "/api/v1/cases/search/saved",
        {"name": "拆迁", "query": "q=拆迁", "shared": True},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    saved_id = created.json()["id"]
    assert created.json()["mine"] and created.json()["unit"] == org.county.pk
    listed = client.get("/api/v1/cases/search/saved", **headers).json()
    assert [item["name"] for item in listed] == ["拆迁"]
    run = client.get(f"/api/v1/cases/search/saved/{saved_id}/run", **headers).json()
    assert [item["number"] for item in run["items"]] == [case.number]
    renamed = client.patch(
        f"/api/v1/cases/search/saved/{saved_id}",
        {"name": "拆迁补偿"},
        content_type="application/json",
        **headers,
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "拆迁补偿"
    bad = client.post(
        "/api/v1/cases/search/saved", {"name": "x", "query": ""}, content_type="application/json", **headers
    )
    assert bad.status_code == 400 and "没有可保存的查询条件" in str(bad.json())
    _other, other_raw = api_token_create(user=org.dispatcher, name="同事")
    other = {"HTTP_AUTHORIZATION": f"Bearer {other_raw}"}
    assert client.delete(f"/api/v1/cases/search/saved/{saved_id}", **other).status_code == 404
    assert client.delete(f"/api/v1/cases/search/saved/{saved_id}", **headers).status_code == 204
    assert not SavedSearch.objects.exists()

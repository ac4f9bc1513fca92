"""The in-app inbox (消息, issue 5 §1): sending, the user's own list, marking read and the badge."""

import datetime
import json

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from xinfang.integrations.auth import api_token_create
from xinfang.messaging.models import Notification
from xinfang.messaging.notifications import notification_send, notification_unread_count


def send(user, title="期限提醒：1", *, link="/cases/1/", at=None, **extra):
    moment = at or datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False):
        [notice] = notification_send(
            users=[user],
            kind=extra.pop("kind", "deadline_reminder"),
            title=title,
            body="请按期办理。",
            link=link,
        )
    return notice


@pytest.fixture
def web(org):
    client = Client()
    client.force_login(org.town_handler)
    return client


@pytest.fixture
def api(org):
    _token, raw = api_token_create(user=org.town_handler, name="测试")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_it_sends_one_notice_per_user_once(org):
    sent = notification_send(
        users=[org.town_handler, org.town_head, org.town_handler.pk],
        kind="deadline_reminder",
        title="期限提醒",
        body="请按期办理。",
        link="/cases/1/",
    )
    assert len(sent) == 2
    assert set(Notification.objects.values_list("user", flat=True)) == {org.town_handler.pk, org.town_head.pk}
    assert notification_unread_count(user=org.town_handler) == 1
    assert notification_unread_count(user=org.police_handler) == 0


def test_the_badge_is_one_count_query(org):
    send(org.town_handler)
    with CaptureQueriesContext(connection) as ctx:
        assert notification_unread_count(user=org.town_handler) == 1
    assert len(ctx.captured_queries) == 1 and "COUNT" in ctx.captured_queries[0]["sql"].upper()


def test_it_lists_only_my_notices_newest_first_unread_in_bold(web, org):
    older = send(org.town_handler, "旧的提醒", at=datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC))
    send(org.town_handler, "新的提醒")
    send(org.police_handler, "别人的提醒")
    older.read_at = older.created_at
    older.save()
    html = web.get("/inbox/").content.decode()
    assert html.index("新的提醒") < html.index("旧的提醒")
    assert "<strong>新的提醒</strong>" in html and "<strong>旧的提醒</strong>" not in html
    assert "别人的提醒" not in html
    assert "消息 (1)" in html  # the badge in the top navigation


def test_it_filters_to_unread_and_pages(web, org, settings):
    settings.PAGE_SIZE = 2
    for i in range(5):
        send(org.town_handler, f"提醒{i}", at=datetime.datetime(2026, 3, 1 + i, tzinfo=datetime.UTC))
    page2 = web.get("/inbox/?page=2").content.decode()
    assert "提醒2" in page2 and "提醒1" in page2 and "提醒4" not in page2 and "第 2 / 3 页" in page2
    Notification.objects.filter(title="提醒4").update(read_at=datetime.datetime.now(datetime.UTC))
    unread = web.get("/inbox/?show=unread").content.decode()
    assert (
        "提醒4" not in unread
        and "提醒3" in unread
        and "page=2" in unread
        and "show=unread&amp;page=2" in unread
    )


def test_marking_one_read_is_a_post_and_only_for_my_own(web, org):
    mine, theirs = send(org.town_handler), send(org.police_handler)
    assert web.get(f"/inbox/{mine.pk}/read/").status_code == 405
    assert web.post(f"/inbox/{theirs.pk}/read/").status_code == 404
    assert web.post("/inbox/999999/read/").status_code == 404
    response = web.post(f"/inbox/{mine.pk}/read/", {"next": "/inbox/?page=1"})
    assert response.status_code == 302 and response["Location"] == "/inbox/?page=1"
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None
    assert "消息 (" not in web.get("/inbox/").content.decode()


def test_opening_a_notice_marks_it_read_and_goes_to_the_case(web, org):
    notice = send(org.town_handler, link="/cases/9901212026030200001/")
    response = web.post(f"/inbox/{notice.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/cases/9901212026030200001/"
    assert notification_unread_count(user=org.town_handler) == 0
    outside = send(org.town_handler, link="https://evil.example/")
    response = web.post(f"/inbox/{outside.pk}/read/", {"open": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/inbox/"


def test_mark_all_read_leaves_other_users_alone(web, org):
    send(org.town_handler), send(org.town_handler), send(org.police_handler)
    response = web.post("/inbox/read-all/")
    assert response.status_code == 302
    assert notification_unread_count(user=org.town_handler) == 0
    assert notification_unread_count(user=org.police_handler) == 1
    assert "已将 2 条消息标为已读" in web.get("/inbox/").content.decode()


def test_the_inbox_needs_a_login(org):
    assert Client().get("/inbox/")["Location"].startswith("/accounts/login/")
    assert Client().post("/inbox/read-all/").status_code == 302


def test_the_api_lists_my_notices_with_the_unread_count(api, org, register):
    case = register()
    with time_machine.travel(datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC), tick=False):
        notification_send(users=[org.town_handler], kind="deadline_overdue", title="已超期", case=case)
    send(org.town_handler, "期限提醒", at=datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC))
    send(org.police_handler, "别人的")
    body = api.get("/api/v1/inbox").json()
    assert body["unread"] == 2 and body["pagination"] == {"page": 1, "count": 2, "pages": 1}
    first = body["items"][0]
    assert (first["title"], first["kind_label"], first["case_number"]) == ("已超期", "已超期", case.number)
    assert body["items"][1]["case_number"] is None


def test_the_api_marks_one_or_all_read(api, org):
    mine, other, theirs = send(org.town_handler), send(org.town_handler), send(org.police_handler)
    assert api.post(f"/api/v1/inbox/{theirs.pk}/read").status_code == 404
    response = api.post(f"/api/v1/inbox/{mine.pk}/read")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    assert [n["id"] for n in api.get("/api/v1/inbox?unread=true").json()["items"]] == [other.pk]
    assert api.post("/api/v1/inbox/read-all").json() == {"marked": 1, "unread": 0}
    assert api.get("/api/v1/inbox").json()["unread"] == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_api_needs_authentication(org):
    response = Client().get("/api/v1/inbox")
    assert response.status_code == 401 and "detail" in json.loads(response.content)


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("bulletin_published", "季度通报"),
        ("supervision", "督办"),
        ("report_adopted", "信息采用"),
        ("dispute_high_risk", "高风险矛盾纠纷"),
        ("somebody_elses_code", "通知"),
    ],
)
def test_it_names_each_senders_kind_in_the_inbox(org, kind, label):
    send(org.registrar, title="第三季度信访工作通报已发布", kind=kind)
    client = Client()
    client.force_login(org.registrar)
    page = client.get("/inbox/").content.decode()
    assert f"{label} · " in page

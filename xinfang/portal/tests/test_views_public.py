"""The FAQ, 公开回复, the Atom feed, the widget and the framing headers of every portal page."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.core.checks import run_checks
from django.test import Client
from django.utils import timezone

from xinfang.messaging.models import Publication
from xinfang.portal.apps import check_portal_settings

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
PAGES = [
    "/portal/",
    "/portal/write/",
    "/portal/consult/",
    "/portal/track/",
    "/portal/faq/",
    "/portal/replies/",
]


def test_the_faq_lists_only_approved_entries_not_withdrawn(org, client, publish):
    publish(Publication.Kind.FAQ, title="新生儿医保怎么办", answer="到镇便民服务中心办理。")
    publish(Publication.Kind.FAQ, title="草稿问答", published_at=None)
    publish(Publication.Kind.FAQ, title="撤回的问答", withdrawn_at=timezone.now())
    publish(Publication.Kind.REPLY, title="一条公开回复")
    html = client.get("/portal/faq/").content.decode()
    assert "新生儿医保怎么办" in html and "到镇便民服务中心办理。" in html
    for hidden in ("草稿问答", "撤回的问答", "一条公开回复"):
        assert hidden not in html


@pytest.mark.parametrize("term", ["医保", "便民服务", "孩子刚出生"])
def test_the_faq_is_searched_in_title_question_and_answer(org, client, publish, term):
    publish(
        Publication.Kind.FAQ, title="新生儿医保怎么办", question="孩子刚出生", answer="到镇便民服务中心办理。"
    )
    publish(Publication.Kind.FAQ, title="养老保险缴费", question="怎么交", answer="可在网上缴纳。")
    html = client.get("/portal/faq/", {"q": term}).content.decode()
    assert "新生儿医保怎么办" in html and "养老保险缴费" not in html and "找到1条" in html


def test_lists_are_paginated(org, client, publish):
    start = timezone.now()
    for n in range(25):
        publish(title=f"回复第{n:02d}条", published_at=start - datetime.timedelta(minutes=n))
    first = client.get("/portal/replies/").content.decode()
    second = client.get("/portal/replies/", {"page": 2}).content.decode()
    assert "回复第00条" in first and "回复第19条" in first and "回复第20条" not in first
    assert "回复第20条" in second and "第2页，共2页" in second
    assert client.get("/portal/replies/", {"page": "abc"}).status_code == 200


def test_a_reply_has_its_own_page_and_a_withdrawn_one_is_gone(org, client, publish):
    shown = publish(title="路灯已修复")
    gone = publish(title="撤回的回复", withdrawn_at=timezone.now())
    assert "路灯已修复" in client.get(f"/portal/replies/{shown.pk}/").content.decode()
    assert client.get(f"/portal/replies/{gone.pk}/").status_code == 404
    faq = publish(Publication.Kind.FAQ)
    assert client.get(f"/portal/replies/{faq.pk}/").status_code == 404


def test_the_atom_feed_has_the_replies_with_their_text_escaped(org, client, publish):
    reply = publish(title="路灯已修复", answer="<b>已修复</b> & 验收")
    publish(Publication.Kind.FAQ, title="不是回复")
    response = client.get("/portal/replies/feed/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 - our own feed, in a test
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["路灯已修复"]
    summary = entries[0].findtext(f"{ATOM}summary")
    assert "&lt;b&gt;已修复&lt;/b&gt; &amp; 验收" in summary  # shown as text by a feed reader, not run
    assert entries[0].find(f"{ATOM}link").get("href").endswith(f"/portal/replies/{reply.pk}/")


def test_the_widget_lists_the_latest_replies_and_may_be_framed_by_the_configured_sites(
    org, client, publish, settings
):
    publish(title="路灯已修复")
    response = client.get("/portal/widget/")
    assert response.status_code == 200 and "路灯已修复" in response.content.decode()
    assert "X-Frame-Options" not in response.headers
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    settings.PORTAL_FRAME_ANCESTORS = ["'self'", "https://www.example.gov.cn"]
    response = client.get("/portal/widget/")
    assert "frame-ancestors 'self' https://www.example.gov.cn;" in response["Content-Security-Policy"]


@pytest.mark.parametrize("path", PAGES)
def test_every_other_page_refuses_to_be_framed(org, client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_the_pages_carry_the_county_name_and_no_staff_navigation(org, client, settings):
    html = client.get("/portal/").content.decode()
    assert "示范县" in html and "县长信箱" in html
    assert "工作台" not in html and "系统管理" not in html and "登录" not in html
    settings.PORTAL_COUNTY_NAME = "幸福县"
    assert "幸福县" in client.get("/portal/").content.decode()


def test_the_pages_work_before_any_unit_exists(db):
    assert Client().get("/portal/").status_code == 200


def test_a_bad_frame_ancestors_setting_stops_the_start(settings):
    settings.PORTAL_FRAME_ANCESTORS = ["https://a.example; script-src *"]
    assert [e.id for e in check_portal_settings()] == ["portal.E001"]
    settings.PORTAL_FRAME_ANCESTORS = ["'none'", "https://a.example"]
    assert [e.id for e in check_portal_settings()] == ["portal.E001"]
    settings.PORTAL_FRAME_ANCESTORS = ["'self'", "https://*.example.gov.cn", "http://10.0.0.8:8080"]
    settings.PORTAL_TRUSTED_PROXIES = ["10.0.0.0/8", "proxy.local"]
    assert [e.id for e in check_portal_settings()] == ["portal.E002"]
    settings.PORTAL_TRUSTED_PROXIES = []
    assert not [e for e in run_checks() if e.id.startswith("portal.")]

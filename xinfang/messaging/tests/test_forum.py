"""Forum boards' feeds, served by a real HTTP server on loopback, land in the screening queue once."""

import csv
import itertools
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from xinfang.messaging.choices import ScreeningStatus, Source
from xinfang.messaging.forum import feed_posts, forum_import_all, html_to_text
from xinfang.messaging.models import InboundMessage, OutboundSms
from xinfang.messaging.services import MAX_CONTENT
from xinfang.messaging.tests.http_peer import HttpPeer
from xinfang.messaging.tests.smsc import free_port

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>示范县论坛 · 百姓呼声</title>
  <id>tag:bbs.example,2026:board-7</id>
  <updated>2026-03-02T08:00:00Z</updated>
  <entry>
    <id>tag:bbs.example,2026:post-101</id>
    <title>幸福路路灯坏了三个月</title>
    <link href="http://bbs.example/thread-101.html"/>
    <author><name>路过的居民</name></author>
    <updated>2026-03-02T07:00:00Z</updated>
    <content type="html">&lt;p&gt;幸福路东段路灯&lt;b&gt;全部不亮&lt;/b&gt;，晚上出行很危险。&lt;/p&gt;&lt;p&gt;请有关部门尽快修复！&lt;br/&gt;谢谢&amp;amp;辛苦&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;</content>
  </entry>
  <entry>
    <id>tag:bbs.example,2026:post-102</id>
    <title>学校门口交通拥堵</title>
    <link href="javascript:alert(document.cookie)"/>
    <summary>每天放学时段学校门口车辆乱停，希望增派交警。</summary>
  </entry>
</feed>
"""

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>民生板块</title><link>http://bbs.example/board-9</link>
<item><title>菜市场占道经营</title><link>http://bbs.example/thread-201.html</link>
<description>&lt;div&gt;菜市场外摊贩占道，救护车都进不来。&lt;/div&gt;</description>
<author>老张</author></item>
<item><title>同一帖子又出现在另一个版块</title><guid>tag:bbs.example,2026:post-101</guid>
<description>重复</description></item>
</channel></rss>
"""


@pytest.fixture
def feeds():
    pages = {"/atom.xml": ATOM, "/rss.xml": RSS, "/not-a-feed": "<html><body>登录后查看</body></html>"}

    def respond(method, path, body):
        if path == "/broken":
            return 500, "text/plain", b"server error"
        page = pages.get(path)
        if page is None:
            return 404, "text/plain", b"not found"
        kind = "text/html" if path == "/not-a-feed" else "application/xml"
        return 200, f"{kind}; charset=utf-8", page.encode("utf-8")

    with HttpPeer(respond) as peer:
        peer.pages = pages
        yield peer


def test_new_posts_land_in_the_screening_queue_with_a_link_back(org, feeds):
    result = forum_import_all([f"{feeds.url}/atom.xml"])
    assert (result.imported, result.known, result.broken_feeds) == (2, 0, [])
    lamp, school = InboundMessage.objects.order_by("id")
    assert (lamp.source, lamp.status, lamp.screening_unit) == (Source.FORUM, ScreeningStatus.NEW, org.county)
    assert lamp.external_id == "tag:bbs.example,2026:post-101"
    assert lamp.title == "幸福路路灯坏了三个月" and lamp.name == "路过的居民"
    assert lamp.link == "http://bbs.example/thread-101.html"
    assert lamp.content == "幸福路东段路灯全部不亮，晚上出行很危险。\n\n请有关部门尽快修复！\n谢谢&辛苦"
    assert "alert" not in lamp.content and "<" not in lamp.content
    assert school.link == "" and school.content == "每天放学时段学校门口车辆乱停，希望增派交警。"
    assert not OutboundSms.objects.exists()  # a forum post has no phone to answer


def test_a_post_is_never_imported_twice(org, feeds):
    urls = [f"{feeds.url}/atom.xml", f"{feeds.url}/rss.xml"]
    first = forum_import_all(urls)
    again = forum_import_all(urls)
    assert (first.imported, first.known) == (3, 1)  # post-101 is listed by both boards
    assert (again.imported, again.known) == (0, 4)
    assert InboundMessage.objects.filter(source=Source.FORUM).count() == 3
    rss_post = InboundMessage.objects.get(external_id="http://bbs.example/thread-201.html")
    assert rss_post.content == "菜市场外摊贩占道，救护车都进不来。" and rss_post.name == "老张"


def test_a_feed_that_is_not_xml_or_a_server_that_is_down_is_logged_and_skipped(org, feeds, caplog):
    urls = [
        f"{feeds.url}/not-a-feed",
        f"{feeds.url}/broken",
        f"http://127.0.0.1:{free_port()}/feed.xml",
        f"{feeds.url}/missing",
        "file:///etc/passwd",
        f"{feeds.url}/atom.xml",
    ]
    with caplog.at_level("WARNING", logger="xinfang.forum"):
        result = forum_import_all(urls)
    assert result.broken_feeds == urls[:5] and result.imported == 2  # the good feed still counts
    assert caplog.text.count("skipped") >= 5


def test_broken_xml_with_entries_is_imported_and_without_entries_refused():
    truncated = ATOM[: ATOM.index("</entry>") + len("</entry>")]  # the feed stops mid-document
    assert [p.title for p in feed_posts(truncated.encode())] == ["幸福路路灯坏了三个月"]
    with pytest.raises(Exception, match="not a feed"):
        feed_posts(b"\x00\x01 not xml at all <<<")


def test_an_overlong_post_is_cut_to_fit_and_keeps_its_link(org, feeds):
    feeds.pages["/long.xml"] = RSS.replace("菜市场外摊贩占道，救护车都进不来。", "很长的帖子。" * 2000)
    forum_import_all([f"{feeds.url}/long.xml"])
    message = InboundMessage.objects.get(external_id="http://bbs.example/thread-201.html")
    assert len(message.content) == MAX_CONTENT and message.content.endswith("全文见原帖）")


def test_html_is_reduced_to_readable_text():
    html = "<p>第一段&nbsp;文字</p><ul><li>一</li><li>二</li></ul><style>p{}</style>&lt;b&gt;"
    assert html_to_text(html) == "第一段 文字\n\n一\n\n二\n<b>"
    assert html_to_text("甲<br/>乙<br>丙") == "甲\n乙\n丙"


def test_the_worker_polls_the_configured_feeds(org, feeds, settings, run_worker):
    settings.FORUM_FEEDS = [f"{feeds.url}/atom.xml"]
    run_worker()
    assert InboundMessage.objects.filter(source=Source.FORUM).count() == 2


def test_the_command_reads_feeds_given_on_the_command_line(org, feeds, capsys):
    call_command("forum_import", f"{feeds.url}/rss.xml")
    assert "新导入 2 条" in capsys.readouterr().out


# --- Real forum-like posts (TipDM 2020 附件3), read from shared/ at test time, never copied --------

SHARED = [django_settings.BASE_DIR.parent / "shared" / "data", Path("/work/shared/data")]


def real_posts(count: int) -> list[dict]:
    for root in SHARED:
        path = root / "tipdm2020c-full-attachments" / "附件3.csv"
        if path.exists():
            with path.open(encoding="utf-8", newline="") as handle:
                return list(itertools.islice(csv.DictReader(handle), count))
    pytest.skip("shared/data (TipDM 附件3) is not available here")
    return []


def test_real_citizen_posts_survive_the_trip_through_a_feed(org, feeds):
    rows = real_posts(25)
    items = "".join(
        f"<item><guid>tipdm-{escape(r['留言编号'])}</guid><title>{escape(r['留言主题'])}</title>"
        f"<author>{escape(r['留言用户'])}</author><description>{escape(escape(r['留言详情']))}</description></item>"
        for r in rows
    )
    feeds.pages["/real.xml"] = (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>{items}</channel></rss>'
    )
    result = forum_import_all([f"{feeds.url}/real.xml"])
    assert result.imported + result.refused == len(rows) and result.refused == 0
    for row in rows:
        message = InboundMessage.objects.get(external_id=f"tipdm-{row['留言编号']}")
        assert message.title == " ".join(row["留言主题"].split())[:200]
        # Same words as the post, whitespace aside.
        assert "".join(message.content.split()) == "".join(row["留言详情"].split())[:MAX_CONTENT]

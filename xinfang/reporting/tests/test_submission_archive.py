"""The archive: search by words, unit, kind, period and status, pagination; the page, print view, PDF
and Word copies; and user text that looks like HTML stays text everywhere."""

import io

import pytest
from django.urls import reverse

from xinfang.documents.tests.conftest import pdf_fonts, pdf_text
from xinfang.reporting.submissions import submission_adopt, submission_return, submission_submit

XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def archive(org, draft):
    """Four items of two units, kinds, periods and outcomes, plus a township draft."""

    def send(actor=None, **fields):
        actor = actor or org.town_handler
        return submission_submit(submission=draft(actor=actor, **fields), actor=actor)

    items = {
        "flood": send(
            title="汛期信访稳控动态", body="东湖镇汛期群众来访三批次。", period="2026-06", kind="dynamic"
        ),
        "warn": send(
            title="征地补偿群体访预警", body="某村村民拟集体上访。", period="2026-Q2", kind="warning"
        ),
        "way": send(title="领导包案化解经验", body="一案一策，包案到人。", period="2025", kind="experience"),
        "police": send(
            actor=org.police_head,
            unit=org.police,
            title="交通事故赔偿信访情况",
            body="汛期事故。",
            period="2026-06",
        ),
    }
    submission_adopt(submission=items["way"], actor=org.dispatcher)
    submission_return(submission=items["warn"], actor=org.dispatcher, reasons="请写明涉及人数")
    items["draft"] = draft(title="汛期草稿")
    return items


def found(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("reporting:submission-list"), params)
    assert response.status_code == 200
    return {s.title for s in response.context["page"].object_list}


def test_search_by_words_of_title_or_text(client, org, archive):
    assert found(client, org.dispatcher, box="archive", q="汛期") == {
        "汛期信访稳控动态",
        "交通事故赔偿信访情况",
    }
    assert found(client, org.dispatcher, box="archive", q="集体上访") == {"征地补偿群体访预警"}
    assert found(client, org.dispatcher, box="archive", q="汛期 东湖镇") == {"汛期信访稳控动态"}
    assert found(client, org.dispatcher, box="archive", q="没有这个词") == set()


def test_search_by_unit_kind_period_and_status(client, org, archive):
    assert found(client, org.dispatcher, box="archive", unit=org.police.pk) == {"交通事故赔偿信访情况"}
    assert found(client, org.dispatcher, box="archive", kind="warning") == {"征地补偿群体访预警"}
    # A quarter finds the months inside it and the quarter itself; a month finds the quarter around it.
    assert found(client, org.dispatcher, box="archive", period="2026-Q2") == {
        "汛期信访稳控动态",
        "征地补偿群体访预警",
        "交通事故赔偿信访情况",
    }
    assert found(client, org.dispatcher, box="archive", period="2026年5月") == {"征地补偿群体访预警"}
    assert found(client, org.dispatcher, box="archive", period="2025") == {"领导包案化解经验"}
    assert found(client, org.dispatcher, box="archive", status="adopted") == {"领导包案化解经验"}
    assert found(client, org.dispatcher, box="archive", status="returned", q="预警") == {"征地补偿群体访预警"}
    # The archive never shows drafts; the unit's own list does.
    assert "汛期草稿" not in found(client, org.town_handler, box="archive", q="汛期")
    assert "汛期草稿" in found(client, org.town_handler, box="mine", q="汛期")


def test_a_bad_filter_is_ignored(client, org, archive):
    assert len(found(client, org.dispatcher, box="archive", period="上个月", unit="x", kind="?")) == 4


def test_the_archive_pages(client, org, draft, settings):
    settings.PAGE_SIZE = 10
    for n in range(23):
        submission_submit(submission=draft(title=f"第{n:02d}期简报"), actor=org.town_handler)
    client.force_login(org.dispatcher)
    url = reverse("reporting:submission-list")
    first = client.get(url, {"box": "archive", "q": "简报"})
    third = client.get(url, {"box": "archive", "q": "简报", "page": 3})
    assert first.context["page"].paginator.num_pages == 3 and len(third.context["page"].object_list) == 3
    assert [s.title for s in first.context["page"].object_list][0] == "第22期简报"  # newest first
    assert "q=%E7%AE%80%E6%8A%A5&amp;page=2" in first.content.decode()


def test_user_text_is_escaped_on_every_page(client, org, sent):
    item = sent(title=XSS, body=f"第一段{XSS}\n第二段")
    client.force_login(org.dispatcher)
    pages = [
        client.get(reverse("reporting:submission-list"), {"box": "review"}),
        client.get(reverse("reporting:submission-detail", args=[item.pk])),
        client.get(reverse("reporting:submission-print", args=[item.pk])),
    ]
    submission_return(submission=item, actor=org.dispatcher, reasons=XSS)
    client.force_login(org.town_handler)
    pages.append(client.get(reverse("reporting:submission-edit", args=[item.pk])))
    pages.append(client.get(reverse("reporting:submission-detail", args=[item.pk])))
    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;" in html


def test_the_print_view_has_the_text_and_print_css(client, org, sent):
    item = sent(title="东湖镇三月信访动态", body="第一段内容。\n\n第二段内容。")
    client.force_login(org.town_handler)
    html = client.get(reverse("reporting:submission-print", args=[item.pk])).content.decode()
    assert "@media print" in html and "@page" in html and "window.print()" in html
    assert '<p class="body">第一段内容。</p>' in html and '<p class="body">第二段内容。</p>' in html
    assert "第1次报送" in html and "2026年3月" in html and "动态信息" in html


def test_the_pdf_opens_with_the_title_and_embedded_cjk_fonts(client, org, sent):
    item = sent(title="东湖镇三月信访动态", body="本月共排查矛盾纠纷12件。")
    client.force_login(org.dispatcher)
    response = client.get(reverse("reporting:submission-pdf", args=[item.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "东湖镇三月信访动态" in text and "排查矛盾纠纷12件" in text
    assert "Noto" in pdf_fonts(response.content)


def test_the_pdf_of_a_title_with_markup_is_text_and_fetches_nothing(client, org, sent):
    item = sent(title='<img src="http://192.0.2.1/x.png">标题', body="正文")
    client.force_login(org.dispatcher)
    response = client.get(reverse("reporting:submission-pdf", args=[item.pk]))
    assert response.status_code == 200
    assert '<img src="http://192.0.2.1/x.png">标题' in pdf_text(response.content).replace("\n", "")


def test_each_version_prints_as_it_was_sent(client, org, sent):
    from xinfang.reporting.submissions import submission_update

    item = sent(title="初稿标题")
    submission_return(submission=item, actor=org.dispatcher, reasons="改标题")
    submission_update(
        submission=item,
        actor=org.town_handler,
        kind="dynamic",
        title="修改后标题",
        body="新正文",
        period="2026-03",
    )
    submission_submit(submission=item, actor=org.town_handler)
    client.force_login(org.dispatcher)
    url = reverse("reporting:submission-print", args=[item.pk])
    assert "初稿标题" in client.get(url, {"v": 1}).content.decode()
    latest = client.get(url).content.decode()
    assert "修改后标题" in latest and "初稿标题" not in latest
    assert client.get(url, {"v": 9}).status_code == 404


def test_the_word_copy(client, org, sent):
    from docx import Document

    item = sent(title="东湖镇三月信访动态", body="第一段。\n第二段。")
    client.force_login(org.dispatcher)
    response = client.get(reverse("reporting:submission-docx", args=[item.pk]))
    assert response.status_code == 200
    paragraphs = [p.text for p in Document(io.BytesIO(response.content)).paragraphs]
    assert paragraphs[0] == "东湖镇三月信访动态" and "第一段。" in paragraphs and "第二段。" in paragraphs
    assert "东湖镇 · 动态信息 · 2026年3月" in paragraphs

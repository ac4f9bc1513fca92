"""API v1 public: GET /public/replies/{pk} — one published reply, as the portal's reply page shows it."""

from django.utils import timezone

from xinfang.messaging.models import Publication

URL = "/api/v1/public/replies"


def test_it_shows_a_published_reply_without_a_token(org, client, publish):
    reply = publish(Publication.Kind.REPLY, title="路灯修复", answer="已于本月修复。")
    response = client.get(f"{URL}/{reply.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "路灯修复" and body["answer"] == "已于本月修复。" and body["id"] == reply.pk
    assert "created_by" not in body and "dispatcher" not in response.content.decode()
    page = client.get(f"/portal/replies/{reply.pk}/")
    assert page.status_code == 200 and "路灯修复" in page.content.decode()


def test_drafts_withdrawn_replies_and_faq_entries_are_404_alike(org, client, publish):
    draft = publish(Publication.Kind.REPLY, title="草稿", published_at=None)
    withdrawn = publish(Publication.Kind.REPLY, title="撤回", withdrawn_at=timezone.now())
    faq = publish(Publication.Kind.FAQ, title="医保办理")
    for pk in (draft.pk, withdrawn.pk, faq.pk, 999999):
        response = client.get(f"{URL}/{pk}")
        assert response.status_code == 404 and "不存在或已撤回" in response.json()["detail"], pk
    assert client.get(f"{URL}/abc").status_code in (404, 422)

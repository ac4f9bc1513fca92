"""Security of the public side (issue 4 §5): escaped output everywhere a citizen's text comes back."""

import pytest
from django.test import Client

from xinfang.messaging.models import InboundMessage, Publication
from xinfang.portal.tests.support import XSS, letter

pytestmark = pytest.mark.django_db

TEXT_FIELDS = ("title", "content", "issue_address")


def assert_escaped(html: str, payload: str) -> None:
    assert payload not in html, "a payload came back unescaped"
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html


@pytest.mark.parametrize("payload", XSS)
def test_payloads_in_every_field_come_back_escaped_when_the_form_is_refused(org, client, payload):
    data = letter(
        name=payload, phone=payload, id_number=payload, title=payload, content=payload, issue_address=payload
    )
    data["captcha"] = payload[:8]
    response = client.post("/portal/write/", data)
    html = response.content.decode()
    assert response.status_code == 400 and not InboundMessage.objects.exists()
    assert_escaped(html, payload)
    assert "&lt;" in html or "&quot;&gt;" in html  # it is shown, as text


@pytest.mark.parametrize("payload", XSS)
def test_payloads_stored_in_a_letter_are_escaped_on_the_success_and_track_pages(org, client, payload):
    response = client.post(
        "/portal/write/", letter(title=payload, content=payload, issue_address=payload, id_number="")
    )
    assert response.status_code == 302
    message = InboundMessage.objects.get()
    assert message.title == payload  # stored exactly as typed: escaping is the template's job
    done = client.get("/portal/write/done/").content.decode()
    assert_escaped(done, payload)
    assert "&lt;script&gt;" in done or "&quot;&gt;&lt;img" in done
    InboundMessage.objects.filter(pk=message.pk).update(status="answered", answer=payload)
    track = client.get(f"/portal/track/{message.number}/").content.decode()
    assert_escaped(track, payload)


@pytest.mark.parametrize("payload", XSS)
def test_payloads_in_a_wrong_lookup_come_back_escaped(org, client, payload):
    response = client.post("/portal/track/", {"number": payload, "code": payload})
    assert response.status_code in (400, 404)
    assert_escaped(response.content.decode(), payload)


@pytest.mark.parametrize("payload", XSS)
def test_payloads_in_published_answers_and_searches_are_escaped(org, client, publish, payload):
    for kind in (Publication.Kind.FAQ, Publication.Kind.REPLY):
        publish(kind, title=payload, question=payload, answer=payload, answered_by_unit=payload)
    reply = Publication.objects.get(kind=Publication.Kind.REPLY)
    pages = [
        client.get("/portal/faq/", {"q": payload}),
        client.get("/portal/replies/", {"q": payload}),
        client.get(f"/portal/replies/{reply.pk}/"),
        client.get("/portal/widget/"),
    ]
    for response in pages:
        assert response.status_code == 200
        assert_escaped(response.content.decode(), payload)
    feed = client.get("/portal/replies/feed/").content.decode()
    assert "<script>" not in feed and "<img" not in feed and "&amp;lt;" in feed


def test_no_personal_data_on_the_public_lists(org, client, publish):
    client.post(
        "/portal/write/", letter(name="欧阳小明", phone="13611112222", title="小区噪音", consent_publish="on")
    )
    publish(
        Publication.Kind.REPLY,
        title="关于小区噪音的答复",
        question="有市民反映小区夜间施工噪音",
        answer="已督促整改",
    )
    public = Client()
    for path in ("/portal/", "/portal/faq/", "/portal/replies/", "/portal/widget/", "/portal/replies/feed/"):
        html = public.get(path).content.decode()
        assert "欧阳小明" not in html and "13611112222" not in html and "W20" not in html

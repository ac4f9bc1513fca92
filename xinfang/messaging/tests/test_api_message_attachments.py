"""API v1: GET /messages/{number}/attachments/{id} — the screeners' download, gated and audited as on the page."""

from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import make_png_bytes
from xinfang.common.models import AuditLog
from xinfang.common.selectors import personal_data_views
from xinfang.integrations.auth import api_token_create
from xinfang.messaging.tests.test_screening import (  # noqa: F401 - the fixtures apply here too
    media,
    portal_is_the_county,
    receive,
)


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user, name='测试')[1]}"}


def _with_photo():
    return receive(attachments=[SimpleUploadedFile("photo.png", make_png_bytes(), content_type="image/png")])


def test_the_screener_downloads_it_and_the_audit_log_shows_it(client, org, media):  # noqa: F811
    message = _with_photo()
    listed = client.get(f"/api/v1/messages/{message.number}", **bearer(org.registrar)).json()["attachments"]
    url = f"/api/v1/messages/{message.number}/attachments/{listed[0]['id']}"
    response = client.get(url, **bearer(org.registrar))
    assert response.status_code == 200 and b"".join(response.streaming_content)[:4] == b"\x89PNG"
    row = AuditLog.objects.get(action="download_attachment", via="api")
    assert row.detail["message"] == message.number and row.user == org.registrar
    assert personal_data_views(user=org.county_head, number=message.number).filter(pk=row.pk).exists()


def test_other_units_staff_get_404_and_nothing_is_logged(client, org, media):  # noqa: F811
    message = _with_photo()
    attachment = message.attachments.get()
    for outsider in (org.town_handler, org.other_registrar, org.leader_only):
        response = client.get(
            f"/api/v1/messages/{message.number}/attachments/{attachment.pk}", **bearer(outsider)
        )
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert not AuditLog.objects.filter(action="download_attachment").exists()


def test_an_unknown_attachment_or_message_is_404(client, org, media):  # noqa: F811
    message = _with_photo()
    headers = bearer(org.registrar)
    missing = client.get(f"/api/v1/messages/{message.number}/attachments/999999", **headers)
    assert missing.status_code == 404 and "附件不存在" in missing.json()["detail"]
    assert client.get("/api/v1/messages/W000/attachments/1", **headers).status_code == 404

"""API v1: GET /supervision/{pk}/attachments/{id} — a 督办 reply's file, behind the supervision's gate, audited."""

from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import make_pdf_bytes
from xinfang.common.models import AuditLog
from xinfang.integrations.auth import api_token_create
from xinfang.supervision.models import SupervisionAttachment
from xinfang.supervision.tests.test_supervision_http import (  # noqa: F401 - the fixtures apply here too
    case,
    media_in_tmp,
    opened,
    sv,
)


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user, name='测试')[1]}"}


def _reply_with_file(client, sv, opened):  # noqa: F811
    response = client.post(
        f"/api/v1/supervision/{opened.pk}/reply",
        data={"text": "整改情况见附件", "attachments": SimpleUploadedFile("整改.pdf", make_pdf_bytes())},
        **bearer(sv.town_handler),
    )
    assert response.status_code == 200, response.content
    return SupervisionAttachment.objects.get()


def test_the_supervisor_downloads_the_reply_file_audited(client, sv, opened):  # noqa: F811
    attachment = _reply_with_file(client, sv, opened)
    detail = client.get(f"/api/v1/supervision/{opened.pk}", **bearer(sv.supervisor)).json()
    assert detail["replies"][0]["attachments"][0]["id"] == attachment.pk
    response = client.get(
        f"/api/v1/supervision/{opened.pk}/attachments/{attachment.pk}", **bearer(sv.supervisor)
    )
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    row = AuditLog.objects.get(action="download_attachment", via="api")
    assert row.user == sv.supervisor and row.detail["supervision"] == opened.pk
    assert row.detail["number"] == opened.case.number


def test_outsiders_get_404(client, sv, opened):  # noqa: F811
    attachment = _reply_with_file(client, sv, opened)
    url = f"/api/v1/supervision/{opened.pk}/attachments/{attachment.pk}"
    for outsider in (sv.police_handler, sv.other_registrar):
        assert client.get(url, **bearer(outsider)).status_code == 404
    assert (
        client.get(f"/api/v1/supervision/{opened.pk}/attachments/999999", **bearer(sv.supervisor)).status_code
        == 404
    )
    assert not AuditLog.objects.filter(action="download_attachment").exists()

"""API v1: a 信息报送 item's attachments and its PDF / Word copies, behind the same gate as the pages."""

import io

from docx import Document

from xinfang.common.models import AuditLog
from xinfang.integrations.auth import api_token_create
from xinfang.reporting.submissions import submission_submit
from xinfang.reporting.tests.conftest import docx_upload

BASE = "/api/v1/reports/submissions"


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user, name='测试')[1]}"}


def test_the_reviewer_downloads_an_attachment_audited(client, draft, org):
    item = submission_submit(submission=draft(attachments=[docx_upload()]), actor=org.town_handler)
    [listed] = client.get(f"{BASE}/{item.pk}", **bearer(org.dispatcher)).json()["attachments"]
    assert listed["url"] == f"{BASE}/{item.pk}/attachments/{listed['id']}"
    response = client.get(listed["url"], **bearer(org.dispatcher))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"PK")
    row = AuditLog.objects.get(action="report_attachment", via="api")
    assert row.user == org.dispatcher and row.detail["submission"] == item.pk


def test_another_unit_gets_404_for_the_files(client, draft, org):
    item = submission_submit(submission=draft(attachments=[docx_upload()]), actor=org.town_handler)
    attachment = item.attachments.get()
    headers = bearer(org.police_handler)
    assert client.get(f"{BASE}/{item.pk}/attachments/{attachment.pk}", **headers).status_code == 404
    assert client.get(f"{BASE}/{item.pk}/docx", **headers).status_code == 404
    assert client.get(f"{BASE}/{item.pk}/pdf", **headers).status_code == 404
    assert not AuditLog.objects.filter(action="report_attachment").exists()


def test_the_word_copy_holds_the_sent_text_and_a_missing_version_is_404(client, draft, org):
    item = submission_submit(submission=draft(title="东湖镇三月信访动态"), actor=org.town_handler)
    headers = bearer(org.dispatcher)
    response = client.get(f"{BASE}/{item.pk}/docx", **headers)
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "东湖镇三月信访动态" in text
    assert client.get(f"{BASE}/{item.pk}/docx", {"v": "1"}, **headers).status_code == 200
    missing = client.get(f"{BASE}/{item.pk}/docx", {"v": "9"}, **headers)
    assert missing.status_code == 404 and "没有这一版本" in missing.json()["detail"]
    assert client.get(f"{BASE}/{item.pk}/docx", {"v": "x"}, **headers).status_code == 404


def test_the_pdf_copy_is_a_pdf(client, draft, org):
    item = submission_submit(submission=draft(), actor=org.town_handler)
    response = client.get(f"{BASE}/{item.pk}/pdf", **bearer(org.town_handler))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")

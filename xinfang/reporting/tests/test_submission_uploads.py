"""Attachments are checked by content: PDF, JPG, PNG and Word .docx pass; a renamed program, a
macro-enabled document or a ZIP posing as .docx is refused with a Chinese message, and nothing is
stored — no file on disk, no row, no draft."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import make_pdf_bytes
from xinfang.reporting.models import Submission, SubmissionAttachment
from xinfang.reporting.submission_files import check_report_upload
from xinfang.reporting.submissions import submission_return, submission_submit, submission_update
from xinfang.reporting.tests.conftest import docx_bytes, docx_upload, exe_upload

REFUSED = "附件“简报.pdf”不是有效的PDF、JPG、PNG或Word（.docx）文件。"


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, content in members.items():
            package.writestr(name, content)
    return buffer.getvalue()


def test_it_accepts_pdf_png_and_docx_by_content(png_upload):
    assert (
        check_report_upload(SimpleUploadedFile("a.pdf", make_pdf_bytes())).content_type == "application/pdf"
    )
    assert check_report_upload(png_upload).content_type == "image/png"
    checked = check_report_upload(docx_upload("说明.DOCX"))
    assert checked.content_type.endswith("wordprocessingml.document") and len(checked.sha256) == 64


@pytest.mark.parametrize(
    "content",
    [
        _zip({"[Content_Types].xml": b"<Types/>", "hello.txt": b"hi"}),  # a plain ZIP renamed
        _zip(
            {
                "[Content_Types].xml": b"application/vnd.ms-word.document.macroEnabled.main+xml",
                "word/document.xml": b"<w:document/>",
                "word/vbaProject.bin": b"\x00",
            }
        ),  # .docm with macros
        docx_bytes()[:300],  # a truncated document
        b"PK\x03\x04 not really a zip",
    ],
    ids=["plain-zip", "macros", "truncated", "fake-zip-header"],
)
def test_it_refuses_what_only_looks_like_docx(content):
    with pytest.raises(ValidationError, match="不是有效的PDF、JPG、PNG或Word"):
        check_report_upload(SimpleUploadedFile("简报.docx", content))


def test_a_renamed_program_is_refused_and_nothing_is_stored(draft, org, settings):
    with pytest.raises(ValidationError) as caught:
        draft(attachments=[docx_upload(), exe_upload()])
    assert caught.value.message_dict == {"attachments": [REFUSED]}
    assert not Submission.objects.exists() and not SubmissionAttachment.objects.exists()
    assert stored_files(settings) == []


def test_the_form_answers_400_in_chinese_and_stores_nothing(client, org, settings):
    client.force_login(org.town_handler)
    response = client.post(
        reverse("reporting:submission-new"),
        {
            "unit": org.town.pk,
            "kind": "bulletin",
            "title": "东湖镇工作简报",
            "period": "2026-03",
            "body": "正文",
            "attachments": [exe_upload()],
        },
    )
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert not Submission.objects.exists() and stored_files(settings) == []


def test_files_go_out_with_the_version_and_stay_in_history(draft, org, settings):
    item = draft(attachments=[docx_upload("统计表.docx")])
    sent = submission_submit(submission=item, actor=org.town_handler)
    first_file = sent.attachments.get()
    returned = submission_return(submission=sent, actor=org.dispatcher, reasons="换附件")
    submission_update(
        submission=returned,
        actor=org.town_handler,
        kind="dynamic",
        title=item.title,
        body=item.body,
        period="2026-03",
        attachments=[SimpleUploadedFile("新表.pdf", make_pdf_bytes())],
        remove_attachments=[first_file.pk],
    )
    resent = submission_submit(submission=returned, actor=org.town_handler)
    v1, v2 = resent.versions.order_by("number")
    assert [a.original_name for a in v1.attachments.all()] == ["统计表.docx"]
    assert [a.original_name for a in v2.attachments.all()] == ["新表.pdf"]
    first_file.refresh_from_db()
    assert first_file.detached_at is not None and len(stored_files(settings)) == 2  # kept for history


def test_a_never_sent_file_is_deleted_when_removed(draft, org, settings, django_capture_on_commit_callbacks):
    item = draft(attachments=[docx_upload()])
    with django_capture_on_commit_callbacks(execute=True):
        submission_update(
            submission=item,
            actor=org.town_handler,
            kind="dynamic",
            title=item.title,
            body=item.body,
            period="2026-03",
            remove_attachments=[item.attachments.get().pk],
        )
    assert not item.attachments.exists() and stored_files(settings) == []


def test_downloads_go_through_the_gate_and_are_audited(client, draft, org):
    from xinfang.common.models import AuditLog

    item = submission_submit(submission=draft(attachments=[docx_upload()]), actor=org.town_handler)
    attachment = item.attachments.get()
    url = reverse("reporting:submission-attachment", args=[item.pk, attachment.pk])
    client.force_login(org.dispatcher)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"PK")
    assert AuditLog.objects.filter(action="report_attachment", user=org.dispatcher).exists()
    client.force_login(org.police_handler)
    assert client.get(url).status_code == 404

"""API v1: a 信息报送 item's files — its attachments and its PDF / Word copy (any sent version).

The same gates as the pages (xinfang/reporting/submission_views.py): `get_submission_for_user` (404
alike for missing and forbidden); attachment downloads are audited as on the web.
"""

from ninja import Router

from xinfang.common.files import audited_attachment_response
from xinfang.reporting.submission_access import get_submission_attachment_for_user
from xinfang.reporting.submission_print import DOCX_MIME, PDF_MIME, download, file_name, to_pdf, to_word
from xinfang.reporting.submission_selectors import submission_copy

router = Router(tags=["信息报送"])


@router.get(
    "/submissions/{pk}/attachments/{attachment_id}",
    response={200: None, 404: dict, 422: dict},
    summary="下载报送信息的附件（留痕）",
)
def submission_attachment_api(request, pk: int, attachment_id: int):
    submission, attachment = get_submission_attachment_for_user(request.user, pk, attachment_id)
    return audited_attachment_response(
        request,
        attachment,
        detail={"submission": submission.pk},
        action="report_attachment",
        via="api",
        as_attachment=True,
    )


@router.get(
    "/submissions/{pk}/pdf",
    response={200: None, 404: dict, 422: dict},
    summary="报送信息的PDF文本（v=版本号，缺省为最近报送的版本；未报送的草稿为工作稿）",
)
def submission_pdf_api(request, pk: int, v: str = ""):
    copy = submission_copy(user=request.user, pk=pk, version=v)
    return download(to_pdf(copy), name=file_name(copy, "pdf"), content_type=PDF_MIME)


@router.get(
    "/submissions/{pk}/docx",
    response={200: None, 404: dict, 422: dict},
    summary="报送信息的Word文本（v=版本号，缺省为最近报送的版本）",
)
def submission_docx_api(request, pk: int, v: str = ""):
    copy = submission_copy(user=request.user, pk=pk, version=v)
    return download(to_word(copy), name=file_name(copy, "docx"), content_type=DOCX_MIME)

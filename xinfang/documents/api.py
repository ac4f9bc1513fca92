"""API v1 for a case's papers: the list and the two file formats, through the case gate."""

import datetime

from ninja import Router, Schema

from xinfang.cases.access import can_see_identity, get_case_for_user
from xinfang.common.services import audit_record
from xinfang.documents.access import get_document_for_user
from xinfang.documents.rendering import DOCX_MIME, PDF_MIME
from xinfang.documents.selectors import case_documents
from xinfang.documents.services import document_deliver
from xinfang.documents.views import delivery_response

router = Router(tags=["文书"])


class DocumentOut(Schema):
    id: int
    kind: str
    kind_label: str
    number: str
    title: str
    unit: str
    issued_on: str
    created_at: datetime.datetime
    pdf_ready: bool
    identity_hidden: bool
    docx_url: str
    pdf_url: str


def _binary(mime: str, what: str) -> dict:
    return {
        "responses": {
            200: {
                "description": what,
                "content": {mime: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


@router.get("/{number}/documents", response=list[DocumentOut], summary="信访件的文书（告知书、意见书等）")
def document_list_api(request, number: str):
    case = get_case_for_user(request.user, number=number)
    documents = case_documents(case)
    shows_identity = can_see_identity(request.user, case)
    if shows_identity and documents and case.petitioners.exists():
        audit_record(
            user=request.user,
            action="view_personal_data",
            obj=case,
            detail={"number": case.number, "what": "documents"},
            request=request,
            via="api",
        )
    base = f"/api/v1/cases/{case.number}/documents"
    return [
        {
            "id": d.pk,
            "kind": d.kind,
            "kind_label": d.get_kind_display(),
            "number": d.number,
            "title": d.title if shows_identity or d.identity_removed else d.masked_title,
            "unit": d.unit.name,
            "issued_on": d.issued_on,
            "created_at": d.created_at,
            "pdf_ready": bool(d.pdf),
            "identity_hidden": not shows_identity and not d.identity_removed,
            "docx_url": f"{base}/{d.pk}/docx",
            "pdf_url": f"{base}/{d.pk}/pdf",
        }
        for d in documents
    ]


@router.get(
    "/{number}/documents/{document_id}/docx",
    summary="下载文书（Word）",
    openapi_extra=_binary(DOCX_MIME, "Word 文件（.docx）"),
)
def document_docx_api(request, number: str, document_id: int):
    document = get_document_for_user(request.user, number=number, document_id=document_id)
    return delivery_response(
        document_deliver(user=request.user, document=document, fmt="docx", request=request, via="api")
    )


@router.get(
    "/{number}/documents/{document_id}/pdf",
    summary="下载文书（PDF）",
    openapi_extra=_binary(PDF_MIME, "PDF 文件（已嵌入中文字体）"),
)
def document_pdf_api(request, number: str, document_id: int):
    document = get_document_for_user(request.user, number=number, document_id=document_id)
    return delivery_response(
        document_deliver(user=request.user, document=document, fmt="pdf", request=request, via="api")
    )

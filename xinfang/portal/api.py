"""API v1 public endpoints (`/api/v1/public/…`, no authentication): the portal's doors for apps.

The same form checks, captcha, limits and Chinese messages as the web pages: a letter goes through
`LetterForm` and `letter_submit`, a look-up through `holder_lookup`. Errors are 4xx, never 500:
400 invalid (field errors), 404 wrong number or code (one answer for both), 409 a step not allowed
now, 422 malformed JSON, 429 too many (with Retry-After).
"""

import base64
import binascii
import datetime
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse, JsonResponse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from xinfang.cases.workflow import ActionConflict
from xinfang.common.paging import page_meta
from xinfang.common.services import audit_record
from xinfang.documents.choices import DocKind
from xinfang.documents.rendering import DOCX_MIME, PDF_MIME
from xinfang.documents.services import document_render
from xinfang.messaging.choices import Source
from xinfang.messaging.models import Publication
from xinfang.portal.forms import LetterForm
from xinfang.portal.http import client_ip
from xinfang.portal.limits import RateLimited
from xinfang.portal.selectors import (
    holder_progress,
    petitioner_document,
    publication_search,
)
from xinfang.portal.services import (
    LookupFailed,
    captcha_issue,
    holder_lookup,
    letter_submit,
    portal_evaluate,
    portal_review_request,
)

router = Router(tags=["公众门户（无需认证）"], auth=None)

ERRORS = {400: dict, 404: dict, 409: dict, 422: dict, 429: dict}


def _limited(exc: RateLimited) -> HttpResponse:
    response = JsonResponse(
        {"code": "rate_limited", "detail": exc.message}, status=429, json_dumps_params={"ensure_ascii": False}
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


def _not_found(exc: LookupFailed):
    return Status(404, {"code": "not_found", "detail": str(exc)})


def _invalid(errors: dict) -> Status:
    return Status(400, {"code": "invalid", "detail": _("提交的内容有误，请按提示修改。"), "errors": errors})


# --- Captcha and letters -------------------------------------------------------------------------------


class CaptchaOut(Schema):
    id: str
    png_base64: str = Field(description="PNG 图片，Base64 编码")
    expires_at: datetime.datetime


@router.get("/captcha", response={200: CaptchaOut, 429: dict}, summary="获取图片验证码（一次有效）")
def captcha_api(request):
    try:
        captcha = captcha_issue(ip=client_ip(request))
    except RateLimited as exc:
        return _limited(exc)
    return {"id": captcha.id, "png_base64": captcha.png_base64, "expires_at": captcha.expires_at}


class AttachmentIn(Schema):
    name: str = Field(max_length=200)
    content_base64: str


class LetterIn(Schema):
    kind: str = Field(
        "complaint", description="complaint 投诉, suggestion 建议, help 求助, consult 咨询, report 举报"
    )
    name: str = ""
    phone: str = ""
    id_number: str = ""
    is_anonymous: bool = False
    title: str = ""
    content: str = ""
    issue_address: str = ""
    consent_publish: bool = False
    captcha_id: str
    captcha_answer: str
    attachments: list[AttachmentIn] = []


class PublicLetterOut(Schema):
    number: str
    query_code: str
    due_on: datetime.date
    sms: str = Field(description="queued 已排队发送, skipped 已退订未发, none 未留手机")
    replayed: bool = Field(description="同一提交重复到达（如重复点击），返回第一次的结果")


def _uploads(items: list[AttachmentIn]) -> list[SimpleUploadedFile]:
    files = []
    for item in items:
        try:
            content = base64.b64decode(item.content_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            message = _("附件“%(name)s”的内容不是有效的Base64编码。") % {"name": item.name}
            raise ValidationError({"attachments": [message]}) from exc
        files.append(SimpleUploadedFile(item.name or "attachment", content))
    return files


def _submit(request, payload: LetterIn, *, source: str):
    data = payload.dict(exclude={"attachments", "captcha_answer"})
    data["captcha"] = payload.captcha_answer
    data = {k: ("on" if v is True else "" if v is False else v) for k, v in data.items()}
    form = LetterForm(
        data, MultiValueDict({"attachments": _uploads(payload.attachments)}), consult=source == Source.CONSULT
    )
    if not form.is_valid():
        return _invalid({name: [str(m) for m in errors] for name, errors in form.errors.items()})
    try:
        submitted = letter_submit(
            source=source,
            captcha_id=form.cleaned_data["captcha_id"],
            captcha_answer=form.cleaned_data["captcha"],
            ip=client_ip(request),
            fields=form.letter_fields(),
            attachments=form.cleaned_data["attachments"],
        )
    except RateLimited as exc:
        return _limited(exc)
    message = submitted.message
    sms = message.sms_messages.order_by("id").first()
    body = {
        "number": message.number,
        "query_code": message.query_code,
        "due_on": message.due_on,
        "sms": sms.status if sms and sms.status == "skipped" else "queued" if sms else "none",
        "replayed": submitted.replayed,
    }
    return Status(200 if submitted.replayed else 201, body)


@router.post(
    "/letters",
    response={200: PublicLetterOut, 201: PublicLetterOut, **ERRORS},
    summary="县长信箱：写信（需验证码）",
    description="附件为 PDF/JPG/PNG（按内容识别），Base64 编码。成功返回留言编号和查询码，并短信通知。",
)
def letter_api(request, payload: LetterIn):
    return _submit(request, payload, source=Source.MAILBOX)


@router.post(
    "/consultations",
    response={200: PublicLetterOut, 201: PublicLetterOut, **ERRORS},
    summary="在线咨询：提问（需验证码；kind 固定为咨询）",
)
def consultation_api(request, payload: LetterIn):
    return _submit(request, payload, source=Source.CONSULT)


# --- Look-up, evaluation, 复查/复核 ---------------------------------------------------------------------


class TrackIn(Schema):
    number: str = Field(max_length=40)
    code: str = Field(max_length=20)


class EntryOut(Schema):
    date: datetime.date
    text: str


class PublicDocumentOut(Schema):
    id: int
    kind: str
    kind_label: str
    number: str
    issued_on: str


class ProgressOut(Schema):
    number: str
    kind: str
    title: str
    received_on: datetime.date | None
    status: str
    answer: str
    case_number: str
    timeline: list[EntryOut]
    deadlines: list[str]
    documents: list[PublicDocumentOut]
    evaluation_targets: list[str] = Field(description="现在可以评价的对象：bureau 信访部门, handler 责任单位")
    evaluation_ends: datetime.date | None
    review: str = Field(description="现在可以申请的：复查、复核，或空")
    review_ends: datetime.date | None


def _progress_out(holder) -> dict:
    progress = holder_progress(holder)
    return {
        "number": progress.number,
        "kind": progress.kind_label,
        "title": progress.title,
        "received_on": progress.received_on,
        "status": progress.status_label,
        "answer": progress.answer,
        "case_number": progress.case_number,
        "timeline": [{"date": e.day, "text": e.text} for e in progress.timeline],
        "deadlines": progress.deadlines,
        "documents": [
            {
                "id": d.pk,
                "kind": d.kind,
                "kind_label": str(DocKind(d.kind).label),
                "number": d.number,
                "issued_on": d.issued_on,
            }
            for d in progress.documents
        ],
        "evaluation_targets": [code for code, _label in progress.evaluate_targets],
        "evaluation_ends": progress.evaluation_ends,
        "review": progress.review_label,
        "review_ends": progress.review_ends,
    }


def _holder(request, number: str, code: str):
    return holder_lookup(number=number, code=code, ip=client_ip(request))


@router.post("/track", response={200: ProgressOut, **ERRORS}, summary="进度查询：编号 + 查询码")
def track_api(request, payload: TrackIn):
    try:
        return Status(200, _progress_out(_holder(request, payload.number, payload.code)))
    except RateLimited as exc:
        return _limited(exc)
    except LookupFailed as exc:
        return _not_found(exc)


class EvaluationIn(TrackIn):
    target: str = Field(description="bureau 信访部门, handler 责任单位")
    level: str = Field(description="satisfied 满意, fairly 基本满意, unsatisfied 不满意")
    reason: str = ""


class PublicReviewIn(TrackIn):
    reason: str


def _step(request, payload: TrackIn, run):
    try:
        holder = _holder(request, payload.number, payload.code)
        run(holder)
        return Status(200, _progress_out(holder))  # the case is read afresh
    except RateLimited as exc:
        return _limited(exc)
    except LookupFailed as exc:
        return _not_found(exc)
    except ActionConflict as exc:
        return Status(409, {"code": "conflict", "detail": " ".join(exc.messages)})


@router.post(
    "/evaluations", response={200: ProgressOut, **ERRORS}, summary="网上评价（满意、基本满意、不满意）"
)
def evaluation_api(request, payload: EvaluationIn):
    return _step(
        request,
        payload,
        lambda holder: portal_evaluate(
            holder=holder, target=payload.target, level=payload.level, reason=payload.reason
        ),
    )


@router.post(
    "/reviews", response={200: ProgressOut, **ERRORS}, summary="网上申请复查（复查意见送达后为复核）"
)
def review_api(request, payload: PublicReviewIn):
    return _step(request, payload, lambda holder: portal_review_request(holder=holder, reason=payload.reason))


class DocumentIn(TrackIn):
    document_id: int
    format: str = Field("pdf", pattern="^(pdf|docx)$")


@router.post(
    "/documents",
    response={200: None, **ERRORS},
    summary="下载送达信访人的文书（PDF 或 Word）",
    openapi_extra={"responses": {200: {"description": "文件", "content": {PDF_MIME: {}, DOCX_MIME: {}}}}},
)
def document_api(request, payload: DocumentIn):
    try:
        holder = _holder(request, payload.number, payload.code)
    except RateLimited as exc:
        return _limited(exc)
    except LookupFailed as exc:
        return _not_found(exc)
    document = petitioner_document(holder, payload.document_id)
    if document is None:
        return Status(404, {"code": "not_found", "detail": _("文书不存在或无权查看。")})
    fmt = payload.format
    audit_record(
        user=None,
        action="document_download",
        obj=document,
        detail={
            "number": document.case.number,
            "document": document.number,
            "format": fmt,
            "by": "petitioner",
        },
        request=request,
        via="api",
    )
    response = HttpResponse(
        document_render(document, fmt=fmt, masked=False), content_type=PDF_MIME if fmt == "pdf" else DOCX_MIME
    )
    filename = f"{DocKind(document.kind).label}（{document.number}）.{fmt}"
    response["Content-Disposition"] = (
        f"attachment; filename=\"document.{fmt}\"; filename*=UTF-8''{quote(filename)}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- FAQ and 公开回复 -------------------------------------------------------------------------------------


class PublicPublicationOut(Schema):
    id: int
    title: str
    question: str
    answer: str
    answered_by_unit: str
    published_at: datetime.datetime


class PublicPagination(Schema):
    page: int
    count: int
    pages: int


class PublicationPage(Schema):
    items: list[PublicPublicationOut]
    pagination: PublicPagination


class PublicSearchQuery(Schema):
    q: str = Field("", max_length=100)
    page: int = Field(1, ge=1)


def _publication_page(kind: str, query: PublicSearchQuery) -> dict:
    page, _text = publication_search(kind=kind, text=query.q, page=query.page)
    return {"items": list(page.object_list), "pagination": page_meta(page)}


@router.get("/faq", response=PublicationPage, summary="常见问答（已审核公开的咨询答复）")
def faq_api(request, query: Query[PublicSearchQuery]):
    return _publication_page(Publication.Kind.FAQ, query)


@router.get("/replies", response=PublicationPage, summary="公开回复")
def replies_api(request, query: Query[PublicSearchQuery]):
    return _publication_page(Publication.Kind.REPLY, query)

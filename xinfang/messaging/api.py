"""API v1 for 信箱审查 (`/api/v1/messages`): the queue, one message, the four decisions and the public
answers. Same gate, same services and the same Chinese messages as the pages; errors are 4xx:
400 invalid, 403 not allowed, 404 not found (or not yours), 409 已被他人处理, 422 malformed JSON."""

import datetime

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from xinfang.common.paging import page_meta, page_of
from xinfang.common.services import audit_record
from xinfang.common.validators import mask_name, mask_phone
from xinfang.messaging.choices import Source
from xinfang.messaging.models import InboundMessage, Publication
from xinfang.messaging.screening import (
    AlreadyHandled,
    message_answer,
    message_convert,
    message_mark_spam,
    message_merge,
    publication_approve,
    publication_draft_faq,
    publication_draft_reply,
    publication_withdraw,
)
from xinfang.messaging.screening_selectors import (
    TABS,
    approving_units,
    get_message_for_user,
    get_publication_for_user,
    message_search,
    publication_list,
    queue_counts,
    queue_messages,
    screening_units,
)

router = Router(tags=["信箱审查"])

ERRORS = {400: dict, 403: dict, 404: dict, 409: dict}


class MessageListOut(Schema):
    number: str
    source: str
    source_label: str
    kind: str
    kind_label: str
    title: str
    excerpt: str
    sender_masked: str
    phone_masked: str
    is_anonymous: bool
    received_at: datetime.datetime
    due_on: datetime.date
    overdue: bool
    status: str
    status_label: str
    handled_by: str | None
    handled_at: datetime.datetime | None
    case_number: str | None


class MessageAttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int


class MessageOut(MessageListOut):
    name: str
    phone: str
    id_number: str
    content: str
    issue_address: str
    link: str
    consent_publish: bool
    query_code: str
    screening_unit: str
    answer: str
    reason: str
    attachments: list[MessageAttachmentOut]


class QueueCountsOut(Schema):
    pending: int
    overdue: int
    due_soon: int
    handled: int
    by_source: dict[str, int]


class MessagePageOut(Schema):
    page: int
    count: int
    pages: int


class QueueOut(Schema):
    tab: str
    counts: QueueCountsOut
    items: list[MessageListOut]
    pagination: MessagePageOut


class QueueQuery(Schema):
    tab: str = Field("pending", description="pending 待审查（期限最早的在前）| handled 已处理")
    source: str = Field("", description="mailbox | consult | sms | forum")
    q: str = Field("", max_length=60, description="留言编号、手机号码、姓名或内容中的词")
    page: int = 1


class AnswerIn(Schema):
    answer: str = Field(..., max_length=20000)
    publish: bool = Field(False, description="同时起草一条咨询问答（审批后公开）")
    faq_title: str = Field("", max_length=1000)
    faq_question: str = Field("", max_length=20000, description="已去除个人信息的问题")
    faq_answer: str = Field("", max_length=20000, description="留空则与答复相同")


class ConvertIn(Schema):
    purpose: str = Field(..., description="信访目的代码，见 /reference/purposes（匿名举报固定为检举控告）")
    title: str = Field(..., max_length=1000)
    content: str = Field(..., max_length=50000)
    category: int | None = None
    name: str = Field("", max_length=40)
    phone: str = Field("", max_length=20)
    id_number: str = Field("", max_length=30)
    issue_address: str | None = Field(None, max_length=200)


class ConvertOut(Schema):
    message: MessageOut
    case_number: str


class MergeIn(Schema):
    case_number: str = Field(..., max_length=60)


class SpamIn(Schema):
    reason: str = Field(..., max_length=20000)


class PublicationIn(Schema):
    title: str = Field(..., max_length=1000)
    question: str = Field(..., max_length=20000)
    answer: str = Field(..., max_length=20000)


class ApproveIn(Schema):
    title: str | None = Field(None, max_length=1000)
    question: str | None = Field(None, max_length=20000)
    answer: str | None = Field(None, max_length=20000)


class WithdrawIn(Schema):
    reason: str = Field("", max_length=20000)


class PublicationOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    question: str
    answer: str
    answered_by_unit: str
    message_number: str | None
    case_number: str | None
    created_by: str
    created_at: datetime.datetime
    approved_by: str | None
    published_at: datetime.datetime | None
    withdrawn_at: datetime.datetime | None
    is_public: bool


def message_list_out(m: InboundMessage) -> dict:
    return {
        "number": m.number,
        "source": m.source,
        "source_label": m.get_source_display(),
        "kind": m.kind,
        "kind_label": m.get_kind_display(),
        "title": m.title,
        "excerpt": m.content[:60],
        "sender_masked": "" if m.is_anonymous else mask_name(m.name),
        "phone_masked": "" if m.is_anonymous else mask_phone(m.phone),
        "is_anonymous": m.is_anonymous,
        "received_at": m.received_at,
        "due_on": m.due_on,
        "overdue": m.status == "new" and m.due_on < timezone.localdate(),
        "status": m.status,
        "status_label": m.get_status_display(),
        "handled_by": str(m.handled_by) if m.handled_by_id else None,
        "handled_at": m.handled_at,
        "case_number": m.case.number if m.case_id else None,
    }


def message_out(m: InboundMessage) -> dict:
    return {
        **message_list_out(m),
        "name": m.name,
        "phone": m.phone,
        "id_number": m.id_number,
        "content": m.content,
        "issue_address": m.issue_address,
        "link": m.link,
        "consent_publish": m.consent_publish,
        "query_code": m.query_code,
        "screening_unit": m.screening_unit.name,
        "answer": m.answer,
        "reason": m.reason,
        "attachments": [
            {"id": a.pk, "name": a.original_name, "content_type": a.content_type, "size": a.size}
            for a in m.attachments.all()
        ],
    }


def publication_out(p: Publication) -> dict:
    return {
        "id": p.pk,
        "kind": p.kind,
        "kind_label": p.get_kind_display(),
        "title": p.title,
        "question": p.question,
        "answer": p.answer,
        "answered_by_unit": p.answered_by_unit,
        "message_number": p.message.number if p.message_id else None,
        "case_number": p.case.number if p.case_id else None,
        "created_by": str(p.created_by),
        "created_at": p.created_at,
        "approved_by": str(p.approved_by) if p.approved_by_id else None,
        "published_at": p.published_at,
        "withdrawn_at": p.withdrawn_at,
        "is_public": p.is_public,
    }


def _conflict(exc: AlreadyHandled) -> Status:
    return Status(409, {"code": "conflict", "detail": exc.messages[0]})


def _units_or_403(user):
    units = screening_units(user)
    if not units:
        raise PermissionDenied("您不是信箱审查人员。")
    return units


def _fresh(request, number: str) -> dict:
    message = get_message_for_user(request.user, number=number)
    _audit_view(request, message)
    return message_out(message)


def _audit_view(request, message: InboundMessage) -> None:
    if message.name or message.phone or message.id_number:
        audit_record(
            user=request.user,
            action="view_personal_data",
            obj=message,
            detail={"message": message.number},
            request=request,
            via="api",
        )


# --- Public answers first: "/publications" must not be taken for a message number ------------------


@router.get(
    "/publications",
    response={200: list[PublicationOut], 403: dict},
    summary="公开答复（草稿、已公开、已撤回）",
)
def publications_api(request, show: str = "drafts"):
    if not screening_units(request.user) and not approving_units(request.user):
        raise PermissionDenied("您不是信箱审查人员。")
    return [publication_out(p) for p in publication_list(request.user, show=show)[:200]]


@router.get("/publications/{pk}", response={200: PublicationOut, 404: dict}, summary="一条公开答复")
def publication_api(request, pk: int):
    return publication_out(get_publication_for_user(request.user, pk=pk))


@router.post(
    "/publications/{pk}/approve", response={200: PublicationOut, **ERRORS}, summary="审批公开（可修改文字）"
)
def publication_approve_api(request, pk: int, payload: ApproveIn):
    publication = get_publication_for_user(request.user, pk=pk)
    try:
        done = publication_approve(
            publication=publication, actor=request.user, request=request, via="api", **payload.dict()
        )
    except AlreadyHandled as exc:
        return _conflict(exc)
    return publication_out(done)


@router.post("/publications/{pk}/withdraw", response={200: PublicationOut, **ERRORS}, summary="撤回")
def publication_withdraw_api(request, pk: int, payload: WithdrawIn):
    publication = get_publication_for_user(request.user, pk=pk)
    try:
        done = publication_withdraw(
            publication=publication, actor=request.user, reason=payload.reason, request=request, via="api"
        )
    except AlreadyHandled as exc:
        return _conflict(exc)
    return publication_out(done)


# --- The queue and the messages ------------------------------------------------------------------------


@router.get(
    "", response={200: QueueOut, 403: dict}, summary="审查队列：待审查（期限最早的在前）或已处理；可查找"
)
def queue_api(request, query: Query[QueueQuery]):
    units = _units_or_403(request.user)
    tab = query.tab if query.tab in TABS else "pending"
    source = query.source if query.source in Source.values else ""
    q = query.q.strip()
    found = message_search(units=units, text=q) if q else queue_messages(units=units, tab=tab, source=source)
    page = page_of(found, query.page)
    counts = queue_counts(units=units)
    return {
        "tab": tab,
        "counts": {
            "pending": counts.pending,
            "overdue": counts.overdue,
            "due_soon": counts.due_soon,
            "handled": counts.handled,
            "by_source": {code: n for code, _label, n in counts.by_source},
        },
        "items": [message_list_out(m) for m in page.object_list],
        "pagination": page_meta(page),
    }


@router.get("/{number}", response={200: MessageOut, 404: dict}, summary="一条留言（含来信人信息，查看留痕）")
def message_api(request, number: str):
    return _fresh(request, number)


@router.post(
    "/{number}/answer", response={200: MessageOut, **ERRORS}, summary="直接答复（可同时起草咨询问答）"
)
def message_answer_api(request, number: str, payload: AnswerIn):
    message = get_message_for_user(request.user, number=number)
    try:
        message_answer(message=message, actor=request.user, request=request, via="api", **payload.dict())
    except AlreadyHandled as exc:
        return _conflict(exc)
    return _fresh(request, number)


@router.post(
    "/{number}/convert", response={200: ConvertOut, **ERRORS}, summary="转为信访件（重复提交只登记一件）"
)
def message_convert_api(request, number: str, payload: ConvertIn):
    message = get_message_for_user(request.user, number=number)
    data = payload.dict()
    data["purpose_code"] = data.pop("purpose")
    data["category_id"] = data.pop("category")
    try:
        case = message_convert(message=message, actor=request.user, request=request, via="api", **data)
    except AlreadyHandled as exc:
        return _conflict(exc)
    return {"message": _fresh(request, number), "case_number": case.number}


@router.post("/{number}/merge", response={200: MessageOut, **ERRORS}, summary="并入已有信访件")
def message_merge_api(request, number: str, payload: MergeIn):
    message = get_message_for_user(request.user, number=number)
    try:
        message_merge(
            message=message, actor=request.user, case_number=payload.case_number, request=request, via="api"
        )
    except AlreadyHandled as exc:
        return _conflict(exc)
    return _fresh(request, number)


@router.post(
    "/{number}/spam", response={200: MessageOut, **ERRORS}, summary="认定为无效信息（须写理由，不通知发信人）"
)
def message_spam_api(request, number: str, payload: SpamIn):
    message = get_message_for_user(request.user, number=number)
    try:
        message_mark_spam(
            message=message, actor=request.user, reason=payload.reason, request=request, via="api"
        )
    except AlreadyHandled as exc:
        return _conflict(exc)
    return _fresh(request, number)


@router.post(
    "/{number}/reply", response={201: PublicationOut, **ERRORS}, summary="起草公开回复（办结且来信人同意）"
)
def reply_draft_api(request, number: str, payload: PublicationIn):
    message = get_message_for_user(request.user, number=number)
    try:
        publication = publication_draft_reply(
            message=message, actor=request.user, request=request, via="api", **payload.dict()
        )
    except AlreadyHandled as exc:
        return _conflict(exc)
    return Status(201, publication_out(publication))


@router.post(
    "/{number}/faq", response={201: PublicationOut, **ERRORS}, summary="起草咨询问答（已直接答复的留言）"
)
def faq_draft_api(request, number: str, payload: PublicationIn):
    message = get_message_for_user(request.user, number=number)
    try:
        publication = publication_draft_faq(
            message=message, actor=request.user, request=request, via="api", **payload.dict()
        )
    except AlreadyHandled as exc:
        return _conflict(exc)
    return Status(201, publication_out(publication))

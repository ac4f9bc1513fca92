"""API v1 for the 季度通报 (`/api/v1/reports/bulletins`): list, 起草, one bulletin with its numbers,
修改, 重新生成, 审核, 退回修改, 发布, and the .docx/PDF. Same gate, services and Chinese messages as the
pages; errors are 400 invalid, 403 not allowed, 404 not found (or not yours, or not yet published),
409 changed meanwhile, 422 malformed JSON."""

import datetime

from django.core.exceptions import PermissionDenied
from ninja import Field, Router, Schema, Status

from xinfang.common.paging import page_meta, page_of
from xinfang.integrations.conditional import Resource, conditional
from xinfang.reporting import bulletins as services
from xinfang.reporting.bulletin_render import bulletin_content
from xinfang.reporting.bulletin_selectors import (
    bulletin_events,
    bulletin_list,
    editing_bureaus,
    get_bulletin_for_user,
)
from xinfang.reporting.bulletin_views import bulletin_file
from xinfang.reporting.models import Bulletin

router = Router(tags=["季度通报"])
BULLETIN = Resource(
    "bulletin", lambda user, path: get_bulletin_for_user(user, path["pk"]), field="updated_at"
)

ERRORS = {400: dict, 403: dict, 404: dict, 409: dict}


class BulletinListOut(Schema):
    id: int
    bureau_id: int
    bureau: str
    period: str
    period_label: str
    title: str
    number: str
    status: str
    status_label: str
    generated_at: datetime.datetime
    published_at: datetime.datetime | None


class NamedOut(Schema):
    reason: str
    units: list[str]


class BulletinEventOut(Schema):
    action: str
    action_label: str
    from_status: str
    to_status: str
    actor: str
    note: str
    at: datetime.datetime


class BulletinOut(BulletinListOut):
    opening: str
    requirements: str
    threshold: str
    approved_by: str | None
    approved_at: datetime.datetime | None
    published_by: str | None
    data: dict
    named: list[NamedOut]
    events: list[BulletinEventOut]
    docx_url: str
    pdf_url: str


class BulletinPageOut(Schema):
    page: int
    count: int
    pages: int


class BulletinPage(Schema):
    items: list[BulletinListOut]
    pagination: BulletinPageOut


class CreateIn(Schema):
    period: str = Field(..., max_length=20, description="通报期：2026-Q1（季度）、2026-03 或 2026")
    bureau: int | None = Field(None, description="发布单位（信访局）id；不填为本人第一个可起草通报的信访局")


class EditIn(Schema):
    title: str = Field(..., max_length=1000)
    opening: str = Field("", max_length=20000, description="导语")
    requirements: str = Field("", max_length=20000, description="工作要求")
    threshold: str = Field("90", max_length=20, description="点名阈值（%），0–100")


class ReturnIn(Schema):
    reason: str = Field(..., max_length=20000, description="退回理由")


def list_out(b: Bulletin) -> dict:
    return {
        "id": b.pk,
        "bureau_id": b.bureau_id,
        "bureau": b.bureau.name,
        "period": b.period,
        "period_label": b.period_label,
        "title": b.title,
        "number": b.number,
        "status": b.status,
        "status_label": b.get_status_display(),
        "generated_at": b.generated_at,
        "published_at": b.published_at,
    }


def _name(user) -> str | None:
    return str(user) if user is not None else None


def _fresh(request, pk: int) -> dict:
    b = get_bulletin_for_user(request.user, pk)
    content = bulletin_content(b)
    return {
        **list_out(b),
        "opening": b.opening,
        "requirements": b.requirements,
        "threshold": f"{b.threshold.normalize():f}",
        "approved_by": _name(b.approved_by),
        "approved_at": b.approved_at,
        "published_by": _name(b.published_by),
        "data": b.snapshot,
        "named": [{"reason": n.reason, "units": list(n.units)} for n in content.named],
        "events": [
            {
                "action": e.action,
                "action_label": e.get_action_display(),
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": str(e.actor),
                "note": e.note,
                "at": e.created_at,
            }
            for e in bulletin_events(b)
        ],
        "docx_url": f"/api/v1/reports/bulletins/{b.pk}/download?format=docx",
        "pdf_url": f"/api/v1/reports/bulletins/{b.pk}/download?format=pdf",
    }


def _conflict(exc: services.BulletinConflict) -> Status:
    return Status(409, {"code": "conflict", "detail": exc.messages[0]})


@router.get(
    "/bulletins", response={200: BulletinPage}, summary="季度通报列表：信访局看本局全部，各单位看已发布的"
)
def bulletin_list_api(request, page: int = 1):
    found = page_of(bulletin_list(request.user), page)
    return {"items": [list_out(b) for b in found.object_list], "pagination": page_meta(found)}


@router.post("/bulletins", response={201: BulletinOut, **ERRORS}, summary="起草通报：按当前数据生成草稿")
def bulletin_create_api(request, payload: CreateIn):
    bureaus = editing_bureaus(request.user)
    if not bureaus:
        raise PermissionDenied("只有信访局的督办员、负责人或领导可以起草通报。")
    bureau = (
        bureaus[0] if payload.bureau is None else next((b for b in bureaus if b.pk == payload.bureau), None)
    )
    if bureau is None:
        raise PermissionDenied("您不能为该单位起草通报。")
    bulletin = services.bulletin_create(
        bureau=bureau, period=payload.period, actor=request.user, request=request, via="api"
    )
    return Status(201, _fresh(request, bulletin.pk))


@router.get(
    "/bulletins/{pk}",
    response={200: BulletinOut, 404: dict},
    summary="一份通报：文字、数据快照、点名单位、办理记录",
)
@conditional(BULLETIN)
def bulletin_get_api(request, pk: int):
    return _fresh(request, pk)


@router.patch(
    "/bulletins/{pk}",
    response={200: BulletinOut, **ERRORS},
    summary="修改草稿：标题、导语、工作要求、点名阈值",
)
@conditional(BULLETIN)
def bulletin_update_api(request, pk: int, payload: EditIn):
    bulletin = get_bulletin_for_user(request.user, pk)
    try:
        services.bulletin_update(
            bulletin=bulletin, actor=request.user, request=request, via="api", **payload.dict()
        )
    except services.BulletinConflict as exc:
        return _conflict(exc)
    return _fresh(request, pk)


def _step(request, pk: int, service, **extra):
    bulletin = get_bulletin_for_user(request.user, pk)
    try:
        service(bulletin=bulletin, actor=request.user, request=request, via="api", **extra)
    except services.BulletinConflict as exc:
        return _conflict(exc)
    return _fresh(request, pk)


@router.post(
    "/bulletins/{pk}/regenerate", response={200: BulletinOut, **ERRORS}, summary="重新生成（仅草稿）"
)
@conditional(BULLETIN)
def bulletin_regenerate_api(request, pk: int):
    return _step(request, pk, services.bulletin_regenerate)


@router.post(
    "/bulletins/{pk}/approve", response={200: BulletinOut, **ERRORS}, summary="审核通过（负责人或领导）"
)
@conditional(BULLETIN)
def bulletin_approve_api(request, pk: int):
    return _step(request, pk, services.bulletin_approve)


@router.post(
    "/bulletins/{pk}/return", response={200: BulletinOut, **ERRORS}, summary="退回修改（已审核的回到草稿）"
)
@conditional(BULLETIN)
def bulletin_return_api(request, pk: int, payload: ReturnIn):
    return _step(request, pk, services.bulletin_return, reason=payload.reason)


@router.post(
    "/bulletins/{pk}/publish", response={200: BulletinOut, **ERRORS}, summary="发布：编文号并通知各单位"
)
@conditional(BULLETIN)
def bulletin_publish_api(request, pk: int):
    return _step(request, pk, services.bulletin_publish)


@router.get(
    "/bulletins/{pk}/download",
    response={200: None, 400: dict, 404: dict},
    summary="下载通报：format=docx（Word）或 pdf",
)
def bulletin_download_api(request, pk: int, format: str = "docx"):  # noqa: A002 - the query parameter's name
    bulletin = get_bulletin_for_user(request.user, pk)
    if format not in ("docx", "pdf"):
        return Status(400, {"code": "invalid", "detail": "format 应为 docx 或 pdf。"})
    return bulletin_file(request, bulletin, format, via="api")

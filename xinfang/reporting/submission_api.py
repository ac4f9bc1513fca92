"""API v1 for 信息报送 (`/api/v1/reports`): list and search, one item with its history, create, edit,
attach, 报送, 采用/退回, and the counts per unit. Same gate, services and Chinese messages as the
pages; errors are 400 invalid, 403 not allowed, 404 not found (or not yours), 409 changed meanwhile,
422 malformed JSON."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from xinfang.common.paging import page_meta, page_of
from xinfang.integrations.conditional import Resource, conditional
from xinfang.reporting.models import Submission, SubmissionAttachment, SubmissionVersion
from xinfang.reporting.periods import parse_period
from xinfang.reporting.submission_access import get_submission_for_user, reviewing_units, writing_units
from xinfang.reporting.submission_selectors import (
    BOXES,
    SearchFilters,
    box_counts,
    current_attachments,
    submission_list,
    submission_summary,
    submission_versions,
)
from xinfang.reporting.submissions import (
    SubmissionConflict,
    submission_adopt,
    submission_attach,
    submission_create,
    submission_delete,
    submission_return,
    submission_submit,
    submission_update,
)

router = Router(tags=["信息报送"])
SUBMISSION = Resource(
    "submission", lambda user, path: get_submission_for_user(user, path["pk"]), field="updated_at"
)

ERRORS = {400: dict, 403: dict, 404: dict, 409: dict}


class SubmissionAttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class VersionOut(Schema):
    number: int
    kind: str
    title: str
    body: str
    period: str
    is_urgent: bool
    submitted_by: str
    submitted_at: datetime.datetime
    signer: str | None
    outcome: str
    outcome_label: str
    reviewed_by: str | None
    reviewed_at: datetime.datetime | None
    adoption_level: str
    score: int | None
    review_note: str
    attachments: list[SubmissionAttachmentOut]


class SubmissionListOut(Schema):
    id: int
    unit: str
    unit_id: int
    to_unit: str
    kind: str
    kind_label: str
    title: str
    period: str
    period_label: str
    is_urgent: bool
    status: str
    status_label: str
    version: int
    submitted_at: datetime.datetime | None
    reviewed_at: datetime.datetime | None
    adoption_level: str
    score: int | None


class SubmissionOut(SubmissionListOut):
    body: str
    author: str
    signer: str | None
    reviewed_by: str | None
    review_note: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    attachments: list[SubmissionAttachmentOut]
    versions: list[VersionOut]


class SubmissionPageOut(Schema):
    page: int
    count: int
    pages: int


class SubmissionPage(Schema):
    box: str
    counts: dict[str, int]
    items: list[SubmissionListOut]
    pagination: SubmissionPageOut


class SubmissionListQuery(Schema):
    box: str = Field("archive", description="review 待审核 | mine 本单位（含草稿）| archive 档案")
    q: str = Field("", max_length=60, description="标题或正文中的词")
    unit: int | None = Field(None, description="报送单位 id")
    kind: str = Field("", description="bulletin | dynamic | warning | experience")
    period: str = Field("", max_length=20, description="2026-03、2026-Q1 或 2026（与之重叠的报送期）")
    status: str = Field("", description="draft | submitted | adopted | returned")
    page: int = 1


class SubmissionIn(Schema):
    unit: int | None = Field(None, description="报送单位 id；不填为本人第一个可报送的单位")
    kind: str = Field(
        ..., description="bulletin 工作简报 | dynamic 动态信息 | warning 预警信息 | experience 经验做法"
    )
    title: str = Field(..., max_length=1000)
    body: str = Field(..., max_length=100000)
    period: str = Field(..., max_length=20, description="2026-03、2026-Q1 或 2026")
    is_urgent: bool = False


class SubmissionEditIn(Schema):
    kind: str = Field(..., description="bulletin | dynamic | warning | experience")
    title: str = Field(..., max_length=1000)
    body: str = Field(..., max_length=100000)
    period: str = Field(..., max_length=20)
    is_urgent: bool = False
    remove_attachments: list[int] = Field([], description="移除的附件 id")


class SubmissionReviewIn(Schema):
    decision: str = Field(..., description="adopt 采用 | return 退回")
    adoption_level: str = Field(
        "", description="county | city | province | national（采用时；不填按接收单位层级）"
    )
    score: int | None = Field(None, ge=0, le=100)
    note: str = Field("", max_length=4000, description="采用说明")
    reasons: str = Field("", max_length=4000, description="退回理由（退回时必填）")
    version: int | None = Field(None, description="审核的是第几次报送；已重新报送时返回409")


class CountsRowOut(Schema):
    unit_id: int
    unit: str
    submitted: int
    adopted: int
    returned: int
    adopted_by_level: dict[str, int]
    adopted_by_kind: dict[str, int]
    submitted_by_kind: dict[str, int]
    score: int


class CountsOut(Schema):
    bureau: str
    since: datetime.date
    until: datetime.date
    units: list[CountsRowOut]


def _name(user) -> str | None:
    return str(user) if user is not None else None


def _attachment_out(submission: Submission, a: SubmissionAttachment) -> dict:
    return {
        "id": a.pk,
        "name": a.original_name,
        "content_type": a.content_type,
        "size": a.size,
        "url": f"/api/v1/reports/submissions/{submission.pk}/attachments/{a.pk}",
    }


def list_out(s: Submission) -> dict:
    return {
        "id": s.pk,
        "unit": s.unit.name,
        "unit_id": s.unit_id,
        "to_unit": s.to_unit.name,
        "kind": s.kind,
        "kind_label": s.get_kind_display(),
        "title": s.title,
        "period": s.period,
        "period_label": s.period_label,
        "is_urgent": s.is_urgent,
        "status": s.status,
        "status_label": s.get_status_display(),
        "version": s.version_count,
        "submitted_at": s.submitted_at,
        "reviewed_at": s.reviewed_at,
        "adoption_level": s.adoption_level,
        "score": s.score,
    }


def _version_out(s: Submission, v: SubmissionVersion) -> dict:
    return {
        "number": v.number,
        "kind": v.kind,
        "title": v.title,
        "body": v.body,
        "period": v.period,
        "is_urgent": v.is_urgent,
        "submitted_by": str(v.submitted_by),
        "submitted_at": v.submitted_at,
        "signer": _name(v.signer),
        "outcome": v.outcome,
        "outcome_label": v.get_outcome_display(),
        "reviewed_by": _name(v.reviewed_by),
        "reviewed_at": v.reviewed_at,
        "adoption_level": v.adoption_level,
        "score": v.score,
        "review_note": v.review_note,
        "attachments": [_attachment_out(s, a) for a in v.attachments.all()],
    }


def _fresh(request, pk: int) -> dict:
    s = get_submission_for_user(request.user, pk)
    return {
        **list_out(s),
        "body": s.body,
        "author": str(s.author),
        "signer": _name(s.signer),
        "reviewed_by": _name(s.reviewed_by),
        "review_note": s.review_note,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
        "attachments": [_attachment_out(s, a) for a in current_attachments(s)],
        "versions": [_version_out(s, v) for v in submission_versions(s)],
    }


def _conflict(exc: SubmissionConflict) -> Status:
    return Status(409, {"code": "conflict", "detail": exc.messages[0]})


@router.get(
    "/submissions",
    response={200: SubmissionPage},
    summary="报送信息列表：待审核、本单位或档案；可按词、单位、类别、报送期、状态查找",
)
def submission_list_api(request, query: Query[SubmissionListQuery]):
    box = query.box if query.box in BOXES else "archive"
    try:
        period = parse_period(query.period) if query.period.strip() else None
    except ValidationError:  # an unreadable period filters nothing out, like the page
        period = None
    filters = SearchFilters(
        text=query.q, unit_id=query.unit, kind=query.kind, period=period, status=query.status
    )
    page = page_of(submission_list(user=request.user, box=box, filters=filters), query.page)
    return {
        "box": box,
        "counts": box_counts(request.user),
        "items": [list_out(s) for s in page.object_list],
        "pagination": page_meta(page),
    }


@router.post("/submissions", response={201: SubmissionOut, **ERRORS}, summary="起草报送信息（草稿）")
def submission_create_api(request, payload: SubmissionIn):
    units = writing_units(request.user)
    if not units:
        raise PermissionDenied("您所在的单位没有上级信访部门，或您没有起草报送信息的角色。")
    unit = units[0] if payload.unit is None else next((u for u in units if u.pk == payload.unit), None)
    if unit is None:
        raise PermissionDenied("您不能为该单位起草报送信息。")
    data = payload.dict()
    data.pop("unit")
    submission = submission_create(actor=request.user, unit=unit, **data)
    return Status(201, _fresh(request, submission.pk))


@router.get(
    "/submissions/{pk}", response={200: SubmissionOut, 404: dict}, summary="一条报送信息及每次报送的记录"
)
@conditional(SUBMISSION)
def submission_get_api(request, pk: int):
    return _fresh(request, pk)


@router.patch("/submissions/{pk}", response={200: SubmissionOut, **ERRORS}, summary="修改草稿或被退回的信息")
@conditional(SUBMISSION)
def submission_update_api(request, pk: int, payload: SubmissionEditIn):
    submission = get_submission_for_user(request.user, pk)
    try:
        submission_update(submission=submission, actor=request.user, **payload.dict())
    except SubmissionConflict as exc:
        return _conflict(exc)
    return _fresh(request, pk)


@router.delete("/submissions/{pk}", response={204: None, **ERRORS}, summary="删除从未报送过的草稿")
@conditional(SUBMISSION)
def submission_delete_api(request, pk: int):
    submission = get_submission_for_user(request.user, pk)
    try:
        submission_delete(submission=submission, actor=request.user, request=request, via="api")
    except SubmissionConflict as exc:
        return _conflict(exc)
    return Status(204, None)


@router.post(
    "/submissions/{pk}/attachments",
    response={201: SubmissionOut, **ERRORS},
    summary="上传附件（PDF、JPG、PNG 或 Word .docx，按内容检查）",
)
def submission_attach_api(request, pk: int, file: File[UploadedFile]):
    submission = get_submission_for_user(request.user, pk)
    try:
        submission_attach(submission=submission, actor=request.user, upload=file)
    except SubmissionConflict as exc:
        return _conflict(exc)
    return Status(201, _fresh(request, pk))


@router.post(
    "/submissions/{pk}/submit", response={200: SubmissionOut, **ERRORS}, summary="报送（或退回后重新报送）"
)
@conditional(SUBMISSION)
def submission_submit_api(request, pk: int):
    submission = get_submission_for_user(request.user, pk)
    try:
        submission_submit(submission=submission, actor=request.user, request=request, via="api")
    except SubmissionConflict as exc:
        return _conflict(exc)
    return _fresh(request, pk)


@router.post(
    "/submissions/{pk}/review",
    response={200: SubmissionOut, **ERRORS},
    summary="审核：采用或退回（须写理由）",
)
@conditional(SUBMISSION)
def submission_review_api(request, pk: int, payload: SubmissionReviewIn):
    submission = get_submission_for_user(request.user, pk)
    common = {"submission": submission, "actor": request.user, "request": request, "via": "api"}
    try:
        if payload.decision == "adopt":
            submission_adopt(
                adoption_level=payload.adoption_level,
                score=payload.score,
                note=payload.note,
                expected_version=payload.version,
                **common,
            )
        elif payload.decision == "return":
            submission_return(reasons=payload.reasons, expected_version=payload.version, **common)
        else:
            return Status(
                400, {"code": "invalid", "detail": "decision 应为 adopt（采用）或 return（退回）。"}
            )
    except SubmissionConflict as exc:
        return _conflict(exc)
    return _fresh(request, pk)


@router.get(
    "/counts",
    response={200: CountsOut, 403: dict},
    summary="各单位报送、采用、退回条数（统计期内，含首尾两天）",
)
def submission_counts_api(
    request, since: datetime.date | None = None, until: datetime.date | None = None, bureau: int | None = None
):
    bureaus = reviewing_units(request.user)
    if not bureaus:
        raise PermissionDenied("只有信访部门的审核人员可以查看报送统计。")
    chosen = next((b for b in bureaus if b.pk == bureau), bureaus[0])
    today = timezone.localdate()
    until = until or today
    since = since or until.replace(month=1, day=1)
    rows = submission_summary(bureau=chosen, since=since, until=until)
    return {
        "bureau": chosen.name,
        "since": since,
        "until": until,
        "units": [
            {
                "unit_id": row.unit.pk,
                "unit": row.unit.name,
                "submitted": row.counts.submitted,
                "adopted": row.counts.adopted,
                "returned": row.counts.returned,
                "adopted_by_level": row.counts.adopted_by_level,
                "adopted_by_kind": row.counts.adopted_by_kind,
                "submitted_by_kind": row.counts.submitted_by_kind,
                "score": row.counts.score,
            }
            for row in rows
        ],
    }

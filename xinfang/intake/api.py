"""API v1 for registration: register a case, add scanned attachments, earlier cases of a petitioner."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from xinfang.cases.access import can_see_identity, cases_visible_to, get_case_for_user
from xinfang.cases.choices import EventKind
from xinfang.cases.schemas import CaseListOut, CaseOut, case_list_out, case_out
from xinfang.cases.selectors import earlier_cases_of
from xinfang.cases.services import event_record, lock_case
from xinfang.common.validators import check_upload
from xinfang.intake.services import (
    ComplainedInput,
    PetitionerInput,
    attachment_store,
    case_register,
    registration_units,
)

router = Router(tags=["登记"])


class PetitionerIn(Schema):
    name: str = Field(..., max_length=40)
    gender: str = Field("", max_length=1)
    id_type: str = "resident"
    id_number: str = Field("", max_length=30)
    phone: str = Field("", max_length=20)
    address: str = Field("", max_length=200)
    region_code: str | None = None
    is_primary: bool = False
    is_representative: bool = False


class ComplainedIn(Schema):
    name: str = Field(..., max_length=80)
    position: str = Field("", max_length=60)
    organisation: str = Field("", max_length=80)


class CaseRegisterIn(Schema):
    unit: int = Field(..., description="登记单位 ID（须为本人有登记权限的单位）")
    channel: str = Field(..., description="信访形式代码，见 /reference/channels")
    purpose: str = Field(..., description="信访目的代码，见 /reference/purposes")
    title: str = Field(..., max_length=200)
    content: str = Field(..., max_length=50000)
    received_on: datetime.date
    petitioners: list[PetitionerIn] = Field(default_factory=list, max_length=50)
    category: int | None = None
    demands: str = Field("", max_length=10000)
    addressee: str = Field("", max_length=40)
    issue_region_code: str | None = None
    issue_address: str = Field("", max_length=200)
    headcount: int = Field(1, ge=1, le=100000)
    is_anonymous: bool = False
    is_urgent: bool = False
    is_skip_level: bool = False
    is_litigation: bool = False
    repeat_of: str | None = Field(None, description="重复信访：原信访件编号")
    complained: list[ComplainedIn] = Field(default_factory=list, max_length=20)
    submission_key: str | None = Field(None, max_length=64, description="幂等键：同一键重复提交只登记一次")


class EarlierOut(Schema):
    items: list[CaseListOut]
    hidden_count: int


@router.post("", response={201: CaseOut, 200: CaseOut}, summary="登记信访件")
def case_register_api(request, payload: CaseRegisterIn):
    units = {u.pk: u for u in registration_units(request.user)}
    unit = units.get(payload.unit)
    if unit is None:
        raise PermissionDenied(_("您无权在该单位登记信访件。"))
    repeat_of = None
    if payload.repeat_of:
        repeat_of = cases_visible_to(request.user).filter(number=payload.repeat_of).first()
        if repeat_of is None:
            raise ValidationError({"repeat_of": [_("找不到该原信访件，或您无权查看。")]})
    key = payload.submission_key or request.headers.get("Idempotency-Key") or None
    existed = bool(key) and cases_visible_to(request.user).filter(submission_key=key).exists()
    case = case_register(
        actor=request.user,
        unit=unit,
        channel_code=payload.channel,
        purpose_code=payload.purpose,
        title=payload.title,
        content=payload.content,
        received_on=payload.received_on,
        petitioners=[_petitioner_input(p) for p in payload.petitioners],
        category_id=payload.category,
        demands=payload.demands,
        addressee=payload.addressee,
        issue_region_code=payload.issue_region_code,
        issue_address=payload.issue_address,
        headcount=payload.headcount,
        is_anonymous=payload.is_anonymous,
        is_urgent=payload.is_urgent,
        is_skip_level=payload.is_skip_level,
        is_litigation=payload.is_litigation,
        repeat_of=repeat_of,
        complained=[ComplainedInput(**c.dict()) for c in payload.complained],
        submission_key=key,
    )
    return Status(200 if existed else 201, case_out(case, request.user))


def _petitioner_input(person: PetitionerIn) -> PetitionerInput:
    data = person.dict()
    data["id_type_code"] = data.pop("id_type")
    return PetitionerInput(**data)


@router.get("/earlier", response=EarlierOut, summary="同一信访人的既往信访件（用于标记重复信访）")
def earlier_cases_api(request, id_number: str = "", phone: str = "", name: str = "", address: str = ""):
    found = earlier_cases_of(
        user=request.user, id_number=id_number[:30], phone=phone[:20], name=name[:40], address=address[:200]
    )
    return {"items": [case_list_out(c) for c in found.visible], "hidden_count": found.hidden_count}


@router.post("/{number}/attachments", response={201: CaseOut}, summary="上传扫描件（PDF/JPG/PNG）")
def attachment_add_api(request, number: str, file: File[UploadedFile]):
    case = get_case_for_user(request.user, number=number)
    if case.registering_unit_id not in {u.pk for u in registration_units(request.user)}:
        raise PermissionDenied(_("只有登记单位可以补充扫描件。"))
    if not can_see_identity(request.user, case):
        raise Http404(_("信访件不存在或无权查看。"))
    if case.attachments.count() >= settings.ATTACHMENT_MAX_COUNT:
        raise ValidationError({"file": [_("附件最多%(n)s个。") % {"n": settings.ATTACHMENT_MAX_COUNT}]})
    checked = check_upload(file)
    stored: list[str] = []
    with transaction.atomic():
        locked = lock_case(case)
        attachment = attachment_store(
            case=locked, upload=file, checked=checked, actor=request.user, stored=stored
        )
        event_record(
            case=locked,
            kind=EventKind.ATTACHMENT_ADDED,
            actor=request.user,
            unit=locked.registering_unit,
            data={"name": attachment.original_name, "size": attachment.size},
        )
    return Status(201, case_out(case, request.user))


# --- import of historical cases from .xlsx (issue 6 §6) ---------------------------------------


class ImportJobOut(Schema):
    id: int
    status: str
    status_display: str
    unit: int
    file_name: str
    total_rows: int
    rows_checked: int
    rows_imported: int
    errors_count: int
    percent: int
    file_error: str
    report_url: str | None
    earlier_job: int | None = None


def _import_job_out(job, earlier: int | None = None) -> dict:

    return {
        "id": job.pk,
        "status": job.status,
        "status_display": str(job.get_status_display()),
        "unit": job.unit_id,
        "file_name": job.original_name,
        "total_rows": job.total_rows,
        "rows_checked": job.rows_checked,
        "rows_imported": job.rows_imported,
        "errors_count": job.errors_count,
        "percent": job.percent,
        "file_error": job.file_error,
        "report_url": f"/api/v1/cases/import/{job.pk}/report" if job.report else None,
        "earlier_job": earlier,
    }


@router.post("/import", response={202: ImportJobOut, 409: ImportJobOut}, summary="上传Excel导入历史信访件")
def case_import_api(request, file: File[UploadedFile], unit: int | None = None):
    from xinfang.intake.importing import import_submit, import_units

    units = {u.pk: u for u in import_units(request.user)}
    if not units:
        raise PermissionDenied(_("您没有导入信访件的权限。"))
    chosen = units.get(unit) if unit is not None else next(iter(units.values()))
    if chosen is None:
        raise PermissionDenied(_("您无权在该单位导入信访件。"))
    try:
        job = import_submit(user=request.user, unit=chosen, upload=file, request=request, via="api")
    except ValidationError as exc:
        earlier = getattr(exc, "job", None)
        if earlier is None:
            raise
        return Status(409, _import_job_out(earlier, earlier=earlier.pk))
    return Status(202, _import_job_out(job))


@router.get("/import/{job_id}", response=ImportJobOut, summary="导入任务的进度和结果")
def case_import_job_api(request, job_id: int):
    from xinfang.intake.importing import get_import_job_for

    return _import_job_out(get_import_job_for(request.user, job_id))

"""API v1 /exchange: receive a package, export a case or a result, fetch a package (docs/api.md)."""

import datetime
import uuid

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from xinfang.cases.access import get_case_for_user
from xinfang.common.api_schemas import ErrorOut
from xinfang.common.services import audit_record
from xinfang.exchange.access import get_package_for_user, may_export_transfer, may_import, packages_for
from xinfang.exchange.importing import package_import
from xinfang.exchange.keys import NotConfigured
from xinfang.exchange.models import ExchangePackage, Peer
from xinfang.exchange.package import PackageRejected
from xinfang.exchange.services import case_export_result, case_export_transfer, package_limits

router = Router(tags=["跨系统交换"])


class PackageOut(Schema):
    package_id: uuid.UUID
    direction: str
    kind: str
    peer: str
    case_number: str
    case_status: str
    remote_number: str
    sha256: str
    size: int
    created_at: datetime.datetime
    download_url: str


class ImportOut(Schema):
    created: bool
    message: str
    package: PackageOut


class ExportIn(Schema):
    peer: str  # the peer's deployment id
    assign: bool = False
    due_on: datetime.date | None = None
    note: str = ""


def _out(package: ExchangePackage) -> dict:
    return {
        "package_id": package.package_id,
        "direction": package.direction,
        "kind": package.kind,
        "peer": package.peer.name,
        "case_number": package.case.number,
        "case_status": package.case.status,
        "remote_number": package.remote_number,
        "sha256": package.sha256,
        "size": package.size,
        "created_at": package.created_at,
        "download_url": reverse("api-v1:exchange_package_file", args=[package.package_id]),
    }


def _refused(status: int, code: str, message: str):
    return Status(status, {"code": code, "detail": message})


ERRORS = {
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
    503: ErrorOut,
}


@router.post(
    "/packages",
    response={200: ImportOut, 201: ImportOut, **ERRORS},
    url_name="exchange_import",
    summary="导入对端系统的数据包（登记并转送或交办到本系统，重复导入不重复登记）",
)
def package_import_api(request, file: File[UploadedFile]):
    """导入对端系统发来的数据包（multipart 字段 file）。先验签、核对每个文件的校验值，通过后才写入；
    同一数据包重复导入返回 200 和原信访件（已导入）。"""
    if not may_import(request.user):
        raise PermissionDenied(_("只有信访部门的登记员、办信员或负责人可以导入交换数据包。"))
    if file.size > package_limits()["max_bytes"]:
        return _refused(413, "too_large", _("数据包超过大小限制。"))
    try:
        outcome = package_import(data=file.read(), actor=request.user, request=request, via="api")
    except PackageRejected as exc:
        audit_record(
            user=request.user,
            action="exchange_import_refused",
            object_type="exchange.package",
            detail={"reason": exc.code, "message": exc.message},
            request=request,
            via="api",
        )
        return _refused(exc.status, exc.code, exc.message)
    body = {"created": outcome.created, "message": outcome.message, "package": _out(outcome.package)}
    return Status(201 if outcome.created else 200, body)


def _export_call(call):
    try:
        package = call()
    except PackageRejected as exc:
        return _refused(exc.status, exc.code, exc.message)
    except NotConfigured as exc:
        return _refused(503, "not_configured", str(exc))
    return Status(201, _out(package))


@router.post(
    "/cases/{number}/export",
    response={201: PackageOut, **ERRORS},
    url_name="exchange_export",
    summary="把信访件转送或交办给对端系统（生成签名数据包）",
)
def case_export_api(request, number: str, payload: ExportIn):
    """转送（assign=true 时交办，须给 due_on）到对端系统，并生成签名数据包。"""
    case = get_case_for_user(request.user, number=number)
    if not may_export_transfer(request.user, case):
        raise PermissionDenied(_("您不能转送或交办本件。"))
    peer = Peer.objects.filter(deployment_id=payload.peer, is_active=True).first()
    if peer is None:
        return _refused(404, "unknown_peer", _("没有这个已启用的对端系统。"))
    if payload.assign and payload.due_on is None:
        return _refused(400, "no_due", _("交办须指定办理期限 due_on。"))
    return _export_call(
        lambda: case_export_transfer(
            case=case,
            peer=peer,
            actor=request.user,
            assign=payload.assign,
            due_on=payload.due_on,
            note=payload.note,
            request=request,
            via="api",
        )
    )


@router.post(
    "/cases/{number}/result",
    response={201: PackageOut, **ERRORS},
    url_name="exchange_result",
    summary="把对端交来信访件的办理结果回传给对端",
)
def case_result_api(request, number: str):
    """把对端交来的信访件的办理结果回传给对端（不含个人信息）；已回传过同一结果时返回原数据包。"""
    case = get_case_for_user(request.user, number=number)
    return _export_call(lambda: case_export_result(case=case, actor=request.user, request=request, via="api"))


@router.get(
    "/packages", response={200: list[PackageOut]}, url_name="exchange_packages", summary="最近的数据包列表"
)
def package_list_api(request):
    """最近的数据包（最多 200 个），只含本人可查看且可知悉信访人身份的信访件。"""
    return Status(200, [_out(package) for package in packages_for(request.user)])


@router.get(
    "/packages/{package_id}",
    response={200: PackageOut, 404: ErrorOut},
    url_name="exchange_package",
    summary="数据包详情",
)
def package_get_api(request, package_id: uuid.UUID):
    return Status(200, _out(get_package_for_user(request.user, package_id)))


@router.get(
    "/packages/{package_id}/file",
    url_name="exchange_package_file",
    summary="下载数据包（.zip）",
    response={200: None, 404: ErrorOut},
)
def package_file_api(request, package_id: uuid.UUID):
    """下载数据包（application/zip）。"""
    package = get_package_for_user(request.user, package_id)
    audit_record(
        user=request.user,
        action="exchange_package_downloaded",
        obj=package.case,
        detail={"package_id": str(package.package_id), "kind": package.kind, "peer": package.peer.name},
        request=request,
        via="api",
    )
    package.file.open("rb")
    try:
        data = package.file.read()
    finally:
        package.file.close()
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="xinfang-{package.kind}-{package.package_id}.zip"'
    )
    return response

"""API v1: the audit log of personal-data views (查阅记录) — who viewed or downloaded whose data.

The same gate and selector as the page (xinfang/common/views.py `audit_log`): the 信访部门's leaders,
supervisors, heads and admins, over the staff of their units and those below; anyone else 403. The
CSV export is itself audited.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from xinfang.common.audit_export import action_label, audit_log_csv
from xinfang.common.paging import IdFirstPaginator
from xinfang.common.selectors import can_read_audit, personal_data_views

router = Router(tags=["查阅记录"])


class AuditQuery(Schema):
    number: str = Field("", max_length=24, description="信访件编号或留言编号")
    username: str = Field("", max_length=60, description="查阅人的用户名或姓名")
    since: datetime.date | None = Field(None, description="从（含），YYYY-MM-DD")
    until: datetime.date | None = Field(None, description="到（含），YYYY-MM-DD")


class AuditEntryOut(Schema):
    at: datetime.datetime
    user: str | None
    username: str | None
    action: str
    action_label: str
    number: str
    message: str
    ip: str | None
    via: str
    api_token: str


class AuditPage(Schema):
    page: int
    count: int
    pages: int


class AuditPageOut(Schema):
    items: list[AuditEntryOut]
    pagination: AuditPage


def _entries(request, q: AuditQuery):
    if not can_read_audit(request.user):
        raise PermissionDenied(_("只有信访部门的领导、督办员、负责人和管理员可以查看查阅记录。"))
    filters = {k: v for k, v in q.dict().items() if v}
    return personal_data_views(user=request.user, **filters), filters


def _entry_out(entry) -> dict:
    detail = entry.detail or {}
    return {
        "at": entry.at,
        "user": entry.user.get_full_name() if entry.user else None,
        "username": entry.user.username if entry.user else None,
        "action": entry.action,
        "action_label": action_label(entry.action),
        "number": detail.get("number", ""),
        "message": detail.get("message", ""),
        "ip": entry.ip,
        "via": entry.via,
        "api_token": detail.get("api_token", ""),
    }


@router.get(
    "",
    response={200: AuditPageOut, 403: dict, 422: dict},
    summary="查阅记录：本单位及下级单位工作人员查看、下载个人信息的记录（新的在前）",
)
def audit_log_api(request, q: Query[AuditQuery], page: int = 1):
    entries, _filters = _entries(request, q)
    paged = IdFirstPaginator(entries, settings.PAGE_SIZE).get_page(page)
    return {
        "items": [_entry_out(entry) for entry in paged.object_list],
        "pagination": {
            "page": paged.number,
            "count": paged.paginator.count,
            "pages": paged.paginator.num_pages,
        },
    }


@router.get(
    "/export", response={200: None, 403: dict, 422: dict}, summary="导出查阅记录为CSV（导出本身留痕）"
)
def audit_log_export_api(request, q: Query[AuditQuery]):
    entries, filters = _entries(request, q)
    return audit_log_csv(user=request.user, entries=entries, filters=filters, request=request, via="api")

"""API v1: the 信访件台账 (count and Excel), the workbench's Excel export and its 待审批 list.

The same selectors, gates and export service as the pages (xinfang/cases/export_views.py, views.py
`workbench`); mounted before the case router so `/cases/ledger` is not taken for a case number.
"""

import datetime

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from xinfang.cases.export_api import ExportJobOut, _job_out
from xinfang.cases.export_jobs import export_start
from xinfang.cases.exports import (
    XLSX,
    ExportInputError,
    ledger_export_request,
    workbench_export_request,
)
from xinfang.cases.ledger import ledger_count, ledger_form
from xinfang.cases.schemas import CaseListOut, case_list_out
from xinfang.cases.selectors import decisions_for
from xinfang.orgs.access import seats_of

router = Router(tags=["查询与导出"])


class CaseLedgerQuery(Schema):
    received_from: str = ""
    received_to: str = ""
    unit: str = ""
    subtree: bool = False
    channel: str = ""
    state: str = ""


class CaseLedgerOut(Schema):
    unit: int
    unit_name: str
    received_from: datetime.date
    received_to: datetime.date
    subtree: bool
    count: int
    export_url: str


def _params(q: CaseLedgerQuery) -> dict:
    """The query as the page's form reads it: what was given, unticked boxes left out."""
    return {key: value for key, value in q.dict().items() if value not in ("", False)}


def export_answer(request, build):
    """Start an export (`build()` → ExportRequest): the .xlsx at once, or 202 with its job; 400 if bad."""
    try:
        started = export_start(user=request.user, request=build(), http_request=request, via="api")
    except ExportInputError as error:
        return Status(400, {"code": "invalid", "detail": str(error)})
    if started.job is not None:
        return Status(202, _job_out(started.job))
    return FileResponse(started.spool, as_attachment=True, filename=started.filename, content_type=XLSX)


@router.get(
    "/ledger",
    response={200: CaseLedgerOut, 400: dict, 422: dict},
    summary="信访件台账：按信访日期、单位（可含下级）、信访形式、状态统计件数",
    description="参数同网页台账：received_from、received_to（YYYY-MM-DD，最长三年）、unit（单位ID）、subtree、channel（形式ID）、state（open、closed 或状态代码）。",
)
def ledger_api(request, q: Query[CaseLedgerQuery]):
    form = ledger_form(request.user, _params(q))
    if not form.is_valid():
        errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        return Status(400, {"code": "invalid", "detail": _("台账条件有误。"), "errors": errors})
    data = form.cleaned_data
    query = request.GET.urlencode()
    return {
        "unit": data["unit"].pk,
        "unit_name": data["unit"].name,
        "received_from": data["received_from"],
        "received_to": data["received_to"],
        "subtree": bool(data.get("subtree")),
        "count": ledger_count(request.user, data),
        "export_url": f"/api/v1/cases/ledger/export?{query}",
    }


@router.get(
    "/ledger/export",
    response={200: None, 202: ExportJobOut, 400: dict, 422: dict},
    summary="导出信访件台账为Excel（个人信息按权限遮盖）",
    description="参数同 GET /api/v1/cases/ledger。件数超过 EXPORT_SYNC_MAX_ROWS 时返回 202 和导出任务。",
)
def ledger_export_api(request, q: Query[CaseLedgerQuery]):
    return export_answer(request, lambda: ledger_export_request(request.user, _params(q)))


@router.get(
    "/workbench/export",
    response={200: None, 202: ExportJobOut, 400: dict, 422: dict},
    summary="导出工作台一组待办件为Excel（unit 本人任职单位，group overdue|due_soon|later|none）",
)
def workbench_export_api(request, unit: int, group: str):
    return export_answer(
        request, lambda: workbench_export_request(request.user, {"unit": str(unit), "group": group})
    )


@router.get(
    "/workbench/to-decide",
    response={200: list[CaseListOut], 404: dict, 422: dict},
    summary="工作台“待审批”：本单位待负责人或信访部门决定的延期、意见书、办结报告（最多20件）",
    description="仅单位负责人、办信员、督办员可见，其他岗位返回空列表。unit 缺省为第一个任职单位。",
)
def workbench_to_decide_api(request, unit: int | None = None):
    seats = {seat.unit.pk: seat.unit for seat in seats_of(request.user)}
    chosen = seats.get(unit) if unit is not None else next(iter(seats.values()), None)
    if chosen is None:
        raise Http404(_("您不在该单位任职。"))
    return [case_list_out(c) for c in decisions_for(user=request.user, unit=chosen)]

"""API v1: the cases behind a figure — one KPI's numerator or denominator (with its Excel export) and
one figure of the 数据看板 (docs/kpis.md, docs/dashboard.md).

The same selectors and gates as the pages (`kpis.kpi_drilldown`, `dashboard.drilldown_visible`, the
export service): only cases the caller may see are listed; a unit they may not see answers 404.
"""

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema, Status

from xinfang.cases.export_api import ExportJobOut
from xinfang.cases.exports import kpi_export_request
from xinfang.cases.ledger_api import export_answer
from xinfang.cases.schemas import CaseListOut, case_list_out
from xinfang.common.paging import IdFirstPaginator
from xinfang.orgs.access import seats_of
from xinfang.reporting import dashboard as dash
from xinfang.reporting import kpis

router = Router(tags=["统计指标"])


class DrilldownPage(Schema):
    page: int
    count: int
    pages: int


class CasesOut(Schema):
    what: str
    unit: int
    period: str
    items: list[CaseListOut]
    pagination: DrilldownPage


def _first_unit(request: HttpRequest):
    seats = seats_of(request.user)
    return seats[0].unit if seats else None


def _cases_page(cases, number: int) -> tuple[list[dict], dict]:
    page = IdFirstPaginator(cases.select_related("owner_unit"), settings.PAGE_SIZE).get_page(number)
    meta = {"page": page.number, "count": page.paginator.count, "pages": page.paginator.num_pages}
    return [case_list_out(c) for c in page.object_list], meta


def _invalid(message: str) -> Status:
    return Status(400, {"code": "invalid", "detail": message})


@router.get(
    "/kpis/cases",
    response={200: CasesOut, 400: dict, 404: dict, 422: dict},
    summary="统计指标的分子或分母信访件（kpi 指标代码，part num|den；其余参数同 /reports/kpis）",
)
def kpi_cases_api(
    request: HttpRequest,
    kpi: str,
    part: str,
    unit: str = "",
    period: str = "",
    side: str = "bureau",
    channel: str = "",
    subtree: str = "1",
    page: int = 1,
):
    if kpi not in kpis.KPI_CODES:
        return _invalid(f"没有这个统计指标，可用：{'、'.join(kpis.KPI_CODES)}。")
    if part not in ("num", "den"):
        return _invalid("part 只能是 num（分子）或 den（分母）。")
    params = {"unit": unit, "period": period, "side": side, "channel": channel, "subtree": subtree}
    try:
        scope = kpis.kpi_scope_for(request.user, default_unit=_first_unit(request), params=params)
    except kpis.KpiScopeError as error:
        return _invalid(str(error))
    _result, cases = kpis.kpi_drilldown(request.user, scope, kpi, part)
    items, meta = _cases_page(cases, page)
    label = "分子" if part == "num" else "分母"
    what = f"{kpis.KPI_NAMES[kpi]}{label}"
    return {
        "what": what,
        "unit": scope.unit.pk,
        "period": scope.period.code,
        "items": items,
        "pagination": meta,
    }


@router.get(
    "/kpis/cases/export",
    response={200: None, 202: ExportJobOut, 400: dict, 404: dict, 422: dict},
    summary="导出统计指标的分子或分母信访件为Excel（参数同 /reports/kpis/cases；个人信息按权限遮盖）",
)
def kpi_cases_export_api(
    request: HttpRequest,
    kpi: str,
    part: str,
    unit: str = "",
    period: str = "",
    side: str = "bureau",
    channel: str = "",
    subtree: str = "1",
):
    params = {"kpi": kpi, "part": part, "unit": unit, "period": period, "side": side}
    params |= {"channel": channel, "subtree": subtree}
    return export_answer(
        request, lambda: kpi_export_request(request.user, params, default_unit=_first_unit(request))
    )


@router.get(
    "/dashboard/cases",
    response={200: CasesOut, 400: dict, 403: dict, 404: dict, 422: dict},
    summary="数据看板某个数字背后的信访件（dim、key、month、at 同看板各数字的链接参数）",
)
def dashboard_cases_api(
    request: HttpRequest,
    dim: str = "",
    key: str = "",
    month: str = "",
    at: str = "",
    unit: str = "",
    period: str = "",
    page: int = 1,
):
    params = {"unit": unit, "period": period, "dim": dim, "key": key, "month": month, "at": at}
    try:
        scope = dash.dashboard_scope_for(request.user, default_unit=_first_unit(request), params=params)
        cases, what = dash.drilldown_visible(request.user, scope, params)
    except dash.NoUnit:
        return Status(403, {"detail": "您的账号还没有所属单位或岗位，不能查看数据看板。", "code": "no_unit"})
    except dash.DashboardError as error:
        return _invalid(str(error))
    items, meta = _cases_page(cases, page)
    return {
        "what": what,
        "unit": scope.unit.pk,
        "period": scope.period.code,
        "items": items,
        "pagination": meta,
    }

"""API v1: GET /api/v1/reports/dashboard — the 数据看板's figures as JSON (issue 6 §2).

The same payload as the page (xinfang/reporting/dashboard_views.py `dashboard_payload`), with the
seven KPIs and every figure's link to the cases behind it. docs/dashboard.md.
"""

from django.http import HttpRequest
from ninja import Router, Status

from xinfang.orgs.access import seats_of
from xinfang.reporting import dashboard as dash
from xinfang.reporting.dashboard_views import dashboard_payload
from xinfang.reporting.kpis import kpi_rows

router = Router(tags=["数据看板"])


@router.get(
    "/dashboard",
    response={200: dict, 400: dict, 403: dict, 404: dict},
    summary="数据看板：信访量（按形式、分类、属地、单位、月份）、上升最快分类、超期与即将到期、督办催办、抽查回访、统计指标",
)
def dashboard_api(request: HttpRequest, unit: str = "", period: str = "", kpis: str = "1"):
    if kpis not in ("0", "1"):
        return Status(400, {"detail": "kpis 参数只能是 0 或 1。", "code": "invalid"})
    seats = seats_of(request.user)
    try:
        scope = dash.dashboard_scope_for(
            request.user,
            default_unit=seats[0].unit if seats else None,
            params={"unit": unit, "period": period},
        )
    except dash.NoUnit:
        return Status(403, {"detail": "您的账号还没有所属单位或岗位，不能查看数据看板。", "code": "no_unit"})
    except dash.DashboardError as error:
        return Status(400, {"detail": str(error), "code": "invalid"})
    payload = dashboard_payload(dash.dashboard(scope))
    payload["kpis"] = kpi_rows(scope) if kpis == "1" else None
    return payload

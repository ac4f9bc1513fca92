"""API v1: GET /api/v1/reports/kpis — the seven KPIs of a unit, period, side and channel (issue 6 §1)."""

from django.http import HttpRequest
from ninja import Router, Schema, Status

from xinfang.orgs.access import seats_of
from xinfang.reporting import kpis

router = Router(tags=["统计指标"])


class KpiOut(Schema):
    code: str
    name: str
    definition: str
    numerator: int
    denominator: int
    rate: float | None
    numerator_cases: str
    denominator_cases: str


class KpisOut(Schema):
    unit: int
    unit_name: str
    period: str
    start: str
    end: str
    side: str
    subtree: bool
    channel: str | None
    kpis: list[KpiOut]


def _scope(request: HttpRequest, **params: str) -> kpis.KpiScope:
    """The caller's KPI scope from the query (their first seat's unit by default); KpiScopeError if bad."""
    seats = seats_of(request.user)
    return kpis.kpi_scope_for(request.user, default_unit=seats[0].unit if seats else None, params=params)


@router.get(
    "/kpis",
    response={200: KpisOut, 400: dict, 404: dict},
    summary="统计指标：及时受理率、按期办结率、参评率、满意率、重复信访率、网信占比、一次性化解率",
)
def kpis_api(
    request: HttpRequest,
    unit: str = "",
    period: str = "",
    side: str = "bureau",
    channel: str = "",
    subtree: str = "1",
):
    try:
        scope = _scope(request, unit=unit, period=period, side=side, channel=channel, subtree=subtree)
    except kpis.KpiScopeError as error:
        return Status(400, {"detail": str(error), "code": "invalid"})
    base = kpis.scope_params(scope)
    rows = kpis.kpi_rows(scope)
    return {
        "unit": scope.unit.pk,
        "unit_name": scope.unit.name,
        "period": scope.period.code,
        "start": scope.period.start.isoformat(),
        "end": scope.period.end.isoformat(),
        "side": scope.side,
        "subtree": scope.subtree,
        "channel": base.get("channel"),
        "kpis": rows,
    }


@router.get(
    "/kpis/export",
    response={200: None, 400: dict, 404: dict},
    summary="导出统计指标表为Excel（本单位及下级单位）",
)
def kpis_export_api(
    request: HttpRequest,
    unit: str = "",
    period: str = "",
    side: str = "bureau",
    channel: str = "",
    subtree: str = "1",
):
    from xinfang.reporting.kpi_exports import kpi_export_response

    try:
        scope = _scope(request, unit=unit, period=period, side=side, channel=channel, subtree=subtree)
    except kpis.KpiScopeError as error:
        return Status(400, {"detail": str(error), "code": "invalid"})
    return kpi_export_response(request, scope, via="api")

"""The KPI page and its drill-down lists (issue 6 §1): thin views over xinfang/reporting/kpis.py."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from xinfang.common.paging import IdFirstPaginator
from xinfang.orgs.access import current_unit
from xinfang.reference.models import Channel
from xinfang.reporting import kpis
from xinfang.reporting.periods import recent_periods


def _links(scope: kpis.KpiScope, results) -> list[dict]:
    base = kpis.scope_params(scope)
    rows = []
    for result in results:
        link = {**base, "kpi": result.code}
        rows.append(
            {
                "result": result,
                "num_url": "cases/?" + urlencode({**link, "part": "num"}),
                "den_url": "cases/?" + urlencode({**link, "part": "den"}),
            }
        )
    return rows


@login_required
@require_GET
def kpi_page(request):
    try:
        scope = kpis.kpi_scope_for(request.user, default_unit=current_unit(request), params=request.GET)
    except kpis.KpiScopeError as error:
        return render(request, "reporting/kpis.html", {"error": str(error)}, status=400)
    table = kpis.kpi_table_cached(scope)
    children = []
    if scope.unit.is_bureau and scope.subtree:  # the per-unit table of a 信访部门
        for child, counts in table.children:
            child_scope = kpis.KpiScope(
                unit=child, period=scope.period, side=scope.side, channel_id=scope.channel_id
            )
            children.append({"unit": child, "rows": _links(child_scope, counts)})
    context = {
        "scope": scope,
        "rows": _links(scope, table.own),
        "children": children,
        "names": [kpis.KPI_NAMES[code] for code in kpis.KPI_CODES],
        "periods": recent_periods(timezone.localdate()),
        "channels": Channel.objects.filter(is_active=True),
        "sides": kpis.Side.choices,
        "export_query": urlencode(kpis.scope_params(scope)),
    }
    return render(request, "reporting/kpis.html", context)


@login_required
@require_GET
def kpi_cases(request):
    code = request.GET.get("kpi", "")
    part = request.GET.get("part", "")
    if code not in kpis.KPI_CODES or part not in ("num", "den"):
        raise Http404
    try:
        scope = kpis.kpi_scope_for(request.user, default_unit=current_unit(request), params=request.GET)
    except kpis.KpiScopeError as error:
        raise Http404 from error
    result, cases = kpis.kpi_drilldown(request.user, scope, code, part)
    page = IdFirstPaginator(cases, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    query = {**kpis.scope_params(scope), "kpi": code, "part": part}
    context = {
        "scope": scope,
        "result": result,
        "part": part,
        "page": page,
        "today": timezone.localdate(),
        "pager_query": urlencode(query) + "&",
        "back_query": urlencode(kpis.scope_params(scope)),
    }
    return render(request, "reporting/kpi_cases.html", context)


@login_required
@require_GET
def kpi_export(request):
    """The KPI table as .xlsx: the same scope (and the same gate) as the page."""
    from xinfang.reporting.kpi_exports import kpi_export_response

    try:
        scope = kpis.kpi_scope_for(request.user, default_unit=current_unit(request), params=request.GET)
    except kpis.KpiScopeError as error:
        return render(request, "cases/export_error.html", {"error": str(error)}, status=400)
    return kpi_export_response(request, scope)

"""数据看板 pages (issue 6 §2): the dashboard, its print view, the KPI cards and the drill-down lists.

Thin views over xinfang/reporting/dashboard.py; `dashboard_payload` is also the API's answer, so page
and API show the same figures with the same links.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from xinfang.common.paging import IdFirstPaginator
from xinfang.orgs.access import current_unit, sees_everything, visible_unit_ids
from xinfang.orgs.models import Unit
from xinfang.reporting import dashboard as dash
from xinfang.reporting import kpis
from xinfang.reporting.periods import recent_periods
from xinfang.supervision.selectors import CALLBACK_OUTCOMES


def _cases_url(scope: kpis.KpiScope, **params) -> str:
    query = {"unit": scope.unit.pk, "period": scope.period.code, **params}
    return reverse("reporting:dashboard-cases") + "?" + urlencode(query)


def _breakdown(scope, board: dash.Dashboard, breakdown: dash.Breakdown) -> dict:
    rows = []
    for row in breakdown.rows:
        link = {"dim": breakdown.dimension, "key": row.key}
        rows.append(
            {
                "key": row.key,
                "label": row.label,
                "months": row.months,
                "total": row.total,
                "url": _cases_url(scope, **link),
                "month_urls": [_cases_url(scope, **link, month=f"{m:%Y-%m}") for m in board.months],
            }
        )
    return {"dimension": breakdown.dimension, "title": breakdown.title, "rows": rows}


def dashboard_payload(board: dash.Dashboard) -> dict:
    """Every figure of the dashboard with the link to the cases behind it (page, print and API)."""
    scope = board.scope
    return {
        "unit": scope.unit.pk,
        "unit_name": scope.unit.name,
        "side": scope.side,
        "period": scope.period.code,
        "period_label": scope.period.label,
        "start": scope.period.start.isoformat(),
        "end": scope.period.end.isoformat(),
        "previous_period": board.previous.code,
        "months": [f"{m:%Y-%m}" for m in board.months],
        "month_labels": [f"{m.year}年{m.month}月" for m in board.months],
        "total": board.total,
        "total_url": _cases_url(scope, dim="total", key="all"),
        "previous_total": board.previous_total,
        "breakdowns": [_breakdown(scope, board, b) for b in board.breakdowns],
        "rising": [
            {
                "key": r.key,
                "label": r.label,
                "current": r.current,
                "previous": r.previous,
                "change": r.change,
                "percent": r.percent,
                "url": _cases_url(scope, dim="category", key=r.key),
            }
            for r in board.rising
        ],
        "due": {
            "today": board.today.isoformat(),
            "soon_until": board.soon_until.isoformat(),
            "working_days": settings.DUE_SOON_WORKING_DAYS,
            "overdue_total": sum(r.overdue for r in board.due),
            "due_soon_total": sum(r.due_soon for r in board.due),
            "rows": [
                {
                    "unit": r.unit.pk,
                    "unit_name": r.unit.name,
                    "overdue": r.overdue,
                    "due_soon": r.due_soon,
                    "overdue_url": _cases_url(scope, dim="overdue", key=r.unit.pk),
                    "due_soon_url": _cases_url(scope, dim="due_soon", key=r.unit.pk),
                }
                for r in board.due
            ],
        },
        "supervision": [
            {
                "code": code,
                "label": str(_(dash.SUPERVISION_LABELS[code])),
                "count": board.supervision[code],
                "url": _cases_url(scope, dim="supervision", key=code),
            }
            for code in dash.SUPERVISION_FIGURES
        ],
        "urges": {**board.urges, "url": _cases_url(scope, dim="urge", key="all")},
        "callbacks": [
            {
                "unit": r.unit.pk,
                "unit_name": r.unit.name,
                **{code: getattr(r, code) for code in CALLBACK_OUTCOMES},
                "supervised": r.supervised,
                "satisfaction_rate": r.satisfaction_rate,
                "urls": {
                    code: _cases_url(scope, dim="callback", key=code, at=r.unit.pk)
                    for code in CALLBACK_OUTCOMES
                },
            }
            for r in board.callbacks
        ],
    }


def _charts(payload: dict) -> dict:
    """What static/js/dashboard.js draws (embedded with json_script; the tables carry the same numbers)."""
    charts = {}
    for breakdown in payload["breakdowns"]:
        stacked = breakdown["dimension"] in ("group", "channel")
        charts[breakdown["dimension"]] = {
            "kind": "stacked" if stacked else "totals",
            "categories": payload["month_labels"] if stacked else [r["label"] for r in breakdown["rows"]],
            "series": [
                {"name": r["label"], "data": r["months"], "urls": r["month_urls"]} for r in breakdown["rows"]
            ]
            if stacked
            else [
                {
                    "name": str(_("件数")),
                    "data": [r["total"] for r in breakdown["rows"]],
                    "urls": [r["url"] for r in breakdown["rows"]],
                }
            ],
        }
    charts["rising"] = {
        "kind": "totals",
        "categories": [r["label"] for r in payload["rising"]],
        "series": [
            {
                "name": str(_("增加件数")),
                "data": [r["change"] for r in payload["rising"]],
                "urls": [r["url"] for r in payload["rising"]],
            }
        ],
    }
    due_rows = payload["due"]["rows"][:15]
    charts["due"] = {
        "kind": "grouped",
        "categories": [r["unit_name"] for r in due_rows],
        "series": [
            {
                "name": str(_("已超期")),
                "data": [r["overdue"] for r in due_rows],
                "urls": [r["overdue_url"] for r in due_rows],
            },
            {
                "name": str(_("即将到期")),
                "data": [r["due_soon"] for r in due_rows],
                "urls": [r["due_soon_url"] for r in due_rows],
            },
        ],
    }
    return charts


def _unit_choices(user, scope: kpis.KpiScope) -> list[Unit]:
    """Units the user may narrow to: every unit they may see, in tree order."""
    if sees_everything(user):
        return list(Unit.objects.filter(is_active=True).order_by("path"))
    return list(Unit.objects.filter(pk__in=visible_unit_ids(user), is_active=True).order_by("path"))


def _resolve(request):
    """(scope, None) or (None, response) for a user without a unit or a bad parameter."""
    try:
        scope = dash.dashboard_scope_for(request.user, default_unit=current_unit(request), params=request.GET)
    except dash.NoUnit:
        return None, render(request, "reporting/dashboard_no_unit.html", status=403)
    except dash.DashboardError as error:
        return None, render(request, "reporting/dashboard_error.html", {"error": str(error)}, status=400)
    return scope, None


@login_required
@require_GET
def dashboard_page(request, print_view: bool = False):
    scope, refusal = _resolve(request)
    if refusal is not None:
        return refusal
    board = dash.dashboard(scope)
    payload = dashboard_payload(board)
    for breakdown in payload["breakdowns"]:
        for row in breakdown["rows"]:
            row["cells"] = list(zip(row["months"], row["month_urls"], strict=True))
    print_view = print_view or request.GET.get("print") == "1"
    context = {
        "scope": scope,
        "board": board,
        "data": payload,
        "query": urlencode({"unit": scope.unit.pk, "period": scope.period.code}),
    }
    if print_view:
        context["kpis"] = kpis.kpi_rows(scope)
        context["printed_at"] = timezone.localtime()
        return render(request, "reporting/dashboard_print.html", context)
    context.update(
        {
            "charts": _charts(payload),
            "periods": recent_periods(timezone.localdate()),
            "units": _unit_choices(request.user, scope),
        }
    )
    return render(request, "reporting/dashboard.html", context)


@login_required
@require_GET
def dashboard_print(request):
    return dashboard_page(request, print_view=True)


@login_required
@require_GET
def dashboard_kpis(request):
    """The KPI cards, fetched by the page after it is shown (the KPIs are the slow part, docs/dashboard.md)."""
    scope, refusal = _resolve(request)
    if refusal is not None:
        return refusal
    return render(request, "reporting/_dashboard_kpis.html", {"kpis": kpis.kpi_rows(scope), "scope": scope})


@login_required
@require_GET
def dashboard_cases(request):
    """The cases behind one figure of the dashboard (the same filter as the count, within what the user sees)."""
    scope, refusal = _resolve(request)
    if refusal is not None:
        return refusal
    try:
        cases, what = dash.drilldown_visible(request.user, scope, request.GET)
    except dash.DashboardError as error:
        return render(request, "reporting/dashboard_error.html", {"error": str(error)}, status=400)
    page = IdFirstPaginator(cases, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    keep = {k: request.GET[k] for k in ("unit", "period", "dim", "key", "month", "at") if request.GET.get(k)}
    context = {
        "scope": scope,
        "what": what,
        "page": page,
        "today": timezone.localdate(),
        "pager_query": urlencode(keep) + "&",
        "back_query": urlencode({"unit": scope.unit.pk, "period": scope.period.code}),
    }
    return render(request, "reporting/dashboard_cases.html", context)

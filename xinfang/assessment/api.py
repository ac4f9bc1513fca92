"""API v1 of the assessment (issue 6 §4), mounted at /api/v1/assessment.

Same gate as the pages: the assessing bureau's 督查/领导/负责人 manage; an assessed unit reads its own
score after 定稿; anything else is 404. Bad input: 400 (rules), 422 (malformed body), 409 (定稿 or
already there), never 500.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status

from xinfang.assessment import access, selectors, services
from xinfang.assessment.models import RuleSet, UnitScore
from xinfang.reporting import kpis
from xinfang.reporting.periods import parse_period

router = Router(tags=["目标管理考核"])
ERRORS = {400: dict, 404: dict, 409: dict, 422: dict}


class DeductionIn(Schema):
    points_per_event: Decimal | None = None
    cap: Decimal | None = None
    threshold: int | None = None
    is_active: bool | None = None


class RuleSetCreateIn(Schema):
    period: str
    bureau: int | None = None


class RuleSetUpdateIn(Schema):
    title: str | None = None
    weight_timely_accept: Decimal | None = None
    weight_on_time: Decimal | None = None
    weight_participation: Decimal | None = None
    weight_satisfaction: Decimal | None = None
    weight_repeat: Decimal | None = None
    weight_online: Decimal | None = None
    weight_one_time: Decimal | None = None
    no_denominator: str | None = None
    key_task_points: Decimal | None = None
    base_points: Decimal | None = None
    deductions: dict[str, DeductionIn] | None = None


class KeyTasksIn(Schema):
    points: dict[int, Decimal]


class AdjustmentIn(Schema):
    unit: int
    points: Decimal
    reason: str


def _num(value) -> str:
    """Points as shown everywhere: two decimals ("10.00")."""
    return str(services.scoring.money(value))


def _conflict(message: str) -> Status:
    return Status(409, {"code": "conflict", "detail": message})


def _rule_set_out(rule_set: RuleSet) -> dict:
    return {
        "id": rule_set.pk,
        "bureau": rule_set.bureau_id,
        "bureau_name": rule_set.bureau.name,
        "period": rule_set.period_code,
        "start": rule_set.period_start.isoformat(),
        "end": rule_set.period_end.isoformat(),
        "title": str(rule_set),
        "status": rule_set.status,
        "status_label": rule_set.get_status_display(),
        "weights": {code: _num(rule_set.weight(code)) for code in kpis.KPI_CODES},
        "no_denominator": rule_set.no_denominator,
        "key_task_points": _num(rule_set.key_task_points),
        "base_points": _num(rule_set.base_points),
        "deductions": [
            {
                "code": rule.code,
                "label": rule.get_code_display(),
                "points_per_event": _num(rule.points_per_event),
                "cap": _num(rule.cap),
                "threshold": rule.threshold,
                "is_active": rule.is_active,
                "source": rule.source,
            }
            for rule in services.scoring.ordered_rules(rule_set)
        ],
        "computed_at": rule_set.computed_at.isoformat() if rule_set.computed_at else None,
        "finalized_at": rule_set.finalized_at.isoformat() if rule_set.finalized_at else None,
        "stale": rule_set.is_stale,
    }


def _score_out(score: UnitScore) -> dict:
    return {
        "unit": score.unit_id,
        "unit_name": score.unit.name,
        "rank": score.rank,
        "total": str(score.total),
        "kpi_points": str(score.kpi_points),
        "key_task_points": str(score.key_task_points),
        "base_points": str(score.base_points),
        "deductions": str(score.deductions),
        "adjustments": str(score.adjustments),
        "items": score.items,
    }


def _managed_bureau(request, bureau_id: int | None):
    bureaus = access.managed_bureaus(request.user)
    if bureau_id is None:
        if not bureaus:
            raise Http404("没有可管理的考核单位。")
        return bureaus[0]
    for bureau in bureaus:
        if bureau.pk == bureau_id:
            return bureau
    raise Http404("考核单位不存在或无权管理。")


@router.get("/rule-sets", response={200: list[dict], 404: dict}, summary="考核规则列表（本局各期）")
def rule_sets_list(request: HttpRequest, bureau: int | None = None):
    chosen = _managed_bureau(request, bureau)
    return [_rule_set_out(rule_set) for rule_set in selectors.rule_sets_of(chosen).select_related("bureau")]


@router.post("/rule-sets", response={201: dict, **ERRORS}, summary="新建一期考核规则（沿用上一期或默认规则）")
def rule_sets_create(request: HttpRequest, payload: RuleSetCreateIn):
    bureau = _managed_bureau(request, payload.bureau)
    period = parse_period(payload.period)  # a Chinese ValidationError → 400
    if selectors.rule_set_for(bureau=bureau, period=period) is not None:
        return _conflict(f"{period.label}的考核规则已经有了。")
    rule_set = services.rule_set_create(bureau=bureau, period=period, acting_user=request.user)
    return Status(201, _rule_set_out(rule_set))


@router.get("/rule-sets/{rule_set_id}", response={200: dict, 404: dict}, summary="一期考核规则")
def rule_sets_get(request: HttpRequest, rule_set_id: int):
    return _rule_set_out(access.rule_set_to_manage(request.user, rule_set_id))


@router.patch("/rule-sets/{rule_set_id}", response={200: dict, **ERRORS}, summary="修改权重和扣分项")
def rule_sets_update(request: HttpRequest, rule_set_id: int, payload: RuleSetUpdateIn):
    rule_set = access.rule_set_to_manage(request.user, rule_set_id)
    given = payload.dict(exclude_unset=True)
    deductions = {
        code: {k: v for k, v in rule.items() if v is not None}
        for code, rule in (given.pop("deductions", None) or {}).items()
    }
    values = {field: value for field, value in given.items() if value is not None}
    try:
        rule_set = services.rule_set_update(
            rule_set=rule_set, values=values, deductions=deductions, acting_user=request.user
        )
    except services.AssessmentLocked as error:
        return _conflict(str(error))
    return _rule_set_out(rule_set)


@router.post("/rule-sets/{rule_set_id}/copy", response={201: dict, **ERRORS}, summary="复制到下一期")
def rule_sets_copy(request: HttpRequest, rule_set_id: int):
    rule_set = access.rule_set_to_manage(request.user, rule_set_id)
    try:
        new = services.rule_set_copy_to_next(rule_set=rule_set, acting_user=request.user)
    except ValidationError as error:
        return _conflict(" ".join(error.messages))
    return Status(201, _rule_set_out(new))


@router.post("/rule-sets/{rule_set_id}/key-tasks", response={200: dict, **ERRORS}, summary="录入重点工作得分")
def key_tasks_api(request: HttpRequest, rule_set_id: int, payload: KeyTasksIn):
    rule_set = access.rule_set_to_manage(request.user, rule_set_id)
    try:
        services.key_tasks_set(rule_set=rule_set, points=payload.points, acting_user=request.user)
    except services.AssessmentLocked as error:
        return _conflict(str(error))
    return {"saved": len(payload.points)}


@router.post(
    "/rule-sets/{rule_set_id}/compute", response={200: dict, **ERRORS}, summary="计算（或重新计算）得分"
)
def compute_api(request: HttpRequest, rule_set_id: int):
    rule_set = access.rule_set_to_manage(request.user, rule_set_id)
    try:
        services.assessment_compute(rule_set=rule_set, acting_user=request.user)
    except services.AssessmentLocked as error:
        return _conflict(str(error))
    rule_set.refresh_from_db()
    return {
        "rule_set": _rule_set_out(rule_set),
        "results": [_score_out(s) for s in selectors.scores_of(rule_set)],
    }


@router.get("/rule-sets/{rule_set_id}/results", response={200: dict, 404: dict}, summary="得分和名次")
def results_api(request: HttpRequest, rule_set_id: int):
    rule_set, visible = access.rule_set_to_view(request.user, rule_set_id)
    scores = [s for s in selectors.scores_of(rule_set) if visible is None or s.unit_id in visible]
    return {
        "rule_set": rule_set.pk,
        "period": rule_set.period_code,
        "status": rule_set.status,
        "results": [_score_out(score) for score in scores],
    }


@router.get(
    "/rule-sets/{rule_set_id}/results/{unit_id}",
    response={200: dict, 404: dict},
    summary="一个单位的得分明细",
)
def unit_result_api(request: HttpRequest, rule_set_id: int, unit_id: int):
    rule_set, visible = access.rule_set_to_view(request.user, rule_set_id)
    unit = access.unit_to_view(request.user, rule_set, visible, unit_id)
    score = rule_set.scores.select_related("unit").get(unit=unit)
    return {
        **_score_out(score),
        "adjustment_log": [
            {
                "points": str(a.points),
                "reason": a.reason,
                "by": str(a.created_by),
                "at": a.created_at.isoformat(),
            }
            for a in selectors.adjustments_of(rule_set, unit)
        ],
    }


@router.post(
    "/rule-sets/{rule_set_id}/adjustments", response={201: dict, **ERRORS}, summary="加分或扣分（须写理由）"
)
def adjustments_create(request: HttpRequest, rule_set_id: int, payload: AdjustmentIn):
    rule_set = access.rule_set_to_manage(request.user, rule_set_id)
    unit = access.unit_to_view(request.user, rule_set, None, payload.unit)
    try:
        adjustment = services.adjustment_create(
            rule_set=rule_set,
            unit=unit,
            points=payload.points,
            reason=payload.reason,
            acting_user=request.user,
        )
    except services.AssessmentLocked as error:
        return _conflict(str(error))
    score = rule_set.scores.select_related("unit").get(unit=unit)
    return Status(201, {"id": adjustment.pk, "points": str(adjustment.points), "score": _score_out(score)})


@router.post("/rule-sets/{rule_set_id}/finalize", response={200: dict, **ERRORS}, summary="定稿（锁定结果）")
def finalize_api(request: HttpRequest, rule_set_id: int):
    rule_set = access.rule_set_to_manage(request.user, rule_set_id)
    try:
        rule_set = services.assessment_finalize(rule_set=rule_set, acting_user=request.user)
    except services.AssessmentLocked as error:
        return _conflict(str(error))
    return _rule_set_out(rule_set)

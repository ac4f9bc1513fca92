"""Counting and scoring (issue 6 §4): every item of every assessed unit in a few grouped queries.

Assessed units are the active children of the assessing 信访局 (its handling units, and for a city
its county 信访局); like `kpis_by_child`, each child's counts cover its subtree. One query per
deduction item groups by the unit an event belongs to and rolls it up to the child.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DateField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from xinfang.assessment.choices import DEDUCTION_ORDER, DeductionCode, NoDenominator
from xinfang.assessment.models import DeductionRule, RuleSet
from xinfang.cases.choices import EvaluationLevel
from xinfang.cases.models import Case, CaseDeadline
from xinfang.orgs.models import Membership, Role, Unit
from xinfang.reporting import kpis
from xinfang.reporting.periods import Period, parse_period
from xinfang.reporting.submission_selectors import submission_counts
from xinfang.supervision.choices import CallbackStatus
from xinfang.supervision.models import Callback, Supervision

CENT = Decimal("0.01")
# 未落实专人: the roles that operate the system for a unit (接收办理、登记).
OPERATOR_ROLES = (Role.HANDLER, Role.REGISTRAR)


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def rule_period(rule_set: RuleSet) -> Period:
    return parse_period(rule_set.period_code)


def assessed_units(bureau: Unit) -> list[Unit]:
    return list(Unit.objects.filter(parent=bureau, is_active=True).order_by("path", "sort_order"))


def side_of(unit: Unit) -> str:
    """A county 信访局 is assessed as a 信访部门, every other unit as a 责任单位 (domain.md §9)."""
    return kpis.Side.BUREAU if unit.is_bureau else kpis.Side.HANDLER


def _subtree(unit: Unit) -> QuerySet:
    return Unit.objects.filter(path__startswith=unit.path).values("pk")


def _months(period: Period) -> int:
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


# --- The events behind each deduction, as querysets (the evidence lists use the same ones) -----------


def late_registrations(period: Period, days: int) -> QuerySet[Case]:
    """Cases registered in the period more than `days` days after the petition date (信访日期)."""
    latest = ExpressionWrapper(F("received_on") + datetime.timedelta(days=days), output_field=DateField())
    return Case.objects.filter(kpis._during("registered_at", period)).filter(registered_at__date__gt=latest)


def overdue_clocks(period: Period, today: datetime.date) -> QuerySet[CaseDeadline]:
    """Clocks due in the period (and already past) that were not met by their due date."""
    last = min(period.end, today - datetime.timedelta(days=1))
    due = CaseDeadline.objects.filter(due_on__range=(period.start, last))
    return due.exclude(met_at__isnull=False, met_at__date__lte=F("due_on"))


def callback_problems(period: Period) -> QuerySet[Callback]:
    """抽查回访 done for cases closed in the period where the petitioner was not satisfied or a
    follow-up is needed (the same conditions as `callback_results()` in xinfang/supervision)."""
    done = Q(status=CallbackStatus.DONE)
    problem = Q(satisfaction=EvaluationLevel.UNSATISFIED) | Q(follow_up_needed=True)
    return Callback.objects.filter(done & problem, closed_on__range=(period.start, period.end))


def supervisions_opened(period: Period) -> QuerySet[Supervision]:
    return Supervision.objects.filter(kpis._during("opened_at", period))


def repeat_cases(unit: Unit, period: Period) -> QuerySet[Case]:
    """The 重复信访率 numerator of the unit (registering unit for a 信访局, handling unit otherwise)."""
    cohort, hit = kpis.kpi_q("repeat", kpis.KpiScope(unit=unit, period=period, side=side_of(unit)))
    return Case.objects.filter(cohort & hit)


def evidence_queryset(
    code: str, rule: DeductionRule | None, unit: Unit, period: Period, today: datetime.date
):
    """The records counted for one deduction of one unit: cases, clocks' cases, callbacks, supervisions."""
    units = _subtree(unit)
    if code == DeductionCode.LATE_REGISTRATION:
        return late_registrations(period, rule.threshold if rule else 0).filter(registering_unit_id__in=units)
    if code == DeductionCode.OVERDUE:
        return Case.objects.filter(
            pk__in=overdue_clocks(period, today).filter(unit_id__in=units).values("case_id")
        )
    if code == DeductionCode.REPEAT:
        return repeat_cases(unit, period)
    if code == DeductionCode.CALLBACK:
        return callback_problems(period).filter(unit_id__in=units).select_related("case")
    if code == DeductionCode.SUPERVISION:
        return supervisions_opened(period).filter(target_unit_id__in=units).select_related("case")
    if code == DeductionCode.NO_OPERATOR:
        return Membership.objects.filter(
            unit=unit, role_id__in=OPERATOR_ROLES, user__is_active=True
        ).select_related("user", "role")
    if code == DeductionCode.INFO_SHORTFALL:
        from xinfang.reporting.models import Submission

        start, end = kpis._moment_range(period)
        return Submission.objects.filter(
            unit=unit, first_submitted_at__gte=start, first_submitted_at__lt=end
        ).order_by("first_submitted_at")
    raise ValueError(code)


# --- Counting per child ----------------------------------------------------------------------------


class _Owners:
    """unit id → the assessed child whose subtree holds it."""

    def __init__(self, bureau: Unit, children: list[Unit]):
        self.map: dict[int, int] = {}
        for unit_id, path in Unit.objects.filter(path__startswith=bureau.path).values_list("pk", "path"):
            for child in children:
                if path.startswith(child.path):
                    self.map[unit_id] = child.pk

    def tally(self, rows: Iterable[tuple[int, object]]) -> dict[int, int]:
        """Count distinct keys per child from (unit id, key) rows."""
        seen: dict[int, set] = {}
        for unit_id, key in rows:
            child = self.map.get(unit_id)
            if child is not None:
                seen.setdefault(child, set()).add(key)
        return {child: len(keys) for child, keys in seen.items()}


def deduction_counts(
    rules: dict[str, DeductionRule],
    bureau: Unit,
    children: list[Unit],
    period: Period,
    today: datetime.date,
    kpi_counts: dict[int, list[kpis.ChildCount]],
) -> dict[str, dict[int, int]]:
    """Events per deduction code and child: one grouped query per code; 重复信访 is the numerator of
    the 重复信访率 KPI already counted (the same cases, so its drill-down list is the KPI's)."""
    owners = _Owners(bureau, children)
    ids = list(owners.map)
    counts: dict[str, dict[int, int]] = {}
    late_days = (
        rules[DeductionCode.LATE_REGISTRATION].threshold if DeductionCode.LATE_REGISTRATION in rules else 0
    )
    counts[DeductionCode.LATE_REGISTRATION] = owners.tally(
        late_registrations(period, late_days)
        .filter(registering_unit_id__in=ids)
        .values_list("registering_unit_id", "pk")
    )
    counts[DeductionCode.OVERDUE] = owners.tally(
        overdue_clocks(period, today).filter(unit_id__in=ids).values_list("unit_id", "case_id").distinct()
    )
    counts[DeductionCode.CALLBACK] = owners.tally(
        callback_problems(period).filter(unit_id__in=ids).values_list("unit_id", "pk")
    )
    counts[DeductionCode.SUPERVISION] = owners.tally(
        supervisions_opened(period).filter(target_unit_id__in=ids).values_list("target_unit_id", "pk")
    )
    staffed = set(
        Membership.objects.filter(
            unit__in=children, role_id__in=OPERATOR_ROLES, user__is_active=True
        ).values_list("unit_id", flat=True)
    )
    counts[DeductionCode.NO_OPERATOR] = {child.pk: 0 if child.pk in staffed else 1 for child in children}
    quota = (
        rules[DeductionCode.INFO_SHORTFALL].threshold if DeductionCode.INFO_SHORTFALL in rules else 0
    ) * _months(period)
    sent = submission_counts(children, period.start, period.end)
    counts[DeductionCode.INFO_SHORTFALL] = {
        child.pk: max(0, quota - sent[child.pk].submitted) for child in children
    }
    counts[DeductionCode.REPEAT] = {
        child_id: next((c.numerator for c in found if c.code == "repeat"), 0)
        for child_id, found in kpi_counts.items()
    }
    return counts


def kpi_counts(bureau: Unit, children: list[Unit], period: Period) -> dict[int, list[kpis.ChildCount]]:
    """The seven KPIs of every child, each on its own side, with `kpis_by_child` (7 queries a side)."""
    found: dict[int, list[kpis.ChildCount]] = {}
    for side in {side_of(child) for child in children}:
        for child, counts in kpis.kpis_by_child(kpis.KpiScope(unit=bureau, period=period, side=side)):
            if side_of(child) == side:
                found[child.pk] = counts
    return found


# --- Points ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiPoints:
    points: Decimal
    rate: float | None


def kpi_points(rule_set: RuleSet, count: kpis.ChildCount) -> KpiPoints:
    """rate × weight; 重复信访率 is better when lower: (1 − rate) × weight. No denominator: the rule
    set says full points or none."""
    weight = rule_set.weight(count.code)
    rate = count.rate
    if rate is None:
        full = rule_set.no_denominator == NoDenominator.FULL
        return KpiPoints(points=money(weight if full else 0), rate=None)
    share = 1 - rate if count.code == "repeat" else rate
    return KpiPoints(points=money(Decimal(str(share)) * weight), rate=rate)


def deduction_points(rule: DeductionRule, events: int) -> Decimal:
    """events × points per event, at most the cap (达川 "10分扣完为止")."""
    return money(min(events * rule.points_per_event, rule.cap))


def ordered_rules(rule_set: RuleSet) -> list[DeductionRule]:
    rules = {rule.code: rule for rule in rule_set.deductions.all()}
    return [rules[code] for code in DEDUCTION_ORDER if code in rules]


def ranks(totals: list[tuple[int, Decimal]]) -> dict[int, int]:
    """Competition ranking on the total: ties share a rank, the next rank skips (1, 1, 3)."""
    ordered = sorted(totals, key=lambda pair: -pair[1])
    found: dict[int, int] = {}
    previous, rank = None, 0
    for position, (unit_id, total) in enumerate(ordered, start=1):
        if total != previous:
            rank, previous = position, total
        found[unit_id] = rank
    return found


def today() -> datetime.date:
    return timezone.localdate()

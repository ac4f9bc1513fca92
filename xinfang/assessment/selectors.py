"""Reads of the assessment: the ranking (the quarterly bulletin's interface), one unit's breakdown,
the rule sets of a bureau.

`assessment_ranking` is used by the 季度通报 (branch `bulletin`): keep its signature stable.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from xinfang.assessment.models import Adjustment, RuleSet, UnitScore
from xinfang.orgs.models import Unit
from xinfang.reporting.periods import Period


@dataclass(frozen=True)
class ScoreItem:
    """One line of a unit's score.

    code: "kpi.<kpi code>", "key_tasks", "base", "deduct.<deduction code>" or "adjustments";
    count: the events counted (the KPI's numerator; None for key tasks and base points);
    rate: the KPI's rate 0..1 (None when not a KPI or nothing was due);
    points: the signed contribution to the total (deductions are negative), so Σ points = total.
    """

    code: str
    label: str
    count: int | None
    rate: float | None
    points: Decimal


@dataclass(frozen=True)
class ScoreRow:
    """One unit's stored score. total = kpi_points + key tasks + base − deductions + adjustments;
    `deductions` is the (non-negative) points deducted, `adjustments` the signed manual sum."""

    unit: Unit
    rank: int
    total: Decimal
    kpi_points: Decimal
    deductions: Decimal
    adjustments: Decimal
    items: tuple[ScoreItem, ...]


def score_items(score: UnitScore) -> tuple[ScoreItem, ...]:
    return tuple(
        ScoreItem(
            code=item["code"],
            label=item["label"],
            count=item.get("count"),
            rate=item.get("rate"),
            points=Decimal(item["points"]),
        )
        for item in score.items
    )


def score_row(score: UnitScore) -> ScoreRow:
    return ScoreRow(
        unit=score.unit,
        rank=score.rank,
        total=score.total,
        kpi_points=score.kpi_points,
        deductions=score.deductions,
        adjustments=score.adjustments,
        items=score_items(score),
    )


def rule_set_for(*, bureau: Unit, period: Period) -> RuleSet | None:
    return RuleSet.objects.filter(bureau=bureau, period_code=period.code).first()


def assessment_ranking(*, bureau: Unit, period: Period) -> list[ScoreRow] | None:
    """The stored scores of the units `bureau` assessed for `period`, in rank order (ties share a
    rank, then unit order); None when the bureau has no computed results for that period.

    Finalized or not: the bulletin shows what was computed (check `rule_set_for(...).is_final`)."""
    rule_set = rule_set_for(bureau=bureau, period=period)
    if rule_set is None or rule_set.computed_at is None:
        return None
    return [score_row(score) for score in scores_of(rule_set)]


def scores_of(rule_set: RuleSet) -> QuerySet[UnitScore]:
    return rule_set.scores.select_related("unit").order_by("rank", "unit__path", "unit__sort_order")


def adjustments_of(rule_set: RuleSet, unit: Unit | None = None) -> QuerySet[Adjustment]:
    found = rule_set.adjustments.select_related("created_by", "unit").order_by("created_at", "id")
    return found.filter(unit=unit) if unit is not None else found


def rule_sets_of(bureau: Unit) -> QuerySet[RuleSet]:
    return RuleSet.objects.filter(bureau=bureau).order_by("-period_start", "-id")


@dataclass(frozen=True)
class Evidence:
    """The records behind one deduction of one unit, as the data stands now (page and API)."""

    kind: str  # "cases", or the deduction code for other records
    records: QuerySet
    rule: object  # the DeductionRule, or None when the rule set has none for the code
    stored: dict | None  # the item as computed (count, points), None before computing


def evidence_for(*, user, rule_set: RuleSet, unit: Unit, code: str, today) -> Evidence:
    """Cases are limited to those the user may see; other records (callbacks, supervisions, staff,
    submissions) are the unit's own, as counted. Newest first, except submissions (in date order)."""
    from xinfang.assessment import scoring
    from xinfang.assessment.choices import DeductionCode
    from xinfang.cases.access import cases_visible_to
    from xinfang.cases.models import Case

    rule = rule_set.deductions.filter(code=code).first()
    records = scoring.evidence_queryset(code, rule, unit, scoring.rule_period(rule_set), today)
    stored_items = rule_set.scores.get(unit=unit).items
    stored = next((i for i in stored_items if i["code"] == f"deduct.{code}"), None)
    if records.model is Case:
        cases = cases_visible_to(user, records).select_related("channel").order_by("-id")
        return Evidence("cases", cases, rule, stored)
    ordered = records.order_by("-pk") if code != DeductionCode.INFO_SHORTFALL else records
    return Evidence(code, ordered, rule, stored)

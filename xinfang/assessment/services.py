"""Writes of the assessment (issue 6 §4): rule sets, key-task points, computing the scores, manual
adjustments, finalizing. Every write is audited; a finalized rule set changes no more."""

import datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.assessment import scoring
from xinfang.assessment.choices import (
    DEDUCTION_ORDER,
    DEFAULT_BASE_POINTS,
    DEFAULT_DEDUCTIONS,
    DEFAULT_KEY_TASK_POINTS,
    DEFAULT_KPI_WEIGHTS,
    DeductionCode,
    RuleSetStatus,
)
from xinfang.assessment.models import Adjustment, DeductionRule, KeyTaskScore, RuleSet, UnitScore
from xinfang.common.services import audit_record
from xinfang.orgs.models import Unit
from xinfang.reporting import kpis
from xinfang.reporting.periods import Period, parse_period

WEIGHT_FIELDS = tuple(f"weight_{code}" for code in kpis.KPI_CODES)
RULE_FIELDS = (*WEIGHT_FIELDS, "no_denominator", "key_task_points", "base_points", "title")
MAX_ADJUSTMENT = Decimal("100")


class AssessmentLocked(Exception):
    """The rule set is finalized (定稿): nothing about it may change (HTTP 409)."""


def _locked_message() -> str:
    return _("本期考核已定稿，不能再修改。")


def _ensure_open(rule_set: RuleSet) -> None:
    if rule_set.is_final:
        raise AssessmentLocked(_locked_message())


def _check_points(name: str, value, *, label: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({name: _("%(label)s应为数字。") % {"label": label}}) from None
    if not number.is_finite() or number < 0:
        raise ValidationError({name: _("%(label)s不能小于 0。") % {"label": label}})
    if number >= 100000:
        raise ValidationError({name: _("%(label)s太大。") % {"label": label}})
    return number


# --- Rule sets --------------------------------------------------------------------------------------


def scoring_next_period(period: Period) -> Period:
    """The period after: next month, next quarter or next year (same kind)."""
    day = period.end + datetime.timedelta(days=1)
    if "-Q" in period.code:
        return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    if "-" in period.code:
        return parse_period(f"{day.year}-{day.month:02d}")
    return parse_period(str(day.year))


def _defaults() -> dict:
    values = {f"weight_{code}": weight for code, weight in DEFAULT_KPI_WEIGHTS.items()}
    values.update(key_task_points=DEFAULT_KEY_TASK_POINTS, base_points=DEFAULT_BASE_POINTS)
    return values


@transaction.atomic
def rule_set_create(
    *, bureau: Unit, period: Period, acting_user, copy_from: RuleSet | None = None
) -> RuleSet:
    """A new rule set: a copy of `copy_from`, else the bureau's latest, else the default (达川 2022 +
    the county's 2008 deductions, see choices.py)."""
    if not bureau.is_bureau:
        raise ValidationError({"bureau": _("只有信访部门可以制定考核规则。")})
    if RuleSet.objects.filter(bureau=bureau, period_code=period.code).exists():
        raise ValidationError({"period": _("%(p)s的考核规则已经有了。") % {"p": period.label}})
    source = copy_from or RuleSet.objects.filter(bureau=bureau).order_by("-period_start", "-id").first()
    values = (
        {field: getattr(source, field) for field in RULE_FIELDS if field != "title"}
        if source
        else _defaults()
    )
    rule_set = RuleSet.objects.create(
        bureau=bureau,
        period_code=period.code,
        period_start=period.start,
        period_end=period.end,
        created_by=acting_user,
        **values,
    )
    if source is not None:
        rules = [
            DeductionRule(
                rule_set=rule_set,
                code=rule.code,
                points_per_event=rule.points_per_event,
                cap=rule.cap,
                threshold=rule.threshold,
                is_active=rule.is_active,
            )
            for rule in source.deductions.all()
        ]
    else:
        rules = [
            DeductionRule(rule_set=rule_set, code=code, points_per_event=per, cap=cap, threshold=threshold)
            for code, (per, cap, threshold) in DEFAULT_DEDUCTIONS.items()
        ]
    DeductionRule.objects.bulk_create(rules)
    audit_record(
        user=acting_user,
        action="assessment.rules.create",
        obj=rule_set,
        detail={"period": period.code, "copied_from": source.pk if source else None},
    )
    return rule_set


def rule_set_copy_to_next(*, rule_set: RuleSet, acting_user) -> RuleSet:
    return rule_set_create(
        bureau=rule_set.bureau,
        period=scoring_next_period(parse_period(rule_set.period_code)),
        acting_user=acting_user,
        copy_from=rule_set,
    )


@transaction.atomic
def rule_set_update(*, rule_set: RuleSet, values: dict, deductions: dict[str, dict], acting_user) -> RuleSet:
    """Change weights and deduction items. `values`: RULE_FIELDS; `deductions`: code → {points_per_event,
    cap, threshold, is_active}. Weights and caps ≥ 0 (a Chinese ValidationError otherwise)."""
    rule_set = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
    _ensure_open(rule_set)
    errors: dict[str, list[str]] = {}
    changes: dict[str, list[str]] = {}
    for field, value in values.items():
        if field not in RULE_FIELDS:
            continue
        try:
            if field in ("no_denominator", "title"):
                value = str(value or "")
                if field == "no_denominator" and value not in ("full", "exclude"):
                    raise ValidationError({field: _("无应计件时只能选“给满分”或“不计分”。")})
                if field == "title" and len(value) > 80:
                    raise ValidationError({field: _("名称不能超过 80 个字。")})
            else:
                value = _check_points(field, value, label=str(RuleSet._meta.get_field(field).verbose_name))
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                errors.setdefault(key, []).extend(messages)
            continue
        if getattr(rule_set, field) != value:
            changes[field] = [str(getattr(rule_set, field)), str(value)]
            setattr(rule_set, field, value)
    rules = {rule.code: rule for rule in rule_set.deductions.all()}
    for code, given in deductions.items():
        if code not in DEDUCTION_ORDER:
            errors.setdefault("deductions", []).append(_("没有这种扣分项：%(c)s。") % {"c": code})
            continue
        rule = rules.get(code) or DeductionRule(rule_set=rule_set, code=code)
        label = str(DeductionCode(code).label)
        for field in ("points_per_event", "cap", "threshold"):
            if field not in given:
                continue
            try:
                number = _check_points(
                    f"{code}.{field}", given[field], label=f"{label}·{_field_label(field)}"
                )
                if field == "threshold":
                    if number != number.to_integral_value():
                        raise ValidationError({f"{code}.{field}": _("%(l)s应为整数。") % {"l": label}})
                    number = int(number)
            except ValidationError as error:
                for key, messages in error.message_dict.items():
                    errors.setdefault(key, []).extend(messages)
                continue
            if getattr(rule, field) != number:
                changes[f"{code}.{field}"] = [str(getattr(rule, field)), str(number)]
                setattr(rule, field, number)
        if "is_active" in given and bool(given["is_active"]) != rule.is_active:
            changes[f"{code}.is_active"] = [str(rule.is_active), str(bool(given["is_active"]))]
            rule.is_active = bool(given["is_active"])
        rules[code] = rule
    if errors:
        raise ValidationError(errors)
    for rule in rules.values():
        rule.save()
    if changes:
        rule_set.rules_changed_at = timezone.now()
    rule_set.save()
    audit_record(
        user=acting_user, action="assessment.rules.update", obj=rule_set, detail={"changes": changes}
    )
    return rule_set


def _field_label(field: str) -> str:
    return str(DeductionRule._meta.get_field(field).verbose_name)


@transaction.atomic
def key_tasks_set(*, rule_set: RuleSet, points: dict[int, object], acting_user, notes=None) -> None:
    """Enter 重点工作 points per unit (0 ≤ points ≤ the rule set's maximum)."""
    rule_set = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
    _ensure_open(rule_set)
    allowed = {unit.pk: unit for unit in scoring.assessed_units(rule_set.bureau)}
    errors: dict[str, list[str]] = {}
    cleaned: dict[int, Decimal] = {}
    for unit_id, value in points.items():
        unit = allowed.get(int(unit_id)) if str(unit_id).isdigit() else None
        if unit is None:
            errors.setdefault("unit", []).append(_("单位 %(u)s 不在本局考核范围内。") % {"u": unit_id})
            continue
        try:
            number = _check_points(f"unit_{unit.pk}", value, label=unit.name)
        except ValidationError as error:
            errors.update(error.message_dict)
            continue
        if number > rule_set.key_task_points:
            errors[f"unit_{unit.pk}"] = [
                _("%(u)s的重点工作得分不能超过满分 %(m)s。") % {"u": unit.name, "m": rule_set.key_task_points}
            ]
            continue
        cleaned[unit.pk] = number
    if errors:
        raise ValidationError(errors)
    notes = notes or {}
    for unit_id, number in cleaned.items():
        KeyTaskScore.objects.update_or_create(
            rule_set=rule_set,
            unit_id=unit_id,
            defaults={"points": number, "entered_by": acting_user, "note": str(notes.get(unit_id, ""))[:200]},
        )
    rule_set.rules_changed_at = timezone.now()
    rule_set.save(update_fields=["rules_changed_at"])
    audit_record(
        user=acting_user,
        action="assessment.key_tasks",
        obj=rule_set,
        detail={str(k): str(v) for k, v in cleaned.items()},
    )


# --- Computing ------------------------------------------------------------------------------------


def _kpi_link(unit: Unit, period: Period, code: str, part: str) -> str:
    params = {
        "unit": unit.pk,
        "period": period.code,
        "side": scoring.side_of(unit),
        "subtree": "1",
        "kpi": code,
        "part": part,
    }
    return reverse("reporting:kpi-cases") + "?" + urlencode(params)


def _evidence_link(rule_set: RuleSet, unit: Unit, code: str) -> str:
    return reverse("assessment:evidence", args=[rule_set.pk, unit.pk, code])


def _unit_items(rule_set, unit, period, kpi_counts, deduction_counts, rules, key_tasks, adjustments):
    items: list[dict] = []
    kpi_total = Decimal(0)
    for count in kpi_counts:
        scored = scoring.kpi_points(rule_set, count)
        kpi_total += scored.points
        items.append(
            {
                "code": f"kpi.{count.code}",
                "label": str(kpis.KPI_NAMES[count.code]),
                "count": count.numerator,
                "denominator": count.denominator,
                "rate": scored.rate,
                "weight": str(rule_set.weight(count.code)),
                "points": str(scored.points),
                "evidence": _kpi_link(unit, period, count.code, "num"),
                "evidence_den": _kpi_link(unit, period, count.code, "den"),
            }
        )
    key_points = scoring.money(key_tasks.get(unit.pk, 0))
    items.append(
        {
            "code": "key_tasks",
            "label": _("重点工作"),
            "count": None,
            "rate": None,
            "points": str(key_points),
            "entered": unit.pk in key_tasks,
        }
    )
    base = scoring.money(rule_set.base_points)
    items.append({"code": "base", "label": _("基础分"), "count": None, "rate": None, "points": str(base)})
    deducted = Decimal(0)
    for rule in rules:
        events = deduction_counts[rule.code].get(unit.pk, 0)
        points = scoring.deduction_points(rule, events) if rule.is_active else Decimal("0.00")
        deducted += points
        items.append(
            {
                "code": f"deduct.{rule.code}",
                "label": rule.get_code_display(),
                "count": events,
                "rate": None,
                "points": str(-points),
                "per_event": str(rule.points_per_event),
                "cap": str(rule.cap),
                "active": rule.is_active,
                "evidence": _evidence_link(rule_set, unit, rule.code),
            }
        )
    adjusted, adjustment_count = adjustments.get(unit.pk, (Decimal(0), 0))
    items.append(
        {
            "code": "adjustments",
            "label": _("加减分"),
            "count": adjustment_count,
            "rate": None,
            "points": str(scoring.money(adjusted)),
        }
    )
    return items, scoring.money(kpi_total), key_points, base, scoring.money(deducted), scoring.money(adjusted)


def _adjustment_sums(rule_set: RuleSet) -> dict[int, tuple[Decimal, int]]:
    from django.db.models import Count

    rows = rule_set.adjustments.values("unit_id").annotate(total=Sum("points"), n=Count("pk")).order_by()
    return {row["unit_id"]: (row["total"] or Decimal(0), row["n"]) for row in rows}


@transaction.atomic
def assessment_compute(
    *, rule_set: RuleSet, acting_user, today: datetime.date | None = None
) -> list[UnitScore]:
    """Compute and store every assessed unit's score (replacing the last computation), then rank."""
    rule_set = RuleSet.objects.select_for_update().select_related("bureau").get(pk=rule_set.pk)
    _ensure_open(rule_set)
    period = scoring.rule_period(rule_set)
    today = today or scoring.today()
    children = scoring.assessed_units(rule_set.bureau)
    kpi_counts = scoring.kpi_counts(rule_set.bureau, children, period)
    rules = scoring.ordered_rules(rule_set)
    deduction_counts = scoring.deduction_counts(
        {rule.code: rule for rule in rules}, rule_set.bureau, children, period, today, kpi_counts
    )
    key_tasks = dict(rule_set.key_tasks.values_list("unit_id", "points"))
    adjustments = _adjustment_sums(rule_set)
    scores = []
    for unit in children:
        items, kpi_total, key_points, base, deducted, adjusted = _unit_items(
            rule_set,
            unit,
            period,
            kpi_counts.get(unit.pk, []),
            deduction_counts,
            rules,
            key_tasks,
            adjustments,
        )
        total = kpi_total + key_points + base - deducted + adjusted
        scores.append(
            UnitScore(
                rule_set=rule_set,
                unit=unit,
                rank=0,
                total=total,
                kpi_points=kpi_total,
                key_task_points=key_points,
                base_points=base,
                deductions=deducted,
                adjustments=adjusted,
                items=items,
            )
        )
    ranked = scoring.ranks([(score.unit.pk, score.total) for score in scores])
    for score in scores:
        score.rank = ranked[score.unit.pk]
    rule_set.scores.all().delete()
    UnitScore.objects.bulk_create(scores)
    rule_set.status = RuleSetStatus.COMPUTED
    rule_set.computed_at = timezone.now()
    rule_set.computed_by = acting_user
    rule_set.save(update_fields=["status", "computed_at", "computed_by"])
    audit_record(
        user=acting_user,
        action="assessment.compute",
        obj=rule_set,
        detail={"units": len(scores), "period": rule_set.period_code},
    )
    return scores


# --- Adjustments and finalizing ---------------------------------------------------------------------


def _parse_adjustment(points, reason) -> tuple[Decimal, str]:
    errors = {}
    try:
        number = Decimal(str(points).strip())
        if not number.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError, TypeError):
        number = None
        errors["points"] = [_("加减分应为数字，加分填正数，扣分填负数。")]
    if number is not None:
        if number == 0:
            errors["points"] = [_("加减分不能为 0。")]
        elif abs(number) > MAX_ADJUSTMENT:
            errors["points"] = [_("一次加减分不能超过 100 分。")]
        elif number != number.quantize(Decimal("0.01")):
            errors["points"] = [_("加减分最多保留两位小数。")]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("请写明加减分的理由。")]
    elif len(reason) > 300:
        errors["reason"] = [_("理由不能超过 300 个字。")]
    if errors:
        raise ValidationError(errors)
    return number, reason


@transaction.atomic
def adjustment_create(*, rule_set: RuleSet, unit: Unit, points, reason: str, acting_user) -> Adjustment:
    """A logged 加分/扣分; the stored score and the ranking follow at once (no recomputation needed)."""
    rule_set = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
    _ensure_open(rule_set)
    number, reason = _parse_adjustment(points, reason)
    if unit.pk not in {child.pk for child in scoring.assessed_units(rule_set.bureau)}:
        raise ValidationError({"unit": [_("该单位不在本局考核范围内。")]})
    adjustment = Adjustment.objects.create(
        rule_set=rule_set, unit=unit, points=number, reason=reason, created_by=acting_user
    )
    _refresh_adjustments(rule_set)
    audit_record(
        user=acting_user,
        action="assessment.adjust",
        obj=adjustment,
        detail={"rule_set": rule_set.pk, "unit": unit.pk, "points": str(number), "reason": reason},
    )
    return adjustment


def _refresh_adjustments(rule_set: RuleSet) -> None:
    """Put the adjustment sums into the stored scores and rank again."""
    scores = list(rule_set.scores.all())
    if not scores:
        return
    sums = _adjustment_sums(rule_set)
    for score in scores:
        adjusted, count = sums.get(score.unit_id, (Decimal(0), 0))
        adjusted = scoring.money(adjusted)
        score.total = score.total - score.adjustments + adjusted
        score.adjustments = adjusted
        for item in score.items:
            if item["code"] == "adjustments":
                item["points"], item["count"] = str(adjusted), count
    ranked = scoring.ranks([(score.unit_id, score.total) for score in scores])
    for score in scores:
        score.rank = ranked[score.unit_id]
    UnitScore.objects.bulk_update(scores, ["total", "adjustments", "items", "rank"])


@transaction.atomic
def assessment_finalize(*, rule_set: RuleSet, acting_user) -> RuleSet:
    """定稿: lock the results; the units may then see their own score."""
    rule_set = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
    _ensure_open(rule_set)
    if rule_set.computed_at is None:
        raise ValidationError({"status": [_("请先计算得分，再定稿。")]})
    if rule_set.is_stale:
        raise ValidationError({"status": [_("计算后规则或重点工作得分有改动，请重新计算后再定稿。")]})
    rule_set.status = RuleSetStatus.FINALIZED
    rule_set.finalized_at = timezone.now()
    rule_set.finalized_by = acting_user
    rule_set.save(update_fields=["status", "finalized_at", "finalized_by"])
    audit_record(user=acting_user, action="assessment.finalize", obj=rule_set, detail={})
    return rule_set

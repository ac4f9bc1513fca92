"""目标管理考核 (issue 6 §4): a 信访局's rule set for one period, the units' key-task points, the stored
scores (a snapshot, so published results do not drift) and the manual adjustments (immutable rows)."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.assessment.choices import (
    DEDUCTION_HELP,
    KPI_HELP,
    DeductionCode,
    NoDenominator,
    RuleSetStatus,
)
from xinfang.common.models import AppendOnly

NON_NEGATIVE = [MinValueValidator(0, message=_("不能小于 0。"))]


def _points(label, help_text="", default=0):
    return models.DecimalField(
        label, max_digits=7, decimal_places=2, default=default, validators=NON_NEGATIVE, help_text=help_text
    )


class RuleSet(models.Model):
    """The scoring rules of one 信访局 for one period (月/季/年); it also carries that period's results.

    total = Σ KPI rate × weight + key-task points + base points − Σ min(events × points, cap) + adjustments
    """

    bureau = models.ForeignKey(
        "orgs.Unit", verbose_name=_("考核单位（信访局）"), on_delete=models.PROTECT, related_name="+"
    )
    period_code = models.CharField(_("考核期"), max_length=8)
    period_start = models.DateField(_("起始日"))
    period_end = models.DateField(_("截止日"))
    title = models.CharField(_("名称"), max_length=80, blank=True)
    weight_timely_accept = _points(_("及时受理率权重"), KPI_HELP["timely_accept"])
    weight_on_time = _points(_("按期办结率权重"), KPI_HELP["on_time"])
    weight_participation = _points(_("参评率权重"), KPI_HELP["participation"])
    weight_satisfaction = _points(_("满意率权重"), KPI_HELP["satisfaction"])
    weight_repeat = _points(_("重复信访率权重"), KPI_HELP["repeat"])
    weight_online = _points(_("网信占比权重"), KPI_HELP["online"])
    weight_one_time = _points(_("一次性化解率权重"), KPI_HELP["one_time"])
    no_denominator = models.CharField(
        _("无应计件时"),
        max_length=8,
        choices=NoDenominator.choices,
        default=NoDenominator.FULL,
        help_text=_("某项指标本期没有应计的件（分母为 0）时：给满分，或不计分。"),
    )
    key_task_points = _points(
        _("重点工作满分"), _("达川区 2022 年：重点工作（领导接访、包案等）60 分，按单位逐个录入得分。")
    )
    base_points = _points(
        _("基础分"),
        _("扣分项从中扣减的基础分。达川区 2022 年：重复信访 10 分，扣完为止。"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=RuleSetStatus.choices, default=RuleSetStatus.DRAFT
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    rules_changed_at = models.DateTimeField(_("规则修改时间"), auto_now_add=True)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finalized_at = models.DateTimeField(_("定稿时间"), null=True, blank=True)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("考核规则")
        verbose_name_plural = _("考核规则")
        ordering = ["-period_start", "bureau_id"]
        constraints = [
            models.UniqueConstraint(fields=["bureau", "period_code"], name="assessment_ruleset_period_unique")
        ]

    def __str__(self) -> str:
        from xinfang.reporting.periods import period_label

        return self.title or f"{self.bureau} {period_label(self.period_code)}目标管理考核"

    @property
    def is_final(self) -> bool:
        return self.status == RuleSetStatus.FINALIZED

    @property
    def is_stale(self) -> bool:
        """Rules (or key-task points) changed after the last computation."""
        return self.computed_at is not None and self.rules_changed_at > self.computed_at

    def weight(self, code: str):
        return getattr(self, f"weight_{code}")


class DeductionRule(models.Model):
    """One deduction item: points per event, capped (达川 "10分扣完为止")."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="deductions")
    code = models.CharField(_("扣分项"), max_length=20, choices=DeductionCode.choices)
    points_per_event = _points(_("每次扣分"))
    cap = _points(_("最多扣分"))
    threshold = models.PositiveIntegerField(
        _("天数/应报数"),
        default=0,
        help_text=_("登记不及时：超过几天算不及时；信息报送：每月应报几篇。其他项不用。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("扣分项")
        verbose_name_plural = _("扣分项")
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "code"], name="assessment_deduction_unique")
        ]

    def __str__(self) -> str:
        return self.get_code_display()

    @property
    def source(self) -> str:
        return str(DEDUCTION_HELP[self.code])


class KeyTaskScore(models.Model):
    """重点工作 points of one unit, entered by hand by the bureau (达川: leaders receiving visitors …)."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="key_tasks")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    points = _points(_("重点工作得分"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("录入时间"), auto_now=True)

    class Meta:
        verbose_name = _("重点工作得分")
        verbose_name_plural = _("重点工作得分")
        constraints = [models.UniqueConstraint(fields=["rule_set", "unit"], name="assessment_keytask_unique")]

    def __str__(self) -> str:
        return f"{self.unit} {self.points}"


class UnitScore(models.Model):
    """One unit's stored score: written by the computation, read by every page, export and bulletin.

    `items` holds each item as computed: [{code, label, count, rate, points, evidence}], so a published
    table shows the same numbers later even when cases change.
    """

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="scores")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveIntegerField(_("名次"))
    total = models.DecimalField(_("总分"), max_digits=8, decimal_places=2)
    kpi_points = models.DecimalField(_("指标得分"), max_digits=8, decimal_places=2)
    key_task_points = models.DecimalField(_("重点工作得分"), max_digits=8, decimal_places=2)
    base_points = models.DecimalField(_("基础分"), max_digits=8, decimal_places=2)
    deductions = models.DecimalField(_("扣分"), max_digits=8, decimal_places=2)
    adjustments = models.DecimalField(_("加减分"), max_digits=8, decimal_places=2)
    items = models.JSONField(_("明细"), default=list)

    class Meta:
        verbose_name = _("单位得分")
        verbose_name_plural = _("单位得分")
        ordering = ["rank", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["rule_set", "unit"], name="assessment_score_unique")]

    def __str__(self) -> str:
        return f"{self.unit} {self.total}"


class Adjustment(AppendOnly):
    """A manual 加分/扣分 with its reason: written once, never changed (a wrong one is offset by another)."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="adjustments")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(
        _("加减分"), max_digits=6, decimal_places=2, help_text=_("加分填正数，扣分填负数。")
    )
    reason = models.CharField(_("理由"), max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("加减分")
        verbose_name_plural = _("加减分")
        ordering = ["created_at", "id"]
